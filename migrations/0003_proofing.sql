-- Identity proofing: the answers of the outside providers, the automatic
-- and operator decisions, and the CA operators who make them.

-- One row per provider answer (or failure to answer) for an application.
-- Only normalised outcomes are kept; the provider's raw body is not.
CREATE TABLE identity_checks (
	id		bigserial PRIMARY KEY,
	application_id	text NOT NULL REFERENCES applications (id),
	provider	text NOT NULL CHECK (provider IN ('idv', 'avs')),
	request_id	text NOT NULL,		-- sent to the provider
	attempt		integer NOT NULL CHECK (attempt >= 1),
	outcome		text NOT NULL CHECK (outcome IN ('pass', 'fail',
			    'review', 'match', 'partial', 'no_match',
			    'unavailable', 'error')),
	score		integer,		-- idv: 0..100
	reasons		jsonb NOT NULL DEFAULT '[]',	-- reason codes
	error		text,			-- why an 'error' happened
	at		timestamptz NOT NULL
);
CREATE INDEX identity_checks_app ON identity_checks (application_id, id);

-- The one decision of an application: by the rules ('system') or by an
-- operator.  Unique per application, so nobody decides twice.
CREATE TABLE decisions (
	application_id	text PRIMARY KEY REFERENCES applications (id),
	decision	text NOT NULL CHECK (decision IN ('approve', 'reject')),
	decided_by	text NOT NULL,		-- system or operator:<id>
	reason		text NOT NULL,		-- shown to the applicant
	codes		jsonb NOT NULL DEFAULT '[]',	-- rule reason codes
	at		timestamptz NOT NULL
);

-- CA operators, known by the SHA-256 of their client certificate's DER.
CREATE TABLE operators (
	id		text PRIMARY KEY,	-- opr_...
	name		text NOT NULL UNIQUE,
	roles		text[] NOT NULL CHECK (roles <@ ARRAY['reviewer',
			    'fulfiller', 'revoker', 'auditor', 'admin']
			    AND cardinality(roles) > 0),
	cert_sha256	bytea NOT NULL UNIQUE CHECK (length(cert_sha256) = 32),
	cert_subject	text NOT NULL,
	cert_not_after	timestamptz NOT NULL,
	created_at	timestamptz NOT NULL,
	disabled_at	timestamptz
);

-- Applications waiting for a decision, oldest first.
CREATE INDEX applications_review ON applications (updated_at)
	WHERE status = 'review';
