/*
 * The SQL that several store files of the certificate authority share:
 * kits made, certificates abandoned and revoked, OCSP responses, CRLs and
 * audit checkpoints (see api/store/db.h).
 */
#ifndef RXCA_STORE_CA_H
#define RXCA_STORE_CA_H

#include "api/store/db.h"

extern const struct sql sql_kit_create;
extern const struct sql sql_cert_abandon;
extern const struct sql sql_cert_unfinished;
extern const struct sql sql_ca_der;
extern const struct sql sql_cert_lock;
extern const struct sql sql_cert_revoke;
extern const struct sql sql_cert_reason;
extern const struct sql sql_ocsp_upsert;
extern const struct sql sql_ocsp_expire;
extern const struct sql sql_ocsp_due;
extern const struct sql sql_ocsp_due_count;
extern const struct sql sql_crl_revoked;
extern const struct sql sql_crl_current;
extern const struct sql sql_crl_store_root;
extern const struct sql sql_crl_lock;
extern const struct sql sql_crl_store;
extern const struct sql sql_audit_head;
extern const struct sql sql_checkpoint_last;
extern const struct sql sql_checkpoint_insert;
extern const struct sql sql_checkpoint_all;
extern const struct sql sql_checkpoint_page;

#endif
