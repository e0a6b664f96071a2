#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/service/app.h"
#include "api/jobs/jobkinds.h"
#include "api/jobs/jobs.h"
#include "api/out/mailer.h"
#include "api/service/mailjob.h"
#include "api/service/payment.h"
#include "api/store/store_payment.h"
#include "api/store/tx.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/xmalloc.h"
#include "proofing/catalog.h"

#define PAY_LEASE_SLACK 60 /* seconds a provider call may pass its timeout */

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

int
payment_authorise(struct app *app, struct db *db, const char *key,
    const char *card_token, long cents, time_t now, struct payment_answer *out,
    struct problem *p)
{
	struct provider_endpoint ep;
	int i, rc = -1;

	memset(out, 0, sizeof(*out));
	/* Its own statement (autocommit), committed before the call. */
	if (store_pay_intent_insert(db, key, card_token, cents, now, p) == -1)
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
		problem_clear(p);
		if (store_pay_intent_drop(db, key, p) == -1)
			return -1;
		return 0;
	}
	log_info("payment authorised", "key=%s authorisation=%s cents=%ld", key,
	    out->id, out->amount_cents);
	return 0;
}

/* Records one money event of application id and its audit record (by
 * actor), in tx; a replayed event (same key) is recorded once. */
static int
record(struct tx *tx, const char *id, const char *kind, long cents,
    const char *key, const char *ref, const char *actor, const char *reason,
    struct problem *p)
{
	struct pay_event_new e;
	json_t *details;
	char action[48];
	int fresh, rc;

	e.app = id;
	e.kind = kind;
	e.cents = cents;
	e.key = key;
	e.ref = ref;
	e.actor = actor;
	e.reason = reason;
	e.at = tx->now;
	if ((fresh = store_pay_event(tx_db(tx), &e, p)) != 1)
		return fresh;
	snprintf(action, sizeof(action), "payment.%s", kind);
	details = json_pack("{s:s, s:I, s:s, s:s, s:s?}", "provider_ref", ref,
	    "amount_cents", (json_int_t)cents, "currency", "USD",
	    "idempotency_key", key, "reason", reason);
	rc = tx_audit_as(tx, actor, action, id, details, p);
	json_decref(details);
	return rc;
}

int
payment_attach(struct app *app, struct db *db, const char *id, const char *key,
    const struct payment_answer *an, time_t now, struct problem *p)
{
	struct tx tx;

	tx_join(&tx, db, now, id);
	if (store_pay_insert(tx_db(&tx), id, key, an->id,
	        an->last4[0] != '\0' ? an->last4 : NULL, an->amount_cents, now,
	        p) == -1 ||
	    store_pay_intent_known(tx_db(&tx), key, an->id, p) == -1 ||
	    record(&tx, id, "authorise", an->amount_cents, key, an->id, id,
	        NULL, p) == -1)
		goto fail;
	tx_abort(&tx); /* joined: ends it, the caller commits */
	if (strcmp(app->cfg->payment_capture, "submission") == 0)
		return jobs_add(
		    db, app->cfg, JOB_PAYMENT_CAPTURE, id, NULL, now, p);
	return 0;
fail:
	tx_abort(&tx);
	return -1;
}

