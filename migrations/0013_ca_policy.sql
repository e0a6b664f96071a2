-- Issue 15: CA certificates as profiles, CRL cadence by policy.
--
-- A CA certificate replaced by `rxca-admin ca reissue issuing` (the same
-- key certified again) is kept here, so every certificate the CA ever had
-- stays on record.
CREATE TABLE ca_certificates_replaced (
	id		bigserial PRIMARY KEY,
	name		text NOT NULL CHECK (name IN ('root', 'issuing', 'ocsp')),
	serial		bytea NOT NULL UNIQUE,
	subject		text NOT NULL,
	der		bytea NOT NULL,
	not_before	timestamptz NOT NULL,
	not_after	timestamptz NOT NULL,
	replaced_at	timestamptz NOT NULL
);

-- Root CRLs signed ahead by `rxca-admin ca root-crl --ahead N`, each
-- published (moved into crls) by the sweep once its thisUpdate comes.
CREATE TABLE root_crls_ahead (
	number		bigint PRIMARY KEY CHECK (number > 0),
	this_update	timestamptz NOT NULL,
	next_update	timestamptz NOT NULL CHECK (next_update > this_update),
	der		bytea NOT NULL,
	etag		text NOT NULL,
	created_at	timestamptz NOT NULL
);

-- One reminder to the operators per end of the last root CRL signed.
CREATE TABLE root_crl_reminders (
	next_update	timestamptz PRIMARY KEY,
	sent_at		timestamptz NOT NULL
);
