/*
 * Reminders before a certificate expires (docs/certificates.md).  The sweep
 * (renewal_sweep, every RXCA_SWEEP_INTERVAL; the work is daily in effect)
 * finds issued certificates that are neither revoked, expired nor renewed
 * and whose most recent due step of RXCA_RENEWAL_REMINDERS (days before
 * notAfter) has not been sent, nor any later one: after a missed day or
 * week only that step goes, once.  Each is recorded in renewal_reminders
 * (unique per certificate and step) in the transaction that queues an
 * "email.renewal" job (the outbox) and the partner's certificate.expiring
 * webhook event, so each goes once even with several nodes.
 *
 * Policy: under igc and nist-800-63 alike the subject renews inside the
 * window [notAfter - RXCA_RENEWAL_WINDOW_DAYS, notAfter) with its current
 * key (possession of the valid credential) and no new identity proofing;
 * under nist-800-63 this is SP 800-63B's renewal of a bound authenticator
 * before it expires.  After expiry both apply again and are proofed anew.
 */
#ifndef RXCA_RENEWAL_H
#define RXCA_RENEWAL_H

#include <time.h>

#include "common/problem.h"

#define RENEWAL_SWEEP_BATCH 200 /* reminders one sweep queues at most */

struct app;
struct db;
struct job;

/* A serial as 32 lower-case hex digits into out (16 bytes).  0 or -1. */
int renewal_serial_parse(const char *hex, unsigned char *out);

/* Queues the reminders that are due (its own transactions).  Returns the
 * number queued, or -1 on a database failure (logged). */
int renewal_sweep(struct app *app, struct db *db, time_t now);
/* Registers email.renewal and renewal_sweep with the runner: 0 or -1. */
int renewal_jobs_register(void);

/* Days from now to not_after as a reminder says them, rounded to the
 * nearest: 80 from 79.5 to 80.5 days left; 0 in the last half day (and
 * after). */
int renewal_days_left(time_t not_after, time_t now);

/* The job "email.renewal" (payload {"serial": hex, "step": days}): the
 * reminder e-mail, unless the certificate was since revoked, renewed or
 * has expired. */
int renewal_job_mail(struct app *app, struct db *db, const struct job *job,
    time_t now, struct problem *p);

#endif
