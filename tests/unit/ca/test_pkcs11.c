/* Unit tests of ca/pkcs11.c (and ca/signer.c over it) on a SoftHSM 2
 * token made for this run in a temporary directory. */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca/pkcs11.h"
#include "ca/signer.h"
#include "common/problem.h"
#include "fixture/softhsm.h"

#define MODULE    SOFTHSM_MODULE
#define TOKEN     "rxca-test"
#define PIN       "123456"
#define NEW_PIN   "654321"
#define SO_PIN    "12345678"
#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))
#define NTHREADS  8
#define NSIGS     12 /* signatures per thread */
#define PATHS     128
#define OUTPUT    65536 /* captured output of a command */

static const struct {
	enum p11_key_type type;
	const char *label; /* on the token */
	const char *algo;  /* EVP_PKEY_is_a() name */
	int bits;          /* key size */
	int md_nid;        /* signer_md() */
	int sig_nid;       /* certificate signature algorithm */
} kinds[] = {
    {P11_KEY_P256, "k-p256", "EC", 256, NID_sha256, NID_ecdsa_with_SHA256},
    {P11_KEY_P384, "k-p384", "EC", 384, NID_sha384, NID_ecdsa_with_SHA384},
    {P11_KEY_RSA2048, "k-rsa2048", "RSA", 2048, NID_sha256,
        NID_sha256WithRSAEncryption},
};

static char dir[] = "/tmp/rxca-p11-XXXXXX";
static EVP_PKEY *made[NITEMS(kinds)]; /* public keys from p11_keygen() */
static char output[OUTPUT];

/* Runs argv with its output in output; the exit status, or -1. */
static int
run(const char *const *argv)
{
	return softhsm_run(argv, output, sizeof(output));
}

static int
suite_init(void)
{
	return softhsm_setup(dir, TOKEN, PIN, SO_PIN);
}

static int
suite_clean(void)
{
	size_t i;

	for (i = 0; i < NITEMS(kinds); i++)
		EVP_PKEY_free(made[i]);
	return softhsm_teardown(dir);
}

/* The token opened with PIN; fails the test if it cannot be. */
static struct p11 *
open_token(void)
{
	struct problem p;
	struct p11 *t;

	problem_clear(&p);
	t = p11_open(MODULE, TOKEN, PIN, &p);
	CU_ASSERT_FATAL(t != NULL);
	return t;
}

/* A self-signed CA certificate on pub, not yet signed. */
static X509 *
make_cert(EVP_PKEY *pub, const char *cn)
{
	X509_EXTENSION *ext;
	X509_NAME *name;
	X509V3_CTX v3;
	X509 *x;

	CU_ASSERT_FATAL((x = X509_new()) != NULL);
	CU_ASSERT_FATAL(X509_set_version(x, X509_VERSION_3) == 1);
	CU_ASSERT_FATAL(ASN1_INTEGER_set(X509_get_serialNumber(x), 1) == 1);
	name = X509_get_subject_name(x);
	CU_ASSERT_FATAL(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	                    (const unsigned char *)cn, -1, -1, 0) == 1);
	CU_ASSERT_FATAL(X509_set_issuer_name(x, name) == 1);
	CU_ASSERT_FATAL(X509_gmtime_adj(X509_getm_notBefore(x), -60) != NULL);
	CU_ASSERT_FATAL(
	    X509_gmtime_adj(X509_getm_notAfter(x), 30 * 86400L) != NULL);
	CU_ASSERT_FATAL(X509_set_pubkey(x, pub) == 1);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(
	    NULL, &v3, NID_basic_constraints, "critical,CA:TRUE");
	CU_ASSERT_FATAL(ext != NULL && X509_add_ext(x, ext, -1) == 1);
	X509_EXTENSION_free(ext);
	ext = X509V3_EXT_conf_nid(
	    NULL, &v3, NID_key_usage, "critical,keyCertSign,cRLSign");
	CU_ASSERT_FATAL(ext != NULL && X509_add_ext(x, ext, -1) == 1);
	X509_EXTENSION_free(ext);
	return x;
}

