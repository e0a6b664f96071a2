/*
 * Retrieval and password reset (docs/certificates.md, docs/proofing.md):
 *
 *   POST /v1/retrievals  {"activation_code", "password", "csr",
 *        "key_evidence"?}
 *        anyone holding the kit's activation code and the account
 *        password: the certificate for the CSR's key.  key_evidence
 *        (api/service/evidence.h) is held to what the product requires
 *        (422 on field key_evidence) and recorded with the certificate.
 *        Exactly one
 *        certificate per kit: the same key again gets the same certificate
 *        (200), another key 409.  The certificate's row (serial, the
 *        linted certificate before its signature) commits before it is
 *        signed; a retry after a crash signs that same row, and a retry
 *        with another key abandons it (published as revoked, superseded)
 *        and is issued.
 *   POST /v1/password-resets  {"activation_code" | "application_id" and
 *        "reset_code", "answers": [three answers, in the order of the
 *        questions], "new_password"}
 *        igc policy only: the kit's activation code, or for an
 *        application without a kit an e-mailed reset code, and all secret
 *        answers.  Failures are throttled per (application, client
 *        address) and per account as log-ins are (api/routes/h_sessions.c); an
 *        unknown code or id is answered and costs exactly like a wrong
 *        answer.
 *   POST /v1/password-resets/codes  {"application_id" | "email"}
 *        always 202: mails a reset code to a verified address of an
 *        application without a kit.
 */
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
#include "api/jobs/jobkinds.h"
#include "api/jobs/jobs.h"
#include "api/service/pki.h"
#include "api/routes/routes.h"
#include "api/service/sandbox.h"
#include "api/store/store_issue.h"
#include "api/service/throttle.h"
#include "api/store/tx.h"
#include "api/service/webhook.h"
#include "ca/actcode.h"
#include "ca/csr.h"
#include "ca/lint.h"
#include "ca/profile.h"
#include "ca/signer.h"
#include "common/logger.h"
#include "common/xmalloc.h"
#include "proofing/emailcode.h"
#include "proofing/secret.h"
#include "proofing/validate.h"

static int
invalid_credentials(struct problem *p)
{
	return problem_set(p, 401, "invalid-credentials", "Not accepted",
	    "The activation code or the password is wrong.");
}

struct retrieval {
	char code_norm[ACTCODE_CHARS + 1]; /* the activation code */
	int legacy;                        /* ...with the legacy check */
	const char *password;              /* borrowed from the body */
	X509_REQ *csr;                     /* parsed, signature checked */
	struct evidence_row ev;            /* key_evidence, checked */
	unsigned char spki[32];            /* SHA-256 of its key */
	char kit[48], app[48];             /* from the kit */
	struct profile_subject subj;       /* from the application */
	char given[128], middle[128], family[128], email[256];
	struct issue is; /* the certificate being issued */
	int created;     /* 201 rather than 200 */
	int have_cert;   /* tbs holds the signed DER */
};

static const char *const retrieval_keys[] = {
    "activation_code", "password", "csr", "key_evidence", NULL};

/* Reads and checks the body into rv (no database). */
static int
retrieval_parse(
    struct ctx *ctx, json_t *body, struct retrieval *rv, struct problem *p)
{
	const char *code = NULL, *csr = NULL;
	json_error_t jerr;
	int form = -1;

	if (ctx_known_fields(body, retrieval_keys, p) == -1)
		return -1;
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "activation_code", &code) ==
	        -1 ||
	    (form = actcode_normalize(code, rv->code_norm)) == -1)
		problem_field(p, "activation_code",
		    "not an activation code: check it against the letter");
	rv->legacy = form == ACTCODE_LEGACY;
	if (json_unpack_ex(
	        body, &jerr, 0, "{s:s}", "password", &rv->password) == -1 ||
	    strlen(rv->password) > 4 * BOUND_PASSWORD_MAX)
		problem_field(p, "password", "required: the account password");
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "csr", &csr) == -1)
		problem_field(p, "csr", "required: a PEM PKCS#10 request");
	if (p->status != 0)
		return -1;
	if ((rv->csr = csr_parse(csr, strlen(csr), p)) == NULL ||
	    csr_key_check(X509_REQ_get0_pubkey(rv->csr), p) == -1 ||
	    csr_spki_sha256(X509_REQ_get0_pubkey(rv->csr), rv->spki) == -1 ||
	    evidence_parse(ctx->app->cfg, json_object_get(body, "key_evidence"),
	        X509_REQ_get0_pubkey(rv->csr), ctx->now, &rv->ev, p) == -1)
		return -1;
	return 0;
}

