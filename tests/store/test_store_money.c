/*
 * The storage of payments and webhooks (api/store/store_payment.c,
 * api/store/store_webhook.c) against PostgreSQL: each function's typed row, a
 * NULL column, and the not-found case.
 */
#include <stdio.h>
#include <string.h>

#include "api/store/store_payment.h"
#include "api/store/store_outbox.h"
#include "api/store/store_webhook.h"
#include "tests/store/test_store.h"

#define T0 1800000000 /* 2027-01-15 08:00:00 UTC */

#define APP_SQL(id, state)                                                     \
	"INSERT INTO applications (id, status, policy, product, storage, "     \
	"shipping, given_name, middle_name, family_name, date_of_birth, "      \
	"email, phone, addr_line1, addr_city, addr_state, addr_postal_code, "  \
	"addr_country, ssn_last4, avs_card_token, payment_card_token, "        \
	"password_hash, agreement_version, agreement_accepted_at, price, "     \
	"price_total_cents, created_at, updated_at, email_verify_by) VALUES "  \
	"('" id "', 'email_pending', 'igc', 'epcs-hardware', "                 \
	"'existing-token', 'usps', 'Ada', NULL, 'Lovelace', "                  \
	"'1980-02-03', 'ada@example.test', '+15555550100', '1 Main St', "      \
	"'Denver', " state ", '80202', 'US', '1234', 'tok_avs', 'tok_pay', "   \
	"'hash', 'v1', to_timestamp(1800000000), '{\"total_cents\": 100}', "   \
	"100, to_timestamp(1800000000), to_timestamp(1800000001), "            \
	"to_timestamp(1800086400))"

/* A fresh connection with applications tmo_1 (state CO) and tmo_2 (no
 * state), nothing else of theirs. */
static struct db *
fixture(void)
{
	struct db *db = store_test_db();

	store_test_sql(
	    db, "DELETE FROM payment_events WHERE application_id LIKE 'tmo_%'");
	store_test_sql(
	    db, "DELETE FROM payments WHERE application_id LIKE 'tmo_%'");
	store_test_sql(
	    db, "DELETE FROM payment_intents WHERE idem_key LIKE 'tmo-%'");
	store_test_sql(db, "DELETE FROM vouchers WHERE code LIKE 'TMO%'");
	store_test_sql(
	    db, "DELETE FROM webhook_deliveries WHERE partner_id LIKE 'tmo_%'");
	store_test_sql(
	    db, "DELETE FROM webhook_events WHERE application_id LIKE 'tmo_%'");
	store_test_sql(
	    db, "DELETE FROM jobs WHERE application_id LIKE 'tmo_%'");
	store_test_sql(db, "DELETE FROM applications WHERE id LIKE 'tmo_%'");
	store_test_sql(db, APP_SQL("tmo_1", "'CO'"));
	store_test_sql(db, APP_SQL("tmo_2", "NULL"));
	return db;
}

