/*
 * Certificates (docs/certificates.md; docs/api.md, "Public PKI"):
 *
 *   GET  /v1/certificates/{serial}
 *        the subject's session, or an operator: PEM, status, validity.
 *   POST /v1/certificates/{serial}/challenges
 *        the subject: a fresh 32-byte nonce to sign with the token's key
 *        ("test my certificate"), valid CHALLENGE_SECONDS.
 *   POST /v1/certificates/{serial}/challenges/{id}  {"signature"}
 *        the subject: base64 signature over the nonce bytes (ECDSA or
 *        RSA PKCS#1 v1.5, hashed with SHA-384 for a P-384 key, SHA-256
 *        otherwise) -> 200 {"valid": true} or 422; each challenge is
 *        answered once and allows CHALLENGE_ATTEMPTS tries.
 *   GET  /pki/{ca}.cer
 *        anyone: the root or issuing CA certificate, DER.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "api/service/app.h"
#include "api/service/authority.h"
#include "api/routes/routes.h"
#include "api/store/store_cert.h"
#include "api/service/evidence.h"
#include "api/store/tx.h"
#include "ca/sigcheck.h"
#include "common/base64.h"
#include "common/rand.h"
#include "common/wallclock.h"

#define SERIAL_LEN         16
#define NONCE_LEN          32
#define CHALLENGE_SECONDS  300
#define CHALLENGE_ATTEMPTS 3
#define SIGNATURE_B64_MAX  2048

/*
 * Loads certificate serial into v and checks that the caller may see it:
 * its subject's session or an operator.  Someone else's certificate is
 * 404, as an unknown one is.
 */
static int
load_own(struct ctx *ctx, const unsigned char *serial, struct cert_view *v,
    struct problem *p)
{
	int found;

	if ((found = store_cert_view(ctx->db, serial, v, p)) == -1)
		return -1;
	if (found == 0 ||
	    (ctx->operator_id[0] == '\0' &&
	        strcmp(v->app, ctx->session_app) != 0))
		return problem_set(
		    p, 404, "not-found", "Not found", "No such certificate.");
	return 0;
}

static X509 *
view_cert(const struct cert_view *v)
{
	const unsigned char *q = v->der;

	return v->der != NULL ? d2i_X509(NULL, &q, v->der_len) : NULL;
}

void
h_certificate_get(struct ctx *ctx)
{
	unsigned char serial[SERIAL_LEN];
	struct cert_view v = {0};
	struct problem p;
	X509 *x = NULL;
	BIO *b = NULL;
	json_t *ev = NULL, *o;
	char *data;
	long n;

	problem_clear(&p);
	if (ctx_serial(ctx, serial, &p) == -1 ||
	    load_own(ctx, serial, &v, &p) == -1 ||
	    (ev = evidence_of_cert(ctx->db, serial, &p)) == NULL)
		goto fail;
	if ((x = view_cert(&v)) == NULL || (b = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509(b, x) != 1) {
		problem_internal(&p);
		goto fail;
	}
	n = BIO_get_mem_data(b, &data);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s%, s:o, s:o, s:o, s:s}",
	    "serial", ctx_param(ctx, "serial"), "application_id", v.app,
	    "subject", v.subject, "status", v.state, "certificate", data,
	    (size_t)n, "not_before", wallclock_json(v.not_before), "not_after",
	    wallclock_json(v.not_after), "issued_at",
	    wallclock_json(v.issued_at), "issuer", v.issuer);
	json_object_set(o, "key_evidence", ev);
	reply_json(ctx, 200, o);
	goto out;
fail:
	reply_problem(ctx, &p, NULL);
out:
	json_decref(ev);
	BIO_free(b);
	X509_free(x);
	store_cert_view_free(&v);
}

void
h_challenge_new(struct ctx *ctx)
{
	unsigned char serial[SERIAL_LEN], nonce[NONCE_LEN];
	char id[32], b64[NONCE_LEN * 2];
	struct cert_view v = {0};
	struct problem p;

	problem_clear(&p);
	if (ctx_serial(ctx, serial, &p) == -1 ||
	    load_own(ctx, serial, &v, &p) == -1)
		goto fail;
	if (strcmp(v.state, "issued") != 0) {
		problem_set(&p, 409, "not-issued", "Not usable",
		    "This certificate is %s.", v.state);
		goto fail;
	}
	rand_id("chl_", id, sizeof(id));
	rand_fill(nonce, sizeof(nonce));
	if (store_challenge_new(ctx->db, id, serial, nonce, ctx->now,
	        ctx->now + CHALLENGE_SECONDS, &p) == -1)
		goto fail;
	EVP_EncodeBlock((unsigned char *)b64, nonce, sizeof(nonce));
	reply_json(ctx, 201,
	    json_pack("{s:s, s:s, s:s, s:o}", "id", id, "nonce", b64, "digest",
	        "sign the decoded nonce bytes: SHA-384 for a P-384 key, "
	        "SHA-256 otherwise",
	        "expires_at", wallclock_json(ctx->now + CHALLENGE_SECONDS)));
	goto out;
fail:
	reply_problem(ctx, &p, NULL);
out:
	store_cert_view_free(&v);
}

static const char *const answer_keys[] = {"signature", NULL};

