/* Unit tests of api/jobs/jobs.c: the job-kind table that the domains register
 * (refusals, and the tries and back-off of every kind), table-driven. */
#include <string.h>

#include <CUnit/Basic.h>

#include "api/config.h"
#include "api/jobs/jobkinds.h"
#include "api/jobs/jobs.h"
#include "api/service/mailjob.h"
#include "api/service/partner.h"
#include "api/service/payment.h"
#include "api/service/pki.h"
#include "api/service/proofjob.h"
#include "api/service/renewal.h"
#include "api/routes/routes.h"
#include "api/service/webhook.h"

/* Settings with distinct numbers, so that each comes from where it should. */
static struct config cfg;

static int
register_domains(void)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.job_max_attempts = 7;
	cfg.idv_max_attempts = 5;
	cfg.job_backoff_max = 111;
	cfg.mail_backoff_max = 222;
	cfg.mail_keep_days = 30;
	cfg.kit_days = 90;
	if (mailjob_register() == -1 || proofjob_jobs_register() == -1 ||
	    pki_jobs_register() == -1 || payment_jobs_register() == -1 ||
	    webhook_jobs_register() == -1 || renewal_jobs_register() == -1 ||
	    partner_jobs_register() == -1 || account_jobs_register() == -1)
		return -1;
	return 0;
}

/* Every kind: tries, longest wait, and a mail's deadline from t = 1000
 * (0: none, or one kept in the database). */
static void
test_kinds(void)
{
	static const struct {
		const char *name;
		int attempts, backoff_max, mail;
		long deadline;
	} cases[] = {
	    {JOB_EMAIL_CODE, 7, 222, 1, 0},
	    {JOB_EMAIL_DECISION, 7, 222, 1, 1000 + 90 * 86400L},
	    {JOB_IDENTITY_CHECK, 5 + 3, 111, 0, 0},
	    {JOB_CRL_REFRESH, 10, 111, 0, 0},
	    {JOB_OCSP_REFRESH, 10, 111, 0, 0},
	    {JOB_EMAIL_ROOT_CRL, 10, 222, 1, 1000 + 30 * 86400L},
	    {JOB_WEBHOOK_DELIVER, 30, 111, 0, 0},
	    {JOB_PAYMENT_CAPTURE, 7, 111, 0, 0},
	    {JOB_PAYMENT_REFUND, 7, 111, 0, 0},
	    {JOB_EMAIL_RECEIPT, 7, 222, 1, 1000 + 30 * 86400L},
	    {JOB_EMAIL_RENEWAL, 10, 222, 1, 1000 + 30 * 86400L},
	    {JOB_EMAIL_INVITATION, 7, 222, 1, 1000 + 30 * 86400L},
	    {JOB_EMAIL_UNLOCK, 7, 222, 1, 1000 + 30 * 86400L},
	    {JOB_EMAIL_RESET_CODE, 7, 222, 1, 1000 + 30 * 86400L},
	};
	const struct job_kind *k;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		k = jobs_kind(cases[i].name);
		CU_ASSERT_PTR_NOT_NULL_FATAL(k);
		CU_ASSERT_STRING_EQUAL(k->name, cases[i].name);
		CU_ASSERT_PTR_NOT_NULL(k->run);
		CU_ASSERT_EQUAL(jobs_kind_attempts(k, &cfg), cases[i].attempts);
		CU_ASSERT_EQUAL(jobs_kind_backoff_max_ms(k, &cfg),
		    cases[i].backoff_max * 1000LL);
		CU_ASSERT_EQUAL(jobs_kind_is_mail(k), cases[i].mail);
		CU_ASSERT_EQUAL(
		    (long)jobs_mail_deadline(&cfg, cases[i].name, 1000),
		    cases[i].deadline);
		/* every mail, and only mail, is named email.* */
		CU_ASSERT_EQUAL(
		    strncmp(cases[i].name, "email.", 6) == 0, cases[i].mail);
	}
	/* RXCA_JOB_BACKOFF_MAX_MS, if set, caps the jobs, not the mail. */
	cfg.job_backoff_max_ms = 250;
	CU_ASSERT_EQUAL(
	    jobs_kind_backoff_max_ms(jobs_kind(JOB_IDENTITY_CHECK), &cfg), 250);
	CU_ASSERT_EQUAL(
	    jobs_kind_backoff_max_ms(jobs_kind(JOB_EMAIL_CODE), &cfg), 222000);
	cfg.job_backoff_max_ms = 0;
}

