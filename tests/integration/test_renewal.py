#!/usr/bin/python3
"""Renewal end to end with the clock moved: reminders at 90/60/30/7 days
exactly once each (and only the latest due step after missed ones), none
after renewal or revocation; POST /v1/certificates/{serial}/renewal inside
the window with a signature over the CSR by the current key; refusals
outside the window, for a revoked or expired certificate, with a foreign
signature or a reused key; the same key twice gets the same certificate;
both certificates verify with `openssl verify` and OCSP says good for both;
the old one superseded when asked; the partner's certificate.expiring
webhook; `rxca-token renew` with SoftHSM, resumed after an interruption."""
import base64
import os
import time

import harness
from harness import wait_until
from test_ca import make_csr, openssl
from test_revocation import PkiCase
from test_partners import PartnerCase
from test_pki_faults import commit_modes, commit_modes_watched
from test_token import NEW_PASSCODE, TokenCase
from webhook_receiver import Receiver

DAY = 86400
STEPS = (90, 60, 30, 7)


def at_days_left(case, app, days, extra=3600):
    """Moves case's server clock to `days` days before the certificate's
    notAfter, plus `extra` seconds (so a little less is left)."""
    na = harness.rfc3339(app["_cert"]["not_after"])
    offset = int(na - time.time() - days * DAY + extra)
    case.srv.set_clock(offset)
    # The sweep renews the 90-day OCSP signer for the new time (a
    # revocation signs OCSP responses with it).
    wait_until(lambda: case.db.scalar(
        "SELECT count(*) FROM ca_certificates WHERE name = 'ocsp' AND "
        "not_before <= now() + interval '%d seconds' AND not_after > "
        "now() + interval '%d seconds'" % (offset, offset)) == "1" or None,
        30, 0.2, "the OCSP signer renewed")


class RenewalCase(PkiCase):

    def issue(self):
        """An issued certificate: the app with _cert, _key, _leaf."""
        app = self.issued()
        app["_leaf"] = self.leaf
        return app

    def token(self, app):
        st, _, js = self.login(self.srv, app["_password"], app_id=app["id"])
        self.assertEqual(st, 201, js)
        return js["token"]

    def sign_csr(self, key, csr_pem, md="-sha256"):
        """base64 of a signature by key over the DER of csr_pem."""
        csr = self.write("sign.csr", csr_pem)
        rc, der, err = openssl("req", "-in", csr, "-outform", "DER")
        self.assertEqual(rc, 0, err)
        rc, sig, err = openssl("dgst", md, "-sign", key, data=der)
        self.assertEqual(rc, 0, err)
        return base64.b64encode(sig).decode()

    def renew(self, app, csr, signer=None, token=None, revoke_old=None,
              serial=None, evidence=True):
        body = {"csr": csr,
                "signature": self.sign_csr(signer or app["_key"], csr)}
        if evidence is True:
            body["key_evidence"] = harness.client_asserted()
        elif evidence is not None:
            body["key_evidence"] = evidence
        if revoke_old is not None:
            body["revoke_old"] = revoke_old
        return self.srv.http(
            "POST", "/v1/certificates/%s/renewal"
            % (serial or app["_cert"]["serial"]), body,
            headers=self.bearer(token or self.token(app)))

    def self_revoke(self, app, reason="cessationOfOperation"):
        """The subject revokes its own (operators' certificates do not
        live through a moved clock)."""
        return self.srv.http(
            "POST", "/v1/certificates/%s/revocation"
            % app["_cert"]["serial"], {"reason": reason},
            headers=self.bearer(self.token(app)))

    def new_csr(self, name=None):
        name = name or "n%d" % len(os.listdir(self.d))
        return make_csr(self.d, name)

    def at_days_left(self, app, days, extra=3600):
        at_days_left(self, app, days, extra)

    def reminders(self, app):
        return [m["subject"] for m in self.srv.sink.for_address(app["_email"])
                if "expires in" in str(m["subject"])]


