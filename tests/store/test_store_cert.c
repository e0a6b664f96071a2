/*
 * api/store/store_cert.c against PostgreSQL: kits, certificates, challenges,
 * CA certificates, CRLs, OCSP status and responses, audit pages.  Each
 * test makes its own rows (ids starting tsc_) and removes them.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/store/store_cert.h"
#include "api/store/store_issue.h"
#include "api/store/tx.h"
#include "tests/store/test_store.h"

#define T0 1800000000 /* 2027-01-15T08:00:00Z */

/* Serials: 16 bytes, tsc1 and tsc2 (hex in SQL below). */
static const unsigned char serial1[16] = {
    0x75, 0x73, 0x63, 0x31, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
static const unsigned char serial2[16] = {
    0x75, 0x73, 0x63, 0x32, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
#define S1                                                                     \
	"'\\x75736331010203040506070809"                                       \
	"0a0b0c'::bytea"
#define S2                                                                     \
	"'\\x75736332010203040506070809"                                       \
	"0a0b0c'::bytea"

static void
cleanup(struct db *db)
{
	store_test_sql(
	    db, "DELETE FROM ocsp_responses WHERE serial IN (" S1 ", " S2 ")");
	store_test_sql(
	    db, "DELETE FROM challenges WHERE serial IN (" S1 ", " S2 ")");
	store_test_sql(
	    db, "DELETE FROM certificates WHERE serial IN (" S1 ", " S2 ")");
	store_test_sql(db, "DELETE FROM kits WHERE id LIKE 'tsc_%'");
	store_test_sql(
	    db, "DELETE FROM account_codes WHERE application_id LIKE 'tsc_%'");
	store_test_sql(
	    db, "DELETE FROM secret_answers WHERE application_id LIKE 'tsc_%'");
	store_test_sql(
	    db, "DELETE FROM sessions WHERE application_id LIKE 'tsc_%'");
	store_test_sql(db,
	    "DELETE FROM application_events WHERE application_id LIKE "
	    "'tsc_%'");
	store_test_sql(db, "DELETE FROM applications WHERE id LIKE 'tsc_%'");
	store_test_sql(db, "DELETE FROM crls WHERE issuer = 'issuing'");
	store_test_sql(
	    db, "DELETE FROM ca_certificates WHERE serial = '\\xfeedbeef'");
}

/* An application tsc_<n>, with a middle name if middle, and a kit
 * tsc_kit<n> in state, created at T0 + n. */
static void
app_and_kit(struct db *db, int n, const char *middle, const char *state)
{
	char sql[2048];

	snprintf(sql, sizeof(sql),
	    "INSERT INTO applications (id, status, policy, product, storage, "
	    "shipping, given_name, middle_name, family_name, date_of_birth, "
	    "email, phone, addr_line1, addr_line2, addr_city, addr_state, "
	    "addr_postal_code, addr_country, ssn_last4, avs_card_token, "
	    "payment_card_token, password_hash, agreement_version, "
	    "agreement_accepted_at, price, price_total_cents, created_at, "
	    "updated_at, email_verify_by) VALUES ('tsc_%d', 'approved', 'igc', "
	    "'epcs-hardware', 'new-token', 'usps-express', 'Ada%d', %s%s%s, "
	    "'Lovelace', '1970-01-01', 'ada%d@example.org', '+15555550100', "
	    "'1 Main St', NULL, 'Springfield', 'VA', '22301', 'US', '1234', "
	    "'tok', 'tok', 'x', 'v1', now(), '{}', 0, now(), now(), now())",
	    n, n, middle != NULL ? "'" : "", middle != NULL ? middle : "NULL",
	    middle != NULL ? "'" : "", n);
	store_test_sql(db, sql);
	snprintf(sql, sizeof(sql),
	    "INSERT INTO kits (id, application_id, state, new_token, prints, "
	    "expires_at, created_at, updated_at) VALUES ('tsc_kit%d', "
	    "'tsc_%d', '%s', %s, %d, to_timestamp(%d), to_timestamp(%d), "
	    "to_timestamp(%d))",
	    n, n, state, n % 2 == 1 ? "true" : "false", n, T0 + 86400, T0 + n,
	    T0 + n);
	store_test_sql(db, sql);
}

static void
test_kit_list(void)
{
	struct db *db = store_test_db();
	struct kit_list l;
	struct problem p;

	problem_clear(&p);
	cleanup(db);
	app_and_kit(db, 1, NULL, "printed");
	app_and_kit(db, 2, NULL, "printed");
	app_and_kit(db, 3, NULL, "printed");
	app_and_kit(db, 4, NULL, "shipped");
	CU_ASSERT_FATAL(store_kit_list(db, "printed", NULL, 2, &l, &p) == 0);
	CU_ASSERT_FATAL(l.n == 2);
	CU_ASSERT_STRING_EQUAL(l.rows[0].id, "tsc_kit1");
	CU_ASSERT_STRING_EQUAL(l.rows[0].app, "tsc_1");
	CU_ASSERT_STRING_EQUAL(l.rows[0].state, "printed");
	CU_ASSERT_EQUAL(l.rows[0].new_token, 1);
	CU_ASSERT_EQUAL(l.rows[1].new_token, 0);
	CU_ASSERT_EQUAL(l.rows[0].prints, 1);
	CU_ASSERT_EQUAL(l.rows[0].expires_at, T0 + 86400);
	CU_ASSERT_EQUAL(l.rows[0].created_at, T0 + 1);
	CU_ASSERT_STRING_EQUAL(l.rows[0].given, "Ada1");
	CU_ASSERT_STRING_EQUAL(l.rows[0].family, "Lovelace");
	CU_ASSERT_STRING_EQUAL(l.rows[0].shipping, "usps-express");
	CU_ASSERT_STRING_EQUAL(l.rows[1].id, "tsc_kit2");
	store_kit_list_free(&l);
	/* the next page, after the second */
	CU_ASSERT_FATAL(
	    store_kit_list(db, "printed", "tsc_kit2", 2, &l, &p) == 0);
	CU_ASSERT_FATAL(l.n == 1);
	CU_ASSERT_STRING_EQUAL(l.rows[0].id, "tsc_kit3");
	store_kit_list_free(&l);
	/* none in a state */
	CU_ASSERT_FATAL(store_kit_list(db, "locked", NULL, 10, &l, &p) == 0);
	CU_ASSERT_EQUAL(l.n, 0);
	store_kit_list_free(&l);
	store_kit_list_free(NULL);
	cleanup(db);
	db_free(db);
}

static void
test_kit_letter_print_ship(void)
{
	struct db *db = store_test_db();
	unsigned char hash[32];
	struct kit_letter_row k;
	struct problem p;

	problem_clear(&p);
	cleanup(db);
	app_and_kit(db, 1, NULL, "created");
	app_and_kit(db, 2, "Byron", "printed");
	memset(hash, 0xab, sizeof(hash));
	CU_ASSERT_FATAL(db_begin(db, &p) == 0);
	CU_ASSERT_FATAL(store_kit_letter_lock(db, "tsc_kit1", &k, &p) == 1);
	CU_ASSERT_STRING_EQUAL(k.state, "created");
	CU_ASSERT_EQUAL(k.new_token, 1);
	CU_ASSERT_EQUAL(k.expires_at, T0 + 86400);
	CU_ASSERT_EQUAL(k.prints, 1);
	CU_ASSERT_STRING_EQUAL(k.app, "tsc_1");
	CU_ASSERT_STRING_EQUAL(k.app_status, "approved");
	CU_ASSERT_STRING_EQUAL(k.given, "Ada1");
	CU_ASSERT_EQUAL(k.has_middle, 0); /* NULL */
	CU_ASSERT_STRING_EQUAL(k.middle, "");
	CU_ASSERT_STRING_EQUAL(k.family, "Lovelace");
	CU_ASSERT_STRING_EQUAL(k.line1, "1 Main St");
	CU_ASSERT_EQUAL(k.has_line2, 0);
	CU_ASSERT_STRING_EQUAL(k.city, "Springfield");
	CU_ASSERT_EQUAL(k.has_region, 1);
	CU_ASSERT_STRING_EQUAL(k.region, "VA");
	CU_ASSERT_STRING_EQUAL(k.postal_code, "22301");
	CU_ASSERT_STRING_EQUAL(k.country, "US");
	CU_ASSERT_STRING_EQUAL(k.shipping, "usps-express");
	CU_ASSERT(store_kit_printed(db, "tsc_kit1", hash, T0 + 100, &p) == 0);
	CU_ASSERT(db_commit(db, &p) == 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT prints * 1000 + attempts FROM kits "
	                    "WHERE id = 'tsc_kit1' AND state = 'printed' "
	                    "AND printed_at = to_timestamp(1800000100) AND "
	                    "code_hash = decode(repeat('ab', 32), 'hex')"),
	    2000);
	CU_ASSERT(store_kit_letter_lock(db, "tsc_kit2", &k, &p) == 1);
	CU_ASSERT_EQUAL(k.has_middle, 1);
	CU_ASSERT_STRING_EQUAL(k.middle, "Byron");
	CU_ASSERT_EQUAL(k.new_token, 0);
	CU_ASSERT(store_kit_shipped(
	              db, "tsc_kit2", "UPS", "1Z999", T0 + 200, &p) == 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM kits WHERE id = 'tsc_kit2' "
	                    "AND state = 'shipped' AND carrier = 'UPS' AND "
	                    "tracking = '1Z999' AND shipped_at = "
	                    "to_timestamp(1800000200)"),
	    1);
	/* not found */
	CU_ASSERT(store_kit_letter_lock(db, "tsc_nokit", &k, &p) == 0);
	cleanup(db);
	db_free(db);
}

