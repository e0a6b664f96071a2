#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "ca/crl.h"
#include "ca/profile.h"
#include "ca/signer.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/xmalloc.h"

#define CRL_FIELD      "entries"
#define CRL_GROUP_LEN  64 /* an EC group name */
#define CRL_REASON_MAX CRL_REASON_AA_COMPROMISE

_Static_assert(CRL_SERIAL_LEN == PROFILE_SERIAL_LEN, "serial lengths");

static const struct {
	int reason;       /* CRL_REASON_* */
	const char *name; /* its RFC 5280 name */
} crl_reasons[] = {
    {CRL_REASON_UNSPECIFIED, "unspecified"},
    {CRL_REASON_KEY_COMPROMISE, "keyCompromise"},
    {CRL_REASON_CA_COMPROMISE, "cACompromise"},
    {CRL_REASON_AFFILIATION_CHANGED, "affiliationChanged"},
    {CRL_REASON_SUPERSEDED, "superseded"},
    {CRL_REASON_CESSATION_OF_OPERATION, "cessationOfOperation"},
    {CRL_REASON_PRIVILEGE_WITHDRAWN, "privilegeWithdrawn"},
    {CRL_REASON_AA_COMPROMISE, "aACompromise"},
};

#define CRL_NREASONS (sizeof(crl_reasons) / sizeof(crl_reasons[0]))

int
crl_reason_parse(const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < CRL_NREASONS; i++)
		if (strcmp(name, crl_reasons[i].name) == 0)
			return crl_reasons[i].reason;
	return -1;
}

const char *
crl_reason_name(int reason)
{
	size_t i;

	for (i = 0; i < CRL_NREASONS; i++)
		if (crl_reasons[i].reason == reason)
			return crl_reasons[i].name;
	return NULL;
}

/*
 * The signature algorithm ca/signer.c signs with for key (see
 * signer_setup()) and its parameter type.  -1 for a key rxca does not use.
 */
static int
crl_sigalg(EVP_PKEY *key, int *nid, int *ptype)
{
	char group[CRL_GROUP_LEN];
	size_t glen = 0;
	int curve;

	if (key == NULL)
		return -1;
	if (EVP_PKEY_is_a(key, "EC")) {
		if (EVP_PKEY_get_group_name(key, group, sizeof(group), &glen) !=
		    1)
			return -1;
		if ((curve = OBJ_sn2nid(group)) == NID_undef)
			curve = EC_curve_nist2nid(group);
		if (curve == NID_X9_62_prime256v1)
			*nid = NID_ecdsa_with_SHA256;
		else if (curve == NID_secp384r1)
			*nid = NID_ecdsa_with_SHA384;
		else
			return -1;
		*ptype = V_ASN1_UNDEF;
		return 0;
	}
	if (EVP_PKEY_is_a(key, "RSA") &&
	    EVP_PKEY_get_bits(key) >= SIGNER_RSA_MIN_BITS) {
		*nid = NID_sha256WithRSAEncryption;
		*ptype = V_ASN1_NULL;
		return 0;
	}
	return -1;
}

/* 1 if issuer may sign CRLs (see crl_build()), else 0, logged. */
static int
crl_issuer_ok(X509 *issuer)
{
	if (issuer == NULL || X509_check_ca(issuer) < 1 ||
	    (X509_get_key_usage(issuer) & KU_CRL_SIGN) == 0 ||
	    X509_get0_subject_key_id(issuer) == NULL) {
		log_openssl("crl: the issuer cannot sign CRLs");
		log_error("crl: the issuer cannot sign CRLs", NULL);
		return 0;
	}
	return 1;
}

/* 1 if reason may go in an entry: none, or one crl_reasons lists (not
 * certificateHold, not removeFromCRL). */
static int
crl_reason_ok(int reason)
{
	return reason == CRL_REASON_NONE || crl_reason_name(reason) != NULL;
}

/* Orders two entries by serial: as numbers, since all have one length
 * and a first byte of 0x01..0x7f. */
static int
crl_entry_cmp(const void *a, const void *b)
{
	const struct crl_entry *x = a, *y = b;

	return memcmp(x->serial, y->serial, CRL_SERIAL_LEN);
}

/*
 * The encoder: sizes first (one pass over the entries, no allocation),
 * then one buffer written front to back and signed where it lies.
 */

