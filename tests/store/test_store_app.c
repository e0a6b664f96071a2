/*
 * The storage of applications (api/store/store_app.c) against PostgreSQL: each
 * function's typed row, a NULL column, and the not-found case.
 */
#include <stdio.h>
#include <string.h>

#include "api/store/store_app.h"
#include "proofing/application.h"
#include "proofing/catalog.h"
#include "tests/store/test_store.h"

#define T0 1800000000 /* 2027-01-15 08:00:00 UTC */

#define APP_SQL(id, email, middle)                                             \
	"INSERT INTO applications (id, status, policy, product, storage, "     \
	"shipping, given_name, middle_name, family_name, date_of_birth, "      \
	"email, phone, addr_line1, addr_city, addr_state, addr_postal_code, "  \
	"addr_country, ssn_last4, avs_card_token, payment_card_token, "        \
	"password_hash, agreement_version, agreement_accepted_at, price, "     \
	"price_total_cents, created_at, updated_at, email_verify_by) VALUES "  \
	"('" id "', 'email_pending', 'igc', 'epcs-hardware', "                 \
	"'existing-token', 'usps', 'Ada', " middle ", 'Lovelace', "            \
	"'1980-02-03', '" email "', '+15555550100', '1 Main St', 'Denver', "   \
	"'CO', '80202', 'US', '1234', 'tok_avs', 'tok_pay', 'hash', 'v1', "    \
	"to_timestamp(1800000000), '{\"total_cents\": 100}', 100, "            \
	"to_timestamp(1800000000), to_timestamp(1800000001), "                 \
	"to_timestamp(1800086400))"

/* A fresh connection with application app_t1 (no middle name) and app_t2
 * (middle name "B"), nothing else of theirs. */
static struct db *
fixture(void)
{
	struct db *db = store_test_db();

	store_test_sql(
	    db, "DELETE FROM email_codes WHERE application_id LIKE 'app_t%'");
	store_test_sql(db,
	    "DELETE FROM application_events WHERE application_id LIKE "
	    "'app_t%'");
	store_test_sql(
	    db, "DELETE FROM jobs WHERE application_id LIKE 'app_t%'");
	store_test_sql(db,
	    "DELETE FROM secret_answers WHERE application_id LIKE 'app_t%'");
	store_test_sql(db, "DELETE FROM vouchers WHERE code LIKE 'VT%'");
	store_test_sql(
	    db, "DELETE FROM decisions WHERE application_id LIKE 'app_t%'");
	store_test_sql(db, "DELETE FROM idempotency_keys WHERE scope = 'test'");
	store_test_sql(db, "DELETE FROM applications WHERE id LIKE 'app_t%'");
	store_test_sql(db, APP_SQL("app_t1", "ada@example.test", "NULL"));
	store_test_sql(db, APP_SQL("app_t2", "bee@example.test", "'B'"));
	return db;
}

static void
test_ping_and_ready(void)
{
	struct db *db = fixture();
	struct ready_outbox o;
	struct problem p;

	problem_clear(&p);
	CU_ASSERT_EQUAL(store_ping(db, &p), 0);
	store_test_sql(db,
	    "INSERT INTO jobs (kind, application_id, run_at, created_at, "
	    "updated_at) VALUES ('email.code', 'app_t1', "
	    "to_timestamp(1800000000), to_timestamp(1799990000), "
	    "to_timestamp(1799990000))");
	store_test_sql(db,
	    "INSERT INTO jobs (kind, application_id, run_at, created_at, "
	    "updated_at, state) VALUES ('email.decision', 'app_t1', "
	    "to_timestamp(1800000000), to_timestamp(1800000000), "
	    "to_timestamp(1800000000), 'dead')");
	CU_ASSERT_EQUAL(store_ready_outbox(db, &o, &p), 0);
	CU_ASSERT(o.queued >= 1);
	CU_ASSERT(o.dead >= 1);
	CU_ASSERT(o.oldest != 0 && o.oldest <= 1799990000);
	db_free(db);
}

