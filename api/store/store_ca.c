#include "api/store/store_ca.h"

#define STMT(id, n, text) const struct sql sql_##id = {#id, text, n}

/* $1 kit id, $2 application, $3 expiry, $4 now. */
STMT(kit_create, 4,
    "INSERT INTO kits (id, application_id, state, new_token, expires_at, "
    "created_at, updated_at) SELECT $1, a.id, 'created', "
    "coalesce(s.new_token, false), $3, $4, $4 FROM applications a "
    "LEFT JOIN storage_options s ON s.code = a.storage WHERE a.id = $2");
/* $1 serial, $2 now: a reservation that never finished, given up unless
 * a request signing it holds its row (then no row is returned). */
STMT(cert_abandon, 2,
    "UPDATE certificates SET state = 'abandoned', revoked_at = $2, "
    "revocation_reason = 'superseded', revoked_by = 'system', "
    "revocation_comment = 'reservation never finished; another key came' "
    "WHERE serial = (SELECT serial FROM certificates WHERE serial = $1 "
    "AND state = 'signing' FOR UPDATE SKIP LOCKED) RETURNING serial");
STMT(ca_der, 1, "SELECT der FROM ca_certificates WHERE name = $1");

/* Kits' reservations recorded before $1 and never finished, at most $2. */
STMT(cert_unfinished, 2,
    "SELECT serial, application_id, kit_id FROM certificates "
    "WHERE state = 'signing' AND kit_id IS NOT NULL AND recorded_at < $1 "
    "ORDER BY recorded_at LIMIT $2");

/* Revocation, OCSP, CRL and checkpoints. */
STMT(cert_lock, 1,
    "SELECT application_id, state, revocation_reason, revoked_at "
    "FROM certificates WHERE serial = $1 AND der IS NOT NULL FOR UPDATE");
/* $1 serial, $2 reason, $3 at, $4 by, $5 comment. */
STMT(cert_revoke, 5,
    "UPDATE certificates SET state = 'revoked', revocation_reason = $2, "
    "revoked_at = $3, revoked_by = $4, revocation_comment = $5 "
    "WHERE serial = $1");
STMT(cert_reason, 2,
    "UPDATE certificates SET revocation_reason = $2 WHERE serial = $1");
/* $1 serial, $2 md, $3 status, $4 der, $5 this, $6 next, $7 now. */
STMT(ocsp_upsert, 7,
    "INSERT INTO ocsp_responses (serial, md, status, der, this_update, "
    "next_update, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
    "ON CONFLICT (serial, md) DO UPDATE SET status = $3, der = $4, "
    "this_update = $5, next_update = $6, updated_at = $7");
/* Marks the responses of serial $1 as run out at $2 (re-sign them). */
STMT(ocsp_expire, 2,
    "UPDATE ocsp_responses SET next_update = $2, updated_at = $2 "
    "WHERE serial = $1");
/* Certificates whose responses run out before $1, at most $2. */
STMT(ocsp_due, 3,
    "SELECT DISTINCT c.serial, c.state, c.revoked_at, c.revocation_reason "
    "FROM certificates c LEFT JOIN ocsp_responses o ON o.serial = c.serial "
    "WHERE (c.der IS NOT NULL OR c.state = 'abandoned') AND "
    "c.issuer = 'issuing' AND "
    "(o.serial IS NULL OR o.next_update < $1) AND c.not_after > $3 "
    "LIMIT $2");
STMT(ocsp_due_count, 2,
    "SELECT count(*) FROM certificates c LEFT JOIN ocsp_responses o ON "
    "o.serial = c.serial AND o.md = 'sha1' WHERE (c.der IS NOT NULL OR "
    "c.state = 'abandoned') AND c.issuer = 'issuing' AND "
    "(o.serial IS NULL OR o.next_update < $1) AND c.not_after > $2");
/* $1: the issuing CA's name ("issuing" or "sandbox-issuing"). */
STMT(crl_revoked, 1,
    "SELECT serial, revoked_at, revocation_reason, crl_shard FROM "
    "certificates "
    "WHERE issuer = $1 AND state IN ('revoked', 'abandoned')");
STMT(crl_current, 0,
    "SELECT number, this_update, next_update, der, etag FROM crls "
    "WHERE issuer = 'issuing'");
/* The root's CRL, signed offline by rxca-admin: $1 number .. $6 etag. */
STMT(crl_store_root, 7,
    "INSERT INTO crls (issuer, number, this_update, next_update, entries, "
    "der, etag, created_at) VALUES ('root', $1, $2, $3, $4, $5, $6, $7) "
    "ON CONFLICT (issuer) DO UPDATE SET number = $1, this_update = $2, "
    "next_update = $3, entries = $4, der = $5, etag = $6, created_at = $7");
STMT(crl_lock, 1, "SELECT number FROM crls WHERE issuer = $1 FOR UPDATE");
/* $1 number, $2 this, $3 next, $4 entries, $5 der, $6 etag, $7 now, $8
 * the issuing CA's name. */
STMT(crl_store, 8,
    "INSERT INTO crls (issuer, number, this_update, next_update, entries, "
    "der, etag, created_at) VALUES ($8, $1, $2, $3, $4, $5, $6, $7) "
    "ON CONFLICT (issuer) DO UPDATE SET number = $1, this_update = $2, "
    "next_update = $3, entries = $4, der = $5, etag = $6, created_at = $7");
STMT(audit_head, 0,
    "SELECT id, hash FROM audit_log WHERE id IS NOT NULL "
    "ORDER BY id DESC LIMIT 1");
STMT(checkpoint_last, 0,
    "SELECT audit_id, at FROM audit_checkpoints ORDER BY id DESC LIMIT 1");
STMT(checkpoint_insert, 4,
    "INSERT INTO audit_checkpoints (audit_id, head_hash, at, signature) "
    "VALUES ($1, $2, $3, $4)");
STMT(checkpoint_all, 0,
    "SELECT c.id, c.audit_id, c.head_hash, c.signature, c.at, a.hash "
    "FROM audit_checkpoints c LEFT JOIN audit_log a ON a.id = c.audit_id "
    "ORDER BY c.id");
/* $1 after this id, $2 limit; $3 only this id (or NULL). */
STMT(checkpoint_page, 3,
    "SELECT c.id, c.audit_id, c.head_hash, c.signature, c.at, a.hash "
    "FROM audit_checkpoints c LEFT JOIN audit_log a ON a.id = c.audit_id "
    "WHERE c.id > $1 AND ($3::bigint IS NULL OR c.id = $3) ORDER BY c.id "
    "LIMIT $2");