/* The issuing CA's certificate (der "\x30\x03\x02\x01\x07"). */
static void
ca_cert(struct db *db)
{
	store_test_sql(db,
	    "INSERT INTO ca_certificates (name, serial, subject, der, "
	    "key_ref, not_before, not_after, created_at) VALUES ('issuing', "
	    "'\\xfeedbeef', 'CN=Test Issuing', '\\x3003020107', 'file', "
	    "now(), now(), now()) ON CONFLICT (name) DO NOTHING");
}

/* Certificate serial1 of tsc_1, issued (der "\x30\x03\x02\x01\x05"), and
 * serial2 reserved, not yet signed. */
static void
certs(struct db *db)
{
	ca_cert(db);
	store_test_sql(db,
	    "INSERT INTO certificates (serial, application_id, kit_id, "
	    "issuer, subject, spki_sha256, tbs, der, state, not_before, "
	    "not_after, recorded_at, issued_at) VALUES (" S1
	    ", 'tsc_1', 'tsc_kit1', 'issuing', 'CN=Ada Lovelace', "
	    "decode(repeat('01', 32), 'hex'), '\\x00', '\\x3003020105', "
	    "'issued', to_timestamp(1800000000), to_timestamp(1831536000), "
	    "to_timestamp(1800000000), to_timestamp(1800000060))");
	store_test_sql(db,
	    "INSERT INTO certificates (serial, application_id, kit_id, "
	    "issuer, subject, spki_sha256, tbs, state, not_before, not_after, "
	    "recorded_at) VALUES (" S2
	    ", 'tsc_2', 'tsc_kit2', 'issuing', 'CN=Ada2', "
	    "decode(repeat('02', 32), 'hex'), '\\x00', 'signing', now(), "
	    "now(), now())");
}

