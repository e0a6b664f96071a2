/*
 * Unit tests of ca/profile.c: the subscriber certificate, checked field by
 * field with OpenSSL's getters, signed here with a local issuing CA and
 * verified with X509_verify() and `openssl verify`.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca/hierarchy.h"
#include "ca/profile.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))
#define DAY       86400L
#define NSERIALS  100

static const time_t now = 1780000000; /* 2026-05-28 */

static const char *const pol_hw[] = {
    "1.3.6.1.4.1.55555.1.1", "1.3.6.1.4.1.55555.1.3"};
static const char *const pol_sw[] = {"1.3.6.1.4.1.55555.1.2"};
static const char *const eku_hw[] = {
    "1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.4", "1.3.6.1.4.1.55555.3.1"};
static const char *const eku_sw[] = {"1.3.6.1.5.5.7.3.4"};

static struct profile_config cfg = {
    .country = "US",
    .organization = "rxca Test Prescribers",
    .ocsp_url = "http://ocsp.rxca.test/ocsp",
    .ca_issuers_url = "http://pki.rxca.test/issuing.cer",
    .crl_url = "http://pki.rxca.test/issuing.crl",
    .policy_oids_hw = pol_hw,
    .npolicy_hw = NITEMS(pol_hw),
    .policy_oids_sw = pol_sw,
    .npolicy_sw = NITEMS(pol_sw),
    .eku_oids_hw = eku_hw,
    .neku_hw = NITEMS(eku_hw),
    .eku_oids_sw = eku_sw,
    .neku_sw = NITEMS(eku_sw),
    .validity_days = 730,
};

static const struct profile_subject ada = {
    .given_name = "Ada",
    .middle_name = "Byron",
    .family_name = "Lovelace",
    .email = "ada@clinic.example",
    .hardware = 1,
};

static EVP_PKEY *root_key, *ca_key, *k256, *krsa;
static X509 *root, *ca;

/* A fresh serial for each certificate. */
static const unsigned char *
serial(void)
{
	static unsigned char s[PROFILE_SERIAL_LEN];

	profile_serial_new(s);
	return s;
}

static int
suite_init(void)
{
	struct problem p;

	problem_clear(&p);
	root_key = EVP_EC_gen("P-384");
	ca_key = EVP_EC_gen("P-256");
	k256 = EVP_EC_gen("P-256");
	krsa = EVP_RSA_gen(2048);
	if (root_key == NULL || ca_key == NULL || k256 == NULL || krsa == NULL)
		return -1;
	root = hierarchy_root(root_key, "rxca Test", "rxca Test Root", 7300,
	    now - DAY, serial(), &p);
	if (root == NULL || X509_sign(root, root_key, EVP_sha384()) <= 0)
		return -1;
	ca = hierarchy_issuing(ca_key, root, "rxca Test", "rxca Test Issuing",
	    3650, now - DAY, serial(), "http://pki.rxca.test/root.crl", &p);
	if (ca == NULL || X509_sign(ca, root_key, EVP_sha384()) <= 0)
		return -1;
	return 0;
}

static int
suite_clean(void)
{
	X509_free(root);
	X509_free(ca);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(k256);
	EVP_PKEY_free(krsa);
	return 0;
}

/* Builds a certificate that must succeed. */
static X509 *
build(const struct profile_subject *s, EVP_PKEY *key, X509 *issuer, time_t t)
{
	struct problem p;
	X509 *x;

	problem_clear(&p);
	x = profile_build(&cfg, s, key, issuer, serial(), t, &p);
	CU_ASSERT_PTR_NOT_NULL(x);
	CU_ASSERT_EQUAL(p.status, 0);
	return x;
}

/* Seconds from a to b. */
static long
span(const ASN1_TIME *a, const ASN1_TIME *b)
{
	int days = 0, secs = 0;

	CU_ASSERT_FATAL(ASN1_TIME_diff(&days, &secs, a, b) == 1);
	return days * DAY + secs;
}

/* Critical flag of extension nid, or -1 if absent. */
static int
ext_critical(X509 *x, int nid)
{
	int i;

	if ((i = X509_get_ext_by_NID(x, nid, -1)) < 0)
		return -1;
	return X509_EXTENSION_get_critical(X509_get_ext(x, i));
}

