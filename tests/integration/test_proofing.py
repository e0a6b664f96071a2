#!/usr/bin/python3
"""Identity proofing end to end: e-mail verified -> identity check against
the reference providers (proofing/reference/idprovider.py, real HTTP) ->
approved, rejected or review; provider faults retried then reviewed, never
approved; decision mails through the outbox; two servers on one database
check each application once."""
import json
import time

import harness
import provider
from harness import wait_until
from provider import ReferenceProvider, start_provider

# Retries 100-200 ms apart (RXCA_JOB_BACKOFF_MAX_MS): the tests count
# tries, not the waits between them.
FAST = {"RXCA_IDV_MAX_ATTEMPTS": "3", "RXCA_JOB_BACKOFF_MAX": "1",
        "RXCA_JOB_BACKOFF_MAX_MS": "200", "RXCA_JOB_POLL_INTERVAL": "1",
        "RXCA_PROVIDER_CONNECT_TIMEOUT_MS": "500",
        "RXCA_PROVIDER_TIMEOUT_MS": "1500"}


def person(given, family, dob, ssn, **over):
    """An application for someone of the reference data file (a DEA
    number whose second letter matches the family name)."""
    body = harness.application(applicant={
        "given_name": given, "family_name": family, "date_of_birth": dob,
        "ssn_last4": ssn, "dea_number": "A%s1234563" % family[0].upper()})
    return harness.deep_merge(body, over)


ADA = ("Ada", "Lovelace", "1975-12-10", "1234")
# Ada's twins in the reference data: the same name, other dates of birth,
# each passing.  A second application of one person (the same NPI, DEA
# number, or name and date of birth) goes to review, not approval
# (docs/proofing.md), so a test that needs several people approved takes
# twins, each with an NPI and a DEA number of its own (twin()).
TWINS = [("Ada", "Lovelace", "1980-03-%02d" % d, "1234")
         for d in range(1, 13)]


def npi(nine):
    """A valid NPI: nine digits and the Luhn check digit over "80840"."""
    total = 0
    for i, d in enumerate(reversed([int(c) for c in "80840" + nine])):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return nine + str((10 - total % 10) % 10)