void
h_challenge_answer(struct ctx *ctx)
{
	unsigned char serial[SERIAL_LEN];
	unsigned char sig[SIGNATURE_B64_MAX];
	const char *cid = ctx_param(ctx, "id"), *sigtext = NULL;
	struct cert_view v = {0};
	struct challenge_row c;
	struct problem p;
	struct tx tx = {0};
	json_error_t jerr;
	json_t *body = NULL, *extra = NULL;
	X509 *x = NULL;
	size_t slen = 0;
	int attempts = 0, found;

	problem_clear(&p);
	if ((body = ctx_body(ctx, &p)) == NULL ||
	    ctx_known_fields(body, answer_keys, &p) == -1)
		goto fail;
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "signature", &sigtext) ==
	        -1 ||
	    strlen(sigtext) >= SIGNATURE_B64_MAX ||
	    base64_decode(sigtext, strlen(sigtext), sig, sizeof(sig), &slen) ==
	        -1) {
		problem_field(&p, "signature", "base64 of the signature");
		goto fail;
	}
	if (ctx_serial(ctx, serial, &p) == -1 ||
	    load_own(ctx, serial, &v, &p) == -1 || (x = view_cert(&v)) == NULL)
		goto fail;
	/* The subject of the certificate answers its own challenge. */
	if (tx_begin(&tx, ctx->db, ctx->now, v.app, &p) == -1 ||
	    (found = store_challenge_lock(tx_db(&tx), cid, serial, &c, &p)) ==
	        -1)
		goto fail;
	if (found == 0) {
		problem_set(
		    &p, 404, "not-found", "Not found", "No such challenge.");
		goto fail;
	}
	if (c.used || ctx->now >= c.expires_at) {
		problem_set(&p, 410, "challenge-gone", "Challenge gone",
		    "This challenge was answered or has expired; ask for a "
		    "new one.");
		goto fail;
	}
	if (c.attempts >= CHALLENGE_ATTEMPTS) {
		problem_set(&p, 429, "too-many-attempts", "Too many attempts",
		    "This challenge has no tries left; ask for a new one.");
		p.retry_after = 1;
		goto fail;
	}
	if (sigcheck_verify(X509_get0_pubkey(x), sig, slen, c.nonce,
	        sizeof(c.nonce)) == 0) {
		if (store_challenge_use(tx_db(&tx), cid, ctx->now, &p) == -1 ||
		    tx_commit(&tx, &p) == -1)
			goto fail;
		reply_json(ctx, 200,
		    json_pack("{s:b, s:s}", "valid", 1, "serial",
		        ctx_param(ctx, "serial")));
		goto out;
	}
	if (store_challenge_fail(tx_db(&tx), cid, &attempts, &p) != 1 ||
	    tx_commit(&tx, &p) == -1)
		goto fail;
	problem_field(&p, "signature",
	    "the signature does not verify with this certificate's key");
	extra = json_pack("{s:b, s:i}", "valid", 0, "attempts_left",
	    CHALLENGE_ATTEMPTS - attempts);
	reply_problem(ctx, &p, extra);
	goto out;
fail:
	reply_tx_problem(ctx, &tx, &p, NULL);
out:
	X509_free(x);
	store_cert_view_free(&v);
	json_decref(body);
}

/* /pki/:file (sandbox 0) or /sandbox/pki/:file (1). */
static void
pki_file(struct ctx *ctx, int sandbox)
{
	const char *file = ctx_param(ctx, "file");
	const char *world = sandbox ? AUTHORITY_SANDBOX : "";
	unsigned char *der = NULL;
	struct problem p;
	char name[32];
	long n = 0;
	int found;

	if (strcmp(file, "issuing.crl") == 0 ||
	    (!sandbox &&
	        (strcmp(file, "root.crl") == 0 ||
	            h_pki_crl_shard(file) >= 0))) {
		h_pki_crl(ctx, sandbox);
		return;
	}
	problem_clear(&p);
	if (strcmp(file, "root.cer") != 0 && strcmp(file, "issuing.cer") != 0) {
		problem_set(&p, 404, "not-found", "Not found", "%s",
		    sandbox ? "Served here: root.cer, issuing.cer and "
		              "issuing.crl of the sandbox's test CA."
		            : "Served here: root.cer, issuing.cer, root.crl, "
		              "issuing.crl and the shards issuing-<k>.crl.");
		goto fail;
	}
	snprintf(name, sizeof(name), "%s%s", world,
	    strcmp(file, "root.cer") == 0 ? "root" : "issuing");
	if ((found = store_ca_cert_der(ctx->db, name, &der, &n, &p)) == -1)
		goto fail;
	if (found == 0) {
		problem_set(&p, 404, "not-found", "Not found",
		    "The certificate authority has not been initialised.");
		goto fail;
	}
	http_response_take_body(
	    &ctx->resp, "application/pkix-cert", (char *)der, (size_t)n);
	der = NULL;
	http_response_add_header(
	    &ctx->resp, "Cache-Control", "public, max-age=86400");
	ctx->resp.status = 200;
	ctx->replied = 1;
	goto out;
fail:
	reply_problem(ctx, &p, NULL);
out:
	free(der);
}

void
h_pki_cert(struct ctx *ctx)
{
	pki_file(ctx, 0);
}

void
h_sandbox_pki(struct ctx *ctx)
{
	pki_file(ctx, 1);
}
