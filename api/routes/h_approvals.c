/*
 * Dual control (docs/operations.md, "Dual control"; api/routes/h_approvals.h):
 *
 *   GET  /v1/ops/approvals?status=pending&after=<id>&limit=<n>
 *        any operator: approvals in one status (pending, expired,
 *        confirmed, rejected), oldest asked first, with what they do.
 *   GET  /v1/ops/approvals/{id}
 *        any operator: one approval.
 *   POST /v1/ops/approvals/{id}/confirm
 *        an operator other than the one who asked, with the role the
 *        action needs (admin qualifies): the action takes effect, checked
 *        again now, in one unit of work with the confirmation; the reply
 *        carries the action's result (a kit's letter with its codes).
 *   POST /v1/ops/approvals/{id}/reject  {"reason": "..."}
 *        the same operators: the action never takes effect.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes/h_approvals.h"
#include "api/routes/operator.h"
#include "api/routes/page.h"
#include "api/routes/routes.h"
#include "api/service/app.h"
#include "api/service/approval.h"
#include "api/store/tx.h"
#include "common/logger.h"
#include "common/wallclock.h"

#define APPROVALS_DEFAULT_LIMIT 50
#define APPROVALS_MAX_LIMIT     200
#define REJECT_REASON_MAX       500

/* Every action that may be put under dual control, by its name. */
static const struct ops_action *const dual_actions[] = {
    &ops_action_decide_approve,
    &ops_action_kit_print,
    &ops_action_revoke,
    &ops_action_partner_key,
};

static const struct ops_action *
action_named(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(dual_actions) / sizeof(dual_actions[0]); i++)
		if (strcmp(dual_actions[i]->name, name) == 0)
			return dual_actions[i];
	return NULL;
}

static json_t *
text_or_null(const char *s)
{
	return s[0] != '\0' ? json_string(s) : json_null();
}

/* The approval row as the API shows it at now. */
static json_t *
approval_json(const struct approval_row *row, time_t now)
{
	const char *status = row->status;
	json_error_t err;
	json_t *params;

	if (strcmp(status, "pending") == 0 && now >= row->expires_at)
		status = "expired";
	if ((params = json_loads(row->params, 0, &err)) == NULL)
		params = json_object();
	return json_pack("{s:s, s:s, s:s, s:o, s:s, s:{s:s, s:s}, s:o, s:o, "
	                 "s:o, s:o, s:o}",
	    "id", row->id, "action", row->action, "target", row->target,
	    "params", params, "status", status, "requested_by", "id",
	    row->requested_by, "name", row->requested_name, "requested_at",
	    wallclock_json(row->requested_at), "expires_at",
	    wallclock_json(row->expires_at), "decided_by",
	    row->decided_by[0] != '\0'
	        ? json_pack("{s:s, s:s}", "id", row->decided_by, "name",
	              row->decided_name)
	        : json_null(),
	    "decided_at",
	    row->decided_at != 0 ? wallclock_json(row->decided_at)
	                         : json_null(),
	    "reason", text_or_null(row->reason));
}

void
h_approvals_submit(struct ctx *ctx, const struct ops_action *a,
    const char *target, json_t *params)
{
	struct approval_row row;
	char actor[64];
	struct problem p;
	struct tx tx = {0};
	json_t *result = NULL;
	void *state = NULL;
	int dual;

	problem_clear(&p);
	memset(&row, 0, sizeof(row));
	dual = ctx->operator_id[0] != '\0' &&
	    approval_needed(ctx->app->cfg, a->name);
	operator_actor(ctx, actor, sizeof(actor));
	if (a->prepare != NULL &&
	    a->prepare(ctx, target, params, dual, &state, &p) == -1)
		goto fail;
	if (tx_begin(&tx, ctx->db, ctx->now, actor, &p) == -1 ||
	    (dual && tx_savepoint(&tx, &p) == -1) ||
	    a->run(ctx, &tx, target, params, state, &result, &p) == -1)
		goto fail;
	if (dual) {
		/* The action could take effect now: undone, it waits for a
		 * second operator (409 approval-pending, naming the approval,
		 * if one waits already). */
		json_decref(result);
		result = NULL;
		if (tx_rollback_savepoint(&tx, &p) == -1 ||
		    approval_request_tx(&tx, ctx->app->cfg, a->name, target,
		        params, ctx->operator_id, ctx->operator_name, &row,
		        &p) == -1)
			goto fail;
	}
	if (tx_commit(&tx, &p) == -1)
		goto fail;
	if (dual) {
		log_info("dual control: action asked for",
		    "approval=%s "
		    "action=%s target=%s operator=%s",
		    row.id, a->name, target, ctx->operator_id);
		reply_json(ctx, 202, approval_json(&row, ctx->now));
	} else {
		if (a->done != NULL)
			a->done(ctx, target, result);
		reply_json(ctx, a->status, result);
		result = NULL;
	}
	goto out;
fail:
	if (strcmp(p.type, "approval-pending") == 0) {
		reply_tx_problem(
		    ctx, &tx, &p, json_pack("{s:s}", "approval", row.id));
		goto out;
	}
	reply_tx_problem(ctx, &tx, &p, NULL);
out:
	json_decref(result);
	if (state != NULL && a->release != NULL)
		a->release(state);
}

