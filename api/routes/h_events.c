/*
 * A partner's events, for a receiver that catches up without webhooks,
 * and its webhook secret's rotation (docs/partners.md), each behind a
 * partner API key (ROUTE_PARTNER): another partner's event is 404,
 * exactly as an unknown one.
 *
 *   GET  /v1/partner/events?after=&limit=     the partner's events by
 *        sequence (1, 2, 3, ... with no gap), each with its delivery
 *        state; next_after is the sequence of the last row of a full page.
 *   POST /v1/partner/events/{id}/redeliver    queue a new delivery of one
 *        event (202); one already queued is not queued twice.
 *   POST /v1/partner/webhook/secret {overlap_seconds?}   a new secret; the
 *        old one still signs beside it for the overlap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/config.h"
#include "api/routes/page.h"
#include "api/routes/routes.h"
#include "api/service/app.h"
#include "api/service/webhook.h"
#include "api/store/store_webhook.h"
#include "api/store/tx.h"
#include "common/wallclock.h"

#define EVENTS_DEFAULT_LIMIT 100
#define EVENTS_MAX_LIMIT     1000

static const char *const event_params[] = {"after", "limit", NULL};
static const struct page_rule event_page = {EVENTS_DEFAULT_LIMIT,
    EVENTS_MAX_LIMIT, 24, PAGE_AFTER_NUMBER,
    "a sequence number: the next_after of the previous page, or 0"};

static json_t *
event_json(const struct hook_event_row *e)
{
	json_error_t jerr;
	json_t *body;

	body = json_loads(e->body, 0, &jerr);
	return json_pack("{s:s, s:I, s:s, s:s, s:o, s:s, s:i, s:o, s:o}", "id",
	    e->id, "sequence", (json_int_t)e->sequence, "type", e->type,
	    "ordering_key", e->order_key, "created_at",
	    wallclock_json(e->created_at), "delivery_state", e->state,
	    "attempts", e->attempts, "delivered_at",
	    wallclock_json(e->delivered_at), "event",
	    body != NULL ? body : json_null());
}

void
h_partner_events(struct ctx *ctx)
{
	struct hook_event_row *rows = NULL;
	struct problem p;
	struct page pg;
	json_t *items;
	int i, n = 0;

	problem_clear(&p);
	if (ctx_known_query(ctx, event_params, &p) == -1 ||
	    page_parse(ctx, &event_page, &pg, &p) == -1 ||
	    store_hook_event_list(ctx->db, ctx->partner_id, pg.after_number,
	        (int)pg.limit, &rows, &n, &p) == -1)
		goto fail;
	items = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(items, event_json(&rows[i]));
	page_reply(ctx, items,
	    page_full(&pg, n) ? json_integer(rows[n - 1].sequence) : NULL);
	store_hook_event_rows_free(rows, n);
	return;
fail:
	store_hook_event_rows_free(rows, n);
	reply_problem(ctx, &p, NULL);
}

void
h_partner_event_redeliver(struct ctx *ctx)
{
	static const char *const what_names[] = {
	    "queued", "already_queued", "pending"};
	enum webhook_redelivery what = WEBHOOK_REDELIVERY_QUEUED;
	const char *id = ctx_param(ctx, "id");
	char actor[64];
	struct problem p;
	json_t *details;
	struct tx tx;
	int rc;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	snprintf(actor, sizeof(actor), "partner:%s", ctx->partner_id);
	if (tx_begin(&tx, ctx->db, ctx->now, actor, &p) == -1 ||
	    webhook_redeliver(
	        tx_db(&tx), ctx->partner_id, id, ctx->now, &what, &p) == -1)
		goto fail;
	details = json_pack(
	    "{s:s, s:s}", "event", id, "redelivery", what_names[what]);
	rc = tx_audit(
	    &tx, "partner.event_redeliver", ctx->partner_id, details, &p);
	json_decref(details);
	if (rc == -1 || tx_commit(&tx, &p) == -1)
		goto fail;
	reply_json(ctx, 202,
	    json_pack(
	        "{s:s, s:s}", "event_id", id, "redelivery", what_names[what]));
	return;
fail:
	reply_tx_problem(ctx, &tx, &p, NULL);
}

static const char *const rotate_keys[] = {"overlap_seconds", NULL};

void
h_partner_hook_rotate(struct ctx *ctx)
{
	struct webhook_rotation rot;
	json_int_t overlap = -1;
	json_error_t jerr;
	json_t *body = NULL, *details;
	struct problem p;
	char actor[64];
	struct tx tx;
	int rc;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	memset(&rot, 0, sizeof(rot));
	/* The body is optional: none is the configured overlap. */
	if (ctx->req->body_len > 0 &&
	    ((body = ctx_body(ctx, &p)) == NULL ||
	        ctx_known_fields(body, rotate_keys, &p) == -1))
		goto fail;
	if (body != NULL &&
	    json_unpack_ex(
	        body, &jerr, 0, "{s?I}", "overlap_seconds", &overlap) == -1) {
		problem_field(
		    &p, "overlap_seconds", "an integer number of seconds");
		goto fail;
	}
	if (body != NULL && json_object_get(body, "overlap_seconds") != NULL &&
	    overlap < 0) {
		problem_field(&p, "overlap_seconds", "0 or more seconds");
		goto fail;
	}
	snprintf(actor, sizeof(actor), "partner:%s", ctx->partner_id);
	if (tx_begin(&tx, ctx->db, ctx->now, actor, &p) == -1 ||
	    webhook_rotate(tx_db(&tx), ctx->app->cfg, ctx->partner_id,
	        (long)overlap, ctx->now, &rot, &p) == -1)
		goto fail;
	details = json_pack("{s:s, s:o}", "secret_id", rot.secret_id,
	    "old_secret_until", wallclock_json(rot.old_until));
	rc = tx_audit(&tx, "partner.webhook_secret_rotated", ctx->partner_id,
	    details, &p);
	json_decref(details);
	if (rc == -1 || tx_commit(&tx, &p) == -1)
		goto fail;
	reply_json(ctx, 200,
	    json_pack("{s:s, s:s, s:o}", "secret", rot.secret, "secret_id",
	        rot.secret_id, "old_secret_until",
	        wallclock_json(rot.old_until)));
	goto out;
fail:
	reply_tx_problem(ctx, &tx, &p, NULL);
out:
	OPENSSL_cleanse(&rot, sizeof(rot));
	json_decref(body);
}
