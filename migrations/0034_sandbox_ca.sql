-- The sandbox's test CA (issue 16, item 7, stage 2).
--
-- A CA of its own for the certificates of sandbox applications
-- (applications.sandbox): a root, an issuing CA and an OCSP signer like
-- production's, recorded under the names 'sandbox-root',
-- 'sandbox-issuing' and 'sandbox-ocsp' (made by `rxca-admin ca init
-- --sandbox`).  Its subjects say TEST, it asserts none of production's
-- policies, and no relying party that trusts production's root trusts it.
-- A sandbox certificate names it (certificates.issuer =
-- 'sandbox-issuing'), so every read of production's CRL, OCSP and
-- renewal, which name 'issuing', leaves it out; its CRL is the crls row
-- of 'sandbox-issuing'.

ALTER TABLE ca_certificates DROP CONSTRAINT ca_certificates_name_check;
ALTER TABLE ca_certificates ADD CONSTRAINT ca_certificates_name_check
	CHECK (name IN ('root', 'issuing', 'ocsp', 'sandbox-root',
	    'sandbox-issuing', 'sandbox-ocsp'));
ALTER TABLE ca_certificates_replaced DROP CONSTRAINT
	ca_certificates_replaced_name_check;
ALTER TABLE ca_certificates_replaced ADD CONSTRAINT
	ca_certificates_replaced_name_check
	CHECK (name IN ('root', 'issuing', 'ocsp', 'sandbox-root',
	    'sandbox-issuing', 'sandbox-ocsp'));
