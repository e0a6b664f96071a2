#!/usr/bin/python3
"""An EHR's whole integration with rxca, run in the partner's sandbox
(docs/partners.md#sandbox), with nothing but Python's standard library,
`rxca-token` (SoftHSM standing in for the prescribers' tokens) and the
partner's sandbox key (`rxp_test_...`).

The journey: the EHR sets its webhook and invites two prescribers; each
applies through the invitation (the reference providers proof them),
an operator prints and ships each kit, each prescriber puts a key and the
test CA's certificate on a token; the EHR links the first to a practice
user (approved: the practice's first), links the second (pending) and
has the first approve it (two-person approval, both signatures made on
the tokens); the second prescriber revokes their certificate.  Every
webhook delivery's Rxca-Signature is checked, and the events' sequence
(1, 2, 3, ... with no gap, each key's events in order) against
GET /v1/partner/events.

Steps that are not the EHR's are marked and done as their owner does
them, through the documented API and CLI:

  [applicant]  reads the invitation and the verification code from their
               mail (here: the .eml files of a development server,
               RXCA_SMTP_URL empty, RXCA_MAIL_DIR), applies, and uses
               `rxca-token` (passcode, retrieve, sign-challenge);
  [operator]   two fulfillers print the kit (dual control) and ship it,
               over the operator listener with their client certificates;
  [fulfiller]  `rxca-token provision` prepares the token.

The server must allow a loopback webhook (RXCA_WEBHOOK_ALLOW_PRIVATE=1,
a development setting).  Exit status 0 when every step passed, 1 with the
step that failed.  Usage (every option is needed):

  ehr_sandbox.py --server http://127.0.0.1:8080 --key rxp_test_... \\
      --mail-dir var/mail --ops https://127.0.0.1:8443 \\
      --ops-ca var/tls/operators-ca.crt \\
      --fulfiller var/tls/fay.crt var/tls/fay.key \\
      --fulfiller var/tls/flo.crt var/tls/flo.key \\
      --token build/token/rxca-token --workdir /tmp/ehr-sandbox
"""
import argparse
import email
import email.policy
import hashlib
import hmac
import http.server
import json
import os
import re
import secrets
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"
SO_PIN = "so-pin-" + secrets.token_hex(4)
PASSCODE = "ehr sandbox " + secrets.token_hex(4)
PASSWORD = "correct horse battery"
CODE_RE = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}\b")
# Two people the reference identity provider passes (its data file,
# proofing/reference/identities.json): Ada Lovelace and her first twin.
PRESCRIBERS = [("1975-12-10", "1234567893", "AL1234563"),
               ("1980-03-01", "5000000000", "AL5000005")]


class Failed(Exception):
    """A step that did not do what it should."""


def step(who, what):
    print("[%s] %s" % (who, what), flush=True)


def npi_check(nine):
    """nine digits and the NPI's Luhn check digit (over 80840 first)."""
    total = 0
    for i, d in enumerate(reversed([int(c) for c in "80840" + nine])):
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return nine + str((10 - total % 10) % 10)


