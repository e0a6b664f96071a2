-- Identity proofing through an OpenID provider (docs/oidc.md): one row per
-- sign-in started at the provider, found again by the SHA-256 of its state
-- and used once; the provider's answer goes to identity_checks as 'oidc'.
CREATE TABLE oidc_flows (
	state_sha256	bytea PRIMARY KEY CHECK (length(state_sha256) = 32),
	application_id	text NOT NULL REFERENCES applications (id),
	nonce		text NOT NULL,		-- sent; the ID token echoes it
	code_verifier	text NOT NULL,		-- PKCE, sent to the token endpoint
	created_at	timestamptz NOT NULL,
	expires_at	timestamptz NOT NULL,
	used_at		timestamptz		-- the callback came
);
CREATE INDEX oidc_flows_app ON oidc_flows (application_id);

ALTER TABLE identity_checks DROP CONSTRAINT identity_checks_provider_check;
ALTER TABLE identity_checks ADD CONSTRAINT identity_checks_provider_check
	CHECK (provider IN ('idv', 'avs', 'oidc'));
