/*
 * The storage of the certificate authority's records (api/store/store_pki.c):
 * revocation, OCSP responses, CRLs, audit checkpoints and the CA
 * certificates, against rows inserted here.
 */
#include <stdlib.h>
#include <string.h>

#include "api/store/store_pki.h"
#include "tests/store/test_store.h"

#define T0 1800000000 /* 2027-01-15T08:00:00Z */

/* Serials 0x01.., 0x02.., ... (16 bytes each, one byte repeated). */
static void
serial_of(int k, unsigned char out[STORE_PKI_SERIAL_LEN])
{
	memset(out, k, STORE_PKI_SERIAL_LEN);
}

/*
 * An empty CA's tables, with the CA certificates (root serial 0x0a,
 * issuing 0x0b, ocsp 0x0c, DER 3 bytes each) and one application with a
 * kit; certificates:
 *   01 issued, no revocation (NULL reason), valid after T0
 *   02 revoked at T0 - 100 for keyCompromise
 *   03 signing (kit k1), recorded at T0 - 1000
 *   04 revoked at T0 - 50, reason NULL
 */
static void
fixture(struct db *db)
{
	static const char *const clear[] = {"DELETE FROM ocsp_responses",
	    "DELETE FROM challenges", "DELETE FROM certificates",
	    "DELETE FROM kits", "DELETE FROM crls", "DELETE FROM crl_shards",
	    "DELETE FROM root_crls_ahead", "DELETE FROM root_crl_reminders",
	    "DELETE FROM audit_checkpoints", "DELETE FROM audit_log",
	    "DELETE FROM ca_certificates_replaced",
	    "DELETE FROM ca_certificates",
	    "DELETE FROM applications WHERE id = 'app_ca1'", NULL};
	int i;

	for (i = 0; clear[i] != NULL; i++)
		store_test_sql(db, clear[i]);
	store_test_sql(db,
	    "INSERT INTO ca_certificates (name, serial, subject, der, "
	    "key_ref, not_before, not_after, created_at) VALUES "
	    "('root', '\\x0a', 'CN=root', '\\x0a0a0a', 'file:root.key', "
	    "'2027-01-01Z', '2047-01-01Z', '2027-01-01Z'), "
	    "('issuing', '\\x0b', 'CN=issuing', '\\x0b0b0b', "
	    "'file:issuing.key', '2027-01-01Z', '2037-01-01Z', "
	    "'2027-01-01Z'), "
	    "('ocsp', '\\x0c', 'CN=ocsp', '\\x0c0c0c', 'pkcs11:t/rxca-ocsp', "
	    "'2027-01-01Z', '2028-01-01Z', '2027-01-01Z')");
	store_test_sql(db,
	    "INSERT INTO applications (id, status, policy, product, shipping, "
	    "given_name, family_name, date_of_birth, email, phone, "
	    "addr_line1, addr_city, addr_postal_code, addr_country, "
	    "ssn_last4, avs_card_token, payment_card_token, password_hash, "
	    "agreement_version, agreement_accepted_at, price, "
	    "price_total_cents, created_at, updated_at, email_verify_by) "
	    "SELECT 'app_ca1', 'kit_shipped', 'igc', p.code, s.code, 'Ada', "
	    "'Lovelace', '1970-01-01', 'ada@example.com', '+15555550100', "
	    "'1 Main St', 'Town', '12345', 'US', '1234', 'tok', 'tok', 'x', "
	    "'1', '2027-01-01Z', '{}', 0, '2027-01-01Z', '2027-01-01Z', "
	    "'2027-01-02Z' FROM products p, shipping_options s LIMIT 1");
	store_test_sql(db,
	    "INSERT INTO kits (id, application_id, state, new_token, "
	    "expires_at, created_at, updated_at) VALUES ('k1', 'app_ca1', "
	    "'shipped', false, '2028-01-01Z', '2027-01-01Z', '2027-01-01Z')");
	store_test_sql(db,
	    "INSERT INTO certificates (serial, application_id, kit_id, "
	    "issuer, subject, spki_sha256, tbs, der, state, not_before, "
	    "not_after, recorded_at, revoked_at, revocation_reason) VALUES "
	    "(decode(repeat('01', 16), 'hex'), 'app_ca1', NULL, 'issuing', "
	    "'CN=1', decode(repeat('a1', 32), 'hex'), '\\x01', '\\x01', "
	    "'issued', '2027-01-01Z', '2028-01-01Z', '2027-01-01Z', NULL, "
	    "NULL), "
	    "(decode(repeat('02', 16), 'hex'), 'app_ca1', NULL, 'issuing', "
	    "'CN=2', decode(repeat('a2', 32), 'hex'), '\\x02', '\\x02', "
	    "'revoked', '2027-01-01Z', '2028-01-01Z', '2027-01-01Z', "
	    "to_timestamp(1799999900), 'keyCompromise'), "
	    "(decode(repeat('03', 16), 'hex'), 'app_ca1', 'k1', 'issuing', "
	    "'CN=3', decode(repeat('a3', 32), 'hex'), '\\x03', NULL, "
	    "'signing', '2027-01-01Z', '2028-01-01Z', "
	    "to_timestamp(1799999000), NULL, NULL), "
	    "(decode(repeat('04', 16), 'hex'), 'app_ca1', NULL, 'issuing', "
	    "'CN=4', decode(repeat('a4', 32), 'hex'), '\\x04', '\\x04', "
	    "'revoked', '2027-01-01Z', '2028-01-01Z', '2027-01-01Z', "
	    "to_timestamp(1799999950), NULL)");
}

