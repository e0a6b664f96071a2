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

/* Called once per partner id; 0 to go on, -1 with p set to stop. */
typedef int store_hook_partner_fn(
    struct db *db, const char *partner, void *arg, struct problem *p);

/* Writes event id (type, body) about application app at now for the
 * partner of its program, if it has a webhook; each(partner) for each
 * row written.  0, or -1 with p set. */
int store_hook_event_insert(struct db *db, const char *id, const char *app,
    const char *type, const char *body, time_t now, store_hook_partner_fn *each,
    void *arg, struct problem *p);

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

/* A partner's receiver. */
struct hook_target {
	char *url;    /* malloc'd */
	char *secret; /* malloc'd; cleansed by store_hook_target_free */
};

/* The receiver of partner, its row locked until the transaction ends:
 * with wait 0, 0 also when another holds it (SKIP LOCKED); with wait 1,
 * after the other's transaction ends. */
int store_hook_lock(struct db *db, const char *partner, int wait,
    struct hook_target *t, struct problem *p);
void store_hook_target_free(struct hook_target *t);

/* 1 if partner has a webhook, 0 if not, -1 with p set. */
int store_hook_exists(struct db *db, const char *partner, struct problem *p);

/* The oldest undelivered event of a partner. */
struct hook_event_row {
	long long seq;
	char id[STORE_HOOK_ID_MAX];
	char type[64];
	char *body;   /* malloc'd */
	int attempts; /* tries so far */
	time_t next_at, created_at;
};

int store_hook_head(struct db *db, const char *partner,
    struct hook_event_row *row, struct problem *p);
void store_hook_event_free(struct hook_event_row *row);

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
	const char *outcome; /* delivered, failed, dead */
};

int store_hook_log(struct db *db, const struct hook_try *t, struct problem *p);

/* each(partner) for partners with a due event and no queued delivery. */
int store_hook_stranded(struct db *db, time_t now, store_hook_partner_fn *each,
    void *arg, struct problem *p);

/* Forgets partner challenges that expired before now. */
int store_hook_challenges_purge(struct db *db, time_t now, struct problem *p);

#endif
