/*
 * Passkeys bound to a proofed application (docs/passkeys.md): the
 * registration ceremony (options with a single-use challenge, then the
 * browser's answer checked by proofing/webauthn.c and recorded with its
 * audit record in one unit of work), the list and the revocation.
 */
#ifndef RXCA_PASSKEY_H
#define RXCA_PASSKEY_H

#include <time.h>

#include <jansson.h>

#include "api/store/store_passkey.h"
#include "common/problem.h"

struct app;
struct db;
struct tx;

/* 1 if an application in status may hold and use passkeys: its identity
 * has been proofed (approved, kit_shipped, issued). */
int passkey_proofed(const char *status);

/*
 * A registration's options for application id (which must be proofed
 * and of a product that accepts passkeys), with a new challenge recorded:
 * 0 with *out a new JSON object (PublicKeyCredentialCreationOptions,
 * binary members base64url, plus expires_at), or -1 with p set.
 */
int passkey_options(struct app *app, struct db *db, const char *id, time_t now,
    json_t **out, struct problem *p);

/*
 * Registers the browser's answer for application id: client_data_json
 * and attestation_object as base64url, name the applicant's label (may
 * be NULL).  The challenge is taken once.  0 with *out the passkey (a
 * new JSON object), or -1 with p set.
 */
int passkey_register(struct app *app, struct db *db, const char *id,
    const char *client_data_json, const char *attestation_object,
    const char *name, time_t now, json_t **out, struct problem *p);

/* Application id's passkeys (a new JSON array), or NULL with p set. */
json_t *passkey_list(struct db *db, const char *id, struct problem *p);

/* Revokes application id's passkey pkid as actor: 0, or -1 with p set
 * (404 if it has no such active passkey). */
int passkey_revoke(struct db *db, const char *id, const char *pkid,
    const char *actor, time_t now, struct problem *p);

/* An assertion (navigator.credentials.get) as the page posts it: each
 * member base64url. */
struct passkey_assertion {
	const char *credential_id;
	const char *client_data_json;
	const char *authenticator_data;
	const char *signature;
};

/* What a checked assertion proved. */
struct passkey_proof {
	struct passkey_key_row key; /* the passkey, as read for the check */
	unsigned long sign_count;   /* the authenticator's counter */
	int uv;                     /* the UV flag */
};

/*
 * The one check of a passkey assertion, for every use (prescription
 * approvals, two-person credential approvals): with no transaction open,
 * a's credential must be an active passkey of application app (and be
 * passkey pkid unless NULL), and the assertion must answer challenge
 * (base64url) as a "webauthn.get" at RXCA_PASSKEY_ORIGIN for
 * RXCA_PASSKEY_RP_ID with user verification (proofing/webauthn.c,
 * webauthn_assert).  0 with out filled, or -1 with p set: 422
 * passkey-invalid naming the field, 409 passkey-not-active for a revoked
 * or disabled passkey.  The counter is checked by passkey_assertion_use.
 */
int passkey_assertion_check(struct app *app, struct db *db,
    const struct passkey_assertion *a, const char *app_id, const char *pkid,
    const char *challenge, time_t now, struct passkey_proof *out,
    struct problem *p);

/*
 * In the caller's unit of work tx: locks the passkey of pr, which must
 * still be active (409 passkey-not-active), checks that its sign counter
 * went up (both 0: an authenticator without a counter), records it and
 * audits passkey.asserted with purpose and subject.  0; 1 if the counter
 * did not go up (the caller rolls tx back, then calls
 * passkey_counter_regressed); -1 with p set.
 */
int passkey_assertion_use(struct tx *tx, const struct passkey_proof *pr,
    const char *purpose, const char *subject, struct problem *p);

/*
 * In a unit of work of its own: disables the passkey of pr, whose counter
 * went backwards (a cloned authenticator), audited as passkey.disabled.
 * Sets p to the refusal to answer (422 passkey-invalid on
 * authenticator_data) and returns -1 (0 is never returned).
 */
int passkey_counter_regressed(struct db *db, const struct passkey_proof *pr,
    time_t now, struct problem *p);

/* Deletes the challenges expired for over an hour (the sweep): 0, or -1. */
int passkey_sweep(struct db *db, time_t now, struct problem *p);

#endif
