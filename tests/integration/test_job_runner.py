#!/usr/bin/python3
"""The job runner (api/jobs/jobs.c): a backlog larger than one run's
limit is worked off run after run, not one run per poll interval."""
import harness
from harness import wait_until

JOBS = 240  # several runs' worth (JOBS_PER_RUN is 50)


class RunnerTest(harness.TestCase):

    def test_backlog_runs_without_waiting_for_the_poll(self):
        db = self.start_db()
        # Identity checks of no application: each is done at once
        # (api/service/proofjob.c), so the runs are all the work.
        db.query("INSERT INTO jobs (kind, run_at, max_attempts, created_at,"
                 " updated_at) SELECT 'identity.check', now() - interval"
                 " '1 hour', 3, now(), now() FROM generate_series(1, %d)"
                 % JOBS)
        # No poll within the test: only the start-up run, NOTIFYs and
        # the runs that follow a full one take jobs.
        srv = self.start_server(db=db, env={
            "RXCA_JOB_POLL_INTERVAL": "3600"})

        def left():
            return db.count("jobs", "kind = 'identity.check' AND "
                            "application_id IS NULL AND state <> 'done'")
        wait_until(lambda: left() == 0, 30, 0.1,
                   "the backlog of %d jobs done" % JOBS)
        srv.stop()


if __name__ == "__main__":
    harness.main()
