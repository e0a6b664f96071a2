/*
 * Unit tests of ca/ocsp.c: requests made by `openssl ocsp -reqout` (SHA-1
 * and SHA-256 CertIDs, with and without a nonce) parsed and matched to
 * the issuing CA; the hostile requests of tests/data/ocsp/ refused or
 * mapped as ca/ocsp.h says; good, revoked and unknown responses checked
 * field by field, verified by OCSP_basic_verify() and by `openssl ocsp
 * -respin`; refusals; the error responses.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca/crl.h"
#include "ca/hierarchy.h"
#include "ca/keyfile.h"
#include "ca/ocsp.h"
#include "ca/profile.h"
#include "ca/signer.h"
#include "common/problem.h"

#define DAY       86400L
#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))
#define PATHS     160
#define FILEMAX   (64 * 1024)

enum outcome {
	MALFORMED,    /* -1, 400 malformed-request */
	UNAUTHORIZED, /* parsed, but not ours to answer */
};

static time_t now;
static EVP_PKEY *root_key, *ca_key, *ocsp_key, *rsa_key;
static struct signer *root_signer, *ca_signer, *ocsp_signer, *rsa_signer;
static X509 *root, *ca, *ocsp, *rsa_ocsp, *leaf;
static char dir[] = "/tmp/rxca-ocsp-XXXXXX";
static char root_pem[PATHS], ca_pem[PATHS], leaf_pem[PATHS];
static char req_der[PATHS], resp_der[PATHS], out_txt[PATHS];
static char leaf_hex[2 * PROFILE_SERIAL_LEN + 3];

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

static const unsigned char *
serial(void)
{
	static unsigned char s[PROFILE_SERIAL_LEN];

	profile_serial_new(s);
	return s;
}

static EVP_PKEY *
genkey(enum p11_key_type type)
{
	struct problem p;

	problem_clear(&p);
	return keyfile_generate(type, &p);
}

static int
sign(struct signer *s, X509 *x)
{
	struct problem p;

	problem_clear(&p);
	return x != NULL && signer_sign_x509(s, x, &p) == 0 ? 0 : -1;
}

static int
write_pem(const char *path, X509 *x)
{
	FILE *f;
	int ok;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	ok = PEM_write_X509(f, x);
	return fclose(f) == 0 && ok == 1 ? 0 : -1;
}

static int
write_file(const char *path, const unsigned char *buf, size_t len)
{
	FILE *f;
	size_t n;

	if ((f = fopen(path, "wb")) == NULL)
		return -1;
	n = fwrite(buf, 1, len, f);
	return fclose(f) == 0 && n == len ? 0 : -1;
}

/* The file path in *buf (caller frees), its length in *len; -1 if none. */
static int
read_file(const char *path, unsigned char **buf, size_t *len)
{
	FILE *f;

	*buf = NULL;
	*len = 0;
	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	*buf = malloc(FILEMAX);
	*len = fread(*buf, 1, FILEMAX, f);
	fclose(f);
	return 0;
}

/* A leaf certificate under ca, on ocsp_key (any key will do). */
static X509 *
make_leaf(void)
{
	X509_NAME *name = NULL;
	X509 *x;

	if ((x = X509_new()) == NULL || (name = X509_NAME_new()) == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	        (const unsigned char *)"leaf", -1, -1, 0) != 1 ||
	    X509_set_version(x, X509_VERSION_3) != 1 ||
	    profile_set_serial(x, serial()) == -1 ||
	    X509_set_subject_name(x, name) != 1 ||
	    X509_set_issuer_name(x, X509_get_subject_name(ca)) != 1 ||
	    X509_set_pubkey(x, ocsp_key) != 1 ||
	    profile_set_validity(x, ca, now, 30) == -1 ||
	    profile_add_basic_constraints(x, 0, -1) == -1 ||
	    profile_add_key_ids(x, ca) == -1 || sign(ca_signer, x) == -1) {
		X509_free(x);
		x = NULL;
	}
	X509_NAME_free(name);
	return x;
}

