/*
 * rxca-admin: the operator's command line.  Settings come from RXCA_*
 * variables, as for rxca-server.  Exit status: 0 done, 1 failed (or the
 * audit chain is broken), 2 bad usage.  A new command is one row of
 * commands[] and one function.
 */
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "api/audit.h"
#include "api/config.h"
#include "api/db.h"
#include "api/migrate.h"
#include "common/logger.h"
#include "common/problem.h"

#define ADMIN_OK    0
#define ADMIN_FAIL  1
#define ADMIN_USAGE 2

struct command {
	const char *words; /* e.g. "audit verify" */
	const char *args;  /* usage of its arguments, or "" */
	const char *help;  /* one line for the usage */
	int needs_config;  /* load RXCA_* first */
	int max_args;      /* arguments after the words */
	int (*run)(const struct config *c, int argc, char *argv[]);
};

static int admin_migrate(const struct config *, int, char *[]);
static int admin_audit_verify(const struct config *, int, char *[]);
static int admin_config(const struct config *, int, char *[]);
static int admin_help(const struct config *, int, char *[]);

static const struct command commands[] = {
    {"migrate", "",
        "apply pending database migrations "
        "(RXCA_MIGRATIONS_DIR)",
        1, 0, admin_migrate},
    {"audit verify", "", "recompute the audit log's hash chain", 1, 0,
        admin_audit_verify},
    {"config", "", "list the RXCA_* settings with their defaults", 0, 0,
        admin_config},
    {"help", "", "show this help", 0, 0, admin_help},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
admin_usage(FILE *out)
{
	char left[64];
	size_t i;

	fprintf(out, "usage: rxca-admin <command>\n\ncommands:\n");
	for (i = 0; i < NCOMMANDS; i++) {
		snprintf(left, sizeof(left), "%s%s%s", commands[i].words,
		    commands[i].args[0] != '\0' ? " " : "", commands[i].args);
		fprintf(out, "  %-24s %s\n", left, commands[i].help);
	}
	fprintf(out,
	    "\nSettings come from RXCA_* environment variables; "
	    "see rxca-admin config.\n");
}

/* Number of argv words that spell cmd->words, or 0. */
static int
admin_match(const struct command *cmd, int argc, char *argv[])
{
	const char *w = cmd->words;
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

/* The first line of a libpq message. */
static void
admin_first_line(const char *msg, char *buf, size_t bufsz)
{
	size_t n;

	n = strcspn(msg, "\n");
	if (n >= bufsz)
		n = bufsz - 1;
	memcpy(buf, msg, n);
	buf[n] = '\0';
}

static int
admin_migrate(const struct config *c, int argc, char *argv[])
{
	static const char *const keys[] = {
	    "dbname", "connect_timeout", "application_name", NULL};
	const char *vals[] = {c->database_url, "10", "rxca-admin", NULL};
	struct problem p;
	PGconn *conn = NULL;
	char line[256];
	int rc = ADMIN_FAIL;

	(void)argc;
	(void)argv;
	problem_clear(&p);
	conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(conn) != CONNECTION_OK) {
		admin_first_line(PQerrorMessage(conn), line, sizeof(line));
		fprintf(stderr,
		    "rxca-admin: migrate: cannot connect to the "
		    "database (RXCA_DATABASE_URL): %s\n",
		    line);
		goto out;
	}
	if (migrate_run(conn, c->migrations_dir, stdout, &p) == -1) {
		fprintf(stderr, "rxca-admin: migrate: %s\n", p.detail);
		goto out;
	}
	rc = ADMIN_OK;
out:
	PQfinish(conn);
	return rc;
}

static int
admin_audit_verify(const struct config *c, int argc, char *argv[])
{
	struct problem p;
	struct db *db;
	long long checked = 0, bad = 0;
	int rc = ADMIN_FAIL, v;

	(void)argc;
	(void)argv;
	problem_clear(&p);
	db = db_open(c->database_url);
	if (db_ensure(db, &p) == -1) {
		fprintf(stderr,
		    "rxca-admin: audit verify: cannot connect to "
		    "the database (RXCA_DATABASE_URL)\n");
		goto out;
	}
	if ((v = audit_verify(db, &checked, &bad, &p)) == -1) {
		fprintf(stderr, "rxca-admin: audit verify: %s\n", p.detail);
		goto out;
	}
	if (v == 1) {
		printf("audit chain broken at record %lld\n", bad);
		goto out;
	}
	printf("audit chain intact: %lld records\n", checked);
	rc = ADMIN_OK;
out:
	db_free(db);
	return rc;
}

static int
admin_config(const struct config *c, int argc, char *argv[])
{
	(void)c;
	(void)argc;
	(void)argv;
	printf("Settings (environment, default, meaning):\n");
	config_usage(stdout);
	return ADMIN_OK;
}

static int
admin_help(const struct config *c, int argc, char *argv[])
{
	(void)c;
	(void)argc;
	(void)argv;
	admin_usage(stdout);
	return ADMIN_OK;
}

int
main(int argc, char *argv[])
{
	const struct command *cmd = NULL;
	struct config cfg;
	size_t i;
	int nwords = 0, loaded = 0, rc;

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
	if (argc - 1 - nwords > cmd->max_args) {
		fprintf(stderr, "rxca-admin: %s: unexpected argument \"%s\"\n",
		    cmd->words, argv[1 + nwords + cmd->max_args]);
		admin_usage(stderr);
		return ADMIN_USAGE;
	}
	memset(&cfg, 0, sizeof(cfg));
	if (cmd->needs_config) {
		loaded = 1;
		if (config_load(&cfg, stderr) == -1) {
			rc = ADMIN_FAIL;
			goto out;
		}
		admin_log_level(&cfg);
	}
	rc = cmd->run(&cfg, argc - 1 - nwords, argv + 1 + nwords);
out:
	if (loaded)
		config_free(&cfg);
	return rc;
}
