/* The storage of sessions, account codes, throttles and operators: see
 * api/store/store_ops.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/store/db.h"
#include "api/store/store.h"
#include "api/store/store_ops.h"
#include "api/store/store_proofing.h"
#include "common/xmalloc.h"

#define STMT(id, n, text) static const struct sql sql_##id = {#id, text, n}

STMT(throttle_ensure, 4,
    "INSERT INTO throttles (scope, subject, client, updated_at) "
    "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING");
STMT(throttle_select, 3,
    "SELECT failures, blocked_until, locked_at, updated_at FROM throttles "
    "WHERE scope = $1 AND subject = $2 AND client = $3 FOR UPDATE");
STMT(throttle_set, 7,
    "UPDATE throttles SET failures = $4, blocked_until = $5, "
    "locked_at = $6, updated_at = $7 WHERE scope = $1 AND subject = $2 "
    "AND client = $3");
STMT(throttle_delete, 3,
    "DELETE FROM throttles WHERE scope = $1 AND subject = $2 "
    "AND client = $3");
STMT(throttle_stale, 1,
    "DELETE FROM throttles WHERE locked_at IS NULL "
    "AND updated_at < $1::timestamptz - interval '2 days'");
STMT(quota_use, 3,
    "INSERT INTO quotas (scope, subject, window_start, used) "
    "VALUES ($1, $2, $3, 1) ON CONFLICT (scope, subject) DO UPDATE SET "
    "used = CASE WHEN quotas.window_start <= $3::timestamptz - "
    "interval '1 day' THEN 1 ELSE quotas.used + 1 END, "
    "window_start = CASE WHEN quotas.window_start <= $3::timestamptz - "
    "interval '1 day' THEN $3 ELSE quotas.window_start END "
    "RETURNING used, window_start");
/* sql_acode_app and sql_operator_by_cert with their columns named. */
STMT(ops_acode_app, 1,
    "SELECT a.email, a.given_name, "
    "a.email_verified_at IS NOT NULL AS email_verified, a.policy, "
    "EXISTS (SELECT 1 FROM kits k WHERE k.application_id = a.id AND "
    "k.prints > 0) AS has_letter FROM applications a WHERE a.id = $1 "
    "FOR UPDATE");
STMT(ops_operator_by_cert, 1,
    "SELECT id, name, array_to_string(roles, ',') AS roles, "
    "cert_not_after, disabled_at IS NOT NULL AS disabled FROM operators "
    "WHERE cert_sha256 = $1");

/* sql_ops_queue with its columns named. */
STMT(ops_queue_named, 3,
    "SELECT a.id, a.status, a.product, a.program, a.given_name, "
    "a.middle_name, a.family_name, a.email, a.addr_state, a.addr_country, "
    "a.created_at, a.updated_at, a.email_verified_at, "
    "(SELECT coalesce(jsonb_agg(jsonb_build_object('provider', c.provider, "
    "'attempt', c.attempt, 'outcome', c.outcome, 'score', c.score, "
    "'reasons', c.reasons, 'at', to_char(c.at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')) ORDER BY c.id), '[]'::jsonb)::text "
    "FROM identity_checks c WHERE c.application_id = a.id) "
    "AS identity_checks "
    "FROM applications a WHERE a.status = $1 AND ($2::text IS NULL OR "
    "(a.created_at, a.id) > (SELECT created_at, id FROM applications "
    "WHERE id = $2)) ORDER BY a.created_at, a.id LIMIT $3");

static void
throttle_key(struct dbargs *a, const char *scope, const char *subject,
    const char *client)
{
	dbargs_init(a);
	dbargs_text(a, scope);
	dbargs_text(a, subject);
	dbargs_text(a, client);
}

int
store_throttle_lock(struct db *db, const char *scope, const char *subject,
    const char *client, time_t now, struct store_throttle_row *row,
    struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int rc;

	memset(row, 0, sizeof(*row));
	throttle_key(&a, scope, subject, client);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_throttle_ensure, &a, p);
	dbargs_free(&a);
	if (rc == -1)
		return -1;
	throttle_key(&a, scope, subject, client);
	r = db_exec(db, &sql_throttle_select, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return problem_internal(p);
	}
	row->failures = (int)db_int(r, 0, "failures");
	row->blocked_until = db_time(r, 0, "blocked_until");
	row->locked_at = db_time(r, 0, "locked_at");
	row->updated_at = db_time(r, 0, "updated_at");
	PQclear(r);
	return 0;
}

