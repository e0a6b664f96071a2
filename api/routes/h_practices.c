/*
 * Practices, credential links and two-person approval (issue 16, 21 CFR
 * 1311.125; docs/partners.md "Practices and credential links"), each
 * behind a partner API key (ROUTE_PARTNER) and scoped to the partner: a
 * practice of another partner is 404, as an unknown one, and a
 * certificate must be of the partner's program.
 *
 *   PUT  /v1/partner/practices/{practice}  {name, renewal?}  register or
 *        update the partner's practice (its own id); renewal "reapprove"
 *        (default) or "carry" says what a renewed credential's link gets.
 *   GET  /v1/partner/practices/{practice}
 *   POST /v1/partner/practices/{practice}/challenges
 *        {purpose: "link", user, serial} or
 *        {purpose: "approve", serial, approver_serial}
 *        -> a statement to sign, bound to those, used once, valid for
 *        RXCA_PARTNER_CHALLENGE_WINDOW seconds.
 *   POST /v1/partner/practices/{practice}/links {challenge, signature}
 *        the prescriber's signature of a link statement: a link, enabled
 *        and trusted, approved when its credential is EPCS-eligible and
 *        the practice has no approved link yet.
 *   GET  /v1/partner/practices/{practice}/links?after=&limit=
 *   GET  /v1/partner/practices/{practice}/links/{link}
 *   POST /v1/partner/practices/{practice}/links/{link}/approval
 *        {challenge, signature}: a colleague's signature of an approve
 *        statement; the approval is recorded with both statements and
 *        signatures and returned with both certificates.
 *   POST /v1/partner/practices/{practice}/links/{link}/disable {reason?}
 *
 * Signatures are checked before the unit of work (ca/sigcheck.c); in it
 * the practice's row is locked, the challenge used, the change audited
 * and its credential.* webhook event written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "api/routes/page.h"
#include "api/routes/routes.h"
#include "api/service/app.h"
#include "api/service/credential.h"
#include "api/service/passkey.h"
#include "api/service/webhook.h"
#include "api/store/store_partners.h"
#include "api/store/store_practice.h"
#include "api/store/tx.h"
#include "ca/sigcheck.h"
#include "common/base64.h"
#include "common/digest.h"
#include "common/rand.h"
#include "common/wallclock.h"

#define IDENT_MAX    64  /* bytes of a practice or user id */
#define NAME_MAX_LEN 200 /* bytes of a practice's name */
#define REASON_MAX   200 /* bytes of a disable reason */
#define SIG_MAX      1024
#define NONCE_BYTES  16
#define LINKS_LIMIT  50
#define LINKS_MAX    200

/* A practice or user id: 1 to 64 of [A-Za-z0-9._@-]. */
static int
ident_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > IDENT_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		        (s[i] >= 'A' && s[i] <= 'Z') ||
		        (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		        s[i] == '_' || s[i] == '@' || s[i] == '-'))
			return 0;
	return 1;
}

