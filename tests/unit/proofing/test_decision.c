/* Unit tests of proofing/decision.c: one table of cases covering every rule
 * under both policies and the score boundaries, then every combination of
 * inputs for the properties that hold for all of them. */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "proofing/decision.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

#define IGC  POLICY_IGC
#define NIST POLICY_NIST

#define PASS IDV_PASS
#define FAIL IDV_FAIL
#define REVW IDV_REVIEW

#define MATCH AVS_MATCH
#define PART  AVS_PARTIAL
#define NOMAT AVS_NO_MATCH
#define UNAV  AVS_UNAVAILABLE

#define APPROVE VERDICT_APPROVE
#define REJECT  VERDICT_REJECT
#define REVIEW  VERDICT_REVIEW

static const struct {
	enum policy policy;
	int epcs, has_dea;
	int idv_answered;
	enum idv_decision idv;
	int score;
	int avs_answered;
	enum avs_result avs;
	enum verdict verdict;
	const char *code;
} cases[] = {
    /* 9: a pass and a full match approve */
    {IGC, 0, 0, 1, PASS, 90, 1, MATCH, APPROVE, "verified"},
    {NIST, 0, 0, 1, PASS, 90, 1, MATCH, APPROVE, "verified"},
    {IGC, 1, 1, 1, PASS, 90, 1, MATCH, APPROVE, "verified"},
    {NIST, 1, 1, 1, PASS, 90, 1, MATCH, APPROVE, "verified"},
    /* a DEA number is needed for EPCS only */
    {IGC, 0, 1, 1, PASS, 90, 1, MATCH, APPROVE, "verified"},
    {NIST, 0, 1, 1, PASS, 90, 1, MATCH, APPROVE, "verified"},

    /* 1: EPCS without a DEA number rejects, before everything else */
    {IGC, 1, 0, 1, PASS, 100, 1, MATCH, REJECT, "dea_required"},
    {NIST, 1, 0, 1, PASS, 100, 1, MATCH, REJECT, "dea_required"},
    {IGC, 1, 0, 0, PASS, 0, 0, MATCH, REJECT, "dea_required"},
    {NIST, 1, 0, 0, PASS, 0, 0, MATCH, REJECT, "dea_required"},
    {IGC, 1, 0, 1, REVW, 50, 1, NOMAT, REJECT, "dea_required"},
    {NIST, 1, 0, 1, FAIL, 0, 1, UNAV, REJECT, "dea_required"},

    /* 2: no IDV answer reviews, even with a good AVS answer */
    {IGC, 0, 0, 0, PASS, 100, 1, MATCH, REVIEW, "idv_unavailable"},
    {NIST, 0, 0, 0, PASS, 100, 1, MATCH, REVIEW, "idv_unavailable"},
    {IGC, 1, 1, 0, PASS, 100, 1, MATCH, REVIEW, "idv_unavailable"},
    {NIST, 1, 1, 0, PASS, 100, 1, MATCH, REVIEW, "idv_unavailable"},
    /* ... and it wins over what the stale idv holds */
    {IGC, 0, 0, 0, FAIL, 0, 1, MATCH, REVIEW, "idv_unavailable"},
    {NIST, 0, 0, 0, FAIL, 0, 0, MATCH, REVIEW, "idv_unavailable"},

    /* 3: an IDV fail rejects, whatever the score and the address */
    {IGC, 0, 0, 1, FAIL, 0, 1, MATCH, REJECT, "identity_not_verified"},
    {NIST, 0, 0, 1, FAIL, 0, 1, MATCH, REJECT, "identity_not_verified"},
    {IGC, 0, 0, 1, FAIL, 100, 1, MATCH, REJECT, "identity_not_verified"},
    {NIST, 0, 0, 1, FAIL, 100, 1, MATCH, REJECT, "identity_not_verified"},
    {IGC, 1, 1, 1, FAIL, 90, 0, MATCH, REJECT, "identity_not_verified"},
    {NIST, 1, 1, 1, FAIL, 90, 1, NOMAT, REJECT, "identity_not_verified"},

    /* 4: an IDV review reviews, even at 100 with a match */
    {IGC, 0, 0, 1, REVW, 100, 1, MATCH, REVIEW, "idv_review"},
    {NIST, 0, 0, 1, REVW, 100, 1, MATCH, REVIEW, "idv_review"},
    {IGC, 0, 0, 1, REVW, 0, 1, NOMAT, REVIEW, "idv_review"},
    {NIST, 0, 0, 1, REVW, 50, 0, MATCH, REVIEW, "idv_review"},

    /* 5: the minimum score, igc 70 */
    {IGC, 0, 0, 1, PASS, 0, 1, MATCH, REVIEW, "low_score"},
    {IGC, 0, 0, 1, PASS, 69, 1, MATCH, REVIEW, "low_score"},
    {IGC, 0, 0, 1, PASS, 70, 1, MATCH, APPROVE, "verified"},
    {IGC, 0, 0, 1, PASS, 84, 1, MATCH, APPROVE, "verified"},
    {IGC, 0, 0, 1, PASS, 100, 1, MATCH, APPROVE, "verified"},
    /* ... nist-800-63 85 */
    {NIST, 0, 0, 1, PASS, 0, 1, MATCH, REVIEW, "low_score"},
    {NIST, 0, 0, 1, PASS, 70, 1, MATCH, REVIEW, "low_score"},
    {NIST, 0, 0, 1, PASS, 84, 1, MATCH, REVIEW, "low_score"},
    {NIST, 0, 0, 1, PASS, 85, 1, MATCH, APPROVE, "verified"},
    {NIST, 0, 0, 1, PASS, 100, 1, MATCH, APPROVE, "verified"},
    /* ... and a low score is decided before the address */
    {IGC, 0, 0, 1, PASS, 69, 1, NOMAT, REVIEW, "low_score"},
    {NIST, 0, 0, 1, PASS, 84, 0, MATCH, REVIEW, "low_score"},

    /* 6: no AVS answer, or "unavailable", reviews */
    {IGC, 0, 0, 1, PASS, 100, 0, MATCH, REVIEW, "avs_unavailable"},
    {NIST, 0, 0, 1, PASS, 100, 0, MATCH, REVIEW, "avs_unavailable"},
    {IGC, 0, 0, 1, PASS, 100, 0, PART, REVIEW, "avs_unavailable"},
    {IGC, 0, 0, 1, PASS, 100, 1, UNAV, REVIEW, "avs_unavailable"},
    {NIST, 0, 0, 1, PASS, 100, 1, UNAV, REVIEW, "avs_unavailable"},
    {IGC, 1, 1, 1, PASS, 70, 1, UNAV, REVIEW, "avs_unavailable"},
    {NIST, 1, 1, 1, PASS, 85, 0, MATCH, REVIEW, "avs_unavailable"},

    /* 7: an address that does not match reviews */
    {IGC, 0, 0, 1, PASS, 100, 1, NOMAT, REVIEW, "address_mismatch"},
    {NIST, 0, 0, 1, PASS, 100, 1, NOMAT, REVIEW, "address_mismatch"},
    {IGC, 0, 0, 1, PASS, 70, 1, NOMAT, REVIEW, "address_mismatch"},
    {NIST, 0, 0, 1, PASS, 85, 1, NOMAT, REVIEW, "address_mismatch"},

    /* 8: a partial match approves under igc, reviews under nist */
    {IGC, 0, 0, 1, PASS, 100, 1, PART, APPROVE, "verified"},
    {IGC, 0, 0, 1, PASS, 70, 1, PART, APPROVE, "verified"},
    {IGC, 1, 1, 1, PASS, 90, 1, PART, APPROVE, "verified"},
    {NIST, 0, 0, 1, PASS, 100, 1, PART, REVIEW, "address_partial"},
    {NIST, 0, 0, 1, PASS, 85, 1, PART, REVIEW, "address_partial"},
    {NIST, 1, 1, 1, PASS, 90, 1, PART, REVIEW, "address_partial"},
};

