#!/usr/bin/python3
"""Certificates that validate under a certificate policy, checked with the
three stock toolkits as relying parties: OpenSSL (`openssl verify
-explicit_policy`), GnuTLS (`certtool --verify-chain`, `--verify-profile`)
and NSS (`vfychain -pp`, with the CRLs and with OCSP fetched live from the
test server); a chain through a cross-certificate from a test "bridge" CA
that maps its policy onto rxca's; `rxca-admin ca reissue issuing` (the same
key, a new certificate, recorded and audited)."""
import base64
import calendar
import os
import re
import subprocess
import tempfile
import time

import harness
from harness import wait_until
from test_ca import make_csr, openssl
from test_proofing import ADA
from test_revocation import PkiCase

DAY = 86400
HOUR = 3600
OPS = "ops@rxca.test"

HW = "1.3.6.1.4.1.59999.1.2.1"
SW = "1.3.6.1.4.1.59999.1.2.2"
BRIDGE = "2.16.840.1.101.3.2.1.3.99"  # a test bridge's policy
# NSS revocation checks (with vfychain -pp), fetched from the URLs in the
# certificates and failing when there is no answer: the leaf by its CRL
# or by OCSP, and the CA certificates above it ("chain") by their CRL
# (the issuing CA's from the root).
NSS_CHAIN = ("-g", "chain", "-h", "requireFreshInfo", "-m", "crl", "-s",
             "failIfNoInfo")
NSS_CRL = ("-g", "leaf", "-h", "requireFreshInfo", "-m", "crl", "-s",
           "failIfNoInfo") + NSS_CHAIN
NSS_OCSP = ("-g", "leaf", "-h", "requireFreshInfo", "-m", "ocsp", "-s",
            "failIfNoInfo") + NSS_CHAIN


def tool(*argv, env=None):
    r = subprocess.run(list(argv), capture_output=True, timeout=60,
                       env=env)
    return r.returncode, (r.stdout + r.stderr).decode("utf-8", "replace")


class PolicyCase(PkiCase):

    def reissue_for_server(self):
        """The CA's AIA and CDP URLs pointing at this test server (whose
        port is known only now): `ca reissue issuing`, then a restart."""
        env = dict(self.env, RXCA_PKI_URL=self.srv.base)
        r = self.db.admin("ca", "reissue", "issuing", env=env)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.srv.stop()
        self.srv.env["RXCA_PKI_URL"] = self.srv.base
        self.srv.start()
        return r

    def product(self, who, product, storage):
        app = self.shipped(who, self.person(who, product=product,
                                            storage=storage))
        key, csr = make_csr(self.d, "k-" + product)
        st, _, js = self.retrieve(app, csr)
        self.assertEqual(st, 201, js)
        d = tempfile.mkdtemp(dir=self.tmp)
        files = {}
        for name, pem in (("leaf", js["certificate"]),
                          ("issuing", js["chain"][0]),
                          ("root", js["chain"][1])):
            files[name] = os.path.join(d, name + ".pem")
            with open(files[name], "w") as f:
                f.write(pem)
        files["chain"] = os.path.join(d, "chain.pem")
        with open(files["chain"], "w") as f:
            f.write(js["certificate"] + js["chain"][0] + js["chain"][1])
        files["dir"] = d
        files["serial"] = js["serial"]
        return files

    def nssdb(self, anchor):
        d = tempfile.mkdtemp(dir=self.tmp)
        rc, out = tool("certutil", "-N", "-d", "sql:" + d,
                       "--empty-password")
        self.assertEqual(rc, 0, out)
        rc, out = tool("certutil", "-A", "-d", "sql:" + d, "-n", "anchor",
                       "-t", "C,C,C", "-a", "-i", anchor)
        self.assertEqual(rc, 0, out)
        return d

    def vfychain(self, db, certs, policy, *extra):
        argv = ["vfychain", "-d", "sql:" + db, "-pp", "-u", "4", "-o",
                policy] + list(extra)
        for c in certs:
            argv += ["-a", c]
        return tool(*argv)

    def ossl_policy(self, anchor, untrusted, leaf, policy, *extra):
        args = ["verify", "-x509_strict", "-policy", policy,
                "-explicit_policy", "-policy_print", "-CAfile", anchor]
        for u in untrusted:
            args += ["-untrusted", u]
        rc, out, err = openssl(*(args + list(extra) + [leaf]))
        return rc, (out + err).decode()


