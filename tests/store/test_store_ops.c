/*
 * api/store/store_ops.c against PostgreSQL: throttles and quotas, sessions,
 * log-in lookups, account codes and operators; and api/store/store_renewal.c,
 * the reminders before expiry; and the sweep of OpenID sign-ins
 * (store_oidc.c) and passkey challenges (store_passkey.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/store/db.h"
#include "api/store/store_oidc.h"
#include "api/store/store_ops.h"
#include "api/store/store_passkey.h"
#include "api/store/store_renewal.h"
#include "tests/store/test_store.h"

#define T0 1800000000 /* 2027-01-15T08:00:00Z */

/* An application id with e-mail email, verified if verified. */
static void
insert_app(struct db *db, const char *id, const char *email, int verified)
{
	char sql[2048];

	snprintf(sql, sizeof(sql),
	    "INSERT INTO applications (id, status, policy, product, "
	    "shipping, given_name, family_name, date_of_birth, email, phone, "
	    "addr_line1, addr_city, addr_postal_code, addr_country, "
	    "ssn_last4, avs_card_token, payment_card_token, password_hash, "
	    "agreement_version, agreement_accepted_at, price, "
	    "price_total_cents, created_at, updated_at, email_verify_by, "
	    "email_verified_at) SELECT '%s', 'proofing', 'igc', "
	    "(SELECT code FROM products LIMIT 1), 'usps', 'Ada', 'Lovelace', "
	    "'1970-01-01', '%s', '+15555550100', '1 Main St', 'Town', "
	    "'12345', 'US', '1234', 'tok_a', 'tok_p', '$argon2id$%s', '1', "
	    "now(), '{}', 0, now(), now(), now() + interval '1 day', %s",
	    id, email, id, verified ? "now()" : "NULL");
	store_test_sql(db, sql);
}

static void
test_throttle(void)
{
	struct db *db = store_test_db();
	struct store_throttle_row row;
	struct problem p;

	problem_clear(&p);
	store_test_sql(db, "DELETE FROM throttles WHERE subject LIKE 'tso:%'");
	/* a new row: no failures, NULL times read as 0 */
	CU_ASSERT_EQUAL(store_throttle_lock(
	                    db, "login", "tso:a", "192.0.2.1", T0, &row, &p),
	    0);
	CU_ASSERT_EQUAL(row.failures, 0);
	CU_ASSERT_EQUAL(row.blocked_until, 0);
	CU_ASSERT_EQUAL(row.locked_at, 0);
	CU_ASSERT_EQUAL(row.updated_at, T0);
	row.failures = 3;
	row.blocked_until = T0 + 8;
	row.locked_at = T0 + 1;
	CU_ASSERT_EQUAL(store_throttle_set(db, "login", "tso:a", "192.0.2.1",
	                    &row, T0 + 2, &p),
	    0);
	memset(&row, 0, sizeof(row));
	CU_ASSERT_EQUAL(store_throttle_lock(db, "login", "tso:a", "192.0.2.1",
	                    T0 + 5, &row, &p),
	    0);
	CU_ASSERT_EQUAL(row.failures, 3);
	CU_ASSERT_EQUAL(row.blocked_until, T0 + 8);
	CU_ASSERT_EQUAL(row.locked_at, T0 + 1);
	CU_ASSERT_EQUAL(row.updated_at, T0 + 2);
	/* another client is another row */
	CU_ASSERT_EQUAL(store_throttle_lock(
	                    db, "login", "tso:a", "192.0.2.2", T0, &row, &p),
	    0);
	CU_ASSERT_EQUAL(row.failures, 0);
	CU_ASSERT_EQUAL(
	    store_throttle_delete(db, "login", "tso:a", "192.0.2.1", &p), 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM throttles WHERE "
	                    "subject = 'tso:a'"),
	    1);
	/* the sweep: quiet for two days and not locked */
	store_test_sql(db,
	    "INSERT INTO throttles (scope, subject, client, updated_at, "
	    "locked_at) VALUES ('account', 'tso:locked', '', "
	    "'2027-01-01T00:00:00Z', '2027-01-01T00:00:00Z')");
	CU_ASSERT_EQUAL(store_throttle_sweep(db, T0 + 3 * 86400, &p), 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM throttles WHERE "
	                    "subject LIKE 'tso:%'"),
	    1);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM throttles WHERE "
	                    "subject = 'tso:locked'"),
	    1);
	db_free(db);
}

