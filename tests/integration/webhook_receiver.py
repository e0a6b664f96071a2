"""A real HTTP webhook receiver for the tests: records every POST (headers
and raw body) and counts every connection, and can be taken down (its port
closed) and brought back on the same port."""
import hashlib
import hmac
import http.server
import json
import threading
import time


def verify_signature(secret, header, body, tolerance=300):
    """A receiver's check of Rxca-Signature: t=<unix>,v1=<hex>, with a
    second v1 during a secret rotation (either may match)."""
    parts = [p.split("=", 1) for p in header.split(",")]
    t = int(dict(parts)["t"])
    want = hmac.new(secret.encode(), b"%d." % t + body,
                    hashlib.sha256).hexdigest()
    ok = False
    for k, v in parts:
        if k == "v1":
            ok |= hmac.compare_digest(want, v)
    return ok, t


class Receiver:
    def __init__(self, status=200, fail=None):
        self.events = []          # (headers, raw body, received at)
        self.fail = fail          # fail(parsed body): answer 500 instead
        self.ok = []              # (headers, raw body, at) answered 2xx
        self.lock = threading.Lock()
        self.status = status
        self.port = None
        self.httpd = None
        self.connections = 0      # TCP connections accepted, requests or not

    def start(self):
        rec = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                with rec.lock:
                    rec.events.append(({k.lower(): v for k, v in
                                        self.headers.items()}, body,
                                       time.time()))
                status = rec.status
                if rec.fail is not None and rec.fail(json.loads(body)):
                    status = 500
                if 200 <= status < 300:
                    with rec.lock:
                        rec.ok.append(({k.lower(): v for k, v in
                                        self.headers.items()}, body,
                                       time.time()))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            allow_reuse_address = True

            def verify_request(self, request, client_address):
                with rec.lock:
                    rec.connections += 1
                return True

        self.httpd = Server(("127.0.0.1", self.port or 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever,
                         daemon=True).start()
        return self

    def stop(self):
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    @property
    def url(self):
        return "http://127.0.0.1:%d/hook" % self.port

    def received(self):
        with self.lock:
            return [(h, b, t) for h, b, t in self.events]

    def accepted(self):
        """The bodies answered 2xx, parsed, with the time they came."""
        with self.lock:
            return [(json.loads(b), t) for _, b, t in self.ok]

    def bodies(self):
        return [json.loads(b) for _, b, _ in self.received()]
