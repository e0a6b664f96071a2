/* Unit tests of api/http/ratelog.c: the rate of a bounded log. */
#include <stdio.h>

#include <CUnit/Basic.h>

#include "api/http/ratelog.h"

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
	s = CU_add_suite("ratelog", NULL, NULL);
	CU_add_test(s, "ratelog", test_ratelog);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
