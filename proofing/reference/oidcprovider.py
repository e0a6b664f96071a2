#!/usr/bin/python3
"""The reference OpenID provider (docs/oidc.md): an OpenID Connect
identity provider over real HTTP for development and tests, with test
identities at IAL1 and IAL2, key rotation and scripted faults.

    /usr/bin/python3 proofing/reference/oidcprovider.py \
        --listen 127.0.0.1:0 --client-id rxca \
        (--client-secret SECRET | --client-key PUBLIC.pem) \
        [--alg ES256|RS256|PS256] [--issuer URL]

With --client-key the client authenticates with private_key_jwt (OpenID
Connect Core 9, RFC 7523) under that public key (EC P-256: ES256; RSA:
RS256 or PS256), and only so: the assertion's signature, iss and sub (the
client id), aud (the token endpoint or the issuer), exp (in the future,
at most 300 s ahead), iat (not in the future) and jti (never seen before)
are checked.

Prints "listening on http://HOST:PORT" on stdout once bound (the issuer is
that URL unless --issuer says otherwise); logs one line per request on
stderr (never a code, token or secret); stops on SIGTERM or SIGINT with
exit code 0.  Python 3 standard library and python3-cryptography from
Debian only.  A development and test tool: not for production identities.

Endpoints:
  GET  /.well-known/openid-configuration   discovery
  GET  /jwks                                the key set
  GET  /authorize?...&login_hint=<identity>  authorization code flow with
       PKCE (S256 only); without login_hint, a page that lists the test
       identities as links (the "log-in" of a real provider)
  POST /token                               code -> ID token, access token
       (client_secret_basic or client_secret_post, or private_key_jwt)
  GET  /userinfo                            Bearer access token -> claims
  POST /control  {"fault": NAME} | {"rotate": "keep"|"drop"} |
       {"client_key": PEM}  (registers another client public key)
       NAME: none, bad_signature, wrong_aud, wrong_iss, expired,
       nonce_mismatch, alg_none, hs256, unknown_kid, slow:<ms>, down
       (down: every other endpoint answers 503)
  GET  /control                             the state, request counts, the
       claims of the last client assertion taken and the refusals
"""
import argparse
import base64
import hashlib
import hmac
import html
import http.server
import json
import secrets
import signal
import socket
import sys
import threading
import time
import urllib.parse

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import \
    decode_dss_signature, encode_dss_signature

BODY_MAX = 16 * 1024
CODE_LIFE = 60          # seconds an authorization code lives
TOKEN_LIFE = 300        # seconds an ID token lives
ASSERTION_LIFE = 300    # seconds ahead a client assertion's exp may be
ASSERTION_SKEW = 30     # seconds of clock skew allowed for its iat
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
FAULTS = ("none", "bad_signature", "wrong_aud", "wrong_iss", "expired",
          "nonce_mismatch", "alg_none", "hs256", "unknown_kid", "down")

ADA = {"given_name": "Ada", "family_name": "Lovelace",
       "birthdate": "1975-12-10",
       "address": {"street_address": "1 Main St",
                   "locality": "Indianapolis", "region": "IN",
                   "postal_code": "46204", "country": "US"}}
GRACE = {"given_name": "Grace", "family_name": "Hopper",
         "birthdate": "1966-12-09",
         "address": {"street_address": "2 Navy Way",
                     "locality": "Arlington", "region": "VA",
                     "postal_code": "22202", "country": "US"}}
ADA_MOVED = dict(ADA, address=dict(ADA["address"],
                                   street_address="9 Elm St"))

# The test identities: the claims, the assurance level, and where the
# claims go ("verified": OIDC4IA verified_claims in the ID token;
# "id_token": plain claims in the ID token; "userinfo": only there).
IDENTITIES = {
    "ada-ial2": {"claims": ADA, "acr": "IAL2", "where": "verified"},
    "ada-ial1": {"claims": ADA, "acr": "IAL1", "where": "id_token"},
    "ada-userinfo": {"claims": ADA, "acr": "IAL2", "where": "userinfo"},
    "ada-moved": {"claims": ADA_MOVED, "acr": "IAL2", "where": "verified"},
    "grace-ial2": {"claims": GRACE, "acr": "IAL2", "where": "verified"},
}