#define SWEPT_FLOWS                                                            \
	"SELECT count(*) FROM oidc_flows WHERE application_id = 'tso_sweep'"
#define SWEPT_CHALLENGES                                                       \
	"SELECT count(*) FROM passkey_challenges WHERE application_id = "      \
	"'tso_sweep'"

/* Sign-ins and challenges go an hour after they expire, used or not; a
 * used one that has not expired stays. */
static void
test_sweep_short_lived(void)
{
	struct db *db = store_test_db();
	struct oidc_flow_row flow;
	unsigned char h[4][32];
	struct problem p;
	int i;

	problem_clear(&p);
	store_test_sql(db,
	    "DELETE FROM oidc_flows WHERE application_id = "
	    "'tso_sweep'");
	store_test_sql(db,
	    "DELETE FROM passkey_challenges WHERE "
	    "application_id = 'tso_sweep'");
	insert_app(db, "tso_sweep", "tso-sweep@example.org", 1);
	for (i = 0; i < 4; i++)
		memset(h[i], 0x51 + i, sizeof(h[i]));
	/* 0: expired 2 h before T0; 1: 59 min before; 2: used, expires
	 * after T0; 3: unused, expires after T0 */
	CU_ASSERT_EQUAL(store_oidc_flow_insert(db, h[0], "tso_sweep", h[0],
	                    "v0", 0, T0 - 3 * 3600, T0 - 2 * 3600, &p),
	    0);
	CU_ASSERT_EQUAL(store_oidc_flow_insert(db, h[1], "tso_sweep", h[1],
	                    "v1", 0, T0 - 3600, T0 - 3540, &p),
	    0);
	CU_ASSERT_EQUAL(store_oidc_flow_insert(db, h[2], "tso_sweep", h[2],
	                    "v2", 0, T0 - 60, T0 + 600, &p),
	    0);
	CU_ASSERT_EQUAL(store_oidc_flow_insert(db, h[3], "tso_sweep", h[3],
	                    "v3", 0, T0 - 60, T0 + 600, &p),
	    0);
	CU_ASSERT_EQUAL(store_oidc_flow_take(db, h[2], T0 - 30, &flow, &p), 1);
	CU_ASSERT_EQUAL(store_passkey_challenge_insert(db, h[0], "tso_sweep",
	                    "register", T0 - 3 * 3600, T0 - 2 * 3600, &p),
	    0);
	CU_ASSERT_EQUAL(store_passkey_challenge_insert(db, h[1], "tso_sweep",
	                    "register", T0 - 3600, T0 - 3540, &p),
	    0);
	CU_ASSERT_EQUAL(store_passkey_challenge_insert(db, h[2], "tso_sweep",
	                    "register", T0 - 60, T0 + 600, &p),
	    0);
	CU_ASSERT_EQUAL(store_passkey_challenge_insert(db, h[3], "tso_sweep",
	                    "register", T0 - 60, T0 + 600, &p),
	    0);
	CU_ASSERT_EQUAL(store_passkey_challenge_take(
	                    db, h[2], "tso_sweep", "register", T0 - 30, &p),
	    1);
	/* at T0 only the one expired for over an hour goes */
	CU_ASSERT_EQUAL(store_oidc_flow_sweep(db, T0, &p), 0);
	CU_ASSERT_EQUAL(store_passkey_challenge_sweep(db, T0, &p), 0);
	CU_ASSERT_EQUAL(store_test_count(db, SWEPT_FLOWS), 3);
	CU_ASSERT_EQUAL(store_test_count(db, SWEPT_CHALLENGES), 3);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    SWEPT_FLOWS " AND state_sha256 = "
	                                "'\\x5151515151515151515151515151515151"
	                                "515151515151515151515151515151'"),
	    0);
	/* at T0 + 61 min the second is past its hour too; the used and
	 * the unused ones that expire at T0 + 10 min stay */
	CU_ASSERT_EQUAL(store_oidc_flow_sweep(db, T0 + 3660, &p), 0);
	CU_ASSERT_EQUAL(store_passkey_challenge_sweep(db, T0 + 3660, &p), 0);
	CU_ASSERT_EQUAL(
	    store_test_count(db, SWEPT_FLOWS " AND used_at IS NOT NULL"), 1);
	CU_ASSERT_EQUAL(store_test_count(db, SWEPT_FLOWS), 2);
	CU_ASSERT_EQUAL(
	    store_test_count(db, SWEPT_CHALLENGES " AND used_at IS NOT NULL"),
	    1);
	CU_ASSERT_EQUAL(store_test_count(db, SWEPT_CHALLENGES), 2);
	/* an hour and a second after they expire, they go */
	CU_ASSERT_EQUAL(store_oidc_flow_sweep(db, T0 + 600 + 3601, &p), 0);
	CU_ASSERT_EQUAL(
	    store_passkey_challenge_sweep(db, T0 + 600 + 3601, &p), 0);
	CU_ASSERT_EQUAL(store_test_count(db, SWEPT_FLOWS), 0);
	CU_ASSERT_EQUAL(store_test_count(db, SWEPT_CHALLENGES), 0);
	db_free(db);
}