/* The subject of the certificate, from the verified application. */
static void
subject_from(const struct kit_row *k, struct retrieval *rv)
{
	snprintf(rv->given, sizeof(rv->given), "%s", k->subject.given);
	snprintf(rv->middle, sizeof(rv->middle), "%s", k->subject.middle);
	snprintf(rv->family, sizeof(rv->family), "%s", k->subject.family);
	snprintf(rv->email, sizeof(rv->email), "%s", k->subject.email);
	rv->subj.given_name = rv->given;
	rv->subj.middle_name = rv->middle[0] != '\0' ? rv->middle : NULL;
	rv->subj.family_name = rv->family;
	rv->subj.email = rv->email;
	rv->subj.hardware = k->subject.hardware;
}

static int
kit_locked(struct problem *p)
{
	return problem_set(p, 403, "kit-locked", "Kit locked",
	    "This kit is locked.  Call the CA: an operator can issue a new "
	    "letter.");
}

/* 0 if kit k may be used at now, else -1 with p set. */
static int
kit_usable(const struct kit_row *k, time_t now, struct problem *p)
{
	if (strcmp(k->state, "locked") == 0)
		return kit_locked(p);
	if (now >= k->expires_at)
		return problem_set(p, 410, "kit-expired", "Kit expired",
		    "This activation code has expired.");
	return 0;
}

/* A wrong password: counted, and the kit locked at the limit, in a unit
 * of work of its own. */
static int
wrong_password(
    struct ctx *ctx, const struct kit_row *k, struct problem *p, json_t **extra)
{
	const struct config *c = ctx->app->cfg;
	struct tx tx;
	json_t *details;
	int attempts, locked, counted, rc;

	if (tx_begin(&tx, ctx->db, ctx->now, k->app, p) == -1)
		return -1;
	if ((counted = store_kit_fail(tx_db(&tx), k->id, ctx->now,
	         c->retrieval_attempts, &attempts, &locked, p)) == -1) {
		tx_abort(&tx);
		return -1;
	}
	if (!counted) {
		/* Locked by another wrong password meanwhile. */
		tx_abort(&tx);
		return kit_locked(p);
	}
	details =
	    json_pack("{s:i, s:b}", "attempts", attempts, "locked", locked);
	rc = tx_audit(&tx, locked ? "kit.locked" : "kit.password_failed", k->id,
	    details, p);
	json_decref(details);
	if (rc == -1 || tx_commit(&tx, p) == -1) {
		tx_abort(&tx);
		return -1;
	}
	if (locked)
		return problem_set(p, 403, "kit-locked", "Kit locked",
		    "Too many wrong passwords: this kit is locked.  Call the "
		    "CA: an operator can issue a new letter.");
	*extra = json_pack(
	    "{s:i}", "attempts_left", c->retrieval_attempts - attempts);
	return invalid_credentials(p);
}

/*
 * The kit of the activation code, and the password checked against it
 * before any unit of work begins (Argon2id holds no lock).  0 with *k
 * filled, or -1 with p set.
 */
static int
retrieval_login(struct ctx *ctx, struct retrieval *rv, struct kit_row *k,
    json_t **extra, struct problem *p)
{
	unsigned char hash[32];
	int found;

	actcode_hash(rv->code_norm, hash);
	if ((found = store_kit_by_code(ctx->db, hash, 0, k, p)) == -1)
		return -1;
	/* A code with only the legacy check symbol that no kit has is a
	 * mistyped code, not one printed before 2026-12 (ca/actcode.h). */
	if (!found && rv->legacy)
		return problem_field(p, "activation_code",
		    "not an activation code: check it against the letter");
	if (!found)
		return invalid_credentials(p);
	if (kit_usable(k, ctx->now, p) == -1)
		return -1;
	if (secret_verify(
	        k->password_hash, rv->password, strlen(rv->password)) != 1) {
		(void)wrong_password(ctx, k, p, extra);
		return -1;
	}
	return 0;
}

/*
 * The OCSP answers of a reservation to abandon, signed before the unit of
 * work that abandons it (nothing is signed inside one).
 */
struct abandon_pre {
	int ready;                            /* o is for serial */
	int have;                             /* o holds answers (else the
	                                         refresh job signs them) */
	unsigned char serial[PKI_SERIAL_LEN]; /* what o is for */
	unsigned char want[PKI_SERIAL_LEN];   /* RETRIEVAL_SIGN_FIRST: this */
	int last;          /* no more signing: a reservation other than
	                      serial is abandoned with no answers */
	struct pki_ocsp o; /* pki_abandon_sign's */
};

