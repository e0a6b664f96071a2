/*
 * The operators' routes of identity proofing (docs/proofing.md):
 *
 *   GET  /v1/ops/applications?status=review&after=<id>&limit=<n>
 *        reviewer, auditor or admin: applications in one status, oldest
 *        first, with every provider answer; paged by the last id seen.
 *   POST /v1/ops/applications/{id}/decision
 *        reviewer or admin: {"decision": "approve" | "reject",
 *        "reason": "..."} for an application in review; the reason is
 *        shown to the applicant.  Decided once: a second decision is 409.
 *        An approval under dual control (RXCA_DUAL_CONTROL) waits for a
 *        second operator: 202 with the pending approval.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/service/app.h"
#include "api/routes/h_approvals.h"
#include "api/routes/operator.h"
#include "api/routes/page.h"
#include "api/service/proofjob.h"
#include "api/routes/routes.h"
#include "api/store/store_ops.h"
#include "api/store/tx.h"
#include "common/logger.h"
#include "common/wallclock.h"
#include "proofing/appstate.h"

#define QUEUE_DEFAULT_LIMIT 50
#define QUEUE_MAX_LIMIT     200
#define REASON_MAX          500

static json_t *
text_or_null(const char *v)
{
	return v != NULL ? json_string(v) : json_null();
}

static const char *const queue_params[] = {"status", "after", "limit", NULL};
static const struct page_rule queue_page = {
    QUEUE_DEFAULT_LIMIT, QUEUE_MAX_LIMIT, 64, PAGE_AFTER_TEXT, NULL};

static int
queue_status_known(const char *s)
{
	enum app_status st;

	return appstate_parse(s, &st) == 0;
}

static const struct page_filter queue_filter = {
    "status", NULL, queue_status_known, "review", "not an application status"};

void
h_ops_queue(struct ctx *ctx)
{
	char status[32];
	struct store_queue_row *rows = NULL, *q;
	struct problem p;
	json_error_t err;
	json_t *items, *o, *checks;
	struct page pg;
	size_t i, n = 0;

	problem_clear(&p);
	if (page_parse_filtered(ctx, queue_params, &queue_filter, status,
	        sizeof(status), &queue_page, &pg, &p) == -1)
		goto fail;
	if (store_queue_list(ctx->db, status, pg.has_after ? pg.after : NULL,
	        pg.limit, &rows, &n, &p) == -1)
		goto fail;
	items = json_array();
	for (i = 0; i < n; i++) {
		q = &rows[i];
		checks = json_loads(
		    q->identity_checks != NULL ? q->identity_checks : "[]", 0,
		    &err);
		o = json_pack("{s:s, s:s, s:s, s:o, s:{s:s, s:o, s:s, s:s, "
		              "s:{s:o, s:s}}, s:o, s:o, s:o, s:o}",
		    "id", q->id, "status", q->status, "product", q->product,
		    "program", text_or_null(q->program), "applicant",
		    "given_name", q->given_name, "middle_name",
		    text_or_null(q->middle_name), "family_name", q->family_name,
		    "email", q->email, "home_address", "state",
		    text_or_null(q->addr_state), "country", q->addr_country,
		    "created_at", wallclock_json(q->created_at), "updated_at",
		    wallclock_json(q->updated_at), "email_verified_at",
		    wallclock_json(q->email_verified_at), "identity_checks",
		    checks != NULL ? checks : json_array());
		json_array_append_new(items, o);
	}
	page_reply(ctx, items,
	    page_full(&pg, (int)n) ? json_string(rows[n - 1].id) : NULL);
	store_queue_free(rows, n);
	return;
fail:
	store_queue_free(rows, n);
	reply_problem(ctx, &p, NULL);
}

/* A decision (params "decision", "reason") of application id in review,
 * by ctx's operator: the action of ops_action_decide_*. */
