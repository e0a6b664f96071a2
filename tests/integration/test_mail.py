#!/usr/bin/python3
"""Mail that is never lost (issue 13, items 11 and 12): the SMTP server
down for longer than the old retry budget (the clock moved, never slept)
and then back delivers every mail exactly once; a mail past its deadline
is dead, on the applicant's timeline, listed for auditors and admins and
resent by an admin with a valid code; the applicant asks for the decision
mail again; /readyz and /metrics show the outbox; a database fault after
the SMTP send leaves the first code working."""
import json
import os

import harness
import tlsutil
from harness import wait_until
from provider import start_provider
from test_proofing import ADA, FAST, person, twin

# The old budget: RXCA_JOB_MAX_ATTEMPTS 10 tries, waits capped at 300 s,
# about 13 minutes; plus one hour.
OUTAGE = 13 * 60 + 3600
STEP = 300  # RXCA_MAIL_BACKOFF_MAX: every mail is due again after a step
DAY = 86400


def mail_jobs(db, where="true"):
    return db.count("jobs", "kind LIKE 'email.%%' AND %s" % where)


class OutageTest(harness.TestCase):
    """50 mails written while SMTP is down for 73 minutes."""

    CODES = 40      # applications whose verification mail is held up
    DECISIONS = 10  # applications approved (decision mail held up)

    def test_every_mail_arrives_once_after_a_long_outage(self):
        prov = start_provider(self)
        env = dict(FAST)
        env.update(prov.env())
        # The default waits (the old budget was counted with them).
        env.update({"RXCA_MAIL_BACKOFF_MAX": str(STEP),
                    "RXCA_JOB_BACKOFF_MAX": str(STEP),
                    "RXCA_JOB_CONCURRENCY": "3"})
        sink = self.start_sink()
        srv = self.start_server(sink=sink, env=env)

        # Codes mailed while SMTP is up; verified once it is down, so the
        # approvals (and their mails) happen during the outage.
        approved = []
        for i in range(self.DECISIONS):
            app = self.apply(srv, twin(i))
            approved.append((app, self.code_for(srv, app["_email"])))
        sink.stop()
        for app, code in approved:
            st, _, js = self.verify(srv, app["id"], code)
            self.assertEqual(st, 200, js)
        pending = [self.apply(srv) for _ in range(self.CODES)]
        written = self.CODES + self.DECISIONS
        held = ("kind IN ('email.code', 'email.decision') AND attempts >= 1 "
                "AND state <> 'done'")
        wait_until(lambda: mail_jobs(srv.db, held) == written, 60, 0.2,
                   "every mail tried once")

        # The clock moves past the old budget plus an hour, one back-off
        # cap at a time; at each step every mail is tried again.
        offset = 0
        while offset < OUTAGE:
            offset += STEP
            srv.set_clock(offset)

            def tried(offset=offset):
                return srv.db.count(
                    "jobs", "kind LIKE 'email.%%' AND state = 'queued' AND "
                    "run_at <= now() + interval '%d seconds'" % offset) == 0
            wait_until(tried, 60, 0.2, "every mail tried at +%d s" % offset)
        dead = mail_jobs(srv.db, "state = 'dead'")
        queued = mail_jobs(srv.db, "state = 'queued'")
        tries = int(srv.db.scalar("SELECT coalesce(min(attempts), 0) FROM "
                                  "jobs WHERE kind LIKE 'email.%' AND "
                                  "state = 'queued'"))
        st, _, ready = srv.http("GET", "/readyz")
        st_m, _, metrics = srv.http("GET", "/metrics")

        # SMTP is back: every mail arrives, exactly once.
        sink.start()
        srv.set_clock(offset + STEP)
        try:
            wait_until(lambda: mail_jobs(srv.db, "state = 'queued'") == 0,
                       60, 0.2, "the outbox to drain")
        finally:
            once = sum(1 for app in pending
                       if len(sink.for_address(app["_email"])) == 1)
            once += sum(1 for app, _ in approved
                        if len([m for m in sink.for_address(app["_email"])
                                if "approved" in m["Subject"]]) == 1)
            print("mail: SMTP down %d s (clock moved): %d delivered once / "
                  "%d written; %d dead, %d still queued (min tries %d) "
                  "before SMTP came back" % (OUTAGE, once, written, dead,
                                             queued, tries))
        self.assertEqual((dead, queued), (0, written))
        self.assertGreater(tries, 10)  # past the old RXCA_JOB_MAX_ATTEMPTS
        self.assertEqual(once, written)
        for app in pending:
            self.assertEqual(len(sink.for_address(app["_email"])), 1)
        app = pending[0]
        code = harness.mail_code(sink.for_address(app["_email"])[0])
        self.assertEqual(self.verify(srv, app["id"], code)[0], 200)

        # During the outage /readyz stayed 200 and showed the backlog;
        # /metrics too.
        self.assertEqual(st, 200, ready)
        self.assertEqual(ready["outbox"]["queued"], written)
        self.assertGreaterEqual(ready["outbox"]["oldest_age_seconds"],
                                OUTAGE)
        self.assertEqual(ready["outbox"]["dead"], 0)
        metrics = metrics.decode()
        self.assertIn("rxca_outbox_queued %d\n" % written, metrics)
        age = [l for l in metrics.splitlines()
               if l.startswith("rxca_outbox_oldest_age_seconds ")]
        self.assertGreaterEqual(int(age[0].split()[1]), OUTAGE)
        # /readyz's figures are read after each run of the job runner:
        # the drained outbox shows once the run that drained it ends.
        wait_until(lambda: srv.http("GET", "/readyz")[2]["outbox"]
                   ["queued"] == 0, 10, 0.1, "/readyz to show the drain")


