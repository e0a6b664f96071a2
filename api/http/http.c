#include <sys/socket.h>
#include <sys/queue.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <event2/util.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "api/http/http.h"
#include "common/problem.h"
#include "api/http/ratelog.h"
#include "common/certinfo.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/rand.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

enum conn_state {
	C_HEAD,     /* reading a request head */
	C_BODY,     /* reading a request body */
	C_INFLIGHT, /* a handler owns the request */
	C_WRITING   /* sending the reply */
};

#define PEER_BUCKETS 256 /* of a server's table of client addresses */

/* The open connections of one client address on one server. */
struct peer_slot {
	char addr[INET6_ADDRSTRLEN]; /* the address, without port */
	int open;                    /* its connections */
	struct peer_slot *next;      /* in its bucket */
};

struct http_conn {
	struct http_server *srv;     /* owner */
	struct bufferevent *bev;     /* the socket */
	struct event *timer;         /* current deadline */
	enum conn_state state;       /* see above */
	struct http_request req;     /* the current request */
	long long clen;              /* its Content-Length */
	int started;                 /* request deadline armed */
	int close_after;             /* close once written */
	int dead;                    /* peer gone while in flight */
	char peer[64];               /* client address:port */
	struct peer_slot *slot;      /* its address's count, or NULL */
	int served;                  /* replies sent on it */
	int tls;                     /* HTTPS */
	int handshaken;              /* its TLS handshake is done */
	int tls_clean;               /* close with a close_notify */
	int client_cert;             /* see struct http_request */
	long client_verify;          /* ditto */
	char client_fp[65];          /* ditto */
	char client_subject[256];    /* ditto */
	long client_not_after;       /* ditto */
	LIST_ENTRY(http_conn) entry; /* in srv->conns */
};

struct http_server {
	struct event_base *base;         /* the loop */
	struct evconnlistener *listener; /* NULL once draining */
	struct http_limits lim;          /* copied at creation */
	http_request_cb cb;              /* request handler */
	void *arg;                       /* its argument */
	SSL_CTX *ssl_ctx;                /* HTTPS, or NULL */
	int port;                        /* bound port */
	atomic_int nconns;               /* open connections (the cap's) */
	atomic_ulong refused_cap;        /* refused: max_connections */
	atomic_ulong refused_client;     /* refused: max_per_client */
	struct peer_slot *peers[PEER_BUCKETS]; /* open, by address */
	int draining;                          /* no new requests */
	void (*drained)(void *);               /* when nconns is 0 */
	void *drained_arg;
	LIST_HEAD(, http_conn) conns; /* open connections */
};

static void conn_read_cb(struct bufferevent *, void *);
static void conn_write_cb(struct bufferevent *, void *);
static void conn_event_cb(struct bufferevent *, short, void *);
static void conn_timer_cb(evutil_socket_t, short, void *);

const char *
http_status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 303:
		return "See Other";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 411:
		return "Length Required";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 415:
		return "Unsupported Media Type";
	case 422:
		return "Unprocessable Content";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}

/* Responses. */

void
http_response_init(struct http_response *r, int status)
{
	memset(r, 0, sizeof(*r));
	r->status = status;
}

void
http_response_take_body(
    struct http_response *r, const char *ctype, char *body, size_t len)
{
	free(r->content_type);
	free(r->body);
	r->content_type = ctype != NULL ? xstrdup(ctype) : NULL;
	r->body = body;
	r->body_len = len;
}

void
http_response_set_body(
    struct http_response *r, const char *ctype, const void *body, size_t len)
{
	char *copy;

	copy = xmalloc(len + 1);
	memcpy(copy, body, len);
	copy[len] = '\0';
	http_response_take_body(r, ctype, copy, len);
}

void
http_response_add_header(
    struct http_response *r, const char *name, const char *value)
{
	if (r->nheaders == HTTP_MAX_RESP_HEADERS)
		return;
	r->headers[r->nheaders].name = xstrdup(name);
	r->headers[r->nheaders].value = xstrdup(value);
	r->nheaders++;
}

