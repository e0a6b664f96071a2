#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "common/logger.h"
#include "common/problem.h"

/* Sorted by slug, then status (problem_type_find searches it). */
static const struct problem_type registry[] = {
    {"account-locked", 403, "Account locked"},
    {"already-approved", 409, "Already approved"},
    {"already-decided", 409, "Already decided"},
    {"already-linked", 409, "Already linked"},
    {"already-renewed", 409, "Already renewed"},
    {"already-retrieved", 409, "Already retrieved"},
    {"answer-too-large", 502, "Answer too large"},
    {"approval-decided", 409, "Approval decided"},
    {"approval-expired", 410, "Approval expired"},
    {"approval-pending", 409, "Approval pending"},
    {"approvals-not-offered", 409, "Approvals not offered"},
    {"approver-not-approved", 403, "Approver not approved"},
    {"approver-not-eligible", 403, "Approver not eligible"},
    {"bad-answer", 502, "Unexpected answer"},
    {"bad-certificate", 502, "Wrong certificate"},
    {"bad-chain", 502, "Chain does not verify"},
    {"body-too-large", 413, "Body too large"},
    {"busy", 503, "Try again"},
    {"ca-exists", 409, "CA exists"},
    {"ca-not-initialised", 409, "CA not initialised"},
    {"ca-not-initialised", 503, "CA not initialised"},
    {"ca-unavailable", 503, "CA unavailable"},
    {"certificate-expired", 410, "Certificate expired"},
    {"certificate-expired", 422, "Certificate expired"},
    {"certificate-mismatch", 409, "Certificate mismatch"},
    {"certificate-not-yet-valid", 422, "Certificate not yet valid"},
    {"certificate-revoked", 409, "Certificate revoked"},
    {"certificate-revoked", 422, "Certificate revoked"},
    {"challenge-gone", 410, "Challenge gone"},
    {"challenge-replayed", 409, "Challenge replayed"},
    {"challenge-stale", 422, "Challenge not fresh"},
    {"choose-application", 409, "Several applications"},
    {"code-expired", 410, "Code expired"},
    {"conflict", 409, "Conflict"},
    {"credential-not-eligible", 422, "Credential not eligible"},
    {"cross-site", 403, "Cross-site request refused"},
    {"file-exists", 409, "File exists"},
    {"forbidden", 403, "Forbidden"},
    {"host-refused", 403, "Host refused"},
    {"https-required", 403, "HTTPS required"},
    {"idempotency-key-reused", 409, "Idempotency key reused"},
    {"internal", 500, "Internal error"},
    {"invalid-credentials", 401, "Not accepted"},
    {"invalid-field", 422, "Invalid field"},
    {"invalid-mail", 422, "Invalid mail"},
    {"invalid-transition", 409, "Not allowed now"},
    {"invitation-expired", 410, "Invitation expired"},
    {"invitation-required", 403, "Invitation required"},
    {"key-already-certified", 409, "Key already certified"},
    {"key-file-error", 500, "Key file error"},
    {"key-missing", 409, "No key yet"},
    {"kit-expired", 410, "Kit expired"},
    {"kit-locked", 403, "Kit locked"},
    {"kit-not-printed", 409, "Kit not printed"},
    {"kit-not-shipped", 409, "Not shipped yet"},
    {"kit-used", 409, "Kit used"},
    {"label-ambiguous", 409, "Ambiguous label"},
    {"label-exists", 409, "Label exists"},
    {"lapsed", 410, "Application lapsed"},
    {"last-key", 409, "Last key"},
    {"link-disabled", 409, "Link disabled"},
    {"lint-failed", 500, "Certificate lint failed"},
    {"malformed", 400, "Malformed request"},
    {"malformed-json", 400, "Malformed JSON"},
    {"malformed-request", 400, "Malformed OCSP request"},
    {"method-not-allowed", 405, "Method not allowed"},
    {"migration-changed", 409, "Migration changed"},
    {"migration-failed", 500, "Migration failed"},
    {"migration-order", 409, "Migration out of order"},
    {"no-certificate", 404, "No certificate"},
    {"no-code", 409, "No code yet"},
    {"no-key-file", 404, "No key file"},
    {"not-a-key-file", 422, "Not a key file"},
    {"not-dead", 409, "Not dead"},
    {"not-decided", 409, "Not decided"},
    {"not-expired", 409, "Not expired"},
    {"not-found", 404, "Not found"},
    {"not-in-review", 409, "Not in review"},
    {"not-issued", 409, "Not usable"},
    {"not-offered", 403, "Not offered"},
    {"not-pending", 409, "Not waiting for a code"},
    {"not-refundable", 409, "Nothing to refund"},
    {"oidc-not-offered", 409, "OpenID proofing not offered"},
    {"oidc-provider-error", 502, "OpenID provider error"},
    {"oidc-refused", 422, "Sign-in at the provider refused"},
    {"oidc-state-invalid", 400, "Unknown or used sign-in"},
    {"oidc-token-invalid", 502, "ID token refused"},
    {"origin-refused", 403, "Origin refused"},
    {"outside-window", 409, "Not yet"},
    {"passcode-initial", 403, "Initial passcode unchanged"},
    {"passcode-required", 401, "Passcode required"},
    {"passkey-challenge-invalid", 400, "Unknown, used or expired challenge"},
    {"passkey-invalid", 422, "Passkey response refused"},
    {"passkey-not-accepted", 422, "Authenticator not accepted"},
    {"passkey-not-active", 409, "Passkey not active"},
    {"passkey-not-offered", 409, "Passkeys not offered"},
    {"payment-declined", 402, "Payment declined"},
    {"pin-expired", 403, "PIN expired"},
    {"pin-locked", 403, "PIN locked"},
    {"pinentry-cancelled", 403, "Prompt cancelled"},
    {"pinentry-failed", 503, "Prompt unavailable"},
    {"preflight-required", 403, "Preflight required"},
    {"price-changed", 409, "Price changed"},
    {"provider-error", 502, "Provider error"},
    {"provider-garbage", 502, "Provider answer refused"},
    {"provider-unavailable", 503, "Provider unavailable"},
    {"rate-limited", 429, "Too many requests"},
    {"renewal-conflict", 409, "Try again"},
    {"resend-too-soon", 429, "Too soon"},
    {"reset-refused", 401, "Not accepted"},
    {"retrieval-conflict", 409, "Try again"},
    {"same-operator", 403, "Same operator"},
    {"sandbox-ca-unavailable", 503, "Sandbox CA unavailable"},
    {"self-approval", 403, "Self-approval"},
    {"server-refused", 0, "The server refused"},
    {"server-unreachable", 503, "Server unreachable"},
    {"signature-invalid", 422, "Signature not valid"},
    {"signature-refused", 403, "Signature refused"},
    {"smtp-unavailable", 503, "Mail unavailable"},
    {"stopping", 503, "Server stopping"},
    {"superseded", 409, "Superseded"},
    {"token-ambiguous", 409, "Several tokens"},
    {"token-error", 502, "Token error"},
    {"token-full", 507, "Token full"},
    {"token-in-use", 409, "Token in use"},
    {"token-locked", 403, "Token locked"},
    {"token-not-found", 404, "Token not found"},
    {"token-not-logged-in", 401, "Not logged in"},
    {"token-unavailable", 503, "Token unavailable"},
    {"too-many-applications", 429, "Too many applications"},
    {"too-many-attempts", 429, "Too many attempts"},
    {"too-many-challenges", 429, "Too many challenges"},
    {"too-many-mails", 429, "Too many mails"},
    {"too-many-resends", 429, "Too many resends"},
    {"tsa-refused", 502, "Time-stamp refused"},
    {"unauthenticated", 401, "Authentication failed"},
    {"unavailable", 503, "Service unavailable"},
    {"unexpected-body", 400, "Unexpected body"},
    {"unlock-disabled", 403, "Unlock disabled"},
    {"unlock-refused", 401, "Not accepted"},
    {"unsupported-key", 422, "Unsupported key"},
    {"unsupported-media-type", 415, "Unsupported media type"},
    {"untrusted-certificate", 422, "Not an rxca certificate"},
    {"wrong-passcode", 401, "Wrong passcode"},
    {"wrong-passphrase", 401, "Wrong passphrase"},
    {"wrong-pin", 401, "Wrong PIN"},
};

