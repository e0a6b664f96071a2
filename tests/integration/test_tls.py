#!/usr/bin/python3
"""HTTPS: the listener (versions, hostile clients, deadlines, a connection
cap of its own), the development PKI of `rxca-admin tls init`, and
operators registered with `rxca-admin operator`."""
import http.client
import json
import os
import socket
import ssl
import stat
import subprocess
import time

import harness
import tlsutil

TIMEOUT = 2  # RXCA_REQUEST_TIMEOUT of these servers (harness.TEST_SETTINGS)


def read_until_closed(sock, limit):
    """Reads and drops bytes until the peer closes (True) or limit seconds
    pass (False)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            if not sock.recv(65536):
                return True
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


class HttpsTest(harness.TestCase):
    """One server for the class (harness.ClassFixtures): each test makes
    its own connections, and looks in the server's log for what its own
    made (logged()).  The HTTPS port is the server's (it may move to
    another when the one chosen was taken)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        fx = harness.ClassFixtures(cls)
        cls.tls = tlsutil.tls_init(fx.tmp)
        cls.srv = fx.start_server(env=cls.tls["env"])
        cls.port = cls.srv.tls_port

    def setUp(self):
        super().setUp()
        self.log_at = len(self.srv.stderr())

    def logged(self):
        """What the server logged since this test began."""
        return self.srv.stderr()[self.log_at:]

    def get(self, path, **kw):
        return tlsutil.https(self.port, "GET", path, cafile=self.tls["ca"],
                             **kw)

    def test_announced(self):
        self.assertIn("rxca-server listening on https://127.0.0.1:%d"
                      % self.port, self.srv.stdout_lines)

    def test_public_routes(self):
        st, h, body = self.get("/healthz")
        self.assertEqual((st, body), (200, {"status": "ok"}))
        self.assertRegex(h.get("x-request-id", ""), r"^r_[0-9a-f]{16}$")
        st, h, body = self.get("/v1/products")
        self.assertEqual(st, 200, body)
        self.assertIn("epcs-hardware",
                      [p["code"] for p in body["products"]])
        st, _, body = self.get("/nope")
        self.assertEqual(st, 404, body)
        # the same over plain HTTP, still served on RXCA_LISTEN
        st, _, body = self.srv.http("GET", "/healthz")
        self.assertEqual((st, body), (200, {"status": "ok"}))

    def test_keep_alive(self):
        ctx = tlsutil.client_context(self.tls["ca"])
        conn = http.client.HTTPSConnection(
            "127.0.0.1", self.port, timeout=10, context=ctx)
        try:
            for _ in range(3):
                conn.request("GET", "/healthz")
                r = conn.getresponse()
                self.assertEqual(r.status, 200)
                r.read()
        finally:
            conn.close()

    def test_versions(self):
        ca = self.tls["ca"]
        for version, name in ((ssl.TLSVersion.TLSv1_2, "TLSv1.2"),
                              (ssl.TLSVersion.TLSv1_3, "TLSv1.3")):
            with self.subTest(version=name):
                ctx = tlsutil.client_context(ca, minimum=version,
                                             maximum=version)
                with tlsutil.connect(self.port, ctx) as s:
                    self.assertEqual(s.version(), name)
                st, _, _ = tlsutil.https(self.port, "GET", "/healthz",
                                         context=ctx)
                self.assertEqual(st, 200)
        for version in ("TLSv1", "TLSv1_1"):
            version = getattr(ssl.TLSVersion, version)
            with self.subTest(version=version.name):
                ctx = tlsutil.client_context(ca, minimum=version,
                                             maximum=version)
                with self.assertRaises(ssl.SSLError) as cm:
                    tlsutil.connect(self.port, ctx).close()
                # the server said no (an alert), not our own client
                self.assertNotIn("NO_PROTOCOLS_AVAILABLE", str(cm.exception))
        wait = harness.wait_until(
            lambda: "unsupported protocol" in self.logged(), 5,
            what="the refusal in the server's log")
        self.assertTrue(wait)
        self.assertEqual(self.get("/healthz")[0], 200)

    def test_untrusted_server_name(self):
        # the certificate names localhost and 127.0.0.1, nothing else
        ctx = tlsutil.client_context(self.tls["ca"])
        raw = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        with self.assertRaises(ssl.SSLCertVerificationError):
            ctx.wrap_socket(raw, server_hostname="rxca.example.org")
        raw.close()
        st, _, _ = tlsutil.https(self.port, "GET", "/healthz",
                                 cafile=self.tls["ca"], host="localhost")
        self.assertEqual(st, 200)

    def test_plain_http_to_tls_port(self):
        status, data = harness.raw_exchange(
            self.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 10)
        self.assertIsNone(status, data)
        self.assertNotIn(b"HTTP/1.1", data)
        # garbage, and a half ClientHello then a close
        harness.raw_exchange(self.port, os.urandom(4096), 10)
        harness.raw_exchange(self.port, b"\x16\x03\x01\x02\x00\x01", 1)
        self.assertEqual(self.get("/healthz")[0], 200)
        self.assertEqual(self.srv.http("GET", "/healthz")[0], 200)

    def test_silent_client_is_cut_off(self):
        t0 = time.monotonic()
        with socket.create_connection(("127.0.0.1", self.port)) as s:
            self.assertTrue(read_until_closed(s, TIMEOUT + 5),
                            "a client that never sent a ClientHello is "
                            "still connected")
        took = time.monotonic() - t0
        self.assertGreater(took, TIMEOUT - 0.5)
        self.assertLess(took, TIMEOUT + 2)
        self.assertEqual(self.get("/healthz")[0], 200)

    def test_stalled_handshake_is_cut_off(self):
        # A ClientHello, then silence where the client's Finished belongs.
        ctx = tlsutil.client_context(self.tls["ca"])
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = ctx.wrap_bio(incoming, outgoing, server_hostname="127.0.0.1")
        with self.assertRaises(ssl.SSLWantReadError):
            obj.do_handshake()
        hello = outgoing.read()
        self.assertGreater(len(hello), 0)
        t0 = time.monotonic()
        with socket.create_connection(("127.0.0.1", self.port)) as s:
            s.sendall(hello)
            self.assertTrue(read_until_closed(s, TIMEOUT + 5),
                            "a client that stalled mid-handshake is still "
                            "connected")
        took = time.monotonic() - t0
        self.assertGreater(took, TIMEOUT - 0.5)
        self.assertLess(took, TIMEOUT + 2)
        self.assertIn("TLS handshake deadline passed", self.logged())
        self.assertEqual(self.get("/healthz")[0], 200)

    def test_client_certificate_handshake(self):
        # An operator's certificate is accepted at the TLS layer (whether
        # the operator may do anything is the application's to say), and
        # so is a certificate of another CA: public routes stay public.
        ops = os.path.join(self.tmp, "ops")
        r = self.srv.db.admin("operator", "add", "tlsop", "auditor",
                              "--out", ops, env=self.tls["env"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        st, _, body = self.get("/healthz",
                               cert=os.path.join(ops, "tlsop.crt"),
                               key=os.path.join(ops, "tlsop.key"))
        self.assertEqual((st, body), (200, {"status": "ok"}))
        other = make_foreign_cert(self.tmp, "stranger")
        st, _, _ = self.get("/healthz", cert=other[0], key=other[1])
        self.assertEqual(st, 200)


def make_foreign_cert(workdir, cn):
    """A self-signed P-256 certificate, from no CA rxca knows."""
    crt = os.path.join(workdir, cn + ".crt")
    key = os.path.join(workdir, cn + ".key")
    tlsutil.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                    "-out", crt, "-subj", "/CN=%s/O=rxca operators" % cn,
                    "-days", "30", "-addext", "extendedKeyUsage=clientAuth")
    return crt, key


class CapTest(harness.TestCase):

    def test_each_listener_has_its_own_cap(self):
        tls = tlsutil.tls_init(self.tmp)
        env = dict(tls["env"])
        env["RXCA_MAX_CONNECTIONS"] = "2"
        env["RXCA_REQUEST_TIMEOUT"] = "30"
        srv = self.start_server(env=env)
        ctx = tlsutil.client_context(tls["ca"])
        # The public listener full: HTTPS (the operators') still served.
        plain = [socket.create_connection(("127.0.0.1", srv.port))
                 for _ in range(2)]
        try:
            status, data = srv.raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                                   b"Connection: close\r\n\r\n")
            self.assertEqual(status, 503, data)
            self.assertEqual(tlsutil.https(tls["port"], "GET", "/healthz",
                                           context=ctx)[0], 200)
        finally:
            for s in plain:
                s.close()
        # The HTTPS listener full: a third TLS client is turned away, plain
        # HTTP is served.
        harness.wait_until(lambda: srv.http("GET", "/healthz")[0] == 200,
                           10, 0.1, "the plain connections to be released")
        held = [tlsutil.connect(tls["port"], ctx) for _ in range(2)]
        try:
            with self.assertRaises((ssl.SSLError, OSError)):
                tlsutil.connect(tls["port"], ctx, timeout=5).close()
            self.assertEqual(srv.http("GET", "/healthz")[0], 200)
        finally:
            for s in held:
                s.close()
        harness.wait_until(lambda: tlsutil.https(
            tls["port"], "GET", "/healthz", context=ctx)[0] == 200,
            10, 0.1, "the TLS connections to be released")


