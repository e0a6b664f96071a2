#!/usr/bin/python3
"""The reference payment service of proofing/PROVIDERS.md ("Payments"):
authorise, capture, void and refund over real HTTP, every POST under an
Idempotency-Key, with card tokens that approve, decline or time out.

    /usr/bin/python3 proofing/reference/payprovider.py \
        --listen 127.0.0.1:0 [--api-key KEY]  (or PAYPROVIDER_API_KEY)

Card tokens (the provider's own; rxca never sees a card number):

    tok_decline...        declined (decline_code "card_declined")
    tok_timeout_once...   the first request of each Idempotency-Key is
                          carried out but answered only after
                          --timeout-seconds (the client gives up); the
                          same key later gets the stored answer at once
    tok_timeout...        never answered in time, nothing authorised
    tok_slow...           carried out, answered after --slow-seconds
    tok_card_...          a token of the card frame (below): approved,
                          last4 that of the card
    anything else         approved; last4 is the last four digits of the
                          token, or "4242"

The card frame (docs/portal.md, "Card entry"): the provider's own page,
shown by the portal in an iframe, so the card number never reaches rxca.

    GET  /elements/card.html?origin=ORIGIN&id=NAME
         the card form (number, expiry, CVC) for a parent page of ORIGIN,
         which must be one of --allow-origin (else 403); its CSP allows
         only this origin to frame it (frame-ancestors) and nothing from
         elsewhere.  /elements/card.js and card.css are its script and
         style.  The frame takes a postMessage {type: "rxpay:tokenize",
         id} only from window.parent and ORIGIN, and posts its answer
         only to ORIGIN: {type: "rxpay:token", id, token, last4, brand}
         or {type: "rxpay:error", id, message}; {type: "rxpay:ready",
         id} when loaded.
    POST /v1/tokens  {number, exp_month, exp_year, cvc}
         from the frame's own origin only (Origin checked; no API key, as
         a provider's publishable endpoint): 201 {id, last4, brand,
         exp_month, exp_year}; 422 {error, field} for a number failing
         the Luhn check, an expiry past or malformed, a bad CVC.  Test
         cards: 4242 4242 4242 4242 and 5555 5555 5555 4444 approve,
         4000 0000 0000 0002 is declined when authorised (its token is
         tok_decline_...).  Numbers are kept by no one: the token records
         last4, brand and the number's SHA-256 (its fingerprint, for the
         address check) only.

The card address check (AVS) of the processor, the contract of
proofing/PROVIDERS.md ("Card address verification"), so that rxca's
RXCA_AVS_URL may point here:

    POST /v1/address-verifications  {request_id, card_token, address}
         (the API key, as the other operations; an Idempotency-Key, if
         sent, must be the request_id): 200 {request_id, result}.  The
         card behind a token of the frame is compared with its issuer's
         billing address on record (TEST_BILLING: 4242 4242 4242 4242
         and 4000 0000 0000 0002 are billed to 1 Main St, 46204, the
         address of the identity provider's first test identity; 5555
         5555 5555 4444 to 10 Downing St, 20001); 3782 822463 10005's
         issuer does no address checks (unavailable).  Other tokens are
         looked up in the cards of --data (the identity provider's data
         file, identities.json: tok_avs_1 ...), so either service can be
         RXCA_AVS_URL; tok_avs_unavailable is unavailable; any other
         token is an unknown card (no_match).  A bad body is 400 {error, field},
         as the identity provider's (the same validation, imported).

The same Idempotency-Key with the same body gets the same answer (and
does nothing again); with another body a 409.  GET /stats counts the
operations carried out (not the requests): {"authorise", "capture",
"void", "refund", "requests", "by_key": {key: requests},
"authorisations": {id: {...}}}.  Prints "listening on http://HOST:PORT"
on stdout once bound; logs one line per request on stderr (never a card
token).  Stops on SIGTERM or SIGINT with exit code 0.  Python 3 standard
library only; a development and test tool.
"""
import argparse
import datetime
import hashlib
import hmac
import http.server
import json
import os
import re
import secrets
import signal
import socket
import sys
import threading
import urllib.parse