static int
suite_init(void)
{
	const ASN1_INTEGER *sn;
	struct problem p;
	int i;

	problem_clear(&p);
	now = time(NULL) - 3600;
	if ((root_key = genkey(P11_KEY_P384)) == NULL ||
	    (ca_key = genkey(P11_KEY_P256)) == NULL ||
	    (ocsp_key = genkey(P11_KEY_P256)) == NULL ||
	    (rsa_key = genkey(P11_KEY_RSA2048)) == NULL ||
	    (root_signer = signer_from_key(root_key)) == NULL ||
	    (ca_signer = signer_from_key(ca_key)) == NULL ||
	    (ocsp_signer = signer_from_key(ocsp_key)) == NULL ||
	    (rsa_signer = signer_from_key(rsa_key)) == NULL)
		return -1;
	root = hierarchy_root(root_key, "rxca Test", "rxca Test Root CA", 3650,
	    now, serial(), &p);
	ca = hierarchy_issuing(ca_key, root, "rxca Test",
	    "rxca Test Issuing CA", 1825, now, serial(), NULL, &p);
	if (sign(root_signer, root) == -1 || sign(root_signer, ca) == -1)
		return -1;
	ocsp = hierarchy_ocsp_signer(
	    ocsp_key, ca, "rxca Test", 30, now, serial(), &p);
	rsa_ocsp = hierarchy_ocsp_signer(
	    rsa_key, ca, "rxca Test", 30, now, serial(), &p);
	if (sign(ca_signer, ocsp) == -1 || sign(ca_signer, rsa_ocsp) == -1 ||
	    (leaf = make_leaf()) == NULL)
		return -1;
	sn = X509_get0_serialNumber(leaf);
	memcpy(leaf_hex, "0x", 3);
	for (i = 0; i < ASN1_STRING_length(sn); i++)
		snprintf(leaf_hex + 2 + 2 * i, 3, "%02x",
		    ASN1_STRING_get0_data(sn)[i]);
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(root_pem, PATHS, "%s/root.pem", dir);
	snprintf(ca_pem, PATHS, "%s/issuing.pem", dir);
	snprintf(leaf_pem, PATHS, "%s/leaf.pem", dir);
	snprintf(req_der, PATHS, "%s/req.der", dir);
	snprintf(resp_der, PATHS, "%s/resp.der", dir);
	snprintf(out_txt, PATHS, "%s/out.txt", dir);
	if (write_pem(root_pem, root) == -1 || write_pem(ca_pem, ca) == -1 ||
	    write_pem(leaf_pem, leaf) == -1)
		return -1;
	return 0;
}

static int
suite_clean(void)
{
	const char *const files[] = {
	    root_pem, ca_pem, leaf_pem, req_der, resp_der, out_txt};
	size_t i;
	int rc = 0;

	for (i = 0; i < NITEMS(files); i++)
		(void)unlink(files[i]);
	if (dir[sizeof(dir) - 7] != 'X' && rmdir(dir) == -1)
		rc = -1;
	X509_free(root);
	X509_free(ca);
	X509_free(ocsp);
	X509_free(rsa_ocsp);
	X509_free(leaf);
	signer_free(root_signer);
	signer_free(ca_signer);
	signer_free(ocsp_signer);
	signer_free(rsa_signer);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(ocsp_key);
	EVP_PKEY_free(rsa_key);
	return rc;
}

/* Runs argv (PATH searched, at most 23 words), stdout and stderr into
 * out_txt; its exit status, or -1. */
static int
run(const char *const argv[])
{
	char *args[24];
	pid_t pid;
	int status = -1, fd, n;

	for (n = 0; n < 23 && argv[n] != NULL; n++)
		args[n] = strdup(argv[n]);
	args[n] = NULL;
	if ((pid = fork()) == 0) {
		fd = open(out_txt, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd == -1)
			_exit(126);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execvp(args[0], args);
		_exit(127);
	}
	if (pid == -1 || waitpid(pid, &status, 0) == -1 || !WIFEXITED(status))
		status = -1;
	else
		status = WEXITSTATUS(status);
	while (n-- > 0)
		free(args[n]);
	return status;
}

/* 1 if the output of the last run() contains s. */
static int
out_has(const char *s)
{
	unsigned char *buf;
	size_t n;
	int found;

	if (read_file(out_txt, &buf, &n) == -1)
		return 0;
	if (n == FILEMAX)
		n--;
	buf[n] = '\0';
	found = strstr((char *)buf, s) != NULL;
	free(buf);
	return found;
}