/* 32 lower-case hex digits. */
static int
serial_ok(const char *s)
{
	size_t i;

	if (strlen(s) != 32)
		return 0;
	for (i = 0; i < 32; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		        (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

#define PASSKEY_CHALLENGE_CHARS 44 /* base64url of 32 bytes, with NUL */

/* The WebAuthn challenge of an approve statement: base64url of its
 * SHA-256. */
static void
passkey_challenge_of(const char *statement, char out[PASSKEY_CHALLENGE_CHARS])
{
	unsigned char h[DIGEST_LEN];

	digest_sha256(statement, strlen(statement), h);
	base64url_encode(h, sizeof(h), out, PASSKEY_CHALLENGE_CHARS);
}

static int
practice_not_found(struct problem *p)
{
	return problem_set(
	    p, 404, "not-found", "Not found", "No such practice.");
}

/* The practice of the route, 1, or 0/-1 with p set. */
static int
practice_of_route(struct ctx *ctx, int lock, struct db *db,
    struct practice_row *pr, struct problem *p)
{
	const char *id = ctx_param(ctx, "practice");
	int found;

	if (!ident_ok(id)) {
		practice_not_found(p);
		return 0;
	}
	if ((found = store_practice_get(
	         db, ctx->partner_id, id, lock, pr, p)) == 0)
		practice_not_found(p);
	return found;
}

/* Certificate serial (hex) of the partner's program, with its DER. */
static int
program_cert(struct ctx *ctx, const char *serial, struct partner_cert_row *c,
    struct problem *p)
{
	unsigned char raw[16];
	int found;

	memset(c, 0, sizeof(*c));
	c->der_len = -1;
	if (!serial_ok(serial) || digest_unhex(serial, raw, sizeof(raw)) == -1)
		return 0;
	found =
	    store_partner_cert_verify(ctx->db, raw, ctx->partner_program, c, p);
	if (found == 1 && c->der == NULL)
		found = 0; /* still signing */
	return found;
}

/* The PEM of a DER certificate as a JSON string, or null. */
static json_t *
pem_json(const unsigned char *der, long len)
{
	const unsigned char *q = der;
	X509 *x = NULL;
	BIO *b = NULL;
	BUF_MEM *m;
	json_t *o = json_null();

	if (der == NULL || len <= 0 || (x = d2i_X509(NULL, &q, len)) == NULL ||
	    (b = BIO_new(BIO_s_mem())) == NULL || PEM_write_bio_X509(b, x) != 1)
		goto out;
	BIO_get_mem_ptr(b, &m);
	json_decref(o);
	o = json_stringn(m->data, m->length);
out:
	BIO_free(b);
	X509_free(x);
	return o;
}

/* 0 if sigtext (base64) is cert c's signature of statement, else -1 with
 * a field error on "signature". */
static int
signature_check(const struct partner_cert_row *c, const char *statement,
    const char *sigtext, struct problem *p)
{
	unsigned char sig[SIG_MAX];
	const unsigned char *q = c->der;
	size_t slen = 0;
	X509 *x = NULL;
	int rc = -1;

	if (base64_decode(sigtext, strlen(sigtext), sig, sizeof(sig), &slen) ==
	        -1 ||
	    slen == 0) {
		problem_field(p, "signature", "base64 of the signature");
		return -1;
	}
	if ((x = d2i_X509(NULL, &q, c->der_len)) != NULL &&
	    sigcheck_verify(X509_get0_pubkey(x), sig, slen, statement,
	        strlen(statement)) == 0)
		rc = 0;
	else {
		problem_set(p, 422, "signature-invalid", "Signature not valid",
		    "The signature does not verify with the certificate's "
		    "key over the statement.");
		problem_field(p, "signature",
		    "does not verify with the certificate's key");
	}
	X509_free(x);
	return rc;
}

/* The trusted flag as shown: trusted when linked and still valid. */
static int
still_trusted(int trusted, json_t *elig)
{
	json_t *r;
	size_t i;
	const char *s;

	json_array_foreach(json_object_get(elig, "reasons"), i, r)
	{
		s = json_string_value(r);
		if (strcmp(s, "not-valid") == 0 || strcmp(s, "revoked") == 0 ||
		    strcmp(s, "expired") == 0)
			return 0;
	}
	return trusted;
}

/* One side of an approval record: link, serial, statement, signature and
 * certificate (PEM), so that the signature can be checked again. */
static json_t *
side_json(struct ctx *ctx, const char *link, const char *serial,
    const char *statement, const char *signature, struct problem *p)
{
	struct partner_cert_row c;
	json_t *o;
	int found;

	if ((found = program_cert(ctx, serial, &c, p)) == -1)
		return NULL;
	o = json_pack("{s:s, s:s, s:o, s:o, s:o}", "link", link, "serial",
	    serial, "statement",
	    statement[0] != '\0' ? json_string(statement) : json_null(),
	    "signature",
	    signature[0] != '\0' ? json_string(signature) : json_null(),
	    "certificate",
	    found == 1 ? pem_json(c.der, c.der_len) : json_null());
	store_partner_cert_row_free(&c);
	return o;
}

/* A link as the API shows it; with_record: its approval record in full. */
static json_t *
link_json(struct ctx *ctx, const struct link_row *l, int with_record,
    struct problem *p)
{
	json_t *o, *elig, *rec = json_null(), *a, *b;

	if ((elig = credential_eligibility(
	         ctx->db, l->serial, ctx->now, NULL, p)) == NULL)
		return NULL;
	if (l->approval_id[0] != '\0' && with_record) {
		if ((a = side_json(ctx, l->id, l->serial, l->statement,
		         l->signature, p)) == NULL ||
		    (b = side_json(ctx, l->approver_link, l->approver_serial,
		         l->approval_statement, l->approval_signature, p)) ==
		        NULL) {
			json_decref(a);
			json_decref(elig);
			return NULL;
		}
		if (l->approval_passkey[0] != '\0')
			json_object_set_new(b, "passkey",
			    json_pack("{s:s, s:o}", "id", l->approval_passkey,
			        "assertion",
			        json_loads(l->approval_assertion, 0, NULL)));
		rec = json_pack("{s:s, s:o, s:o, s:o}", "id", l->approval_id,
		    "approved_at", wallclock_json(l->approval_at), "approved",
		    a, "approver", b);
	} else if (l->approval_id[0] != '\0')
		rec = json_pack("{s:s, s:s, s:s}", "id", l->approval_id,
		    "approver_link", l->approver_link, "approver_serial",
		    l->approver_serial);
	o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:o, s:o, s:o, "
	              "s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "id", l->id, "practice", l->practice, "user", l->user, "serial",
	    l->serial, "enabled", l->enabled, "trusted",
	    still_trusted(l->trusted, elig), "approved", l->approved,
	    "approved_how",
	    l->approved_how[0] != '\0' ? json_string(l->approved_how)
	                               : json_null(),
	    "approved_at", wallclock_json(l->approved_at), "disabled_at",
	    wallclock_json(l->disabled_at), "disabled_reason",
	    l->disabled_reason[0] != '\0' ? json_string(l->disabled_reason)
	                                  : json_null(),
	    "renewed_from",
	    l->renewed_from[0] != '\0' ? json_string(l->renewed_from)
	                               : json_null(),
	    "superseded_by",
	    l->superseded_by[0] != '\0' ? json_string(l->superseded_by)
	                                : json_null(),
	    "created_at", wallclock_json(l->created_at), "credential", elig,
	    "approval", rec, "statement",
	    l->statement[0] != '\0' ? json_string(l->statement) : json_null());
	return o;
}

static json_t *
practice_json(const struct practice_row *pr)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:o}", "id", pr->id, "name",
	    pr->name, "renewal", pr->renewal, "created_at",
	    wallclock_json(pr->created_at), "updated_at",
	    wallclock_json(pr->updated_at));
}

