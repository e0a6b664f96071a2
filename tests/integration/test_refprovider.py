#!/usr/bin/python3
"""The reference identity providers (proofing/reference/idprovider.py)
over real HTTP: the contract of proofing/PROVIDERS.md, the answers from
the default data file, and every scripted fault.  Needs no PostgreSQL
and no rxca build."""
import http.client
import json
import os
import re
import socket
import threading
import time
import unittest

import harness
import provider
from harness import wait_until


def start_provider(test, **kw):
    """The program itself, in a process of its own: this file tests it
    (its command line, its log, SIGTERM), not only its answers."""
    return provider.start_provider(test, process=True, **kw)

IDV = "/v1/identity-checks"
AVS = "/v1/address-verifications"


def address(**over):
    a = {"line1": "1 Main St", "line2": None, "city": "Indianapolis",
         "state": "IN", "postal_code": "46204", "country": "US"}
    a.update(over)
    return a


def idv_body(given="Ada", family="Lovelace", dob="1975-12-10",
             ssn="1234", request_id="idv_app_test_1", **over):
    body = {"request_id": request_id, "given_name": given,
            "middle_name": None, "family_name": family,
            "date_of_birth": dob, "email": "ada@example.org",
            "phone": "+13175550100", "address": address(),
            "ssn_last4": ssn}
    return harness.deep_merge(body, over)


def avs_body(token="tok_avs_1", request_id="avs_app_test_1", **addr):
    return {"request_id": request_id, "card_token": token,
            "address": address(**addr)}


# The behaviour identities of the default data file: (given, family, ssn).
FAULTY = {
    "slow": ("Slow", "Sloth", "1111"),
    "error": ("Err", "Ror", "2222"),
    "garbage": ("Gar", "Bage", "3333"),
    "hang": ("Hang", "Up", "4444"),
    "fail_first": ("Flaky", "Fox", "5555"),
    "bad_json": ("Bad", "Shape", "6666"),
    "wrong_request_id": ("Wrong", "Id", "7777"),
}


def faulty(kind, request_id="idv_fault_1"):
    given, family, ssn = FAULTY[kind]
    return idv_body(given, family, "1970-01-01", ssn, request_id)


class ProviderTestCase(harness.TestCase):

    def setUp(self):
        super().setUp()
        self.prov = start_provider(self)

    def idv(self, body, **kw):
        return self.prov.http("POST", IDV, body, **kw)

    def avs(self, body, **kw):
        return self.prov.http("POST", AVS, body, **kw)

    def assertAnswer(self, resp, expected):
        st, h, js = resp
        self.assertEqual(st, 200, js)
        self.assertTrue(h["content-type"].startswith("application/json"))
        self.assertEqual(js, expected)

    def assertBad(self, resp, field, status=400):
        st, h, js = resp
        self.assertEqual(st, status, js)
        self.assertTrue(h["content-type"].startswith("application/json"))
        self.assertIsInstance(js, dict, js)
        self.assertEqual(js.get("field"), field, js)
        self.assertIsInstance(js.get("error"), str, js)
        return js