static void
test_cert_view(void)
{
	struct db *db = store_test_db();
	struct cert_view v;
	struct problem p;

	problem_clear(&p);
	cleanup(db);
	app_and_kit(db, 1, NULL, "used");
	app_and_kit(db, 2, NULL, "used");
	certs(db);
	CU_ASSERT_FATAL(store_cert_view(db, serial1, &v, &p) == 1);
	CU_ASSERT_STRING_EQUAL(v.app, "tsc_1");
	CU_ASSERT_STRING_EQUAL(v.subject, "CN=Ada Lovelace");
	CU_ASSERT_STRING_EQUAL(v.state, "issued");
	CU_ASSERT_STRING_EQUAL(v.issuer, "issuing");
	CU_ASSERT_EQUAL(v.der_len, 5);
	CU_ASSERT(
	    v.der != NULL && memcmp(v.der, "\x30\x03\x02\x01\x05", 5) == 0);
	CU_ASSERT_EQUAL(v.not_before, 1800000000);
	CU_ASSERT_EQUAL(v.not_after, 1831536000);
	CU_ASSERT_EQUAL(v.issued_at, 1800000060);
	store_cert_view_free(&v);
	CU_ASSERT_PTR_NULL(v.der);
	store_cert_view_free(NULL);
	/* not signed yet (der NULL): not shown */
	CU_ASSERT(store_cert_view(db, serial2, &v, &p) == 0);
	cleanup(db);
	db_free(db);
}

/* Sets kit tsc_kit<n>'s code hash to 32 bytes of n. */
static void
kit_code(struct db *db, int n, unsigned char hash[32])
{
	char sql[160];

	memset(hash, n, 32);
	snprintf(sql, sizeof(sql),
	    "UPDATE kits SET code_hash = decode(repeat('%02x', 32), 'hex') "
	    "WHERE id = 'tsc_kit%d'",
	    n, n);
	store_test_sql(db, sql);
}

/* store_kit_lock_cert of kit tsc_kit<n> (code hash as kit_code) for key
 * spki: the kit found, *cert and *used; row freed. */
static int
lock_cert(struct db *db, int n, const unsigned char *spki, int *cert, int *used,
    struct cert_row *c)
{
	unsigned char hash[32];
	struct kit_row k;
	struct problem p;
	char kit[32];
	int rc;

	problem_clear(&p);
	memset(hash, n, 32);
	snprintf(kit, sizeof(kit), "tsc_kit%d", n);
	rc = store_kit_lock_cert(db, hash, kit, spki, &k, c, cert, used, &p);
	if (rc == 1)
		CU_ASSERT_STRING_EQUAL(k.id, kit);
	return rc;
}

/*
 * What retrieval reads in one round trip where it read two or three: the
 * kit locked, then its certificate with whether the key is certified (a
 * kit with none: still answered), and the certificate as it is stored
 * signed, with its application's status and its event's data.
 */
static void
test_issue_rows(void)
{
	struct db *db = store_test_db();
	unsigned char spki[32], hash[32];
	struct cert_issued_row ir;
	struct cert_row c;
	struct problem p;
	int used = -1, cert = -1, n;

	problem_clear(&p);
	cleanup(db);
	for (n = 1; n <= 3; n++) {
		app_and_kit(db, n, NULL, n == 1 ? "used" : "shipped");
		kit_code(db, n, hash);
	}
	certs(db);
	memset(spki, 0x01, sizeof(spki));
	CU_ASSERT_EQUAL(lock_cert(db, 1, spki, &cert, &used, &c), 1);
	CU_ASSERT(cert == 1 && used == 1);
	CU_ASSERT(memcmp(c.serial, serial1, 16) == 0);
	CU_ASSERT(memcmp(c.spki, spki, 32) == 0);
	CU_ASSERT_STRING_EQUAL(c.state, "issued");
	CU_ASSERT(c.der_len == 5 && c.der != NULL &&
	    memcmp(c.der, "\x30\x03\x02\x01\x05", 5) == 0);
	store_cert_row_free(&c);
	/* reserved, not signed: its tbs, no der */
	memset(spki, 0x02, sizeof(spki));
	CU_ASSERT_EQUAL(lock_cert(db, 2, spki, &cert, &used, &c), 1);
	CU_ASSERT_EQUAL(cert, 1);
	CU_ASSERT_STRING_EQUAL(c.state, "signing");
	CU_ASSERT(c.tbs_len == 1 && c.der == NULL);
	store_cert_row_free(&c);
	/* a kit without one: the key's check still answers */
	CU_ASSERT_EQUAL(lock_cert(db, 3, spki, &cert, &used, &c), 1);
	CU_ASSERT(cert == 0 && used == 1);
	CU_ASSERT(c.tbs == NULL && c.der == NULL);
	memset(spki, 0x03, sizeof(spki));
	CU_ASSERT_EQUAL(lock_cert(db, 3, spki, &cert, &used, &c), 1);
	CU_ASSERT(cert == 0 && used == 0);
	store_cert_row_free(&c);
	/* an unknown code */
	CU_ASSERT_EQUAL(lock_cert(db, 9, spki, &cert, &used, &c), 0);
	store_cert_row_free(&c);
	/* an abandoned reservation is not the kit's */
	store_test_sql(db,
	    "UPDATE certificates SET state = 'abandoned', revoked_at = now() "
	    "WHERE serial = " S2);
	CU_ASSERT_EQUAL(lock_cert(db, 2, spki, &cert, &used, &c), 1);
	CU_ASSERT_EQUAL(cert, 0);
	store_cert_row_free(&c);
	store_test_sql(db,
	    "UPDATE certificates SET state = 'signing', revoked_at = NULL "
	    "WHERE serial = " S2);
	/* stored signed, with what the rest of issue_sign needs */
	store_test_sql(db,
	    "UPDATE applications SET status = 'kit_shipped', program = "
	    "'tsc_prog' WHERE id = 'tsc_2'");
	CU_ASSERT_EQUAL(
	    store_cert_issued(db, serial2,
	        (const unsigned char *)"\x30\x03\x02\x01\x06", 5, T0, &ir, &p),
	    1);
	CU_ASSERT_STRING_EQUAL(ir.app_status, "kit_shipped");
	CU_ASSERT_STRING_EQUAL(ir.hook.app, "tsc_2");
	CU_ASSERT_EQUAL(ir.hook.has_program, 1);
	CU_ASSERT(
	    ir.hook.subject != NULL && strcmp(ir.hook.subject, "CN=Ada2") == 0);
	CU_ASSERT_STRING_EQUAL(ir.hook.reason, "");
	CU_ASSERT_STRING_EQUAL(ir.ev.kind, "none");
	store_cert_issued_free(&ir);
	CU_ASSERT_PTR_NULL(ir.hook.subject);
	store_cert_issued_free(NULL);
	/* stored already: not again */
	CU_ASSERT_EQUAL(
	    store_cert_issued(db, serial2,
	        (const unsigned char *)"\x30\x03\x02\x01\x06", 5, T0, &ir, &p),
	    0);
	store_cert_issued_free(&ir);
	CU_ASSERT_EQUAL(
	    store_test_count(db,
	        "SELECT count(*) FROM certificates WHERE serial = " S2
	        " AND state = 'issued' AND der IS NOT NULL"),
	    1);
	cleanup(db);
	db_free(db);
}