static void
test_intents_and_orphans(void)
{
	struct db *db = fixture();
	struct pay_orphan o[STORE_PAY_ORPHANS];
	struct problem p;
	size_t n = 99, i, mine = 0;

	problem_clear(&p);
	CU_ASSERT(
	    store_pay_intent_insert(db, "tmo-k1", "tok_a", 1200, T0, &p) == 0);
	/* A retried request keeps its first intent. */
	CU_ASSERT(store_pay_intent_insert(
	              db, "tmo-k1", "tok_b", 999, T0 + 5, &p) == 0);
	CU_ASSERT(store_pay_intent_insert(
	              db, "tmo-k2", "tok_c", 300, T0 + 1, &p) == 0);
	CU_ASSERT(store_pay_intent_known(db, "tmo-k1", "au_1", &p) == 0);
	CU_ASSERT_FATAL(db_begin(db, &p) == 0);
	CU_ASSERT(store_pay_orphans(db, T0 + 10, o, &n, &p) == 0);
	db_rollback(db);
	for (i = 0; i < n; i++)
		if (strncmp(o[i].key, "tmo-", 4) == 0)
			mine++;
	CU_ASSERT_EQUAL(mine, 2);
	CU_ASSERT_STRING_EQUAL(o[0].key, "tmo-k1");
	CU_ASSERT_STRING_EQUAL(o[0].card_token, "tok_a");
	CU_ASSERT_EQUAL(o[0].cents, 1200);
	/* Not old enough: none. */
	CU_ASSERT(store_pay_orphans(db, T0, o, &n, &p) == 0);
	CU_ASSERT_EQUAL(n, 0);
	/* k2 gets an application: no orphan, not voided. */
	CU_ASSERT(store_pay_insert(
	              db, "tmo_1", "tmo-k2", "au_2", NULL, 300, T0, &p) == 0);
	CU_ASSERT_EQUAL(
	    store_pay_intent_voided(db, "tmo-k2", T0 + 20, NULL, &p), 0);
	CU_ASSERT_EQUAL(
	    store_pay_intent_voided(db, "tmo-k1", T0 + 20, NULL, &p), 1);
	/* Once only, and the authorisation known stays. */
	CU_ASSERT_EQUAL(
	    store_pay_intent_voided(db, "tmo-k1", T0 + 21, "au_x", &p), 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM payment_intents WHERE "
	                    "idem_key = 'tmo-k1' AND authorisation = 'au_1' "
	                    "AND voided_at IS NOT NULL"),
	    1);
	CU_ASSERT(store_pay_intent_drop(db, "tmo-k2", &p) == 0); /* kept */
	CU_ASSERT(store_pay_intent_drop(db, "tmo-k1", &p) == 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM payment_intents WHERE "
	                    "idem_key LIKE 'tmo-%'"),
	    1);
	db_free(db);
}