class OutboxTest(harness.TestCase):
    """Dead mail: the timeline, the operators' list and resend."""

    def setUp(self):
        super().setUp()
        self.tls = tlsutil.tls_init(self.tmp)
        self.certs = os.path.join(self.tmp, "operators")
        os.mkdir(self.certs)

    def server(self, env, sink=None, smtp_port=None):
        e = dict(self.tls["env"])
        e.update(env)
        db = self.start_db(operators=harness.STAFF, env=self.tls["env"],
                           out=self.certs)
        srv = self.start_server(db=db, sink=sink, smtp_port=smtp_port, env=e)
        self.tls["port"] = srv.tls_port
        return srv

    def operator(self, srv, name, roles):
        return self.take_operator(srv.db, name, roles, self.certs,
                                  self.tls["env"])

    def ops(self, method, path, who, body=None):
        return tlsutil.https(self.tls["port"], method, path, body,
                             cert=who[0], key=who[1], cafile=self.tls["ca"])

    def test_dead_code_listed_resent_and_on_the_timeline(self):
        port = harness.free_port()  # SMTP down
        srv = self.server({"RXCA_POLICY": "nist-800-63"}, smtp_port=port)
        admin = self.operator(srv, "ann", "admin")
        auditor = self.operator(srv, "alice", "auditor")
        reviewer = self.operator(srv, "rita", "reviewer")
        app = self.apply(srv)
        wait_until(lambda: mail_jobs(srv.db, "attempts >= 1"), 30, 0.1,
                   "a failed try")
        # Under NIST the code lives a day: after it the mail is dead.
        srv.set_clock(DAY + 3600)
        wait_until(lambda: mail_jobs(srv.db, "state = 'dead'"), 30, 0.1,
                   "the mail to die")
        job = srv.db.scalar("SELECT id FROM jobs WHERE state = 'dead'")

        st, _, js = self.ops("GET", "/v1/applications/" + app["id"], admin)
        self.assertEqual(st, 200, js)
        self.assertEqual(js["status"], "email_pending")
        self.assertIn("We could not e-mail you", js["timeline"][-1]["note"])
        # (read after the run that killed it ends, as above)
        wait_until(lambda: srv.http("GET", "/readyz")[2]["outbox"]["dead"]
                   == 1, 10, 0.1, "/readyz to show the dead mail")
        st, _, js = srv.http("GET", "/readyz")
        self.assertEqual((st, js["outbox"]["dead"]), (200, 1))

        for who in (auditor, admin):
            st, _, js = self.ops("GET", "/v1/ops/outbox?state=dead", who)
            self.assertEqual(st, 200, js)
            self.assertEqual([(i["id"], i["kind"], i["application"])
                              for i in js["items"]],
                             [(job, "email.code", app["id"])])
            self.assertIsNone(js["next_after"])
            text = json.dumps(js)
            self.assertNotIn(app["_email"], text)
            self.assertIsNone(harness.CODE_RE.search(text))
        st, _, js = self.ops("GET", "/v1/ops/outbox?state=queued", auditor)
        self.assertEqual((st, js["items"]), (200, []))
        # Paging, bad queries, refused roles.
        st, _, js = self.ops("GET", "/v1/ops/outbox?limit=1", auditor)
        self.assertEqual((st, js["next_after"]), (200, job))
        st, _, js = self.ops("GET", "/v1/ops/outbox?after=%s" % job, auditor)
        self.assertEqual((st, js["items"]), (200, []))
        self.assertProblem(self.ops("GET", "/v1/ops/outbox?state=sent",
                                    auditor), 422, "state")
        self.assertProblem(self.ops("GET", "/v1/ops/outbox?after=x1",
                                    auditor), 422, "after")
        self.assertProblem(self.ops("GET", "/v1/ops/outbox?limit=0",
                                    auditor), 422, "limit")
        self.assertProblem(self.ops("GET", "/v1/ops/outbox?colour=red",
                                    auditor), 422)
        self.assertProblem(self.ops("GET", "/v1/ops/outbox", reviewer), 403)
        for who in (auditor, reviewer):
            self.assertProblem(self.ops(
                "POST", "/v1/ops/outbox/%s/resend" % job, who), 403)
        self.assertEqual(srv.http("GET", "/v1/ops/outbox")[0], 401)
        self.assertProblem(self.ops("POST", "/v1/ops/outbox/99999/resend",
                                    admin), 404)
        self.assertProblem(self.ops("POST", "/v1/ops/outbox/x/resend",
                                    admin), 404)

        # SMTP back; the admin resends: a new, valid code arrives.
        sink = self.start_sink(port=port)
        srv.sink = sink
        st, _, js = self.ops("POST", "/v1/ops/outbox/%s/resend" % job, admin)
        self.assertEqual(st, 202, js)
        self.assertProblem(self.ops(
            "POST", "/v1/ops/outbox/%s/resend" % job, admin), 409)
        code = self.code_for(srv, app["_email"])
        st, _, js = self.verify(srv, app["id"], code)
        self.assertEqual(st, 200, js)
        self.assertEqual(len(sink.for_address(app["_email"])), 1)
        opr = srv.db.scalar("SELECT id FROM operators WHERE name = 'ann'")
        self.assertEqual(srv.db.audits("actor, subject",
                                       "action = 'outbox.resend'"),
                         [["operator:" + opr, job]])
        self.assertEqual(srv.db.admin("audit", "verify").returncode, 0)

    def test_resend_refused_for_a_lapsed_application(self):
        port = harness.free_port()  # SMTP down for good
        srv = self.server({}, smtp_port=port)
        admin = self.operator(srv, "ann", "admin")
        app = self.apply(srv)
        wait_until(lambda: mail_jobs(srv.db, "attempts >= 1"), 30, 0.1,
                   "a failed try")
        srv.set_clock(31 * DAY)  # past the e-mail window
        wait_until(lambda: mail_jobs(srv.db, "state = 'dead'"), 30, 0.1,
                   "the mail to die")
        wait_until(lambda: srv.db.scalar(
            "SELECT status FROM applications WHERE id = '%s'" % app["id"])
            == "lapsed", 30, 0.1, "the lapse")
        job = srv.db.scalar("SELECT id FROM jobs WHERE state = 'dead'")
        self.assertProblem(self.ops(
            "POST", "/v1/ops/outbox/%s/resend" % job, admin), 409)
        self.assertEqual(srv.db.scalar(
            "SELECT state FROM jobs WHERE id = %s" % job), "dead")


