/*
 * The TLS side of the HTTPS listener: one server SSL_CTX built from the
 * RXCA_TLS_* settings, and the OpenSSL error queue drained into the log.
 */
#ifndef RXCA_TLS_H
#define RXCA_TLS_H

#include <stdio.h>

#include <openssl/ssl.h>

/* The files of the RXCA_TLS_* settings (api/config.h), and the listen
 * address to name in errors; all borrowed. */
struct tls_files {
	const char *tls_listen;  /* RXCA_TLS_LISTEN */
	const char *tls_cert;    /* RXCA_TLS_CERT */
	const char *tls_key;     /* RXCA_TLS_KEY */
	const char *operator_ca; /* RXCA_OPERATOR_CA, or "" */
};

/*
 * A server context: TLS 1.2 at least; the certificate chain of
 * c->tls_cert (PEM, leaf first) and the key c->tls_key, which must match;
 * no renegotiation and no session resumption (each connection checks its
 * client certificate afresh).  If c->operator_ca is set, it is the only
 * trust anchor for client certificates, its name is sent as the
 * acceptable CA, and a client certificate is requested but not required:
 * the handshake succeeds with a missing, unknown or expired one and the
 * verdict is left in SSL_get_verify_result() for the application (see
 * struct http_request).  Returns NULL after writing one line naming the
 * setting (RXCA_TLS_CERT, RXCA_TLS_KEY or RXCA_OPERATOR_CA) and the
 * OpenSSL reason into err.  Caller frees with SSL_CTX_free().
 */
SSL_CTX *tls_server_ctx(const struct tls_files *c, FILE *err);

/* Drains OpenSSL's error queue into the log, one error line per entry,
 * each with the message what; logs what alone if the queue is empty. */
void tls_log_errors(const char *what);

#endif