static void
test_revocation(void)
{
	struct db *db = store_test_db();
	struct revocation_row row;
	unsigned char s[STORE_PKI_SERIAL_LEN];
	struct problem p;

	problem_clear(&p);
	fixture(db);
	serial_of(1, s);
	CU_ASSERT_EQUAL(store_cert_revocation(db, s, 0, &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.app, "app_ca1");
	CU_ASSERT_STRING_EQUAL(row.state, "issued");
	CU_ASSERT_STRING_EQUAL(row.reason, ""); /* NULL */
	CU_ASSERT_EQUAL(row.revoked_at, 0);
	serial_of(2, s);
	CU_ASSERT_EQUAL(store_cert_revocation(db, s, 0, &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.state, "revoked");
	CU_ASSERT_STRING_EQUAL(row.reason, "keyCompromise");
	CU_ASSERT_EQUAL(row.revoked_at, T0 - 100);
	/* signing (no DER) and unknown: none */
	serial_of(3, s);
	CU_ASSERT_EQUAL(store_cert_revocation(db, s, 0, &row, &p), 0);
	serial_of(9, s);
	CU_ASSERT_EQUAL(store_cert_revocation(db, s, 0, &row, &p), 0);

	/* revoke under the lock, then raise the reason */
	serial_of(1, s);
	store_test_sql(db, "BEGIN");
	CU_ASSERT_EQUAL(store_cert_revocation(db, s, 1, &row, &p), 1);
	CU_ASSERT_EQUAL(store_cert_revoke(db, s, "cessationOfOperation", T0,
	                    "operator:op1", NULL, &p),
	    0);
	store_test_sql(db, "COMMIT");
	CU_ASSERT_EQUAL(store_cert_revocation(db, s, 0, &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.state, "revoked");
	CU_ASSERT_STRING_EQUAL(row.reason, "cessationOfOperation");
	CU_ASSERT_EQUAL(row.revoked_at, T0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM certificates WHERE "
	                    "revoked_by = 'operator:op1' AND "
	                    "revocation_comment IS NULL"),
	    1);
	CU_ASSERT_EQUAL(store_cert_reason_set(db, s, "keyCompromise", &p), 0);
	CU_ASSERT_EQUAL(store_cert_revocation(db, s, 0, &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.reason, "keyCompromise");
	CU_ASSERT_EQUAL(row.revoked_at, T0);
	db_free(db);
}

static void
test_abandon(void)
{
	struct db *db = store_test_db();
	struct unfinished_row *rows = NULL;
	unsigned char s[STORE_PKI_SERIAL_LEN], want[STORE_PKI_SERIAL_LEN];
	struct problem p;
	size_t n = 9;

	problem_clear(&p);
	fixture(db);
	/* recorded at T0 - 1000: not before T0 - 2000, before T0 */
	CU_ASSERT_EQUAL(
	    store_cert_unfinished(db, T0 - 2000, 10, &rows, &n, &p), 0);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_PTR_NULL(rows);
	CU_ASSERT_EQUAL(store_cert_unfinished(db, T0, 10, &rows, &n, &p), 0);
	CU_ASSERT_FATAL(n == 1);
	serial_of(3, want);
	CU_ASSERT(memcmp(rows[0].serial, want, sizeof(want)) == 0);
	CU_ASSERT_STRING_EQUAL(rows[0].app, "app_ca1");
	CU_ASSERT_STRING_EQUAL(rows[0].kit, "k1");
	free(rows);

	/* issued: not abandonable; signing: once */
	serial_of(1, s);
	CU_ASSERT_EQUAL(store_cert_abandon(db, s, T0, &p), 0);
	CU_ASSERT_EQUAL(store_cert_abandon(db, want, T0, &p), 1);
	CU_ASSERT_EQUAL(store_cert_abandon(db, want, T0, &p), 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM certificates WHERE state = "
	                    "'abandoned' AND revocation_reason = 'superseded' "
	                    "AND revoked_at = to_timestamp(1800000000)"),
	    1);
	CU_ASSERT_EQUAL(store_cert_unfinished(db, T0, 10, &rows, &n, &p), 0);
	CU_ASSERT_EQUAL(n, 0);
	free(rows);
	db_free(db);
}

static void
test_ocsp(void)
{
	struct db *db = store_test_db();
	struct status_row *rows = NULL, st;
	unsigned char s[STORE_PKI_SERIAL_LEN], der[3] = {0x30, 0x01, 0x00};
	struct ocsp_new o;
	struct problem p;
	long long count = -1;
	size_t i, n = 0;

	problem_clear(&p);
	fixture(db);
	/* 01, 02, 04 issued or revoked, none with responses: all due */
	CU_ASSERT_EQUAL(store_ocsp_due(db, T0, T0, 10, &rows, &n, &p), 0);
	CU_ASSERT_EQUAL(n, 3);
	for (i = 0; i < n; i++)
		if (rows[i].serial[0] == 2) {
			CU_ASSERT_STRING_EQUAL(rows[i].state, "revoked");
			CU_ASSERT_STRING_EQUAL(rows[i].reason, "keyCompromise");
			CU_ASSERT_EQUAL(rows[i].revoked_at, T0 - 100);
		} else if (rows[i].serial[0] == 1) {
			CU_ASSERT_STRING_EQUAL(rows[i].state, "issued");
			CU_ASSERT_STRING_EQUAL(rows[i].reason, "");
			CU_ASSERT_EQUAL(rows[i].revoked_at, 0);
		}
	free(rows);
	CU_ASSERT_EQUAL(store_ocsp_due(db, T0, T0, 2, &rows, &n, &p), 0);
	CU_ASSERT_EQUAL(n, 2); /* the limit */
	free(rows);
	CU_ASSERT_EQUAL(store_ocsp_due_count(db, T0, T0, &count, &p), 0);
	CU_ASSERT_EQUAL(count, 3);
	/* after the certificates' notAfter: none */
	CU_ASSERT_EQUAL(
	    store_ocsp_due_count(db, T0, T0 + 400 * 86400, &count, &p), 0);
	CU_ASSERT_EQUAL(count, 0);

	serial_of(1, s);
	o.serial = s;
	o.revoked = 0;
	o.der = der;
	o.len = sizeof(der);
	o.this_update = T0;
	o.next_update = T0 + 86400;
	o.now = T0;
	o.md = "sha1";
	CU_ASSERT_EQUAL(store_ocsp_put(db, &o, &p), 0);
	o.md = "sha256";
	CU_ASSERT_EQUAL(store_ocsp_put(db, &o, &p), 0);
	o.revoked = 1; /* replaces */
	CU_ASSERT_EQUAL(store_ocsp_put(db, &o, &p), 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM ocsp_responses WHERE "
	                    "status = 'revoked' AND md = 'sha256' AND "
	                    "der = '\\x300100'"),
	    1);
	CU_ASSERT_EQUAL(store_ocsp_due_count(db, T0, T0, &count, &p), 0);
	CU_ASSERT_EQUAL(count, 2);
	CU_ASSERT_EQUAL(store_ocsp_expire(db, s, T0 - 1, &p), 0);
	CU_ASSERT_EQUAL(store_ocsp_due_count(db, T0, T0, &count, &p), 0);
	CU_ASSERT_EQUAL(count, 3);

	CU_ASSERT_EQUAL(store_cert_status_lock(db, s, &st, &p), 1);
	CU_ASSERT_STRING_EQUAL(st.state, "issued");
	CU_ASSERT_STRING_EQUAL(st.reason, "");
	serial_of(3, s); /* signing: found, whatever its DER */
	CU_ASSERT_EQUAL(store_cert_status_lock(db, s, &st, &p), 1);
	CU_ASSERT_STRING_EQUAL(st.state, "signing");
	serial_of(9, s);
	CU_ASSERT_EQUAL(store_cert_status_lock(db, s, &st, &p), 0);
	db_free(db);
}

/* What store_crl_revoked streamed. */
struct streamed {
	struct status_row rows[8];
	int shard[8];
	size_t n;
};

static void
streamed_row(const struct status_row *row, int shard, void *arg)
{
	struct streamed *st = arg;

	if (st->n < 8) {
		st->rows[st->n] = *row;
		st->shard[st->n++] = shard;
	}
}

static void
test_crl(void)
{
	struct db *db = store_test_db();
	struct streamed st = {0};
	unsigned char der[4] = {0x30, 0x02, 0x05, 0x00};
	struct crl_new c = {
	    7, T0, T0 + 86400, 2, der, sizeof(der), "\"e1\"", T0, 0};
	struct crl_row cur;
	struct problem p;
	long long number = -1;
	size_t i;
	int seen = 0;

	problem_clear(&p);
	fixture(db);
	CU_ASSERT_EQUAL(store_crl_number_lock(db, 0, &number, &p), 0);
	CU_ASSERT_EQUAL(store_crl_current(db, &cur, &p), 0);
	CU_ASSERT_EQUAL(store_crl_put(db, STORE_CRL_ISSUING, &c, &p), 0);
	CU_ASSERT_EQUAL(store_crl_number_lock(db, 0, &number, &p), 1);
	CU_ASSERT_EQUAL(number, 7);
	CU_ASSERT_EQUAL(store_crl_current(db, &cur, &p), 1);
	CU_ASSERT_EQUAL(cur.number, 7);
	CU_ASSERT_EQUAL(cur.this_update, T0);
	CU_ASSERT_EQUAL(cur.next_update, T0 + 86400);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT entries FROM crls WHERE issuer = "
	                    "'issuing' AND etag = '\"e1\"' AND "
	                    "der = '\\x30020500'"),
	    2);

	/* 02 and 04 revoked (04 without a reason, on shard 3); 01 and 03
	 * not.  The rows are streamed one at a time. */
	store_test_sql(db,
	    "UPDATE certificates SET crl_shard = 3 WHERE "
	    "get_byte(serial, 0) = 4");
	CU_ASSERT_EQUAL(store_crl_revoked(db, 0, streamed_row, &st, &p), 2);
	CU_ASSERT_EQUAL(st.n, 2);
	for (i = 0; i < st.n; i++) {
		CU_ASSERT_STRING_EQUAL(st.rows[i].state, "");
		if (st.rows[i].serial[0] == 4) {
			seen++;
			CU_ASSERT_STRING_EQUAL(st.rows[i].reason, "");
			CU_ASSERT_EQUAL(st.rows[i].revoked_at, T0 - 50);
			CU_ASSERT_EQUAL(st.shard[i], 3);
		} else if (st.rows[i].serial[0] == 2) {
			seen++;
			CU_ASSERT_STRING_EQUAL(
			    st.rows[i].reason, "keyCompromise");
			CU_ASSERT_EQUAL(st.shard[i], -1);
		}
	}
	CU_ASSERT_EQUAL(seen, 2);
	db_free(db);
}

