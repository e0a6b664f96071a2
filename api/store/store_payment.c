/* The storage of payments: see api/store/store_payment.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/store/db.h"
#include "api/store/store_payment.h"
#include "common/xmalloc.h"

#define STMT(id, n, text) static const struct sql sql_##id = {#id, text, n}

/* $1 key, $2 card token, $3 cents, $4 now; a retried request keeps its
 * first intent. */
STMT(pay_intent_insert, 4,
    "INSERT INTO payment_intents (idem_key, card_token, amount_cents, "
    "created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (idem_key) DO NOTHING");
STMT(pay_intent_drop, 1,
    "DELETE FROM payment_intents WHERE idem_key = $1 AND NOT EXISTS "
    "(SELECT 1 FROM payments WHERE idem_key = $1)");
STMT(pay_intent_known, 2,
    "UPDATE payment_intents SET authorisation = $2 WHERE idem_key = $1");
/* Intents older than $1 whose application never committed, at most 20. */
STMT(pay_orphans, 1,
    "SELECT i.idem_key, i.card_token, i.amount_cents FROM payment_intents i "
    "WHERE i.voided_at IS NULL AND i.created_at < $1 AND NOT EXISTS "
    "(SELECT 1 FROM payments p WHERE p.idem_key = i.idem_key) "
    "ORDER BY i.created_at LIMIT 20 FOR UPDATE OF i SKIP LOCKED");
/* Marked only while it is an orphan: voided by no other sweep, and no
 * application committed with it meanwhile. */
STMT(pay_intent_voided, 3,
    "UPDATE payment_intents i SET voided_at = $2, authorisation = "
    "coalesce($3, authorisation) WHERE idem_key = $1 AND voided_at IS NULL "
    "AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.idem_key = "
    "i.idem_key) RETURNING idem_key");
/* $1 app, $2 key, $3 authorisation, $4 last4, $5 cents, $6 now. */
STMT(pay_insert, 6,
    "INSERT INTO payments (application_id, idem_key, authorisation, last4, "
    "authorised_cents, status, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, 'authorised', $6, $6)");
/* $1 app, $2 kind, $3 cents, $4 key, $5 provider id, $6 actor, $7 reason,
 * $8 now; an event the provider replayed is recorded once. */
STMT(pay_event, 8,
    "INSERT INTO payment_events (application_id, kind, amount_cents, "
    "idem_key, provider_ref, actor, reason, at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
    "ON CONFLICT (idem_key) DO NOTHING RETURNING id");
STMT(pay_lock, 1,
    "SELECT authorisation, status, authorised_cents, captured_cents, "
    "refunded_cents FROM payments WHERE application_id = $1 FOR UPDATE");
/* $1 app, $2 status, $3 captured, $4 refunded, $5 now. */
STMT(pay_update, 5,
    "UPDATE payments SET status = $2, captured_cents = $3, "
    "refunded_cents = $4, updated_at = $5 WHERE application_id = $1");
STMT(pay_get, 1,
    "SELECT application_id, authorisation, last4, currency, status, "
    "authorised_cents, captured_cents, refunded_cents, created_at, "
    "updated_at FROM payments WHERE application_id = $1");
STMT(pay_events, 1,
    "SELECT kind, amount_cents, provider_ref, actor, reason, at "
    "FROM payment_events WHERE application_id = $1 ORDER BY id");
STMT(pay_receipt, 1,
    "SELECT a.email, a.given_name, a.price::text, a.addr_state, "
    "a.addr_country, p.last4, p.captured_cents "
    "FROM applications a JOIN payments p ON p.application_id = a.id "
    "WHERE a.id = $1");
/* The amount of an unredeemed voucher $1 usable by program $2. */
const struct sql sql_pay_voucher_amount = {"pay_voucher_amount",
    "SELECT amount_cents FROM vouchers WHERE code = $1 "
    "AND redeemed_by IS NULL AND (partner_id IS NULL OR partner_id = "
    "(SELECT id FROM partners WHERE program = $2))",
    2};
/* The one money call in flight per application (a session's lock). */
STMT(pay_claim, 1,
    "SELECT pg_try_advisory_lock(hashtext('rxca.payment'), hashtext($1)) "
    "AS claimed");
STMT(pay_release, 1,
    "SELECT pg_advisory_unlock(hashtext('rxca.payment'), hashtext($1)) "
    "AS released");
/* The same, held on by the transaction until it ends: one statement, so
 * that the claim is never lost nor left behind in between. */