int
payment_on_outcome(struct app *app, struct db *db, const char *id, int approve,
    int lapse, time_t now, struct problem *p)
{
	const struct config *c = app->cfg;
	struct payment_row row;
	char *payload;
	int has, rc;

	if ((has = store_pay_get(db, id, &row, p)) != 1)
		return has;
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

/*
 * The provider's op (key; ref the authorisation; cents) for the payment of
 * job's application, from a job handler inside the runner's transaction,
 * with no transaction open and no row locked during the call: claims the
 * payment (one money call in flight per application), commits the job's
 * writes so far with a lease on the job (jobs_pause), calls, then resumes
 * the job's transaction, which holds the claim until it ends.  The caller
 * locks the payment again and re-checks it.  0 with an filled, or -1 with
 * p set (503 "busy" while another call for the payment is in flight, the
 * provider's problem, or the database's): the handler returns JOB_FAILED.
 */
static int
money_call(struct app *app, struct db *db, const struct job *job, time_t now,
    enum payment_op op, const char *key, const char *ref, long cents,
    struct payment_answer *an, struct problem *p)
{
	const struct config *c = app->cfg;
	struct provider_endpoint ep;
	struct problem callp;
	int got, ok;

	if ((got = store_pay_claim(db, job->app_id, p)) != 1) {
		if (got == 0) {
			problem_set(p, 503, "busy", "Try again",
			    "another payment call for this application is in "
			    "flight");
			p->retry_after = 1;
		}
		return -1;
	}
	if (jobs_pause(db, job, now,
	        (c->provider_connect_ms + c->payment_timeout_ms) / 1000 +
	            PAY_LEASE_SLACK,
	        p) == -1) {
		store_pay_release(db, job->app_id);
		return -1;
	}
	endpoint(app, &ep);
	problem_clear(&callp);
	ok = provider_payment_call(
	         &ep, op, key, ref, NULL, cents, an, &callp) == 0;
	if (jobs_resume(db, job, p) == -1) {
		store_pay_release(db, job->app_id);
		return -1;
	}
	if (store_pay_handover(db, job->app_id, p) == -1)
		return -1;
	if (!ok) {
		*p = callp;
		return -1;
	}
	return 0;
}

/* 1 if the payment is as it was before the call (was). */
static int
unchanged(const struct payment_row *was, const struct payment_row *now)
{
	return strcmp(was->status, now->status) == 0 &&
	    was->captured == now->captured && was->refunded == now->refunded;
}

/*
 * After the provider's call for job: locks the payment again into row and
 * checks that nothing changed it since was.  1 if so, 0 if it changed (the
 * claim makes that a fault, logged), -1 with p set.
 */
static int
relock(struct db *db, const struct job *job, const struct payment_row *was,
    struct payment_row *row, struct problem *p)
{
	int found;

	if ((found = store_pay_lock(db, job->app_id, row, p)) == -1)
		return -1;
	if (found && unchanged(was, row))
		return 1;
	log_error("payment changed during the provider's call",
	    "app=%s job=%s was=%s now=%s", job->app_id, job->id, was->status,
	    found ? row->status : "gone");
	return 0;
}

int
payment_job_capture(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p)
{
	struct payment_answer an;
	struct payment_row was, row;
	struct tx tx;
	char key[PAYMENT_KEY_LEN + 1];
	int found;

	if ((found = store_pay_lock(db, job->app_id, &was, p)) != 1)
		return found == 0 ? JOB_DONE : JOB_FAILED;
	if (strcmp(was.status, "authorised") != 0)
		return JOB_DONE; /* captured, voided or refunded already */
	if (!payment_enabled(app))
		return problem_set(p, 503, "provider-unavailable",
		    "Provider unavailable", "RXCA_PAYMENT_URL is not set");
	snprintf(key, sizeof(key), "rxca-ca-%s", job->app_id);
	if (money_call(app, db, job, now, PAYMENT_CAPTURE, key,
	        was.authorisation, was.authorised, &an, p) == -1)
		return JOB_FAILED;
	tx_join(&tx, db, now, "system");
	if ((found = relock(db, job, &was, &row, p)) == -1 ||
	    (found &&
	        store_pay_update(tx_db(&tx), job->app_id, "captured",
	            was.authorised, 0, now, p) == -1) ||
	    record(&tx, job->app_id, "capture", was.authorised, key, an.id,
	        "system", NULL, p) == -1 ||
	    (found &&
	        jobs_add(tx_db(&tx), app->cfg, JOB_EMAIL_RECEIPT, job->app_id,
	            NULL, now, p) == -1)) {
		tx_abort(&tx);
		return JOB_FAILED;
	}
	tx_abort(&tx); /* joined: the runner commits */
	log_info("payment captured", "app=%s cents=%ld", job->app_id,
	    was.authorised);
	return JOB_DONE;
}

int
payment_job_refund(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p)
{
	struct payment_answer an;
	struct payment_row was, row;
	struct tx tx;
	json_t *pl = NULL;
	json_error_t jerr;
	char key[PAYMENT_KEY_LEN + 1];
	const char *reason = NULL, *actor = "system", *kind, *status;
	long want = -1, cents, refunded;
	json_int_t asked = -1;
	int found, rc = JOB_FAILED, manual = 0;

	memset(&tx, 0, sizeof(tx));
	pl = json_loads(job->payload, 0, &jerr);
	if (pl == NULL ||
	    json_unpack_ex(pl, &jerr, 0, "{s?s, s?s, s?I, s?b}", "reason",
	        &reason, "actor", &actor, "amount_cents", &asked, "manual",
	        &manual) == -1) {
		json_decref(pl);
		return problem_set(p, 500, "internal", "Internal error",
		    "payment.refund payload: %s", jerr.text);
	}
	if ((found = store_pay_lock(db, job->app_id, &was, p)) != 1) {
		rc = found == 0 ? JOB_DONE : JOB_FAILED;
		goto out;
	}
	if (!payment_enabled(app)) {
		problem_set(p, 503, "provider-unavailable",
		    "Provider unavailable", "RXCA_PAYMENT_URL is not set");
		goto out;
	}
	if (strcmp(was.status, "authorised") == 0) {
		/* Nothing was taken yet: release the authorisation. */
		snprintf(key, sizeof(key), "rxca-vo-%s", job->app_id);
		if (money_call(app, db, job, now, PAYMENT_VOID, key,
		        was.authorisation, 0, &an, p) == -1)
			goto out;
		kind = "void";
		status = "voided";
		cents = was.authorised;
		refunded = 0;
	} else {
		want = was.captured - was.refunded;
		if (asked > 0 && asked < want)
			want = (long)asked;
		if (want <= 0 ||
		    (strcmp(was.status, "captured") != 0 &&
		        strcmp(was.status, "partially_refunded") != 0)) {
			rc = JOB_DONE; /* voided or refunded already */
			goto out;
		}
		if (manual)
			snprintf(key, sizeof(key), "rxca-re-%s-%s", job->app_id,
			    job->id);
		else
			snprintf(key, sizeof(key), "rxca-re-%s", job->app_id);
		if (money_call(app, db, job, now, PAYMENT_REFUND, key,
		        was.authorisation, want, &an, p) == -1)
			goto out;
		kind = "refund";
		cents = want;
		refunded = was.refunded + want;
		status = refunded == was.captured ? "refunded"
		                                  : "partially_refunded";
	}
	tx_join(&tx, db, now, actor);
	if ((found = relock(db, job, &was, &row, p)) == -1 ||
	    (found &&
	        store_pay_update(tx_db(&tx), job->app_id, status, was.captured,
	            refunded, now, p) == -1) ||
	    record(&tx, job->app_id, kind, cents, key, an.id, actor, reason,
	        p) == -1)
		goto out;
	log_info(
	    strcmp(kind, "void") == 0 ? "payment voided" : "payment refunded",
	    "app=%s cents=%ld", job->app_id, cents);
	rc = JOB_DONE;
out:
	tx_abort(&tx); /* joined, or never begun: the runner commits */
	json_decref(pl);
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
	struct pay_receipt_row rr;
	struct problem sendp;
	struct tx tx;
	json_t *price = NULL, *items, *it, *amt;
	json_error_t jerr;
	char *body = NULL, *lines = NULL, *next, money[32];
	const char *rate;
	size_t i;
	int found, sent, rc = JOB_FAILED;

	if ((found = store_pay_receipt(db, job->app_id, &rr, p)) != 1)
		return found == 0 ? JOB_DONE : JOB_FAILED;
	price = json_loads(rr.price != NULL ? rr.price : "{}", 0, &jerr);
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
	cents_text(rr.captured, money, sizeof(money));
	body = xprintf("Hello %s,\n\n"
	               "Thank you for your payment for application %s.\n\n"
	               "%s\n"
	               "  %-48s %12s USD\n\n"
	               "Sales tax: %s%s%s (state %s)\n"
	               "Paid with the card ending in %s.\n",
	    rr.given_name != NULL ? rr.given_name : "", job->app_id, lines,
	    "Total charged", money, rate != NULL ? rate : "none",
	    rate != NULL ? "%" : "", rate != NULL ? "" : " (untaxed)",
	    rr.state[0] != '\0' ? rr.state : "-",
	    rr.last4[0] != '\0' ? rr.last4 : "????");
	/* No transaction open across the send (jobs_pause). */
	if (jobs_pause(db, job, now, mailer_lease(app->cfg), p) == -1)
		goto out;
	problem_clear(&sendp);
	sent = mailer_send(app->mailer, rr.email != NULL ? rr.email : "",
	           "Your rxca receipt", body, &sendp) == 0;
	if (jobs_resume(db, job, p) == -1)
		goto out;
	if (!sent) {
		*p = sendp;
		goto out;
	}
	tx_join(&tx, db, now, "system");
	rc = tx_audit(&tx, "email.receipt_sent", job->app_id, NULL, p) == 0
	    ? JOB_DONE
	    : JOB_FAILED;
	tx_abort(&tx); /* joined: the runner commits */
out:
	free(body);
	free(lines);
	json_decref(price);
	store_pay_receipt_free(&rr);
	return rc;
}

int
payment_sweep(struct app *app, struct db *db, time_t now)
{
	struct provider_endpoint ep;
	struct payment_answer an, vo;
	struct pay_orphan orphans[STORE_PAY_ORPHANS];
	struct problem p;
	struct tx tx;
	char key[PAYMENT_KEY_LEN + 1];
	const char *ikey;
	json_t *details;
	size_t i, norphans = 0;
	int n = 0, rc;

	if (!payment_enabled(app))
		return 0;
	problem_clear(&p);
	/* Which intents are orphans: a short transaction of its own, that
	 * skips the intents being attached right now. */
	if (tx_begin(&tx, db, now, "system", &p) == -1)
		return -1;
	if (store_pay_orphans(tx_db(&tx),
	        now - app->cfg->payment_orphan_seconds, orphans, &norphans,
	        &p) == -1 ||
	    tx_commit(&tx, &p) == -1) {
		tx_abort(&tx);
		return -1;
	}
	endpoint(app, &ep);
	for (i = 0; i < norphans; i++) {
		ikey = orphans[i].key;
		/* The same key answers the same authorisation (or makes the
		 * one that never arrived, to be voided at once); no
		 * transaction is open across the calls. */
		if (provider_payment_call(&ep, PAYMENT_AUTHORISE, ikey,
		        orphans[i].card_token, ikey, orphans[i].cents, &an,
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
		problem_clear(&p);
		if (tx_begin(&tx, db, now, "system", &p) == -1)
			return -1;
		rc = store_pay_intent_voided(
		    tx_db(&tx), ikey, now, an.approved ? an.id : NULL, &p);
		if (rc == 0) {
			/* Another sweep marked it, or (an application slower
			 * than RXCA_PAYMENT_ORPHAN_SECONDS) it was attached
			 * while the call was made. */
			log_warn("orphan payment: no longer an orphan",
			    "key=%s", ikey);
			tx_abort(&tx);
			continue;
		}
		details = json_pack("{s:s, s:s?, s:I}", "idempotency_key", ikey,
		    "authorisation", an.approved ? an.id : NULL, "amount_cents",
		    (json_int_t)orphans[i].cents);
		rc = rc == -1
		    ? -1
		    : tx_audit(&tx, "payment.orphan_voided", ikey, details, &p);
		json_decref(details);
		if (rc == -1 || tx_commit(&tx, &p) == -1) {
			tx_abort(&tx);
			return -1;
		}
		log_warn("orphan payment voided", "key=%s", ikey);
		n++;
	}
	return n;
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
