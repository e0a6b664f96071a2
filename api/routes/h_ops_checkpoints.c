/*
 * The signed checkpoints of the audit chain (docs/operations.md, "Audit
 * you can verify"), for an auditor to keep outside rxca:
 *
 *   GET /v1/ops/audit/checkpoints?after=<id>&limit=<n>
 *   GET /v1/ops/audit/checkpoints/{id}   the same item, as a download
 *
 * Each item: id, audit_id (the head row), head_hash (hex), at, message
 * (the exact bytes signed: "rxca-audit-checkpoint:v1:<id>:<hex hash>")
 * and signature (base64 DER, ECDSA with SHA-384 by the issuing CA), so
 * `openssl dgst -sha384 -verify` checks it with the issuing CA's
 * certificate alone.
 */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "api/routes/page.h"
#include "api/routes/routes.h"
#include "api/service/pki.h"
#include "api/store/store_pki.h"
#include "common/wallclock.h"

#define CHECKPOINTS_DEF_LIMIT 100
#define CHECKPOINTS_MAX_LIMIT 1000

static const char *const params[] = {"after", "limit", NULL};
static const struct page_rule rule = {CHECKPOINTS_DEF_LIMIT,
    CHECKPOINTS_MAX_LIMIT, 24, PAGE_AFTER_NUMBER, "a checkpoint id"};

static json_t *
item(const struct checkpoint_row *c)
{
	static const char hexd[] = "0123456789abcdef";
	char hex[2 * STORE_PKI_HASH_LEN + 1], msg[160];
	char b64[4 * ((STORE_PKI_SIG_MAX + 2) / 3) + 1];
	size_t i;

	for (i = 0; i < STORE_PKI_HASH_LEN; i++) {
		hex[2 * i] = hexd[c->head[i] >> 4];
		hex[2 * i + 1] = hexd[c->head[i] & 15];
	}
	hex[2 * STORE_PKI_HASH_LEN] = '\0';
	if (!c->head_ok ||
	    pki_checkpoint_message(c->audit_id, c->head, msg, sizeof(msg)) == 0)
		msg[0] = hex[0] = '\0';
	b64[0] = '\0';
	if (c->sig_len > 0)
		EVP_EncodeBlock((unsigned char *)b64, c->sig, (int)c->sig_len);
	return json_pack("{s:I, s:I, s:s, s:o, s:s, s:s}", "id",
	    (json_int_t)c->id, "audit_id", (json_int_t)c->audit_id, "head_hash",
	    hex, "at", wallclock_json(c->at), "message", msg, "signature", b64);
}

void
h_ops_audit_checkpoints(struct ctx *ctx)
{
	struct checkpoint_row *rows = NULL;
	struct problem p;
	json_t *items;
	struct page pg;
	size_t i, n;

	problem_clear(&p);
	if (ctx_known_query(ctx, params, &p) == -1 ||
	    page_parse(ctx, &rule, &pg, &p) == -1 ||
	    store_checkpoint_page(ctx->db, pg.after_number, (int)pg.limit, 0,
	        &rows, &n, &p) == -1) {
		reply_problem(ctx, &p, NULL);
		return;
	}
	items = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(items, item(&rows[i]));
	page_reply(ctx, items,
	    page_full(&pg, (int)n) ? json_integer(rows[n - 1].id) : NULL);
	free(rows);
}

void
h_ops_audit_checkpoint(struct ctx *ctx)
{
	struct checkpoint_row *rows = NULL;
	const char *s = ctx_param(ctx, "id");
	char disp[80];
	struct problem p;
	long long id = 0;
	size_t i, n = 0;

	problem_clear(&p);
	for (i = 0; s[i] != '\0' && i < 18; i++) {
		if (s[i] < '0' || s[i] > '9')
			break;
		id = id * 10 + (s[i] - '0');
	}
	if (s[i] != '\0' || id <= 0 ||
	    store_checkpoint_page(ctx->db, 0, 1, id, &rows, &n, &p) == -1 ||
	    n == 0) {
		if (p.status == 0)
			problem_set(&p, 404, "not-found", "Not found",
			    "There is no such checkpoint.");
		free(rows);
		reply_problem(ctx, &p, NULL);
		return;
	}
	snprintf(disp, sizeof(disp),
	    "attachment; filename=\"rxca-audit-checkpoint-%lld.json\"", id);
	http_response_add_header(&ctx->resp, "Content-Disposition", disp);
	reply_json(ctx, 200, item(&rows[0]));
	free(rows);
}