/* A retrieval's reservation, on its own connection, waiting for the lock
 * of kit tsc_kit3. */
struct locker {
	int found, cert, used; /* store_kit_lock_cert's */
};

static void *
locker_run(void *arg)
{
	struct locker *l = arg;
	struct db *db = store_test_db();
	unsigned char spki[32];
	struct problem p;
	struct cert_row c;
	struct tx tx;

	problem_clear(&p);
	memset(&c, 0, sizeof(c));
	memset(spki, 0x03, sizeof(spki));
	if (tx_begin(&tx, db, T0, "test", &p) == 0)
		l->found = lock_cert(db, 3, spki, &l->cert, &l->used, &c);
	store_cert_row_free(&c);
	tx_abort(&tx);
	db_free(db);
	return NULL;
}

/*
 * The certificate is read once the kit is locked, not with the lock's
 * snapshot: a retrieval that waits for another's lock finds the
 * certificate the other committed (one statement joining them would not,
 * and would try to reserve a second one).
 */
static void
test_lock_then_read(void)
{
	struct db *db = store_test_db(), *holder = store_test_db();
	unsigned char hash[32];
	struct locker l = {-1, -1, -1};
	struct timespec tick = {0, 5000000};
	pthread_t t;
	int i;

	cleanup(db);
	app_and_kit(db, 3, NULL, "shipped");
	kit_code(db, 3, hash);
	ca_cert(db);
	store_test_sql(holder, "BEGIN");
	store_test_sql(holder,
	    "SELECT 1 FROM kits WHERE id = 'tsc_kit3' "
	    "FOR UPDATE");
	store_test_sql(holder,
	    "INSERT INTO certificates (serial, application_id, kit_id, "
	    "issuer, subject, spki_sha256, tbs, state, not_before, not_after, "
	    "recorded_at) VALUES (" S2 ", 'tsc_3', 'tsc_kit3', 'issuing', "
	    "'CN=Ada3', decode(repeat('03', 32), 'hex'), '\\x00', "
	    "'signing', now(), now(), now())");
	CU_ASSERT_FATAL(pthread_create(&t, NULL, locker_run, &l) == 0);
	/* till the other waits for the lock (a state, not a time) */
	for (i = 0; i < 2000 &&
	     store_test_count(db,
	         "SELECT count(*) FROM pg_stat_activity "
	         "WHERE wait_event_type = 'Lock' AND "
	         "datname = current_database()") == 0;
	     i++)
		nanosleep(&tick, NULL);
	CU_ASSERT(i < 2000);
	store_test_sql(holder, "COMMIT");
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(l.found, 1);
	CU_ASSERT_EQUAL(l.cert, 1);
	CU_ASSERT_EQUAL(l.used, 1);
	cleanup(db);
	db_free(holder);
	db_free(db);
}

static void
test_challenges(void)
{
	struct db *db = store_test_db();
	unsigned char nonce[32];
	struct challenge_row c;
	struct problem p;
	int attempts = -1;

	problem_clear(&p);
	cleanup(db);
	app_and_kit(db, 1, NULL, "used");
	app_and_kit(db, 2, NULL, "used");
	certs(db);
	memset(nonce, 0x5a, sizeof(nonce));
	CU_ASSERT(store_challenge_new(
	              db, "tsc_chl1", serial1, nonce, T0, T0 + 300, &p) == 0);
	CU_ASSERT_FATAL(db_begin(db, &p) == 0);
	CU_ASSERT_FATAL(
	    store_challenge_lock(db, "tsc_chl1", serial1, &c, &p) == 1);
	CU_ASSERT(memcmp(c.nonce, nonce, sizeof(nonce)) == 0);
	CU_ASSERT_EQUAL(c.attempts, 0);
	CU_ASSERT_EQUAL(c.expires_at, T0 + 300);
	CU_ASSERT_EQUAL(c.used, 0); /* used_at NULL */
	CU_ASSERT(store_challenge_fail(db, "tsc_chl1", &attempts, &p) == 1);
	CU_ASSERT_EQUAL(attempts, 1);
	CU_ASSERT(store_challenge_fail(db, "tsc_chl1", &attempts, &p) == 1);
	CU_ASSERT_EQUAL(attempts, 2);
	CU_ASSERT(store_challenge_use(db, "tsc_chl1", T0 + 10, &p) == 0);
	CU_ASSERT(db_commit(db, &p) == 0);
	CU_ASSERT(store_challenge_lock(db, "tsc_chl1", serial1, &c, &p) == 1);
	CU_ASSERT_EQUAL(c.used, 1);
	CU_ASSERT_EQUAL(c.attempts, 2);
	/* not found: another certificate's, or no such id */
	CU_ASSERT(store_challenge_lock(db, "tsc_chl1", serial2, &c, &p) == 0);
	CU_ASSERT(store_challenge_fail(db, "tsc_none", &attempts, &p) == 0);
	cleanup(db);
	db_free(db);
}

