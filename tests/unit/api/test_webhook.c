/*
 * Unit tests of api/service/webhook.c's pure parts: the Rxca-Signature value
 * against a known HMAC-SHA256 (computed independently with OpenSSL's
 * command line: printf '1700000000.{"id":"evt_1"}' | openssl dgst -sha256
 * -hmac whsec), the receiver's check (tampered body, wrong secret, stale
 * time, malformed headers).  The receiver URL rules are in
 * test_webhook_url.c.
 */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "api/service/webhook.h"
#include "common/problem.h"

#define SECRET "whsec"
#define BODY   "{\"id\":\"evt_1\"}"
#define T      1700000000
#define MAC    "e7e846cdb96220c3674ade89e534304fc91f6f15064facee1e7a7096f5f57f62"

static void
test_sign_format(void)
{
	char sig[WEBHOOK_SIG_LEN];

	webhook_sign(SECRET, T, BODY, sig, sizeof(sig));
	CU_ASSERT_EQUAL(strncmp(sig, "t=1700000000,v1=", 16), 0);
	CU_ASSERT_EQUAL(strlen(sig), 16 + 64);
	CU_ASSERT_STRING_EQUAL(sig + 16, MAC);
}

static void
test_verify(void)
{
	char sig[WEBHOOK_SIG_LEN], bad[WEBHOOK_SIG_LEN];

	webhook_sign(SECRET, T, BODY, sig, sizeof(sig));
	CU_ASSERT_EQUAL(webhook_verify(SECRET, sig, BODY, T + 10, 300), 1);
	CU_ASSERT_EQUAL(webhook_verify(SECRET, sig, BODY, T - 10, 300), 1);
	CU_ASSERT_EQUAL(webhook_verify("other", sig, BODY, T, 300), 0);
	CU_ASSERT_EQUAL(
	    webhook_verify(SECRET, sig, "{\"id\":\"evt_2\"}", T, 300), 0);
	CU_ASSERT_EQUAL(webhook_verify(SECRET, sig, BODY, T + 301, 300), 0);
	memcpy(bad, sig, sizeof(bad));
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == '0' ? '1' : '0';
	CU_ASSERT_EQUAL(webhook_verify(SECRET, bad, BODY, T, 300), 0);
	CU_ASSERT_EQUAL(webhook_verify(SECRET, "", BODY, T, 300), 0);
	CU_ASSERT_EQUAL(webhook_verify(SECRET, NULL, BODY, T, 300), 0);
	CU_ASSERT_EQUAL(webhook_verify(SECRET, "t=,v1=", BODY, T, 300), 0);
	CU_ASSERT_EQUAL(
	    webhook_verify(SECRET, "t=1700000000,v1=abc", BODY, T, 300), 0);
	/* A signature for another time does not pass for this one. */
	webhook_sign(SECRET, T + 1, BODY, bad, sizeof(bad));
	CU_ASSERT_NOT_EQUAL(strcmp(bad + 16, sig + 16), 0);
}

/* During a rotation: "t=<t>,v1=<new>,v1=<old>"; a receiver holding
 * either secret accepts it, one holding neither refuses it. */
static void
test_two_signatures(void)
{
	char sig[WEBHOOK_SIG_LEN], one[WEBHOOK_SIG_LEN],
	    bad[2 * WEBHOOK_SIG_LEN];

	webhook_sign_two("new", SECRET, T, BODY, sig, sizeof(sig));
	webhook_sign("new", T, BODY, one, sizeof(one));
	/* The new one first, then the old: the old one's is MAC. */
	CU_ASSERT_EQUAL(strncmp(sig, one, strlen(one)), 0);
	CU_ASSERT_STRING_EQUAL(sig + strlen(one), ",v1=" MAC);
	CU_ASSERT_EQUAL(webhook_verify("new", sig, BODY, T, 300), 1);
	CU_ASSERT_EQUAL(webhook_verify(SECRET, sig, BODY, T, 300), 1);
	CU_ASSERT_EQUAL(webhook_verify("other", sig, BODY, T, 300), 0);
	CU_ASSERT_EQUAL(webhook_verify(SECRET, sig, "{}", T, 300), 0);
	/* Without the old secret: one signature, as webhook_sign. */
	webhook_sign_two("new", NULL, T, BODY, bad, sizeof(bad));
	CU_ASSERT_STRING_EQUAL(bad, one);
	/* A third v1, a truncated one or trailing junk is refused. */
	snprintf(bad, sizeof(bad), "%s,v1=%s", sig, MAC);
	CU_ASSERT_EQUAL(webhook_verify(SECRET, bad, BODY, T, 300), 0);
	snprintf(bad, sizeof(bad), "%s", sig);
	bad[strlen(bad) - 1] = '\0';
	CU_ASSERT_EQUAL(webhook_verify("new", bad, BODY, T, 300), 0);
	snprintf(bad, sizeof(bad), "%s,x", sig);
	CU_ASSERT_EQUAL(webhook_verify("new", bad, BODY, T, 300), 0);
}

int
main(void)
{
	CU_pSuite s;
	int fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("webhook", NULL, NULL);
	CU_add_test(s, "sign format", test_sign_format);
	CU_add_test(s, "verify", test_verify);
	CU_add_test(s, "two signatures", test_two_signatures);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = (int)CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails != 0;
}
