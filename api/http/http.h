/*
 * A small HTTP/1.1 server on libevent bufferevents.  It owns what evhttp in
 * libevent 2.1.12 lacks: a cap on open connections for each listener and
 * for each client address, a deadline for a whole request counted from
 * accept for the first (a client that drips bytes or never sends one is
 * cut off), strict limits on the head
 * and the body, and a reply that may come later from another thread.  One
 * request per connection is in flight at a time; a pipelined request waits.
 * Everything here runs on the event loop thread.  This file is the
 * connections' I/O; reading a request's bytes is api/http/http_parse.h's.
 */
#ifndef RXCA_HTTP_H
#define RXCA_HTTP_H

#include <stddef.h>
#include <time.h>

#include <event2/event.h>

#include <openssl/ssl.h>

#include "api/http/http_parse.h"

#define HTTP_MAX_RESP_HEADERS 8

struct http_response {
	int status;         /* HTTP status */
	char *content_type; /* or NULL without a body */
	char *body;         /* owned; may be NULL */
	size_t body_len;    /* bytes in body */
	int nheaders;       /* extra headers used */
	struct http_header headers[HTTP_MAX_RESP_HEADERS]; /* owned */
};

struct http_server;
struct http_conn;

/*
 * Called on the loop for each complete request.  The callee must, now or
 * later (from the loop), call http_conn_reply() exactly once.  req belongs
 * to the connection and lives until the reply.
 */
typedef void (*http_request_cb)(
    struct http_conn *conn, struct http_request *req, void *arg);

struct http_limits {
	int max_connections; /* open connections of this listener at most */
	int max_per_client;  /* of them from one address; 0: no limit */
	int request_timeout; /* seconds to receive one request (the first:
	                        from accept, TLS handshake included) */
	int idle_timeout;    /* seconds between requests */
	int write_timeout;   /* seconds to send one reply */
};

/* Listens on host:port (port 0 picks one).  NULL on failure (logged).  The
 * server frees with http_server_free(). */
struct http_server *http_server_new(struct event_base *base, const char *host,
    int port, const struct http_limits *lim, http_request_cb cb, void *arg);
/*
 * The same for HTTPS: each connection first completes a TLS handshake
 * with ctx (see api/http/tls.h), within lim->request_timeout seconds of being
 * accepted, or is closed; bytes that are not TLS close it too.  The
 * client certificate's details go into each request (struct
 * http_request).  Takes a reference to ctx: the caller still frees its
 * own with SSL_CTX_free().
 */
struct http_server *http_server_new_tls(struct event_base *base,
    const char *host, int port, const struct http_limits *lim, SSL_CTX *ctx,
    http_request_cb cb, void *arg);
void http_server_free(struct http_server *s);
/* The port actually bound. */
int http_server_port(const struct http_server *s);
/* Stops accepting and closes idle connections; requests in flight finish.
 * done(arg) runs once no connection of s is left. */
void http_server_drain(struct http_server *s, void (*done)(void *), void *arg);
/* Open connections of s (what max_connections caps).  Any thread. */
int http_server_connections(const struct http_server *s);
/* Connections s turned away since it started: at max_connections (or
 * draining), and over max_per_client.  Any thread. */
void http_server_refused(const struct http_server *s, unsigned long *at_cap,
    unsigned long *per_client);

/* Sends resp (its contents are taken over and freed) as the reply to the
 * connection's current request. */
void http_conn_reply(struct http_conn *conn, struct http_response *resp);

/* Response helpers: all copy their arguments. */
void http_response_init(struct http_response *r, int status);
void http_response_set_body(
    struct http_response *r, const char *ctype, const void *body, size_t len);
void http_response_take_body(
    struct http_response *r, const char *ctype, char *body, size_t len);
void http_response_add_header(
    struct http_response *r, const char *name, const char *value);
void http_response_clear(struct http_response *r);
const char *http_status_text(int status);

#define HTTP_DATE_LEN 30 /* "Sun, 06 Dec 2026 04:35:00 GMT" + NUL */

/* Writes t as an RFC 7231 IMF-fixdate ("Sun, 06 Dec 2026 04:35:00 GMT",
 * English names whatever the locale) into buf (at least HTTP_DATE_LEN
 * bytes): the Date header of every response, from the injectable clock
 * (common/wallclock.h).  Pure. */
void http_date_format(time_t t, char *buf, size_t bufsz);

#endif
