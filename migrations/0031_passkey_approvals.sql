-- Issue 20, part 2 (stages b-d): a partner asks a prescriber to approve a
-- prescription with a passkey (docs/approvals.md).  One row per request;
-- its challenge is recomputed from the row (id, digests, nonce), never
-- stored on its own.
--
-- A passkey whose sign counter went backwards is disabled (a cloned
-- authenticator, W3C WebAuthn 6.1.1): it approves nothing until it is
-- registered again.
ALTER TABLE passkeys DROP CONSTRAINT passkeys_status_check;
ALTER TABLE passkeys ADD CONSTRAINT passkeys_status_check
	CHECK (status IN ('active', 'revoked', 'disabled'));
ALTER TABLE passkeys ADD COLUMN disabled_reason text;

CREATE TABLE passkey_approvals (
	id		text PRIMARY KEY,		-- apv_... (24 random chars)
	partner_id	text NOT NULL REFERENCES partners (id),
	application_id	text NOT NULL REFERENCES applications (id),
	passkey_id	text NOT NULL REFERENCES passkeys (id),
	summary		text NOT NULL,			-- shown to the prescriber
	digests		jsonb NOT NULL,			-- ["<64 hex>", ...]
	nonce		text NOT NULL,			-- base64url, in the challenge
	state		text NOT NULL DEFAULT 'pending'
	    CHECK (state IN ('pending', 'approved', 'denied', 'expired')),
	created_at	timestamptz NOT NULL,
	expires_at	timestamptz NOT NULL,
	decided_at	timestamptz,
	sign_count	bigint,				-- of the deciding assertion
	user_verified	boolean,
	record		text				-- the signed record (JWS)
);
CREATE INDEX passkey_approvals_app ON passkey_approvals
	(application_id, created_at);
CREATE INDEX passkey_approvals_pending ON passkey_approvals (expires_at)
	WHERE state = 'pending';