void
http_date_format(time_t t, char *buf, size_t bufsz)
{
	static const char *const days[] = {
	    "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_wday < 0 || tm.tm_wday > 6 ||
	    tm.tm_mon < 0 || tm.tm_mon > 11) {
		snprintf(buf, bufsz, "Thu, 01 Jan 1970 00:00:00 GMT");
		return;
	}
	snprintf(buf, bufsz, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void
http_response_clear(struct http_response *r)
{
	int i;

	free(r->content_type);
	free(r->body);
	for (i = 0; i < r->nheaders; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	memset(r, 0, sizeof(*r));
}

/* Client addresses. */

static unsigned
peer_hash(const char *addr)
{
	unsigned h = 2166136261u; /* FNV-1a */

	for (; *addr != '\0'; addr++)
		h = (h ^ (unsigned char)*addr) * 16777619u;
	return h % PEER_BUCKETS;
}

/* The slot of addr, made with no connection if there is none. */
static struct peer_slot *
peer_get(struct http_server *s, const char *addr)
{
	struct peer_slot **head = &s->peers[peer_hash(addr)], *p;

	for (p = *head; p != NULL; p = p->next)
		if (strcmp(p->addr, addr) == 0)
			return p;
	p = xcalloc(1, sizeof(*p));
	snprintf(p->addr, sizeof(p->addr), "%s", addr);
	p->next = *head;
	*head = p;
	return p;
}

/* One connection of p's address closed; the slot goes with the last. */
static void
peer_put(struct http_server *s, struct peer_slot *p)
{
	struct peer_slot **pp;

	if (--p->open > 0)
		return;
	for (pp = &s->peers[peer_hash(p->addr)]; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	free(p);
}

/* Connections. */

static void
conn_free(struct http_conn *c)
{
	struct http_server *s = c->srv;

	LIST_REMOVE(c, entry);
	atomic_fetch_sub(&s->nconns, 1);
	if (c->slot != NULL)
		peer_put(s, c->slot);
	event_free(c->timer);
	if (c->tls_clean) {
		/* close_notify, best effort: the socket is non-blocking */
		(void)SSL_shutdown(bufferevent_openssl_get_ssl(c->bev));
		ERR_clear_error();
	}
	bufferevent_free(c->bev);
	http_request_clear(&c->req);
	free(c);
	if (s->draining && atomic_load(&s->nconns) == 0 && s->drained != NULL) {
		void (*done)(void *) = s->drained;
		s->drained = NULL;
		done(s->drained_arg);
	}
}

static void
conn_arm(struct http_conn *c, int seconds)
{
	struct timeval tv = {seconds, 0};

	evtimer_add(c->timer, &tv);
}

static void
conn_send(struct http_conn *c, struct http_response *resp)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	char date[HTTP_DATE_LEN];
	int i, keep, cached = 0;

	keep = c->req.keep_alive && !c->close_after && !c->srv->draining;
	if (!keep)
		c->close_after = 1;
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n", resp->status,
	    http_status_text(resp->status));
	http_date_format(wallclock_now(), date, sizeof(date));
	evbuffer_add_printf(out, "Date: %s\r\n", date);
	/* A 304 has no body and must not state another length than the
	 * 200's would (RFC 9110, 8.6): it states none. */
	if (resp->status != 304)
		evbuffer_add_printf(
		    out, "Content-Length: %zu\r\n", resp->body_len);
	if (resp->content_type != NULL)
		evbuffer_add_printf(
		    out, "Content-Type: %s\r\n", resp->content_type);
	for (i = 0; i < resp->nheaders; i++) {
		evbuffer_add_printf(out, "%s: %s\r\n", resp->headers[i].name,
		    resp->headers[i].value);
		if (strcasecmp(resp->headers[i].name, "Cache-Control") == 0)
			cached = 1;
	}
	if (c->req.id[0] != '\0')
		evbuffer_add_printf(out, "X-Request-Id: %s\r\n", c->req.id);
	/* No caching unless the handler says otherwise (OCSP, CRL). */
	if (!cached)
		evbuffer_add_printf(out, "Cache-Control: no-store\r\n");
	if (!keep)
		evbuffer_add_printf(out, "Connection: close\r\n");
	evbuffer_add(out, "\r\n", 2);
	if (resp->body_len > 0 && strcmp(c->req.method, "HEAD") != 0)
		evbuffer_add(out, resp->body, resp->body_len);
	http_response_clear(resp);
	c->state = C_WRITING;
	bufferevent_enable(c->bev, EV_WRITE);
	conn_arm(c, c->srv->lim.write_timeout);
}

/* A reply made by this layer for a request it could not take. */
static void
conn_fail(struct http_conn *c, int status)
{
	struct http_response resp;
	struct problem p;
	char *body;

	problem_clear(&p);
	p.status = status;
	snprintf(p.type, sizeof(p.type), "http-%d", status);
	snprintf(p.detail, sizeof(p.detail), "The request could not be read.");
	if ((body = problem_json(&p, http_status_text(status), NULL)) == NULL)
		abort();
	http_response_init(&resp, status);
	http_response_take_body(
	    &resp, "application/problem+json", body, strlen(body));
	c->close_after = 1;
	bufferevent_disable(c->bev, EV_READ);
	log_set_request(c->req.id);
	log_info("request refused", "status=%d peer=%s", status, c->peer);
	log_set_request(NULL);
	conn_send(c, &resp);
}

/* Names the request that starts now, for its logs and its reply. */
static void
conn_new_id(struct http_conn *c)
{
	unsigned char rid[8];
	char hex[17];

	rand_fill(rid, sizeof(rid));
	digest_hex(rid, sizeof(rid), hex);
	snprintf(c->req.id, sizeof(c->req.id), "r_%s", hex);
}

static void
conn_dispatch(struct http_conn *c)
{
	c->state = C_INFLIGHT;
	bufferevent_disable(c->bev, EV_READ);
	evtimer_del(c->timer);
	snprintf(c->req.peer, sizeof(c->req.peer), "%s", c->peer);
	if (c->slot != NULL)
		snprintf(c->req.peer_addr, sizeof(c->req.peer_addr), "%s",
		    c->slot->addr);
	if (c->tls) {
		c->req.tls = 1;
		c->req.client_cert = c->client_cert;
		c->req.client_verify = c->client_verify;
		memcpy(c->req.client_fp, c->client_fp, sizeof(c->client_fp));
		memcpy(c->req.client_subject, c->client_subject,
		    sizeof(c->client_subject));
		c->req.client_not_after = c->client_not_after;
	}
	c->srv->cb(c, &c->req, c->srv->arg);
}

static void
conn_process(struct http_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t avail, seen;
	const char *head;
	long head_len;
	int rc;

	avail = evbuffer_get_length(in);
	if (c->state == C_HEAD) {
		if (avail == 0)
			return;
		if (!c->started) {
			c->started = 1;
			conn_new_id(c);
			/* the first request's deadline runs from accept */
			if (c->served > 0)
				conn_arm(c, c->srv->lim.request_timeout);
		}
		/* no more than http_head_end() reads */
		seen = avail <= BOUND_HEADERS ? avail : BOUND_HEADERS + 1;
		head = (const char *)evbuffer_pullup(in, (ev_ssize_t)seen);
		if ((head_len = http_head_end(head, seen)) == 0)
			return;
		if (head_len < 0) {
			conn_fail(c, 431);
			return;
		}
		rc = http_parse_head(head, (size_t)head_len, &c->req, &c->clen);
		evbuffer_drain(in, (size_t)head_len);
		if (rc != 0) {
			conn_fail(c, rc);
			return;
		}
		if (c->clen < 0)
			c->clen = 0;
		c->state = C_BODY;
		avail = evbuffer_get_length(in);
	}
	if (c->state == C_BODY) {
		if (avail < (size_t)c->clen)
			return;
		if (c->clen > 0) {
			c->req.body = xmalloc((size_t)c->clen + 1);
			evbuffer_remove(in, c->req.body, (size_t)c->clen);
			c->req.body[c->clen] = '\0';
			c->req.body_len = (size_t)c->clen;
		}
		conn_dispatch(c);
	}
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_process(arg);
}

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct http_conn *c = arg;

	if (c->state != C_WRITING ||
	    evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		return;
	if (c->close_after || c->srv->draining) {
		conn_free(c);
		return;
	}
	http_request_clear(&c->req);
	c->state = C_HEAD;
	c->started = 0;
	c->clen = 0;
	c->served++;
	conn_arm(c, c->srv->lim.idle_timeout);
	bufferevent_enable(c->bev, EV_READ);
	conn_process(c);
}

/* Logs why a TLS connection failed, from the errors libevent kept. */
static void
conn_tls_log(struct http_conn *c, const char *msg)
{
	const char *reason;
	unsigned long e;
	int n = 0;

	while ((e = bufferevent_get_openssl_error(c->bev)) != 0) {
		if (n++ > 0)
			continue;
		reason = ERR_reason_error_string(e);
		log_info(msg, "peer=%s reason=\"%s\"", c->peer,
		    reason != NULL ? reason : "?");
	}
	if (n == 0)
		log_debug(msg, "peer=%s", c->peer);
	ERR_clear_error();
}

/* The handshake is done: note the client certificate for the requests. */
static void
conn_tls_ready(struct http_conn *c)
{
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
	X509 *cert;

	c->handshaken = 1;
	c->tls_clean = 1;
	c->client_verify = X509_V_ERR_UNSPECIFIED;
	if ((cert = SSL_get1_peer_certificate(ssl)) != NULL) {
		c->client_cert = 1;
		c->client_verify = SSL_get_verify_result(ssl);
		(void)certinfo_fingerprint_hex(cert, c->client_fp);
		(void)certinfo_subject(
		    cert, c->client_subject, sizeof(c->client_subject));
		c->client_not_after = (long)certinfo_not_after(cert);
		X509_free(cert);
	}
	ERR_clear_error();
	log_debug("TLS handshake done",
	    "peer=%s version=%s cipher=%s client_cert=%d verify=%ld", c->peer,
	    SSL_get_version(ssl), SSL_get_cipher_name(ssl), c->client_cert,
	    c->client_verify);
	/* the first request's deadline still runs from accept */
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct http_conn *c = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		conn_tls_ready(c);
		return;
	}
	if (c->tls) {
		c->tls_clean = 0;
		if (what & BEV_EVENT_ERROR)
			conn_tls_log(c,
			    c->handshaken ? "TLS connection failed"
			                  : "TLS handshake failed");
	}
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) &&
	    (c->state == C_INFLIGHT || c->state == C_WRITING)) {
		/* the client only half-closed: its answer still goes out */
		c->close_after = 1;
		bufferevent_disable(c->bev, EV_READ);
		return;
	}
	if (c->state == C_INFLIGHT) {
		c->dead = 1;
		bufferevent_disable(c->bev, EV_READ | EV_WRITE);
		return;
	}
	conn_free(c);
}

