#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include "ca/pkcs11.h"
#include "ca/sigcheck.h"
#include "ca/signer.h"
#include "common/logger.h"
#include "common/xmalloc.h"

#define SIGNER_GROUP_LEN     64   /* an EC group name */
#define SIGNER_THROWAWAY_RSA 1024 /* bits of signer_throwaway()'s RSA key */

struct signer {
	EVP_PKEY *key;       /* a file key (private), or NULL */
	struct p11 *token;   /* the token of tkey (borrowed), or NULL */
	struct p11_key tkey; /* the key on the token */
	EVP_PKEY *pub;       /* key or tkey.pub: signer_pubkey() */
	const EVP_MD *md;    /* the hash that goes with the key */
	int sig_nid;         /* the signature algorithm of key and md */
	int param_type;      /* its parameters: V_ASN1_UNDEF or V_ASN1_NULL */
	int rsa;             /* the key is RSA */
};

/*
 * OpenSSL 3.0 has no setter for a certificate's AlgorithmIdentifiers and
 * signature value; its getters return const pointers to members of the
 * object, which the caller owns and may change (as X509_sign() does).
 */
static void *
signer_unconst(const void *ptr)
{
	union {
		const void *c;
		void *m;
	} u;

	u.c = ptr;
	return u.m;
}

/* Fills in hash and algorithm for pub.  -1 for a key rxca does not use. */
static int
signer_setup(struct signer *s, EVP_PKEY *pub)
{
	char group[SIGNER_GROUP_LEN];
	size_t glen = 0;
	int nid;

	if (EVP_PKEY_is_a(pub, "EC")) {
		if (EVP_PKEY_get_group_name(pub, group, sizeof(group), &glen) !=
		    1) {
			log_openssl("signer: EC key without a named curve");
			return -1;
		}
		if ((nid = OBJ_sn2nid(group)) == NID_undef)
			nid = EC_curve_nist2nid(group);
		if (nid == NID_X9_62_prime256v1) {
			s->md = EVP_sha256();
			s->sig_nid = NID_ecdsa_with_SHA256;
		} else if (nid == NID_secp384r1) {
			s->md = EVP_sha384();
			s->sig_nid = NID_ecdsa_with_SHA384;
		} else {
			log_error("signer: EC curve not used by rxca",
			    "curve=%s", group);
			return -1;
		}
		s->param_type = V_ASN1_UNDEF;
		return 0;
	}
	if (EVP_PKEY_is_a(pub, "RSA") &&
	    EVP_PKEY_get_bits(pub) >= SIGNER_RSA_MIN_BITS) {
		s->md = EVP_sha256();
		s->sig_nid = NID_sha256WithRSAEncryption;
		s->param_type = V_ASN1_NULL;
		s->rsa = 1;
		return 0;
	}
	log_error("signer: key not used by rxca", "type=%s bits=%d",
	    EVP_PKEY_get0_type_name(pub) != NULL ? EVP_PKEY_get0_type_name(pub)
	                                         : "?",
	    EVP_PKEY_get_bits(pub));
	return -1;
}

struct signer *
signer_from_key(EVP_PKEY *key)
{
	struct signer *s;

	if (key == NULL)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	if (signer_setup(s, key) == -1) {
		free(s);
		return NULL;
	}
	if (EVP_PKEY_up_ref(key) != 1)
		abort();
	s->key = key;
	s->pub = key;
	return s;
}

