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

/*
 * An empty version 2 CRL whose two signature AlgorithmIdentifiers are
 * nid with parameters ptype, decoded from DER made here: OpenSSL 3.0 has
 * no setter for the one inside the TBSCertList (X509_CRL_sign() sets it,
 * but only with a private key at hand).  Every other field is set by the
 * caller, whose setters drop the cached encoding.
 */
static X509_CRL *
crl_skeleton(int nid, int ptype)
{
	static const unsigned char version[] = {0x02, 0x01, 0x01};
	/* issuer: an empty Name; thisUpdate: 1970-01-01, replaced */
	static const unsigned char rest[] = {0x30, 0x00, 0x17, 0x0d, '7', '0',
	    '0', '1', '0', '1', '0', '0', '0', '0', '0', '0', 'Z'};
	static const unsigned char nosig[] = {0x03, 0x01, 0x00};
	X509_ALGOR *alg = NULL;
	X509_CRL *crl = NULL;
	unsigned char *algder = NULL, *der = NULL, *w;
	const unsigned char *r;
	int alen, tbslen, outlen, total;

	if ((alg = X509_ALGOR_new()) == NULL ||
	    X509_ALGOR_set0(alg, OBJ_nid2obj(nid), ptype, NULL) != 1 ||
	    (alen = i2d_X509_ALGOR(alg, &algder)) <= 0)
		goto out;
	tbslen = (int)sizeof(version) + alen + (int)sizeof(rest);
	outlen = ASN1_object_size(1, tbslen, V_ASN1_SEQUENCE) + alen +
	    (int)sizeof(nosig);
	total = ASN1_object_size(1, outlen, V_ASN1_SEQUENCE);
	w = der = xmalloc((size_t)total);
	ASN1_put_object(&w, 1, outlen, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
	ASN1_put_object(&w, 1, tbslen, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
	memcpy(w, version, sizeof(version));
	w += sizeof(version);
	memcpy(w, algder, (size_t)alen);
	w += alen;
	memcpy(w, rest, sizeof(rest));
	w += sizeof(rest);
	memcpy(w, algder, (size_t)alen);
	w += alen;
	memcpy(w, nosig, sizeof(nosig));
	w += sizeof(nosig);
	r = der;
	crl = d2i_X509_CRL(NULL, &r, (long)(w - der));
out:
	free(der);
	OPENSSL_free(algder);
	X509_ALGOR_free(alg);
	return crl;
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

/* Adds the authorityKeyIdentifier (the issuer's SKI) and the cRLNumber. */
static int
crl_add_exts(X509_CRL *crl, X509 *issuer, long long number)
{
	AUTHORITY_KEYID *aki = NULL;
	ASN1_INTEGER *num = NULL;
	int rc = -1;

	if ((aki = AUTHORITY_KEYID_new()) == NULL ||
	    (aki->keyid = ASN1_OCTET_STRING_dup(
	         X509_get0_subject_key_id(issuer))) == NULL ||
	    X509_CRL_add1_ext_i2d(
	        crl, NID_authority_key_identifier, aki, 0, 0) != 1 ||
	    (num = ASN1_INTEGER_new()) == NULL ||
	    ASN1_INTEGER_set_int64(num, number) != 1 ||
	    X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) != 1)
		goto out;
	rc = 0;
out:
	ASN1_INTEGER_free(num);
	AUTHORITY_KEYID_free(aki);
	return rc;
}

/*
 * The reasonCode entry extension for reason (1..CRL_REASON_MAX), made once
 * per CRL and per reason into cache; borrowed from cache.  NULL on a
 * crypto failure.
 */
static X509_EXTENSION *
crl_reason_ext(X509_EXTENSION *cache[CRL_REASON_MAX + 1], int reason)
{
	ASN1_ENUMERATED *e;

	if (cache[reason] != NULL)
		return cache[reason];
	if ((e = ASN1_ENUMERATED_new()) == NULL ||
	    ASN1_ENUMERATED_set(e, reason) != 1)
		goto out;
	cache[reason] = X509V3_EXT_i2d(NID_crl_reason, 0, e);
out:
	ASN1_ENUMERATED_free(e);
	return cache[reason];
}

/* 1 if reason may go in an entry: none, or one crl_reasons lists (not
 * certificateHold, not removeFromCRL). */
static int
crl_reason_ok(int reason)
{
	return reason == CRL_REASON_NONE || crl_reason_name(reason) != NULL;
}

/* Checks each of the entries e[0..n-1].  -1 with p set. */
static int
crl_check_entries(const struct crl_entry *e, size_t n, struct problem *p)
{
	ASN1_TIME *when = NULL;
	size_t i;
	int rc = -1;

	if ((when = ASN1_TIME_new()) == NULL) {
		log_openssl("crl: cannot allocate");
		problem_internal(p);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (e[i].serial[0] == 0 || e[i].serial[0] > 0x7f) {
			problem_field(p, CRL_FIELD,
			    "entry %zu: the serial's first byte is not "
			    "0x01..0x7f",
			    i);
			goto out;
		}
		if (!crl_reason_ok(e[i].reason)) {
			problem_field(p, CRL_FIELD,
			    "entry %zu: reason %d is not used", i, e[i].reason);
			goto out;
		}
		if (ASN1_TIME_set(when, e[i].revoked_at) == NULL) {
			ERR_clear_error();
			problem_field(p, CRL_FIELD,
			    "entry %zu: the revocation time cannot be encoded",
			    i);
			goto out;
		}
	}
	rc = 0;
out:
	ASN1_TIME_free(when);
	return rc;
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
 * A copy of the n entries of e in increasing serial order (caller frees
 * it with free()): sorted here, in one block of memory, rather than as
 * scattered OpenSSL objects, so that the objects are then made, and
 * later encoded, in memory order.  NULL with p set if two share a serial.
 */
static struct crl_entry *
crl_order(const struct crl_entry *e, size_t n, struct problem *p)
{
	char hex[2 * CRL_SERIAL_LEN + 1];
	struct crl_entry *order;
	size_t i;

	order = xcalloc(n > 0 ? n : 1, sizeof(*order));
	if (n > 0)
		memcpy(order, e, n * sizeof(*order));
	qsort(order, n, sizeof(*order), crl_entry_cmp);
	for (i = 1; i < n; i++)
		if (crl_entry_cmp(&order[i - 1], &order[i]) == 0)
			goto fail;
	return order;
fail:
	digest_hex(order[i].serial, CRL_SERIAL_LEN, hex);
	problem_field(p, CRL_FIELD, "two entries have the serial %s", hex);
	free(order);
	return NULL;
}

/*
 * Appends the n checked entries of order to crl, in that order.  -1 with
 * p set.
 */
static int
crl_add_entries(
    X509_CRL *crl, const struct crl_entry *order, size_t n, struct problem *p)
{
	X509_EXTENSION *reasons[CRL_REASON_MAX + 1] = {NULL};
	X509_EXTENSION *ext;
	X509_REVOKED *rev = NULL;
	ASN1_INTEGER *serial = NULL;
	ASN1_TIME *when = NULL;
	size_t i;
	int rc = -1;

	if ((serial = ASN1_INTEGER_new()) == NULL ||
	    (when = ASN1_TIME_new()) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		ext = NULL;
		if (order[i].reason > CRL_REASON_UNSPECIFIED &&
		    (ext = crl_reason_ext(reasons, order[i].reason)) == NULL)
			goto out;
		if (ASN1_STRING_set(serial, order[i].serial, CRL_SERIAL_LEN) !=
		        1 ||
		    ASN1_TIME_set(when, order[i].revoked_at) == NULL ||
		    (rev = X509_REVOKED_new()) == NULL ||
		    X509_REVOKED_set_serialNumber(rev, serial) != 1 ||
		    X509_REVOKED_set_revocationDate(rev, when) != 1 ||
		    (ext != NULL && X509_REVOKED_add_ext(rev, ext, -1) != 1) ||
		    X509_CRL_add0_revoked(crl, rev) != 1)
			goto out;
		rev = NULL;
	}
	rc = 0;
out:
	if (rc == -1) {
		log_openssl("crl: cannot add an entry");
		problem_internal(p);
	}
	for (i = 0; i <= CRL_REASON_MAX; i++)
		X509_EXTENSION_free(reasons[i]);
	X509_REVOKED_free(rev);
	ASN1_TIME_free(when);
	ASN1_INTEGER_free(serial);
	return rc;
}

/* Sets thisUpdate and nextUpdate.  -1 with p set. */
static int
crl_set_times(
    X509_CRL *crl, time_t this_update, time_t next_update, struct problem *p)
{
	ASN1_TIME *t = NULL, *u = NULL;
	int rc = -1;

	if ((t = ASN1_TIME_set(NULL, this_update)) == NULL) {
		ERR_clear_error();
		problem_invalid(p, "this_update", "cannot be encoded");
		goto out;
	}
	if (next_update <= this_update ||
	    (u = ASN1_TIME_set(NULL, next_update)) == NULL) {
		ERR_clear_error();
		problem_invalid(p, "next_update",
		    "must be after this_update and encodable");
		goto out;
	}
	if (X509_CRL_set1_lastUpdate(crl, t) != 1 ||
	    X509_CRL_set1_nextUpdate(crl, u) != 1) {
		log_openssl("crl: cannot set the times");
		problem_internal(p);
		goto out;
	}
	rc = 0;
out:
	ASN1_TIME_free(t);
	ASN1_TIME_free(u);
	return rc;
}

X509_CRL *
crl_build(X509 *issuer, const struct crl_entry *e, size_t n,
    long long crl_number, time_t this_update, time_t next_update,
    struct problem *p)
{
	struct crl_entry *order = NULL;
	X509_CRL *crl = NULL;
	int nid = NID_undef, ptype = V_ASN1_UNDEF;

	if (!crl_issuer_ok(issuer)) {
		problem_internal(p);
		goto fail;
	}
	if (crl_sigalg(X509_get0_pubkey(issuer), &nid, &ptype) == -1) {
		log_openssl("crl: the issuer's key does not sign");
		log_error(
		    "crl: the issuer's key is not one rxca signs with", NULL);
		problem_internal(p);
		goto fail;
	}
	if (n > CRL_MAX_ENTRIES || (n > 0 && e == NULL)) {
		problem_invalid(
		    p, CRL_FIELD, "too many entries, or none given");
		goto fail;
	}
	if (crl_number < 0) {
		problem_invalid(p, "crl_number", "must be 0 or more");
		goto fail;
	}
	if (crl_check_entries(e, n, p) == -1 ||
	    (order = crl_order(e, n, p)) == NULL)
		goto fail;
	if ((crl = crl_skeleton(nid, ptype)) == NULL ||
	    X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) != 1) {
		log_openssl("crl: cannot make the CRL");
		problem_internal(p);
		goto fail;
	}
	if (crl_set_times(crl, this_update, next_update, p) == -1 ||
	    crl_add_entries(crl, order, n, p) == -1)
		goto fail;
	if (crl_add_exts(crl, issuer, crl_number) == -1) {
		log_openssl("crl: cannot add the CRL extensions");
		problem_internal(p);
		goto fail;
	}
	/*
	 * The entries are in order already (OpenSSL sorts its copy of the
	 * list again, lazily, if a lookup needs it).  X509_CRL_add0_revoked()
	 * dropped the skeleton's cached encoding; with no entries,
	 * X509_CRL_sort() does.
	 */
	if (n == 0 && X509_CRL_sort(crl) != 1) {
		log_openssl("crl: cannot sort the entries");
		problem_internal(p);
		goto fail;
	}
	free(order);
	return crl;
fail:
	free(order);
	X509_CRL_free(crl);
	return NULL;
}
