/*
 * api/store/store_jobs.c against a real PostgreSQL: the rows of the proofing
 * and mail jobs, read by name, with NULL columns and rows not found.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/store/store_jobs.h"
#include "api/store/store_pki.h"
#include "tests/store/test_store.h"

/* An application (id app, status status, policy policy, product
 * software or epcs-hardware) with middle name, second address line and
 * state NULL, its e-mail window ending at 1800000000. */
static void
app_insert_in(struct db *db, const char *app, const char *status,
    const char *policy, const char *product, const char *dea,
    const char *program)
{
	char sql[2048];

	snprintf(sql, sizeof(sql),
	    "INSERT INTO applications (id, status, policy, product, storage, "
	    "shipping, given_name, family_name, date_of_birth, email, phone, "
	    "addr_line1, addr_city, addr_postal_code, addr_country, "
	    "dea_number, ssn_last4, avs_card_token, payment_card_token, "
	    "password_hash, agreement_version, agreement_accepted_at, price, "
	    "price_total_cents, created_at, updated_at, email_verify_by, "
	    "program) "
	    "SELECT '%s', '%s', '%s', code, NULL, 'usps', 'Ada', 'Lovelace', "
	    "'1975-12-10', '%s@example.org', '+13175550100', '1 Main St', "
	    "'Indianapolis', '46204', 'US', %s, '1234', 'tok_avs_1', "
	    "'tok_pay_1', 'x', 'v1', now(), '{}', 0, now(), now(), "
	    "to_timestamp(1800000000), %s%s%s FROM products WHERE code = '%s'",
	    app, status, policy, app, dea, program != NULL ? "'" : "",
	    program != NULL ? program : "NULL", program != NULL ? "'" : "",
	    product);
	store_test_sql(db, sql);
}

/* As app_insert_in, of no program. */
static void
app_insert(struct db *db, const char *app, const char *status,
    const char *policy, const char *product, const char *dea)
{
	app_insert_in(db, app, status, policy, product, dea, NULL);
}

