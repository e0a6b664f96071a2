/*
 * EPCS eligibility of a credential (proofing/eligibility.h): a table of
 * the reasons, each with its name and the test that makes it hold.
 */
#include <stddef.h>
#include <string.h>

#include "proofing/eligibility.h"

static const char *const evidence_kinds[] = {
    "none", "client-asserted", "attested"};

int
eligibility_evidence_rank(const char *kind)
{
	size_t i;

	for (i = 0; kind != NULL &&
	     i < sizeof(evidence_kinds) / sizeof(evidence_kinds[0]);
	     i++)
		if (strcmp(kind, evidence_kinds[i]) == 0)
			return (int)i;
	return -1;
}

/* The certificate's evidence is below what the product requires; an
 * unknown requirement is never met. */
static int
evidence_too_weak(const struct elig_facts *f)
{
	int need = eligibility_evidence_rank(f->evidence_required);
	int have = eligibility_evidence_rank(f->key_evidence);

	return need == -1 || have < need;
}

static int
not_valid(const struct elig_facts *f)
{
	return !f->chain_ok;
}

static int
revoked(const struct elig_facts *f)
{
	return f->revoked;
}

static int
expired(const struct elig_facts *f)
{
	return f->expired;
}

static int
software(const struct elig_facts *f)
{
	return !f->product_epcs || !f->product_hardware;
}

static int
dea_missing(const struct elig_facts *f)
{
	return !f->has_dea;
}

static int
sandbox(const struct elig_facts *f)
{
	return f->sandbox;
}

static const struct {
	enum elig_reason reason;
	const char *name;
	int (*holds)(const struct elig_facts *);
} reasons[ELIG_NREASONS] = {
    {ELIG_NOT_VALID, "not-valid", not_valid},
    {ELIG_REVOKED, "revoked", revoked},
    {ELIG_EXPIRED, "expired", expired},
    {ELIG_SOFTWARE_PRODUCT, "software-product", software},
    {ELIG_DEA_MISSING, "dea-missing", dea_missing},
    {ELIG_EVIDENCE_TOO_WEAK, "key-evidence-insufficient", evidence_too_weak},
    {ELIG_SANDBOX, "sandbox", sandbox},
};

const char *
eligibility_reason_name(enum elig_reason reason)
{
	if ((int)reason < 0 || reason >= ELIG_NREASONS)
		return "unknown";
	return reasons[reason].name;
}

void
eligibility_decide(const struct elig_facts *f, struct elig_result *r)
{
	int i;

	memset(r, 0, sizeof(*r));
	r->product = f->product;
	r->assurance = f->product_hardware ? "hardware" : "software";
	for (i = 0; i < ELIG_NREASONS; i++)
		if (reasons[i].holds(f))
			r->reasons[r->nreasons++] = reasons[i].reason;
	r->epcs_eligible = r->nreasons == 0;
}