/* retrieval_tx: sign the answers of ab->want first, then try again. */
#define RETRIEVAL_SIGN_FIRST 2

/*
 * The unit of work that records: the kit again, locked, then either the
 * certificate that exists for this kit or a new row for one.  0, with
 * rv holding the serial and the unsigned certificate to sign (or to find
 * signed); RETRIEVAL_SIGN_FIRST (nothing written) if a reservation is to
 * be abandoned whose answers ab does not hold; -1 with p set.
 */
static int
retrieval_tx(struct ctx *ctx, struct authority *auth, struct retrieval *rv,
    const struct kit_row *seen, struct abandon_pre *ab, struct problem *p)
{
	unsigned char hash[32];
	struct kit_row k;
	struct cert_row c;
	struct tx tx;
	int rc = -1, abandon = 0, n, found, have, used;

	memset(&c, 0, sizeof(c));
	memset(&k, 0, sizeof(k));
	actcode_hash(rv->code_norm, hash);
	if (tx_begin(&tx, ctx->db, ctx->now, seen->app, p) == -1)
		goto out;
	/* With the kit locked, in the same round trip: the kit's certificate
	 * and issue_record's checks (the application's world is the kit
	 * row's: it never changes; whether the key is certified already). */
	if ((found = store_kit_lock_cert(tx_db(&tx), hash, seen->id, rv->spki,
	         &k, &c, &have, &used, p)) == -1)
		goto out;
	/* The password was checked against the kit as it was: it must
	 * still be that kit and that password. */
	if (!found || strcmp(k.id, seen->id) != 0 ||
	    strcmp(k.password_hash, seen->password_hash) != 0) {
		invalid_credentials(p);
		goto out;
	}
	if (kit_usable(&k, ctx->now, p) == -1)
		goto out;
	snprintf(rv->kit, sizeof(rv->kit), "%s", k.id);
	snprintf(rv->app, sizeof(rv->app), "%s", k.app);
	subject_from(&k, rv);
	rv->is.app = rv->app;
	rv->is.kit = rv->kit;
	rv->is.subj = &rv->subj;
	rv->is.key = X509_REQ_get0_pubkey(rv->csr);
	rv->is.spki = rv->spki;
	rv->is.ev = &rv->ev;
	found = have;
	rv->is.checked = 1;
	rv->is.sandbox = k.sandbox;
	rv->is.used = used;
	if (found && memcmp(c.spki, rv->spki, 32) != 0) {
		/* Another key: refused if a certificate was issued; a
		 * reservation that never finished is abandoned below. */
		if (strcmp(c.state, "signing") != 0) {
			problem_set(p, 409, "already-retrieved",
			    "Already retrieved",
			    "A certificate was already issued with this kit, "
			    "for another key.");
			goto out;
		}
		abandon = 1;
	} else if (found) {
		/* A retry: the same key gets the same certificate.  Issued:
		 * its certificate; still signing: sign its row. */
		memcpy(rv->is.serial, c.serial, sizeof(rv->is.serial));
		rv->have_cert = strcmp(c.state, "signing") != 0;
		if (rv->have_cert ? c.der == NULL : c.tbs == NULL) {
			problem_internal(p);
			goto out;
		}
		rv->is.tbs_len = rv->have_cert ? c.der_len : c.tbs_len;
		if ((rv->is.tbs = OPENSSL_malloc((size_t)rv->is.tbs_len)) ==
		    NULL)
			abort();
		memcpy(rv->is.tbs, rv->have_cert ? c.der : c.tbs,
		    (size_t)rv->is.tbs_len);
		rc = 0;
		goto out;
	}
	if (strcmp(k.state, "shipped") != 0 ||
	    strcmp(k.app_status, "kit_shipped") != 0) {
		problem_set(p, 409, "kit-not-shipped", "Not shipped yet",
		    "This kit has not been shipped yet.");
		goto out;
	}
	if (abandon && !ab->last &&
	    (!ab->ready || memcmp(ab->serial, c.serial, PKI_SERIAL_LEN) != 0)) {
		memcpy(ab->want, c.serial, PKI_SERIAL_LEN);
		rc = RETRIEVAL_SIGN_FIRST;
		goto out;
	}
	if (abandon &&
	    (n = pki_abandon_tx(ctx->app, &tx, c.serial, rv->app, rv->kit,
	         "new key",
	         ab->ready && ab->have &&
	                 memcmp(ab->serial, c.serial, PKI_SERIAL_LEN) == 0
	             ? &ab->o
	             : NULL,
	         p)) != 0) {
		if (n == 1)
			problem_set(p, 409, "retrieval-conflict", "Try again",
			    "Another retrieval with this kit is under way; "
			    "try again.");
		goto out;
	}
	/* The row's INSERT goes with the COMMIT (every failure of it aborts
	 * alike), and a unique index hit by a concurrent request is found
	 * there. */
	tx_batch(&tx);
	/* Unflushed, but one that abandons another waits for the disk. */
	if (issue_record(&tx, auth, &rv->is, p) == -1 ||
	    (abandon ? tx_commit(&tx, p) : issue_reserve_commit(&tx, p)) ==
	        -1) {
		if (strcmp(p->type, "conflict") == 0)
			problem_set(p, 409, "retrieval-conflict", "Try again",
			    "Another retrieval with this kit or key is under "
			    "way; try again.");
		goto out;
	}
	rv->created = 1;
	rc = 0;
out:
	tx_abort(&tx);
	store_cert_row_free(&c);
	OPENSSL_cleanse(k.password_hash, sizeof(k.password_hash));
	return rc;
}

