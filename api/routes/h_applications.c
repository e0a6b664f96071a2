/* Applying, reading an application, and verifying its e-mail address. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/service/app.h"
#include "api/jobs/jobkinds.h"
#include "api/jobs/jobs.h"
#include "api/service/invitation.h"
#include "api/service/oidcflow.h"
#include "api/service/payment.h"
#include "api/store/store_partners.h"
#include "api/routes/idem.h"
#include "api/routes/routes.h"
#include "api/service/proofjob.h"
#include "api/store/store_app.h"
#include "api/service/throttle.h"
#include "api/store/tx.h"
#include "api/store/audit.h"
#include "common/digest.h"
#include "common/logger.h"
#include "common/rand.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"
#include "proofing/application.h"
#include "proofing/emailcode.h"
#include "proofing/secret.h"

/* Hashes of the password and the normalised answers, made before the
 * transaction opens (Argon2id is the costly part of intake). */
struct secrets {
	char *password;                 /* encoded Argon2id */
	char *answers[BOUND_QUESTIONS]; /* encoded Argon2id */
};

static void
secrets_free(struct secrets *s)
{
	int i;

	free(s->password);
	for (i = 0; i < BOUND_QUESTIONS; i++)
		free(s->answers[i]);
}

static int
secrets_make(struct ctx *ctx, const struct application_input *in,
    struct secrets *s, struct problem *p)
{
	const struct secret_params *sp = &ctx->app->argon;
	char norm[BOUND_ANSWER * 4 + 1];
	size_t n = secret_encoded_len(sp);
	int i;

	memset(s, 0, sizeof(*s));
	s->password = xmalloc(n);
	if (secret_hash(
	        in->password, strlen(in->password), sp, s->password, n) == -1)
		return problem_internal(p);
	for (i = 0; i < in->nqa; i++) {
		if (secret_normalize_answer(
		        in->qa[i].answer, norm, sizeof(norm)) == -1)
			return problem_invalid(p, "account.secret_questions",
			    "an answer is empty");
		s->answers[i] = xmalloc(n);
		if (secret_hash(norm, strlen(norm), sp, s->answers[i], n) == -1)
			return problem_internal(p);
		OPENSSL_cleanse(norm, sizeof(norm));
	}
	return 0;
}

static int
insert_application(struct ctx *ctx, struct tx *tx, const char *id,
    const struct application_input *in, const struct secrets *s,
    const struct price *price, time_t verify_by, struct problem *p)
{
	struct app_new n;
	char *pricejson;
	json_t *pj;
	int rc;

	memset(&n, 0, sizeof(n));
	pj = price_to_json(price);
	pricejson = json_dumps(pj, JSON_COMPACT);
	json_decref(pj);
	n.price_json = pricejson;
	n.id = id;
	n.policy = config_policy_name(ctx->app->cfg->policy);
	n.in = in;
	n.password_hash = s->password;
	n.answer_hashes = s->answers;
	n.total_cents = price->total_cents;
	n.now = ctx->now;
	n.verify_by = verify_by;
	rc = store_app_insert(tx_db(tx), &n, p);
	free(pricejson);
	return rc;
}

/* The 201 body for application id, with a new session. */
static int
created_body(struct ctx *ctx, struct db *db, const char *id, json_t **out,
    struct problem *p)
{
	struct app_summary_row s;
	json_error_t jerr;
	json_t *price;
	char token[64];
	time_t expires;
	int found;

	if ((found = store_app_summary(db, id, &s, p)) != 1)
		return found == 0 ? problem_internal(p) : -1;
	price = json_loads(s.price, 0, &jerr);
	if (session_issue(ctx, id, token, sizeof(token), &expires, p) == -1) {
		json_decref(price);
		store_app_summary_free(&s);
		return -1;
	}
	*out =
	    json_pack("{s:s, s:s, s:o, s:o, s:{s:s, s:o}}", "id", id, "status",
	        s.status, "email_verify_by", wallclock_json(s.email_verify_by),
	        "price", price != NULL ? price : json_null(), "session",
	        "token", token, "expires_at", wallclock_json(expires));
	OPENSSL_cleanse(token, sizeof(token));
	store_app_summary_free(&s);
	return 0;
}

/* The answer of a replayed Idempotency-Key: the created body again. */
static json_t *
created_answer(
    struct ctx *ctx, struct db *db, const char *id, struct problem *p)
{
	json_t *out = NULL;

	if (created_body(ctx, db, id, &out, p) == -1)
		return NULL;
	return out;
}

