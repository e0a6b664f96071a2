/* The price quote, and the operators' view of payments with the manual
 * refund (api/service/payment.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/service/app.h"
#include "api/jobs/jobkinds.h"
#include "api/jobs/jobs.h"
#include "api/routes/routes.h"
#include "api/store/store_payment.h"
#include "api/store/tx.h"
#include "common/logger.h"
#include "common/wallclock.h"
#include "proofing/price.h"

/* A string member of o, or NULL (a non-string is a field error). */
static const char *
member(json_t *o, const char *name, const char *path, struct problem *p)
{
	json_t *v = json_object_get(o, name);

	if (v == NULL || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		problem_field(p, path, "must be a string");
		return NULL;
	}
	return json_string_value(v);
}

void
h_quote(struct ctx *ctx)
{
	struct catalog cat;
	struct price price;
	struct problem p;
	json_t *body = NULL, *addr;
	const char *product, *storage, *shipping, *program, *voucher;
	const char *country, *state;
	long off = 0;
	int found;

	problem_clear(&p);
	if ((body = ctx_body(ctx, &p)) == NULL)
		goto fail;
	if (app_catalog(ctx->app, ctx->db, &cat, &p) == -1)
		goto fail;
	/* The application body, all of it optional but what prices it. */
	addr =
	    json_object_get(json_object_get(body, "applicant"), "home_address");
	product = member(body, "product", "product", &p);
	storage = member(body, "storage", "storage", &p);
	shipping = member(body, "shipping", "shipping", &p);
	program = member(body, "program", "program", &p);
	voucher = member(body, "voucher", "voucher", &p);
	country = member(addr, "country", "applicant.home_address.country", &p);
	state = member(addr, "state", "applicant.home_address.state", &p);
	if (p.status != 0)
		goto fail;
	if (product == NULL)
		problem_field(&p, "product", "is required");
	if (country == NULL)
		problem_field(
		    &p, "applicant.home_address.country", "is required");
	if (p.status != 0)
		goto fail;
	if (voucher != NULL) {
		if ((found = store_pay_voucher_amount(
		         ctx->db, voucher, program, &off, &p)) == -1)
			goto fail;
		if (!found) {
			problem_invalid(
			    &p, "voucher", "unknown or already redeemed");
			goto fail;
		}
	}
	if (price_compute(&cat, product, storage, shipping, country, state, off,
	        &price, &p) == -1)
		goto fail;
	json_decref(body);
	reply_json(ctx, 200, price_to_json(&price));
	return;
fail:
	json_decref(body);
	reply_problem(ctx, &p, NULL);
}

static const char *const list_params[] = {"application", NULL};

void
h_ops_payments(struct ctx *ctx)
{
	char id[64];
	struct payment_row pay;
	struct pay_event_row *ev = NULL;
	struct problem p;
	json_t *o, *events;
	size_t i, nev = 0;
	int n, found;

	problem_clear(&p);
	if (ctx_known_query(ctx, list_params, &p) == -1)
		goto fail;
	if ((n = ctx_query(ctx, "application", id, sizeof(id), &p)) == -1)
		goto fail;
	if (n == 0) {
		problem_field(&p, "application", "is required");
		goto fail;
	}
	if ((found = store_pay_get(ctx->db, id, &pay, &p)) == -1 ||
	    store_pay_events(ctx->db, id, &ev, &nev, &p) == -1)
		goto fail;
	events = json_array();
	for (i = 0; i < nev; i++)
		json_array_append_new(events,
		    json_pack("{s:s, s:I, s:s, s:s, s:s?, s:o}", "kind",
		        ev[i].kind, "amount_cents", (json_int_t)ev[i].cents,
		        "provider_ref", ev[i].ref, "actor", ev[i].actor,
		        "reason", ev[i].reason, "at",
		        wallclock_json(ev[i].at)));
	o = json_pack("{s:s, s:[]}", "application", id, "payments");
	if (found)
		json_array_append_new(json_object_get(o, "payments"),
		    json_pack("{s:s, s:s?, s:s, s:s, s:I, s:I, s:I, s:o, s:o, "
		              "s:o}",
		        "authorisation", pay.authorisation, "card_last4",
		        pay.last4[0] != '\0' ? pay.last4 : NULL, "currency",
		        pay.currency, "status", pay.status, "authorised_cents",
		        (json_int_t)pay.authorised, "captured_cents",
		        (json_int_t)pay.captured, "refunded_cents",
		        (json_int_t)pay.refunded, "created_at",
		        wallclock_json(pay.created_at), "updated_at",
		        wallclock_json(pay.updated_at), "events", events));
	else
		json_decref(events);
	store_pay_events_free(ev, nev);
	reply_json(ctx, 200, o);
	return;
fail:
	store_pay_events_free(ev, nev);
	reply_problem(ctx, &p, NULL);
}

