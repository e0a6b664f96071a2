/*
 * Unit tests of api/http/tls.c and the HTTPS side of api/http/http.c: the
 * server context refuses bad settings naming them, and a real TLS client on
 * loopback (a thread of this process) sees its certificate's verdict,
 * fingerprint, subject and notAfter reach the request.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <event2/event.h>
#include <event2/thread.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "api/http/http.h"
#include "api/http/tls.h"
#include "ca/opcert.h"

#define DAY 86400L

static char dir[] = "/tmp/rxca-tls-XXXXXX";
static char ca_path[64], srv_crt[64], srv_key[64], op_key[64];
static X509 *ca, *srv, *alice, *old, *foreign;
static EVP_PKEY *ca_key, *srv_pkey, *alice_key, *old_key, *foreign_key;
static time_t now;

/* What the server saw of the last request. */
static struct http_request seen;
static int nseen;

static int
suite_init(void)
{
	static const char *const hosts[] = {"localhost", "127.0.0.1"};
	EVP_PKEY *k2 = NULL;
	X509 *ca2 = NULL;
	int rc = -1;

	now = time(NULL);
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(ca_path, sizeof(ca_path), "%s/ca.crt", dir);
	snprintf(srv_crt, sizeof(srv_crt), "%s/server.crt", dir);
	snprintf(srv_key, sizeof(srv_key), "%s/server.key", dir);
	snprintf(op_key, sizeof(op_key), "%s/alice.key", dir);
	if ((ca_key = opcert_key_new()) == NULL ||
	    (ca = opcert_ca_new(ca_key, "test operators CA", now - DAY)) ==
	        NULL ||
	    (srv = opcert_server_new(ca, ca_key, hosts, 2, now, &srv_pkey)) ==
	        NULL ||
	    (alice = opcert_client_new(ca, ca_key, "alice", now, &alice_key)) ==
	        NULL ||
	    (old = opcert_client_new(
	         ca, ca_key, "old", now - 400 * DAY, &old_key)) == NULL)
		goto out;
	if ((k2 = opcert_key_new()) == NULL ||
	    (ca2 = opcert_ca_new(k2, "test operators CA", now - DAY)) == NULL ||
	    (foreign = opcert_client_new(
	         ca2, k2, "mallory", now, &foreign_key)) == NULL)
		goto out;
	if (opcert_write_cert(ca_path, ca) == -1 ||
	    opcert_write_cert(srv_crt, srv) == -1 ||
	    opcert_write_key(srv_key, srv_pkey) == -1 ||
	    opcert_write_key(op_key, alice_key) == -1)
		goto out;
	rc = 0;
out:
	X509_free(ca2);
	EVP_PKEY_free(k2);
	return rc;
}

static int
suite_clean(void)
{
	unlink(ca_path);
	unlink(srv_crt);
	unlink(srv_key);
	unlink(op_key);
	rmdir(dir);
	X509_free(ca);
	X509_free(srv);
	X509_free(alice);
	X509_free(old);
	X509_free(foreign);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(srv_pkey);
	EVP_PKEY_free(alice_key);
	EVP_PKEY_free(old_key);
	EVP_PKEY_free(foreign_key);
	return 0;
}

/* The TLS settings, pointing at the given files. */
struct tlsconf {
	struct tls_files c;
	char listen[32], cert[64], key[64], opca[64];
};

static void
tlsconf_init(
    struct tlsconf *t, const char *cert, const char *key, const char *opca)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->listen, sizeof(t->listen), "127.0.0.1:0");
	snprintf(t->cert, sizeof(t->cert), "%s", cert);
	snprintf(t->key, sizeof(t->key), "%s", key);
	snprintf(t->opca, sizeof(t->opca), "%s", opca);
	t->c.tls_listen = t->listen;
	t->c.tls_cert = t->cert;
	t->c.tls_key = t->key;
	t->c.operator_ca = t->opca;
}

