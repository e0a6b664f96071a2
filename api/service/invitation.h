/*
 * Invitations a partner can track (issue 16, item 5).  The link mailed to
 * an invitee carries a token (32 random bytes, base64url); only its
 * SHA-256 is stored.  Following the link marks the invitation opened; an
 * application that brings the token is tied to the invitation (applied)
 * and to its program.  A program that is not open (PUT
 * /v1/partner/program) refuses an application naming it without a valid
 * token of one of its invitations.  A link expires RXCA_PARTNER_INVITE_DAYS
 * after the invitation was made (410 invitation-expired from then on).
 */
#ifndef RXCA_INVITATION_H
#define RXCA_INVITATION_H

#include <stddef.h>
#include <time.h>

#include "common/problem.h"
#include "proofing/application.h"

struct db;
struct tx;
struct pinvite_row;

/* A new link token into token (INVITATION_TOKEN_CHARS + 1 bytes) and its
 * SHA-256 into hash. */
void invitation_token_new(char *token, unsigned char hash[32]);

/*
 * May an application naming *program (NULL: none) with the token of an
 * invitation (NULL: none) be made at now?  On db; with lock, inside the
 * application's transaction, the invitation's row is locked.
 *  - with a token: the invitation must exist and have no application yet
 *    (else 422 naming invitation), its link must not have expired (else
 *    410 invitation-expired naming invitation), and a program named must
 *    be its own (else 422 naming program); *program becomes its program
 *    when none was named (a new string the caller frees); its id goes
 *    into inv.
 *  - without: a program of a partner that is not open is 403
 *    invitation-required; inv is "".
 * 0, or -1 with p set.
 */
int invitation_admit(struct db *db, int lock, time_t now, char **program,
    const char *token, char *inv, size_t invsz, struct problem *p);

/* Ties invitation inv to application app in tx (audited
 * partner.invitation_applied): 0, or -1 with p set (409 if it was tied
 * meanwhile). */
int invitation_applied_tx(
    struct tx *tx, const char *inv, const char *app, struct problem *p);

/*
 * The link with token was followed at now: the invitation into *row,
 * marked opened (audited the first time, as "anonymous").  0, or -1 with
 * p set (404 for a token of no invitation, 410 invitation-expired naming
 * token for an expired link that made no application).
 */
int invitation_open(struct db *db, const char *token, time_t now,
    struct pinvite_row *row, struct problem *p);

#endif
