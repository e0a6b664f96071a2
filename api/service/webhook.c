#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "api/service/app.h"
#include "api/jobs/jobkinds.h"
#include "api/jobs/jobs.h"
#include "api/store/store_webhook.h"
#include "api/store/tx.h"
#include "api/service/webhook.h"
#include "api/out/webhook_http.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/rand.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

#define BUSY_ATTEMPTS    30 /* tries of a job that finds the partner busy */
#define HOOK_LEASE_SLACK 60 /* seconds a POST may pass its timeout */

void
webhook_sign(
    const char *secret, time_t t, const char *body, char *buf, size_t bufsz)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned int maclen = 0;
	char *msg;

	msg = xprintf("%lld.%s", (long long)t, body);
	HMAC(EVP_sha256(), secret, (int)strlen(secret),
	    (const unsigned char *)msg, strlen(msg), mac, &maclen);
	digest_hex(mac, maclen, hex);
	snprintf(buf, bufsz, "t=%lld,v1=%s", (long long)t, hex);
	OPENSSL_cleanse(mac, sizeof(mac));
	free(msg);
}

int
webhook_verify(const char *secret, const char *header, const char *body,
    time_t now, long tolerance)
{
	char want[WEBHOOK_SIG_LEN];
	const char *v1;
	char *end;
	long long t;

	if (header == NULL || strncmp(header, "t=", 2) != 0)
		return 0;
	t = strtoll(header + 2, &end, 10);
	if (end == header + 2 || strncmp(end, ",v1=", 4) != 0)
		return 0;
	v1 = end + 4;
	if (strlen(v1) != 64)
		return 0;
	if (t < (long long)now - tolerance || t > (long long)now + tolerance)
		return 0;
	webhook_sign(secret, (time_t)t, body, want, sizeof(want));
	return strlen(want) == strlen(header) &&
	    CRYPTO_memcmp(want, header, strlen(want)) == 0;
}

int
webhook_url_check(const char *url, int allow_private, const char *resolve_file,
    struct problem *p)
{
	struct webhook_url u;
	struct webhook_addrs addrs;

	if (webhook_url_parse(url, allow_private, &u, p) == -1)
		return -1;
	switch (webhook_resolve(&u, allow_private, resolve_file, &addrs)) {
	case WEBHOOK_RESOLVED:
		return 0;
	case WEBHOOK_REFUSED:
		return problem_field(p, "url",
		    "the host resolves to an address that is not public "
		    "(loopback, private, link-local, multicast or reserved)");
	default:
		return problem_field(
		    p, "url", "the host name does not resolve");
	}
}

int
webhook_kick(struct db *db, const char *partner, time_t now, struct problem *p)
{
	char *payload;
	json_t *o;
	int rc;

	o = json_pack("{s:s}", "partner", partner);
	payload = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	rc = jobs_add(db, NULL, JOB_WEBHOOK_DELIVER, NULL, payload, now, p);
	free(payload);
	return rc;
}

/* Queues the delivery of partner (a store_hook_partner_fn; arg: now). */
static int
kick_one(struct db *db, const char *partner, void *arg, struct problem *p)
{
	return webhook_kick(db, partner, *(const time_t *)arg, p);
}

int
webhook_emit(struct db *db, const char *type, const char *app_id, json_t *data,
    time_t now, struct problem *p)
{
	char id[WEBHOOK_EVENT_ID_SZ], *body = NULL;
	json_t *o;
	int rc;

	rand_id("evt_", id, sizeof(id));
	o = json_pack("{s:s, s:s, s:o, s:O}", "id", id, "type", type,
	    "created_at", wallclock_json(now), "data", data);
	body = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (body == NULL)
		return problem_internal(p);
	rc = store_hook_event_insert(
	    db, id, app_id, type, body, now, kick_one, &now, p);
	free(body);
	return rc;
}

