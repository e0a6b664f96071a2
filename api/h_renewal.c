/*
 * Renewal (API.md, Renew):
 *
 *   POST /v1/certificates/{serial}/renewal
 *        {"csr", "signature", "revoke_old"?}
 *        the subject's session: a certificate for a new key (csr, PEM
 *        PKCS#10, signed by that new key) in place of certificate serial,
 *        inside its renewal window [notAfter - RXCA_RENEWAL_WINDOW_DAYS,
 *        notAfter).  signature (base64) proves possession of the current
 *        certificate's key: a signature over the DER bytes of the CSR (the
 *        decoded PEM body) made with that key, ECDSA (DER) or RSA PKCS#1
 *        v1.5, hashed with SHA-384 for a P-384 key and SHA-256 otherwise.
 *        No new identity proofing: the subject is the application's.  The
 *        new certificate (validity of the profile from now, two years)
 *        names the old one in certificates.renews; the old one stays valid
 *        until it expires unless revoke_old asks for it to be revoked as
 *        superseded.  One renewal per certificate: the same key again gets
 *        the same certificate (200), another key 409.
 *        Refused: 404 not the caller's; 422 field "signature" (does not
 *        verify) or "csr"; 409 certificate-revoked; 410
 *        certificate-expired; 409 outside-window (with window_opens and
 *        window_closes); 409 key-already-certified; 409 already-renewed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "api/app.h"
#include "api/audit.h"
#include "api/authority.h"
#include "api/db.h"
#include "api/issue.h"
#include "api/pki.h"
#include "api/renewal.h"
#include "api/routes.h"
#include "api/store_ca.h"
#include "api/store_renewal.h"
#include "ca/csr.h"
#include "ca/profile.h"
#include "ca/sigcheck.h"
#include "common/base64.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/xmalloc.h"

#define SIGNATURE_B64_MAX 2048 /* characters of the base64 signature */
#define SERIAL_HEX        (2 * PROFILE_SERIAL_LEN + 1)

struct renewal {
	X509_REQ *csr;                        /* parsed, signature checked */
	unsigned char spki[32];               /* SHA-256 of its key */
	unsigned char sig[SIGNATURE_B64_MAX]; /* decoded signature */
	size_t siglen;                        /* bytes in sig */
	int revoke_old;                       /* revoke the old as superseded */
	unsigned char old[PROFILE_SERIAL_LEN]; /* the certificate renewed */
	char app[48];                          /* its application */
	struct profile_subject subj;           /* from the application */
	char given[128], middle[128], family[128], email[256];
	struct issue is; /* the new certificate */
	int created;     /* 201 rather than 200 */
	int have_cert;   /* is.tbs holds the signed DER */
	int revoked;     /* the old one revoked here */
};

static const char *const renewal_keys[] = {
    "csr", "signature", "revoke_old", NULL};

static int
renewal_parse(json_t *body, struct renewal *rn, struct problem *p)
{
	const char *csr = NULL, *sig = NULL;
	json_t *v;
	json_error_t jerr;

	if (ctx_known_fields(body, renewal_keys, p) == -1)
		return -1;
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "csr", &csr) == -1)
		problem_field(p, "csr", "required: a PEM PKCS#10 request");
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "signature", &sig) == -1 ||
	    strlen(sig) >= SIGNATURE_B64_MAX ||
	    base64_decode(
	        sig, strlen(sig), rn->sig, sizeof(rn->sig), &rn->siglen) == -1)
		problem_field(p, "signature",
		    "required: base64 of a signature over the CSR's DER with "
		    "the current certificate's key");
	if ((v = json_object_get(body, "revoke_old")) != NULL) {
		if (!json_is_boolean(v))
			problem_field(p, "revoke_old", "true or false");
		else
			rn->revoke_old = json_is_true(v);
	}
	if (p->status != 0)
		return -1;
	if ((rn->csr = csr_parse(csr, strlen(csr), p)) == NULL ||
	    csr_key_check(X509_REQ_get0_pubkey(rn->csr), p) == -1 ||
	    csr_spki_sha256(X509_REQ_get0_pubkey(rn->csr), rn->spki) == -1)
		return -1;
	return 0;
}

/* 1 if rn->sig verifies over the CSR's DER with cert's key, else 0. */
static int
possession_ok(X509 *cert, struct renewal *rn)
{
	unsigned char *der = NULL;
	int n, ok;

	ok = (n = i2d_X509_REQ(rn->csr, &der)) > 0 &&
	    sigcheck_verify(X509_get0_pubkey(cert), rn->sig, rn->siglen, der,
	        (size_t)n) == 0;
	OPENSSL_free(der);
	return ok;
}

