/* The sandbox: see api/service/sandbox.h. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api/config.h"
#include "api/service/app.h"
#include "api/service/authority.h"
#include "api/service/partner.h"
#include "api/service/sandbox.h"
#include "api/store/store_partners.h"
#include "api/store/tx.h"
#include "common/logger.h"
#include "common/rand.h"

int
sandbox_partner_tx(struct tx *tx, const char *id, const char *program,
    struct partner_row *out, int *created, struct problem *p)
{
	char code[PARTNER_PROGRAM_MAX + 16], name[SP_NAME_MAX], sid[32];
	struct partner_row live;
	json_t *details;
	int found, used, rc;

	*created = 0;
	if ((found = store_partner_by_id(tx_db(tx), id, 1, &live, p)) == -1)
		return -1;
	if (found == 0)
		return problem_set(
		    p, 404, "not-found", "Not found", "No such partner.");
	if (live.sandbox_of[0] != '\0')
		return problem_set(p, 409, "conflict", "Conflict",
		    "This partner is a sandbox; its live partner is %s.",
		    live.sandbox_of);
	if ((found = store_partner_sandbox(tx_db(tx), id, out, p)) != 0)
		return found == 1 ? 0 : -1;
	if (program == NULL)
		snprintf(code, sizeof(code), "%s%s", live.program,
		    SANDBOX_PROGRAM_SUFFIX);
	else
		snprintf(code, sizeof(code), "%s", program);
	/* The default of a live code near the limit is too long: the
	 * operator names one (the live code is never cut, so that the two
	 * stay told apart). */
	if (program == NULL && strlen(code) > PARTNER_PROGRAM_MAX)
		return problem_field(p, "program",
		    "required here: the default %s would be %zu characters, "
		    "more than %d; give a shorter code",
		    code, strlen(code), PARTNER_PROGRAM_MAX);
	if (!partner_program_valid(code))
		return problem_field(p, "program",
		    "%s is not 1 to %d lower-case letters, digits or hyphens",
		    code, PARTNER_PROGRAM_MAX);
	if ((used = store_program_claim(tx_db(tx), code, p)) == -1)
		return -1;
	if (used)
		return problem_set(p, 409, "conflict", "Conflict",
		    "Applications name program %s already; choose another "
		    "code for the sandbox.",
		    code);
	rand_id("prt_", sid, sizeof(sid));
	snprintf(
	    name, sizeof(name), "%.*s (sandbox)", PARTNER_NAME_MAX, live.name);
	if (store_partner_insert(
	        tx_db(tx), sid, name, code, id, tx->now, tx->actor, p) == -1) {
		if (p->status == 409)
			problem_set(p, 409, "conflict", "Conflict",
			    "Program %s belongs to another partner already.",
			    code);
		return -1;
	}
	if ((found = store_partner_by_id(tx_db(tx), sid, 0, out, p)) != 1)
		return found == 0 ? problem_internal(p) : -1;
	details = json_pack("{s:s, s:s}", "sandbox_of", id, "program", code);
	rc = tx_audit(tx, "partner.sandbox_created", sid, details, p);
	json_decref(details);
	*created = rc == 0;
	return rc;
}

struct authority *
sandbox_authority(
    struct app *app, struct db *db, const char *app_id, struct problem *p)
{
	int sandbox;

	if ((sandbox = store_app_sandbox(db, app_id, 0, p)) == -1)
		return NULL;
	return sandbox_authority_of(app, db, app_id, sandbox, p);
}

struct authority *
sandbox_authority_of(struct app *app, struct db *db, const char *app_id,
    int sandbox, struct problem *p)
{
	struct authority *auth;

	auth = sandbox ? app->sandbox_ca : app->authority;
	if (authority_load(auth, app->cfg, db, p) == -1) {
		if (sandbox)
			log_warn("sandbox application not certified: no "
			         "test CA",
			    "app=%s", app_id);
		return NULL;
	}
	return auth;
}

int
sandbox_issue_check(const struct authority *auth, const char *app_id,
    int sandbox, struct problem *p)
{
	if (sandbox == auth->sandbox)
		return 0;
	log_warn("an application not certified by the CA of another world",
	    "app=%s sandbox=%d", app_id, sandbox);
	if (!sandbox)
		return problem_internal(p);
	return problem_set(p, 503, "sandbox-ca-unavailable",
	    "Sandbox CA unavailable",
	    "This is a sandbox application: its certificate comes from the "
	    "sandbox's test CA; the production CA never certifies it.");
}

void
sandbox_provider(const struct config *c, int sandbox, int is_idv,
    const char **url, const char **key)
{
	if (is_idv) {
		*url = sandbox ? c->sandbox_idv_url : c->idv_url;
		*key = sandbox ? c->sandbox_idv_api_key : c->idv_api_key;
	} else {
		*url = sandbox ? c->sandbox_avs_url : c->avs_url;
		*key = sandbox ? c->sandbox_avs_api_key : c->avs_api_key;
	}
}
