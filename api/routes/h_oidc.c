/*
 * Identity proofing through an OpenID provider (api/service/oidcflow.h):
 *
 *   POST /v1/applications/:id/oidc/start   the applicant (session of that
 *        application, e-mail verified): 201 with the authorization URL to
 *        send the browser to; an optional body {"return_to": "portal"}
 *        (default "api") fixes how the callback answers
 *   GET  /v1/oidc/callback?state&code|error  anyone: the provider's
 *        redirect back; the state (single use, short-lived, unguessable)
 *        is the only credential; 200 with where the application now
 *        stands, or for a sign-in the portal started, 303 to the portal's
 *        status page with the outcome (a word, no identifier or secret)
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/config.h"
#include "api/routes/handler.h"
#include "api/routes/routes.h"
#include "api/service/app.h"
#include "api/service/oidcflow.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

static const char *const start_keys[] = {"return_to", NULL};

/* The start's optional body: 1 for {"return_to": "portal"}, 0 for none
 * or "api", -1 with p set. */
static int
start_browser(struct ctx *ctx, struct problem *p)
{
	const char *to = NULL;
	json_error_t jerr;
	json_t *body;
	int rc = -1;

	if (ctx->req->body_len == 0)
		return 0;
	if ((body = ctx_body(ctx, p)) == NULL)
		return -1;
	if (ctx_known_fields(body, start_keys, p) == -1)
		goto out;
	if (json_unpack_ex(body, &jerr, 0, "{s?s}", "return_to", &to) == -1)
		problem_field(p, "return_to", "%s", jerr.text);
	else if (to != NULL && strcmp(to, "portal") != 0 &&
	    strcmp(to, "api") != 0)
		problem_field(p, "return_to", "portal or api");
	else
		rc = to != NULL && strcmp(to, "portal") == 0;
out:
	json_decref(body);
	return rc;
}

void
h_oidc_start(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id");
	struct problem p;
	char *url = NULL;
	time_t expires = 0;
	int browser;

	problem_clear(&p);
	if (strcmp(id, ctx->session_app) != 0) {
		problem_set(
		    &p, 404, "not-found", "Not found", "No such application.");
		goto fail;
	}
	if ((browser = start_browser(ctx, &p)) == -1 ||
	    oidcflow_start(ctx->app, ctx->db, id, browser, ctx->now, &url,
	        &expires, &p) == -1)
		goto fail;
	reply_json(ctx, 201,
	    json_pack("{s:s, s:o}", "authorization_url", url, "expires_at",
	        wallclock_json(expires)));
	free(url);
	return;
fail:
	reply_problem(ctx, &p, NULL);
}

/* The portal's status page with the outcome of a sign-in it started:
 * approved, review or rejected, cancelled (the applicant did not sign
 * in) or failed (the provider's answer was refused). */
static void
back_to_portal(struct ctx *ctx, const char *outcome)
{
	char *url =
	    xprintf("%s/status?oidc=%s", ctx->app->cfg->public_url, outcome);

	reply_redirect(ctx, url);
	free(url);
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
	        has_error ? error : NULL, ctx->now, &r, &p) == -1) {
		if (!r.browser)
			goto fail;
		back_to_portal(ctx,
		    strcmp(p.type, "oidc-refused") == 0 ? "cancelled"
		                                        : "failed");
		return;
	}
	if (r.browser) {
		back_to_portal(ctx, r.status);
		return;
	}
	reply_json(ctx, 200,
	    json_pack("{s:s, s:s, s:s}", "application", r.application_id,
	        "status", r.status, "rule", r.rule));
	return;
fail:
	reply_problem(ctx, &p, NULL);
}
