/*
 * Unit tests of ca/hierarchy.c: the root, issuing and OCSP responder
 * certificates, their extensions read back with OpenSSL's getters, the
 * chain checked by `openssl verify`, and P-384 signatures.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca/hierarchy.h"
#include "ca/profile.h"

#define DAY 86400L

static const time_t now = 1780000000; /* 2026-05-28 */
static const char *const root_crl = "http://pki.rxca.test/root.crl";

static EVP_PKEY *root_key, *ca_key, *ocsp_key;
static X509 *root, *ca, *ocsp;

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
	ca_key = EVP_EC_gen("P-384");
	ocsp_key = EVP_EC_gen("P-256");
	if (root_key == NULL || ca_key == NULL || ocsp_key == NULL)
		return -1;
	root = hierarchy_root(root_key, "rxca Test", "rxca Test Root CA", 7300,
	    now, serial(), &p);
	if (root == NULL || X509_sign(root, root_key, EVP_sha384()) <= 0)
		return -1;
	ca = hierarchy_issuing(ca_key, root, "rxca Test",
	    "rxca Test Issuing CA", 3650, now, serial(), root_crl, &p);
	if (ca == NULL || X509_sign(ca, root_key, EVP_sha384()) <= 0)
		return -1;
	ocsp = hierarchy_ocsp_signer(
	    ocsp_key, ca, "rxca Test", 30, now, serial(), &p);
	if (ocsp == NULL || X509_sign(ocsp, ca_key, EVP_sha384()) <= 0)
		return -1;
	return 0;
}

static int
suite_clean(void)
{
	X509_free(root);
	X509_free(ca);
	X509_free(ocsp);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(ocsp_key);
	return 0;
}

static int
ext_critical(X509 *x, int nid)
{
	int i;

	if ((i = X509_get_ext_by_NID(x, nid, -1)) < 0)
		return -1;
	return X509_EXTENSION_get_critical(X509_get_ext(x, i));
}

static long
span(const ASN1_TIME *a, const ASN1_TIME *b)
{
	int days = 0, secs = 0;

	CU_ASSERT_FATAL(ASN1_TIME_diff(&days, &secs, a, b) == 1);
	return days * DAY + secs;
}

/* 1 if keyUsage of x is exactly the bits of ku (first octet). */
static int
ku_is(X509 *x, unsigned char ku)
{
	ASN1_BIT_STRING *bits;
	int ok;

	bits = X509_get_ext_d2i(x, NID_key_usage, NULL, NULL);
	ok = bits != NULL && ASN1_STRING_length(bits) == 1 &&
	    ASN1_STRING_get0_data(bits)[0] == ku;
	ASN1_BIT_STRING_free(bits);
	return ok;
}

/* 1 if x's AKI holds only the keyIdentifier, equal to issuer's SKI. */
static int
aki_is_ski_of(X509 *x, X509 *issuer)
{
	AUTHORITY_KEYID *aki;
	ASN1_OCTET_STRING *ski;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	int ok;

	aki = X509_get_ext_d2i(x, NID_authority_key_identifier, NULL, NULL);
	ski = X509_get_ext_d2i(issuer, NID_subject_key_identifier, NULL, NULL);
	ok = aki != NULL && ski != NULL && aki->keyid != NULL &&
	    aki->issuer == NULL && aki->serial == NULL &&
	    ASN1_OCTET_STRING_cmp(aki->keyid, ski) == 0 &&
	    X509_pubkey_digest(issuer, EVP_sha1(), md, &n) == 1 && n == 20 &&
	    ASN1_STRING_length(ski) == 20 &&
	    memcmp(ASN1_STRING_get0_data(ski), md, 20) == 0;
	AUTHORITY_KEYID_free(aki);
	ASN1_OCTET_STRING_free(ski);
	return ok;
}

