/*
 * Unit tests of ca/lint.c: the profile's own output passes, each mutation
 * of it is caught by the rule that names it, and lint_same_tbs() notices
 * a signed certificate that is not the one linted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca/hierarchy.h"
#include "ca/lint.h"
#include "ca/profile.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))
#define DAY       86400L

static const time_t now = 1780000000; /* 2026-05-28 */

static const char *const pol_hw[] = {"1.3.6.1.4.1.55555.1.1"};
static const char *const pol_sw[] = {"1.3.6.1.4.1.55555.1.2"};
static const char *const eku_hw[] = {"1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.4"};
static const char *const eku_sw[] = {"1.3.6.1.5.5.7.3.4"};

static const struct profile_config cfg = {
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
    .middle_name = NULL,
    .family_name = "Lovelace",
    .email = "ada@clinic.example",
    .hardware = 1,
};

static EVP_PKEY *root_key, *ca_key, *other_key, *key, *rsa1024;
static X509 *root, *ca, *short_ca, *other_ca;

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
	root_key = EVP_EC_gen("P-256");
	ca_key = EVP_EC_gen("P-256");
	other_key = EVP_EC_gen("P-256");
	key = EVP_EC_gen("P-256");
	rsa1024 = EVP_RSA_gen(1024);
	if (root_key == NULL || ca_key == NULL || other_key == NULL ||
	    key == NULL || rsa1024 == NULL)
		return -1;
	root = hierarchy_root(root_key, "rxca Test", "rxca Test Root", 7300,
	    now - DAY, serial(), &p);
	if (root == NULL || X509_sign(root, root_key, EVP_sha256()) <= 0)
		return -1;
	ca = hierarchy_issuing(ca_key, root, "rxca Test", "rxca Test Issuing",
	    3650, now - DAY, serial(), NULL, &p);
	/* the same CA name and key, 400 days left */
	short_ca = hierarchy_issuing(ca_key, root, "rxca Test",
	    "rxca Test Issuing", 401, now - DAY, serial(), NULL, &p);
	/* the same name, another key */
	other_ca = hierarchy_issuing(other_key, root, "rxca Test",
	    "rxca Test Issuing", 3650, now - DAY, serial(), NULL, &p);
	if (ca == NULL || short_ca == NULL || other_ca == NULL ||
	    X509_sign(ca, root_key, EVP_sha256()) <= 0 ||
	    X509_sign(short_ca, root_key, EVP_sha256()) <= 0 ||
	    X509_sign(other_ca, root_key, EVP_sha256()) <= 0)
		return -1;
	return 0;
}

static int
suite_clean(void)
{
	X509_free(root);
	X509_free(ca);
	X509_free(short_ca);
	X509_free(other_ca);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(other_key);
	EVP_PKEY_free(key);
	EVP_PKEY_free(rsa1024);
	return 0;
}

static X509 *
build(const struct profile_subject *s, X509 *issuer)
{
	struct problem p;
	X509 *x;

	problem_clear(&p);
	x = profile_build(&cfg, s, key, issuer, serial(), now, &p);
	CU_ASSERT_FATAL(x != NULL);
	return x;
}

/* The rule lint_check() names for x (issuer ca), or "" if it passes. */
static const char *
rule_of(X509 *x, const struct profile_subject *s, X509 *issuer)
{
	static char rule[64];
	struct problem p;

	problem_clear(&p);
	if (lint_check(x, &cfg, s, issuer, now, &p) == 0) {
		CU_ASSERT_EQUAL(p.status, 0);
		return "";
	}
	CU_ASSERT_EQUAL(p.status, 500);
	CU_ASSERT_STRING_EQUAL(p.type, "lint-failed");
	CU_ASSERT(strncmp(p.detail, "lint: ", 6) == 0);
	snprintf(rule, sizeof(rule), "%s", p.detail + 6);
	return rule;
}

