/*
 * Renewal (docs/certificates.md, "Renewal"):
 *
 *   POST /v1/certificates/{serial}/renewal
 *        {"csr", "signature", "revoke_old"?, "key_evidence"?}
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
 *        the same certificate (200), another key 409.  key_evidence
 *        (api/service/evidence.h): the new key's, held to what the
 *        product requires and recorded with the new certificate.
 *        Refused: 404 not the caller's; 422 field "signature" (does not
 *        verify), "csr" or "key_evidence"; 409 certificate-revoked; 410
 *        certificate-expired; 409 outside-window (with window_opens and
 *        window_closes); 409 key-already-certified; 409 already-renewed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "api/service/app.h"
#include "api/service/authority.h"
#include "api/service/credential.h"
#include "api/service/evidence.h"
#include "api/service/issue.h"
#include "api/service/pki.h"
#include "api/service/renewal.h"
#include "api/service/sandbox.h"
#include "api/routes/routes.h"
#include "api/store/store_issue.h"
#include "api/store/tx.h"
#include "ca/csr.h"
#include "ca/profile.h"
#include "ca/sigcheck.h"
#include "common/base64.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/wallclock.h"
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
	struct evidence_row ev;   /* key_evidence, checked */
	struct issue is;          /* the new certificate */
	int created;              /* 201 rather than 200 */
	int have_cert;            /* is.tbs holds the signed DER */
	int revoked;              /* the old one revoked here */
	struct pki_revocation rv; /* its OCSP answers, signed beforehand */
	int prepared;             /* rv holds them (pki_revocation_free) */
};

static const char *const renewal_keys[] = {
    "csr", "signature", "revoke_old", "key_evidence", NULL};

static int
renewal_parse(
    struct ctx *ctx, json_t *body, struct renewal *rn, struct problem *p)
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
	    csr_spki_sha256(X509_REQ_get0_pubkey(rn->csr), rn->spki) == -1 ||
	    evidence_parse(ctx->app->cfg, json_object_get(body, "key_evidence"),
	        X509_REQ_get0_pubkey(rn->csr), ctx->now, &rn->ev, p) == -1)
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
subject_of(struct tx *tx, struct renewal *rn, struct problem *p)
{
	struct subject_row s;
	int found;

	if ((found = store_subject_of(tx_db(tx), rn->app, &s, p)) == -1)
		return -1;
	if (!found)
		return problem_internal(p);
	snprintf(rn->given, sizeof(rn->given), "%s", s.given);
	snprintf(rn->middle, sizeof(rn->middle), "%s", s.middle);
	snprintf(rn->family, sizeof(rn->family), "%s", s.family);
	snprintf(rn->email, sizeof(rn->email), "%s", s.email);
	rn->subj.given_name = rn->given;
	rn->subj.middle_name = rn->middle[0] != '\0' ? rn->middle : NULL;
	rn->subj.family_name = rn->family;
	rn->subj.email = rn->email;
	rn->subj.hardware = s.hardware;
	return 0;
}

/* The renewal recorded before: the same key resumes it, another is 409.
 * 1 if there is one (rn->is set), 0 if none, -1. */
static int
renewal_existing(struct tx *tx, struct renewal *rn, struct problem *p)
{
	struct cert_row c;
	int rc = -1, found;

	if ((found = store_renewal_of(tx_db(tx), rn->old, &c, p)) != 1)
		return found;
	if (memcmp(c.spki, rn->spki, 32) != 0) {
		problem_set(p, 409, "already-renewed", "Already renewed",
		    "This certificate was renewed for another key.");
		goto out;
	}
	memcpy(rn->is.serial, c.serial, sizeof(rn->is.serial));
	rn->have_cert = strcmp(c.state, "signing") != 0;
	if (rn->have_cert ? c.der == NULL : c.tbs == NULL) {
		problem_internal(p);
		goto out;
	}
	rn->is.tbs_len = rn->have_cert ? c.der_len : c.tbs_len;
	if ((rn->is.tbs = OPENSSL_malloc((size_t)rn->is.tbs_len)) == NULL)
		abort();
	memcpy(
	    rn->is.tbs, rn->have_cert ? c.der : c.tbs, (size_t)rn->is.tbs_len);
	rc = 1;
out:
	store_cert_row_free(&c);
	return rc;
}

