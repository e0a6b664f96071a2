/*
 * The storage of webhook ordering, catch-up, redelivery and secret
 * rotation (api/store/store_webhook.c) against PostgreSQL: a partner's
 * sequence without gap or duplicate when two transactions make events at
 * once (the second waits for the first's commit) or one aborts, the list
 * by sequence, an event found only by its own partner, the queued
 * redelivery, and the old secret only inside its overlap.  The lanes
 * (head, lock, stranded) are in test_store_money.c's webhook test.
 */
#include <stdio.h>
#include <string.h>

#include "api/store/store_webhook.h"
#include "tests/store/test_store.h"

#define T0 1800000000 /* 2027-01-15 08:00:00 UTC */

#define TSW_APP(id)                                                            \
	"INSERT INTO applications (id, status, policy, product, storage, "     \
	"shipping, given_name, family_name, date_of_birth, email, phone, "     \
	"addr_line1, addr_city, addr_state, addr_postal_code, addr_country, "  \
	"ssn_last4, avs_card_token, payment_card_token, password_hash, "       \
	"agreement_version, agreement_accepted_at, price, price_total_cents, " \
	"created_at, updated_at, email_verify_by, program) VALUES ('" id       \
	"', 'email_pending', 'igc', 'epcs-hardware', 'existing-token', "       \
	"'usps', 'Ada', 'Lovelace', '1980-02-03', 'ada@example.test', "        \
	"'+15555550100', '1 Main St', 'Denver', 'CO', '80202', 'US', '1234', " \
	"'tok_avs', 'tok_pay', 'hash', 'v1', to_timestamp(1800000000), "       \
	"'{\"total_cents\": 100}', 100, to_timestamp(1800000000), "            \
	"to_timestamp(1800000001), to_timestamp(1800086400), 'tsw-prog')"

/* Partner tsw_p (program tsw-prog) with a webhook, tsw_q without one;
 * applications tsw_1 and tsw_2 of tsw-prog. */
static struct db *
fixture(void)
{
	struct db *db = store_test_db();

	store_test_sql(
	    db, "DELETE FROM webhook_deliveries WHERE partner_id LIKE 'tsw_%'");
	store_test_sql(
	    db, "DELETE FROM webhook_events WHERE partner_id LIKE 'tsw_%'");
	store_test_sql(
	    db, "DELETE FROM webhook_sequences WHERE partner_id LIKE 'tsw_%'");
	store_test_sql(
	    db, "DELETE FROM partner_webhooks WHERE partner_id LIKE 'tsw_%'");
	store_test_sql(db, "DELETE FROM jobs WHERE kind = 'webhook.redeliver'");
	store_test_sql(db, "DELETE FROM applications WHERE id LIKE 'tsw_%'");
	store_test_sql(db, "DELETE FROM partners WHERE id LIKE 'tsw_%'");
	store_test_sql(db,
	    "INSERT INTO partners (id, name, program, created_at, created_by) "
	    "VALUES ('tsw_p', 'P', 'tsw-prog', now(), 'test'), ('tsw_q', 'Q', "
	    "'tsw-q', now(), 'test')");
	store_test_sql(db,
	    "INSERT INTO partner_webhooks (partner_id, url, secret, "
	    "updated_at) VALUES ('tsw_p', 'https://hooks.example/x', 'old', "
	    "now())");
	store_test_sql(db, TSW_APP("tsw_1"));
	store_test_sql(db, TSW_APP("tsw_2"));
	return db;
}

/* Records an event of app (its sequence taken first): the sequence, or
 * -1. */
static long long
add(struct db *db, const char *id, const char *app)
{
	struct hook_event_new e;
	struct hook_seq sq;
	struct problem p;

	problem_clear(&p);
	if (store_hook_sequence_next(db, app, &sq, &p) != 1)
		return -1;
	memset(&e, 0, sizeof(e));
	e.id = id;
	e.partner = sq.partner;
	e.app = app;
	e.type = "application.status_changed";
	e.order_key = "app:x";
	e.sequence = sq.sequence;
	e.body = "{}";
	e.pending = sq.has_webhook;
	return store_hook_event_insert(db, &e, T0, &p) == 0 ? sq.sequence : -1;
}

