/*
 * libFuzzer driver: a passkey registration's bytes as the browser sends
 * them (docs/passkeys.md).  The first byte picks the part: even, the rest
 * is an attestation object (CBOR) checked by webauthn_register with a
 * fixed clientDataJSON that matches the expectation, so the fuzzer
 * reaches the CBOR, the authenticator data, the COSE key and the
 * statement; odd, the rest is a clientDataJSON given to
 * webauthn_client_challenge and webauthn_register.  Aborts if an answer
 * breaks the header's promises.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/logger.h"
#include "proofing/webauthn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHALLENGE "Y3JlYXRlLWNoYWxsZW5nZS0wMDAwMDAwMDAwMDAwMDA"
#define ORIGIN    "https://portal.rxca.test"

static const char client_data[] =
    "{\"type\": \"webauthn.create\", \"challenge\": \"" CHALLENGE
    "\", \"origin\": \"" ORIGIN "\", \"crossOrigin\": false}";

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