static void
partner_actor(const struct ctx *ctx, char *buf, size_t sz)
{
	snprintf(buf, sz, "partner:%s", ctx->partner_id);
}

static const char *const put_keys[] = {"name", "renewal", NULL};

void
h_practice_put(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "practice"), *name = NULL;
	const char *renewal = "reapprove";
	struct practice_row pr;
	struct problem p;
	json_error_t jerr;
	json_t *body = NULL, *d;
	char actor[64];
	struct tx tx;
	int created, rc;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	if (!ident_ok(id)) {
		problem_field(&p, "practice",
		    "1 to %d of A-Z, a-z, 0-9, '.', '_', '@', '-'", IDENT_MAX);
		goto fail;
	}
	if ((body = ctx_body(ctx, &p)) == NULL ||
	    ctx_known_fields(body, put_keys, &p) == -1)
		goto fail;
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "name", &name) == -1 ||
	    name[0] == '\0' || strlen(name) > NAME_MAX_LEN)
		problem_field(
		    &p, "name", "required: 1 to %d bytes", NAME_MAX_LEN);
	if (json_unpack_ex(body, &jerr, 0, "{s?s}", "renewal", &renewal) ==
	        -1 ||
	    (strcmp(renewal, "reapprove") != 0 &&
	        strcmp(renewal, "carry") != 0))
		problem_field(&p, "renewal", "\"reapprove\" or \"carry\"");
	if (p.status != 0)
		goto fail;
	partner_actor(ctx, actor, sizeof(actor));
	if (tx_begin(&tx, ctx->db, ctx->now, actor, &p) == -1 ||
	    (created = store_practice_put(tx_db(&tx), ctx->partner_id, id, name,
	         renewal, ctx->now, &p)) == -1)
		goto fail;
	d = json_pack("{s:s, s:s, s:s}", "partner", ctx->partner_id, "name",
	    name, "renewal", renewal);
	rc = tx_audit(&tx, created ? "practice.registered" : "practice.updated",
	    id, d, &p);
	json_decref(d);
	if (rc == -1 ||
	    store_practice_get(tx_db(&tx), ctx->partner_id, id, 0, &pr, &p) !=
	        1 ||
	    tx_commit(&tx, &p) == -1)
		goto fail;
	reply_json(ctx, created ? 201 : 200, practice_json(&pr));
	goto out;
fail:
	reply_tx_problem(ctx, &tx, &p, NULL);
out:
	json_decref(body);
}

void
h_practice_get(struct ctx *ctx)
{
	struct practice_row pr;
	struct problem p;

	problem_clear(&p);
	if (practice_of_route(ctx, 0, ctx->db, &pr, &p) != 1) {
		reply_problem(ctx, &p, NULL);
		return;
	}
	reply_json(ctx, 200, practice_json(&pr));
}

static const char *const chal_keys[] = {
    "purpose", "serial", "user", "approver_serial", NULL};

