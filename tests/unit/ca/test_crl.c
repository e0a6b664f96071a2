/*
 * Unit tests of ca/crl.c: reason names, the fields of a CRL read back
 * from its DER, refusals, the signature algorithm for P-256, P-384 and
 * RSA issuers, a CRL of 100,000 entries, `openssl crl` / `openssl
 * verify -crl_check` on the signed result, the encoder's DER byte for
 * byte against OpenSSL's own encoding of the same CRL, a shard's
 * issuingDistributionPoint and the signature's self-check.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca/crl.h"
#include "ca/hierarchy.h"
#include "ca/keyfile.h"
#include "ca/profile.h"
#include "ca/signer.h"
#include "common/problem.h"

#define DAY       86400L
#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))
#define PATHS     128
#define NLARGE    100000
#define OUTMAX    65536

static time_t now;
static EVP_PKEY *root_key, *ca_key, *rsa_key, *ocsp_key;
static struct signer *root_signer, *ca_signer, *rsa_signer;
static X509 *root, *ca, *rsa_ca, *ocsp;

static const unsigned char *
serial(void)
{
	static unsigned char s[PROFILE_SERIAL_LEN];

	profile_serial_new(s);
	return s;
}

static EVP_PKEY *
genkey(enum p11_key_type type)
{
	struct problem p;

	problem_clear(&p);
	return keyfile_generate(type, &p);
}

static int
sign(struct signer *s, X509 *x)
{
	struct problem p;

	problem_clear(&p);
	return x != NULL && signer_sign_x509(s, x, &p) == 0 ? 0 : -1;
}

static int
suite_init(void)
{
	struct problem p;

	problem_clear(&p);
	now = time(NULL) - 3600;
	if ((root_key = genkey(P11_KEY_P384)) == NULL ||
	    (ca_key = genkey(P11_KEY_P256)) == NULL ||
	    (rsa_key = genkey(P11_KEY_RSA2048)) == NULL ||
	    (ocsp_key = genkey(P11_KEY_P256)) == NULL ||
	    (root_signer = signer_from_key(root_key)) == NULL ||
	    (ca_signer = signer_from_key(ca_key)) == NULL ||
	    (rsa_signer = signer_from_key(rsa_key)) == NULL)
		return -1;
	root = hierarchy_root(root_key, "rxca Test", "rxca Test Root CA", 3650,
	    now, serial(), &p);
	ca = hierarchy_issuing(ca_key, root, "rxca Test",
	    "rxca Test Issuing CA", 1825, now, serial(), NULL, &p);
	rsa_ca = hierarchy_issuing(rsa_key, root, "rxca Test",
	    "rxca Test RSA Issuing CA", 1825, now, serial(), NULL, &p);
	if (sign(root_signer, root) == -1 || sign(root_signer, ca) == -1 ||
	    sign(root_signer, rsa_ca) == -1)
		return -1;
	ocsp = hierarchy_ocsp_signer(
	    ocsp_key, ca, "rxca Test", 30, now, serial(), &p);
	return sign(ca_signer, ocsp);
}

static int
suite_clean(void)
{
	X509_free(root);
	X509_free(ca);
	X509_free(rsa_ca);
	X509_free(ocsp);
	signer_free(root_signer);
	signer_free(ca_signer);
	signer_free(rsa_signer);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(rsa_key);
	EVP_PKEY_free(ocsp_key);
	return 0;
}

/* The CRL as a relying party sees it: encoded, then decoded. */
static X509_CRL *
reparse(X509_CRL *crl)
{
	unsigned char *der = NULL;
	const unsigned char *q;
	X509_CRL *back = NULL;
	int n;

	if ((n = i2d_X509_CRL(crl, &der)) > 0) {
		q = der;
		back = d2i_X509_CRL(NULL, &q, n);
	}
	OPENSSL_free(der);
	return back;
}

/* Builds and signs a CRL of e by issuer with signer s. */
static X509_CRL *
build_signed(X509 *issuer, struct signer *s, const struct crl_entry *e,
    size_t n, long long number)
{
	struct problem p;
	X509_CRL *crl;

	problem_clear(&p);
	crl = crl_build(issuer, e, n, number, now, now + 7 * DAY, &p);
	CU_ASSERT_PTR_NOT_NULL(crl);
	if (crl == NULL)
		return NULL;
	CU_ASSERT_EQUAL(signer_sign_crl(s, crl, &p), 0);
	return crl;
}

/* The reason of entry r, -1 if it has no reasonCode; *crit its flag. */
static int
entry_reason(const X509_REVOKED *r, int *crit)
{
	ASN1_ENUMERATED *e;
	long v;

	*crit = -1;
	e = X509_REVOKED_get_ext_d2i(r, NID_crl_reason, crit, NULL);
	if (e == NULL)
		return -1;
	v = ASN1_ENUMERATED_get(e);
	ASN1_ENUMERATED_free(e);
	return (int)v;
}

