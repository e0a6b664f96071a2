"""HTTPS for the integration tests: the development PKI that
`rxca-admin tls init` makes, the settings that give rxca-server an HTTPS
listener, and requests over TLS (with or without a client certificate).
"""
import hashlib
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import time
import warnings

import harness


def operator_server(fx, env, operators=harness.STAFF):
    """A server started by fx (a test or a harness.ClassFixtures) with
    settings env and HTTPS for operators (tls_init), on a database that
    comes with operators, their certificates and keys in fx.tmp/operators:
    (server, tls with its "port", that directory)."""
    tls = tls_init(fx.tmp)
    env = dict(env)
    env.update(tls["env"])
    certs = os.path.join(fx.tmp, "operators")
    os.mkdir(certs)
    db = fx.start_db(operators=operators, env=tls["env"], out=certs)
    srv = fx.start_server(db=db, env=env)
    tls["port"] = srv.tls_port
    return srv, tls, certs


def tls_init(workdir, hosts=(), once=True):
    """Runs `rxca-admin tls init <workdir>/tls [hosts]`.  Returns a dict:
    dir, ca, ca_key, cert, key (paths), port (a free port for HTTPS), env
    (RXCA_TLS_LISTEN=127.0.0.1:<port>, RXCA_TLS_CERT, RXCA_TLS_KEY,
    RXCA_OPERATOR_CA, RXCA_OPERATOR_CA_KEY) and the command's stdout and
    stderr.  With once, no hosts and no <workdir>/tls yet, the files are
    a copy of those the command made once in this run (tls_template),
    and stdout names the copies: what the command would have printed."""
    d = os.path.join(workdir, "tls")
    if once and not hosts and not os.path.exists(d):
        src, out, err = tls_template()
        shutil.copytree(src, d)
        return tls_result(d, out.replace(src, d), err)
    with harness.counted("rxca-admin tls init"):
        r = subprocess.run([harness.binary("rxca-admin"), "tls", "init", d]
                           + list(hosts), env=harness.clean_env(),
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("rxca-admin tls init failed (%d):\n%s%s"
                             % (r.returncode, r.stdout, r.stderr))
    return tls_result(d, r.stdout, r.stderr)


def tls_template():
    """(directory, stdout, stderr) of `rxca-admin tls init` run once per
    hour for this rxca-admin, in test-cache/tls-<digest>/ (CTest runs the
    tests in parallel: under a lock)."""
    st = os.stat(harness.binary("rxca-admin"))
    key = hashlib.sha256(repr((st.st_size, st.st_mtime_ns,
                               int(time.time() // 3600))).encode())
    top = os.path.join(harness.cache_dir(), "tls-" + key.hexdigest()[:16])
    d = os.path.join(top, "tls")
    with harness.cache_lock("tls"):
        if not os.path.exists(os.path.join(top, "done")):
            shutil.rmtree(top, True)
            os.mkdir(top)
            with harness.counted("rxca-admin tls init (template)"):
                r = subprocess.run([harness.binary("rxca-admin"), "tls",
                                    "init", d], env=harness.clean_env(),
                                   stdin=subprocess.DEVNULL,
                                   capture_output=True, text=True,
                                   timeout=60)
            if r.returncode != 0:
                raise AssertionError("rxca-admin tls init failed (%d):\n"
                                     "%s%s" % (r.returncode, r.stdout,
                                               r.stderr))
            for name, text in (("stdout", r.stdout), ("stderr", r.stderr),
                               ("done", "")):
                with open(os.path.join(top, name), "w") as f:
                    f.write(text)
    with open(os.path.join(top, "stdout")) as f:
        out = f.read()
    with open(os.path.join(top, "stderr")) as f:
        err = f.read()
    return d, out, err


def tls_result(d, stdout, stderr):
    """tls_init's dict for directory d, from what the command printed."""
    exports = {}
    for line in stdout.splitlines():
        if line.startswith("export ") and "=" in line:
            k, v = line[len("export "):].split("=", 1)
            exports[k] = v
    for k in ("RXCA_TLS_CERT", "RXCA_TLS_KEY", "RXCA_OPERATOR_CA",
              "RXCA_OPERATOR_CA_KEY"):
        if k not in exports:
            raise AssertionError("tls init printed no %s:\n%s"
                                 % (k, stdout))
    port = harness.free_port()
    env = dict(exports)
    env["RXCA_TLS_LISTEN"] = "127.0.0.1:%d" % port
    return {
        "dir": d,
        "ca": exports["RXCA_OPERATOR_CA"],
        "ca_key": exports["RXCA_OPERATOR_CA_KEY"],
        "cert": exports["RXCA_TLS_CERT"],
        "key": exports["RXCA_TLS_KEY"],
        "port": port,
        "env": env,
        "stdout": stdout,
        "stderr": stderr,
    }


def client_context(cafile, cert=None, key=None, minimum=None, maximum=None):
    """A client SSLContext trusting cafile (hostname checked), presenting
    cert/key if given, limited to TLS versions [minimum, maximum]
    (ssl.TLSVersion).  Versions below 1.2 need security level 0 on the
    client side, so that it is the server that refuses them."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile)
    if cert is not None:
        ctx.load_cert_chain(cert, key)
    with warnings.catch_warnings():
        # old versions are deprecated: that is what is being tested
        warnings.simplefilter("ignore", DeprecationWarning)
        if maximum is not None and maximum < ssl.TLSVersion.TLSv1_2:
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
            ctx.minimum_version = ssl.TLSVersion.TLSv1
        if minimum is not None:
            ctx.minimum_version = minimum
        if maximum is not None:
            ctx.maximum_version = maximum
    return ctx


def connect(port, context, host="127.0.0.1", timeout=10):
    """A TLS connection to host:port, handshake done; caller closes."""
    raw = socket.create_connection((host, port), timeout=timeout)
    try:
        return context.wrap_socket(raw, server_hostname=host)
    except BaseException:
        raw.close()
        raise


def https(port, method, path, body=None, headers=None, cert=None, key=None,
          cafile=None, context=None, timeout=30, host="127.0.0.1"):
    """One request over HTTPS on a fresh connection, trusting cafile (or
    with context), presenting cert/key if given.  body is sent as JSON.
    Returns (status, {lower-case header: value}, JSON or bytes)."""
    if context is None:
        if cafile is None:
            raise ValueError("https() needs cafile or context")
        context = client_context(cafile, cert, key)
    h = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    conn = http.client.HTTPSConnection(host, port, timeout=timeout,
                                       context=context)
    try:
        conn.request(method, path, body=data, headers=h)
        resp = conn.getresponse()
        payload = resp.read()
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
        status = resp.status
    finally:
        conn.close()
    if "json" in hdrs.get("content-type", "") and payload:
        try:
            payload = json.loads(payload)
        except ValueError:
            pass
    return status, hdrs, payload


def openssl(*args, cwd=None):
    """Runs the openssl command line; returns its stdout (text)."""
    r = subprocess.run(["openssl"] + list(args), cwd=cwd,
                       stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("openssl %s failed (%d): %s"
                             % (" ".join(args), r.returncode, r.stderr))
    return r.stdout


def sha256_fingerprint(path):
    """`openssl x509 -fingerprint -sha256` of a PEM certificate, as lower
    case hex without colons."""
    out = openssl("x509", "-in", path, "-noout", "-fingerprint", "-sha256")
    return out.strip().split("=", 1)[1].replace(":", "").lower()
