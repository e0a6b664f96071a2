#!/usr/bin/python3
"""Partitioned CRLs (RXCA_CRL_SHARDS) with the three stock relying
parties: each certificate's cRLDistributionPoints names its shard
(/pki/issuing-<k>.crl, the shard stored with the certificate), the shard
carries an issuingDistributionPoint naming that URL, and OpenSSL (`openssl
verify -crl_check`), GnuTLS (`certtool --verify-crl` and `certtool --verify
--load-crl`) and NSS (`crlutil -I`, `vfychain`) accept the shard: the revoked
certificate is refused with it, the other one is not; the full CRL is still
served and lists every revoked certificate; a shard out of range is 404."""
import os
import re
import subprocess

import harness
from harness import wait_until
from test_ca import openssl
from test_revocation import PkiCase

SHARDS = 4


def run(*argv):
    r = subprocess.run(list(argv), capture_output=True, timeout=60,
                       text=True)
    return r.returncode, r.stdout + r.stderr


class ShardTest(PkiCase):
    extra_env = {"RXCA_CRL_SHARDS": str(SHARDS)}

    def cdp(self, pem):
        rc, out, err = openssl("x509", "-in", pem, "-noout", "-ext",
                               "crlDistributionPoints")
        self.assertEqual(rc, 0, err)
        m = re.search(r"URI:(\S+)", out.decode())
        self.assertIsNotNone(m, out)
        return m.group(1)

    def fetch(self, name, newer_than=0):
        """(DER path, PEM path, cRLNumber) of /pki/<name>, once its number
        is above newer_than."""
        def get():
            st, h, der = self.srv.http("GET", "/pki/" + name)
            if st != 200:
                return None
            self.assertEqual(h["content-type"], "application/pkix-crl")
            path = os.path.join(self.d, name)
            with open(path, "wb") as f:
                f.write(der)
            rc, _, err = openssl("crl", "-inform", "DER", "-in", path,
                                 "-out", path + ".pem")
            self.assertEqual(rc, 0, err)
            rc, out, _ = openssl("crl", "-in", path + ".pem", "-noout",
                                 "-crlnumber")
            n = int(out.decode().strip().split("=")[1], 16)
            return (path, path + ".pem", n) if n > newer_than else None
        return wait_until(get, 60, 0.2, "CRL %s above %d" % (name,
                                                             newer_than))

    def nss_db(self, crl_der):
        """An NSS database trusting the root, holding the issuing CA and
        the CRL crl_der (imported with crlutil): its path, or the import's
        failure text."""
        d = os.path.join(self.d, "nss-%d" % len(os.listdir(self.d)))
        os.mkdir(d)
        db = "sql:" + d
        for argv in (["certutil", "-N", "-d", db, "--empty-password"],
                     ["certutil", "-A", "-d", db, "-n", "root", "-t",
                      "CT,C,C", "-i", self.root],
                     ["certutil", "-A", "-d", db, "-n", "issuing", "-t",
                      ",,", "-i", self.issuing]):
            rc, out = run(*argv)
            self.assertEqual(rc, 0, out)
        rc, out = run("crlutil", "-I", "-d", db, "-i", crl_der, "-t", "1")
        return db, rc, out

    def test_shards_with_three_relying_parties(self):
        a = self.issued()
        leaf_a = self.leaf
        b = self.issued()
        leaf_b = self.leaf
        shard = {}
        for app, leaf in ((a, leaf_a), (b, leaf_b)):
            url = self.cdp(leaf)
            m = re.search(r"/pki/issuing-(\d+)\.crl$", url)
            self.assertIsNotNone(m, url)
            k = int(m.group(1))
            self.assertLess(k, SHARDS)
            # The shard is stored with the certificate.
            self.assertEqual(self.db.scalar(
                "SELECT crl_shard FROM certificates WHERE serial = "
                "'\\x%s'" % app["_cert"]["serial"]), str(k))
            shard[app["_cert"]["serial"]] = k
        ka = shard[a["_cert"]["serial"]]
        kb = shard[b["_cert"]["serial"]]
        # Every shard is published (empty ones too), and the full CRL.
        for k in range(SHARDS):
            self.fetch("issuing-%d.crl" % k)
        _, _, n0 = self.fetch("issuing.crl")
        st, _, _ = self.srv.http("GET", "/pki/issuing-%d.crl" % SHARDS)
        self.assertEqual(st, 404)
        for bad in ("issuing-01.crl", "issuing-.crl", "issuing--1.crl",
                    "issuing-1.crlx", "issuing-99999999999.crl"):
            st, _, _ = self.srv.http("GET", "/pki/" + bad)
            self.assertEqual(st, 404, bad)

        st, _, js = self.revoke(a)
        self.assertEqual(st, 200, js)
        der_a, pem_a, n1 = self.fetch("issuing-%d.crl" % ka, n0)
        der_b, pem_b, _ = self.fetch("issuing-%d.crl" % kb, n0)
        _, full, nf = self.fetch("issuing.crl", n0)
        self.assertEqual(nf, n1)  # one number for the full CRL and shards

        # The shard names itself; the full CRL has no IDP.
        rc, out, _ = openssl("crl", "-in", pem_a, "-noout", "-text")
        text = out.decode()
        self.assertIn("Issuing Distribution Point", text)
        self.assertIn(self.cdp(leaf_a), text)
        self.assertIn("Only User Certificates", text)
        self.assertIn(a["_cert"]["serial"].upper(), text)
        rc, out, _ = openssl("crl", "-in", full, "-noout", "-text")
        self.assertNotIn("Issuing Distribution Point", out.decode())
        self.assertIn(a["_cert"]["serial"].upper(), out.decode())

        # OpenSSL: A refused with its shard; B good with its own.
        rc, out, err = openssl("verify", "-crl_check", "-CAfile", self.root,
                               "-untrusted", self.issuing, "-CRLfile", pem_a,
                               leaf_a)
        self.assertNotEqual(rc, 0)
        self.assertIn("certificate revoked", (out + err).decode())
        rc, out, err = openssl("verify", "-crl_check", "-CAfile", self.root,
                               "-untrusted", self.issuing, "-CRLfile", pem_b,
                               leaf_b)
        self.assertEqual(rc, 0, out + err)
        if ka != kb:
            # Another shard's CRL is out of B's scope.
            rc, out, err = openssl(
                "verify", "-crl_check", "-CAfile", self.root, "-untrusted",
                self.issuing, "-CRLfile", pem_a, leaf_b)
            self.assertNotEqual(rc, 0)
            self.assertIn("different CRL scope",
                          (out + err).decode())

        # GnuTLS: the shard's signature, then A and B with it.
        rc, out = run("certtool", "--verify-crl", "--load-ca-certificate",
                      self.issuing, "--infile", pem_a)
        self.assertEqual(rc, 0, out)
        self.assertIn("Verified", out)
        chain_a = self.write("chain-a.pem", open(leaf_a).read() +
                             open(self.issuing).read())
        chain_b = self.write("chain-b.pem", open(leaf_b).read() +
                             open(self.issuing).read())
        rc, out = run("certtool", "--verify", "--load-ca-certificate",
                      self.root, "--load-crl", pem_a, "--infile", chain_a)
        self.assertNotEqual(rc, 0, out)
        self.assertIn("revoked", out)
        rc, out = run("certtool", "--verify", "--load-ca-certificate",
                      self.root, "--load-crl", pem_b, "--infile", chain_b)
        self.assertEqual(rc, 0, out)

        # NSS: crlutil imports the shard; vfychain refuses A, accepts B.
        db, rc, out = self.nss_db(der_a)
        self.assertEqual(rc, 0, out)
        rc, out = run("vfychain", "-d", db, "-u", "4", "-a", leaf_a)
        self.assertIn("-8180", out)  # SEC_ERROR_REVOKED_CERTIFICATE
        db, rc, out = self.nss_db(der_b)
        self.assertEqual(rc, 0, out)
        rc, out = run("vfychain", "-d", db, "-u", "4", "-a", leaf_b)
        self.assertIn("Chain is good", out)


