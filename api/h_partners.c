/*
 * The administrators' routes for partners (docs/partners.md), admin role:
 *
 *   POST   /v1/ops/partners {name, program}        -> the partner
 *   POST   /v1/ops/partners/{id}/keys              -> an API key, shown
 *          this once (only its hash is kept)
 *   DELETE /v1/ops/partners/{id}/keys/{key id}     revokes it at once
 *   POST   /v1/ops/partners/{id}/vouchers {amount_cents, count}
 *          -> prepaid voucher codes the partner holds (single use)
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/audit.h"
#include "api/db.h"
#include "api/partner.h"
#include "api/routes.h"
#include "api/store_partner.h"
#include "common/logger.h"
#include "common/rand.h"

#define VOUCHERS_MAX       100     /* codes made in one request */
#define VOUCHER_AMOUNT_MAX 1000000 /* cents */

static void
actor_of(const struct ctx *ctx, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "operator:%s", ctx->operator_id);
}

static const char *const partner_keys[] = {"name", "program", NULL};

void
h_ops_partner_create(struct ctx *ctx)
{
	const char *name = NULL, *program = NULL;
	char id[32], actor[64];
	struct problem p;
	json_error_t jerr;
	json_t *body = NULL;

	problem_clear(&p);
	if ((body = ctx_body(ctx, &p)) == NULL ||
	    ctx_known_fields(body, partner_keys, &p) == -1)
		goto fail;
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "name", &name) == -1)
		problem_field(&p, "name", "required: a string");
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "program", &program) == -1)
		problem_field(&p, "program", "required: a string");
	if (p.status != 0)
		goto fail;
	actor_of(ctx, actor, sizeof(actor));
	if (db_begin(ctx->db, &p) == -1 ||
	    partner_create(ctx->db, name, program, actor, ctx->now, id,
	        sizeof(id), &p) == -1 ||
	    db_commit(ctx->db, &p) == -1)
		goto fail;
	log_info("partner created", "partner=%s program=%s operator=%s", id,
	    program, ctx->operator_id);
	reply_json(ctx, 201,
	    json_pack("{s:s, s:s, s:s, s:o}", "id", id, "name", name, "program",
	        program, "created_at", reply_time(ctx->now)));
	goto out;
fail:
	db_rollback(ctx->db);
	reply_problem(ctx, &p, NULL);
out:
	json_decref(body);
}

void
h_ops_partner_key(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id");
	char key[PARTNER_KEY_LEN + 1], kid[PARTNER_KEY_ID_LEN + 1], actor[64];
	struct problem p;

	problem_clear(&p);
	key[0] = '\0';
	if (ctx->req->body_len > 0) {
		problem_set(&p, 400, "unexpected-body", "Unexpected body",
		    "This request takes no body.");
		goto fail;
	}
	actor_of(ctx, actor, sizeof(actor));
	if (db_begin(ctx->db, &p) == -1 ||
	    partner_key_create(ctx->db, id, actor, ctx->now, key, kid, &p) ==
	        -1 ||
	    db_commit(ctx->db, &p) == -1)
		goto fail;
	log_info("partner key created", "partner=%s key=%s operator=%s", id,
	    kid, ctx->operator_id);
	reply_json(ctx, 201,
	    json_pack("{s:s, s:s, s:s, s:o}", "partner_id", id, "key_id", kid,
	        "api_key", key, "created_at", reply_time(ctx->now)));
	goto out;
fail:
	db_rollback(ctx->db);
	reply_problem(ctx, &p, NULL);
out:
	OPENSSL_cleanse(key, sizeof(key));
}

void
h_ops_partner_key_revoke(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id"), *kid = ctx_param(ctx, "key");
	char actor[64];
	struct problem p;
	time_t at = 0;

	problem_clear(&p);
	actor_of(ctx, actor, sizeof(actor));
	if (db_begin(ctx->db, &p) == -1 ||
	    partner_key_revoke(ctx->db, id, kid, actor, ctx->now, &at, &p) ==
	        -1 ||
	    db_commit(ctx->db, &p) == -1) {
		db_rollback(ctx->db);
		reply_problem(ctx, &p, NULL);
		return;
	}
	log_info("partner key revoked", "partner=%s key=%s operator=%s", id,
	    kid, ctx->operator_id);
	reply_json(ctx, 200,
	    json_pack("{s:s, s:s, s:o}", "partner_id", id, "key_id", kid,
	        "revoked_at", reply_time(at)));
}

static const char *const voucher_keys[] = {"amount_cents", "count", NULL};

void
h_ops_partner_vouchers(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id");
	char code[32], actor[64];
	PGresult *r = NULL;
	struct problem p;
	struct dbargs a;
	json_error_t jerr;
	json_t *body = NULL, *codes = NULL, *details;
	json_int_t amount = 0, count = 1;
	int i, rc;

	problem_clear(&p);
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
	if (db_begin(ctx->db, &p) == -1)
		goto fail;
	dbargs_init(&a);
	dbargs_text(&a, id);
	r = db_exec(ctx->db, &sql_partner_lock, &a, &p);
	dbargs_free(&a);
	if (r == NULL)
		goto fail;
	if (PQntuples(r) != 1) {
		problem_set(
		    &p, 404, "not-found", "Not found", "No such partner.");
		goto fail;
	}
	codes = json_array();
	for (i = 0; i < (int)count; i++) {
		rand_id("vch-", code, sizeof(code));
		dbargs_init(&a);
		dbargs_text(&a, code);
		dbargs_int(&a, amount);
		dbargs_text(&a, id);
		dbargs_time(&a, ctx->now);
		rc = db_run(ctx->db, &sql_pvoucher_insert, &a, &p);
		dbargs_free(&a);
		if (rc == -1)
			goto fail;
		json_array_append_new(codes, json_string(code));
	}
	actor_of(ctx, actor, sizeof(actor));
	details =
	    json_pack("{s:I, s:O}", "amount_cents", amount, "codes", codes);
	rc = audit_append(ctx->db, ctx->now, actor, "partner.vouchers_issued",
	    id, details, &p);
	json_decref(details);
	if (rc == -1 || db_commit(ctx->db, &p) == -1)
		goto fail;
	reply_json(ctx, 201,
	    json_pack("{s:s, s:I, s:O}", "partner_id", id, "amount_cents",
	        amount, "codes", codes));
	goto out;
fail:
	db_rollback(ctx->db);
	reply_problem(ctx, &p, NULL);
out:
	json_decref(codes);
	json_decref(body);
	PQclear(r);
}