class DecisionMailResendTest(harness.TestCase):

    def test_applicant_asks_for_the_decision_mail_again(self):
        prov = start_provider(self)
        env = dict(FAST)
        env.update(prov.env())
        env["RXCA_EMAIL_RESEND_MAX"] = "2"
        srv = self.start_server(env=env)
        app = self.apply(srv, person(*ADA))
        path = "/v1/applications/%s/decision-mail/resend" % app["id"]
        auth = self.bearer(app["session"]["token"])
        # Not decided yet.
        self.assertProblem(srv.http("POST", path, headers=auth), 409)
        code = self.code_for(srv, app["_email"])
        self.assertEqual(self.verify(srv, app["id"], code)[0], 200)
        first = srv.sink.wait_for(app["_email"], 30)
        while "approved" not in first["Subject"]:
            first = srv.sink.wait_for(app["_email"], 30)
        # Someone else's session, or none, gets nothing.
        other = self.apply(srv)
        self.assertProblem(srv.http("POST", path, headers=self.bearer(
            other["session"]["token"])), 404)
        self.assertEqual(srv.http("POST", path)[0], 401)
        for _ in range(2):
            st, _, js = srv.http("POST", path, headers=auth)
            self.assertEqual(st, 202, js)
            again = srv.sink.wait_for(app["_email"], 30)
            self.assertIn("approved", again["Subject"])
        resp = srv.http("POST", path, headers=auth)
        self.assertProblem(resp, 429)
        self.assertRetryAfter(resp[1])
        self.assertEqual(srv.db.count(
            "audit_log", "action = 'email.decision_resend'"), 2)


