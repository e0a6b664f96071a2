#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "api/app.h"
#include "api/audit.h"
#include "api/db.h"
#include "api/jobs.h"
#include "api/mailer.h"
#include "api/ocspcache.h"
#include "api/partner.h"
#include "api/payment.h"
#include "api/pki.h"
#include "api/pool.h"
#include "api/proofjob.h"
#include "api/renewal.h"
#include "api/store.h"
#include "api/webhook.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/rand.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"
#include "proofing/emailcode.h"

#define JOBS_PER_RUN         50
#define LISTEN_RETRY_SECONDS 2
#define NIST_CODE_LIFETIME   86400

struct jobs {
	struct app *app;           /* server state */
	struct event *poll_ev;     /* periodic run */
	struct event *sweep_ev;    /* periodic sweep */
	struct event *listen_ev;   /* NOTIFY arrives */
	struct event *relisten_ev; /* reconnect LISTEN */
	PGconn *listen;            /* LISTEN rxca_jobs, or NULL */
	int running;               /* runs on workers now */
	int max_running;           /* runs at once at most */
	int again;                 /* run once more after one ends */
	int sweeping;              /* a sweep is on a worker */
	int connecting;            /* LISTEN connect on a worker */
	int stopped;               /* schedule nothing new */
};

int
jobs_backoff(int attempts, int max, unsigned int random)
{
	long wait = 1;
	int i;

	for (i = 0; i < attempts && wait < max; i++)
		wait *= 2;
	if (wait > max)
		wait = max;
	/* full jitter in [wait/2, wait] */
	wait = wait / 2 + (long)(random % (unsigned)(wait - wait / 2 + 1));
	return wait < 1 ? 1 : (int)wait;
}

int
jobs_enqueue_payload(struct db *db, const char *kind,
    const char *application_id, const char *payload, time_t run_at,
    int max_attempts, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, kind);
	dbargs_text(&a, application_id);
	dbargs_time(&a, run_at);
	dbargs_int(&a, max_attempts);
	dbargs_time(&a, wallclock_now());
	dbargs_text(&a, payload);
	rc = db_run(db, &sql_job_insert, &a, p);
	dbargs_free(&a);
	return rc;
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
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, kind);
	dbargs_time(&a, wallclock_now());
	dbargs_int(&a, max_attempts);
	dbargs_time(&a, wallclock_now());
	rc = db_run(db, &sql_job_insert_once, &a, p);
	dbargs_free(&a);
	return rc;
}

/* The job "email.code": a new verification code, stored hashed, mailed. */
static int
job_email_code(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p)
{
	const char *id = job->app_id;
	PGresult *r = NULL;
	struct dbargs a;
	char code[EMAILCODE_CHARS + 2], norm[EMAILCODE_CHARS + 1];
	char until[WALLCLOCK_RFC3339_LEN], *body = NULL;
	unsigned char hash[DIGEST_LEN];
	const char *email, *given;
	time_t verify_by, expires;
	json_t *details;
	int rc = -1;

	dbargs_init(&a);
	dbargs_text(&a, id);
	r = db_exec(db, &sql_app_for_mail, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		goto out;
	if (PQntuples(r) != 1 ||
	    strcmp(db_get(r, 0, 0), "email_pending") != 0) {
		rc = 0; /* verified, lapsed or gone: nothing to send */
		goto out;
	}
	email = db_get(r, 0, 1);
	given = db_get(r, 0, 2);
	verify_by = db_get_time(r, 0, 3);
	if (now > verify_by) {
		rc = 0;
		goto out;
	}
	expires = verify_by;
	if (strcmp(db_get(r, 0, 4), "nist-800-63") == 0 &&
	    now + NIST_CODE_LIFETIME < verify_by)
		expires = now + NIST_CODE_LIFETIME;

	dbargs_init(&a);
	dbargs_text(&a, id);
	rc = db_run(db, &sql_code_kill, &a, p);
	dbargs_free(&a);
	if (rc == -1)
		goto out;
	emailcode_new(code);
	if (emailcode_normalize(code, norm) == -1) {
		rc = problem_internal(p);
		goto out;
	}
	emailcode_hash(id, norm, hash);
	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_bytea(&a, hash, sizeof(hash));
	dbargs_time(&a, now);
	dbargs_time(&a, expires);
	rc = db_run(db, &sql_code_insert, &a, p);
	dbargs_free(&a);
	if (rc == -1)
		goto out;

	wallclock_format(expires, until, sizeof(until));
	body = xprintf(
	    "Hello %s,\n\n"
	    "Your rxca verification code is: %s\n\n"
	    "Enter it to verify your e-mail address for application %s.\n"
	    "The code is valid until %s.  You can ask for a new code at any "
	    "time; the old one then stops working.\n\n"
	    "If you did not apply for a certificate, ignore this message.\n",
	    given, code, id, until);
	if ((rc = mailer_send(app->mailer, email, "Your rxca verification code",
	         body, p)) == -1)
		goto out;
	atomic_fetch_add(&app->emails_sent, 1);

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_app_mail_sent, &a, p);
	dbargs_free(&a);
	if (rc == -1)
		goto out;
	details = json_pack("{s:s}", "expires_at", until);
	rc = audit_append(db, now, "system", "email.code_sent", id, details, p);
	json_decref(details);
out:
	if (body != NULL) {
		memset(body, 0, strlen(body));
		free(body);
	}
	memset(code, 0, sizeof(code));
	memset(norm, 0, sizeof(norm));
	PQclear(r);
	return rc;
}