struct signer *
signer_from_p11(struct p11 *t, const char *label, struct problem *p)
{
	struct signer *s;

	if (t == NULL) {
		problem_internal(p);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	if (p11_find_key(t, label, &s->tkey, p) == -1)
		goto fail;
	if (signer_setup(s, s->tkey.pub) == -1) {
		problem_set(p, 422, "unsupported-key", "Unsupported key",
		    "The key on the token is of a kind or size rxca does not "
		    "use.");
		goto fail;
	}
	s->token = t;
	s->pub = s->tkey.pub;
	return s;
fail:
	signer_free(s);
	return NULL;
}

void
signer_free(struct signer *s)
{
	if (s == NULL)
		return;
	EVP_PKEY_free(s->key);
	p11_key_clear(&s->tkey);
	free(s);
}

EVP_PKEY *
signer_pubkey(const struct signer *s)
{
	return s->pub;
}

const EVP_MD *
signer_md(const struct signer *s)
{
	return s->md;
}

/* Signs tbs with the file key. */
static int
signer_sign_key(struct signer *s, const unsigned char *tbs, size_t len,
    unsigned char **sig, size_t *siglen, struct problem *p)
{
	EVP_MD_CTX *ctx = NULL;
	unsigned char *out = NULL;
	size_t n = 0;
	int rc = -1;

	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, s->md, NULL, s->key) != 1 ||
	    (s->rsa &&
	        EVP_PKEY_CTX_set_rsa_padding(
	            EVP_MD_CTX_get_pkey_ctx(ctx), RSA_PKCS1_PADDING) != 1) ||
	    EVP_DigestSign(ctx, NULL, &n, tbs, len) != 1 || n == 0) {
		log_openssl("signer: cannot sign");
		problem_internal(p);
		goto out;
	}
	if ((out = OPENSSL_malloc(n)) == NULL)
		abort();
	if (EVP_DigestSign(ctx, out, &n, tbs, len) != 1) {
		log_openssl("signer: cannot sign");
		problem_internal(p);
		goto out;
	}
	*sig = out;
	*siglen = n;
	out = NULL;
	rc = 0;
out:
	OPENSSL_free(out);
	EVP_MD_CTX_free(ctx);
	return rc;
}

int
signer_sign(struct signer *s, const unsigned char *tbs, size_t len,
    unsigned char **sig, size_t *siglen, struct problem *p)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;

	*sig = NULL;
	*siglen = 0;
	if (s->token == NULL)
		return signer_sign_key(s, tbs, len, sig, siglen, p);
	if (EVP_Digest(tbs, len, digest, &dlen, s->md, NULL) != 1) {
		log_openssl("signer: cannot hash");
		return problem_internal(p);
	}
	return p11_sign(s->token, &s->tkey, digest, dlen,
	    EVP_MD_get_type(s->md), sig, siglen, p);
}

/* Sets the BIT STRING bits to sig, no unused bits, as OpenSSL does. */
static int
signer_bits_set(ASN1_BIT_STRING *bits, const unsigned char *sig, size_t len)
{
	if (len > INT_MAX || ASN1_STRING_set(bits, sig, (int)len) != 1)
		return -1;
	bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
	bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
	return 0;
}

/* Signs the to-be-signed bytes tbs and sets bits to the signature. */
static int
signer_finish(struct signer *s, const unsigned char *tbs, int n,
    ASN1_BIT_STRING *bits, struct problem *p)
{
	unsigned char *sig = NULL;
	size_t siglen = 0;
	int rc = -1;

	if (n <= 0) {
		log_openssl("signer: cannot encode the to-be-signed part");
		return problem_internal(p);
	}
	if (signer_sign(s, tbs, (size_t)n, &sig, &siglen, p) == -1)
		goto out;
	if (signer_bits_set(bits, sig, siglen) == -1) {
		log_openssl("signer: cannot set the signature");
		problem_internal(p);
		goto out;
	}
	rc = 0;
out:
	OPENSSL_free(sig);
	return rc;
}

int
signer_sign_x509(struct signer *s, X509 *x, struct problem *p)
{
	const ASN1_BIT_STRING *cbits = NULL;
	const X509_ALGOR *calg = NULL;
	X509_ALGOR *tbsalg, *outer;
	ASN1_BIT_STRING *bits;
	unsigned char *tbs = NULL;
	int n = -1, rc = -1;

	if (x == NULL)
		return problem_internal(p);
	X509_get0_signature(&cbits, &calg, x);
	bits = signer_unconst(cbits);
	outer = signer_unconst(calg);
	tbsalg = signer_unconst(X509_get0_tbs_sigalg(x));
	if (X509_ALGOR_set0(
	        tbsalg, OBJ_nid2obj(s->sig_nid), s->param_type, NULL) != 1 ||
	    X509_ALGOR_copy(outer, tbsalg) != 1) {
		log_openssl("signer: cannot set the signature algorithm");
		problem_internal(p);
		goto out;
	}
	/* i2d_re_X509_tbs() drops the cached encoding of the old TBS */
	n = i2d_re_X509_tbs(x, &tbs);
	rc = signer_finish(s, tbs, n, bits, p);
out:
	if (rc == -1)
		(void)signer_bits_set(bits, NULL, 0);
	OPENSSL_free(tbs);
	return rc;
}

