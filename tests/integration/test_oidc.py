#!/usr/bin/python3
"""Identity proofing through an OpenID provider (docs/oidc.md), end to
end against the reference provider proofing/reference/oidcprovider.py
(real HTTP, its own process): e-mail verified -> POST .../oidc/start ->
the provider's authorization endpoint (login_hint picks a test identity)
-> its redirect to GET /v1/oidc/callback -> approved or review.  Every
scripted fault of the provider is refused and never approves; key
rotation mid-flight; PKCE, state and nonce tampering refused."""
import base64
import hashlib
import http.client
import json
import os
import secrets
import signal
import subprocess
import threading
import time
import urllib.parse

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import \
    decode_dss_signature

import harness
from harness import PYTHON, SOURCE_DIR, clean_env
from test_proofing import dea, npi

PROGRAM = os.path.join(SOURCE_DIR, "proofing", "reference",
                       "oidcprovider.py")
READY = "listening on http://"
CLIENT_ID = "rxca-test"
CLIENT_SECRET = "s3cret-" + secrets.token_hex(8)


class OpenIDProvider:
    """oidcprovider.py on 127.0.0.1, stopped by its PID."""

    def __init__(self, workdir, client_key=None):
        self.workdir = workdir
        self.client_key = client_key  # public key PEM: private_key_jwt
        self.proc = None
        self.port = None
        self.err_path = os.path.join(workdir, "oidcprovider.stderr")

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self, timeout=15):
        self.err = open(self.err_path, "ab")
        auth = ["--client-secret", CLIENT_SECRET] \
            if self.client_key is None else ["--client-key", self.client_key]
        self.proc = harness.popen(
            [PYTHON, PROGRAM, "--listen", "127.0.0.1:0", "--client-id",
             CLIENT_ID] + auth,
            env=clean_env({"PYTHONDONTWRITEBYTECODE": "1"}),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=self.err, cwd=self.workdir)
        got = []
        ready = threading.Event()

        def reader():
            for raw in self.proc.stdout:
                got.append(raw.decode().strip())
                ready.set()
            ready.set()
        threading.Thread(target=reader, daemon=True).start()
        ready.wait(timeout)
        if not got or not got[0].startswith(READY):
            self.stop()
            raise AssertionError("oidcprovider.py did not start")
        self.port = int(got[0].rsplit(":", 1)[1])
        return self

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.err.close()
        self.proc = None

    def request(self, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=20)
        try:
            conn.request(method, path, body=body)
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()

    def control(self, **req):
        st, _, body = self.request("POST", "/control", json.dumps(req))
        assert st == 200, body
        return json.loads(body)

    def state(self):
        return json.loads(self.request("GET", "/control")[2])

    def env(self, **over):
        e = {"RXCA_OIDC_ISSUER": self.url,
             "RXCA_OIDC_CLIENT_ID": CLIENT_ID,
             "RXCA_OIDC_CLIENT_SECRET": CLIENT_SECRET,
             "RXCA_PROVIDER_CONNECT_TIMEOUT_MS": "500",
             "RXCA_PROVIDER_TIMEOUT_MS": "1500",
             "RXCA_JOB_POLL_INTERVAL": "1"}
        e.update(over)
        return e


def ada(n):
    """Ada's n-th application: her name and date of birth (as the
    provider's test identities have them), an NPI and DEA number of its
    own."""
    return harness.application(applicant={
        "npi": npi("6%08d" % n), "dea_number": dea("Lovelace", "6%05d" % n)})


def client_key(workdir, name, mode=0o600, kind="EC"):
    """A new client key pair made by the openssl tool: the private key's
    path (mode), the public key's path."""
    priv = os.path.join(workdir, name + ".key")
    pub = os.path.join(workdir, name + ".pub")
    alg = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"] \
        if kind == "EC" else ["-algorithm", "RSA", "-pkeyopt",
                              "rsa_keygen_bits:2048"]
    subprocess.run(["openssl", "genpkey"] + alg + ["-out", priv],
                   check=True, capture_output=True)
    subprocess.run(["openssl", "pkey", "-in", priv, "-pubout", "-out", pub],
                   check=True, capture_output=True)
    os.chmod(priv, mode)
    return priv, pub


