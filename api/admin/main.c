/*
 * rxca-admin: the operator's command line.  Settings come from RXCA_*
 * variables, as for rxca-server.  Exit status: 0 done, 1 failed (or the
 * audit chain is broken), 2 bad usage.  A new command is one row of
 * commands[] and one function.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>
#include <openssl/x509.h>

#include "api/audit.h"
#include "api/authority.h"
#include "api/pki.h"
#include "api/store_ca.h"
#include "api/config.h"
#include "api/db.h"
#include "api/migrate.h"
#include "api/partner.h"
#include "ca/opcert.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/problem.h"
#include "common/rand.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

#define ADMIN_OK    0
#define ADMIN_FAIL  1
#define ADMIN_USAGE 2

#define ADMIN_OPERATOR_NAME_MAX 64 /* operators.name, [A-Za-z0-9._-] */
#define ADMIN_OPERATOR_ACTOR    "admin-cli"
#define ADMIN_CA_NAME           "rxca operators CA"

/* The files of `tls init`, in its directory. */
#define TLS_CA_CERT     "operators-ca.crt"
#define TLS_CA_KEY      "operators-ca.key"
#define TLS_SERVER_CERT "server.crt"
#define TLS_SERVER_KEY  "server.key"

static const struct sql sql_adm_operator_by_name = {"adm_operator_by_name",
    "SELECT id, disabled_at FROM operators WHERE name = $1", 1};
static const struct sql sql_adm_operator_by_cert = {"adm_operator_by_cert",
    "SELECT name FROM operators WHERE cert_sha256 = $1", 1};
static const struct sql sql_adm_operator_insert = {"adm_operator_insert",
    "INSERT INTO operators (id, name, roles, cert_sha256, cert_subject, "
    "cert_not_after, created_at) VALUES ($1, $2, $3::text[], $4, $5, $6, "
    "$7)",
    7};
static const struct sql sql_adm_operator_list = {"adm_operator_list",
    "SELECT name, id, array_to_string(roles, ','), cert_not_after, "
    "disabled_at FROM operators ORDER BY name",
    0};
static const struct sql sql_adm_operator_disable = {"adm_operator_disable",
    "UPDATE operators SET disabled_at = $2 WHERE name = $1 "
    "AND disabled_at IS NULL RETURNING id",
    2};

/* The roles an operator may hold, as in migrations/0003_proofing.sql. */
static const char *const operator_roles[] = {
    "reviewer", "fulfiller", "revoker", "auditor", "admin"};
#define NROLES (sizeof(operator_roles) / sizeof(operator_roles[0]))

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
static int admin_tls_init(const struct config *, int, char *[]);
static struct db *admin_db(const struct config *, const char *);
static int admin_ca_init(const struct config *, int, char *[]);
static int admin_ca_root_crl(const struct config *, int, char *[]);
static int admin_ca_reissue(const struct config *, int, char *[]);
static int admin_operator_add(const struct config *, int, char *[]);
static int admin_operator_list(const struct config *, int, char *[]);
static int admin_operator_disable(const struct config *, int, char *[]);
static int admin_partner_add(const struct config *, int, char *[]);
static int admin_partner_key(const struct config *, int, char *[]);
static int admin_partner_key_revoke(const struct config *, int, char *[]);

