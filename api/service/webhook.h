/*
 * Signed webhooks to partners.  An event (application.status_changed,
 * certificate.issued, certificate.revoked) is written to the outbox table
 * webhook_events in the same transaction as the change, for the partner
 * whose program the application belongs to (if it has a webhook), with a
 * "webhook.deliver" job.  That job delivers the partner's events in order,
 * one delivery in flight per partner: it chooses the partner's oldest
 * pending event with the partner's webhook row locked and holds that
 * event for the delivery (its next try set past the POST's timeout), then
 * commits with a lease on the job (jobs_pause) so that no transaction and
 * no lock is held across the POST; a run that finds the oldest event held
 * leaves it to the delivery in flight, which goes on with the next.  A
 * failed event is tried again with exponential back-off
 * (RXCA_WEBHOOK_BACKOFF_MAX) until it is RXCA_WEBHOOK_RETRY_HOURS old, then
 * marked dead, and the next one goes.  Every try is in the delivery log.
 *
 * Delivery is at least once: a receiver dedupes by the event id.  Each
 * POST carries the headers
 *
 *   Rxca-Event-Id: evt_...            (also "id" in the body)
 *   Rxca-Event-Type: certificate.revoked
 *   Rxca-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>
 *
 * where v1 = HMAC-SHA256(key = the webhook secret as its ASCII bytes,
 * message = "<t>.<body>").  A receiver recomputes v1 over the raw body,
 * compares in constant time and refuses a t too far from its clock.
 *
 * The secret is stored as is in partner_webhooks (it is an HMAC key and
 * must be read back to sign); it is shown only in the answer to PUT
 * /v1/partner/webhook and never logged.
 */
#ifndef RXCA_WEBHOOK_H
#define RXCA_WEBHOOK_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "api/out/webhook_url.h"
#include "common/problem.h"

#define WEBHOOK_SIG_LEN      168 /* "t=" 20 digits, two ",v1=" 64 hex, NUL */
#define WEBHOOK_BATCH        10  /* events one job run delivers at most */
#define WEBHOOK_EVENT_ID_SZ  32  /* "evt_" and 24 characters, NUL */
#define WEBHOOK_SECRET_BYTES 32  /* random bytes of a webhook secret */

struct app;
struct config;
struct db;
struct job;

/*
 * The Rxca-Signature value for body sent at t with secret:
 * "t=<t>,v1=<64 lower-case hex>" into buf (WEBHOOK_SIG_LEN bytes).  Pure.
 */
void webhook_sign(
    const char *secret, time_t t, const char *body, char *buf, size_t bufsz);

/*
 * As webhook_sign with a second signature by old_secret (if not NULL)
 * after the first: "t=<t>,v1=<new>,v1=<old>", during a rotation's
 * overlap.  Pure.
 */
void webhook_sign_two(const char *secret, const char *old_secret, time_t t,
    const char *body, char *buf, size_t bufsz);

/*
 * A receiver's check: 1 if header (an Rxca-Signature value, with one or
 * two v1) holds a v1 that matches body under secret and a t within
 * tolerance seconds of now, else 0.  Pure.
 */
int webhook_verify(const char *secret, const char *header, const char *body,
    time_t now, long tolerance);

/*
 * 0 if url may receive webhooks: it follows the rules of
 * api/out/webhook_url.h and its host resolves (webhook_resolve(), with
 * resolve_file: RXCA_TEST_RESOLVE_FILE) to allowed addresses only.
 * Otherwise -1 with a field error on "url" (422).  Blocks while the name
 * is resolved.
 */
int webhook_url_check(const char *url, int allow_private,
    const char *resolve_file, struct problem *p);

/*
 * Writes event type about application app_id with data (borrowed: the
 * event's "data") to the outbox of the partner of the application's
 * program, if that partner has a webhook, and queues its delivery; inside
 * the caller's transaction.  0 (also when there is no such partner), or
 * -1 with p set.
 */
int webhook_emit(struct db *db, const char *type, const char *app_id,
    json_t *data, time_t now, struct problem *p);

/*
 * As webhook_emit for certificate serial (16 bytes): "certificate.issued"
 * or "certificate.revoked", its data read from the certificates table
 * (serial, application, subject, validity, revocation).
 */
int webhook_emit_cert(struct db *db, const char *type,
    const unsigned char *serial, time_t now, struct problem *p);

struct hook_cert_row;

/* As webhook_emit_cert, with the certificate's data c read already (by
 * store_cert_issued, with the certificate stored). */
int webhook_emit_cert_of(struct db *db, const char *type,
    const unsigned char *serial, const struct hook_cert_row *c, time_t now,
    struct problem *p);

/* The job "webhook.deliver" (payload {"partner": id}); see above. */
int webhook_job_deliver(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p);

/* Queues a delivery for partners whose due events have none (a
 * transaction of its own; from the sweep), then webhook_purge.  Returns
 * the number queued. */
int webhook_sweep(struct app *app, struct db *db, time_t now);

/*
 * Deletes, in a transaction of its own at now, the webhook deliveries
 * older than RXCA_WEBHOOK_KEEP_DAYS and the events older than that which
 * are no longer pending and have no delivery left (a bounded batch of
 * each; webhook_sweep calls it).  0, or -1 (logged).
 */
int webhook_purge(const struct config *cfg, struct db *db, time_t now);

/* Registers webhook.deliver and webhook_sweep with the runner: 0 or -1. */
int webhook_jobs_register(void);

/* Queues a delivery of lane (partner, key) at now, or with key NULL of
 * every lane of partner with an event to deliver, inside the caller's
 * transaction. */
int webhook_kick(struct db *db, const char *partner, const char *key,
    time_t now, struct problem *p);

/* What POST /v1/partner/events/{id}/redeliver did. */
enum webhook_redelivery {
	WEBHOOK_REDELIVERY_QUEUED,  /* a new delivery queued */
	WEBHOOK_REDELIVERY_ALREADY, /* one was queued and has not run yet */
	WEBHOOK_REDELIVERY_PENDING  /* not delivered yet: its lane sends it */
};

/*
 * Queues a new delivery of event id of partner (job "webhook.redeliver",
 * out of its lane's order: it holds back nothing), inside the caller's
 * transaction, with the event's row locked so that two concurrent calls
 * queue one.  0 and *what, or -1 with p set (404 unknown or another
 * partner's event, 409 no webhook).
 */
int webhook_redeliver(struct db *db, const char *partner, const char *id,
    time_t now, enum webhook_redelivery *what, struct problem *p);

/* The job "webhook.redeliver" (payload {"event": outbox seq}): one POST,
 * logged as a redelivery, retried with back-off when it fails. */
int webhook_job_redeliver(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p);

/* A rotated secret (webhook_rotate). */
struct webhook_rotation {
	char secret[WEBHOOK_SECRET_BYTES * 2]; /* the new secret, shown once */
	char secret_id[40];                    /* whs_...: its id */
	time_t old_until;                      /* the old one signs until */
};

/*
 * Gives partner's webhook a new secret, inside the caller's transaction;
 * the old secret still signs beside it for overlap seconds (-1: the
 * configured RXCA_WEBHOOK_SECRET_OVERLAP, also the most allowed; 0: the
 * old one stops at once).  0 and out, or -1 with p set (404 no webhook,
 * 422 on overlap_seconds).
 */
int webhook_rotate(struct db *db, const struct config *cfg, const char *partner,
    long overlap, time_t now, struct webhook_rotation *out, struct problem *p);

#endif