FAULTS = ["bad_signature", "wrong_aud", "wrong_iss", "expired",
          "nonce_mismatch", "alg_none", "hs256", "unknown_kid", "down",
          "slow:2500"]


class OidcCase(harness.TestCase):

    client_key = False  # True: the provider takes private_key_jwt only

    def setUp(self):
        super().setUp()
        d = os.path.join(self.tmp, "op-%s" % secrets.token_hex(3))
        os.mkdir(d)
        pub = None
        if self.client_key:
            self.key_path, pub = client_key(d, "rxca-client")
        self.op = OpenIDProvider(d, pub).start()
        self.addCleanup(self.op.stop)

    def server(self, db=None, **over):
        return self.start_server(db=db, env=self.op.env(**over))

    def verified(self, srv, body=None):
        app = self.apply(srv, body)
        code = self.code_for(srv, app["_email"])
        st, _, js = self.verify(srv, app["id"], code)
        self.assertEqual(st, 200, js)
        self.assertEqual(js["status"], "proofing")
        return app

    def start(self, srv, app, token=None):
        return srv.http("POST", "/v1/applications/%s/oidc/start" % app["id"],
                        headers=self.bearer(token or app["session"]["token"]))

    def authorize(self, url, identity="ada-ial2", tamper=None):
        """The browser at the provider: returns the callback path and
        query the provider redirects to."""
        parts = urllib.parse.urlsplit(url)
        self.assertEqual("%s://%s" % (parts.scheme, parts.netloc),
                         self.op.url)
        q = dict(urllib.parse.parse_qsl(parts.query))
        self.assertEqual(q["code_challenge_method"], "S256")
        self.assertEqual(q["client_id"], CLIENT_ID)
        for k in ("state", "nonce", "code_challenge"):
            self.assertGreaterEqual(len(q[k]), 32)
        if tamper:
            q.update(tamper)
        q["login_hint"] = identity
        st, hdrs, body = self.op.request(
            "GET", parts.path + "?" + urllib.parse.urlencode(q))
        self.assertEqual(st, 302, body)
        loc = urllib.parse.urlsplit(hdrs["Location"])
        self.assertEqual(loc.path, "/v1/oidc/callback")
        return loc.path + "?" + loc.query

    def proof(self, srv, app, identity="ada-ial2", tamper=None):
        st, _, js = self.start(srv, app)
        self.assertEqual(st, 201, js)
        return srv.http("GET", self.authorize(js["authorization_url"],
                                              identity, tamper))

    def checks(self, srv, app):
        return [tuple(r) for r in srv.db.query(
            "SELECT outcome, reasons::text, coalesce(error, '') FROM "
            "identity_checks WHERE application_id = '%s' AND provider = "
            "'oidc' ORDER BY id" % app["id"])]

    def status(self, srv, app):
        return srv.db.scalar("SELECT status FROM applications WHERE id = "
                             "'%s'" % app["id"])