class ReminderTest(RenewalCase):
    extra_env = {"RXCA_LOG_LEVEL": "debug"}  # for wait_sweeps

    def settled(self):
        """Two more sweeps have run, the second begun after this call, and
        the mail they queued is sent."""
        self.srv.wait_sweeps(2)
        wait_until(lambda: self.db.count(
            "jobs", "state = 'queued' AND kind LIKE 'email.%'") == 0, 30,
            0.05, "the queued mail sent")

    def test_each_step_once(self):
        app = self.issue()
        self.assertEqual(self.reminders(app), [])
        seen = []
        for step in STEPS:
            self.at_days_left(app, step)
            seen.append("Your rxca certificate expires in %d days" % step)
            wait_until(lambda: len(self.reminders(app)) == len(seen) or None,
                       30, 0.2, "the %d-day reminder" % step)
            self.settled()  # more sweeps: still once
            self.assertEqual(sorted(self.reminders(app)), sorted(seen))
        self.assertEqual(self.db.count("renewal_reminders"), 4)
        text = harness.mail_text(self.srv.sink.for_address(app["_email"])[-1])
        self.assertIn("rxca-token renew", text)
        self.assertIn(app["_cert"]["serial"], text)
        # After expiry: nothing more.
        self.at_days_left(app, 0, extra=3600)
        self.settled()
        self.assertEqual(len(self.reminders(app)), 4)

    def test_missed_days_send_only_the_latest_step(self):
        app = self.issue()
        self.at_days_left(app, 55)
        wait_until(lambda: self.reminders(app) or None, 30, 0.2, "reminder")
        self.settled()
        # The 60-day step, sent late: it says the days left.
        self.assertEqual(self.reminders(app),
                         ["Your rxca certificate expires in 55 days"])
        self.at_days_left(app, 3)
        wait_until(lambda: len(self.reminders(app)) == 2 or None, 30, 0.2,
                   "reminder")
        self.settled()
        self.assertEqual(self.reminders(app)[1],
                         "Your rxca certificate expires in 3 days")
        self.assertEqual(len(self.reminders(app)), 2)

    def test_none_after_renewal_or_revocation(self):
        a = self.issue()
        b = self.issue()
        self.at_days_left(a, 89)
        wait_until(lambda: (self.reminders(a) and self.reminders(b)) or None,
                   30, 0.2, "the 90-day reminders")
        _, csr = self.new_csr()
        st, _, js = self.renew(a, csr)
        self.assertEqual(st, 201, js)
        st, _, js = self.self_revoke(b)
        self.assertEqual(st, 200, js)
        for step in STEPS[1:]:
            self.at_days_left(a, step)
            self.settled()
        self.assertEqual(len(self.reminders(a)), 1)
        self.assertEqual(len(self.reminders(b)), 1)
        self.assertEqual(self.db.count("renewal_reminders"), 2)