static const struct idem_route apply_idem = {
    "applications", 201, created_answer};

/*
 * Authorises the price of in (with its voucher, read but not yet
 * redeemed) on the payment card, before the application's transaction.
 * 0 with pay and key filled; -1 with p set: a decline is 402 naming
 * payment.card_token, and nothing else is written.
 */
static int
charge(struct ctx *ctx, const struct application_input *in, const char *idem,
    const char *id, const struct catalog *cat, struct payment_answer *pay,
    char *key, size_t keysz, struct problem *p)
{
	struct price price = in->price;
	long off;
	int found;

	if (in->voucher != NULL) {
		if ((found = store_app_voucher(
		         ctx->db, in->voucher, in->program, 0, &off, p)) == -1)
			return -1;
		if (found == 0)
			return problem_invalid(
			    p, "voucher", "unknown or already redeemed");
		if (price_compute(cat, in->product, in->storage, in->shipping,
		        in->country, in->state, off, &price, p) == -1)
			return -1;
	}
	payment_authorise_key(idem, ctx->req->body, ctx->req->body_len,
	    price.total_cents, id, key, keysz);
	if (payment_authorise(ctx->app, ctx->db, key, in->payment_card_token,
	        price.total_cents, ctx->now, pay, p) == -1)
		return -1;
	if (!pay->approved) {
		problem_set(p, 402, "payment-declined", "Payment declined",
		    "The payment card was declined (%s); nothing was charged.",
		    pay->decline);
		return problem_field(
		    p, "payment.card_token", "the card was declined");
	}
	return 0;
}

/*
 * Uses one of each daily quota of scope ("apply" or "mail") for e-mail
 * address email and the request's client address, inside the caller's
 * transaction on db.  0, or -1 with p set (429 with Retry-After when one
 * is used up: the caller rolls back, so a refusal counts nothing).
 */
static int
daily_quota(struct ctx *ctx, struct db *db, const char *scope,
    const char *email, int per_email, int per_client, struct problem *p)
{
	char subject[BOUND_EMAIL + 3];
	int we, wc;

	snprintf(subject, sizeof(subject), "e:%s", email);
	if ((we = throttle_quota(db, scope, subject, per_email, ctx->now, p)) ==
	    -1)
		return -1;
	snprintf(subject, sizeof(subject), "c:%s", ctx->req->client);
	if ((wc = throttle_quota(
	         db, scope, subject, per_client, ctx->now, p)) == -1)
		return -1;
	if (we == 0 && wc == 0)
		return 0;
	problem_set(p, 429,
	    strcmp(scope, "apply") == 0 ? "too-many-applications"
	                                : "too-many-mails",
	    "Daily limit reached",
	    "Too many %s for this e-mail address or from this address today.",
	    strcmp(scope, "apply") == 0 ? "applications" : "mails");
	p->retry_after = we > wc ? we : wc;
	return -1;
}

/* The daily limits of a new application, in a unit of work of their own
 * before anything is hashed or charged. */
static int
apply_quota(struct ctx *ctx, const char *email, struct problem *p)
{
	const struct config *c = ctx->app->cfg;
	struct tx tx;

	if (tx_begin(&tx, ctx->db, ctx->now, "anonymous", p) == -1)
		return -1;
	if (daily_quota(ctx, tx_db(&tx), "apply", email, c->apply_per_email,
	        c->apply_per_client, p) == -1 ||
	    daily_quota(ctx, tx_db(&tx), "mail", email, c->mails_per_email,
	        c->mails_per_client, p) == -1 ||
	    tx_commit(&tx, p) == -1) {
		tx_abort(&tx);
		return -1;
	}
	return 0;
}

