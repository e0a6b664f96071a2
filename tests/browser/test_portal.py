#!/usr/bin/python3
"""The portal in a browser (docs/portal.md): the stack of the integration
tests (tests/integration/harness.py: PostgreSQL, the SMTP sink, the real
rxca-server), then `node portal.test.mjs`, which drives Debian's Chromium
through every page.  The application the walk follows to its status is
made here through the API: the wizard stops at the card, which the payment
provider must tokenize in the browser (not built yet, docs/portal.md)."""
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402

LINK_RE = re.compile(r"(https?://\S+/verify-email\?application=(app_\w+)"
                     r"&code=([0-9A-Z-]+))")


class PortalBrowserTest(harness.TestCase):

    def mail_link(self, srv, addr):
        """The verification link of the next code mail to addr."""
        deadline = time.monotonic() + 20
        while True:
            msg = srv.sink.wait_for(addr, max(0.1, deadline - time.monotonic()))
            m = LINK_RE.search(harness.mail_text(msg))
            if m or time.monotonic() >= deadline:
                self.assertIsNotNone(m, harness.mail_text(msg))
                return m.group(1)

    def test_portal(self):
        if not os.path.isdir(os.path.join(HERE, "node_modules",
                                          "playwright-core")):
            self.fail("tests/browser/node_modules is missing: "
                      "ops/rxca-dev test runs npm ci there")
        srv = self.start_server()
        # One application to verify by the mail's link and follow, one to
        # ask a new code for.
        first = self.apply(srv)
        link = self.mail_link(srv, first["_email"])
        self.assertTrue(link.startswith(srv.base + "/verify-email?"), link)
        second = self.apply(srv)
        self.mail_link(srv, second["_email"])
        shots = os.environ.get("RXCA_SCREENSHOTS",
                               os.path.join(self.tmp, "screenshots"))
        env = dict(os.environ,
                   BASE_URL=srv.base, VERIFY_LINK=link,
                   APP_ID=first["id"], APP_EMAIL=first["_email"],
                   APP_PASSWORD=first["_password"],
                   RESEND_APP_ID=second["id"],
                   RESEND_PASSWORD=second["_password"],
                   SCREENSHOTS=shots)
        proc = subprocess.run(
            ["node", os.path.join(HERE, "portal.test.mjs")], env=env,
            cwd=HERE, timeout=420)
        self.assertEqual(proc.returncode, 0, "portal.test.mjs failed")
        # What the pages did, seen from the server's side.
        # the link verified the address: the identity check took it on
        # (without identity providers configured it goes to review)
        self.assertIn(srv.db.scalar(
            "SELECT status FROM applications WHERE id = '%s'" % first["id"]),
            ("proofing", "review", "approved", "rejected"))
        # the resend asked on /verify-email mailed a new code
        self.mail_link(srv, second["_email"])


if __name__ == "__main__":
    harness.main()
