/*
 * api/store/store_partners.c against PostgreSQL: partners and their keys, the
 * program's applications and certificates, challenges, the webhook and
 * its deliveries, invitations and vouchers.  Every row here has an id
 * starting "sp" and the programs "sp-*", apart from other suites' rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/store/store_partners.h"
#include "tests/store/test_store.h"

#define T0 1800000000 /* 2027-01-15 08:00:00 UTC */

static const unsigned char hash_a[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

/* Partner id with program, made through the store. */
static void
partner(struct db *db, const char *id, const char *program)
{
	struct problem p;

	problem_clear(&p);
	CU_ASSERT_EQUAL_FATAL(store_partner_insert(db, id, "Sp EHR", program,
	                          NULL, T0, "operator:sp", &p),
	    0);
}

/* An application of program, updated at T0 + updated; npi NULL if NULL. */
static void
app(struct db *db, const char *id, const char *program, const char *status,
    const char *npi, long updated)
{
	char sql[2048], npiv[64];

	if (npi != NULL)
		snprintf(npiv, sizeof(npiv), "'%s'", npi);
	else
		snprintf(npiv, sizeof(npiv), "NULL");
	snprintf(sql, sizeof(sql),
	    "INSERT INTO applications (id, status, policy, product, shipping, "
	    "program, given_name, family_name, date_of_birth, email, phone, "
	    "addr_line1, addr_city, addr_postal_code, addr_country, npi, "
	    "dea_number, ssn_last4, avs_card_token, payment_card_token, "
	    "password_hash, agreement_version, agreement_accepted_at, price, "
	    "price_total_cents, created_at, updated_at, email_verify_by) "
	    "VALUES ('%s', '%s', 'igc', 'identity-software', 'usps', '%s', "
	    "'Ada', 'Lovelace', '1980-01-01', '%s@example.org', "
	    "'+15555550100', "
	    "'1 Main St', 'Springfield', '12345', 'US', %s, NULL, '1234', "
	    "'tok', 'tok', 'hash', 'v1', to_timestamp(%d), '{}', 100, "
	    "to_timestamp(%d), to_timestamp(%ld), to_timestamp(%d))",
	    id, status, program, id, npiv, T0, T0, (long)T0 + updated,
	    T0 + 86400);
	store_test_sql(db, sql);
}

static void
test_partner_row(void)
{
	struct db *db = store_test_db();
	struct partner_row row;
	struct problem p;

	partner(db, "sp-prt-1", "sp-one");
	problem_clear(&p);
	CU_ASSERT_EQUAL(store_partner_by_id(db, "sp-prt-1", 0, &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.id, "sp-prt-1");
	CU_ASSERT_STRING_EQUAL(row.name, "Sp EHR");
	CU_ASSERT_STRING_EQUAL(row.program, "sp-one");
	store_test_sql(db, "BEGIN");
	CU_ASSERT_EQUAL(store_partner_by_id(db, "sp-prt-1", 1, &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.program, "sp-one");
	store_test_sql(db, "COMMIT");
	CU_ASSERT_EQUAL(store_partner_by_id(db, "sp-none", 0, &row, &p), 0);
	CU_ASSERT_EQUAL(store_partner_by_id(db, "sp-none", 1, &row, &p), 0);
	/* a program has one partner */
	CU_ASSERT_EQUAL(store_partner_insert(db, "sp-prt-x", "Other", "sp-one",
	                    NULL, T0, "operator:sp", &p),
	    -1);
	CU_ASSERT_EQUAL(p.status, 409);
	db_free(db);
}

static void
test_partner_keys(void)
{
	struct db *db = store_test_db();
	struct partner_key_row k;
	struct problem p;
	time_t at = 0;

	partner(db, "sp-prt-2", "sp-two");
	problem_clear(&p);
	CU_ASSERT_EQUAL(store_partner_key_insert(db, "spkey2", "sp-prt-2",
	                    hash_a, T0, "operator:sp", &p),
	    0);
	CU_ASSERT_EQUAL(store_partner_key_by_id(db, "spkey2", &k, &p), 1);
	CU_ASSERT_EQUAL(k.hash_len, 32);
	CU_ASSERT(memcmp(k.hash, hash_a, 32) == 0);
	CU_ASSERT_EQUAL(k.revoked, 0);
	CU_ASSERT_STRING_EQUAL(k.partner.id, "sp-prt-2");
	CU_ASSERT_STRING_EQUAL(k.partner.program, "sp-two");
	CU_ASSERT_STRING_EQUAL(k.partner.name, "Sp EHR");
	CU_ASSERT_EQUAL(store_partner_key_by_id(db, "spnokey", &k, &p), 0);

	CU_ASSERT_EQUAL(store_partner_key_revoke(db, "sp-prt-2", "spkey2",
	                    T0 + 10, "operator:sp", &at, &p),
	    1);
	CU_ASSERT_EQUAL(at, T0 + 10);
	/* again: the first time stays */
	CU_ASSERT_EQUAL(store_partner_key_revoke(db, "sp-prt-2", "spkey2",
	                    T0 + 20, "operator:sp", &at, &p),
	    1);
	CU_ASSERT_EQUAL(at, T0 + 10);
	CU_ASSERT_EQUAL(store_partner_key_by_id(db, "spkey2", &k, &p), 1);
	CU_ASSERT_EQUAL(k.revoked, 1);
	/* another partner's key, and none */
	CU_ASSERT_EQUAL(store_partner_key_revoke(db, "sp-prt-1", "spkey2",
	                    T0 + 20, "operator:sp", &at, &p),
	    0);
	CU_ASSERT_EQUAL(store_partner_key_revoke(db, "sp-prt-2", "spnokey",
	                    T0 + 20, "operator:sp", &at, &p),
	    0);
	db_free(db);
}

static void
test_partner_apps(void)
{
	struct db *db = store_test_db();
	struct partner_app_query q = {"sp-apps", NULL, 0, 0, NULL, 0, 10};
	struct partner_app_row *rows = NULL, row;
	struct problem p;
	int n = -1;

	app(db, "sp-app-b", "sp-apps", "review", "1234567893", 20);
	app(db, "sp-app-a", "sp-apps", "proofing", NULL, 10);
	app(db, "sp-app-c", "sp-apps", "review", NULL, 20);
	app(db, "sp-app-z", "sp-other", "review", NULL, 5);
	problem_clear(&p);
	CU_ASSERT_EQUAL_FATAL(store_partner_app_list(db, &q, &rows, &n, &p), 0);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_STRING_EQUAL(rows[0].id, "sp-app-a");
	CU_ASSERT_STRING_EQUAL(rows[1].id, "sp-app-b");
	CU_ASSERT_STRING_EQUAL(rows[2].id, "sp-app-c");
	CU_ASSERT_STRING_EQUAL(rows[0].status, "proofing");
	CU_ASSERT_STRING_EQUAL(rows[0].product, "identity-software");
	CU_ASSERT_STRING_EQUAL(rows[0].program, "sp-apps");
	CU_ASSERT_STRING_EQUAL(rows[0].given_name, "Ada");
	CU_ASSERT_STRING_EQUAL(rows[0].family_name, "Lovelace");
	CU_ASSERT_STRING_EQUAL(rows[0].email, "sp-app-a@example.org");
	CU_ASSERT_EQUAL(rows[0].has_npi, 0);
	CU_ASSERT_STRING_EQUAL(rows[0].npi, "");
	CU_ASSERT_EQUAL(rows[1].has_npi, 1);
	CU_ASSERT_STRING_EQUAL(rows[1].npi, "1234567893");
	CU_ASSERT_EQUAL(rows[1].has_dea_number, 0);
	CU_ASSERT_EQUAL(rows[0].created_at, T0);
	CU_ASSERT_EQUAL(rows[0].updated_at, T0 + 10);
	CU_ASSERT_EQUAL(rows[0].updated_epoch, T0 + 10);
	store_partner_app_rows_free(rows);

	/* a status; since; a page after a cursor */
	q.status = "review";
	CU_ASSERT_EQUAL(store_partner_app_list(db, &q, &rows, &n, &p), 0);
	CU_ASSERT_EQUAL(n, 2);
	store_partner_app_rows_free(rows);
	q.status = NULL;
	q.has_since = 1;
	q.since = T0 + 15;
	CU_ASSERT_EQUAL(store_partner_app_list(db, &q, &rows, &n, &p), 0);
	CU_ASSERT_EQUAL(n, 2);
	store_partner_app_rows_free(rows);
	q.has_since = 0;
	q.after_id = "sp-app-b";
	q.after_time = T0 + 20;
	CU_ASSERT_EQUAL(store_partner_app_list(db, &q, &rows, &n, &p), 0);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_STRING_EQUAL(rows[0].id, "sp-app-c");
	store_partner_app_rows_free(rows);
	q.program = "sp-nobody";
	q.after_id = NULL;
	CU_ASSERT_EQUAL(store_partner_app_list(db, &q, &rows, &n, &p), 0);
	CU_ASSERT_EQUAL(n, 0);
	store_partner_app_rows_free(rows);

	CU_ASSERT_EQUAL(
	    store_partner_app_get(db, "sp-app-b", "sp-apps", &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.npi, "1234567893");
	CU_ASSERT_EQUAL(row.updated_at, T0 + 20);
	/* another program's is none */
	CU_ASSERT_EQUAL(
	    store_partner_app_get(db, "sp-app-z", "sp-apps", &row, &p), 0);
	db_free(db);
}

/* A certificate of application app, serial ending in last. */
static void
cert(struct db *db, const char *app_id, int last, const char *state,
    int recorded)
{
	char sql[2048];
	int revoked = strcmp(state, "revoked") == 0;
	int der = strcmp(state, "signing") != 0;

	snprintf(sql, sizeof(sql),
	    "INSERT INTO certificates (serial, application_id, issuer, "
	    "subject, "
	    "spki_sha256, tbs, der, state, not_before, not_after, recorded_at, "
	    "revoked_at, revocation_reason) VALUES ("
	    "'\\x5350000000000000000000000000%04x', '%s', 'issuing', "
	    "'CN=Ada Lovelace %d', sha256('sp%d'), '\\x00', %s, '%s', "
	    "to_timestamp(%d), to_timestamp(%d), to_timestamp(%d), %s, %s)",
	    last, app_id, last, last, der ? "'\\x3082aa00ff'" : "NULL", state,
	    T0, T0 + 86400 * 365, T0 + recorded,
	    revoked ? "to_timestamp(1800000500)" : "NULL",
	    revoked ? "'keyCompromise'" : "NULL");
	store_test_sql(db, sql);
}

static void
test_partner_certs(void)
{
	static const unsigned char s1[16] = {0x53, 0x50, [14] = 0, [15] = 1};
	static const unsigned char s2[16] = {0x53, 0x50, [14] = 0, [15] = 2};
	static const unsigned char s3[16] = {0x53, 0x50, [14] = 0, [15] = 3};
	struct db *db = store_test_db();
	struct partner_cert_row *rows = NULL, row;
	struct problem p;
	int n = -1;

	store_test_sql(db,
	    "INSERT INTO ca_certificates (name, serial, subject, der, key_ref, "
	    "not_before, not_after, created_at) VALUES ('issuing', "
	    "'\\x5350ca', 'CN=sp', '\\x00', 'sp', now(), now(), now()) "
	    "ON CONFLICT DO NOTHING");
	app(db, "sp-app-cert", "sp-certs", "issued", "1234567893", 0);
	cert(db, "sp-app-cert", 2, "revoked", 2);
	cert(db, "sp-app-cert", 1, "issued", 1);
	cert(db, "sp-app-cert", 3, "signing", 3);
	problem_clear(&p);
	CU_ASSERT_EQUAL_FATAL(
	    store_partner_app_certs(db, "sp-app-cert", &rows, &n, &p), 0);
	CU_ASSERT_EQUAL_FATAL(n, 2); /* not the one signing */
	CU_ASSERT_STRING_EQUAL(
	    rows[0].serial, "53500000000000000000000000000001");
	CU_ASSERT_STRING_EQUAL(rows[0].state, "issued");
	CU_ASSERT_EQUAL(rows[0].not_before, T0);
	CU_ASSERT_EQUAL(rows[0].not_after, T0 + 86400 * 365);
	CU_ASSERT_EQUAL(rows[0].revoked_at, 0);
	CU_ASSERT_EQUAL(rows[0].has_revocation_reason, 0);
	CU_ASSERT_STRING_EQUAL(rows[1].state, "revoked");
	CU_ASSERT_EQUAL(rows[1].revoked_at, 1800000500);
	CU_ASSERT_EQUAL(rows[1].has_revocation_reason, 1);
	CU_ASSERT_STRING_EQUAL(rows[1].revocation_reason, "keyCompromise");
	store_partner_cert_rows_free(rows);
	CU_ASSERT_EQUAL(
	    store_partner_app_certs(db, "sp-app-none", &rows, &n, &p), 0);
	CU_ASSERT_EQUAL(n, 0);
	store_partner_cert_rows_free(rows);

	CU_ASSERT_EQUAL(
	    store_partner_cert_get(db, s2, "sp-certs", &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.serial, "53500000000000000000000000000002");
	CU_ASSERT_STRING_EQUAL(row.subject, "CN=Ada Lovelace 2");
	CU_ASSERT_STRING_EQUAL(row.app, "sp-app-cert");
	CU_ASSERT_STRING_EQUAL(row.npi, "1234567893");
	CU_ASSERT_EQUAL(row.has_npi, 1);
	CU_ASSERT_EQUAL(row.has_dea_number, 0);
	CU_ASSERT_STRING_EQUAL(row.email, "sp-app-cert@example.org");
	CU_ASSERT_PTR_NULL(row.der);
	/* another program's, and one signing, are none */
	CU_ASSERT_EQUAL(store_partner_cert_get(db, s2, "sp-apps", &row, &p), 0);
	CU_ASSERT_EQUAL(
	    store_partner_cert_get(db, s3, "sp-certs", &row, &p), 0);

	CU_ASSERT_EQUAL(
	    store_partner_cert_verify(db, s1, "sp-certs", &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.state, "issued");
	CU_ASSERT_STRING_EQUAL(row.subject, "CN=Ada Lovelace 1");
	CU_ASSERT_EQUAL_FATAL(row.der_len, 5);
	CU_ASSERT(memcmp(row.der, "\x30\x82\xaa\x00\xff", 5) == 0);
	store_partner_cert_row_free(&row);
	CU_ASSERT_PTR_NULL(row.der);
	CU_ASSERT_EQUAL(
	    store_partner_cert_verify(db, s3, "sp-certs", &row, &p), 0);
	store_partner_cert_row_free(&row);
	store_partner_cert_row_free(NULL);
	db_free(db);
}

static void
test_partner_challenge(void)
{
	struct db *db = store_test_db();
	struct problem p;

	partner(db, "sp-prt-3", "sp-three");
	problem_clear(&p);
	CU_ASSERT_EQUAL(store_partner_challenge_insert(
	                    db, hash_a, "sp-prt-3", T0 + 300, &p),
	    0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT extract(epoch FROM expires_at)::bigint "
	                    "FROM partner_challenges WHERE partner_id = "
	                    "'sp-prt-3'"),
	    T0 + 300);
	/* a replay */
	CU_ASSERT_EQUAL(store_partner_challenge_insert(
	                    db, hash_a, "sp-prt-3", T0 + 300, &p),
	    -1);
	CU_ASSERT_EQUAL(p.status, 409);
	db_free(db);
}

static void
test_partner_hook(void)
{
	struct db *db = store_test_db();
	struct partner_hook_row row;
	struct problem p;

	partner(db, "sp-prt-4", "sp-four");
	problem_clear(&p);
	CU_ASSERT_EQUAL(store_partner_hook_get(db, "sp-prt-4", &row, &p), 0);
	CU_ASSERT_EQUAL(store_partner_hook_put(db, "sp-prt-4",
	                    "https://a.example/hook", "s1", T0, &p),
	    0);
	CU_ASSERT_EQUAL(store_partner_hook_get(db, "sp-prt-4", &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.url, "https://a.example/hook");
	CU_ASSERT_EQUAL(row.updated_at, T0);
	CU_ASSERT_EQUAL(store_partner_hook_put(db, "sp-prt-4",
	                    "https://b.example/hook", "s2", T0 + 5, &p),
	    0);
	CU_ASSERT_EQUAL(store_partner_hook_get(db, "sp-prt-4", &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.url, "https://b.example/hook");
	CU_ASSERT_EQUAL(row.updated_at, T0 + 5);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM partner_webhooks WHERE "
	                    "partner_id = 'sp-prt-4' AND secret = 's2'"),
	    1);
	db_free(db);
}

static void
test_partner_deliveries(void)
{
	struct db *db = store_test_db();
	struct partner_delivery_row *rows = NULL;
	struct problem p;
	long long first;
	int n = -1;

	partner(db, "sp-prt-5", "sp-five");
	store_test_sql(db,
	    "INSERT INTO webhook_events (id, partner_id, type, body, "
	    "created_at, next_at, state) VALUES ('sp-evt-5', 'sp-prt-5', "
	    "'application.updated', '{}', to_timestamp(1800000000), "
	    "to_timestamp(1800000000), 'delivered')");
	store_test_sql(db,
	    "INSERT INTO webhook_deliveries (event_seq, partner_id, attempt, "
	    "at, url, http_status, error, duration_ms, outcome) SELECT seq, "
	    "'sp-prt-5', 1, to_timestamp(1800000001), 'https://a.example/', "
	    "NULL, 'timed out', 5000, 'failed' FROM webhook_events WHERE "
	    "id = 'sp-evt-5'");
	store_test_sql(db,
	    "INSERT INTO webhook_deliveries (event_seq, partner_id, attempt, "
	    "at, url, http_status, error, duration_ms, outcome) SELECT seq, "
	    "'sp-prt-5', 2, to_timestamp(1800000060), 'https://a.example/', "
	    "204, NULL, 12, 'delivered' FROM webhook_events WHERE "
	    "id = 'sp-evt-5'");
	first = store_test_count(db,
	    "SELECT min(id) FROM webhook_deliveries WHERE partner_id = "
	    "'sp-prt-5'");
	problem_clear(&p);
	CU_ASSERT_EQUAL_FATAL(store_partner_delivery_list(
	                          db, "sp-prt-5", 0, 0, 10, &rows, &n, &p),
	    0);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(strtoll(rows[0].id, NULL, 10), first);
	CU_ASSERT_STRING_EQUAL(rows[0].event_id, "sp-evt-5");
	CU_ASSERT_STRING_EQUAL(rows[0].type, "application.updated");
	CU_ASSERT_EQUAL(rows[0].attempt, 1);
	CU_ASSERT_EQUAL(rows[0].at, T0 + 1);
	CU_ASSERT_EQUAL(rows[0].has_http_status, 0);
	CU_ASSERT_EQUAL(rows[0].has_error, 1);
	CU_ASSERT_STRING_EQUAL(rows[0].error, "timed out");
	CU_ASSERT_EQUAL(rows[0].duration_ms, 5000);
	CU_ASSERT_STRING_EQUAL(rows[0].outcome, "failed");
	CU_ASSERT_STRING_EQUAL(rows[0].event_state, "delivered");
	CU_ASSERT_EQUAL(rows[1].has_http_status, 1);
	CU_ASSERT_EQUAL(rows[1].http_status, 204);
	CU_ASSERT_EQUAL(rows[1].has_error, 0);
	store_partner_delivery_rows_free(rows);
	/* after the first; a limit; another partner's */
	CU_ASSERT_EQUAL(store_partner_delivery_list(
	                    db, "sp-prt-5", 1, first, 10, &rows, &n, &p),
	    0);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(rows[0].attempt, 2);
	store_partner_delivery_rows_free(rows);
	CU_ASSERT_EQUAL(
	    store_partner_delivery_list(db, "sp-prt-5", 0, 0, 1, &rows, &n, &p),
	    0);
	CU_ASSERT_EQUAL(n, 1);
	store_partner_delivery_rows_free(rows);
	CU_ASSERT_EQUAL(store_partner_delivery_list(
	                    db, "sp-prt-1", 0, 0, 10, &rows, &n, &p),
	    0);
	CU_ASSERT_EQUAL(n, 0);
	store_partner_delivery_rows_free(rows);
	db_free(db);
}

static void
test_partner_invitations(void)
{
	struct db *db = store_test_db();
	struct partner_invitation_row *rows = NULL, row;
	struct problem p;
	long long count = -1;
	int n = -1;

	partner(db, "sp-prt-6", "sp-six");
	problem_clear(&p);
	CU_ASSERT_EQUAL(store_partner_invitation_insert(db, "sp-inv-1",
	                    "sp-prt-6", "a@example.org", T0, T0 + 500, &p),
	    0);
	CU_ASSERT_EQUAL(store_partner_invitation_insert(db, "sp-inv-2",
	                    "sp-prt-6", "b@example.org", T0 + 10, T0 + 900, &p),
	    0);
	CU_ASSERT_EQUAL(
	    store_partner_invitation_count(db, "sp-prt-6", T0 - 1, &count, &p),
	    0);
	CU_ASSERT_EQUAL(count, 2);
	CU_ASSERT_EQUAL(
	    store_partner_invitation_count(db, "sp-prt-6", T0, &count, &p), 0);
	CU_ASSERT_EQUAL(count, 1);
	CU_ASSERT_EQUAL(
	    store_partner_invitation_sent(db, "sp-inv-1", T0 + 60, &p), 0);
	store_test_sql(db,
	    "INSERT INTO jobs (kind, payload, state, run_at, attempts, "
	    "created_at, updated_at) VALUES ('email.invitation', "
	    "'{\"invitation\": \"sp-inv-2\"}', 'dead', "
	    "to_timestamp(1800000010), 3, to_timestamp(1800000010), "
	    "to_timestamp(1800000099))");

	CU_ASSERT_EQUAL_FATAL(store_partner_invitation_list(db, T0 + 100,
	                          "sp-prt-6", NULL, 0, 10, NULL, &rows, &n, &p),
	    0);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_EQUAL(rows[0].status, "sent");
	CU_ASSERT_STRING_EQUAL(rows[1].status, "failed");
	CU_ASSERT_STRING_EQUAL(rows[0].id, "sp-inv-1");
	CU_ASSERT_STRING_EQUAL(rows[0].email, "a@example.org");
	CU_ASSERT_EQUAL(rows[0].created_at, T0);
	CU_ASSERT_EQUAL(rows[0].created_epoch, T0);
	CU_ASSERT_EQUAL(rows[0].sent_at, T0 + 60);
	CU_ASSERT_EQUAL(rows[0].has_job, 0);
	CU_ASSERT_STRING_EQUAL(rows[1].id, "sp-inv-2");
	CU_ASSERT_EQUAL(rows[1].sent_at, 0);
	CU_ASSERT_EQUAL(rows[1].has_job, 1);
	CU_ASSERT_STRING_EQUAL(rows[1].job_state, "dead");
	CU_ASSERT_EQUAL(rows[1].job_attempts, 3);
	CU_ASSERT_EQUAL(rows[1].job_updated_at, T0 + 99);
	CU_ASSERT_EQUAL(rows[0].expires_at, T0 + 500);
	store_partner_invitation_rows_free(rows);
	/* Past its link's expiry, an invitation without an application is
	 * expired. */
	CU_ASSERT_EQUAL_FATAL(store_partner_invitation_list(db, T0 + 500,
	                          "sp-prt-6", NULL, 0, 10, NULL, &rows, &n, &p),
	    0);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_EQUAL(rows[0].status, "expired");
	CU_ASSERT_STRING_EQUAL(rows[1].status, "failed");
	store_partner_invitation_rows_free(rows);
	CU_ASSERT_EQUAL(store_partner_invitation_list(db, T0 + 100, "sp-prt-6",
	                    "sp-inv-1", T0, 10, NULL, &rows, &n, &p),
	    0);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_STRING_EQUAL(rows[0].id, "sp-inv-2");
	store_partner_invitation_rows_free(rows);
	/* By status. */
	CU_ASSERT_EQUAL(store_partner_invitation_list(db, T0 + 100, "sp-prt-6",
	                    NULL, 0, 10, "failed", &rows, &n, &p),
	    0);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_STRING_EQUAL(rows[0].id, "sp-inv-2");
	store_partner_invitation_rows_free(rows);

	CU_ASSERT_EQUAL(store_partner_invitation_get(
	                    db, T0 + 100, "sp-inv-2", "sp-prt-6", &row, &p),
	    1);
	CU_ASSERT_STRING_EQUAL(row.email, "b@example.org");
	CU_ASSERT_EQUAL(row.created_at, T0 + 10);
	/* another partner's is none */
	CU_ASSERT_EQUAL(store_partner_invitation_get(
	                    db, T0 + 100, "sp-inv-2", "sp-prt-5", &row, &p),
	    0);
	db_free(db);
}

static void
test_partner_vouchers(void)
{
	struct db *db = store_test_db();
	struct partner_voucher_row *rows = NULL;
	struct problem p;
	int n = -1;

	partner(db, "sp-prt-7", "sp-seven");
	app(db, "sp-app-v", "sp-seven", "review", NULL, 0);
	problem_clear(&p);
	CU_ASSERT_EQUAL(store_partner_voucher_insert(
	                    db, "sp-vch-2", 2500, "sp-prt-7", T0 + 1, &p),
	    0);
	CU_ASSERT_EQUAL(store_partner_voucher_insert(
	                    db, "sp-vch-1", 1000, "sp-prt-7", T0, &p),
	    0);
	store_test_sql(db,
	    "UPDATE vouchers SET redeemed_by = 'sp-app-v', redeemed_at = "
	    "to_timestamp(1800000100) WHERE code = 'sp-vch-2'");
	CU_ASSERT_EQUAL_FATAL(
	    store_partner_voucher_list(db, "sp-prt-7", &rows, &n, &p), 0);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_EQUAL(rows[0].code, "sp-vch-1");
	CU_ASSERT_EQUAL(rows[0].amount_cents, 1000);
	CU_ASSERT_EQUAL(rows[0].created_at, T0);
	CU_ASSERT_EQUAL(rows[0].has_redeemed_by, 0);
	CU_ASSERT_EQUAL(rows[0].redeemed_at, 0);
	CU_ASSERT_STRING_EQUAL(rows[1].code, "sp-vch-2");
	CU_ASSERT_EQUAL(rows[1].amount_cents, 2500);
	CU_ASSERT_EQUAL(rows[1].has_redeemed_by, 1);
	CU_ASSERT_STRING_EQUAL(rows[1].redeemed_by, "sp-app-v");
	CU_ASSERT_EQUAL(rows[1].redeemed_at, T0 + 100);
	store_partner_voucher_rows_free(rows);
	CU_ASSERT_EQUAL(
	    store_partner_voucher_list(db, "sp-prt-1", &rows, &n, &p), 0);
	CU_ASSERT_EQUAL(n, 0);
	store_partner_voucher_rows_free(rows);
	db_free(db);
}

void
test_store_add_partner(void)
{
	CU_pSuite s = CU_add_suite("store_partner", NULL, NULL);

	CU_add_test(s, "a partner by id, locked, none, program taken",
	    test_partner_row);
	CU_add_test(
	    s, "API keys: found, none, revoked once", test_partner_keys);
	CU_add_test(s, "the program's applications, filtered and paged",
	    test_partner_apps);
	CU_add_test(
	    s, "certificates as a partner sees them", test_partner_certs);
	CU_add_test(s, "a challenge is recorded once", test_partner_challenge);
	CU_add_test(s, "the webhook, set and reset", test_partner_hook);
	CU_add_test(s, "the delivery log, paged", test_partner_deliveries);
	CU_add_test(s, "invitations with their jobs", test_partner_invitations);
	CU_add_test(s, "vouchers held and redeemed", test_partner_vouchers);
}
