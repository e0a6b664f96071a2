/*
 * The SQL of what a partner manages itself (api/routes/h_partner_keys.c):
 * its API keys (rotation with a grace, revocation), its program's
 * setting (open to uninvited applications or not), the requests it made
 * in the current rate-limit window, and the tokens of its invitations'
 * links.  Every time is a parameter from the clock.
 */
#ifndef RXCA_STORE_PKEYS_H
#define RXCA_STORE_PKEYS_H

#include <time.h>

#include "common/problem.h"

struct db;

/* One API key of a partner, never its secret. */
struct pkey_row {
	char id[32];          /* key id (the part after rxp_) */
	time_t created_at;    /* made */
	char created_by[72];  /* operator, partner:<id> or an admin */
	time_t expires_at;    /* refused from then on; 0: no end */
	time_t revoked_at;    /* 0: not revoked */
	char replaced_by[32]; /* the key a rotation made, or "" */
};

/* The keys of partner, oldest first (at most 100), into a new array *rows
 * (caller frees with free()): their number, or -1 with p set. */
long store_pkey_list(struct db *db, const char *partner, struct pkey_row **rows,
    struct problem *p);

/*
 * Gives key key_id of partner an end at until (an earlier end stays) and
 * names the key that replaces it.  1 with the end in *ends, 0 if partner
 * has no such unrevoked key, -1 with p set.
 */
int store_pkey_expire(struct db *db, const char *partner, const char *key_id,
    time_t until, const char *replaced_by, time_t *ends, struct problem *p);

/* The keys of partner other than key_id that stay usable (not revoked,
 * no rotation's end set): their number, or -1 with p set. */
long store_pkey_others_live(
    struct db *db, const char *partner, const char *key_id, struct problem *p);

/*
 * Counts one request of partner in the window that began at start and
 * forgets its earlier windows (the first request of a window does): the
 * requests so far in this window, this one included, or -1 with p set.
 * Runs on its own (no transaction of the caller's needed).
 */
long store_prate_hit(
    struct db *db, const char *partner, time_t start, struct problem *p);

/* The program setting of partner. */
struct pprogram_row {
	char partner_id[32]; /* prt_... */
	char program[72];    /* its code */
	int open;            /* uninvited applications may name it */
	time_t updated_at;   /* last PUT, or 0 */
};

/* The setting of partner (by_program 0) or of the partner whose program
 * is key (by_program 1): 1 with *row, 0 if none, -1 with p set. */
int store_pprogram_get(struct db *db, const char *key, int by_program,
    struct pprogram_row *row, struct problem *p);
/* Sets partner's program open or not at now: 0, or -1 with p set. */
int store_pprogram_set(struct db *db, const char *partner, int open, time_t now,
    struct problem *p);

/* Records hash (SHA-256 of the link's token) for invitation id, replacing
 * an earlier one (a mail sent again), and reads when its link expires:
 * 1 with *expires_at set, 0 no such invitation, or -1 with p set. */
int store_pinvite_token(struct db *db, const char *id,
    const unsigned char hash[32], time_t *expires_at, struct problem *p);

/* An invitation found by its link's token. */
struct pinvite_row {
	char id[32];             /* inv_... */
	char partner_id[32];     /* whose */
	char program[72];        /* the partner's program */
	char email[256];         /* the invitee */
	char application_id[48]; /* made with it, or "" */
	time_t opened_at;        /* first followed, or 0 */
	time_t expires_at;       /* the link expires then */
};

/*
 * The invitation whose token hashes to hash (locked with lock): 1 with
 * *row, 0 if none, -1 with p set.
 */
int store_pinvite_by_token(struct db *db, const unsigned char hash[32],
    int lock, struct pinvite_row *row, struct problem *p);
/* Marks invitation id opened at now unless it was: 1 if this was the
 * first time, 0 if not, -1 with p set. */
int store_pinvite_opened(
    struct db *db, const char *id, time_t now, struct problem *p);
/* Ties invitation id to application app at now (once): 1, 0 if it was
 * tied already, -1 with p set. */
int store_pinvite_applied(struct db *db, const char *id, const char *app,
    time_t now, struct problem *p);

#endif
