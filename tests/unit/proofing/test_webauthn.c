/*
 * Unit tests of proofing/webauthn.c against tests/data/webauthn/
 * vectors.json, made by an independent software authenticator
 * (make_vectors.py there: python3-cryptography and python3-cbor2): a
 * registration with self attestation, then assertions of its credential
 * verified with the key the registration gave; each expectation changed
 * (origin, RP id, challenge, type, UV) and each byte part tampered with
 * is refused, naming the field.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <fido/param.h>
#include <jansson.h>

#include "common/base64.h"
#include "proofing/webauthn.h"

static json_t *vec;
static struct webauthn_cred cred;

/* The decoded base64url member key of object o (caller frees). */
static unsigned char *
member(json_t *o, const char *key, size_t *len)
{
	const char *s = json_string_value(json_object_get(o, key));

	*len = 0;
	return s != NULL ? base64url_decode(s, strlen(s), len) : NULL;
}

static const char *
str(const char *key)
{
	return json_string_value(json_object_get(vec, key));
}

static void
expect(struct webauthn_expect *e, const char *type, const char *challenge)
{
	memset(e, 0, sizeof(*e));
	e->type = type;
	e->challenge = str(challenge);
	e->origin = str("origin");
	e->rp_id = str("rp_id");
	e->require_uv = 1;
	e->now = 1800000000;
}

/* Registers the vector's registration reg against e: 0 or -1 (with the
 * problem's first field compared with field when given). */
static int
reg(const char *name, const struct webauthn_expect *e, const char *field,
    int flip_att)
{
	json_t *r = json_object_get(vec, name);
	unsigned char *cd, *att;
	size_t cdlen, attlen;
	struct problem p;
	int rc;

	problem_clear(&p);
	cd = member(r, "client_data_json", &cdlen);
	att = member(r, "attestation_object", &attlen);
	CU_ASSERT_FATAL(cd != NULL && att != NULL);
	if (flip_att)
		att[attlen - 3] ^= 1; /* in the signature's last bytes */
	rc = webauthn_register(e, cd, cdlen, att, attlen, NULL, &cred, &p);
	if (rc == -1 && field != NULL) {
		CU_ASSERT_EQUAL(p.status, 422);
		CU_ASSERT_STRING_EQUAL(p.fields[0].field, field);
	}
	free(cd);
	free(att);
	return rc;
}

static void
test_register(void)
{
	struct webauthn_expect e;

	expect(&e, "webauthn.create", "create_challenge");
	CU_ASSERT_EQUAL_FATAL(reg("register", &e, NULL, 0), 0);
	CU_ASSERT_EQUAL(cred.alg, COSE_ES256);
	CU_ASSERT_EQUAL(cred.trust, WEBAUTHN_SELF);
	CU_ASSERT_STRING_EQUAL(cred.fmt, "packed");
	CU_ASSERT_EQUAL(cred.id_len, 32);
	CU_ASSERT_EQUAL(cred.pubkey_len, 64);
	CU_ASSERT_EQUAL(cred.sign_count, 0);
	CU_ASSERT_TRUE(cred.uv);
	CU_ASSERT_TRUE(cred.cose_len > 64 && cred.cose[0] == 0xa5);
	CU_ASSERT_STRING_EQUAL(webauthn_trust_name(cred.trust), "self");
}

static void
test_register_refused(void)
{
	struct webauthn_cred keep = cred;
	struct webauthn_expect e;

	expect(&e, "webauthn.create", "create_challenge");
	CU_ASSERT_EQUAL(reg("register_no_uv", &e, "attestation_object", 0), -1);
	CU_ASSERT_EQUAL(reg("register", &e, "attestation_object", 1), -1);
	e.origin = "https://evil.example";
	CU_ASSERT_EQUAL(reg("register", &e, "client_data_json", 0), -1);
	expect(&e, "webauthn.create", "create_challenge");
	e.rp_id = "rxca.test";
	CU_ASSERT_EQUAL(reg("register", &e, "attestation_object", 0), -1);
	expect(&e, "webauthn.create", "get_challenge");
	CU_ASSERT_EQUAL(reg("register", &e, "client_data_json", 0), -1);
	expect(&e, "webauthn.get", "create_challenge");
	CU_ASSERT_EQUAL(reg("register", &e, "client_data_json", 0), -1);
	/* UV not required: the registration without it passes */
	expect(&e, "webauthn.create", "create_challenge");
	e.require_uv = 0;
	CU_ASSERT_EQUAL(reg("register_no_uv", &e, NULL, 0), 0);
	CU_ASSERT_FALSE(cred.uv);
	cred = keep;
}

/* Asserts vector name against e; flip: a byte of which part to change
 * (0 none, 1 authenticator data's counter, 2 the signature). */
static int
assertion(const char *name, const struct webauthn_expect *e, int flip,
    const char *field, uint32_t *count)
{
	json_t *a = json_object_get(vec, name);
	unsigned char *cd, *ad, *sig;
	size_t cdlen, adlen, siglen;
	struct problem p;
	int uv, rc;

	problem_clear(&p);
	cd = member(a, "client_data_json", &cdlen);
	ad = member(a, "authenticator_data", &adlen);
	sig = member(a, "signature", &siglen);
	CU_ASSERT_FATAL(cd != NULL && ad != NULL && sig != NULL);
	if (flip == 1)
		ad[36] ^= 0x10;
	if (flip == 2)
		sig[siglen - 1] ^= 1;
	rc = webauthn_assert(e, cd, cdlen, ad, adlen, sig, siglen, cred.alg,
	    cred.pubkey, cred.pubkey_len, count, &uv, &p);
	if (rc == -1 && field != NULL) {
		CU_ASSERT_EQUAL(p.status, 422);
		CU_ASSERT_STRING_EQUAL(p.fields[0].field, field);
	}
	free(cd);
	free(ad);
	free(sig);
	return rc;
}