/* 1 if the serials of crl's entries increase strictly. */
static int
sorted(X509_CRL *crl)
{
	STACK_OF(X509_REVOKED) *revs = X509_CRL_get_REVOKED(crl);
	int i;

	for (i = 1; i < sk_X509_REVOKED_num(revs); i++)
		if (ASN1_INTEGER_cmp(X509_REVOKED_get0_serialNumber(
		                         sk_X509_REVOKED_value(revs, i - 1)),
		        X509_REVOKED_get0_serialNumber(
		            sk_X509_REVOKED_value(revs, i))) >= 0)
			return 0;
	return 1;
}

static void
test_reason_names(void)
{
	static const struct {
		const char *name;
		int reason;
	} names[] = {
	    {"unspecified", CRL_REASON_UNSPECIFIED},
	    {"keyCompromise", CRL_REASON_KEY_COMPROMISE},
	    {"cACompromise", CRL_REASON_CA_COMPROMISE},
	    {"affiliationChanged", CRL_REASON_AFFILIATION_CHANGED},
	    {"superseded", CRL_REASON_SUPERSEDED},
	    {"cessationOfOperation", CRL_REASON_CESSATION_OF_OPERATION},
	    {"privilegeWithdrawn", CRL_REASON_PRIVILEGE_WITHDRAWN},
	    {"aACompromise", CRL_REASON_AA_COMPROMISE},
	};
	static const char *const refused[] = {"certificateHold",
	    "removeFromCRL", "keycompromise", "KeyCompromise", "", "7",
	    "keyCompromise "};
	static const int nameless[] = {-2, -1, 6, 7, 8, 11, 1000};
	size_t i;

	for (i = 0; i < NITEMS(names); i++) {
		CU_ASSERT_EQUAL(
		    crl_reason_parse(names[i].name), names[i].reason);
		CU_ASSERT_PTR_NOT_NULL_FATAL(crl_reason_name(names[i].reason));
		CU_ASSERT_STRING_EQUAL(
		    crl_reason_name(names[i].reason), names[i].name);
	}
	for (i = 0; i < NITEMS(refused); i++)
		CU_ASSERT_EQUAL(crl_reason_parse(refused[i]), -1);
	CU_ASSERT_EQUAL(crl_reason_parse(NULL), -1);
	for (i = 0; i < NITEMS(nameless); i++)
		CU_ASSERT_PTR_NULL(crl_reason_name(nameless[i]));
}