class StartupTest(harness.TestCase):

    def run_server(self, env):
        db = self.start_db()
        e = dict(harness.TEST_SETTINGS)
        e.update({"RXCA_DATABASE_URL": db.url,
                  "RXCA_LISTEN": "127.0.0.1:%d" % harness.free_port(),
                  "RXCA_MAIL_DIR": os.path.join(self.tmp, "mail")})
        e.update(env)
        return subprocess.run([harness.binary("rxca-server")],
                              env=harness.clean_env(e),
                              stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=30)

    def test_missing_certificate_file(self):
        tls = tlsutil.tls_init(self.tmp)
        env = dict(tls["env"])
        env["RXCA_TLS_CERT"] = os.path.join(self.tmp, "no-such.crt")
        r = self.run_server(env)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertRegex(r.stderr, r"(?m)^RXCA_TLS_CERT: .*no-such\.crt")
        self.assertNotIn("listening on", r.stdout)
        for mark in harness.SANITIZER_MARKS:
            self.assertNotIn(mark, r.stderr)

    def test_key_of_another_certificate(self):
        tls = tlsutil.tls_init(self.tmp)
        env = dict(tls["env"])
        env["RXCA_TLS_KEY"] = tls["ca_key"]
        r = self.run_server(env)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertRegex(r.stderr, r"(?m)^RXCA_TLS_KEY: .*does not match")

    def test_operator_ca_that_is_no_certificate(self):
        tls = tlsutil.tls_init(self.tmp)
        env = dict(tls["env"])
        env["RXCA_OPERATOR_CA"] = tls["key"]
        r = self.run_server(env)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertRegex(r.stderr, r"(?m)^RXCA_OPERATOR_CA: ")