#define CRL_HDR_MAX    6              /* a tag and a length of up to 2^32 - 1 */
#define CRL_UTC_FROM   (-631152000LL) /* 1950-01-01T00:00:00Z */
#define CRL_UTC_TO     2524608000LL   /* 2050-01-01T00:00:00Z */
#define CRL_GEN_FROM   (-62167219200LL) /* 0000-01-01T00:00:00Z */
#define CRL_GEN_TO     253402300800LL   /* 10000-01-01T00:00:00Z */
#define CRL_REASON_TLV 14 /* crlEntryExtensions holding a reasonCode */

/* Bytes of a tag and the DER length n. */
static size_t
der_hdr(size_t n)
{
	size_t h = 2;

	if (n < 0x80)
		return h;
	for (; n > 0; n >>= 8)
		h++;
	return h;
}

/* Writes tag and the length n at w; returns the byte after them. */
static unsigned char *
der_put(unsigned char *w, unsigned char tag, size_t n)
{
	size_t k = der_hdr(n) - 2, i;

	*w++ = tag;
	if (k == 0) {
		*w++ = (unsigned char)n;
		return w;
	}
	*w++ = (unsigned char)(0x80 | k);
	for (i = k; i > 0; i--)
		*w++ = (unsigned char)(n >> (8 * (i - 1)));
	return w;
}

/* Bytes of t as a Time (RFC 5280 4.1.2.5: UTCTime through 2049,
 * GeneralizedTime otherwise), or 0 if it has no four-digit year. */
static size_t
crl_time_len(time_t t)
{
	long long v = (long long)t;

	if (v >= CRL_UTC_FROM && v < CRL_UTC_TO)
		return 15;
	if (v >= CRL_GEN_FROM && v < CRL_GEN_TO)
		return 17;
	return 0;
}

/* Writes v (0..99) as two digits at w; returns the byte after them. */
static unsigned char *
put2(unsigned char *w, int v)
{
	*w++ = (unsigned char)('0' + v / 10);
	*w++ = (unsigned char)('0' + v % 10);
	return w;
}

/* Writes t as a Time (crl_time_len() bytes) at w; returns the byte after
 * it, or NULL if it cannot be encoded. */
static unsigned char *
crl_time_put(unsigned char *w, time_t t)
{
	struct tm tm;
	size_t len = crl_time_len(t);
	int year;

	if (len == 0 || OPENSSL_gmtime(&t, &tm) == NULL)
		return NULL;
	year = tm.tm_year + 1900;
	if (year < 0 || year > 9999)
		return NULL;
	w = der_put(
	    w, len == 15 ? V_ASN1_UTCTIME : V_ASN1_GENERALIZEDTIME, len - 2);
	if (len == 17)
		w = put2(w, year / 100);
	w = put2(w, year % 100);
	w = put2(w, tm.tm_mon + 1);
	w = put2(w, tm.tm_mday);
	w = put2(w, tm.tm_hour);
	w = put2(w, tm.tm_min);
	w = put2(w, tm.tm_sec);
	*w++ = 'Z';
	return w;
}

/* Bytes of the entry e (its SEQUENCE), or 0 with p set if it cannot be
 * encoded; i is its place, for the message. */
static size_t
crl_entry_len(const struct crl_entry *e, size_t i, struct problem *p)
{
	size_t t = crl_time_len(e->revoked_at);

	if (e->serial[0] == 0 || e->serial[0] > 0x7f) {
		problem_field(p, CRL_FIELD,
		    "entry %zu: the serial's first byte is not 0x01..0x7f", i);
		return 0;
	}
	if (!crl_reason_ok(e->reason)) {
		problem_field(p, CRL_FIELD, "entry %zu: reason %d is not used",
		    i, e->reason);
		return 0;
	}
	if (t == 0) {
		problem_field(p, CRL_FIELD,
		    "entry %zu: the revocation time cannot be encoded", i);
		return 0;
	}
	/* SEQUENCE { INTEGER serial, Time, [Extensions { reasonCode }] } */
	return 2 + 2 + CRL_SERIAL_LEN + t +
	    (e->reason > CRL_REASON_UNSPECIFIED ? CRL_REASON_TLV : 0);
}

