"""The storage code of api/ against a real PostgreSQL: runs the CUnit
program tests/store/test_store on a fresh migrated database, and checks
that what the server's sweep deletes is found through an index."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


class StoreTest(unittest.TestCase):
    def test_store(self):
        db = harness.Database()
        self.addCleanup(db.drop)
        prog = os.path.join(harness.BUILD_DIR, "tests", "store",
                            "test_store")
        env = harness.clean_env({"RXCA_TEST_DATABASE_URL": db.url})
        r = subprocess.run([prog], env=env, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=110)
        for marks in harness.SANITIZER_MARKS:
            self.assertNotIn(marks, r.stderr, r.stderr)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    # What each sweep deletes, as its statement in api/store/ selects it
    # (the clock's now as now()).
    SWEPT = {
        "oidc_flows": "DELETE FROM oidc_flows WHERE expires_at < now() - "
                      "interval '1 hour'",
        "passkey_challenges": "DELETE FROM passkey_challenges WHERE "
                              "expires_at < now() - interval '1 hour'",
        "partner_challenges": "DELETE FROM partner_challenges WHERE "
                              "expires_at < now()",
        "webhook_deliveries": "DELETE FROM webhook_deliveries WHERE id IN "
                              "(SELECT id FROM webhook_deliveries WHERE "
                              "at < now() ORDER BY at LIMIT 5000)",
        "webhook_events": "DELETE FROM webhook_events WHERE seq IN (SELECT "
                          "e.seq FROM webhook_events e WHERE e.created_at "
                          "< now() AND e.state <> 'pending' AND NOT EXISTS "
                          "(SELECT 1 FROM webhook_deliveries d WHERE "
                          "d.event_seq = e.seq) ORDER BY e.created_at "
                          "LIMIT 5000 FOR UPDATE OF e SKIP LOCKED)",
    }

    def test_sweeps_use_an_index(self):
        db = harness.Database()
        self.addCleanup(db.drop)
        for table, sql in self.SWEPT.items():
            with self.subTest(table=table):
                plan = harness.psql(
                    db.host, db.port, db.user, db.name,
                    "SET enable_seqscan = off; EXPLAIN " + sql).stdout
                self.assertNotIn("Seq Scan", plan, plan)


if __name__ == "__main__":
    unittest.main()
