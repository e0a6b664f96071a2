/* Unit tests of proofing/oidc.c: one table of ID tokens (signed here with
 * cjose by keys made for the run) against one key set, covering every
 * fault; malformed compact tokens and key sets; the verified claims of
 * OIDC4IA and userinfo; the comparison with an application; PKCE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <cjose/cjose.h>
#include <jansson.h>

#include "common/digest.h"
#include "proofing/oidc.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

#define ISS   "https://op.example"
#define CLID  "rxca-client"
#define NONCE "n-0S6_WzA2Mj"
#define NOW   1800000000

enum signer { S_EC, S_RSA, S_EC2, S_RSA2, NSIGNERS };

static cjose_jwk_t *signers[NSIGNERS];
static struct oidc_jwks *keys;

/* base64url without padding of n bytes (caller frees). */
static char *
b64url(const void *data, size_t n)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
	    "wxyz0123456789-_";
	const unsigned char *d = data;
	char *out = malloc(n * 4 / 3 + 4);
	unsigned int acc = 0;
	size_t i, o = 0;
	int bits = 0;

	for (i = 0; i < n; i++) {
		acc = (acc << 8) | d[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = a[(acc >> bits) & 0x3f];
		}
	}
	if (bits > 0)
		out[o++] = a[(acc << (6 - bits)) & 0x3f];
	out[o] = '\0';
	return out;
}

/* A compact JWS of payload signed by signer with alg and kid. */
static char *
sign(enum signer s, const char *alg, const char *kid, const char *payload)
{
	cjose_header_t *h = cjose_header_new(NULL);
	cjose_jws_t *jws;
	const char *ser;
	char *out;

	cjose_header_set(h, CJOSE_HDR_ALG, alg, NULL);
	if (kid != NULL)
		cjose_header_set(h, CJOSE_HDR_KID, kid, NULL);
	jws = cjose_jws_sign(
	    signers[s], h, (const uint8_t *)payload, strlen(payload), NULL);
	CU_ASSERT_FATAL(jws != NULL);
	cjose_jws_export(jws, &ser, NULL);
	out = strdup(ser);
	cjose_jws_release(jws);
	cjose_header_release(h);
	return out;
}

/* A compact token of header and payload texts with signature sig. */
static char *
forge(const char *header, const char *payload, const char *sig)
{
	char *h = b64url(header, strlen(header));
	char *b = b64url(payload, strlen(payload));
	size_t n = strlen(h) + strlen(b) + strlen(sig) + 3;
	char *out = malloc(n);

	snprintf(out, n, "%s.%s.%s", h, b, sig);
	free(h);
	free(b);
	return out;
}

/* The claims of a good token, as text, with field name replaced by
 * value (JSON text; "-" removes it). */
static char *
claims(const char *name, const char *value)
{
	json_error_t err;
	json_t *c = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, "
	                      "s:s, s:{s:s, s:s, s:s, s:s, s:s}}",
	    "iss", ISS, "aud", CLID, "sub", "user-42", "exp",
	    (json_int_t)NOW + 300, "iat", (json_int_t)NOW - 10, "nonce", NONCE,
	    "acr", "IAL2", "given_name", "Ada", "family_name", "Lovelace",
	    "birthdate", "1975-12-10", "address", "street_address", "1 Main St",
	    "locality", "Indianapolis", "region", "IN", "postal_code", "46204",
	    "country", "US");
	char *out;

	if (name != NULL) {
		if (strcmp(value, "-") == 0)
			json_object_del(c, name);
		else
			json_object_set_new(
			    c, name, json_loads(value, JSON_DECODE_ANY, &err));
	}
	out = json_dumps(c, JSON_COMPACT);
	json_decref(c);
	return out;
}

