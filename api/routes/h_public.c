/* Public reads: readiness, the catalog and the application form. */
#include <stdlib.h>

#include "api/service/app.h"
#include "api/routes/routes.h"
#include "api/store/store_app.h"
#include "common/wallclock.h"

void
h_readyz(struct ctx *ctx)
{
	struct ready_outbox o;
	struct problem p;

	problem_clear(&p);
	/* Mail not yet delivered is reported, not a reason to be unready. */
	if (store_ping(ctx->db, &p) == -1 ||
	    store_ready_outbox(ctx->db, &o, &p) == -1) {
		reply_problem(ctx, &p, NULL);
		return;
	}
	reply_json(ctx, 200,
	    json_pack("{s:s, s:{s:I, s:I, s:I}}", "status", "ready", "outbox",
	        "queued", (json_int_t)o.queued, "oldest_age_seconds",
	        (json_int_t)(o.oldest != 0 && ctx->now > o.oldest
	                ? ctx->now - o.oldest
	                : 0),
	        "dead", (json_int_t)o.dead));
}

void
h_products(struct ctx *ctx)
{
	struct catalog cat;
	struct problem p;

	problem_clear(&p);
	if (app_catalog(ctx->app, ctx->db, &cat, &p) == -1) {
		reply_problem(ctx, &p, NULL);
		return;
	}
	reply_json(ctx, 200, catalog_to_json(&cat));
}

/* What the portal needs to show the application form: the subscriber
 * agreement in force (version, text) and the payment provider's card
 * frame.  Anyone may read it. */
void
h_application_form(struct ctx *ctx)
{
	const struct config *cfg = ctx->app->cfg;
	struct agreement_row a;
	struct problem p;
	int rc;

	problem_clear(&p);
	if ((rc = store_agreement_current(ctx->db, &a, &p)) != 1) {
		if (rc == 0)
			problem_internal(&p);
		reply_problem(ctx, &p, NULL);
		return;
	}
	reply_json(ctx, 200,
	    json_pack("{s:{s:s, s:o, s:s}, s:s?, s:s}", "agreement", "version",
	        a.version, "published_at", wallclock_json(a.published_at),
	        "text", a.body, "payment_form_url",
	        cfg->payment_form_url[0] != '\0' ? cfg->payment_form_url : NULL,
	        "policy", config_policy_name(cfg->policy)));
	free(a.body);
}
