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
 *        Under dual control (RXCA_DUAL_CONTROL, kit.print by default)
 *        it waits for a second fulfiller, whose confirmation alone shows
 *        the codes.
 *   POST /v1/ops/kits/{id}/shipped  {"carrier", "tracking"}
 *        fulfiller: the letter (and token) left; the application becomes
 *        kit_shipped and retrieval may begin.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/service/app.h"
#include "api/routes/h_approvals.h"
#include "api/routes/operator.h"
#include "api/service/lifemail.h"
#include "api/routes/page.h"
#include "api/routes/routes.h"
#include "api/store/store_cert.h"
#include "api/store/tx.h"
#include "ca/actcode.h"
#include "common/logger.h"
#include "common/wallclock.h"
#include "proofing/validate.h"

#define KITS_DEFAULT_LIMIT 50
#define KITS_MAX_LIMIT     200
#define CARRIER_MAX        32
#define TRACKING_MAX       64

static const char *const kit_states[] = {
    "created", "printed", "shipped", "used", "locked", NULL};

/* s as a JSON string, or null if has is 0. */
static json_t *
text_or_null(const char *s, int has)
{
	return has ? json_string(s) : json_null();
}

static const char *const list_params[] = {"state", "after", "limit", NULL};
static const struct page_rule list_page = {
    KITS_DEFAULT_LIMIT, KITS_MAX_LIMIT, 64, PAGE_AFTER_TEXT, NULL};
static const struct page_filter list_filter = {
    "state", kit_states, NULL, "created", "not a kit state"};

void
h_ops_kits(struct ctx *ctx)
{
	struct kit_list l = {NULL, 0};
	const struct kit_list_row *k;
	char state[16];
	struct problem p;
	struct page pg;
	json_t *items;
	size_t i;

	problem_clear(&p);
	if (page_parse_filtered(ctx, list_params, &list_filter, state,
	        sizeof(state), &list_page, &pg, &p) == -1 ||
	    store_kit_list(ctx->db, state, pg.has_after ? pg.after : NULL,
	        pg.limit, &l, &p) == -1)
		goto fail;
	items = json_array();
	for (i = 0; i < l.n; i++) {
		k = &l.rows[i];
		json_array_append_new(items,
		    json_pack("{s:s, s:s, s:s, s:b, s:i, s:o, s:o, s:s, s:s, "
		              "s:s}",
		        "id", k->id, "application_id", k->app, "state",
		        k->state, "new_token", k->new_token, "prints",
		        k->prints, "expires_at", wallclock_json(k->expires_at),
		        "created_at", wallclock_json(k->created_at),
		        "given_name", k->given, "family_name", k->family,
		        "shipping", k->shipping));
	}
	page_reply(ctx, items,
	    page_full(&pg, (int)l.n) ? json_string(l.rows[l.n - 1].id) : NULL);
	store_kit_list_free(&l);
	return;
fail:
	store_kit_list_free(&l);
	reply_problem(ctx, &p, NULL);
}

/* Locks kit id and its application into k; 404 if none. */
static int
lock_kit(
    struct tx *tx, const char *id, struct kit_letter_row *k, struct problem *p)
{
	int found;

	if ((found = store_kit_letter_lock(tx_db(tx), id, k, p)) == -1)
		return -1;
	if (found == 0)
		return problem_set(
		    p, 404, "not-found", "Not found", "No such kit.");
	return 0;
}

/* Prints kit id: new codes, stored hashed, the letter with them as the
 * result (shown this once).  The action of ops_action_kit_print. */
