/*
 * Unit tests of http_date_format (api/http/http.c): the Date header of
 * every response is an RFC 7231 IMF-fixdate of the injectable clock, with
 * English names whatever the locale (known instants, computed
 * independently with `date -u -d @<t> '+%a, %d %b %Y %H:%M:%S GMT'`).
 */
#include <locale.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "api/http/http.h"

static void
test_known_instants(void)
{
	static const struct {
		time_t t;
		const char *want;
	} v[] = {
	    {0, "Thu, 01 Jan 1970 00:00:00 GMT"},
	    {784111777, "Sun, 06 Nov 1994 08:49:37 GMT"}, /* RFC 7231 */
	    {1796531700, "Sun, 06 Dec 2026 04:35:00 GMT"},
	    {1709164800, "Thu, 29 Feb 2024 00:00:00 GMT"},
	    {4102444799, "Thu, 31 Dec 2099 23:59:59 GMT"},
	};
	char buf[HTTP_DATE_LEN];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		memset(buf, 'x', sizeof(buf));
		http_date_format(v[i].t, buf, sizeof(buf));
		CU_ASSERT_STRING_EQUAL(buf, v[i].want);
		CU_ASSERT_EQUAL(strlen(buf), HTTP_DATE_LEN - 1);
	}
}

static void
test_locale_and_truncation(void)
{
	char buf[HTTP_DATE_LEN], small[8];

	/* A locale with other day names changes nothing. */
	if (setlocale(LC_TIME, "de_DE.UTF-8") == NULL)
		(void)setlocale(LC_TIME, "C.UTF-8");
	http_date_format(784111777, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "Sun, 06 Nov 1994 08:49:37 GMT");
	(void)setlocale(LC_TIME, "C");
	/* A short buffer is cut, never overrun. */
	http_date_format(784111777, small, sizeof(small));
	CU_ASSERT_STRING_EQUAL(small, "Sun, 06");
}

int
main(void)
{
	CU_pSuite s;
	int fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("http_date", NULL, NULL);
	CU_add_test(s, "known instants", test_known_instants);
	CU_add_test(s, "locale and truncation", test_locale_and_truncation);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = (int)CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails != 0;
}