class PolicyValidationTest(PolicyCase):

    def test_each_product_in_three_toolkits(self):
        self.reissue_for_server()
        last = None
        for who, product, storage, oid, other in (
                (ADA, "epcs-hardware", "new-token", HW, SW),
                (ADA, "identity-software", "software", SW, HW)):
            with self.subTest(product=product):
                f = self.product(who, product, storage)
                # OpenSSL, under the product's policy, and not another's.
                rc, out = self.ossl_policy(f["root"], [f["issuing"]],
                                           f["leaf"], oid)
                self.assertEqual(rc, 0, out)
                self.assertIn(oid, out)
                rc, out = self.ossl_policy(f["root"], [f["issuing"]],
                                           f["leaf"], other)
                self.assertNotEqual(rc, 0, out)
                self.assertIn("no explicit policy", out)
                # GnuTLS: the chain, and the path under a strict profile.
                rc, out = tool("certtool", "--verify-chain", "--infile",
                               f["chain"])
                self.assertEqual(rc, 0, out)
                self.assertIn("Chain verification output: Verified", out)
                rc, out = tool("certtool", "--verify", "--load-ca-certificate",
                               f["root"], "--infile", f["chain"],
                               "--verify-profile", "high")
                self.assertEqual(rc, 0, out)
                self.assertIn("Verified", out)
                # NSS, policy-checked, then with the CRLs and with OCSP
                # fetched live from this server.
                db = self.nssdb(f["root"])
                rc, out = self.vfychain(db, [f["leaf"], f["issuing"]], oid)
                self.assertEqual(rc, 0, out)
                self.assertIn("Chain is good", out)
                rc, out = self.vfychain(db, [f["leaf"], f["issuing"]], other)
                self.assertNotEqual(rc, 0, out)
                wait_until(lambda: self.srv.http(
                    "GET", "/pki/issuing.crl")[0] == 200, 20, 0.2, "a CRL")
                rc, out = self.vfychain(db, [f["leaf"], f["issuing"]], oid,
                                        *NSS_CRL)
                self.assertEqual(rc, 0, out)
                rc, out = self.vfychain(db, [f["leaf"], f["issuing"]], oid,
                                        *NSS_OCSP)
                self.assertEqual(rc, 0, out)
                last = (f, db, oid)
        # Revoked: NSS hears of it from the CRL and from OCSP, both
        # fetched from the server, so the checks above can fail.
        self.assertIsNotNone(last)
        f, db, oid = last
        _, crl_before, _ = wait_until(self.crl, 20, 0.2, "a CRL")
        st, _, js = self.ops("POST", "/v1/ops/certificates/%s/revocation"
                             % f["serial"], {"reason": "keyCompromise"},
                             who=self.rev)
        self.assertEqual(st, 200, js)
        wait_until(lambda: (self.crl() or (0, 0))[1] > crl_before, 60, 0.2,
                   "a newer CRL")
        # (A fresh database: NSS keeps a CRL it fetched until its
        # nextUpdate, the staleness docs/standards.md states.)
        db = self.nssdb(f["root"])
        rc, out = self.vfychain(db, [f["leaf"], f["issuing"]], oid,
                                *NSS_CRL)
        self.assertNotEqual(rc, 0, out)
        self.assertIn("-8180", out)
        rc, out = self.vfychain(db, [f["leaf"], f["issuing"]], oid,
                                *NSS_OCSP)
        self.assertNotEqual(rc, 0, out)
        self.assertIn("-8180", out)
        # The issuing CA is checked against the root's CRL: without one
        # the chain fails.
        self.db.query("DELETE FROM crls WHERE issuer = 'root'")
        rc, out = self.vfychain(self.nssdb(f["root"]),
                                [f["leaf"], f["issuing"]], oid, *NSS_CHAIN)
        self.assertNotEqual(rc, 0, out)

    def test_bridge_cross_certificate_maps_the_policy(self):
        f = self.product(ADA, "epcs-hardware", "new-token")
        d = f["dir"]
        bkey, bcert = os.path.join(d, "bridge.key"), \
            os.path.join(d, "bridge.pem")
        rc, out, err = openssl(
            "req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:P-384", "-nodes", "-keyout", bkey, "-out",
            bcert, "-days", "30", "-subj",
            "/C=US/O=Test Bridge/CN=Test Bridge CA", "-addext",
            "basicConstraints=critical,CA:TRUE", "-addext",
            "keyUsage=critical,keyCertSign,cRLSign")
        self.assertEqual(rc, 0, err)
        ext = os.path.join(d, "cross.cnf")
        with open(ext, "w") as fh:
            fh.write("[mapped]\n"
                     "basicConstraints = critical,CA:TRUE\n"
                     "keyUsage = critical,keyCertSign,cRLSign\n"
                     "subjectKeyIdentifier = hash\n"
                     "authorityKeyIdentifier = keyid\n"
                     "certificatePolicies = %s\n"
                     "policyMappings = critical,%s:%s\n"
                     "[unmapped]\n"
                     "basicConstraints = critical,CA:TRUE\n"
                     "keyUsage = critical,keyCertSign,cRLSign\n"
                     "subjectKeyIdentifier = hash\n"
                     "authorityKeyIdentifier = keyid\n"
                     "certificatePolicies = %s\n" % (BRIDGE, BRIDGE, HW,
                                                      BRIDGE))
        cross = {}
        for section in ("mapped", "unmapped"):
            # The bridge certifies rxca's root: its name and key.
            cross[section] = os.path.join(d, "cross-%s.pem" % section)
            rc, out, err = openssl(
                "x509", "-in", f["root"], "-CA", bcert, "-CAkey", bkey,
                "-set_serial", "0x4242", "-clrext", "-extfile", ext,
                "-extensions", section, "-days", "30", "-out",
                cross[section])
            self.assertEqual(rc, 0, err)
        # A relying party that trusts only the bridge, asking for the
        # bridge's policy: the mapping carries it to rxca's.
        rc, out = self.ossl_policy(bcert, [cross["mapped"], f["issuing"]],
                                   f["leaf"], BRIDGE)
        self.assertEqual(rc, 0, out)
        rc, out = self.ossl_policy(bcert, [cross["unmapped"], f["issuing"]],
                                   f["leaf"], BRIDGE)
        self.assertNotEqual(rc, 0, out)
        self.assertIn("no explicit policy", out)
        db = self.nssdb(bcert)
        rc, out = self.vfychain(db, [f["leaf"], f["issuing"],
                                     cross["mapped"]], BRIDGE)
        self.assertEqual(rc, 0, out)
        rc, out = self.vfychain(db, [f["leaf"], f["issuing"],
                                     cross["unmapped"]], BRIDGE)
        self.assertNotEqual(rc, 0, out)

    def test_reissue_issuing_keeps_the_key(self):
        before = self.db.query("SELECT serial, der, key_ref FROM "
                               "ca_certificates WHERE name = 'issuing'")
        f0 = self.product(ADA, "epcs-hardware", "new-token")
        self.reissue_for_server()
        after = self.db.query("SELECT serial, der, key_ref FROM "
                              "ca_certificates WHERE name = 'issuing'")
        self.assertNotEqual(before[0][0], after[0][0])
        self.assertEqual(before[0][2], after[0][2])
        self.assertEqual(self.db.count(
            "ca_certificates_replaced", "name IN ('issuing', 'ocsp')"), 2)
        self.assertEqual(self.db.count(
            "audit_log", "action = 'ca.issuing_reissued'"), 1)
        f1 = self.product(ADA, "epcs-hardware", "new-token")
        # The same key: the old and the new issuing certificate each
        # verify both subscribers' certificates.
        for issuing in (f0["issuing"], f1["issuing"]):
            for leaf in (f0["leaf"], f1["leaf"]):
                rc, out = self.ossl_policy(f0["root"], [issuing], leaf, HW)
                self.assertEqual(rc, 0, out)
        rc, out, _ = openssl("x509", "-in", f1["issuing"], "-noout", "-text")
        text = out.decode()
        self.assertIn("CA Issuers - URI:%s/pki/root.cer" % self.srv.base,
                      text)
        self.assertIn("URI:%s/pki/root.crl" % self.srv.base, text)
        self.assertIn("Policy: " + HW, text)
        self.assertIn("Policy: " + SW, text)
        # Without the CA it is refused and nothing changes.
        r = self.start_db().admin("ca", "reissue", "issuing",
                                     env=self.env)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ca init first", r.stderr + r.stdout)


