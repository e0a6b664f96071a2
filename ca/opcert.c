#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ca/opcert.h"
#include "common/certinfo.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/rand.h"

#define OPCERT_CN_MAX 64 /* ub-common-name */

EVP_PKEY *
opcert_key_new(void)
{
	EVP_PKEY *key;

	if ((key = EVP_EC_gen("P-256")) == NULL)
		log_openssl("opcert: P-256 key generation failed");
	return key;
}

/* A random positive serial of OPCERT_SERIAL_LEN bytes (top byte 1..127). */
static int
opcert_set_serial(X509 *x)
{
	unsigned char raw[OPCERT_SERIAL_LEN];
	BIGNUM *bn = NULL;
	int rc = -1;

	rand_fill(raw, sizeof(raw));
	raw[0] &= 0x7f;
	if (raw[0] == 0)
		raw[0] = 1;
	if ((bn = BN_bin2bn(raw, sizeof(raw), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		goto fail;
	rc = 0;
fail:
	BN_free(bn);
	return rc;
}

/* Adds one entry (UTF-8) to name. */
static int
opcert_name_add(X509_NAME *name, const char *field, const char *value)
{
	return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
	           (const unsigned char *)value, -1, -1, 0) == 1
	    ? 0
	    : -1;
}

/* Adds the extension nid with the fixed OpenSSL configuration value. */
static int
opcert_ext_add(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *ext;
	int rc;

	if ((ext = X509V3_EXT_conf_nid(NULL, v3, nid, value)) == NULL)
		return -1;
	rc = X509_add_ext(x, ext, -1) == 1 ? 0 : -1;
	X509_EXTENSION_free(ext);
	return rc;
}

/*
 * A version 3 certificate for subject on pub, issued by issuer (NULL:
 * itself), valid from now for days, never past the issuer's notAfter,
 * with a random serial, SKI and AKI.  The caller adds the other
 * extensions and signs.
 */
static X509 *
opcert_skeleton(
    X509 *issuer, X509_NAME *subject, EVP_PKEY *pub, time_t now, long days)
{
	X509 *x = NULL;
	X509V3_CTX v3;

	if ((x = X509_new()) == NULL ||
	    X509_set_version(x, X509_VERSION_3) != 1 ||
	    opcert_set_serial(x) == -1 ||
	    X509_set_subject_name(x, subject) != 1 ||
	    X509_set_issuer_name(
	        x, issuer != NULL ? X509_get_subject_name(issuer) : subject) !=
	        1 ||
	    X509_set_pubkey(x, pub) != 1 ||
	    X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &now) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, &now) == NULL)
		goto fail;
	if (issuer != NULL &&
	    ASN1_TIME_compare(
	        X509_get0_notAfter(x), X509_get0_notAfter(issuer)) > 0 &&
	    X509_set1_notAfter(x, X509_get0_notAfter(issuer)) != 1)
		goto fail;
	X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	if (opcert_ext_add(x, &v3, NID_subject_key_identifier, "hash") == -1 ||
	    opcert_ext_add(
	        x, &v3, NID_authority_key_identifier, "keyid:always") == -1)
		goto fail;
	return x;
fail:
	X509_free(x);
	return NULL;
}

X509 *
opcert_ca_new(EVP_PKEY *key, const char *cn, time_t now)
{
	X509_NAME *name = NULL;
	X509 *x = NULL;
	X509V3_CTX v3;

	if (key == NULL || cn == NULL || cn[0] == '\0' ||
	    strlen(cn) > OPCERT_CN_MAX) {
		log_error("opcert: bad CA name", NULL);
		return NULL;
	}
	if ((name = X509_NAME_new()) == NULL ||
	    opcert_name_add(name, "O", "rxca") == -1 ||
	    opcert_name_add(name, "CN", cn) == -1 ||
	    (x = opcert_skeleton(NULL, name, key, now, OPCERT_CA_DAYS)) == NULL)
		goto fail;
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	if (opcert_ext_add(x, &v3, NID_basic_constraints, "critical,CA:TRUE") ==
	        -1 ||
	    opcert_ext_add(
	        x, &v3, NID_key_usage, "critical,keyCertSign,cRLSign") == -1 ||
	    X509_sign(x, key, EVP_sha256()) <= 0)
		goto fail;
	X509_NAME_free(name);
	return x;
fail:
	log_openssl("opcert: cannot make the CA certificate");
	X509_NAME_free(name);
	X509_free(x);
	return NULL;
}

