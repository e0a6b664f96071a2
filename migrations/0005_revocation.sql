-- Revocation, the CRL, pre-signed OCSP responses and signed audit
-- checkpoints.

ALTER TABLE certificates
	ADD COLUMN revoked_at timestamptz,
	ADD COLUMN revocation_reason text,	-- RFC 5280 CRLReason name
	ADD COLUMN revoked_by text,		-- subject or operator:<id>
	ADD COLUMN revocation_comment text,
	ADD CONSTRAINT certificates_revocation CHECK
	    ((state = 'revoked') = (revoked_at IS NOT NULL));
CREATE INDEX certificates_revoked ON certificates (issuer, serial)
	WHERE state = 'revoked';

-- Jobs may carry a payload (e.g. the serial an OCSP refresh is about).
-- (jobs.payload exists since 0001.)

-- The current CRL of each CA and its number, which only grows.
CREATE TABLE crls (
	issuer		text PRIMARY KEY REFERENCES ca_certificates (name),
	number		bigint NOT NULL CHECK (number > 0),
	this_update	timestamptz NOT NULL,
	next_update	timestamptz NOT NULL,
	entries		integer NOT NULL,
	der		bytea NOT NULL,
	etag		text NOT NULL,
	created_at	timestamptz NOT NULL
);

-- Pre-signed OCSP responses, one per certificate and CertID hash.
CREATE TABLE ocsp_responses (
	serial		bytea NOT NULL REFERENCES certificates (serial),
	md		text NOT NULL CHECK (md IN ('sha1', 'sha256')),
	status		text NOT NULL CHECK (status IN ('good', 'revoked')),
	der		bytea NOT NULL,
	this_update	timestamptz NOT NULL,
	next_update	timestamptz NOT NULL,
	updated_at	timestamptz NOT NULL,
	version		bigserial,		-- grows with each write
	PRIMARY KEY (serial, md)
);
CREATE INDEX ocsp_responses_version ON ocsp_responses (version);
CREATE INDEX ocsp_responses_due ON ocsp_responses (next_update);

CREATE FUNCTION ocsp_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.version := nextval(pg_get_serial_sequence('ocsp_responses',
	    'version'));
	PERFORM pg_notify('rxca_ocsp', '');
	RETURN NEW;
END;
$$;
CREATE TRIGGER ocsp_version BEFORE INSERT OR UPDATE ON ocsp_responses
	FOR EACH ROW EXECUTE FUNCTION ocsp_version();

-- Signed checkpoints of the audit chain's head: anyone holding one can
-- tell that the log was later truncated or rewritten.
CREATE TABLE audit_checkpoints (
	id		bigserial PRIMARY KEY,
	audit_id	bigint NOT NULL,	-- the head row checkpointed
	head_hash	bytea NOT NULL,
	at		timestamptz NOT NULL,
	signature	bytea NOT NULL		-- issuing CA key, see api/audit.c
);