class FlowTest(OidcCase):

    def test_happy_path_ial2_and_userinfo(self):
        srv = self.server()
        app = self.verified(srv, ada(1))
        st, _, js = self.proof(srv, app)
        self.assertEqual(st, 200, js)
        self.assertEqual(js["status"], "approved", js)
        self.assertEqual(js["rule"], "verified")
        self.assertEqual(self.status(srv, app), "approved")
        self.assertEqual(self.checks(srv, app), [("pass", "[]", "")])
        actions = [a for (a,) in srv.db.audits(
            "action", "subject = '%s'" % app["id"])]
        for a in ("identity.oidc_started", "identity.oidc_returned",
                  "identity.oidc_checked"):
            self.assertIn(a, actions)
        # the data-source check stepped aside: no idv/avs rows
        self.assertEqual(srv.db.count(
            "identity_checks", "application_id = '%s' AND provider <> "
            "'oidc'" % app["id"]), 0)
        # the claims only in userinfo: read from there.  (A second
        # application of Ada: approved by the claims, then sent to review
        # as a duplicate, rule 10.)
        second = self.verified(srv, ada(2))
        st, _, js = self.proof(srv, second, "ada-userinfo")
        self.assertEqual(st, 200, js)
        self.assertEqual((js["status"], js["rule"]), ("review", "duplicate"))
        self.assertEqual(self.checks(srv, second), [("pass", "[]", "")])
        # no code, token or secret in the log
        log = srv.stderr()
        self.assertNotIn(CLIENT_SECRET, log)
        self.assertNotIn("code=", log)

    def test_ial1_for_epcs_and_disagreeing_claims_review(self):
        srv = self.server()
        app = self.verified(srv, ada(3))
        st, _, js = self.proof(srv, app, "ada-ial1")
        self.assertEqual(st, 200, js)
        self.assertEqual((js["status"], js["rule"]), ("review", "idv_review"))
        self.assertEqual(self.checks(srv, app),
                         [("review", '["acr_insufficient"]', "")])
        app = self.verified(srv, ada(4))
        st, _, js = self.proof(srv, app, "grace-ial2")
        self.assertEqual(st, 200, js)
        self.assertEqual(js["status"], "review", js)
        (outcome, reasons, _), = self.checks(srv, app)
        self.assertEqual(outcome, "review")
        self.assertEqual(json.loads(reasons), [
            "given_name_mismatch", "family_name_mismatch",
            "birthdate_mismatch", "address_no_match"])
        # the reasons are in the audit record for the reviewer
        [[details]] = srv.db.audits(
            "details", "subject = '%s' AND action = 'identity.oidc_checked'"
            % app["id"])
        self.assertIn("birthdate_mismatch", details)

    def test_every_fault_refused_never_approved(self):
        srv = self.server()
        app = self.verified(srv, ada(5))
        for fault in FAULTS:
            with self.subTest(fault=fault):
                st, _, js = self.start(srv, app)
                self.assertEqual(st, 201, js)
                cb = self.authorize(js["authorization_url"])
                self.op.control(fault=fault)
                try:
                    st, _, js = srv.http("GET", cb)
                finally:
                    self.op.control(fault="none")
                self.assertIn(st, (502, 503), js)
                self.assertIn(js["type"].rsplit("/", 1)[-1],
                              ("oidc-token-invalid", "oidc-provider-error",
                               "provider-unavailable"))
                self.assertEqual(self.status(srv, app), "proofing")
        rows = self.checks(srv, app)
        self.assertEqual(len(rows), len(FAULTS))
        self.assertTrue(all(o == "error" for o, _, _ in rows), rows)
        errors = [e for _, _, e in rows]
        for want in ("bad_signature", "wrong_audience", "wrong_issuer",
                     "expired", "nonce_mismatch", "algorithm_refused",
                     "unknown_kid", "provider-unavailable"):
            self.assertTrue(any(want in e for e in errors), (want, errors))
        # the provider gone altogether
        st, _, js = self.start(srv, app)
        cb = self.authorize(js["authorization_url"])
        port = self.op.port
        self.op.stop()
        st, _, js = srv.http("GET", cb)
        self.assertEqual(st, 503, js)
        self.assertEqual(self.status(srv, app), "proofing")
        self.assertNotEqual(port, None)


def portal(headers):
    """The path and query of a redirect to rxca's own public URL."""
    loc = urllib.parse.urlsplit(headers["location"])
    assert loc.scheme == "http" and loc.netloc.startswith("127.0.0.1:"), loc
    return loc.path + "?" + loc.query


