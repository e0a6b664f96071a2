/* Unit tests of api/http.c's request-head parser, against hostile heads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "api/http.h"

/* Parses a heap copy of exactly the head's bytes, so ASan sees a read
 * past its end (a literal's NUL would hide it). */
static int
parse(const char *head, struct http_request *req, long long *clen)
{
	size_t n = strlen(head);
	char *exact = malloc(n > 0 ? n : 1);
	int rc;

	memcpy(exact, head, n);
	memset(req, 0, sizeof(*req));
	rc = http_parse_head(exact, n, req, clen);
	free(exact);
	return rc;
}

static void
test_heads(void)
{
	static const struct {
		const char *head;
		int status;
	} cases[] = {
	    {"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 0},
	    {"GET /healthz HTTP/1.0\r\n\r\n", 0},
	    {"GET /healthz HTTP/1.1\r\n\r\n", 400}, /* no Host */
	    {"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505},
	    {"GET /healthz FTP/1.1\r\nHost: x\r\n\r\n", 400},
	    {"get /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	    {"GET healthz HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	    {"GET  /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	    {"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	    {"GET /healthz HTTP/1.1\nHost: x\n\n", 400}, /* bare LF */
	    {"GET /healthz HTTP/1.1\r\nHost x\r\n\r\n", 400},
	    {"GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n", 400},
	    {"GET /healthz HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400},
	    {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
	     "Content-Length: 5\r\n\r\n",
	        400},
	    {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400},
	    {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3\r\n\r\n", 400},
	    {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: "
	     "99999999999999999999999\r\n\r\n",
	        400},
	    {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
	     "\r\n",
	        501},
	    {"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400},
	    {"GET / HTTP/1.1\r\nHost: x\r\nX: a\x01"
	     "b\r\n\r\n",
	        400},
	    {"VERYLONGMETHODNAME / HTTP/1.1\r\nHost: x\r\n\r\n", 501},
	    {"\r\n\r\n", 400},
	    {"", 400},
	    {"GET / \r\n\r\n", 400}, /* no version: once read past the end */
	    {"GET / H\r\n\r\n", 400},
	    {"GET / HTTP\r\n\r\n", 400},
	    {"GET / HTTP/\r\n\r\n", 505},
	    {"GET / HTTP/1.1 \r\nHost: x\r\n\r\n", 505},
	};
	struct http_request req;
	long long clen;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = parse(cases[i].head, &req, &clen);
		if (rc != cases[i].status)
			printf("\ncase %zu: got %d want %d\n", i, rc,
			    cases[i].status);
		CU_ASSERT_EQUAL(rc, cases[i].status);
		http_request_clear(&req);
	}
}

static void
test_fields(void)
{
	struct http_request req;
	long long clen;

	CU_ASSERT_EQUAL_FATAL(
	    parse("POST /v1/a?x=1&y HTTP/1.1\r\n"
	          "Host: h\r\ncontent-length:  12 \r\nConnection: close\r\n"
	          "Idempotency-Key: k1\r\n\r\n",
	        &req, &clen),
	    0);
	CU_ASSERT_STRING_EQUAL(req.method, "POST");
	CU_ASSERT_STRING_EQUAL(req.path, "/v1/a");
	CU_ASSERT_STRING_EQUAL(req.query, "x=1&y");
	CU_ASSERT_EQUAL(clen, 12);
	CU_ASSERT_EQUAL(req.keep_alive, 0);
	CU_ASSERT_STRING_EQUAL(
	    http_request_header(&req, "IDEMPOTENCY-KEY"), "k1");
	CU_ASSERT_PTR_NULL(http_request_header(&req, "Nope"));
	http_request_clear(&req);

	CU_ASSERT_EQUAL_FATAL(parse("GET / HTTP/1.0\r\nConnection: "
	                            "keep-alive\r\n\r\n",
	                          &req, &clen),
	    0);
	CU_ASSERT_EQUAL(req.keep_alive, 1);
	CU_ASSERT_EQUAL(clen, -1);
	http_request_clear(&req);
}

static void
test_limits(void)
{
	struct http_request req;
	long long clen;
	size_t n = BOUND_HEADERS + 100, i;
	char *big;
	int rc;

	/* a head over the bound */
	big = malloc(n + 1);
	memcpy(big, "GET / HTTP/1.1\r\nHost: x\r\nX: ", 28);
	memset(big + 28, 'a', n - 32);
	memcpy(big + n - 4, "\r\n\r\n", 4);
	big[n] = '\0';
	CU_ASSERT_EQUAL(parse(big, &req, &clen), 431);
	http_request_clear(&req);
	free(big);

	/* too many header fields */
	big = malloc(BOUND_HEADERS);
	n = (size_t)snprintf(big, BOUND_HEADERS,
	    "GET / HTTP/1.1\r\n"
	    "Host: x\r\n");
	for (i = 0; i < BOUND_HEADER_COUNT + 1; i++)
		n += (size_t)snprintf(big + n, BOUND_HEADERS - n, "A: b\r\n");
	snprintf(big + n, BOUND_HEADERS - n, "\r\n");
	rc = parse(big, &req, &clen);
	CU_ASSERT_EQUAL(rc, 431);
	http_request_clear(&req);
	free(big);

	/* a request target over the bound */
	big = malloc(BOUND_URI + 64);
	memcpy(big, "GET /", 5);
	memset(big + 5, 'a', BOUND_URI);
	snprintf(big + 5 + BOUND_URI, 59, " HTTP/1.1\r\nHost: x\r\n\r\n");
	CU_ASSERT_EQUAL(parse(big, &req, &clen), 414);
	http_request_clear(&req);
	free(big);
}

static void
test_embedded_nul(void)
{
	static const char head[] = "GET / HTTP/1.1\r\nHost: x\0y\r\n\r\n";
	struct http_request req;
	long long clen;

	memset(&req, 0, sizeof(req));
	CU_ASSERT_EQUAL(
	    http_parse_head(head, sizeof(head) - 1, &req, &clen), 400);
	http_request_clear(&req);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("http", NULL, NULL);
	CU_add_test(s, "request heads", test_heads);
	CU_add_test(s, "fields", test_fields);
	CU_add_test(s, "limits", test_limits);
	CU_add_test(s, "embedded NUL", test_embedded_nul);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