void
h_apply(struct ctx *ctx)
{
	struct application_input in;
	struct secrets sec;
	struct catalog cat;
	struct price price;
	struct problem p;
	struct tx tx;
	char id[32], voucher_hash[65], inv[32];
	struct idem ik;
	json_t *body = NULL, *out = NULL, *details;
	struct payment_answer pay;
	char paykey[PAYMENT_KEY_LEN + 1];
	time_t verify_by;
	long voucher = 0;
	int rc, paid = 0, sandbox = 0;

	memset(&in, 0, sizeof(in));
	memset(&sec, 0, sizeof(sec));
	memset(&tx, 0, sizeof(tx));
	problem_clear(&p);
	if (idem_start(ctx, &apply_idem, &ik, &p) == -1 ||
	    (body = ctx_body(ctx, &p)) == NULL)
		goto fail;
	/* A replay is answered from the database, before anything is
	 * hashed or charged; a race that passes here is settled by
	 * idem_claim() in the transaction, under the same provider key. */
	if ((rc = idem_replay(ctx, &ik, &p)) == -1)
		goto fail;
	if (rc == 1)
		goto done;
	if (app_catalog(ctx->app, ctx->db, &cat, &p) == -1)
		goto fail;
	if (application_parse(
	        body, ctx->app->cfg->policy, ctx->now, &cat, &in, &p) == -1)
		goto fail;
	/* Only an agreement the server published (GET /v1/application-form)
	 * can have been accepted. */
	if ((rc = store_agreement_published(
	         ctx->db, in.agreement_version, &p)) != 1) {
		if (rc == 0)
			problem_invalid(&p, "subscriber_agreement.version",
			    "not a published version of the agreement; "
			    "load the form again");
		goto fail;
	}
	/* The program's invitation rule before anything is charged, and
	 * again, locked, in the transaction. */
	if (invitation_admit(ctx->db, 0, ctx->now, &in.program, in.invitation,
	        inv, sizeof(inv), &p) == -1)
		goto fail;
	if (apply_quota(ctx, in.email, &p) == -1)
		goto fail;
	if (secrets_make(ctx, &in, &sec, &p) == -1)
		goto fail;
	rand_id("app_", id, sizeof(id));
	verify_by = ctx->now + (time_t)ctx->app->cfg->email_window_days * 86400;
	/* A sandbox application is never charged (api/service/sandbox.h). */
	if (in.program != NULL &&
	    (sandbox = store_app_sandbox(ctx->db, in.program, 1, &p)) == -1)
		goto fail;
	if (payment_enabled(ctx->app) && !sandbox) {
		if (charge(ctx, &in, ik.key, id, &cat, &pay, paykey,
		        sizeof(paykey), &p) == -1)
			goto fail;
		paid = 1;
	}

	if (tx_begin(&tx, ctx->db, ctx->now, id, &p) == -1)
		goto fail;
	if ((rc = idem_claim(ctx, &ik, &tx, id, &p)) == -1)
		goto fail;
	if (rc == 1)
		goto done;
	if (invitation_admit(tx_db(&tx), 1, tx.now, &in.program, in.invitation,
	        inv, sizeof(inv), &p) == -1)
		goto fail;
	price = in.price;
	if (in.voucher != NULL) {
		if ((rc = store_app_voucher(tx_db(&tx), in.voucher, in.program,
		         1, &voucher, &p)) == -1)
			goto fail;
		if (rc == 0) {
			problem_invalid(
			    &p, "voucher", "unknown or already redeemed");
			goto fail;
		}
		if (price_compute(&cat, in.product, in.storage, in.shipping,
		        in.country, in.state, voucher, &price, &p) == -1)
			goto fail;
	}
	if (paid && price.total_cents != pay.amount_cents) {
		problem_set(&p, 409, "price-changed", "Price changed",
		    "The price changed while the card was authorised; "
		    "try again.");
		goto fail;
	}
	if (insert_application(
	        ctx, &tx, id, &in, &sec, &price, verify_by, &p) == -1)
		goto fail;
	if (inv[0] != '\0' && invitation_applied_tx(&tx, inv, id, &p) == -1)
		goto fail;
	if (paid &&
	    payment_attach(
	        ctx->app, tx_db(&tx), id, paykey, &pay, ctx->now, &p) == -1)
		goto fail;
	if (in.voucher != NULL &&
	    store_app_voucher_redeem(
	        tx_db(&tx), in.voucher, id, ctx->now, &p) == -1)
		goto fail;
	/* A voucher code works like cash: the audit keeps its keyed hash. */
	if (in.voucher != NULL &&
	    audit_keyed_hash(tx_db(&tx), in.voucher, voucher_hash, &p) == -1)
		goto fail;
	details = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s, s:I}", "product",
	    in.product, "storage", in.storage, "shipping", in.shipping,
	    "program", in.program, "voucher_hmac",
	    in.voucher != NULL ? voucher_hash : NULL, "policy",
	    config_policy_name(ctx->app->cfg->policy), "total_cents",
	    (json_int_t)price.total_cents);
	rc = app_record_tx(&tx, id, NULL, "email_pending", id,
	    "application received", details, &p);
	json_decref(details);
	if (rc == -1)
		goto fail;
	if (jobs_add(tx_db(&tx), ctx->app->cfg, JOB_EMAIL_CODE, id, NULL,
	        ctx->now, &p) == -1)
		goto fail;
	if (created_body(ctx, tx_db(&tx), id, &out, &p) == -1)
		goto fail;
	if (tx_commit(&tx, &p) == -1)
		goto fail;
	atomic_fetch_add(&ctx->app->applications_created, 1);
	log_info("application created", "app=%s product=%s", id, in.product);
	reply_json(ctx, 201, out);
	goto done;
