-- Mail that is never abandoned while it can still matter (issue 13, items
-- 11 and 12).
--
-- A mail job (kind 'email.%') has a deadline instead of a small number of
-- tries: while the mail server is unreachable it is tried again, the wait
-- capped by RXCA_MAIL_BACKOFF_MAX, until expires_at; then it is dead and
-- listed for operators (GET /v1/ops/outbox?state=dead), who may resend it.
-- expires_at is NULL for other jobs and for mail that has not failed yet.
ALTER TABLE jobs ADD COLUMN expires_at timestamptz;
CREATE INDEX jobs_mail ON jobs (state, id) WHERE kind LIKE 'email.%';
CREATE INDEX jobs_app ON jobs (application_id, kind)
	WHERE application_id IS NOT NULL;

-- A verification code is made once per job try, and every code a job may
-- have sent stays valid: job_id is the email.code job that made the row;
-- earlier_hashes holds the hashes (32 bytes each, newest last, at most a
-- few) of codes this job mailed before, or may have mailed when the
-- database failed after the send, which verify as well as code_hash.
-- maybe_sent is true from the moment code_hash may be on its way until a
-- try knows that its send failed.
ALTER TABLE email_codes ADD COLUMN job_id bigint,
	ADD COLUMN earlier_hashes bytea NOT NULL DEFAULT ''
	    CHECK (length(earlier_hashes) % 32 = 0),
	ADD COLUMN maybe_sent boolean NOT NULL DEFAULT false;