static enum oidc_fault
check(const char *token, struct oidc_claims *out)
{
	struct oidc_expect e = {ISS, CLID, NONCE, NOW, NULL};
	struct problem p;
	enum oidc_fault f;

	problem_clear(&p);
	f = oidc_token_check(token, strlen(token), keys, &e, NULL, out, &p);
	if (f != OIDC_OK) {
		CU_ASSERT_EQUAL(p.status, 502);
		CU_ASSERT_STRING_EQUAL(p.type, "oidc-token-invalid");
		CU_ASSERT_PTR_NOT_NULL(strstr(p.detail, oidc_fault_name(f)));
		CU_ASSERT_EQUAL(out->sub[0], '\0');
	}
	return f;
}

static const struct {
	const char *what;
	enum signer signer;
	const char *alg, *kid;
	const char *claim, *value; /* one claim changed, or NULL */
	enum oidc_fault want;
} cases[] = {
    {"ES256", S_EC, "ES256", "ec1", NULL, NULL, OIDC_OK},
    {"RS256", S_RSA, "RS256", "rsa1", NULL, NULL, OIDC_OK},
    {"PS256", S_RSA, "PS256", "rsa1", NULL, NULL, OIDC_OK},
    {"other EC key, same kid", S_EC2, "ES256", "ec1", NULL, NULL,
        OIDC_SIGNATURE},
    {"other RSA key, same kid", S_RSA2, "RS256", "rsa1", NULL, NULL,
        OIDC_SIGNATURE},
    {"unknown kid", S_EC, "ES256", "ec9", NULL, NULL, OIDC_UNKNOWN_KID},
    {"no kid", S_EC, "ES256", NULL, NULL, NULL, OIDC_UNKNOWN_KID},
    {"RS256 naming the EC key", S_RSA, "RS256", "ec1", NULL, NULL,
        OIDC_UNKNOWN_KID},
    {"ES384 refused", S_EC, "ES384", "ec1", NULL, NULL, OIDC_ALG},
    {"RS512 refused", S_RSA, "RS512", "rsa1", NULL, NULL, OIDC_ALG},
    {"wrong issuer", S_EC, "ES256", "ec1", "iss", "\"https://evil\"",
        OIDC_ISSUER},
    {"issuer with a slash", S_EC, "ES256", "ec1", "iss",
        "\"https://op.example/\"", OIDC_ISSUER},
    {"no issuer", S_EC, "ES256", "ec1", "iss", "-", OIDC_ISSUER},
    {"wrong audience", S_EC, "ES256", "ec1", "aud", "\"other\"", OIDC_AUDIENCE},
    {"no audience", S_EC, "ES256", "ec1", "aud", "-", OIDC_AUDIENCE},
    {"audience array with us", S_EC, "ES256", "ec1", "aud", "[\"rxca-client\"]",
        OIDC_OK},
    {"audience array of two, no azp", S_EC, "ES256", "ec1", "aud",
        "[\"rxca-client\", \"other\"]", OIDC_AUDIENCE},
    {"azp someone else", S_EC, "ES256", "ec1", "azp", "\"other\"",
        OIDC_AUDIENCE},
    {"azp us", S_EC, "ES256", "ec1", "azp", "\"rxca-client\"", OIDC_OK},
    {"audience number", S_EC, "ES256", "ec1", "aud", "42", OIDC_AUDIENCE},
    {"expired past the skew", S_EC, "ES256", "ec1", "exp", "1799999879",
        OIDC_EXPIRED},
    {"expired within the skew", S_EC, "ES256", "ec1", "exp", "1799999881",
        OIDC_OK},
    {"no exp", S_EC, "ES256", "ec1", "exp", "-", OIDC_EXPIRED},
    {"exp a string", S_EC, "ES256", "ec1", "exp", "\"1900000000\"",
        OIDC_EXPIRED},
    {"iat in the future", S_EC, "ES256", "ec1", "iat", "1800000121", OIDC_IAT},
    {"iat too old", S_EC, "ES256", "ec1", "iat", "1799999279", OIDC_IAT},
    {"no iat", S_EC, "ES256", "ec1", "iat", "-", OIDC_IAT},
    {"nonce mismatch", S_EC, "ES256", "ec1", "nonce", "\"n-0S6_WzA2Mk\"",
        OIDC_NONCE},
    {"nonce prefix", S_EC, "ES256", "ec1", "nonce", "\"n-0S6\"", OIDC_NONCE},
    {"no nonce", S_EC, "ES256", "ec1", "nonce", "-", OIDC_NONCE},
    {"no sub", S_EC, "ES256", "ec1", "sub", "-", OIDC_SUBJECT},
    {"empty sub", S_EC, "ES256", "ec1", "sub", "\"\"", OIDC_SUBJECT},
};

