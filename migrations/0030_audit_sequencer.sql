-- The audit log through a sequencer (issue 19, item 1).
--
-- A unit of work writes its audit records unsequenced, in the transaction
-- of the change (id, prev_hash and hash NULL), and takes no lock for it.
-- A sequencer (api/store/audit.c, audit_sequence; run by every node on a
-- timer, one at a time under the advisory lock AUDIT_LOCK_KEY) then gives
-- the committed records their chain ids and hashes, in batches, in the
-- order they were written (entry).  A record is therefore never lost (it
-- commits with the change), and the chain is what it was: ids 1, 2, 3 ...
-- without gaps, each row hashed to the one before (api/store/audit.h).
--
-- entry is the row's own key, in the order records were written; id is
-- the chain position, unique, NULL while the record is pending.

ALTER TABLE audit_log ADD COLUMN entry bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_pkey;
ALTER TABLE audit_log ADD PRIMARY KEY (entry);
ALTER TABLE audit_log ALTER COLUMN id DROP NOT NULL,
	ALTER COLUMN prev_hash DROP NOT NULL,
	ALTER COLUMN hash DROP NOT NULL;
CREATE UNIQUE INDEX audit_log_id ON audit_log (id);
ALTER TABLE audit_log ADD CONSTRAINT audit_log_sequenced CHECK (
	(id IS NULL AND prev_hash IS NULL AND hash IS NULL) OR
	(id IS NOT NULL AND prev_hash IS NOT NULL AND hash IS NOT NULL));
-- What the sequencer reads: the pending records, oldest first.
CREATE INDEX audit_log_pending ON audit_log (entry) WHERE id IS NULL;
