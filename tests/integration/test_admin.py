#!/usr/bin/python3
"""rxca-admin: migrations (idempotent, edited files refused) and the audit
chain (intact, then tampered with)."""
import os
import re
import shutil

import harness


class MigrateTest(harness.TestCase):

    def test_second_run_is_up_to_date(self):
        db = self.start_db()
        r = db.admin("migrate")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("up to date", (r.stdout + r.stderr).lower())
        self.assertEqual(db.count("products", "code = 'epcs-hardware'"), 1)

    def test_edited_applied_migration_is_refused(self):
        mdir = os.path.join(self.tmp, "migrations")
        shutil.copytree(os.path.join(harness.SOURCE_DIR, "migrations"), mdir)
        db = harness.Database(migrate=False)
        self.addCleanup(db.drop)
        env = {"RXCA_MIGRATIONS_DIR": mdir}
        r = db.admin("migrate", env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        first = sorted(n for n in os.listdir(mdir) if n.endswith(".sql"))[0]
        with open(os.path.join(mdir, first), "a") as f:
            f.write("\n-- edited after it was applied\n")
        r = db.admin("migrate", env=env)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(first, r.stdout + r.stderr)
        # A new migration is not applied past the refusal either.
        with open(os.path.join(mdir, "9999_later.sql"), "w") as f:
            f.write("CREATE TABLE later_marker (x int);\n")
        r = db.admin("migrate", env=env)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(db.count("pg_tables",
                                  "tablename = 'later_marker'"), 0)


class AuditTest(harness.TestCase):

    def test_verify_then_tamper(self):
        srv = self.start_server()
        for _ in range(2):
            self.apply(srv)
        srv.stop()
        db = srv.db
        n = db.count("audit_log")
        self.assertGreaterEqual(n, 2)
        r = db.admin("audit", "verify")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("audit chain intact: %d records" % n, r.stdout)
        db.query("UPDATE audit_log SET actor = 'x' WHERE id = 2")
        r = db.admin("audit", "verify")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertRegex(r.stdout + r.stderr, r"record 2\b")


if __name__ == "__main__":
    harness.main()