static int
kit_print_run(struct ctx *ctx, struct tx *tx, const char *id, json_t *params,
    void *state, json_t **result, struct problem *p)
{
	char code[ACTCODE_PRINTED_LEN + 1], norm[ACTCODE_CHARS + 1];
	char passcode[PASSCODE_LEN + 1];
	unsigned char hash[32];
	struct kit_letter_row k;
	json_t *details;
	int rc = -1;

	(void)params;
	(void)state;
	code[0] = passcode[0] = norm[0] = '\0';
	if (lock_kit(tx, id, &k, p) == -1)
		goto out;
	if (strcmp(k.state, "used") == 0) {
		problem_set(p, 409, "kit-used", "Kit used",
		    "A certificate has been retrieved with this kit.");
		goto out;
	}
	if (ctx->now >= k.expires_at) {
		problem_set(p, 410, "kit-expired", "Kit expired",
		    "This kit's activation period is over.");
		goto out;
	}
	if (strcmp(k.app_status, "approved") != 0 &&
	    strcmp(k.app_status, "kit_shipped") != 0) {
		problem_set(p, 409, "invalid-transition", "Not allowed now",
		    "The application is %s.", k.app_status);
		goto out;
	}
	actcode_new(code);
	if (actcode_normalize(code, norm) != ACTCODE_CURRENT) {
		problem_internal(p);
		goto out;
	}
	actcode_hash(norm, hash);
	if (k.new_token)
		actcode_passcode_new(passcode, sizeof(passcode));
	if (store_kit_printed(tx_db(tx), id, hash, ctx->now, p) == -1)
		goto out;
	details = json_pack("{s:s, s:i, s:s, s:b}", "application", k.app,
	    "print", k.prints + 1, "previous_state", k.state, "new_token",
	    k.new_token);
	rc = tx_audit(tx, "kit.printed", id, details, p);
	json_decref(details);
	if (rc == -1)
		goto out;
	*result = json_pack(
	    "{s:s, s:s, s:{s:s, s:o, s:s}, s:o, s:{s:s, s:o, s:s, s:o, s:s, "
	    "s:s}, s:s, s:s, s:o, s:o, s:i}",
	    "kit_id", id, "application_id", k.app, "name", "given_name",
	    k.given, "middle_name", text_or_null(k.middle, k.has_middle),
	    "family_name", k.family, "shipping", json_string(k.shipping),
	    "address", "line1", k.line1, "line2",
	    text_or_null(k.line2, k.has_line2), "city", k.city, "state",
	    text_or_null(k.region, k.has_region), "postal_code", k.postal_code,
	    "country", k.country, "activation_code", code, "retrieval",
	    "Enter the activation code and your account password in the "
	    "rxca token client with your token plugged in.",
	    "initial_token_passcode",
	    k.new_token ? json_string(passcode) : json_null(), "expires_at",
	    wallclock_json(k.expires_at), "print", k.prints + 1);
out:
	OPENSSL_cleanse(code, sizeof(code));
	OPENSSL_cleanse(norm, sizeof(norm));
	OPENSSL_cleanse(passcode, sizeof(passcode));
	return rc;
}

static void
kit_print_done(struct ctx *ctx, const char *id, json_t *result)
{
	(void)ctx;
	log_info("kit printed", "kit=%s print=%lld", id,
	    (long long)json_integer_value(json_object_get(result, "print")));
}

const struct ops_action ops_action_kit_print = {"kit.print",
    OPERATOR_ROLE_FULFILLER, 200, NULL, kit_print_run, NULL, kit_print_done};

void
h_ops_kit_print(struct ctx *ctx)
{
	json_t *params = json_object();

	h_approvals_submit(
	    ctx, &ops_action_kit_print, ctx_param(ctx, "id"), params);
	json_decref(params);
}

static const char *const ship_keys[] = {"carrier", "tracking", NULL};

void
h_ops_kit_shipped(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id"), *carrier = NULL,
	           *tracking = NULL;
	char actor[64];
	struct kit_letter_row k;
	struct problem p;
	struct tx tx = {0};
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
	operator_actor(ctx, actor, sizeof(actor));
	if (tx_begin(&tx, ctx->db, ctx->now, actor, &p) == -1 ||
	    lock_kit(&tx, id, &k, &p) == -1)
		goto fail;
	if (strcmp(k.state, "printed") != 0) {
		problem_set(&p, 409, "kit-not-printed", "Kit not printed",
		    "Only a printed kit can be shipped; this one is %s.",
		    k.state);
		goto fail;
	}
	if (store_kit_shipped(
	        tx_db(&tx), id, carrier, tracking, ctx->now, &p) == -1 ||
	    lifemail_queue_shipped(
	        tx_db(&tx), k.app, id, carrier, tracking, ctx->now, &p) == -1)
		goto fail;
	if (strcmp(k.app_status, "approved") == 0 &&
	    app_move(tx_db(&tx), k.app, "approved", "kit_shipped", actor,
	        "retrieval kit shipped", ctx->now, NULL, &p) == -1)
		goto fail;
	details = json_pack("{s:s, s:s, s:s}", "application", k.app, "carrier",
	    carrier, "tracking", tracking);
	rc = tx_audit(&tx, "kit.shipped", id, details, &p);
	json_decref(details);
	if (rc == -1 || tx_commit(&tx, &p) == -1)
		goto fail;
	reply_json(ctx, 200,
	    json_pack("{s:s, s:s, s:s, s:s, s:o}", "kit_id", id, "state",
	        "shipped", "carrier", carrier, "tracking", tracking,
	        "shipped_at", wallclock_json(ctx->now)));
	goto out;
fail:
	reply_tx_problem(ctx, &tx, &p, NULL);
out:
	json_decref(body);
}
