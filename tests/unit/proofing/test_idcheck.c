/* Unit tests of proofing/idcheck.c: the request bodies hold exactly the
 * contract's keys, good answers parse, and every hostile answer in
 * tests/data/providers/ (from RXCA_TEST_DATA) or built here is refused
 * with 502 provider-garbage. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <jansson.h>

#include "proofing/idcheck.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

#define RID "req-1"

enum parser { IDV, AVS };

/* The hostile answers of tests/data/providers/, all for request RID. */
static const struct {
	const char *file;
	enum parser parser;
} hostile[] = {
    {"idv_empty.json", IDV},
    {"idv_whitespace.json", IDV},
    {"idv_not_json.json", IDV},
    {"idv_null.json", IDV},
    {"idv_string.json", IDV},
    {"idv_array.json", IDV},
    {"idv_truncated.json", IDV},
    {"idv_trailing_garbage.json", IDV},
    {"idv_two_objects.json", IDV},
    {"idv_duplicate_key.json", IDV},
    {"idv_missing_request_id.json", IDV},
    {"idv_missing_decision.json", IDV},
    {"idv_missing_score.json", IDV},
    {"idv_missing_reasons.json", IDV},
    {"idv_extra_key.json", IDV},
    {"idv_score_string.json", IDV},
    {"idv_score_float.json", IDV},
    {"idv_score_exponent.json", IDV},
    {"idv_score_bool.json", IDV},
    {"idv_score_null.json", IDV},
    {"idv_score_negative.json", IDV},
    {"idv_score_101.json", IDV},
    {"idv_score_wraps_int.json", IDV},
    {"idv_score_overflow.json", IDV},
    {"idv_decision_number.json", IDV},
    {"idv_decision_null.json", IDV},
    {"idv_decision_unknown.json", IDV},
    {"idv_decision_uppercase.json", IDV},
    {"idv_request_id_other.json", IDV},
    {"idv_request_id_prefix.json", IDV},
    {"idv_request_id_number.json", IDV},
    {"idv_request_id_escaped_nul.json", IDV},
    {"idv_reasons_object.json", IDV},
    {"idv_reasons_string.json", IDV},
    {"idv_reasons_null.json", IDV},
    {"idv_reasons_17.json", IDV},
    {"idv_reason_number.json", IDV},
    {"idv_reason_uppercase.json", IDV},
    {"idv_reason_space.json", IDV},
    {"idv_reason_hyphen.json", IDV},
    {"idv_reason_newline.json", IDV},
    {"idv_reason_non_ascii.json", IDV},
    {"idv_reason_49_chars.json", IDV},
    {"idv_reason_empty.json", IDV},
    {"idv_invalid_utf8.json", IDV},
    {"idv_deep_nesting.json", IDV},
    {"idv_nested_reasons.json", IDV},
    {"avs_empty.json", AVS},
    {"avs_not_json.json", AVS},
    {"avs_array.json", AVS},
    {"avs_truncated.json", AVS},
    {"avs_duplicate_key.json", AVS},
    {"avs_missing_result.json", AVS},
    {"avs_missing_request_id.json", AVS},
    {"avs_extra_key.json", AVS},
    {"avs_result_unknown.json", AVS},
    {"avs_result_uppercase.json", AVS},
    {"avs_result_number.json", AVS},
    {"avs_result_null.json", AVS},
    {"avs_request_id_other.json", AVS},
    {"avs_idv_answer.json", AVS},
};

static const struct idcheck_subject full = {
    .given_name = "Ada",
    .middle_name = "Augusta",
    .family_name = "Lovelace",
    .date_of_birth = "1985-12-10",
    .email = "ada@example.org",
    .phone = "+15555550100",
    .line1 = "12 Analytical Way",
    .line2 = "Suite 3",
    .city = "Springfield",
    .state = "IL",
    .postal_code = "62701",
    .country = "US",
    .ssn_last4 = "1234",
    .card_token = "tok_visa_4242",
};

