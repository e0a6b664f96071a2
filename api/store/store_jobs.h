/*
 * The storage of the jobs: the runner's own rows (api/jobs/jobs.c), the
 * verification-code mail (api/service/mailjob.c), and identity proofing
 * (api/service/proofjob.c: the application as the identity check sees it, the
 * providers' answers, the decision and its mail, the lapse of an
 * unverified application).  Typed rows in, typed rows out; the SQL stays
 * in api/store/store.c, api/store/store_mail.c and api/store/store_proofing.c.
 *
 * Finders return 1 (found, row filled), 0 (none) or -1 with p set.
 */
#ifndef RXCA_STORE_JOBS_H
#define RXCA_STORE_JOBS_H

#include <stddef.h>
#include <time.h>

#include "common/problem.h"

#define STORE_JOBS_ID_MAX    64  /* bytes of an id, with its NUL */
#define STORE_JOBS_EMAIL_MAX 256 /* bytes of an e-mail address */
#define STORE_JOBS_NAME_MAX  128 /* bytes of one name part */

struct db;

/* The runner (api/jobs/jobs.c). */

/* A claimed job. */
struct job_row {
	char id[32];                 /* jobs.id */
	char kind[64];               /* e.g. email.code */
	char app[STORE_JOBS_ID_MAX]; /* application id, "" if NULL */
	int attempts;                /* tries so far */
	int max_attempts;            /* tries allowed */
	char *payload;  /* JSON object text (owned), "{}" if NULL */
	time_t expires; /* a mail's deadline so far, 0 if NULL */
	time_t created; /* when it was queued */
};

/* Claims the first job due at now (locked, skipping those locked by
 * others) into row: 1, 0 if none is due, -1 with p set.  Free row with
 * store_job_row_free.  The jobs the transaction queues once a job is
 * claimed (or relocked) fire no NOTIFY rxca_jobs: the runner that holds
 * it claims them itself when its job is done, and waking every node's
 * runners for them cost each a claim that found nothing.  Inside the
 * runner's transaction; the savepoint its job runs under is made in the
 * claim's round trip (db_exec_savepoint). */
int store_job_claim(
    struct db *db, long long now_ms, struct job_row *row, struct problem *p);
void store_job_row_free(struct job_row *row);

/* Queues a job of kind for app (may be NULL) with payload (JSON object
 * text, NULL for {}) to run at run_at, created at now. */
int store_job_insert(struct db *db, const char *kind, const char *app,
    const char *payload, time_t run_at, int max_attempts, time_t now,
    struct problem *p);
/* As store_job_insert without application and payload, unless a job of
 * kind is already queued. */
int store_job_insert_once(struct db *db, const char *kind, time_t run_at,
    int max_attempts, time_t now, struct problem *p);

/* Job id is done (one more try counted). */
int store_job_done(
    struct db *db, const char *id, time_t now, struct problem *p);
/* Job id is dead without another try; error kept unless it has one. */
int store_job_kill(struct db *db, const char *id, time_t now, const char *error,
    struct problem *p);
/*
 * One more failed try of job id (error): tried again at run_at_ms
 * (milliseconds since the epoch), or dead
 * after its last try; a mail (deadline not 0) that met an outage is tried
 * until its deadline.  Its new state ("queued", "dead"; "" if the job is
 * gone) into state.  0, or -1 with p set.
 */
int store_job_retry(struct db *db, const char *id, long long run_at_ms,
    const char *error, time_t now, time_t deadline, int outage, char *state,
    size_t statesz, struct problem *p);

/* No runner claims job id before until (committed before an outbound
 * call). */
int store_job_lease(
    struct db *db, const char *id, time_t until, time_t now, struct problem *p);
/* Locks job id again if it is still queued and not locked by another:
 * 1, 0 if not, -1 with p set. */
int store_job_relock(struct db *db, const char *id, struct problem *p);

/*
 * For a job handler about to call out: commits the runner's transaction
 * (the handler's writes so far) with job id leased until until (no runner
 * claims it before), so that no transaction is open across the call;
 * rolls back if either fails.  0, or -1 with p set.
 */
int store_job_pause(
    struct db *db, const char *id, time_t until, time_t now, struct problem *p);
/*
 * store_job_pause, without waiting for the COMMIT's WAL flush (as
 * tx_commit_unflushed, api/store/tx.h): for a job that wrote nothing
 * before its call.  A database crash in the next moment loses the lease
 * and the claim's try count with it, and the job is claimed again as if
 * never taken; the job's own COMMIT, synchronous, makes both durable.
 */
