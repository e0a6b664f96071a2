#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/config.h"
#include "api/service/app.h"
#include "api/service/oidcflow.h"
#include "api/service/proofjob.h"
#include "api/store/store_partners.h"
#include "api/store/store_jobs.h"
#include "api/store/store_oidc.h"
#include "api/store/tx.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/rand.h"
#include "common/xmalloc.h"
#include "proofing/decision.h"
#include "proofing/oidc.h"
#include "proofing/oidcclient.h"
#include "proofing/provider_oidc.h"

/* Seconds the discovery document is kept. */
#define DISCOVERY_TTL 3600
/* Random bytes of a state, a nonce and a PKCE verifier. */
#define STATE_BYTES    32
#define NONCE_BYTES    24
#define VERIFIER_BYTES 32
/* Characters of a state, and of a code, taken from the callback. */
#define STATE_MAX 128
#define CODE_MAX  512

#define NOTE_STARTED "sign-in at the OpenID provider started"
#define NOTE_ANSWER  "the OpenID provider answered"
#define NOTE_FAILED  "the answer of the OpenID provider was refused"

/*
 * A key set in use: the workers that check a token with it each hold a
 * reference, so a fetch may replace it while they verify.  refs is
 * guarded by op.lock.
 */
struct keyset {
	struct oidc_jwks *k; /* owned */
	int refs;            /* op.keys's own, and one per check under way */
};

/*
 * What is known of the provider, shared by the workers: the discovery
 * document's endpoints and the key set.  The lock guards these members
 * only: it is held neither across an outbound call nor while an ID
 * token's signature is verified (the checks of several workers run at
 * once, each with its reference to the key set).
 */
static struct {
	pthread_mutex_t lock;
	char *authorization; /* endpoints from discovery; NULL: none */
	char *token;
	char *userinfo; /* or NULL */
	char *jwks_uri;
	time_t discovered;   /* when; 0: never */
	struct keyset *keys; /* the key set, or NULL */
	time_t keys_at;      /* when fetched; 0: never */
} op = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void
endpoint_of(const struct config *c, struct provider_endpoint *ep)
{
	ep->base_url = "";
	ep->api_key = "";
	ep->ca_file = c->provider_ca_file;
	ep->connect_ms = c->provider_connect_ms;
	ep->total_ms = c->provider_timeout_ms;
}

/* 1 if s is an http(s) URL of sane length. */
static int
url_ok(const char *s)
{
	return s != NULL && strlen(s) < 2048 &&
	    (strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0);
}

/* The endpoints, fetched if not cached: 0, or -1 with p set. */
static int
discover(const struct config *c, time_t now, struct problem *p)
{
	struct provider_endpoint ep;
	struct provider_reply r;
	json_error_t err;
	json_t *doc = NULL;
	const char *iss, *a, *t, *u, *j;
	char *url;
	int rc = -1, fresh;

	pthread_mutex_lock(&op.lock);
	fresh = op.discovered != 0 && now - op.discovered < DISCOVERY_TTL;
	pthread_mutex_unlock(&op.lock);
	if (fresh)
		return 0;
	endpoint_of(c, &ep);
	url = xprintf("%s/.well-known/openid-configuration", c->oidc_issuer);
	if (provider_oidc_get(&ep, url, NULL, &r, p) == -1)
		goto out;
	doc = json_loadb(r.body, r.len, JSON_REJECT_DUPLICATES, &err);
	provider_reply_free(&r);
	iss = json_string_value(json_object_get(doc, "issuer"));
	a = json_string_value(json_object_get(doc, "authorization_endpoint"));
	t = json_string_value(json_object_get(doc, "token_endpoint"));
	u = json_string_value(json_object_get(doc, "userinfo_endpoint"));
	j = json_string_value(json_object_get(doc, "jwks_uri"));
	/* OpenID Connect Discovery 4.3: the issuer must be ours exactly */
	if (iss == NULL || strcmp(iss, c->oidc_issuer) != 0 || !url_ok(a) ||
	    !url_ok(t) || !url_ok(j) || (u != NULL && !url_ok(u))) {
		problem_set(p, 502, "oidc-provider-error",
		    "OpenID provider error",
		    "the provider's discovery document is not usable");
		goto out;
	}
	pthread_mutex_lock(&op.lock);
	free(op.authorization);
	free(op.token);
	free(op.userinfo);
	free(op.jwks_uri);
	op.authorization = xstrdup(a);
	op.token = xstrdup(t);
	op.userinfo = u != NULL ? xstrdup(u) : NULL;
	op.jwks_uri = xstrdup(j);
	op.discovered = now;
	pthread_mutex_unlock(&op.lock);
	rc = 0;
out:
	json_decref(doc);
	free(url);
	return rc;
}

