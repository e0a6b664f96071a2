/*
 * Prescription approval with a passkey (issue 20, docs/approvals.md): a
 * partner asks a proofed prescriber to approve a prescription (a summary
 * and its SHA-256 digests); the prescriber opens /approve?request=<id> on
 * the phone and approves or denies with the passkey, user verification
 * required; rxca checks the assertion (api/service/passkey.h, the one
 * check) against a challenge bound to the request id, the digests and a
 * nonce, and signs an approval record (a compact JWS, ES256, by rxca's
 * approval key, published at /.well-known/jwks.json) that the partner
 * gets by polling and by webhook (approval.approved, approval.denied,
 * approval.expired).  Requests expire (RXCA_APPROVAL_SECONDS), are single
 * use and limited per prescriber (RXCA_APPROVAL_PENDING_MAX pending,
 * RXCA_APPROVAL_HOURLY_MAX an hour).  Every outcome is audited in its
 * unit of work.
 */
#ifndef RXCA_RXAPPROVAL_H
#define RXCA_RXAPPROVAL_H

#include <time.h>

#include <jansson.h>

#include "api/service/passkey.h"
#include "common/problem.h"

struct app;
struct db;
struct tx;

#define RXAPPROVAL_DIGESTS_MAX 20 /* digests in one request */
#define RXAPPROVAL_ID_LEN      40 /* bytes of an id, with its NUL */
#define RXAPPROVAL_JWS_TYP     "rxca-approval+jwt"

/* 0 if approvals are offered (RXCA_APPROVAL_KEY set), else -1 with p set
 * (409 approvals-not-offered). */
int rxapproval_offered(const struct app *app, struct problem *p);

/*
 * Checks a request's fields: summary (1 to 500 bytes of text) and digests
 * (an array of 1 to RXAPPROVAL_DIGESTS_MAX distinct 64-hex SHA-256
 * digests, lower case), credential_id (base64url).  0, or -1 with a
 * field error per wrong field in p.
 */
int rxapproval_validate(const char *credential_id, const char *summary,
    json_t *digests, struct problem *p);

/*
 * In the caller's unit of work tx (actor: the partner): request id of
 * partner (program its program) for the prescriber whose active passkey
 * has credential_id (an application of program, proofed), within the
 * prescriber's limits (429 with Retry-After), with its audit record and
 * the prescriber's mail queued.  0 with *out the request as the partner
 * sees it (a new object), or -1 with p set.
 */
int rxapproval_request(struct app *app, struct tx *tx, const char *id,
    const char *partner, const char *program, const char *credential_id,
    const char *summary, json_t *digests, json_t **out, struct problem *p);

/* Request id of partner as the partner sees it (with the signed record
 * once decided): a new object, or NULL with p set (404). */
json_t *rxapproval_partner_get(struct app *app, struct db *db,
    const char *partner, const char *id, time_t now, struct problem *p);

/*
 * Request id as the prescriber's page shows it (anyone with the link):
 * the summary, digests, state and, while pending, the options for
 * navigator.credentials.get() (challenge, RP id, the one credential, UV
 * required).  A new object, or NULL with p set (404).
 */
json_t *rxapproval_view(struct app *app, struct db *db, const char *id,
    time_t now, struct problem *p);

/*
 * The prescriber's decision ("approve" or "deny") on request id with
 * assertion a.  Single use: a decided request is 409 approval-decided;
 * an expired one is recorded expired and answered 410 approval-expired.
 * 0 with *out the outcome (state, decided_at), or -1 with p set.
 */
int rxapproval_decide(struct app *app, struct db *db, const char *id,
    const char *decision, const struct passkey_assertion *a, time_t now,
    json_t **out, struct problem *p);

/* The published keys, {"keys": [...]} (a new object): the approval key
 * that signs now, then the retired ones (RXCA_APPROVAL_KEYS_RETIRED) that
 * signed records before a rotation, public parts only. */
json_t *rxapproval_jwks(const struct app *app);

/* Records the requests pending past their expiry as expired (the sweep):
 * the number, or -1. */
long rxapproval_sweep(struct app *app, struct db *db, time_t now);

/* Registers JOB_EMAIL_APPROVAL with the runner: 0 or -1. */
int rxapproval_jobs_register(void);

#endif
