#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "ca/csr.h"
#include "ca/hierarchy.h"
#include "common/logger.h"

/* 1 if s is two capitals (a PrintableString country code). */
static int
hierarchy_country_ok(const char *s)
{
	return s != NULL && strlen(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' &&
	    s[1] >= 'A' && s[1] <= 'Z';
}

/* Checks the arguments common to every CA certificate; 0 or -1 (p set). */
static int
hierarchy_args(EVP_PKEY *key, X509 *issuer, const struct hierarchy_profile *hp,
    int maxdays, const unsigned char *serial, struct problem *p)
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
	if (hp->country != NULL && !hierarchy_country_ok(hp->country))
		return problem_invalid(p, "country", "two capital letters");
	if (!profile_text_ok(hp->org, PROFILE_ORG_MAX))
		return problem_invalid(p, "org", "1 to 64 characters of text");
	if (!profile_text_ok(hp->cn, PROFILE_CN_MAX))
		return problem_invalid(p, "cn", "1 to 64 characters of text");
	if (hp->days < 1 || hp->days > maxdays)
		return problem_field(p, "days", "1 to %d days", maxdays);
	if (serial == NULL || serial[0] == 0 || serial[0] > 0x7f)
		return problem_invalid(
		    p, "serial", "16 bytes, the first 0x01 to 0x7f");
	if (hp->npolicies > 0 && !profile_oids_ok(hp->policies, hp->npolicies))
		return problem_field(p, "policies",
		    "1 to %d distinct dotted OIDs", PROFILE_MAX_OIDS);
	if (hp->ca_issuers_url != NULL && !profile_url_ok(hp->ca_issuers_url))
		return problem_invalid(
		    p, "ca_issuers_url", "an http:// or https:// URL");
	if (hp->crl_url != NULL && !profile_url_ok(hp->crl_url))
		return problem_invalid(
		    p, "crl_url", "an http:// or https:// URL");
	if (hp->require_explicit < -1 ||
	    hp->require_explicit > HIERARCHY_MAX_SKIP ||
	    hp->inhibit_mapping < -1 ||
	    hp->inhibit_mapping > HIERARCHY_MAX_SKIP)
		return problem_field(p, "policy_constraints",
		    "skip counts of 0 to %d, or -1 for none",
		    HIERARCHY_MAX_SKIP);
	if (issuer != NULL && !profile_issuer_ok(issuer))
		return problem_internal(p);
	return 0;
}

/*
 * A version 3 certificate for hp's name on key issued by issuer (NULL:
 * itself), serial, validity and key identifiers set; the caller adds the
 * rest.  NULL with p set on failure.
 */
static X509 *
hierarchy_skeleton(EVP_PKEY *key, X509 *issuer,
    const struct hierarchy_profile *hp, time_t now, const unsigned char *serial,
    struct problem *p)
{
	X509_NAME *name = NULL;
	X509 *x = NULL;