class CriticalIdpTest(PkiCase):
    """RXCA_CRL_IDP_CRITICAL=1: the IDP is critical, as RFC 5280 says;
    OpenSSL and GnuTLS take the shard, NSS refuses to import it (why the
    default is 0)."""
    extra_env = {"RXCA_CRL_SHARDS": "2", "RXCA_CRL_IDP_CRITICAL": "1"}

    def test_critical_idp(self):
        self.issued()
        m = re.search(r"/pki/(issuing-\d+\.crl)$", ShardTest.cdp(self,
                                                                 self.leaf))
        der, pem, _ = ShardTest.fetch(self, m.group(1))
        rc, out, _ = openssl("crl", "-in", pem, "-noout", "-text")
        self.assertIn("Issuing Distribution Point: critical", out.decode())
        rc, out, err = openssl("verify", "-crl_check", "-CAfile", self.root,
                               "-untrusted", self.issuing, "-CRLfile", pem,
                               self.leaf)
        self.assertEqual(rc, 0, out + err)
        rc, out = run("certtool", "--verify-crl", "--load-ca-certificate",
                      self.issuing, "--infile", pem)
        self.assertEqual(rc, 0, out)
        _, rc, out = ShardTest.nss_db(self, der)
        self.assertNotEqual(rc, 0)
        self.assertIn("CRL_UNKNOWN_CRITICAL_EXTENSION", out)


class RevokedIndexTest(harness.TestCase):
    """The crl.refresh job's read of every revoked certificate (the
    statement store_crl_revoked runs, api/store/store_ca.c) is answered
    from the index of revoked certificates alone, not from the table rows
    that carry each certificate's DER and TBS (migration 0033)."""

    def test_revoked_read_is_index_only(self):
        db = self.start_db()
        # Scans of the table made impossible, so that the plan shows
        # whether the index covers the statement, whatever the table's
        # size and statistics.
        plan = db.query(
            "SET enable_seqscan = off; SET enable_bitmapscan = off; "
            "EXPLAIN SELECT serial, revoked_at, revocation_reason, "
            "crl_shard FROM certificates WHERE issuer = 'issuing' AND "
            "state IN ('revoked', 'abandoned')")
        self.assertIn("Index Only Scan using certificates_revoked",
                      plan[0][0])

    def test_crl_bytes_compressed_by_lz4(self):
        """The full CRL and each shard are stored compressed by lz4, not
        by PostgreSQL's default pglz, which cost the CRL job more of the
        backend's CPU than anything else at 1,000,000 entries (migration
        0039; this PostgreSQL has lz4)."""
        db = self.start_db()
        rows = db.query(
            "SELECT attrelid::regclass::text, attcompression FROM "
            "pg_attribute WHERE attname = 'der' AND attrelid IN "
            "('crls'::regclass, 'crl_shards'::regclass) ORDER BY 1")
        self.assertEqual([(r[0], r[1]) for r in rows],
                         [("crl_shards", "l"), ("crls", "l")])


if __name__ == "__main__":
    harness.main()