STOP = threading.Event()


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_decode(s):
    if not isinstance(s, str) or len(s) % 4 == 1 or \
            not all(c.isalnum() or c in "-_" for c in s):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def public_key(pem):
    """The public key of a PEM public or private key (EC P-256 or RSA)."""
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        key = serialization.load_pem_private_key(pem, None).public_key()
    if isinstance(key, ec.EllipticCurvePublicKey) and \
            isinstance(key.curve, ec.SECP256R1):
        return key
    if isinstance(key, rsa.RSAPublicKey) and key.key_size >= 2048:
        return key
    raise ValueError("neither an EC P-256 nor an RSA key")


def jws_verify(key, alg, signing_input, sig):
    """True if sig over signing_input verifies under key with alg."""
    try:
        if alg == "ES256" and isinstance(key, ec.EllipticCurvePublicKey):
            if len(sig) != 64:
                return False
            der = encode_dss_signature(int.from_bytes(sig[:32], "big"),
                                       int.from_bytes(sig[32:], "big"))
            key.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
        elif alg == "RS256" and isinstance(key, rsa.RSAPublicKey):
            key.verify(sig, signing_input, padding.PKCS1v15(),
                       hashes.SHA256())
        elif alg == "PS256" and isinstance(key, rsa.RSAPublicKey):
            key.verify(sig, signing_input, padding.PSS(
                padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
        else:
            return False
    except InvalidSignature:
        return False
    return True


def int_b64u(n, size=None):
    size = size or (n.bit_length() + 7) // 8
    return b64u(n.to_bytes(size, "big"))


class Key:
    """One signing key of the provider."""

    def __init__(self, alg):
        self.alg = alg
        self.kid = "k-" + secrets.token_hex(6)
        if alg == "ES256":
            self.priv = ec.generate_private_key(ec.SECP256R1())
            n = self.priv.public_key().public_numbers()
            self.jwk = {"kty": "EC", "crv": "P-256", "use": "sig",
                        "alg": alg, "kid": self.kid,
                        "x": int_b64u(n.x, 32), "y": int_b64u(n.y, 32)}
        else:
            self.priv = rsa.generate_private_key(65537, 2048)
            n = self.priv.public_key().public_numbers()
            self.jwk = {"kty": "RSA", "use": "sig", "alg": alg,
                        "kid": self.kid, "n": int_b64u(n.n),
                        "e": int_b64u(n.e)}

    def sign(self, data):
        if self.alg == "ES256":
            r, s = decode_dss_signature(
                self.priv.sign(data, ec.ECDSA(hashes.SHA256())))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")
        if self.alg == "RS256":
            return self.priv.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return self.priv.sign(data, padding.PSS(
            padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())


class Provider:
    """The provider's state, shared by the request threads."""

    def __init__(self, args):
        self.lock = threading.Lock()
        self.alg = args.alg
        self.client_id = args.client_id
        self.client_secret = args.client_secret
        self.client_key = public_key(args.client_key) \
            if args.client_key else None
        self.jtis = {}                  # client assertion jti -> exp
        self.last_assertion = None      # claims of the last one taken
        self.refusals = {}              # why an assertion was refused
        self.issuer = args.issuer
        self.keys = [Key(self.alg)]     # the last one signs
        self.fault = "none"
        self.slow_ms = 0
        self.codes = {}                 # code -> grant
        self.access = {}                # access token -> identity
        self.counts = {}                # endpoint -> requests

    def jws(self, header, claims, key):
        si = b64u(json.dumps(header).encode()) + "." + \
            b64u(json.dumps(claims).encode())
        return si + "." + b64u(key.sign(si.encode()))

    def id_token(self, grant):
        """The ID token of grant, with the scripted fault applied."""
        ident = IDENTITIES[grant["identity"]]
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": grant["identity"],
                  "aud": self.client_id, "iat": now,
                  "exp": now + TOKEN_LIFE, "nonce": grant["nonce"],
                  "acr": ident["acr"], "auth_time": now}
        if ident["where"] == "verified":
            claims["verified_claims"] = {
                "verification": {"trust_framework": "nist_800_63A",
                                 "assurance_level": ident["acr"]},
                "claims": ident["claims"]}
        elif ident["where"] == "id_token":
            claims.update(ident["claims"])
        fault = self.fault
        if fault == "wrong_aud":
            claims["aud"] = "someone-else"
        elif fault == "wrong_iss":
            claims["iss"] = self.issuer + "/other"
        elif fault == "expired":
            claims["iat"] = now - 2 * 3600
            claims["exp"] = now - 3600
        elif fault == "nonce_mismatch":
            claims["nonce"] = grant["nonce"] + "x"
        key = self.keys[-1]
        header = {"alg": self.alg, "kid": key.kid, "typ": "JWT"}
        if fault == "alg_none":
            header = {"alg": "none", "kid": key.kid}
            return b64u(json.dumps(header).encode()) + "." + \
                b64u(json.dumps(claims).encode()) + "."
        if fault == "hs256":
            header = {"alg": "HS256", "kid": key.kid}
            si = b64u(json.dumps(header).encode()) + "." + \
                b64u(json.dumps(claims).encode())
            mac = hmac.new(json.dumps(key.jwk).encode(), si.encode(),
                           hashlib.sha256).digest()
            return si + "." + b64u(mac)
        if fault == "unknown_kid":
            return self.jws(dict(header, kid="k-unknown"), claims,
                            Key(self.alg))
        if fault == "bad_signature":
            return self.jws(header, claims, Key(self.alg))
        return self.jws(header, claims, key)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "oidcprovider"

    def log_message(self, fmt, *args):
        path = self.path.split("?", 1)[0]
        sys.stderr.write("oidcprovider: %s %s %s\n" % (
            self.command, path, args[1] if len(args) > 1 else ""))

    @property
    def op(self):
        return self.server.op

    def reply(self, status, body, ctype="application/json", headers=None):
        data = body if isinstance(body, bytes) else \
            (json.dumps(body) if ctype == "application/json"
             else body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, desc):
        self.reply(status, {"error": code, "error_description": desc})

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n > BODY_MAX:
            raise ValueError("body too large")
        return self.rfile.read(n)

    def gate(self, name):
        """Counts the request; applies slow and down.  False if answered."""
        op = self.op
        with op.lock:
            op.counts[name] = op.counts.get(name, 0) + 1
            slow, down = op.slow_ms, op.fault == "down"
        if slow:
            time.sleep(slow / 1000.0)
        if down:
            self.error(503, "temporarily_unavailable", "provider down")
            return False
        return True

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/control":
            op = self.op
            with op.lock:
                self.reply(200, {"fault": op.fault, "slow_ms": op.slow_ms,
                                 "kids": [k.kid for k in op.keys],
                                 "counts": op.counts,
                                 "last_assertion": op.last_assertion,
                                 "refusals": op.refusals})
            return
        routes = {"/.well-known/openid-configuration": self.discovery,
                  "/jwks": self.jwks, "/authorize": self.authorize,
                  "/userinfo": self.userinfo}
        fn = routes.get(url.path)
        if fn is None:
            self.error(404, "not_found", "no such endpoint")
            return
        if self.gate(url.path.strip("/").split("/")[-1]):
            fn(q)

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        try:
            raw = self.body()
        except ValueError:
            self.error(413, "invalid_request", "body too large")
            return
        if url.path == "/control":
            self.control(raw)
        elif url.path == "/token":
            if self.gate("token"):
                self.token(raw)
        else:
            self.error(404, "not_found", "no such endpoint")

    def discovery(self, q):
        iss = self.op.issuer
        self.reply(200, {
            "issuer": iss,
            "authorization_endpoint": iss + "/authorize",
            "token_endpoint": iss + "/token",
            "userinfo_endpoint": iss + "/userinfo",
            "jwks_uri": iss + "/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [self.op.alg],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported":
                ["private_key_jwt"] if self.op.client_key else
                ["client_secret_basic", "client_secret_post"],
            "token_endpoint_auth_signing_alg_values_supported":
                ["ES256", "RS256", "PS256"],
            "acr_values_supported": ["IAL1", "IAL2"],
            "claims_parameter_supported": True,
            "verified_claims_supported": True,
            "trust_frameworks_supported": ["nist_800_63A"],
            "scopes_supported": ["openid", "profile", "address"]})

    def jwks(self, q):
        with self.op.lock:
            self.reply(200, {"keys": [k.jwk for k in self.op.keys]})

    def authorize(self, q):
        need = ("response_type", "client_id", "redirect_uri", "scope",
                "state", "nonce", "code_challenge",
                "code_challenge_method")
        missing = [k for k in need if not q.get(k)]
        if missing:
            self.error(400, "invalid_request", "missing " + missing[0])
            return
        if q["client_id"] != self.op.client_id or \
                q["response_type"] != "code" or \
                "openid" not in q["scope"].split() or \
                q["code_challenge_method"] != "S256":
            self.error(400, "invalid_request", "bad authorization request")
            return
        hint = q.get("login_hint")
        if hint is None:
            items = "".join(
                '<li><a href="/authorize?%s">%s</a> (%s)</li>' % (
                    html.escape(urllib.parse.urlencode(
                        dict(q, login_hint=name))),
                    html.escape(name), IDENTITIES[name]["acr"])
                for name in sorted(IDENTITIES))
            self.reply(200, "<!doctype html><title>Reference OpenID "
                       "provider</title><h1>Sign in as</h1><ul>%s</ul>"
                       % items, ctype="text/html; charset=utf-8")
            return
        sep = "&" if "?" in q["redirect_uri"] else "?"
        if hint not in IDENTITIES:
            loc = q["redirect_uri"] + sep + urllib.parse.urlencode(
                {"error": "access_denied", "state": q["state"]})
            self.reply(302, b"", headers={"Location": loc})
            return
        code = secrets.token_urlsafe(24)
        with self.op.lock:
            self.op.codes[code] = {
                "identity": hint, "nonce": q["nonce"],
                "redirect_uri": q["redirect_uri"],
                "challenge": q["code_challenge"],
                "expires": time.time() + CODE_LIFE}
        loc = q["redirect_uri"] + sep + urllib.parse.urlencode(
            {"code": code, "state": q["state"]})
        self.reply(302, b"", headers={"Location": loc})

    def client_ok(self, form):
        if self.op.client_key is not None:
            why = self.assertion_refused(form)
            if why is None:
                return True
            with self.op.lock:
                self.op.refusals[why] = self.op.refusals.get(why, 0) + 1
            sys.stderr.write("oidcprovider: client assertion refused: "
                             "%s\n" % why)
            return False
        auth = self.headers.get("Authorization", "")
        cid = secret = None
        if auth.startswith("Basic "):
            try:
                dec = base64.b64decode(auth[6:], validate=True).decode()
                cid, secret = [urllib.parse.unquote_plus(x)
                               for x in dec.split(":", 1)]
            except (ValueError, UnicodeDecodeError):
                return False
        else:
            cid = form.get("client_id")
            secret = form.get("client_secret")
        return cid == self.op.client_id and secret is not None and \
            hmac.compare_digest(secret, self.op.client_secret)

    def assertion_refused(self, form):
        """None if the form's private_key_jwt client assertion is good,
        else why not (a short name)."""
        op = self.op
        if self.headers.get("Authorization") or "client_secret" in form:
            return "other_method"
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            return "assertion_type"
        if form.get("client_id", op.client_id) != op.client_id:
            return "client_id"
        parts = form.get("client_assertion", "").split(".")
        try:
            if len(parts) != 3:
                raise ValueError("not a compact JWS")
            header = json.loads(b64u_decode(parts[0]))
            claims = json.loads(b64u_decode(parts[1]))
            sig = b64u_decode(parts[2])
            if not isinstance(header, dict) or \
                    not isinstance(claims, dict):
                raise ValueError("not objects")
        except ValueError:
            return "malformed"
        with op.lock:
            key = op.client_key
        if not jws_verify(key, header.get("alg"),
                          (parts[0] + "." + parts[1]).encode(), sig):
            return "signature"
        if claims.get("iss") != op.client_id or \
                claims.get("sub") != op.client_id:
            return "issuer"
        aud = claims.get("aud")
        auds = aud if isinstance(aud, list) else [aud]
        if not (op.issuer + "/token" in auds or op.issuer in auds):
            return "audience"
        now = time.time()
        exp, iat, jti = claims.get("exp"), claims.get("iat"), \
            claims.get("jti")
        if not isinstance(exp, int) or exp <= now:
            return "expired"
        if exp > now + ASSERTION_LIFE:
            return "lifetime"
        if iat is not None and (not isinstance(iat, int) or
                                iat > now + ASSERTION_SKEW):
            return "issued_at"
        if not isinstance(jti, str) or not jti:
            return "jti"
        with op.lock:
            op.jtis = {j: e for j, e in op.jtis.items() if e > now}
            if jti in op.jtis:
                return "replayed"
            op.jtis[jti] = exp
            op.last_assertion = {"header": header, "claims": claims}
        return None

    def token(self, raw):
        try:
            form = dict(urllib.parse.parse_qsl(raw.decode(),
                                               strict_parsing=True))
        except (ValueError, UnicodeDecodeError):
            self.error(400, "invalid_request", "bad form")
            return
        if not self.client_ok(form):
            self.error(401, "invalid_client", "client authentication")
            return
        if form.get("grant_type") != "authorization_code":
            self.error(400, "unsupported_grant_type", "code only")
            return
        op = self.op
        with op.lock:
            grant = op.codes.pop(form.get("code", ""), None)
        if grant is None or grant["expires"] < time.time() or \
                form.get("redirect_uri") != grant["redirect_uri"]:
            self.error(400, "invalid_grant", "unknown, used or expired "
                       "code, or another redirect_uri")
            return
        verifier = form.get("code_verifier", "")
        if b64u(hashlib.sha256(verifier.encode()).digest()) != \
                grant["challenge"]:
            self.error(400, "invalid_grant", "PKCE verification failed")
            return
        access = secrets.token_urlsafe(24)
        with op.lock:
            op.access[access] = grant["identity"]
            token = op.id_token(grant)
        self.reply(200, {"access_token": access, "token_type": "Bearer",
                         "expires_in": TOKEN_LIFE, "id_token": token})

    def userinfo(self, q):
        auth = self.headers.get("Authorization", "")
        with self.op.lock:
            ident = self.op.access.get(auth[7:]) \
                if auth.startswith("Bearer ") else None
        if ident is None:
            self.reply(401, {"error": "invalid_token"},
                       headers={"WWW-Authenticate": "Bearer"})
            return
        out = {"sub": ident}
        out.update(IDENTITIES[ident]["claims"])
        self.reply(200, out)

    def control(self, raw):
        try:
            req = json.loads(raw)
        except ValueError:
            self.error(400, "invalid_request", "not JSON")
            return
        op = self.op
        pem = req.get("client_key") if isinstance(req, dict) else None
        if pem is not None:
            try:
                key = public_key(pem.encode())
            except (ValueError, TypeError, AttributeError):
                self.error(400, "invalid_request", "client_key: not a key")
                return
            with op.lock:
                op.client_key = key
            self.reply(200, {"client_key": "registered"})
            return
        with op.lock:
            fault = req.get("fault") if isinstance(req, dict) else None
            rotate = req.get("rotate") if isinstance(req, dict) else None
            if isinstance(fault, str) and fault.startswith("slow:") and \
                    fault[5:].isdigit():
                op.slow_ms = int(fault[5:])
            elif fault in FAULTS:
                op.fault = fault
                op.slow_ms = 0
            elif rotate in ("keep", "drop"):
                op.keys = ([op.keys[-1]] if rotate == "keep" else []) + \
                    [Key(op.alg)]
            else:
                self.error(400, "invalid_request", "fault or rotate")
                return
            self.reply(200, {"fault": op.fault, "slow_ms": op.slow_ms,
                             "kids": [k.kid for k in op.keys]})


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listen", default="127.0.0.1:0")
    ap.add_argument("--client-id", default="rxca")
    ap.add_argument("--client-secret", default="rxca-dev-secret")
    ap.add_argument("--client-key", type=argparse.FileType("rb"),
                    help="the client's public key (PEM): private_key_jwt")
    ap.add_argument("--alg", default="ES256",
                    choices=("ES256", "RS256", "PS256"))
    ap.add_argument("--issuer", default=None)
    args = ap.parse_args(argv)
    if args.client_key is not None:
        with args.client_key as f:
            args.client_key = f.read()
    host, _, port = args.listen.rpartition(":")
    srv = Server((host or "127.0.0.1", int(port)), Handler)
    bound = srv.server_address[1]
    shown = host if host not in ("", "0.0.0.0") else "127.0.0.1"
    args.issuer = args.issuer or "http://%s:%d" % (shown, bound)
    srv.op = Provider(args)

    def stop(signum, frame):
        STOP.set()
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("listening on http://%s:%d" % (shown, bound), flush=True)
    try:
        srv.serve_forever(poll_interval=0.2)
    except (KeyboardInterrupt, socket.error):
        pass
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
