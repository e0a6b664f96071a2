#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "api/store/db.h"
#include "api/store/migrate.h"
#include "api/store/store_admin.h"
#include "api/store/store_ca.h"
#include "common/xmalloc.h"

#define STMT(id, n, text) static const struct sql sql_##id = {#id, text, n}

/* The largest CA certificate read back (as api/routes/h_certificates.c serves).
 */
#define STORE_ADMIN_CA_DER_MAX (64 * 1024)

STMT(adm_operator_by_name, 1,
    "SELECT id, disabled_at IS NOT NULL AS disabled, disabled_at "
    "FROM operators WHERE name = $1");
STMT(adm_operator_by_cert, 1,
    "SELECT name FROM operators WHERE cert_sha256 = $1");
/* $1 id, $2 name, $3 roles, $4 cert SHA-256, $5 subject, $6 not after,
 * $7 now. */
STMT(adm_operator_insert, 7,
    "INSERT INTO operators (id, name, roles, cert_sha256, cert_subject, "
    "cert_not_after, created_at) VALUES ($1, $2, $3::text[], $4, $5, $6, "
    "$7)");
STMT(adm_operator_list, 0,
    "SELECT name, id, array_to_string(roles, ',') AS roles, "
    "cert_not_after, disabled_at IS NOT NULL AS disabled, disabled_at "
    "FROM operators ORDER BY name");
/* $1 name, $2 now. */
STMT(adm_operator_disable, 2,
    "UPDATE operators SET disabled_at = $2 WHERE name = $1 "
    "AND disabled_at IS NULL RETURNING id");

/* The first line of a libpq message. */
static void
store_admin_first_line(const char *msg, char *buf, size_t bufsz)
{
	size_t n;

	n = strcspn(msg, "\n");
	if (n >= bufsz)
		n = bufsz - 1;
	memcpy(buf, msg, n);
	buf[n] = '\0';
}

int
store_admin_migrate(const char *url, const char *dir, FILE *out, char *conn_err,
    size_t conn_errsz, struct problem *p)
{
	static const char *const keys[] = {
	    "dbname", "connect_timeout", "application_name", NULL};
	const char *vals[] = {url, "10", "rxca-admin", NULL};
	PGconn *conn;
	int rc = -1;

	conn_err[0] = '\0';
	conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(conn) != CONNECTION_OK) {
		store_admin_first_line(
		    PQerrorMessage(conn), conn_err, conn_errsz);
		rc = -2;
	} else
		rc = migrate_run(conn, dir, out, p);
	PQfinish(conn);
	return rc;
}

void
store_admin_operator_clear(struct store_admin_operator *op)
{
	if (op == NULL)
		return;
	free(op->id);
	free(op->name);
	free(op->roles);
	memset(op, 0, sizeof(*op));
}

/* NULL for SQL NULL, else an owned copy. */
static char *
store_admin_text(const PGresult *r, int row, const char *name)
{
	const char *v = db_text(r, row, name);

	return v != NULL ? xstrdup(v) : NULL;
}

int
store_admin_operator_by_name(struct db *db, const char *name,
    struct store_admin_operator *op, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int found;

	memset(op, 0, sizeof(*op));
	dbargs_init(&a);
	dbargs_text(&a, name);
	r = db_exec(db, &sql_adm_operator_by_name, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if ((found = PQntuples(r) > 0)) {
		op->id = store_admin_text(r, 0, "id");
		op->disabled = db_bool(r, 0, "disabled");
		op->disabled_at = db_time(r, 0, "disabled_at");
	}
	PQclear(r);
	return found;
}

int
store_admin_operator_by_cert(struct db *db, const unsigned char fp[32],
    struct store_admin_operator *op, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int found;

	memset(op, 0, sizeof(*op));
	dbargs_init(&a);
	dbargs_bytea(&a, fp, 32);
	r = db_exec(db, &sql_adm_operator_by_cert, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if ((found = PQntuples(r) > 0))
		op->name = store_admin_text(r, 0, "name");
	PQclear(r);
	return found;
}

int
store_admin_operator_insert(
    struct db *db, const struct store_admin_operator_new *op, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, op->id);
	dbargs_text(&a, op->name);
	dbargs_text(&a, op->roles);
	dbargs_bytea(&a, op->cert_sha256, 32);
	dbargs_text(&a, op->cert_subject);
	dbargs_time(&a, op->cert_not_after);
	dbargs_time(&a, op->created_at);
	rc = db_run(db, &sql_adm_operator_insert, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_admin_operator_list(struct db *db, struct store_admin_operator **ops,
    size_t *n, struct problem *p)
{
	struct store_admin_operator *o;
	PGresult *r;
	int i, rows;

	*ops = NULL;
	*n = 0;
	if ((r = db_exec(db, &sql_adm_operator_list, NULL, p)) == NULL)
		return -1;
	rows = PQntuples(r);
	o = xcalloc(rows > 0 ? (size_t)rows : 1, sizeof(*o));
	for (i = 0; i < rows; i++) {
		o[i].name = store_admin_text(r, i, "name");
		o[i].id = store_admin_text(r, i, "id");
		o[i].roles = store_admin_text(r, i, "roles");
		o[i].cert_not_after = db_time(r, i, "cert_not_after");
		o[i].disabled = db_bool(r, i, "disabled");
		o[i].disabled_at = db_time(r, i, "disabled_at");
	}
	PQclear(r);
	*ops = o;
	*n = (size_t)rows;
	return 0;
}

void
store_admin_operators_free(struct store_admin_operator *ops, size_t n)
{
	size_t i;

	if (ops == NULL)
		return;
	for (i = 0; i < n; i++)
		store_admin_operator_clear(&ops[i]);
	free(ops);
}

int
store_admin_operator_disable(struct db *db, const char *name, time_t now,
    struct store_admin_operator *op, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int found;

	memset(op, 0, sizeof(*op));
	dbargs_init(&a);
	dbargs_text(&a, name);
	dbargs_time(&a, now);
	r = db_exec(db, &sql_adm_operator_disable, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if ((found = PQntuples(r) > 0)) {
		op->id = store_admin_text(r, 0, "id");
		op->disabled = 1;
		op->disabled_at = now;
	}
	PQclear(r);
	return found;
}

int
store_admin_ca_cert(
    struct db *db, const char *role, X509 **cert, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	unsigned char *der;
	const unsigned char *q;
	long n;

	*cert = NULL;
	dbargs_init(&a);
	dbargs_text(&a, role);
	r = db_exec_binary(db, &sql_ca_der, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return 0;
	}
	der = xmalloc(STORE_ADMIN_CA_DER_MAX);
	if ((n = db_bytea(r, 0, "der", der, STORE_ADMIN_CA_DER_MAX)) > 0) {
		q = der;
		*cert = d2i_X509(NULL, &q, n);
	}
	free(der);
	PQclear(r);
	if (*cert == NULL)
		return problem_internal(p);
	return 1;
}
