#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "api/config.h"
#include "api/jobs/jobs.h"
#include "api/http/pool.h"
#include "api/store/dbconn.h"
#include "api/store/store_jobs.h"
#include "api/store/tx.h"
#include "common/logger.h"
#include "common/rand.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

#define JOBS_PER_RUN         50
#define LISTEN_RETRY_SECONDS 2
#define KINDS_MAX            32 /* registered kinds at most */
#define SWEEPS_MAX           16 /* registered sweeps at most */
#define NOTIFIES_MAX         4  /* LISTEN channels besides rxca_jobs */
#define SWEEP_CHANNEL        "rxca_sweep" /* NOTIFY: sweep now */
#define NEXT_SLACK_MS        10 /* after a job's run_at, to be past it */

struct jobs {
	struct jobs_env env;         /* the server's part */
	struct event *poll_ev;       /* periodic run */
	struct event *next_ev;       /* run when the next job is due */
	struct event *sweep_ev;      /* periodic sweep */
	struct event *listen_ev;     /* NOTIFY arrives */
	struct event *relisten_ev;   /* reconnect LISTEN */
	struct store_listen *listen; /* LISTEN rxca_jobs, or NULL */
	int running;                 /* runs on workers now */
	int max_running;             /* runs at once at most */
	int again;                   /* run once more after one ends */
	int sweeping;                /* a sweep is on a worker */
	int sweep_again;             /* sweep once more after this one */
	int connecting;              /* LISTEN connect on a worker */
	int stopped;                 /* schedule nothing new */
	/* The figures for /metrics and /readyz (outbox_count()): each read
	 * takes a ticket, and a read is published only if no later one was
	 * (runners on several workers finish in any order). */
	atomic_long stats_ticket; /* the last ticket taken */
	pthread_mutex_t stats_mu; /* guards stats_shown and the figures */
	long stats_shown;         /* the ticket of the figures shown */
};

/* What the domains registered at start-up; read-only once jobs run. */
static const struct job_kind *kinds[KINDS_MAX];
static size_t nkinds;
static struct {
	const char *name; /* for the log */
	job_sweep_fn *fn; /* the sweep */
} sweeps[SWEEPS_MAX];
static size_t nsweeps;
static struct {
	const char *channel; /* NOTIFY channel */
	void (*fn)(void *);  /* on the loop */
	void *arg;           /* fn's */
} notifies[NOTIFIES_MAX];
static size_t nnotifies;

const struct job_kind *
jobs_kind(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < nkinds; i++)
		if (strcmp(kinds[i]->name, name) == 0)
			return kinds[i];
	return NULL;
}

int
jobs_register(const struct job_kind *k)
{
	if (k == NULL || k->name == NULL || k->name[0] == '\0' ||
	    k->run == NULL) {
		log_error("job kind refused: no name or no handler", NULL);
		return -1;
	}
	if (jobs_kind(k->name) != NULL) {
		log_error(
		    "job kind refused: registered twice", "kind=%s", k->name);
		return -1;
	}
	if (nkinds == KINDS_MAX) {
		log_error(
		    "job kind refused: too many kinds", "kind=%s", k->name);
		return -1;
	}
	kinds[nkinds++] = k;
	return 0;
}

int
jobs_register_all(const struct job_kind *all, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (jobs_register(&all[i]) == -1)
			return -1;
	return 0;
}

int
jobs_register_sweep(const char *name, job_sweep_fn *fn)
{
	if (fn == NULL || nsweeps == SWEEPS_MAX) {
		log_error("sweep refused", "sweep=%s", name);
		return -1;
	}
	sweeps[nsweeps].name = name;
	sweeps[nsweeps].fn = fn;
	nsweeps++;
	return 0;
}

int
jobs_register_notify(const char *channel, void (*fn)(void *), void *arg)
{
	if (channel == NULL || channel[0] == '\0' || strlen(channel) > 63 ||
	    strspn(channel, "abcdefghijklmnopqrstuvwxyz_") != strlen(channel) ||
	    fn == NULL || nnotifies == NOTIFIES_MAX) {
		log_error("NOTIFY channel refused", "channel=%s", channel);
		return -1;
	}
	notifies[nnotifies].channel = channel;
	notifies[nnotifies].fn = fn;
	notifies[nnotifies].arg = arg;
	nnotifies++;
	return 0;
}

