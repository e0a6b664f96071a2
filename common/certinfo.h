/*
 * What a certificate says about itself, for logs and for matching: its
 * SHA-256 fingerprint, its subject and its notAfter.  Shared by ca/ (the
 * operators' certificates) and the HTTP layer (a TLS client's).
 */
#ifndef RXCA_CERTINFO_H
#define RXCA_CERTINFO_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

/* SHA-256 of the certificate's DER encoding, raw or as 64 lower-case hex
 * characters and a NUL (as `openssl x509 -fingerprint -sha256`, without
 * the colons).  Return 0, or -1 if cert cannot be encoded. */
int certinfo_fingerprint(X509 *cert, unsigned char out[32]);
int certinfo_fingerprint_hex(X509 *cert, char out[65]);

/* The subject on one line, RFC 2253 (non-ASCII escaped), truncated to fit
 * bufsz.  Returns 0, or -1 (buf is then ""). */
int certinfo_subject(X509 *cert, char *buf, size_t bufsz);

/* notAfter as seconds since the epoch; 0 if it cannot be read. */
time_t certinfo_not_after(const X509 *cert);

#endif
