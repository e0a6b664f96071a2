/* Unit tests of ca/keyfile.c: CA keys made, written encrypted, read back;
 * wrong and short passphrases, files never replaced, mode 0600; 600000
 * PBKDF2 iterations, lowered only by the test override of a test build.
 * The other tests run with the override at 1000. */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ca/keyfile.h"
#include "common/problem.h"

#define PASS  "correct horse battery"
#define PATHS 96

static char dir[] = "/tmp/rxca-keyfile-XXXXXX";

/* Runs argv (PATH searched), output discarded; the exit status or -1. */
static int
run(const char *const *argv)
{
	union {
		const char *const *c;
		char *const *m;
	} av;
	pid_t pid;
	int status;

	av.c = argv;
	fflush(NULL);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(126);
		execvp(av.m[0], av.m);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int
suite_init(void)
{
	return mkdtemp(dir) != NULL ? 0 : -1;
}

/* Removes every file this suite made, then the directory. */
static int
suite_clean(void)
{
	static const char *const names[] = {"p256.key", "p384.key", "rsa.key",
	    "short.key", "exists.key", "plain.key", "junk.key", "iter.key",
	    "bad-iter.key"};
	char path[PATHS];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		(void)unlink(path);
	}
	return rmdir(dir) == 0 ? 0 : -1;
}

static void
path_of(char *path, const char *name)
{
	snprintf(path, PATHS, "%s/%s", dir, name);
}

/* The first n bytes of path into buf (NUL-terminated); bytes read. */
static size_t
slurp(const char *path, char *buf, size_t n)
{
	FILE *f;
	size_t got;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	got = fread(buf, 1, n - 1, f);
	buf[got] = '\0';
	fclose(f);
	return got;
}

/* The PBKDF2 iteration count of the encrypted PKCS#8 file path, or -1. */
static long
iterations_of(const char *path)
{
	const X509_ALGOR *alg = NULL;
	PBE2PARAM *pbe2 = NULL;
	PBKDF2PARAM *kdf = NULL;
	X509_SIG *p8 = NULL;
	FILE *f;
	long n = -1;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	p8 = PEM_read_PKCS8(f, NULL, NULL, NULL);
	fclose(f);
	if (p8 == NULL)
		return -1;
	X509_SIG_get0(p8, &alg, NULL);
	if (OBJ_obj2nid(alg->algorithm) == NID_pbes2 &&
	    (pbe2 = ASN1_TYPE_unpack_sequence(
	         ASN1_ITEM_rptr(PBE2PARAM), alg->parameter)) != NULL &&
	    OBJ_obj2nid(pbe2->keyfunc->algorithm) == NID_id_pbkdf2 &&
	    (kdf = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM),
	         pbe2->keyfunc->parameter)) != NULL)
		n = ASN1_INTEGER_get(kdf->iter);
	PBKDF2PARAM_free(kdf);
	PBE2PARAM_free(pbe2);
	X509_SIG_free(p8);
	return n;
}

/* Writes a new P-256 key to name with RXCA_TEST_PBKDF2_ITER set to v (or
 * unset for NULL); its iteration count, 0 if refused (p set), -1 else. */
static long
write_with_iter(const char *name, const char *v, struct problem *p)
{
	char path[PATHS];
	EVP_PKEY *key, *back;
	long n = -1;

	path_of(path, name);
	(void)unlink(path);
	if (v == NULL)
		unsetenv("RXCA_TEST_PBKDF2_ITER");
	else
		setenv("RXCA_TEST_PBKDF2_ITER", v, 1);
	problem_clear(p);
	if ((key = keyfile_generate(P11_KEY_P256, p)) == NULL)
		goto out;
	if (keyfile_write(path, key, PASS, p) == -1) {
		n = access(path, F_OK) == -1 ? 0 : -1;
		goto out;
	}
	if ((back = keyfile_read(path, PASS, p)) != NULL &&
	    EVP_PKEY_eq(key, back) == 1)
		n = iterations_of(path);
	EVP_PKEY_free(back);
out:
	EVP_PKEY_free(key);
	setenv("RXCA_TEST_PBKDF2_ITER", "1000", 1);
	return n;
}

