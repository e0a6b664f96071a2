/* Unit tests of token/tokagent_req.c: the agent's request rules (Host,
 * Origin, the CORS preflight with Chrome's private and local network
 * requests, a POST refused without a preflight, bodies, passcodes kept
 * out of the page when the agent has a pinentry). */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "common/logger.h"
#include "token/tokagent_req.h"

#define T0     1700000000
#define ORIGIN "https://portal.example"

static const char *const origins[] = {ORIGIN, "https://ehr.example"};
static struct tokagent_policy pol;

static void
policy(int pinentry)
{
	memset(&pol, 0, sizeof(pol));
	snprintf(pol.hosts[0], TOKAGENT_HOST_MAX, "127.0.0.1:8766");
	snprintf(pol.hosts[1], TOKAGENT_HOST_MAX, "localhost:8766");
	snprintf(pol.hosts[2], TOKAGENT_HOST_MAX, "[::1]:8766");
	pol.origins = origins;
	pol.norigins = 2;
	pol.body_max = 4096;
	pol.unlock_seconds = 60;
	pol.pinentry = pinentry;
}

/* A request: method, path, origin, Content-Type, body; now T0 + dt. */
static struct tokagent_in
req(const char *method, const char *path, const char *origin, const char *ctype,
    const char *body, long dt)
{
	struct tokagent_in in;

	memset(&in, 0, sizeof(in));
	in.method = method;
	in.path = path;
	in.host = "127.0.0.1:8766";
	in.origin = origin;
	in.content_type = ctype;
	in.body = (const unsigned char *)body;
	in.len = body != NULL ? strlen(body) : 0;
	in.now = T0 + dt;
	return in;
}

static int preflight(const char *origin, long dt);

/* Whether run() preflights each POST first, as a browser does. */
static int auto_preflight;

/* Parses in; the status (0 if accepted); r cleared after unless out. */
static int
run(struct tokagent_in in, struct tokagent_req *out, struct problem *p)
{
	struct tokagent_req r;
	int rc;

	if (auto_preflight && strcmp(in.method, "POST") == 0)
		preflight(in.origin, (long)(in.now - T0));
	problem_clear(p);
	rc = tokagent_parse(&pol, &in, &r, p);
	if (out != NULL)
		*out = r;
	else
		tokagent_req_clear(&r);
	return rc == 0 ? 0 : p->status;
}

/* A preflight of origin for POST at T0 + dt. */
static int
preflight(const char *origin, long dt)
{
	struct tokagent_in in =
	    req("OPTIONS", "/v1/retrieve", origin, NULL, NULL, dt);
	struct problem p;

	in.acr_method = "POST";
	return run(in, NULL, &p);
}

static void
test_host_origin(void)
{
	struct tokagent_in in;
	struct tokagent_req r;
	struct problem p;

	policy(0);
	in = req("GET", "/v1/status", ORIGIN, NULL, NULL, 0);
	CU_ASSERT_EQUAL(run(in, NULL, &p), 0);
	in.host = "LOCALHOST:8766";
	CU_ASSERT_EQUAL(run(in, NULL, &p), 0);
	in.host = "rebind.example:8766";
	CU_ASSERT_EQUAL(run(in, &r, &p), 403);
	CU_ASSERT_STRING_EQUAL(p.type, "host-refused");
	CU_ASSERT_PTR_NULL(r.origin); /* no CORS headers */
	in.host = NULL;
	CU_ASSERT_EQUAL(run(in, NULL, &p), 403);
	in = req("GET", "/v1/status", "https://evil.example", NULL, NULL, 0);
	CU_ASSERT_EQUAL(run(in, &r, &p), 403);
	CU_ASSERT_STRING_EQUAL(p.type, "origin-refused");
	CU_ASSERT_PTR_NULL(r.origin);
	in.origin = NULL;
	CU_ASSERT_EQUAL(run(in, NULL, &p), 403);
	/* a prefix of an allowed origin is another origin */
	in.origin = "https://portal.example.evil";
	CU_ASSERT_EQUAL(run(in, NULL, &p), 403);
	in = req("GET", "/v1/nothing", ORIGIN, NULL, NULL, 0);
	CU_ASSERT_EQUAL(run(in, &r, &p), 404);
	CU_ASSERT_PTR_EQUAL(r.origin, in.origin); /* CORS on the refusal */
}

