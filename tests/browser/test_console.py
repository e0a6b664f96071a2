#!/usr/bin/python3
"""The operator console in a browser (docs/console.md): the stack of the
integration tests with a CA (tests/integration/test_revocation.py's
PkiCase: PostgreSQL, the SMTP sink, the identity provider, rxca-server
with its HTTPS listener for operators), three applications made through
the API (Ada holding a certificate, Alan in review, Ada's twin approved
with a kit to print), then `node console.test.mjs`, which drives Debian's
Chromium with each operator's client certificate.  Afterwards, seen from
outside: `openssl ocsp` says Ada's certificate is revoked, Alan is
approved by the second reviewer, the letter's PDF has the code shown."""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
from harness import wait_until  # noqa: E402
from test_proofing import ALAN, person  # noqa: E402
from test_revocation import PkiCase  # noqa: E402
from walk import Walked, require_browser, walk  # noqa: E402


class ConsoleBrowserTest(Walked, PkiCase):

    walk_script = "console.test.mjs"

    def in_review(self):
        app = self.apply(self.srv, person(*ALAN))
        code = self.code_for(self.srv, app["_email"])
        st, _, js = self.verify(self.srv, app["id"], code)
        self.assertEqual(st, 200, js)

        def status():
            s = self.db.scalar("SELECT status FROM applications WHERE "
                               "id = '%s'" % app["id"])
            return s if s != "proofing" else None
        self.assertEqual(wait_until(status, 30, 0.1, "the check"), "review")
        return app

    def test_console(self):
        require_browser(self)
        ada = self.issued()
        serial = ada["_cert"]["serial"]
        self.wait_ocsp("good")
        review = self.in_review()
        twin = self.approved()
        # A live partner and its sandbox, which the Partners page labels.
        r = self.db.admin("partner", "add", "Kappa EHR", "kappa")
        self.assertEqual(r.returncode, 0, r.stderr)
        kappa = r.stdout.strip()
        r = self.db.admin("partner", "sandbox", kappa)
        self.assertEqual(r.returncode, 0, r.stderr)
        ops = {"ray": self.rev, "fay": self.ful, "flo": self.ful2,
               "rita": self.operator("rita", "reviewer"),
               "rena": self.operator("rena", "reviewer"),
               "adam": self.operator("adam", "admin")}
        print("node starts", flush=True)
        shots = walk(
            self, "console.test.mjs", 480,
            BASE_URL="https://127.0.0.1:%d" % self.tls["port"],
            PUBLIC_URL=self.srv.base,
            OPERATORS=json.dumps({k: {"cert": v[0], "key": v[1]}
                                  for k, v in ops.items()}),
            ADA_EMAIL=ada["_email"], ADA_TYPO="Ada Lovelcae",
            ADA_APP=ada["id"], ADA_SERIAL=serial, REVIEW_APP=review["id"],
            KIT_ID=twin["_kit"], LIVE_PARTNER=kappa)

        # The revocation, as a relying party sees it.
        self.wait_ocsp("revoked")
        self.assertEqual(self.db.scalar(
            "SELECT revoked_by FROM certificates WHERE serial = "
            "decode('%s', 'hex')" % serial),
            "operator:" + self.db.scalar(
                "SELECT id FROM operators WHERE name = 'ray'"))
        # Alan: approved under dual control, asked by rita, confirmed by
        # rena; the other site's forged approval changed nothing.
        self.assertEqual(self.db.scalar(
            "SELECT status FROM applications WHERE id = '%s'"
            % review["id"]), "approved")
        rows = self.db.query(
            "SELECT r.name, d.name, a.status FROM approvals a JOIN "
            "operators r ON r.id = a.requested_by JOIN operators d ON "
            "d.id = a.decided_by WHERE a.target = '%s'" % review["id"])
        self.assertEqual([tuple(r) for r in rows],
                         [("rita", "rena", "confirmed")])
        # The twin's letter: printed once, under dual control, and the
        # PDF of the print view holds the code the page showed.
        self.assertEqual(self.db.scalar(
            "SELECT prints FROM kits WHERE id = '%s'" % twin["_kit"]), "1")
        pdf = os.path.join(shots, "letter.pdf")
        text = subprocess.run(["pdftotext", "-layout", pdf, "-"],
                              capture_output=True, text=True,
                              timeout=60, check=True).stdout
        with open(os.path.join(shots, "letter-code.txt")) as f:
            code = f.read().strip()
        self.assertRegex(code, r"^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}-\S$")
        self.assertIn(code, text)
        self.assertIn("Activation code", text)
        self.assertIn("Initial token passcode", text)
        self.assertIn(twin["_kit"], text)
        self.assertRegex(text, r"Portal: https?://")
        self.assertRegex(text, r"token client")
        info = subprocess.run(["pdfinfo", pdf], capture_output=True,
                              text=True, timeout=60, check=True).stdout
        self.assertEqual(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1),
                         "1", info)
        os.remove(os.path.join(shots, "letter-code.txt"))
        self.assertEqual(self.db.admin("audit", "verify").returncode, 0)


if __name__ == "__main__":
    harness.main()