int store_job_pause_unflushed(
    struct db *db, const char *id, time_t until, time_t now, struct problem *p);
/*
 * After store_job_pause(..., until, ...): begins a new transaction with job
 * id locked again and a savepoint (the handler's try, as the runner made
 * it).  1 (open); 0 (nothing open) if the job is no longer queued, or no
 * longer has the lease until (it ran out, and another runner claimed the
 * job since: its try is the one that counts); -1 with p set (nothing
 * open), as when another holds it locked.
 */
int store_job_resume(
    struct db *db, const char *id, time_t until, struct problem *p);

/*
 * The runner's LISTEN connection: NOTIFY rxca_jobs (a job was queued)
 * and the channels the domains register.
 */
struct store_listen;

/* A new connection to url (a libpq conninfo or URI), non-blocking, that
 * listens on rxca_jobs and on each of channels[0..n-1] (each [a-z_], at
 * most 63 bytes).  NULL if it cannot connect or listen, or a channel's
 * name is not such.  Caller frees with store_listen_close. */
struct store_listen *store_listen_open(
    const char *url, const char *const *channels, size_t n);
/* The socket to wait on for notifications to read. */
int store_listen_fd(const struct store_listen *l);
/* Reads what has arrived on l and calls fn(channel, arg) for each
 * notification, in order (channel borrowed for the call).  0, or -1 if
 * the connection is lost (then close it). */
int store_listen_read(struct store_listen *l,
    void (*fn)(const char *channel, void *arg), void *arg);
/* Closes l; NULL-safe. */
void store_listen_close(struct store_listen *l);

/* The number of queued jobs into *n and the earliest run_at among them,
 * in milliseconds since the epoch rounded up, into *next_ms (0 if
 * none). */
int store_job_queued(
    struct db *db, long *n, long long *next_ms, struct problem *p);

/* The mail outbox, for /metrics. */
struct outbox_stats {
	long queued;   /* mail jobs queued */
	time_t oldest; /* the oldest queued one's creation, 0 if none */
	long dead;     /* mail jobs dead */
};
int store_outbox_stats(
    struct db *db, struct outbox_stats *s, struct problem *p);
/* store_job_queued and store_outbox_stats in one round trip. */
int store_job_stats(struct db *db, long *n, long long *next_ms,
    struct outbox_stats *s, struct problem *p);

/* An application in identity proofing, with what the providers are told.
 * Every string is owned (free with store_proof_app_free) and NULL where
 * the column is NULL. */
struct proof_app_row {
	char status[32]; /* email_pending, proofing, approved, ... */
	int nist;        /* policy nist-800-63 (else the IGC policy) */
	int epcs;        /* the product signs controlled substances */
	int has_dea;     /* a DEA number is on file */
	char *given_name, *middle_name, *family_name;
	char *date_of_birth; /* YYYY-MM-DD */
	char *email, *phone;
	char *line1, *line2, *city, *state, *postal_code, *country;
	char *ssn_last4;  /* four digits */
	char *card_token; /* the card address check's token */
	int sandbox;      /* a partner's sandbox application */
};

/* Application id, its row locked (inside the caller's transaction): 1, 0
 * if there is no such application, or -1 with p set. */
int store_proof_app_lock(struct db *db, const char *id,
    struct proof_app_row *row, struct problem *p);
/* Frees the strings of row (not row); NULL-safe. */
void store_proof_app_free(struct proof_app_row *row);

/* One provider's answer (or failure), as an identity_checks row. */
struct check_row {
	const char *app;        /* application id */
	const char *provider;   /* "idv" or "avs" */
	const char *request_id; /* sent */
	int attempt;            /* the job's try */
	const char *outcome;    /* contract name, or "error" */
	int score;              /* -1: none */
	const char *reasons;    /* JSON array text; NULL: [] */
	const char *error;      /* NULL for an answer */
	time_t at;
};

/* Records c.  0, or -1 with p set. */
int store_proof_check_insert(
    struct db *db, const struct check_row *c, struct problem *p);

/* The newest usable answer of one provider. */
struct check_answer {
	char provider[16]; /* idv or avs */
	char outcome[32];  /* contract name */
	int score;         /* -1 if NULL */
	char *reasons;     /* JSON array text (owned), NULL if NULL */
};

/* The newest usable answer of each provider about application id into a
 * new array *rows of *n (free with store_proof_check_latest_free).  0, or -1
 * with p set. */