static void
test_profile_passes(void)
{
	struct profile_subject sw = ada, mid = ada;
	X509 *x;

	x = build(&ada, ca);
	CU_ASSERT_STRING_EQUAL(rule_of(x, &ada, ca), "");
	/* signed too, with the algorithms set */
	CU_ASSERT_FATAL(X509_sign(x, ca_key, EVP_sha256()) > 0);
	CU_ASSERT_STRING_EQUAL(rule_of(x, &ada, ca), "");
	X509_free(x);
	sw.hardware = 0;
	x = build(&sw, ca);
	CU_ASSERT_STRING_EQUAL(rule_of(x, &sw, ca), "");
	/* the products are not interchangeable */
	CU_ASSERT_STRING_EQUAL(rule_of(x, &ada, ca), "ext-key-usage-value");
	X509_free(x);
	mid.middle_name = "Byron";
	x = build(&mid, ca);
	CU_ASSERT_STRING_EQUAL(rule_of(x, &mid, ca), "");
	CU_ASSERT_STRING_EQUAL(rule_of(x, &ada, ca), "subject");
	X509_free(x);
	x = build(&ada, short_ca);
	CU_ASSERT_STRING_EQUAL(rule_of(x, &ada, short_ca), "");
	X509_free(x);
	CU_ASSERT_EQUAL(ERR_peek_error(), 0);
}

/* Replaces (or adds) extension nid with value, crit. */
static void
put_ext(X509 *x, int nid, int crit, void *value)
{
	CU_ASSERT_FATAL(
	    X509_add1_ext_i2d(x, nid, value, crit, X509V3_ADD_REPLACE) == 1);
}

/* Sets the serial to n bytes of b, negative if neg. */
static void
set_serial(X509 *x, unsigned char b, size_t n, int neg)
{
	unsigned char raw[32];
	BIGNUM *bn;

	memset(raw, b, n);
	bn = BN_bin2bn(raw, (int)n, NULL);
	BN_set_negative(bn, neg);
	CU_ASSERT_FATAL(
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL);
	BN_free(bn);
}

static void
set_ku(X509 *x, int crit, unsigned int extra)
{
	ASN1_BIT_STRING *ku = ASN1_BIT_STRING_new();

	ASN1_BIT_STRING_set_bit(ku, 0, 1);
	ASN1_BIT_STRING_set_bit(ku, 1, 1);
	if (extra != 0)
		ASN1_BIT_STRING_set_bit(ku, (int)extra, 1);
	put_ext(x, NID_key_usage, crit, ku);
	ASN1_BIT_STRING_free(ku);
}

static void
set_email(X509 *x, const char *email)
{
	GENERAL_NAMES *san = GENERAL_NAMES_new();
	GENERAL_NAME *gn = GENERAL_NAME_new();
	ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();

	ASN1_STRING_set(ia5, email, -1);
	GENERAL_NAME_set0_value(gn, GEN_EMAIL, ia5);
	sk_GENERAL_NAME_push(san, gn);
	put_ext(x, NID_subject_alt_name, 0, san);
	GENERAL_NAMES_free(san);
}

/* Removes extension nid. */
static void
drop_ext(X509 *x, int nid)
{
	X509_EXTENSION_free(
	    X509_delete_ext(x, X509_get_ext_by_NID(x, nid, -1)));
}

/*
 * x signed with ECDSA-SHA256, re-parsed after its TBS signature field
 * (the first ecdsa-with-SHA256 OID in the DER) was made ecdsa-with-SHA384:
 * the TBS and the outer algorithm then differ.  Frees x.
 */
