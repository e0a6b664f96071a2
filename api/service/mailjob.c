#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/service/app.h"
#include "api/config.h"
#include "api/jobs/jobkinds.h"
#include "api/jobs/jobs.h"
#include "api/out/mailer.h"
#include "api/service/mailjob.h"
#include "api/store/store_issue.h"
#include "api/store/store_jobs.h"
#include "api/store/tx.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"
#include "proofing/emailcode.h"

#define NIST_CODE_LIFETIME 86400
#define CODE_EARLIER_MAX   4 /* earlier codes of one job kept valid */

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

char *
mailjob_portal(const struct config *cfg)
{
	size_t n = strlen(cfg->public_url);

	while (n > 0 && cfg->public_url[n - 1] == '/')
		n--;
	return xprintf("%.*s/", (int)n, cfg->public_url);
}

int
mailjob_send(struct app *app, struct db *db, const struct job *job, time_t now,
    const char *to, const char *subject, const char *body, struct problem *p)
{
	struct problem sendp;
	int f;

	if (jobs_pause_unwritten(db, job, now, mailer_lease(app->cfg), p) == -1)
		return -1;
	problem_clear(&sendp);
	f = mailer_send(app->mailer, to, subject, body, &sendp);
	if (jobs_resume(db, job, p) == -1)
		return -1;
	if (f == -1) {
		*p = sendp;
		return -1;
	}
	atomic_fetch_add(&app->emails_sent, 1);
	return 0;
}

int
mailjob_lost(struct db *db, const struct job_kind *k, const struct job *job,
    time_t now, struct problem *p)
{
	char status[32];
	int f;

	if (job->app_id == NULL)
		return 0;
	f = store_app_status(db, job->app_id, status, sizeof(status), p);
	if (f != 1)
		return f;
	return app_note(db, job->app_id, status, "system",
	    k->note != NULL ? k->note : "We could not e-mail you.", now, p);
}

/* The deadline of a code mail: its code's expiry, or the application's
 * e-mail window if it has none yet. */
static int
code_deadline(
    struct db *db, const struct job *job, time_t *deadline, struct problem *p)
{
	return store_mail_code_deadline(db, job->id, job->app_id, deadline, p);
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
	struct mail_code_row c;
	int f;

	f = store_mail_code_of_job(db, job->app_id, job->id, &c, p);
	if (f == -1)
		return -1;
	if (f == 1 && now <= c.expires) {
		snprintf(codeid, codeidsz, "%s", c.id);
		*expires = c.expires;
		return store_mail_code_rehash(db, codeid, hash, DIGEST_LEN,
		    c.maybe_sent, CODE_EARLIER_MAX * DIGEST_LEN, p);
	}
	if (store_email_codes_end(db, job->app_id, p) == -1)
		return -1;
	return store_mail_code_insert(db, job->app_id, hash, DIGEST_LEN, now,
	    *expires, job->id, codeid, codeidsz, p);
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
	struct tx tx;
	struct mail_app_row row;
	struct problem sendp;
	char code[EMAILCODE_CHARS + 2], norm[EMAILCODE_CHARS + 1];
	char until[WALLCLOCK_RFC3339_LEN], codeid[32], *body = NULL;
	unsigned char hash[DIGEST_LEN];
	time_t expires;
	json_t *details;
	int f, sent, rc = JOB_FAILED;

	if (id == NULL)
		return JOB_DONE;
	tx_join(&tx, db, now, "system");
	if ((f = store_mail_app_lock(db, id, &row, p)) == -1)
		goto out;
	if (f == 0 || strcmp(row.status, "email_pending") != 0) {
		rc = JOB_DONE; /* verified, lapsed or gone: nothing to send */
		goto out;
	}
	if (now > row.verify_by) {
		rc = JOB_DONE;
		goto out;
	}
	expires = row.verify_by;
	if (row.nist && now + NIST_CODE_LIFETIME < row.verify_by)
		expires = now + NIST_CODE_LIFETIME;
	if ((f = store_mail_code_superseded(db, id, job->id, p)) != 0) {
		if (f == 1)
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
	    "Enter it to verify your e-mail address for application %s,\n"
	    "or open this link, which enters it for you:\n\n"
	    "  %s/verify-email?application=%s&code=%s\n\n"
	    "The code is valid until %s.  You can ask for a new code at any "
	    "time; the old one then stops working.\n\n"
	    "If you did not apply for a certificate, ignore this message.\n",
	    row.given, code, id, app->cfg->public_url, id, code, until);
	if (jobs_pause(db, job, now, mailer_lease(app->cfg), p) == -1)
		goto out;
	problem_clear(&sendp);
	sent = mailer_send(app->mailer, row.email,
	           "Your rxca verification code", body, &sendp) == 0;
	if (jobs_resume(db, job, p) == -1)
		goto out;
	if (!sent) {
		/* This code never left: the next try replaces it. */
		rc = store_mail_code_unsent(db, codeid, p) == 0 ? JOB_DEFERRED
		                                                : JOB_FAILED;
		if (rc == JOB_DEFERRED)
			*p = sendp;
		goto out;
	}
	atomic_fetch_add(&app->emails_sent, 1);

	if (store_mail_sent(db, id, now, p) == -1)
		goto out;
	details = json_pack("{s:s}", "expires_at", until);
	rc = tx_audit(&tx, "email.code_sent", id, details, p) == 0 ? JOB_DONE
	                                                           : JOB_FAILED;
	json_decref(details);
out:
	tx_abort(&tx);
	if (body != NULL) {
		OPENSSL_cleanse(body, strlen(body));
		free(body);
	}
	OPENSSL_cleanse(code, sizeof(code));
	OPENSSL_cleanse(norm, sizeof(norm));
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
