/* Unit tests of ca/signer.c with file keys: certificates and CRLs signed
 * by their to-be-signed bytes for P-256, P-384 and RSA-2048, checked by
 * OpenSSL in process and by the openssl command. */
#include <sys/types.h>
#include <sys/wait.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca/keyfile.h"
#include "ca/signer.h"
#include "common/problem.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))
#define NTHREADS  8
#define NSIGS     16 /* signatures per thread */
#define PATHS     96

static const struct {
	enum p11_key_type type;
	const char *name; /* for messages and files */
	int md_nid;       /* the hash signer_md() must give */
	int sig_nid;      /* the signature algorithm */
	int ptype;        /* its parameters */
} kinds[] = {
    {P11_KEY_P256, "p256", NID_sha256, NID_ecdsa_with_SHA256, V_ASN1_UNDEF},
    {P11_KEY_P384, "p384", NID_sha384, NID_ecdsa_with_SHA384, V_ASN1_UNDEF},
    {P11_KEY_RSA2048, "rsa2048", NID_sha256, NID_sha256WithRSAEncryption,
        V_ASN1_NULL},
};

static char dir[] = "/tmp/rxca-signer-XXXXXX";
static struct signer *signers[NITEMS(kinds)];

static void *
unconst(const void *ptr)
{
	union {
		const void *c;
		void *m;
	} u;

	u.c = ptr;
	return u.m;
}

/* Runs argv (PATH searched), its output discarded; the exit status. */
static int
run(const char *const *argv)
{
	char *const *av = unconst(argv);
	pid_t pid;
	int status;

	fflush(NULL);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(126);
		execvp(av[0], av);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int
suite_init(void)
{
	struct problem p;
	EVP_PKEY *key;
	size_t i;

	if (mkdtemp(dir) == NULL)
		return -1;
	for (i = 0; i < NITEMS(kinds); i++) {
		problem_clear(&p);
		if ((key = keyfile_generate(kinds[i].type, &p)) == NULL)
			return -1;
		signers[i] = signer_from_key(key);
		EVP_PKEY_free(key); /* the signer has its own reference */
		if (signers[i] == NULL)
			return -1;
	}
	return 0;
}

static int
suite_clean(void)
{
	const char *argv[] = {"rm", "-rf", dir, NULL};
	size_t i;

	for (i = 0; i < NITEMS(kinds); i++)
		signer_free(signers[i]);
	return run(argv) == 0 ? 0 : -1;
}

/* A self-signed CA certificate on pub, CN=cn, not yet signed. */
static X509 *
make_cert(EVP_PKEY *pub, const char *cn, long serial)
{
	X509_EXTENSION *ext;
	X509_NAME *name;
	X509V3_CTX v3;
	X509 *x;

	CU_ASSERT_FATAL((x = X509_new()) != NULL);
	CU_ASSERT_FATAL(X509_set_version(x, X509_VERSION_3) == 1);
	CU_ASSERT_FATAL(ASN1_INTEGER_set(X509_get_serialNumber(x), serial));
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
	ext =
	    X509V3_EXT_conf_nid(NULL, &v3, NID_subject_key_identifier, "hash");
	CU_ASSERT_FATAL(ext != NULL && X509_add_ext(x, ext, -1) == 1);
	X509_EXTENSION_free(ext);
	return x;
}

/* A v2 CRL of ca revoking serial 42, not yet signed. */
static X509_CRL *
make_crl(X509 *ca)
{
	X509_REVOKED *r;
	ASN1_INTEGER *serial;
	ASN1_TIME *t;
	X509_CRL *crl;

	CU_ASSERT_FATAL((crl = X509_CRL_new()) != NULL);
	CU_ASSERT_FATAL(X509_CRL_set_version(crl, 1) == 1);
	CU_ASSERT_FATAL(
	    X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca)) == 1);
	CU_ASSERT_FATAL((t = X509_gmtime_adj(NULL, -60)) != NULL);
	CU_ASSERT_FATAL(X509_CRL_set1_lastUpdate(crl, t) == 1);
	CU_ASSERT_FATAL(X509_gmtime_adj(t, 7 * 86400L) != NULL);
	CU_ASSERT_FATAL(X509_CRL_set1_nextUpdate(crl, t) == 1);
	CU_ASSERT_FATAL((r = X509_REVOKED_new()) != NULL);
	CU_ASSERT_FATAL((serial = ASN1_INTEGER_new()) != NULL);
	CU_ASSERT_FATAL(ASN1_INTEGER_set(serial, 42) == 1);
	CU_ASSERT_FATAL(X509_REVOKED_set_serialNumber(r, serial) == 1);
	CU_ASSERT_FATAL(X509_REVOKED_set_revocationDate(r, t) == 1);
	CU_ASSERT_FATAL(X509_CRL_add0_revoked(crl, r) == 1);
	CU_ASSERT_FATAL(X509_CRL_sort(crl) == 1);
	ASN1_INTEGER_free(serial);
	ASN1_TIME_free(t);
	return crl;
}