static void
test_parse_openssl(void)
{
	static const struct {
		int sha256;  /* -sha256 before -cert / -serial */
		int nonce;   /* without -no_nonce */
		int by_cert; /* -cert leaf.pem, else -serial */
	} v[] = {
	    {0, 1, 1},
	    {0, 0, 1},
	    {1, 1, 1},
	    {1, 0, 0},
	    {0, 1, 0},
	};
	const ASN1_INTEGER *sn = X509_get0_serialNumber(leaf);
	struct ocsp_issuer_id ca_id, root_id;
	struct ocsp_query q;
	struct problem p;
	unsigned char *der;
	const char *argv[16];
	size_t i, len;
	int n;

	CU_ASSERT_EQUAL_FATAL(ocsp_issuer_id_make(ca, &ca_id), 0);
	CU_ASSERT_EQUAL_FATAL(ocsp_issuer_id_make(root, &root_id), 0);
	for (i = 0; i < NITEMS(v); i++) {
		n = 0;
		argv[n++] = "openssl";
		argv[n++] = "ocsp";
		if (v[i].sha256)
			argv[n++] = "-sha256";
		argv[n++] = "-issuer";
		argv[n++] = ca_pem;
		argv[n++] = v[i].by_cert ? "-cert" : "-serial";
		argv[n++] = v[i].by_cert ? leaf_pem : leaf_hex;
		if (!v[i].nonce)
			argv[n++] = "-no_nonce";
		argv[n++] = "-reqout";
		argv[n++] = req_der;
		argv[n] = NULL;
		CU_ASSERT_EQUAL_FATAL(run(argv), 0);
		CU_ASSERT_EQUAL_FATAL(read_file(req_der, &der, &len), 0);
		problem_clear(&p);
		CU_ASSERT_EQUAL(ocsp_request_parse(der, len, &q, &p), 0);
		CU_ASSERT_EQUAL(p.status, 0);
		CU_ASSERT_EQUAL(q.md_nid, v[i].sha256 ? NID_sha256 : NID_sha1);
		CU_ASSERT_EQUAL(q.name_hash_len, v[i].sha256 ? 32u : 20u);
		CU_ASSERT_EQUAL(q.key_hash_len, v[i].sha256 ? 32u : 20u);
		CU_ASSERT_EQUAL(q.nonce, v[i].nonce);
		CU_ASSERT_EQUAL(q.serial_len, (size_t)ASN1_STRING_length(sn));
		CU_ASSERT(memcmp(q.serial, ASN1_STRING_get0_data(sn),
		              q.serial_len) == 0);
		CU_ASSERT_EQUAL(ocsp_issuer_matches(&q, ca), 1);
		CU_ASSERT_EQUAL(ocsp_issuer_matches(&q, root), 0);
		CU_ASSERT_EQUAL(ocsp_issuer_matches(&q, leaf), 0);
		/* the hashes made once answer as hashing each time does */
		CU_ASSERT_EQUAL(ocsp_issuer_id_matches(&q, &ca_id), 1);
		CU_ASSERT_EQUAL(ocsp_issuer_id_matches(&q, &root_id), 0);
		free(der);
	}
	CU_ASSERT_EQUAL(ERR_peek_error(), 0);
}

static void
test_issuer_matches(void)
{
	struct ocsp_issuer_id id;
	struct ocsp_query q, t;
	struct problem p;
	unsigned char *der;
	const char *const argv[] = {"openssl", "ocsp", "-issuer", ca_pem,
	    "-cert", leaf_pem, "-reqout", req_der, NULL};
	size_t len;

	CU_ASSERT_EQUAL_FATAL(run(argv), 0);
	CU_ASSERT_EQUAL_FATAL(read_file(req_der, &der, &len), 0);
	problem_clear(&p);
	CU_ASSERT_EQUAL_FATAL(ocsp_request_parse(der, len, &q, &p), 0);
	free(der);
	CU_ASSERT_EQUAL(ocsp_issuer_matches(&q, ca), 1);
	t = q;
	t.name_hash[5] ^= 1;
	CU_ASSERT_EQUAL(ocsp_issuer_matches(&t, ca), 0);
	t = q;
	t.key_hash[19] ^= 0x80;
	CU_ASSERT_EQUAL(ocsp_issuer_matches(&t, ca), 0);
	t = q;
	t.md_nid = NID_undef;
	CU_ASSERT_EQUAL(ocsp_issuer_matches(&t, ca), 0);
	t = q;
	t.md_nid = NID_sha256;
	CU_ASSERT_EQUAL(ocsp_issuer_matches(&t, ca), 0);
	t = q;
	t.name_hash_len = 19;
	CU_ASSERT_EQUAL(ocsp_issuer_matches(&t, ca), 0);
	CU_ASSERT_EQUAL(ocsp_issuer_matches(NULL, ca), 0);
	CU_ASSERT_EQUAL(ocsp_issuer_matches(&q, NULL), 0);
	/* the same refusals by the hashes made once */
	CU_ASSERT_EQUAL_FATAL(ocsp_issuer_id_make(ca, &id), 0);
	CU_ASSERT_EQUAL(ocsp_issuer_id_matches(&q, &id), 1);
	t = q;
	t.name_hash[5] ^= 1;
	CU_ASSERT_EQUAL(ocsp_issuer_id_matches(&t, &id), 0);
	t = q;
	t.key_hash[19] ^= 0x80;
	CU_ASSERT_EQUAL(ocsp_issuer_id_matches(&t, &id), 0);
	t = q;
	t.md_nid = NID_undef;
	CU_ASSERT_EQUAL(ocsp_issuer_id_matches(&t, &id), 0);
	t = q;
	t.md_nid = NID_sha256;
	CU_ASSERT_EQUAL(ocsp_issuer_id_matches(&t, &id), 0);
	t = q;
	t.key_hash_len = 19;
	CU_ASSERT_EQUAL(ocsp_issuer_id_matches(&t, &id), 0);
	CU_ASSERT_EQUAL(ocsp_issuer_id_matches(NULL, &id), 0);
	CU_ASSERT_EQUAL(ocsp_issuer_id_matches(&q, NULL), 0);
	CU_ASSERT_EQUAL(ocsp_issuer_id_make(NULL, &id), -1);
}