static void
test_ca_der_and_crl(void)
{
	struct db *db = store_test_db();
	unsigned char *der = NULL;
	struct crl_row c;
	struct problem p;
	long n = 0;

	problem_clear(&p);
	cleanup(db);
	ca_cert(db);
	CU_ASSERT_FATAL(store_ca_cert_der(db, "issuing", &der, &n, &p) == 1);
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT(der != NULL && der[0] == 0x30 && der[4] == 0x07);
	free(der);
	/* ocsp is never made here */
	CU_ASSERT(store_ca_cert_der(db, "ocsp", &der, &n, &p) == 0);
	CU_ASSERT_PTR_NULL(der);
	CU_ASSERT(store_crl_of(db, "issuing", &c, &p) == 0);
	store_test_sql(db,
	    "INSERT INTO crls (issuer, number, this_update, next_update, "
	    "entries, der, etag, created_at) VALUES ('issuing', 42, "
	    "to_timestamp(1800000000), to_timestamp(1800086400), 0, "
	    "'\\x300102', '\"0011223344556677\"', now())");
	CU_ASSERT_FATAL(store_crl_of(db, "issuing", &c, &p) == 1);
	CU_ASSERT_EQUAL(c.number, 42);
	CU_ASSERT_EQUAL(c.this_update, 1800000000);
	CU_ASSERT_EQUAL(c.next_update, 1800086400);
	CU_ASSERT_EQUAL(c.der_len, 3);
	CU_ASSERT(c.der != NULL && memcmp(c.der, "\x30\x01\x02", 3) == 0);
	CU_ASSERT_STRING_EQUAL(c.etag, "\"0011223344556677\"");
	store_crl_row_free(&c);
	store_crl_row_free(NULL);
	/* A shard's CRL (crl_shards) is read by its number, apart. */
	CU_ASSERT(store_crl_shard_of(db, 3, &c, &p) == 0);
	store_test_sql(db,
	    "INSERT INTO crl_shards (shard, number, this_update, next_update, "
	    "entries, der, etag, created_at) VALUES (3, 43, "
	    "to_timestamp(1800000000), to_timestamp(1800086400), 0, "
	    "'\\x300104', '\"8899\"', now())");
	CU_ASSERT(store_crl_shard_of(db, 2, &c, &p) == 0);
	CU_ASSERT_FATAL(store_crl_shard_of(db, 3, &c, &p) == 1);
	CU_ASSERT_EQUAL(c.number, 43);
	CU_ASSERT(c.der_len == 3 && memcmp(c.der, "\x30\x01\x04", 3) == 0);
	CU_ASSERT_STRING_EQUAL(c.etag, "\"8899\"");
	store_crl_row_free(&c);
	store_test_sql(db, "DELETE FROM crl_shards");
	cleanup(db);
	db_free(db);
}

static void
test_cert_status(void)
{
	struct db *db = store_test_db();
	static const unsigned char unknown[3] = {1, 2, 3};
	struct cert_status_row s;
	struct problem p;

	problem_clear(&p);
	cleanup(db);
	app_and_kit(db, 1, NULL, "used");
	app_and_kit(db, 2, NULL, "used");
	certs(db);
	CU_ASSERT_FATAL(
	    store_cert_status(db, serial1, 16, "sha1", &s, &p) == 1);
	CU_ASSERT_STRING_EQUAL(s.state, "issued");
	CU_ASSERT_EQUAL(s.revoked_at, 0);
	CU_ASSERT_EQUAL(s.has_reason, 0); /* NULL */
	CU_ASSERT_EQUAL(s.version, 0);    /* no stored response */
	store_test_sql(db,
	    "UPDATE certificates SET state = 'revoked', revoked_at = "
	    "to_timestamp(1800000500), revocation_reason = 'keyCompromise' "
	    "WHERE serial = " S1);
	store_test_sql(db,
	    "INSERT INTO ocsp_responses (serial, md, status, der, "
	    "this_update, next_update, updated_at) VALUES (" S1
	    ", 'sha256', 'revoked', '\\x3000', now(), now(), now())");
	CU_ASSERT_FATAL(
	    store_cert_status(db, serial1, 16, "sha256", &s, &p) == 1);
	CU_ASSERT_STRING_EQUAL(s.state, "revoked");
	CU_ASSERT_EQUAL(s.revoked_at, 1800000500);
	CU_ASSERT_EQUAL(s.has_reason, 1);
	CU_ASSERT_STRING_EQUAL(s.reason, "keyCompromise");
	CU_ASSERT(s.version > 0);
	/* the other hash has none */
	CU_ASSERT(store_cert_status(db, serial1, 16, "sha1", &s, &p) == 1);
	CU_ASSERT_EQUAL(s.version, 0);
	/* not signed, and never issued */
	CU_ASSERT(store_cert_status(db, serial2, 16, "sha1", &s, &p) == 0);
	CU_ASSERT(store_cert_status(db, unknown, 3, "sha1", &s, &p) == 0);
	cleanup(db);
	db_free(db);
}

struct seen {
	int n;
	struct ocsp_stored rows[4];
	unsigned char der[4][8];
};

static void
seen_row(const struct ocsp_stored *o, void *arg)
{
	struct seen *s = arg;

	if (s->n < 4) {
		s->rows[s->n] = *o;
		if (o->der != NULL && o->der_len <= 8)
			memcpy(s->der[s->n], o->der, (size_t)o->der_len);
		s->rows[s->n].der = NULL;
	}
	s->n++;
}

