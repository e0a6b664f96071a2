/*
 * The operators' search and application view (issue 17), for every
 * operator role, each field shown as api/service/ops_view.c's table says:
 *
 *   GET /v1/ops/search?q=<query>&limit=<n>&after=<cursor>
 *        applications found by application id, kit id, certificate serial
 *        (hex, any case, colons or not), e-mail, NPI, DEA number or name
 *        (prefix and typo-tolerant), with their certificates and kits;
 *        exact identifiers first, then names by similarity; paged.
 *        Audited (ops.search) with the operator and the query, personal
 *        data hashed.
 *   GET /v1/ops/applications/{id}
 *        one application with its certificates, kits, payments, identity
 *        checks, timeline, audit records and duplicates (another
 *        application or valid certificate of the same NPI, DEA number, or
 *        name and date of birth).  Audited (ops.application_viewed).
 */
#include <stdio.h>
#include <string.h>

#include "api/routes/operator.h"
#include "api/routes/page.h"
#include "api/routes/routes.h"
#include "api/service/ops_view.h"
#include "api/store/store_search.h"
#include "api/store/tx.h"
#include "api/store/audit.h"
#include "common/digest.h"
#include "common/logger.h"

_Static_assert(OPERATOR_ROLE_REVIEWER == OPS_VIEW_REVIEWER &&
        OPERATOR_ROLE_FULFILLER == OPS_VIEW_FULFILLER &&
        OPERATOR_ROLE_REVOKER == OPS_VIEW_REVOKER &&
        OPERATOR_ROLE_AUDITOR == OPS_VIEW_AUDITOR &&
        OPERATOR_ROLE_ADMIN == OPS_VIEW_ADMIN,
    "the role table's columns are the operator role bits");

#define SEARCH_DEFAULT_LIMIT 20
#define SEARCH_MAX_LIMIT     100

static const char *const search_params[] = {"q", "after", "limit", NULL};
static const struct page_rule search_page = {SEARCH_DEFAULT_LIMIT,
    SEARCH_MAX_LIMIT, 80, PAGE_AFTER_TIMED,
    "the next_after of the previous page of this search"};

/* The audit details of a search on db: the query as is for an id or a
 * serial, else only its keyed hash (audit_keyed_hash of the normalised
 * key).  NULL with p set on failure. */
static json_t *
search_details(const struct ctx *ctx, struct db *db,
    enum store_search_kind kind, const char *key, const struct page *pg,
    size_t n, struct problem *p)
{
	char hash[DIGEST_HEX_LEN];
	json_t *d;

	if (ops_search_kind_personal(kind) &&
	    audit_keyed_hash(db, key, hash, p) == -1)
		return NULL;

	d = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "operator",
	    ctx->operator_id, "operator_name", ctx->operator_name,
	    "cert_sha256", ctx->req->client_fp, "kind",
	    ops_search_kind_name(kind), "limit", (json_int_t)pg->limit,
	    "results", (json_int_t)n);
	if (ops_search_kind_personal(kind))
		json_object_set_new(d, "query_hmac", json_string(hash));
	else
		json_object_set_new(d, "query", json_string(key));
	if (pg->has_after)
		json_object_set_new(d, "after", json_string(pg->after));
	return d;
}

void
h_ops_search(struct ctx *ctx)
{
	char q[OPS_SEARCH_Q_MAX + 1], key[OPS_SEARCH_Q_MAX + 1], actor[64];
	char rank[16];
	struct store_search_row *rows = NULL;
	enum store_search_kind kind;
	struct problem p;
	struct page pg;
	struct tx tx;
	json_t *items = NULL, *o, *details = NULL, *next = NULL;
	size_t i, n = 0;
	int k;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	if (ctx_known_query(ctx, search_params, &p) == -1)
		goto fail;
	if ((k = ctx_query(ctx, "q", q, sizeof(q), &p)) == -1) {
		problem_clear(&p);
		problem_field(
		    &p, "q", "at most %d bytes, given once", OPS_SEARCH_Q_MAX);
		goto fail;
	}
	if (k == 0 || ops_search_classify(q, &kind, key, sizeof(key)) == -1) {
		problem_field(&p, "q",
		    "an application id (app_...), a kit id (kit_...), a "
		    "certificate serial (32 hex digits, colons allowed), an "
		    "e-mail address, an NPI, a DEA number or a name");
		goto fail;
	}
	if (page_parse(ctx, &search_page, &pg, &p) == -1)
		goto fail;
	if (pg.has_after && pg.after_time > STORE_SEARCH_RANK_EXACT) {
		problem_field(&p, "after", "%s", search_page.after_what);
		goto fail;
	}
	snprintf(actor, sizeof(actor), "operator:%s", ctx->operator_id);
	if (tx_begin(&tx, ctx->db, ctx->now, actor, &p) == -1)
		goto fail;
	if (store_search_apps(tx_db(&tx), kind, key,
	        pg.has_after ? (int)pg.after_time : 0,
	        pg.has_after ? pg.after_id : NULL, (int)pg.limit, &rows, &n,
	        &p) == -1)
		goto fail;
	if ((details = search_details(
	         ctx, tx_db(&tx), kind, key, &pg, n, &p)) == NULL ||
	    tx_audit(&tx, "ops.search", ctx->operator_id, details, &p) == -1 ||
	    tx_commit(&tx, &p) == -1)
		goto fail;
	items = json_array();
	for (i = 0; i < n; i++) {
		o = ops_view_application(ctx->operator_roles, &rows[i]);
		json_object_set_new(o, "match",
		    json_pack("{s:s, s:i}", "kind", ops_search_kind_name(kind),
		        "rank", rows[i].rank));
		json_array_append_new(items, o);
	}
	if (page_full(&pg, (int)n)) {
		snprintf(rank, sizeof(rank), "%d", rows[n - 1].rank);
		next = page_cursor_timed(rank, rows[n - 1].id);
	}
	log_info("operator search", "operator=%s kind=%s results=%zu",
	    ctx->operator_id, ops_search_kind_name(kind), n);
	page_reply(ctx, items, next);
	goto out;
fail:
	reply_tx_problem(ctx, &tx, &p, NULL);
out:
	json_decref(details);
	store_search_free(rows, n);
}

