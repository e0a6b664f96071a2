#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ca/profile.h"
#include "token/tokclient_http.h"
#include "token/tokcmd.h"
#include "token/tokcms.h"
#include "token/tokts.h"
#include "token/tokverify.h"
#include "common/logger.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

#define TOKVERIFY_TIME_LEN 40 /* a printed time */

/* t as "2026-12-05 13:20:01 UTC" into out. */
static void
tokverify_time(time_t t, char out[TOKVERIFY_TIME_LEN])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, TOKVERIFY_TIME_LEN, "%Y-%m-%d %H:%M:%S UTC", &tm) ==
	        0)
		snprintf(out, TOKVERIFY_TIME_LEN, "%lld", (long long)t);
}

/* The whole file at path (at most max bytes) into *out (caller frees)
 * and *len; -1 with p set. */
static int
tokverify_read(const char *path, size_t max, unsigned char **out, size_t *len,
    struct problem *p)
{
	unsigned char *buf = xmalloc(max + 1);
	size_t n;
	FILE *f;

	*out = NULL;
	*len = 0;
	if ((f = fopen(path, "rb")) == NULL) {
		free(buf);
		return problem_field(p, "signature", "Cannot open %s: %s", path,
		    strerror(errno));
	}
	n = fread(buf, 1, max + 1, f);
	if (ferror(f) || n > max) {
		fclose(f);
		free(buf);
		return problem_field(p, "signature",
		    "Cannot read %s, or it is over %d bytes.", path,
		    TOKCMS_SIG_MAX);
	}
	fclose(f);
	*out = buf;
	*len = n;
	return 0;
}

