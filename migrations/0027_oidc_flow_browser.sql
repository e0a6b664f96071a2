-- OpenID proofing (docs/oidc.md): the nonce is kept as its SHA-256 (the ID
-- token's nonce is hashed and compared), the PKCE verifier is wiped when
-- the callback takes the sign-in, and a sign-in started from the portal
-- ends with the browser sent back to the portal (browser) instead of a
-- JSON answer.  Sign-ins under way when this runs are dropped: they live
-- minutes, and the applicant starts again.
DELETE FROM oidc_flows;
ALTER TABLE oidc_flows DROP COLUMN nonce;
ALTER TABLE oidc_flows ADD COLUMN nonce_sha256 bytea NOT NULL
	CHECK (length(nonce_sha256) = 32);
ALTER TABLE oidc_flows ADD COLUMN browser boolean NOT NULL DEFAULT false;
