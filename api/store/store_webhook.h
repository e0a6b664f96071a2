/*
 * The storage of webhook deliveries (api/service/webhook.c): the outbox of
 * events per partner, the partner's receiver, the delivery log.  Typed rows in,
 * typed rows out; the SQL stays in api/store/store_partner.c and here.  Every
 * time is a parameter from the clock.
 *
 * Finders return 1 (found, row filled), 0 (none) or -1 with p set.
 */
#ifndef RXCA_STORE_WEBHOOK_H
#define RXCA_STORE_WEBHOOK_H

#include <stddef.h>
#include <time.h>

#include "common/problem.h"

#define STORE_HOOK_ID_MAX 72 /* bytes of a partner or event id, with NUL */

struct db;

/* Called once per delivery lane (partner, ordering key); 0 to go on, -1
 * with p set to stop. */
typedef int store_hook_lane_fn(struct db *db, const char *partner,
    const char *key, void *arg, struct problem *p);

/* The partner an event about application app goes to, and the event's
 * sequence number (taken). */
struct hook_seq {
	char partner[STORE_HOOK_ID_MAX]; /* the partner of app's program */
	long long sequence;              /* the partner's next, from 1 */
	int has_webhook;                 /* 0: recorded, not sent */
};

/*
 * Takes the next sequence number of the partner of application app's
 * program, inside the caller's transaction: the partner's counter row
 * stays locked until it ends, so a concurrent event of that partner waits
 * and gets the number after (no gap, no duplicate, committed in order).
 * 1 (filled), 0 (no partner for that program), -1 with p set.
 */
int store_hook_sequence_next(
    struct db *db, const char *app, struct hook_seq *s, struct problem *p);

/* An event to record (store_hook_event_insert). */
struct hook_event_new {
	const char *id;        /* evt_... */
	const char *partner;   /* from store_hook_sequence_next */
	const char *app;       /* application id */
	const char *type;      /* e.g. certificate.revoked */
	const char *order_key; /* "app:<id>" or "cert:<serial>" */
	long long sequence;    /* from store_hook_sequence_next */
	const char *body;      /* the exact JSON sent */
	int pending;           /* 1: to deliver; 0: no webhook ("unsent") */
};

/* Records event e at now (due at now).  0, or -1 with p set. */
int store_hook_event_insert(struct db *db, const struct hook_event_new *e,
    time_t now, struct problem *p);

/* What an event about a certificate says. */
struct hook_cert_row {
	char app[STORE_HOOK_ID_MAX]; /* application id */
	int has_program;             /* 0: no partner to tell */
	char *subject;               /* malloc'd */
	time_t not_before, not_after;
	char reason[48]; /* revocation reason, "" if not revoked */
	time_t revoked_at;
};

/* The certificate of serial (16 bytes). */
int store_hook_cert(struct db *db, const unsigned char *serial,
    struct hook_cert_row *row, struct problem *p);
void store_hook_cert_free(struct hook_cert_row *row);

#define STORE_HOOK_SECRET_ID_MAX 40 /* bytes of a secret id, with NUL */

/* A partner's receiver and the secrets that sign for it. */
struct hook_target {
	char *url;                                    /* malloc'd */
	char *secret;                                 /* malloc'd; cleansed */
	char secret_id[STORE_HOOK_SECRET_ID_MAX];     /* whs_... */
	char *old_secret;                             /* malloc'd or NULL: the
	                                                 previous secret, while it
	                                                 is still valid; cleansed */
	char old_secret_id[STORE_HOOK_SECRET_ID_MAX]; /* "" if none */
	time_t old_secret_until;                      /* 0 if none */
};

/* The receiver of partner at now (no lock: the lane is locked instead);
 * old_secret only while now < old_secret_until. */
int store_hook_target(struct db *db, const char *partner, time_t now,
    struct hook_target *t, struct problem *p);
void store_hook_target_free(struct hook_target *t);

/*
 * Takes the lock of delivery lane (partner, key) until the transaction
 * ends: with wait 0, 0 when another holds it; with wait 1, after the
 * other's transaction ends.  1 when held, -1 with p set.
 */
int store_hook_lane_lock(struct db *db, const char *partner, const char *key,
    int wait, struct problem *p);

/* 1 if partner has a webhook, 0 if not, -1 with p set. */
int store_hook_exists(struct db *db, const char *partner, struct problem *p);

