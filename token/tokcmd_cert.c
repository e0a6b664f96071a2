#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ca/pkcs11.h"
#include "ca/signer.h"
#include "common/logger.h"
#include "common/xmalloc.h"
#include "token/tokclient_http.h"
#include "token/tokcmd.h"
#include "token/tokcmd_cert.h"
#include "token/tokcmd_load.h"
#include "token/tokdev.h"

/* A PEM PKCS#10 request for the signer's key, signed on the token. */
static char *
tokcmd_csr(struct signer *s, struct problem *p)
{
	X509_REQ *req = NULL;
	X509_NAME *name;
	BIO *b = NULL;
	char *data, *pem = NULL;
	long n;

	if ((req = X509_REQ_new()) == NULL ||
	    X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1 ||
	    (name = X509_REQ_get_subject_name(req)) == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	        (const unsigned char *)"rxca-token", -1, -1, 0) != 1 ||
	    X509_REQ_set_pubkey(req, signer_pubkey(s)) != 1) {
		log_openssl("token: cannot build the request");
		problem_internal(p);
		goto out;
	}
	if (signer_sign_req(s, req, p) == -1)
		goto out;
	if (X509_REQ_verify(req, signer_pubkey(s)) != 1) {
		log_openssl("token: the request does not verify");
		problem_internal(p);
		goto out;
	}
	if ((b = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509_REQ(b, req) != 1) {
		problem_internal(p);
		goto out;
	}
	n = BIO_get_mem_data(b, &data);
	pem = xstrndup(data, (size_t)n);
out:
	BIO_free(b);
	X509_REQ_free(req);
	return pem;
}

static X509 *
tokcmd_pem_cert(const char *pem)
{
	BIO *b;
	X509 *x = NULL;

	if (pem != NULL && (b = BIO_new_mem_buf(pem, -1)) != NULL) {
		x = PEM_read_bio_X509(b, NULL, NULL, NULL);
		BIO_free(b);
	}
	return x;
}

/*
 * Checks what the server sent: leaf for pub, chained by issuing to root
 * (self-signed; equal to the root in the file pinned, if given), for
 * signing.
 */
static int
tokcmd_check_chain(X509 *leaf, X509 *issuing, X509 *root, const char *pinned,
    const char *pinned_sha256, EVP_PKEY *pub, struct problem *p)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned int mdlen = 0, i;
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *untrusted = NULL;
	X509 *want = NULL;
	FILE *f;
	int rc = -1;

	if (EVP_PKEY_eq(X509_get0_pubkey(leaf), pub) != 1) {
		problem_set(p, 502, "bad-certificate", "Wrong certificate",
		    "The server's certificate is not for the key on the "
		    "token.");
		goto out;
	}
	if (pinned != NULL) {
		if ((f = fopen(pinned, "r")) == NULL ||
		    (want = PEM_read_X509(f, NULL, NULL, NULL)) == NULL) {
			if (f != NULL)
				fclose(f);
			problem_field(p, "root", "Cannot read %s.", pinned);
			goto out;
		}
		fclose(f);
		if (X509_cmp(want, root) != 0) {
			problem_set(p, 502, "bad-chain",
			    "Chain does not verify",
			    "The server's root CA is not the one expected.");
			goto out;
		}
	}
	if (pinned_sha256 != NULL) {
		if (X509_digest(root, EVP_sha256(), md, &mdlen) != 1) {
			problem_internal(p);
			goto out;
		}
		for (i = 0; i < mdlen; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
		if (strcmp(hex, pinned_sha256) != 0) {
			problem_set(p, 502, "bad-chain",
			    "Chain does not verify",
			    "The server's root CA is not the one pinned in "
			    "root_sha256.");
			goto out;
		}
	}
	if ((store = X509_STORE_new()) == NULL ||
	    X509_STORE_add_cert(store, root) != 1 ||
	    (untrusted = sk_X509_new_null()) == NULL ||
	    sk_X509_push(untrusted, issuing) <= 0 ||
	    (ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1 ||
	    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SMIME_SIGN) != 1) {
		log_openssl("token: cannot check the chain");
		problem_internal(p);
		goto out;
	}
	if (X509_verify_cert(ctx) != 1) {
		problem_set(p, 502, "bad-chain", "Chain does not verify",
		    "The server's certificate does not verify: %s.",
		    X509_verify_cert_error_string(
		        X509_STORE_CTX_get_error(ctx)));
		goto out;
	}
	rc = 0;
out:
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	X509_STORE_free(store);
	X509_free(want);
	return rc;
}