/* The subject of the new certificate, from the application. */
static int
subject_of(struct ctx *ctx, struct renewal *rn, struct problem *p)
{
	PGresult *r;
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, rn->app);
	r = db_exec(ctx->db, &sql_renewal_subject, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return problem_internal(p);
	}
	snprintf(rn->given, sizeof(rn->given), "%s", db_get(r, 0, 0));
	snprintf(rn->middle, sizeof(rn->middle), "%s",
	    db_get(r, 0, 1) != NULL ? db_get(r, 0, 1) : "");
	snprintf(rn->family, sizeof(rn->family), "%s", db_get(r, 0, 2));
	snprintf(rn->email, sizeof(rn->email), "%s", db_get(r, 0, 3));
	rn->subj.given_name = rn->given;
	rn->subj.middle_name = rn->middle[0] != '\0' ? rn->middle : NULL;
	rn->subj.family_name = rn->family;
	rn->subj.email = rn->email;
	rn->subj.hardware = strcmp(db_get(r, 0, 4), "t") == 0;
	PQclear(r);
	return 0;
}

/* The renewal recorded before: the same key resumes it, another is 409.
 * 1 if there is one (rn->is set), 0 if none, -1. */
static int
renewal_existing(struct ctx *ctx, struct renewal *rn, struct problem *p)
{
	unsigned char stored[32];
	PGresult *c;
	struct dbargs a;
	int rc = -1;

	dbargs_init(&a);
	dbargs_bytea(&a, rn->old, sizeof(rn->old));
	c = db_exec(ctx->db, &sql_renewal_of, &a, p);
	dbargs_free(&a);
	if (c == NULL)
		return -1;
	if (PQntuples(c) != 1) {
		rc = 0;
		goto out;
	}
	if (db_get_bytea(c, 0, 1, stored, sizeof(stored)) != 32 ||
	    memcmp(stored, rn->spki, 32) != 0) {
		problem_set(p, 409, "already-renewed", "Already renewed",
		    "This certificate was renewed for another key.");
		goto out;
	}
	if (db_get_bytea(c, 0, 0, rn->is.serial, sizeof(rn->is.serial)) !=
	    PROFILE_SERIAL_LEN) {
		problem_internal(p);
		goto out;
	}
	rn->have_cert = strcmp(db_get(c, 0, 2), "signing") != 0;
	if ((rn->is.tbs = OPENSSL_malloc(ISSUE_DER_MAX)) == NULL)
		abort();
	rn->is.tbs_len = db_get_bytea(
	    c, 0, rn->have_cert ? 4 : 3, rn->is.tbs, ISSUE_DER_MAX);
	if (rn->is.tbs_len <= 0) {
		problem_internal(p);
		goto out;
	}
	rc = 1;
out:
	PQclear(c);
	return rc;
}

/*
 * First transaction: the old certificate and the checks, then either the
 * renewal that exists or a new row for one (committed before signing).
 */
