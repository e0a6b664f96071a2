/*
 * The fulfillers' routes (docs/certificates.md, "Kits and activation codes"):
 *
 *   GET  /v1/ops/kits?state=created&after=<id>&limit=<n>
 *        fulfiller, auditor: kits in one state, oldest first.
 *   POST /v1/ops/kits/{id}/print
 *        fulfiller: the retrieval letter (name, address, activation code
 *        and, for a new token, the initial token passcode).  The codes are
 *        made now and shown this once; a reprint makes new ones, so the
 *        old ones die, and unlocks a kit locked by wrong passwords.
 *   POST /v1/ops/kits/{id}/shipped  {"carrier", "tracking"}
 *        fulfiller: the letter (and token) left; the application becomes
 *        kit_shipped and retrieval may begin.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/app.h"
#include "api/audit.h"
#include "api/db.h"
#include "api/page.h"
#include "api/routes.h"
#include "api/store_ca.h"
#include "ca/actcode.h"
#include "common/logger.h"
#include "proofing/validate.h"

#define KITS_DEFAULT_LIMIT 50
#define KITS_MAX_LIMIT     200
#define CARRIER_MAX        32
#define TRACKING_MAX       64

static const char *const kit_states[] = {
    "created", "printed", "shipped", "used", "locked", NULL};

static int
known_state(const char *s)
{
	size_t i;

	for (i = 0; kit_states[i] != NULL; i++)
		if (strcmp(kit_states[i], s) == 0)
			return 1;
	return 0;
}

static json_t *
text_or_null(const PGresult *r, int row, int col)
{
	const char *v = db_get(r, row, col);

	return v != NULL ? json_string(v) : json_null();
}

static const char *const list_params[] = {"state", "after", "limit", NULL};
static const struct page_rule list_page = {
    KITS_DEFAULT_LIMIT, KITS_MAX_LIMIT, 64, PAGE_AFTER_TEXT, NULL};

void
h_ops_kits(struct ctx *ctx)
{
	char state[16];
	PGresult *r = NULL;
	struct problem p;
	struct dbargs a;
	struct page pg;
	json_t *items;
	int i;

	problem_clear(&p);
	if (ctx_known_query(ctx, list_params, &p) == -1 ||
	    ctx_query(ctx, "state", state, sizeof(state), &p) == -1)
		goto fail;
	if (state[0] == '\0')
		snprintf(state, sizeof(state), "created");
	if (!known_state(state)) {
		problem_field(&p, "state", "not a kit state");
		goto fail;
	}
	if (page_parse(ctx, &list_page, &pg, &p) == -1)
		goto fail;
	dbargs_init(&a);
	dbargs_text(&a, state);
	dbargs_text(&a, pg.has_after ? pg.after : NULL);
	dbargs_int(&a, pg.limit);
	r = db_exec(ctx->db, &sql_kit_list, &a, &p);
	dbargs_free(&a);
	if (r == NULL)
		goto fail;
	items = json_array();
	for (i = 0; i < PQntuples(r); i++)
		json_array_append_new(items,
		    json_pack("{s:s, s:s, s:s, s:b, s:i, s:o, s:o, s:s, s:s, "
		              "s:s}",
		        "id", db_get(r, i, 0), "application_id",
		        db_get(r, i, 1), "state", db_get(r, i, 2), "new_token",
		        strcmp(db_get(r, i, 3), "t") == 0, "prints",
		        (int)db_get_int(r, i, 4), "expires_at",
		        reply_time(db_get_time(r, i, 5)), "created_at",
		        reply_time(db_get_time(r, i, 6)), "given_name",
		        db_get(r, i, 7), "family_name", db_get(r, i, 8),
		        "shipping", db_get(r, i, 9)));
	page_reply(ctx, items,
	    page_full(&pg, PQntuples(r))
	        ? json_string(db_get(r, PQntuples(r) - 1, 0))
	        : NULL);
	PQclear(r);
	return;
fail:
	PQclear(r);
	reply_problem(ctx, &p, NULL);
}

/* Locks kit id (row of sql_kit_lock into *r); 404 if none. */
static int
lock_kit(struct ctx *ctx, const char *id, PGresult **r, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, id);
	*r = db_exec(ctx->db, &sql_kit_lock, &a, p);
	dbargs_free(&a);
	if (*r == NULL)
		return -1;
	if (PQntuples(*r) != 1)
		return problem_set(
		    p, 404, "not-found", "Not found", "No such kit.");
	return 0;
}

