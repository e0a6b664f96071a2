/*
 * The SQL of the certificate authority's routes: kits, retrievals,
 * certificates, challenges and password resets (see api/store/db.h).
 */
#ifndef RXCA_STORE_CA_H
#define RXCA_STORE_CA_H

#include "api/store/db.h"

extern const struct sql sql_kit_create;
extern const struct sql sql_kit_list;
extern const struct sql sql_kit_lock;
extern const struct sql sql_kit_print;
extern const struct sql sql_kit_ship;
extern const struct sql sql_cert_abandon;
extern const struct sql sql_cert_unfinished;
extern const struct sql sql_cert_get;
extern const struct sql sql_ca_der;
extern const struct sql sql_chal_insert;
extern const struct sql sql_chal_lock;
extern const struct sql sql_chal_fail;
extern const struct sql sql_chal_use;
extern const struct sql sql_reset_app_by_id;
extern const struct sql sql_reset_app_by_kit;
extern const struct sql sql_reset_answers;
extern const struct sql sql_reset_fail;
extern const struct sql sql_reset_ok;
extern const struct sql sql_sessions_revoke;
extern const struct sql sql_cert_lock;
extern const struct sql sql_cert_revoke;
extern const struct sql sql_cert_reason;
extern const struct sql sql_ocsp_upsert;
extern const struct sql sql_ocsp_expire;
extern const struct sql sql_ocsp_due;
extern const struct sql sql_ocsp_due_count;
extern const struct sql sql_ocsp_since;
extern const struct sql sql_cert_status;
extern const struct sql sql_crl_revoked;
extern const struct sql sql_crl_current;
extern const struct sql sql_crl_of;
extern const struct sql sql_crl_store_root;
extern const struct sql sql_crl_lock;
extern const struct sql sql_crl_store;
extern const struct sql sql_audit_head;
extern const struct sql sql_checkpoint_last;
extern const struct sql sql_checkpoint_insert;
extern const struct sql sql_checkpoint_all;
extern const struct sql sql_ops_audit_page;

#endif
