#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "ca/crl.h"
#include "ca/ocsp.h"
#include "ca/signer.h"
#include "common/logger.h"
#include "common/xmalloc.h"

#define OCSP_PARTS 3 /* parts of a SEQUENCE ocsp_skeleton() makes */

/* Some bytes of a DER encoding. */
struct ocsp_part {
	const unsigned char *der; /* the bytes */
	int len;                  /* their count */
};

/*
 * OpenSSL 3.0 has no setter for a BasicOCSPResponse's signature; its
 * getter returns a const pointer to a member of the object, which the
 * caller owns and may change (as OCSP_basic_sign() does).
 */
static void *
ocsp_unconst(const void *ptr)
{
	union {
		const void *c;
		void *m;
	} u;

	u.c = ptr;
	return u.m;
}

/* Drains OpenSSL's error queue at debug level: a client's request was
 * refused, which is no fault of ours and may come often. */
static void
ocsp_drain(const char *why)
{
	char buf[256];
	unsigned long e;
	int any = 0;

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_debug("ocsp: request refused",
		    "reason=\"%s\" openssl=\"%s\"", why, buf);
		any = 1;
	}
	if (!any)
		log_debug("ocsp: request refused", "reason=\"%s\"", why);
}

/* The hash of a CertID rxca answers for, or NULL. */
static const EVP_MD *
ocsp_md(int nid)
{
	if (nid == NID_sha1)
		return EVP_sha1();
	if (nid == NID_sha256)
		return EVP_sha256();
	return NULL;
}

/*
 * 1 if the TBSRequest of der, a DER OCSPRequest that decoded, has a
 * version field: [0] EXPLICIT with DEFAULT v1, so present only for a
 * version rxca does not know (or v1 not in DER).
 */
static int
ocsp_has_version(const unsigned char *der, size_t len)
{
	const unsigned char *q = der;
	long n = 0;
	int tag, xclass;

	if ((ASN1_get_object(&q, &n, &tag, &xclass, (long)len) & 0x80) != 0 ||
	    (ASN1_get_object(
	         &q, &n, &tag, &xclass, (long)(len - (size_t)(q - der))) &
	        0x80) != 0)
		return 1;
	return n > 0 && q < der + len && *q == 0xa0;
}

/* 1 if the hashAlgorithm of cid has parameters absent or NULL. */
static int
ocsp_hash_params_ok(OCSP_CERTID *cid)
{
	X509_ALGOR *alg = NULL;
	unsigned char *der = NULL;
	const unsigned char *q;
	long n = 0;
	int len, tag, xclass, ptype = V_ASN1_UNDEF, ok = 0;

	if ((len = i2d_OCSP_CERTID(cid, &der)) <= 0)
		goto out;
	q = der;
	if ((ASN1_get_object(&q, &n, &tag, &xclass, len) & 0x80) != 0 ||
	    (alg = d2i_X509_ALGOR(NULL, &q, n)) == NULL)
		goto out;
	X509_ALGOR_get0(NULL, &ptype, NULL, alg);
	ok = ptype == V_ASN1_UNDEF || ptype == V_ASN1_NULL;
out:
	X509_ALGOR_free(alg);
	OPENSSL_free(der);
	return ok;
}

/*
 * Checks the extensions of req and of its one Request one; sets *nonce.
 * NULL, or why the request is refused.
 */
static const char *
ocsp_check_exts(OCSP_REQUEST *req, OCSP_ONEREQ *one, int *nonce)
{
	X509_EXTENSION *ext;
	int i, n, nonces = 0;

	n = OCSP_REQUEST_get_ext_count(req);
	for (i = 0; i < n; i++) {
		ext = OCSP_REQUEST_get_ext(req, i);
		if (OBJ_obj2nid(X509_EXTENSION_get_object(ext)) ==
		    NID_id_pkix_OCSP_Nonce)
			nonces++;
		else if (X509_EXTENSION_get_critical(ext))
			return "a critical request extension rxca does not know";
	}
	if (nonces > 1)
		return "more than one nonce";
	if (OCSP_ONEREQ_get_ext_by_critical(one, 1, -1) >= 0)
		return "a critical single request extension";
	*nonce = nonces;
	return NULL;
}

