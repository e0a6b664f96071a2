#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "ca/csr.h"
#include "ca/lint.h"
#include "common/logger.h"

#define LINT_MAX_EXTS 32 /* extensions looked at for duplicates */

struct lint_ctx {
	X509 *cert;                      /* under test */
	const struct profile_config *c;  /* the configuration */
	const struct profile_subject *s; /* the verified application */
	X509 *issuer;                    /* the issuing CA */
	time_t now;                      /* time of issuance */
	const char *const *eku;          /* the product's EKU OIDs */
	size_t neku;                     /* entries in eku */
	const char *const *policies;     /* the product's policy OIDs */
	size_t npolicies;                /* entries in policies */
};

/* The extensions the profile writes. */
static const int lint_known[] = {NID_basic_constraints, NID_key_usage,
    NID_ext_key_usage, NID_subject_key_identifier, NID_authority_key_identifier,
    NID_subject_alt_name, NID_certificate_policies, NID_crl_distribution_points,
    NID_info_access};

/* Fails with rule; always -1. */
static int
lint_fail(struct problem *p, const char *rule)
{
	log_error("lint: failed", "rule=%s", rule);
	return problem_set(
	    p, 500, "lint-failed", "Certificate lint failed", "lint: %s", rule);
}

/* 1 if a and b have identical DER (X509_NAME). */
static int
lint_name_eq(const X509_NAME *a, const X509_NAME *b)
{
	unsigned char *da = NULL, *db = NULL;
	int na, nb, eq;

	na = i2d_X509_NAME(a, &da);
	nb = i2d_X509_NAME(b, &db);
	eq = na > 0 && na == nb && memcmp(da, db, (size_t)na) == 0;
	OPENSSL_free(da);
	OPENSSL_free(db);
	return eq;
}

/* 1 if the IA5String s holds exactly the text want. */
static int
lint_ia5_eq(const ASN1_STRING *s, const char *want)
{
	size_t n = strlen(want);

	return s != NULL && want != NULL &&
	    (size_t)ASN1_STRING_length(s) == n &&
	    memcmp(ASN1_STRING_get0_data(s), want, n) == 0;
}

/* 1 if gn is a URI equal to want. */
static int
lint_uri_eq(const GENERAL_NAME *gn, const char *want)
{
	return gn != NULL && gn->type == GEN_URI &&
	    lint_ia5_eq(gn->d.uniformResourceIdentifier, want);
}

/* 1 if have[0..nhave) is exactly the set of dotted OIDs want[0..n). */
static int
lint_oids_eq(const ASN1_OBJECT *const *have, size_t nhave,
    const char *const *want, size_t n)
{
	ASN1_OBJECT *obj;
	size_t i, j, found;

	if (want == NULL || nhave != n)
		return 0;
	for (i = 0; i < n; i++) {
		if ((obj = OBJ_txt2obj(want[i], 1)) == NULL) {
			ERR_clear_error();
			return 0;
		}
		for (found = 0, j = 0; j < nhave; j++)
			found += OBJ_cmp(obj, have[j]) == 0;
		ASN1_OBJECT_free(obj);
		if (found != 1)
			return 0;
	}
	return 1;
}

/* The decoded extension nid of x (caller frees), *crit its flag; NULL
 * and *crit -1 if absent. */
static void *
lint_ext(X509 *x, int nid, int *crit)
{
	X509_EXTENSION *ext;
	int i;

	*crit = -1;
	if ((i = X509_get_ext_by_NID(x, nid, -1)) < 0 ||
	    (ext = X509_get_ext(x, i)) == NULL)
		return NULL;
	*crit = X509_EXTENSION_get_critical(ext);
	return X509V3_EXT_d2i(ext);
}

static const char *
lint_version(const struct lint_ctx *l)
{
	return X509_get_version(l->cert) == X509_VERSION_3 ? NULL : "version";
}

