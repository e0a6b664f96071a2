/*
 * GET /v1/ops/dashboard (docs/console.md): any operator.  What waits for
 * whom (the review queue, kits to print and to ship, pending dual-control
 * actions, the mail outbox's backlog and its oldest), how fresh the
 * revocation data are (the pre-signed OCSP answers, each CA's CRL) and
 * when the CA's certificates end; and who is asking (the operator's
 * name and roles, for the console to offer only what they may do) and
 * which actions are under dual control.  Counts only, no personal data:
 * not audited.
 */
#include <string.h>

#include "api/config.h"
#include "api/routes/operator.h"
#include "api/routes/routes.h"
#include "api/service/app.h"
#include "api/store/store_dashboard.h"
#include "common/wallclock.h"

/* The comma-separated names of list as a JSON array (a new reference). */
static json_t *
names(const char *list)
{
	json_t *a = json_array();
	size_t n;

	while (list != NULL && *list != '\0') {
		n = strcspn(list, ",");
		if (n > 0)
			json_array_append_new(a, json_stringn(list, n));
		list += n;
		if (*list == ',')
			list++;
	}
	return a;
}

static json_t *
ca_json(const struct store_dashboard_ca *c)
{
	json_t *crl = json_null();

	if (c->crl > 0)
		crl = json_pack("{s:I, s:o, s:o}", "number", (json_int_t)c->crl,
		    "this_update", wallclock_json(c->crl_this), "next_update",
		    wallclock_json(c->crl_next));
	return json_pack("{s:s, s:s, s:o, s:o}", "name", c->name, "subject",
	    c->subject, "not_after", wallclock_json(c->not_after), "crl", crl);
}

void
h_ops_dashboard(struct ctx *ctx)
{
	static const char *const known[] = {NULL};
	struct store_dashboard d;
	json_t *body, *cas, *age;
	struct problem p;
	int i;

	problem_clear(&p);
	if (ctx_known_query(ctx, known, &p) == -1 ||
	    store_dashboard_read(ctx->db, ctx->now, &d, &p) == -1) {
		reply_problem(ctx, &p, NULL);
		return;
	}
	cas = json_array();
	for (i = 0; i < d.ncas; i++)
		json_array_append_new(cas, ca_json(&d.cas[i]));
	age = d.outbox_oldest != 0
	    ? json_integer((json_int_t)(ctx->now - d.outbox_oldest))
	    : json_null();
	body = json_pack("{s:o, s:{s:s, s:s, s:o}, s:o, s:s, s:{s:I}, "
	                 "s:{s:I, s:I}, s:{s:I}, s:{s:I, s:o, s:o}, "
	                 "s:{s:I, s:I, s:o, s:o}, s:o}",
	    "at", wallclock_json(ctx->now), "operator", "id", ctx->operator_id,
	    "name", ctx->operator_name, "roles",
	    operator_roles_json(ctx->operator_roles), "dual_control",
	    names(ctx->app->cfg->dual_control), "public_url",
	    ctx->app->cfg->public_url, "review", "queue", (json_int_t)d.review,
	    "kits", "to_print", (json_int_t)d.kits_to_print, "to_ship",
	    (json_int_t)d.kits_to_ship, "approvals", "pending",
	    (json_int_t)d.approvals_pending, "outbox", "backlog",
	    (json_int_t)d.outbox_backlog, "oldest_at",
	    wallclock_json(d.outbox_oldest), "oldest_age_seconds", age, "ocsp",
	    "responses", (json_int_t)d.ocsp_responses, "stale",
	    (json_int_t)d.ocsp_stale, "oldest_this_update",
	    wallclock_json(d.ocsp_oldest), "next_update",
	    wallclock_json(d.ocsp_next), "cas", cas);
	reply_json(ctx, 200, body);
}
