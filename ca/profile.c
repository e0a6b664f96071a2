#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "ca/csr.h"
#include "ca/profile.h"
#include "common/bounds.h"
#include "common/logger.h"
#include "common/rand.h"

#define PROFILE_NAME_BUF  (3 * BOUND_NAME + 8) /* a joined name, bytes */
#define PROFILE_EMAIL_MIN 3                    /* a@b */

/*
 * Decodes one UTF-8 character of NUL-terminated s at *i into *cp and
 * advances *i.  Refuses overlong forms, surrogates and values above
 * U+10FFFF.  Returns 0, or -1.
 */
static int
profile_utf8_next(const unsigned char *s, size_t *i, unsigned long *cp)
{
	unsigned long v, min;
	size_t k, n;
	unsigned char c = s[*i];

	if (c < 0x80) {
		*cp = c;
		(*i)++;
		return 0;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 1;
		v = c & 0x1f;
		min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 2;
		v = c & 0x0f;
		min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 3;
		v = c & 0x07;
		min = 0x10000;
	} else
		return -1;
	for (k = 1; k <= n; k++) {
		if ((s[*i + k] & 0xc0) != 0x80)
			return -1;
		v = v << 6 | (s[*i + k] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return -1;
	*cp = v;
	*i += n + 1;
	return 0;
}

int
profile_text_ok(const char *s, size_t maxchars)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long cp;
	size_t i = 0, chars = 0;

	if (s == NULL || strnlen(s, 4 * maxchars + 1) > 4 * maxchars)
		return 0;
	while (u[i] != '\0') {
		if (profile_utf8_next(u, &i, &cp) == -1 || cp < 0x20 ||
		    (cp >= 0x7f && cp <= 0x9f))
			return 0;
		chars++;
	}
	return chars >= 1 && chars <= maxchars;
}

/* Characters in valid UTF-8 s. */
static size_t
profile_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

int
profile_url_ok(const char *url)
{
	size_t i, len;

	if (url == NULL ||
	    (len = strnlen(url, PROFILE_URL_MAX + 1)) > PROFILE_URL_MAX)
		return 0;
	if (strncmp(url, "http://", 7) == 0)
		i = 7;
	else if (strncmp(url, "https://", 8) == 0)
		i = 8;
	else
		return 0;
	if (i == len)
		return 0;
	for (; i < len; i++)
		if (url[i] <= 0x20 || url[i] >= 0x7f)
			return 0;
	return 1;
}

/* 1 if email is ASCII without spaces, one '@' inside, within bounds. */
static int
profile_email_ok(const char *email)
{
	size_t i, len, at = 0, nat = 0;

	if (email == NULL ||
	    (len = strnlen(email, BOUND_EMAIL + 1)) > BOUND_EMAIL ||
	    len < PROFILE_EMAIL_MIN)
		return 0;
	for (i = 0; i < len; i++) {
		if (email[i] <= 0x20 || email[i] >= 0x7f)
			return 0;
		if (email[i] == '@') {
			at = i;
			nat++;
		}
	}
	return nat == 1 && at > 0 && at < len - 1;
}

int
profile_oids_ok(const char *const *oids, size_t n)
{
	ASN1_OBJECT *obj[PROFILE_MAX_OIDS];
	size_t i, j, made = 0;
	int ok = 0;

	if (oids == NULL || n < 1 || n > PROFILE_MAX_OIDS)
		return 0;
	for (i = 0; i < n; i++) {
		if (oids[i] == NULL ||
		    strnlen(oids[i], PROFILE_OID_MAX + 1) > PROFILE_OID_MAX ||
		    (obj[i] = OBJ_txt2obj(oids[i], 1)) == NULL)
			goto out;
		made++;
		for (j = 0; j < i; j++)
			if (OBJ_cmp(obj[i], obj[j]) == 0)
				goto out;
	}
	ok = 1;
out:
	for (i = 0; i < made; i++)
		ASN1_OBJECT_free(obj[i]);
	ERR_clear_error();
	return ok;
}

/* 1 if c is a usable configuration; logs the first fault. */
static int
profile_config_ok(const struct profile_config *c)
{
	const char *bad = NULL;

	if (c->country == NULL || strlen(c->country) != 2 ||
	    c->country[0] < 'A' || c->country[0] > 'Z' || c->country[1] < 'A' ||
	    c->country[1] > 'Z')
		bad = "country";
	else if (!profile_text_ok(c->organization, PROFILE_ORG_MAX))
		bad = "organization";
	else if (!profile_url_ok(c->ocsp_url))
		bad = "ocsp_url";
	else if (!profile_url_ok(c->ca_issuers_url))
		bad = "ca_issuers_url";
	else if (!profile_url_ok(c->crl_url))
		bad = "crl_url";
	else if (!profile_oids_ok(c->policy_oids_hw, c->npolicy_hw))
		bad = "policy_oids_hw";
	else if (!profile_oids_ok(c->policy_oids_sw, c->npolicy_sw))
		bad = "policy_oids_sw";
	else if (!profile_oids_ok(c->eku_oids_hw, c->neku_hw))
		bad = "eku_oids_hw";
	else if (!profile_oids_ok(c->eku_oids_sw, c->neku_sw))
		bad = "eku_oids_sw";
	else if (c->validity_days < 1 || c->validity_days > PROFILE_MAX_DAYS)
		bad = "validity_days";
	if (bad != NULL)
		log_error("profile: bad configuration", "setting=%s", bad);
	return bad == NULL;
}

/* 1 if s is a name part: 1..BOUND_NAME bytes of text. */
static int
profile_name_ok(const char *s)
{
	return s != NULL && strnlen(s, BOUND_NAME + 1) <= BOUND_NAME &&
	    profile_text_ok(s, BOUND_NAME);
}

/* The common name of s into out (PROFILE_NAME_BUF bytes); 0 or -1. */
static int
profile_common_name(
    const struct profile_subject *s, char *out, size_t outsz, struct problem *p)
{
	const char *middle = s->middle_name;
	size_t first;

	if (!profile_name_ok(s->given_name))
		return problem_invalid(
		    p, "applicant.given_name", "not a usable name");
	if (middle != NULL && middle[0] == '\0')
		middle = NULL;
	if (middle != NULL && !profile_name_ok(middle))
		return problem_invalid(
		    p, "applicant.middle_name", "not a usable name");
	if (!profile_name_ok(s->family_name))
		return problem_invalid(
		    p, "applicant.family_name", "not a usable name");
	if (middle != NULL) {
		snprintf(out, outsz, "%s %s %s", s->given_name, middle,
		    s->family_name);
		if (profile_chars(out) <= PROFILE_CN_MAX)
			return 0;
		for (first = 1; ((unsigned char)middle[first] & 0xc0) == 0x80;
		     first++)
			continue;
		snprintf(out, outsz, "%s %.*s. %s", s->given_name, (int)first,
		    middle, s->family_name);
		if (profile_chars(out) <= PROFILE_CN_MAX)
			return 0;
	}
	snprintf(out, outsz, "%s %s", s->given_name, s->family_name);
	if (profile_chars(out) <= PROFILE_CN_MAX)
		return 0;
	return problem_invalid(p, "applicant",
	    "the name is too long for a certificate (64 characters)");
}

X509_NAME *
profile_subject_name(const struct profile_config *c,
    const struct profile_subject *s, struct problem *p)
{
	char cn[PROFILE_NAME_BUF];
	X509_NAME *name = NULL;

	if (c == NULL || s == NULL || !profile_config_ok(c)) {
		problem_internal(p);
		return NULL;
	}
	if (profile_common_name(s, cn, sizeof(cn), p) == -1)
		return NULL;
	if ((name = X509_NAME_new()) == NULL ||
	    X509_NAME_add_entry_by_NID(name, NID_countryName,
	        V_ASN1_PRINTABLESTRING, (const unsigned char *)c->country, -1,
	        -1, 0) != 1 ||
	    X509_NAME_add_entry_by_NID(name, NID_organizationName,
	        V_ASN1_UTF8STRING, (const unsigned char *)c->organization, -1,
	        -1, 0) != 1 ||
	    X509_NAME_add_entry_by_NID(name, NID_commonName, V_ASN1_UTF8STRING,
	        (const unsigned char *)cn, -1, -1, 0) != 1) {
		log_openssl("profile: cannot make the subject name");
		X509_NAME_free(name);
		problem_internal(p);
		return NULL;
	}
	return name;
}

int
profile_time(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;
	long long y, m, d, era, yoe, doy, doe;

	if (t == NULL || ASN1_TIME_check(t) != 1 ||
	    ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	/* days from the civil date (H. Hinnant's algorithm): no timegm() */
	y = (long long)tm.tm_year + 1900;
	m = tm.tm_mon + 1;
	d = tm.tm_mday;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	*out = (time_t)((era * 146097 + doe - 719468) * 86400LL +
	    tm.tm_hour * 3600LL + tm.tm_min * 60LL + tm.tm_sec);
	return 0;
}

int
profile_key_id(X509 *cert, unsigned char out[PROFILE_KEYID_LEN])
{
	const unsigned char *pk = NULL;
	unsigned int n = 0;
	int pklen = 0;

	if (cert == NULL ||
	    X509_PUBKEY_get0_param(
	        NULL, &pk, &pklen, NULL, X509_get_X509_PUBKEY(cert)) != 1 ||
	    pk == NULL ||
	    EVP_Digest(pk, (size_t)pklen, out, &n, EVP_sha1(), NULL) != 1 ||
	    n != PROFILE_KEYID_LEN) {
		log_openssl("profile: cannot compute a key identifier");
		return -1;
	}
	return 0;
}

/* The subject's key into x: an EC key's SPKI straight from its curve and
 * point (csr_ec_spki_set: X509_set_pubkey's encoder cost more than the
 * rest of the certificate), any other through OpenSSL's encoder. */
static int
profile_set_key(X509 *x, EVP_PKEY *key)
{
	if (csr_ec_spki_set(X509_get_X509_PUBKEY(x), key) == 0)
		return 0;
	return X509_set_pubkey(x, key) == 1 ? 0 : -1;
}

/* Adds extension nid with value (an OpenSSL structure, copied). */
static int
profile_ext(X509 *x, int nid, int crit, void *value)
{
	if (X509_add1_ext_i2d(x, nid, value, crit, X509V3_ADD_DEFAULT) != 1) {
		log_openssl("profile: cannot add an extension");
		log_error("profile: cannot add an extension", "nid=%d", nid);
		return -1;
	}
	return 0;
}

int
profile_add_basic_constraints(X509 *x, int ca, long pathlen)
{
	BASIC_CONSTRAINTS *bc = NULL;
	int rc = -1;

	if ((bc = BASIC_CONSTRAINTS_new()) == NULL)
		goto out;
	bc->ca = ca ? 0xff : 0;
	if (pathlen >= 0 &&
	    ((bc->pathlen = ASN1_INTEGER_new()) == NULL ||
	        ASN1_INTEGER_set(bc->pathlen, pathlen) != 1))
		goto out;
	rc = profile_ext(x, NID_basic_constraints, 1, bc);
out:
	if (rc == -1)
		log_openssl("profile: cannot make basicConstraints");
	BASIC_CONSTRAINTS_free(bc);
	return rc;
}

int
profile_add_key_usage(X509 *x, unsigned int ku)
{
	ASN1_BIT_STRING *bits = NULL;
	int n, rc = -1;

	if ((bits = ASN1_BIT_STRING_new()) == NULL)
		goto out;
	for (n = 0; n < 9; n++) {
		unsigned int flag = n < 8 ? 0x80u >> n : KU_DECIPHER_ONLY;
		if ((ku & flag) != 0 &&
		    ASN1_BIT_STRING_set_bit(bits, n, 1) != 1)
			goto out;
	}
	rc = profile_ext(x, NID_key_usage, 1, bits);
out:
	if (rc == -1)
		log_openssl("profile: cannot make keyUsage");
	ASN1_BIT_STRING_free(bits);
	return rc;
}

int
profile_add_key_ids(X509 *x, X509 *issuer)
{
	unsigned char id[PROFILE_KEYID_LEN];
	ASN1_OCTET_STRING *ski = NULL, *iski = NULL;
	AUTHORITY_KEYID *aki = NULL;
	int rc = -1;

	if (profile_key_id(x, id) == -1)
		goto out;
	if ((ski = ASN1_OCTET_STRING_new()) == NULL ||
	    ASN1_OCTET_STRING_set(ski, id, sizeof(id)) != 1)
		goto out;
	if (issuer == NULL)
		iski = ASN1_OCTET_STRING_dup(ski);
	else
		iski = X509_get_ext_d2i(
		    issuer, NID_subject_key_identifier, NULL, NULL);
	if (iski == NULL) {
		log_error("profile: the issuer has no key identifier", NULL);
		goto out;
	}
	if ((aki = AUTHORITY_KEYID_new()) == NULL)
		goto out;
	aki->keyid = iski;
	iski = NULL;
	if (profile_ext(x, NID_subject_key_identifier, 0, ski) == -1 ||
	    profile_ext(x, NID_authority_key_identifier, 0, aki) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		log_openssl("profile: cannot make the key identifiers");
	ASN1_OCTET_STRING_free(ski);
	ASN1_OCTET_STRING_free(iski);
	AUTHORITY_KEYID_free(aki);
	return rc;
}

/* A GENERAL_NAME of type (GEN_URI, GEN_EMAIL) holding IA5 text s. */
static GENERAL_NAME *
profile_gn(int type, const char *s)
{
	ASN1_IA5STRING *ia5 = NULL;
	GENERAL_NAME *gn = NULL;

	if ((ia5 = ASN1_IA5STRING_new()) == NULL ||
	    ASN1_STRING_set(ia5, s, -1) != 1 ||
	    (gn = GENERAL_NAME_new()) == NULL) {
		ASN1_IA5STRING_free(ia5);
		return NULL;
	}
	GENERAL_NAME_set0_value(gn, type, ia5);
	return gn;
}

/* A new GENERAL_NAMES holding one name, or NULL. */
static GENERAL_NAMES *
profile_gns(int type, const char *s)
{
	GENERAL_NAMES *gns = NULL;
	GENERAL_NAME *gn = NULL;

	if ((gns = GENERAL_NAMES_new()) == NULL ||
	    (gn = profile_gn(type, s)) == NULL ||
	    sk_GENERAL_NAME_push(gns, gn) == 0) {
		GENERAL_NAME_free(gn);
		GENERAL_NAMES_free(gns);
		return NULL;
	}
	return gns;
}

int
profile_add_crl_dp(X509 *x, const char *url)
{
	CRL_DIST_POINTS *cdp = NULL;
	DIST_POINT *dp = NULL;
	int rc = -1;

	if ((cdp = CRL_DIST_POINTS_new()) == NULL ||
	    (dp = DIST_POINT_new()) == NULL ||
	    (dp->distpoint = DIST_POINT_NAME_new()) == NULL)
		goto out;
	dp->distpoint->type = 0;
	if ((dp->distpoint->name.fullname = profile_gns(GEN_URI, url)) ==
	        NULL ||
	    sk_DIST_POINT_push(cdp, dp) == 0)
		goto out;
	dp = NULL;
	rc = profile_ext(x, NID_crl_distribution_points, 0, cdp);
out:
	if (rc == -1)
		log_openssl("profile: cannot make cRLDistributionPoints");
	DIST_POINT_free(dp);
	CRL_DIST_POINTS_free(cdp);
	return rc;
}

/* Appends an access description (method nid, URI url) to aia. */
static int
profile_aia_push(AUTHORITY_INFO_ACCESS *aia, int nid, const char *url)
{
	ACCESS_DESCRIPTION *ad = NULL;
	GENERAL_NAME *gn = NULL;

	if ((ad = ACCESS_DESCRIPTION_new()) == NULL ||
	    (gn = profile_gn(GEN_URI, url)) == NULL) {
		ACCESS_DESCRIPTION_free(ad);
		return -1;
	}
	ASN1_OBJECT_free(ad->method);
	ad->method = OBJ_nid2obj(nid);
	GENERAL_NAME_free(ad->location);
	ad->location = gn;
	if (sk_ACCESS_DESCRIPTION_push(aia, ad) == 0) {
		ACCESS_DESCRIPTION_free(ad);
		return -1;
	}
	return 0;
}

int
profile_add_aia(X509 *x, const char *ocsp_url, const char *ca_issuers_url)
{
	AUTHORITY_INFO_ACCESS *aia = NULL;
	int rc = -1;

	if ((aia = AUTHORITY_INFO_ACCESS_new()) == NULL ||
	    (ocsp_url != NULL &&
	        profile_aia_push(aia, NID_ad_OCSP, ocsp_url) == -1) ||
	    (ca_issuers_url != NULL &&
	        profile_aia_push(aia, NID_ad_ca_issuers, ca_issuers_url) == -1))
		goto out;
	rc = profile_ext(x, NID_info_access, 0, aia);
out:
	if (rc == -1)
		log_openssl("profile: cannot make authorityInfoAccess");
	AUTHORITY_INFO_ACCESS_free(aia);
	return rc;
}

/* extendedKeyUsage from oids[0..n), non-critical. */
static int
profile_add_eku(X509 *x, const char *const *oids, size_t n)
{
	EXTENDED_KEY_USAGE *eku = NULL;
	ASN1_OBJECT *obj;
	size_t i;
	int rc = -1;

	if ((eku = sk_ASN1_OBJECT_new_null()) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		if ((obj = OBJ_txt2obj(oids[i], 1)) == NULL)
			goto out;
		if (sk_ASN1_OBJECT_push(eku, obj) == 0) {
			ASN1_OBJECT_free(obj);
			goto out;
		}
	}
	rc = profile_ext(x, NID_ext_key_usage, 0, eku);
out:
	if (rc == -1)
		log_openssl("profile: cannot make extendedKeyUsage");
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	return rc;
}

int
profile_add_policies(X509 *x, const char *const *oids, size_t n, int crit)
{
	CERTIFICATEPOLICIES *cp = NULL;
	POLICYINFO *pi = NULL;
	size_t i;
	int rc = -1;

	if ((cp = CERTIFICATEPOLICIES_new()) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		if ((pi = POLICYINFO_new()) == NULL)
			goto out;
		ASN1_OBJECT_free(pi->policyid);
		if ((pi->policyid = OBJ_txt2obj(oids[i], 1)) == NULL ||
		    sk_POLICYINFO_push(cp, pi) == 0)
			goto out;
		pi = NULL;
	}
	rc = profile_ext(x, NID_certificate_policies, crit != 0, cp);
out:
	if (rc == -1)
		log_openssl("profile: cannot make certificatePolicies");
	POLICYINFO_free(pi);
	CERTIFICATEPOLICIES_free(cp);
	return rc;
}

/* subjectAltName: one rfc822Name, non-critical (the subject is set). */
static int
profile_add_san(X509 *x, const char *email)
{
	GENERAL_NAMES *san;
	int rc = -1;

	if ((san = profile_gns(GEN_EMAIL, email)) != NULL)
		rc = profile_ext(x, NID_subject_alt_name, 0, san);
	if (rc == -1)
		log_openssl("profile: cannot make subjectAltName");
	GENERAL_NAMES_free(san);
	return rc;
}

int
profile_set_validity(X509 *x, X509 *issuer, time_t now, int days)
{
	time_t end = now + (time_t)days * PROFILE_DAY, from, until;

	if (issuer != NULL) {
		if (profile_time(X509_get0_notBefore(issuer), &from) == -1 ||
		    profile_time(X509_get0_notAfter(issuer), &until) == -1) {
			log_openssl(
			    "profile: cannot read the issuer's validity");
			return -1;
		}
		if (from > now || until - now < PROFILE_MIN_LEFT) {
			log_error("profile: the issuer cannot issue now",
			    "not_before=%lld not_after=%lld now=%lld",
			    (long long)from, (long long)until, (long long)now);
			return -1;
		}
		if (end > until)
			end = until;
	}
	if (ASN1_TIME_set(X509_getm_notBefore(x), now) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(x), end) == NULL) {
		log_openssl("profile: cannot set the validity");
		return -1;
	}
	return 0;
}

int
profile_issuer_ok(X509 *issuer)
{
	BASIC_CONSTRAINTS *bc = NULL;
	ASN1_BIT_STRING *ku = NULL;
	ASN1_OCTET_STRING *ski = NULL;
	int crit = 0, ok = 0;

	if (issuer == NULL)
		goto out;
	bc = X509_get_ext_d2i(issuer, NID_basic_constraints, &crit, NULL);
	if (bc == NULL || !bc->ca)
		goto out;
	ku = X509_get_ext_d2i(issuer, NID_key_usage, &crit, NULL);
	if (ku == NULL && crit != -1)
		goto out; /* present twice or unreadable */
	if (ku != NULL && ASN1_BIT_STRING_get_bit(ku, 5) != 1)
		goto out; /* keyCertSign */
	ski = X509_get_ext_d2i(issuer, NID_subject_key_identifier, NULL, NULL);
	if (ski == NULL)
		goto out;
	ok = 1;
out:
	if (!ok) {
		log_openssl("profile: the issuer is not a usable CA");
		log_error("profile: the issuer is not a usable CA", NULL);
	}
	BASIC_CONSTRAINTS_free(bc);
	ASN1_BIT_STRING_free(ku);
	ASN1_OCTET_STRING_free(ski);
	return ok;
}

/* ptr without its const: OpenSSL 3.0 has no setter for the signature
 * AlgorithmIdentifiers, its getters return members the caller owns. */
static void *
profile_unconst(const void *ptr)
{
	union {
		const void *c;
		void *m;
	} u;

	u.c = ptr;
	return u.m;
}

int
profile_set_sigalg(X509 *x, EVP_PKEY *signer_key)
{
	const X509_ALGOR *outer = NULL;
	X509_ALGOR *tbs;
	char group[80];
	size_t glen = 0;
	int nid = NID_undef, ptype = V_ASN1_UNDEF, curve;

	if (signer_key != NULL && EVP_PKEY_is_a(signer_key, "EC") &&
	    EVP_PKEY_get_group_name(signer_key, group, sizeof(group), &glen) ==
	        1) {
		curve = OBJ_txt2nid(group);
		if (curve == NID_X9_62_prime256v1)
			nid = NID_ecdsa_with_SHA256;
		else if (curve == NID_secp384r1)
			nid = NID_ecdsa_with_SHA384;
	} else if (signer_key != NULL && EVP_PKEY_is_a(signer_key, "RSA")) {
		nid = NID_sha256WithRSAEncryption;
		ptype = V_ASN1_NULL;
	}
	if (nid == NID_undef) {
		log_openssl("profile: no signature algorithm for the key");
		log_error("profile: no signature algorithm for the key", NULL);
		return -1;
	}
	tbs = profile_unconst(X509_get0_tbs_sigalg(x));
	X509_get0_signature(NULL, &outer, x);
	if (X509_ALGOR_set0(tbs, OBJ_nid2obj(nid), ptype, NULL) != 1 ||
	    X509_ALGOR_copy(profile_unconst(outer), tbs) != 1) {
		log_openssl("profile: cannot set the signature algorithm");
		return -1;
	}
	return 0;
}

int
profile_set_serial(X509 *x, const unsigned char serial[PROFILE_SERIAL_LEN])
{
	BIGNUM *bn = NULL;
	int rc = -1;

	if (serial[0] == 0 || serial[0] > 0x7f) {
		log_error(
		    "profile: a serial must be 16 bytes and positive", NULL);
		return -1;
	}
	if ((bn = BN_bin2bn(serial, PROFILE_SERIAL_LEN, NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL) {
		log_openssl("profile: cannot set the serial");
		goto out;
	}
	rc = 0;
out:
	BN_free(bn);
	return rc;
}

X509 *
profile_build(const struct profile_config *c, const struct profile_subject *s,
    EVP_PKEY *subject_key, X509 *issuer,
    const unsigned char serial[PROFILE_SERIAL_LEN], time_t now,
    struct problem *p)
{
	X509_NAME *subject = NULL;
	X509 *x = NULL;
	int hw;

	if (c == NULL || s == NULL || issuer == NULL || serial == NULL) {
		log_error("profile: missing input", NULL);
		problem_internal(p);
		goto fail;
	}
	if ((subject = profile_subject_name(c, s, p)) == NULL)
		goto fail;
	if (!profile_email_ok(s->email)) {
		problem_invalid(p, "applicant.email",
		    "not an address that can go in a certificate");
		goto fail;
	}
	if (csr_key_check(subject_key, p) == -1)
		goto fail;
	if (EVP_PKEY_eq(subject_key, X509_get0_pubkey(issuer)) == 1) {
		log_error("profile: the subject key is the issuer's", NULL);
		problem_invalid(p, CSR_FIELD, "key type or size not accepted");
		goto fail;
	}
	ERR_clear_error(); /* EVP_PKEY_eq() of different key types */
	if (!profile_issuer_ok(issuer)) {
		problem_internal(p);
		goto fail;
	}
	hw = s->hardware != 0;
	if ((x = X509_new()) == NULL ||
	    X509_set_version(x, X509_VERSION_3) != 1 ||
	    profile_set_serial(x, serial) == -1 ||
	    X509_set_issuer_name(x, X509_get_subject_name(issuer)) != 1 ||
	    X509_set_subject_name(x, subject) != 1 ||
	    profile_set_key(x, subject_key) == -1 ||
	    profile_set_validity(x, issuer, now, c->validity_days) == -1 ||
	    profile_add_basic_constraints(x, 0, -1) == -1 ||
	    profile_add_key_usage(
	        x, KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION) == -1 ||
	    profile_add_eku(x, hw ? c->eku_oids_hw : c->eku_oids_sw,
	        hw ? c->neku_hw : c->neku_sw) == -1 ||
	    profile_add_key_ids(x, issuer) == -1 ||
	    profile_add_san(x, s->email) == -1 ||
	    profile_add_policies(x, hw ? c->policy_oids_hw : c->policy_oids_sw,
	        hw ? c->npolicy_hw : c->npolicy_sw, 0) == -1 ||
	    profile_add_crl_dp(x, c->crl_url) == -1 ||
	    profile_add_aia(x, c->ocsp_url, c->ca_issuers_url) == -1 ||
	    profile_set_sigalg(x, X509_get0_pubkey(issuer)) == -1) {
		log_openssl("profile: cannot build the certificate");
		problem_internal(p);
		goto fail;
	}
	X509_NAME_free(subject);
	return x;
fail:
	X509_NAME_free(subject);
	X509_free(x);
	return NULL;
}

void
profile_serial_new(unsigned char out[PROFILE_SERIAL_LEN])
{
	do {
		rand_fill(out, PROFILE_SERIAL_LEN);
		out[0] &= 0x7f;
	} while (out[0] == 0);
}