fail:
	json_decref(out);
	reply_tx_problem(ctx, &tx, &p, NULL);
done:
	json_decref(body);
	secrets_free(&sec);
	application_input_free(&in);
}

/* A string, or JSON null for NULL. */
static json_t *
str_or_null(const char *v)
{
	return v != NULL ? json_string(v) : json_null();
}

struct timeline {
	json_t *a;    /* the entries so far */
	int operator; /* the reader is an operator: show actors */
};

static void
timeline_add(const struct app_event_row *ev, void *arg)
{
	struct timeline *t = arg;
	json_t *e;

	e = json_pack("{s:s, s:o, s:o}", "status", ev->status, "at",
	    wallclock_json(ev->at), "note", str_or_null(ev->note));
	if (t->operator)
		json_object_set_new(e, "actor", str_or_null(ev->actor));
	json_array_append_new(t->a, e);
}

/* What the subscriber can do with a certificate now (the server's
 * clock decides, as the renewal does). */
static const char *
cert_state(const struct app_cert_row *c, time_t now, time_t window)
{
	if (strcmp(c->state, "revoked") == 0)
		return "revoked";
	if (now >= c->not_after)
		return "expired";
	if (c->renewed)
		return "renewed";
	return now >= c->not_after - window ? "renewable" : "valid";
}

/* "certificates": each with its status, validity and renewal window
 * ([not_after - RXCA_RENEWAL_WINDOW_DAYS, not_after), as
 * POST /v1/certificates/{serial}/renewal applies it). */
static int
certs_add(struct ctx *ctx, json_t *o, const char *id, struct problem *p)
{
	struct app_cert_row *rows = NULL;
	json_t *a = json_array();
	time_t days = (time_t)ctx->app->cfg->renewal_window_days * 86400;
	long n, i;

	if ((n = store_app_certs(ctx->db, id, &rows, p)) < 0) {
		json_decref(a);
		return -1;
	}
	for (i = 0; i < n; i++)
		json_array_append_new(a,
		    json_pack(
		        "{s:s, s:s, s:s, s:o, s:o, s:o, s:b, s:{s:o, s:o}}",
		        "serial", rows[i].serial, "status", rows[i].state,
		        "state", cert_state(&rows[i], ctx->now, days),
		        "not_before", wallclock_json(rows[i].not_before),
		        "not_after", wallclock_json(rows[i].not_after),
		        "issued_at", wallclock_json(rows[i].issued_at),
		        "renewed", rows[i].renewed, "renewal_window", "opens",
		        wallclock_json(rows[i].not_after - days), "closes",
		        wallclock_json(rows[i].not_after)));
	free(rows);
	json_object_set_new(o, "certificates", a);
	return 0;
}

/* Adds identity_sign_in to application o while it waits for the
 * applicant's sign-in at the OpenID provider (docs/oidc.md).  0 or -1. */
static int
oidc_offer_add(
    struct ctx *ctx, json_t *o, const struct app_view_row *v, struct problem *p)
{
	int f;

	if (strcmp(v->status, "proofing") != 0)
		return 0;
	if ((f = oidcflow_owns(ctx->app, ctx->db, v->id, p)) != 1)
		return f;
	json_object_set_new(o, "identity_sign_in",
	    json_pack("{s:s}", "provider", ctx->app->cfg->oidc_name));
	return 0;
}