class TlsInitTest(harness.TestCase):

    def snapshot(self, d):
        out = {}
        for n in sorted(os.listdir(d)):
            p = os.path.join(d, n)
            st = os.stat(p)
            with open(p, "rb") as f:
                out[n] = (st.st_mtime_ns, stat.S_IMODE(st.st_mode),
                          f.read())
        return out

    def test_files_and_idempotence(self):
        tls = tlsutil.tls_init(self.tmp, once=False)
        d = tls["dir"]
        self.assertEqual(stat.S_IMODE(os.stat(d).st_mode), 0o700)
        first = self.snapshot(d)
        self.assertEqual(sorted(first), ["operators-ca.crt",
                                         "operators-ca.key", "server.crt",
                                         "server.key"])
        self.assertEqual(first["operators-ca.key"][1], 0o600)
        self.assertEqual(first["server.key"][1], 0o600)
        for k in ("RXCA_TLS_CERT", "RXCA_TLS_KEY", "RXCA_OPERATOR_CA",
                  "RXCA_OPERATOR_CA_KEY"):
            self.assertTrue(os.path.isabs(tls["env"][k]))
        # the CA is a CA; the server certificate chains to it, for
        # serverAuth, with the default names
        text = tlsutil.openssl("x509", "-in", tls["ca"], "-noout", "-text")
        self.assertRegex(text, r"CA:TRUE")
        self.assertRegex(text, r"Certificate Sign, CRL Sign")
        tlsutil.openssl("verify", "-CAfile", tls["ca"], "-purpose",
                        "sslserver", tls["cert"])
        text = tlsutil.openssl("x509", "-in", tls["cert"], "-noout",
                               "-ext", "subjectAltName")
        self.assertIn("DNS:localhost", text)
        self.assertIn("IP Address:127.0.0.1", text)
        # Files dated an hour back: one written again would show a new
        # mtime, without waiting for the clock to tick.
        for n in first:
            p = os.path.join(d, n)
            st = os.stat(p)
            os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns - 3600 * 10**9))
        first = self.snapshot(d)
        again = tlsutil.tls_init(self.tmp)
        self.assertEqual(again["stdout"], tls["stdout"])
        self.assertEqual(self.snapshot(d), first)
        # a lost server certificate is made again, under the same CA
        os.unlink(tls["cert"])
        os.unlink(tls["key"])
        tlsutil.tls_init(self.tmp, hosts=["rxca.test", "::1"])
        now = self.snapshot(d)
        self.assertEqual(now["operators-ca.crt"], first["operators-ca.crt"])
        self.assertEqual(now["operators-ca.key"], first["operators-ca.key"])
        self.assertNotEqual(now["server.crt"], first["server.crt"])
        text = tlsutil.openssl("x509", "-in", tls["cert"], "-noout",
                               "-ext", "subjectAltName")
        self.assertIn("DNS:rxca.test", text)
        self.assertIn("IP Address:0:0:0:0:0:0:0:1", text)

    def test_half_a_pair_is_refused(self):
        tls = tlsutil.tls_init(self.tmp, once=False)
        os.unlink(tls["ca_key"])
        r = subprocess.run([harness.binary("rxca-admin"), "tls", "init",
                            tls["dir"]], env=harness.clean_env(),
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("operators-ca.key", r.stderr)
        self.assertFalse(os.path.exists(tls["ca_key"]))

    def test_bad_host(self):
        r = subprocess.run([harness.binary("rxca-admin"), "tls", "init",
                            os.path.join(self.tmp, "t"), "a,b"],
                           env=harness.clean_env(), capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("a,b", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "t")))


