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

#include "api/app.h"
#include "api/db.h"
#include "api/routes.h"
#include "api/store_ca.h"
#include "ca/sigcheck.h"
#include "common/base64.h"
#include "common/rand.h"
#include "common/xmalloc.h"

#define SERIAL_LEN         16
#define CERT_DER_MAX       (16 * 1024)
#define NONCE_LEN          32
#define CHALLENGE_SECONDS  300
#define CHALLENGE_ATTEMPTS 3
#define SIGNATURE_B64_MAX  2048

/*
 * Loads certificate serial (row of sql_cert_get into *r) and checks that
 * the caller may see it: its subject's session or an operator.  Someone
 * else's certificate is 404, as an unknown one is.
 */
static int
load_own(struct ctx *ctx, const unsigned char *serial, PGresult **r,
    struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_bytea(&a, serial, SERIAL_LEN);
	*r = db_exec(ctx->db, &sql_cert_get, &a, p);
	dbargs_free(&a);
	if (*r == NULL)
		return -1;
	if (PQntuples(*r) != 1 ||
	    (ctx->operator_id[0] == '\0' &&
	        strcmp(db_get(*r, 0, 1), ctx->session_app) != 0))
		return problem_set(
		    p, 404, "not-found", "Not found", "No such certificate.");
	return 0;
}

static X509 *
row_cert(const PGresult *r, int col)
{
	unsigned char *buf = xmalloc(CERT_DER_MAX);
	const unsigned char *q = buf;
	X509 *x = NULL;
	long n;

	if ((n = db_get_bytea(r, 0, col, buf, CERT_DER_MAX)) > 0)
		x = d2i_X509(NULL, &q, n);
	free(buf);
	return x;
}

