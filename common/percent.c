#include "common/percent.h"
#include "common/digest.h"

int
percent_decode(
    const char *in, size_t len, int plus_space, char *out, size_t outsz)
{
	size_t i, n = 0;
	int hi, lo, c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (c == '%') {
			if (i + 2 >= len ||
			    (hi = digest_hexval(in[i + 1])) < 0 ||
			    (lo = digest_hexval(in[i + 2])) < 0)
				return -1;
			c = hi * 16 + lo;
			i += 2;
		} else if (c == '+' && plus_space)
			c = ' ';
		if (c == 0 || n + 1 >= outsz)
			return -1;
		out[n++] = (char)c;
	}
	if (outsz == 0)
		return -1;
	out[n] = '\0';
	return (int)n;
}
