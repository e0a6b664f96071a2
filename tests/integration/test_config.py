#!/usr/bin/python3
"""Start-up settings: a bad value stops rxca-server with a message naming
the variable; --help lists the settings."""
import subprocess

import harness


class ConfigTest(harness.TestCase):

    def run_server(self, env, *args):
        e = dict(harness.TEST_SETTINGS)
        e["RXCA_LISTEN"] = "127.0.0.1:%d" % harness.free_port()
        e["RXCA_DATABASE_URL"] = "host=/nonexistent dbname=none"
        e.update(env)
        return subprocess.run([harness.binary("rxca-server")] + list(args),
                              env=harness.clean_env(e), cwd=self.tmp,
                              stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=30)

    def test_bad_values_stop_start_up(self):
        cases = [
            ("RXCA_LISTEN", "nonsense"),
            ("RXCA_LISTEN", "127.0.0.1:99999"),
            ("RXCA_POLICY", "foo"),
            ("RXCA_WORKERS", "0"),
            ("RXCA_WORKERS", "four"),
            ("RXCA_SMTP_URL", "http://127.0.0.1:25"),
            ("RXCA_MAIL_FROM", "nobody"),
            ("RXCA_ARGON2_MEMORY_KIB", "12x"),
            ("RXCA_REQUEST_TIMEOUT", "-1"),
            ("RXCA_RENEWAL_REMINDERS", "7,30"),
            ("RXCA_RENEWAL_REMINDERS", "120,60"),
            ("RXCA_RENEWAL_REMINDERS", "90,,7"),
            ("RXCA_RENEWAL_REMINDERS", ""),
            ("RXCA_RENEWAL_WINDOW_DAYS", "0"),
            ("RXCA_TOKEN_AGENT_URL", "http://evil.example:8731"),
            ("RXCA_TOKEN_AGENT_URL", "http://127.0.0.1:8731/x"),
            ("RXCA_TOKEN_AGENT_URL", "http://127.0.0.1:0"),
            ("RXCA_TOKEN_AGENT_URL", "http://127.0.0.1:70000"),
            ("RXCA_TOKEN_AGENT_URL", "http://127.0.0.1:87'; script-src *"),
        ]
        for var, value in cases:
            with self.subTest(var=var, value=value):
                r = self.run_server({var: value})
                self.assertNotEqual(r.returncode, 0, r.stderr)
                lines = r.stderr.splitlines()
                self.assertTrue(any(l.startswith(var + ":") for l in lines),
                                "no stderr line starts with %s: %r"
                                % (var, r.stderr))
                self.assertNotIn("listening on", r.stdout)
                for mark in harness.SANITIZER_MARKS:
                    self.assertNotIn(mark, r.stderr)

    def test_help_lists_settings(self):
        r = self.run_server({}, "--help")
        self.assertEqual(r.returncode, 0, r.stderr)
        for var in ("RXCA_DATABASE_URL", "RXCA_LISTEN", "RXCA_SMTP_URL",
                    "RXCA_MAIL_FROM", "RXCA_MAIL_DIR", "RXCA_POLICY",
                    "RXCA_WORKERS", "RXCA_MAX_CONNECTIONS",
                    "RXCA_REQUEST_TIMEOUT", "RXCA_ARGON2_MEMORY_KIB",
                    "RXCA_CLOCK_FILE"):
            self.assertIn(var, r.stdout)
        self.assertIn("127.0.0.1:8080", r.stdout)


if __name__ == "__main__":
    harness.main()
