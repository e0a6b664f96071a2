#!/usr/bin/python3
"""The storage choices other than a new token, each to a certificate in
the browser (issue 18): `epcs-hardware` on an existing token (the
doctor's own, initialised by them with their own passcode: nothing to
change) and `identity-software` in software (a SoftHSM keystore the
doctor made on their computer, which is what "software" means for
rxca-token, docs/token.md).  The stack of test_retrieve.py
(JourneyCase): the wizard, the mail's link, approved by the decision
rules, the letter printed and shipped (no token in it), the retrieval
page with the real agent and the scripted pinentry, *Test my
certificate*, the certificate page, and `openssl ocsp` good
(`node storage.test.mjs`).  Here: one issued certificate per
application, the one on the token, with the key evidence the product
requires."""
import os
import shutil
import ssl
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
import control  # noqa: E402
from test_retrieve import JourneyCase  # noqa: E402

SO_PIN = "doctor-so-pin"


class StorageBrowserTest(JourneyCase):

    walk_script = "storage.test.mjs"

    def own_token(self, q):
        """The doctor's own token (or software keystore), made by them:
        the one before is unplugged (gone), a new one initialised with
        their own passcode, no kit marker on it."""
        d = os.path.join(self.tmp, "applicant-token", "tokens")
        shutil.rmtree(d)
        os.makedirs(d)
        r = subprocess.run(
            ["softhsm2-util", "--init-token", "--free", "--label",
             q["label"], "--so-pin", SO_PIN, "--pin", q["pin"]],
            env=self.tenv, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return {"label": q["label"]}

    def ocsp_of(self, q):
        """What `openssl ocsp` says of the certificate of serial q."""
        der = bytes.fromhex(self.db.scalar(
            "SELECT encode(der, 'hex') FROM certificates WHERE serial = "
            "decode('%s', 'hex')" % q["serial"]))
        leaf = os.path.join(self.tmp, "leaf-%s.pem" % q["serial"])
        with open(leaf, "w") as f:
            f.write(ssl.DER_cert_to_PEM_cert(der))
        return {"status": harness.wait_until(
            lambda: self.ocsp(leaf) == "good" and "good", 20, 0.2,
            "OCSP to say good")}

    def test_existing_token_and_software(self):
        shown = self.walk("storage.test.mjs", {
            "link": lambda q: control.mail_link(self, q["email"]),
            "checked": lambda q: self.checked(q["app"]),
            "own": self.own_token,
            "ship": lambda q: self.deliver(q["app"], token=False),
            "ocsp": self.ocsp_of})
        rows = self.db.query(
            "SELECT a.product, a.storage, c.state, c.key_evidence, "
            "c.key_model, k.new_token FROM applications a JOIN "
            "certificates c ON "
            "c.application_id = a.id JOIN kits k ON k.application_id = a.id "
            "ORDER BY a.created_at")
        # client-asserted with the keystore's model: what the hardware
        # product requires, more than the software one's none; no token
        # in either kit
        self.assertEqual(rows, [
            ["epcs-hardware", "existing-token", "issued", "client-asserted",
             "SoftHSM v2", "f"],
            ["identity-software", "software", "issued", "client-asserted",
             "SoftHSM v2", "f"]])
        # No initial passcode was asked for: only the owner's own.
        self.assertNotIn("initial passcode", shown)
        self.assertIn("CONFIRM %s asks the token" % self.srv.base, shown)


if __name__ == "__main__":
    harness.main()