/* The offset of needle in der, or -1. */
static long
find_bytes(const unsigned char *der, long len, const char *needle)
{
	long n = (long)strlen(needle), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(der + i, needle, (size_t)n) == 0)
			return i;
	return -1;
}

/* The AlgorithmIdentifier inside the TBSCertList of the DER CRL. */
static X509_ALGOR *
crl_tbs_algor(const unsigned char *der, long len)
{
	const unsigned char *q = der, *save;
	long olen;
	int tag, cls;

	/* CertificateList, then TBSCertList */
	if (ASN1_get_object(&q, &olen, &tag, &cls, len) & 0x80 ||
	    ASN1_get_object(&q, &olen, &tag, &cls, len - (q - der)) & 0x80)
		return NULL;
	/* version, if present */
	save = q;
	if (ASN1_get_object(&q, &olen, &tag, &cls, len - (q - der)) & 0x80)
		return NULL;
	if (tag == V_ASN1_INTEGER && cls == V_ASN1_UNIVERSAL)
		q += olen;
	else
		q = save;
	return d2i_X509_ALGOR(NULL, &q, len - (q - der));
}

/* Writes obj as PEM with write to dir/name; 0 or -1. */
static int
write_cert(const char *name, X509 *x)
{
	char path[PATHS];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	ok = PEM_write_X509(f, x);
	return fclose(f) == 0 && ok == 1 ? 0 : -1;
}

static int
write_crl(const char *name, X509_CRL *crl)
{
	char path[PATHS];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	ok = PEM_write_X509_CRL(f, crl);
	return fclose(f) == 0 && ok == 1 ? 0 : -1;
}

static void
test_md(void)
{
	size_t i;

	for (i = 0; i < NITEMS(kinds); i++) {
		CU_ASSERT(
		    EVP_MD_get_type(signer_md(signers[i])) == kinds[i].md_nid);
		CU_ASSERT(signer_pubkey(signers[i]) != NULL);
	}
}

static void
test_refused_keys(void)
{
	EVP_PKEY *key;

	/* RSA below 2048 bits, another curve, another algorithm */
	CU_ASSERT_FATAL((key = EVP_RSA_gen(1024)) != NULL);
	CU_ASSERT(signer_from_key(key) == NULL);
	EVP_PKEY_free(key);
	CU_ASSERT_FATAL((key = EVP_EC_gen("P-521")) != NULL);
	CU_ASSERT(signer_from_key(key) == NULL);
	EVP_PKEY_free(key);
	CU_ASSERT_FATAL(
	    (key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) != NULL);
	CU_ASSERT(signer_from_key(key) == NULL);
	EVP_PKEY_free(key);
	CU_ASSERT(signer_from_key(NULL) == NULL);
	signer_free(NULL);
}