/* The text of subject entry nid (the only one), with its ASN.1 type. */
static const char *
entry(X509 *x, int nid, int *type)
{
	X509_NAME *name = X509_get_subject_name(x);
	const ASN1_STRING *s;
	static char buf[256];
	int i;

	if ((i = X509_NAME_get_index_by_NID(name, nid, -1)) < 0)
		return NULL;
	CU_ASSERT(X509_NAME_get_index_by_NID(name, nid, i) < 0);
	s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
	*type = ASN1_STRING_type(s);
	snprintf(buf, sizeof(buf), "%.*s", ASN1_STRING_length(s),
	    (const char *)ASN1_STRING_get0_data(s));
	return buf;
}

/* 1 if the objects objs[0..n) are exactly the dotted OIDs want[0..nwant). */
static int
same_oids(STACK_OF(ASN1_OBJECT) * objs, const char *const *want, size_t nwant)
{
	char buf[128];
	size_t i;

	if ((size_t)sk_ASN1_OBJECT_num(objs) != nwant)
		return 0;
	for (i = 0; i < nwant; i++) {
		OBJ_obj2txt(
		    buf, sizeof(buf), sk_ASN1_OBJECT_value(objs, (int)i), 1);
		if (strcmp(buf, want[i]) != 0)
			return 0;
	}
	return 1;
}

/* 1 if gn is the URI want. */
static int
is_uri(const GENERAL_NAME *gn, const char *want)
{
	const ASN1_IA5STRING *u = gn->d.uniformResourceIdentifier;

	return gn->type == GEN_URI &&
	    (size_t)ASN1_STRING_length(u) == strlen(want) &&
	    memcmp(ASN1_STRING_get0_data(u), want, strlen(want)) == 0;
}