static void
test_table(void)
{
	struct oidc_claims c;
	size_t i;

	for (i = 0; i < NITEMS(cases); i++) {
		char *body = claims(cases[i].claim, cases[i].value);
		char *tok =
		    sign(cases[i].signer, cases[i].alg, cases[i].kid, body);
		enum oidc_fault f = check(tok, &c);

		if (f != cases[i].want)
			printf("\n  case \"%s\": got %s, want %s\n",
			    cases[i].what, oidc_fault_name(f),
			    oidc_fault_name(cases[i].want));
		CU_ASSERT_EQUAL(f, cases[i].want);
		if (f == OIDC_OK) {
			CU_ASSERT_STRING_EQUAL(c.sub, "user-42");
			CU_ASSERT_STRING_EQUAL(c.acr, "IAL2");
			CU_ASSERT_STRING_EQUAL(c.family_name, "Lovelace");
			CU_ASSERT_STRING_EQUAL(c.postal_code, "46204");
			CU_ASSERT_EQUAL(c.verified, 0);
		}
		free(tok);
		free(body);
	}
}

/* alg none and HS256 (keyed with the public key's bytes) never pass. */
/* The flow keeps only the SHA-256 of its nonce: the token's nonce is
 * hashed and compared with it. */
static void
test_nonce_hashed(void)
{
	unsigned char good[32], bad[32];
	struct oidc_expect e = {ISS, CLID, NULL, NOW, good};
	struct oidc_claims c;
	struct problem p;
	char *body = claims(NULL, NULL);
	char *tok = sign(S_EC, "ES256", "ec1", body);

	digest_sha256(NONCE, strlen(NONCE), good);
	digest_sha256("n-0S6_WzA2Mk", 12, bad);
	problem_clear(&p);
	CU_ASSERT_EQUAL(
	    oidc_token_check(tok, strlen(tok), keys, &e, NULL, &c, &p),
	    OIDC_OK);
	e.nonce_sha256 = bad;
	CU_ASSERT_EQUAL(
	    oidc_token_check(tok, strlen(tok), keys, &e, NULL, &c, &p),
	    OIDC_NONCE);
	free(tok);
	free(body);
}

static void
test_alg_none_hs(void)
{
	struct oidc_claims c;
	char *body = claims(NULL, NULL);
	char *t;

	t = forge("{\"alg\":\"none\",\"kid\":\"ec1\"}", body, "");
	CU_ASSERT_NOT_EQUAL(check(t, &c), OIDC_OK);
	free(t);
	t = forge("{\"alg\":\"none\",\"kid\":\"ec1\"}", body, "AAAA");
	CU_ASSERT_EQUAL(check(t, &c), OIDC_ALG);
	free(t);
	t = forge("{\"alg\":\"HS256\",\"kid\":\"rsa1\"}", body,
	    "c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dQ");
	CU_ASSERT_EQUAL(check(t, &c), OIDC_ALG);
	free(t);
	t = forge("{\"alg\":\"None\",\"kid\":\"ec1\"}", body, "AAAA");
	CU_ASSERT_EQUAL(check(t, &c), OIDC_ALG);
	free(t);
	t = forge("{\"kid\":\"ec1\"}", body, "AAAA");
	CU_ASSERT_EQUAL(check(t, &c), OIDC_ALG);
	free(t);
	free(body);
}