static void
test_iterations(void)
{
	static const char *const bad[] = {
	    "999", "600001", "0", "-1000", "", "1000x", "abc", "99999999999"};
	struct problem p;
	size_t i;

	/* a release build's count, with no override */
	CU_ASSERT(write_with_iter("iter.key", NULL, &p) == KEYFILE_PBKDF2_ITER);
#ifdef RXCA_TEST_HOOKS
	CU_ASSERT(write_with_iter("iter.key", "1000", &p) == 1000);
	CU_ASSERT(write_with_iter("iter.key", "600000", &p) == 600000);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT(write_with_iter("bad-iter.key", bad[i], &p) == 0);
		CU_ASSERT(p.status == 422);
		CU_ASSERT(p.nfields == 1 &&
		    strcmp(p.fields[0].field, "RXCA_TEST_PBKDF2_ITER") == 0);
	}
#else
	/* without the test hooks the variable is ignored */
	(void)i;
	CU_ASSERT(
	    write_with_iter("iter.key", "1000", &p) == KEYFILE_PBKDF2_ITER);
	CU_ASSERT(
	    write_with_iter("bad-iter.key", bad[0], &p) == KEYFILE_PBKDF2_ITER);
#endif
}

static void
test_generate(void)
{
	static const struct {
		enum p11_key_type type;
		const char *name;
		int bits;
	} want[] = {{P11_KEY_P256, "EC", 256}, {P11_KEY_P384, "EC", 384},
	    {P11_KEY_RSA2048, "RSA", 2048}, {P11_KEY_RSA3072, "RSA", 3072}};
	struct problem p;
	EVP_PKEY *key;
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		problem_clear(&p);
		key = keyfile_generate(want[i].type, &p);
		CU_ASSERT_FATAL(key != NULL);
		CU_ASSERT(EVP_PKEY_is_a(key, want[i].name));
		CU_ASSERT(EVP_PKEY_get_bits(key) == want[i].bits);
		EVP_PKEY_free(key);
	}
	problem_clear(&p);
	CU_ASSERT(keyfile_generate((enum p11_key_type)42, &p) == NULL);
	CU_ASSERT(p.status == 422);
}

static void
test_round_trip(void)
{
	static const struct {
		enum p11_key_type type;
		const char *file;
	} keys[] = {{P11_KEY_P256, "p256.key"}, {P11_KEY_P384, "p384.key"},
	    {P11_KEY_RSA2048, "rsa.key"}};
	char path[PATHS], head[64];
	struct problem p;
	EVP_PKEY *key, *back;
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		problem_clear(&p);
		key = keyfile_generate(keys[i].type, &p);
		CU_ASSERT_FATAL(key != NULL);
		path_of(path, keys[i].file);
		CU_ASSERT_FATAL(keyfile_write(path, key, PASS, &p) == 0);
		CU_ASSERT_FATAL(stat(path, &st) == 0);
		CU_ASSERT((st.st_mode & 07777) == 0600);
		slurp(path, head, sizeof(head));
		CU_ASSERT(strncmp(head, "-----BEGIN ENCRYPTED PRIVATE KEY-----",
		              37) == 0);
		back = keyfile_read(path, PASS, &p);
		CU_ASSERT_FATAL(back != NULL);
		CU_ASSERT(EVP_PKEY_eq(key, back) == 1);
		CU_ASSERT(ERR_peek_error() == 0);
		EVP_PKEY_free(back);
		EVP_PKEY_free(key);
	}
	/* the openssl command reads it too */
	path_of(path, "p384.key");
	{
		const char *argv[] = {"openssl", "pkey", "-in", path, "-passin",
		    "pass:" PASS, "-noout", NULL};
		const char *wrong[] = {"openssl", "pkey", "-in", path,
		    "-passin", "pass:not the passphrase", "-noout", NULL};

		CU_ASSERT(run(argv) == 0);
		CU_ASSERT(run(wrong) != 0);
	}
}

static void
test_wrong_passphrase(void)
{
	char path[PATHS];
	struct problem p;
	EVP_PKEY *key;

	path_of(path, "p256.key");
	ERR_clear_error();
	problem_clear(&p);
	CU_ASSERT(keyfile_read(path, "correct horse battery!", &p) == NULL);
	CU_ASSERT(p.status == 401);
	CU_ASSERT_STRING_EQUAL(p.type, "wrong-passphrase");
	CU_ASSERT(strstr(p.detail, "passphrase") != NULL);
	CU_ASSERT(ERR_peek_error() == 0);
	/* the right one still works afterwards */
	problem_clear(&p);
	key = keyfile_read(path, PASS, &p);
	CU_ASSERT(key != NULL);
	EVP_PKEY_free(key);
}