/* The list text as JSON, or [] if it does not parse. */
static json_t *
list(const char *text)
{
	json_error_t err;
	json_t *v = text != NULL ? json_loads(text, 0, &err) : NULL;

	return v != NULL ? v : json_array();
}

/* Sets key of o to the list text if roles may see field f. */
static void
section(json_t *o, const char *key, unsigned roles, enum ops_field f,
    const char *text)
{
	if (ops_view_show(roles, f) != OPS_HIDE)
		json_object_set_new(o, key, list(text));
}

/* The duplicates as [{application, status, reasons[], valid_certificate}]. */
static json_t *
duplicates_json(const struct store_duplicate_row *d, int n)
{
	json_t *a = json_array(), *reasons;
	char buf[sizeof(d->reasons)], *r, *save = NULL;
	int i;

	for (i = 0; i < n; i++) {
		reasons = json_array();
		snprintf(buf, sizeof(buf), "%s", d[i].reasons);
		for (r = strtok_r(buf, ",", &save); r != NULL;
		     r = strtok_r(NULL, ",", &save))
			json_array_append_new(reasons, json_string(r));
		json_array_append_new(a,
		    json_pack("{s:s, s:s, s:o, s:b}", "application",
		        d[i].application_id, "status", d[i].status, "reasons",
		        reasons, "valid_certificate", d[i].valid_certificate));
	}
	return a;
}

void
h_ops_application(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id");
	struct store_duplicate_row dups[STORE_SEARCH_DUPS_MAX];
	struct store_search_app_row row;
	unsigned roles = ctx->operator_roles;
	char actor[64];
	struct problem p;
	struct tx tx;
	json_t *o = NULL, *details = NULL;
	int found, ndup = 0;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	memset(&row, 0, sizeof(row));
	snprintf(actor, sizeof(actor), "operator:%s", ctx->operator_id);
	if (tx_begin(&tx, ctx->db, ctx->now, actor, &p) == -1)
		goto fail;
	if ((found = store_search_app(tx_db(&tx), id, &row, &p)) == -1)
		goto fail;
	if (found == 0) {
		problem_set(
		    &p, 404, "not-found", "Not found", "No such application.");
		goto fail;
	}
	if ((ndup = store_search_duplicates(tx_db(&tx), id, ctx->now, dups,
	         STORE_SEARCH_DUPS_MAX, &p)) == -1)
		goto fail;
	details = json_pack("{s:s, s:s, s:s}", "operator", ctx->operator_id,
	    "operator_name", ctx->operator_name, "cert_sha256",
	    ctx->req->client_fp);
	if (tx_audit(&tx, "ops.application_viewed", id, details, &p) == -1 ||
	    tx_commit(&tx, &p) == -1)
		goto fail;
	o = ops_view_application(roles, &row.app);
	section(o, "payments", roles, OPS_F_PAYMENTS, row.payments);
	section(o, "identity_checks", roles, OPS_F_IDENTITY_CHECKS,
	    row.identity_checks);
	section(o, "timeline", roles, OPS_F_TIMELINE, row.timeline);
	section(o, "audit", roles, OPS_F_AUDIT, row.audit);
	if (ops_view_show(roles, OPS_F_DUPLICATES) != OPS_HIDE) {
		json_object_set_new(o, "duplicate", json_boolean(ndup > 0));
		json_object_set_new(
		    o, "duplicates", duplicates_json(dups, ndup));
	}
	reply_json(ctx, 200, o);
	goto out;
fail:
	reply_tx_problem(ctx, &tx, &p, NULL);
out:
	json_decref(details);
	store_search_app_free(&row);
}