/* A signed token with its payload (or header) swapped keeps no
 * signature. */
static void
test_tampered(void)
{
	struct oidc_claims c;
	char *body = claims(NULL, NULL);
	char *evil = claims("given_name", "\"Mallory\"");
	char *tok = sign(S_EC, "ES256", "ec1", body);
	char *b = b64url(evil, strlen(evil));
	char *dot1 = strchr(tok, '.'), *dot2 = strchr(dot1 + 1, '.');
	size_t n = strlen(tok) + strlen(b) + 4;
	char *t = malloc(n);

	snprintf(t, n, "%.*s.%s%s", (int)(dot1 - tok), tok, b, dot2);
	CU_ASSERT_EQUAL(check(t, &c), OIDC_SIGNATURE);
	/* a flipped signature bit */
	tok[strlen(tok) - 3] = tok[strlen(tok) - 3] == 'A' ? 'B' : 'A';
	CU_ASSERT_EQUAL(check(tok, &c), OIDC_SIGNATURE);
	free(t);
	free(b);
	free(tok);
	free(evil);
	free(body);
}

/* Compact forms that are not three base64url segments, and segments
 * that are not JSON objects: all malformed, none crashes cjose. */
static void
test_malformed(void)
{
	static const char *const bad[] = {
	    "", ".", "..", "a.b", "a.b.c.d", "eyJhbGciOiJFUzI1NiJ9..AAAA",
	    ".eyJhIjoxfQ.AAAA", "eyJhbGciOiJFUzI1NiJ9.eyJhIjoxfQ.",
	    "eyJhbGciOiJFUzI1NiJ9=.eyJhIjoxfQ.AAAA",
	    "eyJhbGciOiJFUzI1NiJ9.eyJhIjoxfQ==.AAAA",
	    "eyJhbGciOiJFUzI1NiJ9.eyJhIjoxfQ.AAAAA",
	    "eyJhbGciOiJFUzI1NiJ9.eyJhIjoxfQ.A", "e.eyJhIjoxfQ.AAAA",
	    "eyJhbGciOiJFUzI1NiJ9.e.AAAA",
	    "eyJhbGciOiJFUzI1NiJ9.eyJhIjoxfQ.AA+A",
	    "eyJhbGciOiJFUzI1NiJ9.eyJhIjoxfQ.AA/A",
	    "eyJhbGciOiJFUzI1NiJ9.eyJhIjoxfQ.AA A",
	    "eyJhbGciOiJFUzI1NiJ9 .eyJhIjoxfQ.AAAA",
	    "WzFd.eyJhIjoxfQ.AAAA",             /* header [1] */
	    "eyJhbGciOiJFUzI1NiJ9.WzFd.AAAA",   /* payload [1] */
	    "bm90IGpzb24.eyJhIjoxfQ.AAAA",      /* header "not json" */
	    "eyJhbGciOiJFUzI1NiJ9.bnVsbA.AAAA", /* payload null */
	};
	struct oidc_claims c;
	size_t i;
	char *body = claims(NULL, NULL), *t;

	for (i = 0; i < NITEMS(bad); i++)
		CU_ASSERT_EQUAL(check(bad[i], &c), OIDC_MALFORMED);
	/* a duplicate key in the header, and a crit header */
	t = forge("{\"alg\":\"ES256\",\"alg\":\"none\",\"kid\":\"ec1\"}", body,
	    "AAAA");
	CU_ASSERT_EQUAL(check(t, &c), OIDC_MALFORMED);
	free(t);
	t = forge("{\"alg\":\"ES256\",\"kid\":\"ec1\",\"crit\":[\"x\"]}", body,
	    "AAAA");
	CU_ASSERT_EQUAL(check(t, &c), OIDC_MALFORMED);
	free(t);
	/* an embedded NUL, and a size past the bound */
	{
		struct oidc_expect e = {ISS, CLID, NONCE, NOW, NULL};
		struct problem p;
		char *big = malloc(OIDC_MAX_TOKEN + 2);
		char *good = sign(S_EC, "ES256", "ec1", body);

		CU_ASSERT_EQUAL(oidc_token_check(good, strlen(good) + 1, keys,
		                    &e, NULL, &c, &p),
		    OIDC_MALFORMED);
		memset(big, 'A', OIDC_MAX_TOKEN + 1);
		big[10] = '.';
		big[20] = '.';
		big[OIDC_MAX_TOKEN + 1] = '\0';
		CU_ASSERT_EQUAL(check(big, &c), OIDC_MALFORMED);
		CU_ASSERT_EQUAL(
		    oidc_token_check(NULL, 0, keys, &e, NULL, &c, &p),
		    OIDC_MALFORMED);
		CU_ASSERT_EQUAL(oidc_token_check(
		                    good, strlen(good), NULL, &e, NULL, &c, &p),
		    OIDC_UNKNOWN_KID);
		free(good);
		free(big);
	}
	free(body);
}

