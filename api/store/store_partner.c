#include "api/store/store_partner.h"

#define STMT(id, n, text) const struct sql sql_##id = {#id, text, n}

/* $1 id, $2 name, $3 program, $4 now, $5 actor, $6 sandbox of (or NULL). */
STMT(partner_insert, 6,
    "INSERT INTO partners (id, name, program, created_at, created_by, "
    "sandbox_of) VALUES ($1, $2, $3, $4, $5, $6)");
STMT(partner_get, 1,
    "SELECT id, name, program, sandbox_of, created_at FROM partners "
    "WHERE id = $1");
STMT(partner_lock, 1,
    "SELECT id, name, program, sandbox_of, created_at FROM partners "
    "WHERE id = $1 FOR UPDATE");
/* The sandbox of live partner $1. */
STMT(partner_sandbox, 1,
    "SELECT id, name, program, sandbox_of, created_at FROM partners "
    "WHERE sandbox_of = $1");
/* Program $1's lock, which each new application takes shared (the
 * trigger applications_sandbox); then whether an application names it. */
STMT(program_lock, 1,
    "SELECT pg_advisory_xact_lock(hashtext('rxca.program:' || $1))");
STMT(program_used, 1,
    "SELECT EXISTS (SELECT 1 FROM applications WHERE program = $1) "
    "AS used");
STMT(app_sandbox, 1, "SELECT sandbox FROM applications WHERE id = $1");
STMT(program_sandbox, 1,
    "SELECT EXISTS (SELECT 1 FROM partners WHERE program = $1 AND "
    "sandbox_of IS NOT NULL) AS sandbox");
/* $1 key id, $2 partner, $3 secret hash, $4 now, $5 actor. */
STMT(pkey_insert, 5,
    "INSERT INTO partner_keys (id, partner_id, secret_hash, created_at, "
    "created_by) VALUES ($1, $2, $3, $4, $5)");
/* Every request: no cache, so a revocation holds at once on every node. */
STMT(pkey_auth, 1,
    "SELECT k.secret_hash, k.revoked_at, k.expires_at, p.id, p.program, "
    "p.name, p.sandbox_of, p.created_at "
    "FROM partner_keys k JOIN partners p ON p.id = k.partner_id "
    "WHERE k.id = $1");
/* $1 partner, $2 key, $3 now, $4 actor. */
STMT(pkey_revoke, 4,
    "UPDATE partner_keys SET revoked_at = coalesce(revoked_at, $3), "
    "revoked_by = coalesce(revoked_by, $4) WHERE partner_id = $1 AND "
    "id = $2 RETURNING revoked_at");
/* $1 program, $2 status or NULL, $3 updated since or NULL, $4/$5 cursor
 * (updated_at, id) or NULL, $6 limit.  Ordered by (updated_at, id): a row
 * written while paging moves behind the cursor and is seen again, never
 * skipped. */
STMT(papp_list, 6,
    "SELECT id, status, product, program, given_name, family_name, email, "
    "npi, dea_number, created_at, updated_at, "
    "extract(epoch FROM updated_at)::bigint AS updated_epoch FROM "
    "applications WHERE program = $1 AND ($2::text IS NULL OR "
    "status = $2) AND ($3::timestamptz IS NULL OR updated_at >= $3) "
    "AND ($4::timestamptz IS NULL OR (updated_at, id) > "
    "($4::timestamptz, $5::text)) "
    "ORDER BY updated_at, id LIMIT $6");
STMT(papp_get, 2,
    "SELECT id, status, product, program, given_name, family_name, email, "
    "npi, dea_number, created_at, updated_at, "
    "extract(epoch FROM updated_at)::bigint AS updated_epoch FROM "
    "applications WHERE id = $1 AND program = $2");
STMT(pcert_of_app, 1,
    "SELECT encode(serial, 'hex') AS serial, state, not_before, not_after, "
    "revoked_at, revocation_reason FROM certificates WHERE "
    "application_id = $1 AND state NOT IN ('signing', 'abandoned') "
    "ORDER BY recorded_at");
/* $1 serial, $2 program. */
STMT(pcert_get, 2,
    "SELECT encode(c.serial, 'hex') AS serial, c.state, c.not_before, "
    "c.not_after, c.revoked_at, c.revocation_reason, c.subject, "
    "a.id AS app, a.npi, "
    "a.dea_number, a.email FROM certificates c JOIN applications a ON "
    "a.id = c.application_id WHERE c.serial = $1 AND a.program = $2 AND "
    "c.state NOT IN ('signing', 'abandoned')");
/* $1 serial, $2 program: the recorded certificate (DER) and its owner. */
STMT(pcert_verify, 2,
    "SELECT encode(c.serial, 'hex') AS serial, c.state, c.revoked_at, "
    "c.revocation_reason, c.subject, a.id AS app, a.npi, a.dea_number, "
    "a.email, c.der, c.not_before, c.not_after FROM certificates c JOIN "
    "applications a ON "
    "a.id = c.application_id WHERE c.serial = $1 AND a.program = $2 AND "
    "c.state NOT IN ('signing', 'abandoned')");
STMT(pchal_purge, 1, "DELETE FROM partner_challenges WHERE expires_at < $1");
/* $1 hash, $2 partner, $3 expiry: conflict (23505) is a replay. */
STMT(pchal_insert, 3,
    "INSERT INTO partner_challenges (hash, partner_id, expires_at) "
    "VALUES ($1, $2, $3)");
