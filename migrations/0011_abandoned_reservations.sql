-- A reservation that never finished: the certificate row of a retrieval
-- committed (serial, unsigned certificate) but the signed certificate was
-- never stored, because the server died in between.  When the kit's
-- holder comes back with another key, the reservation is abandoned: its
-- serial is published as revoked (superseded) in OCSP and the CRL, in
-- case the signed bytes ever escaped, and the kit is free for a new
-- certificate.  A kit's reservation still unfinished after
-- RXCA_ISSUE_ABANDON_AFTER is abandoned by the sweep.  An abandoned row
-- keeps its kit, its key and its serial.

ALTER TABLE certificates
	DROP CONSTRAINT certificates_state_check,
	ADD CONSTRAINT certificates_state_check CHECK (state IN ('signing',
	    'issued', 'revoked', 'abandoned')),
	DROP CONSTRAINT certificates_check,
	ADD CONSTRAINT certificates_der CHECK
	    ((state IN ('signing', 'abandoned')) = (der IS NULL)),
	DROP CONSTRAINT certificates_revocation,
	ADD CONSTRAINT certificates_revocation CHECK
	    ((state IN ('revoked', 'abandoned')) = (revoked_at IS NOT NULL)),
	DROP CONSTRAINT certificates_kit_id_key;

-- One live certificate per kit; abandoned reservations do not count.
CREATE UNIQUE INDEX certificates_kit ON certificates (kit_id)
	WHERE state <> 'abandoned';

-- The sweep's look for reservations that never finished.
CREATE INDEX certificates_signing ON certificates (recorded_at)
	WHERE state = 'signing';

DROP INDEX certificates_revoked;
CREATE INDEX certificates_revoked ON certificates (issuer, serial)
	WHERE state IN ('revoked', 'abandoned');
