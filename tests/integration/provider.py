"""The reference identity providers (proofing/reference/idprovider.py) on
loopback, for the integration tests: real HTTP, served from a thread of the
test process (the default), or as the program itself in a process of its
own, stopped by its own PID (process=True: test_refprovider, which tests
the program).  A process per test cost ~0.16 CPU-s and 0.2 s at each of a
run's ~200 starts, nearly all of it Python starting.

    prov = provider.start_provider(self)      # in a harness.TestCase
    srv = self.start_server(env=prov.env())
    ...
    self.assertEqual(prov.stats()["idv"], 1)
"""
import http.client
import json
import os
import secrets
import signal
import subprocess
import threading

import sys

from harness import PYTHON, SOURCE_DIR, clean_env, count, popen

sys.path.insert(0, os.path.join(SOURCE_DIR, "proofing", "reference"))
import idprovider  # noqa: E402  (proofing/reference)

PROGRAM = os.path.join(SOURCE_DIR, "proofing", "reference", "idprovider.py")
DEFAULT_DATA = os.path.join(SOURCE_DIR, "proofing", "reference",
                            "identities.json")
READY = "listening on http://"


class ReferenceProvider:
    """idprovider.py on 127.0.0.1.  data: None (the default data file), a
    path, or a dict written to workdir as JSON.  api_key: the bearer key
    it requires (None: none).  The first start() binds a free port (port
    0, so no race with other tests); a later start() after stop() reuses
    that port, so the URL the server was given stays valid.  process: the
    program in a process of its own, not a thread of ours."""

    def __init__(self, workdir, data=None, api_key="test-key", port=0,
                 args=(), process=False):
        self.workdir = workdir
        self.process = process
        self.httpd = None
        self.args = list(args)
        self.api_key = api_key
        self.port = port
        self.proc = None
        self.exit_code = None
        self.stdout_lines = []
        if isinstance(data, dict):
            path = os.path.join(workdir, "identities-%s.json"
                                % secrets.token_hex(3))
            with open(path, "w") as f:
                json.dump(data, f, indent=1)
            data = path
        self.data = data or DEFAULT_DATA
        self.stderr_path = os.path.join(workdir, "idprovider-%s.stderr"
                                        % secrets.token_hex(3))

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def env(self):
        """The rxca-server settings that point both providers here."""
        key = self.api_key or ""
        return {"RXCA_IDV_URL": self.url, "RXCA_IDV_API_KEY": key,
                "RXCA_AVS_URL": self.url, "RXCA_AVS_API_KEY": key}

    def argv(self):
        return ["--listen", "127.0.0.1:%d" % self.port,
                "--data", self.data] + self.args

    def start(self, timeout=10):
        assert self.proc is None and self.httpd is None
        count("idprovider start")
        if not self.process:
            return self._start_thread()
        env = clean_env({"PYTHONDONTWRITEBYTECODE": "1"})
        env.pop("IDPROVIDER_API_KEY", None)
        if self.api_key is not None:
            # In the environment, not argv: ps shows argv to everyone.
            env["IDPROVIDER_API_KEY"] = self.api_key
        self.stderr_file = open(self.stderr_path, "ab")
        self.proc = popen(
            [PYTHON, PROGRAM] + self.argv(),
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=self.stderr_file, cwd=self.workdir)
        ready = threading.Event()

        def reader(proc=self.proc):
            for raw in proc.stdout:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                self.stdout_lines.append(line)
                if line.startswith(READY):
                    ready.set()
            ready.set()
        self.reader = threading.Thread(target=reader, daemon=True)
        self.reader.start()
        ready.wait(timeout)
        lines = [l for l in self.stdout_lines if l.startswith(READY)]
        if self.proc.poll() is not None or not lines:
            try:
                # stdout at EOF comes a moment before the exit status.
                code = self.proc.wait(2)
            except subprocess.TimeoutExpired:
                code = None
            self.stop(check=False)
            raise AssertionError(
                "idprovider.py did not start within %d s (exit %s); "
                "stdout:\n%s\nstderr:\n%s" % (
                    timeout, code, "\n".join(self.stdout_lines),
                    self.stderr()[-4000:]))
        self.port = int(lines[-1].rsplit(":", 1)[1])
        return self

    def _start_thread(self):
        # The same configure() as the program's main, its log to the file
        # stderr() reads.
        env = {} if self.api_key is None else \
            {"IDPROVIDER_API_KEY": self.api_key}
        self.log_file = open(self.stderr_path, "a", encoding="utf-8")
        httpd = idprovider.configure(self.argv(), log_out=self.log_file,
                                     environ=env)
        if not isinstance(httpd, idprovider.Server):
            self.log_file.close()
            raise AssertionError("idprovider did not start (exit %s):\n%s"
                                 % (httpd, self.stderr()[-4000:]))
        self.httpd = httpd.start()
        self.port = httpd.server_address[1]
        return self

    def _stop_thread(self, check, timeout):
        httpd, self.httpd = self.httpd, None
        httpd.stop()
        httpd.serving.join(timeout)
        self.log_file.close()
        if check and httpd.serving.is_alive():
            raise AssertionError("idprovider did not stop within %d s"
                                 % timeout)
        self.exit_code = 0
        return 0

    def stop(self, check=True, timeout=10):
        """SIGTERM to our process, wait (then SIGKILL); returns the exit
        code.  With check, a SIGKILL or a non-zero exit fails.  (In a
        thread: ends its serving, 0.)"""
        if self.httpd is not None:
            return self._stop_thread(check, timeout)
        if self.proc is None:
            return self.exit_code
        killed = False
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                killed = True
        self.exit_code = self.proc.returncode
        self.reader.join(5)
        self.proc.stdout.close()
        self.stderr_file.close()
        self.proc = None
        if check and killed:
            raise AssertionError("idprovider.py did not stop within %d s "
                                 "of SIGTERM" % timeout)
        if check and self.exit_code != 0:
            raise AssertionError("idprovider.py exited %d after SIGTERM; "
                                 "stderr:\n%s" % (self.exit_code,
                                                  self.stderr()[-4000:]))
        return self.exit_code

    def stderr(self):
        """Its log so far."""
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    # HTTP

    def http(self, method, path, body=None, headers=None, raw=None,
             timeout=10, auth=True):
        """One request on a fresh connection.  body is sent as JSON, raw
        as bytes; auth adds our bearer key.  Returns (status, {lower-case
        header: value}, JSON or bytes)."""
        h = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            h["Content-Type"] = "application/json"
        elif raw is not None:
            data = raw
            h["Content-Type"] = "application/json"
        if auth and self.api_key is not None:
            h["Authorization"] = "Bearer %s" % self.api_key
        h.update(headers or {})
        h = {k: v for k, v in h.items() if v is not None}
        conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=timeout)
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

    def stats(self):
        """GET /stats: {"idv", "avs", "by_request_id", "by_family_name"}."""
        st, _, js = self.http("GET", "/stats")
        if st != 200 or not isinstance(js, dict):
            raise AssertionError("GET /stats answered %d: %r" % (st, js))
        return js

    def release(self):
        """POST /release: answers held by slow:<ms> are sent now."""
        st, _, js = self.http("POST", "/release")
        if st != 200:
            raise AssertionError("POST /release answered %d: %r" % (st, js))


def start_provider(test, data=None, api_key="test-key", args=(),
                   process=False):
    """A started ReferenceProvider in a directory of test.tmp (a
    harness.TestCase), stopped at the end of the test."""
    d = os.path.join(test.tmp, "idp-%s" % secrets.token_hex(3))
    os.mkdir(d)
    prov = ReferenceProvider(d, data, api_key, args=args, process=process)
    test.addCleanup(prov.stop)
    return prov.start()
