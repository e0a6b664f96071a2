-- Issue 20, stage d: the two-person approval of a credential link (issue
-- 16) may be given with the approver's passkey instead of a signature by
-- the approver's certificate key (docs/approvals.md).  The assertion is
-- kept, as the signature is, so that it can be checked again with the
-- passkey's registered key.
ALTER TABLE credential_approvals ALTER COLUMN signature DROP NOT NULL;
ALTER TABLE credential_approvals ADD COLUMN passkey_id text
	REFERENCES passkeys (id);
ALTER TABLE credential_approvals ADD COLUMN passkey_assertion text;
ALTER TABLE credential_approvals ADD CONSTRAINT credential_approvals_proof
	CHECK ((signature IS NULL) = (passkey_id IS NOT NULL) AND
	    (passkey_id IS NULL) = (passkey_assertion IS NULL));
