/*
 * The storage of passkeys (migrations/0028_passkeys.sql): the challenges
 * sent for a registration, and the registered credentials.
 */
#ifndef RXCA_STORE_PASSKEY_H
#define RXCA_STORE_PASSKEY_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "common/problem.h"

struct db;

#define STORE_PASSKEY_KEY_MAX 512  /* bytes of a public or COSE key */
#define STORE_PASSKEY_ID_MAX  1023 /* bytes of a credential id */

/* What a registration needs of an application. */
struct passkey_app_row {
	char status[32]; /* proofing, approved, issued, ... */
	char policy[16]; /* products.passkeys: none, any, attested */
	char email[256]; /* the user name shown by the authenticator */
	char given_name[104];
	char family_name[104];
};

/* A passkey to record. */
struct passkey_row {
	const char *id;            /* pk_... */
	const char *app;           /* whose */
	const unsigned char *cred; /* credential id */
	size_t cred_len;
	int alg;                   /* COSE algorithm */
	const unsigned char *cose; /* COSE_Key */
	size_t cose_len;
	const unsigned char *pk; /* libfido2's raw public key */
	size_t pk_len;
	const unsigned char *aaguid; /* 16 bytes */
	long long sign_count;
	int backup_eligible;
	const char *fmt;         /* attestation format */
	const char *attestation; /* none, self, untrusted, trusted */
	const char *issuer;      /* or NULL */
	const char *name;        /* the applicant's label */
	time_t at;
};

/* Application id's status, product policy and names, locked FOR UPDATE
 * when lock: 1, 0 if there is no such application, or -1 with p set. */
int store_passkey_app(struct db *db, const char *id, int lock,
    struct passkey_app_row *out, struct problem *p);

/* Records a challenge (its SHA-256) of application id for purpose, living
 * until expires.  0, or -1 with p set. */
int store_passkey_challenge_insert(struct db *db, const unsigned char *sha256,
    const char *id, const char *purpose, time_t now, time_t expires,
    struct problem *p);

/* The open (unused, unexpired at now) challenges of application id for
 * purpose: their number into *n and the first expiry among them into
 * *first_expiry (0 if none).  0, or -1 with p set. */
int store_passkey_challenges_open(struct db *db, const char *id,
    const char *purpose, time_t now, long long *n, time_t *first_expiry,
    struct problem *p);

/* Marks the unused, unexpired challenge of sha256, of application id and
 * purpose, used: 1, 0 if there is none such, or -1 with p set. */
int store_passkey_challenge_take(struct db *db, const unsigned char *sha256,
    const char *id, const char *purpose, time_t now, struct problem *p);

/* Deletes the challenges, used or not, expired for over an hour at now
 * (the sweep): 0, or -1 with p set. */
int store_passkey_challenge_sweep(struct db *db, time_t now, struct problem *p);

/* Inserts row: 0, or -1 with p set (409 passkey-exists when its
 * credential id is registered already). */
int store_passkey_insert(
    struct db *db, const struct passkey_row *row, struct problem *p);

/* Application id's passkeys as a JSON array (new reference) of objects
 * (id, credential_id base64url, aaguid hex, attestation, ...), or NULL
 * with p set. */
json_t *store_passkey_list(struct db *db, const char *id, struct problem *p);

/* The active credential ids of application id as a JSON array of
 * base64url strings (new reference), or NULL with p set. */
json_t *store_passkey_cred_ids(
    struct db *db, const char *id, struct problem *p);

/* A registered passkey, as an assertion needs it. */
struct passkey_key_row {
	char id[40];     /* pk_... */
	char app[48];    /* its application */
	char status[16]; /* active, revoked, disabled */
	unsigned char cred[STORE_PASSKEY_ID_MAX]; /* credential id */
	long cred_len;
	unsigned char aaguid[16];                /* the authenticator's model */
	int alg;                                 /* COSE algorithm */
	unsigned char pk[STORE_PASSKEY_KEY_MAX]; /* libfido2's raw form */
	long pk_len;
	long long sign_count; /* the last one seen */
};

/* Passkey pkid (FOR UPDATE when lock): 1 with out filled, 0 if there is
 * none, or -1 with p set. */
int store_passkey_key(struct db *db, const char *pkid, int lock,
    struct passkey_key_row *out, struct problem *p);

/* The passkey of credential id cred (len bytes) of an application of
 * program (NULL: any): 1 with out filled, 0 if none, or -1 with p set. */
int store_passkey_key_by_cred(struct db *db, const unsigned char *cred,
    size_t len, const char *program, struct passkey_key_row *out,
    struct problem *p);

/* Records an assertion of passkey pkid: its sign counter and last use. */
int store_passkey_used(struct db *db, const char *pkid, long long sign_count,
    time_t now, struct problem *p);

/* Disables active passkey pkid for reason: 0, or -1 with p set. */
int store_passkey_disable(struct db *db, const char *pkid, const char *reason,
    time_t now, struct problem *p);

/* Revokes application id's active passkey pkid at now: 1, 0 if it has no
 * such active passkey, or -1 with p set. */
int store_passkey_revoke(struct db *db, const char *id, const char *pkid,
    time_t now, struct problem *p);

#endif