int
store_throttle_set(struct db *db, const char *scope, const char *subject,
    const char *client, const struct store_throttle_row *row, time_t now,
    struct problem *p)
{
	struct dbargs a;
	int rc;

	throttle_key(&a, scope, subject, client);
	dbargs_int(&a, row->failures);
	dbargs_time_or_null(&a, row->blocked_until);
	dbargs_time_or_null(&a, row->locked_at);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_throttle_set, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_throttle_delete(struct db *db, const char *scope, const char *subject,
    const char *client, struct problem *p)
{
	struct dbargs a;
	int rc;

	throttle_key(&a, scope, subject, client);
	rc = db_run(db, &sql_throttle_delete, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_throttle_sweep(struct db *db, time_t now, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_throttle_stale, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_quota_use(struct db *db, const char *scope, const char *subject,
    time_t now, int *used, time_t *window_start, struct problem *p)
{
	struct dbargs a;
	PGresult *r;

	dbargs_init(&a);
	dbargs_text(&a, scope);
	dbargs_text(&a, subject);
	dbargs_time(&a, now);
	r = db_exec(db, &sql_quota_use, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return problem_internal(p);
	}
	*used = (int)db_int(r, 0, "used");
	*window_start = db_time(r, 0, "window_start");
	PQclear(r);
	return 0;
}

int
store_session_insert(struct db *db, const unsigned char token_hash[32],
    const char *app, time_t now, time_t expires, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_bytea(&a, token_hash, 32);
	dbargs_text(&a, app);
	dbargs_time(&a, now);
	dbargs_time(&a, expires);
	rc = db_run(db, &sql_session_insert, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_session_touch(struct db *db, const unsigned char token_hash[32],
    time_t now, time_t idle_since, char *app, size_t appsz, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int found;

	app[0] = '\0';
	dbargs_init(&a);
	dbargs_bytea(&a, token_hash, 32);
	dbargs_time(&a, now);
	dbargs_time(&a, idle_since);
	r = db_exec(db, &sql_session_touch, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	found = PQntuples(r) == 1;
	if (found)
		db_text_copy(r, 0, "application_id", app, appsz);
	PQclear(r);
	return found;
}

int
store_login_find(struct db *db, const char *email, const char *app,
    struct store_login_row *rows, int max, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int i, n;

	dbargs_init(&a);
	dbargs_text(&a, email != NULL ? email : app);
	r = db_exec(db,
	    email != NULL ? &sql_login_verified_by_email : &sql_login_by_id, &a,
	    p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	n = PQntuples(r) < max ? PQntuples(r) : max;
	for (i = 0; i < n; i++) {
		db_text_copy(r, i, "id", rows[i].id, sizeof(rows[i].id));
		db_text_copy(r, i, "password_hash", rows[i].password_hash,
		    sizeof(rows[i].password_hash));
	}
	PQclear(r);
	return n;
}

int
store_acode_live(struct db *db, const char *app, const char *purpose,
    time_t now, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int live;

	dbargs_init(&a);
	dbargs_text(&a, app);
	dbargs_text(&a, purpose);
	dbargs_time(&a, now);
	r = db_exec(db, &sql_acode_live, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	live = PQntuples(r) > 0;
	PQclear(r);
	return live;
}

int
store_acode_find(struct db *db, const char *app, const char *purpose,
    const unsigned char code_hash[32], time_t now, long long *id,
    struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int found;

	dbargs_init(&a);
	dbargs_text(&a, app);
	dbargs_text(&a, purpose);
	dbargs_bytea(&a, code_hash, 32);
	dbargs_time(&a, now);
	r = db_exec(db, &sql_acode_find, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	found = PQntuples(r) == 1;
	if (found)
		*id = db_int(r, 0, "id");
	PQclear(r);
	return found;
}

int
store_acode_used(struct db *db, long long id, time_t now, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_int(&a, id);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_acode_use, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_acode_kill(struct db *db, const char *app, const char *purpose,
    time_t now, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, app);
	dbargs_text(&a, purpose);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_acode_kill, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_acode_insert(struct db *db, const char *app, const char *purpose,
    const unsigned char code_hash[32], time_t now, time_t expires,
    struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, app);
	dbargs_text(&a, purpose);
	dbargs_bytea(&a, code_hash, 32);
	dbargs_time(&a, now);
	dbargs_time(&a, expires);
	rc = db_run(db, &sql_acode_insert, &a, p);
	dbargs_free(&a);
	return rc;
}

static void
acode_app_fill(const PGresult *r, int i, void *arg)
{
	struct store_acode_app_row *row = arg;

	db_text_copy(r, i, "email", row->email, sizeof(row->email));
	db_text_copy(
	    r, i, "given_name", row->given_name, sizeof(row->given_name));
	row->email_verified = db_bool(r, i, "email_verified");
	db_text_copy(r, i, "policy", row->policy, sizeof(row->policy));
	row->has_letter = db_bool(r, i, "has_letter");
}

int
store_acode_app(struct db *db, const char *app, struct store_acode_app_row *row,
    struct problem *p)
{
	memset(row, 0, sizeof(*row));
	return db_one_row(
	    db_exec_id(db, &sql_ops_acode_app, app, 0, p), acode_app_fill, row);
}

static void
operator_fill(const PGresult *r, int i, void *arg)
{
	struct store_operator_row *row = arg;

	db_text_copy(r, i, "id", row->id, sizeof(row->id));
	db_text_copy(r, i, "name", row->name, sizeof(row->name));
	db_text_copy(r, i, "roles", row->roles, sizeof(row->roles));
	row->cert_not_after = db_time(r, i, "cert_not_after");
	row->disabled = db_bool(r, i, "disabled");
}

int
store_operator_by_cert(struct db *db, const unsigned char fp[32],
    struct store_operator_row *row, struct problem *p)
{
	struct dbargs a;

	memset(row, 0, sizeof(*row));
	dbargs_init(&a);
	dbargs_bytea(&a, fp, 32);
	return db_one_row(db_exec_args(db, &sql_ops_operator_by_cert, &a, 0, p),
	    operator_fill, row);
}

int
store_queue_list(struct db *db, const char *status, const char *after,
    int limit, struct store_queue_row **rows, size_t *n, struct problem *p)
{
	struct store_queue_row *out = NULL, *q;
	struct dbargs a;
	PGresult *r;
	int i;

	*rows = NULL;
	*n = 0;
	dbargs_init(&a);
	dbargs_text(&a, status);
	dbargs_text(&a, after);
	dbargs_int(&a, limit);
	r = db_exec(db, &sql_ops_queue_named, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) > 0)
		out = xcalloc((size_t)PQntuples(r), sizeof(*out));
	for (i = 0; i < PQntuples(r); i++) {
		q = &out[i];
		q->id = db_text_dup(r, i, "id");
		q->status = db_text_dup(r, i, "status");
		q->product = db_text_dup(r, i, "product");
		q->program = db_text_dup(r, i, "program");
		q->given_name = db_text_dup(r, i, "given_name");
		q->middle_name = db_text_dup(r, i, "middle_name");
		q->family_name = db_text_dup(r, i, "family_name");
		q->email = db_text_dup(r, i, "email");
		q->addr_state = db_text_dup(r, i, "addr_state");
		q->addr_country = db_text_dup(r, i, "addr_country");
		q->created_at = db_time(r, i, "created_at");
		q->updated_at = db_time(r, i, "updated_at");
		q->email_verified_at = db_time(r, i, "email_verified_at");
		q->identity_checks = db_text_dup(r, i, "identity_checks");
	}
	*rows = out;
	*n = (size_t)PQntuples(r);
	PQclear(r);
	return 0;
}

void
store_queue_free(struct store_queue_row *rows, size_t n)
{
	size_t i;

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(rows[i].id);
		free(rows[i].status);
		free(rows[i].product);
		free(rows[i].program);
		free(rows[i].given_name);
		free(rows[i].middle_name);
		free(rows[i].family_name);
		free(rows[i].email);
		free(rows[i].addr_state);
		free(rows[i].addr_country);
		free(rows[i].identity_checks);
	}
	free(rows);
}

int
store_ops_app_lock(struct db *db, const char *id, char *status, size_t statussz,
    struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int found;

	status[0] = '\0';
	dbargs_init(&a);
	dbargs_text(&a, id);
	r = db_exec(db, &sql_ops_app_lock, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	found = PQntuples(r) == 1;
	if (found)
		db_text_copy(r, 0, "status", status, statussz);
	PQclear(r);
	return found;
}
