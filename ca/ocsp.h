/*
 * OCSP for the issuing CA (RFC 6960, profiled by RFC 5019): requests
 * parsed from outside, and responses made ahead of time (pre-signed) by
 * the CA's delegated responder, or the unsigned error responses.  Pure:
 * times are parameters; nothing is read from a clock, a file or a socket.
 *
 * The responder answers requests of one CertID (RFC 5019 2.1), hashed
 * with SHA-1 or SHA-256.  A caller maps:
 *   ocsp_request_parse() -1            -> malformedRequest;
 *   ocsp_issuer_matches() 0            -> unauthorized (not our CA, or a
 *                                         CertID hash rxca does not do);
 *   else the pre-signed response for the serial, made with the query's
 *   md_nid (a SHA-1 CertID for a SHA-1 query, SHA-256 for SHA-256).
 * A request's nonce (RFC 6960 4.4.1) is never echoed: responses are
 * made before the request arrives (RFC 5019 2.2).  A request signature
 * and requestorName are ignored (RFC 5019 2.1): responses are public.
 */
#ifndef RXCA_OCSP_H
#define RXCA_OCSP_H

#include <stddef.h>
#include <time.h>

#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "common/bounds.h"
#include "common/problem.h"

#define OCSP_SERIAL_MAX 20 /* serial octets (RFC 5280 4.1.2.2) */
#define OCSP_HASH_MAX   64 /* a CertID hash, octets (EVP_MAX_MD_SIZE) */

struct signer;

/* The one CertID of a request, and what else the responder uses. */
struct ocsp_query {
	int md_nid; /* CertID hash: NID_sha1, NID_sha256, or NID_undef for
	               any other (not answerable) */
	unsigned char name_hash[OCSP_HASH_MAX]; /* issuerNameHash */
	size_t name_hash_len;                   /* its octets */
	unsigned char key_hash[OCSP_HASH_MAX];  /* issuerKeyHash */
	size_t key_hash_len;                    /* its octets */
	unsigned char serial[OCSP_SERIAL_MAX];  /* serialNumber, big-endian,
	                                           no leading zero octet */
	size_t serial_len;                      /* 1..OCSP_SERIAL_MAX */
	int nonce; /* 1 if the request carries a nonce (not echoed) */
};

/*
 * Parses the DER OCSPRequest der (len bytes, from outside) into *out
 * (cleared first).  Refused as malformed, returning -1 with p set (400
 * malformed-request; the detail names the reason; OpenSSL's errors are
 * drained to the debug log):
 *   0 bytes or more than BOUND_OCSP_REQUEST; not an OCSPRequest; bytes
 *   after it; not DER (decoding and encoding again must give the input);
 *   a version other than the absent v1; a requestList of 0 or more than
 *   BOUND_OCSP_CERTIDS (1) CertIDs; hash parameters other than absent or
 *   NULL; a hash longer than OCSP_HASH_MAX, or, for SHA-1 and SHA-256,
 *   not of the hash's size; a serial that is zero, negative or longer
 *   than OCSP_SERIAL_MAX octets (no certificate has one); a critical
 *   extension other than the nonce, or two nonces.
 * A well-formed request with another hash algorithm returns 0 with
 * out->md_nid NID_undef: ocsp_issuer_matches() then refuses it
 * (unauthorized).  Returns 0.
 */
int ocsp_request_parse(const unsigned char *der, size_t len,
    struct ocsp_query *out, struct problem *p);

/* An issuer's CertID hashes, made once (ocsp_issuer_id_make) so that a
 * request is matched against it without hashing. */
struct ocsp_issuer_id {
	unsigned char sha1_name[20], sha1_key[20];     /* SHA-1 CertIDs */
	unsigned char sha256_name[32], sha256_key[32]; /* SHA-256 CertIDs */
};

/*
 * The hashes of issuer's subject DER and of its subjectPublicKey bits,
 * with SHA-1 and SHA-256, into *out.  0, or -1 (issuer NULL, or hashing
 * failed: logged).
 */
int ocsp_issuer_id_make(X509 *issuer, struct ocsp_issuer_id *out);

/*
 * 1 if q's issuerNameHash and issuerKeyHash, computed with q's hash, are
 * id's; 0 otherwise, and for md_nid NID_undef or id NULL.
 */
int ocsp_issuer_id_matches(
    const struct ocsp_query *q, const struct ocsp_issuer_id *id);

/*
 * 1 if q's issuerNameHash and issuerKeyHash, computed with q's hash, are
 * those of issuer (the hash of its subject's DER and of its
 * subjectPublicKey bits); 0 otherwise, and for md_nid NID_undef.  Hashes
 * issuer on each call: a responder matches against the ocsp_issuer_id
 * it made once.
 */
int ocsp_issuer_matches(const struct ocsp_query *q, X509 *issuer);

/*
 * A complete DER OCSPResponse (successful, id-pkix-ocsp-basic) answering
 * for the certificate of serial (serial_len bytes, 1..OCSP_SERIAL_MAX,
 * big-endian, not zero) issued by issuer, signed with s by its
 * to-be-signed bytes (a file or token key):
 *   ResponseData: version 1, responderID byKey (SHA-1 of the responder's
 *     key, RFC 6960 4.2.1), producedAt = produced_at, one SingleResponse:
 *     CertID hashed with md_nid (NID_sha1 as RFC 5019 pre-signed
 *     responses use, or NID_sha256 to answer a SHA-256 query), certStatus
 *     status (V_OCSP_CERTSTATUS_GOOD, _REVOKED or _UNKNOWN), for revoked
 *     revocationTime = revoked_at and revocationReason = reason (-1 or
 *     CRL_REASON_UNSPECIFIED: absent, as in ca/crl.h; certificateHold and
 *     removeFromCRL refused), thisUpdate, nextUpdate; no nonce, no
 *     extensions;
 *   signatureAlgorithm as ca/signer.c signs; certs: responder_cert.
 * responder_cert is the delegated responder (ca/hierarchy.h): issued by
 * issuer, with id-kp-OCSPSigning, valid at produced_at, on s's key.
 * Times are GeneralizedTime; this_update < next_update.
 *
 * Returns the DER (caller frees with OPENSSL_free()) and its length in
 * *len, or NULL with p set: 422 naming "md_nid", "serial", "status",
 * "reason" or "next_update" for a bad argument; 500 for a responder
 * certificate or key that does not fit, or a signing or crypto failure
 * (logged with the OpenSSL errors).
 */
unsigned char *ocsp_response_build(struct signer *s, X509 *responder_cert,
    X509 *issuer, int md_nid, const unsigned char *serial, size_t serial_len,
    int status, time_t revoked_at, int reason, time_t this_update,
    time_t next_update, time_t produced_at, size_t *len, struct problem *p);

/*
 * The unsigned DER OCSPResponse of status: OCSP_RESPONSE_STATUS_
 * MALFORMEDREQUEST, _INTERNALERROR, _TRYLATER, _SIGREQUIRED or
 * _UNAUTHORIZED (no responseBytes).  Caller frees with OPENSSL_free().
 * NULL for another status (successful included), or if OpenSSL fails
 * (logged).
 */
unsigned char *ocsp_error_response(int status, size_t *len);

#endif
