#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "api/http/tls.h"
#include "common/logger.h"

/* Ciphers for TLS 1.2 (1.3 keeps OpenSSL's defaults): forward secret
 * AEAD only. */
#define TLS_CIPHERS_12   "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL"
#define TLS_VERIFY_DEPTH 4

static const unsigned char tls_sid_ctx[] = "rxca-server";

void
tls_log_errors(const char *what)
{
	if (ERR_peek_error() == 0) {
		log_error(what, NULL);
		return;
	}
	log_openssl(what);
}

/* One line into err: the setting, what failed, OpenSSL's first reason;
 * then the whole queue into the log. */
static void
tls_fail(FILE *err, const char *setting, const char *what, const char *path)
{
	const char *reason = NULL;
	unsigned long e;

	if ((e = ERR_peek_error()) != 0)
		reason = ERR_SYSTEM_ERROR(e) ? strerror(ERR_GET_REASON(e))
		                             : ERR_reason_error_string(e);
	fprintf(err, "%s: %s %s: %s\n", setting, what, path,
	    reason != NULL ? reason : "unknown OpenSSL error");
	tls_log_errors(what);
}

/* Accepts every client certificate: the verdict is read after the
 * handshake with SSL_get_verify_result(), so that public routes are
 * served to clients without one. */
static int
tls_verify_cb(int ok, X509_STORE_CTX *ctx)
{
	(void)ok;
	(void)ctx;
	return 1;
}

SSL_CTX *
tls_server_ctx(const struct tls_files *c, FILE *err)
{
	STACK_OF(X509_NAME) *names = NULL;
	SSL_CTX *ctx = NULL;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, TLS_CIPHERS_12) != 1 ||
	    SSL_CTX_set_session_id_context(
	        ctx, tls_sid_ctx, sizeof(tls_sid_ctx) - 1) != 1 ||
	    SSL_CTX_set_num_tickets(ctx, 0) != 1) {
		tls_fail(err, "RXCA_TLS_LISTEN", "cannot set up TLS for",
		    c->tls_listen);
		goto fail;
	}
	SSL_CTX_set_options(ctx,
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET |
	        SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION |
	        SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_use_certificate_chain_file(ctx, c->tls_cert) != 1) {
		tls_fail(err, "RXCA_TLS_CERT",
		    "cannot load the certificate chain", c->tls_cert);
		goto fail;
	}
	/* loading checks the key against the certificate already */
	if (SSL_CTX_use_PrivateKey_file(ctx, c->tls_key, SSL_FILETYPE_PEM) !=
	    1) {
		tls_fail(err, "RXCA_TLS_KEY",
		    ERR_GET_REASON(ERR_peek_last_error()) ==
		            X509_R_KEY_VALUES_MISMATCH
		        ? "does not match the certificate in RXCA_TLS_CERT:"
		        : "cannot load the private key",
		    c->tls_key);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		tls_fail(err, "RXCA_TLS_KEY",
		    "does not match the certificate in RXCA_TLS_CERT:",
		    c->tls_key);
		goto fail;
	}
	if (c->operator_ca[0] != '\0') {
		if (SSL_CTX_load_verify_locations(ctx, c->operator_ca, NULL) !=
		        1 ||
		    (names = SSL_load_client_CA_file(c->operator_ca)) == NULL) {
			tls_fail(err, "RXCA_OPERATOR_CA",
			    "cannot load the CA certificate", c->operator_ca);
			goto fail;
		}
		SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, tls_verify_cb);
		SSL_CTX_set_verify_depth(ctx, TLS_VERIFY_DEPTH);
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}