/*
 * Copies the CertID's hashes and serial into out.  NULL, or why the
 * request is refused.
 */
static const char *
ocsp_query_fill(const ASN1_OCTET_STRING *nh, const ASN1_OBJECT *mdobj,
    const ASN1_OCTET_STRING *kh, const ASN1_INTEGER *serial,
    struct ocsp_query *out)
{
	const unsigned char *sd;
	const EVP_MD *md;
	int nid, nlen, klen, slen;

	nid = OBJ_obj2nid(mdobj);
	md = ocsp_md(nid);
	nlen = ASN1_STRING_length(nh);
	klen = ASN1_STRING_length(kh);
	if (nlen < 1 || nlen > OCSP_HASH_MAX || klen < 1 ||
	    klen > OCSP_HASH_MAX)
		return "a CertID hash is empty or too long";
	if (md != NULL &&
	    (nlen != EVP_MD_get_size(md) || klen != EVP_MD_get_size(md)))
		return "a CertID hash is not of its algorithm's size";
	if (ASN1_STRING_type(serial) != V_ASN1_INTEGER)
		return "the serial is negative";
	sd = ASN1_STRING_get0_data(serial);
	slen = ASN1_STRING_length(serial);
	while (slen > 0 && *sd == 0) {
		sd++;
		slen--;
	}
	if (slen == 0)
		return "the serial is zero";
	if (slen > OCSP_SERIAL_MAX)
		return "the serial is longer than 20 octets";
	out->md_nid = md != NULL ? nid : NID_undef;
	memcpy(out->name_hash, ASN1_STRING_get0_data(nh), (size_t)nlen);
	out->name_hash_len = (size_t)nlen;
	memcpy(out->key_hash, ASN1_STRING_get0_data(kh), (size_t)klen);
	out->key_hash_len = (size_t)klen;
	memcpy(out->serial, sd, (size_t)slen);
	out->serial_len = (size_t)slen;
	return NULL;
}

int
ocsp_request_parse(const unsigned char *der, size_t len, struct ocsp_query *out,
    struct problem *p)
{
	ASN1_OCTET_STRING *nh = NULL, *kh = NULL;
	ASN1_OBJECT *mdobj = NULL;
	ASN1_INTEGER *serial = NULL;
	OCSP_REQUEST *req = NULL;
	OCSP_ONEREQ *one;
	OCSP_CERTID *cid;
	unsigned char *again = NULL;
	const unsigned char *q;
	const char *why = NULL;
	int n, nonce = 0, rc = -1;

	memset(out, 0, sizeof(*out));
	out->md_nid = NID_undef;
	if (der == NULL || len == 0) {
		why = "the request is empty";
		goto out;
	}
	if (len > BOUND_OCSP_REQUEST) {
		why = "the request is too large";
		goto out;
	}
	q = der;
	if ((req = d2i_OCSP_REQUEST(NULL, &q, (long)len)) == NULL) {
		why = "not a DER OCSP request";
		goto out;
	}
	if (q != der + len) {
		why = "data after the request";
		goto out;
	}
	if ((n = i2d_OCSP_REQUEST(req, &again)) <= 0 || (size_t)n != len ||
	    memcmp(again, der, len) != 0) {
		why = "the request is not in DER";
		goto out;
	}
	if (ocsp_has_version(der, len)) {
		why = "unsupported request version";
		goto out;
	}
	n = OCSP_request_onereq_count(req);
	if (n < 1 || n > BOUND_OCSP_CERTIDS) {
		why = "the request must name exactly one certificate";
		goto out;
	}
	if ((one = OCSP_request_onereq_get0(req, 0)) == NULL ||
	    (cid = OCSP_onereq_get0_id(one)) == NULL ||
	    OCSP_id_get0_info(&nh, &mdobj, &kh, &serial, cid) != 1) {
		why = "no CertID";
		goto out;
	}
	if (!ocsp_hash_params_ok(cid)) {
		why = "hash parameters other than absent or NULL";
		goto out;
	}
	if ((why = ocsp_check_exts(req, one, &nonce)) != NULL ||
	    (why = ocsp_query_fill(nh, mdobj, kh, serial, out)) != NULL)
		goto out;
	out->nonce = nonce;
	rc = 0;
out:
	if (rc == -1) {
		memset(out, 0, sizeof(*out));
		out->md_nid = NID_undef;
		ocsp_drain(why);
		problem_set(p, 400, "malformed-request",
		    "Malformed OCSP request", "%s", why);
	}
	OPENSSL_free(again);
	OCSP_REQUEST_free(req);
	return rc;
}

