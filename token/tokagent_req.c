#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "token/tokagent_req.h"
#include "token/tokcmd.h"
#include "common/logger.h"

static int
tokagent_host_ok(const struct tokagent_policy *pol, const char *host)
{
	size_t i;

	if (host == NULL)
		return 0;
	for (i = 0; i < TOKAGENT_HOSTS; i++)
		if (strcasecmp(host, pol->hosts[i]) == 0)
			return 1;
	return 0;
}

static int
tokagent_origin_ok(const struct tokagent_policy *pol, const char *origin)
{
	size_t i;

	if (origin == NULL || strlen(origin) > TOKAGENT_ORIGIN_MAX)
		return 0;
	for (i = 0; i < pol->norigins; i++)
		if (strcmp(origin, pol->origins[i]) == 0)
			return 1;
	return 0;
}

/* The JSON body, or NULL with p set. */
static json_t *
tokagent_body(const struct tokagent_policy *pol, const unsigned char *body,
    size_t len, struct problem *p)
{
	json_error_t jerr;
	json_t *j;

	if (len > pol->body_max) {
		problem_set(p, 413, "body-too-large", "Body too large",
		    "The request body is larger than %zu bytes.",
		    pol->body_max);
		return NULL;
	}
	if (len == 0 || body == NULL) {
		problem_set(p, 400, "malformed", "Malformed request",
		    "A JSON body is required.");
		return NULL;
	}
	if ((j = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES,
	         &jerr)) == NULL)
		problem_set(p, 400, "malformed", "Malformed request",
		    "The body is not JSON: %s", jerr.text);
	return j;
}

/* {"data": base64, "passcode"?, "format"?: "cms" or "raw"} */
static int
tokagent_sign_body(const struct tokagent_policy *pol, const unsigned char *body,
    size_t len, struct tokagent_req *r, struct problem *p)
{
	const char *data64 = NULL, *format = "cms";
	json_error_t jerr;

	if ((r->body = tokagent_body(pol, body, len, p)) == NULL)
		return -1;
	if (json_unpack_ex(r->body, &jerr, JSON_STRICT, "{s:s, s?s, s?s}",
	        "data", &data64, "passcode", &r->passcode, "format",
	        &format) == -1) {
		problem_set(
		    p, 422, "invalid-field", "Invalid field", "%s", jerr.text);
		return -1;
	}
	if (strcmp(format, "cms") != 0 && strcmp(format, "raw") != 0) {
		problem_field(p, "format", "The format is cms or raw.");
		return -1;
	}
	r->cms = strcmp(format, "cms") == 0;
	if (tokcmd_unb64(data64, &r->data, &r->len) == -1) {
		problem_field(p, "data", "The data is not base64.");
		return -1;
	}
	return 0;
}

/* {"passcode"} */
static int
tokagent_unlock_body(const struct tokagent_policy *pol,
    const unsigned char *body, size_t len, struct tokagent_req *r,
    struct problem *p)
{
	json_error_t jerr;

	if (pol->unlock_seconds == 0) {
		problem_set(p, 403, "unlock-disabled", "Unlock disabled", "%s",
		    "This agent asks for the passcode with every signature.");
		return -1;
	}
	if ((r->body = tokagent_body(pol, body, len, p)) == NULL)
		return -1;
	if (json_unpack_ex(r->body, &jerr, JSON_STRICT, "{s:s}", "passcode",
	        &r->passcode) == -1) {
		problem_set(
		    p, 422, "invalid-field", "Invalid field", "%s", jerr.text);
		return -1;
	}
	return 0;
}

int
tokagent_parse(const struct tokagent_policy *pol, const char *method,
    const char *path, const char *host, const char *origin,
    const unsigned char *body, size_t len, struct tokagent_req *r,
    struct problem *p)
{
	int post, rc = 0;

	memset(r, 0, sizeof(*r));
	if (!tokagent_host_ok(pol, host)) {
		log_warn("agent: refused a request for another host", NULL);
		return problem_set(p, 403, "host-refused", "Host refused", "%s",
		    "This agent answers on loopback only.");
	}
	if (!tokagent_origin_ok(pol, origin)) {
		log_warn("agent: refused a request from an origin not allowed",
		    NULL);
		return problem_set(p, 403, "origin-refused", "Origin refused",
		    "%s", "This page may not use the token.");
	}
	r->origin = origin;
	if (path == NULL)
		path = "";
	post = strcmp(method, "POST") == 0;
	if (strcmp(method, "OPTIONS") == 0)
		r->op = TOKAGENT_PREFLIGHT;
	else if (strcmp(path, "/v1/certificate") == 0 &&
	    strcmp(method, "GET") == 0)
		r->op = TOKAGENT_CERTIFICATE;
	else if (strcmp(path, "/v1/sign") == 0 && post) {
		r->op = TOKAGENT_SIGN;
		rc = tokagent_sign_body(pol, body, len, r, p);
	} else if (strcmp(path, "/v1/unlock") == 0 && post) {
		r->op = TOKAGENT_UNLOCK;
		rc = tokagent_unlock_body(pol, body, len, r, p);
	} else if (strcmp(path, "/v1/lock") == 0 && post)
		r->op = TOKAGENT_LOCK;
	else
		rc = problem_set(p, 404, "not-found", "Not found", "%s",
		    "No such endpoint.");
	if (rc == -1) {
		tokagent_req_clear(r);
		r->origin = origin;
	}
	return rc;
}

void
tokagent_req_clear(struct tokagent_req *r)
{
	json_decref(r->body);
	free(r->data);
	memset(r, 0, sizeof(*r));
}
