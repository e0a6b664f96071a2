#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/crypto.h>

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
#include "api/routes.h"
#include "api/store.h"
#include "api/store_mail.h"
#include "api/throttle.h"
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
#define CODE_EARLIER_MAX     4  /* earlier codes of one job kept valid */
#define MAIL_LEASE_SLACK     60 /* seconds a send may pass its timeout */

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

int
jobs_pause(struct db *db, const struct job *job, time_t now, int lease,
    struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, job->id);
	dbargs_time(&a, now + lease);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_job_lease, &a, p);
	dbargs_free(&a);
	if (rc == -1 || db_commit(db, p) == -1) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

int
jobs_resume(struct db *db, const struct job *job, struct problem *p)
{
	PGresult *r;
	struct dbargs a;
	int n;

	if (db_ensure(db, p) == -1 || db_begin(db, p) == -1)
		return -1;
	dbargs_init(&a);
	dbargs_text(&a, job->id);
	r = db_exec(db, &sql_job_relock, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		goto fail;
	n = PQntuples(r);
	PQclear(r);
	if (n != 1) {
		problem_set(p, 409, "conflict", "Job taken",
		    "Job %s was taken by another runner.", job->id);
		goto fail;
	}
	if (db_savepoint(db, p) == -1)
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return -1;
}

/*
 * Gives the live code of this job a new hash (keeping the one it replaces
 * valid if it may have been mailed), or makes the job's first code (ending
 * any other live code of the application).  *codeid and *expires say
 * which code and until when.
 */
static int
code_for_job(struct db *db, const struct job *job, const unsigned char *hash,
    time_t now, time_t *expires, char *codeid, size_t codeidsz,
    struct problem *p)
{
	PGresult *r = NULL;
	struct dbargs a;
	int rc = -1;

	dbargs_init(&a);
	dbargs_text(&a, job->app_id);
	dbargs_text(&a, job->id);
	r = db_exec(db, &sql_mail_code_of_job, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		goto out;
	if (PQntuples(r) == 1 && now <= db_get_time(r, 0, 1)) {
		snprintf(codeid, codeidsz, "%s", db_get(r, 0, 0));
		*expires = db_get_time(r, 0, 1);
		dbargs_init(&a);
		dbargs_text(&a, codeid);
		dbargs_bytea(&a, hash, DIGEST_LEN);
		dbargs_bool(&a, strcmp(db_get(r, 0, 2), "t") == 0);
		dbargs_int(&a, CODE_EARLIER_MAX * DIGEST_LEN);
		rc = db_run(db, &sql_mail_code_rehash, &a, p);
		dbargs_free(&a);
		goto out;
	}
	PQclear(r);
	dbargs_init(&a);
	dbargs_text(&a, job->app_id);
	r = db_exec(db, &sql_code_kill, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		goto out;
	PQclear(r);
	dbargs_init(&a);
	dbargs_text(&a, job->app_id);
	dbargs_bytea(&a, hash, DIGEST_LEN);
	dbargs_time(&a, now);
	dbargs_time(&a, *expires);
	dbargs_text(&a, job->id);
	r = db_exec(db, &sql_mail_code_insert, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		goto out;
	snprintf(codeid, codeidsz, "%s", db_get(r, 0, 0));
	rc = 0;
out:
	PQclear(r);
	return rc;
}

/*
 * The job "email.code": a verification code, stored hashed, mailed.  The
 * code is committed before the send and no transaction is open during it;
 * a try after a send whose recording failed mails a new code and keeps the
 * earlier one valid (code_for_job), so a code that may have arrived works
 * until it is used, expires or the applicant asks for a new one.  A job
 * that a resend superseded sends nothing.
 */
static int
job_email_code(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p)
{
	const char *id = job->app_id;
	PGresult *r = NULL;
	struct dbargs a;
	struct problem sendp;
	char code[EMAILCODE_CHARS + 2], norm[EMAILCODE_CHARS + 1];
	char until[WALLCLOCK_RFC3339_LEN], codeid[32], *body = NULL;
	char *email = NULL, *given = NULL;
	unsigned char hash[DIGEST_LEN];
	time_t verify_by, expires;
	json_t *details;
	int sent, rc = JOB_FAILED;

	if (id == NULL)
		return JOB_DONE;
	dbargs_init(&a);
	dbargs_text(&a, id);
	r = db_exec(db, &sql_app_for_mail, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		goto out;
	if (PQntuples(r) != 1 ||
	    strcmp(db_get(r, 0, 0), "email_pending") != 0) {
		rc = JOB_DONE; /* verified, lapsed or gone: nothing to send */
		goto out;
	}
	email = xstrdup(db_get(r, 0, 1));
	given = xstrdup(db_get(r, 0, 2));
	verify_by = db_get_time(r, 0, 3);
	if (now > verify_by) {
		rc = JOB_DONE;
		goto out;
	}
	expires = verify_by;
	if (strcmp(db_get(r, 0, 4), "nist-800-63") == 0 &&
	    now + NIST_CODE_LIFETIME < verify_by)
		expires = now + NIST_CODE_LIFETIME;
	PQclear(r);
	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, job->id);
	r = db_exec(db, &sql_mail_code_superseded, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		goto out;
	if (PQntuples(r) > 0) {
		rc = JOB_DONE; /* a resend asked for a newer code */
		goto out;
	}

	emailcode_new(code);
	if (emailcode_normalize(code, norm) == -1) {
		problem_internal(p);
		goto out;
	}
	emailcode_hash(id, norm, hash);
	if (code_for_job(
	        db, job, hash, now, &expires, codeid, sizeof(codeid), p) == -1)
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
	if (jobs_pause(db, job, now, app->cfg->smtp_timeout + MAIL_LEASE_SLACK,
	        p) == -1)
		goto out;
	problem_clear(&sendp);
	sent = mailer_send(app->mailer, email, "Your rxca verification code",
	           body, &sendp) == 0;
	if (jobs_resume(db, job, p) == -1)
		goto out;
	if (!sent) {
		/* This code never left: the next try replaces it. */
		dbargs_init(&a);
		dbargs_text(&a, codeid);
		rc = db_run(db, &sql_mail_code_unsent, &a, p) == 0
		    ? JOB_DEFERRED
		    : JOB_FAILED;
		dbargs_free(&a);
		if (rc == JOB_DEFERRED)
			*p = sendp;
		goto out;
	}
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
		OPENSSL_cleanse(body, strlen(body));
		free(body);
	}
	OPENSSL_cleanse(code, sizeof(code));
	OPENSSL_cleanse(norm, sizeof(norm));
	free(email);
	free(given);
	PQclear(r);
	return rc;
}

/* How long a mail of a kind can still matter. */
enum mail_life {
	MAIL_NONE, /* not a mail: max_attempts tries */
	MAIL_CODE, /* until its code expires */
	MAIL_KIT,  /* RXCA_KIT_DAYS from its creation */
	MAIL_KEEP  /* RXCA_MAIL_KEEP_DAYS from its creation */
};

struct job_kind {
	const char *name;
	int (*run)(struct app *, struct db *, const struct job *, time_t,
	    struct problem *);
	enum mail_life life; /* a mail's deadline */
	const char *lost;    /* timeline note when the mail is dead */
};

static const struct job_kind kinds[] = {
    {"email.code", job_email_code, MAIL_CODE,
        "We could not e-mail you a verification code; ask for a new one."},
    {"identity.check", proofjob_identity_check, MAIL_NONE, NULL},
    {"email.decision", proofjob_decision_mail, MAIL_KIT,
        "We could not e-mail you the decision on your application; you "
        "can ask for that e-mail again."},
    {"crl.refresh", pki_job_crl, MAIL_NONE, NULL},
    {"ocsp.refresh", pki_job_ocsp, MAIL_NONE, NULL},
    {"webhook.deliver", webhook_job_deliver, MAIL_NONE, NULL},
    {"email.invitation", partner_job_invite, MAIL_KEEP, NULL},
    {"payment.capture", payment_job_capture, MAIL_NONE, NULL},
    {"payment.refund", payment_job_refund, MAIL_NONE, NULL},
    {"email.receipt", payment_job_receipt, MAIL_KEEP,
        "We could not e-mail you your receipt."},
    {"email.renewal", renewal_job_mail, MAIL_KEEP, NULL},
    {"email.unlock", account_job_mail, MAIL_KEEP, NULL},
    {"email.reset_code", account_job_mail, MAIL_KEEP, NULL},
    {"email.root_crl", pki_job_root_crl_mail, MAIL_KEEP, NULL},
};

static const struct job_kind *
job_kind(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].name, name) == 0)
			return &kinds[i];
	return NULL;
}

static int
job_dispatch(struct app *app, struct db *db, const struct job *job, time_t now,
    struct problem *p)
{
	const struct job_kind *k = job_kind(job->kind);

	if (k != NULL)
		return k->run(app, db, job, now, p);
	return problem_set(p, 500, "internal", "Unknown job",
	    "No handler for job kind %s.", job->kind);
}

time_t
jobs_mail_deadline(const struct app *app, const char *kind, time_t since)
{
	const struct job_kind *k = job_kind(kind);

	if (k == NULL || k->life == MAIL_NONE || k->life == MAIL_CODE)
		return 0;
	return since +
	    (time_t)(k->life == MAIL_KIT ? app->cfg->kit_days
	                                 : app->cfg->mail_keep_days) *
	    86400;
}

/*
 * The deadline of mail job id of kind k (created at created, deadline so
 * far expires or 0): a code's expiry, or from the kind.  0 with *deadline
 * set, or -1 with p set.
 */
static int
mail_deadline(struct app *app, struct db *db, const struct job_kind *k,
    const char *id, const char *appid, time_t created, time_t expires,
    time_t *deadline, struct problem *p)
{
	PGresult *r;
	struct dbargs a;

	*deadline = 0;
	if (k == NULL || k->life == MAIL_NONE)
		return 0;
	if (k->life != MAIL_CODE) {
		*deadline = expires != 0
		    ? expires
		    : jobs_mail_deadline(app, k->name, created);
		return 0;
	}
	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, appid[0] ? appid : NULL);
	r = db_exec(db, &sql_mail_code_deadline, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	*deadline = db_get_time(r, 0, 0);
	PQclear(r);
	return 0;
}

/*
 * Job id of kind k is dead: audited, and a lost mail of an application is
 * noted on its timeline.  Inside the runner's transaction.
 */
static int
job_dead(struct app *app, struct db *db, const struct job_kind *k,
    const char *id, const char *kind, const char *appid, int attempts,
    time_t now, struct problem *p)
{
	PGresult *r;
	struct dbargs a;
	json_t *details;
	int rc;

	(void)app;
	details = json_pack(
	    "{s:s, s:s, s:i}", "job", id, "kind", kind, "attempts", attempts);
	rc = audit_append(
	    db, now, "system", "job.dead", appid[0] ? appid : id, details, p);
	json_decref(details);
	if (rc == -1)
		return -1;
	log_error("job dead after its last try", "job=%s kind=%s", id, kind);
	if (k == NULL || k->life == MAIL_NONE || appid[0] == '\0')
		return 0;
	dbargs_init(&a);
	dbargs_text(&a, appid);
	r = db_exec(db, &sql_mail_app_status, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	rc = 0;
	if (PQntuples(r) == 1)
		rc = app_note(db, appid, db_get(r, 0, 0), "system",
		    k->lost != NULL ? k->lost : "We could not e-mail you.", now,
		    p);
	PQclear(r);
	return rc;
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
	time_t now = wallclock_now(), expires, created, deadline;
	const struct job_kind *k;
	int attempts, max_attempts, wait, rc = -1, jr, cap;
	struct job job;

	problem_clear(&p);
	problem_clear(&q);
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
	expires = db_get_time(r, 0, 6);
	created = db_get_time(r, 0, 7);
	PQclear(r);
	r = NULL;
	k = job_kind(kind);
	if (k != NULL && k->life != MAIL_NONE && expires != 0 &&
	    now > expires) {
		/* A mail that no longer matters (the server was away). */
		dbargs_init(&a);
		dbargs_text(&a, jobid);
		dbargs_time(&a, now);
		dbargs_text(&a, "expired: past its deadline");
		rc = db_run(db, &sql_job_kill, &a, &p);
		dbargs_free(&a);
		if (rc == -1 ||
		    job_dead(app, db, k, jobid, kind, appid, attempts, now,
		        &p) == -1 ||
		    db_commit(db, &p) == -1)
			goto fail;
		free(payload);
		return 1;
	}
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
	if (jr != JOB_DEFERRED) {
		if (p.status == 503 && db_ensure(db, &q) == -1)
			goto fail;
		if (db_rollback_savepoint(db, &q) == -1)
			goto fail;
	}
	atomic_fetch_add(&app->jobs_failed, 1);
	if (mail_deadline(app, db, k, jobid, appid, created, expires, &deadline,
	        &q) == -1)
		goto fail;
	cap = k != NULL && k->life != MAIL_NONE ? app->cfg->mail_backoff_max
	                                        : app->cfg->job_backoff_max;
	wait = jobs_backoff(attempts + 1, cap, rand_uniform(1U << 30));
	err = xprintf("%s: %s", p.type, p.detail);
	dbargs_init(&a);
	dbargs_text(&a, jobid);
	dbargs_time(&a, now + wait);
	dbargs_text(&a, err);
	dbargs_time(&a, now);
	if (deadline != 0)
		dbargs_time(&a, deadline);
	else
		dbargs_text(&a, NULL);
	dbargs_bool(&a, p.status == 503);
	r = db_exec(db, &sql_job_retry, &a, &q);
	dbargs_free(&a);
	if (r == NULL)
		goto fail;
	log_warn("job failed",
	    "job=%s kind=%s try=%d retry_in=%d "
	    "error=\"%s\"",
	    jobid, kind, attempts + 1, wait, err);
	if (PQntuples(r) == 1 && strcmp(db_get(r, 0, 0), "dead") == 0 &&
	    job_dead(app, db, k, jobid, kind, appid, attempts + 1, now, &q) ==
	        -1)
		goto fail;
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

/* The outbox figures for /metrics, from the database. */
static void
outbox_count(struct app *app, struct db *db)
{
	PGresult *r;
	struct problem p;

	problem_clear(&p);
	if ((r = db_exec(db, &sql_outbox_stats, NULL, &p)) == NULL)
		return;
	atomic_store(&app->outbox_queued, (long)db_get_int(r, 0, 0));
	atomic_store(&app->outbox_oldest, (long)db_get_time(r, 0, 1));
	atomic_store(&app->outbox_dead, (long)db_get_int(r, 0, 2));
	PQclear(r);
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
	while (n < limit && !atomic_load(&app->stopping) &&
	    (rc = run_one(app, db)) == 1)
		n++;
	if ((r = db_exec(db, &sql_job_count, NULL, &p)) != NULL) {
		atomic_store(&app->jobs_queued, (long)db_get_int(r, 0, 0));
		PQclear(r);
	}
	outbox_count(app, db);
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
	if (throttle_sweep(db, now, &p) == -1)
		log_warn("throttle sweep failed", "error=\"%s\"", p.detail);
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
run_work(void *worker, void *arg)
{
	struct db *db = worker;
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
sweep_work(void *worker, void *arg)
{
	struct db *db = worker;
	struct jobs *j = arg;
	struct problem p;

	problem_clear(&p);
	if (!atomic_load(&j->app->stopping) && db_ensure(db, &p) == 0)
		jobs_sweep(j->app, db);
	/* the tests count these to know that a sweep ran after a change */
	log_debug("sweep done", NULL);
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
connect_work(void *worker, void *arg)
{
	struct db *db = worker;
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
