/*
 * The development PKI of operators and of the HTTPS listener: an operators'
 * CA (EC P-256, self-signed), client certificates for operators and server
 * certificates for the listener, all signed by that CA; PEM files in and
 * out; the SHA-256 fingerprint by which an operator is known; and the check
 * that a certificate chains to the CA and is in date.  Pure OpenSSL: times
 * are parameters, never read from a clock here.
 *
 * Every function that fails on a crypto call drains OpenSSL's error queue
 * into the log.
 */
#ifndef RXCA_OPCERT_H
#define RXCA_OPCERT_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define OPCERT_CA_DAYS     3650 /* the operators' CA */
#define OPCERT_LEAF_DAYS   365  /* client and server certificates */
#define OPCERT_SERIAL_LEN  16   /* random bytes of a serial number */
#define OPCERT_MAX_HOSTS   16   /* names in a server certificate */
#define OPCERT_HOST_MAX    253  /* length of one DNS name */
#define OPCERT_SUBJECT_LEN 256  /* opcert_subject() buffer, with NUL */

/* What a certificate is checked for by opcert_verify(). */
enum opcert_use {
	OPCERT_USE_ANY,    /* chain and dates only */
	OPCERT_USE_CLIENT, /* and TLS client (clientAuth) */
	OPCERT_USE_SERVER  /* and TLS server (serverAuth) */
};

/* A new EC P-256 key, or NULL.  Caller frees with EVP_PKEY_free(). */
EVP_PKEY *opcert_key_new(void);

/*
 * The operators' CA: self-signed with key, CN=cn, O=rxca, CA:TRUE
 * (critical), keyCertSign and cRLSign (critical), SKI and AKI, valid from
 * now for OPCERT_CA_DAYS.  NULL on failure.  Caller frees with X509_free().
 */
X509 *opcert_ca_new(EVP_PKEY *key, const char *cn, time_t now);

/*
 * A client certificate for the operator name (CN=name, O=rxca operators)
 * on a new P-256 key, signed by ca/ca_key: clientAuth, digitalSignature,
 * CA:FALSE, SKI/AKI, a random positive 16-byte serial, valid from now for
 * OPCERT_LEAF_DAYS but never past the CA's notAfter.  *keyp receives the
 * new key (caller frees with EVP_PKEY_free()).  NULL if name is empty or
 * longer than 64 bytes, ca_key does not match ca, or a crypto call fails.
 * Caller frees the certificate with X509_free().
 */
X509 *opcert_client_new(
    X509 *ca, EVP_PKEY *ca_key, const char *name, time_t now, EVP_PKEY **keyp);

/*
 * A server certificate for hosts[0..nhosts) (DNS names, IPv4 or IPv6
 * addresses, all in subjectAltName; CN=hosts[0], O=rxca) on a new P-256
 * key, signed by ca/ca_key: serverAuth, digitalSignature, CA:FALSE,
 * SKI/AKI, random serial, valid from now for OPCERT_LEAF_DAYS but never
 * past the CA's notAfter.  NULL if nhosts is 0 or above OPCERT_MAX_HOSTS,
 * a host is neither an address nor a DNS name (opcert_host_ok), or a
 * crypto call fails.  Ownership as opcert_client_new().
 */
X509 *opcert_server_new(X509 *ca, EVP_PKEY *ca_key, const char *const *hosts,
    size_t nhosts, time_t now, EVP_PKEY **keyp);

/* 1 if host is an IPv4/IPv6 address or a DNS name (labels of letters,
 * digits and '-', 1..63 each, OPCERT_HOST_MAX in all), else 0. */
int opcert_host_ok(const char *host);

/*
 * Writes cert as PEM to a new file path (mode 0644 before umask), or key
 * (PKCS#8, unencrypted) to a new file created with mode 0600.  Neither
 * ever replaces an existing file: open(O_CREAT | O_EXCL) fails with errno
 * EEXIST.  A file left half-written is removed.  Returns 0, or -1 with
 * errno set (EIO after a crypto failure, which is logged).
 */
int opcert_write_cert(const char *path, X509 *cert);
int opcert_write_key(const char *path, EVP_PKEY *key);

/* The first PEM certificate / private key in path, or NULL (errno set if
 * the file cannot be opened, else EINVAL).  Caller frees. */
X509 *opcert_read_cert(const char *path);
EVP_PKEY *opcert_read_key(const char *path);

/* SHA-256 of the certificate's DER encoding, raw or as 64 lower-case hex
 * characters and a NUL (as `openssl x509 -fingerprint -sha256`, without
 * the colons).  Return 0, or -1 if cert cannot be encoded. */
int opcert_fingerprint(X509 *cert, unsigned char out[32]);
int opcert_fingerprint_hex(X509 *cert, char out[65]);

/* The subject on one line, RFC 2253 (non-ASCII escaped), truncated to fit
 * bufsz.  Returns 0, or -1 (buf is then ""). */
int opcert_subject(X509 *cert, char *buf, size_t bufsz);

/* notAfter as seconds since the epoch; 0 if it cannot be read. */
time_t opcert_not_after(const X509 *cert);

/*
 * Checks that cert chains to ca (the only trust anchor) and that both are
 * in date at time at, and, per use, the extended key usage.  Returns
 * X509_V_OK (0) or the X509_V_ERR_* code of the first failure (see
 * X509_verify_cert_error_string()); X509_V_ERR_UNSPECIFIED if the check
 * itself cannot run.
 */
long opcert_verify(X509 *cert, X509 *ca, time_t at, enum opcert_use use);

#endif
