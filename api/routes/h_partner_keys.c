/*
 * What a partner manages itself, behind its API key (ROUTE_PARTNER):
 *
 *   GET    /v1/partner/keys          its keys (never a secret)
 *   POST   /v1/partner/keys {grace_seconds?}   a new key, shown once;
 *          the key that asked stays usable for grace_seconds (0 to
 *          RXCA_PARTNER_KEY_GRACE_MAX; default the smaller of a day and
 *          that), then is refused
 *   DELETE /v1/partner/keys/{id}     revokes a key at once; not when no
 *          other key would stay (409 last-key: keys in a rotation's
 *          grace end)
 *   GET    /v1/partner/program       {program, open, updated_at}
 *   PUT    /v1/partner/program {open}   whether an application may name
 *          the program without one of its invitations
 *
 * Each change is audited as partner:<id>.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/config.h"
#include "api/routes/routes.h"
#include "api/service/app.h"
#include "api/service/partner.h"
#include "api/store/store_partners.h"
#include "api/store/store_pkeys.h"
#include "api/store/tx.h"
#include "common/wallclock.h"

#define GRACE_DEFAULT 86400 /* seconds, unless the maximum is lower */

static json_t *
time_or_null(time_t t)
{
	return t != 0 ? wallclock_json(t) : json_null();
}

json_t *
partner_key_json(const struct pkey_row *k, time_t now, const char *current)
{
	const char *state = "active";

	if (k->revoked_at != 0)
		state = "revoked";
	else if (k->expires_at != 0 && k->expires_at <= now)
		state = "expired";
	else if (k->expires_at != 0)
		state = "expiring";
	return json_pack("{s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:b}", "id",
	    k->id, "state", state, "created_at", wallclock_json(k->created_at),
	    "created_by", k->created_by, "expires_at",
	    time_or_null(k->expires_at), "revoked_at",
	    time_or_null(k->revoked_at), "replaced_by",
	    k->replaced_by[0] != '\0' ? json_string(k->replaced_by)
	                              : json_null(),
	    "current", current != NULL && strcmp(k->id, current) == 0);
}

void
h_partner_keys(struct ctx *ctx)
{
	struct pkey_row *rows = NULL;
	struct problem p;
	json_t *items;
	long i, n;

	problem_clear(&p);
	if ((n = store_pkey_list(ctx->db, ctx->partner_id, &rows, &p)) == -1) {
		reply_problem(ctx, &p, NULL);
		return;
	}
	items = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(items,
		    partner_key_json(&rows[i], ctx->now, ctx->partner_key));
	reply_json(ctx, 200, json_pack("{s:o}", "items", items));
	free(rows);
}

static const char *const rotate_keys[] = {"grace_seconds", NULL};

/* The grace asked for in body (may be NULL: the default): 0 with *grace,
 * or -1 with a field error in p. */
static int
rotate_grace(
    const struct ctx *ctx, json_t *body, long *grace, struct problem *p)
{
	long max = ctx->app->cfg->partner_key_grace_max;
	json_t *g;

	*grace = max < GRACE_DEFAULT ? max : GRACE_DEFAULT;
	if (body == NULL ||
	    (g = json_object_get(body, "grace_seconds")) == NULL)
		return 0;
	if (!json_is_integer(g) || json_integer_value(g) < 0 ||
	    json_integer_value(g) > max)
		return problem_field(
		    p, "grace_seconds", "whole seconds from 0 to %ld", max);
	*grace = (long)json_integer_value(g);
	return 0;
}

void
h_partner_key_rotate(struct ctx *ctx)
{
	char key[PARTNER_KEY_MAX + 1], kid[PARTNER_KEY_ID_LEN + 1], actor[64];
	struct partner_row partner;
	struct problem p;
	json_t *body = NULL, *details;
	time_t ends = 0;
	long grace = 0;
	struct tx tx;
	int rc;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	key[0] = '\0';
	/* The body is optional: none asks for the default grace. */
	if (ctx->req->body_len > 0 &&
	    ((body = ctx_body(ctx, &p)) == NULL ||
	        ctx_known_fields(body, rotate_keys, &p) == -1))
		goto fail;
	if (rotate_grace(ctx, body, &grace, &p) == -1)
		goto fail;
	snprintf(actor, sizeof(actor), "partner:%s", ctx->partner_id);
	/* The partner's row lock: one rotation at a time. */
	if (tx_begin(&tx, ctx->db, ctx->now, actor, &p) == -1 ||
	    store_partner_by_id(tx_db(&tx), ctx->partner_id, 1, &partner, &p) ==
	        -1 ||
	    partner_key_create_tx(&tx, ctx->partner_id, key, kid, &p) == -1)
		goto fail;
	if ((rc = store_pkey_expire(tx_db(&tx), ctx->partner_id,
	         ctx->partner_key, ctx->now + grace, kid, &ends, &p)) == -1)
		goto fail;
	if (rc == 0) {
		/* revoked by another request since this one was let in */
		problem_set(&p, 409, "conflict", "Conflict",
		    "The key of this request was revoked meanwhile.");
		goto fail;
	}
	details = json_pack("{s:s, s:s, s:i, s:o}", "old_key_id",
	    ctx->partner_key, "new_key_id", kid, "grace_seconds", (int)grace,
	    "old_key_expires_at", wallclock_json(ends));
	rc = tx_audit(&tx, "partner.key_rotated", ctx->partner_id, details, &p);
	json_decref(details);
	if (rc == -1 || tx_commit(&tx, &p) == -1)
		goto fail;
	reply_json(ctx, 201,
	    json_pack("{s:s, s:s, s:o, s:{s:s, s:o}}", "key_id", kid, "api_key",
	        key, "created_at", wallclock_json(ctx->now), "previous_key",
	        "id", ctx->partner_key, "expires_at", wallclock_json(ends)));
	goto out;
fail:
	reply_tx_problem(ctx, &tx, &p, NULL);
out:
	OPENSSL_cleanse(key, sizeof(key));
	json_decref(body);
}

