/*
 * The job runner: jobs are rows in PostgreSQL (table jobs), written in the
 * same transaction as the change that causes them, claimed by any node with
 * FOR UPDATE SKIP LOCKED, retried with exponential back-off and jitter, and
 * marked dead (and audited) after too many tries.  A mail job (a kind with
 * a deadline) that meets an outage is instead tried until its deadline (the
 * code's expiry, the kit's life, RXCA_MAIL_KEEP_DAYS), waiting at most
 * RXCA_MAIL_BACKOFF_MAX between tries.  The loop wakes the runner on a
 * timer and on NOTIFY rxca_jobs; the work runs on a worker.  Sweeps run on
 * their own timer (RXCA_SWEEP_INTERVAL), one after the other.
 *
 * The runner knows no domain: each domain defines its job kinds (a struct
 * job_kind: name, handler, tries, back-off, deadline) and its sweeps, and
 * the server registers them at start-up (jobs_register*), before
 * jobs_new().  The names are in api/jobs/jobkinds.h.
 */
#ifndef RXCA_JOBS_H
#define RXCA_JOBS_H

#include <stdatomic.h>
#include <time.h>

#include "common/problem.h"

struct app;
struct config;
struct db;
struct event_base;
struct jobs;
struct pool;

/* A claimed job, as its handler sees it. */
struct job {
	const char *id;      /* jobs.id */
	const char *kind;    /* e.g. "email.code" */
	const char *app_id;  /* or NULL */
	int attempt;         /* this try, from 1 */
	int max_attempts;    /* tries allowed */
	const char *payload; /* JSON object text, "{}" if none */
	time_t created;      /* when it was queued */
	time_t expires;      /* a mail's deadline so far, or 0 */
	time_t *lease;       /* the runner's: jobs_pause's, for jobs_resume */
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

struct job_kind;

/* Runs job (inside the runner's transaction, on a worker): JOB_*. */
typedef int job_run_fn(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p);
/* The deadline of a mail job whose deadline is kept in the database into
 * *deadline: 0, or -1 with p set. */
typedef int job_deadline_fn(
    struct db *db, const struct job *job, time_t *deadline, struct problem *p);
/* What else a dead job of kind k means (after the runner's job.dead
 * audit record, in its transaction): 0, or -1 with p set. */
typedef int job_dead_fn(struct db *db, const struct job_kind *k,
    const struct job *job, time_t now, struct problem *p);
/* A sweep (on a worker, no transaction open). */
typedef void job_sweep_fn(struct app *app, struct db *db, time_t now);

/* The cap of the wait between tries of a kind. */
enum job_backoff {
	JOB_BACKOFF_JOB = 0, /* RXCA_JOB_BACKOFF_MAX */
	JOB_BACKOFF_MAIL     /* RXCA_MAIL_BACKOFF_MAX */
};

/*
 * A kind of job, defined once by the domain that handles it.  A kind with
 * life_days or deadline is a mail: a try that meets an outage (503) is
 * tried again until its deadline, whatever max_attempts says.
 */
struct job_kind {
	const char *name; /* a JOB_* of api/jobs/jobkinds.h */
	job_run_fn *run;  /* the handler */
	int max_attempts; /* tries; 0: attempts(cfg) */
	int (*attempts)(
	    const struct config *cfg); /* when max_attempts is 0;
	                                  NULL: RXCA_JOB_MAX_ATTEMPTS */
	enum job_backoff backoff;      /* wait between tries */
	int (*life_days)(
	    const struct config *cfg); /* a mail: days from its
	                                 creation to its deadline */
	job_deadline_fn *deadline; /* a mail: its deadline, from the database
	                              (instead of life_days) */
	job_dead_fn *dead;         /* more to do when dead; NULL: nothing */
	const char *note;          /* for dead: e.g. a lost mail's note */
};

/*
 * Registers kind k (borrowed: k lives as long as the process).  At
 * start-up only, before jobs_new() and before any jobs_add().  0, or -1
 * (logged) if k has no name or no handler, its name is taken, or the
 * table is full.
 */
int jobs_register(const struct job_kind *k);
/* Registers every kind of kinds[0..n-1], as jobs_register: 0 or -1. */
int jobs_register_all(const struct job_kind *kinds, size_t n);
/* Registers a sweep that runs every RXCA_SWEEP_INTERVAL, after those
 * registered before it; name is for the log.  0, or -1 if the table is
 * full. */
int jobs_register_sweep(const char *name, job_sweep_fn *fn);
/* Calls fn(arg) on the loop when NOTIFY channel (a-z and _, at most 63)
 * arrives on the runner's LISTEN connection.  0, or -1 if the name is not
 * such or the table is full. */
int jobs_register_notify(const char *channel, void (*fn)(void *), void *arg);
/* The registered kind of that name, or NULL. */
const struct job_kind *jobs_kind(const char *name);
/* The tries of a job of kind k under cfg. */
int jobs_kind_attempts(const struct job_kind *k, const struct config *cfg);
/* The longest wait between tries of kind k under cfg, in milliseconds. */
long long jobs_kind_backoff_max_ms(
    const struct job_kind *k, const struct config *cfg);
/* Whether kind k is a mail (has a deadline). */
int jobs_kind_is_mail(const struct job_kind *k);

/*
 * Queues a job of the registered kind (a JOB_* name) for application_id
 * (may be NULL) with payload (JSON object text, may be NULL) to run at
 * run_at, with the kind's tries under cfg (may be NULL for a kind whose
 * max_attempts is fixed), inside the caller's transaction.  0, or -1 with
 * p set (500 for a kind not registered, or one that needs cfg without).
 */
int jobs_add(struct db *db, const struct config *cfg, const char *kind,
    const char *application_id, const char *payload, time_t run_at,
    struct problem *p);
/* Queues a job of the registered kind without application to run now,
 * unless one of that kind is already queued (the caller's transaction). */
int jobs_add_once(struct db *db, const struct config *cfg, const char *kind,
    struct problem *p);

/*
 * As jobs_add and jobs_add_once with the tries given, for a kind that
 * need not be registered in this process (rxca-admin queues the first
 * CRL) and for the callers not yet moved to jobs_add.
 */
int jobs_enqueue(struct db *db, const char *kind, const char *application_id,
    time_t run_at, int max_attempts, struct problem *p);
int jobs_enqueue_payload(struct db *db, const char *kind,
    const char *application_id, const char *payload, time_t run_at,
    int max_attempts, struct problem *p);
int jobs_enqueue_once(
    struct db *db, const char *kind, int max_attempts, struct problem *p);

/*
 * For a handler about to make an outbound call (SMTP): commits the
 * handler's writes so far with a lease on the job (no runner claims it
 * for lease seconds), so that no transaction or lock is held across the
 * call; jobs_resume() then begins a new transaction and locks the job
 * again, and the handler's later writes commit with the job's outcome.
 * Each returns 0, or -1 with p set (503 if the database is gone, 409 if
 * the job is no longer this runner's: done, or its lease ran out during
 * the call and another runner claimed it); the handler then returns
 * JOB_FAILED.
 */
int jobs_pause(struct db *db, const struct job *job, time_t now, int lease,
    struct problem *p);
int jobs_resume(struct db *db, const struct job *job, struct problem *p);
/*
 * jobs_pause for a handler that has written nothing yet (it read, and is
 * about to call out): its COMMIT does not wait for the disk, one WAL flush
 * fewer per job.  Lost with a database crash, the lease only makes the
 * job claimable again at once, as a crash does anyway.  Not for a handler
 * whose writes must be durable before its call (a code mailed must be on
 * record first).
 */
int jobs_pause_unwritten(struct db *db, const struct job *job, time_t now,
    int lease, struct problem *p);

/* The deadline of a mail job of kind made (or sent again) at since: 0 for
 * a job that is not mail, and for a mail whose deadline is in the
 * database (a verification code's: known once the job has run). */
time_t jobs_mail_deadline(
    const struct config *cfg, const char *kind, time_t since);

/* The wait before try number attempts + 1 (attempts >= 1): 2^attempts
 * seconds capped at max, with full jitter in [half, whole], at least 1
 * second.  Pure. */
int jobs_backoff(int attempts, int max, unsigned int random);
/* As jobs_backoff in milliseconds, capped at max_ms, at least 1 ms. */
long long jobs_backoff_ms(int attempts, long long max_ms, unsigned int random);

/* What the runner needs from the server. */
struct jobs_env {
	struct app *app;            /* handed to handlers and sweeps */
	const struct config *cfg;   /* settings */
	struct event_base *base;    /* the loop */
	struct pool *pool;          /* workers */
	atomic_int *stopping;       /* set: claim no more jobs */
	atomic_int *db_up;          /* out: the database answered */
	atomic_long *queued;        /* out: jobs queued */
	atomic_long *failed;        /* out: tries that failed */
	atomic_long *outbox_queued; /* out: mail jobs queued */
	atomic_long *outbox_oldest; /* out: oldest queued mail's creation */
	atomic_long *outbox_dead;   /* out: mail jobs dead */
};

/* Starts the runner on env->base (env is copied). */
struct jobs *jobs_new(const struct jobs_env *env);
/* Stops scheduling new runs; runs in flight finish. */
void jobs_stop(struct jobs *j);
void jobs_free(struct jobs *j);

#endif
