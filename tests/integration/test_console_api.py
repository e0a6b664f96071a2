#!/usr/bin/python3
"""The operator console's server side (docs/console.md): its pages only on
the operators' HTTPS listener and the portal's only on the public one;
the CSRF defence of the operators' state-changing routes (another site's
Origin, or a browser's request without the console's header, is 403
`cross-site` and changes nothing; curl without an Origin still works);
GET /v1/ops/dashboard (any operator, its figures, who is asking); the
audit checkpoints listed and downloaded (auditor), each checked with
`openssl dgst -verify` and the issuing CA's certificate alone."""
import base64
import os

from cryptography import x509
from cryptography.hazmat.primitives import serialization

import harness
from harness import wait_until
from test_ca import openssl
from test_operators import OperatorCase
from test_revocation import PkiCase


class ListenerTest(OperatorCase):

    def test_pages_on_their_listener(self):
        rev = self.operator("lena", "reviewer")
        st, h, body = self.ops("GET", "/console/", who=rev)
        self.assertEqual(st, 200, body)
        self.assertIn(b'src="/console/assets/app.js"', body)
        self.assertIn("default-src 'self'", h["content-security-policy"])
        self.assertNotIn("unsafe-inline", h["content-security-policy"])
        self.assertEqual(h["x-content-type-options"], "nosniff")
        for asset in ("app.js", "api.js", "ui.js", "ocsp.js",
                      "console.css"):
            st, h, _ = self.ops("GET", "/console/assets/" + asset, who=rev)
            self.assertEqual(st, 200, asset)
        # The static server's refusals hold under /console/ too.
        for bad in ("/console/assets/../index.html",
                    "/console/assets/%2e%2e/index.html",
                    "/console/assets/.hidden.js",
                    "/console/assets/nothing.js", "/console/index.html"):
            st, _, _ = self.ops("GET", bad, who=rev)
            self.assertEqual(st, 404, bad)
        # The console is not on the public listener ...
        for path in ("/console/", "/console/assets/app.js"):
            self.assertProblem(self.srv.http("GET", path), 404)
        # ... and the portal is not on the operators' listener.
        for path in ("/", "/apply", "/status", "/verify-email",
                     "/assets/app.js"):
            self.assertProblem(self.ops("GET", path, who=rev), 404)
            st, _, _ = self.srv.http("GET", path)
            self.assertEqual(st, 200, path)


class CsrfTest(OperatorCase):

    def test_cross_site_refused_curl_works(self):
        rev = self.operator("rita", "reviewer")
        app = self.in_review()
        path = "/v1/ops/applications/%s/decision" % app["id"]
        body = {"decision": "approve", "reason": "documents checked"}
        own = "https://127.0.0.1:%d" % self.tls["port"]

        def approvals():
            return self.srv.db.count("approvals", "target = '%s'"
                                     % app["id"])
        refused = [
            # another site's page posting with the operator's certificate
            {"Origin": "https://evil.example", "Sec-Fetch-Site":
             "cross-site", "X-Rxca-Console": "1"},
            {"Origin": "https://evil.example"},
            # a plain form post from the console's own origin: no header
            {"Origin": own, "Sec-Fetch-Site": "same-origin"},
            # fetch metadata alone says another site
            {"Sec-Fetch-Site": "cross-site", "X-Rxca-Console": "1"},
            {"Origin": "null", "X-Rxca-Console": "1"},
            {"Origin": "http://127.0.0.1:%d" % self.tls["port"],
             "X-Rxca-Console": "1"},
        ]
        for hdrs in refused:
            b = self.assertProblem(self.ops("POST", path, body, who=rev,
                                            headers=hdrs), 403)
            self.assertEqual(b["type"], "https://rxca.dev/errors/cross-site",
                             hdrs)
        # Nothing changed: no pending approval, still in review.
        self.assertEqual(approvals(), 0)
        self.assertEqual(self.srv.db.scalar(
            "SELECT status FROM applications WHERE id = '%s'"
            % app["id"]), "review")
        # The other state-changing operator routes are guarded the same.
        for method, p in (
                ("POST", "/v1/ops/certificates/%s/revocation" % ("0" * 32)),
                ("POST", "/v1/ops/kits/kit_x/print"),
                ("POST", "/v1/ops/approvals/apr_x/confirm"),
                ("POST", "/v1/ops/partners")):
            self.assertProblem(self.ops(method, p, {}, who=rev, headers={
                "Origin": "https://evil.example"}), 403)
        # A safe method from another origin is only a read.
        st, _, js = self.ops("GET", "/v1/ops/dashboard", who=rev, headers={
            "Origin": "https://evil.example", "Sec-Fetch-Site":
            "cross-site"})
        self.assertEqual(st, 200, js)
        # The console's own request passes.
        st, _, js = self.ops("POST", path, body, who=rev, headers={
            "Origin": own, "Sec-Fetch-Site": "same-origin",
            "X-Rxca-Console": "1"})
        self.assertEqual(st, 202, js)
        self.assertEqual(approvals(), 1)
        # curl (no Origin, no fetch metadata, no console header) works.
        rena = self.operator("rena", "reviewer")
        st, _, js = self.ops("POST", "/v1/ops/approvals/%s/confirm"
                             % js["id"], who=rena)
        self.assertEqual(st, 200, js)
        self.assertEqual(js["result"]["status"], "approved")


