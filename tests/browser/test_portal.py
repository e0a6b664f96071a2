#!/usr/bin/python3
"""The portal in a browser (docs/portal.md): the stack of the integration
tests (tests/integration/harness.py: PostgreSQL, the SMTP sink, the real
rxca-server with a CA, the reference identity provider and the reference
payment service with its card frame, all real HTTP), then
`node portal.test.mjs`, which drives Debian's Chromium through every page.

What a person other than the doctor does is done here, asked for by the
walk over a small HTTP service on 127.0.0.1 (CONTROL_URL): the mail's
verification link read from the SMTP sink, the identity check awaited
(the decision rules approve a clean application: the payment service
checks the card's address, RXCA_AVS_URL), the operators' approval of the
one sent to review (two reviewers, dual control), the kit printed and shipped and the certificate
retrieved with a key made by openssl (the token agent's part, issue 18
item 2, is not the portal's), and the server's clock moved."""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
import control  # noqa: E402
import tlsutil  # noqa: E402
from provider import start_provider  # noqa: E402
from test_ca import PASSPHRASE, make_csr  # noqa: E402
from test_payments import PayProvider  # noqa: E402
from test_proofing import FAST, twin  # noqa: E402
from walk import Walked, require_browser, walk  # noqa: E402

VOUCHER = "PORTAL-TEST-2000"
RESET_RE = re.compile(r"(https?://\S+/reset-password\?application=app_\w+"
                      r"&code=[0-9A-Z-]+)")
INVITE_RE = re.compile(r"(https?://\S+/apply\?program=acme-ehr&"
                       r"invitation=[A-Za-z0-9_-]{43})\s")


