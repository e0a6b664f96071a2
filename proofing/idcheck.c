#include <string.h>

#include <jansson.h>

#include "common/xmalloc.h"
#include "proofing/idcheck.h"

static const char *const idv_names[] = {"pass", "fail", "review"};
static const char *const avs_names[] = {
    "match", "partial", "no_match", "unavailable"};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *
idcheck_idv_name(enum idv_decision d)
{
	return (size_t)d < NELEM(idv_names) ? idv_names[d] : "unknown";
}

const char *
idcheck_avs_name(enum avs_result r)
{
	return (size_t)r < NELEM(avs_names) ? avs_names[r] : "unknown";
}

static int
find_name(const char *const *names, size_t n, const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

int
idcheck_idv_parse_name(const char *name, enum idv_decision *out)
{
	int i = find_name(idv_names, NELEM(idv_names), name);

	if (i < 0)
		return -1;
	*out = (enum idv_decision)i;
	return 0;
}

int
idcheck_avs_parse_name(const char *name, enum avs_result *out)
{
	int i = find_name(avs_names, NELEM(avs_names), name);

	if (i < 0)
		return -1;
	*out = (enum avs_result)i;
	return 0;
}

static json_t *
str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
address(const struct idcheck_subject *s)
{
	return json_pack("{s:s, s:o, s:s, s:o, s:s, s:s}", "line1", s->line1,
	    "line2", str_or_null(s->line2), "city", s->city, "state",
	    str_or_null(s->state), "postal_code", s->postal_code, "country",
	    s->country);
}

/* Serialises and frees o; NULL if o is NULL (a required field missing). */
static char *
dump(json_t *o)
{
	char *text, *copy;

	if (o == NULL)
		return NULL;
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (text == NULL)
		return NULL;
	copy = xstrdup(text);
	memset(text, 0, strlen(text));
	free(text);
	return copy;
}

char *
idcheck_idv_request(const struct idcheck_subject *s, const char *request_id)
{
	json_t *o;

	o = json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:o, s:s}",
	    "request_id", request_id, "given_name", s->given_name,
	    "middle_name", str_or_null(s->middle_name), "family_name",
	    s->family_name, "date_of_birth", s->date_of_birth, "email",
	    s->email, "phone", s->phone, "address", address(s), "ssn_last4",
	    s->ssn_last4);
	return dump(o);
}

char *
idcheck_avs_request(const struct idcheck_subject *s, const char *request_id)
{
	return dump(json_pack("{s:s, s:s, s:o}", "request_id", request_id,
	    "card_token", s->card_token, "address", address(s)));
}

static int
garbage(struct problem *p, const char *why)
{
	return problem_set(
	    p, 502, "provider-garbage", "Provider answer refused", "%s", why);
}

static int
reason_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > IDCHECK_REASON_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		        (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* Loads an answer: an object, within the size bound, no duplicate keys. */
static json_t *
load(const char *body, size_t len, struct problem *p)
{
	json_error_t err;
	json_t *j;

	if (body == NULL || len == 0) {
		garbage(p, "the answer is empty");
		return NULL;
	}
	if (len > IDCHECK_MAX_ANSWER) {
		garbage(p, "the answer is too large");
		return NULL;
	}
	/* jansson 2.14 skips a NUL right after a number or literal. */
	if (memchr(body, '\0', len) != NULL) {
		garbage(p, "the answer holds a NUL byte");
		return NULL;
	}
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL) {
		garbage(p, "the answer is not JSON");
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		garbage(p, "the answer is not a JSON object");
		return NULL;
	}
	return j;
}

int
idcheck_idv_parse(const char *body, size_t len, const char *request_id,
    struct idv_answer *out, struct problem *p)
{
	json_error_t err;
	json_t *j, *reasons = NULL, *v;
	const char *rid = NULL, *decision = NULL;
	json_int_t score = -1;
	size_t i;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((j = load(body, len, p)) == NULL)
		return -1;
	if (json_unpack_ex(j, &err, JSON_STRICT, "{s:s, s:s, s:I, s:o}",
	        "request_id", &rid, "decision", &decision, "score", &score,
	        "reasons", &reasons) == -1) {
		garbage(p, "the answer does not have the contract's shape");
		goto out;
	}
	if (strcmp(rid, request_id) != 0) {
		garbage(p, "the answer is for another request");
		goto out;
	}
	if (idcheck_idv_parse_name(decision, &out->decision) == -1) {
		garbage(p, "unknown decision");
		goto out;
	}
	if (score < 0 || score > 100) {
		garbage(p, "score out of range");
		goto out;
	}
	out->score = (int)score;
	if (!json_is_array(reasons) ||
	    json_array_size(reasons) > IDCHECK_MAX_REASONS) {
		garbage(p, "reasons must be a short array");
		goto out;
	}
	json_array_foreach(reasons, i, v)
	{
		if (!json_is_string(v) || !reason_ok(json_string_value(v))) {
			garbage(p, "a reason code is malformed");
			goto out;
		}
		memcpy(out->reasons[i], json_string_value(v),
		    strlen(json_string_value(v)) + 1);
		out->nreasons = (int)i + 1;
	}
	rc = 0;
out:
	if (rc == -1)
		memset(out, 0, sizeof(*out));
	json_decref(j);
	return rc;
}

int
idcheck_avs_parse(const char *body, size_t len, const char *request_id,
    enum avs_result *out, struct problem *p)
{
	json_error_t err;
	json_t *j;
	const char *rid = NULL, *result = NULL;
	int rc = -1;

	if ((j = load(body, len, p)) == NULL)
		return -1;
	if (json_unpack_ex(j, &err, JSON_STRICT, "{s:s, s:s}", "request_id",
	        &rid, "result", &result) == -1) {
		garbage(p, "the answer does not have the contract's shape");
		goto out;
	}
	if (strcmp(rid, request_id) != 0) {
		garbage(p, "the answer is for another request");
		goto out;
	}
	if (idcheck_avs_parse_name(result, out) == -1) {
		garbage(p, "unknown result");
		goto out;
	}
	rc = 0;
out:
	json_decref(j);
	return rc;
}
