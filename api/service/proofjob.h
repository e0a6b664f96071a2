/*
 * The jobs of identity proofing (registered with api/jobs/jobs.c by
 * proofjob_jobs_register):
 *
 *   identity.check   asks the identity-verification and the card
 *                    address-verification providers about an application
 *                    in status proofing, records each answer, applies the
 *                    rules of proofing/decision.h and moves the application
 *                    to approved, rejected or review; a provider that does
 *                    not answer usably is asked again with back-off, and
 *                    after RXCA_IDV_MAX_ATTEMPTS tries the application goes
 *                    to review.  Created with the e-mail verification.
 *                    The providers are asked with no transaction open
 *                    (jobs_pause/jobs_resume, the job leased meanwhile);
 *                    an application that left proofing during the calls
 *                    gets nothing written.
 *   email.decision   mails the applicant the decision of the decisions
 *                    table, with no transaction open during the send.
 *
 * Both return JOB_DONE, JOB_FAILED or JOB_DEFERRED (api/jobs/jobs.h).
 */
#ifndef RXCA_PROOFJOB_H
#define RXCA_PROOFJOB_H

#include <time.h>

#include <jansson.h>

#include "common/problem.h"

struct app;
struct db;
struct job;

int proofjob_identity_check(struct app *app, struct db *db,
    const struct job *job, time_t now, struct problem *p);
int proofjob_decision_mail(struct app *app, struct db *db,
    const struct job *job, time_t now, struct problem *p);

/* Lapses email_pending applications past their window (a sweep). */
void proofjob_sweep_lapse(struct app *app, struct db *db, time_t now);
/* Registers identity.check, email.decision and the lapse sweep with the
 * runner: 0 or -1. */
int proofjob_jobs_register(void);

/* Queues the identity check of application id (the caller's transaction). */
int proofjob_enqueue_check(struct app *app, struct db *db, const char *id,
    time_t now, struct problem *p);

/*
 * Records the decision (approve or reject) of application id, locked by
 * the caller in status from, by actor ("system" or "operator:<id>"): the
 * decisions row (409 if one exists), the move with its timeline note and
 * audit record (details borrowed, may be NULL), and the decision mail job.
 */
int proofjob_decide(struct app *app, struct db *db, const char *id,
    const char *from, int approve, const char *actor, const char *reason,
    json_t *codes, json_t *details, time_t now, struct problem *p);

/*
 * Applies the rules of proofing/decision.h (and the duplicate rule) to in
 * for application id, locked in proofing by the caller, and records the
 * outcome: review, or the decision (proofjob_decide), with extra_note (may
 * be NULL) on the timeline first; the decision made into *made (may be
 * NULL).  0, or -1 with p set.
 */
struct decision;
struct decision_input;
int proofjob_conclude(struct app *app, struct db *db, const char *id,
    const struct decision_input *in, const char *extra_note, time_t now,
    struct decision *made, struct problem *p);

#endif