/* An event of a partner. */
struct hook_event_row {
	long long seq;      /* the outbox's own key */
	long long sequence; /* the partner's sequence number */
	char id[STORE_HOOK_ID_MAX];
	char partner[STORE_HOOK_ID_MAX];
	char type[64];
	char app[STORE_HOOK_ID_MAX]; /* "" if none */
	char order_key[STORE_HOOK_ID_MAX + 8];
	char state[16]; /* pending, delivered, dead, unsent */
	char *body;     /* malloc'd */
	int attempts;   /* tries so far (not redeliveries) */
	time_t next_at, created_at, delivered_at; /* 0 if NULL */
};

/* The oldest undelivered event of lane (partner, key). */
int store_hook_head(struct db *db, const char *partner, const char *key,
    struct hook_event_row *row, struct problem *p);
/* Event id of partner, locked for the caller's transaction when lock. */
int store_hook_event_get(struct db *db, const char *partner, const char *id,
    int lock, struct hook_event_row *row, struct problem *p);
/* The event of outbox key seq (any partner). */
int store_hook_event_by_seq(struct db *db, long long seq,
    struct hook_event_row *row, struct problem *p);
void store_hook_event_free(struct hook_event_row *row);

/* Events of partner with a sequence above after, at most limit, by
 * sequence, into *rows (*n; free with store_hook_event_rows_free).  0, or
 * -1 with p set. */
int store_hook_event_list(struct db *db, const char *partner, long long after,
    int limit, struct hook_event_row **rows, int *n, struct problem *p);
void store_hook_event_rows_free(struct hook_event_row *rows, int n);

/* 1 if a redelivery of outbox event seq is queued and not yet run, 0 if
 * not, -1 with p set. */
int store_hook_redelivery_queued(
    struct db *db, long long seq, struct problem *p);

/* Event seq is not to be tried again before until (a delivery in flight
 * holds it).  0, or -1 with p set. */
int store_hook_lease(
    struct db *db, long long seq, time_t until, struct problem *p);
/* Event seq delivered at now. */
int store_hook_delivered(
    struct db *db, long long seq, time_t now, struct problem *p);
/* Event seq failed: tried again at next, in state ("pending", "dead"). */
int store_hook_failed(struct db *db, long long seq, time_t next,
    const char *state, struct problem *p);
/* When event seq was first tried into *first: 1, 0 if never, -1. */
int store_hook_first_try(
    struct db *db, long long seq, time_t *first, struct problem *p);

/* One try, for the delivery log. */
struct hook_try {
	long long seq;
	const char *partner;
	int attempt;
	time_t at;
	const char *url;
	int status;        /* HTTP status, or 0 for none */
	const char *error; /* or NULL */
	long ms;
	const char *outcome;    /* delivered, failed, dead */
	const char *secret_ids; /* "whs_new" or "whs_new,whs_old"; or NULL */
	int redelivery;         /* 1: asked for by POST .../redeliver */
};

int store_hook_log(struct db *db, const struct hook_try *t, struct problem *p);

/* each(partner, key) for lanes with a due event and no queued delivery. */
int store_hook_stranded(struct db *db, time_t now, store_hook_lane_fn *each,
    void *arg, struct problem *p);

/* each(partner, key) for every lane of partner with an event to deliver. */
int store_hook_lanes(struct db *db, const char *partner,
    store_hook_lane_fn *each, void *arg, struct problem *p);

/*
 * Partner's webhook secret becomes secret (id secret_id) at now; the
 * secret it had stays valid until old_until (its id kept beside it).
 * 1, 0 if partner has no webhook, -1 with p set.
 */
int store_hook_rotate(struct db *db, const char *partner, const char *secret,
    const char *secret_id, time_t old_until, time_t now, struct problem *p);

/*
 * Deletes at most limit webhook deliveries tried before before, then at
 * most limit events made before before that are not pending and have no
 * delivery left (a redelivered event stays while its newer deliveries
 * do).  The counts into *events and *deliveries.  0, or -1 with p set.
 */
int store_hook_purge(struct db *db, time_t before, int limit, long *events,
    long *deliveries, struct problem *p);

/* Forgets partner challenges that expired before now. */
int store_hook_challenges_purge(struct db *db, time_t now, struct problem *p);

#endif