	if ((name = X509_NAME_new()) == NULL ||
	    (hp->country != NULL &&
	        X509_NAME_add_entry_by_NID(name, NID_countryName,
	            V_ASN1_PRINTABLESTRING, (const unsigned char *)hp->country,
	            -1, -1, 0) != 1) ||
	    X509_NAME_add_entry_by_NID(name, NID_organizationName,
	        V_ASN1_UTF8STRING, (const unsigned char *)hp->org, -1, -1,
	        0) != 1 ||
	    X509_NAME_add_entry_by_NID(name, NID_commonName, V_ASN1_UTF8STRING,
	        (const unsigned char *)hp->cn, -1, -1, 0) != 1 ||
	    (x = X509_new()) == NULL ||
	    X509_set_version(x, X509_VERSION_3) != 1 ||
	    profile_set_serial(x, serial) == -1 ||
	    X509_set_subject_name(x, name) != 1 ||
	    X509_set_issuer_name(x,
	        issuer != NULL ? X509_get_subject_name(issuer) : name) != 1 ||
	    X509_set_pubkey(x, key) != 1 ||
	    profile_set_validity(x, issuer, now, hp->days) == -1 ||
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

/* policyConstraints (critical, RFC 5280 4.2.1.11) if hp asks for it. */
static int
hierarchy_add_constraints(X509 *x, const struct hierarchy_profile *hp)
{
	POLICY_CONSTRAINTS *pc = NULL;
	int rc = -1;

	if (hp->require_explicit < 0 && hp->inhibit_mapping < 0)
		return 0;
	if ((pc = POLICY_CONSTRAINTS_new()) == NULL)
		goto out;
	if (hp->require_explicit >= 0 &&
	    ((pc->requireExplicitPolicy = ASN1_INTEGER_new()) == NULL ||
	        ASN1_INTEGER_set(
	            pc->requireExplicitPolicy, hp->require_explicit) != 1))
		goto out;
	if (hp->inhibit_mapping >= 0 &&
	    ((pc->inhibitPolicyMapping = ASN1_INTEGER_new()) == NULL ||
	        ASN1_INTEGER_set(
	            pc->inhibitPolicyMapping, hp->inhibit_mapping) != 1))
		goto out;
	if (X509_add1_ext_i2d(
	        x, NID_policy_constraints, pc, 1, X509V3_ADD_DEFAULT) != 1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		log_openssl("hierarchy: cannot make policyConstraints");
	POLICY_CONSTRAINTS_free(pc);
	return rc;
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
hierarchy_build(enum hierarchy_kind kind, EVP_PKEY *key, X509 *issuer,
    const struct hierarchy_profile *hp, time_t now,
    const unsigned char serial[PROFILE_SERIAL_LEN], struct problem *p)
{
	X509 *x;
	int ok;

	if (hp == NULL || (kind == HIERARCHY_ROOT) != (issuer == NULL)) {
		log_error(
		    "hierarchy: an issuer is needed, the root has none", NULL);
		problem_internal(p);
		return NULL;
	}
	if (hierarchy_args(key, issuer, hp,
	        kind == HIERARCHY_OCSP ? HIERARCHY_OCSP_MAX_DAYS
	                               : HIERARCHY_MAX_DAYS,
	        serial, p) == -1 ||
	    (x = hierarchy_skeleton(key, issuer, hp, now, serial, p)) == NULL)
		return NULL;
	if (kind == HIERARCHY_OCSP)
		ok = profile_add_basic_constraints(x, 0, -1) == 0 &&
		    profile_add_key_usage(x, KU_DIGITAL_SIGNATURE) == 0 &&
		    hierarchy_add_ocsp(x) == 0;
	else
		ok = profile_add_basic_constraints(
		         x, 1, kind == HIERARCHY_ISSUING ? 0 : -1) == 0 &&
		    profile_add_key_usage(x, KU_KEY_CERT_SIGN | KU_CRL_SIGN) ==
		        0;
	ok = ok &&
	    (hp->npolicies == 0 ||
	        profile_add_policies(x, hp->policies, hp->npolicies,
	            hp->policies_critical) == 0) &&
	    hierarchy_add_constraints(x, hp) == 0 &&
	    (hp->ca_issuers_url == NULL ||
	        profile_add_aia(x, NULL, hp->ca_issuers_url) == 0) &&
	    (hp->crl_url == NULL || profile_add_crl_dp(x, hp->crl_url) == 0);
	if (!ok) {
		problem_internal(p);
		X509_free(x);
		return NULL;
	}
	return x;
}

/* The plainest profile of org, cn, days. */
static struct hierarchy_profile
hierarchy_plain(const char *org, const char *cn, int days, const char *crl_url)
{
	struct hierarchy_profile hp;

	memset(&hp, 0, sizeof(hp));
	hp.org = org;
	hp.cn = cn;
	hp.days = days;
	hp.crl_url = crl_url;
	hp.require_explicit = hp.inhibit_mapping = -1;
	return hp;
}

X509 *
hierarchy_root(EVP_PKEY *key, const char *org, const char *cn, int days,
    time_t now, const unsigned char serial[PROFILE_SERIAL_LEN],
    struct problem *p)
{
	struct hierarchy_profile hp = hierarchy_plain(org, cn, days, NULL);

	return hierarchy_build(HIERARCHY_ROOT, key, NULL, &hp, now, serial, p);
}

X509 *
hierarchy_issuing(EVP_PKEY *key, X509 *root, const char *org, const char *cn,
    int days, time_t now, const unsigned char serial[PROFILE_SERIAL_LEN],
    const char *crl_url, struct problem *p)
{
	struct hierarchy_profile hp = hierarchy_plain(org, cn, days, crl_url);

	if (root == NULL) {
		log_error("hierarchy: no root", NULL);
		problem_internal(p);
		return NULL;
	}
	return hierarchy_build(
	    HIERARCHY_ISSUING, key, root, &hp, now, serial, p);
}

X509 *
hierarchy_ocsp_signer(EVP_PKEY *key, X509 *issuing, const char *org, int days,
    time_t now, const unsigned char serial[PROFILE_SERIAL_LEN],
    struct problem *p)
{
	struct hierarchy_profile hp =
	    hierarchy_plain(org, HIERARCHY_OCSP_CN, days, NULL);

	if (issuing == NULL) {
		log_error("hierarchy: no issuing CA", NULL);
		problem_internal(p);
		return NULL;
	}
	return hierarchy_build(
	    HIERARCHY_OCSP, key, issuing, &hp, now, serial, p);
}
