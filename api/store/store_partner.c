#include "api/store/store_partner.h"

#define STMT(id, n, text) const struct sql sql_##id = {#id, text, n}

/* $1 id, $2 name, $3 program, $4 now, $5 actor. */
STMT(partner_insert, 5,
    "INSERT INTO partners (id, name, program, created_at, created_by) "
    "VALUES ($1, $2, $3, $4, $5)");
STMT(partner_get, 1, "SELECT id, name, program FROM partners WHERE id = $1");
STMT(partner_lock, 1,
    "SELECT id, name, program FROM partners WHERE id = $1 FOR UPDATE");
/* $1 key id, $2 partner, $3 secret hash, $4 now, $5 actor. */
STMT(pkey_insert, 5,
    "INSERT INTO partner_keys (id, partner_id, secret_hash, created_at, "
    "created_by) VALUES ($1, $2, $3, $4, $5)");
/* Every request: no cache, so a revocation holds at once on every node. */
STMT(pkey_auth, 1,
    "SELECT k.secret_hash, k.revoked_at, p.id, p.program, p.name "
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
    "url = $2, secret = $3, updated_at = $4");
STMT(hook_get, 1,
    "SELECT url, updated_at FROM partner_webhooks WHERE partner_id = $1");
/* One delivery in flight per partner: the runner holding this row. */
STMT(hook_lock, 1,
    "SELECT url, secret FROM partner_webhooks WHERE partner_id = $1 "
    "FOR UPDATE SKIP LOCKED");
/* An event for the partner of application $2's program, if it has a
 * webhook: $1 event id, $3 type, $4 body (with "%%ID%%"-free JSON), $5
 * now.  Returns the partner. */
STMT(hook_event_insert, 5,
    "INSERT INTO webhook_events (id, partner_id, type, application_id, "
    "body, created_at, next_at) SELECT $1, p.id, $3, a.id, $4, $5, $5 "
    "FROM applications a JOIN partners p ON p.program = a.program "
    "JOIN partner_webhooks w ON w.partner_id = p.id WHERE a.id = $2 "
    "RETURNING partner_id");
/* The application and program of certificate $1. */
STMT(hook_cert_event, 1,
    "SELECT a.id, a.program, c.subject, c.not_before, c.not_after, "
    "c.revocation_reason, c.revoked_at FROM certificates c JOIN "
    "applications a ON a.id = c.application_id WHERE c.serial = $1");
/* The oldest undelivered event of partner $1. */
STMT(hook_head, 1,
    "SELECT seq, id, body, attempts, next_at, created_at, type "
    "FROM webhook_events WHERE partner_id = $1 AND state = 'pending' "
    "ORDER BY seq LIMIT 1");
STMT(hook_delivered, 2,
    "UPDATE webhook_events SET state = 'delivered', attempts = attempts + 1, "
    "delivered_at = $2 WHERE seq = $1");
/* $1 seq, $2 next try, $3 state. */
STMT(hook_failed, 3,
    "UPDATE webhook_events SET attempts = attempts + 1, next_at = $2, "
    "state = $3 WHERE seq = $1");
/* $1 seq, $2 partner, $3 attempt, $4 at, $5 url, $6 status, $7 error,
 * $8 ms, $9 outcome. */
STMT(hook_log, 9,
    "INSERT INTO webhook_deliveries (event_seq, partner_id, attempt, at, "
    "url, http_status, error, duration_ms, outcome) VALUES ($1, $2, $3, "
    "$4, $5, $6, $7, $8, $9)");
/* $1 partner, $2 after id or NULL, $3 limit. */
STMT(hook_deliveries, 3,
    "SELECT d.id AS id, e.id AS event_id, e.type, d.attempt, d.at, "
    "d.http_status, d.error, d.duration_ms, d.outcome, "
    "e.state AS event_state FROM webhook_deliveries d JOIN "
    "webhook_events e ON e.seq = d.event_seq WHERE d.partner_id = $1 AND "
    "($2::bigint IS NULL OR d.id > $2) ORDER BY d.id LIMIT $3");
/* Partners with a due event and no queued delivery job ($1 now). */
STMT(hook_stranded, 1,
    "SELECT DISTINCT e.partner_id FROM webhook_events e WHERE "
    "e.state = 'pending' AND e.next_at <= $1 AND NOT EXISTS (SELECT 1 FROM "
    "jobs j WHERE j.kind = 'webhook.deliver' AND j.state = 'queued' AND "
    "j.payload->>'partner' = e.partner_id) LIMIT 100");
/* $1 partner, $2 since. */
STMT(pinv_count, 2,
    "SELECT count(*) AS n FROM partner_invitations WHERE partner_id = $1 AND "
    "created_at > $2");
STMT(pinv_insert, 4,
    "INSERT INTO partner_invitations (id, partner_id, email, created_at) "
    "VALUES ($1, $2, $3, $4)");
/* $1 invitation, $2 now: the mail went out. */
STMT(pinv_sent, 2, "UPDATE partner_invitations SET sent_at = $2 WHERE id = $1");
/* An invitation and the newest job that mails it: id, email, created_at,
 * sent_at, job_state, attempts, job_updated_at, created_epoch (created_at
 * in seconds). */
#define PINV_SELECT                                                            \
	"SELECT i.id, i.email, i.created_at, i.sent_at, "                      \
	"j.state AS job_state, j.attempts, j.updated_at AS job_updated_at, "   \
	"extract(epoch FROM i.created_at)::bigint AS created_epoch FROM "      \
	"partner_invitations i LEFT JOIN LATERAL (SELECT state, attempts, "    \
	"updated_at FROM jobs WHERE kind = 'email.invitation' AND "            \
	"payload->>'invitation' = i.id ORDER BY id DESC LIMIT 1) j ON true "
/* $1 partner, $2/$3 cursor (created_at, id) or NULL, $4 limit. */
STMT(pinv_list, 4,
    PINV_SELECT "WHERE i.partner_id = $1 AND ($2::timestamptz IS NULL OR "
                "(i.created_at, i.id) > ($2::timestamptz, $3::text)) "
                "ORDER BY i.created_at, i.id LIMIT $4");
/* $1 invitation, $2 partner. */
STMT(pinv_get, 2, PINV_SELECT "WHERE i.id = $1 AND i.partner_id = $2");
/* $1 code, $2 amount, $3 partner, $4 now. */
STMT(pvoucher_insert, 4,
    "INSERT INTO vouchers (code, amount_cents, partner_id, created_at) "
    "VALUES ($1, $2, $3, $4)");
STMT(pvoucher_list, 1,
    "SELECT code, amount_cents, created_at, redeemed_by, redeemed_at FROM "
    "vouchers WHERE partner_id = $1 ORDER BY created_at, code LIMIT 500");
