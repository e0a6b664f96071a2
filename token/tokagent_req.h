/*
 * rxca-token agent: what a request to the agent asks for, decided from
 * its method, path, Host, Origin and body alone (no libevent, no token),
 * so the same code serves token/tokagent_http.c and the fuzz driver.
 * See tokagent_http.h for the endpoints.
 */
#ifndef RXCA_TOKAGENT_REQ_H
#define RXCA_TOKAGENT_REQ_H

#include <stddef.h>

#include <jansson.h>

#include "common/problem.h"

#define TOKAGENT_HOST_MAX   64  /* a Host value we accept, bytes */
#define TOKAGENT_HOSTS      3   /* loopback names */
#define TOKAGENT_ORIGIN_MAX 256 /* an Origin header */

/* What the agent accepts: its own loopback names and its configuration. */
struct tokagent_policy {
	char hosts[TOKAGENT_HOSTS][TOKAGENT_HOST_MAX]; /* Host values */
	const char *const *origins;                    /* allowed Origins */
	size_t norigins;                               /* entries */
	size_t body_max;                               /* bytes of a body */
	int unlock_seconds;                            /* 0: no unlock */
};

enum tokagent_op {
	TOKAGENT_PREFLIGHT = 1, /* OPTIONS: a CORS preflight */
	TOKAGENT_CERTIFICATE,   /* GET /v1/certificate */
	TOKAGENT_SIGN,          /* POST /v1/sign */
	TOKAGENT_UNLOCK,        /* POST /v1/unlock */
	TOKAGENT_LOCK           /* POST /v1/lock */
};

struct tokagent_req {
	enum tokagent_op op;  /* what is asked */
	const char *origin;   /* the allowed Origin (borrowed), or NULL */
	json_t *body;         /* sign, unlock: the body (owns the strings) */
	const char *passcode; /* sign: or NULL; unlock: never NULL */
	int cms;              /* sign: 1 "cms", 0 "raw" */
	unsigned char *data;  /* sign: the decoded data (malloc) */
	size_t len;           /* its bytes */
};

/*
 * Decides the request method ("GET", "POST", "OPTIONS"; others are not
 * found), path, Host and Origin header values (NULL when absent), and
 * body[0..len) (not read, and may be NULL, when len is 0 or more than
 * pol->body_max) against pol.  Returns 0
 * with r filled (free with tokagent_req_clear()), or -1 with r cleared
 * but r->origin set when the Origin is allowed (the refusal carries its
 * CORS headers then), and p set: 403 host-refused or origin-refused,
 * 404 not-found, 403 unlock-disabled, 413 body-too-large, 400 malformed
 * (no JSON), 422 invalid-field (members, format, data not base64).
 */
int tokagent_parse(const struct tokagent_policy *pol, const char *method,
    const char *path, const char *host, const char *origin,
    const unsigned char *body, size_t len, struct tokagent_req *r,
    struct problem *p);

/* Frees what r holds and zeroes it. */
void tokagent_req_clear(struct tokagent_req *r);

#endif
