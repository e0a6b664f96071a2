/*
 * The names of the job kinds (jobs.kind), one constant each, for the code
 * that queues jobs.  Each kind is defined (handler, tries, back-off) once,
 * in the domain file that handles it, and registered with the runner at
 * start-up (api/jobs/jobs.h, jobs_register):
 *
 *   email.code, email.decision (in api/service/mailjob.c,
 * api/service/proofjob.c) identity.check (api/service/proofjob.c) crl.refresh,
 * ocsp.refresh, email.root_crl (api/service/pki.c) webhook.deliver
 * (api/service/webhook.c) payment.capture, payment.refund, email.receipt
 * (api/service/payment.c) email.renewal (api/service/renewal.c)
 *   email.invitation (api/service/partner.c)
 *   email.unlock, email.reset_code (api/routes/h_sessions.c)
 *   email.issued, email.revoked, email.shipped (api/service/lifemail.c)
 *   email.approval (api/service/rxapproval.c)
 *
 * Every mail kind starts with "email." (MAIL_KIND_LIKE,
 * api/store/store_mail.h).
 */
#ifndef RXCA_JOBKINDS_H
#define RXCA_JOBKINDS_H

#define JOB_EMAIL_CODE       "email.code"
#define JOB_EMAIL_DECISION   "email.decision"
#define JOB_IDENTITY_CHECK   "identity.check"
#define JOB_CRL_REFRESH      "crl.refresh"
#define JOB_OCSP_REFRESH     "ocsp.refresh"
#define JOB_EMAIL_ROOT_CRL   "email.root_crl"
#define JOB_WEBHOOK_DELIVER  "webhook.deliver"
#define JOB_PAYMENT_CAPTURE  "payment.capture"
#define JOB_PAYMENT_REFUND   "payment.refund"
#define JOB_EMAIL_RECEIPT    "email.receipt"
#define JOB_EMAIL_RENEWAL    "email.renewal"
#define JOB_EMAIL_INVITATION "email.invitation"
#define JOB_EMAIL_UNLOCK     "email.unlock"
#define JOB_EMAIL_RESET_CODE "email.reset_code"
#define JOB_EMAIL_ISSUED     "email.issued"
#define JOB_EMAIL_REVOKED    "email.revoked"
#define JOB_EMAIL_SHIPPED    "email.shipped"
#define JOB_WEBHOOK_RESEND   "webhook.redeliver"
#define JOB_EMAIL_APPROVAL   "email.approval"

#endif
