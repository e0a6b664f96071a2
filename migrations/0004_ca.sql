-- The certificate authority: rxca's own CA certificates, retrieval kits,
-- subscriber certificates (recorded before they are signed), certificate
-- challenges, and the password-reset counter.

-- rxca's CAs: the root (its key stays offline), the issuing CA and the
-- delegated OCSP signer.  key_ref says where the key is:
-- file:<path> or pkcs11:<token label>/<key label>.
CREATE TABLE ca_certificates (
	name		text PRIMARY KEY CHECK (name IN ('root', 'issuing',
			    'ocsp')),
	serial		bytea NOT NULL UNIQUE,
	subject		text NOT NULL,
	der		bytea NOT NULL,
	key_ref		text NOT NULL,
	not_before	timestamptz NOT NULL,
	not_after	timestamptz NOT NULL,
	created_at	timestamptz NOT NULL
);

-- A retrieval kit: made on approval; printing makes its activation code
-- (only its hash is kept) and, for a new token, the initial passcode (not
-- kept at all).  A reprint replaces the code, so the old one dies.
CREATE TABLE kits (
	id		text PRIMARY KEY,		-- kit_...
	application_id	text NOT NULL UNIQUE REFERENCES applications (id),
	state		text NOT NULL CHECK (state IN ('created', 'printed',
			    'shipped', 'used', 'locked')),
	new_token	boolean NOT NULL,
	code_hash	bytea UNIQUE,		-- SHA-256, see ca/actcode.h
	prints		integer NOT NULL DEFAULT 0,
	attempts	integer NOT NULL DEFAULT 0,	-- wrong passwords
	expires_at	timestamptz NOT NULL,
	printed_at	timestamptz,
	shipped_at	timestamptz,
	carrier		text,
	tracking	text,
	created_at	timestamptz NOT NULL,
	updated_at	timestamptz NOT NULL
);
CREATE INDEX kits_state ON kits (state, created_at);

-- Subscriber certificates.  The row, with the linted certificate before
-- its signature (tbs), commits before anything is signed; der is filled
-- in once signed.  One certificate per kit; a key is certified once.
CREATE TABLE certificates (
	serial		bytea PRIMARY KEY CHECK (length(serial) = 16),
	application_id	text NOT NULL REFERENCES applications (id),
	kit_id		text UNIQUE REFERENCES kits (id),
	issuer		text NOT NULL REFERENCES ca_certificates (name),
	subject		text NOT NULL,
	spki_sha256	bytea NOT NULL UNIQUE CHECK (length(spki_sha256) = 32),
	tbs		bytea NOT NULL,		-- the unsigned certificate
	der		bytea,			-- NULL while signing
	state		text NOT NULL CHECK (state IN ('signing', 'issued',
			    'revoked')),
	not_before	timestamptz NOT NULL,
	not_after	timestamptz NOT NULL,
	recorded_at	timestamptz NOT NULL,
	issued_at	timestamptz,
	CHECK ((state = 'signing') = (der IS NULL))
);
CREATE INDEX certificates_app ON certificates (application_id);

-- "Test my certificate": a nonce to sign with the token's key.
CREATE TABLE challenges (
	id		text PRIMARY KEY,		-- chl_...
	serial		bytea NOT NULL REFERENCES certificates (serial),
	nonce		bytea NOT NULL,
	attempts	integer NOT NULL DEFAULT 0,
	created_at	timestamptz NOT NULL,
	expires_at	timestamptz NOT NULL,
	used_at		timestamptz
);
CREATE INDEX challenges_serial ON challenges (serial);

ALTER TABLE applications ADD COLUMN reset_failures integer NOT NULL
	DEFAULT 0;