static void
test_b64url(void)
{
	CU_ASSERT_TRUE(oidc_b64url_ok("", 0));
	CU_ASSERT_TRUE(oidc_b64url_ok("AA", 2));
	CU_ASSERT_TRUE(oidc_b64url_ok("AAA", 3));
	CU_ASSERT_TRUE(oidc_b64url_ok("Az09-_", 6));
	CU_ASSERT_FALSE(oidc_b64url_ok("A", 1));
	CU_ASSERT_FALSE(oidc_b64url_ok("AAAAA", 5));
	CU_ASSERT_FALSE(oidc_b64url_ok("AA==", 4));
	CU_ASSERT_FALSE(oidc_b64url_ok("AA+/", 4));
	CU_ASSERT_FALSE(oidc_b64url_ok("A\0AA", 4));
}

/* Key sets: the good keys kept, others skipped, junk refused. */
static void
test_jwks(void)
{
	static const char *const refused[] = {
	    "",
	    "[]",
	    "{}",
	    "{\"keys\": {}}",
	    "{\"keys\": []}",
	    "{\"keys\": [1, \"x\", null]}",
	    "{\"keys\": [{\"kty\": \"oct\", \"kid\": \"h\", \"k\": \"AAAA\"}]}",
	    "{\"keys\": [{\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": "
	    "\"AAAA\", \"y\": \"AAAA\", \"kid\": \"e\"}]}",
	    "{\"keys\": [{\"kty\": \"EC\", \"crv\": \"P-384\", \"kid\": "
	    "\"e\"}]}",
	    "{\"keys\": [{\"kty\": \"RSA\", \"n\": \"AQAB\", \"e\": \"AQAB\", "
	    "\"kid\": \"r\"}]}",
	    "{\"keys\": [], \"keys\": []}",
	};
	struct problem p;
	struct oidc_jwks *k;
	char *ec, *doc;
	size_t i, n;

	for (i = 0; i < NITEMS(refused); i++) {
		problem_clear(&p);
		k = oidc_jwks_parse(refused[i], strlen(refused[i]), &p);
		CU_ASSERT_PTR_NULL(k);
		CU_ASSERT_STRING_EQUAL(p.type, "oidc-provider-error");
		oidc_jwks_free(k);
	}
	/* an EC key with a point off the curve, a key with use enc, and
	 * one without kid are skipped; the good one is kept */
	ec = cjose_jwk_to_json(signers[S_EC], false, NULL);
	n = strlen(ec) + 400;
	doc = malloc(n);
	snprintf(doc, n,
	    "{\"keys\": [{\"kty\": \"EC\", \"crv\": \"P-256\", \"kid\": \"x\", "
	    "\"x\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\", "
	    "\"y\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}, "
	    "{\"kty\": \"EC\", \"use\": \"enc\", \"kid\": \"u\"}, %.*s, "
	    "\"kid\": \"k\"}]}",
	    (int)strlen(ec) - 1, ec);
	k = oidc_jwks_parse(doc, strlen(doc), &p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_EQUAL(oidc_jwks_count(k), 1);
	oidc_jwks_free(k);
	free(doc);
	free(ec);
}

/* OIDC4IA verified claims win over plain ones and carry their trust
 * framework; an array of them too; one without a framework is not
 * verified. */
static void
test_verified_claims(void)
{
	struct oidc_claims c;
	char *body, *tok;

	body = claims("verified_claims",
	    "{\"verification\": {\"trust_framework\": \"nist_800_63A\"}, "
	    "\"claims\": {\"given_name\": \"Augusta\", \"birthdate\": "
	    "\"1815-12-10\"}}");
	tok = sign(S_EC, "ES256", "ec1", body);
	CU_ASSERT_EQUAL(check(tok, &c), OIDC_OK);
	CU_ASSERT_EQUAL(c.verified, 1);
	CU_ASSERT_STRING_EQUAL(c.trust_framework, "nist_800_63A");
	CU_ASSERT_STRING_EQUAL(c.given_name, "Augusta");
	CU_ASSERT_STRING_EQUAL(c.birthdate, "1815-12-10");
	CU_ASSERT_STRING_EQUAL(c.family_name, "Lovelace");
	free(tok);
	free(body);

	body = claims("verified_claims",
	    "[{\"verification\": {}, \"claims\": {\"given_name\": \"X\"}}, "
	    "{\"verification\": {\"trust_framework\": \"eidas\"}, "
	    "\"claims\": {\"family_name\": \"Byron\"}}]");
	tok = sign(S_EC, "ES256", "ec1", body);
	CU_ASSERT_EQUAL(check(tok, &c), OIDC_OK);
	CU_ASSERT_EQUAL(c.verified, 1);
	CU_ASSERT_STRING_EQUAL(c.given_name, "Ada");
	CU_ASSERT_STRING_EQUAL(c.family_name, "Byron");
	free(tok);
	free(body);

	body = claims("verified_claims", "\"nonsense\"");
	tok = sign(S_EC, "ES256", "ec1", body);
	CU_ASSERT_EQUAL(check(tok, &c), OIDC_OK);
	CU_ASSERT_EQUAL(c.verified, 0);
	free(tok);
	free(body);
}

/* A claim map reads other names; userinfo fills what is missing, for
 * the same subject only. */
static void
test_map_userinfo(void)
{
	struct oidc_claim_map map = {"first", NULL, NULL, NULL};
	struct oidc_expect e = {ISS, CLID, NONCE, NOW, NULL};
	struct oidc_claims c;
	struct problem p;
	char *body = claims("given_name", "-");
	char *tok = sign(S_EC, "ES256", "ec1", body);
	const char *ui = "{\"sub\": \"user-42\", \"first\": \"Ada\", "
	                 "\"family_name\": \"Other\"}";
	const char *wrong = "{\"sub\": \"user-43\", \"first\": \"Eve\"}";

	CU_ASSERT_EQUAL(
	    oidc_token_check(tok, strlen(tok), keys, &e, &map, &c, &p),
	    OIDC_OK);
	CU_ASSERT_STRING_EQUAL(c.given_name, "");
	CU_ASSERT_EQUAL(
	    oidc_userinfo_merge(wrong, strlen(wrong), &map, &c, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.type, "oidc-provider-error");
	CU_ASSERT_STRING_EQUAL(c.given_name, "");
	CU_ASSERT_EQUAL(oidc_userinfo_merge("[", 1, &map, &c, &p), -1);
	CU_ASSERT_EQUAL(oidc_userinfo_merge(ui, strlen(ui), &map, &c, &p), 0);
	CU_ASSERT_STRING_EQUAL(c.given_name, "Ada");
	CU_ASSERT_STRING_EQUAL(c.family_name, "Lovelace");
	free(tok);
	free(body);
}

/* The comparison, table-driven: what differs becomes a reason. */
static void
test_compare(void)
{
	static const struct {
		const char *what;
		const char *given, *family, *dob, *acr, *street, *postal;
		int verified;
		const char *required;
		int verified_only;
		enum idv_decision idv;
		const char *reason; /* first reason, or NULL */
		enum avs_result avs;
	} t[] = {
	    {"all agree", "Ada", "Lovelace", "1975-12-10", "IAL2", "1 Main St",
	        "46204", 0, "IAL2", 0, IDV_PASS, NULL, AVS_MATCH},
	    {"case and spaces", " ADA ", "love  lace", "1975-12-10", "IAL2",
	        "1  MAIN st", "46204", 0, "IAL2", 0, IDV_REVIEW,
	        "family_name_mismatch", AVS_MATCH},
	    {"no acr required", "Ada", "Lovelace", "1975-12-10", "", "", "", 0,
	        "", 0, IDV_PASS, NULL, AVS_UNAVAILABLE},
	    {"IAL1 for IAL2", "Ada", "Lovelace", "1975-12-10", "IAL1",
	        "1 Main St", "46204", 0, "IAL2", 0, IDV_REVIEW,
	        "acr_insufficient", AVS_MATCH},
	    {"no acr for IAL2", "Ada", "Lovelace", "1975-12-10", "",
	        "1 Main St", "46204", 0, "IAL2", 0, IDV_REVIEW,
	        "acr_insufficient", AVS_MATCH},
	    {"given name", "Eve", "Lovelace", "1975-12-10", "IAL2", "1 Main St",
	        "46204", 0, "IAL2", 0, IDV_REVIEW, "given_name_mismatch",
	        AVS_MATCH},
	    {"birthdate", "Ada", "Lovelace", "1975-12-11", "IAL2", "1 Main St",
	        "46204", 0, "IAL2", 0, IDV_REVIEW, "birthdate_mismatch",
	        AVS_MATCH},
	    {"missing birthdate", "Ada", "Lovelace", "", "IAL2", "1 Main St",
	        "46204", 0, "IAL2", 0, IDV_REVIEW, "claims_missing", AVS_MATCH},
	    {"other street", "Ada", "Lovelace", "1975-12-10", "IAL2",
	        "2 Elm St", "46204", 0, "IAL2", 0, IDV_PASS, NULL, AVS_PARTIAL},
	    {"other postal code", "Ada", "Lovelace", "1975-12-10", "IAL2",
	        "1 Main St", "10001", 0, "IAL2", 0, IDV_PASS, NULL,
	        AVS_NO_MATCH},
	    {"unverified when verified only", "Ada", "Lovelace", "1975-12-10",
	        "IAL2", "1 Main St", "46204", 0, "IAL2", 1, IDV_REVIEW,
	        "claims_unverified", AVS_MATCH},
	    {"verified when verified only", "Ada", "Lovelace", "1975-12-10",
	        "IAL2", "1 Main St", "46204", 1, "IAL2", 1, IDV_PASS, NULL,
	        AVS_MATCH},
	};
	struct idcheck_subject s = {.given_name = "Ada",
	    .family_name = "Lovelace",
	    .date_of_birth = "1975-12-10",
	    .line1 = "1 Main St",
	    .city = "Indianapolis",
	    .state = "IN",
	    .postal_code = "46204",
	    .country = "US"};
	struct oidc_claims c;
	struct idv_answer idv;
	enum avs_result avs;
	size_t i;

	for (i = 0; i < NITEMS(t); i++) {
		memset(&c, 0, sizeof(c));
		snprintf(c.given_name, sizeof(c.given_name), "%s", t[i].given);
		snprintf(
		    c.family_name, sizeof(c.family_name), "%s", t[i].family);
		snprintf(c.birthdate, sizeof(c.birthdate), "%s", t[i].dob);
		snprintf(c.acr, sizeof(c.acr), "%s", t[i].acr);
		snprintf(c.street, sizeof(c.street), "%s", t[i].street);
		snprintf(
		    c.postal_code, sizeof(c.postal_code), "%s", t[i].postal);
		snprintf(c.locality, sizeof(c.locality), "Indianapolis");
		snprintf(c.region, sizeof(c.region), "IN");
		snprintf(c.country, sizeof(c.country), "US");
		c.verified = t[i].verified;
		oidc_compare(
		    &c, &s, t[i].required, t[i].verified_only, &idv, &avs);
		if (idv.decision != t[i].idv || avs != t[i].avs)
			printf("\n  compare \"%s\" failed\n", t[i].what);
		CU_ASSERT_EQUAL(idv.decision, t[i].idv);
		CU_ASSERT_EQUAL(avs, t[i].avs);
		if (t[i].reason != NULL) {
			CU_ASSERT_TRUE_FATAL(idv.nreasons >= 1);
			CU_ASSERT_STRING_EQUAL(idv.reasons[0], t[i].reason);
		} else
			CU_ASSERT_EQUAL(idv.nreasons, 0);
		CU_ASSERT_EQUAL(idv.score, idv.decision == IDV_PASS ? 100 : 0);
	}
}

/* RFC 7636 appendix B. */
static void
test_pkce(void)
{
	char out[64];

	oidc_pkce_challenge(
	    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(
	    out, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

/* The key set of the run: the EC and RSA public keys as ec1 and rsa1. */
static int
setup(void)
{
	static const uint8_t e[] = {1, 0, 1};
	struct problem p;
	char *ec, *rsa, *doc;
	size_t n;

	signers[S_EC] = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, NULL);
	signers[S_EC2] = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, NULL);
	signers[S_RSA] = cjose_jwk_create_RSA_random(2048, e, sizeof(e), NULL);
	signers[S_RSA2] = cjose_jwk_create_RSA_random(2048, e, sizeof(e), NULL);
	ec = cjose_jwk_to_json(signers[S_EC], false, NULL);
	rsa = cjose_jwk_to_json(signers[S_RSA], false, NULL);
	if (ec == NULL || rsa == NULL)
		return 1;
	n = strlen(ec) + strlen(rsa) + 100;
	doc = malloc(n);
	/* each object without its closing brace, then the kid */
	snprintf(doc, n,
	    "{\"keys\": [%.*s, \"kid\": \"ec1\"}, %.*s, \"kid\": \"rsa1\"}]}",
	    (int)strlen(ec) - 1, ec, (int)strlen(rsa) - 1, rsa);
	keys = oidc_jwks_parse(doc, strlen(doc), &p);
	free(doc);
	free(ec);
	free(rsa);
	return keys == NULL || oidc_jwks_count(keys) != 2;
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;
	int i;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	if (setup() != 0) {
		fprintf(stderr, "test_oidc: cannot make the key set\n");
		return 1;
	}
	s = CU_add_suite("oidc", NULL, NULL);
	CU_add_test(s, "ID token table", test_table);
	CU_add_test(s, "alg none and HS256", test_alg_none_hs);
	CU_add_test(s, "hashed nonce", test_nonce_hashed);
	CU_add_test(s, "tampered token", test_tampered);
	CU_add_test(s, "malformed tokens", test_malformed);
	CU_add_test(s, "base64url", test_b64url);
	CU_add_test(s, "key sets", test_jwks);
	CU_add_test(s, "verified claims", test_verified_claims);
	CU_add_test(s, "claim map and userinfo", test_map_userinfo);
	CU_add_test(s, "comparison", test_compare);
	CU_add_test(s, "PKCE S256", test_pkce);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	oidc_jwks_free(keys);
	for (i = 0; i < NSIGNERS; i++)
		cjose_jwk_release(signers[i]);
	return failed != 0;
}