int
webhook_emit_cert(struct db *db, const char *type, const unsigned char *serial,
    time_t now, struct problem *p)
{
	struct hook_cert_row c;
	char hex[2 * 16 + 1];
	json_t *data;
	int found, rc;

	if ((found = store_hook_cert(db, serial, &c, p)) != 1 ||
	    !c.has_program) {
		store_hook_cert_free(&c);
		return found == -1 ? -1 : 0; /* no program, no partner */
	}
	digest_hex(serial, 16, hex);
	data = json_pack("{s:s, s:s, s:s, s:o, s:o}", "serial", hex,
	    "application_id", c.app, "subject",
	    c.subject != NULL ? c.subject : "", "not_before",
	    wallclock_json(c.not_before), "not_after",
	    wallclock_json(c.not_after));
	if (c.reason[0] != '\0') {
		json_object_set_new(
		    data, "revocation_reason", json_string(c.reason));
		json_object_set_new(
		    data, "revoked_at", wallclock_json(c.revoked_at));
	}
	rc = webhook_emit(db, type, c.app, data, now, p);
	json_decref(data);
	store_hook_cert_free(&c);
	return rc;
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long)((t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

/* Logs one try of event ev. */
static int
log_try(struct db *db, const struct hook_event_row *ev, const char *partner,
    int attempt, time_t at, const char *url, int status, const char *err,
    long ms, const char *outcome, struct problem *p)
{
	struct hook_try t;

	t.seq = ev->seq;
	t.partner = partner;
	t.attempt = attempt;
	t.at = at;
	t.url = url;
	t.status = status;
	t.error = err[0] != '\0' ? err : NULL;
	t.ms = ms;
	t.outcome = outcome;
	return store_hook_log(db, &t, p);
}

/*
 * Sends event ev to the receiver t of partner, for job (inside the
 * runner's transaction, which holds the receiver's row): holds the event
 * for the delivery (no other delivery tries it before the lease ends),
 * commits with a lease on the job (jobs_pause), so that no transaction and
 * no lock is held across the POST, and resumes the job's transaction to
 * record the try.  1 if delivered, 0 if it failed (recorded, retry queued
 * or marked dead: *stop set when the next event must wait), -1 on a
 * database error.
 */
static int
deliver_one(struct app *app, struct db *db, const struct job *job,
    const char *partner, const struct hook_target *t,
    const struct hook_event_row *ev, time_t now, int *stop, struct problem *p)
{
	const struct config *c = app->cfg;
	struct webhook_request rq;
	struct timespec t0;
	char sig[WEBHOOK_SIG_LEN], hsig[WEBHOOK_SIG_LEN + 32];
	char hid[STORE_HOOK_ID_MAX + 32], htype[96], err[256];
	time_t deadline, next, first;
	long ms;
	int attempt = ev->attempts + 1, status = 0, ok, dead, wait, lease;

	*stop = 0;
	err[0] = '\0';
	lease = (c->webhook_connect_ms + c->webhook_timeout_ms) / 1000 +
	    HOOK_LEASE_SLACK;
	if (store_hook_lease(db, ev->seq, now + lease, p) == -1 ||
	    jobs_pause(db, job, now, lease, p) == -1)
		return -1;
	webhook_sign(t->secret, wallclock_now(), ev->body, sig, sizeof(sig));
	snprintf(hsig, sizeof(hsig), "Rxca-Signature: %s", sig);
	snprintf(hid, sizeof(hid), "Rxca-Event-Id: %s", ev->id);
	snprintf(htype, sizeof(htype), "Rxca-Event-Type: %s", ev->type);
	memset(&rq, 0, sizeof(rq));
	rq.url = t->url;
	rq.body = ev->body;
	rq.headers[0] = hid;
	rq.headers[1] = htype;
	rq.headers[2] = hsig;
	rq.connect_ms = c->webhook_connect_ms;
	rq.total_ms = c->webhook_timeout_ms;
	rq.ca_file = c->provider_ca_file;
	rq.allow_private = c->webhook_allow_private;
	rq.resolve_file = c->test_resolve_file;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ok = webhook_http_post(&rq, &status, err, sizeof(err)) == 0 &&
	    status >= 200 && status < 300;
	ms = ms_since(&t0);
	OPENSSL_cleanse(sig, sizeof(sig));
	OPENSSL_cleanse(hsig, sizeof(hsig));
	if (jobs_resume(db, job, p) == -1)
		return -1;
	if (!ok && err[0] == '\0')
		snprintf(err, sizeof(err), "the receiver answered %d", status);
	if (ok) {
		if (store_hook_delivered(db, ev->seq, now, p) == -1 ||
		    log_try(db, ev, partner, attempt, now, t->url, status, "",
		        ms, "delivered", p) == -1)
			return -1;
		log_info("webhook delivered",
		    "partner=%s event=%s try=%d ms=%ld", partner, ev->id,
		    attempt, ms);
		return 1;
	}
	/*
	 * The retry window counts from this event's first try, not from
	 * its creation: an event that waited behind a failing one still gets
	 * its whole window.
	 */
	first = now;
	if (attempt > 1 && store_hook_first_try(db, ev->seq, &first, p) == -1)
		return -1;
	if (first == 0)
		first = now;
	deadline = first + (time_t)c->webhook_retry_hours * 3600;
	dead = now >= deadline;
	wait = jobs_backoff(
	    attempt, c->webhook_backoff_max, rand_uniform(1U << 30));
	next = now + wait < deadline ? now + wait : deadline;
	if (store_hook_failed(
	        db, ev->seq, next, dead ? "dead" : "pending", p) == -1 ||
	    log_try(db, ev, partner, attempt, now, t->url, status, err, ms,
	        dead ? "dead" : "failed", p) == -1)
		return -1;
	if (dead) {
		log_error("webhook event dead", "partner=%s event=%s tries=%d",
		    partner, ev->id, attempt);
		return 0;
	}
	log_warn("webhook delivery failed",
	    "partner=%s event=%s try=%d retry_in=%d error=\"%s\"", partner,
	    ev->id, attempt, (int)(next - now), err);
	*stop = 1;
	return webhook_kick(db, partner, next, p) == -1 ? -1 : 0;
}

int
webhook_job_deliver(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p)
{
	struct hook_target t;
	struct hook_event_row ev;
	char partner[64];
	json_error_t jerr;
	json_t *pl;
	const char *s = NULL;
	int i, found, stop = 0, rc = JOB_FAILED;

	memset(&t, 0, sizeof(t));
	pl = json_loads(job->payload, 0, &jerr);
	if (pl == NULL || json_unpack(pl, "{s:s}", "partner", &s) == -1 ||
	    strlen(s) >= sizeof(partner)) {
		json_decref(pl);
		log_error("webhook job without a partner", "job=%s", job->id);
		return JOB_DONE;
	}
	snprintf(partner, sizeof(partner), "%s", s);
	json_decref(pl);
	if ((found = store_hook_lock(db, partner, 0, &t, p)) == -1)
		return JOB_FAILED;
	if (found == 0) {
		/* Held by a delivery choosing its event, or no webhook. */
		if ((found = store_hook_exists(db, partner, p)) == -1)
			return JOB_FAILED;
		if (found == 0)
			return JOB_DONE;
		/* Not a conflict: the same delivery succeeds once the other
		 * ends, as db.c's "busy". */
		problem_set(p, 503, "busy", "Try again",
		    "another delivery to this partner is in flight");
		p->retry_after = 1;
		return JOB_FAILED; /* tried again shortly */
	}
	for (i = 0; i < WEBHOOK_BATCH && !stop; i++) {
		/* After a delivery: the receiver again (it may have
		 * changed), waiting for another run choosing its event. */
		if (i > 0) {
			store_hook_target_free(&t);
			if ((found = store_hook_lock(db, partner, 1, &t, p)) ==
			    -1)
				goto out;
			if (found == 0)
				break;
		}
		if ((found = store_hook_head(db, partner, &ev, p)) == -1)
			goto out;
		if (found == 0 || ev.next_at > now) {
			/* None left; or the head waits for its retry (which
			 * its failure queued); or it was never tried: newer
			 * than this run's clock, or held by a delivery in
			 * flight, whose run may have ended before it came.
			 * Then a run of its own when it is due. */
			rc = found == 1 && ev.attempts == 0
			    ? webhook_kick(db, partner, ev.next_at, p)
			    : 0;
			store_hook_event_free(&ev);
			if (rc == -1)
				goto out;
			rc = JOB_FAILED;
			break;
		}
		found =
		    deliver_one(app, db, job, partner, &t, &ev, now, &stop, p);
		store_hook_event_free(&ev);
		if (found == -1)
			goto out;
	}
	/* A full batch: the rest in a run of its own. */
	if (i == WEBHOOK_BATCH && !stop &&
	    webhook_kick(db, partner, now, p) == -1)
		goto out;
	rc = JOB_DONE;
out:
	store_hook_target_free(&t);
	return rc;
}

/* Counts the deliveries the sweep queues (a store_hook_partner_fn). */
struct stranded {
	time_t now;
	int n;
};

static int
kick_stranded(struct db *db, const char *partner, void *arg, struct problem *p)
{
	struct stranded *st = arg;

	if (webhook_kick(db, partner, st->now, p) == -1)
		return -1;
	st->n++;
	return 0;
}

int
webhook_sweep(struct app *app, struct db *db, time_t now)
{
	struct stranded st = {now, 0};
	struct problem p;
	struct tx tx;

	(void)app;
	problem_clear(&p);
	if (tx_begin(&tx, db, now, "system", &p) == -1)
		return 0;
	if (store_hook_stranded(tx_db(&tx), now, kick_stranded, &st, &p) ==
	        -1 ||
	    store_hook_challenges_purge(tx_db(&tx), now, &p) == -1 ||
	    tx_commit(&tx, &p) == -1) {
		tx_abort(&tx);
		return 0;
	}
	if (st.n > 0)
		log_info(
		    "webhook deliveries queued by the sweep", "count=%d", st.n);
	return st.n;
}

static void
sweep(struct app *app, struct db *db, time_t now)
{
	(void)webhook_sweep(app, db, now);
}

static const struct job_kind webhook_kinds[] = {
    {.name = JOB_WEBHOOK_DELIVER,
        .run = webhook_job_deliver,
        .max_attempts = BUSY_ATTEMPTS,
        .backoff = JOB_BACKOFF_JOB},
};

int
webhook_jobs_register(void)
{
	if (jobs_register_all(webhook_kinds,
	        sizeof(webhook_kinds) / sizeof(webhook_kinds[0])) == -1)
		return -1;
	return jobs_register_sweep("webhook", sweep);
}
