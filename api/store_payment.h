/* The SQL of payments (migrations/0008_payments.sql), as named statements
 * (see api/db.h).  Every time is a parameter from the clock. */
#ifndef RXCA_STORE_PAYMENT_H
#define RXCA_STORE_PAYMENT_H

#include "api/db.h"

extern const struct sql sql_pay_intent_insert;
extern const struct sql sql_pay_intent_drop;
extern const struct sql sql_pay_intent_known;
extern const struct sql sql_pay_orphans;
extern const struct sql sql_pay_intent_voided;
extern const struct sql sql_pay_insert;
extern const struct sql sql_pay_event;
extern const struct sql sql_pay_lock;
extern const struct sql sql_pay_update;
extern const struct sql sql_pay_get;
extern const struct sql sql_pay_events;
extern const struct sql sql_pay_receipt;
extern const struct sql sql_pay_voucher_amount;

#endif
