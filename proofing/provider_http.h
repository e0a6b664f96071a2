/*
 * The one way rxca talks to an identity provider: a JSON POST over HTTP(S)
 * with libcurl, with a connect and a total timeout, no redirects, and an
 * answer bounded to IDCHECK_MAX_ANSWER bytes.  Thread-safe once
 * curl_global_init() has run (rxca-server does it at start-up).
 */
#ifndef RXCA_PROVIDER_HTTP_H
#define RXCA_PROVIDER_HTTP_H

#include <stddef.h>

#include "common/problem.h"

struct provider_endpoint {
	const char *base_url; /* http(s)://host:port[/prefix], no slash */
	const char *api_key;  /* sent as a bearer token; "" for none */
	const char *ca_file;  /* CA bundle for https; "" for the system's */
	long connect_ms;      /* connect timeout */
	long total_ms;        /* whole-exchange timeout */
};

struct provider_reply {
	long status; /* HTTP status */
	char *body;  /* NUL-terminated; owned */
	size_t len;  /* bytes in body */
};

/*
 * One HTTP exchange as described above, for every provider adapter: a GET,
 * or a POST of body (of content_type) when body is not NULL.
 */
struct provider_request {
	const char *url;             /* whole URL */
	const char *body;            /* NULL for a GET */
	const char *content_type;    /* of body */
	const char *bearer;          /* Authorization: Bearer; NULL for none */
	const char *idempotency_key; /* NULL for none */
	/* HTTP Basic user and password; NULL for none */
	const char *user;
	const char *password;
	size_t max_answer; /* bytes of answer at most */
	/* 0: 502 "provider-garbage" for an answer over max_answer and
	 * "provider-error" for a non-2xx; 1: "oidc-provider-error" for both */
	int oidc;
	int busy_unavailable; /* a 503 answer is "provider-unavailable" */
};

/*
 * Returns 0 with a 2xx answer in out (free with provider_reply_free()), or
 * -1 with p set: 503 "provider-unavailable" when nothing came back in time
 * (connect failure, timeout, reset), 502 as rq->oidc says for a non-2xx
 * status or an answer over rq->max_answer.  ep gives
 * the timeouts and CA file; its base_url and api_key are not used.
 */
int provider_request(const struct provider_endpoint *ep,
    const struct provider_request *rq, struct provider_reply *out,
    struct problem *p);

/*
 * POSTs body (JSON) to base_url + path with an Idempotency-Key header.
 * Returns 0 with a 2xx answer in out (free with provider_reply_free()), or
 * -1 with p set: 503 "provider-unavailable" when nothing came back in time
 * (connect failure, timeout, reset), 502 "provider-error" for a non-2xx
 * status, 502 "provider-garbage" for an answer over the size bound.
 */
int provider_post(const struct provider_endpoint *ep, const char *path,
    const char *body, const char *idempotency_key, struct provider_reply *out,
    struct problem *p);

void provider_reply_free(struct provider_reply *r);

#endif
