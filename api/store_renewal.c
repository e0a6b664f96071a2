#include "api/store_renewal.h"

#define STMT(id, n, text) const struct sql sql_##id = {#id, text, n}

/*
 * Certificates due a reminder at $1 with steps $2 (days, '{90,60,30,7}'),
 * at most $3: issued (not revoked), not expired, not renewed, and the
 * most recent step that is due not sent yet (nor any later one).
 */
STMT(reminder_due, 3,
    "SELECT c.serial, s.step, c.not_after FROM certificates c "
    "CROSS JOIN LATERAL (SELECT min(x) AS step FROM unnest($2::int[]) x "
    "WHERE c.not_after - make_interval(days => x) <= $1) s "
    "WHERE c.state = 'issued' AND c.issuer = 'issuing' AND "
    "c.not_after > $1 AND s.step IS NOT NULL AND NOT EXISTS "
    "(SELECT 1 FROM certificates n WHERE n.renews = c.serial) AND "
    "NOT EXISTS (SELECT 1 FROM renewal_reminders r WHERE "
    "r.serial = c.serial AND r.step <= s.step) "
    "ORDER BY c.not_after LIMIT $3");
/* $1 serial, $2 step, $3 due, $4 now: a row if this node sends it. */
STMT(reminder_insert, 4,
    "INSERT INTO renewal_reminders (serial, step, due_at, created_at) "
    "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING serial");
STMT(reminder_mail, 1,
    "SELECT c.state, c.not_after, a.email, a.given_name, a.id, "
    "EXISTS (SELECT 1 FROM certificates n WHERE n.renews = c.serial) "
    "FROM certificates c JOIN applications a ON a.id = c.application_id "
    "WHERE c.serial = $1");
