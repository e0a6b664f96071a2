#!/usr/bin/python3
"""The applicant's whole journey in one browser (issue 18): the stack of
the integration tests with the CA (tests/integration/test_token.py's
TokenCase: PostgreSQL, the SMTP sink, the reference identity provider,
the real rxca-server), the reference payment service framing its card
form for the portal and checking card addresses (RXCA_AVS_URL), and the
real `rxca-token agent` for the portal's origin with the scripted
pinentry (tests/pinentry_scripted.py) as the user at the agent's
window.  `node retrieve.test.mjs` drives Debian's Chromium from the
landing page through the wizard, the mail's link, the status page
(approved by the real decision rules), the retrieval page onto a
SoftHSM token, the certificate page and *Test my certificate*.  What
others do is asked for over control.py: the mail's link, the identity
check awaited, and the kit printed and shipped by two fulfillers with
their operator certificates and its token provisioned with the letter's
initial passcode.  Here the server's and the token's side are checked:
one certificate, issued, the one on the token, the token's test passed,
and `openssl ocsp` says good."""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
import control  # noqa: E402
from test_ca import openssl  # noqa: E402
from test_payments import PayProvider  # noqa: E402
from test_proofing import twin  # noqa: E402
from test_token import NEW_PASSCODE, TokenCase  # noqa: E402
from walk import Walked, require_browser, walk  # noqa: E402

PINENTRY = os.path.join(HERE, "..", "pinentry_scripted.py")


class JourneyCase(Walked, TokenCase):
    """The stack of a walk to the token: the server with the agent's URL
    and 80-day certificates, the payment service framing its card form
    and checking card addresses, and what others do (deliver: the kit
    printed and shipped; ocsp: a relying party's question)."""

    def setUp(self):
        self.agent_port = harness.free_port()
        # 80-day certificates: inside the renewal window at once
        self.extra_env = {"RXCA_TOKEN_AGENT_URL":
                          "http://127.0.0.1:%d" % self.agent_port,
                          "RXCA_CERT_VALIDITY_DAYS": "80"}
        super().setUp()
        # The payment service frames its card form for the portal's
        # origin (known once the server has its port) and is the card
        # address check: the server starts again with both.
        self.pay = PayProvider(self.tmp)
        self.pay.args += ["--allow-origin", self.srv.base]
        self.pay.start()
        self.addCleanup(self.pay.stop)
        self.srv.stop()
        self.srv.env.update(self.pay.env())
        self.srv.env.update({
            "RXCA_PAYMENT_FORM_URL": self.pay.url + "/elements/card.html",
            "RXCA_AVS_URL": self.pay.url,
            "RXCA_AVS_API_KEY": self.pay.api_key})
        self.srv.start()
        self.tls["port"] = self.srv.tls_port

    def status(self, app_id):
        return self.db.scalar("SELECT status FROM applications WHERE id = "
                              "'%s'" % app_id)

    def checked(self, app_id):
        """The status once the identity check has decided (nobody
        approves anything here)."""
        return {"status": harness.wait_until(
            lambda: self.status(app_id) not in ("proofing", "email_pending")
            and self.status(app_id), 30, 0.1, "the identity check")}

    def deliver(self, app_id, token=True):
        """The kit printed (two fulfillers), shipped, and (token) its
        token made ready with the letter's initial passcode."""
        app = {"_kit": self.db.scalar("SELECT id FROM kits WHERE "
                                      "application_id = '%s'" % app_id)}
        app["_letter"] = self.print_kit(app)
        self.ship(app)
        return {"activation_code": app["_letter"]["activation_code"],
                "initial_passcode": self.provision(app) if token else None}

    def again(self):
        """A second application (Ada's twin: approved, not reviewed),
        its kit printed and shipped, with no token of its own: the
        letter's activation code and the account's password."""
        self.avs_before_again = self.pay.stats()["avs"]
        app = self.shipped(body=twin(0))
        self.again_app = app["id"]
        return {"activation_code": app["_code"],
                "password": app["_password"]}

    def ocsp(self, leaf):
        """What `openssl ocsp` says of leaf at the server's responder."""
        root, issuing = self.ca_files()
        rc, out, err = openssl("ocsp", "-issuer", issuing, "-cert", leaf,
                               "-url", self.srv.base + "/ocsp", "-CAfile",
                               root)
        m = re.search(r": (good|revoked|unknown)\s*$", out.decode(), re.M)
        return m.group(1) if m else (out + err).decode()

    def walk(self, script_name, routes):
        """The real agent for the portal's origin with the scripted
        pinentry, and node script_name against the stack, others' part
        asked for over control.py (routes); fails when the walk does.
        Returns the pinentry's log (what the user was shown)."""
        require_browser(self)
        agent_url = "http://127.0.0.1:%d" % self.agent_port
        script = os.path.join(self.tmp, "pinentry.script")
        pinlog = os.path.join(self.tmp, "pinentry.log")
        log = open(os.path.join(self.tmp, "agent.log"), "wb")
        self.addCleanup(log.close)
        env = dict(self.tenv, RXCA_PINENTRY_SCRIPT=script,
                   RXCA_PINENTRY_LOG=pinlog)
        agent = harness.popen(
            [self.bin, "agent", "--port", str(self.agent_port), "--origin",
             self.srv.base, "--server", self.srv.base, "--pinentry",
             PINENTRY], env=env, stdout=subprocess.PIPE, stderr=log,
            text=True)

        def stop():
            if agent.poll() is None:
                agent.terminate()
                agent.wait(10)
            agent.stdout.close()
        self.addCleanup(stop)
        self.assertIn("listening on", agent.stdout.readline())
        url = control.serve(self, routes)
        walk(self, script_name, 400, BASE_URL=self.srv.base,
             PAY_URL=self.pay.url, AGENT_URL=agent_url, CONTROL_URL=url,
             PINENTRY_SCRIPT=script, NEW_PASSCODE=NEW_PASSCODE)
        with open(pinlog) as f:
            return f.read()