/* Stores a CA certificate unless one is there under label. */
static int
tokcmd_store_ca(struct p11 *t, const char *label, X509 *x, struct problem *p)
{
	if (p11_store_cert(t, label, x, p) == 0)
		return 0;
	if (p->status == 409) {
		problem_clear(p);
		return 0;
	}
	return -1;
}

/* 1 if the server's problem reply is of the type slug (its "type" URI
 * ends in /slug). */
static int
tokcmd_refused_as(json_t *reply, const char *slug)
{
	const char *type = json_string_value(json_object_get(reply, "type"));
	size_t n = type != NULL ? strlen(type) : 0, m = strlen(slug);

	return n > m && type[n - m - 1] == '/' &&
	    strcmp(type + n - m, slug) == 0;
}

/* Posts body to path (with bearer, if not NULL); the certificate and chain
 * of the answer on success. */
static int
tokcmd_post_cert(struct tokclient *c, const char *path, const char *bearer,
    json_t *body, X509 **leaf, X509 **issuing, X509 **root, int *created,
    struct problem *p)
{
	json_t *reply = NULL, *chain;
	long status = 0;
	int rc = -1;

	if (tokclient_json(c, "POST", path, bearer, body, &status, &reply, p) ==
	    -1)
		goto out;
	if (status != 200 && status != 201) {
		tokcmd_server_refused(status, reply, p);
		/* A key the server certified before: tokcmd_retrieve_token()
		 * then makes another. */
		if (status == 409 &&
		    tokcmd_refused_as(reply, "key-already-certified"))
			snprintf(p->type, sizeof(p->type), "%s",
			    "key-already-certified");
		goto out;
	}
	chain = json_object_get(reply, "chain");
	*leaf = tokcmd_pem_cert(
	    json_string_value(json_object_get(reply, "certificate")));
	*issuing = tokcmd_pem_cert(json_string_value(json_array_get(chain, 0)));
	*root = tokcmd_pem_cert(json_string_value(json_array_get(chain, 1)));
	if (*leaf == NULL || *issuing == NULL || *root == NULL) {
		problem_set(p, 502, "bad-answer", "Unexpected answer",
		    "The server's answer holds no usable certificate.");
		goto out;
	}
	*created = status == 201;
	rc = 0;
out:
	json_decref(reply);
	return rc;
}

/*
 * The key evidence sent with a CSR made on token t: client-asserted, with
 * the token's model, serial and manufacturer as its PKCS#11 token info
 * says (the server records them on the certificate).  A new reference,
 * or NULL with p set.
 */
static json_t *
tokcmd_evidence(struct p11 *t, struct problem *p)
{
	struct p11_token_info info;
	json_t *o;

	if (p11_info(t, &info, p) == -1)
		return NULL;
	if ((o = json_pack("{s:s, s:{s:s, s:s, s:s}}", "kind",
	         "client-asserted", "token", "model", info.model, "serial",
	         info.serial, "manufacturer", info.manufacturer)) == NULL)
		abort();
	return o;
}

/* Posts the retrieval; the certificate and chain on success. */
static int
tokcmd_post_retrieval(struct tokclient *c, struct p11 *t, const char *code,
    const char *password, const char *csr, X509 **leaf, X509 **issuing,
    X509 **root, int *created, struct problem *p)
{
	json_t *body, *ev;
	int rc;

	if ((ev = tokcmd_evidence(t, p)) == NULL)
		return -1;
	body = json_pack("{s:s, s:s, s:s, s:o}", "activation_code", code,
	    "password", password, "csr", csr, "key_evidence", ev);
	if (body == NULL)
		abort();
	rc = tokcmd_post_cert(
	    c, "/v1/retrievals", NULL, body, leaf, issuing, root, created, p);
	json_decref(body);
	return rc;
}

/* Stores leaf under label unless it is there already (*stored 0): a
 * retry of the same kit with the same pair.  Another certificate under
 * label is refused (409 label-exists). */
static int
tokcmd_store_leaf(struct p11 *t, const char *label, X509 *leaf, int *stored,
    struct problem *p)
{
	X509 *have;
	int same;

