/* The storage of passkeys: see api/store/store_passkey.h. */
#include <stdio.h>
#include <string.h>

#include "api/store/db.h"
#include "api/store/store_passkey.h"
#include "common/digest.h"

#define STMT(id, n, text) static const struct sql sql_##id = {#id, text, n}

/* A bytea column as unpadded base64url. */
#define B64URL(col)                                                            \
	"translate(rtrim(replace(encode(" col ", 'base64'), E'\\n', ''), "     \
	"'='), '+/', '-_')"

STMT(passkey_app, 1,
    "SELECT a.status, p.passkeys, a.email, a.given_name, a.family_name "
    "FROM applications a JOIN products p ON p.code = a.product WHERE a.id "
    "= $1");
STMT(passkey_app_lock, 1,
    "SELECT a.status, p.passkeys, a.email, a.given_name, a.family_name "
    "FROM applications a JOIN products p ON p.code = a.product WHERE a.id "
    "= $1 FOR UPDATE OF a");
/* $1 hash, $2 app, $3 purpose, $4 now, $5 expiry. */
STMT(passkey_challenge_insert, 5,
    "INSERT INTO passkey_challenges (challenge_sha256, application_id, "
    "purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)");
/* $1 app, $2 purpose, $3 now: its open challenges (unused, unexpired)
 * and the first of them to expire. */
STMT(passkey_challenges_open, 3,
    "SELECT count(*) AS n, min(expires_at) AS first_expiry FROM "
    "passkey_challenges WHERE application_id = $1 AND purpose = $2 AND "
    "used_at IS NULL AND expires_at > $3");
/* $1 hash, $2 app, $3 purpose, $4 now. */
STMT(passkey_challenge_take, 4,
    "UPDATE passkey_challenges SET used_at = $4 WHERE challenge_sha256 = "
    "$1 AND application_id = $2 AND purpose = $3 AND used_at IS NULL AND "
    "expires_at > $4 RETURNING application_id");
/* $1 now: used or not, an hour past its expiry. */
STMT(passkey_challenge_sweep, 1,
    "DELETE FROM passkey_challenges WHERE expires_at < $1::timestamptz - "
    "interval '1 hour'");
STMT(passkey_insert, 14,
    "INSERT INTO passkeys (id, application_id, credential_id, cose_alg, "
    "cose_key, public_key, aaguid, sign_count, backup_eligible, "
    "attestation_format, attestation, attestation_issuer, name, "
    "created_at) VALUES ($1, $2, $3, $4::integer, $5, $6, $7, "
    "$8::bigint, $9::boolean, $10, $11, $12, $13, $14)");
STMT(passkey_list, 1,
    "SELECT coalesce(json_agg(json_build_object('id', id, "
    "'credential_id', " B64URL(
        "credential_id") ", 'name', name, "
                         "'aaguid', encode(aaguid, 'hex'), 'algorithm', cose_alg, "
                         "'attestation', json_build_object('format', attestation_format, "
                         "'trust', attestation, 'issuer', attestation_issuer), "
                         "'backup_eligible', backup_eligible, 'sign_count', sign_count, "
                         "'status', status, 'created_at', to_char(created_at AT TIME ZONE "
                         "'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'revoked_at', "
                         "to_char(revoked_at AT TIME ZONE 'UTC', "
                         "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')) ORDER BY created_at, seq), "
                         "'[]')::text AS list FROM passkeys WHERE application_id = $1");
STMT(passkey_cred_ids, 1,
    "SELECT coalesce(json_agg(" B64URL(
        "credential_id") " ORDER BY id), "
                         "'[]')::text AS list FROM passkeys WHERE application_id = $1 AND "
                         "status = 'active'");
/* $1 app, $2 passkey, $3 now. */
STMT(passkey_revoke, 3,
    "UPDATE passkeys SET status = 'revoked', revoked_at = $3 WHERE "
    "application_id = $1 AND id = $2 AND status = 'active' RETURNING id");

