/* Unit tests of proofing/appstate.c: names, every allowed move, and the
 * rest of the 10 x 10 matrix forbidden. */
#include <CUnit/Basic.h>

#include "proofing/appstate.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	enum app_status from, to;
} allowed[] = {
    {APP_EMAIL_PENDING, APP_PROOFING},
    {APP_EMAIL_PENDING, APP_LAPSED},
    {APP_EMAIL_PENDING, APP_WITHDRAWN},
    {APP_PROOFING, APP_REVIEW},
    {APP_PROOFING, APP_APPROVED},
    {APP_PROOFING, APP_REJECTED},
    {APP_PROOFING, APP_WITHDRAWN},
    {APP_REVIEW, APP_APPROVED},
    {APP_REVIEW, APP_REJECTED},
    {APP_REVIEW, APP_WITHDRAWN},
    {APP_APPROVED, APP_KIT_SHIPPED},
    {APP_APPROVED, APP_LOCKED},
    {APP_APPROVED, APP_WITHDRAWN},
    {APP_KIT_SHIPPED, APP_ISSUED},
    {APP_KIT_SHIPPED, APP_LOCKED},
};

static int
is_allowed(enum app_status from, enum app_status to)
{
	size_t i;

	for (i = 0; i < NITEMS(allowed); i++)
		if (allowed[i].from == from && allowed[i].to == to)
			return 1;
	return 0;
}

static void
test_names(void)
{
	static const char *const names[] = {"email_pending", "proofing",
	    "review", "approved", "kit_shipped", "issued", "rejected", "lapsed",
	    "locked", "withdrawn"};
	enum app_status s;
	int i;

	CU_ASSERT_EQUAL(APP_NSTATUS, 10);
	for (i = 0; i < APP_NSTATUS; i++) {
		CU_ASSERT_STRING_EQUAL(
		    appstate_name((enum app_status)i), names[i]);
		CU_ASSERT_EQUAL(appstate_parse(names[i], &s), 0);
		CU_ASSERT_EQUAL(s, (enum app_status)i);
	}
	CU_ASSERT_STRING_EQUAL(appstate_name((enum app_status)42), "unknown");
	CU_ASSERT_EQUAL(appstate_parse("Proofing", &s), -1);
	CU_ASSERT_EQUAL(appstate_parse("proofing ", &s), -1);
	CU_ASSERT_EQUAL(appstate_parse("", &s), -1);
	CU_ASSERT_EQUAL(appstate_parse("unknown", &s), -1);
	CU_ASSERT_EQUAL(appstate_parse(NULL, &s), -1);
}

static void
test_allowed(void)
{
	size_t i;

	for (i = 0; i < NITEMS(allowed); i++)
		CU_ASSERT_EQUAL(
		    appstate_can_move(allowed[i].from, allowed[i].to), 1);
}

static void
test_forbidden(void)
{
	int from, to, n = 0;

	for (from = 0; from < APP_NSTATUS; from++) {
		for (to = 0; to < APP_NSTATUS; to++) {
			if (is_allowed(from, to))
				continue;
			CU_ASSERT_EQUAL(appstate_can_move(from, to), 0);
			n++;
		}
	}
	CU_ASSERT_EQUAL(n, 100 - (int)NITEMS(allowed));
	/* named ones, for the reader */
	CU_ASSERT_EQUAL(appstate_can_move(APP_ISSUED, APP_LOCKED), 0);
	CU_ASSERT_EQUAL(appstate_can_move(APP_EMAIL_PENDING, APP_APPROVED), 0);
	CU_ASSERT_EQUAL(appstate_can_move(APP_KIT_SHIPPED, APP_WITHDRAWN), 0);
	CU_ASSERT_EQUAL(appstate_can_move(APP_REJECTED, APP_REVIEW), 0);
	CU_ASSERT_EQUAL(appstate_can_move(APP_LAPSED, APP_PROOFING), 0);
	CU_ASSERT_EQUAL(appstate_can_move(APP_PROOFING, APP_PROOFING), 0);
	CU_ASSERT_EQUAL(appstate_can_move(APP_PROOFING, APP_KIT_SHIPPED), 0);
	CU_ASSERT_EQUAL(
	    appstate_can_move((enum app_status) - 1, APP_PROOFING), 0);
	CU_ASSERT_EQUAL(
	    appstate_can_move(APP_EMAIL_PENDING, (enum app_status)10), 0);
}

static void
test_final(void)
{
	int s;

	for (s = 0; s < APP_NSTATUS; s++) {
		int want = s == APP_ISSUED || s == APP_REJECTED ||
		    s == APP_LAPSED || s == APP_LOCKED || s == APP_WITHDRAWN;
		CU_ASSERT_EQUAL(appstate_is_final(s), want);
	}
	CU_ASSERT_EQUAL(appstate_is_final((enum app_status)99), 0);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("appstate", NULL, NULL);
	CU_add_test(s, "names", test_names);
	CU_add_test(s, "allowed moves", test_allowed);
	CU_add_test(s, "forbidden moves", test_forbidden);
	CU_add_test(s, "final statuses", test_final);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
