/* Credential eligibility and re-linking: see api/service/credential.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/service/credential.h"
#include "api/service/webhook.h"
#include "api/store/tx.h"
#include "common/rand.h"
#include "proofing/eligibility.h"

json_t *
credential_eligibility(struct db *db, const char *serial, time_t now,
    struct cred_facts_row *facts, struct problem *p)
{
	struct cred_facts_row f;
	struct elig_facts ef;
	struct elig_result r;
	json_t *o, *reasons;
	int found, i;

	if ((found = store_cred_facts(db, serial, &f, p)) == -1)
		return NULL;
	if (found == 0) {
		problem_set(
		    p, 404, "not-found", "Not found", "No such certificate.");
		return NULL;
	}
	memset(&ef, 0, sizeof(ef));
	ef.product = f.product;
	ef.product_epcs = f.product_epcs;
	ef.product_hardware = f.product_hardware;
	ef.evidence_required = f.evidence_required;
	ef.key_evidence = f.key_evidence;
	ef.chain_ok = strcmp(f.state, "signing") != 0 && f.not_before <= now;
	ef.revoked = strcmp(f.state, "revoked") == 0;
	ef.expired = now >= f.not_after;
	ef.has_dea = f.has_dea;
	ef.sandbox = f.sandbox;
	eligibility_decide(&ef, &r);
	reasons = json_array();
	for (i = 0; i < r.nreasons; i++)
		json_array_append_new(reasons,
		    json_string(eligibility_reason_name(r.reasons[i])));
	o = json_pack("{s:s, s:s, s:b, s:o, s:s, s:o}", "product", f.product,
	    "assurance", r.assurance, "epcs_eligible", r.epcs_eligible,
	    "reasons", reasons, "key_evidence_required", f.evidence_required,
	    "superseded_by",
	    f.superseded_by[0] != '\0' ? json_string(f.superseded_by)
	                               : json_null());
	if (facts != NULL)
		*facts = f;
	return o;
}

int
credential_practice_eligible(const json_t *elig)
{
	const json_t *reasons = json_object_get(elig, "reasons");
	const char *only;

	if (json_is_true(json_object_get(elig, "epcs_eligible")))
		return 1;
	if (json_array_size(reasons) != 1 ||
	    (only = json_string_value(json_array_get(reasons, 0))) == NULL)
		return 0;
	return strcmp(only, eligibility_reason_name(ELIG_SANDBOX)) == 0;
}

int
credential_eligibility_into(struct db *db, const char *serial, time_t now,
    json_t *obj, struct problem *p)
{
	json_t *e;

	if ((e = credential_eligibility(db, serial, now, NULL, p)) == NULL)
		return -1;
	json_object_update(obj, e);
	json_decref(e);
	return 0;
}

/* One renewed link: the new link, the old disabled, audit, event. */
static int
relink_one(struct tx *tx, const struct relink_row *old, const char *new_serial,
    const char *app, time_t now, struct problem *p)
{
	struct db *db = tx_db(tx);
	struct link_row nl;
	long long others = 0;
	json_t *details, *data;
	int rc;

	memset(&nl, 0, sizeof(nl));
	rand_id("lnk_", nl.id, sizeof(nl.id));
	snprintf(nl.practice, sizeof(nl.practice), "%s", old->link.practice);
	snprintf(nl.user, sizeof(nl.user), "%s", old->link.user);
	snprintf(nl.serial, sizeof(nl.serial), "%s", new_serial);
	snprintf(nl.renewed_from, sizeof(nl.renewed_from), "%s", old->link.id);
	nl.trusted = 1;
	if (strcmp(old->renewal, "carry") == 0 && old->link.approved) {
		nl.approved = 1;
		snprintf(nl.approved_how, sizeof(nl.approved_how), "carried");
	} else if (old->link.approved) {
		if (store_link_approved_count(db, old->partner,
		        old->link.practice, old->link.id, &others, p) == -1)
			return -1;
		if (others == 0) {
			nl.approved = 1;
			snprintf(
			    nl.approved_how, sizeof(nl.approved_how), "first");
		}
	}
	if (store_link_insert(db, old->partner, &nl, now, p) == -1 ||
	    store_link_disable(db, old->link.id, "renewed", nl.id, now, p) ==
	        -1)
		return -1;
	details = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "partner",
	    old->partner, "practice", nl.practice, "old_link", old->link.id,
	    "old_serial", old->link.serial, "new_serial", new_serial,
	    "approved", nl.approved);
	rc = tx_audit(tx, "credential.relinked", nl.id, details, p);
	json_decref(details);
	if (rc == -1)
		return -1;
	data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s}",
	    "old_serial", old->link.serial, "new_serial", new_serial,
	    "practice", nl.practice, "user", nl.user, "old_link", old->link.id,
	    "new_link", nl.id, "approved", nl.approved, "renewal",
	    old->renewal);
	if (credential_eligibility_into(db, new_serial, now, data, p) == -1) {
		json_decref(data);
		return -1;
	}
	rc = webhook_emit(db, "credential.renewed", app, data, now, p);
	json_decref(data);
	return rc;
}

int
credential_relink(struct tx *tx, const char *old_serial, const char *new_serial,
    time_t now, struct problem *p)
{
	struct relink_row *rows = NULL;
	struct cred_facts_row f;
	int i, n = 0, rc = -1, found;

	if (store_links_of_cert(tx_db(tx), old_serial, &rows, &n, p) == -1)
		goto out;
	if (n == 0) {
		rc = 0;
		goto out;
	}
	if ((found = store_cred_facts(tx_db(tx), new_serial, &f, p)) != 1) {
		if (found == 0)
			problem_internal(p);
		goto out;
	}
	for (i = 0; i < n; i++)
		if (relink_one(tx, &rows[i], new_serial, f.app, now, p) == -1)
			goto out;
	rc = 0;
out:
	free(rows);
	return rc;
}