static X509 *
tbs_alg_sha384(X509 *x)
{
	static const unsigned char oid[] = {
	    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
	unsigned char *der = NULL;
	const unsigned char *q;
	X509 *y;
	int n, i;

	CU_ASSERT_FATAL(X509_sign(x, ca_key, EVP_sha256()) > 0);
	n = i2d_X509(x, &der);
	for (i = 0; i + (int)sizeof(oid) <= n; i++)
		if (memcmp(der + i, oid, sizeof(oid)) == 0)
			break;
	CU_ASSERT_FATAL(i + (int)sizeof(oid) <= n);
	der[i + sizeof(oid) - 1] = 0x03;
	q = der;
	y = d2i_X509(NULL, &q, n);
	CU_ASSERT_FATAL(y != NULL);
	OPENSSL_free(der);
	X509_free(x);
	return y;
}

static void
set_not_after(X509 *x, time_t t)
{
	CU_ASSERT_FATAL(ASN1_TIME_set(X509_getm_notAfter(x), t) != NULL);
}

enum mutation {
	M_VERSION,
	M_SERIAL_SHORT,
	M_SERIAL_LONG,
	M_SERIAL_NEGATIVE,
	M_SERIAL_ZERO,
	M_ISSUER_NAME,
	M_SUBJECT,
	M_NOT_BEFORE,
	M_THREE_YEARS,
	M_PAST_ISSUER,
	M_GENERALIZED_TIME,
	M_RSA_1024,
	M_KEY_IS_ISSUER,
	M_KU_NOT_CRITICAL,
	M_KU_KEY_ENCIPHERMENT,
	M_KU_MISSING,
	M_CA_TRUE,
	M_BC_NOT_CRITICAL,
	M_PATHLEN,
	M_EKU_CRITICAL,
	M_EKU_EXTRA,
	M_POLICY_OTHER,
	M_SAN_MISSING,
	M_WRONG_EMAIL,
	M_SAN_TWO,
	M_EXTRA_EXTENSION,
	M_DUPLICATE_EXTENSION,
	M_SKI_WRONG,
	M_AKI_WRONG,
	M_AKI_ISSUER_SERIAL,
	M_AIA_MISSING,
	M_AIA_OTHER_URL,
	M_CDP_MISSING,
	M_SIGALG_MISMATCH,
};

static const struct {
	enum mutation m;
	const char *name;
	const char *rule;
} mutations[] = {
    {M_VERSION, "version 1", "version"},
    {M_SERIAL_SHORT, "15-byte serial", "serial-length"},
    {M_SERIAL_LONG, "17-byte serial (top bit set)", "serial-length"},
    {M_SERIAL_NEGATIVE, "negative serial", "serial-positive"},
    {M_SERIAL_ZERO, "zero serial", "serial-positive"},
    {M_ISSUER_NAME, "wrong issuer name", "issuer-name"},
    {M_SUBJECT, "subject with an OU", "subject"},
    {M_NOT_BEFORE, "notBefore an hour ahead", "validity-not-before"},
    {M_THREE_YEARS, "validity three years", "validity-period"},
    {M_PAST_ISSUER, "notAfter past the issuer", "validity-issuer"},
    {M_GENERALIZED_TIME, "GeneralizedTime before 2050", "validity-encoding"},
    {M_RSA_1024, "RSA-1024 key", "key"},
    {M_KEY_IS_ISSUER, "the issuer's key", "key-is-issuer"},
    {M_KU_NOT_CRITICAL, "keyUsage not critical", "key-usage-critical"},
    {M_KU_KEY_ENCIPHERMENT, "keyUsage with keyEncipherment", "key-usage-value"},
    {M_KU_MISSING, "no keyUsage", "key-usage-missing"},
    {M_CA_TRUE, "CA:TRUE", "basic-constraints-value"},
    {M_BC_NOT_CRITICAL, "basicConstraints not critical",
        "basic-constraints-critical"},
    {M_PATHLEN, "CA:FALSE with a path length", "basic-constraints-value"},
    {M_EKU_CRITICAL, "EKU critical", "ext-key-usage-critical"},
    {M_EKU_EXTRA, "EKU with serverAuth", "ext-key-usage-value"},
    {M_POLICY_OTHER, "the software policy", "policies-value"},
    {M_SAN_MISSING, "no SAN", "san-missing"},
    {M_WRONG_EMAIL, "wrong email", "san-value"},
    {M_SAN_TWO, "SAN with a DNS name too", "san-value"},
    {M_EXTRA_EXTENSION, "extra extension", "extension-unknown"},
    {M_DUPLICATE_EXTENSION, "SAN twice", "extension-duplicate"},
    {M_SKI_WRONG, "wrong SKI", "ski-value"},
    {M_AKI_WRONG, "wrong AKI", "aki-value"},
    {M_AKI_ISSUER_SERIAL, "AKI with issuer and serial", "aki-value"},
    {M_AIA_MISSING, "no AIA", "aia-missing"},
    {M_AIA_OTHER_URL, "AIA with another OCSP URL", "aia-value"},
    {M_CDP_MISSING, "no CRL distribution point", "crl-dp-missing"},
    {M_SIGALG_MISMATCH, "TBS and outer signature algorithms differ",
        "signature-algorithm"},
};

/* Applies m to *xp (which it may replace); returns the issuer to lint
 * against. */
static X509 *
mutate(X509 **xp, enum mutation m)
{
	X509 *x = *xp;
	X509_NAME *name;
	BASIC_CONSTRAINTS *bc;
	EXTENDED_KEY_USAGE *eku;
	CERTIFICATEPOLICIES *cp;
	POLICYINFO *pi;
	ASN1_OCTET_STRING *os;
	AUTHORITY_KEYID *aki;
	GENERAL_NAMES *san;
	GENERAL_NAME *gn;
	ASN1_IA5STRING *ia5;
	AUTHORITY_INFO_ACCESS *aia;
	X509_EXTENSION *ext;
	unsigned char id[20];
	time_t t;

	switch (m) {
	case M_VERSION:
		X509_set_version(x, X509_VERSION_1);
		break;
	case M_SERIAL_SHORT:
		set_serial(x, 0x42, 15, 0);
		break;
	case M_SERIAL_LONG:
		set_serial(x, 0xc2, 16, 0);
		break;
	case M_SERIAL_NEGATIVE:
		set_serial(x, 0x42, 16, 1);
		break;
	case M_SERIAL_ZERO:
		set_serial(x, 0, 1, 0);
		break;
	case M_ISSUER_NAME:
		name = X509_NAME_dup(X509_get_subject_name(root));
		X509_set_issuer_name(x, name);
		X509_NAME_free(name);
		break;
	case M_SUBJECT:
		name = X509_NAME_dup(X509_get_subject_name(x));
		X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_UTF8,
		    (const unsigned char *)"Pharmacy", -1, -1, 0);
		X509_set_subject_name(x, name);
		X509_NAME_free(name);
		break;
	case M_NOT_BEFORE:
		ASN1_TIME_set(X509_getm_notBefore(x), now + 3600);
		break;
	case M_THREE_YEARS:
		set_not_after(x, now + 3 * 365 * DAY);
		break;
	case M_PAST_ISSUER:
		/* short_ca ends at now + 400 days */
		set_not_after(x, now + 401 * DAY);
		return short_ca;
	case M_GENERALIZED_TIME:
		profile_time(X509_get0_notAfter(x), &t);
		ASN1_GENERALIZEDTIME_set(X509_getm_notAfter(x), t);
		break;
	case M_RSA_1024:
		X509_set_pubkey(x, rsa1024);
		break;
	case M_KEY_IS_ISSUER:
		X509_set_pubkey(x, ca_key);
		break;
	case M_KU_NOT_CRITICAL:
		set_ku(x, 0, 0);
		break;
	case M_KU_KEY_ENCIPHERMENT:
		set_ku(x, 1, 2);
		break;
	case M_KU_MISSING:
		drop_ext(x, NID_key_usage);
		break;
	case M_CA_TRUE:
		bc = BASIC_CONSTRAINTS_new();
		bc->ca = 0xff;
		put_ext(x, NID_basic_constraints, 1, bc);
		BASIC_CONSTRAINTS_free(bc);
		break;
	case M_BC_NOT_CRITICAL:
		bc = BASIC_CONSTRAINTS_new();
		put_ext(x, NID_basic_constraints, 0, bc);
		BASIC_CONSTRAINTS_free(bc);
		break;
	case M_PATHLEN:
		bc = BASIC_CONSTRAINTS_new();
		bc->pathlen = ASN1_INTEGER_new();
		ASN1_INTEGER_set(bc->pathlen, 0);
		put_ext(x, NID_basic_constraints, 1, bc);
		BASIC_CONSTRAINTS_free(bc);
		break;
	case M_EKU_CRITICAL:
	case M_EKU_EXTRA:
		eku = sk_ASN1_OBJECT_new_null();
		sk_ASN1_OBJECT_push(eku, OBJ_txt2obj(eku_hw[0], 1));
		sk_ASN1_OBJECT_push(eku, OBJ_txt2obj(eku_hw[1], 1));
		if (m == M_EKU_EXTRA)
			sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_server_auth));
		put_ext(x, NID_ext_key_usage, m == M_EKU_CRITICAL, eku);
		sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
		break;
	case M_POLICY_OTHER:
		cp = CERTIFICATEPOLICIES_new();
		pi = POLICYINFO_new();
		ASN1_OBJECT_free(pi->policyid);
		pi->policyid = OBJ_txt2obj(pol_sw[0], 1);
		sk_POLICYINFO_push(cp, pi);
		put_ext(x, NID_certificate_policies, 0, cp);
		CERTIFICATEPOLICIES_free(cp);
		break;
	case M_SAN_MISSING:
		drop_ext(x, NID_subject_alt_name);
		break;
	case M_WRONG_EMAIL:
		set_email(x, "eve@clinic.example");
		break;
	case M_SAN_TWO:
		san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
		gn = GENERAL_NAME_new();
		ia5 = ASN1_IA5STRING_new();
		ASN1_STRING_set(ia5, "clinic.example", -1);
		GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
		sk_GENERAL_NAME_push(san, gn);
		put_ext(x, NID_subject_alt_name, 0, san);
		GENERAL_NAMES_free(san);
		break;
	case M_EXTRA_EXTENSION:
		ia5 = ASN1_IA5STRING_new();
		ASN1_STRING_set(ia5, "hello", -1);
		X509_add1_ext_i2d(x, NID_netscape_comment, ia5, 0, 0);
		ASN1_IA5STRING_free(ia5);
		break;
	case M_DUPLICATE_EXTENSION:
		ext = X509_EXTENSION_dup(X509_get_ext(
		    x, X509_get_ext_by_NID(x, NID_subject_alt_name, -1)));
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
		break;
	case M_SKI_WRONG:
		memset(id, 0x5a, sizeof(id));
		os = ASN1_OCTET_STRING_new();
		ASN1_OCTET_STRING_set(os, id, sizeof(id));
		put_ext(x, NID_subject_key_identifier, 0, os);
		ASN1_OCTET_STRING_free(os);
		break;
	case M_AKI_WRONG:
	case M_AKI_ISSUER_SERIAL:
		aki = AUTHORITY_KEYID_new();
		if (m == M_AKI_WRONG) {
			/* the root's key id */
			aki->keyid = X509_get_ext_d2i(
			    root, NID_subject_key_identifier, NULL, NULL);
		} else {
			aki->keyid = X509_get_ext_d2i(
			    ca, NID_subject_key_identifier, NULL, NULL);
			aki->serial =
			    ASN1_INTEGER_dup(X509_get0_serialNumber(ca));
			aki->issuer = GENERAL_NAMES_new();
			gn = GENERAL_NAME_new();
			GENERAL_NAME_set0_value(gn, GEN_DIRNAME,
			    X509_NAME_dup(X509_get_issuer_name(ca)));
			sk_GENERAL_NAME_push(aki->issuer, gn);
		}
		put_ext(x, NID_authority_key_identifier, 0, aki);
		AUTHORITY_KEYID_free(aki);
		break;
	case M_AIA_MISSING:
		drop_ext(x, NID_info_access);
		break;
	case M_AIA_OTHER_URL:
		aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
		ia5 = sk_ACCESS_DESCRIPTION_value(aia, 0)
		          ->location->d.uniformResourceIdentifier;
		ASN1_STRING_set(ia5, "http://evil.example/ocsp", -1);
		put_ext(x, NID_info_access, 0, aia);
		AUTHORITY_INFO_ACCESS_free(aia);
		break;
	case M_CDP_MISSING:
		drop_ext(x, NID_crl_distribution_points);
		break;
	case M_SIGALG_MISMATCH:
		*xp = tbs_alg_sha384(x);
		break;
	}
	return ca;
}