int
jobs_kind_attempts(const struct job_kind *k, const struct config *cfg)
{
	if (k->max_attempts > 0)
		return k->max_attempts;
	if (k->attempts != NULL)
		return k->attempts(cfg);
	return cfg->job_max_attempts;
}

/* The longest wait between tries of a job that is not a mail, in ms. */
static long long
job_backoff_max_ms(const struct config *cfg)
{
	return cfg->job_backoff_max_ms > 0 ? cfg->job_backoff_max_ms
	                                   : cfg->job_backoff_max * 1000LL;
}

long long
jobs_kind_backoff_max_ms(const struct job_kind *k, const struct config *cfg)
{
	return k->backoff == JOB_BACKOFF_MAIL ? cfg->mail_backoff_max * 1000LL
	                                      : job_backoff_max_ms(cfg);
}

int
jobs_kind_is_mail(const struct job_kind *k)
{
	return k != NULL && (k->life_days != NULL || k->deadline != NULL);
}

long long
jobs_backoff_ms(int attempts, long long max_ms, unsigned int random)
{
	long long wait = 1000;
	int i;

	for (i = 0; i < attempts && wait < max_ms; i++)
		wait *= 2;
	if (wait > max_ms)
		wait = max_ms;
	/* full jitter in [wait/2, wait] */
	wait = wait / 2 +
	    (long long)(random % (unsigned long long)(wait - wait / 2 + 1));
	return wait < 1 ? 1 : wait;
}

int
jobs_backoff(int attempts, int max, unsigned int random)
{
	long long wait = jobs_backoff_ms(attempts, max * 1000LL, random) / 1000;

	return wait < 1 ? 1 : (int)wait;
}

int
jobs_enqueue_payload(struct db *db, const char *kind,
    const char *application_id, const char *payload, time_t run_at,
    int max_attempts, struct problem *p)
{
	return store_job_insert(db, kind, application_id, payload, run_at,
	    max_attempts, wallclock_now(), p);
}

int
jobs_enqueue(struct db *db, const char *kind, const char *application_id,
    time_t run_at, int max_attempts, struct problem *p)
{
	return jobs_enqueue_payload(
	    db, kind, application_id, NULL, run_at, max_attempts, p);
}

int
jobs_enqueue_once(
    struct db *db, const char *kind, int max_attempts, struct problem *p)
{
	time_t now = wallclock_now();

	return store_job_insert_once(db, kind, now, max_attempts, now, p);
}

/* The registered kind of that name whose tries cfg (may be NULL) tells,
 * or NULL with p set. */
static const struct job_kind *
kind_known(const char *kind, const struct config *cfg, struct problem *p)
{
	const struct job_kind *k = jobs_kind(kind);

	if (k == NULL) {
		problem_set(p, 500, "internal", "Internal error",
		    "Job kind %s is not registered.", kind);
		return NULL;
	}
	if (cfg == NULL && k->max_attempts <= 0) {
		problem_set(p, 500, "internal", "Internal error",
		    "Job kind %s takes its tries from the settings.", kind);
		return NULL;
	}
	return k;
}

int
jobs_add(struct db *db, const struct config *cfg, const char *kind,
    const char *application_id, const char *payload, time_t run_at,
    struct problem *p)
{
	const struct job_kind *k = kind_known(kind, cfg, p);

	if (k == NULL)
		return -1;
	return jobs_enqueue_payload(db, k->name, application_id, payload,
	    run_at, jobs_kind_attempts(k, cfg), p);
}

int
jobs_add_once(struct db *db, const struct config *cfg, const char *kind,
    struct problem *p)
{
	const struct job_kind *k = kind_known(kind, cfg, p);

	if (k == NULL)
		return -1;
	return jobs_enqueue_once(db, k->name, jobs_kind_attempts(k, cfg), p);
}

int
jobs_pause(struct db *db, const struct job *job, time_t now, int lease,
    struct problem *p)
{
	*job->lease = now + lease;
	return store_job_pause(db, job->id, *job->lease, now, p);
}

int
jobs_pause_unwritten(struct db *db, const struct job *job, time_t now,
    int lease, struct problem *p)
{
	*job->lease = now + lease;
	return store_job_pause_unflushed(db, job->id, *job->lease, now, p);
}

int
jobs_resume(struct db *db, const struct job *job, struct problem *p)
{
	int n = store_job_resume(db, job->id, *job->lease, p);

	if (n == 0)
		return problem_set(p, 409, "conflict", "Conflict",
		    "Job %s was taken by another runner.", job->id);
	return n == 1 ? 0 : -1;
}

