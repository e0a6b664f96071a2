#include <stdio.h>
#include <string.h>

#include "api/db.h"
#include "api/throttle.h"

#define STMT(id, n, text) const struct sql sql_##id = {#id, text, n}

static STMT(throttle_ensure, 4,
    "INSERT INTO throttles (scope, subject, client, updated_at) "
    "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING");
static STMT(throttle_select, 3,
    "SELECT failures, blocked_until, locked_at, updated_at FROM throttles "
    "WHERE scope = $1 AND subject = $2 AND client = $3 FOR UPDATE");
static STMT(throttle_set, 7,
    "UPDATE throttles SET failures = $4, blocked_until = $5, "
    "locked_at = $6, updated_at = $7 WHERE scope = $1 AND subject = $2 "
    "AND client = $3");
static STMT(throttle_delete, 3,
    "DELETE FROM throttles WHERE scope = $1 AND subject = $2 "
    "AND client = $3");
static STMT(throttle_stale, 1,
    "DELETE FROM throttles WHERE locked_at IS NULL "
    "AND updated_at < $1::timestamptz - interval '2 days'");
static STMT(quota_use, 3,
    "INSERT INTO quotas (scope, subject, window_start, used) "
    "VALUES ($1, $2, $3, 1) ON CONFLICT (scope, subject) DO UPDATE SET "
    "used = CASE WHEN quotas.window_start <= $3::timestamptz - "
    "interval '1 day' THEN 1 ELSE quotas.used + 1 END, "
    "window_start = CASE WHEN quotas.window_start <= $3::timestamptz - "
    "interval '1 day' THEN $3 ELSE quotas.window_start END "
    "RETURNING used, window_start");

int
throttle_lock(struct db *db, const char *scope, const char *subject,
    const char *client, time_t now, struct throttle *t, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int rc;

	memset(t, 0, sizeof(*t));
	snprintf(t->scope, sizeof(t->scope), "%s", scope);
	snprintf(t->subject, sizeof(t->subject), "%s", subject);
	snprintf(t->client, sizeof(t->client), "%s", client);
	dbargs_init(&a);
	dbargs_text(&a, t->scope);
	dbargs_text(&a, t->subject);
	dbargs_text(&a, t->client);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_throttle_ensure, &a, p);
	dbargs_free(&a);
	if (rc == -1)
		return -1;
	dbargs_init(&a);
	dbargs_text(&a, t->scope);
	dbargs_text(&a, t->subject);
	dbargs_text(&a, t->client);
	r = db_exec(db, &sql_throttle_select, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return problem_internal(p);
	}
	t->failures = (int)db_get_int(r, 0, 0);
	t->blocked_until = db_get_time(r, 0, 1);
	t->locked_at = db_get_time(r, 0, 2);
	/* A client row quiet for a day starts again; an account row counts
	 * consecutive failures until a success. */
	if (t->client[0] != '\0' && t->blocked_until <= now &&
	    db_get_time(r, 0, 3) + THROTTLE_FORGET <= now)
		t->failures = 0;
	PQclear(r);
	return 0;
}

int
throttle_delay(int failures, int free, int cap)
{
	int k = failures - free;

	if (k < 0)
		return 0;
	if (k >= 30)
		return cap;
	return (2 << k) < cap ? (2 << k) : cap;
}

static int
throttle_write(
    struct db *db, const struct throttle *t, time_t now, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, t->scope);
	dbargs_text(&a, t->subject);
	dbargs_text(&a, t->client);
	dbargs_int(&a, t->failures);
	if (t->blocked_until != 0)
		dbargs_time(&a, t->blocked_until);
	else
		dbargs_text(&a, NULL);
	if (t->locked_at != 0)
		dbargs_time(&a, t->locked_at);
	else
		dbargs_text(&a, NULL);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_throttle_set, &a, p);
	dbargs_free(&a);
	return rc;
}

int
throttle_fail(struct db *db, struct throttle *t, int free, int cap, int limit,
    time_t now, struct problem *p)
{
	int delay, locked = 0;

	if (t->failures < 1000000)
		t->failures++;
	delay = throttle_delay(t->failures, free, cap);
	t->blocked_until = delay > 0 ? now + delay : 0;
	if (limit > 0 && t->failures >= limit && t->locked_at == 0) {
		t->locked_at = now;
		locked = 1;
	}
	if (throttle_write(db, t, now, p) == -1)
		return -1;
	return locked;
}

int
throttle_clear(struct db *db, const struct throttle *t, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, t->scope);
	dbargs_text(&a, t->subject);
	dbargs_text(&a, t->client);
	rc = db_run(db, &sql_throttle_delete, &a, p);
	dbargs_free(&a);
	return rc;
}

int
throttle_unlock(struct db *db, const char *subject, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, "account");
	dbargs_text(&a, subject);
	dbargs_text(&a, "");
	rc = db_run(db, &sql_throttle_delete, &a, p);
	dbargs_free(&a);
	return rc;
}

int
throttle_quota(struct db *db, const char *scope, const char *subject, int limit,
    time_t now, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	time_t start;
	int used, wait;

	dbargs_init(&a);
	dbargs_text(&a, scope);
	dbargs_text(&a, subject);
	dbargs_time(&a, now);
	r = db_exec(db, &sql_quota_use, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	used = (int)db_get_int(r, 0, 0);
	start = db_get_time(r, 0, 1);
	PQclear(r);
	if (used <= limit)
		return 0;
	wait = (int)(start + 86400 - now);
	return wait > 0 ? wait : 1;
}

int
throttle_sweep(struct db *db, time_t now, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_throttle_stale, &a, p);
	dbargs_free(&a);
	return rc;
}