/* tls_server_ctx's error output for these settings ("" if it worked). */
static void
ctx_error(const char *cert, const char *key, const char *opca, char *out,
    size_t outsz)
{
	struct tlsconf t;
	SSL_CTX *ctx;
	FILE *f;
	size_t n;

	tlsconf_init(&t, cert, key, opca);
	f = tmpfile();
	CU_ASSERT_FATAL(f != NULL);
	ctx = tls_server_ctx(&t.c, f);
	rewind(f);
	n = fread(out, 1, outsz - 1, f);
	out[n] = '\0';
	fclose(f);
	CU_ASSERT((ctx == NULL) == (n > 0));
	SSL_CTX_free(ctx);
}

static void
test_ctx(void)
{
	struct tlsconf t;
	SSL_CTX *ctx;
	char err[512];

	tlsconf_init(&t, srv_crt, srv_key, ca_path);
	ctx = tls_server_ctx(&t.c, stderr);
	CU_ASSERT_FATAL(ctx != NULL);
	CU_ASSERT(SSL_CTX_get_min_proto_version(ctx) == TLS1_2_VERSION);
	CU_ASSERT(SSL_CTX_get_verify_mode(ctx) == SSL_VERIFY_PEER);
	CU_ASSERT(sk_X509_NAME_num(SSL_CTX_get_client_CA_list(ctx)) == 1);
	SSL_CTX_free(ctx);

	ctx_error(srv_crt, srv_key, "", err, sizeof(err));
	CU_ASSERT_STRING_EQUAL(err, "");
	ctx_error(
	    "/nonexistent/server.crt", srv_key, ca_path, err, sizeof(err));
	CU_ASSERT(strncmp(err, "RXCA_TLS_CERT: ", 15) == 0);
	CU_ASSERT(strstr(err, "/nonexistent/server.crt") != NULL);
	CU_ASSERT(strchr(err, '\n') == err + strlen(err) - 1); /* one line */
	ctx_error(srv_key, srv_key, ca_path, err, sizeof(err));
	CU_ASSERT(strncmp(err, "RXCA_TLS_CERT: ", 15) == 0);
	ctx_error(
	    srv_crt, "/nonexistent/server.key", ca_path, err, sizeof(err));
	CU_ASSERT(strncmp(err, "RXCA_TLS_KEY: ", 14) == 0);
	ctx_error(srv_crt, op_key, ca_path, err, sizeof(err)); /* not its key */
	CU_ASSERT(strncmp(err, "RXCA_TLS_KEY: ", 14) == 0);
	CU_ASSERT(strstr(err, "does not match") != NULL);
	ctx_error(srv_crt, srv_key, srv_key, err, sizeof(err));
	CU_ASSERT(strncmp(err, "RXCA_OPERATOR_CA: ", 18) == 0);
	ctx_error(srv_crt, srv_key, "/nonexistent/ca.crt", err, sizeof(err));
	CU_ASSERT(strncmp(err, "RXCA_OPERATOR_CA: ", 18) == 0);
}

/* The loop side: remember the request, answer 200. */
static void
on_request(struct http_conn *conn, struct http_request *req, void *arg)
{
	struct http_response resp;

	(void)arg;
	seen = *req; /* the pointers are not used after the reply */
	nseen++;
	http_response_init(&resp, 200);
	http_response_set_body(&resp, "text/plain", "ok", 2);
	http_conn_reply(conn, &resp);
}

struct client {
	struct event_base *base; /* stopped when done */
	int port;                /* server's */
	int tls;                 /* speak TLS */
	int max_version;         /* or 0 */
	int silent;              /* connect, send nothing, wait for EOF */
	X509 *cert;              /* client certificate, or NULL */
	EVP_PKEY *key;           /* its key */
	int handshake_ok;        /* out */
	int status;              /* out: HTTP status, or 0 */
	double closed_after;     /* out, silent: seconds until EOF */
};

