/* Public reads: readiness and the catalog. */
#include "api/app.h"
#include "api/db.h"
#include "api/routes.h"
#include "api/store.h"

void
h_readyz(struct ctx *ctx)
{
	struct problem p;

	problem_clear(&p);
	if (db_run(ctx->db, &sql_ping, NULL, &p) == -1) {
		reply_problem(ctx, &p, NULL);
		return;
	}
	reply_json(ctx, 200, json_pack("{s:s}", "status", "ready"));
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
