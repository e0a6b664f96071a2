/*
 * rxca-token agent: what a request to the agent asks for, decided from
 * its method, path, headers and body alone (no libevent, no token), so
 * the same code serves token/tokagent_http.c, the unit tests and the fuzz
 * driver.  See tokagent_http.h for the endpoints and the rules.
 */
#ifndef RXCA_TOKAGENT_REQ_H
#define RXCA_TOKAGENT_REQ_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "common/problem.h"

#define TOKAGENT_HOST_MAX   64  /* a Host value we accept, bytes */
#define TOKAGENT_HOSTS      3   /* loopback names */
#define TOKAGENT_ORIGIN_MAX 256 /* an Origin header */
#define TOKAGENT_ORIGINS    16  /* allowed origins (TOKCMD_ORIGINS_MAX) */
/* How long a preflight of an origin lets it send its POST, seconds.  The
 * agent answers preflights with Access-Control-Max-Age: 0, so a browser
 * asks again before every POST, and each preflight is good for one POST;
 * a restarted agent is asked at once. */
#define TOKAGENT_PREFLIGHT_WINDOW 60

/* What the agent accepts: its own loopback names and its configuration. */
struct tokagent_policy {
	char hosts[TOKAGENT_HOSTS][TOKAGENT_HOST_MAX]; /* Host values */
	const char *const *origins;                    /* allowed Origins */
	size_t norigins;                               /* entries */
	size_t body_max;                               /* bytes of a body */
	int unlock_seconds;                            /* 0: no unlock */
	int pinentry; /* 1: passcodes at the agent's prompt only */
	time_t preflight_at[TOKAGENT_ORIGINS]; /* last preflight answered */
};

/* A request as it arrived (header values NULL when absent). */
struct tokagent_in {
	const char *method;        /* "GET", "POST", "OPTIONS", else "" */
	const char *path;          /* without the query */
	const char *host;          /* Host */
	const char *origin;        /* Origin */
	const char *content_type;  /* Content-Type */
	const char *acr_method;    /* Access-Control-Request-Method */
	const char *acr_private;   /* Access-Control-Request-Private-Network */
	const char *acr_local;     /* Access-Control-Request-Local-Network */
	const unsigned char *body; /* not read (may be NULL) when len is 0 or
	                              over the policy's body_max */
	size_t len;                /* its bytes */
	time_t now;                /* the time of the request */
};

enum tokagent_op {
	TOKAGENT_PREFLIGHT = 1, /* OPTIONS: a CORS preflight */
	TOKAGENT_CERTIFICATE,   /* GET /v1/certificate */
	TOKAGENT_SIGN,          /* POST /v1/sign */
	TOKAGENT_UNLOCK,        /* POST /v1/unlock */
	TOKAGENT_LOCK,          /* POST /v1/lock */
	TOKAGENT_STATUS,        /* GET /v1/status */
	TOKAGENT_PASSCODE,      /* POST /v1/passcode */
	TOKAGENT_KEYGEN,        /* POST /v1/keygen */
	TOKAGENT_RETRIEVE,      /* POST /v1/retrieve */
	TOKAGENT_TEST,          /* POST /v1/test */
	TOKAGENT_RENEW          /* POST /v1/renew */
};

struct tokagent_req {
	enum tokagent_op op;  /* what is asked */
	const char *origin;   /* the allowed Origin (borrowed), or NULL */
	json_t *body;         /* sign, unlock: the body (owns the strings) */
	const char *passcode; /* sign: or NULL; unlock: never NULL */
	const char *code;     /* retrieve: the activation code */
	const char *password; /* retrieve, test, renew: account password */
	int private_network;  /* preflight: asked for private network */
	int local_network;    /* preflight: asked for local network */
	int cms;              /* sign: 1 "cms", 0 "raw" */
	unsigned char *data;  /* sign: the decoded data (malloc) */
	size_t len;           /* its bytes */
};

/*
 * Decides the request in against pol.  Host must be one of pol's loopback
 * names and Origin one of its origins.  An OPTIONS is a CORS preflight
 * only with Access-Control-Request-Method GET or POST; answering it
 * records in pol when the origin was last preflighted.  A POST must carry
 * Content-Type application/json (which no browser sends without a
 * preflight) and come within TOKAGENT_PREFLIGHT_WINDOW of a preflight of
 * its origin, which it uses up.  With pol->pinentry a body may not carry a
 * passcode (it is typed at the agent's prompt).  Returns 0 with r filled (free
 * with tokagent_req_clear()), or -1 with r cleared but r->origin set when the
 * Origin is allowed (the refusal carries its CORS headers then), and p
 * set: 403 host-refused or origin-refused, 400 malformed (an OPTIONS that
 * is no preflight; no JSON), 405 method-not-allowed (a preflight for
 * another method), 403 preflight-required, 404 not-found, 403
 * unlock-disabled, 413 body-too-large, 422 invalid-field (members,
 * format, data not base64, a passcode sent to a prompting agent).
 */
int tokagent_parse(struct tokagent_policy *pol, const struct tokagent_in *in,
    struct tokagent_req *r, struct problem *p);

/* Frees what r holds and zeroes it. */
void tokagent_req_clear(struct tokagent_req *r);

#endif
