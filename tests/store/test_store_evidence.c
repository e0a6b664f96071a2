/*
 * api/store/store_evidence.c against PostgreSQL: the key evidence a
 * product requires (products.key_evidence, set by migration 0014) and the
 * evidence recorded on a certificate.  Each test makes its own rows (ids
 * starting tse_) and removes them.
 */
#include <stdio.h>
#include <string.h>

#include "api/store/store_evidence.h"
#include "tests/store/test_store.h"

/* A certificate serial: "tse1" then 12 bytes (hex in SQL below). */
static const unsigned char serial1[16] = {
    0x74, 0x73, 0x65, 0x31, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
static const unsigned char unknown[16] = {
    0x74, 0x73, 0x65, 0x39, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
#define S1 "'\\x747365310102030405060708090a0b0c'::bytea"

static void
cleanup(struct db *db)
{
	store_test_sql(db, "DELETE FROM certificates WHERE serial = " S1);
	store_test_sql(db, "DELETE FROM applications WHERE id LIKE 'tse_%'");
	store_test_sql(
	    db, "DELETE FROM ca_certificates WHERE serial = '\\xfeedbee5'");
}

/* Application tse_<n> of product, with certificate serial1 if cert. */
static void
app_of(struct db *db, int n, const char *product, int cert)
{
	char sql[2048];

	snprintf(sql, sizeof(sql),
	    "INSERT INTO applications (id, status, policy, product, storage, "
	    "shipping, given_name, middle_name, family_name, date_of_birth, "
	    "email, phone, addr_line1, addr_line2, addr_city, addr_state, "
	    "addr_postal_code, addr_country, ssn_last4, avs_card_token, "
	    "payment_card_token, password_hash, agreement_version, "
	    "agreement_accepted_at, price, price_total_cents, created_at, "
	    "updated_at, email_verify_by) VALUES ('tse_%d', 'approved', "
	    "'igc', '%s', '%s', 'usps', 'Ada', NULL, 'Lovelace', "
	    "'1970-01-01', 'ada%d@example.org', '+15555550100', '1 Main St', "
	    "NULL, 'Springfield', 'VA', '22301', 'US', '1234', 'tok', 'tok', "
	    "'x', 'v1', now(), '{}', 0, now(), now(), now())",
	    n, product,
	    strcmp(product, "epcs-hardware") == 0 ? "new-token" : "software",
	    n);
	store_test_sql(db, sql);
	if (!cert)
		return;
	store_test_sql(db,
	    "INSERT INTO ca_certificates (name, serial, subject, der, "
	    "key_ref, not_before, not_after, created_at) VALUES ('issuing', "
	    "'\\xfeedbee5', 'CN=Test Issuing', '\\x3003020107', 'file', "
	    "now(), now(), now()) ON CONFLICT (name) DO NOTHING");
	snprintf(sql, sizeof(sql),
	    "INSERT INTO certificates (serial, application_id, issuer, "
	    "subject, spki_sha256, tbs, state, not_before, not_after, "
	    "recorded_at) VALUES (" S1
	    ", 'tse_%d', 'issuing', 'CN=Ada', decode(repeat('0e', 32), "
	    "'hex'), '\\x00', 'signing', now(), now(), now())",
	    n);
	store_test_sql(db, sql);
}

static void
test_required(void)
{
	struct db *db = store_test_db();
	char kind[STORE_EVIDENCE_KIND_MAX];
	struct problem p;

	problem_clear(&p);
	cleanup(db);
	app_of(db, 1, "epcs-hardware", 0);
	app_of(db, 2, "identity-software", 0);
	/* The defaults of migration 0014. */
	CU_ASSERT_EQUAL(store_evidence_required(db, "tse_1", kind, &p), 1);
	CU_ASSERT_STRING_EQUAL(kind, "client-asserted");
	CU_ASSERT_EQUAL(store_evidence_required(db, "tse_2", kind, &p), 1);
	CU_ASSERT_STRING_EQUAL(kind, "none");
	CU_ASSERT_EQUAL(store_evidence_required(db, "tse_9", kind, &p), 0);
	/* Strict mode, as docs/certificates.md says to set it. */
	store_test_sql(db,
	    "UPDATE products SET key_evidence = 'attested' WHERE code = "
	    "'epcs-hardware'");
	CU_ASSERT_EQUAL(store_evidence_required(db, "tse_1", kind, &p), 1);
	CU_ASSERT_STRING_EQUAL(kind, "attested");
	store_test_sql(db,
	    "UPDATE products SET key_evidence = 'client-asserted' WHERE code "
	    "= 'epcs-hardware'");
	/* Nothing else is a requirement. */
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM products WHERE key_evidence "
	                    "NOT IN ('none', 'client-asserted', 'attested')"),
	    0);
	cleanup(db);
	db_free(db);
}