static void
test_open(void)
{
	struct problem p;
	struct p11 *t, *t2;

	t = open_token();
	/* the token is open once per process */
	problem_clear(&p);
	CU_ASSERT(p11_open(MODULE, TOKEN, PIN, &p) == NULL);
	CU_ASSERT(p.status == 409);
	problem_clear(&p);
	CU_ASSERT(p11_open(MODULE, TOKEN, NULL, &p) == NULL);
	CU_ASSERT(p.status == 409);
	p11_close(t);

	/* wrong PIN: a clean refusal that does not repeat the PIN */
	problem_clear(&p);
	CU_ASSERT(p11_open(MODULE, TOKEN, "999999", &p) == NULL);
	CU_ASSERT(p.status == 401);
	CU_ASSERT_STRING_EQUAL(p.type, "wrong-pin");
	CU_ASSERT(strstr(p.detail, "999999") == NULL);
	/* unknown token, module that is not there, bad arguments */
	problem_clear(&p);
	CU_ASSERT(p11_open(MODULE, "no-such-token", PIN, &p) == NULL);
	CU_ASSERT(p.status == 404);
	CU_ASSERT_STRING_EQUAL(p.type, "token-not-found");
	problem_clear(&p);
	CU_ASSERT(
	    p11_open("/nonexistent/libpkcs11.so", TOKEN, PIN, &p) == NULL);
	CU_ASSERT(p.status == 503);
	problem_clear(&p);
	CU_ASSERT(p11_open(MODULE, "0123456789012345678901234567890123", PIN,
	              &p) == NULL);
	CU_ASSERT(p.status == 422);
	problem_clear(&p);
	CU_ASSERT(p11_open(MODULE, TOKEN, "", &p) == NULL);
	CU_ASSERT(p.status == 422);

	/* without a PIN, then with it again after close */
	problem_clear(&p);
	t2 = p11_open(MODULE, TOKEN, NULL, &p);
	CU_ASSERT_FATAL(t2 != NULL);
	p11_close(t2);
	t = open_token();
	p11_close(t);
	p11_close(NULL);
}

static void
test_keygen(void)
{
	struct problem p;
	struct p11 *t;
	EVP_PKEY *dup;
	size_t i;

	t = open_token();
	for (i = 0; i < NITEMS(kinds); i++) {
		problem_clear(&p);
		made[i] = p11_keygen(t, kinds[i].label, kinds[i].type, &p);
		CU_ASSERT_FATAL(made[i] != NULL);
		CU_ASSERT(EVP_PKEY_is_a(made[i], kinds[i].algo));
		CU_ASSERT(EVP_PKEY_get_bits(made[i]) == kinds[i].bits);
	}
	/* no silent duplicates */
	problem_clear(&p);
	dup = p11_keygen(t, kinds[0].label, P11_KEY_P384, &p);
	CU_ASSERT(dup == NULL);
	CU_ASSERT(p.status == 409);
	CU_ASSERT_STRING_EQUAL(p.type, "label-exists");
	EVP_PKEY_free(dup);
	/* bad labels and types */
	problem_clear(&p);
	CU_ASSERT(p11_keygen(t, "", P11_KEY_P256, &p) == NULL);
	CU_ASSERT(p.status == 422);
	problem_clear(&p);
	CU_ASSERT(p11_keygen(t, "new\nline", P11_KEY_P256, &p) == NULL);
	CU_ASSERT(p.status == 422);
	problem_clear(&p);
	CU_ASSERT(p11_keygen(t,
	              "0123456789012345678901234567890123456789012345678901234"
	              "5678901234",
	              P11_KEY_P256, &p) == NULL); /* 65 characters */
	CU_ASSERT(p.status == 422);
	problem_clear(&p);
	CU_ASSERT(p11_keygen(t, "k-bad", (enum p11_key_type)42, &p) == NULL);
	CU_ASSERT(p.status == 422);
	p11_close(t);
}

static void
test_find_key(void)
{
	struct p11_key k;
	struct problem p;
	struct p11 *t;
	size_t i;

	t = open_token();
	for (i = 0; i < NITEMS(kinds); i++) {
		problem_clear(&p);
		CU_ASSERT_FATAL(p11_find_key(t, kinds[i].label, &k, &p) == 0);
		CU_ASSERT(k.handle != 0);
		CU_ASSERT(EVP_PKEY_eq(k.pub, made[i]) == 1);
		p11_key_clear(&k);
		CU_ASSERT(k.pub == NULL);
	}
	problem_clear(&p);
	CU_ASSERT(p11_find_key(t, "no-such-key", &k, &p) == -1);
	CU_ASSERT(p.status == 404);
	CU_ASSERT(k.pub == NULL);
	p11_key_clear(NULL);
	p11_close(t);
}

