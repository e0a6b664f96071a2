#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "api/app.h"
#include "api/db.h"
#include "api/handler.h"
#include "api/jobkinds.h"
#include "api/jobs.h"
#include "api/store_partner.h"
#include "api/webhook.h"
#include "api/webhook_http.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/rand.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

#define BUSY_ATTEMPTS 30 /* tries of a job that finds the partner busy */

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

int
webhook_emit(struct db *db, const char *type, const char *app_id, json_t *data,
    time_t now, struct problem *p)
{
	char id[WEBHOOK_EVENT_ID_SZ], *body = NULL;
	PGresult *r = NULL;
	struct dbargs a;
	json_t *o;
	int i, rc = -1;

	rand_id("evt_", id, sizeof(id));
	o = json_pack("{s:s, s:s, s:o, s:O}", "id", id, "type", type,
	    "created_at", reply_time(now), "data", data);
	body = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (body == NULL) {
		problem_internal(p);
		goto out;
	}
	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, app_id);
	dbargs_text(&a, type);
	dbargs_text(&a, body);
	dbargs_time(&a, now);
	r = db_exec(db, &sql_hook_event_insert, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		goto out;
	for (i = 0; i < PQntuples(r); i++)
		if (webhook_kick(db, db_get(r, i, 0), now, p) == -1)
			goto out;
	rc = 0;
out:
	free(body);
	PQclear(r);
	return rc;
}

