#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjose/cjose.h>
#include <jansson.h>

#include "common/base64.h"
#include "common/digest.h"
#include "common/xmalloc.h"
#include "proofing/oidc.h"

/* Characters of a JOSE header or payload segment we decode. */
#define SEG_MAX OIDC_MAX_TOKEN
/* Characters of an RSA modulus: 2048 to 4096 bits. */
#define RSA_N_MIN 342
#define RSA_N_MAX 683
/* Characters of a P-256 coordinate. */
#define EC_COORD 43

enum key_kind { KEY_EC, KEY_RSA };

struct oidc_key {
	char kid[OIDC_KID_LEN + 1]; /* key id */
	enum key_kind kind;         /* EC P-256 or RSA */
	cjose_jwk_t *jwk;           /* owned */
};

struct oidc_jwks {
	int n;                               /* used in keys */
	struct oidc_key keys[OIDC_MAX_KEYS]; /* the signing keys */
};

static const char *const fault_names[] = {
    [OIDC_OK] = "ok",
    [OIDC_MALFORMED] = "malformed",
    [OIDC_ALG] = "algorithm_refused",
    [OIDC_UNKNOWN_KID] = "unknown_kid",
    [OIDC_SIGNATURE] = "bad_signature",
    [OIDC_ISSUER] = "wrong_issuer",
    [OIDC_AUDIENCE] = "wrong_audience",
    [OIDC_EXPIRED] = "expired",
    [OIDC_IAT] = "issued_at",
    [OIDC_NONCE] = "nonce_mismatch",
    [OIDC_SUBJECT] = "no_subject",
};

const char *
oidc_fault_name(enum oidc_fault f)
{
	if ((size_t)f >= sizeof(fault_names) / sizeof(fault_names[0]))
		return "unknown";
	return fault_names[f];
}

int
oidc_b64url_ok(const char *s, size_t n)
{
	return base64url_ok(s, n);
}