static void
test_catalog(void)
{
	struct db *db = fixture();
	struct catalog c;
	struct problem p;

	problem_clear(&p);
	CU_ASSERT_FATAL(store_catalog_load(db, &c, &p) == 0);
	CU_ASSERT_EQUAL(c.nproducts, 2);
	CU_ASSERT_STRING_EQUAL(c.products[0].code, "epcs-hardware");
	CU_ASSERT_EQUAL(c.products[0].price_cents, 10900);
	CU_ASSERT_EQUAL(c.products[0].hardware, 1);
	CU_ASSERT_EQUAL(c.products[0].epcs, 1);
	CU_ASSERT_EQUAL(c.products[0].validity_months, 24);
	CU_ASSERT_EQUAL(c.products[1].hardware, 0);
	CU_ASSERT_EQUAL(c.nstorage, 3);
	CU_ASSERT_STRING_EQUAL(c.storage[0].product, "epcs-hardware");
	CU_ASSERT_EQUAL(c.storage[0].price_cents, 6800);
	CU_ASSERT_EQUAL(c.storage[0].new_token, 1);
	CU_ASSERT_EQUAL(c.storage[1].new_token, 0);
	CU_ASSERT_EQUAL(c.nshipping, 3);
	CU_ASSERT_STRING_EQUAL(c.shipping[2].code, "international");
	CU_ASSERT_EQUAL(c.shipping[2].international, 1);
	CU_ASSERT_EQUAL(c.shipping[1].price_cents, 2995);
	CU_ASSERT_EQUAL(c.ntaxes, 6);
	CU_ASSERT_STRING_EQUAL(c.taxes[0].state, "CA");
	CU_ASSERT_EQUAL(c.taxes[0].rate_bp, 725);
	db_free(db);
}

static void
count_event(const struct app_event_row *e, void *arg)
{
	struct app_event_row *seen = arg;

	if (seen->status == NULL) { /* keep the first */
		CU_ASSERT_STRING_EQUAL(e->status, "proofing");
		CU_ASSERT_EQUAL(e->at, T0 + 5);
		CU_ASSERT_STRING_EQUAL(e->actor, "system");
		CU_ASSERT_PTR_NULL(e->note);
		seen->status = "seen";
	} else {
		CU_ASSERT_STRING_EQUAL(e->note, "second");
	}
	seen->at++;
}

static void
test_events_and_status(void)
{
	struct db *db = fixture();
	struct app_event_row seen = {0};
	struct app_lock_row l;
	struct problem p;

	problem_clear(&p);
	CU_ASSERT_EQUAL(store_app_event_add(db, "app_t1", T0 + 5, "proofing",
	                    "system", NULL, &p),
	    0);
	CU_ASSERT_EQUAL(store_app_event_add(db, "app_t1", T0 + 6, "review",
	                    "system", "second", &p),
	    0);
	CU_ASSERT_EQUAL(
	    store_app_events(db, "app_t1", count_event, &seen, &p), 2);
	CU_ASSERT_EQUAL(seen.at, 2);
	CU_ASSERT_EQUAL(
	    store_app_events(db, "app_none", count_event, &seen, &p), 0);
	CU_ASSERT_EQUAL(
	    store_app_status_set(db, "app_t1", "lapsed", T0 + 9, &p), 0);
	CU_ASSERT_EQUAL(store_app_lock(db, "app_t1", &l, &p), 1);
	CU_ASSERT_STRING_EQUAL(l.status, "lapsed");
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT extract(epoch FROM updated_at)::bigint "
	                    "FROM applications WHERE id = 'app_t1'"),
	    T0 + 9);
	db_free(db);
}

static void
test_idem(void)
{
	struct db *db = fixture();
	unsigned char h[32], got[32];
	char res[64];
	struct problem p;

	problem_clear(&p);
	memset(h, 0xab, sizeof(h));
	h[0] = 0;
	CU_ASSERT_EQUAL(
	    store_app_idem_get(db, "test", "k1", got, res, sizeof(res), &p), 0);
	CU_ASSERT_EQUAL(
	    store_app_idem_claim(db, "test", "k1", h, "app_t1", T0, &p), 1);
	CU_ASSERT_EQUAL(
	    store_app_idem_claim(db, "test", "k1", h, "app_t2", T0, &p), 0);
	CU_ASSERT_EQUAL(
	    store_app_idem_get(db, "test", "k1", got, res, sizeof(res), &p), 1);
	CU_ASSERT(memcmp(got, h, 32) == 0);
	CU_ASSERT_STRING_EQUAL(res, "app_t1");
	db_free(db);
}

