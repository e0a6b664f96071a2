/* The storage of the certificate authority's records: see
 * api/store/store_pki.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/store/db.h"
#include "api/store/store_ca.h"
#include "api/store/store_pki.h"
#include "common/xmalloc.h"

#define STMT(id, n, text) static const struct sql sql_##id = {#id, text, n}

#define CA_DER_MAX (64 * 1024) /* bytes of one CA certificate */

/* As sql_cert_lock (api/store/store_ca.c), without the lock. */
STMT(cert_peek, 1,
    "SELECT application_id, state, revocation_reason, revoked_at "
    "FROM certificates WHERE serial = $1 AND der IS NOT NULL");
STMT(cert_status_lock, 1,
    "SELECT serial, state, revoked_at, revocation_reason FROM certificates "
    "WHERE serial = $1 FOR UPDATE");

/* The root CRL signed ahead whose time has come replaces the published
 * one (the newest of them, once, whichever node gets there first). */
STMT(root_crl_publish, 1,
    "WITH due AS (DELETE FROM root_crls_ahead WHERE this_update <= $1 "
    "RETURNING *), latest AS (SELECT * FROM due ORDER BY number DESC "
    "LIMIT 1) UPDATE crls c SET number = l.number, this_update = "
    "l.this_update, next_update = l.next_update, entries = 0, der = l.der, "
    "etag = l.etag, created_at = $1 FROM latest l WHERE c.issuer = 'root' "
    "AND c.number < l.number RETURNING c.number");
/* When the last root CRL signed (published or ahead) ends. */
STMT(root_crl_end, 0,
    "SELECT greatest((SELECT next_update FROM crls WHERE issuer = 'root'), "
    "(SELECT max(next_update) FROM root_crls_ahead)) AS next_update");
STMT(root_crl_remind, 2,
    "INSERT INTO root_crl_reminders (next_update, sent_at) VALUES ($1, $2) "
    "ON CONFLICT DO NOTHING RETURNING sent_at");
STMT(crl_ahead_insert, 6,
    "INSERT INTO root_crls_ahead (number, this_update, next_update, der, "
    "etag, created_at) VALUES ($1, $2, $3, $4, $5, $6)");
STMT(crl_ahead_clear, 0, "DELETE FROM root_crls_ahead");
/* The shards of the issuing CA's CRL published so far. */
STMT(crl_shards, 0, "SELECT shard FROM crl_shards ORDER BY shard");
/* $1 shard, $2 number .. $8 now, as crl_store. */
/* The rest of the transaction plans each statement generically (its
 * parameters stay parameters).  A custom plan, PostgreSQL's choice for
 * the first runs of a prepared statement, folds each parameter into the
 * plan as a constant: two more copies of a CRL's bytes (46 MB at
 * 1,000,000 entries), 23 % of the backend's CPU in the CRL job. */
STMT(crl_generic_plans, 0,
    "SELECT set_config('plan_cache_mode', 'force_generic_plan', true)");
STMT(crl_shard_store, 8,
    "INSERT INTO crl_shards (shard, number, this_update, next_update, "
    "entries, der, etag, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
    "$8) ON CONFLICT (shard) DO UPDATE SET number = $2, this_update = $3, "
    "next_update = $4, entries = $5, der = $6, etag = $7, created_at = $8");

STMT(ca_count, 1,
    "SELECT count(*) FROM ca_certificates WHERE (name LIKE 'sandbox-%') = "
    "$1");
/* The CA that certificate $1 names (recorded, signed or not). */
STMT(cert_issuer, 1, "SELECT issuer FROM certificates WHERE serial = $1");
STMT(ca_all, 0, "SELECT name, der, key_ref FROM ca_certificates");
STMT(ca_two, 0,
    "SELECT name, der, key_ref FROM ca_certificates WHERE name IN "
    "('root', 'issuing', 'ocsp') ORDER BY name FOR UPDATE");
