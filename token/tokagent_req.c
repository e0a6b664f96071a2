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

/* The index of origin in pol's origins, or -1. */
static int
tokagent_origin_index(const struct tokagent_policy *pol, const char *origin)
{
	size_t i;

	if (origin == NULL || strlen(origin) > TOKAGENT_ORIGIN_MAX)
		return -1;
	for (i = 0; i < pol->norigins && i < TOKAGENT_ORIGINS; i++)
		if (strcmp(origin, pol->origins[i]) == 0)
			return (int)i;
	return -1;
}

/* "true" in a request header (compared without case). */
static int
tokagent_true(const char *v)
{
	return v != NULL && strcasecmp(v, "true") == 0;
}

/* application/json, with parameters or not. */
static int
tokagent_json_type(const char *ct)
{
	static const char want[] = "application/json";
	size_t n = sizeof(want) - 1;

	return ct != NULL && strncasecmp(ct, want, n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* A passcode in the body of a prompting agent: refused. */
static int
tokagent_no_passcode(const struct tokagent_policy *pol,
    const struct tokagent_req *r, struct problem *p)
{
	if (pol->pinentry && r->passcode != NULL)
		return problem_field(p, "passcode",
		    "The token passcode is typed at the agent's own prompt, "
		    "never sent by the page.");
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
	if (tokagent_no_passcode(pol, r, p) == -1)
		return -1;
	r->cms = strcmp(format, "cms") == 0;
	if (tokcmd_unb64(data64, &r->data, &r->len) == -1) {
		problem_field(p, "data", "The data is not base64.");
		return -1;
	}
	return 0;
}

/* {} for passcode and keygen (an empty body is one too). */
static int
tokagent_empty_body(const struct tokagent_policy *pol,
    const unsigned char *body, size_t len, struct tokagent_req *r,
    struct problem *p)
{
	json_error_t jerr;

	if (len == 0)
		return 0;
	if ((r->body = tokagent_body(pol, body, len, p)) == NULL)
		return -1;
	if (json_unpack_ex(r->body, &jerr, JSON_STRICT, "{}") == -1)
		return problem_set(
		    p, 422, "invalid-field", "Invalid field", "%s", jerr.text);
	return 0;
}

/* {"passcode"}; {} for an agent with a pinentry (which asks). */
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
	if (pol->pinentry)
		return tokagent_empty_body(pol, body, len, r, p);
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

/* retrieve: {"activation_code", "password"}; test, renew:
 * {"password"}. */
static int
tokagent_account_body(const struct tokagent_policy *pol,
    const unsigned char *body, size_t len, int code, struct tokagent_req *r,
    struct problem *p)
{
	json_error_t jerr;
	int rc;

	if ((r->body = tokagent_body(pol, body, len, p)) == NULL)
		return -1;
	if (code)
		rc = json_unpack_ex(r->body, &jerr, JSON_STRICT, "{s:s, s:s}",
		    "activation_code", &r->code, "password", &r->password);
	else
		rc = json_unpack_ex(r->body, &jerr, JSON_STRICT, "{s:s}",
		    "password", &r->password);
	if (rc == -1)
		return problem_set(
		    p, 422, "invalid-field", "Invalid field", "%s", jerr.text);
	if (code && r->code[0] == '\0')
		problem_field(p, "activation_code",
		    "Type the activation code from the letter.");
	if (r->password[0] == '\0')
		problem_field(p, "password", "Type the account password.");
	return p->status != 0 ? -1 : 0;
}

/* An OPTIONS: a CORS preflight for GET or POST, recorded. */
static int
tokagent_preflight(struct tokagent_policy *pol, const struct tokagent_in *in,
    int idx, struct tokagent_req *r, struct problem *p)
{
	if (in->acr_method == NULL)
		return problem_set(p, 400, "malformed", "Malformed request",
		    "%s", "An OPTIONS request here is a CORS preflight.");
	if (strcmp(in->acr_method, "GET") != 0 &&
	    strcmp(in->acr_method, "POST") != 0)
		return problem_set(p, 405, "method-not-allowed",
		    "Method not allowed", "%s",
		    "The agent takes GET and POST only.");
	r->op = TOKAGENT_PREFLIGHT;
	r->private_network = tokagent_true(in->acr_private);
	r->local_network = tokagent_true(in->acr_local);
	pol->preflight_at[idx] = in->now;
	return 0;
}

/* A POST that a browser would have preflighted, and whose origin was
 * just now: the preflight is used up (one for each POST). */
static int
tokagent_preflighted(struct tokagent_policy *pol, const struct tokagent_in *in,
    int idx, struct problem *p)
{
	time_t at = pol->preflight_at[idx];

	if (tokagent_json_type(in->content_type))
		pol->preflight_at[idx] = 0;
	if (!tokagent_json_type(in->content_type) || at == 0 || in->now < at ||
	    in->now - at > TOKAGENT_PREFLIGHT_WINDOW) {
		log_warn("agent: refused a request without a preflight", NULL);
		return problem_set(p, 403, "preflight-required",
		    "Preflight required", "%s",
		    "A POST to the agent must be a JSON request that the "
		    "browser preflighted.");
	}
	return 0;
}

int
tokagent_parse(struct tokagent_policy *pol, const struct tokagent_in *in,
    struct tokagent_req *r, struct problem *p)
{
	const char *path = in->path != NULL ? in->path : "";
	const char *method = in->method != NULL ? in->method : "";
	const unsigned char *body = in->body;
	size_t len = in->len;
	int idx, post, rc = 0;

	memset(r, 0, sizeof(*r));
	if (!tokagent_host_ok(pol, in->host)) {
		log_warn("agent: refused a request for another host", NULL);
		return problem_set(p, 403, "host-refused", "Host refused", "%s",
		    "This agent answers on loopback only.");
	}
	if ((idx = tokagent_origin_index(pol, in->origin)) == -1) {
		log_warn("agent: refused a request from an origin not allowed",
		    NULL);
		return problem_set(p, 403, "origin-refused", "Origin refused",
		    "%s", "This page may not use the token.");
	}
	r->origin = in->origin;
	post = strcmp(method, "POST") == 0;
	if (strcmp(method, "OPTIONS") == 0)
		rc = tokagent_preflight(pol, in, idx, r, p);
	else if (post && tokagent_preflighted(pol, in, idx, p) == -1)
		rc = -1;
	else if (strcmp(method, "GET") == 0 &&
	    strcmp(path, "/v1/certificate") == 0)
		r->op = TOKAGENT_CERTIFICATE;
	else if (strcmp(method, "GET") == 0 && strcmp(path, "/v1/status") == 0)
		r->op = TOKAGENT_STATUS;
	else if (post && strcmp(path, "/v1/sign") == 0) {
		r->op = TOKAGENT_SIGN;
		rc = tokagent_sign_body(pol, body, len, r, p);
	} else if (post && strcmp(path, "/v1/unlock") == 0) {
		r->op = TOKAGENT_UNLOCK;
		rc = tokagent_unlock_body(pol, body, len, r, p);
	} else if (post && strcmp(path, "/v1/lock") == 0)
		r->op = TOKAGENT_LOCK;
	else if (post && strcmp(path, "/v1/passcode") == 0) {
		r->op = TOKAGENT_PASSCODE;
		rc = tokagent_empty_body(pol, body, len, r, p);
	} else if (post && strcmp(path, "/v1/keygen") == 0) {
		r->op = TOKAGENT_KEYGEN;
		rc = tokagent_empty_body(pol, body, len, r, p);
	} else if (post && strcmp(path, "/v1/retrieve") == 0) {
		r->op = TOKAGENT_RETRIEVE;
		rc = tokagent_account_body(pol, body, len, 1, r, p);
	} else if (post && strcmp(path, "/v1/test") == 0) {
		r->op = TOKAGENT_TEST;
		rc = tokagent_account_body(pol, body, len, 0, r, p);
	} else if (post && strcmp(path, "/v1/renew") == 0) {
		r->op = TOKAGENT_RENEW;
		rc = tokagent_account_body(pol, body, len, 0, r, p);
	} else
		rc = problem_set(p, 404, "not-found", "Not found", "%s",
		    "No such endpoint.");
	if (rc == -1) {
		tokagent_req_clear(r);
		r->origin = in->origin;
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
