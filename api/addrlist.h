/*
 * Lists of client addresses, as settings write them: IPv4 or IPv6
 * addresses or CIDR prefixes, comma-separated ("127.0.0.0/8,::1").  Pure.
 */
#ifndef RXCA_ADDRLIST_H
#define RXCA_ADDRLIST_H

#include <stddef.h>

#define ADDRLIST_MAX 32 /* entries in one list */

struct addrlist_entry {
	int family;             /* AF_INET or AF_INET6 */
	unsigned char addr[16]; /* network order; 4 used for IPv4 */
	int prefix;             /* bits that must match */
};

struct addrlist {
	struct addrlist_entry e[ADDRLIST_MAX]; /* the entries */
	size_t n;                              /* used */
};

/* Parses text (may be empty: an empty list) into l.  0, or -1 if an entry
 * is not an address or prefix or there are more than ADDRLIST_MAX. */
int addrlist_parse(struct addrlist *l, const char *text);
/* Whether addr (an IPv4 or IPv6 address, without port) is in l; an
 * IPv4-mapped IPv6 address counts as the IPv4 address. */
int addrlist_match(const struct addrlist *l, const char *addr);

#endif