/* The table of tests/data/ocsp/README.md. */
static void
test_hostile(void)
{
	static const struct {
		const char *file;
		enum outcome outcome;
		const char *detail; /* part of the problem's detail */
		int md_nid;         /* for UNAUTHORIZED */
		int nonce;          /* for UNAUTHORIZED */
	} cases[] = {
	    {"valid_sha1_nonce.der", UNAUTHORIZED, NULL, NID_sha1, 1},
	    {"valid_sha256.der", UNAUTHORIZED, NULL, NID_sha256, 0},
	    {"valid_sha1_params_absent.der", UNAUTHORIZED, NULL, NID_sha1, 0},
	    {"unknown_hash_oid.der", UNAUTHORIZED, NULL, NID_undef, 0},
	    {"md5_hash.der", UNAUTHORIZED, NULL, NID_undef, 0},
	    {"signed_garbage_signature.der", UNAUTHORIZED, NULL, NID_sha1, 0},
	    {"empty.der", MALFORMED, "empty", 0, 0},
	    {"oversize.der", MALFORMED, "too large", 0, 0},
	    {"truncated.der", MALFORMED, "not a DER OCSP request", 0, 0},
	    {"trailing_garbage.der", MALFORMED, "data after", 0, 0},
	    {"wrong_outer_tag.der", MALFORMED, "not a DER OCSP request", 0, 0},
	    {"huge_length.der", MALFORMED, "not a DER OCSP request", 0, 0},
	    {"long_form_length.der", MALFORMED, "not in DER", 0, 0},
	    {"deep_nesting.der", MALFORMED, "not a DER OCSP request", 0, 0},
	    {"pem_text.der", MALFORMED, "not a DER OCSP request", 0, 0},
	    {"no_certids.der", MALFORMED, "exactly one", 0, 0},
	    {"two_certids.der", MALFORMED, "exactly one", 0, 0},
	    {"many_certids.der", MALFORMED, "exactly one", 0, 0},
	    {"hash_params.der", MALFORMED, "hash parameters", 0, 0},
	    {"short_hash.der", MALFORMED, "size", 0, 0},
	    {"sha256_with_sha1_hash.der", MALFORMED, "size", 0, 0},
	    {"zero_serial.der", MALFORMED, "zero", 0, 0},
	    {"negative_serial.der", MALFORMED, "negative", 0, 0},
	    {"long_serial.der", MALFORMED, "longer than 20", 0, 0},
	    {"version_v2.der", MALFORMED, "version", 0, 0},
	    {"explicit_v1.der", MALFORMED, "version", 0, 0},
	    {"critical_extension.der", MALFORMED, "critical", 0, 0},
	    {"two_nonces.der", MALFORMED, "nonce", 0, 0},
	    {"signed_not_a_signature.der", MALFORMED, "not a DER OCSP request",
	        0, 0},
	};
	static const unsigned char zero[sizeof(struct ocsp_query)];
	const char *data = getenv("RXCA_TEST_DATA");
	struct ocsp_query q;
	struct problem p;
	unsigned char *der;
	char path[PATHS];
	size_t i, len;
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	for (i = 0; i < NITEMS(cases); i++) {
		snprintf(path, sizeof(path), "%s/ocsp/%s", data, cases[i].file);
		if (read_file(path, &der, &len) == -1) {
			CU_FAIL("a file of tests/data/ocsp is missing");
			continue;
		}
		problem_clear(&p);
		memset(&q, 0xa5, sizeof(q));
		rc = ocsp_request_parse(der, len, &q, &p);
		if (cases[i].outcome == MALFORMED) {
			CU_ASSERT_EQUAL(rc, -1);
			CU_ASSERT_EQUAL(p.status, 400);
			CU_ASSERT_STRING_EQUAL(p.type, "malformed-request");
			CU_ASSERT_PTR_NOT_NULL(
			    strstr(p.detail, cases[i].detail));
			q.md_nid = 0;
			CU_ASSERT(memcmp(&q, zero, sizeof(q)) == 0);
			if (rc != -1 ||
			    strstr(p.detail, cases[i].detail) == NULL)
				fprintf(stderr, "%s: rc=%d detail=%s\n",
				    cases[i].file, rc, p.detail);
		} else {
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT_EQUAL(q.md_nid, cases[i].md_nid);
			CU_ASSERT_EQUAL(q.nonce, cases[i].nonce);
			CU_ASSERT_EQUAL(ocsp_issuer_matches(&q, ca), 0);
			if (rc != 0)
				fprintf(stderr, "%s: rc=%d detail=%s\n",
				    cases[i].file, rc, p.detail);
		}
		CU_ASSERT_EQUAL(ERR_peek_error(), 0);
		free(der);
	}
	/* NULL and a length past the bound never read the bytes */
	problem_clear(&p);
	CU_ASSERT_EQUAL(ocsp_request_parse(NULL, 10, &q, &p), -1);
	problem_clear(&p);
	CU_ASSERT_EQUAL(
	    ocsp_request_parse((const unsigned char *)"", (size_t)-1, &q, &p),
	    -1);
}