static void
test_fields(void)
{
	struct crl_entry e[6];
	static const int reasons[] = {CRL_REASON_KEY_COMPROMISE, -1,
	    CRL_REASON_UNSPECIFIED, CRL_REASON_SUPERSEDED,
	    CRL_REASON_AA_COMPROMISE, CRL_REASON_CESSATION_OF_OPERATION};
	STACK_OF(X509_REVOKED) * revs;
	const ASN1_INTEGER *sn;
	const X509_REVOKED *r;
	AUTHORITY_KEYID *aki;
	ASN1_INTEGER *num;
	X509_CRL *signed_crl, *crl, *bare;
	struct problem p;
	size_t i, j;
	int crit, found;

	for (i = 0; i < NITEMS(e); i++) {
		memcpy(e[i].serial, serial(), CRL_SERIAL_LEN);
		e[i].revoked_at = now - (time_t)i * DAY;
		e[i].reason = reasons[i];
	}
	/* a descending pair, so the input is surely unsorted */
	e[0].serial[0] = 0x7f;
	e[1].serial[0] = 0x01;

	/* unsigned, it already carries the algorithm and encodes */
	problem_clear(&p);
	bare = crl_build(ca, e, NITEMS(e), 42, now, now + 7 * DAY, &p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bare);
	CU_ASSERT_EQUAL(
	    X509_CRL_get_signature_nid(bare), NID_ecdsa_with_SHA256);
	crl = reparse(bare);
	CU_ASSERT_PTR_NOT_NULL(crl);
	X509_CRL_free(crl);
	X509_CRL_free(bare);

	signed_crl = build_signed(ca, ca_signer, e, NITEMS(e), 42);
	CU_ASSERT_PTR_NOT_NULL_FATAL(signed_crl);
	crl = reparse(signed_crl);
	X509_CRL_free(signed_crl);
	CU_ASSERT_PTR_NOT_NULL_FATAL(crl);

	CU_ASSERT_EQUAL(X509_CRL_get_version(crl), X509_CRL_VERSION_2);
	CU_ASSERT_EQUAL(
	    X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(ca)),
	    0);
	CU_ASSERT_EQUAL(
	    ASN1_TIME_cmp_time_t(X509_CRL_get0_lastUpdate(crl), now), 0);
	CU_ASSERT_EQUAL(
	    ASN1_TIME_cmp_time_t(X509_CRL_get0_nextUpdate(crl), now + 7 * DAY),
	    0);
	CU_ASSERT_EQUAL(
	    ASN1_STRING_type(X509_CRL_get0_lastUpdate(crl)), V_ASN1_UTCTIME);
	CU_ASSERT_EQUAL(X509_CRL_get_signature_nid(crl), NID_ecdsa_with_SHA256);
	CU_ASSERT_EQUAL(X509_CRL_verify(crl, ca_key), 1);
	CU_ASSERT_EQUAL(X509_CRL_verify(crl, root_key), 0);
	ERR_clear_error();

	/* crlExtensions: AKI, then CRL number, both non-critical */
	CU_ASSERT_EQUAL(X509_CRL_get_ext_count(crl), 2);
	CU_ASSERT_EQUAL(
	    X509_CRL_get_ext_by_NID(crl, NID_authority_key_identifier, -1), 0);
	CU_ASSERT_EQUAL(X509_CRL_get_ext_by_NID(crl, NID_crl_number, -1), 1);
	aki = X509_CRL_get_ext_d2i(
	    crl, NID_authority_key_identifier, &crit, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(aki);
	CU_ASSERT_EQUAL(crit, 0);
	CU_ASSERT(aki->keyid != NULL && aki->issuer == NULL &&
	    aki->serial == NULL &&
	    ASN1_OCTET_STRING_cmp(aki->keyid, X509_get0_subject_key_id(ca)) ==
	        0);
	AUTHORITY_KEYID_free(aki);
	num = X509_CRL_get_ext_d2i(crl, NID_crl_number, &crit, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(num);
	CU_ASSERT_EQUAL(crit, 0);
	CU_ASSERT_EQUAL(ASN1_INTEGER_get(num), 42);
	ASN1_INTEGER_free(num);

	/* entries: all there, sorted, with their dates and reasons */
	revs = X509_CRL_get_REVOKED(crl);
	CU_ASSERT_EQUAL_FATAL(sk_X509_REVOKED_num(revs), (int)NITEMS(e));
	CU_ASSERT(sorted(crl));
	for (i = 0; i < NITEMS(e); i++) {
		r = sk_X509_REVOKED_value(revs, (int)i);
		sn = X509_REVOKED_get0_serialNumber(r);
		CU_ASSERT_EQUAL(ASN1_STRING_length(sn), CRL_SERIAL_LEN);
		found = 0;
		for (j = 0; j < NITEMS(e); j++) {
			if (memcmp(ASN1_STRING_get0_data(sn), e[j].serial,
			        CRL_SERIAL_LEN) != 0)
				continue;
			found = 1;
			CU_ASSERT_EQUAL(ASN1_TIME_cmp_time_t(
			                    X509_REVOKED_get0_revocationDate(r),
			                    e[j].revoked_at),
			    0);
			/* unspecified is left out (RFC 5280 5.3.1) */
			CU_ASSERT_EQUAL(entry_reason(r, &crit),
			    e[j].reason == CRL_REASON_UNSPECIFIED
			        ? -1
			        : e[j].reason);
			if (e[j].reason > 0)
				CU_ASSERT_EQUAL(crit, 0);
			CU_ASSERT_EQUAL(
			    X509_REVOKED_get_ext_count(r), e[j].reason > 0);
		}
		CU_ASSERT(found);
	}
	/* the lowest serial, 0x01..., comes first */
	CU_ASSERT_EQUAL(ASN1_STRING_get0_data(X509_REVOKED_get0_serialNumber(
	                    sk_X509_REVOKED_value(revs, 0)))[0],
	    0x01);
	X509_CRL_free(crl);
	CU_ASSERT_EQUAL(ERR_peek_error(), 0);
}

static void
test_empty_and_times(void)
{
	struct problem p;
	X509_CRL *crl, *back;
	time_t late = 2556057600; /* 2051-01-01 */

	problem_clear(&p);
	crl = crl_build(ca, NULL, 0, 0, now, late, &p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(crl);
	CU_ASSERT_EQUAL(signer_sign_crl(ca_signer, crl, &p), 0);
	back = reparse(crl);
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	CU_ASSERT_EQUAL(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(back)), -1);
	CU_ASSERT_EQUAL(ASN1_STRING_type(X509_CRL_get0_nextUpdate(back)),
	    V_ASN1_GENERALIZEDTIME);
	CU_ASSERT_EQUAL(
	    ASN1_TIME_cmp_time_t(X509_CRL_get0_nextUpdate(back), late), 0);
	CU_ASSERT_EQUAL(X509_CRL_verify(back, ca_key), 1);
	X509_CRL_free(back);
	X509_CRL_free(crl);
}

/* P-384 and RSA issuers: the algorithm ca/signer.c signs with. */
static void
test_algorithms(void)
{
	const X509_ALGOR *alg = NULL;
	struct crl_entry e = {{0x12}, 0, CRL_REASON_KEY_COMPROMISE, 0};
	X509_CRL *crl, *back;
	int ptype = 0;

	e.revoked_at = now;
	crl = build_signed(root, root_signer, &e, 1, 7);
	CU_ASSERT_PTR_NOT_NULL_FATAL(crl);
	back = reparse(crl);
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	CU_ASSERT_EQUAL(
	    X509_CRL_get_signature_nid(back), NID_ecdsa_with_SHA384);
	X509_CRL_get0_signature(back, NULL, &alg);
	X509_ALGOR_get0(NULL, &ptype, NULL, alg);
	CU_ASSERT_EQUAL(ptype, V_ASN1_UNDEF);
	CU_ASSERT_EQUAL(X509_CRL_verify(back, root_key), 1);
	X509_CRL_free(back);
	X509_CRL_free(crl);

	crl = build_signed(rsa_ca, rsa_signer, &e, 1, 7);
	CU_ASSERT_PTR_NOT_NULL_FATAL(crl);
	back = reparse(crl);
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	CU_ASSERT_EQUAL(
	    X509_CRL_get_signature_nid(back), NID_sha256WithRSAEncryption);
	X509_CRL_get0_signature(back, NULL, &alg);
	X509_ALGOR_get0(NULL, &ptype, NULL, alg);
	CU_ASSERT_EQUAL(ptype, V_ASN1_NULL);
	CU_ASSERT_EQUAL(X509_CRL_verify(back, rsa_key), 1);
	X509_CRL_free(back);
	X509_CRL_free(crl);
}

static void
test_refusals(void)
{
	struct crl_entry e[2];
	static const int bad_reasons[] = {
	    CRL_REASON_CERTIFICATE_HOLD, CRL_REASON_REMOVE_FROM_CRL, 7, 11, -2};
	struct problem p;
	size_t i;

	memset(e, 0, sizeof(e));
	memcpy(e[0].serial, serial(), CRL_SERIAL_LEN);
	memcpy(e[1].serial, serial(), CRL_SERIAL_LEN);
	e[0].reason = e[1].reason = -1;
	e[0].revoked_at = e[1].revoked_at = now;
#define REFUSED(call, want_status, want_field)                                 \
	do {                                                                   \
		problem_clear(&p);                                             \
		CU_ASSERT_PTR_NULL(call);                                      \
		CU_ASSERT_EQUAL(p.status, want_status);                        \
		if ((want_field)[0] != '\0')                                   \
			CU_ASSERT_STRING_EQUAL(p.fields[0].field, want_field); \
	} while (0)
	for (i = 0; i < NITEMS(bad_reasons); i++) {
		e[1].reason = bad_reasons[i];
		REFUSED(
		    crl_build(ca, e, 2, 1, now, now + DAY, &p), 422, "entries");
	}
	e[1].reason = -1;
	e[1].serial[0] = 0x00;
	REFUSED(crl_build(ca, e, 2, 1, now, now + DAY, &p), 422, "entries");
	e[1].serial[0] = 0x80;
	REFUSED(crl_build(ca, e, 2, 1, now, now + DAY, &p), 422, "entries");
	memcpy(e[1].serial, e[0].serial, CRL_SERIAL_LEN);
	e[1].revoked_at = now - DAY;
	REFUSED(crl_build(ca, e, 2, 1, now, now + DAY, &p), 422, "entries");
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(p.fields[0].message, "two entries have the serial"));
	e[1].reason = CRL_REASON_CERTIFICATE_HOLD;
	REFUSED(crl_build(ca, e, 2, 1, now, now + DAY, &p), 422, "entries");
	CU_ASSERT_STRING_EQUAL(
	    p.fields[0].message, "entry 1: reason 6 is not used");
	e[1].reason = -1;
	REFUSED(crl_build(ca, NULL, 2, 1, now, now + DAY, &p), 422, "entries");
	REFUSED(crl_build(
	            ca, e, (size_t)CRL_MAX_ENTRIES + 1, 1, now, now + DAY, &p),
	    422, "entries");
	REFUSED(crl_build(ca, e, 1, -1, now, now + DAY, &p), 422, "crl_number");
	REFUSED(crl_build(ca, e, 1, 1, now, now, &p), 422, "next_update");
	REFUSED(crl_build(ca, e, 1, 1, now, now - DAY, &p), 422, "next_update");
	/* not a CA, no issuer */
	REFUSED(crl_build(ocsp, e, 1, 1, now, now + DAY, &p), 500, "");
	REFUSED(crl_build(NULL, e, 1, 1, now, now + DAY, &p), 500, "");
#undef REFUSED
	CU_ASSERT_EQUAL(ERR_peek_error(), 0);
}