static void
test_preflight(void)
{
	struct tokagent_in in;
	struct tokagent_req r;
	struct problem p;

	policy(0);
	in = req("OPTIONS", "/v1/keygen", ORIGIN, NULL, NULL, 0);
	CU_ASSERT_EQUAL(run(in, NULL, &p), 400); /* no preflight */
	in.acr_method = "PUT";
	CU_ASSERT_EQUAL(run(in, NULL, &p), 405);
	CU_ASSERT_EQUAL(pol.preflight_at[0], 0);
	in.acr_method = "POST";
	CU_ASSERT_EQUAL(run(in, &r, &p), 0);
	CU_ASSERT_EQUAL(r.op, TOKAGENT_PREFLIGHT);
	CU_ASSERT_EQUAL(r.private_network, 0);
	CU_ASSERT_EQUAL(r.local_network, 0);
	CU_ASSERT_EQUAL(pol.preflight_at[0], T0);
	CU_ASSERT_EQUAL(pol.preflight_at[1], 0);
	in.acr_private = "true";
	CU_ASSERT_EQUAL(run(in, &r, &p), 0);
	CU_ASSERT_EQUAL(r.private_network, 1);
	in.acr_private = NULL;
	in.acr_local = "TRUE";
	CU_ASSERT_EQUAL(run(in, &r, &p), 0);
	CU_ASSERT_EQUAL(r.local_network, 1);
	CU_ASSERT_EQUAL(r.private_network, 0);
	in.acr_local = "false";
	CU_ASSERT_EQUAL(run(in, &r, &p), 0);
	CU_ASSERT_EQUAL(r.local_network, 0);
	/* another origin's preflight: refused, nothing recorded */
	in.origin = "https://evil.example";
	in.now = T0 + 5;
	CU_ASSERT_EQUAL(run(in, NULL, &p), 403);
	CU_ASSERT_EQUAL(pol.preflight_at[0], T0);
}

static void
test_post_needs_preflight(void)
{
	struct tokagent_in in;
	struct problem p;

	policy(0);
	in = req("POST", "/v1/keygen", ORIGIN, "application/json", "{}", 0);
	CU_ASSERT_EQUAL(run(in, NULL, &p), 403);
	CU_ASSERT_STRING_EQUAL(p.type, "preflight-required");
	/* the other origin's preflight does not count */
	CU_ASSERT_EQUAL(preflight("https://ehr.example", 0), 0);
	CU_ASSERT_EQUAL(run(in, NULL, &p), 403);
	CU_ASSERT_EQUAL(preflight(ORIGIN, 0), 0);
	CU_ASSERT_EQUAL(run(in, NULL, &p), 0);
	/* used up: the next POST needs its own */
	CU_ASSERT_EQUAL(run(in, NULL, &p), 403);
	CU_ASSERT_STRING_EQUAL(p.type, "preflight-required");
	in.content_type = "application/json; charset=utf-8";
	CU_ASSERT_EQUAL(preflight(ORIGIN, 0), 0);
	CU_ASSERT_EQUAL(run(in, NULL, &p), 0);
	/* a type a browser sends without a preflight */
	CU_ASSERT_EQUAL(preflight(ORIGIN, 0), 0);
	in.content_type = "text/plain";
	CU_ASSERT_EQUAL(run(in, NULL, &p), 403);
	CU_ASSERT_STRING_EQUAL(p.type, "preflight-required");
	in.content_type = "application/jsonx";
	CU_ASSERT_EQUAL(run(in, NULL, &p), 403);
	in.content_type = NULL;
	CU_ASSERT_EQUAL(run(in, NULL, &p), 403);
	/* the window: its last second, then past it */
	in.content_type = "application/json";
	in.now = T0 + TOKAGENT_PREFLIGHT_WINDOW;
	CU_ASSERT_EQUAL(run(in, NULL, &p), 0);
	CU_ASSERT_EQUAL(preflight(ORIGIN, 0), 0);
	in.now = T0 + TOKAGENT_PREFLIGHT_WINDOW + 1;
	CU_ASSERT_EQUAL(run(in, NULL, &p), 403);
	/* a clock turned back */
	CU_ASSERT_EQUAL(preflight(ORIGIN, 0), 0);
	in.now = T0 - 1;
	CU_ASSERT_EQUAL(run(in, NULL, &p), 403);
	/* a GET needs none */
	in = req("GET", "/v1/status", ORIGIN, NULL, NULL, 1000);
	CU_ASSERT_EQUAL(run(in, NULL, &p), 0);
}