class OperatorTest(harness.TestCase):

    def setUp(self):
        super().setUp()
        self.tls = tlsutil.tls_init(self.tmp)
        self.db = self.start_db()
        self.ops = os.path.join(self.tmp, "ops")

    def admin(self, *args, env=None):
        e = dict(self.tls["env"])
        e.update(env or {})
        return self.db.admin(*args, env=e)

    def listing(self):
        r = self.admin("operator", "list")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0].split(),
                         ["NAME", "ID", "NOT_AFTER", "DISABLED", "ROLES"])
        return {f[0]: f for f in (line.split() for line in lines[1:])}

    def test_add_list_disable(self):
        r = self.admin("operator", "add", "alice", "reviewer,auditor",
                       "--out", self.ops)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        opr = r.stdout.strip()
        self.assertRegex(opr, r"^opr_[0-9a-f]{16}$")
        crt = os.path.join(self.ops, "alice.crt")
        key = os.path.join(self.ops, "alice.key")
        self.assertEqual(stat.S_IMODE(os.stat(key).st_mode), 0o600)
        tlsutil.openssl("verify", "-CAfile", self.tls["ca"], "-purpose",
                        "sslclient", crt)
        subject = tlsutil.openssl("x509", "-in", crt, "-noout", "-subject",
                                  "-nameopt", "RFC2253")
        self.assertIn("CN=alice,O=rxca operators", subject)
        row = self.db.query(
            "SELECT id, name, array_to_string(roles, ','), "
            "encode(cert_sha256, 'hex'), cert_subject, disabled_at IS NULL "
            "FROM operators")
        self.assertEqual(row, [[opr, "alice", "reviewer,auditor",
                                tlsutil.sha256_fingerprint(crt),
                                "CN=alice,O=rxca operators", "t"]])
        audit = self.db.audits("actor, action, subject, details")
        self.assertEqual(len(audit), 1)
        self.assertEqual(audit[0][:3], ["admin-cli", "operator.added", opr])
        details = json.loads(audit[0][3])
        self.assertEqual(details, {"name": "alice",
                                   "roles": ["reviewer", "auditor"],
                                   "cert_sha256":
                                       tlsutil.sha256_fingerprint(crt)})

        ops = self.listing()
        self.assertEqual(ops["alice"][1], opr)
        self.assertEqual(ops["alice"][3], "-")
        self.assertEqual(ops["alice"][4], "reviewer,auditor")
        self.assertRegex(ops["alice"][2], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

        r = self.admin("operator", "disable", "alice")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotEqual(self.listing()["alice"][3], "-")
        self.assertEqual(self.db.scalar(
            "SELECT count(*) FROM audit_log WHERE action = "
            "'operator.disabled' AND subject = '%s'" % opr), "1")
        r = self.admin("operator", "disable", "alice")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(self.db.count("audit_log"), 2)
        r = self.admin("operator", "disable", "nobody")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        r = self.db.admin("audit", "verify")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_default_out_is_the_working_directory(self):
        os.mkdir(self.ops)
        e = harness.clean_env(dict(self.tls["env"],
                                   RXCA_DATABASE_URL=self.db.url))
        r = subprocess.run([harness.binary("rxca-admin"), "operator", "add",
                            "bob", "fulfiller"], env=e, cwd=self.ops,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(os.path.exists(os.path.join(self.ops, "bob.crt")))
        self.assertTrue(os.path.exists(os.path.join(self.ops, "bob.key")))

    def test_duplicates_refused(self):
        r = self.admin("operator", "add", "alice", "admin", "--out",
                       self.ops)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        other = os.path.join(self.tmp, "other")
        r = self.admin("operator", "add", "alice", "reviewer", "--out",
                       other)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("alice", r.stderr)
        self.assertIn("exists already", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(other, "alice.key")))
        # the same certificate under another name
        r = self.admin("operator", "add", "alice2", "reviewer",
                       os.path.join(self.ops, "alice.crt"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("registered already", r.stderr)
        # files that exist are never overwritten
        with open(os.path.join(self.ops, "carol.key"), "w") as f:
            f.write("precious\n")
        r = self.admin("operator", "add", "carol", "reviewer", "--out",
                       self.ops)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        with open(os.path.join(self.ops, "carol.key")) as f:
            self.assertEqual(f.read(), "precious\n")
        self.assertEqual(self.db.count("operators"), 1)
        self.assertEqual(self.db.count("audit_log"), 1)

    def test_bad_usage(self):
        cases = [
            (["operator", "add", "dave", "reviewer,boss"], "boss"),
            (["operator", "add", "dave", "Reviewer"], "Reviewer"),
            (["operator", "add", "dave", ""], "role"),
            (["operator", "add", "dave", "reviewer,"], "role"),
            (["operator", "add", "da ve", "reviewer"], "NAME"),
            (["operator", "add", "x" * 65, "reviewer"], "NAME"),
            (["operator", "add", "dave"], "usage"),
            (["operator", "add", "dave", "reviewer", "--out"], "usage"),
            (["operator", "add", "dave", "reviewer", "a.pem", "b"], "usage"),
        ]
        for args, said in cases:
            with self.subTest(args=args):
                r = self.admin(*args)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn(said, r.stderr)
        self.assertEqual(self.db.count("operators"), 0)

    def test_register_certificate(self):
        # A CSR signed with the dev CA by openssl: accepted, and known by
        # the fingerprint openssl computes.
        d = os.path.join(self.tmp, "csr")
        os.mkdir(d)
        tlsutil.openssl("req", "-new", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                        "erin.key", "-out", "erin.csr", "-subj", "/CN=erin",
                        cwd=d)
        with open(os.path.join(d, "ext"), "w") as f:
            f.write("extendedKeyUsage=clientAuth\n"
                    "keyUsage=critical,digitalSignature\n")
        tlsutil.openssl("x509", "-req", "-in", "erin.csr", "-CA",
                        self.tls["ca"], "-CAkey", self.tls["ca_key"],
                        "-CAcreateserial", "-days", "30", "-extfile", "ext",
                        "-out", "erin.crt", cwd=d)
        crt = os.path.join(d, "erin.crt")
        r = self.admin("operator", "add", "erin", "revoker", crt)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        opr = r.stdout.strip()
        self.assertEqual(self.db.scalar(
            "SELECT encode(cert_sha256, 'hex') FROM operators WHERE id = "
            "'%s'" % opr), tlsutil.sha256_fingerprint(crt))
        # no CA key is needed to register a certificate
        r = self.admin("operator", "add", "erin2", "revoker", crt,
                       env={"RXCA_OPERATOR_CA_KEY": ""})
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("registered already", r.stderr)

    def test_foreign_or_expired_certificate_refused(self):
        crt, _ = make_foreign_cert(self.tmp, "mallory")
        r = self.admin("operator", "add", "mallory", "admin", crt)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("does not verify against RXCA_OPERATOR_CA", r.stderr)
        self.assertRegex(r.stderr, r"self[- ]signed|issuer")
        # one from the dev CA that has expired (the admin's clock is moved
        # a year and a day ahead)
        r = self.admin("operator", "add", "frank", "auditor", "--out",
                       self.ops)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        clock = os.path.join(self.tmp, "clock")
        with open(clock, "w") as f:
            f.write("%d\n" % (366 * 86400))
        r = self.admin("operator", "add", "frank2", "auditor",
                       os.path.join(self.ops, "frank.crt"),
                       env={"RXCA_CLOCK_FILE": clock})
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("expired", r.stderr)
        # and a server certificate is no client certificate
        r = self.admin("operator", "add", "srv", "auditor",
                       self.tls["cert"])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(self.db.count("operators"), 1)

    def test_needs_the_operator_ca(self):
        r = self.admin("operator", "add", "gina", "admin", "--out", self.ops,
                       env={"RXCA_OPERATOR_CA": ""})
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("RXCA_OPERATOR_CA", r.stderr)
        r = self.admin("operator", "add", "gina", "admin", "--out", self.ops,
                       env={"RXCA_OPERATOR_CA_KEY": ""})
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("RXCA_OPERATOR_CA_KEY", r.stderr)
        self.assertFalse(os.path.exists(self.ops))


if __name__ == "__main__":
    harness.main()
