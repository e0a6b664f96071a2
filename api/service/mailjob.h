/*
 * Mail jobs: the verification-code mail (JOB_EMAIL_CODE: a code stored
 * hashed, committed before the send), the parts every mail kind shares
 * (its life in days, the timeline note of a lost mail).
 */
#ifndef RXCA_MAILJOB_H
#define RXCA_MAILJOB_H

#include <time.h>

#include "common/problem.h"

struct app;
struct config;
struct db;
struct job;
struct job_kind;

/* A mail's life (struct job_kind.life_days): RXCA_MAIL_KEEP_DAYS. */
int mailjob_keep_days(const struct config *cfg);
/* A mail's life: RXCA_KIT_DAYS (as long as the kit it is about). */
int mailjob_kit_days(const struct config *cfg);
/* struct job_kind.dead of a mail: a dead mail of an application is noted
 * on its timeline with k->note ("We could not e-mail you." if NULL). */
int mailjob_lost(struct db *db, const struct job_kind *k, const struct job *job,
    time_t now, struct problem *p);
/* The portal's address for a mail: RXCA_PUBLIC_URL without a trailing
 * slash, then "/".  Caller frees. */
char *mailjob_portal(const struct config *cfg);
/*
 * Sends a mail of job (to, subject, body) with no transaction open: the
 * job is paused for the send (api/jobs/jobs.h) and resumed after it, and
 * the mail is counted.  For a handler that has only read so far: the
 * pause does not wait for the disk (jobs_pause_unwritten).  0, or -1 with
 * p set (the send's problem if it failed).
 */
int mailjob_send(struct app *app, struct db *db, const struct job *job,
    time_t now, const char *to, const char *subject, const char *body,
    struct problem *p);
/* Registers JOB_EMAIL_CODE with the runner: 0 or -1. */
int mailjob_register(void);

#endif
