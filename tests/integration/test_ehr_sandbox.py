#!/usr/bin/python3
"""docs/examples/ehr_sandbox.py, the EHR's example client, run as a
partner would run it against a real server: a live partner and its
sandbox (rxca-admin), the sandbox's test CA (`ca init --sandbox`), the
reference identity providers for the sandbox, mail written to the
development mail folder, two fulfillers for the kits; the example does
the whole journey (invite, apply, proof, print, ship, provision,
retrieve onto SoftHSM, link, two-person approval, revoke) and checks
every webhook's signature and sequence.  It fails if any step fails."""
import os
import subprocess
import time

import harness
from harness import PYTHON, SOURCE_DIR
from test_revocation import PkiCase

EXAMPLE = os.path.join(SOURCE_DIR, "docs", "examples", "ehr_sandbox.py")


class EhrSandboxExampleTest(PkiCase):
    @property
    def extra_env(self):
        """Mail to the development folder (the example's applicant reads
        it there); a loopback webhook receiver; the test's reference
        provider as the sandbox's providers."""
        return {"RXCA_SMTP_URL": "", "RXCA_WEBHOOK_ALLOW_PRIVATE": "1",
                "RXCA_WEBHOOK_BACKOFF_MAX": "1",
                "RXCA_SANDBOX_IDV_URL": self.prov.url,
                "RXCA_SANDBOX_AVS_URL": self.prov.url,
                "RXCA_SANDBOX_IDV_API_KEY": self.prov.api_key or "",
                "RXCA_SANDBOX_AVS_API_KEY": self.prov.api_key or ""}

    def test_example_client(self):
        admin = self.db.admin
        r = admin("ca", "init", "--sandbox", env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        r = admin("partner", "add", "Acme EHR", "acme")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = admin("partner", "sandbox", r.stdout.strip())
        self.assertEqual(r.returncode, 0, r.stderr)
        r = admin("partner", "key", r.stdout.split()[0])
        self.assertEqual(r.returncode, 0, r.stderr)
        key = r.stdout.strip()
        work = os.path.join(self.tmp, "ehr-sandbox")
        os.mkdir(work)
        started = time.monotonic()
        p = subprocess.run(
            [PYTHON, EXAMPLE, "--server", self.srv.base, "--key", key,
             "--mail-dir", self.srv.env["RXCA_MAIL_DIR"],
             "--ops", "https://127.0.0.1:%d" % self.tls["port"],
             "--ops-ca", self.tls["ca"],
             "--fulfiller", self.ful[0], self.ful[1],
             "--fulfiller", self.ful2[0], self.ful2[1],
             "--token", os.path.join(os.environ["RXCA_BUILD_DIR"], "token",
                                     "rxca-token"),
             "--workdir", work],
            capture_output=True, text=True, timeout=240)
        print(p.stdout, flush=True)
        print("example: %.1f s wall" % (time.monotonic() - started),
              flush=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("passed in", p.stdout)
        # What it did, as the database recorded it.
        self.assertEqual(self.db.scalar(
            "SELECT string_agg(issuer || ':' || state, ',' ORDER BY "
            "state) FROM certificates"),
            "sandbox-issuing:issued,sandbox-issuing:revoked")
        self.assertEqual(self.db.scalar(
            "SELECT count(*) FROM credential_links WHERE approved"), "2")


if __name__ == "__main__":
    harness.main()