class RetrieveBrowserTest(JourneyCase):

    walk_script = "retrieve.test.mjs"

    def test_retrieve(self):
        # The page: the agent's URL written in, and allowed to connect.
        agent_url = "http://127.0.0.1:%d" % self.agent_port
        st, h, body = self.srv.http("GET", "/retrieve")
        self.assertEqual(st, 200)
        csp = {k.lower(): v for k, v in h.items()}["content-security-policy"]
        self.assertIn("default-src 'self'", csp)
        self.assertTrue(csp.endswith("; connect-src 'self' " + agent_url),
                        csp)
        self.assertIn(b'<meta name="rxca-token-agent" content="%s">'
                      % agent_url.encode(), body)
        self.assertNotIn(b"__RXCA_TOKEN_AGENT_URL__", body)
        shown = self.walk("retrieve.test.mjs", {
            "link": lambda q: control.mail_link(self, q["email"]),
            "checked": lambda q: self.checked(q["app"]),
            "ship": lambda q: self.deliver(q["app"]),
            "again": lambda q: self.again()})
        # The wizard's application, approved by the decision rules (the
        # address check saw the card behind the frame's token).
        rows = self.db.query("SELECT id, avs_card_token FROM applications "
                             "WHERE id <> '%s'" % self.again_app)
        self.assertEqual(len(rows), 1, rows)
        self.assertRegex(rows[0][1], r"^tok_card_[0-9a-f]+$")
        self.assertEqual(self.avs_before_again, 1)
        # Two certificates, the second renewing the first, each the one
        # on the token under its key's label.
        certs = self.db.query("SELECT encode(serial, 'hex'), state, "
                              "encode(renews, 'hex') FROM certificates "
                              "WHERE application_id = '%s' ORDER BY "
                              "renews NULLS FIRST" % rows[0][0])
        self.assertEqual(len(certs), 2, certs)
        self.assertEqual([c[1] for c in certs], ["issued", "issued"])
        self.assertEqual(certs[1][2], certs[0][0])
        for label, cert in (("rxca-signing", certs[0]),
                            ("rxca-signing-2", certs[1])):
            leaf = self.token_cert(label)
            rc, out, _ = openssl("x509", "-in", leaf, "-noout", "-serial")
            self.assertEqual(int(out.decode().strip().split("=")[1], 16),
                             int(cert[0], 16))
        # The second application's certificate on the token under a new
        # pair, beside the first's two.
        again = self.db.query("SELECT encode(serial, 'hex'), state FROM "
                              "certificates WHERE application_id = '%s'"
                              % self.again_app)
        self.assertEqual([c[1] for c in again], ["issued"], again)
        rc, out, _ = openssl("x509", "-in", self.token_cert(
            "rxca-signing-3"), "-noout", "-serial")
        self.assertEqual(int(out.decode().strip().split("=")[1], 16),
                         int(again[0][0], 16))
        # The user saw the portal's origin at each confirmation.
        self.assertIn("CONFIRM %s asks the token" % self.srv.base, shown)
        with open(os.path.join(self.tmp, "agent.log")) as f:
            agent_log = f.read()
        self.assertIn("agent: test passed", agent_log)
        self.assertIn("agent: certificate renewed", agent_log)
        # A relying party's view: the responder says good.
        harness.wait_until(lambda: self.ocsp(leaf) == "good", 20, 0.2,
                           "OCSP to say good")


if __name__ == "__main__":
    harness.main()
