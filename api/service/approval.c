/* Dual control: see api/service/approval.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/config.h"
#include "api/service/approval.h"
#include "api/store/tx.h"
#include "common/rand.h"

int
approval_needed(const struct config *cfg, const char *action)
{
	return (cfg->dual_actions &
	           config_dual_action(action, strlen(action))) != 0;
}

int
approval_request_tx(struct tx *tx, const struct config *cfg, const char *action,
    const char *target, json_t *params, const char *operator_id,
    const char *name, struct approval_row *row, struct problem *p)
{
	json_t *details = NULL;
	char *text = NULL;
	int made, rc = -1;

	memset(row, 0, sizeof(*row));
	rand_id("apr_", row->id, sizeof(row->id));
	snprintf(row->action, sizeof(row->action), "%s", action);
	snprintf(row->target, sizeof(row->target), "%s", target);
	snprintf(
	    row->requested_by, sizeof(row->requested_by), "%s", operator_id);
	snprintf(row->requested_name, sizeof(row->requested_name), "%s", name);
	snprintf(row->status, sizeof(row->status), "pending");
	row->requested_at = tx->now;
	row->expires_at = tx->now + cfg->dual_control_expiry;
	text = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
	if (text == NULL || strlen(text) >= sizeof(row->params)) {
		problem_field(
		    p, "body", "too large to wait for a second operator");
		goto out;
	}
	snprintf(row->params, sizeof(row->params), "%s", text);
	if ((made = store_approval_insert(tx_db(tx), row->id, action, target,
	         text, operator_id, row->requested_at, row->expires_at, p)) ==
	    -1)
		goto out;
	if (made == 0) {
		if ((made = store_approval_open(
		         tx_db(tx), action, target, row, p)) != 1) {
			/* Decided between the two statements. */
			if (made == 0) {
				problem_set(p, 503, "busy", "Try again",
				    "The request changed meanwhile; try "
				    "again.");
				p->retry_after = 1;
			}
			goto out;
		}
		problem_set(p, 409, "approval-pending", "Approval pending",
		    "Approval %s (asked by %s) waits for %s on %s already: "
		    "confirm or reject it, or ask again after it expires.",
		    row->id, row->requested_name, action, target);
		goto out;
	}
	details = json_pack("{s:s, s:s, s:O, s:s, s:I}", "action", action,
	    "target", target, "params", params, "requested_by", operator_id,
	    "expires_at", (json_int_t)row->expires_at);
	rc = tx_audit(tx, "approval.requested", row->id, details, p);
out:
	json_decref(details);
	free(text);
	return rc;
}

int
approval_check(const struct approval_row *row, const char *operator_id,
    time_t now, struct problem *p)
{
	if (strcmp(row->status, "pending") != 0)
		return problem_set(p, 409, "approval-decided",
		    "Approval decided",
		    "This request was %s already; it cannot be decided "
		    "again.",
		    row->status);
	if (now >= row->expires_at)
		return problem_set(p, 410, "approval-expired",
		    "Approval expired",
		    "This request expired before a second operator confirmed "
		    "it; it will never take effect.  Ask again.");
	if (strcmp(row->requested_by, operator_id) == 0)
		return problem_set(p, 403, "same-operator", "Same operator",
		    "Dual control: the operator who asked for this action "
		    "cannot confirm or reject it; another operator must.");
	return 0;
}

int
approval_lock_tx(struct tx *tx, const char *id, const char *operator_id,
    struct approval_row *row, struct problem *p)
{
	int found;

	if ((found = store_approval_get(tx_db(tx), id, 1, row, p)) == -1)
		return -1;
	if (found == 0)
		return problem_set(
		    p, 404, "not-found", "Not found", "No such approval.");
	return approval_check(row, operator_id, tx->now, p);
}

int
approval_refused(struct db *db, time_t now, const char *actor,
    const struct approval_row *row, int confirm, const char *operator_id,
    const struct problem *why, struct problem *p)
{
	json_t *details;
	struct tx tx;
	int rc;

	if (tx_begin(&tx, db, now, actor, p) == -1)
		return -1;
	details = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "action",
	    row->action, "target", row->target, "requested_by",
	    row->requested_by, "operator", operator_id, "decision",
	    confirm ? "confirm" : "reject", "refusal", why->type, "status",
	    why->status);
	rc = tx_audit(&tx, "approval.refused", row->id, details, p);
	json_decref(details);
	if (rc == -1 || tx_commit(&tx, p) == -1) {
		tx_abort(&tx);
		return -1;
	}
	return 0;
}

int
approval_decide_tx(struct tx *tx, struct approval_row *row, int confirm,
    const char *operator_id, const char *name, const char *reason,
    struct problem *p)
{
	const char *status = confirm ? "confirmed" : "rejected";
	json_t *details;
	int found, rc;

	if ((found = store_approval_decide(tx_db(tx), row->id, status,
	         operator_id, confirm ? NULL : reason, tx->now, p)) == -1)
		return -1;
	if (found == 0)
		return problem_set(p, 409, "approval-decided",
		    "Approval decided",
		    "This request was decided already; it cannot be decided "
		    "again.");
	snprintf(row->status, sizeof(row->status), "%s", status);
	snprintf(row->decided_by, sizeof(row->decided_by), "%s", operator_id);
	snprintf(row->decided_name, sizeof(row->decided_name), "%s", name);
	snprintf(row->reason, sizeof(row->reason), "%s", confirm ? "" : reason);
	row->decided_at = tx->now;
	details = json_pack("{s:s, s:s, s:s, s:s}", "action", row->action,
	    "target", row->target, "requested_by", row->requested_by,
	    "decided_by", operator_id);
	if (!confirm)
		json_object_set_new(details, "reason", json_string(reason));
	rc = tx_audit(tx, confirm ? "approval.confirmed" : "approval.rejected",
	    row->id, details, p);
	json_decref(details);
	return rc;
}