class PortalReturnTest(OidcCase):
    """A sign-in the portal started ({"return_to": "portal"}) ends with
    the browser sent to the portal's status page with the outcome, never
    an identifier or secret in the URL; the API's default stays JSON."""

    def test_portal_return(self):
        srv = self.server(RXCA_OIDC_NAME="Reference ID")
        app = self.verified(srv, ada(17))
        path = "/v1/applications/%s" % app["id"]
        auth = self.bearer(app["session"]["token"])
        st, _, js = srv.http("GET", path, headers=auth)
        self.assertEqual(js["identity_sign_in"], {"provider": "Reference ID"})
        for body, field in (({"return_to": "browser"}, "return_to"),
                            ({"return_to": 1}, "return_to"),
                            ({"other": 1}, "other")):
            self.assertProblem(srv.http("POST", path + "/oidc/start",
                                        body=body, headers=auth), 422, field)
        # the provider refused the sign-in: back to the portal, cancelled
        st, _, js = srv.http("POST", path + "/oidc/start",
                             body={"return_to": "portal"}, headers=auth)
        self.assertEqual(st, 201, js)
        st, hdrs, _ = srv.http("GET", self.authorize(
            js["authorization_url"], "nobody"))
        self.assertEqual((st, portal(hdrs)), (303, "/status?oidc=cancelled"))
        # a bad ID token: failed, the application still in proofing
        st, _, js = srv.http("POST", path + "/oidc/start",
                             body={"return_to": "portal"}, headers=auth)
        cb = self.authorize(js["authorization_url"])
        self.op.control(fault="bad_signature")
        st, hdrs, _ = srv.http("GET", cb)
        self.op.control(fault="none")
        self.assertEqual((st, portal(hdrs)), (303, "/status?oidc=failed"))
        self.assertEqual(self.status(srv, app), "proofing")
        # approved
        st, _, js = srv.http("POST", path + "/oidc/start",
                             body={"return_to": "portal"}, headers=auth)
        st, hdrs, body = srv.http("GET", self.authorize(
            js["authorization_url"]))
        self.assertEqual((st, portal(hdrs)), (303, "/status?oidc=approved"))
        self.assertEqual(hdrs["referrer-policy"], "no-referrer")
        self.assertEqual(self.status(srv, app), "approved")
        st, _, js = srv.http("GET", path, headers=auth)
        self.assertNotIn("identity_sign_in", js)
        # "api" (as no body) answers JSON; a used state is a problem even
        # for a sign-in the portal started
        other = self.verified(srv, ada(18))
        st, _, js = srv.http(
            "POST", "/v1/applications/%s/oidc/start" % other["id"],
            body={"return_to": "api"},
            headers=self.bearer(other["session"]["token"]))
        cb = self.authorize(js["authorization_url"])
        st, _, js = srv.http("GET", cb)
        self.assertEqual((st, js["status"]), (200, "review"), js)
        self.assertProblem(srv.http("GET", cb), 400, "state")
        # the flows keep the nonce's hash only, and no verifier once used
        for n, v in srv.db.query("SELECT length(nonce_sha256), "
                                 "code_verifier FROM oidc_flows WHERE "
                                 "used_at IS NOT NULL"):
            self.assertEqual((int(n), v), (32, ""))


class KeysTest(OidcCase):

    def test_rotation_mid_flight_and_refetch_rate_limited(self):
        srv = self.server()
        first = self.verified(srv, ada(6))
        st, _, js = self.proof(srv, first)
        self.assertEqual(js["status"], "approved", js)
        self.assertEqual(self.op.state()["counts"]["jwks"], 1)
        # tokens under an unknown kid within the interval: refused, and
        # the key set is not fetched for each of them
        second = self.verified(srv, ada(7))
        for _ in range(3):
            st, _, js = self.start(srv, second)
            cb = self.authorize(js["authorization_url"])
            self.op.control(fault="unknown_kid")
            st, _, js = srv.http("GET", cb)
            self.op.control(fault="none")
            self.assertEqual(st, 502, js)
            self.assertIn("unknown_kid", js["detail"])
        self.assertEqual(self.op.state()["counts"]["jwks"], 1)
        # a sign-in under way when the provider rotates its key and drops
        # the old one; past the refetch interval the new key is fetched
        st, _, js = self.start(srv, second)
        cb = self.authorize(js["authorization_url"])
        self.op.control(rotate="drop")
        srv.set_clock(61)
        st, _, js = srv.http("GET", cb)
        self.assertEqual(st, 200, js)
        self.assertEqual((js["status"], js["rule"]), ("review", "duplicate"))
        self.assertEqual(self.checks(srv, second)[-1], ("pass", "[]", ""))
        self.assertEqual(self.op.state()["counts"]["jwks"], 2)