static void
test_proof_app_lock(void)
{
	struct db *db = store_test_db();
	struct proof_app_row row;
	struct problem p;

	problem_clear(&p);
	store_test_sql(db, "BEGIN");
	app_insert(db, "app_sj_lock", "proofing", "nist-800-63",
	    "epcs-hardware", "'AL1234563'");
	CU_ASSERT_EQUAL(store_proof_app_lock(db, "app_sj_lock", &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.status, "proofing");
	CU_ASSERT_EQUAL(row.nist, 1);
	CU_ASSERT_EQUAL(row.epcs, 1);
	CU_ASSERT_EQUAL(row.has_dea, 1);
	CU_ASSERT_STRING_EQUAL(row.given_name, "Ada");
	CU_ASSERT_PTR_NULL(row.middle_name);
	CU_ASSERT_STRING_EQUAL(row.family_name, "Lovelace");
	CU_ASSERT_STRING_EQUAL(row.date_of_birth, "1975-12-10");
	CU_ASSERT_STRING_EQUAL(row.email, "app_sj_lock@example.org");
	CU_ASSERT_STRING_EQUAL(row.phone, "+13175550100");
	CU_ASSERT_STRING_EQUAL(row.line1, "1 Main St");
	CU_ASSERT_PTR_NULL(row.line2);
	CU_ASSERT_STRING_EQUAL(row.city, "Indianapolis");
	CU_ASSERT_PTR_NULL(row.state);
	CU_ASSERT_STRING_EQUAL(row.postal_code, "46204");
	CU_ASSERT_STRING_EQUAL(row.country, "US");
	CU_ASSERT_STRING_EQUAL(row.ssn_last4, "1234");
	CU_ASSERT_STRING_EQUAL(row.card_token, "tok_avs_1");
	store_proof_app_free(&row);
	CU_ASSERT_PTR_NULL(row.given_name);
	store_proof_app_free(NULL);
	/* A software product, IGC policy, no DEA number. */
	app_insert(
	    db, "app_sj_sw", "review", "igc", "identity-software", "NULL");
	CU_ASSERT_EQUAL(store_proof_app_lock(db, "app_sj_sw", &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.status, "review");
	CU_ASSERT_EQUAL(row.nist, 0);
	CU_ASSERT_EQUAL(row.epcs, 0);
	CU_ASSERT_EQUAL(row.has_dea, 0);
	store_proof_app_free(&row);
	CU_ASSERT_EQUAL(store_proof_app_lock(db, "app_sj_none", &row, &p), 0);
	store_test_sql(db, "ROLLBACK");
	db_free(db);
}

static void
test_proof_checks(void)
{
	struct db *db = store_test_db();
	struct check_answer *rows;
	struct check_row c;
	struct problem p;
	size_t n, i;
	int idv = -1, avs = -1;

	problem_clear(&p);
	store_test_sql(db, "BEGIN");
	app_insert(
	    db, "app_sj_chk", "proofing", "igc", "identity-software", "NULL");
	CU_ASSERT_EQUAL(
	    store_proof_check_latest(db, "app_sj_chk", &rows, &n, &p), 0);
	CU_ASSERT_EQUAL(n, 0);
	store_proof_check_latest_free(rows, n);
	memset(&c, 0, sizeof(c));
	c.app = "app_sj_chk";
	c.provider = "idv";
	c.request_id = "idv_app_sj_chk_1";
	c.attempt = 1;
	c.outcome = "error";
	c.score = -1;
	c.error = "http: 500";
	c.at = 1800000000;
	CU_ASSERT_EQUAL(store_proof_check_insert(db, &c, &p), 0);
	c.attempt = 2;
	c.outcome = "pass";
	c.score = 96;
	c.reasons = "[\"r1\"]";
	c.error = NULL;
	CU_ASSERT_EQUAL(store_proof_check_insert(db, &c, &p), 0);
	c.provider = "avs";
	c.outcome = "match";
	c.score = -1;
	c.reasons = NULL;
	CU_ASSERT_EQUAL(store_proof_check_insert(db, &c, &p), 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM identity_checks WHERE "
	                    "application_id = 'app_sj_chk' AND score IS NULL "
	                    "AND reasons = '[]'::jsonb"),
	    2);
	CU_ASSERT_EQUAL(
	    store_proof_check_latest(db, "app_sj_chk", &rows, &n, &p), 0);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	for (i = 0; i < n; i++) {
		if (strcmp(rows[i].provider, "idv") == 0)
			idv = (int)i;
		if (strcmp(rows[i].provider, "avs") == 0)
			avs = (int)i;
	}
	CU_ASSERT_FATAL(idv >= 0 && avs >= 0);
	CU_ASSERT_STRING_EQUAL(rows[idv].outcome, "pass");
	CU_ASSERT_EQUAL(rows[idv].score, 96);
	CU_ASSERT_STRING_EQUAL(rows[idv].reasons, "[\"r1\"]");
	CU_ASSERT_STRING_EQUAL(rows[avs].outcome, "match");
	CU_ASSERT_EQUAL(rows[avs].score, -1);
	CU_ASSERT_STRING_EQUAL(rows[avs].reasons, "[]");
	store_proof_check_latest_free(rows, n);
	store_test_sql(db, "ROLLBACK");
	db_free(db);
}

/*
 * What an identity check reads before it asks the providers, in one round
 * trip (issue 19; three before: the locked row, its sandbox flag, the
 * answers): the row locked, as store_proof_app_lock reads it, with its
 * sandbox flag, and the answers as store_proof_check_latest reads them.
 */
static void
test_proof_app_open(void)
{
	static const char *const apps[] = {"app_sj_open", "app_sj_box"};
	struct db *db = store_test_db(), *other = store_test_db();
	struct check_answer *rows;
	struct proof_app_row row;
	struct check_row c;
	struct problem p;
	FILE *trace = tmpfile();
	size_t n;
	int i;

	problem_clear(&p);
	CU_ASSERT_FATAL(trace != NULL);
	/* a live application, and one of a partner's sandbox program */
	store_test_sql(db,
	    "INSERT INTO partners (id, name, program, created_at, created_by, "
	    "sandbox_of) VALUES ('tsj_p', 'P', 'tsj-prog', now(), 'test', "
	    "NULL), ('tsj_s', 'P sandbox', 'tsj-prog-sandbox', now(), 'test', "
	    "'tsj_p')");
	app_insert(db, apps[0], "proofing", "igc", "identity-software", "NULL");
	app_insert_in(db, apps[1], "proofing", "igc", "identity-software",
	    "NULL", "tsj-prog-sandbox");
	memset(&c, 0, sizeof(c));
	c.provider = "idv";
	c.request_id = "idv_app_sj_open_1";
	c.attempt = 1;
	c.outcome = "pass";
	c.score = 91;
	c.reasons = "[\"r2\"]";
	c.at = 1800000000;
	for (i = 0; i < 2; i++) {
		c.app = apps[i];
		CU_ASSERT_EQUAL(store_proof_check_insert(db, &c, &p), 0);
	}
	store_test_trace(db, trace);
	/* The first round prepares the statements (in the same round
	 * trip); the second finds them. */
	for (i = 0; i < 2; i++) {
		(void)store_test_round_trips(trace);
		CU_ASSERT_FATAL(db_begin(db, &p) == 0);
		CU_ASSERT_EQUAL(
		    store_proof_app_open(db, apps[i], &row, &rows, &n, &p), 1);
		CU_ASSERT_EQUAL(store_test_round_trips(trace), 1);
		CU_ASSERT_STRING_EQUAL(row.status, "proofing");
		CU_ASSERT_STRING_EQUAL(row.given_name, "Ada");
		CU_ASSERT_EQUAL(row.sandbox, i);
		CU_ASSERT_EQUAL_FATAL(n, 1);
		CU_ASSERT_STRING_EQUAL(rows[0].provider, "idv");
		CU_ASSERT_STRING_EQUAL(rows[0].outcome, "pass");
		CU_ASSERT_EQUAL(rows[0].score, 91);
		CU_ASSERT_STRING_EQUAL(rows[0].reasons, "[\"r2\"]");
		store_proof_check_latest_free(rows, n);
		store_proof_app_free(&row);
		/* locked: another connection cannot lock it */
		store_test_sql(other, "BEGIN");
		store_test_sql(other, "SET LOCAL lock_timeout = '50ms'");
		CU_ASSERT_EQUAL(
		    store_proof_app_lock(other, apps[i], &row, &p), -1);
		store_test_sql(other, "ROLLBACK");
		problem_clear(&p);
		db_rollback(db);
	}
	PQuntrace(db_conn(db));
	fclose(trace);
	CU_ASSERT_FATAL(db_begin(db, &p) == 0);
	CU_ASSERT_EQUAL(
	    store_proof_app_open(db, "app_sj_none", &row, &rows, &n, &p), 0);
	CU_ASSERT_PTR_NULL(rows);
	CU_ASSERT_EQUAL(n, 0);
	db_rollback(db);
	store_test_sql(db,
	    "DELETE FROM identity_checks WHERE "
	    "application_id IN ('app_sj_open', 'app_sj_box')");
	store_test_sql(db,
	    "DELETE FROM applications WHERE id IN "
	    "('app_sj_open', 'app_sj_box')");
	store_test_sql(db, "DELETE FROM partners WHERE id = 'tsj_s'");
	store_test_sql(db, "DELETE FROM partners WHERE id = 'tsj_p'");
	db_free(other);
	db_free(db);
}

static void
test_proof_decision(void)
{
	struct db *db = store_test_db();
	struct decision_mail_row row;
	struct problem p;

	problem_clear(&p);
	store_test_sql(db, "BEGIN");
	app_insert(
	    db, "app_sj_dec", "proofing", "igc", "identity-software", "NULL");
	CU_ASSERT_EQUAL(
	    store_proof_decision_mail(db, "app_sj_dec", &row, &p), 0);
	CU_ASSERT_EQUAL(store_proof_decision_insert(db, "app_sj_dec", "reject",
	                    "system", "not verified", NULL, 1800000000, &p),
	    1);
	CU_ASSERT_EQUAL(store_proof_decision_insert(db, "app_sj_dec", "approve",
	                    "system", "again", "[\"x\"]", 1800000000, &p),
	    0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM decisions WHERE "
	                    "application_id = 'app_sj_dec' AND codes = "
	                    "'[]'::jsonb AND decision = 'reject'"),
	    1);
	CU_ASSERT_EQUAL(
	    store_proof_decision_mail(db, "app_sj_dec", &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.decision, "reject");
	CU_ASSERT_STRING_EQUAL(row.reason, "not verified");
	CU_ASSERT_STRING_EQUAL(row.email, "app_sj_dec@example.org");
	CU_ASSERT_STRING_EQUAL(row.given, "Ada");
	store_proof_decision_mail_free(&row);
	CU_ASSERT_EQUAL(store_proof_kit_insert(db, "kit_sj_dec", "app_sj_dec",
	                    1900000000, 1800000000, &p),
	    0);
	CU_ASSERT_EQUAL(
	    store_test_count(db,
	        "SELECT count(*) FROM kits WHERE id = 'kit_sj_dec' "
	        "AND application_id = 'app_sj_dec' AND state = "
	        "'created' AND expires_at = to_timestamp(1900000000)"),
	    1);
	store_test_sql(db, "ROLLBACK");
	db_free(db);
}

static void
test_proof_lapse(void)
{
	struct db *db = store_test_db();
	char(*ids)[STORE_JOBS_ID_MAX];
	struct problem p;
	size_t n;

	problem_clear(&p);
	store_test_sql(db, "BEGIN");
	/* Earlier windows of other tests' rows must not lapse here. */
	store_test_sql(db,
	    "UPDATE applications SET email_verify_by = "
	    "'2100-01-01' WHERE status = 'email_pending'");
	app_insert(db, "app_sj_lap", "email_pending", "igc",
	    "identity-software", "NULL");
	app_insert(
	    db, "app_sj_lap2", "proofing", "igc", "identity-software", "NULL");
	store_test_sql(db,
	    "INSERT INTO email_codes (application_id, "
	    "code_hash, created_at, expires_at, state) VALUES "
	    "('app_sj_lap', '\\x00', now(), now(), 'live')");
	/* Before the window ends: none. */
	CU_ASSERT_EQUAL(store_proof_lapse_due(db, 1800000000, &ids, &n, &p), 0);
	CU_ASSERT_EQUAL(n, 0);
	store_lapse_ids_free(ids);
	CU_ASSERT_EQUAL(store_proof_lapse_due(db, 1800000001, &ids, &n, &p), 0);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_STRING_EQUAL(ids[0], "app_sj_lap");
	store_lapse_ids_free(ids);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM applications WHERE id = "
	                    "'app_sj_lap' AND status = 'lapsed'"),
	    1);
	CU_ASSERT_EQUAL(store_email_codes_end(db, "app_sj_lap", &p), 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM email_codes WHERE "
	                    "application_id = 'app_sj_lap' AND state = 'dead'"),
	    1);
	store_test_sql(db, "ROLLBACK");
	db_free(db);
}