/*
 * The next DER element of in[0..len): a definite-length element of
 * universal or context class.  *elem and *elen: the whole element;
 * *content and *clen: its content.  0, or -1 if there is none.
 */
static int
signer_der_next(const unsigned char *in, long len, int want_tag, int want_class,
    const unsigned char **elem, long *elen, const unsigned char **content,
    long *clen)
{
	const unsigned char *q = in;
	int tag, cls, inf;

	if (len <= 0)
		return -1;
	inf = ASN1_get_object(&q, clen, &tag, &cls, len);
	if ((inf & 0x80) != 0 || (inf & 0x01) != 0 || tag != want_tag ||
	    cls != want_class || *clen > len - (q - in))
		return -1;
	*elem = in;
	*content = q;
	*elen = (long)(q - in) + *clen;
	return 0;
}

/* 0 if alg[0..len) is the DER AlgorithmIdentifier that s signs with
 * (signer_sign_x509 writes it), else -1. */
static int
signer_alg_is_own(const struct signer *s, const unsigned char *alg, long len)
{
	X509_ALGOR *own = NULL;
	unsigned char *der = NULL;
	int n = -1, rc = -1;

	if ((own = X509_ALGOR_new()) != NULL &&
	    X509_ALGOR_set0(
	        own, OBJ_nid2obj(s->sig_nid), s->param_type, NULL) == 1 &&
	    (n = i2d_X509_ALGOR(own, &der)) > 0 && n == len &&
	    memcmp(der, alg, (size_t)len) == 0)
		rc = 0;
	OPENSSL_free(der);
	X509_ALGOR_free(own);
	return rc;
}