time_t
jobs_mail_deadline(const struct config *cfg, const char *kind, time_t since)
{
	const struct job_kind *k = jobs_kind(kind);

	if (k == NULL || k->life_days == NULL)
		return 0;
	return since + (time_t)k->life_days(cfg) * 86400;
}

/*
 * The deadline of mail job of kind k: from the database (a code's expiry),
 * the one it has so far, or from its creation and the kind's life.  0
 * with *deadline set (0 for a job that is not mail), or -1 with p set.
 */
static int
mail_deadline(const struct config *cfg, struct db *db, const struct job_kind *k,
    const struct job *job, time_t *deadline, struct problem *p)
{
	*deadline = 0;
	if (!jobs_kind_is_mail(k))
		return 0;
	if (k->deadline != NULL)
		return k->deadline(db, job, deadline, p);
	*deadline = job->expires != 0
	    ? job->expires
	    : jobs_mail_deadline(cfg, k->name, job->created);
	return 0;
}

/*
 * Job of kind k (NULL if not registered) is dead after attempts tries:
 * audited, and whatever else the kind says (a lost mail of an
 * application is noted on its timeline).  Inside the runner's
 * transaction.
 */
static int
job_dead(struct db *db, const struct job_kind *k, const struct job *job,
    int attempts, time_t now, struct problem *p)
{
	struct tx tx;
	json_t *details;
	int rc;

	tx_join(&tx, db, now, "system");
	details = json_pack("{s:s, s:s, s:i}", "job", job->id, "kind",
	    job->kind, "attempts", attempts);
	rc = tx_audit(&tx, "job.dead",
	    job->app_id != NULL ? job->app_id : job->id, details, p);
	json_decref(details);
	tx_abort(&tx);
	if (rc == -1)
		return -1;
	log_error("job dead after its last try", "job=%s kind=%s", job->id,
	    job->kind);
	if (k == NULL || k->dead == NULL)
		return 0;
	return k->dead(db, k, job, now, p);
}

/* Claims and runs one due job, due by the clock's *now_ms (set).  1 if
 * one ran, 0 if none was due, -1 if the database failed. */
