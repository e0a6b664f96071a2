/*
 * The administrators' routes for partners (docs/partners.md), admin role:
 *
 *   POST   /v1/ops/partners {name, program}        -> the partner
 *   POST   /v1/ops/partners/{id}/keys              -> an API key, shown
 *          this once (only its hash is kept); under dual control when
 *          RXCA_DUAL_CONTROL lists "partner.key" (202, a second admin
 *          confirms and sees the key)
 *   DELETE /v1/ops/partners/{id}/keys/{key id}     revokes it at once
 *   POST   /v1/ops/partners/{id}/vouchers {amount_cents, count}
 *          -> prepaid voucher codes the partner holds (single use)
 *   GET    /v1/ops/partners                        every partner with its
 *          live keys, vouchers made and left, webhook (admin, auditor)
 *   GET    /v1/ops/partners/{id}                   one, with its keys
 *          (never a secret) and vouchers (codes masked to their last
 *          four characters: the partner holds them) (admin, auditor)
 *   POST   /v1/ops/partners/{id}/sandbox {program?}  -> the partner's
 *          sandbox (201 made, 200 the one it has); its keys are made
 *          with POST .../partners/{sandbox id}/keys, as rxp_test_...
 *   GET    /v1/ops/partners/{id}/sandbox   -> the sandbox and its keys
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/service/partner.h"
#include "api/service/sandbox.h"
#include "api/routes/h_approvals.h"
#include "api/routes/operator.h"
#include "api/routes/routes.h"
#include "api/store/store_partners.h"
#include "api/store/store_pkeys.h"
#include "api/store/tx.h"
#include "common/logger.h"
#include "common/rand.h"
#include "common/wallclock.h"

#define VOUCHERS_MAX       100     /* codes made in one request */
#define VOUCHER_AMOUNT_MAX 1000000 /* cents */

static const char *const partner_keys[] = {"name", "program", NULL};

void
h_ops_partner_create(struct ctx *ctx)
{
	const char *name = NULL, *program = NULL;
	char id[32], actor[64];
	struct problem p;
	json_error_t jerr;
	json_t *body = NULL;
	struct tx tx;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	if ((body = ctx_body(ctx, &p)) == NULL ||
	    ctx_known_fields(body, partner_keys, &p) == -1)
		goto fail;
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "name", &name) == -1)
		problem_field(&p, "name", "required: a string");
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "program", &program) == -1)
		problem_field(&p, "program", "required: a string");
	if (p.status != 0)
		goto fail;
	operator_actor(ctx, actor, sizeof(actor));
	if (tx_begin(&tx, ctx->db, ctx->now, actor, &p) == -1 ||
	    partner_create_tx(&tx, name, program, id, sizeof(id), &p) == -1 ||
	    tx_commit(&tx, &p) == -1)
		goto fail;
	log_info("partner created", "partner=%s program=%s operator=%s", id,
	    program, ctx->operator_id);
	reply_json(ctx, 201,
	    json_pack("{s:s, s:s, s:s, s:o}", "id", id, "name", name, "program",
	        program, "created_at", wallclock_json(ctx->now)));
	goto out;
fail:
	reply_tx_problem(ctx, &tx, &p, NULL);
out:
	json_decref(body);
}

/* A new API key of partner id, shown this once in the result: the
 * action of ops_action_partner_key. */
