/* Unit tests of api/http/http_parse.c, the pure request-head parser, against
 * hostile heads: a table of heads and the status each must get, the
 * limits at and one past their bounds, and where a head ends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "api/http/http_parse.h"

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
	    {"\r\n\r\n", 400}, {"", 400},
	    {"GET / \r\n\r\n", 400}, /* no version: once read past the end */
	    {"GET / H\r\n\r\n", 400}, {"GET / HTTP\r\n\r\n", 400},
	    {"GET / HTTP/\r\n\r\n", 505},
	    {"GET / HTTP/1.1 \r\nHost: x\r\n\r\n", 505},
	    {"GET / HTTP/1.1\r\r\nHost: x\r\n\r\n", 400}, /* bare CR */
	    {"GET / HTTP/1.1\r\nHost: x\rY: z\r\n\r\n", 400},
	    {"GET / HTTP/1.1\r\nHost: x\r\n\tfolded\r\n\r\n", 400},
	    {"GET / HTTP/1.1\r\n: x\r\nHost: x\r\n\r\n", 400},
	    {"GET / HTTP/1.1\r\nHo(st: x\r\n\r\n", 400},
	    {"GET /\x80 HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	    {"GET /\x7f HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	    {"GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	    {"GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	    {" GET / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	    {"GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	    {"GET / HTTP/1.2\r\nHost: x\r\n\r\n", 505},
	    {"GET / HTTP/1.10\r\nHost: x\r\n\r\n", 505},
	    {"GET / http/1.1\r\nHost: x\r\n\r\n", 400},
	    {"G3T / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	    {"ABCDEFGHIJKLMNO / HTTP/1.1\r\nHost: x\r\n\r\n", 0},
	    {"ABCDEFGHIJKLMNOP / HTTP/1.1\r\nHost: x\r\n\r\n", 501},
	    {"GET / HTTP/1.1\r\nHost: x\r\n", 400}, /* no empty line */
	    {"GET / HTTP/1.1\r\nHost: x\r\n\r", 400},
	    {"GET / HTTP/1.0\r\nHost: x\r\nhOsT: y\r\n\r\n", 400},
	    {"GET / HTTP/1.1\r\nHost:\r\n\r\n", 0}, /* empty, present */
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

/* Framing a body: Content-Length alone frames it, digits only, at most
 * BOUND_BODY; anything that could frame a request two ways (a second
 * length, Transfer-Encoding, a name or value a proxy might read
 * otherwise) is refused. */
static void
test_framing(void)
{
	static const struct {
		const char *fields; /* after "POST / HTTP/1.1\r\nHost: x\r\n" */
		int status;
		long long clen; /* when status is 0 */
	} cases[] = {
	    {"", 0, -1}, {"Content-Length: 0\r\n", 0, 0},
	    {"Content-Length: 0005\r\n", 0, 5}, {"Content-Length:7\r\n", 0, 7},
	    {"Content-Length: 65536\r\n", 0, BOUND_BODY},
	    {"Content-Length: 65537\r\n", 413, 0},
	    {"Content-Length: 1099511627776\r\n", 413, 0},
	    {"Content-Length: +5\r\n", 400, 0},
	    {"Content-Length: 5 5\r\n", 400, 0},
	    {"Content-Length: 5,5\r\n", 400, 0},
	    {"Content-Length: 5, 5\r\n", 400, 0},
	    {"Content-Length: 0x10\r\n", 400, 0},
	    {"Content-Length:\r\n", 400, 0},
	    {"Content-Length: 5\r\nContent-Length: 6\r\n", 400, 0},
	    {"Content-Length: 5\r\ncontent-length: 5\r\n", 400, 0},
	    {"Content-Length: 5\r\nContent-Length : 6\r\n", 400, 0},
	    {"Content-Length : 5\r\n", 400, 0},
	    {"Content-Length: 5\r\n 6\r\n", 400, 0},
	    {"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", 501, 0},
	    {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", 501, 0},
	    {"transfer-encoding: identity\r\n", 501, 0},
	    {"Transfer-Encoding: chunked, identity\r\n", 501, 0},
	    {"Transfer-Encoding : chunked\r\n", 400, 0},
	    {"Transfer-Encoding\t: chunked\r\n", 400, 0},
	    {" Transfer-Encoding: chunked\r\n", 400, 0},
	    {"X: y\r\n\tTransfer-Encoding: chunked\r\n", 400, 0},
	    /* a framing or forwarding field spelt with '_' for '-' */
	    {"Transfer_Encoding: chunked\r\n", 400, 0},
	    {"content_length: 5\r\n", 400, 0},
	    {"X_Forwarded_For: 10.0.0.1\r\n", 400, 0},
	    {"Host_Name: y\r\n", 0, -1}, /* another field */
	    {"X-Note: a\x7f"
	     "b\r\n",
	        400, 0},                        /* DEL in a value */
	    {"X-Note: caf\xc3\xa9\r\n", 0, -1}, /* obs-text is kept */
	};
	struct http_request req;
	char head[512];
	long long clen;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(head, sizeof(head),
		    "POST / HTTP/1.1\r\nHost: x\r\n%s\r\n", cases[i].fields);
		rc = parse(head, &req, &clen);
		if (rc != cases[i].status || (rc == 0 && clen != cases[i].clen))
			printf("\ncase %zu: got %d (%lld) want %d (%lld)\n", i,
			    rc, clen, cases[i].status, cases[i].clen);
		CU_ASSERT_EQUAL(rc, cases[i].status);
		if (rc == 0)
			CU_ASSERT_EQUAL(clen, cases[i].clen);
		http_request_clear(&req);
	}
}

/* A heap copy of the first len bytes of s, len of them exactly (see
 * parse()). */
static char *
exact_copy(const char *s, size_t len)
{
	char *b = malloc(len > 0 ? len : 1);

	memcpy(b, s, len);
	return b;
}

/* Where a head ends in the bytes received so far. */
static void
test_head_end(void)
{
	static const char get[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	static const struct {
		const char *bytes;
		long end;
	} cases[] = {
	    {"", 0}, {"G", 0}, {"GET / HTTP/1.1\r\nHost: x\r\n", 0},
	    {"GET / HTTP/1.1\r\nHost: x\r\n\r", 0}, {get, sizeof(get) - 1},
	    {"GET / HTTP/1.1\r\nHost: x\r\n\r\nbody", sizeof(get) - 1},
	    {"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	     "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
	        sizeof(get) - 1}, /* pipelined: the first one */
	    {"\r\n\r\n", 4},
	    /* a bare LF ends the head there, for the parser to refuse */
	    {"GET / HTTP/1.1\nHost: x\n\n", 15},
	    {"GET / HTTP/1.1\r\n\n\r\n", 17}, {"\n", 1},
	    {"GET / HTTP/1.1\r\nA\r\n\r\r\n", 0}, /* nor a stray CR */
	};
	size_t i, len;
	char *b;
	long end;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = strlen(cases[i].bytes);
		b = exact_copy(cases[i].bytes, len);
		end = http_head_end(b, len);
		if (end != cases[i].end)
			printf("\ncase %zu: got %ld want %ld\n", i, end,
			    cases[i].end);
		CU_ASSERT_EQUAL(end, cases[i].end);
		free(b);
	}
}

/* A head of n bytes: a request line, Host, one field "X: aaa..." sized to
 * fit, and the empty line when ended. */
static char *
sized_head(size_t n, int ended)
{
	static const char start[] = "GET / HTTP/1.1\r\nHost: x\r\nX: ";
	char *b = malloc(n);

	memcpy(b, start, sizeof(start) - 1);
	memset(b + sizeof(start) - 1, 'a', n - (sizeof(start) - 1));
	if (ended)
		memcpy(b + n - 4, "\r\n\r\n", 4);
	return b;
}

/* Each limit at its bound and one past it. */
static void
test_bounds(void)
{
	struct http_request req;
	long long clen;
	size_t n, i;
	char *b;

	/* a head of BOUND_HEADERS bytes ends and parses; one more does not */
	b = sized_head(BOUND_HEADERS, 1);
	CU_ASSERT_EQUAL(http_head_end(b, BOUND_HEADERS), BOUND_HEADERS);
	memset(&req, 0, sizeof(req));
	CU_ASSERT_EQUAL(http_parse_head(b, BOUND_HEADERS, &req, &clen), 0);
	CU_ASSERT_EQUAL(
	    strlen(http_request_header(&req, "X")), BOUND_HEADERS - 32);
	http_request_clear(&req);
	free(b);
	b = sized_head(BOUND_HEADERS + 1, 1);
	CU_ASSERT_EQUAL(http_head_end(b, BOUND_HEADERS + 1), -1);
	memset(&req, 0, sizeof(req));
	CU_ASSERT_EQUAL(
	    http_parse_head(b, BOUND_HEADERS + 1, &req, &clen), 431);
	http_request_clear(&req);
	free(b);

	/* unended: wait up to BOUND_HEADERS bytes, refuse past them */
	b = sized_head(BOUND_HEADERS + 1, 0);
	CU_ASSERT_EQUAL(http_head_end(b, BOUND_HEADERS), 0);
	CU_ASSERT_EQUAL(http_head_end(b, BOUND_HEADERS + 1), -1);
	free(b);

	/* BOUND_HEADER_COUNT fields (Host and the rest) */
	b = malloc(BOUND_HEADERS);
	n = (size_t)snprintf(b, BOUND_HEADERS, "GET / HTTP/1.1\r\nHost: x\r\n");
	for (i = 1; i < BOUND_HEADER_COUNT; i++)
		n += (size_t)snprintf(b + n, BOUND_HEADERS - n, "A: b\r\n");
	n += (size_t)snprintf(b + n, BOUND_HEADERS - n, "\r\n");
	memset(&req, 0, sizeof(req));
	CU_ASSERT_EQUAL(http_parse_head(b, n, &req, &clen), 0);
	CU_ASSERT_EQUAL(req.nheaders, BOUND_HEADER_COUNT);
	http_request_clear(&req);
	free(b);

	/* a target of BOUND_URI bytes */
	b = malloc(BOUND_URI + 64);
	memcpy(b, "GET /", 5);
	memset(b + 5, 'a', BOUND_URI - 1);
	n = 4 + BOUND_URI;
	n += (size_t)snprintf(b + n, 64, " HTTP/1.1\r\nHost: x\r\n\r\n");
	memset(&req, 0, sizeof(req));
	CU_ASSERT_EQUAL(http_parse_head(b, n, &req, &clen), 0);
	CU_ASSERT_EQUAL(strlen(req.target), BOUND_URI);
	http_request_clear(&req);
	free(b);
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
	CU_add_test(s, "body framing", test_framing);
	CU_add_test(s, "head end", test_head_end);
	CU_add_test(s, "bounds", test_bounds);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
