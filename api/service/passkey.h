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

#include "common/problem.h"

struct app;
struct db;

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

/* Deletes the challenges expired for over an hour (the sweep): 0, or -1. */
int passkey_sweep(struct db *db, time_t now, struct problem *p);

#endif
