#include "api/store/store.h"

#define STMT(id, n, text) const struct sql sql_##id = {#id, text, n}

STMT(ping, 0, "SELECT 1");
STMT(catalog_products, 0,
    "SELECT code, name, description, price_cents, hardware, epcs, "
    "validity_months FROM products ORDER BY position");
STMT(catalog_storage, 0,
    "SELECT code, product, name, price_cents, new_token "
    "FROM storage_options ORDER BY position");
STMT(catalog_shipping, 0,
    "SELECT code, name, price_cents, international "
    "FROM shipping_options ORDER BY position");
STMT(catalog_taxes, 0, "SELECT state, rate_bp FROM tax_rates ORDER BY state");

STMT(idem_claim, 5,
    "INSERT INTO idempotency_keys (scope, key, request_hash, resource_id, "
    "created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING "
    "RETURNING resource_id");
STMT(idem_get, 2,
    "SELECT request_hash, resource_id FROM idempotency_keys "
    "WHERE scope = $1 AND key = $2");
/* $1 code, $2 the application's program: a partner's voucher only for an
 * application of its program. */
STMT(voucher_lock, 2,
    "SELECT amount_cents FROM vouchers WHERE code = $1 "
    "AND redeemed_by IS NULL AND (partner_id IS NULL OR partner_id = "
    "(SELECT id FROM partners WHERE program = $2)) FOR UPDATE");
STMT(voucher_redeem, 3,
    "UPDATE vouchers SET redeemed_by = $1, redeemed_at = $2 WHERE code = $3");
STMT(app_insert, 30,
    "INSERT INTO applications (id, status, policy, product, storage, "
    "shipping, program, voucher, given_name, middle_name, family_name, "
    "date_of_birth, email, phone, addr_line1, addr_line2, addr_city, "
    "addr_state, addr_postal_code, addr_country, npi, dea_number, ssn_last4, "
    "avs_card_token, payment_card_token, password_hash, agreement_version, "
    "agreement_accepted_at, price, price_total_cents, created_at, "
    "updated_at, email_verify_by) VALUES ($1, 'email_pending', $2, $3, $4, "
    "$5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, "
    "$20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $27, $27, $30)");
STMT(answer_insert, 4,
    "INSERT INTO secret_answers (application_id, position, question, "
    "answer_hash) VALUES ($1, $2, $3, $4)");
STMT(event_insert, 5,
    "INSERT INTO application_events (application_id, at, status, actor, "
    "note) VALUES ($1, $2, $3, $4, $5)");
STMT(app_summary, 1,
    "SELECT id, status, email_verify_by, price FROM applications "
    "WHERE id = $1");
STMT(app_get, 1,
    "SELECT id, status, policy, product, storage, shipping, program, "
    "given_name, middle_name, family_name, email, phone, addr_city, "
    "addr_state, addr_country, price, created_at, updated_at, "
    "email_verify_by, email_verified_at, agreement_version "
    "FROM applications WHERE id = $1");
/* $1 application, $2 now: the fields a new application is prefilled
 * with, and whether its latest certificate has expired. */
STMT(app_prefill, 2,
    "SELECT a.product, CASE WHEN p.hardware THEN 'existing-token' END "
    "AS storage, "
    "a.shipping, a.given_name, a.middle_name, a.family_name, "
    "a.date_of_birth, a.email, a.phone, a.addr_line1, a.addr_line2, "
    "a.addr_city, a.addr_state, a.addr_postal_code, a.addr_country, a.npi, "
    "a.dea_number, a.agreement_version, COALESCE((SELECT max(c.not_after) "
    "FROM certificates c WHERE c.application_id = a.id AND c.state IN "
    "('issued', 'revoked')) <= $2, false) AS expired "
    "FROM applications a JOIN products p ON p.code = a.product "
    "WHERE a.id = $1");
STMT(app_events, 1,
    "SELECT status, at, actor, note FROM application_events "
    "WHERE application_id = $1 ORDER BY id");
STMT(app_lock, 1,
    "SELECT status, email_verify_by, email_failures, email_resends, "
    "email_last_sent_at FROM applications WHERE id = $1 FOR UPDATE");
STMT(app_set_status, 3,
    "UPDATE applications SET status = $2, updated_at = $3 WHERE id = $1");
STMT(app_verified, 2,
    "UPDATE applications SET status = 'proofing', email_verified_at = $2, "
    "updated_at = $2 WHERE id = $1");
STMT(app_email_failed, 1,
    "UPDATE applications SET email_failures = email_failures + 1 "
    "WHERE id = $1 RETURNING email_failures");
STMT(app_resend, 2,
    "UPDATE applications SET email_resends = email_resends + 1, "
    "updated_at = $2 WHERE id = $1");
STMT(app_mail_sent, 2,
    "UPDATE applications SET email_last_sent_at = $2 WHERE id = $1");