static int
run_nothing(struct app *app, struct db *db, const struct job *job, time_t now,
    struct problem *p)
{
	(void)app;
	(void)db;
	(void)job;
	(void)now;
	(void)p;
	return JOB_DONE;
}

static void
run_nothing_cb(void *arg)
{
	(void)arg;
}

static void
test_refused(void)
{
	static const struct job_kind twice = {
	    .name = JOB_CRL_REFRESH, .run = run_nothing, .max_attempts = 1};
	static const struct job_kind unnamed = {.run = run_nothing};
	static const struct job_kind empty = {.name = "", .run = run_nothing};
	static const struct job_kind nohandler = {.name = "test.none"};
	struct problem p;

	/* a name taken, by one kind or by a whole domain again */
	CU_ASSERT_EQUAL(jobs_register(&twice), -1);
	CU_ASSERT_EQUAL(pki_jobs_register(), -1);
	CU_ASSERT_PTR_NOT_EQUAL(jobs_kind(JOB_CRL_REFRESH), &twice);
	CU_ASSERT_EQUAL(jobs_register(NULL), -1);
	CU_ASSERT_EQUAL(jobs_register(&unnamed), -1);
	CU_ASSERT_EQUAL(jobs_register(&empty), -1);
	CU_ASSERT_EQUAL(jobs_register(&nohandler), -1);
	CU_ASSERT_PTR_NULL(jobs_kind("test.none"));

	/* unknown kinds: not found, not queued (no database is touched) */
	CU_ASSERT_PTR_NULL(jobs_kind("no.such"));
	CU_ASSERT_PTR_NULL(jobs_kind(NULL));
	CU_ASSERT_EQUAL(jobs_mail_deadline(&cfg, "no.such", 1000), 0);
	problem_clear(&p);
	CU_ASSERT_EQUAL(
	    jobs_add(NULL, &cfg, "no.such", NULL, NULL, 1000, &p), -1);
	CU_ASSERT_EQUAL(p.status, 500);
	problem_clear(&p);
	CU_ASSERT_EQUAL(jobs_add_once(NULL, &cfg, "email.nosuch", &p), -1);
	CU_ASSERT_EQUAL(p.status, 500);
	/* a kind whose tries are settings needs them */
	problem_clear(&p);
	CU_ASSERT_EQUAL(
	    jobs_add(NULL, NULL, JOB_EMAIL_CODE, "a", NULL, 1000, &p), -1);
	CU_ASSERT_EQUAL(p.status, 500);

	/* a NOTIFY channel must be a plain name */
	CU_ASSERT_EQUAL(
	    jobs_register_notify("x; DROP", run_nothing_cb, NULL), -1);
	CU_ASSERT_EQUAL(jobs_register_notify("", run_nothing_cb, NULL), -1);
	CU_ASSERT_EQUAL(jobs_register_notify("rxca_test", NULL, NULL), -1);
	CU_ASSERT_EQUAL(
	    jobs_register_notify("rxca_test", run_nothing_cb, NULL), 0);
}

static void
test_backoff(void)
{
	int i;

	/* full jitter in [half, whole] of 2^n, capped at max */
	for (i = 0; i < 64; i++) {
		int w = jobs_backoff(3, 111, (unsigned)i);

		CU_ASSERT(w >= 4 && w <= 8);
		w = jobs_backoff(20, 111, (unsigned)i);
		CU_ASSERT(w >= 55 && w <= 111);
		/* the same in milliseconds, and below a second */
		CU_ASSERT(jobs_backoff_ms(3, 111000, (unsigned)i) >= 4000 &&
		    jobs_backoff_ms(3, 111000, (unsigned)i) <= 8000);
		CU_ASSERT(jobs_backoff_ms(2, 200, (unsigned)i) >= 100 &&
		    jobs_backoff_ms(2, 200, (unsigned)i) <= 200);
		CU_ASSERT_EQUAL(jobs_backoff(1, 1, (unsigned)i), 1);
	}
}

int
main(void)
{
	CU_pSuite s;
	int fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	if (register_domains() == -1)
		return 1;
	s = CU_add_suite("jobs", NULL, NULL);
	CU_add_test(s, "kinds", test_kinds);
	CU_add_test(s, "refused", test_refused);
	CU_add_test(s, "backoff", test_backoff);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures();
	CU_cleanup_registry();
	return fails == 0 ? 0 : 1;
}
