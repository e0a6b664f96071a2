/*
 * The storage of the people who authenticate: applicant sessions and
 * log-in, the e-mailed account codes (unlock, reset), the throttles of
 * guessable secrets and daily quotas (api/service/throttle.h), and operators
 * known by their client certificate.  Typed rows in, typed rows out; the
 * SQL stays in api/store/store_ops.c.
 *
 * Finders return 1 (found, row filled), 0 (none) or -1 with p set.
 */
#ifndef RXCA_STORE_OPS_H
#define RXCA_STORE_OPS_H

#include <stddef.h>
#include <time.h>

#include "common/problem.h"

#define STORE_OPS_ID_MAX    64  /* bytes of an id, with its NUL */
#define STORE_OPS_HASH_MAX  256 /* bytes of an encoded password hash */
#define STORE_OPS_TEXT_MAX  256 /* bytes of a name or an address */
#define STORE_OPS_LOGIN_MAX 20  /* accounts one log-in by e-mail sees */
#define STORE_OPS_OPR_ID    32  /* bytes of an operator id, with its NUL */
#define STORE_OPS_OPR_NAME  72  /* bytes of an operator name, with its NUL */

struct db;

/* A throttle row (table throttles). */
struct store_throttle_row {
	int failures;         /* counted so far */
	time_t blocked_until; /* no attempt before, or 0 (NULL) */
	time_t locked_at;     /* account locked since, or 0 (NULL) */
	time_t updated_at;    /* last change */
};

/* Creates the row (scope, subject, client) if needed, at now, and locks
 * it FOR UPDATE into row.  0, or -1 with p set. */
int store_throttle_lock(struct db *db, const char *scope, const char *subject,
    const char *client, time_t now, struct store_throttle_row *row,
    struct problem *p);

/* Writes failures, blocked_until and locked_at of row (0: NULL) and
 * updated_at now.  0, or -1 with p set. */
int store_throttle_set(struct db *db, const char *scope, const char *subject,
    const char *client, const struct store_throttle_row *row, time_t now,
    struct problem *p);

/* Deletes the row (scope, subject, client), if any.  0, or -1. */
int store_throttle_delete(struct db *db, const char *scope, const char *subject,
    const char *client, struct problem *p);

/* Deletes rows not locked and quiet for two days before now.  0, or -1. */
int store_throttle_sweep(struct db *db, time_t now, struct problem *p);

/* Uses one of the daily quota (scope, subject) at now: *used in the
 * window that started at *window_start.  0, or -1 with p set. */
int store_quota_use(struct db *db, const char *scope, const char *subject,
    time_t now, int *used, time_t *window_start, struct problem *p);

/* A session of application app for the token hashed to token_hash,
 * created at now, until expires.  0, or -1 with p set. */
int store_session_insert(struct db *db, const unsigned char token_hash[32],
    const char *app, time_t now, time_t expires, struct problem *p);

/* The live session of token_hash, seen at now (not revoked, not past its
 * expiry, last seen after idle_since): its last_seen_at set to now and
 * its application into app (appsz bytes).  1, 0 if none, -1. */
int store_session_touch(struct db *db, const unsigned char token_hash[32],
    time_t now, time_t idle_since, char *app, size_t appsz, struct problem *p);

/* An account that may log in. */
struct store_login_row {
	char id[STORE_OPS_ID_MAX];
	char password_hash[STORE_OPS_HASH_MAX]; /* encoded, "" if none */
};

/*
 * The accounts of a log-in into rows (at most STORE_OPS_LOGIN_MAX),
 * newest first: by e-mail (lower-cased) only the applications whose
 * address is verified; else the application id.  The number found, or
 * -1 with p set.
 */
int store_login_find(struct db *db, const char *email, const char *app,
    struct store_login_row *rows, int max, struct problem *p);

/* 1 if application app has a live account code of purpose ("unlock",
 * "reset") at now, or its mail still queued; 0 if not, -1. */
int store_acode_live(struct db *db, const char *app, const char *purpose,
    time_t now, struct problem *p);

/* The live code of app and purpose hashed to code_hash, locked: its id
 * into *id.  1, 0 if none, -1. */
int store_acode_find(struct db *db, const char *app, const char *purpose,
    const unsigned char code_hash[32], time_t now, long long *id,
    struct problem *p);

/* Code id marked used at now.  0, or -1. */
int store_acode_used(
    struct db *db, long long id, time_t now, struct problem *p);

/* Ends the live codes of app and purpose at now.  0, or -1. */
int store_acode_kill(struct db *db, const char *app, const char *purpose,
    time_t now, struct problem *p);

/* A new code of app and purpose hashed to code_hash, until expires. */
int store_acode_insert(struct db *db, const char *app, const char *purpose,
    const unsigned char code_hash[32], time_t now, time_t expires,
    struct problem *p);

/* What an account code mail needs of its application. */
struct store_acode_app_row {
	char email[STORE_OPS_TEXT_MAX];
	char given_name[STORE_OPS_TEXT_MAX];
	int email_verified; /* the address is verified */
	char policy[16];    /* igc, nist-800-63 */
	int has_letter;     /* its kit's letter was printed */
};

/* Application app, locked, for a code mail.  1, 0, -1. */
int store_acode_app(struct db *db, const char *app,
    struct store_acode_app_row *row, struct problem *p);

/* An operator known by the SHA-256 of its client certificate. */
struct store_operator_row {
	char id[STORE_OPS_OPR_ID];
	char name[STORE_OPS_OPR_NAME];
	char roles[STORE_OPS_TEXT_MAX]; /* comma-separated role names */
	time_t cert_not_after;
	int disabled; /* disabled_at is set */
};

int store_operator_by_cert(struct db *db, const unsigned char fp[32],
    struct store_operator_row *row, struct problem *p);

/* An application in the operators' queue.  Every string is malloc'd,
 * NULL for SQL NULL. */
struct store_queue_row {
	char *id, *status, *product;
	char *program; /* may be NULL */
	char *given_name;
	char *middle_name; /* may be NULL */
	char *family_name, *email;
	char *addr_state; /* may be NULL */
	char *addr_country;
	time_t created_at, updated_at;
	time_t email_verified_at; /* 0 if not verified */
	char *identity_checks;    /* a JSON array, as text */
};

/* The applications in status, oldest first, after application after (or
 * from the start if NULL), at most limit: *rows (free with
 * store_queue_free) and *n.  0, or -1 with p set. */
int store_queue_list(struct db *db, const char *status, const char *after,
    int limit, struct store_queue_row **rows, size_t *n, struct problem *p);
void store_queue_free(struct store_queue_row *rows, size_t n);

/* The status of application id, locked (inside a unit of work), into
 * status.  1, 0 if none, -1. */
int store_ops_app_lock(struct db *db, const char *id, char *status,
    size_t statussz, struct problem *p);

#endif
