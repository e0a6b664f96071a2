/*
 * The SQL of the REST service, as named statements (see api/store/db.h).  Every
 * time is a parameter from the clock; none uses now().
 */
#ifndef RXCA_STORE_H
#define RXCA_STORE_H

#include "api/store/db.h"

/* Catalog. */
extern const struct sql sql_ping;
extern const struct sql sql_catalog_products;
extern const struct sql sql_catalog_storage;
extern const struct sql sql_catalog_shipping;
extern const struct sql sql_catalog_taxes;

/* Applications. */
extern const struct sql sql_idem_claim;
extern const struct sql sql_idem_get;
extern const struct sql sql_voucher_lock;
extern const struct sql sql_voucher_redeem;
extern const struct sql sql_app_insert;
extern const struct sql sql_answer_insert;
extern const struct sql sql_event_insert;
extern const struct sql sql_app_summary;
extern const struct sql sql_app_get;
extern const struct sql sql_app_events;
extern const struct sql sql_app_prefill;
extern const struct sql sql_app_lock;
extern const struct sql sql_app_set_status;
extern const struct sql sql_app_verified;
extern const struct sql sql_app_email_failed;
extern const struct sql sql_app_resend;
extern const struct sql sql_app_mail_sent;
extern const struct sql sql_app_for_mail;

/* E-mail codes. */
extern const struct sql sql_code_live;
extern const struct sql sql_code_last;
extern const struct sql sql_code_fail;
extern const struct sql sql_code_use;
extern const struct sql sql_code_kill;

/* Sessions and log-in. */
extern const struct sql sql_session_insert;
extern const struct sql sql_session_touch;
extern const struct sql sql_login_by_id;

/* Jobs. */
extern const struct sql sql_job_insert;
extern const struct sql sql_job_insert_once;
extern const struct sql sql_job_claim;
extern const struct sql sql_job_done;
extern const struct sql sql_job_retry;
extern const struct sql sql_job_count;
extern const struct sql sql_sweep_lapse;

#endif
