#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "common/base64.h"
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
	unsigned char raw[64];

	if (nbytes > sizeof(raw))
		nbytes = sizeof(raw);
	rand_fill(raw, nbytes);
	base64url_encode(raw, nbytes, buf, bufsz);
}
