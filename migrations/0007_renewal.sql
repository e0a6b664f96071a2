-- Renewal: a certificate may be renewed once, inside its window, by a new
-- certificate for a new key (renews names the old one), and the reminders
-- sent before a certificate expires, one per certificate and step.

ALTER TABLE certificates ADD COLUMN renews bytea UNIQUE
	REFERENCES certificates (serial);

-- A reminder sent (or being sent) for certificate serial, step days before
-- its notAfter; the sweep writes it in the transaction that queues the
-- e-mail and the webhook event, so each goes once.
CREATE TABLE renewal_reminders (
	serial		bytea NOT NULL REFERENCES certificates (serial),
	step		integer NOT NULL CHECK (step > 0),
	due_at		timestamptz NOT NULL,	-- notAfter - step days
	created_at	timestamptz NOT NULL,
	PRIMARY KEY (serial, step)
);