static void
test_bodies(void)
{
	struct tokagent_in in;
	struct tokagent_req r;
	struct problem p;

	policy(1);
	auto_preflight = 1;
	in = req("POST", "/v1/retrieve", ORIGIN, "application/json",
	    "{\"activation_code\": \"ABCD-EFGH\", \"password\": \"pw\"}", 1);
	CU_ASSERT_EQUAL_FATAL(run(in, &r, &p), 0);
	CU_ASSERT_EQUAL(r.op, TOKAGENT_RETRIEVE);
	CU_ASSERT_STRING_EQUAL(r.code, "ABCD-EFGH");
	CU_ASSERT_STRING_EQUAL(r.password, "pw");
	tokagent_req_clear(&r);
	in.body = (const unsigned char *)"{\"activation_code\": \"\", "
	                                 "\"password\": \"\"}";
	in.len = strlen((const char *)in.body);
	CU_ASSERT_EQUAL(run(in, &r, &p), 422);
	CU_ASSERT_EQUAL(p.nfields, 2);
	CU_ASSERT_STRING_EQUAL(p.fields[0].field, "activation_code");
	CU_ASSERT_PTR_NULL(r.code);
	in.body = (const unsigned char *)"{\"password\": \"pw\"}";
	in.len = strlen((const char *)in.body);
	CU_ASSERT_EQUAL(run(in, NULL, &p), 422);
	in.path = "/v1/test";
	CU_ASSERT_EQUAL(run(in, &r, &p), 0);
	CU_ASSERT_EQUAL(r.op, TOKAGENT_TEST);
	tokagent_req_clear(&r);
	in.path = "/v1/renew";
	CU_ASSERT_EQUAL(run(in, &r, &p), 0);
	CU_ASSERT_EQUAL(r.op, TOKAGENT_RENEW);
	CU_ASSERT_STRING_EQUAL(r.password, "pw");
	tokagent_req_clear(&r);
	in.body = (const unsigned char *)"{\"password\": \"\"}";
	in.len = strlen((const char *)in.body);
	CU_ASSERT_EQUAL(run(in, NULL, &p), 422);
	CU_ASSERT_STRING_EQUAL(p.fields[0].field, "password");
	/* renew, as every POST: a preflight of its origin first, and an
	 * allowed origin */
	auto_preflight = 0;
	in = req("POST", "/v1/renew", ORIGIN, "application/json",
	    "{\"password\": \"pw\"}", 1);
	CU_ASSERT_EQUAL(run(in, NULL, &p), 403);
	CU_ASSERT_STRING_EQUAL(p.type, "preflight-required");
	in.origin = "https://evil.example";
	CU_ASSERT_EQUAL(run(in, NULL, &p), 403);
	CU_ASSERT_STRING_EQUAL(p.type, "origin-refused");
	auto_preflight = 1;
	/* passcode and keygen take {} or nothing */
	in = req("POST", "/v1/keygen", ORIGIN, "application/json", NULL, 1);
	CU_ASSERT_EQUAL(run(in, NULL, &p), 0);
	in.body = (const unsigned char *)"{\"x\": 1}";
	in.len = 8;
	CU_ASSERT_EQUAL(run(in, NULL, &p), 422);
	in.path = "/v1/passcode";
	in.body = (const unsigned char *)"{}";
	in.len = 2;
	CU_ASSERT_EQUAL(run(in, NULL, &p), 0);
	/* the passcode is the agent's to ask: never in a body */
	in.path = "/v1/sign";
	in.body = (const unsigned char *)"{\"data\": \"eA==\", "
	                                 "\"passcode\": \"12345678\"}";
	in.len = strlen((const char *)in.body);
	CU_ASSERT_EQUAL(run(in, NULL, &p), 422);
	CU_ASSERT_STRING_EQUAL(p.fields[0].field, "passcode");
	in.body = (const unsigned char *)"{\"data\": \"eA==\"}";
	in.len = strlen((const char *)in.body);
	CU_ASSERT_EQUAL(run(in, NULL, &p), 0);
	in.path = "/v1/unlock";
	in.body = (const unsigned char *)"{}";
	in.len = 2;
	CU_ASSERT_EQUAL(run(in, NULL, &p), 0);
	/* without a pinentry the old rules hold */
	pol.pinentry = 0;
	CU_ASSERT_EQUAL(run(in, NULL, &p), 422);
	in.body = (const unsigned char *)"{\"passcode\": \"12345678\"}";
	in.len = strlen((const char *)in.body);
	CU_ASSERT_EQUAL(run(in, &r, &p), 0);
	CU_ASSERT_STRING_EQUAL(r.passcode, "12345678");
	tokagent_req_clear(&r);
	auto_preflight = 0;
}

int
main(void)
{
	CU_pSuite s;
	unsigned fails;

	log_set_level(LOG_LEVEL_ERROR);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("tokagent_req", NULL, NULL);
	CU_add_test(s, "host and origin", test_host_origin);
	CU_add_test(s, "preflight", test_preflight);
	CU_add_test(s, "POST needs a preflight", test_post_needs_preflight);
	CU_add_test(s, "bodies", test_bodies);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails == 0 ? 0 : 1;
}
