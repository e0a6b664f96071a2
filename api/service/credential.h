/*
 * The EHR's view of a credential (issue 16): its EPCS eligibility
 * (proofing/eligibility.c over the certificate's facts) as the API shows
 * it in verify answers, certificate views, links and credential.* webhook
 * events; and the links that follow a renewal.
 */
#ifndef RXCA_CREDENTIAL_H
#define RXCA_CREDENTIAL_H

#include <time.h>

#include <jansson.h>

#include "api/store/store_practice.h"
#include "common/problem.h"

struct tx;
struct db;

/*
 * The eligibility of certificate serial (32 hex digits) at now:
 *   {"product", "assurance": "hardware"|"software", "epcs_eligible",
 *    "reasons": [...], "key_evidence_required", "superseded_by"}
 * (reasons: proofing/eligibility.h's names; superseded_by: the serial of
 * the certificate that renewed it, or null).  A new reference, with the
 * facts in *facts when not NULL; NULL with p set (404 unknown).
 */
json_t *credential_eligibility(struct db *db, const char *serial, time_t now,
    struct cred_facts_row *facts, struct problem *p);

/*
 * Whether elig (a credential_eligibility object) meets the practices'
 * rules (a first link approved, an approver, an approved link): it is
 * EPCS-eligible, or its one reason is "sandbox", a sandbox credential
 * that would be (the sandbox rehearses the rules; only sandbox keys see
 * its certificates).  1 or 0.
 */
int credential_practice_eligible(const json_t *elig);

/* Adds the members of credential_eligibility(serial) to obj.  0 or -1. */
int credential_eligibility_into(struct db *db, const char *serial, time_t now,
    json_t *obj, struct problem *p);

/*
 * Inside the renewal's unit of work (tx), once certificate new (hex)
 * renewing old (hex) is stored: each enabled link of old gets a link of
 * new for the same practice user, enabled and trusted, approved as the
 * practice's renewal setting says ("carry": as the old link was;
 * "reapprove": not approved, unless the old link was approved and the
 * practice has no other approved link, as for a practice's first link);
 * the old link is disabled ("renewed", superseded_by the new one), both
 * audited, and a credential.renewed event names old and new serial for
 * each partner.  0, or -1 with p set.
 */
int credential_relink(struct tx *tx, const char *old_serial,
    const char *new_serial, time_t now, struct problem *p);

#endif
