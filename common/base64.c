#include <stdlib.h>

#include "common/base64.h"
#include "common/xmalloc.h"

/* The value of base64 character c, or -1. */
static int
base64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
base64_decode(const char *in, size_t len, unsigned char *out, size_t outsz,
    size_t *outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	unsigned long v;
	size_t i, j, o = 0, pad = 0;
	int d;

	*outlen = 0;
	if (len == 0 || len % 4 != 0)
		return -1;
	if (s[len - 1] == '=')
		pad = s[len - 2] == '=' ? 2 : 1;
	if (BASE64_DECODED_MAX(len) - pad > outsz)
		return -1;
	for (i = 0; i < len; i += 4) {
		v = 0;
		for (j = 0; j < 4; j++) {
			if (i + j >= len - pad)
				d = 0;
			else if ((d = base64_value(s[i + j])) < 0)
				return -1;
			v = v << 6 | (unsigned long)d;
		}
		out[o++] = (unsigned char)(v >> 16);
		if (i + 2 < len - pad)
			out[o++] = (unsigned char)(v >> 8 & 0xff);
		if (i + 3 < len - pad)
			out[o++] = (unsigned char)(v & 0xff);
	}
	*outlen = o;
	return 0;
}

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
base64url_ok(const char *s, size_t n)
{
	size_t i;

	if (n % 4 == 1)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		        (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

unsigned char *
base64url_decode(const char *s, size_t n, size_t *outlen)
{
	unsigned char *out;
	unsigned int acc = 0;
	size_t i, o = 0;
	int bits = 0, d;

	*outlen = 0;
	if (!base64url_ok(s, n))
		return NULL;
	out = xmalloc(n / 4 * 3 + 4);
	for (i = 0; i < n; i++) {
		if (s[i] == '-')
			d = 62;
		else if (s[i] == '_')
			d = 63;
		else
			d = base64_value((unsigned char)s[i]);
		acc = (acc << 6) | (unsigned int)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

void
base64url_encode(const unsigned char *in, size_t len, char *out, size_t outsz)
{
	size_t i, o = 0;
	unsigned int v = 0;
	int bits = 0;

	if (outsz == 0)
		return;
	for (i = 0; i < len; i++) {
		v = (v << 8) | in[i];
		bits += 8;
		while (bits >= 6 && o + 1 < outsz) {
			bits -= 6;
			out[o++] = b64url[(v >> bits) & 63];
		}
	}
	if (bits > 0 && o + 1 < outsz)
		out[o++] = b64url[(v << (6 - bits)) & 63];
	out[o] = '\0';
}
