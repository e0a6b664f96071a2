/* The storage of certificates once issued: see api/store/store_cert.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/store/db.h"
#include "api/store/store_cert.h"
#include "common/xmalloc.h"

#define STMT(id, n, text) static const struct sql sql_##id = {#id, text, n}

#define DER_MAX (16 * 1024)         /* bytes of one certificate */
#define CRL_MAX (256 * 1024 * 1024) /* bytes of one CRL */

/* Kits in state $1, oldest first, after kit $2 (or from the start), $3. */
STMT(kits_in_state, 3,
    "SELECT k.id, k.application_id, k.state, k.new_token, k.prints, "
    "k.expires_at, k.created_at, a.given_name, a.family_name, a.shipping "
    "FROM kits k JOIN applications a ON a.id = k.application_id "
    "WHERE k.state = $1 AND ($2::text IS NULL OR (k.created_at, k.id) > "
    "(SELECT created_at, id FROM kits WHERE id = $2)) "
    "ORDER BY k.created_at, k.id LIMIT $3");
STMT(kit_letter_lock, 1,
    "SELECT k.state, k.new_token, k.expires_at, k.prints, a.id AS app, "
    "a.status AS app_status, a.given_name, a.middle_name, a.family_name, "
    "a.addr_line1, a.addr_line2, a.addr_city, a.addr_state, "
    "a.addr_postal_code, a.addr_country, a.shipping FROM kits k "
    "JOIN applications a ON a.id = k.application_id WHERE k.id = $1 "
    "FOR UPDATE OF k, a");
/* $1 kit, $2 code hash, $3 now. */
STMT(kit_printed, 3,
    "UPDATE kits SET code_hash = $2, prints = prints + 1, attempts = 0, "
    "printed_at = $3, updated_at = $3, state = 'printed' WHERE id = $1");
STMT(kit_shipped, 4,
    "UPDATE kits SET state = 'shipped', carrier = $2, tracking = $3, "
    "shipped_at = $4, updated_at = $4 WHERE id = $1");
STMT(cert_view, 1,
    "SELECT c.application_id, c.subject, c.state, c.der, c.not_before, "
    "c.not_after, c.issued_at, c.issuer FROM certificates c "
    "WHERE c.serial = $1 AND c.der IS NOT NULL");
STMT(challenge_insert, 5,
    "INSERT INTO challenges (id, serial, nonce, created_at, expires_at) "
    "VALUES ($1, $2, $3, $4, $5)");
STMT(challenge_lock, 2,
    "SELECT nonce, attempts, expires_at, used_at FROM challenges "
    "WHERE id = $1 AND serial = $2 FOR UPDATE");
STMT(challenge_fail, 1,
    "UPDATE challenges SET attempts = attempts + 1 WHERE id = $1 "
    "RETURNING attempts");
STMT(challenge_use, 2, "UPDATE challenges SET used_at = $2 WHERE id = $1");
STMT(ca_cert_der, 1, "SELECT der FROM ca_certificates WHERE name = $1");
STMT(crl_by_issuer, 1,
    "SELECT number, this_update, next_update, der, etag FROM crls "
    "WHERE issuer = $1");
STMT(crl_by_shard, 1,
    "SELECT number, this_update, next_update, der, etag FROM crl_shards "
    "WHERE shard = $1");
/* $1 serial, $2 md: its status, and the newest version of its stored
 * responses for md (0: none) in the same snapshot. */
STMT(cert_ocsp_status, 2,
    "SELECT c.state, c.revoked_at, c.revocation_reason, c.issuer, "
    "(SELECT coalesce(max(o.version), 0) FROM ocsp_responses o WHERE "
    "o.serial = c.serial AND o.md = $2) AS version FROM certificates c "
    "WHERE c.serial = $1 AND "
    "(c.der IS NOT NULL OR c.state = 'abandoned')");
