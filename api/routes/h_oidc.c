/*
 * Identity proofing through an OpenID provider (api/service/oidcflow.h):
 *
 *   POST /v1/applications/:id/oidc/start   the applicant (session of that
 *        application, e-mail verified): 201 with the authorization URL to
 *        send the browser to
 *   GET  /v1/oidc/callback?state&code|error  anyone: the provider's
 *        redirect back; the state (single use, short-lived, unguessable)
 *        is the only credential; 200 with where the application now
 *        stands
 */
#include <string.h>

#include <jansson.h>

#include "api/routes/handler.h"
#include "api/routes/routes.h"
#include "api/service/oidcflow.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

void
h_oidc_start(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id");
	struct problem p;
	char *url = NULL;
	time_t expires = 0;

	problem_clear(&p);
	if (strcmp(id, ctx->session_app) != 0) {
		problem_set(
		    &p, 404, "not-found", "Not found", "No such application.");
		goto fail;
	}
	if (oidcflow_start(
	        ctx->app, ctx->db, id, ctx->now, &url, &expires, &p) == -1)
		goto fail;
	reply_json(ctx, 201,
	    json_pack("{s:s, s:o}", "authorization_url", url, "expires_at",
	        wallclock_json(expires)));
	free(url);
	return;
fail:
	reply_problem(ctx, &p, NULL);
}

static const char *const callback_keys[] = {"state", "code", "error",
    "error_description", "iss", "session_state", NULL};

void
h_oidc_callback(struct ctx *ctx)
{
	struct oidcflow_result r;
	struct problem p;
	char state[160], code[600], error[80];
	int has_code, has_error;

	problem_clear(&p);
	state[0] = code[0] = error[0] = '\0';
	if (ctx_known_query(ctx, callback_keys, &p) == -1 ||
	    ctx_query(ctx, "state", state, sizeof(state), &p) == -1 ||
	    (has_code = ctx_query(ctx, "code", code, sizeof(code), &p)) == -1 ||
	    (has_error = ctx_query(ctx, "error", error, sizeof(error), &p)) ==
	        -1)
		goto fail;
	if (oidcflow_callback(ctx->app, ctx->db, state, has_code ? code : NULL,
	        has_error ? error : NULL, ctx->now, &r, &p) == -1)
		goto fail;
	reply_json(ctx, 200,
	    json_pack("{s:s, s:s, s:s}", "application", r.application_id,
	        "status", r.status, "rule", r.rule));
	return;
fail:
	reply_problem(ctx, &p, NULL);
}
