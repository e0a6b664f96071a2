/*
 * The storage of issuance (retrieval, renewal, api/service/issue.c): kits found
 * by their code, the certificate rows of the record-then-sign discipline, and
 * the renewal of a certificate.  Typed rows in, typed rows out; the SQL
 * and its columns stay in api/store/store_issue.c.
 *
 * Finders return 1 (found, row filled), 0 (none) or -1 with p set.
 */
#ifndef RXCA_STORE_ISSUE_H
#define RXCA_STORE_ISSUE_H

#include <stddef.h>
#include <time.h>

#include "api/store/store_evidence.h"
#include "api/store/store_webhook.h"
#include "common/problem.h"

#define STORE_ID_MAX     48  /* bytes of an id, with its NUL */
#define STORE_SERIAL_LEN 16  /* bytes of a certificate serial */
#define STORE_HASH_MAX   256 /* bytes of an encoded password hash */
#define STORE_NAME_MAX   128 /* bytes of one name part */
#define STORE_EMAIL_MAX  256 /* bytes of an e-mail address */

struct db;

/* The subject of an application's certificate. */
struct subject_row {
	char given[STORE_NAME_MAX], middle[STORE_NAME_MAX];
	char family[STORE_NAME_MAX], email[STORE_EMAIL_MAX];
	int hardware; /* the product asks for a key on hardware */
};

/* A kit with its application. */
struct kit_row {
	char id[STORE_ID_MAX];
	char state[16]; /* created, printed, shipped, used, locked, ... */
	time_t expires_at;
	int attempts; /* wrong passwords so far */
	char app[STORE_ID_MAX];
	char app_status[32];
	char password_hash[STORE_HASH_MAX]; /* the account's, encoded */
	struct subject_row subject;
	char evidence[STORE_EVIDENCE_KIND_MAX]; /* its product requires */
	int sandbox; /* a sandbox application (never changes) */
};

/* The kit whose activation code hashes to code_hash; with lock, its row
 * and its application's are locked (inside a unit of work). */
int store_kit_by_code(struct db *db, const unsigned char code_hash[32],
    int lock, struct kit_row *k, struct problem *p);

/* One more wrong password on kit, locked at limit: *attempts so far,
 * *locked if it is locked now.  1, 0 if it was locked already (nothing
 * counted), or -1 with p set. */
int store_kit_fail(struct db *db, const char *kit, time_t now, int limit,
    int *attempts, int *locked, struct problem *p);

/* Kit used (its certificate is issued).  0, or -1 with p set. */
int store_kit_used(
    struct db *db, const char *kit, time_t now, struct problem *p);

/* The status of application app into status (1, 0 if none, -1). */
int store_app_status(struct db *db, const char *app, char *status,
    size_t statussz, struct problem *p);

/* The subject of application app's certificates. */
int store_subject_of(
    struct db *db, const char *app, struct subject_row *s, struct problem *p);

/* A certificate row of issuance: recorded ("signing") or issued. */
struct cert_row {
	unsigned char serial[STORE_SERIAL_LEN];
	unsigned char spki[32]; /* SHA-256 of the subject key */
	char state[16];         /* signing, issued, revoked, ... */
	unsigned char *tbs;     /* the linted certificate before signing */
	long tbs_len;
	unsigned char *der; /* the signed certificate, NULL if signing */
	long der_len;
};

/* Frees what a finder put in row (not row itself). */
void store_cert_row_free(struct cert_row *row);

/*
 * In one round trip: the kit of code_hash locked with its application
 * (store_kit_by_code with lock) into k, then, once it is locked, the
 * certificate of kit (the id the caller read before; not abandoned) into
 * row, *cert 1 if it has one, and *used, whether a certificate for the
 * key spki (SHA-256) exists: the second read is run after the lock is
 * taken (db_exec_pair), so it sees what the holder of the lock committed.
 * 1 (the kit found), 0, or -1 with p set.
 */
int store_kit_lock_cert(struct db *db, const unsigned char code_hash[32],
    const char *kit, const unsigned char spki[32], struct kit_row *k,
    struct cert_row *row, int *cert, int *used, struct problem *p);

/* The renewal of certificate serial, if any. */
int store_renewal_of(struct db *db, const unsigned char *serial,
    struct cert_row *row, struct problem *p);

/* In one statement: *sandbox, whether application app is a sandbox one
 * (0 if unknown), and *used, whether a certificate for the key spki
 * (SHA-256) exists.  0, or -1 with p set. */
int store_issue_checks(struct db *db, const char *app,
    const unsigned char spki[32], int *sandbox, int *used, struct problem *p);