static void
test_large(void)
{
	struct crl_entry *e;
	unsigned char *der = NULL;
	struct problem p;
	X509_CRL *crl;
	size_t i;
	int n;

	e = calloc(NLARGE, sizeof(*e));
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	for (i = 0; i < NLARGE; i++) {
		profile_serial_new(e[i].serial);
		e[i].revoked_at = now - (time_t)(i % 1000) * 60;
		e[i].reason = i % 3 == 0 ? CRL_REASON_KEY_COMPROMISE : -1;
	}
	problem_clear(&p);
	crl = crl_build(ca, e, NLARGE, 99, now, now + DAY, &p);
	free(e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(crl);
	CU_ASSERT_EQUAL(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)), NLARGE);
	CU_ASSERT(sorted(crl));
	CU_ASSERT_EQUAL(signer_sign_crl(ca_signer, crl, &p), 0);
	n = i2d_X509_CRL(crl, &der);
	CU_ASSERT(n > NLARGE * 30);
	CU_ASSERT_EQUAL(X509_CRL_verify(crl, ca_key), 1);
	OPENSSL_free(der);
	X509_CRL_free(crl);
}

/*
 * The reference: the same CRL made with OpenSSL's own objects and
 * encoder (X509_CRL_add0_revoked, X509_CRL_add1_ext_i2d, X509_CRL_sign
 * with key), its TBSCertList DER into *tbs (OPENSSL_free).  Its length.
 */
