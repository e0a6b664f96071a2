/* Unit tests of proofing/provider_payment.c: good answers of each
 * operation parse; hostile answers (not JSON, wrong types, unknown or
 * duplicate members, wrong status or amount, bad ids, oversize) are
 * refused with 502 provider-garbage and a cleared answer. */
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "proofing/idcheck.h"
#include "proofing/provider_payment.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

static int
parse(enum payment_op op, const char *body, long cents,
    struct payment_answer *an, struct problem *p)
{
	problem_clear(p);
	return provider_payment_parse(op, body, strlen(body), cents, an, p);
}

static void
test_authorised(void)
{
	struct payment_answer an;
	struct problem p;

	CU_ASSERT_EQUAL(parse(PAYMENT_AUTHORISE,
	                    "{\"id\":\"au_0123456789abcdef\",\"status\":"
	                    "\"authorised\",\"amount_cents\":12345,"
	                    "\"currency\":\"USD\",\"last4\":\"4242\","
	                    "\"decline_code\":null}",
	                    12345, &an, &p),
	    0);
	CU_ASSERT_EQUAL(an.approved, 1);
	CU_ASSERT_STRING_EQUAL(an.id, "au_0123456789abcdef");
	CU_ASSERT_STRING_EQUAL(an.last4, "4242");
	CU_ASSERT_EQUAL(an.amount_cents, 12345);
	CU_ASSERT_STRING_EQUAL(an.decline, "");
}

static void
test_declined(void)
{
	struct payment_answer an;
	struct problem p;

	CU_ASSERT_EQUAL(parse(PAYMENT_AUTHORISE,
	                    "{\"id\":\"au_1\",\"status\":\"declined\","
	                    "\"amount_cents\":100,\"currency\":\"USD\","
	                    "\"last4\":\"0002\",\"decline_code\":"
	                    "\"card_declined\"}",
	                    100, &an, &p),
	    0);
	CU_ASSERT_EQUAL(an.approved, 0);
	CU_ASSERT_STRING_EQUAL(an.decline, "card_declined");
}

static void
test_others(void)
{
	struct payment_answer an;
	struct problem p;

	CU_ASSERT_EQUAL(parse(PAYMENT_CAPTURE,
	                    "{\"id\":\"ca_1\",\"status\":\"captured\","
	                    "\"amount_cents\":500}",
	                    500, &an, &p),
	    0);
	CU_ASSERT_EQUAL(an.approved, 1);
	CU_ASSERT_EQUAL(parse(PAYMENT_VOID,
	                    "{\"id\":\"vo_1\",\"status\":\"voided\","
	                    "\"amount_cents\":777}",
	                    0, &an, &p),
	    0);
	CU_ASSERT_EQUAL(parse(PAYMENT_REFUND,
	                    "{\"id\":\"re_1\",\"status\":\"refunded\","
	                    "\"amount_cents\":10}",
	                    10, &an, &p),
	    0);
	CU_ASSERT_STRING_EQUAL(
	    provider_payment_op_name(PAYMENT_REFUND), "refund");
}

