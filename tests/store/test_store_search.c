/*
 * api/store/store_search.c against PostgreSQL: the operators' search by
 * each kind of key with its ranking and paging, the application view with
 * its lists, and the duplicate check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/store/db.h"
#include "api/store/store_search.h"
#include "tests/store/test_store.h"

#define T0 1800000000 /* 2027-01-15T08:00:00Z */

/* Application tss_<n> of given family, born dob, with npi and dea (or
 * NULL), in status. */
static void
insert_app(struct db *db, int n, const char *given, const char *family,
    const char *dob, const char *npi, const char *dea, const char *status)
{
	char sql[2048], npis[32], deas[32];

	snprintf(npis, sizeof(npis), npi ? "'%s'" : "NULL", npi ? npi : "");
	snprintf(deas, sizeof(deas), dea ? "'%s'" : "NULL", dea ? dea : "");
	snprintf(sql, sizeof(sql),
	    "INSERT INTO applications (id, status, policy, product, "
	    "shipping, given_name, family_name, date_of_birth, email, phone, "
	    "addr_line1, addr_city, addr_postal_code, addr_country, npi, "
	    "dea_number, ssn_last4, avs_card_token, payment_card_token, "
	    "password_hash, agreement_version, agreement_accepted_at, price, "
	    "price_total_cents, created_at, updated_at, email_verify_by) "
	    "SELECT 'tss_%d', '%s', 'igc', (SELECT code FROM products LIMIT "
	    "1), 'usps', '%s', '%s', '%s', 'tss%d@example.org', "
	    "'+15555550100', '1 Main St', 'Town', '12345', 'US', %s, %s, "
	    "'9753', 'tok_a', 'tok_p', '$argon2id$x', '1', now(), '{}', 0, "
	    "to_timestamp(%d), to_timestamp(%d), now() + interval '1 day'",
	    n, status, given, family, dob, n, npis, deas, T0 + n, T0 + n);
	store_test_sql(db, sql);
}

static void
setup(struct db *db)
{
	store_test_sql(db,
	    "INSERT INTO ca_certificates (name, serial, subject, der, "
	    "key_ref, not_before, not_after, created_at) VALUES ('issuing', "
	    "'\\xfeedbeef', 'CN=Test Issuing', '\\x3003020107', 'file', "
	    "now(), now(), now()) ON CONFLICT (name) DO NOTHING");
	insert_app(db, 1, "Zenobia", "Quillfeather", "1971-03-04", "1000000001",
	    "AQ1000001", "issued");
	insert_app(db, 2, "Zenobia", "Quillfeathers", "1972-03-04", NULL, NULL,
	    "email_pending");
	insert_app(db, 3, "Zenobio", "Quilfeather", "1973-03-04", NULL, NULL,
	    "email_pending");
	insert_app(db, 4, "Barnaby", "Quillfeather", "1974-03-04", NULL, NULL,
	    "email_pending");
	insert_app(db, 5, "Ottoline", "Marchbanks", "1975-03-04", NULL, NULL,
	    "email_pending");
	store_test_sql(db,
	    "INSERT INTO kits (id, application_id, state, new_token, prints, "
	    "expires_at, created_at, updated_at, carrier, tracking) VALUES "
	    "('tss_kit1', 'tss_1', 'used', true, 2, to_timestamp(1900000000), "
	    "to_timestamp(1800000000), to_timestamp(1800000000), 'USPS', "
	    "'9400')");
	store_test_sql(db,
	    "INSERT INTO certificates (serial, application_id, kit_id, "
	    "issuer, subject, spki_sha256, tbs, der, state, not_before, "
	    "not_after, recorded_at, issued_at) VALUES "
	    "(decode('5a5a0000000000000000000000000001', 'hex'), 'tss_1', "
	    "'tss_kit1', 'issuing', 'CN=Zenobia Quillfeather', "
	    "decode(repeat('5a', 32), 'hex'), '\\x00', '\\x3003020105', "
	    "'issued', to_timestamp(1800000000), to_timestamp(1831536000), "
	    "to_timestamp(1800000000), to_timestamp(1800000060))");
	store_test_sql(db,
	    "INSERT INTO audit_log (id, at, actor, action, subject, details, "
	    "prev_hash, hash) SELECT coalesce(max(id), 0) + 1, now(), "
	    "'system', 'kit.printed', 'tss_kit1', '{\"n\": 1}', '\\x00', "
	    "'\\x00' FROM audit_log");
}

/* The ids of a search, joined by spaces, into out. */
static int
search_ids(struct db *db, enum store_search_kind kind, const char *key,
    int after_rank, const char *after_id, int limit, char *out, size_t outsz,
    struct store_search_row *last)
{
	struct store_search_row *rows = NULL;
	struct problem p;
	size_t n = 0, i;

