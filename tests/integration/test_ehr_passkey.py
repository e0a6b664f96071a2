#!/usr/bin/python3
"""Stage d of issue 20 (docs/approvals.md): the two-person credential
approval of issue 16 given with the approver's passkey instead of a
signature by the approver's certificate key, through the same assertion
check as prescription approvals (api/service/passkey.c): the passkey
challenge is the statement's SHA-256; another application's passkey, UV
off, another statement and a revoked passkey are refused, each leaving
the link pending; the assertion is kept with the approval record; the
challenge is single use."""
import hashlib

from test_ehr import EhrCase
from test_passkeys import ORIGIN, RP_ID
from webauthn_client import Authenticator, b64url

import harness


class PasskeyApprovalTest(EhrCase):
    extra_env = dict(EhrCase.extra_env, RXCA_PASSKEY_ORIGIN=ORIGIN,
                     RXCA_PASSKEY_RP_ID=RP_ID)

    def passkey(self, app):
        st, _, s = self.login(self.srv, app["_password"], app_id=app["id"])
        self.assertEqual(st, 201, s)
        h = self.bearer(s["token"])
        base = "/v1/applications/%s/passkeys" % app["id"]
        st, _, opt = self.srv.http("POST", base + "/options", headers=h)
        self.assertEqual(st, 201, opt)
        auth = Authenticator(ORIGIN, RP_ID)
        st, _, pk = self.srv.http("POST", base, auth.create(opt), headers=h)
        self.assertEqual(st, 201, pk)
        auth.pk = pk
        auth.session = h
        return auth

    def chal(self, approved, approver):
        st, _, ch = self.challenge_for(
            "p1", purpose="approve", serial=self.serial(approved),
            approver_serial=self.serial(approver))
        self.assertEqual(st, 201, ch)
        return ch

    def by_passkey(self, link, body):
        return self.p(self.a, "POST", "/v1/partner/practices/p1/links/%s/"
                      "approval" % link["id"], body)

    def test_approval_with_a_passkey(self):
        ada, alan, grace = self.issue(), self.issue(), self.issue()
        self.practice("p1")
        st, _, la = self.link("p1", ada, "dr.ada")
        self.assertEqual((st, la["approved"]), (201, True), la)
        st, _, ld = self.link("p1", alan, "dr.alan")
        self.assertEqual((st, ld["approved"]), (201, False), ld)
        st, _, lg = self.link("p1", grace, "dr.grace")
        self.assertEqual((st, lg["approved"]), (201, False), lg)
        auth = self.passkey(ada)
        alans = self.passkey(alan)
        ch = self.chal(alan, ada)
        self.assertEqual(ch["passkey_challenge"], b64url(hashlib.sha256(
            ch["challenge"].encode()).digest()))
        pkch = ch["passkey_challenge"]
        other = self.chal(grace, ada)
        for what, body, field in [
                ("another application's passkey",
                 {"passkey": alans.get(pkch)}, "credential_id"),
                ("uv off", {"passkey": auth.get(pkch, uv=False)},
                 "authenticator_data"),
                ("another statement",
                 {"passkey": auth.get(other["passkey_challenge"])},
                 "client_data_json"),
                ("both", {"passkey": auth.get(pkch), "signature": "AAAA"},
                 "signature"),
                ("a member missing", {"passkey": {"credential_id": "x"}},
                 "passkey")]:
            with self.subTest(what):
                self.assertProblem(self.by_passkey(
                    ld, dict(body, challenge=ch["challenge"])), 422, field)
        self.assertProblem(self.p(self.a, "POST",
                                  "/v1/partner/practices/p1/links",
                                  {"challenge": ch["challenge"],
                                   "passkey": auth.get(pkch)}), 422)
        st, _, js = self.p(self.a, "GET",
                           "/v1/partner/practices/p1/links/%s" % ld["id"])
        self.assertFalse(js["approved"], js)
        # approved with the passkey; the assertion kept with the record
        good = auth.get(pkch)
        st, _, js = self.by_passkey(ld, {"challenge": ch["challenge"],
                                         "passkey": good})
        self.assertEqual(st, 200, js)
        self.assertEqual((js["approved"], js["approved_how"]),
                         (True, "colleague"))
        approver = js["approval"]["approver"]
        self.assertIsNone(approver["signature"])
        self.assertEqual(approver["passkey"]["id"], auth.pk["id"])
        self.assertEqual(approver["passkey"]["assertion"], good)
        self.assertEqual(self.srv.db.count(
            "audit_log", "subject = '%s' AND action = 'passkey.asserted'"
            % ada["id"]), 1)
        ev = self.events("credential.approved")[-1]
        self.assertEqual(ev["data"]["proof"], "passkey")
        # single use
        self.assertProblem(self.by_passkey(ld, {"challenge": ch["challenge"],
                                                "passkey": good}), 409)
        # a revoked passkey approves nothing
        st, _, js = self.srv.http(
            "POST", "/v1/applications/%s/passkeys/%s/revocation"
            % (ada["id"], auth.pk["id"]), headers=auth.session)
        self.assertEqual(st, 200, js)
        body = self.assertProblem(self.by_passkey(lg, {
            "challenge": other["challenge"],
            "passkey": auth.get(other["passkey_challenge"])}), 409)
        self.assertTrue(body["type"].endswith("/passkey-not-active"), body)
        st, _, js = self.p(self.a, "GET",
                           "/v1/partner/practices/p1/links/%s" % lg["id"])
        self.assertFalse(js["approved"], js)


if __name__ == "__main__":
    harness.main()
