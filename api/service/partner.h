/*
 * Partners (EHR vendors) and their API keys.  A partner owns one program
 * code: the applications whose program it is are the partner's, and
 * nothing else is.  An API key is "rxp_<key id>_<secret>" (key id: 24
 * lower-case base32 characters; secret: 32 random bytes, base64url), or
 * "rxp_test_<key id>_<secret>" for a sandbox partner's key
 * (api/service/sandbox.h); it is shown once, and only SHA-256 of the
 * secret is stored.  A partner may hold
 * several keys (rotation); a revoked key is refused from the next request
 * on, on every node, because each request reads the key from the database.
 */
#ifndef RXCA_PARTNER_H
#define RXCA_PARTNER_H

#include <stddef.h>
#include <time.h>

#include "common/bounds.h"
#include "common/problem.h"

#define PARTNER_KEY_PREFIX  "rxp_"
#define PARTNER_TEST_PREFIX "rxp_test_" /* a sandbox partner's key */
#define PARTNER_KEY_ID_LEN  24          /* base32 characters */
#define PARTNER_SECRET_LEN  43          /* base64url characters of 32 bytes */
#define PARTNER_KEY_LEN     (4 + PARTNER_KEY_ID_LEN + 1 + PARTNER_SECRET_LEN)
#define PARTNER_KEY_MAX     (PARTNER_KEY_LEN + 5) /* a sandbox key's length */
#define PARTNER_NAME_MAX    100           /* bytes of a partner's name */
#define PARTNER_PROGRAM_MAX BOUND_PROGRAM /* bytes of a program code */

struct db;

/*
 * Splits key ("rxp_<id>_<secret>", or "rxp_test_<id>_<secret>" with
 * *sandbox set to 1) into id (PARTNER_KEY_ID_LEN + 1 bytes) and the
 * SHA-256 of its secret.  0, or -1 if key is not of either form (wrong
 * prefix, length or alphabet).  Pure.
 */
int partner_key_parse(const char *key, char id[PARTNER_KEY_ID_LEN + 1],
    unsigned char hash[32], int *sandbox);

/* 1 if s is a program code: 1 to 64 of [a-z0-9-], starting with a letter
 * or digit.  Pure. */
int partner_program_valid(const char *s);

struct tx;

/*
 * Creates partner name with program in tx (audited as tx's actor): its id
 * (prt_...) into id (32 bytes).  0, or -1 with p set: 422 naming the field
 * for a bad name or program, 409 if the program has a partner already.
 */
int partner_create_tx(struct tx *tx, const char *name, const char *program,
    char *id, size_t idsz, struct problem *p);

/*
 * Makes a new API key for partner id in tx (audited): the whole key into
 * key (PARTNER_KEY_MAX + 1 bytes; "rxp_test_..." when the partner is a
 * sandbox), its id into key_id (PARTNER_KEY_ID_LEN + 1 bytes).  0, or -1 with p
 * set (404 no partner).  The caller shows the key once and wipes it.
 */
int partner_key_create_tx(
    struct tx *tx, const char *id, char *key, char *key_id, struct problem *p);

/*
 * Revokes key key_id of partner id in tx (audited); revoking twice keeps
 * the first time, into *revoked_at.  0, or -1 with p set (404 if the
 * partner has no such key).
 */
int partner_key_revoke_tx(struct tx *tx, const char *id, const char *key_id,
    time_t *revoked_at, struct problem *p);

/*
 * The same inside a transaction the caller began on db (rxca-admin),
 * audited as actor at now: a unit of work joined to it (tx_join).
 */
int partner_create(struct db *db, const char *name, const char *program,
    const char *actor, time_t now, char *id, size_t idsz, struct problem *p);
int partner_key_create(struct db *db, const char *id, const char *actor,
    time_t now, char *key, char *key_id, struct problem *p);
int partner_key_revoke(struct db *db, const char *id, const char *key_id,
    const char *actor, time_t now, time_t *revoked_at, struct problem *p);

struct app;
struct job;

/*
 * The job "email.invitation" (payload {invitation, email, program,
 * given_name?}, given_name absent, null or a string): mails the invitee
 * the enrollment link <RXCA_PUBLIC_URL>/apply?program=<program>&
 * invitation=<token> (a new token each try, only its hash stored:
 * api/service/invitation.h) and records the time in
 * partner_invitations.sent_at.  A payload without its
 * fields or a failed send fails the try (JOB_FAILED): the job is tried
 * again and, in the end, dead, and the invitation reads "failed".
 */
int partner_job_invite(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p);
/* Registers email.invitation with the runner: 0 or -1. */
int partner_jobs_register(void);

#endif