static void
test_quota(void)
{
	struct db *db = store_test_db();
	struct problem p;
	time_t start;
	int used;

	problem_clear(&p);
	store_test_sql(db, "DELETE FROM quotas WHERE subject = 'tso:q'");
	CU_ASSERT_EQUAL(
	    store_quota_use(db, "mail", "tso:q", T0, &used, &start, &p), 0);
	CU_ASSERT_EQUAL(used, 1);
	CU_ASSERT_EQUAL(start, T0);
	CU_ASSERT_EQUAL(
	    store_quota_use(db, "mail", "tso:q", T0 + 60, &used, &start, &p),
	    0);
	CU_ASSERT_EQUAL(used, 2);
	CU_ASSERT_EQUAL(start, T0);
	/* a day later the window starts again */
	CU_ASSERT_EQUAL(
	    store_quota_use(db, "mail", "tso:q", T0 + 86400, &used, &start, &p),
	    0);
	CU_ASSERT_EQUAL(used, 1);
	CU_ASSERT_EQUAL(start, T0 + 86400);
	db_free(db);
}

static void
test_sessions(void)
{
	struct db *db = store_test_db();
	unsigned char h[32], other[32];
	struct problem p;
	char app[48];

	problem_clear(&p);
	memset(h, 0x5a, sizeof(h));
	memset(other, 0x5b, sizeof(other));
	insert_app(db, "tso_sess", "tso-sess@example.org", 1);
	CU_ASSERT_EQUAL(
	    store_session_insert(db, h, "tso_sess", T0, T0 + 3600, &p), 0);
	CU_ASSERT_EQUAL(
	    store_session_touch(db, h, T0 + 60, T0 - 900, app, sizeof(app), &p),
	    1);
	CU_ASSERT_STRING_EQUAL(app, "tso_sess");
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT extract(epoch FROM last_seen_at)::bigint "
	                    "FROM sessions WHERE application_id = 'tso_sess'"),
	    T0 + 60);
	/* idle too long, past the expiry, unknown: none */
	CU_ASSERT_EQUAL(
	    store_session_touch(db, h, T0 + 120, T0 + 61, app, sizeof(app), &p),
	    0);
	CU_ASSERT_STRING_EQUAL(app, "");
	CU_ASSERT_EQUAL(
	    store_session_touch(db, h, T0 + 3600, T0, app, sizeof(app), &p), 0);
	CU_ASSERT_EQUAL(
	    store_session_touch(db, other, T0 + 60, T0, app, sizeof(app), &p),
	    0);
	db_free(db);
}

static void
test_login_find(void)
{
	struct db *db = store_test_db();
	struct store_login_row rows[STORE_OPS_LOGIN_MAX];
	struct problem p;

	problem_clear(&p);
	insert_app(db, "tso_l1", "tso-login@example.org", 1);
	insert_app(db, "tso_l2", "tso-login@example.org", 0);
	CU_ASSERT_EQUAL(
	    store_login_find(db, NULL, "tso_l2", rows, STORE_OPS_LOGIN_MAX, &p),
	    1);
	CU_ASSERT_STRING_EQUAL(rows[0].id, "tso_l2");
	CU_ASSERT_STRING_EQUAL(rows[0].password_hash, "$argon2id$tso_l2");
	/* by e-mail only the verified one */
	CU_ASSERT_EQUAL(store_login_find(db, "tso-login@example.org", NULL,
	                    rows, STORE_OPS_LOGIN_MAX, &p),
	    1);
	CU_ASSERT_STRING_EQUAL(rows[0].id, "tso_l1");
	CU_ASSERT_EQUAL(store_login_find(db, NULL, "tso_none", rows,
	                    STORE_OPS_LOGIN_MAX, &p),
	    0);
	CU_ASSERT_EQUAL(store_login_find(db, "tso-nobody@example.org", NULL,
	                    rows, STORE_OPS_LOGIN_MAX, &p),
	    0);
	db_free(db);
}