static void
check_extensions(X509 *x, const struct profile_subject *s)
{
	ASN1_BIT_STRING *ku;
	BASIC_CONSTRAINTS *bc;
	EXTENDED_KEY_USAGE *eku;
	CERTIFICATEPOLICIES *cp;
	STACK_OF(ASN1_OBJECT) * pol;
	GENERAL_NAMES *san;
	GENERAL_NAME *gn;
	ASN1_OCTET_STRING *ski, *caski;
	AUTHORITY_KEYID *aki;
	AUTHORITY_INFO_ACCESS *aia;
	ACCESS_DESCRIPTION *ad;
	CRL_DIST_POINTS *cdp;
	DIST_POINT *dp;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int i;

	CU_ASSERT_EQUAL(X509_get_ext_count(x), 9);
	CU_ASSERT_EQUAL(ext_critical(x, NID_basic_constraints), 1);
	CU_ASSERT_EQUAL(ext_critical(x, NID_key_usage), 1);
	CU_ASSERT_EQUAL(ext_critical(x, NID_ext_key_usage), 0);
	CU_ASSERT_EQUAL(ext_critical(x, NID_certificate_policies), 0);
	CU_ASSERT_EQUAL(ext_critical(x, NID_subject_alt_name), 0);
	CU_ASSERT_EQUAL(ext_critical(x, NID_subject_key_identifier), 0);
	CU_ASSERT_EQUAL(ext_critical(x, NID_authority_key_identifier), 0);
	CU_ASSERT_EQUAL(ext_critical(x, NID_info_access), 0);
	CU_ASSERT_EQUAL(ext_critical(x, NID_crl_distribution_points), 0);

	ku = X509_get_ext_d2i(x, NID_key_usage, NULL, NULL);
	CU_ASSERT_FATAL(ku != NULL);
	CU_ASSERT_EQUAL(ASN1_STRING_length(ku), 1);
	CU_ASSERT_EQUAL(ASN1_STRING_get0_data(ku)[0], 0xc0);
	CU_ASSERT(ASN1_BIT_STRING_get_bit(ku, 0) == 1); /* digitalSignature */
	CU_ASSERT(ASN1_BIT_STRING_get_bit(ku, 1) == 1); /* nonRepudiation */
	for (i = 2; i < 9; i++)
		CU_ASSERT(ASN1_BIT_STRING_get_bit(ku, i) == 0);
	ASN1_BIT_STRING_free(ku);

	bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL);
	CU_ASSERT_FATAL(bc != NULL);
	CU_ASSERT(bc->ca == 0 && bc->pathlen == NULL);
	BASIC_CONSTRAINTS_free(bc);
	CU_ASSERT_EQUAL(X509_check_ca(x), 0);

	eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	CU_ASSERT_FATAL(eku != NULL);
	CU_ASSERT(s->hardware ? same_oids(eku, eku_hw, NITEMS(eku_hw))
	                      : same_oids(eku, eku_sw, NITEMS(eku_sw)));
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);

	cp = X509_get_ext_d2i(x, NID_certificate_policies, NULL, NULL);
	CU_ASSERT_FATAL(cp != NULL);
	pol = sk_ASN1_OBJECT_new_null();
	for (i = 0; i < sk_POLICYINFO_num(cp); i++) {
		CU_ASSERT(sk_POLICYINFO_value(cp, i)->qualifiers == NULL);
		sk_ASN1_OBJECT_push(pol, sk_POLICYINFO_value(cp, i)->policyid);
	}
	CU_ASSERT(s->hardware ? same_oids(pol, pol_hw, NITEMS(pol_hw))
	                      : same_oids(pol, pol_sw, NITEMS(pol_sw)));
	sk_ASN1_OBJECT_free(pol);
	CERTIFICATEPOLICIES_free(cp);

	san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	CU_ASSERT_FATAL(san != NULL);
	CU_ASSERT_EQUAL_FATAL(sk_GENERAL_NAME_num(san), 1);
	gn = sk_GENERAL_NAME_value(san, 0);
	CU_ASSERT_EQUAL(gn->type, GEN_EMAIL);
	CU_ASSERT_EQUAL(ASN1_STRING_type(gn->d.rfc822Name), V_ASN1_IA5STRING);
	CU_ASSERT_STRING_EQUAL(
	    (const char *)ASN1_STRING_get0_data(gn->d.rfc822Name), s->email);
	GENERAL_NAMES_free(san);
	CU_ASSERT(X509_check_email(x, s->email, 0, 0) == 1);

	/* SKI: SHA-1 of the subjectPublicKey bits, as OpenSSL computes it */
	ski = X509_get_ext_d2i(x, NID_subject_key_identifier, NULL, NULL);
	CU_ASSERT_FATAL(ski != NULL);
	CU_ASSERT(X509_pubkey_digest(x, EVP_sha1(), md, &mdlen) == 1);
	CU_ASSERT_EQUAL(mdlen, 20);
	CU_ASSERT_EQUAL(ASN1_STRING_length(ski), 20);
	CU_ASSERT(memcmp(ASN1_STRING_get0_data(ski), md, 20) == 0);
	ASN1_OCTET_STRING_free(ski);

	aki = X509_get_ext_d2i(x, NID_authority_key_identifier, NULL, NULL);
	caski = X509_get_ext_d2i(ca, NID_subject_key_identifier, NULL, NULL);
	CU_ASSERT_FATAL(aki != NULL && caski != NULL);
	CU_ASSERT(aki->keyid != NULL &&
	    ASN1_OCTET_STRING_cmp(aki->keyid, caski) == 0);
	CU_ASSERT(aki->issuer == NULL && aki->serial == NULL);
	AUTHORITY_KEYID_free(aki);
	ASN1_OCTET_STRING_free(caski);

	aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
	CU_ASSERT_FATAL(aia != NULL);
	CU_ASSERT_EQUAL_FATAL(sk_ACCESS_DESCRIPTION_num(aia), 2);
	ad = sk_ACCESS_DESCRIPTION_value(aia, 0);
	CU_ASSERT_EQUAL(OBJ_obj2nid(ad->method), NID_ad_OCSP);
	CU_ASSERT(is_uri(ad->location, cfg.ocsp_url));
	ad = sk_ACCESS_DESCRIPTION_value(aia, 1);
	CU_ASSERT_EQUAL(OBJ_obj2nid(ad->method), NID_ad_ca_issuers);
	CU_ASSERT(is_uri(ad->location, cfg.ca_issuers_url));
	AUTHORITY_INFO_ACCESS_free(aia);

	cdp = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
	CU_ASSERT_FATAL(cdp != NULL);
	CU_ASSERT_EQUAL_FATAL(sk_DIST_POINT_num(cdp), 1);
	dp = sk_DIST_POINT_value(cdp, 0);
	CU_ASSERT_FATAL(dp->distpoint != NULL && dp->distpoint->type == 0);
	CU_ASSERT(dp->reasons == NULL && dp->CRLissuer == NULL);
	CU_ASSERT_EQUAL_FATAL(
	    sk_GENERAL_NAME_num(dp->distpoint->name.fullname), 1);
	CU_ASSERT(is_uri(sk_GENERAL_NAME_value(dp->distpoint->name.fullname, 0),
	    cfg.crl_url));
	CRL_DIST_POINTS_free(cdp);
}