static const struct command commands[] = {
    {"migrate", "",
        "apply pending database migrations "
        "(RXCA_MIGRATIONS_DIR)",
        1, 0, admin_migrate},
    {"audit verify", "", "recompute the audit log's hash chain", 1, 0,
        admin_audit_verify},
    {"ca init", "",
        "make the root CA, the issuing CA and the OCSP signer (keys in "
        "RXCA_CA_DIR or on the RXCA_PKCS11_* token)",
        1, 0, admin_ca_init},
    {"ca root-crl", "[--ahead N]",
        "sign the root CA's CRL with the root key (RXCA_ROOT_CRL_DAYS), and "
        "N more to be published later",
        1, 2, admin_ca_root_crl},
    {"ca reissue issuing", "",
        "certify the issuing CA's key again under the root with the current "
        "profile (and the OCSP signer's under it)",
        1, 0, admin_ca_reissue},
    {"tls init", "DIR [HOST ...]",
        "make a development operators' CA and HTTPS certificate in DIR", 0,
        1 + OPCERT_MAX_HOSTS, admin_tls_init},
    {"operator add", "NAME ROLES [CERT.pem | --out DIR]",
        "register an operator (ROLES: reviewer,fulfiller,revoker,auditor,"
        "admin) with CERT.pem, or issue DIR/NAME.crt and .key (default "
        "--out .)",
        1, 4, admin_operator_add},
    {"operator list", "", "list the operators", 1, 0, admin_operator_list},
    {"operator disable", "NAME", "disable an operator", 1, 1,
        admin_operator_disable},
    {"partner add", "NAME PROGRAM",
        "register a partner (EHR vendor) owning program code PROGRAM", 1, 2,
        admin_partner_add},
    {"partner key revoke", "PARTNER-ID KEY-ID",
        "revoke a partner's API key at once", 1, 2, admin_partner_key_revoke},
    {"partner key", "PARTNER-ID",
        "make an API key for a partner (printed once)", 1, 1,
        admin_partner_key},
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

/* Runs one of the CA's admin steps (ca init, ca root-crl) on a database
 * connection. */
static int
admin_ca_run(const struct config *c, const char *what,
    int (*step)(
        const struct config *, struct db *, time_t, FILE *, struct problem *))
{
	struct problem p;
	struct db *db;
	int rc = ADMIN_FAIL;

	problem_clear(&p);
	if ((db = admin_db(c, what)) == NULL)
		return ADMIN_FAIL;
	if (step(c, db, wallclock_now(), stdout, &p) == -1)
		fprintf(stderr, "rxca-admin: %s: %s\n", what, p.detail);
	else
		rc = ADMIN_OK;
	db_free(db);
	return rc;
}

static int
admin_ca_init(const struct config *c, int argc, char *argv[])
{
	(void)argc;
	(void)argv;
	return admin_ca_run(c, "ca init", authority_init);
}

/* The signed checkpoints against the issuing CA's certificate: 0 good (or
 * none yet), 1 a bad one (printed), -1 on a database error. */
static int
verify_checkpoints(struct db *db, struct problem *p)
{
	PGresult *r;
	struct dbargs a;
	unsigned char *der;
	const unsigned char *q;
	X509 *issuing = NULL;
	long long good = 0, bad = 0;
	long n;
	int v;

	dbargs_init(&a);
	dbargs_text(&a, "issuing");
	r = db_exec(db, &sql_ca_der, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		printf("no CA yet: no checkpoints to check\n");
		return 0;
	}
	der = xmalloc(64 * 1024);
	if ((n = db_get_bytea(r, 0, 0, der, 64 * 1024)) > 0) {
		q = der;
		issuing = d2i_X509(NULL, &q, n);
	}
	free(der);
	PQclear(r);
	if (issuing == NULL)
		return problem_internal(p);
	v = pki_checkpoints_verify(db, issuing, &good, &bad, p);
	X509_free(issuing);
	if (v == 1)
		printf("audit checkpoint %lld does not match the chain or its "
		       "signature\n",
		    bad);
	else if (v == 0)
		printf("audit checkpoints intact: %lld signed checkpoints\n",
		    good);
	return v;
}

static int
admin_ca_root_crl(const struct config *c, int argc, char *argv[])
{
	struct problem p;
	struct db *db;
	char *end = NULL;
	long ahead = 0;
	int rc = ADMIN_FAIL;

	if (argc == 2 && strcmp(argv[0], "--ahead") == 0)
		ahead = strtol(argv[1], &end, 10);
	if (argc != 0 &&
	    (end == NULL || end == argv[1] || *end != '\0' || ahead < 0 ||
	        ahead > AUTHORITY_CRL_AHEAD)) {
		fprintf(stderr,
		    "rxca-admin: ca root-crl: --ahead takes 0 to %d\n",
		    AUTHORITY_CRL_AHEAD);
		return ADMIN_USAGE;
	}
	problem_clear(&p);
	if ((db = admin_db(c, "ca root-crl")) == NULL)
		return ADMIN_FAIL;
	if (authority_root_crl(
	        c, db, wallclock_now(), (int)ahead, stdout, &p) == -1)
		fprintf(stderr, "rxca-admin: ca root-crl: %s\n", p.detail);
	else
		rc = ADMIN_OK;
	db_free(db);
	return rc;
}

static int
admin_ca_reissue(const struct config *c, int argc, char *argv[])
{
	(void)argc;
	(void)argv;
	return admin_ca_run(c, "ca reissue issuing", authority_reissue_issuing);
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
	if ((v = verify_checkpoints(db, &p)) == -1) {
		fprintf(stderr, "rxca-admin: audit verify: %s\n", p.detail);
		goto out;
	}
	if (v == 1)
		goto out;
	rc = ADMIN_OK;
out:
	db_free(db);
	return rc;
}

/* path made absolute (against the working directory) into buf. */
static int
admin_abspath(const char *what, const char *path, char *buf, size_t bufsz)
{
	char cwd[PATH_MAX];
	int n;

	if (path[0] == '/')
		n = snprintf(buf, bufsz, "%s", path);
	else if (getcwd(cwd, sizeof(cwd)) == NULL) {
		fprintf(stderr, "rxca-admin: %s: working directory: %s\n", what,
		    strerror(errno));
		return -1;
	} else
		n = snprintf(buf, bufsz, "%s/%s", cwd, path);
	if (n < 0 || (size_t)n >= bufsz) {
		fprintf(
		    stderr, "rxca-admin: %s: path too long: %s\n", what, path);
		return -1;
	}
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';
	return 0;
}

/* 1 if path exists (as anything, even a dangling link), 0 if not, -1 on
 * another error (written to stderr). */
static int
admin_exists(const char *what, const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	fprintf(
	    stderr, "rxca-admin: %s: %s: %s\n", what, path, strerror(errno));
	return -1;
}

/* Creates dir (mode 0700) unless it is a directory already. */
static int
admin_mkdir(const char *what, const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) == 0)
		return 0;
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	if (errno == EEXIST)
		errno = ENOTDIR;
	fprintf(stderr, "rxca-admin: %s: cannot create %s: %s\n", what, dir,
	    strerror(errno));
	return -1;
}