class IdentityCheckTest(ProviderTestCase):

    def test_pass_fail_review(self):
        self.assertAnswer(self.idv(idv_body(request_id="r1")), {
            "request_id": "r1", "decision": "pass", "score": 96,
            "reasons": []})
        self.assertAnswer(
            self.idv(idv_body("Grace", "Hopper", "1966-12-09", "5678",
                              "r2")),
            {"request_id": "r2", "decision": "fail", "score": 10,
             "reasons": ["deceased_flag", "ssn_mismatch"]})
        self.assertAnswer(
            self.idv(idv_body("Alan", "Turing", "1962-06-23", "4321",
                              "r3")),
            {"request_id": "r3", "decision": "review", "score": 62,
             "reasons": ["address_history_short"]})

    def test_the_harness_application_passes(self):
        a = harness.application()["applicant"]
        body = idv_body(a["given_name"], a["family_name"],
                        a["date_of_birth"], a["ssn_last4"], "r1")
        self.assertEqual(self.idv(body)[2]["decision"], "pass")

    def test_names_match_case_insensitively(self):
        st, _, js = self.idv(idv_body("ADA", "lovelace", request_id="r1"))
        self.assertEqual((st, js["decision"], js["score"]),
                         (200, "pass", 96))

    def test_unknown_identity(self):
        for body in (idv_body(ssn="9999"), idv_body(dob="1975-12-11"),
                     idv_body(family="Byron")):
            self.assertAnswer(self.idv(body), {
                "request_id": body["request_id"], "decision": "fail",
                "score": 0, "reasons": ["identity_not_found"]})

    def test_name_mismatch(self):
        self.assertAnswer(self.idv(idv_body("Augusta", request_id="r9")), {
            "request_id": "r9", "decision": "review", "score": 50,
            "reasons": ["name_mismatch"]})

    def test_optional_fields_as_strings(self):
        body = idv_body(middle_name="King",
                        address=address(line2="Apt 2", state=None,
                                        country="GB"))
        self.assertEqual(self.idv(body)[2]["decision"], "pass")

    def test_idempotency_key_must_be_the_request_id(self):
        body = idv_body(request_id="r1")
        st, _, js = self.idv(body, headers={"Idempotency-Key": "r1"})
        self.assertEqual((st, js["decision"]), (200, "pass"))
        self.assertBad(self.idv(body, headers={"Idempotency-Key": "r2"}),
                       "Idempotency-Key")


class AddressVerificationTest(ProviderTestCase):

    def test_match(self):
        self.assertAnswer(self.avs(avs_body(request_id="a1")),
                          {"request_id": "a1", "result": "match"})
        # Case and whitespace of line1, ZIP+4: still a match.
        resp = self.avs(avs_body(request_id="a2", line1="  1  MAIN st ",
                                 postal_code="46204-1234"))
        self.assertAnswer(resp, {"request_id": "a2", "result": "match"})
        resp = self.avs(avs_body("tok_avs_2", "a3", line1="10 Downing St",
                                 postal_code="20001"))
        self.assertAnswer(resp, {"request_id": "a3", "result": "match"})

    def test_partial(self):
        self.assertAnswer(self.avs(avs_body(line1="2 Other Rd")), {
            "request_id": "avs_app_test_1", "result": "partial"})

    def test_no_match(self):
        for body in (avs_body(postal_code="46205"),
                     avs_body(line1="2 Other Rd", postal_code="99999"),
                     avs_body("tok_avs_2"),
                     avs_body("tok_unknown_card")):
            self.assertAnswer(self.avs(body), {
                "request_id": body["request_id"], "result": "no_match"})

    def test_unavailable(self):
        self.assertAnswer(self.avs(avs_body("tok_avs_unavailable")), {
            "request_id": "avs_app_test_1", "result": "unavailable"})

    def test_card_behaviour(self):
        prov = start_provider(self, data={"identities": [], "cards": [
            {"card_token": "tok_down", "line1": "1 Main St",
             "postal_code": "46204", "behaviour": "error:502"},
            {"card_token": "tok_flaky", "line1": "1 Main St",
             "postal_code": "46204", "behaviour": "fail_first:1"}]})
        st, _, js = prov.http("POST", AVS, avs_body("tok_down"))
        self.assertEqual(st, 502, js)
        self.assertEqual(prov.http("POST", AVS,
                                   avs_body("tok_flaky"))[0], 503)
        self.assertAnswer(prov.http("POST", AVS, avs_body("tok_flaky")),
                          {"request_id": "avs_app_test_1",
                           "result": "match"})


