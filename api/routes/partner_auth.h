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

#endif