/*
 * The unit of work that records: the old certificate and the checks, then
 * either the renewal that exists or a new row for one (committed before
 * signing).
 */
static int
renewal_record(struct ctx *ctx, struct authority *auth, struct renewal *rn,
    json_t **extra, struct problem *p)
{
	const struct config *c = ctx->app->cfg;
	struct renewing_row r;
	struct tx tx;
	X509 *old = NULL;
	time_t opens;
	int rc = -1, ex, found;

	memset(&r, 0, sizeof(r));
	if (tx_begin(&tx, ctx->db, ctx->now, ctx->session_app, p) == -1)
		return -1;
	if ((found = store_renewing_lock(tx_db(&tx), rn->old, &r, p)) == -1)
		goto out;
	if (!found || strcmp(r.app, ctx->session_app) != 0) {
		problem_set(
		    p, 404, "not-found", "Not found", "No such certificate.");
		goto out;
	}
	snprintf(rn->app, sizeof(rn->app), "%s", r.app);
	if ((old = issue_x509(r.der, r.der_len)) == NULL) {
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
	if (subject_of(&tx, rn, p) == -1)
		goto out;
	rn->is.app = rn->app;
	rn->is.kit = NULL;
	rn->is.renews = rn->old;
	rn->is.subj = &rn->subj;
	rn->is.key = X509_REQ_get0_pubkey(rn->csr);
	rn->is.spki = rn->spki;
	rn->is.ev = &rn->ev;
	if ((ex = renewal_existing(&tx, rn, p)) == -1)
		goto out;
	if (ex == 1) {
		rc = 0;
		goto out;
	}
	opens = r.not_after - (time_t)c->renewal_window_days * 86400;
	if (strcmp(r.state, "revoked") == 0) {
		problem_set(p, 409, "certificate-revoked",
		    "Certificate revoked",
		    "A revoked certificate cannot be renewed: apply again.");
		goto out;
	}
	if (ctx->now >= r.not_after) {
		problem_set(p, 410, "certificate-expired",
		    "Certificate expired",
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
		    wallclock_json(opens), "window_closes",
		    wallclock_json(r.not_after));
		goto out;
	}
	if (issue_record(&tx, auth, &rn->is, p) == -1) {
		/* A unique index hit by a concurrent request. */
		if (strcmp(p->type, "conflict") == 0)
			problem_set(p, 409, "renewal-conflict", "Try again",
			    "Another renewal of this certificate or with this "
			    "key is under way; try again.");
		goto out;
	}
	if (issue_reserve_commit(&tx, p) == -1)
		goto out;
	rn->created = 1;
	rc = 0;
out:
	tx_abort(&tx);
	X509_free(old);
	store_renewing_row_free(&r);
	return rc;
}

/* The old certificate revoked as superseded, inside the unit of work. */
static int
renewal_supersede(
    struct app *app, struct tx *tx, struct renewal *rn, struct problem *p)
{
	char standing[32];
	int already = 0;

	if (pki_revoke_tx(app, tx, &rn->rv, "superseded", rn->app, NULL, 0,
	        rn->app, &already, standing, sizeof(standing), p) == -1)
		return -1;
	rn->revoked = 1;
	return 0;
}

/* Inside issue_sign: audited as renewed; the old one superseded if asked. */
static int
renewal_moves(struct app *app, struct tx *tx, void *arg, struct problem *p)
{
	struct renewal *rn = arg;
	char old[SERIAL_HEX], new[SERIAL_HEX];
	json_t *details;
	int rc;

	digest_hex(rn->old, PROFILE_SERIAL_LEN, old);
	digest_hex(rn->is.serial, PROFILE_SERIAL_LEN, new);
	details = json_pack("{s:s, s:s, s:b}", "renews", old, "application",
	    rn->app, "revoke_old", rn->revoke_old);
	rc = tx_audit(tx, "certificate.renewed", new, details, p);
	json_decref(details);
	/* The practices' links of the old certificate follow (issue 16). */
	if (rc == -1 || credential_relink(tx, old, new, tx->now, p) == -1)
		return -1;
	return rn->revoke_old ? renewal_supersede(app, tx, rn, p) : 0;
}

void
h_renewal(struct ctx *ctx)
{
	struct authority *auth = NULL;
	struct renewal rn;
	struct problem p;
	json_t *body = NULL, *extra = NULL, *o;
	char old[SERIAL_HEX];
	unsigned char *der = NULL;
	long len = 0;

	memset(&rn, 0, sizeof(rn));
	problem_clear(&p);
	if ((body = ctx_body(ctx, &p)) == NULL ||
	    renewal_parse(ctx, body, &rn, &p) == -1)
		goto fail;
	if (renewal_serial_parse(ctx_param(ctx, "serial"), rn.old) == -1) {
		problem_set(&p, 404, "not-found", "Not found",
		    "No such certificate (serials are 32 lower-case hex "
		    "digits).");
		goto fail;
	}
	if (evidence_check(ctx->db, ctx->session_app, &rn.ev, &p) == -1)
		goto fail;
	/* No CA yet: 503 before anything is looked at.  Then the CA of the
	 * application's world: a sandbox's is its test CA, which signs its
	 * renewals as it signed its first certificate. */
	if (authority_load(ctx->app->authority, ctx->app->cfg, ctx->db, &p) ==
	        -1 ||
	    (auth = sandbox_authority(
	         ctx->app, ctx->db, ctx->session_app, &p)) == NULL ||
	    renewal_record(ctx, auth, &rn, &extra, &p) == -1)
		goto fail;
	/* The old certificate's OCSP answers for its revocation are signed
	 * here, before any unit of work, which then only stores them. */
	if (rn.revoke_old) {
		if (pki_revoke_prepare(ctx->app, ctx->db, rn.old, "superseded",
		        0, ctx->session_app, 1, ctx->now, &rn.rv, &p) == -1)
			goto fail;
		rn.prepared = 1;
	}
	/* A retry's certificate is the one stored; a new one as signed. */
	if (!rn.have_cert &&
	    issue_sign(ctx->app, ctx->db, auth, &rn.is, renewal_moves, &rn,
	        ctx->now, &der, &len, &rn.created, &p) == -1)
		goto fail;
	/*
	 * Asked on a retry, or another request stored the certificate first
	 * and renewal_moves did not run here: the old one goes now (revoking
	 * it twice is harmless).
	 */
	if (rn.revoke_old && !rn.revoked) {
		struct tx tx;

		if (tx_begin(&tx, ctx->db, ctx->now, rn.app, &p) == -1)
			goto fail;
		if (renewal_supersede(ctx->app, &tx, &rn, &p) == -1 ||
		    tx_commit(&tx, &p) == -1) {
			tx_abort(&tx);
			goto fail;
		}
	}
	digest_hex(rn.old, PROFILE_SERIAL_LEN, old);
	o = rn.have_cert
	    ? issue_body(auth, rn.is.serial, rn.is.tbs, rn.is.tbs_len, 0, 0)
	    : issue_body(auth, rn.is.serial, der, len, rn.is.not_before,
	          rn.is.not_after);
	json_object_set_new(o, "renews", json_string(old));
	json_object_set_new(o, "old_revoked", json_boolean(rn.revoked));
	reply_json(ctx, rn.created ? 201 : 200, o);
	goto out;
fail:
	reply_problem(ctx, &p, extra);
	extra = NULL;
out:
	if (rn.prepared)
		pki_revocation_free(&rn.rv);
	json_decref(extra);
	X509_REQ_free(rn.csr);
	OPENSSL_free(rn.is.tbs);
	OPENSSL_free(der);
	json_decref(body);
}
