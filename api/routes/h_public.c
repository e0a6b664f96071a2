/* Public reads: readiness and the catalog. */
#include "api/service/app.h"
#include "api/routes/routes.h"
#include "api/store/store_app.h"

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