static void
test_vouchers(void)
{
	struct db *db = fixture();
	struct problem p;
	long cents;

	problem_clear(&p);
	store_test_sql(db,
	    "INSERT INTO vouchers (code, amount_cents) VALUES ('VT1', 500)");
	CU_ASSERT_EQUAL(store_app_voucher(db, "VT1", NULL, 0, &cents, &p), 1);
	CU_ASSERT_EQUAL(cents, 500);
	CU_ASSERT_EQUAL(store_app_voucher(db, "VT1", NULL, 1, &cents, &p), 1);
	CU_ASSERT_EQUAL(cents, 500);
	CU_ASSERT_EQUAL(store_app_voucher(db, "VTX", NULL, 0, &cents, &p), 0);
	CU_ASSERT_EQUAL(cents, 0);
	CU_ASSERT_EQUAL(
	    store_app_voucher_redeem(db, "VT1", "app_t1", T0, &p), 0);
	CU_ASSERT_EQUAL(store_app_voucher(db, "VT1", NULL, 1, &cents, &p), 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM vouchers WHERE code = 'VT1' "
	                    "AND redeemed_by = 'app_t1'"),
	    1);
	db_free(db);
}

static void
test_insert_and_summary(void)
{
	struct db *db = fixture();
	struct application_input in;
	struct app_summary_row s;
	struct app_new n;
	struct problem p;
	char h1[] = "h1", h2[] = "h2", h3[] = "h3", q1[] = "q1", q2[] = "q2",
	     q3[] = "q3";
	char product[] = "identity-software", storage[] = "software",
	     shipping[] = "usps", given[] = "Cy", family[] = "Doe",
	     email[] = "cy@example.test", phone[] = "+15555550101",
	     line1[] = "2 Elm", city[] = "Austin", state[] = "TX",
	     postal[] = "73301", country[] = "US", ssn[] = "9876", avs[] = "a",
	     pay[] = "b", agreement[] = "v2";
	char *answers[3] = {h1, h2, h3};

	problem_clear(&p);
	memset(&in, 0, sizeof(in));
	in.product = product;
	in.storage = storage;
	in.shipping = shipping;
	in.given_name = given;
	in.family_name = family;
	snprintf(in.date_of_birth, sizeof(in.date_of_birth), "1990-01-01");
	in.email = email;
	in.phone = phone;
	in.line1 = line1;
	in.city = city;
	in.state = state;
	in.postal_code = postal;
	in.country = country;
	in.ssn_last4 = ssn;
	in.avs_card_token = avs;
	in.payment_card_token = pay;
	in.agreement_version = agreement;
	in.nqa = 3;
	in.qa[0].question = q1;
	in.qa[1].question = q2;
	in.qa[2].question = q3;
	memset(&n, 0, sizeof(n));
	n.id = "app_t3";
	n.policy = "igc";
	n.in = &in;
	n.password_hash = "$argon2id$x";
	n.answer_hashes = answers;
	n.price_json = "{\"total_cents\": 9900}";
	n.total_cents = 9900;
	n.now = T0;
	n.verify_by = T0 + 86400;
	CU_ASSERT_EQUAL(store_app_insert(db, &n, &p), 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM secret_answers WHERE "
	                    "application_id = 'app_t3' AND answer_hash = 'h2' "
	                    "AND position = 2"),
	    1);
	CU_ASSERT_EQUAL(store_app_insert(db, &n, &p), -1);
	CU_ASSERT_EQUAL(p.status, 409);
	problem_clear(&p);
	CU_ASSERT_EQUAL(store_app_summary(db, "app_t3", &s, &p), 1);
	CU_ASSERT_STRING_EQUAL(s.status, "email_pending");
	CU_ASSERT_EQUAL(s.email_verify_by, T0 + 86400);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.price);
	CU_ASSERT(strstr(s.price, "9900") != NULL);
	store_app_summary_free(&s);
	CU_ASSERT_EQUAL(store_app_summary(db, "app_none", &s, &p), 0);
	CU_ASSERT_PTR_NULL(s.price);
	store_test_sql(
	    db, "DELETE FROM secret_answers WHERE application_id = 'app_t3'");
	store_test_sql(db, "DELETE FROM applications WHERE id = 'app_t3'");
	db_free(db);
}

