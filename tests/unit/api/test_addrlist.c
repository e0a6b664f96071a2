/* Unit tests of api/addrlist.c and api/ratelog.c: address lists as
 * settings write them, and the rate of a bounded log. */
#include <stdio.h>

#include <CUnit/Basic.h>

#include "api/addrlist.h"
#include "api/ratelog.h"

static void
test_parse(void)
{
	static const struct {
		const char *text;
		int ok;
		size_t n;
	} cases[] = {
	    {"", 0, 0},
	    {"127.0.0.1", 0, 1},
	    {"127.0.0.0/8,::1", 0, 2},
	    {" 10.0.0.0/8 , 192.168.1.7 ", 0, 2},
	    {"fd00::/8", 0, 1},
	    {"0.0.0.0/0", 0, 1},
	    {"localhost", -1, 0},
	    {"127.0.0.1,", -1, 0},
	    {",127.0.0.1", -1, 0},
	    {"127.0.0.1,,::1", -1, 0},
	    {"127.0.0.1/33", -1, 0},
	    {"::1/129", -1, 0},
	    {"127.0.0.1/", -1, 0},
	    {"127.0.0.1/8x", -1, 0},
	    {"127.0.0.1/-1", -1, 0},
	    {"300.0.0.1", -1, 0},
	    {"127.0.0.1:8080", -1, 0},
	};
	struct addrlist l;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_EQUAL(addrlist_parse(&l, cases[i].text), cases[i].ok);
		if (cases[i].ok == 0)
			CU_ASSERT_EQUAL(l.n, cases[i].n);
	}
}

static void
test_too_many(void)
{
	char buf[ADDRLIST_MAX * 16 + 16];
	struct addrlist l;
	size_t i, len = 0;

	for (i = 0; i <= ADDRLIST_MAX; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
		    "%s10.0.0.%zu", i ? "," : "", i);
	CU_ASSERT_EQUAL(addrlist_parse(&l, buf), -1);
}

static void
test_match(void)
{
	struct addrlist l;

	CU_ASSERT_EQUAL_FATAL(
	    addrlist_parse(&l, "127.0.0.0/8,::1,10.1.2.128/25,fd00::/8"), 0);
	CU_ASSERT_TRUE(addrlist_match(&l, "127.0.0.1"));
	CU_ASSERT_TRUE(addrlist_match(&l, "127.255.0.2"));
	CU_ASSERT_TRUE(addrlist_match(&l, "::1"));
	CU_ASSERT_TRUE(addrlist_match(&l, "::ffff:127.0.0.2"));
	CU_ASSERT_TRUE(addrlist_match(&l, "10.1.2.200"));
	CU_ASSERT_FALSE(addrlist_match(&l, "10.1.2.127"));
	CU_ASSERT_TRUE(addrlist_match(&l, "fd12::1"));
	CU_ASSERT_FALSE(addrlist_match(&l, "fe80::1"));
	CU_ASSERT_FALSE(addrlist_match(&l, "128.0.0.1"));
	CU_ASSERT_FALSE(addrlist_match(&l, "::2"));
	CU_ASSERT_FALSE(addrlist_match(&l, ""));
	CU_ASSERT_FALSE(addrlist_match(&l, "127.0.0.1:80"));
	CU_ASSERT_FALSE(addrlist_match(&l, "not an address"));
	CU_ASSERT_EQUAL_FATAL(addrlist_parse(&l, "127.0.0.1"), 0);
	CU_ASSERT_TRUE(addrlist_match(&l, "127.0.0.1"));
	CU_ASSERT_FALSE(addrlist_match(&l, "127.0.0.2"));
	CU_ASSERT_EQUAL_FATAL(addrlist_parse(&l, ""), 0);
	CU_ASSERT_FALSE(addrlist_match(&l, "127.0.0.1"));
}

static void
test_ratelog(void)
{
	struct ratelog r = RATELOG_INIT;
	unsigned long left_out = 99;
	int i, lines = 0;

	CU_ASSERT_TRUE(ratelog_allow(&r, &left_out));
	CU_ASSERT_EQUAL(left_out, 0);
	/* within the same second at most one more line gets through (when
	 * the second turns over during the loop) */
	for (i = 0; i < 1000; i++)
		lines += ratelog_allow(&r, &left_out);
	CU_ASSERT_TRUE(lines <= 1);
	if (lines == 1)
		CU_ASSERT_TRUE(left_out < 1000);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("addrlist", NULL, NULL);
	CU_add_test(s, "parse", test_parse);
	CU_add_test(s, "too many", test_too_many);
	CU_add_test(s, "match", test_match);
	CU_add_test(s, "ratelog", test_ratelog);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