void
h_practice_challenge(struct ctx *ctx)
{
	const char *purpose = NULL, *serial = NULL, *user = NULL;
	const char *approver = NULL;
	struct partner_cert_row c;
	struct practice_row pr;
	struct pchal_row ch;
	struct problem p;
	json_error_t jerr;
	json_t *body = NULL;
	char nonce[2 * NONCE_BYTES + 1], pkch[PASSKEY_CHALLENGE_CHARS];
	json_t *o;
	int link = 0, found;

	problem_clear(&p);
	memset(&c, 0, sizeof(c));
	memset(&ch, 0, sizeof(ch));
	if (practice_of_route(ctx, 0, ctx->db, &pr, &p) != 1 ||
	    (body = ctx_body(ctx, &p)) == NULL ||
	    ctx_known_fields(body, chal_keys, &p) == -1)
		goto fail;
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "purpose", &purpose) ==
	        -1 ||
	    (strcmp(purpose, "link") != 0 && strcmp(purpose, "approve") != 0)) {
		problem_field(&p, "purpose", "\"link\" or \"approve\"");
		goto fail;
	}
	link = strcmp(purpose, "link") == 0;
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "serial", &serial) == -1 ||
	    !serial_ok(serial))
		problem_field(&p, "serial", "32 lower-case hex digits");
	if (json_unpack_ex(body, &jerr, 0, "{s?s}", "user", &user) == -1 ||
	    (link && (user == NULL || !ident_ok(user))))
		problem_field(&p, "user",
		    "required for a link: 1 to %d of A-Z, a-z, 0-9, '.', "
		    "'_', '@', '-'",
		    IDENT_MAX);
	else if (!link && user != NULL)
		problem_field(&p, "user", "only for purpose \"link\"");
	if (json_unpack_ex(
	        body, &jerr, 0, "{s?s}", "approver_serial", &approver) == -1 ||
	    (!link && (approver == NULL || !serial_ok(approver))))
		problem_field(&p, "approver_serial",
		    "required for an approval: 32 lower-case hex digits");
	else if (link && approver != NULL)
		problem_field(
		    &p, "approver_serial", "only for purpose \"approve\"");
	if (p.status != 0)
		goto fail;
	if ((found = program_cert(ctx, serial, &c, &p)) != 1) {
		if (found == 0)
			problem_set(&p, 404, "not-found", "Not found",
			    "No such certificate (serial).");
		goto fail;
	}
	store_partner_cert_row_free(&c);
	if (!link && (found = program_cert(ctx, approver, &c, &p)) != 1) {
		if (found == 0)
			problem_set(&p, 404, "not-found", "Not found",
			    "No such certificate (approver_serial).");
		goto fail;
	}
	rand_id("pch_", ch.id, sizeof(ch.id));
	rand_token(NONCE_BYTES, nonce, sizeof(nonce));
	snprintf(ch.purpose, sizeof(ch.purpose), "%s", purpose);
	snprintf(ch.serial, sizeof(ch.serial), "%s", serial);
	ch.created_at = ctx->now;
	ch.expires_at = ctx->now + ctx->app->cfg->challenge_window;
	if (link) {
		snprintf(ch.user, sizeof(ch.user), "%s", user);
		snprintf(ch.statement, sizeof(ch.statement),
		    "rxca-link-v1 partner=%s practice=%s user=%s serial=%s "
		    "time=%lld nonce=%s",
		    ctx->partner_id, pr.id, user, serial, (long long)ctx->now,
		    nonce);
	} else {
		snprintf(ch.approver_serial, sizeof(ch.approver_serial), "%s",
		    approver);
		snprintf(ch.statement, sizeof(ch.statement),
		    "rxca-approve-v1 partner=%s practice=%s approver=%s "
		    "approved=%s time=%lld nonce=%s",
		    ctx->partner_id, pr.id, approver, serial,
		    (long long)ctx->now, nonce);
	}
	if (store_pchal_insert(ctx->db, ctx->partner_id, pr.id, &ch, &p) == -1)
		goto fail;
	o = json_pack("{s:s, s:s, s:s, s:o}", "id", ch.id, "purpose",
	    ch.purpose, "challenge", ch.statement, "expires_at",
	    wallclock_json(ch.expires_at));
	if (!link) {
		/* the approver may answer with a passkey instead: its WebAuthn
		 * challenge is the statement's SHA-256 */
		passkey_challenge_of(ch.statement, pkch);
		json_object_set_new(o, "passkey_challenge", json_string(pkch));
	}
	reply_json(ctx, 201, o);
	goto out;
fail:
	reply_problem(ctx, &p, NULL);
out:
	store_partner_cert_row_free(&c);
	json_decref(body);
}

static const char *const signed_keys[] = {
    "challenge", "signature", "passkey", NULL};

/* Reads {challenge, signature} of body and takes the practice's
 * challenge of purpose: 0, or -1 with p set (422 unknown, other purpose
 * or stale; 409 used). */
static int
signed_parse(struct ctx *ctx, struct db *db, json_t *body, const char *practice,
    const char *purpose, const char **sig, struct pchal_row *ch,
    struct problem *p)
{
	const char *chal = NULL;
	json_error_t jerr;
	int found;