/* The issuer checks common to client and server certificates. */
static int
opcert_issuer_ok(X509 *ca, EVP_PKEY *ca_key)
{
	if (ca == NULL || ca_key == NULL)
		return 0;
	if (X509_check_private_key(ca, ca_key) != 1) {
		log_openssl("opcert: the CA key does not match the CA");
		log_error("opcert: the CA key does not match the CA", NULL);
		return 0;
	}
	if (X509_check_ca(ca) == 0) {
		log_error("opcert: the issuer is not a CA", NULL);
		return 0;
	}
	return 1;
}

X509 *
opcert_client_new(
    X509 *ca, EVP_PKEY *ca_key, const char *name, time_t now, EVP_PKEY **keyp)
{
	X509_NAME *subject = NULL;
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	X509V3_CTX v3;

	*keyp = NULL;
	if (name == NULL || name[0] == '\0' || strlen(name) > OPCERT_CN_MAX) {
		log_error("opcert: bad operator name", NULL);
		return NULL;
	}
	if (!opcert_issuer_ok(ca, ca_key))
		return NULL;
	if ((key = opcert_key_new()) == NULL)
		goto fail;
	if ((subject = X509_NAME_new()) == NULL ||
	    opcert_name_add(subject, "O", "rxca operators") == -1 ||
	    opcert_name_add(subject, "CN", name) == -1 ||
	    (x = opcert_skeleton(ca, subject, key, now, OPCERT_LEAF_DAYS)) ==
	        NULL)
		goto fail;
	X509V3_set_ctx(&v3, ca, x, NULL, NULL, 0);
	if (opcert_ext_add(
	        x, &v3, NID_basic_constraints, "critical,CA:FALSE") == -1 ||
	    opcert_ext_add(
	        x, &v3, NID_key_usage, "critical,digitalSignature") == -1 ||
	    opcert_ext_add(x, &v3, NID_ext_key_usage, "clientAuth") == -1 ||
	    X509_sign(x, ca_key, EVP_sha256()) <= 0)
		goto fail;
	X509_NAME_free(subject);
	*keyp = key;
	return x;
fail:
	log_openssl("opcert: cannot issue the client certificate");
	X509_NAME_free(subject);
	X509_free(x);
	EVP_PKEY_free(key);
	return NULL;
}

int
opcert_host_ok(const char *host)
{
	unsigned char addr[16];
	size_t n, label = 0, i;

	if (host == NULL)
		return 0;
	if (inet_pton(AF_INET, host, addr) == 1 ||
	    inet_pton(AF_INET6, host, addr) == 1)
		return 1;
	n = strlen(host);
	if (n == 0 || n > OPCERT_HOST_MAX)
		return 0;
	for (i = 0; i <= n; i++) {
		char c = host[i];
		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || host[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || c == '-'))
			return 0;
		if (c == '-' && label == 0)
			return 0;
		label++;
	}
	return 1;
}

