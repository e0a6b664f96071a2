#!/usr/bin/python3
"""The OCSP cache's bound (RXCA_OCSP_CACHE_MB): with a 1 MiB cache and a few
thousand stored responses, the cache stays within its bound and evicts; a
miss is answered from the database without signing and verifies with
`openssl ocsp`; a revocation is answered "revoked" at once by a second node
whose cache held "good".  Misses read from a replica
(RXCA_OCSP_DATABASE_URL, a second database): a lagging replica's answer is
not held once the change feed has passed it; a replica gone falls back to
the primary."""
import re
import subprocess
import time

import harness
from harness import wait_until
from test_ca import openssl
from test_revocation import PkiCase

ROWS = 1000  # bulk-loaded certificates (two responses each)
# Seconds between a node's reads of the changed rows besides NOTIFY
# (OCSPCACHE_INTERVAL, api/service/ocspcache.c).
FEED_INTERVAL = 1


def metric(srv, name):
    st, _, body = srv.http("GET", "/metrics")
    text = body.decode() if isinstance(body, bytes) else body
    m = re.search(r"^%s (\d+)$" % name, text, re.M)
    assert m, (name, text[:2000])
    return int(m.group(1))


class OcspCacheTest(PkiCase):
    extra_env = {"RXCA_OCSP_CACHE_MB": "1"}

    def bulk_load(self, template_serial):
        """ROWS certificates copied from the template (serials 0x40 00..i),
        each with the template's two stored responses."""
        # One transaction: the refresh job must not see certificates
        # without responses (it would sign them).
        self.db.query(
            "BEGIN; INSERT INTO certificates SELECT (jsonb_populate_record("
            "NULL::certificates, to_jsonb(c) || jsonb_build_object("
            "'serial', '\\x' || s.hex, 'kit_id', NULL, 'renews', NULL, "
            "'spki_sha256', '\\x' || encode(sha256(decode(s.hex, 'hex')), "
            "'hex')))).* FROM certificates c, (SELECT '40' || "
            "lpad(to_hex(i), 30, '0') AS hex FROM generate_series(1, %d) i)"
            " s WHERE c.serial = '\\x%s'; "
            "INSERT INTO ocsp_responses (serial, md, status, der, "
            "this_update, next_update, updated_at) SELECT c.serial, o.md, "
            "o.status, o.der, o.this_update, o.next_update, o.updated_at "
            "FROM certificates c JOIN ocsp_responses o ON o.serial = "
            "'\\x%s' WHERE c.serial <> o.serial AND "
            "c.serial NOT IN (SELECT serial FROM ocsp_responses); COMMIT"
            % (ROWS, template_serial, template_serial))
        return {md: bytes.fromhex(self.db.scalar(
            "SELECT encode(der, 'hex') FROM ocsp_responses WHERE serial = "
            "'\\x%s' AND md = '%s'" % (template_serial, md)))
            for md in ("sha1", "sha256")}

    def request_template(self, md):
        """An OCSP request for the leaf hashed with md, and the offset of
        its 16-byte serial."""
        req = "%s/req-%s.der" % (self.d, md)
        rc, _, err = openssl("ocsp", "-issuer", self.issuing, "-" + md,
                             "-cert", self.leaf, "-no_nonce", "-reqout",
                             req)
        self.assertEqual(rc, 0, err)
        with open(req, "rb") as f:
            der = f.read()
        serial = bytes.fromhex(self.serial)
        at = der.index(b"\x02\x10" + serial) + 2
        return der, at

    def ask(self, srv, template, i):
        der, at = template
        body = der[:at] + bytes.fromhex("40" + "%030x" % i) + der[at + 16:]
        st, h, resp = srv.http(
            "POST", "/ocsp", raw=body,
            headers={"Content-Type": "application/ocsp-request"})
        self.assertEqual(st, 200)
        return resp

    def test_bound_misses_from_the_database_and_revocation(self):
        app = self.issued()
        self.serial = app["_cert"]["serial"]
        self.wait_ocsp("good")
        stored = self.bulk_load(self.serial)
        limit = metric(self.srv, "rxca_ocsp_cache_limit_bytes")
        self.assertEqual(limit, 1 << 20)
        signed = metric(self.srv, "rxca_ocsp_signed_on_demand_total")
        misses = metric(self.srv, "rxca_ocsp_cache_misses_total")
        # Every bulk serial with both hashes: each is a miss answered
        # with its stored response, never signed.
        tmpl = {md: self.request_template(md) for md in ("sha1", "sha256")}
        for i in range(1, ROWS + 1):
            for md in ("sha1", "sha256"):
                self.assertEqual(self.ask(self.srv, tmpl[md], i),
                                 stored[md], (i, md))
        self.assertEqual(
            metric(self.srv, "rxca_ocsp_signed_on_demand_total"), signed)
        self.assertGreaterEqual(
            metric(self.srv, "rxca_ocsp_cache_misses_total") - misses,
            2 * ROWS)
        # Within the bound, by evicting.
        self.assertLessEqual(metric(self.srv, "rxca_ocsp_cache_bytes"),
                             limit)
        held = metric(self.srv, "rxca_ocsp_cache_entries")
        self.assertGreater(held, 100)
        self.assertLess(held, 2 * ROWS * 3 // 4)
        # Each miss was held and then evicted, is held still, or was not
        # held at all: read before the change feed moved (the bulk load's
        # own notification can arrive in the middle of the asks).
        self.assertGreaterEqual(
            metric(self.srv, "rxca_ocsp_cache_evictions_total") +
            metric(self.srv, "rxca_ocsp_cache_dropped_total"),
            2 * ROWS - held)
        # The last ones asked are held: asked again, they are hits.
        hits = metric(self.srv, "rxca_ocsp_cache_hits_total")
        for i in range(ROWS - 9, ROWS + 1):
            self.assertEqual(self.ask(self.srv, tmpl["sha256"], i),
                             stored["sha256"])
        self.assertEqual(metric(self.srv, "rxca_ocsp_cache_hits_total"),
                         hits + 10)
        # The leaf's own answers were evicted long ago: a miss, read from
        # the database, that openssl verifies; nothing signed.
        lookups = metric(self.srv, "rxca_ocsp_db_lookups_total")
        st, text = self.ocsp_cli(self.leaf)
        self.assertEqual(st, "good", text)
        self.assertIn("Response verify OK", text)
        self.assertEqual(metric(self.srv, "rxca_ocsp_db_lookups_total"),
                         lookups + 1)
        self.assertEqual(
            metric(self.srv, "rxca_ocsp_signed_on_demand_total"), signed)

        # A second node whose cache holds the leaf's "good" (a hit).
        env = dict(self.env)
        env["RXCA_TLS_LISTEN"] = "127.0.0.1:%d" % harness.free_port()
        env["RXCA_OCSP_CACHE_MB"] = "2"
        other = self.start_server(db=self.db, env=env)
        main = self.srv
        self.srv = other
        def warm():
            hits = metric(other, "rxca_ocsp_cache_hits_total")
            self.assertEqual(self.ocsp_cli(self.leaf)[0], "good")
            return metric(other, "rxca_ocsp_cache_hits_total") == hits + 1
        wait_until(warm, 5, 0.05, "the second node to hold the leaf")
        # Revoked through the first node: the second answers "revoked"
        # from memory at once (the change feed replaced its entry).
        # At once: within two of the feed's reads, and one more of our
        # asks (timed here, a hit), of the revocation's answer (committed
        # by then), not of its start: the revocation's own time and our
        # asks', which a loaded machine lengthens, are not the feed's.
        t0 = time.monotonic()
        self.assertEqual(self.ocsp_cli(self.leaf)[0], "good")
        ask = time.monotonic() - t0
        self.srv = main
        st, _, js = self.revoke(app, "keyCompromise")
        self.assertEqual(st, 200, js)
        t0 = time.monotonic()
        self.srv = other
        lookups = metric(other, "rxca_ocsp_db_lookups_total")
        text = wait_until(lambda: (lambda r: r[1] if r[0] == "revoked"
                                   else None)(self.ocsp_cli(self.leaf)),
                          5, 0.02, "the second node to say revoked")
        took = time.monotonic() - t0
        self.assertLess(took, 2 * FEED_INTERVAL + ask, "revoked after "
                        "%.2f s, one ask %.2f s" % (took, ask))
        self.assertIn("Reason: keyCompromise", text)
        self.assertIn("Response verify OK", text)
        self.assertEqual(metric(other, "rxca_ocsp_db_lookups_total"),
                         lookups)
        self.assertEqual(
            metric(other, "rxca_ocsp_signed_on_demand_total"), 0)
        # And so does the first one, whose cache did not hold it.
        self.srv = main
        self.assertEqual(self.ocsp_cli(self.leaf)[0], "revoked")

    def test_clients_accept_the_served_form(self):
        """The form rxca serves (docs/certificates.md, "Response size"):
        one SingleResponse, hashed as the request's CertID, signed by the
        delegated responder whose certificate it carries; `openssl ocsp`
        (SHA-1 and SHA-256) and GnuTLS's `ocsptool --ask` verify it (NSS's
        vfychain: test_policy.py)."""
        self.serial = self.issued()["_cert"]["serial"]
        self.wait_ocsp("good")
        for md in ("sha1", "sha256"):
            der, _ = self.request_template(md)
            st, _, resp = self.srv.http(
                "POST", "/ocsp", raw=der,
                headers={"Content-Type": "application/ocsp-request"})
            self.assertEqual(st, 200)
            path = "%s/resp-%s.der" % (self.d, md)
            with open(path, "wb") as f:
                f.write(resp)
            rc, out, err = openssl("ocsp", "-respin", path, "-resp_text",
                                   "-issuer", self.issuing, "-" + md,
                                   "-cert", self.leaf, "-CAfile", self.chain)
            text = (out + err).decode()
            self.assertEqual(rc, 0, text)
            self.assertIn("Response verify OK", text)
            self.assertEqual(text.count("Cert Status: good"), 1, text)
            self.assertIn("Hash Algorithm: %s" % md, text)
            self.assertIn("OCSP Signing", text)  # the signer's certificate
        r = subprocess.run(
            ["ocsptool", "--ask=" + self.srv.base + "/ocsp", "--load-issuer",
             self.issuing, "--load-cert", self.leaf, "--no-nonce"],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Verifying OCSP Response: Success", r.stdout)
        self.assertIn("Certificate Status: good", r.stdout)

    def copy_rows(self, replica, where):
        """The primary's ocsp_responses rows matching where, as they are
        (version included), into replica, replacing its rows of those
        keys: what a streaming replica replays.  The replica's foreign
        keys and version trigger are off (session_replication_role), as
        on a replica."""
        rows = self.db.query(
            "SELECT encode(serial, 'hex'), md, status, encode(der, 'hex'), "
            "this_update, next_update, updated_at, version FROM "
            "ocsp_responses WHERE %s" % where)
        self.assertTrue(rows)
        replica.query(
            "BEGIN; SET LOCAL session_replication_role = replica; "
            + "".join("DELETE FROM ocsp_responses WHERE serial = '\\x%s' "
                      "AND md = '%s'; INSERT INTO ocsp_responses VALUES "
                      "('\\x%s', '%s', '%s', '\\x%s', '%s', '%s', '%s', "
                      "%s); " % (r[0], r[1], *r) for r in rows)
            + "COMMIT")

    def test_misses_read_from_a_replica(self):
        """RXCA_OCSP_DATABASE_URL: a second database, a real libpq
        connection, standing in for a streaming replica."""
        a = self.issued()
        leaf_a, self.serial = self.leaf, a["_cert"]["serial"]
        self.wait_ocsp("good")
        tmpl = {md: self.request_template(md) for md in ("sha1", "sha256")}
        b = self.issued()
        leaf_b = self.leaf
        self.wait_ocsp("good")
        replica = self.start_db()
        self.copy_rows(replica, "true")
        # A serial only the replica holds (bytes of a's SHA-1 response).
        only = "40" + "%030x" % 7  # as ask() builds it
        stored = bytes.fromhex(replica.scalar(
            "SELECT encode(der, 'hex') FROM ocsp_responses WHERE serial = "
            "'\\x%s' AND md = 'sha1'" % self.serial))
        replica.query(
            "SET session_replication_role = replica; INSERT INTO "
            "ocsp_responses (serial, md, status, der, this_update, "
            "next_update, updated_at, version) SELECT '\\x%s', md, status, "
            "der, this_update, next_update, updated_at, 1 FROM "
            "ocsp_responses WHERE serial = '\\x%s' AND md = 'sha1'"
            % (only, self.serial))
        env = dict(self.env)
        env["RXCA_TLS_LISTEN"] = "127.0.0.1:%d" % harness.free_port()
        env["RXCA_OCSP_DATABASE_URL"] = replica.url
        node = self.start_server(db=self.db, env=env)
        main = self.srv

        # The replica's row is the answer: the primary has none for it.
        self.assertEqual(self.ask(node, tmpl["sha1"], 7), stored)
        self.assertEqual(metric(node, "rxca_ocsp_db_lookups_total"), 1)
        self.assertEqual(metric(node, "rxca_ocsp_signed_on_demand_total"), 0)
        self.assertEqual(int(replica.scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = '%s' "
            "AND application_name = 'rxca'" % replica.name)), 1)
        self.assertNotEqual(self.ask(main, tmpl["sha1"], 7), stored)

        # b held by the node (read from the replica), a not.
        self.srv = node
        def held():
            hits = metric(node, "rxca_ocsp_cache_hits_total")
            self.assertEqual(self.ocsp_cli(leaf_b)[0], "good")
            return metric(node, "rxca_ocsp_cache_hits_total") == hits + 1
        wait_until(held, 5, 0.05, "the node to hold b")
        # Both revoked on the primary, a first: once the node's feed says
        # b is revoked, it has passed a's revocation too.
        self.srv = main
        for app in (a, b):
            st, _, js = self.revoke(app, "keyCompromise")
            self.assertEqual(st, 200, js)
        self.srv = node
        wait_until(lambda: self.ocsp_cli(leaf_b)[0] == "revoked", 5, 0.05,
                   "the node's feed to replace b")
        # The replica lags: a's answer is its "good" (the lag is the
        # replica's) but the node must not hold it, since no feed row
        # would replace it.
        lookups = metric(node, "rxca_ocsp_db_lookups_total")
        st, text = self.ocsp_cli(leaf_a)
        self.assertEqual(st, "good", text)
        self.assertIn("Response verify OK", text)
        self.assertEqual(metric(node, "rxca_ocsp_db_lookups_total"),
                         lookups + 1)
        # The replica catches up: the node says revoked at once.
        self.copy_rows(replica, "true")
        st, text = self.ocsp_cli(leaf_a)
        self.assertEqual(st, "revoked", text)
        self.assertIn("Response verify OK", text)
        self.assertEqual(metric(node, "rxca_ocsp_signed_on_demand_total"), 0)

        # The replica gone: misses fall back to the primary, signed within
        # the client's bound; the node keeps answering.
        replica.drop()
        signed = metric(node, "rxca_ocsp_signed_on_demand_total")
        self.assertEqual(self.ocsp_cli(serial="0x" + only,
                                       extra=["-sha256"])[0], "unknown")
        self.assertEqual(metric(node, "rxca_ocsp_signed_on_demand_total"),
                         signed + 1)
        self.assertEqual(self.ocsp_cli(leaf_a)[0], "revoked")
        # the replica read failed, on its open connection or on the
        # reconnect, whichever the drop met first
        err = node.stderr()
        self.assertTrue('msg="database unavailable" stmt=ocsp_row' in err or
                        ('msg="database connection failed"' in err and
                         replica.name + '" does not exist' in err), err)


if __name__ == "__main__":
    harness.main()
