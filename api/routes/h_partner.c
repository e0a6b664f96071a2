/*
 * The partners' routes (docs/partners.md), each behind a partner API key
 * (ROUTE_PARTNER) and scoped to the partner's program: an application or
 * certificate of another program is 404, exactly as an unknown one.
 *
 *   GET  /v1/partner/applications?status=&updated_since=&after=&limit=
 *        the program's applications by (updated_at, id); next_after is
 *        the cursor of the next page.
 *   GET  /v1/partner/applications/{id}       one, with its certificates
 *   GET  /v1/partner/certificates/{serial}   a certificate's status
 *   POST /v1/partner/credentials/verify      {certificate, challenge,
 *        signature}: chain to the issuing CA, validity now, revocation,
 *        the signature over the challenge, the challenge's freshness; the
 *        credential's EPCS eligibility (api/service/credential.h) and a
 *        shared NPI in the answer.  The same challenge and signature
 *        again within the window: the stored answer, "retried": true.
 *   PUT  /v1/partner/webhook {url}           -> the signing secret
 *   GET  /v1/partner/webhook                 the URL (never the secret)
 *   GET  /v1/partner/webhook/deliveries?after=&limit=   the delivery log
 *   POST /v1/partner/invitations {email, given_name?}   mail a link;
 *        Idempotency-Key: the same key and body answer the same, another
 *        body with it is 409
 *   GET  /v1/partner/invitations?status=&after=&limit=   its invitations
 *        by (created_at, id), each queued, sent, failed, opened,
 *        expired (its link, RXCA_PARTNER_INVITE_DAYS after it was made)
 *        or applied (with the application made through its link)
 *   GET  /v1/partner/invitations/{id}        one
 *   GET  /v1/partner/vouchers                the vouchers it holds
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "api/service/app.h"
#include "api/service/authority.h"
#include "api/service/credential.h"
#include "api/service/evidence.h"
#include "api/jobs/jobkinds.h"
#include "api/jobs/jobs.h"
#include "api/routes/idem.h"
#include "api/routes/page.h"
#include "api/service/partner.h"
#include "api/routes/routes.h"
#include "api/store/store_partners.h"
#include "api/store/store_practice.h"
#include "api/store/tx.h"
#include "api/service/webhook.h"
#include "ca/sigcheck.h"
#include "common/base64.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/rand.h"
#include "common/wallclock.h"
#include "proofing/appstate.h"
#include "proofing/validate.h"

#define LIST_DEFAULT_LIMIT 50
#define LIST_MAX_LIMIT     200
#define SERIAL_LEN         16
#define CERT_PEM_MAX       (16 * 1024) /* bytes of a PEM certificate */
#define CHALLENGE_MIN      16          /* bytes of a challenge */
#define CHALLENGE_MAX      1024
#define NONCE_MIN          16   /* bytes after "<time>." */
#define SIG_MAX            1024 /* bytes of a decoded signature */
#define SECRET_BYTES       32   /* of a webhook secret */
#define INVITE_NAME_MAX    64

/* s as a JSON string, or null when the column was NULL (has 0). */
static json_t *
text_or_null(int has, const char *s)
{
	return has ? json_string(s) : json_null();
}

static json_t *
app_json(const struct partner_app_row *a)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s, s:o, s:o}, "
	                 "s:o, s:o}",
	    "id", a->id, "status", a->status, "product", a->product, "program",
	    a->program, "applicant", "given_name", a->given_name, "family_name",
	    a->family_name, "email", a->email, "npi",
	    text_or_null(a->has_npi, a->npi), "dea_number",
	    text_or_null(a->has_dea_number, a->dea_number), "created_at",
	    wallclock_json(a->created_at), "updated_at",
	    wallclock_json(a->updated_at));
}

/* Pages by (time, id): "after" is the "<unix time>:<id>" of a last row. */
static const struct page_rule timed_page = {LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT,
    PAGE_AFTER_SIZE, PAGE_AFTER_TIMED, "the next_after of the previous page"};

/* The cursor of a full page whose last row has time t (seconds) and id. */
static json_t *
timed_cursor(long long t, const char *id)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", t);
	return page_cursor_timed(buf, id);
}

static const char *const list_params[] = {
    "status", "updated_since", "after", "limit", NULL};

