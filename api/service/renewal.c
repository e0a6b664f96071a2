/* Reminders before expiry: see api/service/renewal.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/service/app.h"
#include "api/config.h"
#include "api/jobs/jobkinds.h"
#include "api/jobs/jobs.h"
#include "api/out/mailer.h"
#include "api/service/mailjob.h"
#include "api/service/renewal.h"
#include "api/store/store_renewal.h"
#include "api/store/tx.h"
#include "api/service/webhook.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

#define SERIAL_LEN STORE_RENEWAL_SERIAL_LEN
#define MAIL_TRIES 10
#define STEPS_TEXT (CONFIG_MAX_STEPS * 5 + 3)

int
renewal_serial_parse(const char *hex, unsigned char *out)
{
	return digest_unhex(hex, out, SERIAL_LEN);
}

/* The steps as a PostgreSQL array literal, "{90,60,30,7}". */
static void
steps_text(const struct config *c, char *buf, size_t bufsz)
{
	size_t off;
	int i;

	off = (size_t)snprintf(buf, bufsz, "{");
	for (i = 0; i < c->nrenewal_steps && off < bufsz; i++)
		off += (size_t)snprintf(buf + off, bufsz - off, "%s%d",
		    i > 0 ? "," : "", c->renewal_steps[i]);
	if (off < bufsz)
		snprintf(buf + off, bufsz - off, "}");
}

/* Records reminder (serial, step) and queues its mail and webhook event,
 * in one unit of work.  1 if queued here, 0 if another got there, -1. */
static int
reminder_queue(struct db *db, const unsigned char *serial, int step, time_t due,
    time_t now, struct problem *p)
{
	char hex[2 * SERIAL_LEN + 1], *payload = NULL;
	json_t *details = NULL;
	struct tx tx;
	int rc = -1, fresh;

	if (tx_begin(&tx, db, now, "system", p) == -1)
		return -1;
	if ((fresh = store_reminder_insert(
	         tx_db(&tx), serial, step, due, now, p)) == -1)
		goto out;
	if (fresh == 0) {
		rc = 0;
		goto out;
	}
	digest_hex(serial, SERIAL_LEN, hex);
	payload = xprintf("{\"serial\": \"%s\", \"step\": %d}", hex, step);
	details = json_pack("{s:i}", "step", step);
	if (jobs_add(tx_db(&tx), NULL, JOB_EMAIL_RENEWAL, NULL, payload, now,
	        p) == -1 ||
	    webhook_emit_cert(
	        tx_db(&tx), "certificate.expiring", serial, now, p) == -1 ||
	    tx_audit(&tx, "certificate.reminder_queued", hex, details, p) ==
	        -1 ||
	    tx_commit(&tx, p) == -1)
		goto out;
	rc = 1;
out:
	tx_abort(&tx);
	json_decref(details);
	free(payload);
	return rc;
}

int
renewal_sweep(struct app *app, struct db *db, time_t now)
{
	char steps[STEPS_TEXT];
	struct store_reminder_due_row *rows = NULL;
	struct problem p;
	size_t i, nrows = 0;
	int q, n = 0;

	problem_clear(&p);
	steps_text(app->cfg, steps, sizeof(steps));
	if (store_reminder_due(
	        db, now, steps, RENEWAL_SWEEP_BATCH, &rows, &nrows, &p) == -1)
		goto fail;
	for (i = 0; i < nrows; i++) {
		q = reminder_queue(db, rows[i].serial, rows[i].step,
		    rows[i].not_after - (time_t)rows[i].step * 86400, now, &p);
		if (q == -1)
			goto fail;
		n += q;
	}
	free(rows);
	if (n > 0)
		log_info("renewal reminders queued", "count=%d", n);
	return n;
fail:
	log_error("renewal reminders not queued", "detail=\"%s\"", p.detail);
	free(rows);
	return -1;
}

int
renewal_job_mail(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p)
{
	unsigned char serial[SERIAL_LEN];
	const char *hex = NULL;
	char until[WALLCLOCK_RFC3339_LEN], *body = NULL, *subject = NULL;
	struct store_reminder_mail_row c;
	struct problem sendp;
	json_error_t jerr;
	json_t *pl = NULL, *details = NULL;
	struct tx tx;
	int found, step = 0, rc = JOB_FAILED;

	memset(&tx, 0, sizeof(tx));
	if ((pl = json_loads(job->payload, 0, &jerr)) == NULL ||
	    json_unpack_ex(pl, &jerr, 0, "{s:s, s:i}", "serial", &hex, "step",
	        &step) == -1) {
		problem_internal(p);
		goto out;
	}
	if (renewal_serial_parse(hex, serial) == -1) {
		problem_internal(p);
		goto out;
	}
	if ((found = store_reminder_mail(db, serial, &c, p)) == -1)
		goto out;
	if (found == 0 || strcmp(c.state, "issued") != 0 || c.renewed ||
	    now >= c.not_after) {
		rc = JOB_DONE; /* revoked, renewed or expired since */
		goto out;
	}
	wallclock_format(c.not_after, until, sizeof(until));
	subject = xprintf("Your rxca certificate expires in %d days", step);
	body = xprintf(
	    "Hello %s,\n\n"
	    "Your rxca certificate %s expires on %s.\n\n"
	    "Renew it before then: with your token plugged in, run\n\n"
	    "    rxca-token renew\n\n"
	    "It makes a new key on the token and a new certificate for two "
	    "years; no new identity proofing is needed while the current "
	    "certificate is valid.  After it expires you must apply again.\n",
	    c.given_name, hex, until);
	/* No transaction open across the call (api/jobs/jobs.h). */
	if (jobs_pause(db, job, now, mailer_lease(app->cfg), p) == -1)
		goto out;
	problem_clear(&sendp);
	if (mailer_send(app->mailer, c.email, subject, body, &sendp) == -1) {
		if (jobs_resume(db, job, p) == 0)
			*p = sendp;
		goto out;
	}
	if (jobs_resume(db, job, p) == -1)
		goto out;
	atomic_fetch_add(&app->emails_sent, 1);
	tx_join(&tx, db, now, "system");
	details = json_pack("{s:i, s:s}", "step", step, "serial", hex);
	if (tx_audit(&tx, "email.renewal_reminder_sent", c.app, details, p) ==
	    -1)
		goto out;
	rc = JOB_DONE;
out:
	tx_abort(&tx);
	json_decref(details);
	json_decref(pl);
	free(subject);
	free(body);
	return rc;
}

static void
sweep(struct app *app, struct db *db, time_t now)
{
	(void)renewal_sweep(app, db, now);
}

static const struct job_kind renewal_kinds[] = {
    {.name = JOB_EMAIL_RENEWAL,
        .run = renewal_job_mail,
        .max_attempts = MAIL_TRIES,
        .backoff = JOB_BACKOFF_MAIL,
        .life_days = mailjob_keep_days,
        .dead = mailjob_lost},
};

int
renewal_jobs_register(void)
{
	if (jobs_register_all(renewal_kinds,
	        sizeof(renewal_kinds) / sizeof(renewal_kinds[0])) == -1)
		return -1;
	return jobs_register_sweep("renewal", sweep);
}
