#!/usr/bin/python3
"""The job runner (api/jobs/jobs.c): a backlog larger than one run's
limit is worked off run after run, not one run per poll interval; a job
queued for later, or tried again after its back-off, runs when it is due,
not at the next poll; NOTIFY rxca_sweep sweeps now."""
import re

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

    def test_due_jobs_run_without_waiting_for_the_poll(self):
        srv = self.start_server(env={"RXCA_JOB_POLL_INTERVAL": "3600",
                                     "RXCA_JOB_BACKOFF_MAX_MS": "200"})
        db = srv.db
        # A job of a kind no node handles fails each try: tried again
        # after its back-off (100-200 ms) until its 3 tries are spent.
        db.query("INSERT INTO jobs (kind, run_at, max_attempts, created_at,"
                 " updated_at) VALUES ('test.unhandled', now(), 3, now(),"
                 " now())")
        wait_until(lambda: db.scalar("SELECT state FROM jobs WHERE kind ="
                                     " 'test.unhandled'") == "dead", 30,
                   0.1, "the unhandled job's 3 tries")
        self.assertEqual(db.scalar("SELECT attempts FROM jobs WHERE kind ="
                                   " 'test.unhandled'"), "3")
        waits = [int(w) for w in re.findall(
            r'kind=test\.unhandled try=\d retry_in_ms=(\d+)', srv.stderr())]
        self.assertEqual(len(waits), 3, srv.stderr())
        self.assertTrue(all(100 <= w <= 200 for w in waits), waits)
        # A job queued to run 2 s from now (its NOTIFY comes at once).
        db.query("INSERT INTO jobs (kind, run_at, max_attempts, created_at,"
                 " updated_at) VALUES ('identity.check', now() + interval"
                 " '2 seconds', 3, now(), now())")
        wait_until(lambda: db.scalar(
            "SELECT state FROM jobs WHERE kind = 'identity.check' AND "
            "application_id IS NULL") == "done", 30, 0.1,
            "the job queued for later")
        # Not before it was due (updated_at is the runner's whole second).
        self.assertEqual(db.scalar(
            "SELECT updated_at >= date_trunc('second', run_at) FROM jobs "
            "WHERE kind = 'identity.check' AND application_id IS NULL"), "t")

    def test_sweep_when_asked(self):
        # No sweep timer within the test: each sweep is asked for.
        srv = self.start_server(env={"RXCA_SWEEP_INTERVAL": "3600",
                                     "RXCA_LOG_LEVEL": "debug"})
        srv.wait_sweeps(2)
        self.assertGreaterEqual(srv.sweeps(), 2)


if __name__ == "__main__":
    harness.main()
