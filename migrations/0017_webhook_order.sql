-- Webhooks a partner can rely on (issue 16, item 4).
--
-- sequence: per partner, strictly increasing with no gaps, given in the
-- transaction that creates the event from the partner's row in
-- webhook_sequences (updated in that transaction: two transactions making
-- events for one partner take turns on that row, so the later one always
-- gets the next number and commits after the first; a transaction that
-- aborts gives its number back).  An insert that names no sequence gets
-- one from the same row through a trigger.
--
-- order_key: events are delivered in order per key ("app:<id>" for an
-- application's events, "cert:<serial hex>" for a certificate's), not per
-- partner, so a failing event holds back only the events of its own key.
--
-- state 'unsent': the partner had no webhook when the event was made; it
-- is listed by GET /v1/partner/events and may be redelivered.
--
-- partner_webhooks: each secret has an id (whs_..., shown, never the
-- secret); a rotation keeps the previous secret valid until
-- old_secret_until, and deliveries sign with both until then.
-- webhook_deliveries.secret_ids: which secrets signed that try;
-- redelivery: the try was asked for by POST .../redeliver.

CREATE TABLE webhook_sequences (
	partner_id	text PRIMARY KEY REFERENCES partners (id),
	last_seq	bigint NOT NULL CHECK (last_seq > 0)
);

ALTER TABLE webhook_events
	ADD COLUMN sequence bigint,
	ADD COLUMN order_key text;

UPDATE webhook_events e SET sequence = n.rn FROM (SELECT seq, row_number()
	OVER (PARTITION BY partner_id ORDER BY seq) AS rn FROM webhook_events)
	n WHERE n.seq = e.seq;
UPDATE webhook_events SET order_key = 'app:' || application_id
	WHERE application_id IS NOT NULL;
UPDATE webhook_events SET order_key = 'event:' || id WHERE order_key IS NULL;
INSERT INTO webhook_sequences (partner_id, last_seq)
	SELECT partner_id, max(sequence) FROM webhook_events GROUP BY partner_id;

CREATE FUNCTION webhook_event_sequence() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.sequence IS NULL THEN
		INSERT INTO webhook_sequences AS s (partner_id, last_seq)
		VALUES (NEW.partner_id, 1) ON CONFLICT (partner_id) DO UPDATE
		SET last_seq = s.last_seq + 1 RETURNING last_seq
		INTO NEW.sequence;
	END IF;
	IF NEW.order_key IS NULL THEN
		NEW.order_key := coalesce('app:' || NEW.application_id,
		    'event:' || NEW.id);
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER webhook_events_sequence BEFORE INSERT ON webhook_events
	FOR EACH ROW EXECUTE FUNCTION webhook_event_sequence();

ALTER TABLE webhook_events
	ALTER COLUMN sequence SET NOT NULL,
	ALTER COLUMN order_key SET NOT NULL,
	DROP CONSTRAINT webhook_events_state_check,
	ADD CONSTRAINT webhook_events_state_check CHECK (state IN
	    ('pending', 'delivered', 'dead', 'unsent'));
CREATE UNIQUE INDEX webhook_events_sequence ON webhook_events
	(partner_id, sequence);
CREATE INDEX webhook_events_lane ON webhook_events
	(partner_id, order_key, seq) WHERE state = 'pending';
DROP INDEX webhook_events_pending;

ALTER TABLE partner_webhooks
	ADD COLUMN secret_id text,
	ADD COLUMN old_secret text,
	ADD COLUMN old_secret_id text,
	ADD COLUMN old_secret_until timestamptz;
UPDATE partner_webhooks SET secret_id = 'whs_' ||
	substr(md5(partner_id || secret), 1, 24);
ALTER TABLE partner_webhooks ALTER COLUMN secret_id SET NOT NULL,
	ALTER COLUMN secret_id SET DEFAULT 'whs_' ||
	    substr(md5(random()::text), 1, 24);

ALTER TABLE webhook_deliveries
	ADD COLUMN secret_ids text,
	ADD COLUMN redelivery boolean NOT NULL DEFAULT false;
