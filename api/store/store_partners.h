/*
 * The storage of partners (api/service/partner.c, api/routes/h_partner.c,
 * api/routes/h_partners.c): partners and their API keys, the program's
 * applications and certificates as a partner sees them, seen challenges,
 * the partner's webhook and its delivery log, invitations and vouchers.
 * Typed rows in, typed rows out; the SQL stays in api/store/store_partner.c.
 *
 * Finders return 1 (found, row filled), 0 (none) or -1 with p set.  A
 * list is an array the caller frees with its *_free (NULL-safe), and a
 * count.  Every time is a parameter from the clock.  A NULL column reads
 * as "" with its has_* flag 0, or as time 0.
 */
#ifndef RXCA_STORE_PARTNERS_H
#define RXCA_STORE_PARTNERS_H

#include <stddef.h>
#include <time.h>

#include "common/bounds.h"
#include "common/problem.h"

#define SP_ID_MAX      48   /* bytes of an id, with its NUL */
#define SP_SHORT_MAX   64   /* bytes of a status, product, state, ... */
#define SP_NAME_MAX    128  /* bytes of a name */
#define SP_EMAIL_MAX   256  /* bytes of an e-mail address */
#define SP_SUBJECT_MAX 1024 /* bytes of a certificate subject */
#define SP_URL_MAX     2048 /* bytes of a webhook URL (WEBHOOK_URL_MAX) */
#define SP_ERROR_MAX   512  /* bytes of a delivery's error */

/* bytes of a program code (PARTNER_PROGRAM_MAX), with its NUL */
#define SP_PROGRAM_MAX (BOUND_PROGRAM + 1)

struct db;

/* A partner. */
struct partner_row {
	char id[32];                  /* prt_... */
	char name[SP_NAME_MAX];       /* shown to operators */
	char program[SP_PROGRAM_MAX]; /* its program code */
	char sandbox_of[32];          /* the live partner of a sandbox, or "" */
	time_t created_at;            /* made */
};

/* Partner id (with lock, its row locked for the transaction). */
int store_partner_by_id(struct db *db, const char *id, int lock,
    struct partner_row *row, struct problem *p);

/* The sandbox partner of live partner id. */
int store_partner_sandbox(
    struct db *db, const char *id, struct partner_row *row, struct problem *p);

/*
 * Takes program's lock for the rest of the transaction (new applications
 * naming it wait) and says whether an application names it: 1 if one
 * does, 0 if none, -1 with p set.
 */
int store_program_claim(struct db *db, const char *program, struct problem *p);

/* Whether application id is a sandbox one (by_program 0), or program id
 * a sandbox partner's (1): 1, 0 (a live one, or none), -1 with p set. */
int store_app_sandbox(
    struct db *db, const char *id, int by_program, struct problem *p);

/* A new partner; sandbox_of names the live partner of a sandbox, NULL
 * for a live one.  0, or -1 with p set (409 "conflict" if the program
 * has a partner, or the live partner a sandbox). */
int store_partner_insert(struct db *db, const char *id, const char *name,
    const char *program, const char *sandbox_of, time_t now, const char *actor,
    struct problem *p);

/* A new API key key_id of partner with the SHA-256 of its secret. */
int store_partner_key_insert(struct db *db, const char *key_id,
    const char *partner, const unsigned char hash[32], time_t now,
    const char *actor, struct problem *p);

/* An API key with its partner, read on every partner request. */
struct partner_key_row {
	unsigned char hash[32]; /* SHA-256 of the secret */
	long hash_len;          /* bytes stored (32, else it is refused) */
	int revoked;            /* revoked_at is set */
	time_t expires_at;      /* refused from then on (a rotation's
	                           grace), or 0 */
	struct partner_row partner;
};

int store_partner_key_by_id(struct db *db, const char *key_id,
    struct partner_key_row *row, struct problem *p);

/* Revokes key key_id of partner (the first time stays): 1 with the time
 * in *revoked_at, 0 if partner has no such key, -1. */
int store_partner_key_revoke(struct db *db, const char *partner,
    const char *key_id, time_t now, const char *actor, time_t *revoked_at,
    struct problem *p);

