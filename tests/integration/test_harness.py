#!/usr/bin/python3
"""The harness itself: the tests' SQL runs over a connection kept per
database (harness.psql), yet each statement string is a session of its
own, as a psql process per query was, and rows read as psql -At printed
them; what a test starts ends with it; and a server a class of tests
shares (harness.ClassFixtures) is one, stopped and checked after the
class's last test."""
import os
import signal
import subprocess
import unittest

import harness

# A test process: starts a server as tests do (Server on a database of its
# own), says its database, its own PID and the server's, and waits to be
# killed.
CHILD = """
import os, sys, tempfile, time
sys.path.insert(0, %r)
import harness
db = harness.Database()
print(db.name, flush=True)
srv = harness.Server(db.url, 0, tempfile.mkdtemp(dir=%r))
srv.start()
print(os.getpid(), srv.proc.pid, flush=True)
time.sleep(600)
"""
# CTest, as far as a test sees it: the process that started it.
CTEST = "import subprocess, sys; subprocess.run(sys.argv[1:])"


def alive(pid):
    """pid runs (a zombie, ended but not reaped, does not)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


class SqlSessionTest(harness.TestCase):

    def test_each_query_is_a_session_of_its_own(self):
        db = self.start_db()
        # A setting, a transaction left open and a temporary table end
        # with the query that made them.
        db.query("SET lock_timeout = '7s'")
        self.assertEqual(db.scalar("SHOW lock_timeout"), "0")
        db.query("BEGIN; CREATE TABLE t_open (x int)")
        self.assertEqual(db.count("pg_tables", "tablename = 't_open'"), 0)
        db.query("CREATE TEMP TABLE t_tmp (x int)")
        self.assertEqual(db.count("pg_class", "relname = 't_tmp'"), 0)
        # One transaction per string: an error undoes what came before.
        r = harness.psql(db.host, db.port, db.user, db.name,
                         "CREATE TABLE t_undone (x int); SELECT nosuch",
                         check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("nosuch", r.stderr)
        self.assertEqual(db.count("pg_tables", "tablename = 't_undone'"), 0)

    def test_rows_as_psql_printed_them(self):
        db = self.start_db()
        self.assertEqual(db.query(
            "SELECT true, NULL::int, 1.50::numeric, '\\x0a'::bytea, "
            "ARRAY[1, 2], '{\"a\": 1}'::jsonb, "
            "'2026-01-02 03:04:05+00'::timestamptz AT TIME ZONE 'UTC' "
            "UNION ALL SELECT false, 2, 3, NULL, '{}', 'null', NULL "
            "ORDER BY 1 DESC"),
            [["t", "", "1.50", "\\x0a", "{1,2}", '{"a": 1}',
              "2026-01-02 03:04:05"],
             ["f", "2", "3", "", "{}", "null", ""]])


class ChildrenTest(harness.TestCase):

    def test_a_killed_tests_server_ends_with_it(self):
        # CTest interrupted (SIGTERM to CTest), or a test killed past its
        # timeout (SIGKILL): the test ends without its cleanups, and
        # neither it nor the server it started may live on.
        for who, sig in (("ctest", signal.SIGTERM),
                         ("test", signal.SIGKILL)):
            with self.subTest(killed=who):
                argv = [harness.PYTHON, "-c", CHILD % (harness.HERE,
                                                       self.tmp)]
                if who == "ctest":
                    argv = [harness.PYTHON, "-c", CTEST] + argv
                parent = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                          stdout=subprocess.PIPE, text=True)
                self.addCleanup(parent.wait)
                self.addCleanup(parent.kill)
                dbname = parent.stdout.readline().strip()
                self.assertRegex(dbname, "^rxca_t_[0-9a-f]+$")
                self.addCleanup(harness.psql, *harness.pg_env(), "postgres",
                                "DROP DATABASE IF EXISTS %s WITH (FORCE)"
                                % dbname)
                pids = [int(p) for p in parent.stdout.readline().split()]
                parent.stdout.close()
                for pid in pids:
                    self.addCleanup(lambda p=pid: alive(p) and
                                    os.kill(p, signal.SIGKILL))
                self.assertTrue(all(alive(p) for p in pids), pids)
                parent.send_signal(sig)
                self.assertEqual(parent.wait(10), -sig)
                harness.wait_until(
                    lambda: not any(alive(p) for p in pids), 10, 0.05,
                    "the test and its server to end with %s" % who)


class ClassFixturesTest(harness.TestCase):

    def test_one_server_for_the_class_checked_at_its_end(self):
        seen = []

        class Shared(harness.TestCase):
            @classmethod
            def setUpClass(cls):
                super().setUpClass()
                cls.srv = harness.ClassFixtures(cls).start_server()

            def test_a(self):
                seen.append(self.srv.proc.pid)

            def test_b(self):
                seen.append(self.srv.proc.pid)
                # A report in its stderr, as a sanitizer writes one.
                with open(self.srv.stderr_path, "a") as f:
                    f.write("ERROR: AddressSanitizer: heap-use-after-free\n")

        result = unittest.TestResult()
        unittest.defaultTestLoader.loadTestsFromTestCase(Shared).run(result)
        # One server for both tests, stopped after the last.
        self.assertEqual(len(seen), 2)
        self.assertEqual(seen[0], seen[1])
        self.assertFalse(alive(seen[0]))
        # Both tests passed; the report, seen at the class's end, fails
        # the run.
        self.assertEqual((result.testsRun, result.failures), (2, []))
        self.assertEqual(len(result.errors), 1, result.errors)
        self.assertIn("sanitizer report in rxca-server's stderr",
                      result.errors[0][1])
        self.assertFalse(result.wasSuccessful())


if __name__ == "__main__":
    harness.main()