static int
run_one(struct jobs *j, struct db *db, long long *now_ms_out)
{
	struct tx tx;
	struct job_row row;
	struct problem p, q;
	char *err = NULL, state[16];
	long long now_ms = wallclock_now_ms(), wait, cap;
	time_t now = (time_t)(now_ms / 1000), deadline;
	const struct job_kind *k;
	int f, jr;
	struct job job;
	time_t lease = 0;

	*now_ms_out = now_ms;
	problem_clear(&p);
	problem_clear(&q);
	memset(&row, 0, sizeof(row));
	if (tx_begin(&tx, db, now, "system", &p) == -1)
		return -1;
	if ((f = store_job_claim(db, now_ms, &row, &p)) != 1) {
		tx_abort(&tx);
		return f;
	}
	job.id = row.id;
	job.kind = row.kind;
	job.app_id = row.app[0] ? row.app : NULL;
	job.attempt = row.attempts + 1;
	job.max_attempts = row.max_attempts;
	job.payload = row.payload;
	job.expires = row.expires;
	job.created = row.created;
	job.lease = &lease;
	k = jobs_kind(row.kind);
	if (jobs_kind_is_mail(k) && job.expires != 0 && now > job.expires) {
		/* A mail that no longer matters (the server was away). */
		if (store_job_kill(db, row.id, now,
		        "expired: past its deadline", &p) == -1 ||
		    job_dead(db, k, &job, row.attempts, now, &p) == -1 ||
		    tx_commit(&tx, &p) == -1)
			goto fail;
		store_job_row_free(&row);
		return 1;
	}
	/* The claim made the savepoint the job runs under. */
	if (k != NULL)
		jr = k->run(j->env.app, db, &job, now, &p);
	else
		jr = problem_set(&p, 500, "internal", "Internal error",
		    "No handler for job kind %s.", row.kind);
	/* The job's audit records are written inside its savepoint, so
	 * that one that cannot be written fails the job (and counts the
	 * try) rather than the runner's transaction. */
	if ((jr == JOB_DONE || jr == JOB_DEFERRED) && tx_flush(&tx, &p) == -1)
		jr = JOB_FAILED;
	if (jr == JOB_DONE) {
		/* Marked done in the COMMIT's round trip. */
		tx_batch(&tx);
		if (store_job_done(db, row.id, now, &p) == -1 ||
		    tx_commit(&tx, &p) == -1)
			goto fail;
		log_info("job done", "job=%s kind=%s", row.id, row.kind);
		store_job_row_free(&row);
		return 1;
	}
	/* The job failed: undo its work (unless it asked to keep it), keep
	 * the try. */
	if (jr != JOB_DEFERRED) {
		if (p.status == 503 && db_ensure(db, &q) == -1)
			goto fail;
		if (tx_rollback_savepoint(&tx, &q) == -1) {
			/*
			 * A handler's jobs_pause or jobs_resume failed and
			 * ended the runner's transaction.  A job another
			 * runner holds now (409) is not ours to record;
			 * else the try is recorded in a new transaction, so
			 * that the job is tried again after its back-off
			 * rather than after its lease.
			 */
			log_warn("job try outside its transaction",
			    "job=%s kind=%s error=\"%s: %s\"", row.id, row.kind,
			    p.type, p.detail);
			tx_abort(&tx);
			problem_clear(&q);
			if (p.status == 409) {
				store_job_row_free(&row);
				return 1;
			}
			if (tx_begin(&tx, db, now, "system", &q) == -1)
				goto fail;
		}
	}
	atomic_fetch_add(j->env.failed, 1);
	if (mail_deadline(j->env.cfg, db, k, &job, &deadline, &q) == -1)
		goto fail;
	cap = k != NULL ? jobs_kind_backoff_max_ms(k, j->env.cfg)
	                : job_backoff_max_ms(j->env.cfg);
	wait = jobs_backoff_ms(row.attempts + 1, cap, rand_uniform(1U << 30));
	err = xprintf("%s: %s", p.type, p.detail);
	if (store_job_retry(db, row.id, now_ms + wait, err, now, deadline,
	        p.status == 503, state, sizeof(state), &q) == -1)
		goto fail;
	log_warn("job failed",
	    "job=%s kind=%s try=%d retry_in_ms=%lld "
	    "error=\"%s\"",
	    row.id, row.kind, row.attempts + 1, wait, err);
	if (strcmp(state, "dead") == 0 &&
	    job_dead(db, k, &job, row.attempts + 1, now, &q) == -1)
		goto fail;
	if (tx_commit(&tx, &q) == -1)
		goto fail;
	free(err);
	store_job_row_free(&row);
	return 1;
fail:
	free(err);
	store_job_row_free(&row);
	tx_abort(&tx);
	return -1;
}

/* The queue's and the outbox's figures for /metrics, and the earliest
 * run_at of the queued jobs into *next (ms, 0 if none or unknown), from
 * the database (one round trip). */
static void
outbox_count(struct jobs *j, struct db *db, long long *next)
{
	struct outbox_stats s;
	struct problem p;
	long queued, ticket = atomic_fetch_add(&j->stats_ticket, 1) + 1;

	problem_clear(&p);
	if (store_job_stats(db, &queued, next, &s, &p) == -1)
		return;
	/* A runner that read before another's last job was done must not
	 * show its figures after that one's. */
	pthread_mutex_lock(&j->stats_mu);
	if (ticket > j->stats_shown) {
		j->stats_shown = ticket;
		atomic_store(j->env.queued, queued);
		atomic_store(j->env.outbox_queued, s.queued);
		atomic_store(j->env.outbox_oldest, (long)s.oldest);
		atomic_store(j->env.outbox_dead, s.dead);
	}
	pthread_mutex_unlock(&j->stats_mu);
}

/*
 * Runs due jobs until none is left or limit is reached (a worker), and
 * reads the earliest run_at of the jobs left, in ms, into *next: 0 if
 * none, unknown, or due at the last claim (that job is another runner's,
 * locked: its end or the poll brings the next run).  Returns the number
 * run.
 */
static int
run_due(struct jobs *j, struct db *db, int limit, long long *next)
{
	struct problem p;
	long long at = 0;
	int n = 0;

	*next = 0;
	problem_clear(&p);
	if (db_ensure(db, &p) == -1) {
		atomic_store(j->env.db_up, 0);
		return 0;
	}
	atomic_store(j->env.db_up, 1);
	while (n < limit && !atomic_load(j->env.stopping) &&
	    run_one(j, db, &at) == 1)
		n++;
	outbox_count(j, db, next);
	if (*next <= at)
		*next = 0;
	return n;
}

/* Scheduling, on the loop. */

static void jobs_kick(struct jobs *j);

