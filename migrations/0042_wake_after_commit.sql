-- rxca's own connections (rxca.wake_after_commit, set at connect by
-- api/store/db.c) send the wake-ups of a transaction after its COMMIT, from
-- a short transaction of their own that does not wait for its WAL flush
-- (db_wake).  A transaction that notifies takes PostgreSQL's one notify
-- lock at COMMIT and holds it through its WAL flush, so that no two
-- notifying commits of any node could share a flush: issuance wrote a job
-- and two OCSP responses, and every issuance waited for the flush of the
-- one before (pg_locks: object:AccessExclusiveLock:0 in ops/bench-ca.sh).
-- Any other writer (psql, a node of an older version during an upgrade)
-- is woken for as before.  Issue 19.
CREATE OR REPLACE FUNCTION jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF current_setting('rxca.wake_after_commit', true) IS DISTINCT FROM 'on'
	    AND current_setting('rxca.job_runner', true) IS DISTINCT FROM 'on'
	THEN
		PERFORM pg_notify('rxca_jobs', NEW.kind);
	END IF;
	RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION ocsp_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.version := nextval(pg_get_serial_sequence('ocsp_responses',
	    'version'));
	IF current_setting('rxca.wake_after_commit', true) IS DISTINCT FROM 'on'
	THEN
		PERFORM pg_notify('rxca_ocsp', '');
	END IF;
	RETURN NEW;
END;
$$;