/* Drops a reference to ks (NULL: none), freeing it with the last one. */
static void
keyset_drop(struct keyset *ks)
{
	int last;

	if (ks == NULL)
		return;
	pthread_mutex_lock(&op.lock);
	last = --ks->refs == 0;
	pthread_mutex_unlock(&op.lock);
	if (last) {
		oidc_jwks_free(ks->k);
		free(ks);
	}
}

/* A reference to the key set (drop it with keyset_drop()), or NULL. */
static struct keyset *
keyset_take(void)
{
	struct keyset *ks;

	pthread_mutex_lock(&op.lock);
	if ((ks = op.keys) != NULL)
		ks->refs++;
	pthread_mutex_unlock(&op.lock);
	return ks;
}

/*
 * Fetches the key set if there is none, or (force) if the last fetch is
 * at least RXCA_OIDC_JWKS_MIN_INTERVAL old.  0 (also when the interval
 * held it back), or -1 with p set.
 */
static int
fetch_keys(const struct config *c, time_t now, int force, struct problem *p)
{
	struct provider_endpoint ep;
	struct provider_reply r;
	struct keyset *ks, *old;
	struct oidc_jwks *k;
	char *url;
	int due;

	pthread_mutex_lock(&op.lock);
	due = op.keys == NULL ||
	    (force && now - op.keys_at >= c->oidc_jwks_interval);
	url = due ? xstrdup(op.jwks_uri) : NULL;
	if (due)
		op.keys_at =
		    now; /* one fetch per interval, even a failed one */
	pthread_mutex_unlock(&op.lock);
	if (!due)
		return 0;
	endpoint_of(c, &ep);
	if (provider_oidc_get(&ep, url, NULL, &r, p) == -1) {
		free(url);
		return -1;
	}
	free(url);
	k = oidc_jwks_parse(r.body, r.len, p);
	provider_reply_free(&r);
	if (k == NULL)
		return -1;
	ks = xmalloc(sizeof(*ks));
	ks->k = k;
	ks->refs = 1;
	pthread_mutex_lock(&op.lock);
	old = op.keys;
	op.keys = ks;
	pthread_mutex_unlock(&op.lock);
	keyset_drop(old);
	log_info("OpenID provider keys fetched", "keys=%d forced=%d",
	    oidc_jwks_count(k), force);
	return 0;
}

/* 1 if product is in the comma-separated list (empty: every product). */
static int
listed(const char *list, const char *product)
{
	size_t n = strlen(product);
	const char *s = list;

	if (list[0] == '\0')
		return 1;
	while (*s != '\0') {
		const char *e = strchr(s, ',');
		size_t len = e != NULL ? (size_t)(e - s) : strlen(s);

		if (len == n && strncmp(s, product, n) == 0)
			return 1;
		if (e == NULL)
			break;
		s = e + 1;
	}
	return 0;
}

int
oidcflow_owns(struct app *app, struct db *db, const char *id, struct problem *p)
{
	struct oidc_app_row a;
	int f;

	if (app->cfg->oidc_issuer[0] == '\0')
		return 0;
	if ((f = store_oidc_app(db, id, &a, p)) != 1)
		return f;
	return listed(app->cfg->oidc_products, a.product);
}

/* 1 with p set when no OpenID provider is configured, else 0. */
static int
not_offered(const struct config *c, struct problem *p)
{
	if (c->oidc_issuer[0] != '\0')
		return 0;
	problem_set(p, 409, "oidc-not-offered", "OpenID proofing not offered",
	    "Identity proofing through an OpenID provider is not offered.");
	return 1;
}

