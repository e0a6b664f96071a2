/*
 * The storage of OpenID proofing (migrations/0023_oidc.sql): the sign-ins
 * started at the provider, and what the flow needs of an application.
 */
#ifndef RXCA_STORE_OIDC_H
#define RXCA_STORE_OIDC_H

#include <time.h>

#include "common/problem.h"

struct db;

#define STORE_OIDC_SECRET 96 /* bytes of a verifier, with NUL */

/* A sign-in taken by its state. */
struct oidc_flow_row {
	char application_id[48];               /* whose */
	unsigned char nonce_sha256[32];        /* of the nonce sent */
	char code_verifier[STORE_OIDC_SECRET]; /* PKCE */
	int browser; /* started by the portal: answer with a redirect */
};

/* What the flow needs of an application. */
struct oidc_app_row {
	char status[32];  /* proofing, review, ... */
	char product[64]; /* product code */
	int epcs;         /* the product is for EPCS */
};

/* Records a sign-in of application id: state_sha256 and nonce_sha256 (32
 * bytes each), the PKCE verifier, whether the portal started it (browser),
 * living until expires.  0, or -1 with p set. */
int store_oidc_flow_insert(struct db *db, const unsigned char *state_sha256,
    const char *id, const unsigned char *nonce_sha256, const char *verifier,
    int browser, time_t now, time_t expires, struct problem *p);

/* Marks the unused, unexpired sign-in of state_sha256 used, wipes its
 * verifier from the row, and fills out: 1, or 0 if there is none such,
 * or -1 with p set. */
int store_oidc_flow_take(struct db *db, const unsigned char *state_sha256,
    time_t now, struct oidc_flow_row *out, struct problem *p);

/* Deletes the sign-ins, used or not, expired for over an hour at now (the
 * sweep): 0, or -1 with p set. */
int store_oidc_flow_sweep(struct db *db, time_t now, struct problem *p);

/* Application id's status, product and EPCS flag: 1, 0 if there is no such
 * application, or -1 with p set. */
int store_oidc_app(
    struct db *db, const char *id, struct oidc_app_row *out, struct problem *p);

#endif
