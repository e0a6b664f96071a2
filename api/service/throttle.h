/*
 * Guessable secrets throttled (docs/architecture.md, "Abuse"): failures counted
 * per (subject, client address) with growing delays, and per account
 * with a far higher ceiling that locks it until an e-mailed unlock code
 * is used; and daily quotas.  Rows live in table throttles (quotas);
 * every call runs inside the caller's transaction, and throttle_lock
 * holds the row FOR UPDATE until it ends, so parallel attempts are
 * counted one after the other.
 */
#ifndef RXCA_THROTTLE_H
#define RXCA_THROTTLE_H

#include <time.h>

#include "common/problem.h"

struct db;

#define THROTTLE_FORGET 86400 /* a quiet client row starts again, s */

struct throttle {
	char scope[16];       /* "login", "reset", "unlock", "account" */
	char subject[300];    /* identifier as typed, or application id */
	char client[64];      /* client address, "" for an account row */
	int failures;         /* counted so far (0 if forgotten) */
	time_t blocked_until; /* no attempt before, or 0 */
	time_t locked_at;     /* account locked since, or 0 */
};

/*
 * Creates (if needed) and locks the row (scope, subject, client) FOR
 * UPDATE into t.  0, or -1 with p set.
 */
int throttle_lock(struct db *db, const char *scope, const char *subject,
    const char *client, time_t now, struct throttle *t, struct problem *p);

/*
 * The delay after failures failures: none for the first free ones, then
 * 2, 4, 8 ... seconds, at most cap.  Pure.
 */
int throttle_delay(int failures, int free, int cap);

/*
 * Counts one more failure of t (locked), blocking the next attempt for
 * throttle_delay(); with limit > 0 it also sets locked_at when the count
 * reaches limit.  Returns 1 if this failure locked it, 0 if not, -1 with
 * p set.
 */
int throttle_fail(struct db *db, struct throttle *t, int free, int cap,
    int limit, time_t now, struct problem *p);

/* Forgets t's row (a success, or an unlock).  0, or -1 with p set. */
int throttle_clear(struct db *db, const struct throttle *t, struct problem *p);

/* Forgets the account row of subject, if any.  0, or -1. */
int throttle_unlock(struct db *db, const char *subject, struct problem *p);

/*
 * Uses one of a daily quota: scope/subject may be used limit times a day.
 * Returns 0 if allowed (and counted), else the seconds until it is
 * allowed again (> 0), or -1 with p set.
 */
int throttle_quota(struct db *db, const char *scope, const char *subject,
    int limit, time_t now, struct problem *p);

/* Deletes rows quiet for two days and not locked (the sweep). */
int throttle_sweep(struct db *db, time_t now, struct problem *p);

#endif