	if (ctx_known_fields(body, signed_keys, p) == -1)
		return -1;
	if (json_unpack_ex(body, &jerr, 0, "{s:s}", "challenge", &chal) == -1 ||
	    strlen(chal) >= SPR_STMT_MAX)
		problem_field(p, "challenge", "required: the statement issued");
	if (strcmp(purpose, "approve") != 0 &&
	    json_object_get(body, "passkey") != NULL)
		problem_field(p, "passkey", "only for an approval");
	if (strcmp(purpose, "approve") == 0 &&
	    json_object_get(body, "passkey") != NULL) {
		/* the approver's passkey instead of a signature */
		*sig = NULL;
		if (json_object_get(body, "signature") != NULL)
			problem_field(p, "signature",
			    "a signature or a passkey, not both");
	} else if (json_unpack_ex(body, &jerr, 0, "{s:s}", "signature", sig) ==
	        -1 ||
	    strlen(*sig) >= SPR_SIG_MAX)
		problem_field(p, "signature", "required: base64");
	if (p->status != 0)
		return -1;
	if ((found = store_pchal_take(
	         db, ctx->partner_id, practice, chal, ch, p)) == -1)
		return -1;
	if (found == 0 || strcmp(ch->purpose, purpose) != 0)
		return problem_field(p, "challenge",
		    "not a \"%s\" challenge issued for this practice", purpose);
	if (ch->used_at != 0)
		return problem_set(p, 409, "challenge-replayed",
		    "Challenge replayed",
		    "This challenge was used before; ask for a new one.");
	if (ch->expires_at < ctx->now) {
		problem_set(p, 422, "challenge-stale", "Challenge not fresh",
		    "The challenge expired; ask for a new one.");
		return problem_field(p, "challenge", "expired");
	}
	return 0;
}

/* In tx: the challenge again, locked, and used; 409 if it was since. */
static int
challenge_use(struct ctx *ctx, struct tx *tx, const char *practice,
    const struct pchal_row *ch, struct problem *p)
{
	struct pchal_row again;
	int rc;

	if (store_pchal_take(tx_db(tx), ctx->partner_id, practice,
	        ch->statement, &again, p) != 1 ||
	    (rc = store_pchal_use(tx_db(tx), ch->id, ctx->now, p)) == -1) {
		if (p->status == 0)
			problem_internal(p);
		return -1;
	}
	if (rc == 0)
		return problem_set(p, 409, "challenge-replayed",
		    "Challenge replayed",
		    "This challenge was used before; ask for a new one.");
	return 0;
}

/* A credential.* event about link l of certificate app, with its
 * eligibility, and its audit record. */
static int
link_event(struct ctx *ctx, struct tx *tx, const char *type,
    const struct link_row *l, const char *app, json_t *more, struct problem *p)
{
	json_t *data;
	int rc;

	data = json_pack("{s:s, s:s, s:s, s:s}", "link", l->id, "practice",
	    l->practice, "user", l->user, "serial", l->serial);
	if (more != NULL)
		json_object_update(data, more);
	rc = tx_audit(tx, type, l->id, data, p);
	if (rc == 0)
		rc = credential_eligibility_into(
		    tx_db(tx), l->serial, ctx->now, data, p);
	if (rc == 0)
		rc = webhook_emit(tx_db(tx), type, app, data, ctx->now, p);
	json_decref(data);
	return rc;
}

/*
 * Commits tx, then replies status with link l of practice as it now stands
 * (link_json(), full or not).  0, or -1 with p set (internal if nothing
 * else was) and no reply.
 */
static int
link_reply(struct ctx *ctx, struct tx *tx, const char *practice,
    struct link_row *l, int full, int status, struct problem *p)
{
	json_t *o;

	if (tx_commit(tx, p) == -1 ||
	    store_link_get(
	        ctx->db, ctx->partner_id, practice, l->id, 0, l, p) != 1 ||
	    (o = link_json(ctx, l, full, p)) == NULL) {
		if (p->status == 0)
			problem_internal(p);
		return -1;
	}
	reply_json(ctx, status, o);
	return 0;
}

/* 0 if the approver's link (found: 1, or 0 for none) is approved, else -1
 * with p set. */
static int
approver_approved(int found, const struct link_row *al, struct problem *p)
{
	if (found == 1 && al->approved)
		return 0;
	return problem_set(p, 403, "approver-not-approved",
	    "Approver not approved",
	    "The approver has no enabled, approved credential at this "
	    "practice.");
}

/* The reasons of an eligibility object as problem extra. */
static json_t *
reasons_extra(const char *name, json_t *elig)
{
	return json_pack("{s:O}", name, json_object_get(elig, "reasons"));
}