static void
test_certificate(void)
{
	unsigned char want[PROFILE_SERIAL_LEN], got[PROFILE_SERIAL_LEN];
	unsigned char *spki = NULL, *der = NULL;
	struct problem p;
	BIGNUM *bn;
	X509 *x;
	int type = 0, spkilen;

	profile_serial_new(want);
	problem_clear(&p);
	spkilen = i2d_PUBKEY(k256, &spki);
	CU_ASSERT_FATAL(spkilen > 0);
	x = profile_build(&cfg, &ada, k256, ca, want, now, &p);
	CU_ASSERT_FATAL(x != NULL);
	CU_ASSERT_EQUAL(ERR_peek_error(), 0);
	CU_ASSERT_EQUAL(X509_get_version(x), X509_VERSION_3);
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	CU_ASSERT(BN_bn2binpad(bn, got, sizeof(got)) == PROFILE_SERIAL_LEN);
	CU_ASSERT(memcmp(got, want, sizeof(got)) == 0);
	BN_free(bn);
	CU_ASSERT(X509_NAME_cmp(
	              X509_get_issuer_name(x), X509_get_subject_name(ca)) == 0);
	CU_ASSERT_EQUAL(X509_NAME_entry_count(X509_get_subject_name(x)), 3);
	CU_ASSERT_STRING_EQUAL(entry(x, NID_countryName, &type), "US");
	CU_ASSERT_EQUAL(type, V_ASN1_PRINTABLESTRING);
	CU_ASSERT_STRING_EQUAL(
	    entry(x, NID_organizationName, &type), "rxca Test Prescribers");
	CU_ASSERT_EQUAL(type, V_ASN1_UTF8STRING);
	CU_ASSERT_STRING_EQUAL(
	    entry(x, NID_commonName, &type), "Ada Byron Lovelace");
	CU_ASSERT_EQUAL(type, V_ASN1_UTF8STRING);
	/* order C, O, CN */
	CU_ASSERT_EQUAL(OBJ_obj2nid(X509_NAME_ENTRY_get_object(
	                    X509_NAME_get_entry(X509_get_subject_name(x), 0))),
	    NID_countryName);
	CU_ASSERT_EQUAL(OBJ_obj2nid(X509_NAME_ENTRY_get_object(
	                    X509_NAME_get_entry(X509_get_subject_name(x), 2))),
	    NID_commonName);
	/* the key's SPKI, as OpenSSL's encoder writes it */
	CU_ASSERT_EQUAL(
	    i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der), spkilen);
	CU_ASSERT(der != NULL && memcmp(der, spki, (size_t)spkilen) == 0);
	OPENSSL_free(der);
	OPENSSL_free(spki);
	check_extensions(x, &ada);

	/* signed here, it verifies under the issuing CA */
	CU_ASSERT(X509_sign(x, ca_key, EVP_sha256()) > 0);
	CU_ASSERT(X509_verify(x, ca_key) == 1);
	CU_ASSERT(X509_verify(x, root_key) <= 0);
	ERR_clear_error();
	CU_ASSERT_EQUAL(X509_check_issued(ca, x), X509_V_OK);
	X509_free(x);
}

