#!/usr/bin/python3
"""rxca-admin: migrations (idempotent, edited files refused) and the audit
chain (intact, then tampered with)."""
import os
import re
import shutil
import subprocess

import harness


class MigrateTest(harness.TestCase):

    def test_second_run_is_up_to_date(self):
        db = self.start_db()
        r = db.admin("migrate")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("up to date", (r.stdout + r.stderr).lower())
        self.assertEqual(db.count("products", "code = 'epcs-hardware'"), 1)

    def migrated_copy(self):
        """A copy of the migrations and a database migrated from it: the
        copy's folder, the database and the environment that names it."""
        mdir = os.path.join(self.tmp, "migrations")
        shutil.copytree(os.path.join(harness.SOURCE_DIR, "migrations"), mdir)
        db = harness.Database(migrate=False)
        self.addCleanup(db.drop)
        env = {"RXCA_MIGRATIONS_DIR": mdir}
        r = db.admin("migrate", env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return mdir, db, env

    def test_edited_applied_migration_is_refused(self):
        mdir, db, env = self.migrated_copy()
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

    def test_new_migration_sorting_before_an_applied_one_is_refused(self):
        mdir, db, env = self.migrated_copy()
        last = sorted(n for n in os.listdir(mdir) if n.endswith(".sql"))[-1]
        with open(os.path.join(mdir, "0000_early.sql"), "w") as f:
            f.write("CREATE TABLE early_marker (x int);\n")
        r = db.admin("migrate", env=env)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("0000_early.sql", r.stdout + r.stderr)
        self.assertIn(last[:-4], r.stdout + r.stderr)
        self.assertEqual(db.count("pg_tables",
                                  "tablename = 'early_marker'"), 0)


class UsageTest(harness.TestCase):
    """The command table: help lists every command with its usage, and a
    wrong number of arguments gets the command's usage line and status 2,
    before any database is needed."""

    COMMANDS = ["migrate", "audit verify", "ca init [--sandbox] [--key p256|p384]",
                "ca root-crl [--ahead N]",
                "ca reissue issuing", "tls init DIR [HOST ...]",
                "operator add NAME ROLES [CERT.pem | --out DIR]",
                "operator list", "operator disable NAME",
                "partner add NAME PROGRAM",
                "partner sandbox PARTNER-ID [PROGRAM]",
                "partner key revoke PARTNER-ID KEY-ID",
                "partner key PARTNER-ID", "config", "help"]

    def run_admin(self, *args):
        env = dict(os.environ,
                   RXCA_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
        return subprocess.run([harness.binary("rxca-admin")] + list(args),
                              env=env, capture_output=True, text=True,
                              timeout=60)

    def test_help_lists_the_table(self):
        r = self.run_admin("help")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith(
            "usage: rxca-admin <command>\n\ncommands:\n"), r.stdout)
        # "  NAME USAGE" padded to 24 and its help, or alone when longer
        # (its help on the next line, indented further).
        lines = [line for line in r.stdout.splitlines()
                 if line.startswith("  ") and not line.startswith("   ")]
        self.assertEqual(len(lines), len(self.COMMANDS), r.stdout)
        for line, cmd in zip(lines, self.COMMANDS):
            if len(cmd) > 24:
                self.assertEqual(line, "  " + cmd)
            else:
                self.assertTrue(line.startswith("  %-24s " % cmd), line)
        self.assertEqual(self.run_admin("--help").stdout, r.stdout)
        r = self.run_admin("nonsense")
        self.assertEqual(r.returncode, 2)
        self.assertIn('unknown command "nonsense"', r.stderr)
        self.assertIn("  operator list ", r.stderr)

    def test_usage_errors(self):
        cases = [
            (["operator", "add", "alice"],
             "usage: rxca-admin operator add NAME ROLES "
             "[CERT.pem | --out DIR]\n"),
            (["operator", "add", "alice", "admin", "--out"],
             "usage: rxca-admin operator add NAME ROLES "
             "[CERT.pem | --out DIR]\n"),
            (["operator", "disable"],
             "usage: rxca-admin operator disable NAME\n"),
            (["partner", "add", "x"],
             "usage: rxca-admin partner add NAME PROGRAM\n"),
            (["partner", "key"], "usage: rxca-admin partner key PARTNER-ID\n"),
            (["partner", "key", "revoke", "p"],
             "usage: rxca-admin partner key revoke PARTNER-ID KEY-ID\n"),
            (["tls", "init"], "rxca-admin: tls init: which directory?\n"
             "usage: rxca-admin tls init DIR [HOST ...]\n"),
            (["ca", "init", "--key", "p521"],
             "rxca-admin: ca init: --key takes p256 or p384 (after "
             "--sandbox)\n"
             "usage: rxca-admin ca init [--sandbox] [--key p256|p384]\n"),
            (["ca", "init", "--key", "p256", "--sandbox"],
             "rxca-admin: ca init: --key takes p256 or p384 (after "
             "--sandbox)\n"),
            (["ca", "root-crl", "--ahead", "x"],
             "rxca-admin: ca root-crl: --ahead takes 0 to "),
            (["operator", "disable", "no/slash"],
             "rxca-admin: operator disable: NAME must be 1 to 64 of "
             "A-Z a-z 0-9 . _ -\n"),
        ]
        for args, want in cases:
            r = self.run_admin(*args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertTrue(r.stderr.endswith(want) or
                            r.stderr.startswith(want), (args, r.stderr))
        r = self.run_admin("operator", "list", "extra")
        self.assertEqual(r.returncode, 2)
        self.assertTrue(r.stderr.startswith(
            'rxca-admin: operator list: unexpected argument "extra"\n'
            "usage: rxca-admin <command>"), r.stderr)
        # The database is needed only once the arguments are right.
        r = self.run_admin("partner", "key", "prt_x")
        self.assertEqual(r.returncode, 1)
        self.assertIn("rxca-admin: partner key: cannot connect to the "
                      "database (RXCA_DATABASE_URL)", r.stderr)


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