/* Reason codes a provider might send; none may reach the applicant. */
static const char *const reasons[] = {"ssn_mismatch", "dob_mismatch",
    "name_mismatch", "identity_not_found", "deceased_flag",
    "synthetic_identity_risk", "watchlist_hit", "phone_not_linked",
    "address_not_found", "thin_file"};

static const int scores[] = {0, 1, 69, 70, 71, 84, 85, 86, 99, 100};

static void
fill_reasons(struct idv_answer *a)
{
	size_t i;

	for (i = 0; i < NITEMS(reasons); i++) {
		snprintf(
		    a->reasons[i], sizeof(a->reasons[i]), "%s", reasons[i]);
	}
	a->nreasons = (int)NITEMS(reasons);
}

static const char *
policy_name(enum policy pol)
{
	return pol == POLICY_NIST ? "nist-800-63" : "igc";
}

static void
test_table(void)
{
	struct decision_input in;
	struct decision d;
	size_t i;
	int ok;

	for (i = 0; i < NITEMS(cases); i++) {
		memset(&in, 0, sizeof(in));
		in.policy = cases[i].policy;
		in.epcs = cases[i].epcs;
		in.has_dea = cases[i].has_dea;
		in.idv_answered = cases[i].idv_answered;
		in.idv.decision = cases[i].idv;
		in.idv.score = cases[i].score;
		fill_reasons(&in.idv);
		in.avs_answered = cases[i].avs_answered;
		in.avs = cases[i].avs;
		memset(&d, 0, sizeof(d));
		decision_make(&in, &d);
		ok = d.verdict == cases[i].verdict && d.code != NULL &&
		    strcmp(d.code, cases[i].code) == 0;
		if (!ok)
			fprintf(stderr,
			    "\ncase %zu (%s epcs=%d dea=%d idv=%d:%s/%d "
			    "avs=%d:%s): got %s/%s, want %s/%s\n",
			    i, policy_name(in.policy), in.epcs, in.has_dea,
			    in.idv_answered, idcheck_idv_name(in.idv.decision),
			    in.idv.score, in.avs_answered,
			    idcheck_avs_name(in.avs),
			    decision_verdict_name(d.verdict),
			    d.code != NULL ? d.code : "(null)",
			    decision_verdict_name(cases[i].verdict),
			    cases[i].code);
		CU_ASSERT(ok);
	}
}