/* A JSON object from n characters of base64url, or NULL. */
static json_t *
b64url_json(const char *s, size_t n)
{
	unsigned char *raw;
	json_error_t err;
	json_t *j;
	size_t len;

	if (n == 0 || n > SEG_MAX ||
	    (raw = base64url_decode(s, n, &len)) == NULL)
		return NULL;
	j = json_loadb((const char *)raw, len, JSON_REJECT_DUPLICATES, &err);
	free(raw);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

/* The string member name of o if it is base64url of min..max characters. */
static const char *
b64_member(json_t *o, const char *name, size_t min, size_t max)
{
	const char *s = json_string_value(json_object_get(o, name));
	size_t n;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	if (n < min || n > max || !oidc_b64url_ok(s, n))
		return NULL;
	return s;
}

/*
 * One JWKS entry as a key: only the public members, checked, go to cjose.
 * 0, or -1 if the entry is not a usable signing key.
 */
static int
key_load(json_t *e, struct oidc_key *k)
{
	const char *kty, *kid, *use, *crv, *x, *y, *n, *ex;
	json_t *pub = NULL;
	char *text = NULL;
	cjose_err err;
	int rc = -1;

	kty = json_string_value(json_object_get(e, "kty"));
	kid = json_string_value(json_object_get(e, "kid"));
	use = json_string_value(json_object_get(e, "use"));
	if (kty == NULL || kid == NULL || kid[0] == '\0' ||
	    strlen(kid) > OIDC_KID_LEN)
		return -1;
	if (json_object_get(e, "use") != NULL &&
	    (use == NULL || strcmp(use, "sig") != 0))
		return -1;
	if (strcmp(kty, "EC") == 0) {
		crv = json_string_value(json_object_get(e, "crv"));
		x = b64_member(e, "x", EC_COORD, EC_COORD);
		y = b64_member(e, "y", EC_COORD, EC_COORD);
		if (crv == NULL || strcmp(crv, "P-256") != 0 || x == NULL ||
		    y == NULL)
			return -1;
		pub = json_pack("{s:s, s:s, s:s, s:s}", "kty", "EC", "crv",
		    "P-256", "x", x, "y", y);
		k->kind = KEY_EC;
	} else if (strcmp(kty, "RSA") == 0) {
		n = b64_member(e, "n", RSA_N_MIN, RSA_N_MAX);
		ex = b64_member(e, "e", 2, 8);
		if (n == NULL || ex == NULL)
			return -1;
		pub =
		    json_pack("{s:s, s:s, s:s}", "kty", "RSA", "n", n, "e", ex);
		k->kind = KEY_RSA;
	} else
		return -1;
	if (pub == NULL)
		return -1;
	text = json_dumps(pub, JSON_COMPACT);
	if (text == NULL)
		goto out;
	k->jwk = cjose_jwk_import(text, strlen(text), &err);
	if (k->jwk == NULL)
		goto out;
	if (k->kind == KEY_EC &&
	    cjose_jwk_EC_get_curve(k->jwk, &err) != CJOSE_JWK_EC_P_256) {
		cjose_jwk_release(k->jwk);
		k->jwk = NULL;
		goto out;
	}
	snprintf(k->kid, sizeof(k->kid), "%s", kid);
	rc = 0;
out:
	free(text);
	json_decref(pub);
	return rc;
}

struct oidc_jwks *
oidc_jwks_parse(const char *body, size_t len, struct problem *p)
{
	struct oidc_jwks *k = NULL;
	json_error_t err;
	json_t *doc = NULL, *keys, *e;
	size_t i;

	if (len > OIDC_MAX_JWKS) {
		problem_set(p, 502, "oidc-provider-error",
		    "OpenID provider error", "the key set is too large");
		goto out;
	}
	doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
	keys = json_object_get(doc, "keys");
	if (!json_is_array(keys)) {
		problem_set(p, 502, "oidc-provider-error",
		    "OpenID provider error", "the key set is not a JWKS");
		goto out;
	}
	k = xcalloc(1, sizeof(*k));
	json_array_foreach(keys, i, e)
	{
		if (k->n >= OIDC_MAX_KEYS)
			break;
		if (json_is_object(e) && key_load(e, &k->keys[k->n]) == 0)
			k->n++;
	}
	if (k->n == 0) {
		oidc_jwks_free(k);
		k = NULL;
		problem_set(p, 502, "oidc-provider-error",
		    "OpenID provider error", "the key set holds no usable key");
	}
out:
	json_decref(doc);
	return k;
}

void
oidc_jwks_free(struct oidc_jwks *k)
{
	int i;

	if (k == NULL)
		return;
	for (i = 0; i < k->n; i++)
		cjose_jwk_release(k->keys[i].jwk);
	free(k);
}

int
oidc_jwks_count(const struct oidc_jwks *k)
{
	return k != NULL ? k->n : 0;
}

/* Copies the string member name of o (at most OIDC_CLAIM_LEN) to dst
 * unless dst is already set. */
static void
claim_copy(json_t *o, const char *name, char *dst)
{
	const char *v;

	if (dst[0] != '\0' || name == NULL)
		return;
	v = json_string_value(json_object_get(o, name));
	if (v != NULL && strlen(v) <= OIDC_CLAIM_LEN)
		snprintf(dst, OIDC_CLAIM_LEN + 1, "%s", v);
}

/* Reads the identity claims of o (a claims object) into out. */
static void
claims_read(
    json_t *o, const struct oidc_claim_map *map, struct oidc_claims *out)
{
	json_t *addr;

	claim_copy(o,
	    map != NULL && map->given_name != NULL ? map->given_name
	                                           : "given_name",
	    out->given_name);
	claim_copy(o,
	    map != NULL && map->family_name != NULL ? map->family_name
	                                            : "family_name",
	    out->family_name);
	claim_copy(o,
	    map != NULL && map->birthdate != NULL ? map->birthdate
	                                          : "birthdate",
	    out->birthdate);
	addr = json_object_get(
	    o, map != NULL && map->address != NULL ? map->address : "address");
	if (json_is_object(addr)) {
		claim_copy(addr, "street_address", out->street);
		claim_copy(addr, "locality", out->locality);
		claim_copy(addr, "region", out->region);
		claim_copy(addr, "postal_code", out->postal_code);
		claim_copy(addr, "country", out->country);
	}
}

/*
 * OIDC4IA: the verified_claims (an object or an array of them) first,
 * with their trust framework; then the plain claims for what is missing.
 */
static void
claims_all(json_t *o, const struct oidc_claim_map *map, struct oidc_claims *out)
{
	json_t *vc, *one, *claims;
	size_t i;

	vc = json_object_get(o, "verified_claims");
	if (json_is_object(vc)) {
		one = vc;
		vc = json_array();
		json_array_append(vc, one);
	} else
		json_incref(vc);
	json_array_foreach(vc, i, one)
	{
		claims = json_object_get(one, "claims");
		if (!json_is_object(claims) ||
		    !json_is_object(json_object_get(one, "verification")))
			continue;
		claim_copy(json_object_get(one, "verification"),
		    "trust_framework", out->trust_framework);
		if (out->trust_framework[0] == '\0')
			continue;
		out->verified = 1;
		claims_read(claims, map, out);
	}
	json_decref(vc);
	claims_read(o, map, out);
}

/* 1 if the integer (or real) member name of o is present, into *t. */
static int
time_member(json_t *o, const char *name, time_t *t)
{
	json_t *v = json_object_get(o, name);

	if (json_is_integer(v))
		*t = (time_t)json_integer_value(v);
	else if (json_is_real(v) && json_real_value(v) > 0 &&
	    json_real_value(v) < 1e11)
		*t = (time_t)json_real_value(v);
	else
		return 0;
	return 1;
}

/* The claims of the payload against e. */
static enum oidc_fault
claims_check(json_t *c, const struct oidc_expect *e)
{
	const char *iss, *nonce, *azp, *sub;
	unsigned char nh[DIGEST_LEN];
	json_t *aud, *v;
	time_t exp, iat;
	size_t i;
	int found = 0;

	iss = json_string_value(json_object_get(c, "iss"));
	if (iss == NULL || strcmp(iss, e->issuer) != 0)
		return OIDC_ISSUER;
	aud = json_object_get(c, "aud");
	if (json_is_string(aud))
		found = strcmp(json_string_value(aud), e->client_id) == 0;
	else if (json_is_array(aud))
		json_array_foreach(aud, i, v) if (json_is_string(v) &&
		    strcmp(json_string_value(v), e->client_id) == 0) found = 1;
	if (!found)
		return OIDC_AUDIENCE;
	azp = json_string_value(json_object_get(c, "azp"));
	if ((json_is_array(aud) && json_array_size(aud) > 1 && azp == NULL) ||
	    (azp != NULL && strcmp(azp, e->client_id) != 0))
		return OIDC_AUDIENCE;
	if (!time_member(c, "exp", &exp) || e->now > exp + OIDC_SKEW)
		return OIDC_EXPIRED;
	if (!time_member(c, "iat", &iat) || iat > e->now + OIDC_SKEW ||
	    iat < e->now - OIDC_MAX_AGE - OIDC_SKEW)
		return OIDC_IAT;
	nonce = json_string_value(json_object_get(c, "nonce"));
	if (nonce == NULL)
		return OIDC_NONCE;
	if (e->nonce_sha256 != NULL) {
		digest_sha256(nonce, strlen(nonce), nh);
		if (!digest_equal(nh, e->nonce_sha256, DIGEST_LEN))
			return OIDC_NONCE;
	} else if (e->nonce == NULL || strlen(nonce) != strlen(e->nonce) ||
	    !digest_equal(nonce, e->nonce, strlen(nonce)))
		return OIDC_NONCE;
	sub = json_string_value(json_object_get(c, "sub"));
	if (sub == NULL || sub[0] == '\0' || strlen(sub) > OIDC_CLAIM_LEN)
		return OIDC_SUBJECT;
	return OIDC_OK;
}

/* The key for kid that fits alg, or NULL. */
static const struct oidc_key *
key_find(const struct oidc_jwks *keys, const char *kid, const char *alg)
{
	enum key_kind want = strcmp(alg, "ES256") == 0 ? KEY_EC : KEY_RSA;
	int i;

	for (i = 0; keys != NULL && i < keys->n; i++)
		if (strcmp(keys->keys[i].kid, kid) == 0 &&
		    keys->keys[i].kind == want)
			return &keys->keys[i];
	return NULL;
}

enum oidc_fault
oidc_token_check(const char *token, size_t len, const struct oidc_jwks *keys,
    const struct oidc_expect *e, const struct oidc_claim_map *map,
    struct oidc_claims *out, struct problem *p)
{
	const char *dot1, *dot2, *alg, *kid;
	const struct oidc_key *key;
	json_t *hdr = NULL, *body = NULL;
	cjose_jws_t *jws = NULL;
	cjose_err err;
	enum oidc_fault f = OIDC_MALFORMED;

	memset(out, 0, sizeof(*out));
	if (token == NULL || len == 0 || len > OIDC_MAX_TOKEN ||
	    memchr(token, '\0', len) != NULL)
		goto out;
	/* Three segments of base64url, checked before cjose sees them. */
	dot1 = memchr(token, '.', len);
	dot2 = dot1 != NULL
	    ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token))
	    : NULL;
	if (dot2 == NULL || dot1 == token || dot2 == dot1 + 1 ||
	    dot2 + 1 == token + len ||
	    !oidc_b64url_ok(token, (size_t)(dot1 - token)) ||
	    !oidc_b64url_ok(dot1 + 1, (size_t)(dot2 - dot1 - 1)) ||
	    !oidc_b64url_ok(dot2 + 1, (size_t)(token + len - dot2 - 1)))
		goto out;
	if ((hdr = b64url_json(token, (size_t)(dot1 - token))) == NULL ||
	    (body = b64url_json(dot1 + 1, (size_t)(dot2 - dot1 - 1))) == NULL)
		goto out;
	alg = json_string_value(json_object_get(hdr, "alg"));
	kid = json_string_value(json_object_get(hdr, "kid"));
	if (alg == NULL ||
	    (strcmp(alg, "ES256") != 0 && strcmp(alg, "RS256") != 0 &&
	        strcmp(alg, "PS256") != 0)) {
		f = OIDC_ALG;
		goto out;
	}
	if (json_object_get(hdr, "crit") != NULL)
		goto out;
	if (kid == NULL || (key = key_find(keys, kid, alg)) == NULL) {
		f = OIDC_UNKNOWN_KID;
		goto out;
	}
	jws = cjose_jws_import(token, len, &err);
	if (jws == NULL)
		goto out;
	if (!cjose_jws_verify(jws, key->jwk, &err)) {
		f = OIDC_SIGNATURE;
		goto out;
	}
	if ((f = claims_check(body, e)) != OIDC_OK)
		goto out;
	snprintf(out->sub, sizeof(out->sub), "%s",
	    json_string_value(json_object_get(body, "sub")));
	claim_copy(body, "acr", out->acr);
	claims_all(body, map, out);