static void
test_root(void)
{
	BASIC_CONSTRAINTS *bc;

	CU_ASSERT_EQUAL(X509_get_version(root), X509_VERSION_3);
	CU_ASSERT(X509_NAME_cmp(X509_get_subject_name(root),
	              X509_get_issuer_name(root)) == 0);
	CU_ASSERT_EQUAL(X509_get_ext_count(root), 4);
	CU_ASSERT_EQUAL(ext_critical(root, NID_basic_constraints), 1);
	CU_ASSERT_EQUAL(ext_critical(root, NID_key_usage), 1);
	CU_ASSERT_EQUAL(ext_critical(root, NID_subject_key_identifier), 0);
	CU_ASSERT_EQUAL(ext_critical(root, NID_authority_key_identifier), 0);
	bc = X509_get_ext_d2i(root, NID_basic_constraints, NULL, NULL);
	CU_ASSERT_FATAL(bc != NULL);
	CU_ASSERT(bc->ca != 0 && bc->pathlen == NULL);
	BASIC_CONSTRAINTS_free(bc);
	CU_ASSERT(ku_is(root, 0x06)); /* keyCertSign, cRLSign */
	CU_ASSERT(aki_is_ski_of(root, root));
	CU_ASSERT_EQUAL(X509_check_ca(root), 1);
	CU_ASSERT_EQUAL(X509_check_issued(root, root), X509_V_OK);
	CU_ASSERT(X509_verify(root, root_key) == 1);
	CU_ASSERT_EQUAL(
	    span(X509_get0_notBefore(root), X509_get0_notAfter(root)),
	    7300 * DAY);
	/* 2046: still UTCTime */
	CU_ASSERT_EQUAL(
	    ASN1_STRING_type(X509_get0_notAfter(root)), V_ASN1_UTCTIME);
	/* P-384 signed with SHA-384 */
	CU_ASSERT_EQUAL(X509_get_signature_nid(root), NID_ecdsa_with_SHA384);
	CU_ASSERT_EQUAL(X509_get_signature_nid(ca), NID_ecdsa_with_SHA384);
	CU_ASSERT_EQUAL(X509_get_signature_nid(ocsp), NID_ecdsa_with_SHA384);
}

static void
test_issuing(void)
{
	BASIC_CONSTRAINTS *bc;
	CRL_DIST_POINTS *cdp;
	GENERAL_NAME *gn;
	struct problem p;
	X509 *x;

	CU_ASSERT(X509_NAME_cmp(X509_get_issuer_name(ca),
	              X509_get_subject_name(root)) == 0);
	CU_ASSERT_EQUAL(X509_get_ext_count(ca), 5);
	CU_ASSERT_EQUAL(ext_critical(ca, NID_basic_constraints), 1);
	CU_ASSERT_EQUAL(ext_critical(ca, NID_key_usage), 1);
	CU_ASSERT_EQUAL(ext_critical(ca, NID_crl_distribution_points), 0);
	bc = X509_get_ext_d2i(ca, NID_basic_constraints, NULL, NULL);
	CU_ASSERT_FATAL(bc != NULL);
	CU_ASSERT(bc->ca != 0 && bc->pathlen != NULL &&
	    ASN1_INTEGER_get(bc->pathlen) == 0);
	BASIC_CONSTRAINTS_free(bc);
	CU_ASSERT(ku_is(ca, 0x06));
	CU_ASSERT(aki_is_ski_of(ca, root));
	cdp = X509_get_ext_d2i(ca, NID_crl_distribution_points, NULL, NULL);
	CU_ASSERT_FATAL(cdp != NULL && sk_DIST_POINT_num(cdp) == 1);
	gn = sk_GENERAL_NAME_value(
	    sk_DIST_POINT_value(cdp, 0)->distpoint->name.fullname, 0);
	CU_ASSERT(gn->type == GEN_URI &&
	    strcmp((const char *)ASN1_STRING_get0_data(
	               gn->d.uniformResourceIdentifier),
	        root_crl) == 0);
	CRL_DIST_POINTS_free(cdp);
	CU_ASSERT_EQUAL(X509_check_issued(root, ca), X509_V_OK);
	CU_ASSERT(X509_verify(ca, root_key) == 1);

	/* without a CRL URL; clamped to the root */
	problem_clear(&p);
	x = hierarchy_issuing(ca_key, root, "rxca Test", "Late", 3650,
	    now + 7000 * DAY, serial(), NULL, &p);
	CU_ASSERT_FATAL(x != NULL);
	CU_ASSERT_EQUAL(
	    X509_get_ext_by_NID(x, NID_crl_distribution_points, -1), -1);
	CU_ASSERT(ASN1_TIME_compare(
	              X509_get0_notAfter(x), X509_get0_notAfter(root)) == 0);
	X509_free(x);
}

