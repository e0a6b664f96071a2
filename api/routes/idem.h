/*
 * Idempotency-Key on the POSTs that create something (docs/api.md): a
 * key with the same body answers with what the first request made; the
 * same key with another body is 409 idempotency-key-reused.  Keys live in
 * idempotency_keys under a scope (a route, or a route and a partner), with
 * the SHA-256 of the body that first used them.
 */
#ifndef RXCA_IDEM_H
#define RXCA_IDEM_H

#include <stddef.h>

#include "common/problem.h"

struct ctx;
struct db;
struct tx;

/* 1 if key is 1 to BOUND_IDEMPOTENCY_KEY visible ASCII characters. */
int idem_key_valid(const char *key);

/*
 * Looks up key in scope for ctx's body on db.  0: not used yet; 1: a
 * request with this key and body created *existing (its id, cut to
 * existingsz); -1: p set (a different body is 409).
 */
int idem_lookup(struct ctx *ctx, struct db *db, const char *scope,
    const char *key, char *existing, size_t existingsz, struct problem *p);

/*
 * Claims key in scope for ctx's body and resource id, in the unit of work
 * tx.  0: go on and create; 1: a request with this key and body already
 * created *existing; -1: p set (a different body is 409).
 */
int idem_claim(struct ctx *ctx, struct tx *tx, const char *scope,
    const char *key, const char *id, char *existing, size_t existingsz,
    struct problem *p);

#endif
