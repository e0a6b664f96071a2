/*
 * The one outbound call of webhooks: an HTTP(S) POST of a JSON body to a
 * partner's receiver through libcurl.  No redirects are followed, the
 * answer's body is read up to WEBHOOK_HTTP_MAX_ANSWER bytes and dropped,
 * and the connect and total timeouts bound the call.
 */
#ifndef RXCA_WEBHOOK_HTTP_H
#define RXCA_WEBHOOK_HTTP_H

#include <stddef.h>

#define WEBHOOK_HTTP_MAX_ANSWER  (16 * 1024) /* bytes read of an answer */
#define WEBHOOK_HTTP_MAX_HEADERS 8           /* extra header lines */

struct webhook_request {
	const char *url;  /* http:// (loopback) or https:// */
	const char *body; /* JSON text */
	const char *headers[WEBHOOK_HTTP_MAX_HEADERS]; /* "Name: value", NULL
	                                                  ends */
	long connect_ms;                               /* connect timeout */
	long total_ms;                                 /* whole-call timeout */
	const char *ca_file; /* CA bundle for https, or NULL: system */
};

/*
 * POSTs rq.  Returns 0 when an HTTP answer came (*status set, any code), or
 * -1 when none did (refused, timed out, TLS failure), with a one-line
 * reason safe to store in err.
 */
int webhook_http_post(
    const struct webhook_request *rq, int *status, char *err, size_t errsz);

#endif
