#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/bounds.h"
#include "common/digest.h"
#include "common/rand.h"
#include "common/xmalloc.h"
#include "proofing/emailcode.h"

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void
emailcode_new(char out[EMAILCODE_CHARS + 2])
{
	int i, o = 0;

	for (i = 0; i < EMAILCODE_CHARS; i++) {
		if (i == EMAILCODE_CHARS / 2)
			out[o++] = '-';
		out[o++] = crockford[rand_uniform(32)];
	}
	out[o] = '\0';
}

int
emailcode_normalize(const char *in, char out[EMAILCODE_CHARS + 1])
{
	size_t n = 0;
	int c, rc = -1;

	out[0] = '\0';
	if (in == NULL || strnlen(in, BOUND_CODE + 1) > BOUND_CODE)
		goto out;
	for (; *in != '\0'; in++) {
		c = (unsigned char)*in;
		if (c == '-' || c == ' ')
			continue;
		if (c >= 'a' && c <= 'z')
			c = c - 'a' + 'A';
		if (c == 'O')
			c = '0';
		else if (c == 'I' || c == 'L')
			c = '1';
		if (strchr(crockford, c) == NULL || n == EMAILCODE_CHARS)
			goto out;
		out[n++] = (char)c;
	}
	if (n == EMAILCODE_CHARS)
		rc = 0;
out:
	out[rc == 0 ? n : 0] = '\0';
	return rc;
}

void
emailcode_hash(
    const char *application_id, const char *normalized, unsigned char out[32])
{
	char *buf;
	size_t n;

	buf = xprintf("%s:%s", application_id, normalized);
	n = strlen(buf);
	digest_sha256(buf, n, out);
	OPENSSL_cleanse(buf, n);
	free(buf);
}