void
h_practice_link(struct ctx *ctx)
{
	const char *sig = NULL;
	struct partner_cert_row c;
	struct cred_facts_row facts;
	struct practice_row pr;
	struct pchal_row ch;
	struct link_row l;
	struct problem p;
	long long approved = 0;
	json_t *body = NULL, *elig = NULL, *o, *extra = NULL;
	char actor[64];
	struct tx tx;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	memset(&c, 0, sizeof(c));
	memset(&l, 0, sizeof(l));
	if (practice_of_route(ctx, 0, ctx->db, &pr, &p) != 1 ||
	    (body = ctx_body(ctx, &p)) == NULL ||
	    signed_parse(ctx, ctx->db, body, pr.id, "link", &sig, &ch, &p) ==
	        -1)
		goto fail;
	if (program_cert(ctx, ch.serial, &c, &p) != 1) {
		if (p.status == 0)
			problem_set(&p, 404, "not-found", "Not found",
			    "No such certificate.");
		goto fail;
	}
	if ((elig = credential_eligibility(
	         ctx->db, ch.serial, ctx->now, &facts, &p)) == NULL)
		goto fail;
	if (strcmp(facts.state, "revoked") == 0) {
		problem_set(&p, 422, "certificate-revoked",
		    "Certificate revoked",
		    "A revoked certificate cannot be linked.");
		extra = reasons_extra("reasons", elig);
		goto fail;
	}
	if (ctx->now >= facts.not_after) {
		problem_set(&p, 422, "certificate-expired",
		    "Certificate expired",
		    "An expired certificate cannot be linked.");
		extra = reasons_extra("reasons", elig);
		goto fail;
	}
	if (signature_check(&c, ch.statement, sig, &p) == -1)
		goto fail;
	rand_id("lnk_", l.id, sizeof(l.id));
	snprintf(l.practice, sizeof(l.practice), "%s", pr.id);
	snprintf(l.user, sizeof(l.user), "%s", ch.user);
	snprintf(l.serial, sizeof(l.serial), "%s", ch.serial);
	snprintf(l.statement, sizeof(l.statement), "%s", ch.statement);
	snprintf(l.signature, sizeof(l.signature), "%s", sig);
	l.trusted = 1;
	partner_actor(ctx, actor, sizeof(actor));
	/* The practice's row lock: one first approval per practice. */
	if (tx_begin(&tx, ctx->db, ctx->now, actor, &p) == -1 ||
	    practice_of_route(ctx, 1, tx_db(&tx), &pr, &p) != 1 ||
	    challenge_use(ctx, &tx, pr.id, &ch, &p) == -1 ||
	    store_link_approved_count(
	        tx_db(&tx), ctx->partner_id, pr.id, NULL, &approved, &p) == -1)
		goto fail;
	if (approved == 0 && credential_practice_eligible(elig)) {
		l.approved = 1;
		snprintf(l.approved_how, sizeof(l.approved_how), "first");
	}
	if (store_link_insert(tx_db(&tx), ctx->partner_id, &l, ctx->now, &p) ==
	    -1) {
		if (p.status == 409)
			problem_set(&p, 409, "already-linked", "Already linked",
			    "This credential has an enabled link at this "
			    "practice.");
		goto fail;
	}
	if (link_event(
	        ctx, &tx, "credential.linked", &l, facts.app, NULL, &p) == -1)
		goto fail;
	if (l.approved) {
		o = json_pack("{s:s}", "approved_how", "first");
		if (link_event(ctx, &tx, "credential.approved", &l, facts.app,
		        o, &p) == -1) {
			json_decref(o);
			goto fail;
		}
		json_decref(o);
	}
	if (link_reply(ctx, &tx, pr.id, &l, 1, 201, &p) == -1)
		goto fail;
	goto out;
fail:
	reply_tx_problem(ctx, &tx, &p, extra);
out:
	json_decref(elig);
	store_partner_cert_row_free(&c);
	json_decref(body);
}

/* The link of the route, 1, or 0/-1 with p set. */
static int
link_of_route(struct ctx *ctx, struct db *db, const char *practice, int lock,
    struct link_row *l, struct problem *p)
{
	const char *id = ctx_param(ctx, "link");
	int found = 0;

	if (strlen(id) < SPR_ID_MAX &&
	    (found = store_link_get(
	         db, ctx->partner_id, practice, id, lock, l, p)) == -1)
		return -1;
	if (found == 0)
		problem_set(p, 404, "not-found", "Not found", "No such link.");
	return found;
}

/*
 * The approver's passkey answer {credential_id, client_data_json,
 * authenticator_data, signature} (v, borrowed) into a (pointing into v)
 * and its JSON text into text, to be kept with the approval.  0, or -1
 * with a field error on "passkey".
 */
static int
passkey_parse(json_t *v, struct passkey_assertion *a,
    char text[SPR_ASSERTION_MAX], struct problem *p)
{
	json_error_t jerr;
	char *dump = NULL;
	int rc = -1;

	memset(a, 0, sizeof(*a));
	if (json_unpack_ex(v, &jerr, JSON_STRICT, "{s:s, s:s, s:s, s:s}",
	        "credential_id", &a->credential_id, "client_data_json",
	        &a->client_data_json, "authenticator_data",
	        &a->authenticator_data, "signature", &a->signature) == -1)
		return problem_field(p, "passkey", "%s", jerr.text);
	if ((dump = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS)) == NULL ||
	    strlen(dump) >= SPR_ASSERTION_MAX)
		problem_field(
		    p, "passkey", "at most %d bytes", SPR_ASSERTION_MAX - 1);
	else {
		snprintf(text, SPR_ASSERTION_MAX, "%s", dump);
		rc = 0;
	}
	free(dump);
	return rc;
}