void
h_certificate_get(struct ctx *ctx)
{
	unsigned char serial[SERIAL_LEN];
	PGresult *r = NULL;
	struct problem p;
	X509 *x = NULL;
	BIO *b = NULL;
	char *data;
	long n;

	problem_clear(&p);
	if (ctx_serial(ctx, serial, &p) == -1 ||
	    load_own(ctx, serial, &r, &p) == -1)
		goto fail;
	if ((x = row_cert(r, 4)) == NULL ||
	    (b = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509(b, x) != 1) {
		problem_internal(&p);
		goto fail;
	}
	n = BIO_get_mem_data(b, &data);
	reply_json(ctx, 200,
	    json_pack("{s:s, s:s, s:s, s:s, s:s%, s:o, s:o, s:o, s:s}",
	        "serial", ctx_param(ctx, "serial"), "application_id",
	        db_get(r, 0, 1), "subject", db_get(r, 0, 2), "status",
	        db_get(r, 0, 3), "certificate", data, (size_t)n, "not_before",
	        reply_time(db_get_time(r, 0, 5)), "not_after",
	        reply_time(db_get_time(r, 0, 6)), "issued_at",
	        reply_time(db_get_time(r, 0, 7)), "issuer", db_get(r, 0, 8)));
	goto out;
fail:
	reply_problem(ctx, &p, NULL);
out:
	BIO_free(b);
	X509_free(x);
	PQclear(r);
}

void
h_challenge_new(struct ctx *ctx)
{
	unsigned char serial[SERIAL_LEN], nonce[NONCE_LEN];
	char id[32], b64[NONCE_LEN * 2];
	PGresult *r = NULL;
	struct problem p;
	struct dbargs a;
	int rc;

	problem_clear(&p);
	if (ctx_serial(ctx, serial, &p) == -1 ||
	    load_own(ctx, serial, &r, &p) == -1)
		goto fail;
	if (strcmp(db_get(r, 0, 3), "issued") != 0) {
		problem_set(&p, 409, "not-issued", "Not usable",
		    "This certificate is %s.", db_get(r, 0, 3));
		goto fail;
	}
	rand_id("chl_", id, sizeof(id));
	rand_fill(nonce, sizeof(nonce));
	dbargs_init(&a);
	dbargs_text(&a, id);
	dbargs_bytea(&a, serial, sizeof(serial));
	dbargs_bytea(&a, nonce, sizeof(nonce));
	dbargs_time(&a, ctx->now);
	dbargs_time(&a, ctx->now + CHALLENGE_SECONDS);
	rc = db_run(ctx->db, &sql_chal_insert, &a, &p);
	dbargs_free(&a);
	if (rc == -1)
		goto fail;
	EVP_EncodeBlock((unsigned char *)b64, nonce, sizeof(nonce));
	reply_json(ctx, 201,
	    json_pack("{s:s, s:s, s:s, s:o}", "id", id, "nonce", b64, "digest",
	        "sign the decoded nonce bytes: SHA-384 for a P-384 key, "
	        "SHA-256 otherwise",
	        "expires_at", reply_time(ctx->now + CHALLENGE_SECONDS)));
	goto out;
fail:
	reply_problem(ctx, &p, NULL);
out:
	PQclear(r);
}

static const char *const answer_keys[] = {"signature", NULL};

void
h_challenge_answer(struct ctx *ctx)
{
	unsigned char serial[SERIAL_LEN], nonce[NONCE_LEN];
	unsigned char sig[SIGNATURE_B64_MAX];
	const char *cid = ctx_param(ctx, "id"), *sigtext = NULL;
	PGresult *r = NULL, *c = NULL;
	struct problem p;
	struct dbargs a;
	json_error_t jerr;
	json_t *body = NULL, *extra = NULL;
	X509 *x = NULL;
	size_t slen = 0;
	int attempts, commit = 0;

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
	    load_own(ctx, serial, &r, &p) == -1 || (x = row_cert(r, 4)) == NULL)
		goto fail;
	if (db_begin(ctx->db, &p) == -1)
		goto fail;
	dbargs_init(&a);
	dbargs_text(&a, cid);
	dbargs_bytea(&a, serial, sizeof(serial));
	c = db_exec(ctx->db, &sql_chal_lock, &a, &p);
	dbargs_free(&a);
	if (c == NULL)
		goto fail;
	if (PQntuples(c) != 1) {
		problem_set(
		    &p, 404, "not-found", "Not found", "No such challenge.");
		goto fail;
	}
	if (db_get(c, 0, 3) != NULL || ctx->now >= db_get_time(c, 0, 2)) {
		problem_set(&p, 410, "challenge-gone", "Challenge gone",
		    "This challenge was answered or has expired; ask for a "
		    "new one.");
		goto fail;
	}
	if (db_get_int(c, 0, 1) >= CHALLENGE_ATTEMPTS) {
		problem_set(&p, 429, "too-many-attempts", "Too many attempts",
		    "This challenge has no tries left; ask for a new one.");
		p.retry_after = 1;
		goto fail;
	}
	if (db_get_bytea(c, 0, 0, nonce, sizeof(nonce)) != NONCE_LEN) {
		problem_internal(&p);
		goto fail;
	}
	dbargs_init(&a);
	dbargs_text(&a, cid);
	if (sigcheck_verify(
	        X509_get0_pubkey(x), sig, slen, nonce, sizeof(nonce)) == 0) {
		dbargs_time(&a, ctx->now);
		commit = db_run(ctx->db, &sql_chal_use, &a, &p) == 0;
		dbargs_free(&a);
		if (!commit || db_commit(ctx->db, &p) == -1)
			goto fail;
		reply_json(ctx, 200,
		    json_pack("{s:b, s:s}", "valid", 1, "serial",
		        ctx_param(ctx, "serial")));
		goto out;
	}
	PQclear(r);
	r = db_exec(ctx->db, &sql_chal_fail, &a, &p);
	dbargs_free(&a);
	if (r == NULL || db_commit(ctx->db, &p) == -1)
		goto fail;
	attempts = (int)db_get_int(r, 0, 0);
	problem_field(&p, "signature",
	    "the signature does not verify with this certificate's key");
	extra = json_pack("{s:b, s:i}", "valid", 0, "attempts_left",
	    CHALLENGE_ATTEMPTS - attempts);
	reply_problem(ctx, &p, extra);
	goto out;
fail:
	db_rollback(ctx->db);
	reply_problem(ctx, &p, NULL);
out:
	X509_free(x);
	PQclear(c);
	PQclear(r);
	json_decref(body);
}

void
h_pki_cert(struct ctx *ctx)
{
	const char *file = ctx_param(ctx, "file");
	unsigned char *der = NULL;
	PGresult *r = NULL;
	struct problem p;
	struct dbargs a;
	long n;

	if (strcmp(file, "issuing.crl") == 0 || strcmp(file, "root.crl") == 0) {
		h_pki_crl(ctx);
		return;
	}
	problem_clear(&p);
	if (strcmp(file, "root.cer") != 0 && strcmp(file, "issuing.cer") != 0) {
		problem_set(&p, 404, "not-found", "Not found",
		    "Served here: root.cer, issuing.cer, root.crl and issuing.crl.");
		goto fail;
	}
	dbargs_init(&a);
	dbargs_text(&a, strcmp(file, "root.cer") == 0 ? "root" : "issuing");
	r = db_exec(ctx->db, &sql_ca_der, &a, &p);
	dbargs_free(&a);
	if (r == NULL)
		goto fail;
	if (PQntuples(r) != 1) {
		problem_set(&p, 404, "not-found", "Not found",
		    "The certificate authority has not been initialised.");
		goto fail;
	}
	der = xmalloc(CERT_DER_MAX);
	if ((n = db_get_bytea(r, 0, 0, der, CERT_DER_MAX)) <= 0) {
		problem_internal(&p);
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
	PQclear(r);
}
