#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/http/csrf.h"

#define CSRF_ORIGIN_MAX 300 /* bytes of "https://" and a Host at most */

int
csrf_state_changing(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
	    strcmp(method, "OPTIONS") != 0;
}

static int
refuse(struct problem *p, const char *why)
{
	return problem_set(p, 403, "cross-site", "Cross-site request refused",
	    "%s: a state-changing operator request from a browser must "
	    "come from the console (docs/console.md).",
	    why);
}

int
csrf_check(const struct http_request *req, struct problem *p)
{
	const char *origin = http_request_header(req, "Origin");
	const char *site = http_request_header(req, "Sec-Fetch-Site");
	const char *host = http_request_header(req, "Host");
	char own[CSRF_ORIGIN_MAX];
	int n;

	if (!csrf_state_changing(req->method))
		return 0;
	if (origin == NULL && site == NULL)
		return 0; /* not a browser: nothing can ride on it */
	if (http_request_header(req, CSRF_HEADER) == NULL)
		return refuse(p, "no " CSRF_HEADER " header");
	if (site != NULL && strcmp(site, "same-origin") != 0)
		return refuse(p, "Sec-Fetch-Site is not same-origin");
	if (origin == NULL)
		return 0;
	if (host == NULL || host[0] == '\0')
		return refuse(p, "no Host to compare the Origin with");
	n = snprintf(
	    own, sizeof(own), "%s://%s", req->tls ? "https" : "http", host);
	if (n < 0 || (size_t)n >= sizeof(own) || strcasecmp(origin, own) != 0)
		return refuse(p, "the Origin is another site");
	return 0;
}