static void
test_ocsp(void)
{
	BASIC_CONSTRAINTS *bc;
	EXTENDED_KEY_USAGE *eku;
	ASN1_NULL *nocheck;
	int crit = -1;

	CU_ASSERT(X509_NAME_cmp(X509_get_issuer_name(ocsp),
	              X509_get_subject_name(ca)) == 0);
	CU_ASSERT_EQUAL(X509_get_ext_count(ocsp), 6);
	CU_ASSERT_EQUAL(ext_critical(ocsp, NID_key_usage), 1);
	CU_ASSERT_EQUAL(ext_critical(ocsp, NID_basic_constraints), 1);
	CU_ASSERT_EQUAL(ext_critical(ocsp, NID_ext_key_usage), 0);
	CU_ASSERT(ku_is(ocsp, 0x80)); /* digitalSignature */
	bc = X509_get_ext_d2i(ocsp, NID_basic_constraints, NULL, NULL);
	CU_ASSERT_FATAL(bc != NULL);
	CU_ASSERT(bc->ca == 0);
	BASIC_CONSTRAINTS_free(bc);
	eku = X509_get_ext_d2i(ocsp, NID_ext_key_usage, NULL, NULL);
	CU_ASSERT_FATAL(eku != NULL);
	CU_ASSERT(sk_ASN1_OBJECT_num(eku) == 1 &&
	    OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, 0)) == NID_OCSP_sign);
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	nocheck = X509_get_ext_d2i(ocsp, NID_id_pkix_OCSP_noCheck, &crit, NULL);
	CU_ASSERT_PTR_NOT_NULL(nocheck);
	CU_ASSERT_EQUAL(crit, 0);
	ASN1_NULL_free(nocheck);
	CU_ASSERT(aki_is_ski_of(ocsp, ca));
	CU_ASSERT(X509_get_extended_key_usage(ocsp) & XKU_OCSP_SIGN);
	CU_ASSERT_EQUAL(X509_check_ca(ocsp), 0);
	CU_ASSERT_EQUAL(
	    span(X509_get0_notBefore(ocsp), X509_get0_notAfter(ocsp)),
	    30 * DAY);
	CU_ASSERT(X509_verify(ocsp, ca_key) == 1);
	CU_ASSERT_EQUAL(X509_check_issued(ca, ocsp), X509_V_OK);
	CU_ASSERT_EQUAL(X509_get_signature_nid(ocsp), NID_ecdsa_with_SHA384);
}

/* The unsigned certificates carry their algorithm and encode to DER. */
static void
test_unsigned_encodes(void)
{
	unsigned char *der = NULL;
	const unsigned char *q;
	struct problem p;
	X509 *x, *back;
	int n;

	problem_clear(&p);
	x = hierarchy_ocsp_signer(
	    ocsp_key, ca, "rxca Test", 30, now, serial(), &p);
	CU_ASSERT_FATAL(x != NULL);
	CU_ASSERT_EQUAL(OBJ_obj2nid(X509_get0_tbs_sigalg(x)->algorithm),
	    NID_ecdsa_with_SHA384);
	n = i2d_X509(x, &der);
	CU_ASSERT_FATAL(n > 0);
	q = der;
	back = d2i_X509(NULL, &q, n);
	CU_ASSERT_PTR_NOT_NULL(back);
	X509_free(back);
	OPENSSL_free(der);
	X509_free(x);
}

