#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ca/signer.h"
#include "token/tokclient_http.h"
#include "token/tokcmd.h"
#include "token/tokcms.h"
#include "token/tokdev.h"
#include "token/tokprompt.h"
#include "token/tokts.h"
#include "common/bounds.h"
#include "common/logger.h"
#include "common/xmalloc.h"

#define TOKCMD_TOKENS_MAX 16   /* tokens `status` lists */
#define TOKCMD_OBJS_MAX   64   /* objects of a kind `status` lists */
#define TOKCMD_PATH_MAX   4096 /* an output path */
#define TOKCMD_TIME_LEN   64   /* a printed time */
#define TOKCMD_GEN_MAX    9999 /* renewals of one token */

int
tokcmd_report(const struct problem *p)
{
	int i;

	fprintf(stderr, "rxca-token: %s: %s\n",
	    p->title[0] != '\0' ? p->title : "error", p->detail);
	for (i = 0; i < p->nfields && i < BOUND_FIELD_ERRORS; i++)
		fprintf(stderr, "  %s: %s\n", p->fields[i].field,
		    p->fields[i].message);
	if (strcmp(p->type, "wrong-passcode") == 0)
		return TOKCMD_WRONG_PASSCODE;
	if (strcmp(p->type, "passcode-initial") == 0)
		return TOKCMD_INITIAL;
	if (strcmp(p->type, "token-locked") == 0)
		return TOKCMD_LOCKED;
	return TOKCMD_FAIL;
}

/* Kills the process at the named point if RXCA_TOKEN_FAULT asks. */
static void
tokcmd_fault(const char *point)
{
	const char *f = getenv("RXCA_TOKEN_FAULT");

	if (f != NULL && strcmp(f, point) == 0) {
		fflush(NULL);
		raise(SIGKILL);
	}
}

char *
tokcmd_b64(const unsigned char *in, size_t len)
{
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return out;
}

int
tokcmd_unb64(const char *in, unsigned char **out, size_t *outlen)
{
	size_t n = strlen(in), pad = 0;
	unsigned char *buf;
	int got;

	*out = NULL;
	*outlen = 0;
	if (n == 0 || n % 4 != 0 || n > TOKCMD_B64_MAX)
		return -1;
	if (in[n - 1] == '=')
		pad++;
	if (in[n - 2] == '=')
		pad++;
	buf = xmalloc(n / 4 * 3 + 1);
	if ((got = EVP_DecodeBlock(buf, (const unsigned char *)in, (int)n)) <
	        0 ||
	    (size_t)got < pad) {
		free(buf);
		return -1;
	}
	*out = buf;
	*outlen = (size_t)got - pad;
	return 0;
}

/* The token to use, into label; -1 after reporting. */
static int
tokcmd_pick(const struct tokcmd_opts *o, char label[P11_TOKEN_LABEL_MAX + 1],
    struct problem *p)
{
	return tokdev_pick(o->module, o->token, label, p);
}

/* Refuses when the initial passcode is unchanged (before asking it). */
static int
tokcmd_not_initial(const char *module, const char *label, struct problem *p)
{
	int initial;

	if ((initial = tokdev_initial(module, label, p)) == -1)
		return -1;
	if (initial)
		return tokdev_refuse_initial(p);
	return 0;
}

void
tokcmd_serial(X509 *x, char out[TOKCMD_HEX_MAX])
{
	const ASN1_INTEGER *ai = X509_get0_serialNumber(x);
	const unsigned char *d = ASN1_STRING_get0_data(ai);
	int len = ASN1_STRING_length(ai), i;
	size_t off = 0;

	for (i = len; i < TOKCMD_SERIAL_HEX / 2; i++) {
		memcpy(out + off, "00", 2);
		off += 2;
	}
	for (i = 0; i < len && off + 3 <= TOKCMD_HEX_MAX; i++) {
		snprintf(out + off, 3, "%02x", d[i]);
		off += 2;
	}
	out[off] = '\0';
}

/* The first rfc822Name of x, or NULL; caller frees. */
static char *
tokcmd_email(X509 *x)
{
	GENERAL_NAMES *gens;
	GENERAL_NAME *g;
	char *out = NULL;
	int i;

	if ((gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL)) ==
	    NULL)
		return NULL;
	for (i = 0; i < sk_GENERAL_NAME_num(gens) && out == NULL; i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (g->type == GEN_EMAIL)
			out = xstrndup((const char *)ASN1_STRING_get0_data(
			                   g->d.rfc822Name),
			    (size_t)ASN1_STRING_length(g->d.rfc822Name));
	}
	GENERAL_NAMES_free(gens);
	return out;
}

