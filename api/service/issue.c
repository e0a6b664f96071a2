/* Issuing a subscriber certificate: see api/service/issue.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "api/service/app.h"
#include "api/service/authority.h"
#include "api/service/evidence.h"
#include "api/service/issue.h"
#include "api/service/lifemail.h"
#include "api/jobs/jobkinds.h"
#include "api/jobs/jobs.h"
#include "api/service/pki.h"
#include "api/service/sandbox.h"
#include "api/store/store_issue.h"
#include "api/store/tx.h"
#include "api/service/webhook.h"
#include "ca/lint.h"
#include "ca/signer.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

#define SERIAL_HEX (2 * PROFILE_SERIAL_LEN + 1)

X509 *
issue_x509(const unsigned char *der, long len)
{
	const unsigned char *q = der;

	return d2i_X509(NULL, &q, len);
}

time_t
issue_seconds(const ASN1_TIME *t)
{
	time_t out = 0;

	return profile_time(t, &out) == 0 ? out : 0;
}

/* The PEM of a certificate's DER, written as it stands (no decoding). */
static char *
pem_of(const unsigned char *der, long len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long n;

	if (b != NULL && PEM_write_bio(b, PEM_STRING_X509, "", der, len) > 0) {
		n = BIO_get_mem_data(b, &data);
		out = xmalloc((size_t)n + 1);
		memcpy(out, data, (size_t)n);
		out[n] = '\0';
	}
	BIO_free(b);
	return out;
}

json_t *
issue_body(struct authority *auth, const unsigned char *serial,
    const unsigned char *der, long len, time_t nb, time_t na)
{
	char hex[SERIAL_HEX], *pem = pem_of(der, len);
	json_t *o;
	X509 *cert;

	if (nb == 0 && na == 0 && (cert = issue_x509(der, len)) != NULL) {
		nb = issue_seconds(X509_get0_notBefore(cert));
		na = issue_seconds(X509_get0_notAfter(cert));
		X509_free(cert);
	}
	digest_hex(serial, PROFILE_SERIAL_LEN, hex);
	o = json_pack("{s:s, s:s?, s:[s?, s?], s:o, s:o}", "serial", hex,
	    "certificate", pem, "chain", auth->issuing_pem, auth->root_pem,
	    "not_before", wallclock_json(nb), "not_after", wallclock_json(na));
	free(pem);
	return o;
}

/* The audit details of is: application, and kit or renewed serial. */
static json_t *
issue_details(const struct issue *is, const char *subject)
{
	char hex[SERIAL_HEX];
	json_t *d = json_pack("{s:s}", "application", is->app);

	if (is->kit != NULL)
		json_object_set_new(d, "kit", json_string(is->kit));
	if (is->renews != NULL) {
		digest_hex(is->renews, PROFILE_SERIAL_LEN, hex);
		json_object_set_new(d, "renews", json_string(hex));
	}
	if (subject != NULL)
		json_object_set_new(d, "subject", json_string(subject));
	return d;
}

int
issue_record(
    struct tx *tx, struct authority *auth, struct issue *is, struct problem *p)
{
	struct db *db = tx_db(tx);
	struct cert_new row;
	struct profile_config pc;
	X509 *cert = NULL;
	unsigned char *der = NULL;
	json_t *details = NULL;
	char subject[512], hex[SERIAL_HEX];
	int rc = -1, n, used, sandbox, shard;

	/* In one statement, unless the caller read them with its own:
	 * whether the application is a sandbox one and whether the key is
	 * certified already.  The CA of the application's world (a sandbox's
	 * is its test CA), and a key is certified once (the unique index is
	 * the last word). */
	if (is->checked) {
		sandbox = is->sandbox;
		used = is->used;
	} else if (store_issue_checks(
	               db, is->app, is->spki, &sandbox, &used, p) == -1)
		goto out;
	if (sandbox_issue_check(auth, is->app, sandbox, p) == -1)
		goto out;
	if (used) {
		problem_set(p, 409, "key-already-certified",
		    "Key already certified",
		    "This key has been certified before: make a new key on "
		    "the token.");
		goto out;
	}
	profile_serial_new(is->serial);
	/* With partitioned CRLs, the CDP names the certificate's shard. */
	pc = auth->profile;
	if ((shard = authority_crl_shard(auth, is->serial)) >= 0)
		pc.crl_url = auth->shard_urls[shard];
	cert = profile_build(
	    &pc, is->subj, is->key, auth->issuing, is->serial, tx->now, p);
	if (cert == NULL)
		goto out;
	if (lint_check(cert, &pc, is->subj, auth->issuing, tx->now, p) == -1) {
		log_error("pre-issuance lint refused a certificate",
		    "app=%s detail=\"%s\"", is->app, p->detail);
		goto out;
	}
	if ((n = i2d_X509(cert, &der)) <= 0 || n > ISSUE_DER_MAX) {
		problem_internal(p);
		goto out;
	}
	X509_NAME_oneline(
	    X509_get_subject_name(cert), subject, sizeof(subject));
	memset(&row, 0, sizeof(row));
	memcpy(row.serial, is->serial, PROFILE_SERIAL_LEN);
	row.app = is->app;
	row.kit = is->kit;
	row.renews = is->renews;
	row.subject = subject;
	row.spki = is->spki;
	row.tbs = der;
	row.tbs_len = n;
	row.not_before = issue_seconds(X509_get0_notBefore(cert));
	row.not_after = issue_seconds(X509_get0_notAfter(cert));
	row.now = tx->now;
	row.crl_shard = shard;
	row.ev = is->ev;
	if (store_cert_record(db, &row, p) == -1)
		goto out;
	details = issue_details(is, subject);
	if (is->ev != NULL)
		json_object_set_new(
		    details, "key_evidence", evidence_json(is->ev));
	digest_hex(is->serial, PROFILE_SERIAL_LEN, hex);
	if (tx_audit(tx, "certificate.recorded", hex, details, p) == -1)
		goto out;
	is->tbs = der;
	is->tbs_len = n;
	is->not_before = row.not_before;
	is->not_after = row.not_after;
	der = NULL;
	rc = 0;
out:
	json_decref(details);
	OPENSSL_free(der);
	X509_free(cert);
	return rc;
}

