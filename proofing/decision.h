/*
 * The decision rules of identity proofing: from the providers' answers to
 * approve, reject or review, under each policy.  Pure and table-tested
 * (tests/unit/proofing/test_decision.c).  The rules, in order:
 *
 *   1. an EPCS product without a DEA number            -> reject
 *   2. no identity-verification answer                 -> review
 *   3. identity verification says fail                 -> reject
 *   4. identity verification says review               -> review
 *   5. a pass below the policy's minimum score         -> review
 *      (igc 70, nist-800-63 85)
 *   6. no card address answer, or "unavailable"        -> review
 *   7. the card's address does not match               -> review
 *   8. a partial match (postal code only): igc approves, nist-800-63
 *      reviews
 *   9. otherwise (pass and a full match)               -> approve
 *
 * A provider that answered nothing usable never approves: it reviews.
 *
 *  10. an approval of a person with another application under way, or
 *      a valid certificate (same NPI, DEA number, or name and
 *      date of birth: found by the caller)             -> review
 *      (decision_duplicate, under both policies)
 */
#ifndef RXCA_DECISION_H
#define RXCA_DECISION_H

#include "proofing/idcheck.h"
#include "proofing/policy.h"

#define DECISION_MIN_SCORE_IGC  70
#define DECISION_MIN_SCORE_NIST 85

enum verdict { VERDICT_APPROVE, VERDICT_REJECT, VERDICT_REVIEW };

struct decision_input {
	enum policy policy;    /* igc or nist-800-63 */
	int epcs;              /* the product is for EPCS prescribing */
	int has_dea;           /* the application has a DEA number */
	int idv_answered;      /* idv holds a usable answer */
	struct idv_answer idv; /* identity verification */
	int avs_answered;      /* avs holds a usable answer */
	enum avs_result avs;   /* card address verification */
};

struct decision {
	enum verdict verdict; /* what to do */
	const char *code;     /* the rule that decided, e.g. "low_score" */
	const char *message;  /* for the applicant: no provider internals */
};

/* Applies the rules to in.  Never fails. */
void decision_make(const struct decision_input *in, struct decision *out);

/* Rule 10: out, made by decision_make for a person found to have a
 * duplicate, becomes a review (code "duplicate") if it approved; a reject
 * or a review stays as it is. */
void decision_duplicate(struct decision *out);

/* "approve", "reject" or "review". */
const char *decision_verdict_name(enum verdict v);

#endif
