/*
 * libFuzzer driver: OCSP requests from the network (an HTTP POST body, or
 * the base64-decoded GET path) into ocsp_request_parse, then, for the
 * ones it takes, ocsp_issuer_matches against a CA made once.  Aborts if
 * a parsed query breaks the header's promises.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>

#include "ca/hierarchy.h"
#include "ca/ocsp.h"
#include "common/logger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static X509 *
fuzz_issuer(void)
{
	static const unsigned char serial[PROFILE_SERIAL_LEN] = {0x01};
	struct problem p;
	EVP_PKEY *key;
	X509 *x;

	problem_clear(&p);
	if ((key = EVP_EC_gen("P-256")) == NULL)
		abort();
	x = hierarchy_root(
	    key, "rxca Fuzz", "rxca Fuzz CA", 30, 1780000000, serial, &p);
	EVP_PKEY_free(key);
	if (x == NULL)
		abort();
	return x;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static X509 *issuer;
	struct ocsp_query q;
	struct problem p;

	if (issuer == NULL) {
		log_set_level(LOG_LEVEL_ERROR);
		issuer = fuzz_issuer();
	}
	problem_clear(&p);
	if (ocsp_request_parse(data, size, &q, &p) == -1) {
		if (p.status != 400 || q.serial_len != 0)
			abort();
		return 0;
	}
	if (size > BOUND_OCSP_REQUEST || q.serial_len < 1 ||
	    q.serial_len > OCSP_SERIAL_MAX || q.serial[0] == 0 ||
	    q.name_hash_len < 1 || q.name_hash_len > OCSP_HASH_MAX ||
	    q.key_hash_len < 1 || q.key_hash_len > OCSP_HASH_MAX ||
	    (q.md_nid != NID_sha1 && q.md_nid != NID_sha256 &&
	        q.md_nid != NID_undef) ||
	    (q.nonce != 0 && q.nonce != 1))
		abort();
	(void)ocsp_issuer_matches(&q, issuer);
	return 0;
}