static int
decide_run(struct ctx *ctx, struct tx *tx, const char *id, json_t *params,
    void *state, json_t **result, struct problem *p)
{
	const char *decision, *reason;
	char actor[64], status[32];
	json_t *details;
	int approve, found, rc;

	(void)state;
	decision = json_string_value(json_object_get(params, "decision"));
	reason = json_string_value(json_object_get(params, "reason"));
	if (decision == NULL || reason == NULL)
		return problem_internal(p);
	approve = strcmp(decision, "approve") == 0;
	snprintf(actor, sizeof(actor), "operator:%s", ctx->operator_id);
	if ((found = store_ops_app_lock(
	         tx_db(tx), id, status, sizeof(status), p)) == -1)
		return -1;
	if (found == 0)
		return problem_set(
		    p, 404, "not-found", "Not found", "No such application.");
	if (strcmp(status, "review") != 0)
		return problem_set(p, 409, "not-in-review", "Not in review",
		    "Only an application in review can be decided; this one "
		    "is %s.",
		    status);
	details = json_pack("{s:s, s:s, s:s, s:s}", "operator",
	    ctx->operator_id, "operator_name", ctx->operator_name,
	    "cert_sha256", ctx->req->client_fp, "reason", reason);
	rc = proofjob_decide(ctx->app, tx_db(tx), id, "review", approve, actor,
	    reason, NULL, details, ctx->now, p);
	json_decref(details);
	if (rc == -1)
		return -1;
	*result = json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", id, "status",
	    approve ? "approved" : "rejected", "decision", decision,
	    "decided_by", ctx->operator_id, "decided_at",
	    wallclock_json(ctx->now));
	return 0;
}

static void
decide_done(struct ctx *ctx, const char *id, json_t *result)
{
	log_info("application decided by an operator",
	    "app=%s decision=%s operator=%s", id,
	    json_string_value(json_object_get(result, "decision")),
	    ctx->operator_id);
}

const struct ops_action ops_action_decide_approve = {"decision.approve",
    OPERATOR_ROLE_REVIEWER, 200, NULL, decide_run, NULL, decide_done};
/* Never under dual control. */
const struct ops_action ops_action_decide_reject = {"decision.reject",
    OPERATOR_ROLE_REVIEWER, 200, NULL, decide_run, NULL, decide_done};

static const char *const decision_keys[] = {"decision", "reason", NULL};

void
h_ops_decide(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id"), *decision = NULL, *reason = NULL;
	struct problem p;
	json_error_t jerr;
	json_t *body = NULL, *params = NULL;

	problem_clear(&p);
	if ((body = ctx_body(ctx, &p)) == NULL)
		goto fail;
	if (ctx_known_fields(body, decision_keys, &p) == -1)
		goto fail;
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "decision", &decision) ==
	    -1) {
		problem_field(&p, "decision", "required: approve or reject");
		goto fail;
	}
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "reason", &reason) == -1) {
		problem_field(&p, "reason", "required: a non-empty string");
		goto fail;
	}
	if (strcmp(decision, "approve") != 0 &&
	    strcmp(decision, "reject") != 0) {
		problem_field(&p, "decision", "approve or reject");
		goto fail;
	}
	if (strspn(reason, " \t\r\n") == strlen(reason) ||
	    strlen(reason) > REASON_MAX) {
		problem_field(
		    &p, "reason", "1 to %d characters of text", REASON_MAX);
		goto fail;
	}
	if (strpbrk(reason, "\r\n\t") != NULL) {
		problem_field(&p, "reason", "one line of text");
		goto fail;
	}
	params =
	    json_pack("{s:s, s:s}", "decision", decision, "reason", reason);
	h_approvals_submit(ctx,
	    strcmp(decision, "approve") == 0 ? &ops_action_decide_approve
	                                     : &ops_action_decide_reject,
	    id, params);
	goto out;
fail:
	reply_problem(ctx, &p, NULL);
out:
	json_decref(params);
	json_decref(body);
}