/*
 * The claim map of RXCA_OIDC_CLAIMS ("given_name=first,birthdate=dob"),
 * its names copied into buf; unknown keys are ignored (the setting is
 * documented with its four keys).
 */
static void
claim_map(
    const char *setting, char *buf, size_t bufsz, struct oidc_claim_map *m)
{
	char *s, *item, *eq, *next;

	memset(m, 0, sizeof(*m));
	snprintf(buf, bufsz, "%s", setting);
	for (s = buf; s != NULL && *s != '\0'; s = next) {
		next = strchr(s, ',');
		if (next != NULL)
			*next++ = '\0';
		item = s;
		if ((eq = strchr(item, '=')) == NULL || eq[1] == '\0')
			continue;
		*eq = '\0';
		if (strcmp(item, "given_name") == 0)
			m->given_name = eq + 1;
		else if (strcmp(item, "family_name") == 0)
			m->family_name = eq + 1;
		else if (strcmp(item, "birthdate") == 0)
			m->birthdate = eq + 1;
		else if (strcmp(item, "address") == 0)
			m->address = eq + 1;
	}
}

/* The acr required of application row a's product ("" none). */
static const char *
acr_for(const struct config *c, int epcs)
{
	return epcs ? c->oidc_acr_epcs : c->oidc_acr_other;
}

int
oidcflow_start(struct app *app, struct db *db, const char *id, int browser,
    time_t now, char **url, time_t *expires, struct problem *p)
{
	const struct config *c = app->cfg;
	unsigned char sh[DIGEST_LEN], nh[DIGEST_LEN];
	char state[64], nonce[48], verifier[64], challenge[48];
	char *e_client = NULL, *e_redirect = NULL, *e_scope = NULL,
	     *e_acr = NULL, *authz = NULL;
	struct oidc_app_row a;
	struct tx tx;
	json_t *details;
	int f, rc = -1;

	*url = NULL;
	memset(&tx, 0, sizeof(tx));
	if (not_offered(c, p))
		return -1;
	/* the outbound call first, with no transaction open */
	if (discover(c, now, p) == -1)
		return -1;
	if (tx_begin(&tx, db, now, id, p) == -1)
		goto out;
	if ((f = store_oidc_app(tx_db(&tx), id, &a, p)) == -1)
		goto out;
	if (f == 0) {
		problem_set(
		    p, 404, "not-found", "Not found", "No such application.");
		goto out;
	}
	if (!listed(c->oidc_products, a.product)) {
		problem_set(p, 409, "oidc-not-offered",
		    "OpenID proofing not offered",
		    "Product %s is not proofed through an OpenID provider.",
		    a.product);
		goto out;
	}
	/* A sandbox application is proofed by the reference providers
	 * only (api/service/sandbox.h), never by a real sign-in. */
	if ((f = store_app_sandbox(tx_db(&tx), id, 0, p)) != 0) {
		if (f == 1)
			problem_set(p, 409, "oidc-not-offered",
			    "OpenID proofing not offered",
			    "This is a sandbox application: the reference "
			    "identity providers proof it.");
		goto out;
	}
	if (strcmp(a.status, "proofing") != 0) {
		problem_set(p, 409, "invalid-transition", "Not allowed now",
		    "The application is %s: a sign-in at the identity provider "
		    "needs a verified e-mail address and an open identity "
		    "check.",
		    a.status);
		goto out;
	}
	rand_token(STATE_BYTES, state, sizeof(state));
	rand_token(NONCE_BYTES, nonce, sizeof(nonce));
	rand_token(VERIFIER_BYTES, verifier, sizeof(verifier));
	oidc_pkce_challenge(verifier, challenge, sizeof(challenge));
	digest_sha256(state, strlen(state), sh);
	digest_sha256(nonce, strlen(nonce), nh);
	*expires = now + c->oidc_flow_seconds;
	details = json_pack(
	    "{s:s, s:b}", "issuer", c->oidc_issuer, "portal", browser);
	if (store_oidc_flow_insert(tx_db(&tx), sh, id, nh, verifier, browser,
	        now, *expires, p) == -1 ||
	    app_note(tx_db(&tx), id, "proofing", id, NOTE_STARTED, now, p) ==
	        -1 ||
	    tx_audit(&tx, "identity.oidc_started", id, details, p) == -1) {
		json_decref(details);
		goto out;
	}
	json_decref(details);
	if (tx_commit(&tx, p) == -1)
		goto out;
	pthread_mutex_lock(&op.lock);
	authz = xstrdup(op.authorization);
	pthread_mutex_unlock(&op.lock);
	e_client = provider_oidc_escape(c->oidc_client_id);
	e_redirect = provider_oidc_escape(c->oidc_redirect_url);
	e_scope = provider_oidc_escape(c->oidc_scopes);
	e_acr = provider_oidc_escape(acr_for(c, a.epcs));
	*url = xprintf("%s%sresponse_type=code&client_id=%s&redirect_uri=%s"
	               "&scope=%s&state=%s&nonce=%s&code_challenge=%s"
	               "&code_challenge_method=S256%s%s",
	    authz, strchr(authz, '?') != NULL ? "&" : "?", e_client, e_redirect,
	    e_scope, state, nonce, challenge,
	    e_acr[0] != '\0' ? "&acr_values=" : "", e_acr);
	rc = 0;
out:
	tx_abort(&tx);
	free(authz);
	free(e_client);
	free(e_redirect);
	free(e_scope);
	free(e_acr);
	return rc;
}

