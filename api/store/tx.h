/*
 * The unit of work: one object owns a database transaction from begin to
 * commit, with the actor and the clock's now of the change.  Audit records
 * are buffered and written at commit, which takes the audit chain's lock
 * last (api/store/audit.c); jobs and webhook events are rows written in the
 * same transaction as the change (the transactional outbox, api/jobs/jobs.h,
 * api/service/webhook.h), through tx_db().
 *
 * Nothing slow runs inside one: hash passwords, sign and call out before
 * tx_begin or after tx_commit.
 *
 *	struct tx tx;
 *
 *	if (tx_begin(&tx, db, now, actor, p) == -1)
 *		return -1;
 *	if (store_...(tx_db(&tx), ..., p) == -1 ||
 *	    tx_audit(&tx, "kit.used", kit, NULL, p) == -1)
 *		goto fail;
 *	return tx_commit(&tx, p);
 * fail:
 *	tx_abort(&tx);
 *	return -1;
 *
 * tx_abort is safe on a NULL tx, on one that never began and on one that
 * was committed, so one failure path serves every step.
 */
#ifndef RXCA_TX_H
#define RXCA_TX_H

#include <time.h>

#include <jansson.h>

#include "common/problem.h"

#define TX_ACTOR_MAX 128 /* bytes of an actor, with its NUL */

struct db;

struct tx {
	struct db *db;            /* the worker's connection, borrowed */
	time_t now;               /* the clock of the change */
	char actor[TX_ACTOR_MAX]; /* who makes it, for the audit records */
	int open;                 /* begun and not yet ended */
	int joined;               /* another's transaction (tx_join) */
};

/* BEGIN on db.  0, or -1 with p set (503 when the database is down). */
int tx_begin(struct tx *tx, struct db *db, time_t now, const char *actor,
    struct problem *p);

/*
 * A unit of work over a transaction that the caller's caller owns: a job
 * handler's, inside the runner's transaction and savepoint (api/jobs/jobs.h).
 * It audits and reaches the store like one begun here, but commits and
 * rolls back nothing: tx_commit on it is an error (the owner commits) and
 * tx_abort only ends it.
 */
void tx_join(struct tx *tx, struct db *db, time_t now, const char *actor);

/* The connection, for store functions inside the unit of work. */
struct db *tx_db(const struct tx *tx);

/*
 * Buffers an audit record (tx's now and actor, or actor given), written at
 * commit.  details is borrowed and may be NULL.  0, or -1 with p set.
 */
int tx_audit(struct tx *tx, const char *action, const char *subject,
    json_t *details, struct problem *p);
int tx_audit_as(struct tx *tx, const char *actor, const char *action,
    const char *subject, json_t *details, struct problem *p);

/* A savepoint, and a rollback to it that also drops the audit records,
 * jobs and events made since. */
int tx_savepoint(struct tx *tx, struct problem *p);
int tx_rollback_savepoint(struct tx *tx, struct problem *p);

/*
 * From here to the end of the unit of work, a statement that answers
 * nothing (db_run) is queued and sent with the next one that answers, or
 * with COMMIT: one round trip for many (libpq's pipeline mode), in the
 * order written.  A queued statement's failure is reported by the call
 * that sends it (that next query, or tx_commit), not by its own: for a
 * stretch where every failure aborts the unit of work alike.
 */
void tx_batch(struct tx *tx);

/* Writes the buffered records now, inside the transaction (a job's,
 * inside its savepoint, so that one that cannot be written fails the job
 * rather than the runner's transaction).  0, or -1 with p set. */
int tx_flush(struct tx *tx, struct problem *p);

/* Writes the buffered records and commits; the tx is ended either way.
 * 0, or -1 with p set (then nothing was written). */
int tx_commit(struct tx *tx, struct problem *p);

/*
 * tx_commit, but without waiting for the commit to reach the disk
 * (synchronous_commit = off for this transaction only): a crash of the
 * database in the next moment (up to three times wal_writer_delay) may
 * lose the whole unit of work, never part of it.  Only for a unit of work
 * whose loss is harmless until a later synchronous commit on any
 * connection makes it durable: the WAL is one sequence, so that commit
 * flushes every commit written before its own.  The one user is the
 * reservation of a certificate (issue_reserve_commit, api/service/issue.h).
 */
int tx_commit_unflushed(struct tx *tx, struct problem *p);

/* Rolls back if open; NULL-safe; ends the tx. */
void tx_abort(struct tx *tx);

#endif
