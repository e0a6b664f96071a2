/*
 * libFuzzer driver: a passkey's bytes as the browser sends them
 * (docs/passkeys.md).  The first byte picks the part: even, the rest is
 * an attestation object (CBOR) checked by webauthn_register with a fixed
 * clientDataJSON that matches the expectation, so the fuzzer reaches the
 * CBOR, the authenticator data, the COSE key and the statement; 1 modulo
 * 4, the rest is a clientDataJSON given to webauthn_client_challenge and
 * webauthn_register; 3 modulo 4, an assertion for webauthn_assert with a
 * fixed matching clientDataJSON and an ES256 key: two bytes (big-endian)
 * giving the authenticator data's length, the authenticator data, then
 * the signature.  Aborts if an answer breaks the header's promises.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fido.h>

#include "common/logger.h"
#include "proofing/webauthn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHALLENGE "Y3JlYXRlLWNoYWxsZW5nZS0wMDAwMDAwMDAwMDAwMDA"
#define ORIGIN    "https://portal.rxca.test"

static const char client_data[] =
    "{\"type\": \"webauthn.create\", \"challenge\": \"" CHALLENGE
    "\", \"origin\": \"" ORIGIN "\", \"crossOrigin\": false}";

static const char client_data_get[] =
    "{\"type\": \"webauthn.get\", \"challenge\": \"" CHALLENGE
    "\", \"origin\": \"" ORIGIN "\", \"crossOrigin\": false}";

/* A P-256 point (the curve's generator), x then y: the assertion's key. */
static const unsigned char es256_key[64] = {0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c,
    0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2, 0x77, 0x03,
    0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98,
    0xc2, 0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7,
    0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31,
    0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5};

/* An assertion: 0 to go on, or aborts on a broken promise. */
static int
assertion(struct webauthn_expect *e, const uint8_t *data, size_t size)
{
	struct problem p;
	uint32_t count;
	size_t adlen;
	int uv, rc;

	if (size < 2)
		return 0;
	adlen = (size_t)data[0] << 8 | data[1];
	if (adlen > size - 2)
		adlen = size - 2;
	e->type = "webauthn.get";
	problem_clear(&p);
	rc = webauthn_assert(e, (const unsigned char *)client_data_get,
	    strlen(client_data_get), data + 2, adlen, data + 2 + adlen,
	    size - 2 - adlen, COSE_ES256, es256_key, sizeof(es256_key), &count,
	    &uv, &p);
	if (rc == -1 && (p.status != 422 || p.nfields == 0))
		abort();
	if (rc == 0 && !uv)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct webauthn_cred cred;
	struct webauthn_expect e;
	struct problem p;
	char ch[128];
	int rc;

	if (size == 0)
		return 0;
	log_set_level(LOG_LEVEL_ERROR);
	memset(&e, 0, sizeof(e));
	e.type = "webauthn.create";
	e.challenge = CHALLENGE;
	e.origin = ORIGIN;
	e.rp_id = "portal.rxca.test";
	e.require_uv = 1;
	e.now = 1800000000;
	problem_clear(&p);
	if (data[0] % 4 == 3)
		return assertion(&e, data + 1, size - 1);
	if (data[0] % 2 == 0)
		rc = webauthn_register(&e, (const unsigned char *)client_data,
		    strlen(client_data), data + 1, size - 1, NULL, &cred, &p);
	else {
		if (webauthn_client_challenge(
		        data + 1, size - 1, ch, sizeof(ch), &p) == 0 &&
		    strlen(ch) >= sizeof(ch))
			abort();
		problem_clear(&p);
		rc = webauthn_register(&e, data + 1, size - 1,
		    (const unsigned char *)"\xa0", 1, NULL, &cred, &p);
	}
	if (rc == -1 && (p.status != 422 || p.nfields == 0))
		abort();
	if (rc == 0 &&
	    (cred.id_len == 0 || cred.id_len > sizeof(cred.id) ||
	        cred.pubkey_len == 0 || cred.cose_len == 0 || !cred.uv))
		abort();
	return 0;
}