class RenewalTest(RenewalCase):

    def test_renewal_inside_the_window(self):
        app = self.issue()
        tok = self.token(app)
        _, csr = self.new_csr()
        # Outside: 409 with the window's dates.
        st, _, js = self.renew(app, csr, token=tok)
        self.assertProblem((st, _, js), 409)
        na = harness.rfc3339(app["_cert"]["not_after"])
        self.assertEqual(harness.rfc3339(js["window_closes"]), na)
        self.assertEqual(harness.rfc3339(js["window_opens"]), na - 90 * DAY)
        self.assertEqual(self.db.count("certificates"), 1)
        # Inside.
        self.at_days_left(app, 45)
        commit_modes_watched(self)
        tok = self.token(app)
        newkey, csr = self.new_csr("renewed")
        st, _, js = self.renew(app, csr, token=tok)
        self.assertEqual(st, 201, js)
        # The reservation commits without waiting for the disk, the
        # certificate's storing waits (test_pki_faults CommitModeTest).
        self.assertEqual(commit_modes(self.db), [("insert signing", "off"),
                                                 ("update issued", "on")])
        self.assertEqual(js["renews"], app["_cert"]["serial"])
        self.assertFalse(js["old_revoked"])
        self.assertNotEqual(js["serial"], app["_cert"]["serial"])
        new = self.write("new.pem", js["certificate"])
        # Two years from now (the moved clock).
        self.assertAlmostEqual(
            harness.rfc3339(js["not_after"]) -
            harness.rfc3339(js["not_before"]), 730 * DAY, delta=DAY)
        rc, text, _ = openssl("x509", "-in", new, "-noout", "-text")
        self.assertIn("CN = Ada Lovelace", text.decode())
        self.assertIn("email:" + app["_email"], text.decode())
        # Linked; the same key again is the same certificate; another key
        # is refused.
        self.assertEqual(self.db.scalar(
            "SELECT encode(renews, 'hex') FROM certificates WHERE "
            "encode(serial, 'hex') = '%s'" % js["serial"]),
            app["_cert"]["serial"])
        st, _, again = self.renew(app, csr, token=tok)
        self.assertEqual(st, 200, again)
        self.assertEqual(again["certificate"], js["certificate"])
        _, other = self.new_csr()
        self.assertProblem(self.renew(app, other, token=tok), 409)
        self.assertEqual(self.db.count("certificates"), 2)
        # The old one is still issued; the new one answers challenges.
        st, _, c = self.srv.http("GET", "/v1/certificates/" +
                                 app["_cert"]["serial"],
                                 headers=self.bearer(tok))
        self.assertEqual(c["status"], "issued")
        self.assertEqual(self.db.count(
            "audit_log", "action = 'certificate.renewed'"), 1)
        self.assertEqual(self.db.admin("audit", "verify").returncode, 0)

    def test_refusals(self):
        app = self.issue()
        other = self.issue()
        self.at_days_left(app, 30)
        tok = self.token(app)
        _, csr = self.new_csr()
        # A signature by a foreign key.
        foreign, _ = self.new_csr()
        self.assertProblem(self.renew(app, csr, signer=foreign, token=tok),
                           422, "signature")
        # Signed with the new key instead of the current one.
        newkey, csr2 = self.new_csr()
        self.assertProblem(self.renew(app, csr2, signer=newkey, token=tok),
                           422, "signature")
        self.assertProblem(self.srv.http(
            "POST", "/v1/certificates/%s/renewal" % app["_cert"]["serial"],
            {"csr": csr, "signature": "%%%"}, headers=self.bearer(tok)),
            422, "signature")
        self.assertProblem(self.srv.http(
            "POST", "/v1/certificates/%s/renewal" % app["_cert"]["serial"],
            {"csr": csr, "signature": "AAAA", "x": 1},
            headers=self.bearer(tok)), 422, "x")
        # The same key again (the current one, or another certified one).
        old_csr = self.write("old.csr", "")
        rc, _, err = openssl("req", "-new", "-key", app["_key"], "-out",
                             old_csr, "-subj", "/CN=x")
        self.assertEqual(rc, 0, err)
        with open(old_csr) as f:
            same = f.read()
        self.assertProblem(self.renew(app, same, token=tok), 409)
        # Someone else's certificate is not found.
        self.assertProblem(self.renew(other, csr, token=tok), 404)
        # No session.
        self.assertProblem(self.srv.http(
            "POST", "/v1/certificates/%s/renewal" % app["_cert"]["serial"],
            {"csr": csr, "signature": "AAAA"}), 401)
        # Revoked.
        st, _, js = self.self_revoke(app)
        self.assertEqual(st, 200, js)
        body = self.assertProblem(self.renew(app, csr, token=tok), 409)
        self.assertIn("revoked", body["type"])
        # Expired.
        self.at_days_left(other, 0, extra=60)
        self.assertProblem(self.renew(other, csr), 410)
        self.assertEqual(self.db.count("certificates"), 2)