#define KEY_COLUMNS                                                            \
	"SELECT k.id, k.application_id, k.status, k.credential_id, "           \
	"k.aaguid, k.cose_alg, k.public_key, k.sign_count FROM passkeys k "
STMT(passkey_key, 1, KEY_COLUMNS "WHERE k.id = $1");
STMT(passkey_key_lock, 1, KEY_COLUMNS "WHERE k.id = $1 FOR UPDATE");
/* $1 credential id, $2 program or NULL. */
STMT(passkey_key_by_cred, 2,
    KEY_COLUMNS "JOIN applications a ON a.id = k.application_id WHERE "
                "k.credential_id = $1 AND ($2::text IS NULL OR a.program = "
                "$2)");
/* $1 passkey, $2 counter, $3 now. */
STMT(passkey_used, 3,
    "UPDATE passkeys SET sign_count = $2::bigint, last_used_at = $3 WHERE "
    "id = $1");
/* $1 passkey, $2 reason, $3 now. */
STMT(passkey_disable, 3,
    "UPDATE passkeys SET status = 'disabled', disabled_reason = $2, "
    "revoked_at = $3 WHERE id = $1 AND status = 'active'");

static void
fill_key(const PGresult *r, int i, void *arg)
{
	struct passkey_key_row *k = arg;

	db_text_copy(r, i, "id", k->id, sizeof(k->id));
	db_text_copy(r, i, "application_id", k->app, sizeof(k->app));
	db_text_copy(r, i, "status", k->status, sizeof(k->status));
	k->cred_len = db_bytea(r, i, "credential_id", k->cred, sizeof(k->cred));
	db_bytea(r, i, "aaguid", k->aaguid, sizeof(k->aaguid));
	k->alg = (int)db_int(r, i, "cose_alg");
	k->pk_len = db_bytea(r, i, "public_key", k->pk, sizeof(k->pk));
	k->sign_count = db_int(r, i, "sign_count");
}

int
store_passkey_key(struct db *db, const char *pkid, int lock,
    struct passkey_key_row *out, struct problem *p)
{
	memset(out, 0, sizeof(*out));
	return db_one_row(
	    db_exec_id(db, lock ? &sql_passkey_key_lock : &sql_passkey_key,
	        pkid, 1, p),
	    fill_key, out);
}

int
store_passkey_key_by_cred(struct db *db, const unsigned char *cred, size_t len,
    const char *program, struct passkey_key_row *out, struct problem *p)
{
	struct dbargs a;

	memset(out, 0, sizeof(*out));
	dbargs_init(&a);
	dbargs_bytea(&a, cred, len);
	dbargs_text(&a, program);
	return db_one_row(db_exec_args(db, &sql_passkey_key_by_cred, &a, 1, p),
	    fill_key, out);
}

int
store_passkey_used(struct db *db, const char *pkid, long long sign_count,
    time_t now, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, pkid);
	dbargs_int(&a, sign_count);
	dbargs_time(&a, now);
	return db_run_args(db, &sql_passkey_used, &a, p);
}

int
store_passkey_disable(struct db *db, const char *pkid, const char *reason,
    time_t now, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, pkid);
	dbargs_text(&a, reason);
	dbargs_time(&a, now);
	return db_run_args(db, &sql_passkey_disable, &a, p);
}

static void
fill_app(const PGresult *r, int i, void *arg)
{
	struct passkey_app_row *row = arg;

	db_text_copy(r, i, "status", row->status, sizeof(row->status));
	db_text_copy(r, i, "passkeys", row->policy, sizeof(row->policy));
	db_text_copy(r, i, "email", row->email, sizeof(row->email));
	db_text_copy(
	    r, i, "given_name", row->given_name, sizeof(row->given_name));
	db_text_copy(
	    r, i, "family_name", row->family_name, sizeof(row->family_name));
}

int
store_passkey_app(struct db *db, const char *id, int lock,
    struct passkey_app_row *out, struct problem *p)
{
	memset(out, 0, sizeof(*out));
	return db_one_row(
	    db_exec_id(
	        db, lock ? &sql_passkey_app_lock : &sql_passkey_app, id, 0, p),
	    fill_app, out);
}