void
h_partner_apps(struct ctx *ctx)
{
	char status[32], since[40];
	struct partner_app_row *rows = NULL;
	struct partner_app_query q;
	enum app_status st;
	time_t since_t = 0;
	struct problem p;
	struct page pg;
	json_t *items;
	int i, n = 0;

	problem_clear(&p);
	if (ctx_known_query(ctx, list_params, &p) == -1 ||
	    ctx_query(ctx, "status", status, sizeof(status), &p) == -1 ||
	    ctx_query(ctx, "updated_since", since, sizeof(since), &p) == -1)
		goto fail;
	if (status[0] != '\0' && appstate_parse(status, &st) == -1)
		problem_field(&p, "status", "not an application status");
	if (since[0] != '\0' && wallclock_parse(since, &since_t) == -1)
		problem_field(&p, "updated_since",
		    "an RFC 3339 UTC time, e.g. 2026-01-31T12:00:00Z");
	if (page_parse(ctx, &timed_page, &pg, &p) == -1 || p.status != 0)
		goto fail;
	memset(&q, 0, sizeof(q));
	q.program = ctx->partner_program;
	q.status = status[0] != '\0' ? status : NULL;
	q.has_since = since[0] != '\0';
	q.since = since_t;
	q.after_id = pg.after_id;
	q.after_time = pg.after_time;
	q.limit = pg.limit;
	if (store_partner_app_list(ctx->db, &q, &rows, &n, &p) == -1)
		goto fail;
	items = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(items, app_json(&rows[i]));
	page_reply(ctx, items,
	    page_full(&pg, n)
	        ? timed_cursor(rows[n - 1].updated_epoch, rows[n - 1].id)
	        : NULL);
	store_partner_app_rows_free(rows);
	return;
fail:
	store_partner_app_rows_free(rows);
	reply_problem(ctx, &p, NULL);
}

static json_t *
cert_json(const struct partner_cert_row *c)
{
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "serial", c->serial,
	    "status", c->state, "not_before", wallclock_json(c->not_before),
	    "not_after", wallclock_json(c->not_after), "revoked_at",
	    wallclock_json(c->revoked_at), "revocation_reason",
	    text_or_null(c->has_revocation_reason, c->revocation_reason));
}

void
h_partner_app(struct ctx *ctx)
{
	struct partner_cert_row *certs = NULL;
	struct partner_app_row app;
	struct problem p;
	json_t *o, *list;
	int i, n = 0, found;

	problem_clear(&p);
	if ((found = store_partner_app_get(ctx->db, ctx_param(ctx, "id"),
	         ctx->partner_program, &app, &p)) == -1)
		goto fail;
	if (found == 0) {
		problem_set(
		    &p, 404, "not-found", "Not found", "No such application.");
		goto fail;
	}
	if (store_partner_app_certs(ctx->db, app.id, &certs, &n, &p) == -1)
		goto fail;
	list = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(list, cert_json(&certs[i]));
	o = app_json(&app);
	json_object_set_new(o, "certificates", list);
	reply_json(ctx, 200, o);
	goto out;
fail:
	reply_problem(ctx, &p, NULL);
out:
	store_partner_cert_rows_free(certs);
}

void
h_partner_cert(struct ctx *ctx)
{
	const char *s = ctx_param(ctx, "serial");
	unsigned char serial[SERIAL_LEN];
	struct partner_cert_row c;
	struct problem p;
	json_t *o, *ev;
	int found;

	problem_clear(&p);
	if (digest_unhex(s, serial, SERIAL_LEN) == -1)
		goto notfound;
	if ((found = store_partner_cert_get(
	         ctx->db, serial, ctx->partner_program, &c, &p)) == -1)
		goto fail;
	if (found == 0)
		goto notfound;
	if ((ev = evidence_of_cert(ctx->db, serial, &p)) == NULL)
		goto fail;
	o = cert_json(&c);
	json_object_set_new(o, "key_evidence", ev);
	json_object_set_new(o, "subject", json_string(c.subject));
	json_object_set_new(o, "application_id", json_string(c.app));
	json_object_set_new(o, "npi", text_or_null(c.has_npi, c.npi));
	json_object_set_new(
	    o, "dea_number", text_or_null(c.has_dea_number, c.dea_number));
	json_object_set_new(o, "email", json_string(c.email));
	if (credential_eligibility_into(ctx->db, c.serial, ctx->now, o, &p) ==
	    -1) {
		json_decref(o);
		goto fail;
	}
	reply_json(ctx, 200, o);
	return;
notfound:
	problem_set(&p, 404, "not-found", "Not found", "No such certificate.");
fail:
	reply_problem(ctx, &p, NULL);
}