out:
	if (f != OIDC_OK) {
		memset(out, 0, sizeof(*out));
		problem_set(p, 502, "oidc-token-invalid", "ID token refused",
		    "the ID token was refused: %s", oidc_fault_name(f));
	}
	cjose_jws_release(jws);
	json_decref(hdr);
	json_decref(body);
	return f;
}

int
oidc_userinfo_merge(const char *body, size_t len,
    const struct oidc_claim_map *map, struct oidc_claims *out,
    struct problem *p)
{
	json_error_t err;
	json_t *o;
	const char *sub;
	int rc = -1;

	o = len <= OIDC_MAX_JWKS
	    ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &err)
	    : NULL;
	sub = json_string_value(json_object_get(o, "sub"));
	if (!json_is_object(o) || sub == NULL || strcmp(sub, out->sub) != 0) {
		problem_set(p, 502, "oidc-provider-error",
		    "OpenID provider error",
		    "the userinfo answer is not for this subject");
		goto out;
	}
	claims_all(o, map, out);
	rc = 0;
out:
	json_decref(o);
	return rc;
}

/* s folded into out (outsz bytes): lower case, white space trimmed and
 * each run of it one space. */
static void
fold(const char *s, char *out, size_t outsz)
{
	size_t o = 0;
	int space = 0;

	while (isspace((unsigned char)*s))
		s++;
	for (; *s != '\0' && o + 2 < outsz; s++) {
		if (isspace((unsigned char)*s)) {
			space = 1;
			continue;
		}
		if (space)
			out[o++] = ' ';
		space = 0;
		out[o++] = (char)tolower((unsigned char)*s);
	}
	out[o] = '\0';
}

