#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "token/tokcms.h"
#include "common/logger.h"
#include "common/xmalloc.h"

#define TOKCMS_ATTRS_MAX 8     /* signed attributes we make */
#define TOKCMS_READ      65536 /* bytes read at a time */

/* One encoded attribute, for sorting. */
struct tokcms_enc {
	unsigned char *der; /* i2d_X509_ATTRIBUTE() */
	size_t len;         /* its length */
};

/* DER order of a SET OF: as octet strings, the shorter padded with 0. */
static int
tokcms_cmp(const void *a, const void *b)
{
	const struct tokcms_enc *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c;

	if ((c = memcmp(x->der, y->der, n)) != 0)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

/* The DER length octets of len into out (at most 5); their number. */
static size_t
tokcms_len(size_t len, unsigned char out[5])
{
	size_t n = 0, i;

	if (len < 0x80) {
		out[0] = (unsigned char)len;
		return 1;
	}
	for (i = len; i > 0; i >>= 8)
		n++;
	out[0] = (unsigned char)(0x80 | n);
	for (i = 0; i < n; i++)
		out[1 + i] = (unsigned char)(len >> (8 * (n - 1 - i)));
	return 1 + n;
}

/*
 * The DER SET OF the signed attributes of si, as they are signed (RFC
 * 5652 section 5.4: the [0] IMPLICIT tag replaced by SET).
 */
static int
tokcms_attrs_der(CMS_SignerInfo *si, unsigned char **out, size_t *outlen)
{
	struct tokcms_enc enc[TOKCMS_ATTRS_MAX];
	unsigned char hdr[6], *buf = NULL;
	size_t total = 0, hlen, off, i;
	int n, count, rc = -1;

	memset(enc, 0, sizeof(enc));
	count = CMS_signed_get_attr_count(si);
	if (count <= 0 || count > TOKCMS_ATTRS_MAX)
		goto out;
	for (i = 0; i < (size_t)count; i++) {
		n = i2d_X509_ATTRIBUTE(
		    CMS_signed_get_attr(si, (int)i), &enc[i].der);
		if (n <= 0) {
			enc[i].der = NULL;
			goto out;
		}
		enc[i].len = (size_t)n;
		total += enc[i].len;
	}
	qsort(enc, (size_t)count, sizeof(enc[0]), tokcms_cmp);
	hdr[0] = 0x31;
	hlen = 1 + tokcms_len(total, hdr + 1);
	buf = xmalloc(hlen + total);
	memcpy(buf, hdr, hlen);
	off = hlen;
	for (i = 0; i < (size_t)count; i++) {
		memcpy(buf + off, enc[i].der, enc[i].len);
		off += enc[i].len;
	}
	*out = buf;
	*outlen = off;
	rc = 0;
out:
	for (i = 0; i < TOKCMS_ATTRS_MAX; i++)
		OPENSSL_free(enc[i].der);
	return rc;
}

int
tokcms_sign(struct signer *s, X509 *cert, STACK_OF(X509) * chain,
    const unsigned char *digest, size_t dlen, time_t now, unsigned char **der,
    size_t *derlen, struct problem *p)
{
	const unsigned int flags =
	    CMS_PARTIAL | CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP;
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si;
	ESS_SIGNING_CERT_V2 *ess = NULL;
	ASN1_TIME *when = NULL;
	ASN1_OCTET_STRING *sigv;
	unsigned char *attrs = NULL, *sig = NULL, *out = NULL, *esder = NULL;
	size_t attrslen = 0, siglen = 0;
	int i, n, rc = -1;

	*der = NULL;
	*derlen = 0;
	if (cert == NULL ||
	    EVP_PKEY_eq(X509_get0_pubkey(cert), signer_pubkey(s)) != 1) {
		ERR_clear_error();
		log_error("tokcms: the certificate is not the signer's", NULL);
		return problem_set(p, 409, "certificate-mismatch",
		    "Certificate mismatch",
		    "The certificate on the token is not for its key.");
	}
	if (dlen != (size_t)EVP_MD_get_size(signer_md(s)))
		return problem_internal(p);
	/*
	 * CMS_add1_signer() only compares the public halves of the key it
	 * is given with the certificate's; with CMS_PARTIAL it signs
	 * nothing, so the certificate's public key stands in for the key.
	 */
	if ((cms = CMS_sign(NULL, NULL, NULL, NULL, flags)) == NULL ||
	    (si = CMS_add1_signer(cms, cert, X509_get0_pubkey(cert),
	         signer_md(s), flags)) == NULL)
		goto ossl;
	for (i = 0; chain != NULL && i < sk_X509_num(chain); i++)
		if (CMS_add1_cert(cms, sk_X509_value(chain, i)) != 1)
			goto ossl;
	if ((when = ASN1_TIME_adj(NULL, now, 0, 0)) == NULL)
		goto ossl;
	/* RFC 5652 11.3: UTCTime through 2049 */
	if (CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType,
	        V_ASN1_OBJECT, OBJ_nid2obj(NID_pkcs7_data), -1) != 1 ||
	    CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime,
	        ASN1_STRING_type(when), when, -1) != 1 ||
	    CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest,
	        V_ASN1_OCTET_STRING, digest, (int)dlen) != 1)
		goto ossl;
	/*
	 * CAdES-BES (ETSI EN 319 122-1 5.2.2): signing-certificate-v2 binds
	 * the signer's certificate (its SHA-256 and issuer and serial) to
	 * the signature.
	 */
	if ((ess = OSSL_ESS_signing_cert_v2_new_init(
	         EVP_sha256(), cert, NULL, 1)) == NULL ||
	    (n = i2d_ESS_SIGNING_CERT_V2(ess, &esder)) <= 0 ||
	    CMS_signed_add1_attr_by_NID(si,
	        NID_id_smime_aa_signingCertificateV2, V_ASN1_SEQUENCE, esder,
	        n) != 1)
		goto ossl;
	if (tokcms_attrs_der(si, &attrs, &attrslen) == -1)
		goto ossl;
	if (signer_sign(s, attrs, attrslen, &sig, &siglen, p) == -1)
		goto out;
	sigv = CMS_SignerInfo_get0_signature(si);
	if (siglen > INT_MAX || ASN1_STRING_set(sigv, sig, (int)siglen) != 1)
		goto ossl;
	if ((n = i2d_CMS_ContentInfo(cms, &out)) <= 0) {
		out = NULL;
		goto ossl;
	}
	*der = out;
	*derlen = (size_t)n;
	out = NULL;
	rc = 0;
	goto out;