int
webhook_emit_cert(struct db *db, const char *type, const unsigned char *serial,
    time_t now, struct problem *p)
{
	char hex[2 * 16 + 1];
	PGresult *r = NULL;
	struct dbargs a;
	json_t *data;
	int rc = -1;

	dbargs_init(&a);
	dbargs_bytea(&a, serial, 16);
	r = db_exec(db, &sql_hook_cert_event, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		goto out;
	if (PQntuples(r) != 1 || db_get(r, 0, 1) == NULL) {
		rc = 0; /* no program, no partner */
		goto out;
	}
	digest_hex(serial, 16, hex);
	data = json_pack("{s:s, s:s, s:s, s:o, s:o}", "serial", hex,
	    "application_id", db_get(r, 0, 0), "subject", db_get(r, 0, 2),
	    "not_before", reply_time(db_get_time(r, 0, 3)), "not_after",
	    reply_time(db_get_time(r, 0, 4)));
	if (db_get(r, 0, 5) != NULL) {
		json_object_set_new(
		    data, "revocation_reason", json_string(db_get(r, 0, 5)));
		json_object_set_new(
		    data, "revoked_at", reply_time(db_get_time(r, 0, 6)));
	}
	rc = webhook_emit(db, type, db_get(r, 0, 0), data, now, p);
	json_decref(data);
out:
	PQclear(r);
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

/* Logs one try of event seq. */
static int
log_try(struct db *db, const char *seq, const char *partner, int attempt,
    time_t at, const char *url, int status, const char *err, long ms,
    const char *outcome, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, seq);
	dbargs_text(&a, partner);
	dbargs_int(&a, attempt);
	dbargs_time(&a, at);
	dbargs_text(&a, url);
	if (status > 0)
		dbargs_int(&a, status);
	else
		dbargs_text(&a, NULL);
	dbargs_text(&a, err[0] != '\0' ? err : NULL);
	dbargs_int(&a, ms);
	dbargs_text(&a, outcome);
	rc = db_run(db, &sql_hook_log, &a, p);
	dbargs_free(&a);
	return rc;
}

/*
 * Sends the head event (row 0 of h) to url.  1 if delivered, 0 if it
 * failed (recorded, retry queued or marked dead: *stop set when the next
 * event must wait), -1 on a database error.
 */
static int
deliver_one(struct app *app, struct db *db, const char *partner,
    const char *url, const char *secret, PGresult *h, time_t now, int *stop,
    struct problem *p)
{
	const struct config *c = app->cfg;
	struct webhook_request rq;
	struct timespec t0;
	struct dbargs a;
	char sig[WEBHOOK_SIG_LEN], hsig[WEBHOOK_SIG_LEN + 32];
	char hid[WEBHOOK_EVENT_ID_SZ + 32], htype[96], err[256];
	const char *seq = db_get(h, 0, 0), *body = db_get(h, 0, 2);
	time_t deadline, next, first;
	PGresult *r;
	long ms;
	int attempt = (int)db_get_int(h, 0, 3) + 1, status = 0, ok, dead;
	int wait;

	*stop = 0;
	webhook_sign(secret, wallclock_now(), body, sig, sizeof(sig));
	snprintf(hsig, sizeof(hsig), "Rxca-Signature: %s", sig);
	snprintf(hid, sizeof(hid), "Rxca-Event-Id: %s", db_get(h, 0, 1));
	snprintf(htype, sizeof(htype), "Rxca-Event-Type: %s", db_get(h, 0, 6));
	memset(&rq, 0, sizeof(rq));
	rq.url = url;
	rq.body = body;
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
	if (!ok && err[0] == '\0')
		snprintf(err, sizeof(err), "the receiver answered %d", status);
	if (ok) {
		dbargs_init(&a);
		dbargs_text(&a, seq);
		dbargs_time(&a, now);
		if (db_run(db, &sql_hook_delivered, &a, p) == -1) {
			dbargs_free(&a);
			return -1;
		}
		dbargs_free(&a);
		if (log_try(db, seq, partner, attempt, now, url, status, "", ms,
		        "delivered", p) == -1)
			return -1;
		log_info("webhook delivered",
		    "partner=%s event=%s try=%d ms=%ld", partner,
		    db_get(h, 0, 1), attempt, ms);
		return 1;
	}
	/*
	 * The retry window counts from this event's first try, not from
	 * its creation: an event that waited behind a failing one still gets
	 * its whole window.
	 */
	first = now;
	if (attempt > 1) {
		dbargs_init(&a);
		dbargs_text(&a, seq);
		r = db_exec(db, &sql_hook_first_try, &a, p);
		dbargs_free(&a);
		if (r == NULL)
			return -1;
		if (db_get(r, 0, 0) != NULL)
			first = db_get_time(r, 0, 0);
		PQclear(r);
	}
	deadline = first + (time_t)c->webhook_retry_hours * 3600;
	dead = now >= deadline;
	wait = jobs_backoff(
	    attempt, c->webhook_backoff_max, rand_uniform(1U << 30));
	next = now + wait < deadline ? now + wait : deadline;
	dbargs_init(&a);
	dbargs_text(&a, seq);
	dbargs_time(&a, next);
	dbargs_text(&a, dead ? "dead" : "pending");
	if (db_run(db, &sql_hook_failed, &a, p) == -1) {
		dbargs_free(&a);
		return -1;
	}
	dbargs_free(&a);
	if (log_try(db, seq, partner, attempt, now, url, status, err, ms,
	        dead ? "dead" : "failed", p) == -1)
		return -1;
	if (dead) {
		log_error("webhook event dead", "partner=%s event=%s tries=%d",
		    partner, db_get(h, 0, 1), attempt);
		return 0;
	}
	log_warn("webhook delivery failed",
	    "partner=%s event=%s try=%d retry_in=%d error=\"%s\"", partner,
	    db_get(h, 0, 1), attempt, (int)(next - now), err);
	*stop = 1;
	return webhook_kick(db, partner, next, p) == -1 ? -1 : 0;
}

int
webhook_job_deliver(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p)
{
	char partner[64], *url = NULL, *secret = NULL;
	PGresult *r = NULL, *h = NULL;
	struct dbargs a;
	json_error_t jerr;
	json_t *pl;
	const char *s = NULL;
	int i, stop = 0, rc = JOB_FAILED;

	pl = json_loads(job->payload, 0, &jerr);
	if (pl == NULL || json_unpack(pl, "{s:s}", "partner", &s) == -1 ||
	    strlen(s) >= sizeof(partner)) {
		json_decref(pl);
		log_error("webhook job without a partner", "job=%s", job->id);
		rc = JOB_DONE;
		goto out;
	}
	snprintf(partner, sizeof(partner), "%s", s);
	json_decref(pl);
	dbargs_init(&a);
	dbargs_text(&a, partner);
	r = db_exec(db, &sql_hook_lock, &a, p);
	if (r != NULL && PQntuples(r) == 0) {
		/* Locked by a delivery in flight, or no webhook at all. */
		PQclear(r);
		r = db_exec(db, &sql_hook_get, &a, p);
		if (r != NULL && PQntuples(r) == 1) {
			dbargs_free(&a);
			/* Not a conflict: the same delivery succeeds once
			 * the other ends, as db.c's "busy". */
			problem_set(p, 503, "busy", "Try again",
			    "another delivery to this partner is in flight");
			p->retry_after = 1;
			goto out; /* JOB_FAILED: tried again shortly */
		}
		if (r != NULL)
			rc = JOB_DONE;
		dbargs_free(&a);
		goto out;
	}
	if (r == NULL) {
		dbargs_free(&a);
		goto out;
	}
	url = xstrdup(db_get(r, 0, 0));
	secret = xstrdup(db_get(r, 0, 1));
	for (i = 0; i < WEBHOOK_BATCH && !stop; i++) {
		PQclear(h);
		if ((h = db_exec(db, &sql_hook_head, &a, p)) == NULL) {
			dbargs_free(&a);
			goto out;
		}
		if (PQntuples(h) == 0 || db_get_time(h, 0, 4) > now)
			break; /* none left, or the head waits for its retry */
		if (deliver_one(app, db, partner, url, secret, h, now, &stop,
		        p) == -1) {
			dbargs_free(&a);
			goto out;
		}
	}
	dbargs_free(&a);
	/* A full batch: the rest in a run of its own. */
	if (i == WEBHOOK_BATCH && !stop &&
	    webhook_kick(db, partner, now, p) == -1)
		goto out;
	rc = JOB_DONE;
out:
	if (secret != NULL) {
		OPENSSL_cleanse(secret, strlen(secret));
		free(secret);
	}
	free(url);
	PQclear(r);
	PQclear(h);
	return rc;
}

int
webhook_sweep(struct app *app, struct db *db, time_t now)
{
	PGresult *r = NULL;
	struct dbargs a;
	struct problem p;
	int i, n = 0;

	(void)app;
	problem_clear(&p);
	if (db_begin(db, &p) == -1)
		return 0;
	dbargs_init(&a);
	dbargs_time(&a, now);
	r = db_exec(db, &sql_hook_stranded, &a, &p);
	if (r != NULL)
		for (i = 0; i < PQntuples(r); i++)
			if (webhook_kick(db, db_get(r, i, 0), now, &p) == 0)
				n++;
	if (db_run(db, &sql_pchal_purge, &a, &p) == -1 || r == NULL ||
	    db_commit(db, &p) == -1) {
		db_rollback(db);
		n = 0;
	}
	dbargs_free(&a);
	PQclear(r);
	if (n > 0)
		log_info(
		    "webhook deliveries queued by the sweep", "count=%d", n);
	return n;
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