class TamperTest(OidcCase):

    def test_state_pkce_nonce_code_tampering(self):
        srv = self.server()
        app = self.verified(srv, ada(8))
        # an attacker's own PKCE challenge in the authorization request
        st, _, js = self.proof(srv, app, tamper={
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"})
        self.assertEqual(st, 502, js)
        # another nonce
        st, _, js = self.proof(srv, app, tamper={"nonce": "n" * 32})
        self.assertEqual(st, 502, js)
        self.assertIn("nonce_mismatch", js["detail"])
        # another code with the right state
        st, _, js = self.start(srv, app)
        cb = self.authorize(js["authorization_url"])
        q = dict(urllib.parse.parse_qsl(cb.split("?", 1)[1]))
        st, _, js = srv.http("GET", "/v1/oidc/callback?" +
                             urllib.parse.urlencode(dict(
                                 q, code="forged-" + secrets.token_hex(8))))
        self.assertEqual(st, 502, js)
        # the provider refused the sign-in
        st, _, js = self.proof(srv, app, identity="nobody")
        self.assertEqual(st, 422, js)
        self.assertEqual(self.status(srv, app), "proofing")
        self.assertEqual([o for o, _, _ in self.checks(srv, app)],
                         ["error"] * 4)
        # a changed state, no state, an unknown parameter
        st, _, js = self.start(srv, app)
        cb = self.authorize(js["authorization_url"])
        q = dict(urllib.parse.parse_qsl(cb.split("?", 1)[1]))
        bad = dict(q, state=q["state"][:-1] + (
            "A" if q["state"][-1] != "A" else "B"))
        self.assertProblem(srv.http("GET", "/v1/oidc/callback?" +
                                    urllib.parse.urlencode(bad)), 400,
                           "state")
        self.assertProblem(srv.http("GET", "/v1/oidc/callback?code=x"),
                           400, "state")
        self.assertProblem(srv.http("GET", "/v1/oidc/callback?state=a&"
                                    "bogus=1"), 422, "bogus")
        st, _, js = srv.http("GET", cb)
        self.assertEqual(js["status"], "approved", js)
        # the same redirect again: the state is used
        body = self.assertProblem(srv.http("GET", cb), 400, "state")
        self.assertTrue(body["type"].endswith("/oidc-state-invalid"))
        self.assertEqual(self.status(srv, app), "approved")


class AccessTest(OidcCase):

    def test_who_may_start(self):
        srv = self.server(RXCA_OIDC_PRODUCTS="epcs-hardware")
        app = self.verified(srv, ada(9))
        other = self.verified(srv, ada(10))
        st, _, js = srv.http(
            "POST", "/v1/applications/%s/oidc/start" % app["id"])
        self.assertEqual(st, 401, js)
        st, _, js = self.start(srv, app, token=other["session"]["token"])
        self.assertEqual(st, 404, js)
        # before the e-mail is verified
        fresh = self.apply(srv, ada(11))
        st, _, js = self.start(srv, fresh)
        self.assertEqual(st, 409, js)
        self.assertTrue(js["type"].endswith("/invalid-transition"))
        # a product not in RXCA_OIDC_PRODUCTS keeps the data sources
        sw = self.verified(srv, harness.deep_merge(ada(12), {
            "product": "identity-software", "storage": "software"}))
        st, _, js = self.start(srv, sw)
        self.assertEqual(st, 409, js)
        self.assertTrue(js["type"].endswith("/oidc-not-offered"))
        self.assertEqual(srv.db.count("oidc_flows"), 0)

    def test_sandbox_application_refused(self):
        """A sandbox application is proofed by the reference providers
        only: a sign-in is refused even while it is in proofing, and no
        flow is recorded."""
        srv = self.server(RXCA_OIDC_PRODUCTS="epcs-hardware")
        r = srv.db.admin("partner", "add", "Acme EHR", "acme")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = srv.db.admin("partner", "sandbox", r.stdout.strip())
        self.assertEqual(r.returncode, 0, r.stderr)
        r = srv.db.admin("partner", "key", r.stdout.split()[0])
        self.assertEqual(r.returncode, 0, r.stderr)
        st, _, js = srv.http("PUT", "/v1/partner/program", {"open": True},
                             headers=self.bearer(r.stdout.strip()))
        self.assertEqual(st, 200, js)
        app = self.verified(srv, harness.deep_merge(
            ada(14), {"program": "acme-sandbox"}))
        # Whatever its reference check decided meanwhile, in proofing.
        srv.db.query("UPDATE applications SET status = 'proofing' WHERE "
                     "id = '%s'" % app["id"])
        st, _, js = self.start(srv, app)
        self.assertEqual(st, 409, js)
        self.assertTrue(js["type"].endswith("/oidc-not-offered"), js)
        self.assertIn("sandbox", js["detail"])
        self.assertEqual(srv.db.count("oidc_flows"), 0)

    def test_not_configured(self):
        srv = self.start_server()
        app = self.verified(srv, ada(13))
        st, _, js = self.start(srv, app)
        self.assertEqual(st, 409, js)
        st, _, js = srv.http("GET", "/v1/oidc/callback?state=abc&code=x")
        self.assertEqual(st, 409, js)


class ClientKeyTest(OidcCase):
    """private_key_jwt: rxca signs a short-lived client assertion with a
    fresh jti for each code it redeems; the provider refuses another key,
    an expired assertion and a replayed jti."""

    client_key = True

    def assertion(self, claims, key_path=None, alg="ES256", kid="k"):
        """A client assertion signed here (python3-cryptography)."""
        with open(key_path or self.key_path, "rb") as f:
            key = serialization.load_pem_private_key(f.read(), None)

        def seg(o):
            return b64u(json.dumps(o).encode())
        si = seg({"alg": alg, "kid": kid}) + "." + seg(claims)
        r, s_ = decode_dss_signature(key.sign(si.encode(),
                                              ec.ECDSA(hashes.SHA256())))
        return si + "." + b64u(r.to_bytes(32, "big") +
                               s_.to_bytes(32, "big"))

    def token(self, assertion):
        form = urllib.parse.urlencode({
            "grant_type": "authorization_code", "code": "no-such-code",
            "redirect_uri": "http://127.0.0.1/cb", "client_id": CLIENT_ID,
            "client_assertion_type":
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion})
        st, _, body = self.op.request("POST", "/token", form)
        return st, json.loads(body)

    def test_private_key_jwt(self):
        srv = self.server(RXCA_OIDC_CLIENT_SECRET="",
                          RXCA_OIDC_CLIENT_KEY=self.key_path)
        app = self.verified(srv, ada(14))
        st, _, js = self.proof(srv, app)
        self.assertEqual(st, 200, js)
        self.assertEqual(js["status"], "approved", js)
        got = self.op.state()["last_assertion"]
        c = got["claims"]
        self.assertEqual((c["iss"], c["sub"], c["aud"]),
                         (CLIENT_ID, CLIENT_ID, self.op.url + "/token"))
        self.assertEqual(c["exp"] - c["iat"], 60)
        self.assertLessEqual(abs(c["iat"] - time.time()), 30)
        self.assertGreaterEqual(len(c["jti"]), 32)
        # the key id is the key's RFC 7638 thumbprint
        with open(self.key_path, "rb") as f:
            n = serialization.load_pem_private_key(
                f.read(), None).public_key().public_numbers()
        jwk = '{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}' % (
            b64u(n.x.to_bytes(32, "big")), b64u(n.y.to_bytes(32, "big")))
        want = b64u(hashlib.sha256(jwk.encode()).digest())
        self.assertEqual(got["header"], {"alg": "ES256", "kid": want,
                                         "typ": "JWT"})
        # the next redemption: a jti of its own (a reused one is refused)
        second = self.verified(srv, ada(15))
        st, _, js = self.proof(srv, second)
        self.assertEqual(st, 200, js)
        self.assertNotEqual(self.op.state()["last_assertion"]["claims"]
                            ["jti"], c["jti"])
        self.assertEqual(self.op.state()["refusals"], {})
        # rxca's clock an hour behind: its assertion has expired for the
        # provider, which refuses it; the application is not decided
        third = self.verified(srv, ada(16))
        st, _, js = self.start(srv, third)
        cb = self.authorize(js["authorization_url"])
        srv.set_clock(-3600)
        st, _, js = srv.http("GET", cb)
        srv.set_clock(0)
        self.assertEqual(st, 502, js)
        self.assertEqual(self.op.state()["refusals"], {"expired": 1})
        self.assertEqual(self.status(srv, third), "proofing")
        # another key registered at the provider: rxca's is refused
        d = os.path.dirname(self.key_path)
        other, other_pub = client_key(d, "other")
        with open(self.key_path.replace(".key", ".pub")) as f:
            mine = f.read()
        with open(other_pub) as f:
            self.op.control(client_key=f.read())
        st, _, js = self.start(srv, third)
        st, _, js = srv.http("GET", self.authorize(js["authorization_url"]))
        self.assertEqual(st, 502, js)
        self.assertEqual(self.op.state()["refusals"].get("signature"), 1)
        self.assertEqual(self.status(srv, third), "proofing")
        self.assertEqual([o for o, _, _ in self.checks(srv, third)],
                         ["error", "error"])
        self.op.control(client_key=mine)
        st, _, js = self.proof(srv, third)
        self.assertEqual(st, 200, js)
        self.assertEqual(js["status"], "review", js)  # Ada's third
        log = srv.stderr()
        self.assertNotIn("client_assertion=", log)

    def test_provider_refuses_bad_assertions(self):
        now = int(time.time())
        good = {"iss": CLIENT_ID, "sub": CLIENT_ID,
                "aud": self.op.url + "/token", "iat": now, "exp": now + 60}
        # a good one is taken (the code is then refused), once
        a = self.assertion(dict(good, jti="j-1"))
        self.assertEqual(self.token(a), (400, {
            "error": "invalid_grant", "error_description":
            "unknown, used or expired code, or another redirect_uri"}))
        st, js = self.token(a)
        self.assertEqual((st, js["error"]), (401, "invalid_client"))
        other, _ = client_key(os.path.dirname(self.key_path), "wrong")
        cases = [
            ("replayed", a),
            ("expired", self.assertion(dict(good, jti="j-2", iat=now - 120,
                                            exp=now - 60))),
            ("lifetime", self.assertion(dict(good, jti="j-3",
                                             exp=now + 3600))),
            ("signature", self.assertion(dict(good, jti="j-4"), other)),
            ("signature", self.assertion(dict(good, jti="j-5"),
                                         alg="HS256")),
            ("audience", self.assertion(dict(good, jti="j-6",
                                             aud="https://else"))),
            ("issuer", self.assertion(dict(good, jti="j-7", iss="x"))),
            ("jti", self.assertion(good)),
            ("malformed", "a.b"),
        ]
        for why, assertion in cases:
            with self.subTest(why=why):
                st, js = self.token(assertion)
                self.assertEqual((st, js["error"]), (401, "invalid_client"))
        self.assertEqual(self.op.state()["refusals"], {
            "replayed": 2, "expired": 1, "lifetime": 1, "signature": 2,
            "audience": 1, "issuer": 1, "jti": 1, "malformed": 1})


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class ConfigTest(harness.TestCase):
    """Bad OpenID settings stop rxca-server with a line naming them."""

    def test_bad_settings_stop_start_up(self):
        good = {"RXCA_OIDC_ISSUER": "https://op.example",
                "RXCA_OIDC_CLIENT_ID": "rxca",
                "RXCA_OIDC_CLIENT_SECRET": "s"}
        cases = [
            ("RXCA_OIDC_ISSUER", {"RXCA_OIDC_ISSUER": "ftp://op"}),
            ("RXCA_OIDC_CLIENT_ID", {"RXCA_OIDC_CLIENT_ID": ""}),
            ("RXCA_OIDC_CLIENT_SECRET", {"RXCA_OIDC_CLIENT_SECRET": ""}),
            ("RXCA_OIDC_CLAIMS", {"RXCA_OIDC_CLAIMS": "name=x"}),
            ("RXCA_OIDC_CLAIMS", {"RXCA_OIDC_CLAIMS": "given_name="}),
            ("RXCA_OIDC_CLAIMS", {"RXCA_OIDC_CLAIMS": "given_name=a,"}),
            ("RXCA_OIDC_CLAIMS", {"RXCA_OIDC_CLAIMS": "birthdate=d-o-b"}),
            ("RXCA_OIDC_FLOW_SECONDS", {"RXCA_OIDC_FLOW_SECONDS": "10"}),
            ("RXCA_OIDC_VERIFIED_ONLY", {"RXCA_OIDC_VERIFIED_ONLY": "2"}),
            ("RXCA_OIDC_JWKS_MIN_INTERVAL",
             {"RXCA_OIDC_JWKS_MIN_INTERVAL": "-1"}),
        ]
        # the client key: others may read it, none, not a key, another
        # curve, and a secret beside it
        readable, _ = client_key(self.tmp, "readable", mode=0o640)
        p384 = os.path.join(self.tmp, "p384.key")
        subprocess.run(["openssl", "genpkey", "-algorithm", "EC",
                        "-pkeyopt", "ec_paramgen_curve:P-384", "-out",
                        p384], check=True, capture_output=True)
        os.chmod(p384, 0o600)
        text = os.path.join(self.tmp, "text.key")
        with open(text, "w") as f:
            f.write("not a key\n")
        os.chmod(text, 0o600)
        good_key, _ = client_key(self.tmp, "good")
        no_secret = {"RXCA_OIDC_CLIENT_SECRET": ""}
        for path in (readable, p384, text, self.tmp + "/none.key"):
            cases.append(("RXCA_OIDC_CLIENT_KEY",
                          dict(no_secret, RXCA_OIDC_CLIENT_KEY=path)))
        cases.append(("RXCA_OIDC_CLIENT_SECRET",
                      {"RXCA_OIDC_CLIENT_KEY": good_key}))
        for var, over in cases:
            with self.subTest(var=var, over=over):
                e = dict(harness.TEST_SETTINGS)
                e["RXCA_LISTEN"] = "127.0.0.1:%d" % harness.free_port()
                e["RXCA_DATABASE_URL"] = "host=/nonexistent dbname=none"
                e.update(good)
                e.update(over)
                r = subprocess.run(
                    [harness.binary("rxca-server")], env=clean_env(e),
                    cwd=self.tmp, stdin=subprocess.DEVNULL,
                    capture_output=True, text=True, timeout=30)
                self.assertNotEqual(r.returncode, 0, r.stderr)
                self.assertTrue(any(l.startswith(var + ":")
                                    for l in r.stderr.splitlines()),
                                r.stderr)

if __name__ == "__main__":
    harness.main()
