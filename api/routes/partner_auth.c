/* A partner's request authenticated by its API key: see
 * api/routes/partner_auth.h. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "api/config.h"
#include "api/http/clientaddr.h"
#include "api/routes/handler.h"
#include "api/routes/partner_auth.h"
#include "api/service/partner.h"
#include "api/service/app.h"
#include "api/store/store_partners.h"
#include "api/store/store_pkeys.h"
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

/*
 * Counts the request against the partner's limit in the current fixed
 * window (in PostgreSQL, shared by every node) and adds the RateLimit and
 * RateLimit-Policy fields of draft-ietf-httpapi-ratelimit-headers: quota
 * q per window w, remaining r, seconds t until the window resets.  Past
 * the quota: 429 with Retry-After.  0, or -1 with p set.
 */
static int
rate_count(struct ctx *ctx, struct problem *p)
{
	const struct config *cfg = ctx->app->cfg;
	long limit = cfg->partner_rate_limit, w = cfg->partner_rate_window;
	time_t start = ctx->now - ctx->now % w;
	long hits, reset = (long)(start + w - ctx->now);
	char buf[96];

	if ((hits = store_prate_hit(ctx->db, ctx->partner_id, start, p)) == -1)
		return -1;
	snprintf(buf, sizeof(buf), "\"partner\";q=%ld;w=%ld", limit, w);
	http_response_add_header(&ctx->resp, "RateLimit-Policy", buf);
	snprintf(buf, sizeof(buf), "\"partner\";r=%ld;t=%ld",
	    hits >= limit ? 0 : limit - hits, reset);
	http_response_add_header(&ctx->resp, "RateLimit", buf);
	if (hits <= limit)
		return 0;
	log_warn("partner rate limited", "partner=%s route=%s", ctx->partner_id,
	    ctx->match.route->name);
	problem_set(p, 429, "rate-limited", "Too many requests",
	    "At most %ld requests every %ld seconds; the window resets in "
	    "%ld seconds.",
	    limit, w, reset);
	p->retry_after = (int)reset;
	return -1;
}

int
partner_authenticate(struct ctx *ctx, struct problem *p)
{
	char kid[PARTNER_KEY_ID_LEN + 1];
	unsigned char hash[DIGEST_LEN];
	struct partner_key_row k;
	const char *auth;
	int found, sandbox;

	ctx->partner_id[0] = ctx->partner_program[0] = '\0';
	auth = http_request_header(ctx->req, "Authorization");
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0)
		return problem_set(p, 401, "unauthenticated",
		    "Authentication failed",
		    "Send the partner API key as a Bearer credential.");
	if (partner_key_parse(auth + 7, kid, hash, &sandbox) == -1)
		return refuse(ctx, "malformed-key", NULL, NULL, p);
	if ((found = store_partner_key_by_id(ctx->db, kid, &k, p)) == -1)
		return -1;
	if (found == 0)
		return refuse(ctx, "unknown-key", NULL, kid, p);
	if (k.hash_len != DIGEST_LEN ||
	    CRYPTO_memcmp(k.hash, hash, DIGEST_LEN) != 0)
		return refuse(ctx, "wrong-secret", k.partner.id, kid, p);
	/* The prefix says the world: a sandbox key only as rxp_test_. */
	if (sandbox != (k.partner.sandbox_of[0] != '\0'))
		return refuse(ctx, "wrong-kind", k.partner.id, kid, p);
	if (k.revoked)
		return refuse(ctx, "key-revoked", k.partner.id, kid, p);
	if (k.expires_at != 0 && k.expires_at <= ctx->now)
		return refuse(ctx, "key-expired", k.partner.id, kid, p);
	snprintf(ctx->partner_id, sizeof(ctx->partner_id), "%s", k.partner.id);
	snprintf(ctx->partner_program, sizeof(ctx->partner_program), "%s",
	    k.partner.program);
	snprintf(ctx->partner_key, sizeof(ctx->partner_key), "%s", kid);
	return rate_count(ctx, p);
}

int
partner_precheck(struct ctx *ctx, struct problem *p)
{
	const struct config *cfg = ctx->app->cfg;
	const char *proto;

	if (ctx->req->tls || cfg->partner_allow_http)
		return 0;
	/* TLS ended at a trusted proxy in front of rxca. */
	proto = http_request_header(ctx->req, "X-Forwarded-Proto");
	if (proto != NULL && strcasecmp(proto, "https") == 0 &&
	    clientaddr_listed(&cfg->trust, ctx->req->peer_addr))
		return 0;
	return problem_set(p, 403, "https-required", "HTTPS required",
	    "Partner routes are served over HTTPS only; send this request "
	    "to the HTTPS listener (and replace an API key sent here in the "
	    "clear).");
}