ossl:
	log_openssl("tokcms: cannot build the signature");
	problem_internal(p);
out:
	OPENSSL_free(out);
	OPENSSL_free(sig);
	free(attrs);
	ASN1_TIME_free(when);
	ESS_SIGNING_CERT_V2_free(ess);
	OPENSSL_free(esder);
	CMS_ContentInfo_free(cms);
	return rc;
}

/* The CMS of der with exactly one signer, into *cms and *si; -1 if not. */
static int
tokcms_one_signer(const unsigned char *der, size_t len, CMS_ContentInfo **cms,
    CMS_SignerInfo **si)
{
	STACK_OF(CMS_SignerInfo) * sis;
	const unsigned char *q = der;

	*si = NULL;
	if (len > TOKCMS_SIG_MAX ||
	    (*cms = d2i_CMS_ContentInfo(NULL, &q, (long)len)) == NULL ||
	    q != der + len ||
	    OBJ_obj2nid(CMS_get0_type(*cms)) != NID_pkcs7_signed ||
	    (sis = CMS_get0_SignerInfos(*cms)) == NULL ||
	    sk_CMS_SignerInfo_num(sis) != 1) {
		ERR_clear_error();
		return -1;
	}
	*si = sk_CMS_SignerInfo_value(sis, 0);
	return 0;
}

int
tokcms_signature_value(const unsigned char *der, size_t len,
    unsigned char **sigv, size_t *sigvlen, struct problem *p)
{
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si;
	ASN1_OCTET_STRING *v;
	int rc = -1;

	*sigv = NULL;
	*sigvlen = 0;
	if (tokcms_one_signer(der, len, &cms, &si) == -1) {
		problem_field(
		    p, "signature", "Not a CMS SignedData with one signer.");
		goto out;
	}
	v = CMS_SignerInfo_get0_signature(si);
	*sigvlen = (size_t)ASN1_STRING_length(v);
	*sigv = xmalloc(*sigvlen + 1);
	memcpy(*sigv, ASN1_STRING_get0_data(v), *sigvlen);
	rc = 0;
out:
	CMS_ContentInfo_free(cms);
	return rc;
}

int
tokcms_add_timestamp(const unsigned char *der, size_t len,
    const unsigned char *tst, size_t tstlen, unsigned char **out,
    size_t *outlen, struct problem *p)
{
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si;
	unsigned char *buf = NULL;
	int n, rc = -1;

	*out = NULL;
	*outlen = 0;
	if (tokcms_one_signer(der, len, &cms, &si) == -1 || tstlen > INT_MAX) {
		problem_internal(p);
		goto out;
	}
	/* RFC 3161 appendix A: id-aa-signatureTimeStampToken, a
	 * TimeStampToken (a ContentInfo: a SEQUENCE) over the signature. */
	if (CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken,
	        V_ASN1_SEQUENCE, tst, (int)tstlen) != 1 ||
	    (n = i2d_CMS_ContentInfo(cms, &buf)) <= 0) {
		log_openssl("tokcms: cannot add the timestamp");
		problem_internal(p);
		goto out;
	}
	*out = buf;
	*outlen = (size_t)n;
	rc = 0;
out:
	CMS_ContentInfo_free(cms);
	return rc;
}

int
tokcms_digest_file(struct signer *s, const char *path, unsigned char *digest,
    size_t *dlen, struct problem *p)
{
	unsigned char buf[TOKCMS_READ];
	EVP_MD_CTX *ctx = NULL;
	unsigned int n = 0;
	size_t got;
	FILE *f;
	int rc = -1;

	if ((f = fopen(path, "rb")) == NULL) {
		log_error("tokcms: cannot open the file", "errno=%d", errno);
		return problem_field(
		    p, "file", "Cannot open %s: %s", path, strerror(errno));
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, signer_md(s), NULL) != 1) {
		log_openssl("tokcms: cannot hash");
		problem_internal(p);
		goto out;
	}
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		if (EVP_DigestUpdate(ctx, buf, got) != 1) {
			log_openssl("tokcms: cannot hash");
			problem_internal(p);
			goto out;
		}
	if (ferror(f)) {
		problem_field(p, "file", "Cannot read %s.", path);
		goto out;
	}
	if (EVP_DigestFinal_ex(ctx, digest, &n) != 1) {
		log_openssl("tokcms: cannot hash");
		problem_internal(p);
		goto out;
	}
	*dlen = n;
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	fclose(f);
	return rc;
}
