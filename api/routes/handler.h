/*
 * What a route handler gets and how it answers.  A handler runs on a worker
 * (or, for ROUTE_ON_LOOP routes, on the loop with db NULL), reads the
 * request, and sends exactly one reply with reply_json() or
 * reply_problem().
 */
#ifndef RXCA_HANDLER_H
#define RXCA_HANDLER_H

#include <time.h>

#include <jansson.h>

#include "api/http/http.h"
#include "api/http/router.h"
#include "common/problem.h"

struct app;
struct db;
struct tx;

#define CTX_LOOP_STATE 256 /* bytes of struct ctx's loop_state */

struct ctx {
	struct app *app;           /* server state */
	struct db *db;             /* this worker's; NULL on loop */
	struct http_request *req;  /* borrowed from the connection */
	struct http_response resp; /* the reply being built */
	struct route_match match;  /* route and captures */
	time_t now;                /* the clock at dispatch */
	char session_app[48];      /* applicant session's app */
	char operator_id[32];      /* authenticated operator, or "" */
	char operator_name[72];    /* its name, for logs and audit */
	unsigned operator_roles;   /* OPERATOR_ROLE_* bits */
	char partner_id[32];       /* authenticated partner, or "" */
	char partner_program[72];  /* its program code */
	char partner_key[32];      /* the key id it authenticated with */
	int replied;               /* a reply was set */
	/* What a ROUTE_ON_LOOP handler that did not reply leaves for its
	 * run on a worker (its own layout; POST /ocsp: the parsed request),
	 * so the worker does not redo it. */
	unsigned char loop_state[CTX_LOOP_STATE];
	int has_loop_state; /* loop_state was set */
};

typedef void (*handler_fn)(struct ctx *ctx);

/* Replies with status and body (a new reference, stolen). */
void reply_json(struct ctx *ctx, int status, json_t *body);
/* Replies with p as RFC 9457 problem+json; extra (stolen, may be NULL)
 * adds members such as attempts_left. */
void reply_problem(struct ctx *ctx, const struct problem *p, json_t *extra);
/* The failure end of a handler's unit of work: rolls tx back (tx_abort()),
 * then replies with p as reply_problem() does. */
void reply_tx_problem(
    struct ctx *ctx, struct tx *tx, const struct problem *p, json_t *extra);
/* Replies 303 See Other to location (a URL of rxca's own, without a
 * secret in it: it is kept in the browser's history). */
void reply_redirect(struct ctx *ctx, const char *location);
/* The capture name of the route, or "". */
const char *ctx_param(const struct ctx *ctx, const char *name);
/*
 * The request body as a JSON object: Content-Type must be
 * application/json (415), the body valid JSON without duplicate keys (400)
 * and an object (400).  Returns a new reference or NULL with p set.
 */
json_t *ctx_body(const struct ctx *ctx, struct problem *p);

/*
 * Names every member of obj that is not in keys (NULL-terminated) as an
 * unknown field of p.  Returns -1 if there was one, else 0.
 */
int ctx_known_fields(json_t *obj, const char *const *keys, struct problem *p);

/*
 * The query parameter name of the request, percent-decoded into buf.
 * Returns 1 if present, 0 if absent, or -1 (with a field error in p) if it
 * is malformed, repeated, or longer than bufsz - 1 bytes.
 */
int ctx_query(const struct ctx *ctx, const char *name, char *buf, size_t bufsz,
    struct problem *p);
/* Names every query parameter not in keys (NULL-terminated) in p; -1 if
 * there was one. */
int ctx_known_query(
    const struct ctx *ctx, const char *const *keys, struct problem *p);

#define CTX_SERIAL_LEN 16 /* bytes of a certificate serial */

/* The route's :serial capture (32 lower-case hex digits) into out
 * (CTX_SERIAL_LEN bytes); 0, or -1 with p saying 404. */
int ctx_serial(const struct ctx *ctx, unsigned char *out, struct problem *p);

#endif