/* An application of a partner's program. */
struct partner_app_row {
	char id[SP_ID_MAX];
	char status[SP_SHORT_MAX];
	char product[SP_SHORT_MAX];
	char program[SP_PROGRAM_MAX];
	char given_name[SP_NAME_MAX];
	char family_name[SP_NAME_MAX];
	char email[SP_EMAIL_MAX];
	char npi[SP_SHORT_MAX];        /* "" if NULL */
	int has_npi;                   /* npi is not NULL */
	char dea_number[SP_SHORT_MAX]; /* "" if NULL */
	int has_dea_number;            /* dea_number is not NULL */
	time_t created_at, updated_at;
	long long updated_epoch; /* updated_at in seconds, for the cursor */
};

/* A page of program's applications by (updated_at, id). */
struct partner_app_query {
	const char *program;  /* the partner's */
	const char *status;   /* only this status, or NULL */
	int has_since;        /* only those updated at or after since */
	time_t since;         /* when has_since */
	const char *after_id; /* after (after_time, after_id), or NULL */
	time_t after_time;    /* when after_id */
	long limit;           /* rows at most */
};

int store_partner_app_list(struct db *db, const struct partner_app_query *q,
    struct partner_app_row **rows, int *n, struct problem *p);
void store_partner_app_rows_free(struct partner_app_row *rows);

/* Application id if it is program's. */
int store_partner_app_get(struct db *db, const char *id, const char *program,
    struct partner_app_row *row, struct problem *p);

/* A certificate as a partner sees it (not signing, not abandoned). */
struct partner_cert_row {
	char serial[2 * 16 + 1]; /* hex */
	char state[SP_SHORT_MAX];
	time_t not_before, not_after;
	time_t revoked_at;                    /* 0 if not revoked */
	char revocation_reason[SP_SHORT_MAX]; /* "" if NULL */
	int has_revocation_reason;            /* it is not NULL */
	/* store_partner_cert_get and _verify only: */
	char subject[SP_SUBJECT_MAX];
	char app[SP_ID_MAX];
	char npi[SP_SHORT_MAX];
	int has_npi;
	char dea_number[SP_SHORT_MAX];
	int has_dea_number;
	char email[SP_EMAIL_MAX];
	/* store_partner_cert_verify only: the recorded DER, caller frees
	 * with store_partner_cert_row_free. */
	unsigned char *der;
	long der_len; /* -1 if NULL */
};

/* The certificates of application app, in the order recorded. */
int store_partner_app_certs(struct db *db, const char *app,
    struct partner_cert_row **rows, int *n, struct problem *p);
void store_partner_cert_rows_free(struct partner_cert_row *rows);

/* Certificate serial (16 bytes) if program's. */
int store_partner_cert_get(struct db *db, const unsigned char *serial,
    const char *program, struct partner_cert_row *row, struct problem *p);
/* As store_partner_cert_get, with its DER. */
int store_partner_cert_verify(struct db *db, const unsigned char *serial,
    const char *program, struct partner_cert_row *row, struct problem *p);
/* Frees the DER in row (not row); NULL-safe. */
void store_partner_cert_row_free(struct partner_cert_row *row);

/* Records a verified challenge (hash of partner and challenge) until
 * expires.  0, or -1 with p set (409 "conflict": a replay). */
int store_partner_challenge_insert(struct db *db, const unsigned char hash[32],
    const char *partner, time_t expires, struct problem *p);

/* Sets partner's webhook. */
int store_partner_hook_put(struct db *db, const char *partner, const char *url,
    const char *secret, time_t now, struct problem *p);

/* Partner's webhook (never its secret). */
struct partner_hook_row {
	char url[SP_URL_MAX];
	time_t updated_at;
	char secret_id[40];      /* whs_...: the secret that signs */
	char old_secret_id[40];  /* "" if none: the previous one */
	time_t old_secret_until; /* 0 if none: the previous one's end */
};

int store_partner_hook_get(struct db *db, const char *partner,
    struct partner_hook_row *row, struct problem *p);