class DashboardTest(OperatorCase):

    def test_figures_and_who_asks(self):
        rev = self.operator("rita", "reviewer")
        rvk = self.operator("rhys", "revoker,auditor")
        self.in_review()
        st, _, d = self.ops("GET", "/v1/ops/dashboard", who=rev)
        self.assertEqual(st, 200, d)
        self.assertEqual(d["operator"]["name"], "rita")
        self.assertEqual(d["operator"]["roles"], ["reviewer"])
        self.assertEqual(d["review"]["queue"], self.srv.db.count(
            "applications", "status = 'review'"))
        self.assertGreaterEqual(d["review"]["queue"], 1)
        for k in ("to_print", "to_ship"):
            self.assertIsInstance(d["kits"][k], int)
        self.assertEqual(d["approvals"]["pending"], 0)
        self.assertEqual(d["dual_control"], ["decision.approve",
                                             "kit.print"])
        self.assertIn("backlog", d["outbox"])
        self.assertIn("oldest_age_seconds", d["outbox"])
        self.assertIn("stale", d["ocsp"])
        self.assertIsInstance(d["cas"], list)
        # A pending action shows up.
        app = self.in_review()
        st, _, _ = self.ops("POST", "/v1/ops/applications/%s/decision"
                            % app["id"], {"decision": "approve",
                                          "reason": "ok"}, who=rev)
        self.assertEqual(st, 202)
        st, _, d = self.ops("GET", "/v1/ops/dashboard", who=rvk)
        self.assertEqual(st, 200, d)
        self.assertEqual(d["approvals"]["pending"], 1)
        self.assertEqual(d["operator"]["roles"], ["revoker", "auditor"])
        # Only operators; no parameters.
        self.assertProblem(self.srv.http("GET", "/v1/ops/dashboard"), 401)
        self.assertProblem(self.ops("GET", "/v1/ops/dashboard"), 401)
        self.assertProblem(self.ops("GET", "/v1/ops/dashboard?x=1",
                                    who=rev), 422, "x")
        # A revoker may not approve: the console does not offer it and
        # the server refuses it.
        self.assertProblem(self.ops("POST", "/v1/ops/applications/%s/"
                                    "decision" % app["id"],
                                    {"decision": "approve", "reason": "x"},
                                    who=rvk), 403)