/* Number of input combinations each_input() visits. */
#define NCOMBOS (2 * 2 * 2 * 2 * 3 * NITEMS(scores) * 2 * 4)

/* Calls f on the decision for every combination of the inputs. */
static void
each_input(void (*f)(const struct decision_input *, const struct decision *))
{
	struct decision_input in;
	struct decision d;
	size_t k, r;

	for (k = 0; k < NCOMBOS; k++) {
		r = k;
		memset(&in, 0, sizeof(in));
		in.policy = r % 2 == 0 ? POLICY_IGC : POLICY_NIST;
		r /= 2;
		in.epcs = (int)(r % 2);
		r /= 2;
		in.has_dea = (int)(r % 2);
		r /= 2;
		in.idv_answered = (int)(r % 2);
		r /= 2;
		in.idv.decision = (enum idv_decision)(r % 3);
		r /= 3;
		in.idv.score = scores[r % NITEMS(scores)];
		r /= NITEMS(scores);
		fill_reasons(&in.idv);
		in.avs_answered = (int)(r % 2);
		r /= 2;
		in.avs = (enum avs_result)(r % 4);
		memset(&d, 0, sizeof(d));
		decision_make(&in, &d);
		f(&in, &d);
	}
}

static unsigned long ncalls;

static void
check_unanswered(const struct decision_input *in, const struct decision *d)
{
	ncalls++;
	if (in->idv_answered && in->avs_answered)
		return;
	CU_ASSERT(d->verdict != VERDICT_APPROVE);
}

