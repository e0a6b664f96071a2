/*
 * Passkeys of an application (api/service/passkey.h, docs/passkeys.md):
 *
 *   POST /v1/applications/:id/passkeys/options   the applicant (session of
 *        that application, proofed): 201 with the registration options
 *        and a single-use challenge
 *   POST /v1/applications/:id/passkeys   the applicant: the browser's
 *        answer {client_data_json, attestation_object, name?} -> 201
 *   GET  /v1/applications/:id/passkeys   the applicant or an operator
 *   POST /v1/applications/:id/passkeys/:passkey/revocation   the applicant
 *        or an operator (revoker, admin)
 *
 * Another application's session gets 404, as for every application route.
 */
#include <string.h>

#include <jansson.h>

#include "api/routes/handler.h"
#include "api/routes/operator.h"
#include "api/routes/routes.h"
#include "api/service/passkey.h"
#include "api/store/tx.h"

/* 0 if the caller is the session of application id or an operator; else
 * 404 (an applicant learns nothing of another application). */
static int
owner(const struct ctx *ctx, const char *id, struct problem *p)
{
	if (ctx->operator_id[0] != '\0' || strcmp(id, ctx->session_app) == 0)
		return 0;
	return problem_set(
	    p, 404, "not-found", "Not found", "No such application.");
}

void
h_passkey_options(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id");
	struct problem p;
	json_t *out = NULL;

	problem_clear(&p);
	if (strcmp(id, ctx->session_app) != 0) {
		problem_set(
		    &p, 404, "not-found", "Not found", "No such application.");
		goto fail;
	}
	if (passkey_options(ctx->app, ctx->db, id, ctx->now, &out, &p) == -1)
		goto fail;
	reply_json(ctx, 201, out);
	return;
fail:
	reply_problem(ctx, &p, NULL);
}

static const char *const register_keys[] = {
    "client_data_json", "attestation_object", "name", NULL};

void
h_passkey_register(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id");
	const char *cd = NULL, *att = NULL, *name = NULL;
	struct problem p;
	json_error_t jerr;
	json_t *body = NULL, *out = NULL;

	problem_clear(&p);
	if (strcmp(id, ctx->session_app) != 0) {
		problem_set(
		    &p, 404, "not-found", "Not found", "No such application.");
		goto fail;
	}
	if ((body = ctx_body(ctx, &p)) == NULL ||
	    ctx_known_fields(body, register_keys, &p) == -1)
		goto fail;
	if (json_unpack_ex(body, &jerr, JSON_STRICT, "{s:s, s:s, s?s}",
	        "client_data_json", &cd, "attestation_object", &att, "name",
	        &name) == -1) {
		problem_field(&p, "body", "%s", jerr.text);
		goto fail;
	}
	if (passkey_register(
	        ctx->app, ctx->db, id, cd, att, name, ctx->now, &out, &p) == -1)
		goto fail;
	json_decref(body);
	reply_json(ctx, 201, out);
	return;
fail:
	json_decref(body);
	reply_problem(ctx, &p, NULL);
}

void
h_passkey_list(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id");
	struct problem p;
	json_t *list;

	problem_clear(&p);
	if (owner(ctx, id, &p) == -1 ||
	    (list = passkey_list(ctx->db, id, &p)) == NULL) {
		reply_problem(ctx, &p, NULL);
		return;
	}
	reply_json(ctx, 200, json_pack("{s:o}", "passkeys", list));
}

void
h_passkey_revoke(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id");
	const char *pkid = ctx_param(ctx, "passkey");
	char actor[TX_ACTOR_MAX];
	struct problem p;

	problem_clear(&p);
	operator_actor(ctx, actor, sizeof(actor));
	if (ctx->operator_id[0] != '\0' &&
	    !(ctx->operator_roles &
	        (OPERATOR_ROLE_REVOKER | OPERATOR_ROLE_ADMIN))) {
		problem_set(&p, 403, "forbidden", "Forbidden",
		    "Revoking a passkey needs the revoker or admin role.");
		reply_problem(ctx, &p, NULL);
		return;
	}
	if (owner(ctx, id, &p) == -1 ||
	    passkey_revoke(ctx->db, id, pkid, actor, ctx->now, &p) == -1) {
		reply_problem(ctx, &p, NULL);
		return;
	}
	reply_json(
	    ctx, 200, json_pack("{s:s, s:s}", "id", pkid, "status", "revoked"));
}