static void
test_short_passphrase(void)
{
	char path[PATHS];
	struct problem p;
	EVP_PKEY *key;

	path_of(path, "short.key");
	problem_clear(&p);
	key = keyfile_generate(P11_KEY_P256, &p);
	CU_ASSERT_FATAL(key != NULL);
	CU_ASSERT(keyfile_write(path, key, "elevenchars", &p) == -1);
	CU_ASSERT(p.status == 422);
	CU_ASSERT(p.nfields == 1);
	CU_ASSERT_STRING_EQUAL(p.fields[0].field, "passphrase");
	CU_ASSERT(access(path, F_OK) == -1);
	problem_clear(&p);
	CU_ASSERT(keyfile_write(path, key, NULL, &p) == -1);
	CU_ASSERT(access(path, F_OK) == -1);
	/* twelve is enough */
	problem_clear(&p);
	CU_ASSERT(keyfile_write(path, key, "twelve chars", &p) == 0);
	EVP_PKEY_free(key);
	/* reading with a short one is refused before the file is touched */
	problem_clear(&p);
	CU_ASSERT(keyfile_read(path, "short", &p) == NULL);
	CU_ASSERT(p.status == 422);
}

static void
test_never_overwritten(void)
{
	char path[PATHS], before[4096], after[4096];
	struct problem p;
	EVP_PKEY *a, *b, *back;
	size_t n1, n2;

	path_of(path, "exists.key");
	problem_clear(&p);
	a = keyfile_generate(P11_KEY_P256, &p);
	b = keyfile_generate(P11_KEY_P256, &p);
	CU_ASSERT_FATAL(a != NULL && b != NULL);
	CU_ASSERT_FATAL(keyfile_write(path, a, PASS, &p) == 0);
	n1 = slurp(path, before, sizeof(before));
	CU_ASSERT(keyfile_write(path, b, PASS, &p) == -1);
	CU_ASSERT(p.status == 409);
	CU_ASSERT_STRING_EQUAL(p.type, "file-exists");
	n2 = slurp(path, after, sizeof(after));
	CU_ASSERT(n1 == n2 && memcmp(before, after, n1) == 0);
	problem_clear(&p);
	back = keyfile_read(path, PASS, &p);
	CU_ASSERT_FATAL(back != NULL);
	CU_ASSERT(EVP_PKEY_eq(back, a) == 1);
	/* a directory that is not there */
	problem_clear(&p);
	CU_ASSERT(keyfile_write("/nonexistent/x.key", a, PASS, &p) == -1);
	CU_ASSERT(p.status == 500);
	EVP_PKEY_free(back);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
}

static void
test_not_key_files(void)
{
	char path[PATHS];
	struct problem p;
	EVP_PKEY *key;
	FILE *f;

	/* missing */
	problem_clear(&p);
	CU_ASSERT(keyfile_read("/nonexistent/x.key", PASS, &p) == NULL);
	CU_ASSERT(p.status == 404);
	/* a key in clear is refused: CA keys are encrypted */
	path_of(path, "plain.key");
	problem_clear(&p);
	key = keyfile_generate(P11_KEY_P256, &p);
	CU_ASSERT_FATAL(key != NULL);
	f = fopen(path, "w");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1);
	fclose(f);
	EVP_PKEY_free(key);
	CU_ASSERT(keyfile_read(path, PASS, &p) == NULL);
	CU_ASSERT(p.status == 422);
	CU_ASSERT(ERR_peek_error() == 0);
	/* junk */
	path_of(path, "junk.key");
	f = fopen(path, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n"
	      "-----END ENCRYPTED PRIVATE KEY-----\n",
	    f);
	fclose(f);
	problem_clear(&p);
	CU_ASSERT(keyfile_read(path, PASS, &p) == NULL);
	CU_ASSERT(p.status == 422);
	/* a directory */
	problem_clear(&p);
	CU_ASSERT(keyfile_read(dir, PASS, &p) == NULL);
	CU_ASSERT(p.status == 422);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	/* fast key files for every test but test_iterations */
	setenv("RXCA_TEST_PBKDF2_ITER", "1000", 1);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("keyfile", suite_init, suite_clean);
	CU_add_test(s, "generate each key type", test_generate);
	CU_add_test(s, "write and read back", test_round_trip);
	CU_add_test(s, "wrong passphrase", test_wrong_passphrase);
	CU_add_test(s, "short passphrase refused", test_short_passphrase);
	CU_add_test(
	    s, "existing file never overwritten", test_never_overwritten);
	CU_add_test(s, "not key files", test_not_key_files);
	CU_add_test(
	    s, "PBKDF2 iterations and their test override", test_iterations);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
