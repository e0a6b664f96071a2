/* Invitations a partner can track: see api/service/invitation.h. */
#include <stdio.h>
#include <string.h>

#include "api/service/invitation.h"
#include "api/store/store_pkeys.h"
#include "api/store/tx.h"
#include "common/digest.h"
#include "common/rand.h"
#include "common/wallclock.h"
#include "common/xmalloc.h"

#define TOKEN_BYTES 32

/* Is row's link past its expiry at now?  Then p is the 410
 * invitation-expired problem naming field. */
static int
invitation_expired(const struct pinvite_row *row, time_t now, const char *field,
    struct problem *p)
{
	char at[WALLCLOCK_RFC3339_LEN];

	if (now < row->expires_at)
		return 0;
	wallclock_format(row->expires_at, at, sizeof(at));
	problem_set(p, 410, "invitation-expired", "Invitation expired",
	    "The invitation's link expired at %s: ask the program for a new "
	    "invitation.",
	    at);
	problem_field(p, field, "expired");
	return 1;
}

void
invitation_token_new(char *token, unsigned char hash[32])
{
	rand_token(TOKEN_BYTES, token, INVITATION_TOKEN_CHARS + 1);
	digest_sha256(token, strlen(token), hash);
}

int
invitation_admit(struct db *db, int lock, time_t now, char **program,
    const char *token, char *inv, size_t invsz, struct problem *p)
{
	unsigned char hash[DIGEST_LEN];
	struct pprogram_row prog;
	struct pinvite_row row;
	int found;

	inv[0] = '\0';
	if (token == NULL) {
		if (*program == NULL)
			return 0;
		if ((found = store_pprogram_get(db, *program, 1, &prog, p)) ==
		    -1)
			return -1;
		/* A program no partner holds stays as it was: free text. */
		if (found == 0 || prog.open)
			return 0;
		problem_set(p, 403, "invitation-required",
		    "Invitation required",
		    "Program %s takes applications through its invitations "
		    "only: apply through the link in your invitation.",
		    *program);
		return problem_field(
		    p, "invitation", "required for this program");
	}
	digest_sha256(token, strlen(token), hash);
	if ((found = store_pinvite_by_token(db, hash, lock, &row, p)) == -1)
		return -1;
	if (found == 0)
		return problem_invalid(p, "invitation", "no such invitation");
	if (row.application_id[0] != '\0')
		return problem_invalid(
		    p, "invitation", "already used for an application");
	if (invitation_expired(&row, now, "invitation", p))
		return -1;
	if (*program != NULL && strcmp(*program, row.program) != 0)
		return problem_invalid(
		    p, "program", "not the program of the invitation");
	if (*program == NULL)
		*program = xstrdup(row.program);
	snprintf(inv, invsz, "%s", row.id);
	return 0;
}

int
invitation_applied_tx(
    struct tx *tx, const char *inv, const char *app, struct problem *p)
{
	json_t *details;
	int rc;

	if ((rc = store_pinvite_applied(tx_db(tx), inv, app, tx->now, p)) == -1)
		return -1;
	if (rc == 0)
		return problem_set(p, 409, "conflict", "Conflict",
		    "The invitation was used for another application "
		    "meanwhile.");
	details = json_pack("{s:s}", "application", app);
	rc = tx_audit(tx, "partner.invitation_applied", inv, details, p);
	json_decref(details);
	return rc;
}

int
invitation_open(struct db *db, const char *token, time_t now,
    struct pinvite_row *row, struct problem *p)
{
	unsigned char hash[DIGEST_LEN];
	struct tx tx;
	int found, first;

	digest_sha256(token, strlen(token), hash);
	if (tx_begin(&tx, db, now, "anonymous", p) == -1)
		return -1;
	if ((found = store_pinvite_by_token(tx_db(&tx), hash, 1, row, p)) == -1)
		goto fail;
	if (found == 0) {
		problem_set(
		    p, 404, "not-found", "Not found", "No such invitation.");
		goto fail;
	}
	/* An expired link opens nothing, except the application it made. */
	if (row->application_id[0] == '\0' &&
	    invitation_expired(row, now, "token", p))
		goto fail;
	if ((first = store_pinvite_opened(tx_db(&tx), row->id, now, p)) == -1 ||
	    (first &&
	        tx_audit(&tx, "partner.invitation_opened", row->id, NULL, p) ==
	            -1) ||
	    tx_commit(&tx, p) == -1)
		goto fail;
	return 0;
fail:
	tx_abort(&tx);
	return -1;
}
