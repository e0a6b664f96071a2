/* Reminders before expiry: see api/renewal.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/app.h"
#include "api/audit.h"
#include "api/config.h"
#include "api/db.h"
#include "api/jobkinds.h"
#include "api/jobs.h"
#include "api/mailer.h"
#include "api/mailjob.h"
#include "api/renewal.h"
#include "api/store_renewal.h"
#include "api/webhook.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

#define SERIAL_LEN 16
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
 * in one transaction.  1 if queued here, 0 if another got there, -1. */
static int
reminder_queue(struct db *db, const unsigned char *serial, int step, time_t due,
    time_t now, struct problem *p)
{
	char hex[2 * SERIAL_LEN + 1], *payload = NULL;
	PGresult *r = NULL;
	struct dbargs a;
	json_t *details = NULL;
	int rc = -1;

	if (db_begin(db, p) == -1)
		return -1;
	dbargs_init(&a);
	dbargs_bytea(&a, serial, SERIAL_LEN);
	dbargs_int(&a, step);
	dbargs_time(&a, due);
	dbargs_time(&a, now);
	r = db_exec(db, &sql_reminder_insert, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		goto out;
	if (PQntuples(r) != 1) {
		rc = 0;
		goto out;
	}
	digest_hex(serial, SERIAL_LEN, hex);
	payload = xprintf("{\"serial\": \"%s\", \"step\": %d}", hex, step);
	details = json_pack("{s:i}", "step", step);
	if (jobs_add(db, NULL, JOB_EMAIL_RENEWAL, NULL, payload, now, p) ==
	        -1 ||
	    webhook_emit_cert(db, "certificate.expiring", serial, now, p) ==
	        -1 ||
	    audit_append(db, now, "system", "certificate.reminder_queued", hex,
	        details, p) == -1 ||
	    db_commit(db, p) == -1)
		goto out;
	rc = 1;
out:
	if (rc != 1)
		db_rollback(db);
	json_decref(details);
	free(payload);
	PQclear(r);
	return rc;
}

int
renewal_sweep(struct app *app, struct db *db, time_t now)
{
	char steps[STEPS_TEXT];
	unsigned char serial[SERIAL_LEN];
	PGresult *r = NULL;
	struct dbargs a;
	struct problem p;
	int i, q, n = 0;

	problem_clear(&p);
	steps_text(app->cfg, steps, sizeof(steps));
	dbargs_init(&a);
	dbargs_time(&a, now);
	dbargs_text(&a, steps);
	dbargs_int(&a, RENEWAL_SWEEP_BATCH);
	r = db_exec(db, &sql_reminder_due, &a, &p);
	dbargs_free(&a);
	if (r == NULL)
		goto fail;
	for (i = 0; i < PQntuples(r); i++) {
		if (db_get_bytea(r, i, 0, serial, sizeof(serial)) != SERIAL_LEN)
			continue;
		q = reminder_queue(db, serial, (int)db_get_int(r, i, 1),
		    db_get_time(r, i, 2) - (time_t)db_get_int(r, i, 1) * 86400,
		    now, &p);
		if (q == -1)
			goto fail;
		n += q;
	}
	PQclear(r);
	if (n > 0)
		log_info("renewal reminders queued", "count=%d", n);
	return n;
fail:
	log_error("renewal reminders not queued", "detail=\"%s\"", p.detail);
	PQclear(r);
	return -1;
}

int
renewal_job_mail(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p)
{
	unsigned char serial[SERIAL_LEN];
	const char *hex = NULL;
	char until[WALLCLOCK_RFC3339_LEN], *body = NULL, *subject = NULL;
	PGresult *r = NULL;
	struct dbargs a;
	json_error_t jerr;
	json_t *pl = NULL, *details = NULL;
	time_t not_after;
	int step = 0, rc = -1;

	if ((pl = json_loads(job->payload, 0, &jerr)) == NULL ||
	    json_unpack_ex(pl, &jerr, 0, "{s:s, s:i}", "serial", &hex, "step",
	        &step) == -1) {
		rc = problem_internal(p);
		goto out;
	}
	if (renewal_serial_parse(hex, serial) == -1) {
		rc = problem_internal(p);
		goto out;
	}
	dbargs_init(&a);
	dbargs_bytea(&a, serial, sizeof(serial));
	r = db_exec(db, &sql_reminder_mail, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		goto out;
	if (PQntuples(r) != 1 || strcmp(db_get(r, 0, 0), "issued") != 0 ||
	    strcmp(db_get(r, 0, 5), "t") == 0 ||
	    now >= (not_after = db_get_time(r, 0, 1))) {
		rc = 0; /* revoked, renewed or expired since: nothing to say */
		goto out;
	}
	wallclock_format(not_after, until, sizeof(until));
	subject = xprintf("Your rxca certificate expires in %d days", step);
	body = xprintf(
	    "Hello %s,\n\n"
	    "Your rxca certificate %s expires on %s.\n\n"
	    "Renew it before then: with your token plugged in, run\n\n"
	    "    rxca-token renew\n\n"
	    "It makes a new key on the token and a new certificate for two "
	    "years; no new identity proofing is needed while the current "
	    "certificate is valid.  After it expires you must apply again.\n",
	    db_get(r, 0, 3), hex, until);
	if (mailer_send(app->mailer, db_get(r, 0, 2), subject, body, p) == -1)
		goto out;
	atomic_fetch_add(&app->emails_sent, 1);
	details = json_pack("{s:i, s:s}", "step", step, "serial", hex);
	rc = audit_append(db, now, "system", "email.renewal_reminder_sent",
	    db_get(r, 0, 4), details, p);
out:
	json_decref(details);
	json_decref(pl);
	free(subject);
	free(body);
	PQclear(r);
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