/*
 * The chain of cert to rxca's root through the issuing CA, at now.  0, or
 * -1 with p saying which check failed (422).
 */
static int
chain_check(struct authority *auth, X509 *cert, time_t now, struct problem *p)
{
	X509_STORE *store = NULL;
	X509_STORE_CTX *vc = NULL;
	STACK_OF(X509) *untrusted = NULL;
	int rc = -1, err, depth;

	store = X509_STORE_new();
	vc = X509_STORE_CTX_new();
	untrusted = sk_X509_new_null();
	if (store == NULL || vc == NULL || untrusted == NULL ||
	    X509_STORE_add_cert(store, auth->root) != 1 ||
	    sk_X509_push(untrusted, auth->issuing) <= 0 ||
	    X509_STORE_CTX_init(vc, store, cert, untrusted) != 1) {
		problem_internal(p);
		goto out;
	}
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(vc), now);
	if (X509_verify_cert(vc) == 1) {
		rc = 0;
		goto out;
	}
	err = X509_STORE_CTX_get_error(vc);
	depth = X509_STORE_CTX_get_error_depth(vc);
	if (depth == 0 && err == X509_V_ERR_CERT_HAS_EXPIRED)
		problem_set(p, 422, "certificate-expired",
		    "Certificate expired",
		    "The certificate's validity ended before now.");
	else if (depth == 0 && err == X509_V_ERR_CERT_NOT_YET_VALID)
		problem_set(p, 422, "certificate-not-yet-valid",
		    "Certificate not yet valid",
		    "The certificate's validity has not begun.");
	else
		problem_set(p, 422, "untrusted-certificate",
		    "Not an rxca certificate",
		    "The certificate does not chain to rxca's issuing CA: %s.",
		    X509_verify_cert_error_string(err));
out:
	sk_X509_free(untrusted);
	X509_STORE_CTX_free(vc);
	X509_STORE_free(store);
	return rc;
}

/* The challenge's time ("<unix seconds>.<nonce>"); -1 with a field error. */
static int
challenge_time(const char *s, time_t *t, struct problem *p)
{
	size_t i, n = strlen(s);
	const char *dot;
	char *end;
	long long v;

	if (n < CHALLENGE_MIN || n > CHALLENGE_MAX)
		return problem_field(p, "challenge", "%d to %d bytes",
		    CHALLENGE_MIN, CHALLENGE_MAX);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return problem_field(
			    p, "challenge", "printable ASCII without spaces");
	v = strtoll(s, &end, 10);
	dot = end;
	if (end == s || *dot != '.' || v <= 0 || strlen(dot + 1) < NONCE_MIN)
		return problem_field(p, "challenge",
		    "\"<unix seconds>.<nonce of at least %d characters>\"",
		    NONCE_MIN);
	*t = (time_t)v;
	return 0;
}

static const char *const verify_keys[] = {
    "certificate", "challenge", "signature", NULL};

