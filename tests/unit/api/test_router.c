/* Unit tests of api/http/router.c: matching, captures, 404 and 405. */
#include <string.h>

#include <CUnit/Basic.h>

#include "api/http/router.h"

static const struct route table[] = {
    {"GET", "/healthz", "healthz", 0, NULL},
    {"POST", "/v1/applications", "apply", 0, NULL},
    {"GET", "/v1/applications/:id", "app", 0, NULL},
    {"POST", "/v1/applications/:id/email-verification", "verify", 0, NULL},
    {"POST", "/v1/applications/:id/email-verification/resend", "resend", 0,
        NULL},
    {"GET", "/ocsp/*req", "ocsp", 0, NULL},
};
#define N (sizeof(table) / sizeof(table[0]))

static void
test_match_table(void)
{
	static const struct {
		const char *method;
		const char *path;
		int status;
		const char *name;
		const char *id;
	} cases[] = {
	    {"GET", "/healthz", 200, "healthz", NULL},
	    {"HEAD", "/healthz", 200, "healthz", NULL},
	    {"POST", "/healthz", 405, NULL, NULL},
	    {"GET", "/healthz/", 404, NULL, NULL},
	    {"GET", "//healthz", 404, NULL, NULL},
	    {"GET", "/v1/applications/app_x", 200, "app", "app_x"},
	    {"GET", "/v1/applications/", 404, NULL, NULL},
	    {"GET", "/v1/applications//", 404, NULL, NULL},
	    {"POST", "/v1/applications/app_y/email-verification", 200, "verify",
	        "app_y"},
	    {"POST", "/v1/applications/app_y/email-verification/resend", 200,
	        "resend", "app_y"},
	    {"GET", "/v1/applications/app_y/email-verification", 405, NULL,
	        NULL},
	    {"DELETE", "/v1/applications", 405, NULL, NULL},
	    {"GET", "/v1/application", 404, NULL, NULL},
	    {"GET", "/", 404, NULL, NULL},
	    {"GET", "", 404, NULL, NULL},
	};
	struct route_match m;
	char allow[64];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = router_match(table, N, cases[i].method, cases[i].path, &m,
		    allow, sizeof(allow));
		CU_ASSERT_EQUAL(rc, cases[i].status);
		if (rc == 200 && cases[i].name != NULL)
			CU_ASSERT_STRING_EQUAL(m.route->name, cases[i].name);
		if (rc == 200 && cases[i].id != NULL)
			CU_ASSERT_STRING_EQUAL(
			    router_param(&m, "id"), cases[i].id);
	}
}

static void
test_allow(void)
{
	struct route_match m;
	char allow[64];

	CU_ASSERT_EQUAL(router_match(table, N, "PUT", "/v1/applications/a", &m,
	                    allow, sizeof(allow)),
	    405);
	CU_ASSERT_STRING_EQUAL(allow, "GET, HEAD");
	CU_ASSERT_EQUAL(router_match(table, N, "GET", "/v1/applications", &m,
	                    allow, sizeof(allow)),
	    405);
	CU_ASSERT_STRING_EQUAL(allow, "POST");
}

static void
test_raw_segments(void)
{
	struct route_match m;
	char allow[64];

	/* an OCSP GET keeps its bytes: no decoding, no slash collapsing */
	CU_ASSERT_EQUAL(router_match(table, N, "GET", "/ocsp/MEow%2BQ==", &m,
	                    allow, sizeof(allow)),
	    200);
	CU_ASSERT_STRING_EQUAL(router_param(&m, "req"), "MEow%2BQ==");
	CU_ASSERT_PTR_NULL(router_param(&m, "nope"));
	/* base64 may hold slashes, even two in a row: all of it is kept */
	CU_ASSERT_EQUAL(router_match(table, N, "GET", "/ocsp/ME//ab/c=", &m,
	                    allow, sizeof(allow)),
	    200);
	CU_ASSERT_STRING_EQUAL(router_param(&m, "req"), "ME//ab/c=");
	CU_ASSERT_EQUAL(
	    router_match(table, N, "GET", "/ocsp/", &m, allow, sizeof(allow)),
	    404);
	CU_ASSERT_EQUAL(
	    router_match(table, N, "GET", "/ocsp", &m, allow, sizeof(allow)),
	    404);
}

/* The portal's routes (api/server.c): the root is a literal route of its
 * own, and "/assets/" then a star keeps every byte of the name for
 * api/http/static.c to judge, "..", "%2e%2e" and "%00" included. */
static void
test_portal_routes(void)
{
	static const struct route portal[] = {
	    {"GET", "/healthz", "healthz", 0, NULL},
	    {"GET", "/", "portal", 0, NULL},
	    {"GET", "/apply", "portal_apply", 0, NULL},
	    {"GET", "/assets/*file", "asset", 0, NULL},
	};
	static const struct {
		const char *method, *path;
		int status;
		const char *name, *file;
	} cases[] = {
	    {"GET", "/", 200, "portal", NULL},
	    {"HEAD", "/", 200, "portal", NULL},
	    {"POST", "/", 405, NULL, NULL},
	    {"GET", "//", 404, NULL, NULL},
	    {"GET", "/apply", 200, "portal_apply", NULL},
	    {"GET", "/apply/", 404, NULL, NULL},
	    {"GET", "/healthz", 200, "healthz", NULL},
	    {"GET", "/nothing", 404, NULL, NULL},
	    {"GET", "/assets/app.js", 200, "asset", "app.js"},
	    {"GET", "/assets/pages/apply.js", 200, "asset", "pages/apply.js"},
	    {"GET", "/assets/../../etc/passwd", 200, "asset",
	        "../../etc/passwd"},
	    {"GET", "/assets/%2e%2e/x", 200, "asset", "%2e%2e/x"},
	    {"GET", "/assets/", 404, NULL, NULL},
	    {"GET", "/assets", 404, NULL, NULL},
	};
	struct route_match m;
	char allow[64];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = router_match(portal, sizeof(portal) / sizeof(portal[0]),
		    cases[i].method, cases[i].path, &m, allow, sizeof(allow));
		CU_ASSERT_EQUAL(rc, cases[i].status);
		if (rc == 200 && cases[i].name != NULL)
			CU_ASSERT_STRING_EQUAL(m.route->name, cases[i].name);
		if (rc == 200 && cases[i].file != NULL)
			CU_ASSERT_STRING_EQUAL(
			    router_param(&m, "file"), cases[i].file);
	}
}

static void
test_long_segment(void)
{
	struct route_match m;
	char allow[64], path[ROUTER_MAX_SEGMENT + 64];

	memset(path, 'a', sizeof(path));
	memcpy(path, "/v1/applications/", 17);
	path[sizeof(path) - 1] = '\0';
	CU_ASSERT_EQUAL(
	    router_match(table, N, "GET", path, &m, allow, sizeof(allow)), 404);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("router", NULL, NULL);
	CU_add_test(s, "match table", test_match_table);
	CU_add_test(s, "allow header", test_allow);
	CU_add_test(s, "raw segments", test_raw_segments);
	CU_add_test(s, "long segment", test_long_segment);
	CU_add_test(s, "portal routes", test_portal_routes);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
