/*
 * The storage of certificates once issued and what is published of them:
 * the fulfillers' kits (listing, printing, shipping), a certificate as its
 * subject or an operator sees it, the "test my certificate" challenges,
 * the CA certificates and CRLs served to anyone, the OCSP status of a
 * serial and the stored OCSP responses, and the audit records' pages.
 * Typed rows in, typed rows out; the SQL and its columns stay in
 * api/store/store_cert.c.
 *
 * Finders return 1 (found, row filled), 0 (none) or -1 with p set; other
 * functions 0, or -1 with p set.
 */
#ifndef RXCA_STORE_CERT_H
#define RXCA_STORE_CERT_H

#include <stddef.h>
#include <time.h>

#include "common/problem.h"
#include "api/store/store_issue.h"

#define STORE_TEXT_MAX    1024 /* bytes of a name or address part */
#define STORE_SHORT_MAX   64   /* bytes of a code: a shipping option */
#define STORE_SUBJECT_MAX 2048 /* bytes of a certificate's one-line subject */
#define STORE_ETAG_MAX    64   /* bytes of a CRL's ETag, with its NUL */
#define STORE_OCSP_SERIAL 20   /* bytes of a serial number asked of OCSP */

struct db;

/*
 * The connection of a read outside any request's unit of work (the OCSP
 * responder's, on a worker): up, reconnecting one that was lost.  0, or
 * -1 with p set (503).
 */
int store_ocsp_ready(struct db *db, struct problem *p);

/* A kit in a fulfiller's list. */
struct kit_list_row {
	char id[STORE_ID_MAX];
	char app[STORE_ID_MAX];
	char state[16];
	int new_token; /* a token is sent with the letter */
	int prints;    /* letters printed so far */
	time_t expires_at, created_at;
	char given[STORE_TEXT_MAX], family[STORE_TEXT_MAX];
	char shipping[STORE_SHORT_MAX]; /* the shipping option's code */
};

struct kit_list {
	struct kit_list_row *rows; /* n of them, malloc'd */
	size_t n;
};

/* Kits in state, oldest first, after kit after (NULL: from the first), at
 * most limit, into l (the caller frees with store_kit_list_free). */
int store_kit_list(struct db *db, const char *state, const char *after,
    int limit, struct kit_list *l, struct problem *p);
void store_kit_list_free(struct kit_list *l);

/* A kit locked with its application, for its letter. */
struct kit_letter_row {
	char state[16];
	int new_token;
	time_t expires_at;
	int prints;
	char app[STORE_ID_MAX];
	char app_status[32];
	char given[STORE_TEXT_MAX], middle[STORE_TEXT_MAX];
	char family[STORE_TEXT_MAX];
	int has_middle; /* middle is not NULL */
	char line1[STORE_TEXT_MAX], line2[STORE_TEXT_MAX];
	int has_line2; /* line2 is not NULL */
	char city[STORE_TEXT_MAX], region[STORE_TEXT_MAX];
	int has_region; /* region (the address's state) is not NULL */
	char postal_code[STORE_TEXT_MAX], country[STORE_TEXT_MAX];
	char shipping[STORE_SHORT_MAX];
};

/* Kit id and its application, locked (inside a unit of work). */
int store_kit_letter_lock(struct db *db, const char *kit,
    struct kit_letter_row *k, struct problem *p);

/* Kit printed at now with a new activation code (its SHA-256): the count
 * of prints grows, wrong passwords are forgotten, the state is
 * "printed". */
int store_kit_printed(struct db *db, const char *kit,
    const unsigned char code_hash[32], time_t now, struct problem *p);

/* Kit shipped at now by carrier with tracking. */
int store_kit_shipped(struct db *db, const char *kit, const char *carrier,
    const char *tracking, time_t now, struct problem *p);

/* A certificate as its subject or an operator sees it (signed ones only). */
struct cert_view {
	char app[STORE_ID_MAX];
	char subject[STORE_SUBJECT_MAX];
	char state[16];     /* issued, revoked */
	char issuer[16];    /* the CA's name: issuing */
	unsigned char *der; /* malloc'd */
	long der_len;
	time_t not_before, not_after, issued_at;
};

int store_cert_view(struct db *db, const unsigned char serial[16],
    struct cert_view *v, struct problem *p);
/* Frees what store_cert_view put in v (not v); NULL-safe. */
void store_cert_view_free(struct cert_view *v);

#define STORE_NONCE_LEN 32 /* bytes of a challenge's nonce */

/* A new challenge id on certificate serial, valid from now to expires. */
int store_challenge_new(struct db *db, const char *id,
    const unsigned char serial[16], const unsigned char nonce[32], time_t now,
    time_t expires, struct problem *p);