static void
test_view(void)
{
	struct db *db = fixture();
	struct app_view_row v;
	struct problem p;

	problem_clear(&p);
	CU_ASSERT_EQUAL_FATAL(store_app_view(db, "app_t1", &v, &p), 1);
	CU_ASSERT_STRING_EQUAL(v.id, "app_t1");
	CU_ASSERT_STRING_EQUAL(v.status, "email_pending");
	CU_ASSERT_STRING_EQUAL(v.policy, "igc");
	CU_ASSERT_STRING_EQUAL(v.storage, "existing-token");
	CU_ASSERT_PTR_NULL(v.program);
	CU_ASSERT_PTR_NULL(v.middle_name);
	CU_ASSERT_STRING_EQUAL(v.email, "ada@example.test");
	CU_ASSERT_STRING_EQUAL(v.city, "Denver");
	CU_ASSERT_STRING_EQUAL(v.state, "CO");
	CU_ASSERT_STRING_EQUAL(v.country, "US");
	CU_ASSERT_STRING_EQUAL(v.agreement_version, "v1");
	CU_ASSERT(strstr(v.price, "total_cents") != NULL);
	CU_ASSERT_EQUAL(v.created_at, T0);
	CU_ASSERT_EQUAL(v.updated_at, T0 + 1);
	CU_ASSERT_EQUAL(v.email_verify_by, T0 + 86400);
	CU_ASSERT_EQUAL(v.email_verified_at, 0);
	store_app_view_free(&v);
	CU_ASSERT_EQUAL(store_app_view(db, "app_t2", &v, &p), 1);
	CU_ASSERT_STRING_EQUAL(v.middle_name, "B");
	store_app_view_free(&v);
	CU_ASSERT_EQUAL(store_app_view(db, "app_none", &v, &p), 0);
	CU_ASSERT_PTR_NULL(v.id);
	db_free(db);
}

static void
test_prefill(void)
{
	struct db *db = fixture();
	struct app_prefill_row f;
	struct problem p;

	problem_clear(&p);
	CU_ASSERT_EQUAL_FATAL(store_app_prefill(db, "app_t1", T0, &f, &p), 1);
	CU_ASSERT_STRING_EQUAL(f.product, "epcs-hardware");
	CU_ASSERT_STRING_EQUAL(f.storage, "existing-token");
	CU_ASSERT_STRING_EQUAL(f.shipping, "usps");
	CU_ASSERT_STRING_EQUAL(f.date_of_birth, "1980-02-03");
	CU_ASSERT_STRING_EQUAL(f.line1, "1 Main St");
	CU_ASSERT_PTR_NULL(f.line2);
	CU_ASSERT_PTR_NULL(f.middle_name);
	CU_ASSERT_PTR_NULL(f.npi);
	CU_ASSERT_STRING_EQUAL(f.postal_code, "80202");
	CU_ASSERT_STRING_EQUAL(f.agreement_version, "v1");
	CU_ASSERT_EQUAL(f.expired, 0); /* no certificate */
	store_app_prefill_free(&f);
	CU_ASSERT_EQUAL(store_app_prefill(db, "app_none", T0, &f, &p), 0);
	db_free(db);
}