/* As full, without the optional parts. */
static const struct idcheck_subject bare = {
    .given_name = "Grace",
    .middle_name = NULL,
    .family_name = "Hopper",
    .date_of_birth = "1976-12-09",
    .email = "grace@example.org",
    .phone = "+4915112345678",
    .line1 = "1 Hauptstrasse",
    .line2 = NULL,
    .city = "Berlin",
    .state = NULL,
    .postal_code = "10115",
    .country = "DE",
    .ssn_last4 = "0000",
    .card_token = "tok_mc_5454",
};

static const char *
data_dir(void)
{
	const char *dir;

	if ((dir = getenv("RXCA_TEST_DATA")) == NULL)
		dir = "tests/data";
	return dir;
}

/* The bytes of providers/name in *len; caller frees; NULL if unreadable. */
static char *
read_answer(const char *name, size_t *len)
{
	char path[1024], *buf = NULL;
	FILE *f = NULL;
	long n;

	snprintf(path, sizeof(path), "%s/providers/%s", data_dir(), name);
	if ((f = fopen(path, "rb")) == NULL)
		goto fail;
	if (fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1)
		goto fail;
	/* one spare byte, so that an empty file is not a NULL pointer */
	if ((buf = malloc((size_t)n + 1)) == NULL)
		goto fail;
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		goto fail;
	fclose(f);
	*len = (size_t)n;
	return buf;
fail:
	fprintf(stderr, "\ncannot read %s\n", path);
	free(buf);
	if (f != NULL)
		fclose(f);
	return NULL;
}

/* Parses body with parser, for request RID; returns what the parser did. */
static int
parse(enum parser parser, const char *body, size_t len, struct problem *p)
{
	struct idv_answer idv;
	enum avs_result avs;

	problem_clear(p);
	if (parser == IDV)
		return idcheck_idv_parse(body, len, RID, &idv, p);
	return idcheck_avs_parse(body, len, RID, &avs, p);
}

/* Asserts that body is refused as provider garbage; what names the case. */
static void
assert_refused(
    enum parser parser, const char *body, size_t len, const char *what)
{
	struct problem p;
	int rc, ok;

	rc = parse(parser, body, len, &p);
	ok = rc == -1 && p.status == 502 &&
	    strcmp(p.type, "provider-garbage") == 0 && p.detail[0] != '\0';
	if (!ok)
		fprintf(stderr, "\n%s: rc %d, status %d, type \"%s\"\n", what,
		    rc, p.status, p.type);
	CU_ASSERT(ok);
}

/* The object parsed from a request body: NUL-terminated JSON text, no
 * duplicate keys.  NULL if it is not that. */
static json_t *
load_request(const char *body)
{
	json_error_t err;
	json_t *j;

	if (body == NULL)
		return NULL;
	j = json_loads(body, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL)
		fprintf(stderr, "\nrequest is not JSON: %s\n", err.text);
	return j;
}

/* Asserts that j is the address of s, with exactly the contract's keys. */
static void
check_address(json_t *j, const struct idcheck_subject *s)
{
	json_error_t err;
	json_t *line2 = NULL, *state = NULL;
	const char *line1 = NULL, *city = NULL, *postal_code = NULL;
	const char *country = NULL;

	CU_ASSERT_FATAL(json_is_object(j));
	CU_ASSERT_EQUAL(json_object_size(j), 6);
	CU_ASSERT_EQUAL_FATAL(
	    json_unpack_ex(j, &err, JSON_STRICT,
	        "{s:s, s:o, s:s, s:o, s:s, s:s}", "line1", &line1, "line2",
	        &line2, "city", &city, "state", &state, "postal_code",
	        &postal_code, "country", &country),
	    0);
	CU_ASSERT_STRING_EQUAL(line1, s->line1);
	CU_ASSERT_STRING_EQUAL(city, s->city);
	CU_ASSERT_STRING_EQUAL(postal_code, s->postal_code);
	CU_ASSERT_STRING_EQUAL(country, s->country);
	if (s->line2 == NULL) {
		CU_ASSERT(json_is_null(line2));
	} else {
		CU_ASSERT_FATAL(json_is_string(line2));
		CU_ASSERT_STRING_EQUAL(json_string_value(line2), s->line2);
	}
	if (s->state == NULL) {
		CU_ASSERT(json_is_null(state));
	} else {
		CU_ASSERT_FATAL(json_is_string(state));
		CU_ASSERT_STRING_EQUAL(json_string_value(state), s->state);
	}
}