void
h_practice_approve(struct ctx *ctx)
{
	const char *sig = NULL;
	struct partner_cert_row ac;
	struct cred_facts_row facts;
	struct practice_row pr;
	struct pchal_row ch;
	struct link_row l, al;
	struct cred_facts_row afacts;
	struct passkey_assertion a;
	struct passkey_proof proof;
	struct problem p;
	json_t *body = NULL, *elig = NULL, *aelig = NULL, *o, *extra = NULL;
	char actor[64], apv[SPR_ID_MAX], pkch[PASSKEY_CHALLENGE_CHARS];
	char assertion[SPR_ASSERTION_MAX];
	struct tx tx;
	int found;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	memset(&ac, 0, sizeof(ac));
	if (practice_of_route(ctx, 0, ctx->db, &pr, &p) != 1 ||
	    link_of_route(ctx, ctx->db, pr.id, 0, &l, &p) != 1 ||
	    (body = ctx_body(ctx, &p)) == NULL ||
	    signed_parse(ctx, ctx->db, body, pr.id, "approve", &sig, &ch, &p) ==
	        -1)
		goto fail;
	if (strcmp(ch.serial, l.serial) != 0) {
		problem_field(&p, "challenge",
		    "names another credential than this link's");
		goto fail;
	}
	if (strcmp(ch.approver_serial, l.serial) == 0) {
		problem_set(&p, 403, "self-approval", "Self-approval",
		    "A prescriber cannot approve their own credential.");
		goto fail;
	}
	if ((found = store_link_of_serial(ctx->db, ctx->partner_id, pr.id,
	         ch.approver_serial, &al, &p)) == -1)
		goto fail;
	if (found == 1 && strcmp(al.user, l.user) == 0) {
		problem_set(&p, 403, "self-approval", "Self-approval",
		    "A prescriber cannot approve their own credential.");
		goto fail;
	}
	if (approver_approved(found, &al, &p) == -1)
		goto fail;
	if ((aelig = credential_eligibility(
	         ctx->db, al.serial, ctx->now, NULL, &p)) == NULL)
		goto fail;
	if (!credential_practice_eligible(aelig)) {
		problem_set(&p, 403, "approver-not-eligible",
		    "Approver not eligible",
		    "The approver's credential cannot sign for EPCS now.");
		extra = reasons_extra("approver_reasons", aelig);
		goto fail;
	}
	if (!l.enabled) {
		problem_set(&p, 409, "link-disabled", "Link disabled",
		    "A disabled link cannot be approved.");
		goto fail;
	}
	if (l.approved) {
		problem_set(&p, 409, "already-approved", "Already approved",
		    "This link is approved.");
		goto fail;
	}
	if ((elig = credential_eligibility(
	         ctx->db, l.serial, ctx->now, &facts, &p)) == NULL)
		goto fail;
	if (!credential_practice_eligible(elig)) {
		problem_set(&p, 422, "credential-not-eligible",
		    "Credential not eligible",
		    "Only an EPCS-eligible credential can be approved.");
		extra = reasons_extra("reasons", elig);
		goto fail;
	}
	if (program_cert(ctx, al.serial, &ac, &p) != 1)
		goto fail;
	if (sig == NULL) {
		if (passkey_parse(json_object_get(body, "passkey"), &a,
		        assertion, &p) == -1 ||
		    store_cred_facts(ctx->db, al.serial, &afacts, &p) != 1)
			goto fail;
		passkey_challenge_of(ch.statement, pkch);
		if (passkey_assertion_check(ctx->app, ctx->db, &a, afacts.app,
		        NULL, pkch, ctx->now, &proof, &p) == -1)
			goto fail;
	} else if (signature_check(&ac, ch.statement, sig, &p) == -1)
		goto fail;
	rand_id("cap_", apv, sizeof(apv));
	partner_actor(ctx, actor, sizeof(actor));
	if (tx_begin(&tx, ctx->db, ctx->now, actor, &p) == -1 ||
	    practice_of_route(ctx, 1, tx_db(&tx), &pr, &p) != 1 ||
	    challenge_use(ctx, &tx, pr.id, &ch, &p) == -1)
		goto fail;
	/* The approver's link as it is now, under the practice's lock. */
	if ((found = store_link_of_serial(tx_db(&tx), ctx->partner_id, pr.id,
	         ch.approver_serial, &al, &p)) == -1)
		goto fail;
	if (approver_approved(found, &al, &p) == -1)
		goto fail;
	if ((found = store_link_approve(
	         tx_db(&tx), l.id, "colleague", ctx->now, &p)) == -1)
		goto fail;
	if (found == 0) {
		problem_set(&p, 409, "already-approved", "Already approved",
		    "This link is approved or disabled.");
		goto fail;
	}
	if (sig == NULL &&
	    (found = passkey_assertion_use(
	         &tx, &proof, "credential_approval", afacts.app, &p)) != 0) {
		if (found == 1) {
			tx_abort(&tx);
			passkey_counter_regressed(
			    ctx->db, &proof, ctx->now, &p);
		}
		goto fail;
	}
	if (store_approval_record(tx_db(&tx), apv, l.id, al.id, al.serial,
	        ch.statement, sig, sig == NULL ? proof.key.id : NULL,
	        sig == NULL ? assertion : NULL, ctx->now, &p) == -1)
		goto fail;
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "approved_how",
	    "colleague", "approval", apv, "approver_link", al.id,
	    "approver_serial", al.serial, "approver_user", al.user, "proof",
	    sig == NULL ? "passkey" : "signature");
	found =
	    link_event(ctx, &tx, "credential.approved", &l, facts.app, o, &p);
	json_decref(o);
	if (found == -1 || link_reply(ctx, &tx, pr.id, &l, 1, 200, &p) == -1)
		goto fail;
	goto out;