void
h_application_get(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id");
	struct timeline t = {NULL, ctx->operator_id[0] != '\0'};
	struct app_view_row v;
	struct problem p;
	json_error_t jerr;
	json_t *o, *price;
	int found = 0;

	memset(&v, 0, sizeof(v));
	problem_clear(&p);
	/* An applicant sees only their own; an operator sees any. */
	if (!t.operator&& strcmp(id, ctx->session_app) != 0)
		goto notfound;
	if ((found = store_app_view(ctx->db, id, &v, &p)) == -1)
		goto fail;
	if (found == 0)
		goto notfound;
	t.a = json_array();
	if (store_app_events(ctx->db, id, timeline_add, &t, &p) == -1)
		goto fail;
	price = json_loads(v.price, 0, &jerr);
	o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:o}", "id", v.id,
	    "status", v.status, "policy", v.policy, "product", v.product,
	    "storage", str_or_null(v.storage), "shipping", v.shipping,
	    "program", str_or_null(v.program));
	json_object_set_new(o, "applicant",
	    json_pack("{s:s, s:o, s:s, s:s, "
	              "s:s, s:{s:s, s:o, s:s}}",
	        "given_name", v.given_name, "middle_name",
	        str_or_null(v.middle_name), "family_name", v.family_name,
	        "email", v.email, "phone", v.phone, "home_address", "city",
	        v.city, "state", str_or_null(v.state), "country", v.country));
	json_object_set_new(o, "price", price != NULL ? price : json_null());
	json_object_set_new(o, "created_at", wallclock_json(v.created_at));
	json_object_set_new(o, "updated_at", wallclock_json(v.updated_at));
	json_object_set_new(
	    o, "email_verify_by", wallclock_json(v.email_verify_by));
	json_object_set_new(
	    o, "email_verified_at", wallclock_json(v.email_verified_at));
	json_object_set_new(o, "subscriber_agreement_version",
	    json_string(v.agreement_version));
	json_object_set_new(o, "timeline", t.a);
	t.a = NULL;
	if (oidc_offer_add(ctx, o, &v, &p) == -1 ||
	    certs_add(ctx, o, id, &p) == -1) {
		json_decref(o);
		goto fail;
	}
	store_app_view_free(&v);
	reply_json(ctx, 200, o);
	return;
notfound:
	problem_set(&p, 404, "not-found", "Not found", "No such application.");
fail:
	json_decref(t.a);
	store_app_view_free(&v);
	reply_problem(ctx, &p, NULL);
}

/*
 * GET /v1/applications/{id}/prefill (the applicant's own session): once the
 * application's certificate has expired, a POST /v1/applications body with
 * its identity fields, for the applicant to complete and apply again.  No
 * secrets, card tokens or SSN; the agreement is not accepted.  404, or 409
 * not-expired while no certificate of it has expired.
 */
void
h_application_prefill(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id");
	struct app_prefill_row f;
	struct problem p;
	json_t *o;
	int found = 0;

	memset(&f, 0, sizeof(f));
	problem_clear(&p);
	if (strcmp(id, ctx->session_app) != 0)
		goto notfound;
	if ((found = store_app_prefill(ctx->db, id, ctx->now, &f, &p)) == -1)
		goto fail;
	if (found == 0)
		goto notfound;
	if (!f.expired) {
		problem_set(&p, 409, "not-expired", "Not expired",
		    "An application is prefilled from one whose certificate "
		    "has expired; renew a valid certificate instead.");
		goto fail;
	}
	o = json_pack("{s:s, s:o, s:s, s:n, s:n}", "product", f.product,
	    "storage", str_or_null(f.storage), "shipping", f.shipping,
	    "program", "voucher");
	json_object_set_new(o, "applicant",
	    json_pack("{s:s, s:o, s:s, s:s, s:s, s:s, "
	              "s:{s:s, s:o, s:s, s:o, s:s, s:s}, s:o, s:o, s:n}",
	        "given_name", f.given_name, "middle_name",
	        str_or_null(f.middle_name), "family_name", f.family_name,
	        "date_of_birth", f.date_of_birth, "email", f.email, "phone",
	        f.phone, "home_address", "line1", f.line1, "line2",
	        str_or_null(f.line2), "city", f.city, "state",
	        str_or_null(f.state), "postal_code", f.postal_code, "country",
	        f.country, "npi", str_or_null(f.npi), "dea_number",
	        str_or_null(f.dea_number), "ssn_last4"));
	json_object_set_new(o, "address_verification", json_null());
	json_object_set_new(o, "payment", json_null());
	json_object_set_new(o, "account", json_null());
	json_object_set_new(o, "subscriber_agreement",
	    json_pack(
	        "{s:s, s:b}", "version", f.agreement_version, "accepted", 0));
	store_app_prefill_free(&f);
	reply_json(ctx, 200, o);
	return;
notfound:
	problem_set(&p, 404, "not-found", "Not found", "No such application.");
fail:
	store_app_prefill_free(&f);
	reply_problem(ctx, &p, NULL);
}

