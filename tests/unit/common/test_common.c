/* Unit tests of common/: the clock, identifiers and tokens, problems. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <CUnit/Basic.h>
#include <jansson.h>

#include "common/digest.h"
#include "common/percent.h"
#include "common/problem.h"
#include "common/rand.h"
#include "common/wallclock.h"

static void
test_clock_fixed(void)
{
	wallclock_set_fixed(1795000000);
	CU_ASSERT_EQUAL(wallclock_now(), 1795000000);
	wallclock_set_fixed(0);
	CU_ASSERT(wallclock_now() > 1700000000);
}

/* The system clock's seconds as the wall clock reads them
 * (CLOCK_REALTIME): time(2) reads a coarser clock, which can still show
 * the last second for a few milliseconds after it has turned. */
static time_t
system_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

static void
test_clock_file(void)
{
	char path[] = "/tmp/rxca-clock-XXXXXX";
	time_t before;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd != -1);
	close(fd);
	CU_ASSERT_EQUAL(wallclock_use_file(path), -1); /* empty: no integer */
	f = fopen(path, "w");
	fputs("2592001\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(wallclock_use_file(path), 0);
	before = system_now();
	CU_ASSERT(wallclock_now() >= before + 2592001);
	CU_ASSERT(wallclock_now() <= system_now() + 2592001);
	/* a changed file is picked up without re-arming the clock */
	f = fopen(path, "w");
	fputs("-60", f);
	fclose(f);
	{
		struct timespec ts[2] = {{1, 0}, {1, 0}};
		CU_ASSERT_EQUAL(utimensat(AT_FDCWD, path, ts, 0), 0);
	}
	CU_ASSERT(wallclock_now() <= system_now() - 59);
	unlink(path);
	CU_ASSERT_EQUAL(wallclock_use_file(NULL), 0);
	CU_ASSERT(wallclock_now() >= system_now() - 1);
}

static void
test_clock_format_parse(void)
{
	static const struct {
		const char *text;
		int ok;
		time_t t;
	} cases[] = {
	    {"2026-11-22T04:49:39Z", 1, 1795322979},
	    {"2026-11-22 04:49:39+00", 1, 1795322979},
	    {"2026-11-22 04:49:39.123456+00", 1, 1795322979},
	    {"1970-01-01T00:00:00Z", 1, 0},
	    {"2024-02-29T12:00:00Z", 1, 1709208000},
	    {"2026-13-01T00:00:00Z", 0, 0},
	    {"2026-11-22T04:49:39+02", 0, 0},
	    {"2026-11-22", 0, 0},
	    {"", 0, 0},
	};
	char buf[WALLCLOCK_RFC3339_LEN], mail[WALLCLOCK_MAIL_LEN];
	size_t i;
	time_t t;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = wallclock_parse(cases[i].text, &t);
		CU_ASSERT_EQUAL(rc == 0, cases[i].ok);
		if (cases[i].ok)
			CU_ASSERT_EQUAL(t, cases[i].t);
	}
	wallclock_format(1795322979, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "2026-11-22T04:49:39Z");
	/* As the mails write it; a year too long for the bound is "?". */
	wallclock_mail(1795322979, mail);
	CU_ASSERT_STRING_EQUAL(mail, "2026-11-22 04:49 UTC");
	wallclock_mail((time_t)1000000000000000LL, mail);
	CU_ASSERT_STRING_EQUAL(mail, "?");
}

static void
test_rand_id(void)
{
	char a[64], b[64];
	size_t i;

	rand_id("app_", a, sizeof(a));
	rand_id("app_", b, sizeof(b));
	CU_ASSERT_EQUAL(strlen(a), 28);
	CU_ASSERT_NSTRING_EQUAL(a, "app_", 4);
	CU_ASSERT(strcmp(a, b) != 0);
	for (i = 4; i < strlen(a); i++)
		CU_ASSERT(
		    strchr("abcdefghijklmnopqrstuvwxyz234567", a[i]) != NULL);
}

static void
test_rand_token(void)
{
	char t[64];
	size_t i;

	rand_token(32, t, sizeof(t));
	CU_ASSERT_EQUAL(strlen(t), 43); /* 256 bits in base64url */
	for (i = 0; t[i] != '\0'; i++)
		CU_ASSERT(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqr"
		                 "stuvwxyz0123456789-_",
		              t[i]) != NULL);
}

