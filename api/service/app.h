/*
 * The server-wide state shared by the loop and the workers.  Fields set at
 * start-up are read-only afterwards; the rest say how they are guarded.
 */
#ifndef RXCA_APP_H
#define RXCA_APP_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include <jansson.h>

#include "api/config.h"
#include "common/problem.h"
#include "proofing/catalog.h"
#include "proofing/secret.h"

struct authority;
struct db;
struct tx;
struct ocspcache;
struct mailer;
struct pool;
struct metrics;

struct app {
	struct config *cfg;               /* settings */
	struct event_base *base;          /* the loop */
	struct pool *pool;                /* workers */
	struct mailer *mailer;            /* outgoing mail */
	struct authority *authority;      /* the CA, loaded on first use */
	struct authority *sandbox_ca;     /* the sandbox's test CA, same */
	struct ocspcache *ocsp;           /* pre-signed OCSP responses */
	struct metrics *metrics;          /* loop-only counters */
	struct secret_params argon;       /* Argon2id parameters */
	pthread_mutex_t catalog_lock;     /* guards the two below */
	struct catalog catalog;           /* cached from the database */
	time_t catalog_at;                /* when loaded; 0: never */
	atomic_int db_up;                 /* last seen state */
	atomic_long jobs_queued;          /* last count seen */
	atomic_long applications_created; /* since start */
	atomic_long emails_sent;          /* since start */
	atomic_long ocsp_signed;          /* OCSP responses signed */
	atomic_long jobs_failed;          /* tries that failed */
	atomic_long outbox_queued;        /* mail jobs queued, last count */
	atomic_long outbox_dead;          /* mail jobs dead, last count */
	atomic_long outbox_oldest;        /* oldest queued mail's creation */
	atomic_int stopping;              /* SIGTERM came: claim no job */
	atomic_long root_crl_next_update; /* last root CRL's end; 0: none */
	atomic_int root_crl_due;          /* it ends within the reminder */
};

/* Copies the catalog into out, loading it if older than a minute.  Runs on
 * a worker.  0, or -1 with p set. */
int app_catalog(
    struct app *app, struct db *db, struct catalog *out, struct problem *p);

/*
 * Records that application id moved from status from (NULL for a new one)
 * to status to, at tx's now, by actor: checks the move against the state
 * machine (proofing/appstate.h; 409 if it is not allowed), then writes a
 * timeline row, an audit record (action "application.<to>", details
 * borrowed, may be NULL) and the partner's webhook event, in the unit of
 * work tx.  The status column is the caller's to set.
 */
int app_record_tx(struct tx *tx, const char *id, const char *from,
    const char *to, const char *actor, const char *note, json_t *details,
    struct problem *p);

/*
 * As app_record_tx, and also sets the status column (and updated_at) of
 * application id to to: the whole move, in the unit of work tx.
 */
int app_move_tx(struct tx *tx, const char *id, const char *from, const char *to,
    const char *actor, const char *note, json_t *details, struct problem *p);

/* app_record_tx and app_move_tx inside the caller's transaction on db, at
 * now, for callers that hold no unit of work. */
int app_record(struct db *db, const char *id, const char *from, const char *to,
    const char *actor, const char *note, time_t now, json_t *details,
    struct problem *p);
int app_move(struct db *db, const char *id, const char *from, const char *to,
    const char *actor, const char *note, time_t now, json_t *details,
    struct problem *p);

/*
 * Adds a timeline entry that is not a move (the status stays status), for
 * steps such as "identity check started", inside the caller's
 * transaction.  note is shown to the applicant.
 */
int app_note(struct db *db, const char *id, const char *status,
    const char *actor, const char *note, time_t now, struct problem *p);

#endif