static void
test_cert_evidence(void)
{
	struct db *db = store_test_db();
	struct evidence_row ev, got;
	struct problem p;

	problem_clear(&p);
	cleanup(db);
	app_of(db, 1, "epcs-hardware", 1);
	/* A certificate recorded without evidence says none. */
	CU_ASSERT_EQUAL(store_cert_evidence(db, serial1, &got, &p), 1);
	CU_ASSERT_STRING_EQUAL(got.kind, "none");
	CU_ASSERT_STRING_EQUAL(got.serial, "");
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.kind, sizeof(ev.kind), "attested");
	snprintf(ev.serial, sizeof(ev.serial), "12345678");
	snprintf(ev.firmware, sizeof(ev.firmware), "5.4.3");
	snprintf(ev.device, sizeof(ev.device), "/CN=Maker PIV Attestation");
	CU_ASSERT_EQUAL(store_cert_evidence_set(db, serial1, &ev, &p), 0);
	CU_ASSERT_EQUAL(store_cert_evidence(db, serial1, &got, &p), 1);
	CU_ASSERT_STRING_EQUAL(got.kind, "attested");
	CU_ASSERT_STRING_EQUAL(got.serial, "12345678");
	CU_ASSERT_STRING_EQUAL(got.firmware, "5.4.3");
	CU_ASSERT_STRING_EQUAL(got.device, "/CN=Maker PIV Attestation");
	CU_ASSERT_STRING_EQUAL(got.model, "");
	/* Unknown details are SQL NULL, not "". */
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM certificates WHERE serial = "
	                    "" S1 " AND key_model IS NULL AND "
	                    "key_manufacturer IS NULL"),
	    1);
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.kind, sizeof(ev.kind), "client-asserted");
	snprintf(ev.serial, sizeof(ev.serial), "4d2b8f1c9e0a7b36");
	snprintf(ev.model, sizeof(ev.model), "SoftHSM v2");
	snprintf(ev.manufacturer, sizeof(ev.manufacturer), "SoftHSM project");
	CU_ASSERT_EQUAL(store_cert_evidence_set(db, serial1, &ev, &p), 0);
	CU_ASSERT_EQUAL(store_cert_evidence(db, serial1, &got, &p), 1);
	CU_ASSERT_STRING_EQUAL(got.kind, "client-asserted");
	CU_ASSERT_STRING_EQUAL(got.model, "SoftHSM v2");
	CU_ASSERT_STRING_EQUAL(got.manufacturer, "SoftHSM project");
	CU_ASSERT_STRING_EQUAL(got.serial, "4d2b8f1c9e0a7b36");
	CU_ASSERT_STRING_EQUAL(got.device, "");
	/* An unknown certificate: not found; setting it is an error. */
	CU_ASSERT_EQUAL(store_cert_evidence(db, unknown, &got, &p), 0);
	CU_ASSERT_EQUAL(store_cert_evidence_set(db, unknown, &ev, &p), -1);
	CU_ASSERT_EQUAL(p.status, 500);
	/* A kind the schema does not know is refused by the database. */
	problem_clear(&p);
	snprintf(ev.kind, sizeof(ev.kind), "hardware");
	CU_ASSERT_EQUAL(store_cert_evidence_set(db, serial1, &ev, &p), -1);
	cleanup(db);
	db_free(db);
}

void
test_store_add_evidence(void)
{
	CU_pSuite s = CU_add_suite("store_evidence", NULL, NULL);

	CU_add_test(s, "required by product", test_required);
	CU_add_test(s, "certificate evidence", test_cert_evidence);
}