static void
check_idv_request(const struct idcheck_subject *s, const char *rid)
{
	json_error_t err;
	json_t *j, *middle = NULL, *addr = NULL;
	const char *request_id = NULL, *given = NULL, *family = NULL;
	const char *dob = NULL, *email = NULL, *phone = NULL, *ssn4 = NULL;
	char *body;

	body = idcheck_idv_request(s, rid);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	j = load_request(body);
	CU_ASSERT_FATAL(json_is_object(j));
	CU_ASSERT_EQUAL(json_object_size(j), 9);
	CU_ASSERT_EQUAL_FATAL(
	    json_unpack_ex(j, &err, JSON_STRICT,
	        "{s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:o, "
	        "s:s}",
	        "request_id", &request_id, "given_name", &given, "middle_name",
	        &middle, "family_name", &family, "date_of_birth", &dob, "email",
	        &email, "phone", &phone, "address", &addr, "ssn_last4", &ssn4),
	    0);
	CU_ASSERT_STRING_EQUAL(request_id, rid);
	CU_ASSERT_STRING_EQUAL(given, s->given_name);
	CU_ASSERT_STRING_EQUAL(family, s->family_name);
	CU_ASSERT_STRING_EQUAL(dob, s->date_of_birth);
	CU_ASSERT_STRING_EQUAL(email, s->email);
	CU_ASSERT_STRING_EQUAL(phone, s->phone);
	CU_ASSERT_STRING_EQUAL(ssn4, s->ssn_last4);
	if (s->middle_name == NULL) {
		CU_ASSERT(json_is_null(middle));
	} else {
		CU_ASSERT_FATAL(json_is_string(middle));
		CU_ASSERT_STRING_EQUAL(
		    json_string_value(middle), s->middle_name);
	}
	check_address(addr, s);
	/* the card token is for AVS only */
	CU_ASSERT_PTR_NULL(strstr(body, s->card_token));
	json_decref(j);
	free(body);
}

static void
check_avs_request(const struct idcheck_subject *s, const char *rid)
{
	json_error_t err;
	json_t *j, *addr = NULL;
	const char *request_id = NULL, *token = NULL;
	char *body;

	body = idcheck_avs_request(s, rid);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	j = load_request(body);
	CU_ASSERT_FATAL(json_is_object(j));
	CU_ASSERT_EQUAL(json_object_size(j), 3);
	CU_ASSERT_EQUAL_FATAL(json_unpack_ex(j, &err, JSON_STRICT,
	                          "{s:s, s:s, s:o}", "request_id", &request_id,
	                          "card_token", &token, "address", &addr),
	    0);
	CU_ASSERT_STRING_EQUAL(request_id, rid);
	CU_ASSERT_STRING_EQUAL(token, s->card_token);
	check_address(addr, s);
	/* no identity data goes to the card provider */
	CU_ASSERT_PTR_NULL(strstr(body, s->given_name));
	CU_ASSERT_PTR_NULL(strstr(body, s->family_name));
	CU_ASSERT_PTR_NULL(strstr(body, s->date_of_birth));
	CU_ASSERT_PTR_NULL(strstr(body, s->email));
	CU_ASSERT_PTR_NULL(strstr(body, "ssn_last4"));
	json_decref(j);
	free(body);
}

static void
test_idv_request(void)
{
	check_idv_request(&full, "01J9Z3W6-idv-1");
	check_idv_request(&bare, "b7c1d2e3");
}

static void
test_avs_request(void)
{
	check_avs_request(&full, "01J9Z3W6-avs-1");
	check_avs_request(&bare, "b7c1d2e3");
}