struct job_kind {
	const char *name;
	int (*run)(struct app *, struct db *, const struct job *, time_t,
	    struct problem *);
};

static const struct job_kind kinds[] = {
    {"email.code", job_email_code},
    {"identity.check", proofjob_identity_check},
    {"email.decision", proofjob_decision_mail},
    {"crl.refresh", pki_job_crl},
    {"ocsp.refresh", pki_job_ocsp},
    {"webhook.deliver", webhook_job_deliver},
    {"email.invitation", partner_job_invite},
    {"payment.capture", payment_job_capture},
    {"payment.refund", payment_job_refund},
    {"email.receipt", payment_job_receipt},
    {"email.renewal", renewal_job_mail},
    {"email.root_crl", pki_job_root_crl_mail},
};

static int
job_dispatch(struct app *app, struct db *db, const struct job *job, time_t now,
    struct problem *p)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].name, job->kind) == 0)
			return kinds[i].run(app, db, job, now, p);
	return problem_set(p, 500, "internal", "Unknown job",
	    "No handler for job kind %s.", job->kind);
}

/* Claims and runs one due job.  1 if one ran, 0 if none was due, -1 if the
 * database failed. */
static int
run_one(struct app *app, struct db *db)
{
	PGresult *r = NULL;
	struct dbargs a;
	struct problem p, q;
	char jobid[32], kind[64], appid[64], *err = NULL, *payload = NULL;
	time_t now = wallclock_now();
	int attempts, max_attempts, wait, rc = -1, jr;
	struct job job;
	json_t *details;

	problem_clear(&p);
	if (db_begin(db, &p) == -1)
		return -1;
	dbargs_init(&a);
	dbargs_time(&a, now);
	r = db_exec(db, &sql_job_claim, &a, &p);
	dbargs_free(&a);
	if (r == NULL)
		goto fail;
	if (PQntuples(r) == 0) {
		PQclear(r);
		db_rollback(db);
		return 0;
	}
	snprintf(jobid, sizeof(jobid), "%s", db_get(r, 0, 0));
	snprintf(kind, sizeof(kind), "%s", db_get(r, 0, 1));
	snprintf(appid, sizeof(appid), "%s",
	    db_get(r, 0, 2) != NULL ? db_get(r, 0, 2) : "");
	attempts = (int)db_get_int(r, 0, 3);
	max_attempts = (int)db_get_int(r, 0, 4);
	payload = xstrdup(db_get(r, 0, 5) != NULL ? db_get(r, 0, 5) : "{}");
	PQclear(r);
	r = NULL;
	if (db_savepoint(db, &p) == -1)
		goto fail;
	job.id = jobid;
	job.kind = kind;
	job.app_id = appid[0] ? appid : NULL;
	job.attempt = attempts + 1;
	job.max_attempts = max_attempts;
	job.payload = payload;
	if ((jr = job_dispatch(app, db, &job, now, &p)) == JOB_DONE) {
		dbargs_init(&a);
		dbargs_text(&a, jobid);
		dbargs_time(&a, now);
		rc = db_run(db, &sql_job_done, &a, &p);
		dbargs_free(&a);
		if (rc == -1 || db_commit(db, &p) == -1)
			goto fail;
		log_info("job done", "job=%s kind=%s", jobid, kind);
		free(payload);
		return 1;
	}
	/* The job failed: undo its work (unless it asked to keep it), keep
	 * the try. */
	problem_clear(&q);
	if (jr != JOB_DEFERRED) {
		if (p.status == 503 && db_ensure(db, &q) == -1)
			goto fail;
		if (db_rollback_savepoint(db, &q) == -1)
			goto fail;
	}
	atomic_fetch_add(&app->jobs_failed, 1);
	wait = jobs_backoff(
	    attempts + 1, app->cfg->job_backoff_max, rand_uniform(1U << 30));
	err = xprintf("%s: %s", p.type, p.detail);
	dbargs_init(&a);
	dbargs_text(&a, jobid);
	dbargs_time(&a, now + wait);
	dbargs_text(&a, err);
	dbargs_time(&a, now);
	r = db_exec(db, &sql_job_retry, &a, &q);
	dbargs_free(&a);
	if (r == NULL)
		goto fail;
	log_warn("job failed",
	    "job=%s kind=%s try=%d retry_in=%d "
	    "error=\"%s\"",
	    jobid, kind, attempts + 1, wait, err);
	if (PQntuples(r) == 1 && strcmp(db_get(r, 0, 0), "dead") == 0) {
		details = json_pack("{s:s, s:s, s:i}", "job", jobid, "kind",
		    kind, "attempts", attempts + 1);
		rc = audit_append(db, now, "system", "job.dead",
		    appid[0] ? appid : jobid, details, &q);
		json_decref(details);
		if (rc == -1)
			goto fail;
		log_error("job dead after its last try", "job=%s kind=%s",
		    jobid, kind);
	}
	PQclear(r);
	r = NULL;
	if (db_commit(db, &q) == -1)
		goto fail;
	free(err);
	free(payload);
	return 1;
fail:
	free(err);
	free(payload);
	PQclear(r);
	db_rollback(db);
	return -1;
}