/* The first URI of the access descriptions or distribution points. */
static char *
tokverify_crl_url(X509 *cert)
{
	STACK_OF(DIST_POINT) * dps;
	DIST_POINT *dp;
	GENERAL_NAME *g;
	char *out = NULL;
	int i, j;

	if ((dps = X509_get_ext_d2i(
	         cert, NID_crl_distribution_points, NULL, NULL)) == NULL)
		return NULL;
	for (i = 0; i < sk_DIST_POINT_num(dps) && out == NULL; i++) {
		dp = sk_DIST_POINT_value(dps, i);
		if (dp->distpoint == NULL || dp->distpoint->type != 0)
			continue;
		for (j = 0;
		     j < sk_GENERAL_NAME_num(dp->distpoint->name.fullname);
		     j++) {
			g = sk_GENERAL_NAME_value(
			    dp->distpoint->name.fullname, j);
			if (g->type == GEN_URI) {
				out = xstrndup(
				    (const char *)ASN1_STRING_get0_data(
				        g->d.uniformResourceIdentifier),
				    (size_t)ASN1_STRING_length(
				        g->d.uniformResourceIdentifier));
				break;
			}
		}
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	return out;
}

/* OCSP: 0 with st set, -1 if the responder gave no usable answer. */
static int
tokverify_ocsp(X509 *cert, X509 *issuer, X509_STORE *roots,
    STACK_OF(X509) * untrusted, const char *server_ca,
    struct tokverify_status *st)
{
	STACK_OF(OPENSSL_STRING) *urls = NULL;
	OCSP_REQUEST *req = NULL;
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	OCSP_CERTID *id = NULL;
	ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
	struct tokclient *c = NULL;
	struct problem p;
	unsigned char *der = NULL, *ans = NULL;
	const unsigned char *q;
	const char *url;
	size_t anslen = 0;
	long status = 0;
	int n, s = -1, reason = -1, rc = -1;

	problem_clear(&p);
	urls = X509_get1_ocsp(cert);
	if (urls == NULL || sk_OPENSSL_STRING_num(urls) == 0)
		goto out;
	url = sk_OPENSSL_STRING_value(urls, 0);
	if ((id = OCSP_cert_to_id(NULL, cert, issuer)) == NULL ||
	    (req = OCSP_REQUEST_new()) == NULL ||
	    OCSP_request_add0_id(req, id) == NULL)
		goto out;
	id = NULL; /* req owns it */
	if ((n = i2d_OCSP_REQUEST(req, &der)) <= 0 ||
	    (c = tokclient_new(url, server_ca, &p)) == NULL ||
	    tokclient_raw(c, url, "application/ocsp-request", der, (size_t)n,
	        &status, &ans, &anslen, &p) == -1 ||
	    status != 200)
		goto out;
	q = ans;
	if ((resp = d2i_OCSP_RESPONSE(NULL, &q, (long)anslen)) == NULL ||
	    OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL ||
	    (bs = OCSP_response_get1_basic(resp)) == NULL ||
	    OCSP_basic_verify(bs, untrusted, roots, 0) != 1 ||
	    (id = OCSP_cert_to_id(NULL, cert, issuer)) == NULL ||
	    OCSP_resp_find_status(
	        bs, id, &s, &reason, &rev, &thisupd, &nextupd) != 1 ||
	    OCSP_check_validity(thisupd, nextupd, TOKVERIFY_SKEW, -1) != 1) {
		log_openssl("token: no usable OCSP answer");
		goto out;
	}
	if (s == V_OCSP_CERTSTATUS_GOOD)
		st->state = TOKVERIFY_GOOD;
	else if (s == V_OCSP_CERTSTATUS_REVOKED &&
	    profile_time(rev, &st->revoked_at) == 0) {
		st->state = TOKVERIFY_REVOKED;
		st->reason = reason;
	} else
		goto out;
	snprintf(st->source, sizeof(st->source), "OCSP %s", url);
	rc = 0;
out:
	ERR_clear_error();
	X509_email_free(urls);
	OCSP_CERTID_free(id);
	OCSP_REQUEST_free(req);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	OPENSSL_free(der);
	free(ans);
	tokclient_free(c);
	return rc;
}

/* The CRL: 0 with st set, -1 if there is no usable CRL. */
static int
tokverify_crl(X509 *cert, X509 *issuer, const char *server_ca,
    struct tokverify_status *st)
{
	struct tokclient *c = NULL;
	struct problem p;
	X509_CRL *crl = NULL;
	X509_REVOKED *r = NULL;
	ASN1_ENUMERATED *re = NULL;
	ASN1_INTEGER *sn = NULL;
	unsigned char *ans = NULL;
	const unsigned char *q;
	const ASN1_TIME *next;
	char *url = NULL;
	size_t anslen = 0;
	long status = 0;
	time_t nu = 0;
	int rc = -1;

	problem_clear(&p);
	if ((url = tokverify_crl_url(cert)) == NULL ||
	    (c = tokclient_new(url, server_ca, &p)) == NULL ||
	    tokclient_raw(c, url, NULL, NULL, 0, &status, &ans, &anslen, &p) ==
	        -1 ||
	    status != 200)
		goto out;
	q = ans;
	if ((crl = d2i_X509_CRL(NULL, &q, (long)anslen)) == NULL ||
	    X509_NAME_cmp(
	        X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0 ||
	    X509_CRL_verify(crl, X509_get0_pubkey(issuer)) != 1 ||
	    (next = X509_CRL_get0_nextUpdate(crl)) == NULL ||
	    profile_time(next, &nu) == -1 ||
	    nu + TOKVERIFY_SKEW < wallclock_now()) {
		log_openssl("token: no usable CRL");
		goto out;
	}
	if ((sn = ASN1_INTEGER_dup(X509_get0_serialNumber(cert))) == NULL)
		abort();
	if (X509_CRL_get0_by_serial(crl, &r, sn) == 1) {
		if (profile_time(X509_REVOKED_get0_revocationDate(r),
		        &st->revoked_at) == -1)
			goto out;
		st->state = TOKVERIFY_REVOKED;
		if ((re = X509_REVOKED_get_ext_d2i(
		         r, NID_crl_reason, NULL, NULL)) != NULL)
			st->reason = (int)ASN1_ENUMERATED_get(re);
	} else
		st->state = TOKVERIFY_GOOD;
	snprintf(st->source, sizeof(st->source), "CRL %s", url);
	rc = 0;
out:
	ERR_clear_error();
	ASN1_ENUMERATED_free(re);
	ASN1_INTEGER_free(sn);
	X509_CRL_free(crl);
	free(ans);
	free(url);
	tokclient_free(c);
	return rc;
}

void
tokverify_status(X509 *cert, X509 *issuer, X509_STORE *roots,
    STACK_OF(X509) * untrusted, const char *server_ca,
    struct tokverify_status *st)
{
	memset(st, 0, sizeof(*st));
	st->state = TOKVERIFY_UNKNOWN;
	st->reason = -1;
	if (tokverify_ocsp(cert, issuer, roots, untrusted, server_ca, st) == 0)
		return;
	st->reason = -1;
	if (tokverify_crl(cert, issuer, server_ca, st) == 0)
		return;
	memset(st, 0, sizeof(*st));
	st->state = TOKVERIFY_UNKNOWN;
	st->reason = -1;
}

/* The value of si's attribute nid (signed or not) as a SEQUENCE's DER,
 * or NULL. */
static const ASN1_STRING *
tokverify_seq(CMS_SignerInfo *si, int nid, int is_signed)
{
	X509_ATTRIBUTE *at;
	ASN1_TYPE *t;
	int i;

	i = is_signed ? CMS_signed_get_attr_by_NID(si, nid, -1)
	              : CMS_unsigned_get_attr_by_NID(si, nid, -1);
	if (i < 0)
		return NULL;
	at = is_signed ? CMS_signed_get_attr(si, i)
	               : CMS_unsigned_get_attr(si, i);
	if (X509_ATTRIBUTE_count(at) != 1 ||
	    (t = X509_ATTRIBUTE_get0_type(at, 0)) == NULL ||
	    t->type != V_ASN1_SEQUENCE)
		return NULL;
	return t->value.sequence;
}

/* The signing time the signer claims, or -1 with none. */
static int
tokverify_claimed(CMS_SignerInfo *si, time_t *when)
{
	X509_ATTRIBUTE *at;
	ASN1_TYPE *t;
	int i;

	if ((i = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1)) <
	        0 ||
	    (at = CMS_signed_get_attr(si, i)) == NULL ||
	    (t = X509_ATTRIBUTE_get0_type(at, 0)) == NULL ||
	    (t->type != V_ASN1_UTCTIME && t->type != V_ASN1_GENERALIZEDTIME))
		return -1;
	return profile_time(t->value.utctime, when);
}

/* 1 if signing-certificate-v2 is there and names cert, 0 if absent, -1
 * if it names another certificate or does not parse. */
static int
tokverify_ess(CMS_SignerInfo *si, X509 *cert)
{
	const ASN1_STRING *s;
	ESS_SIGNING_CERT_V2 *ss = NULL;
	STACK_OF(X509) *chain = NULL;
	const unsigned char *q;
	int rc = -1;

	if ((s = tokverify_seq(si, NID_id_smime_aa_signingCertificateV2, 1)) ==
	    NULL)
		return CMS_signed_get_attr_by_NID(
		           si, NID_id_smime_aa_signingCertificateV2, -1) < 0
		    ? 0
		    : -1;
	q = ASN1_STRING_get0_data(s);
	if ((ss = d2i_ESS_SIGNING_CERT_V2(NULL, &q, ASN1_STRING_length(s))) ==
	    NULL)
		goto out;
	if ((chain = sk_X509_new_null()) == NULL ||
	    sk_X509_push(chain, cert) <= 0)
		abort();
	if (OSSL_ESS_check_signing_certs(NULL, ss, chain, 1) == 1)
		rc = 1;
out:
	ERR_clear_error();
	sk_X509_free(chain);
	ESS_SIGNING_CERT_V2_free(ss);
	return rc;
}

/* Prints the status st, as of `what`. */
static void
tokverify_print_status(const char *what, const struct tokverify_status *st)
{
	char t[TOKVERIFY_TIME_LEN];

	if (st->state == TOKVERIFY_GOOD)
		printf("%s: good (%s)\n", what, st->source);
	else if (st->state == TOKVERIFY_REVOKED) {
		tokverify_time(st->revoked_at, t);
		printf("%s: revoked on %s%s%s (%s)\n", what, t,
		    st->reason >= 0 ? ", reason " : "",
		    st->reason >= 0 ? OCSP_crl_reason_str(st->reason) : "",
		    st->source);
	} else
		printf("%s: unknown (neither the OCSP responder nor the CRL "
		       "answered)\n",
		    what);
}

/* Everything read from the signature. */
struct tokverify_sig {
	CMS_ContentInfo *cms;     /* the signature */
	CMS_SignerInfo *si;       /* its one signer, borrowed */
	X509 *signer;             /* its certificate, borrowed */
	STACK_OF(X509) * certs;   /* the certificates it carries */
	int has_ts;               /* an RFC 3161 time-stamp is there */
	time_t ts_time;           /* its time */
	char tsa[TOKTS_NAME_MAX]; /* the TSA's name */
	int has_claimed;          /* a signingTime attribute is there */
	time_t claimed;           /* its time */
};

/* Parses sig and checks its time-stamp; -1 with p set. */
static int
tokverify_parse(const unsigned char *der, size_t len, const char *tsa_ca,
    struct tokverify_sig *v, struct problem *p)
{
	STACK_OF(CMS_SignerInfo) * sis;
	const ASN1_STRING *ts;
	ASN1_OCTET_STRING *sigv;
	const unsigned char *q = der;

	if ((v->cms = d2i_CMS_ContentInfo(NULL, &q, (long)len)) == NULL ||
	    q != der + len ||
	    OBJ_obj2nid(CMS_get0_type(v->cms)) != NID_pkcs7_signed ||
	    CMS_is_detached(v->cms) != 1 ||
	    (sis = CMS_get0_SignerInfos(v->cms)) == NULL ||
	    sk_CMS_SignerInfo_num(sis) != 1) {
		ERR_clear_error();
		return problem_field(p, "signature",
		    "Not a detached CMS SignedData with one signer.");
	}
	v->si = sk_CMS_SignerInfo_value(sis, 0);
	if ((v->certs = CMS_get1_certs(v->cms)) == NULL ||
	    CMS_set1_signers_certs(v->cms, NULL, 0) < 1) {
		ERR_clear_error();
		return problem_field(p, "signature",
		    "The signature does not carry its signer's certificate.");
	}
	CMS_SignerInfo_get0_algs(v->si, NULL, &v->signer, NULL, NULL);
	if (v->signer == NULL)
		return problem_field(p, "signature",
		    "The signature does not carry its signer's certificate.");
	v->has_claimed = tokverify_claimed(v->si, &v->claimed) == 0;
	if ((ts = tokverify_seq(v->si, NID_id_smime_aa_timeStampToken, 0)) ==
	    NULL) {
		if (CMS_unsigned_get_attr_by_NID(
		        v->si, NID_id_smime_aa_timeStampToken, -1) >= 0)
			return problem_field(
			    p, "timestamp", "Not an RFC 3161 time-stamp.");
		return 0;
	}
	sigv = CMS_SignerInfo_get0_signature(v->si);
	if (tokts_verify(ASN1_STRING_get0_data(ts),
	        (size_t)ASN1_STRING_length(ts), ASN1_STRING_get0_data(sigv),
	        (size_t)ASN1_STRING_length(sigv), tsa_ca, &v->ts_time, v->tsa,
	        p) == -1)
		return -1;
	v->has_ts = 1;
	return 0;
}

/* The CMS signature over file, and the signer's chain to root at time
 * at; -1 with p set. */
static int
tokverify_cms(struct tokverify_sig *v, const char *file, X509 *root, time_t at,
    struct problem *p)
{
	X509_STORE *st = NULL;
	BIO *content = NULL;
	int rc = -1;

	if ((st = X509_STORE_new()) == NULL ||
	    X509_STORE_add_cert(st, root) != 1)
		abort();
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(st), at);
	if ((content = BIO_new_file(file, "rb")) == NULL) {
		ERR_clear_error();
		problem_field(
		    p, "file", "Cannot open %s: %s", file, strerror(errno));
		goto out;
	}
	if (CMS_verify(v->cms, NULL, st, content, NULL, CMS_BINARY) != 1) {
		log_openssl("token: the signature does not verify");
		problem_set(p, 422, "signature-invalid", "Signature not valid",
		    "The signature does not verify for this file, or its "
		    "certificate does not chain to the root at the signing "
		    "time.");
		goto out;
	}
	rc = 0;
out:
	ERR_clear_error();
	BIO_free(content);
	X509_STORE_free(st);
	return rc;
}

