/* Mails of a certificate's life: see api/service/lifemail.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/config.h"
#include "api/jobs/jobkinds.h"
#include "api/jobs/jobs.h"
#include "api/service/app.h"
#include "api/service/lifemail.h"
#include "api/service/mailjob.h"
#include "api/service/renewal.h"
#include "api/store/store_jobs.h"
#include "api/store/store_renewal.h"
#include "api/store/tx.h"
#include "common/digest.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

#define SERIAL_LEN STORE_RENEWAL_SERIAL_LEN
#define MAIL_TRIES 10

/* Queues kind for app with payload (a JSON object, stolen). */
static int
queue(struct db *db, const char *kind, const char *app, json_t *payload,
    time_t now, struct problem *p)
{
	char *text = json_dumps(payload, JSON_COMPACT);
	int rc;

	json_decref(payload);
	if (text == NULL)
		return problem_internal(p);
	rc = jobs_add(db, NULL, kind, app, text, now, p);
	free(text);
	return rc;
}

int
lifemail_queue_issued(struct db *db, const char *app,
    const unsigned char *serial, time_t now, struct problem *p)
{
	char hex[2 * SERIAL_LEN + 1];

	digest_hex(serial, SERIAL_LEN, hex);
	return queue(db, JOB_EMAIL_ISSUED, app,
	    json_pack("{s:s}", "serial", hex), now, p);
}

int
lifemail_queue_revoked(struct db *db, const char *app,
    const unsigned char *serial, const char *reason, int by_operator,
    time_t now, struct problem *p)
{
	char hex[2 * SERIAL_LEN + 1];

	digest_hex(serial, SERIAL_LEN, hex);
	return queue(db, JOB_EMAIL_REVOKED, app,
	    json_pack("{s:s, s:s, s:s}", "serial", hex, "reason", reason, "by",
	        by_operator ? "operator" : "subscriber"),
	    now, p);
}

int
lifemail_queue_shipped(struct db *db, const char *app, const char *kit,
    const char *carrier, const char *tracking, time_t now, struct problem *p)
{
	return queue(db, JOB_EMAIL_SHIPPED, app,
	    json_pack("{s:s, s:s, s:s}", "kit", kit, "carrier", carrier,
	        "tracking", tracking),
	    now, p);
}

/* The serial of a job's payload ({"serial": hex, ...}): 0 or -1. */
static int
payload_serial(json_t *pl, unsigned char *serial, char *hex, size_t hexsz)
{
	const char *s = NULL;

	if (json_unpack(pl, "{s:s}", "serial", &s) == -1 ||
	    renewal_serial_parse(s, serial) == -1)
		return -1;
	snprintf(hex, hexsz, "%s", s);
	return 0;
}

/* Sends the mail of job and audits action with details (stolen). */
static int
send_audited(struct app *app, struct db *db, const struct job *job, time_t now,
    const char *to, const char *subject, const char *body, const char *action,
    json_t *details, struct problem *p)
{
	struct tx tx;
	int rc = JOB_FAILED;

	memset(&tx, 0, sizeof(tx));
	if (mailjob_send(app, db, job, now, to, subject, body, p) == -1)
		goto out;
	tx_join(&tx, db, now, "system");
	if (tx_audit(&tx, action, job->app_id != NULL ? job->app_id : "",
	        details, p) == -1)
		goto out;
	rc = JOB_DONE;
out:
	tx_abort(&tx);
	json_decref(details);
	return rc;
}

/* The job "email.issued": the certificate's serial and validity, how to
 * test it; nothing if it was revoked meanwhile (that mail follows). */
static int
issued_mail(struct app *app, struct db *db, const struct job *job, time_t now,
    struct problem *p)
{
	unsigned char serial[SERIAL_LEN];
	char hex[2 * SERIAL_LEN + 1], from[WALLCLOCK_MAIL_LEN],
	    until[WALLCLOCK_MAIL_LEN];
	char *portal = NULL, *body = NULL;
	struct store_reminder_mail_row who;
	json_t *pl;
	int f, rc = JOB_FAILED;

	if ((pl = json_loads(job->payload, 0, NULL)) == NULL ||
	    payload_serial(pl, serial, hex, sizeof(hex)) == -1) {
		problem_internal(p);
		goto out;
	}
	/* The certificate and whom to tell, in one round trip. */
	if ((f = store_reminder_mail(db, serial, &who, p)) == -1)
		goto out;
	if (f == 0 || !who.stored || strcmp(who.state, "issued") != 0) {
		rc = JOB_DONE;
		goto out;
	}
	wallclock_mail(who.not_before, from);
	wallclock_mail(who.not_after, until);
	portal = mailjob_portal(app->cfg);
	body = xprintf(
	    "Hello %s,\n\n"
	    "Your rxca certificate is issued and stored on your token.\n\n"
	    "    Serial number: %s\n"
	    "    Valid from:    %s\n"
	    "    Valid until:   %s\n\n"
	    "Check that it works: with the token plugged in, run\n\n"
	    "    rxca-token test --server %s\n\n"
	    "or choose \"Test my certificate\" in your account:\n"
	    "%s\n\n"
	    "If you did not ask for this certificate, call the CA at once.\n",
	    who.given_name, hex, from, until, app->cfg->public_url, portal);
	rc = send_audited(app, db, job, now, who.email,
	    "Your rxca certificate is issued", body, "email.issued_sent",
	    json_pack("{s:s}", "serial", hex), p);
out:
	json_decref(pl);
	free(portal);
	free(body);
	return rc;
}

