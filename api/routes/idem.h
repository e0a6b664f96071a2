/*
 * Idempotency-Key on the POSTs that create something (docs/api.md): a
 * key with the same body answers with what the first request made (its
 * status, and Idempotent-Replayed: true); the same key with another body
 * is 409 idempotency-key-reused.  Keys live in idempotency_keys under a
 * scope, with the SHA-256 of the body that first used them and the id of
 * what it created.  A partner's keys are its own: on a partner's request
 * the scope is the route's and the partner's.
 *
 * A handler reads the key first, answers a replay before any slow or
 * outside work, and claims the key in its unit of work, where a request
 * racing on the same key is settled:
 *
 *	if (idem_start(ctx, &route_idem, &ik, &p) == -1)
 *		goto fail;
 *	...validate the body...
 *	if ((rc = idem_replay(ctx, &ik, &p)) == -1)
 *		goto fail;
 *	if (rc == 1)
 *		goto out;            (answered)
 *	...hash, charge; tx_begin; lock what serialises the route...
 *	if ((rc = idem_claim(ctx, &ik, &tx, id, &p)) == -1)
 *		goto fail;
 *	if (rc == 1)
 *		goto out;            (answered; tx rolled back)
 *	...create, tx_commit, reply...
 */
#ifndef RXCA_IDEM_H
#define RXCA_IDEM_H

#include <jansson.h>

#include "common/problem.h"

#define IDEM_SCOPE_MAX 64 /* bytes of a scope, with its NUL */
#define IDEM_ID_MAX    64 /* bytes of a created resource's id, with NUL */

struct ctx;
struct db;
struct tx;

/* One route's Idempotency-Key. */
struct idem_route {
	const char *scope; /* the route's name among the keys */
	int status;        /* the status of a created answer */
	/* The answer for created resource id read on db: a new reference,
	 * or NULL with p set. */
	json_t *(*answer)(
	    struct ctx *ctx, struct db *db, const char *id, struct problem *p);
};

/* One request's key. */
struct idem {
	const struct idem_route *route; /* borrowed */
	const char *key;                /* the header, or NULL: none sent */
	char scope[IDEM_SCOPE_MAX];     /* the route's, and the partner's */
};

/* 1 if key is 1 to BOUND_IDEMPOTENCY_KEY visible ASCII characters. */
int idem_key_valid(const char *key);

/*
 * Reads ctx's Idempotency-Key (may be absent) for route into ik.  0, or
 * -1 with p a 422 naming Idempotency-Key.
 */
int idem_start(const struct ctx *ctx, const struct idem_route *route,
    struct idem *ik, struct problem *p);

/*
 * Before the unit of work: 1 if ik's key with ctx's body already created
 * something, and the earlier answer has been sent; 0 go on (no key, or
 * not yet used); -1 with p set (a different body is 409).
 */
int idem_replay(struct ctx *ctx, const struct idem *ik, struct problem *p);

/*
 * Claims ik's key for ctx's body and the new resource id, in the unit of
 * work tx.  0: go on and create.  1: a request with this key and body
 * created something first: tx was rolled back (this request changed
 * nothing) and the earlier answer has been sent.  -1 with p set (a
 * different body is 409); tx is left for the caller to abort.
 */
int idem_claim(struct ctx *ctx, const struct idem *ik, struct tx *tx,
    const char *id, struct problem *p);

#endif
