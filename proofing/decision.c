#include "proofing/decision.h"

#define MSG_APPROVED "Your identity has been verified."
#define MSG_NOT_VERIFIED                                                       \
	"Your identity could not be verified against independent data "        \
	"sources."
#define MSG_DEA "A DEA registration number is required for EPCS."
#define MSG_REVIEW                                                             \
	"Your application needs a review by a CA operator; this usually "      \
	"takes 3 to 5 days."

static void
set(struct decision *out, enum verdict v, const char *code, const char *msg)
{
	out->verdict = v;
	out->code = code;
	out->message = msg;
}

void
decision_make(const struct decision_input *in, struct decision *out)
{
	int min = in->policy == POLICY_NIST ? DECISION_MIN_SCORE_NIST
	                                    : DECISION_MIN_SCORE_IGC;

	if (in->epcs && !in->has_dea)
		set(out, VERDICT_REJECT, "dea_required", MSG_DEA);
	else if (!in->idv_answered)
		set(out, VERDICT_REVIEW, "idv_unavailable", MSG_REVIEW);
	else if (in->idv.decision == IDV_FAIL)
		set(out, VERDICT_REJECT, "identity_not_verified",
		    MSG_NOT_VERIFIED);
	else if (in->idv.decision != IDV_PASS)
		set(out, VERDICT_REVIEW, "idv_review", MSG_REVIEW);
	else if (in->idv.score < min)
		set(out, VERDICT_REVIEW, "low_score", MSG_REVIEW);
	else if (!in->avs_answered || in->avs == AVS_UNAVAILABLE)
		set(out, VERDICT_REVIEW, "avs_unavailable", MSG_REVIEW);
	else if (in->avs == AVS_NO_MATCH)
		set(out, VERDICT_REVIEW, "address_mismatch", MSG_REVIEW);
	else if (in->avs == AVS_PARTIAL && in->policy == POLICY_NIST)
		set(out, VERDICT_REVIEW, "address_partial", MSG_REVIEW);
	else if (in->avs == AVS_PARTIAL || in->avs == AVS_MATCH)
		set(out, VERDICT_APPROVE, "verified", MSG_APPROVED);
	else
		set(out, VERDICT_REVIEW, "avs_unavailable", MSG_REVIEW);
}

void
decision_duplicate(struct decision *out)
{
	if (out->verdict == VERDICT_APPROVE)
		set(out, VERDICT_REVIEW, "duplicate", MSG_REVIEW);
}

const char *
decision_verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_APPROVE:
		return "approve";
	case VERDICT_REJECT:
		return "reject";
	case VERDICT_REVIEW:
		return "review";
	}
	return "review";
}