/* dir/name into buf; -1 (written to stderr) if it does not fit. */
static int
admin_path(const char *what, char *buf, size_t bufsz, const char *dir,
    const char *name, const char *suffix)
{
	int n;

	n = snprintf(buf, bufsz, "%s/%s%s", dir, name, suffix);
	if (n < 0 || (size_t)n >= bufsz) {
		fprintf(stderr, "rxca-admin: %s: path too long: %s/%s%s\n",
		    what, dir, name, suffix);
		return -1;
	}
	return 0;
}

static int
admin_write_key(const char *what, const char *path, EVP_PKEY *key)
{
	if (opcert_write_key(path, key) == 0)
		return 0;
	fprintf(stderr, "rxca-admin: %s: cannot write %s: %s\n", what, path,
	    strerror(errno));
	return -1;
}

static int
admin_write_cert(const char *what, const char *path, X509 *cert)
{
	if (opcert_write_cert(path, cert) == 0)
		return 0;
	fprintf(stderr, "rxca-admin: %s: cannot write %s: %s\n", what, path,
	    strerror(errno));
	return -1;
}

static X509 *
admin_read_cert(const char *what, const char *setting, const char *path)
{
	X509 *x;

	if ((x = opcert_read_cert(path)) == NULL)
		fprintf(stderr, "rxca-admin: %s: %s%s%s: %s\n", what, setting,
		    setting[0] != '\0' ? " " : "", path,
		    errno == EINVAL ? "no PEM certificate in it"
		                    : strerror(errno));
	return x;
}

static EVP_PKEY *
admin_read_key(const char *what, const char *setting, const char *path)
{
	EVP_PKEY *k;

	if ((k = opcert_read_key(path)) == NULL)
		fprintf(stderr, "rxca-admin: %s: %s%s%s: %s\n", what, setting,
		    setting[0] != '\0' ? " " : "", path,
		    errno == EINVAL ? "no PEM private key in it"
		                    : strerror(errno));
	return k;
}

/* Which of a certificate and its key are there: 0 none, 1 both, -1 one
 * only or an error (written to stderr). */
static int
admin_pair(const char *what, const char *crt, const char *key)
{
	int c, k;

	if ((c = admin_exists(what, crt)) == -1 ||
	    (k = admin_exists(what, key)) == -1)
		return -1;
	if (c != k) {
		fprintf(stderr,
		    "rxca-admin: %s: %s is there but %s is not: restore it, or "
		    "remove both to make new ones\n",
		    what, c ? crt : key, c ? key : crt);
		return -1;
	}
	return c;
}