class AuthTest(ProviderTestCase):

    def assertUnauthorized(self, resp):
        st, h, js = resp
        self.assertEqual(st, 401, js)
        self.assertTrue(h["content-type"].startswith(
            "application/problem+json"), h)
        self.assertEqual((js["status"], js["title"]), (401, "Unauthorized"))
        self.assertTrue(h["www-authenticate"].startswith("Bearer"))

    def test_missing_or_wrong_key(self):
        for path, body in ((IDV, idv_body()), (AVS, avs_body())):
            self.assertUnauthorized(self.prov.http("POST", path, body,
                                                   auth=False))
            for value in ("Bearer wrong-key", "Bearer test-key2",
                          "Basic dGVzdC1rZXk=", "test-key", "Bearer"):
                self.assertUnauthorized(self.prov.http(
                    "POST", path, body,
                    headers={"Authorization": value}))
        self.assertEqual(self.prov.stats()["idv"], 0)
        self.assertEqual(self.prov.stats()["avs"], 0)

    def test_right_key(self):
        st, _, js = self.idv(idv_body(), headers={
            "Authorization": "bearer test-key"})
        self.assertEqual((st, js["decision"]), (200, "pass"))

    def test_no_key_configured(self):
        prov = start_provider(self, api_key=None)
        st, _, js = prov.http("POST", IDV, idv_body())
        self.assertEqual((st, js["decision"]), (200, "pass"))
        self.assertEqual(prov.env()["RXCA_IDV_API_KEY"], "")

    def test_health_and_stats_need_no_key(self):
        self.assertEqual(self.prov.http("GET", "/healthz", auth=False)[:3:2],
                         (200, {"ok": True}))
        self.assertEqual(self.prov.http("GET", "/stats", auth=False)[0],
                         200)

    def test_env(self):
        url = self.prov.url
        self.assertRegex(url, r"^http://127\.0\.0\.1:\d+$")
        self.assertEqual(self.prov.env(), {
            "RXCA_IDV_URL": url, "RXCA_IDV_API_KEY": "test-key",
            "RXCA_AVS_URL": url, "RXCA_AVS_API_KEY": "test-key"})