static void
test_names(void)
{
	struct profile_subject s = ada;
	struct problem p;
	char given[80], family[80], want[200];
	X509 *x;
	int type;

	s.middle_name = NULL;
	x = build(&s, k256, ca, now);
	CU_ASSERT_STRING_EQUAL(entry(x, NID_commonName, &type), "Ada Lovelace");
	X509_free(x);
	s.middle_name = "";
	x = build(&s, k256, ca, now);
	CU_ASSERT_STRING_EQUAL(entry(x, NID_commonName, &type), "Ada Lovelace");
	X509_free(x);

	/* UTF-8 as it is */
	s.given_name = "Jos\xc3\xa9";
	s.middle_name = "\xc3\x81ngel";
	s.family_name = "N\xc3\xba\xc3\xb1"
	                "ez";
	x = build(&s, k256, ca, now);
	CU_ASSERT_STRING_EQUAL(entry(x, NID_commonName, &type),
	    "Jos\xc3\xa9 \xc3\x81ngel N\xc3\xba\xc3\xb1"
	    "ez");
	CU_ASSERT_EQUAL(type, V_ASN1_UTF8STRING);
	X509_free(x);

	/* too long with the middle name: its initial, then none */
	memset(given, 'g', 30);
	given[30] = '\0';
	memset(family, 'f', 30);
	family[30] = '\0';
	s.given_name = given;
	s.family_name = family;
	s.middle_name = "\xc3\x81ngel"; /* 30 + 1 + 5 + 1 + 30 = 67 */
	x = build(&s, k256, ca, now);
	snprintf(want, sizeof(want), "%s \xc3\x81. %s", given, family);
	CU_ASSERT_STRING_EQUAL(entry(x, NID_commonName, &type), want);
	CU_ASSERT_EQUAL(strlen(want), 65); /* 64 characters */
	X509_free(x);
	memset(given, 'g', 31);
	given[31] = '\0';
	memset(family, 'f', 31); /* 31 + 4 + 31 = 66 with the initial */
	family[31] = '\0';
	x = build(&s, k256, ca, now);
	CU_ASSERT_EQUAL(strlen(entry(x, NID_commonName, &type)), 63);
	X509_free(x);
	memset(given, 'g', 40);
	given[40] = '\0';
	problem_clear(&p);
	CU_ASSERT_PTR_NULL(
	    profile_build(&cfg, &s, k256, ca, serial(), now, &p));
	CU_ASSERT_EQUAL(p.status, 422);
	CU_ASSERT_STRING_EQUAL(p.fields[0].field, "applicant");

	/* not text */
	s = ada;
	s.given_name = "A\xc3";
	problem_clear(&p);
	CU_ASSERT_PTR_NULL(
	    profile_build(&cfg, &s, k256, ca, serial(), now, &p));
	CU_ASSERT_STRING_EQUAL(p.fields[0].field, "applicant.given_name");
	s = ada;
	s.middle_name = "B\x01";
	problem_clear(&p);
	CU_ASSERT_PTR_NULL(
	    profile_build(&cfg, &s, k256, ca, serial(), now, &p));
	CU_ASSERT_STRING_EQUAL(p.fields[0].field, "applicant.middle_name");
	s = ada;
	s.family_name = "";
	problem_clear(&p);
	CU_ASSERT_PTR_NULL(
	    profile_build(&cfg, &s, k256, ca, serial(), now, &p));
	CU_ASSERT_STRING_EQUAL(p.fields[0].field, "applicant.family_name");
	s = ada;
	s.family_name = "\xc0\xae"; /* overlong '.' */
	problem_clear(&p);
	CU_ASSERT_PTR_NULL(
	    profile_build(&cfg, &s, k256, ca, serial(), now, &p));
	CU_ASSERT_EQUAL(p.status, 422);
}

static void
test_validity(void)
{
	struct problem p;
	X509 *x, *short_ca;
	time_t end;

	x = build(&ada, k256, ca, now);
	CU_ASSERT_EQUAL(
	    span(X509_get0_notBefore(x), X509_get0_notAfter(x)), 730 * DAY);
	CU_ASSERT(
	    profile_time(X509_get0_notBefore(x), &end) == 0 && end == now);
	CU_ASSERT(profile_time(X509_get0_notAfter(x), &end) == 0 &&
	    end == now + 730 * DAY);
	CU_ASSERT_EQUAL(
	    ASN1_STRING_type(X509_get0_notAfter(x)), V_ASN1_UTCTIME);
	X509_free(x);

	/* an issuing CA with 400 days left: clamped to its notAfter */
	problem_clear(&p);
	short_ca = hierarchy_issuing(ca_key, root, "rxca Test",
	    "rxca Test Issuing", 400, now, serial(), NULL, &p);
	CU_ASSERT_FATAL(short_ca != NULL);
	CU_ASSERT_FATAL(X509_sign(short_ca, root_key, EVP_sha384()) > 0);
	x = build(&ada, k256, short_ca, now);
	CU_ASSERT(ASN1_TIME_compare(X509_get0_notAfter(x),
	              X509_get0_notAfter(short_ca)) == 0);
	CU_ASSERT_EQUAL(
	    span(X509_get0_notBefore(x), X509_get0_notAfter(x)), 400 * DAY);
	X509_free(x);
	/* with one day and one second left it still issues, for that day */
	x = build(&ada, k256, short_ca, now + 399 * DAY - 1);
	CU_ASSERT_EQUAL(
	    span(X509_get0_notBefore(x), X509_get0_notAfter(x)), DAY + 1);
	X509_free(x);
	/* less than a day left, expired, or not yet valid: refused */
	problem_clear(&p);
	CU_ASSERT_PTR_NULL(profile_build(
	    &cfg, &ada, k256, short_ca, serial(), now + 399 * DAY + 1, &p));
	CU_ASSERT_EQUAL(p.status, 500);
	problem_clear(&p);
	CU_ASSERT_PTR_NULL(profile_build(
	    &cfg, &ada, k256, short_ca, serial(), now + 500 * DAY, &p));
	CU_ASSERT_EQUAL(p.status, 500);
	problem_clear(&p);
	CU_ASSERT_PTR_NULL(
	    profile_build(&cfg, &ada, k256, short_ca, serial(), now - 1, &p));
	CU_ASSERT_EQUAL(p.status, 500);
	X509_free(short_ca);
}