void
h_partner_key_delete(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "key");
	struct partner_row partner;
	struct problem p;
	time_t revoked_at = 0;
	char actor[64];
	struct tx tx;
	long others;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	snprintf(actor, sizeof(actor), "partner:%s", ctx->partner_id);
	if (tx_begin(&tx, ctx->db, ctx->now, actor, &p) == -1 ||
	    store_partner_by_id(tx_db(&tx), ctx->partner_id, 1, &partner, &p) ==
	        -1 ||
	    (others = store_pkey_others_live(
	         tx_db(&tx), ctx->partner_id, id, &p)) == -1)
		goto fail;
	if (others == 0) {
		problem_set(&p, 409, "last-key", "Last key",
		    "No other key of the partner would stay usable; make a "
		    "new one (POST /v1/partner/keys) before revoking this.");
		goto fail;
	}
	if (partner_key_revoke_tx(&tx, ctx->partner_id, id, &revoked_at, &p) ==
	        -1 ||
	    tx_commit(&tx, &p) == -1)
		goto fail;
	reply_json(ctx, 200,
	    json_pack("{s:s, s:o}", "id", id, "revoked_at",
	        wallclock_json(revoked_at)));
	return;
fail:
	reply_tx_problem(ctx, &tx, &p, NULL);
}

static json_t *
program_json(const struct pprogram_row *r)
{
	return json_pack("{s:s, s:b, s:o}", "program", r->program, "open",
	    r->open, "updated_at", time_or_null(r->updated_at));
}

void
h_partner_program_get(struct ctx *ctx)
{
	struct pprogram_row r;
	struct problem p;
	int found;

	problem_clear(&p);
	if ((found = store_pprogram_get(ctx->db, ctx->partner_id, 0, &r, &p)) !=
	    1) {
		if (found == 0)
			problem_internal(&p);
		reply_problem(ctx, &p, NULL);
		return;
	}
	reply_json(ctx, 200, program_json(&r));
}

static const char *const program_keys[] = {"open", NULL};

void
h_partner_program_put(struct ctx *ctx)
{
	struct partner_row partner;
	struct pprogram_row r;
	struct problem p;
	json_t *body = NULL, *open, *details;
	char actor[64];
	struct tx tx;
	int rc;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	if ((body = ctx_body(ctx, &p)) == NULL ||
	    ctx_known_fields(body, program_keys, &p) == -1)
		goto fail;
	if ((open = json_object_get(body, "open")) == NULL ||
	    !json_is_boolean(open)) {
		problem_field(&p, "open", "required: true or false");
		goto fail;
	}
	snprintf(actor, sizeof(actor), "partner:%s", ctx->partner_id);
	if (tx_begin(&tx, ctx->db, ctx->now, actor, &p) == -1 ||
	    store_partner_by_id(tx_db(&tx), ctx->partner_id, 1, &partner, &p) ==
	        -1 ||
	    store_pprogram_set(tx_db(&tx), ctx->partner_id, json_is_true(open),
	        ctx->now, &p) == -1)
		goto fail;
	details = json_pack("{s:s, s:b}", "program", partner.program, "open",
	    json_is_true(open));
	rc = tx_audit(&tx, "partner.program_set", ctx->partner_id, details, &p);
	json_decref(details);
	if (rc == -1 ||
	    store_pprogram_get(tx_db(&tx), ctx->partner_id, 0, &r, &p) != 1 ||
	    tx_commit(&tx, &p) == -1)
		goto fail;
	reply_json(ctx, 200, program_json(&r));
	goto out;
fail:
	reply_tx_problem(ctx, &tx, &p, NULL);
out:
	json_decref(body);
}
