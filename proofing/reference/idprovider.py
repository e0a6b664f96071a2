#!/usr/bin/python3
"""The reference identity providers of proofing/PROVIDERS.md: identity
verification (IDV) and card address verification (AVS) over real HTTP,
answering from a data file, with scripted faults for tests.

    /usr/bin/python3 proofing/reference/idprovider.py \
        --listen 127.0.0.1:0 --data proofing/reference/identities.json \
        [--api-key KEY]          (or IDPROVIDER_API_KEY in the environment)

Prints "listening on http://HOST:PORT" on stdout once bound; logs one line
per request on stderr (never a date of birth, SSN digits or card token);
stops on SIGTERM or SIGINT with exit code 0.  Python 3 standard library
only.  A development and test tool: not for production identity data.
"""
import argparse
import datetime
import hmac
import http.server
import json
import os
import re
import signal
import socket
import sys
import threading
import time

BODY_MAX = 64 * 1024          # request body, bytes (413 above)
DRAIN_MAX = 1024 * 1024       # bytes of an oversize body read before a 413
HANG_SECONDS = 600            # how long "hang" holds a request
REQUEST_ID_MAX = 128          # characters of a request_id
NAME_MAX = 100                # a name part
EMAIL_MAX = 254
LINE_MAX = 200                # address line, city
SHORT_MAX = 64                # state
POSTAL_MAX = 16
TOKEN_MAX = 200               # card token
REASONS_MAX = 16
REASON_RE = re.compile(r"^[a-z0-9_]{1,48}$")
PRINTABLE_RE = re.compile(r"^[\x21-\x7e]+$")
PHONE_RE = re.compile(r"^\+[1-9][0-9]{1,14}$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
SSN4_RE = re.compile(r"^[0-9]{4}$")
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
BEHAVIOUR_RE = re.compile(
    r"^(?:slow:(?P<slow>[0-9]{1,7})|error:(?P<error>[0-9]{3})|"
    r"fail_first:(?P<fail_first>[0-9]{1,6})|garbage|bad_json|"
    r"wrong_request_id|hang)$")
UNAVAILABLE_TOKEN = "tok_avs_unavailable"
DECISIONS = ("pass", "fail", "review")


class DataError(Exception):
    """The data file does not follow the format of PROVIDERS.md."""


class BadRequest(Exception):
    """A request body that breaks the contract: 400 naming field."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


# --- the data file ----------------------------------------------------------

def parse_behaviour(value, where):
    """(kind, argument) of a behaviour string, or None for null."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise DataError("%s.behaviour must be a string or null" % where)
    m = BEHAVIOUR_RE.match(value)
    if m is None:
        raise DataError("%s.behaviour %r is not one of slow:<ms>, "
                        "error:<status>, garbage, bad_json, "
                        "wrong_request_id, hang, fail_first:<n>"
                        % (where, value))
    kind = value.split(":", 1)[0]
    arg = None
    if m.group("slow") is not None:
        arg = int(m.group("slow"))
    elif m.group("error") is not None:
        arg = int(m.group("error"))
        if not 400 <= arg <= 599:
            raise DataError("%s.behaviour: error status must be 400..599"
                            % where)
    elif m.group("fail_first") is not None:
        arg = int(m.group("fail_first"))
    return (kind, arg)


def check_keys(obj, required, optional, where):
    if not isinstance(obj, dict):
        raise DataError("%s must be an object" % where)
    for k in obj:
        if k not in required and k not in optional:
            raise DataError("%s: unknown key %r" % (where, k))
    for k in required:
        if k not in obj:
            raise DataError("%s: missing key %r" % (where, k))


def data_string(obj, key, where, regex=None):
    v = obj[key]
    if not isinstance(v, str) or not v.strip() or (
            regex is not None and not regex.match(v)):
        raise DataError("%s.%s is not a valid string" % (where, key))
    return v


def load_data(doc):
    """Checks a parsed data file; returns (identities, cards), lists of
    dicts with the behaviour parsed and a per-record request counter."""
    check_keys(doc, (), ("identities", "cards"), "data file")
    identities, cards, seen = [], [], set()
    raw_ids = doc.get("identities", [])
    if not isinstance(raw_ids, list):
        raise DataError("identities must be an array")
    for i, rec in enumerate(raw_ids):
        where = "identities[%d]" % i
        check_keys(rec, ("given_name", "family_name", "date_of_birth",
                         "ssn_last4", "decision", "score"),
                   ("reasons", "behaviour"), where)
        for k in ("given_name", "family_name"):
            data_string(rec, k, where)
        valid_date(data_string(rec, "date_of_birth", where, DATE_RE),
                   where + ".date_of_birth", DataError)
        data_string(rec, "ssn_last4", where, SSN4_RE)
        if rec["decision"] not in DECISIONS:
            raise DataError("%s.decision must be pass, fail or review"
                            % where)
        score = rec["score"]
        if type(score) is not int or not 0 <= score <= 100:
            raise DataError("%s.score must be an integer 0..100" % where)
        reasons = rec.get("reasons", [])
        if (not isinstance(reasons, list) or len(reasons) > REASONS_MAX or
                not all(isinstance(r, str) and REASON_RE.match(r)
                        for r in reasons)):
            raise DataError("%s.reasons must be at most %d codes of "
                            "[a-z0-9_]{1,48}" % (where, REASONS_MAX))
        key = (fold(rec["family_name"]), rec["date_of_birth"],
               rec["ssn_last4"])
        if key in seen:
            raise DataError("%s: a second identity with the same "
                            "family_name, date_of_birth and ssn_last4"
                            % where)
        seen.add(key)
        identities.append({
            "key": key, "given_name": rec["given_name"],
            "decision": rec["decision"], "score": score,
            "reasons": list(reasons),
            "behaviour": parse_behaviour(rec.get("behaviour"), where),
            "count": 0})
    raw_cards = doc.get("cards", [])
    if not isinstance(raw_cards, list):
        raise DataError("cards must be an array")
    tokens = set()
    for i, rec in enumerate(raw_cards):
        where = "cards[%d]" % i
        check_keys(rec, ("card_token", "line1", "postal_code"),
                   ("behaviour",), where)
        token = data_string(rec, "card_token", where, PRINTABLE_RE)
        data_string(rec, "line1", where)
        data_string(rec, "postal_code", where)
        if token in tokens:
            raise DataError("%s: card_token appears twice" % where)
        tokens.add(token)
        cards.append({
            "card_token": token, "line1": collapse(rec["line1"]),
            "zip5": zip5(rec["postal_code"]),
            "behaviour": parse_behaviour(rec.get("behaviour"), where),
            "count": 0})
    return identities, cards


def fold(s):
    return s.strip().casefold()


def collapse(s):
    return " ".join(s.split()).casefold()


def zip5(s):
    return re.sub(r"[^0-9]", "", s)[:5]


def avs_result(card, address):
    """What AVS answers for a card's billing address on record (line1
    collapsed, zip5) and the address a request gives: match, partial
    (the postal code only) or no_match.  The payment service's check
    (payprovider.py) answers by the same rule."""
    zip_ok = card["zip5"] != "" and \
        zip5(address["postal_code"]) == card["zip5"]
    line_ok = collapse(address["line1"]) == card["line1"]
    return "match" if zip_ok and line_ok else \
        "partial" if zip_ok else "no_match"


def valid_date(s, field, exc):
    try:
        datetime.date.fromisoformat(s)
    except ValueError:
        if exc is DataError:
            raise DataError("%s is not a date" % field) from None
        raise BadRequest(field, "%s must be a date YYYY-MM-DD" % field) \
            from None


# --- request validation -----------------------------------------------------

def text(max_len, nullable=False, regex=None, what=None):
    """A validator: a non-empty string of at most max_len characters
    without control characters (or null when nullable)."""
    def check(v, field):
        if v is None and nullable:
            return
        if not isinstance(v, str):
            raise BadRequest(field, "%s must be a string%s" % (
                field, " or null" if nullable else ""))
        if not v.strip():
            raise BadRequest(field, "%s must not be empty" % field)
        if len(v) > max_len:
            raise BadRequest(field, "%s is longer than %d characters"
                             % (field, max_len))
        if CONTROL_RE.search(v):
            raise BadRequest(field, "%s contains control characters"
                             % field)
        if regex is not None and not regex.match(v):
            raise BadRequest(field, "%s must be %s" % (field, what))
    return check


def date_text(v, field):
    text(10, regex=DATE_RE, what="a date YYYY-MM-DD")(v, field)
    valid_date(v, field, BadRequest)


def email_text(v, field):
    text(EMAIL_MAX)(v, field)
    if "@" not in v:
        raise BadRequest(field, "%s must be an e-mail address" % field)


def obj(spec):
    """A validator: an object with exactly the keys of spec (an ordered
    dict of key to validator)."""
    def check(v, field):
        if not isinstance(v, dict):
            raise BadRequest(field or "body", "%s must be a JSON object"
                             % (field or "the body"))
        prefix = field + "." if field else ""
        for k in v:
            if k not in spec:
                raise BadRequest(prefix + k, "%s%s is not allowed"
                                 % (prefix, k))
        for k, sub in spec.items():
            if k not in v:
                raise BadRequest(prefix + k, "%s%s is required"
                                 % (prefix, k))
            sub(v[k], prefix + k)
    return check


ADDRESS = obj({
    "line1": text(LINE_MAX),
    "line2": text(LINE_MAX, nullable=True),
    "city": text(LINE_MAX),
    "state": text(SHORT_MAX, nullable=True),
    "postal_code": text(POSTAL_MAX),
    "country": text(2, regex=COUNTRY_RE, what="two upper-case letters"),
})
REQUEST_ID = text(REQUEST_ID_MAX, regex=PRINTABLE_RE,
                  what="printable ASCII without spaces")
IDV_REQUEST = obj({
    "request_id": REQUEST_ID,
    "given_name": text(NAME_MAX),
    "middle_name": text(NAME_MAX, nullable=True),
    "family_name": text(NAME_MAX),
    "date_of_birth": date_text,
    "email": email_text,
    "phone": text(16, regex=PHONE_RE, what="an E.164 number"),
    "address": ADDRESS,
    "ssn_last4": text(4, regex=SSN4_RE, what="exactly 4 digits"),
})
AVS_REQUEST = obj({
    "request_id": REQUEST_ID,
    "card_token": text(TOKEN_MAX, regex=PRINTABLE_RE,
                       what="printable ASCII without spaces"),
    "address": ADDRESS,
})


def no_duplicates(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise BadRequest(k, "%s appears twice" % k)
        out[k] = v
    return out


def no_constant(name):
    raise ValueError("%s is not JSON" % name)


def parse_json(body):
    try:
        s = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("body", "the body is not UTF-8") from None
    try:
        return json.loads(s, object_pairs_hook=no_duplicates,
                          parse_constant=no_constant)
    except BadRequest:
        raise
    except (ValueError, RecursionError):
        raise BadRequest("body", "the body is not valid JSON") from None


# --- the server -------------------------------------------------------------

def clean_for_log(v):
    if v is None:
        return "-"
    s = CONTROL_RE.sub("?", str(v)).replace(" ", "_")
    return s[:64] + ("..." if len(s) > 64 else "")


def log(line, out=None):
    """One line of our log, to out (a text file; default stderr)."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ")
    out = out or sys.stderr
    try:
        out.write("%s idprovider: %s\n" % (stamp, line))
        out.flush()
    except (OSError, ValueError):
        pass


class State:
    """Everything shared between request threads, behind one lock."""

    def __init__(self, identities, cards, api_key):
        self.lock = threading.Lock()
        # by (folded family name, date of birth, SSN last 4): unique
        # (load_data), so a dict finds one in constant time however many
        # a data file holds (a benchmark's has one per application)
        self.identities = {rec["key"]: rec for rec in identities}
        self.cards = {c["card_token"]: c for c in cards}
        self.api_key = api_key.encode("utf-8") if api_key else None
        self.idv = 0
        self.avs = 0
        self.by_request_id = {}
        self.by_family_name = {}
        self.in_flight = 0      # checks waiting out --delay-ms now
        # set by POST /release: answers held by slow:<ms> go at once
        self.released = threading.Event()
        self.max_in_flight = 0  # the most at once since start

    def count(self, kind, request_id, family_name=None, record=None):
        """Counts a well-formed request; returns the record's count of
        requests (this one included), or 0 without a record."""
        with self.lock:
            setattr(self, kind, getattr(self, kind) + 1)
            self.by_request_id[request_id] = \
                self.by_request_id.get(request_id, 0) + 1
            if family_name is not None:
                self.by_family_name[family_name] = \
                    self.by_family_name.get(family_name, 0) + 1
            if record is None:
                return 0
            record["count"] += 1
            return record["count"]

    def enter(self):
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self):
        with self.lock:
            self.in_flight -= 1

    def stats(self):
        with self.lock:
            return {"idv": self.idv, "avs": self.avs,
                    "max_in_flight": self.max_in_flight,
                    "by_request_id": dict(self.by_request_id),
                    "by_family_name": dict(self.by_family_name)}

    def find_identity(self, req):
        return self.identities.get((fold(req["family_name"]),
                                    req["date_of_birth"], req["ssn_last4"]))


# The answer to a request without the right API key, as an RFC 9457
# problem (payprovider.py answers the same).
UNAUTHORIZED = {"type": "about:blank", "title": "Unauthorized",
                "status": 401, "error": "unauthorized",
                "detail": "missing or wrong API key (Authorization: "
                          "Bearer <key>)"}
UNAUTHORIZED_TYPE = "application/problem+json"


def unauthorized_headers(realm):
    """The headers of UNAUTHORIZED from the service named realm."""
    return {"WWW-Authenticate": 'Bearer realm="%s"' % realm}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY the body
    # waits for the client's delayed ACK (about 40 ms a request).
    disable_nagle_algorithm = True
    server_version = "rxca-idprovider/1"
    sys_version = ""
    timeout = 60  # seconds a connection may sit idle or stall a read

    # logging: ours only, one line per request, no identity data

    def log_message(self, fmt, *args):
        self.server.log(CONTROL_RE.sub("?", fmt % args)[:200])

    def log_request(self, code="-", size="-"):
        pass  # _finish logs

    def _finish(self, status, note=None):
        ms = (time.monotonic() - self.t0) * 1000 if hasattr(self, "t0") \
            else 0
        self.server.log("%s %s %s request_id=%s family_name=%s%s %dms" % (
            clean_for_log(self.command), clean_for_log(self.route_path),
            status, clean_for_log(self.log_rid),
            clean_for_log(self.log_family),
            " " + note if note else "", ms))

    # replies

    def _send(self, status, payload, ctype="application/json",
              headers=None, close=False, note=None):
        if isinstance(payload, (dict, list)):
            payload = (json.dumps(payload) + "\n").encode("utf-8")
        elif isinstance(payload, str):
            payload = payload.encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Cache-Control", "no-store")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            self.close_connection = True
            note = (note + " " if note else "") + "client-gone"
        self._finish(status, note)

    def _bad(self, field, message, status=400, close=False):
        """An error naming the field at fault (never quoting its value)."""
        self._send(status, {"error": message, "field": field}, close=close,
                   note="field=%s" % clean_for_log(field))

    def send_error(self, code, message=None, explain=None):
        """http.server's own errors (bad request line, too many headers),
        as JSON."""
        self.route_path = getattr(self, "route_path", None)
        self.log_rid = self.log_family = None
        if not hasattr(self, "command"):
            self.command = None
        phrase = message or self.responses.get(code, ("error",))[0]
        self._send(code, {"error": phrase, "field": None}, close=True)

    # reading

    def _read_body(self):
        """The request body, or None after answering (411/400/413)."""
        if self.headers.get("Transfer-Encoding") is not None:
            self._bad("Transfer-Encoding", "send a Content-Length; "
                      "chunked bodies are not accepted", 411, close=True)
            return None
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        if not re.match(r"^[0-9]{1,12}$", raw.strip()):
            self._bad("Content-Length", "Content-Length is not a number",
                      close=True)
            return None
        n = int(raw)
        if n > BODY_MAX:
            self._drain(n)
            self._bad("body", "the body is larger than %d bytes"
                      % BODY_MAX, 413, close=True)
            return None
        body = self.rfile.read(n)
        if len(body) != n:
            self.close_connection = True
            self._finish("-", "short-body")
            return None
        return body

    def _drain(self, n):
        """Reads and drops up to DRAIN_MAX bytes of an oversize body, so
        the client is reading when the 413 comes rather than seeing its
        write reset."""
        if n > DRAIN_MAX:
            return
        try:
            self.connection.settimeout(2)
            while n > 0:
                chunk = self.rfile.read1(min(n, 65536))
                if not chunk:
                    break
                n -= len(chunk)
        except (OSError, socket.timeout):
            pass

    def _authorized(self):
        key = self.server.state.api_key
        if key is None:
            return True
        got = self.headers.get("Authorization", "")
        scheme, _, token = got.partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(token.strip().encode("utf-8"), key)

    def _json_request(self, body, validator):
        """The validated request object, or None after answering."""
        if not self._authorized():
            self._send(401, UNAUTHORIZED, ctype=UNAUTHORIZED_TYPE,
                       headers=unauthorized_headers("idprovider"))
            return None
        ctype = self.headers.get("Content-Type", "")
        if ctype.split(";", 1)[0].strip().lower() != "application/json":
            self._bad("Content-Type", "Content-Type must be "
                      "application/json", 415)
            return None
        req = None
        try:
            req = parse_json(body)
            validator(req, "")
        except BadRequest as e:
            if isinstance(req, dict) and isinstance(req.get("request_id"),
                                                    str):
                self.log_rid = req["request_id"]
            self._bad(e.field, e.message)
            return None
        self.log_rid = req["request_id"]
        idem = self.headers.get("Idempotency-Key")
        if idem is not None and idem != req["request_id"]:
            self._bad("Idempotency-Key", "Idempotency-Key must equal "
                      "request_id")
            return None
        return req

    # dispatch

    def _dispatch(self):
        self.t0 = time.monotonic()
        self.route_path = self.path.split("?", 1)[0]
        self.log_rid = self.log_family = None
        body = self._read_body()
        if body is None:
            return
        route = ROUTES.get(self.route_path)
        if route is None:
            self._bad("path", "no such resource", 404)
            return
        fn = route.get(self.command)
        if fn is None:
            self._send(405, {"error": "method not allowed", "field": None},
                       headers={"Allow": ", ".join(sorted(route))})
            return
        fn(self, body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch

    # endpoints

    def healthz(self, body):
        self._send(200, {"ok": True})

    def stats(self, body):
        self._send(200, self.server.state.stats())

    def release(self, body):
        """POST /release: the answers held by slow:<ms> are sent now, and
        later ones without waiting (a test that has seen what it needed
        while a call was in flight)."""
        self.server.state.released.set()
        self._send(200, {"released": True})

    def identity_check(self, body):
        req = self._json_request(body, IDV_REQUEST)
        if req is None:
            return
        state = self.server.state
        self.log_family = req["family_name"]
        rec = state.find_identity(req)
        n = state.count("idv", req["request_id"], req["family_name"], rec)
        if rec is None:
            answer = {"decision": "fail", "score": 0,
                      "reasons": ["identity_not_found"]}
        elif fold(req["given_name"]) != fold(rec["given_name"]):
            answer = {"decision": "review", "score": 50,
                      "reasons": ["name_mismatch"]}
        else:
            answer = {"decision": rec["decision"], "score": rec["score"],
                      "reasons": list(rec["reasons"])}
        self._answer(req["request_id"], answer,
                     rec["behaviour"] if rec else None, n,
                     {"decision": 7})

    def address_verification(self, body):
        req = self._json_request(body, AVS_REQUEST)
        if req is None:
            return
        state = self.server.state
        card = state.cards.get(req["card_token"])
        n = state.count("avs", req["request_id"], None, card)
        addr = req["address"]
        if req["card_token"] == UNAVAILABLE_TOKEN:
            result = "unavailable"
        elif card is None:
            result = "no_match"
        else:
            result = avs_result(card, addr)
        self._answer(req["request_id"], {"result": result},
                     card["behaviour"] if card else None, n,
                     {"result": 7})

    def _answer(self, request_id, answer, behaviour, count, bad_shape):
        """Sends answer (with request_id first), after applying the
        record's behaviour; count is the record's request count."""
        kind, arg = behaviour or (None, None)
        note = kind if arg is None else "%s:%s" % (kind, arg)
        if self.server.delay > 0:
            self.server.state.enter()
            self.server.stopping.wait(self.server.delay)
            self.server.state.leave()
        if kind == "hang":
            self._finish("hang", note)
            self.server.stopping.wait(HANG_SECONDS)
            self.close_connection = True
            return
        if kind == "slow":
            # ended early by POST /release, or by stop() (which sets it)
            self.server.state.released.wait(arg / 1000.0)
        elif kind == "error":
            self._send(arg, {"error": "simulated error %d" % arg},
                       note=note)
            return
        elif kind == "fail_first" and count <= arg:
            self._send(503, {"error": "simulated outage (%d of %d)"
                             % (count, arg)}, note=note)
            return
        elif kind == "garbage":
            self._send(200, "<html>oops", note=note)
            return
        elif kind == "bad_json":
            self._send(200, bad_shape, note=note)
            return
        elif kind == "wrong_request_id":
            request_id = "wrong_" + request_id
        out = {"request_id": request_id}
        out.update(answer)
        first = answer.get("decision", answer.get("result"))
        self._send(200, out, note=(note + " " if note else "") +
                   "answer=%s" % first)


ROUTES = {
    "/healthz": {"GET": Handler.healthz},
    "/stats": {"GET": Handler.stats},
    "/release": {"POST": Handler.release},
    "/v1/identity-checks": {"POST": Handler.identity_check},
    "/v1/address-verifications": {"POST": Handler.address_verification},
}


class Server(http.server.ThreadingHTTPServer):
    """The providers on one socket: configure() makes one, start() serves
    it on a thread, stop() ends it (and the answers that wait)."""
    daemon_threads = True      # a hanging request never holds up exit
    request_queue_size = 64
    delay = 0.0                # seconds every answer waits (--delay-ms)
    log_out = None             # where log lines go (None: stderr)

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.stopping = threading.Event()  # ends delay, slow and hang
        self.serving = None

    def log(self, line):
        log(line, self.log_out)

    def handle_error(self, request, client_address):
        # No traceback: it could quote request data.
        exc = sys.exc_info()[1]
        self.log("error while handling a request: %s" % type(exc).__name__)

    @property
    def url(self):
        host, port = self.server_address[:2]
        if self.address_family == socket.AF_INET6:
            host = "[%s]" % host
        return "http://%s:%d" % (host, port)

    def start(self):
        self.serving = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.1},
            daemon=True)
        self.serving.start()
        return self

    def stop(self):
        self.stopping.set()  # ends the answers that wait (delay, hang)
        if getattr(self, "state", None) is not None:
            self.state.released.set()  # and slow:<ms>
        if self.serving is not None:
            self.shutdown()
        self.server_close()
        self.log("stopped")


def parse_listen(s):
    """(family, host, port) of HOST:PORT or [V6]:PORT."""
    m = re.match(r"^\[([0-9A-Fa-f:.]+)\]:([0-9]{1,5})$", s) or \
        re.match(r"^([^:\[\]]+):([0-9]{1,5})$", s)
    if m is None or int(m.group(2)) > 65535:
        raise ValueError("--listen must be HOST:PORT or [V6ADDR]:PORT")
    family = socket.AF_INET6 if s.startswith("[") else socket.AF_INET
    return family, m.group(1), int(m.group(2))


def configure(argv=None, log_out=None, environ=None):
    """A Server bound as the command line argv asks (not yet serving), or
    the exit code of a bad one (said on log_out, default stderr).  environ
    (default os.environ) may hold IDPROVIDER_API_KEY."""
    err = log_out or sys.stderr
    environ = os.environ if environ is None else environ
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(
        prog="idprovider.py",
        description="Reference IDV and AVS providers (proofing/PROVIDERS.md)")
    ap.add_argument("--listen", default="127.0.0.1:0",
                    help="HOST:PORT to listen on (port 0: any free port; "
                         "default %(default)s)")
    ap.add_argument("--data", default=os.path.join(here, "identities.json"),
                    help="identities and cards (default: identities.json "
                         "beside this program)")
    ap.add_argument("--api-key", default=None,
                    help="require Authorization: Bearer KEY (default: "
                         "$IDPROVIDER_API_KEY; neither: no key required)")
    ap.add_argument("--delay-ms", type=int, default=0,
                    help="answer every check after this many milliseconds, "
                         "as a real provider's network and work would "
                         "(default 0)")
    try:
        a = ap.parse_args(argv)
    except SystemExit as e:
        return e.code
    if not 0 <= a.delay_ms <= 60000:
        print("idprovider: --delay-ms must be 0 to 60000", file=err)
        return 2
    api_key = a.api_key if a.api_key is not None else \
        environ.get("IDPROVIDER_API_KEY") or None
    try:
        family, host, port = parse_listen(a.listen)
    except ValueError as e:
        print("idprovider: %s" % e, file=err)
        return 2
    try:
        with open(a.data, "rb") as f:
            doc = json.loads(f.read().decode("utf-8"),
                             object_pairs_hook=no_duplicates)
        identities, cards = load_data(doc)
    except (OSError, ValueError, DataError, BadRequest) as e:
        print("idprovider: %s: %s" % (a.data, e), file=err)
        return 2

    cls = type("Server", (Server,), {"address_family": family})
    try:
        httpd = cls((host, port), Handler)
    except OSError as e:
        print("idprovider: cannot listen on %s: %s" % (a.listen, e),
              file=err)
        return 1
    httpd.log_out = log_out
    httpd.state = State(identities, cards, api_key)
    httpd.delay = a.delay_ms / 1000.0
    httpd.log("%d identities, %d cards; API key %s" % (
        len(identities), len(cards),
        "required" if api_key else "NOT required"))
    return httpd


def main(argv=None):
    httpd = configure(argv)
    if not isinstance(httpd, Server):
        return httpd
    # SIGTERM and SIGINT are taken by sigwait() in this thread, blocked
    # everywhere else (the serving threads inherit the mask): a handler
    # that set the stop event could run in this thread inside its wait(),
    # holding the Event's lock, and wait for that lock forever (a provider
    # that would not stop short of SIGKILL, seen once in a CI run).
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    httpd.start()
    print("listening on %s" % httpd.url, flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    httpd.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
