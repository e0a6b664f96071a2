#!/usr/bin/python3
"""The operators' search (GET /v1/ops/search) and application view
(GET /v1/ops/applications/{id}): each kind of query (application id, kit
id, serial in any case with or without colons, e-mail, NPI, DEA number,
name by prefix and with a typo), ranking and paging, the fields each role
sees (api/service/ops_view.c's table), the audit record of each search
with its personal data hashed, bounded queries, who may call; and the
duplicate check of identity proofing: a second application of the same
person goes to review, not to approval, under both policies, with its
reasons shown to the reviewer."""
import hashlib
import hmac
import json
import os
import urllib.parse

import harness
from harness import wait_until
from provider import start_provider
import tlsutil
from test_ca import CaCase, make_csr
from test_payments import PayProvider
from test_proofing import ADA, FAST, dea, npi, person

# An SSN that appears nowhere else in an application body.
SSN = "9753"


def pending(given, family, dob="1980-01-02", nine="111111111",
            six="765432"):
    """An application body nobody verifies (it stays email_pending)."""
    return harness.application(applicant={
        "given_name": given, "family_name": family, "date_of_birth": dob,
        "ssn_last4": SSN, "npi": npi(nine), "dea_number": dea(family, six)})


def audit_hmac(db, value):
    """The keyed hash an audit record keeps of value: HMAC-SHA256 with the
    database's audit-hash key (migration 0038), hex."""
    key = db.scalar("SELECT encode(secret, 'hex') FROM server_secrets "
                    "WHERE name = 'audit-hash'")
    return hmac.new(bytes.fromhex(key), value.encode(),
                    hashlib.sha256).hexdigest()

class SearchCase(CaCase):
    operators = CaCase.operators + (
        ("ann", "admin"), ("rita", "reviewer"), ("ravi", "revoker"),
        ("audrey", "auditor"))

    def setUp(self):
        # The reference payment service, so that the view shows a payment.
        self.tmp = harness.make_tempdir(self)
        self.pay = PayProvider(self.tmp).start()
        self.addCleanup(self.pay.stop)
        self.extra_env = self.pay.env()
        super().setUp()
        self.adm = self.operator("ann", "admin")
        self.rev = self.operator("rita", "reviewer")
        self.rvk = self.operator("ravi", "revoker")
        self.aud = self.operator("audrey", "auditor")

    def search(self, q, who=None, **params):
        params["q"] = q
        return self.ops("GET", "/v1/ops/search?" +
                        urllib.parse.urlencode(params), who=who or self.adm)

    def found(self, q, who=None, **params):
        st, _, js = self.search(q, who, **params)
        self.assertEqual(st, 200, js)
        return js

    def view(self, app_id, who=None):
        st, _, js = self.ops("GET", "/v1/ops/applications/%s" % app_id,
                             who=who or self.adm)
        self.assertEqual(st, 200, js)
        return js