void
tokcmd_print_name(const char *what, const X509_NAME *name)
{
	BIO *b = BIO_new_fp(stdout, BIO_NOCLOSE);

	printf("%s", what);
	fflush(stdout);
	if (b != NULL) {
		X509_NAME_print_ex(
		    b, name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
		BIO_free(b);
	}
	printf("\n");
}

static void
tokcmd_print_time(const char *what, const ASN1_TIME *t)
{
	BIO *b = BIO_new_fp(stdout, BIO_NOCLOSE);

	printf("%s", what);
	fflush(stdout);
	if (b != NULL) {
		ASN1_TIME_print(b, t);
		BIO_free(b);
	}
	printf("\n");
}

/* Prints the answer of the server that refused. */
static int
tokcmd_server_refused(long status, json_t *reply, struct problem *p)
{
	const char *title = NULL, *detail = NULL;
	json_t *left;

	if (reply != NULL) {
		title = json_string_value(json_object_get(reply, "title"));
		detail = json_string_value(json_object_get(reply, "detail"));
	}
	problem_set(p, (int)status, "server-refused",
	    title != NULL ? "The server refused" : "Unexpected answer",
	    "%s%s%s (HTTP %ld)", title != NULL ? title : "",
	    detail != NULL ? ": " : "", detail != NULL ? detail : "", status);
	if (reply != NULL &&
	    (left = json_object_get(reply, "attempts_left")) != NULL &&
	    json_is_integer(left))
		problem_field(p, "attempts_left", "%lld tries left",
		    (long long)json_integer_value(left));
	return -1;
}

/* The key pairs rxca keeps on the token, with their certificates: the
 * current credential is one of them. */
struct tokcmd_scan {
	char key[P11_LABEL_MAX + 1];     /* the current pair, or "" */
	X509 *cert;                      /* its certificate */
	int older_valid;                 /* an older one is still valid */
	char pending[P11_LABEL_MAX + 1]; /* a pair without certificate */
	unsigned long next;              /* the next free generation */
};

/* The generation of label in the family TOKDEV_KEY[-N]: 1 for TOKDEV_KEY,
 * N for TOKDEV_KEY-N, 0 for another member (rxca-signing-renewed, an
 * earlier release), -1 outside. */
static long
tokcmd_generation(const char *label)
{
	size_t n = strlen(TOKDEV_KEY);
	unsigned long g;
	char *end;

	if (strncmp(label, TOKDEV_KEY, n) != 0)
		return -1;
	if (label[n] == '\0')
		return 1;
	if (label[n] != '-' || label[n + 1] == '\0')
		return -1;
	if (label[n + 1] < '1' || label[n + 1] > '9')
		return 0;
	errno = 0;
	g = strtoul(label + n + 1, &end, 10);
	if (errno != 0 || *end != '\0' || g > TOKCMD_GEN_MAX)
		return 0;
	return (long)g;
}

/* 1 if x is valid now. */
static int
tokcmd_valid_now(X509 *x)
{
	return X509_cmp_current_time(X509_get0_notBefore(x)) < 0 &&
	    X509_cmp_current_time(X509_get0_notAfter(x)) > 0;
}

/* 1 if a should be the current credential rather than b: valid now
 * before not, then the later notBefore, then the later notAfter. */
static int
tokcmd_better(X509 *a, long ga, X509 *b, long gb)
{
	int va = tokcmd_valid_now(a), vb = tokcmd_valid_now(b), c;

	if (va != vb)
		return va;
	if ((c = ASN1_TIME_compare(
	         X509_get0_notBefore(a), X509_get0_notBefore(b))) != 0)
		return c > 0;
	if ((c = ASN1_TIME_compare(
	         X509_get0_notAfter(a), X509_get0_notAfter(b))) != 0)
		return c > 0;
	/* Issued in the same second (a renewal right after a retrieval):
	 * the later generation of the label is the newer. */
	return ga > gb;
}

static void
tokcmd_scan_free(struct tokcmd_scan *sc)
{
	X509_free(sc->cert);
	sc->cert = NULL;
}

/* 1 if label is among the n labels. */
static int
tokcmd_listed(char (*labels)[P11_LABEL_MAX + 1], size_t n, const char *label)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(labels[i], label) == 0)
			return 1;
	return 0;
}

/*
 * Every key pair of the family on t: the current credential (the newest
 * certificate valid now, else the newest) into sc.  Returns 0, or -1
 * with p set; sc is freed with tokcmd_scan_free() either way.
 */