static int
type_cmp(const char *slug, int status, const struct problem_type *t)
{
	int c = strcmp(slug, t->slug);

	if (c != 0)
		return c;
	return status < t->status ? -1 : status > t->status;
}

static const struct problem_type *
type_search(const char *slug, int status)
{
	size_t lo = 0, hi = sizeof(registry) / sizeof(registry[0]), mid;
	int c;

	if (slug == NULL)
		return NULL;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = type_cmp(slug, status, &registry[mid]);
		if (c == 0)
			return &registry[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct problem_type *
problem_type_find(const char *slug, int status)
{
	const struct problem_type *t = type_search(slug, status);

	return t != NULL ? t : type_search(slug, 0);
}

const struct problem_type *
problem_types(size_t *n)
{
	*n = sizeof(registry) / sizeof(registry[0]);
	return registry;
}

void
problem_clear(struct problem *p)
{
	memset(p, 0, sizeof(*p));
}

static void
copy_str(char *dst, size_t dstsz, const char *src)
{
	snprintf(dst, dstsz, "%s", src);
}

int
problem_set(struct problem *p, int status, const char *type, const char *title,
    const char *fmt, ...)
{
	const struct problem_type *t = problem_type_find(type, status);
	va_list ap;

	if (t != NULL)
		title = t->title;
	else
		log_error("problem type not registered", "type=%s status=%d",
		    type, status);
	p->status = status;
	copy_str(p->type, sizeof(p->type), type);
	copy_str(p->title, sizeof(p->title), title);
	va_start(ap, fmt);
	vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
	va_end(ap);
	return -1;
}

int
problem_field(struct problem *p, const char *field, const char *fmt, ...)
{
	struct problem_field *f;
	va_list ap;

	if (p->status == 0)
		problem_set(p, 422, "invalid-field", "Invalid field",
		    "One or more fields are invalid.");
	if (p->nfields >= BOUND_FIELD_ERRORS)
		return -1;
	f = &p->fields[p->nfields++];
	copy_str(f->field, sizeof(f->field), field);
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
	return -1;
}

int
problem_invalid(struct problem *p, const char *field, const char *msg)
{
	return problem_field(p, field, "%s", msg);
}

int
problem_internal(struct problem *p)
{
	return problem_set(p, 500, "internal", "Internal error",
	    "The server could not complete the request.");
}

int
problem_unavailable(struct problem *p)
{
	problem_set(p, 503, "unavailable", "Service unavailable",
	    "The database is unreachable; try again shortly.");
	p->retry_after = 5;
	return -1;
}

char *
problem_json(const struct problem *p, const char *title, struct json_t *extra)
{
	json_t *o, *errs;
	char type[128];
	char *text = NULL;
	int i;

	snprintf(type, sizeof(type), PROBLEM_TYPE_BASE "%s",
	    p->type[0] != '\0' ? p->type : "internal");
	o = json_pack("{s:s, s:s, s:i, s:s}", "type", type, "title",
	    p->title[0] != '\0' ? p->title : (title != NULL ? title : ""),
	    "status", p->status != 0 ? p->status : 500, "detail", p->detail);
	if (o != NULL && p->nfields > 0) {
		errs = json_array();
		for (i = 0; i < p->nfields; i++)
			json_array_append_new(errs,
			    json_pack("{s:s, s:s}", "field", p->fields[i].field,
			        "message", p->fields[i].message));
		json_object_set_new(o, "errors", errs);
	}
	if (o != NULL && extra != NULL)
		json_object_update(o, extra);
	json_decref(extra);
	if (o != NULL)
		text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}
