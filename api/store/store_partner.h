/*
 * The SQL of partners: partners and their API keys, scoped reads of
 * applications and certificates, the webhook outbox and its delivery log,
 * seen challenges, invitations and vouchers (see api/store/db.h).  Every time
 * is a parameter from the clock.  The partners' routes and service read them
 * through the typed functions of api/store/store_partners.h; the webhook outbox
 * (api/service/webhook.c) still runs its statements from here.
 */
#ifndef RXCA_STORE_PARTNER_H
#define RXCA_STORE_PARTNER_H

#include "api/store/db.h"

extern const struct sql sql_partner_insert;
extern const struct sql sql_partner_get;
extern const struct sql sql_partner_lock;
extern const struct sql sql_partner_sandbox;
extern const struct sql sql_program_lock;
extern const struct sql sql_program_used;
extern const struct sql sql_app_sandbox;
extern const struct sql sql_program_sandbox;
extern const struct sql sql_pkey_insert;
extern const struct sql sql_pkey_auth;
extern const struct sql sql_pkey_revoke;
extern const struct sql sql_papp_list;
extern const struct sql sql_papp_get;
extern const struct sql sql_pcert_of_app;
extern const struct sql sql_pcert_get;
extern const struct sql sql_pcert_verify;
extern const struct sql sql_pchal_purge;
extern const struct sql sql_pchal_insert;
extern const struct sql sql_hook_put;
extern const struct sql sql_hook_get;
extern const struct sql sql_hook_cert_event;
extern const struct sql sql_hook_deliveries;
extern const struct sql sql_pinv_count;
extern const struct sql sql_pinv_insert;
extern const struct sql sql_pinv_sent;
extern const struct sql sql_pinv_list;
extern const struct sql sql_pinv_get;
extern const struct sql sql_pvoucher_insert;
extern const struct sql sql_pvoucher_list;
extern const struct sql sql_partner_summaries;

#endif