static int
tokcmd_scan(struct p11 *t, struct tokcmd_scan *sc, struct problem *p)
{
	char(*keys)[P11_LABEL_MAX + 1] = NULL;
	char(*certs)[P11_LABEL_MAX + 1] = NULL;
	X509 **x = NULL;
	size_t nkeys = 0, ncerts = 0, i, j;
	long g, best = -1;
	int rc = -1;

	memset(sc, 0, sizeof(*sc));
	sc->next = 2;
	keys = xcalloc(TOKCMD_OBJS_MAX, sizeof(*keys));
	certs = xcalloc(TOKCMD_OBJS_MAX, sizeof(*certs));
	x = xcalloc(TOKCMD_OBJS_MAX, sizeof(*x));
	if (p11_labels(t, P11_OBJ_PUBLIC_KEY, keys, TOKCMD_OBJS_MAX, &nkeys,
	        p) == -1 ||
	    p11_labels(t, P11_OBJ_CERTIFICATE, certs, TOKCMD_OBJS_MAX, &ncerts,
	        p) == -1)
		goto out;
	for (i = 0; i < nkeys; i++) {
		if ((g = tokcmd_generation(keys[i])) == -1)
			continue;
		if (g > 0 && (unsigned long)g >= sc->next)
			sc->next = (unsigned long)g + 1;
		if (!tokcmd_listed(certs, ncerts, keys[i]))
			memcpy(sc->pending, keys[i], sizeof(sc->pending));
	}
	for (i = 0; i < ncerts; i++) {
		if ((g = tokcmd_generation(certs[i])) == -1 ||
		    !tokcmd_listed(keys, nkeys, certs[i]))
			continue;
		if (g > 0 && (unsigned long)g >= sc->next)
			sc->next = (unsigned long)g + 1;
		if ((x[i] = p11_find_cert(t, certs[i], p)) == NULL)
			goto out;
		if (sc->cert == NULL ||
		    tokcmd_better(x[i], g, sc->cert, best)) {
			sc->cert = x[i];
			best = g;
			memcpy(sc->key, certs[i], sizeof(sc->key));
		}
	}
	for (j = 0; j < ncerts && sc->cert != NULL; j++)
		if (x[j] != NULL && x[j] != sc->cert &&
		    tokcmd_valid_now(x[j]) &&
		    ASN1_TIME_compare(X509_get0_notBefore(x[j]),
		        X509_get0_notBefore(sc->cert)) < 0)
			sc->older_valid = 1;
	if (sc->cert == NULL) {
		problem_clear(p);
		problem_set(p, 404, "no-certificate", "No certificate",
		    "No certificate has been retrieved onto this token yet: "
		    "run `rxca-token retrieve`.");
		goto out;
	}
	if (X509_up_ref(sc->cert) != 1)
		abort();
	rc = 0;
out:
	if (rc == -1)
		sc->cert = NULL;
	for (i = 0; i < TOKCMD_OBJS_MAX; i++)
		X509_free(x[i]);
	free(x);
	free(keys);
	free(certs);
	return rc;
}

int
tokcmd_load(struct p11 *t, char key[P11_LABEL_MAX + 1], X509 **cert,
    STACK_OF(X509) * *chain, struct problem *p)
{
	static const char *const ca[] = {TOKDEV_ISSUING, TOKDEV_ROOT};
	struct tokcmd_scan sc;
	struct problem scratch;
	X509 *x;
	size_t i;

	*chain = NULL;
	*cert = NULL;
	if (tokcmd_scan(t, &sc, p) == -1) {
		tokcmd_scan_free(&sc);
		return -1;
	}
	if (key != NULL)
		memcpy(key, sc.key, P11_LABEL_MAX + 1);
	*cert = sc.cert;
	if ((*chain = sk_X509_new_null()) == NULL)
		abort();
	for (i = 0; i < sizeof(ca) / sizeof(ca[0]); i++) {
		problem_clear(&scratch);
		if ((x = p11_find_cert(t, ca[i], &scratch)) != NULL &&
		    sk_X509_push(*chain, x) <= 0)
			abort();
	}
	return 0;
}

int
tokcmd_status(const struct tokcmd_opts *o)
{
	struct p11_token_info tok[TOKCMD_TOKENS_MAX];
	char(*labels)[P11_LABEL_MAX + 1] = NULL;
	static const struct {
		enum p11_object_kind kind;
		const char *name;
	} kinds[] = {{P11_OBJ_PUBLIC_KEY, "key"},
	    {P11_OBJ_CERTIFICATE, "certificate"}, {P11_OBJ_DATA, "data"}};
	struct problem p;
	struct p11 *t;
	size_t n = 0, i, k, m, j;
	int initial;

	problem_clear(&p);
	if (p11_list(o->module, tok, TOKCMD_TOKENS_MAX, &n, &p) == -1)
		return tokcmd_report(&p);
	if (n == 0) {
		printf("No token is plugged in.\n");
		return TOKCMD_FAIL;
	}
	labels = xcalloc(TOKCMD_OBJS_MAX, sizeof(*labels));
	for (i = 0; i < n; i++) {
		if (o->token != NULL && strcmp(tok[i].label, o->token) != 0)
			continue;
		printf("slot %lu: ", tok[i].slot);
		if (!tok[i].initialized) {
			printf("a token not yet initialized (%s %s)\n",
			    tok[i].manufacturer, tok[i].model);
			continue;
		}
		printf("token \"%s\", serial %s (%s %s)\n", tok[i].label,
		    tok[i].serial, tok[i].manufacturer, tok[i].model);
		printf("  passcode: %s%s%s%s\n",
		    tok[i].pin_locked ? "LOCKED (the certificate on this "
		                        "token cannot be recovered)"
		        : tok[i].pin_final_try ? "one try left"
		        : tok[i].pin_count_low ? "few tries left"
		                               : "ok",
		    tok[i].pin_initialized ? "" : ", not set",
		    tok[i].pin_to_change ? ", must be changed" : "", "");
		problem_clear(&p);
		if ((t = p11_open(o->module, tok[i].label, NULL, &p)) == NULL) {
			printf("  (cannot open: %s)\n", p.detail);
			continue;
		}
		problem_clear(&p);
		if ((initial = p11_data_exists(t, TOKDEV_MARKER, &p)) == 1)
			printf("  the initial passcode from the retrieval "
			       "letter is unchanged: run `rxca-token "
			       "passcode`\n");
		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			problem_clear(&p);
			if (p11_labels(t, kinds[k].kind, labels,
			        TOKCMD_OBJS_MAX, &m, &p) == -1)
				continue;
			for (j = 0; j < m; j++)
				printf("  %s: %s\n", kinds[k].name,
				    labels[j][0] != '\0' ? labels[j]
				                         : "(no label)");
		}
		p11_close(t);
	}
	free(labels);
	return TOKCMD_OK;
}

