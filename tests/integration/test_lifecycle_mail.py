#!/usr/bin/python3
"""The mails of a certificate's life, read from the real SMTP sink: kit
shipped (carrier, tracking), issued after retrieval (serial, validity,
`rxca-token test --server URL`), revoked by an operator and by the
subscriber (who, why, what next), the renewal reminder with the days
really left (the clock moved, never slept) and a renewal command whose
--server URL answers; each with a portal link, and none carrying the
activation code or the token passcode."""
import re
import subprocess
import urllib.request

import harness
from harness import wait_until
from test_renewal import RenewalCase, at_days_left

ISSUED = "Your rxca certificate is issued"
REVOKED = "Your rxca certificate has been revoked"
SHIPPED = "Your rxca retrieval kit has shipped"


class LifecycleMailCase(RenewalCase):

    def mail(self, app, subject, timeout=30):
        """The one mail to app's address with that subject (waited for)."""
        def find():
            found = [m for m in self.srv.sink.for_address(app["_email"])
                     if str(m["subject"]) == subject]
            return found or None
        try:
            found = wait_until(find, timeout, 0.1, "the mail '%s'" % subject)
        except AssertionError:
            raise AssertionError("no mail '%s' among %s" % (subject, [
                str(m["subject"])
                for m in self.srv.sink.for_address(app["_email"])]))
        self.assertEqual(len(found), 1, subject)
        return harness.mail_text(found[0]).replace("\r\n", "\n")

    def assertNoSecrets(self, app):
        """No mail to app carries its activation code (as printed or as
        typed) or its initial token passcode."""
        letter = app["_letter"]
        code = letter["activation_code"]
        secrets = [code, code.replace("-", ""),
                   letter.get("initial_token_passcode")]
        mails = self.srv.sink.for_address(app["_email"])
        self.assertGreater(len(mails), 2)
        for m in mails:
            text = harness.mail_text(m) + str(m["subject"])
            for s in secrets:
                if s:
                    self.assertNotIn(s, text.replace("=\n", ""))

    def portal(self):
        return self.srv.base + "/"


class IssuedAndShippedTest(LifecycleMailCase):
    extra_env = {"RXCA_LOG_LEVEL": "debug"}  # for wait_sweeps

    def test_shipped_then_issued(self):
        app = self.issue()
        text = self.mail(app, SHIPPED)
        self.assertIn("Carrier:         USPS", text)
        self.assertIn("Tracking number: 9400100000", text)
        self.assertIn(app["id"], text)
        self.assertIn(self.portal(), text)

        text = self.mail(app, ISSUED)
        cert = app["_cert"]
        self.assertIn("Serial number: %s" % cert["serial"], text)
        # Validity as the certificate says it, to the minute.
        for field, label in (("not_before", "Valid from:    "),
                             ("not_after", "Valid until:   ")):
            day, hm = cert[field][:10], cert[field][11:16]
            self.assertIn("%s%s %s UTC" % (label, day, hm), text)
        self.assertIn("rxca-token test --server %s\n" % self.srv.base, text)
        self.assertIn(self.portal(), text)
        self.assertNoSecrets(app)
        # Sent by the mail job, audited once. The audit commits with the
        # job's done mark, after the SMTP server has the mail: wait for it.
        wait_until(lambda: self.db.count(
            "jobs", "kind = 'email.issued' AND state = 'done' AND "
            "application_id = '%s'" % app["id"]), 20, 0.05,
            "the mail job to finish")
        self.assertEqual(self.db.count(
            "audit_log", "action = 'email.issued_sent'"), 1)

    def test_retry_mails_once(self):
        """A retrieval retried with the same key gets the same certificate
        and no second mail."""
        app = self.issue()
        self.mail(app, ISSUED)
        st, _, js = self.retrieve(app, self.csr_of(app))
        self.assertEqual(st, 200, js)
        self.srv.wait_sweeps(2)
        self.assertEqual(self.db.count(
            "jobs", "kind = 'email.issued' AND application_id = '%s'"
            % app["id"]), 1)
        self.mail(app, ISSUED)

    def csr_of(self, app):
        r = subprocess.run(["openssl", "req", "-new", "-key", app["_key"],
                            "-subj", "/CN=again"], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout


class RevokedTest(LifecycleMailCase):

    def test_by_operator(self):
        app = self.issue()
        self.mail(app, ISSUED)
        st, _, js = self.revoke(app, "keyCompromise")
        self.assertEqual(st, 200, js)
        text = self.mail(app, REVOKED)
        self.assertIn(app["_cert"]["serial"], text)
        self.assertIn("revoked by a CA operator", text)
        self.assertIn("Reason: keyCompromise", text)
        self.assertIn("do not use the token", text)
        self.assertIn(self.portal(), text)
        # Revoking again (an operator's second call) mails nothing more.
        st, _, js = self.revoke(app, "keyCompromise")
        self.assertEqual(st, 200, js)
        self.assertTrue(js["already_revoked"])
        self.assertEqual(self.db.count(
            "jobs", "kind = 'email.revoked' AND application_id = '%s'"
            % app["id"]), 1)
        self.assertNoSecrets(app)

    def test_by_self(self):
        app = self.issue()
        self.mail(app, ISSUED)
        st, _, js = self.self_revoke(app, "cessationOfOperation")
        self.assertEqual(st, 200, js)
        text = self.mail(app, REVOKED)
        self.assertIn("revoked at your own request", text)
        self.assertNotIn("operator", text)
        self.assertIn("Reason: cessationOfOperation", text)
        self.assertIn("If it was not you who asked, call the CA", text)
        self.assertIn(self.portal(), text)
        self.assertNoSecrets(app)


class ReminderDaysTest(LifecycleMailCase):

    def test_days_left_and_a_command_that_works(self):
        app = self.issue()
        # 80 days less an hour left: the 90-day step, sent late, says 80
        # (before the fix it said 90).
        at_days_left(self, app, 80)
        text = self.mail(app, "Your rxca certificate expires in 80 days")
        self.assertIn(app["_cert"]["serial"], text)
        self.assertNotIn("90 days", text)
        m = re.search(r"^    rxca-token renew --server (\S+)$", text, re.M)
        self.assertIsNotNone(m, text)
        self.assertEqual(m.group(1), self.srv.base)
        # The server named answers there as written.
        with urllib.request.urlopen(m.group(1) + "/pki/root.cer",
                                    timeout=10) as r:
            self.assertEqual(r.status, 200)
        self.assertIn(self.portal(), text)
        # A day less an hour left: the 7-day step, late, says 1 day.
        at_days_left(self, app, 1)
        self.mail(app, "Your rxca certificate expires in 1 day")
        self.assertNoSecrets(app)


if __name__ == "__main__":
    harness.main()