static const char *
lint_serial(const struct lint_ctx *l)
{
	const ASN1_INTEGER *sn = X509_get0_serialNumber(l->cert);
	BIGNUM *bn;
	int positive;

	if ((bn = ASN1_INTEGER_to_BN(sn, NULL)) == NULL) {
		ERR_clear_error();
		return "serial-positive";
	}
	positive = !BN_is_negative(bn) && !BN_is_zero(bn);
	BN_free(bn);
	if (!positive)
		return "serial-positive";
	/* tag, length, and exactly PROFILE_SERIAL_LEN content bytes */
	if (i2d_ASN1_INTEGER(sn, NULL) != 2 + PROFILE_SERIAL_LEN)
		return "serial-length";
	return NULL;
}

/* NID of alg's algorithm and its parameter type. */
static int
lint_alg(const X509_ALGOR *alg, int *ptype)
{
	const ASN1_OBJECT *obj = NULL;
	const void *param = NULL;

	*ptype = V_ASN1_UNDEF;
	if (alg == NULL)
		return NID_undef;
	X509_ALGOR_get0(&obj, ptype, &param, alg);
	return obj == NULL ? NID_undef : OBJ_obj2nid(obj);
}

static const char *
lint_sigalg(const struct lint_ctx *l)
{
	const X509_ALGOR *tbs = X509_get0_tbs_sigalg(l->cert), *outer = NULL;
	EVP_PKEY *ikey = X509_get0_pubkey(l->issuer);
	int nid, onid, ptype, optype, ok;

	X509_get0_signature(NULL, &outer, l->cert);
	nid = lint_alg(tbs, &ptype);
	onid = lint_alg(outer, &optype);
	if (nid == NID_undef || ikey == NULL)
		return "signature-algorithm";
	switch (nid) {
	case NID_ecdsa_with_SHA256:
	case NID_ecdsa_with_SHA384:
	case NID_ecdsa_with_SHA512:
		ok = EVP_PKEY_is_a(ikey, "EC") && ptype == V_ASN1_UNDEF;
		break;
	case NID_sha256WithRSAEncryption:
	case NID_sha384WithRSAEncryption:
	case NID_sha512WithRSAEncryption:
		ok = EVP_PKEY_is_a(ikey, "RSA") && ptype == V_ASN1_NULL;
		break;
	default:
		ok = 0;
	}
	if (ok && onid != NID_undef && X509_ALGOR_cmp(tbs, outer) != 0)
		ok = 0;
	return ok ? NULL : "signature-algorithm";
}

static const char *
lint_uids(const struct lint_ctx *l)
{
	const ASN1_BIT_STRING *iuid = NULL, *suid = NULL;

	X509_get0_uids(l->cert, &iuid, &suid);
	return iuid == NULL && suid == NULL ? NULL : "unique-ids";
}

static const char *
lint_issuer_name(const struct lint_ctx *l)
{
	return lint_name_eq(X509_get_issuer_name(l->cert),
	           X509_get_subject_name(l->issuer))
	    ? NULL
	    : "issuer-name";
}

static const char *
lint_subject(const struct lint_ctx *l)
{
	struct problem scratch;
	X509_NAME *want;
	int eq;

	problem_clear(&scratch);
	if ((want = profile_subject_name(l->c, l->s, &scratch)) == NULL)
		return "subject";
	eq = lint_name_eq(X509_get_subject_name(l->cert), want);
	X509_NAME_free(want);
	return eq ? NULL : "subject";
}

/* 1 if t is encoded as RFC 5280 4.1.2.5 asks. */
static int
lint_time_encoding(const ASN1_TIME *t)
{
	struct tm tm;
	int len, year;

	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	year = tm.tm_year + 1900;
	len = ASN1_STRING_length(t);
	if (len < 1 || ASN1_STRING_get0_data(t)[len - 1] != 'Z')
		return 0;
	if (year >= 1950 && year <= 2049)
		return ASN1_STRING_type(t) == V_ASN1_UTCTIME && len == 13;
	return ASN1_STRING_type(t) == V_ASN1_GENERALIZEDTIME && len == 15;
}