static void
test_ocsp_since(void)
{
	struct db *db = store_test_db();
	struct problem p;
	struct seen s;
	long long v0;

	problem_clear(&p);
	cleanup(db);
	app_and_kit(db, 1, NULL, "used");
	app_and_kit(db, 2, NULL, "used");
	certs(db);
	CU_ASSERT(store_ocsp_ready(db, &p) == 0);
	v0 = store_test_count(
	    db, "SELECT coalesce(max(version), 0) FROM ocsp_responses");
	store_test_sql(db,
	    "INSERT INTO ocsp_responses (serial, md, status, der, "
	    "this_update, next_update, updated_at) VALUES (" S1
	    ", 'sha1', 'good', '\\x300101', to_timestamp(1800000000), "
	    "to_timestamp(1800003600), now())");
	store_test_sql(db,
	    "INSERT INTO ocsp_responses (serial, md, status, der, "
	    "this_update, next_update, updated_at) VALUES (" S1
	    ", 'sha256', 'good', '\\x300102', to_timestamp(1800000000), "
	    "to_timestamp(1800003600), now())");
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(store_ocsp_since(db, v0, 10, seen_row, &s, &p), 2);
	CU_ASSERT_FATAL(s.n == 2);
	CU_ASSERT_EQUAL(s.rows[0].serial_len, 16);
	CU_ASSERT(memcmp(s.rows[0].serial, serial1, 16) == 0);
	CU_ASSERT_STRING_EQUAL(s.rows[0].md, "sha1");
	CU_ASSERT_STRING_EQUAL(s.rows[1].md, "sha256");
	CU_ASSERT_EQUAL(s.rows[0].der_len, 3);
	CU_ASSERT(memcmp(s.der[1], "\x30\x01\x02", 3) == 0);
	CU_ASSERT_EQUAL(s.rows[0].this_update, 1800000000);
	CU_ASSERT_EQUAL(s.rows[0].next_update, 1800003600);
	CU_ASSERT(s.rows[1].version > s.rows[0].version);
	CU_ASSERT(s.rows[0].version > v0);
	CU_ASSERT_EQUAL(s.rows[0].head, 0); /* the feed reads no head */
	/* one row, with the newest version of any (the sha256 one) */
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(
	    store_ocsp_get(db, serial1, 16, "sha1", seen_row, &s, &p), 1);
	CU_ASSERT_FATAL(s.n == 1);
	CU_ASSERT_STRING_EQUAL(s.rows[0].md, "sha1");
	CU_ASSERT(s.rows[0].head > s.rows[0].version);
	CU_ASSERT_EQUAL(s.rows[0].head,
	    store_test_count(db, "SELECT max(version) FROM ocsp_responses"));
	/* limited, and after the newest: none */
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(store_ocsp_since(db, v0, 1, seen_row, &s, &p), 1);
	memset(&s, 0, sizeof(s));
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM ocsp_responses WHERE "
	                    "version > (SELECT max(version) FROM "
	                    "ocsp_responses)"),
	    0);
	CU_ASSERT_EQUAL(
	    store_ocsp_since(db,
	        store_test_count(db, "SELECT max(version) FROM ocsp_responses"),
	        10, seen_row, &s, &p),
	    0);
	CU_ASSERT_EQUAL(s.n, 0);
	cleanup(db);
	db_free(db);
}

static void
test_audit_page(void)
{
	struct db *db = store_test_db();
	struct audit_filter any = {NULL, NULL, NULL, 0, 0}, f;
	struct audit_page pg;
	struct problem p;

	problem_clear(&p);
	store_test_sql(db, "DELETE FROM audit_log WHERE id >= 900000001");
	store_test_sql(db,
	    "INSERT INTO audit_log (id, at, actor, action, subject, details, "
	    "prev_hash, hash) VALUES (900000001, to_timestamp(1800000000), "
	    "'system', 'test.one', 'a', '{\"k\":1}', '\\x00', "
	    "decode(repeat('ab', 32), 'hex')), (900000002, now(), "
	    "'operator:o1', 'test.two', 'b', '{}', '\\x00', '\\x01')");
	CU_ASSERT_FATAL(
	    store_audit_page(db, 900000000, 10, &any, &pg, &p) == 0);
	CU_ASSERT_FATAL(pg.n == 2);
	CU_ASSERT_EQUAL(pg.rows[0].id, 900000001);
	CU_ASSERT_EQUAL(pg.rows[0].at, 1800000000);
	CU_ASSERT_STRING_EQUAL(pg.rows[0].actor, "system");
	CU_ASSERT_STRING_EQUAL(pg.rows[0].action, "test.one");
	CU_ASSERT_STRING_EQUAL(pg.rows[0].subject, "a");
	CU_ASSERT_STRING_EQUAL(pg.rows[0].details, "{\"k\":1}");
	CU_ASSERT_STRING_EQUAL(pg.rows[0].hash,
	    "abababababababababababababababababababababababababababababababab");
	CU_ASSERT_STRING_EQUAL(pg.rows[1].actor, "operator:o1");
	CU_ASSERT_STRING_EQUAL(pg.rows[1].hash, "01");
	store_audit_page_free(&pg);
	CU_ASSERT_FATAL(store_audit_page(db, 900000001, 1, &any, &pg, &p) == 0);
	CU_ASSERT_FATAL(pg.n == 1);
	CU_ASSERT_EQUAL(pg.rows[0].id, 900000002);
	store_audit_page_free(&pg);
	CU_ASSERT_FATAL(
	    store_audit_page(db, 900000002, 10, &any, &pg, &p) == 0);
	CU_ASSERT_EQUAL(pg.n, 0);
	store_audit_page_free(&pg);
	/* the filters: each exact, the times a half-open range */
	f = any;
	f.subject = "b";
	CU_ASSERT_FATAL(store_audit_page(db, 900000000, 10, &f, &pg, &p) == 0);
	CU_ASSERT_FATAL(pg.n == 1);
	CU_ASSERT_EQUAL(pg.rows[0].id, 900000002);
	store_audit_page_free(&pg);
	f = any;
	f.actor = "system";
	f.action = "test.one";
	CU_ASSERT_FATAL(store_audit_page(db, 900000000, 10, &f, &pg, &p) == 0);
	CU_ASSERT_FATAL(pg.n == 1);
	CU_ASSERT_EQUAL(pg.rows[0].id, 900000001);
	store_audit_page_free(&pg);
	f.action = "test.two";
	CU_ASSERT_FATAL(store_audit_page(db, 900000000, 10, &f, &pg, &p) == 0);
	CU_ASSERT_EQUAL(pg.n, 0);
	store_audit_page_free(&pg);
	f = any;
	f.since = 1800000000;
	f.until = 1800000001;
	CU_ASSERT_FATAL(store_audit_page(db, 900000000, 10, &f, &pg, &p) == 0);
	CU_ASSERT_FATAL(pg.n == 1);
	CU_ASSERT_EQUAL(pg.rows[0].id, 900000001);
	store_audit_page_free(&pg);
	f.until = 1800000000;
	CU_ASSERT_FATAL(store_audit_page(db, 900000000, 10, &f, &pg, &p) == 0);
	CU_ASSERT_EQUAL(pg.n, 0);
	store_audit_page_free(&pg);
	store_audit_page_free(NULL);
	store_test_sql(db, "DELETE FROM audit_log WHERE id >= 900000001");
	db_free(db);
}