STMT(pay_handover, 1,
    "SELECT pg_advisory_unlock(hashtext('rxca.payment'), hashtext($1)) "
    "AS released FROM (SELECT pg_advisory_xact_lock(hashtext("
    "'rxca.payment'), hashtext($1)) OFFSET 0) AS held");

int
store_pay_intent_insert(struct db *db, const char *key, const char *card_token,
    long cents, time_t now, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, key);
	dbargs_text(&a, card_token);
	dbargs_int(&a, cents);
	dbargs_time(&a, now);
	return db_run_args(db, &sql_pay_intent_insert, &a, p);
}

int
store_pay_intent_drop(struct db *db, const char *key, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, key);
	return db_run_args(db, &sql_pay_intent_drop, &a, p);
}

int
store_pay_intent_known(
    struct db *db, const char *key, const char *ref, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, key);
	dbargs_text(&a, ref);
	return db_run_args(db, &sql_pay_intent_known, &a, p);
}

int
store_pay_orphans(struct db *db, time_t before,
    struct pay_orphan out[STORE_PAY_ORPHANS], size_t *n, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int i;

	*n = 0;
	dbargs_init(&a);
	dbargs_time(&a, before);
	if ((r = db_exec_args(db, &sql_pay_orphans, &a, 0, p)) == NULL)
		return -1;
	for (i = 0; i < PQntuples(r) && *n < STORE_PAY_ORPHANS; i++) {
		db_text_copy(
		    r, i, "idem_key", out[*n].key, sizeof(out[*n].key));
		db_text_copy(r, i, "card_token", out[*n].card_token,
		    sizeof(out[*n].card_token));
		out[*n].cents = (long)db_int(r, i, "amount_cents");
		(*n)++;
	}
	PQclear(r);
	return 0;
}

int
store_pay_intent_voided(struct db *db, const char *key, time_t now,
    const char *ref, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int n;

	dbargs_init(&a);
	dbargs_text(&a, key);
	dbargs_time(&a, now);
	dbargs_text(&a, ref);
	if ((r = db_exec_args(db, &sql_pay_intent_voided, &a, 0, p)) == NULL)
		return -1;
	n = PQntuples(r);
	PQclear(r);
	return n == 1;
}

int
store_pay_insert(struct db *db, const char *app, const char *key,
    const char *ref, const char *last4, long cents, time_t now,
    struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, app);
	dbargs_text(&a, key);
	dbargs_text(&a, ref);
	dbargs_text(&a, last4);
	dbargs_int(&a, cents);
	dbargs_time(&a, now);
	return db_run_args(db, &sql_pay_insert, &a, p);
}

int
store_pay_event(struct db *db, const struct pay_event_new *e, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int n;

	dbargs_init(&a);
	dbargs_text(&a, e->app);
	dbargs_text(&a, e->kind);
	dbargs_int(&a, e->cents);
	dbargs_text(&a, e->key);
	dbargs_text(&a, e->ref);
	dbargs_text(&a, e->actor);
	dbargs_text(&a, e->reason);
	dbargs_time(&a, e->at);
	if ((r = db_exec_args(db, &sql_pay_event, &a, 0, p)) == NULL)
		return -1;
	n = PQntuples(r);
	PQclear(r);
	return n == 1;
}

/* Fills row from what r (one row) has of a payments row. */
static void
payment_fill(const PGresult *r, struct payment_row *row, int all)
{
	memset(row, 0, sizeof(*row));
	db_text_copy(r, 0, "authorisation", row->authorisation,
	    sizeof(row->authorisation));
	db_text_copy(r, 0, "status", row->status, sizeof(row->status));
	row->authorised = (long)db_int(r, 0, "authorised_cents");
	row->captured = (long)db_int(r, 0, "captured_cents");
	row->refunded = (long)db_int(r, 0, "refunded_cents");
	if (!all)
		return;
	db_text_copy(r, 0, "application_id", row->app, sizeof(row->app));
	db_text_copy(r, 0, "last4", row->last4, sizeof(row->last4));
	db_text_copy(r, 0, "currency", row->currency, sizeof(row->currency));
	row->created_at = db_time(r, 0, "created_at");
	row->updated_at = db_time(r, 0, "updated_at");
}

static int
payment_find(struct db *db, const struct sql *stmt, const char *app,
    struct payment_row *row, int all, struct problem *p)
{
	PGresult *r;
	int found;

	if ((r = db_exec_id(db, stmt, app, 0, p)) == NULL)
		return -1;
	if ((found = PQntuples(r) == 1))
		payment_fill(r, row, all);
	PQclear(r);
	return found;
}