/* Issuer's name and key hashed with h into name and key (n bytes each). */
static int
issuer_hash(X509 *issuer, const EVP_MD *h, unsigned char *name,
    unsigned char *key, unsigned int n)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (X509_NAME_digest(X509_get_subject_name(issuer), h, md, &len) != 1 ||
	    len != n) {
		log_openssl("ocsp: cannot hash the issuer's name");
		return -1;
	}
	memcpy(name, md, n);
	if (X509_pubkey_digest(issuer, h, md, &len) != 1 || len != n) {
		log_openssl("ocsp: cannot hash the issuer's key");
		return -1;
	}
	memcpy(key, md, n);
	return 0;
}

int
ocsp_issuer_id_make(X509 *issuer, struct ocsp_issuer_id *out)
{
	memset(out, 0, sizeof(*out));
	if (issuer == NULL ||
	    issuer_hash(issuer, EVP_sha1(), out->sha1_name, out->sha1_key,
	        sizeof(out->sha1_name)) == -1 ||
	    issuer_hash(issuer, EVP_sha256(), out->sha256_name, out->sha256_key,
	        sizeof(out->sha256_name)) == -1)
		return -1;
	return 0;
}

int
ocsp_issuer_id_matches(
    const struct ocsp_query *q, const struct ocsp_issuer_id *id)
{
	const unsigned char *name, *key;
	size_t n;

	if (q == NULL || id == NULL)
		return 0;
	if (q->md_nid == NID_sha1) {
		name = id->sha1_name;
		key = id->sha1_key;
		n = sizeof(id->sha1_name);
	} else if (q->md_nid == NID_sha256) {
		name = id->sha256_name;
		key = id->sha256_key;
		n = sizeof(id->sha256_name);
	} else
		return 0;
	return q->name_hash_len == n && memcmp(q->name_hash, name, n) == 0 &&
	    q->key_hash_len == n && memcmp(q->key_hash, key, n) == 0;
}

int
ocsp_issuer_matches(const struct ocsp_query *q, X509 *issuer)
{
	struct ocsp_issuer_id id;

	if (q == NULL || ocsp_md(q->md_nid) == NULL ||
	    ocsp_issuer_id_make(issuer, &id) == -1)
		return 0;
	return ocsp_issuer_id_matches(q, &id);
}

/*
 * The DER SEQUENCE of the n parts in *out (caller frees
 * with free()).  Returns its length.
 */