class Api:
    """JSON over HTTP(S): a bearer token or a client certificate."""

    def __init__(self, base, bearer=None, cert=None, cafile=None):
        self.base, self.bearer = base.rstrip("/"), bearer
        self.ctx = None
        if base.startswith("https:"):
            self.ctx = ssl.create_default_context(cafile=cafile)
            if cert:
                self.ctx.load_cert_chain(*cert)

    def call(self, method, path, body=None, want=(200,), bearer=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data,
                                     method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if bearer or self.bearer:
            req.add_header("Authorization", "Bearer " +
                           (bearer or self.bearer))
        try:
            with urllib.request.urlopen(req, context=self.ctx,
                                        timeout=30) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        answer = json.loads(raw) if raw else None
        if status not in want:
            raise Failed("%s %s: %d %s" % (method, path, status, answer))
        return answer


class Receiver(http.server.ThreadingHTTPServer):
    """The EHR's webhook receiver: checks each delivery's Rxca-Signature
    (HMAC-SHA256 with the secret over "<t>.<raw body>", t within 300 s)
    before it parses anything; keeps what arrived."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Hook)
        self.secret = None
        self.lock = threading.Lock()
        self.events = []   # (event, the Rxca-Event-Sequence header)
        self.refused = []  # deliveries whose signature did not verify

    def signature_ok(self, header, body):
        fields = [f.split("=", 1) for f in header.split(",") if "=" in f]
        t = dict(fields).get("t", "")
        if self.secret is None or not t.isdigit() or \
                abs(time.time() - int(t)) > 300:
            return False
        mac = hmac.new(self.secret.encode(), t.encode() + b"." + body,
                       hashlib.sha256).hexdigest()
        return any(hmac.compare_digest(mac, v) for k, v in fields
                   if k == "v1")


class Hook(http.server.BaseHTTPRequestHandler):

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ok = self.server.signature_ok(
            self.headers.get("Rxca-Signature", ""), body)
        self.send_response(204 if ok else 401)
        self.end_headers()
        with self.server.lock:
            if not ok:
                self.server.refused.append(body)
                return
            ev = json.loads(body)
            if ev["id"] not in {e["id"] for e, _ in self.server.events}:
                self.server.events.append(
                    (ev, self.headers.get("Rxca-Event-Sequence")))

    def log_message(self, *args):
        pass


def wait(what, fn, seconds=60):
    deadline = time.monotonic() + seconds
    while True:
        got = fn()
        if got:
            return got
        if time.monotonic() > deadline:
            raise Failed("no %s within %d s" % (what, seconds))
        time.sleep(0.2)


class Mailbox:
    """[applicant] their inbox: the .eml files of a development server."""

    def __init__(self, folder):
        self.folder, self.seen = folder, set()

    def next(self, to, pattern):
        def look():
            names = os.listdir(self.folder) if os.path.isdir(
                self.folder) else []
            for name in sorted(names):
                path = os.path.join(self.folder, name)
                if not name.endswith(".eml") or path in self.seen:
                    continue
                with open(path, "rb") as f:
                    msg = email.message_from_binary_file(
                        f, policy=email.policy.default)
                if to not in str(msg["To"]):
                    continue
                text = "\n".join(p.get_content() for p in msg.walk()
                                 if p.get_content_maintype() == "text")
                m = pattern.search(text)
                if m:
                    self.seen.add(path)
                    return m
            return None
        return wait("mail to %s" % to, look)


class Token:
    """[applicant / fulfiller] rxca-token on a SoftHSM token of its own;
    secrets go through a pipe, never the command line."""

    def __init__(self, binary, folder):
        os.makedirs(os.path.join(folder, "tokens"), exist_ok=True)
        conf = os.path.join(folder, "softhsm2.conf")
        with open(conf, "w") as f:
            f.write("directories.tokendir = %s/tokens\n"
                    "objectstore.backend = file\n" % folder)
        self.binary = binary
        self.env = dict(os.environ, SOFTHSM2_CONF=conf,
                        RXCA_TOKEN_MODULE=SOFTHSM)

    def run(self, *args, secrets_=()):
        r, w = os.pipe()
        os.write(w, "".join(s + "\n" for s in secrets_).encode())
        os.close(w)
        argv = [self.binary] + [str(r) if a == "FD" else a for a in args]
        try:
            p = subprocess.run(argv, pass_fds=(r,), env=self.env, text=True,
                               capture_output=True, timeout=120)
        finally:
            os.close(r)
        if p.returncode != 0:
            raise Failed("rxca-token %s: %d %s" % (args[0], p.returncode,
                                                   p.stderr))
        return p.stdout

    def sign(self, text):
        out = self.run("sign-challenge", text, "--passcode-fd", "FD",
                       secrets_=(PASSCODE,))
        return json.loads(out)


def journey(a):
    started = time.monotonic()
    public = Api(a.server)
    ehr = Api(a.server, bearer=a.key)
    fulfillers = [Api(a.ops, cert=c, cafile=a.ops_ca) for c in a.fulfiller]
    mail = Mailbox(a.mail_dir)
    if not a.key.startswith("rxp_test_"):
        raise Failed("not a sandbox key: run this with an rxp_test_ key")

    step("EHR", "the sandbox program and a webhook")
    program = ehr.call("GET", "/v1/partner/program")["program"]
    rx = Receiver()
    threading.Thread(target=rx.serve_forever, daemon=True).start()
    hook = ehr.call("PUT", "/v1/partner/webhook", {
        "url": "http://127.0.0.1:%d/hook" % rx.server_address[1]})
    rx.secret = hook["secret"]
    form = public.call("GET", "/v1/application-form")

    people = []
    for n, (dob, npi, dea) in enumerate(PRESCRIBERS):
        who = {"email": "prescriber%d.%s@example.org"
               % (n + 1, secrets.token_hex(4))}
        step("EHR", "invites %s" % who["email"])
        ehr.call("POST", "/v1/partner/invitations", {"email": who["email"]},
                 want=(202,))
        token = mail.next(who["email"], re.compile(r"invitation=([\w-]+)"))
        step("applicant", "applies through the invitation")
        app = public.call("POST", "/v1/applications", {
            "product": "epcs-hardware", "storage": "new-token",
            "shipping": "usps", "program": program, "voucher": None,
            "invitation": token.group(1),
            "applicant": {
                "given_name": "Ada", "middle_name": None,
                "family_name": "Lovelace", "date_of_birth": dob,
                "email": who["email"], "phone": "+13175550100",
                "home_address": {"line1": "1 Main St", "line2": None,
                                 "city": "Indianapolis", "state": "IN",
                                 "postal_code": "46204", "country": "US"},
                "npi": npi_check(npi[:9]), "dea_number": dea,
                "ssn_last4": "1234"},
            "address_verification": {"card_token": "tok_avs_1"},
            "payment": {"card_token": "tok_pay_1"},
            "account": {"password": PASSWORD, "secret_questions": [
                {"question": "First pet's name?", "answer": "Rex"},
                {"question": "City you were born in?", "answer": "London"},
                {"question": "Favourite teacher?", "answer": "Babbage"}]},
            "subscriber_agreement": {
                "version": form["agreement"]["version"], "accepted": True},
        }, want=(201,))
        who["app"], session = app["id"], app["session"]["token"]
        code = mail.next(who["email"], CODE_RE).group(0)
        public.call("POST", "/v1/applications/%s/email-verification"
                    % who["app"], {"code": code})
        step("applicant", "proofed by the sandbox's reference providers")
        wait("approval", lambda: public.call(
            "GET", "/v1/applications/%s" % who["app"],
            bearer=session)["status"] == "approved")

        step("operator", "prints the kit (two fulfillers) and ships it")
        kit = wait("the kit", lambda: next(
            (k["id"] for k in fulfillers[0].call(
                "GET", "/v1/ops/kits?state=created&limit=100")["items"]
             if k["application_id"] == who["app"]), None))
        asked = fulfillers[0].call("POST", "/v1/ops/kits/%s/print" % kit,
                                   want=(200, 202))
        letter = asked if "activation_code" in asked else \
            fulfillers[1].call("POST", "/v1/ops/approvals/%s/confirm"
                               % asked["id"])["result"]
        fulfillers[0].call("POST", "/v1/ops/kits/%s/shipped" % kit,
                           {"carrier": "USPS", "tracking": "9400100000"})

        tok = Token(a.token, os.path.join(a.workdir, "token%d" % (n + 1)))
        step("fulfiller", "rxca-token provision")
        tok.run("provision", "--so-pin-fd", "FD", "--passcode-fd", "FD",
                secrets_=(SO_PIN, letter["initial_token_passcode"]))
        step("applicant", "rxca-token passcode, then retrieve")
        tok.run("passcode", "--passcode-fd", "FD", "--new-passcode-fd", "FD",
                secrets_=(letter["initial_token_passcode"], PASSCODE))
        out = tok.run("retrieve", "--server", a.server, "--passcode-fd",
                      "FD", "--code-fd", "FD", "--password-fd", "FD",
                      secrets_=(PASSCODE, letter["activation_code"],
                                PASSWORD))
        m = re.search(r"certificate ([0-9a-f]{32}) is stored", out)
        if m is None:
            raise Failed("rxca-token retrieve stored no certificate: %s"
                         % out)
        who["serial"] = m.group(1)
        cert = ehr.call("GET", "/v1/partner/certificates/%s" % who["serial"])
        step("EHR", "certificate %s: epcs_eligible %s, reasons %s"
             % (who["serial"], cert["epcs_eligible"], cert["reasons"]))
        if cert["epcs_eligible"] or cert["reasons"] != ["sandbox"]:
            raise Failed("a sandbox certificate must say reason sandbox")
        who["token"] = tok
        people.append(who)

    first, second = people
    practice = "sandbox-practice-" + secrets.token_hex(3)
    step("EHR", "practice %s, links the first prescriber" % practice)
    ehr.call("PUT", "/v1/partner/practices/%s" % practice,
             {"name": "Sandbox practice"}, want=(200, 201))
    links = []
    for who, user in ((first, "dr-first"), (second, "dr-second")):
        ch = ehr.call("POST", "/v1/partner/practices/%s/challenges"
                      % practice, {"purpose": "link", "user": user,
                                   "serial": who["serial"]}, want=(201,))
        step("applicant", "%s signs the link statement on the token" % user)
        sig = who["token"].sign(ch["challenge"])
        links.append(ehr.call("POST", "/v1/partner/practices/%s/links"
                              % practice, {"challenge": ch["challenge"],
                                           "signature": sig["signature"]},
                              want=(201,)))
    if not links[0]["approved"] or links[1]["approved"]:
        raise Failed("the first link is approved, the second pending: %s"
                     % links)
    step("EHR", "the second link is pending: the first prescriber approves")
    ch = ehr.call("POST", "/v1/partner/practices/%s/challenges" % practice,
                  {"purpose": "approve", "serial": second["serial"],
                   "approver_serial": first["serial"]}, want=(201,))
    sig = first["token"].sign(ch["challenge"])
    approved = ehr.call("POST", "/v1/partner/practices/%s/links/%s/approval"
                        % (practice, links[1]["id"]),
                        {"challenge": ch["challenge"],
                         "signature": sig["signature"]})
    if not approved.get("approved"):
        raise Failed("the approval did not approve: %s" % approved)

    step("applicant", "the second prescriber revokes their certificate")
    session = public.call("POST", "/v1/sessions", {
        "password": PASSWORD, "application_id": second["app"]},
        want=(201,))["token"]
    public.call("POST", "/v1/certificates/%s/revocation" % second["serial"],
                {"reason": "cessationOfOperation"}, bearer=session)

    step("EHR", "every webhook signed, every sequence number there")

    def all_events():
        items, after = [], 0
        while True:
            page = ehr.call("GET", "/v1/partner/events?limit=200&after=%d"
                            % after)
            items += [i["event"] for i in page["items"]]
            if not page.get("next_after"):
                return items
            after = page["next_after"]

    def caught_up():
        listed = all_events()
        with rx.lock:
            got = {e["id"] for e, _ in rx.events}
        revoked = [e for e in listed if e["type"] == "certificate.revoked"]
        return listed if revoked and all(
            e["id"] in got for e in listed) else None
    listed = wait("every event delivered", caught_up)
    if rx.refused:
        raise Failed("%d deliveries failed the signature check"
                     % len(rx.refused))
    seqs = sorted(e["sequence"] for e in listed)
    if seqs != list(range(1, len(seqs) + 1)):
        raise Failed("the sequence has a gap: %s" % seqs)
    last = {}
    with rx.lock:
        for ev, header in rx.events:
            if str(ev["sequence"]) != header:
                raise Failed("Rxca-Event-Sequence is not the body's")
            if ev["sequence"] <= last.get(ev["ordering_key"], 0):
                raise Failed("%s out of order" % ev["ordering_key"])
            last[ev["ordering_key"]] = ev["sequence"]
    kinds = sorted(e["type"] for e in listed)
    for kind, n in (("certificate.issued", 2), ("credential.linked", 2),
                    ("credential.approved", 2), ("certificate.revoked", 1)):
        if kinds.count(kind) != n:
            raise Failed("%d %s events, not %d" % (kinds.count(kind), kind,
                                                   n))
    step("EHR", "%d events, sequence 1 to %d, all signatures good"
         % (len(seqs), len(seqs)))
    print("passed in %.1f s" % (time.monotonic() - started), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--server", required=True, help="rxca's public URL")
    p.add_argument("--key", required=True, help="the sandbox API key")
    p.add_argument("--mail-dir", required=True,
                   help="[applicant] the development server's mail folder")
    p.add_argument("--ops", required=True, help="the operator listener")
    p.add_argument("--ops-ca", required=True,
                   help="the CA of the operator listener's certificate")
    p.add_argument("--fulfiller", nargs=2, action="append", required=True,
                   metavar=("CERT", "KEY"),
                   help="[operator] a fulfiller's client certificate; twice")
    p.add_argument("--token", required=True, help="the rxca-token program")
    p.add_argument("--workdir", required=True,
                   help="where the SoftHSM tokens are made")
    a = p.parse_args()
    if len(a.fulfiller) != 2:
        p.error("--fulfiller twice: printing a kit needs two people")
    try:
        journey(a)
    except Failed as e:
        print("FAILED: %s" % e, file=sys.stderr, flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
