/* Unit tests of ca/opcert.c: the operators' CA, client and server
 * certificates, fingerprints, chain and date checks, PEM files. */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca/opcert.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))
#define DAY       86400L

static const time_t now = 1780000000; /* 2026-05-28 */

static EVP_PKEY *ca_key;
static X509 *ca;

static int
suite_init(void)
{
	if ((ca_key = opcert_key_new()) == NULL)
		return -1;
	if ((ca = opcert_ca_new(ca_key, "rxca operators CA", now)) == NULL)
		return -1;
	return 0;
}

static int
suite_clean(void)
{
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	return 0;
}

/* Seconds from a to b, two ASN1_TIMEs. */
static long
span(const ASN1_TIME *a, const ASN1_TIME *b)
{
	int days = 0, secs = 0;

	CU_ASSERT_FATAL(ASN1_TIME_diff(&days, &secs, a, b) == 1);
	return days * DAY + secs;
}

/* Critical flag of the extension nid, or -1 if absent. */
static int
ext_critical(X509 *x, int nid)
{
	int i;

	if ((i = X509_get_ext_by_NID(x, nid, -1)) < 0)
		return -1;
	return X509_EXTENSION_get_critical(X509_get_ext(x, i));
}

static void
test_ca(void)
{
	const ASN1_OCTET_STRING *skid;
	char subject[OPCERT_SUBJECT_LEN];

	CU_ASSERT(X509_check_ca(ca) == 1);
	CU_ASSERT(ext_critical(ca, NID_basic_constraints) == 1);
	CU_ASSERT(ext_critical(ca, NID_key_usage) == 1);
	CU_ASSERT(X509_get_key_usage(ca) == (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
	CU_ASSERT(X509_get_version(ca) == X509_VERSION_3);
	CU_ASSERT(X509_check_issued(ca, ca) == X509_V_OK);
	CU_ASSERT(X509_verify(ca, ca_key) == 1);
	CU_ASSERT(X509_check_private_key(ca, ca_key) == 1);
	skid = X509_get0_subject_key_id(ca);
	CU_ASSERT_FATAL(skid != NULL);
	CU_ASSERT_FATAL(X509_get0_authority_key_id(ca) != NULL);
	CU_ASSERT(
	    ASN1_OCTET_STRING_cmp(skid, X509_get0_authority_key_id(ca)) == 0);
	CU_ASSERT(span(X509_get0_notBefore(ca), X509_get0_notAfter(ca)) ==
	    OPCERT_CA_DAYS * DAY);
	CU_ASSERT(opcert_not_after(ca) == now + OPCERT_CA_DAYS * DAY);
	CU_ASSERT(opcert_subject(ca, subject, sizeof(subject)) == 0);
	CU_ASSERT_STRING_EQUAL(subject, "CN=rxca operators CA,O=rxca");
	CU_ASSERT(opcert_verify(ca, ca, now, OPCERT_USE_ANY) == X509_V_OK);
	CU_ASSERT(EVP_PKEY_get_bits(ca_key) == 256);
	CU_ASSERT(opcert_ca_new(ca_key, "", now) == NULL);
}

static void
test_client(void)
{
	const ASN1_INTEGER *serial;
	EVP_PKEY *key = NULL, *key2 = NULL, *other = NULL;
	X509 *x, *late;
	char subject[OPCERT_SUBJECT_LEN];

	x = opcert_client_new(ca, ca_key, "alice", now, &key);
	CU_ASSERT_FATAL(x != NULL && key != NULL);
	CU_ASSERT(X509_check_private_key(x, key) == 1);
	CU_ASSERT(X509_check_ca(x) == 0);
	CU_ASSERT(opcert_verify(x, ca, now, OPCERT_USE_CLIENT) == X509_V_OK);
	CU_ASSERT(opcert_verify(x, ca, now, OPCERT_USE_ANY) == X509_V_OK);
	CU_ASSERT(opcert_verify(x, ca, now, OPCERT_USE_SERVER) ==
	    X509_V_ERR_INVALID_PURPOSE);
	CU_ASSERT(X509_get_extension_flags(x) & EXFLAG_XKUSAGE);
	CU_ASSERT(X509_get_extended_key_usage(x) == XKU_SSL_CLIENT);
	CU_ASSERT(X509_get_key_usage(x) == KU_DIGITAL_SIGNATURE);
	CU_ASSERT(X509_check_purpose(x, X509_PURPOSE_SSL_CLIENT, 0) == 1);
	CU_ASSERT(X509_get0_subject_key_id(x) != NULL);
	CU_ASSERT(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(x),
	              X509_get0_subject_key_id(ca)) == 0);
	CU_ASSERT(opcert_subject(x, subject, sizeof(subject)) == 0);
	CU_ASSERT_STRING_EQUAL(subject, "CN=alice,O=rxca operators");
	CU_ASSERT(opcert_not_after(x) == now + OPCERT_LEAF_DAYS * DAY);
	serial = X509_get0_serialNumber(x);
	CU_ASSERT(ASN1_STRING_type(serial) == V_ASN1_INTEGER); /* positive */
	CU_ASSERT(ASN1_STRING_length(serial) == OPCERT_SERIAL_LEN);
	/* a second one differs in serial and key */
	late = opcert_client_new(ca, ca_key, "alice", now, &key2);
	CU_ASSERT_FATAL(late != NULL);
	CU_ASSERT(ASN1_INTEGER_cmp(serial, X509_get0_serialNumber(late)) != 0);
	CU_ASSERT(EVP_PKEY_eq(key, key2) == 0);
	X509_free(late);
	EVP_PKEY_free(key2);
	key2 = NULL;
	/* never past the CA's notAfter */
	late = opcert_client_new(
	    ca, ca_key, "bob", now + (OPCERT_CA_DAYS - 100) * DAY, &key2);
	CU_ASSERT_FATAL(late != NULL);
	CU_ASSERT(ASN1_TIME_compare(
	              X509_get0_notAfter(late), X509_get0_notAfter(ca)) == 0);
	X509_free(late);
	EVP_PKEY_free(key2);
	/* refused: a key that is not the CA's, a bad name */
	other = opcert_key_new();
	CU_ASSERT(opcert_client_new(ca, other, "carol", now, &key2) == NULL);
	CU_ASSERT(key2 == NULL);
	CU_ASSERT(opcert_client_new(ca, ca_key, "", now, &key2) == NULL);
	CU_ASSERT(opcert_client_new(ca, ca_key,
	              "0123456789012345678901234567890123456789012345678901234"
	              "5678901234",
	              now, &key2) == NULL);
	/* a leaf cannot issue */
	CU_ASSERT(opcert_client_new(x, key, "dave", now, &key2) == NULL);
	EVP_PKEY_free(other);
	EVP_PKEY_free(key);
	X509_free(x);
}

static void
test_server(void)
{
	static const char *const hosts[] = {
	    "localhost", "127.0.0.1", "::1", "rxca.example.org"};
	static const char *const bad[] = {"a,b", "-x.org", "x..org", "x-.org",
	    "", "a b", "DNS:x", "*.example.org"};
	STACK_OF(GENERAL_NAME) * san;
	EVP_PKEY *key = NULL, *k2 = NULL;
	X509 *x;
	size_t i;
	int ndns = 0, nip = 0;

	x = opcert_server_new(ca, ca_key, hosts, NITEMS(hosts), now, &key);
	CU_ASSERT_FATAL(x != NULL && key != NULL);
	CU_ASSERT(opcert_verify(x, ca, now, OPCERT_USE_SERVER) == X509_V_OK);
	CU_ASSERT(opcert_verify(x, ca, now, OPCERT_USE_CLIENT) ==
	    X509_V_ERR_INVALID_PURPOSE);
	CU_ASSERT(X509_get_extended_key_usage(x) == XKU_SSL_SERVER);
	CU_ASSERT(X509_check_host(x, "localhost", 0, 0, NULL) == 1);
	CU_ASSERT(X509_check_host(x, "rxca.example.org", 0, 0, NULL) == 1);
	CU_ASSERT(X509_check_host(x, "example.org", 0, 0, NULL) == 0);
	CU_ASSERT(X509_check_ip_asc(x, "127.0.0.1", 0) == 1);
	CU_ASSERT(X509_check_ip_asc(x, "::1", 0) == 1);
	CU_ASSERT(X509_check_ip_asc(x, "127.0.0.2", 0) == 0);
	san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	CU_ASSERT_FATAL(san != NULL);
	for (i = 0; i < (size_t)sk_GENERAL_NAME_num(san); i++) {
		int type = sk_GENERAL_NAME_value(san, (int)i)->type;
		ndns += type == GEN_DNS;
		nip += type == GEN_IPADD;
	}
	CU_ASSERT(ndns == 2 && nip == 2);
	GENERAL_NAMES_free(san);
	X509_free(x);
	EVP_PKEY_free(key);
	for (i = 0; i < NITEMS(bad); i++) {
		CU_ASSERT(opcert_host_ok(bad[i]) == 0);
		CU_ASSERT(opcert_server_new(ca, ca_key, &bad[i], 1, now, &k2) ==
		    NULL);
	}
	CU_ASSERT(opcert_server_new(ca, ca_key, hosts, 0, now, &k2) == NULL);
	for (i = 0; i < NITEMS(hosts); i++)
		CU_ASSERT(opcert_host_ok(hosts[i]) == 1);
}

static void
test_fingerprint(void)
{
	unsigned char mine[32], theirs[EVP_MAX_MD_SIZE];
	char hex[65], want[65];
	unsigned int n = 0, i;
	EVP_PKEY *key = NULL;
	X509 *x;

	x = opcert_client_new(ca, ca_key, "erin", now, &key);
	CU_ASSERT_FATAL(x != NULL);
	CU_ASSERT(X509_digest(x, EVP_sha256(), theirs, &n) == 1);
	CU_ASSERT_FATAL(n == 32);
	CU_ASSERT(opcert_fingerprint(x, mine) == 0);
	CU_ASSERT(memcmp(mine, theirs, 32) == 0);
	for (i = 0; i < n; i++)
		snprintf(want + 2 * i, 3, "%02x", theirs[i]);
	CU_ASSERT(opcert_fingerprint_hex(x, hex) == 0);
	CU_ASSERT_STRING_EQUAL(hex, want);
	CU_ASSERT(strlen(hex) == 64);
	X509_free(x);
	EVP_PKEY_free(key);
}

static void
test_foreign_and_expired(void)
{
	EVP_PKEY *k2 = NULL, *key = NULL, *lk = NULL;
	X509 *ca2, *x, *old;

	/* another CA, even one with the same name, is not ours */
	CU_ASSERT_FATAL((k2 = opcert_key_new()) != NULL);
	ca2 = opcert_ca_new(k2, "rxca operators CA", now);
	CU_ASSERT_FATAL(ca2 != NULL);
	x = opcert_client_new(ca2, k2, "mallory", now, &key);
	CU_ASSERT_FATAL(x != NULL);
	CU_ASSERT(opcert_verify(x, ca2, now, OPCERT_USE_CLIENT) == X509_V_OK);
	CU_ASSERT(opcert_verify(x, ca, now, OPCERT_USE_CLIENT) != X509_V_OK);
	CU_ASSERT(opcert_verify(ca2, ca, now, OPCERT_USE_ANY) != X509_V_OK);
	CU_ASSERT(opcert_verify(x, NULL, now, OPCERT_USE_ANY) ==
	    X509_V_ERR_UNSPECIFIED);
	X509_free(x);
	EVP_PKEY_free(key);
	X509_free(ca2);
	EVP_PKEY_free(k2);

	/* issued two years ago for one year: expired now, fine back then */
	old = opcert_client_new(ca, ca_key, "olga", now - 730 * DAY, &lk);
	CU_ASSERT_FATAL(old != NULL);
	CU_ASSERT(opcert_verify(old, ca, now, OPCERT_USE_CLIENT) ==
	    X509_V_ERR_CERT_HAS_EXPIRED);
	CU_ASSERT(opcert_verify(old, ca, now - 700 * DAY, OPCERT_USE_ANY) ==
	    X509_V_ERR_CERT_NOT_YET_VALID); /* before the CA */
	X509_free(old);
	EVP_PKEY_free(lk);
	/* a current certificate before it starts */
	x = opcert_client_new(ca, ca_key, "paul", now + 10 * DAY, &key);
	CU_ASSERT_FATAL(x != NULL);
	CU_ASSERT(opcert_verify(x, ca, now, OPCERT_USE_CLIENT) ==
	    X509_V_ERR_CERT_NOT_YET_VALID);
	CU_ASSERT(opcert_verify(x, ca, now + 11 * DAY, OPCERT_USE_CLIENT) ==
	    X509_V_OK);
	X509_free(x);
	EVP_PKEY_free(key);
}

static void
test_files(void)
{
	char dir[] = "/tmp/rxca-opcert-XXXXXX";
	char kpath[64], cpath[64], before[512], after[512];
	EVP_PKEY *key = NULL, *other, *back;
	struct stat st;
	X509 *x, *y;
	FILE *f;
	size_t n1, n2;

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(kpath, sizeof(kpath), "%s/op.key", dir);
	snprintf(cpath, sizeof(cpath), "%s/op.crt", dir);
	x = opcert_client_new(ca, ca_key, "frank", now, &key);
	CU_ASSERT_FATAL(x != NULL);

	CU_ASSERT(opcert_write_key(kpath, key) == 0);
	CU_ASSERT_FATAL(stat(kpath, &st) == 0);
	CU_ASSERT((st.st_mode & 07777) == 0600);
	f = fopen(kpath, "r");
	CU_ASSERT_FATAL(f != NULL);
	n1 = fread(before, 1, sizeof(before), f);
	fclose(f);
	CU_ASSERT(strncmp(before, "-----BEGIN PRIVATE KEY-----", 27) == 0);

	/* never overwritten */
	other = opcert_key_new();
	errno = 0;
	CU_ASSERT(opcert_write_key(kpath, other) == -1);
	CU_ASSERT(errno == EEXIST);
	f = fopen(kpath, "r");
	CU_ASSERT_FATAL(f != NULL);
	n2 = fread(after, 1, sizeof(after), f);
	fclose(f);
	CU_ASSERT(n1 == n2 && memcmp(before, after, n1) == 0);
	back = opcert_read_key(kpath);
	CU_ASSERT_FATAL(back != NULL);
	CU_ASSERT(EVP_PKEY_eq(back, key) == 1);
	CU_ASSERT(X509_check_private_key(x, back) == 1);
	EVP_PKEY_free(back);

	CU_ASSERT(opcert_write_cert(cpath, x) == 0);
	errno = 0;
	CU_ASSERT(opcert_write_cert(cpath, ca) == -1);
	CU_ASSERT(errno == EEXIST);
	y = opcert_read_cert(cpath);
	CU_ASSERT_FATAL(y != NULL);
	CU_ASSERT(X509_cmp(x, y) == 0);
	X509_free(y);
	/* a key file is no certificate, a missing file is nothing */
	CU_ASSERT(opcert_read_cert(kpath) == NULL);
	errno = 0;
	CU_ASSERT(opcert_read_cert("/nonexistent/x.crt") == NULL);
	CU_ASSERT(errno == ENOENT);
	CU_ASSERT(opcert_read_key(cpath) == NULL);
	/* a directory that is not there: nothing is left behind */
	CU_ASSERT(opcert_write_key("/nonexistent/x.key", key) == -1);

	unlink(kpath);
	unlink(cpath);
	rmdir(dir);
	EVP_PKEY_free(other);
	EVP_PKEY_free(key);
	X509_free(x);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("opcert", suite_init, suite_clean);
	CU_add_test(s, "the CA is a CA", test_ca);
	CU_add_test(s, "client certificate", test_client);
	CU_add_test(s, "server certificate and names", test_server);
	CU_add_test(s, "fingerprint", test_fingerprint);
	CU_add_test(s, "foreign and expired", test_foreign_and_expired);
	CU_add_test(s, "PEM files", test_files);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