static int
partner_key_run(struct ctx *ctx, struct tx *tx, const char *id, json_t *params,
    void *state, json_t **result, struct problem *p)
{
	char key[PARTNER_KEY_MAX + 1], kid[PARTNER_KEY_ID_LEN + 1];
	int rc = -1;

	(void)params;
	(void)state;
	key[0] = '\0';
	if (partner_key_create_tx(tx, id, key, kid, p) == -1)
		goto out;
	*result = json_pack("{s:s, s:s, s:s, s:o}", "partner_id", id, "key_id",
	    kid, "api_key", key, "created_at", wallclock_json(ctx->now));
	rc = 0;
out:
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

static void
partner_key_done(struct ctx *ctx, const char *id, json_t *result)
{
	log_info("partner key created", "partner=%s key=%s operator=%s", id,
	    json_string_value(json_object_get(result, "key_id")),
	    ctx->operator_id);
}

const struct ops_action ops_action_partner_key = {"partner.key",
    OPERATOR_ROLE_ADMIN, 201, NULL, partner_key_run, NULL, partner_key_done};

void
h_ops_partner_key(struct ctx *ctx)
{
	struct problem p;
	json_t *params;

	problem_clear(&p);
	if (ctx->req->body_len > 0) {
		problem_set(&p, 400, "unexpected-body", "Unexpected body",
		    "This request takes no body.");
		reply_problem(ctx, &p, NULL);
		return;
	}
	params = json_object();
	h_approvals_submit(
	    ctx, &ops_action_partner_key, ctx_param(ctx, "id"), params);
	json_decref(params);
}

void
h_ops_partner_key_revoke(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id"), *kid = ctx_param(ctx, "key");
	char actor[64];
	struct problem p;
	time_t at = 0;
	struct tx tx;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	operator_actor(ctx, actor, sizeof(actor));
	if (tx_begin(&tx, ctx->db, ctx->now, actor, &p) == -1 ||
	    partner_key_revoke_tx(&tx, id, kid, &at, &p) == -1 ||
	    tx_commit(&tx, &p) == -1) {
		reply_tx_problem(ctx, &tx, &p, NULL);
		return;
	}
	log_info("partner key revoked", "partner=%s key=%s operator=%s", id,
	    kid, ctx->operator_id);
	reply_json(ctx, 200,
	    json_pack("{s:s, s:s, s:o}", "partner_id", id, "key_id", kid,
	        "revoked_at", wallclock_json(at)));
}

static const char *const voucher_keys[] = {"amount_cents", "count", NULL};

void
h_ops_partner_vouchers(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id");
	char code[32], actor[64];
	struct partner_row partner;
	struct problem p;
	json_error_t jerr;
	json_t *body = NULL, *codes = NULL, *details;
	json_int_t amount = 0, count = 1;
	struct tx tx;
	int i, rc, found;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	if ((body = ctx_body(ctx, &p)) == NULL ||
	    ctx_known_fields(body, voucher_keys, &p) == -1)
		goto fail;
	if (json_unpack_ex(body, &jerr, 0, "{s:I}", "amount_cents", &amount) ==
	        -1 ||
	    amount < 1 || amount > VOUCHER_AMOUNT_MAX)
		problem_field(&p, "amount_cents", "an integer from 1 to %d",
		    VOUCHER_AMOUNT_MAX);
	if (json_unpack_ex(body, &jerr, 0, "{s?I}", "count", &count) == -1 ||
	    count < 1 || count > VOUCHERS_MAX)
		problem_field(
		    &p, "count", "an integer from 1 to %d", VOUCHERS_MAX);
	if (p.status != 0)
		goto fail;
	operator_actor(ctx, actor, sizeof(actor));
	if (tx_begin(&tx, ctx->db, ctx->now, actor, &p) == -1 ||
	    (found = store_partner_by_id(tx_db(&tx), id, 1, &partner, &p)) ==
	        -1)
		goto fail;
	if (found == 0) {
		problem_set(
		    &p, 404, "not-found", "Not found", "No such partner.");
		goto fail;
	}
	codes = json_array();
	for (i = 0; i < (int)count; i++) {
		rand_id("vch-", code, sizeof(code));
		if (store_partner_voucher_insert(
		        tx_db(&tx), code, amount, id, ctx->now, &p) == -1)
			goto fail;
		json_array_append_new(codes, json_string(code));
	}
	details =
	    json_pack("{s:I, s:O}", "amount_cents", amount, "codes", codes);
	rc = tx_audit(&tx, "partner.vouchers_issued", id, details, &p);
	json_decref(details);
	if (rc == -1 || tx_commit(&tx, &p) == -1)
		goto fail;
	reply_json(ctx, 201,
	    json_pack("{s:s, s:I, s:O}", "partner_id", id, "amount_cents",
	        amount, "codes", codes));
	goto out;
fail:
	reply_tx_problem(ctx, &tx, &p, NULL);
out:
	json_decref(codes);
	json_decref(body);
}

static json_t *
partner_summary_json(const struct partner_summary_row *row)
{
	return json_pack("{s:s, s:s, s:s, s:b, s:o, s:I, s:I, s:I, s:o, s:o}",
	    "id", row->partner.id, "name", row->partner.name, "program",
	    row->partner.program, "program_open", row->program_open,
	    "created_at", wallclock_json(row->created_at), "keys_live",
	    (json_int_t)row->keys_live, "vouchers", (json_int_t)row->vouchers,
	    "vouchers_left", (json_int_t)row->vouchers_left, "webhook_url",
	    row->webhook_url[0] != '\0' ? json_string(row->webhook_url)
	                                : json_null(),
	    "sandbox_of",
	    row->partner.sandbox_of[0] != '\0'
	        ? json_string(row->partner.sandbox_of)
	        : json_null());
}

void
h_ops_partner_list(struct ctx *ctx)
{
	struct partner_summary_row *rows = NULL;
	struct problem p;
	json_t *items;
	int i, n = 0;

	problem_clear(&p);
	if (store_partner_summaries(ctx->db, "", ctx->now, &rows, &n, &p) ==
	    -1) {
		reply_problem(ctx, &p, NULL);
		return;
	}
	items = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(items, partner_summary_json(&rows[i]));
	reply_json(ctx, 200, json_pack("{s:o}", "items", items));
	store_partner_summary_rows_free(rows);
}

/* A voucher as operators see it: the code's last four characters. */
static json_t *
voucher_masked_json(const struct partner_voucher_row *v)
{
	size_t len = strlen(v->code);
	char masked[16];

	snprintf(masked, sizeof(masked), "\u2026%.4s",
	    len > 4 ? v->code + len - 4 : v->code);
	return partner_voucher_json(v, masked);
}

void
h_ops_partner_get(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id");
	struct partner_summary_row *rows = NULL;
	struct partner_voucher_row *vouchers = NULL;
	struct pkey_row *keys = NULL;
	json_t *out = NULL, *items;
	struct problem p;
	long i, nkeys;
	int n = 0, nv = 0;

	problem_clear(&p);
	if (store_partner_summaries(ctx->db, id, ctx->now, &rows, &n, &p) == -1)
		goto fail;
	if (n == 0) {
		problem_set(&p, 404, "not-found", "Not found",
		    "There is no partner %s.", id);
		goto fail;
	}
	if ((nkeys = store_pkey_list(ctx->db, id, &keys, &p)) == -1 ||
	    store_partner_voucher_list(ctx->db, id, &vouchers, &nv, &p) == -1)
		goto fail;
	out = partner_summary_json(&rows[0]);
	items = json_array();
	for (i = 0; i < nkeys; i++)
		json_array_append_new(
		    items, partner_key_json(&keys[i], ctx->now, NULL));
	json_object_set_new(out, "keys", items);
	items = json_array();
	for (i = 0; i < nv; i++)
		json_array_append_new(items, voucher_masked_json(&vouchers[i]));
	json_object_set_new(out, "voucher_list", items);
	reply_json(ctx, 200, out);
	goto out;
fail:
	reply_problem(ctx, &p, NULL);
out:
	store_partner_summary_rows_free(rows);
	store_partner_voucher_rows_free(vouchers);
	free(keys);
}

/* A sandbox partner as operators see it: a new reference. */
static json_t *
sandbox_json(const struct partner_row *sb)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "id", sb->id, "name",
	    sb->name, "program", sb->program, "sandbox_of", sb->sandbox_of,
	    "key_prefix", PARTNER_TEST_PREFIX, "created_at",
	    wallclock_json(sb->created_at));
}

