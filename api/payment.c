#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/app.h"
#include "api/audit.h"
#include "api/db.h"
#include "api/jobkinds.h"
#include "api/jobs.h"
#include "api/mailer.h"
#include "api/mailjob.h"
#include "api/payment.h"
#include "api/store_payment.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/xmalloc.h"
#include "proofing/catalog.h"

int
payment_enabled(const struct app *app)
{
	return app->cfg->payment_url[0] != '\0';
}

static void
endpoint(const struct app *app, struct provider_endpoint *ep)
{
	const struct config *c = app->cfg;

	ep->base_url = c->payment_url;
	ep->api_key = c->payment_api_key;
	ep->ca_file = c->provider_ca_file;
	ep->connect_ms = c->provider_connect_ms;
	ep->total_ms = c->payment_timeout_ms;
}

void
payment_authorise_key(const char *idem, const void *body, size_t len,
    long cents, const char *app_id, char *key, size_t keysz)
{
	unsigned char all[2 * DIGEST_LEN + 8];
	char hex[DIGEST_HEX_LEN];
	unsigned long long c = (unsigned long long)cents;
	int i;

	if (idem == NULL) {
		snprintf(key, keysz, "rxca-au-%s", app_id);
		return;
	}
	digest_sha256(idem, strlen(idem), all);
	digest_sha256(body, len, all + DIGEST_LEN);
	for (i = 0; i < 8; i++)
		all[2 * DIGEST_LEN + i] = (unsigned char)(c >> (8 * (7 - i)));
	digest_sha256_hex(all, sizeof(all), hex);
	snprintf(key, keysz, "rxca-au-%.40s", hex);
}

/* Runs one statement in its own transaction (autocommit). */
static int
run_alone(
    struct db *db, const struct sql *stmt, struct dbargs *a, struct problem *p)
{
	int rc;

	rc = db_run(db, stmt, a, p);
	dbargs_free(a);
	return rc;
}

int
payment_authorise(struct app *app, struct db *db, const char *key,
    const char *card_token, long cents, time_t now, struct payment_answer *out,
    struct problem *p)
{
	struct provider_endpoint ep;
	struct dbargs a;
	int i, rc = -1;

	memset(out, 0, sizeof(*out));
	dbargs_init(&a);
	dbargs_text(&a, key);
	dbargs_text(&a, card_token);
	dbargs_int(&a, cents);
	dbargs_time(&a, now);
	if (run_alone(db, &sql_pay_intent_insert, &a, p) == -1)
		return -1;
	endpoint(app, &ep);
	for (i = 0; i < app->cfg->payment_attempts; i++) {
		problem_clear(p);
		rc = provider_payment_call(&ep, PAYMENT_AUTHORISE, key,
		    card_token, key, cents, out, p);
		if (rc == 0 || p->status != 503)
			break;
		log_warn("payment authorisation: no answer",
		    "key=%s try=%d "
		    "error=\"%s\"",
		    key, i + 1, p->detail);
	}
	if (rc == -1) {
		log_warn("payment authorisation failed", "key=%s error=\"%s\"",
		    key, p->detail);
		return -1;
	}
	if (!out->approved) {
		log_info(
		    "payment declined", "key=%s code=%s", key, out->decline);
		dbargs_init(&a);
		dbargs_text(&a, key);
		problem_clear(p);
		if (run_alone(db, &sql_pay_intent_drop, &a, p) == -1)
			return -1;
		return 0;
	}
	log_info("payment authorised", "key=%s authorisation=%s cents=%ld", key,
	    out->id, out->amount_cents);
	return 0;
}

/* Records one money event and its audit record; a replayed event (same
 * key) is recorded once. */
static int
record(struct db *db, const char *id, const char *kind, long cents,
    const char *key, const char *ref, const char *actor, const char *reason,
    time_t now, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	json_t *details;
	char action[48];
	int fresh, rc;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, kind);
	dbargs_int(&a, cents);
	dbargs_text(&a, key);
	dbargs_text(&a, ref);
	dbargs_text(&a, actor);
	dbargs_text(&a, reason);
	dbargs_time(&a, now);
	r = db_exec(db, &sql_pay_event, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	fresh = PQntuples(r) == 1;
	PQclear(r);
	if (!fresh)
		return 0;
	snprintf(action, sizeof(action), "payment.%s", kind);
	details = json_pack("{s:s, s:I, s:s, s:s, s:s?}", "provider_ref", ref,
	    "amount_cents", (json_int_t)cents, "currency", "USD",
	    "idempotency_key", key, "reason", reason);
	rc = audit_append(db, now, actor, action, id, details, p);
	json_decref(details);
	return rc;
}