static const char *const refund_keys[] = {"amount_cents", "reason", NULL};

void
h_ops_payment_refund(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "application"), *reason = NULL;
	char actor[48];
	struct payment_row pay;
	struct problem p;
	struct tx tx;
	json_error_t jerr;
	json_t *body = NULL, *payload = NULL, *details;
	json_int_t amount = -1;
	char *pl = NULL;
	long left;
	int found, rc;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	if ((body = ctx_body(ctx, &p)) == NULL)
		goto fail;
	if (ctx_known_fields(body, refund_keys, &p) == -1)
		goto fail;
	if (json_unpack_ex(body, &jerr, JSON_STRICT, "{s?I, s:s}",
	        "amount_cents", &amount, "reason", &reason) == -1) {
		problem_field(&p,
		    strstr(jerr.text, "amount") != NULL ? "amount_cents"
		                                        : "reason",
		    "%s", jerr.text);
		goto fail;
	}
	if (reason[0] == '\0' || strlen(reason) > 500) {
		problem_invalid(&p, "reason", "1 to 500 characters");
		goto fail;
	}
	if (json_object_get(body, "amount_cents") != NULL && amount <= 0) {
		problem_invalid(&p, "amount_cents", "a positive integer");
		goto fail;
	}
	snprintf(actor, sizeof(actor), "operator:%s", ctx->operator_id);
	if (tx_begin(&tx, ctx->db, ctx->now, actor, &p) == -1)
		goto fail;
	if ((found = store_pay_lock(tx_db(&tx), id, &pay, &p)) == -1)
		goto fail;
	if (!found) {
		problem_set(&p, 404, "not-found", "Not found",
		    "No payment for this application.");
		goto fail;
	}
	left = pay.captured - pay.refunded;
	if (strcmp(pay.status, "captured") != 0 &&
	    strcmp(pay.status, "partially_refunded") != 0) {
		problem_set(&p, 409, "not-refundable", "Nothing to refund",
		    "The payment is %s.", pay.status);
		goto fail;
	}
	if (amount > left) {
		problem_invalid(&p, "amount_cents", "more than what is left");
		goto fail;
	}
	payload = json_pack(
	    "{s:s, s:s, s:b}", "reason", reason, "actor", actor, "manual", 1);
	if (amount > 0)
		json_object_set_new(
		    payload, "amount_cents", json_integer(amount));
	pl = json_dumps(payload, JSON_COMPACT);
	if (jobs_add(tx_db(&tx), ctx->app->cfg, JOB_PAYMENT_REFUND, id, pl,
	        ctx->now, &p) == -1)
		goto fail;
	details = json_pack("{s:I, s:s}", "amount_cents",
	    (json_int_t)(amount > 0 ? amount : left), "reason", reason);
	rc = tx_audit(&tx, "payment.refund_requested", id, details, &p);
	json_decref(details);
	if (rc == -1 || tx_commit(&tx, &p) == -1)
		goto fail;
	log_info(
	    "manual refund queued", "app=%s operator=%s", id, ctx->operator_id);
	reply_json(ctx, 202,
	    json_pack("{s:s, s:s, s:I}", "application", id, "status", "queued",
	        "amount_cents", (json_int_t)(amount > 0 ? amount : left)));
	goto out;
fail:
	reply_tx_problem(ctx, &tx, &p, NULL);
out:
	free(pl);
	json_decref(payload);
	json_decref(body);
}