static void
test_sign(void)
{
	static const unsigned char digest[32] = {1, 2, 3};
	char path[PATHS];
	unsigned char *sig = NULL;
	size_t siglen = 0, i;
	struct signer *s;
	struct p11_key k;
	struct problem p;
	struct p11 *t;
	X509 *x;
	FILE *f;

	t = open_token();
	for (i = 0; i < NITEMS(kinds); i++) {
		problem_clear(&p);
		s = signer_from_p11(t, kinds[i].label, &p);
		CU_ASSERT_FATAL(s != NULL);
		CU_ASSERT(EVP_PKEY_eq(signer_pubkey(s), made[i]) == 1);
		CU_ASSERT(EVP_MD_get_type(signer_md(s)) == kinds[i].md_nid);
		x = make_cert(signer_pubkey(s), "rxca token root");
		CU_ASSERT_FATAL(signer_sign_x509(s, x, &p) == 0);
		CU_ASSERT(X509_verify(x, made[i]) == 1);
		CU_ASSERT(X509_get_signature_nid(x) == kinds[i].sig_nid);

		snprintf(path, sizeof(path), "%s/%s.pem", dir, kinds[i].label);
		f = fopen(path, "w");
		CU_ASSERT_FATAL(f != NULL);
		CU_ASSERT(PEM_write_X509(f, x) == 1);
		fclose(f);
		{
			const char *verify[] = {"openssl", "verify",
			    "-x509_strict", "-CAfile", path, path, NULL};

			CU_ASSERT(run(verify) == 0);
		}
		X509_free(x);
		signer_free(s);
	}
	/* p11_sign refuses a digest of the wrong length */
	problem_clear(&p);
	CU_ASSERT_FATAL(p11_find_key(t, kinds[0].label, &k, &p) == 0);
	CU_ASSERT(
	    p11_sign(t, &k, digest, 20, NID_sha256, &sig, &siglen, &p) == -1);
	CU_ASSERT(sig == NULL);
	problem_clear(&p);
	CU_ASSERT(p11_sign(t, &k, digest, sizeof(digest), NID_sha256, &sig,
	              &siglen, &p) == 0);
	OPENSSL_free(sig);
	p11_key_clear(&k);
	/* no signer for a key that is not there */
	problem_clear(&p);
	CU_ASSERT(signer_from_p11(t, "no-such-key", &p) == NULL);
	CU_ASSERT(p.status == 404);
	p11_close(t);
}

/* The "Access:" line of the object labelled label in output. */
static const char *
access_of(const char *label, char *line, size_t linesz)
{
	char want[96];
	const char *at, *acc, *end;

	snprintf(want, sizeof(want), "label:      %s\n", label);
	if ((at = strstr(output, want)) == NULL ||
	    (acc = strstr(at, "Access:")) == NULL)
		return NULL;
	if ((end = strchr(acc, '\n')) == NULL)
		end = acc + strlen(acc);
	snprintf(line, linesz, "%.*s", (int)(end - acc), acc);
	return line;
}

static void
test_not_extractable(void)
{
	const char *argv[] = {"pkcs11-tool", "--module", MODULE,
	    "--token-label", TOKEN, "--login", "--pin", PIN, "--list-objects",
	    "--type", "privkey", NULL};
	char line[256];
	size_t i;

	CU_ASSERT_FATAL(run(argv) == 0);
	for (i = 0; i < NITEMS(kinds); i++) {
		CU_ASSERT_FATAL(
		    access_of(kinds[i].label, line, sizeof(line)) != NULL);
		CU_ASSERT(strstr(line, "sensitive") != NULL);
		CU_ASSERT(strstr(line, "never extractable") != NULL);
		/* "extractable" only as part of "never extractable" */
		CU_ASSERT(strstr(line, ", extractable") == NULL);
		CU_ASSERT(strstr(line, "Access: extractable") == NULL);
	}
}

/*
 * The CKA_IDs (hex) of up to three objects labelled label in output, the
 * pkcs11-tool listing; their number.
 */
static int
ids_of(const char *label, char ids[3][2 * P11_ID_MAX + 1])
{
	char want[96];
	const char *at = output, *id, *end;
	int n = 0;

	snprintf(want, sizeof(want), "label:      %s\n", label);
	while (n < 3 && (at = strstr(at, want)) != NULL) {
		at += strlen(want);
		if ((id = strstr(at, "ID:")) == NULL)
			break;
		id += 3;
		id += strspn(id, " ");
		end = id + strcspn(id, "\n");
		snprintf(
		    ids[n++], 2 * P11_ID_MAX + 1, "%.*s", (int)(end - id), id);
	}
	return n;
}