static int
admin_tls_init(const struct config *c, int argc, char *argv[])
{
	static const char *const default_hosts[] = {"localhost", "127.0.0.1"};
	static const char what[] = "tls init";
	const char *const *hosts = default_hosts;
	char dir[PATH_MAX], ca_crt[PATH_MAX], ca_keyf[PATH_MAX];
	char srv_crt[PATH_MAX], srv_keyf[PATH_MAX];
	EVP_PKEY *ca_key = NULL, *srv_key = NULL;
	X509 *ca = NULL, *srv = NULL;
	size_t nhosts = 2;
	time_t now = wallclock_now();
	long v;
	int have_ca, have_srv, i, rc = ADMIN_FAIL;

	(void)c;
	if (argc < 1) {
		fprintf(stderr,
		    "rxca-admin: %s: which directory?\n"
		    "usage: rxca-admin tls init DIR [HOST ...]\n",
		    what);
		return ADMIN_USAGE;
	}
	for (i = 1; i < argc; i++)
		if (!opcert_host_ok(argv[i])) {
			fprintf(stderr,
			    "rxca-admin: %s: \"%s\" is neither a DNS name nor "
			    "an IP address\n",
			    what, argv[i]);
			return ADMIN_USAGE;
		}
	if (argc > 1) {
		hosts = (const char *const *)(argv + 1);
		nhosts = (size_t)argc - 1;
	}
	if (admin_mkdir(what, argv[0]) == -1)
		goto out;
	if (admin_abspath(what, argv[0], dir, sizeof(dir)) == -1)
		goto out;
	if (admin_path(what, ca_crt, sizeof(ca_crt), dir, TLS_CA_CERT, "") ==
	        -1 ||
	    admin_path(what, ca_keyf, sizeof(ca_keyf), dir, TLS_CA_KEY, "") ==
	        -1 ||
	    admin_path(what, srv_crt, sizeof(srv_crt), dir, TLS_SERVER_CERT,
	        "") == -1 ||
	    admin_path(what, srv_keyf, sizeof(srv_keyf), dir, TLS_SERVER_KEY,
	        "") == -1)
		goto out;
	if ((have_ca = admin_pair(what, ca_crt, ca_keyf)) == -1 ||
	    (have_srv = admin_pair(what, srv_crt, srv_keyf)) == -1)
		goto out;
	if (!have_ca && have_srv) {
		fprintf(stderr,
		    "rxca-admin: %s: %s is there but the CA that signed it "
		    "is not: remove %s and %s too to start over\n",
		    what, srv_crt, srv_crt, srv_keyf);
		goto out;
	}
	if (!have_ca) {
		if ((ca_key = opcert_key_new()) == NULL ||
		    (ca = opcert_ca_new(ca_key, ADMIN_CA_NAME, now)) == NULL) {
			fprintf(stderr, "rxca-admin: %s: cannot make the CA\n",
			    what);
			goto out;
		}
		if (admin_write_key(what, ca_keyf, ca_key) == -1)
			goto out;
		if (admin_write_cert(what, ca_crt, ca) == -1) {
			(void)unlink(ca_keyf);
			goto out;
		}
		fprintf(
		    stderr, "rxca-admin: created %s and %s\n", ca_crt, ca_keyf);
	} else if ((ca = admin_read_cert(what, "", ca_crt)) == NULL)
		goto out;
	if (!have_srv) {
		if (ca_key == NULL &&
		    (ca_key = admin_read_key(what, "", ca_keyf)) == NULL)
			goto out;
		if ((srv = opcert_server_new(
		         ca, ca_key, hosts, nhosts, now, &srv_key)) == NULL) {
			fprintf(stderr,
			    "rxca-admin: %s: cannot issue the server "
			    "certificate (does %s belong to %s?)\n",
			    what, ca_keyf, ca_crt);
			goto out;
		}
		if (admin_write_key(what, srv_keyf, srv_key) == -1)
			goto out;
		if (admin_write_cert(what, srv_crt, srv) == -1) {
			(void)unlink(srv_keyf);
			goto out;
		}
		fprintf(stderr, "rxca-admin: created %s and %s\n", srv_crt,
		    srv_keyf);
	} else {
		if ((srv = admin_read_cert(what, "", srv_crt)) == NULL)
			goto out;
		if ((v = opcert_verify(srv, ca, now, OPCERT_USE_SERVER)) !=
		    X509_V_OK)
			fprintf(stderr,
			    "rxca-admin: %s: warning: %s does not verify "
			    "against %s: %s\n",
			    what, srv_crt, ca_crt,
			    X509_verify_cert_error_string(v));
	}
	if (have_ca && have_srv)
		fprintf(
		    stderr, "rxca-admin: %s: nothing to do in %s\n", what, dir);
	printf("export RXCA_TLS_CERT=%s\n", srv_crt);
	printf("export RXCA_TLS_KEY=%s\n", srv_keyf);
	printf("export RXCA_OPERATOR_CA=%s\n", ca_crt);
	printf("export RXCA_OPERATOR_CA_KEY=%s\n", ca_keyf);
	rc = ADMIN_OK;
out:
	X509_free(ca);
	X509_free(srv);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(srv_key);
	return rc;
}

/* 1 if name is 1..ADMIN_OPERATOR_NAME_MAX of [A-Za-z0-9._-]. */
static int
admin_operator_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n >= 1 && n <= ADMIN_OPERATOR_NAME_MAX &&
	    strspn(name,
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	        "0123456789._-") == n;
}