/* One run on a worker: its runner and how many jobs it ran. */
struct jobs_run {
	struct jobs *j; /* owner */
	int n;          /* jobs run */
	long long next; /* the earliest run_at left (ms), or 0 */
};

static void
run_work(void *worker, void *arg)
{
	struct db *db = worker;
	struct jobs_run *r = arg;

	r->n = run_due(r->j, db, JOBS_PER_RUN, &r->next);
}

/*
 * Arms the runner's one-shot timer for next (ms), the earliest run_at of
 * the queued jobs, so that a retry after its back-off, or a job queued
 * for later, runs when it is due rather than at the next poll.  Beyond
 * the next poll nothing is armed.
 */
static void
next_arm(struct jobs *j, long long next)
{
	struct timeval tv;
	long long ms = next - wallclock_now_ms() + NEXT_SLACK_MS;

	if (ms >= j->env.cfg->job_poll_interval * 1000LL)
		return;
	if (ms < 1)
		ms = 1;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(j->next_ev, &tv);
}

/*
 * A run that ended at its limit left due jobs behind: it runs again at
 * once, as one that was asked for while the runs were busy does, rather
 * than at the next poll (a backlog would otherwise idle each job slot for
 * up to a poll interval per JOBS_PER_RUN jobs).
 */
static void
run_done(void *arg)
{
	struct jobs_run *r = arg;
	struct jobs *j = r->j;
	int more = r->n == JOBS_PER_RUN;
	long long next = r->next;

	free(r);
	j->running--;
	if (j->stopped)
		return;
	if (j->again || more) {
		j->again = 0;
		jobs_kick(j);
	} else if (next != 0)
		next_arm(j, next);
}

static void
jobs_kick(struct jobs *j)
{
	struct jobs_run *r;

	if (j->stopped)
		return;
	if (j->running >= j->max_running) {
		j->again = 1;
		return;
	}
	r = xcalloc(1, sizeof(*r));
	r->j = j;
	j->running++;
	pool_submit(j->env.pool, run_work, run_done, r);
}

static void
poll_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	jobs_kick(arg);
}

static void
sweep_work(void *worker, void *arg)
{
	struct db *db = worker;
	struct jobs *j = arg;
	struct problem p;
	size_t i;

	problem_clear(&p);
	for (i = 0; i < nsweeps; i++) {
		if (atomic_load(j->env.stopping) || db_ensure(db, &p) == -1)
			break;
		sweeps[i].fn(j->env.app, db, wallclock_now());
	}
	/* the tests count these to know that a sweep ran after a change */
	log_debug("sweep done", NULL);
}

static void sweep_done(void *arg);

/* Puts a sweep on a worker, or, if one is there, another after it
 * (asked for by NOTIFY rxca_sweep, which wants one that begins after
 * it); the timer's tick during a sweep is dropped. */
static void
sweep_start(struct jobs *j, int again)
{
	if (j->stopped)
		return;
	if (j->sweeping) {
		j->sweep_again |= again;
		return;
	}
	j->sweeping = 1;
	pool_submit(j->env.pool, sweep_work, sweep_done, j);
}

static void
sweep_done(void *arg)
{
	struct jobs *j = arg;

	j->sweeping = 0;
	if (j->sweep_again) {
		j->sweep_again = 0;
		sweep_start(j, 0);
	}
}

static void
sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sweep_start(arg, 0);
}

static void listen_drop(struct jobs *j);

#define GOT_JOBS  1 /* NOTIFY rxca_jobs arrived */
#define GOT_SWEEP 2 /* NOTIFY rxca_sweep arrived */

/* One notification: a registered channel's, else rxca_sweep or
 * rxca_jobs (GOT_* set in *arg). */
static void
listen_one(const char *channel, void *arg)
{
	int *got = arg;
	size_t i;

	if (strcmp(channel, SWEEP_CHANNEL) == 0) {
		*got |= GOT_SWEEP;
		return;
	}
	for (i = 0; i < nnotifies; i++)
		if (strcmp(channel, notifies[i].channel) == 0)
			break;
	if (i < nnotifies)
		notifies[i].fn(notifies[i].arg);
	else
		*got |= GOT_JOBS;
}

static void
listen_cb(evutil_socket_t fd, short what, void *arg)
{
	struct jobs *j = arg;
	int got = 0;

	(void)fd;
	(void)what;
	if (store_listen_read(j->listen, listen_one, &got) == -1) {
		log_warn("LISTEN connection lost", NULL);
		listen_drop(j);
		return;
	}
	if (got & GOT_JOBS)
		jobs_kick(j);
	if (got & GOT_SWEEP)
		sweep_start(j, 1);
}