/* The second of two concurrent creators waits for the first's commit and
 * then takes the next number; one that aborts leaves no gap. */
static void
test_sequence_concurrent(void)
{
	struct db *db = fixture(), *other = store_test_db();
	struct problem p;

	problem_clear(&p);
	CU_ASSERT_EQUAL(add(db, "evt_tsw1", "tsw_1"), 1);
	/* An aborted creator gives its number back. */
	CU_ASSERT_FATAL(db_begin(db, &p) == 0);
	CU_ASSERT_EQUAL(add(db, "evt_tswx", "tsw_1"), 2);
	db_rollback(db);
	CU_ASSERT_FATAL(db_begin(db, &p) == 0);
	CU_ASSERT_EQUAL(add(db, "evt_tsw2", "tsw_1"), 2);
	/* The other connection cannot take a number while db holds the
	 * partner's row: with a lock timeout it fails rather than skip. */
	CU_ASSERT_FATAL(db_begin(other, &p) == 0);
	store_test_sql(other, "SET LOCAL lock_timeout = '200ms'");
	CU_ASSERT_EQUAL(add(other, "evt_tsw3", "tsw_2"), -1);
	db_rollback(other);
	CU_ASSERT(db_commit(db, &p) == 0);
	CU_ASSERT_EQUAL(add(other, "evt_tsw3", "tsw_2"), 3);
	/* An insert that names no sequence gets one from the same row. */
	store_test_sql(db,
	    "INSERT INTO webhook_events (id, partner_id, type, body, "
	    "created_at, next_at) VALUES ('evt_tsw4', 'tsw_p', 'x', '{}', "
	    "now(), now())");
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT sequence FROM webhook_events WHERE "
	                    "id = 'evt_tsw4'"),
	    4);
	CU_ASSERT_EQUAL(add(db, "evt_tsw5", "tsw_1"), 5);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(DISTINCT sequence) FROM "
	                    "webhook_events WHERE partner_id = 'tsw_p'"),
	    5);
	db_free(other);
	db_free(db);
}

static void
test_list_get_and_redelivery(void)
{
	struct db *db = fixture();
	struct hook_event_row *rows = NULL, ev;
	struct problem p;
	int n = -1;

	problem_clear(&p);
	CU_ASSERT_EQUAL(add(db, "evt_tswa", "tsw_1"), 1);
	CU_ASSERT_EQUAL(add(db, "evt_tswb", "tsw_2"), 2);
	CU_ASSERT_EQUAL(add(db, "evt_tswc", "tsw_1"), 3);
	CU_ASSERT_EQUAL_FATAL(
	    store_hook_event_list(db, "tsw_p", 0, 2, &rows, &n, &p), 0);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_EQUAL(rows[0].id, "evt_tswa");
	CU_ASSERT_EQUAL(rows[0].sequence, 1);
	CU_ASSERT_STRING_EQUAL(rows[0].state, "pending");
	CU_ASSERT_STRING_EQUAL(rows[0].app, "tsw_1");
	CU_ASSERT_STRING_EQUAL(rows[0].body, "{}");
	CU_ASSERT_EQUAL(rows[0].created_at, T0);
	CU_ASSERT_EQUAL(rows[0].delivered_at, 0);
	CU_ASSERT_EQUAL(rows[1].sequence, 2);
	store_hook_event_rows_free(rows, n);
	CU_ASSERT_EQUAL_FATAL(
	    store_hook_event_list(db, "tsw_p", 2, 10, &rows, &n, &p), 0);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_STRING_EQUAL(rows[0].id, "evt_tswc");
	store_hook_event_rows_free(rows, n);
	CU_ASSERT_EQUAL_FATAL(
	    store_hook_event_list(db, "tsw_q", 0, 10, &rows, &n, &p), 0);
	CU_ASSERT_EQUAL(n, 0);
	store_hook_event_rows_free(rows, n);
	/* Found by its own partner only. */
	CU_ASSERT_EQUAL(
	    store_hook_event_get(db, "tsw_q", "evt_tswa", 0, &ev, &p), 0);
	store_hook_event_free(&ev);
	CU_ASSERT_EQUAL(
	    store_hook_event_get(db, "tsw_p", "evt_tswa", 1, &ev, &p), 1);
	CU_ASSERT_STRING_EQUAL(ev.partner, "tsw_p");
	store_hook_event_free(&ev);
	CU_ASSERT_EQUAL(store_hook_event_by_seq(db, ev.seq, &ev, &p), 1);
	CU_ASSERT_STRING_EQUAL(ev.id, "evt_tswa");
	/* A queued redelivery job of the event, not of another. */
	CU_ASSERT_EQUAL(store_hook_redelivery_queued(db, ev.seq, &p), 0);
	store_test_sql(db,
	    "INSERT INTO jobs (kind, payload, state, run_at, created_at, "
	    "updated_at, max_attempts) SELECT 'webhook.redeliver', "
	    "json_build_object('event', seq)::jsonb, 'queued', now(), now(), "
	    "now(), 8 FROM webhook_events WHERE id = 'evt_tswa'");
	CU_ASSERT_EQUAL(store_hook_redelivery_queued(db, ev.seq, &p), 1);
	CU_ASSERT_EQUAL(store_hook_redelivery_queued(db, ev.seq + 1, &p), 0);
	store_hook_event_free(&ev);
	db_free(db);
}

