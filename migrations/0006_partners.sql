-- Partners (EHR vendors): their programs and API keys, the webhook each
-- one receives, the events waiting for it (the outbox, written in the
-- same transaction as the change) and the log of every delivery try,
-- challenges seen by credential verification, invitations, and vouchers
-- a partner holds.

CREATE TABLE partners (
	id		text PRIMARY KEY,		-- prt_...
	name		text NOT NULL,
	program		text NOT NULL UNIQUE,		-- applications.program
	created_at	timestamptz NOT NULL,
	created_by	text NOT NULL
);

-- An API key is rxp_<id>_<secret>; only SHA-256 of the secret is kept.
CREATE TABLE partner_keys (
	id		text PRIMARY KEY,		-- 24 base32 characters
	partner_id	text NOT NULL REFERENCES partners (id),
	secret_hash	bytea NOT NULL CHECK (length(secret_hash) = 32),
	created_at	timestamptz NOT NULL,
	created_by	text NOT NULL,
	revoked_at	timestamptz,
	revoked_by	text
);
CREATE INDEX partner_keys_partner ON partner_keys (partner_id);

-- The partner's receiver.  secret is the HMAC-SHA256 key, kept as is: it
-- must be read back to sign each delivery (see api/webhook.h).
CREATE TABLE partner_webhooks (
	partner_id	text PRIMARY KEY REFERENCES partners (id),
	url		text NOT NULL,
	secret		text NOT NULL,
	updated_at	timestamptz NOT NULL
);

-- The outbox: one row per event and partner, delivered in seq order.
CREATE TABLE webhook_events (
	seq		bigserial PRIMARY KEY,
	id		text NOT NULL UNIQUE,		-- evt_...
	partner_id	text NOT NULL REFERENCES partners (id),
	type		text NOT NULL,
	application_id	text REFERENCES applications (id),
	body		text NOT NULL,			-- the exact JSON sent
	created_at	timestamptz NOT NULL,
	state		text NOT NULL DEFAULT 'pending' CHECK (state IN
			    ('pending', 'delivered', 'dead')),
	attempts	integer NOT NULL DEFAULT 0,
	next_at		timestamptz NOT NULL,		-- not tried before
	delivered_at	timestamptz
);
CREATE INDEX webhook_events_pending ON webhook_events (partner_id, seq)
	WHERE state = 'pending';

CREATE TABLE webhook_deliveries (
	id		bigserial PRIMARY KEY,
	event_seq	bigint NOT NULL REFERENCES webhook_events (seq),
	partner_id	text NOT NULL REFERENCES partners (id),
	attempt		integer NOT NULL,
	at		timestamptz NOT NULL,
	url		text NOT NULL,
	http_status	integer,			-- NULL: no answer
	error		text,
	duration_ms	integer NOT NULL,
	outcome		text NOT NULL CHECK (outcome IN ('delivered',
			    'failed', 'dead'))
);
CREATE INDEX webhook_deliveries_partner ON webhook_deliveries
	(partner_id, id);

-- Challenges a partner verified, kept for the freshness window so that a
-- replay is refused.
CREATE TABLE partner_challenges (
	hash		bytea PRIMARY KEY,	-- SHA-256(partner id ":" challenge)
	partner_id	text NOT NULL REFERENCES partners (id),
	expires_at	timestamptz NOT NULL
);
CREATE INDEX partner_challenges_expiry ON partner_challenges (expires_at);

CREATE TABLE partner_invitations (
	id		text PRIMARY KEY,		-- inv_...
	partner_id	text NOT NULL REFERENCES partners (id),
	email		text NOT NULL,
	created_at	timestamptz NOT NULL
);
CREATE INDEX partner_invitations_rate ON partner_invitations
	(partner_id, created_at);

-- A voucher a partner holds may only be redeemed by an application of
-- its program.
ALTER TABLE vouchers
	ADD COLUMN partner_id text REFERENCES partners (id),
	ADD COLUMN created_at timestamptz;
CREATE INDEX vouchers_partner ON vouchers (partner_id) WHERE
	partner_id IS NOT NULL;
CREATE INDEX applications_program ON applications (program, updated_at, id)
	WHERE program IS NOT NULL;