int
payment_attach(struct app *app, struct db *db, const char *id, const char *key,
    const struct payment_answer *an, time_t now, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, key);
	dbargs_text(&a, an->id);
	dbargs_text(&a, an->last4[0] != '\0' ? an->last4 : NULL);
	dbargs_int(&a, an->amount_cents);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_pay_insert, &a, p);
	dbargs_free(&a);
	if (rc == -1)
		return -1;
	dbargs_init(&a);
	dbargs_text(&a, key);
	dbargs_text(&a, an->id);
	rc = db_run(db, &sql_pay_intent_known, &a, p);
	dbargs_free(&a);
	if (rc == -1 ||
	    record(db, id, "authorise", an->amount_cents, key, an->id, id, NULL,
	        now, p) == -1)
		return -1;
	if (strcmp(app->cfg->payment_capture, "submission") == 0)
		return jobs_add(
		    db, app->cfg, JOB_PAYMENT_CAPTURE, id, NULL, now, p);
	return 0;
}

int
payment_on_outcome(struct app *app, struct db *db, const char *id, int approve,
    int lapse, time_t now, struct problem *p)
{
	const struct config *c = app->cfg;
	struct dbargs a;
	PGresult *r;
	char *payload;
	int has, rc;

	dbargs_init(&a);
	dbargs_text(&a, id);
	r = db_exec(db, &sql_pay_get, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	has = PQntuples(r) == 1;
	PQclear(r);
	if (!has)
		return 0;
	if (approve)
		return strcmp(c->payment_capture, "approval") == 0
		    ? jobs_add(db, c, JOB_PAYMENT_CAPTURE, id, NULL, now, p)
		    : 0;
	if (strcmp(lapse ? c->payment_refund_lapse : c->payment_refund_reject,
	        "full") != 0)
		return 0;
	payload = xprintf("{\"reason\": \"%s\", \"actor\": \"system\"}",
	    lapse ? "lapsed" : "rejected");
	rc = jobs_add(db, c, JOB_PAYMENT_REFUND, id, payload, now, p);
	free(payload);
	return rc;
}

/* Locks the payment of application id; 1 if there is none. */
static int
lock_payment(struct db *db, const char *id, PGresult **out, struct problem *p)
{
	struct dbargs a;
	PGresult *r;

	*out = NULL;
	dbargs_init(&a);
	dbargs_text(&a, id);
	r = db_exec(db, &sql_pay_lock, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return 1;
	}
	*out = r;
	return 0;
}

static int
update(struct db *db, const char *id, const char *status, long captured,
    long refunded, time_t now, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, status);
	dbargs_int(&a, captured);
	dbargs_int(&a, refunded);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_pay_update, &a, p);
	dbargs_free(&a);
	return rc;
}

int
payment_job_capture(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p)
{
	struct provider_endpoint ep;
	struct payment_answer an;
	PGresult *r = NULL;
	char key[PAYMENT_KEY_LEN + 1];
	long cents;
	int rc;

	if ((rc = lock_payment(db, job->app_id, &r, p)) != 0)
		return rc == 1 ? JOB_DONE : JOB_FAILED;
	if (strcmp(db_get(r, 0, 1), "authorised") != 0) {
		rc = JOB_DONE; /* captured, voided or refunded already */
		goto out;
	}
	if (!payment_enabled(app)) {
		rc = problem_set(p, 503, "provider-unavailable",
		    "Provider unavailable", "RXCA_PAYMENT_URL is not set");
		goto out;
	}
	cents = (long)db_get_int(r, 0, 2);
	snprintf(key, sizeof(key), "rxca-ca-%s", job->app_id);
	endpoint(app, &ep);
	if (provider_payment_call(&ep, PAYMENT_CAPTURE, key, db_get(r, 0, 0),
	        NULL, cents, &an, p) == -1) {
		rc = JOB_FAILED;
		goto out;
	}
	if (update(db, job->app_id, "captured", cents, 0, now, p) == -1 ||
	    record(db, job->app_id, "capture", cents, key, an.id, "system",
	        NULL, now, p) == -1 ||
	    jobs_add(db, app->cfg, JOB_EMAIL_RECEIPT, job->app_id, NULL, now,
	        p) == -1) {
		rc = JOB_FAILED;
		goto out;
	}
	log_info("payment captured", "app=%s cents=%ld", job->app_id, cents);
	rc = JOB_DONE;
out:
	PQclear(r);
	return rc;
}

