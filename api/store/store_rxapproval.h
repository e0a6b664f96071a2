/*
 * The storage of prescription approvals by passkey
 * (migrations/0031_passkey_approvals.sql, docs/approvals.md): a partner's
 * request, its outcome and its signed record.
 */
#ifndef RXCA_STORE_RXAPPROVAL_H
#define RXCA_STORE_RXAPPROVAL_H

#include <time.h>

#include "common/problem.h"

struct db;

#define STORE_RXAPPROVAL_SUMMARY_MAX 500 /* bytes of a summary */

/* A request, read back. */
struct rxapproval_row {
	char id[40];                                    /* apv_... */
	char partner[32];                               /* who asked */
	char app[48];                                   /* the prescriber */
	char passkey[40];                               /* pk_... asked for */
	char summary[STORE_RXAPPROVAL_SUMMARY_MAX + 1]; /* shown */
	char *digests;                                  /* JSON array text */
	char nonce[48];                                 /* in the challenge */
	char state[16]; /* pending, approved, denied, expired */
	time_t created; /* asked */
	time_t expires; /* pending until */
	time_t decided; /* or 0 */
	char *record;   /* the signed record (JWS), or NULL */
};

/* Frees what row owns (not row); NULL-safe. */
void store_rxapproval_row_free(struct rxapproval_row *row);

/* A new request. */
struct rxapproval_new {
	const char *id, *partner, *app, *passkey, *summary;
	const char *digests; /* JSON array text */
	const char *nonce;
	time_t created, expires;
};

/* Inserts n: 0, or -1 with p set. */
int store_rxapproval_insert(
    struct db *db, const struct rxapproval_new *n, struct problem *p);

/* Request id (of partner unless NULL; FOR UPDATE when lock): 1 with out
 * filled (caller frees with store_rxapproval_row_free), 0 none, -1. */
int store_rxapproval_get(struct db *db, const char *id, const char *partner,
    int lock, struct rxapproval_row *out, struct problem *p);

/* Application app's pending requests at now and those asked since:
 * 0 with *pending and *recent, or -1 with p set. */
int store_rxapproval_counts(struct db *db, const char *app, time_t now,
    time_t since, long long *pending, long long *recent, struct problem *p);

/* The oldest pending request of app asked at or after since: its
 * created time into *oldest (0 none).  0 or -1. */
int store_rxapproval_oldest(struct db *db, const char *app, time_t since,
    time_t *oldest, struct problem *p);

/* Ends pending request id in state (approved, denied, expired) at now,
 * with the assertion's counter and UV (sign_count < 0: none) and the
 * signed record (or NULL): 1, 0 if it was not pending, or -1. */
int store_rxapproval_decide(struct db *db, const char *id, const char *state,
    time_t now, long long sign_count, int uv, const char *record,
    struct problem *p);

/* Up to max ids of requests pending past their expiry at now into ids
 * (each 40 bytes): their number, or -1 with p set. */
long store_rxapproval_due(
    struct db *db, time_t now, char (*ids)[40], long max, struct problem *p);

/* What the signed record says of application app's prescriber. */
struct rxapproval_who {
	char given_name[104], family_name[104];
	char npi[16], dea[16];
	char email[256];
	char acr[64];    /* of its OpenID proofing, or "" */
	char source[16]; /* "oidc" or "data_sources" */
};

/* 1 with out filled, 0 no such application, or -1 with p set. */
int store_rxapproval_who(struct db *db, const char *app,
    struct rxapproval_who *out, struct problem *p);

#endif
