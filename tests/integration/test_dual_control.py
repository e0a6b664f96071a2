#!/usr/bin/python3
"""Dual control (issue 17, item 3; docs/operations.md, "Dual control"): an
action listed in RXCA_DUAL_CONTROL (by default an approving decision and a
kit print; optionally a revocation and a partner key) asked for by one
operator waits as a pending approval until a different operator with the
right role confirms it; only then does it take effect, checked again.  A
rejected or expired one never does; the same operator, an admin included,
cannot confirm their own; both steps are audited, and so is each refused
confirmation or rejection (approval.refused, in a unit of work of its
own); only operators reach the approval routes."""
import json

import harness
import test_config
from test_operators import OperatorCase
from test_proofing import ADA, person
from test_revocation import PkiCase

DAY = 86400


class DualCase(OperatorCase):

    def approvals(self, status="pending", who=None):
        st, _, js = self.ops("GET", "/v1/ops/approvals?status=" + status,
                             who=who)
        self.assertEqual(st, 200, js)
        return {a["id"]: a for a in js["items"]}

    def confirm(self, approval, who):
        return self.ops("POST", "/v1/ops/approvals/%s/confirm"
                        % approval["id"], who=who)

    def reject(self, approval, who, reason="not this one"):
        return self.ops("POST", "/v1/ops/approvals/%s/reject"
                        % approval["id"], {"reason": reason}, who=who)

    def decide(self, app, who, decision="approve"):
        return self.ops("POST", "/v1/ops/applications/%s/decision"
                        % app["id"], {"decision": decision,
                                      "reason": "documents checked"},
                        who=who)

    def status(self, app):
        return self.srv.db.scalar("SELECT status FROM applications WHERE "
                                  "id = '%s'" % app["id"])

    def audits(self, action, subject):
        return [(r[0], json.loads(r[1])) for r in self.srv.db.audits(
            "actor, details", "action = '%s' AND subject = '%s'"
            % (action, subject))]

    def refusals(self, approval):
        """The approval.refused records of approval: (operator's name,
        decision, refusal, status), oldest first, each by the operator
        refused and naming the approval's action and target."""
        names = {r[0]: r[1] for r in self.srv.db.query(
            "SELECT id, name FROM operators")}
        out = []
        for actor, d in self.audits("approval.refused", approval["id"]):
            self.assertEqual(actor, "operator:" + d["operator"])
            self.assertEqual((d["action"], d["target"]),
                             (approval["action"], approval["target"]))
            out.append((names[d["operator"]], d["decision"], d["refusal"],
                        d["status"]))
        return out

    def opr(self, name):
        return self.srv.db.scalar("SELECT id FROM operators WHERE name = "
                                  "'%s'" % name)

    def approved_kit(self):
        """Ada, approved by the rules (no operator): her kit's id."""
        app = self.apply(self.srv, person(*ADA))
        code = self.code_for(self.srv, app["_email"])
        st, _, js = self.verify(self.srv, app["id"], code)
        self.assertEqual(st, 200, js)
        harness.wait_until(lambda: self.status(app) == "approved" or None,
                           30, 0.1, "the approval")
        return self.srv.db.scalar("SELECT id FROM kits WHERE "
                                  "application_id = '%s'" % app["id"])


