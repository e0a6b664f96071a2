#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "ca/csr.h"
#include "ca/hierarchy.h"
#include "common/logger.h"

/* Checks the arguments common to every CA certificate; 0 or -1 (p set). */
static int
hierarchy_args(EVP_PKEY *key, X509 *issuer, const char *org, const char *cn,
    int days, int maxdays, const unsigned char *serial, struct problem *p)
{
	struct problem scratch;
	int same;

	problem_clear(&scratch);
	if (csr_key_check(key, &scratch) == -1)
		return problem_invalid(
		    p, "key", "key type or size not accepted");
	if (issuer != NULL) {
		same = EVP_PKEY_eq(key, X509_get0_pubkey(issuer)) == 1;
		ERR_clear_error();
		if (same)
			return problem_invalid(
			    p, "key", "the key is the issuer's own");
	}
	if (!profile_text_ok(org, PROFILE_ORG_MAX))
		return problem_invalid(p, "org", "1 to 64 characters of text");
	if (!profile_text_ok(cn, PROFILE_CN_MAX))
		return problem_invalid(p, "cn", "1 to 64 characters of text");
	if (days < 1 || days > maxdays)
		return problem_field(p, "days", "1 to %d days", maxdays);
	if (serial == NULL || serial[0] == 0 || serial[0] > 0x7f)
		return problem_invalid(
		    p, "serial", "16 bytes, the first 0x01 to 0x7f");
	if (issuer != NULL && !profile_issuer_ok(issuer))
		return problem_internal(p);
	return 0;
}

/*
 * A version 3 certificate for O=org, CN=cn on key issued by issuer (NULL:
 * itself), serial, validity and key identifiers set; the caller adds the
 * rest.  NULL with p set on failure.
 */
static X509 *
hierarchy_skeleton(EVP_PKEY *key, X509 *issuer, const char *org, const char *cn,
    int days, time_t now, const unsigned char *serial, struct problem *p)
{
	X509_NAME *name = NULL;
	X509 *x = NULL;

	if ((name = X509_NAME_new()) == NULL ||
	    X509_NAME_add_entry_by_NID(name, NID_organizationName,
	        V_ASN1_UTF8STRING, (const unsigned char *)org, -1, -1,
	        0) != 1 ||
	    X509_NAME_add_entry_by_NID(name, NID_commonName, V_ASN1_UTF8STRING,
	        (const unsigned char *)cn, -1, -1, 0) != 1 ||
	    (x = X509_new()) == NULL ||
	    X509_set_version(x, X509_VERSION_3) != 1 ||
	    profile_set_serial(x, serial) == -1 ||
	    X509_set_subject_name(x, name) != 1 ||
	    X509_set_issuer_name(x,
	        issuer != NULL ? X509_get_subject_name(issuer) : name) != 1 ||
	    X509_set_pubkey(x, key) != 1 ||
	    profile_set_validity(x, issuer, now, days) == -1 ||
	    profile_add_key_ids(x, issuer) == -1 ||
	    profile_set_sigalg(
	        x, issuer != NULL ? X509_get0_pubkey(issuer) : key) == -1) {
		log_openssl("hierarchy: cannot build the certificate");
		problem_internal(p);
		X509_free(x);
		x = NULL;
	}
	X509_NAME_free(name);
	return x;
}

X509 *
hierarchy_root(EVP_PKEY *key, const char *org, const char *cn, int days,
    time_t now, const unsigned char serial[PROFILE_SERIAL_LEN],
    struct problem *p)
{
	X509 *x;

	if (hierarchy_args(key, NULL, org, cn, days, HIERARCHY_MAX_DAYS, serial,
	        p) == -1 ||
	    (x = hierarchy_skeleton(
	         key, NULL, org, cn, days, now, serial, p)) == NULL)
		return NULL;
	if (profile_add_basic_constraints(x, 1, -1) == -1 ||
	    profile_add_key_usage(x, KU_KEY_CERT_SIGN | KU_CRL_SIGN) == -1) {
		problem_internal(p);
		X509_free(x);
		return NULL;
	}
	return x;
}

X509 *
hierarchy_issuing(EVP_PKEY *key, X509 *root, const char *org, const char *cn,
    int days, time_t now, const unsigned char serial[PROFILE_SERIAL_LEN],
    const char *crl_url, struct problem *p)
{
	X509 *x;

	if (root == NULL) {
		log_error("hierarchy: no root", NULL);
		problem_internal(p);
		return NULL;
	}
	if (crl_url != NULL && !profile_url_ok(crl_url)) {
		problem_invalid(p, "crl_url", "an http:// or https:// URL");
		return NULL;
	}
	if (hierarchy_args(key, root, org, cn, days, HIERARCHY_MAX_DAYS, serial,
	        p) == -1 ||
	    (x = hierarchy_skeleton(
	         key, root, org, cn, days, now, serial, p)) == NULL)
		return NULL;
	if (profile_add_basic_constraints(x, 1, 0) == -1 ||
	    profile_add_key_usage(x, KU_KEY_CERT_SIGN | KU_CRL_SIGN) == -1 ||
	    (crl_url != NULL && profile_add_crl_dp(x, crl_url) == -1)) {
		problem_internal(p);
		X509_free(x);
		return NULL;
	}
	return x;
}

/* extendedKeyUsage id-kp-OCSPSigning and id-pkix-ocsp-nocheck. */
static int
hierarchy_add_ocsp(X509 *x)
{
	EXTENDED_KEY_USAGE *eku = NULL;
	ASN1_NULL *nocheck = NULL;
	int rc = -1;

	if ((eku = sk_ASN1_OBJECT_new_null()) == NULL ||
	    sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_OCSP_sign)) == 0 ||
	    (nocheck = ASN1_NULL_new()) == NULL ||
	    X509_add1_ext_i2d(
	        x, NID_ext_key_usage, eku, 0, X509V3_ADD_DEFAULT) != 1 ||
	    X509_add1_ext_i2d(x, NID_id_pkix_OCSP_noCheck, nocheck, 0,
	        X509V3_ADD_DEFAULT) != 1) {
		log_openssl("hierarchy: cannot add the OCSP extensions");
		goto out;
	}
	rc = 0;
out:
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	ASN1_NULL_free(nocheck);
	return rc;
}

X509 *
hierarchy_ocsp_signer(EVP_PKEY *key, X509 *issuing, const char *org, int days,
    time_t now, const unsigned char serial[PROFILE_SERIAL_LEN],
    struct problem *p)
{
	X509 *x;

	if (issuing == NULL) {
		log_error("hierarchy: no issuing CA", NULL);
		problem_internal(p);
		return NULL;
	}
	if (hierarchy_args(key, issuing, org, HIERARCHY_OCSP_CN, days,
	        HIERARCHY_OCSP_MAX_DAYS, serial, p) == -1 ||
	    (x = hierarchy_skeleton(key, issuing, org, HIERARCHY_OCSP_CN, days,
	         now, serial, p)) == NULL)
		return NULL;
	if (profile_add_basic_constraints(x, 0, -1) == -1 ||
	    profile_add_key_usage(x, KU_DIGITAL_SIGNATURE) == -1 ||
	    hierarchy_add_ocsp(x) == -1) {
		problem_internal(p);
		X509_free(x);
		return NULL;
	}
	return x;
}