static void
test_lock_and_counters(void)
{
	struct db *db = fixture();
	struct app_lock_row l;
	struct problem p;
	char email[64];
	int n;

	problem_clear(&p);
	CU_ASSERT_EQUAL_FATAL(store_app_lock(db, "app_t1", &l, &p), 1);
	CU_ASSERT_STRING_EQUAL(l.status, "email_pending");
	CU_ASSERT_EQUAL(l.email_verify_by, T0 + 86400);
	CU_ASSERT_EQUAL(l.email_failures, 0);
	CU_ASSERT_EQUAL(l.email_last_sent_at, 0); /* NULL */
	CU_ASSERT_EQUAL(store_app_email_failed(db, "app_t1", &n, &p), 0);
	CU_ASSERT_EQUAL(store_app_email_failed(db, "app_t1", &n, &p), 0);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(store_app_resend(db, "app_t1", T0 + 7, &p), 0);
	store_test_sql(db,
	    "UPDATE applications SET email_last_sent_at = "
	    "to_timestamp(1800000003) WHERE id = 'app_t1'");
	CU_ASSERT_EQUAL(store_app_lock(db, "app_t1", &l, &p), 1);
	CU_ASSERT_EQUAL(l.email_failures, 2);
	CU_ASSERT_EQUAL(l.email_resends, 1);
	CU_ASSERT_EQUAL(l.email_last_sent_at, T0 + 3);
	CU_ASSERT_EQUAL(store_app_lock(db, "app_none", &l, &p), 0);
	CU_ASSERT_EQUAL(
	    store_app_email_of(db, "app_t1", email, sizeof(email), &p), 1);
	CU_ASSERT_STRING_EQUAL(email, "ada@example.test");
	CU_ASSERT_EQUAL(
	    store_app_email_of(db, "app_none", email, sizeof(email), &p), 0);
	CU_ASSERT_EQUAL(store_app_verified(db, "app_t1", T0 + 8, &p), 0);
	CU_ASSERT_EQUAL(store_app_lock(db, "app_t1", &l, &p), 1);
	CU_ASSERT_STRING_EQUAL(l.status, "proofing");
	db_free(db);
}

static void
test_codes(void)
{
	struct db *db = fixture();
	struct email_code_row c;
	struct problem p;
	int n;

	problem_clear(&p);
	CU_ASSERT_EQUAL(store_app_code_live(db, "app_t1", &c, &p), 0);
	CU_ASSERT_EQUAL(store_app_code_last(db, "app_t1", &n, &p), 0);
	store_test_sql(db,
	    "INSERT INTO email_codes (application_id, code_hash, created_at, "
	    "expires_at, state, earlier_hashes) VALUES ('app_t1', "
	    "decode(repeat('11', 32), 'hex'), to_timestamp(1800000000), "
	    "to_timestamp(1800000600), 'live', decode(repeat('22', 32) || "
	    "repeat('33', 32), 'hex'))");
	CU_ASSERT_EQUAL_FATAL(store_app_code_live(db, "app_t1", &c, &p), 1);
	CU_ASSERT(c.id > 0);
	CU_ASSERT_EQUAL(c.hash[0], 0x11);
	CU_ASSERT_EQUAL(c.hash[31], 0x11);
	CU_ASSERT_EQUAL(c.expires_at, T0 + 600);
	CU_ASSERT_EQUAL(c.attempts, 0);
	CU_ASSERT_EQUAL(c.nearlier, 64);
	CU_ASSERT_EQUAL(c.earlier[32], 0x33);
	CU_ASSERT_EQUAL(store_app_code_fail(db, c.id, 2, &n, &p), 1);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(store_app_code_fail(db, -5, 2, &n, &p), 0);
	CU_ASSERT_EQUAL(store_app_code_fail(db, c.id, 2, &n, &p), 1);
	CU_ASSERT_EQUAL(n, 2);
	/* dead at the limit: no live code, the last one has 2 attempts */
	CU_ASSERT_EQUAL(store_app_code_live(db, "app_t1", &c, &p), 0);
	CU_ASSERT_EQUAL(store_app_code_last(db, "app_t1", &n, &p), 1);
	CU_ASSERT_EQUAL(n, 2);
	store_test_sql(db,
	    "INSERT INTO email_codes (application_id, code_hash, created_at, "
	    "expires_at, state) VALUES ('app_t1', decode(repeat('44', 32), "
	    "'hex'), to_timestamp(1800000000), to_timestamp(1800000600), "
	    "'live')");
	CU_ASSERT_EQUAL_FATAL(store_app_code_live(db, "app_t1", &c, &p), 1);
	CU_ASSERT_EQUAL(c.nearlier, 0);
	CU_ASSERT_EQUAL(store_app_code_use(db, c.id, &p), 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM email_codes WHERE "
	                    "application_id = 'app_t1' AND state = 'used'"),
	    1);
	store_test_sql(db,
	    "INSERT INTO email_codes (application_id, code_hash, created_at, "
	    "expires_at, state) VALUES ('app_t1', decode(repeat('55', 32), "
	    "'hex'), to_timestamp(1800000000), to_timestamp(1800000600), "
	    "'live')");
	CU_ASSERT_EQUAL(store_app_codes_kill(db, "app_t1", &p), 0);
	CU_ASSERT_EQUAL(store_app_code_live(db, "app_t1", &c, &p), 0);
	db_free(db);
}

