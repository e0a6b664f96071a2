#include <string.h>

#include "ca/actcode.h"
#include "common/bounds.h"
#include "common/digest.h"
#include "common/rand.h"

#define ACTCODE_CHECK_MOD 37   /* the legacy check symbol's modulus */
#define ACTCODE_GF32_POLY 0x25 /* x^5 + x^2 + 1, primitive */

/* Crockford's symbols: the first 32 are data and the check character;
 * all 37 are legacy check symbols. */
static const char actcode_symbols[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U";

/* The value of symbol c (already upper case) among n symbols, or -1. */
static int
actcode_value(char c, int n)
{
	const char *s;

	if (c == '\0' || (s = strchr(actcode_symbols, c)) == NULL)
		return -1;
	return s - actcode_symbols < n ? (int)(s - actcode_symbols) : -1;
}

/* The check character of 20 data characters: by Horner's rule in GF(32),
 * sum of d[i] a^(20 - i) (ca/actcode.h). */
static char
actcode_check(const char *data)
{
	int i, c = 0;

	for (i = 0; i < ACTCODE_DATA_CHARS; i++) {
		c = (c ^ actcode_value(data[i], 32)) << 1;
		if (c & 32)
			c ^= ACTCODE_GF32_POLY;
	}
	return actcode_symbols[c];
}

/* The legacy check symbol of 20 data characters: their value modulo 37. */
static char
actcode_check_legacy(const char *data)
{
	int i, r = 0;

	for (i = 0; i < ACTCODE_DATA_CHARS; i++)
		r = (r * 32 + actcode_value(data[i], 32)) % ACTCODE_CHECK_MOD;
	return actcode_symbols[r];
}

void
actcode_new(char out[ACTCODE_PRINTED_LEN + 1])
{
	unsigned char raw[ACTCODE_DATA_CHARS];
	char data[ACTCODE_DATA_CHARS];
	size_t i, o = 0;

	rand_fill(raw, sizeof(raw));
	for (i = 0; i < ACTCODE_DATA_CHARS; i++) {
		data[i] = actcode_symbols[raw[i] & 31];
		if (i > 0 && i % ACTCODE_GROUP == 0)
			out[o++] = '-';
		out[o++] = data[i];
	}
	out[o++] = '-';
	out[o++] = actcode_check(data);
	out[o] = '\0';
}

int
actcode_normalize(const char *in, char out[ACTCODE_CHARS + 1])
{
	size_t i, len, n = 0;
	char c, check;
	int rc;

	out[0] = '\0';
	if (in == NULL ||
	    (len = strnlen(in, BOUND_ACTCODE + 1)) > BOUND_ACTCODE)
		return -1;
	for (i = 0; i < len; i++) {
		c = in[i];
		if (c == '-' || c == ' ')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c == 'O')
			c = '0';
		else if (c == 'I' || c == 'L')
			c = '1';
		if (n == ACTCODE_CHARS)
			goto fail;
		out[n++] = c;
	}
	if (n != ACTCODE_CHARS)
		goto fail;
	for (i = 0; i < ACTCODE_DATA_CHARS; i++)
		if (actcode_value(out[i], 32) == -1)
			goto fail;
	check = out[ACTCODE_DATA_CHARS];
	if (check == actcode_check(out))
		rc = ACTCODE_CURRENT;
	else if (check == actcode_check_legacy(out))
		rc = ACTCODE_LEGACY;
	else
		goto fail;
	out[n] = '\0';
	return rc;
fail:
	out[0] = '\0';
	return -1;
}

void
actcode_hash(const char *normalized, unsigned char out[ACTCODE_HASH_LEN])
{
	char buf[sizeof(ACTCODE_HASH_DOMAIN) + ACTCODE_CHARS];
	size_t dlen = sizeof(ACTCODE_HASH_DOMAIN) - 1, n;

	n = strnlen(normalized, ACTCODE_CHARS);
	memcpy(buf, ACTCODE_HASH_DOMAIN, dlen);
	memcpy(buf + dlen, normalized, n);
	digest_sha256(buf, dlen + n, out);
}

void
actcode_passcode_new(char *out, size_t outsz)
{
	static const char alphabet[] = PASSCODE_ALPHABET;
	size_t i;

	if (outsz < PASSCODE_LEN + 1) {
		if (outsz > 0)
			out[0] = '\0';
		return;
	}
	for (i = 0; i < PASSCODE_LEN; i++)
		out[i] = alphabet[rand_uniform(sizeof(alphabet) - 1)];
	out[PASSCODE_LEN] = '\0';
}