static void
test_mutations(void)
{
	X509 *x, *issuer;
	const char *rule;
	size_t i;

	for (i = 0; i < NITEMS(mutations); i++) {
		x = build(&ada, ca);
		issuer = mutate(&x, mutations[i].m);
		rule = rule_of(x, &ada, issuer);
		if (strcmp(rule, mutations[i].rule) != 0) {
			fprintf(stderr, "\n%s: rule \"%s\", want \"%s\"\n",
			    mutations[i].name, rule, mutations[i].rule);
			CU_FAIL("wrong rule");
		}
		ERR_clear_error();
		X509_free(x);
	}
	/* linted against a CA of the same name and another key: the AKI */
	x = build(&ada, ca);
	CU_ASSERT_STRING_EQUAL(rule_of(x, &ada, other_ca), "aki-value");
	X509_free(x);
}

static void
test_same_tbs(void)
{
	unsigned char *der = NULL, *mut;
	const unsigned char *q;
	struct problem p;
	X509 *linted, *signed_cert, *bent;
	X509_NAME *name;
	int n, i, start, end, caught = 0, tried = 0;

	linted = build(&ada, ca);
	CU_ASSERT_FATAL(linted != NULL);
	CU_ASSERT_STRING_EQUAL(rule_of(linted, &ada, ca), "");
	signed_cert = X509_dup(linted);
	CU_ASSERT_FATAL(X509_sign(signed_cert, ca_key, EVP_sha256()) > 0);
	problem_clear(&p);
	CU_ASSERT_EQUAL(lint_same_tbs(signed_cert, linted, &p), 0);
	/* as received: parsed back from its DER */
	n = i2d_X509(signed_cert, &der);
	CU_ASSERT_FATAL(n > 0);
	q = der;
	bent = d2i_X509(NULL, &q, n);
	CU_ASSERT_FATAL(bent != NULL);
	CU_ASSERT_EQUAL(lint_same_tbs(bent, linted, &p), 0);
	X509_free(bent);

	/* one byte changed anywhere in the TBS past the signature field is
	 * caught (or the result does not even parse) */
	start = 2 + ((der[1] & 0x80) != 0 ? (der[1] & 0x7f) : 0);
	end = start + i2d_re_X509_tbs(signed_cert, NULL);
	mut = malloc((size_t)n);
	for (i = start + 45; i < end; i += 3) {
		memcpy(mut, der, (size_t)n);
		mut[i] ^= 0x01;
		q = mut;
		if ((bent = d2i_X509(NULL, &q, n)) == NULL) {
			ERR_clear_error();
			continue;
		}
		tried++;
		problem_clear(&p);
		if (lint_same_tbs(bent, linted, &p) == -1 &&
		    strcmp(p.detail, "lint: tbs-changed") == 0)
			caught++;
		X509_free(bent);
	}
	CU_ASSERT(tried > 10);
	CU_ASSERT_EQUAL(caught, tried);
	free(mut);
	OPENSSL_free(der);

	/* changed after signing, not re-signed: the change reaches the DER
	 * once the cached encoding is dropped (some setters keep it) */
	bent = X509_dup(signed_cert);
	name = X509_NAME_dup(X509_get_subject_name(root));
	CU_ASSERT_FATAL(X509_set_subject_name(bent, name) == 1);
	X509_NAME_free(name);
	problem_clear(&p);
	CU_ASSERT_EQUAL(lint_same_tbs(bent, linted, &p), 0);
	CU_ASSERT(i2d_re_X509_tbs(bent, NULL) > 0);
	CU_ASSERT_EQUAL(lint_same_tbs(bent, linted, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.detail, "lint: tbs-changed");
	X509_free(bent);
	/* re-signed after a change */
	bent = X509_dup(linted);
	set_email(bent, "eve@clinic.example");
	CU_ASSERT_FATAL(X509_sign(bent, ca_key, EVP_sha256()) > 0);
	problem_clear(&p);
	CU_ASSERT_EQUAL(lint_same_tbs(bent, linted, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.type, "lint-failed");
	X509_free(bent);
	/* the signature algorithm may differ: it is the signer's */
	bent = X509_dup(linted);
	CU_ASSERT_FATAL(X509_sign(bent, ca_key, EVP_sha384()) > 0);
	problem_clear(&p);
	CU_ASSERT_EQUAL(lint_same_tbs(bent, linted, &p), 0);
	X509_free(bent);
	/* but the TBS copy must match the outer one */
	bent = tbs_alg_sha384(X509_dup(linted));
	problem_clear(&p);
	CU_ASSERT_EQUAL(lint_same_tbs(bent, linted, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.detail, "lint: tbs-signature-algorithm");
	X509_free(bent);
	problem_clear(&p);
	CU_ASSERT_EQUAL(lint_same_tbs(NULL, linted, &p), -1);
	X509_free(signed_cert);
	X509_free(linted);
}

/* The server's way: lint, store the unsigned DER, sign a copy parsed back
 * from it, compare with another copy. */
static void
test_stored_flow(void)
{
	unsigned char *der = NULL;
	const unsigned char *q;
	struct problem p;
	X509 *x, *linted, *signed_cert;
	int n;

	x = build(&ada, ca);
	CU_ASSERT_STRING_EQUAL(rule_of(x, &ada, ca), "");
	n = i2d_X509(x, &der);
	CU_ASSERT_FATAL(n > 0);
	q = der;
	linted = d2i_X509(NULL, &q, n);
	q = der;
	signed_cert = d2i_X509(NULL, &q, n);
	CU_ASSERT_FATAL(linted != NULL && signed_cert != NULL);
	CU_ASSERT_STRING_EQUAL(rule_of(linted, &ada, ca), "");
	CU_ASSERT_FATAL(X509_sign(signed_cert, ca_key, EVP_sha256()) > 0);
	problem_clear(&p);
	CU_ASSERT_EQUAL(lint_same_tbs(signed_cert, linted, &p), 0);
	CU_ASSERT_STRING_EQUAL(rule_of(signed_cert, &ada, ca), "");
	CU_ASSERT(X509_verify(signed_cert, ca_key) == 1);
	OPENSSL_free(der);
	X509_free(x);
	X509_free(linted);
	X509_free(signed_cert);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("lint", suite_init, suite_clean);
	CU_add_test(s, "the profile passes", test_profile_passes);
	CU_add_test(s, "mutations name their rule", test_mutations);
	CU_add_test(s, "signed is what was linted", test_same_tbs);
	CU_add_test(s, "lint, store, sign, compare", test_stored_flow);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