/* The root certificate in the PEM file path, or NULL. */
static X509 *
tokverify_root(const char *path)
{
	X509 *x = NULL;
	FILE *f;

	if ((f = fopen(path, "r")) != NULL) {
		x = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	ERR_clear_error();
	return x;
}

int
tokverify_cmd(const struct tokcmd_opts *o)
{
	const char *file = o->file, *sigfile = o->sig;
	struct tokverify_sig v;
	struct tokverify_status now;
	struct problem p;
	X509_STORE *roots = NULL;
	X509 *root = NULL, *issuer = NULL;
	unsigned char *der = NULL;
	char t[TOKVERIFY_TIME_LEN], serial[TOKCMD_HEX_MAX];
	size_t len = 0;
	time_t at;
	int ess, i, rc = TOKCMD_FAIL;

	memset(&v, 0, sizeof(v));
	problem_clear(&p);
	if (o->root == NULL) {
		fprintf(stderr,
		    "rxca-token: verify needs --root FILE (rxca's "
		    "root CA certificate, PEM)\n");
		return TOKCMD_USAGE;
	}
	if ((root = tokverify_root(o->root)) == NULL) {
		problem_field(&p, "root",
		    "Cannot read a PEM certificate from %s.", o->root);
		goto report;
	}
	if (tokverify_read(sigfile, TOKCMS_SIG_MAX, &der, &len, &p) == -1 ||
	    tokverify_parse(der, len, o->tsa_ca, &v, &p) == -1)
		goto report;
	at = v.has_ts ? v.ts_time : wallclock_now();
	if (tokverify_cms(&v, file, root, at, &p) == -1)
		goto report;
	if ((ess = tokverify_ess(v.si, v.signer)) == -1) {
		problem_set(&p, 422, "signature-invalid", "Signature not valid",
		    "Its signing-certificate-v2 attribute names another "
		    "certificate than the signer's.");
		goto report;
	}
	for (i = 0; i < sk_X509_num(v.certs) && issuer == NULL; i++)
		if (X509_check_issued(sk_X509_value(v.certs, i), v.signer) ==
		    X509_V_OK)
			issuer = sk_X509_value(v.certs, i);
	if (issuer == NULL && X509_check_issued(root, v.signer) == X509_V_OK)
		issuer = root;
	if ((roots = X509_STORE_new()) == NULL ||
	    X509_STORE_add_cert(roots, root) != 1)
		abort();
	tokverify_status(v.signer, issuer, roots, v.certs, o->server_ca, &now);
	tokcmd_serial(v.signer, serial);
	printf("Signature: the CMS signature verifies for %s\n", file);
	tokcmd_print_name("Signed by: ", X509_get_subject_name(v.signer));
	printf("Certificate: serial %s, chained to the root ", serial);
	tokcmd_print_name("", X509_get_subject_name(root));
	printf("CAdES-BES: %s\n",
	    ess == 1 ? "yes (signing-certificate-v2 names the signer's "
	               "certificate)"
	             : "no (no signing-certificate-v2 attribute)");
	if (v.has_ts) {
		tokverify_time(v.ts_time, t);
		printf("Signed at: %s (RFC 3161 time-stamp by %s)\n", t, v.tsa);
	} else if (v.has_claimed) {
		tokverify_time(v.claimed, t);
		printf("Signed at: %s (claimed by the signer: no time-stamp)\n",
		    t);
	} else
		printf("Signed at: unknown (no time-stamp, no signing time)\n");
	if (now.state == TOKVERIFY_UNKNOWN) {
		tokverify_print_status("Status now", &now);
		printf("Result: NOT VERIFIED: the certificate's revocation "
		       "status could not be checked\n");
		goto out;
	}
	if (now.state == TOKVERIFY_GOOD) {
		printf("Status at signing: good\n");
		tokverify_print_status("Status now", &now);
		printf("Result: VALID\n");
		rc = TOKCMD_OK;
		goto out;
	}
	if (v.has_ts && v.ts_time < now.revoked_at) {
		printf("Status at signing: good (the time-stamp predates the "
		       "revocation)\n");
		tokverify_print_status("Status now", &now);
		printf("Result: VALID (signed before the certificate was "
		       "revoked)\n");
		rc = TOKCMD_OK;
		goto out;
	}
	if (v.has_ts) {
		printf("Status at signing: revoked (the signature was made "
		       "after the certificate was revoked)\n");
		tokverify_print_status("Status now", &now);
		printf("Result: NOT VALID: signed after the certificate was "
		       "revoked\n");
	} else if (v.has_claimed && v.claimed >= now.revoked_at) {
		printf("Status at signing: revoked (the claimed signing time "
		       "is after the revocation)\n");
		tokverify_print_status("Status now", &now);
		printf("Result: NOT VALID: signed after the certificate was "
		       "revoked\n");
	} else {
		printf("Status at signing: unknown (the signing time is only "
		       "claimed: nothing proves the signature predates the "
		       "revocation)\n");
		tokverify_print_status("Status now", &now);
		printf("Result: NOT VALID: the certificate is revoked and the "
		       "signature has no time-stamp\n");
	}
	goto out;
report:
	rc = tokcmd_report(&p);
out:
	X509_STORE_free(roots);
	X509_free(root);
	free(der);
	sk_X509_pop_free(v.certs, X509_free);
	CMS_ContentInfo_free(v.cms);
	return rc;
}
