/* Unit tests of common/base64.c: the one base64 decoder of the API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <openssl/evp.h>

#include "common/base64.h"

struct vector {
	const char *in;  /* base64 text */
	const char *out; /* decoded bytes, or NULL if refused */
};

/* RFC 4648 section 10, and what must be refused. */
static const struct vector vectors[] = {
    {"Zg==", "f"}, {"Zm8=", "fo"}, {"Zm9v", "foo"}, {"Zm9vYg==", "foob"},
    {"Zm9vYmE=", "fooba"}, {"Zm9vYmFy", "foobar"}, {"+/+/", "\xfb\xff\xbf"},
    {"Zh==", "f"},              /* left-over bits ignored, as OpenSSL does */
    {"", NULL},                 /* empty */
    {"Zg", NULL},               /* padding required */
    {"Zg=", NULL},              /* length not a multiple of 4 */
    {"Zm9vY", NULL},            /* length not a multiple of 4 */
    {"Z===", NULL},             /* three '=' */
    {"====", NULL},             /* only padding */
    {"Zg=a", NULL},             /* '=' before the end */
    {"=Zg=", NULL},             /* '=' first */
    {"Zg==Zm8=", NULL},         /* padding in the middle */
    {"Zm9-", NULL},             /* base64url, not standard */
    {"Zm9_", NULL},             /* base64url, not standard */
    {"Zm 9", NULL},             /* space */
    {" Zm9v", NULL},            /* leading whitespace */
    {"   Zm9v", NULL},          /* EVP_DecodeBlock skips this */
    {"Zm9v\n", NULL},           /* line break */
    {"Zm9vYmFy\r\n\r\n", NULL}, /* trailing CRLF */
    {"Zm9%", NULL},             /* percent-encoding left in */
    {"Zm9\x80", NULL},          /* high bit */
};

static void
test_vectors(void)
{
	unsigned char out[64];
	size_t i, len;
	int rc;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];

		len = 99;
		rc =
		    base64_decode(v->in, strlen(v->in), out, sizeof(out), &len);
		if (v->out == NULL) {
			CU_ASSERT_EQUAL(rc, -1);
			CU_ASSERT_EQUAL(len, 0);
			if (rc != -1)
				fprintf(stderr, "accepted: \"%s\"\n", v->in);
			continue;
		}
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT_EQUAL(len, strlen(v->out));
		CU_ASSERT(rc == 0 && memcmp(out, v->out, len) == 0);
		if (rc != 0)
			fprintf(stderr, "refused: \"%s\"\n", v->in);
	}
}

/* A NUL inside the given length is not base64. */
static void
test_embedded_nul(void)
{
	unsigned char out[8];
	size_t len;

	CU_ASSERT_EQUAL(base64_decode("Zm\0v", 4, out, sizeof(out), &len), -1);
	/* only len characters are read */
	CU_ASSERT_EQUAL(base64_decode("Zm9vXX", 4, out, sizeof(out), &len), 0);
	CU_ASSERT_EQUAL(len, 3);
}

/* The output never grows past outsz: exact fits, one byte short fails. */
static void
test_bounds(void)
{
	unsigned char out[8];
	size_t len;

	memset(out, 0xaa, sizeof(out));
	CU_ASSERT_EQUAL(base64_decode("Zm9vYg==", 8, out, 4, &len), 0);
	CU_ASSERT_EQUAL(len, 4);
	CU_ASSERT_EQUAL(out[4], 0xaa);
	CU_ASSERT_EQUAL(base64_decode("Zm9vYg==", 8, out, 3, &len), -1);
	CU_ASSERT_EQUAL(base64_decode("Zm9vYmFy", 8, out, 6, &len), 0);
	CU_ASSERT_EQUAL(base64_decode("Zm9vYmFy", 8, out, 5, &len), -1);
	CU_ASSERT_EQUAL(base64_decode("Zg==", 4, out, 1, &len), 0);
	CU_ASSERT_EQUAL(base64_decode("Zg==", 4, out, 0, &len), -1);
	CU_ASSERT_EQUAL(out[6], 0xaa);
	CU_ASSERT_EQUAL(BASE64_DECODED_MAX(8), 6);
}

/* Every length 1..300 of every byte value: what OpenSSL encodes decodes
 * back, to the same bytes OpenSSL's decoder gives. */
/* base64url (RFC 4648 section 5, unpadded): the RFC's vectors, every
 * length round trip, and what is not base64url refused. */
static void
test_url(void)
{
	static const char *const enc[] = {
	    "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
	unsigned char raw[64], *d;
	char out[100];
	size_t i, n;

	for (i = 0; i < 7; i++) {
		base64url_encode(
		    (const unsigned char *)"foobar", i, out, sizeof(out));
		CU_ASSERT_STRING_EQUAL(out, enc[i]);
		d = base64url_decode(enc[i], strlen(enc[i]), &n);
		CU_ASSERT_FATAL(d != NULL);
		CU_ASSERT_EQUAL(n, i);
		CU_ASSERT_EQUAL(memcmp(d, "foobar", i), 0);
		free(d);
	}
	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(0xf8 + i * 37);
	for (i = 0; i <= sizeof(raw); i++) {
		base64url_encode(raw, i, out, sizeof(out));
		CU_ASSERT_PTR_NULL(strpbrk(out, "+/="));
		d = base64url_decode(out, strlen(out), &n);
		CU_ASSERT_FATAL(d != NULL);
		CU_ASSERT_EQUAL(n, i);
		CU_ASSERT_EQUAL(memcmp(d, raw, i), 0);
		free(d);
	}
	CU_ASSERT_PTR_NULL(base64url_decode("Zm9v+w", 6, &n));
	CU_ASSERT_PTR_NULL(base64url_decode("Zm9v/w", 6, &n));
	CU_ASSERT_PTR_NULL(base64url_decode("Zg==", 4, &n));
	CU_ASSERT_PTR_NULL(base64url_decode("Zm9vY", 5, &n));
	/* too small an output is cut, NUL-terminated */
	base64url_encode((const unsigned char *)"foobar", 6, out, 4);
	CU_ASSERT_STRING_EQUAL(out, "Zm9");
}

static void
test_roundtrip(void)
{
	unsigned char in[300], text[404], out[300], ref[304];
	size_t n, i, len;
	int tlen, rlen;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 7 + 3);
	for (n = 1; n <= sizeof(in); n++) {
		tlen = EVP_EncodeBlock(text, in, (int)n);
		CU_ASSERT_FATAL(tlen > 0);
		CU_ASSERT_EQUAL_FATAL(base64_decode((const char *)text,
		                          (size_t)tlen, out, n, &len),
		    0);
		CU_ASSERT_EQUAL(len, n);
		CU_ASSERT(memcmp(out, in, n) == 0);
		rlen = EVP_DecodeBlock(ref, text, tlen);
		CU_ASSERT(rlen >= (int)n && memcmp(ref, out, n) == 0);
	}
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("base64", NULL, NULL);
	CU_add_test(s, "vectors and refusals", test_vectors);
	CU_add_test(s, "a NUL inside", test_embedded_nul);
	CU_add_test(s, "base64url", test_url);
	CU_add_test(s, "output bounds", test_bounds);
	CU_add_test(s, "round trip with OpenSSL", test_roundtrip);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