def crl_times(pem):
    """(number, thisUpdate, nextUpdate) of a PEM CRL, seconds."""
    rc, out, err = openssl("crl", "-in", pem, "-noout", "-crlnumber",
                           "-lastupdate", "-nextupdate")
    assert rc == 0, err
    f = dict(line.split("=", 1) for line in out.decode().splitlines())

    def t(v):
        return calendar.timegm(time.strptime(" ".join(v.split()),
                                             "%b %d %H:%M:%S %Y GMT"))
    return (int(f["crlNumber"], 16), t(f["lastUpdate"]),
            t(f["nextUpdate"]))


class CadenceTest(PolicyCase):
    """CRL and OCSP cadence with the server's clock moved."""
    # Debug logs count the sweeps (wait_sweeps).
    extra_env = {"RXCA_OPERATOR_EMAIL": OPS, "RXCA_LOG_LEVEL": "debug"}

    def move(self, offset):
        self.srv.set_clock(offset)
        return time.time() + offset

    def served_crl(self, name):
        st, h, der = self.srv.http("GET", "/pki/%s.crl" % name)
        if st != 200:
            return None
        path = os.path.join(self.d, name + "-crl.der")
        with open(path, "wb") as f:
            f.write(der)
        pem = path + ".pem"
        rc, _, err = openssl("crl", "-inform", "DER", "-in", path, "-out",
                             pem)
        self.assertEqual(rc, 0, err)
        return (pem,) + crl_times(pem)

    def test_issuing_crl_on_time_never_stale(self):
        self.issued()
        _, n0, this0, next0 = wait_until(lambda: self.served_crl(
            "issuing"), 20, 0.2, "a first CRL")
        self.assertEqual(next0 - this0, 48 * HOUR)
        # Before RXCA_CRL_INTERVAL (6 h): the same CRL.
        self.move(5 * HOUR)
        self.srv.wait_sweeps()
        self.assertEqual(self.served_crl("issuing")[1], n0)
        # Past it, and far past it: a new one at once, never stale.
        last = n0
        for offset in (6 * HOUR + 60, 30 * HOUR, 5 * DAY):
            now = self.move(offset)

            def fresh():
                got = self.served_crl("issuing")
                return got if got[1] > last and got[2] >= now - 5 else None
            pem, last, this, nxt = wait_until(fresh, 30, 0.2,
                                              "a CRL at +%d s" % offset)
            self.assertEqual(nxt - this, 48 * HOUR)
            self.assertGreater(nxt, now)
            rc, out, err = openssl(
                "verify", "-crl_check", "-attime", str(int(now) + 60),
                "-CAfile", self.root, "-untrusted", self.issuing,
                "-CRLfile", pem, self.leaf)
            self.assertEqual(rc, 0, out + err)

    def max_age(self, req):
        st, h, _ = self.srv.http("GET", "/ocsp/" + req)
        self.assertEqual(st, 200)
        return int(re.search(r"max-age=(\d+)", h["cache-control"]).group(1))

    def test_ocsp_max_age_bounded(self):
        self.issued()
        self.wait_ocsp("good")
        path = os.path.join(self.d, "req.der")
        rc, _, err = openssl("ocsp", "-issuer", self.issuing, "-cert",
                             self.leaf, "-no_nonce", "-reqout", path)
        self.assertEqual(rc, 0, err)
        with open(path, "rb") as f:
            req = base64.b64encode(f.read()).decode()
        # Valid a day (RXCA_OCSP_VALIDITY), re-signed after 12 h
        # (RXCA_OCSP_REFRESH): cached an hour at most (RXCA_OCSP_MAX_AGE),
        # and never past the re-signing.
        self.assertLessEqual(self.max_age(req), HOUR)
        self.assertGreater(self.max_age(req), HOUR - 60)
        self.move(11 * HOUR + 30 * 60)
        age = self.max_age(req)
        self.assertLessEqual(age, 30 * 60 + 5)
        self.assertGreater(age, 30 * 60 - 120)
        # Once re-signed, an hour again; and a revocation is served at once.
        self.move(12 * HOUR + 60)
        wait_until(lambda: self.max_age(req) > HOUR - 120, 30, 0.2,
                   "re-signed OCSP")

    def test_root_crl_ahead_and_reminder(self):
        admin_env = dict(self.env, RXCA_CLOCK_FILE=self.srv.clock_file)
        _, n1, this1, next1 = self.served_crl("root")
        self.assertEqual(next1 - this1, 31 * DAY)
        # More than 7 days left: no reminder.
        self.move(20 * DAY)
        self.srv.wait_sweeps()
        self.assertEqual(self.db.count(
            "audit_log", "action = 'ca.root_crl_reminder'"), 0)
        st, _, m = self.srv.http("GET", "/metrics")
        self.assertIn("\nrxca_root_crl_due 0\n", m.decode()
                      if isinstance(m, bytes) else m)
        # Within 7 days: the metric and one e-mail to the operators.
        self.move(25 * DAY)
        msg = self.srv.sink.wait_for(OPS)
        self.assertIn("root-crl", harness.mail_text(msg))

        def due():
            m = self.srv.http("GET", "/metrics")[2]
            m = m.decode() if isinstance(m, bytes) else m
            return "\nrxca_root_crl_due 1\n" in m
        wait_until(due, 10, 0.2, "rxca_root_crl_due 1")
        self.srv.wait_sweeps()
        self.assertEqual(self.db.count(
            "audit_log", "action = 'ca.root_crl_reminder'"), 1)
        # The operator signs the next one and two more ahead, offline.
        r = self.db.admin("ca", "root-crl", "--ahead", "2", env=admin_env)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertIn("root CRL number %d, valid 31 days" % (n1 + 1),
                      r.stdout)
        _, n2, this2, next2 = self.served_crl("root")
        self.assertEqual(n2, n1 + 1)
        self.assertEqual(self.db.count("root_crls_ahead"), 2)
        wait_until(lambda: not due(), 10, 0.2, "rxca_root_crl_due 0")
        # 24 days on (31 - 7), the first signed ahead is published.
        self.move(25 * DAY + 24 * DAY + 60)
        got = wait_until(lambda: (self.served_crl("root")
                                  if self.served_crl("root")[1] == n1 + 2
                                  else None), 10, 0.2, "CRL ahead")
        self.assertGreater(got[3], time.time() + 49 * DAY)
        self.assertEqual(self.db.count("root_crls_ahead"), 1)
        self.assertEqual(self.db.count(
            "audit_log", "action = 'ca.root_crl_published'"), 1)
        # Bad input: refused, nothing changes.
        for bad in (["--ahead", "25"], ["--ahead", "x"], ["--ahaed", "1"]):
            r = self.db.admin("ca", "root-crl", *bad, env=admin_env)
            self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(self.db.count("root_crls_ahead"), 1)


if __name__ == "__main__":
    harness.main()
