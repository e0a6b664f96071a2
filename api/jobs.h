/*
 * The job runner: jobs are rows in PostgreSQL (table jobs), written in the
 * same transaction as the change that causes them, claimed by any node with
 * FOR UPDATE SKIP LOCKED, retried with exponential back-off and jitter, and
 * marked dead (and audited) after too many tries.  The loop wakes the
 * runner on a timer and on NOTIFY rxca_jobs; the work runs on a worker.
 * A sweep on its own timer lapses applications whose e-mail window closed.
 */
#ifndef RXCA_JOBS_H
#define RXCA_JOBS_H

#include <time.h>

#include "common/problem.h"

struct app;
struct db;
struct jobs;

struct jobs *jobs_new(struct app *app);
/* Stops scheduling new runs; runs in flight finish. */
void jobs_stop(struct jobs *j);
void jobs_free(struct jobs *j);

/* Queues a job of kind for application_id (may be NULL) to run at run_at
 * with at most max_attempts tries, inside the caller's transaction.  0, or
 * -1 with p set. */
int jobs_enqueue(struct db *db, const char *kind, const char *application_id,
    time_t run_at, int max_attempts, struct problem *p);

/* A claimed job, as its handler sees it. */
struct job {
	const char *id;      /* jobs.id */
	const char *kind;    /* e.g. "email.code" */
	const char *app_id;  /* or NULL */
	int attempt;         /* this try, from 1 */
	int max_attempts;    /* tries allowed */
	const char *payload; /* JSON object text, "{}" if none */
};

/*
 * What a job handler returns: JOB_DONE (its writes commit and the job is
 * done), JOB_FAILED (its writes are undone and it is tried again later,
 * p saying why) or JOB_DEFERRED (its writes commit, for example a record of
 * the failed try, and it is tried again later, p saying why).
 */
#define JOB_DONE     0
#define JOB_FAILED   (-1)
#define JOB_DEFERRED 1

/* As jobs_enqueue, with a payload (JSON object text, may be NULL). */
int jobs_enqueue_payload(struct db *db, const char *kind,
    const char *application_id, const char *payload, time_t run_at,
    int max_attempts, struct problem *p);

/* Queues a job of kind without application to run now, unless one of that
 * kind is already queued (the caller's transaction). */
int jobs_enqueue_once(
    struct db *db, const char *kind, int max_attempts, struct problem *p);

/* The wait before try number attempts + 1 (attempts >= 1): 2^attempts
 * seconds capped at max, with full jitter in [half, whole].  Pure. */
int jobs_backoff(int attempts, int max, unsigned int random);

/* Runs due jobs until none is left or limit is reached (a worker). Returns
 * the number run. */
int jobs_run_due(struct app *app, struct db *db, int limit);
/* Lapses email_pending applications past their window (a worker).
 * Returns the number lapsed, or -1. */
int jobs_sweep(struct app *app, struct db *db);

#endif