int
payment_job_refund(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p)
{
	struct provider_endpoint ep;
	struct payment_answer an;
	PGresult *r = NULL;
	json_t *pl = NULL;
	json_error_t jerr;
	char key[PAYMENT_KEY_LEN + 1];
	const char *status, *reason = NULL, *actor = "system";
	long captured, refunded, want = -1;
	json_int_t asked = -1;
	int rc, manual = 0;

	pl = json_loads(job->payload, 0, &jerr);
	if (pl == NULL ||
	    json_unpack_ex(pl, &jerr, 0, "{s?s, s?s, s?I, s?b}", "reason",
	        &reason, "actor", &actor, "amount_cents", &asked, "manual",
	        &manual) == -1) {
		json_decref(pl);
		return problem_set(p, 500, "internal", "Internal error",
		    "payment.refund payload: %s", jerr.text);
	}
	if ((rc = lock_payment(db, job->app_id, &r, p)) != 0) {
		json_decref(pl);
		return rc == 1 ? JOB_DONE : JOB_FAILED;
	}
	status = db_get(r, 0, 1);
	captured = (long)db_get_int(r, 0, 3);
	refunded = (long)db_get_int(r, 0, 4);
	if (!payment_enabled(app)) {
		rc = problem_set(p, 503, "provider-unavailable",
		    "Provider unavailable", "RXCA_PAYMENT_URL is not set");
		goto out;
	}
	endpoint(app, &ep);
	if (strcmp(status, "authorised") == 0) {
		/* Nothing was taken yet: release the authorisation. */
		snprintf(key, sizeof(key), "rxca-vo-%s", job->app_id);
		if (provider_payment_call(&ep, PAYMENT_VOID, key,
		        db_get(r, 0, 0), NULL, 0, &an, p) == -1) {
			rc = JOB_FAILED;
			goto out;
		}
		if (update(db, job->app_id, "voided", 0, 0, now, p) == -1 ||
		    record(db, job->app_id, "void", (long)db_get_int(r, 0, 2),
		        key, an.id, actor, reason, now, p) == -1) {
			rc = JOB_FAILED;
			goto out;
		}
		log_info("payment voided", "app=%s", job->app_id);
		rc = JOB_DONE;
		goto out;
	}
	want = captured - refunded;
	if (asked > 0 && asked < want)
		want = (long)asked;
	if (want <= 0 ||
	    (strcmp(status, "captured") != 0 &&
	        strcmp(status, "partially_refunded") != 0)) {
		rc = JOB_DONE; /* voided or refunded already */
		goto out;
	}
	if (manual)
		snprintf(
		    key, sizeof(key), "rxca-re-%s-%s", job->app_id, job->id);
	else
		snprintf(key, sizeof(key), "rxca-re-%s", job->app_id);
	if (provider_payment_call(&ep, PAYMENT_REFUND, key, db_get(r, 0, 0),
	        NULL, want, &an, p) == -1) {
		rc = JOB_FAILED;
		goto out;
	}
	refunded += want;
	if (update(db, job->app_id,
	        refunded == captured ? "refunded" : "partially_refunded",
	        captured, refunded, now, p) == -1 ||
	    record(db, job->app_id, "refund", want, key, an.id, actor, reason,
	        now, p) == -1) {
		rc = JOB_FAILED;
		goto out;
	}
	log_info("payment refunded", "app=%s cents=%ld", job->app_id, want);
	rc = JOB_DONE;
out:
	json_decref(pl);
	PQclear(r);
	return rc;
}

static void
cents_text(long cents, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%s%ld.%02ld", cents < 0 ? "-" : "",
	    labs(cents) / 100, labs(cents) % 100);
}