static void
test_crl_shards(void)
{
	struct db *db = store_test_db();
	unsigned char der[4] = {0x30, 0x02, 0x05, 0x00};
	struct crl_new c = {
	    9, T0, T0 + 86400, 1, der, sizeof(der), "\"s2\"", T0, 2};
	struct problem p;
	int *shards = NULL;
	size_t n = 9;

	problem_clear(&p);
	fixture(db);
	CU_ASSERT_EQUAL(store_crl_shards(db, &shards, &n, &p), 0);
	CU_ASSERT_EQUAL(n, 0);
	free(shards);
	CU_ASSERT_EQUAL(store_crl_put(db, STORE_CRL_SHARD, &c, &p), 0);
	c.shard = 0;
	c.number = 10;
	CU_ASSERT_EQUAL(store_crl_put(db, STORE_CRL_SHARD, &c, &p), 0);
	c.number = 11; /* again: replaces shard 0's */
	CU_ASSERT_EQUAL(store_crl_put(db, STORE_CRL_SHARD, &c, &p), 0);
	CU_ASSERT_EQUAL(store_crl_shards(db, &shards, &n, &p), 0);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(shards[0], 0);
	CU_ASSERT_EQUAL(shards[1], 2);
	free(shards);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT number FROM crl_shards WHERE shard = 2 AND "
	                    "entries = 1 AND etag = '\"s2\"' AND "
	                    "der = '\\x30020500'"),
	    9);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT number FROM crl_shards WHERE shard = 0"),
	    11);
	/* The full CRL is another row, not written. */
	CU_ASSERT_EQUAL(store_test_count(db, "SELECT count(*) FROM crls"), 0);
	db_free(db);
}