static const char *const list_params[] = {"status", "after", "limit", NULL};
static const struct page_rule list_page = {APPROVALS_DEFAULT_LIMIT,
    APPROVALS_MAX_LIMIT, STORE_APPROVAL_ID, PAGE_AFTER_TEXT, NULL};
static const char *const list_statuses[] = {
    "pending", "expired", "confirmed", "rejected", NULL};
static const struct page_filter list_filter = {"status", list_statuses, NULL,
    "pending", "pending, expired, confirmed or rejected"};

void
h_ops_approvals(struct ctx *ctx)
{
	struct approval_list l = {NULL, 0};
	char status[16];
	struct problem p;
	struct page pg;
	json_t *items;
	size_t i;

	problem_clear(&p);
	if (page_parse_filtered(ctx, list_params, &list_filter, status,
	        sizeof(status), &list_page, &pg, &p) == -1 ||
	    store_approval_list(ctx->db, status, ctx->now,
	        pg.has_after ? pg.after : NULL, (int)pg.limit, &l, &p) == -1)
		goto fail;
	items = json_array();
	for (i = 0; i < l.n; i++)
		json_array_append_new(
		    items, approval_json(&l.rows[i], ctx->now));
	page_reply(ctx, items,
	    page_full(&pg, (int)l.n) ? json_string(l.rows[l.n - 1].id) : NULL);
	store_approval_list_free(&l);
	return;
fail:
	store_approval_list_free(&l);
	reply_problem(ctx, &p, NULL);
}

void
h_ops_approval(struct ctx *ctx)
{
	struct approval_row row;
	struct problem p;
	int found;

	problem_clear(&p);
	if ((found = store_approval_get(
	         ctx->db, ctx_param(ctx, "id"), 0, &row, &p)) == 0)
		problem_set(
		    &p, 404, "not-found", "Not found", "No such approval.");
	if (found != 1) {
		reply_problem(ctx, &p, NULL);
		return;
	}
	reply_json(ctx, 200, approval_json(&row, ctx->now));
}

/*
 * The approval of ctx's :id (read without a lock) into row and its action
 * into *a, if ctx's operator may decide it: a role the action needs, and
 * approval_check.  0, or -1 with p set (404, 403, 409, 410).
 */
static int
decidable(struct ctx *ctx, struct approval_row *row,
    const struct ops_action **a, struct problem *p)
{
	int found;

	if ((found = store_approval_get(
	         ctx->db, ctx_param(ctx, "id"), 0, row, p)) == -1)
		return -1;
	if (found == 0)
		return problem_set(
		    p, 404, "not-found", "Not found", "No such approval.");
	if ((*a = action_named(row->action)) == NULL) {
		log_error("approval of an unknown action",
		    "approval=%s "
		    "action=%s",
		    row->id, row->action);
		return problem_internal(p);
	}
	if (!(ctx->operator_roles & (OPERATOR_ROLE_ADMIN | (*a)->roles)))
		return problem_set(p, 403, "forbidden", "Forbidden",
		    "This operator's roles do not allow deciding %s.",
		    row->action);
	return approval_check(row, ctx->operator_id, ctx->now, p);
}

/*
 * ctx's operator's decision (confirm, else reject) of row was refused by
 * decidable or approval_lock_tx with p: tx (begun or not) is aborted and,
 * for a refusal of dual control itself (403, 409, 410 on a row that
 * exists), approval.refused is audited in a unit of work of its own.  p
 * stays the reply.
 */
static void
refused(struct ctx *ctx, struct tx *tx, const struct approval_row *row,
    int confirm, const struct problem *p)
{
	struct problem q;
	char actor[64];

	tx_abort(tx);
	if (row->id[0] == '\0' ||
	    (p->status != 403 && p->status != 409 && p->status != 410))
		return;
	problem_clear(&q);
	operator_actor(ctx, actor, sizeof(actor));
	if (approval_refused(ctx->db, ctx->now, actor, row, confirm,
	        ctx->operator_id, p, &q) == -1)
		log_error("dual control: refusal not audited",
		    "approval=%s operator=%s refusal=%s error=%s", row->id,
		    ctx->operator_id, p->type, q.type);
}