static const struct {
	enum payment_op op;
	const char *body;
} hostile[] = {
    {PAYMENT_CAPTURE, ""},
    {PAYMENT_CAPTURE, "   "},
    {PAYMENT_CAPTURE, "null"},
    {PAYMENT_CAPTURE, "[]"},
    {PAYMENT_CAPTURE, "\"captured\""},
    {PAYMENT_CAPTURE, "<html>oops"},
    {PAYMENT_CAPTURE, "{\"id\":\"ca_1\",\"status\":\"captured\""},
    {PAYMENT_CAPTURE,
        "{\"id\":\"ca_1\",\"status\":\"captured\",\"amount_cents\":500}x"},
    {PAYMENT_CAPTURE,
        "{\"id\":\"ca_1\",\"status\":\"captured\",\"amount_cents\":500}{}"},
    {PAYMENT_CAPTURE,
        "{\"id\":\"ca_1\",\"id\":\"ca_2\",\"status\":"
        "\"captured\",\"amount_cents\":500}"},
    {PAYMENT_CAPTURE,
        "{\"id\":\"ca_1\",\"status\":\"captured\","
        "\"amount_cents\":500,\"extra\":1}"},
    {PAYMENT_CAPTURE, "{\"status\":\"captured\",\"amount_cents\":500}"},
    {PAYMENT_CAPTURE, "{\"id\":\"ca_1\",\"amount_cents\":500}"},
    {PAYMENT_CAPTURE, "{\"id\":\"ca_1\",\"status\":\"captured\"}"},
    {PAYMENT_CAPTURE,
        "{\"id\":1,\"status\":\"captured\",\"amount_cents\":500}"},
    {PAYMENT_CAPTURE,
        "{\"id\":\"\",\"status\":\"captured\",\"amount_cents\":500}"},
    {PAYMENT_CAPTURE,
        "{\"id\":\"ca 1; rm\",\"status\":\"captured\","
        "\"amount_cents\":500}"},
    {PAYMENT_CAPTURE,
        "{\"id\":\"ca_\\u0000\",\"status\":\"captured\","
        "\"amount_cents\":500}"},
    {PAYMENT_CAPTURE,
        "{\"id\":\"a123456789012345678901234567890123456789"
        "012345678901234567890123456789\",\"status\":"
        "\"captured\",\"amount_cents\":500}"},
    {PAYMENT_CAPTURE,
        "{\"id\":\"ca_1\",\"status\":\"voided\",\"amount_cents\":500}"},
    {PAYMENT_CAPTURE,
        "{\"id\":\"ca_1\",\"status\":\"declined\",\"amount_cents\":500}"},
    {PAYMENT_CAPTURE,
        "{\"id\":\"ca_1\",\"status\":\"captured\",\"amount_cents\":501}"},
    {PAYMENT_CAPTURE,
        "{\"id\":\"ca_1\",\"status\":\"captured\",\"amount_cents\":-500}"},
    {PAYMENT_CAPTURE,
        "{\"id\":\"ca_1\",\"status\":\"captured\",\"amount_cents\":\"500\"}"},
    {PAYMENT_CAPTURE,
        "{\"id\":\"ca_1\",\"status\":\"captured\",\"amount_cents\":500.0}"},
    {PAYMENT_CAPTURE,
        "{\"id\":\"ca_1\",\"status\":\"captured\","
        "\"amount_cents\":99999999999999999999999}"},
    {PAYMENT_VOID,
        "{\"id\":\"vo_1\",\"status\":\"voided\","
        "\"amount_cents\":100000001}"},
    {PAYMENT_REFUND,
        "{\"id\":\"re_1\",\"status\":\"captured\",\"amount_cents\":500}"},
    {PAYMENT_AUTHORISE,
        "{\"id\":\"au_1\",\"status\":\"authorised\","
        "\"amount_cents\":500}"},
    {PAYMENT_AUTHORISE,
        "{\"id\":\"au_1\",\"status\":\"authorised\","
        "\"amount_cents\":500,\"currency\":\"EUR\","
        "\"last4\":\"4242\",\"decline_code\":null}"},
    {PAYMENT_AUTHORISE,
        "{\"id\":\"au_1\",\"status\":\"authorised\","
        "\"amount_cents\":500,\"currency\":\"USD\","
        "\"last4\":\"42424\",\"decline_code\":null}"},
    {PAYMENT_AUTHORISE,
        "{\"id\":\"au_1\",\"status\":\"authorised\","
        "\"amount_cents\":500,\"currency\":\"USD\","
        "\"last4\":\"42a2\",\"decline_code\":null}"},
    {PAYMENT_AUTHORISE,
        "{\"id\":\"au_1\",\"status\":\"authorised\","
        "\"amount_cents\":500,\"currency\":\"USD\","
        "\"last4\":\"4242\",\"decline_code\":7}"},
    {PAYMENT_AUTHORISE,
        "{\"id\":\"au_1\",\"status\":\"declined\","
        "\"amount_cents\":500,\"currency\":\"USD\","
        "\"last4\":\"4242\",\"decline_code\":\"x y\"}"},
    {PAYMENT_AUTHORISE,
        "{\"id\":\"au_1\",\"status\":\"approved\","
        "\"amount_cents\":500,\"currency\":\"USD\","
        "\"last4\":\"4242\",\"decline_code\":null}"},
    {PAYMENT_AUTHORISE,
        "{\"id\":\"au_1\",\"status\":\"authorised\","
        "\"amount_cents\":499,\"currency\":\"USD\","
        "\"last4\":\"4242\",\"decline_code\":null}"},
};

static void
test_hostile(void)
{
	struct payment_answer an;
	struct problem p;
	size_t i;

	for (i = 0; i < NITEMS(hostile); i++) {
		memset(&an, 0x5a, sizeof(an));
		CU_ASSERT_EQUAL(
		    parse(hostile[i].op, hostile[i].body,
		        hostile[i].op == PAYMENT_VOID ? 0 : 500, &an, &p),
		    -1);
		CU_ASSERT_EQUAL(p.status, 502);
		CU_ASSERT_STRING_EQUAL(p.type, "provider-garbage");
		CU_ASSERT_EQUAL(an.id[0], '\0');
		CU_ASSERT_EQUAL(an.approved, 0);
	}
}

static void
test_bounds(void)
{
	struct payment_answer an;
	struct problem p;
	size_t n = IDCHECK_MAX_ANSWER + 1;
	char *big = malloc(n + 1);

	memset(big, ' ', n);
	big[n] = '\0';
	problem_clear(&p);
	CU_ASSERT_EQUAL(
	    provider_payment_parse(PAYMENT_CAPTURE, big, n, 1, &an, &p), -1);
	CU_ASSERT_EQUAL(p.status, 502);
	problem_clear(&p);
	CU_ASSERT_EQUAL(
	    provider_payment_parse(PAYMENT_CAPTURE, NULL, 0, 1, &an, &p), -1);
	/* len, not NUL: an embedded NUL byte is not the end. */
	problem_clear(&p);
	CU_ASSERT_EQUAL(provider_payment_parse(PAYMENT_CAPTURE,
	                    "{\"id\":\"ca_1\",\"status\":\"captured\","
	                    "\"amount_cents\":1}\0garbage",
	                    sizeof("{\"id\":\"ca_1\",\"status\":\"captured\","
	                           "\"amount_cents\":1}\0garbage") -
	                        1,
	                    1, &an, &p),
	    -1);
	free(big);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("provider_payment", NULL, NULL);
	CU_add_test(s, "authorised", test_authorised);
	CU_add_test(s, "declined", test_declined);
	CU_add_test(s, "capture, void, refund", test_others);
	CU_add_test(s, "hostile answers", test_hostile);
	CU_add_test(s, "bounds", test_bounds);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