void
h_partner_verify(struct ctx *ctx)
{
	const char *pem = NULL, *chal = NULL, *sigtext = NULL;
	unsigned char serial[SERIAL_LEN], sig[SIG_MAX], hash[DIGEST_LEN];
	unsigned char *der = NULL;
	struct authority *auth = ctx->app->authority;
	long window = ctx->app->cfg->challenge_window;
	X509 *cert = NULL;
	BIO *bio = NULL;
	BIGNUM *bn = NULL;
	struct partner_cert_row c;
	struct problem p;
	json_error_t jerr;
	unsigned char sighash[DIGEST_LEN];
	json_t *body = NULL, *extra = NULL, *ev, *answer = NULL;
	char *msg = NULL, actor[64], sighex[2 * DIGEST_LEN + 1], seenhex[65];
	char *seen = NULL, *stored = NULL;
	time_t t = 0;
	size_t slen = 0;
	int dlen, found, shared = 0, sandbox;
	struct tx tx;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	memset(&c, 0, sizeof(c));
	if ((body = ctx_body(ctx, &p)) == NULL ||
	    ctx_known_fields(body, verify_keys, &p) == -1)
		goto fail;
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "certificate", &pem) ==
	        -1 ||
	    strlen(pem) > CERT_PEM_MAX)
		problem_field(&p, "certificate", "a PEM certificate");
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "challenge", &chal) == -1)
		problem_field(&p, "challenge", "required: a string");
	else
		challenge_time(chal, &t, &p);
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "signature", &sigtext) ==
	        -1 ||
	    base64_decode(sigtext, strlen(sigtext), sig, sizeof(sig), &slen) ==
	        -1)
		problem_field(&p, "signature", "base64 of the signature");
	if (p.status != 0)
		goto fail;
	bio = BIO_new_mem_buf(pem, (int)strlen(pem));
	if (bio == NULL ||
	    (cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
		problem_field(&p, "certificate", "not a PEM certificate");
		goto fail;
	}
	if (t < ctx->now - window || t > ctx->now + window) {
		problem_set(&p, 422, "challenge-stale", "Challenge not fresh",
		    "The challenge's time must be within %ld seconds of now.",
		    window);
		problem_field(&p, "challenge",
		    "its time is not within %ld "
		    "seconds of now",
		    window);
		goto fail;
	}
	/* A sandbox key's certificates chain to the sandbox's test CA. */
	if ((sandbox = store_app_sandbox(
	         ctx->db, ctx->partner_program, 1, &p)) == -1)
		goto fail;
	if (sandbox == 1)
		auth = ctx->app->sandbox_ca;
	if (authority_load(auth, ctx->app->cfg, ctx->db, &p) == -1 ||
	    chain_check(auth, cert, ctx->now, &p) == -1)
		goto fail;
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL)) ==
	        NULL ||
	    BN_num_bytes(bn) > SERIAL_LEN ||
	    BN_bn2binpad(bn, serial, SERIAL_LEN) != SERIAL_LEN) {
		problem_set(
		    &p, 404, "not-found", "Not found", "No such certificate.");
		goto fail;
	}
	if ((found = store_partner_cert_verify(
	         ctx->db, serial, ctx->partner_program, &c, &p)) == -1)
		goto fail;
	if (found == 0 || (dlen = i2d_X509(cert, &der)) <= 0 || c.der == NULL ||
	    c.der_len != dlen || memcmp(c.der, der, (size_t)dlen) != 0) {
		/* Unknown, another program's, or not the one recorded. */
		problem_set(
		    &p, 404, "not-found", "Not found", "No such certificate.");
		goto fail;
	}
	if (strcmp(c.state, "revoked") == 0) {
		problem_set(&p, 422, "certificate-revoked",
		    "Certificate revoked", "The certificate was revoked (%s).",
		    c.revocation_reason);
		extra = json_pack("{s:s, s:s, s:o, s:s}", "serial", c.serial,
		    "certificate_status", "revoked", "revoked_at",
		    wallclock_json(c.revoked_at), "revocation_reason",
		    c.revocation_reason);
		if (credential_eligibility_into(
		        ctx->db, c.serial, ctx->now, extra, &p) == -1) {
			json_decref(extra);
			extra = NULL;
		}
		goto fail;
	}
	if (sigcheck_verify(
	        X509_get0_pubkey(cert), sig, slen, chal, strlen(chal)) == -1) {
		problem_set(&p, 422, "signature-invalid", "Signature not valid",
		    "The signature does not verify with this certificate's "
		    "key over the challenge.");
		problem_field(&p, "signature",
		    "does not verify with the certificate's key");
		goto fail;
	}
	if ((msg = OPENSSL_malloc(
	         strlen(ctx->partner_id) + strlen(chal) + 2)) == NULL)
		abort();
	memcpy(msg, ctx->partner_id, strlen(ctx->partner_id));
	msg[strlen(ctx->partner_id)] = ':';
	memcpy(msg + strlen(ctx->partner_id) + 1, chal, strlen(chal) + 1);
	digest_sha256(msg, strlen(msg), hash);
	digest_sha256(sig, slen, sighash);
	digest_hex(sighash, DIGEST_LEN, sighex);
	/* The same challenge and signature again: the same answer. */
	if ((found = store_verify_seen(
	         ctx->db, hash, ctx->now, seenhex, &seen, &p)) == -1)
		goto fail;
	if (found == 1) {
		if (strcmp(seenhex, sighex) != 0 || seen == NULL ||
		    (answer = json_loads(seen, 0, NULL)) == NULL) {
			problem_set(&p, 409, "challenge-replayed",
			    "Challenge replayed",
			    "This challenge was verified before with another "
			    "signature; choose a new one for each "
			    "verification.");
			goto fail;
		}
		json_object_set_new(answer, "retried", json_true());
		reply_json(ctx, 200, answer);
		answer = NULL;
		goto out;
	}
	if ((ev = evidence_of_cert(ctx->db, serial, &p)) == NULL)
		goto fail;
	answer = json_pack(
	    "{s:b, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:o, s:o}", "valid",
	    1, "status", "good", "serial", c.serial, "subject", c.subject,
	    "application_id", c.app, "npi", text_or_null(c.has_npi, c.npi),
	    "dea_number", text_or_null(c.has_dea_number, c.dea_number), "email",
	    c.email, "not_before", wallclock_json(c.not_before), "not_after",
	    wallclock_json(c.not_after), "key_evidence", ev);
	if (credential_eligibility_into(
	        ctx->db, c.serial, ctx->now, answer, &p) == -1)
		goto fail;
	snprintf(actor, sizeof(actor), "partner:%s", ctx->partner_id);
	if (tx_begin(&tx, ctx->db, ctx->now, actor, &p) == -1 ||
	    (shared = store_npi_shared_flag(tx_db(&tx), c.app, ctx->now, &p)) ==
	        -1)
		goto fail;
	json_object_set_new(answer, "npi_shared", json_boolean(shared > 0));
	json_object_set_new(answer, "warnings",
	    shared > 0 ? json_pack("[s]", "npi_shared") : json_array());
	if (shared > 0) {
		json_t *d = json_pack("{s:s, s:i}", "serial", c.serial,
		    "other_applications", shared);
		int rc = tx_audit(&tx, "credential.npi_shared", c.app, d, &p);

		json_decref(d);
		if (rc == -1)
			goto fail;
	}
	stored = json_dumps(answer, JSON_COMPACT);
	if (store_verify_insert(tx_db(&tx), hash, ctx->partner_id, ctx->now,
	        (t > ctx->now ? t : ctx->now) + window, sighash, stored,
	        &p) == -1) {
		if (p.status == 409)
			problem_set(&p, 409, "challenge-replayed",
			    "Challenge replayed",
			    "This challenge was verified before; choose a new "
			    "one for each verification.");
		goto fail;
	}
	if (tx_commit(&tx, &p) == -1)
		goto fail;
	json_object_set_new(answer, "retried", json_false());
	reply_json(ctx, 200, answer);
	answer = NULL;
	goto out;