static const char *
lint_validity(const struct lint_ctx *l)
{
	time_t nb, na, inb, ina;

	if (!lint_time_encoding(X509_get0_notBefore(l->cert)) ||
	    !lint_time_encoding(X509_get0_notAfter(l->cert)) ||
	    profile_time(X509_get0_notBefore(l->cert), &nb) == -1 ||
	    profile_time(X509_get0_notAfter(l->cert), &na) == -1) {
		ERR_clear_error();
		return "validity-encoding";
	}
	if (nb > l->now + LINT_CLOCK_SKEW)
		return "validity-not-before";
	if (na <= nb ||
	    na - nb >
	        (time_t)(l->c->validity_days + LINT_SLACK_DAYS) * PROFILE_DAY)
		return "validity-period";
	if (profile_time(X509_get0_notBefore(l->issuer), &inb) == -1 ||
	    profile_time(X509_get0_notAfter(l->issuer), &ina) == -1 ||
	    nb < inb || na > ina) {
		ERR_clear_error();
		return "validity-issuer";
	}
	return NULL;
}

static const char *
lint_key(const struct lint_ctx *l)
{
	struct problem scratch;
	EVP_PKEY *own, *key;
	const char *rule = NULL;

	/* An EC key decoded here from the certificate's own SPKI (a
	 * certificate that the profile built caches none); any other as
	 * OpenSSL decoded it. */
	own = csr_ec_spki_key(X509_get_X509_PUBKEY(l->cert));
	key = own != NULL ? own : X509_get0_pubkey(l->cert);
	problem_clear(&scratch);
	if (csr_key_check(key, &scratch) == -1)
		rule = "key";
	else if (EVP_PKEY_eq(key, X509_get0_pubkey(l->issuer)) == 1)
		rule = "key-is-issuer";
	ERR_clear_error();
	EVP_PKEY_free(own);
	return rule;
}

static const char *
lint_ext_set(const struct lint_ctx *l)
{
	const ASN1_OBJECT *oids[LINT_MAX_EXTS];
	const X509V3_EXT_METHOD *m;
	X509_EXTENSION *ext;
	const ASN1_OCTET_STRING *data;
	unsigned char *der = NULL;
	void *value;
	int n, i, j, k, nid, len, same;

	if ((n = X509_get_ext_count(l->cert)) > LINT_MAX_EXTS)
		return "extension-unknown";
	for (i = 0; i < n; i++) {
		oids[i] = X509_EXTENSION_get_object(X509_get_ext(l->cert, i));
		for (j = 0; j < i; j++)
			if (OBJ_cmp(oids[i], oids[j]) == 0)
				return "extension-duplicate";
	}
	for (i = 0; i < n; i++) {
		nid = OBJ_obj2nid(oids[i]);
		for (k = 0;
		     k < (int)(sizeof(lint_known) / sizeof(lint_known[0])); k++)
			if (lint_known[k] == nid)
				break;
		if (k == (int)(sizeof(lint_known) / sizeof(lint_known[0])))
			return "extension-unknown";
	}
	for (i = 0; i < n; i++) {
		ext = X509_get_ext(l->cert, i);
		data = X509_EXTENSION_get_data(ext);
		if ((m = X509V3_EXT_get(ext)) == NULL || m->it == NULL ||
		    (value = X509V3_EXT_d2i(ext)) == NULL) {
			ERR_clear_error();
			return "extension-encoding";
		}
		len = ASN1_item_i2d(value, &der, ASN1_ITEM_ptr(m->it));
		same = len > 0 && len == ASN1_STRING_length(data) &&
		    memcmp(der, ASN1_STRING_get0_data(data), (size_t)len) == 0;
		ASN1_item_free(value, ASN1_ITEM_ptr(m->it));
		OPENSSL_free(der);
		der = NULL;
		if (!same)
			return "extension-encoding";
	}
	return NULL;
}

static const char *
lint_key_usage(const struct lint_ctx *l)
{
	ASN1_BIT_STRING *ku;
	const char *rule = NULL;
	int crit, i;

	if ((ku = lint_ext(l->cert, NID_key_usage, &crit)) == NULL)
		return "key-usage-missing";
	if (crit != 1)
		rule = "key-usage-critical";
	else if (ASN1_STRING_length(ku) < 1)
		rule = "key-usage-value";
	else
		for (i = 0; i < 8 * ASN1_STRING_length(ku); i++)
			if (ASN1_BIT_STRING_get_bit(ku, i) != (i < 2))
				rule = "key-usage-value";
	ASN1_BIT_STRING_free(ku);
	return rule;
}

