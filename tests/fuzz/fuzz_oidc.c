/*
 * libFuzzer driver: what an OpenID provider sends, into proofing/oidc.c.
 * The first byte picks the parser: 0 an ID token (checked against a fixed
 * P-256 key "k1", issuer https://op.example, client rxca-client, nonce
 * n1, at 1800000000), 1 a JWKS document, 2 a userinfo answer; the rest is
 * the input.  An accepted token must have been signed by k1 (the seed
 * corpus holds one); nothing may crash, in cjose least of all.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/problem.h"
#include "proofing/oidc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char jwks[] =
    "{\"keys\": [{\"kty\": \"EC\", \"crv\": \"P-256\", \"kid\": \"k1\", "
    "\"x\": \"-evkZBR8wQLZIyTQmdknwaUOQtV6CKEW_-wKKYGdjGU\", "
    "\"y\": \"cLr30SiIkCpqDB1nrdEDEjyFmrab-OlDHJOEkw1Lfu4\"}]}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct oidc_jwks *keys;
	struct oidc_expect e = {
	    "https://op.example", "rxca-client", "n1", 1800000000, NULL};
	struct oidc_claims c;
	struct oidc_jwks *k;
	struct problem p;
	char *in;

	if (size < 1 || size > OIDC_MAX_JWKS + 1)
		return 0;
	if (keys == NULL &&
	    (keys = oidc_jwks_parse(jwks, strlen(jwks), &p)) == NULL)
		abort();
	in = malloc(size);
	if (in == NULL)
		return 0;
	memcpy(in, data + 1, size - 1);
	problem_clear(&p);
	switch (data[0] % 3) {
	case 0:
		if (oidc_token_check(in, size - 1, keys, &e, NULL, &c, &p) ==
		    OIDC_OK) {
			if (c.sub[0] == '\0')
				abort(); /* accepted without a subject */
		} else if (p.status != 502 || c.sub[0] != '\0')
			abort(); /* a refusal is a 502 and keeps nothing */
		break;
	case 1:
		k = oidc_jwks_parse(in, size - 1, &p);
		if (k == NULL ? p.status != 502 : oidc_jwks_count(k) < 1)
			abort();
		oidc_jwks_free(k);
		break;
	default:
		memset(&c, 0, sizeof(c));
		memcpy(c.sub, "u1", 3);
		(void)oidc_userinfo_merge(in, size - 1, NULL, &c, &p);
		break;
	}
	free(in);
	return 0;
}