STMT(ca_insert, 8,
    "INSERT INTO ca_certificates (name, serial, subject, der, key_ref, "
    "not_before, not_after, created_at) VALUES ($1, $2, $3, $4, $5, $6, "
    "$7, $8)");
STMT(ca_ocsp, 0,
    "SELECT name, der, key_ref FROM ca_certificates WHERE name = 'ocsp'");
/* Replaces the OCSP signer if it is still the one with serial $1. */
STMT(ca_ocsp_swap, 7,
    "UPDATE ca_certificates SET serial = $2, subject = $3, der = $4, "
    "key_ref = $5, not_before = $6, not_after = $7 WHERE name = 'ocsp' "
    "AND serial = $1 RETURNING name");
STMT(ca_root, 0,
    "SELECT c.name, c.der, c.key_ref, greatest(coalesce((SELECT number "
    "FROM crls WHERE issuer = 'root'), 0), coalesce((SELECT max(number) "
    "FROM root_crls_ahead), 0)) AS crl_number FROM ca_certificates c "
    "WHERE c.name = 'root'");
STMT(ca_replaced, 2,
    "INSERT INTO ca_certificates_replaced (name, serial, subject, der, "
    "not_before, not_after, replaced_at) SELECT name, serial, subject, der, "
    "not_before, not_after, $2 FROM ca_certificates WHERE name = $1");
STMT(ca_replace, 6,
    "UPDATE ca_certificates SET serial = $2, subject = $3, der = $4, "
    "not_before = $5, not_after = $6 WHERE name = $1");

/* Every query here that returns rows answers in binary (bytea as bytes),
 * read by column name. */

/* Runs stmt with one bytea argument. */
static PGresult *
exec_serial(struct db *db, const struct sql *stmt, const unsigned char *serial,
    struct problem *p)
{
	struct dbargs a;
	PGresult *r;

	dbargs_init(&a);
	dbargs_bytea(&a, serial, STORE_PKI_SERIAL_LEN);
	r = db_exec_binary(db, stmt, &a, p);
	dbargs_free(&a);
	return r;
}

/* The rows of r, at most one: 1 if one (then fill(r, arg) is its answer),
 * 0 if none; r cleared. */
static int
one_row(PGresult *r, int (*fill)(const PGresult *, void *, struct problem *),
    void *arg, struct problem *p)
{
	int rc = 0;

	if (r == NULL)
		return -1;
	if (PQntuples(r) >= 1)
		rc = fill(r, arg, p);
	PQclear(r);
	return rc;
}

static int
revocation_fill(const PGresult *r, void *arg, struct problem *p)
{
	struct revocation_row *row = arg;

	(void)p;
	db_text_copy(r, 0, "application_id", row->app, sizeof(row->app));
	db_text_copy(r, 0, "state", row->state, sizeof(row->state));
	db_text_copy(
	    r, 0, "revocation_reason", row->reason, sizeof(row->reason));
	row->revoked_at = db_time(r, 0, "revoked_at");
	return 1;
}

int
store_cert_revocation(struct db *db, const unsigned char *serial, int lock,
    struct revocation_row *row, struct problem *p)
{
	memset(row, 0, sizeof(*row));
	return one_row(
	    exec_serial(db, lock ? &sql_cert_lock : &sql_cert_peek, serial, p),
	    revocation_fill, row, p);
}