/* $1 partner, $2 url, $3 secret, $4 now. */
STMT(hook_put, 4,
    "INSERT INTO partner_webhooks (partner_id, url, secret, updated_at) "
    "VALUES ($1, $2, $3, $4) ON CONFLICT (partner_id) DO UPDATE SET "
    "url = $2, secret = $3, updated_at = $4, secret_id = DEFAULT, "
    "old_secret = NULL, old_secret_id = NULL, old_secret_until = NULL");
STMT(hook_get, 1,
    "SELECT url, updated_at, secret_id, old_secret_id, old_secret_until "
    "FROM partner_webhooks WHERE partner_id = $1");
/* The application and program of certificate $1. */
STMT(hook_cert_event, 1,
    "SELECT a.id, a.program, c.subject, c.not_before, c.not_after, "
    "c.revocation_reason, c.revoked_at FROM certificates c JOIN "
    "applications a ON a.id = c.application_id WHERE c.serial = $1");
/* $1 partner, $2 after id or NULL, $3 limit. */
STMT(hook_deliveries, 3,
    "SELECT d.id AS id, e.id AS event_id, e.type, d.attempt, d.at, "
    "d.http_status, d.error, d.duration_ms, d.outcome, "
    "e.state AS event_state, d.secret_ids, d.redelivery, e.sequence "
    "FROM webhook_deliveries d JOIN "
    "webhook_events e ON e.seq = d.event_seq WHERE d.partner_id = $1 AND "
    "($2::bigint IS NULL OR d.id > $2) ORDER BY d.id LIMIT $3");
/* $1 partner, $2 since. */
STMT(pinv_count, 2,
    "SELECT count(*) AS n FROM partner_invitations WHERE partner_id = $1 AND "
    "created_at > $2");
/* $1 id, $2 partner, $3 email, $4 now, $5 expires_at. */
STMT(pinv_insert, 5,
    "INSERT INTO partner_invitations (id, partner_id, email, created_at, "
    "expires_at) VALUES ($1, $2, $3, $4, $5)");
/* $1 invitation, $2 now: the mail went out. */
STMT(pinv_sent, 2, "UPDATE partner_invitations SET sent_at = $2 WHERE id = $1");
/* An invitation's status at $1 (now): applied (an application came
 * through its link), expired (its link expired unused), opened (the link
 * was followed), sent (the mail went out), queued (its job waits), failed
 * (its job ended without sending). */
#define PINV_STATUS                                                            \
	"CASE WHEN i.application_id IS NOT NULL THEN 'applied' "               \
	"WHEN i.expires_at <= $1 THEN 'expired' "                              \
	"WHEN i.opened_at IS NOT NULL THEN 'opened' "                          \
	"WHEN i.sent_at IS NOT NULL THEN 'sent' "                              \
	"WHEN j.state = 'queued' THEN 'queued' ELSE 'failed' END"
/* An invitation and the newest job that mails it: id, email, created_at,
 * sent_at, job_state, attempts, job_updated_at, created_epoch (created_at
 * in seconds), opened_at, application_id, applied_at, expires_at, status
 * (at $1). */
#define PINV_SELECT                                                               \
	"SELECT i.id, i.email, i.created_at, i.sent_at, "                         \
	"j.state AS job_state, j.attempts, j.updated_at AS job_updated_at, "      \
	"extract(epoch FROM i.created_at)::bigint AS created_epoch, "             \
	"i.opened_at, i.application_id, i.applied_at, i.expires_at, " PINV_STATUS \
	" AS status FROM "                                                        \
	"partner_invitations i LEFT JOIN LATERAL (SELECT state, attempts, "       \
	"updated_at FROM jobs WHERE kind = 'email.invitation' AND "               \
	"payload->>'invitation' = i.id ORDER BY id DESC LIMIT 1) j ON true "
/* $1 now, $2 partner, $3/$4 cursor (created_at, id) or NULL, $5 limit,
 * $6 status or NULL. */
STMT(pinv_list, 6,
    PINV_SELECT "WHERE i.partner_id = $2 AND ($3::timestamptz IS NULL OR "
                "(i.created_at, i.id) > ($3::timestamptz, $4::text)) "
                "AND ($6::text IS NULL OR " PINV_STATUS " = $6) "
                "ORDER BY i.created_at, i.id LIMIT $5");
/* $1 now, $2 invitation, $3 partner. */
STMT(pinv_get, 3, PINV_SELECT "WHERE i.id = $2 AND i.partner_id = $3");
/* $1 code, $2 amount, $3 partner, $4 now. */
STMT(pvoucher_insert, 4,
    "INSERT INTO vouchers (code, amount_cents, partner_id, created_at) "
    "VALUES ($1, $2, $3, $4)");
/* $1 now, $2 a partner id or "" (every partner): what operators list. */
STMT(partner_summaries, 2,
    "SELECT p.id, p.name, p.program, p.program_open, p.created_at, "
    "p.sandbox_of, (SELECT count(*) FROM partner_keys k WHERE k.partner_id = p.id AND "
    "k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > $1)) "
    "AS keys_live, "
    "(SELECT count(*) FROM vouchers v WHERE v.partner_id = p.id) "
    "AS vouchers, "
    "(SELECT count(*) FROM vouchers v WHERE v.partner_id = p.id AND "
    "v.redeemed_at IS NULL) AS vouchers_left, "
    "(SELECT w.url FROM partner_webhooks w WHERE w.partner_id = p.id) "
    "AS webhook_url "
    "FROM partners p WHERE $2 = '' OR p.id = $2 "
    "ORDER BY lower(p.name), p.id LIMIT 500");
STMT(pvoucher_list, 1,
    "SELECT code, amount_cents, created_at, redeemed_by, redeemed_at FROM "
    "vouchers WHERE partner_id = $1 ORDER BY created_at, code LIMIT 500");
