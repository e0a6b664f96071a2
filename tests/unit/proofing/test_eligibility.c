/* Unit tests of proofing/eligibility.c: a table of certificates' facts,
 * each with the reasons it must give, and the names of the reasons. */
#include <string.h>

#include <CUnit/Basic.h>

#include "proofing/eligibility.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))
#define R(x)      (1u << (x))

/* A valid EPCS hardware certificate with client-asserted evidence. */
#define GOOD                                                                   \
	"epcs-hardware", 1, 1, "client-asserted", "client-asserted", 1, 0, 0,  \
	    1, 0

static const struct {
	const char *name;
	struct elig_facts f;
	const char *assurance;
	unsigned want; /* R(reason) bits */
} cases[] = {
    {"hardware EPCS valid", {GOOD}, "hardware", 0},
    {"attested above client-asserted",
        {"epcs-hardware", 1, 1, "client-asserted", "attested", 1, 0, 0, 1, 0},
        "hardware", 0},
    {"software product",
        {"identity-software", 0, 0, "none", "none", 1, 0, 0, 1, 0}, "software",
        R(ELIG_SOFTWARE_PRODUCT)},
    {"epcs product on software keys",
        {"x", 1, 0, "none", "none", 1, 0, 0, 1, 0}, "software",
        R(ELIG_SOFTWARE_PRODUCT)},
    {"hardware not for EPCS", {"x", 0, 1, "none", "none", 1, 0, 0, 1, 0},
        "hardware", R(ELIG_SOFTWARE_PRODUCT)},
    {"revoked",
        {"epcs-hardware", 1, 1, "client-asserted", "client-asserted", 1, 1, 0,
            1, 0},
        "hardware", R(ELIG_REVOKED)},
    {"expired",
        {"epcs-hardware", 1, 1, "client-asserted", "client-asserted", 0, 0, 1,
            1, 0},
        "hardware", R(ELIG_NOT_VALID) | R(ELIG_EXPIRED)},
    {"missing DEA",
        {"epcs-hardware", 1, 1, "client-asserted", "client-asserted", 1, 0, 0,
            0, 0},
        "hardware", R(ELIG_DEA_MISSING)},
    {"evidence below the requirement",
        {"epcs-hardware", 1, 1, "attested", "client-asserted", 1, 0, 0, 1, 0},
        "hardware", R(ELIG_EVIDENCE_TOO_WEAK)},
    {"no evidence where asserted needed",
        {"epcs-hardware", 1, 1, "client-asserted", "none", 1, 0, 0, 1, 0},
        "hardware", R(ELIG_EVIDENCE_TOO_WEAK)},
    {"unknown evidence kind",
        {"epcs-hardware", 1, 1, "client-asserted", "hearsay", 1, 0, 0, 1, 0},
        "hardware", R(ELIG_EVIDENCE_TOO_WEAK)},
    {"unknown requirement never met",
        {"epcs-hardware", 1, 1, "notarised", "attested", 1, 0, 0, 1, 0},
        "hardware", R(ELIG_EVIDENCE_TOO_WEAK)},
    {"not chained",
        {"epcs-hardware", 1, 1, "client-asserted", "client-asserted", 0, 0, 0,
            1, 0},
        "hardware", R(ELIG_NOT_VALID)},
    {"the sandbox's test CA",
        {"epcs-hardware", 1, 1, "client-asserted", "client-asserted", 1, 0, 0,
            1, 1},
        "hardware", R(ELIG_SANDBOX)},
    {"everything wrong",
        {"identity-software", 0, 0, "attested", NULL, 0, 1, 1, 0, 1},
        "software",
        R(ELIG_NOT_VALID) | R(ELIG_REVOKED) | R(ELIG_EXPIRED) |
            R(ELIG_SOFTWARE_PRODUCT) | R(ELIG_DEA_MISSING) |
            R(ELIG_EVIDENCE_TOO_WEAK) | R(ELIG_SANDBOX)},
};

static void
test_cases(void)
{
	struct elig_result r;
	unsigned got;
	size_t i;
	int j;

	for (i = 0; i < NITEMS(cases); i++) {
		eligibility_decide(&cases[i].f, &r);
		got = 0;
		for (j = 0; j < r.nreasons; j++) {
			/* In enum order, each once. */
			if (j > 0)
				CU_ASSERT(r.reasons[j] > r.reasons[j - 1]);
			got |= R(r.reasons[j]);
		}
		if (got != cases[i].want)
			fprintf(stderr, "case \"%s\": reasons %#x, want %#x\n",
			    cases[i].name, got, cases[i].want);
		CU_ASSERT_EQUAL(got, cases[i].want);
		CU_ASSERT_EQUAL(r.epcs_eligible, cases[i].want == 0);
		CU_ASSERT_STRING_EQUAL(r.assurance, cases[i].assurance);
		CU_ASSERT_PTR_EQUAL(r.product, cases[i].f.product);
	}
}

static void
test_names(void)
{
	static const char *const names[ELIG_NREASONS] = {"not-valid", "revoked",
	    "expired", "software-product", "dea-missing",
	    "key-evidence-insufficient", "sandbox"};
	int i;

	for (i = 0; i < ELIG_NREASONS; i++)
		CU_ASSERT_STRING_EQUAL(
		    eligibility_reason_name((enum elig_reason)i), names[i]);
	CU_ASSERT_STRING_EQUAL(
	    eligibility_reason_name((enum elig_reason)ELIG_NREASONS),
	    "unknown");
	CU_ASSERT_STRING_EQUAL(
	    eligibility_reason_name((enum elig_reason) - 1), "unknown");
	CU_ASSERT_EQUAL(eligibility_evidence_rank("none"), 0);
	CU_ASSERT_EQUAL(eligibility_evidence_rank("client-asserted"), 1);
	CU_ASSERT_EQUAL(eligibility_evidence_rank("attested"), 2);
	CU_ASSERT_EQUAL(eligibility_evidence_rank("Attested"), -1);
	CU_ASSERT_EQUAL(eligibility_evidence_rank(NULL), -1);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("eligibility", NULL, NULL);
	CU_add_test(s, "cases", test_cases);
	CU_add_test(s, "reason names", test_names);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed != 0;
}
