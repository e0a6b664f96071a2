#include "common/base64.h"

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
