-- Partners' own keys, transport limits and invitations they can track
-- (issue 16, items 5 and 6).
--
-- partners.program_open: whether an application may name the partner's
-- program without one of its invitations.  Partners that exist already
-- stay open (their links carry no token yet); a new partner's program is
-- closed until the partner opens it (PUT /v1/partner/program).
--
-- partner_keys.expires_at: a key the partner rotated away from is
-- accepted until then (the grace the partner chose), refused after.
-- replaced_by: the key that the rotation made.
--
-- partner_rate: requests of a partner in one fixed window (the limit of
-- RXCA_PARTNER_RATE_LIMIT per RXCA_PARTNER_RATE_WINDOW seconds), counted
-- here so that every node shares the count.  The first request of a new
-- window deletes the partner's older rows: at most one row per partner
-- stays.
--
-- partner_invitations: token_hash is SHA-256 of the token in the
-- invitation's link (the token itself is never stored); opened_at is the
-- first time the link was followed; application_id the application made
-- with it (one at most).

ALTER TABLE partners ADD COLUMN program_open boolean NOT NULL DEFAULT true;
ALTER TABLE partners ALTER COLUMN program_open SET DEFAULT false;
ALTER TABLE partners ADD COLUMN program_updated_at timestamptz;

ALTER TABLE partner_keys
	ADD COLUMN expires_at timestamptz,
	ADD COLUMN replaced_by text REFERENCES partner_keys (id);

CREATE TABLE partner_rate (
	partner_id	text NOT NULL REFERENCES partners (id),
	window_start	timestamptz NOT NULL,
	hits		integer NOT NULL CHECK (hits > 0),
	PRIMARY KEY (partner_id, window_start)
);

ALTER TABLE partner_invitations
	ADD COLUMN token_hash bytea UNIQUE CHECK (length(token_hash) = 32),
	ADD COLUMN opened_at timestamptz,
	ADD COLUMN application_id text UNIQUE REFERENCES applications (id),
	ADD COLUMN applied_at timestamptz;