fail:
	reply_tx_problem(ctx, &tx, &p, extra);
	extra = NULL;
out:
	json_decref(extra);
	json_decref(answer);
	free(seen);
	free(stored);
	json_decref(body);
	OPENSSL_free(msg);
	OPENSSL_free(der);
	store_partner_cert_row_free(&c);
	BN_free(bn);
	X509_free(cert);
	BIO_free(bio);
}

static const char *const hook_keys[] = {"url", NULL};

void
h_partner_hook_put(struct ctx *ctx)
{
	char secret[SECRET_BYTES * 2], actor[64];
	const char *url = NULL;
	struct problem p;
	json_error_t jerr;
	json_t *body = NULL, *details;
	struct tx tx;
	int rc;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	secret[0] = '\0';
	if ((body = ctx_body(ctx, &p)) == NULL ||
	    ctx_known_fields(body, hook_keys, &p) == -1)
		goto fail;
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "url", &url) == -1) {
		problem_field(&p, "url", "required: the receiver's URL");
		goto fail;
	}
	if (webhook_url_check(url, ctx->app->cfg->webhook_allow_private,
	        ctx->app->cfg->test_resolve_file, &p) == -1)
		goto fail;
	rand_token(SECRET_BYTES, secret, sizeof(secret));
	snprintf(actor, sizeof(actor), "partner:%s", ctx->partner_id);
	if (tx_begin(&tx, ctx->db, ctx->now, actor, &p) == -1 ||
	    store_partner_hook_put(
	        tx_db(&tx), ctx->partner_id, url, secret, ctx->now, &p) == -1)
		goto fail;
	details = json_pack("{s:s}", "url", url);
	rc = tx_audit(&tx, "partner.webhook_set", ctx->partner_id, details, &p);
	json_decref(details);
	/* Events waiting for a receiver go to the new one. */
	if (rc == -1 ||
	    webhook_kick(tx_db(&tx), ctx->partner_id, NULL, ctx->now, &p) ==
	        -1 ||
	    tx_commit(&tx, &p) == -1)
		goto fail;
	reply_json(ctx, 200,
	    json_pack("{s:s, s:s, s:s, s:s, s:o}", "url", url, "secret", secret,
	        "signature_header", "Rxca-Signature", "signature_scheme",
	        "t=<unix seconds>,v1=hex(HMAC-SHA256(secret, \"<t>.<body>\"))",
	        "updated_at", wallclock_json(ctx->now)));
	goto out;
