#!/usr/bin/python3
"""The public and operational endpoints: health, readiness, metrics, the
catalog, and the router's 404 and 405."""
import decimal
import re

import harness


class PublicTest(harness.TestCase):
    """One server for the class (harness.ClassFixtures): no test changes
    what the others see, and the request counts are at least a test's
    own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv = harness.ClassFixtures(cls).start_server()

    def test_healthz_readyz(self):
        st, h, body = self.srv.http("GET", "/healthz")
        self.assertEqual((st, body), (200, {"status": "ok"}))
        self.assertTrue(h["content-type"].startswith("application/json"))
        st, h, body = self.srv.http("GET", "/readyz")
        self.assertEqual((st, body["status"]), (200, "ready"))
        self.assertEqual(sorted(body["outbox"]),
                         ["dead", "oldest_age_seconds", "queued"])

    def test_metrics_count_requests(self):
        for _ in range(3):
            self.assertEqual(self.srv.http("GET", "/healthz")[0], 200)
        self.srv.http("GET", "/no/such/thing")
        st, h, body = self.srv.http("GET", "/metrics")
        self.assertEqual(st, 200)
        self.assertTrue(h["content-type"].startswith(
            "text/plain; version=0.0.4"), h["content-type"])
        text = body.decode() if isinstance(body, bytes) else body
        counts = {}
        for line in text.splitlines():
            m = re.match(r'rxca_http_requests_total\{(.*)\}\s+(\S+)$', line)
            if m:
                labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
                counts[(labels.get("route"), labels.get("status"))] = \
                    float(m.group(2))
        healthz = [v for (route, status), v in counts.items()
                   if route is not None and "healthz" in route
                   and status == "200"]
        self.assertTrue(healthz, text)
        self.assertGreaterEqual(healthz[0], 3)
        self.assertTrue(any(status == "404" for _, status in counts), text)
        self.assertIn("# TYPE rxca_http_requests_total counter", text)

    def test_products(self):
        st, h, body = self.srv.http("GET", "/v1/products")
        self.assertEqual(st, 200, body)
        products = {p["code"]: p for p in body["products"]}
        hw = products["epcs-hardware"]
        self.assertEqual(hw["price"], {"amount_cents": 10900,
                                       "currency": "USD"})
        self.assertIs(hw["hardware"], True)
        self.assertIs(hw["epcs"], True)
        self.assertEqual(hw["validity_months"], 24)
        for k in ("name", "description"):
            self.assertTrue(hw[k])
        storage = {s["code"]: s for s in hw["storage_options"]}
        self.assertEqual(set(storage), {"new-token", "existing-token"})
        self.assertEqual(storage["new-token"]["price"]["amount_cents"], 6800)
        sw = products["identity-software"]
        self.assertEqual([s["code"] for s in sw["storage_options"]],
                         ["software"])
        ship = {s["code"]: s for s in body["shipping_options"]}
        self.assertEqual(set(ship), {"usps", "usps-express",
                                     "international"})
        self.assertIs(ship["international"]["international"], True)
        taxed = {t["state"]: decimal.Decimal(t["rate_percent"])
                 for t in body["taxed_states"]}
        self.assertEqual(taxed, {
            "CA": decimal.Decimal("7.25"), "CO": decimal.Decimal("2.9"),
            "FL": decimal.Decimal("6.0"), "TX": decimal.Decimal("6.25"),
            "UT": decimal.Decimal("6.10"), "VA": decimal.Decimal("5.3")})

    def test_unknown_path_is_404(self):
        for path in ("/nope", "/v1/applications/app_missing/nope",
                     "/v1/products/extra"):
            with self.subTest(path=path):
                self.assertProblem(self.srv.http("GET", path), 404)

    def test_wrong_method_is_405_with_allow(self):
        for method, path, allowed in (("DELETE", "/v1/products", "GET"),
                                      ("POST", "/healthz", "GET"),
                                      ("GET", "/v1/sessions", "POST"),
                                      ("PUT", "/v1/applications", "POST")):
            with self.subTest(method=method, path=path):
                resp = self.srv.http(method, path)
                self.assertProblem(resp, 405)
                self.assertIn(allowed, resp[1].get("allow", ""))


if __name__ == "__main__":
    harness.main()