/* Strings that need escaping come back as they were. */
static void
test_request_escaping(void)
{
	struct idcheck_subject s = full;
	json_t *j;
	char *body;

	s.given_name = "Zo\xc3\xab \"Q\" \\ O'Neil";
	s.line2 = "c/o \"Ada\"";
	body = idcheck_idv_request(&s, RID);
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	j = load_request(body);
	CU_ASSERT_FATAL(json_is_object(j));
	CU_ASSERT_STRING_EQUAL(
	    json_string_value(json_object_get(j, "given_name")), s.given_name);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
	                           json_object_get(j, "address"), "line2")),
	    s.line2);
	json_decref(j);
	free(body);
}

static void
test_idv_valid(void)
{
	static const char pass100[] =
	    "{\"request_id\":\"req-1\",\"decision\":\"pass\","
	    "\"score\":100,\"reasons\":[]}";
	static const char fail0[] =
	    " {\"reasons\": [\"identity_not_found\"], \"score\": 0,\n"
	    "  \"decision\": \"fail\", \"request_id\": \"req-1\"}\n";
	static const char review[] =
	    "{\"request_id\":\"req-1\",\"decision\":\"review\","
	    "\"score\":50,\"reasons\":[\"name_mismatch\",\"a\",\"0\"]}";
	struct idv_answer a;
	struct problem p;

	problem_clear(&p);
	CU_ASSERT_EQUAL_FATAL(
	    idcheck_idv_parse(pass100, strlen(pass100), RID, &a, &p), 0);
	CU_ASSERT_EQUAL(p.status, 0);
	CU_ASSERT_EQUAL(a.decision, IDV_PASS);
	CU_ASSERT_EQUAL(a.score, 100);
	CU_ASSERT_EQUAL(a.nreasons, 0);

	CU_ASSERT_EQUAL_FATAL(
	    idcheck_idv_parse(fail0, strlen(fail0), RID, &a, &p), 0);
	CU_ASSERT_EQUAL(a.decision, IDV_FAIL);
	CU_ASSERT_EQUAL(a.score, 0);
	CU_ASSERT_EQUAL_FATAL(a.nreasons, 1);
	CU_ASSERT_STRING_EQUAL(a.reasons[0], "identity_not_found");

	CU_ASSERT_EQUAL_FATAL(
	    idcheck_idv_parse(review, strlen(review), RID, &a, &p), 0);
	CU_ASSERT_EQUAL(a.decision, IDV_REVIEW);
	CU_ASSERT_EQUAL(a.score, 50);
	CU_ASSERT_EQUAL_FATAL(a.nreasons, 3);
	CU_ASSERT_STRING_EQUAL(a.reasons[0], "name_mismatch");
	CU_ASSERT_STRING_EQUAL(a.reasons[1], "a");
	CU_ASSERT_STRING_EQUAL(a.reasons[2], "0");
}

/* 16 reasons of 1 to 48 characters: the most an answer may hold. */
static void
test_idv_most_reasons(void)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
	char body[2048], want[IDCHECK_MAX_REASONS][IDCHECK_REASON_LEN + 1];
	struct idv_answer a;
	struct problem p;
	size_t off, n, k;
	int i;

	off = (size_t)snprintf(body, sizeof(body),
	    "{\"request_id\":\"%s\",\"decision\":\"pass\",\"score\":85,"
	    "\"reasons\":[",
	    RID);
	for (i = 0; i < IDCHECK_MAX_REASONS; i++) {
		n = i == 0 ? IDCHECK_REASON_LEN : (size_t)i * 3;
		for (k = 0; k < n; k++)
			want[i][k] =
			    alphabet[(k + (size_t)i) % (sizeof(alphabet) - 1)];
		want[i][n] = '\0';
		off += (size_t)snprintf(body + off, sizeof(body) - off,
		    "%s\"%s\"", i == 0 ? "" : ",", want[i]);
	}
	off += (size_t)snprintf(body + off, sizeof(body) - off, "]}");
	CU_ASSERT_FATAL(off < sizeof(body));

	problem_clear(&p);
	CU_ASSERT_EQUAL_FATAL(idcheck_idv_parse(body, off, RID, &a, &p), 0);
	CU_ASSERT_EQUAL(a.decision, IDV_PASS);
	CU_ASSERT_EQUAL(a.score, 85);
	CU_ASSERT_EQUAL_FATAL(a.nreasons, IDCHECK_MAX_REASONS);
	CU_ASSERT_EQUAL(strlen(a.reasons[0]), IDCHECK_REASON_LEN);
	for (i = 0; i < IDCHECK_MAX_REASONS; i++)
		CU_ASSERT_STRING_EQUAL(a.reasons[i], want[i]);
}

