/* Idempotency-Key: see api/routes/idem.h. */
#include <stdio.h>
#include <string.h>

#include "api/routes/handler.h"
#include "api/routes/idem.h"
#include "api/store/store_app.h"
#include "api/store/tx.h"
#include "common/bounds.h"
#include "common/digest.h"

int
idem_key_valid(const char *key)
{
	size_t n = strlen(key);

	if (n == 0 || n > BOUND_IDEMPOTENCY_KEY)
		return 0;
	for (; *key != '\0'; key++)
		if (*key < 0x21 || *key > 0x7e)
			return 0;
	return 1;
}

int
idem_start(const struct ctx *ctx, const struct idem_route *route,
    struct idem *ik, struct problem *p)
{
	memset(ik, 0, sizeof(*ik));
	ik->route = route;
	if (ctx->partner_id[0] != '\0')
		snprintf(ik->scope, sizeof(ik->scope), "%s:%s", route->scope,
		    ctx->partner_id);
	else
		snprintf(ik->scope, sizeof(ik->scope), "%s", route->scope);
	ik->key = http_request_header(ctx->req, "Idempotency-Key");
	if (ik->key != NULL && !idem_key_valid(ik->key))
		return problem_invalid(
		    p, "Idempotency-Key", "1 to 128 visible ASCII characters");
	return 0;
}

/* Looks the key up on db: 0 not used yet; 1 used with this body, its
 * resource's id in existing; -1 with p set (another body is 409). */
static int
lookup(struct ctx *ctx, struct db *db, const struct idem *ik, char *existing,
    size_t existingsz, struct problem *p)
{
	unsigned char hash[DIGEST_LEN], stored[DIGEST_LEN];
	int found;

	digest_sha256(ctx->req->body, ctx->req->body_len, hash);
	if ((found = store_app_idem_get(
	         db, ik->scope, ik->key, stored, existing, existingsz, p)) != 1)
		return found;
	if (!digest_equal(stored, hash, DIGEST_LEN))
		return problem_set(p, 409, "idempotency-key-reused",
		    "Idempotency key reused",
		    "This Idempotency-Key was used with another body.");
	return 1;
}

/* Sends the answer for earlier resource id, read on ctx's connection
 * outside any unit of work.  1, or -1 with p set. */
static int
answer(
    struct ctx *ctx, const struct idem *ik, const char *id, struct problem *p)
{
	json_t *o;

	if ((o = ik->route->answer(ctx, ctx->db, id, p)) == NULL)
		return -1;
	http_response_add_header(&ctx->resp, "Idempotent-Replayed", "true");
	reply_json(ctx, ik->route->status, o);
	return 1;
}

int
idem_replay(struct ctx *ctx, const struct idem *ik, struct problem *p)
{
	char existing[IDEM_ID_MAX];
	int found;

	if (ik->key == NULL)
		return 0;
	if ((found = lookup(ctx, ctx->db, ik, existing, sizeof(existing), p)) !=
	    1)
		return found;
	return answer(ctx, ik, existing, p);
}

int
idem_claim(struct ctx *ctx, const struct idem *ik, struct tx *tx,
    const char *id, struct problem *p)
{
	unsigned char hash[DIGEST_LEN];
	char existing[IDEM_ID_MAX];
	int claimed;

	if (ik->key == NULL)
		return 0;
	digest_sha256(ctx->req->body, ctx->req->body_len, hash);
	if ((claimed = store_app_idem_claim(
	         tx_db(tx), ik->scope, ik->key, hash, id, ctx->now, p)) == -1)
		return -1;
	if (claimed)
		return 0;
	/* Another request with this key committed first (the claim waited
	 * for it): its body decides, and this one writes nothing. */
	switch (lookup(ctx, tx_db(tx), ik, existing, sizeof(existing), p)) {
	case 1:
		break;
	case 0:
		return problem_internal(p);
	default:
		return -1;
	}
	tx_abort(tx);
	return answer(ctx, ik, existing, p);
}
