#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "api/out/webhook_url.h"

enum addr_class {
	ADDR_PUBLIC,  /* public unicast: always allowed */
	ADDR_PRIVATE, /* loopback, private, shared, link-local */
	ADDR_NEVER    /* unspecified, multicast, reserved, documentation */
};

static const struct v4_range {
	uint32_t net;        /* network, host order */
	int bits;            /* prefix length */
	enum addr_class cls; /* what an address in it is */
} v4_ranges[] = {
    {0x00000000, 8, ADDR_NEVER},    /* 0/8 "this network" */
    {0x0a000000, 8, ADDR_PRIVATE},  /* 10/8 */
    {0x64400000, 10, ADDR_PRIVATE}, /* 100.64/10 shared (CGN) */
    {0x7f000000, 8, ADDR_PRIVATE},  /* 127/8 loopback */
    {0xa9fe0000, 16, ADDR_PRIVATE}, /* 169.254/16 link-local, metadata */
    {0xac100000, 12, ADDR_PRIVATE}, /* 172.16/12 */
    {0xc0000000, 24, ADDR_NEVER},   /* 192.0.0/24 protocol assignments */
    {0xc0000200, 24, ADDR_NEVER},   /* 192.0.2/24 TEST-NET-1 */
    {0xc0586300, 24, ADDR_NEVER},   /* 192.88.99/24 6to4 relay */
    {0xc0a80000, 16, ADDR_PRIVATE}, /* 192.168/16 */
    {0xc6120000, 15, ADDR_NEVER},   /* 198.18/15 benchmarking */
    {0xc6336400, 24, ADDR_NEVER},   /* 198.51.100/24 TEST-NET-2 */
    {0xcb007100, 24, ADDR_NEVER},   /* 203.0.113/24 TEST-NET-3 */
    {0xe0000000, 4, ADDR_NEVER},    /* 224/4 multicast */
    {0xf0000000, 4, ADDR_NEVER},    /* 240/4 reserved, broadcast */
};

static enum addr_class
v4_class(const unsigned char *a)
{
	uint32_t x = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
	    (uint32_t)a[2] << 8 | (uint32_t)a[3];
	size_t i;

	for (i = 0; i < sizeof(v4_ranges) / sizeof(v4_ranges[0]); i++)
		if ((x >> (32 - v4_ranges[i].bits)) ==
		    (v4_ranges[i].net >> (32 - v4_ranges[i].bits)))
			return v4_ranges[i].cls;
	return ADDR_PUBLIC;
}

static int
all_zero(const unsigned char *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] != 0)
			return 0;
	return 1;
}

static enum addr_class
v6_class(const unsigned char *a)
{
	static const unsigned char nat64[12] = {
	    0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};

	/* ::ffff:a.b.c.d and 64:ff9b::a.b.c.d go to a.b.c.d. */
	if (all_zero(a, 10) && a[10] == 0xff && a[11] == 0xff)
		return v4_class(a + 12);
	if (memcmp(a, nat64, sizeof(nat64)) == 0)
		return v4_class(a + 12);
	if (all_zero(a, 15) && a[15] == 1)
		return ADDR_PRIVATE; /* ::1 */
	if (a[0] == 0x20 && a[1] == 0x02)
		return v4_class(a + 2); /* 6to4 */
	if ((a[0] & 0xe0) == 0x20) {    /* 2000::/3 global unicast */
		if (a[0] == 0x20 && a[1] == 0x01 && (a[2] & 0xfe) == 0)
			return ADDR_NEVER; /* 2001::/23, Teredo among them */
		if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d &&
		    a[3] == 0xb8)
			return ADDR_NEVER; /* 2001:db8::/32 */
		if (a[0] == 0x3f && a[1] == 0xff && (a[2] & 0xf0) == 0)
			return ADDR_NEVER; /* 3fff::/20 */
		return ADDR_PUBLIC;
	}
	if ((a[0] & 0xfe) == 0xfc)
		return ADDR_PRIVATE; /* fc00::/7 unique local */
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return ADDR_PRIVATE; /* fe80::/10 link-local */
	return ADDR_NEVER; /* ::, ::/96, ff00::/8, 64:ff9b:1::/48, ... */
}

int
webhook_addr_allowed(int family, const unsigned char *addr, int allow_private)
{
	enum addr_class c;

	if (family == AF_INET)
		c = v4_class(addr);
	else if (family == AF_INET6)
		c = v6_class(addr);
	else
		return 0;
	return c == ADDR_PUBLIC || (c == ADDR_PRIVATE && allow_private);
}

int
webhook_sockaddr_allowed(const struct sockaddr *sa, int allow_private)
{
	const struct sockaddr_in *in4;
	const struct sockaddr_in6 *in6;

	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		in4 = (const struct sockaddr_in *)(const void *)sa;
		return webhook_addr_allowed(AF_INET,
		    (const unsigned char *)&in4->sin_addr, allow_private);
	}
	if (sa->sa_family == AF_INET6) {
		in6 = (const struct sockaddr_in6 *)(const void *)sa;
		return webhook_addr_allowed(AF_INET6,
		    (const unsigned char *)&in6->sin6_addr, allow_private);
	}
	return 0;
}

static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/*
 * Checks the DNS name s (n bytes) and copies it, in lower case, to host.
 * Labels of letters, digits and inner hyphens, 1 to 63 bytes, at most 253
 * in all, no empty label (so no trailing dot); the last label starts with
 * a letter, so that "127.1" or "0x7f000001", which a resolver would read
 * as an IPv4 address, is not a name.
 */
