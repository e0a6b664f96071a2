-- The subscriber agreement, versioned (issue 18, item 1).
--
-- Each published text is a row; the current one is the latest by
-- published_at.  GET /v1/application-form answers the current version and
-- its text (paragraphs separated by a blank line); POST /v1/applications
-- takes only a version found here (subscriber_agreement.version), and the
-- application keeps the version it accepted (applications.agreement_version).
-- A new text is a new row with a new version, by a new migration: a
-- published text is never changed.

CREATE TABLE agreement_versions (
	version      text PRIMARY KEY CHECK (version ~ '^[\x21-\x7e]{1,32}$'),
	published_at timestamptz NOT NULL,
	body         text NOT NULL CHECK (length(body) BETWEEN 1 AND 65536)
);

INSERT INTO agreement_versions (version, published_at, body) VALUES
('2026-01', '2026-01-01T00:00:00Z',
 'This agreement is between you, the subscriber named in this application, and rxca, the certification authority that issues your certificate.' || E'\n\n' ||
 'You must complete and submit this application yourself. It cannot be completed by a proxy or by anyone on your behalf. Doing so may lead to the revocation or suspension of your certificate.' || E'\n\n' ||
 'The information you give is true and complete. rxca checks it against independent sources before it approves your application, and may ask you for more.' || E'\n\n' ||
 'Your certificate is your form of identification, like a passport or a driver''s license. Only you may use it and the token that holds it. Do not share the token, its passcode or your account password.' || E'\n\n' ||
 'Tell rxca at once, and revoke your certificate, if your token is lost or stolen, or if anyone else may know its passcode. rxca revokes a certificate whose key or passcode may be compromised.' || E'\n\n' ||
 'The token passcode cannot be recovered. If you forget it, the certificate on the token is locked and you must apply again.' || E'\n\n' ||
 'Your certificate is valid for two years unless it is revoked first. rxca reminds you before it expires.');
