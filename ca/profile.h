/*
 * The subscriber certificate profile: an unsigned X.509 v3 certificate
 * built only from the verified application and the configuration, never
 * from the request (whose key alone is used).  Signing is the signer's
 * job; ca/lint.h checks the result before it is signed.
 *
 * The certificate:
 *   version 3, the given 16-byte positive serial;
 *   issuer   = the issuer's subject, byte for byte;
 *   subject  = C=country (PrintableString), O=organization, CN="given
 *              [middle] family" (UTF8String; see profile_subject_name());
 *   validity = now .. now + validity_days, never past the issuer's
 *              notAfter;
 *   extensions, in this order:
 *     basicConstraints CA:FALSE (critical),
 *     keyUsage digitalSignature, nonRepudiation (critical),
 *     extendedKeyUsage: the product's OIDs,
 *     subjectKeyIdentifier: SHA-1 of the subjectPublicKey bits (RFC 5280
 *       4.2.1.2 method 1),
 *     authorityKeyIdentifier: keyIdentifier = the issuer's SKI only,
 *     subjectAltName: rfc822Name = the verified email,
 *     certificatePolicies: the product's OIDs, no qualifiers,
 *     cRLDistributionPoints: one fullName URI,
 *     authorityInfoAccess: OCSP URI, then caIssuers URI;
 *   signature algorithm: set for the issuer's key (profile_set_sigalg()),
 *   so the unsigned certificate already encodes to DER.
 *
 * Pure: times are parameters; nothing is read from a clock or a file.
 */
#ifndef RXCA_PROFILE_H
#define RXCA_PROFILE_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/problem.h"

#define PROFILE_SERIAL_LEN 16    /* serial number bytes */
#define PROFILE_KEYID_LEN  20    /* SHA-1 key identifier */
#define PROFILE_CN_MAX     64    /* ub-common-name, characters */
#define PROFILE_ORG_MAX    64    /* ub-organization-name, characters */
#define PROFILE_URL_MAX    512   /* an OCSP, caIssuers or CRL URL, bytes */
#define PROFILE_MAX_OIDS   8     /* policy or EKU OIDs of a product */
#define PROFILE_OID_MAX    100   /* one dotted OID, bytes */
#define PROFILE_MAX_DAYS   1095  /* validity_days upper bound */
#define PROFILE_MIN_LEFT   86400 /* seconds the issuer must have left */
#define PROFILE_DAY        86400L

/* From configuration; checked by profile_build() (a bad one is a 500). */
struct profile_config {
	const char *country;        /* two capitals, e.g. "US" */
	const char *organization;   /* 1..PROFILE_ORG_MAX characters */
	const char *ocsp_url;       /* http:// or https:// */
	const char *ca_issuers_url; /* the issuing CA certificate, same */
	const char *crl_url;        /* the CRL, same */
	const char *const *policy_oids_hw; /* certificatePolicies, hardware */
	size_t npolicy_hw;                 /* 1..PROFILE_MAX_OIDS */
	const char *const *policy_oids_sw; /* certificatePolicies, software */
	size_t npolicy_sw;                 /* 1..PROFILE_MAX_OIDS */
	const char *const *eku_oids_hw;    /* extendedKeyUsage, hardware */
	size_t neku_hw;                    /* 1..PROFILE_MAX_OIDS */
	const char *const *eku_oids_sw;    /* extendedKeyUsage, software */
	size_t neku_sw;                    /* 1..PROFILE_MAX_OIDS */
	int validity_days; /* 1..PROFILE_MAX_DAYS, 730 for EPCS */
};

/* From the verified application, never from the request. */
struct profile_subject {
	const char *given_name;  /* 1..BOUND_NAME bytes of UTF-8 */
	const char *middle_name; /* same, or NULL or "" for none */
	const char *family_name; /* 1..BOUND_NAME bytes of UTF-8 */
	const char *email;       /* verified; ASCII, 3..BOUND_EMAIL bytes */
	int hardware;            /* 1: the EPCS hardware-token product */
};

/*
 * The unsigned subscriber certificate described above for subject_key,
 * issued under issuer (a CA certificate with an SKI and a P-256, P-384
 * or RSA key, valid at now, with
 * at least PROFILE_MIN_LEFT seconds left) with serial (PROFILE_SERIAL_LEN
 * bytes, first byte 0x01..0x7f: see profile_serial_new()).  Nothing of
 * the caller's is kept.  Returns the certificate (caller signs it and
 * frees it with X509_free()), or NULL with p set:
 *   422 naming "applicant.given_name", "applicant.middle_name",
 *       "applicant.family_name", "applicant" (the whole name too long) or
 *       "applicant.email" for a subject that cannot be put in a
 *       certificate, or "csr" if csr_key_check() refuses the key or the
 *       key is the issuer's own;
 *   500 for a bad configuration, serial or issuer, or a crypto failure
 *       (logged with the OpenSSL errors).
 */