int
issue_reserve_commit(struct tx *tx, struct problem *p)
{
	return tx_commit_unflushed(tx, p);
}

/* The certificate that another request stored first, into *der (caller
 * frees with OPENSSL_free()). */
static int
issue_stored(struct db *db, const struct issue *is, unsigned char **der,
    long *len, struct problem *p)
{
	unsigned char *stored = NULL;
	int found;

	if ((found = store_cert_der(db, is->serial, &stored, len, p)) == -1)
		return -1;
	if (found == 0) {
		/* Abandoned for another key while this one signed. */
		return problem_set(p, 409, "retrieval-conflict", "Try again",
		    "Another request with a new key took this "
		    "certificate's place; it was not issued.");
	}
	if ((*der = OPENSSL_malloc((size_t)*len)) == NULL)
		abort();
	memcpy(*der, stored, (size_t)*len);
	free(stored);
	return 0;
}

int
issue_sign(struct app *app, struct db *db, struct authority *auth,
    struct issue *is, issue_hook hook, void *arg, time_t now,
    unsigned char **out, long *outlen, int *created, struct problem *p)
{
	unsigned char *der = NULL;
	struct cert_issued_row row;
	struct pki_ocsp ocsp;
	struct problem q;
	struct tx tx;
	json_t *details = NULL;
	char hex[SERIAL_HEX];
	long n = 0;
	int rc = -1, stored, have_ocsp = 0;

	*out = NULL;
	*outlen = 0;
	*created = 0;
	memset(&tx, 0, sizeof(tx));
	memset(&row, 0, sizeof(row));
	digest_hex(is->serial, PROFILE_SERIAL_LEN, hex);
	/*
	 * The recorded bytes, the very ones linted, are signed as they stand
	 * (no decoding and re-encoding of the TBS that could change it); the
	 * signer checks the signature over them with the issuing key
	 * (authority_load made sure it is the issuing certificate's), and
	 * the result is answered as it stands, never decoded.
	 */
	if ((der = signer_sign_cert_der(
	         auth->signer, is->tbs, is->tbs_len, &n, p)) == NULL) {
		log_error("a certificate was not signed", "serial=%s", hex);
		goto out;
	}
	/*
	 * Its OCSP responses exist from the first moment it does, signed
	 * before the unit of work begins; if they cannot be signed now (say,
	 * the OCSP signer is not valid at this time), the certificate is
	 * still issued and the refresh job signs them.
	 */
	problem_clear(&q);
	if (pki_ocsp_sign(app, auth, is->serial, 0, 0, -1, now, &ocsp, &q) == 0)
		have_ocsp = 1;
	else
		log_error("OCSP responses not signed at issuance",
		    "serial=%s detail=\"%s\"", hex, q.detail);
	if (tx_begin(&tx, db, now, is->app, p) == -1)
		goto out;
	/* With what the hook and the event need of it, in one statement. */
	if ((stored = store_cert_issued(
	         db, is->serial, der, n, now, &row, p)) == -1)
		goto out;
	if (!stored) {
		/* Stored by another request: answer with that one. */
		tx_abort(&tx);
		if (issue_stored(db, is, out, outlen, p) == -1)
			goto out;
		rc = 0;
		goto out;
	}
	snprintf(is->app_status, sizeof(is->app_status), "%s", row.app_status);
	/* The rest succeeds or fails as one: its writes go with the next
	 * read, or with COMMIT. */
	tx_batch(&tx);
	if ((hook != NULL && hook(app, &tx, arg, p) == -1) ||
	    lifemail_queue_issued(db, is->app, is->serial, now, p) == -1)
		goto out;
	if (have_ocsp ? pki_ocsp_put(db, &ocsp, p) == -1
	              : jobs_add_once(db, app->cfg, JOB_OCSP_REFRESH, p) == -1)
		goto out;
	details = issue_details(is, NULL);
	/* The evidence recorded with the row (a retry may bring other). */
	json_object_set_new(details, "key_evidence", evidence_json(&row.ev));
	if (tx_audit(&tx, "certificate.issued", hex, details, p) == -1 ||
	    webhook_emit_cert_of(db, "certificate.issued", is->serial,
	        &row.hook, now, p) == -1 ||
	    tx_commit(&tx, p) == -1)
		goto out;
	log_info("certificate issued", "serial=%s app=%s", hex, is->app);
	*created = 1;
	*out = der;
	*outlen = n;
	der = NULL;
	rc = 0;
out:
	tx_abort(&tx);
	if (have_ocsp)
		pki_ocsp_free(&ocsp);
	store_cert_issued_free(&row);
	json_decref(details);
	OPENSSL_free(der);
	return rc;
}
