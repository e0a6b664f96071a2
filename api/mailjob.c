#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/app.h"
#include "api/audit.h"
#include "api/db.h"
#include "api/jobkinds.h"
#include "api/jobs.h"
#include "api/mailer.h"
#include "api/mailjob.h"
#include "api/store.h"
#include "api/store_mail.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"
#include "proofing/emailcode.h"

#define NIST_CODE_LIFETIME 86400
#define CODE_EARLIER_MAX   4  /* earlier codes of one job kept valid */
#define MAIL_LEASE_SLACK   60 /* seconds a send may pass its timeout */

int
mailjob_keep_days(const struct config *cfg)
{
	return cfg->mail_keep_days;
}

int
mailjob_kit_days(const struct config *cfg)
{
	return cfg->kit_days;
}

int
mailjob_lost(struct db *db, const struct job_kind *k, const struct job *job,
    time_t now, struct problem *p)
{
	PGresult *r;
	struct dbargs a;
	int rc = 0;

	if (job->app_id == NULL)
		return 0;
	dbargs_init(&a);
	dbargs_text(&a, job->app_id);
	r = db_exec(db, &sql_mail_app_status, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 1)
		rc = app_note(db, job->app_id, db_get(r, 0, 0), "system",
		    k->note != NULL ? k->note : "We could not e-mail you.", now,
		    p);
	PQclear(r);
	return rc;
}

/* The deadline of a code mail: its code's expiry, or the application's
 * e-mail window if it has none yet. */
static int
code_deadline(
    struct db *db, const struct job *job, time_t *deadline, struct problem *p)
{
	PGresult *r;
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, job->id);
	dbargs_text(&a, job->app_id);
	r = db_exec(db, &sql_mail_code_deadline, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	*deadline = db_get_time(r, 0, 0);
	PQclear(r);
	return 0;
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
 * The job JOB_EMAIL_CODE: a verification code, stored hashed, mailed.  The
 * code is committed before the send and no transaction is open during it;
 * a try after a send whose recording failed mails a new code and keeps the
 * earlier one valid (code_for_job), so a code that may have arrived works
 * until it is used, expires or the applicant asks for a new one.  A job
 * that a resend superseded sends nothing.
 */
static int
mailjob_code(struct app *app, struct db *db, const struct job *job, time_t now,
    struct problem *p)
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

static const struct job_kind mail_kinds[] = {
    {.name = JOB_EMAIL_CODE,
        .run = mailjob_code,
        .backoff = JOB_BACKOFF_MAIL,
        .deadline = code_deadline,
        .dead = mailjob_lost,
        .note = "We could not e-mail you a verification code; ask for a "
                "new one."},
};

int
mailjob_register(void)
{
	return jobs_register_all(
	    mail_kinds, sizeof(mail_kinds) / sizeof(mail_kinds[0]));
}