static void
test_sign_bytes(void)
{
	static const unsigned char tbs[] = "to be signed";
	unsigned char *sig = NULL;
	const unsigned char *q;
	EVP_MD_CTX *ctx;
	ECDSA_SIG *es;
	struct problem p;
	size_t siglen = 0, i;

	for (i = 0; i < NITEMS(kinds); i++) {
		problem_clear(&p);
		CU_ASSERT_FATAL(signer_sign(signers[i], tbs, sizeof(tbs), &sig,
		                    &siglen, &p) == 0);
		if (kinds[i].ptype == V_ASN1_UNDEF) {
			q = sig;
			es = d2i_ECDSA_SIG(NULL, &q, (long)siglen);
			CU_ASSERT(es != NULL && q == sig + siglen);
			ECDSA_SIG_free(es);
		} else
			CU_ASSERT(siglen == 256);
		CU_ASSERT_FATAL((ctx = EVP_MD_CTX_new()) != NULL);
		CU_ASSERT(EVP_DigestVerifyInit(ctx, NULL, signer_md(signers[i]),
		              NULL, signer_pubkey(signers[i])) == 1);
		CU_ASSERT(
		    EVP_DigestVerify(ctx, sig, siglen, tbs, sizeof(tbs)) == 1);
		EVP_MD_CTX_free(ctx);
		OPENSSL_free(sig);
	}
}

static void
test_certificates(void)
{
	const X509_ALGOR *tbsalg, *outer;
	const ASN1_BIT_STRING *bits;
	const ASN1_OBJECT *obj;
	const void *pval;
	unsigned char *der = NULL;
	const unsigned char *q;
	char file[32], path[PATHS];
	struct problem p;
	X509 *x, *y;
	long off;
	int len, ptype;
	size_t i;

	for (i = 0; i < NITEMS(kinds); i++) {
		struct signer *s = signers[i];

		x = make_cert(signer_pubkey(s), "rxca test root", 1);
		problem_clear(&p);
		CU_ASSERT_FATAL(signer_sign_x509(s, x, &p) == 0);
		CU_ASSERT(X509_verify(x, signer_pubkey(s)) == 1);
		CU_ASSERT(X509_get_signature_nid(x) == kinds[i].sig_nid);
		tbsalg = X509_get0_tbs_sigalg(x);
		X509_get0_signature(&bits, &outer, x);
		CU_ASSERT(X509_ALGOR_cmp(tbsalg, outer) == 0);
		X509_ALGOR_get0(&obj, &ptype, &pval, outer);
		CU_ASSERT(ptype == kinds[i].ptype);
		CU_ASSERT(OBJ_obj2nid(obj) == kinds[i].sig_nid);
		CU_ASSERT((bits->flags & 0x07) == 0);

		/* the encoding is the signed one: it parses and verifies */
		CU_ASSERT_FATAL((len = i2d_X509(x, &der)) > 0);
		q = der;
		CU_ASSERT_FATAL((y = d2i_X509(NULL, &q, len)) != NULL);
		CU_ASSERT(X509_verify(y, signer_pubkey(s)) == 1);
		CU_ASSERT(X509_ALGOR_cmp(X509_get0_tbs_sigalg(y), tbsalg) == 0);
		X509_free(y);

		/* one TBS byte changed: the signature fails */
		off = find_bytes(der, len, "rxca test root");
		CU_ASSERT_FATAL(off > 0);
		der[off] = 'R';
		q = der;
		CU_ASSERT_FATAL((y = d2i_X509(NULL, &q, len)) != NULL);
		CU_ASSERT(X509_verify(y, signer_pubkey(s)) != 1);
		ERR_clear_error();
		X509_free(y);
		OPENSSL_free(der);
		der = NULL;

		/* openssl x509 reads it, openssl verify trusts it */
		snprintf(file, sizeof(file), "%s.pem", kinds[i].name);
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		CU_ASSERT_FATAL(write_cert(file, x) == 0);
		{
			const char *text[] = {"openssl", "x509", "-in", path,
			    "-noout", "-text", NULL};
			const char *verify[] = {"openssl", "verify",
			    "-x509_strict", "-CAfile", path, path, NULL};

			CU_ASSERT(run(text) == 0);
			CU_ASSERT(run(verify) == 0);
		}

		/* changed and signed again: the new TBS is what is signed */
		CU_ASSERT(ASN1_INTEGER_set(X509_get_serialNumber(x), 2) == 1);
		CU_ASSERT(signer_sign_x509(s, x, &p) == 0);
		CU_ASSERT_FATAL((len = i2d_X509(x, &der)) > 0);
		q = der;
		CU_ASSERT_FATAL((y = d2i_X509(NULL, &q, len)) != NULL);
		CU_ASSERT(ASN1_INTEGER_get(X509_get0_serialNumber(y)) == 2);
		CU_ASSERT(X509_verify(y, signer_pubkey(s)) == 1);
		X509_free(y);
		OPENSSL_free(der);
		der = NULL;

		/* another key does not verify it */
		CU_ASSERT(
		    X509_verify(x,
		        signer_pubkey(signers[(i + 1) % NITEMS(kinds)])) != 1);
		ERR_clear_error();
		X509_free(x);
	}
}