int
store_passkey_challenge_insert(struct db *db, const unsigned char *sha256,
    const char *id, const char *purpose, time_t now, time_t expires,
    struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_bytea(&a, sha256, DIGEST_LEN);
	dbargs_text(&a, id);
	dbargs_text(&a, purpose);
	dbargs_time(&a, now);
	dbargs_time(&a, expires);
	return db_run_args(db, &sql_passkey_challenge_insert, &a, p);
}

int
store_passkey_challenges_open(struct db *db, const char *id,
    const char *purpose, time_t now, long long *n, time_t *first_expiry,
    struct problem *p)
{
	struct dbargs a;
	PGresult *r;

	*n = 0;
	*first_expiry = 0;
	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, purpose);
	dbargs_time(&a, now);
	if ((r = db_exec_args(db, &sql_passkey_challenges_open, &a, 0, p)) ==
	    NULL)
		return -1;
	*n = db_int(r, 0, "n");
	*first_expiry = db_time(r, 0, "first_expiry");
	PQclear(r);
	return 0;
}

int
store_passkey_challenge_take(struct db *db, const unsigned char *sha256,
    const char *id, const char *purpose, time_t now, struct problem *p)
{
	struct dbargs a;
	long n;

	dbargs_init(&a);
	dbargs_bytea(&a, sha256, DIGEST_LEN);
	dbargs_text(&a, id);
	dbargs_text(&a, purpose);
	dbargs_time(&a, now);
	n = db_count(db_exec_args(db, &sql_passkey_challenge_take, &a, 0, p));
	return n < 0 ? -1 : n > 0;
}

int
store_passkey_challenge_sweep(struct db *db, time_t now, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_time(&a, now);
	return db_run_args(db, &sql_passkey_challenge_sweep, &a, p);
}

int
store_passkey_insert(
    struct db *db, const struct passkey_row *row, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, row->id);
	dbargs_text(&a, row->app);
	dbargs_bytea(&a, row->cred, row->cred_len);
	dbargs_int(&a, row->alg);
	dbargs_bytea(&a, row->cose, row->cose_len);
	dbargs_bytea(&a, row->pk, row->pk_len);
	dbargs_bytea(&a, row->aaguid, 16);
	dbargs_int(&a, row->sign_count);
	dbargs_bool(&a, row->backup_eligible);
	dbargs_text(&a, row->fmt);
	dbargs_text(&a, row->attestation);
	dbargs_text(&a, row->issuer);
	dbargs_text(&a, row->name);
	dbargs_time(&a, row->at);
	return db_run_args(db, &sql_passkey_insert, &a, p);
}

static void
fill_list(const PGresult *r, int i, void *arg)
{
	json_t **out = arg;
	json_error_t err;
	const char *s = db_text(r, i, "list");

	*out = s != NULL ? json_loads(s, 0, &err) : NULL;
}

/* The one-row JSON list of stmt for id. */
static json_t *
list_of(
    struct db *db, const struct sql *stmt, const char *id, struct problem *p)
{
	json_t *list = NULL;

	int f = db_one_row(db_exec_id(db, stmt, id, 0, p), fill_list, &list);

	if (f == -1)
		return NULL;
	if (list == NULL)
		problem_internal(p);
	return list;
}

json_t *
store_passkey_list(struct db *db, const char *id, struct problem *p)
{
	return list_of(db, &sql_passkey_list, id, p);
}

json_t *
store_passkey_cred_ids(struct db *db, const char *id, struct problem *p)
{
	return list_of(db, &sql_passkey_cred_ids, id, p);
}

int
store_passkey_revoke(struct db *db, const char *id, const char *pkid,
    time_t now, struct problem *p)
{
	struct dbargs a;
	long n;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, pkid);
	dbargs_time(&a, now);
	n = db_count(db_exec_args(db, &sql_passkey_revoke, &a, 0, p));
	return n < 0 ? -1 : n > 0;
}