/*
 * Parses the comma-separated list into a PostgreSQL array literal
 * ("{reviewer,admin}", duplicates dropped) and a JSON array.  Returns 0,
 * or -1 after naming the bad role on stderr.
 */
static int
admin_roles_parse(
    const char *list, char *lit, size_t litsz, json_t *arr, const char *what)
{
	unsigned seen = 0;
	size_t n, i, used;
	const char *p = list;

	used = (size_t)snprintf(lit, litsz, "{");
	for (;;) {
		n = strcspn(p, ",");
		for (i = 0; i < NROLES; i++)
			if (strlen(operator_roles[i]) == n &&
			    strncmp(operator_roles[i], p, n) == 0)
				break;
		if (i == NROLES) {
			fprintf(stderr,
			    "rxca-admin: %s: unknown role \"%.*s\" (roles: "
			    "reviewer, fulfiller, revoker, auditor, admin)\n",
			    what, (int)(n > 64 ? 64 : n), p);
			return -1;
		}
		if (!(seen & (1u << i))) {
			seen |= 1u << i;
			used += (size_t)snprintf(lit + used, litsz - used,
			    "%s%s", used > 1 ? "," : "", operator_roles[i]);
			json_array_append_new(
			    arr, json_string(operator_roles[i]));
		}
		p += n;
		if (*p == '\0')
			break;
		p++;
	}
	snprintf(lit + used, litsz - used, "}");
	return 0;
}

/* A database connection for the command what, or NULL (said on stderr). */
static struct db *
admin_db(const struct config *c, const char *what)
{
	struct problem p;
	struct db *db;

	problem_clear(&p);
	db = db_open(c->database_url);
	if (db_ensure(db, &p) == -1) {
		fprintf(stderr,
		    "rxca-admin: %s: cannot connect to the database "
		    "(RXCA_DATABASE_URL)\n",
		    what);
		db_free(db);
		return NULL;
	}
	return db;
}

/* Refuses a name or a certificate that is registered already. */
static int
admin_operator_unique(struct db *db, const char *name,
    const unsigned char fp[32], const char *what)
{
	struct problem p;
	struct dbargs a;
	PGresult *r = NULL;
	int rc = -1;

	problem_clear(&p);
	dbargs_init(&a);
	dbargs_text(&a, name);
	r = db_exec(db, &sql_adm_operator_by_name, &a, &p);
	dbargs_free(&a);
	if (r == NULL)
		goto dberr;
	if (PQntuples(r) > 0) {
		fprintf(stderr,
		    "rxca-admin: %s: an operator named \"%s\" exists "
		    "already (%s)\n",
		    what, name, db_get(r, 0, 0));
		goto out;
	}
	PQclear(r);
	dbargs_bytea(&a, fp, 32);
	r = db_exec(db, &sql_adm_operator_by_cert, &a, &p);
	dbargs_free(&a);
	if (r == NULL)
		goto dberr;
	if (PQntuples(r) > 0) {
		fprintf(stderr,
		    "rxca-admin: %s: this certificate is registered already, "
		    "to operator \"%s\"\n",
		    what, db_get(r, 0, 0));
		goto out;
	}
	rc = 0;
	goto out;
dberr:
	fprintf(stderr, "rxca-admin: %s: %s\n", what, p.detail);
out:
	PQclear(r);
	return rc;
}

/* Inserts the operators row and its audit record (inside a transaction). */
static int
admin_operator_insert(struct db *db, const char *id, const char *name,
    const char *roles_lit, json_t *roles, X509 *cert, time_t now,
    const char *what)
{
	unsigned char fp[DIGEST_LEN];
	char fphex[DIGEST_HEX_LEN], subject[OPCERT_SUBJECT_LEN];
	struct problem p;
	struct dbargs a;
	json_t *details = NULL;
	int rc = -1;

	problem_clear(&p);
	dbargs_init(&a);
	if (opcert_fingerprint(cert, fp) == -1 ||
	    opcert_subject(cert, subject, sizeof(subject)) == -1) {
		fprintf(stderr, "rxca-admin: %s: unusable certificate\n", what);
		goto out;
	}
	digest_hex(fp, sizeof(fp), fphex);
	dbargs_text(&a, id);
	dbargs_text(&a, name);
	dbargs_text(&a, roles_lit);
	dbargs_bytea(&a, fp, sizeof(fp));
	dbargs_text(&a, subject);
	dbargs_time(&a, opcert_not_after(cert));
	dbargs_time(&a, now);
	details = json_pack("{s:s, s:O, s:s}", "name", name, "roles", roles,
	    "cert_sha256", fphex);
	if (db_run(db, &sql_adm_operator_insert, &a, &p) == -1 ||
	    audit_append(db, now, ADMIN_OPERATOR_ACTOR, "operator.added", id,
	        details, &p) == -1) {
		if (p.status == 409)
			fprintf(stderr,
			    "rxca-admin: %s: an operator with this name or "
			    "certificate exists already\n",
			    what);
		else
			fprintf(stderr, "rxca-admin: %s: %s\n", what, p.detail);
		goto out;
	}
	rc = 0;
out:
	json_decref(details);
	dbargs_free(&a);
	return rc;
}

