#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "common/rand.h"

void
rand_fill(void *buf, size_t n)
{
	if (RAND_bytes(buf, (int)n) != 1) {
		fputs("rxca: CSPRNG failure\n", stderr);
		abort();
	}
}

unsigned int
rand_uniform(unsigned int bound)
{
	unsigned int r, min;

	if (bound < 2)
		return 0;
	min = -bound % bound;
	for (;;) {
		rand_fill(&r, sizeof(r));
		if (r >= min)
			return r % bound;
	}
}

void
rand_id(const char *prefix, char *buf, size_t bufsz)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char raw[15];
	char body[25];
	size_t i, bit;

	rand_fill(raw, sizeof(raw));
	for (i = 0; i < 24; i++) {
		bit = i * 5;
		unsigned v = ((unsigned)raw[bit / 8] << 8 |
		    (bit / 8 + 1 < sizeof(raw) ? raw[bit / 8 + 1] : 0));
		body[i] = b32[(v >> (11 - bit % 8)) & 31];
	}
	body[24] = '\0';
	snprintf(buf, bufsz, "%s%s", prefix, body);
}

void
rand_token(size_t nbytes, char *buf, size_t bufsz)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char raw[64];
	size_t i, o = 0;
	unsigned v;
	int bits = 0;

	if (nbytes > sizeof(raw))
		nbytes = sizeof(raw);
	rand_fill(raw, nbytes);
	v = 0;
	for (i = 0; i < nbytes; i++) {
		v = (v << 8) | raw[i];
		bits += 8;
		while (bits >= 6 && o + 1 < bufsz) {
			bits -= 6;
			buf[o++] = b64[(v >> bits) & 63];
		}
	}
	if (bits > 0 && o + 1 < bufsz)
		buf[o++] = b64[(v << (6 - bits)) & 63];
	buf[o] = '\0';
}