static void
test_certificate_store(void)
{
	unsigned char *der1 = NULL, *der2 = NULL;
	const char *argv[] = {"pkcs11-tool", "--module", MODULE,
	    "--token-label", TOKEN, "--login", "--pin", PIN, "--list-objects",
	    NULL};
	char ids[3][2 * P11_ID_MAX + 1];
	struct signer *s;
	struct problem p;
	struct p11 *t;
	X509 *x, *back;
	int n1, n2;

	t = open_token();
	problem_clear(&p);
	s = signer_from_p11(t, kinds[0].label, &p);
	CU_ASSERT_FATAL(s != NULL);
	x = make_cert(signer_pubkey(s), "rxca stored");
	CU_ASSERT_FATAL(signer_sign_x509(s, x, &p) == 0);
	CU_ASSERT(p11_store_cert(t, kinds[0].label, x, &p) == 0);
	/* once */
	problem_clear(&p);
	CU_ASSERT(p11_store_cert(t, kinds[0].label, x, &p) == -1);
	CU_ASSERT(p.status == 409);
	problem_clear(&p);
	back = p11_find_cert(t, kinds[0].label, &p);
	CU_ASSERT_FATAL(back != NULL);
	n1 = i2d_X509(x, &der1);
	n2 = i2d_X509(back, &der2);
	CU_ASSERT(n1 > 0 && n1 == n2 && memcmp(der1, der2, (size_t)n1) == 0);
	OPENSSL_free(der1);
	OPENSSL_free(der2);
	X509_free(back);
	problem_clear(&p);
	CU_ASSERT(p11_find_cert(t, "no-such-cert", &p) == NULL);
	CU_ASSERT(p.status == 404);
	X509_free(x);
	signer_free(s);
	p11_close(t);

	/* the certificate carries the CKA_ID of both halves of the key */
	CU_ASSERT_FATAL(run(argv) == 0);
	CU_ASSERT(ids_of(kinds[0].label, ids) == 3);
	CU_ASSERT(strlen(ids[0]) == 2 * P11_ID_LEN);
	CU_ASSERT_STRING_EQUAL(ids[0], ids[1]);
	CU_ASSERT_STRING_EQUAL(ids[0], ids[2]);
}

struct worker {
	struct signer *s; /* shared signer */
	int n;            /* this worker's number */
	int good;         /* signatures that verified */
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	unsigned char tbs[64], *sig;
	struct problem p;
	EVP_MD_CTX *ctx;
	size_t siglen;
	int i;

	for (i = 0; i < NSIGS; i++) {
		snprintf((char *)tbs, sizeof(tbs), "worker %d signature %d",
		    w->n, i);
		problem_clear(&p);
		if (signer_sign(w->s, tbs, sizeof(tbs), &sig, &siglen, &p) ==
		    -1)
			continue;
		if ((ctx = EVP_MD_CTX_new()) != NULL &&
		    EVP_DigestVerifyInit(ctx, NULL, signer_md(w->s), NULL,
		        signer_pubkey(w->s)) == 1 &&
		    EVP_DigestVerify(ctx, sig, siglen, tbs, sizeof(tbs)) == 1)
			w->good++;
		EVP_MD_CTX_free(ctx);
		OPENSSL_free(sig);
	}
	return NULL;
}

static void
test_threads(void)
{
	pthread_t th[NTHREADS];
	struct worker w[NTHREADS];
	struct problem p;
	struct signer *s;
	struct p11 *t;
	int i;

	t = open_token();
	problem_clear(&p);
	s = signer_from_p11(t, kinds[0].label, &p);
	CU_ASSERT_FATAL(s != NULL);
	for (i = 0; i < NTHREADS; i++) {
		w[i].s = s;
		w[i].n = i;
		w[i].good = 0;
		CU_ASSERT_FATAL(
		    pthread_create(&th[i], NULL, worker_run, &w[i]) == 0);
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		CU_ASSERT(w[i].good == NSIGS);
	}
	signer_free(s);
	p11_close(t);
}