static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn *c = arg;

	(void)fd;
	(void)what;
	switch (c->state) {
	case C_HEAD:
	case C_BODY:
		if (c->tls && !c->handshaken) {
			log_info("TLS handshake deadline passed", "peer=%s",
			    c->peer);
			conn_free(c);
		} else if (c->started) {
			log_info("request deadline passed", "peer=%s", c->peer);
			conn_fail(c, 408);
		} else
			conn_free(c);
		break;
	case C_WRITING:
		log_info("reply not taken in time", "peer=%s", c->peer);
		conn_free(c);
		break;
	case C_INFLIGHT:
		break;
	}
}

void
http_conn_reply(struct http_conn *c, struct http_response *resp)
{
	if (c->dead) {
		http_response_clear(resp);
		conn_free(c);
		return;
	}
	conn_send(c, resp);
}

/* The address of sa into host (INET6_ADDRSTRLEN bytes) and
 * "address:port" into buf. */
static void
peer_name(const struct sockaddr *sa, char *host, char *buf, size_t bufsz)
{
	int port = 0;

	snprintf(host, INET6_ADDRSTRLEN, "?");
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		inet_ntop(AF_INET, &in->sin_addr, host, INET6_ADDRSTRLEN);
		port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, INET6_ADDRSTRLEN);
		port = ntohs(in6->sin6_port);
	}
	snprintf(buf, bufsz, "%s:%d", host, port);
}

