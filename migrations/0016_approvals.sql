-- Dual control (issue 17, item 3): an action listed in RXCA_DUAL_CONTROL
-- (api/routes/h_approvals.c) asked for by one operator waits here,
-- pending, until a different operator confirms or rejects it, or until
-- expires_at, after which it never takes effect.  Only a confirmation
-- does the action, in the same unit of work as the row's change.

CREATE TABLE approvals (
	id		text PRIMARY KEY,	-- apr_...
	action		text NOT NULL CHECK (action IN ('decision.approve',
			    'kit.print', 'revocation', 'partner.key')),
	target		text NOT NULL,		-- application, kit, serial, partner
	params		jsonb NOT NULL,		-- the request body, validated
	requested_by	text NOT NULL REFERENCES operators (id),
	requested_at	timestamptz NOT NULL,
	expires_at	timestamptz NOT NULL CHECK (expires_at > requested_at),
	status		text NOT NULL DEFAULT 'pending' CHECK (status IN
			    ('pending', 'confirmed', 'rejected')),
	decided_by	text REFERENCES operators (id),
	decided_at	timestamptz,
	reason		text,			-- of a rejection
	CHECK ((status = 'pending') = (decided_by IS NULL)),
	CHECK ((status = 'pending') = (decided_at IS NULL)),
	CHECK (decided_by IS DISTINCT FROM requested_by),
	CHECK ((status = 'rejected') = (reason IS NOT NULL))
);

CREATE INDEX approvals_pending ON approvals (requested_at, id)
	WHERE status = 'pending';
CREATE INDEX approvals_decided ON approvals (decided_at, id)
	WHERE status <> 'pending';