struct challenge_row {
	unsigned char nonce[STORE_NONCE_LEN];
	int attempts; /* wrong signatures so far */
	time_t expires_at;
	int used; /* answered already */
};

/* Challenge id on certificate serial, locked (inside a unit of work). */
int store_challenge_lock(struct db *db, const char *id,
    const unsigned char serial[16], struct challenge_row *c, struct problem *p);

/* Challenge id answered at now. */
int store_challenge_use(
    struct db *db, const char *id, time_t now, struct problem *p);

/* One more wrong signature on challenge id: *attempts so far.  1, 0 if
 * there is no such challenge, -1. */
int store_challenge_fail(
    struct db *db, const char *id, int *attempts, struct problem *p);

/* The certificate of CA name ("root", "issuing"), malloc'd into *der. */
int store_ca_cert_der(struct db *db, const char *name, unsigned char **der,
    long *len, struct problem *p);

/* The current CRL of a CA. */
struct crl_row {
	long long number;
	time_t this_update, next_update;
	unsigned char *der; /* malloc'd */
	long der_len;
	char etag[STORE_ETAG_MAX];
};

int store_crl_of(
    struct db *db, const char *issuer, struct crl_row *c, struct problem *p);
/* The current CRL of shard k of the issuing CA's (crl_shards), as
 * store_crl_of: 1, 0 if none, -1 with p set. */
int store_crl_shard_of(
    struct db *db, int shard, struct crl_row *c, struct problem *p);
/* Frees what store_crl_of put in c (not c); NULL-safe. */
void store_crl_row_free(struct crl_row *c);

/* The status of a serial that the issuing CA signed (or reserved and
 * abandoned), for OCSP. */
struct cert_status_row {
	char state[16];    /* issued, revoked, abandoned */
	time_t revoked_at; /* 0 if not */
	char reason[32];   /* RFC 5280 name, "" if none */
	int has_reason;    /* reason is not NULL */
	long long version; /* newest stored response for md, 0 if none */
	char issuer[24];   /* "issuing", or the sandbox's "sandbox-issuing" */
};

/* md: "sha1" or "sha256", the CertID's hash.  A serial of any length
 * (asked of OCSP; then 0 unless it is 16 bytes). */
int store_cert_status(struct db *db, const unsigned char *serial,
    size_t serial_len, const char *md, struct cert_status_row *s,
    struct problem *p);

/* A stored OCSP response, borrowed by the callback for its call only. */
struct ocsp_stored {
	unsigned char serial[STORE_OCSP_SERIAL];
	long serial_len; /* -1 if the stored one does not fit */
	char md[8];      /* sha1, sha256 */
	const unsigned char *der;
	long der_len;
	time_t this_update, next_update;
	long long version;
	long long head; /* store_ocsp_get: the newest version of any stored
	                   response in the row's snapshot; else 0 */
};

/*
 * The responses written after version after, oldest first, at most
 * limit: fn(row, arg) for each.  The number of rows, or -1 with p set.
 */
int store_ocsp_since(struct db *db, long long after, int limit,
    void (*fn)(const struct ocsp_stored *row, void *arg), void *arg,
    struct problem *p);
/* The stored response of serial for md ("sha1", "sha256") to fn if there
 * is one: 1 if so, 0 if not, -1 with p set. */
int store_ocsp_get(struct db *db, const unsigned char *serial,
    size_t serial_len, const char *md,
    void (*fn)(const struct ocsp_stored *row, void *arg), void *arg,
    struct problem *p);
/* The newest version of any stored response (0: none) into *version. */
int store_ocsp_head(struct db *db, long long *version, struct problem *p);

/* An audit record for the auditors' pages. */
struct audit_row {
	long long id;
	time_t at;
	char *actor, *action, *subject; /* malloc'd */
	char *details;                  /* JSON text, malloc'd */
	char hash[65];                  /* hex */
};

struct audit_page {
	struct audit_row *rows; /* n of them, malloc'd */
	size_t n;
};

/* Which records: each member NULL or 0 for any. */
struct audit_filter {
	const char *subject; /* exactly this subject */
	const char *actor;   /* exactly this actor */
	const char *action;  /* exactly this action */
	time_t since;        /* at or after */
	time_t until;        /* before */
};

/* Records after id after that f lets through, at most limit, into pg (the
 * caller frees with store_audit_page_free). */
int store_audit_page(struct db *db, long long after, int limit,
    const struct audit_filter *f, struct audit_page *pg, struct problem *p);
void store_audit_page_free(struct audit_page *pg);

#endif