/* Lapses application id (locked by the caller) whose window has closed. */
static int
lapse(struct ctx *ctx, struct tx *tx, const char *id, struct problem *p)
{
	if (store_app_status_set(tx_db(tx), id, "lapsed", ctx->now, p) == -1 ||
	    store_app_codes_kill(tx_db(tx), id, p) == -1 ||
	    app_record_tx(tx, id, "email_pending", "lapsed", "system",
	        "e-mail not verified within the window", NULL, p) == -1)
		return -1;
	return payment_on_outcome(ctx->app, tx_db(tx), id, 0, 1, ctx->now, p);
}

/*
 * Locks application id and checks that its e-mail may still be verified.
 * Returns 0 with *l filled; 1 if the window closed (the application is now
 * lapsed and p says 410 — the caller commits); -1 with p set.
 */
static int
lock_pending(struct ctx *ctx, struct tx *tx, const char *id,
    struct app_lock_row *l, struct problem *p)
{
	int found;

	if ((found = store_app_lock(tx_db(tx), id, l, p)) == -1)
		return -1;
	if (found == 0)
		return problem_set(
		    p, 404, "not-found", "Not found", "No such application.");
	if (strcmp(l->status, "lapsed") == 0)
		return problem_set(p, 410, "lapsed", "Application lapsed",
		    "The e-mail address was not verified within the window; "
		    "apply again.");
	if (strcmp(l->status, "email_pending") != 0)
		return problem_set(p, 409, "not-pending",
		    "Not waiting for a code",
		    "The application is %s: its e-mail address is not waiting "
		    "to be verified.",
		    l->status);
	if (ctx->now > l->email_verify_by) {
		if (lapse(ctx, tx, id, p) == -1)
			return -1;
		problem_set(p, 410, "lapsed", "Application lapsed",
		    "The e-mail address was not verified within the window; "
		    "apply again.");
		return 1;
	}
	return 0;
}

/* Counts one wrong code; returns the tries left on this code, or -1. */
static int
count_failure(struct ctx *ctx, struct tx *tx, const char *id, long long codeid,
    struct problem *p)
{
	json_t *details;
	int attempts, app_failures, rc;

	if ((rc = store_app_code_fail(tx_db(tx), codeid,
	         ctx->app->cfg->email_code_attempts, &attempts, p)) == -1)
		return -1;
	if (rc == 0)
		return problem_internal(p);
	if (store_app_email_failed(tx_db(tx), id, &app_failures, p) == -1)
		return -1;
	details = json_pack("{s:i, s:i}", "code_attempts", attempts,
	    "application_failures", app_failures);
	rc = tx_audit_as(
	    tx, "anonymous", "email.verification_failed", id, details, p);
	json_decref(details);
	if (rc == -1)
		return -1;
	rc = ctx->app->cfg->email_code_attempts - attempts;
	return rc < 0 ? 0 : rc;
}

static void
too_many(struct ctx *ctx, struct problem *p, int permanent)
{
	problem_set(p, 429, "too-many-attempts", "Too many attempts",
	    permanent ? "Too many wrong codes for this application; apply "
	                "again."
	              : "This code has no tries left; ask for a new code.");
	p->retry_after = permanent
	    ? 86400
	    : (ctx->app->cfg->email_resend_interval > 0
	              ? ctx->app->cfg->email_resend_interval
	              : 1);
}

/*
 * 1 if hash is one of the earlier codes of the live code c: codes its
 * mail job sent before a database fault, still valid.
 */
static int
code_earlier(const struct email_code_row *c, const unsigned char *hash)
{
	long i;
	int found = 0;

	for (i = 0; c->nearlier > 0 && i + DIGEST_LEN <= c->nearlier;
	     i += DIGEST_LEN)
		found |= digest_equal(hash, c->earlier + i, DIGEST_LEN);
	return found;
}

/*
 * Ends the unit of work of a refusal: commits what it counted when commit
 * is set (a wrong code, a lapse), else rolls back; a failed commit's
 * problem replaces p and drops *extra.
 */
static void
refusal_end(struct tx *tx, int commit, struct problem *p, json_t **extra)
{
	struct problem q;

	if (!commit) {
		tx_abort(tx);
		return;
	}
	problem_clear(&q);
	if (tx_commit(tx, &q) == -1) {
		if (extra != NULL) {
			json_decref(*extra);
			*extra = NULL;
		}
		*p = q;
	}
}

static const char *const verify_keys[] = {"code", NULL};

