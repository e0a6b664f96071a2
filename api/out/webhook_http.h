/*
 * The one outbound call of webhooks: an HTTPS POST of a JSON body to a
 * partner's receiver through libcurl, and the name resolution in front
 * of it.  The receiver's name is resolved once, every address is checked
 * (api/out/webhook_url.h), and the connection is pinned to those addresses
 * (CURLOPT_RESOLVE) and checked again on the socket actually opened, so
 * that DNS rebinding cannot switch it to a private address.  No
 * redirects are followed, no proxy is used, the answer's body is read up
 * to WEBHOOK_HTTP_MAX_ANSWER bytes and dropped, and the connect and total
 * timeouts bound the call.
 */
#ifndef RXCA_WEBHOOK_HTTP_H
#define RXCA_WEBHOOK_HTTP_H

#include <stddef.h>
#include <sys/socket.h>

#include "api/out/webhook_url.h"

#define WEBHOOK_HTTP_MAX_ANSWER  (16 * 1024) /* bytes read of an answer */
#define WEBHOOK_HTTP_MAX_HEADERS 8           /* extra header lines */
#define WEBHOOK_ADDRS_MAX        16   /* addresses of a name kept and pinned */
#define WEBHOOK_RESOLVE_LINES    4096 /* lines read of a test resolve file */

/* What the delivery log says of a receiver at a refused address. */
#define WEBHOOK_REFUSED_PRIVATE "refused: private address"

struct webhook_request {
	const char *url;  /* https:// (http:// with allow_private) */
	const char *body; /* JSON text */
	const char *headers[WEBHOOK_HTTP_MAX_HEADERS]; /* "Name: value", NULL
	                                                  ends */
	long connect_ms;                               /* connect timeout */
	long total_ms;                                 /* whole-call timeout */
	const char *ca_file;      /* CA bundle for https, or NULL: system */
	int allow_private;        /* RXCA_WEBHOOK_ALLOW_PRIVATE */
	const char *resolve_file; /* RXCA_TEST_RESOLVE_FILE, or NULL/"" */
};

struct webhook_addrs {
	int n;                                        /* addresses in a */
	struct sockaddr_storage a[WEBHOOK_ADDRS_MAX]; /* port 0 */
};

/* What webhook_resolve found. */
#define WEBHOOK_RESOLVED   0 /* every address allowed */
#define WEBHOOK_UNRESOLVED 1 /* no address */
#define WEBHOOK_REFUSED    2 /* an address is not allowed */

/*
 * Resolves u's host once: a literal is its own address; a name is looked
 * up in resolve_file when that is set and not empty (tests only: lines
 * "name address", one address a line, a name may have several; a name
 * not in the file does not resolve), else with getaddrinfo().  Every
 * address found is checked with webhook_addr_allowed(): WEBHOOK_RESOLVED
 * with the addresses (at most WEBHOOK_ADDRS_MAX) in *out, or
 * WEBHOOK_REFUSED if any of them is refused, or WEBHOOK_UNRESOLVED.
 * Blocks for as long as the system's resolver takes.
 */
int webhook_resolve(const struct webhook_url *u, int allow_private,
    const char *resolve_file, struct webhook_addrs *out);

/*
 * POSTs rq.  Returns 0 when an HTTP answer came (*status set, any code), or
 * -1 when none did, with a one-line reason safe to store and show the
 * partner in err: WEBHOOK_REFUSED_PRIVATE (no connection was made),
 * "refused: <why the URL is refused>" (stored under older rules), "could
 * not resolve the host", "could not
 * connect or no answer" (the same words for a closed port, a filtered
 * one, a reset and a timeout), or "TLS failure".
 */
int webhook_http_post(
    const struct webhook_request *rq, int *status, char *err, size_t errsz);

#endif