/* api/store/store_issue.c: the password reset's rows. */
static void
test_reset_app(void)
{
	struct db *db = store_test_db();
	unsigned char hash[32];
	struct reset_app_row a;
	struct problem p;

	problem_clear(&p);
	cleanup(db);
	app_and_kit(db, 1, NULL, "shipped");
	app_and_kit(db, 2, NULL, "created");
	store_test_sql(db,
	    "UPDATE kits SET code_hash = decode(repeat('cd', 32), 'hex') "
	    "WHERE id = 'tsc_kit1'");
	store_test_sql(db,
	    "UPDATE applications SET status = 'locked', reset_failures = 2 "
	    "WHERE id = 'tsc_2'");
	memset(hash, 0xcd, sizeof(hash));
	CU_ASSERT_FATAL(db_begin(db, &p) == 0);
	CU_ASSERT_FATAL(store_reset_app_by_kit(db, hash, &a, &p) == 1);
	CU_ASSERT_STRING_EQUAL(a.id, "tsc_1");
	CU_ASSERT_STRING_EQUAL(a.status, "approved");
	CU_ASSERT_STRING_EQUAL(a.policy, "igc");
	CU_ASSERT_EQUAL(a.failures, 0);
	CU_ASSERT_FATAL(store_reset_app_by_id(db, "tsc_2", &a, &p) == 1);
	CU_ASSERT_STRING_EQUAL(a.id, "tsc_2");
	CU_ASSERT_STRING_EQUAL(a.status, "locked");
	CU_ASSERT_EQUAL(a.failures, 2);
	db_rollback(db);
	/* not found: another code (tsc_kit2 has none: NULL), an id */
	hash[0] = 0;
	CU_ASSERT(store_reset_app_by_kit(db, hash, &a, &p) == 0);
	CU_ASSERT_STRING_EQUAL(a.id, "");
	CU_ASSERT(store_reset_app_by_id(db, "tsc_none", &a, &p) == 0);
	cleanup(db);
	db_free(db);
}

static void
test_reset_answers_and_code(void)
{
	struct db *db = store_test_db();
	char hashes[2][STORE_HASH_MAX];
	unsigned char hash[32];
	struct problem p;
	size_t n = 99;

	problem_clear(&p);
	cleanup(db);
	app_and_kit(db, 1, NULL, "created");
	app_and_kit(db, 2, NULL, "created");
	store_test_sql(db,
	    "INSERT INTO secret_answers (application_id, position, question, "
	    "answer_hash) VALUES ('tsc_1', 3, 'q3', 'h3'), ('tsc_1', 1, "
	    "'q1', 'h1'), ('tsc_1', 2, 'q2', 'h2')");
	CU_ASSERT(store_reset_answers(db, "tsc_1", hashes, 2, &n, &p) == 0);
	CU_ASSERT_EQUAL(n, 3); /* all counted, two kept */
	CU_ASSERT_STRING_EQUAL(hashes[0], "h1");
	CU_ASSERT_STRING_EQUAL(hashes[1], "h2");
	CU_ASSERT(store_reset_answers(db, "tsc_2", hashes, 2, &n, &p) == 0);
	CU_ASSERT_EQUAL(n, 0);

	store_test_sql(db,
	    "INSERT INTO account_codes (application_id, purpose, code_hash, "
	    "created_at, expires_at) VALUES ('tsc_1', 'reset', "
	    "decode(repeat('ef', 32), 'hex'), to_timestamp(1800000000), "
	    "to_timestamp(1800000100)), ('tsc_1', 'unlock', "
	    "decode(repeat('ee', 32), 'hex'), to_timestamp(1800000000), "
	    "to_timestamp(1800000100))");
	memset(hash, 0xef, sizeof(hash));
	/* expired */
	CU_ASSERT(
	    store_acode_use(db, "tsc_1", "reset", hash, T0 + 100, &p) == 0);
	/* another purpose's, another application's */
	CU_ASSERT(store_acode_use(db, "tsc_1", "unlock", hash, T0, &p) == 0);
	CU_ASSERT(store_acode_use(db, "tsc_2", "reset", hash, T0, &p) == 0);
	CU_ASSERT(store_acode_use(db, "tsc_1", "reset", hash, T0, &p) == 1);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM account_codes WHERE "
	                    "application_id = 'tsc_1' AND used_at = "
	                    "to_timestamp(1800000000)"),
	    1);
	/* once */
	CU_ASSERT(store_acode_use(db, "tsc_1", "reset", hash, T0, &p) == 0);
	cleanup(db);
	db_free(db);
}

