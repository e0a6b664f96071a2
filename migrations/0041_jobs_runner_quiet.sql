-- A job queued by a job runner's transaction (one that claimed or relocked
-- a job: job_claim and job_relock set rxca.job_runner for the transaction)
-- fires no NOTIFY rxca_jobs.  The runner claims it itself once its job is
-- done (its run goes on while jobs are due), so the NOTIFY only woke every
-- node's runners for a claim that found nothing; and a transaction that
-- notifies takes PostgreSQL's one notify lock at commit, held through the
-- commit's WAL flush, so the commits of every node that notified waited
-- for one another (pg_locks: object:AccessExclusiveLock:0 in
-- ops/bench-proofing.sh at 4 nodes).  A job queued anywhere else (a
-- request, a sweep, rxca-admin) notifies as before.  Issue 19, item 1.
CREATE OR REPLACE FUNCTION jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF current_setting('rxca.job_runner', true) IS DISTINCT FROM 'on' THEN
		PERFORM pg_notify('rxca_jobs', NEW.kind);
	END IF;
	RETURN NULL;
END;
$$;