sys.dont_write_bytecode = True  # nothing written beside the sources
import idprovider as ref  # noqa: E402  (beside this file)

BODY_MAX = 16 * 1024
KEY_RE = re.compile(r"^[\x21-\x7e]{1,200}$")
TOKEN_RE = re.compile(r"^[A-Za-z0-9_\-]{1,200}$")
ID_RE = re.compile(r"^(au|ca|vo|re)_[0-9a-f]{16}$")
AMOUNT_MAX = 100000000
STOP = threading.Event()
ELEMENTS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "payprovider-elements")
ELEMENT_TYPES = {"card.html": "text/html; charset=utf-8",
                 "card.js": "text/javascript; charset=utf-8",
                 "card.css": "text/css; charset=utf-8"}
ORIGIN_RE = re.compile(r"^https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|"
                       r"^https?://\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")
DECLINED_CARDS = ("4000000000000002",)
# The issuers' records: a test card's billing address (line1, postal
# code), or None for an issuer without address checks.
TEST_BILLING = {"4242424242424242": ("1 Main St", "46204"),
                "4000000000000002": ("1 Main St", "46204"),
                "5555555555554444": ("10 Downing St", "20001"),
                "378282246310005": None}


def fingerprint(number):
    """A card number's SHA-256 (hex): what a token keeps of it."""
    return hashlib.sha256(number.encode("ascii")).hexdigest()


BILLING = {fingerprint(n): (None if a is None else
                            {"line1": ref.collapse(a[0]),
                             "zip5": ref.zip5(a[1])})
           for n, a in TEST_BILLING.items()}


def log(msg):
    print("payprovider: %s" % msg, file=sys.stderr, flush=True)


class BadRequest(Exception):
    pass


class State:
    def __init__(self, api_key, timeout_s, slow_s, origins=(), cards=()):
        self.lock = threading.Lock()
        self.cards = {c["card_token"]: c for c in cards}  # --data's
        self.origins = set(origins)  # parent pages allowed to frame cards
        self.tokens = {}             # tok_card_... -> {last4, brand,
        #                              fingerprint}
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.slow_s = slow_s
        self.answers = {}        # key -> (path, body, status, answer)
        self.auths = {}          # id -> record
        self.counts = {"authorise": 0, "capture": 0, "void": 0,
                       "refund": 0, "requests": 0, "tokens": 0,
                       "avs": 0}
        self.by_key = {}

    def stats(self):
        with self.lock:
            out = dict(self.counts)
            out["by_key"] = dict(self.by_key)
            out["authorisations"] = {k: dict(v)
                                     for k, v in self.auths.items()}
            return out


def new_id(prefix):
    return "%s_%s" % (prefix, secrets.token_hex(8))


def amount(req, name="amount_cents"):
    v = req.get(name)
    if not isinstance(v, int) or isinstance(v, bool) or v < 0 or \
            v > AMOUNT_MAX:
        raise BadRequest("%s: an integer from 0 to %d" % (name, AMOUNT_MAX))
    return v


def auth_ref(st, req):
    v = req.get("authorisation")
    if not isinstance(v, str) or v not in st.auths:
        raise BadRequest("authorisation: unknown")
    return st.auths[v]