void
h_email_verify(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id"), *code = NULL;
	char norm[EMAILCODE_CHARS + 1];
	unsigned char hash[DIGEST_LEN];
	struct email_code_row c;
	struct app_lock_row l;
	struct problem p;
	struct tx tx;
	json_error_t jerr;
	json_t *body = NULL, *extra = NULL;
	int rc, left, attempts, commit_problem = 0;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	memset(norm, 0, sizeof(norm));
	if ((body = ctx_body(ctx, &p)) == NULL)
		goto reply;
	if (ctx_known_fields(body, verify_keys, &p) == -1)
		goto reply;
	if (json_unpack_ex(body, &jerr, JSON_STRICT, "{s:s}", "code", &code) ==
	    -1) {
		problem_field(&p, "code", "%s", jerr.text);
		goto reply;
	}
	if (emailcode_normalize(code, norm) == -1) {
		problem_invalid(&p, "code",
		    "a code has 10 letters and digits, "
		    "like ABCDE-12345");
		goto reply;
	}
	if (tx_begin(&tx, ctx->db, ctx->now, id, &p) == -1)
		goto reply;
	rc = lock_pending(ctx, &tx, id, &l, &p);
	if (rc == 1) {
		commit_problem = 1;
		goto reply;
	}
	if (rc == -1)
		goto reply;
	if (l.email_failures >= ctx->app->cfg->email_app_attempts) {
		too_many(ctx, &p, 1);
		goto reply;
	}
	if ((rc = store_app_code_live(tx_db(&tx), id, &c, &p)) == -1)
		goto reply;
	if (rc == 0) {
		if ((rc = store_app_code_last(tx_db(&tx), id, &attempts, &p)) ==
		    -1)
			goto reply;
		if (rc == 1 && attempts >= ctx->app->cfg->email_code_attempts)
			too_many(ctx, &p, 0);
		else {
			problem_set(&p, 409, "no-code", "No code yet",
			    "No code is waiting for this application; a new "
			    "one is on its way, or ask for one.");
			p.retry_after = 5;
		}
		goto reply;
	}
	if (ctx->now > c.expires_at) {
		if (store_app_codes_kill(tx_db(&tx), id, &p) == -1)
			goto reply;
		problem_set(&p, 410, "code-expired", "Code expired",
		    "This code has expired; ask for a new one.");
		commit_problem = 1;
		goto reply;
	}
	emailcode_hash(id, norm, hash);
	if (!digest_equal(hash, c.hash, DIGEST_LEN) &&
	    !code_earlier(&c, hash)) {
		if ((left = count_failure(ctx, &tx, id, c.id, &p)) == -1)
			goto reply;
		problem_field(&p, "code", "the code is not right");
		extra = json_pack("{s:i}", "attempts_left", left);
		commit_problem = 1;
		goto reply;
	}
	if (store_app_code_use(tx_db(&tx), c.id, &p) == -1 ||
	    store_app_verified(tx_db(&tx), id, ctx->now, &p) == -1 ||
	    app_record_tx(&tx, id, "email_pending", "proofing", id,
	        "e-mail address verified", NULL, &p) == -1 ||
	    proofjob_enqueue_check(ctx->app, tx_db(&tx), id, ctx->now, &p) ==
	        -1 ||
	    tx_commit(&tx, &p) == -1)
		goto reply;
	log_info("e-mail verified", "app=%s", id);
	reply_json(ctx, 200,
	    json_pack("{s:s, s:s, s:o}", "id", id, "status", "proofing",
	        "email_verified_at", wallclock_json(ctx->now)));
	goto out;
reply:
	refusal_end(&tx, commit_problem, &p, &extra);
	reply_problem(ctx, &p, extra);
out:
	OPENSSL_cleanse(norm, sizeof(norm));
	json_decref(body);
}

