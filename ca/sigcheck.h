/*
 * Checks a signature made with a certificate's key: over a challenge
 * nonce (proof of possession), a renewal request's DER, a partner's
 * challenge, an audit checkpoint.  The hash goes with the key as rxca's
 * signers and rxca-token choose it: SHA-384 for an EC key of 384 bits
 * (P-384), SHA-256 for any other (P-256, RSA with PKCS#1 v1.5 padding).
 * Keys that take no separate hash (Ed25519, Ed448) never verify.
 */
#ifndef RXCA_SIGCHECK_H
#define RXCA_SIGCHECK_H

#include <stddef.h>

#include <openssl/evp.h>

/* The hash a signature by key is made with, as above (static: never
 * freed). */
const EVP_MD *sigcheck_md(const EVP_PKEY *key);

/*
 * 0 if sig (siglen bytes: a DER ECDSA-Sig-Value or a PKCS#1 v1.5
 * signature) is key's signature over msg (msglen bytes) with the hash of
 * sigcheck_md(key), else -1 (also for a NULL key).  key is borrowed.  A
 * bad signature is the client's fault, not an operator's: OpenSSL's error
 * queue is cleared, not logged.
 */
int sigcheck_verify(EVP_PKEY *key, const unsigned char *sig, size_t siglen,
    const void *msg, size_t msglen);

#endif
