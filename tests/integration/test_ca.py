#!/usr/bin/python3
"""The certificate authority end to end over HTTP: ca init, approval ->
kit printed and shipped -> retrieval with a CSR made by the openssl command
line -> a two-year certificate that `openssl verify` accepts against the
served chain; retries, wrong codes and passwords, locked and expired kits,
concurrent retrievals, password reset, "test my certificate", and the CA key
on a SoftHSM token."""
import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading

import harness
from harness import wait_until
from provider import start_provider
import tlsutil
from test_proofing import ADA, ALAN, FAST, person, twin

DAY = 86400
PASSPHRASE = "correct horse battery staple"
SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"


def openssl(*args, data=None):
    r = subprocess.run(["openssl"] + list(args), input=data,
                       capture_output=True, timeout=60)
    return r.returncode, r.stdout, r.stderr


def make_csr(d, name="tok", curve="P-256", rsa=None):
    """A key and a PEM CSR made by the openssl command line: (key, csr)."""
    key = os.path.join(d, name + ".key")
    csr = os.path.join(d, name + ".csr")
    if rsa:
        newkey = ["-newkey", "rsa:%d" % rsa]
    else:
        newkey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:" + curve]
    rc, _, err = openssl("req", "-new", *newkey, "-nodes", "-keyout", key,
                         "-out", csr, "-subj", "/CN=whatever the CSR says")
    assert rc == 0, err
    with open(csr) as f:
        return key, f.read()


