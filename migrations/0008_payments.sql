-- Payments (issue 9): the authorisation taken at submission, what was
-- captured and refunded since, every money event, and the intents written
-- before the provider is asked, so that an authorisation whose application
-- never committed (a crash, a timeout) is found and voided by the sweep.
-- Amounts are integer cents in USD.  No card number or CVV is ever here;
-- the provider's card token is in applications.payment_card_token.

-- Written (and committed) before the authorisation is asked for; the
-- payments row of the application later carries the same key.
CREATE TABLE payment_intents (
	idem_key	text PRIMARY KEY,		-- authorise Idempotency-Key
	card_token	text NOT NULL,			-- to ask again when voiding
	amount_cents	bigint NOT NULL CHECK (amount_cents >= 0),
	created_at	timestamptz NOT NULL,
	authorisation	text,				-- provider id, once known
	voided_at	timestamptz			-- orphan voided by the sweep
);

CREATE TABLE payments (
	application_id	text PRIMARY KEY REFERENCES applications (id),
	idem_key	text NOT NULL UNIQUE,		-- payment_intents.idem_key
	authorisation	text NOT NULL,			-- provider's id
	last4		text CHECK (last4 ~ '^[0-9]{4}$'),
	currency	text NOT NULL DEFAULT 'USD' CHECK (currency = 'USD'),
	authorised_cents bigint NOT NULL CHECK (authorised_cents >= 0),
	captured_cents	bigint NOT NULL DEFAULT 0 CHECK (captured_cents >= 0),
	refunded_cents	bigint NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0),
	status		text NOT NULL CHECK (status IN ('authorised',
			    'captured', 'voided', 'refunded',
			    'partially_refunded')),
	created_at	timestamptz NOT NULL,
	updated_at	timestamptz NOT NULL,
	CHECK (refunded_cents <= captured_cents),
	CHECK (captured_cents <= authorised_cents)
);

-- Every money event, as the provider confirmed it.
CREATE TABLE payment_events (
	id		bigserial PRIMARY KEY,
	application_id	text NOT NULL REFERENCES applications (id),
	kind		text NOT NULL CHECK (kind IN ('authorise', 'capture',
			    'void', 'refund')),
	amount_cents	bigint NOT NULL CHECK (amount_cents >= 0),
	idem_key	text NOT NULL UNIQUE,		-- sent to the provider
	provider_ref	text NOT NULL,			-- provider's id
	actor		text NOT NULL,
	reason		text,
	at		timestamptz NOT NULL
);
CREATE INDEX payment_events_app ON payment_events (application_id, id);
CREATE INDEX payment_intents_open ON payment_intents (created_at)
	WHERE voided_at IS NULL;