static void
test_root_crl(void)
{
	struct db *db = store_test_db();
	unsigned char der[2] = {0x30, 0x00};
	struct crl_new c = {
	    1, T0, T0 + 10 * 86400, 0, der, sizeof(der), "\"r1\"", T0, 0};
	struct problem p;
	long long number = -1;
	time_t end = -1;

	problem_clear(&p);
	fixture(db);
	CU_ASSERT_EQUAL(store_root_crl_end(db, &end, &p), 0); /* none */
	CU_ASSERT_EQUAL(store_crl_put(db, STORE_CRL_ROOT, &c, &p), 0);
	CU_ASSERT_EQUAL(store_root_crl_end(db, &end, &p), 1);
	CU_ASSERT_EQUAL(end, T0 + 10 * 86400);
	c.number = 2;
	c.this_update = T0 + 5 * 86400;
	c.next_update = T0 + 15 * 86400;
	CU_ASSERT_EQUAL(store_crl_put(db, STORE_CRL_ROOT_AHEAD, &c, &p), 0);
	c.number = 3;
	c.this_update = T0 + 6 * 86400;
	c.next_update = T0 + 16 * 86400;
	CU_ASSERT_EQUAL(store_crl_put(db, STORE_CRL_ROOT_AHEAD, &c, &p), 0);
	CU_ASSERT_EQUAL(store_root_crl_end(db, &end, &p), 1);
	CU_ASSERT_EQUAL(end, T0 + 16 * 86400);
	/* not yet; then the newest of those due */
	CU_ASSERT_EQUAL(store_root_crl_publish(db, T0, &number, &p), 0);
	CU_ASSERT_EQUAL(
	    store_root_crl_publish(db, T0 + 7 * 86400, &number, &p), 1);
	CU_ASSERT_EQUAL(number, 3);
	CU_ASSERT_EQUAL(
	    store_test_count(db, "SELECT count(*) FROM root_crls_ahead"), 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT number FROM crls WHERE issuer = 'root'"),
	    3);
	CU_ASSERT_EQUAL(store_crl_put(db, STORE_CRL_ROOT_AHEAD, &c, &p), 0);
	CU_ASSERT_EQUAL(store_crl_ahead_clear(db, &p), 0);
	CU_ASSERT_EQUAL(
	    store_test_count(db, "SELECT count(*) FROM root_crls_ahead"), 0);
	/* one reminder per end */
	CU_ASSERT_EQUAL(store_root_crl_remind(db, end, T0, &p), 1);
	CU_ASSERT_EQUAL(store_root_crl_remind(db, end, T0 + 60, &p), 0);
	db_free(db);
}

