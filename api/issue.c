/* Issuing a subscriber certificate: see api/issue.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "api/app.h"
#include "api/audit.h"
#include "api/authority.h"
#include "api/db.h"
#include "api/handler.h"
#include "api/issue.h"
#include "api/jobs.h"
#include "api/pki.h"
#include "api/store_ca.h"
#include "ca/csr.h"
#include "api/store_renewal.h"
#include "api/webhook.h"
#include "ca/lint.h"
#include "ca/signer.h"
#include "common/digest.h"
#include "common/logger.h"
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

static char *
pem_of(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long n;

	if (b != NULL && PEM_write_bio_X509(b, x) == 1) {
		n = BIO_get_mem_data(b, &data);
		out = xmalloc((size_t)n + 1);
		memcpy(out, data, (size_t)n);
		out[n] = '\0';
	}
	BIO_free(b);
	return out;
}

json_t *
issue_body(struct authority *auth, const unsigned char *serial, X509 *cert)
{
	char hex[SERIAL_HEX], *pem = pem_of(cert);
	json_t *o;
	time_t nb = issue_seconds(X509_get0_notBefore(cert));
	time_t na = issue_seconds(X509_get0_notAfter(cert));

	digest_hex(serial, PROFILE_SERIAL_LEN, hex);
	o = json_pack("{s:s, s:s?, s:[s?, s?], s:o, s:o}", "serial", hex,
	    "certificate", pem, "chain", auth->issuing_pem, auth->root_pem,
	    "not_before", reply_time(nb), "not_after", reply_time(na));
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
issue_record(struct db *db, struct authority *auth, struct issue *is,
    time_t now, struct problem *p)
{
	X509 *cert = NULL;
	unsigned char *der = NULL;
	struct dbargs a;
	json_t *details = NULL;
	char subject[512], hex[SERIAL_HEX];
	PGresult *used = NULL;
	int rc = -1, n;

	/* A key is certified once (the unique index is the last word). */
	dbargs_init(&a);
	dbargs_bytea(&a, is->spki, CSR_SPKI_HASH_LEN);
	used = db_exec(db, &sql_cert_key_used, &a, p);
	dbargs_free(&a);
	if (used == NULL)
		goto out;
	if (PQntuples(used) > 0) {
		problem_set(p, 409, "key-already-certified",
		    "Key already certified",
		    "This key has been certified before: make a new key on "
		    "the token.");
		goto out;
	}
	profile_serial_new(is->serial);
	cert = profile_build(&auth->profile, is->subj, is->key, auth->issuing,
	    is->serial, now, p);
	if (cert == NULL)
		goto out;
	if (lint_check(cert, &auth->profile, is->subj, auth->issuing, now, p) ==
	    -1) {
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
	dbargs_init(&a);
	dbargs_bytea(&a, is->serial, PROFILE_SERIAL_LEN);
	dbargs_text(&a, is->app);
	dbargs_text(&a, is->kit);
	dbargs_text(&a, subject);
	dbargs_bytea(&a, is->spki, 32);
	dbargs_bytea(&a, der, (size_t)n);
	dbargs_time(&a, issue_seconds(X509_get0_notBefore(cert)));
	dbargs_time(&a, issue_seconds(X509_get0_notAfter(cert)));
	dbargs_time(&a, now);
	if (is->renews != NULL) {
		dbargs_bytea(&a, is->renews, PROFILE_SERIAL_LEN);
		rc = db_run(db, &sql_cert_record_renewal, &a, p);
	} else
		rc = db_run(db, &sql_cert_record, &a, p);
	dbargs_free(&a);
	if (rc == -1)
		goto out;
	rc = -1;
	details = issue_details(is, subject);
	digest_hex(is->serial, PROFILE_SERIAL_LEN, hex);
	if (audit_append(db, now, is->app, "certificate.recorded", hex, details,
	        p) == -1)
		goto out;
	is->tbs = der;
	is->tbs_len = n;
	der = NULL;
	rc = 0;
out:
	json_decref(details);
	OPENSSL_free(der);
	X509_free(cert);
	PQclear(used);
	return rc;
}

