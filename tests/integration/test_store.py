"""The storage code of api/ against a real PostgreSQL: runs the CUnit
program tests/store/test_store on a fresh migrated database."""
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


if __name__ == "__main__":
    unittest.main()
