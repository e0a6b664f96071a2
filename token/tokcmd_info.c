#include <stdio.h>
#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "common/logger.h"
#include "token/tokclient_http.h"
#include "token/tokcmd.h"
#include "token/tokcmd_info.h"
#include "token/tokcmd_load.h"

#define TOKCMD_OID_LEN 64 /* a printed policy OID */

/* The issuer of cert among chain, or NULL. */
static X509 *
tokcmd_issuer_of(X509 *cert, STACK_OF(X509) * chain)
{
	int i;

	for (i = 0; chain != NULL && i < sk_X509_num(chain); i++)
		if (X509_check_issued(sk_X509_value(chain, i), cert) ==
		    X509_V_OK)
			return sk_X509_value(chain, i);
	return NULL;
}

/* Asks the certificate's OCSP responder and prints the answer. */
static void
tokcmd_ocsp(X509 *cert, STACK_OF(X509) * chain, const char *server_ca)
{
	STACK_OF(OPENSSL_STRING) *urls = NULL;
	OCSP_REQUEST *req = NULL;
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	OCSP_CERTID *id = NULL;
	X509_STORE *store = NULL;
	ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
	struct tokclient *c = NULL;
	struct problem p;
	unsigned char *der = NULL, *ans = NULL;
	const unsigned char *q;
	const char *url;
	size_t anslen = 0;
	long status = 0;
	int n, st = -1, reason = -1, i;
	X509 *issuer;

	problem_clear(&p);
	urls = X509_get1_ocsp(cert);
	if (urls == NULL || sk_OPENSSL_STRING_num(urls) == 0) {
		printf("  OCSP: the certificate names no responder\n");
		goto out;
	}
	url = sk_OPENSSL_STRING_value(urls, 0);
	if ((issuer = tokcmd_issuer_of(cert, chain)) == NULL) {
		printf("  OCSP: the issuing CA certificate is not on the "
		       "token\n");
		goto out;
	}
	if ((id = OCSP_cert_to_id(NULL, cert, issuer)) == NULL ||
	    (req = OCSP_REQUEST_new()) == NULL ||
	    OCSP_request_add0_id(req, id) == NULL) {
		log_openssl("token: cannot build the OCSP request");
		goto out;
	}
	id = NULL; /* req owns it */
	if ((n = i2d_OCSP_REQUEST(req, &der)) <= 0 ||
	    (c = tokclient_new(url, server_ca, &p)) == NULL ||
	    tokclient_raw(c, url, "application/ocsp-request", der, (size_t)n,
	        &status, &ans, &anslen, &p) == -1) {
		printf("  OCSP: no answer from %s (%s)\n", url, p.detail);
		goto out;
	}
	q = ans;
	if (status != 200 ||
	    (resp = d2i_OCSP_RESPONSE(NULL, &q, (long)anslen)) == NULL ||
	    OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL ||
	    (bs = OCSP_response_get1_basic(resp)) == NULL) {
		ERR_clear_error();
		printf("  OCSP: the responder at %s gave no usable answer "
		       "(HTTP %ld)\n",
		    url, status);
		goto out;
	}
	if ((store = X509_STORE_new()) == NULL)
		abort();
	for (i = 0; i < sk_X509_num(chain); i++)
		if (X509_check_issued(sk_X509_value(chain, i),
		        sk_X509_value(chain, i)) == X509_V_OK)
			X509_STORE_add_cert(store, sk_X509_value(chain, i));
	if (OCSP_basic_verify(bs, chain, store, 0) != 1) {
		ERR_clear_error();
		printf("  OCSP: the answer from %s is not signed by the CA\n",
		    url);
		goto out;
	}
	if ((id = OCSP_cert_to_id(NULL, cert, issuer)) == NULL ||
	    OCSP_resp_find_status(
	        bs, id, &st, &reason, &rev, &thisupd, &nextupd) != 1) {
		printf("  OCSP: the answer does not name this certificate\n");
		goto out;
	}
	printf("  OCSP status: %s (from %s)\n", OCSP_cert_status_str(st), url);
	if (st == V_OCSP_CERTSTATUS_REVOKED && reason >= 0)
		printf(
		    "  revocation reason: %s\n", OCSP_crl_reason_str(reason));
out:
	X509_email_free(urls);
	OCSP_CERTID_free(id);
	OCSP_REQUEST_free(req);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	X509_STORE_free(store);
	OPENSSL_free(der);
	free(ans);
	tokclient_free(c);
}

int
tokcmd_info(const struct tokcmd_opts *o)
{
	char label[P11_TOKEN_LABEL_MAX + 1], hex[TOKCMD_HEX_MAX];
	char oid[TOKCMD_OID_LEN];
	STACK_OF(X509) *chain = NULL;
	CERTIFICATEPOLICIES *pol = NULL;
	struct problem p;
	struct p11 *t = NULL;
	X509 *cert = NULL;
	char *email = NULL;
	int i, rc = TOKCMD_FAIL;

	problem_clear(&p);
	if (tokcmd_pick(o, label, &p) == -1 ||
	    (t = p11_open(o->module, label, NULL, &p)) == NULL ||
	    tokcmd_load(t, NULL, &cert, &chain, &p) == -1) {
		rc = tokcmd_report(&p);
		goto out;
	}
	tokcmd_serial(cert, hex);
	printf("certificate on token \"%s\":\n", label);
	tokcmd_print_name("  subject: ", X509_get_subject_name(cert));
	tokcmd_print_name("  issuer: ", X509_get_issuer_name(cert));
	printf("  serial: %s\n", hex);
	tokcmd_print_time("  not before: ", X509_get0_notBefore(cert));
	tokcmd_print_time("  not after: ", X509_get0_notAfter(cert));
	if ((email = tokcmd_email(cert)) != NULL)
		printf("  e-mail: %s\n", email);
	if ((pol = X509_get_ext_d2i(
	         cert, NID_certificate_policies, NULL, NULL)) != NULL)
		for (i = 0; i < sk_POLICYINFO_num(pol); i++) {
			OBJ_obj2txt(oid, sizeof(oid),
			    sk_POLICYINFO_value(pol, i)->policyid, 1);
			printf("  policy: %s\n", oid);
		}
	p11_close(t); /* no session is held during the network call */
	t = NULL;
	tokcmd_ocsp(cert, chain, o->server_ca);
	rc = TOKCMD_OK;
out:
	CERTIFICATEPOLICIES_free(pol);
	free(email);
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
	p11_close(t);
	return rc;
}