	*stored = 0;
	if ((have = p11_find_cert(t, label, p)) == NULL) {
		if (p->status != 404)
			return -1;
		problem_clear(p);
		if (p11_store_cert(t, label, leaf, p) == -1)
			return -1;
		*stored = 1;
		return 0;
	}
	same = X509_cmp(have, leaf) == 0;
	X509_free(have);
	if (!same)
		return problem_set(p, 409, "label-exists", "Label exists",
		    "Another certificate is stored under \"%s\".", label);
	return 0;
}

/*
 * The retrieval's exchange with the pair labelled label: a CSR signed on
 * token t, posted with code and password to /v1/retrievals, the answer's
 * chain checked against o's root pins, then the certificate stored under
 * label and the CA certificates beside it.  The server answers a CSR it
 * already certified for this kit with the same certificate, so a rerun
 * finishes the same retrieval.  0 with out's leaf, created and stored
 * set, or -1 with p set.
 */
static int
tokcmd_fetch(const struct tokcmd_opts *o, struct tokclient *c, struct p11 *t,
    const char *label, const char *code, const char *password,
    struct tokcmd_retrieval *out, struct problem *p)
{
	X509 *issuing = NULL, *root = NULL;
	struct signer *s;
	char *csr = NULL;
	int rc = -1;

	if ((s = signer_from_p11(t, label, p)) == NULL)
		return -1;
	if ((csr = tokcmd_csr(s, p)) == NULL ||
	    tokcmd_post_retrieval(c, t, code, password, csr, &out->leaf,
	        &issuing, &root, &out->created, p) == -1 ||
	    tokcmd_check_chain(out->leaf, issuing, root, o->root,
	        o->root_sha256, signer_pubkey(s), p) == -1)
		goto out;
	tokcmd_fault("after-issue");
	if (tokcmd_store_leaf(t, label, out->leaf, &out->stored, p) == -1 ||
	    tokcmd_store_ca(t, TOKDEV_ISSUING, issuing, p) == -1 ||
	    tokcmd_store_ca(t, TOKDEV_ROOT, root, p) == -1)
		goto out;
	snprintf(out->key, sizeof(out->key), "%s", label);
	rc = 0;
out:
	if (rc == -1) {
		X509_free(out->leaf);
		out->leaf = NULL;
	}
	free(csr);
	signer_free(s);
	X509_free(issuing);
	X509_free(root);
	return rc;
}

