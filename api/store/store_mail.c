#include "api/store/store_mail.h"

#define STMT(id, n, text) const struct sql sql_##id = {#id, text, n}

/* A mail job past its deadline: dead without another try. */
STMT(job_kill, 3,
    "UPDATE jobs SET state = 'dead', updated_at = $2, "
    "last_error = coalesce(last_error, $3) WHERE id = $1");
/* $1 job, $2 when it may be claimed again, $3 now: committed before an
 * outbound call, so that no other runner takes the job meanwhile. */
STMT(
    job_lease, 3, "UPDATE jobs SET run_at = $2, updated_at = $3 WHERE id = $1");
/* Waits for a brief lock (another runner's claim may hold the row while
 * it looks at it): skipping it read a job still held under this runner's
 * lease as taken, and left it to wait out the lease. */
/* As job_claim, the transaction becomes a runner's.  $2, the lease the
 * runner took (NULL: any): a job whose lease ran out and that another
 * runner claimed since has another run_at (its lease, or its next try). */
STMT(job_relock, 2,
    "SELECT id, set_config('rxca.job_runner', 'on', true) AS runner "
    "FROM jobs WHERE id = $1 AND state = 'queued' AND ($2::timestamptz "
    "IS NULL OR run_at = $2::timestamptz) FOR UPDATE");
/* $1 job, $2 application: the expiry of the last code the job made, else
 * the end of the application's e-mail window. */
STMT(mail_code_deadline, 2,
    "SELECT coalesce((SELECT expires_at FROM email_codes WHERE job_id = $1 "
    "ORDER BY id DESC LIMIT 1), (SELECT email_verify_by FROM applications "
    "WHERE id = $2)) AS deadline");
/* Queued mail, the oldest queued mail's creation, dead mail. */
STMT(outbox_stats, 0,
    "SELECT count(*) FILTER (WHERE state = 'queued') AS queued, "
    "min(created_at) FILTER (WHERE state = 'queued') AS oldest, "
    "count(*) FILTER (WHERE state = 'dead') AS dead FROM jobs "
    "WHERE kind LIKE '" MAIL_KIND_LIKE "' AND state IN ('queued', 'dead')");

/* A newer email.code job of application $1 than job $2 (a resend). */
STMT(mail_code_superseded, 2,
    "SELECT 1 FROM jobs WHERE kind = 'email.code' AND application_id = $1 "
    "AND id > $2 LIMIT 1");
STMT(mail_code_of_job, 2,
    "SELECT id, expires_at, maybe_sent FROM email_codes "
    "WHERE application_id = $1 AND job_id = $2 AND state = 'live' "
    "FOR UPDATE");
/*
 * Code $1 gets the new hash $2; with $3 the hash it replaces may have been
 * mailed and joins earlier_hashes, which keeps the newest $4 bytes.
 */
STMT(mail_code_rehash, 4,
    "UPDATE email_codes SET earlier_hashes = CASE WHEN $3 THEN "
    "substring(earlier_hashes || code_hash FROM greatest(1, "
    "length(earlier_hashes || code_hash) - $4::int + 1)) "
    "ELSE earlier_hashes END, code_hash = $2, maybe_sent = true "
    "WHERE id = $1");
STMT(mail_code_insert, 5,
    "INSERT INTO email_codes (application_id, code_hash, created_at, "
    "expires_at, state, job_id, maybe_sent) "
    "VALUES ($1, $2, $3, $4, 'live', $5, true) RETURNING id");
/* The send of code $1 failed: its hash was not mailed. */
STMT(mail_code_unsent, 1,
    "UPDATE email_codes SET maybe_sent = false WHERE id = $1");

/* Mail jobs in state $1 after job $2 (NULL: from the first), $3 of them. */
STMT(outbox_list, 3,
    "SELECT id, kind, application_id, state, attempts, created_at, "
    "updated_at, run_at, expires_at, last_error FROM jobs "
    "WHERE kind LIKE '" MAIL_KIND_LIKE "' AND state = $1 "
    "AND ($2::bigint IS NULL OR id > $2::bigint) ORDER BY id LIMIT $3");
STMT(outbox_lock, 1,
    "SELECT kind, application_id, state FROM jobs WHERE id = $1 "
    "AND kind LIKE '" MAIL_KIND_LIKE "' FOR UPDATE");
/* $1 job, $2 now, $3 its new deadline or NULL: tried again at once. */
STMT(outbox_requeue, 3,
    "UPDATE jobs SET state = 'queued', attempts = 0, run_at = $2, "
    "updated_at = $2, expires_at = $3 WHERE id = $1");

STMT(mail_decision_lock, 1,
    "SELECT a.status, d.decision FROM applications a LEFT JOIN decisions d "
    "ON d.application_id = a.id WHERE a.id = $1 FOR UPDATE OF a");
/* Not a job in flight: one a runner holds under a lease (jobs_pause) has
 * no try counted yet and a run_at ahead; moving it would let a second
 * runner send it again, and its sending was done before this resend. */
STMT(mail_decision_kick, 2,
    "UPDATE jobs SET run_at = $2, updated_at = $2 WHERE kind = "
    "'email.decision' AND application_id = $1 AND state = 'queued' "
    "AND (attempts > 0 OR run_at <= $2)");