/*
 * The password checked (retrieval_login), then the unit of work that
 * records (retrieval_tx).  A reservation of this kit for another key that
 * never finished is abandoned in it, with its OCSP answers signed before
 * it begins: when the unit of work finds one, it stops, the answers are
 * signed, and it runs again (twice at most, then with no answers: the
 * refresh job signs them).
 */
static int
retrieval_record(struct ctx *ctx, struct authority **authp,
    struct retrieval *rv, json_t **extra, struct problem *p)
{
	struct authority *auth;
	struct abandon_pre ab;
	struct kit_row seen;
	int rc, pass;

	memset(&ab, 0, sizeof(ab));
	if (retrieval_login(ctx, rv, &seen, extra, p) == -1) {
		OPENSSL_cleanse(seen.password_hash, sizeof(seen.password_hash));
		return -1;
	}
	/* The key's evidence against the product's requirement (read with
	 * the kit), known once the password opened the kit. */
	if (evidence_meets(seen.evidence, &rv->ev, p) == -1 ||
	    (auth = sandbox_authority_of(
	         ctx->app, ctx->db, seen.app, seen.sandbox, p)) == NULL) {
		OPENSSL_cleanse(seen.password_hash, sizeof(seen.password_hash));
		return -1;
	}
	/* The CA of the application's world (a sandbox's is its test CA). */
	*authp = auth;
	for (pass = 0;; pass++) {
		ab.last = pass == 2;
		if ((rc = retrieval_tx(ctx, auth, rv, &seen, &ab, p)) !=
		    RETRIEVAL_SIGN_FIRST)
			break;
		pki_ocsp_free(&ab.o);
		memset(&ab.o, 0, sizeof(ab.o));
		ab.ready = 0;
		if ((ab.have = pki_abandon_sign(ctx->app, ctx->db, ab.want,
		         ctx->now, &ab.o, p)) == -1) {
			rc = -1;
			break;
		}
		memcpy(ab.serial, ab.want, PKI_SERIAL_LEN);
		ab.ready = 1;
	}
	pki_ocsp_free(&ab.o);
	OPENSSL_cleanse(seen.password_hash, sizeof(seen.password_hash));
	return rc;
}

/* Inside issue_sign: the kit is used and the application issued (its
 * status read by issue_sign as it stored the certificate). */
static int
retrieval_moves(struct app *app, struct tx *tx, void *arg, struct problem *p)
{
	struct retrieval *rv = arg;

	(void)app;
	if (store_kit_used(tx_db(tx), rv->kit, tx->now, p) == -1)
		return -1;
	if (strcmp(rv->is.app_status, "kit_shipped") == 0 &&
	    app_move(tx_db(tx), rv->app, "kit_shipped", "issued", rv->app,
	        "certificate issued", tx->now, NULL, p) == -1)
		return -1;
	return 0;
}

