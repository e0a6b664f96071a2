-- The EHR's side of EPCS (issue 16, items 1 to 3): idempotent verify
-- answers, practices, credential links and their two-person approval
-- (21 CFR 1311.125), and the links that follow a renewal.

-- A verified challenge remembers the signature it was verified with and
-- the answer given, so that the same challenge and signature again within
-- the window gets the same answer; only another signature is a replay.
ALTER TABLE partner_challenges
	ADD COLUMN signature_sha256 bytea,	-- SHA-256 of the signature
	ADD COLUMN answer text;			-- the JSON answer given

-- A practice of a partner, named by the partner's own id.  renewal: what a
-- renewed certificate's new link carries: 'reapprove' (approved false
-- until a colleague approves it) or 'carry' (the old link's approval).
CREATE TABLE practices (
	partner_id	text NOT NULL REFERENCES partners (id),
	id		text NOT NULL CHECK (id ~ '^[A-Za-z0-9._-]{1,64}$'),
	name		text NOT NULL,
	renewal		text NOT NULL DEFAULT 'reapprove'
			    CHECK (renewal IN ('reapprove', 'carry')),
	created_at	timestamptz NOT NULL,
	updated_at	timestamptz NOT NULL,
	PRIMARY KEY (partner_id, id)
);

-- A challenge rxca issued for a practice: purpose 'link' binds (practice,
-- user, serial); 'approve' binds (practice, approver serial, approved
-- serial).  Used once.
CREATE TABLE practice_challenges (
	id		text PRIMARY KEY,		-- pch_...
	partner_id	text NOT NULL,
	practice_id	text NOT NULL,
	purpose		text NOT NULL CHECK (purpose IN ('link', 'approve')),
	statement	text NOT NULL UNIQUE,	-- the text to sign
	serial		bytea NOT NULL REFERENCES certificates (serial),
	user_id		text,			-- link: the practice user
	approver_serial	bytea REFERENCES certificates (serial), -- approve
	created_at	timestamptz NOT NULL,
	expires_at	timestamptz NOT NULL,
	used_at		timestamptz,
	FOREIGN KEY (partner_id, practice_id) REFERENCES practices
	    (partner_id, id),
	CHECK ((purpose = 'link') = (user_id IS NOT NULL)),
	CHECK ((purpose = 'approve') = (approver_serial IS NOT NULL))
);

-- A credential (certificate) linked to a practice user, with the flags of
-- the EHR: enabled (until disabled, by the partner or by a renewal),
-- trusted (chained to rxca and valid when linked), approved (the first
-- EPCS-eligible link of a practice, else by a colleague's approval).  The
-- prescriber's signature over the link challenge is kept.
CREATE TABLE credential_links (
	id		text PRIMARY KEY,		-- lnk_...
	partner_id	text NOT NULL,
	practice_id	text NOT NULL,
	user_id		text NOT NULL,
	serial		bytea NOT NULL REFERENCES certificates (serial),
	enabled		boolean NOT NULL,
	trusted		boolean NOT NULL,
	approved	boolean NOT NULL,
	approved_how	text CHECK (approved_how IN ('first', 'colleague',
			    'carried')),
	approved_at	timestamptz,
	statement	text,			-- the link challenge signed
	signature	text,			-- its base64 signature (NULL: renewal)
	renewed_from	text REFERENCES credential_links (id),
	superseded_by	text REFERENCES credential_links (id),
	disabled_at	timestamptz,
	disabled_reason	text,
	created_at	timestamptz NOT NULL,
	FOREIGN KEY (partner_id, practice_id) REFERENCES practices
	    (partner_id, id),
	CHECK (approved = (approved_at IS NOT NULL)),
	CHECK (enabled = (disabled_at IS NULL))
);
-- One enabled link of a certificate per practice.
CREATE UNIQUE INDEX credential_links_one ON credential_links
	(partner_id, practice_id, serial) WHERE enabled;
CREATE INDEX credential_links_serial ON credential_links (serial);

-- A two-person approval: both statements and signatures, so that anyone
-- can verify it again later with the two certificates.
CREATE TABLE credential_approvals (
	id		text PRIMARY KEY,		-- cap_...
	link_id		text NOT NULL UNIQUE REFERENCES credential_links (id),
	approver_link	text NOT NULL REFERENCES credential_links (id),
	approver_serial	bytea NOT NULL REFERENCES certificates (serial),
	statement	text NOT NULL,		-- the approval challenge
	signature	text NOT NULL,		-- base64, by the approver's key
	created_at	timestamptz NOT NULL
);

-- Flagged when a verification finds another prescriber (another name or
-- date of birth) with the same NPI: the NPI is not a key.
ALTER TABLE applications ADD COLUMN npi_shared_at timestamptz;
