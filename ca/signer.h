/*
 * One way to sign, whatever holds the key: a private key in memory (read
 * from a file, see ca/keyfile.h) or a key on a PKCS#11 token (ca/pkcs11.h).
 * Certificates and CRLs are signed by their to-be-signed bytes, so a token
 * needs no OpenSSL ENGINE or provider.
 *
 * Keys rxca signs with: EC P-256 (ecdsa-with-SHA256), EC P-384
 * (ecdsa-with-SHA384), RSA of 2048 bits or more (sha256WithRSAEncryption,
 * PKCS#1 v1.5).  One signer may sign from several threads at once (each
 * thread with its own certificate or CRL).  Each failing crypto call
 * drains OpenSSL's error queue into the log.
 */
#ifndef RXCA_SIGNER_H
#define RXCA_SIGNER_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/problem.h"

#define SIGNER_RSA_MIN_BITS 2048 /* smallest RSA key that signs */

struct p11;
struct signer;

/*
 * A signer for the private key key, of a kind listed above; it takes its
 * own reference to key.  NULL (logged) for any other key.  Free with
 * signer_free().
 */
struct signer *signer_from_key(EVP_PKEY *key);

/*
 * A signer for the key labelled label on the open token t (see
 * p11_find_key()).  t is borrowed and must outlive the signer.  NULL with
 * p set if there is no such key or it is of another kind.  Free with
 * signer_free().
 */
struct signer *signer_from_p11(
    struct p11 *t, const char *label, struct problem *p);

/* Frees s (not the token it borrows).  NULL is a no-op. */
void signer_free(struct signer *s);

/* The public key of s, borrowed: valid while s lives. */
EVP_PKEY *signer_pubkey(const struct signer *s);

/* The hash that goes with the key: SHA-384 for P-384, else SHA-256. */
const EVP_MD *signer_md(const struct signer *s);

/*
 * Signs tbs (len bytes): hashes it with signer_md() and signs the hash.
 * The result is a DER ECDSA-Sig-Value or a PKCS#1 v1.5 signature, in *sig
 * (caller frees with OPENSSL_free()) and *siglen.  Returns 0, or -1 with p
 * set and *sig NULL.
 */
int signer_sign(struct signer *s, const unsigned char *tbs, size_t len,
    unsigned char **sig, size_t *siglen, struct problem *p);

/*
 * Signs the certificate x: sets its signature AlgorithmIdentifier (in the
 * TBSCertificate and outside it, parameters absent for ECDSA and NULL for
 * RSA), re-encodes the TBSCertificate, signs it and sets the signature.
 * Every other field is the caller's.  Returns 0, or -1 with p set (x then
 * carries an empty signature).
 */
int signer_sign_x509(struct signer *s, X509 *x, struct problem *p);

/*
 * Signs the certificate cert[0..len) (DER, as i2d_X509 wrote it; its
 * signature is a placeholder) without decoding it: its TBSCertificate
 * bytes are signed exactly as they stand, and the result is a new
 * Certificate of those bytes, the TBS's own signature AlgorithmIdentifier
 * repeated outside (RFC 5280, 4.1.1.2) and the signature.  The TBS must
 * already name the signer's algorithm (signer_sign_x509 sets it), and the
 * signature is checked with the signer's public key over the bytes
 * signed before it is returned (the self-check of every certificate
 * signature, with no decoding of the result).  Returns the DER (caller
 * frees with OPENSSL_free()) and *outlen, or NULL with p set (500; also
 * when cert is not one DER Certificate of at most len bytes, trailing
 * bytes included, when its TBS names another algorithm, or when the
 * signature does not verify).
 */
unsigned char *signer_sign_cert_der(struct signer *s, const unsigned char *cert,
    long len, long *outlen, struct problem *p);

/*
 * Signs the certificate request req the same way: sets its signature
 * AlgorithmIdentifier, re-encodes the CertificationRequestInfo, signs it
 * and sets the signature.  The request's public key should be the
 * signer's.  Returns 0, or -1 with p set (req then carries an empty
 * signature).
 */
int signer_sign_req(struct signer *s, X509_REQ *req, struct problem *p);

/* The same for the CRL crl (TBSCertList).  Returns 0, or -1 with p set
 * (crl then carries an empty signature). */
int signer_sign_crl(struct signer *s, X509_CRL *crl, struct problem *p);

#endif
