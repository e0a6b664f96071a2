/*
 * Whether a credential may sign controlled-substance prescriptions (21 CFR
 * 1311, issue 16): the facts of a certificate in, the product, assurance,
 * epcs_eligible and the reasons out.  Pure: no database, no clock.
 *
 * epcs_eligible holds only for a certificate that is valid (chains to
 * rxca, inside its validity), not revoked, of an EPCS product whose keys
 * are on hardware, with a DEA number, and whose recorded key evidence is
 * at least what the product requires (none < client-asserted < attested),
 * and not issued by the sandbox's test CA.
 * Every reason that holds is listed, in the order of enum elig_reason.
 */
#ifndef RXCA_ELIGIBILITY_H
#define RXCA_ELIGIBILITY_H

/* Why a credential is not EPCS-eligible. */
enum elig_reason {
	ELIG_NOT_VALID, /* "not-valid": does not chain or not yet valid */
	ELIG_REVOKED,   /* "revoked" */
	ELIG_EXPIRED,   /* "expired": its notAfter has passed */
	ELIG_SOFTWARE_PRODUCT,  /* "software-product": not an EPCS hardware one
	                         */
	ELIG_DEA_MISSING,       /* "dea-missing" */
	ELIG_EVIDENCE_TOO_WEAK, /* "key-evidence-insufficient" */
	ELIG_SANDBOX,           /* "sandbox": the sandbox's test CA issued it */
	ELIG_NREASONS
};

/* The facts about one certificate. */
struct elig_facts {
	const char *product;  /* product code */
	int product_epcs;     /* the product is for EPCS */
	int product_hardware; /* its keys are on a hardware token */
	const char
	    *evidence_required;   /* "none", "client-asserted", "attested" */
	const char *key_evidence; /* the certificate's, same names */
	int chain_ok;             /* chains to rxca and notBefore <= now */
	int revoked;              /* it was revoked */
	int expired;              /* now is past notAfter */
	int has_dea;              /* the application has a DEA number */
	int sandbox; /* issued by the sandbox's test CA, which no relying
	                party trusts */
};

/* The decision. */
struct elig_result {
	const char *product;                     /* facts->product (borrowed) */
	const char *assurance;                   /* "hardware" or "software" */
	int epcs_eligible;                       /* no reason holds */
	int nreasons;                            /* entries in reasons */
	enum elig_reason reasons[ELIG_NREASONS]; /* in enum order */
};

/* Decides for f into r.  Pure. */
void eligibility_decide(const struct elig_facts *f, struct elig_result *r);

/* The reason's name as the API shows it ("revoked", ...). */
const char *eligibility_reason_name(enum elig_reason reason);

/* Rank of a key evidence kind (none 0, client-asserted 1, attested 2), -1
 * for an unknown name. */
int eligibility_evidence_rank(const char *kind);

#endif