/* What a subscriber does after a revocation for reason. */
static const char *
revoked_next(const char *reason, int by_operator)
{
	if (strcmp(reason, "superseded") == 0)
		return "Your renewed certificate replaces it: there is nothing "
		       "to do.";
	if (strcmp(reason, "keyCompromise") == 0)
		return "The key on your token may be in other hands: do not use "
		       "the token for signing.  To prescribe again, apply for a "
		       "new certificate in your account.";
	if (by_operator)
		return "If you did not expect this, call the CA.  To prescribe "
		       "again, apply for a new certificate in your account.";
	return "If it was not you who asked, call the CA at once.  To "
	       "prescribe again, apply for a new certificate in your account.";
}

/* The job "email.revoked": by whom, why, and what to do next. */
static int
revoked_mail(struct app *app, struct db *db, const struct job *job, time_t now,
    struct problem *p)
{
	unsigned char serial[SERIAL_LEN];
	char hex[2 * SERIAL_LEN + 1];
	const char *reason = NULL, *by = NULL;
	char *portal = NULL, *body = NULL;
	struct store_reminder_mail_row who;
	json_t *pl;
	int f, by_operator, rc = JOB_FAILED;

	if ((pl = json_loads(job->payload, 0, NULL)) == NULL ||
	    payload_serial(pl, serial, hex, sizeof(hex)) == -1 ||
	    json_unpack(pl, "{s:s, s:s}", "reason", &reason, "by", &by) == -1) {
		problem_internal(p);
		goto out;
	}
	if ((f = store_reminder_mail(db, serial, &who, p)) != 1) {
		rc = f == 0 ? JOB_DONE : JOB_FAILED;
		goto out;
	}
	by_operator = strcmp(by, "operator") == 0;
	portal = mailjob_portal(app->cfg);
	body = xprintf("Hello %s,\n\n"
	               "Your rxca certificate %s has been revoked %s.\n\n"
	               "    Reason: %s\n\n"
	               "It can no longer sign prescriptions.  %s\n\n"
	               "Your account: %s\n",
	    who.given_name, hex,
	    by_operator ? "by a CA operator" : "at your own request", reason,
	    revoked_next(reason, by_operator), portal);
	rc = send_audited(app, db, job, now, who.email,
	    "Your rxca certificate has been revoked", body,
	    "email.revoked_sent",
	    json_pack(
	        "{s:s, s:s, s:s}", "serial", hex, "reason", reason, "by", by),
	    p);
out:
	json_decref(pl);
	free(portal);
	free(body);
	return rc;
}

/* The job "email.shipped": carrier and tracking number of the kit. */
static int
shipped_mail(struct app *app, struct db *db, const struct job *job, time_t now,
    struct problem *p)
{
	const char *kit = NULL, *carrier = NULL, *tracking = NULL;
	char *portal = NULL, *body = NULL;
	struct mail_app_row who;
	json_t *pl;
	int f, rc = JOB_FAILED;

	if (job->app_id == NULL)
		return JOB_DONE;
	if ((pl = json_loads(job->payload, 0, NULL)) == NULL ||
	    json_unpack(pl, "{s:s, s:s, s:s}", "kit", &kit, "carrier", &carrier,
	        "tracking", &tracking) == -1) {
		problem_internal(p);
		goto out;
	}
	/* Inside the runner's transaction, until the send pauses it. */
	if ((f = store_mail_app_lock(db, job->app_id, &who, p)) != 1) {
		rc = f == 0 ? JOB_DONE : JOB_FAILED;
		goto out;
	}
	portal = mailjob_portal(app->cfg);
	body = xprintf(
	    "Hello %s,\n\n"
	    "Your rxca retrieval kit for application %s is on its way.\n\n"
	    "    Carrier:         %s\n"
	    "    Tracking number: %s\n\n"
	    "The letter in it holds your activation code; keep it safe.  When "
	    "it arrives, retrieve your certificate onto your token in your "
	    "account:\n%s\n\n"
	    "If the kit does not arrive, or arrives opened, call the CA: an "
	    "operator can send a new letter.\n",
	    who.given, job->app_id, carrier, tracking, portal);
	rc = send_audited(app, db, job, now, who.email,
	    "Your rxca retrieval kit has shipped", body, "email.shipped_sent",
	    json_pack("{s:s, s:s}", "kit", kit, "carrier", carrier), p);
out:
	json_decref(pl);
	free(portal);
	free(body);
	return rc;
}

static const struct job_kind lifemail_kinds[] = {
    {.name = JOB_EMAIL_ISSUED,
        .run = issued_mail,
        .max_attempts = MAIL_TRIES,
        .backoff = JOB_BACKOFF_MAIL,
        .life_days = mailjob_keep_days,
        .dead = mailjob_lost},
    {.name = JOB_EMAIL_REVOKED,
        .run = revoked_mail,
        .max_attempts = MAIL_TRIES,
        .backoff = JOB_BACKOFF_MAIL,
        .life_days = mailjob_keep_days,
        .dead = mailjob_lost},
    {.name = JOB_EMAIL_SHIPPED,
        .run = shipped_mail,
        .max_attempts = MAIL_TRIES,
        .backoff = JOB_BACKOFF_MAIL,
        .life_days = mailjob_kit_days,
        .dead = mailjob_lost},
};

int
lifemail_jobs_register(void)
{
	return jobs_register_all(
	    lifemail_kinds, sizeof(lifemail_kinds) / sizeof(lifemail_kinds[0]));
}