static const char *
lint_basic_constraints(const struct lint_ctx *l)
{
	BASIC_CONSTRAINTS *bc;
	const char *rule = NULL;
	int crit;

	if ((bc = lint_ext(l->cert, NID_basic_constraints, &crit)) == NULL)
		return "basic-constraints-missing";
	if (crit != 1)
		rule = "basic-constraints-critical";
	else if (bc->ca || bc->pathlen != NULL)
		rule = "basic-constraints-value";
	BASIC_CONSTRAINTS_free(bc);
	return rule;
}

static const char *
lint_eku(const struct lint_ctx *l)
{
	const ASN1_OBJECT *have[PROFILE_MAX_OIDS];
	EXTENDED_KEY_USAGE *eku;
	const char *rule = NULL;
	int crit, i, n;

	if ((eku = lint_ext(l->cert, NID_ext_key_usage, &crit)) == NULL)
		return "ext-key-usage-missing";
	n = sk_ASN1_OBJECT_num(eku);
	if (crit != 0)
		rule = "ext-key-usage-critical";
	else if (n < 1 || n > PROFILE_MAX_OIDS)
		rule = "ext-key-usage-value";
	else {
		for (i = 0; i < n; i++)
			have[i] = sk_ASN1_OBJECT_value(eku, i);
		if (!lint_oids_eq(have, (size_t)n, l->eku, l->neku))
			rule = "ext-key-usage-value";
	}
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	return rule;
}

static const char *
lint_policies(const struct lint_ctx *l)
{
	const ASN1_OBJECT *have[PROFILE_MAX_OIDS];
	CERTIFICATEPOLICIES *cp;
	POLICYINFO *pi;
	const char *rule = NULL;
	int crit, i, n;

	if ((cp = lint_ext(l->cert, NID_certificate_policies, &crit)) == NULL)
		return "policies-missing";
	n = sk_POLICYINFO_num(cp);
	if (crit != 0)
		rule = "policies-critical";
	else if (n < 1 || n > PROFILE_MAX_OIDS)
		rule = "policies-value";
	else {
		for (i = 0; i < n; i++) {
			pi = sk_POLICYINFO_value(cp, i);
			have[i] = pi->policyid;
			if (pi->qualifiers != NULL)
				rule = "policies-value";
		}
		if (!lint_oids_eq(have, (size_t)n, l->policies, l->npolicies))
			rule = "policies-value";
	}
	CERTIFICATEPOLICIES_free(cp);
	return rule;
}

static const char *
lint_san(const struct lint_ctx *l)
{
	GENERAL_NAMES *san;
	GENERAL_NAME *gn;
	const char *rule = NULL;
	int crit;

	if ((san = lint_ext(l->cert, NID_subject_alt_name, &crit)) == NULL)
		return "san-missing";
	if (crit != 0)
		rule = "san-critical";
	else if (sk_GENERAL_NAME_num(san) != 1 ||
	    (gn = sk_GENERAL_NAME_value(san, 0))->type != GEN_EMAIL ||
	    !lint_ia5_eq(gn->d.rfc822Name, l->s->email))
		rule = "san-value";
	GENERAL_NAMES_free(san);
	return rule;
}

static const char *
lint_ski(const struct lint_ctx *l)
{
	unsigned char id[PROFILE_KEYID_LEN];
	ASN1_OCTET_STRING *ski;
	const char *rule = NULL;
	int crit;

	if ((ski = lint_ext(l->cert, NID_subject_key_identifier, &crit)) ==
	    NULL)
		return "ski-missing";
	if (crit != 0)
		rule = "ski-critical";
	else if (profile_key_id(l->cert, id) == -1 ||
	    ASN1_STRING_length(ski) != PROFILE_KEYID_LEN ||
	    memcmp(ASN1_STRING_get0_data(ski), id, sizeof(id)) != 0)
		rule = "ski-value";
	ASN1_OCTET_STRING_free(ski);
	return rule;
}

