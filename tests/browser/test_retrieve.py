#!/usr/bin/python3
"""The portal's /retrieve page in a browser (docs/token.md): the stack of
the integration tests with the CA (tests/integration/test_token.py's
TokenCase: PostgreSQL, the SMTP sink, the reference providers, the real
rxca-server), an application approved and its kit printed and shipped
through the operators' API, its SoftHSM token provisioned with the
letter's initial passcode, and the real `rxca-token agent` for the
portal's origin with the scripted pinentry (tests/pinentry_scripted.py)
as the user at the agent's window.  Then `node retrieve.test.mjs` drives
Debian's Chromium through the retrieval; here the server's and the
token's side are checked: one certificate, issued, the one on the token,
and the token's test passed."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
from test_ca import openssl  # noqa: E402
from test_token import NEW_PASSCODE, TokenCase  # noqa: E402

PINENTRY = os.path.join(HERE, "..", "pinentry_scripted.py")


class RetrieveBrowserTest(TokenCase):

    def setUp(self):
        self.agent_port = harness.free_port()
        self.extra_env = {"RXCA_TOKEN_AGENT_URL":
                          "http://127.0.0.1:%d" % self.agent_port}
        super().setUp()

    def test_retrieve(self):
        if not os.path.isdir(os.path.join(HERE, "node_modules",
                                          "playwright-core")):
            self.fail("tests/browser/node_modules is missing: "
                      "ops/rxca-dev test runs npm ci there")
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
        app = self.shipped()
        initial = self.provision(app)
        script = os.path.join(self.tmp, "pinentry.script")
        pinlog = os.path.join(self.tmp, "pinentry.log")
        log = open(os.path.join(self.tmp, "agent.log"), "wb")
        self.addCleanup(log.close)
        env = dict(self.tenv, RXCA_PINENTRY_SCRIPT=script,
                   RXCA_PINENTRY_LOG=pinlog)
        agent = subprocess.Popen(
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
        shots = os.environ.get("RXCA_SCREENSHOTS",
                               os.path.join(self.tmp, "screenshots"))
        penv = dict(os.environ, BASE_URL=self.srv.base,
                    AGENT_URL="http://127.0.0.1:%d" % self.agent_port,
                    PINENTRY_SCRIPT=script, INITIAL_PASSCODE=initial,
                    NEW_PASSCODE=NEW_PASSCODE, ACTIVATION_CODE=app["_code"],
                    PASSWORD=app["_password"], SCREENSHOTS=shots)
        proc = subprocess.run(
            ["node", os.path.join(HERE, "retrieve.test.mjs")], env=penv,
            cwd=HERE, timeout=300)
        self.assertEqual(proc.returncode, 0, "retrieve.test.mjs failed")
        # One certificate, issued, and it is the one on the token.
        rows = self.db.query("SELECT encode(serial, 'hex'), state FROM "
                             "certificates WHERE application_id = '%s'"
                             % app["id"])
        self.assertEqual(len(rows), 1, rows)
        self.assertEqual(rows[0][1], "issued")
        rc, out, _ = openssl("x509", "-in", self.token_cert(), "-noout",
                             "-serial")
        self.assertEqual(int(out.decode().strip().split("=")[1], 16),
                         int(rows[0][0], 16))
        # The user saw the portal's origin at each confirmation.
        with open(pinlog) as f:
            shown = f.read()
        self.assertIn("CONFIRM %s asks the token" % self.srv.base, shown)
        with open(os.path.join(self.tmp, "agent.log")) as f:
            self.assertIn("agent: test passed", f.read())


if __name__ == "__main__":
    harness.main()
