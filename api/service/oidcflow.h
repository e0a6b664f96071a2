/*
 * Identity proofing through an OpenID provider (docs/oidc.md): the
 * authorization code flow with PKCE, state and nonce, the provider's
 * discovery document and key set (cached; fetched again for an unknown
 * kid, at most once per RXCA_OIDC_JWKS_MIN_INTERVAL), the ID token checked
 * by proofing/oidc.c, and the claims compared with the application by the
 * rules of proofing/decision.h.  Every outbound call is made with no
 * transaction open.
 */
#ifndef RXCA_OIDCFLOW_H
#define RXCA_OIDCFLOW_H

#include <time.h>

#include "common/problem.h"

struct app;
struct db;

/* What the callback decided. */
struct oidcflow_result {
	char application_id[48]; /* whose */
	char status[32];         /* approved, rejected or review */
	char rule[48];           /* the rule of proofing/decision.h */
	int browser; /* the portal started the sign-in: send the browser back
	                there (also set when the answer was refused) */
};

/*
 * 1 if application id (in the caller's transaction on db) is proofed
 * through the provider (RXCA_OIDC_ISSUER set and its product in
 * RXCA_OIDC_PRODUCTS), else 0; -1 with p set on a database fault.
 */
int oidcflow_owns(
    struct app *app, struct db *db, const char *id, struct problem *p);

/*
 * Starts a sign-in at the provider for application id, which must be in
 * proofing (its e-mail verified) and proofed through the provider (409
 * oidc-not-offered, or 409 not-proofing): records the flow, audited, and
 * returns the authorization URL (caller frees) and its expiry.  browser:
 * the portal starts it, and the callback is to send the browser back to
 * the portal rather than answer JSON.  Fetches the discovery document
 * first if it is not cached (503 or 502 when the provider fails).  db:
 * the worker's connection, no transaction open.
 */
int oidcflow_start(struct app *app, struct db *db, const char *id, int browser,
    time_t now, char **url, time_t *expires, struct problem *p);

/*
 * The provider sent the browser back with state and code (or error, which
 * may be NULL).  Takes the flow of state (once: 400 oidc-state-invalid for
 * an unknown, used or expired one), redeems code with the PKCE verifier,
 * checks the ID token, reads the claims (from userinfo too when the ID
 * token lacks them), records the answer and decides the application.  A
 * refusal (a bad token, a provider error) is recorded as an answer that
 * failed, leaves the application in proofing, and comes back in p.
 */
int oidcflow_callback(struct app *app, struct db *db, const char *state,
    const char *code, const char *error, time_t now,
    struct oidcflow_result *out, struct problem *p);

/* Deletes the sign-ins expired for over an hour (the sweep): 0, or -1. */
int oidcflow_sweep(struct db *db, time_t now, struct problem *p);

#endif