int
tokcmd_passcode(const struct tokcmd_opts *o)
{
	char label[P11_TOKEN_LABEL_MAX + 1];
	char old[TOKPROMPT_MAX + 1], new1[TOKPROMPT_MAX + 1];
	char new2[TOKPROMPT_MAX + 1];
	struct p11_token_info info;
	struct problem p;
	struct p11 *t = NULL;
	size_t len;
	int initial, rc = TOKCMD_FAIL;

	problem_clear(&p);
	old[0] = new1[0] = new2[0] = '\0';
	if (tokcmd_pick(o, label, &p) == -1 ||
	    (initial = tokdev_initial(o->module, label, &p)) == -1)
		return tokcmd_report(&p);
	if (initial)
		printf("For security reasons you must change the token "
		       "passcode of your new token.\n");
	if (tokprompt_secret(initial ? "current token passcode (from the "
	                               "retrieval letter)"
	                             : "current token passcode",
	        o->passcode_fd, old, sizeof(old)) == -1 ||
	    tokprompt_secret("new token passcode", o->new_passcode_fd, new1,
	        sizeof(new1)) == -1)
		goto out;
	if (tokprompt_interactive(o->new_passcode_fd)) {
		if (tokprompt_secret("new token passcode again",
		        o->new_passcode_fd, new2, sizeof(new2)) == -1)
			goto out;
		if (strcmp(new1, new2) != 0) {
			fprintf(stderr,
			    "rxca-token: the two new passcodes "
			    "differ; nothing changed\n");
			goto out;
		}
	}
	len = strlen(new1);
	if (len < TOKDEV_PASSCODE_MIN || len > P11_PIN_MAX) {
		problem_field(&p, "new_passcode",
		    "A token passcode is %d to %d characters.",
		    TOKDEV_PASSCODE_MIN, P11_PIN_MAX);
		rc = tokcmd_report(&p);
		goto out;
	}
	if (strcmp(old, new1) == 0) {
		problem_field(&p, "new_passcode",
		    "The new passcode must differ from the current one.");
		rc = tokcmd_report(&p);
		goto out;
	}
	if ((t = tokdev_open(o->module, label, old, 1, &p)) == NULL) {
		rc = tokcmd_report(&p);
		goto out;
	}
	if (p11_info(t, &info, &p) == 0 && info.pin_max > 0 &&
	    (len < info.pin_min || len > info.pin_max)) {
		problem_field(&p, "new_passcode",
		    "This token takes a passcode of %lu to %lu characters.",
		    info.pin_min, info.pin_max);
		rc = tokcmd_report(&p);
		goto out;
	}
	problem_clear(&p);
	if (p11_set_pin(t, old, new1, &p) == -1 ||
	    p11_data_remove(t, TOKDEV_MARKER, &p) == -1) {
		rc = tokcmd_report(&p);
		goto out;
	}
	printf("The token passcode is changed. Remember it: if it is "
	       "forgotten, the token locks and the certificate on it cannot "
	       "be recovered.\n");
	rc = TOKCMD_OK;
out:
	p11_close(t);
	OPENSSL_cleanse(old, sizeof(old));
	OPENSSL_cleanse(new1, sizeof(new1));
	OPENSSL_cleanse(new2, sizeof(new2));
	return rc;
}

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
    EVP_PKEY *pub, struct problem *p)
{
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
			problem_set(p, 502, "bad-chain", "Unknown root",
			    "The server's root CA is not the one expected.");
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

/* Posts the retrieval; the certificate and chain on success. */
static int
tokcmd_post_retrieval(struct tokclient *c, const char *code,
    const char *password, const char *csr, X509 **leaf, X509 **issuing,
    X509 **root, int *created, struct problem *p)
{
	json_t *body;
	int rc;

	body = json_pack("{s:s, s:s, s:s}", "activation_code", code, "password",
	    password, "csr", csr);
	if (body == NULL)
		abort();
	rc = tokcmd_post_cert(
	    c, "/v1/retrievals", NULL, body, leaf, issuing, root, created, p);
	json_decref(body);
	return rc;
}

int
tokcmd_retrieve(const struct tokcmd_opts *o)
{
	char label[P11_TOKEN_LABEL_MAX + 1], hex[TOKCMD_HEX_MAX];
	char passcode[TOKPROMPT_MAX + 1], code[TOKPROMPT_MAX + 1];
	char password[TOKPROMPT_MAX + 1];
	struct tokclient *c = NULL;
	struct signer *s = NULL;
	struct problem p;
	struct p11 *t = NULL;
	X509 *have = NULL, *leaf = NULL, *issuing = NULL, *root = NULL;
	EVP_PKEY *made = NULL;
	char *csr = NULL;
	int created = 0, rc = TOKCMD_FAIL;

	problem_clear(&p);
	passcode[0] = code[0] = password[0] = '\0';
	if (o->server == NULL) {
		fprintf(stderr, "rxca-token: retrieve needs --server URL\n");
		return TOKCMD_USAGE;
	}
	if ((c = tokclient_new(o->server, o->server_ca, &p)) == NULL ||
	    tokcmd_pick(o, label, &p) == -1 ||
	    tokcmd_not_initial(o->module, label, &p) == -1)
		goto report;
	if (tokprompt_secret("token passcode", o->passcode_fd, passcode,
	        sizeof(passcode)) == -1 ||
	    tokprompt_secret("activation code (from the retrieval letter)",
	        o->code_fd, code, sizeof(code)) == -1 ||
	    tokprompt_secret("account password", o->password_fd, password,
	        sizeof(password)) == -1)
		goto out;
	if ((t = tokdev_open(o->module, label, passcode, 0, &p)) == NULL)
		goto report;
	if ((have = p11_find_cert(t, TOKDEV_KEY, &p)) != NULL) {
		tokcmd_serial(have, hex);
		printf("The certificate %s is already on the token; nothing "
		       "to retrieve.\n",
		    hex);
		rc = TOKCMD_OK;
		goto out;
	}
	if (p.status != 404)
		goto report;
	problem_clear(&p);
	if ((s = signer_from_p11(t, TOKDEV_KEY, &p)) != NULL) {
		printf("Using the key pair already generated on the token "
		       "(an earlier retrieval did not finish).\n");
	} else {
		if (p.status != 404)
			goto report;
		problem_clear(&p);
		printf("Generating the key pair on the token...\n");
		fflush(stdout);
		if ((made = p11_keygen(t, TOKDEV_KEY, P11_KEY_P256, &p)) ==
		    NULL)
			goto report;
		printf("Key pair generated on the token (EC P-256; the "
		       "private key never leaves it).\n");
		fflush(stdout);
		tokcmd_fault("after-keygen");
		if ((s = signer_from_p11(t, TOKDEV_KEY, &p)) == NULL)
			goto report;
	}
	if ((csr = tokcmd_csr(s, &p)) == NULL)
		goto report;
	printf("Retrieving the certificate from %s...\n", o->server);
	fflush(stdout);
	if (tokcmd_post_retrieval(c, code, password, csr, &leaf, &issuing,
	        &root, &created, &p) == -1 ||
	    tokcmd_check_chain(
	        leaf, issuing, root, o->root, signer_pubkey(s), &p) == -1)
		goto report;
	tokcmd_fault("after-issue");
	if (p11_store_cert(t, TOKDEV_KEY, leaf, &p) == -1 ||
	    tokcmd_store_ca(t, TOKDEV_ISSUING, issuing, &p) == -1 ||
	    tokcmd_store_ca(t, TOKDEV_ROOT, root, &p) == -1)
		goto report;
	tokcmd_serial(leaf, hex);
	printf("%s certificate %s is stored on the token.\n",
	    created ? "The" : "The same (already issued)", hex);
	tokcmd_print_name("  subject: ", X509_get_subject_name(leaf));
	tokcmd_print_time("  valid until: ", X509_get0_notAfter(leaf));
	printf("Now test it: rxca-token test --server %s\n", o->server);
	rc = TOKCMD_OK;
	goto out;
report:
	rc = tokcmd_report(&p);
out:
	OPENSSL_cleanse(passcode, sizeof(passcode));
	OPENSSL_cleanse(code, sizeof(code));
	OPENSSL_cleanse(password, sizeof(password));
	free(csr);
	X509_free(have);
	X509_free(leaf);
	X509_free(issuing);
	X509_free(root);
	EVP_PKEY_free(made);
	signer_free(s);
	p11_close(t);
	tokclient_free(c);
	return rc;
}

/* A session token for the account: by application id or e-mail. */
static char *
tokcmd_login(struct tokclient *c, const char *email, const char *app_id,
    const char *password, struct problem *p)
{
	json_t *body, *reply = NULL;
	const char *tok;
	char *out = NULL;
	long status = 0;

	if (app_id != NULL)
		body = json_pack("{s:s, s:s}", "application_id", app_id,
		    "password", password);
	else
		body = json_pack(
		    "{s:s, s:s}", "email", email, "password", password);
	if (body == NULL)
		abort();
	if (tokclient_json(c, "POST", "/v1/sessions", NULL, body, &status,
	        &reply, p) == -1)
		goto out;
	if (status != 200 && status != 201) {
		tokcmd_server_refused(status, reply, p);
		goto out;
	}
	if ((tok = json_string_value(json_object_get(reply, "token"))) ==
	    NULL) {
		problem_set(p, 502, "bad-answer", "Unexpected answer",
		    "The server's log-in answer has no token.");
		goto out;
	}
	out = xstrdup(tok);
out:
	json_decref(body);
	json_decref(reply);
	return out;
}

/* Asks the server for a challenge, signs it on the token, sends it. */
static int
tokcmd_challenge(struct tokclient *c, const char *bearer, const char *serial,
    struct signer *s, struct problem *p)
{
	json_t *reply = NULL, *ans = NULL, *body = NULL;
	unsigned char *nonce = NULL, *sig = NULL;
	size_t nlen = 0, siglen = 0;
	const char *id, *b64;
	char *path = NULL, *sig64 = NULL;
	long status = 0;
	int rc = -1;

	path = xprintf("/v1/certificates/%s/challenges", serial);
	if (tokclient_json(c, "POST", path, bearer, NULL, &status, &reply, p) ==
	    -1)
		goto out;
	if (status != 201 && status != 200) {
		tokcmd_server_refused(status, reply, p);
		goto out;
	}
	id = json_string_value(json_object_get(reply, "id"));
	b64 = json_string_value(json_object_get(reply, "nonce"));
	if (id == NULL || b64 == NULL ||
	    tokcmd_unb64(b64, &nonce, &nlen) == -1 ||
	    strlen(id) > BOUND_SHORT) {
		problem_set(p, 502, "bad-answer", "Unexpected answer",
		    "The server's challenge is not usable.");
		goto out;
	}
	if (signer_sign(s, nonce, nlen, &sig, &siglen, p) == -1)
		goto out;
	sig64 = tokcmd_b64(sig, siglen);
	free(path);
	path = xprintf("/v1/certificates/%s/challenges/%s", serial, id);
	if ((body = json_pack("{s:s}", "signature", sig64)) == NULL)
		abort();
	if (tokclient_json(c, "POST", path, bearer, body, &status, &ans, p) ==
	    -1)
		goto out;
	if (status != 200 || !json_is_true(json_object_get(ans, "valid"))) {
		tokcmd_server_refused(status, ans, p);
		goto out;
	}
	rc = 0;
out:
	json_decref(reply);
	json_decref(ans);
	json_decref(body);
	free(nonce);
	OPENSSL_free(sig);
	free(sig64);
	free(path);
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
tokcmd_renew(const struct tokcmd_opts *o)
{
	char label[P11_TOKEN_LABEL_MAX + 1], hex[TOKCMD_HEX_MAX];
	char newkey[P11_LABEL_MAX + 1];
	struct tokcmd_scan sc;
	char passcode[TOKPROMPT_MAX + 1], password[TOKPROMPT_MAX + 1];
	struct tokclient *c = NULL;
	struct signer *cur = NULL, *s = NULL;
	struct problem p;
	struct p11 *t = NULL;
	X509 *cert = NULL, *leaf = NULL, *issuing = NULL;
	X509 *root = NULL;
	EVP_PKEY *made = NULL;
	json_t *body = NULL;
	char *email = NULL, *bearer = NULL, *csr = NULL, *sig = NULL;
	char *path = NULL;
	int created = 0, rc = TOKCMD_FAIL;

	problem_clear(&p);
	memset(&sc, 0, sizeof(sc));
	passcode[0] = password[0] = '\0';
	if (o->server == NULL) {
		fprintf(stderr, "rxca-token: renew needs --server URL\n");
		return TOKCMD_USAGE;
	}
	if ((c = tokclient_new(o->server, o->server_ca, &p)) == NULL ||
	    tokcmd_pick(o, label, &p) == -1 ||
	    tokcmd_not_initial(o->module, label, &p) == -1)
		goto report;
	if (tokprompt_secret("token passcode", o->passcode_fd, passcode,
	        sizeof(passcode)) == -1 ||
	    tokprompt_secret("account password", o->password_fd, password,
	        sizeof(password)) == -1)
		goto out;
	if ((t = tokdev_open(o->module, label, passcode, 0, &p)) == NULL ||
	    tokcmd_scan(t, &sc, &p) == -1 ||
	    (cur = signer_from_p11(t, sc.key, &p)) == NULL)
		goto report;
	cert = sc.cert;
	sc.cert = NULL;
	tokcmd_serial(cert, hex);
	if (sc.older_valid && sc.pending[0] == '\0') {
		printf("The renewed certificate %s is already on the token and "
		       "in use; nothing to renew.\n",
		    hex);
		rc = TOKCMD_OK;
		goto out;
	}
	if (sc.pending[0] != '\0') {
		memcpy(newkey, sc.pending, sizeof(newkey));
		if ((s = signer_from_p11(t, newkey, &p)) == NULL)
			goto report;
		printf("Using the new key pair already generated on the token "
		       "(an earlier renewal did not finish).\n");
	} else {
		snprintf(newkey, sizeof(newkey), "%s-%lu", TOKDEV_KEY, sc.next);
		if ((made = p11_keygen(t, newkey, P11_KEY_P256, &p)) == NULL ||
		    (s = signer_from_p11(t, newkey, &p)) == NULL)
			goto report;
		printf("New key pair generated on the token (EC P-256).\n");
		fflush(stdout);
		tokcmd_fault("after-keygen");
	}
	email = o->email != NULL ? xstrdup(o->email) : tokcmd_email(cert);
	if (email == NULL && o->app_id == NULL) {
		problem_field(&p, "email",
		    "The certificate names no e-mail address: give --email or "
		    "--application-id.");
		goto report;
	}
	if ((csr = tokcmd_csr(s, &p)) == NULL ||
	    (sig = tokcmd_possession(cur, csr, &p)) == NULL ||
	    (bearer = tokcmd_login(c, email, o->app_id, password, &p)) == NULL)
		goto report;
	if ((body = json_pack("{s:s, s:s}", "csr", csr, "signature", sig)) ==
	    NULL)
		abort();
	printf("Renewing certificate %s at %s...\n", hex, o->server);
	fflush(stdout);
	path = xprintf("/v1/certificates/%s/renewal", hex);
	if (tokcmd_post_cert(c, path, bearer, body, &leaf, &issuing, &root,
	        &created, &p) == -1 ||
	    tokcmd_check_chain(
	        leaf, issuing, root, o->root, signer_pubkey(s), &p) == -1)
		goto report;
	tokcmd_fault("after-issue");
	if (p11_store_cert(t, newkey, leaf, &p) == -1)
		goto report;
	tokcmd_serial(leaf, hex);
	printf("%s renewed certificate %s is stored on the token beside the "
	       "old one, and is now the one in use.\n",
	    created ? "The" : "The same (already issued)", hex);
	tokcmd_print_time("  valid until: ", X509_get0_notAfter(leaf));
	rc = TOKCMD_OK;
	goto out;
report:
	rc = tokcmd_report(&p);
out:
	OPENSSL_cleanse(passcode, sizeof(passcode));
	OPENSSL_cleanse(password, sizeof(password));
	json_decref(body);
	free(path);
	free(csr);
	free(sig);
	free(email);
	free(bearer);
	tokcmd_scan_free(&sc);
	X509_free(cert);
	X509_free(leaf);
	X509_free(issuing);
	X509_free(root);
	EVP_PKEY_free(made);
	signer_free(cur);
	signer_free(s);
	p11_close(t);
	tokclient_free(c);
	return rc;
}

int
tokcmd_test(const struct tokcmd_opts *o)
{
	char label[P11_TOKEN_LABEL_MAX + 1], hex[TOKCMD_HEX_MAX];
	char key[P11_LABEL_MAX + 1];
	char passcode[TOKPROMPT_MAX + 1], password[TOKPROMPT_MAX + 1];
	STACK_OF(X509) *chain = NULL;
	struct tokclient *c = NULL;
	struct signer *s = NULL;
	struct problem p;
	struct p11 *t = NULL;
	X509 *cert = NULL;
	char *email = NULL, *bearer = NULL;
	int rc = TOKCMD_FAIL;

	problem_clear(&p);
	passcode[0] = password[0] = '\0';
	if (o->server == NULL) {
		fprintf(stderr, "rxca-token: test needs --server URL\n");
		return TOKCMD_USAGE;
	}
	if ((c = tokclient_new(o->server, o->server_ca, &p)) == NULL ||
	    tokcmd_pick(o, label, &p) == -1 ||
	    tokcmd_not_initial(o->module, label, &p) == -1)
		goto report;
	if (tokprompt_secret("token passcode", o->passcode_fd, passcode,
	        sizeof(passcode)) == -1 ||
	    tokprompt_secret("account password", o->password_fd, password,
	        sizeof(password)) == -1)
		goto out;
	if ((t = tokdev_open(o->module, label, passcode, 0, &p)) == NULL ||
	    tokcmd_load(t, key, &cert, &chain, &p) == -1 ||
	    (s = signer_from_p11(t, key, &p)) == NULL)
		goto report;
	tokcmd_serial(cert, hex);
	email = o->email != NULL ? xstrdup(o->email) : tokcmd_email(cert);
	if (email == NULL && o->app_id == NULL) {
		problem_field(&p, "email",
		    "The certificate names no e-mail "
		    "address: give --email or "
		    "--application-id.");
		goto report;
	}
	if ((bearer = tokcmd_login(c, email, o->app_id, password, &p)) ==
	        NULL ||
	    tokcmd_challenge(c, bearer, hex, s, &p) == -1)
		goto report;
	printf("Test passed: the token signed the server's challenge with "
	       "the key of certificate %s, and the server checked the "
	       "signature.\n",
	    hex);
	rc = TOKCMD_OK;
	goto out;
report:
	rc = tokcmd_report(&p);
out:
	OPENSSL_cleanse(passcode, sizeof(passcode));
	OPENSSL_cleanse(password, sizeof(password));
	free(email);
	free(bearer);
	signer_free(s);
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
	p11_close(t);
	tokclient_free(c);
	return rc;
}

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
	char oid[TOKCMD_TIME_LEN];
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

int
tokcmd_timestamp(const struct tokcmd_opts *o, unsigned char **der,
    size_t *derlen, struct problem *p)
{
	struct tokclient *c = NULL;
	TS_REQ *req = NULL;
	unsigned char *sigv = NULL, *q = NULL, *ans = NULL, *tst = NULL;
	unsigned char *out = NULL;
	size_t sigvlen = 0, qlen = 0, anslen = 0, tstlen = 0, outlen = 0;
	long status = 0;
	time_t when = 0;
	int rc = -1;

	if (tokcms_signature_value(*der, *derlen, &sigv, &sigvlen, p) == -1 ||
	    tokts_request(sigv, sigvlen, &req, &q, &qlen, p) == -1 ||
	    (c = tokclient_new(o->tsa, o->server_ca, p)) == NULL ||
	    tokclient_raw(c, o->tsa, "application/timestamp-query", q, qlen,
	        &status, &ans, &anslen, p) == -1)
		goto out;
	if (status != 200) {
		problem_set(p, 502, "tsa-refused", "Time-stamp refused",
		    "The time-stamp authority answered HTTP %ld.", status);
		goto out;
	}
	if (tokts_accept(
	        req, ans, anslen, o->tsa_ca, &tst, &tstlen, &when, p) == -1 ||
	    tokcms_add_timestamp(
	        *der, *derlen, tst, tstlen, &out, &outlen, p) == -1)
		goto out;
	log_info("token: time-stamped", "time=%lld", (long long)when);
	OPENSSL_free(*der);
	*der = out;
	*derlen = outlen;
	rc = 0;
out:
	OPENSSL_free(tst);
	free(ans);
	OPENSSL_free(q);
	free(sigv);
	TS_REQ_free(req);
	tokclient_free(c);
	return rc;
}

int
tokcmd_sign(const struct tokcmd_opts *o, const char *file)
{
	char label[P11_TOKEN_LABEL_MAX + 1], path[TOKCMD_PATH_MAX];
	char key[P11_LABEL_MAX + 1];
	char passcode[TOKPROMPT_MAX + 1];
	unsigned char digest[EVP_MAX_MD_SIZE];
	STACK_OF(X509) *chain = NULL;
	struct signer *s = NULL;
	struct problem p;
	struct p11 *t = NULL;
	X509 *cert = NULL;
	unsigned char *der = NULL;
	size_t dlen = 0, derlen = 0;
	FILE *f = NULL;
	int rc = TOKCMD_FAIL;

	problem_clear(&p);
	passcode[0] = '\0';
	if (o->out != NULL)
		snprintf(path, sizeof(path), "%s", o->out);
	else if ((size_t)snprintf(path, sizeof(path), "%s.p7s", file) >=
	    sizeof(path)) {
		fprintf(stderr, "rxca-token: the file name is too long\n");
		return TOKCMD_USAGE;
	}
	if (tokcmd_pick(o, label, &p) == -1 ||
	    tokcmd_not_initial(o->module, label, &p) == -1)
		goto report;
	if (tokprompt_secret("token passcode", o->passcode_fd, passcode,
	        sizeof(passcode)) == -1)
		goto out;
	if ((t = tokdev_open(o->module, label, passcode, 0, &p)) == NULL ||
	    tokcmd_load(t, key, &cert, &chain, &p) == -1 ||
	    (s = signer_from_p11(t, key, &p)) == NULL ||
	    tokcms_digest_file(s, file, digest, &dlen, &p) == -1 ||
	    tokcms_sign(s, cert, chain, digest, dlen, time(NULL), &der, &derlen,
	        &p) == -1)
		goto report;
	p11_close(t); /* no session is held during the network call */
	t = NULL;
	if (o->tsa != NULL && tokcmd_timestamp(o, &der, &derlen, &p) == -1)
		goto report;
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(der, 1, derlen, f) != derlen) {
		fprintf(stderr, "rxca-token: cannot write %s: %s\n", path,
		    strerror(errno));
		goto out;
	}
	log_info("token: file signed", "bytes_sig=%zu", derlen);
	printf("Signed %s: the detached CMS signature%s is in %s.\n", file,
	    o->tsa != NULL ? ", time-stamped by the TSA," : "", path);
	rc = TOKCMD_OK;
	goto out;
report:
	rc = tokcmd_report(&p);
out:
	if (f != NULL && fclose(f) != 0 && rc == TOKCMD_OK) {
		fprintf(stderr, "rxca-token: cannot write %s\n", path);
		rc = TOKCMD_FAIL;
	}
	OPENSSL_cleanse(passcode, sizeof(passcode));
	OPENSSL_free(der);
	signer_free(s);
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
	p11_close(t);
	return rc;
}

int
tokcmd_provision(const struct tokcmd_opts *o)
{
	char so[TOKPROMPT_MAX + 1], pin[TOKPROMPT_MAX + 1];
	const char *label = o->label != NULL ? o->label : TOKDEV_DEFAULT_LABEL;
	struct problem p;
	struct p11 *t = NULL;
	int rc = TOKCMD_FAIL;

	problem_clear(&p);
	so[0] = pin[0] = '\0';
	if (tokprompt_secret(
	        "security officer PIN", o->so_pin_fd, so, sizeof(so)) == -1 ||
	    tokprompt_secret("initial token passcode (from the kit)",
	        o->passcode_fd, pin, sizeof(pin)) == -1)
		goto out;
	if (p11_init_token(o->module, o->reinit, so, label, pin, &p) == -1 ||
	    (t = p11_open(o->module, label, pin, &p)) == NULL ||
	    p11_data_put(t, TOKDEV_MARKER, "initial", 7, &p) == -1) {
		rc = tokcmd_report(&p);
		goto out;
	}
	printf("Token \"%s\" is initialized with the kit's initial passcode; "
	       "the applicant must change it before first use.\n",
	    label);
	rc = TOKCMD_OK;
out:
	p11_close(t);
	OPENSSL_cleanse(so, sizeof(so));
	OPENSSL_cleanse(pin, sizeof(pin));
	return rc;
}