void
h_email_resend(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id");
	const struct config *cfg = ctx->app->cfg;
	char email[STORE_APP_EMAIL_MAX];
	struct app_lock_row l;
	struct problem p;
	struct tx tx;
	time_t last;
	int rc, commit_problem = 0;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	if (strcmp(id, ctx->session_app) != 0) {
		problem_set(
		    &p, 404, "not-found", "Not found", "No such application.");
		goto reply;
	}
	if (tx_begin(&tx, ctx->db, ctx->now, id, &p) == -1)
		goto reply;
	rc = lock_pending(ctx, &tx, id, &l, &p);
	if (rc != 0) {
		commit_problem = rc == 1;
		goto reply;
	}
	if (l.email_resends >= cfg->email_resend_max) {
		problem_set(&p, 429, "too-many-resends", "Too many resends",
		    "No more codes can be sent for this application.");
		p.retry_after = 86400;
		goto reply;
	}
	last = l.email_last_sent_at;
	if (last != 0 && ctx->now < last + cfg->email_resend_interval) {
		problem_set(&p, 429, "resend-too-soon", "Too soon",
		    "A code was sent moments ago; wait before asking again.");
		p.retry_after =
		    (int)(last + cfg->email_resend_interval - ctx->now);
		goto reply;
	}
	if (store_app_email_of(tx_db(&tx), id, email, sizeof(email), &p) != 1 ||
	    daily_quota(ctx, tx_db(&tx), "mail", email, cfg->mails_per_email,
	        cfg->mails_per_client, &p) == -1) {
		if (p.status == 0)
			problem_internal(&p);
		goto reply;
	}
	if (store_app_codes_kill(tx_db(&tx), id, &p) == -1 ||
	    store_app_resend(tx_db(&tx), id, ctx->now, &p) == -1 ||
	    jobs_add(tx_db(&tx), cfg, JOB_EMAIL_CODE, id, NULL, ctx->now, &p) ==
	        -1 ||
	    tx_audit(&tx, "email.code_resend", id, NULL, &p) == -1 ||
	    tx_commit(&tx, &p) == -1)
		goto reply;
	reply_json(ctx, 202, json_pack("{s:s}", "status", "sent"));
	return;
reply:
	refusal_end(&tx, commit_problem, &p, NULL);
	reply_problem(ctx, &p, NULL);
}

/*
 * POST /v1/applications/{id}/decision-mail/resend (the applicant's own
 * session): the decision e-mail once more, limited like the code resend
 * (RXCA_EMAIL_RESEND_INTERVAL, RXCA_EMAIL_RESEND_MAX).  A decision mail
 * still queued is tried at once instead of queueing another.  202, 404,
 * 409 not-decided, 429.
 */
void
h_decision_mail_resend(struct ctx *ctx)
{
	const char *id = ctx_param(ctx, "id");
	const struct config *cfg = ctx->app->cfg;
	struct app_decision_mails m;
	char status[STORE_APP_STATUS_MAX];
	struct problem p;
	struct tx tx;
	int decided, found;

	problem_clear(&p);
	memset(&tx, 0, sizeof(tx));
	if (strcmp(id, ctx->session_app) != 0) {
		problem_set(
		    &p, 404, "not-found", "Not found", "No such application.");
		goto fail;
	}
	if (tx_begin(&tx, ctx->db, ctx->now, id, &p) == -1)
		goto fail;
	if ((found = store_app_decision_lock(
	         tx_db(&tx), id, status, sizeof(status), &decided, &p)) == -1)
		goto fail;
	if (found == 0) {
		problem_set(
		    &p, 404, "not-found", "Not found", "No such application.");
		goto fail;
	}
	if (!decided) {
		problem_set(&p, 409, "not-decided", "Not decided",
		    "The application is %s: there is no decision to mail yet.",
		    status);
		goto fail;
	}
	if (store_app_decision_mails(tx_db(&tx), id, ctx->now, &m, &p) == -1)
		goto fail;
	if (m.sent - 1 >= cfg->email_resend_max) {
		problem_set(&p, 429, "too-many-resends", "Too many resends",
		    "The decision e-mail cannot be sent again for this "
		    "application.");
		p.retry_after = 86400;
		goto fail;
	}
	if (m.last != 0 && ctx->now < m.last + cfg->email_resend_interval) {
		problem_set(&p, 429, "resend-too-soon", "Too soon",
		    "The decision e-mail was sent moments ago; wait before "
		    "asking again.");
		p.retry_after =
		    (int)(m.last + cfg->email_resend_interval - ctx->now);
		goto fail;
	}
	if ((m.queued > 0
	            ? store_app_decision_kick(tx_db(&tx), id, ctx->now, &p)
	            : jobs_add(tx_db(&tx), cfg, JOB_EMAIL_DECISION, id, NULL,
	                  ctx->now, &p)) == -1 ||
	    tx_audit(&tx, "email.decision_resend", id, NULL, &p) == -1 ||
	    tx_commit(&tx, &p) == -1)
		goto fail;
	reply_json(ctx, 202, json_pack("{s:s}", "status", "sent"));
	return;
fail:
	reply_tx_problem(ctx, &tx, &p, NULL);
}