/* On a worker: a new LISTEN connection, handed back through arg. */
struct listen_attempt {
	struct jobs *j;            /* owner */
	struct store_listen *conn; /* result, or NULL */
};

static void
connect_work(void *worker, void *arg)
{
	struct db *db = worker;
	struct listen_attempt *la = arg;
	const char *channels[NOTIFIES_MAX + 1];
	size_t i;

	(void)db;
	for (i = 0; i < nnotifies; i++)
		channels[i] = notifies[i].channel;
	channels[i] = SWEEP_CHANNEL;
	la->conn = store_listen_open(
	    la->j->env.cfg->database_url, channels, nnotifies + 1);
}

static void
connect_done(void *arg)
{
	struct listen_attempt *la = arg;
	struct jobs *j = la->j;
	struct timeval tv = {LISTEN_RETRY_SECONDS, 0};

	j->connecting = 0;
	if (la->conn == NULL || j->stopped) {
		if (la->conn != NULL)
			store_listen_close(la->conn);
		else if (!j->stopped)
			evtimer_add(j->relisten_ev, &tv);
		free(la);
		return;
	}
	j->listen = la->conn;
	free(la);
	j->listen_ev = event_new(j->env.base, store_listen_fd(j->listen),
	    EV_READ | EV_PERSIST, listen_cb, j);
	event_add(j->listen_ev, NULL);
	jobs_kick(j); /* anything queued while we were away */
}

static void
relisten_cb(evutil_socket_t fd, short what, void *arg)
{
	struct jobs *j = arg;
	struct listen_attempt *la;

	(void)fd;
	(void)what;
	if (j->stopped || j->connecting || j->listen != NULL)
		return;
	j->connecting = 1;
	la = xcalloc(1, sizeof(*la));
	la->j = j;
	pool_submit(j->env.pool, connect_work, connect_done, la);
}

static void
listen_drop(struct jobs *j)
{
	struct timeval tv = {LISTEN_RETRY_SECONDS, 0};

	if (j->listen_ev != NULL) {
		event_free(j->listen_ev);
		j->listen_ev = NULL;
	}
	store_listen_close(j->listen);
	j->listen = NULL;
	if (!j->stopped)
		evtimer_add(j->relisten_ev, &tv);
}

struct jobs *
jobs_new(const struct jobs_env *env)
{
	const struct config *cfg = env->cfg;
	struct jobs *j;
	struct timeval poll = {cfg->job_poll_interval, 0};
	struct timeval sweep = {cfg->sweep_interval, 0};

	j = xcalloc(1, sizeof(*j));
	j->env = *env;
	if (pthread_mutex_init(&j->stats_mu, NULL) != 0)
		abort();
	/* Leave at least one worker for requests. */
	j->max_running = cfg->job_concurrency;
	if (j->max_running > cfg->workers - 1)
		j->max_running = cfg->workers - 1;
	if (j->max_running < 1)
		j->max_running = 1;
	j->poll_ev = event_new(env->base, -1, EV_PERSIST, poll_cb, j);
	j->next_ev = evtimer_new(env->base, poll_cb, j);
	j->sweep_ev = event_new(env->base, -1, EV_PERSIST, sweep_cb, j);
	j->relisten_ev = evtimer_new(env->base, relisten_cb, j);
	event_add(j->poll_ev, &poll);
	event_add(j->sweep_ev, &sweep);
	relisten_cb(-1, 0, j);
	return j;
}

void
jobs_stop(struct jobs *j)
{
	if (j == NULL)
		return;
	j->stopped = 1;
	event_del(j->poll_ev);
	event_del(j->next_ev);
	event_del(j->sweep_ev);
	event_del(j->relisten_ev);
	if (j->listen_ev != NULL)
		event_del(j->listen_ev);
}

void
jobs_free(struct jobs *j)
{
	if (j == NULL)
		return;
	jobs_stop(j);
	event_free(j->poll_ev);
	event_free(j->next_ev);
	event_free(j->sweep_ev);
	event_free(j->relisten_ev);
	if (j->listen_ev != NULL)
		event_free(j->listen_ev);
	store_listen_close(j->listen);
	pthread_mutex_destroy(&j->stats_mu);
	free(j);
}
