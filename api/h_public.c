/* Public reads: readiness and the catalog. */
#include "api/app.h"
#include "api/db.h"
#include "api/routes.h"
#include "api/store.h"
#include "api/store_mail.h"

void
h_readyz(struct ctx *ctx)
{
	struct problem p;

	PGresult *r;
	time_t oldest;

	problem_clear(&p);
	if (db_run(ctx->db, &sql_ping, NULL, &p) == -1) {
		reply_problem(ctx, &p, NULL);
		return;
	}
	/* Mail not yet delivered is reported, not a reason to be unready. */
	if ((r = db_exec(ctx->db, &sql_outbox_stats, NULL, &p)) == NULL) {
		reply_problem(ctx, &p, NULL);
		return;
	}
	oldest = db_get_time(r, 0, 1);
	reply_json(ctx, 200,
	    json_pack("{s:s, s:{s:I, s:I, s:I}}", "status", "ready", "outbox",
	        "queued", (json_int_t)db_get_int(r, 0, 0), "oldest_age_seconds",
	        (json_int_t)(oldest != 0 && ctx->now > oldest
	                ? ctx->now - oldest
	                : 0),
	        "dead", (json_int_t)db_get_int(r, 0, 2)));
	PQclear(r);
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