static void
check_message(const struct decision_input *in, const struct decision *d)
{
	size_t i;

	(void)in;
	ncalls++;
	CU_ASSERT_PTR_NOT_NULL_FATAL(d->message);
	CU_ASSERT(d->message[0] != '\0');
	for (i = 0; i < NITEMS(reasons); i++)
		CU_ASSERT_PTR_NULL(strstr(d->message, reasons[i]));
	/* reason codes are [a-z0-9_]: no message looks like one */
	CU_ASSERT_PTR_NULL(strchr(d->message, '_'));
	CU_ASSERT_PTR_NOT_NULL(d->code);
	if (d->code != NULL)
		CU_ASSERT(d->code[0] != '\0');
	CU_ASSERT(d->verdict == VERDICT_APPROVE ||
	    d->verdict == VERDICT_REJECT || d->verdict == VERDICT_REVIEW);
}

static void
test_unanswered_never_approves(void)
{
	ncalls = 0;
	each_input(check_unanswered);
	CU_ASSERT_EQUAL(ncalls, NCOMBOS);
}

static void
test_messages(void)
{
	ncalls = 0;
	each_input(check_message);
	CU_ASSERT_EQUAL(ncalls, NCOMBOS);
}

/* Only a pass at or over the minimum and a good enough address approves. */
static void
check_approve_needs_all(
    const struct decision_input *in, const struct decision *d)
{
	int min = in->policy == POLICY_NIST ? DECISION_MIN_SCORE_NIST
	                                    : DECISION_MIN_SCORE_IGC;
	int want = (!in->epcs || in->has_dea) && in->idv_answered &&
	    in->idv.decision == IDV_PASS && in->idv.score >= min &&
	    in->avs_answered &&
	    (in->avs == AVS_MATCH ||
	        (in->avs == AVS_PARTIAL && in->policy == POLICY_IGC));

	CU_ASSERT_EQUAL(d->verdict == VERDICT_APPROVE, want);
}

static void
test_approve_needs_all(void)
{
	each_input(check_approve_needs_all);
}

/* Rule 10: a duplicate never approves, and changes nothing else. */
static void
check_duplicate(const struct decision_input *in, const struct decision *d)
{
	struct decision dup = *d;

	(void)in;
	decision_duplicate(&dup);
	CU_ASSERT_NOT_EQUAL(dup.verdict, VERDICT_APPROVE);
	if (d->verdict == VERDICT_APPROVE) {
		CU_ASSERT_EQUAL(dup.verdict, VERDICT_REVIEW);
		CU_ASSERT_STRING_EQUAL(dup.code, "duplicate");
		CU_ASSERT_PTR_NOT_NULL(strstr(dup.message, "review"));
	} else {
		CU_ASSERT_EQUAL(dup.verdict, d->verdict);
		CU_ASSERT_PTR_EQUAL(dup.code, d->code);
		CU_ASSERT_PTR_EQUAL(dup.message, d->message);
	}
}

static void
test_duplicate(void)
{
	each_input(check_duplicate);
}

static void
test_min_scores(void)
{
	CU_ASSERT_EQUAL(DECISION_MIN_SCORE_IGC, 70);
	CU_ASSERT_EQUAL(DECISION_MIN_SCORE_NIST, 85);
}

static void
test_verdict_names(void)
{
	CU_ASSERT_STRING_EQUAL(
	    decision_verdict_name(VERDICT_APPROVE), "approve");
	CU_ASSERT_STRING_EQUAL(decision_verdict_name(VERDICT_REJECT), "reject");
	CU_ASSERT_STRING_EQUAL(decision_verdict_name(VERDICT_REVIEW), "review");
	/* an unknown verdict is never named "approve" */
	CU_ASSERT_STRING_EQUAL(
	    decision_verdict_name((enum verdict)42), "review");
	CU_ASSERT_STRING_EQUAL(
	    decision_verdict_name((enum verdict) - 1), "review");
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("decision", NULL, NULL);
	CU_add_test(s, "table of cases", test_table);
	CU_add_test(
	    s, "unanswered never approves", test_unanswered_never_approves);
	CU_add_test(s, "messages", test_messages);
	CU_add_test(s, "approve needs every rule", test_approve_needs_all);
	CU_add_test(s, "minimum scores", test_min_scores);
	CU_add_test(s, "a duplicate reviews", test_duplicate);
	CU_add_test(s, "verdict names", test_verdict_names);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
