/*
 * libFuzzer driver: a subscriber's certificate request as it arrives (the
 * "csr" member of a retrieval or renewal) into csr_parse, and, for the
 * requests it takes, the key fingerprint.  An input that starts as DER
 * does (0x30, which no PEM text does) is wrapped in a PEM block first, so
 * the fuzzer mutates the DER itself; anything else goes in as it is.
 * Aborts if an answer breaks the header's promises.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ca/csr.h"
#include "common/bounds.h"
#include "common/logger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* der[0..n) as a PEM CERTIFICATE REQUEST, lines of 64, in *len bytes. */
static char *
fuzz_pem(const uint8_t *der, size_t n, size_t *len)
{
	static const char head[] = "-----BEGIN CERTIFICATE REQUEST-----\n";
	static const char tail[] = "-----END CERTIFICATE REQUEST-----\n";
	size_t i, o, chunk, cap;
	char *pem;

	cap = sizeof(head) + (n / 48 + 1) * 66 + sizeof(tail);
	if ((pem = malloc(cap)) == NULL)
		abort();
	memcpy(pem, head, sizeof(head) - 1);
	o = sizeof(head) - 1;
	for (i = 0; i < n; i += chunk) {
		chunk = n - i < 48 ? n - i : 48;
		o += (size_t)EVP_EncodeBlock(
		    (unsigned char *)pem + o, der + i, (int)chunk);
		pem[o++] = '\n';
	}
	memcpy(pem + o, tail, sizeof(tail) - 1);
	*len = o + sizeof(tail) - 1;
	return pem;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	unsigned char spki[CSR_SPKI_HASH_LEN];
	struct problem p;
	X509_REQ *req;
	char *text;
	size_t len;

	if (!ready) {
		log_set_level(LOG_LEVEL_ERROR);
		ready = 1;
	}
	if (size > BOUND_CSR_PEM)
		return 0;
	if (size > 0 && data[0] == 0x30)
		text = fuzz_pem(data, size, &len);
	else {
		/* a heap copy of exactly size bytes, as the replay makes */
		if ((text = malloc(size > 0 ? size : 1)) == NULL)
			abort();
		memcpy(text, data, size);
		len = size;
	}
	problem_clear(&p);
	req = csr_parse(text, len, &p);
	if (req == NULL) {
		if (p.status != 422 || p.nfields != 1 ||
		    strcmp(p.fields[0].field, CSR_FIELD) != 0)
			abort();
	} else {
		if (p.status != 0 ||
		    csr_key_check(X509_REQ_get0_pubkey(req), &p) != 0 ||
		    csr_spki_sha256(X509_REQ_get0_pubkey(req), spki) != 0)
			abort();
		X509_REQ_free(req);
	}
	free(text);
	return 0;
}
