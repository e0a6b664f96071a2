#include "api/store_payment.h"

#define STMT(id, n, text) const struct sql sql_##id = {#id, text, n}

/* $1 key, $2 card token, $3 cents, $4 now; a retried request keeps its
 * first intent. */
STMT(pay_intent_insert, 4,
    "INSERT INTO payment_intents (idem_key, card_token, amount_cents, "
    "created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (idem_key) DO NOTHING");
STMT(pay_intent_drop, 1,
    "DELETE FROM payment_intents WHERE idem_key = $1 AND NOT EXISTS "
    "(SELECT 1 FROM payments WHERE idem_key = $1)");
STMT(pay_intent_known, 2,
    "UPDATE payment_intents SET authorisation = $2 WHERE idem_key = $1");
/* Intents older than $1 whose application never committed, at most 20. */
STMT(pay_orphans, 1,
    "SELECT i.idem_key, i.card_token, i.amount_cents FROM payment_intents i "
    "WHERE i.voided_at IS NULL AND i.created_at < $1 AND NOT EXISTS "
    "(SELECT 1 FROM payments p WHERE p.idem_key = i.idem_key) "
    "ORDER BY i.created_at LIMIT 20 FOR UPDATE OF i SKIP LOCKED");
STMT(pay_intent_voided, 3,
    "UPDATE payment_intents SET voided_at = $2, authorisation = "
    "coalesce($3, authorisation) WHERE idem_key = $1");
/* $1 app, $2 key, $3 authorisation, $4 last4, $5 cents, $6 now. */
STMT(pay_insert, 6,
    "INSERT INTO payments (application_id, idem_key, authorisation, last4, "
    "authorised_cents, status, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, 'authorised', $6, $6)");
/* $1 app, $2 kind, $3 cents, $4 key, $5 provider id, $6 actor, $7 reason,
 * $8 now; an event the provider replayed is recorded once. */
STMT(pay_event, 8,
    "INSERT INTO payment_events (application_id, kind, amount_cents, "
    "idem_key, provider_ref, actor, reason, at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
    "ON CONFLICT (idem_key) DO NOTHING RETURNING id");
STMT(pay_lock, 1,
    "SELECT authorisation, status, authorised_cents, captured_cents, "
    "refunded_cents FROM payments WHERE application_id = $1 FOR UPDATE");
/* $1 app, $2 status, $3 captured, $4 refunded, $5 now. */
STMT(pay_update, 5,
    "UPDATE payments SET status = $2, captured_cents = $3, "
    "refunded_cents = $4, updated_at = $5 WHERE application_id = $1");
STMT(pay_get, 1,
    "SELECT application_id, authorisation, last4, currency, status, "
    "authorised_cents, captured_cents, refunded_cents, created_at, "
    "updated_at FROM payments WHERE application_id = $1");
STMT(pay_events, 1,
    "SELECT kind, amount_cents, provider_ref, actor, reason, at "
    "FROM payment_events WHERE application_id = $1 ORDER BY id");
STMT(pay_receipt, 1,
    "SELECT a.email, a.given_name, a.price::text, a.addr_state, "
    "a.addr_country, p.last4, p.captured_cents "
    "FROM applications a JOIN payments p ON p.application_id = a.id "
    "WHERE a.id = $1");
/* The amount of an unredeemed voucher $1 usable by program $2. */
STMT(pay_voucher_amount, 2,
    "SELECT amount_cents FROM vouchers WHERE code = $1 "
    "AND redeemed_by IS NULL AND (partner_id IS NULL OR partner_id = "
    "(SELECT id FROM partners WHERE program = $2))");