unsigned char *
signer_sign_cert_der(struct signer *s, const unsigned char *cert, long len,
    long *outlen, struct problem *p)
{
	const unsigned char *body, *tbs, *tbody, *alg, *q;
	unsigned char *sig = NULL, *out = NULL, *w;
	long blen, tlen, tblen, alen, clen, rest, bits_len, content;
	size_t siglen = 0;
	int total;

	*outlen = 0;
	/* Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm,
	 * signatureValue }, and nothing after it. */
	if (signer_der_next(cert, len, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, &q,
	        &clen, &body, &blen) == -1 ||
	    clen != len ||
	    signer_der_next(body, blen, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, &tbs,
	        &tlen, &tbody, &tblen) == -1)
		goto bad;
	/* TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber,
	 * signature AlgorithmIdentifier, ... } */
	q = tbody;
	rest = tblen;
	if (signer_der_next(q, rest, 0, V_ASN1_CONTEXT_SPECIFIC, &q, &clen,
	        &alg, &alen) == 0) {
		q += clen;
		rest -= clen;
	}
	if (signer_der_next(q, rest, V_ASN1_INTEGER, V_ASN1_UNIVERSAL, &q,
	        &clen, &alg, &alen) == -1)
		goto bad;
	q += clen;
	rest -= clen;
	if (signer_der_next(q, rest, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, &alg,
	        &alen, &q, &clen) == -1)
		goto bad;
	if (signer_alg_is_own(s, alg, alen) == -1) {
		log_error("signer: the TBS names another algorithm", NULL);
		problem_internal(p);
		goto out;
	}
	if (signer_sign(s, tbs, (size_t)tlen, &sig, &siglen, p) == -1)
		goto out;
	/* The self-check of the signature, over the very bytes signed: no
	 * decoding of the certificate it makes. */
	if (sigcheck_verify(s->pub, sig, siglen, tbs, (size_t)tlen) == -1) {
		log_error("signer: a signature does not verify", NULL);
		problem_internal(p);
		goto out;
	}
	bits_len = (long)siglen + 1; /* the unused-bits octet, then sig */
	content =
	    tlen + alen + ASN1_object_size(0, (int)bits_len, V_ASN1_BIT_STRING);
	if ((total = ASN1_object_size(1, (int)content, V_ASN1_SEQUENCE)) <= 0)
		goto bad;
	if ((out = OPENSSL_malloc((size_t)total)) == NULL)
		abort();
	w = out;
	ASN1_put_object(&w, 1, (int)content, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
	memcpy(w, tbs, (size_t)tlen);
	w += tlen;
	memcpy(w, alg, (size_t)alen);
	w += alen;
	ASN1_put_object(
	    &w, 0, (int)bits_len, V_ASN1_BIT_STRING, V_ASN1_UNIVERSAL);
	*w++ = 0;
	memcpy(w, sig, siglen);
	w += siglen;
	if (w - out != total) {
		OPENSSL_free(out);
		out = NULL;
		goto bad;
	}
	*outlen = total;
	goto out;
bad:
	log_error("signer: not a DER certificate to sign", NULL);
	problem_internal(p);
out:
	OPENSSL_free(sig);
	return out;
}

int
signer_sign_req(struct signer *s, X509_REQ *req, struct problem *p)
{
	const ASN1_BIT_STRING *cbits = NULL;
	const X509_ALGOR *calg = NULL;
	ASN1_BIT_STRING *bits;
	unsigned char *tbs = NULL;
	int n = -1, rc = -1;

	if (req == NULL)
		return problem_internal(p);
	X509_REQ_get0_signature(req, &cbits, &calg);
	bits = signer_unconst(cbits);
	if (X509_ALGOR_set0(signer_unconst(calg), OBJ_nid2obj(s->sig_nid),
	        s->param_type, NULL) != 1) {
		log_openssl("signer: cannot set the signature algorithm");
		problem_internal(p);
		goto out;
	}
	/* i2d_re_X509_REQ_tbs() drops the cached encoding of the request */
	n = i2d_re_X509_REQ_tbs(req, &tbs);
	rc = signer_finish(s, tbs, n, bits, p);
out:
	if (rc == -1)
		(void)signer_bits_set(bits, NULL, 0);
	OPENSSL_free(tbs);
	return rc;
}

/*
 * A key of the signer's algorithm (EC or RSA), made for one use and
 * thrown away: OpenSSL 3.0 offers no way to set a CRL's inner
 * AlgorithmIdentifier but X509_CRL_sign(), so the CRL is first signed
 * with this key (which sets both AlgorithmIdentifiers for the key's
 * algorithm and the hash) and that signature then replaced with ours.
 */
static EVP_PKEY *
signer_throwaway(const struct signer *s)
{
	if (s->rsa)
		return EVP_RSA_gen(SIGNER_THROWAWAY_RSA);
	return EVP_EC_gen("P-256");
}

int
signer_sign_crl(struct signer *s, X509_CRL *crl, struct problem *p)
{
	const ASN1_BIT_STRING *cbits = NULL;
	const X509_ALGOR *calg = NULL;
	ASN1_BIT_STRING *bits;
	EVP_PKEY *tmp = NULL;
	unsigned char *tbs = NULL;
	int n = -1, rc = -1;

	if (crl == NULL)
		return problem_internal(p);
	X509_CRL_get0_signature(crl, &cbits, &calg);
	bits = signer_unconst(cbits);
	if ((tmp = signer_throwaway(s)) == NULL ||
	    X509_CRL_sign(crl, tmp, s->md) <= 0) {
		log_openssl("signer: cannot set the CRL signature algorithm");
		problem_internal(p);
		goto out;
	}
	if (X509_CRL_get_signature_nid(crl) != s->sig_nid) {
		log_error("signer: unexpected CRL signature algorithm",
		    "nid=%d", X509_CRL_get_signature_nid(crl));
		problem_internal(p);
		goto out;
	}
	n = i2d_re_X509_CRL_tbs(crl, &tbs);
	rc = signer_finish(s, tbs, n, bits, p);
out:
	if (rc == -1)
		(void)signer_bits_set(bits, NULL, 0);
	OPENSSL_free(tbs);
	EVP_PKEY_free(tmp);
	return rc;
}