static void
test_avs_valid(void)
{
	static const char *const names[] = {
	    "match", "partial", "no_match", "unavailable"};
	char body[128];
	enum avs_result r;
	struct problem p;
	size_t i;
	int n;

	for (i = 0; i < NITEMS(names); i++) {
		n = snprintf(body, sizeof(body),
		    "{\"result\": \"%s\", \"request_id\": \"%s\"}", names[i],
		    RID);
		problem_clear(&p);
		r = (enum avs_result)99;
		CU_ASSERT_EQUAL(
		    idcheck_avs_parse(body, (size_t)n, RID, &r, &p), 0);
		CU_ASSERT_EQUAL(r, (enum avs_result)i);
		CU_ASSERT_EQUAL(p.status, 0);
	}
}

/* The parser reads len bytes, not up to a NUL. */
static void
test_len_not_nul(void)
{
	static const char idv[] = "{\"request_id\":\"req-1\",\"decision\":"
	                          "\"fail\",\"score\":3,\"reasons\":[]}"
	                          "<garbage after the body>";
	static const char avs[] =
	    "{\"request_id\":\"req-1\",\"result\":\"partial\"}{\"x\":1}";
	struct idv_answer a;
	enum avs_result r;
	struct problem p;

	problem_clear(&p);
	CU_ASSERT_EQUAL(
	    idcheck_idv_parse(idv, strcspn(idv, "<"), RID, &a, &p), 0);
	CU_ASSERT_EQUAL(a.decision, IDV_FAIL);
	CU_ASSERT_EQUAL(a.score, 3);
	CU_ASSERT_EQUAL(idcheck_avs_parse(avs,
	                    strlen(avs) - strlen("{\"x\":1}"), RID, &r, &p),
	    0);
	CU_ASSERT_EQUAL(r, AVS_PARTIAL);
	/* the whole buffer is refused */
	assert_refused(IDV, idv, strlen(idv), "idv with the garbage");
	assert_refused(AVS, avs, strlen(avs), "avs with the second object");
	/* and a body cut short by len is too */
	assert_refused(IDV, idv, strcspn(idv, "<") - 1, "idv cut by len");
}

static void
test_hostile_files(void)
{
	size_t i, len;
	char *body;

	for (i = 0; i < NITEMS(hostile); i++) {
		body = read_answer(hostile[i].file, &len);
		CU_ASSERT_PTR_NOT_NULL(body);
		if (body == NULL)
			continue;
		assert_refused(hostile[i].parser, body, len, hostile[i].file);
		free(body);
	}
}

/* Every .json file of providers/ is in the list above. */
static void
test_hostile_files_listed(void)
{
	char path[1024];
	struct dirent *e;
	size_t i, n = 0, len;
	DIR *d;
	int found;

	snprintf(path, sizeof(path), "%s/providers", data_dir());
	d = opendir(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		n++;
		found = 0;
		for (i = 0; i < NITEMS(hostile); i++)
			if (strcmp(hostile[i].file, e->d_name) == 0)
				found = 1;
		if (!found)
			fprintf(stderr, "\n%s is not in the list\n", e->d_name);
		CU_ASSERT(found);
	}
	closedir(d);
	CU_ASSERT_EQUAL(n, NITEMS(hostile));
}