static int
admin_operator_add(const struct config *c, int argc, char *argv[])
{
	static const char what[] = "operator add";
	const char *name, *certpath = NULL, *outdir = ".";
	char roles_lit[128], id[32], hex[17], crtf[PATH_MAX], keyf[PATH_MAX];
	unsigned char raw[8], fp[DIGEST_LEN];
	EVP_PKEY *ca_key = NULL, *key = NULL;
	X509 *ca = NULL, *cert = NULL;
	json_t *roles = NULL;
	struct problem p;
	struct db *db = NULL;
	time_t now = wallclock_now();
	long v;
	int rc = ADMIN_FAIL, wrote = 0, e;

	problem_clear(&p);
	if (argc < 2 ||
	    (argc >= 3 && strcmp(argv[2], "--out") == 0) != (argc == 4)) {
		fprintf(stderr,
		    "usage: rxca-admin operator add NAME ROLES "
		    "[CERT.pem | --out DIR]\n");
		return ADMIN_USAGE;
	}
	name = argv[0];
	if (!admin_operator_name_ok(name)) {
		fprintf(stderr,
		    "rxca-admin: %s: NAME must be 1 to %d of A-Z a-z 0-9 . _ "
		    "-\n",
		    what, ADMIN_OPERATOR_NAME_MAX);
		return ADMIN_USAGE;
	}
	roles = json_array();
	if (admin_roles_parse(
	        argv[1], roles_lit, sizeof(roles_lit), roles, what) == -1) {
		rc = ADMIN_USAGE;
		goto out;
	}
	if (argc == 3)
		certpath = argv[2];
	else if (argc == 4)
		outdir = argv[3];
	if (c->operator_ca[0] == '\0') {
		fprintf(stderr,
		    "rxca-admin: %s: RXCA_OPERATOR_CA is not set (see "
		    "rxca-admin tls init)\n",
		    what);
		goto out;
	}
	if ((ca = admin_read_cert(what, "RXCA_OPERATOR_CA", c->operator_ca)) ==
	    NULL)
		goto out;
	if (certpath != NULL) {
		if ((cert = admin_read_cert(what, "", certpath)) == NULL)
			goto out;
		if ((v = opcert_verify(cert, ca, now, OPCERT_USE_CLIENT)) !=
		    X509_V_OK) {
			fprintf(stderr,
			    "rxca-admin: %s: %s is not accepted: it does not "
			    "verify against RXCA_OPERATOR_CA: %s\n",
			    what, certpath, X509_verify_cert_error_string(v));
			goto out;
		}
	} else {
		if (c->operator_ca_key[0] == '\0') {
			fprintf(stderr,
			    "rxca-admin: %s: RXCA_OPERATOR_CA_KEY is not set: "
			    "it is needed to issue a certificate (or give "
			    "CERT.pem)\n",
			    what);
			goto out;
		}
		if ((ca_key = admin_read_key(what, "RXCA_OPERATOR_CA_KEY",
		         c->operator_ca_key)) == NULL)
			goto out;
		if (admin_path(
		        what, crtf, sizeof(crtf), outdir, name, ".crt") == -1 ||
		    admin_path(
		        what, keyf, sizeof(keyf), outdir, name, ".key") == -1)
			goto out;
		if ((e = admin_exists(what, crtf)) != 0 ||
		    (e = admin_exists(what, keyf)) != 0) {
			if (e == 1)
				fprintf(stderr,
				    "rxca-admin: %s: %s or %s exists already: "
				    "nothing is overwritten\n",
				    what, crtf, keyf);
			goto out;
		}
		if ((cert = opcert_client_new(ca, ca_key, name, now, &key)) ==
		    NULL) {
			fprintf(stderr,
			    "rxca-admin: %s: cannot issue the certificate "
			    "(does RXCA_OPERATOR_CA_KEY belong to "
			    "RXCA_OPERATOR_CA?)\n",
			    what);
			goto out;
		}
	}
	if (opcert_fingerprint(cert, fp) == -1)
		goto out;
	if ((db = admin_db(c, what)) == NULL ||
	    admin_operator_unique(db, name, fp, what) == -1)
		goto out;
	rand_fill(raw, sizeof(raw));
	digest_hex(raw, sizeof(raw), hex);
	snprintf(id, sizeof(id), "opr_%s", hex);
	if (db_begin(db, &p) == -1) {
		fprintf(stderr, "rxca-admin: %s: %s\n", what, p.detail);
		goto out;
	}
	if (admin_operator_insert(
	        db, id, name, roles_lit, roles, cert, now, what) == -1)
		goto rollback;
	if (certpath == NULL) {
		if (admin_mkdir(what, outdir) == -1 ||
		    admin_write_key(what, keyf, key) == -1)
			goto rollback;
		wrote = 1;
		if (admin_write_cert(what, crtf, cert) == -1)
			goto rollback;
		wrote = 2;
	}
	if (db_commit(db, &p) == -1) {
		fprintf(stderr, "rxca-admin: %s: %s\n", what, p.detail);
		goto rollback;
	}
	if (certpath == NULL)
		fprintf(stderr, "rxca-admin: wrote %s and %s\n", crtf, keyf);
	printf("%s\n", id);
	rc = ADMIN_OK;
	goto out;
rollback:
	db_rollback(db);
	if (wrote >= 1)
		(void)unlink(keyf);
	if (wrote >= 2)
		(void)unlink(crtf);
out:
	db_free(db);
	json_decref(roles);
	X509_free(ca);
	X509_free(cert);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(key);
	return rc;
}