static void
test_mail_code(void)
{
	struct db *db = store_test_db();
	struct mail_app_row app;
	struct mail_code_row c;
	struct problem p;
	unsigned char h1[32], h2[32];
	char id[STORE_JOBS_ID_MAX], job[32], sql[512];
	time_t deadline;
	long long jobid;

	problem_clear(&p);
	memset(h1, 0x11, sizeof(h1));
	memset(h2, 0x22, sizeof(h2));
	store_test_sql(db, "BEGIN");
	app_insert(db, "app_sj_mail", "email_pending", "nist-800-63",
	    "identity-software", "NULL");
	CU_ASSERT_EQUAL(store_mail_app_lock(db, "app_sj_mail", &app, &p), 1);
	CU_ASSERT_STRING_EQUAL(app.status, "email_pending");
	CU_ASSERT_STRING_EQUAL(app.email, "app_sj_mail@example.org");
	CU_ASSERT_STRING_EQUAL(app.given, "Ada");
	CU_ASSERT_EQUAL(app.verify_by, 1800000000);
	CU_ASSERT_EQUAL(app.nist, 1);
	CU_ASSERT_EQUAL(store_mail_app_lock(db, "app_sj_nomail", &app, &p), 0);

	jobid = store_test_count(db,
	    "INSERT INTO jobs (kind, application_id, run_at, created_at, "
	    "updated_at) VALUES ('email.code', 'app_sj_mail', now(), now(), "
	    "now()) RETURNING id");
	snprintf(job, sizeof(job), "%lld", jobid);
	/* No code yet: the end of the e-mail window. */
	CU_ASSERT_EQUAL(
	    store_mail_code_deadline(db, job, "app_sj_mail", &deadline, &p), 0);
	CU_ASSERT_EQUAL(deadline, 1800000000);
	CU_ASSERT_EQUAL(
	    store_mail_code_deadline(db, job, "app_sj_nomail", &deadline, &p),
	    0);
	CU_ASSERT_EQUAL(deadline, 0); /* NULL */
	CU_ASSERT_EQUAL(
	    store_mail_code_superseded(db, "app_sj_mail", job, &p), 0);
	CU_ASSERT_EQUAL(
	    store_mail_code_of_job(db, "app_sj_mail", job, &c, &p), 0);

	CU_ASSERT_EQUAL(store_mail_code_insert(db, "app_sj_mail", h1, 32,
	                    1700000000, 1700086400, job, id, sizeof(id), &p),
	    0);
	CU_ASSERT(id[0] != '\0');
	CU_ASSERT_EQUAL(
	    store_mail_code_deadline(db, job, "app_sj_mail", &deadline, &p), 0);
	CU_ASSERT_EQUAL(deadline, 1700086400);
	CU_ASSERT_EQUAL(
	    store_mail_code_of_job(db, "app_sj_mail", job, &c, &p), 1);
	CU_ASSERT_STRING_EQUAL(c.id, id);
	CU_ASSERT_EQUAL(c.expires, 1700086400);
	CU_ASSERT_EQUAL(c.maybe_sent, 1);
	CU_ASSERT_EQUAL(store_mail_code_unsent(db, id, &p), 0);
	CU_ASSERT_EQUAL(
	    store_mail_code_of_job(db, "app_sj_mail", job, &c, &p), 1);
	CU_ASSERT_EQUAL(c.maybe_sent, 0);
	/* Not mailed: the new hash replaces it; mailed: it is kept. */
	CU_ASSERT_EQUAL(store_mail_code_rehash(db, id, h2, 32, 0, 128, &p), 0);
	snprintf(sql, sizeof(sql),
	    "SELECT count(*) FROM email_codes WHERE id = %s AND code_hash = "
	    "'\\x%s'::bytea AND earlier_hashes = '' AND maybe_sent",
	    id,
	    "2222222222222222222222222222222222222222222222222222222222222222");
	CU_ASSERT_EQUAL(store_test_count(db, sql), 1);
	CU_ASSERT_EQUAL(store_mail_code_rehash(db, id, h1, 32, 1, 128, &p), 0);
	snprintf(sql, sizeof(sql),
	    "SELECT length(earlier_hashes) FROM email_codes WHERE id = %s", id);
	CU_ASSERT_EQUAL(store_test_count(db, sql), 32);

	CU_ASSERT_EQUAL(store_mail_sent(db, "app_sj_mail", 1700000100, &p), 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM applications WHERE id = "
	                    "'app_sj_mail' AND email_last_sent_at = "
	                    "to_timestamp(1700000100)"),
	    1);
	/* A resend: a newer job. */
	store_test_sql(db,
	    "INSERT INTO jobs (kind, application_id, run_at, created_at, "
	    "updated_at) VALUES ('email.code', 'app_sj_mail', now(), now(), "
	    "now())");
	CU_ASSERT_EQUAL(
	    store_mail_code_superseded(db, "app_sj_mail", job, &p), 1);
	store_test_sql(db, "ROLLBACK");
	db_free(db);
}