static void
test_acodes(void)
{
	struct db *db = store_test_db();
	struct store_acode_app_row to;
	unsigned char h[32], wrong[32];
	struct problem p;
	long long id = 0;

	problem_clear(&p);
	memset(h, 0x11, sizeof(h));
	memset(wrong, 0x22, sizeof(wrong));
	insert_app(db, "tso_code", "tso-code@example.org", 0);
	CU_ASSERT_EQUAL(store_acode_live(db, "tso_code", "unlock", T0, &p), 0);
	CU_ASSERT_EQUAL(
	    store_acode_insert(db, "tso_code", "unlock", h, T0, T0 + 3600, &p),
	    0);
	CU_ASSERT_EQUAL(store_acode_live(db, "tso_code", "unlock", T0, &p), 1);
	CU_ASSERT_EQUAL(store_acode_live(db, "tso_code", "reset", T0, &p), 0);
	CU_ASSERT_EQUAL(
	    store_acode_find(db, "tso_code", "unlock", wrong, T0, &id, &p), 0);
	CU_ASSERT_EQUAL(
	    store_acode_find(db, "tso_code", "unlock", h, T0, &id, &p), 1);
	CU_ASSERT(id > 0);
	CU_ASSERT_EQUAL(store_acode_used(db, id, T0 + 1, &p), 0);
	CU_ASSERT_EQUAL(
	    store_acode_find(db, "tso_code", "unlock", h, T0 + 2, &id, &p), 0);
	/* a second code, killed */
	CU_ASSERT_EQUAL(
	    store_acode_insert(db, "tso_code", "reset", h, T0, T0 + 3600, &p),
	    0);
	CU_ASSERT_EQUAL(
	    store_acode_kill(db, "tso_code", "reset", T0 + 5, &p), 0);
	CU_ASSERT_EQUAL(
	    store_acode_live(db, "tso_code", "reset", T0 + 6, &p), 0);
	/* the application of a mail; email_verified_at is NULL */
	CU_ASSERT_EQUAL(store_acode_app(db, "tso_code", &to, &p), 1);
	CU_ASSERT_STRING_EQUAL(to.email, "tso-code@example.org");
	CU_ASSERT_STRING_EQUAL(to.given_name, "Ada");
	CU_ASSERT_EQUAL(to.email_verified, 0);
	CU_ASSERT_STRING_EQUAL(to.policy, "igc");
	CU_ASSERT_EQUAL(to.has_letter, 0);
	CU_ASSERT_EQUAL(store_acode_app(db, "tso_sess", &to, &p), 1);
	CU_ASSERT_EQUAL(to.email_verified, 1);
	/* a kit made at approval has no letter until it is printed */
	store_test_sql(db,
	    "INSERT INTO kits (id, application_id, state, new_token, "
	    "expires_at, created_at, updated_at) VALUES ('kit_tso_code', "
	    "'tso_code', 'created', false, now() + interval '1 day', now(), "
	    "now())");
	CU_ASSERT_EQUAL(store_acode_app(db, "tso_code", &to, &p), 1);
	CU_ASSERT_EQUAL(to.has_letter, 0);
	store_test_sql(db,
	    "UPDATE kits SET state = 'printed', prints = 1 WHERE id = "
	    "'kit_tso_code'");
	CU_ASSERT_EQUAL(store_acode_app(db, "tso_code", &to, &p), 1);
	CU_ASSERT_EQUAL(to.has_letter, 1);
	CU_ASSERT_EQUAL(store_acode_app(db, "tso_none", &to, &p), 0);
	db_free(db);
}

