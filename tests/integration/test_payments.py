#!/usr/bin/python3
"""Payments end to end against the reference payment service
(proofing/reference/payprovider.py, real HTTP): authorised at submission,
captured once on approval, declined -> 402 with nothing written, a
timeout retried under the same idempotency key and charged once, a crash
between the provider's answer and the commit never charges twice (the
retry reuses the authorisation; without retry the sweep voids it),
refund or void on rejection and lapse, the receipt, the quote, and the
operators' list and manual refund (admin only)."""
import concurrent.futures
import json
import os
import secrets
import signal
import subprocess
import threading
import time

import harness
import tlsutil
from harness import PYTHON, SOURCE_DIR, clean_env, wait_until
from provider import start_provider

PROGRAM = os.path.join(SOURCE_DIR, "proofing", "reference",
                       "payprovider.py")
READY = "listening on http://"
DAY = 86400
FAST = {"RXCA_IDV_MAX_ATTEMPTS": "3", "RXCA_JOB_BACKOFF_MAX": "1",
        "RXCA_JOB_POLL_INTERVAL": "1", "RXCA_SWEEP_INTERVAL": "1",
        "RXCA_PROVIDER_CONNECT_TIMEOUT_MS": "500",
        "RXCA_PROVIDER_TIMEOUT_MS": "1500",
        "RXCA_PAYMENT_TIMEOUT_MS": "1000", "RXCA_PAYMENT_ATTEMPTS": "3"}
ADA = ("Ada", "Lovelace", "1975-12-10", "1234")      # approved
GRACE = ("Grace", "Hopper", "1966-12-09", "5678")    # rejected


class PayProvider:
    """payprovider.py on 127.0.0.1, stopped by its own PID."""

    def __init__(self, workdir, api_key="pay-key", timeout_s=3, slow_s=3):
        self.workdir, self.api_key = workdir, api_key
        self.args = ["--timeout-seconds", str(timeout_s),
                     "--slow-seconds", str(slow_s)]
        self.port, self.proc, self.lines = 0, None, []
        self.stderr_path = os.path.join(workdir, "payprovider.stderr")

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def env(self):
        return {"RXCA_PAYMENT_URL": self.url,
                "RXCA_PAYMENT_API_KEY": self.api_key}

    def start(self):
        env = clean_env({"PYTHONDONTWRITEBYTECODE": "1",
                         "PAYPROVIDER_API_KEY": self.api_key})
        self.err = open(self.stderr_path, "ab")
        self.proc = harness.popen(
            [PYTHON, PROGRAM, "--listen", "127.0.0.1:0"] + self.args,
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=self.err, cwd=self.workdir)
        ready = threading.Event()

        def reader(proc=self.proc):
            for raw in proc.stdout:
                self.lines.append(raw.decode().rstrip("\n"))
                if self.lines[-1].startswith(READY):
                    ready.set()
            ready.set()
        threading.Thread(target=reader, daemon=True).start()
        ready.wait(10)
        ok = [l for l in self.lines if l.startswith(READY)]
        assert ok, "payprovider.py did not start: %s" % self.stderr()
        self.port = int(ok[-1].rsplit(":", 1)[1])
        return self

    def stop(self):
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.err.close()
        self.proc = None

    def stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stats(self):
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            c.request("GET", "/stats")
            return json.loads(c.getresponse().read())
        finally:
            c.close()


class HoldingProxy:
    """In front of the payment service: passes every request on, but
    holds those to one path (e.g. /v1/captures) until release(), saying
    when one has arrived (arrived, an Event), so that a test can look at
    the database while rxca waits for the provider."""

    def __init__(self, upstream_port, hold_path):
        import http.client
        import http.server
        proxy = self
        self.arrived, self.released = threading.Event(), threading.Event()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                if self.path == hold_path:
                    proxy.arrived.set()
                    proxy.released.wait(30)
                c = http.client.HTTPConnection("127.0.0.1", upstream_port,
                                               timeout=30)
                try:
                    c.request("POST", self.path, body,
                              {k: v for k, v in self.headers.items()
                               if k.lower() in ("authorization",
                                                "idempotency-key",
                                                "content-type")})
                    r = c.getresponse()
                    data = r.read()
                    status = r.status
                finally:
                    c.close()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                     Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever,
                         daemon=True).start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.httpd.server_address[1]

    def release(self):
        self.released.set()

    def stop(self):
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def person(given, family, dob, ssn, card="tok_pay_4111111111111111",
           **over):
    body = harness.application(applicant={
        "given_name": given, "family_name": family, "date_of_birth": dob,
        "ssn_last4": ssn, "dea_number": "A%s1234563" % family[0].upper()},
        payment={"card_token": card})
    return harness.deep_merge(body, over)