static int
client_connect(int port)
{
	struct sockaddr_in sin;
	int fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
client_run(void *arg)
{
	static const char req[] =
	    "GET /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
	struct client *cl = arg;
	char buf[4096];
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	size_t got = 0;
	double t0;
	int fd, n;

	if ((fd = client_connect(cl->port)) == -1)
		goto out;
	if (cl->silent) {
		t0 = mono();
		n = (int)read(fd, buf, sizeof(buf));
		cl->closed_after = n == 0 ? mono() - t0 : -1;
		goto out;
	}
	if (!cl->tls) {
		if (write(fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1)
			goto out;
		while (
		    (n = (int)read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
			got += (size_t)n;
		goto parse;
	}
	ctx = SSL_CTX_new(TLS_client_method());
	if (cl->max_version != 0) {
		SSL_CTX_set_security_level(ctx, 0);
		SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
		SSL_CTX_set_max_proto_version(ctx, cl->max_version);
	}
	X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (cl->cert != NULL) {
		SSL_CTX_use_certificate(ctx, cl->cert);
		SSL_CTX_use_PrivateKey(ctx, cl->key);
	}
	ssl = SSL_new(ctx);
	X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), "127.0.0.1");
	SSL_set_fd(ssl, fd);
	if (SSL_connect(ssl) != 1)
		goto out;
	cl->handshake_ok = 1;
	if (SSL_write(ssl, req, sizeof(req) - 1) != (int)sizeof(req) - 1)
		goto out;
	while ((n = SSL_read(ssl, buf + got, (int)(sizeof(buf) - 1 - got))) > 0)
		got += (size_t)n;
parse:
	buf[got] = '\0';
	if (got > 12 && strncmp(buf, "HTTP/1.1 ", 9) == 0)
		cl->status = (int)strtol(buf + 9, NULL, 10);
out:
	ERR_clear_error();
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (fd != -1)
		close(fd);
	event_base_loopexit(cl->base, NULL);
	return NULL;
}

/* Runs one client against a fresh server (HTTPS unless cl->tls is 0). */
static void
exchange(struct client *cl, int request_timeout)
{
	struct http_limits lim = {.max_connections = 16,
	    .request_timeout = request_timeout,
	    .idle_timeout = 30,
	    .write_timeout = 10};
	struct event_base *base;
	struct http_server *s;
	struct tlsconf t;
	SSL_CTX *ctx = NULL;
	pthread_t th;

	memset(&seen, 0, sizeof(seen));
	nseen = 0;
	base = event_base_new();
	CU_ASSERT_FATAL(base != NULL);
	if (cl->tls || cl->silent) {
		tlsconf_init(&t, srv_crt, srv_key, ca_path);
		ctx = tls_server_ctx(&t.c, stderr);
		CU_ASSERT_FATAL(ctx != NULL);
		s = http_server_new_tls(
		    base, "127.0.0.1", 0, &lim, ctx, on_request, NULL);
		SSL_CTX_free(ctx);
	} else
		s = http_server_new(
		    base, "127.0.0.1", 0, &lim, on_request, NULL);
	CU_ASSERT_FATAL(s != NULL);
	cl->base = base;
	cl->port = http_server_port(s);
	CU_ASSERT_FATAL(pthread_create(&th, NULL, client_run, cl) == 0);
	event_base_dispatch(base);
	pthread_join(th, NULL);
	/* let the server see the close */
	event_base_loop(base, EVLOOP_NONBLOCK);
	http_server_free(s);
	event_base_free(base);
}

static void
test_client_certificates(void)
{
	struct client cl;
	char fp[65], subject[OPCERT_SUBJECT_LEN];

	/* no certificate: served, but nothing to vouch for */
	memset(&cl, 0, sizeof(cl));
	cl.tls = 1;
	exchange(&cl, 5);
	CU_ASSERT(cl.handshake_ok && cl.status == 200);
	CU_ASSERT(nseen == 1);
	CU_ASSERT(seen.tls == 1 && seen.client_cert == 0);
	CU_ASSERT(seen.client_verify != X509_V_OK);
	CU_ASSERT_STRING_EQUAL(seen.client_fp, "");
	CU_ASSERT_STRING_EQUAL(seen.client_subject, "");
	CU_ASSERT(seen.client_not_after == 0);

	/* an operator's certificate */
	memset(&cl, 0, sizeof(cl));
	cl.tls = 1;
	cl.cert = alice;
	cl.key = alice_key;
	exchange(&cl, 5);
	CU_ASSERT(cl.handshake_ok && cl.status == 200);
	CU_ASSERT(seen.tls == 1 && seen.client_cert == 1);
	CU_ASSERT(seen.client_verify == X509_V_OK);
	CU_ASSERT(opcert_fingerprint_hex(alice, fp) == 0);
	CU_ASSERT_STRING_EQUAL(seen.client_fp, fp);
	CU_ASSERT(opcert_subject(alice, subject, sizeof(subject)) == 0);
	CU_ASSERT_STRING_EQUAL(seen.client_subject, subject);
	CU_ASSERT_STRING_EQUAL(
	    seen.client_subject, "CN=alice,O=rxca operators");
	CU_ASSERT(seen.client_not_after == (long)opcert_not_after(alice));
	CU_ASSERT(seen.client_not_after == (long)(now + 365 * DAY));

	/* expired: the handshake succeeds, the verdict says why not */
	memset(&cl, 0, sizeof(cl));
	cl.tls = 1;
	cl.cert = old;
	cl.key = old_key;
	exchange(&cl, 5);
	CU_ASSERT(cl.handshake_ok && cl.status == 200);
	CU_ASSERT(seen.client_cert == 1);
	CU_ASSERT(seen.client_verify == X509_V_ERR_CERT_HAS_EXPIRED);

	/* another CA's, even under the same CA name */
	memset(&cl, 0, sizeof(cl));
	cl.tls = 1;
	cl.cert = foreign;
	cl.key = foreign_key;
	exchange(&cl, 5);
	CU_ASSERT(cl.handshake_ok && cl.status == 200);
	CU_ASSERT(seen.client_cert == 1);
	CU_ASSERT(seen.client_verify != X509_V_OK);
	CU_ASSERT(opcert_fingerprint_hex(foreign, fp) == 0);
	CU_ASSERT_STRING_EQUAL(seen.client_fp, fp);
}

static void
test_plain_and_old(void)
{
	struct client cl;

	/* plain HTTP: all zero */
	memset(&cl, 0, sizeof(cl));
	exchange(&cl, 5);
	CU_ASSERT(cl.status == 200 && nseen == 1);
	CU_ASSERT(seen.tls == 0 && seen.client_cert == 0);
	CU_ASSERT(seen.client_verify == 0);
	CU_ASSERT_STRING_EQUAL(seen.client_fp, "");

	/* TLS 1.1 is refused */
	memset(&cl, 0, sizeof(cl));
	cl.tls = 1;
	cl.max_version = TLS1_1_VERSION;
	exchange(&cl, 5);
	CU_ASSERT(cl.handshake_ok == 0 && nseen == 0);

	/* TLS 1.2 is fine */
	memset(&cl, 0, sizeof(cl));
	cl.tls = 1;
	cl.max_version = TLS1_2_VERSION;
	exchange(&cl, 5);
	CU_ASSERT(cl.handshake_ok == 1 && cl.status == 200);
}

static void
test_handshake_deadline(void)
{
	struct client cl;

	memset(&cl, 0, sizeof(cl));
	cl.silent = 1;
	exchange(&cl, 1);
	CU_ASSERT(cl.closed_after >= 0.9 && cl.closed_after < 3.0);
	CU_ASSERT(nseen == 0);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (evthread_use_pthreads() == -1)
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("tls", suite_init, suite_clean);
	CU_add_test(s, "server context and its errors", test_ctx);
	CU_add_test(s, "client certificates", test_client_certificates);
	CU_add_test(s, "plain HTTP and old TLS", test_plain_and_old);
	CU_add_test(s, "handshake deadline", test_handshake_deadline);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