/*
 * Records that the provider's answer for application id was refused
 * (why: the problem type and detail, safe to log): an identity_checks row
 * with outcome "error", a timeline note and an audit record; the
 * application stays in proofing.  Best effort: a failure is logged.
 */
static void
record_failure(
    struct db *db, const char *id, const struct problem *why, time_t now)
{
	struct check_row row;
	struct problem q;
	struct tx tx;
	char rid[40], error[320];
	json_t *details;

	problem_clear(&q);
	rand_id("oidc_", rid, sizeof(rid));
	snprintf(error, sizeof(error), "%s: %s", why->type, why->detail);
	memset(&row, 0, sizeof(row));
	row.app = id;
	row.provider = "oidc";
	row.request_id = rid;
	row.attempt = 1;
	row.outcome = "error";
	row.score = -1;
	row.error = error;
	row.at = now;
	details = json_pack("{s:s, s:s, s:s}", "request_id", rid, "outcome",
	    "error", "error", error);
	if (tx_begin(&tx, db, now, "system", &q) == 0) {
		if (store_proof_check_insert(tx_db(&tx), &row, &q) == -1 ||
		    app_note(tx_db(&tx), id, "proofing", "system", NOTE_FAILED,
		        now, &q) == -1 ||
		    tx_audit(&tx, "identity.oidc_checked", id, details, &q) ==
		        -1 ||
		    tx_commit(&tx, &q) == -1)
			tx_abort(&tx);
	}
	json_decref(details);
	log_warn(
	    "OpenID provider answer refused", "app=%s error=\"%s\"", id, error);
}

/*
 * The form's client authentication: "" for client_secret_basic (the
 * secret goes in the Authorization header), or, with a client key,
 * private_key_jwt (OpenID Connect Core 9): the client id and a fresh
 * assertion for the token endpoint url.  Caller frees; NULL with p set.
 */
static char *
client_auth(
    const struct config *c, const char *url, time_t now, struct problem *p)
{
	char *assertion, *e_client, *out;

	if (c->oidc_client_key == NULL)
		return xstrdup("");
	assertion = oidcclient_assertion(
	    c->oidc_client_key, c->oidc_client_id, url, now, p);
	if (assertion == NULL)
		return NULL;
	e_client = provider_oidc_escape(c->oidc_client_id);
	out = xprintf("&client_id=%s&client_assertion_type=urn%%3Aietf%%3A"
	              "params%%3Aoauth%%3Aclient-assertion-type%%3Ajwt-bearer"
	              "&client_assertion=%s",
	    e_client, assertion); /* a JWS is URL-safe as it is */
	free(e_client);
	free(assertion);
	return out;
}