def op_authorise(st, req):
    a = amount(req)
    if req.get("currency") != "USD":
        raise BadRequest("currency: USD only")
    tok = req.get("card_token")
    if not isinstance(tok, str) or not TOKEN_RE.match(tok):
        raise BadRequest("card_token: 1 to 200 of [A-Za-z0-9_-]")
    ref = req.get("reference")
    if not isinstance(ref, str) or not KEY_RE.match(ref):
        raise BadRequest("reference: 1 to 200 visible characters")
    if tok.startswith("tok_timeout") and \
            not tok.startswith("tok_timeout_once"):
        return None, "timeout"
    if tok.startswith("tok_decline"):
        return (200, {"id": new_id("au"), "status": "declined",
                      "amount_cents": a, "currency": "USD",
                      "last4": "0002", "decline_code": "card_declined"}), \
            None
    digits = re.sub(r"[^0-9]", "", tok)
    last4 = digits[-4:] if len(digits) >= 4 else "4242"
    if tok in st.tokens:
        last4 = st.tokens[tok]["last4"]
    aid = new_id("au")
    st.auths[aid] = {"status": "authorised", "amount_cents": a,
                     "captured_cents": 0, "refunded_cents": 0,
                     "reference": ref}
    st.counts["authorise"] += 1
    delay = None
    if tok.startswith("tok_timeout_once"):
        delay = "timeout"
    elif tok.startswith("tok_slow"):
        delay = "slow"
    return (200, {"id": aid, "status": "authorised", "amount_cents": a,
                  "currency": "USD", "last4": last4,
                  "decline_code": None}), delay


def op_capture(st, req):
    au = auth_ref(st, req)
    a = amount(req)
    if au["status"] != "authorised" or a > au["amount_cents"]:
        return (409, {"error": "cannot capture in status %s"
                      % au["status"]}), None
    au["status"] = "captured"
    au["captured_cents"] = a
    st.counts["capture"] += 1
    return (200, {"id": new_id("ca"), "status": "captured",
                  "amount_cents": a}), None


def op_void(st, req):
    au = auth_ref(st, req)
    if au["status"] != "authorised":
        return (409, {"error": "cannot void in status %s"
                      % au["status"]}), None
    au["status"] = "voided"
    st.counts["void"] += 1
    return (200, {"id": new_id("vo"), "status": "voided",
                  "amount_cents": au["amount_cents"]}), None


def op_refund(st, req):
    au = auth_ref(st, req)
    a = amount(req)
    if au["status"] not in ("captured", "refunded") or \
            au["refunded_cents"] + a > au["captured_cents"]:
        return (409, {"error": "nothing to refund"}), None
    au["refunded_cents"] += a
    if au["refunded_cents"] == au["captured_cents"]:
        au["status"] = "refunded"
    st.counts["refund"] += 1
    return (200, {"id": new_id("re"), "status": "refunded",
                  "amount_cents": a}), None


def luhn_ok(number):
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def brand_of(number):
    if number.startswith("4"):
        return "visa"
    if number[:2] in ("51", "52", "53", "54", "55"):
        return "mastercard"
    if number[:2] in ("34", "37"):
        return "amex"
    return "card"


class FieldError(Exception):
    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


def tokenize(st, req, today):
    """The token of a card {number, exp_month, exp_year, cvc} (strings or
    integers); FieldError names the first field that is wrong."""
    def text(name, pattern, message):
        v = req.get(name)
        if isinstance(v, int) and not isinstance(v, bool):
            v = str(v)
        if not isinstance(v, str):
            raise FieldError(name, message)
        v = re.sub(r"[ \-]", "", v) if name == "number" else v.strip()
        if not re.match(pattern, v):
            raise FieldError(name, message)
        return v
    number = text("number", r"^[0-9]{12,19}$",
                  "Enter the 12 to 19 digits of the card number.")
    if not luhn_ok(number):
        raise FieldError("number", "This card number is not valid; "
                         "check it.")
    month = int(text("exp_month", r"^[0-9]{1,2}$",
                     "Enter the month as 1 to 12."))
    if not 1 <= month <= 12:
        raise FieldError("exp_month", "Enter the month as 1 to 12.")
    year = int(text("exp_year", r"^([0-9]{2}|[0-9]{4})$",
                    "Enter the year, e.g. 2029."))
    if year < 100:
        year += 2000
    if (year, month) < (today.year, today.month) or year > today.year + 20:
        raise FieldError("exp_year", "This card has expired.")
    brand = brand_of(number)
    text("cvc", r"^[0-9]{4}$" if brand == "amex" else r"^[0-9]{3}$",
         "Enter the %s-digit security code."
         % ("4" if brand == "amex" else "3"))
    prefix = "tok_decline_" if number in DECLINED_CARDS else "tok_card_"
    tok = prefix + secrets.token_hex(12)
    rec = {"last4": number[-4:], "brand": brand,
           "fingerprint": fingerprint(number)}
    with st.lock:
        st.tokens[tok] = rec
        st.counts["tokens"] += 1
    return {"id": tok, "last4": rec["last4"], "brand": brand,
            "exp_month": month, "exp_year": year}