static void
test_checkpoints(void)
{
	struct db *db = store_test_db();
	struct checkpoint_row *rows = NULL;
	unsigned char hash[STORE_PKI_HASH_LEN], want[STORE_PKI_HASH_LEN];
	unsigned char sig[3] = {1, 2, 3};
	struct problem p;
	long long id = -1;
	time_t at = -1;
	size_t n = 0;

	problem_clear(&p);
	fixture(db);
	CU_ASSERT_EQUAL(store_audit_head(db, &id, hash, &p), 0);
	CU_ASSERT_EQUAL(store_checkpoint_last(db, &id, &at, &p), 0);
	store_test_sql(db,
	    "INSERT INTO audit_log (id, at, actor, action, subject, details, "
	    "prev_hash, hash) VALUES (1, '2027-01-01Z', 's', 'a', 'x', '{}', "
	    "decode(repeat('00', 32), 'hex'), decode(repeat('11', 32), "
	    "'hex')), (2, '2027-01-01Z', 's', 'a', 'x', '{}', "
	    "decode(repeat('11', 32), 'hex'), decode(repeat('22', 32), "
	    "'hex'))");
	CU_ASSERT_EQUAL(store_audit_head(db, &id, hash, &p), 1);
	CU_ASSERT_EQUAL(id, 2);
	memset(want, 0x22, sizeof(want));
	CU_ASSERT(memcmp(hash, want, sizeof(want)) == 0);
	CU_ASSERT_EQUAL(
	    store_checkpoint_add(db, 2, hash, T0, sig, sizeof(sig), &p), 0);
	/* one naming a row that is gone */
	CU_ASSERT_EQUAL(
	    store_checkpoint_add(db, 5, hash, T0 + 1, sig, sizeof(sig), &p), 0);
	CU_ASSERT_EQUAL(store_checkpoint_last(db, &id, &at, &p), 1);
	CU_ASSERT_EQUAL(id, 5);
	CU_ASSERT_EQUAL(at, T0 + 1);
	CU_ASSERT_EQUAL(store_checkpoint_list(db, &rows, &n, &p), 0);
	CU_ASSERT_FATAL(n == 2);
	CU_ASSERT_EQUAL(rows[0].audit_id, 2);
	CU_ASSERT(rows[0].head_ok && rows[0].row_ok);
	CU_ASSERT(memcmp(rows[0].head, want, sizeof(want)) == 0);
	CU_ASSERT(memcmp(rows[0].row, want, sizeof(want)) == 0);
	CU_ASSERT_EQUAL(rows[0].sig_len, 3);
	CU_ASSERT(memcmp(rows[0].sig, sig, sizeof(sig)) == 0);
	CU_ASSERT(rows[1].id > rows[0].id);
	CU_ASSERT_EQUAL(rows[1].audit_id, 5);
	CU_ASSERT(rows[1].head_ok);
	CU_ASSERT(!rows[1].row_ok); /* NULL: no such row */
	free(rows);
	db_free(db);
}