static int
cmp_serials(const void *a, const void *b)
{
	return memcmp(a, b, PROFILE_SERIAL_LEN);
}

static void
test_serials(void)
{
	static unsigned char s[NSERIALS][PROFILE_SERIAL_LEN];
	unsigned char bad[PROFILE_SERIAL_LEN];
	ASN1_INTEGER *ai;
	struct problem p;
	BIGNUM *bn;
	X509 *x;
	size_t i;

	for (i = 0; i < NSERIALS; i++) {
		profile_serial_new(s[i]);
		CU_ASSERT(s[i][0] >= 0x01 && s[i][0] <= 0x7f);
		bn = BN_bin2bn(s[i], PROFILE_SERIAL_LEN, NULL);
		ai = BN_to_ASN1_INTEGER(bn, NULL);
		CU_ASSERT_EQUAL(ASN1_STRING_type(ai), V_ASN1_INTEGER);
		CU_ASSERT_EQUAL(
		    i2d_ASN1_INTEGER(ai, NULL), 2 + PROFILE_SERIAL_LEN);
		ASN1_INTEGER_free(ai);
		BN_free(bn);
	}
	qsort(s, NSERIALS, PROFILE_SERIAL_LEN, cmp_serials);
	for (i = 1; i < NSERIALS; i++)
		CU_ASSERT(memcmp(s[i - 1], s[i], PROFILE_SERIAL_LEN) != 0);

	/* in a certificate: positive, 16 content bytes */
	x = build(&ada, k256, ca, now);
	CU_ASSERT_EQUAL(
	    ASN1_STRING_type(X509_get0_serialNumber(x)), V_ASN1_INTEGER);
	CU_ASSERT_EQUAL(
	    ASN1_STRING_length(X509_get0_serialNumber(x)), PROFILE_SERIAL_LEN);
	CU_ASSERT_EQUAL(i2d_ASN1_INTEGER(X509_get0_serialNumber(x), NULL),
	    2 + PROFILE_SERIAL_LEN);
	X509_free(x);
	/* a serial that would not be 16 positive bytes is refused */
	memset(bad, 0x55, sizeof(bad));
	bad[0] = 0;
	problem_clear(&p);
	CU_ASSERT_PTR_NULL(profile_build(&cfg, &ada, k256, ca, bad, now, &p));
	CU_ASSERT_EQUAL(p.status, 500);
	bad[0] = 0x80;
	problem_clear(&p);
	CU_ASSERT_PTR_NULL(profile_build(&cfg, &ada, k256, ca, bad, now, &p));
	CU_ASSERT_EQUAL(p.status, 500);
}

static void
test_products(void)
{
	struct profile_subject sw = ada;
	X509 *h, *s;

	sw.hardware = 0;
	h = build(&ada, k256, ca, now);
	s = build(&sw, krsa, ca, now);
	CU_ASSERT_FATAL(h != NULL && s != NULL);
	check_extensions(h, &ada);
	check_extensions(s, &sw);
	CU_ASSERT(EVP_PKEY_eq(X509_get0_pubkey(s), krsa) == 1);
	X509_free(h);
	X509_free(s);
}