static void
test_refusals(void)
{
	EVP_PKEY *k521 = EVP_EC_gen("P-521");
	unsigned char bad[PROFILE_SERIAL_LEN];
	char big[80];
	struct problem p;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(bad, 0x90, sizeof(bad));
#define REFUSED(call, want)                                                    \
	do {                                                                   \
		problem_clear(&p);                                             \
		CU_ASSERT_PTR_NULL(call);                                      \
		CU_ASSERT_STRING_EQUAL(p.fields[0].field, want);               \
	} while (0)
	REFUSED(hierarchy_root(k521, "o", "cn", 10, now, serial(), &p), "key");
	REFUSED(hierarchy_root(NULL, "o", "cn", 10, now, serial(), &p), "key");
	REFUSED(
	    hierarchy_root(root_key, "", "cn", 10, now, serial(), &p), "org");
	REFUSED(
	    hierarchy_root(root_key, "o", big, 10, now, serial(), &p), "cn");
	REFUSED(
	    hierarchy_root(root_key, "o", "c\n", 10, now, serial(), &p), "cn");
	REFUSED(
	    hierarchy_root(root_key, "o", "cn", 0, now, serial(), &p), "days");
	REFUSED(hierarchy_root(root_key, "o", "cn", HIERARCHY_MAX_DAYS + 1, now,
	            serial(), &p),
	    "days");
	REFUSED(
	    hierarchy_root(root_key, "o", "cn", 10, now, bad, &p), "serial");
	REFUSED(hierarchy_issuing(
	            root_key, root, "o", "cn", 10, now, serial(), NULL, &p),
	    "key");
	REFUSED(hierarchy_issuing(
	            ca_key, root, "o", "cn", 10, now, serial(), "ldap://x", &p),
	    "crl_url");
	REFUSED(hierarchy_ocsp_signer(ocsp_key, ca, "o",
	            HIERARCHY_OCSP_MAX_DAYS + 1, now, serial(), &p),
	    "days");
#undef REFUSED
	/* issuers that cannot issue: a leaf, an expired CA, no issuer */
	problem_clear(&p);
	CU_ASSERT_PTR_NULL(
	    hierarchy_ocsp_signer(root_key, ocsp, "o", 10, now, serial(), &p));
	CU_ASSERT_EQUAL(p.status, 500);
	problem_clear(&p);
	CU_ASSERT_PTR_NULL(hierarchy_issuing(
	    ca_key, root, "o", "cn", 10, now + 7300 * DAY, serial(), NULL, &p));
	CU_ASSERT_EQUAL(p.status, 500);
	problem_clear(&p);
	CU_ASSERT_PTR_NULL(hierarchy_issuing(
	    ca_key, NULL, "o", "cn", 10, now, serial(), NULL, &p));
	CU_ASSERT_EQUAL(p.status, 500);
	CU_ASSERT_EQUAL(ERR_peek_error(), 0);
	EVP_PKEY_free(k521);
}

/* The profile as data: country, policies, AIA caIssuers, CDP and
 * policyConstraints where the profile asks, and refusals naming the
 * field. */
