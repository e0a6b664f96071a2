/*
 * The subscriber's PKCS#10 certificate request, as it arrives from the
 * token: strict PEM and DER parsing, proof of possession, the key types
 * rxca certifies, and the key's fingerprint by which a key already
 * certified is recognised.  Only the public key and the proof of
 * possession are used: the subject and attributes of a request are
 * ignored, the certificate is built from the verified application
 * (ca/profile.h).
 *
 * Refusals of input are 422 problems naming the field "csr"; the OpenSSL
 * error queue is drained into the log (warning level for refused input,
 * error level for a failure of our own).
 */
#ifndef RXCA_CSR_H
#define RXCA_CSR_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/problem.h"

#define CSR_FIELD         "csr" /* the field named in refusals */
#define CSR_SPKI_HASH_LEN 32    /* csr_spki_sha256() output */
#define CSR_RSA_MIN_BITS  2048  /* RSA modulus, inclusive */
#define CSR_RSA_MAX_BITS  8192
#define CSR_RSA_EXPONENT  65537 /* the only public exponent accepted */

/*
 * Parses pem[0..len) (not NUL-terminated; at most BOUND_CSR_PEM bytes) as
 * exactly one PEM block labelled CERTIFICATE REQUEST (or NEW CERTIFICATE
 * REQUEST) with only white space around it and no PEM headers, whose
 * content is the DER of a version 1 PKCS#10 request: the DER must decode
 * and re-encode to the same bytes (no trailing data, no BER), its key
 * must pass csr_key_check(), its signature algorithm must be ECDSA or
 * RSA PKCS#1 v1.5 with SHA-256, -384 or -512, and its signature must
 * verify with its own key (proof of possession).
 *
 * Returns the request (caller frees with X509_REQ_free()), or NULL with p
 * set: 422, field "csr", and a message such as "the request is too
 * large", "not a PEM certificate request", "truncated or malformed PEM",
 * "more than one PEM block", "not DER", "the signature does not verify".
 */
X509_REQ *csr_parse(const char *pem, size_t len, struct problem *p);

/*
 * 0 if key is one rxca certifies: EC on the named curve P-256 or P-384
 * (not given by explicit parameters) with a valid public point, or RSA
 * (rsaEncryption, not RSA-PSS) with an odd modulus of CSR_RSA_MIN_BITS to
 * CSR_RSA_MAX_BITS bits free of prime factors below 1000 and the public
 * exponent 65537.  Otherwise -1 with p set: 422, field "csr", "key type
 * or size not accepted".  key may be NULL (refused).
 */
int csr_key_check(EVP_PKEY *key, struct problem *p);

/*
 * SHA-256 of the DER SubjectPublicKeyInfo of key (as `openssl pkey -pubin
 * -outform DER | sha256sum`): how rxca recognises the same key.  Returns
 * 0, or -1 if key cannot be encoded (logged).
 */
int csr_spki_sha256(EVP_PKEY *key, unsigned char out[CSR_SPKI_HASH_LEN]);

/*
 * The SubjectPublicKeyInfo of an EC key on a named curve whose point is
 * uncompressed written into pub from the curve and the point, byte for byte
 * what OpenSSL's encoder writes, at a fraction of its cost; pub caches no
 * EVP_PKEY (X509_get0_pubkey() of a certificate holding it answers NULL:
 * read it back with csr_ec_spki_key()).  0, or -1 if key is not such a
 * key (pub is then unchanged).
 */
int csr_ec_spki_set(X509_PUBKEY *pub, EVP_PKEY *key);

/*
 * The key of an EC SubjectPublicKeyInfo on P-256 or P-384 (named curve),
 * decoded from its curve and point without OpenSSL's decoders; the point
 * must be on the curve.  A new key (caller frees with EVP_PKEY_free()), or
 * NULL for any other SPKI.
 */
EVP_PKEY *csr_ec_spki_key(X509_PUBKEY *pub);

#endif