/* The row called name in rows, or NULL. */
static const struct ca_cert_row *
ca_named(const struct ca_cert_row *rows, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(rows[i].name, name) == 0)
			return &rows[i];
	return NULL;
}

static void
test_ca_certs(void)
{
	struct db *db = store_test_db();
	struct ca_cert_row *rows = NULL, row;
	const struct ca_cert_row *r;
	unsigned char old = 0x0c, wrong = 0x0d, serial = 0x0e, der[2] = {9, 9};
	struct ca_cert_new c = {"ocsp", &serial, 1, "CN=ocsp 2", der,
	    sizeof(der), "file:ocsp-2.key", T0, T0 + 86400};
	struct problem p;
	long long count = -1, number = -1;
	size_t n = 0;

	problem_clear(&p);
	fixture(db);
	CU_ASSERT_EQUAL(store_ca_count(db, 0, &count, &p), 0);
	CU_ASSERT_EQUAL(count, 3);
	CU_ASSERT_EQUAL(store_ca_list(db, 0, &rows, &n, &p), 0);
	CU_ASSERT_FATAL(n == 3);
	CU_ASSERT_FATAL((r = ca_named(rows, n, "issuing")) != NULL);
	CU_ASSERT_EQUAL(r->der_len, 3);
	CU_ASSERT(r->der[0] == 0x0b && r->der[2] == 0x0b);
	CU_ASSERT_STRING_EQUAL(r->key_ref, "file:issuing.key");
	store_ca_cert_rows_free(rows, n);
	store_test_sql(db, "BEGIN");
	CU_ASSERT_EQUAL(store_ca_list(db, 1, &rows, &n, &p), 0);
	CU_ASSERT_EQUAL(n, 3);
	store_test_sql(db, "COMMIT");
	store_ca_cert_rows_free(rows, n);

	CU_ASSERT_EQUAL(store_ca_root(db, &row, &number, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.name, "root");
	CU_ASSERT_STRING_EQUAL(row.key_ref, "file:root.key");
	CU_ASSERT_EQUAL(number, 0); /* no CRL yet */
	store_ca_cert_row_free(&row);
	store_test_sql(db,
	    "INSERT INTO root_crls_ahead (number, this_update, next_update, "
	    "der, etag, created_at) VALUES (4, '2027-02-01Z', "
	    "'2027-03-01Z', '\\x00', 'e', '2027-01-01Z')");
	CU_ASSERT_EQUAL(store_ca_root(db, &row, &number, &p), 1);
	CU_ASSERT_EQUAL(number, 4);
	store_ca_cert_row_free(&row);

	CU_ASSERT_EQUAL(store_ca_ocsp(db, &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.key_ref, "pkcs11:t/rxca-ocsp");
	CU_ASSERT_EQUAL(row.der_len, 3);
	store_ca_cert_row_free(&row);
	/* the swap only replaces the signer it names */
	CU_ASSERT_EQUAL(store_ca_ocsp_swap(db, &wrong, 1, &c, &p), 0);
	CU_ASSERT_EQUAL(store_ca_ocsp_swap(db, &old, 1, &c, &p), 1);
	CU_ASSERT_EQUAL(store_ca_ocsp(db, &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.key_ref, "file:ocsp-2.key");
	CU_ASSERT_EQUAL(row.der_len, 2);
	store_ca_cert_row_free(&row);
	CU_ASSERT_EQUAL(store_ca_ocsp_swap(db, &old, 1, &c, &p), 0);

	/* replaced: the old one kept, the key unchanged */
	serial = 0x0f;
	c.name = "issuing";
	c.subject = "CN=issuing 2";
	c.key_ref = NULL;
	CU_ASSERT_EQUAL(store_ca_replace(db, &c, T0, &p), 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM ca_certificates_replaced "
	                    "WHERE name = 'issuing' AND serial = '\\x0b' AND "
	                    "replaced_at = to_timestamp(1800000000)"),
	    1);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM ca_certificates WHERE "
	                    "name = 'issuing' AND serial = '\\x0f' AND "
	                    "key_ref = 'file:issuing.key'"),
	    1);

	/* a name taken is a conflict; a new one goes in */
	serial = 0x10;
	c.name = "root";
	c.key_ref = "file:root-2.key";
	CU_ASSERT_EQUAL(store_ca_insert(db, &c, T0, &p), -1);
	CU_ASSERT_EQUAL(p.status, 409);
	problem_clear(&p);
	store_test_sql(db, "DELETE FROM ca_certificates_replaced");
	store_test_sql(db, "DELETE FROM crls");
	store_test_sql(db, "DELETE FROM certificates");
	store_test_sql(db, "DELETE FROM ca_certificates");
	CU_ASSERT_EQUAL(store_ca_count(db, 0, &count, &p), 0);
	CU_ASSERT_EQUAL(count, 0);
	CU_ASSERT_EQUAL(store_ca_root(db, &row, &number, &p), 0);
	CU_ASSERT_EQUAL(store_ca_ocsp(db, &row, &p), 0);
	CU_ASSERT_EQUAL(store_ca_insert(db, &c, T0, &p), 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM ca_certificates WHERE "
	                    "name = 'root' AND subject = 'CN=issuing 2' AND "
	                    "created_at = to_timestamp(1800000000) AND "
	                    "not_after = to_timestamp(1800086400)"),
	    1);
	db_free(db);
}

void
test_store_add_ca(void)
{
	CU_pSuite s = CU_add_suite("ca", NULL, NULL);

	CU_add_test(s, "revocation", test_revocation);
	CU_add_test(s, "abandon", test_abandon);
	CU_add_test(s, "ocsp", test_ocsp);
	CU_add_test(s, "crl", test_crl);
	CU_add_test(s, "crl shards", test_crl_shards);
	CU_add_test(s, "root crl", test_root_crl);
	CU_add_test(s, "checkpoints", test_checkpoints);
	CU_add_test(s, "ca certificates", test_ca_certs);
}
