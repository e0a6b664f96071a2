#!/usr/bin/python3
"""The audit sequencer (api/jobs/auditseq.c, api/store/audit.c): records
committed with their change and sequenced later are never lost to a crash
in between, and two nodes sequencing at once make one chain."""
import re
import threading

import harness
from harness import wait_until

PENDING = "id IS NULL"


class SequencerTest(harness.TestCase):

    def verify(self, db):
        """rxca-admin audit verify: intact, every record in the chain."""
        r = db.admin("audit", "verify")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        m = re.search(r"audit chain intact: (\d+) records", r.stdout)
        self.assertTrue(m, r.stdout)
        self.assertEqual(int(m.group(1)), db.count("audit_log"))
        self.assertEqual(db.count("audit_log", PENDING), 0)
        return r.stdout

    def test_crash_between_commit_and_sequencing(self):
        # A node whose sequencer does not run within the test: its
        # records commit with their changes and stay pending.
        srv = self.start_server(
            env={"RXCA_AUDIT_SEQUENCE_INTERVAL_MS": "3600000"})
        db = srv.db
        apps = [self.apply(srv)["id"] for _ in range(2)]
        for a in apps:
            self.assertGreaterEqual(db.count(
                "audit_log", "subject = '%s' AND %s" % (a, PENDING)), 1)
        self.assertEqual(db.count("audit_log", "id IS NOT NULL"), 0)
        before = db.count("audit_log")
        srv.proc.kill()  # kill -9: no shutdown, no last run
        srv.proc.wait()
        srv.stop(check=False)
        self.assertGreaterEqual(db.count("audit_log", PENDING), before)
        # Another node sequences what the dead one left.
        srv2 = self.start_server(
            db=db, env={"RXCA_AUDIT_SEQUENCE_INTERVAL_MS": "20"})
        wait_until(lambda: db.count("audit_log", PENDING) == 0, 20, 0.05,
                   "the pending records sequenced")
        for a in apps:
            self.assertGreaterEqual(db.count(
                "audit_log", "subject = '%s' AND id IS NOT NULL" % a), 1)
        srv2.stop()
        out = self.verify(db)
        self.assertNotIn("were pending", out)

    def test_clean_stop_leaves_nothing_pending(self):
        # A node whose periodic run never comes within the test: a clean
        # stop sequences what it wrote, with no other node to do it.
        srv = self.start_server(
            env={"RXCA_AUDIT_SEQUENCE_INTERVAL_MS": "3600000"})
        app = self.apply(srv)["id"]
        self.assertGreaterEqual(srv.db.count(
            "audit_log", "subject = '%s' AND %s" % (app, PENDING)), 1)
        srv.stop()
        self.assertEqual(srv.db.count("audit_log", PENDING), 0)
        self.assertNotIn("were pending", self.verify(srv.db))

    def test_two_nodes_sequence_one_chain(self):
        env = {"RXCA_AUDIT_SEQUENCE_INTERVAL_MS": "1"}
        a = self.start_server(env=env)
        b = self.start_server(db=a.db, sink=a.sink, env=env)
        errors = []

        def applies(srv):
            try:
                for _ in range(8):
                    self.apply(srv)
            except AssertionError as e:
                errors.append(e)
        threads = [threading.Thread(target=applies, args=(s,))
                   for s in (a, b, a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        db = a.db
        wait_until(lambda: db.count("audit_log", PENDING) == 0, 20, 0.05,
                   "the records sequenced")
        self.assertGreaterEqual(db.count(
            "audit_log", "action = 'application.email_pending'"), 32)
        a.stop()
        b.stop()
        self.verify(db)


if __name__ == "__main__":
    harness.main()