class ReapplyTest(RenewalCase):
    """After expiry the prescriber applies again, prefilled from the old
    application; proofing runs again."""

    def prefill(self, app, token=None):
        return self.srv.http(
            "GET", "/v1/applications/%s/prefill" % app["id"],
            headers=self.bearer(token or self.token(app)))

    def test_prefill_after_expiry(self):
        app = self.issue()
        other = self.issue()
        # Before expiry there is nothing to re-apply for.
        body = self.assertProblem(self.prefill(app), 409)
        self.assertIn("not-expired", body["type"])
        self.at_days_left(app, 0, extra=60)
        tok = self.token(app)
        # Someone else's application is not found.
        self.assertProblem(self.prefill(other, token=tok), 404)
        self.assertProblem(self.srv.http(
            "GET", "/v1/applications/%s/prefill" % app["id"]), 401)
        st, _, pre = self.prefill(app, token=tok)
        self.assertEqual(st, 200, pre)
        old = harness.application(app["_email"])
        self.assertEqual(pre["product"], "epcs-hardware")
        self.assertEqual(pre["storage"], "existing-token")
        self.assertEqual(pre["shipping"], old["shipping"])
        self.assertIsNone(pre["voucher"])
        a = pre["applicant"]
        for k in ("given_name", "middle_name", "family_name",
                  "date_of_birth", "email", "phone", "home_address", "npi"):
            self.assertEqual(a[k], old["applicant"][k], k)
        self.assertEqual(a["dea_number"], "AL1234563")
        # No secrets, no card tokens, the agreement not accepted.
        self.assertIsNone(a["ssn_last4"])
        self.assertIsNone(pre["account"])
        self.assertIsNone(pre["payment"])
        self.assertIsNone(pre["address_verification"])
        self.assertFalse(pre["subscriber_agreement"]["accepted"])
        self.assertNotIn("tok_", str(pre))
        # Completed, it is a new application that verifies its e-mail
        # address and is proofed again.
        full = harness.application(
            app["_email"], product=pre["product"], storage=pre["storage"],
            shipping=pre["shipping"], applicant=dict(a, ssn_last4="1234"),
            subscriber_agreement={"version":
                                  pre["subscriber_agreement"]["version"],
                                  "accepted": True})
        full["applicant"] = dict(a, ssn_last4="1234")
        again = self.apply(self.srv, full)
        self.assertNotEqual(again["id"], app["id"])
        self.assertEqual(again["status"], "email_pending")
        self.assertEqual(self.db.count("applications"), 3)


class ShortLivedRenewalTest(RenewalCase):
    """Certificates valid 80 days are inside the 90-day window at once, so
    openssl checks them at the real time."""
    extra_env = {"RXCA_CERT_VALIDITY_DAYS": "80"}

    def test_both_verify_and_ocsp_good(self):
        app = self.issue()
        _, csr = self.new_csr()
        st, _, js = self.renew(app, csr)
        self.assertEqual(st, 201, js)
        new = self.verify_chain(js)
        old = app["_leaf"]
        rc, out, err = openssl("verify", "-x509_strict", "-CAfile",
                               self.root, "-untrusted", self.issuing, old)
        self.assertEqual(rc, 0, out + err)
        self.wait_ocsp("good", cert=old)
        self.wait_ocsp("good", cert=new)

    def test_superseded_when_asked(self):
        app = self.issue()
        _, csr = self.new_csr()
        st, _, js = self.renew(app, csr, revoke_old=True)
        self.assertEqual(st, 201, js)
        self.assertTrue(js["old_revoked"])
        text = self.wait_ocsp("revoked", cert=app["_leaf"])
        self.assertIn("superseded", text.lower())
        new = self.write("new.pem", js["certificate"])
        self.wait_ocsp("good", cert=new)
        self.assertEqual(self.db.scalar(
            "SELECT revocation_reason FROM certificates WHERE "
            "encode(serial, 'hex') = '%s'" % app["_cert"]["serial"]),
            "superseded")
        # A retry still answers with the new certificate.
        st, _, again = self.renew(app, csr, revoke_old=True)
        self.assertEqual(st, 200, again)
        self.assertEqual(again["serial"], js["serial"])
        # The new certificate is not itself in its window yet?  It is
        # (80 < 90): renewing it again works like any renewal.
        self.assertEqual(self.db.count("certificates", "state = 'revoked'"),
                         1)