/* The newest version written (where the change feed starts). */
STMT(ocsp_head, 0, "SELECT coalesce(max(version), 0) AS v FROM ocsp_responses");
/* The stored response of serial $1 for CertID hash $2, and the newest
 * version of any stored response in the same snapshot. */
STMT(ocsp_row, 2,
    "SELECT serial, md, der, this_update, next_update, version, "
    "(SELECT coalesce(max(version), 0) FROM ocsp_responses) AS head "
    "FROM ocsp_responses WHERE serial = $1 AND md = $2");
/* Responses written after version $1, oldest first, at most $2. */
STMT(ocsp_rows_since, 2,
    "SELECT serial, md, der, this_update, next_update, version "
    "FROM ocsp_responses WHERE version > $1 ORDER BY version LIMIT $2");
/* $1 after, $2 limit; each of $3 subject, $4 actor, $5 action, $6 since
 * (at or after), $7 until (before) NULL for any. */
STMT(audit_records, 7,
    "SELECT id, at, actor, action, subject, details, "
    "encode(hash, 'hex') AS hash FROM audit_log WHERE id > $1 "
    "AND ($3::text IS NULL OR subject = $3) "
    "AND ($4::text IS NULL OR actor = $4) "
    "AND ($5::text IS NULL OR action = $5) "
    "AND ($6::timestamptz IS NULL OR at >= $6) "
    "AND ($7::timestamptz IS NULL OR at < $7) ORDER BY id LIMIT $2");

/* A text column of row i as a new string ("" if NULL). */
static char *
text_or_empty(const PGresult *r, int i, const char *name)
{
	char *s = db_text_dup(r, i, name);

	return s != NULL ? s : xstrdup("");
}

int
store_ocsp_ready(struct db *db, struct problem *p)
{
	return db_ensure(db, p);
}

int
store_kit_list(struct db *db, const char *state, const char *after, int limit,
    struct kit_list *l, struct problem *p)
{
	struct kit_list_row *k;
	struct dbargs a;
	PGresult *r;
	int i;