/*
 * signer_sign_cert_der: the DER of a certificate signed as it stands; the
 * TBS is unchanged, the result verifies, a TBS naming another algorithm
 * than the signer's is refused (it would not verify), and bytes that are
 * not one certificate are refused.
 */
static void
test_cert_der(void)
{
	unsigned char *der = NULL, *out, *tbs_in = NULL, *tbs_out = NULL;
	unsigned char bad[] = {0x03, 0x02, 0x00, 0x00};
	const unsigned char *q;
	struct problem p;
	X509 *x, *y;
	long outlen;
	int len, n_in, n_out;
	size_t i;

	for (i = 0; i < NITEMS(kinds); i++) {
		struct signer *s = signers[i];
		struct signer *other = signers[(i + 1) % NITEMS(kinds)];

		x = make_cert(signer_pubkey(s), "rxca test root", 1);
		problem_clear(&p);
		/* The TBS names s's algorithm, as issue_record leaves it. */
		CU_ASSERT_FATAL(signer_sign_x509(s, x, &p) == 0);
		CU_ASSERT_FATAL((len = i2d_X509(x, &der)) > 0);
		out = signer_sign_cert_der(s, der, len, &outlen, &p);
		CU_ASSERT_FATAL(out != NULL);
		q = out;
		CU_ASSERT_FATAL((y = d2i_X509(NULL, &q, outlen)) != NULL);
		CU_ASSERT(q == out + outlen);
		CU_ASSERT(X509_verify(y, signer_pubkey(s)) == 1);
		CU_ASSERT(X509_ALGOR_cmp(X509_get0_tbs_sigalg(y),
		              X509_get0_tbs_sigalg(x)) == 0);
		n_in = i2d_re_X509_tbs(x, &tbs_in);
		n_out = i2d_re_X509_tbs(y, &tbs_out);
		CU_ASSERT(n_in > 0 && n_in == n_out &&
		    memcmp(tbs_in, tbs_out, (size_t)n_in) == 0);
		OPENSSL_free(tbs_in);
		OPENSSL_free(tbs_out);
		tbs_in = tbs_out = NULL;
		X509_free(y);
		OPENSSL_free(out);

		/* A TBS naming another algorithm than the signer's is
		 * refused: it would not verify. */
		if (signer_md(other) != signer_md(s) ||
		    EVP_PKEY_get_id(signer_pubkey(other)) !=
		        EVP_PKEY_get_id(signer_pubkey(s))) {
			problem_clear(&p);
			out =
			    signer_sign_cert_der(other, der, len, &outlen, &p);
			CU_ASSERT_PTR_NULL(out);
			CU_ASSERT(p.status == 500 && outlen == 0);
			ERR_clear_error();
			OPENSSL_free(out);
		}

		/* Truncated, trailing bytes, not a certificate, nothing. */
		problem_clear(&p);
		CU_ASSERT(
		    signer_sign_cert_der(s, der, len - 1, &outlen, &p) == NULL);
		CU_ASSERT(p.status == 500 && outlen == 0);
		der = OPENSSL_realloc(der, (size_t)len + 1);
		CU_ASSERT_FATAL(der != NULL);
		der[len] = 0;
		problem_clear(&p);
		CU_ASSERT(
		    signer_sign_cert_der(s, der, len + 1, &outlen, &p) == NULL);
		problem_clear(&p);
		CU_ASSERT(signer_sign_cert_der(
		              s, bad, sizeof(bad), &outlen, &p) == NULL);
		problem_clear(&p);
		CU_ASSERT(signer_sign_cert_der(s, der, 0, &outlen, &p) == NULL);
		OPENSSL_free(der);
		der = NULL;
		X509_free(x);
	}
}