int store_proof_check_latest(struct db *db, const char *id,
    struct check_answer **rows, size_t *n, struct problem *p);
void store_proof_check_latest_free(struct check_answer *rows, size_t n);

/* store_proof_app_lock, then store_proof_check_latest once the lock is
 * held, in one round trip: what an identity check reads before it asks
 * the providers.  As store_proof_app_lock; *rows and *n are filled only
 * on 1. */
int store_proof_app_open(struct db *db, const char *id,
    struct proof_app_row *row, struct check_answer **rows, size_t *n,
    struct problem *p);

/* The decision on application id (decision "approve" or "reject", codes a
 * JSON array text or NULL for []): 1 recorded, 0 if it already has one,
 * -1 with p set. */
int store_proof_decision_insert(struct db *db, const char *id,
    const char *decision, const char *actor, const char *reason,
    const char *codes, time_t now, struct problem *p);

/* The retrieval kit kid of application id, valid until expires. */
int store_proof_kit_insert(struct db *db, const char *kid, const char *id,
    time_t expires, time_t now, struct problem *p);

/* What the decision mail says. */
struct decision_mail_row {
	char decision[16];                /* approve or reject */
	char *reason;                     /* owned, NULL if NULL */
	char email[STORE_JOBS_EMAIL_MAX]; /* the applicant's */
	char given[STORE_JOBS_NAME_MAX];  /* given name */
};

/* The decision on application id and its applicant's address. */
int store_proof_decision_mail(struct db *db, const char *id,
    struct decision_mail_row *row, struct problem *p);
void store_proof_decision_mail_free(struct decision_mail_row *row);

/* Moves up to 200 email_pending applications past their window (before
 * now) to lapsed, locked, their ids into a new array *ids of *n (free
 * with store_lapse_ids_free).  0, or -1 with p set. */
int store_proof_lapse_due(struct db *db, time_t now,
    char (**ids)[STORE_JOBS_ID_MAX], size_t *n, struct problem *p);
void store_lapse_ids_free(char (*ids)[STORE_JOBS_ID_MAX]);

/* Ends every live e-mail code of application id.  0, or -1. */
int store_email_codes_end(struct db *db, const char *id, struct problem *p);

/* The verification-code mail (api/service/mailjob.c). */

/* An application as its code mail needs it. */
struct mail_app_row {
	char status[32];                  /* email_pending, ... */
	char email[STORE_JOBS_EMAIL_MAX]; /* where the code goes */
	char given[STORE_JOBS_NAME_MAX];  /* given name */
	time_t verify_by;                 /* end of the e-mail window */
	int nist;                         /* policy nist-800-63 */
};

/* Application id, its row locked. */
int store_mail_app_lock(
    struct db *db, const char *id, struct mail_app_row *row, struct problem *p);

/* Into *deadline the expiry of the last code job made, else the end of
 * application app's e-mail window (0 if neither).  0, or -1 with p set. */
int store_mail_code_deadline(struct db *db, const char *job, const char *app,
    time_t *deadline, struct problem *p);

/* 1 if a newer code mail of application app than job is queued or done
 * (a resend), 0 if not, -1 with p set. */
int store_mail_code_superseded(
    struct db *db, const char *app, const char *job, struct problem *p);

/* The live code that job made for application app, locked. */
struct mail_code_row {
	char id[STORE_JOBS_ID_MAX]; /* email_codes.id */
	time_t expires;             /* its expiry */
	int maybe_sent;             /* its hash may have been mailed */
};
int store_mail_code_of_job(struct db *db, const char *app, const char *job,
    struct mail_code_row *row, struct problem *p);

/* Code id gets hash (hashlen bytes); with keep the hash it replaces may
 * have been mailed and stays valid among the newest keep_max bytes of
 * earlier hashes.  0, or -1 with p set. */
int store_mail_code_rehash(struct db *db, const char *id,
    const unsigned char *hash, size_t hashlen, int keep, int keep_max,
    struct problem *p);

/* A new live code of application app made by job (its hash may be
 * mailed), its id into id.  0, or -1 with p set. */
int store_mail_code_insert(struct db *db, const char *app,
    const unsigned char *hash, size_t hashlen, time_t now, time_t expires,
    const char *job, char *id, size_t idsz, struct problem *p);

/* The send of code id failed: its hash was not mailed. */
int store_mail_code_unsent(struct db *db, const char *id, struct problem *p);

/* A code mail went to application app's address at now. */
int store_mail_sent(
    struct db *db, const char *app, time_t now, struct problem *p);

#endif
