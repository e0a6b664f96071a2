#!/usr/bin/python3
"""The operator console's server side (docs/console.md): its pages only on
the operators' HTTPS listener and the portal's only on the public one;
the CSRF defence of the operators' state-changing routes (another site's
Origin, or a browser's request without the console's header, is 403
`cross-site` and changes nothing; curl without an Origin still works);
and GET /v1/ops/dashboard (any operator, its figures, who is asking)."""
import harness
from test_operators import OperatorCase


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
        rvk = self.operator("ray", "revoker,auditor")
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




if __name__ == "__main__":
    harness.main()