static const char *
lint_aki(const struct lint_ctx *l)
{
	AUTHORITY_KEYID *aki;
	ASN1_OCTET_STRING *iski;
	const char *rule = NULL;
	int crit;

	if ((aki = lint_ext(l->cert, NID_authority_key_identifier, &crit)) ==
	    NULL)
		return "aki-missing";
	iski =
	    X509_get_ext_d2i(l->issuer, NID_subject_key_identifier, NULL, NULL);
	if (crit != 0)
		rule = "aki-critical";
	else if (aki->keyid == NULL || aki->issuer != NULL ||
	    aki->serial != NULL || iski == NULL ||
	    ASN1_OCTET_STRING_cmp(aki->keyid, iski) != 0)
		rule = "aki-value";
	ERR_clear_error();
	ASN1_OCTET_STRING_free(iski);
	AUTHORITY_KEYID_free(aki);
	return rule;
}

static const char *
lint_aia(const struct lint_ctx *l)
{
	AUTHORITY_INFO_ACCESS *aia;
	ACCESS_DESCRIPTION *ad;
	const char *rule = NULL;
	int crit, i, ocsp = 0, issuers = 0;

	if ((aia = lint_ext(l->cert, NID_info_access, &crit)) == NULL)
		return "aia-missing";
	if (crit != 0)
		rule = "aia-critical";
	else {
		for (i = 0; i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
			ad = sk_ACCESS_DESCRIPTION_value(aia, i);
			if (OBJ_obj2nid(ad->method) == NID_ad_OCSP &&
			    lint_uri_eq(ad->location, l->c->ocsp_url))
				ocsp++;
			else if (OBJ_obj2nid(ad->method) == NID_ad_ca_issuers &&
			    lint_uri_eq(ad->location, l->c->ca_issuers_url))
				issuers++;
			else
				rule = "aia-value";
		}
		if (ocsp != 1 || issuers != 1)
			rule = "aia-value";
	}
	AUTHORITY_INFO_ACCESS_free(aia);
	return rule;
}

static const char *
lint_crl_dp(const struct lint_ctx *l)
{
	CRL_DIST_POINTS *cdp;
	DIST_POINT *dp;
	const char *rule = NULL;
	int crit;

	if ((cdp = lint_ext(l->cert, NID_crl_distribution_points, &crit)) ==
	    NULL)
		return "crl-dp-missing";
	if (crit != 0)
		rule = "crl-dp-critical";
	else if (sk_DIST_POINT_num(cdp) != 1 ||
	    (dp = sk_DIST_POINT_value(cdp, 0))->reasons != NULL ||
	    dp->CRLissuer != NULL || dp->distpoint == NULL ||
	    dp->distpoint->type != 0 ||
	    sk_GENERAL_NAME_num(dp->distpoint->name.fullname) != 1 ||
	    !lint_uri_eq(sk_GENERAL_NAME_value(dp->distpoint->name.fullname, 0),
	        l->c->crl_url))
		rule = "crl-dp-value";
	CRL_DIST_POINTS_free(cdp);
	return rule;
}

/* The rules, in the order their failures are reported. */
static const char *(*const lint_rules[])(const struct lint_ctx *) = {
    lint_version, lint_serial, lint_sigalg, lint_uids, lint_issuer_name,
    lint_subject, lint_validity, lint_key, lint_ext_set, lint_key_usage,
    lint_basic_constraints, lint_eku, lint_policies, lint_san, lint_ski,
    lint_aki, lint_aia, lint_crl_dp};

int
lint_check(X509 *cert, const struct profile_config *c,
    const struct profile_subject *s, X509 *issuer, time_t now,
    struct problem *p)
{
	struct lint_ctx l;
	const char *rule;
	size_t i;

