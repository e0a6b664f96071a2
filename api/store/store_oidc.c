/* The storage of OpenID proofing: see api/store/store_oidc.h. */
#include <stdio.h>
#include <string.h>

#include "api/store/db.h"
#include "api/store/store_oidc.h"
#include "common/digest.h"

#define STMT(id, n, text) static const struct sql sql_##id = {#id, text, n}

/* $1 state hash, $2 app, $3 nonce hash, $4 verifier, $5 now, $6 expiry,
 * $7 browser. */
STMT(oidc_flow_insert, 7,
    "INSERT INTO oidc_flows (state_sha256, application_id, nonce_sha256, "
    "code_verifier, created_at, expires_at, browser) VALUES ($1, $2, $3, "
    "$4, $5, $6, $7)");
/* $1 state hash, $2 now: the verifier is wiped as it is taken. */
STMT(oidc_flow_take, 2,
    "UPDATE oidc_flows f SET used_at = $2, code_verifier = '' FROM "
    "(SELECT state_sha256, code_verifier FROM oidc_flows WHERE "
    "state_sha256 = $1 AND used_at IS NULL AND expires_at > $2 FOR UPDATE) "
    "o WHERE f.state_sha256 = o.state_sha256 RETURNING f.application_id, "
    "f.nonce_sha256, o.code_verifier, f.browser");
/* $1 now: used or not, an hour past its expiry. */
STMT(oidc_flow_sweep, 1,
    "DELETE FROM oidc_flows WHERE expires_at < $1::timestamptz - "
    "interval '1 hour'");
STMT(oidc_app, 1,
    "SELECT a.status, a.product, p.epcs FROM applications a JOIN products "
    "p ON p.code = a.product WHERE a.id = $1");

int
store_oidc_flow_insert(struct db *db, const unsigned char *state_sha256,
    const char *id, const unsigned char *nonce_sha256, const char *verifier,
    int browser, time_t now, time_t expires, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_bytea(&a, state_sha256, DIGEST_LEN);
	dbargs_text(&a, id);
	dbargs_bytea(&a, nonce_sha256, DIGEST_LEN);
	dbargs_text(&a, verifier);
	dbargs_time(&a, now);
	dbargs_time(&a, expires);
	dbargs_bool(&a, browser);
	return db_run_args(db, &sql_oidc_flow_insert, &a, p);
}

int
store_oidc_flow_sweep(struct db *db, time_t now, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_time(&a, now);
	return db_run_args(db, &sql_oidc_flow_sweep, &a, p);
}

static void
fill_flow(const PGresult *r, int i, void *arg)
{
	struct oidc_flow_row *row = arg;

	db_text_copy(r, i, "application_id", row->application_id,
	    sizeof(row->application_id));
	if (db_bytea(r, i, "nonce_sha256", row->nonce_sha256,
	        sizeof(row->nonce_sha256)) != DIGEST_LEN)
		memset(row->nonce_sha256, 0, sizeof(row->nonce_sha256));
	db_text_copy(r, i, "code_verifier", row->code_verifier,
	    sizeof(row->code_verifier));
	row->browser = db_bool(r, i, "browser");
}

int
store_oidc_flow_take(struct db *db, const unsigned char *state_sha256,
    time_t now, struct oidc_flow_row *out, struct problem *p)
{
	struct dbargs a;

	memset(out, 0, sizeof(*out));
	dbargs_init(&a);
	dbargs_bytea(&a, state_sha256, DIGEST_LEN);
	dbargs_time(&a, now);
	return db_one_row(
	    db_exec_args(db, &sql_oidc_flow_take, &a, 1, p), fill_flow, out);
}

static void
fill_app(const PGresult *r, int i, void *arg)
{
	struct oidc_app_row *row = arg;

	db_text_copy(r, i, "status", row->status, sizeof(row->status));
	db_text_copy(r, i, "product", row->product, sizeof(row->product));
	row->epcs = db_bool(r, i, "epcs");
}

int
store_oidc_app(
    struct db *db, const char *id, struct oidc_app_row *out, struct problem *p)
{
	memset(out, 0, sizeof(*out));
	return db_one_row(
	    db_exec_id(db, &sql_oidc_app, id, 0, p), fill_app, out);
}