/* A valid answer padded with spaces to len bytes; caller frees. */
static char *
padded(enum parser parser, size_t len)
{
	static const char idv[] = "{\"request_id\":\"req-1\",\"decision\":"
	                          "\"pass\",\"score\":90,\"reasons\":[]}";
	static const char avs[] = "{\"request_id\":\"req-1\",\"result\":"
	                          "\"match\"}";
	const char *body = parser == IDV ? idv : avs;
	size_t n = strlen(body);
	char *buf;

	if ((buf = malloc(len)) == NULL)
		abort();
	memcpy(buf, body, n);
	memset(buf + n, ' ', len - n);
	return buf;
}

static void
test_size_bound(void)
{
	static const enum parser parsers[] = {IDV, AVS};
	struct problem p;
	size_t i;
	char *buf;

	for (i = 0; i < NITEMS(parsers); i++) {
		buf = padded(parsers[i], IDCHECK_MAX_ANSWER + 1);
		CU_ASSERT_EQUAL(
		    parse(parsers[i], buf, IDCHECK_MAX_ANSWER, &p), 0);
		assert_refused(parsers[i], buf, IDCHECK_MAX_ANSWER + 1,
		    "one byte over IDCHECK_MAX_ANSWER");
		free(buf);
		buf = padded(parsers[i], 4 * IDCHECK_MAX_ANSWER);
		assert_refused(parsers[i], buf, 4 * IDCHECK_MAX_ANSWER,
		    "four times IDCHECK_MAX_ANSWER");
		free(buf);
	}
}

/* A raw NUL byte anywhere in a valid answer makes it garbage. */
static void
test_nul_byte(void)
{
	static const char idv[] = "{\"request_id\":\"req-1\",\"decision\":"
	                          "\"pass\",\"score\":90,\"reasons\":[\"ok\"]}";
	static const char avs[] =
	    "{\"request_id\":\"req-1\",\"result\":\"match\"}";
	char buf[sizeof(idv) + 1];
	size_t n, at;
	char what[64];

	/* the body followed by its terminating NUL */
	assert_refused(IDV, idv, sizeof(idv), "idv with a trailing NUL");
	assert_refused(AVS, avs, sizeof(avs), "avs with a trailing NUL");

	/* a NUL put in at every place, or in place of every byte */
	n = strlen(idv);
	for (at = 0; at <= n; at++) {
		memcpy(buf, idv, at);
		buf[at] = '\0';
		memcpy(buf + at + 1, idv + at, n - at);
		snprintf(
		    what, sizeof(what), "idv with a NUL put in at %zu", at);
		assert_refused(IDV, buf, n + 1, what);
	}
	for (at = 0; at < n; at++) {
		memcpy(buf, idv, n);
		buf[at] = '\0';
		snprintf(what, sizeof(what), "idv with byte %zu a NUL", at);
		assert_refused(IDV, buf, n, what);
	}
	n = strlen(avs);
	for (at = 0; at < n; at++) {
		memcpy(buf, avs, n);
		buf[at] = '\0';
		snprintf(what, sizeof(what), "avs with byte %zu a NUL", at);
		assert_refused(AVS, buf, n, what);
	}
}

/* No body at all. */
static void
test_null_body(void)
{
	assert_refused(IDV, NULL, 0, "idv NULL body");
	assert_refused(AVS, NULL, 0, "avs NULL body");
	assert_refused(IDV, "", 0, "idv empty body");
	assert_refused(AVS, "", 0, "avs empty body");
}

/* A refused answer leaves nothing behind for a careless caller. */
static void
test_refused_clears(void)
{
	static const char body[] =
	    "{\"request_id\":\"req-1\",\"decision\":\"pass\",\"score\":90,"
	    "\"reasons\":[\"ssn_match\",\"Bad\"]}";
	struct idv_answer a;
	struct problem p;

	memset(&a, 0x5a, sizeof(a));
	problem_clear(&p);
	CU_ASSERT_EQUAL(idcheck_idv_parse(body, strlen(body), RID, &a, &p), -1);
	CU_ASSERT_EQUAL(a.nreasons, 0);
	CU_ASSERT_EQUAL(a.score, 0);
	CU_ASSERT_EQUAL(a.reasons[0][0], '\0');
}

