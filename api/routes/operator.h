/*
 * CA operators: HTTPS clients with a certificate issued by the operators'
 * CA (RXCA_OPERATOR_CA), known by the SHA-256 of that certificate in the
 * operators table, which also gives their roles.
 */
#ifndef RXCA_OPERATOR_H
#define RXCA_OPERATOR_H

#include "api/routes/handler.h"

#define OPERATOR_ROLE_REVIEWER  0x01u /* decides applications in review */
#define OPERATOR_ROLE_FULFILLER 0x02u /* prints and ships kits */
#define OPERATOR_ROLE_REVOKER   0x04u /* revokes certificates */
#define OPERATOR_ROLE_AUDITOR   0x08u /* reads the audit log */
#define OPERATOR_ROLE_ADMIN     0x10u /* everything */
#define OPERATOR_ROLE_ANY       0x1fu

/* The OPERATOR_ROLE_* bits of a comma-separated list of role names;
 * unknown names are ignored. */
unsigned operator_roles_parse(const char *list);
/* The names of the OPERATOR_ROLE_* bits as a JSON array (a new
 * reference), in the order reviewer, fulfiller, revoker, auditor, admin. */
json_t *operator_roles_json(unsigned bits);

/*
 * Authenticates ctx's request as an operator holding one of roles (any
 * role if OPERATOR_ROLE_ANY; admin always qualifies), on a worker.  0 with
 * ctx->operator_* set, or -1 with p saying 401 (not HTTPS, no client
 * certificate, one that does not verify or has expired, unknown or
 * disabled operator) or 403 (the role is missing).  The refusals of a
 * known operator (disabled, missing role) are written to the audit log
 * in a transaction of their own; the others (no valid operator
 * certificate: anyone may send those) are counted in the metrics and
 * logged at a bounded rate only.  Admin qualifies for every role, but
 * not as the second operator of its own dual-control request
 * (api/routes/h_approvals.h).
 */
int operator_authenticate(struct ctx *ctx, unsigned roles, struct problem *p);

/* The checks of operator_authenticate() that need no database (HTTPS, a
 * client certificate that verified, its fingerprint), on any thread:
 * 0, or -1 with p set and the refusal counted as there. */
int operator_precheck(struct ctx *ctx, struct problem *p);

/* The audit actor of ctx's caller into buf: "operator:<id>" for an
 * operator, else the session's application id. */
void operator_actor(const struct ctx *ctx, char *buf, size_t bufsz);

#endif