/* One subjectAltName entry for host: an iPAddress or a dNSName. */
static GENERAL_NAME *
opcert_general_name(const char *host)
{
	unsigned char addr[16];
	GENERAL_NAME *gn = NULL;
	ASN1_OCTET_STRING *ip = NULL;
	ASN1_IA5STRING *dns = NULL;
	int alen = 0;

	if (inet_pton(AF_INET, host, addr) == 1)
		alen = 4;
	else if (inet_pton(AF_INET6, host, addr) == 1)
		alen = 16;
	if ((gn = GENERAL_NAME_new()) == NULL)
		goto fail;
	if (alen > 0) {
		if ((ip = ASN1_OCTET_STRING_new()) == NULL ||
		    ASN1_OCTET_STRING_set(ip, addr, alen) != 1)
			goto fail;
		GENERAL_NAME_set0_value(gn, GEN_IPADD, ip);
	} else {
		if ((dns = ASN1_IA5STRING_new()) == NULL ||
		    ASN1_STRING_set(dns, host, -1) != 1)
			goto fail;
		GENERAL_NAME_set0_value(gn, GEN_DNS, dns);
	}
	return gn;
fail:
	ASN1_OCTET_STRING_free(ip);
	ASN1_IA5STRING_free(dns);
	GENERAL_NAME_free(gn);
	return NULL;
}

X509 *
opcert_server_new(X509 *ca, EVP_PKEY *ca_key, const char *const *hosts,
    size_t nhosts, time_t now, EVP_PKEY **keyp)
{
	GENERAL_NAMES *san = NULL;
	GENERAL_NAME *gn;
	X509_NAME *subject = NULL;
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	X509V3_CTX v3;
	size_t i;

	*keyp = NULL;
	if (nhosts == 0 || nhosts > OPCERT_MAX_HOSTS) {
		log_error(
		    "opcert: bad number of server names", "n=%zu", nhosts);
		return NULL;
	}
	for (i = 0; i < nhosts; i++)
		if (!opcert_host_ok(hosts[i]) ||
		    strlen(hosts[i]) > OPCERT_CN_MAX) {
			log_error("opcert: not a host name or address",
			    "index=%zu", i);
			return NULL;
		}
	if (!opcert_issuer_ok(ca, ca_key))
		return NULL;
	if ((key = opcert_key_new()) == NULL ||
	    (san = GENERAL_NAMES_new()) == NULL)
		goto fail;
	for (i = 0; i < nhosts; i++) {
		if ((gn = opcert_general_name(hosts[i])) == NULL)
			goto fail;
		if (sk_GENERAL_NAME_push(san, gn) == 0) {
			GENERAL_NAME_free(gn);
			goto fail;
		}
	}
	if ((subject = X509_NAME_new()) == NULL ||
	    opcert_name_add(subject, "O", "rxca") == -1 ||
	    opcert_name_add(subject, "CN", hosts[0]) == -1 ||
	    (x = opcert_skeleton(ca, subject, key, now, OPCERT_LEAF_DAYS)) ==
	        NULL)
		goto fail;
	X509V3_set_ctx(&v3, ca, x, NULL, NULL, 0);
	if (opcert_ext_add(
	        x, &v3, NID_basic_constraints, "critical,CA:FALSE") == -1 ||
	    opcert_ext_add(
	        x, &v3, NID_key_usage, "critical,digitalSignature") == -1 ||
	    opcert_ext_add(x, &v3, NID_ext_key_usage, "serverAuth") == -1 ||
	    X509_add1_ext_i2d(
	        x, NID_subject_alt_name, san, 0, X509V3_ADD_DEFAULT) != 1 ||
	    X509_sign(x, ca_key, EVP_sha256()) <= 0)
		goto fail;
	GENERAL_NAMES_free(san);
	X509_NAME_free(subject);
	*keyp = key;
	return x;
fail:
	log_openssl("opcert: cannot issue the server certificate");
	GENERAL_NAMES_free(san);
	X509_NAME_free(subject);
	X509_free(x);
	EVP_PKEY_free(key);
	return NULL;
}

/*
 * Creates path (never replacing a file) with mode and writes one PEM
 * object with write_pem.  Returns 0, or -1 with errno set; a file it
 * created is removed on failure.
 */
