-- Issue 20, part 2: passkeys (WebAuthn credentials) bound to a proofed
-- application (docs/passkeys.md).
--
-- What each product accepts of a passkey's authenticator: 'none' (no
-- passkeys), 'any' (any authenticator that verifies its user, with or
-- without attestation), 'attested' (an attestation certificate that chains
-- to the operator's authenticator roots, RXCA_PASSKEY_ROOTS).  Strict mode
-- for the hardware product is
--   UPDATE products SET passkeys = 'attested' WHERE code = 'epcs-hardware';
ALTER TABLE products ADD COLUMN passkeys text NOT NULL DEFAULT 'any'
	CHECK (passkeys IN ('none', 'any', 'attested'));

-- A challenge sent for one ceremony, found again by its SHA-256 and used
-- once.
CREATE TABLE passkey_challenges (
	challenge_sha256 bytea PRIMARY KEY
	    CHECK (length(challenge_sha256) = 32),
	application_id	text NOT NULL REFERENCES applications (id),
	purpose		text NOT NULL CHECK (purpose IN ('register')),
	created_at	timestamptz NOT NULL,
	expires_at	timestamptz NOT NULL,
	used_at		timestamptz
);
CREATE INDEX passkey_challenges_app ON passkey_challenges (application_id);

-- A registered passkey.
CREATE TABLE passkeys (
	id		text PRIMARY KEY,		-- pk_...
	application_id	text NOT NULL REFERENCES applications (id),
	credential_id	bytea NOT NULL UNIQUE
	    CHECK (length(credential_id) BETWEEN 1 AND 1023),
	cose_alg	integer NOT NULL,		-- -7 ES256, -8 EdDSA, -257 RS256
	cose_key	bytea NOT NULL,			-- COSE_Key, as registered
	public_key	bytea NOT NULL,			-- libfido2's raw form
	aaguid		bytea NOT NULL CHECK (length(aaguid) = 16),
	sign_count	bigint NOT NULL CHECK (sign_count >= 0),
	backup_eligible	boolean NOT NULL,		-- a synced passkey
	attestation_format text NOT NULL,		-- none, packed, ...
	attestation	text NOT NULL
	    CHECK (attestation IN ('none', 'self', 'untrusted', 'trusted')),
	attestation_issuer text,			-- its certificate's issuer
	name		text NOT NULL,			-- the applicant's label
	status		text NOT NULL DEFAULT 'active'
	    CHECK (status IN ('active', 'revoked')),
	created_at	timestamptz NOT NULL,
	last_used_at	timestamptz,
	revoked_at	timestamptz
);
CREATE INDEX passkeys_app ON passkeys (application_id);