class PaymentCase(harness.TestCase):

    def setUp(self):
        super().setUp()
        self.idp = start_provider(self)
        d = os.path.join(self.tmp, "pay-%s" % secrets.token_hex(3))
        os.mkdir(d)
        self.pay = PayProvider(d)
        self.addCleanup(self.pay.stop)
        self.pay.start()

    def env(self, **over):
        e = dict(FAST)
        e.update(self.idp.env())
        e.update(self.pay.env())
        e.update(over)
        return e

    def server(self, db=None, sink=None, **over):
        return self.start_server(db=db, sink=sink, env=self.env(**over))

    def payment(self, srv, app_id):
        rows = srv.db.query(
            "SELECT status, authorisation, authorised_cents, "
            "captured_cents, refunded_cents, last4 FROM payments "
            "WHERE application_id = '%s'" % app_id)
        return rows[0] if rows else None

    def status_of(self, srv, app_id):
        return srv.db.scalar("SELECT status FROM applications WHERE id = "
                             "'%s'" % app_id)

    def verified(self, srv, body):
        app = self.apply(srv, body)
        code = self.code_for(srv, app["_email"])
        st, _, js = self.verify(srv, app["id"], code)
        self.assertEqual(st, 200, js)
        return app

    def wait_payment(self, srv, app_id, status, timeout=30):
        return wait_until(
            lambda: (self.payment(srv, app_id) or [None])[0] == status,
            timeout, 0.2, "payment of %s to be %s" % (app_id, status))

    def no_token_in_logs(self, srv, token):
        self.assertNotIn(token, srv.stderr())


class ProviderAuthTest(harness.TestCase):
    """payprovider.py alone: a request without its API key is 401 with an
    RFC 9457 problem, as the identity provider's (proofing/PROVIDERS.md),
    and nothing is done."""

    def test_unauthorised_is_a_problem(self):
        import http.client
        d = os.path.join(self.tmp, "pay-%s" % secrets.token_hex(3))
        os.mkdir(d)
        pay = PayProvider(d)
        self.addCleanup(pay.stop)
        pay.start()
        body = json.dumps({"amount_cents": 100, "currency": "usd",
                           "card_token": "tok_ok"})
        for path in ("/v1/authorisations", "/v1/captures",
                     "/v1/address-verifications"):
            for auth in (None, "Bearer wrong", "pay-key"):
                with self.subTest(path=path, auth=auth):
                    h = {"Content-Type": "application/json",
                         "Idempotency-Key": "k-" + secrets.token_hex(4)}
                    if auth:
                        h["Authorization"] = auth
                    c = http.client.HTTPConnection("127.0.0.1", pay.port,
                                                   timeout=10)
                    try:
                        c.request("POST", path, body, h)
                        r = c.getresponse()
                        js = json.loads(r.read())
                    finally:
                        c.close()
                    self.assertEqual(r.status, 401, js)
                    self.assertEqual(r.getheader("Content-Type"),
                                     "application/problem+json")
                    self.assertTrue(r.getheader(
                        "WWW-Authenticate").startswith("Bearer"))
                    self.assertEqual((js["status"], js["title"]),
                                     (401, "Unauthorized"))
        self.assertEqual(pay.stats()["requests"], 0)