static int
admin_operator_list(const struct config *c, int argc, char *argv[])
{
	static const char what[] = "operator list";
	char na[WALLCLOCK_RFC3339_LEN], dis[WALLCLOCK_RFC3339_LEN];
	struct problem p;
	struct db *db;
	PGresult *r = NULL;
	int i, n, w = 4, rc = ADMIN_FAIL;

	(void)argc;
	(void)argv;
	problem_clear(&p);
	if ((db = admin_db(c, what)) == NULL)
		return ADMIN_FAIL;
	if ((r = db_exec(db, &sql_adm_operator_list, NULL, &p)) == NULL) {
		fprintf(stderr, "rxca-admin: %s: %s\n", what, p.detail);
		goto out;
	}
	n = PQntuples(r);
	for (i = 0; i < n; i++)
		if ((int)strlen(db_get(r, i, 0)) > w)
			w = (int)strlen(db_get(r, i, 0));
	printf("%-*s  %-20s  %-20s  %-20s  %s\n", w, "NAME", "ID", "NOT_AFTER",
	    "DISABLED", "ROLES");
	for (i = 0; i < n; i++) {
		wallclock_format(db_get_time(r, i, 3), na, sizeof(na));
		if (db_get(r, i, 4) != NULL)
			wallclock_format(
			    db_get_time(r, i, 4), dis, sizeof(dis));
		else
			snprintf(dis, sizeof(dis), "-");
		printf("%-*s  %-20s  %-20s  %-20s  %s\n", w, db_get(r, i, 0),
		    db_get(r, i, 1), na, dis, db_get(r, i, 2));
	}
	rc = ADMIN_OK;
out:
	PQclear(r);
	db_free(db);
	return rc;
}

static int
admin_operator_disable(const struct config *c, int argc, char *argv[])
{
	static const char what[] = "operator disable";
	char since[WALLCLOCK_RFC3339_LEN], id[64];
	struct problem p;
	struct dbargs a;
	struct db *db = NULL;
	PGresult *r = NULL;
	json_t *details = NULL;
	time_t now = wallclock_now();
	int rc = ADMIN_FAIL;

	problem_clear(&p);
	dbargs_init(&a);
	if (argc != 1) {
		fprintf(stderr, "usage: rxca-admin operator disable NAME\n");
		return ADMIN_USAGE;
	}
	if (!admin_operator_name_ok(argv[0])) {
		fprintf(stderr,
		    "rxca-admin: %s: NAME must be 1 to %d of A-Z a-z 0-9 . _ "
		    "-\n",
		    what, ADMIN_OPERATOR_NAME_MAX);
		return ADMIN_USAGE;
	}
	if ((db = admin_db(c, what)) == NULL)
		goto out;
	if (db_begin(db, &p) == -1)
		goto dberr;
	dbargs_text(&a, argv[0]);
	dbargs_time(&a, now);
	if ((r = db_exec(db, &sql_adm_operator_disable, &a, &p)) == NULL)
		goto dberr;
	dbargs_free(&a);
	if (PQntuples(r) == 0) {
		PQclear(r);
		dbargs_text(&a, argv[0]);
		if ((r = db_exec(db, &sql_adm_operator_by_name, &a, &p)) ==
		    NULL)
			goto dberr;
		db_rollback(db);
		if (PQntuples(r) == 0) {
			fprintf(stderr,
			    "rxca-admin: %s: no operator is named \"%s\"\n",
			    what, argv[0]);
			goto out;
		}
		wallclock_format(db_get_time(r, 0, 1), since, sizeof(since));
		printf("%s was disabled already, at %s\n", argv[0], since);
		rc = ADMIN_OK;
		goto out;
	}
	snprintf(id, sizeof(id), "%s", db_get(r, 0, 0));
	details = json_pack("{s:s}", "name", argv[0]);
	if (audit_append(db, now, ADMIN_OPERATOR_ACTOR, "operator.disabled", id,
	        details, &p) == -1 ||
	    db_commit(db, &p) == -1)
		goto dberr;
	printf("%s (%s) disabled\n", argv[0], id);
	rc = ADMIN_OK;
	goto out;
dberr:
	fprintf(stderr, "rxca-admin: %s: %s\n", what, p.detail);
	if (db != NULL)
		db_rollback(db);
out:
	json_decref(details);
	dbargs_free(&a);
	PQclear(r);
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
		if (cfg.clock_file[0] != '\0' &&
		    wallclock_use_file(cfg.clock_file) == -1) {
			fprintf(stderr,
			    "RXCA_CLOCK_FILE: %s does not hold an integer "
			    "offset in seconds\n",
			    cfg.clock_file);
			rc = ADMIN_FAIL;
			goto out;
		}
	}
	rc = cmd->run(&cfg, argc - 1 - nwords, argv + 1 + nwords);