/* The bufferevent of an HTTPS connection on fd, in the accepting state.
 * Returns 0, or -1 with fd closed (logged). */
static int
conn_tls_new(struct http_conn *c, evutil_socket_t fd)
{
	SSL *ssl;

	if ((ssl = SSL_new(c->srv->ssl_ctx)) == NULL) {
		log_openssl("cannot make a TLS connection");
		evutil_closesocket(fd);
		return -1;
	}
	/* client certificates are checked against the injectable clock */
	X509_VERIFY_PARAM_set_time(SSL_get0_param(ssl), wallclock_now());
	c->bev = bufferevent_openssl_socket_new(c->srv->base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		/* libevent has freed ssl and closed fd */
		log_error("cannot make a TLS bufferevent", "peer=%s", c->peer);
		ERR_clear_error();
		return -1;
	}
	/* a client that closes without close_notify is an EOF, not an
	 * error: HTTP's own framing tells a truncated request */
	bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	c->tls = 1;
	return 0;
}

/* Refused connections are logged at most once a second for each cause. */
static struct ratelog refuse_cap_log = RATELOG_INIT;
static struct ratelog refuse_client_log = RATELOG_INIT;

/* Turns fd away: plain HTTP gets a short 503 first (TLS has nothing the
 * client could read yet).  Never blocks; logged at a bounded rate. */