static void
test_assert(void)
{
	struct webauthn_expect e;
	uint32_t count = 0;

	expect(&e, "webauthn.get", "get_challenge");
	CU_ASSERT_EQUAL(assertion("assert", &e, 0, NULL, &count), 0);
	CU_ASSERT_EQUAL(count, 1);
	CU_ASSERT_EQUAL(assertion("assert", &e, 1, "signature", &count), -1);
	CU_ASSERT_EQUAL(assertion("assert", &e, 2, "signature", &count), -1);
	CU_ASSERT_EQUAL(
	    assertion("assert_no_uv", &e, 0, "authenticator_data", &count), -1);
	e.origin = "https://evil.example";
	CU_ASSERT_EQUAL(
	    assertion("assert", &e, 0, "client_data_json", &count), -1);
	expect(&e, "webauthn.get", "get_challenge");
	e.rp_id = "evil.example";
	CU_ASSERT_EQUAL(
	    assertion("assert", &e, 0, "authenticator_data", &count), -1);
	expect(&e, "webauthn.create", "get_challenge");
	CU_ASSERT_EQUAL(
	    assertion("assert", &e, 0, "client_data_json", &count), -1);
	expect(&e, "webauthn.get", "get_challenge");
	e.require_uv = 0;
	CU_ASSERT_EQUAL(assertion("assert_no_uv", &e, 0, NULL, &count), 0);
	CU_ASSERT_EQUAL(count, 2);
}

static void
test_hostile(void)
{
	static const unsigned char junk[] = {0xa3, 0x63, 'f', 'm', 't', 0xff};
	static const unsigned char huge[] = {0xa3, 0x63, 'f', 'm', 't', 0x9b,
	    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00};
	unsigned char deep[4096];
	struct webauthn_expect e;
	struct problem p;
	char ch[64];

	expect(&e, "webauthn.create", "create_challenge");
	problem_clear(&p);
	CU_ASSERT_EQUAL(webauthn_client_challenge((const unsigned char *)"[1]",
	                    3, ch, sizeof(ch), &p),
	    -1);
	problem_clear(&p);
	CU_ASSERT_EQUAL(webauthn_client_challenge(
	                    (const unsigned char *)"{\"challenge\":1}", 15, ch,
	                    sizeof(ch), &p),
	    -1);
	problem_clear(&p);
	CU_ASSERT_EQUAL(
	    webauthn_client_challenge(
	        (const unsigned char
	                *)"{\"challenge\":\"a\",\"challenge\":\"b\"}",
	        33, ch, sizeof(ch), &p),
	    -1);
	problem_clear(&p);
	CU_ASSERT_EQUAL(webauthn_client_challenge(
	                    (const unsigned char *)"{\"challenge\":\"abc\"}",
	                    19, ch, sizeof(ch), &p),
	    0);
	CU_ASSERT_STRING_EQUAL(ch, "abc");
	{
		json_t *r = json_object_get(vec, "register");
		unsigned char *cd;
		size_t cdlen;

		cd = member(r, "client_data_json", &cdlen);
		problem_clear(&p);
		CU_ASSERT_EQUAL(webauthn_register(&e, cd, cdlen, junk,
		                    sizeof(junk), NULL, &cred, &p),
		    -1);
		CU_ASSERT_STRING_EQUAL(p.fields[0].field, "attestation_object");
		/* a header that asks libcbor for an array of 2^32 items */
		problem_clear(&p);
		CU_ASSERT_EQUAL(webauthn_register(&e, cd, cdlen, huge,
		                    sizeof(huge), NULL, &cred, &p),
		    -1);
		CU_ASSERT_STRING_EQUAL(p.fields[0].field, "attestation_object");
		/* arrays nested deeper than any WebAuthn item */
		memset(deep, 0x81, sizeof(deep) - 1);
		deep[sizeof(deep) - 1] = 0x00;
		problem_clear(&p);
		CU_ASSERT_EQUAL(webauthn_register(&e, cd, cdlen, deep,
		                    sizeof(deep), NULL, &cred, &p),
		    -1);
		CU_ASSERT_STRING_EQUAL(p.fields[0].field, "attestation_object");
		free(cd);
	}
}

int
main(void)
{
	const char *dir = getenv("RXCA_TEST_DATA");
	char path[1024];
	json_error_t err;
	CU_pSuite s;
	unsigned int failed;

	snprintf(path, sizeof(path), "%s/webauthn/vectors.json",
	    dir != NULL ? dir : "tests/data");
	if ((vec = json_load_file(path, 0, &err)) == NULL) {
		fprintf(stderr, "%s: %s\n", path, err.text);
		return 1;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("webauthn", NULL, NULL);
	CU_add_test(s, "registration", test_register);
	CU_add_test(s, "registrations refused", test_register_refused);
	CU_add_test(s, "assertions", test_assert);
	CU_add_test(s, "hostile input", test_hostile);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	json_decref(vec);
	return failed != 0;
}