static void
test_job_rows(void)
{
	struct db *db = store_test_db(), *other = store_test_db();
	struct outbox_stats st;
	struct job_row row;
	struct problem p;
	char state[16];
	long long next;
	long n;

	problem_clear(&p);
	store_test_sql(db, "BEGIN");
	store_test_sql(db, "DELETE FROM jobs");
	CU_ASSERT_EQUAL(store_job_claim(db, 1800000000000LL, &row, &p), 0);
	CU_ASSERT_EQUAL(store_job_queued(db, &n, &next, &p), 0);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(next, 0); /* NULL */
	CU_ASSERT_EQUAL(store_outbox_stats(db, &st, &p), 0);
	CU_ASSERT_EQUAL(st.queued, 0);
	CU_ASSERT_EQUAL(st.oldest, 0); /* NULL */
	CU_ASSERT_EQUAL(st.dead, 0);
	app_insert(
	    db, "app_sj_job", "proofing", "igc", "identity-software", "NULL");
	/* A job of an application with a payload, one without either. */
	CU_ASSERT_EQUAL(store_job_insert(db, "email.code", "app_sj_job",
	                    "{\"a\": 1}", 1800000000, 5, 1700000000, &p),
	    0);
	CU_ASSERT_EQUAL(store_job_insert_once(
	                    db, "crl.refresh", 1800000500, 3, 1700000001, &p),
	    0);
	CU_ASSERT_EQUAL(store_job_insert_once(
	                    db, "crl.refresh", 1800000500, 3, 1700000001, &p),
	    0);
	CU_ASSERT_EQUAL(store_job_queued(db, &n, &next, &p), 0);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(next, 1800000000000LL); /* the earlier of the two */
	store_test_sql(db,
	    "INSERT INTO jobs (kind, run_at, max_attempts, created_at, "
	    "updated_at) VALUES ('test.frac', to_timestamp(1799999998.25), 1, "
	    "now(), now())");
	CU_ASSERT_EQUAL(store_job_queued(db, &n, &next, &p), 0);
	CU_ASSERT_EQUAL(next, 1799999998250LL); /* in milliseconds */
	/* Due at its millisecond, not at the second's. */
	CU_ASSERT_EQUAL(store_job_claim(db, 1799999998249LL, &row, &p), 0);
	CU_ASSERT_EQUAL(store_job_claim(db, 1799999998250LL, &row, &p), 1);
	store_job_row_free(&row);
	store_test_sql(db, "DELETE FROM jobs WHERE kind = 'test.frac'");
	CU_ASSERT_EQUAL(store_outbox_stats(db, &st, &p), 0);
	CU_ASSERT_EQUAL(st.queued, 1);
	CU_ASSERT_EQUAL(st.oldest, 1700000000);
	/* Not yet due. */
	CU_ASSERT_EQUAL(store_job_claim(db, 1799999999000LL, &row, &p), 0);
	CU_ASSERT_EQUAL(store_job_claim(db, 1800000000000LL, &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.kind, "email.code");
	CU_ASSERT_STRING_EQUAL(row.app, "app_sj_job");
	CU_ASSERT_EQUAL(row.attempts, 0);
	CU_ASSERT_EQUAL(row.max_attempts, 5);
	CU_ASSERT_STRING_EQUAL(row.payload, "{\"a\": 1}");
	CU_ASSERT_EQUAL(row.expires, 0); /* NULL */
	CU_ASSERT_EQUAL(row.created, 1700000000);
	/* A failed try of a mail in an outage, before its deadline. */
	CU_ASSERT_EQUAL(
	    store_job_retry(db, row.id, 1800000100000LL, "smtp: down",
	        1800000000, 1800000050, 1, state, sizeof(state), &p),
	    0);
	CU_ASSERT_STRING_EQUAL(state, "queued");
	CU_ASSERT_EQUAL(
	    store_job_lease(db, row.id, 1800000200, 1800000001, &p), 0);
	store_job_row_free(&row);
	store_job_row_free(NULL);
	CU_ASSERT_EQUAL(store_job_claim(db, 1800000199000LL, &row, &p), 0);
	CU_ASSERT_EQUAL(store_job_claim(db, 1800000200000LL, &row, &p), 1);
	CU_ASSERT_EQUAL(row.attempts, 1);
	CU_ASSERT_EQUAL(row.expires, 1800000050);
	CU_ASSERT_EQUAL(store_job_relock(db, row.id, &p), 1);
	CU_ASSERT_EQUAL(store_job_done(db, row.id, 1800000200, &p), 0);
	CU_ASSERT_EQUAL(store_job_relock(db, row.id, &p), 0); /* done */
	store_job_row_free(&row);
	/* The job without application and payload. */
	CU_ASSERT_EQUAL(store_job_claim(db, 1800000499000LL, &row, &p), 0);
	CU_ASSERT_EQUAL(store_job_claim(db, 1800000500000LL, &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.kind, "crl.refresh");
	CU_ASSERT_STRING_EQUAL(row.app, "");
	CU_ASSERT_STRING_EQUAL(row.payload, "{}");
	CU_ASSERT_EQUAL(row.max_attempts, 3);
	CU_ASSERT_EQUAL(store_job_retry(db, row.id, 1800000300000LL, "x",
	                    1800000200, 0, 0, state, sizeof(state), &p),
	    0);
	CU_ASSERT_STRING_EQUAL(state, "queued");
	CU_ASSERT_EQUAL(store_job_kill(db, row.id, 1800000201, "gone", &p), 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM jobs WHERE kind = "
	                    "'crl.refresh' AND state = 'dead' AND last_error = "
	                    "'x'"),
	    1);
	CU_ASSERT_EQUAL(store_job_retry(db, "999999999", 1800000300000LL, "x",
	                    1800000200, 0, 0, state, sizeof(state), &p),
	    0);
	CU_ASSERT_STRING_EQUAL(state, ""); /* no such job */
	store_job_row_free(&row);
	store_test_sql(db, "ROLLBACK");
	/* A job another connection holds locked for a moment (a claim looking
	 * at it) is waited for, not taken for gone: relocking gives up only
	 * when the lock outlasts lock_timeout, and succeeds once it is
	 * released. */
	store_test_sql(db, "BEGIN");
	store_test_sql(db, "DELETE FROM jobs");
	CU_ASSERT_EQUAL(store_job_insert(db, "email.code", NULL, NULL,
	                    1800000000, 5, 1700000000, &p),
	    0);
	store_test_sql(db, "COMMIT");
	store_test_sql(db, "BEGIN");
	CU_ASSERT_EQUAL_FATAL(
	    store_job_claim(db, 1800000000000LL, &row, &p), 1);
	store_test_sql(other, "BEGIN");
	store_test_sql(other, "SET LOCAL lock_timeout = '100ms'");
	CU_ASSERT_EQUAL(store_job_relock(other, row.id, &p), -1);
	problem_clear(&p);
	store_test_sql(other, "ROLLBACK");
	store_test_sql(db, "COMMIT");
	store_test_sql(other, "BEGIN");
	CU_ASSERT_EQUAL(store_job_relock(other, row.id, &p), 1);
	store_test_sql(other, "ROLLBACK");
	store_test_sql(db, "DELETE FROM jobs");
	store_job_row_free(&row);
	db_free(other);
	db_free(db);
}

/* 1 if db has a transaction open, 0 if not. */
static int
in_tx(struct db *db)
{
	return PQtransactionStatus(db_conn(db)) != PQTRANS_IDLE;
}

/* A job of kind queued and claimed by db in a runner's transaction
 * (BEGIN sent): its id into id. */
static void
claim_new(struct db *db, const char *kind, char *id, size_t idsz)
{
	struct job_row row;
	struct problem p;

	problem_clear(&p);
	CU_ASSERT_EQUAL(store_job_insert(db, kind, NULL, NULL, 1800000000, 5,
	                    1700000000, &p),
	    0);
	store_test_sql(db, "BEGIN");
	CU_ASSERT_EQUAL_FATAL(
	    store_job_claim(db, 1800000000000LL, &row, &p), 1);
	snprintf(id, idsz, "%s", row.id);
	store_job_row_free(&row);
}

static void
test_job_pause_resume(void)
{
	struct db *db = store_test_db(), *other = store_test_db();
	struct job_row row;
	struct problem p;
	char id[32];

	problem_clear(&p);
	store_test_sql(db, "DELETE FROM jobs");
	/* The runner's transaction: a claim and a handler's write, then a
	 * pause before its outbound call. */
	claim_new(db, "email.code", id, sizeof(id));
	store_test_sql(db, "UPDATE jobs SET last_error = 'before the call'");
	CU_ASSERT_EQUAL(store_job_pause(db, id, 1800000300, 1800000001, &p), 0);
	/* Committed: no transaction open, the write and the lease seen by
	 * another connection, which claims the job only after the lease. */
	CU_ASSERT_EQUAL(in_tx(db), 0);
	CU_ASSERT_EQUAL(store_test_count(other,
	                    "SELECT count(*) FROM jobs WHERE last_error = "
	                    "'before the call' AND run_at = "
	                    "to_timestamp(1800000300)"),
	    1);
	store_test_sql(other, "BEGIN");
	CU_ASSERT_EQUAL(store_job_claim(other, 1800000299000LL, &row, &p), 0);
	store_test_sql(other, "ROLLBACK");
	/* Resumed: a new transaction with the job locked and a savepoint
	 * to roll back the handler's try to. */
	CU_ASSERT_EQUAL(store_job_resume(db, id, 1800000300, &p), 1);
	CU_ASSERT_EQUAL(in_tx(db), 1);
	store_test_sql(other, "BEGIN");
	store_test_sql(other, "SET LOCAL lock_timeout = '100ms'");
	CU_ASSERT_EQUAL(store_job_relock(other, id, &p), -1);
	problem_clear(&p);
	store_test_sql(other, "ROLLBACK");
	store_test_sql(db, "UPDATE jobs SET last_error = 'after the call'");
	store_test_sql(db, "ROLLBACK TO SAVEPOINT step");
	CU_ASSERT_EQUAL(store_job_done(db, id, 1800000002, &p), 0);
	store_test_sql(db, "COMMIT");
	CU_ASSERT_EQUAL(store_test_count(other,
	                    "SELECT count(*) FROM jobs WHERE state = 'done' "
	                    "AND last_error = 'before the call'"),
	    1);
	/* A job no longer queued is not resumed, and nothing stays open. */
	CU_ASSERT_EQUAL(store_job_resume(db, id, 1800000300, &p), 0);
	CU_ASSERT_EQUAL(in_tx(db), 0);
	/* Nor is one that another runner holds (after lock_timeout). */
	store_test_sql(db, "UPDATE jobs SET state = 'queued'");
	store_test_sql(db, "SET lock_timeout = '100ms'");
	store_test_sql(other, "BEGIN");
	CU_ASSERT_EQUAL(store_job_relock(other, id, &p), 1);
	CU_ASSERT_EQUAL(store_job_resume(db, id, 1800000300, &p), -1);
	CU_ASSERT_EQUAL(in_tx(db), 0);
	problem_clear(&p);
	store_test_sql(other, "ROLLBACK");
	store_test_sql(db, "RESET lock_timeout");
	/* A pause that fails rolls the runner's transaction back. */
	store_test_sql(db, "BEGIN");
	store_test_sql(db, "UPDATE jobs SET last_error = 'lost'");
	CU_ASSERT_EQUAL(
	    store_job_pause(db, "not a number", 1800000300, 1800000001, &p),
	    -1);
	problem_clear(&p);
	CU_ASSERT_EQUAL(in_tx(db), 0);
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM jobs WHERE last_error = "
	                    "'lost'"),
	    0);
	store_test_sql(db, "DELETE FROM jobs");
	db_free(other);
	db_free(db);
}