int
jobs_run_due(struct app *app, struct db *db, int limit)
{
	PGresult *r;
	struct problem p;
	int n = 0, rc;

	problem_clear(&p);
	if (db_ensure(db, &p) == -1) {
		atomic_store(&app->db_up, 0);
		return 0;
	}
	atomic_store(&app->db_up, 1);
	while (n < limit && (rc = run_one(app, db)) == 1)
		n++;
	if ((r = db_exec(db, &sql_job_count, NULL, &p)) != NULL) {
		atomic_store(&app->jobs_queued, (long)db_get_int(r, 0, 0));
		PQclear(r);
	}
	return n;
}

int
jobs_sweep(struct app *app, struct db *db)
{
	PGresult *r = NULL;
	struct dbargs a;
	struct problem p;
	time_t now = wallclock_now();
	int i, n = -1;

	problem_clear(&p);
	if (db_begin(db, &p) == -1)
		return -1;
	dbargs_init(&a);
	dbargs_time(&a, now);
	r = db_exec(db, &sql_sweep_lapse, &a, &p);
	dbargs_free(&a);
	if (r == NULL)
		goto fail;
	for (i = 0; i < PQntuples(r); i++) {
		dbargs_init(&a);
		dbargs_text(&a, db_get(r, i, 0));
		if (db_run(db, &sql_code_kill, &a, &p) == -1) {
			dbargs_free(&a);
			goto fail;
		}
		dbargs_free(&a);
		if (app_record(db, db_get(r, i, 0), "email_pending", "lapsed",
		        "system", "e-mail not verified within the window", now,
		        NULL, &p) == -1 ||
		    payment_on_outcome(
		        app, db, db_get(r, i, 0), 0, 1, now, &p) == -1)
			goto fail;
	}
	n = PQntuples(r);
	if (db_commit(db, &p) == -1) {
		n = -1;
		goto fail;
	}
	PQclear(r);
	if (n > 0)
		log_info("applications lapsed", "count=%d", n);
	pki_sweep(app, db, now);
	payment_sweep(app, db, now);
	webhook_sweep(app, db, now);
	renewal_sweep(app, db, now);
	return n;
fail:
	PQclear(r);
	db_rollback(db);
	return -1;
}

/* Scheduling, on the loop. */

static void jobs_kick(struct jobs *j);

static void
run_work(struct db *db, void *arg)
{
	struct jobs *j = arg;

	jobs_run_due(j->app, db, JOBS_PER_RUN);
}

static void
run_done(void *arg)
{
	struct jobs *j = arg;

	j->running--;
	if (j->again && !j->stopped) {
		j->again = 0;
		jobs_kick(j);
	}
}