static void
test_operator(void)
{
	struct db *db = store_test_db();
	struct store_operator_row op;
	unsigned char fp[32];
	struct problem p;

	problem_clear(&p);
	store_test_sql(db,
	    "INSERT INTO operators (id, name, roles, cert_sha256, "
	    "cert_subject, cert_not_after, created_at) VALUES ('opr_tso1', "
	    "'tso-alice', '{reviewer,auditor}', '\\x"
	    "7070707070707070707070707070707070707070707070707070707070707070'"
	    ", 'CN=alice', '2027-01-15T08:00:00Z', now())");
	store_test_sql(db,
	    "INSERT INTO operators (id, name, roles, cert_sha256, "
	    "cert_subject, cert_not_after, created_at, disabled_at) VALUES "
	    "('opr_tso2', 'tso-bob', '{admin}', '\\x"
	    "7171717171717171717171717171717171717171717171717171717171717171'"
	    ", 'CN=bob', '2027-01-15T08:00:00Z', now(), now())");
	memset(fp, 0x70, sizeof(fp));
	CU_ASSERT_EQUAL(store_operator_by_cert(db, fp, &op, &p), 1);
	CU_ASSERT_STRING_EQUAL(op.id, "opr_tso1");
	CU_ASSERT_STRING_EQUAL(op.name, "tso-alice");
	CU_ASSERT_STRING_EQUAL(op.roles, "reviewer,auditor");
	CU_ASSERT_EQUAL(op.cert_not_after, T0);
	CU_ASSERT_EQUAL(op.disabled, 0);
	memset(fp, 0x71, sizeof(fp));
	CU_ASSERT_EQUAL(store_operator_by_cert(db, fp, &op, &p), 1);
	CU_ASSERT_STRING_EQUAL(op.roles, "admin");
	CU_ASSERT_EQUAL(op.disabled, 1);
	memset(fp, 0x72, sizeof(fp));
	CU_ASSERT_EQUAL(store_operator_by_cert(db, fp, &op, &p), 0);
	db_free(db);
}

/* A certificate of application app, serial 16 bytes of byte b (hex). */
static void
insert_cert(struct db *db, const char *app, const char *b, const char *state,
    const char *not_after)
{
	char sql[2048], serial[33], spki[65];
	int i;

	for (i = 0; i < 16; i++)
		memcpy(serial + 2 * i, b, 2);
	serial[32] = '\0';
	for (i = 0; i < 32; i++)
		memcpy(spki + 2 * i, b, 2);
	spki[64] = '\0';
	snprintf(sql, sizeof(sql),
	    "INSERT INTO certificates (serial, application_id, issuer, "
	    "subject, spki_sha256, tbs, der, state, not_before, not_after, "
	    "recorded_at, issued_at) VALUES ('\\x%s', '%s', 'issuing', "
	    "'CN=t', '\\x%s', '\\x30', '\\x30', '%s', "
	    "'2026-01-01T00:00:00Z', '%s', now(), now())",
	    serial, app, spki, state, not_after);
	store_test_sql(db, sql);
}

static void
test_reminders(void)
{
	struct db *db = store_test_db();
	struct store_reminder_due_row *rows = NULL;
	struct store_reminder_mail_row m;
	unsigned char s1[16], s2[16], s3[16];
	struct problem p;
	size_t i, n = 0;
	int seen1 = 0, seen2 = 0, step1 = 0;

	problem_clear(&p);
	memset(s1, 0xe1, sizeof(s1));
	memset(s2, 0xe2, sizeof(s2));
	memset(s3, 0xe3, sizeof(s3));
	store_test_sql(db,
	    "INSERT INTO ca_certificates (name, serial, subject, der, key_ref, "
	    "not_before, not_after, created_at) VALUES ('issuing', "
	    "'\\x0e0e', 'CN=issuing', '\\x30', 'file:x', now(), "
	    "now() + interval '10 years', now()) ON CONFLICT DO NOTHING");
	insert_app(db, "tso_ren", "tso-ren@example.org", 1);
	/* 20 days left: step 30 is due; 200 days left: none */
	insert_cert(db, "tso_ren", "e1", "issued", "2027-02-04T08:00:00Z");
	insert_cert(db, "tso_ren", "e2", "issued", "2027-08-03T08:00:00Z");
	CU_ASSERT_EQUAL_FATAL(
	    store_reminder_due(db, T0, "{90,60,30,7}", 1000, &rows, &n, &p), 0);
	for (i = 0; i < n; i++) {
		if (memcmp(rows[i].serial, s1, 16) == 0) {
			seen1 = 1;
			step1 = rows[i].step;
			CU_ASSERT_EQUAL(rows[i].not_after, T0 + 20 * 86400);
		}
		if (memcmp(rows[i].serial, s2, 16) == 0)
			seen2 = 1;
	}
	free(rows);
	CU_ASSERT_EQUAL(seen1, 1);
	CU_ASSERT_EQUAL(step1, 30);
	CU_ASSERT_EQUAL(seen2, 0);
	CU_ASSERT_EQUAL(
	    store_reminder_insert(db, s1, 30, T0 - 10 * 86400, T0, &p), 1);
	CU_ASSERT_EQUAL(
	    store_reminder_insert(db, s1, 30, T0 - 10 * 86400, T0, &p), 0);
	CU_ASSERT_EQUAL_FATAL(
	    store_reminder_due(db, T0, "{90,60,30,7}", 1000, &rows, &n, &p), 0);
	for (i = 0; i < n; i++)
		CU_ASSERT(memcmp(rows[i].serial, s1, 16) != 0);
	free(rows);
	CU_ASSERT_EQUAL(store_reminder_mail(db, s1, &m, &p), 1);
	CU_ASSERT_STRING_EQUAL(m.state, "issued");
	CU_ASSERT_EQUAL(m.not_after, T0 + 20 * 86400);
	CU_ASSERT_EQUAL(m.renewed, 0);
	CU_ASSERT_STRING_EQUAL(m.email, "tso-ren@example.org");
	CU_ASSERT_STRING_EQUAL(m.given_name, "Ada");
	CU_ASSERT_STRING_EQUAL(m.app, "tso_ren");
	CU_ASSERT_EQUAL(store_reminder_mail(db, s3, &m, &p), 0);
	db_free(db);
}

