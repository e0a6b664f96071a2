#include <stdio.h>
#include <string.h>

#include "api/store/store_ops.h"
#include "api/service/throttle.h"

int
throttle_lock(struct db *db, const char *scope, const char *subject,
    const char *client, time_t now, struct throttle *t, struct problem *p)
{
	struct store_throttle_row row;

	memset(t, 0, sizeof(*t));
	snprintf(t->scope, sizeof(t->scope), "%s", scope);
	snprintf(t->subject, sizeof(t->subject), "%s", subject);
	snprintf(t->client, sizeof(t->client), "%s", client);
	if (store_throttle_lock(
	        db, t->scope, t->subject, t->client, now, &row, p) == -1)
		return -1;
	t->failures = row.failures;
	t->blocked_until = row.blocked_until;
	t->locked_at = row.locked_at;
	/* A client row quiet for a day starts again; an account row counts
	 * consecutive failures until a success. */
	if (t->client[0] != '\0' && t->blocked_until <= now &&
	    row.updated_at + THROTTLE_FORGET <= now)
		t->failures = 0;
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
	struct store_throttle_row row;

	memset(&row, 0, sizeof(row));
	row.failures = t->failures;
	row.blocked_until = t->blocked_until;
	row.locked_at = t->locked_at;
	return store_throttle_set(
	    db, t->scope, t->subject, t->client, &row, now, p);
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
	return store_throttle_delete(db, t->scope, t->subject, t->client, p);
}

int
throttle_unlock(struct db *db, const char *subject, struct problem *p)
{
	return store_throttle_delete(db, "account", subject, "", p);
}

int
throttle_quota(struct db *db, const char *scope, const char *subject, int limit,
    time_t now, struct problem *p)
{
	time_t start;
	int used, wait;

	if (store_quota_use(db, scope, subject, now, &used, &start, p) == -1)
		return -1;
	if (used <= limit)
		return 0;
	wait = (int)(start + 86400 - now);
	return wait > 0 ? wait : 1;
}

int
throttle_sweep(struct db *db, time_t now, struct problem *p)
{
	return store_throttle_sweep(db, now, p);
}
