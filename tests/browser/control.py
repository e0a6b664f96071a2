"""What people other than the doctor do during a browser walk (the mail
read from the SMTP sink, operators at work, the server's clock moved),
asked for by the walk over a small HTTP service on 127.0.0.1: each
GET or POST /<name>?<query> calls routes[name](query) and answers its
dict as JSON (500 {"error"} when it raises, so the walk fails with the
reason).  Stopped by the test's cleanup."""
import http.server
import json
import re
import threading
import time
import urllib.parse

import harness

LINK_RE = re.compile(r"(https?://\S+/verify-email\?application=(app_\w+)"
                     r"&code=([0-9A-Z-]+))")


def mail_link(test, email, pattern=LINK_RE):
    """{"link"}: the first match of pattern in the next mail to email."""
    deadline = time.monotonic() + 20
    while True:
        msg = test.srv.sink.wait_for(
            email, max(0.1, deadline - time.monotonic()))
        m = pattern.search(harness.mail_text(msg))
        if m or time.monotonic() >= deadline:
            test.assertIsNotNone(m, harness.mail_text(msg))
            return {"link": m.group(1)}


def serve(test, routes):
    """Starts the service for test (a harness.TestCase); returns its
    URL."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            self.do_POST()

        def do_POST(self):
            u = urllib.parse.urlparse(self.path)
            q = {k: v[0] for k, v in
                 urllib.parse.parse_qs(u.query).items()}
            try:
                out, status = routes[u.path.lstrip("/")](q), 200
            except BaseException as e:  # reported to the walk
                out, status = {"error": repr(e)}, 500
            data = json.dumps(out).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=httpd.serve_forever,
                         kwargs={"poll_interval": 0.1}, daemon=True)
    t.start()
    test.addCleanup(httpd.server_close)
    test.addCleanup(httpd.shutdown)
    return "http://127.0.0.1:%d" % httpd.server_address[1]