static void
test_reset_password_sessions(void)
{
	struct db *db = store_test_db();
	struct problem p;

	problem_clear(&p);
	cleanup(db);
	app_and_kit(db, 1, NULL, "created");
	app_and_kit(db, 2, NULL, "created");
	store_test_sql(db,
	    "UPDATE applications SET reset_failures = 2, login_failures = 3, "
	    "login_locked_until = now() WHERE id LIKE 'tsc_%'");
	store_test_sql(db,
	    "INSERT INTO sessions (token_hash, application_id, created_at, "
	    "last_seen_at, expires_at, revoked_at) VALUES ('\\x01', 'tsc_1', "
	    "now(), now(), now(), NULL), ('\\x02', 'tsc_1', now(), now(), "
	    "now(), to_timestamp(1700000000)), ('\\x03', 'tsc_2', now(), "
	    "now(), now(), NULL)");
	CU_ASSERT(
	    store_password_reset(db, "tsc_1", "$argon2id$new", T0, &p) == 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM applications WHERE "
	                    "password_hash = '$argon2id$new' AND "
	                    "reset_failures = 0 AND login_failures = 0 AND "
	                    "login_locked_until IS NULL AND updated_at = "
	                    "to_timestamp(1800000000)"),
	    1);
	CU_ASSERT(store_sessions_revoke(db, "tsc_1", T0, &p) == 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM sessions WHERE revoked_at = "
	                    "to_timestamp(1800000000)"),
	    1);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM sessions WHERE revoked_at "
	                    "IS NULL"),
	    1); /* tsc_2's */
	cleanup(db);
	db_free(db);
}

static void
test_reset_mail(void)
{
	struct db *db = store_test_db();
	char ids[STORE_RESET_APPS][STORE_ID_MAX];
	struct reset_mail_row m;
	struct problem p;
	size_t n = 99;

	problem_clear(&p);
	cleanup(db);
	app_and_kit(db, 1, NULL, "created");
	app_and_kit(db, 2, NULL, "created");
	app_and_kit(db, 3, NULL, "created");
	store_test_sql(db,
	    "UPDATE applications SET email = 'same@example.org', "
	    "email_verified_at = now(), created_at = to_timestamp(1800000000 "
	    "+ cast(substr(id, 5) AS integer)) WHERE id IN ('tsc_1', "
	    "'tsc_2')");
	store_test_sql(db,
	    "UPDATE applications SET email = 'same@example.org' "
	    "WHERE id = 'tsc_3'");
	CU_ASSERT(store_reset_apps_by_email(
	              db, "same@example.org", ids, &n, &p) == 0);
	CU_ASSERT_FATAL(n == 2);                 /* tsc_3 is not verified */
	CU_ASSERT_STRING_EQUAL(ids[0], "tsc_2"); /* newest first */
	CU_ASSERT_STRING_EQUAL(ids[1], "tsc_1");
	CU_ASSERT(store_reset_apps_by_email(
	              db, "nobody@example.org", ids, &n, &p) == 0);
	CU_ASSERT_EQUAL(n, 0);

	store_test_sql(db,
	    "INSERT INTO account_codes (application_id, purpose, code_hash, "
	    "created_at, expires_at) VALUES ('tsc_1', 'reset', '\\x01', "
	    "to_timestamp(1800000000), now()), ('tsc_1', 'reset', '\\x02', "
	    "to_timestamp(1800000300), now()), ('tsc_1', 'unlock', '\\x03', "
	    "to_timestamp(1800000900), now())");
	CU_ASSERT_FATAL(db_begin(db, &p) == 0);
	CU_ASSERT_FATAL(
	    store_reset_mail_lock(db, "tsc_1", "reset", &m, &p) == 1);
	CU_ASSERT_STRING_EQUAL(m.email, "same@example.org");
	CU_ASSERT_EQUAL(m.verified, 1);
	CU_ASSERT_EQUAL(m.last_sent, T0 + 300);
	CU_ASSERT_FATAL(
	    store_reset_mail_lock(db, "tsc_3", "reset", &m, &p) == 1);
	CU_ASSERT_EQUAL(m.verified, 0);
	CU_ASSERT_EQUAL(m.last_sent, 0); /* NULL: none */
	CU_ASSERT(store_reset_mail_lock(db, "tsc_none", "reset", &m, &p) == 0);
	db_rollback(db);
	cleanup(db);
	db_free(db);
}

void
test_store_add_cert(void)
{
	CU_pSuite s = CU_add_suite("store_cert", NULL, NULL);

	CU_add_test(s, "kit list", test_kit_list);
	CU_add_test(s, "kit letter, print, ship", test_kit_letter_print_ship);
	CU_add_test(s, "certificate view", test_cert_view);
	CU_add_test(s, "issuance's combined reads", test_issue_rows);
	CU_add_test(s, "the kit's certificate read once it is locked",
	    test_lock_then_read);
	CU_add_test(s, "challenges", test_challenges);
	CU_add_test(s, "CA certificate and CRL", test_ca_der_and_crl);
	CU_add_test(s, "OCSP status", test_cert_status);
	CU_add_test(s, "OCSP responses since", test_ocsp_since);
	CU_add_test(s, "audit page", test_audit_page);

	s = CU_add_suite("store_issue_reset", NULL, NULL);
	CU_add_test(s, "reset application", test_reset_app);
	CU_add_test(s, "reset answers and code", test_reset_answers_and_code);
	CU_add_test(
	    s, "reset password and sessions", test_reset_password_sessions);
	CU_add_test(s, "reset code mail", test_reset_mail);
}