/* Writes the entry e at w; returns the byte after it, or NULL. */
static unsigned char *
crl_entry_put(unsigned char *w, const struct crl_entry *e)
{
	/* Extensions { Extension { id-ce-cRLReasons, OCTET STRING {
	 * ENUMERATED reason } } } */
	static const unsigned char reason[CRL_REASON_TLV - 1] = {0x30, 0x0c,
	    0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01};
	int has = e->reason > CRL_REASON_UNSPECIFIED;
	size_t len = 2 + CRL_SERIAL_LEN + crl_time_len(e->revoked_at) +
	    (has ? CRL_REASON_TLV : 0);

	w = der_put(w, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, len);
	w = der_put(w, V_ASN1_INTEGER, CRL_SERIAL_LEN);
	memcpy(w, e->serial, CRL_SERIAL_LEN);
	w += CRL_SERIAL_LEN;
	if ((w = crl_time_put(w, e->revoked_at)) == NULL)
		return NULL;
	if (has) {
		memcpy(w, reason, sizeof(reason));
		w += sizeof(reason);
		*w++ = (unsigned char)e->reason;
	}
	return w;
}

/* The issuingDistributionPoint of a shard at url: distributionPoint
 * fullName url, onlyContainsUserCerts. */
static X509_EXTENSION *
crl_idp_ext(const char *url, int critical)
{
	ISSUING_DIST_POINT *idp = NULL;
	GENERAL_NAME *gn = NULL;
	ASN1_IA5STRING *uri = NULL;
	X509_EXTENSION *ext = NULL;

	if ((idp = ISSUING_DIST_POINT_new()) == NULL ||
	    (idp->distpoint = DIST_POINT_NAME_new()) == NULL ||
	    (idp->distpoint->name.fullname = GENERAL_NAMES_new()) == NULL ||
	    (uri = ASN1_IA5STRING_new()) == NULL ||
	    ASN1_STRING_set(uri, url, -1) != 1 ||
	    (gn = GENERAL_NAME_new()) == NULL)
		goto out;
	idp->distpoint->type = 0;
	GENERAL_NAME_set0_value(gn, GEN_URI, uri);
	uri = NULL;
	if (sk_GENERAL_NAME_push(idp->distpoint->name.fullname, gn) <= 0)
		goto out;
	gn = NULL;
	idp->onlyuser = 0xff;
	ext = X509V3_EXT_i2d(NID_issuing_distribution_point, critical, idp);
out:
	GENERAL_NAME_free(gn);
	ASN1_IA5STRING_free(uri);
	ISSUING_DIST_POINT_free(idp);
	return ext;
}

/*
 * The DER of crlExtensions' Extensions (authorityKeyIdentifier, cRLNumber
 * and, for a shard, issuingDistributionPoint) into *out (OPENSSL_free);
 * its length, or -1.  Small and made once, with OpenSSL's encoders.
 */
static int
crl_exts_der(const struct crl_params *c, unsigned char **out)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	AUTHORITY_KEYID *aki = NULL;
	ASN1_INTEGER *num = NULL;
	X509_EXTENSION *ext = NULL;
	int n = -1;

	*out = NULL;
	if ((exts = sk_X509_EXTENSION_new_null()) == NULL ||
	    (aki = AUTHORITY_KEYID_new()) == NULL ||
	    (aki->keyid = ASN1_OCTET_STRING_dup(
	         X509_get0_subject_key_id(c->issuer))) == NULL ||
	    (ext = X509V3_EXT_i2d(NID_authority_key_identifier, 0, aki)) ==
	        NULL ||
	    sk_X509_EXTENSION_push(exts, ext) <= 0)
		goto out;
	if ((ext = NULL, num = ASN1_INTEGER_new()) == NULL ||
	    ASN1_INTEGER_set_int64(num, c->number) != 1 ||
	    (ext = X509V3_EXT_i2d(NID_crl_number, 0, num)) == NULL ||
	    sk_X509_EXTENSION_push(exts, ext) <= 0)
		goto out;
	ext = NULL;
	if (c->idp_url != NULL &&
	    ((ext = crl_idp_ext(c->idp_url, c->idp_critical)) == NULL ||
	        sk_X509_EXTENSION_push(exts, ext) <= 0))
		goto out;
	ext = NULL;
	n = i2d_X509_EXTENSIONS(exts, out);
out:
	X509_EXTENSION_free(ext);
	ASN1_INTEGER_free(num);
	AUTHORITY_KEYID_free(aki);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return n;
}

/* The fixed parts of a CRL, encoded once. */
struct crl_parts {
	unsigned char *alg, *issuer, *exts; /* OPENSSL_free */
	int alen, ilen, xlen;
	size_t entries; /* bytes of the entries' SEQUENCEs */
};