/* a and b equal without case, runs of white space counting as one, and
 * leading or trailing space ignored; NULL or blank never equal. */
static int
loose_equal(const char *a, const char *b)
{
	char fa[OIDC_CLAIM_LEN + 2], fb[OIDC_CLAIM_LEN + 2];

	if (a == NULL || b == NULL)
		return 0;
	fold(a, fa, sizeof(fa));
	fold(b, fb, sizeof(fb));
	return fa[0] != '\0' && strcmp(fa, fb) == 0;
}

/* Adds reason r to idv. */
static void
reason_add(struct idv_answer *idv, const char *r)
{
	if (idv->nreasons >= IDCHECK_MAX_REASONS)
		return;
	snprintf(idv->reasons[idv->nreasons], sizeof(idv->reasons[0]), "%s", r);
	idv->nreasons++;
}

void
oidc_compare(const struct oidc_claims *c, const struct idcheck_subject *s,
    const char *required_acr, int verified_only, struct idv_answer *idv,
    enum avs_result *avs)
{
	int postal;

	memset(idv, 0, sizeof(*idv));
	if (c->given_name[0] == '\0' || c->family_name[0] == '\0' ||
	    c->birthdate[0] == '\0')
		reason_add(idv, "claims_missing");
	else {
		if (!loose_equal(c->given_name, s->given_name))
			reason_add(idv, "given_name_mismatch");
		if (!loose_equal(c->family_name, s->family_name))
			reason_add(idv, "family_name_mismatch");
		if (s->date_of_birth == NULL ||
		    strcmp(c->birthdate, s->date_of_birth) != 0)
			reason_add(idv, "birthdate_mismatch");
	}
	if (required_acr != NULL && required_acr[0] != '\0' &&
	    strcmp(c->acr, required_acr) != 0)
		reason_add(idv, "acr_insufficient");
	if (verified_only && !c->verified)
		reason_add(idv, "claims_unverified");
	idv->decision = idv->nreasons == 0 ? IDV_PASS : IDV_REVIEW;
	idv->score = idv->nreasons == 0 ? 100 : 0;