void
h_retrieval(struct ctx *ctx)
{
	struct authority *auth = NULL;
	struct retrieval rv;
	struct problem p;
	json_t *body = NULL, *extra = NULL;
	unsigned char *der = NULL;
	long len = 0;

	memset(&rv, 0, sizeof(rv));
	problem_clear(&p);
	if ((body = ctx_body(ctx, &p)) == NULL ||
	    retrieval_parse(ctx, body, &rv, &p) == -1)
		goto fail;
	/* No CA yet: 503 before anything is looked at (the sandbox's test
	 * CA is chosen once the kit names its application). */
	if (authority_load(ctx->app->authority, ctx->app->cfg, ctx->db, &p) ==
	        -1 ||
	    retrieval_record(ctx, &auth, &rv, &extra, &p) == -1)
		goto fail;
	/* A retry's certificate is the one stored (its validity read from
	 * it); a new one is answered as signed. */
	if (rv.have_cert)
		reply_json(ctx, 200,
		    issue_body(
		        auth, rv.is.serial, rv.is.tbs, rv.is.tbs_len, 0, 0));
	else if (issue_sign(ctx->app, ctx->db, auth, &rv.is, retrieval_moves,
	             &rv, ctx->now, &der, &len, &rv.created, &p) == -1)
		goto fail;
	else
		reply_json(ctx, rv.created ? 201 : 200,
		    issue_body(auth, rv.is.serial, der, len, rv.is.not_before,
		        rv.is.not_after));
	goto out;
fail:
	reply_problem(ctx, &p, extra);
	extra = NULL;
out:
	json_decref(extra);
	OPENSSL_cleanse(rv.code_norm, sizeof(rv.code_norm));
	X509_REQ_free(rv.csr);
	OPENSSL_free(rv.is.tbs);
	OPENSSL_free(der);
	json_decref(body);
}

static const char *const reset_keys[] = {"activation_code", "application_id",
    "reset_code", "answers", "new_password", NULL};

/* The application of the reset, locked, into a: 1, 0 if unknown, -1. */
static int
reset_lock(struct tx *tx, const unsigned char *kithash, const char *app_id,
    struct reset_app_row *a, struct problem *p)
{
	if (kithash != NULL)
		return store_reset_app_by_kit(tx_db(tx), kithash, a, p);
	return store_reset_app_by_id(tx_db(tx), app_id, a, p);
}

/*
 * Begins a reset's unit of work: the client's row locked (subject: the
 * code or the id given) and not throttled, then the application, locked,
 * into a.  1 if it is one that secret questions may reset, 0 if not (or
 * unknown), -1 with p set (the unit of work then to abort).
 */
static int
reset_begin(struct ctx *ctx, struct tx *tx, const char *subject,
    const unsigned char *kithash, const char *app_id, struct throttle *client,
    struct reset_app_row *a, struct problem *p)
{
	int found;

	if (tx_begin(tx, ctx->db, ctx->now, "anonymous", p) == -1 ||
	    throttle_lock(tx_db(tx), "reset", subject, ctx->req->client,
	        ctx->now, client, p) == -1 ||
	    session_throttled(ctx, client, p) == -1 ||
	    (found = reset_lock(tx, kithash, app_id, a, p)) == -1)
		return -1;
	return found == 1 && strcmp(a->policy, "igc") == 0 &&
	    strcmp(a->status, "locked") != 0;
}

/* The stored hashes of an application's answers. */
struct reset_answers {
	char hash[BOUND_QUESTIONS][STORE_HASH_MAX]; /* in question order */
	size_t n;                                   /* how many it has */
};

/* The answers of application id (NULL: none) into a.  0, or -1. */
static int
answers_read(
    struct tx *tx, const char *id, struct reset_answers *a, struct problem *p)
{
	memset(a, 0, sizeof(*a));
	if (id == NULL)
		return 0;
	return store_reset_answers(
	    tx_db(tx), id, a->hash, BOUND_QUESTIONS, &a->n, p);
}

/* Whether a and b are the same answers. */
static int
answers_same(const struct reset_answers *a, const struct reset_answers *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n && i < BOUND_QUESTIONS; i++)
		if (strcmp(a->hash[i], b->hash[i]) != 0)
			return 0;
	return 1;
}

/* 1 if every answer matches its stored hash in a, 0 if not (Argon2id: no
 * transaction open).  With a NULL (no such application) every answer is
 * verified against the dummy hash: the same work. */
static int
answers_match(struct ctx *ctx, const struct reset_answers *a, json_t *answers)
{
	char norm[BOUND_ANSWER * 4 + 1];
	size_t i, n = 0;
	int ok = 1;

	if (a != NULL) {
		n = a->n;
		if (n != json_array_size(answers))
			ok = 0;
		if (n > BOUND_QUESTIONS)
			n = BOUND_QUESTIONS;
	}
	/* Every answer is hashed, matching or not: no early exit. */
	for (i = 0; i < json_array_size(answers); i++) {
		const char *ans = json_string_value(json_array_get(answers, i));
		if (secret_normalize_answer(ans, norm, sizeof(norm)) == -1)
			norm[0] = '\0';
		if (i >= n) {
			session_dummy_verify(ctx, norm);
			ok = 0;
		} else if (secret_verify(a->hash[i], norm, strlen(norm)) != 1)
			ok = 0;
	}
	OPENSSL_cleanse(norm, sizeof(norm));
	return ok;
}

