/*
 * Matching a method and a raw path against one route table.  Patterns are
 * literal segments and ":name" captures ("/v1/applications/:id"); a last
 * segment "*name" captures the rest of the path, slashes included (the
 * OCSP GET route: "/ocsp/" then a star and "request").  Paths are matched
 * as received: no slash collapsing, no decoding, so a capture
 * holds exactly the bytes of its segment.
 */
#ifndef RXCA_ROUTER_H
#define RXCA_ROUTER_H

#include <stddef.h>

#define ROUTER_MAX_PARAMS    4
#define ROUTER_MAX_SEGMENT   256  /* bytes of a ":name" capture, exclusive */
#define ROUTER_MAX_PARAM_LEN 1024 /* bytes of a "*name" capture, exclusive */

/* Any function; the caller casts it back to its own handler type. */
typedef void (*route_fn)(void);

struct route {
	const char *method;  /* "GET", "POST", ... */
	const char *pattern; /* "/v1/applications/:id" */
	const char *name;    /* label for metrics and logs */
	int flags;           /* ROUTE_* */
	route_fn handler;    /* what the caller runs */
};

#define ROUTE_ON_LOOP  0x01 /* cheap, no database: answer on the loop */
#define ROUTE_SESSION  0x02 /* needs an applicant session */
#define ROUTE_OPERATOR 0x04 /* needs an operator (client certificate) */
/* With ROUTE_SESSION: an operator's client certificate also does. */
#define ROUTE_OR_OPERATOR 0x08
/* A ROUTE_ON_LOOP handler that does not reply is run again on a worker
 * (ctx->db set); with ROUTE_NO_DB the worker does not need the database. */
#define ROUTE_NO_DB 0x10
/* Needs a partner API key (Authorization: Bearer rxp_...). */
#define ROUTE_PARTNER 0x20
/* Hashes a password or secret answers (Argon2id): runs on the small hash
 * pool, so other requests never queue behind it. */
#define ROUTE_HASHES 0x40
/* Which listener answers (docs/console.md): the portal's pages only the
 * public one (plain HTTP), the console's only the operators' (HTTPS with
 * client certificates); elsewhere the route is 404. */
#define ROUTE_PUBLIC_ONLY   0x80
#define ROUTE_OPERATOR_ONLY 0x10000
/* The operator roles a ROUTE_OPERATOR route accepts (OPERATOR_ROLE_*). */
#define ROUTE_ROLES(r)    ((r) << 8)
#define ROUTE_ROLES_OF(f) (((unsigned)(f) >> 8) & 0xffu)

struct route_match {
	const struct route *route;         /* the route found */
	int nparams;                       /* captures used */
	char names[ROUTER_MAX_PARAMS][32]; /* capture names */
	char values[ROUTER_MAX_PARAMS][ROUTER_MAX_PARAM_LEN]; /* bytes */
};

/*
 * Finds the route for method and path in table[0..n).  Returns 200 with m
 * filled, 404 if no pattern matches the path, or 405 if patterns match but
 * not for this method; then allow gets the comma-separated methods that
 * would be accepted.  HEAD matches GET routes.
 */
int router_match(const struct route *table, size_t n, const char *method,
    const char *path, struct route_match *m, char *allow, size_t allowsz);

/* The value of capture name, or NULL. */
const char *router_param(const struct route_match *m, const char *name);

#endif