fail:
	reply_tx_problem(ctx, &tx, &p, NULL);
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	json_decref(body);
}

void
h_partner_hook_get(struct ctx *ctx)
{
	struct partner_hook_row h;
	struct problem p;
	int found;

	problem_clear(&p);
	if ((found = store_partner_hook_get(
	         ctx->db, ctx->partner_id, &h, &p)) == -1)
		goto fail;
	if (found == 0) {
		problem_set(&p, 404, "not-found", "Not found",
		    "No webhook is set; PUT one.");
		goto fail;
	}
	reply_json(ctx, 200,
	    json_pack("{s:s, s:o, s:s, s:o, s:o}", "url", h.url, "updated_at",
	        wallclock_json(h.updated_at), "secret_id", h.secret_id,
	        "old_secret_id",
	        text_or_null(
	            h.old_secret_id[0] != '\0' && h.old_secret_until > ctx->now,
	            h.old_secret_id),
	        "old_secret_until",
	        h.old_secret_until > ctx->now
	            ? wallclock_json(h.old_secret_until)
	            : json_null()));
	return;
fail:
	reply_problem(ctx, &p, NULL);
}

static const char *const delivery_params[] = {"after", "limit", NULL};
static const struct page_rule delivery_page = {LIST_DEFAULT_LIMIT,
    LIST_MAX_LIMIT, 24, PAGE_AFTER_NUMBER,
    "the next_after of the previous page"};

static json_t *
delivery_json(const struct partner_delivery_row *d)
{
	json_t *o, *ids = json_array();
	char buf[sizeof(d->secret_ids)], *s, *next;

	/* Which secrets signed the try: their ids, never the secrets. */
	snprintf(buf, sizeof(buf), "%s", d->secret_ids);
	for (s = buf; *s != '\0'; s = next) {
		if ((next = strchr(s, ',')) != NULL)
			*next++ = '\0';
		else
			next = s + strlen(s);
		json_array_append_new(ids, json_string(s));
	}
	o = json_pack("{s:s, s:s, s:s, s:i, s:o, s:o, s:o, s:i, s:s, s:s}",
	    "id", d->id, "event_id", d->event_id, "type", d->type, "attempt",
	    d->attempt, "at", wallclock_json(d->at), "http_status",
	    d->has_http_status ? json_integer(d->http_status) : json_null(),
	    "error", text_or_null(d->has_error, d->error), "duration_ms",
	    d->duration_ms, "outcome", d->outcome, "event_state",
	    d->event_state);
	json_object_set_new(o, "signed_with", ids);
	json_object_set_new(o, "redelivery", json_boolean(d->redelivery));
	json_object_set_new(o, "sequence", json_integer(d->sequence));
	return o;
}

void
h_partner_deliveries(struct ctx *ctx)
{
	struct partner_delivery_row *rows = NULL;
	struct problem p;
	struct page pg;
	json_t *items;
	int i, n = 0;

	problem_clear(&p);
	if (ctx_known_query(ctx, delivery_params, &p) == -1 ||
	    page_parse(ctx, &delivery_page, &pg, &p) == -1 ||
	    store_partner_delivery_list(ctx->db, ctx->partner_id,
	        pg.after[0] != '\0', pg.after_number, pg.limit, &rows, &n,
	        &p) == -1)
		goto fail;
	items = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(items, delivery_json(&rows[i]));
	page_reply(
	    ctx, items, page_full(&pg, n) ? json_string(rows[n - 1].id) : NULL);
	store_partner_delivery_rows_free(rows);
	return;
fail:
	store_partner_delivery_rows_free(rows);
	reply_problem(ctx, &p, NULL);
}

static const char *const invite_keys[] = {"email", "given_name", NULL};