static void
test_queue(void)
{
	struct db *db = store_test_db();
	struct store_queue_row *rows = NULL;
	struct problem p;
	char status[32];
	size_t n = 0;

	problem_clear(&p);
	insert_app(db, "tso_q1", "tso-q1@example.org", 1);
	insert_app(db, "tso_q2", "tso-q2@example.org", 0);
	store_test_sql(db,
	    "UPDATE applications SET status = 'lapsed', created_at = "
	    "'2020-01-01T00:00:00Z', program = 'prg' WHERE id = 'tso_q1'");
	store_test_sql(db,
	    "UPDATE applications SET status = 'lapsed', created_at = "
	    "'2020-01-02T00:00:00Z' WHERE id = 'tso_q2'");
	CU_ASSERT_EQUAL_FATAL(
	    store_queue_list(db, "lapsed", NULL, 10, &rows, &n, &p), 0);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_EQUAL(rows[0].id, "tso_q1");
	CU_ASSERT_STRING_EQUAL(rows[0].status, "lapsed");
	CU_ASSERT_STRING_EQUAL(rows[0].program, "prg");
	CU_ASSERT_PTR_NULL(rows[0].middle_name);
	CU_ASSERT_PTR_NULL(rows[0].addr_state);
	CU_ASSERT_STRING_EQUAL(rows[0].family_name, "Lovelace");
	CU_ASSERT_STRING_EQUAL(rows[0].email, "tso-q1@example.org");
	CU_ASSERT_STRING_EQUAL(rows[0].addr_country, "US");
	CU_ASSERT_EQUAL(rows[0].created_at, 1577836800);
	CU_ASSERT(rows[0].email_verified_at > 0);
	CU_ASSERT_STRING_EQUAL(rows[0].identity_checks, "[]");
	CU_ASSERT_PTR_NULL(rows[1].program);
	CU_ASSERT_EQUAL(rows[1].email_verified_at, 0);
	store_queue_free(rows, n);
	/* paged after the first */
	CU_ASSERT_EQUAL_FATAL(
	    store_queue_list(db, "lapsed", "tso_q1", 10, &rows, &n, &p), 0);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_STRING_EQUAL(rows[0].id, "tso_q2");
	store_queue_free(rows, n);
	CU_ASSERT_EQUAL(
	    store_queue_list(db, "withdrawn", NULL, 10, &rows, &n, &p), 0);
	CU_ASSERT_EQUAL(n, 0);
	store_queue_free(rows, n);
	CU_ASSERT_EQUAL(
	    store_ops_app_lock(db, "tso_q2", status, sizeof(status), &p), 1);
	CU_ASSERT_STRING_EQUAL(status, "lapsed");
	CU_ASSERT_EQUAL(
	    store_ops_app_lock(db, "tso_none", status, sizeof(status), &p), 0);
	db_free(db);
}

void
test_store_add_ops(void)
{
	CU_pSuite s = CU_add_suite("store_ops", NULL, NULL);

	CU_add_test(s, "throttle rows", test_throttle);
	CU_add_test(s, "daily quota", test_quota);
	CU_add_test(s, "sessions", test_sessions);
	CU_add_test(s, "log-in lookup", test_login_find);
	CU_add_test(s, "account codes", test_acodes);
	CU_add_test(s, "operator by certificate", test_operator);
	CU_add_test(s, "renewal reminders", test_reminders);
	CU_add_test(s, "operators' queue", test_queue);
	CU_add_test(s, "sign-ins and challenges swept an hour after expiry",
	    test_sweep_short_lived);
}