static void
test_rand_uniform(void)
{
	int seen[7] = {0}, i;

	for (i = 0; i < 7000; i++) {
		unsigned v = rand_uniform(7);
		CU_ASSERT_FATAL(v < 7);
		seen[v]++;
	}
	for (i = 0; i < 7; i++)
		CU_ASSERT(seen[i] > 700 && seen[i] < 1300);
	CU_ASSERT_EQUAL(rand_uniform(1), 0);
}

static void
test_digest(void)
{
	char hex[DIGEST_HEX_LEN];

	digest_sha256_hex("abc", 3, hex);
	CU_ASSERT_STRING_EQUAL(hex,
	    "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	CU_ASSERT(digest_equal("abcd", "abcd", 4));
	CU_ASSERT(!digest_equal("abcd", "abce", 4));
}

static void
test_problem(void)
{
	struct problem p;
	int i;

	problem_clear(&p);
	CU_ASSERT_EQUAL(p.status, 0);
	CU_ASSERT_EQUAL(problem_invalid(&p, "applicant.email", "bad"), -1);
	CU_ASSERT_EQUAL(p.status, 422);
	CU_ASSERT_STRING_EQUAL(p.type, "invalid-field");
	CU_ASSERT_STRING_EQUAL(p.fields[0].field, "applicant.email");
	for (i = 0; i < 40; i++)
		problem_field(&p, "x", "y %d", i);
	CU_ASSERT_EQUAL(p.nfields, BOUND_FIELD_ERRORS);
	problem_unavailable(&p);
	CU_ASSERT_EQUAL(p.status, 503);
	CU_ASSERT(p.retry_after > 0);
}

/* A time as JSON: RFC 3339 in UTC, or null for 0 (never set). */
static void
test_clock_json(void)
{
	json_t *j = wallclock_json(1800000000);

	CU_ASSERT_STRING_EQUAL(json_string_value(j), "2027-01-15T08:00:00Z");
	json_decref(j);
	j = wallclock_json(0);
	CU_ASSERT(json_is_null(j));
	json_decref(j);
}

/* The registry: sorted and without a repeated (slug, status), so that the
 * search finds every entry; a registered type takes its title from it. */
static void
test_problem_registry(void)
{
	const struct problem_type *t;
	struct problem p;
	size_t n, i;

	t = problem_types(&n);
	CU_ASSERT(n > 50);
	for (i = 0; i < n; i++) {
		CU_ASSERT(t[i].title != NULL && t[i].title[0] != '\0');
		CU_ASSERT(t[i].status == 0 ||
		    (t[i].status >= 400 && t[i].status <= 599));
		CU_ASSERT(problem_type_find(t[i].slug, t[i].status) == &t[i]);
		if (i > 0)
			CU_ASSERT(strcmp(t[i - 1].slug, t[i].slug) < 0 ||
			    (strcmp(t[i - 1].slug, t[i].slug) == 0 &&
			        t[i - 1].status < t[i].status));
	}
	CU_ASSERT_PTR_NULL(problem_type_find("busy", 409));
	CU_ASSERT_PTR_NULL(problem_type_find("no-such-type", 400));
	CU_ASSERT_PTR_NULL(problem_type_find(NULL, 400));
	CU_ASSERT_PTR_NOT_NULL(problem_type_find("server-refused", 418));
	problem_clear(&p);
	problem_set(&p, 503, "busy", "Anything", "Try again in a second.");
	CU_ASSERT_STRING_EQUAL(p.title, "Try again");
	problem_clear(&p);
	problem_set(&p, 418, "not-registered", "Kept", "An unknown type.");
	CU_ASSERT_STRING_EQUAL(p.title, "Kept");
}

/* The one problem+json writer: the bytes on the wire. */
static void
test_problem_json(void)
{
	struct problem p;
	char *t;

	problem_clear(&p);
	p.status = 400;
	snprintf(p.type, sizeof(p.type), "http-400");
	snprintf(p.detail, sizeof(p.detail), "The request could not be read.");
	t = problem_json(&p, "Bad Request", NULL);
	CU_ASSERT_STRING_EQUAL(t,
	    "{\"type\":\"https://rxca.dev/errors/http-400\",\"title\":\"Bad "
	    "Request\",\"status\":400,\"detail\":\"The request could not be "
	    "read.\"}");
	free(t);
	/* No type, title or status: internal, the title given, 500. */
	problem_clear(&p);
	snprintf(p.detail, sizeof(p.detail), "a \"quote\", a \\ and\n/");
	t = problem_json(&p, "Internal Server Error", NULL);
	CU_ASSERT_STRING_EQUAL(t,
	    "{\"type\":\"https://rxca.dev/errors/internal\",\"title\":"
	    "\"Internal Server Error\",\"status\":500,\"detail\":\"a "
	    "\\\"quote\\\", a \\\\ and\\n/\"}");
	free(t);
	/* Fields, and extra members after them (a member of the problem's
	 * own replaced in place). */
	problem_clear(&p);
	p.status = 422;
	snprintf(p.type, sizeof(p.type), "invalid");
	snprintf(p.title, sizeof(p.title), "Invalid");
	snprintf(p.detail, sizeof(p.detail), "Check the fields.");
	p.nfields = 2;
	snprintf(p.fields[0].field, sizeof(p.fields[0].field), "email");
	snprintf(
	    p.fields[0].message, sizeof(p.fields[0].message), "not an address");
	snprintf(p.fields[1].field, sizeof(p.fields[1].field), "name");
	snprintf(p.fields[1].message, sizeof(p.fields[1].message), "empty");
	t = problem_json(&p, NULL,
	    json_pack("{s:i, s:s}", "attempts_left", 2, "detail", "Again."));
	CU_ASSERT_STRING_EQUAL(t,
	    "{\"type\":\"https://rxca.dev/errors/invalid\",\"title\":\"Invalid\","
	    "\"status\":422,\"detail\":\"Again.\",\"errors\":[{\"field\":"
	    "\"email\",\"message\":\"not an address\"},{\"field\":\"name\","
	    "\"message\":\"empty\"}],\"attempts_left\":2}");
	free(t);
	/* Not UTF-8: nothing. */
	problem_clear(&p);
	p.status = 500;
	snprintf(p.detail, sizeof(p.detail), "cut \xc3");
	CU_ASSERT_PTR_NULL(problem_json(&p, "x", NULL));
}

static void
test_hex_percent(void)
{
	char out[8];

	CU_ASSERT_EQUAL(digest_hexval('0'), 0);
	CU_ASSERT_EQUAL(digest_hexval('9'), 9);
	CU_ASSERT_EQUAL(digest_hexval('a'), 10);
	CU_ASSERT_EQUAL(digest_hexval('F'), 15);
	CU_ASSERT_EQUAL(digest_hexval('g'), -1);
	CU_ASSERT_EQUAL(digest_hexval('/'), -1);
	CU_ASSERT_EQUAL(digest_hexval(-1), -1);
	CU_ASSERT_EQUAL(percent_decode("a%2fB+c", 7, 1, out, sizeof(out)), 5);
	CU_ASSERT_STRING_EQUAL(out, "a/B c");
	CU_ASSERT_EQUAL(percent_decode("a%2Fb+c", 7, 0, out, sizeof(out)), 5);
	CU_ASSERT_STRING_EQUAL(out, "a/b+c");
	CU_ASSERT_EQUAL(percent_decode("", 0, 1, out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "");
	/* length, not the NUL, bounds the input */
	CU_ASSERT_EQUAL(percent_decode("ab%41", 2, 0, out, sizeof(out)), 2);
	CU_ASSERT_STRING_EQUAL(out, "ab");
	CU_ASSERT_EQUAL(percent_decode("%4", 2, 0, out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(percent_decode("%4g", 3, 0, out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(percent_decode("a%00", 4, 0, out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(percent_decode("1234567", 7, 0, out, 8), 7);
	CU_ASSERT_EQUAL(percent_decode("12345678", 8, 0, out, 8), -1);
	CU_ASSERT_EQUAL(percent_decode("", 0, 0, out, 0), -1);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("common", NULL, NULL);
	CU_add_test(s, "clock fixed", test_clock_fixed);
	CU_add_test(s, "problem+json", test_problem_json);
	CU_add_test(s, "clock offset file", test_clock_file);
	CU_add_test(s, "clock format and parse", test_clock_format_parse);
	CU_add_test(s, "clock as JSON", test_clock_json);
	CU_add_test(s, "identifiers", test_rand_id);
	CU_add_test(s, "bearer tokens", test_rand_token);
	CU_add_test(s, "uniform integers", test_rand_uniform);
	CU_add_test(s, "sha-256", test_digest);
	CU_add_test(s, "hex digits and percent-decoding", test_hex_percent);
	CU_add_test(s, "problems", test_problem);
	CU_add_test(s, "problem registry", test_problem_registry);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