static void
accept_refuse(
    struct http_server *s, evutil_socket_t fd, const char *addr, int per_client)
{
	static char *busy_body; /* made once, on the loop */
	struct problem p;
	char busy[512], date[HTTP_DATE_LEN];
	int busylen;
	unsigned long left_out;

	if (s->ssl_ctx == NULL && busy_body == NULL) {
		problem_clear(&p);
		p.status = 503;
		snprintf(p.type, sizeof(p.type), "busy");
		snprintf(p.title, sizeof(p.title), "Try again");
		snprintf(p.detail, sizeof(p.detail), "Try again.");
		if ((busy_body = problem_json(&p, NULL, NULL)) == NULL)
			abort();
	}
	if (s->ssl_ctx == NULL) {
		http_date_format(wallclock_now(), date, sizeof(date));
		busylen = snprintf(busy, sizeof(busy),
		    "HTTP/1.1 503 Service "
		    "Unavailable\r\nDate: %s\r\n"
		    "Content-Type: application/problem+json\r\n"
		    "Retry-After: 1\r\nConnection: close\r\n"
		    "Content-Length: %zu\r\n\r\n%s",
		    date, strlen(busy_body), busy_body);
		(void)!send(
		    fd, busy, (size_t)busylen, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	evutil_closesocket(fd);
	if (per_client) {
		atomic_fetch_add(&s->refused_client, 1);
		if (ratelog_allow(&refuse_client_log, &left_out))
			log_warn("connection refused: too many from one "
			         "client",
			    "peer=%s port=%d cap=%d tls=%d suppressed=%lu",
			    addr, s->port, s->lim.max_per_client,
			    s->ssl_ctx != NULL, left_out);
	} else {
		atomic_fetch_add(&s->refused_cap, 1);
		if (ratelog_allow(&refuse_cap_log, &left_out))
			log_warn("connection refused: at the cap",
			    "port=%d open=%d draining=%d tls=%d suppressed=%lu",
			    s->port, atomic_load(&s->nconns), s->draining,
			    s->ssl_ctx != NULL, left_out);
	}
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct http_server *s = arg;
	struct http_conn *c;
	struct peer_slot *slot;
	char addr[INET6_ADDRSTRLEN], peer[64];

	(void)l;
	(void)salen;
	peer_name(sa, addr, peer, sizeof(peer));
	if (atomic_load(&s->nconns) >= s->lim.max_connections || s->draining) {
		accept_refuse(s, fd, addr, 0);
		return;
	}
	slot = peer_get(s, addr);
	if (s->lim.max_per_client > 0 && slot->open >= s->lim.max_per_client) {
		accept_refuse(s, fd, addr, 1);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->srv = s;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	if (s->ssl_ctx != NULL) {
		if (conn_tls_new(c, fd) == -1) {
			free(c);
			goto unused;
		}
	} else if ((c->bev = bufferevent_socket_new(
	                s->base, fd, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		evutil_closesocket(fd);
		free(c);
		goto unused;
	}
	c->slot = slot;
	slot->open++;
	c->timer = evtimer_new(s->base, conn_timer_cb, c);
	bufferevent_setcb(
	    c->bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
	bufferevent_setwatermark(
	    c->bev, EV_READ, 0, BOUND_HEADERS + BOUND_BODY + 4096);
	bufferevent_enable(c->bev, EV_READ);
	LIST_INSERT_HEAD(&s->conns, c, entry);
	atomic_fetch_add(&s->nconns, 1);
	/* the TLS handshake and the first request are bounded from accept:
	 * a client that never sends a byte holds no slot for long */
	conn_arm(c, s->lim.request_timeout);
	return;
unused:
	if (slot->open == 0) {
		slot->open = 1;
		peer_put(s, slot);
	}
}

static struct http_server *
http_server_listen(struct event_base *base, const char *host, int port,
    const struct http_limits *lim, SSL_CTX *ctx, http_request_cb cb, void *arg)
{
	struct http_server *s;
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		sl = sizeof(*in);
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*in6);
	} else if (strcmp(host, "localhost") == 0) {
		inet_pton(AF_INET, "127.0.0.1", &in->sin_addr);
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		sl = sizeof(*in);
	} else {
		log_error("listen address must be numeric", "host=%s", host);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->base = base;
	s->lim = *lim;
	s->cb = cb;
	s->arg = arg;
	LIST_INIT(&s->conns);
	s->listener = evconnlistener_new_bind(base, accept_cb, s,
	    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE, 511,
	    (struct sockaddr *)&ss, (int)sl);
	if (s->listener == NULL) {
		log_error("cannot listen", "host=%s port=%d error=\"%s\"", host,
		    port, strerror(errno));
		free(s);
		return NULL;
	}
	if (ctx != NULL) {
		SSL_CTX_up_ref(ctx);
		s->ssl_ctx = ctx;
	}
	sl = sizeof(ss);
	getsockname(
	    evconnlistener_get_fd(s->listener), (struct sockaddr *)&ss, &sl);
	s->port = ss.ss_family == AF_INET6 ? ntohs(in6->sin6_port)
	                                   : ntohs(in->sin_port);
	return s;
}

struct http_server *
http_server_new(struct event_base *base, const char *host, int port,
    const struct http_limits *lim, http_request_cb cb, void *arg)
{
	return http_server_listen(base, host, port, lim, NULL, cb, arg);
}

struct http_server *
http_server_new_tls(struct event_base *base, const char *host, int port,
    const struct http_limits *lim, SSL_CTX *ctx, http_request_cb cb, void *arg)
{
	if (ctx == NULL) {
		log_error("HTTPS listener without a TLS context", NULL);
		return NULL;
	}
	return http_server_listen(base, host, port, lim, ctx, cb, arg);
}

int
http_server_port(const struct http_server *s)
{
	return s->port;
}

int
http_server_connections(const struct http_server *s)
{
	return atomic_load(&s->nconns);
}

void
http_server_refused(const struct http_server *s, unsigned long *at_cap,
    unsigned long *per_client)
{
	*at_cap = atomic_load(&s->refused_cap);
	*per_client = atomic_load(&s->refused_client);
}

void
http_server_drain(struct http_server *s, void (*done)(void *), void *arg)
{
	struct http_conn *c, *next;

	s->draining = 1;
	s->drained = done;
	s->drained_arg = arg;
	if (s->listener != NULL) {
		evconnlistener_free(s->listener);
		s->listener = NULL;
	}
	for (c = LIST_FIRST(&s->conns); c != NULL; c = next) {
		next = LIST_NEXT(c, entry);
		if (c->state == C_HEAD || c->state == C_BODY)
			conn_free(c);
		else
			c->close_after = 1;
	}
	if (atomic_load(&s->nconns) == 0 && s->drained != NULL) {
		s->drained = NULL;
		done(arg);
	}
}

void
http_server_free(struct http_server *s)
{
	struct http_conn *c;
	struct peer_slot *p;
	int i;

	if (s == NULL)
		return;
	s->drained = NULL;
	while ((c = LIST_FIRST(&s->conns)) != NULL) {
		if (c->state == C_INFLIGHT) {
			/* the handler still holds req; leave it to exit */
			LIST_REMOVE(c, entry);
			c->slot = NULL;
			continue;
		}
		conn_free(c);
	}
	if (s->listener != NULL)
		evconnlistener_free(s->listener);
	for (i = 0; i < PEER_BUCKETS; i++)
		while ((p = s->peers[i]) != NULL) {
			s->peers[i] = p->next;
			free(p);
		}
	SSL_CTX_free(s->ssl_ctx);
	free(s);
}
