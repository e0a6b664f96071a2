-- The key of the keyed hashes in audit records (api/store/audit.c,
-- audit_keyed_hash): a value an audit record must not show (the e-mail,
-- NPI, DEA number or name an operator searched for, a voucher code) is
-- kept as HMAC-SHA256 with this key, so that a reader of the audit log
-- cannot confirm a guessed value; only who can read this table (the
-- database's owner) can compute the hash of a value to look for it.
-- 32 bytes from two random UUIDs (gen_random_uuid draws from
-- PostgreSQL's strong random source), made once here and shared by every
-- node.

CREATE TABLE server_secrets (
	name		text PRIMARY KEY,
	secret		bytea NOT NULL CHECK (length(secret) >= 32)
);

INSERT INTO server_secrets (name, secret) VALUES ('audit-hash',
	sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text,
	    'UTF8')));