static void
actor_of(const struct ctx *ctx, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "operator:%s", ctx->operator_id);
}

void
h_ops_kit_print(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id"), *state;
	char code[ACTCODE_PRINTED_LEN + 1], norm[ACTCODE_CHARS + 1];
	char passcode[PASSCODE_LEN + 1], actor[64];
	unsigned char hash[32];
	PGresult *r = NULL;
	struct problem p;
	struct dbargs a;
	json_t *details, *letter;
	int new_token, rc;

	problem_clear(&p);
	code[0] = passcode[0] = '\0';
	if (db_begin(ctx->db, &p) == -1 || lock_kit(ctx, id, &r, &p) == -1)
		goto fail;
	state = db_get(r, 0, 0);
	if (strcmp(state, "used") == 0) {
		problem_set(&p, 409, "kit-used", "Kit used",
		    "A certificate has been retrieved with this kit.");
		goto fail;
	}
	if (ctx->now >= db_get_time(r, 0, 2)) {
		problem_set(&p, 410, "kit-expired", "Kit expired",
		    "This kit's activation period is over.");
		goto fail;
	}
	if (strcmp(db_get(r, 0, 5), "approved") != 0 &&
	    strcmp(db_get(r, 0, 5), "kit_shipped") != 0) {
		problem_set(&p, 409, "invalid-transition", "Not allowed now",
		    "The application is %s.", db_get(r, 0, 5));
		goto fail;
	}
	new_token = strcmp(db_get(r, 0, 1), "t") == 0;
	actcode_new(code);
	if (actcode_normalize(code, norm) == -1) {
		problem_internal(&p);
		goto fail;
	}
	actcode_hash(norm, hash);
	if (new_token)
		actcode_passcode_new(passcode, sizeof(passcode));
	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_bytea(&a, hash, sizeof(hash));
	dbargs_time(&a, ctx->now);
	dbargs_text(&a, "printed");
	rc = db_run(ctx->db, &sql_kit_print, &a, &p);
	dbargs_free(&a);
	if (rc == -1)
		goto fail;
	actor_of(ctx, actor, sizeof(actor));
	details = json_pack("{s:s, s:i, s:s, s:b}", "application",
	    db_get(r, 0, 4), "print", (int)db_get_int(r, 0, 3) + 1,
	    "previous_state", state, "new_token", new_token);
	rc = audit_append(
	    ctx->db, ctx->now, actor, "kit.printed", id, details, &p);
	json_decref(details);
	if (rc == -1 || db_commit(ctx->db, &p) == -1)
		goto fail;
	letter = json_pack(
	    "{s:s, s:s, s:{s:s, s:o, s:s}, s:o, s:{s:s, s:o, s:s, s:o, s:s, "
	    "s:s}, s:s, s:s, s:o, s:o, s:i}",
	    "kit_id", id, "application_id", db_get(r, 0, 4), "name",
	    "given_name", db_get(r, 0, 6), "middle_name", text_or_null(r, 0, 7),
	    "family_name", db_get(r, 0, 8), "shipping",
	    db_get(r, 0, 15) != NULL ? json_string(db_get(r, 0, 15))
	                             : json_null(),
	    "address", "line1", db_get(r, 0, 9), "line2",
	    text_or_null(r, 0, 10), "city", db_get(r, 0, 11), "state",
	    text_or_null(r, 0, 12), "postal_code", db_get(r, 0, 13), "country",
	    db_get(r, 0, 14), "activation_code", code, "retrieval",
	    "Enter the activation code and your account password in the "
	    "rxca token client with your token plugged in.",
	    "initial_token_passcode",
	    new_token ? json_string(passcode) : json_null(), "expires_at",
	    reply_time(db_get_time(r, 0, 2)), "print",
	    (int)db_get_int(r, 0, 3) + 1);
	log_info(
	    "kit printed", "kit=%s print=%d", id, (int)db_get_int(r, 0, 3) + 1);
	reply_json(ctx, 200, letter);
	goto out;
fail:
	db_rollback(ctx->db);
	reply_problem(ctx, &p, NULL);
out:
	OPENSSL_cleanse(code, sizeof(code));
	OPENSSL_cleanse(norm, sizeof(norm));
	OPENSSL_cleanse(passcode, sizeof(passcode));
	PQclear(r);
}

