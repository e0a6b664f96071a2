/*
 * Charging an application (issue 9, proofing/PROVIDERS.md "Payments"):
 * the authorisation at submission, and the jobs that capture, refund or
 * void it later, each exactly once at the provider thanks to an
 * Idempotency-Key derived from the application:
 *
 *   authorise  rxca-au-<the first 40 hex digits of SHA-256(SHA-256(
 *              Idempotency-Key) || SHA-256(body) || amount in cents as
 *              8 bytes big-endian)> of the request (a retried request for
 *              the same amount is the same authorisation; one whose price
 *              changed meanwhile is a new one), or
 *              rxca-au-<application id> without Idempotency-Key
 *   capture    rxca-ca-<application id>
 *   void       rxca-vo-<application id> (orphans: rxca-vo-<authorise key>)
 *   refund     rxca-re-<application id>, manual: rxca-re-<app>-<job id>
 *
 * Before the provider is asked, an intent row is committed; the sweep
 * voids the authorisation of an intent whose application never committed
 * (a crash or a timeout between the provider and the database).
 *
 * Jobs (registered with api/jobs/jobs.c by payment_jobs_register):
 * payment.capture, payment.refund (payload
 * {"reason", "actor", "amount_cents"?, "manual"?}), email.receipt.
 * Without RXCA_PAYMENT_URL nothing is charged.  Every money event is in
 * payment_events and the audit log; no card token reaches the log.
 */
#ifndef RXCA_PAYMENT_H
#define RXCA_PAYMENT_H

#include <stddef.h>
#include <time.h>

#include "common/problem.h"
#include "proofing/provider_payment.h"

struct app;
struct db;
struct job;

/* 1 if a payment provider is configured. */
int payment_enabled(const struct app *app);

/* The authorise key (see above) into key (PAYMENT_KEY_LEN + 1 bytes):
 * from the client's Idempotency-Key, the body and the amount cents, or
 * (idem NULL) from the application id. */
void payment_authorise_key(const char *idem, const void *body, size_t len,
    long cents, const char *app_id, char *key, size_t keysz);

/*
 * Commits an intent (its own transaction: call it outside one), then asks
 * the provider to authorise cents on card_token under key, trying again
 * with the same key up to RXCA_PAYMENT_ATTEMPTS times while the provider
 * does not answer.  0 with out filled: out->approved 0 is a decline (the
 * intent is dropped).  -1 with p set (503 or 502; the intent stays for
 * the sweep).
 */
int payment_authorise(struct app *app, struct db *db, const char *key,
    const char *card_token, long cents, time_t now, struct payment_answer *out,
    struct problem *p);

/*
 * In the caller's transaction: records the authorisation an of application
 * id (the payments row, its event, the audit record), and queues the
 * capture when RXCA_PAYMENT_CAPTURE is submission.
 */
int payment_attach(struct app *app, struct db *db, const char *id,
    const char *key, const struct payment_answer *an, time_t now,
    struct problem *p);

/*
 * In the caller's transaction, when application id is decided (approve)
 * or lapses (approve 0, lapse 1): queues the capture or the refund the
 * policy asks for, if the application has a payment.  0, or -1 with p.
 */
int payment_on_outcome(struct app *app, struct db *db, const char *id,
    int approve, int lapse, time_t now, struct problem *p);

/* Job handlers (api/jobs/jobs.h). */
int payment_job_capture(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p);
int payment_job_refund(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p);
int payment_job_receipt(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p);

/* Voids the authorisations of intents older than
 * RXCA_PAYMENT_ORPHAN_SECONDS without application (a worker; its own
 * transaction).  Returns the number voided, or -1. */
int payment_sweep(struct app *app, struct db *db, time_t now);

/* Registers payment.capture, payment.refund, email.receipt and
 * payment_sweep with the runner: 0 or -1. */
int payment_jobs_register(void);

#endif