static int
ref_tbs(X509 *issuer, EVP_PKEY *key, const EVP_MD *md,
    const struct crl_entry *e, size_t n, long long number, time_t t0, time_t t1,
    unsigned char **tbs)
{
	X509_CRL *crl = X509_CRL_new();
	AUTHORITY_KEYID *aki = AUTHORITY_KEYID_new();
	ASN1_INTEGER *num = ASN1_INTEGER_new(), *sn;
	ASN1_TIME *t;
	ASN1_ENUMERATED *r;
	X509_REVOKED *rev;
	size_t i;
	int len = -1;

	*tbs = NULL;
	if (crl == NULL || aki == NULL || num == NULL ||
	    X509_CRL_set_version(crl, X509_CRL_VERSION_2) != 1 ||
	    X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) != 1)
		goto out;
	t = ASN1_TIME_set(NULL, t0);
	X509_CRL_set1_lastUpdate(crl, t);
	ASN1_TIME_free(t);
	t = ASN1_TIME_set(NULL, t1);
	X509_CRL_set1_nextUpdate(crl, t);
	ASN1_TIME_free(t);
	for (i = 0; i < n; i++) {
		rev = X509_REVOKED_new();
		sn = ASN1_INTEGER_new();
		ASN1_STRING_set(sn, e[i].serial, CRL_SERIAL_LEN);
		X509_REVOKED_set_serialNumber(rev, sn);
		ASN1_INTEGER_free(sn);
		t = ASN1_TIME_set(NULL, e[i].revoked_at);
		X509_REVOKED_set_revocationDate(rev, t);
		ASN1_TIME_free(t);
		if (e[i].reason > CRL_REASON_UNSPECIFIED) {
			r = ASN1_ENUMERATED_new();
			ASN1_ENUMERATED_set(r, e[i].reason);
			X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, r, 0, 0);
			ASN1_ENUMERATED_free(r);
		}
		X509_CRL_add0_revoked(crl, rev);
	}
	aki->keyid = ASN1_OCTET_STRING_dup(X509_get0_subject_key_id(issuer));
	ASN1_INTEGER_set_int64(num, number);
	if (X509_CRL_add1_ext_i2d(
	        crl, NID_authority_key_identifier, aki, 0, 0) != 1 ||
	    X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) != 1 ||
	    X509_CRL_sort(crl) != 1 || X509_CRL_sign(crl, key, md) <= 0)
		goto out;
	len = i2d_re_X509_CRL_tbs(crl, tbs);
out:
	ASN1_INTEGER_free(num);
	AUTHORITY_KEYID_free(aki);
	X509_CRL_free(crl);
	return len;
}

/* The TBSCertList inside the CRL der: its offset, and its length in *n. */
static long
tbs_of(const unsigned char *der, size_t len, long *n)
{
	const unsigned char *q = der;
	long l;
	int tag, cls;

	if (ASN1_get_object(&q, &l, &tag, &cls, (long)len) & 0x80)
		return -1;
	*n = (long)(q - der);
	if (ASN1_get_object(&q, &l, &tag, &cls, (long)len - *n) & 0x80)
		return -1;
	l += (long)(q - der) - *n;
	q = der + *n;
	*n = l;
	return (long)(q - der);
}