static const char *const ship_keys[] = {"carrier", "tracking", NULL};

void
h_ops_kit_shipped(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id"), *carrier = NULL,
	           *tracking = NULL;
	char actor[64];
	PGresult *r = NULL;
	struct problem p;
	struct dbargs a;
	json_error_t jerr;
	json_t *body = NULL, *details;
	int rc;

	problem_clear(&p);
	if ((body = ctx_body(ctx, &p)) == NULL ||
	    ctx_known_fields(body, ship_keys, &p) == -1)
		goto fail;
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "carrier", &carrier) ==
	        -1 ||
	    !validate_printable(carrier, CARRIER_MAX, 1))
		problem_field(
		    &p, "carrier", "1 to %d printable characters", CARRIER_MAX);
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "tracking", &tracking) ==
	        -1 ||
	    !validate_printable(tracking, TRACKING_MAX, 0))
		problem_field(&p, "tracking",
		    "1 to %d printable characters without spaces",
		    TRACKING_MAX);
	if (p.status != 0)
		goto fail;
	if (db_begin(ctx->db, &p) == -1 || lock_kit(ctx, id, &r, &p) == -1)
		goto fail;
	if (strcmp(db_get(r, 0, 0), "printed") != 0) {
		problem_set(&p, 409, "kit-not-printed", "Kit not printed",
		    "Only a printed kit can be shipped; this one is %s.",
		    db_get(r, 0, 0));
		goto fail;
	}
	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_text(&a, carrier);
	dbargs_text(&a, tracking);
	dbargs_time(&a, ctx->now);
	rc = db_run(ctx->db, &sql_kit_ship, &a, &p);
	dbargs_free(&a);
	if (rc == -1)
		goto fail;
	actor_of(ctx, actor, sizeof(actor));
	if (strcmp(db_get(r, 0, 5), "approved") == 0 &&
	    app_move(ctx->db, db_get(r, 0, 4), "approved", "kit_shipped", actor,
	        "retrieval kit shipped", ctx->now, NULL, &p) == -1)
		goto fail;
	details = json_pack("{s:s, s:s, s:s}", "application", db_get(r, 0, 4),
	    "carrier", carrier, "tracking", tracking);
	rc = audit_append(
	    ctx->db, ctx->now, actor, "kit.shipped", id, details, &p);
	json_decref(details);
	if (rc == -1 || db_commit(ctx->db, &p) == -1)
		goto fail;
	reply_json(ctx, 200,
	    json_pack("{s:s, s:s, s:s, s:s, s:o}", "kit_id", id, "state",
	        "shipped", "carrier", carrier, "tracking", tracking,
	        "shipped_at", reply_time(ctx->now)));
	goto out;
fail:
	db_rollback(ctx->db);
	reply_problem(ctx, &p, NULL);
out:
	json_decref(body);
	PQclear(r);
}