int
issue_sign(struct app *app, struct db *db, struct authority *auth,
    struct issue *is, issue_hook hook, void *arg, time_t now, X509 **out,
    int *created, struct problem *p)
{
	X509 *signed_cert = NULL, *linted = NULL;
	unsigned char *der = NULL, *stored = NULL;
	PGresult *r = NULL;
	struct dbargs a;
	json_t *details = NULL;
	char hex[SERIAL_HEX];
	long sl;
	int n, rc = -1, updated;

	*out = NULL;
	*created = 0;
	digest_hex(is->serial, PROFILE_SERIAL_LEN, hex);
	if ((linted = issue_x509(is->tbs, is->tbs_len)) == NULL ||
	    (signed_cert = issue_x509(is->tbs, is->tbs_len)) == NULL) {
		problem_internal(p);
		goto out;
	}
	if (signer_sign_x509(auth->signer, signed_cert, p) == -1)
		goto out;
	if (lint_same_tbs(signed_cert, linted, p) == -1 ||
	    X509_verify(signed_cert, X509_get0_pubkey(auth->issuing)) != 1) {
		log_error("a signed certificate is not what was linted",
		    "serial=%s", hex);
		problem_internal(p);
		goto out;
	}
	if ((n = i2d_X509(signed_cert, &der)) <= 0) {
		problem_internal(p);
		goto out;
	}
	if (db_begin(db, p) == -1)
		goto out;
	dbargs_init(&a);
	dbargs_bytea(&a, is->serial, PROFILE_SERIAL_LEN);
	dbargs_bytea(&a, der, (size_t)n);
	dbargs_time(&a, now);
	r = db_exec(db, &sql_cert_issued, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		goto out;
	updated = PQntuples(r) == 1;
	PQclear(r);
	r = NULL;
	if (!updated) {
		/* Stored by another request: answer with that one. */
		db_rollback(db);
		dbargs_init(&a);
		dbargs_bytea(&a, is->serial, PROFILE_SERIAL_LEN);
		r = db_exec(db, &sql_cert_get, &a, p);
		dbargs_free(&a);
		if (r == NULL)
			goto out;
		if (PQntuples(r) != 1) {
			/* Abandoned for another key while this one signed. */
			problem_set(p, 409, "retrieval-conflict", "Superseded",
			    "Another request with a new key took this "
			    "certificate's place; it was not issued.");
			goto out;
		}
		stored = xmalloc(ISSUE_DER_MAX);
		if ((sl = db_get_bytea(r, 0, 4, stored, ISSUE_DER_MAX)) <= 0 ||
		    (*out = issue_x509(stored, sl)) == NULL) {
			problem_internal(p);
			goto out;
		}
		rc = 0;
		goto out;
	}
	if (hook != NULL && hook(app, db, arg, now, p) == -1)
		goto out;
	/*
	 * Its OCSP responses exist from the first moment it does; if they
	 * cannot be signed now (say, the OCSP signer is not valid at this
	 * time), the certificate is still issued and the refresh job signs
	 * them.
	 */
	if (db_savepoint(db, p) == -1)
		goto out;
	if (pki_ocsp_store(app, db, auth, is->serial, 0, 0, -1, now, p) == -1) {
		log_error("OCSP responses not signed at issuance",
		    "serial=%s detail=\"%s\"", hex, p->detail);
		problem_clear(p);
		if (db_rollback_savepoint(db, p) == -1 ||
		    jobs_enqueue_once(db, "ocsp.refresh", 10, p) == -1)
			goto out;
	}
	details = issue_details(is, NULL);
	if (audit_append(
	        db, now, is->app, "certificate.issued", hex, details, p) == -1)
		goto out;
	if (webhook_emit_cert(db, "certificate.issued", is->serial, now, p) ==
	        -1 ||
	    db_commit(db, p) == -1)
		goto out;
	log_info("certificate issued", "serial=%s app=%s", hex, is->app);
	*created = 1;
	*out = signed_cert;
	signed_cert = NULL;
	rc = 0;
out:
	if (rc == -1)
		db_rollback(db);
	json_decref(details);
	free(stored);
	OPENSSL_free(der);
	X509_free(signed_cert);
	X509_free(linted);
	PQclear(r);
	return rc;
}
