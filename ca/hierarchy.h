/*
 * The CA certificates of rxca, unsigned: the offline root, the online
 * issuing CA under it, and the issuing CA's OCSP responder.  The caller
 * signs each (the root with its own key, the others with their issuer's)
 * and frees it with X509_free().  Pure: times and serials are parameters.
 *
 * Each is described by data, a struct hierarchy_profile (name base,
 * validity, policies, AIA/CDP, policy constraints: what configuration
 * chooses), and by its kind (basicConstraints, keyUsage, extendedKeyUsage:
 * what the Federal PKI certificate profile fixes for a root, a
 * subordinate CA and an OCSP responder; see docs/standards.md).
 *
 * Common to all three: version 3; the serial given (PROFILE_SERIAL_LEN
 * bytes, first byte 0x01..0x7f, see profile_serial_new()); subject
 * [C=country (PrintableString),] O=org, CN=cn (UTF8String,
 * 1..PROFILE_ORG_MAX / PROFILE_CN_MAX characters); notBefore = now, notAfter =
 * now + days, clamped to the issuer's notAfter; subjectKeyIdentifier by RFC
 * 5280 method 1 and an authorityKeyIdentifier holding the issuer's SKI only; a
 * key accepted by csr_key_check() (P-256, P-384, RSA 2048..8192) that is not
 * the issuer's; the signature AlgorithmIdentifiers set for the issuer's key
 * (profile_set_sigalg()), so the unsigned certificate encodes.
 *
 * Failures return NULL with p set: 422 naming "key", "country", "org",
 * "cn", "days", "serial", "policies", "ca_issuers_url", "crl_url" or
 * "policy_constraints" for a bad argument, 500 for an issuer that cannot
 * issue (not a CA, no SKI, not valid at now, less than PROFILE_MIN_LEFT
 * left) or a crypto failure (logged with the OpenSSL errors).
 */
#ifndef RXCA_HIERARCHY_H
#define RXCA_HIERARCHY_H

#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ca/profile.h"
#include "common/problem.h"

#define HIERARCHY_MAX_DAYS      9131 /* a CA certificate, about 25 years */
#define HIERARCHY_OCSP_MAX_DAYS 366  /* an OCSP responder certificate */
#define HIERARCHY_OCSP_CN       "OCSP Responder"
#define HIERARCHY_MAX_SKIP      8 /* policyConstraints skipCerts */
#define HIERARCHY_ANY_POLICY    "2.5.29.32.0"

enum hierarchy_kind {
	HIERARCHY_ROOT,    /* self-issued; CA, no path length */
	HIERARCHY_ISSUING, /* CA, pathLenConstraint 0 */
	HIERARCHY_OCSP     /* end entity, id-kp-OCSPSigning, ocsp-nocheck */
};

/* The data of one CA certificate's profile; pointers are borrowed. */
struct hierarchy_profile {
	const char *country;         /* subject C, two capitals; NULL: none */
	const char *org;             /* subject O */
	const char *cn;              /* subject CN */
	int days;                    /* 1..the kind's maximum */
	const char *const *policies; /* certificatePolicies (dotted OIDs,
	                                HIERARCHY_ANY_POLICY allowed) */
	size_t npolicies;            /* 0..PROFILE_MAX_OIDS; 0: none */
	int policies_critical;       /* 1: certificatePolicies critical */
	const char *ca_issuers_url;  /* AIA caIssuers (the issuer's cert) */
	const char *crl_url;         /* cRLDistributionPoints (the issuer's) */
	long require_explicit;       /* policyConstraints (critical):
	                                requireExplicitPolicy skipCerts,
	                                0..HIERARCHY_MAX_SKIP; -1: absent */
	long inhibit_mapping;        /* inhibitPolicyMapping, same */
};

/*
 * The unsigned certificate of kind on key, issued by issuer (NULL for the
 * root, which issues itself), as hp describes: besides what every kind
 * has (above), certificatePolicies with hp's OIDs (no qualifiers),
 * authorityInfoAccess with one caIssuers URI, cRLDistributionPoints with
 * one URI and policyConstraints, each only when hp asks for it.  The
 * kind's maximum days is HIERARCHY_MAX_DAYS, HIERARCHY_OCSP_MAX_DAYS for
 * HIERARCHY_OCSP.
 */
X509 *hierarchy_build(enum hierarchy_kind kind, EVP_PKEY *key, X509 *issuer,
    const struct hierarchy_profile *hp, time_t now,
    const unsigned char serial[PROFILE_SERIAL_LEN], struct problem *p);

/*
 * The three kinds with the plainest profile (no country, no policies, no
 * AIA), as hierarchy_build() makes them.
 *
 * The self-issued root: issuer = subject, basicConstraints CA:TRUE
 * (critical, no path length), keyUsage keyCertSign and cRLSign
 * (critical), SKI, AKI = SKI.  days is 1..HIERARCHY_MAX_DAYS.
 */
X509 *hierarchy_root(EVP_PKEY *key, const char *org, const char *cn, int days,
    time_t now, const unsigned char serial[PROFILE_SERIAL_LEN],
    struct problem *p);

/*
 * The issuing CA on key under root: basicConstraints CA:TRUE pathlen:0
 * (critical), keyUsage keyCertSign and cRLSign (critical), SKI, AKI = the
 * root's SKI, and, if crl_url is not NULL, cRLDistributionPoints with
 * that URI (the root's CRL; profile_url_ok()).  days is
 * 1..HIERARCHY_MAX_DAYS, clamped to the root's notAfter.
 */
X509 *hierarchy_issuing(EVP_PKEY *key, X509 *root, const char *org,
    const char *cn, int days, time_t now,
    const unsigned char serial[PROFILE_SERIAL_LEN], const char *crl_url,
    struct problem *p);

/*
 * The OCSP responder of issuing, an end entity with subject O=org,
 * CN=HIERARCHY_OCSP_CN: basicConstraints CA:FALSE (critical), keyUsage
 * digitalSignature (critical), extendedKeyUsage id-kp-OCSPSigning,
 * id-pkix-ocsp-nocheck (NULL; relying parties do not check its status,
 * hence the short life), SKI, AKI = the issuing CA's SKI.  days is
 * 1..HIERARCHY_OCSP_MAX_DAYS, clamped to the issuing CA's notAfter.
 */
X509 *hierarchy_ocsp_signer(EVP_PKEY *key, X509 *issuing, const char *org,
    int days, time_t now, const unsigned char serial[PROFILE_SERIAL_LEN],
    struct problem *p);

#endif
