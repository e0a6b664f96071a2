/*
 * rxca-admin tls init: the development HTTPS material of the operators'
 * listener, a CA for operators' client certificates and a server
 * certificate under it, made once in a directory and left alone after.
 */
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "api/admin/admin.h"
#include "api/admin/files.h"
#include "ca/opcert.h"
#include "common/wallclock.h"

#define ADMIN_CA_NAME "rxca operators CA"

/* The files of `tls init`, in its directory. */
#define TLS_CA_CERT     "operators-ca.crt"
#define TLS_CA_KEY      "operators-ca.key"
#define TLS_SERVER_CERT "server.crt"
#define TLS_SERVER_KEY  "server.key"

int
admin_tls_init(struct admin_ctx *ax, int argc, char *argv[])
{
	static const char *const default_hosts[] = {"localhost", "127.0.0.1"};
	const char *what = ax->cmd->name;
	const char *const *hosts = default_hosts;
	char dir[PATH_MAX], ca_crt[PATH_MAX], ca_keyf[PATH_MAX];
	char srv_crt[PATH_MAX], srv_keyf[PATH_MAX];
	EVP_PKEY *ca_key = NULL, *srv_key = NULL;
	X509 *ca = NULL, *srv = NULL;
	size_t nhosts = 2;
	time_t now = wallclock_now();
	long v;
	int have_ca, have_srv, i, rc = ADMIN_FAIL;

	for (i = 1; i < argc; i++)
		if (!opcert_host_ok(argv[i])) {
			fprintf(stderr,
			    "rxca-admin: %s: \"%s\" is neither a DNS name nor "
			    "an IP address\n",
			    what, argv[i]);
			return ADMIN_USAGE;
		}
	if (argc > 1) {
		hosts = (const char *const *)(argv + 1);
		nhosts = (size_t)argc - 1;
	}
	if (admin_mkdir(what, argv[0]) == -1)
		goto out;
	if (admin_abspath(what, argv[0], dir, sizeof(dir)) == -1)
		goto out;
	if (admin_path(what, ca_crt, sizeof(ca_crt), dir, TLS_CA_CERT, "") ==
	        -1 ||
	    admin_path(what, ca_keyf, sizeof(ca_keyf), dir, TLS_CA_KEY, "") ==
	        -1 ||
	    admin_path(what, srv_crt, sizeof(srv_crt), dir, TLS_SERVER_CERT,
	        "") == -1 ||
	    admin_path(what, srv_keyf, sizeof(srv_keyf), dir, TLS_SERVER_KEY,
	        "") == -1)
		goto out;
	if ((have_ca = admin_pair(what, ca_crt, ca_keyf)) == -1 ||
	    (have_srv = admin_pair(what, srv_crt, srv_keyf)) == -1)
		goto out;
	if (!have_ca && have_srv) {
		fprintf(stderr,
		    "rxca-admin: %s: %s is there but the CA that signed it "
		    "is not: remove %s and %s too to start over\n",
		    what, srv_crt, srv_crt, srv_keyf);
		goto out;
	}
	if (!have_ca) {
		if ((ca_key = opcert_key_new()) == NULL ||
		    (ca = opcert_ca_new(ca_key, ADMIN_CA_NAME, now)) == NULL) {
			fprintf(stderr, "rxca-admin: %s: cannot make the CA\n",
			    what);
			goto out;
		}
		if (admin_write_key(what, ca_keyf, ca_key) == -1)
			goto out;
		if (admin_write_cert(what, ca_crt, ca) == -1) {
			(void)unlink(ca_keyf);
			goto out;
		}
		fprintf(
		    stderr, "rxca-admin: created %s and %s\n", ca_crt, ca_keyf);
	} else if ((ca = admin_read_cert(what, "", ca_crt)) == NULL)
		goto out;
	if (!have_srv) {
		if (ca_key == NULL &&
		    (ca_key = admin_read_key(what, "", ca_keyf)) == NULL)
			goto out;
		if ((srv = opcert_server_new(
		         ca, ca_key, hosts, nhosts, now, &srv_key)) == NULL) {
			fprintf(stderr,
			    "rxca-admin: %s: cannot issue the server "
			    "certificate (does %s belong to %s?)\n",
			    what, ca_keyf, ca_crt);
			goto out;
		}
		if (admin_write_key(what, srv_keyf, srv_key) == -1)
			goto out;
		if (admin_write_cert(what, srv_crt, srv) == -1) {
			(void)unlink(srv_keyf);
			goto out;
		}
		fprintf(stderr, "rxca-admin: created %s and %s\n", srv_crt,
		    srv_keyf);
	} else {
		if ((srv = admin_read_cert(what, "", srv_crt)) == NULL)
			goto out;
		if ((v = opcert_verify(srv, ca, now, OPCERT_USE_SERVER)) !=
		    X509_V_OK)
			fprintf(stderr,
			    "rxca-admin: %s: warning: %s does not verify "
			    "against %s: %s\n",
			    what, srv_crt, ca_crt,
			    X509_verify_cert_error_string(v));
	}
	if (have_ca && have_srv)
		fprintf(
		    stderr, "rxca-admin: %s: nothing to do in %s\n", what, dir);
	printf("export RXCA_TLS_CERT=%s\n", srv_crt);
	printf("export RXCA_TLS_KEY=%s\n", srv_keyf);
	printf("export RXCA_OPERATOR_CA=%s\n", ca_crt);
	printf("export RXCA_OPERATOR_CA_KEY=%s\n", ca_keyf);
	rc = ADMIN_OK;
out:
	X509_free(ca);
	X509_free(srv);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(srv_key);
	return rc;
}