/* The answer of POST /v1/partner/invitations, the same for a replay. */
static json_t *
invite_created_json(const char *id, const char *email, const char *program,
    time_t created, time_t expires)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "id", id, "email",
	    email, "program", program, "status", "queued", "created_at",
	    wallclock_json(created), "expires_at", wallclock_json(expires));
}

/* The answer of a replayed Idempotency-Key: invitation id's. */
static json_t *
invite_answer(struct ctx *ctx, struct db *db, const char *id, struct problem *p)
{
	struct partner_invitation_row v;
	int found;

	if ((found = store_partner_invitation_get(
	         db, ctx->now, id, ctx->partner_id, &v, p)) != 1) {
		if (found == 0)
			problem_internal(p);
		return NULL;
	}
	return invite_created_json(
	    v.id, v.email, ctx->partner_program, v.created_at, v.expires_at);
}

static const struct idem_route invite_idem = {
    "invitations", 202, invite_answer};

void
h_partner_invite(struct ctx *ctx)
{
	const char *email = NULL, *given = NULL;
	char id[32], actor[64], lower[256], *payload = NULL;
	struct partner_row partner;
	long long sent = 0;
	time_t expires;
	struct problem p;
	json_error_t jerr;
	json_t *body = NULL, *o;
	struct idem ik;
	struct tx tx;
	size_t i;
	int rc;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	if (idem_start(ctx, &invite_idem, &ik, &p) == -1 ||
	    (body = ctx_body(ctx, &p)) == NULL ||
	    ctx_known_fields(body, invite_keys, &p) == -1)
		goto fail;
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "email", &email) == -1 ||
	    strlen(email) >= sizeof(lower) || !validate_email(email))
		problem_field(&p, "email", "an e-mail address");
	if (json_unpack_ex(body, &jerr, 0, "{s?s}", "given_name", &given) ==
	        -1 ||
	    (given != NULL &&
	        (strlen(given) > INVITE_NAME_MAX || !validate_name(given))))
		problem_field(&p, "given_name", "a name of at most %d bytes",
		    INVITE_NAME_MAX);
	if (p.status != 0)
		goto fail;
	for (i = 0; email[i] != '\0'; i++)
		lower[i] = (char)(email[i] >= 'A' && email[i] <= 'Z'
		        ? email[i] - 'A' + 'a'
		        : email[i]);
	lower[i] = '\0';
	if ((rc = idem_replay(ctx, &ik, &p)) == -1)
		goto fail;
	if (rc == 1)
		goto out;
	snprintf(actor, sizeof(actor), "partner:%s", ctx->partner_id);
	rand_id("inv_", id, sizeof(id));
	/* The partner's row lock serialises its invitations for the limit
	 * and for a key sent twice at once. */
	if (tx_begin(&tx, ctx->db, ctx->now, actor, &p) == -1 ||
	    store_partner_by_id(tx_db(&tx), ctx->partner_id, 1, &partner, &p) ==
	        -1)
		goto fail;
	if ((rc = idem_claim(ctx, &ik, &tx, id, &p)) == -1)
		goto fail;
	if (rc == 1)
		goto out;
	if (store_partner_invitation_count(
	        tx_db(&tx), ctx->partner_id, ctx->now - 3600, &sent, &p) == -1)
		goto fail;
	if (sent >= ctx->app->cfg->invite_limit) {
		problem_set(&p, 429, "rate-limited", "Too many requests",
		    "At most %d invitations an hour; try again later.",
		    ctx->app->cfg->invite_limit);
		p.retry_after = 600;
		goto fail;
	}
	expires = ctx->now + (time_t)ctx->app->cfg->invite_days * 86400;
	if (store_partner_invitation_insert(tx_db(&tx), id, ctx->partner_id,
	        lower, ctx->now, expires, &p) == -1)
		goto fail;
	o = json_pack("{s:s, s:s, s:s, s:s?}", "invitation", id, "email", lower,
	    "program", ctx->partner_program, "given_name", given);
	payload = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	o = json_pack("{s:s}", "program", ctx->partner_program);
	rc = tx_audit(&tx, "partner.invitation", id, o, &p);
	json_decref(o);
	if (rc == -1 ||
	    jobs_add(tx_db(&tx), ctx->app->cfg, JOB_EMAIL_INVITATION, NULL,
	        payload, ctx->now, &p) == -1 ||
	    tx_commit(&tx, &p) == -1)
		goto fail;
	reply_json(ctx, 202,
	    invite_created_json(
	        id, lower, ctx->partner_program, ctx->now, expires));
	goto out;