def address_check(st, req):
    """The AVS result for a checked request: the card behind the token
    against its issuer's billing address on record."""
    with st.lock:
        st.counts["avs"] += 1
        rec = st.tokens.get(req["card_token"])
    if rec is None:
        if req["card_token"] == ref.UNAVAILABLE_TOKEN:
            return "unavailable"
        card = st.cards.get(req["card_token"])
        return ref.avs_result(card, req["address"]) if card else "no_match"
    if rec["fingerprint"] not in BILLING:
        return "no_match"
    billing = BILLING[rec["fingerprint"]]
    if billing is None:
        return "unavailable"
    return ref.avs_result(billing, req["address"])


def own_origin(handler):
    host = handler.headers.get("Host", "")
    return "http://%s" % host


OPS = {"/v1/authorisations": op_authorise, "/v1/captures": op_capture,
       "/v1/voids": op_void, "/v1/refunds": op_refund}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "payprovider"

    def log_message(self, fmt, *args):
        pass

    def _send(self, status, obj, note="", ctype="application/json",
              headers=None):
        data = json.dumps(obj).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass
        log("%s %s -> %d %s" % (self.command, self.path, status, note))

    def _element(self):
        """The card frame's files (ELEMENT_TYPES) from ELEMENTS."""
        st = self.server.state
        path, _, query = self.path.partition("?")
        name = path[len("/elements/"):]
        if name not in ELEMENT_TYPES:
            self._send(404, {"error": "not found"})
            return
        csp = ("default-src 'none'; script-src 'self'; style-src 'self'; "
               "img-src data:; "
               "connect-src 'self'; base-uri 'none'; form-action 'none'")
        if name == "card.html":
            q = urllib.parse.parse_qs(query)
            origin = (q.get("origin") or [""])[0]
            if not ORIGIN_RE.match(origin) or origin not in st.origins:
                self._send(403, {"error": "origin not allowed"})
                return
            csp += "; frame-ancestors %s" % origin
        with open(os.path.join(ELEMENTS, name), "rb") as f:
            data = f.read()
        try:
            self.send_response(200)
            self.send_header("Content-Type", ELEMENT_TYPES[name])
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Content-Security-Policy", csp)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        except OSError:
            pass
        log("%s %s -> 200" % (self.command, path))

    def _tokens(self):
        """POST /v1/tokens, from the card frame on this origin only."""
        st = self.server.state
        origin = self.headers.get("Origin")
        if origin != own_origin(self):
            self._send(403, {"error": "only the card frame may tokenize"})
            return
        raw = self._body()
        if raw is None:
            return
        try:
            req = json.loads(raw.decode("utf-8"))
            if not isinstance(req, dict):
                raise ValueError("not an object")
        except ValueError:
            self._send(400, {"error": "body is not a JSON object"})
            return
        try:
            tok = tokenize(st, req, datetime.date.today())
        except FieldError as e:
            self._send(422, {"error": str(e), "field": e.field})
            return
        self._send(201, tok, tok["brand"])

    def _body(self):
        """The request's body (Content-Length, at most BODY_MAX), or None
        after answering 411 or 413."""
        try:
            n = int(self.headers.get("Content-Length", "-1"))
        except ValueError:
            n = -1
        if n < 0 or n > BODY_MAX:
            self.close_connection = True
            self._send(413 if n > BODY_MAX else 411,
                       {"error": "a Content-Length up to %d" % BODY_MAX,
                        "field": "body"})
            return None
        return self.rfile.read(n)

    def _authorised(self):
        """Whether the request has the API key; if not, answers 401 with
        idprovider.py's problem."""
        key = self.server.state.api_key
        got = self.headers.get("Authorization", "")
        if key is None or hmac.compare_digest(
                got.encode(), ("Bearer " + key).encode()):
            return True
        self._send(401, ref.UNAUTHORIZED, ctype=ref.UNAUTHORIZED_TYPE,
                   headers=ref.unauthorized_headers("payprovider"))
        return False

    def _address_verification(self):
        """POST /v1/address-verifications (PROVIDERS.md's contract)."""
        st = self.server.state
        if not self._authorised():
            return
        raw = self._body()
        if raw is None:
            return
        ctype = self.headers.get("Content-Type", "")
        if ctype.split(";", 1)[0].strip().lower() != "application/json":
            self._send(415, {"error": "Content-Type must be "
                             "application/json", "field": "Content-Type"})
            return
        try:
            req = ref.parse_json(raw)
            ref.AVS_REQUEST(req, "")
        except ref.BadRequest as e:
            self._send(400, {"error": e.message, "field": e.field})
            return
        idem = self.headers.get("Idempotency-Key")
        if idem is not None and idem != req["request_id"]:
            self._send(400, {"error": "Idempotency-Key must equal "
                             "request_id", "field": "Idempotency-Key"})
            return
        result = address_check(st, req)
        self._send(200, {"request_id": req["request_id"], "result": result},
                   result)

    def do_HEAD(self):
        if self.path.startswith("/elements/"):
            self._element()
        else:
            self._send(404, {"error": "not found"})

    def do_GET(self):
        st = self.server.state
        if self.path.startswith("/elements/"):
            self._element()
        elif self.path == "/healthz":
            self._send(200, {"status": "ok"})
        elif self.path == "/stats":
            self._send(200, st.stats())
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self):
        st = self.server.state
        if self.path == "/v1/tokens":
            self._tokens()
            return
        if self.path == "/v1/address-verifications":
            self._address_verification()
            return
        op = OPS.get(self.path)
        if op is None:
            self._send(404, {"error": "not found"})
            return
        if not self._authorised():
            return
        raw = self._body()
        if raw is None:
            return
        key = self.headers.get("Idempotency-Key")
        if key is None or not KEY_RE.match(key):
            self._send(400, {"error": "Idempotency-Key is required"})
            return
        try:
            req = json.loads(raw.decode("utf-8"))
            if not isinstance(req, dict):
                raise ValueError("not an object")
        except ValueError:
            self._send(400, {"error": "body is not a JSON object"})
            return
        delay = None
        with st.lock:
            st.counts["requests"] += 1
            st.by_key[key] = st.by_key.get(key, 0) + 1
            old = st.answers.get(key)
            if old is not None:
                if old[0] != self.path or old[1] != raw:
                    answer = (409, {"error": "Idempotency-Key reused "
                                    "with another request"})
                else:
                    answer = (old[2], old[3])
                replay = True
            else:
                replay = False
                try:
                    answer, delay = op(st, req)
                except BadRequest as e:
                    answer, delay = (400, {"error": str(e)}), None
                if answer is not None and answer[0] < 500 and \
                        answer[0] != 400:
                    st.answers[key] = (self.path, raw, answer[0],
                                       answer[1])
        if delay == "timeout":
            STOP.wait(st.timeout_s)
            self.close_connection = True
            log("POST %s -> held %ds (timeout)" % (self.path, st.timeout_s))
            return
        if delay == "slow":
            STOP.wait(st.slow_s)
        status, obj = answer
        self._send(status, obj, "replay" if replay else
                   str(obj.get("status", "")))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def handle_error(self, request, client_address):
        log("error while handling a request: %s"
            % type(sys.exc_info()[1]).__name__)