static void
test_names(void)
{
	static const char *const idv[] = {"pass", "fail", "review"};
	static const char *const avs[] = {
	    "match", "partial", "no_match", "unavailable"};
	static const char *const unknown[] = {"", "PASS", "Match", "pass ",
	    " review", "nomatch", "no-match", "unknown", "approve", "matc",
	    "unavailable_"};
	enum idv_decision d;
	enum avs_result r;
	size_t i;

	for (i = 0; i < NITEMS(idv); i++) {
		CU_ASSERT_STRING_EQUAL(
		    idcheck_idv_name((enum idv_decision)i), idv[i]);
		CU_ASSERT_EQUAL(idcheck_idv_parse_name(idv[i], &d), 0);
		CU_ASSERT_EQUAL(d, (enum idv_decision)i);
		CU_ASSERT_EQUAL(
		    idcheck_idv_parse_name(idcheck_idv_name(d), &d), 0);
		CU_ASSERT_EQUAL(d, (enum idv_decision)i);
	}
	for (i = 0; i < NITEMS(avs); i++) {
		CU_ASSERT_STRING_EQUAL(
		    idcheck_avs_name((enum avs_result)i), avs[i]);
		CU_ASSERT_EQUAL(idcheck_avs_parse_name(avs[i], &r), 0);
		CU_ASSERT_EQUAL(r, (enum avs_result)i);
		CU_ASSERT_EQUAL(
		    idcheck_avs_parse_name(idcheck_avs_name(r), &r), 0);
		CU_ASSERT_EQUAL(r, (enum avs_result)i);
	}
	CU_ASSERT_STRING_EQUAL(
	    idcheck_idv_name((enum idv_decision)3), "unknown");
	CU_ASSERT_STRING_EQUAL(
	    idcheck_idv_name((enum idv_decision) - 1), "unknown");
	CU_ASSERT_STRING_EQUAL(idcheck_avs_name((enum avs_result)4), "unknown");
	CU_ASSERT_STRING_EQUAL(
	    idcheck_avs_name((enum avs_result) - 1), "unknown");
	for (i = 0; i < NITEMS(unknown); i++) {
		CU_ASSERT_EQUAL(idcheck_idv_parse_name(unknown[i], &d), -1);
		CU_ASSERT_EQUAL(idcheck_avs_parse_name(unknown[i], &r), -1);
	}
	/* each parser knows only its own names */
	CU_ASSERT_EQUAL(idcheck_idv_parse_name("match", &d), -1);
	CU_ASSERT_EQUAL(idcheck_avs_parse_name("pass", &r), -1);
	CU_ASSERT_EQUAL(idcheck_idv_parse_name(NULL, &d), -1);
	CU_ASSERT_EQUAL(idcheck_avs_parse_name(NULL, &r), -1);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("idcheck", NULL, NULL);
	CU_add_test(s, "idv request keys", test_idv_request);
	CU_add_test(s, "avs request keys", test_avs_request);
	CU_add_test(s, "request escaping", test_request_escaping);
	CU_add_test(s, "idv valid answers", test_idv_valid);
	CU_add_test(s, "idv 16 reasons of up to 48", test_idv_most_reasons);
	CU_add_test(s, "avs valid answers", test_avs_valid);
	CU_add_test(s, "len, not NUL", test_len_not_nul);
	CU_add_test(s, "hostile files", test_hostile_files);
	CU_add_test(s, "hostile files listed", test_hostile_files_listed);
	CU_add_test(s, "size bound", test_size_bound);
	CU_add_test(s, "NUL byte", test_nul_byte);
	CU_add_test(s, "no body", test_null_body);
	CU_add_test(s, "refused answer cleared", test_refused_clears);
	CU_add_test(s, "names", test_names);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