static void
jobs_kick(struct jobs *j)
{
	if (j->stopped)
		return;
	if (j->running >= j->max_running) {
		j->again = 1;
		return;
	}
	j->running++;
	pool_submit(j->app->pool, run_work, run_done, j);
}

static void
poll_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	jobs_kick(arg);
}

static void
sweep_work(struct db *db, void *arg)
{
	struct jobs *j = arg;
	struct problem p;

	problem_clear(&p);
	if (db_ensure(db, &p) == 0)
		jobs_sweep(j->app, db);
}

static void
sweep_done(void *arg)
{
	struct jobs *j = arg;

	j->sweeping = 0;
}

static void
sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct jobs *j = arg;

	(void)fd;
	(void)what;
	if (j->sweeping || j->stopped)
		return;
	j->sweeping = 1;
	pool_submit(j->app->pool, sweep_work, sweep_done, j);
}

static void listen_drop(struct jobs *j);

static void
listen_cb(evutil_socket_t fd, short what, void *arg)
{
	struct jobs *j = arg;
	PGnotify *n;
	int got = 0;

	(void)fd;
	(void)what;
	if (PQconsumeInput(j->listen) == 0) {
		log_warn("LISTEN connection lost", NULL);
		listen_drop(j);
		return;
	}
	while ((n = PQnotifies(j->listen)) != NULL) {
		if (strcmp(n->relname, "rxca_ocsp") == 0)
			ocspcache_kick(j->app->ocsp);
		else
			got = 1;
		PQfreemem(n);
	}
	if (got)
		jobs_kick(j);
}

/* On a worker: a new LISTEN connection, handed back through arg. */
struct listen_attempt {
	struct jobs *j; /* owner */
	PGconn *conn;   /* result, or NULL */
};

static void
connect_work(struct db *db, void *arg)
{
	struct listen_attempt *la = arg;
	PGresult *r;

	(void)db;
	la->conn = PQconnectdb(la->j->app->cfg->database_url);
	if (PQstatus(la->conn) != CONNECTION_OK)
		goto fail;
	r = PQexec(la->conn, "LISTEN rxca_jobs");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		PQclear(r);
		goto fail;
	}
	PQclear(r);
	r = PQexec(la->conn, "LISTEN rxca_ocsp");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		PQclear(r);
		goto fail;
	}
	PQclear(r);
	if (PQsetnonblocking(la->conn, 1) == -1)
		goto fail;
	return;
fail:
	PQfinish(la->conn);
	la->conn = NULL;
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
			PQfinish(la->conn);
		else if (!j->stopped)
			evtimer_add(j->relisten_ev, &tv);
		free(la);
		return;
	}
	j->listen = la->conn;
	free(la);
	j->listen_ev = event_new(j->app->base, PQsocket(j->listen),
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
	pool_submit(j->app->pool, connect_work, connect_done, la);
}

static void
listen_drop(struct jobs *j)
{
	struct timeval tv = {LISTEN_RETRY_SECONDS, 0};

	if (j->listen_ev != NULL) {
		event_free(j->listen_ev);
		j->listen_ev = NULL;
	}
	if (j->listen != NULL) {
		PQfinish(j->listen);
		j->listen = NULL;
	}
	if (!j->stopped)
		evtimer_add(j->relisten_ev, &tv);
}

struct jobs *
jobs_new(struct app *app)
{
	struct jobs *j;
	struct timeval poll = {app->cfg->job_poll_interval, 0};
	struct timeval sweep = {app->cfg->sweep_interval, 0};

	j = xcalloc(1, sizeof(*j));
	j->app = app;
	/* Leave at least one worker for requests. */
	j->max_running = app->cfg->job_concurrency;
	if (j->max_running > app->cfg->workers - 1)
		j->max_running = app->cfg->workers - 1;
	if (j->max_running < 1)
		j->max_running = 1;
	j->poll_ev = event_new(app->base, -1, EV_PERSIST, poll_cb, j);
	j->sweep_ev = event_new(app->base, -1, EV_PERSIST, sweep_cb, j);
	j->relisten_ev = evtimer_new(app->base, relisten_cb, j);
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
	event_free(j->sweep_ev);
	event_free(j->relisten_ev);
	if (j->listen_ev != NULL)
		event_free(j->listen_ev);
	if (j->listen != NULL)
		PQfinish(j->listen);
	free(j);
}