static void
test_decision_mails(void)
{
	struct db *db = fixture();
	struct app_decision_mails m;
	struct problem p;
	char status[32];
	int decided;

	problem_clear(&p);
	CU_ASSERT_EQUAL(store_app_decision_lock(
	                    db, "app_t1", status, sizeof(status), &decided, &p),
	    1);
	CU_ASSERT_STRING_EQUAL(status, "email_pending");
	CU_ASSERT_EQUAL(decided, 0);
	CU_ASSERT_EQUAL(store_app_decision_lock(db, "app_none", status,
	                    sizeof(status), &decided, &p),
	    0);
	CU_ASSERT_EQUAL(
	    store_app_decision_mails(db, "app_t1", T0 + 30, &m, &p), 0);
	CU_ASSERT_EQUAL(m.sent, 0);
	CU_ASSERT_EQUAL(m.last, 0); /* NULL */
	store_test_sql(db,
	    "INSERT INTO jobs (kind, application_id, run_at, created_at, "
	    "updated_at, state, attempts) VALUES ('email.decision', 'app_t1', "
	    "to_timestamp(1800000000), to_timestamp(1800000000), "
	    "to_timestamp(1800000000), 'done', 1), ('email.decision', 'app_t1', "
	    "to_timestamp(1800009000), to_timestamp(1800000020), "
	    "to_timestamp(1800000020), 'queued', 1)");
	/* in flight: held by a runner under a lease, no try counted yet */
	store_test_sql(db,
	    "INSERT INTO jobs (kind, application_id, run_at, created_at, "
	    "updated_at, state) VALUES ('email.decision', 'app_t1', "
	    "to_timestamp(1800000600), to_timestamp(1800000010), "
	    "to_timestamp(1800000010), 'queued')");
	CU_ASSERT_EQUAL(
	    store_app_decision_mails(db, "app_t1", T0 + 30, &m, &p), 0);
	CU_ASSERT_EQUAL(m.sent, 3);
	CU_ASSERT_EQUAL(m.last, T0 + 20);
	CU_ASSERT_EQUAL(m.queued, 1); /* the one waiting after a failed try */
	CU_ASSERT_EQUAL(store_app_decision_kick(db, "app_t1", T0 + 30, &p), 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT extract(epoch FROM run_at)::bigint FROM "
	                    "jobs WHERE application_id = 'app_t1' AND state = "
	                    "'queued' AND attempts = 1"),
	    T0 + 30);
	/* the lease of the one in flight stands */
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT extract(epoch FROM run_at)::bigint FROM "
	                    "jobs WHERE application_id = 'app_t1' AND state = "
	                    "'queued' AND attempts = 0"),
	    T0 + 600);
	store_test_sql(db,
	    "INSERT INTO decisions (application_id, decision, decided_by, "
	    "reason, at) VALUES ('app_t1', 'approve', 'system', 'ok', "
	    "to_timestamp(1800000000))");
	CU_ASSERT_EQUAL(store_app_decision_lock(
	                    db, "app_t1", status, sizeof(status), &decided, &p),
	    1);
	CU_ASSERT_EQUAL(decided, 1);
	store_test_sql(
	    db, "DELETE FROM decisions WHERE application_id = 'app_t1'");
	db_free(db);
}

void
test_store_add_app(void)
{
	CU_pSuite s = CU_add_suite("store_app", NULL, NULL);

	CU_add_test(s, "ping and readiness", test_ping_and_ready);
	CU_add_test(s, "catalog", test_catalog);
	CU_add_test(s, "timeline and status", test_events_and_status);
	CU_add_test(s, "idempotency keys", test_idem);
	CU_add_test(s, "vouchers", test_vouchers);
	CU_add_test(s, "insert and summary", test_insert_and_summary);
	CU_add_test(s, "view", test_view);
	CU_add_test(s, "prefill", test_prefill);
	CU_add_test(s, "lock and counters", test_lock_and_counters);
	CU_add_test(s, "verification codes", test_codes);
	CU_add_test(s, "decision mails", test_decision_mails);
}
