/*
 * The job runner: jobs are rows in PostgreSQL (table jobs), written in the
 * same transaction as the change that causes them, claimed by any node with
 * FOR UPDATE SKIP LOCKED, retried with exponential back-off and jitter, and
 * marked dead (and audited) after too many tries.  A mail job (kind
 * "email.*") that meets an outage is instead tried until a deadline of its
 * kind (the code's expiry, the kit's life, RXCA_MAIL_KEEP_DAYS), waiting at
 * most RXCA_MAIL_BACKOFF_MAX between tries; a dead mail of an application
 * is shown on its timeline ("We could not e-mail you ...").  The loop wakes the
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

/*
 * For a handler about to make an outbound call (SMTP): commits the
 * handler's writes so far with a lease on the job (no runner claims it
 * for lease seconds), so that no transaction or lock is held across the
 * call; jobs_resume() then begins a new transaction and locks the job
 * again, and the handler's later writes commit with the job's outcome.
 * Each returns 0, or -1 with p set (503 if the database is gone, 409 if
 * the job is no longer this runner's); the handler then returns
 * JOB_FAILED.
 */
int jobs_pause(struct db *db, const struct job *job, time_t now, int lease,
    struct problem *p);
int jobs_resume(struct db *db, const struct job *job, struct problem *p);

/* The deadline of a mail job of kind made (or sent again) at since: 0 for
 * a job that is not mail, and for a verification code (its deadline is
 * the code's expiry, known once the job has run). */
time_t jobs_mail_deadline(
    const struct app *app, const char *kind, time_t since);

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
