/*
 * The storage of applications (api/service/app.c, api/routes/h_applications.c,
 * api/routes/h_public.c): the catalog, the timeline and status of an
 * application, intake (idempotency keys, vouchers, the application row
 * and its secret answers), the applicant's view of it, e-mail
 * verification codes, the decision mail's resend and readiness.  Typed
 * rows in, typed rows out; the SQL and its columns stay in
 * api/store/store_app.c.
 *
 * Finders return 1 (found, row filled), 0 (none) or -1 with p set; other
 * functions 0 or -1 with p set.
 */
#ifndef RXCA_STORE_APP_H
#define RXCA_STORE_APP_H

#include <stddef.h>
#include <time.h>

#include "common/problem.h"

#define STORE_APP_ID_MAX     48  /* bytes of an application id, with NUL */
#define STORE_APP_STATUS_MAX 32  /* bytes of a status, with its NUL */
#define STORE_APP_EMAIL_MAX  256 /* bytes of an e-mail address */
#define STORE_APP_EARLIER    8   /* earlier code hashes kept at most */

struct db;
struct catalog;
struct application_input;

/* 0 if the database answers, else -1 with p set. */
int store_ping(struct db *db, struct problem *p);

/* Mail jobs not yet delivered, for readiness. */
struct ready_outbox {
	long queued;   /* mail jobs queued */
	time_t oldest; /* creation of the oldest queued; 0 if none */
	long dead;     /* mail jobs given up */
};

int store_ready_outbox(
    struct db *db, struct ready_outbox *o, struct problem *p);

/* The catalog (products, storage, shipping, taxes) into c, each list cut
 * at its bound.  0, or -1 with p set. */
int store_catalog_load(struct db *db, struct catalog *c, struct problem *p);

/* A timeline row of application app (status after the step, actor, note
 * shown to the applicant, NULL for none). */
int store_app_event_add(struct db *db, const char *app, time_t at,
    const char *status, const char *actor, const char *note, struct problem *p);

/* Sets the status (and updated_at) of application app. */
int store_app_status_set(struct db *db, const char *app, const char *status,
    time_t now, struct problem *p);

/* The idempotency key (scope, key): the SHA-256 of the request that used
 * it into hash, and the resource it created into resource. */
int store_app_idem_get(struct db *db, const char *scope, const char *key,
    unsigned char hash[32], char *resource, size_t resourcesz,
    struct problem *p);

/* Claims (scope, key) for the request hashing to hash, creating resource:
 * 1 claimed, 0 if it was claimed already, -1 with p set. */
int store_app_idem_claim(struct db *db, const char *scope, const char *key,
    const unsigned char hash[32], const char *resource, time_t now,
    struct problem *p);

/* The amount of unredeemed voucher code for an application of program
 * (may be NULL) into *cents; with lock, its row is locked. */
int store_app_voucher(struct db *db, const char *code, const char *program,
    int lock, long *cents, struct problem *p);

/* Voucher code redeemed by application app. */
int store_app_voucher_redeem(struct db *db, const char *code, const char *app,
    time_t now, struct problem *p);

/* A new application, in status email_pending, with its secret answers. */
struct app_new {
	const char *id;                     /* app_... */
	const char *policy;                 /* policy name */
	const struct application_input *in; /* the parsed body */
	const char *password_hash;          /* encoded Argon2id */
	char *const *answer_hashes;         /* in->nqa encoded Argon2id */
	const char *price_json;             /* the price, as JSON text */
	long total_cents;                   /* the price's total */
	time_t now;                         /* created, agreement accepted */
	time_t verify_by;                   /* end of the e-mail window */
};

/* 0, or -1 with p set (409 "conflict" if the id is taken). */
int store_app_insert(struct db *db, const struct app_new *a, struct problem *p);

/* What a 201 says of an application. */
struct app_summary_row {
	char status[STORE_APP_STATUS_MAX];
	time_t email_verify_by;
	char *price; /* JSON text, malloc'd */
};

int store_app_summary(struct db *db, const char *app, struct app_summary_row *s,
    struct problem *p);
/* Frees what store_app_summary put in s (not s); NULL-safe. */
void store_app_summary_free(struct app_summary_row *s);

/* An application as its applicant and operators see it.  Strings are
 * malloc'd; NULL where the column is NULL. */
struct app_view_row {
	char *id, *status, *policy, *product;
	char *storage, *shipping, *program; /* storage, program may be NULL */
	char *given_name, *middle_name, *family_name, *email, *phone;
	char *city, *state, *country; /* of the home address */
	char *price;                  /* JSON text */
	char *agreement_version;      /* subscriber agreement accepted */
	time_t created_at, updated_at;
	time_t email_verify_by, email_verified_at; /* 0 if not verified */
};

int store_app_view(
    struct db *db, const char *app, struct app_view_row *v, struct problem *p);
