#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/http/clientaddr.h"

/* Parses the address in s[0..n) (no port) into a[16], IPv4 mapped.  1 if
 * it is IPv4, 0 if IPv6, -1 if it is not an address. */
static int
addr_parse(const char *s, size_t n, unsigned char a[16])
{
	char buf[CLIENTADDR_LEN];
	struct in_addr v4;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, &v4) == 1) {
		memset(a, 0, 10);
		a[10] = a[11] = 0xff;
		memcpy(a + 12, &v4, 4);
		return 1;
	}
	if (inet_pton(AF_INET6, buf, a) == 1)
		return 0;
	return -1;
}

static int
is_mapped(const unsigned char a[16])
{
	static const unsigned char pre[12] = {
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	return memcmp(a, pre, sizeof(pre)) == 0;
}

/* Parses one hop or peer: "a.b.c.d", "a.b.c.d:port", "v6", "[v6]" or
 * "[v6]:port", with spaces and tabs around it.  0, or -1. */
static int
hop_parse(const char *s, size_t n, unsigned char a[16])
{
	const char *end, *colon;
	size_t i;

	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0)
		return -1;
	if (s[0] == '[') {
		if ((end = memchr(s, ']', n)) == NULL)
			return -1;
		if ((size_t)(end - s) + 1 < n) {
			if (end[1] != ':' || (size_t)(end - s) + 2 == n)
				return -1;
			for (i = (size_t)(end - s) + 2; i < n; i++)
				if (s[i] < '0' || s[i] > '9')
					return -1;
		}
		return addr_parse(s + 1, (size_t)(end - s) - 1, a) == 0 ? 0
		                                                        : -1;
	}
	if (addr_parse(s, n, a) != -1)
		return 0;
	/* IPv4 with a port: exactly one colon. */
	if ((colon = memchr(s, ':', n)) == NULL ||
	    memchr(colon + 1, ':', n - (size_t)(colon - s) - 1) != NULL ||
	    colon + 1 == s + n)
		return -1;
	for (end = colon + 1; end < s + n; end++)
		if (*end < '0' || *end > '9')
			return -1;
	return addr_parse(s, (size_t)(colon - s), a) == 1 ? 0 : -1;
}

static void
addr_format(const unsigned char a[16], char *out, size_t outsz)
{
	char buf[INET6_ADDRSTRLEN];

	if (is_mapped(a))
		inet_ntop(AF_INET, a + 12, buf, sizeof(buf));
	else
		inet_ntop(AF_INET6, a, buf, sizeof(buf));
	snprintf(out, outsz, "%s", buf);
}

static int
trusted(const struct clientaddr_list *t, const unsigned char a[16])
{
	const struct clientaddr_net *net;
	int i, bytes, bits;

	for (i = 0; i < t->n; i++) {
		net = &t->nets[i];
		bytes = net->prefix / 8;
		bits = net->prefix % 8;
		if (memcmp(net->addr, a, (size_t)bytes) != 0)
			continue;
		if (bits != 0 &&
		    ((net->addr[bytes] ^ a[bytes]) & (0xff << (8 - bits))) != 0)
			continue;
		return 1;
	}
	return 0;
}

int
clientaddr_parse_list(
    const char *list, struct clientaddr_list *t, char *err, size_t errsz)
{
	const char *s = list, *slash;
	struct clientaddr_net *net;
	size_t n, an;
	char *end;
	long prefix;
	int v4, bytes, bits;

	memset(t, 0, sizeof(*t));
	while (*s == ' ' || *s == '\t' || *s == ',')
		s++;
	while (*s != '\0') {
		n = strcspn(s, ",");
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (t->n == CLIENTADDR_MAX_ENTRIES) {
			snprintf(err, errsz, "more than %d entries",
			    CLIENTADDR_MAX_ENTRIES);
			return -1;
		}
		net = &t->nets[t->n];
		slash = memchr(s, '/', n);
		an = slash != NULL ? (size_t)(slash - s) : n;
		if ((v4 = addr_parse(s, an, net->addr)) == -1)
			goto bad;
		net->prefix = 128;
		if (slash != NULL) {
			errno = 0;
			prefix = strtol(slash + 1, &end, 10);
			if (errno != 0 || end == slash + 1 || end != s + n ||
			    prefix < 0 || prefix > (v4 ? 32 : 128) ||
			    slash[1] == '-' || slash[1] == '+' ||
			    slash[1] == ' ')
				goto bad;
			net->prefix = (int)prefix + (v4 ? 96 : 0);
		}
		/* The host bits of the network are cleared. */
		bytes = net->prefix / 8;
		bits = net->prefix % 8;
		if (bits != 0)
			net->addr[bytes++] &=
			    (unsigned char)(0xff << (8 - bits));
		if (bytes < 16)
			memset(net->addr + bytes, 0, (size_t)(16 - bytes));
		t->n++;
		s += n;
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
	}
	return 0;
bad:
	snprintf(err, errsz,
	    "\"%.*s\" is not an address or a network "
	    "like 10.0.0.0/8 or fd00::/8",
	    (int)(n > 64 ? 64 : n), s);
	return -1;
}

int
clientaddr_listed(const struct clientaddr_list *t, const char *addr)
{
	unsigned char a[16];

	return addr_parse(addr, strlen(addr), a) != -1 && trusted(t, a);
}

void
clientaddr_resolve(const struct clientaddr_list *t, const char *peer,
    const char *xff, char *out, size_t outsz)
{
	unsigned char pa[16], ha[16];
	const char *end, *start, *colon;
	int hops;

	colon = strrchr(peer, ':');
	if (peer[0] == '[') {
		if (hop_parse(peer, strlen(peer), pa) == -1)
			goto raw;
	} else if (colon == NULL ||
	    addr_parse(peer, (size_t)(colon - peer), pa) == -1) {
		if (addr_parse(peer, strlen(peer), pa) == -1)
			goto raw;
	}
	addr_format(pa, out, outsz);
	if (xff == NULL || !trusted(t, pa))
		return;
	end = xff + strlen(xff);
	for (hops = 0; hops < CLIENTADDR_MAX_HOPS; hops++) {
		start = end;
		while (start > xff && start[-1] != ',')
			start--;
		if (hop_parse(start, (size_t)(end - start), ha) == -1)
			break;
		if (!trusted(t, ha) || start == xff) {
			addr_format(ha, out, outsz);
			return;
		}
		end = start - 1;
	}
	/* Malformed, or too many trusted hops: the peer (already in out). */
	return;
raw:
	snprintf(out, outsz, "%s", peer);
}