static void
crl_parts_free(struct crl_parts *f)
{
	OPENSSL_free(f->alg);
	OPENSSL_free(f->issuer);
	OPENSSL_free(f->exts);
}

/* Checks c and the entries and encodes the fixed parts into f.  -1 with p
 * set. */
static int
crl_prepare(const struct crl_params *c, const struct crl_entry *e, size_t n,
    struct crl_parts *f, struct problem *p)
{
	X509_ALGOR *alg = NULL;
	size_t i, len;
	int nid = NID_undef, ptype = V_ASN1_UNDEF, rc = -1;

	memset(f, 0, sizeof(*f));
	if (!crl_issuer_ok(c->issuer))
		return problem_internal(p);
	if (crl_sigalg(X509_get0_pubkey(c->issuer), &nid, &ptype) == -1) {
		log_openssl("crl: the issuer's key does not sign");
		log_error(
		    "crl: the issuer's key is not one rxca signs with", NULL);
		return problem_internal(p);
	}
	if (n > CRL_MAX_ENTRIES || (n > 0 && e == NULL))
		return problem_invalid(
		    p, CRL_FIELD, "too many entries, or none given");
	if (c->number < 0)
		return problem_invalid(p, "crl_number", "must be 0 or more");
	if (crl_time_len(c->this_update) == 0)
		return problem_invalid(p, "this_update", "cannot be encoded");
	if (c->next_update <= c->this_update ||
	    crl_time_len(c->next_update) == 0)
		return problem_invalid(p, "next_update",
		    "must be after this_update and encodable");
	for (i = 0; i < n; i++) {
		if ((len = crl_entry_len(&e[i], i, p)) == 0)
			return -1;
		f->entries += len;
	}
	if ((alg = X509_ALGOR_new()) == NULL ||
	    X509_ALGOR_set0(alg, OBJ_nid2obj(nid), ptype, NULL) != 1 ||
	    (f->alen = i2d_X509_ALGOR(alg, &f->alg)) <= 0 ||
	    (f->ilen = i2d_X509_NAME(
	         X509_get_subject_name(c->issuer), &f->issuer)) <= 0 ||
	    (f->xlen = crl_exts_der(c, &f->exts)) <= 0) {
		log_openssl("crl: cannot encode the CRL's fixed parts");
		problem_internal(p);
		goto out;
	}
	rc = 0;
out:
	X509_ALGOR_free(alg);
	if (rc == -1)
		crl_parts_free(f);
	return rc;
}

/* Sorts e by serial, in place, unless it is sorted already (as a query
 * in serial order gives it); -1 with p set if two share a serial. */
static int
crl_sort(struct crl_entry *e, size_t n, struct problem *p)
{
	char hex[2 * CRL_SERIAL_LEN + 1];
	size_t i;

	for (i = 1; i < n; i++)
		if (crl_entry_cmp(&e[i - 1], &e[i]) >= 0)
			break;
	if (i < n)
		qsort(e, n, sizeof(*e), crl_entry_cmp);
	for (i = 1; i < n; i++)
		if (crl_entry_cmp(&e[i - 1], &e[i]) == 0) {
			digest_hex(e[i].serial, CRL_SERIAL_LEN, hex);
			return problem_field(p, CRL_FIELD,
			    "two entries have the serial %s", hex);
		}
	return 0;
}