class CheckpointTest(PkiCase):

    def setUp(self):
        self.extra_env = {"RXCA_AUDIT_CHECKPOINT_INTERVAL": "1",
                          "RXCA_SWEEP_INTERVAL": "1"}
        super().setUp()

    def test_audit_filters(self):
        aud = self.operator("alice", "auditor")
        app = self.issued()
        # The dashboard's CA figures are the database's.
        st, _, d = self.ops("GET", "/v1/ops/dashboard", who=aud)
        self.assertEqual(st, 200, d)
        rows = self.db.query(
            "SELECT c.name, to_char(c.not_after AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), l.number FROM "
            "ca_certificates c LEFT JOIN crls l ON l.issuer = c.name")
        want = {r[0]: (r[1], int(r[2]) if r[2] else None) for r in rows}
        self.assertEqual({c["name"]: (c["not_after"], c["crl"]["number"]
                                      if c["crl"] else None)
                          for c in d["cas"]}, want)
        self.assertEqual([c["name"] for c in d["cas"]][:2],
                         ["root", "issuing"])
        # ... and the certificates' own: each CA's notAfter, not the
        # moment it was recorded.
        for name, der in self.db.query("SELECT name, encode(der, 'hex') "
                                       "FROM ca_certificates"):
            cert = x509.load_der_x509_certificate(bytes.fromhex(der))
            self.assertEqual(
                {c["name"]: c["not_after"] for c in d["cas"]}[name],
                cert.not_valid_after.strftime("%Y-%m-%dT%H:%M:%SZ"), name)
        self.assertEqual(d["ocsp"]["responses"],
                         self.db.count("ocsp_responses"))
        self.assertGreater(d["ocsp"]["responses"], 0)
        self.assertEqual(d["ocsp"]["stale"], 0)

        def ids(query):
            st, _, js = self.ops("GET", "/v1/ops/audit?limit=1000&" + query,
                                 who=aud)
            self.assertEqual(st, 200, js)
            return js["items"]
        mine = ids("subject=" + app["id"])
        self.assertEqual([r["id"] for r in mine], [int(x[0]) for x in
                         self.db.query("SELECT id FROM audit_log WHERE "
                                       "subject = '%s' ORDER BY id"
                                       % app["id"])])
        self.assertGreater(len(mine), 0)
        act = mine[0]["action"]
        both = ids("subject=%s&action=%s" % (app["id"], act))
        self.assertTrue(both and all(r["action"] == act and
                                     r["subject"] == app["id"]
                                     for r in both), both)
        actor = mine[-1]["actor"]
        self.assertTrue(all(r["actor"] == actor for r in ids(
            "actor=" + actor.replace(":", "%3A"))))
        at = mine[-1]["at"]
        self.assertEqual([r["id"] for r in ids("subject=%s&since=%s&until=%s"
                                               % (app["id"], at, at))], [])
        later = ids("subject=%s&since=%s" % (app["id"], at))
        self.assertIn(mine[-1]["id"], [r["id"] for r in later])
        self.assertTrue(all(r["at"] >= at for r in later))
        self.assertEqual(ids("subject=nobody"), [])
        for bad, field in (("since=yesterday", "since"),
                           ("until=2026-12-01", "until"),
                           ("subject=" + "x" * 201, "subject"),
                           ("action=a&action=b", "action"),
                           ("who=me", "who")):
            self.assertProblem(self.ops("GET", "/v1/ops/audit?" + bad,
                                        who=aud), 422, field)

    def test_list_download_verify(self):
        aud = self.operator("alice", "auditor")
        self.issued()
        head = int(self.db.scalar("SELECT max(id) FROM audit_log"))

        def two():
            n = int(self.db.scalar("SELECT count(*) FROM audit_checkpoints"))
            top = self.db.scalar("SELECT max(audit_id) FROM "
                                 "audit_checkpoints")
            return n if n >= 1 and top and int(top) >= head else None
        wait_until(two, 30, 0.2, "a checkpoint of the head")
        # Every checkpoint: as many as there were when the list was asked
        # for, or any the server made meanwhile.
        before = self.db.count("audit_checkpoints")
        st, _, js = self.ops("GET", "/v1/ops/audit/checkpoints", who=aud)
        self.assertEqual(st, 200, js)
        self.assertGreaterEqual(len(js["items"]), before)
        self.assertLessEqual(len(js["items"]),
                             self.db.count("audit_checkpoints"))
        self.assertIsNone(js["next_after"])
        st, _, der = self.srv.http("GET", "/pki/issuing.cer")
        self.assertEqual(st, 200)
        cer = self.write("issuing.cer", "")
        with open(cer, "wb") as f:
            f.write(der)
        rc, pub, err = openssl("x509", "-inform", "DER", "-in", cer,
                               "-pubkey", "-noout")
        self.assertEqual(rc, 0, err)
        pubf = os.path.join(self.tmp, "issuing.pub")
        with open(pubf, "wb") as f:
            f.write(pub)
        # The digest goes with the CA key's curve (ca/signer.c): SHA-256
        # for P-256 (the default, RXCA_CA_KEY), SHA-384 for P-384.
        md = "-sha384" if serialization.load_pem_public_key(
            pub).curve.key_size == 384 else "-sha256"
        for cp in js["items"]:
            row = self.db.query(
                "SELECT audit_id, encode(head_hash, 'hex') FROM "
                "audit_checkpoints WHERE id = %d" % cp["id"])[0]
            self.assertEqual((cp["audit_id"], cp["head_hash"]),
                             (int(row[0]), row[1]))
            self.assertEqual(cp["message"], "rxca-audit-checkpoint:v1:%d:%s"
                             % (cp["audit_id"], cp["head_hash"]))
            # The download: the same item, as an attachment.
            st, h, one = self.ops("GET", "/v1/ops/audit/checkpoints/%d"
                                  % cp["id"], who=aud)
            self.assertEqual(st, 200, one)
            self.assertEqual(one, cp)
            self.assertIn('attachment; filename="rxca-audit-checkpoint-%d'
                          % cp["id"], h["content-disposition"])
            # Anyone holding it checks it with the CA certificate alone.
            msg = os.path.join(self.tmp, "msg-%d" % cp["id"])
            sig = msg + ".sig"
            with open(msg, "w") as f:
                f.write(one["message"])
            with open(sig, "wb") as f:
                f.write(base64.b64decode(one["signature"]))
            rc, out, err = openssl("dgst", md, "-verify", pubf,
                                   "-signature", sig, msg)
            self.assertEqual(rc, 0, out + err)
            self.assertIn(b"Verified OK", out)
            with open(msg, "w") as f:
                f.write(one["message"].replace(":v1:", ":v1:1"))
            rc, out, _ = openssl("dgst", md, "-verify", pubf,
                                 "-signature", sig, msg)
            self.assertNotEqual(rc, 0)
        # Paging by id.
        first = js["items"][0]["id"]
        st, _, pg = self.ops("GET", "/v1/ops/audit/checkpoints?limit=1",
                             who=aud)
        self.assertEqual([i["id"] for i in pg["items"]], [first])
        self.assertEqual(pg["next_after"], first)
        st, _, pg = self.ops("GET", "/v1/ops/audit/checkpoints?after=%d"
                             % first, who=aud)
        # The rest, in order; the server may have made a checkpoint of
        # this test's own audited requests since, which comes after them.
        rest = [i["id"] for i in pg["items"]]
        listed = [i["id"] for i in js["items"][1:]]
        self.assertEqual(rest[:len(listed)], listed)
        self.assertTrue(all(i > js["items"][-1]["id"]
                            for i in rest[len(listed):]), rest)
        # Bad input, unknown ids, other roles.
        self.assertProblem(self.ops("GET", "/v1/ops/audit/checkpoints?"
                                    "limit=0", who=aud), 422, "limit")
        self.assertProblem(self.ops("GET", "/v1/ops/audit/checkpoints?"
                                    "after=x", who=aud), 422, "after")
        self.assertProblem(self.ops("GET", "/v1/ops/audit/checkpoints?"
                                    "q=1", who=aud), 422, "q")
        for bad in ("0", "999999", "1x", "-1", "99999999999999999999"):
            self.assertProblem(self.ops("GET", "/v1/ops/audit/checkpoints/"
                                        + bad, who=aud), 404)
        self.assertProblem(self.ops("GET", "/v1/ops/audit/checkpoints",
                                    who=self.ful), 403)
        self.assertProblem(self.ops("GET", "/v1/ops/audit/checkpoints/%d"
                                    % first, who=self.rev), 403)
        self.assertProblem(self.srv.http("GET", "/v1/ops/audit/checkpoints"),
                           401)


if __name__ == "__main__":
    harness.main()