def dea(family, six):
    """A valid DEA number of registrant type A for family: six digits and
    the check digit."""
    d = [int(c) for c in six]
    check = (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10
    return "A%s%s%d" % (family[0].upper(), six, check)


def twin(n, **over):
    """An application body of Ada's n-th twin (0 to 11)."""
    body = person(*TWINS[n], **over)
    body["applicant"]["npi"] = npi("5%08d" % n)
    body["applicant"]["dea_number"] = dea(TWINS[n][1], "5%05d" % n)
    return body
GRACE = ("Grace", "Hopper", "1966-12-09", "5678")
ALAN = ("Alan", "Turing", "1962-06-23", "4321")
SLOW = ("Slow", "Sloth", "1970-01-01", "1111")
ERR = ("Err", "Ror", "1970-01-01", "2222")
GARBAGE = ("Gar", "Bage", "1970-01-01", "3333")
HANG = ("Hang", "Up", "1970-01-01", "4444")
FLAKY = ("Flaky", "Fox", "1970-01-01", "5555")
BADSHAPE = ("Bad", "Shape", "1970-01-01", "6666")
WRONGID = ("Wrong", "Id", "1970-01-01", "7777")
# Not in the default data: answers "pass" after PATIENT_MS, or once the
# test has seen the call in flight and releases it (OutboundCallTest).
PATIENT = ("Patient", "Pace", "1970-01-01", "8888")
PATIENT_MS = 4000

FINAL = ("approved", "rejected", "review")


def settings(prov=None, env=None):
    """FAST, with prov's settings (a ReferenceProvider) and env."""
    e = dict(FAST)
    if prov is not None:
        e.update(prov.env())
    e.update(env or {})
    return e


class ProofingCase(harness.TestCase):

    def server(self, prov=None, env=None, **kw):
        return self.start_server(env=settings(prov, env), **kw)

    def verified(self, srv, body=None):
        """Applies with body and verifies the e-mail: the application."""
        app = self.apply(srv, body)
        code = self.code_for(srv, app["_email"])
        st, _, js = self.verify(srv, app["id"], code)
        self.assertEqual(st, 200, js)
        self.assertEqual(js["status"], "proofing")
        return app

    def get(self, srv, app):
        st, _, js = srv.http("GET", "/v1/applications/%s" % app["id"],
                             headers=self.bearer(app["session"]["token"]))
        self.assertEqual(st, 200, js)
        return js

    def wait_status(self, srv, app, want=FINAL, timeout=30):
        def done():
            js = self.get(srv, app)
            return js if js["status"] in want else None
        return wait_until(done, timeout, 0.2,
                          "application %s to reach %s" % (app["id"], want))

    def checks(self, srv, app, provider=None):
        where = "application_id = '%s'" % app["id"]
        if provider:
            where += " AND provider = '%s'" % provider
        rows = srv.db.query("SELECT provider, outcome, attempt FROM "
                            "identity_checks WHERE %s ORDER BY id" % where)
        return [(p, o, int(a)) for p, o, a in rows]

    def notes(self, js):
        return [e.get("note") or "" for e in js["timeline"]]


class SharedCase(ProofingCase):
    """One server and reference provider for the class's tests
    (harness.ClassFixtures), each looking at its own applications.  An
    approval needs a person with no other application under way in the
    database (docs/proofing.md, rule 10): a test that wants one takes a
    twin of its own (twin())."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        fx = harness.ClassFixtures(cls)
        cls.prov = start_provider(fx)
        cls.srv = fx.start_server(env=settings(cls.prov))


class OutcomeTest(SharedCase):

    def test_pass_approves_and_mails(self):
        app = self.verified(self.srv, twin(0))
        js = self.wait_status(self.srv, app)
        self.assertEqual(js["status"], "approved", js)
        statuses = [e["status"] for e in js["timeline"]]
        self.assertEqual(statuses[0], "email_pending")
        self.assertEqual(statuses[-1], "approved")
        notes = self.notes(js)
        for n in ("e-mail address verified", "identity check started",
                  "identity data sources answered",
                  "card address check answered"):
            self.assertIn(n, notes)
        # The applicant's timeline names no provider internals.
        text = json.dumps(js["timeline"])
        for leak in ("score", "96", "reasons", "idv", "avs"):
            self.assertNotIn(leak, text)
        self.assertNotIn("actor", js["timeline"][0])
        self.assertEqual(sorted(self.checks(self.srv, app)),
                         [("avs", "match", 1), ("idv", "pass", 1)])
        row = self.srv.db.query("SELECT decision, decided_by FROM decisions "
                                "WHERE application_id = '%s'" % app["id"])
        self.assertEqual([tuple(r) for r in row], [("approve", "system")])
        msg = self.srv.sink.wait_for(app["_email"])
        self.assertIn("approved", msg["Subject"])
        self.assertIn(app["id"], harness.mail_text(msg))
        self.assertEqual(self.srv.db.admin("audit", "verify").returncode, 0)

    def test_fail_rejects_with_reasons(self):
        app = self.verified(self.srv, person(*GRACE))
        js = self.wait_status(self.srv, app)
        self.assertEqual(js["status"], "rejected", js)
        self.assertIn("could not be verified", js["timeline"][-1]["note"])
        codes = json.loads(self.srv.db.scalar(
            "SELECT codes FROM decisions WHERE application_id = '%s'"
            % app["id"]))
        self.assertEqual(codes[0], "identity_not_verified")
        self.assertIn("deceased_flag", codes)
        msg = self.srv.sink.wait_for(app["_email"])
        self.assertIn("could not be approved", msg["Subject"])
        self.assertIn("could not be verified", harness.mail_text(msg))

    def test_unknown_identity_rejects(self):
        app = self.verified(self.srv, person("Nobody", "Known",
                                             "1980-01-01", "9999"))
        self.assertEqual(self.wait_status(self.srv, app)["status"],
                         "rejected")

    def test_provider_review_goes_to_review(self):
        app = self.verified(self.srv, person(*ALAN))
        js = self.wait_status(self.srv, app)
        self.assertEqual(js["status"], "review", js)
        self.assertIn("review", js["timeline"][-1]["note"])
        self.assertEqual(self.srv.db.count(
            "decisions", "application_id = '%s'" % app["id"]), 0)

    def test_name_mismatch_goes_to_review(self):
        app = self.verified(self.srv, person("Augusta", "Lovelace",
                                             "1975-12-10", "1234"))
        self.assertEqual(self.wait_status(self.srv, app)["status"],
                         "review")

    def test_address_mismatch_goes_to_review(self):
        body = person(*ADA, address_verification={"card_token": "tok_avs_2"})
        app = self.verified(self.srv, body)
        self.assertEqual(self.wait_status(self.srv, app)["status"],
                         "review")
        self.assertIn(("avs", "no_match", 1), self.checks(self.srv, app))

    def test_avs_unavailable_goes_to_review(self):
        body = person(*ADA, address_verification={
            "card_token": "tok_avs_unavailable"})
        app = self.verified(self.srv, body)
        self.assertEqual(self.wait_status(self.srv, app)["status"],
                         "review")

    def test_software_product_without_dea_approves(self):
        body = twin(1, product="identity-software", storage="software")
        body["applicant"]["dea_number"] = None
        app = self.verified(self.srv, body)
        self.assertEqual(self.wait_status(self.srv, app)["status"],
                         "approved")

    def test_one_check_per_verified_application(self):
        apps = [self.verified(self.srv, person(*ADA)) for _ in range(3)]
        for app in apps:
            self.wait_status(self.srv, app)
        stats = self.prov.stats()
        for app in apps:
            self.assertEqual(len(self.checks(self.srv, app, "idv")), 1)
            self.assertEqual(stats["by_request_id"].get(
                "idv_%s_1" % app["id"]), 1)


class FaultCase(ProofingCase):
    """A provider that answers garbage, an error or nothing is retried and
    finally sent to review, never approved."""

    def assert_retried_then_review(self, who, tries=3):
        app = self.verified(self.srv, person(*who))
        js = self.wait_status(self.srv, app, timeout=60)
        self.assertEqual(js["status"], "review", js)
        idv = self.checks(self.srv, app, "idv")
        self.assertEqual([o for _, o, _ in idv], ["error"] * tries, idv)
        self.assertEqual([a for _, _, a in idv], list(range(1, tries + 1)))
        notes = self.notes(js)
        self.assertIn("a data source did not answer; trying again", notes)
        self.assertEqual(notes[-2],
                         "the data sources did not answer; sent to review")
        # The card check answered once and was not asked again.
        self.assertEqual(self.checks(self.srv, app, "avs"),
                         [("avs", "match", 1)])
        return app


class FaultTest(FaultCase, SharedCase):
    """Each test's person has a fault of its own in the reference data;
    none is approved."""

    def test_error_status(self):
        self.assert_retried_then_review(ERR)

    def test_garbage(self):
        self.assert_retried_then_review(GARBAGE)

    def test_wrong_shape(self):
        self.assert_retried_then_review(BADSHAPE)

    def test_answer_for_another_request(self):
        self.assert_retried_then_review(WRONGID)

    def test_slow_past_the_timeout(self):
        t0 = time.monotonic()
        self.assert_retried_then_review(SLOW)
        # 3 tries of at most 1.5 s each, plus back-off: bounded.
        self.assertLess(time.monotonic() - t0, 40)

    def test_hang_is_cut_by_the_timeout(self):
        self.assert_retried_then_review(HANG)
        # The server still answers while a provider hangs.
        self.assertEqual(self.srv.http("GET", "/healthz")[0], 200)


class FlakyTest(FaultCase):
    """A server per test: an approval, which a second application of the
    same person (the same NPI) in a shared database would send to
    review."""

    def setUp(self):
        super().setUp()
        self.prov = start_provider(self)
        self.srv = self.server(self.prov)

    def test_flaky_provider_recovers(self):
        app = self.verified(self.srv, person(*FLAKY))
        js = self.wait_status(self.srv, app, timeout=60)
        # fail_first:2 and three tries: error, error, pass.
        self.assertEqual(js["status"], "approved", js)
        self.assertEqual([o for _, o, _ in self.checks(self.srv, app,
                                                       "idv")],
                         ["error", "error", "pass"])


class NoProviderTest(ProofingCase):

    def test_provider_down_is_retried_then_review(self):
        # A URL where nothing listens: connection refused on every try.
        port = harness.free_port()
        url = "http://127.0.0.1:%d" % port
        srv = self.server(env={"RXCA_IDV_URL": url, "RXCA_AVS_URL": url})
        app = self.verified(srv, person(*ADA))
        js = self.wait_status(srv, app, timeout=60)
        self.assertEqual(js["status"], "review")
        self.assertEqual(len(self.checks(srv, app, "idv")), 3)

    def test_provider_back_in_time_approves(self):
        idp_dir = self.tmp
        prov = ReferenceProvider(idp_dir, port=harness.free_port())
        self.addCleanup(prov.stop)
        # Tries a second apart (RXCA_JOB_BACKOFF_MAX): the provider starts
        # before the 11 tries are spent.
        srv = self.server(prov, env={"RXCA_IDV_MAX_ATTEMPTS": "8",
                                     "RXCA_JOB_BACKOFF_MAX_MS": "0"})
        app = self.verified(srv, person(*ADA))
        wait_until(lambda: len(self.checks(srv, app, "idv")) >= 1, 20,
                   0.2, "a first failed try")
        prov.start()
        js = self.wait_status(srv, app, timeout=60)
        self.assertEqual(js["status"], "approved", js)

    def test_not_configured_goes_straight_to_review(self):
        srv = self.server()
        app = self.verified(srv, person(*ADA))
        js = self.wait_status(srv, app, timeout=20)
        self.assertEqual(js["status"], "review")
        self.assertEqual(len(self.checks(srv, app, "idv")), 1)

    def test_wrong_api_key_is_an_error_not_a_pass(self):
        prov = start_provider(self, api_key="the-right-key")
        env = prov.env()
        env["RXCA_IDV_API_KEY"] = "a-wrong-key"
        srv = self.server(env=env)
        app = self.verified(srv, person(*ADA))
        self.assertEqual(self.wait_status(srv, app, timeout=60)["status"],
                         "review")


class MailTest(ProofingCase):

    def test_decision_mail_survives_an_smtp_outage(self):
        prov = start_provider(self)
        sink = self.start_sink()
        srv = self.server(prov, sink=sink)
        app = self.apply(srv, person(*ADA))
        code = self.code_for(srv, app["_email"])
        sink.stop()
        st, _, js = self.verify(srv, app["id"], code)
        self.assertEqual(st, 200, js)
        self.assertEqual(self.wait_status(srv, app)["status"], "approved")
        wait_until(lambda: srv.db.scalar(
            "SELECT attempts FROM jobs WHERE kind = 'email.decision' AND "
            "application_id = '%s'" % app["id"]) not in ("", "0"), 20,
            0.2, "a failed try of the decision mail")
        sink.start()
        msg = sink.wait_for(app["_email"], timeout=30)
        self.assertIn("approved", msg["Subject"])


class OutboundCallTest(ProofingCase):
    """No transaction and no lock is held while a provider is asked: the
    application's row and the job's can be locked by anyone meanwhile,
    and an application that leaves proofing during the call gets nothing
    written."""

    def slow_provider(self):
        with open(provider.DEFAULT_DATA) as f:
            data = json.load(f)
        given, family, dob, ssn = PATIENT
        data["identities"].append({
            "given_name": given, "family_name": family,
            "date_of_birth": dob, "ssn_last4": ssn, "decision": "pass",
            "score": 90, "reasons": [],
            "behaviour": "slow:%d" % PATIENT_MS})
        prov = start_provider(self, data=data)
        srv = self.server(prov, env={"RXCA_PROVIDER_TIMEOUT_MS": "9000"})
        return prov, srv

    def in_call(self, prov, srv):
        """Waits until the identity check has asked the provider (who
        answers PATIENT_MS later): the call is in flight."""
        wait_until(lambda: prov.stats()["idv"] >= 1, 20, 0.05,
                   "the identity check to ask the provider")

    def job_state(self, srv, app):
        return srv.db.scalar(
            "SELECT state FROM jobs WHERE kind = 'identity.check' AND "
            "application_id = '%s'" % app["id"])

    def test_no_lock_is_held_during_the_call(self):
        prov, srv = self.slow_provider()
        app = self.verified(srv, person(*PATIENT))
        self.in_call(prov, srv)
        # NOWAIT: an error (and a failed test) if the row is locked.
        self.assertEqual(srv.db.query(
            "SELECT status FROM applications WHERE id = '%s' "
            "FOR UPDATE NOWAIT" % app["id"]), [["proofing"]])
        self.assertEqual(srv.db.query(
            "SELECT state FROM jobs WHERE kind = 'identity.check' AND "
            "application_id = '%s' FOR UPDATE NOWAIT" % app["id"]),
            [["queued"]])
        # Still in the call: no answer recorded yet.
        self.assertEqual(self.checks(srv, app), [])
        prov.release()  # the answer now, not PATIENT_MS after the call
        js = self.wait_status(srv, app)
        self.assertEqual(js["status"], "approved", js)
        self.assertEqual(self.checks(srv, app),
                         [("idv", "pass", 1), ("avs", "match", 1)])
        self.assertEqual(prov.stats()["idv"], 1)

    def test_both_providers_asked_at_once(self):
        # A check waits for the slower provider, not for the two in turn:
        # with every answer 500 ms away, both requests are in flight at
        # once (the provider counts them).
        prov = start_provider(self, args=["--delay-ms", "500"])
        srv = self.server(prov)
        app = self.verified(srv, person(*ADA))
        js = self.wait_status(srv, app)
        self.assertEqual(js["status"], "approved", js)
        self.assertEqual(self.checks(srv, app),
                         [("idv", "pass", 1), ("avs", "match", 1)])
        self.assertEqual(prov.stats()["max_in_flight"], 2)

    def test_application_that_left_proofing_meanwhile(self):
        prov, srv = self.slow_provider()
        app = self.verified(srv, person(*PATIENT))
        self.in_call(prov, srv)
        # An operator's move during the call (locks the row at once).
        srv.db.query("SET lock_timeout = '1s'; UPDATE applications SET "
                     "status = 'review' WHERE id = '%s'" % app["id"])
        prov.release()
        wait_until(lambda: self.job_state(srv, app) == "done", 30, 0.2,
                   "the identity check to end")
        self.assertEqual(self.get(srv, app)["status"], "review")
        self.assertEqual(self.checks(srv, app), [])
        self.assertEqual(srv.db.count(
            "decisions", "application_id = '%s'" % app["id"]), 0)


class TwoServersTest(ProofingCase):

    def test_each_application_checked_once(self):
        prov = start_provider(self)
        db = self.start_db()
        sink = self.start_sink()
        a = self.server(prov, db=db, sink=sink)
        b = self.server(prov, db=db, sink=sink)
        apps = []
        for i in range(12):
            srv = a if i % 2 == 0 else b
            apps.append(self.verified(srv, twin(i)))
        for app in apps:
            self.assertEqual(self.wait_status(a, app)["status"], "approved")
        stats = prov.stats()
        for app in apps:
            self.assertEqual(len(self.checks(a, app, "idv")), 1)
            self.assertEqual(len(self.checks(a, app, "avs")), 1)
            self.assertEqual(stats["by_request_id"]["idv_%s_1" % app["id"]],
                             1)
        self.assertEqual(stats["idv"], len(apps))
        self.assertEqual(db.count("decisions"), len(apps))


if __name__ == "__main__":
    harness.main()
