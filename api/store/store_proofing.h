/*
 * The SQL of identity proofing, operators and review, as named statements
 * (see api/store/db.h).  Every time is a parameter from the clock.
 */
#ifndef RXCA_STORE_PROOFING_H
#define RXCA_STORE_PROOFING_H

#include "api/store/db.h"

/* The application as the identity check needs it, locked. */
extern const struct sql sql_proof_app_lock;
/* identity_checks rows. */
extern const struct sql sql_check_insert;
extern const struct sql sql_check_latest;
/* decisions. */
extern const struct sql sql_decision_insert;
extern const struct sql sql_decision_for_mail;
/* The operators' view. */
extern const struct sql sql_ops_queue;
extern const struct sql sql_ops_app_lock;
/* Operators. */
extern const struct sql sql_operator_by_cert;
/* Abuse (issue 13): log-in by verified e-mail, account codes. */
extern const struct sql sql_login_verified_by_email;
extern const struct sql sql_acode_live;
extern const struct sql sql_acode_kill;
extern const struct sql sql_acode_insert;
extern const struct sql sql_acode_find;
extern const struct sql sql_acode_use;
extern const struct sql sql_acode_app;

#endif
