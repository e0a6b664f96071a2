#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/addrlist.h"

/* One address (no prefix) into family and addr; 0 or -1. */
static int
addr_parse(const char *s, int *family, unsigned char *addr)
{
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = AF_INET6;
		/* ::ffff:a.b.c.d is a.b.c.d */
		if (memcmp(addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
			memmove(addr, addr + 12, 4);
			*family = AF_INET;
		}
		return 0;
	}
	return -1;
}

int
addrlist_parse(struct addrlist *l, const char *text)
{
	struct addrlist_entry *e;
	char item[64], *slash, *end;
	size_t n;
	long bits;

	memset(l, 0, sizeof(*l));
	while (*text != '\0') {
		n = strcspn(text, ",");
		while (n > 0 && *text == ' ') {
			text++;
			n--;
		}
		if (n == 0 || n >= sizeof(item) || l->n == ADDRLIST_MAX)
			return -1;
		memcpy(item, text, n);
		item[n] = '\0';
		while (n > 0 && item[n - 1] == ' ')
			item[--n] = '\0';
		e = &l->e[l->n];
		if ((slash = strchr(item, '/')) != NULL)
			*slash = '\0';
		if (addr_parse(item, &e->family, e->addr) == -1)
			return -1;
		e->prefix = e->family == AF_INET ? 32 : 128;
		if (slash != NULL) {
			errno = 0;
			bits = strtol(slash + 1, &end, 10);
			if (errno != 0 || end == slash + 1 || *end != '\0' ||
			    bits < 0 || bits > e->prefix)
				return -1;
			e->prefix = (int)bits;
		}
		l->n++;
		text += n;
		while (*text == ' ')
			text++;
		if (*text == ',') {
			text++;
			if (*text == '\0')
				return -1;
		}
	}
	return 0;
}

static int
prefix_match(const unsigned char *a, const unsigned char *b, int bits)
{
	int full = bits / 8, rest = bits % 8;
	unsigned char mask;

	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

int
addrlist_match(const struct addrlist *l, const char *addr)
{
	unsigned char bin[16];
	size_t i;
	int family;

	if (addr_parse(addr, &family, bin) == -1)
		return 0;
	for (i = 0; i < l->n; i++)
		if (l->e[i].family == family &&
		    prefix_match(l->e[i].addr, bin, l->e[i].prefix))
			return 1;
	return 0;
}
