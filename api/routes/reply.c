#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/routes/handler.h"
#include "api/store/tx.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/percent.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

/* Replies text (taken; NULL: it could not be encoded). */
static void
reply_text(struct ctx *ctx, int status, const char *ctype, char *text)
{
	struct problem p;

	if (text == NULL) {
		/* only invalid UTF-8 from the database can get here */
		log_error("reply could not be encoded", "status=%d", status);
		problem_clear(&p);
		problem_set(&p, 500, "internal", "Internal error",
		    "The reply could not be encoded.");
		status = 500;
		ctype = "application/problem+json";
		if ((text = problem_json(&p, NULL, NULL)) == NULL)
			abort();
	}
	ctx->resp.status = status;
	http_response_take_body(&ctx->resp, ctype, text, strlen(text));
}

static void
reply_body(struct ctx *ctx, int status, const char *ctype, json_t *body)
{
	char *text;

	if (ctx->replied) {
		json_decref(body);
		return;
	}
	ctx->replied = 1;
	text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	reply_text(ctx, status, ctype, text);
}

void
reply_json(struct ctx *ctx, int status, json_t *body)
{
	reply_body(ctx, status, "application/json", body);
}

void
reply_redirect(struct ctx *ctx, const char *location)
{
	if (ctx->replied)
		return;
	ctx->replied = 1;
	ctx->resp.status = 303;
	http_response_add_header(&ctx->resp, "Location", location);
	http_response_add_header(&ctx->resp, "Referrer-Policy", "no-referrer");
}

void
reply_problem(struct ctx *ctx, const struct problem *p, json_t *extra)
{
	struct problem internal;
	char ra[16];
	int status;

	/* a failure that set no problem is the server's own */
	if (p->status == 0) {
		problem_clear(&internal);
		problem_internal(&internal);
		p = &internal;
	}
	status = p->status;

	if (p->retry_after > 0) {
		snprintf(ra, sizeof(ra), "%d", p->retry_after);
		http_response_add_header(&ctx->resp, "Retry-After", ra);
	}
	if (status == 401)
		http_response_add_header(
		    &ctx->resp, "WWW-Authenticate", "Bearer realm=\"rxca\"");
	if (ctx->replied) {
		json_decref(extra);
		return;
	}
	ctx->replied = 1;
	reply_text(ctx, status, "application/problem+json",
	    problem_json(p, http_status_text(status), extra));
}

void
reply_tx_problem(
    struct ctx *ctx, struct tx *tx, const struct problem *p, json_t *extra)
{
	tx_abort(tx);
	reply_problem(ctx, p, extra);
}

const char *
ctx_param(const struct ctx *ctx, const char *name)
{
	const char *v = router_param(&ctx->match, name);

	return v != NULL ? v : "";
}

json_t *
ctx_body(const struct ctx *ctx, struct problem *p)
{
	const char *ct;
	json_error_t err;
	json_t *j;
	size_t n;

	ct = http_request_header(ctx->req, "Content-Type");
	n = strlen("application/json");
	if (ct == NULL || strncasecmp(ct, "application/json", n) != 0 ||
	    (ct[n] != '\0' && ct[n] != ';' && ct[n] != ' ')) {
		problem_set(p, 415, "unsupported-media-type",
		    "Unsupported media type",
		    "The body must be application/json.");
		return NULL;
	}
	if (ctx->req->body == NULL || ctx->req->body_len == 0) {
		problem_set(p, 400, "malformed-json", "Malformed JSON",
		    "The request has no body.");
		return NULL;
	}
	j = json_loadb((const char *)ctx->req->body, ctx->req->body_len,
	    JSON_REJECT_DUPLICATES, &err);
	if (j == NULL) {
		problem_set(p, 400, "malformed-json", "Malformed JSON",
		    "%s (line %d, column %d)", err.text, err.line, err.column);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		problem_set(p, 400, "malformed-json", "Malformed JSON",
		    "The body must be a JSON object.");
		return NULL;
	}
	return j;
}

int
ctx_known_fields(json_t *obj, const char *const *keys, struct problem *p)
{
	const char *key;
	json_t *v;
	size_t i;
	int rc = 0;

	json_object_foreach(obj, key, v)
	{
		for (i = 0; keys[i] != NULL && strcmp(keys[i], key) != 0; i++)
			continue;
		if (keys[i] == NULL)
			rc = problem_field(p, key, "unknown field");
	}
	return rc;
}

int
ctx_query(const struct ctx *ctx, const char *name, char *buf, size_t bufsz,
    struct problem *p)
{
	const char *q = ctx->req->query, *eq;
	size_t n, kl = strlen(name);
	int found = 0;

	buf[0] = '\0';
	while (q != NULL && *q != '\0') {
		n = strcspn(q, "&");
		eq = memchr(q, '=', n);
		if ((eq != NULL ? (size_t)(eq - q) : n) == kl &&
		    strncmp(q, name, kl) == 0) {
			if (found++ ||
			    percent_decode(eq != NULL ? eq + 1 : q + n,
			        eq != NULL ? n - kl - 1 : 0, 1, buf,
			        bufsz) == -1)
				return problem_field(
				    p, name, "malformed, repeated or too long");
		}
		q += n;
		if (*q == '&')
			q++;
	}
	return found ? 1 : 0;
}

int
ctx_known_query(
    const struct ctx *ctx, const char *const *keys, struct problem *p)
{
	const char *q = ctx->req->query, *eq;
	char name[64];
	size_t n, kl, i;
	int rc = 0;

	while (q != NULL && *q != '\0') {
		n = strcspn(q, "&");
		eq = memchr(q, '=', n);
		kl = eq != NULL ? (size_t)(eq - q) : n;
		for (i = 0; keys[i] != NULL; i++)
			if (strlen(keys[i]) == kl &&
			    strncmp(keys[i], q, kl) == 0)
				break;
		if (keys[i] == NULL && n > 0) {
			if (percent_decode(q, kl, 1, name, sizeof(name)) == -1)
				snprintf(name, sizeof(name), "(unreadable)");
			rc = problem_field(p, name, "unknown parameter");
		}
		q += n;
		if (*q == '&')
			q++;
	}
	return rc;
}

int
ctx_serial(const struct ctx *ctx, unsigned char *out, struct problem *p)
{
	if (digest_unhex(ctx_param(ctx, "serial"), out, CTX_SERIAL_LEN) == 0)
		return 0;
	return problem_set(p, 404, "not-found", "Not found",
	    "No such certificate (serials are 32 lower-case hex digits).");
}
