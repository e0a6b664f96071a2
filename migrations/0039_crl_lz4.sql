-- The crl.refresh job stores the full CRL and each shard as one bytea
-- (with 1,000,000 revoked certificates: 46 MB and 16 x 2.9 MB).  With
-- the default TOAST compression (pglz) PostgreSQL spent more of its CPU
-- compressing them than on anything else of the job (perf: pglz_compress
-- 38 % of the backend's samples); lz4 compresses them nearly as well
-- (46.2 MB to 27.6 MB, pglz 25.2 MB) at a small fraction of the CPU, and
-- reads them back faster for GET /pki/*.crl.  Only new values are
-- compressed with lz4; a PostgreSQL built without lz4 keeps pglz (the
-- migration then changes nothing).  Issue 19, item 4.
DO $$
BEGIN
	ALTER TABLE crls ALTER COLUMN der SET COMPRESSION lz4;
	ALTER TABLE crl_shards ALTER COLUMN der SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
	RAISE NOTICE 'this PostgreSQL has no lz4: CRLs stay compressed by pglz';
END
$$;
