/*
 * The mails that keep a subscriber informed of their certificate's life
 * (docs/certificates.md, "Mails"): issued, revoked, kit shipped.  Each is
 * queued (lifemail_queue_*) as a job in the unit of work of the change it
 * tells of (the outbox), and sent by its job with no transaction open,
 * reading what it says from the database at the time of the send.  The
 * renewal reminder is api/service/renewal.c's.
 *
 * Plain text, short, no secret (never an activation code, a passcode or a
 * password), each with a link to the portal (RXCA_PUBLIC_URL).
 */
#ifndef RXCA_LIFEMAIL_H
#define RXCA_LIFEMAIL_H

#include <time.h>

#include "common/problem.h"

struct app;
struct db;

/* Queues JOB_EMAIL_ISSUED (payload {"serial"}) for certificate serial (16
 * bytes) of application app, inside the caller's unit of work.  0 or -1. */
int lifemail_queue_issued(struct db *db, const char *app,
    const unsigned char *serial, time_t now, struct problem *p);

/* Queues JOB_EMAIL_REVOKED (payload {"serial", "reason", "by"}) for the
 * revocation of serial for reason (an RFC 5280 name), by an operator or
 * not (the subscriber), inside the caller's unit of work.  0 or -1. */
int lifemail_queue_revoked(struct db *db, const char *app,
    const unsigned char *serial, const char *reason, int by_operator,
    time_t now, struct problem *p);

/* Queues JOB_EMAIL_SHIPPED (payload {"kit", "carrier", "tracking"}) for
 * the kit of application app, inside the caller's unit of work.  0 or -1. */
int lifemail_queue_shipped(struct db *db, const char *app, const char *kit,
    const char *carrier, const char *tracking, time_t now, struct problem *p);

/* Registers the three mail kinds with the runner: 0 or -1. */
int lifemail_jobs_register(void);

#endif