fail:
	reply_tx_problem(ctx, &tx, &p, extra);
out:
	json_decref(elig);
	json_decref(aelig);
	store_partner_cert_row_free(&ac);
	json_decref(body);
}

static const char *const disable_keys[] = {"reason", NULL};

void
h_practice_disable(struct ctx *ctx)
{
	const char *reason = NULL;
	struct cred_facts_row facts;
	struct practice_row pr;
	struct link_row l;
	struct problem p;
	json_error_t jerr;
	json_t *body = NULL, *o;
	char actor[64];
	struct tx tx;
	int rc;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	if (practice_of_route(ctx, 0, ctx->db, &pr, &p) != 1 ||
	    (body = ctx_body(ctx, &p)) == NULL ||
	    ctx_known_fields(body, disable_keys, &p) == -1)
		goto fail;
	if (json_unpack_ex(body, &jerr, 0, "{s?s}", "reason", &reason) == -1 ||
	    (reason != NULL &&
	        (reason[0] == '\0' || strlen(reason) > REASON_MAX))) {
		problem_field(&p, "reason", "1 to %d bytes", REASON_MAX);
		goto fail;
	}
	partner_actor(ctx, actor, sizeof(actor));
	if (tx_begin(&tx, ctx->db, ctx->now, actor, &p) == -1 ||
	    practice_of_route(ctx, 1, tx_db(&tx), &pr, &p) != 1 ||
	    link_of_route(ctx, tx_db(&tx), pr.id, 1, &l, &p) != 1 ||
	    (rc = store_link_disable(tx_db(&tx), l.id,
	         reason != NULL ? reason : "disabled", NULL, ctx->now, &p)) ==
	        -1)
		goto fail;
	/* Disabled before: the same answer, nothing new recorded. */
	if (rc == 1) {
		if (store_cred_facts(tx_db(&tx), l.serial, &facts, &p) != 1)
			goto fail;
		o = json_pack(
		    "{s:s}", "reason", reason != NULL ? reason : "disabled");
		rc = link_event(
		    ctx, &tx, "credential.disabled", &l, facts.app, o, &p);
		json_decref(o);
		if (rc == -1)
			goto fail;
	}
	if (link_reply(ctx, &tx, pr.id, &l, 0, 200, &p) == -1)
		goto fail;
	goto out;
fail:
	reply_tx_problem(ctx, &tx, &p, NULL);
out:
	json_decref(body);
}

void
h_practice_link_get(struct ctx *ctx)
{
	struct practice_row pr;
	struct link_row l;
	struct problem p;
	json_t *o;

	problem_clear(&p);
	if (practice_of_route(ctx, 0, ctx->db, &pr, &p) != 1 ||
	    link_of_route(ctx, ctx->db, pr.id, 0, &l, &p) != 1 ||
	    (o = link_json(ctx, &l, 1, &p)) == NULL) {
		reply_problem(ctx, &p, NULL);
		return;
	}
	reply_json(ctx, 200, o);
}

static const struct page_rule links_page = {LINKS_LIMIT, LINKS_MAX, SPR_ID_MAX,
    PAGE_AFTER_TEXT, "the next_after of the previous page"};
static const char *const links_params[] = {"after", "limit", NULL};

void
h_practice_links(struct ctx *ctx)
{
	struct link_row *rows = NULL;
	struct practice_row pr;
	struct problem p;
	struct page pg;
	json_t *items = NULL, *o;
	int i, n = 0;

	problem_clear(&p);
	if (practice_of_route(ctx, 0, ctx->db, &pr, &p) != 1 ||
	    ctx_known_query(ctx, links_params, &p) == -1 ||
	    page_parse(ctx, &links_page, &pg, &p) == -1 ||
	    store_link_list(ctx->db, ctx->partner_id, pr.id,
	        pg.after[0] != '\0' ? pg.after : NULL, pg.limit, &rows, &n,
	        &p) == -1)
		goto fail;
	items = json_array();
	for (i = 0; i < n; i++) {
		if ((o = link_json(ctx, &rows[i], 0, &p)) == NULL)
			goto fail;
		json_array_append_new(items, o);
	}
	page_reply(
	    ctx, items, page_full(&pg, n) ? json_string(rows[n - 1].id) : NULL);
	free(rows);
	return;
fail:
	json_decref(items);
	free(rows);
	reply_problem(ctx, &p, NULL);
}
