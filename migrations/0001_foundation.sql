-- rxca foundation: catalog, applications, e-mail codes, sessions, jobs,
-- idempotency keys and the hash-chained audit log.  Every time in these
-- tables comes from the application's clock, never from now().

CREATE TABLE products (
	code		text PRIMARY KEY,
	name		text NOT NULL,
	description	text NOT NULL,
	price_cents	integer NOT NULL CHECK (price_cents >= 0),
	hardware	boolean NOT NULL,	-- keys on a hardware token
	epcs		boolean NOT NULL,	-- usable for EPCS signing
	validity_months	integer NOT NULL CHECK (validity_months > 0),
	position	integer NOT NULL
);

CREATE TABLE storage_options (
	code		text PRIMARY KEY,
	product		text NOT NULL REFERENCES products (code),
	name		text NOT NULL,
	price_cents	integer NOT NULL CHECK (price_cents >= 0),
	new_token	boolean NOT NULL,	-- a token is shipped
	position	integer NOT NULL
);

CREATE TABLE shipping_options (
	code		text PRIMARY KEY,
	name		text NOT NULL,
	price_cents	integer NOT NULL CHECK (price_cents >= 0),
	international	boolean NOT NULL,	-- for addresses outside the U.S.
	position	integer NOT NULL
);

-- Sales tax, in hundredths of a percent (725 = 7.25 %), on goods only.
CREATE TABLE tax_rates (
	state		text PRIMARY KEY CHECK (state ~ '^[A-Z]{2}$'),
	rate_bp		integer NOT NULL CHECK (rate_bp > 0 AND rate_bp < 10000)
);

CREATE TABLE applications (
	id			text PRIMARY KEY,
	status			text NOT NULL CHECK (status IN ('email_pending',
				    'proofing', 'review', 'approved',
				    'kit_shipped', 'issued', 'rejected',
				    'lapsed', 'locked', 'withdrawn')),
	policy			text NOT NULL CHECK (policy IN ('igc',
				    'nist-800-63')),
	product			text NOT NULL REFERENCES products (code),
	storage			text REFERENCES storage_options (code),
	shipping		text NOT NULL REFERENCES shipping_options (code),
	program			text,
	voucher			text,
	given_name		text NOT NULL,
	middle_name		text,
	family_name		text NOT NULL,
	date_of_birth		date NOT NULL,
	email			text NOT NULL,	-- lower-cased
	phone			text NOT NULL,	-- E.164
	addr_line1		text NOT NULL,
	addr_line2		text,
	addr_city		text NOT NULL,
	addr_state		text,
	addr_postal_code	text NOT NULL,
	addr_country		text NOT NULL,
	npi			text,
	dea_number		text,
	ssn_last4		text NOT NULL,
	avs_card_token		text NOT NULL,	-- provider token, never a PAN
	payment_card_token	text NOT NULL,	-- provider token, never a PAN
	password_hash		text NOT NULL,	-- Argon2id encoded
	agreement_version	text NOT NULL,
	agreement_accepted_at	timestamptz NOT NULL,
	price			jsonb NOT NULL,
	price_total_cents	integer NOT NULL,
	created_at		timestamptz NOT NULL,
	updated_at		timestamptz NOT NULL,
	email_verify_by		timestamptz NOT NULL,
	email_verified_at	timestamptz,
	email_failures		integer NOT NULL DEFAULT 0,
	email_resends		integer NOT NULL DEFAULT 0,
	email_last_sent_at	timestamptz,
	login_failures		integer NOT NULL DEFAULT 0,
	login_locked_until	timestamptz
);
CREATE INDEX applications_email ON applications (email, created_at DESC);
CREATE INDEX applications_pending ON applications (email_verify_by)
	WHERE status = 'email_pending';

CREATE TABLE secret_answers (
	application_id	text NOT NULL REFERENCES applications (id),
	position	smallint NOT NULL CHECK (position BETWEEN 1 AND 10),
	question	text NOT NULL,
	answer_hash	text NOT NULL,		-- Argon2id of the normalised answer
	PRIMARY KEY (application_id, position)
);

CREATE TABLE application_events (
	id		bigserial PRIMARY KEY,
	application_id	text NOT NULL REFERENCES applications (id),
	at		timestamptz NOT NULL,
	status		text NOT NULL,
	actor		text NOT NULL,		-- applicant, system, operator:<id>
	note		text
);
CREATE INDEX application_events_app ON application_events (application_id, id);

CREATE TABLE email_codes (
	id		bigserial PRIMARY KEY,
	application_id	text NOT NULL REFERENCES applications (id),
	code_hash	bytea NOT NULL,		-- SHA-256(application id ":" code)
	created_at	timestamptz NOT NULL,
	expires_at	timestamptz NOT NULL,
	attempts	integer NOT NULL DEFAULT 0,
	state		text NOT NULL CHECK (state IN ('live', 'used', 'dead'))
);
CREATE UNIQUE INDEX email_codes_one_live ON email_codes (application_id)
	WHERE state = 'live';

CREATE TABLE sessions (
	token_hash	bytea PRIMARY KEY,	-- SHA-256 of the bearer token
	application_id	text NOT NULL REFERENCES applications (id),
	created_at	timestamptz NOT NULL,
	last_seen_at	timestamptz NOT NULL,
	expires_at	timestamptz NOT NULL,	-- absolute limit
	revoked_at	timestamptz
);
CREATE INDEX sessions_app ON sessions (application_id);

CREATE TABLE idempotency_keys (
	scope		text NOT NULL,
	key		text NOT NULL,
	request_hash	bytea NOT NULL,
	resource_id	text NOT NULL,
	created_at	timestamptz NOT NULL,
	PRIMARY KEY (scope, key)
);

CREATE TABLE vouchers (
	code		text PRIMARY KEY,
	amount_cents	integer NOT NULL CHECK (amount_cents > 0),
	redeemed_by	text REFERENCES applications (id),
	redeemed_at	timestamptz
);

CREATE TABLE jobs (
	id		bigserial PRIMARY KEY,
	kind		text NOT NULL,
	application_id	text REFERENCES applications (id),
	payload		jsonb NOT NULL DEFAULT '{}',
	state		text NOT NULL DEFAULT 'queued'
			    CHECK (state IN ('queued', 'done', 'dead')),
	run_at		timestamptz NOT NULL,
	attempts	integer NOT NULL DEFAULT 0,
	max_attempts	integer NOT NULL DEFAULT 10,
	last_error	text,
	created_at	timestamptz NOT NULL,
	updated_at	timestamptz NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE state = 'queued';

CREATE FUNCTION jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('rxca_jobs', NEW.kind);
	RETURN NULL;
END;
$$;
CREATE TRIGGER jobs_notify AFTER INSERT ON jobs
	FOR EACH ROW EXECUTE FUNCTION jobs_notify();

-- Each row carries the SHA-256 of the previous row's hash and its own
-- fields (see api/audit.c for the exact bytes), so a removed or altered row
-- breaks the chain.  details is the exact JSON text that was hashed.
CREATE TABLE audit_log (
	id		bigint PRIMARY KEY,
	at		timestamptz NOT NULL,
	actor		text NOT NULL,
	action		text NOT NULL,
	subject		text NOT NULL,
	details		text NOT NULL,
	prev_hash	bytea NOT NULL,
	hash		bytea NOT NULL
);
