"""A real RFC 3161 time-stamp authority for tests: `openssl ts -reply`
behind a tiny HTTP server on loopback, with its own test CA and TSA
certificate (extendedKeyUsage critical timeStamping).  Its clock can be
moved (`offset`, seconds) by running openssl under faketime, as the
server's clock is moved by RXCA_CLOCK_FILE."""
import http.server
import os
import subprocess
import threading

CONF = """\
[ tsa ]
default_tsa = tsa_config1

[ tsa_config1 ]
dir = %(dir)s
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/tsaca.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.59999.9.1
digests = sha256, sha384, sha512
accuracy = secs:1
clock_precision_digits = 0
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""

QUERY_MAX = 64 * 1024


def _run(*argv):
    r = subprocess.run(list(argv), capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode()
    return r


class Tsa:
    """The TSA on 127.0.0.1 at .url; .ca is its CA certificate (PEM)."""

    def __init__(self, d):
        self.dir = d
        self.offset = 0
        self.requests = 0
        os.makedirs(d, exist_ok=True)
        p = lambda n: os.path.join(d, n)
        self.ca = p("tsaca.pem")
        _run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:P-256", "-nodes", "-keyout", p("tsaca.key"),
             "-out", self.ca, "-days", "3650", "-subj",
             "/C=US/O=Test Time/CN=Test TSA Root",
             "-addext", "basicConstraints=critical,CA:true",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        _run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:P-256", "-nodes", "-keyout", p("tsa.key"),
             "-out", p("tsa.csr"), "-subj",
             "/C=US/O=Test Time/CN=Test TSA")
        with open(p("tsa.ext"), "w") as f:
            f.write("basicConstraints=critical,CA:false\n"
                    "keyUsage=critical,digitalSignature\n"
                    "extendedKeyUsage=critical,timeStamping\n"
                    "subjectKeyIdentifier=hash\n"
                    "authorityKeyIdentifier=keyid\n")
        _run("openssl", "x509", "-req", "-in", p("tsa.csr"), "-CA", self.ca,
             "-CAkey", p("tsaca.key"), "-CAcreateserial", "-days", "3650",
             "-extfile", p("tsa.ext"), "-out", p("tsa.pem"))
        with open(p("serial"), "w") as f:
            f.write("01\n")
        self.conf = p("ts.cnf")
        with open(self.conf, "w") as f:
            f.write(CONF % {"dir": d})
        tsa = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                if (n <= 0 or n > QUERY_MAX or
                        self.headers.get("Content-Type") !=
                        "application/timestamp-query"):
                    self.send_error(400)
                    return
                body = self.rfile.read(n)
                self.send_reply(tsa.reply(body))

            def send_reply(self, der):
                if der is None:
                    self.send_error(500)
                    return
                self.send_response(200)
                self.send_header("Content-Type",
                                 "application/timestamp-reply")
                self.send_header("Content-Length", str(len(der)))
                self.end_headers()
                self.wfile.write(der)

            def log_message(self, *args):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/tsa" % self.httpd.server_port
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    def reply(self, query):
        self.requests += 1
        q = os.path.join(self.dir, "query.tsq")
        r = os.path.join(self.dir, "reply.tsr")
        with open(q, "wb") as f:
            f.write(query)
        argv = ["openssl", "ts", "-reply", "-config", self.conf,
                "-queryfile", q, "-out", r]
        if self.offset:
            argv = ["faketime", "-f", "%+ds" % self.offset] + argv
        res = subprocess.run(argv, capture_output=True, timeout=60)
        if res.returncode != 0:
            return None
        with open(r, "rb") as f:
            return f.read()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
