/*
 * Cross-site request forgery defence of the operators' routes
 * (docs/console.md).  A browser sends the operator's client certificate
 * with any request to the operators' listener, whichever site made it; so
 * a state-changing request (any method but GET, HEAD and OPTIONS) that
 * comes from a browser must come from the console itself:
 *
 *   - it carries the console's header "X-Rxca-Console" (a custom header:
 *     another origin cannot send it without a CORS preflight, which this
 *     server never grants), and
 *   - its Origin, if there is one, is the listener's own origin,
 *     "https://" and the Host field, and its Sec-Fetch-Site, if there is
 *     one, is "same-origin".
 *
 * A request is taken as a browser's when it has an Origin or a
 * Sec-Fetch-Site field (every current browser sends one of them on a
 * state-changing request).  A request with neither (curl, the API
 * clients of docs/api.md) is not a browser's and passes: it cannot be forged
 * by another site.  Pure: no I/O.
 */
#ifndef RXCA_CSRF_H
#define RXCA_CSRF_H

#include "api/http/http_parse.h"
#include "common/problem.h"

#define CSRF_HEADER "X-Rxca-Console"

/* 1 if method changes state (not GET, HEAD or OPTIONS), else 0. */
int csrf_state_changing(const char *method);

/*
 * 0 if req may go on, or -1 with p set to 403 "cross-site" (the detail
 * says which check failed).  Only state-changing requests are checked.
 */
int csrf_check(const struct http_request *req, struct problem *p);

#endif
