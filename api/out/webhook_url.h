/*
 * Which URLs and addresses may get webhooks (docs/architecture.md, "Outbound
 * calls").  Pure: no I/O, no DNS; api/out/webhook_http.c resolves a name and
 * checks every address it gets with webhook_addr_allowed().
 *
 * A receiver URL is https:// (http:// only with allow_private), with a
 * host that is a DNS name of letters, digits and hyphens (an IDN in its
 * xn-- form), a dotted-quad IPv4 address or a bracketed IPv6 address; no
 * user name or password, no percent-encoding in the host part, no
 * fragment, no backslash, an optional port from 1 to 65535, at most
 * WEBHOOK_URL_MAX bytes.
 *
 * An address is allowed if it is public unicast: IPv4 outside 0/8, 10/8,
 * 100.64/10, 127/8, 169.254/16, 172.16/12, 192.0.0/24, 192.0.2/24,
 * 192.88.99/24, 192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24,
 * 224/4 and 240/4 (255.255.255.255 included); IPv6 in 2000::/3 outside
 * 2001::/23 (Teredo and other protocol assignments), 2001:db8::/32 and
 * 3fff::/20 (documentation), with a 6to4 (2002::/16) address judged by the
 * IPv4 address it embeds, or an IPv4-mapped (::ffff:0:0/96) or NAT64
 * (64:ff9b::/96) address judged by the IPv4 address it embeds.  Everything
 * else (::, ::1, the IPv4-compatible ::/96, fc00::/7, fe80::/10, ff00::/8,
 * 64:ff9b:1::/48, ...) is refused.  allow_private (development and
 * tests) also allows loopback, the private, shared and link-local ranges
 * (127/8, 10/8, 172.16/12, 192.168/16, 100.64/10, 169.254/16, ::1,
 * fc00::/7, fe80::/10, and their mapped and NAT64 forms); the unspecified,
 * multicast, broadcast, reserved and documentation ranges stay refused.
 */
#ifndef RXCA_WEBHOOK_URL_H
#define RXCA_WEBHOOK_URL_H

#include <sys/socket.h>

#include "common/problem.h"

#define WEBHOOK_URL_MAX   2048 /* bytes of a receiver URL */
#define WEBHOOK_HOST_MAX  254  /* a DNS name of at most 253 bytes, NUL */
#define WEBHOOK_LABEL_MAX 63   /* bytes of one label of a DNS name */

struct webhook_url {
	int https;                   /* 1: https://, 0: http:// */
	int family;                  /* AF_INET/AF_INET6 literal, 0: a name */
	unsigned char addr[16];      /* the literal's address (4 or 16) */
	char host[WEBHOOK_HOST_MAX]; /* lower case; IPv6 without brackets */
	int port;                    /* given, or 443/80 */
};

/*
 * Parses url into *u under the rules above: 0, or -1 with a field error
 * on "url" in p that says what is wrong.  A literal address is also
 * checked with webhook_addr_allowed().  Pure.
 */
int webhook_url_parse(const char *url, int allow_private, struct webhook_url *u,
    struct problem *p);

/*
 * 1 if the address (4 bytes for AF_INET, 16 for AF_INET6, network order)
 * may receive webhooks, else 0 (also for another family).  Pure.
 */
int webhook_addr_allowed(
    int family, const unsigned char *addr, int allow_private);

/* As webhook_addr_allowed for a struct sockaddr_in or sockaddr_in6. */
int webhook_sockaddr_allowed(const struct sockaddr *sa, int allow_private);

#endif