	problem_clear(&p);
	out[0] = '\0';
	if (store_search_apps(db, kind, key, after_rank, after_id, limit, &rows,
	        &n, &p) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (i > 0)
			strncat(out, " ", outsz - strlen(out) - 1);
		strncat(out, rows[i].id, outsz - strlen(out) - 1);
	}
	if (last != NULL && n > 0) {
		last->rank = rows[n - 1].rank;
		last->id = strdup(rows[n - 1].id);
	}
	store_search_free(rows, n);
	return (int)n;
}

static void
test_exact_keys(void)
{
	struct db *db = store_test_db();
	struct store_search_row *rows = NULL;
	struct problem p;
	char ids[256];
	size_t n = 0;

	problem_clear(&p);
	setup(db);
	CU_ASSERT_EQUAL(search_ids(db, STORE_SEARCH_APPLICATION, "tss_1", 0,
	                    NULL, 10, ids, sizeof(ids), NULL),
	    1);
	CU_ASSERT_STRING_EQUAL(ids, "tss_1");
	CU_ASSERT_EQUAL(search_ids(db, STORE_SEARCH_KIT, "tss_kit1", 0, NULL,
	                    10, ids, sizeof(ids), NULL),
	    1);
	CU_ASSERT_STRING_EQUAL(ids, "tss_1");
	CU_ASSERT_EQUAL(search_ids(db, STORE_SEARCH_SERIAL,
	                    "5a5a0000000000000000000000000001", 0, NULL, 10,
	                    ids, sizeof(ids), NULL),
	    1);
	CU_ASSERT_STRING_EQUAL(ids, "tss_1");
	CU_ASSERT_EQUAL(search_ids(db, STORE_SEARCH_EMAIL, "tss3@example.org",
	                    0, NULL, 10, ids, sizeof(ids), NULL),
	    1);
	CU_ASSERT_STRING_EQUAL(ids, "tss_3");
	CU_ASSERT_EQUAL(search_ids(db, STORE_SEARCH_NPI, "1000000001", 0, NULL,
	                    10, ids, sizeof(ids), NULL),
	    1);
	CU_ASSERT_EQUAL(search_ids(db, STORE_SEARCH_DEA, "AQ1000001", 0, NULL,
	                    10, ids, sizeof(ids), NULL),
	    1);
	CU_ASSERT_EQUAL(search_ids(db, STORE_SEARCH_DEA, "AQ1000002", 0, NULL,
	                    10, ids, sizeof(ids), NULL),
	    0);
	CU_ASSERT_EQUAL(search_ids(db, STORE_SEARCH_SERIAL,
	                    "5a5a0000000000000000000000000002", 0, NULL, 10,
	                    ids, sizeof(ids), NULL),
	    0);
	/* the row: its columns, certificates and kits */
	CU_ASSERT_EQUAL(store_search_apps(db, STORE_SEARCH_APPLICATION, "tss_1",
	                    0, NULL, 10, &rows, &n, &p),
	    0);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(rows[0].rank, STORE_SEARCH_RANK_EXACT);
	CU_ASSERT_STRING_EQUAL(rows[0].family_name, "Quillfeather");
	CU_ASSERT_STRING_EQUAL(rows[0].date_of_birth, "1971-03-04");
	CU_ASSERT_STRING_EQUAL(rows[0].npi, "1000000001");
	CU_ASSERT_PTR_NULL(rows[0].middle_name);
	CU_ASSERT_EQUAL(rows[0].created_at, T0 + 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(rows[0].certificates,
	    "\"serial\": \"5a5a0000000000000000000000000001\""));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(rows[0].certificates, "\"not_after\": \"2028-01-15"));
	CU_ASSERT_PTR_NOT_NULL(strstr(rows[0].kits, "\"tracking\": \"9400\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(rows[0].kits, "\"prints\": 2"));
	store_search_free(rows, n);
	db_free(db);
}