class SearchTest(SearchCase):

    def issued(self):
        """ADA approved, kit printed and shipped, certificate retrieved."""
        app = self.shipped()
        key, csr = make_csr(self.tmp, "tok")
        st, _, js = self.retrieve(app, csr)
        self.assertEqual(st, 201, js)
        app["_serial"] = js["serial"]
        return app

    def test_every_kind_of_query(self):
        app = self.issued()
        serial = app["_serial"]
        colons = ":".join(serial[i:i + 2] for i in range(0, 32, 2))
        queries = [
            (app["id"], "application"), (app["_kit"], "kit"),
            (serial, "serial"), (serial.upper(), "serial"),
            (colons, "serial"), (colons.upper(), "serial"),
            (app["_email"].upper(), "email"), ("1234567893", "npi"),
            ("al1234563", "dea_number"), ("Ada Lovelace", "name"),
            ("  ada   LOVELACE ", "name"), ("Lovel", "name"),
            ("Ada Lovelcae", "name"), ("Lovelace", "name")]
        for q, kind in queries:
            with self.subTest(q=q):
                js = self.found(q)
                ids = [i["id"] for i in js["items"]]
                self.assertEqual(ids, [app["id"]], js)
                item = js["items"][0]
                self.assertEqual(item["match"]["kind"], kind)
                if kind != "name":
                    self.assertEqual(item["match"]["rank"], 1000)
                self.assertEqual([c["serial"] for c in
                                  item["certificates"]], [serial])
                self.assertEqual(item["certificates"][0]["state"],
                                 "issued")
                self.assertEqual([k["id"] for k in item["kits"]],
                                 [app["_kit"]])
                self.assertEqual(item["kits"][0]["tracking"], "9400100000")
        # Well-formed identifiers that match nothing find nothing.
        for q in ("app_nosuchthing", "kit_nosuchthing", "0" * 32,
                  "nobody@example.org", npi("999999999"),
                  "BX9999999", "Zebediah Quux"):
            with self.subTest(q=q):
                self.assertEqual(self.found(q)["items"], [])

    def test_names_ranked_and_paged(self):
        ids = {}
        for given, family in (("Ada", "Lovelace"), ("Ada", "Lovelady"),
                              ("Adam", "Lovelace"), ("Ida", "Lovelace"),
                              ("Ada", "Lovelock")):
            body = pending(given, family)
            ids[(given, family)] = self.apply(self.srv, body)["id"]
        other = self.apply(self.srv, pending("Grace", "Hopper"))["id"]
        js = self.found("ada lovelace", limit=50)
        got = [i["id"] for i in js["items"]]
        self.assertEqual(got[0], ids[("Ada", "Lovelace")])
        self.assertNotIn(other, got)
        ranks = [i["match"]["rank"] for i in js["items"]]
        self.assertEqual(ranks, sorted(ranks, reverse=True))
        self.assertTrue(all(0 < r < 1000 for r in ranks), ranks)
        self.assertIsNone(js["next_after"])
        # Paged two at a time: the same rows in the same order.
        seen, after = [], None
        for _ in range(10):
            params = {"limit": 2}
            if after:
                params["after"] = after
            page = self.found("ada lovelace", **params)
            self.assertLessEqual(len(page["items"]), 2)
            seen += [i["id"] for i in page["items"]]
            after = page["next_after"]
            if after is None:
                break
        self.assertEqual(seen, got)
        # Exact identifiers come first: an e-mail finds every application
        # of the address, each ranked exact.
        addr = harness.unique_email("twice")
        a1 = self.apply(self.srv, harness.deep_merge(
            pending("Ada", "Lovelace"), {"applicant": {"email": addr}}))
        a2 = self.apply(self.srv, harness.deep_merge(
            pending("Ada", "Lovelace"), {"applicant": {"email": addr}}))
        js = self.found(addr)
        self.assertEqual(sorted(i["id"] for i in js["items"]),
                         sorted([a1["id"], a2["id"]]))
        self.assertTrue(all(i["match"]["rank"] == 1000
                            for i in js["items"]))

    def test_fields_by_role(self):
        app = self.apply(self.srv, pending("Ada", "Lovelace"))
        body = pending("Ada", "Lovelace")
        full_npi = body["applicant"]["npi"]
        full_dea = body["applicant"]["dea_number"]
        for who, name in ((self.rvk, "revoker"), (self.aud, "auditor")):
            with self.subTest(role=name):
                js = self.found(app["id"], who=who)
                a = js["items"][0]["applicant"]
                self.assertEqual(a["npi"], "******" + full_npi[-4:])
                self.assertEqual(a["dea_number"], "*****" + full_dea[-4:])
                self.assertEqual(a["family_name"], "Lovelace")
                self.assertEqual(a["email"], app["_email"])
                self.assertNotIn("date_of_birth", a)
                self.assertNotIn("phone", a)
                self.assertNotIn("line1", a["home_address"])
                self.assertEqual(a["home_address"]["state"], "IN")
                v = self.view(app["id"], who=who)
                self.assertEqual(v["applicant"]["npi"],
                                 "******" + full_npi[-4:])
                text = json.dumps(v)
                self.assertNotIn(full_npi, text)
                self.assertNotIn(full_dea, text)
        v = self.view(app["id"], who=self.rvk)
        for hidden in ("payments", "identity_checks", "audit"):
            self.assertNotIn(hidden, v)
        self.assertIn("certificates", v)
        self.assertIn("duplicates", v)
        v = self.view(app["id"], who=self.aud)
        self.assertIn("audit", v)
        # The reviewer sees the identity data needed to decide.
        js = self.found(app["id"], who=self.rev)
        a = js["items"][0]["applicant"]
        self.assertEqual(a["npi"], full_npi)
        self.assertEqual(a["dea_number"], full_dea)
        self.assertEqual(a["date_of_birth"], "1980-01-02")
        self.assertEqual(a["home_address"]["line1"], "1 Main St")
        v = self.view(app["id"], who=self.rev)
        self.assertNotIn("audit", v)
        self.assertIn("identity_checks", v)
        # A fulfiller sees where to ship, not the identity numbers.
        a = self.found(app["id"], who=self.ful)["items"][0]["applicant"]
        self.assertNotIn("npi", a)
        self.assertNotIn("dea_number", a)
        self.assertEqual(a["home_address"]["line1"], "1 Main St")
        # No role ever sees the SSN digits.
        for who in (self.adm, self.rev, self.rvk, self.aud, self.ful):
            for js in (self.found(app["id"], who=who),
                       self.view(app["id"], who=who)):
                text = json.dumps(js)
                self.assertNotIn(SSN, text)
                self.assertNotIn("ssn", text)

    def test_every_search_is_audited_with_personal_data_hashed(self):
        app = self.apply(self.srv, pending("Ada", "Lovelace"))
        opr = self.db.scalar("SELECT id FROM operators WHERE name = 'ravi'")
        queries = [(app["_email"].upper(), "email", app["_email"]),
                   ("Ada  Lovelace", "name", "ada lovelace"),
                   (npi("111111111"), "npi", npi("111111111")),
                   (dea("Lovelace", "765432").lower(), "dea_number",
                    dea("Lovelace", "765432"))]
        for q, kind, key in queries:
            with self.subTest(kind=kind):
                before = self.db.count("audit_log",
                                       "action = 'ops.search'")
                self.found(q, who=self.rvk)
                self.assertEqual(self.db.count(
                    "audit_log", "action = 'ops.search'"), before + 1)
                actor, subject, details = self.db.audits(
                    "actor, subject, details", "action = 'ops.search'")[-1]
                self.assertEqual(actor, "operator:" + opr)
                self.assertEqual(subject, opr)
                d = json.loads(details)
                self.assertEqual(d["operator"], opr)
                self.assertEqual(d["kind"], kind)
                self.assertEqual(d["results"], 1)
                # Keyed: the plain SHA-256 of a guess does not confirm
                # it; the HMAC with the database's key does.
                self.assertEqual(d["query_hmac"], audit_hmac(self.db, key))
                self.assertNotIn(hashlib.sha256(key.encode()).hexdigest(),
                                 details)
                self.assertNotIn("query", d)
                self.assertNotIn(key, details)
                self.assertNotIn(q.strip(), details)
        # An identifier is kept as is.
        self.found(app["id"], who=self.rvk)
        d = json.loads(self.db.audits("details",
                                      "action = 'ops.search'")[-1][0])
        self.assertEqual((d["kind"], d["query"]), ("application", app["id"]))
        # The view is audited too.
        self.view(app["id"], who=self.rvk)
        self.assertEqual(self.db.count(
            "audit_log", "action = 'ops.application_viewed' AND "
            "subject = '%s'" % app["id"]), 1)

    def test_bounded_queries(self):
        for q in ("a" * 129, "x" * 1000, "", "   ", "a", "!!!",
                  "<script>", "12345", "app_bad!"):
            with self.subTest(q=q[:20]):
                self.assertProblem(self.search(q), 422, field="q")
        self.assertProblem(self.ops("GET", "/v1/ops/search", who=self.adm),
                           422, field="q")
        self.assertProblem(self.search("ada", limit=0), 422, field="limit")
        self.assertProblem(self.search("ada", limit=101), 422,
                           field="limit")
        self.assertProblem(self.search("ada", after="junk"), 422,
                           field="after")
        self.assertProblem(self.search("ada", after="5000:app_x"), 422,
                           field="after")
        self.assertProblem(self.search("ada", other="1"), 422,
                           field="other")
        # A long name of 128 bytes is accepted.
        self.assertEqual(self.found(("ab " * 43)[:128])["items"], [])
        # Nothing refused was audited.
        self.assertEqual(self.db.count("audit_log",
                                       "action = 'ops.search'"), 1)

    def test_who_may_call(self):
        app = self.apply(self.srv, pending("Ada", "Lovelace"))
        paths = ["/v1/ops/search?q=lovelace",
                 "/v1/ops/applications/%s" % app["id"]]
        st, _, prt = self.ops("POST", "/v1/ops/partners",
                              {"name": "Clinic", "program": "clinic"},
                              who=self.adm)
        self.assertEqual(st, 201, prt)
        st, _, k = self.ops("POST", "/v1/ops/partners/%s/keys" % prt["id"],
                            who=self.adm)
        self.assertEqual(st, 201, k)
        partner = {"Authorization": "Bearer " + k["api_key"]}
        applicant = self.bearer(app["session"]["token"])
        for path in paths:
            with self.subTest(path=path):
                # No client certificate: anyone, an applicant, a partner.
                for headers in (None, applicant, partner):
                    self.assertProblem(tlsutil.https(
                        self.tls["port"], "GET", path, headers=headers,
                        cafile=self.tls["ca"]), 401)
                self.assertProblem(self.srv.http("GET", path,
                                                 headers=applicant), 401)
                self.assertProblem(self.srv.http("GET", path,
                                                 headers=partner), 401)
                # Every operator role may.
                for who in (self.adm, self.rev, self.rvk, self.aud,
                            self.ful):
                    st, _, js = self.ops("GET", path, who=who)
                    self.assertEqual(st, 200, js)
        # A disabled operator may not.
        r = self.db.admin("operator", "disable", "audrey")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertProblem(self.ops("GET", paths[0], who=self.aud), 401)
        self.assertProblem(self.ops("GET", "/v1/ops/applications/app_none",
                                    who=self.adm), 404)

    def test_application_view(self):
        app = self.issued()
        v = self.view(app["id"])
        self.assertEqual(v["id"], app["id"])
        self.assertEqual(v["status"], "issued")
        cert = v["certificates"][0]
        self.assertEqual(cert["serial"], app["_serial"])
        self.assertEqual(cert["state"], "issued")
        for t in ("not_before", "not_after", "issued_at"):
            self.assertRegex(cert[t], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertIsNone(cert["revoked_at"])
        kit = v["kits"][0]
        self.assertEqual((kit["id"], kit["prints"], kit["carrier"],
                          kit["tracking"]),
                         (app["_kit"], 1, "USPS", "9400100000"))
        self.assertIn(kit["state"], ("used", "shipped"))
        self.assertEqual(len(v["payments"]), 1)
        self.assertIn(v["payments"][0]["status"],
                      ("authorised", "captured"))
        self.assertTrue(v["payments"][0]["events"])
        self.assertEqual(sorted(c["provider"] for c in v["identity_checks"]),
                         ["avs", "idv"])
        statuses = [e["status"] for e in v["timeline"]]
        self.assertEqual(statuses[0], "email_pending")
        self.assertIn("approved", statuses)
        actions = [r["action"] for r in v["audit"]]
        for a in ("application.approved", "kit.created", "kit.printed",
                  "kit.shipped", "certificate.issued"):
            self.assertIn(a, actions)
        # in chain order; records the sequencer has not reached yet
        # (docs/architecture.md) come last, without an id
        ids = [r["id"] for r in v["audit"]]
        chained = [i for i in ids if i is not None]
        self.assertEqual(ids, sorted(chained)
                         + [None] * (len(ids) - len(chained)))
        self.assertFalse(v["duplicate"])
        self.assertEqual(v["duplicates"], [])
        # A valid certificate makes a later application of the same
        # person a duplicate, even once the first application is done.
        again = self.apply(self.srv, person(*ADA))
        v = self.view(again["id"])
        self.assertTrue(v["duplicate"])
        self.assertEqual(v["duplicates"], [{
            "application": app["id"], "status": "issued",
            "reasons": ["npi", "dea_number", "name_birth"],
            "valid_certificate": True}])
        # Revoked, it does not.
        st, _, js = self.ops("POST", "/v1/ops/certificates/%s/revocation"
                             % app["_serial"], {"reason": "keyCompromise"},
                             who=self.rvk)
        self.assertEqual(st, 200, js)
        self.assertFalse(self.view(again["id"])["duplicate"])


class DuplicateTest(harness.TestCase):
    """A second application of the same person (the same NPI, DEA number,
    or name and date of birth) that the rules would approve goes to review
    instead, under both policies; the reviewer sees why."""

    DATA = {"identities": [
        {"given_name": "Ada", "family_name": "Lovelace",
         "date_of_birth": "1975-12-10", "ssn_last4": "1234",
         "decision": "pass", "score": 96},
        {"given_name": "Mary", "family_name": "Somerville",
         "date_of_birth": "1980-12-26", "ssn_last4": "2468",
         "decision": "pass", "score": 96}],
        "cards": [{"card_token": "tok_avs_1", "line1": "1 Main St",
                   "postal_code": "46204"}]}

    def server(self, policy):
        self.tls = tlsutil.tls_init(self.tmp)
        self.prov = start_provider(self, data=self.DATA)
        env = dict(FAST)
        env.update(self.prov.env())
        env.update(self.tls["env"])
        env["RXCA_POLICY"] = policy
        certs = os.path.join(self.tmp, "operators")
        os.mkdir(certs)
        db = self.start_db(operators=harness.STAFF, env=self.tls["env"],
                           out=certs)
        srv = self.start_server(db=db, env=env)
        self.rev = self.take_operator(db, "rita", "reviewer", certs,
                                      self.tls["env"])
        return srv

    def decided(self, srv, body):
        app = self.apply(srv, body)
        code = self.code_for(srv, app["_email"])
        st, _, js = self.verify(srv, app["id"], code)
        self.assertEqual(st, 200, js)

        def status():
            s = srv.db.scalar("SELECT status FROM applications WHERE "
                              "id = '%s'" % app["id"])
            return s if s != "proofing" else None
        app["_status"] = wait_until(status, 30, 0.1, "the check")
        return app

    def view(self, srv, app):
        st, _, js = tlsutil.https(
            srv.tls_port, "GET", "/v1/ops/applications/%s" % app["id"],
            cert=self.rev[0], key=self.rev[1], cafile=self.tls["ca"])
        self.assertEqual(st, 200, js)
        return js

    def mary(self, **applicant):
        body = person("Mary", "Somerville", "1980-12-26", "2468")
        body["applicant"]["npi"] = npi("222222222")
        body["applicant"]["dea_number"] = dea("Somerville", "246813")
        body["applicant"].update(applicant)
        return body

    def check_policy(self, policy):
        srv = self.server(policy)
        first = self.decided(srv, person(*ADA))
        self.assertEqual(first["_status"], "approved")
        # Someone else entirely: approved.
        mary = self.decided(srv, self.mary())
        self.assertEqual(mary["_status"], "approved")
        cases = [
            # The same person, another e-mail.
            (person(*ADA), [first["id"]],
             ["npi", "dea_number", "name_birth"]),
            # Mary again with only Ada's NPI the same.
            (self.mary(npi="1234567893"), [first["id"]], ["npi"]),
            # Ada's name and date of birth, other numbers.
            (harness.deep_merge(person(*ADA), {"applicant": {
                "npi": npi("333333333"),
                "dea_number": dea("Lovelace", "135791")}}),
             [first["id"]], ["name_birth"]),
        ]
        for body, others, reasons in cases:
            with self.subTest(policy=policy, reasons=reasons):
                app = self.decided(srv, body)
                self.assertEqual(app["_status"], "review")
                self.assertEqual(srv.db.count(
                    "decisions", "application_id = '%s'" % app["id"]), 0)
                self.assertEqual(srv.db.count(
                    "kits", "application_id = '%s'" % app["id"]), 0)
                # Recorded with the move, in the same unit of work.
                [[d]] = srv.db.audits(
                    "details", "subject = '%s' AND action = "
                    "'application.review'" % app["id"])
                d = json.loads(d)
                self.assertEqual(d["rule"], "duplicate")
                self.assertEqual(d["verdict"], "review")
                self.assertEqual([x["application"] for x in d["duplicates"]
                                  if x["application"] in others], others)
                # Shown to the reviewer.
                v = self.view(srv, app)
                self.assertTrue(v["duplicate"])
                dup = [x for x in v["duplicates"]
                       if x["application"] == first["id"]]
                self.assertEqual(dup[0]["reasons"], reasons)
        # The reviewer may still approve it (under dual control, the
        # default, the approval then waits for a second operator).
        st, _, js = tlsutil.https(
            srv.tls_port, "POST",
            "/v1/ops/applications/%s/decision" % app["id"],
            {"decision": "approve", "reason": "same doctor, new token"},
            cert=self.rev[0], key=self.rev[1], cafile=self.tls["ca"])
        self.assertEqual(st, 202, js)
        self.assertEqual((js["action"], js["target"], js["status"]),
                         ("decision.approve", app["id"], "pending"))

    def test_duplicate_reviews_under_igc(self):
        self.check_policy("igc")

    def test_duplicate_reviews_under_nist(self):
        self.check_policy("nist-800-63")


if __name__ == "__main__":
    harness.main()
