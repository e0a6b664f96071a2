-- Issue 17: the operators' search (GET /v1/ops/search) and the duplicate
-- check of identity proofing.
--
-- Names are found by trigram word similarity (prefixes and typos), with a
-- GIN index on the lower-cased "given family" name; the exact identifiers
-- (NPI, DEA number) and name with date of birth have b-tree indexes for the
-- search and for the duplicate check that keeps a second application of
-- the same person from being approved without review.  pg_trgm ships with
-- PostgreSQL (Debian's postgresql-15) and is a trusted extension.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX applications_name_trgm ON applications
	USING gin (lower(given_name || ' ' || family_name) gin_trgm_ops);
CREATE INDEX applications_npi ON applications (npi) WHERE npi IS NOT NULL;
CREATE INDEX applications_dea ON applications (dea_number)
	WHERE dea_number IS NOT NULL;
CREATE INDEX applications_name_birth ON applications
	(lower(family_name), lower(given_name), date_of_birth);

-- The audit records of one application (its id, its kits' and its
-- certificates' serials are the subjects), for the operator's view.
CREATE INDEX audit_log_subject ON audit_log (subject, id);