static void
test_names(void)
{
	struct db *db = store_test_db();
	struct store_search_row last;
	char ids[256], all[256], page[512], after[64];
	int n, k;

	/* a name, two letters off, a prefix */
	store_test_sql(db, "BEGIN");
	CU_ASSERT_EQUAL(
	    search_ids(db, STORE_SEARCH_NAME, "zenobia quillfeather", 0, NULL,
	        10, all, sizeof(all), NULL),
	    4);
	CU_ASSERT_EQUAL(strncmp(all, "tss_1 ", 6), 0);
	CU_ASSERT_PTR_NULL(strstr(all, "tss_5"));
	CU_ASSERT_EQUAL(search_ids(db, STORE_SEARCH_NAME, "zenobia quilfaether",
	                    0, NULL, 10, ids, sizeof(ids), NULL),
	    3);
	CU_ASSERT_EQUAL(strncmp(ids, "tss_1 ", 6), 0);
	CU_ASSERT_PTR_NULL(strstr(ids, "tss_4"));
	CU_ASSERT_EQUAL(search_ids(db, STORE_SEARCH_NAME, "marchb", 0, NULL, 10,
	                    ids, sizeof(ids), NULL),
	    1);
	CU_ASSERT_STRING_EQUAL(ids, "tss_5");
	/* paged one at a time: the same rows in the same order */
	page[0] = '\0';
	memset(&last, 0, sizeof(last));
	for (k = 0; k < 10; k++) {
		free(last.id);
		last.id = NULL;
		n = search_ids(db, STORE_SEARCH_NAME, "zenobia quillfeather",
		    last.rank, k == 0 ? NULL : after, 1, ids, sizeof(ids),
		    &last);
		if (n <= 0)
			break;
		snprintf(page + strlen(page), sizeof(page) - strlen(page),
		    "%s%s", page[0] != '\0' ? " " : "", ids);
		CU_ASSERT(last.rank > 0 && last.rank < STORE_SEARCH_RANK_EXACT);
		snprintf(after, sizeof(after), "%s", last.id);
	}
	free(last.id);
	CU_ASSERT_STRING_EQUAL(page, all);
	store_test_sql(db, "COMMIT");
	db_free(db);
}

static void
test_view(void)
{
	struct db *db = store_test_db();
	struct store_search_app_row row;
	struct problem p;

	problem_clear(&p);
	CU_ASSERT_EQUAL(store_search_app(db, "tss_1", &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.app.id, "tss_1");
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(row.audit, "\"action\": \"kit.printed\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(row.audit, "\"details\": {\"n\": 1}"));
	CU_ASSERT_STRING_EQUAL(row.payments, "[]");
	CU_ASSERT_STRING_EQUAL(row.identity_checks, "[]");
	CU_ASSERT_STRING_EQUAL(row.timeline, "[]");
	store_search_app_free(&row);
	CU_ASSERT_EQUAL(store_search_app(db, "tss_none", &row, &p), 0);
	store_search_app_free(&row);
	db_free(db);
}

static void
test_duplicates(void)
{
	struct db *db = store_test_db();
	struct store_duplicate_row d[4];
	struct problem p;

	problem_clear(&p);
	/* tss_1 holds a valid certificate; an email_pending one does not
	 * count */
	insert_app(db, 10, "Zenobia", "QUILLFEATHER", "1971-03-04", NULL, NULL,
	    "proofing");
	CU_ASSERT_EQUAL(store_search_duplicates(db, "tss_10", T0, d, 4, &p), 1);
	CU_ASSERT_STRING_EQUAL(d[0].application_id, "tss_1");
	CU_ASSERT_STRING_EQUAL(d[0].reasons, "name_birth");
	CU_ASSERT_STRING_EQUAL(d[0].status, "issued");
	CU_ASSERT_EQUAL(d[0].valid_certificate, 1);
	/* once the certificate has expired, an issued application is done */
	CU_ASSERT_EQUAL(
	    store_search_duplicates(db, "tss_10", 1831536000, d, 4, &p), 0);
	/* the same NPI and DEA number, another name, under way */
	insert_app(db, 11, "Other", "Person", "1999-01-01", "1000000001",
	    "AQ1000001", "review");
	CU_ASSERT_EQUAL(store_search_duplicates(db, "tss_11", T0, d, 4, &p), 1);
	CU_ASSERT_STRING_EQUAL(d[0].application_id, "tss_1");
	CU_ASSERT_STRING_EQUAL(d[0].reasons, "npi,dea_number");
	/* tss_10 (proofing) sees tss_1; tss_1 sees tss_10 and tss_11 */
	CU_ASSERT_EQUAL(store_search_duplicates(db, "tss_1", T0, d, 4, &p), 2);
	CU_ASSERT_STRING_EQUAL(d[0].application_id, "tss_10");
	CU_ASSERT_EQUAL(d[0].valid_certificate, 0);
	CU_ASSERT_STRING_EQUAL(d[1].application_id, "tss_11");
	/* at most max */
	CU_ASSERT_EQUAL(store_search_duplicates(db, "tss_1", T0, d, 1, &p), 1);
	/* someone else, and nobody */
	CU_ASSERT_EQUAL(store_search_duplicates(db, "tss_5", T0, d, 4, &p), 0);
	CU_ASSERT_EQUAL(
	    store_search_duplicates(db, "tss_none", T0, d, 4, &p), 0);
	db_free(db);
}

void
test_store_add_search(void)
{
	CU_pSuite s = CU_add_suite("store_search", NULL, NULL);

	CU_add_test(s, "exact keys", test_exact_keys);
	CU_add_test(s, "names, ranked and paged", test_names);
	CU_add_test(s, "application view", test_view);
	CU_add_test(s, "duplicates", test_duplicates);
}
