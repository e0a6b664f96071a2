/*
 * rxca-bench-oidc SECONDS: ID token checks per second on one thread with
 * the key set parsed once (the cached JWKS of api/service/oidcflow.c): an
 * ES256 token signed here, checked by oidc_token_check() (base64url
 * guards, JSON, cjose's signature verification, the claims) again and
 * again for SECONDS of this process's CPU time (user and system, so
 * that other load on the machine does not count, as `openssl speed`
 * divides by its CPU time).  Prints "oidc_token_check ES256: N/s" per CPU
 * second, and the wall time.  Used by ops/bench-oidc.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjose/cjose.h>

#include "common/digest.h"
#include "proofing/oidc.h"

/* Seconds of the clock id. */
static double
seconds(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	cjose_jwk_t *jwk;
	cjose_header_t *h;
	cjose_jws_t *jws;
	struct oidc_jwks *keys;
	struct oidc_claims c;
	struct problem p;
	const char *tok;
	char *pub, doc[1024], claims[512];
	double t0, w0, limit, el, wall;
	long n = 0;
	time_t now = time(NULL);

	limit = argc > 1 ? strtod(argv[1], NULL) : 3.0;
	jwk = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, NULL);
	pub = cjose_jwk_to_json(jwk, false, NULL);
	snprintf(doc, sizeof(doc), "{\"keys\": [%.*s, \"kid\": \"k1\"}]}",
	    (int)strlen(pub) - 1, pub);
	if ((keys = oidc_jwks_parse(doc, strlen(doc), &p)) == NULL)
		return 1;
	snprintf(claims, sizeof(claims),
	    "{\"iss\": \"https://op.example\", \"aud\": \"rxca\", \"sub\": "
	    "\"u1\", \"exp\": %lld, \"iat\": %lld, \"nonce\": \"n1\", "
	    "\"acr\": \"IAL2\", \"given_name\": \"Ada\", \"family_name\": "
	    "\"Lovelace\", \"birthdate\": \"1975-12-10\"}",
	    (long long)now + 3600, (long long)now);
	h = cjose_header_new(NULL);
	cjose_header_set(h, CJOSE_HDR_ALG, "ES256", NULL);
	cjose_header_set(h, CJOSE_HDR_KID, "k1", NULL);
	jws = cjose_jws_sign(
	    jwk, h, (const uint8_t *)claims, strlen(claims), NULL);
	if (jws == NULL || !cjose_jws_export(jws, &tok, NULL))
		return 1;
	{
		unsigned char nh[32];
		/* as the callback checks it: against the nonce's hash */
		struct oidc_expect e = {
		    "https://op.example", "rxca", NULL, now, nh};

		digest_sha256("n1", 2, nh);

		t0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
		w0 = seconds(CLOCK_MONOTONIC);
		do {
			if (oidc_token_check(tok, strlen(tok), keys, &e, NULL,
			        &c, &p) != OIDC_OK) {
				fprintf(stderr, "check failed: %s\n", p.detail);
				return 1;
			}
			n++;
		} while ((el = seconds(CLOCK_PROCESS_CPUTIME_ID) - t0) < limit);
		wall = seconds(CLOCK_MONOTONIC) - w0;
	}
	printf("oidc_token_check ES256: %.0f/s (%ld in %.2f CPU s, %.2f s "
	       "wall)\n",
	    (double)n / el, n, el, wall);
	cjose_jws_release(jws);
	cjose_header_release(h);
	free(pub);
	cjose_jwk_release(jwk);
	oidc_jwks_free(keys);
	return 0;
}