class ExpiringWebhookTest(PartnerCase):

    def test_partner_hears_certificate_expiring(self):
        rx = Receiver().start()
        self.addCleanup(rx.stop)
        st, _, js = self.p(self.a, "PUT", "/v1/partner/webhook",
                           {"url": rx.url})
        self.assertEqual(st, 200, js)
        app = self.issued_for("acme")
        at_days_left(self, app, 89)

        def expiring():
            ev = [b for b in rx.bodies()
                  if b["type"] == "certificate.expiring"]
            return ev or None
        ev = wait_until(expiring, 60, 0.2, "certificate.expiring")
        self.assertEqual(len(ev), 1)
        self.assertEqual(ev[0]["data"]["serial"], app["_cert"]["serial"])
        self.assertEqual(ev[0]["data"]["not_after"],
                         app["_cert"]["not_after"])


class TokenRenewalTest(TokenCase):
    """rxca-token renew with SoftHSM (80-day certificates: in the window at
    once)."""
    extra_env = {"RXCA_CERT_VALIDITY_DAYS": "80"}

    def renew_cmd(self, app, fault=None):
        return self.token("renew", "--server", self.srv.base,
                          "--passcode-fd", "FD", "--password-fd", "FD",
                          fault=fault,
                          secrets=(NEW_PASSCODE, app["_password"]))

    def test_renew_on_the_token(self):
        app = self.ready()
        old = self.db.scalar("SELECT encode(serial, 'hex') FROM certificates")
        # Interrupted after the new key was made: the rerun uses that key.
        r = self.renew_cmd(app, fault="after-keygen")
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertEqual(self.db.count("certificates"), 1)
        r = self.renew_cmd(app)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertIn("an earlier renewal did not finish", r.stdout)
        new = self.db.scalar("SELECT encode(serial, 'hex') FROM "
                             "certificates WHERE renews IS NOT NULL")
        self.assertEqual(self.db.scalar(
            "SELECT encode(renews, 'hex') FROM certificates WHERE "
            "encode(serial, 'hex') = '%s'" % new), old)
        self.assertIn("renewed certificate %s is stored" % new, r.stdout)
        # Both on the token, both verify.
        root, issuing = self.ca_files()
        for label, serial in (("rxca-signing", old),
                              ("rxca-signing-2", new)):
            cert = self.token_cert(label)
            rc, out, err = openssl("verify", "-x509_strict", "-CAfile",
                                   root, "-untrusted", issuing, cert)
            self.assertEqual(rc, 0, out + err)
            rc, out, _ = openssl("x509", "-in", cert, "-noout", "-serial")
            self.assertEqual(int(out.decode().strip().split("=")[1], 16),
                             int(serial, 16))
        # The renewed certificate is now the one in use: info shows it,
        # sign signs with its key, test passes with it.
        r = self.token("info")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("serial: " + new, r.stdout)
        rx = self.write("rx.txt", "Rx: amoxicillin 500 mg, #21\n")
        r = self.token("sign", rx, "--passcode-fd", "FD",
                       secrets=(NEW_PASSCODE,))
        self.assertEqual(r.returncode, 0, r.stderr)
        signer = os.path.join(self.tmp, "signer.pem")
        rc, out, err = openssl("cms", "-verify", "-binary", "-inform",
                               "DER", "-in", rx + ".p7s", "-content", rx,
                               "-CAfile", root, "-certfile", issuing,
                               "-signer", signer, "-out", "/dev/null")
        self.assertEqual(rc, 0, err)
        rc, out, _ = openssl("x509", "-in", signer, "-noout", "-serial")
        self.assertEqual(int(out.decode().strip().split("=")[1], 16),
                         int(new, 16))
        r = self.token("test", "--server", self.srv.base, "--passcode-fd",
                       "FD", "--password-fd", "FD",
                       secrets=(NEW_PASSCODE, app["_password"]))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("certificate %s" % new, r.stdout)
        # A rerun changes nothing.
        r = self.renew_cmd(app)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("already on the token", r.stdout)
        self.assertEqual(self.db.count("certificates"), 2)


if __name__ == "__main__":
    harness.main()