/* What tokcmd_retrieve_token() is doing, to say (NULL: nothing). */
static void
tokcmd_say(FILE *say, const char *fmt, ...)
{
	va_list ap;

	if (say == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(say, fmt, ap);
	va_end(ap);
	fflush(say);
}

/*
 * Makes the pair label on t (EC P-256, sensitive, never extractable),
 * said on say, for a retrieval or a renewal; label NULL: the next free
 * generation TOKDEV_KEY "-N" after sc's, into next.  0 with *made set
 * (made may be NULL), or -1 with p set.
 */
static int
tokcmd_make_pair(struct p11 *t, const char *label, const struct tokcmd_scan *sc,
    char next[P11_LABEL_MAX + 1], FILE *say, int *made, struct problem *p)
{
	EVP_PKEY *key;

	if (label == NULL) {
		snprintf(
		    next, P11_LABEL_MAX + 1, "%s-%lu", TOKDEV_KEY, sc->next);
		label = next;
	}
	tokcmd_say(say, "Generating the key pair %s on the token...\n", label);
	if ((key = p11_keygen(t, label, P11_KEY_P256, p)) == NULL)
		return -1;
	EVP_PKEY_free(key);
	if (made != NULL)
		*made = 1;
	tokcmd_say(say,
	    "Key pair generated on the token (EC P-256; the "
	    "private key never leaves it).\n");
	tokcmd_fault("after-keygen");
	return 0;
}

int
tokcmd_retrieve_token(const struct tokcmd_opts *o, struct tokclient *c,
    struct p11 *t, const char *code, const char *password, int make, FILE *say,
    struct tokcmd_retrieval *out, struct problem *p)
{
	char newkey[P11_LABEL_MAX + 1];
	const char *label = NULL; /* the pair, once known */
	struct tokcmd_scan sc;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (tokcmd_scan(t, &sc, p) == -1) {
		if (p->status != 404)
			goto out;
		problem_clear(p); /* no certificate yet */
	}
	if (sc.pending[0] != '\0') {
		/* The key step's pair, or an earlier try's. */
		label = sc.pending;
		out->resumed = 1;
		tokcmd_say(say,
		    "Using the key pair %s already generated on the token (an "
		    "earlier retrieval did not finish).\n",
		    label);
	} else if (sc.cert == NULL) {
		if (!make) {
			problem_set(p, 409, "key-missing", "No key yet", "%s",
			    "Make the key pair on the token first.");
			goto out;
		}
		label = TOKDEV_KEY;
		if (tokcmd_make_pair(
		        t, label, &sc, newkey, say, &out->made, p) == -1)
			goto out;
	}
	tokcmd_say(say, "Retrieving the certificate from %s...\n", o->server);
	if (label != NULL) {
		rc = tokcmd_fetch(o, c, t, label, code, password, out, p);
		goto out;
	}
	/* Every pair certified: the current one, for a rerun of its own
	 * kit; a new kit (a new application on this token) needs a new
	 * pair, since the server certifies a key once. */
	if (tokcmd_fetch(o, c, t, sc.key, code, password, out, p) == 0) {
		rc = 0;
		goto out;
	}
	if (strcmp(p->type, "key-already-certified") != 0)
		goto out;
	problem_clear(p);
	tokcmd_say(say,
	    "The key pairs on this token are certified already; this "
	    "activation code is a new application's.\n");
	if (tokcmd_make_pair(t, NULL, &sc, newkey, say, &out->made, p) == -1)
		goto out;
	rc = tokcmd_fetch(o, c, t, newkey, code, password, out, p);
out:
	tokcmd_scan_free(&sc);
	return rc;
}

int
tokcmd_retrieve(const struct tokcmd_opts *o)
{
	char hex[TOKCMD_HEX_MAX];
	struct tokcmd_retrieval rv = {0};
	struct tokcmd_session sn;
	struct problem p;
	int rc = TOKCMD_FAIL;

	problem_clear(&p);
	if ((rc = tokcmd_open(o, "retrieve",
	         TOKCMD_OPEN_SERVER | TOKCMD_OPEN_CODE | TOKCMD_OPEN_PASSWORD,
	         &sn, &p)) != TOKCMD_OK)
		return rc;
	if (tokcmd_retrieve_token(o, sn.c, sn.t, sn.code, sn.password, 1,
	        stdout, &rv, &p) == -1) {
		rc = tokcmd_report(&p);
		goto out;
	}
	tokcmd_serial(rv.leaf, hex);
	if (!rv.stored) {
		printf("The certificate %s is already on the token; nothing "
		       "to retrieve.\n",
		    hex);
		rc = TOKCMD_OK;
		goto out;
	}
	printf("%s certificate %s is stored on the token.\n",
	    rv.created ? "The" : "The same (already issued)", hex);
	tokcmd_print_name("  subject: ", X509_get_subject_name(rv.leaf));
	tokcmd_print_time("  valid until: ", X509_get0_notAfter(rv.leaf));
	printf("Now test it: rxca-token test --server %s\n", o->server);
	rc = TOKCMD_OK;
out:
	X509_free(rv.leaf);
	tokcmd_close(&sn);
	return rc;
}

/* The DER of PEM request csr, signed with s (the current key): base64,
 * or NULL with p set.  Caller frees. */
static char *
tokcmd_possession(struct signer *s, const char *csr, struct problem *p)
{
	X509_REQ *req = NULL;
	BIO *b = NULL;
	unsigned char *der = NULL, *sig = NULL;
	size_t siglen = 0;
	char *out = NULL;
	int n;

	if ((b = BIO_new_mem_buf(csr, -1)) == NULL ||
	    (req = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL)) == NULL ||
	    (n = i2d_X509_REQ(req, &der)) <= 0) {
		problem_internal(p);
		goto out;
	}
	if (signer_sign(s, der, (size_t)n, &sig, &siglen, p) == -1)
		goto out;
	out = tokcmd_b64(sig, siglen);
out:
	OPENSSL_free(sig);
	OPENSSL_free(der);
	X509_REQ_free(req);
	BIO_free(b);
	return out;
}