out:
	if (loaded)
		config_free(&cfg);
	return rc;
}

/* Runs one partner command in a transaction; prints p's detail on failure. */
static int
admin_partner_done(struct db *db, const char *what, int rc, struct problem *p)
{
	if (rc == 0 && db_commit(db, p) == 0)
		return ADMIN_OK;
	db_rollback(db);
	fprintf(stderr, "rxca-admin: %s: %s", what, p->detail);
	if (p->nfields > 0)
		fprintf(stderr, " (%s: %s)", p->fields[0].field,
		    p->fields[0].message);
	fprintf(stderr, "\n");
	return ADMIN_FAIL;
}

static int
admin_partner_add(const struct config *c, int argc, char *argv[])
{
	struct problem p;
	struct db *db;
	char id[32];
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: rxca-admin partner add NAME PROGRAM\n");
		return ADMIN_USAGE;
	}
	if ((db = admin_db(c, "partner add")) == NULL)
		return ADMIN_FAIL;
	problem_clear(&p);
	rc = db_begin(db, &p) == 0
	    ? partner_create(db, argv[0], argv[1], ADMIN_OPERATOR_ACTOR,
	          wallclock_now(), id, sizeof(id), &p)
	    : -1;
	if ((rc = admin_partner_done(db, "partner add", rc, &p)) == ADMIN_OK)
		printf("%s\n", id);
	db_free(db);
	return rc;
}

static int
admin_partner_key(const struct config *c, int argc, char *argv[])
{
	char key[PARTNER_KEY_LEN + 1], kid[PARTNER_KEY_ID_LEN + 1];
	struct problem p;
	struct db *db;
	int rc;

	if (argc != 1) {
		fprintf(stderr, "usage: rxca-admin partner key PARTNER-ID\n");
		return ADMIN_USAGE;
	}
	if ((db = admin_db(c, "partner key")) == NULL)
		return ADMIN_FAIL;
	problem_clear(&p);
	rc = db_begin(db, &p) == 0
	    ? partner_key_create(db, argv[0], ADMIN_OPERATOR_ACTOR,
	          wallclock_now(), key, kid, &p)
	    : -1;
	if ((rc = admin_partner_done(db, "partner key", rc, &p)) == ADMIN_OK)
		printf("%s\n", key);
	memset(key, 0, sizeof(key));
	db_free(db);
	return rc;
}

static int
admin_partner_key_revoke(const struct config *c, int argc, char *argv[])
{
	struct problem p;
	struct db *db;
	time_t at = 0;
	int rc;

	if (argc != 2) {
		fprintf(stderr,
		    "usage: rxca-admin partner key revoke "
		    "PARTNER-ID KEY-ID\n");
		return ADMIN_USAGE;
	}
	if ((db = admin_db(c, "partner key revoke")) == NULL)
		return ADMIN_FAIL;
	problem_clear(&p);
	rc = db_begin(db, &p) == 0
	    ? partner_key_revoke(db, argv[0], argv[1], ADMIN_OPERATOR_ACTOR,
	          wallclock_now(), &at, &p)
	    : -1;
	rc = admin_partner_done(db, "partner key revoke", rc, &p);
	db_free(db);
	return rc;
}
