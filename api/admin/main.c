/*
 * rxca-admin: the operator's command line.  Settings come from RXCA_*
 * variables, as for rxca-server.  Exit status: 0 done, 1 failed (or the
 * audit chain is broken), 2 bad usage.  A new command is one row of
 * commands[] and one function in the file of its group (see
 * api/admin/admin.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/admin/admin.h"
#include "api/config.h"
#include "api/store/dbconn.h"
#include "ca/opcert.h"
#include "common/logger.h"
#include "common/problem.h"
#include "common/wallclock.h"

static int admin_config(struct admin_ctx *, int, char *[]);
static int admin_help(struct admin_ctx *, int, char *[]);

/* Matched in order: "partner key revoke" before "partner key". */
static const struct admin_cmd commands[] = {
    {"migrate", "",
        "apply pending database migrations "
        "(RXCA_MIGRATIONS_DIR)",
        "db", ADMIN_NEEDS_DB, 0, 0, NULL, admin_migrate},
    {"audit verify", "", "recompute the audit log's hash chain", "audit",
        ADMIN_NEEDS_DB, 0, 0, NULL, admin_audit_verify},
    {"ca init", "[--sandbox] [--key p256|p384]",
        "make the root CA, the issuing CA and the OCSP signer (keys in "
        "RXCA_CA_DIR or on the RXCA_PKCS11_* token; --key or RXCA_CA_KEY: "
        "the curve of the issuing CA's and the signer's, P-256 by "
        "default); --sandbox: the sandbox's test CA instead, which "
        "certifies sandbox applications only",
        "ca", ADMIN_NEEDS_DB, 0, 3, NULL, admin_ca_init},
    {"ca root-crl", "[--ahead N]",
        "sign the root CA's CRL with the root key (RXCA_ROOT_CRL_DAYS), and "
        "N more to be published later",
        "ca", ADMIN_NEEDS_DB, 0, 2, NULL, admin_ca_root_crl},
    {"ca reissue issuing", "",
        "certify the issuing CA's key again under the root with the current "
        "profile (and the OCSP signer's under it)",
        "ca", ADMIN_NEEDS_DB, 0, 0, NULL, admin_ca_reissue},
    {"tls init", "DIR [HOST ...]",
        "make a development operators' CA and HTTPS certificate in DIR",
        "devtls", 0, 1, 1 + OPCERT_MAX_HOSTS, "which directory?",
        admin_tls_init},
    {"operator add", "NAME ROLES [CERT.pem | --out DIR]",
        "register an operator (ROLES: reviewer,fulfiller,revoker,auditor,"
        "admin) with CERT.pem, or issue DIR/NAME.crt and .key (default "
        "--out .)",
        "operators", ADMIN_NEEDS_DB, 2, 4, NULL, admin_operator_add},
    {"operator list", "", "list the operators", "operators", ADMIN_NEEDS_DB, 0,
        0, NULL, admin_operator_list},
    {"operator disable", "NAME", "disable an operator", "operators",
        ADMIN_NEEDS_DB, 1, 1, NULL, admin_operator_disable},
    {"partner add", "NAME PROGRAM",
        "register a partner (EHR vendor) owning program code PROGRAM",
        "partners", ADMIN_NEEDS_DB, 2, 2, NULL, admin_partner_add},
    {"partner sandbox", "PARTNER-ID [PROGRAM]",
        "the partner's sandbox (made if it has none, with program PROGRAM "
        "or <program>-sandbox): prints its id and program; its keys "
        "(partner key SANDBOX-ID) are rxp_test_ keys",
        "partners", ADMIN_NEEDS_DB, 1, 2, NULL, admin_partner_sandbox},
    {"partner key revoke", "PARTNER-ID KEY-ID",
        "revoke a partner's API key at once", "partners", ADMIN_NEEDS_DB, 2, 2,
        NULL, admin_partner_key_revoke},
    {"partner key", "PARTNER-ID",
        "make an API key for a partner (printed once)", "partners",
        ADMIN_NEEDS_DB, 1, 1, NULL, admin_partner_key},
    {"config", "", "list the RXCA_* settings with their defaults", "main", 0, 0,
        0, NULL, admin_config},
    {"help", "", "show this help", "main", 0, 0, 0, NULL, admin_help},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
admin_usage(FILE *out)
{
	char left[64];
	size_t i;

	fprintf(out, "usage: rxca-admin <command>\n\ncommands:\n");
	for (i = 0; i < NCOMMANDS; i++) {
		snprintf(left, sizeof(left), "%s%s%s", commands[i].name,
		    commands[i].usage[0] != '\0' ? " " : "", commands[i].usage);
		if (strlen(left) > 24)
			fprintf(out, "  %s\n  %-24s %s\n", left, "",
			    commands[i].help);
		else
			fprintf(out, "  %-24s %s\n", left, commands[i].help);
	}
	fprintf(out,
	    "\nSettings come from RXCA_* environment variables; "
	    "see rxca-admin config.\n");
}

int
admin_usage_error(const struct admin_cmd *cmd, const char *why)
{
	if (why != NULL)
		fprintf(stderr, "rxca-admin: %s: %s\n", cmd->name, why);
	fprintf(stderr, "usage: rxca-admin %s%s%s\n", cmd->name,
	    cmd->usage[0] != '\0' ? " " : "", cmd->usage);
	return ADMIN_USAGE;
}

/* Number of argv words that spell cmd->name, or 0. */
static int
admin_match(const struct admin_cmd *cmd, int argc, char *argv[])
{
	const char *w = cmd->name;
	size_t n;
	int i;

	for (i = 0; *w != '\0'; i++) {
		n = strcspn(w, " ");
		if (i >= argc || strlen(argv[i]) != n ||
		    strncmp(argv[i], w, n) != 0)
			return 0;
		w += n;
		w += strspn(w, " ");
	}
	return i;
}

static void
admin_log_level(const struct config *c)
{
	if (strcmp(c->log_level, "debug") == 0)
		log_set_level(LOG_LEVEL_DEBUG);
	else if (strcmp(c->log_level, "warn") == 0)
		log_set_level(LOG_LEVEL_WARN);
	else if (strcmp(c->log_level, "error") == 0)
		log_set_level(LOG_LEVEL_ERROR);
}

struct db *
admin_db(struct admin_ctx *ax)
{
	struct problem p;

	if ((ax->cmd->needs & ADMIN_NEEDS_DB) != ADMIN_NEEDS_DB)
		abort(); /* the table says it needs none */
	if (ax->db != NULL)
		return ax->db;
	problem_clear(&p);
	ax->db = db_open(ax->c->database_url);
	if (db_ensure(ax->db, &p) == -1) {
		fprintf(stderr,
		    "rxca-admin: %s: cannot connect to the database "
		    "(RXCA_DATABASE_URL)\n",
		    ax->cmd->name);
		db_free(ax->db);
		ax->db = NULL;
	}
	return ax->db;
}

static int
admin_config(struct admin_ctx *ax, int argc, char *argv[])
{
	(void)ax;
	(void)argc;
	(void)argv;
	printf("Settings (environment, default, meaning):\n");
	config_usage(stdout);
	return ADMIN_OK;
}

static int
admin_help(struct admin_ctx *ax, int argc, char *argv[])
{
	(void)ax;
	(void)argc;
	(void)argv;
	admin_usage(stdout);
	return ADMIN_OK;
}

/* Loads the settings and the clock into cfg: 0, or -1 (said on stderr). */
static int
admin_settings(struct config *cfg)
{
	if (config_load(cfg, stderr) == -1)
		return -1;
	admin_log_level(cfg);
	if (cfg->clock_file[0] != '\0' &&
	    wallclock_use_file(cfg->clock_file) == -1) {
		fprintf(stderr,
		    "RXCA_CLOCK_FILE: %s does not hold an integer "
		    "offset in seconds\n",
		    cfg->clock_file);
		return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	const struct admin_cmd *cmd = NULL;
	struct admin_ctx ax;
	struct config cfg;
	size_t i;
	int nwords = 0, loaded = 0, nargs, rc;

	if (argc == 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return admin_help(NULL, 0, NULL);
	for (i = 0; i < NCOMMANDS && cmd == NULL; i++)
		if ((nwords = admin_match(&commands[i], argc - 1, argv + 1)) >
		    0)
			cmd = &commands[i];
	if (cmd == NULL) {
		if (argc > 1)
			fprintf(stderr, "rxca-admin: unknown command \"%s\"\n",
			    argv[1]);
		admin_usage(stderr);
		return ADMIN_USAGE;
	}
	nargs = argc - 1 - nwords;
	if (nargs > cmd->max_args) {
		fprintf(stderr, "rxca-admin: %s: unexpected argument \"%s\"\n",
		    cmd->name, argv[1 + nwords + cmd->max_args]);
		admin_usage(stderr);
		return ADMIN_USAGE;
	}
	memset(&cfg, 0, sizeof(cfg));
	memset(&ax, 0, sizeof(ax));
	ax.cmd = cmd;
	ax.c = &cfg;
	if (cmd->needs & ADMIN_NEEDS_CONFIG) {
		loaded = 1;
		if (admin_settings(&cfg) == -1) {
			rc = ADMIN_FAIL;
			goto out;
		}
	}
	if (nargs < cmd->min_args)
		rc = admin_usage_error(cmd, cmd->missing);
	else
		rc = cmd->run(&ax, nargs, argv + 1 + nwords);
out:
	db_free(ax.db);
	if (loaded)
		config_free(&cfg);
	return rc;
}