/* The token endpoint's answer: the ID token and access token (owned). */
static int
redeem(const struct config *c, const char *code, const char *verifier,
    time_t now, char **id_token, char **access, struct problem *p)
{
	struct provider_endpoint ep;
	struct provider_reply r;
	json_error_t err;
	json_t *doc;
	const char *it, *at;
	char *e_code, *e_redirect, *e_verifier, *auth, *form = NULL, *url;
	int rc = -1;

	*id_token = *access = NULL;
	pthread_mutex_lock(&op.lock);
	url = xstrdup(op.token);
	pthread_mutex_unlock(&op.lock);
	e_code = provider_oidc_escape(code);
	e_redirect = provider_oidc_escape(c->oidc_redirect_url);
	e_verifier = provider_oidc_escape(verifier);
	if ((auth = client_auth(c, url, now, p)) == NULL)
		goto out;
	form = xprintf("grant_type=authorization_code&code=%s&redirect_uri=%s"
	               "&code_verifier=%s%s",
	    e_code, e_redirect, e_verifier, auth);
	endpoint_of(c, &ep);
	if (provider_oidc_token(&ep, url, form,
	        c->oidc_client_key == NULL ? c->oidc_client_id : NULL,
	        c->oidc_client_secret, &r, p) == 0) {
		doc = json_loadb(r.body, r.len, JSON_REJECT_DUPLICATES, &err);
		provider_reply_free(&r);
		it = json_string_value(json_object_get(doc, "id_token"));
		at = json_string_value(json_object_get(doc, "access_token"));
		if (it == NULL)
			problem_set(p, 502, "oidc-provider-error",
			    "OpenID provider error",
			    "the token endpoint sent no ID token");
		else {
			*id_token = xstrdup(it);
			*access = at != NULL ? xstrdup(at) : NULL;
			rc = 0;
		}
		json_decref(doc);
	}
out:
	if (form != NULL)
		memset(form, 0, strlen(form));
	free(form);
	free(auth);
	free(url);
	free(e_code);
	free(e_redirect);
	memset(e_verifier, 0, strlen(e_verifier));
	free(e_verifier);
	return rc;
}

/* Checks id_token against the cached keys, fetching them again once for
 * an unknown kid (rate-limited).  0 with out filled, or -1 with p set. */
static int
verify(const struct config *c, const char *id_token,
    const unsigned char *nonce_sha256, time_t now,
    const struct oidc_claim_map *map, struct oidc_claims *out,
    struct problem *p)
{
	struct oidc_expect e = {
	    c->oidc_issuer, c->oidc_client_id, NULL, now, nonce_sha256};
	struct keyset *ks;
	enum oidc_fault f;
	int tries;

	if (fetch_keys(c, now, 0, p) == -1)
		return -1;
	for (tries = 0;; tries++) {
		ks = keyset_take();
		f = oidc_token_check(id_token, strlen(id_token),
		    ks != NULL ? ks->k : NULL, &e, map, out, p);
		keyset_drop(ks);
		if (f != OIDC_UNKNOWN_KID || tries > 0)
			break;
		if (fetch_keys(c, now, 1, p) == -1)
			return -1;
	}
	return f == OIDC_OK ? 0 : -1;
}

/* Adds the userinfo claims when the ID token lacks some (best effort). */
static void
userinfo(const struct config *c, const char *access,
    const struct oidc_claim_map *map, struct oidc_claims *cl)
{
	struct provider_endpoint ep;
	struct provider_reply r;
	struct problem q;
	char *url;

	if (access == NULL ||
	    (cl->given_name[0] != '\0' && cl->family_name[0] != '\0' &&
	        cl->birthdate[0] != '\0' && cl->postal_code[0] != '\0'))
		return;
	pthread_mutex_lock(&op.lock);
	url = op.userinfo != NULL ? xstrdup(op.userinfo) : NULL;
	pthread_mutex_unlock(&op.lock);
	if (url == NULL)
		return;
	endpoint_of(c, &ep);
	problem_clear(&q);
	if (provider_oidc_get(&ep, url, access, &r, &q) == 0) {
		if (oidc_userinfo_merge(r.body, r.len, map, cl, &q) == -1)
			log_warn("OpenID userinfo refused", "error=\"%s\"",
			    q.detail);
		provider_reply_free(&r);
	} else
		log_warn("OpenID userinfo failed", "error=\"%s\"", q.detail);
	free(url);
}