static void
test_byte_exact(void)
{
	struct crl_entry e[6];
	struct crl_params c = {ca, 77, now, now + 7 * DAY, NULL, 0};
	unsigned char *der = NULL, *ref = NULL, *again = NULL;
	const unsigned char *q;
	struct problem p;
	X509_CRL *crl = NULL;
	long off, tlen = 0;
	size_t len = 0, i;
	int rlen, alen;

	memset(e, 0, sizeof(e));
	for (i = 0; i < NITEMS(e); i++) {
		memcpy(e[i].serial, serial(), CRL_SERIAL_LEN);
		e[i].revoked_at = now - (time_t)i * 3600;
		e[i].reason = -1;
	}
	e[1].reason = CRL_REASON_KEY_COMPROMISE;
	e[2].reason = CRL_REASON_UNSPECIFIED; /* left out */
	e[3].reason = CRL_REASON_AA_COMPROMISE;
	e[4].revoked_at = 2556144000; /* 2051: GeneralizedTime */
	e[5].revoked_at = -315619200; /* 1960: UTCTime, 19xx */
	/* the reference first: crl_encode sorts e in place */
	rlen = ref_tbs(ca, ca_key, EVP_sha256(), e, NITEMS(e), 77, now,
	    now + 7 * DAY, &ref);
	CU_ASSERT_FATAL(rlen > 0);
	problem_clear(&p);
	CU_ASSERT_EQUAL_FATAL(
	    crl_encode(&c, ca_signer, e, NITEMS(e), &der, &len, &p), 0);
	for (i = 1; i < NITEMS(e); i++)
		CU_ASSERT(
		    memcmp(e[i - 1].serial, e[i].serial, CRL_SERIAL_LEN) < 0);
	/* the TBSCertList, byte for byte as OpenSSL encodes the same CRL */
	off = tbs_of(der, len, &tlen);
	CU_ASSERT_FATAL(off > 0);
	CU_ASSERT_EQUAL(tlen, rlen);
	CU_ASSERT(tlen == rlen && memcmp(der + off, ref, (size_t)rlen) == 0);
	/* the whole CRL: OpenSSL parses it and encodes it back unchanged, and
	 * its signature verifies */
	q = der;
	crl = d2i_X509_CRL(NULL, &q, (long)len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(crl);
	CU_ASSERT_EQUAL(q, der + len);
	alen = i2d_X509_CRL(crl, &again);
	CU_ASSERT(alen == (int)len && memcmp(again, der, len) == 0);
	CU_ASSERT_EQUAL(X509_CRL_verify(crl, ca_key), 1);
	CU_ASSERT_EQUAL(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)), 6);
	OPENSSL_free(again);
	X509_CRL_free(crl);
	OPENSSL_free(ref);
	free(der);
	/* no entries: revokedCertificates absent, as OpenSSL leaves it */
	rlen = ref_tbs(
	    ca, ca_key, EVP_sha256(), NULL, 0, 77, now, now + 7 * DAY, &ref);
	CU_ASSERT_EQUAL_FATAL(
	    crl_encode(&c, ca_signer, NULL, 0, &der, &len, &p), 0);
	off = tbs_of(der, len, &tlen);
	CU_ASSERT(tlen == rlen && memcmp(der + off, ref, (size_t)rlen) == 0);
	OPENSSL_free(ref);
	free(der);
	/* RSA: sha256WithRSAEncryption with NULL parameters */
	c.issuer = rsa_ca;
	rlen = ref_tbs(
	    rsa_ca, rsa_key, EVP_sha256(), e, 2, 77, now, now + 7 * DAY, &ref);
	CU_ASSERT_EQUAL_FATAL(
	    crl_encode(&c, rsa_signer, e, 2, &der, &len, &p), 0);
	off = tbs_of(der, len, &tlen);
	CU_ASSERT(tlen == rlen && memcmp(der + off, ref, (size_t)rlen) == 0);
	OPENSSL_free(ref);
	free(der);
}