static int
ocsp_seq(const struct ocsp_part *parts, size_t n, unsigned char **out)
{
	unsigned char *w;
	size_t i;
	int body = 0, total;

	for (i = 0; i < n; i++)
		body += parts[i].len;
	total = ASN1_object_size(1, body, V_ASN1_SEQUENCE);
	w = *out = xmalloc((size_t)total);
	ASN1_put_object(&w, 1, body, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
	for (i = 0; i < n; i++) {
		memcpy(w, parts[i].der, (size_t)parts[i].len);
		w += parts[i].len;
	}
	return total;
}

/* The signature algorithm of s and its parameter type, as signer.c signs. */
static int
ocsp_sigalg(struct signer *s, int *nid, int *ptype)
{
	EVP_PKEY *pub = signer_pubkey(s);
	int pknid;

	pknid = EVP_PKEY_is_a(pub, "RSA") ? NID_rsaEncryption
	                                  : NID_X9_62_id_ecPublicKey;
	if (OBJ_find_sigid_by_algs(nid, EVP_MD_get_type(signer_md(s)), pknid) !=
	    1)
		return -1;
	*ptype = pknid == NID_rsaEncryption ? V_ASN1_NULL : V_ASN1_UNDEF;
	return 0;
}

/*
 * A BasicOCSPResponse without responses, signature or certificates, whose
 * responderID (by the key of responder), producedAt and signature
 * algorithm are set, decoded from DER made here: OpenSSL 3.0 sets the
 * responderID only in OCSP_basic_sign(), with the private key at hand,
 * and producedAt there from the clock.
 */
static OCSP_BASICRESP *
ocsp_skeleton(struct signer *s, X509 *responder, time_t produced_at)
{
	static const unsigned char noresp[] = {0x30, 0x00};
	static const unsigned char nosig[] = {0x03, 0x01, 0x00};
	struct ocsp_part parts[OCSP_PARTS];
	OCSP_BASICRESP *bs = NULL;
	OCSP_RESPID *rid = NULL;
	ASN1_GENERALIZEDTIME *at = NULL;
	X509_ALGOR *alg = NULL;
	unsigned char *rd = NULL, *td = NULL, *ad = NULL, *data = NULL;
	unsigned char *basic = NULL;
	const unsigned char *q;
	int rl, tl, al, dl, bl, nid = NID_undef, ptype = V_ASN1_UNDEF;

	if (ocsp_sigalg(s, &nid, &ptype) == -1 ||
	    (rid = OCSP_RESPID_new()) == NULL ||
	    OCSP_RESPID_set_by_key(rid, responder) != 1 ||
	    (rl = i2d_OCSP_RESPID(rid, &rd)) <= 0 ||
	    (at = ASN1_GENERALIZEDTIME_set(NULL, produced_at)) == NULL ||
	    (tl = i2d_ASN1_GENERALIZEDTIME(at, &td)) <= 0 ||
	    (alg = X509_ALGOR_new()) == NULL ||
	    X509_ALGOR_set0(alg, OBJ_nid2obj(nid), ptype, NULL) != 1 ||
	    (al = i2d_X509_ALGOR(alg, &ad)) <= 0)
		goto out;
	parts[0] = (struct ocsp_part){rd, rl};
	parts[1] = (struct ocsp_part){td, tl};
	parts[2] = (struct ocsp_part){noresp, (int)sizeof(noresp)};
	dl = ocsp_seq(parts, 3, &data);
	parts[0] = (struct ocsp_part){data, dl};
	parts[1] = (struct ocsp_part){ad, al};
	parts[2] = (struct ocsp_part){nosig, (int)sizeof(nosig)};
	bl = ocsp_seq(parts, 3, &basic);
	q = basic;
	bs = d2i_OCSP_BASICRESP(NULL, &q, bl);
out:
	free(basic);
	free(data);
	OPENSSL_free(ad);
	OPENSSL_free(td);
	OPENSSL_free(rd);
	X509_ALGOR_free(alg);
	ASN1_GENERALIZEDTIME_free(at);
	OCSP_RESPID_free(rid);
	return bs;
}

/* 1 if x is valid at t (notBefore <= t <= notAfter), else 0. */
static int
ocsp_valid_at(X509 *x, time_t t)
{
	int before, after;

	before = ASN1_TIME_cmp_time_t(X509_get0_notBefore(x), t);
	after = ASN1_TIME_cmp_time_t(X509_get0_notAfter(x), t);
	return before != -2 && before <= 0 && after != -2 && after >= 0;
}

/*
 * 0 if responder can sign for issuer with s at t (see
 * ocsp_response_build()), else -1, logged.
 */
static int
ocsp_responder_ok(struct signer *s, X509 *responder, X509 *issuer, time_t t)
{
	const char *why = NULL;

	if (s == NULL || responder == NULL || issuer == NULL)
		why = "no signer, responder or issuer certificate";
	else if (EVP_PKEY_eq(X509_get0_pubkey(responder), signer_pubkey(s)) !=
	    1)
		why = "the responder certificate is not on the signer's key";
	else if (X509_check_issued(issuer, responder) != X509_V_OK)
		why = "the responder certificate is not the issuer's";
	else if ((X509_get_extension_flags(responder) & EXFLAG_XKUSAGE) == 0 ||
	    (X509_get_extended_key_usage(responder) & XKU_OCSP_SIGN) == 0)
		why = "the responder certificate lacks id-kp-OCSPSigning";
	else if (!ocsp_valid_at(responder, t))
		why = "the responder certificate is not valid at producedAt";
	if (why == NULL)
		return 0;
	log_openssl("ocsp: cannot sign with this responder");
	log_error(
	    "ocsp: cannot sign with this responder", "reason=\"%s\"", why);
	return -1;
}

/* Checks the arguments of ocsp_response_build().  -1 with p set. */
static int
ocsp_args_ok(int md_nid, const unsigned char *serial, size_t serial_len,
    int status, int reason, time_t this_update, time_t next_update,
    struct problem *p)
{
	size_t i;

	if (ocsp_md(md_nid) == NULL)
		return problem_invalid(p, "md_nid", "must be SHA-1 or SHA-256");
	for (i = 0; serial != NULL && i < serial_len && serial[i] == 0; i++)
		continue;
	if (serial == NULL || serial_len < 1 || serial_len > OCSP_SERIAL_MAX ||
	    i == serial_len)
		return problem_invalid(
		    p, "serial", "must be 1 to 20 octets and not zero");
	if (status != V_OCSP_CERTSTATUS_GOOD &&
	    status != V_OCSP_CERTSTATUS_REVOKED &&
	    status != V_OCSP_CERTSTATUS_UNKNOWN)
		return problem_invalid(p, "status", "unknown status");
	if (status == V_OCSP_CERTSTATUS_REVOKED && reason != CRL_REASON_NONE &&
	    crl_reason_name(reason) == NULL)
		return problem_invalid(p, "reason", "not a reason rxca uses");
	if (next_update <= this_update)
		return problem_invalid(
		    p, "next_update", "must be after this_update");
	return 0;
}

/* Sets the BIT STRING bits to sig, no unused bits, as OpenSSL does. */
static int
ocsp_bits_set(ASN1_BIT_STRING *bits, const unsigned char *sig, size_t len)
{
	if (len > INT_MAX || ASN1_STRING_set(bits, sig, (int)len) != 1)
		return -1;
	bits->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
	bits->flags |= ASN1_STRING_FLAG_BITS_LEFT;
	return 0;
}

/*
 * Adds the SingleResponse to bs: CertID for serial under issuer hashed
 * with md_nid, status and times.  -1 on a crypto failure.
 */
static int
ocsp_add_single(OCSP_BASICRESP *bs, X509 *issuer, int md_nid,
    const unsigned char *serial, size_t serial_len, int status,
    time_t revoked_at, int reason, time_t this_update, time_t next_update)
{
	ASN1_GENERALIZEDTIME *tu = NULL, *nu = NULL, *rt = NULL;
	ASN1_INTEGER *ai = NULL;
	OCSP_CERTID *cid = NULL;
	BIGNUM *bn = NULL;
	int rc = -1;

	/* unspecified is left out, as in ca/crl.c (RFC 5280 5.3.1) */
	if (reason == CRL_REASON_UNSPECIFIED)
		reason = OCSP_REVOKED_STATUS_NOSTATUS;
	if ((bn = BN_bin2bn(serial, (int)serial_len, NULL)) == NULL ||
	    (ai = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    (cid = OCSP_cert_id_new(ocsp_md(md_nid),
	         X509_get_subject_name(issuer), X509_get0_pubkey_bitstr(issuer),
	         ai)) == NULL ||
	    (tu = ASN1_GENERALIZEDTIME_set(NULL, this_update)) == NULL ||
	    (nu = ASN1_GENERALIZEDTIME_set(NULL, next_update)) == NULL ||
	    (status == V_OCSP_CERTSTATUS_REVOKED &&
	        (rt = ASN1_GENERALIZEDTIME_set(NULL, revoked_at)) == NULL) ||
	    OCSP_basic_add1_status(bs, cid, status, reason, rt, tu, nu) == NULL)
		goto out;
	rc = 0;
out:
	ASN1_GENERALIZEDTIME_free(rt);
	ASN1_GENERALIZEDTIME_free(nu);
	ASN1_GENERALIZEDTIME_free(tu);
	OCSP_CERTID_free(cid);
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	return rc;
}

unsigned char *
ocsp_response_build(struct signer *s, X509 *responder_cert, X509 *issuer,
    int md_nid, const unsigned char *serial, size_t serial_len, int status,
    time_t revoked_at, int reason, time_t this_update, time_t next_update,
    time_t produced_at, size_t *len, struct problem *p)
{
	OCSP_BASICRESP *bs = NULL;
	OCSP_RESPONSE *resp = NULL;
	unsigned char *tbs = NULL, *sig = NULL, *out = NULL;
	size_t siglen = 0;
	int n;

	*len = 0;
	if (ocsp_args_ok(md_nid, serial, serial_len, status, reason,
	        this_update, next_update, p) == -1)
		goto out;
	if (ocsp_responder_ok(s, responder_cert, issuer, produced_at) == -1) {
		problem_internal(p);
		goto out;
	}
	if ((bs = ocsp_skeleton(s, responder_cert, produced_at)) == NULL ||
	    ocsp_add_single(bs, issuer, md_nid, serial, serial_len, status,
	        revoked_at, reason, this_update, next_update) == -1 ||
	    OCSP_basic_add1_cert(bs, responder_cert) != 1 ||
	    (n = i2d_OCSP_RESPDATA(OCSP_resp_get0_respdata(bs), &tbs)) <= 0)
		goto crypto;
	if (signer_sign(s, tbs, (size_t)n, &sig, &siglen, p) == -1)
		goto out;
	if (ocsp_bits_set(ocsp_unconst(OCSP_resp_get0_signature(bs)), sig,
	        siglen) == -1 ||
	    (resp = OCSP_response_create(
	         OCSP_RESPONSE_STATUS_SUCCESSFUL, bs)) == NULL ||
	    (n = i2d_OCSP_RESPONSE(resp, &out)) <= 0)
		goto crypto;
	*len = (size_t)n;
	goto out;
crypto:
	log_openssl("ocsp: cannot make the response");
	problem_internal(p);
	OPENSSL_free(out);
	out = NULL;
out:
	OCSP_RESPONSE_free(resp);
	OPENSSL_free(sig);
	OPENSSL_free(tbs);
	OCSP_BASICRESP_free(bs);
	return out;
}

unsigned char *
ocsp_error_response(int status, size_t *len)
{
	OCSP_RESPONSE *resp = NULL;
	unsigned char *out = NULL;
	int n;

	*len = 0;
	switch (status) {
	case OCSP_RESPONSE_STATUS_MALFORMEDREQUEST:
	case OCSP_RESPONSE_STATUS_INTERNALERROR:
	case OCSP_RESPONSE_STATUS_TRYLATER:
	case OCSP_RESPONSE_STATUS_SIGREQUIRED:
	case OCSP_RESPONSE_STATUS_UNAUTHORIZED:
		break;
	default:
		return NULL;
	}
	if ((resp = OCSP_response_create(status, NULL)) == NULL ||
	    (n = i2d_OCSP_RESPONSE(resp, &out)) <= 0) {
		log_openssl("ocsp: cannot make an error response");
		OPENSSL_free(out);
		out = NULL;
	} else
		*len = (size_t)n;
	OCSP_RESPONSE_free(resp);
	return out;
}
