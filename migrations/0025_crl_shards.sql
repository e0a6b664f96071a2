-- Partitioned CRLs (issue 19, item 4; RXCA_CRL_SHARDS).
--
-- crl_shard: the shard of the issuing CA's CRL that the certificate's
-- cRLDistributionPoints names (/pki/issuing-<k>.crl), chosen at issuance
-- and kept when the shard count changes later; NULL for a certificate
-- issued while shards were off (its CDP names the full CRL only).  Every
-- revoked certificate is listed on the full CRL as well.
ALTER TABLE certificates
	ADD COLUMN crl_shard integer CHECK (crl_shard >= 0);

-- The current CRL of each shard.  All shards and the full CRL are made by
-- one crl.refresh job and carry its cRLNumber.  A shard once published
-- stays published (a certificate may name it) even if RXCA_CRL_SHARDS is
-- lowered later.
CREATE TABLE crl_shards (
	shard		integer PRIMARY KEY CHECK (shard >= 0),
	number		bigint NOT NULL CHECK (number > 0),
	this_update	timestamptz NOT NULL,
	next_update	timestamptz NOT NULL,
	entries		integer NOT NULL,
	der		bytea NOT NULL,
	etag		text NOT NULL,
	created_at	timestamptz NOT NULL
);
