#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "common/certinfo.h"
#include "common/digest.h"
#include "common/logger.h"

int
certinfo_fingerprint(X509 *cert, unsigned char out[32])
{
	unsigned char *der = NULL;
	int n;

	if ((n = i2d_X509(cert, &der)) <= 0) {
		log_openssl("certinfo: cannot encode the certificate");
		return -1;
	}
	digest_sha256(der, (size_t)n, out);
	OPENSSL_free(der);
	return 0;
}

int
certinfo_fingerprint_hex(X509 *cert, char out[65])
{
	unsigned char raw[DIGEST_LEN];

	out[0] = '\0';
	if (certinfo_fingerprint(cert, raw) == -1)
		return -1;
	digest_hex(raw, sizeof(raw), out);
	return 0;
}

int
certinfo_subject(X509 *cert, char *buf, size_t bufsz)
{
	BIO *bio = NULL;
	char *data;
	long n;
	int rc = -1;

	if (bufsz == 0)
		return -1;
	buf[0] = '\0';
	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    X509_NAME_print_ex(
	        bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0) {
		log_openssl("certinfo: cannot print the subject");
		goto fail;
	}
	n = BIO_get_mem_data(bio, &data);
	if (n < 0)
		goto fail;
	if ((size_t)n >= bufsz)
		n = (long)bufsz - 1;
	memcpy(buf, data, (size_t)n);
	buf[n] = '\0';
	rc = 0;
fail:
	BIO_free(bio);
	return rc;
}

time_t
certinfo_not_after(const X509 *cert)
{
	ASN1_TIME *epoch = NULL;
	int days = 0, secs = 0;
	time_t t = 0;

	if ((epoch = ASN1_TIME_set(NULL, 0)) == NULL ||
	    ASN1_TIME_diff(&days, &secs, epoch, X509_get0_notAfter(cert)) !=
	        1) {
		log_openssl("certinfo: cannot read notAfter");
		goto fail;
	}
	t = (time_t)days * 86400 + secs;
fail:
	ASN1_TIME_free(epoch);
	return t;
}
