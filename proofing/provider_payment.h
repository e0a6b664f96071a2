/*
 * The payment provider (proofing/PROVIDERS.md, "Payments"): authorise,
 * capture, void and refund, each a JSON POST through provider_post() under
 * an Idempotency-Key the caller derives from the application, so that a
 * request repeated after a timeout or a crash is carried out once.  Amounts
 * are integer cents in USD.  The answer is parsed strictly and bounded.
 * A card token is sent to the provider only; it is never logged.
 */
#ifndef RXCA_PROVIDER_PAYMENT_H
#define RXCA_PROVIDER_PAYMENT_H

#include <stddef.h>

#include "common/problem.h"
#include "proofing/provider_http.h"

#define PAYMENT_ID_LEN   64  /* characters of a provider id, at most */
#define PAYMENT_KEY_LEN  100 /* characters of an idempotency key, at most */
#define PAYMENT_CODE_LEN 48  /* characters of a decline code, at most */

enum payment_op {
	PAYMENT_AUTHORISE, /* POST /v1/authorisations */
	PAYMENT_CAPTURE,   /* POST /v1/captures */
	PAYMENT_VOID,      /* POST /v1/voids */
	PAYMENT_REFUND     /* POST /v1/refunds */
};

struct payment_answer {
	char id[PAYMENT_ID_LEN + 1]; /* the provider's id of the operation */
	int approved;                /* 1 done; 0 declined (authorise) */
	long amount_cents;           /* amount the provider acted on */
	char last4[5];               /* card's last digits; "" if none */
	char decline[PAYMENT_CODE_LEN + 1]; /* decline code; "" if none */
};

/*
 * Parses the answer body (len bytes) of op, which asked for amount_cents:
 * {"id", "status", "amount_cents"} and, for an authorisation, "currency",
 * "last4" and "decline_code" (string or null); no other member, no
 * duplicate.  The status must be the one op produces ("authorised" or
 * "declined", "captured", "voided", "refunded") and the amount the one
 * asked (for a void, any in range).  0 with out filled, or -1 with p set to
 * 502 "provider-garbage".
 */
int provider_payment_parse(enum payment_op op, const char *body, size_t len,
    long amount_cents, struct payment_answer *out, struct problem *p);

/*
 * Carries out op at the provider ep under key: for PAYMENT_AUTHORISE,
 * arg is the card token and ref the application's reference; otherwise arg
 * is the provider's authorisation id and ref is unused (NULL).  0 with out
 * filled (a declined authorisation is 0 with out->approved 0), or -1 with
 * p set as provider_post() and provider_payment_parse() do.
 */
int provider_payment_call(const struct provider_endpoint *ep,
    enum payment_op op, const char *key, const char *arg, const char *ref,
    long amount_cents, struct payment_answer *out, struct problem *p);

/* "authorise", "capture", "void" or "refund". */
const char *provider_payment_op_name(enum payment_op op);

#endif