/* A runner whose call outlasted its lease: another runner claimed the
 * job once the lease ran out and holds it under a lease of its own (no
 * lock, in its own call).  The first runner's resume finds the job still
 * queued and unlocked, but not under its lease: it is not resumed, and
 * writes nothing drawn from what it read before the other's try. */
static void
test_job_lease_lost(void)
{
	struct db *db = store_test_db(), *other = store_test_db();
	struct job_row row;
	struct problem p;
	char id[32];

	problem_clear(&p);
	/* A lock it should not meet fails the test at once, not by hanging. */
	store_test_sql(other, "SET lock_timeout = '1s'");
	store_test_sql(db, "DELETE FROM jobs");
	claim_new(db, "email.code", id, sizeof(id));
	CU_ASSERT_EQUAL(store_job_pause(db, id, 1800000300, 1800000001, &p), 0);
	store_test_sql(other, "BEGIN");
	CU_ASSERT_EQUAL_FATAL(
	    store_job_claim(other, 1800000300000LL, &row, &p), 1);
	CU_ASSERT_STRING_EQUAL(row.id, id);
	store_job_row_free(&row);
	CU_ASSERT_EQUAL(
	    store_job_pause(other, id, 1800000600, 1800000300, &p), 0);
	CU_ASSERT_EQUAL(store_job_resume(db, id, 1800000300, &p), 0);
	CU_ASSERT_EQUAL(in_tx(db), 0);
	/* The runner that holds the lease resumes; any lease (0) is a
	 * resume before a pause. */
	CU_ASSERT_EQUAL(store_job_resume(other, id, 1800000600, &p), 1);
	store_test_sql(other, "ROLLBACK");
	CU_ASSERT_EQUAL(store_job_resume(db, id, 0, &p), 1);
	store_test_sql(db, "ROLLBACK");
	store_test_sql(db, "DELETE FROM jobs");
	db_free(other);
	db_free(db);
}

struct heard {
	char channels[4][64]; /* in order */
	int n;                /* heard */
};

static void
hear(const char *channel, void *arg)
{
	struct heard *h = arg;

	if (h->n < 4)
		snprintf(
		    h->channels[h->n], sizeof(h->channels[0]), "%s", channel);
	h->n++;
}