static const char *const sandbox_keys[] = {"program", NULL};

void
h_ops_partner_sandbox(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id"), *program = NULL;
	struct partner_row sb;
	char actor[64];
	struct problem p;
	json_error_t jerr;
	json_t *body = NULL;
	struct tx tx;
	int created = 0;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	if (ctx->req->body_len > 0 &&
	    ((body = ctx_body(ctx, &p)) == NULL ||
	        ctx_known_fields(body, sandbox_keys, &p) == -1))
		goto fail;
	if (body != NULL &&
	    json_unpack_ex(body, &jerr, 0, "{s?s}", "program", &program) ==
	        -1) {
		problem_field(&p, "program", "a string");
		goto fail;
	}
	operator_actor(ctx, actor, sizeof(actor));
	if (tx_begin(&tx, ctx->db, ctx->now, actor, &p) == -1 ||
	    sandbox_partner_tx(&tx, id, program, &sb, &created, &p) == -1 ||
	    tx_commit(&tx, &p) == -1)
		goto fail;
	if (created)
		log_info("partner sandbox created",
		    "partner=%s sandbox=%s program=%s operator=%s", id, sb.id,
		    sb.program, ctx->operator_id);
	reply_json(ctx, created ? 201 : 200, sandbox_json(&sb));
	goto out;
fail:
	reply_tx_problem(ctx, &tx, &p, NULL);
out:
	json_decref(body);
}

void
h_ops_partner_sandbox_get(struct ctx *ctx)
{
	struct pkey_row *rows = NULL;
	struct partner_row sb;
	struct problem p;
	json_t *o, *keys;
	long i, n = 0;
	int found;

	problem_clear(&p);
	if ((found = store_partner_sandbox(
	         ctx->db, ctx_param(ctx, "id"), &sb, &p)) == 0)
		problem_set(&p, 404, "not-found", "Not found",
		    "No such partner, or it has no sandbox.");
	if (found != 1 ||
	    (n = store_pkey_list(ctx->db, sb.id, &rows, &p)) == -1) {
		reply_problem(ctx, &p, NULL);
		return;
	}
	keys = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(
		    keys, partner_key_json(&rows[i], ctx->now, NULL));
	o = sandbox_json(&sb);
	json_object_set_new(o, "keys", keys);
	reply_json(ctx, 200, o);
	free(rows);
}
