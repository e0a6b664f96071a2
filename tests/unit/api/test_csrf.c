/*
 * Unit tests of api/http/csrf.c: which operator requests a browser may
 * send (docs/console.md).  A request without Origin or Sec-Fetch-Site
 * (curl, an API client) passes; a browser's state-changing request needs
 * the console's header, a same-origin Sec-Fetch-Site and its own
 * listener's Origin; safe methods are never checked.
 */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "api/http/csrf.h"

/* A request of method over HTTPS with the headers names[i]: values[i]. */
static void
make(struct http_request *req, const char *method, int n,
    const char *const *names, const char *const *values)
{
	static char text[8][2][128];
	int i;

	memset(req, 0, sizeof(*req));
	snprintf(req->method, sizeof(req->method), "%s", method);
	req->tls = 1;
	for (i = 0; i < n; i++) {
		snprintf(text[i][0], sizeof(text[i][0]), "%s", names[i]);
		snprintf(text[i][1], sizeof(text[i][1]), "%s", values[i]);
		req->headers[i].name = text[i][0];
		req->headers[i].value = text[i][1];
	}
	req->nheaders = n;
}

static int
check(const char *method, int n, const char *const *names,
    const char *const *values, int tls)
{
	struct http_request req;
	struct problem p;
	int rc;

	make(&req, method, n, names, values);
	req.tls = tls;
	problem_clear(&p);
	rc = csrf_check(&req, &p);
	if (rc == -1) {
		CU_ASSERT_EQUAL(p.status, 403);
		CU_ASSERT_STRING_EQUAL(p.type, "cross-site");
	}
	return rc;
}

static void
test_not_a_browser(void)
{
	const char *n[] = {"Host", "Content-Type"};
	const char *v[] = {"ops.example:8443", "application/json"};

	/* curl and API clients send neither Origin nor Sec-Fetch-Site */
	CU_ASSERT_EQUAL(check("POST", 2, n, v, 1), 0);
	CU_ASSERT_EQUAL(check("DELETE", 1, n, v, 1), 0);
	CU_ASSERT_EQUAL(check("PUT", 0, n, v, 1), 0);
}

static void
test_safe_methods(void)
{
	const char *n[] = {"Host", "Origin", "Sec-Fetch-Site"};
	const char *v[] = {"ops.example", "https://evil.example", "cross-site"};

	CU_ASSERT_EQUAL(check("GET", 3, n, v, 1), 0);
	CU_ASSERT_EQUAL(check("HEAD", 3, n, v, 1), 0);
	CU_ASSERT_EQUAL(check("OPTIONS", 3, n, v, 1), 0);
	CU_ASSERT_EQUAL(csrf_state_changing("POST"), 1);
	CU_ASSERT_EQUAL(csrf_state_changing("PATCH"), 1);
	CU_ASSERT_EQUAL(csrf_state_changing("GET"), 0);
}

static void
test_console(void)
{
	const char *n[] = {
	    "Host", "Origin", "Sec-Fetch-Site", "X-Rxca-Console"};
	const char *v[] = {
	    "ops.example:8443", "https://ops.example:8443", "same-origin", "1"};
	const char *vcase[] = {
	    "OPS.example:8443", "https://ops.EXAMPLE:8443", "same-origin", "1"};

	CU_ASSERT_EQUAL(check("POST", 4, n, v, 1), 0);
	CU_ASSERT_EQUAL(check("POST", 4, n, vcase, 1), 0);
	/* without Sec-Fetch-Site (an older browser): Origin and header do */
	{
		const char *n2[] = {"Host", "Origin", "X-Rxca-Console"};
		const char *v2[] = {
		    "ops.example:8443", "https://ops.example:8443", "1"};
		CU_ASSERT_EQUAL(check("POST", 3, n2, v2, 1), 0);
	}
	/* without Origin but same-origin fetch metadata and the header */
	{
		const char *n3[] = {"Host", "Sec-Fetch-Site", "X-Rxca-Console"};
		const char *v3[] = {"ops.example:8443", "same-origin", "1"};
		CU_ASSERT_EQUAL(check("POST", 3, n3, v3, 1), 0);
	}
}

static void
test_refused(void)
{
	/* another site's form or fetch: Origin is theirs */
	const char *n1[] = {
	    "Host", "Origin", "Sec-Fetch-Site", "X-Rxca-Console"};
	const char *other[] = {
	    "ops.example:8443", "https://evil.example", "cross-site", "1"};
	const char *port[] = {
	    "ops.example:8443", "https://ops.example:9443", "same-origin", "1"};
	const char *scheme[] = {
	    "ops.example:8443", "http://ops.example:8443", "same-origin", "1"};
	const char *null_origin[] = {
	    "ops.example:8443", "null", "same-origin", "1"};
	const char *prefix[] = {"ops.example:8443",
	    "https://ops.example:8443.evil.example", "same-origin", "1"};
	const char *sibling[] = {
	    "ops.example:8443", "https://ops.example:8443", "same-site", "1"};
	/* the console's own origin but no custom header: a plain form post */
	const char *n2[] = {"Host", "Origin", "Sec-Fetch-Site"};
	const char *noheader[] = {
	    "ops.example:8443", "https://ops.example:8443", "same-origin"};
	/* only fetch metadata, cross-site */
	const char *n3[] = {"Host", "Sec-Fetch-Site"};
	const char *meta[] = {"ops.example:8443", "cross-site"};
	/* an Origin but no Host to compare it with */
	const char *n4[] = {"Origin", "X-Rxca-Console"};
	const char *nohost[] = {"https://ops.example:8443", "1"};

	CU_ASSERT_EQUAL(check("POST", 4, n1, other, 1), -1);
	CU_ASSERT_EQUAL(check("POST", 4, n1, port, 1), -1);
	CU_ASSERT_EQUAL(check("POST", 4, n1, scheme, 1), -1);
	CU_ASSERT_EQUAL(check("POST", 4, n1, null_origin, 1), -1);
	CU_ASSERT_EQUAL(check("POST", 4, n1, prefix, 1), -1);
	CU_ASSERT_EQUAL(check("PUT", 4, n1, sibling, 1), -1);
	CU_ASSERT_EQUAL(check("POST", 3, n2, noheader, 1), -1);
	CU_ASSERT_EQUAL(check("DELETE", 2, n3, meta, 1), -1);
	CU_ASSERT_EQUAL(check("POST", 2, n4, nohost, 1), -1);
	/* the https origin does not pass on a plain listener */
	CU_ASSERT_EQUAL(check("POST", 4, n1,
	                    (const char *[]){"ops.example:8443",
	                        "https://ops.example:8443", "same-origin", "1"},
	                    0),
	    -1);
}

int
main(void)
{
	unsigned failed;
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("csrf", NULL, NULL);
	CU_add_test(s, "not a browser", test_not_a_browser);
	CU_add_test(s, "safe methods", test_safe_methods);
	CU_add_test(s, "the console", test_console);
	CU_add_test(s, "refused", test_refused);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
