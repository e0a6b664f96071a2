/*
 * The full CRL of an issuing CA (RFC 5280 section 5), unsigned: the caller
 * signs it with signer_sign_crl() and frees it with X509_CRL_free().  Pure:
 * times and the CRL number are parameters.
 *
 * The CRL:
 *   version 2;
 *   issuer     = the issuer's subject, byte for byte;
 *   thisUpdate, nextUpdate: UTCTime through 2049, GeneralizedTime after;
 *   revokedCertificates: one entry per revoked certificate, in increasing
 *     serial order (absent when there is none), each with its
 *     revocationDate and, when a reason other than unspecified is given,
 *     a reasonCode entry extension (non-critical).  RFC 5280 5.3.1 (and
 *     the CA/Browser Forum requirements) want the extension absent rather
 *     than unspecified (0), so unspecified is accepted and left out;
 *   crlExtensions, in this order:
 *     authorityKeyIdentifier: keyIdentifier = the issuer's SKI only,
 *     cRLNumber (non-critical): the caller's number;
 *   signature AlgorithmIdentifiers (inside and outside the TBSCertList)
 *   set for the issuer's key as ca/signer.c signs: ecdsa-with-SHA256 for
 *   P-256, ecdsa-with-SHA384 for P-384 (parameters absent),
 *   sha256WithRSAEncryption for RSA (parameters NULL), so the unsigned CRL
 *   encodes (with an empty signature).
 *
 * Building is O(n log n): the entries are sorted once, then appended.
 */
#ifndef RXCA_CRL_H
#define RXCA_CRL_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include "common/problem.h"

#define CRL_SERIAL_LEN  16       /* serial bytes (PROFILE_SERIAL_LEN) */
#define CRL_MAX_ENTRIES 16777216 /* entries one CRL holds at most (2^24) */

/* One revoked certificate. */
struct crl_entry {
	unsigned char serial[CRL_SERIAL_LEN]; /* as profile_serial_new() */
	time_t revoked_at;                    /* revocationDate */
	int reason; /* CRL_REASON_* of <openssl/x509v3.h>, or -1: none */
};

/*
 * The unsigned CRL described above, issued by issuer (a CA certificate
 * with cRLSign in its keyUsage if it has one, a subjectKeyIdentifier and
 * a P-256, P-384 or RSA key) for the n entries e (n up to CRL_MAX_ENTRIES;
 * e may be NULL when n is 0; the array is not kept and may be in any
 * order).  crl_number is 0 or more and must grow from one CRL to the
 * next (the caller keeps it); this_update < next_update.
 *
 * A serial is CRL_SERIAL_LEN bytes whose first is 0x01..0x7f (the
 * DER INTEGER of the certificate, byte for byte).  A reason is -1 (none),
 * CRL_REASON_UNSPECIFIED (left out) or one that crl_reason_parse()
 * accepts; certificateHold and removeFromCRL are refused.  Two entries
 * for one serial are refused.
 *
 * Returns the CRL (caller signs it, then frees it with X509_CRL_free()),
 * or NULL with p set: 422 naming "entries" (the message says which entry
 * and why), "crl_number", "this_update" or "next_update" for a bad
 * argument, 500 for an issuer that cannot issue CRLs or a crypto failure
 * (logged with the OpenSSL errors).
 *
 * To check a CRL in process, decode its DER (d2i_X509_CRL()): OpenSSL
 * caches its AKI, CRL number and fingerprint when a CRL is decoded, not
 * when one is built, so an X509_STORE needs the decoded one.
 */
X509_CRL *crl_build(X509 *issuer, const struct crl_entry *e, size_t n,
    long long crl_number, time_t this_update, time_t next_update,
    struct problem *p);

/*
 * The CRLReason (CRL_REASON_*) of its RFC 5280 name, e.g. "keyCompromise";
 * exact and case-sensitive.  -1 for NULL, an unknown name, and for
 * "certificateHold" and "removeFromCRL", which rxca never uses.
 */
int crl_reason_parse(const char *name);

/*
 * The RFC 5280 name of reason (a static string), or NULL if reason is not
 * one that crl_reason_parse() returns.
 */
const char *crl_reason_name(int reason);

#endif
