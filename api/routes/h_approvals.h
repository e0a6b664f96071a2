/*
 * Dual control in the routes (docs/operations.md, "Dual control"): the
 * operator actions that RXCA_DUAL_CONTROL may put under two operators,
 * each one copy that both its direct route and the confirmation run.
 *
 * An action runs in two steps: prepare (may be NULL), before the unit of
 * work, does what is slow (signing); run, inside it, checks the target
 * and makes the change, its audit records and the reply's body.  A route
 * hands its validated parameters to h_approvals_submit(): for an action
 * under dual control it runs the action and rolls it back (the same
 * checks, so a request that could not succeed is refused now), then
 * records the pending approval (202); otherwise the action takes effect
 * at once.  POST /v1/ops/approvals/{id}/confirm runs it again, re-checked,
 * in one unit of work with the approval's confirmation.
 */
#ifndef RXCA_H_APPROVALS_H
#define RXCA_H_APPROVALS_H

#include "api/routes/handler.h"

struct tx;

struct ops_action {
	const char *name; /* the approvals' action, as RXCA_DUAL_CONTROL */
	unsigned roles;   /* OPERATOR_ROLE_* that may confirm (admin too) */
	int status;       /* of the direct reply: 200 or 201 */
	/* Before the unit of work: *state (freed by release) for run.  0,
	 * or -1 with p set.  check: run will only be checked and rolled
	 * back (a request under dual control), so nothing is to be signed
	 * for it.  May be NULL. */
	int (*prepare)(struct ctx *ctx, const char *target, json_t *params,
	    int check, void **state, struct problem *p);
	/* Inside tx: the change; *result the reply's body (new
	 * reference).  0, or -1 with p set. */
	int (*run)(struct ctx *ctx, struct tx *tx, const char *target,
	    json_t *params, void *state, json_t **result, struct problem *p);
	void (*release)(void *state); /* may be NULL */
	/* After the commit, when the change took effect (logs); may be
	 * NULL. */
	void (*done)(struct ctx *ctx, const char *target, json_t *result);
};

/* api/routes/h_ops.c, h_kits.c, h_revocation.c, h_partners.c. */
extern const struct ops_action ops_action_decide_approve;
extern const struct ops_action ops_action_decide_reject;
extern const struct ops_action ops_action_kit_print;
extern const struct ops_action ops_action_revoke;
extern const struct ops_action ops_action_self_revoke;
extern const struct ops_action ops_action_partner_key;

/*
 * Does action a on target with params (a JSON object, borrowed) for
 * ctx's operator (or applicant session) and replies: with its result at
 * once (a->status), or, if a is under dual control, with 202 and the
 * pending approval.  Replies with the problem otherwise.
 */
void h_approvals_submit(struct ctx *ctx, const struct ops_action *a,
    const char *target, json_t *params);

#endif