# The recording of the first sent code fails once, after the mail went out
# (a trigger in the test's own database; nothing in the server knows).
FAULT = """
    CREATE SEQUENCE t_fault;
    CREATE FUNCTION t_fault() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.action = 'email.code_sent' AND nextval('t_fault') = 1 THEN
            RAISE EXCEPTION 'injected fault after the send';
        END IF;
        RETURN NEW;
    END $$;
    CREATE TRIGGER t_fault BEFORE INSERT ON audit_log
        FOR EACH ROW EXECUTE FUNCTION t_fault();"""


class CodeAfterDatabaseFaultTest(harness.TestCase):

    def test_first_code_still_verifies(self):
        srv = self.start_server(start=False)
        harness.psql(srv.db.host, srv.db.port, srv.db.user, srv.db.name,
                     FAULT)
        srv.start()
        app = self.apply(srv)
        first = harness.mail_code(srv.sink.wait_for(app["_email"]))
        second = harness.mail_code(srv.sink.wait_for(app["_email"]))
        self.assertNotEqual(first, second)
        wait_until(lambda: mail_jobs(srv.db, "state = 'done'"), 20, 0.1,
                   "the job to finish")
        st, _, js = self.verify(srv, app["id"], first)
        self.assertEqual(st, 200, js)

    def test_either_code_verifies(self):
        srv = self.start_server(start=False)
        harness.psql(srv.db.host, srv.db.port, srv.db.user, srv.db.name,
                     FAULT)
        srv.start()
        app = self.apply(srv)
        srv.sink.wait_for(app["_email"])
        second = harness.mail_code(srv.sink.wait_for(app["_email"]))
        wait_until(lambda: mail_jobs(srv.db, "state = 'done'"), 20, 0.1,
                   "the job to finish")
        # A wrong code still counts; the latest code works too.
        st, _, js = self.verify(srv, app["id"], "AAAAA-AAAAA")
        self.assertEqual(st, 422, js)
        st, _, js = self.verify(srv, app["id"], second)
        self.assertEqual(st, 200, js)


if __name__ == "__main__":
    harness.main()