class MalformedTest(ProviderTestCase):

    def test_not_json(self):
        for raw in (b"{", b"not json", b"", b"\xff\xfe{}",
                    b'{"request_id": NaN}'):
            self.assertBad(self.prov.http("POST", IDV, raw=raw), "body")

    def test_not_an_object(self):
        for body in ([], "x", 7, None):
            raw = json.dumps(body).encode()
            self.assertBad(self.prov.http("POST", IDV, raw=raw), "body")
            self.assertBad(self.prov.http("POST", AVS, raw=raw), "body")

    def test_unknown_key(self):
        self.assertBad(self.idv(idv_body(nickname="Ada")), "nickname")
        self.assertBad(self.idv(idv_body(address=address(zip="46204"))),
                       "address.zip")
        body = avs_body()
        body["given_name"] = "Ada"
        self.assertBad(self.avs(body), "given_name")

    def test_missing_key(self):
        for key in ("request_id", "middle_name", "email", "ssn_last4"):
            body = idv_body()
            del body[key]
            self.assertBad(self.idv(body), key)
        body = idv_body()
        del body["address"]["line2"]
        self.assertBad(self.idv(body), "address.line2")
        body = avs_body()
        del body["card_token"]
        self.assertBad(self.avs(body), "card_token")

    def test_wrong_type(self):
        cases = [("ssn_last4", 1234), ("given_name", None),
                 ("middle_name", 5), ("request_id", ["r"]),
                 ("address", "1 Main St"), ("date_of_birth", 19751210)]
        for key, value in cases:
            body = idv_body()
            body[key] = value
            self.assertBad(self.idv(body), key)
        for key, value in (("line2", 5), ("city", None),
                           ("postal_code", 46204)):
            self.assertBad(self.idv(idv_body(address=address(
                **{key: value}))), "address." + key)
        body = avs_body()
        body["card_token"] = 1
        self.assertBad(self.avs(body), "card_token")

    def test_bad_values(self):
        cases = [("ssn_last4", "123"), ("ssn_last4", "12a4"),
                 ("date_of_birth", "1975-13-10"),
                 ("date_of_birth", "10/12/1975"), ("given_name", " "),
                 ("family_name", "x" * 101), ("phone", "317-555-0100"),
                 ("email", "ada"), ("request_id", ""),
                 ("request_id", "has space"), ("given_name", "A\nda")]
        for key, value in cases:
            body = idv_body()
            body[key] = value
            self.assertBad(self.idv(body), key)
        self.assertBad(self.idv(idv_body(address=address(country="us"))),
                       "address.country")

    def test_duplicate_key(self):
        raw = json.dumps(idv_body())[:-1] + ', "ssn_last4": "1234"}'
        self.assertBad(self.prov.http("POST", IDV, raw=raw.encode()),
                       "ssn_last4")

    def test_wrong_content_type(self):
        resp = self.idv(idv_body(), headers={"Content-Type": "text/plain"})
        self.assertBad(resp, "Content-Type", 415)

    def test_oversize_body(self):
        body = idv_body(given="A" * (70 * 1024))
        self.assertBad(self.idv(body), "body", 413)
        # At the limit the body is read (and refused for its content).
        raw = json.dumps(idv_body())
        raw = raw[:-1] + " " * (64 * 1024 - len(raw)) + "}"
        self.assertEqual(len(raw), 64 * 1024)
        st, _, js = self.prov.http("POST", IDV, raw=raw.encode())
        self.assertEqual((st, js["decision"]), (200, "pass"))
        self.assertBad(self.prov.http("POST", IDV,
                                      raw=(raw + " ").encode()), "body", 413)
        # A huge declared length is refused without waiting for it.
        st, buf = harness.raw_exchange(self.prov.port, (
            "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/"
            "json\r\nContent-Length: 1000000000\r\n\r\n{" % IDV).encode(),
            timeout=5)
        self.assertEqual(st, 413, buf)
        self.assertEqual(self.prov.stats()["idv"], 1)

    def test_not_found_and_wrong_method(self):
        self.assertEqual(self.prov.http("GET", "/v1/nothing")[0], 404)
        st, h, _ = self.prov.http("GET", IDV)
        self.assertEqual((st, h.get("allow")), (405, "POST"))
        st, h, _ = self.prov.http("POST", "/healthz", {})
        self.assertEqual((st, h.get("allow")), (405, "GET"))

    def test_rejected_requests_are_not_counted(self):
        self.assertBad(self.idv(idv_body(nickname="x")), "nickname")
        self.assertEqual(self.prov.stats(), {
            "idv": 0, "avs": 0, "max_in_flight": 0, "by_request_id": {},
            "by_family_name": {}})