/* Checks sig over tbs with the issuer's public key. */
static int
crl_check_sig(X509 *issuer, const EVP_MD *md, const unsigned char *tbs,
    size_t tlen, const unsigned char *sig, size_t slen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL &&
	    EVP_DigestVerifyInit(
	        ctx, NULL, md, NULL, X509_get0_pubkey(issuer)) == 1 &&
	    EVP_DigestVerify(ctx, sig, slen, tbs, tlen) == 1;

	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

int
crl_encode(const struct crl_params *c, struct signer *s, struct crl_entry *e,
    size_t n, unsigned char **der, size_t *len, struct problem *p)
{
	struct crl_parts f;
	unsigned char *buf = NULL, *tbs, *w, *sig = NULL;
	size_t rlen, tlen, tcontent, slen = 0, olen, oh, cap;
	size_t i;
	int rc = -1;

	*der = NULL;
	*len = 0;
	if (crl_prepare(c, e, n, &f, p) == -1)
		return -1;
	if (crl_sort(e, n, p) == -1)
		goto out;
	rlen = n > 0 ? der_hdr(f.entries) + f.entries : 0;
	tcontent = 3 + (size_t)f.alen + (size_t)f.ilen +
	    crl_time_len(c->this_update) + crl_time_len(c->next_update) + rlen +
	    der_hdr((size_t)f.xlen) + (size_t)f.xlen;
	tlen = der_hdr(tcontent) + tcontent;
	cap = CRL_HDR_MAX + tlen + (size_t)f.alen + CRL_HDR_MAX + 1 +
	    (size_t)EVP_PKEY_get_size(X509_get0_pubkey(c->issuer));
	buf = xmalloc(cap);
	tbs = w = buf + CRL_HDR_MAX;
	w = der_put(w, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, tcontent);
	*w++ = V_ASN1_INTEGER; /* version v2 */
	*w++ = 1;
	*w++ = 1;
	memcpy(w, f.alg, (size_t)f.alen);
	w += f.alen;
	memcpy(w, f.issuer, (size_t)f.ilen);
	w += f.ilen;
	w = crl_time_put(w, c->this_update);
	w = crl_time_put(w, c->next_update);
	if (n > 0)
		w = der_put(w, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, f.entries);
	for (i = 0; i < n && w != NULL; i++)
		w = crl_entry_put(w, &e[i]);
	if (w == NULL) {
		problem_field(p, CRL_FIELD, "a time cannot be encoded");
		goto out;
	}
	w = der_put(w, 0xa0, (size_t)f.xlen);
	memcpy(w, f.exts, (size_t)f.xlen);
	w += f.xlen;
	if ((size_t)(w - tbs) != tlen) {
		log_error("crl: encoded length differs from its size",
		    "want=%zu got=%zu", tlen, (size_t)(w - tbs));
		problem_internal(p);
		goto out;
	}
	if (s != NULL) {
		if (signer_sign(s, tbs, tlen, &sig, &slen, p) == -1)
			goto out;
		/* The self-check: the signature verifies with the issuer's
		 * key over the bytes published. */
		if (slen > (size_t)EVP_PKEY_get_size(
		               X509_get0_pubkey(c->issuer)) ||
		    crl_check_sig(
		        c->issuer, signer_md(s), tbs, tlen, sig, slen) == -1) {
			log_openssl("crl: the signature does not verify");
			log_error("crl: the signature does not verify", NULL);
			problem_internal(p);
			goto out;
		}
	}
	memcpy(w, f.alg, (size_t)f.alen);
	w += f.alen;
	w = der_put(w, V_ASN1_BIT_STRING, slen + 1);
	*w++ = 0; /* no unused bits */
	if (slen > 0)
		memcpy(w, sig, slen);
	w += slen;
	olen = (size_t)(w - tbs);
	oh = der_hdr(olen);
	(void)der_put(tbs - oh, V_ASN1_SEQUENCE | V_ASN1_CONSTRUCTED, olen);
	memmove(buf, tbs - oh, oh + olen);
	*der = buf;
	*len = oh + olen;
	buf = NULL;
	rc = 0;
out:
	OPENSSL_free(sig);
	free(buf);
	crl_parts_free(&f);
	return rc;
}

X509_CRL *
crl_build(X509 *issuer, const struct crl_entry *e, size_t n,
    long long crl_number, time_t this_update, time_t next_update,
    struct problem *p)
{
	struct crl_params c = {
	    issuer, crl_number, this_update, next_update, NULL, 0};
	struct crl_entry *copy;
	unsigned char *der = NULL;
	const unsigned char *r;
	X509_CRL *crl = NULL;
	size_t len = 0;

	if (n > CRL_MAX_ENTRIES || (n > 0 && e == NULL)) {
		problem_invalid(
		    p, CRL_FIELD, "too many entries, or none given");
		return NULL;
	}
	copy = xcalloc(n > 0 ? n : 1, sizeof(*copy));
	if (n > 0)
		memcpy(copy, e, n * sizeof(*copy));
	if (crl_encode(&c, NULL, copy, n, &der, &len, p) == 0) {
		r = der;
		if ((crl = d2i_X509_CRL(NULL, &r, (long)len)) == NULL) {
			log_openssl("crl: cannot decode the CRL made");
			problem_internal(p);
		}
	}
	free(der);
	free(copy);
	return crl;
}