static void
test_set_pin(void)
{
	struct problem p;
	struct p11 *t;

	t = open_token();
	problem_clear(&p);
	CU_ASSERT(p11_set_pin(t, "999999", NEW_PIN, &p) == -1);
	CU_ASSERT(p.status == 401);
	problem_clear(&p);
	CU_ASSERT(p11_set_pin(t, PIN, "", &p) == -1);
	CU_ASSERT(p.status == 422);
	problem_clear(&p);
	CU_ASSERT(p11_set_pin(t, PIN, NEW_PIN, &p) == 0);
	p11_close(t);

	problem_clear(&p);
	CU_ASSERT(p11_open(MODULE, TOKEN, PIN, &p) == NULL);
	CU_ASSERT(p.status == 401);
	problem_clear(&p);
	t = p11_open(MODULE, TOKEN, NEW_PIN, &p);
	CU_ASSERT_FATAL(t != NULL);
	/* and back, so the order of the tests does not matter */
	CU_ASSERT(p11_set_pin(t, NEW_PIN, PIN, &p) == 0);
	p11_close(t);
	t = open_token();
	p11_close(t);
}

static void
test_token_info(void)
{
	struct p11_token_info tok[8], info;
	struct problem p;
	struct p11 *t;
	size_t n = 0, i, found = 0;

	problem_clear(&p);
	CU_ASSERT_FATAL(p11_list(MODULE, tok, NITEMS(tok), &n, &p) == 0);
	CU_ASSERT(n >= 1);
	for (i = 0; i < n; i++)
		if (strcmp(tok[i].label, TOKEN) == 0) {
			found++;
			CU_ASSERT(tok[i].initialized);
			CU_ASSERT(tok[i].pin_initialized);
			CU_ASSERT(!tok[i].pin_locked);
			CU_ASSERT(strlen(tok[i].serial) > 0);
		}
	CU_ASSERT(found == 1);
	problem_clear(&p);
	CU_ASSERT(
	    p11_list("/nonexistent/module.so", tok, NITEMS(tok), &n, &p) == -1);
	CU_ASSERT(p.status == 503);
	t = open_token();
	CU_ASSERT(p11_info(t, &info, &p) == 0);
	CU_ASSERT(strcmp(info.label, TOKEN) == 0);
	p11_close(t);
	/* a wrong PIN is remembered by the token's flags (SoftHSM) */
	problem_clear(&p);
	CU_ASSERT(p11_open(MODULE, TOKEN, "000000", &p) == NULL);
	CU_ASSERT(p.status == 401);
	CU_ASSERT_FATAL(p11_list(MODULE, tok, NITEMS(tok), &n, &p) == 0);
	t = open_token(); /* a good log-in clears the count */
	p11_close(t);
}

static void
test_data_objects(void)
{
	char labels[P11_FIND_MAX][P11_LABEL_MAX + 1];
	struct problem p;
	struct p11 *t;
	size_t n = 0, i;
	int seen = 0;

	t = open_token();
	problem_clear(&p);
	CU_ASSERT(p11_data_exists(t, "marker", &p) == 0);
	CU_ASSERT(p11_data_put(t, "marker", "one", 3, &p) == 0);
	CU_ASSERT(p11_data_put(t, "marker", "two", 3, &p) == 0);
	CU_ASSERT(p11_data_exists(t, "marker", &p) == 1);
	CU_ASSERT(
	    p11_labels(t, P11_OBJ_DATA, labels, NITEMS(labels), &n, &p) == 0);
	for (i = 0; i < n; i++)
		seen += strcmp(labels[i], "marker") == 0;
	CU_ASSERT(seen == 1); /* replaced, not added */
	CU_ASSERT(p11_data_put(t, "marker", "", 0, &p) == -1);
	CU_ASSERT(p11_data_put(t, "", "x", 1, &p) == -1);
	p11_close(t);
	/* public: visible without the PIN */
	problem_clear(&p);
	CU_ASSERT_FATAL((t = p11_open(MODULE, TOKEN, NULL, &p)) != NULL);
	CU_ASSERT(p11_data_exists(t, "marker", &p) == 1);
	p11_close(t);
	t = open_token();
	CU_ASSERT(p11_data_remove(t, "marker", &p) == 0);
	CU_ASSERT(p11_data_exists(t, "marker", &p) == 0);
	CU_ASSERT(p11_data_remove(t, "marker", &p) == 0);
	p11_close(t);
}

