/*
 * The pure half of the HTTP/1.1 server (api/http/http.c is the other, the
 * connections): where a request head ends in the bytes received so far,
 * and the head parsed into a request with every limit of
 * common/bounds.h enforced.  Bytes in, a request or an HTTP status out:
 * no sockets, no event loop, no global state.  Unit-tested table by table
 * in tests/unit/api/test_http_parse.c and fuzzed by
 * tests/fuzz/fuzz_http_head.c.
 *
 * What it accepts: a request line "METHOD /target HTTP/1.x" (an upper-case
 * method, an origin-form target of visible ASCII), header fields of token
 * characters, every line ending in CRLF.  A body is framed only by one
 * Content-Length (digits only); Transfer-Encoding is refused, so a
 * request can never be framed two ways (no request smuggling), and so is
 * a framing or forwarding field spelt with '_' for '-'
 * (Transfer_Encoding, X_Forwarded_For), which a gateway might map onto
 * the real one.  Field values hold no control character and no DEL.
 */
#ifndef RXCA_HTTP_PARSE_H
#define RXCA_HTTP_PARSE_H

#include <stddef.h>

#include "common/bounds.h"

struct http_header {
	char *name;  /* as received */
	char *value; /* trimmed */
};

struct http_request {
	char method[16]; /* GET, POST, ... */
	char *target;    /* raw request target */
	char *path;      /* target up to '?', raw */
	char *query;     /* after '?', or NULL */
	struct http_header headers[BOUND_HEADER_COUNT]; /* in order */
	int nheaders;                                   /* used in headers */
	unsigned char *body; /* NUL-terminated copy, or NULL */
	size_t body_len;     /* bytes in body */
	char id[24];         /* request id for logs: r_<hex> */
	char peer[64];       /* TCP peer, host:port */
	char client[64];     /* client address (api/http/clientaddr.h), set by
	                        api/server.c before routing */
	char peer_addr[46];  /* the TCP peer's address, without port */
	int minor;           /* HTTP/1.<minor> */
	int keep_alive;      /* the client allows reuse */
	/* On an HTTPS connection (all zero or "" on plain HTTP): */
	int tls;                  /* arrived over HTTPS */
	int client_cert;          /* the client presented a certificate */
	long client_verify;       /* X509_V_OK if it chains to the operators'
	                             CA and is in date, else X509_V_ERR_*;
	                             X509_V_ERR_UNSPECIFIED without one */
	char client_fp[65];       /* hex SHA-256 of its DER, or "" */
	char client_subject[256]; /* its subject, RFC 2253, or "" */
	long client_not_after;    /* its notAfter, seconds, or 0 */
};

/*
 * Where the request head at the start of buf[0..len) ends: its length in
 * bytes, the empty line that ends it included; 0 if it has not ended yet
 * and still may (wait for more bytes); or -1 if it cannot end within
 * BOUND_HEADERS bytes (answer 431).  A bare LF ends the head where it
 * is, for http_parse_head() to refuse (400) at once.  Only the first
 * BOUND_HEADERS + 1 bytes are read, so a caller may pass no more than
 * those.
 */
long http_head_end(const char *buf, size_t len);

/*
 * Parses one request head of len bytes (request line and header fields,
 * ending with the empty line; see http_head_end()) into req, which must
 * be all zero.  Returns 0 with *content_length set to the body's length
 * (-1 without Content-Length; at most BOUND_BODY), or the HTTP status
 * that refuses the request: 400 (malformed, a duplicated Content-Length
 * or Host, no Host in HTTP/1.1), 413 (Content-Length over BOUND_BODY),
 * 414 (target over BOUND_URI), 431 (head over BOUND_HEADERS or more than
 * BOUND_HEADER_COUNT fields), 501 (method too long, Transfer-Encoding),
 * 505 (not HTTP/1.0 or 1.1).  req may hold part of the request either
 * way: the caller frees it with http_request_clear().
 */
int http_parse_head(const char *head, size_t len, struct http_request *req,
    long long *content_length);

/* First header called name (case-insensitive), or NULL. */
const char *http_request_header(
    const struct http_request *req, const char *name);

/* Frees what req holds and zeroes it, for reuse. */
void http_request_clear(struct http_request *req);

#endif
