/*
 * The SQL of renewal and of the reminders before expiry (see api/db.h,
 * api/renewal.h).
 */
#ifndef RXCA_STORE_RENEWAL_H
#define RXCA_STORE_RENEWAL_H

#include "api/db.h"

extern const struct sql sql_reminder_due;
extern const struct sql sql_reminder_insert;
extern const struct sql sql_reminder_mail;

#endif
