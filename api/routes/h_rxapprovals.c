/*
 * Prescription approval with a passkey (api/service/rxapproval.h,
 * docs/approvals.md):
 *
 *   POST /v1/partner/approvals   a partner (API key), Idempotency-Key:
 *        {credential_id, summary, digests} -> 201 a pending request with
 *        its approval_url; 422 naming the field, 429 per prescriber.
 *   GET  /v1/partner/approvals/:id   that partner (another's is 404):
 *        the request, its state and, once decided, the signed record.
 *   GET  /v1/approvals/:id   anyone with the link (the id is 24 random
 *        characters): what the prescriber's page shows, with the
 *        options for navigator.credentials.get() while pending.
 *   POST /v1/approvals/:id/decision   anyone with the link and the
 *        passkey: {decision, credential_id, client_data_json,
 *        authenticator_data, signature}; the passkey is the credential.
 *   GET  /.well-known/jwks.json   anyone: the keys that sign records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/routes/handler.h"
#include "api/routes/idem.h"
#include "api/routes/routes.h"
#include "api/service/app.h"
#include "api/service/rxapproval.h"
#include "api/store/tx.h"
#include "common/rand.h"

#define ID_MAX 39 /* bytes of an approval id */

static const char *const request_keys[] = {
    "credential_id", "summary", "digests", NULL};

/* The answer of a replayed Idempotency-Key: request id's. */
static json_t *
request_answer(
    struct ctx *ctx, struct db *db, const char *id, struct problem *p)
{
	return rxapproval_partner_get(
	    ctx->app, db, ctx->partner_id, id, ctx->now, p);
}

static const struct idem_route request_idem = {
    "approvals", 201, request_answer};

void
h_rxapproval_request(struct ctx *ctx)
{
	const char *cred = NULL, *summary = NULL;
	char id[RXAPPROVAL_ID_LEN], actor[64];
	json_t *body = NULL, *digests = NULL, *out = NULL;
	struct problem p;
	json_error_t jerr;
	struct idem ik;
	struct tx tx;
	int rc;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	if (rxapproval_offered(ctx->app, &p) == -1 ||
	    idem_start(ctx, &request_idem, &ik, &p) == -1 ||
	    (body = ctx_body(ctx, &p)) == NULL ||
	    ctx_known_fields(body, request_keys, &p) == -1)
		goto fail;
	if (json_unpack_ex(body, &jerr, 0, "{s?s}", "credential_id", &cred) ==
	    -1)
		cred = NULL;
	if (json_unpack_ex(body, &jerr, 0, "{s?s}", "summary", &summary) == -1)
		summary = NULL;
	digests = json_object_get(body, "digests");
	if (rxapproval_validate(cred, summary, digests, &p) == -1)
		goto fail;
	if ((rc = idem_replay(ctx, &ik, &p)) == -1)
		goto fail;
	if (rc == 1)
		goto out;
	snprintf(actor, sizeof(actor), "partner:%s", ctx->partner_id);
	rand_id("apv_", id, sizeof(id));
	if (tx_begin(&tx, ctx->db, ctx->now, actor, &p) == -1)
		goto fail;
	if ((rc = idem_claim(ctx, &ik, &tx, id, &p)) == -1)
		goto fail;
	if (rc == 1)
		goto out;
	if (rxapproval_request(ctx->app, &tx, id, ctx->partner_id,
	        ctx->partner_program, cred, summary, digests, &out, &p) == -1 ||
	    tx_commit(&tx, &p) == -1)
		goto fail;
	reply_json(ctx, 201, out);
	out = NULL;
	goto out;
fail:
	reply_tx_problem(ctx, &tx, &p, NULL);
out:
	json_decref(out);
	json_decref(body);
}

/* The route's :id, or NULL with p saying 404. */
static const char *
route_id(struct ctx *ctx, struct problem *p)
{
	const char *id = ctx_param(ctx, "id");

	if (strncmp(id, "apv_", 4) != 0 || strlen(id) > ID_MAX) {
		problem_set(p, 404, "not-found", "Not found",
		    "No such approval request.");
		return NULL;
	}
	return id;
}

void
h_rxapproval_partner_get(struct ctx *ctx)
{
	const char *id;
	struct problem p;
	json_t *o = NULL;

	problem_clear(&p);
	if ((id = route_id(ctx, &p)) == NULL ||
	    (o = rxapproval_partner_get(ctx->app, ctx->db, ctx->partner_id, id,
	         ctx->now, &p)) == NULL) {
		reply_problem(ctx, &p, NULL);
		return;
	}
	reply_json(ctx, 200, o);
}

void
h_rxapproval_view(struct ctx *ctx)
{
	const char *id;
	struct problem p;
	json_t *o = NULL;

	problem_clear(&p);
	if ((id = route_id(ctx, &p)) == NULL ||
	    (o = rxapproval_view(ctx->app, ctx->db, id, ctx->now, &p)) ==
	        NULL) {
		reply_problem(ctx, &p, NULL);
		return;
	}
	http_response_add_header(&ctx->resp, "Cache-Control", "no-store");
	reply_json(ctx, 200, o);
}

static const char *const decision_keys[] = {"decision", "credential_id",
    "client_data_json", "authenticator_data", "signature", NULL};

void
h_rxapproval_decide(struct ctx *ctx)
{
	struct passkey_assertion a;
	const char *id, *decision = NULL;
	struct problem p;
	json_error_t jerr;
	json_t *body = NULL, *out = NULL;

	problem_clear(&p);
	memset(&a, 0, sizeof(a));
	if ((id = route_id(ctx, &p)) == NULL ||
	    (body = ctx_body(ctx, &p)) == NULL ||
	    ctx_known_fields(body, decision_keys, &p) == -1)
		goto fail;
	if (json_unpack_ex(body, &jerr, JSON_STRICT,
	        "{s:s, s:s, s:s, s:s, s:s}", "decision", &decision,
	        "credential_id", &a.credential_id, "client_data_json",
	        &a.client_data_json, "authenticator_data",
	        &a.authenticator_data, "signature", &a.signature) == -1) {
		problem_field(&p, "body", "%s", jerr.text);
		goto fail;
	}
	if (rxapproval_decide(
	        ctx->app, ctx->db, id, decision, &a, ctx->now, &out, &p) == -1)
		goto fail;
	json_decref(body);
	reply_json(ctx, 200, out);
	return;
fail:
	json_decref(body);
	reply_problem(ctx, &p, NULL);
}

void
h_rxapproval_jwks(struct ctx *ctx)
{
	http_response_add_header(
	    &ctx->resp, "Cache-Control", "public, max-age=300");
	reply_json(ctx, 200, rxapproval_jwks(ctx->app));
}