int
store_pay_lock(
    struct db *db, const char *app, struct payment_row *row, struct problem *p)
{
	return payment_find(db, &sql_pay_lock, app, row, 0, p);
}

int
store_pay_get(
    struct db *db, const char *app, struct payment_row *row, struct problem *p)
{
	return payment_find(db, &sql_pay_get, app, row, 1, p);
}

int
store_pay_update(struct db *db, const char *app, const char *status,
    long captured, long refunded, time_t now, struct problem *p)
{
	struct dbargs a;

	dbargs_init(&a);
	dbargs_text(&a, app);
	dbargs_text(&a, status);
	dbargs_int(&a, captured);
	dbargs_int(&a, refunded);
	dbargs_time(&a, now);
	return db_run_args(db, &sql_pay_update, &a, p);
}

int
store_pay_events(struct db *db, const char *app, struct pay_event_row **rows,
    size_t *n, struct problem *p)
{
	struct pay_event_row *v;
	PGresult *r;
	int i;

	*rows = NULL;
	*n = 0;
	if ((r = db_exec_id(db, &sql_pay_events, app, 0, p)) == NULL)
		return -1;
	v = xcalloc((size_t)PQntuples(r) + 1, sizeof(*v));
	for (i = 0; i < PQntuples(r); i++) {
		db_text_copy(r, i, "kind", v[i].kind, sizeof(v[i].kind));
		v[i].cents = (long)db_int(r, i, "amount_cents");
		db_text_copy(r, i, "provider_ref", v[i].ref, sizeof(v[i].ref));
		db_text_copy(r, i, "actor", v[i].actor, sizeof(v[i].actor));
		v[i].reason = db_text_dup(r, i, "reason");
		v[i].at = db_time(r, i, "at");
	}
	*n = (size_t)PQntuples(r);
	*rows = v;
	PQclear(r);
	return 0;
}

void
store_pay_events_free(struct pay_event_row *rows, size_t n)
{
	size_t i;

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++)
		free(rows[i].reason);
	free(rows);
}

int
store_pay_receipt(struct db *db, const char *app, struct pay_receipt_row *row,
    struct problem *p)
{
	PGresult *r;
	int found;

	memset(row, 0, sizeof(*row));
	if ((r = db_exec_id(db, &sql_pay_receipt, app, 0, p)) == NULL)
		return -1;
	if ((found = PQntuples(r) == 1)) {
		row->email = db_text_dup(r, 0, "email");
		row->given_name = db_text_dup(r, 0, "given_name");
		row->price = db_text_dup(r, 0, "price");
		db_text_copy(
		    r, 0, "addr_state", row->state, sizeof(row->state));
		db_text_copy(
		    r, 0, "addr_country", row->country, sizeof(row->country));
		db_text_copy(r, 0, "last4", row->last4, sizeof(row->last4));
		row->captured = (long)db_int(r, 0, "captured_cents");
	}
	PQclear(r);
	return found;
}

void
store_pay_receipt_free(struct pay_receipt_row *row)
{
	if (row == NULL)
		return;
	free(row->email);
	free(row->given_name);
	free(row->price);
	row->email = row->given_name = row->price = NULL;
}

int
store_pay_voucher_amount(struct db *db, const char *code, const char *program,
    long *cents, struct problem *p)
{
	struct dbargs a;
	PGresult *r;
	int found;

	*cents = 0;
	dbargs_init(&a);
	dbargs_text(&a, code);
	dbargs_text(&a, program);
	if ((r = db_exec_args(db, &sql_pay_voucher_amount, &a, 0, p)) == NULL)
		return -1;
	if ((found = PQntuples(r) == 1))
		*cents = (long)db_int(r, 0, "amount_cents");
	PQclear(r);
	return found;
}

int
store_pay_claim(struct db *db, const char *app, struct problem *p)
{
	PGresult *r;
	int got;

	if ((r = db_exec_id(db, &sql_pay_claim, app, 0, p)) == NULL)
		return -1;
	got = db_bool(r, 0, "claimed");
	PQclear(r);
	return got;
}

void
store_pay_release(struct db *db, const char *app)
{
	struct problem p;
	PGresult *r;

	problem_clear(&p);
	if ((r = db_exec_id(db, &sql_pay_release, app, 0, &p)) != NULL)
		PQclear(r);
}

int
store_pay_handover(struct db *db, const char *app, struct problem *p)
{
	PGresult *r;

	if ((r = db_exec_id(db, &sql_pay_handover, app, 0, p)) == NULL)
		return -1;
	PQclear(r);
	return 0;
}