class BehaviourTest(ProviderTestCase):

    def test_slow(self):
        t0 = time.monotonic()
        st, _, js = self.idv(faulty("slow"), timeout=30)
        elapsed = time.monotonic() - t0
        self.assertEqual((st, js["decision"], js["request_id"]),
                         (200, "pass", "idv_fault_1"))
        self.assertGreaterEqual(elapsed, 3.0)

    def test_slow_released(self):
        # slow:3000 held in flight, then POST /release: answered at once
        # (the request is seen in flight first: it counts on arrival).
        answers = []
        t = threading.Thread(target=lambda: answers.append(
            self.idv(faulty("slow"), timeout=30)))
        t0 = time.monotonic()
        t.start()
        wait_until(lambda: self.prov.stats()["idv"] >= 1, 10, 0.01,
                   "the slow request to arrive")
        self.prov.release()
        t.join(30)
        elapsed = time.monotonic() - t0
        self.assertEqual(answers[0][0], 200, answers)
        self.assertEqual(answers[0][2]["decision"], "pass")
        self.assertLess(elapsed, 3.0)
        # Later ones do not wait either.
        t0 = time.monotonic()
        st, _, js = self.idv(faulty("slow", "idv_fault_2"), timeout=30)
        self.assertEqual((st, js["decision"]), (200, "pass"))
        self.assertLess(time.monotonic() - t0, 3.0)

    def test_delay_applies_to_every_answer(self):
        # --delay-ms stands for a real provider's round trip (the scaling
        # benchmark's I/O-bound checks): both kinds of check wait, and
        # concurrent requests wait side by side, not one after another.
        prov = start_provider(self, args=["--delay-ms", "400"])
        answers = []

        def one(path, body):
            answers.append(prov.http("POST", path, body, timeout=30)[0])
        t0 = time.monotonic()
        threads = [threading.Thread(target=one, args=a) for a in
                   [(IDV, idv_body(request_id="idv_d%d" % i))
                    for i in range(3)] + [(AVS, avs_body())]]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t0
        self.assertEqual(answers, [200] * 4)
        self.assertGreaterEqual(elapsed, 0.4)
        self.assertEqual(prov.stats()["max_in_flight"], 4)

    def test_delay_out_of_range_refused(self):
        d = os.path.join(self.tmp, "bad")
        os.mkdir(d)
        prov = provider.ReferenceProvider(d, args=["--delay-ms", "-1"],
                                          process=True)
        self.addCleanup(prov.stop, False)
        with self.assertRaises(AssertionError):
            prov.start()
        self.assertIn("--delay-ms", prov.stderr())

    def test_error_status(self):
        st, h, js = self.idv(faulty("error"))
        self.assertEqual(st, 500, js)
        self.assertIsInstance(js, dict)
        self.assertIn("error", js)

    def test_garbage(self):
        st, _, body = self.idv(faulty("garbage"))
        self.assertEqual(st, 200)
        self.assertIsInstance(body, bytes)
        with self.assertRaises(ValueError):
            json.loads(body)

    def test_bad_json(self):
        st, _, js = self.idv(faulty("bad_json"))
        self.assertEqual(st, 200)
        self.assertIsInstance(js, dict)
        self.assertNotIn("request_id", js)
        self.assertNotIsInstance(js.get("decision"), str)

    def test_wrong_request_id(self):
        st, _, js = self.idv(faulty("wrong_request_id", "idv_w_1"))
        self.assertEqual((st, js["decision"]), (200, "pass"))
        self.assertNotEqual(js["request_id"], "idv_w_1")

    def test_hang_does_not_block_others(self):
        result = {}

        # The client waits longer than the test: the provider's exit
        # ends the request, not a client's timeout that a loaded machine
        # could reach before /healthz answered.
        def hang():
            try:
                result["answer"] = self.idv(faulty("hang"), timeout=60)
            except (OSError, http.client.HTTPException) as e:
                result["ended"] = e
        t = threading.Thread(target=hang)
        t.start()
        try:
            # The provider has the request, and still answers others.
            harness.wait_until(lambda: self.prov.stats()["idv"] == 1, 5,
                               what="the hanging request to arrive")
            st, _, js = self.prov.http("GET", "/healthz", timeout=5)
            self.assertEqual((st, js), (200, {"ok": True}))
            self.assertTrue(t.is_alive(), "the hanging request ended "
                            "before /healthz answered: %r" % result)
            # SIGTERM with the request still held: a clean, prompt exit.
            t0 = time.monotonic()
            self.assertEqual(self.prov.stop(), 0)
            self.assertLess(time.monotonic() - t0, 5)
        finally:
            self.prov.stop(check=False)
            t.join(10)
        # Held, unanswered, until the provider went.
        self.assertNotIn("answer", result, result)
        self.assertIsInstance(result.get("ended"), ConnectionError, result)

    def test_fail_first(self):
        statuses = [self.idv(faulty("fail_first", "f%d" % i))[0]
                    for i in range(4)]
        self.assertEqual(statuses, [503, 503, 200, 200])
        st, _, js = self.idv(faulty("fail_first", "f9"))
        self.assertEqual((js["request_id"], js["decision"], js["score"]),
                         ("f9", "pass", 88))

    def test_fail_first_counts_per_identity(self):
        self.assertEqual(self.idv(idv_body())[0], 200)
        self.assertEqual(self.idv(faulty("fail_first"))[0], 503)


