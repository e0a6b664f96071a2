#include "api/store/store_proofing.h"

#define STMT(id, n, text) const struct sql sql_##id = {#id, text, n}

STMT(proof_app_lock, 1,
    "SELECT a.status, a.policy, p.epcs, a.dea_number, a.given_name, "
    "a.middle_name, a.family_name, a.date_of_birth::text, a.email, a.phone, "
    "a.addr_line1, a.addr_line2, a.addr_city, a.addr_state, "
    "a.addr_postal_code, a.addr_country, a.ssn_last4, a.avs_card_token, "
    "a.sandbox FROM applications a JOIN products p ON p.code = a.product "
    "WHERE a.id = $1 FOR UPDATE OF a");
STMT(check_insert, 9,
    "INSERT INTO identity_checks (application_id, provider, request_id, "
    "attempt, outcome, score, reasons, error, at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9)");
/* The newest usable answer of each provider. */
STMT(check_latest, 1,
    "SELECT DISTINCT ON (provider) provider, outcome, score, reasons::text "
    "FROM identity_checks WHERE application_id = $1 AND outcome <> 'error' "
    "ORDER BY provider, id DESC");
STMT(decision_insert, 6,
    "INSERT INTO decisions (application_id, decision, decided_by, reason, "
    "codes, at) VALUES ($1, $2, $3, $4, $5::jsonb, $6) "
    "ON CONFLICT (application_id) DO NOTHING RETURNING application_id");
STMT(decision_for_mail, 1,
    "SELECT d.decision, d.reason, a.email, a.given_name "
    "FROM decisions d JOIN applications a ON a.id = d.application_id "
    "WHERE d.application_id = $1");
/*
 * Applications in status $1, oldest first, after the application $2 (or
 * from the start when $2 is NULL), at most $3.
 */
STMT(ops_queue, 3,
    "SELECT a.id, a.status, a.product, a.program, a.given_name, "
    "a.middle_name, a.family_name, a.email, a.addr_state, a.addr_country, "
    "a.created_at, a.updated_at, a.email_verified_at, "
    "(SELECT coalesce(jsonb_agg(jsonb_build_object('provider', c.provider, "
    "'attempt', c.attempt, 'outcome', c.outcome, 'score', c.score, "
    "'reasons', c.reasons, 'at', to_char(c.at AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')) ORDER BY c.id), '[]'::jsonb)::text "
    "FROM identity_checks c WHERE c.application_id = a.id) "
    "FROM applications a WHERE a.status = $1 AND ($2::text IS NULL OR "
    "(a.created_at, a.id) > (SELECT created_at, id FROM applications "
    "WHERE id = $2)) ORDER BY a.created_at, a.id LIMIT $3");
STMT(ops_app_lock, 1,
    "SELECT status, email FROM applications WHERE id = $1 FOR UPDATE");
STMT(operator_by_cert, 1,
    "SELECT id, name, array_to_string(roles, ','), cert_not_after, "
    "disabled_at FROM operators WHERE cert_sha256 = $1");

/* Log-in by e-mail: only applications whose e-mail is verified, newest
 * first (issue 13, item 4). */
STMT(login_verified_by_email, 1,
    "SELECT id, password_hash FROM applications WHERE email = $1 "
    "AND email_verified_at IS NOT NULL ORDER BY created_at DESC, id "
    "LIMIT 20");
/* E-mailed account codes ($2 purpose 'unlock' or 'reset'). */
/* A live code of purpose $2, or a mail of it still queued. */
STMT(acode_live, 3,
    "SELECT id FROM account_codes WHERE application_id = $1 "
    "AND purpose = $2 AND used_at IS NULL AND expires_at > $3 "
    "UNION ALL SELECT 0 FROM jobs WHERE application_id = $1 "
    "AND kind = CASE $2 WHEN 'unlock' THEN 'email.unlock' "
    "ELSE 'email.reset_code' END AND state = 'queued'");
STMT(acode_kill, 3,
    "UPDATE account_codes SET expires_at = $3 WHERE application_id = $1 "
    "AND purpose = $2 AND used_at IS NULL AND expires_at > $3");
STMT(acode_insert, 5,
    "INSERT INTO account_codes (application_id, purpose, code_hash, "
    "created_at, expires_at) VALUES ($1, $2, $3, $4, $5)");
STMT(acode_find, 4,
    "SELECT id FROM account_codes WHERE application_id = $1 "
    "AND purpose = $2 AND code_hash = $3 AND used_at IS NULL "
    "AND expires_at > $4 FOR UPDATE");
STMT(acode_use, 2, "UPDATE account_codes SET used_at = $2 WHERE id = $1");
/* What an account code mail needs: address, name, whether the address is
 * verified, the policy, whether a kit exists, the newest code's age. */
STMT(acode_app, 2,
    "SELECT a.email, a.given_name, a.email_verified_at IS NOT NULL, "
    "a.policy, EXISTS (SELECT 1 FROM kits k WHERE k.application_id = a.id), "
    "(SELECT max(created_at) FROM account_codes c WHERE "
    "c.application_id = a.id AND c.purpose = $2) "
    "FROM applications a WHERE a.id = $1 FOR UPDATE");