static void
test_labels_and_remove(void)
{
	char labels[P11_FIND_MAX][P11_LABEL_MAX + 1];
	struct p11_key k;
	struct problem p;
	struct p11 *t;
	EVP_PKEY *pub;
	size_t n = 0, i;
	int seen = 0;

	t = open_token();
	problem_clear(&p);
	CU_ASSERT_FATAL(
	    (pub = p11_keygen(t, "k-remove", P11_KEY_P256, &p)) != NULL);
	EVP_PKEY_free(pub);
	CU_ASSERT(p11_labels(t, P11_OBJ_PRIVATE_KEY, labels, NITEMS(labels), &n,
	              &p) == 0);
	for (i = 0; i < n; i++)
		seen += strcmp(labels[i], "k-remove") == 0;
	CU_ASSERT(seen == 1);
	CU_ASSERT(p11_key_remove(t, "k-remove", &p) == 0);
	problem_clear(&p);
	CU_ASSERT(p11_find_key(t, "k-remove", &k, &p) == -1);
	CU_ASSERT(p.status == 404);
	CU_ASSERT(p11_key_remove(t, "k-remove", &p) == 0);
	p11_close(t);
}

static void
test_sign_req(void)
{
	struct signer *s;
	struct problem p;
	struct p11 *t;
	X509_REQ *req;

	t = open_token();
	problem_clear(&p);
	CU_ASSERT_FATAL((s = signer_from_p11(t, "k-p256", &p)) != NULL);
	CU_ASSERT_FATAL((req = X509_REQ_new()) != NULL);
	CU_ASSERT(X509_REQ_set_pubkey(req, signer_pubkey(s)) == 1);
	CU_ASSERT(signer_sign_req(s, req, &p) == 0);
	CU_ASSERT(X509_REQ_verify(req, signer_pubkey(s)) == 1);
	CU_ASSERT(X509_REQ_get_signature_nid(req) == NID_ecdsa_with_SHA256);
	X509_REQ_free(req);
	signer_free(s);
	p11_close(t);
}

static void
test_init_token(void)
{
	struct p11_token_info tok[8];
	struct problem p;
	struct p11 *t;
	size_t n = 0, i;
	int found = 0;

	problem_clear(&p);
	/* the free slot SoftHSM keeps */
	CU_ASSERT_FATAL(
	    p11_init_token(MODULE, NULL, SO_PIN, "fresh", "11112222", &p) == 0);
	CU_ASSERT_FATAL(
	    (t = p11_open(MODULE, "fresh", "11112222", &p)) != NULL);
	p11_close(t);
	/* again, by label, with the wrong SO PIN */
	problem_clear(&p);
	CU_ASSERT(p11_init_token(MODULE, "fresh", "87654321", "fresh2",
	              "11112222", &p) == -1);
	CU_ASSERT(p.status == 401);
	/* and with the right one: erased, relabelled, a new PIN */
	problem_clear(&p);
	CU_ASSERT(p11_init_token(
	              MODULE, "fresh", SO_PIN, "fresh2", "33334444", &p) == 0);
	CU_ASSERT_FATAL(p11_list(MODULE, tok, NITEMS(tok), &n, &p) == 0);
	for (i = 0; i < n; i++)
		found += strcmp(tok[i].label, "fresh2") == 0;
	CU_ASSERT(found == 1);
	problem_clear(&p);
	CU_ASSERT(p11_open(MODULE, "fresh2", "11112222", &p) == NULL);
	CU_ASSERT(p.status == 401);
	CU_ASSERT_FATAL(
	    (t = p11_open(MODULE, "fresh2", "33334444", &p)) != NULL);
	p11_close(t);
	problem_clear(&p);
	CU_ASSERT(p11_init_token(MODULE, "no-such-token", SO_PIN, "x",
	              "11112222", &p) == -1);
	CU_ASSERT(p.status == 404);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("pkcs11", suite_init, suite_clean);
	CU_add_test(s, "open: PIN, token, module", test_open);
	CU_add_test(s, "key generation", test_keygen);
	CU_add_test(s, "find a key", test_find_key);
	CU_add_test(s, "sign certificates on the token", test_sign);
	CU_add_test(s, "private keys not extractable", test_not_extractable);
	CU_add_test(s, "store and find a certificate", test_certificate_store);
	CU_add_test(s, "threads share a token signer", test_threads);
	CU_add_test(s, "change the PIN", test_set_pin);
	CU_add_test(s, "token list and info", test_token_info);
	CU_add_test(s, "data objects", test_data_objects);
	CU_add_test(s, "labels and key removal", test_labels_and_remove);
	CU_add_test(s, "a CSR signed on the token", test_sign_req);
	CU_add_test(s, "initialize a token", test_init_token);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