int
store_cert_revoke(struct db *db, const unsigned char *serial,
    const char *reason, time_t at, const char *by, const char *comment,
    struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_bytea(&a, serial, STORE_PKI_SERIAL_LEN);
	dbargs_text(&a, reason);
	dbargs_time(&a, at);
	dbargs_text(&a, by);
	dbargs_text(&a, comment);
	rc = db_run(db, &sql_cert_revoke, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_cert_reason_set(struct db *db, const unsigned char *serial,
    const char *reason, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_bytea(&a, serial, STORE_PKI_SERIAL_LEN);
	dbargs_text(&a, reason);
	rc = db_run(db, &sql_cert_reason, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_cert_abandon(
    struct db *db, const unsigned char *serial, time_t now, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int n;

	dbargs_init(&a);
	dbargs_bytea(&a, serial, STORE_PKI_SERIAL_LEN);
	dbargs_time(&a, now);
	r = db_exec_binary(db, &sql_cert_abandon, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	n = PQntuples(r);
	PQclear(r);
	return n == 1;
}

int
store_cert_unfinished(struct db *db, time_t before, int limit,
    struct unfinished_row **rows, size_t *n, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int i, k = 0;

	*rows = NULL;
	*n = 0;
	dbargs_init(&a);
	dbargs_time(&a, before);
	dbargs_int(&a, limit);
	r = db_exec_binary(db, &sql_cert_unfinished, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) > 0)
		*rows = xcalloc((size_t)PQntuples(r), sizeof(**rows));
	for (i = 0; i < PQntuples(r); i++) {
		if (db_bytea(r, i, "serial", (*rows)[k].serial,
		        STORE_PKI_SERIAL_LEN) != STORE_PKI_SERIAL_LEN)
			continue;
		db_text_copy(r, i, "application_id", (*rows)[k].app,
		    sizeof((*rows)[k].app));
		db_text_copy(
		    r, i, "kit_id", (*rows)[k].kit, sizeof((*rows)[k].kit));
		k++;
	}
	*n = (size_t)k;
	PQclear(r);
	return 0;
}

/* Row i of r as a status_row (state only if the result has it). */
static int
status_fill_row(const PGresult *r, int i, struct status_row *row)
{
	memset(row, 0, sizeof(*row));
	if (db_bytea(r, i, "serial", row->serial, STORE_PKI_SERIAL_LEN) !=
	    STORE_PKI_SERIAL_LEN)
		return -1;
	if (PQfnumber(r, "state") >= 0)
		db_text_copy(r, i, "state", row->state, sizeof(row->state));
	row->revoked_at = db_time(r, i, "revoked_at");
	db_text_copy(
	    r, i, "revocation_reason", row->reason, sizeof(row->reason));
	return 0;
}

/* The rows of r as status_rows (those whose serial is malformed left
 * out); r cleared. */
static int
status_list(PGresult *r, struct status_row **rows, size_t *n)
{
	int i;

	*rows = NULL;
	*n = 0;
	if (r == NULL)
		return -1;
	if (PQntuples(r) > 0)
		*rows = xcalloc((size_t)PQntuples(r), sizeof(**rows));
	for (i = 0; i < PQntuples(r); i++)
		if (status_fill_row(r, i, &(*rows)[*n]) == 0)
			(*n)++;
	PQclear(r);
	return 0;
}

int
store_ocsp_put(struct db *db, const struct ocsp_new *o, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_bytea(&a, o->serial, STORE_PKI_SERIAL_LEN);
	dbargs_text(&a, o->md);
	dbargs_text(&a, o->revoked ? "revoked" : "good");
	dbargs_bytea(&a, o->der, o->len);
	dbargs_time(&a, o->this_update);
	dbargs_time(&a, o->next_update);
	dbargs_time(&a, o->now);
	rc = db_run(db, &sql_ocsp_upsert, &a, p);
	dbargs_free(&a);
	if (rc == 0)
		db_wake(db, DB_WAKE_OCSP);
	return rc;
}

int
store_ocsp_expire(
    struct db *db, const unsigned char *serial, time_t now, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_bytea(&a, serial, STORE_PKI_SERIAL_LEN);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_ocsp_expire, &a, p);
	dbargs_free(&a);
	if (rc == 0)
		db_wake(db, DB_WAKE_OCSP);
	return rc;
}

int
store_ocsp_due(struct db *db, time_t before, time_t now, int limit,
    struct status_row **rows, size_t *n, struct problem *p)
{
	struct dbargs a;
	PGresult *r;

	dbargs_init(&a);
	dbargs_time(&a, before);
	dbargs_int(&a, limit);
	dbargs_time(&a, now);
	r = db_exec_binary(db, &sql_ocsp_due, &a, p);
	dbargs_free(&a);
	return status_list(r, rows, n);
}

int
store_ocsp_due_count(struct db *db, time_t before, time_t now, long long *count,
    struct problem *p)
{
	struct dbargs a;
	PGresult *r;

	*count = 0;
	dbargs_init(&a);
	dbargs_time(&a, before);
	dbargs_time(&a, now);
	r = db_exec_binary(db, &sql_ocsp_due_count, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 1)
		*count = db_int(r, 0, "count");
	PQclear(r);
	return 0;
}

static int
status_fill(const PGresult *r, void *arg, struct problem *p)
{
	return status_fill_row(r, 0, arg) == 0 ? 1 : problem_internal(p);
}

int
store_cert_status_lock(struct db *db, const unsigned char *serial,
    struct status_row *row, struct problem *p)
{
	memset(row, 0, sizeof(*row));
	return one_row(exec_serial(db, &sql_cert_status_lock, serial, p),
	    status_fill, row, p);
}

static void
shard_fill(const PGresult *r, int i, void *arg)
{
	*(int *)arg = (int)db_int(r, i, "shard");
}

/* What store_crl_revoked passes along to each row. */
struct revoked_each {
	store_revoked_fn fn;
	void *arg;
};

static void
revoked_row(const PGresult *r, int i, void *arg)
{
	struct revoked_each *re = arg;
	struct status_row row;

	if (status_fill_row(r, i, &row) == 0)
		re->fn(&row,
		    db_null(r, i, "crl_shard") ? -1
		                               : (int)db_int(r, i, "crl_shard"),
		    re->arg);
}

/* The name of the issuing CA of the world. */
static const char *
crl_issuer(int sandbox)
{
	return sandbox ? "sandbox-issuing" : "issuing";
}

long
store_crl_revoked(struct db *db, int sandbox, store_revoked_fn fn, void *arg,
    struct problem *p)
{
	struct revoked_each re = {fn, arg};
	struct dbargs a;
	long n;

	dbargs_init(&a);
	dbargs_text(&a, crl_issuer(sandbox));
	n = db_each(db, &sql_crl_revoked, &a, 1, revoked_row, &re, p);
	dbargs_free(&a);
	return n;
}

int
store_crl_shards(struct db *db, int **shards, size_t *n, struct problem *p)
{
	long rows = db_rows(db_exec_binary(db, &sql_crl_shards, NULL, p),
	    sizeof(**shards), shard_fill, (void **)shards);

	*n = rows > 0 ? (size_t)rows : 0;
	return rows < 0 ? -1 : 0;
}

int
store_crl_number_lock(
    struct db *db, int sandbox, long long *number, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int rc = 0;

	*number = 0;
	dbargs_init(&a);
	dbargs_text(&a, crl_issuer(sandbox));
	r = db_exec_binary(db, &sql_crl_lock, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 1) {
		*number = db_int(r, 0, "number");
		rc = 1;
	}
	PQclear(r);
	return rc;
}

static int
crl_fill(const PGresult *r, void *arg, struct problem *p)
{
	struct crl_row *row = arg;

	(void)p;
	row->number = db_int(r, 0, "number");
	row->this_update = db_time(r, 0, "this_update");
	row->next_update = db_time(r, 0, "next_update");
	return 1;
}

int
store_crl_current(struct db *db, struct crl_row *row, struct problem *p)
{
	memset(row, 0, sizeof(*row));
	return one_row(
	    db_exec_binary(db, &sql_crl_current, NULL, p), crl_fill, row, p);
}

int
store_crl_put(struct db *db, enum store_crl_kind kind, const struct crl_new *c,
    struct problem *p)
{
	const struct sql *st =
	    kind == STORE_CRL_ISSUING || kind == STORE_CRL_SANDBOX
	    ? &sql_crl_store
	    : kind == STORE_CRL_ROOT  ? &sql_crl_store_root
	    : kind == STORE_CRL_SHARD ? &sql_crl_shard_store
	                              : &sql_crl_ahead_insert;
	struct dbargs a;
	int rc;

	if (kind != STORE_CRL_ROOT && kind != STORE_CRL_ROOT_AHEAD &&
	    db_run(db, &sql_crl_generic_plans, NULL, p) == -1)
		return -1;
	dbargs_init(&a);
	if (kind == STORE_CRL_SHARD)
		dbargs_int(&a, c->shard);
	dbargs_int(&a, c->number);
	dbargs_time(&a, c->this_update);
	dbargs_time(&a, c->next_update);
	if (kind != STORE_CRL_ROOT_AHEAD)
		dbargs_int(&a, c->entries);
	dbargs_bytea(&a, c->der, c->len);
	dbargs_text(&a, c->etag);
	dbargs_time(&a, c->now);
	if (st == &sql_crl_store)
		dbargs_text(&a, crl_issuer(kind == STORE_CRL_SANDBOX));
	rc = db_run(db, st, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_crl_ahead_clear(struct db *db, struct problem *p)
{
	return db_run(db, &sql_crl_ahead_clear, NULL, p);
}

int
store_root_crl_publish(
    struct db *db, time_t now, long long *number, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int rc = 0;

	*number = 0;
	dbargs_init(&a);
	dbargs_time(&a, now);
	r = db_exec_binary(db, &sql_root_crl_publish, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 1) {
		*number = db_int(r, 0, "number");
		rc = 1;
	}
	PQclear(r);
	return rc;
}

int
store_root_crl_end(struct db *db, time_t *end, struct problem *p)
{
	PGresult *r;
	int rc = 0;

	*end = 0;
	if ((r = db_exec_binary(db, &sql_root_crl_end, NULL, p)) == NULL)
		return -1;
	if (PQntuples(r) == 1 && !db_null(r, 0, "next_update")) {
		*end = db_time(r, 0, "next_update");
		rc = 1;
	}
	PQclear(r);
	return rc;
}

int
store_root_crl_remind(struct db *db, time_t end, time_t now, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int n;

	dbargs_init(&a);
	dbargs_time(&a, end);
	dbargs_time(&a, now);
	r = db_exec_binary(db, &sql_root_crl_remind, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	n = PQntuples(r);
	PQclear(r);
	return n == 1;
}

int
store_audit_head(struct db *db, long long *id,
    unsigned char hash[STORE_PKI_HASH_LEN], struct problem *p)
{
	PGresult *r;
	int rc = 0;

	*id = 0;
	if ((r = db_exec_binary(db, &sql_audit_head, NULL, p)) == NULL)
		return -1;
	if (PQntuples(r) == 1) {
		*id = db_int(r, 0, "id");
		rc = db_bytea(r, 0, "hash", hash, STORE_PKI_HASH_LEN) ==
		        STORE_PKI_HASH_LEN
		    ? 1
		    : problem_internal(p);
	}
	PQclear(r);
	return rc;
}

int
store_checkpoint_last(
    struct db *db, long long *audit_id, time_t *at, struct problem *p)
{
	PGresult *r;
	int rc = 0;

	*audit_id = 0;
	*at = 0;
	if ((r = db_exec_binary(db, &sql_checkpoint_last, NULL, p)) == NULL)
		return -1;
	if (PQntuples(r) == 1) {
		*audit_id = db_int(r, 0, "audit_id");
		*at = db_time(r, 0, "at");
		rc = 1;
	}
	PQclear(r);
	return rc;
}

int
store_checkpoint_add(struct db *db, long long audit_id,
    const unsigned char hash[STORE_PKI_HASH_LEN], time_t at,
    const unsigned char *sig, size_t siglen, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_int(&a, audit_id);
	dbargs_bytea(&a, hash, STORE_PKI_HASH_LEN);
	dbargs_time(&a, at);
	dbargs_bytea(&a, sig, siglen);
	rc = db_run(db, &sql_checkpoint_insert, &a, p);
	dbargs_free(&a);
	return rc;
}

static void
fill_checkpoint(const PGresult *r, int i, void *arg)
{
	struct checkpoint_row *c = arg;

	c->id = db_int(r, i, "id");
	c->audit_id = db_int(r, i, "audit_id");
	c->head_ok = db_bytea_len(r, i, "head_hash") == STORE_PKI_HASH_LEN &&
	    db_bytea(r, i, "head_hash", c->head, STORE_PKI_HASH_LEN) ==
	        STORE_PKI_HASH_LEN;
	c->row_ok = db_bytea_len(r, i, "hash") == STORE_PKI_HASH_LEN &&
	    db_bytea(r, i, "hash", c->row, STORE_PKI_HASH_LEN) ==
	        STORE_PKI_HASH_LEN;
	c->sig_len = db_bytea_len(r, i, "signature") > 0
	    ? db_bytea(r, i, "signature", c->sig, sizeof(c->sig))
	    : -1;
	c->at = db_time(r, i, "at");
}

/* The rows of r (NULL when its query failed and set p) into *rows and
 * *n: 0 or -1. */
static int
checkpoint_rows(
    PGresult *r, struct checkpoint_row **rows, size_t *n, struct problem *p)
{
	void *v = NULL;
	long k;

	(void)p; /* set by the query that made r, if it failed */
	*rows = NULL;
	*n = 0;
	k = db_rows(r, sizeof(**rows), fill_checkpoint, &v);
	if (k < 0)
		return -1;
	*rows = v;
	*n = (size_t)k;
	return 0;
}

int
store_checkpoint_list(
    struct db *db, struct checkpoint_row **rows, size_t *n, struct problem *p)
{
	return checkpoint_rows(
	    db_exec_binary(db, &sql_checkpoint_all, NULL, p), rows, n, p);
}

int
store_checkpoint_page(struct db *db, long long after, int limit, long long only,
    struct checkpoint_row **rows, size_t *n, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_int(&a, after);
	dbargs_int(&a, limit);
	if (only > 0)
		dbargs_int(&a, only);
	else
		dbargs_text(&a, NULL);
	return checkpoint_rows(
	    db_exec_args(db, &sql_checkpoint_page, &a, 1, p), rows, n, p);
}

void
store_ca_cert_row_free(struct ca_cert_row *row)
{
	if (row == NULL)
		return;
	free(row->der);
	row->der = NULL;
	row->der_len = 0;
}

void
store_ca_cert_rows_free(struct ca_cert_row *rows, size_t n)
{
	size_t i;

	for (i = 0; rows != NULL && i < n; i++)
		store_ca_cert_row_free(&rows[i]);
	free(rows);
}

/* Row i of r (name, der, key_ref) into row: 0, or -1 if malformed. */
static int
ca_fill_row(const PGresult *r, int i, struct ca_cert_row *row)
{
	long n;

	memset(row, 0, sizeof(*row));
	db_text_copy(r, i, "name", row->name, sizeof(row->name));
	db_text_copy(r, i, "key_ref", row->key_ref, sizeof(row->key_ref));
	if ((n = db_bytea_len(r, i, "der")) <= 0 || n > CA_DER_MAX)
		return -1;
	row->der = xmalloc((size_t)n);
	if ((row->der_len = db_bytea(r, i, "der", row->der, (size_t)n)) != n) {
		store_ca_cert_row_free(row);
		return -1;
	}
	return 0;
}

int
store_ca_count(struct db *db, int sandbox, long long *count, struct problem *p)
{
	struct dbargs a;
	PGresult *r;

	*count = 0;
	dbargs_init(&a);
	dbargs_bool(&a, sandbox);
	r = db_exec_binary(db, &sql_ca_count, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 1)
		*count = db_int(r, 0, "count");
	PQclear(r);
	return 0;
}

int
store_ca_list(struct db *db, int lock, struct ca_cert_row **rows, size_t *n,
    struct problem *p)
{
	PGresult *r;
	int i;

	*rows = NULL;
	*n = 0;
	if ((r = db_exec_binary(
	         db, lock ? &sql_ca_two : &sql_ca_all, NULL, p)) == NULL)
		return -1;
	if (PQntuples(r) > 0)
		*rows = xcalloc((size_t)PQntuples(r), sizeof(**rows));
	for (i = 0; i < PQntuples(r); i++)
		if (ca_fill_row(r, i, &(*rows)[*n]) == 0)
			(*n)++;
	PQclear(r);
	return 0;
}

static int
ca_fill(const PGresult *r, void *arg, struct problem *p)
{
	return ca_fill_row(r, 0, arg) == 0 ? 1 : problem_internal(p);
}

int
store_ca_ocsp(struct db *db, struct ca_cert_row *row, struct problem *p)
{
	memset(row, 0, sizeof(*row));
	return one_row(
	    db_exec_binary(db, &sql_ca_ocsp, NULL, p), ca_fill, row, p);
}

int
store_ca_root(struct db *db, struct ca_cert_row *row, long long *crl_number,
    struct problem *p)
{
	PGresult *r;
	int rc = 0;

	memset(row, 0, sizeof(*row));
	*crl_number = 0;
	if ((r = db_exec_binary(db, &sql_ca_root, NULL, p)) == NULL)
		return -1;
	if (PQntuples(r) == 1) {
		rc = ca_fill_row(r, 0, row) == 0 ? 1 : problem_internal(p);
		*crl_number = db_int(r, 0, "crl_number");
	}
	PQclear(r);
	return rc;
}

int
store_ca_insert(
    struct db *db, const struct ca_cert_new *c, time_t now, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, c->name);
	dbargs_bytea(&a, c->serial, c->serial_len);
	dbargs_text(&a, c->subject);
	dbargs_bytea(&a, c->der, c->der_len);
	dbargs_text(&a, c->key_ref);
	dbargs_time(&a, c->not_before);
	dbargs_time(&a, c->not_after);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_ca_insert, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_ca_ocsp_swap(struct db *db, const unsigned char *old, size_t old_len,
    const struct ca_cert_new *c, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int n;

	dbargs_init(&a);
	dbargs_bytea(&a, old, old_len);
	dbargs_bytea(&a, c->serial, c->serial_len);
	dbargs_text(&a, c->subject);
	dbargs_bytea(&a, c->der, c->der_len);
	dbargs_text(&a, c->key_ref);
	dbargs_time(&a, c->not_before);
	dbargs_time(&a, c->not_after);
	r = db_exec_binary(db, &sql_ca_ocsp_swap, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	n = PQntuples(r);
	PQclear(r);
	return n == 1;
}

int
store_ca_replace(
    struct db *db, const struct ca_cert_new *c, time_t now, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, c->name);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_ca_replaced, &a, p);
	dbargs_free(&a);
	if (rc == -1)
		return -1;
	dbargs_init(&a);
	dbargs_text(&a, c->name);
	dbargs_bytea(&a, c->serial, c->serial_len);
	dbargs_text(&a, c->subject);
	dbargs_bytea(&a, c->der, c->der_len);
	dbargs_time(&a, c->not_before);
	dbargs_time(&a, c->not_after);
	rc = db_run(db, &sql_ca_replace, &a, p);
	dbargs_free(&a);
	return rc;
}

static void
issuer_fill(const PGresult *r, int i, void *arg)
{
	db_text_copy(r, i, "issuer", arg, STORE_PKI_ISSUER_MAX);
}

int
store_cert_issuer(struct db *db, const unsigned char *serial,
    char issuer[STORE_PKI_ISSUER_MAX], struct problem *p)
{
	issuer[0] = '\0';
	return db_one_row(
	    exec_serial(db, &sql_cert_issuer, serial, p), issuer_fill, issuer);
}