class StatsTest(ProviderTestCase):

    def test_counts(self):
        self.assertEqual(self.prov.stats(), {
            "idv": 0, "avs": 0, "max_in_flight": 0, "by_request_id": {},
            "by_family_name": {}})
        for _ in range(2):
            self.idv(idv_body(request_id="idv_1"))
        self.idv(idv_body("Grace", "Hopper", "1966-12-09", "5678",
                          "idv_2"))
        self.idv(idv_body(family="Nobody", request_id="idv_3"))
        self.avs(avs_body(request_id="avs_1"))
        self.avs(avs_body("tok_avs_unavailable", "avs_2"))
        self.idv(faulty("error", "idv_4"))
        self.assertEqual(self.prov.stats(), {
            "idv": 5, "avs": 2, "max_in_flight": 0,
            "by_request_id": {"idv_1": 2, "idv_2": 1, "idv_3": 1,
                              "idv_4": 1, "avs_1": 1, "avs_2": 1},
            "by_family_name": {"Lovelace": 2, "Hopper": 1, "Nobody": 1,
                               "Ror": 1}})


class ProcessTest(harness.TestCase):

    def test_log_has_no_identity_data(self):
        prov = start_provider(self, data={"identities": [
            {"given_name": "Ada", "family_name": "Lovelace",
             "date_of_birth": "1961-02-03", "ssn_last4": "9876",
             "decision": "pass", "score": 96, "reasons": [],
             "behaviour": None}], "cards": [
            {"card_token": "tok_secret_card", "line1": "1 Main St",
             "postal_code": "46204", "behaviour": None}]})
        body = idv_body(dob="1961-02-03", ssn="9876", request_id="idv_log1")
        self.assertEqual(prov.http("POST", IDV, body)[2]["decision"],
                         "pass")
        body["nickname"] = "x"
        self.assertEqual(prov.http("POST", IDV, body)[0], 400)
        self.assertEqual(prov.http("POST", AVS, avs_body(
            "tok_secret_card", "avs_log1"))[2]["result"], "match")
        prov.stop()
        log = prov.stderr()
        lines = [l for l in log.splitlines() if " POST " in l]
        self.assertEqual(len(lines), 3, log)
        # Each request's thread logs after answering: any order.
        ok = [l for l in lines if "request_id=idv_log1" in l and
              " 200 " in l]
        self.assertEqual(len(ok), 1, log)
        self.assertIn("family_name=Lovelace", ok[0])
        self.assertEqual(len([l for l in lines if " 400 " in l]), 1, log)
        self.assertEqual(len([l for l in lines if "request_id=avs_log1" in
                              l]), 1, log)
        for secret in ("1961-02-03", "1961", "tok_secret_card"):
            self.assertNotIn(secret, log)
        self.assertIsNone(re.search(r"(?<![0-9])9876(?![0-9])", log), log)

    def test_sigterm_exits_zero_and_restarts_on_the_same_port(self):
        prov = start_provider(self)
        url = prov.url
        self.assertEqual(prov.stop(), 0)
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", prov.port), 1).close()
        prov.start()
        self.assertEqual(prov.url, url)
        self.assertEqual(prov.http("GET", "/healthz")[0], 200)

    def test_bad_data_file_refused(self):
        bad = {"identities": [{"given_name": "Ada"}], "cards": []}
        d = os.path.join(self.tmp, "bad")
        os.mkdir(d)
        prov = provider.ReferenceProvider(d, bad, process=True)
        self.addCleanup(prov.stop, False)
        with self.assertRaises(AssertionError) as cm:
            prov.start()
        self.assertIn("exit 2", str(cm.exception))
        self.assertIn("missing key", prov.stderr())

    def test_bad_behaviour_refused(self):
        with open(provider.DEFAULT_DATA) as f:
            data = json.load(f)
        data["identities"][0]["behaviour"] = "explode"
        d = os.path.join(self.tmp, "bad")
        os.mkdir(d)
        prov = provider.ReferenceProvider(d, data, process=True)
        self.addCleanup(prov.stop, False)
        with self.assertRaises(AssertionError):
            prov.start()
        self.assertIn("behaviour", prov.stderr())


if __name__ == "__main__":
    # Not harness.main(): this needs neither PostgreSQL nor a build.
    unittest.main(verbosity=2)