static void
test_refusals(void)
{
	static const char *const dup[] = {"1.2.3.4", "1.2.3.4"};
	static const char *const word[] = {"anyPolicy"};
	struct profile_config c;
	struct profile_subject s;
	struct problem p;
	EVP_PKEY *k521;
	X509 *leaf;
	size_t i;
	static const char *const bad_emails[] = {"", "ada", "@x", "ada@",
	    "a@b@c", "ad a@x.org", "ad\xc3\xa9@x.org", "a\n@x.org"};

	/* a key the CA does not certify, or the CA's own */
	k521 = EVP_EC_gen("P-521");
	problem_clear(&p);
	CU_ASSERT_PTR_NULL(
	    profile_build(&cfg, &ada, k521, ca, serial(), now, &p));
	CU_ASSERT_EQUAL(p.status, 422);
	CU_ASSERT_STRING_EQUAL(p.fields[0].field, "csr");
	EVP_PKEY_free(k521);
	problem_clear(&p);
	CU_ASSERT_PTR_NULL(
	    profile_build(&cfg, &ada, ca_key, ca, serial(), now, &p));
	CU_ASSERT_STRING_EQUAL(p.fields[0].field, "csr");
	problem_clear(&p);
	CU_ASSERT_PTR_NULL(
	    profile_build(&cfg, &ada, NULL, ca, serial(), now, &p));
	CU_ASSERT_STRING_EQUAL(p.fields[0].field, "csr");

	for (i = 0; i < NITEMS(bad_emails); i++) {
		s = ada;
		s.email = bad_emails[i];
		problem_clear(&p);
		CU_ASSERT_PTR_NULL(
		    profile_build(&cfg, &s, k256, ca, serial(), now, &p));
		CU_ASSERT_STRING_EQUAL(p.fields[0].field, "applicant.email");
	}

	/* the configuration */
	for (i = 0; i < 12; i++) {
		c = cfg;
		switch (i) {
		case 0:
			c.country = "USA";
			break;
		case 1:
			c.country = "us";
			break;
		case 2:
			c.organization = "";
			break;
		case 3:
			c.ocsp_url = "ftp://ocsp.rxca.test";
			break;
		case 4:
			c.ca_issuers_url = "http://";
			break;
		case 5:
			c.crl_url = "http://pki.rxca.test/a b.crl";
			break;
		case 6:
			c.npolicy_hw = 0;
			break;
		case 7:
			c.policy_oids_sw = dup;
			c.npolicy_sw = 2;
			break;
		case 8:
			c.eku_oids_hw = word;
			c.neku_hw = 1;
			break;
		case 9:
			c.neku_sw = PROFILE_MAX_OIDS + 1;
			break;
		case 10:
			c.validity_days = 0;
			break;
		case 11:
			c.validity_days = PROFILE_MAX_DAYS + 1;
			break;
		}
		problem_clear(&p);
		CU_ASSERT_PTR_NULL(
		    profile_build(&c, &ada, k256, ca, serial(), now, &p));
		CU_ASSERT_EQUAL(p.status, 500);
	}

	/* an issuer that is no CA */
	leaf = build(&ada, k256, ca, now);
	CU_ASSERT_FATAL(X509_sign(leaf, ca_key, EVP_sha256()) > 0);
	problem_clear(&p);
	CU_ASSERT_PTR_NULL(
	    profile_build(&cfg, &ada, krsa, leaf, serial(), now, &p));
	CU_ASSERT_EQUAL(p.status, 500);
	X509_free(leaf);
	problem_clear(&p);
	CU_ASSERT_PTR_NULL(
	    profile_build(&cfg, &ada, k256, NULL, serial(), now, &p));
	CU_ASSERT_EQUAL(p.status, 500);
	problem_clear(&p);
	CU_ASSERT_PTR_NULL(
	    profile_build(NULL, &ada, k256, ca, serial(), now, &p));
	CU_ASSERT_EQUAL(p.status, 500);
	CU_ASSERT_EQUAL(ERR_peek_error(), 0);
}

/* The signature algorithm is set for the issuer's key, so the unsigned
 * certificate encodes to DER and back. */
static void
test_sigalg(void)
{
	const ASN1_OBJECT *obj;
	const void *pval;
	unsigned char *der = NULL;
	const unsigned char *q;
	struct problem p;
	EVP_PKEY *rsa_ca_key;
	X509 *x, *back, *rsa_ca;
	int ptype, n;

	x = build(&ada, k256, ca, now);
	X509_ALGOR_get0(&obj, &ptype, &pval, X509_get0_tbs_sigalg(x));
	CU_ASSERT_EQUAL(OBJ_obj2nid(obj), NID_ecdsa_with_SHA256);
	CU_ASSERT_EQUAL(ptype, V_ASN1_UNDEF);
	CU_ASSERT_EQUAL(X509_get_signature_nid(x), NID_ecdsa_with_SHA256);
	n = i2d_X509(x, &der);
	CU_ASSERT_FATAL(n > 0);
	q = der;
	back = d2i_X509(NULL, &q, n);
	CU_ASSERT_FATAL(back != NULL);
	CU_ASSERT(X509_cmp(x, back) == 0);
	X509_free(back);
	OPENSSL_free(der);
	X509_free(x);

	/* an RSA issuing CA: sha256WithRSAEncryption, parameters NULL */
	rsa_ca_key = EVP_RSA_gen(2048);
	CU_ASSERT_FATAL(rsa_ca_key != NULL);
	problem_clear(&p);
	rsa_ca = hierarchy_issuing(rsa_ca_key, root, "rxca Test", "RSA CA",
	    3650, now - DAY, serial(), NULL, &p);
	CU_ASSERT_FATAL(rsa_ca != NULL);
	CU_ASSERT_FATAL(X509_sign(rsa_ca, root_key, EVP_sha384()) > 0);
	x = build(&ada, k256, rsa_ca, now);
	X509_ALGOR_get0(&obj, &ptype, &pval, X509_get0_tbs_sigalg(x));
	CU_ASSERT_EQUAL(OBJ_obj2nid(obj), NID_sha256WithRSAEncryption);
	CU_ASSERT_EQUAL(ptype, V_ASN1_NULL);
	CU_ASSERT(X509_sign(x, rsa_ca_key, EVP_sha256()) > 0);
	CU_ASSERT(X509_verify(x, rsa_ca_key) == 1);
	X509_free(x);
	X509_free(rsa_ca);
	EVP_PKEY_free(rsa_ca_key);
}