STMT(app_for_mail, 1,
    "SELECT status, email, given_name, email_verify_by, policy "
    "FROM applications WHERE id = $1 FOR UPDATE");

STMT(code_live, 1,
    "SELECT id, code_hash, expires_at, attempts, earlier_hashes "
    "FROM email_codes "
    "WHERE application_id = $1 AND state = 'live' FOR UPDATE");
STMT(code_last, 1,
    "SELECT state, attempts FROM email_codes WHERE application_id = $1 "
    "ORDER BY id DESC LIMIT 1");
STMT(code_fail, 2,
    "UPDATE email_codes SET attempts = attempts + 1, state = CASE "
    "WHEN attempts + 1 >= $2 THEN 'dead' ELSE state END WHERE id = $1 "
    "RETURNING attempts");
STMT(code_use, 1, "UPDATE email_codes SET state = 'used' WHERE id = $1");
STMT(code_kill, 1,
    "UPDATE email_codes SET state = 'dead' WHERE application_id = $1 "
    "AND state = 'live'");

STMT(session_insert, 4,
    "INSERT INTO sessions (token_hash, application_id, created_at, "
    "last_seen_at, expires_at) VALUES ($1, $2, $3, $3, $4)");
STMT(session_touch, 3,
    "UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1 "
    "AND revoked_at IS NULL AND expires_at > $2 AND last_seen_at > $3 "
    "RETURNING application_id");
STMT(login_by_id, 1,
    "SELECT id, password_hash, login_locked_until FROM applications "
    "WHERE id = $1");

STMT(job_insert, 6,
    "INSERT INTO jobs (kind, application_id, run_at, max_attempts, "
    "created_at, updated_at, payload) VALUES ($1, $2, $3, $4, $5, $5, "
    "coalesce($6::jsonb, '{}'))");
/* A job of kind $1 unless one of that kind is already queued. */
STMT(job_insert_once, 4,
    "INSERT INTO jobs (kind, run_at, max_attempts, created_at, updated_at) "
    "SELECT $1, $2, $3, $4, $4 WHERE NOT EXISTS (SELECT 1 FROM jobs "
    "WHERE kind = $1 AND state = 'queued')");
/*
 * The first due job, locked; the transaction becomes a runner's
 * (rxca.job_runner, migration 0041): the jobs it queues fire no NOTIFY,
 * since this runner claims them itself once its job is done.
 */
STMT(job_claim, 1,
    "SELECT id, kind, application_id, attempts, max_attempts, "
    "payload::text, expires_at, created_at, "
    "set_config('rxca.job_runner', 'on', true) AS runner FROM jobs "
    "WHERE state = 'queued' AND run_at <= to_timestamp($1::bigint / 1000.0) "
    "ORDER BY run_at, id LIMIT 1 "
    "FOR UPDATE SKIP LOCKED");
STMT(job_done, 2,
    "UPDATE jobs SET state = 'done', attempts = attempts + 1, "
    "updated_at = $2 WHERE id = $1");
/*
 * $1 job, $2 next try (milliseconds since the epoch), $3 error, $4 now,
 * $5 deadline of a mail job (NULL for others), $6 the failure was an
 * outage (503): a mail job that met an outage is tried until its deadline
 * (the last try at the deadline); other failures end it after
 * max_attempts tries.
 */
STMT(job_retry, 6,
    "UPDATE jobs SET attempts = attempts + 1, last_error = $3, "
    "updated_at = $4, expires_at = $5::timestamptz, run_at = CASE WHEN "
    "$5::timestamptz IS NOT NULL AND $6 THEN "
    "least(to_timestamp($2::bigint / 1000.0), $5::timestamptz) "
    "ELSE to_timestamp($2::bigint / 1000.0) END, state = CASE WHEN "
    "$5::timestamptz IS NOT NULL AND $6 THEN CASE WHEN $4::timestamptz >= "
    "$5::timestamptz THEN 'dead' ELSE 'queued' END WHEN attempts + 1 >= "
    "max_attempts THEN 'dead' ELSE 'queued' END WHERE id = $1 "
    "RETURNING state, attempts");
/* The queued jobs and the earliest run_at among them, in milliseconds
 * rounded up (NULL if none). */
STMT(job_count, 0,
    "SELECT count(*), ceil(extract(epoch FROM min(run_at)) * 1000)::bigint "
    "AS next_ms FROM jobs WHERE state = 'queued'");
STMT(sweep_lapse, 1,
    "UPDATE applications SET status = 'lapsed', updated_at = $1 "
    "WHERE id IN (SELECT id FROM applications WHERE status = "
    "'email_pending' AND email_verify_by < $1 ORDER BY email_verify_by "
    "LIMIT 200 FOR UPDATE SKIP LOCKED) RETURNING id");