fail:
	reply_tx_problem(ctx, &tx, &p, NULL);
out:
	free(payload);
	json_decref(body);
}

/*
 * An invitation as the partner sees it (its status from the store:
 * applied, opened, sent, queued or failed), with the application made
 * through its link once there is one.
 */
static json_t *
invitation_json(const struct partner_invitation_row *v)
{
	json_t *failed_at = json_null();

	if (strcmp(v->status, "failed") == 0 && v->has_job)
		failed_at = wallclock_json(v->job_updated_at);
	return json_pack(
	    "{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:i, s:o, s:o, s:o}", "id",
	    v->id, "email", v->email, "status", v->status, "created_at",
	    wallclock_json(v->created_at), "expires_at",
	    wallclock_json(v->expires_at), "sent_at",
	    wallclock_json(v->sent_at), "failed_at", failed_at, "attempts",
	    v->has_job ? v->job_attempts : 0, "opened_at",
	    wallclock_json(v->opened_at), "applied_at",
	    wallclock_json(v->applied_at), "application_id",
	    text_or_null(v->application_id[0] != '\0', v->application_id));
}

static const char *const invitation_params[] = {
    "status", "after", "limit", NULL};
static const char *const invitation_statuses[] = {
    "any", "queued", "sent", "failed", "opened", "expired", "applied", NULL};
static const struct page_filter invitation_filter = {"status",
    invitation_statuses, NULL, "any",
    "any, queued, sent, failed, opened, expired or applied"};

void
h_partner_invitations(struct ctx *ctx)
{
	struct partner_invitation_row *rows = NULL;
	char status[16];
	struct problem p;
	struct page pg;
	json_t *items;
	int i, n = 0;

	problem_clear(&p);
	if (page_parse_filtered(ctx, invitation_params, &invitation_filter,
	        status, sizeof(status), &timed_page, &pg, &p) == -1 ||
	    store_partner_invitation_list(ctx->db, ctx->now, ctx->partner_id,
	        pg.after_id, pg.after_time, pg.limit,
	        strcmp(status, "any") != 0 ? status : NULL, &rows, &n,
	        &p) == -1)
		goto fail;
	items = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(items, invitation_json(&rows[i]));
	page_reply(ctx, items,
	    page_full(&pg, n)
	        ? timed_cursor(rows[n - 1].created_epoch, rows[n - 1].id)
	        : NULL);
	store_partner_invitation_rows_free(rows);
	return;
fail:
	store_partner_invitation_rows_free(rows);
	reply_problem(ctx, &p, NULL);
}

void
h_partner_invitation(struct ctx *ctx)
{
	struct partner_invitation_row v;
	struct problem p;
	int found;

	problem_clear(&p);
	if ((found = store_partner_invitation_get(ctx->db, ctx->now,
	         ctx_param(ctx, "id"), ctx->partner_id, &v, &p)) == -1)
		goto fail;
	if (found == 0) {
		problem_set(
		    &p, 404, "not-found", "Not found", "No such invitation.");
		goto fail;
	}
	reply_json(ctx, 200, invitation_json(&v));
	return;
fail:
	reply_problem(ctx, &p, NULL);
}

json_t *
partner_voucher_json(const struct partner_voucher_row *v, const char *code)
{
	return json_pack("{s:s, s:I, s:o, s:o, s:o}", "code", code,
	    "amount_cents", (json_int_t)v->amount_cents, "created_at",
	    wallclock_json(v->created_at), "redeemed_by",
	    text_or_null(v->has_redeemed_by, v->redeemed_by), "redeemed_at",
	    wallclock_json(v->redeemed_at));
}

void
h_partner_vouchers(struct ctx *ctx)
{
	struct partner_voucher_row *rows = NULL;
	struct problem p;
	json_t *items;
	int i, n = 0;

	problem_clear(&p);
	if (store_partner_voucher_list(
	        ctx->db, ctx->partner_id, &rows, &n, &p) == -1) {
		reply_problem(ctx, &p, NULL);
		return;
	}
	items = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(
		    items, partner_voucher_json(&rows[i], rows[i].code));
	reply_json(ctx, 200, json_pack("{s:o}", "items", items));
	store_partner_voucher_rows_free(rows);
}