/* Runs argv (argv[0] from PATH, at most 15 words), stdout to /dev/null;
 * its exit status, or -1. */
static int
run(const char *const argv[])
{
	char *args[16];
	pid_t pid;
	int status = -1, fd, n;

	for (n = 0; n < 15 && argv[n] != NULL; n++)
		args[n] = strdup(argv[n]);
	args[n] = NULL;
	if ((pid = fork()) == 0) {
		if ((fd = open("/dev/null", O_WRONLY)) != -1)
			dup2(fd, STDOUT_FILENO);
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

/* Writes x as PEM to dir/name; path into path. */
static void
write_pem(const char *dir, const char *name, X509 *x, char *path, size_t sz)
{
	FILE *f;

	snprintf(path, sz, "%s/%s", dir, name);
	f = fopen(path, "w");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT(PEM_write_X509(f, x) == 1);
	fclose(f);
}

/* `openssl verify -x509_strict` of leaf under root and ca: exit status. */
static int
openssl_verify(X509 *leaf)
{
	char dir[] = "/tmp/rxca-profile-XXXXXX";
	char rpath[64], cpath[64], lpath[64], at[32];
	int rc;

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	write_pem(dir, "root.pem", root, rpath, sizeof(rpath));
	write_pem(dir, "issuing.pem", ca, cpath, sizeof(cpath));
	write_pem(dir, "leaf.pem", leaf, lpath, sizeof(lpath));
	snprintf(at, sizeof(at), "%lld", (long long)now + 60);
	{
		const char *const argv[] = {"openssl", "verify", "-x509_strict",
		    "-attime", at, "-CAfile", rpath, "-untrusted", cpath, lpath,
		    NULL};
		rc = run(argv);
	}
	unlink(rpath);
	unlink(cpath);
	unlink(lpath);
	CU_ASSERT(rmdir(dir) == 0);
	return rc;
}

static void
test_openssl_verify(void)
{
	struct profile_subject sw = ada;
	EVP_PKEY *stranger;
	X509 *x;

	x = build(&ada, k256, ca, now);
	CU_ASSERT_FATAL(X509_sign(x, ca_key, EVP_sha256()) > 0);
	CU_ASSERT_EQUAL(openssl_verify(x), 0);
	X509_free(x);
	sw.hardware = 0;
	x = build(&sw, krsa, ca, now);
	CU_ASSERT_FATAL(X509_sign(x, ca_key, EVP_sha384()) > 0);
	CU_ASSERT_EQUAL(openssl_verify(x), 0);
	X509_free(x);
	/* the harness can fail: signed by a key that is not the CA's */
	stranger = EVP_EC_gen("P-256");
	x = build(&ada, k256, ca, now);
	CU_ASSERT_FATAL(X509_sign(x, stranger, EVP_sha256()) > 0);
	CU_ASSERT_NOT_EQUAL(openssl_verify(x), 0);
	X509_free(x);
	EVP_PKEY_free(stranger);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("profile", suite_init, suite_clean);
	CU_add_test(s, "certificate and extensions", test_certificate);
	CU_add_test(s, "common name", test_names);
	CU_add_test(s, "validity and clamping", test_validity);
	CU_add_test(s, "serial numbers", test_serials);
	CU_add_test(s, "hardware and software products", test_products);
	CU_add_test(s, "refusals", test_refusals);
	CU_add_test(s, "signature algorithm, DER", test_sigalg);
	CU_add_test(s, "openssl verify", test_openssl_verify);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