static void
test_rotation(void)
{
	struct db *db = fixture();
	struct hook_target t;
	struct problem p;
	char first[STORE_HOOK_SECRET_ID_MAX];

	problem_clear(&p);
	CU_ASSERT_EQUAL(store_hook_target(db, "tsw_p", T0, &t, &p), 1);
	snprintf(first, sizeof(first), "%s", t.secret_id);
	CU_ASSERT_PTR_NULL(t.old_secret);
	store_hook_target_free(&t);
	CU_ASSERT_EQUAL(
	    store_hook_rotate(db, "tsw_q", "new", "whs_new", T0 + 600, T0, &p),
	    0);
	CU_ASSERT_EQUAL(
	    store_hook_rotate(db, "tsw_p", "new", "whs_new", T0 + 600, T0, &p),
	    1);
	/* Inside the overlap: both. */
	CU_ASSERT_EQUAL(store_hook_target(db, "tsw_p", T0 + 599, &t, &p), 1);
	CU_ASSERT_STRING_EQUAL(t.secret, "new");
	CU_ASSERT_STRING_EQUAL(t.secret_id, "whs_new");
	CU_ASSERT_PTR_NOT_NULL_FATAL(t.old_secret);
	CU_ASSERT_STRING_EQUAL(t.old_secret, "old");
	CU_ASSERT_STRING_EQUAL(t.old_secret_id, first);
	CU_ASSERT_EQUAL(t.old_secret_until, T0 + 600);
	store_hook_target_free(&t);
	/* At its end: the new one only. */
	CU_ASSERT_EQUAL(store_hook_target(db, "tsw_p", T0 + 600, &t, &p), 1);
	CU_ASSERT_PTR_NULL(t.old_secret);
	CU_ASSERT_STRING_EQUAL(t.old_secret_id, "");
	CU_ASSERT_EQUAL(t.old_secret_until, 0);
	store_hook_target_free(&t);
	db_free(db);
}

void
test_store_add_webhook(void)
{
	CU_pSuite s = CU_add_suite("store_webhook", NULL, NULL);

	CU_add_test(
	    s, "sequence under concurrent creators", test_sequence_concurrent);
	CU_add_test(
	    s, "list, get and redelivery", test_list_get_and_redelivery);
	CU_add_test(s, "secret rotation", test_rotation);
}
