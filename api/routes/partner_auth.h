#ifndef RXCA_PARTNER_AUTH_H
#define RXCA_PARTNER_AUTH_H

#include "common/problem.h"

struct ctx;

/*
 * Checks the "Authorization: Bearer rxp_..." of ctx's request (on a
 * worker): 0 with ctx->partner_id and ctx->partner_program set, or -1 with
 * p saying 401.  A refused key that exists (revoked, wrong secret) is
 * audited in a transaction of its own; anything else is only logged.
 */
int partner_authenticate(struct ctx *ctx, struct problem *p);
/*
 * Then counts the request against RXCA_PARTNER_RATE_LIMIT: the RateLimit
 * and RateLimit-Policy fields go into ctx's reply either way; past the
 * limit -1 with p saying 429 (Retry-After).  A key past the end of its
 * rotation grace (expires_at) is refused as a revoked one is.
 */

/*
 * On the loop, before a worker: partner routes are HTTPS only (or behind
 * a trusted proxy that says X-Forwarded-Proto: https), unless
 * RXCA_PARTNER_ALLOW_HTTP=1.  0, or -1 with p saying 403 https-required.
 */
int partner_precheck(struct ctx *ctx, struct problem *p);

#endif