/* Builds a response, or NULL with p set. */
static unsigned char *
build(struct signer *s, X509 *resp_cert, int md_nid, const unsigned char *sn,
    size_t snlen, int status, int reason, size_t *len, struct problem *p)
{
	problem_clear(p);
	return ocsp_response_build(s, resp_cert, ca, md_nid, sn, snlen, status,
	    now - DAY, reason, now, now + 4 * DAY, now + 60, len, p);
}

/* The BasicOCSPResponse of the DER response der, checked to be DER. */
static OCSP_BASICRESP *
basic_of(const unsigned char *der, size_t len)
{
	OCSP_RESPONSE *resp;
	OCSP_BASICRESP *bs = NULL;
	unsigned char *again = NULL;
	const unsigned char *q = der;
	int n;

	resp = d2i_OCSP_RESPONSE(NULL, &q, (long)len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(resp);
	CU_ASSERT(q == der + len);
	n = i2d_OCSP_RESPONSE(resp, &again);
	CU_ASSERT(n > 0 && (size_t)n == len && memcmp(again, der, len) == 0);
	CU_ASSERT_EQUAL(
	    OCSP_response_status(resp), OCSP_RESPONSE_STATUS_SUCCESSFUL);
	bs = OCSP_response_get1_basic(resp);
	OPENSSL_free(again);
	OCSP_RESPONSE_free(resp);
	return bs;
}

/* OCSP_basic_verify() with root trusted, or with only ca trusted. */
static int
verify(OCSP_BASICRESP *bs, int partial)
{
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	X509_STORE *st = X509_STORE_new();
	int rc;

	if (partial) {
		X509_STORE_add_cert(st, ca);
		X509_STORE_set_flags(st, X509_V_FLAG_PARTIAL_CHAIN);
	} else {
		X509_STORE_add_cert(st, root);
		sk_X509_push(untrusted, ca);
	}
	rc = OCSP_basic_verify(bs, untrusted, st, 0);
	sk_X509_free(untrusted);
	X509_STORE_free(st);
	return rc;
}

static void
check_response(const unsigned char *der, size_t len, X509 *resp_cert,
    int md_nid, int sig_nid, const unsigned char *sn, size_t snlen, int status,
    int reason)
{
	ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
	const ASN1_OCTET_STRING *pid = NULL;
	const X509_NAME *pname = NULL;
	const X509_ALGOR *alg;
	OCSP_BASICRESP *bs;
	OCSP_SINGLERESP *single;
	OCSP_CERTID *id;
	ASN1_OBJECT *mdobj = NULL;
	ASN1_INTEGER *ai;
	unsigned char kh[EVP_MAX_MD_SIZE];
	unsigned int khlen = 0;
	int st = -1, why = -2, ptype = 0;

	bs = basic_of(der, len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bs);
	/* responderID by key, producedAt, one certificate, no extensions */
	CU_ASSERT_EQUAL(OCSP_resp_get0_id(bs, &pid, &pname), 1);
	CU_ASSERT_PTR_NULL(pname);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pid);
	CU_ASSERT(X509_pubkey_digest(resp_cert, EVP_sha1(), kh, &khlen) == 1);
	CU_ASSERT(ASN1_STRING_length(pid) == (int)khlen &&
	    memcmp(ASN1_STRING_get0_data(pid), kh, khlen) == 0);
	CU_ASSERT_EQUAL(
	    ASN1_TIME_cmp_time_t(OCSP_resp_get0_produced_at(bs), now + 60), 0);
	CU_ASSERT_EQUAL(sk_X509_num(OCSP_resp_get0_certs(bs)), 1);
	CU_ASSERT_EQUAL(
	    X509_cmp(sk_X509_value(OCSP_resp_get0_certs(bs), 0), resp_cert), 0);
	CU_ASSERT_EQUAL(OCSP_BASICRESP_get_ext_count(bs), 0);
	CU_ASSERT_EQUAL(OCSP_resp_count(bs), 1);
	alg = OCSP_resp_get0_tbs_sigalg(bs);
	X509_ALGOR_get0(NULL, &ptype, NULL, alg);
	CU_ASSERT_EQUAL(OBJ_obj2nid(alg->algorithm), sig_nid);
	CU_ASSERT_EQUAL(ptype,
	    sig_nid == NID_sha256WithRSAEncryption ? V_ASN1_NULL
	                                           : V_ASN1_UNDEF);

	/* the SingleResponse */
	single = OCSP_resp_get0(bs, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(single);
	CU_ASSERT_EQUAL(OCSP_SINGLERESP_get_ext_count(single), 0);
	CU_ASSERT_EQUAL(OCSP_id_get0_info(NULL, &mdobj, NULL, NULL,
	                    unconst(OCSP_SINGLERESP_get0_id(single))),
	    1);
	CU_ASSERT_EQUAL(OBJ_obj2nid(mdobj), md_nid);
	ai = ASN1_INTEGER_new();
	ASN1_STRING_set(ai, sn, (int)snlen);
	id = OCSP_cert_id_new(EVP_get_digestbynid(md_nid),
	    X509_get_subject_name(ca), X509_get0_pubkey_bitstr(ca), ai);
	CU_ASSERT_EQUAL(
	    OCSP_resp_find_status(bs, id, &st, &why, &rev, &thisupd, &nextupd),
	    1);
	CU_ASSERT_EQUAL(st, status);
	CU_ASSERT_EQUAL(ASN1_TIME_cmp_time_t(thisupd, now), 0);
	CU_ASSERT_EQUAL(ASN1_TIME_cmp_time_t(nextupd, now + 4 * DAY), 0);
	CU_ASSERT_EQUAL(ASN1_STRING_type(thisupd), V_ASN1_GENERALIZEDTIME);
	CU_ASSERT_EQUAL(OCSP_check_validity(thisupd, nextupd, 7200, -1), 1);
	if (status == V_OCSP_CERTSTATUS_REVOKED) {
		CU_ASSERT_PTR_NOT_NULL(rev);
		CU_ASSERT_EQUAL(ASN1_TIME_cmp_time_t(rev, now - DAY), 0);
		CU_ASSERT_EQUAL(why,
		    reason == CRL_REASON_UNSPECIFIED
		        ? OCSP_REVOKED_STATUS_NOSTATUS
		        : reason);
	} else
		CU_ASSERT_PTR_NULL(rev);
	OCSP_CERTID_free(id);
	ASN1_INTEGER_free(ai);

	/* the signature, by TBS bytes */
	CU_ASSERT_EQUAL(verify(bs, 0), 1);
	CU_ASSERT_EQUAL(verify(bs, 1), 1);
	CU_ASSERT_EQUAL(OCSP_basic_verify(bs, NULL, NULL, OCSP_NOVERIFY), 1);
	ERR_clear_error();
	OCSP_BASICRESP_free(bs);
}

static void
test_responses(void)
{
	static const struct {
		int status;
		int reason;
	} cases[] = {
	    {V_OCSP_CERTSTATUS_GOOD, -1},
	    {V_OCSP_CERTSTATUS_REVOKED, CRL_REASON_KEY_COMPROMISE},
	    {V_OCSP_CERTSTATUS_REVOKED, CRL_REASON_UNSPECIFIED},
	    {V_OCSP_CERTSTATUS_REVOKED, -1},
	    {V_OCSP_CERTSTATUS_REVOKED, CRL_REASON_AA_COMPROMISE},
	    {V_OCSP_CERTSTATUS_UNKNOWN, -1},
	};
	static const int mds[] = {NID_sha1, NID_sha256};
	const ASN1_INTEGER *sn = X509_get0_serialNumber(leaf);
	unsigned char *der;
	struct problem p;
	size_t i, j, len;

	for (i = 0; i < NITEMS(cases); i++)
		for (j = 0; j < NITEMS(mds); j++) {
			der = build(ocsp_signer, ocsp, mds[j],
			    ASN1_STRING_get0_data(sn),
			    (size_t)ASN1_STRING_length(sn), cases[i].status,
			    cases[i].reason, &len, &p);
			CU_ASSERT_PTR_NOT_NULL_FATAL(der);
			CU_ASSERT_EQUAL(p.status, 0);
			check_response(der, len, ocsp, mds[j],
			    NID_ecdsa_with_SHA256, ASN1_STRING_get0_data(sn),
			    (size_t)ASN1_STRING_length(sn), cases[i].status,
			    cases[i].reason);
			OPENSSL_free(der);
		}
	/* an RSA responder, and a short serial that no one has */
	{
		static const unsigned char one[] = {0x00, 0x00, 0x2a};

		der = build(rsa_signer, rsa_ocsp, NID_sha1, one, sizeof(one),
		    V_OCSP_CERTSTATUS_UNKNOWN, -1, &len, &p);
		CU_ASSERT_PTR_NOT_NULL_FATAL(der);
		check_response(der, len, rsa_ocsp, NID_sha1,
		    NID_sha256WithRSAEncryption, one + 2, 1,
		    V_OCSP_CERTSTATUS_UNKNOWN, -1);
		OPENSSL_free(der);
	}
	CU_ASSERT_EQUAL(ERR_peek_error(), 0);
}

/* `openssl ocsp -respin` verifies each response and shows its status. */
static void
test_openssl_respin(void)
{
	static const struct {
		int status;
		int reason;
		int md_nid;
		const char *shows[3]; /* in -resp_text */
		const char *answer;   /* for -cert leaf.pem */
	} cases[] = {
	    {V_OCSP_CERTSTATUS_GOOD, -1, NID_sha1,
	        {"Cert Status: good", "Hash Algorithm: sha1", NULL},
	        "leaf.pem: good"},
	    {V_OCSP_CERTSTATUS_REVOKED, CRL_REASON_KEY_COMPROMISE, NID_sha1,
	        {"Cert Status: revoked", "Reason: keyCompromise", NULL},
	        "leaf.pem: revoked"},
	    {V_OCSP_CERTSTATUS_UNKNOWN, -1, NID_sha256,
	        {"Cert Status: unknown", "Hash Algorithm: sha256", NULL},
	        "leaf.pem: unknown"},
	};
	const ASN1_INTEGER *sn = X509_get0_serialNumber(leaf);
	const char *const respin[] = {"openssl", "ocsp", "-respin", resp_der,
	    "-issuer", ca_pem, "-CAfile", root_pem, "-resp_text", NULL};
	const char *by_cert[] = {"openssl", "ocsp", "-sha1", "-respin",
	    resp_der, "-issuer", ca_pem, "-cert", leaf_pem, "-CAfile", root_pem,
	    NULL};
	const char *const untrusted[] = {"openssl", "ocsp", "-respin", resp_der,
	    "-issuer", ca_pem, "-CAfile", ca_pem, NULL};
	unsigned char *der;
	struct problem p;
	size_t i, j, len;

	for (i = 0; i < NITEMS(cases); i++) {
		der = build(ocsp_signer, ocsp, cases[i].md_nid,
		    ASN1_STRING_get0_data(sn), (size_t)ASN1_STRING_length(sn),
		    cases[i].status, cases[i].reason, &len, &p);
		CU_ASSERT_PTR_NOT_NULL_FATAL(der);
		CU_ASSERT_EQUAL_FATAL(write_file(resp_der, der, len), 0);
		OPENSSL_free(der);
		CU_ASSERT_EQUAL(run(respin), 0);
		CU_ASSERT(out_has("Response verify OK"));
		CU_ASSERT(out_has("Response Type: Basic OCSP Response"));
		CU_ASSERT(out_has("Responder Id: "));
		for (j = 0; cases[i].shows[j] != NULL; j++)
			CU_ASSERT(out_has(cases[i].shows[j]));
		/* the CertID openssl makes from the leaf matches ours */
		by_cert[2] = cases[i].md_nid == NID_sha1 ? "-sha1" : "-sha256";
		CU_ASSERT_EQUAL(run(by_cert), 0);
		CU_ASSERT(out_has(cases[i].answer));
		/* and the harness can fail: the root is not trusted */
		CU_ASSERT(
		    run(untrusted) != 0 || !out_has("Response verify OK"));
	}
}

static void
test_response_refusals(void)
{
	static const unsigned char zeros[3];
	static const unsigned char big[21] = {1};
	const ASN1_INTEGER *sn = X509_get0_serialNumber(leaf);
	const unsigned char *s = ASN1_STRING_get0_data(sn);
	size_t n = (size_t)ASN1_STRING_length(sn), len = 1;
	struct problem p;

#define REFUSED(call, want_status, want_field)                                 \
	do {                                                                   \
		problem_clear(&p);                                             \
		CU_ASSERT_PTR_NULL(call);                                      \
		CU_ASSERT_EQUAL(p.status, want_status);                        \
		CU_ASSERT_EQUAL(len, 0);                                       \
		if ((want_field)[0] != '\0')                                   \
			CU_ASSERT_STRING_EQUAL(p.fields[0].field, want_field); \
		len = 1;                                                       \
	} while (0)
	REFUSED(build(ocsp_signer, ocsp, NID_md5, s, n, 0, -1, &len, &p), 422,
	    "md_nid");
	REFUSED(build(ocsp_signer, ocsp, NID_sha384, s, n, 0, -1, &len, &p),
	    422, "md_nid");
	REFUSED(build(ocsp_signer, ocsp, NID_sha1, s, 0, 0, -1, &len, &p), 422,
	    "serial");
	REFUSED(build(ocsp_signer, ocsp, NID_sha1, NULL, 3, 0, -1, &len, &p),
	    422, "serial");
	REFUSED(build(ocsp_signer, ocsp, NID_sha1, zeros, sizeof(zeros), 0, -1,
	            &len, &p),
	    422, "serial");
	REFUSED(build(ocsp_signer, ocsp, NID_sha1, big, sizeof(big), 0, -1,
	            &len, &p),
	    422, "serial");
	REFUSED(build(ocsp_signer, ocsp, NID_sha1, s, n, 3, -1, &len, &p), 422,
	    "status");
	REFUSED(build(ocsp_signer, ocsp, NID_sha1, s, n, -1, -1, &len, &p), 422,
	    "status");
	REFUSED(
	    build(ocsp_signer, ocsp, NID_sha1, s, n, V_OCSP_CERTSTATUS_REVOKED,
	        CRL_REASON_CERTIFICATE_HOLD, &len, &p),
	    422, "reason");
	REFUSED(
	    build(ocsp_signer, ocsp, NID_sha1, s, n, V_OCSP_CERTSTATUS_REVOKED,
	        CRL_REASON_REMOVE_FROM_CRL, &len, &p),
	    422, "reason");
	REFUSED(build(ocsp_signer, ocsp, NID_sha1, s, n,
	            V_OCSP_CERTSTATUS_REVOKED, 7, &len, &p),
	    422, "reason");
	REFUSED(ocsp_response_build(ocsp_signer, ocsp, ca, NID_sha1, s, n, 0, 0,
	            -1, now, now, now, &len, &p),
	    422, "next_update");
	/* responders that do not fit: the CA itself (no id-kp-OCSPSigning),
	 * a key that is not the signer's, a certificate of another issuer,
	 * expired at producedAt */
	REFUSED(build(ca_signer, ca, NID_sha1, s, n, 0, -1, &len, &p), 500, "");
	REFUSED(
	    build(rsa_signer, ocsp, NID_sha1, s, n, 0, -1, &len, &p), 500, "");
	REFUSED(
	    build(root_signer, root, NID_sha1, s, n, 0, -1, &len, &p), 500, "");
	REFUSED(ocsp_response_build(ocsp_signer, ocsp, ca, NID_sha1, s, n, 0, 0,
	            -1, now, now + DAY, now + 31 * DAY, &len, &p),
	    500, "");
	REFUSED(ocsp_response_build(ocsp_signer, ocsp, root, NID_sha1, s, n, 0,
	            0, -1, now, now + DAY, now, &len, &p),
	    500, "");
	REFUSED(ocsp_response_build(ocsp_signer, NULL, ca, NID_sha1, s, n, 0, 0,
	            -1, now, now + DAY, now, &len, &p),
	    500, "");
	REFUSED(ocsp_response_build(NULL, ocsp, ca, NID_sha1, s, n, 0, 0, -1,
	            now, now + DAY, now, &len, &p),
	    500, "");
#undef REFUSED
	CU_ASSERT_EQUAL(ERR_peek_error(), 0);
}

static void
test_error_responses(void)
{
	static const int statuses[] = {OCSP_RESPONSE_STATUS_MALFORMEDREQUEST,
	    OCSP_RESPONSE_STATUS_INTERNALERROR, OCSP_RESPONSE_STATUS_TRYLATER,
	    OCSP_RESPONSE_STATUS_SIGREQUIRED,
	    OCSP_RESPONSE_STATUS_UNAUTHORIZED};
	static const int refused[] = {
	    OCSP_RESPONSE_STATUS_SUCCESSFUL, 4, 7, -1, 255};
	const char *const respin[] = {
	    "openssl", "ocsp", "-respin", resp_der, "-resp_text", NULL};
	unsigned char want[5] = {0x30, 0x03, 0x0a, 0x01, 0x00};
	OCSP_RESPONSE *resp;
	const unsigned char *q;
	unsigned char *der;
	size_t i, len;

	for (i = 0; i < NITEMS(statuses); i++) {
		der = ocsp_error_response(statuses[i], &len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(der);
		want[4] = (unsigned char)statuses[i];
		CU_ASSERT(len == sizeof(want) && memcmp(der, want, len) == 0);
		q = der;
		resp = d2i_OCSP_RESPONSE(NULL, &q, (long)len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(resp);
		CU_ASSERT_EQUAL(OCSP_response_status(resp), statuses[i]);
		CU_ASSERT_PTR_NULL(OCSP_response_get1_basic(resp));
		ERR_clear_error();
		OCSP_RESPONSE_free(resp);
		if (statuses[i] == OCSP_RESPONSE_STATUS_MALFORMEDREQUEST) {
			CU_ASSERT_EQUAL(write_file(resp_der, der, len), 0);
			(void)run(respin);
			CU_ASSERT(out_has("malformedrequest"));
		}
		OPENSSL_free(der);
	}
	for (i = 0; i < NITEMS(refused); i++) {
		len = 1;
		CU_ASSERT_PTR_NULL(ocsp_error_response(refused[i], &len));
		CU_ASSERT_EQUAL(len, 0);
	}
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ocsp", suite_init, suite_clean);
	CU_add_test(s, "requests made by openssl", test_parse_openssl);
	CU_add_test(s, "issuer matching", test_issuer_matches);
	CU_add_test(s, "hostile requests", test_hostile);
	CU_add_test(s, "responses read back and verified", test_responses);
	CU_add_test(s, "openssl ocsp -respin", test_openssl_respin);
	CU_add_test(s, "response refusals", test_response_refusals);
	CU_add_test(s, "error responses", test_error_responses);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed != 0;
}
