#!/usr/bin/python3
"""The token agent as the browser's bridge (token/tokagent_flow.h), driven
as the portal's /retrieve page drives it, against the real server, on a
throwaway SoftHSM token, with the scripted pinentry
(tests/pinentry_scripted.py) standing in for the user at the agent's
prompt: the whole retrieval (passcode change, key pair, certificate,
test); the refusals (another origin, a POST without its preflight, a
signature the user did not confirm, a cancelled prompt, a passcode sent
by the page); Chrome's private and local network preflights; and an
agent killed after key generation and after issuance, restarted: the
same key, the same certificate, nothing voided."""
import base64
import http.client
import json
import os
import subprocess

import harness
from test_ca import SOFTHSM, openssl
from test_token import NEW_PASSCODE, TokenCase

HERE = os.path.dirname(os.path.abspath(__file__))
PINENTRY = os.path.join(HERE, "..", "pinentry_scripted.py")
PORTAL = "https://portal.rxca.example"


class AgentRetrievalTest(TokenCase):

    def setUp(self):
        super().setUp()
        self.script = os.path.join(self.tmp, "pinentry.script")
        self.pinlog = os.path.join(self.tmp, "pinentry.log")
        self.agent = None

    def start_agent(self, fault=None):
        """The agent for PORTAL with the scripted pinentry, on the port of
        the last one (a restart), or a free one."""
        self.port = getattr(self, "port", None) or harness.free_port()
        log = open(os.path.join(self.tmp, "agent.log"), "ab")
        self.addCleanup(log.close)
        env = dict(self.tenv, RXCA_PINENTRY_SCRIPT=self.script,
                   RXCA_PINENTRY_LOG=self.pinlog)
        if fault:
            env["RXCA_TOKEN_FAULT"] = fault
        proc = harness.popen(
            [self.bin, "agent", "--port", str(self.port), "--origin",
             PORTAL, "--server", self.srv.base, "--pinentry", PINENTRY],
            env=env, stdout=subprocess.PIPE, stderr=log, text=True)

        def stop():
            if proc.poll() is None:
                proc.terminate()
                proc.wait(10)
            proc.stdout.close()
        self.addCleanup(stop)
        line = proc.stdout.readline()
        self.assertIn("listening on http://127.0.0.1:%d" % self.port, line)
        self.agent = proc
        return proc

    def answers(self, *lines):
        """What the user will answer at the next prompts."""
        with open(self.script, "w") as f:
            f.write("".join(x + "\n" for x in lines))

    def left(self):
        with open(self.script) as f:
            return f.read().splitlines()

    def shown(self):
        if not os.path.exists(self.pinlog):
            return ""
        with open(self.pinlog) as f:
            return f.read()

    def call(self, method, path, body=None, origin=PORTAL, preflight=True,
             ctype="application/json", extra=None):
        """As Chromium calls the agent: a POST after its preflight."""
        if method == "POST" and preflight:
            st, h, js = self.call("OPTIONS", path, origin=origin)
            if st != 204:
                return st, h, js
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Host": "127.0.0.1:%d" % self.port}
        if origin:
            headers["Origin"] = origin
        if method == "OPTIONS":
            headers["Access-Control-Request-Method"] = "POST"
            headers["Access-Control-Request-Headers"] = "content-type"
        data = None
        if method == "POST":
            headers["Content-Type"] = ctype
            data = json.dumps(body if body is not None else {}).encode()
        headers.update(extra or {})
        c.request(method, path, data, headers)
        resp = c.getresponse()
        text = resp.read()
        c.close()
        js = json.loads(text) if text else None
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, js

    def status(self):
        st, _, js = self.call("GET", "/v1/status")
        self.assertEqual(st, 200, js)
        return js

    def certificates(self, app):
        return self.db.query(
            "SELECT encode(serial, 'hex'), state FROM certificates "
            "WHERE application_id = '%s'" % app["id"])

    def to_keygen(self):
        """A shipped kit's token provisioned; the agent up; the passcode
        changed through it."""
        app = self.shipped()
        initial = self.provision(app)
        self.start_agent()
        self.answers("pin " + initial, "pin " + NEW_PASSCODE,
                     "pin " + NEW_PASSCODE)
        st, _, js = self.call("POST", "/v1/passcode")
        self.assertEqual(st, 200, js)
        return app

    def test_whole_retrieval(self):
        app = self.shipped()
        initial = self.provision(app)
        self.start_agent()
        js = self.status()
        self.assertEqual((js["token"], js["initial"], js["key"],
                          js["certificate"], js["next"]),
                         ("rxca-token", True, False, None, "passcode"))
        # The passcode from the letter, then a new one twice, typed at the
        # agent's prompt; two that differ change nothing.
        self.answers("pin " + initial, "pin " + NEW_PASSCODE,
                     "pin something else 1")
        st, _, js = self.call("POST", "/v1/passcode")
        self.assertEqual((st, js["field"]), (422, "new_passcode"), js)
        self.assertTrue(self.status()["initial"])
        self.answers("pin " + initial, "pin " + NEW_PASSCODE,
                     "pin " + NEW_PASSCODE)
        st, h, js = self.call("POST", "/v1/passcode")
        self.assertEqual(st, 200, js)
        self.assertEqual(h["access-control-allow-origin"], PORTAL)
        self.assertIn("GETPIN %s asks to change the passcode of token "
                      "\"rxca-token\".  Type the initial passcode from the "
                      "retrieval letter." % PORTAL, self.shown())
        # A kit's token stays one after the change (its step is done).
        js = self.status()
        self.assertEqual((js["next"], js["initial"], js["kit"]),
                         ("keygen", False, True))
        # The key pair; a second call keeps it.
        self.answers("pin " + NEW_PASSCODE)
        st, _, js = self.call("POST", "/v1/keygen")
        self.assertEqual((st, js["key"]), (200, "generated"), js)
        self.answers("pin " + NEW_PASSCODE)
        st, _, js = self.call("POST", "/v1/keygen")
        self.assertEqual((st, js["key"]), (200, "kept"), js)
        self.assertEqual(self.status()["next"], "retrieve")
        # A wrong activation code: the server's refusal, nothing issued.
        self.answers("yes", "pin " + NEW_PASSCODE)
        st, _, js = self.call("POST", "/v1/retrieve", {
            "activation_code": "AAAA-BBBB-CCCC-DDDD",
            "password": app["_password"]})
        self.assertGreaterEqual(st, 400, js)
        self.assertEqual(self.certificates(app), [])
        # The retrieval, confirmed with the origin shown.
        self.answers("yes", "pin " + NEW_PASSCODE)
        st, _, js = self.call("POST", "/v1/retrieve", {
            "activation_code": app["_code"], "password": app["_password"]})
        self.assertEqual(st, 200, js)
        self.assertTrue(js["created"])
        serial = js["serial"]
        self.assertEqual(self.certificates(app), [[serial, "issued"]])
        self.assertIn("CONFIRM %s asks the token \"rxca-token\" to sign the "
                      "request for your certificate, to be sent to %s."
                      % (PORTAL, self.srv.base), self.shown())
        js = self.status()
        self.assertEqual((js["next"], js["certificate"]["serial"]),
                         ("test", serial))
        rc, out, _ = openssl("x509", "-in", self.token_cert(), "-noout",
                             "-serial")
        self.assertEqual(int(out.decode().strip().split("=")[1], 16),
                         int(serial, 16))
        # Test my certificate: the server's challenge signed on the token.
        self.answers("yes", "pin " + NEW_PASSCODE)
        st, _, js = self.call("POST", "/v1/test",
                              {"password": app["_password"]})
        self.assertEqual((st, js["passed"], js["serial"]),
                         (200, True, serial), js)
        # Again: the certificate there is kept, nothing new issued.
        self.answers("yes", "pin " + NEW_PASSCODE)
        st, _, js = self.call("POST", "/v1/retrieve", {
            "activation_code": app["_code"], "password": app["_password"]})
        self.assertEqual((st, js["created"], js["serial"]),
                         (200, False, serial), js)
        self.assertEqual(self.certificates(app), [[serial, "issued"]])
        # The agent's signing service now has the certificate (no
        # restart), with the confirmation at the prompt.
        self.answers("yes", "pin " + NEW_PASSCODE)
        st, _, js = self.call("POST", "/v1/sign", {
            "data": base64.b64encode(b"Rx\n").decode()})
        self.assertEqual(st, 200, js)
        self.assertIn("CONFIRM %s asks the token \"rxca-token\" to sign 3 "
                      "bytes" % PORTAL, self.shown())
        # No secret in the agent's log.
        with open(os.path.join(self.tmp, "agent.log")) as f:
            log = f.read()
        for secret in (NEW_PASSCODE, initial, app["_code"],
                       app["_password"]):
            self.assertNotIn(secret, log)

    def test_refusals(self):
        app = self.to_keygen()
        self.answers("pin " + NEW_PASSCODE)
        st, _, js = self.call("POST", "/v1/keygen")
        self.assertEqual(st, 200, js)
        body = {"activation_code": app["_code"],
                "password": app["_password"]}
        self.answers("yes", "pin " + NEW_PASSCODE)
        # Another origin: refused, no CORS headers, no prompt shown.
        for method in ("OPTIONS", "POST", "GET"):
            st, h, js = self.call(method, "/v1/retrieve" if method != "GET"
                                  else "/v1/status", body,
                                  origin="https://evil.example",
                                  preflight=False)
            self.assertEqual((st, js["type"]), (403, "origin-refused"))
            self.assertNotIn("access-control-allow-origin", h)
        # A POST without a preflight, or one a browser need not preflight.
        st, h, js = self.call("POST", "/v1/retrieve", body, preflight=False)
        self.assertEqual((st, js["type"]), (403, "preflight-required"))
        self.assertEqual(h["access-control-allow-origin"], PORTAL)
        st, _, js = self.call("POST", "/v1/retrieve", body,
                              ctype="text/plain")
        self.assertEqual((st, js["type"]), (403, "preflight-required"))
        # An OPTIONS that is no preflight.
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request("OPTIONS", "/v1/retrieve", None, {
            "Host": "127.0.0.1:%d" % self.port, "Origin": PORTAL})
        r = c.getresponse()
        r.read()
        c.close()
        self.assertEqual(r.status, 400)
        self.assertEqual(self.left(), ["yes", "pin " + NEW_PASSCODE])
        self.assertEqual(self.shown().count("CONFIRM"), 0)
        # Chrome's private network request, and its successor's name.
        st, h, _ = self.call("OPTIONS", "/v1/retrieve", extra={
            "Access-Control-Request-Private-Network": "true"})
        self.assertEqual(st, 204)
        self.assertEqual(h["access-control-allow-private-network"], "true")
        self.assertNotIn("access-control-allow-local-network", h)
        self.assertEqual(h["access-control-max-age"], "0")
        st, h, _ = self.call("OPTIONS", "/v1/retrieve", extra={
            "Access-Control-Request-Local-Network": "true"})
        self.assertEqual(h["access-control-allow-local-network"], "true")
        self.assertNotIn("access-control-allow-private-network", h)
        # A passcode sent by the page: refused, the prompt owns it.
        st, _, js = self.call("POST", "/v1/sign", {
            "data": "eA==", "passcode": NEW_PASSCODE})
        self.assertEqual((st, js["field"]), (422, "passcode"))
        # The user says no: nothing signed, nothing sent to the server,
        # the passcode not even asked.
        self.answers("no", "pin " + NEW_PASSCODE)
        st, _, js = self.call("POST", "/v1/retrieve", body)
        self.assertEqual((st, js["type"]), (403, "signature-refused"), js)
        self.assertEqual(self.left(), ["pin " + NEW_PASSCODE])
        self.assertEqual(self.certificates(app), [])
        # The user closes the passcode window.
        self.answers("yes", "cancel")
        st, _, js = self.call("POST", "/v1/retrieve", body)
        self.assertEqual((st, js["type"]), (403, "pinentry-cancelled"), js)
        self.assertEqual(self.certificates(app), [])
        # A wrong passcode: the token says so, nothing issued.
        self.answers("yes", "pin wrong passcode 1")
        st, _, js = self.call("POST", "/v1/retrieve", body)
        self.assertEqual((st, js["type"]), (401, "wrong-passcode"), js)
        self.assertEqual(self.certificates(app), [])
        # Then yes: issued.
        self.answers("yes", "pin " + NEW_PASSCODE)
        st, _, js = self.call("POST", "/v1/retrieve", body)
        self.assertEqual(st, 200, js)
        self.assertEqual(len(self.certificates(app)), 1)
        # A signature for the page refused at the prompt: none made.
        self.answers("no", "pin " + NEW_PASSCODE)
        st, _, js = self.call("POST", "/v1/sign", {
            "data": base64.b64encode(b"Rx\n").decode()})
        self.assertEqual((st, js["type"]), (403, "signature-refused"), js)
        self.assertEqual(self.left(), ["pin " + NEW_PASSCODE])
        # The test refused at the prompt: the server saw no challenge.
        self.answers("no")
        st, _, js = self.call("POST", "/v1/test",
                              {"password": app["_password"]})
        self.assertEqual((st, js["type"]), (403, "signature-refused"), js)

    def test_resumes_after_keygen_and_after_issuance(self):
        app = self.to_keygen()
        body = {"activation_code": app["_code"],
                "password": app["_password"]}
        # The agent dies right after making the key pair.
        self.agent.terminate()
        self.agent.wait(10)
        self.start_agent(fault="after-keygen")
        self.answers("pin " + NEW_PASSCODE)
        with self.assertRaises((http.client.HTTPException, OSError)):
            self.call("POST", "/v1/keygen")
        self.assertEqual(self.agent.wait(10), -9)
        # Restarted (the page reloaded): the key is there, kept.
        self.start_agent(fault="after-issue")
        js = self.status()
        self.assertEqual((js["key"], js["next"]), (True, "retrieve"))
        self.answers("pin " + NEW_PASSCODE)
        st, _, js = self.call("POST", "/v1/keygen")
        self.assertEqual((st, js["key"]), (200, "kept"), js)
        # It dies after the server issued, before the token stored it.
        self.answers("yes", "pin " + NEW_PASSCODE)
        with self.assertRaises((http.client.HTTPException, OSError)):
            self.call("POST", "/v1/retrieve", body)
        self.assertEqual(self.agent.wait(10), -9)
        issued = self.certificates(app)
        self.assertEqual(len(issued), 1)
        serial = issued[0][0]
        # Restarted: the same certificate, stored; nothing voided.
        self.start_agent()
        self.assertEqual(self.status()["next"], "retrieve")
        self.answers("yes", "pin " + NEW_PASSCODE)
        st, _, js = self.call("POST", "/v1/retrieve", body)
        self.assertEqual((st, js["created"], js["serial"]),
                         (200, False, serial), js)
        self.assertEqual(self.certificates(app), [[serial, "issued"]])
        self.assertEqual(self.status()["certificate"]["serial"], serial)
        self.answers("yes", "pin " + NEW_PASSCODE)
        st, _, js = self.call("POST", "/v1/test",
                              {"password": app["_password"]})
        self.assertEqual((st, js["passed"]), (200, True), js)

    def pairs(self):
        """The labels of the private keys on the token."""
        r = subprocess.run(["pkcs11-tool", "--module", SOFTHSM, "--login",
                            "--pin", NEW_PASSCODE, "--list-objects",
                            "--type", "privkey"], env=self.tenv,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return sorted(line.split(":", 1)[1].strip() for line in
                      r.stdout.splitlines()
                      if line.strip().startswith("label:"))

    def retrieve_with(self, app):
        self.answers("yes", "pin " + NEW_PASSCODE)
        return self.call("POST", "/v1/retrieve", {
            "activation_code": app["_code"], "password": app["_password"]})

    def test_new_application_on_a_token_with_a_certificate(self):
        """The doctor's second application (a new kit's activation code)
        retrieved onto their token, which holds the first's certificate:
        the server certifies a key once, so the agent makes a new pair,
        whose certificate is then the one in use.  Before, the agent
        answered with the certificate already there and the new kit was
        never retrieved."""
        first = self.to_keygen()
        self.answers("pin " + NEW_PASSCODE)
        st, _, js = self.call("POST", "/v1/keygen")
        self.assertEqual(st, 200, js)
        st, _, js = self.retrieve_with(first)
        self.assertEqual(st, 200, js)
        one = js["serial"]
        second = self.shipped()  # Ada's twin: approved, not reviewed
        self.assertEqual(self.status()["next"], "test")
        st, _, js = self.retrieve_with(second)
        self.assertEqual((st, js.get("created")), (200, True), js)
        two = js["serial"]
        self.assertNotEqual(two, one)
        self.assertEqual(self.certificates(second), [[two, "issued"]])
        self.assertEqual(self.certificates(first), [[one, "issued"]])
        js = self.status()
        self.assertEqual((js["next"], js["certificate"]["serial"]),
                         ("test", two))
        self.assertEqual(self.pairs(), ["rxca-signing", "rxca-signing-2"])
        for label, serial in (("rxca-signing", one),
                              ("rxca-signing-2", two)):
            rc, out, _ = openssl("x509", "-in", self.token_cert(label),
                                 "-noout", "-serial")
            self.assertEqual(int(out.decode().strip().split("=")[1], 16),
                             int(serial, 16), label)
        # A rerun of the second: its certificate, no pair more.
        st, _, js = self.retrieve_with(second)
        self.assertEqual((st, js["created"], js["serial"]),
                         (200, False, two), js)
        # The first's code again: its certificate went to another key;
        # refused, and no pair made for it.
        st, _, js = self.retrieve_with(first)
        self.assertEqual(st, 409, js)
        self.assertIn("Already retrieved", js["detail"])
        self.assertEqual(self.pairs(), ["rxca-signing", "rxca-signing-2"])
        self.assertEqual(self.certificates(first), [[one, "issued"]])
        # Test my certificate: the new one signs.
        self.answers("yes", "pin " + NEW_PASSCODE)
        st, _, js = self.call("POST", "/v1/test",
                              {"password": second["_password"]})
        self.assertEqual((st, js["passed"], js["serial"]),
                         (200, True, two), js)


if __name__ == "__main__":
    harness.main()