def parse_listen(s):
    m = re.match(r"^\[([0-9A-Fa-f:.]+)\]:([0-9]{1,5})$", s) or \
        re.match(r"^([^:\[\]]+):([0-9]{1,5})$", s)
    if m is None or int(m.group(2)) > 65535:
        raise ValueError("--listen must be HOST:PORT or [V6ADDR]:PORT")
    family = socket.AF_INET6 if s.startswith("[") else socket.AF_INET
    return family, m.group(1), int(m.group(2))


def main(argv=None):
    ap = argparse.ArgumentParser(description="Reference payment service")
    ap.add_argument("--listen", default="127.0.0.1:0")
    ap.add_argument("--api-key", default=None)
    ap.add_argument("--timeout-seconds", type=int, default=30,
                    help="how long tok_timeout* requests are held")
    ap.add_argument("--slow-seconds", type=int, default=3,
                    help="how long tok_slow* answers are held back")
    ap.add_argument("--allow-origin", action="append", default=[],
                    help="a page origin that may frame the card form "
                    "(repeatable; also PAYPROVIDER_ALLOWED_ORIGINS, "
                    "space-separated)")
    ap.add_argument("--data", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "identities.json"),
        help="the cards (billing addresses of card tokens) of the "
        "identity provider's data file, for the address check "
        "(default: identities.json beside this program)")
    a = ap.parse_args(argv)
    try:
        with open(a.data, "rb") as f:
            _, cards = ref.load_data(json.loads(
                f.read().decode("utf-8"), object_pairs_hook=ref.no_duplicates))
    except (OSError, ValueError, ref.DataError, ref.BadRequest) as e:
        print("payprovider: %s: %s" % (a.data, e), file=sys.stderr)
        return 2
    api_key = a.api_key if a.api_key is not None else \
        os.environ.get("PAYPROVIDER_API_KEY") or None
    try:
        family, host, port = parse_listen(a.listen)
    except ValueError as e:
        print("payprovider: %s" % e, file=sys.stderr)
        return 2
    Server.address_family = family
    try:
        httpd = Server((host, port), Handler)
    except OSError as e:
        print("payprovider: cannot listen on %s: %s" % (a.listen, e),
              file=sys.stderr)
        return 1
    origins = a.allow_origin + \
        os.environ.get("PAYPROVIDER_ALLOWED_ORIGINS", "").split()
    for o in origins:
        if not ORIGIN_RE.match(o):
            print("payprovider: --allow-origin %r is not an origin" % o,
                  file=sys.stderr)
            return 2
    httpd.state = State(api_key, a.timeout_seconds, a.slow_seconds,
                        origins, cards)
    # SIGTERM and SIGINT are taken by sigwait() in this thread, blocked
    # everywhere else (the serving threads inherit the mask): a handler
    # that set STOP could run in this thread inside STOP.wait(), holding
    # the Event's lock, and wait for that lock forever (a provider that
    # would not stop short of SIGKILL, seen once in a CI run).
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    shown = "[%s]" % host if family == socket.AF_INET6 else host
    log("API key %s" % ("required" if api_key else "NOT required"))
    t = threading.Thread(target=httpd.serve_forever,
                         kwargs={"poll_interval": 0.1}, daemon=True)
    t.start()
    print("listening on http://%s:%d" % (shown, httpd.server_address[1]),
          flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    STOP.set()  # ends the answers that wait (timeout, slow)
    httpd.shutdown()
    httpd.server_close()
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