class PortalBrowserTest(Walked, harness.TestCase):

    walk_script = "portal.test.mjs"

    def setUp(self):
        super().setUp()
        self.tls = tlsutil.tls_init(self.tmp)
        self.prov = start_provider(self)
        env = dict(FAST)
        env.update(self.prov.env())
        env.update(self.tls["env"])
        env["RXCA_CA_DIR"] = os.path.join(self.tmp, "ca")
        pw = os.path.join(self.tmp, "ca-passphrase")
        with open(pw, "w") as f:
            f.write(PASSPHRASE + "\n")
        env["RXCA_CA_PASSPHRASE_FILE"] = pw
        self.db = self.start_ca_db(env)
        # The payment service must know the portal's origin (the card
        # frame is framed by it only), so the server's port comes first.
        srv = self.start_server(db=self.db, env=env, start=False)
        self.pay = PayProvider(self.tmp)
        self.pay.args += ["--allow-origin", srv.base]
        self.pay.start()
        self.addCleanup(self.pay.stop)
        srv.env.update(self.pay.env())
        srv.env["RXCA_PAYMENT_FORM_URL"] = \
            self.pay.url + "/elements/card.html"
        # The card's address check is the payment service's, as with a
        # real processor: the cards typed in the frame are checked.
        srv.env.update({"RXCA_AVS_URL": self.pay.url,
                        "RXCA_AVS_API_KEY": self.pay.api_key})
        self.srv = srv.start()
        self.tls["port"] = self.srv.tls_port
        self.certs = os.path.join(self.tmp, "operators")
        os.mkdir(self.certs)
        self.rev = self.operator("rita", "reviewer")
        self.rev2 = self.operator("rena", "reviewer")
        self.ful = self.operator("fay", "fulfiller")
        self.ful2 = self.operator("flo", "fulfiller")
        # The partner whose invitations the walk follows (its program
        # takes applications through invitations only).
        adm = self.operator("ann", "admin")
        st, _, js = self.ops("POST", "/v1/ops/partners",
                             {"name": "Acme EHR", "program": "acme-ehr"},
                             who=adm)
        self.assertEqual(st, 201, js)
        st, _, k = self.ops("POST", "/v1/ops/partners/%s/keys" % js["id"],
                            who=adm)
        self.assertEqual(st, 201, k)
        self.partner_key = k["api_key"]
        # A voucher of no partner (any program), as an operator's.
        self.db.query("INSERT INTO vouchers (code, amount_cents, created_at)"
                      " VALUES ('%s', 2000, now()) RETURNING code" % VOUCHER)

    def operator(self, name, roles):
        return self.db.operator(name, roles, self.certs, self.tls["env"])

    def ops(self, method, path, body=None, who=None):
        cert, key = who
        return tlsutil.https(self.tls["port"], method, path, body,
                             cert=cert, key=key, cafile=self.tls["ca"])

    def status(self, app_id):
        return self.db.scalar("SELECT status FROM applications WHERE id = "
                              "'%s'" % app_id)

    # What the walk asks for (CONTROL_URL).

    def link(self, email):
        """The verification link of the next code mail to email."""
        return control.mail_link(self, email)

    def invite(self, email):
        """The link of a partner's invitation mailed to email, made
        through the partner API."""
        st, _, js = self.srv.http("POST", "/v1/partner/invitations",
                                  {"email": email, "given_name": "Ada"},
                                  headers=self.bearer(self.partner_key))
        self.assertEqual(st, 202, js)
        return control.mail_link(self, email, INVITE_RE)

    def checked(self, app_id):
        """The status once the identity check has decided (the decision
        rules; nobody approves anything here)."""
        return {"status": harness.wait_until(
            lambda: self.status(app_id) not in ("proofing", "email_pending")
            and self.status(app_id), 30, 0.1, "the identity check")}

    def review(self, app_id):
        """An application in review approved by two reviewers."""
        self.assertEqual(self.checked(app_id)["status"], "review")
        st, _, js = self.dual(
            self.ops, self.rev, self.rev2, "POST",
            "/v1/ops/applications/%s/decision" % app_id,
            {"decision": "approve", "reason": "documents checked"})
        self.assertEqual(st, 200, js)
        return {"status": self.status(app_id)}

    def issue(self, app_id, password):
        """The kit printed and shipped, and the certificate retrieved
        with a new key (as the token client would)."""
        kit = self.db.scalar("SELECT id FROM kits WHERE application_id = "
                             "'%s'" % app_id)
        st, _, letter = self.dual(self.ops, self.ful, self.ful2, "POST",
                                  "/v1/ops/kits/%s/print" % kit)
        self.assertEqual(st, 200, letter)
        st, _, js = self.ops("POST", "/v1/ops/kits/%s/shipped" % kit,
                             {"carrier": "USPS", "tracking": "9400100000"},
                             who=self.ful)
        self.assertEqual(st, 200, js)
        _, csr = make_csr(self.tmp, "tok-" + app_id)
        st, _, js = self.srv.http("POST", "/v1/retrievals", {
            "activation_code": letter["activation_code"],
            "password": password, "csr": csr,
            "key_evidence": harness.client_asserted()})
        self.assertIn(st, (200, 201), js)
        return {"serial": js["serial"], "not_after": js["not_after"],
                "activation_code": letter["activation_code"]}

    def clock(self, offset):
        self.srv.set_clock(int(offset))
        return {"offset": int(offset)}

    def control(self):
        """The walk's service: /link?email=, /invite?email=, /reset-link?email=,
        /checked?app=, /review?app=,
        /issue?app=&password=, /clock?offset= (seconds)."""
        return control.serve(self, {
            "link": lambda q: self.link(q["email"]),
            "invite": lambda q: self.invite(q["email"]),
            "reset-link": lambda q: control.mail_link(self, q["email"],
                                                      RESET_RE),
            "checked": lambda q: self.checked(q["app"]),
            "review": lambda q: self.review(q["app"]),
            "issue": lambda q: self.issue(q["app"], q["password"]),
            "clock": lambda q: self.clock(q["offset"])})

    def test_portal(self):
        require_browser(self)
        srv = self.srv
        # One application made through the API, for the code typed and
        # the resend on /verify-email (a twin of the walk's Ada: not a
        # duplicate of hers).
        second = self.apply(srv, twin(5))
        self.link(second["_email"])
        walk(self, "portal.test.mjs", 840, BASE_URL=srv.base,
             PAY_URL=self.pay.url, CONTROL_URL=self.control(),
             VOUCHER=VOUCHER, RESEND_APP_ID=second["id"],
             RESEND_PASSWORD=second["_password"])
        # What the pages did, seen from the server's side: applications
        # with card tokens only, each product and storage, the voucher.
        rows = self.db.query(
            "SELECT product, storage, payment_card_token, avs_card_token, "
            "agreement_version FROM applications WHERE email LIKE "
            "'%@portal.example.org' ORDER BY created_at")
        self.assertEqual(
            sorted({(r[0], r[1]) for r in rows}),
            [("epcs-hardware", "existing-token"),
             ("epcs-hardware", "new-token"),
             ("identity-software", "software")])
        for r in rows:
            self.assertRegex(r[2], r"^tok_card_[0-9a-f]+$")
            self.assertRegex(r[3], r"^tok_card_[0-9a-f]+$")
            self.assertEqual(r[4], "2026-01")
        self.assertEqual(self.db.scalar(
            "SELECT count(*) FROM vouchers WHERE code = '%s' AND "
            "redeemed_by IS NOT NULL" % VOUCHER), "1")
        # Both invitations used, each by the application made from its
        # link.
        self.assertEqual(sorted(r[0] for r in self.db.query(
            "SELECT a.email FROM partner_invitations i JOIN applications a "
            "ON a.id = i.application_id WHERE i.applied_at IS NOT NULL")),
            ["ada.portal@portal.example.org", "ada.token@portal.example.org"])
        stats = self.pay.stats()
        self.assertGreaterEqual(stats["tokens"], 2 * len(rows) + 1)
        # the declined card was tried and refused, nothing kept of it
        self.assertNotIn("4000000000000002", self.pay.stderr())
        self.assertNotIn("4242424242424242", self.pay.stderr())
        self.assertNotIn("4242424242424242", srv.stderr())
        # the resend asked on /verify-email mailed a new code
        self.link(second["_email"])


if __name__ == "__main__":
    harness.main()
