/*
 * Detached CMS SignedData (RFC 5652) made with a key that OpenSSL cannot
 * hold: the signed attributes (content type, signing time, message
 * digest) are encoded here and signed by a struct signer (a token key).
 * The result carries the signer's certificate and the chain and verifies
 * with stock `openssl cms -verify -binary -content FILE`.  It is CAdES-BES
 * (ETSI EN 319 122-1): the signed attributes include signing-certificate-v2,
 * and an RFC 3161 timestamp over the signature value can be added after
 * (tokcms_add_timestamp, with tokts.h).
 */
#ifndef RXCA_TOKCMS_H
#define RXCA_TOKCMS_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include "ca/signer.h"
#include "common/problem.h"

#define TOKCMS_SIG_MAX (1024 * 1024) /* bytes of a signature we parse */

/*
 * Signs the content whose digest (dlen bytes, made with signer_md(s)) is
 * given: cert is the signer's certificate (its key must be the signer's),
 * chain (may be NULL) the CA certificates to include, now the signing
 * time.  On success the DER ContentInfo is in *der (caller frees with
 * OPENSSL_free()) and *derlen, and 0 is returned; else -1 with p set.
 */
int tokcms_sign(struct signer *s, X509 *cert, STACK_OF(X509) * chain,
    const unsigned char *digest, size_t dlen, time_t now, unsigned char **der,
    size_t *derlen, struct problem *p);

/*
 * Hashes the file at path with signer_md(s) into digest (EVP_MAX_MD_SIZE
 * bytes) and *dlen, streaming it (no size limit).  Returns 0, or -1 with
 * p set (422 on field file if it cannot be read).
 */
int tokcms_digest_file(struct signer *s, const char *path,
    unsigned char *digest, size_t *dlen, struct problem *p);

/*
 * The signature value of the one SignerInfo of the CMS der (len bytes,
 * at most TOKCMS_SIG_MAX) into *sigv (caller frees with free()) and
 * *sigvlen: what a signature timestamp covers.  0, or -1 with p set.
 */
int tokcms_signature_value(const unsigned char *der, size_t len,
    unsigned char **sigv, size_t *sigvlen, struct problem *p);

/*
 * The CMS der with the TimeStampToken tst (DER ContentInfo, tstlen bytes)
 * added to its one SignerInfo as the unsigned attribute
 * id-aa-signatureTimeStampToken, into *out (caller frees with
 * OPENSSL_free()) and *outlen.  0, or -1 with p set.
 */
int tokcms_add_timestamp(const unsigned char *der, size_t len,
    const unsigned char *tst, size_t tstlen, unsigned char **out,
    size_t *outlen, struct problem *p);

#endif