/* Reads l until want notifications were heard, or for a few seconds:
 * the last store_listen_read's result. */
static int
listen_until(struct store_listen *l, struct heard *h, int want)
{
	struct pollfd pfd;
	int i, rc = 0;

	for (i = 0; i < 50 && h->n < want && rc == 0; i++) {
		pfd.fd = store_listen_fd(l);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 100) == 1)
			rc = store_listen_read(l, hear, h);
	}
	return rc;
}

static void
test_job_listen(void)
{
	const char *url = getenv("RXCA_TEST_DATABASE_URL");
	const char *mine[] = {"rxca_store_test"};
	const char *bad[] = {"rxca_store_test", "Bad; DROP TABLE jobs"};
	const char *empty[] = {""};
	struct db *db = store_test_db();
	struct store_listen *l;
	struct heard h;

	CU_ASSERT_FATAL(url != NULL);
	/* Refused: a channel that is no plain name, a database not there. */
	CU_ASSERT_PTR_NULL(store_listen_open(url, bad, 2));
	CU_ASSERT_PTR_NULL(store_listen_open(url, empty, 1));
	CU_ASSERT_PTR_NULL(store_listen_open(
	    "postgresql:///rxca_no_such_database?host=/nonexistent", mine, 1));
	store_listen_close(NULL);
	l = store_listen_open(url, mine, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT(store_listen_fd(l) >= 0);
	/* Nothing yet: a read hears nothing and keeps the connection. */
	memset(&h, 0, sizeof(h));
	CU_ASSERT_EQUAL(store_listen_read(l, hear, &h), 0);
	CU_ASSERT_EQUAL(h.n, 0);
	/* The jobs channel and a registered one, in order; not others. */
	store_test_sql(db, "SELECT pg_notify('rxca_elsewhere', '')");
	store_test_sql(db, "SELECT pg_notify('rxca_store_test', 'x')");
	store_test_sql(db, "NOTIFY rxca_jobs");
	CU_ASSERT_EQUAL(listen_until(l, &h, 2), 0);
	CU_ASSERT_EQUAL_FATAL(h.n, 2);
	CU_ASSERT_STRING_EQUAL(h.channels[0], "rxca_store_test");
	CU_ASSERT_STRING_EQUAL(h.channels[1], "rxca_jobs");
	/* A connection lost is told as such. */
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(pg_terminate_backend(pid)) FROM "
	                    "pg_stat_activity WHERE pid <> pg_backend_pid() "
	                    "AND query = 'LISTEN rxca_store_test'"),
	    1);
	CU_ASSERT_EQUAL(listen_until(l, &h, 3), -1);
	store_listen_close(l);
	db_free(db);
}

/* The rows of jobs that db's transaction has read so far, by any scan. */
static long long
jobs_rows_read(struct db *db)
{
	return store_test_count(db,
	    "SELECT coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)), "
	    "0) FROM pg_stat_xact_user_tables WHERE relname = 'jobs'");
}

/*
 * A claim reads the jobs it skips (locked by other runners) and the one it
 * takes, not every queued job: a backlog of jobs due in the same second
 * (run_at has a second's resolution) was read whole, and sorted by id, on
 * every claim of every runner (issue 19: the CPU a check costs grew with
 * the number of nodes).
 */
static void
test_job_claim_reads(void)
{
	struct db *db = store_test_db(), *other[3];
	struct job_row row, held[3];
	struct problem p;
	long long before, read;
	int i;

	problem_clear(&p);
	store_test_sql(db, "DELETE FROM jobs");
	store_test_sql(db,
	    "INSERT INTO jobs (kind, run_at, max_attempts, created_at, "
	    "updated_at) SELECT 'identity.check', to_timestamp(1800000000), "
	    "9, now(), now() FROM generate_series(1, 2000)");
	/* Other runners hold the first three (a runner's own lock does not
	 * make it skip a row: one connection each). */
	for (i = 0; i < 3; i++) {
		other[i] = store_test_db();
		store_test_sql(other[i], "BEGIN");
		CU_ASSERT_EQUAL_FATAL(
		    store_job_claim(other[i], 1800000000000LL, &held[i], &p),
		    1);
	}
	store_test_sql(db, "BEGIN");
	before = jobs_rows_read(db);
	CU_ASSERT_EQUAL_FATAL(
	    store_job_claim(db, 1800000000000LL, &row, &p), 1);
	read = jobs_rows_read(db) - before;
	CU_ASSERT(read >= 1 && read <= 8);
	if (read > 8)
		fprintf(stderr, "a claim read %lld jobs\n", read);
	/* It took the next in order: the fourth. */
	CU_ASSERT_EQUAL(strtoll(row.id, NULL, 10),
	    store_test_count(
	        db, "SELECT id FROM jobs ORDER BY id OFFSET 3 LIMIT 1"));
	store_test_sql(db, "ROLLBACK");
	store_job_row_free(&row);
	for (i = 0; i < 3; i++) {
		store_test_sql(other[i], "ROLLBACK");
		store_job_row_free(&held[i]);
		db_free(other[i]);
	}
	store_test_sql(db, "DELETE FROM jobs");
	db_free(db);
}

/* Queues a job due at 1800000000 on db, outside any transaction of its. */
static void
job_queue(struct db *db)
{
	struct problem p;

	problem_clear(&p);
	CU_ASSERT_EQUAL(store_job_insert(db, "crl.refresh", NULL, NULL,
	                    1800000000, 3, 1700000000, &p),
	    0);
}

/* What l hears up to the NOTIFY rxca_store_test that db sends now: the
 * first channel heard, into first (of 64 bytes). */
static void
heard_first(struct store_listen *l, struct db *db, char *first)
{
	struct heard h;
	int i, n = -1, marker = 0;

	memset(&h, 0, sizeof(h));
	store_test_sql(db, "NOTIFY rxca_store_test");
	/* until the marker, or nothing more within a few seconds */
	while (!marker && h.n < 4 && h.n > n) {
		n = h.n;
		if (listen_until(l, &h, n + 1) == -1)
			break;
		for (i = 0; i < h.n && i < 4; i++)
			marker |= strcmp(h.channels[i], "rxca_store_test") == 0;
	}
	CU_ASSERT(marker);
	snprintf(first, 64, "%s", h.n > 0 ? h.channels[0] : "");
}

/* A LISTEN connection on channels (and rxca_jobs), the jobs table
 * emptied through db first. */