class CaCase(harness.TestCase):
    pkcs11 = False
    # The operators every test of the class starts with, (name, roles):
    # copied with the CA (harness.operators_template) rather than added
    # one by one; operator() returns them.
    operators = (("fay", "fulfiller"), ("flo", "fulfiller"))

    def setUp(self):
        super().setUp()
        self.tls = tlsutil.tls_init(self.tmp)
        self.prov = start_provider(self)
        self.env = dict(FAST)
        self.env.update(self.prov.env())
        self.env.update(self.tls["env"])
        self.env["RXCA_CA_DIR"] = os.path.join(self.tmp, "ca")
        if self.pkcs11:
            self.env.update(self.softhsm())
        else:
            pw = os.path.join(self.tmp, "ca-passphrase")
            with open(pw, "w") as f:
                f.write(PASSPHRASE + "\n")
            self.env["RXCA_CA_PASSPHRASE_FILE"] = pw
        self.env.update(getattr(self, "extra_env", {}))
        self.certs = os.path.join(self.tmp, "operators")
        os.mkdir(self.certs)
        if self.pkcs11:
            # The operators copied with the database; the CA made on
            # this test's own token.
            self.db = self.start_db(operators=self.operators,
                                    env=self.tls["env"], out=self.certs)
            r = self.db.admin("ca", "init", env=self.env)
            self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        else:
            # A copy of the CA `ca init` made with these settings in this
            # run (NoCaTest runs ca init itself), with the operators.
            self.db = self.start_ca_db(self.env, self.operators, self.certs)
        self.srv = self.start_server(db=self.db, env=self.env)
        self.tls["port"] = self.srv.tls_port
        self.ful = self.operator("fay", "fulfiller")
        # The second fulfiller of dual control (kit.print).
        self.ful2 = self.operator("flo", "fulfiller")

    def softhsm(self):
        d = os.path.join(self.tmp, "softhsm")
        os.makedirs(os.path.join(d, "tokens"))
        conf = os.path.join(d, "softhsm2.conf")
        with open(conf, "w") as f:
            f.write("directories.tokendir = %s/tokens\n"
                    "objectstore.backend = file\n" % d)
        env = dict(os.environ, SOFTHSM2_CONF=conf)
        r = subprocess.run(["softhsm2-util", "--init-token", "--free",
                            "--label", "rxca-ca", "--pin", "246810",
                            "--so-pin", "13579135"], env=env,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        pin = os.path.join(d, "pin")
        with open(pin, "w") as f:
            f.write("246810\n")
        return {"SOFTHSM2_CONF": conf, "RXCA_PKCS11_MODULE": SOFTHSM,
                "RXCA_PKCS11_TOKEN": "rxca-ca", "RXCA_PKCS11_PIN_FILE": pin}

    def operator(self, name, roles):
        """Operator name with roles: (certificate, key).  One of the
        class's operators, else added now."""
        return self.take_operator(self.db, name, roles, self.certs,
                                  self.tls["env"])

    def ops(self, method, path, body=None, who=None):
        cert, key = who if who else self.ful
        return tlsutil.https(self.tls["port"], method, path, body,
                             cert=cert, key=key, cafile=self.tls["ca"])

    def person(self, who=ADA, **over):
        """person(*who, **over); for Ada a second time in a test, one of
        her twins (test_proofing.twin): a second application of one
        person goes to review, not approval."""
        if who != ADA:
            return person(*who, **over)
        self.adas = getattr(self, "adas", 0) + 1
        return person(*ADA, **over) if self.adas == 1 else \
            twin(self.adas - 2, **over)

    def approved(self, who=ADA, body=None):
        app = self.apply(self.srv, body or self.person(who))
        code = self.code_for(self.srv, app["_email"])
        st, _, js = self.verify(self.srv, app["id"], code)
        self.assertEqual(st, 200, js)

        def status():
            s = self.db.scalar("SELECT status FROM applications WHERE "
                               "id = '%s'" % app["id"])
            return s if s not in ("proofing",) else None
        self.assertEqual(wait_until(status, 30, 0.1, "approval"),
                         "approved")
        app["_kit"] = self.db.scalar("SELECT id FROM kits WHERE "
                                     "application_id = '%s'" % app["id"])
        return app

    def print_kit(self, app):
        st, _, letter = self.dual(self.ops, self.ful, self.ful2, "POST",
                                  "/v1/ops/kits/%s/print" % app["_kit"])
        self.assertEqual(st, 200, letter)
        return letter

    def ship(self, app):
        st, _, js = self.ops("POST", "/v1/ops/kits/%s/shipped" % app["_kit"],
                             {"carrier": "USPS", "tracking": "9400100000"})
        self.assertEqual(st, 200, js)

    def shipped(self, who=ADA, body=None):
        app = self.approved(who, body)
        letter = self.print_kit(app)
        self.ship(app)
        app["_code"] = letter["activation_code"]
        app["_letter"] = letter
        return app

    def retrieve(self, app, csr, code=None, password=None, evidence=True):
        """POST /v1/retrievals with the client-asserted key evidence a
        real client sends (evidence True), none (None), or evidence."""
        body = {"activation_code": code or app["_code"],
                "password": password or app["_password"], "csr": csr}
        if evidence is True:
            body["key_evidence"] = harness.client_asserted()
        elif evidence is not None:
            body["key_evidence"] = evidence
        return self.srv.http("POST", "/v1/retrievals", body)

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def verify_chain(self, js):
        cert = self.write("leaf.pem", js["certificate"])
        issuing = self.write("issuing.pem", js["chain"][0])
        root = self.write("root.pem", js["chain"][1])
        rc, out, err = openssl("verify", "-x509_strict", "-CAfile", root,
                               "-untrusted", issuing, cert)
        self.assertEqual(rc, 0, out + err)
        return cert


class IssuanceTest(CaCase):

    def test_end_to_end(self):
        app = self.shipped()
        letter = app["_letter"]
        self.assertEqual(letter["name"]["family_name"], "Lovelace")
        self.assertEqual(letter["address"]["postal_code"], "46204")
        self.assertRegex(letter["activation_code"],
                         r"^[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}"
                         r"-[0-9A-HJKMNP-TV-Z]$")
        self.assertRegex(letter["initial_token_passcode"], r"^[2-9A-Z]{12}$")
        # Only a hash of the code is kept.
        self.assertEqual(self.db.count(
            "kits", "code_hash IS NOT NULL AND id = '%s'" % app["_kit"]), 1)
        dump = self.db.scalar("SELECT row_to_json(k)::text FROM kits k")
        self.assertNotIn(app["_code"].replace("-", ""), dump)

        d = tempfile.mkdtemp(dir=self.tmp)
        key, csr = make_csr(d)
        st, _, js = self.retrieve(app, csr)
        self.assertEqual(st, 201, js)
        self.assertRegex(js["serial"], r"^[0-9a-f]{32}$")
        cert = self.verify_chain(js)
        rc, text, _ = openssl("x509", "-in", cert, "-noout", "-text")
        text = text.decode()
        self.assertIn("Subject: C = US, O = rxca, CN = Ada Lovelace", text)
        self.assertNotIn("whatever the CSR says", text)
        self.assertIn("email:" + app["_email"], text)
        self.assertIn("X509v3 Key Usage: critical", text)
        self.assertIn("Digital Signature, Non Repudiation", text)
        self.assertIn("CA:FALSE", text)
        self.assertIn("1.3.6.1.4.1.59999.1.2.1", text)
        self.assertIn("OCSP - URI:", text)
        self.assertIn("CA Issuers - URI:", text)
        self.assertIn("/pki/issuing.crl", text)
        # A new CA's issuing key is P-256 (RXCA_CA_KEY's default).
        self.assertIn("ecdsa-with-SHA256", text)
        self.assertNotIn("ecdsa-with-SHA384", text)
        # Two years.
        rc, out, _ = openssl("x509", "-in", cert, "-noout", "-checkend",
                             str(729 * DAY))
        self.assertEqual(rc, 0)
        rc, out, _ = openssl("x509", "-in", cert, "-noout", "-checkend",
                             str(731 * DAY))
        self.assertNotEqual(rc, 0)
        # The application is issued; the certificate is recorded.
        st, _, mine = self.srv.http(
            "GET", "/v1/applications/" + app["id"],
            headers=self.bearer(app["session"]["token"]))
        self.assertEqual(mine["status"], "issued")
        self.assertEqual([e["status"] for e in mine["timeline"]][-3:],
                         ["approved", "kit_shipped", "issued"])
        self.assertEqual(self.db.count(
            "certificates", "state = 'issued' AND encode(serial, 'hex') = "
            "'%s'" % js["serial"]), 1)
        # A retry with the same key returns the same certificate.
        st, _, again = self.retrieve(app, csr)
        self.assertEqual(st, 200, again)
        self.assertEqual(again["serial"], js["serial"])
        self.assertEqual(again["certificate"], js["certificate"])
        # Another key after success is 409.
        _, csr2 = make_csr(d, "other")
        self.assertProblem(self.retrieve(app, csr2), 409)
        self.assertEqual(self.db.count("certificates"), 1)
        # The served CA certificates are the chain's.
        for name, pem in (("issuing", js["chain"][0]),
                          ("root", js["chain"][1])):
            st, h, der = self.srv.http("GET", "/pki/%s.cer" % name)
            self.assertEqual(st, 200)
            self.assertEqual(h["content-type"], "application/pkix-cert")
            rc, out, _ = openssl("x509", "-inform", "DER", "-outform",
                                 "PEM", data=der)
            self.assertEqual(out.decode().strip(), pem.strip())
        # The certificate as the subject sees it; others cannot.
        st, _, c = self.srv.http(
            "GET", "/v1/certificates/" + js["serial"],
            headers=self.bearer(app["session"]["token"]))
        self.assertEqual(st, 200, c)
        self.assertEqual(c["status"], "issued")
        other = self.apply(self.srv, person(*ADA))
        self.assertProblem(self.srv.http(
            "GET", "/v1/certificates/" + js["serial"],
            headers=self.bearer(other["session"]["token"])), 404)
        self.assertEqual(self.db.admin("audit", "verify").returncode, 0)

    def test_rsa_and_p384_keys(self):
        d = tempfile.mkdtemp(dir=self.tmp)
        for kw in ({"rsa": 2048}, {"curve": "P-384"}):
            app = self.shipped()
            _, csr = make_csr(d, "k%d" % len(os.listdir(d)), **kw)
            st, _, js = self.retrieve(app, csr)
            self.assertEqual(st, 201, js)
            self.verify_chain(js)

    def test_bad_csrs_are_refused(self):
        app = self.shipped()
        d = tempfile.mkdtemp(dir=self.tmp)
        _, weak = make_csr(d, "weak", rsa=1024)
        _, good = make_csr(d, "good")
        lines = good.splitlines()
        mid = len(lines) // 2
        broken_sig = good.replace(lines[mid - 1], lines[mid - 1][:-4] +
                                  ("AAAA" if lines[mid - 1][-4:] != "AAAA"
                                   else "BBBB"))
        for csr in (weak, "not a csr", good[:len(good) // 2], broken_sig,
                    good + good, "x" * 70000):
            with self.subTest(csr=csr[:40]):
                st, _, js = self.retrieve(app, csr)
                self.assertIn(st, (400, 413, 422), js)
        self.assertEqual(self.db.count("certificates"), 0)
        # The kit is still good.
        self.assertEqual(self.retrieve(app, good)[0], 201)

    def test_key_is_certified_once(self):
        a = self.shipped()
        b = self.shipped()
        d = tempfile.mkdtemp(dir=self.tmp)
        _, csr = make_csr(d)
        self.assertEqual(self.retrieve(a, csr)[0], 201)
        self.assertProblem(self.retrieve(b, csr), 409)

    def test_concurrent_retrievals_make_one_certificate(self):
        app = self.shipped()
        d = tempfile.mkdtemp(dir=self.tmp)
        _, csr = make_csr(d)
        results = []

        def go():
            st, _, js = self.retrieve(app, csr)
            results.append((st, js.get("serial") if isinstance(js, dict)
                            else None))
        ts = [threading.Thread(target=go) for _ in range(100)]
        [t.start() for t in ts]
        [t.join() for t in ts]
        self.assertEqual(self.db.count("certificates"), 1)
        created = [r for r in results if r[0] == 201]
        self.assertEqual(len(created), 1, results)
        serial = created[0][1]
        for st, s in results:
            self.assertIn(st, (200, 201, 409, 503), results)
            if st in (200, 201):
                self.assertEqual(s, serial)
        # Afterwards every retry gets it.
        self.assertEqual(self.retrieve(app, csr)[1:][1]["serial"], serial)


class KitTest(CaCase):

    def test_not_shipped_yet(self):
        app = self.approved()
        letter = self.print_kit(app)
        d = tempfile.mkdtemp(dir=self.tmp)
        _, csr = make_csr(d)
        self.assertProblem(self.retrieve(app, csr,
                                         letter["activation_code"]), 409)

    def test_wrong_code_and_password(self):
        app = self.shipped()
        d = tempfile.mkdtemp(dir=self.tmp)
        _, csr = make_csr(d)
        # A typo is caught by the check character.
        code = app["_code"]
        typo = code[:3] + ("0" if code[3] != "0" else "1") + code[4:]
        self.assertProblem(self.retrieve(app, csr, typo), 422,
                           "activation_code")
        # Lower case, no hyphens: accepted as the same code.
        loose = code.replace("-", "").lower()
        # A wrong password counts down, then locks the kit.
        for left in (4, 3, 2, 1):
            st, _, js = self.retrieve(app, csr, loose, "wrong password!!")
            self.assertEqual(st, 401, js)
            self.assertEqual(js["attempts_left"], left)
        self.assertProblem(self.retrieve(app, csr, password="wrong pw!!!"),
                           403)
        self.assertProblem(self.retrieve(app, csr), 403)
        self.assertEqual(self.db.scalar("SELECT state FROM kits WHERE id = "
                                        "'%s'" % app["_kit"]), "locked")
        # A reprint (an operator) issues a new code; the old one is dead.
        letter = self.print_kit(app)
        self.ship(app)
        self.assertProblem(self.retrieve(app, csr), 401)
        st, _, js = self.retrieve(app, csr, letter["activation_code"])
        self.assertEqual(st, 201, js)

    def test_expired_kit(self):
        app = self.shipped()
        d = tempfile.mkdtemp(dir=self.tmp)
        _, csr = make_csr(d)
        self.srv.set_clock(91 * DAY)
        self.assertProblem(self.retrieve(app, csr), 410)
        self.assertProblem(self.ops("POST", "/v1/ops/kits/%s/print"
                                    % app["_kit"]), 410)

    def test_fulfiller_routes_need_the_role(self):
        app = self.approved()
        rev = self.operator("rex", "reviewer")
        self.assertProblem(self.ops("POST", "/v1/ops/kits/%s/print"
                                    % app["_kit"], who=rev), 403)
        self.assertProblem(self.srv.http("POST", "/v1/ops/kits/%s/print"
                                         % app["_kit"]), 401)
        st, _, js = self.ops("GET", "/v1/ops/kits?state=created")
        self.assertEqual(st, 200, js)
        self.assertIn(app["_kit"], [k["id"] for k in js["items"]])
        self.assertProblem(self.ops("POST", "/v1/ops/kits/%s/shipped"
                                    % app["_kit"],
                                    {"carrier": "USPS", "tracking": "1"}),
                           409)
        self.print_kit(app)
        for body, field in (({"carrier": "", "tracking": "1"}, "carrier"),
                            ({"carrier": "USPS", "tracking": "a b"},
                             "tracking"),
                            ({"carrier": "USPS"}, "tracking"),
                            ({"carrier": "USPS", "tracking": "1", "x": 1},
                             "x")):
            self.assertProblem(self.ops("POST", "/v1/ops/kits/%s/shipped"
                                        % app["_kit"], body), 422, field)

    def test_bad_kit_state_query(self):
        st, _, _ = self.ops("GET", "/v1/ops/kits?state=bogus")
        self.assertEqual(st, 422)


class ResetTest(CaCase):

    def test_reset_with_answers(self):
        app = self.shipped()
        body = {"activation_code": app["_code"],
                "answers": ["  REX ", "london", "Babbage"],
                "new_password": "a brand new passphrase"}
        st, _, js = self.srv.http("POST", "/v1/password-resets", body)
        self.assertEqual(st, 200, js)
        self.assertProblem(self.login(self.srv, app["_password"],
                                      app_id=app["id"]), 401)
        st, _, js = self.login(self.srv, "a brand new passphrase",
                               app_id=app["id"])
        self.assertEqual(st, 201, js)
        # The old session is gone.
        self.assertProblem(self.srv.http(
            "GET", "/v1/applications/" + app["id"],
            headers=self.bearer(app["session"]["token"])), 401)
        # And the new password retrieves the certificate.
        d = tempfile.mkdtemp(dir=self.tmp)
        _, csr = make_csr(d)
        self.assertEqual(self.retrieve(app, csr, password="a brand new "
                                       "passphrase")[0], 201)

    def test_wrong_answers_wait_not_lock(self):
        app = self.shipped()
        body = {"activation_code": app["_code"],
                "answers": ["Rex", "Paris", "Babbage"],
                "new_password": "a brand new passphrase"}
        for i in range(5):
            body2 = self.assertProblem(self.srv.http(
                "POST", "/v1/password-resets", body), 401)
            self.assertNotIn("attempts_left", body2)
        # This address now waits; nothing is locked for good.
        body["answers"] = ["Rex", "London", "Babbage"]
        resp = self.srv.http("POST", "/v1/password-resets", body)
        self.assertProblem(resp, 429)
        self.assertRetryAfter(resp[1])
        self.assertNotEqual(self.db.scalar(
            "SELECT status FROM applications WHERE id = '%s'" % app["id"]),
            "locked")
        self.srv.set_clock(3)
        st, _, js = self.srv.http("POST", "/v1/password-resets", body)
        self.assertEqual(st, 200, js)
        # An application id alone no longer resets: it needs the
        # e-mailed reset code (and an application with a kit gets none).
        self.assertProblem(self.srv.http("POST", "/v1/password-resets", {
            "application_id": app["id"], "answers": body["answers"],
            "new_password": "another new passphrase"}), 422, "reset_code")

    def test_reset_code_until_the_letter_is_printed(self):
        # Approval makes the kit row at once; until its letter is printed
        # there is no activation code, so the mailed code resets.
        app = self.approved()
        answers = ["Rex", "London", "Babbage"]

        def ask_code():
            st, _, js = self.srv.http("POST", "/v1/password-resets/codes",
                                      {"application_id": app["id"]})
            self.assertEqual(st, 202, js)

        def reset(code, password):
            return self.srv.http("POST", "/v1/password-resets", {
                "application_id": app["id"], "reset_code": code,
                "answers": answers, "new_password": password})

        def codes():
            return self.db.count(
                "account_codes", "application_id = '%s' AND purpose = "
                "'reset'" % app["id"])

        def reset_mail():
            while True:
                msg = self.srv.sink.wait_for(app["_email"])
                if "reset" in msg["Subject"]:
                    return harness.mail_code(msg)
        ask_code()
        st, _, js = reset(reset_mail(), "a brand new passphrase")
        self.assertEqual(st, 200, js)
        # A second code is mailed and kept; then the letter is printed.
        ask_code()
        kept = reset_mail()
        letter = self.print_kit(app)
        # The code mailed before the letter no longer resets ...
        self.assertProblem(reset(kept, "another new passphrase"), 401)
        # ... and no code is mailed now (the job ran and made none) ...
        ask_code()
        job = "SELECT state, attempts, last_error FROM jobs WHERE " \
            "application_id = '%s' AND kind = 'email.reset_code' ORDER " \
            "BY id DESC LIMIT 1" % app["id"]
        wait_until(lambda: self.db.query(job)[0][0] != "queued", 60, 0.1,
                   "the reset-code job")
        self.assertEqual(self.db.query(job)[0][:2], ["done", "1"])
        self.assertEqual(codes(), 2)
        # ... the letter's activation code does.
        st, _, js = self.srv.http("POST", "/v1/password-resets", {
            "activation_code": letter["activation_code"],
            "answers": answers, "new_password": "another new passphrase"})
        self.assertEqual(st, 200, js)
        self.assertEqual(self.login(self.srv, "another new passphrase",
                                    app_id=app["id"])[0], 201)

    def test_bad_reset_bodies(self):
        app = self.shipped()
        for body, field in (
                ({"answers": ["a", "b", "c"], "new_password": "long enough"},
                 "activation_code"),
                ({"application_id": app["id"], "answers": ["a", "b"],
                  "new_password": "long enough"}, "answers"),
                ({"application_id": app["id"], "answers": ["a", "b", "c"],
                  "new_password": "short"}, "new_password"),
                ({"application_id": app["id"], "answers": ["a", "b", "c"],
                  "new_password": "long enough", "extra": 1}, "extra")):
            with self.subTest(field=field):
                self.assertProblem(self.srv.http(
                    "POST", "/v1/password-resets", body), 422, field)
        self.assertEqual(self.db.scalar(
            "SELECT reset_failures FROM applications WHERE id = '%s'"
            % app["id"]), "0")


class ChallengeTest(CaCase):

    def test_sign_the_nonce(self):
        app = self.shipped()
        d = tempfile.mkdtemp(dir=self.tmp)
        key, csr = make_csr(d)
        st, _, js = self.retrieve(app, csr)
        self.assertEqual(st, 201)
        serial = js["serial"]
        hdr = self.bearer(app["session"]["token"])
        st, _, ch = self.srv.http("POST", "/v1/certificates/%s/challenges"
                                  % serial, headers=hdr)
        self.assertEqual(st, 201, ch)
        nonce = base64.b64decode(ch["nonce"])
        path = "/v1/certificates/%s/challenges/%s" % (serial, ch["id"])
        # A signature by another key fails, and counts.
        other, _ = make_csr(d, "other")
        rc, bad, err = openssl("dgst", "-sha256", "-sign", other,
                               data=nonce)
        self.assertEqual(rc, 0, err)
        st, _, js = self.srv.http("POST", path, {
            "signature": base64.b64encode(bad).decode()}, headers=hdr)
        self.assertEqual(st, 422, js)
        self.assertEqual(js["attempts_left"], 2)
        rc, sig, err = openssl("dgst", "-sha256", "-sign", key, data=nonce)
        st, _, js = self.srv.http("POST", path, {
            "signature": base64.b64encode(sig).decode()}, headers=hdr)
        self.assertEqual((st, js.get("valid")), (200, True), js)
        # Answered once.
        self.assertProblem(self.srv.http("POST", path, {
            "signature": base64.b64encode(sig).decode()}, headers=hdr), 410)
        self.assertProblem(self.srv.http("POST", path, {
            "signature": "%%%"}, headers=hdr), 422, "signature")


class NoCaTest(harness.TestCase):

    def test_retrieval_before_ca_init_is_503(self):
        srv = self.start_server()
        d = tempfile.mkdtemp(dir=self.tmp)
        _, csr = make_csr(d)
        st, h, js = srv.http("POST", "/v1/retrievals", {
            "activation_code": "00000-00000-00000-00000-0",
            "password": "whatever it is", "csr": csr})
        self.assertEqual(st, 503, js)
        self.assertIn("retry-after", h)
        self.assertEqual(srv.http("GET", "/pki/root.cer")[0], 404)

    def test_ca_init_twice_is_refused(self):
        db = self.start_db()
        env = {"RXCA_CA_DIR": os.path.join(self.tmp, "ca"),
               "RXCA_CA_PASSPHRASE": PASSPHRASE}
        self.assertEqual(db.admin("ca", "init", env=env).returncode, 0)
        keys = sorted(os.listdir(env["RXCA_CA_DIR"]))
        self.assertEqual(keys, ["issuing.crt", "issuing.key", "ocsp.crt",
                                "ocsp.key", "root.crt", "root.key"])
        with open(os.path.join(env["RXCA_CA_DIR"], "root.key")) as f:
            self.assertIn("ENCRYPTED", f.read())
        r = db.admin("ca", "init", env=env)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("already", r.stderr)
        env["RXCA_CA_PASSPHRASE"] = "short"
        db2 = self.start_db()
        env["RXCA_CA_DIR"] = os.path.join(self.tmp, "ca2")
        self.assertNotEqual(db2.admin("ca", "init", env=env).returncode, 0)


def curve_of(pem):
    rc, out, err = openssl("x509", "-in", pem, "-noout", "-text")
    assert rc == 0, err
    return re.search(r"ASN1 OID: (\S+)", out.decode()).group(1)


class CaKeyTest(harness.TestCase):
    """ca init --key / RXCA_CA_KEY: the issuing CA's and the OCSP
    signer's curve; the root stays P-384."""

    def test_ca_init_key(self):
        d = os.path.join(self.tmp, "ca")
        env = {"RXCA_CA_DIR": d, "RXCA_CA_PASSPHRASE": PASSPHRASE}
        # Refused: another curve, a stray word, a bad setting; nothing made.
        db = self.start_db()
        for args, e in ((("--key", "p521"), env), (("--key",), env),
                        (("--curve", "p256"), env),
                        ((), dict(env, RXCA_CA_KEY="rsa"))):
            r = db.admin("ca", "init", *args, env=e)
            self.assertNotEqual(r.returncode, 0, args)
            self.assertFalse(os.path.exists(d), args)
            self.assertEqual(db.count("ca_certificates"), 0)
        # The default: P-256 under a P-384 root.
        r = db.admin("ca", "init", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(curve_of(os.path.join(d, "root.crt")), "secp384r1")
        self.assertEqual(curve_of(os.path.join(d, "issuing.crt")),
                         "prime256v1")
        self.assertEqual(curve_of(os.path.join(d, "ocsp.crt")), "prime256v1")
        # --key p384 wins over RXCA_CA_KEY=p256.
        d2 = os.path.join(self.tmp, "ca2")
        db2 = self.start_db()
        r = db2.admin("ca", "init", "--key", "p384",
                      env=dict(env, RXCA_CA_DIR=d2, RXCA_CA_KEY="p256"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(curve_of(os.path.join(d2, "issuing.crt")),
                         "secp384r1")
        self.assertEqual(curve_of(os.path.join(d2, "ocsp.crt")), "secp384r1")


class P384IssuanceTest(CaCase):
    """A CA made with RXCA_CA_KEY=p384 issues ecdsa-with-SHA384, its chain
    verifies, and its CRL too."""
    extra_env = {"RXCA_CA_KEY": "p384"}

    def test_issuance_with_a_p384_ca(self):
        app = self.shipped()
        d = tempfile.mkdtemp(dir=self.tmp)
        _, csr = make_csr(d)
        st, _, js = self.retrieve(app, csr)
        self.assertEqual(st, 201, js)
        cert = self.verify_chain(js)
        rc, text, _ = openssl("x509", "-in", cert, "-noout", "-text")
        self.assertIn("ecdsa-with-SHA384", text.decode())


class SoftHsmTest(CaCase):
    pkcs11 = True

    def test_issuance_with_the_key_on_the_token(self):
        self.assertFalse(any(n.endswith(".key") for n in
                             os.listdir(self.env["RXCA_CA_DIR"])))
        refs = self.db.query("SELECT name, key_ref FROM ca_certificates "
                             "ORDER BY name")
        self.assertEqual([r[1] for r in refs],
                         ["pkcs11:rxca-ca/rxca-issuing",
                          "pkcs11:rxca-ca/rxca-ocsp",
                          "pkcs11:rxca-ca/rxca-root"])
        app = self.shipped()
        d = tempfile.mkdtemp(dir=self.tmp)
        _, csr = make_csr(d)
        st, _, js = self.retrieve(app, csr)
        self.assertEqual(st, 201, js)
        self.verify_chain(js)


if __name__ == "__main__":
    harness.main()
