/*
 * The pre-issuance linter (after Boulder's: lint what will be signed).
 * lint_check() compares a subscriber certificate, unsigned or signed,
 * with what ca/profile.h builds from the same inputs, by decoding it with
 * OpenSSL's getters, independently of the builder; lint_same_tbs() then
 * proves that what was signed is what was linted.
 *
 * A failure is a 500 problem of type "lint-failed" whose detail is "lint:
 * <rule>", naming the first rule that fails, in this order:
 *
 *   version                 not version 3
 *   serial-positive         serial zero or negative
 *   serial-length           serial DER content not PROFILE_SERIAL_LEN bytes
 *   signature-algorithm     the TBS signature algorithm (profile_build()
 *                           sets it) is not ECDSA or RSA PKCS#1 v1.5 with
 *                           SHA-256/384/512 for the issuer's key type, or
 *                           differs from the outer one when that is set
 *   unique-ids              issuerUniqueID or subjectUniqueID present
 *   issuer-name             issuer not byte-identical to issuer's subject
 *   subject                 subject not byte-identical to
 *                           profile_subject_name() of the inputs
 *   validity-encoding       a time not UTCTime (GeneralizedTime from 2050)
 *                           with seconds and Z
 *   validity-not-before     notBefore later than now + LINT_CLOCK_SKEW
 *   validity-period         notAfter not after notBefore, or the period
 *                           longer than validity_days + LINT_SLACK_DAYS
 *   validity-issuer         outside the issuer's validity
 *   key                     refused by csr_key_check()
 *   key-is-issuer           the issuer's own key
 *   extension-duplicate     an extension OID twice
 *   extension-unknown       an extension the profile does not write
 *   extension-encoding      an extension value that does not decode and
 *                           re-encode to the same bytes
 *   key-usage-missing, -critical (must be), -value (exactly
 *                           digitalSignature and nonRepudiation)
 *   basic-constraints-missing, -critical (must be), -value (CA:FALSE, no
 *                           pathLenConstraint)
 *   ext-key-usage-missing, -critical (must not be), -value (exactly the
 *                           product's OIDs)
 *   policies-missing, -critical (must not be), -value (exactly the
 *                           product's OIDs, no qualifiers)
 *   san-missing, -critical (must not be), -value (one rfc822Name: the
 *                           email)
 *   ski-missing, -critical, -value (RFC 5280 method 1)
 *   aki-missing, -critical, -value (keyIdentifier = the issuer's SKI only)
 *   aia-missing, -critical, -value (exactly the OCSP and the caIssuers
 *                           URI of the configuration)
 *   crl-dp-missing, -critical, -value (one point, the configured URI)
 */
#ifndef RXCA_LINT_H
#define RXCA_LINT_H

#include <time.h>

#include <openssl/x509.h>

#include "ca/profile.h"
#include "common/problem.h"

#define LINT_CLOCK_SKEW 300 /* seconds notBefore may lie ahead of now */
#define LINT_SLACK_DAYS 1   /* days of validity beyond validity_days */

/*
 * Checks cert against the profile for c and s under issuer at time now.
 * Returns 0, or -1 with p set to the first failing rule (and logged).
 * Nothing is modified.
 */
int lint_check(X509 *cert, const struct profile_config *c,
    const struct profile_subject *s, X509 *issuer, time_t now,
    struct problem *p);

/*
 * Proves that signed_cert carries what was linted.  Compared: the
 * TBSCertificate of signed_cert exactly as it will be sent and as its
 * signature covers it (taken from i2d_X509(signed_cert): OpenSSL's cached
 * encoding, i.e. the received bytes for a parsed certificate and the
 * signed bytes for one just signed) with the TBSCertificate of linted
 * freshly re-encoded from the fields lint_check() read
 * (i2d_re_X509_tbs()): every element of the TBS SEQUENCE must be
 * byte-identical, tag and length included, except the `signature`
 * AlgorithmIdentifier, which signing sets; that one must instead equal
 * signed_cert's outer signatureAlgorithm.  Returns 0, or -1 with p set
 * as lint_check() does, rule "tbs-changed", "tbs-signature-algorithm" or
 * "tbs-unreadable".
 */
int lint_same_tbs(X509 *signed_cert, X509 *linted, struct problem *p);

#endif
