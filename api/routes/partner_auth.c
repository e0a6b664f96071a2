/* A partner's request authenticated by its API key: see
 * api/routes/partner_auth.h. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "api/routes/handler.h"
#include "api/routes/partner_auth.h"
#include "api/service/partner.h"
#include "api/store/store_partners.h"
#include "api/store/tx.h"
#include "common/digest.h"
#include "common/logger.h"

/* Audits a refusal of an existing key (its own transaction) and sets p. */
static int
refuse(struct ctx *ctx, const char *why, const char *partner,
    const char *key_id, struct problem *p)
{
	struct problem q;
	json_t *details;
	struct tx tx;

	log_warn("partner refused", "reason=%s key=%s route=%s peer=%s", why,
	    key_id != NULL ? key_id : "-", ctx->match.route->name,
	    ctx->req->peer);
	if (partner != NULL) {
		details = json_pack("{s:s, s:s, s:s, s:s}", "reason", why,
		    "key_id", key_id, "route", ctx->match.route->name, "peer",
		    ctx->req->peer);
		problem_clear(&q);
		if (tx_begin(&tx, ctx->db, ctx->now, "anonymous", &q) == 0) {
			if (tx_audit(&tx, "partner.refused", partner, details,
			        &q) == -1 ||
			    tx_commit(&tx, &q) == -1)
				tx_abort(&tx);
		}
		json_decref(details);
	}
	return problem_set(p, 401, "unauthenticated", "Authentication failed",
	    "Send a valid, unrevoked partner API key as a Bearer credential.");
}

int
partner_authenticate(struct ctx *ctx, struct problem *p)
{
	char kid[PARTNER_KEY_ID_LEN + 1];
	unsigned char hash[DIGEST_LEN];
	struct partner_key_row k;
	const char *auth;
	int found;

	ctx->partner_id[0] = ctx->partner_program[0] = '\0';
	auth = http_request_header(ctx->req, "Authorization");
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0)
		return problem_set(p, 401, "unauthenticated",
		    "Authentication failed",
		    "Send the partner API key as a Bearer credential.");
	if (partner_key_parse(auth + 7, kid, hash) == -1)
		return refuse(ctx, "malformed-key", NULL, NULL, p);
	if ((found = store_partner_key_by_id(ctx->db, kid, &k, p)) == -1)
		return -1;
	if (found == 0)
		return refuse(ctx, "unknown-key", NULL, kid, p);
	if (k.hash_len != DIGEST_LEN ||
	    CRYPTO_memcmp(k.hash, hash, DIGEST_LEN) != 0)
		return refuse(ctx, "wrong-secret", k.partner.id, kid, p);
	if (k.revoked)
		return refuse(ctx, "key-revoked", k.partner.id, kid, p);
	snprintf(ctx->partner_id, sizeof(ctx->partner_id), "%s", k.partner.id);
	snprintf(ctx->partner_program, sizeof(ctx->partner_program), "%s",
	    k.partner.program);
	return 0;
}