struct evidence_row;

/* A certificate to record before it is signed. */
struct cert_new {
	unsigned char serial[STORE_SERIAL_LEN];
	const char *app, *kit;       /* kit NULL for a renewal */
	const unsigned char *renews; /* serial renewed, or NULL */
	const char *subject;         /* one-line form, for operators */
	const unsigned char *spki;   /* 32 bytes */
	const unsigned char *tbs;
	long tbs_len;
	time_t not_before, not_after, now;
	int crl_shard;                 /* its CRL shard, or -1: none */
	const struct evidence_row *ev; /* the key's evidence, or NULL */
};

/* Records it in state "signing", with the key's evidence, in one
 * statement.  0, or -1 with p set (409 "conflict"
 * when a unique index says the key, kit or renewal is taken). */
int store_cert_record(
    struct db *db, const struct cert_new *c, struct problem *p);

/* A certificate as it is stored signed: what the rest of its unit of work
 * needs, read in the same statement. */
struct cert_issued_row {
	struct evidence_row ev;    /* the key's evidence recorded with it */
	char app_status[32];       /* its application's status */
	struct hook_cert_row hook; /* what its webhook events tell (subject
	                              malloc'd: store_cert_issued_free) */
};

/* Stores the signed der of a certificate in state "signing": 1 stored
 * (row filled), 0 if it is not in that state (another request stored it,
 * or it was abandoned), -1 with p set. */
int store_cert_issued(struct db *db, const unsigned char *serial,
    const unsigned char *der, long len, time_t now, struct cert_issued_row *row,
    struct problem *p);

/* Frees what store_cert_issued put in row (not row itself); NULL-safe. */
void store_cert_issued_free(struct cert_issued_row *row);

/* The signed der of certificate serial (malloc'd into *der): 1, 0 if it
 * has none, -1. */
int store_cert_der(struct db *db, const unsigned char *serial,
    unsigned char **der, long *len, struct problem *p);

/* A certificate to renew, locked. */
struct renewing_row {
	char app[STORE_ID_MAX];
	char state[16];
	unsigned char *der; /* malloc'd */
	long der_len;
	time_t not_after;
};

int store_renewing_lock(struct db *db, const unsigned char *serial,
    struct renewing_row *row, struct problem *p);
void store_renewing_row_free(struct renewing_row *row);

/* The application of a password reset, locked. */
struct reset_app_row {
	char id[STORE_ID_MAX];
	char status[32];
	char policy[16]; /* igc, nist-800-63 */
	int failures;    /* wrong resets so far */
	int letter;      /* its kit's letter was printed */
};

/* By its kit's activation code (SHA-256), or by its id. */
int store_reset_app_by_kit(struct db *db, const unsigned char code_hash[32],
    struct reset_app_row *a, struct problem *p);
int store_reset_app_by_id(
    struct db *db, const char *app, struct reset_app_row *a, struct problem *p);

/* The encoded hashes of app's secret answers, in the order of their
 * questions: the first max into hashes, and how many there are into *n
 * (which may be more than max).  0, or -1 with p set. */
int store_reset_answers(struct db *db, const char *app,
    char (*hashes)[STORE_HASH_MAX], size_t max, size_t *n, struct problem *p);

/* Uses app's live account code of purpose whose hash is code_hash at now
 * (locked, then marked used): 1, 0 if there is none, -1. */
int store_acode_use(struct db *db, const char *app, const char *purpose,
    const unsigned char code_hash[32], time_t now, struct problem *p);

/* app's new password (encoded hash) at now, its failures forgotten. */
int store_password_reset(struct db *db, const char *app, const char *hash,
    time_t now, struct problem *p);

/* Ends app's open sessions at now. */
int store_sessions_revoke(
    struct db *db, const char *app, time_t now, struct problem *p);

#define STORE_RESET_APPS 5 /* applications one address may reset */

/* The newest verified applications of e-mail address email (lower case),
 * at most STORE_RESET_APPS, into ids; *n of them.  0, or -1. */
int store_reset_apps_by_email(struct db *db, const char *email,
    char (*ids)[STORE_ID_MAX], size_t *n, struct problem *p);

/* What a reset code mail needs of an application, locked. */
struct reset_mail_row {
	char email[STORE_EMAIL_MAX];
	int verified;     /* its address is verified */
	time_t last_sent; /* the newest code of the purpose, 0 if none */
};

int store_reset_mail_lock(struct db *db, const char *app, const char *purpose,
    struct reset_mail_row *m, struct problem *p);

#endif