static struct store_listen *
listening(struct db *db, const char *const *channels, size_t n)
{
	const char *url = getenv("RXCA_TEST_DATABASE_URL");
	struct store_listen *l;

	CU_ASSERT_FATAL(url != NULL);
	store_test_sql(db, "DELETE FROM jobs");
	l = store_listen_open(url, channels, n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	return l;
}

/* A job queued by hand-written SQL on db's connection, not by the store. */
static void
job_queue_sql(struct db *db)
{
	store_test_sql(db,
	    "INSERT INTO jobs (kind, run_at, max_attempts, created_at, "
	    "updated_at) VALUES ('crl.refresh', now(), 3, now(), now())");
}

/*
 * The jobs a runner's transaction queues (after a claim, or a relock on
 * resuming) wake no runner: the runner claims them itself, and each wake-up
 * sent every node's runners to a claim that found nothing (issue 19).  Jobs
 * queued elsewhere, and later transactions of the same connection, do.
 */
static void
test_job_runner_quiet(void)
{
	const char *mine[] = {"rxca_store_test"};
	struct db *db = store_test_db();
	struct store_listen *l = listening(db, mine, 1);
	struct job_row row;
	struct problem p;
	char first[64];

	problem_clear(&p);
	/* Queued by no runner: heard. */
	job_queue(db);
	heard_first(l, db, first);
	CU_ASSERT_STRING_EQUAL(first, "rxca_jobs");
	/* Queued by the runner that claimed a job: not heard. */
	CU_ASSERT_FATAL(db_begin(db, &p) == 0);
	CU_ASSERT_EQUAL_FATAL(
	    store_job_claim(db, 1800000000000LL, &row, &p), 1);
	job_queue(db);
	CU_ASSERT(db_commit(db, &p) == 0);
	heard_first(l, db, first);
	CU_ASSERT_STRING_EQUAL(first, "rxca_store_test");
	/* Nor after a relock (a job resumed after its outbound call). */
	CU_ASSERT_FATAL(db_begin(db, &p) == 0);
	CU_ASSERT_EQUAL(store_job_relock(db, row.id, &p), 1);
	job_queue(db);
	CU_ASSERT(db_commit(db, &p) == 0);
	heard_first(l, db, first);
	CU_ASSERT_STRING_EQUAL(first, "rxca_store_test");
	/* The next transaction of the connection is no runner's. */
	CU_ASSERT_FATAL(db_begin(db, &p) == 0);
	job_queue(db);
	CU_ASSERT(db_commit(db, &p) == 0);
	heard_first(l, db, first);
	CU_ASSERT_STRING_EQUAL(first, "rxca_jobs");
	store_job_row_free(&row);
	store_listen_close(l);
	store_test_sql(db, "DELETE FROM jobs");
	db_free(db);
}

/*
 * A transaction that queues a job or changes a pre-signed response wakes
 * the listeners after its COMMIT, from a transaction of its own: one that
 * notified itself took PostgreSQL's one notify lock at COMMIT and held it
 * through its WAL flush, so that the notifying commits of every node
 * waited for one another's flush (issue 19).  The triggers leave the
 * NOTIFY to rxca's own connections (migration 0042) and still send it for
 * any other writer (psql, a node of an older version).
 */
static void
test_job_wake_after_commit(void)
{
	const char *mine[] = {"rxca_store_test", "rxca_ocsp"};
	struct db *db = store_test_db(), *other = store_test_db();
	struct store_listen *l = listening(db, mine, 2);
	struct problem p;
	unsigned char serial[STORE_PKI_SERIAL_LEN] = {0x7f};
	char first[64];

	problem_clear(&p);
	/* Nothing is heard while the transaction is open, ... */
	CU_ASSERT_FATAL(db_begin(db, &p) == 0);
	job_queue(db);
	heard_first(l, other, first);
	CU_ASSERT_STRING_EQUAL(first, "rxca_store_test");
	/* ... the wake-up once it has committed ... */
	CU_ASSERT(db_commit(db, &p) == 0);
	heard_first(l, other, first);
	CU_ASSERT_STRING_EQUAL(first, "rxca_jobs");
	/* ... and nothing if it rolled back. */
	CU_ASSERT_FATAL(db_begin(db, &p) == 0);
	job_queue(db);
	db_rollback(db);
	heard_first(l, other, first);
	CU_ASSERT_STRING_EQUAL(first, "rxca_store_test");
	/* A pre-signed response changed: the OCSP listeners are woken. */
	CU_ASSERT_FATAL(db_begin(db, &p) == 0);
	CU_ASSERT(store_ocsp_expire(db, serial, 1700000000, &p) == 0);
	CU_ASSERT(db_commit(db, &p) == 0);
	heard_first(l, other, first);
	CU_ASSERT_STRING_EQUAL(first, "rxca_ocsp");
	/* The trigger sends no NOTIFY inside an rxca connection's
	 * transaction (this one queues its job by hand), ... */
	job_queue_sql(db);
	heard_first(l, other, first);
	CU_ASSERT_STRING_EQUAL(first, "rxca_store_test");
	/* ... but does for any other writer. */
	store_test_sql(other, "SET rxca.wake_after_commit = off");
	job_queue_sql(other);
	heard_first(l, other, first);
	CU_ASSERT_STRING_EQUAL(first, "rxca_jobs");
	store_listen_close(l);
	store_test_sql(db, "DELETE FROM jobs");
	db_free(other);
	db_free(db);
}

/*
 * A job's life in few round trips (issue 19): the claim with the savepoint
 * its job runs under, the lease of a job about to call out with its
 * COMMIT, the relock after the call with its savepoint, one each (two
 * each before); the runner's figures for /metrics in one (two before).
 * The savepoints are real: a rollback to them keeps the job locked.
 */
/* The job's work undone (rolled back to its savepoint), and the row still
 * locked by db: other cannot take it. */
static void
undo_step_keep_lock(struct db *db, struct db *other, const char *id)
{
	struct problem p;

	problem_clear(&p);
	store_test_sql(db, "UPDATE jobs SET last_error = 'undone'");
	store_test_sql(db, "ROLLBACK TO SAVEPOINT step");
	store_test_sql(other, "BEGIN");
	store_test_sql(other, "SET LOCAL lock_timeout = '50ms'");
	CU_ASSERT_EQUAL(store_job_relock(other, id, &p), -1);
	store_test_sql(other, "ROLLBACK");
}

static void
test_job_round_trips(void)
{
	struct db *db = store_test_db(), *other = store_test_db();
	FILE *trace = tmpfile();
	struct outbox_stats st, st1;
	struct job_row row;
	struct problem p;
	char id[32];
	long n, n1;
	long long next = 0, next1 = 0;
	int i;

	problem_clear(&p);
	CU_ASSERT_FATAL(trace != NULL);
	store_test_sql(db, "DELETE FROM jobs");
	store_test_trace(db, trace);
	/* The first round prepares the statements (in the same round
	 * trips); the second finds them. */
	for (i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL(store_job_insert(db, "email.code", NULL, NULL,
		                    1800000000, 5, 1700000000, &p),
		    0);
		(void)store_test_round_trips(trace);
		CU_ASSERT_FATAL(db_begin(db, &p) == 0);
		CU_ASSERT_EQUAL_FATAL(
		    store_job_claim(db, 1800000000000LL, &row, &p), 1);
		CU_ASSERT_EQUAL(store_test_round_trips(trace), 1);
		snprintf(id, sizeof(id), "%s", row.id);
		store_job_row_free(&row);
		undo_step_keep_lock(db, other, id);
		(void)store_test_round_trips(trace);
		CU_ASSERT_EQUAL(
		    store_job_pause(db, id, 1800000300, 1800000001, &p), 0);
		CU_ASSERT_EQUAL(store_test_round_trips(trace), 1);
		CU_ASSERT_EQUAL(store_test_count(other,
		                    "SELECT count(*) FROM jobs WHERE run_at = "
		                    "to_timestamp(1800000300) AND state = "
		                    "'queued' AND last_error IS NULL"),
		    1);
		(void)store_test_round_trips(trace);
		CU_ASSERT_EQUAL(store_job_resume(db, id, 1800000300, &p), 1);
		CU_ASSERT_EQUAL(store_test_round_trips(trace), 1);
		undo_step_keep_lock(db, other, id);
		CU_ASSERT_EQUAL(store_job_done(db, id, 1800000002, &p), 0);
		CU_ASSERT(db_commit(db, &p) == 0);
	}
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM jobs WHERE state = 'done' "
	                    "AND last_error IS NULL"),
	    2);
	/* The figures, as read one by one. */
	for (i = 0; i < 2; i++)
		CU_ASSERT_EQUAL(store_job_insert(db, "email.issued", NULL, NULL,
		                    1800000000, 5, 1700000000 + 5 * i, &p),
		    0);
	CU_ASSERT_EQUAL(store_job_insert(db, "crl.refresh", NULL, NULL,
	                    1800000000, 5, 1700000000, &p),
	    0);
	store_test_sql(db,
	    "UPDATE jobs SET state = 'dead' WHERE id = "
	    "(SELECT min(id) FROM jobs WHERE kind = "
	    "'email.issued')");
	(void)store_test_round_trips(trace);
	CU_ASSERT_EQUAL(store_job_stats(db, &n, &next, &st, &p), 0);
	CU_ASSERT_EQUAL(store_test_round_trips(trace), 1);
	CU_ASSERT_EQUAL(store_job_queued(db, &n1, &next1, &p), 0);
	CU_ASSERT(next != 0);
	CU_ASSERT_EQUAL(next, next1);
	CU_ASSERT_EQUAL(store_outbox_stats(db, &st1, &p), 0);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(n, n1);
	CU_ASSERT_EQUAL(st.queued, 1);
	CU_ASSERT_EQUAL(st.queued, st1.queued);
	CU_ASSERT_EQUAL(st.oldest, 1700000005);
	CU_ASSERT_EQUAL(st.oldest, st1.oldest);
	CU_ASSERT_EQUAL(st.dead, 1);
	CU_ASSERT_EQUAL(st.dead, st1.dead);
	PQuntrace(db_conn(db));
	fclose(trace);
	store_test_sql(db, "DELETE FROM jobs");
	db_free(other);
	db_free(db);
}

