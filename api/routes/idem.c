/* Idempotency-Key: see api/routes/idem.h. */
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
idem_lookup(struct ctx *ctx, struct db *db, const char *scope, const char *key,
    char *existing, size_t existingsz, struct problem *p)
{
	unsigned char hash[DIGEST_LEN], stored[DIGEST_LEN];
	int found;

	digest_sha256(ctx->req->body, ctx->req->body_len, hash);
	if ((found = store_app_idem_get(
	         db, scope, key, stored, existing, existingsz, p)) != 1)
		return found;
	if (!digest_equal(stored, hash, DIGEST_LEN))
		return problem_set(p, 409, "idempotency-key-reused",
		    "Idempotency key reused",
		    "This Idempotency-Key was used with another body.");
	return 1;
}

int
idem_claim(struct ctx *ctx, struct tx *tx, const char *scope, const char *key,
    const char *id, char *existing, size_t existingsz, struct problem *p)
{
	unsigned char hash[DIGEST_LEN];
	int claimed;

	digest_sha256(ctx->req->body, ctx->req->body_len, hash);
	if ((claimed = store_app_idem_claim(
	         tx_db(tx), scope, key, hash, id, ctx->now, p)) == -1)
		return -1;
	if (claimed)
		return 0;
	switch (
	    idem_lookup(ctx, tx_db(tx), scope, key, existing, existingsz, p)) {
	case 1:
		return 1;
	case 0:
		return problem_internal(p);
	default:
		return -1;
	}
}