/*
 * The answer of the provider for application id, compared and decided
 * in one unit of work.  0 with out filled, or -1 with p set.
 */
static int
decide(struct app *app, struct db *db, const char *id,
    const struct oidc_claims *cl, time_t now, struct oidcflow_result *out,
    struct problem *p)
{
	const struct config *c = app->cfg;
	struct proof_app_row row;
	struct idcheck_subject s;
	struct decision_input in;
	struct decision d;
	struct check_row cr;
	struct tx tx;
	char rid[40], reason[IDCHECK_REASON_LEN + 1], *reasons = NULL;
	json_t *codes = NULL, *details = NULL;
	int f, i, rc = -1;

	memset(&row, 0, sizeof(row));
	if (tx_begin(&tx, db, now, "system", p) == -1)
		return -1;
	if ((f = store_proof_app_lock(tx_db(&tx), id, &row, p)) == -1)
		goto out;
	if (f == 0 || strcmp(row.status, "proofing") != 0) {
		problem_set(p, 409, "invalid-transition", "Not allowed now",
		    "The application is no longer in proofing.");
		goto out;
	}
	memset(&s, 0, sizeof(s));
	s.given_name = row.given_name;
	s.family_name = row.family_name;
	s.date_of_birth = row.date_of_birth;
	s.line1 = row.line1;
	s.city = row.city;
	s.state = row.state;
	s.postal_code = row.postal_code;
	s.country = row.country;
	memset(&in, 0, sizeof(in));
	in.policy = row.nist ? POLICY_NIST : POLICY_IGC;
	in.epcs = row.epcs;
	in.has_dea = row.has_dea;
	in.idv_answered = 1;
	in.avs_answered = 1;
	oidc_compare(cl, &s, acr_for(c, row.epcs), c->oidc_verified_only,
	    &in.idv, &in.avs);
	if (in.avs != AVS_MATCH) {
		snprintf(reason, sizeof(reason), "address_%s",
		    idcheck_avs_name(in.avs));
		if (in.idv.nreasons < IDCHECK_MAX_REASONS)
			snprintf(in.idv.reasons[in.idv.nreasons++],
			    sizeof(in.idv.reasons[0]), "%s", reason);
	}
	codes = json_array();
	for (i = 0; i < in.idv.nreasons; i++)
		json_array_append_new(codes, json_string(in.idv.reasons[i]));
	reasons = json_dumps(codes, JSON_COMPACT);
	rand_id("oidc_", rid, sizeof(rid));
	memset(&cr, 0, sizeof(cr));
	cr.app = id;
	cr.provider = "oidc";
	cr.request_id = rid;
	cr.attempt = 1;
	cr.outcome = idcheck_idv_name(in.idv.decision);
	cr.score = in.idv.score;
	cr.reasons = reasons;
	cr.at = now;
	details = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:O}", "request_id",
	    rid, "outcome", cr.outcome, "acr", cl->acr, "address",
	    idcheck_avs_name(in.avs), "verified_claims", cl->verified,
	    "trust_framework", cl->trust_framework, "reasons", codes);
	if (store_proof_check_insert(tx_db(&tx), &cr, p) == -1 ||
	    app_note(tx_db(&tx), id, "proofing", "system", NOTE_ANSWER, now,
	        p) == -1 ||
	    tx_audit(&tx, "identity.oidc_checked", id, details, p) == -1 ||
	    proofjob_conclude(app, tx_db(&tx), id, &in, NULL, now, &d, p) ==
	        -1 ||
	    tx_commit(&tx, p) == -1)
		goto out;
	snprintf(out->application_id, sizeof(out->application_id), "%s", id);
	snprintf(out->rule, sizeof(out->rule), "%s", d.code);
	rc = 0;