static int
opcert_write_new(
    const char *path, mode_t mode, int (*write_pem)(BIO *, void *), void *obj)
{
	BIO *bio = NULL;
	int fd = -1, created = 0, saved, rc = -1;

	if ((fd = open(path,
	         O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)) ==
	    -1)
		goto fail;
	created = 1;
	if ((bio = BIO_new_fd(fd, BIO_NOCLOSE)) == NULL ||
	    write_pem(bio, obj) != 1 || BIO_flush(bio) != 1) {
		log_openssl("opcert: cannot write PEM");
		errno = EIO;
		goto fail;
	}
	if (fsync(fd) == -1)
		goto fail;
	rc = 0;
fail:
	saved = errno;
	BIO_free(bio);
	if (fd != -1 && close(fd) == -1 && rc == 0) {
		saved = errno;
		rc = -1;
	}
	if (rc == -1 && created)
		(void)unlink(path);
	errno = saved;
	return rc;
}

static int
opcert_pem_cert(BIO *bio, void *obj)
{
	return PEM_write_bio_X509(bio, obj);
}

static int
opcert_pem_key(BIO *bio, void *obj)
{
	return PEM_write_bio_PrivateKey(bio, obj, NULL, NULL, 0, NULL, NULL);
}

int
opcert_write_cert(const char *path, X509 *cert)
{
	return opcert_write_new(path, 0644, opcert_pem_cert, cert);
}

int
opcert_write_key(const char *path, EVP_PKEY *key)
{
	return opcert_write_new(path, 0600, opcert_pem_key, key);
}

X509 *
opcert_read_cert(const char *path)
{
	X509 *x = NULL;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if ((x = PEM_read_X509(f, NULL, NULL, NULL)) == NULL) {
		log_openssl("opcert: no PEM certificate");
		errno = EINVAL;
	}
	fclose(f);
	return x;
}

EVP_PKEY *
opcert_read_key(const char *path)
{
	EVP_PKEY *key = NULL;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if ((key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL) {
		log_openssl("opcert: no PEM private key");
		errno = EINVAL;
	}
	fclose(f);
	return key;
}

/* These four are common/certinfo.h's, which the HTTP layer shares. */
int
opcert_fingerprint(X509 *cert, unsigned char out[32])
{
	return certinfo_fingerprint(cert, out);
}

int
opcert_fingerprint_hex(X509 *cert, char out[65])
{
	return certinfo_fingerprint_hex(cert, out);
}

int
opcert_subject(X509 *cert, char *buf, size_t bufsz)
{
	return certinfo_subject(cert, buf, bufsz);
}

time_t
opcert_not_after(const X509 *cert)
{
	return certinfo_not_after(cert);
}

long
opcert_verify(X509 *cert, X509 *ca, time_t at, enum opcert_use use)
{
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	long rc = X509_V_ERR_UNSPECIFIED;
	int purpose = 0;

	if (cert == NULL || ca == NULL)
		return rc;
	if (use == OPCERT_USE_CLIENT)
		purpose = X509_PURPOSE_SSL_CLIENT;
	else if (use == OPCERT_USE_SERVER)
		purpose = X509_PURPOSE_SSL_SERVER;
	if ((store = X509_STORE_new()) == NULL ||
	    X509_STORE_add_cert(store, ca) != 1 ||
	    (ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, store, cert, NULL) != 1 ||
	    (purpose != 0 && X509_STORE_CTX_set_purpose(ctx, purpose) != 1)) {
		log_openssl("opcert: cannot set up verification");
		goto fail;
	}
	X509_STORE_CTX_set_time(ctx, 0, at);
	if (X509_verify_cert(ctx) == 1)
		rc = X509_V_OK;
	else {
		rc = X509_STORE_CTX_get_error(ctx);
		if (rc == X509_V_OK)
			rc = X509_V_ERR_UNSPECIFIED;
		ERR_clear_error();
	}
fail:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return rc;
}