	memset(l, 0, sizeof(*l));
	dbargs_init(&a);
	dbargs_text(&a, state);
	dbargs_text(&a, after);
	dbargs_int(&a, limit);
	r = db_exec_binary(db, &sql_kits_in_state, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	l->rows = xcalloc(
	    PQntuples(r) > 0 ? (size_t)PQntuples(r) : 1, sizeof(*l->rows));
	for (i = 0; i < PQntuples(r); i++) {
		k = &l->rows[l->n++];
		db_text_copy(r, i, "id", k->id, sizeof(k->id));
		db_text_copy(r, i, "application_id", k->app, sizeof(k->app));
		db_text_copy(r, i, "state", k->state, sizeof(k->state));
		k->new_token = db_bool(r, i, "new_token");
		k->prints = (int)db_int(r, i, "prints");
		k->expires_at = db_time(r, i, "expires_at");
		k->created_at = db_time(r, i, "created_at");
		db_text_copy(r, i, "given_name", k->given, sizeof(k->given));
		db_text_copy(r, i, "family_name", k->family, sizeof(k->family));
		db_text_copy(
		    r, i, "shipping", k->shipping, sizeof(k->shipping));
	}
	PQclear(r);
	return 0;
}

void
store_kit_list_free(struct kit_list *l)
{
	if (l == NULL)
		return;
	free(l->rows);
	l->rows = NULL;
	l->n = 0;
}

int
store_kit_letter_lock(
    struct db *db, const char *kit, struct kit_letter_row *k, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int found;

	memset(k, 0, sizeof(*k));
	dbargs_init(&a);
	dbargs_text(&a, kit);
	r = db_exec_binary(db, &sql_kit_letter_lock, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if ((found = PQntuples(r) == 1)) {
		db_text_copy(r, 0, "state", k->state, sizeof(k->state));
		k->new_token = db_bool(r, 0, "new_token");
		k->expires_at = db_time(r, 0, "expires_at");
		k->prints = (int)db_int(r, 0, "prints");
		db_text_copy(r, 0, "app", k->app, sizeof(k->app));
		db_text_copy(
		    r, 0, "app_status", k->app_status, sizeof(k->app_status));
		db_text_copy(r, 0, "given_name", k->given, sizeof(k->given));
		k->has_middle = db_text_copy(
		    r, 0, "middle_name", k->middle, sizeof(k->middle));
		db_text_copy(r, 0, "family_name", k->family, sizeof(k->family));
		db_text_copy(r, 0, "addr_line1", k->line1, sizeof(k->line1));
		k->has_line2 = db_text_copy(
		    r, 0, "addr_line2", k->line2, sizeof(k->line2));
		db_text_copy(r, 0, "addr_city", k->city, sizeof(k->city));
		k->has_region = db_text_copy(
		    r, 0, "addr_state", k->region, sizeof(k->region));
		db_text_copy(r, 0, "addr_postal_code", k->postal_code,
		    sizeof(k->postal_code));
		db_text_copy(
		    r, 0, "addr_country", k->country, sizeof(k->country));
		db_text_copy(
		    r, 0, "shipping", k->shipping, sizeof(k->shipping));
	}
	PQclear(r);
	return found;
}

int
store_kit_printed(struct db *db, const char *kit,
    const unsigned char code_hash[32], time_t now, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, kit);
	dbargs_bytea(&a, code_hash, 32);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_kit_printed, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_kit_shipped(struct db *db, const char *kit, const char *carrier,
    const char *tracking, time_t now, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, kit);
	dbargs_text(&a, carrier);
	dbargs_text(&a, tracking);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_kit_shipped, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_cert_view(struct db *db, const unsigned char serial[16],
    struct cert_view *v, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int rc = 0;

	memset(v, 0, sizeof(*v));
	dbargs_init(&a);
	dbargs_bytea(&a, serial, STORE_SERIAL_LEN);
	r = db_exec_binary(db, &sql_cert_view, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 1) {
		db_text_copy(r, 0, "application_id", v->app, sizeof(v->app));
		db_text_copy(r, 0, "subject", v->subject, sizeof(v->subject));
		db_text_copy(r, 0, "state", v->state, sizeof(v->state));
		db_text_copy(r, 0, "issuer", v->issuer, sizeof(v->issuer));
		v->not_before = db_time(r, 0, "not_before");
		v->not_after = db_time(r, 0, "not_after");
		v->issued_at = db_time(r, 0, "issued_at");
		if ((v->der_len =
		            db_bytea_dup(r, 0, "der", DER_MAX, &v->der)) <= 0)
			rc = problem_internal(p);
		else
			rc = 1;
	}
	PQclear(r);
	return rc;
}

void
store_cert_view_free(struct cert_view *v)
{
	if (v == NULL)
		return;
	free(v->der);
	v->der = NULL;
	v->der_len = 0;
}

int
store_challenge_new(struct db *db, const char *id,
    const unsigned char serial[16], const unsigned char nonce[32], time_t now,
    time_t expires, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_bytea(&a, serial, STORE_SERIAL_LEN);
	dbargs_bytea(&a, nonce, STORE_NONCE_LEN);
	dbargs_time(&a, now);
	dbargs_time(&a, expires);
	rc = db_run(db, &sql_challenge_insert, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_challenge_lock(struct db *db, const char *id,
    const unsigned char serial[16], struct challenge_row *c, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_bytea(&a, serial, STORE_SERIAL_LEN);
	r = db_exec_binary(db, &sql_challenge_lock, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 1) {
		c->attempts = (int)db_int(r, 0, "attempts");
		c->expires_at = db_time(r, 0, "expires_at");
		c->used = !db_null(r, 0, "used_at");
		if (db_bytea(r, 0, "nonce", c->nonce, sizeof(c->nonce)) !=
		    STORE_NONCE_LEN)
			rc = problem_internal(p);
		else
			rc = 1;
	}
	PQclear(r);
	return rc;
}

int
store_challenge_use(
    struct db *db, const char *id, time_t now, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_challenge_use, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_challenge_fail(
    struct db *db, const char *id, int *attempts, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int found;

	*attempts = 0;
	dbargs_init(&a);
	dbargs_text(&a, id);
	r = db_exec_binary(db, &sql_challenge_fail, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if ((found = PQntuples(r) == 1))
		*attempts = (int)db_int(r, 0, "attempts");
	PQclear(r);
	return found;
}

int
store_ca_cert_der(struct db *db, const char *name, unsigned char **der,
    long *len, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int rc = 0;

	*der = NULL;
	*len = 0;
	dbargs_init(&a);
	dbargs_text(&a, name);
	r = db_exec_binary(db, &sql_ca_cert_der, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 1) {
		if ((*len = db_bytea_dup(r, 0, "der", DER_MAX, der)) <= 0)
			rc = problem_internal(p);
		else
			rc = 1;
	}
	PQclear(r);
	return rc;
}

/* The CRL row of r (one of crl_by_issuer, crl_by_shard) into c, r
 * cleared: 1, 0 if none, -1 with p set. */
static int
crl_row_of(PGresult *r, struct crl_row *c, struct problem *p)
{
	int rc = 0;

	if (r == NULL)
		return -1;
	if (PQntuples(r) == 1) {
		c->number = db_int(r, 0, "number");
		c->this_update = db_time(r, 0, "this_update");
		c->next_update = db_time(r, 0, "next_update");
		db_text_copy(r, 0, "etag", c->etag, sizeof(c->etag));
		if ((c->der_len =
		            db_bytea_dup(r, 0, "der", CRL_MAX, &c->der)) <= 0)
			rc = problem_internal(p);
		else
			rc = 1;
	}
	PQclear(r);
	return rc;
}

int
store_crl_of(
    struct db *db, const char *issuer, struct crl_row *c, struct problem *p)
{
	memset(c, 0, sizeof(*c));
	return crl_row_of(
	    db_exec_id(db, &sql_crl_by_issuer, issuer, 1, p), c, p);
}

int
store_crl_shard_of(
    struct db *db, int shard, struct crl_row *c, struct problem *p)
{
	struct dbargs a;

	memset(c, 0, sizeof(*c));
	dbargs_init(&a);
	dbargs_int(&a, shard);
	return crl_row_of(db_exec_args(db, &sql_crl_by_shard, &a, 1, p), c, p);
}

void
store_crl_row_free(struct crl_row *c)
{
	if (c == NULL)
		return;
	free(c->der);
	c->der = NULL;
	c->der_len = 0;
}

int
store_cert_status(struct db *db, const unsigned char *serial, size_t serial_len,
    const char *md, struct cert_status_row *s, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int found;

	memset(s, 0, sizeof(*s));
	dbargs_init(&a);
	dbargs_bytea(&a, serial, serial_len);
	dbargs_text(&a, md);
	r = db_exec_binary(db, &sql_cert_ocsp_status, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if ((found = PQntuples(r) == 1)) {
		db_text_copy(r, 0, "state", s->state, sizeof(s->state));
		s->revoked_at = db_time(r, 0, "revoked_at");
		s->has_reason = db_text_copy(
		    r, 0, "revocation_reason", s->reason, sizeof(s->reason));
		s->version = db_int(r, 0, "version");
		db_text_copy(r, 0, "issuer", s->issuer, sizeof(s->issuer));
	}
	PQclear(r);
	return found;
}

/* Each row of r, an ocsp_responses read (with_head: with its "head"
 * column), to fn; its number of rows. */
static int
ocsp_rows(PGresult *r, int with_head,
    void (*fn)(const struct ocsp_stored *row, void *arg), void *arg)
{
	struct ocsp_stored o;
	unsigned char *der;
	long n;
	int i, rows;

	for (i = 0; i < PQntuples(r); i++) {
		memset(&o, 0, sizeof(o));
		der = NULL;
		o.serial_len =
		    db_bytea(r, i, "serial", o.serial, sizeof(o.serial));
		db_text_copy(r, i, "md", o.md, sizeof(o.md));
		o.this_update = db_time(r, i, "this_update");
		o.next_update = db_time(r, i, "next_update");
		o.version = db_int(r, i, "version");
		if (with_head)
			o.head = db_int(r, i, "head");
		if ((n = db_bytea_len(r, i, "der")) > 0) {
			der = xmalloc((size_t)n);
			o.der_len = db_bytea(r, i, "der", der, (size_t)n);
			o.der = der;
		}
		fn(&o, arg);
		free(der);
	}
	rows = PQntuples(r);
	PQclear(r);
	return rows;
}

int
store_ocsp_since(struct db *db, long long after, int limit,
    void (*fn)(const struct ocsp_stored *row, void *arg), void *arg,
    struct problem *p)
{
	struct dbargs a;
	PGresult *r;

	dbargs_init(&a);
	dbargs_int(&a, after);
	dbargs_int(&a, limit);
	r = db_exec_binary(db, &sql_ocsp_rows_since, &a, p);
	dbargs_free(&a);
	return r != NULL ? ocsp_rows(r, 0, fn, arg) : -1;
}

int
store_ocsp_get(struct db *db, const unsigned char *serial, size_t serial_len,
    const char *md, void (*fn)(const struct ocsp_stored *row, void *arg),
    void *arg, struct problem *p)
{
	struct dbargs a;
	PGresult *r;

	dbargs_init(&a);
	dbargs_bytea(&a, serial, serial_len);
	dbargs_text(&a, md);
	r = db_exec_binary(db, &sql_ocsp_row, &a, p);
	dbargs_free(&a);
	return r != NULL ? ocsp_rows(r, 1, fn, arg) : -1;
}

int
store_ocsp_head(struct db *db, long long *version, struct problem *p)
{
	PGresult *r = db_exec_binary(db, &sql_ocsp_head, NULL, p);

	if (r == NULL)
		return -1;
	*version = PQntuples(r) == 1 ? db_int(r, 0, "v") : 0;
	PQclear(r);
	return 0;
}

int
store_audit_page(struct db *db, long long after, int limit,
    const struct audit_filter *f, struct audit_page *pg, struct problem *p)
{
	struct audit_row *e;
	struct dbargs a;
	PGresult *r;
	int i;

	memset(pg, 0, sizeof(*pg));
	dbargs_init(&a);
	dbargs_int(&a, after);
	dbargs_int(&a, limit);
	dbargs_text(&a, f->subject);
	dbargs_text(&a, f->actor);
	dbargs_text(&a, f->action);
	dbargs_time_or_null(&a, f->since);
	dbargs_time_or_null(&a, f->until);
	r = db_exec_binary(db, &sql_audit_records, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	pg->rows = xcalloc(
	    PQntuples(r) > 0 ? (size_t)PQntuples(r) : 1, sizeof(*pg->rows));
	for (i = 0; i < PQntuples(r); i++) {
		e = &pg->rows[pg->n++];
		e->id = db_int(r, i, "id");
		e->at = db_time(r, i, "at");
		e->actor = text_or_empty(r, i, "actor");
		e->action = text_or_empty(r, i, "action");
		e->subject = text_or_empty(r, i, "subject");
		e->details = text_or_empty(r, i, "details");
		db_text_copy(r, i, "hash", e->hash, sizeof(e->hash));
	}
	PQclear(r);
	return 0;
}

void
store_audit_page_free(struct audit_page *pg)
{
	size_t i;

	if (pg == NULL)
		return;
	for (i = 0; i < pg->n; i++) {
		free(pg->rows[i].actor);
		free(pg->rows[i].action);
		free(pg->rows[i].subject);
		free(pg->rows[i].details);
	}
	free(pg->rows);
	pg->rows = NULL;
	pg->n = 0;
}