static void
test_profile_data(void)
{
	static const char *const pols[] = {
	    "1.3.6.1.4.1.59999.1.2.1", "1.3.6.1.4.1.59999.1.2.2"};
	static const char *const dup[] = {
	    "1.3.6.1.4.1.59999.1.2.1", "1.3.6.1.4.1.59999.1.2.1"};
	static const char *const junk[] = {"not an oid"};
	struct hierarchy_profile rp, ip;
	struct problem p;
	CERTIFICATEPOLICIES *cps;
	POLICY_CONSTRAINTS *pc;
	AUTHORITY_INFO_ACCESS *aia;
	ACCESS_DESCRIPTION *ad;
	X509 *r, *i;
	X509_NAME *n;
	char buf[100];

	memset(&rp, 0, sizeof(rp));
	rp.country = "US";
	rp.org = "rxca Test";
	rp.cn = "Root";
	rp.days = 100;
	rp.require_explicit = 0;
	rp.inhibit_mapping = 1;
	ip = rp;
	ip.cn = "Issuing";
	ip.require_explicit = ip.inhibit_mapping = -1;
	ip.policies = pols;
	ip.npolicies = 2;
	ip.ca_issuers_url = "http://pki.rxca.test/pki/root.cer";
	ip.crl_url = root_crl;
	problem_clear(&p);
	r = hierarchy_build(
	    HIERARCHY_ROOT, root_key, NULL, &rp, now, serial(), &p);
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT_FATAL(X509_sign(r, root_key, EVP_sha384()) > 0);
	i = hierarchy_build(
	    HIERARCHY_ISSUING, ca_key, r, &ip, now, serial(), &p);
	CU_ASSERT_FATAL(i != NULL);
	/* one name base: C=US, O=..., CN=... for both */
	n = X509_get_subject_name(i);
	CU_ASSERT(X509_NAME_get_text_by_NID(
	              n, NID_countryName, buf, sizeof(buf)) == 2);
	CU_ASSERT_STRING_EQUAL(buf, "US");
	CU_ASSERT(X509_NAME_cmp(
	              X509_get_issuer_name(i), X509_get_subject_name(r)) == 0);
	/* root: policyConstraints, critical; no policies, no AIA */
	CU_ASSERT_EQUAL(ext_critical(r, NID_policy_constraints), 1);
	pc = X509_get_ext_d2i(r, NID_policy_constraints, NULL, NULL);
	CU_ASSERT_FATAL(pc != NULL);
	CU_ASSERT_EQUAL(ASN1_INTEGER_get(pc->requireExplicitPolicy), 0);
	CU_ASSERT_EQUAL(ASN1_INTEGER_get(pc->inhibitPolicyMapping), 1);
	POLICY_CONSTRAINTS_free(pc);
	CU_ASSERT_EQUAL(ext_critical(r, NID_certificate_policies), -1);
	CU_ASSERT_EQUAL(ext_critical(r, NID_info_access), -1);
	/* issuing: both policies, caIssuers only, the root's CRL */
	CU_ASSERT_EQUAL(ext_critical(i, NID_certificate_policies), 0);
	cps = X509_get_ext_d2i(i, NID_certificate_policies, NULL, NULL);
	CU_ASSERT_FATAL(cps != NULL);
	CU_ASSERT_EQUAL(sk_POLICYINFO_num(cps), 2);
	OBJ_obj2txt(buf, sizeof(buf), sk_POLICYINFO_value(cps, 1)->policyid, 1);
	CU_ASSERT_STRING_EQUAL(buf, pols[1]);
	CERTIFICATEPOLICIES_free(cps);
	aia = X509_get_ext_d2i(i, NID_info_access, NULL, NULL);
	CU_ASSERT_FATAL(aia != NULL);
	CU_ASSERT_EQUAL(sk_ACCESS_DESCRIPTION_num(aia), 1);
	ad = sk_ACCESS_DESCRIPTION_value(aia, 0);
	CU_ASSERT_EQUAL(OBJ_obj2nid(ad->method), NID_ad_ca_issuers);
	AUTHORITY_INFO_ACCESS_free(aia);
	CU_ASSERT_EQUAL(ext_critical(i, NID_crl_distribution_points), 0);
	CU_ASSERT_EQUAL(ext_critical(i, NID_policy_constraints), -1);
	X509_free(i);
#define REFUSED(kind, issuer, prof, want)                                      \
	do {                                                                   \
		problem_clear(&p);                                             \
		CU_ASSERT_PTR_NULL(hierarchy_build(                            \
		    kind, ca_key, issuer, &prof, now, serial(), &p));          \
		CU_ASSERT_EQUAL(p.status, 422);                                \
		CU_ASSERT_STRING_EQUAL(p.fields[0].field, want);               \
	} while (0)
	ip.country = "us";
	REFUSED(HIERARCHY_ISSUING, r, ip, "country");
	ip.country = "USA";
	REFUSED(HIERARCHY_ISSUING, r, ip, "country");
	ip.country = "US";
	ip.policies = dup;
	REFUSED(HIERARCHY_ISSUING, r, ip, "policies");
	ip.policies = junk;
	ip.npolicies = 1;
	REFUSED(HIERARCHY_ISSUING, r, ip, "policies");
	ip.policies = pols;
	ip.npolicies = PROFILE_MAX_OIDS + 1;
	REFUSED(HIERARCHY_ISSUING, r, ip, "policies");
	ip.npolicies = 2;
	ip.ca_issuers_url = "ldap://x";
	REFUSED(HIERARCHY_ISSUING, r, ip, "ca_issuers_url");
	ip.ca_issuers_url = NULL;
	ip.require_explicit = HIERARCHY_MAX_SKIP + 1;
	REFUSED(HIERARCHY_ISSUING, r, ip, "policy_constraints");
	ip.require_explicit = -1;
	ip.inhibit_mapping = -2;
	REFUSED(HIERARCHY_ISSUING, r, ip, "policy_constraints");
#undef REFUSED
	/* the root has no issuer, the others need one */
	problem_clear(&p);
	CU_ASSERT_PTR_NULL(hierarchy_build(
	    HIERARCHY_ISSUING, ca_key, NULL, &rp, now, serial(), &p));
	CU_ASSERT_EQUAL(p.status, 500);
	X509_free(r);
	ERR_clear_error();
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

static void
test_openssl_verify(void)
{
	char dir[] = "/tmp/rxca-hierarchy-XXXXXX";
	char rpath[64], cpath[64], opath[64], at[32], late[32];

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	write_pem(dir, "root.pem", root, rpath, sizeof(rpath));
	write_pem(dir, "issuing.pem", ca, cpath, sizeof(cpath));
	write_pem(dir, "ocsp.pem", ocsp, opath, sizeof(opath));
	snprintf(at, sizeof(at), "%lld", (long long)now + 60);
	snprintf(late, sizeof(late), "%lld", (long long)now + 31 * DAY);
	{
		const char *const root_self[] = {"openssl", "verify",
		    "-x509_strict", "-attime", at, "-CAfile", rpath, rpath,
		    NULL};
		const char *const issuing[] = {"openssl", "verify",
		    "-x509_strict", "-attime", at, "-CAfile", rpath, cpath,
		    NULL};
		const char *const chain[] = {"openssl", "verify",
		    "-x509_strict", "-attime", at, "-CAfile", rpath,
		    "-untrusted", cpath, opath, NULL};
		const char *const expired[] = {"openssl", "verify",
		    "-x509_strict", "-attime", late, "-CAfile", rpath,
		    "-untrusted", cpath, opath, NULL};
		const char *const no_root[] = {"openssl", "verify",
		    "-x509_strict", "-attime", at, "-CAfile", cpath, opath,
		    NULL};

		CU_ASSERT_EQUAL(run(root_self), 0);
		CU_ASSERT_EQUAL(run(issuing), 0);
		CU_ASSERT_EQUAL(run(chain), 0);
		/* and the harness can fail */
		CU_ASSERT_NOT_EQUAL(run(expired), 0);
		CU_ASSERT_NOT_EQUAL(run(no_root), 0);
	}
	unlink(rpath);
	unlink(cpath);
	unlink(opath);
	CU_ASSERT(rmdir(dir) == 0);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("hierarchy", suite_init, suite_clean);
	CU_add_test(s, "root", test_root);
	CU_add_test(s, "issuing CA", test_issuing);
	CU_add_test(s, "OCSP responder", test_ocsp);
	CU_add_test(s, "unsigned certificates encode", test_unsigned_encodes);
	CU_add_test(s, "refusals", test_refusals);
	CU_add_test(s, "profile as data", test_profile_data);
	CU_add_test(s, "openssl verify", test_openssl_verify);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