	if (c->postal_code[0] == '\0' && c->street[0] == '\0') {
		*avs = AVS_UNAVAILABLE;
		return;
	}
	postal = loose_equal(c->postal_code, s->postal_code) &&
	    loose_equal(c->country, s->country);
	if (postal && loose_equal(c->street, s->line1) &&
	    loose_equal(c->locality, s->city) &&
	    (s->state == NULL || loose_equal(c->region, s->state)))
		*avs = AVS_MATCH;
	else if (postal)
		*avs = AVS_PARTIAL;
	else
		*avs = AVS_NO_MATCH;
}

void
oidc_pkce_challenge(const char *verifier, char *out, size_t outsz)
{
	static const char alpha[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char d[DIGEST_LEN];
	unsigned int acc = 0;
	size_t i, o = 0;
	int bits = 0;

	digest_sha256(verifier, strlen(verifier), d);
	for (i = 0; i < sizeof(d) && o + 1 < outsz; i++) {
		acc = (acc << 8) | d[i];
		bits += 8;
		while (bits >= 6 && o + 1 < outsz) {
			bits -= 6;
			out[o++] = alpha[(acc >> bits) & 0x3f];
		}
	}
	if (bits > 0 && o + 1 < outsz)
		out[o++] = alpha[(acc << (6 - bits)) & 0x3f];
	out[o] = '\0';
}
