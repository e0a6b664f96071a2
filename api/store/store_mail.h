/*
 * The SQL of the mail outbox: deadlines of mail jobs, the verification
 * codes a job keeps valid, the operators' outbox list and resend, and the
 * applicant's decision-mail resend (see api/store/db.h, api/jobs/jobs.h).
 */
#ifndef RXCA_STORE_MAIL_H
#define RXCA_STORE_MAIL_H

#include "api/store/db.h"

#define MAIL_KIND_LIKE "email.%" /* jobs.kind of every mail job */

/* The runner. */
extern const struct sql sql_job_kill;
extern const struct sql sql_job_lease;
extern const struct sql sql_job_relock;
extern const struct sql sql_mail_code_deadline;
extern const struct sql sql_outbox_stats;

/* The verification codes of one email.code job. */
extern const struct sql sql_mail_code_superseded;
extern const struct sql sql_mail_code_of_job;
extern const struct sql sql_mail_code_rehash;
extern const struct sql sql_mail_code_insert;
extern const struct sql sql_mail_code_unsent;

/* Operators and applicants. */
extern const struct sql sql_outbox_list;
extern const struct sql sql_outbox_lock;
extern const struct sql sql_outbox_requeue;
extern const struct sql sql_mail_decision_lock;
extern const struct sql sql_mail_decision_kick;

#endif
