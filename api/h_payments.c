/* The price quote, and the operators' view of payments with the manual
 * refund (api/payment.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/audit.h"
#include "api/db.h"
#include "api/jobkinds.h"
#include "api/jobs.h"
#include "api/routes.h"
#include "api/store_payment.h"
#include "common/logger.h"
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
	struct dbargs a;
	json_t *body = NULL, *addr;
	PGresult *r = NULL;
	const char *product, *storage, *shipping, *program, *voucher;
	const char *country, *state;
	long off = 0;

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
		dbargs_init(&a);
		dbargs_text(&a, voucher);
		dbargs_text(&a, program);
		r = db_exec(ctx->db, &sql_pay_voucher_amount, &a, &p);
		dbargs_free(&a);
		if (r == NULL)
			goto fail;
		if (PQntuples(r) != 1) {
			problem_invalid(
			    &p, "voucher", "unknown or already redeemed");
			goto fail;
		}
		off = (long)db_get_int(r, 0, 0);
	}
	if (price_compute(&cat, product, storage, shipping, country, state, off,
	        &price, &p) == -1)
		goto fail;
	PQclear(r);
	json_decref(body);
	reply_json(ctx, 200, price_to_json(&price));
	return;
fail:
	PQclear(r);
	json_decref(body);
	reply_problem(ctx, &p, NULL);
}

static const char *const list_params[] = {"application", NULL};

void
h_ops_payments(struct ctx *ctx)
{
	char id[64];
	PGresult *r = NULL, *ev = NULL;
	struct problem p;
	struct dbargs a;
	json_t *o, *events;
	int i, n;

	problem_clear(&p);
	if (ctx_known_query(ctx, list_params, &p) == -1)
		goto fail;
	if ((n = ctx_query(ctx, "application", id, sizeof(id), &p)) == -1)
		goto fail;
	if (n == 0) {
		problem_field(&p, "application", "is required");
		goto fail;
	}
	dbargs_init(&a);
	dbargs_text(&a, id);
	r = db_exec(ctx->db, &sql_pay_get, &a, &p);
	if (r != NULL)
		ev = db_exec(ctx->db, &sql_pay_events, &a, &p);
	dbargs_free(&a);
	if (r == NULL || ev == NULL)
		goto fail;
	events = json_array();
	for (i = 0; i < PQntuples(ev); i++)
		json_array_append_new(events,
		    json_pack("{s:s, s:I, s:s, s:s, s:s?, s:o}", "kind",
		        db_get(ev, i, 0), "amount_cents",
		        (json_int_t)db_get_int(ev, i, 1), "provider_ref",
		        db_get(ev, i, 2), "actor", db_get(ev, i, 3), "reason",
		        db_get(ev, i, 4), "at",
		        reply_time(db_get_time(ev, i, 5))));
	o = json_pack("{s:s, s:[]}", "application", id, "payments");
	if (PQntuples(r) == 1)
		json_array_append_new(json_object_get(o, "payments"),
		    json_pack("{s:s, s:s?, s:s, s:s, s:I, s:I, s:I, s:o, s:o, "
		              "s:o}",
		        "authorisation", db_get(r, 0, 1), "card_last4",
		        db_get(r, 0, 2), "currency", db_get(r, 0, 3), "status",
		        db_get(r, 0, 4), "authorised_cents",
		        (json_int_t)db_get_int(r, 0, 5), "captured_cents",
		        (json_int_t)db_get_int(r, 0, 6), "refunded_cents",
		        (json_int_t)db_get_int(r, 0, 7), "created_at",
		        reply_time(db_get_time(r, 0, 8)), "updated_at",
		        reply_time(db_get_time(r, 0, 9)), "events", events));
	else
		json_decref(events);
	PQclear(r);
	PQclear(ev);
	reply_json(ctx, 200, o);
	return;
fail:
	PQclear(r);
	PQclear(ev);
	reply_problem(ctx, &p, NULL);
}

static const char *const refund_keys[] = {"amount_cents", "reason", NULL};

void
h_ops_payment_refund(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "application"), *reason = NULL;
	char actor[48];
	PGresult *r = NULL;
	struct problem p;
	struct dbargs a;
	json_error_t jerr;
	json_t *body = NULL, *payload = NULL, *details;
	json_int_t amount = -1;
	char *pl = NULL;
	long left;
	int rc;

	problem_clear(&p);
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
	if (db_begin(ctx->db, &p) == -1)
		goto fail;
	dbargs_init(&a);
	dbargs_text(&a, id);
	r = db_exec(ctx->db, &sql_pay_lock, &a, &p);
	dbargs_free(&a);
	if (r == NULL)
		goto fail;
	if (PQntuples(r) != 1) {
		problem_set(&p, 404, "not-found", "Not found",
		    "No payment for this application.");
		goto fail;
	}
	left = (long)(db_get_int(r, 0, 3) - db_get_int(r, 0, 4));
	if (strcmp(db_get(r, 0, 1), "captured") != 0 &&
	    strcmp(db_get(r, 0, 1), "partially_refunded") != 0) {
		problem_set(&p, 409, "not-refundable", "Nothing to refund",
		    "The payment is %s.", db_get(r, 0, 1));
		goto fail;
	}
	if (amount > left) {
		problem_invalid(&p, "amount_cents", "more than what is left");
		goto fail;
	}
	snprintf(actor, sizeof(actor), "operator:%s", ctx->operator_id);
	payload = json_pack(
	    "{s:s, s:s, s:b}", "reason", reason, "actor", actor, "manual", 1);
	if (amount > 0)
		json_object_set_new(
		    payload, "amount_cents", json_integer(amount));
	pl = json_dumps(payload, JSON_COMPACT);
	if (jobs_add(ctx->db, ctx->app->cfg, JOB_PAYMENT_REFUND, id, pl,
	        ctx->now, &p) == -1)
		goto fail;
	details = json_pack("{s:I, s:s}", "amount_cents",
	    (json_int_t)(amount > 0 ? amount : left), "reason", reason);
	rc = audit_append(ctx->db, ctx->now, actor, "payment.refund_requested",
	    id, details, &p);
	json_decref(details);
	if (rc == -1 || db_commit(ctx->db, &p) == -1)
		goto fail;
	log_info(
	    "manual refund queued", "app=%s operator=%s", id, ctx->operator_id);
	reply_json(ctx, 202,
	    json_pack("{s:s, s:s, s:I}", "application", id, "status", "queued",
	        "amount_cents", (json_int_t)(amount > 0 ? amount : left)));
	goto out;
fail:
	db_rollback(ctx->db);
	reply_problem(ctx, &p, NULL);
out:
	free(pl);
	json_decref(payload);
	json_decref(body);
	PQclear(r);
}