/* The issuingDistributionPoint of a shard, and the self-check. */
static void
test_shard_and_self_check(void)
{
	static const char url[] = "http://pki.example.org/pki/issuing-3.crl";
	struct crl_entry e[1];
	struct crl_params c = {ca, 5, now, now + DAY, url, 1};
	ISSUING_DIST_POINT *idp;
	GENERAL_NAME *gn;
	unsigned char *der = NULL;
	const unsigned char *q;
	struct problem p;
	X509_CRL *crl;
	size_t len = 0;
	int crit = -1, critical;

	memset(e, 0, sizeof(e));
	memcpy(e[0].serial, serial(), CRL_SERIAL_LEN);
	e[0].revoked_at = now;
	e[0].reason = -1;
	for (critical = 0; critical <= 1; critical++) {
		c.idp_critical = critical;
		problem_clear(&p);
		CU_ASSERT_EQUAL_FATAL(
		    crl_encode(&c, ca_signer, e, 1, &der, &len, &p), 0);
		q = der;
		crl = d2i_X509_CRL(NULL, &q, (long)len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(crl);
		idp = X509_CRL_get_ext_d2i(
		    crl, NID_issuing_distribution_point, &crit, NULL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(idp);
		CU_ASSERT_EQUAL(crit, critical);
		CU_ASSERT(idp->onlyuser > 0);
		CU_ASSERT(idp->onlyCA <= 0 && idp->onlysomereasons == NULL &&
		    idp->indirectCRL <= 0 && idp->onlyattr <= 0);
		CU_ASSERT_FATAL(idp->distpoint != NULL &&
		    idp->distpoint->type == 0 &&
		    sk_GENERAL_NAME_num(idp->distpoint->name.fullname) == 1);
		gn = sk_GENERAL_NAME_value(idp->distpoint->name.fullname, 0);
		CU_ASSERT_EQUAL(gn->type, GEN_URI);
		CU_ASSERT_STRING_EQUAL((const char *)ASN1_STRING_get0_data(
		                           gn->d.uniformResourceIdentifier),
		    url);
		CU_ASSERT_EQUAL(X509_CRL_verify(crl, ca_key), 1);
		ISSUING_DIST_POINT_free(idp);
		X509_CRL_free(crl);
		free(der);
	}
	/* a signer whose key is not the issuer's: the self-check refuses */
	problem_clear(&p);
	CU_ASSERT_EQUAL(crl_encode(&c, root_signer, e, 1, &der, &len, &p), -1);
	CU_ASSERT_EQUAL(p.status, 500);
	CU_ASSERT_PTR_NULL(der);
	ERR_clear_error();
}

/* Runs argv (PATH searched, at most 19 words), stdout and stderr into
 * the file out; its exit status, or -1. */
static int
run(const char *const argv[], const char *out)
{
	char *args[20];
	pid_t pid;
	int status = -1, fd, n;

	for (n = 0; n < 19 && argv[n] != NULL; n++)
		args[n] = strdup(argv[n]);
	args[n] = NULL;
	if ((pid = fork()) == 0) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd == -1)
			_exit(126);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execvp(args[0], args);
		_exit(127);
	}
	if (pid == -1 || waitpid(pid, &status, 0) == -1 || !WIFEXITED(status))
		status = -1;
	else
		status = WEXITSTATUS(status);
	while (n-- > 0)
		free(args[n]);
	return status;
}

/* 1 if the file path contains s. */
static int
file_has(const char *path, const char *s)
{
	static char buf[OUTMAX];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, s) != NULL;
}

/* A leaf certificate of serial sn under ca, signed. */
static X509 *
leaf(const unsigned char sn[PROFILE_SERIAL_LEN])
{
	X509_NAME *name = NULL;
	X509 *x;

	if ((x = X509_new()) == NULL || (name = X509_NAME_new()) == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	        (const unsigned char *)"leaf", -1, -1, 0) != 1 ||
	    X509_set_version(x, X509_VERSION_3) != 1 ||
	    profile_set_serial(x, sn) == -1 ||
	    X509_set_subject_name(x, name) != 1 ||
	    X509_set_issuer_name(x, X509_get_subject_name(ca)) != 1 ||
	    X509_set_pubkey(x, ocsp_key) != 1 ||
	    profile_set_validity(x, ca, now, 30) == -1 ||
	    profile_add_basic_constraints(x, 0, -1) == -1 ||
	    profile_add_key_ids(x, ca) == -1 || sign(ca_signer, x) == -1) {
		X509_free(x);
		x = NULL;
	}
	X509_NAME_free(name);
	return x;
}

static int
write_pem_x509(const char *path, X509 *x)
{
	FILE *f;
	int ok;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	ok = PEM_write_X509(f, x);
	return fclose(f) == 0 && ok == 1 ? 0 : -1;
}

static int
write_pem_crl(const char *path, X509_CRL *crl)
{
	FILE *f;
	int ok;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	ok = PEM_write_X509_CRL(f, crl);
	return fclose(f) == 0 && ok == 1 ? 0 : -1;
}

