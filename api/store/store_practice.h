/*
 * The storage of the EHR's side of EPCS (api/service/practice.c,
 * api/routes/h_practices.c, issue 16): a certificate's facts for its
 * eligibility, the answers of verified challenges, practices, their
 * challenges, credential links and two-person approvals.  Serials go in
 * and out as 32 lower-case hex digits.
 *
 * Finders return 1 (found, row filled), 0 (none) or -1 with p set; a list
 * is an array the caller frees with free() and its count.  Every time is
 * a parameter from the clock.
 */
#ifndef RXCA_STORE_PRACTICE_H
#define RXCA_STORE_PRACTICE_H

#include <time.h>

#include "common/bounds.h"
#include "common/problem.h"

#define SPR_ID_MAX     72   /* bytes of an id, with its NUL */
#define SPR_SERIAL_HEX 33   /* 32 hex digits and NUL */
#define SPR_SHORT_MAX  64   /* product, evidence kind, state, reason */
#define SPR_NAME_MAX   256  /* a practice's name */
#define SPR_STMT_MAX   1024 /* a challenge's statement */
#define SPR_SIG_MAX    1400 /* base64 of a signature */

struct db;

/* What eligibility is decided from, for one certificate. */
#define SPR_ASSERTION_MAX 4096 /* bytes of a passkey assertion's JSON */

struct cred_facts_row {
	char serial[SPR_SERIAL_HEX];
	char product[SPR_SHORT_MAX];
	int product_epcs, product_hardware;
	char evidence_required[SPR_SHORT_MAX]; /* the product's */
	char key_evidence[SPR_SHORT_MAX];      /* the certificate's */
	char state[SPR_SHORT_MAX];             /* issued, revoked, signing */
	time_t not_before, not_after;
	int has_dea;                        /* the application has a DEA */
	char app[SPR_ID_MAX];               /* application id */
	char program[BOUND_PROGRAM + 1];    /* "" if none */
	char superseded_by[SPR_SERIAL_HEX]; /* renewing certificate or "" */
	int sandbox; /* issued by the sandbox's test CA */
};

int store_cred_facts(struct db *db, const char *serial,
    struct cred_facts_row *row, struct problem *p);

/* The verified challenge hash (SHA-256 of partner ":" challenge) while it
 * has not expired at now: its signature's SHA-256 (hex) and answer (a
 * new string, caller frees; NULL for a challenge recorded before). */
int store_verify_seen(struct db *db, const unsigned char hash[32], time_t now,
    char sig_sha_hex[65], char **answer, struct problem *p);

/* Records a verified challenge with its signature's SHA-256 and answer
 * until expires (an expired record of the same hash is replaced).  0, or
 * -1 with p set (409 "conflict": one exists). */
int store_verify_insert(struct db *db, const unsigned char hash[32],
    const char *partner, time_t now, time_t expires,
    const unsigned char sig_sha[32], const char *answer, struct problem *p);

/* The other applications with a certificate whose NPI is application
 * app's but whose applicant is another person (name or date of birth):
 * flags them and app (npi_shared_at, the first time stays).  Returns
 * their number (0: none, nothing flagged) or -1. */
int store_npi_shared_flag(
    struct db *db, const char *app, time_t now, struct problem *p);

/* A practice. */
struct practice_row {
	char id[SPR_ID_MAX];
	char name[SPR_NAME_MAX];
	char renewal[SPR_SHORT_MAX]; /* reapprove or carry */
	time_t created_at, updated_at;
};

/* Creates or updates practice id of partner; 1 created, 0 updated, -1. */
int store_practice_put(struct db *db, const char *partner, const char *id,
    const char *name, const char *renewal, time_t now, struct problem *p);
/* Practice id of partner (lock: its row locked for the transaction, which
 * serialises the practice's link decisions). */
int store_practice_get(struct db *db, const char *partner, const char *id,
    int lock, struct practice_row *row, struct problem *p);

/* A challenge issued for a practice. */
struct pchal_row {
	char id[SPR_ID_MAX];
	char purpose[16];                     /* link or approve */
	char statement[SPR_STMT_MAX];         /* the text signed */
	char serial[SPR_SERIAL_HEX];          /* linked or approved */
	char user[SPR_ID_MAX];                /* link: the user */
	char approver_serial[SPR_SERIAL_HEX]; /* approve: the approver */
	time_t created_at, expires_at;
	time_t used_at; /* 0 if unused */
};

