/* The storage of OpenID proofing: see api/store/store_oidc.h. */
#include <stdio.h>
#include <string.h>

#include "api/store/db.h"
#include "api/store/store_oidc.h"
#include "common/digest.h"

#define STMT(id, n, text) static const struct sql sql_##id = {#id, text, n}

/* $1 state hash, $2 app, $3 nonce, $4 verifier, $5 now, $6 expiry. */
STMT(oidc_flow_insert, 6,
    "INSERT INTO oidc_flows (state_sha256, application_id, nonce, "
    "code_verifier, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, "
    "$6)");
/* $1 state hash, $2 now. */
STMT(oidc_flow_take, 2,
    "UPDATE oidc_flows SET used_at = $2 WHERE state_sha256 = $1 AND "
    "used_at IS NULL AND expires_at > $2 RETURNING application_id, nonce, "
    "code_verifier");
STMT(oidc_app, 1,
    "SELECT a.status, a.product, p.epcs FROM applications a JOIN products "
    "p ON p.code = a.product WHERE a.id = $1");

int
store_oidc_flow_insert(struct db *db, const unsigned char *state_sha256,
    const char *id, const char *nonce, const char *verifier, time_t now,
    time_t expires, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_bytea(&a, state_sha256, DIGEST_LEN);
	dbargs_text(&a, id);
	dbargs_text(&a, nonce);
	dbargs_text(&a, verifier);
	dbargs_time(&a, now);
	dbargs_time(&a, expires);
	return db_run_args(db, &sql_oidc_flow_insert, &a, p);
}

static void
fill_flow(const PGresult *r, int i, void *arg)
{
	struct oidc_flow_row *row = arg;

	db_text_copy(r, i, "application_id", row->application_id,
	    sizeof(row->application_id));
	db_text_copy(r, i, "nonce", row->nonce, sizeof(row->nonce));
	db_text_copy(r, i, "code_verifier", row->code_verifier,
	    sizeof(row->code_verifier));
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
	    db_exec_args(db, &sql_oidc_flow_take, &a, 0, p), fill_flow, out);
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
