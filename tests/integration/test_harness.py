#!/usr/bin/python3
"""The harness itself: the tests' SQL runs over a connection kept per
database (harness.psql), yet each statement string is a session of its
own, as a psql process per query was, and rows read as psql -At printed
them."""
import harness


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


if __name__ == "__main__":
    harness.main()
