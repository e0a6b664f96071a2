#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "api/config.h"
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

#define BUSY_ATTEMPTS      30 /* tries of a job that finds the partner busy */
#define HOOK_LEASE_SLACK   60 /* seconds a POST may pass its timeout */
#define REDELIVER_ATTEMPTS 8  /* tries of one redelivery */

/* Appends ",v1=<hex HMAC-SHA256(secret, "<t>.<body>")>" to buf. */
static void
sign_append(const char *secret, const char *msg, char *buf, size_t bufsz)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned int maclen = 0;
	size_t len = strlen(buf);

	HMAC(EVP_sha256(), secret, (int)strlen(secret),
	    (const unsigned char *)msg, strlen(msg), mac, &maclen);
	digest_hex(mac, maclen, hex);
	if (len < bufsz)
		snprintf(buf + len, bufsz - len, ",v1=%s", hex);
	OPENSSL_cleanse(mac, sizeof(mac));
	OPENSSL_cleanse(hex, sizeof(hex));
}

void
webhook_sign(
    const char *secret, time_t t, const char *body, char *buf, size_t bufsz)
{
	webhook_sign_two(secret, NULL, t, body, buf, bufsz);
}

void
webhook_sign_two(const char *secret, const char *old_secret, time_t t,
    const char *body, char *buf, size_t bufsz)
{
	char *msg;

	msg = xprintf("%lld.%s", (long long)t, body);
	snprintf(buf, bufsz, "t=%lld", (long long)t);
	sign_append(secret, msg, buf, bufsz);
	if (old_secret != NULL)
		sign_append(old_secret, msg, buf, bufsz);
	free(msg);
}