void
h_ops_approval_confirm(struct ctx *ctx)
{
	const struct ops_action *a = NULL;
	struct approval_row row;
	char actor[64];
	struct problem p;
	struct tx tx = {0};
	json_error_t err;
	json_t *params = NULL, *result = NULL, *reply;
	void *state = NULL;

	problem_clear(&p);
	memset(&row, 0, sizeof(row));
	if (ctx->req->body_len > 0) {
		problem_set(&p, 400, "unexpected-body", "Unexpected body",
		    "This request takes no body.");
		goto fail;
	}
	if (decidable(ctx, &row, &a, &p) == -1) {
		refused(ctx, &tx, &row, 1, &p);
		goto fail;
	}
	if ((params = json_loads(row.params, 0, &err)) == NULL) {
		problem_internal(&p);
		goto fail;
	}
	if (a->prepare != NULL &&
	    a->prepare(ctx, row.target, params, 0, &state, &p) == -1)
		goto fail;
	operator_actor(ctx, actor, sizeof(actor));
	if (tx_begin(&tx, ctx->db, ctx->now, actor, &p) == -1)
		goto fail;
	if (approval_lock_tx(&tx, row.id, ctx->operator_id, &row, &p) == -1) {
		refused(ctx, &tx, &row, 1, &p);
		goto fail;
	}
	if (a->run(ctx, &tx, row.target, params, state, &result, &p) == -1 ||
	    approval_decide_tx(&tx, &row, 1, ctx->operator_id,
	        ctx->operator_name, NULL, &p) == -1 ||
	    tx_commit(&tx, &p) == -1)
		goto fail;
	if (a->done != NULL)
		a->done(ctx, row.target, result);
	log_info("dual control: action confirmed",
	    "approval=%s action=%s target=%s requested_by=%s operator=%s",
	    row.id, row.action, row.target, row.requested_by, ctx->operator_id);
	reply = approval_json(&row, ctx->now);
	json_object_set_new(reply, "result", result);
	result = NULL;
	reply_json(ctx, 200, reply);
	goto out;
fail:
	reply_tx_problem(ctx, &tx, &p, NULL);
out:
	json_decref(result);
	json_decref(params);
	if (state != NULL && a != NULL && a->release != NULL)
		a->release(state);
}

static const char *const reject_keys[] = {"reason", NULL};

void
h_ops_approval_reject(struct ctx *ctx)
{
	const struct ops_action *a = NULL;
	const char *reason = NULL;
	struct approval_row row;
	char actor[64];
	struct problem p;
	struct tx tx = {0};
	json_error_t jerr;
	json_t *body = NULL;

	problem_clear(&p);
	memset(&row, 0, sizeof(row));
	if ((body = ctx_body(ctx, &p)) == NULL ||
	    ctx_known_fields(body, reject_keys, &p) == -1)
		goto fail;
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "reason", &reason) == -1 ||
	    strspn(reason, " \t\r\n") == strlen(reason) ||
	    strlen(reason) > REJECT_REASON_MAX ||
	    strpbrk(reason, "\r\n\t") != NULL) {
		problem_field(&p, "reason",
		    "required: one line of 1 to %d characters",
		    REJECT_REASON_MAX);
		goto fail;
	}
	if (decidable(ctx, &row, &a, &p) == -1) {
		refused(ctx, &tx, &row, 0, &p);
		goto fail;
	}
	operator_actor(ctx, actor, sizeof(actor));
	if (tx_begin(&tx, ctx->db, ctx->now, actor, &p) == -1)
		goto fail;
	if (approval_lock_tx(&tx, row.id, ctx->operator_id, &row, &p) == -1) {
		refused(ctx, &tx, &row, 0, &p);
		goto fail;
	}
	if (approval_decide_tx(&tx, &row, 0, ctx->operator_id,
	        ctx->operator_name, reason, &p) == -1 ||
	    tx_commit(&tx, &p) == -1)
		goto fail;
	log_info("dual control: action rejected",
	    "approval=%s action=%s target=%s operator=%s", row.id, row.action,
	    row.target, ctx->operator_id);
	reply_json(ctx, 200, approval_json(&row, ctx->now));
	goto out;
fail:
	reply_tx_problem(ctx, &tx, &p, NULL);
out:
	json_decref(body);
}
