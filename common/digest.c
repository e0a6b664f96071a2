#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/digest.h"

void
digest_sha256(const void *data, size_t len, unsigned char out[32])
{
	unsigned int n = 0;

	if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 ||
	    n != DIGEST_LEN) {
		fputs("rxca: SHA-256 failure\n", stderr);
		abort();
	}
}

void
digest_hmac_sha256_hex(
    const void *key, size_t keylen, const void *data, size_t len, char out[65])
{
	unsigned char mac[DIGEST_LEN];
	unsigned int n = 0;

	if (HMAC(EVP_sha256(), key, (int)keylen, data, len, mac, &n) == NULL ||
	    n != DIGEST_LEN) {
		fputs("rxca: HMAC-SHA256 failure\n", stderr);
		abort();
	}
	digest_hex(mac, DIGEST_LEN, out);
}

void
digest_hex(const unsigned char *raw, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[2 * len] = '\0';
}

static int
lowhex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
digest_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
digest_unhex(const char *hex, unsigned char *out, size_t len)
{
	size_t i;
	int hi, lo;

	if (strlen(hex) != 2 * len)
		return -1;
	for (i = 0; i < len; i++) {
		if ((hi = lowhex(hex[2 * i])) < 0 ||
		    (lo = lowhex(hex[2 * i + 1])) < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

void
digest_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char raw[DIGEST_LEN];

	digest_sha256(data, len, raw);
	digest_hex(raw, sizeof(raw), out);
}

int
digest_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}