class ApproveTest(DualCase):
    # One server for the class (OperatorCase.shared): each test asks for
    # approvals of its own applications and looks at those.
    shared = True

    def test_approval_needs_a_second_reviewer(self):
        rev, rev2 = (self.operator("rita", "reviewer"),
                     self.operator("rena", "reviewer"))
        ful = self.operator("fay", "fulfiller")
        aud = self.operator("alice", "auditor")
        app = self.in_review()
        st, _, pend = self.decide(app, rev)
        self.assertEqual(st, 202, pend)
        self.assertEqual(pend["status"], "pending")
        self.assertEqual(pend["action"], "decision.approve")
        self.assertEqual(pend["target"], app["id"])
        self.assertEqual(pend["requested_by"],
                         {"id": self.opr("rita"), "name": "rita"})
        self.assertEqual(pend["params"], {"decision": "approve",
                                          "reason": "documents checked"})
        self.assertEqual(harness.rfc3339(pend["expires_at"]) -
                         harness.rfc3339(pend["requested_at"]), DAY)
        # Nothing happened yet, and the case waits where anyone sees it.
        self.assertEqual(self.status(app), "review")
        self.assertEqual(self.srv.db.count(
            "decisions", "application_id = '%s'" % app["id"]), 0)
        self.assertIn(pend["id"], self.approvals(who=aud))
        st, _, one = self.ops("GET", "/v1/ops/approvals/" + pend["id"],
                              who=ful)
        self.assertEqual((st, one["status"]), (200, "pending"), one)
        # The same operator cannot confirm, nor a role that may not decide.
        st, _, js = self.confirm(pend, rev)
        self.assertProblem((st, _, js), 403)
        self.assertTrue(js["type"].endswith("/same-operator"), js)
        self.assertIn("another operator", js["detail"])
        self.assertProblem(self.confirm(pend, ful), 403)
        self.assertProblem(self.confirm(pend, aud), 403)
        self.assertProblem(self.reject(pend, rev), 403)
        self.assertEqual(self.status(app), "review")
        # Each refusal is audited, by the operator refused, and changed
        # nothing else.
        self.assertEqual(self.refusals(pend), [
            ("rita", "confirm", "same-operator", 403),
            ("fay", "confirm", "forbidden", 403),
            ("alice", "confirm", "forbidden", 403),
            ("rita", "reject", "same-operator", 403)])
        self.assertEqual(self.approvals(who=aud)[pend["id"]]["status"],
                         "pending")
        # A second reviewer confirms: the decision takes effect as theirs.
        st, _, done = self.confirm(pend, rev2)
        self.assertEqual(st, 200, done)
        self.assertEqual(done["status"], "confirmed")
        self.assertEqual(done["decided_by"],
                         {"id": self.opr("rena"), "name": "rena"})
        self.assertEqual(done["result"]["status"], "approved")
        self.assertEqual(self.status(app), "approved")
        self.assertEqual([tuple(r) for r in self.srv.db.query(
            "SELECT decided_by, reason FROM decisions WHERE "
            "application_id = '%s'" % app["id"])],
            [("operator:" + self.opr("rena"), "documents checked")])
        self.assertEqual(self.srv.db.count(
            "kits", "application_id = '%s'" % app["id"]), 1)
        # Once: a second confirmation or a rejection now is 409.
        st, _, js = self.confirm(pend, rev2)
        self.assertProblem((st, _, js), 409)
        self.assertTrue(js["type"].endswith("/approval-decided"), js)
        self.assertProblem(self.confirm(pend, self.operator("ron",
                                                            "reviewer")),
                           409)
        self.assertProblem(self.reject(pend, rev2), 409)
        self.assertEqual(self.refusals(pend)[4:], [
            ("rena", "confirm", "approval-decided", 409),
            ("ron", "confirm", "approval-decided", 409),
            ("rena", "reject", "approval-decided", 409)])
        self.assertNotIn(pend["id"], self.approvals(who=aud))
        self.assertIn(pend["id"], self.approvals("confirmed", who=aud))
        # Both steps audited, each by its operator.
        req = self.audits("approval.requested", pend["id"])
        self.assertEqual(len(req), 1)
        self.assertEqual(req[0][0], "operator:" + self.opr("rita"))
        self.assertEqual(req[0][1]["action"], "decision.approve")
        self.assertEqual(req[0][1]["target"], app["id"])
        conf = self.audits("approval.confirmed", pend["id"])
        self.assertEqual(len(conf), 1)
        self.assertEqual(conf[0][0], "operator:" + self.opr("rena"))
        self.assertEqual(conf[0][1]["requested_by"], self.opr("rita"))
        self.assertEqual(self.audits("application.approved", app["id"])[0][0],
                         "operator:" + self.opr("rena"))
        self.assertEqual(self.srv.db.admin("audit", "verify").returncode, 0)

    def test_one_open_approval_per_target(self):
        rev, rev2, rev3 = (self.operator("rita", "reviewer"),
                           self.operator("rena", "reviewer"),
                           self.operator("ron", "reviewer"))
        app, other = self.in_review(), self.in_review()
        st, _, pend = self.decide(app, rev)
        self.assertEqual(st, 202, pend)
        # The same action on the same case while it waits: 409 naming the
        # approval that waits, whoever asks; nothing more is recorded.
        for who in (rev2, rev):
            st, _, js = self.decide(app, who)
            self.assertProblem((st, _, js), 409)
            self.assertTrue(js["type"].endswith("/approval-pending"), js)
            self.assertEqual(js["approval"], pend["id"])
            self.assertIn(pend["id"], js["detail"])
        self.assertEqual(self.srv.db.count(
            "approvals", "target = '%s'" % app["id"]), 1)
        self.assertEqual(len(self.audits("approval.requested",
                                         pend["id"])), 1)
        # Another case is another target.
        st, _, js = self.decide(other, rev2)
        self.assertEqual(st, 202, js)
        # Once decided, the case may be asked for again (here it is no
        # longer in review, so the action's own check answers).
        self.assertEqual(self.confirm(pend, rev3)[0], 200)
        self.assertProblem(self.decide(app, rev2), 409)
        self.assertEqual(self.srv.db.count(
            "approvals", "target = '%s'" % app["id"]), 1)
        # The index holds even for a writer that skips the service.
        db = self.srv.db
        r = harness.psql(db.host, db.port, db.user, db.name,
            "INSERT INTO approvals (id, action, target, params, "
            "requested_by, requested_at, expires_at) SELECT 'apr_x', "
            "action, target, params, requested_by, requested_at, "
            "expires_at FROM approvals WHERE id = '%s'" % js["id"],
            check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("approvals_open", r.stderr)

    def test_an_admin_cannot_confirm_their_own(self):
        adm, adm2 = (self.operator("root", "admin"),
                     self.operator("ann", "admin"))
        app = self.in_review()
        st, _, pend = self.decide(app, adm)
        self.assertEqual(st, 202, pend)
        st, _, js = self.confirm(pend, adm)
        self.assertProblem((st, _, js), 403)
        self.assertTrue(js["type"].endswith("/same-operator"), js)
        self.assertEqual(self.status(app), "review")
        # Another admin qualifies for any action's role.
        self.assertEqual(self.confirm(pend, adm2)[0], 200)
        self.assertEqual(self.status(app), "approved")

    def test_a_rejection_is_direct_and_a_request_is_checked_at_once(self):
        rev, rev2, rev3 = (self.operator("rita", "reviewer"),
                           self.operator("rena", "reviewer"),
                           self.operator("ron", "reviewer"))
        # Not listed: a rejecting decision takes effect at once.
        app = self.in_review()
        st, _, js = self.decide(app, rev, "reject")
        self.assertEqual((st, js["status"]), (200, "rejected"), js)
        # A request the direct route would refuse is refused, and waits
        # for nobody.
        self.assertProblem(self.decide(app, rev), 409)
        self.assertProblem(self.decide({"id": "app_nonexistent"}, rev), 404)
        self.assertEqual(self.srv.db.count(
            "approvals", "target IN ('%s', 'app_nonexistent')" % app["id"]),
            0)
        # Checked again at the confirmation: the case was decided
        # meanwhile, so nothing takes effect and the approval waits on.
        app = self.in_review()
        st, _, pend = self.decide(app, rev)
        self.assertEqual(st, 202, pend)
        self.assertEqual(self.decide(app, rev2, "reject")[0], 200)
        st, _, js = self.confirm(pend, rev3)
        self.assertProblem((st, _, js), 409)
        self.assertTrue(js["type"].endswith("/not-in-review"), js)
        self.assertEqual(self.status(app), "rejected")
        self.assertEqual(self.audits("approval.confirmed", pend["id"]), [])
        self.assertIn(pend["id"], self.approvals(who=rev))



class ExpiryTest(DualCase):
    """A server per test: it moves the clock."""

    def test_expired_never_takes_effect(self):
        rev, rev2 = (self.operator("rita", "reviewer"),
                     self.operator("rena", "reviewer"))
        app = self.in_review()
        st, _, pend = self.decide(app, rev)
        self.assertEqual(st, 202, pend)
        self.srv.set_clock(DAY - 60)
        self.assertIn(pend["id"], self.approvals(who=rev2))
        self.srv.set_clock(DAY + 1)
        self.assertNotIn(pend["id"], self.approvals(who=rev2))
        expired = self.approvals("expired", who=rev2)
        self.assertEqual(expired[pend["id"]]["status"], "expired")
        st, _, js = self.confirm(pend, rev2)
        self.assertProblem((st, _, js), 410)
        self.assertTrue(js["type"].endswith("/approval-expired"), js)
        self.assertProblem(self.reject(pend, rev2), 410)
        self.assertEqual(self.refusals(pend), [
            ("rena", "confirm", "approval-expired", 410),
            ("rena", "reject", "approval-expired", 410)])
        self.assertEqual(self.status(app), "review")
        self.assertEqual(self.srv.db.count(
            "decisions", "application_id = '%s'" % app["id"]), 0)
        # Asked again, it can be confirmed: the expired one lapsed.
        st, _, again = self.decide(app, rev)
        self.assertEqual(st, 202, again)
        self.assertEqual(self.srv.db.scalar(
            "SELECT lapsed_at IS NOT NULL FROM approvals WHERE id = '%s'"
            % pend["id"]), "t")
        self.assertIn(pend["id"], self.approvals("expired", who=rev2))
        self.assertEqual(self.confirm(again, rev2)[0], 200)
        self.assertEqual(self.status(app), "approved")


class KitTest(DualCase):

    def test_print_shows_the_codes_to_the_confirming_fulfiller(self):
        ful, ful2 = (self.operator("fay", "fulfiller"),
                     self.operator("flo", "fulfiller"))
        kit = self.approved_kit()
        st, _, pend = self.ops("POST", "/v1/ops/kits/%s/print" % kit,
                               who=ful)
        self.assertEqual(st, 202, pend)
        self.assertEqual((pend["action"], pend["target"]),
                         ("kit.print", kit))
        self.assertNotIn("activation_code", json.dumps(pend))
        self.assertEqual(self.srv.db.scalar(
            "SELECT state || prints FROM kits WHERE id = '%s'" % kit),
            "created0")
        st, _, done = self.confirm(pend, ful2)
        self.assertEqual(st, 200, done)
        letter = done["result"]
        self.assertEqual(letter["kit_id"], kit)
        self.assertRegex(letter["activation_code"],
                         r"^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}-[0-9A-Z]$")
        self.assertEqual(letter["print"], 1)
        self.assertEqual(self.srv.db.scalar(
            "SELECT state || prints FROM kits WHERE id = '%s'" % kit),
            "printed1")
        audit = self.audits("kit.printed", kit)
        self.assertEqual(audit[0][0], "operator:" + self.opr("flo"))
        # The code is nowhere else: not in the approval, its audit or the
        # log.
        st, _, one = self.ops("GET", "/v1/ops/approvals/" + pend["id"],
                              who=ful)
        self.assertNotIn(letter["activation_code"], json.dumps(one))
        self.assertEqual(self.srv.db.count(
            "audit_log", "details::text LIKE '%%%s%%'"
            % letter["activation_code"]), 0)
        self.assertNotIn(letter["activation_code"], self.srv.stderr())

    def test_rejected_with_a_reason_never_prints(self):
        ful, ful2 = (self.operator("fay", "fulfiller"),
                     self.operator("flo", "fulfiller"))
        kit = self.approved_kit()
        st, _, pend = self.ops("POST", "/v1/ops/kits/%s/print" % kit,
                               who=ful)
        self.assertEqual(st, 202, pend)
        for body, field in (({}, "reason"), ({"reason": " "}, "reason"),
                            ({"reason": "a\nb"}, "reason"),
                            ({"reason": "x", "more": 1}, "more")):
            with self.subTest(body=body):
                self.assertProblem(self.ops(
                    "POST", "/v1/ops/approvals/%s/reject" % pend["id"],
                    body, who=ful2), 422, field)
        st, _, js = self.reject(pend, ful2, "wrong kit")
        self.assertEqual(st, 200, js)
        self.assertEqual((js["status"], js["reason"]),
                         ("rejected", "wrong kit"))
        self.assertProblem(self.confirm(pend, ful2), 409)
        self.assertEqual(self.srv.db.scalar(
            "SELECT state || prints FROM kits WHERE id = '%s'" % kit),
            "created0")
        rej = self.audits("approval.rejected", pend["id"])
        self.assertEqual(rej[0][0], "operator:" + self.opr("flo"))
        self.assertEqual(rej[0][1]["reason"], "wrong kit")
        self.assertIn(pend["id"], self.approvals("rejected", who=ful))


class WhoMayTest(DualCase):

    def test_only_operators_reach_the_approval_routes(self):
        rev = self.operator("rita", "reviewer")
        adm = self.operator("ann", "admin")
        app = self.in_review()
        st, _, pend = self.decide(app, rev)
        self.assertEqual(st, 202, pend)
        # A partner key (partner.key is not listed: made at once).
        st, _, prt = self.ops("POST", "/v1/ops/partners",
                              {"name": "Acme EHR", "program": "acme"},
                              who=adm)
        self.assertEqual(st, 201, prt)
        st, _, key = self.ops("POST", "/v1/ops/partners/%s/keys"
                              % prt["id"], who=adm)
        self.assertEqual(st, 201, key)
        session = self.bearer(app["session"]["token"])
        partner = self.bearer(key["api_key"])
        for method, path, body in (
                ("GET", "/v1/ops/approvals", None),
                ("GET", "/v1/ops/approvals/" + pend["id"], None),
                ("POST", "/v1/ops/approvals/%s/confirm" % pend["id"], None),
                ("POST", "/v1/ops/approvals/%s/reject" % pend["id"],
                 {"reason": "x"})):
            with self.subTest(path=path, method=method):
                for hdr in (None, session, partner):
                    self.assertProblem(self.srv.http(
                        method, path, body, headers=hdr), 401)
                    self.assertProblem(self.ops(
                        method, path, body, headers=hdr), 401)
        self.assertEqual(self.status(app), "review")
        self.assertProblem(self.ops("GET", "/v1/ops/approvals/apr_none",
                                    who=rev), 404)
        self.assertProblem(self.ops("GET", "/v1/ops/approvals?status=x",
                                    who=rev), 422, "status")
        self.assertProblem(self.ops("POST", "/v1/ops/approvals/apr_none/"
                                    "confirm", who=adm), 404)


class RevocationListedTest(PkiCase):
    extra_env = {"RXCA_DUAL_CONTROL":
                 "decision.approve,kit.print,revocation"}

    def test_revocation_needs_two_revokers(self):
        rev2 = self.operator("rex", "revoker")
        app = self.issued()
        serial = app["_cert"]["serial"]
        signed = self.signed()
        st, _, pend = self.revoke(app, comment="token lost")
        self.assertEqual(st, 202, pend)
        # Checked, not signed: the responses are signed at confirmation.
        self.assertEqual(self.signed(), signed)
        self.assertEqual((pend["action"], pend["target"]),
                         ("revocation", serial))
        self.assertEqual(pend["params"], {"reason": "keyCompromise",
                                          "comment": "token lost"})
        self.wait_ocsp("good")  # nothing revoked yet
        self.assertProblem(self.ops("POST", "/v1/ops/approvals/%s/confirm"
                                    % pend["id"], who=self.rev), 403)
        self.assertProblem(self.ops("POST", "/v1/ops/approvals/%s/confirm"
                                    % pend["id"], who=self.ful), 403)
        st, _, done = self.ops("POST", "/v1/ops/approvals/%s/confirm"
                               % pend["id"], who=rev2)
        self.assertEqual(st, 200, done)
        self.assertEqual(done["result"], {
            "serial": serial, "status": "revoked", "reason": "keyCompromise",
            "already_revoked": False})
        self.assertGreater(self.signed(), signed)
        self.wait_ocsp("revoked")
        self.assertEqual(self.srv.db.scalar(
            "SELECT revocation_reason FROM certificates WHERE "
            "encode(serial, 'hex') = '%s'" % serial), "keyCompromise")


class RevocationNotListedTest(PkiCase):

    def test_revocation_is_direct_by_default(self):
        app = self.issued()
        st, _, js = self.revoke(app)
        self.assertEqual(st, 200, js)
        self.assertEqual(js["status"], "revoked")
        self.wait_ocsp("revoked")
        self.assertEqual(self.srv.db.count(
            "approvals", "action = 'revocation'"), 0)


class DualControlOffTest(PkiCase):
    extra_env = {"RXCA_DUAL_CONTROL": ""}

    def test_an_empty_setting_needs_one_operator(self):
        st, _, letter = self.ops("POST", "/v1/ops/kits/%s/print"
                                 % self.approved()["_kit"])
        self.assertEqual(st, 200, letter)
        self.assertIn("activation_code", letter)
        self.assertEqual(self.srv.db.count("approvals"), 0)


class SettingTest(harness.TestCase):

    def test_bad_settings_stop_start_up(self):
        for var, value in (("RXCA_DUAL_CONTROL", "kit.burn"),
                           ("RXCA_DUAL_CONTROL", "kit.print,,revocation"),
                           ("RXCA_DUAL_CONTROL", "decision.reject"),
                           ("RXCA_DUAL_CONTROL_EXPIRY", "59")):
            with self.subTest(var=var, value=value):
                r = test_config.ConfigTest.run_server(self, {var: value})
                self.assertNotEqual(r.returncode, 0, r.stderr)
                self.assertTrue(any(line.startswith(var + ":")
                                    for line in r.stderr.splitlines()),
                                r.stderr)


if __name__ == "__main__":
    harness.main()