int
payment_job_receipt(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	json_t *price = NULL, *items, *it, *amt;
	json_error_t jerr;
	char *body = NULL, *lines = NULL, *next, money[32];
	const char *rate, *state;
	size_t i;
	int rc = JOB_FAILED;

	dbargs_init(&a);
	dbargs_text(&a, job->app_id);
	r = db_exec(db, &sql_pay_receipt, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return JOB_FAILED;
	if (PQntuples(r) != 1) {
		rc = JOB_DONE;
		goto out;
	}
	price = json_loads(db_get(r, 0, 2), 0, &jerr);
	items = json_object_get(price, "items");
	lines = xstrdup("");
	for (i = 0; i < json_array_size(items); i++) {
		it = json_array_get(items, i);
		amt = json_object_get(
		    json_object_get(it, "amount"), "amount_cents");
		cents_text(
		    json_is_integer(amt) ? (long)json_integer_value(amt) : 0,
		    money, sizeof(money));
		next = xprintf("%s  %-48s %12s USD\n", lines,
		    json_string_value(json_object_get(it, "label")) != NULL
		        ? json_string_value(json_object_get(it, "label"))
		        : "?",
		    money);
		free(lines);
		lines = next;
	}
	rate = json_string_value(json_object_get(price, "tax_rate_percent"));
	state = db_get(r, 0, 3);
	cents_text((long)db_get_int(r, 0, 6), money, sizeof(money));
	body = xprintf("Hello %s,\n\n"
	               "Thank you for your payment for application %s.\n\n"
	               "%s\n"
	               "  %-48s %12s USD\n\n"
	               "Sales tax: %s%s%s (state %s)\n"
	               "Paid with the card ending in %s.\n",
	    db_get(r, 0, 1), job->app_id, lines, "Total charged", money,
	    rate != NULL ? rate : "none", rate != NULL ? "%" : "",
	    rate != NULL ? "" : " (untaxed)", state != NULL ? state : "-",
	    db_get(r, 0, 5) != NULL ? db_get(r, 0, 5) : "????");
	if (mailer_send(app->mailer, db_get(r, 0, 0), "Your rxca receipt", body,
	        p) == -1)
		goto out;
	if (audit_append(db, now, "system", "email.receipt_sent", job->app_id,
	        NULL, p) == -1)
		goto out;
	rc = JOB_DONE;
out:
	free(body);
	free(lines);
	json_decref(price);
	PQclear(r);
	return rc;
}

int
payment_sweep(struct app *app, struct db *db, time_t now)
{
	struct provider_endpoint ep;
	struct payment_answer an, vo;
	struct problem p;
	struct dbargs a;
	PGresult *r = NULL;
	char key[PAYMENT_KEY_LEN + 1];
	const char *ikey;
	json_t *details;
	int i, n = 0, rc;

	if (!payment_enabled(app))
		return 0;
	problem_clear(&p);
	if (db_begin(db, &p) == -1)
		return -1;
	dbargs_init(&a);
	dbargs_time(&a, now - app->cfg->payment_orphan_seconds);
	r = db_exec(db, &sql_pay_orphans, &a, &p);
	dbargs_free(&a);
	if (r == NULL)
		goto fail;
	endpoint(app, &ep);
	for (i = 0; i < PQntuples(r); i++) {
		ikey = db_get(r, i, 0);
		/* The same key answers the same authorisation (or makes the
		 * one that never arrived, to be voided at once). */
		if (provider_payment_call(&ep, PAYMENT_AUTHORISE, ikey,
		        db_get(r, i, 1), ikey, (long)db_get_int(r, i, 2), &an,
		        &p) == -1) {
			log_warn("orphan payment: provider",
			    "key=%s error=\"%s\"", ikey, p.detail);
			continue;
		}
		if (an.approved) {
			snprintf(key, sizeof(key), "rxca-vo-%.80s", ikey);
			if (provider_payment_call(&ep, PAYMENT_VOID, key, an.id,
			        NULL, 0, &vo, &p) == -1) {
				log_warn("orphan payment: void",
				    "key=%s "
				    "error=\"%s\"",
				    ikey, p.detail);
				continue;
			}
		}
		dbargs_init(&a);
		dbargs_text(&a, ikey);
		dbargs_time(&a, now);
		dbargs_text(&a, an.approved ? an.id : NULL);
		rc = db_run(db, &sql_pay_intent_voided, &a, &p);
		dbargs_free(&a);
		if (rc == -1)
			goto fail;
		details = json_pack("{s:s, s:s?, s:I}", "idempotency_key", ikey,
		    "authorisation", an.approved ? an.id : NULL, "amount_cents",
		    (json_int_t)db_get_int(r, i, 2));
		rc = audit_append(db, now, "system", "payment.orphan_voided",
		    ikey, details, &p);
		json_decref(details);
		if (rc == -1)
			goto fail;
		log_warn("orphan payment voided", "key=%s", ikey);
		n++;
	}
	PQclear(r);
	if (db_commit(db, &p) == -1)
		return -1;
	return n;
fail:
	PQclear(r);
	db_rollback(db);
	return -1;
}

static void
sweep(struct app *app, struct db *db, time_t now)
{
	(void)payment_sweep(app, db, now);
}

static const struct job_kind payment_kinds[] = {
    {.name = JOB_PAYMENT_CAPTURE,
        .run = payment_job_capture,
        .backoff = JOB_BACKOFF_JOB},
    {.name = JOB_PAYMENT_REFUND,
        .run = payment_job_refund,
        .backoff = JOB_BACKOFF_JOB},
    {.name = JOB_EMAIL_RECEIPT,
        .run = payment_job_receipt,
        .backoff = JOB_BACKOFF_MAIL,
        .life_days = mailjob_keep_days,
        .dead = mailjob_lost,
        .note = "We could not e-mail you your receipt."},
};

int
payment_jobs_register(void)
{
	if (jobs_register_all(payment_kinds,
	        sizeof(payment_kinds) / sizeof(payment_kinds[0])) == -1)
		return -1;
	return jobs_register_sweep("payment", sweep);
}
