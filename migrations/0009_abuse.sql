-- 0009: throttles of guessable secrets, account unlock and reset codes,
-- and daily quotas (issue 13, items 2 to 4).

-- One row per (scope, subject, client): scope 'login', 'reset' or
-- 'unlock' counts the failures of one client address against one subject
-- (the identifier as typed, so an unknown one behaves like a known one);
-- scope 'account' (client '') counts the consecutive failures of an
-- account from every address, and locked_at is set when they reach the
-- ceiling, until the e-mailed unlock code is used.
CREATE TABLE throttles (
	scope		text NOT NULL CHECK (scope IN
			    ('login', 'reset', 'unlock', 'account')),
	subject		text NOT NULL,
	client		text NOT NULL,
	failures	integer NOT NULL DEFAULT 0,
	blocked_until	timestamptz,
	locked_at	timestamptz,
	updated_at	timestamptz NOT NULL,
	PRIMARY KEY (scope, subject, client)
);
CREATE INDEX throttles_stale ON throttles (updated_at)
    WHERE locked_at IS NULL;

-- E-mailed single-use codes: 'unlock' lifts an account lock, 'reset'
-- stands in for the activation code of an application without a kit.
-- Stored as SHA-256 of application id ":" code (proofing/emailcode.h).
CREATE TABLE account_codes (
	id		bigserial PRIMARY KEY,
	application_id	text NOT NULL REFERENCES applications (id),
	purpose		text NOT NULL CHECK (purpose IN ('unlock', 'reset')),
	code_hash	bytea NOT NULL,
	created_at	timestamptz NOT NULL,
	expires_at	timestamptz NOT NULL,
	used_at		timestamptz
);
CREATE INDEX account_codes_app ON account_codes (application_id, purpose);

-- Daily quotas: scope 'apply' (new applications) or 'mail' (verification
-- and reset mails), subject 'e:<email>' or 'c:<client address>'; a window
-- of one day from its first use.
CREATE TABLE quotas (
	scope		text NOT NULL,
	subject		text NOT NULL,
	window_start	timestamptz NOT NULL,
	used		integer NOT NULL,
	PRIMARY KEY (scope, subject)
);