	if (cert == NULL || c == NULL || s == NULL || issuer == NULL)
		return lint_fail(p, "missing-input");
	l.cert = cert;
	l.c = c;
	l.s = s;
	l.issuer = issuer;
	l.now = now;
	l.eku = s->hardware ? c->eku_oids_hw : c->eku_oids_sw;
	l.neku = s->hardware ? c->neku_hw : c->neku_sw;
	l.policies = s->hardware ? c->policy_oids_hw : c->policy_oids_sw;
	l.npolicies = s->hardware ? c->npolicy_hw : c->npolicy_sw;
	for (i = 0; i < sizeof(lint_rules) / sizeof(lint_rules[0]); i++)
		if ((rule = lint_rules[i](&l)) != NULL)
			return lint_fail(p, rule);
	return 0;
}

/*
 * Splits the DER SEQUENCE at der[0..len) (exactly one element, definite
 * length) into at most max children: off[i], size[i] (header included).
 * Returns the number of children, or -1.
 */
static int
lint_children(
    const unsigned char *der, long len, long *off, long *size, int max)
{
	const unsigned char *q = der, *start, *end;
	long clen = 0;
	int tag, cls, r, n = 0;

	r = ASN1_get_object(&q, &clen, &tag, &cls, len);
	if ((r & 0x80) != 0 || r != V_ASN1_CONSTRUCTED ||
	    tag != V_ASN1_SEQUENCE || cls != V_ASN1_UNIVERSAL ||
	    (q - der) + clen != len)
		return -1;
	end = q + clen;
	while (q < end) {
		if (n == max)
			return -1;
		start = q;
		r = ASN1_get_object(&q, &clen, &tag, &cls, end - q);
		if ((r & 0x80) != 0 || r == (V_ASN1_CONSTRUCTED | 1) ||
		    clen > end - q)
			return -1;
		q += clen;
		off[n] = start - der;
		size[n] = q - start;
		n++;
	}
	return n;
}

#define LINT_TBS_MAX 10 /* elements of a TBSCertificate */

int
lint_same_tbs(X509 *signed_cert, X509 *linted, struct problem *p)
{
	long soff[LINT_TBS_MAX], ssize[LINT_TBS_MAX], loff[LINT_TBS_MAX],
	    lsize[LINT_TBS_MAX], coff[3], csize[3];
	const X509_ALGOR *tbsalg, *outer = NULL;
	unsigned char *sder = NULL, *lder = NULL;
	const char *rule = NULL;
	int sn, ln, ns, nl, i, sig;

	if (signed_cert == NULL || linted == NULL ||
	    (sn = i2d_X509(signed_cert, &sder)) <= 0 ||
	    (ln = i2d_re_X509_tbs(linted, &lder)) <= 0 ||
	    lint_children(sder, sn, coff, csize, 3) != 3 ||
	    (ns = lint_children(
	         sder + coff[0], csize[0], soff, ssize, LINT_TBS_MAX)) < 3 ||
	    (nl = lint_children(lder, ln, loff, lsize, LINT_TBS_MAX)) < 3) {
		ERR_clear_error();
		rule = "tbs-unreadable";
		goto out;
	}
	/* the signature field follows the optional [0] version and serial */
	sig = sder[coff[0] + soff[0]] == 0xa0 ? 2 : 1;
	if (ns != nl || (lder[loff[0]] == 0xa0 ? 2 : 1) != sig) {
		rule = "tbs-changed";
		goto out;
	}
	for (i = 0; i < ns; i++)
		if (i != sig &&
		    (ssize[i] != lsize[i] ||
		        memcmp(sder + coff[0] + soff[i], lder + loff[i],
		            (size_t)ssize[i]) != 0)) {
			rule = "tbs-changed";
			goto out;
		}
	tbsalg = X509_get0_tbs_sigalg(signed_cert);
	X509_get0_signature(NULL, &outer, signed_cert);
	if (tbsalg == NULL || outer == NULL ||
	    X509_ALGOR_cmp(tbsalg, outer) != 0)
		rule = "tbs-signature-algorithm";
out:
	OPENSSL_free(sder);
	OPENSSL_free(lder);
	return rule == NULL ? 0 : lint_fail(p, rule);
}