int
tokcmd_renew_token(const struct tokcmd_opts *o, struct tokclient *c,
    struct p11 *t, const char *password, struct tokcmd_renewal *out,
    struct problem *p)
{
	char newkey[P11_LABEL_MAX + 1];
	struct tokcmd_scan sc;
	struct signer *cur = NULL, *s = NULL;
	X509 *cert = NULL, *issuing = NULL, *root = NULL;
	json_t *body = NULL, *ev = NULL;
	char *email = NULL, *bearer = NULL, *csr = NULL, *sig = NULL;
	char *path = NULL;
	int rc = -1;

	memset(&sc, 0, sizeof(sc));
	memset(out, 0, sizeof(*out));
	if (tokcmd_scan(t, &sc, p) == -1 ||
	    (cur = signer_from_p11(t, sc.key, p)) == NULL)
		goto out;
	cert = sc.cert;
	sc.cert = NULL;
	tokcmd_serial(cert, out->old);
	if (sc.older_valid && sc.pending[0] == '\0') {
		out->current = 1;
		rc = 0;
		goto out;
	}
	if (sc.pending[0] != '\0') {
		memcpy(newkey, sc.pending, sizeof(newkey));
		if ((s = signer_from_p11(t, newkey, p)) == NULL)
			goto out;
		out->resumed = 1;
	} else if (tokcmd_make_pair(t, NULL, &sc, newkey, NULL, NULL, p) ==
	        -1 ||
	    (s = signer_from_p11(t, newkey, p)) == NULL)
		goto out;
	email = o->email != NULL ? xstrdup(o->email) : tokcmd_email(cert);
	if (email == NULL && o->app_id == NULL) {
		problem_field(p, "email",
		    "The certificate names no e-mail address: give --email or "
		    "--application-id.");
		goto out;
	}
	if ((csr = tokcmd_csr(s, p)) == NULL ||
	    (sig = tokcmd_possession(cur, csr, p)) == NULL ||
	    (bearer = tokcmd_login(c, email, o->app_id, password, p)) == NULL ||
	    (ev = tokcmd_evidence(t, p)) == NULL)
		goto out;
	if ((body = json_pack("{s:s, s:s, s:o}", "csr", csr, "signature", sig,
	         "key_evidence", ev)) == NULL)
		abort();
	path = xprintf("/v1/certificates/%s/renewal", out->old);
	if (tokcmd_post_cert(c, path, bearer, body, &out->leaf, &issuing, &root,
	        &out->created, p) == -1 ||
	    tokcmd_check_chain(out->leaf, issuing, root, o->root,
	        o->root_sha256, signer_pubkey(s), p) == -1)
		goto out;
	tokcmd_fault("after-issue");
	if (p11_store_cert(t, newkey, out->leaf, p) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1) {
		X509_free(out->leaf);
		out->leaf = NULL;
	}
	json_decref(body);
	free(path);
	free(csr);
	free(sig);
	free(email);
	free(bearer);
	tokcmd_scan_free(&sc);
	X509_free(cert);
	X509_free(issuing);
	X509_free(root);
	signer_free(cur);
	signer_free(s);
	return rc;
}

int
tokcmd_renew(const struct tokcmd_opts *o)
{
	char hex[TOKCMD_HEX_MAX];
	struct tokcmd_session sn;
	struct tokcmd_renewal rn = {0};
	struct problem p;
	int rc;

	problem_clear(&p);
	if ((rc = tokcmd_open(o, "renew",
	         TOKCMD_OPEN_SERVER | TOKCMD_OPEN_PASSWORD, &sn, &p)) !=
	    TOKCMD_OK)
		return rc;
	printf("Renewing the certificate on the token at %s...\n", o->server);
	fflush(stdout);
	if (tokcmd_renew_token(o, sn.c, sn.t, sn.password, &rn, &p) == -1) {
		rc = tokcmd_report(&p);
		goto out;
	}
	if (rn.current) {
		printf("The renewed certificate %s is already on the token and "
		       "in use; nothing to renew.\n",
		    rn.old);
		goto out;
	}
	if (rn.resumed)
		printf("Used the new key pair already generated on the token "
		       "(an earlier renewal did not finish).\n");
	tokcmd_serial(rn.leaf, hex);
	printf("%s renewed certificate %s is stored on the token beside the "
	       "old one, and is now the one in use.\n",
	    rn.created ? "The" : "The same (already issued)", hex);
	tokcmd_print_time("  valid until: ", X509_get0_notAfter(rn.leaf));
out:
	X509_free(rn.leaf);
	tokcmd_close(&sn);
	return rc;
}
