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
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/db.h"
#include "api/page.h"
#include "api/proofjob.h"
#include "api/routes.h"
#include "api/store_proofing.h"
#include "common/logger.h"
#include "proofing/appstate.h"

#define QUEUE_DEFAULT_LIMIT 50
#define QUEUE_MAX_LIMIT     200
#define REASON_MAX          500

static json_t *
text_or_null(const PGresult *r, int row, int col)
{
	const char *v = db_get(r, row, col);

	return v != NULL ? json_string(v) : json_null();
}

static const char *const queue_params[] = {"status", "after", "limit", NULL};
static const struct page_rule queue_page = {
    QUEUE_DEFAULT_LIMIT, QUEUE_MAX_LIMIT, 64, PAGE_AFTER_TEXT, NULL};

void
h_ops_queue(struct ctx *ctx)
{
	char status[32];
	enum app_status st;
	PGresult *r = NULL;
	struct problem p;
	struct dbargs a;
	json_error_t err;
	json_t *items, *o, *checks;
	struct page pg;
	int i, n;

	problem_clear(&p);
	if (ctx_known_query(ctx, queue_params, &p) == -1)
		goto fail;
	if ((n = ctx_query(ctx, "status", status, sizeof(status), &p)) == -1)
		goto fail;
	if (n == 0)
		snprintf(status, sizeof(status), "review");
	if (appstate_parse(status, &st) == -1) {
		problem_field(&p, "status", "not an application status");
		goto fail;
	}
	if (page_parse(ctx, &queue_page, &pg, &p) == -1)
		goto fail;
	dbargs_init(&a);
	dbargs_text(&a, status);
	dbargs_text(&a, pg.has_after ? pg.after : NULL);
	dbargs_int(&a, pg.limit);
	r = db_exec(ctx->db, &sql_ops_queue, &a, &p);
	dbargs_free(&a);
	if (r == NULL)
		goto fail;
	items = json_array();
	for (i = 0; i < PQntuples(r); i++) {
		checks = json_loads(db_get(r, i, 13), 0, &err);
		o = json_pack("{s:s, s:s, s:s, s:o, s:{s:s, s:o, s:s, s:s, "
		              "s:{s:o, s:s}}, s:o, s:o, s:o, s:o}",
		    "id", db_get(r, i, 0), "status", db_get(r, i, 1), "product",
		    db_get(r, i, 2), "program", text_or_null(r, i, 3),
		    "applicant", "given_name", db_get(r, i, 4), "middle_name",
		    text_or_null(r, i, 5), "family_name", db_get(r, i, 6),
		    "email", db_get(r, i, 7), "home_address", "state",
		    text_or_null(r, i, 8), "country", db_get(r, i, 9),
		    "created_at", reply_time(db_get_time(r, i, 10)),
		    "updated_at", reply_time(db_get_time(r, i, 11)),
		    "email_verified_at", reply_time(db_get_time(r, i, 12)),
		    "identity_checks", checks != NULL ? checks : json_array());
		json_array_append_new(items, o);
	}
	page_reply(ctx, items,
	    page_full(&pg, PQntuples(r))
	        ? json_string(db_get(r, PQntuples(r) - 1, 0))
	        : NULL);
	PQclear(r);
	return;
fail:
	PQclear(r);
	reply_problem(ctx, &p, NULL);
}

static const char *const decision_keys[] = {"decision", "reason", NULL};

void
h_ops_decide(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id"), *decision = NULL, *reason = NULL;
	char actor[64];
	PGresult *r = NULL;
	struct problem p;
	struct dbargs a;
	json_error_t jerr;
	json_t *body = NULL, *details = NULL;
	int approve;

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
	approve = strcmp(decision, "approve") == 0;
	if (db_begin(ctx->db, &p) == -1)
		goto fail;
	dbargs_init(&a);
	dbargs_text(&a, id);
	r = db_exec(ctx->db, &sql_ops_app_lock, &a, &p);
	dbargs_free(&a);
	if (r == NULL)
		goto fail;
	if (PQntuples(r) != 1) {
		problem_set(
		    &p, 404, "not-found", "Not found", "No such application.");
		goto fail;
	}
	if (strcmp(db_get(r, 0, 0), "review") != 0) {
		problem_set(&p, 409, "not-in-review", "Not in review",
		    "Only an application in review can be decided; this one "
		    "is %s.",
		    db_get(r, 0, 0));
		goto fail;
	}
	snprintf(actor, sizeof(actor), "operator:%s", ctx->operator_id);
	details = json_pack("{s:s, s:s, s:s, s:s}", "operator",
	    ctx->operator_id, "operator_name", ctx->operator_name,
	    "cert_sha256", ctx->req->client_fp, "reason", reason);
	if (proofjob_decide(ctx->app, ctx->db, id, "review", approve, actor,
	        reason, NULL, details, ctx->now, &p) == -1 ||
	    db_commit(ctx->db, &p) == -1)
		goto fail;
	log_info("application decided by an operator",
	    "app=%s decision=%s operator=%s", id, decision, ctx->operator_id);
	reply_json(ctx, 200,
	    json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", id, "status",
	        approve ? "approved" : "rejected", "decision", decision,
	        "decided_by", ctx->operator_id, "decided_at",
	        reply_time(ctx->now)));
	goto out;
fail:
	db_rollback(ctx->db);
	reply_problem(ctx, &p, NULL);
out:
	json_decref(details);
	json_decref(body);
	PQclear(r);
}