/* Frees the strings of v (not v); NULL-safe. */
void store_app_view_free(struct app_view_row *v);

/* A timeline entry, borrowed for the length of the callback. */
struct app_event_row {
	const char *status; /* after the step */
	time_t at;
	const char *actor; /* may be NULL */
	const char *note;  /* may be NULL */
};

/* Calls fn for each timeline entry of app, oldest first.  The number of
 * entries, or -1 with p set. */
int store_app_events(struct db *db, const char *app,
    void (*fn)(const struct app_event_row *e, void *arg), void *arg,
    struct problem *p);

/* The identity fields a new application is prefilled with, and whether
 * the latest certificate of the application has expired at now.  Strings
 * malloc'd, NULL where NULL. */
struct app_prefill_row {
	char *product, *storage,
	    *shipping; /* storage: existing-token or NULL */
	char *given_name, *middle_name, *family_name, *date_of_birth;
	char *email, *phone;
	char *line1, *line2, *city, *state, *postal_code, *country;
	char *npi, *dea_number, *agreement_version;
	int expired; /* a certificate of it was and is no longer valid */
};

int store_app_prefill(struct db *db, const char *app, time_t now,
    struct app_prefill_row *f, struct problem *p);
/* Frees the strings of f (not f); NULL-safe. */
void store_app_prefill_free(struct app_prefill_row *f);

/* An application waiting for its e-mail to be verified, locked. */
struct app_lock_row {
	char status[STORE_APP_STATUS_MAX];
	time_t email_verify_by;
	int email_failures;        /* wrong codes so far */
	int email_resends;         /* codes asked for again */
	time_t email_last_sent_at; /* 0 if none yet */
};

int store_app_lock(
    struct db *db, const char *app, struct app_lock_row *l, struct problem *p);

/* The e-mail address of application app, its row locked. */
int store_app_email_of(struct db *db, const char *app, char *email,
    size_t emailsz, struct problem *p);

/* One more wrong code on application app: *failures so far. */
int store_app_email_failed(
    struct db *db, const char *app, int *failures, struct problem *p);

/* One more code asked for again. */
int store_app_resend(
    struct db *db, const char *app, time_t now, struct problem *p);

/* E-mail verified: the application goes to proofing. */
int store_app_verified(
    struct db *db, const char *app, time_t now, struct problem *p);

/* The live verification code of an application, locked. */
struct email_code_row {
	long long id;
	unsigned char hash[32]; /* SHA-256 of the application id and code */
	time_t expires_at;
	int attempts;                                  /* wrong tries so far */
	unsigned char earlier[32 * STORE_APP_EARLIER]; /* still valid hashes */
	long nearlier; /* bytes in earlier; -1 if more than fit */
};

int store_app_code_live(struct db *db, const char *app,
    struct email_code_row *c, struct problem *p);

/* The attempts on the latest code of app, live or not. */
int store_app_code_last(
    struct db *db, const char *app, int *attempts, struct problem *p);

/* One more wrong try on code id, dead at limit: *attempts so far (1), or
 * 0 if there is no such code. */
int store_app_code_fail(
    struct db *db, long long id, int limit, int *attempts, struct problem *p);

/* Code id used. */
int store_app_code_use(struct db *db, long long id, struct problem *p);

/* Every live code of application app dead. */
int store_app_codes_kill(struct db *db, const char *app, struct problem *p);

/* The application's status, and whether it has a decision, locked. */
int store_app_decision_lock(struct db *db, const char *app, char *status,
    size_t statussz, int *decided, struct problem *p);

/* The decision mails of an application at now. */
struct app_decision_mails {
	long sent;   /* decision mail jobs, any state */
	time_t last; /* the newest one's creation; 0 if none */
	long queued; /* waiting to be sent: not one in flight (a runner
	                holds it under a lease: no try counted, run_at
	                ahead), whose sending a resend cannot join */
};

int store_app_decision_mails(struct db *db, const char *app, time_t now,
    struct app_decision_mails *m, struct problem *p);

/* The waiting decision mails of app (as counted in queued) run now, and
 * the runner is woken. */
int store_app_decision_kick(
    struct db *db, const char *app, time_t now, struct problem *p);

/* The subscriber agreement (migration 0026): the current version (the
 * latest published) and its text; whether version was ever published. */
struct agreement_row {
	char version[33];
	time_t published_at;
	char *body; /* paragraphs separated by a blank line */
};

int store_agreement_current(
    struct db *db, struct agreement_row *a, struct problem *p);
int store_agreement_published(
    struct db *db, const char *version, struct problem *p);

/* The certificates of an application, oldest first (signed ones only). */
struct app_cert_row {
	char serial[33]; /* lower-case hex */
	char state[16];  /* issued, revoked */
	time_t not_before, not_after, issued_at;
	int renewed; /* a later certificate renews this one */
};

long store_app_certs(struct db *db, const char *app, struct app_cert_row **rows,
    struct problem *p);

#endif
