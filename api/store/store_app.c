/* The storage of applications: see api/store/store_app.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/store/db.h"
#include "api/store/store.h"
#include "api/store/store_app.h"
#include "api/store/store_mail.h"
#include "api/store/store_payment.h"
#include "api/store/store_proofing.h"
#include "common/xmalloc.h"
#include "proofing/application.h"
#include "proofing/catalog.h"

#define STMT(id, n, text) static const struct sql sql_##id = {#id, text, n}

/* The decision mails of an application, with their columns named. */
STMT(app_decision_mails, 2,
    "SELECT count(*) AS sent, max(created_at) AS last, count(*) FILTER "
    "(WHERE state = 'queued' AND (attempts > 0 OR run_at <= $2)) AS queued "
    "FROM jobs WHERE kind = 'email.decision' AND application_id = $1");

/* Runs stmt with the text argument s and then the time t. */
static int
run_id_time(struct db *db, const struct sql *stmt, const char *s, time_t t,
    struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, s);
	dbargs_time(&a, t);
	rc = db_run(db, stmt, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_ping(struct db *db, struct problem *p)
{
	return db_run(db, &sql_ping, NULL, p);
}

int
store_ready_outbox(struct db *db, struct ready_outbox *o, struct problem *p)
{
	PGresult *r;

	memset(o, 0, sizeof(*o));
	if ((r = db_exec(db, &sql_outbox_stats, NULL, p)) == NULL)
		return -1;
	if (PQntuples(r) == 1) {
		o->queued = (long)db_int(r, 0, "queued");
		o->oldest = db_time(r, 0, "oldest");
		o->dead = (long)db_int(r, 0, "dead");
	}
	PQclear(r);
	return 0;
}

/* The rows of r, at most max. */
static int
rows_upto(const PGresult *r, int max)
{
	return PQntuples(r) < max ? PQntuples(r) : max;
}

int
store_catalog_load(struct db *db, struct catalog *c, struct problem *p)
{
	PGresult *r = NULL;
	int i, rc = -1;

	memset(c, 0, sizeof(*c));
	if ((r = db_exec(db, &sql_catalog_products, NULL, p)) == NULL)
		goto out;
	c->nproducts = rows_upto(r, CATALOG_MAX);
	for (i = 0; i < c->nproducts; i++) {
		struct catalog_product *x = &c->products[i];
		db_text_copy(r, i, "code", x->code, sizeof(x->code));
		db_text_copy(r, i, "name", x->name, sizeof(x->name));
		db_text_copy(r, i, "description", x->description,
		    sizeof(x->description));
		x->price_cents = (long)db_int(r, i, "price_cents");
		x->hardware = db_bool(r, i, "hardware");
		x->epcs = db_bool(r, i, "epcs");
		x->validity_months = (int)db_int(r, i, "validity_months");
	}
	PQclear(r);
	if ((r = db_exec(db, &sql_catalog_storage, NULL, p)) == NULL)
		goto out;
	c->nstorage = rows_upto(r, CATALOG_MAX);
	for (i = 0; i < c->nstorage; i++) {
		struct catalog_storage *x = &c->storage[i];
		db_text_copy(r, i, "code", x->code, sizeof(x->code));
		db_text_copy(r, i, "product", x->product, sizeof(x->product));
		db_text_copy(r, i, "name", x->name, sizeof(x->name));
		x->price_cents = (long)db_int(r, i, "price_cents");
		x->new_token = db_bool(r, i, "new_token");
	}
	PQclear(r);
	if ((r = db_exec(db, &sql_catalog_shipping, NULL, p)) == NULL)
		goto out;
	c->nshipping = rows_upto(r, CATALOG_MAX);
	for (i = 0; i < c->nshipping; i++) {
		struct catalog_shipping *x = &c->shipping[i];
		db_text_copy(r, i, "code", x->code, sizeof(x->code));
		db_text_copy(r, i, "name", x->name, sizeof(x->name));
		x->price_cents = (long)db_int(r, i, "price_cents");
		x->international = db_bool(r, i, "international");
	}
	PQclear(r);
	if ((r = db_exec(db, &sql_catalog_taxes, NULL, p)) == NULL)
		goto out;
	c->ntaxes = rows_upto(r, CATALOG_TAXES);
	for (i = 0; i < c->ntaxes; i++) {
		db_text_copy(r, i, "state", c->taxes[i].state,
		    sizeof(c->taxes[i].state));
		c->taxes[i].rate_bp = (int)db_int(r, i, "rate_bp");
	}
	rc = 0;
out:
	PQclear(r);
	return rc;
}

int
store_app_event_add(struct db *db, const char *app, time_t at,
    const char *status, const char *actor, const char *note, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, app);
	dbargs_time(&a, at);
	dbargs_text(&a, status);
	dbargs_text(&a, actor);
	dbargs_text(&a, note);
	rc = db_run(db, &sql_event_insert, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_app_status_set(struct db *db, const char *app, const char *status,
    time_t now, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, app);
	dbargs_text(&a, status);
	dbargs_time(&a, now);
	rc = db_run(db, &sql_app_set_status, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_app_idem_get(struct db *db, const char *scope, const char *key,
    unsigned char hash[32], char *resource, size_t resourcesz,
    struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int rc = 0;

	dbargs_init(&a);
	dbargs_text(&a, scope);
	dbargs_text(&a, key);
	r = db_exec_binary(db, &sql_idem_get, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 1) {
		if (db_bytea(r, 0, "request_hash", hash, 32) != 32)
			rc = problem_internal(p);
		else {
			db_text_copy(r, 0, "resource_id", resource, resourcesz);
			rc = 1;
		}
	}
	PQclear(r);
	return rc;
}

int
store_app_idem_claim(struct db *db, const char *scope, const char *key,
    const unsigned char hash[32], const char *resource, time_t now,
    struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int claimed;

	dbargs_init(&a);
	dbargs_text(&a, scope);
	dbargs_text(&a, key);
	dbargs_bytea(&a, hash, 32);
	dbargs_text(&a, resource);
	dbargs_time(&a, now);
	r = db_exec(db, &sql_idem_claim, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	claimed = PQntuples(r) == 1;
	PQclear(r);
	return claimed;
}

int
store_app_voucher(struct db *db, const char *code, const char *program,
    int lock, long *cents, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int found;

	*cents = 0;
	dbargs_init(&a);
	dbargs_text(&a, code);
	dbargs_text(&a, program);
	r = db_exec(
	    db, lock ? &sql_voucher_lock : &sql_pay_voucher_amount, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if ((found = PQntuples(r) == 1))
		*cents = (long)db_int(r, 0, "amount_cents");
	PQclear(r);
	return found;
}

int
store_app_voucher_redeem(struct db *db, const char *code, const char *app,
    time_t now, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, app);
	dbargs_time(&a, now);
	dbargs_text(&a, code);
	rc = db_run(db, &sql_voucher_redeem, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_app_insert(struct db *db, const struct app_new *n, struct problem *p)
{
	const struct application_input *in = n->in;
	struct dbargs a;
	int i, rc;

	dbargs_init(&a);
	dbargs_text(&a, n->id);
	dbargs_text(&a, n->policy);
	dbargs_text(&a, in->product);
	dbargs_text(&a, in->storage);
	dbargs_text(&a, in->shipping);
	dbargs_text(&a, in->program);
	dbargs_text(&a, in->voucher);
	dbargs_text(&a, in->given_name);
	dbargs_text(&a, in->middle_name);
	dbargs_text(&a, in->family_name);
	dbargs_text(&a, in->date_of_birth);
	dbargs_text(&a, in->email);
	dbargs_text(&a, in->phone);
	dbargs_text(&a, in->line1);
	dbargs_text(&a, in->line2);
	dbargs_text(&a, in->city);
	dbargs_text(&a, in->state);
	dbargs_text(&a, in->postal_code);
	dbargs_text(&a, in->country);
	dbargs_text(&a, in->npi);
	dbargs_text(&a, in->dea_number);
	dbargs_text(&a, in->ssn_last4);
	dbargs_text(&a, in->avs_card_token);
	dbargs_text(&a, in->payment_card_token);
	dbargs_text(&a, n->password_hash);
	dbargs_text(&a, in->agreement_version);
	dbargs_time(&a, n->now);
	dbargs_text(&a, n->price_json);
	dbargs_int(&a, n->total_cents);
	dbargs_time(&a, n->verify_by);
	rc = db_run(db, &sql_app_insert, &a, p);
	dbargs_free(&a);
	for (i = 0; rc == 0 && i < in->nqa; i++) {
		dbargs_init(&a);
		dbargs_text(&a, n->id);
		dbargs_int(&a, i + 1);
		dbargs_text(&a, in->qa[i].question);
		dbargs_text(&a, n->answer_hashes[i]);
		rc = db_run(db, &sql_answer_insert, &a, p);
		dbargs_free(&a);
	}
	return rc;
}

int
store_app_summary(struct db *db, const char *app, struct app_summary_row *s,
    struct problem *p)
{
	PGresult *r;
	int found;

	memset(s, 0, sizeof(*s));
	if ((r = db_exec_id(db, &sql_app_summary, app, 0, p)) == NULL)
		return -1;
	if ((found = PQntuples(r) == 1)) {
		db_text_copy(r, 0, "status", s->status, sizeof(s->status));
		s->email_verify_by = db_time(r, 0, "email_verify_by");
		s->price = db_text_dup(r, 0, "price");
	}
	PQclear(r);
	return found;
}

void
store_app_summary_free(struct app_summary_row *s)
{
	if (s == NULL)
		return;
	free(s->price);
	s->price = NULL;
}

int
store_app_view(
    struct db *db, const char *app, struct app_view_row *v, struct problem *p)
{
	PGresult *r;
	int found;

	memset(v, 0, sizeof(*v));
	if ((r = db_exec_id(db, &sql_app_get, app, 0, p)) == NULL)
		return -1;
	if ((found = PQntuples(r) == 1)) {
		v->id = db_text_dup(r, 0, "id");
		v->status = db_text_dup(r, 0, "status");
		v->policy = db_text_dup(r, 0, "policy");
		v->product = db_text_dup(r, 0, "product");
		v->storage = db_text_dup(r, 0, "storage");
		v->shipping = db_text_dup(r, 0, "shipping");
		v->program = db_text_dup(r, 0, "program");
		v->given_name = db_text_dup(r, 0, "given_name");
		v->middle_name = db_text_dup(r, 0, "middle_name");
		v->family_name = db_text_dup(r, 0, "family_name");
		v->email = db_text_dup(r, 0, "email");
		v->phone = db_text_dup(r, 0, "phone");
		v->city = db_text_dup(r, 0, "addr_city");
		v->state = db_text_dup(r, 0, "addr_state");
		v->country = db_text_dup(r, 0, "addr_country");
		v->price = db_text_dup(r, 0, "price");
		v->agreement_version = db_text_dup(r, 0, "agreement_version");
		v->created_at = db_time(r, 0, "created_at");
		v->updated_at = db_time(r, 0, "updated_at");
		v->email_verify_by = db_time(r, 0, "email_verify_by");
		v->email_verified_at = db_time(r, 0, "email_verified_at");
	}
	PQclear(r);
	return found;
}

void
store_app_view_free(struct app_view_row *v)
{
	if (v == NULL)
		return;
	free(v->id);
	free(v->status);
	free(v->policy);
	free(v->product);
	free(v->storage);
	free(v->shipping);
	free(v->program);
	free(v->given_name);
	free(v->middle_name);
	free(v->family_name);
	free(v->email);
	free(v->phone);
	free(v->city);
	free(v->state);
	free(v->country);
	free(v->price);
	free(v->agreement_version);
	memset(v, 0, sizeof(*v));
}

int
store_app_events(struct db *db, const char *app,
    void (*fn)(const struct app_event_row *e, void *arg), void *arg,
    struct problem *p)
{
	struct app_event_row e;
	PGresult *r;
	int i, n;

	if ((r = db_exec_id(db, &sql_app_events, app, 0, p)) == NULL)
		return -1;
	n = PQntuples(r);
	for (i = 0; i < n; i++) {
		e.status = db_text(r, i, "status");
		e.at = db_time(r, i, "at");
		e.actor = db_text(r, i, "actor");
		e.note = db_text(r, i, "note");
		fn(&e, arg);
	}
	PQclear(r);
	return n;
}

int
store_app_prefill(struct db *db, const char *app, time_t now,
    struct app_prefill_row *f, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int found;

	memset(f, 0, sizeof(*f));
	dbargs_init(&a);
	dbargs_text(&a, app);
	dbargs_time(&a, now);
	r = db_exec(db, &sql_app_prefill, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if ((found = PQntuples(r) == 1)) {
		f->product = db_text_dup(r, 0, "product");
		f->storage = db_text_dup(r, 0, "storage");
		f->shipping = db_text_dup(r, 0, "shipping");
		f->given_name = db_text_dup(r, 0, "given_name");
		f->middle_name = db_text_dup(r, 0, "middle_name");
		f->family_name = db_text_dup(r, 0, "family_name");
		f->date_of_birth = db_text_dup(r, 0, "date_of_birth");
		f->email = db_text_dup(r, 0, "email");
		f->phone = db_text_dup(r, 0, "phone");
		f->line1 = db_text_dup(r, 0, "addr_line1");
		f->line2 = db_text_dup(r, 0, "addr_line2");
		f->city = db_text_dup(r, 0, "addr_city");
		f->state = db_text_dup(r, 0, "addr_state");
		f->postal_code = db_text_dup(r, 0, "addr_postal_code");
		f->country = db_text_dup(r, 0, "addr_country");
		f->npi = db_text_dup(r, 0, "npi");
		f->dea_number = db_text_dup(r, 0, "dea_number");
		f->agreement_version = db_text_dup(r, 0, "agreement_version");
		f->expired = db_bool(r, 0, "expired");
	}
	PQclear(r);
	return found;
}

void
store_app_prefill_free(struct app_prefill_row *f)
{
	if (f == NULL)
		return;
	free(f->product);
	free(f->storage);
	free(f->shipping);
	free(f->given_name);
	free(f->middle_name);
	free(f->family_name);
	free(f->date_of_birth);
	free(f->email);
	free(f->phone);
	free(f->line1);
	free(f->line2);
	free(f->city);
	free(f->state);
	free(f->postal_code);
	free(f->country);
	free(f->npi);
	free(f->dea_number);
	free(f->agreement_version);
	memset(f, 0, sizeof(*f));
}

int
store_app_lock(
    struct db *db, const char *app, struct app_lock_row *l, struct problem *p)
{
	PGresult *r;
	int found;

	memset(l, 0, sizeof(*l));
	if ((r = db_exec_id(db, &sql_app_lock, app, 0, p)) == NULL)
		return -1;
	if ((found = PQntuples(r) == 1)) {
		db_text_copy(r, 0, "status", l->status, sizeof(l->status));
		l->email_verify_by = db_time(r, 0, "email_verify_by");
		l->email_failures = (int)db_int(r, 0, "email_failures");
		l->email_resends = (int)db_int(r, 0, "email_resends");
		l->email_last_sent_at = db_time(r, 0, "email_last_sent_at");
	}
	PQclear(r);
	return found;
}

int
store_app_email_of(struct db *db, const char *app, char *email, size_t emailsz,
    struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int found;

	/* api/store/store_proofing.c's account-code view of an application, for
	 * its address; the purpose does not matter here. */
	dbargs_init(&a);
	dbargs_text(&a, app);
	dbargs_text(&a, "unlock");
	r = db_exec(db, &sql_acode_app, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if ((found = PQntuples(r) == 1))
		db_text_copy(r, 0, "email", email, emailsz);
	PQclear(r);
	return found;
}

int
store_app_email_failed(
    struct db *db, const char *app, int *failures, struct problem *p)
{
	PGresult *r;

	*failures = 0;
	if ((r = db_exec_id(db, &sql_app_email_failed, app, 0, p)) == NULL)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return problem_internal(p);
	}
	*failures = (int)db_int(r, 0, "email_failures");
	PQclear(r);
	return 0;
}

int
store_app_resend(struct db *db, const char *app, time_t now, struct problem *p)
{
	return run_id_time(db, &sql_app_resend, app, now, p);
}

int
store_app_verified(
    struct db *db, const char *app, time_t now, struct problem *p)
{
	return run_id_time(db, &sql_app_verified, app, now, p);
}

int
store_app_code_live(
    struct db *db, const char *app, struct email_code_row *c, struct problem *p)
{
	PGresult *r;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	if ((r = db_exec_id(db, &sql_code_live, app, 1, p)) == NULL)
		return -1;
	if (PQntuples(r) == 1) {
		c->id = db_int(r, 0, "id");
		c->expires_at = db_time(r, 0, "expires_at");
		c->attempts = (int)db_int(r, 0, "attempts");
		c->nearlier = db_bytea(
		    r, 0, "earlier_hashes", c->earlier, sizeof(c->earlier));
		rc = db_bytea(r, 0, "code_hash", c->hash, sizeof(c->hash)) ==
		        (long)sizeof(c->hash)
		    ? 1
		    : problem_internal(p);
	}
	PQclear(r);
	return rc;
}

int
store_app_code_last(
    struct db *db, const char *app, int *attempts, struct problem *p)
{
	PGresult *r;
	int found;

	*attempts = 0;
	if ((r = db_exec_id(db, &sql_code_last, app, 0, p)) == NULL)
		return -1;
	if ((found = PQntuples(r) == 1))
		*attempts = (int)db_int(r, 0, "attempts");
	PQclear(r);
	return found;
}

int
store_app_code_fail(
    struct db *db, long long id, int limit, int *attempts, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int found;

	*attempts = 0;
	dbargs_init(&a);
	dbargs_int(&a, id);
	dbargs_int(&a, limit);
	r = db_exec(db, &sql_code_fail, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if ((found = PQntuples(r) == 1))
		*attempts = (int)db_int(r, 0, "attempts");
	PQclear(r);
	return found;
}

int
store_app_code_use(struct db *db, long long id, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_int(&a, id);
	rc = db_run(db, &sql_code_use, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_app_codes_kill(struct db *db, const char *app, struct problem *p)
{
	struct dbargs a;
	int rc;

	dbargs_init(&a);
	dbargs_text(&a, app);
	rc = db_run(db, &sql_code_kill, &a, p);
	dbargs_free(&a);
	return rc;
}

int
store_app_decision_lock(struct db *db, const char *app, char *status,
    size_t statussz, int *decided, struct problem *p)
{
	PGresult *r;
	int found;

	*decided = 0;
	if ((r = db_exec_id(db, &sql_mail_decision_lock, app, 0, p)) == NULL)
		return -1;
	if ((found = PQntuples(r) == 1)) {
		db_text_copy(r, 0, "status", status, statussz);
		*decided = db_text(r, 0, "decision") != NULL;
	}
	PQclear(r);
	return found;
}

int
store_app_decision_mails(struct db *db, const char *app, time_t now,
    struct app_decision_mails *m, struct problem *p)
{
	struct dbargs a;
	PGresult *r;

	memset(m, 0, sizeof(*m));
	dbargs_init(&a);
	dbargs_text(&a, app);
	dbargs_time(&a, now);
	r = db_exec(db, &sql_app_decision_mails, &a, p);
	dbargs_free(&a);
	if (r == NULL)
		return -1;
	if (PQntuples(r) == 1) {
		m->sent = (long)db_int(r, 0, "sent");
		m->last = db_time(r, 0, "last");
		m->queued = (long)db_int(r, 0, "queued");
	}
	PQclear(r);
	return 0;
}

int
store_app_decision_kick(
    struct db *db, const char *app, time_t now, struct problem *p)
{
	if (run_id_time(db, &sql_mail_decision_kick, app, now, p) == -1)
		return -1;
	db_wake(db, DB_WAKE_JOBS);
	return 0;
}

STMT(agreement_current, 0,
    "SELECT version, published_at, body FROM agreement_versions "
    "ORDER BY published_at DESC, version DESC LIMIT 1");
STMT(agreement_published, 1,
    "SELECT 1 FROM agreement_versions WHERE version = $1");

static void
agreement_fill(const PGresult *r, int i, void *arg)
{
	struct agreement_row *a = arg;

	db_text_copy(r, i, "version", a->version, sizeof(a->version));
	a->published_at = db_time(r, i, "published_at");
	a->body = db_text_dup(r, i, "body");
}

/* 1 and *a (free a->body), 0 if nothing was ever published, -1. */
int
store_agreement_current(
    struct db *db, struct agreement_row *a, struct problem *p)
{
	memset(a, 0, sizeof(*a));
	return db_one_row(
	    db_exec(db, &sql_agreement_current, NULL, p), agreement_fill, a);
}

/* 1 if version was published, 0 if not, -1. */
int
store_agreement_published(struct db *db, const char *version, struct problem *p)
{
	long n =
	    db_count(db_exec_id(db, &sql_agreement_published, version, 0, p));

	return n < 0 ? -1 : n > 0;
}

STMT(app_certs, 1,
    "SELECT encode(c.serial, 'hex') AS serial, c.state, c.not_before, "
    "c.not_after, c.issued_at, EXISTS (SELECT 1 FROM certificates n "
    "WHERE n.renews = c.serial) AS renewed FROM certificates c "
    "WHERE c.application_id = $1 AND c.der IS NOT NULL "
    "ORDER BY c.not_before, c.serial");

static void
app_cert_fill(const PGresult *r, int i, void *arg)
{
	struct app_cert_row *c = arg;

	db_text_copy(r, i, "serial", c->serial, sizeof(c->serial));
	db_text_copy(r, i, "state", c->state, sizeof(c->state));
	c->not_before = db_time(r, i, "not_before");
	c->not_after = db_time(r, i, "not_after");
	c->issued_at = db_time(r, i, "issued_at");
	c->renewed = db_bool(r, i, "renewed");
}

/* The number of rows at *rows (free() it), or -1. */
long
store_app_certs(struct db *db, const char *app, struct app_cert_row **rows,
    struct problem *p)
{
	void *out = NULL;
	long n = db_rows(db_exec_id(db, &sql_app_certs, app, 0, p),
	    sizeof(**rows), app_cert_fill, &out);

	*rows = out;
	return n;
}
