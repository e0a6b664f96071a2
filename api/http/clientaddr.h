/*
 * The client address of a request: the TCP peer, or, when the peer is a
 * trusted proxy (RXCA_TRUSTED_PROXIES), the first hop of X-Forwarded-For
 * that is not a trusted proxy, walking from the right.  Pure: no I/O, no
 * global state; unit-tested in tests/unit/api/test_clientaddr.c.
 */
#ifndef RXCA_CLIENTADDR_H
#define RXCA_CLIENTADDR_H

#include <stddef.h>

#define CLIENTADDR_MAX_ENTRIES 32 /* entries of one list at most */
#define CLIENTADDR_MAX_HOPS    32 /* X-Forwarded-For hops walked at most */
#define CLIENTADDR_LEN         64 /* room for an address as text */

struct clientaddr_net {
	unsigned char addr[16]; /* network, IPv4 as ::ffff:a.b.c.d */
	int prefix;             /* bits, 0..128 (IPv4 counts from 96) */
};

/* A list of addresses and networks as a setting writes it: the trusted
 * proxies (RXCA_TRUSTED_PROXIES), who may read /metrics
 * (RXCA_METRICS_ALLOW). */
struct clientaddr_list {
	struct clientaddr_net nets[CLIENTADDR_MAX_ENTRIES]; /* the entries */
	int n;                                              /* used in nets */
};

/*
 * Parses a comma-separated list of addresses and CIDR networks, IPv4 or
 * IPv6 ("10.0.0.0/8, ::1, 192.0.2.7"), into t; "" is an empty list.  0,
 * or -1 with a message for the operator in err.
 */
int clientaddr_parse_list(
    const char *list, struct clientaddr_list *t, char *err, size_t errsz);

/* Whether addr (an address as text, without port; IPv4-mapped IPv6 counts
 * as IPv4) is in t. */
int clientaddr_listed(const struct clientaddr_list *t, const char *addr);

/*
 * Writes the client address into out (canonical text without a port, an
 * IPv4-mapped IPv6 address as IPv4).  peer is the TCP peer as "host:port"
 * as api/http/http.c writes it ("a.b.c.d:port", "v6:port"; "[v6]:port" and
 * a bare IPv4 address work too); xff is the X-Forwarded-For value (several
 * fields joined with ","), or NULL.  xff is read only when the peer is
 * trusted; a hop that is not an address, met before the first untrusted
 * one, makes the peer the answer.  When every hop is trusted, the
 * leftmost is the answer.  A peer that is not an address is copied as it
 * is (cut to outsz).
 */
void clientaddr_resolve(const struct clientaddr_list *t, const char *peer,
    const char *xff, char *out, size_t outsz);

#endif