int store_pchal_insert(struct db *db, const char *partner, const char *practice,
    const struct pchal_row *c, struct problem *p);
/* The challenge of partner's practice whose statement is statement, its
 * row locked. */
int store_pchal_take(struct db *db, const char *partner, const char *practice,
    const char *statement, struct pchal_row *row, struct problem *p);
int store_pchal_use(
    struct db *db, const char *id, time_t now, struct problem *p);

/* A credential link, with its approval when it has one. */
struct link_row {
	char id[SPR_ID_MAX];
	char practice[SPR_ID_MAX];
	char user[SPR_ID_MAX];
	char serial[SPR_SERIAL_HEX];
	int enabled, trusted, approved;
	char approved_how[16]; /* first, colleague, carried or "" */
	time_t approved_at, disabled_at, created_at;
	char disabled_reason[SPR_SHORT_MAX];
	char statement[SPR_STMT_MAX]; /* the link challenge, "" for renewal */
	char signature[SPR_SIG_MAX];  /* base64, "" for renewal */
	char renewed_from[SPR_ID_MAX];
	char superseded_by[SPR_ID_MAX];
	/* its approval (approval_id "" if none) */
	char approval_id[SPR_ID_MAX];
	char approver_link[SPR_ID_MAX];
	char approver_serial[SPR_SERIAL_HEX];
	char approval_statement[SPR_STMT_MAX];
	char approval_signature[SPR_SIG_MAX];       /* "" when by passkey */
	char approval_passkey[SPR_ID_MAX];          /* the approver's, or "" */
	char approval_assertion[SPR_ASSERTION_MAX]; /* its assertion (JSON) */
	time_t approval_at;
};

/* A new link (row's id, practice, user, serial, flags, approved_how,
 * statement, signature, renewed_from) at now. */
int store_link_insert(struct db *db, const char *partner,
    const struct link_row *l, time_t now, struct problem *p);
/* Link id of partner's practice (lock: FOR UPDATE). */
int store_link_get(struct db *db, const char *partner, const char *practice,
    const char *id, int lock, struct link_row *row, struct problem *p);
/* The links of partner's practice by (created_at, id), after link id
 * after (NULL: from the start), limit at most. */
int store_link_list(struct db *db, const char *partner, const char *practice,
    const char *after, long limit, struct link_row **rows, int *n,
    struct problem *p);
/* The number of enabled, approved links of the practice other than the
 * link except (may be NULL). */
int store_link_approved_count(struct db *db, const char *partner,
    const char *practice, const char *except, long long *n, struct problem *p);
/* The enabled link of certificate serial at partner's practice. */
int store_link_of_serial(struct db *db, const char *partner,
    const char *practice, const char *serial, struct link_row *row,
    struct problem *p);
/* Sets link id approved (how) at now; 1, or 0 if it was not pending. */
int store_link_approve(struct db *db, const char *id, const char *how,
    time_t now, struct problem *p);
/* Disables link id (reason; superseded_by may be NULL) at now: 1, or 0 if
 * it was disabled already. */
int store_link_disable(struct db *db, const char *id, const char *reason,
    const char *superseded_by, time_t now, struct problem *p);
/* Records approval id of link by approver_link (serial approver_serial)
 * with the statement and either signature or (signature NULL) the
 * approver's passkey and its assertion (JSON text). */
int store_approval_record(struct db *db, const char *id, const char *link,
    const char *approver_link, const char *approver_serial,
    const char *statement, const char *signature, const char *passkey,
    const char *assertion, time_t now, struct problem *p);

/* An enabled link of a renewed certificate, with its partner and the
 * practice's renewal setting. */
struct relink_row {
	struct link_row link;
	char partner[SPR_ID_MAX];
	char renewal[SPR_SHORT_MAX];
};

/* The enabled links of certificate serial, every partner's, locked. */
int store_links_of_cert(struct db *db, const char *serial,
    struct relink_row **rows, int *n, struct problem *p);

#endif