static void
test_crls(void)
{
	const ASN1_BIT_STRING *bits;
	const X509_ALGOR *outer;
	X509_ALGOR *inner;
	const ASN1_OBJECT *obj;
	const void *pval;
	unsigned char *der = NULL;
	const unsigned char *q;
	char cfile[32], lfile[32], cpath[PATHS], lpath[PATHS];
	struct problem p;
	X509_CRL *crl, *back;
	X509 *ca;
	long off;
	int len, ptype;
	size_t i;

	for (i = 0; i < NITEMS(kinds); i++) {
		struct signer *s = signers[i];

		ca = make_cert(signer_pubkey(s), "rxca crl root", 7);
		problem_clear(&p);
		CU_ASSERT_FATAL(signer_sign_x509(s, ca, &p) == 0);
		crl = make_crl(ca);
		CU_ASSERT_FATAL(signer_sign_crl(s, crl, &p) == 0);
		CU_ASSERT(X509_CRL_verify(crl, signer_pubkey(s)) == 1);
		CU_ASSERT(X509_CRL_get_signature_nid(crl) == kinds[i].sig_nid);
		X509_CRL_get0_signature(crl, &bits, &outer);
		X509_ALGOR_get0(&obj, &ptype, &pval, outer);
		CU_ASSERT(ptype == kinds[i].ptype);

		CU_ASSERT_FATAL((len = i2d_X509_CRL(crl, &der)) > 0);
		inner = crl_tbs_algor(der, len);
		CU_ASSERT_FATAL(inner != NULL);
		CU_ASSERT(X509_ALGOR_cmp(inner, outer) == 0);
		X509_ALGOR_free(inner);
		q = der;
		CU_ASSERT_FATAL((back = d2i_X509_CRL(NULL, &q, len)) != NULL);
		CU_ASSERT(X509_CRL_verify(back, signer_pubkey(s)) == 1);
		X509_CRL_free(back);

		/* the issuer name changed by one byte: verification fails */
		off = find_bytes(der, len, "rxca crl root");
		CU_ASSERT_FATAL(off > 0);
		der[off] = 'R';
		q = der;
		CU_ASSERT_FATAL((back = d2i_X509_CRL(NULL, &q, len)) != NULL);
		CU_ASSERT(X509_CRL_verify(back, signer_pubkey(s)) != 1);
		ERR_clear_error();
		X509_CRL_free(back);
		OPENSSL_free(der);
		der = NULL;

		/* openssl crl checks it against the CA */
		snprintf(cfile, sizeof(cfile), "crlca-%s.pem", kinds[i].name);
		snprintf(lfile, sizeof(lfile), "crl-%s.pem", kinds[i].name);
		snprintf(cpath, sizeof(cpath), "%s/%s", dir, cfile);
		snprintf(lpath, sizeof(lpath), "%s/%s", dir, lfile);
		CU_ASSERT_FATAL(write_cert(cfile, ca) == 0);
		CU_ASSERT_FATAL(write_crl(lfile, crl) == 0);
		{
			const char *check[] = {"openssl", "crl", "-in", lpath,
			    "-CAfile", cpath, "-noout", NULL};
			const char *text[] = {"openssl", "crl", "-in", lpath,
			    "-noout", "-text", NULL};

			CU_ASSERT(run(check) == 0);
			CU_ASSERT(run(text) == 0);
		}
		X509_CRL_free(crl);
		X509_free(ca);
	}
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
	int i;

	for (i = 0; i < NTHREADS; i++) {
		w[i].s = signers[i % NITEMS(kinds)];
		w[i].n = i;
		w[i].good = 0;
		CU_ASSERT_FATAL(
		    pthread_create(&th[i], NULL, worker_run, &w[i]) == 0);
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		CU_ASSERT(w[i].good == NSIGS);
	}
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("signer", suite_init, suite_clean);
	CU_add_test(s, "the hash goes with the key", test_md);
	CU_add_test(s, "other keys refused", test_refused_keys);
	CU_add_test(s, "raw signatures", test_sign_bytes);
	CU_add_test(s, "certificates", test_certificates);
	CU_add_test(s, "certificate DER signed as it stands", test_cert_der);
	CU_add_test(s, "CRLs", test_crls);
	CU_add_test(s, "threads share a signer", test_threads);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
