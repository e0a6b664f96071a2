/*
 * CRLs of a CA (RFC 5280 section 5).  Pure: times and the CRL number are
 * parameters.
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
 *     cRLNumber (non-critical): the caller's number,
 *     issuingDistributionPoint, for a shard of a partitioned CRL only:
 *       distributionPoint fullName = the shard's URL,
 *       onlyContainsUserCerts TRUE (rxca's shards list only subscriber
 *       certificates), critical as RFC 5280 5.2.5 says unless the caller
 *       asks otherwise;
 *   signature AlgorithmIdentifiers (inside and outside the TBSCertList)
 *   set for the issuer's key as ca/signer.c signs: ecdsa-with-SHA256 for
 *   P-256, ecdsa-with-SHA384 for P-384 (parameters absent),
 *   sha256WithRSAEncryption for RSA (parameters NULL).
 *
 * crl_encode() writes the DER once: one pass sizes the entries, then the
 * whole CRL is written into one buffer of that size, front to back, and
 * signed where it lies (no OpenSSL objects per entry, no second encoding).
 * Sorting is O(n log n), skipped when the entries come sorted.
 */
#ifndef RXCA_CRL_H
#define RXCA_CRL_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include "common/problem.h"

struct signer;

#define CRL_SERIAL_LEN  16       /* serial bytes (PROFILE_SERIAL_LEN) */
#define CRL_MAX_ENTRIES 16777216 /* entries one CRL holds at most (2^24) */

/* One revoked certificate. */
struct crl_entry {
	unsigned char serial[CRL_SERIAL_LEN]; /* as profile_serial_new() */
	time_t revoked_at;                    /* revocationDate */
	int reason; /* CRL_REASON_* of <openssl/x509v3.h>, or -1: none */
	int tag;    /* the caller's, not encoded (rxca: the CRL shard) */
};

/* What a CRL is of, besides its entries. */
struct crl_params {
	X509 *issuer;        /* see below; borrowed */
	long long number;    /* cRLNumber, 0 or more, growing */
	time_t this_update;  /* thisUpdate */
	time_t next_update;  /* nextUpdate, after this_update */
	const char *idp_url; /* a shard's URL, or NULL: a full CRL */
	int idp_critical;    /* 1: issuingDistributionPoint critical */
};

/*
 * The CRL described above, issued by c->issuer (a CA certificate with
 * cRLSign in its keyUsage if it has one, a subjectKeyIdentifier and a
 * P-256, P-384 or RSA key) for the n entries e (n up to CRL_MAX_ENTRIES;
 * e may be NULL when n is 0), signed by s with a self-check (the
 * signature verifies with the issuer's public key), or with an empty
 * signature when s is NULL.  e is sorted by serial in place.
 *
 * A serial is CRL_SERIAL_LEN bytes whose first is 0x01..0x7f (the
 * DER INTEGER of the certificate, byte for byte).  A reason is -1 (none),
 * CRL_REASON_UNSPECIFIED (left out) or one that crl_reason_parse()
 * accepts; certificateHold and removeFromCRL are refused.  Two entries
 * for one serial are refused.
 *
 * Returns 0 with the DER in *der (caller frees with free()) and *len, or
 * -1 with p set: 422 naming "entries" (the message says which entry and
 * why), "crl_number", "this_update" or "next_update" for a bad argument,
 * 500 for an issuer that cannot issue CRLs, a signature that does not
 * verify or a crypto failure (logged with the OpenSSL errors).
 */
int crl_encode(const struct crl_params *c, struct signer *s,
    struct crl_entry *e, size_t n, unsigned char **der, size_t *len,
    struct problem *p);

/*
 * crl_encode() of a copy of e (not kept, any order) with no signer and
 * no issuingDistributionPoint, decoded: the caller signs it
 * (signer_sign_crl()) or inspects it, then frees it with X509_CRL_free().
 * NULL with p set, as crl_encode().
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