static int
parse_name(const char *s, size_t n, char *host, struct problem *p)
{
	size_t i, label = 0, last = 0;

	if (n >= WEBHOOK_HOST_MAX)
		return problem_field(
		    p, "url", "a host name of at most 253 bytes");
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return problem_field(p, "url",
				    "malformed host name (empty label, or a "
				    "label ending in '-')");
			label = 0;
			last = i + 1;
			continue;
		}
		if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '-')
			return problem_field(p, "url",
			    "a host name of letters, digits, '-' and '.' "
			    "(an IDN in its xn-- form)");
		if (label == 0 && s[i] == '-')
			return problem_field(
			    p, "url", "a label of the host starts with '-'");
		if (++label > WEBHOOK_LABEL_MAX)
			return problem_field(p, "url",
			    "a label of the host is longer than %d bytes",
			    WEBHOOK_LABEL_MAX);
		host[i] = lower(s[i]);
	}
	if (label == 0 || s[n - 1] == '-')
		return problem_field(p, "url",
		    "malformed host name (empty label, or a label ending in "
		    "'-')");
	if (!is_alpha(s[last]))
		return problem_field(p, "url",
		    "malformed host: neither a dotted-quad IPv4 address nor a "
		    "name whose last label starts with a letter");
	host[n] = '\0';
	return 0;
}

/* "localhost" and names under it (RFC 6761). */
static int
localhost_name(const char *host)
{
	size_t n = strlen(host);

	return strcmp(host, "localhost") == 0 ||
	    (n > 10 && strcmp(host + n - 10, ".localhost") == 0);
}

int
webhook_url_parse(const char *url, int allow_private, struct webhook_url *u,
    struct problem *p)
{
	const char *s, *auth_end, *host_end, *h;
	size_t i, n, hn;
	long port;

	memset(u, 0, sizeof(*u));
	if (url == NULL || (n = strlen(url)) == 0 || n > WEBHOOK_URL_MAX)
		return problem_field(
		    p, "url", "an URL of at most %d bytes", WEBHOOK_URL_MAX);
	for (i = 0; i < n; i++)
		if ((unsigned char)url[i] <= 0x20 ||
		    (unsigned char)url[i] >= 0x7f)
			return problem_field(p, "url",
			    "spaces, control characters and non-ASCII bytes "
			    "are not allowed (an IDN in its xn-- form)");
	if (strncasecmp(url, "https://", 8) == 0) {
		u->https = 1;
		u->port = 443;
		s = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		u->port = 80;
		s = url + 7;
	} else
		return problem_field(p, "url", "must start with https://");
	if (!u->https && !allow_private)
		return problem_field(p, "url", "must start with https://");
	if (strchr(url, '#') != NULL)
		return problem_field(p, "url", "a fragment is not allowed");
	if (strchr(url, '\\') != NULL)
		return problem_field(p, "url", "a backslash is not allowed");
	auth_end = s + strcspn(s, "/?");
	if (memchr(s, '@', (size_t)(auth_end - s)) != NULL)
		return problem_field(
		    p, "url", "a user name or password is not allowed");
	if (memchr(s, '%', (size_t)(auth_end - s)) != NULL)
		return problem_field(p, "url",
		    "percent-encoding (or an IPv6 zone) in the host is not "
		    "allowed");
	if (*s == '[') {
		h = s + 1;
		host_end = memchr(s, ']', (size_t)(auth_end - s));
		if (host_end == NULL ||
		    (size_t)(host_end - h) >= sizeof(u->host))
			return problem_field(p, "url", "malformed IPv6 host");
		hn = (size_t)(host_end - h);
		memcpy(u->host, h, hn);
		u->host[hn] = '\0';
		if (inet_pton(AF_INET6, u->host, u->addr) != 1)
			return problem_field(p, "url", "malformed IPv6 host");
		for (i = 0; i < hn; i++)
			u->host[i] = lower(u->host[i]);
		u->family = AF_INET6;
		host_end++;
	} else {
		host_end = s + strcspn(s, ":/?");
		if (host_end > auth_end)
			host_end = auth_end;
		hn = (size_t)(host_end - s);
		if (hn == 0)
			return problem_field(
			    p, "url", "a host name is required");
		if (hn < sizeof(u->host)) {
			memcpy(u->host, s, hn);
			u->host[hn] = '\0';
		}
		if (hn < sizeof(u->host) &&
		    inet_pton(AF_INET, u->host, u->addr) == 1)
			u->family = AF_INET;
		else if (parse_name(s, hn, u->host, p) == -1)
			return -1;
	}
	if (host_end < auth_end) {
		if (*host_end != ':' || host_end + 1 == auth_end ||
		    auth_end - host_end - 1 > 5)
			return problem_field(
			    p, "url", "a port from 1 to 65535");
		port = 0;
		for (h = host_end + 1; h < auth_end; h++) {
			if (!is_digit(*h))
				return problem_field(
				    p, "url", "a port from 1 to 65535");
			port = port * 10 + (*h - '0');
		}
		if (port < 1 || port > 65535)
			return problem_field(
			    p, "url", "a port from 1 to 65535");
		u->port = (int)port;
	}
	if (u->family != 0 &&
	    !webhook_addr_allowed(u->family, u->addr, allow_private))
		return problem_field(p, "url",
		    "must be a public address (not loopback, private, "
		    "link-local, multicast or reserved)");
	if (u->family == 0 && !allow_private && localhost_name(u->host))
		return problem_field(p, "url",
		    "must be a public address (not loopback, private, "
		    "link-local, multicast or reserved)");
	return 0;
}