class FlowTest(PaymentCase):

    def test_approve_authorises_then_captures_once_with_receipt(self):
        srv = self.server()
        app = self.verified(srv, person(*ADA))
        pay = self.payment(srv, app["id"])
        self.assertIsNotNone(pay)
        self.assertEqual(int(pay[2]), app["price"]["total"]["amount_cents"])
        self.assertEqual(pay[5], "1111")
        self.wait_payment(srv, app["id"], "captured")
        self.assertEqual(self.status_of(srv, app["id"]), "approved")
        # The receipt: itemised, with the tax state and rate.
        def receipt():
            for m in srv.sink.for_address(app["_email"]):
                if "receipt" in m["Subject"]:
                    return m
            return None
        msg = wait_until(receipt, 30, 0.2, "the receipt")
        text = harness.mail_text(msg)
        price = app["price"]
        for it in price["items"]:
            self.assertIn(it["label"], text)
        self.assertIn("state IN", text)
        self.assertIn("untaxed", text)
        self.assertIn("1111", text)
        st = self.pay.stats()
        self.assertEqual(st["authorise"], 1)
        self.assertEqual(st["capture"], 1)
        self.assertEqual(st["by_key"]["rxca-ca-%s" % app["id"]], 1)
        acts = [r[0] for r in srv.db.audits(
            "action", "subject = '%s'" % app["id"])]
        self.assertIn("payment.authorise", acts)
        self.assertIn("payment.capture", acts)
        self.assertEqual(srv.db.admin("audit", "verify").returncode, 0)
        self.no_token_in_logs(srv, "tok_pay_4111111111111111")

    def test_receipt_names_tax_state_and_rate(self):
        srv = self.server(RXCA_PAYMENT_CAPTURE="submission")
        app = self.apply(srv, person(*ADA, applicant={"home_address": {
            "city": "Austin", "state": "TX", "postal_code": "78701"}},
            voucher=None))
        price = app["price"]
        self.assertEqual(price["tax_rate_percent"], "6.25")
        self.wait_payment(srv, app["id"], "captured")

        def receipt():
            for m in srv.sink.for_address(app["_email"]):
                if "receipt" in m["Subject"]:
                    return m
            return None
        text = harness.mail_text(wait_until(receipt, 30, 0.2, "receipt"))
        self.assertIn("Sales tax (TX 6.25%)", text)
        self.assertIn("Sales tax: 6.25% (state TX)", text)
        total = price["total"]["amount_cents"]
        self.assertIn("%d.%02d USD" % (total // 100, total % 100), text)
        self.assertEqual(int(self.payment(srv, app["id"])[3]), total)

    def test_decline_is_402_and_writes_nothing(self):
        srv = self.server()
        body = person(*ADA, card="tok_decline_1")
        body2 = json.loads(json.dumps(body))
        resp = srv.http("POST", "/v1/applications", body)
        self.assertProblem(resp, 402, "payment.card_token")
        for table in ("applications", "payments", "payment_intents",
                      "payment_events", "jobs", "idempotency_keys"):
            self.assertEqual(srv.db.count(table), 0, table)
        self.assertEqual(srv.db.count(
            "audit_log", "action LIKE 'payment%' OR action LIKE "
            "'application%'"), 0)
        self.assertEqual(self.pay.stats()["authorise"], 0)
        self.assertEqual(srv.sink.for_address(
            body2["applicant"]["email"]), [])
        self.no_token_in_logs(srv, "tok_decline_1")

    def test_timeout_retried_with_same_key_charged_once(self):
        srv = self.server()
        body = person(*ADA, card="tok_timeout_once_1")
        app = self.apply(srv, body, headers={"Idempotency-Key": "k-to-1"})
        st = self.pay.stats()
        self.assertEqual(st["authorise"], 1)
        keys = [k for k in st["by_key"] if k.startswith("rxca-au-")]
        self.assertEqual(len(keys), 1)
        self.assertGreaterEqual(st["by_key"][keys[0]], 2)
        pay = self.payment(srv, app["id"])
        self.assertEqual(pay[0], "authorised")
        self.assertEqual(list(st["authorisations"]), [pay[1]])

    def test_provider_never_answers_is_503_nothing_applied(self):
        srv = self.server()
        resp = srv.http("POST", "/v1/applications",
                        person(*ADA, card="tok_timeout_1"))
        self.assertProblem(resp, 503)
        self.assertEqual(srv.db.count("applications"), 0)
        self.assertEqual(srv.db.count("payments"), 0)
        self.assertEqual(self.pay.stats()["authorise"], 0)

    def test_rejection_refunds_once_when_captured_at_submission(self):
        srv = self.server(RXCA_PAYMENT_CAPTURE="submission")
        app = self.verified(srv, person(*GRACE))
        self.wait_payment(srv, app["id"], "refunded")
        self.assertEqual(self.status_of(srv, app["id"]), "rejected")
        st = self.pay.stats()
        self.assertEqual(st["capture"], 1)
        self.assertEqual(st["refund"], 1)
        self.assertEqual(st["by_key"]["rxca-re-%s" % app["id"]], 1)
        pay = self.payment(srv, app["id"])
        self.assertEqual(pay[3], pay[4])
        self.assertEqual(srv.db.count(
            "audit_log", "action = 'payment.refund' AND subject = '%s'"
            % app["id"]), 1)

    def test_rejection_voids_when_not_captured(self):
        srv = self.server()
        app = self.verified(srv, person(*GRACE))
        self.wait_payment(srv, app["id"], "voided")
        st = self.pay.stats()
        self.assertEqual((st["capture"], st["void"], st["refund"]),
                         (0, 1, 0))

    def test_lapse_releases_per_policy(self):
        srv = self.server()
        app = self.apply(srv, person(*ADA))
        srv.set_clock(30 * DAY + 1)
        self.wait_payment(srv, app["id"], "voided")
        self.assertEqual(self.status_of(srv, app["id"]), "lapsed")
        self.assertEqual(self.pay.stats()["void"], 1)

    def test_lapse_policy_none_keeps_the_authorisation(self):
        srv = self.server(RXCA_PAYMENT_REFUND_ON_LAPSE="none")
        app = self.apply(srv, person(*ADA))
        srv.set_clock(30 * DAY + 1)
        wait_until(lambda: self.status_of(srv, app["id"]) == "lapsed", 15,
                   0.2, "the lapse")
        self.assertEqual(self.payment(srv, app["id"])[0], "authorised")
        self.assertEqual(srv.db.count("jobs", "kind = 'payment.refund'"), 0)

    def test_quote(self):
        srv = self.server()
        body = person(*ADA)
        del body["account"]
        del body["payment"]
        st, _, js = srv.http("POST", "/v1/applications/quote", body)
        self.assertEqual(st, 200, js)
        app = self.apply(srv, person(*ADA))
        self.assertEqual(js, app["price"])
        self.assertProblem(srv.http("POST", "/v1/applications/quote",
                                    {"product": "nope", "storage": "x",
                                     "shipping": "usps",
                                     "applicant": {"home_address":
                                                   {"country": "US"}}}),
                           422, "product")


class NoLockAcrossTheCallTest(PaymentCase):
    """No row lock is held while rxca waits for the provider: during a
    capture held by the proxy, another connection locks the payment row,
    the application row and the job row with NOWAIT (before the capture
    job paused its transaction, the payment and job rows stayed locked
    across the call)."""

    def test_capture_holds_no_lock_during_the_call(self):
        proxy = HoldingProxy(self.pay.port, "/v1/captures")
        self.addCleanup(proxy.stop)
        srv = self.server(RXCA_PAYMENT_CAPTURE="submission",
                          RXCA_PAYMENT_URL=proxy.url,
                          RXCA_PAYMENT_TIMEOUT_MS="20000")
        app = self.apply(srv, person(*ADA))
        self.assertTrue(proxy.arrived.wait(20), "no capture arrived")
        nowait = ("BEGIN; SET LOCAL lock_timeout = '1s'; "
                  "SELECT 1 FROM payments WHERE application_id = '%s' "
                  "FOR UPDATE NOWAIT; SELECT 1 FROM applications WHERE "
                  "id = '%s' FOR UPDATE NOWAIT; SELECT 1 FROM jobs WHERE "
                  "kind = 'payment.capture' FOR UPDATE NOWAIT; ROLLBACK"
                  % (app["id"], app["id"]))
        try:
            srv.db.query(nowait)
        finally:
            proxy.release()
        self.wait_payment(srv, app["id"], "captured")
        st = self.pay.stats()
        self.assertEqual(st["capture"], 1)
        self.assertEqual(st["by_key"]["rxca-ca-%s" % app["id"]], 1)
        self.assertEqual(srv.db.count(
            "audit_log", "action = 'payment.capture' AND subject = '%s'"
            % app["id"]), 1)
        self.assertEqual(srv.db.admin("audit", "verify").returncode, 0)


class IdempotencyTest(PaymentCase):
    """A replay is answered from the database without the provider; one
    key from many clients at once is one authorisation; a price changed
    under an authorisation can be retried with the same key."""

    def test_replay_while_provider_is_stopped_is_the_stored_answer(self):
        srv = self.server()
        body = person(*ADA)
        key = {"Idempotency-Key": "replay-down-1"}
        app = self.apply(srv, body, headers=key)
        self.assertEqual(self.pay.stats()["authorise"], 1)
        # Stopped (SIGSTOP): a request sent meanwhile would be counted
        # once it runs again.
        self.pay.proc.send_signal(signal.SIGSTOP)
        try:
            st, _, js = srv.http("POST", "/v1/applications", body,
                                 headers=key)
        finally:
            self.pay.proc.send_signal(signal.SIGCONT)
        self.assertEqual(st, 201, js)
        self.assertEqual(js["id"], app["id"])
        self.assertEqual(js["price"], app["price"])
        other = person(*ADA, account={"password": "another-password-1"})
        self.assertProblem(srv.http("POST", "/v1/applications", other,
                                    headers=key), 409)
        time.sleep(0.5)
        st = self.pay.stats()
        self.assertEqual(st["authorise"], 1)
        keys = [k for k in st["by_key"] if k.startswith("rxca-au-")]
        self.assertEqual(len(keys), 1)
        self.assertEqual(st["by_key"][keys[0]], 1)
        self.assertEqual(srv.db.count("applications"), 1)
        self.assertEqual(srv.db.count("payments"), 1)

    def test_one_key_from_20_threads_is_one_authorisation(self):
        srv = self.server()
        body = person(*ADA)
        key = {"Idempotency-Key": "par-pay-1"}
        n = 20
        barrier = threading.Barrier(n)

        def run(_):
            barrier.wait(10)
            return srv.http("POST", "/v1/applications", body, headers=key,
                            timeout=60)
        with concurrent.futures.ThreadPoolExecutor(n) as pool:
            results = list(pool.map(run, range(n)))
        self.assertEqual([r[0] for r in results], [201] * n,
                         [r[2] for r in results if r[0] != 201][:3])
        self.assertEqual(len({r[2]["id"] for r in results}), 1)
        self.assertEqual(srv.db.count("applications"), 1)
        self.assertEqual(srv.db.count("payments"), 1)
        self.assertEqual(srv.db.count("payment_intents"), 1)
        st = self.pay.stats()
        self.assertEqual(st["authorise"], 1)
        self.assertEqual(len(st["authorisations"]), 1)

    def test_price_changed_succeeds_on_retry_with_the_same_key(self):
        srv = self.server()
        srv.db.query("INSERT INTO vouchers (code, amount_cents) "
                     "VALUES ('V-PRICE-1', 500)")
        body = person(*ADA, card="tok_slow_3", voucher="V-PRICE-1")
        key = {"Idempotency-Key": "price-changed-1"}
        out = {}

        def send():
            out["r"] = srv.http("POST", "/v1/applications", body,
                                headers=key)
        t = threading.Thread(target=send)
        t.start()
        wait_until(lambda: self.pay.stats()["authorise"] == 1, 10, 0.05,
                   "the authorisation")
        srv.db.query("UPDATE vouchers SET amount_cents = 700 "
                     "WHERE code = 'V-PRICE-1'")
        t.join(30)
        st, _, js = out["r"]
        self.assertEqual(st, 409, js)
        self.assertIn("price-changed", js["type"], js)
        app = self.apply(srv, body, headers=key)
        pay = self.payment(srv, app["id"])
        self.assertEqual(int(pay[2]), app["price"]["total"]["amount_cents"])
        st = self.pay.stats()
        self.assertEqual(st["authorise"], 2)
        self.assertEqual(srv.db.count("payment_intents"), 2)
        # Replayed once more: the stored answer, no third authorisation.
        st2, _, js2 = srv.http("POST", "/v1/applications", body,
                               headers=key)
        self.assertEqual((st2, js2["id"]), (201, app["id"]))
        self.assertEqual(self.pay.stats()["authorise"], 2)


class CrashTest(PaymentCase):
    """The server dies after the provider authorised, before the commit
    (tok_slow holds the answer; the server is killed meanwhile)."""

    def crash(self, body, key):
        srv = self.server()
        out = {}

        def send():
            try:
                out["r"] = srv.http("POST", "/v1/applications", body,
                                    headers={"Idempotency-Key": key})
            except Exception as e:    # the connection dies with the server
                out["e"] = e
        t = threading.Thread(target=send)
        t.start()
        wait_until(lambda: self.pay.stats()["authorise"] == 1, 10, 0.05,
                   "the authorisation")
        srv.proc.kill()
        srv.stop(check=False)
        t.join(10)
        self.assertEqual(srv.db.count("applications"), 0)
        self.assertEqual(srv.db.count("payment_intents"), 1)
        return srv

    def test_retry_reuses_the_authorisation(self):
        body = person(*ADA, card="tok_slow_1")
        old = self.crash(body, "crash-retry-1")
        srv = self.server(db=old.db, sink=old.sink, RXCA_LOG_LEVEL="debug")
        app = self.apply(srv, body,
                         headers={"Idempotency-Key": "crash-retry-1"})
        st = self.pay.stats()
        self.assertEqual(st["authorise"], 1)
        self.assertEqual(self.payment(srv, app["id"])[1],
                         list(st["authorisations"])[0])
        # The sweep leaves an attached intent alone.
        srv.set_clock(2000)
        srv.wait_sweeps(2)
        self.assertEqual(self.pay.stats()["void"], 0)

    def test_sweep_voids_the_orphan(self):
        body = person(*ADA, card="tok_slow_2")
        old = self.crash(body, "crash-orphan-1")
        srv = self.server(db=old.db, sink=old.sink)
        srv.set_clock(1000)
        wait_until(lambda: self.pay.stats()["void"] == 1, 20, 0.2,
                   "the orphan to be voided")
        st = self.pay.stats()
        self.assertEqual(st["authorise"], 1)
        (auth,) = st["authorisations"].values()
        self.assertEqual(auth["status"], "voided")
        self.assertEqual(srv.db.count(
            "audit_log", "action = 'payment.orphan_voided'"), 1)
        self.assertEqual(srv.db.count(
            "payment_intents", "voided_at IS NOT NULL"), 1)


class OpsTest(PaymentCase):

    def setUp(self):
        super().setUp()
        self.srv, self.tls, self.certs = tlsutil.operator_server(
            self, self.env(RXCA_PAYMENT_CAPTURE="submission"))

    def operator(self, name, roles):
        return self.take_operator(self.srv.db, name, roles, self.certs,
                                  self.tls["env"])

    def ops(self, method, path, body=None, who=None):
        cert, key = who if who else (None, None)
        return tlsutil.https(self.tls["port"], method, path, body,
                             cert=cert, key=key, cafile=self.tls["ca"])

    def test_list_and_manual_refund(self):
        app = self.apply(self.srv, person(*ADA))
        self.wait_payment(self.srv, app["id"], "captured")
        aud = self.operator("alice", "auditor")
        adm = self.operator("ann", "admin")
        st, _, js = self.ops("GET", "/v1/ops/payments?application=%s"
                             % app["id"], who=aud)
        self.assertEqual(st, 200, js)
        (p,) = js["payments"]
        self.assertEqual(p["status"], "captured")
        self.assertEqual(p["card_last4"], "1111")
        self.assertEqual([e["kind"] for e in p["events"]],
                         ["authorise", "capture"])
        self.assertNotIn("tok_", json.dumps(js))
        path = "/v1/ops/payments/%s/refund" % app["id"]
        self.assertProblem(self.ops("POST", path, {"reason": "x"},
                                    who=aud), 403)
        self.assertProblem(self.ops("POST", path, {"amount_cents": 100},
                                    who=adm), 422, "reason")
        st, _, js = self.ops("POST", path, {"amount_cents": 500,
                                            "reason": "goodwill"}, who=adm)
        self.assertEqual(st, 202, js)
        self.wait_payment(self.srv, app["id"], "partially_refunded")
        self.assertEqual(self.pay.stats()["refund"], 1)
        self.assertEqual(int(self.payment(self.srv, app["id"])[4]), 500)
        self.assertEqual(self.srv.db.count(
            "audit_log", "action = 'payment.refund_requested' AND actor "
            "LIKE 'operator:%%'"), 1)
        self.assertEqual(self.srv.db.count(
            "audit_log", "action = 'payment.refund' AND subject = '%s'"
            % app["id"]), 1)
        self.assertProblem(self.ops("POST", path, {"amount_cents": 10 ** 8,
                                                   "reason": "too much"},
                                    who=adm), 422, "amount_cents")
        self.assertProblem(self.ops("GET", "/v1/ops/payments", who=aud),
                           422, "application")


if __name__ == "__main__":
    harness.main()