/* 1 if code is application id's live reset code (then used), 0 if not,
 * -1 on failure. */
static int
reset_code_use(
    struct tx *tx, const char *id, const char *code, struct problem *p)
{
	char norm[EMAILCODE_CHARS + 1];
	unsigned char hash[32];

	if (emailcode_normalize(code, norm) == -1)
		return 0;
	emailcode_hash(id, norm, hash);
	OPENSSL_cleanse(norm, sizeof(norm));
	return store_acode_use(tx_db(tx), id, "reset", hash, tx->now, p);
}

static int
reset_refused(struct problem *p)
{
	return problem_set(p, 401, "reset-refused", "Not accepted",
	    "The code, the application or the answers do not match.");
}

void
h_password_reset(struct ctx *ctx)
{
	const struct config *c = ctx->app->cfg;
	const char *code = NULL, *app_id = NULL, *rcode = NULL, *newpw = NULL;
	const char *why;
	char id[48], subject[80], norm[ACTCODE_CHARS + 1], *encoded = NULL;
	unsigned char kithash[32];
	struct throttle client, acct;
	struct reset_app_row ra;
	struct reset_answers seen, fresh;
	struct problem p;
	struct tx tx = {0};
	json_error_t jerr;
	json_t *body = NULL, *answers = NULL, *v, *details;
	size_t i, enclen;
	int ok, known, rc, was_known;

	problem_clear(&p);
	if ((body = ctx_body(ctx, &p)) == NULL ||
	    ctx_known_fields(body, reset_keys, &p) == -1)
		goto fail;
	if (json_unpack_ex(body, &jerr, 0, "{s?s, s?s, s?s, s:o, s:s}",
	        "activation_code", &code, "application_id", &app_id,
	        "reset_code", &rcode, "answers", &answers, "new_password",
	        &newpw) == -1) {
		problem_field(&p, "body",
		    "answers (array) and new_password (string) are required; "
		    "activation_code, application_id and reset_code are "
		    "strings");
		goto fail;
	}
	if ((code == NULL) == (app_id == NULL))
		problem_field(&p, "activation_code",
		    "give either activation_code, or application_id with "
		    "reset_code");
	else if (code != NULL && rcode != NULL)
		problem_field(
		    &p, "reset_code", "a reset code goes with application_id");
	else if (app_id != NULL && rcode == NULL)
		problem_field(&p, "reset_code",
		    "required with application_id: ask for one with "
		    "POST /v1/password-resets/codes");
	if (app_id != NULL && strlen(app_id) > 40)
		problem_field(&p, "application_id", "not an application id");
	if (rcode != NULL && strlen(rcode) > BOUND_CODE)
		problem_field(&p, "reset_code", "not a reset code");
	if (code != NULL && actcode_normalize(code, norm) == -1)
		problem_field(&p, "activation_code",
		    "not an activation code: check it against the letter");
	if (!json_is_array(answers) ||
	    json_array_size(answers) != BOUND_QUESTIONS)
		problem_field(&p, "answers",
		    "exactly %d answers, in the order "
		    "of the questions",
		    BOUND_QUESTIONS);
	else
		for (i = 0; i < json_array_size(answers); i++) {
			v = json_array_get(answers, i);
			if (!json_is_string(v) ||
			    strlen(json_string_value(v)) > 4 * BOUND_ANSWER) {
				problem_field(&p, "answers",
				    "each answer is a string of at most %d "
				    "bytes",
				    4 * BOUND_ANSWER);
				break;
			}
		}
	if (!validate_password(newpw, &why))
		problem_field(&p, "new_password", "%s", why);
	if (p.status != 0)
		goto fail;
	if (c->policy != POLICY_IGC) {
		problem_set(&p, 403, "not-offered", "Not offered",
		    "Under the nist-800-63 policy secret questions do not "
		    "reset a password: apply again to be proofed anew.");
		goto fail;
	}
	if (code != NULL) {
		char hex[65];
		actcode_hash(norm, kithash);
		OPENSSL_cleanse(norm, sizeof(norm));
		for (i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", kithash[i]);
		snprintf(subject, sizeof(subject), "k:%s", hex);
	} else
		snprintf(subject, sizeof(subject), "i:%s", app_id);
	/*
	 * Anonymous until the answers match; the reset itself is the
	 * account's own.  As a log-in: first the client's row (a blocked
	 * client gets 429 and costs no hash), the application and its
	 * answers' hashes; then Argon2id with no transaction open (the
	 * answers, and the new password when they match); then the outcome,
	 * on the rows locked anew.
	 */
	if ((was_known = reset_begin(ctx, &tx, subject,
	         code != NULL ? kithash : NULL, app_id, &client, &ra, &p)) ==
	    -1)
		goto fail;
	if (was_known)
		snprintf(id, sizeof(id), "%s", ra.id);
	if (answers_read(&tx, was_known ? id : NULL, &seen, &p) == -1 ||
	    tx_commit(&tx, &p) == -1)
		goto fail;
	ok = answers_match(ctx, was_known ? &seen : NULL, answers);
	if (ok) {
		enclen = secret_encoded_len(&ctx->app->argon);
		encoded = xmalloc(enclen);
		if (secret_hash(newpw, strlen(newpw), &ctx->app->argon, encoded,
		        enclen) == -1) {
			problem_internal(&p);
			goto fail;
		}
	}
	/* The client's row first, then the application's, then the
	 * account's: one order, no deadlock. */
	if ((known = reset_begin(ctx, &tx, subject,
	         code != NULL ? kithash : NULL, app_id, &client, &ra, &p)) ==
	    -1)
		goto fail;
	/* The application or its answers changed meanwhile: the answers
	 * were checked against others, so they do not reset it. */
	if (known != was_known || (known && strcmp(ra.id, id) != 0))
		ok = 0;
	if (known) {
		snprintf(id, sizeof(id), "%s", ra.id);
		if (answers_read(&tx, id, &fresh, &p) == -1)
			goto fail;
		if (!answers_same(&seen, &fresh))
			ok = 0;
	}
	if (throttle_lock(tx_db(&tx), "account", known ? id : subject, "",
	        ctx->now, &acct, &p) == -1)
		goto fail;
	/* Once the kit's letter is printed its activation code resets, and
	 * a mailed code asked for before does not. */
	if (known && rcode != NULL && ra.letter)
		ok = 0;
	if (known && rcode != NULL && ok) {
		if ((rc = reset_code_use(&tx, id, rcode, &p)) == -1)
			goto fail;
		ok = rc;
	}
	if (acct.locked_at != 0) {
		if (ok) {
			if (session_queue_unlock(ctx, id, &p) == -1)
				goto fail;
		} else if (throttle_fail(tx_db(&tx), &client, c->reset_attempts,
		               c->login_lock_seconds, 0, ctx->now, &p) == -1)
			goto fail;
		if (tx_commit(&tx, &p) == -1)
			goto fail;
		session_account_locked(&p);
		goto reply;
	}
	if (!ok) {
		if (throttle_fail(tx_db(&tx), &client, c->reset_attempts,
		        c->login_lock_seconds, 0, ctx->now, &p) == -1 ||
		    session_count_failure(ctx, &acct, known ? id : NULL, &p) ==
		        -1)
			goto fail;
		if (known) {
			details = json_pack("{s:i, s:i}", "failures",
			    acct.failures, "client_failures", client.failures);
			rc = tx_audit(
			    &tx, "account.reset_failed", id, details, &p);
			json_decref(details);
			if (rc == -1)
				goto fail;
		}
		if (tx_commit(&tx, &p) == -1)
			goto fail;
		if (acct.locked_at != 0)
			session_account_locked(&p);
		else
			reset_refused(&p);
		goto reply;
	}
	if (store_password_reset(tx_db(&tx), id, encoded, ctx->now, &p) == -1 ||
	    store_sessions_revoke(tx_db(&tx), id, ctx->now, &p) == -1 ||
	    throttle_clear(tx_db(&tx), &client, &p) == -1 ||
	    throttle_clear(tx_db(&tx), &acct, &p) == -1 ||
	    tx_audit_as(&tx, id, "account.password_reset", id, NULL, &p) ==
	        -1 ||
	    tx_commit(&tx, &p) == -1)
		goto fail;
	log_info("password reset", "app=%s", id);
	reply_json(ctx, 200,
	    json_pack("{s:s, s:s}", "application_id", id, "result",
	        "password changed; log in again"));
	goto out;
fail:
	tx_abort(&tx);
reply:
	reply_problem(ctx, &p, NULL);
out:
	OPENSSL_cleanse(norm, sizeof(norm));
	OPENSSL_cleanse(&seen, sizeof(seen));
	OPENSSL_cleanse(&fresh, sizeof(fresh));
	if (encoded != NULL) {
		OPENSSL_cleanse(encoded, strlen(encoded));
		free(encoded);
	}
	json_decref(body);
}

static const char *const reset_code_keys[] = {"application_id", "email", NULL};

void
h_reset_code_request(struct ctx *ctx)
{
	const struct config *c = ctx->app->cfg;
	const char *app_id = NULL, *email = NULL;
	char lower[BOUND_EMAIL + 1], quota[STORE_EMAIL_MAX + 3];
	char ids[STORE_RESET_APPS][STORE_ID_MAX], status[32];
	struct reset_mail_row m;
	struct problem p;
	struct tx tx = {0};
	json_error_t jerr;
	json_t *body = NULL;
	size_t i, k, n = 0;
	int found, wait;

	problem_clear(&p);
	if ((body = ctx_body(ctx, &p)) == NULL ||
	    ctx_known_fields(body, reset_code_keys, &p) == -1)
		goto fail;
	if (json_unpack_ex(body, &jerr, JSON_STRICT, "{s?s, s?s}",
	        "application_id", &app_id, "email", &email) == -1) {
		problem_field(&p, "body", "%s", jerr.text);
		goto fail;
	}
	if ((app_id == NULL) == (email == NULL)) {
		problem_field(&p, "application_id",
		    "give either application_id or email");
		goto fail;
	}
	if (app_id != NULL && strlen(app_id) > 40) {
		problem_field(&p, "application_id", "not an application id");
		goto fail;
	}
	if (email != NULL &&
	    (strlen(email) > BOUND_EMAIL || strchr(email, '@') == NULL)) {
		problem_field(&p, "email", "not an e-mail address");
		goto fail;
	}
	/* The client's quota in a unit of work of its own: quota rows are
	 * taken after application rows elsewhere (the resend). */
	if (tx_begin(&tx, ctx->db, ctx->now, "anonymous", &p) == -1)
		goto fail;
	snprintf(quota, sizeof(quota), "c:%s", ctx->req->client);
	if ((wait = throttle_quota(tx_db(&tx), "mail", quota,
	         c->mails_per_client, ctx->now, &p)) != 0) {
		if (wait > 0) {
			problem_set(&p, 429, "too-many-mails", "Too many mails",
			    "Too many mails were asked for from this address "
			    "today.");
			p.retry_after = wait;
		}
		goto fail;
	}
	if (tx_commit(&tx, &p) == -1 ||
	    tx_begin(&tx, ctx->db, ctx->now, "anonymous", &p) == -1)
		goto fail;
	if (email != NULL) {
		for (i = 0; email[i] != '\0'; i++)
			lower[i] = (char)((email[i] >= 'A' && email[i] <= 'Z')
			        ? email[i] + 32
			        : email[i]);
		lower[i] = '\0';
		if (store_reset_apps_by_email(tx_db(&tx), lower, ids, &n, &p) ==
		    -1)
			goto fail;
	} else {
		if ((found = store_app_status(
		         tx_db(&tx), app_id, status, sizeof(status), &p)) == -1)
			goto fail;
		if (found == 1)
			snprintf(ids[n++], sizeof(ids[0]), "%s", app_id);
	}
	for (k = 0; k < n; k++) {
		if ((found = store_reset_mail_lock(
		         tx_db(&tx), ids[k], "reset", &m, &p)) == -1)
			goto fail;
		/* The job sends only to a verified address, igc, no
		 * printed kit letter;
		 * here: not more often than a verification code, and
		 * within the address's daily mails. */
		if (found == 1 && m.verified &&
		    (m.last_sent == 0 ||
		        ctx->now >= m.last_sent + c->email_resend_interval)) {
			snprintf(quota, sizeof(quota), "e:%s", m.email);
			if ((wait = throttle_quota(tx_db(&tx), "mail", quota,
			         c->mails_per_email, ctx->now, &p)) == -1)
				goto fail;
			if (wait == 0 &&
			    jobs_add(tx_db(&tx), c, JOB_EMAIL_RESET_CODE,
			        ids[k], NULL, ctx->now, &p) == -1)
				goto fail;
		}
	}
	if (tx_commit(&tx, &p) == -1)
		goto fail;
	json_decref(body);
	/* The same answer whether or not anything was sent. */
	reply_json(ctx, 202,
	    json_pack("{s:s}", "status",
	        "if the application exists, has a verified e-mail address and "
	        "no printed kit letter, a reset code is on its way"));
	return;
fail:
	tx_abort(&tx);
	json_decref(body);
	reply_problem(ctx, &p, NULL);
}