static int
renewal_record(struct ctx *ctx, struct authority *auth, struct renewal *rn,
    json_t **extra, struct problem *p)
{
	const struct config *c = ctx->app->cfg;
	unsigned char *der = NULL;
	PGresult *r = NULL;
	struct dbargs a;
	X509 *old = NULL;
	time_t not_after, opens;
	long n;
	int rc = -1, ex;

	if (db_begin(ctx->db, p) == -1)
		return -1;
	dbargs_init(&a);
	dbargs_bytea(&a, rn->old, sizeof(rn->old));
	r = db_exec(ctx->db, &sql_renewal_lock, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		goto out;
	if (PQntuples(r) != 1 ||
	    strcmp(db_get(r, 0, 0), ctx->session_app) != 0) {
		problem_set(
		    p, 404, "not-found", "Not found", "No such certificate.");
		goto out;
	}
	snprintf(rn->app, sizeof(rn->app), "%s", db_get(r, 0, 0));
	der = xmalloc(ISSUE_DER_MAX);
	if ((n = db_get_bytea(r, 0, 2, der, ISSUE_DER_MAX)) <= 0 ||
	    (old = issue_x509(der, n)) == NULL) {
		problem_internal(p);
		goto out;
	}
	if (!possession_ok(old, rn)) {
		problem_field(p, "signature",
		    "does not verify over the CSR's DER with this "
		    "certificate's key (SHA-384 for a P-384 key, SHA-256 "
		    "otherwise)");
		goto out;
	}
	if (subject_of(ctx, rn, p) == -1)
		goto out;
	rn->is.app = rn->app;
	rn->is.kit = NULL;
	rn->is.renews = rn->old;
	rn->is.subj = &rn->subj;
	rn->is.key = X509_REQ_get0_pubkey(rn->csr);
	rn->is.spki = rn->spki;
	if ((ex = renewal_existing(ctx, rn, p)) == -1)
		goto out;
	if (ex == 1) {
		db_rollback(ctx->db);
		rc = 0;
		goto out;
	}
	not_after = db_get_time(r, 0, 3);
	opens = not_after - (time_t)c->renewal_window_days * 86400;
	if (strcmp(db_get(r, 0, 1), "revoked") == 0) {
		problem_set(p, 409, "certificate-revoked", "Revoked",
		    "A revoked certificate cannot be renewed: apply again.");
		goto out;
	}
	if (ctx->now >= not_after) {
		problem_set(p, 410, "certificate-expired", "Expired",
		    "An expired certificate cannot be renewed: apply "
		    "again, prefilled from GET "
		    "/v1/applications/{id}/prefill.");
		goto out;
	}
	if (ctx->now < opens) {
		problem_set(p, 409, "outside-window", "Not yet",
		    "This certificate can be renewed in the %d days before it "
		    "expires.",
		    c->renewal_window_days);
		*extra = json_pack("{s:o, s:o}", "window_opens",
		    reply_time(opens), "window_closes", reply_time(not_after));
		goto out;
	}
	if (issue_record(ctx->db, auth, &rn->is, ctx->now, p) == -1) {
		/* A unique index hit by a concurrent request. */
		if (strcmp(p->type, "conflict") == 0)
			problem_set(p, 409, "renewal-conflict", "Try again",
			    "Another renewal of this certificate or with this "
			    "key is under way; try again.");
		goto out;
	}
	if (db_commit(ctx->db, p) == -1)
		goto out;
	rn->created = 1;
	rc = 0;
out:
	if (rc == -1)
		db_rollback(ctx->db);
	X509_free(old);
	free(der);
	PQclear(r);
	return rc;
}

/* The old certificate revoked as superseded, inside the transaction. */
static int
renewal_supersede(struct app *app, struct db *db, struct renewal *rn,
    time_t now, struct problem *p)
{
	char standing[32];
	int already = 0;

	if (pki_revoke(app, db, rn->old, "superseded", rn->app, NULL, 0,
	        rn->app, now, &already, standing, sizeof(standing), p) == -1)
		return -1;
	rn->revoked = 1;
	return 0;
}

/* Inside issue_sign: audited as renewed; the old one superseded if asked. */
static int
renewal_moves(
    struct app *app, struct db *db, void *arg, time_t now, struct problem *p)
{
	struct renewal *rn = arg;
	char old[SERIAL_HEX], new[SERIAL_HEX];
	json_t *details;
	int rc;

	digest_hex(rn->old, PROFILE_SERIAL_LEN, old);
	digest_hex(rn->is.serial, PROFILE_SERIAL_LEN, new);
	details = json_pack("{s:s, s:s, s:b}", "renews", old, "application",
	    rn->app, "revoke_old", rn->revoke_old);
	rc = audit_append(
	    db, now, rn->app, "certificate.renewed", new, details, p);
	json_decref(details);
	if (rc == -1)
		return -1;
	return rn->revoke_old ? renewal_supersede(app, db, rn, now, p) : 0;
}

void
h_renewal(struct ctx *ctx)
{
	struct authority *auth = ctx->app->authority;
	struct renewal rn;
	struct problem p;
	json_t *body = NULL, *extra = NULL, *o;
	char old[SERIAL_HEX];
	X509 *cert = NULL;

	memset(&rn, 0, sizeof(rn));
	problem_clear(&p);
	if ((body = ctx_body(ctx, &p)) == NULL ||
	    renewal_parse(body, &rn, &p) == -1)
		goto fail;
	if (renewal_serial_parse(ctx_param(ctx, "serial"), rn.old) == -1) {
		problem_set(&p, 404, "not-found", "Not found",
		    "No such certificate (serials are 32 lower-case hex "
		    "digits).");
		goto fail;
	}
	if (authority_load(auth, ctx->app->cfg, ctx->db, &p) == -1 ||
	    renewal_record(ctx, auth, &rn, &extra, &p) == -1)
		goto fail;
	if (rn.have_cert) {
		if ((cert = issue_x509(rn.is.tbs, rn.is.tbs_len)) == NULL) {
			problem_internal(&p);
			goto fail;
		}
	} else if (issue_sign(ctx->app, ctx->db, auth, &rn.is, renewal_moves,
	               &rn, ctx->now, &cert, &rn.created, &p) == -1)
		goto fail;
	/*
	 * Asked on a retry, or another request stored the certificate first
	 * and renewal_moves did not run here: the old one goes now (revoking
	 * it twice is harmless).
	 */
	if (rn.revoke_old && !rn.revoked &&
	    (db_begin(ctx->db, &p) == -1 ||
	        renewal_supersede(ctx->app, ctx->db, &rn, ctx->now, &p) == -1 ||
	        db_commit(ctx->db, &p) == -1)) {
		db_rollback(ctx->db);
		goto fail;
	}
	digest_hex(rn.old, PROFILE_SERIAL_LEN, old);
	o = issue_body(auth, rn.is.serial, cert);
	json_object_set_new(o, "renews", json_string(old));
	json_object_set_new(o, "old_revoked", json_boolean(rn.revoked));
	reply_json(ctx, rn.created ? 201 : 200, o);
	goto out;
fail:
	reply_problem(ctx, &p, extra);
	extra = NULL;
out:
	json_decref(extra);
	X509_REQ_free(rn.csr);
	OPENSSL_free(rn.is.tbs);
	X509_free(cert);
	json_decref(body);
}
