-- Issue 15 item 5: hardware-key evidence.
--
-- What each product requires of the evidence of where a subscriber key is
-- stored, weakest first: 'none', 'client-asserted' (rxca-token made the
-- key on a token it could inspect and says which), 'attested' (a PIV key
-- attestation verified against RXCA_ATTEST_ROOTS).  Strict mode for the
-- hardware product is
--   UPDATE products SET key_evidence = 'attested' WHERE code = 'epcs-hardware';
ALTER TABLE products ADD COLUMN key_evidence text NOT NULL DEFAULT 'none'
	CHECK (key_evidence IN ('none', 'client-asserted', 'attested'));
UPDATE products SET key_evidence = 'client-asserted' WHERE hardware;

-- How each certificate's key storage is known, with its detail: for
-- 'attested' the device's serial, firmware and attestation certificate
-- subject; for 'client-asserted' the token's model, serial and
-- manufacturer as the client read them.  Certificates issued before this
-- migration say 'none'.
ALTER TABLE certificates
	ADD COLUMN key_evidence text NOT NULL DEFAULT 'none'
	    CHECK (key_evidence IN ('none', 'client-asserted', 'attested')),
	ADD COLUMN key_serial text,		-- device or token serial
	ADD COLUMN key_firmware text,		-- attested: device firmware
	ADD COLUMN key_device text,		-- attested: device cert subject
	ADD COLUMN key_model text,		-- client-asserted: token model
	ADD COLUMN key_manufacturer text;	-- client-asserted