out:
	tx_abort(&tx);
	free(reasons);
	json_decref(codes);
	json_decref(details);
	store_proof_app_free(&row);
	return rc;
}

int
oidcflow_callback(struct app *app, struct db *db, const char *state,
    const char *code, const char *error, time_t now,
    struct oidcflow_result *out, struct problem *p)
{
	const struct config *c = app->cfg;
	struct oidc_flow_row flow;
	struct oidc_claim_map map;
	struct oidc_claims cl;
	struct oidc_app_row a;
	unsigned char sh[DIGEST_LEN];
	char mapbuf[256], *id_token = NULL, *access = NULL;
	struct tx tx;
	json_t *details;
	int f, rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&tx, 0, sizeof(tx));
	if (not_offered(c, p))
		return -1;
	if (state == NULL || state[0] == '\0' || strlen(state) > STATE_MAX) {
		problem_set(p, 400, "oidc-state-invalid",
		    "Unknown or used sign-in",
		    "This sign-in is unknown, used or expired: start again.");
		problem_field(p, "state", "unknown, used or expired");
		return -1;
	}
	/* the flow, taken once */
	digest_sha256(state, strlen(state), sh);
	if (tx_begin(&tx, db, now, "system", p) == -1)
		return -1;
	if ((f = store_oidc_flow_take(tx_db(&tx), sh, now, &flow, p)) == -1)
		goto out;
	if (f == 0) {
		problem_set(p, 400, "oidc-state-invalid",
		    "Unknown or used sign-in",
		    "This sign-in is unknown, used or expired: start again.");
		problem_field(p, "state", "unknown, used or expired");
		goto out;
	}
	details = json_pack("{s:s?}", "error", error);
	f = tx_audit(
	    &tx, "identity.oidc_returned", flow.application_id, details, p);
	json_decref(details);
	if (f == -1 || tx_commit(&tx, p) == -1)
		goto out;
	snprintf(out->application_id, sizeof(out->application_id), "%s",
	    flow.application_id);
	out->browser = flow.browser;
	if (error != NULL) {
		problem_set(p, 422, "oidc-refused",
		    "Sign-in at the provider refused",
		    "The identity provider did not sign you in (%.64s).",
		    error);
		record_failure(db, flow.application_id, p, now);
		goto out;
	}
	if (code == NULL || code[0] == '\0' || strlen(code) > CODE_MAX) {
		problem_set(p, 422, "oidc-refused",
		    "Sign-in at the provider refused",
		    "The identity provider sent no authorization code.");
		problem_field(p, "code", "missing or too long");
		record_failure(db, flow.application_id, p, now);
		goto out;
	}
	/* the outbound calls, with no transaction open */
	claim_map(c->oidc_claims, mapbuf, sizeof(mapbuf), &map);
	if (discover(c, now, p) == -1 ||
	    redeem(c, code, flow.code_verifier, now, &id_token, &access, p) ==
	        -1 ||
	    verify(c, id_token, flow.nonce_sha256, now, &map, &cl, p) == -1) {
		record_failure(db, flow.application_id, p, now);
		goto out;
	}
	userinfo(c, access, &map, &cl);
	if (decide(app, db, flow.application_id, &cl, now, out, p) == -1)
		goto out;
	if (store_oidc_app(db, flow.application_id, &a, p) == 1)
		snprintf(out->status, sizeof(out->status), "%s", a.status);
	log_info("OpenID proofing answered", "app=%s status=%s rule=%s",
	    out->application_id, out->status, out->rule);
	rc = 0;
out:
	tx_abort(&tx);
	free(id_token);
	if (access != NULL) {
		memset(access, 0, strlen(access));
		free(access);
	}
	memset(&flow, 0, sizeof(flow));
	return rc;
}

int
oidcflow_sweep(struct db *db, time_t now, struct problem *p)
{
	return store_oidc_flow_sweep(db, now, p);
}
