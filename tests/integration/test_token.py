#!/usr/bin/python3
"""rxca-token end to end against a running server, each test with its own
throwaway SoftHSM token (its own SOFTHSM2_CONF and token directory):
provisioning with the kit's initial passcode, the passcode change that
every other command waits for, wrong passcodes, retrieval onto the token
(and an interrupted one resumed: same key, same certificate), the
server's challenge signed on the token, `sign` checked by `openssl cms
-verify`, and the localhost agent (origins, Host, body limit, unlock).
Prints the measured figures (retrieval time, signatures per second)."""
import base64
import http.client
import json
import os
import shutil
import subprocess
import tempfile
import time

import harness
from harness import wait_until
from test_ca import CaCase, SOFTHSM, openssl

SO_PIN = "so-pin-1234"
NEW_PASSCODE = "my new passcode 42"
ORIGIN = "https://ehr.example.com"


class TokenCase(CaCase):

    def setUp(self):
        super().setUp()
        d = os.path.join(self.tmp, "applicant-token")
        os.makedirs(os.path.join(d, "tokens"))
        conf = os.path.join(d, "softhsm2.conf")
        with open(conf, "w") as f:
            f.write("directories.tokendir = %s/tokens\n"
                    "objectstore.backend = file\n" % d)
        self.tenv = dict(os.environ, SOFTHSM2_CONF=conf,
                         RXCA_TOKEN_MODULE=SOFTHSM)
        self.tenv.pop("RXCA_TOKEN_FAULT", None)
        self.bin = os.path.join(os.environ["RXCA_BUILD_DIR"], "token",
                                "rxca-token")
        self.addCleanup(shutil.rmtree, d, True)

    def token(self, *args, secrets=(), fault=None, timeout=120):
        """rxca-token args; each "FD" is replaced by a pipe holding the
        secrets, one a line."""
        r, w = os.pipe()
        os.write(w, "".join(s + "\n" for s in secrets).encode())
        os.close(w)
        env = dict(self.tenv)
        if fault:
            env["RXCA_TOKEN_FAULT"] = fault
        argv = [self.bin] + [str(r) if a == "FD" else a for a in args]
        try:
            return subprocess.run(argv, pass_fds=(r,), env=env, text=True,
                                  capture_output=True, timeout=timeout)
        finally:
            os.close(r)

    def provision(self, app):
        initial = app["_letter"]["initial_token_passcode"]
        r = self.token("provision", "--so-pin-fd", "FD", "--passcode-fd",
                       "FD", secrets=(SO_PIN, initial))
        self.assertEqual(r.returncode, 0, r.stderr)
        return initial

    def change_passcode(self, initial):
        r = self.token("passcode", "--passcode-fd", "FD",
                       "--new-passcode-fd", "FD",
                       secrets=(initial, NEW_PASSCODE))
        self.assertEqual(r.returncode, 0, r.stderr)

    def retrieve(self, app, fault=None, passcode=NEW_PASSCODE):
        return self.token("retrieve", "--server", self.srv.base,
                          "--passcode-fd", "FD", "--code-fd", "FD",
                          "--password-fd", "FD", fault=fault,
                          secrets=(passcode, app["_code"],
                                   app["_password"]))

    def ready(self):
        """A kit shipped, its token provisioned, the passcode changed and
        the certificate retrieved."""
        app = self.shipped()
        self.change_passcode(self.provision(app))
        r = self.retrieve(app)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        return app

    def ca_files(self):
        paths = []
        for name in ("root", "issuing"):
            st, _, der = self.srv.http("GET", "/pki/%s.cer" % name)
            self.assertEqual(st, 200)
            rc, pem, _ = openssl("x509", "-inform", "DER", data=der)
            paths.append(self.write(name + ".pem", pem.decode()))
        return paths

    def token_cert(self, label="rxca-signing"):
        """The certificate on the token, read by pkcs11-tool, as PEM."""
        der = os.path.join(self.tmp, "tokcert.der")
        r = subprocess.run(["pkcs11-tool", "--module", SOFTHSM,
                            "--read-object", "--type", "cert", "--label",
                            label, "-o", der], env=self.tenv,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        rc, pem, _ = openssl("x509", "-inform", "DER", "-in", der)
        return self.write("tokcert.pem", pem.decode())

    def cms_verify(self, sig, content):
        root, issuing = self.ca_files()
        return openssl("cms", "-verify", "-binary", "-inform", "DER",
                       "-in", sig, "-content", content, "-CAfile", root,
                       "-certfile", issuing, "-out", "/dev/null")


class TokenTest(TokenCase):

    def test_end_to_end(self):
        app = self.shipped()
        initial = self.provision(app)
        r = self.token("status")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('token "rxca-token"', r.stdout)
        self.assertIn("initial passcode", r.stdout)
        # Until the initial passcode is changed, every command refuses.
        for args in (("retrieve", "--server", self.srv.base),
                     ("test", "--server", self.srv.base),
                     ("sign", os.path.join(self.tmp, "x"))):
            r = self.token(*args, "--passcode-fd", "FD",
                           secrets=(initial, "x", "y"))
            self.assertEqual(r.returncode, 4, r.stderr)
            self.assertIn("must change the token passcode", r.stderr)
        # A wrong current passcode; a new one too short or unchanged.
        r = self.token("passcode", "--passcode-fd", "FD",
                       "--new-passcode-fd", "FD",
                       secrets=("WRONGWRONG22", NEW_PASSCODE))
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("passcode is wrong", r.stderr)
        for new in ("short", initial):
            r = self.token("passcode", "--passcode-fd", "FD",
                           "--new-passcode-fd", "FD",
                           secrets=(initial, new))
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("new_passcode", r.stderr)
        self.change_passcode(initial)
        r = self.token("status")
        self.assertNotIn("initial passcode", r.stdout)
        # The old passcode is gone.
        r = self.retrieve(app, passcode=initial)
        self.assertEqual(r.returncode, 3, r.stderr)
        # Wrong activation code: the server's answer, nothing stored.
        r = self.token("retrieve", "--server", self.srv.base,
                       "--passcode-fd", "FD", "--code-fd", "FD",
                       "--password-fd", "FD",
                       secrets=(NEW_PASSCODE, "00000-00000-00000-00000-0",
                                app["_password"]))
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("The server refused", r.stderr)
        self.assertIn("Key pair generated on the token", r.stdout)
        start = time.monotonic()
        r = self.retrieve(app)
        took = time.monotonic() - start
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        # (the failed attempt above made the key: it is used now)
        self.assertIn("(an earlier retrieval did not finish)", r.stdout)
        print("\nMEASURE whole retrieval (keygen, CSR, issue, verify, "
              "store): %.3f s" % took)
        serial = self.db.scalar("SELECT encode(serial, 'hex') FROM "
                                "certificates")
        self.assertIn("certificate %s is stored on the token" % serial,
                      r.stdout)
        # The certificate on the token verifies and is for the token key.
        cert = self.token_cert()
        root, issuing = self.ca_files()
        rc, out, err = openssl("verify", "-x509_strict", "-CAfile", root,
                               "-untrusted", issuing, cert)
        self.assertEqual(rc, 0, out + err)
        rc, out, _ = openssl("x509", "-in", cert, "-noout", "-serial")
        # (openssl writes whole bytes: a leading zero digit stays)
        self.assertEqual(int(out.decode().strip().split("=")[1], 16),
                         int(serial, 16))
        # The private key is on the token, sensitive, never extractable.
        lo = subprocess.run(["pkcs11-tool", "--module", SOFTHSM, "--login",
                             "--pin", NEW_PASSCODE, "--list-objects",
                             "--type", "privkey"], env=self.tenv,
                            capture_output=True, text=True, timeout=60)
        self.assertIn("never extractable", lo.stdout)
        self.assertIn("sensitive", lo.stdout)
        r = self.token("status")
        self.assertIn("certificate: rxca-signing", r.stdout)
        self.assertIn("certificate: rxca-issuing", r.stdout)
        self.assertIn("key: rxca-signing", r.stdout)
        # Running it again changes nothing.
        r = self.retrieve(app)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("already on the token", r.stdout)
        # info: subject, serial, validity, policies.
        r = self.token("info")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("CN = Ada Lovelace", r.stdout)
        self.assertIn("serial: " + serial, r.stdout)
        self.assertIn("policy: 1.3.6.1.4.1.59999.1.2.1", r.stdout)
        self.assertIn("OCSP", r.stdout)
        # test: the server's challenge signed on the token.
        r = self.token("test", "--server", self.srv.base, "--passcode-fd",
                       "FD", "--password-fd", "FD",
                       secrets=(NEW_PASSCODE, app["_password"]))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Test passed", r.stdout)
        r = self.token("test", "--server", self.srv.base, "--passcode-fd",
                       "FD", "--password-fd", "FD",
                       "--application-id", app["id"],
                       secrets=(NEW_PASSCODE, "not the password"))
        self.assertEqual(r.returncode, 1, r.stderr)
        # sign: openssl cms -verify accepts it, not a changed file.
        rx = self.write("rx.txt", "Rx: oxycodone 5 mg, #20, no refills\n")
        r = self.token("sign", rx, "--passcode-fd", "FD",
                       secrets=(NEW_PASSCODE,))
        self.assertEqual(r.returncode, 0, r.stderr)
        rc, out, err = self.cms_verify(rx + ".p7s", rx)
        self.assertEqual(rc, 0, err)
        self.assertIn(b"Verification successful", err)
        rc, text, _ = openssl("cms", "-cmsout", "-print", "-inform", "DER",
                              "-in", rx + ".p7s")
        self.assertIn(b"signingTime", text)
        self.assertIn(b"Ada Lovelace", text)
        bad = self.write("rx-bad.txt",
                         "Rx: oxycodone 5 mg, #200, no refills\n")
        rc, out, err = self.cms_verify(rx + ".p7s", bad)
        self.assertNotEqual(rc, 0)
        # Wrong passcode for sign.
        r = self.token("sign", rx, "--passcode-fd", "FD",
                       secrets=("not my passcode",))
        self.assertEqual(r.returncode, 3, r.stderr)
        # Throughput of `sign` (a process per signature).
        n = 5
        start = time.monotonic()
        for _ in range(n):
            r = self.token("sign", rx, "--passcode-fd", "FD",
                           secrets=(NEW_PASSCODE,))
            self.assertEqual(r.returncode, 0, r.stderr)
        print("MEASURE rxca-token sign: %.1f signatures/s (one process "
              "each)" % (n / (time.monotonic() - start)))

    def test_interrupted_retrieval_resumes(self):
        app = self.shipped()
        self.change_passcode(self.provision(app))
        # Killed right after the key pair is made: nothing posted yet.
        r = self.retrieve(app, fault="after-keygen")
        self.assertEqual(r.returncode, -9, r.stderr)
        self.assertIn("Key pair generated", r.stdout)
        self.assertEqual(self.db.count("certificates"), 0)
        st = self.token("status").stdout
        self.assertIn("key: rxca-signing", st)
        self.assertNotIn("certificate: rxca-signing", st)
        # Killed after the server issued, before the token stored it.
        r = self.retrieve(app, fault="after-issue")
        self.assertEqual(r.returncode, -9, r.stderr)
        self.assertIn("did not finish", r.stdout)
        self.assertEqual(self.db.count("certificates"), 1)
        serial = self.db.scalar("SELECT encode(serial, 'hex') FROM "
                                "certificates")
        self.assertNotIn("certificate: rxca-signing",
                         self.token("status").stdout)
        # Run again: the same key, the same certificate, nothing voided.
        r = self.retrieve(app)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertIn("did not finish", r.stdout)
        self.assertIn("The same (already issued) certificate %s" % serial,
                      r.stdout)
        self.assertEqual(self.db.count("certificates"), 1)
        self.assertEqual(self.db.scalar(
            "SELECT status FROM applications WHERE id = '%s'" % app["id"]),
            "issued")
        r = self.token("test", "--server", self.srv.base, "--passcode-fd",
                       "FD", "--password-fd", "FD",
                       secrets=(NEW_PASSCODE, app["_password"]))
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_server_down_after_keygen(self):
        app = self.shipped()
        self.change_passcode(self.provision(app))
        dead = "http://127.0.0.1:%d" % harness.free_port()
        r = self.token("retrieve", "--server", dead, "--passcode-fd", "FD",
                       "--code-fd", "FD", "--password-fd", "FD",
                       secrets=(NEW_PASSCODE, app["_code"],
                                app["_password"]))
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("Cannot reach the server", r.stderr)
        self.assertIn("run the same command again", r.stderr)
        r = self.retrieve(app)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertIn("did not finish", r.stdout)

    def test_new_application_on_the_same_token(self):
        # The doctor's token holds the first application's certificate;
        # the second's code gets a new key pair and its own certificate
        # (the agent's walk: test_token_agent).
        first = self.ready()
        one = self.db.scalar("SELECT encode(serial, 'hex') FROM "
                             "certificates WHERE application_id = '%s'"
                             % first["id"])
        second = self.shipped()  # Ada's twin: approved, not reviewed
        r = self.retrieve(second)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertIn("this activation code is a new application's",
                      r.stdout)
        self.assertIn("Key pair generated", r.stdout)
        two = self.db.scalar("SELECT encode(serial, 'hex') FROM "
                             "certificates WHERE application_id = '%s'"
                             % second["id"])
        self.assertNotEqual(one, two)
        self.assertIn("certificate %s is stored on the token" % two,
                      r.stdout)
        st = self.token("status").stdout
        self.assertIn("certificate: rxca-signing-2", st)
        r = self.token("info")
        self.assertIn("serial: " + two, r.stdout)
        # Again: nothing to do.
        r = self.retrieve(second)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertIn("already on the token", r.stdout)


class AgentTest(TokenCase):

    def start_agent(self, *extra):
        log = open(os.path.join(self.tmp, "agent.log"), "wb")
        self.addCleanup(log.close)
        proc = harness.popen(
            [self.bin, "agent", "--port", "0", "--origin", ORIGIN,
             "--origin", "https://other-ehr.example.org", "--body-max",
             "65536"] + list(extra),
            env=self.tenv, stdout=subprocess.PIPE,
            stderr=log, text=True)

        def stop():
            if proc.poll() is None:
                proc.terminate()
                proc.wait(10)
            proc.stdout.close()
        self.addCleanup(stop)
        line = proc.stdout.readline()
        self.assertIn("listening on http://127.0.0.1:", line)
        self.port = int(line.strip().rsplit(":", 1)[1])
        return proc

    def call(self, method, path, body=None, origin=ORIGIN, host=None,
             raw=None, preflight=True):
        """A request to the agent as a browser sends it: a POST after its
        CORS preflight (unless preflight is False), an OPTIONS as one."""
        if method == "POST" and preflight and origin:
            self.call("OPTIONS", path, origin=origin, host=host)
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Host": host or "127.0.0.1:%d" % self.port}
        if origin:
            headers["Origin"] = origin
        if method == "OPTIONS":
            headers["Access-Control-Request-Method"] = "POST"
        data = raw if raw is not None else (
            json.dumps(body).encode() if body is not None else None)
        if data is not None or method == "POST":
            headers["Content-Type"] = "application/json"
        c.request(method, path, data, headers)
        try:
            resp = c.getresponse()
        except http.client.RemoteDisconnected:
            with open(os.path.join(self.tmp, "agent.log")) as f:
                raise AssertionError("agent: " + f.read()[-3000:])
        text = resp.read()
        c.close()
        try:
            js = json.loads(text) if text else None
        except ValueError:
            js = None
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, js

    def test_agent(self):
        self.ready()
        proc = self.start_agent("--unlock-seconds", "60")
        # The certificate, for an allowed origin; CORS headers set.
        st, h, js = self.call("GET", "/v1/certificate")
        self.assertEqual(st, 200, js)
        self.assertEqual(h["access-control-allow-origin"], ORIGIN)
        self.assertIn("BEGIN CERTIFICATE", js["certificate"])
        self.assertEqual(len(js["chain"]), 2)
        # Preflight: allowed origin answered, another refused.
        st, h, _ = self.call("OPTIONS", "/v1/sign")
        self.assertEqual(st, 204)
        self.assertEqual(h["access-control-allow-origin"], ORIGIN)
        self.assertIn("POST", h["access-control-allow-methods"])
        st, h, _ = self.call("OPTIONS", "/v1/sign",
                             origin="https://evil.example")
        self.assertEqual(st, 403)
        self.assertNotIn("access-control-allow-origin", h)
        # Signing, passcode in the request: the CMS verifies.
        rx = b"Rx: hydrocodone 10 mg, #30\n"
        body = {"data": base64.b64encode(rx).decode(),
                "passcode": NEW_PASSCODE}
        st, h, js = self.call("POST", "/v1/sign", body)
        self.assertEqual(st, 200, js)
        self.assertEqual(h["access-control-allow-origin"], ORIGIN)
        sig = os.path.join(self.tmp, "agent.p7s")
        with open(sig, "wb") as f:
            f.write(base64.b64decode(js["signature"]))
        content = os.path.join(self.tmp, "agent-rx.txt")
        with open(content, "wb") as f:
            f.write(rx)
        rc, _, err = self.cms_verify(sig, content)
        self.assertEqual(rc, 0, err)
        # Raw ECDSA over SHA-256 of the data.
        st, _, js = self.call("POST", "/v1/sign", dict(body, format="raw"))
        self.assertEqual(st, 200, js)
        with open(sig, "wb") as f:
            f.write(base64.b64decode(js["signature"]))
        cert = self.token_cert()
        rc, pub, _ = openssl("x509", "-in", cert, "-noout", "-pubkey")
        pubf = self.write("pub.pem", pub.decode())
        rc, out, err = openssl("dgst", "-sha256", "-verify", pubf,
                               "-signature", sig, content)
        self.assertEqual(rc, 0, out + err)
        # Another origin, no origin, a non-loopback Host: refused.
        st, h, js = self.call("POST", "/v1/sign", body,
                              origin="https://evil.example")
        self.assertEqual(st, 403, js)
        self.assertNotIn("access-control-allow-origin", h)
        st, _, js = self.call("POST", "/v1/sign", body, origin=None)
        self.assertEqual(st, 403, js)
        st, _, js = self.call("POST", "/v1/sign", body,
                              host="rebind.evil.example:%d" % self.port)
        self.assertEqual(st, 403, js)
        self.assertEqual(js["type"], "host-refused")
        st, _, js = self.call("GET", "/v1/certificate",
                              host="127.0.0.1:1")
        self.assertEqual(st, 403, js)
        # The other configured origin works; "localhost" is a loopback name.
        st, _, js = self.call("POST", "/v1/sign", body,
                              origin="https://other-ehr.example.org",
                              host="localhost:%d" % self.port)
        self.assertEqual(st, 200, js)
        # Oversize body.
        big = {"data": base64.b64encode(b"x" * 70000).decode(),
               "passcode": NEW_PASSCODE}
        st, _, _ = self.call("POST", "/v1/sign", big)
        self.assertEqual(st, 413)
        # Bad bodies.
        st, _, js = self.call("POST", "/v1/sign", raw=b"{not json")
        self.assertEqual(st, 400, js)
        st, _, js = self.call("POST", "/v1/sign", dict(body, extra=1))
        self.assertEqual(st, 422, js)
        st, _, js = self.call("POST", "/v1/sign", {"data": "%%%",
                                                   "passcode": "x"})
        self.assertEqual(st, 422, js)
        # Wrong passcode; none at all.
        st, _, js = self.call("POST", "/v1/sign",
                              dict(body, passcode="wrong passcode"))
        self.assertEqual(st, 401, js)
        self.assertEqual(js["type"], "wrong-passcode")
        nopass = {"data": body["data"]}
        st, _, js = self.call("POST", "/v1/sign", nopass)
        self.assertEqual((st, js["type"]), (401, "passcode-required"))
        # Unlock: then no passcode needed, until locked again.
        st, _, js = self.call("POST", "/v1/unlock",
                              {"passcode": "wrong passcode"})
        self.assertEqual(st, 401, js)
        st, _, js = self.call("POST", "/v1/unlock",
                              {"passcode": NEW_PASSCODE})
        self.assertEqual(st, 200, js)
        n = 50
        start = time.monotonic()
        for _ in range(n):
            st, _, js = self.call("POST", "/v1/sign", nopass)
            self.assertEqual(st, 200, js)
        rate = n / (time.monotonic() - start)
        print("\nMEASURE agent, unlocked, CMS: %.1f signatures/s" % rate)
        start = time.monotonic()
        for _ in range(10):
            st, _, js = self.call("POST", "/v1/lock")
            st, _, js = self.call("POST", "/v1/sign", body)
            self.assertEqual(st, 200, js)
        print("MEASURE agent, passcode per request, CMS: %.1f "
              "signatures/s" % (10 / (time.monotonic() - start)))
        st, _, js = self.call("POST", "/v1/lock")
        self.assertEqual(st, 200, js)
        st, _, js = self.call("POST", "/v1/sign", nopass)
        self.assertEqual(st, 401, js)
        st, _, js = self.call("GET", "/v1/nothing")
        self.assertEqual(st, 404, js)
        proc.terminate()
        self.assertEqual(proc.wait(10), 0)
        with open(os.path.join(self.tmp, "agent.log")) as f:
            log = f.read()
        self.assertIn('msg="agent: signed" origin=%s' % ORIGIN, log)
        self.assertNotIn(NEW_PASSCODE, log)

    def test_unlock_expires_by_the_clock(self):
        self.ready()
        # The agent reads the test clock as the server does
        # (RXCA_CLOCK_FILE): the window ends when the clock passes it,
        # with no waiting.
        self.tenv["RXCA_CLOCK_FILE"] = self.srv.clock_file
        self.start_agent("--unlock-seconds", "60")
        st, _, js = self.call("POST", "/v1/unlock",
                              {"passcode": NEW_PASSCODE})
        self.assertEqual(st, 200, js)
        nopass = {"data": base64.b64encode(b"x").decode()}
        st, _, js = self.call("POST", "/v1/sign", nopass)
        self.assertEqual(st, 200, js)
        # 50 s later: still unlocked; 61 s later: locked again.
        self.srv.set_clock(50)
        st, _, js = self.call("POST", "/v1/sign", nopass)
        self.assertEqual(st, 200, js)
        self.assertTrue(self.call("GET", "/v1/certificate")[2]["unlocked"])
        self.srv.set_clock(61)
        self.assertFalse(self.call("GET", "/v1/certificate")[2]["unlocked"])
        st, _, js = self.call("POST", "/v1/sign", nopass)
        self.assertEqual(st, 401, js)

    def test_agent_refuses_an_unchanged_passcode(self):
        # The agent starts before the retrieval (the portal's page drives
        # it), but signs nothing while the initial passcode is unchanged.
        app = self.shipped()
        self.provision(app)
        self.start_agent()
        st, _, js = self.call("GET", "/v1/status")
        self.assertEqual(st, 200, js)
        self.assertEqual((js["initial"], js["next"]), (True, "passcode"))
        st, _, js = self.call("POST", "/v1/sign", {
            "data": base64.b64encode(b"x").decode(),
            "passcode": app["_letter"]["initial_token_passcode"]})
        self.assertEqual((st, js["type"]), (403, "passcode-initial"))
        st, _, js = self.call("GET", "/v1/certificate")
        self.assertEqual((st, js["type"]), (403, "passcode-initial"))


if __name__ == "__main__":
    harness.main()