static void
test_openssl(void)
{
	static const char *const names[] = {"root.pem", "issuing.pem",
	    "crl.pem", "bad.pem", "revoked.pem", "good.pem", "out.txt"};
	char dir[] = "/tmp/rxca-crl-XXXXXX";
	char path[NITEMS(names)][PATHS];
	unsigned char sn_revoked[PROFILE_SERIAL_LEN],
	    sn_good[PROFILE_SERIAL_LEN];
	struct crl_entry e[3];
	X509 *revoked = NULL, *good = NULL;
	X509_CRL *crl = NULL, *bad = NULL;
	size_t i;

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	for (i = 0; i < NITEMS(names); i++)
		snprintf(path[i], PATHS, "%s/%s", dir, names[i]);
	memcpy(sn_revoked, serial(), sizeof(sn_revoked));
	memcpy(sn_good, serial(), sizeof(sn_good));
	revoked = leaf(sn_revoked);
	good = leaf(sn_good);
	CU_ASSERT_PTR_NOT_NULL(revoked);
	CU_ASSERT_PTR_NOT_NULL(good);
	memset(e, 0, sizeof(e));
	for (i = 0; i < NITEMS(e); i++) {
		memcpy(e[i].serial, serial(), CRL_SERIAL_LEN);
		e[i].revoked_at = now;
		e[i].reason = CRL_REASON_SUPERSEDED;
	}
	memcpy(e[1].serial, sn_revoked, CRL_SERIAL_LEN);
	e[1].reason = CRL_REASON_KEY_COMPROMISE;
	crl = build_signed(ca, ca_signer, e, NITEMS(e), 3);
	/* the same CRL signed with another key */
	bad = build_signed(ca, root_signer, e, NITEMS(e), 3);
	if (revoked == NULL || good == NULL || crl == NULL || bad == NULL ||
	    write_pem_x509(path[0], root) == -1 ||
	    write_pem_x509(path[1], ca) == -1 ||
	    write_pem_crl(path[2], crl) == -1 ||
	    write_pem_crl(path[3], bad) == -1 ||
	    write_pem_x509(path[4], revoked) == -1 ||
	    write_pem_x509(path[5], good) == -1) {
		CU_FAIL("cannot write the test files");
	} else {
		const char *const crl_ok[] = {"openssl", "crl", "-in", path[2],
		    "-CAfile", path[1], "-noout", NULL};
		const char *const crl_bad[] = {"openssl", "crl", "-in", path[3],
		    "-CAfile", path[1], "-noout", NULL};
		const char *const crl_text[] = {
		    "openssl", "crl", "-in", path[2], "-noout", "-text", NULL};
		const char *const v_revoked[] = {"openssl", "verify",
		    "-crl_check", "-CAfile", path[0], "-untrusted", path[1],
		    "-CRLfile", path[2], path[4], NULL};
		const char *const v_good[] = {"openssl", "verify", "-crl_check",
		    "-CAfile", path[0], "-untrusted", path[1], "-CRLfile",
		    path[2], path[5], NULL};
		const char *const v_bad_crl[] = {"openssl", "verify",
		    "-crl_check", "-CAfile", path[0], "-untrusted", path[1],
		    "-CRLfile", path[3], path[5], NULL};

		CU_ASSERT_EQUAL(run(crl_ok, path[6]), 0);
		CU_ASSERT(file_has(path[6], "verify OK"));
		/* openssl crl 3.0 exits 0 either way: read what it says */
		(void)run(crl_bad, path[6]);
		CU_ASSERT(file_has(path[6], "verify failure"));
		CU_ASSERT(!file_has(path[6], "verify OK"));
		CU_ASSERT_EQUAL(run(crl_text, path[6]), 0);
		CU_ASSERT(file_has(path[6], "Version 2 (0x1)"));
		CU_ASSERT(file_has(path[6],
		    "X509v3 CRL Number: \n"
		    "                3"));
		CU_ASSERT(file_has(path[6], "Key Compromise"));
		CU_ASSERT_NOT_EQUAL(run(v_revoked, path[6]), 0);
		CU_ASSERT(file_has(path[6], "certificate revoked"));
		CU_ASSERT_EQUAL(run(v_good, path[6]), 0);
		CU_ASSERT(file_has(path[6], ": OK"));
		CU_ASSERT_NOT_EQUAL(run(v_bad_crl, path[6]), 0);
	}
	for (i = 0; i < NITEMS(names); i++)
		(void)unlink(path[i]);
	CU_ASSERT(rmdir(dir) == 0);
	X509_CRL_free(crl);
	X509_CRL_free(bad);
	X509_free(revoked);
	X509_free(good);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("crl", suite_init, suite_clean);
	CU_add_test(s, "reason names", test_reason_names);
	CU_add_test(s, "fields read back", test_fields);
	CU_add_test(s, "no entries, GeneralizedTime", test_empty_and_times);
	CU_add_test(s, "P-384 and RSA issuers", test_algorithms);
	CU_add_test(s, "refusals", test_refusals);
	CU_add_test(s, "100,000 entries", test_large);
	CU_add_test(s, "openssl crl and verify -crl_check", test_openssl);
	CU_add_test(s, "byte for byte as OpenSSL encodes it", test_byte_exact);
	CU_add_test(
	    s, "a shard's IDP; the self-check", test_shard_and_self_check);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed != 0;
}
