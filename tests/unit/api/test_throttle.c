/* Unit tests of api/service/throttle.c: the growing delays, table-driven. */
#include <CUnit/Basic.h>

#include "api/service/throttle.h"

static void
test_delay(void)
{
	static const struct {
		int failures, free, cap, want;
	} cases[] = {
	    {0, 5, 900, 0},
	    {4, 5, 900, 0},
	    {5, 5, 900, 2},
	    {6, 5, 900, 4},
	    {7, 5, 900, 8},
	    {13, 5, 900, 512},
	    {14, 5, 900, 900},
	    {100, 5, 900, 900},
	    {1000000, 5, 900, 900},
	    {1, 1, 3, 2},
	    {2, 1, 3, 3},
	    {0, 0, 60, 2},
	    {35, 5, 86400, 86400},
	    {36, 5, 86400, 86400},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CU_ASSERT_EQUAL(throttle_delay(cases[i].failures, cases[i].free,
		                    cases[i].cap),
		    cases[i].want);
}

int
main(void)
{
	CU_pSuite s;
	unsigned fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("throttle", NULL, NULL);
	CU_add_test(s, "delay", test_delay);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails == 0 ? 0 : 1;
}