X509 *profile_build(const struct profile_config *c,
    const struct profile_subject *s, EVP_PKEY *subject_key, X509 *issuer,
    const unsigned char serial[PROFILE_SERIAL_LEN], time_t now,
    struct problem *p);

/*
 * A new serial number: PROFILE_SERIAL_LEN bytes from the CSPRNG with the
 * top bit cleared (positive) and a non-zero first byte, so that the DER
 * INTEGER content is exactly PROFILE_SERIAL_LEN bytes (about 126 bits).
 */
void profile_serial_new(unsigned char out[PROFILE_SERIAL_LEN]);

/*
 * The subject name profile_build() writes: C, O, CN in that order.  CN is
 * "given middle family" if it fits in PROFILE_CN_MAX characters, else
 * "given M. family" with the middle name's first character, else "given
 * family"; still too long is refused.  Returns the name (caller frees with
 * X509_NAME_free()), or NULL with p set as profile_build() does.
 */
X509_NAME *profile_subject_name(const struct profile_config *c,
    const struct profile_subject *s, struct problem *p);

/*
 * The building blocks profile_build() shares with ca/hierarchy.  Each
 * adds one extension to x (which must not have it yet) and returns 0, or
 * -1 after a crypto failure (logged).
 *
 * basicConstraints (critical): cA as given, pathLenConstraint if
 * pathlen >= 0.
 */
int profile_add_basic_constraints(X509 *x, int ca, long pathlen);

/* keyUsage (critical) with the KU_* bits of <openssl/x509v3.h>. */
int profile_add_key_usage(X509 *x, unsigned int ku);

/*
 * subjectKeyIdentifier (profile_key_id() of x's key, so set the key
 * first) and authorityKeyIdentifier holding only the keyIdentifier: the
 * issuer's SKI, or x's own when issuer is NULL (self-issued).  -1 also if
 * the issuer has no SKI.
 */
int profile_add_key_ids(X509 *x, X509 *issuer);

/* certificatePolicies from oids[0..n) (checked by the caller), no
 * qualifiers, critical if crit. */
int profile_add_policies(X509 *x, const char *const *oids, size_t n, int crit);

/* authorityInfoAccess: an OCSP URI, then a caIssuers URI; either may be
 * NULL (not both). */
int profile_add_aia(X509 *x, const char *ocsp_url, const char *ca_issuers_url);

/* 1 if oids[0..n) are 1..PROFILE_MAX_OIDS distinct dotted OIDs. */
int profile_oids_ok(const char *const *oids, size_t n);

/* cRLDistributionPoints: one distribution point, one fullName URI. */
int profile_add_crl_dp(X509 *x, const char *url);

/*
 * notBefore = now, notAfter = now + days, but never past the issuer's
 * notAfter (issuer NULL: no clamp).  -1 (logged) if the issuer is not yet
 * valid at now or has less than PROFILE_MIN_LEFT seconds left.
 */
int profile_set_validity(X509 *x, X509 *issuer, time_t now, int days);

/*
 * Sets both signature AlgorithmIdentifiers of x (in the TBSCertificate and
 * outside it) to what ca/signer.c signs with for the key signer_key:
 * ecdsa-with-SHA256 for P-256, ecdsa-with-SHA384 for P-384 (parameters
 * absent), sha256WithRSAEncryption for RSA (parameters NULL).  An
 * unsigned certificate then encodes (with an empty signature), and the
 * TBS that is linted is the TBS that is signed.  -1 (logged) for another
 * key.
 */
int profile_set_sigalg(X509 *x, EVP_PKEY *signer_key);

/* Sets x's serial from PROFILE_SERIAL_LEN bytes whose first is 0x01..0x7f
 * (else -1, logged). */
int profile_set_serial(X509 *x, const unsigned char serial[PROFILE_SERIAL_LEN]);

/*
 * 1 if issuer may issue: basicConstraints with cA true, keyCertSign in
 * its keyUsage if it has one, and a subjectKeyIdentifier; else 0, logged.
 */
int profile_issuer_ok(X509 *issuer);

/*
 * The key identifier of cert's public key by RFC 5280 4.2.1.2 method 1:
 * SHA-1 of the subjectPublicKey BIT STRING's bits.  Returns 0, or -1.
 */
int profile_key_id(X509 *cert, unsigned char out[PROFILE_KEYID_LEN]);

/* *out = t as seconds since the epoch.  Returns 0, or -1 if t is bad. */
int profile_time(const ASN1_TIME *t, time_t *out);

/* 1 if s is valid UTF-8 of 1..maxchars characters without control
 * characters (C0, DEL, C1), else 0. */
int profile_text_ok(const char *s, size_t maxchars);

/* 1 if url is http:// or https:// followed by printable ASCII without
 * spaces, PROFILE_URL_MAX bytes at most, else 0. */
int profile_url_ok(const char *url);

#endif