/*
 * The pause of a handler that wrote nothing (jobs_pause_unwritten): its
 * COMMIT does not wait for the WAL flush; store_job_pause's does.  A
 * deferred trigger records each lease's commit mode.
 */
static void
test_job_pause_unflushed(void)
{
	struct db *db = store_test_db();
	struct problem p;
	char id[32];
	int i;

	problem_clear(&p);
	store_test_sql(db, "DELETE FROM jobs");
	/* the test cluster runs with it off (ops/rxca-dev): on here */
	store_test_sql(db, "SET synchronous_commit = on");
	store_test_sql(
	    db, "CREATE TABLE test_lease_modes (n serial, mode text)");
	store_test_sql(db,
	    "CREATE FUNCTION test_lease_mode() RETURNS trigger LANGUAGE "
	    "plpgsql AS $$ BEGIN INSERT INTO test_lease_modes (mode) VALUES "
	    "(current_setting('synchronous_commit')); RETURN NULL; END $$");
	store_test_sql(db,
	    "CREATE CONSTRAINT TRIGGER test_lease_mode AFTER UPDATE ON jobs "
	    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN "
	    "(NEW.run_at = to_timestamp(1800000300)) EXECUTE FUNCTION "
	    "test_lease_mode()");
	for (i = 0; i < 2; i++) {
		claim_new(db, "identity.check", id, sizeof(id));
		CU_ASSERT_EQUAL(i == 0
		        ? store_job_pause_unflushed(
		              db, id, 1800000300, 1800000001, &p)
		        : store_job_pause(db, id, 1800000300, 1800000001, &p),
		    0);
		CU_ASSERT_EQUAL(in_tx(db), 0);
		store_test_sql(db, "DELETE FROM jobs");
	}
	CU_ASSERT_EQUAL(store_test_count(db,
	                    "SELECT count(*) FROM test_lease_modes WHERE "
	                    "(n, mode) IN ((1, 'off'), (2, 'on'))"),
	    2);
	CU_ASSERT_EQUAL(
	    store_test_count(db, "SELECT count(*) FROM test_lease_modes"), 2);
	store_test_sql(db, "DROP TRIGGER test_lease_mode ON jobs");
	store_test_sql(db, "DROP FUNCTION test_lease_mode()");
	store_test_sql(db, "DROP TABLE test_lease_modes");
	db_free(db);
}

void
test_store_add_jobs(void)
{
	CU_pSuite s = CU_add_suite("jobs", NULL, NULL);

	CU_add_test(
	    s, "the application of an identity check", test_proof_app_lock);
	CU_add_test(s, "identity_checks rows", test_proof_checks);
	CU_add_test(s, "what an identity check reads first, in one round trip",
	    test_proof_app_open);
	CU_add_test(s, "a decision, its mail and its kit", test_proof_decision);
	CU_add_test(s, "lapse of an unverified application", test_proof_lapse);
	CU_add_test(s, "the codes of a code mail", test_mail_code);
	CU_add_test(s, "the runner's rows", test_job_rows);
	CU_add_test(s, "a job paused and resumed", test_job_pause_resume);
	CU_add_test(
	    s, "a lease that ran out is not resumed", test_job_lease_lost);
	CU_add_test(s, "a pause that wrote nothing does not wait for the disk",
	    test_job_pause_unflushed);
	CU_add_test(s, "a claim reads what it skips and takes, no more",
	    test_job_claim_reads);
	CU_add_test(s, "the runner's LISTEN connection", test_job_listen);
	CU_add_test(s, "a job's claim, pause and resume, one round trip each",
	    test_job_round_trips);
	CU_add_test(s, "the jobs a runner queues wake no runner",
	    test_job_runner_quiet);
	CU_add_test(s, "listeners are woken after COMMIT, outside it",
	    test_job_wake_after_commit);
}
