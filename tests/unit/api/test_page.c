/* Unit tests of api/routes/page.c: the limit and after parameters of a list. */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "api/routes/handler.h"
#include "api/routes/page.h"

static const struct page_rule text_rule = {50, 200, 64, PAGE_AFTER_TEXT, NULL};
static const struct page_rule number_rule = {
    100, 1000, 24, PAGE_AFTER_NUMBER, "an audit record id"};
static const struct page_rule timed_rule = {
    50, 200, PAGE_AFTER_SIZE, PAGE_AFTER_TIMED, "the next_after"};

/* page_parse of query under rule; p holds the problem. */
static int
parse(const char *query, const struct page_rule *rule, struct page *pg,
    struct problem *p)
{
	struct http_request req;
	struct ctx ctx;
	char q[512];

	memset(&req, 0, sizeof(req));
	memset(&ctx, 0, sizeof(ctx));
	snprintf(q, sizeof(q), "%s", query);
	req.query = q;
	ctx.req = &req;
	problem_clear(p);
	return page_parse(&ctx, rule, pg, p);
}

struct limit_case {
	const char *query;
	int rc;     /* page_parse's answer */
	long limit; /* when 0 */
};

static void
test_limit(void)
{
	static const struct limit_case cases[] = {
	    {"", 0, 50},
	    {"limit=1", 0, 1},
	    {"limit=200", 0, 200},
	    {"limit=", 0, 50},
	    {"limit=0", -1, 0},
	    {"limit=201", -1, 0},
	    {"limit=-5", -1, 0},
	    {"limit=5x", -1, 0},
	    {"limit=abc", -1, 0},
	    {"limit=99999999999999999999", -1, 0},
	    {"limit=5&limit=6", -1, 0},
	};
	struct problem p;
	struct page pg;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_EQUAL(
		    parse(cases[i].query, &text_rule, &pg, &p), cases[i].rc);
		if (cases[i].rc == 0) {
			CU_ASSERT_EQUAL(pg.limit, cases[i].limit);
			CU_ASSERT_EQUAL(p.status, 0);
			continue;
		}
		CU_ASSERT_EQUAL(p.status, 422);
		CU_ASSERT_STRING_EQUAL(p.type, "invalid-field");
		CU_ASSERT_STRING_EQUAL(p.fields[0].field, "limit");
	}
	parse("limit=0", &text_rule, &pg, &p);
	CU_ASSERT_STRING_EQUAL(p.fields[0].message, "an integer from 1 to 200");
	parse("limit=1001", &number_rule, &pg, &p);
	CU_ASSERT_STRING_EQUAL(
	    p.fields[0].message, "an integer from 1 to 1000");
}

static void
test_after_text(void)
{
	char q[128];
	struct problem p;
	struct page pg;

	CU_ASSERT_EQUAL(parse("", &text_rule, &pg, &p), 0);
	CU_ASSERT_EQUAL(pg.has_after, 0);
	/* present but empty stays present, as the handlers passed it on */
	CU_ASSERT_EQUAL(parse("after=", &text_rule, &pg, &p), 0);
	CU_ASSERT_EQUAL(pg.has_after, 1);
	CU_ASSERT_STRING_EQUAL(pg.after, "");
	CU_ASSERT_EQUAL(parse("after=ap%5Fx", &text_rule, &pg, &p), 0);
	CU_ASSERT_STRING_EQUAL(pg.after, "ap_x");
	/* 63 characters fit the rule's 64, 64 do not */
	snprintf(q, sizeof(q), "after=%063d", 7);
	CU_ASSERT_EQUAL(parse(q, &text_rule, &pg, &p), 0);
	snprintf(q, sizeof(q), "after=%064d", 7);
	CU_ASSERT_EQUAL(parse(q, &text_rule, &pg, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.fields[0].field, "after");
	CU_ASSERT_STRING_EQUAL(
	    p.fields[0].message, "malformed, repeated or too long");
}

static void
test_after_number(void)
{
	struct problem p;
	struct page pg;

	CU_ASSERT_EQUAL(parse("after=42", &number_rule, &pg, &p), 0);
	CU_ASSERT_EQUAL(pg.after_number, 42);
	CU_ASSERT_EQUAL(parse("after=", &number_rule, &pg, &p), 0);
	CU_ASSERT_EQUAL(pg.after_number, 0);
	CU_ASSERT_EQUAL(parse("after=-1", &number_rule, &pg, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.fields[0].message, "an audit record id");
	CU_ASSERT_EQUAL(parse("after=4x", &number_rule, &pg, &p), -1);
	/* both wrong: both named, after first */
	CU_ASSERT_EQUAL(parse("after=x&limit=0", &number_rule, &pg, &p), -1);
	CU_ASSERT_EQUAL(p.nfields, 2);
	CU_ASSERT_STRING_EQUAL(p.fields[0].field, "after");
	CU_ASSERT_STRING_EQUAL(p.fields[1].field, "limit");
}

static void
test_after_timed(void)
{
	static const char *const bad[] = {"after=abc", "after=0:x",
	    "after=-5:x", "after=1700000000:", "after=1700000000x",
	    "after=1700000000:"
	    "0123456789012345678901234567890123456789012345678901234567890123"};
	struct problem p;
	struct page pg;
	json_t *c;
	size_t i;

	CU_ASSERT_EQUAL(
	    parse("after=1700000000:ap_1", &timed_rule, &pg, &p), 0);
	CU_ASSERT_EQUAL(pg.after_time, 1700000000);
	CU_ASSERT_STRING_EQUAL(pg.after_id, "ap_1");
	CU_ASSERT_EQUAL(parse("", &timed_rule, &pg, &p), 0);
	CU_ASSERT_PTR_NULL(pg.after_id);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(parse(bad[i], &timed_rule, &pg, &p), -1);
		CU_ASSERT_STRING_EQUAL(p.fields[0].message, "the next_after");
	}
	c = page_cursor_timed("1700000000", "ap_1");
	CU_ASSERT_STRING_EQUAL(json_string_value(c), "1700000000:ap_1");
	json_decref(c);
}

static void
test_full(void)
{
	struct problem p;
	struct page pg;

	parse("limit=3", &text_rule, &pg, &p);
	CU_ASSERT(page_full(&pg, 3));
	CU_ASSERT(!page_full(&pg, 2));
	CU_ASSERT(!page_full(&pg, 0));
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("page", NULL, NULL);
	CU_add_test(s, "limit", test_limit);
	CU_add_test(s, "after as text", test_after_text);
	CU_add_test(s, "after as a number", test_after_number);
	CU_add_test(s, "after as time:id", test_after_timed);
	CU_add_test(s, "a full page", test_full);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