static void
test_payment_row_and_events(void)
{
	struct db *db = fixture();
	struct payment_row row;
	struct pay_event_row *ev = NULL;
	struct pay_event_new e = {"tmo_1", "authorise", 1500, "tmo-k3", "au_3",
	    "tmo_1", NULL, T0 + 2};
	struct problem p;
	size_t n = 0;

	problem_clear(&p);
	CU_ASSERT(store_pay_get(db, "tmo_1", &row, &p) == 0);
	CU_ASSERT(store_pay_lock(db, "tmo_1", &row, &p) == 0);
	CU_ASSERT(
	    store_pay_intent_insert(db, "tmo-k3", "tok_a", 1500, T0, &p) == 0);
	CU_ASSERT_FATAL(store_pay_insert(db, "tmo_1", "tmo-k3", "au_3", NULL,
	                    1500, T0 + 1, &p) == 0);
	CU_ASSERT_EQUAL(store_pay_get(db, "tmo_1", &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.app, "tmo_1");
	CU_ASSERT_STRING_EQUAL(row.authorisation, "au_3");
	CU_ASSERT_STRING_EQUAL(row.last4, ""); /* NULL */
	CU_ASSERT_STRING_EQUAL(row.currency, "USD");
	CU_ASSERT_STRING_EQUAL(row.status, "authorised");
	CU_ASSERT_EQUAL(row.authorised, 1500);
	CU_ASSERT_EQUAL(row.captured, 0);
	CU_ASSERT_EQUAL(row.created_at, T0 + 1);
	CU_ASSERT(store_pay_update(db, "tmo_1", "partially_refunded", 1500, 200,
	              T0 + 9, &p) == 0);
	CU_ASSERT_EQUAL(store_pay_lock(db, "tmo_1", &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.status, "partially_refunded");
	CU_ASSERT_EQUAL(row.captured, 1500);
	CU_ASSERT_EQUAL(row.refunded, 200);
	CU_ASSERT_EQUAL(store_pay_get(db, "tmo_1", &row, &p), 1);
	CU_ASSERT_EQUAL(row.updated_at, T0 + 9);
	/* A second payment for the application: 409. */
	CU_ASSERT(store_pay_insert(
	              db, "tmo_1", "tmo-k9", "au_9", "4242", 1, T0, &p) == -1);
	CU_ASSERT_EQUAL(p.status, 409);
	problem_clear(&p);
	CU_ASSERT_EQUAL(store_pay_event(db, &e, &p), 1);
	CU_ASSERT_EQUAL(store_pay_event(db, &e, &p), 0); /* a replay */
	e.kind = "refund";
	e.cents = 200;
	e.key = "tmo-k4";
	e.ref = "re_4";
	e.actor = "operator:o1";
	e.reason = "goodwill";
	e.at = T0 + 9;
	CU_ASSERT_EQUAL(store_pay_event(db, &e, &p), 1);
	CU_ASSERT(store_pay_events(db, "tmo_1", &ev, &n, &p) == 0);
	CU_ASSERT_FATAL(n == 2);
	CU_ASSERT_STRING_EQUAL(ev[0].kind, "authorise");
	CU_ASSERT_EQUAL(ev[0].cents, 1500);
	CU_ASSERT_PTR_NULL(ev[0].reason);
	CU_ASSERT_STRING_EQUAL(ev[0].actor, "tmo_1");
	CU_ASSERT_EQUAL(ev[0].at, T0 + 2);
	CU_ASSERT_STRING_EQUAL(ev[1].kind, "refund");
	CU_ASSERT_STRING_EQUAL(ev[1].ref, "re_4");
	CU_ASSERT_STRING_EQUAL(ev[1].reason, "goodwill");
	store_pay_events_free(ev, n);
	CU_ASSERT(store_pay_events(db, "tmo_2", &ev, &n, &p) == 0);
	CU_ASSERT_EQUAL(n, 0);
	store_pay_events_free(ev, n);
	db_free(db);
}

static void
test_receipt_and_voucher(void)
{
	struct db *db = fixture();
	struct pay_receipt_row rr;
	struct problem p;
	long cents = -1;

	problem_clear(&p);
	CU_ASSERT_EQUAL(store_pay_receipt(db, "tmo_1", &rr, &p), 0);
	store_pay_receipt_free(&rr);
	store_test_sql(db,
	    "INSERT INTO payments (application_id, idem_key, authorisation, "
	    "last4, authorised_cents, captured_cents, status, created_at, "
	    "updated_at) VALUES ('tmo_1', 'tmo-r1', 'au_r1', '1111', 900, 900, "
	    "'captured', now(), now()), ('tmo_2', 'tmo-r2', 'au_r2', NULL, "
	    "500, 0, 'authorised', now(), now())");
	CU_ASSERT_EQUAL(store_pay_receipt(db, "tmo_1", &rr, &p), 1);
	CU_ASSERT_STRING_EQUAL(rr.email, "ada@example.test");
	CU_ASSERT_STRING_EQUAL(rr.given_name, "Ada");
	CU_ASSERT_PTR_NOT_NULL(strstr(rr.price, "total_cents"));
	CU_ASSERT_STRING_EQUAL(rr.state, "CO");
	CU_ASSERT_STRING_EQUAL(rr.country, "US");
	CU_ASSERT_STRING_EQUAL(rr.last4, "1111");
	CU_ASSERT_EQUAL(rr.captured, 900);
	store_pay_receipt_free(&rr);
	CU_ASSERT_EQUAL(store_pay_receipt(db, "tmo_2", &rr, &p), 1);
	CU_ASSERT_STRING_EQUAL(rr.state, ""); /* NULL */
	CU_ASSERT_STRING_EQUAL(rr.last4, "");
	store_pay_receipt_free(&rr);
	store_test_sql(db,
	    "INSERT INTO vouchers (code, amount_cents) VALUES ('TMO-V1', 700)");
	CU_ASSERT_EQUAL(
	    store_pay_voucher_amount(db, "TMO-V1", NULL, &cents, &p), 1);
	CU_ASSERT_EQUAL(cents, 700);
	CU_ASSERT_EQUAL(
	    store_pay_voucher_amount(db, "TMO-V2", "prog", &cents, &p), 0);
	CU_ASSERT_EQUAL(cents, 0);
	db_free(db);
}

/* One money call in flight per application, across connections; the
 * handover keeps it until the transaction ends. */
static void
test_claim(void)
{
	struct db *a = store_test_db(), *b = store_test_db();
	struct problem p;

	problem_clear(&p);
	CU_ASSERT_EQUAL(store_pay_claim(a, "tmo_1", &p), 1);
	CU_ASSERT_EQUAL(store_pay_claim(b, "tmo_1", &p), 0);
	CU_ASSERT_EQUAL(store_pay_claim(b, "tmo_2", &p), 1);
	store_pay_release(b, "tmo_2");
	CU_ASSERT_FATAL(db_begin(a, &p) == 0);
	CU_ASSERT(store_pay_handover(a, "tmo_1", &p) == 0);
	CU_ASSERT_EQUAL(store_pay_claim(b, "tmo_1", &p), 0);
	db_rollback(a);
	CU_ASSERT_EQUAL(store_pay_claim(b, "tmo_1", &p), 1);
	CU_ASSERT_EQUAL(store_pay_claim(a, "tmo_1", &p), 0);
	store_pay_release(b, "tmo_1");
	CU_ASSERT_EQUAL(store_pay_claim(a, "tmo_1", &p), 1);
	store_pay_release(a, "tmo_1");
	db_free(a);
	db_free(b);
}

#define TMO_SERIAL "'\\x746d6f00000000000000000000000001'"

/* Partner tmo_p (program tmo-prog) with a webhook, tmo_1 in its program;
 * tmo_q without one. */
static struct db *
hook_fixture(void)
{
	struct db *db = fixture();

	store_test_sql(
	    db, "DELETE FROM webhook_deliveries WHERE partner_id LIKE 'tmo_%'");
	store_test_sql(
	    db, "DELETE FROM webhook_events WHERE partner_id LIKE 'tmo_%'");
	store_test_sql(
	    db, "DELETE FROM partner_webhooks WHERE partner_id LIKE 'tmo_%'");
	store_test_sql(
	    db, "DELETE FROM partner_challenges WHERE partner_id LIKE 'tmo_%'");
	store_test_sql(
	    db, "DELETE FROM jobs WHERE payload->>'partner' LIKE 'tmo_%'");
	store_test_sql(
	    db, "DELETE FROM webhook_sequences WHERE partner_id LIKE 'tmo_%'");
	store_test_sql(db, "DELETE FROM partners WHERE id LIKE 'tmo_%'");
	store_test_sql(db,
	    "INSERT INTO partners (id, name, program, created_at, created_by) "
	    "VALUES ('tmo_p', 'P', 'tmo-prog', now(), 'test'), ('tmo_q', 'Q', "
	    "'tmo-q', now(), 'test')");
	store_test_sql(db,
	    "INSERT INTO partner_webhooks (partner_id, url, secret, "
	    "updated_at) VALUES ('tmo_p', 'https://hooks.example/x', "
	    "'s3cret', now())");
	store_test_sql(db,
	    "UPDATE applications SET program = 'tmo-prog' WHERE id = 'tmo_1'");
	return db;
}

/* Records event id of type about app for the partner of its program
 * (sequence taken), as webhook_emit does: 1, 0 if no partner. */
static int
hook_add(struct db *db, const char *id, const char *app, const char *type,
    const char *body, time_t now, struct hook_seq *sq)
{
	struct hook_event_new e;
	struct problem p;
	int found;

	problem_clear(&p);
	if ((found = store_hook_sequence_next(db, app, sq, &p)) != 1)
		return found;
	memset(&e, 0, sizeof(e));
	e.id = id;
	e.partner = sq->partner;
	e.app = app;
	e.type = type;
	e.order_key = "app:tmo_1";
	e.sequence = sq->sequence;
	e.body = body;
	e.pending = sq->has_webhook;
	return store_hook_event_insert(db, &e, now, &p) == 0 ? 1 : -1;
}

/* Counts the lanes a finder names (a store_hook_lane_fn). */
struct seen {
	int n;
	char last[STORE_HOOK_ID_MAX];
	char key[STORE_HOOK_ID_MAX];
};

static int
seen_lane(struct db *db, const char *partner, const char *key, void *arg,
    struct problem *p)
{
	struct seen *s = arg;

	(void)db;
	(void)p;
	if (strncmp(partner, "tmo_", 4) != 0)
		return 0; /* another suite's */
	s->n++;
	snprintf(s->last, sizeof(s->last), "%s", partner);
	snprintf(s->key, sizeof(s->key), "%s", key);
	return 0;
}

static void
test_hook_events(void)
{
	struct db *db = hook_fixture(), *other = store_test_db();
	struct hook_event_row ev;
	struct hook_target t;
	struct hook_seq sq;
	struct hook_try tr = {0, "tmo_p", 1, T0 + 3, "https://hooks.example/x",
	    0, "timeout", 12, "failed", "whs_a", 0};
	struct seen s = {0, "", ""};
	struct problem p;
	time_t first = -1;

	problem_clear(&p);
	CU_ASSERT_EQUAL(store_hook_exists(db, "tmo_p", &p), 1);
	CU_ASSERT_EQUAL(store_hook_exists(db, "tmo_q", &p), 0);
	CU_ASSERT_EQUAL(store_hook_head(db, "tmo_p", "app:tmo_1", &ev, &p), 0);
	/* No partner for tmo_2's program: nothing written. */
	CU_ASSERT_EQUAL(
	    hook_add(db, "evt_tmo0", "tmo_2", "t.x", "{}", T0, &sq), 0);
	CU_ASSERT_EQUAL(hook_add(db, "evt_tmo1", "tmo_1",
	                    "application.status_changed", "{\"a\":1}", T0, &sq),
	    1);
	CU_ASSERT_STRING_EQUAL(sq.partner, "tmo_p");
	CU_ASSERT_EQUAL(sq.sequence, 1);
	CU_ASSERT_EQUAL(sq.has_webhook, 1);
	CU_ASSERT_EQUAL(
	    hook_add(db, "evt_tmo2", "tmo_1", "t.y", "{\"b\":2}", T0 + 1, &sq),
	    1);
	CU_ASSERT_EQUAL(sq.sequence, 2);
	CU_ASSERT_EQUAL(store_hook_head(db, "tmo_p", "app:tmo_1", &ev, &p), 1);
	CU_ASSERT_STRING_EQUAL(ev.id, "evt_tmo1");
	CU_ASSERT_STRING_EQUAL(ev.partner, "tmo_p");
	CU_ASSERT_STRING_EQUAL(ev.type, "application.status_changed");
	CU_ASSERT_STRING_EQUAL(ev.body, "{\"a\":1}");
	CU_ASSERT_STRING_EQUAL(ev.order_key, "app:tmo_1");
	CU_ASSERT_STRING_EQUAL(ev.state, "pending");
	CU_ASSERT_EQUAL(ev.sequence, 1);
	CU_ASSERT_EQUAL(ev.attempts, 0);
	CU_ASSERT_EQUAL(ev.next_at, T0);
	CU_ASSERT_EQUAL(ev.created_at, T0);
	CU_ASSERT_EQUAL(ev.delivered_at, 0);
	/* Another lane has no head. */
	store_hook_event_free(&ev);
	CU_ASSERT_EQUAL(store_hook_head(db, "tmo_p", "app:tmo_2", &ev, &p), 0);
	store_hook_event_free(&ev);
	CU_ASSERT_EQUAL(store_hook_head(db, "tmo_p", "app:tmo_1", &ev, &p), 1);
	tr.seq = ev.seq;
	CU_ASSERT_EQUAL(store_hook_first_try(db, ev.seq, &first, &p), 0);
	CU_ASSERT_EQUAL(first, 0);
	CU_ASSERT(store_hook_lease(db, ev.seq, T0 + 100, &p) == 0);
	CU_ASSERT(store_hook_log(db, &tr, &p) == 0);
	CU_ASSERT_EQUAL(store_hook_first_try(db, ev.seq, &first, &p), 1);
	CU_ASSERT_EQUAL(first, T0 + 3);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM webhook_deliveries WHERE "
	                    "partner_id = 'tmo_p' AND http_status IS NULL "
	                    "AND error = 'timeout' AND duration_ms = 12 AND "
	                    "secret_ids = 'whs_a' AND NOT redelivery"),
	    1);
	CU_ASSERT(store_hook_failed(db, ev.seq, T0 + 50, "pending", &p) == 0);
	store_hook_event_free(&ev);
	CU_ASSERT_EQUAL(store_hook_head(db, "tmo_p", "app:tmo_1", &ev, &p), 1);
	CU_ASSERT_EQUAL(ev.attempts, 1);
	CU_ASSERT_EQUAL(ev.next_at, T0 + 50);
	CU_ASSERT(store_hook_delivered(db, ev.seq, T0 + 60, &p) == 0);
	store_hook_event_free(&ev);
	CU_ASSERT_EQUAL(store_hook_head(db, "tmo_p", "app:tmo_1", &ev, &p), 1);
	CU_ASSERT_STRING_EQUAL(ev.id, "evt_tmo2");
	store_hook_event_free(&ev);
	/* Due and no queued delivery: stranded, by lane. */
	CU_ASSERT(store_hook_stranded(db, T0 + 10, seen_lane, &s, &p) == 0);
	CU_ASSERT_EQUAL(s.n, 1);
	CU_ASSERT_STRING_EQUAL(s.last, "tmo_p");
	CU_ASSERT_STRING_EQUAL(s.key, "app:tmo_1");
	s.n = 0;
	CU_ASSERT(store_hook_lanes(db, "tmo_p", seen_lane, &s, &p) == 0);
	CU_ASSERT_EQUAL(s.n, 1);
	/* The receiver; the lane locked: another connection skips it, or
	 * waits. */
	CU_ASSERT_EQUAL(store_hook_target(db, "tmo_p", T0, &t, &p), 1);
	CU_ASSERT_STRING_EQUAL(t.url, "https://hooks.example/x");
	CU_ASSERT_STRING_EQUAL(t.secret, "s3cret");
	CU_ASSERT_PTR_NULL(t.old_secret);
	CU_ASSERT_EQUAL(strncmp(t.secret_id, "whs_", 4), 0);
	store_hook_target_free(&t);
	CU_ASSERT_PTR_NULL(t.secret);
	CU_ASSERT_EQUAL(store_hook_target(db, "tmo_q", T0, &t, &p), 0);
	CU_ASSERT_FATAL(db_begin(db, &p) == 0);
	CU_ASSERT_EQUAL(
	    store_hook_lane_lock(db, "tmo_p", "app:tmo_1", 0, &p), 1);
	CU_ASSERT_FATAL(db_begin(other, &p) == 0);
	CU_ASSERT_EQUAL(
	    store_hook_lane_lock(other, "tmo_p", "app:tmo_1", 0, &p), 0);
	/* Another lane of the same partner is free. */
	CU_ASSERT_EQUAL(
	    store_hook_lane_lock(other, "tmo_p", "cert:00", 0, &p), 1);
	db_rollback(db);
	CU_ASSERT_EQUAL(
	    store_hook_lane_lock(other, "tmo_p", "app:tmo_1", 1, &p), 1);
	db_rollback(other);
	store_test_sql(db,
	    "INSERT INTO partner_challenges (hash, partner_id, expires_at) "
	    "VALUES ('\\x746d6f31', 'tmo_p', to_timestamp(1800000000)), "
	    "('\\x746d6f32', 'tmo_p', to_timestamp(1800000100))");
	CU_ASSERT(store_hook_challenges_purge(db, T0 + 50, &p) == 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM partner_challenges WHERE "
	                    "partner_id = 'tmo_p'"),
	    1);
	db_free(other);
	db_free(db);
}