int
webhook_verify(const char *secret, const char *header, const char *body,
    time_t now, long tolerance)
{
	char want[WEBHOOK_SIG_LEN];
	const char *v1, *mine;
	char *end;
	long long t;
	int n = 0, ok = 0;

	if (header == NULL || strncmp(header, "t=", 2) != 0)
		return 0;
	t = strtoll(header + 2, &end, 10);
	if (end == header + 2 || strncmp(end, ",v1=", 4) != 0)
		return 0;
	if (t < (long long)now - tolerance || t > (long long)now + tolerance)
		return 0;
	webhook_sign(secret, (time_t)t, body, want, sizeof(want));
	mine = strstr(want, ",v1=") + 4;
	/* Each ",v1=<64 hex>" in turn; any one that matches will do. */
	for (v1 = end; *v1 != '\0'; v1 += 4 + 64, n++) {
		if (n == 2 || strncmp(v1, ",v1=", 4) != 0 ||
		    strlen(v1 + 4) < 64 ||
		    (v1[4 + 64] != '\0' && v1[4 + 64] != ','))
			return 0;
		ok |= CRYPTO_memcmp(mine, v1 + 4, 64) == 0;
	}
	return ok;
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
webhook_kick(struct db *db, const char *partner, const char *key, time_t now,
    struct problem *p)
{
	char *payload;
	json_t *o;
	int rc;

	o = key != NULL
	    ? json_pack("{s:s, s:s}", "partner", partner, "key", key)
	    : json_pack("{s:s}", "partner", partner);
	payload = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	rc = jobs_add(db, NULL, JOB_WEBHOOK_DELIVER, NULL, payload, now, p);
	free(payload);
	return rc;
}

int
webhook_emit(struct db *db, const char *type, const char *app_id, json_t *data,
    time_t now, struct problem *p)
{
	char id[WEBHOOK_EVENT_ID_SZ], *body = NULL, *key;
	struct hook_event_new e;
	struct hook_seq sq;
	const char *serial;
	json_t *o;
	int rc, found;

	if ((found = store_hook_sequence_next(db, app_id, &sq, p)) != 1)
		return found; /* no partner for the program: 0 */
	/* A certificate's events in order per certificate, the others per
	 * application: one failing event holds back only its own kind. */
	serial = json_string_value(json_object_get(data, "serial"));
	key = serial != NULL ? xprintf("cert:%s", serial)
	                     : xprintf("app:%s", app_id);
	rand_id("evt_", id, sizeof(id));
	o = json_pack("{s:s, s:s, s:o, s:O, s:I, s:s}", "id", id, "type", type,
	    "created_at", wallclock_json(now), "data", data, "sequence",
	    (json_int_t)sq.sequence, "ordering_key", key);
	body = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (body == NULL) {
		free(key);
		return problem_internal(p);
	}
	memset(&e, 0, sizeof(e));
	e.id = id;
	e.partner = sq.partner;
	e.app = app_id;
	e.type = type;
	e.order_key = key;
	e.sequence = sq.sequence;
	e.body = body;
	e.pending = sq.has_webhook;
	rc = store_hook_event_insert(db, &e, now, p);
	if (rc == 0 && sq.has_webhook)
		rc = webhook_kick(db, sq.partner, key, now, p);
	free(body);
	free(key);
	return rc;
}

int
webhook_emit_cert_of(struct db *db, const char *type,
    const unsigned char *serial, const struct hook_cert_row *c, time_t now,
    struct problem *p)
{
	char hex[2 * 16 + 1];
	json_t *data;
	int rc;

	if (!c->has_program)
		return 0; /* no program, no partner */
	digest_hex(serial, 16, hex);
	data = json_pack("{s:s, s:s, s:s, s:o, s:o}", "serial", hex,
	    "application_id", c->app, "subject",
	    c->subject != NULL ? c->subject : "", "not_before",
	    wallclock_json(c->not_before), "not_after",
	    wallclock_json(c->not_after));
	if (c->reason[0] != '\0') {
		json_object_set_new(
		    data, "revocation_reason", json_string(c->reason));
		json_object_set_new(
		    data, "revoked_at", wallclock_json(c->revoked_at));
	}
	rc = webhook_emit(db, type, c->app, data, now, p);
	json_decref(data);
	return rc;
}

int
webhook_emit_cert(struct db *db, const char *type, const unsigned char *serial,
    time_t now, struct problem *p)
{
	struct hook_cert_row c;
	int found, rc = 0;

	if ((found = store_hook_cert(db, serial, &c, p)) == -1)
		rc = -1;
	else if (found == 1)
		rc = webhook_emit_cert_of(db, type, serial, &c, now, p);
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

/* The result of one POST of an event. */
struct hook_post {
	int ok;        /* a 2xx answer */
	int status;    /* HTTP status, 0 for none */
	long ms;       /* how long it took */
	char err[256]; /* why not, "" if ok */
	char secret_ids[2 * STORE_HOOK_SECRET_ID_MAX]; /* which signed */
};

/*
 * POSTs event ev to receiver t, signed by its secret and, during a
 * rotation's overlap, by the previous one too, with no transaction open
 * (the caller paused its job).  Fills r.
 */
static void
post_event(const struct config *c, const struct hook_target *t,
    const struct hook_event_row *ev, struct hook_post *r)
{
	struct webhook_request rq;
	struct timespec t0;
	char sig[WEBHOOK_SIG_LEN], hsig[WEBHOOK_SIG_LEN + 32];
	char hid[STORE_HOOK_ID_MAX + 32], htype[96], hseq[64];

	memset(r, 0, sizeof(*r));
	webhook_sign_two(t->secret, t->old_secret, wallclock_now(), ev->body,
	    sig, sizeof(sig));
	snprintf(r->secret_ids, sizeof(r->secret_ids), "%s%s%s", t->secret_id,
	    t->old_secret != NULL ? "," : "",
	    t->old_secret != NULL ? t->old_secret_id : "");
	snprintf(hsig, sizeof(hsig), "Rxca-Signature: %s", sig);
	snprintf(hid, sizeof(hid), "Rxca-Event-Id: %s", ev->id);
	snprintf(htype, sizeof(htype), "Rxca-Event-Type: %s", ev->type);
	snprintf(hseq, sizeof(hseq), "Rxca-Event-Sequence: %lld", ev->sequence);
	memset(&rq, 0, sizeof(rq));
	rq.url = t->url;
	rq.body = ev->body;
	rq.headers[0] = hid;
	rq.headers[1] = htype;
	rq.headers[2] = hsig;
	rq.headers[3] = hseq;
	rq.connect_ms = c->webhook_connect_ms;
	rq.total_ms = c->webhook_timeout_ms;
	rq.ca_file = c->provider_ca_file;
	rq.allow_private = c->webhook_allow_private;
	rq.resolve_file = c->test_resolve_file;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r->ok =
	    webhook_http_post(&rq, &r->status, r->err, sizeof(r->err)) == 0 &&
	    r->status >= 200 && r->status < 300;
	r->ms = ms_since(&t0);
	OPENSSL_cleanse(sig, sizeof(sig));
	OPENSSL_cleanse(hsig, sizeof(hsig));
	if (r->ok)
		r->err[0] = '\0';
	else if (r->err[0] == '\0')
		snprintf(r->err, sizeof(r->err), "the receiver answered %d",
		    r->status);
}

/* Logs one try of event ev. */
static int
log_try(struct db *db, const struct hook_event_row *ev, int attempt, time_t at,
    const char *url, const struct hook_post *r, const char *outcome,
    int redelivery, struct problem *p)
{
	struct hook_try t;

	t.seq = ev->seq;
	t.partner = ev->partner;
	t.attempt = attempt;
	t.at = at;
	t.url = url;
	t.status = r->status;
	t.error = r->err[0] != '\0' ? r->err : NULL;
	t.ms = r->ms;
	t.outcome = outcome;
	t.secret_ids = r->secret_ids;
	t.redelivery = redelivery;
	return store_hook_log(db, &t, p);
}

/* Seconds a job leases itself for one POST. */
static int
post_lease(const struct config *c)
{
	return (c->webhook_connect_ms + c->webhook_timeout_ms) / 1000 +
	    HOOK_LEASE_SLACK;
}

/*
 * Sends event ev (the head of its lane) to the receiver t, for job (inside
 * the runner's transaction, which holds the lane): holds the event for the
 * delivery (no other delivery tries it before the lease ends), commits
 * with a lease on the job (jobs_pause), so that no transaction and no lock
 * is held across the POST, and resumes the job's transaction to record
 * the try.  1 if delivered, 0 if it failed (recorded, retry queued or
 * marked dead: *stop set when the lane's next event must wait), -1 on a
 * database error.
 */
static int
deliver_one(struct app *app, struct db *db, const struct job *job,
    const struct hook_target *t, const struct hook_event_row *ev, time_t now,
    int *stop, struct problem *p)
{
	const struct config *c = app->cfg;
	struct hook_post r;
	time_t deadline, next, first;
	int attempt = ev->attempts + 1, dead, wait, lease = post_lease(c);

	*stop = 0;
	if (store_hook_lease(db, ev->seq, now + lease, p) == -1 ||
	    jobs_pause(db, job, now, lease, p) == -1)
		return -1;
	post_event(c, t, ev, &r);
	if (jobs_resume(db, job, p) == -1)
		return -1;
	if (r.ok) {
		if (store_hook_delivered(db, ev->seq, now, p) == -1 ||
		    log_try(db, ev, attempt, now, t->url, &r, "delivered", 0,
		        p) == -1)
			return -1;
		log_info("webhook delivered",
		    "partner=%s event=%s sequence=%lld try=%d ms=%ld "
		    "secrets=%s",
		    ev->partner, ev->id, ev->sequence, attempt, r.ms,
		    r.secret_ids);
		return 1;
	}
	/*
	 * The retry window counts from this event's first try, not from
	 * its creation: an event that waited behind a failing one of its
	 * lane still gets its whole window.
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
	    log_try(db, ev, attempt, now, t->url, &r, dead ? "dead" : "failed",
	        0, p) == -1)
		return -1;
	if (dead) {
		log_error("webhook event dead", "partner=%s event=%s tries=%d",
		    ev->partner, ev->id, attempt);
		return 0;
	}
	log_warn("webhook delivery failed",
	    "partner=%s event=%s key=%s try=%d retry_in=%d error=\"%s\"",
	    ev->partner, ev->id, ev->order_key, attempt, (int)(next - now),
	    r.err);
	*stop = 1;
	return webhook_kick(db, ev->partner, ev->order_key, next, p) == -1 ? -1
	                                                                   : 0;
}

/* Queues a delivery of lane (partner, key) (a store_hook_lane_fn; arg:
 * the time). */
static int
kick_lane(struct db *db, const char *partner, const char *key, void *arg,
    struct problem *p)
{
	return webhook_kick(db, partner, key, *(const time_t *)arg, p);
}

/* Delivers lane (partner, key) in order, up to WEBHOOK_BATCH events. */
static int
deliver_lane(struct app *app, struct db *db, const struct job *job,
    const char *partner, const char *key, time_t now, struct problem *p)
{
	struct hook_target t;
	struct hook_event_row ev;
	int i, found, stop = 0, rc = JOB_FAILED;

	memset(&t, 0, sizeof(t));
	if ((found = store_hook_lane_lock(db, partner, key, 0, p)) == -1)
		return JOB_FAILED;
	if (found == 0) {
		/* Not a conflict: another run is choosing this lane's
		 * event; the same delivery succeeds once it ends. */
		problem_set(p, 503, "busy", "Try again",
		    "another delivery of this lane is choosing its event");
		p->retry_after = 1;
		return JOB_FAILED; /* tried again shortly */
	}
	for (i = 0; i < WEBHOOK_BATCH && !stop; i++) {
		/* After a delivery (the job's transaction was paused): the
		 * lane again, waiting for another run choosing its event,
		 * and the receiver again (it may have changed). */
		store_hook_target_free(&t);
		if (i > 0 && store_hook_lane_lock(db, partner, key, 1, p) == -1)
			goto out;
		if ((found = store_hook_target(db, partner, now, &t, p)) == -1)
			goto out;
		if (found == 0)
			break; /* no webhook: nothing to send */
		if ((found = store_hook_head(db, partner, key, &ev, p)) == -1)
			goto out;
		if (found == 0 || ev.next_at > now) {
			/* None left; or the head waits for its retry (which
			 * its failure queued); or it was never tried: newer
			 * than this run's clock, or held by a delivery in
			 * flight, whose run may have ended before it came.
			 * Then a run of its own when it is due. */
			rc = found == 1 && ev.attempts == 0
			    ? webhook_kick(db, partner, key, ev.next_at, p)
			    : 0;
			store_hook_event_free(&ev);
			if (rc == -1)
				goto out;
			rc = JOB_FAILED;
			break;
		}
		found = deliver_one(app, db, job, &t, &ev, now, &stop, p);
		store_hook_event_free(&ev);
		if (found == -1)
			goto out;
	}
	/* A full batch: the rest in a run of its own. */
	if (i == WEBHOOK_BATCH && !stop &&
	    webhook_kick(db, partner, key, now, p) == -1)
		goto out;
	rc = JOB_DONE;
out:
	store_hook_target_free(&t);
	return rc;
}

int
webhook_job_deliver(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p)
{
	char partner[STORE_HOOK_ID_MAX], key[STORE_HOOK_ID_MAX + 8];
	json_error_t jerr;
	json_t *pl;
	const char *s = NULL, *k = NULL;

	pl = json_loads(job->payload, 0, &jerr);
	if (pl == NULL ||
	    json_unpack(pl, "{s:s, s?s}", "partner", &s, "key", &k) == -1 ||
	    strlen(s) >= sizeof(partner) ||
	    (k != NULL && strlen(k) >= sizeof(key))) {
		json_decref(pl);
		log_error("webhook job without a partner", "job=%s", job->id);
		return JOB_DONE;
	}
	snprintf(partner, sizeof(partner), "%s", s);
	snprintf(key, sizeof(key), "%s", k != NULL ? k : "");
	json_decref(pl);
	if (key[0] == '\0')
		/* The whole partner (a new receiver): a run per lane. */
		return store_hook_lanes(db, partner, kick_lane, &now, p) == -1
		    ? JOB_FAILED
		    : JOB_DONE;
	return deliver_lane(app, db, job, partner, key, now, p);
}

int
webhook_redeliver(struct db *db, const char *partner, const char *id,
    time_t now, enum webhook_redelivery *what, struct problem *p)
{
	struct hook_event_row ev;
	char *payload = NULL;
	int found, rc = -1;

	*what = WEBHOOK_REDELIVERY_QUEUED;
	if ((found = store_hook_event_get(db, partner, id, 1, &ev, p)) != 1) {
		if (found == 0)
			problem_set(p, 404, "not-found", "Not found",
			    "No such event of this partner.");
		goto out;
	}
	if ((found = store_hook_exists(db, partner, p)) != 1) {
		if (found == 0)
			problem_set(p, 409, "conflict", "Conflict",
			    "No webhook is set; PUT one first.");
		goto out;
	}
	if (strcmp(ev.state, "pending") == 0) {
		/* Its lane delivers it: at most a run now. */
		*what = WEBHOOK_REDELIVERY_PENDING;
		rc = webhook_kick(db, partner, ev.order_key, now, p);
		goto out;
	}
	/* The event row is locked: a concurrent redeliver waits here and
	 * then finds this one's job. */
	if ((found = store_hook_redelivery_queued(db, ev.seq, p)) != 0) {
		*what = WEBHOOK_REDELIVERY_ALREADY;
		rc = found == 1 ? 0 : -1;
		goto out;
	}
	payload = xprintf("{\"event\":%lld}", ev.seq);
	rc = jobs_add(db, NULL, JOB_WEBHOOK_RESEND, NULL, payload, now, p);
out:
	free(payload);
	store_hook_event_free(&ev);
	return rc;
}

int
webhook_job_redeliver(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p)
{
	struct hook_target t;
	struct hook_event_row ev;
	struct hook_post r;
	json_error_t jerr;
	json_int_t seq = 0;
	json_t *pl;
	int found, rc = JOB_FAILED;

	memset(&t, 0, sizeof(t));
	memset(&ev, 0, sizeof(ev));
	pl = json_loads(job->payload, 0, &jerr);
	found = pl != NULL && json_unpack(pl, "{s:I}", "event", &seq) == 0;
	json_decref(pl);
	if (!found) {
		log_error(
		    "webhook redelivery without an event", "job=%s", job->id);
		return JOB_DONE;
	}
	if ((found = store_hook_event_by_seq(db, (long long)seq, &ev, p)) !=
	        1 ||
	    (found = store_hook_target(db, ev.partner, now, &t, p)) != 1) {
		rc = found == 0 ? JOB_DONE : JOB_FAILED; /* gone: nothing */
		goto out;
	}
	if (jobs_pause(db, job, now, post_lease(app->cfg), p) == -1)
		goto out;
	post_event(app->cfg, &t, &ev, &r);
	if (jobs_resume(db, job, p) == -1 ||
	    log_try(db, &ev, job->attempt, now, t.url, &r,
	        r.ok ? "delivered"
	             : (job->attempt >= job->max_attempts ? "dead" : "failed"),
	        1, p) == -1)
		goto out;
	log_info("webhook redelivered",
	    "partner=%s event=%s try=%d ok=%d ms=%ld secrets=%s", ev.partner,
	    ev.id, job->attempt, r.ok, r.ms, r.secret_ids);
	if (r.ok) {
		rc = JOB_DONE;
		goto out;
	}
	problem_set(p, 503, "busy", "Try again", "%s", r.err);
	rc = JOB_DEFERRED; /* the try is recorded; the runner backs off */
out:
	store_hook_target_free(&t);
	store_hook_event_free(&ev);
	return rc;
}

int
webhook_rotate(struct db *db, const struct config *cfg, const char *partner,
    long overlap, time_t now, struct webhook_rotation *out, struct problem *p)
{
	int found;

	memset(out, 0, sizeof(*out));
	if (overlap < 0)
		overlap = cfg->webhook_secret_overlap;
	if (overlap > cfg->webhook_secret_overlap)
		return problem_field(p, "overlap_seconds",
		    "at most RXCA_WEBHOOK_SECRET_OVERLAP seconds");
	rand_token(WEBHOOK_SECRET_BYTES, out->secret, sizeof(out->secret));
	rand_id("whs_", out->secret_id, sizeof(out->secret_id));
	out->old_until = now + (time_t)overlap;
	if ((found = store_hook_rotate(db, partner, out->secret, out->secret_id,
	         out->old_until, now, p)) == 0)
		problem_set(p, 404, "not-found", "Not found",
		    "No webhook is set; PUT one.");
	return found == 1 ? 0 : -1;
}

/* Counts the deliveries the sweep queues (a store_hook_lane_fn). */
struct stranded {
	time_t now;
	int n;
};

static int
kick_stranded(struct db *db, const char *partner, const char *key, void *arg,
    struct problem *p)
{
	struct stranded *st = arg;

	if (webhook_kick(db, partner, key, st->now, p) == -1)
		return -1;
	st->n++;
	return 0;
}

/* Events and deliveries older than RXCA_WEBHOOK_KEEP_DAYS go, at most
 * this many of each a sweep (the rest at the next). */
#define PURGE_BATCH 5000

int
webhook_purge(const struct config *cfg, struct db *db, time_t now)
{
	long events, deliveries;
	struct problem p;
	struct tx tx;

	problem_clear(&p);
	if (tx_begin(&tx, db, now, "system", &p) == -1)
		return -1;
	if (store_hook_purge(tx_db(&tx),
	        now - (time_t)cfg->webhook_keep_days * 86400, PURGE_BATCH,
	        &events, &deliveries, &p) == -1 ||
	    tx_commit(&tx, &p) == -1) {
		tx_abort(&tx);
		log_warn("webhook purge failed", "error=\"%s\"", p.detail);
		return -1;
	}
	if (events > 0 || deliveries > 0)
		log_info("webhook events purged", "events=%ld deliveries=%ld",
		    events, deliveries);
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
	webhook_purge(app->cfg, db, now);
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
    {.name = JOB_WEBHOOK_RESEND,
        .run = webhook_job_redeliver,
        .max_attempts = REDELIVER_ATTEMPTS,
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