/* One try to deliver an event to a partner's webhook. */
struct partner_delivery_row {
	char id[32]; /* decimal */
	char event_id[SP_ID_MAX];
	char type[96];
	int attempt;
	time_t at;
	int http_status; /* 0 if NULL: no answer */
	int has_http_status;
	char error[SP_ERROR_MAX]; /* "" if NULL */
	int has_error;
	int duration_ms;
	char outcome[16];     /* delivered, failed, dead */
	char event_state[16]; /* of the event */
	char secret_ids[96];  /* "whs_a" or "whs_a,whs_b"; "" if unknown */
	int redelivery;       /* asked for by POST .../redeliver */
	long long sequence;   /* the event's */
};

/* Partner's deliveries by id after after (has_after), at most limit. */
int store_partner_delivery_list(struct db *db, const char *partner,
    int has_after, long long after, long limit,
    struct partner_delivery_row **rows, int *n, struct problem *p);
void store_partner_delivery_rows_free(struct partner_delivery_row *rows);

/* Invitations partner made after since, into *count. */
int store_partner_invitation_count(struct db *db, const char *partner,
    time_t since, long long *count, struct problem *p);
/* Invitation id made at now whose link expires at expires. */
int store_partner_invitation_insert(struct db *db, const char *id,
    const char *partner, const char *email, time_t now, time_t expires,
    struct problem *p);
/* Invitation id was mailed at now. */
int store_partner_invitation_sent(
    struct db *db, const char *id, time_t now, struct problem *p);

/* An invitation with the newest job that mails it. */
struct partner_invitation_row {
	char id[SP_ID_MAX];
	char email[SP_EMAIL_MAX];
	time_t created_at;
	time_t sent_at;          /* 0 if not sent */
	int has_job;             /* a job mails it */
	char job_state[16];      /* when has_job */
	int job_attempts;        /* when has_job */
	time_t job_updated_at;   /* when has_job */
	long long created_epoch; /* created_at in seconds, for the cursor */
	time_t opened_at;        /* the link first followed, or 0 */
	time_t applied_at;       /* an application came with it, or 0 */
	char application_id[SP_ID_MAX]; /* that application, or "" */
	time_t expires_at;              /* its link expires then */
	char status[16]; /* queued, sent, failed, opened, expired or applied */
};

/* Partner's invitations by (created_at, id) after (after_time, after_id)
 * (after_id NULL: from the first), at most limit, of status at now only
 * (NULL: any). */
int store_partner_invitation_list(struct db *db, time_t now,
    const char *partner, const char *after_id, time_t after_time, long limit,
    const char *status, struct partner_invitation_row **rows, int *n,
    struct problem *p);
void store_partner_invitation_rows_free(struct partner_invitation_row *rows);
/* Partner's invitation id with its status at now: 1, 0 if none, -1. */
int store_partner_invitation_get(struct db *db, time_t now, const char *id,
    const char *partner, struct partner_invitation_row *row, struct problem *p);

/* A voucher a partner holds. */
struct partner_voucher_row {
	char code[SP_ID_MAX];
	long long amount_cents;
	time_t created_at;
	char redeemed_by[SP_ID_MAX]; /* "" if NULL */
	int has_redeemed_by;
	time_t redeemed_at; /* 0 if not redeemed */
};

int store_partner_voucher_insert(struct db *db, const char *code,
    long long amount_cents, const char *partner, time_t now, struct problem *p);
/* Partner's vouchers (500 at most). */
int store_partner_voucher_list(struct db *db, const char *partner,
    struct partner_voucher_row **rows, int *n, struct problem *p);
void store_partner_voucher_rows_free(struct partner_voucher_row *rows);

/* A partner as operators list it. */
struct partner_summary_row {
	struct partner_row partner;
	int program_open; /* uninvited applications may name it */
	time_t created_at;
	long keys_live;     /* neither revoked nor past a rotation's end */
	long vouchers;      /* made */
	long vouchers_left; /* not redeemed */
	char webhook_url[SP_URL_MAX]; /* "" if none */
};

/* Every partner by name (500 at most), or only partner id when id is not
 * "", at now. */
int store_partner_summaries(struct db *db, const char *id, time_t now,
    struct partner_summary_row **rows, int *n, struct problem *p);
void store_partner_summary_rows_free(struct partner_summary_row *rows);

#endif