static void
test_hook_cert(void)
{
	struct db *db = hook_fixture();
	struct hook_cert_row c;
	struct problem p;
	static const unsigned char serial[16] = {
	    't', 'm', 'o', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

	problem_clear(&p);
	store_test_sql(
	    db, "DELETE FROM certificates WHERE serial = " TMO_SERIAL);
	CU_ASSERT_EQUAL(store_hook_cert(db, serial, &c, &p), 0);
	store_hook_cert_free(&c);
	store_test_sql(db,
	    "INSERT INTO ca_certificates (name, serial, subject, der, "
	    "key_ref, not_before, not_after, created_at) VALUES ('issuing', "
	    "'\\xfeedbeef', 'CN=Test Issuing', '\\x3003020107', 'file', "
	    "now(), now(), now()) ON CONFLICT (name) DO NOTHING");
	store_test_sql(db,
	    "INSERT INTO certificates (serial, application_id, issuer, "
	    "subject, spki_sha256, tbs, state, not_before, not_after, "
	    "recorded_at) VALUES (" TMO_SERIAL ", 'tmo_1', 'issuing', "
	    "'CN=Ada', '\\x"
	    "746d6f0000000000000000000000000000000000000000"
	    "000000000000000001', '\\x30', 'signing', to_timestamp(1800000000), "
	    "to_timestamp(1800086400), now())");
	CU_ASSERT_EQUAL(store_hook_cert(db, serial, &c, &p), 1);
	CU_ASSERT_STRING_EQUAL(c.app, "tmo_1");
	CU_ASSERT_EQUAL(c.has_program, 1);
	CU_ASSERT_STRING_EQUAL(c.subject, "CN=Ada");
	CU_ASSERT_EQUAL(c.not_before, T0);
	CU_ASSERT_EQUAL(c.not_after, T0 + 86400);
	CU_ASSERT_STRING_EQUAL(c.reason, ""); /* NULL: not revoked */
	CU_ASSERT_EQUAL(c.revoked_at, 0);
	store_hook_cert_free(&c);
	store_test_sql(
	    db, "UPDATE applications SET program = NULL WHERE id = 'tmo_1'");
	CU_ASSERT_EQUAL(store_hook_cert(db, serial, &c, &p), 1);
	CU_ASSERT_EQUAL(c.has_program, 0);
	store_hook_cert_free(&c);
	store_test_sql(
	    db, "DELETE FROM certificates WHERE serial = " TMO_SERIAL);
	db_free(db);
}

/* The mail outbox, for operators: tmo_1's dead code mail (no last error)
 * and a newer queued one, tmo_2's dead receipt. */
static void
test_outbox(void)
{
	struct db *db = fixture();
	struct outbox_row *rows = NULL, job;
	struct problem p;
	char status[32], first[24], after[24];
	time_t verify_by = 0;
	size_t n = 0, i, mine = 0;

	problem_clear(&p);
	store_test_sql(
	    db, "DELETE FROM jobs WHERE application_id LIKE 'tmo_%'");
	store_test_sql(db,
	    "INSERT INTO jobs (kind, application_id, state, run_at, attempts, "
	    "last_error, created_at, updated_at, expires_at) VALUES "
	    "('email.code', 'tmo_1', 'dead', to_timestamp(1800000010), 4, "
	    "NULL, to_timestamp(1800000000), to_timestamp(1800000005), NULL), "
	    "('email.code', 'tmo_1', 'queued', to_timestamp(1800000020), 0, "
	    "NULL, to_timestamp(1800000001), to_timestamp(1800000001), "
	    "to_timestamp(1800086400)), ('email.receipt', 'tmo_2', 'dead', "
	    "to_timestamp(1800000030), 9, 'unavailable: smtp down', "
	    "to_timestamp(1800000002), to_timestamp(1800000006), NULL)");
	CU_ASSERT(store_outbox_list(db, "dead", NULL, 200, &rows, &n, &p) == 0);
	first[0] = '\0';
	for (i = 0; i < n; i++) {
		if (strncmp(rows[i].app, "tmo_", 4) != 0)
			continue;
		if (mine++ == 0) {
			snprintf(first, sizeof(first), "%s", rows[i].id);
			CU_ASSERT_STRING_EQUAL(rows[i].kind, "email.code");
			CU_ASSERT_STRING_EQUAL(rows[i].app, "tmo_1");
			CU_ASSERT_STRING_EQUAL(rows[i].state, "dead");
			CU_ASSERT_EQUAL(rows[i].attempts, 4);
			CU_ASSERT_EQUAL(rows[i].created_at, T0);
			CU_ASSERT_EQUAL(rows[i].updated_at, T0 + 5);
			CU_ASSERT_EQUAL(rows[i].run_at, T0 + 10);
			CU_ASSERT_EQUAL(rows[i].expires_at, 0); /* NULL */
			CU_ASSERT_PTR_NULL(rows[i].last_error);
		} else {
			CU_ASSERT_STRING_EQUAL(rows[i].kind, "email.receipt");
			CU_ASSERT_STRING_EQUAL(
			    rows[i].last_error, "unavailable: smtp down");
		}
	}
	CU_ASSERT_EQUAL(mine, 2);
	store_outbox_free(rows, n);
	/* After the first: the receipt only (of ours). */
	snprintf(after, sizeof(after), "%s", first);
	CU_ASSERT(
	    store_outbox_list(db, "dead", after, 200, &rows, &n, &p) == 0);
	for (i = 0, mine = 0; i < n; i++)
		mine += strncmp(rows[i].app, "tmo_", 4) == 0;
	CU_ASSERT_EQUAL(mine, 1);
	store_outbox_free(rows, n);
	CU_ASSERT_FATAL(db_begin(db, &p) == 0);
	CU_ASSERT_EQUAL(store_outbox_lock(db, first, &job, &p), 1);
	CU_ASSERT_STRING_EQUAL(job.kind, "email.code");
	CU_ASSERT_STRING_EQUAL(job.app, "tmo_1");
	CU_ASSERT_STRING_EQUAL(job.state, "dead");
	CU_ASSERT_EQUAL(store_outbox_lock(db, "999999999999", &job, &p), 0);
	CU_ASSERT_EQUAL(store_outbox_app(db, "tmo_1", status, sizeof(status),
	                    &verify_by, &p),
	    1);
	CU_ASSERT_STRING_EQUAL(status, "email_pending");
	CU_ASSERT_EQUAL(verify_by, T0 + 86400);
	CU_ASSERT_EQUAL(store_outbox_app(db, "tmo_9", status, sizeof(status),
	                    &verify_by, &p),
	    0);
	CU_ASSERT_EQUAL(
	    store_outbox_code_superseded(db, "tmo_1", first, &p), 1);
	CU_ASSERT_EQUAL(
	    store_outbox_code_superseded(db, "tmo_2", first, &p), 0);
	CU_ASSERT(store_outbox_requeue(db, first, T0 + 100, 0, &p) == 0);
	CU_ASSERT(db_commit(db, &p) == 0);
	CU_ASSERT_EQUAL(store_outbox_lock(db, first, &job, &p), 1);
	CU_ASSERT_STRING_EQUAL(job.state, "queued");
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM jobs WHERE application_id = "
	                    "'tmo_1' AND state = 'queued' AND attempts = 0 AND "
	                    "expires_at IS NULL AND run_at = "
	                    "to_timestamp(1800000100)"),
	    1);
	store_test_sql(
	    db, "DELETE FROM jobs WHERE application_id LIKE 'tmo_%'");
	db_free(db);
}

void
test_store_add_money(void)
{
	CU_pSuite s = CU_add_suite("store_money", NULL, NULL);

	CU_add_test(s, "intents and orphans", test_intents_and_orphans);
	CU_add_test(s, "payment row and events", test_payment_row_and_events);
	CU_add_test(s, "receipt and voucher", test_receipt_and_voucher);
	CU_add_test(s, "one money call in flight", test_claim);
	CU_add_test(s, "webhook events", test_hook_events);
	CU_add_test(s, "webhook certificate events", test_hook_cert);
	CU_add_test(s, "the mail outbox", test_outbox);
}
