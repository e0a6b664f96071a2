"""Harness of the integration tests: a database per test, a private
PostgreSQL cluster, a real SMTP sink and the real rxca-server, all on
loopback, each stopped at the end of the test (a process by its own
PID; the SMTP sink is a thread of the test process).

Environment (set by CTest and ops/rxca-dev test):
  RXCA_BUILD_DIR      the build tree (rxca-server, rxca-admin)
  RXCA_SOURCE_DIR     the source tree (migrations/, tests/data/)
  RXCA_TEST_PGHOST    unix socket directory of a running PostgreSQL cluster
  RXCA_TEST_PGPORT    its port
  RXCA_TEST_PGUSER    a role there that may create databases

A test's database is a copy of a migrated template database, and a CA of a
CA made once: both are made by the first test that needs them, under a
file lock in RXCA_BUILD_DIR/test-cache (see template_db and ca_template).
The tests' own SQL runs over one kept connection per database and thread
(psycopg2, Debian's python3-psycopg2), not a psql process per query.
"""
import atexit
import contextlib
import copy
import ctypes
import email
import email.policy
import fcntl
import hashlib
import http.client
import io
import json
import os
import pwd
import queue
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import psycopg2
import psycopg2.extensions

import smtp_sink

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("RXCA_SOURCE_DIR",
                            os.path.normpath(os.path.join(HERE, "..", "..")))
BUILD_DIR = os.environ.get("RXCA_BUILD_DIR", "")
PGBIN = "/usr/lib/postgresql/15/bin"
PYTHON = "/usr/bin/python3"
DATA_DIR = os.path.join(SOURCE_DIR, "tests", "data")

CODE_RE = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}\b")
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:",
                   "LeakSanitizer")
MAIL_FROM = "rxca-test@example.org"


# What a test file spends its time on, printed by main() at the end
# (find it in build-test/Testing/Temporary/LastTest.log): counts and
# seconds of wall time per kind of step.
STATS = {}


def count(kind, seconds=0.0):
    n, t = STATS.get(kind, (0, 0.0))
    STATS[kind] = (n + 1, t + seconds)


@contextlib.contextmanager
def counted(kind):
    t0 = time.monotonic()
    try:
        yield
    finally:
        count(kind, time.monotonic() - t0)


class SetupError(Exception):
    """The test environment is incomplete (not a product failure)."""


def pg_env():
    """(host, port, user) of the cluster the tests create databases in."""
    host = os.environ.get("RXCA_TEST_PGHOST", "")
    if not host:
        raise SetupError(
            "RXCA_TEST_PGHOST is not set: the integration tests need a "
            "running PostgreSQL cluster. Run them with `ops/rxca-dev test`, "
            "or set RXCA_TEST_PGHOST (socket directory), RXCA_TEST_PGPORT "
            "and RXCA_TEST_PGUSER (a role that may create databases).")
    return (host, os.environ.get("RXCA_TEST_PGPORT", "5432"),
            os.environ.get("RXCA_TEST_PGUSER", "postgres"))


def binary(name):
    if not BUILD_DIR:
        raise SetupError("RXCA_BUILD_DIR is not set: run the tests through "
                         "CTest (ops/rxca-dev test)")
    path = os.path.join(BUILD_DIR, "api", name)
    if not os.access(path, os.X_OK):
        raise SetupError("%s is missing: build first" % path)
    return path


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(extra=None):
    """The environment without any RXCA_* of the caller, plus extra.
    CA key files are written with 1000 PBKDF2 iterations, not 600000
    (RXCA_TEST_PBKDF2_ITER, honoured by test builds only: ca/keyfile.h)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("RXCA_")}
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    env["RXCA_TEST_PBKDF2_ITER"] = "1000"
    env.update(extra or {})
    return env


# rxca-admin setting a test up (Database.admin without leaks): no leak
# check at exit.
ADMIN_SETUP_ASAN = "detect_leaks=0"


# prctl(2): PR_SET_PDEATHSIG asks the kernel to signal a process when
# the thread that forked it ends.
_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True)


def _die_with_parent(sig):
    """sig to this process when its parent ends; sig now if it has."""
    parent = os.getppid()
    if _LIBC.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG)")
    if os.getppid() != parent:
        os.kill(os.getpid(), sig)


# A test process ends (SIGTERM) with the CTest that started it: CTest
# interrupted left its tests, and what they had started, running on.
_die_with_parent(signal.SIGTERM)


def _child_setup():
    try:
        _die_with_parent(signal.SIGKILL)
    except OSError:
        os._exit(127)


def popen(argv, **kw):
    """subprocess.Popen(argv, **kw) for a process that a test starts and
    stops (a server, a provider, a sink, node): the kernel kills it when
    the test process ends, however it ends (CTest's timeout, CTest
    interrupted), so nothing a test started outlives it.  The signal
    comes when the forking thread ends, so only the main thread's
    children get it: a child of another thread is the test's to stop."""
    if "preexec_fn" not in kw and \
            threading.current_thread() is threading.main_thread():
        kw["preexec_fn"] = _child_setup
    return subprocess.Popen(argv, **kw)


def run(argv, **kw):
    """subprocess.run(argv, **kw), the process started as popen() does."""
    if "preexec_fn" not in kw and \
            threading.current_thread() is threading.main_thread():
        kw["preexec_fn"] = _child_setup
    return subprocess.run(argv, **kw)


def make_tempdir(test, prefix="rxca-it-"):
    d = tempfile.mkdtemp(prefix=prefix)
    test.addCleanup(shutil.rmtree, d, True)
    return d


def wait_until(pred, timeout, interval=0.05, what="condition"):
    """Polls pred() until it returns a true value; returns that value.
    The waits between polls start at 10 ms and double up to interval, so
    a condition met soon is seen soon, and a long wait polls every
    interval."""
    t0 = time.monotonic()
    deadline = t0 + timeout
    pause = min(0.01, interval)
    try:
        while True:
            v = pred()
            if v:
                return v
            if time.monotonic() > deadline:
                raise AssertionError("timed out after %.1f s waiting for %s"
                                     % (timeout, what))
            time.sleep(pause)
            pause = min(pause * 2, interval)
    finally:
        count("wait_until", time.monotonic() - t0)


# --- PostgreSQL ---------------------------------------------------------------

def _as_owner(argv):
    """Runs PostgreSQL server programs as the rxca user when we are root
    (initdb and postgres refuse root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "rxca", "--"] + argv
    return argv


def _text(value, cur):
    return value


# Every type psycopg2 would convert comes back as the text PostgreSQL
# sent, as psql -At prints it ('t', '2026-01-02 03:04:05+00', '\x0a').
_TEXT = psycopg2.extensions.new_type(
    tuple(psycopg2.extensions.string_types), "RXCA_TEXT", _text)
# Open connections: (host, port, user, dbname, thread) -> connection.
_CONNS = {}
_CONNS_LOCK = threading.Lock()


def _connection(host, port, user, dbname):
    """This thread's connection to dbname (autocommit), opened on first
    use and kept: a query costs a round trip, not a psql process and a
    backend."""
    key = (host, str(port), user, dbname, threading.get_ident())
    with _CONNS_LOCK:
        conn = _CONNS.get(key)
    if conn is not None and not conn.closed:
        return conn
    conn = psycopg2.connect(host=host, port=port, user=user, dbname=dbname)
    conn.autocommit = True
    psycopg2.extensions.register_type(_TEXT, conn)
    with _CONNS_LOCK:
        _CONNS[key] = conn
    return conn


def disconnect(dbname):
    """Closes every connection of this process to dbname (before it is
    dropped or renamed: neither may have other sessions)."""
    with _CONNS_LOCK:
        keys = [k for k in _CONNS if k[3] == dbname]
        conns = [_CONNS.pop(k) for k in keys]
    for conn in conns:
        conn.close()


class SqlResult:
    """What psql() returns: returncode (0, or 1 on an error), stdout
    (rows as psql -At prints them) and stderr (the error)."""

    def __init__(self, returncode, stdout, stderr):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


def _execute(conn, sql):
    """The rows of sql's last statement; then the session is as a new one
    (each psql was a session of its own): a transaction sql left open is
    rolled back, and its settings, locks and temporary tables discarded."""
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall() if cur.description is not None else []
    finally:
        if not conn.closed:
            with conn.cursor() as cur:
                if conn.get_transaction_status() != \
                        psycopg2.extensions.TRANSACTION_STATUS_IDLE:
                    cur.execute("ROLLBACK")
                cur.execute("DISCARD ALL")


def _run_sql(host, port, user, dbname, sql):
    conn = _connection(host, port, user, dbname)
    try:
        rows = _execute(conn, sql)
    except psycopg2.OperationalError:
        if not conn.closed:
            raise
        # The session had ended while idle (its cluster restarted, say):
        # run sql on a new one.
        rows = _execute(_connection(host, port, user, dbname), sql)
    return "".join("|".join("" if v is None else v for v in row) + "\n"
                   for row in rows)


def psql(host, port, user, dbname, sql, check=True, kind="psql"):
    """Runs sql (one or more statements, in one transaction unless it says
    otherwise, as `psql -c` does) on dbname over this thread's
    connection; the rows of the last statement as psql -At prints them
    (psql 15 printed every statement's: no test reads more than one).
    With check, an error fails the test (test_harness.py checks that
    this is psql's behaviour).  Its time is counted as kind ("create
    database", say), so that no step is counted twice."""
    with counted(kind):
        try:
            r = SqlResult(0, _run_sql(host, port, user, dbname, sql), "")
        except psycopg2.Error as e:
            r = SqlResult(1, "", (e.pgerror or str(e)).strip())
    if check and r.returncode != 0:
        raise AssertionError("psql failed (%d) on %r: %s"
                             % (r.returncode, sql, r.stderr.strip()))
    return r


# --- made once per run: a migrated template database and CAs ----------------

def cache_dir():
    """RXCA_BUILD_DIR/test-cache (ops/rxca-dev test empties it each run)."""
    binary("rxca-admin")  # RXCA_BUILD_DIR is set
    d = os.path.join(BUILD_DIR, "test-cache")
    os.makedirs(d, exist_ok=True)
    return d


@contextlib.contextmanager
def cache_lock(name):
    """An exclusive lock on test-cache/<name>.lock, across processes (CTest
    runs tests in parallel)."""
    with open(os.path.join(cache_dir(), name + ".lock"), "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def db_exists(host, port, user, name):
    return psql(host, port, user, "postgres",
                "SELECT 1 FROM pg_database WHERE datname = '%s'"
                % name).stdout.strip() == "1"


# Databases make_once() has seen in this process: they last the run
# (ops/rxca-dev test drops them before the next one), so each is looked
# up once per test file, not once per test.
_MADE = set()


def make_once(host, port, user, name, fill, source=None):
    """Database name, made if missing: a new database (a copy of source,
    or empty) is filled by fill(Database) and then renamed, so name exists
    only whole (a crash halfway leaves no template behind)."""
    if name in _MADE:
        return name
    if db_exists(host, port, user, name):
        _MADE.add(name)
        return name
    db = Database(migrate=False, template=source)
    try:
        fill(db)
        disconnect(db.name)
        psql(host, port, user, "postgres", "ALTER DATABASE %s RENAME TO %s"
             % (db.name, name))
    except BaseException:
        db.drop()
        raise
    _MADE.add(name)
    return name


def migrations_key():
    """A digest of migrations/ (names and contents)."""
    h = hashlib.sha256()
    d = os.path.join(SOURCE_DIR, "migrations")
    for n in sorted(os.listdir(d)):
        with open(os.path.join(d, n), "rb") as f:
            h.update(b"%s\0%s\0" % (n.encode(), f.read()))
    return h.hexdigest()[:16]


def template_db():
    """The name of a migrated database to copy (CREATE DATABASE ...
    TEMPLATE), made once per set of migrations: rxca_tpl_<digest>."""
    host, port, user = pg_env()
    name = "rxca_tpl_" + migrations_key()

    def fill(db):
        r = db.admin("migrate")
        if r.returncode != 0:
            raise AssertionError("rxca-admin migrate failed (%d):\n%s%s"
                                 % (r.returncode, r.stdout, r.stderr))
    with cache_lock("template"):
        return make_once(host, port, user, name, fill)


# Settings that do not shape `rxca-admin ca init`: per test paths, ports
# and secrets of other services, and the attestation roots a retrieval
# checks (read by api/service/evidence.c only; a path per class of
# test_key_evidence).  Any other setting in a test's environment makes a
# CA of its own.
CA_UNSHAPED = ("RXCA_CA_DIR", "RXCA_CA_PASSPHRASE_FILE", "RXCA_TLS_LISTEN",
               "RXCA_TLS_CERT", "RXCA_TLS_KEY", "RXCA_OPERATOR_CA",
               "RXCA_OPERATOR_CA_KEY", "RXCA_IDV_URL", "RXCA_IDV_API_KEY",
               "RXCA_AVS_URL", "RXCA_AVS_API_KEY", "RXCA_PAYMENT_URL",
               "RXCA_PAYMENT_API_KEY",
               "RXCA_SANDBOX_IDV_URL", "RXCA_SANDBOX_IDV_API_KEY",
               "RXCA_SANDBOX_AVS_URL", "RXCA_SANDBOX_AVS_API_KEY",
               "RXCA_LISTEN", "RXCA_SMTP_URL", "RXCA_MAIL_DIR",
               "RXCA_CLOCK_FILE", "RXCA_LOG_LEVEL", "RXCA_ATTEST_ROOTS")


def ca_template(env):
    """(template database, directory of key and certificate files) of a CA
    that `rxca-admin ca init` made with the settings env (key files under
    a passphrase; a PKCS#11 token is per test), once per hour for the
    same settings, rxca-admin and migrations: rxca_ca_<digest> and
    test-cache/ca-<digest>/."""
    assert not env.get("RXCA_PKCS11_MODULE"), "a token is per test"
    h = hashlib.sha256()
    st = os.stat(binary("rxca-admin"))
    # A CA's certificates start when it is made: at most an hour old.
    h.update(repr((migrations_key(), st.st_size, st.st_mtime_ns,
                   int(time.time() // 3600))).encode())
    for k in sorted(env):
        if k.startswith("RXCA_") and k not in CA_UNSHAPED:
            h.update(("%s=%s\0" % (k, env[k])).encode())
    pw = env.get("RXCA_CA_PASSPHRASE_FILE")
    if pw:
        with open(pw, "rb") as f:
            h.update(b"passphrase\0" + f.read())

    def fill(db, cadir):
        count("ca init (template)")
        r = db.admin("ca", "init", env=dict(env, RXCA_CA_DIR=cadir))
        if r.returncode != 0:
            raise AssertionError("rxca-admin ca init failed (%d):\n%s%s"
                                 % (r.returncode, r.stdout, r.stderr))
    return made_with_files("ca", h.hexdigest()[:16], fill, template_db())


def made_with_files(kind, key, fill, source):
    """(database rxca_<kind>_<key>, directory test-cache/<kind>-<key>/): a
    copy of the database source and the directory, filled by fill(db,
    directory) (a directory that does not exist yet), once per run under
    a file lock; either without the other is made again."""
    host, port, user = pg_env()
    name = "rxca_%s_%s" % (kind, key)
    d = os.path.join(cache_dir(), "%s-%s" % (kind, key))

    def fill_both(db):
        shutil.rmtree(d + ".new", True)
        fill(db, d + ".new")
        shutil.rmtree(d, True)
        os.rename(d + ".new", d)
    with cache_lock("%s-%s" % (kind, key)):
        if not os.path.isdir(d):
            psql(host, port, user, "postgres",
                 "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
            _MADE.discard(name)
        return make_once(host, port, user, name, fill_both, source), d


# Operators a test may start with, (name, roles), in the order they are
# added: its database a copy of one they were added to once per run
# (TestCase.with_made), each a (certificate, key) from take_operator().
# Three reviewers, two fulfillers and two admins: as many of one role as
# a test of dual control asks for at once.
STAFF = (("rita", "reviewer"), ("rena", "reviewer"), ("ron", "reviewer"),
         ("fay", "fulfiller"), ("flo", "fulfiller"), ("ray", "revoker"),
         ("alice", "auditor"), ("ann", "admin"), ("root", "admin"))


# Partners a test may start with, (name, program), each with a key: its
# database a copy of one they were added to once per run
# (TestCase.with_made), each {"id", "key"} from take_partner().
PARTNERS = (("Acme EHR", "acme"), ("Bolt EHR", "bolt"))


def operators_template(source, env, operators):
    """(template database, directory of their certificates and keys): the
    database source with operators, a tuple of (name, roles), added in
    that order by Database.operator under env (the TLS settings), made
    once per run for the same source, operators' CA and operators:
    rxca_op_<digest> and test-cache/op-<digest>/.  A test copies it
    instead of running rxca-admin for each operator it starts with."""
    h = hashlib.sha256(repr((source, tuple(operators),
                             int(time.time() // 3600))).encode())
    with open(env["RXCA_OPERATOR_CA"], "rb") as f:
        h.update(f.read())

    def fill(db, opdir):
        os.mkdir(opdir)
        count("operators (template)")
        for n, roles in operators:
            db.operator(n, roles, opdir, env)
    return made_with_files("op", h.hexdigest()[:16], fill, source)


def partners_template(source, partners):
    """(template database, directory): the database source with partners,
    a tuple of (name, program), added in that order by `rxca-admin
    partner add` and each given a key by `rxca-admin partner key`, made
    once per run for the same source and partners: rxca_pt_<digest> and
    test-cache/pt-<digest>/, whose partners.json maps "name program" to
    {"id": ..., "key": ...} (what the two commands printed).  A test
    copies it instead of running rxca-admin twice for each partner it
    starts with."""
    h = hashlib.sha256(repr((source, tuple(partners),
                             int(time.time() // 3600))).encode())

    def fill(db, d):
        os.mkdir(d)
        count("partners (template)")
        made = {}
        for name, program in partners:
            made["%s %s" % (name, program)] = db.partner(name, program,
                                                         leaks=False)
        with open(os.path.join(d, "partners.json"), "w") as f:
            json.dump(made, f)
    return made_with_files("pt", h.hexdigest()[:16], fill, source)


class Database:
    """A fresh database rxca_t_<random>, dropped by drop() (register it with
    addCleanup): a copy of template_db() (migrated), or of template, or
    with migrate=False and no template, empty (in cluster, a
    PrivateCluster, migrated by rxca-admin)."""

    def __init__(self, cluster=None, migrate=True, template=""):
        if cluster is None:
            self.host, self.port, self.user = pg_env()
            if migrate and template == "":
                template = template_db()
        else:
            self.host, self.port, self.user = cluster.host, cluster.port, \
                cluster.user
        self.name = "rxca_t_" + secrets.token_hex(6)
        psql(self.host, self.port, self.user, "postgres",
             "CREATE DATABASE %s%s" % (self.name, " TEMPLATE " +
                                       template if template else ""),
             kind="create database")
        self.url = "host=%s port=%s user=%s dbname=%s" % (
            self.host, self.port, self.user, self.name)
        if migrate and not template:
            r = self.admin("migrate")
            if r.returncode != 0:
                self.drop()
                raise AssertionError("rxca-admin migrate failed (%d):\n%s%s"
                                     % (r.returncode, r.stdout, r.stderr))

    def admin(self, *args, env=None, leaks=True):
        """Runs rxca-admin with RXCA_DATABASE_URL of this database.  Without
        leaks, ASan does not check for leaks at exit (most of the time of
        a short command): for a command that only sets a test up, such as
        the operators of operator_files(), whose commands their own tests
        run with the check (test_tls.OperatorTest)."""
        e = clean_env({"RXCA_DATABASE_URL": self.url})
        if not leaks:
            e["ASAN_OPTIONS"] = ADMIN_SETUP_ASAN
        e.update(env or {})
        with counted("rxca-admin " + args[0] if args else "rxca-admin"):
            return subprocess.run([binary("rxca-admin")] + list(args),
                                  env=e, stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True,
                                  timeout=120)

    def operator(self, name, roles, out, env):
        """Adds operator name with roles ("reviewer,auditor") by `rxca-admin
        operator add NAME ROLES --out out`, under env (the TLS settings of
        tlsutil.tls_init: its operators' CA signs the new certificate),
        without ASan's leak check (see admin).  The one copy for tests
        that need an operator.  Returns (certificate, key) paths."""
        r = self.admin("operator", "add", name, roles, "--out", out,
                       env=env, leaks=False)
        if r.returncode != 0:
            raise AssertionError("rxca-admin operator add %s %s failed "
                                 "(%d):\n%s%s" % (name, roles, r.returncode,
                                                   r.stdout, r.stderr))
        return (os.path.join(out, name + ".crt"),
                os.path.join(out, name + ".key"))

    def partner(self, name, program, env=None, leaks=True):
        """Adds partner name of program by `rxca-admin partner add` and gives
        it a key by `rxca-admin partner key`, under env (leaks: see
        admin).  The one copy for tests that need a partner.  Returns
        {"id": partner id, "key": its API key}."""
        r = self.admin("partner", "add", name, program, env=env,
                       leaks=leaks)
        if r.returncode != 0:
            raise AssertionError("rxca-admin partner add %s %s failed "
                                 "(%d):\n%s%s" % (name, program, r.returncode,
                                                   r.stdout, r.stderr))
        pid = r.stdout.strip()
        r = self.admin("partner", "key", pid, env=env, leaks=leaks)
        if r.returncode != 0:
            raise AssertionError("rxca-admin partner key %s failed (%d):\n"
                                 "%s%s" % (pid, r.returncode, r.stdout,
                                           r.stderr))
        return {"id": pid, "key": r.stdout.strip()}

    def query(self, sql):
        """Rows of sql as lists of text fields (psql -At)."""
        out = psql(self.host, self.port, self.user, self.name, sql).stdout
        return [line.split("|") for line in out.splitlines()]

    def scalar(self, sql):
        out = psql(self.host, self.port, self.user, self.name,
                   sql).stdout.strip()
        return out

    def audits(self, columns, where="true"):
        """Rows of columns (as query() gives them) of the audit records
        where holds, in the order they were written: by entry, since a
        record the sequencer has not reached yet has no id.  The one
        reader of audit_log for tests that look at what was audited."""
        return self.query("SELECT %s FROM audit_log WHERE %s ORDER BY entry"
                          % (columns, where))

    def count(self, table, where="true"):
        return int(self.scalar("SELECT count(*) FROM %s WHERE %s"
                               % (table, where)))

    def drop(self):
        disconnect(self.name)
        psql(self.host, self.port, self.user, "postgres",
             "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.name,
             check=False, kind="drop database")

    def drop_later(self):
        """drop(), by a thread of its own (DROP DATABASE waits for a
        checkpoint: the next test need not); the process waits for it
        before it ends (drain_drops)."""
        global _DROPS
        with _DROPS_LOCK:
            if _DROPS is None:
                _DROPS = queue.Queue()
                threading.Thread(target=_dropper, args=(_DROPS,),
                                 daemon=True).start()
                atexit.register(drain_drops)
        _DROPS.put(self)


_DROPS = None
_DROPS_LOCK = threading.Lock()


def _dropper(q):
    while True:
        db = q.get()
        try:
            db.drop()
        finally:
            q.task_done()


def drain_drops():
    """Waits until every database given to drop_later() is dropped."""
    if _DROPS is not None:
        with counted("waiting for the last drops"):
            _DROPS.join()


class PrivateCluster:
    """A PostgreSQL 15 cluster of its own in a temporary directory (owned by
    the rxca user when we are root), unix socket only; stop() and start()
    it at will; cleanup() stops it and removes it."""

    user = "rxca"

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="rxca-pg-")
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "data")
        self.host = os.path.join(self.dir, "run")
        self.log = os.path.join(self.dir, "postgresql.log")
        os.mkdir(self.host)
        if os.geteuid() == 0:
            pw = pwd.getpwnam("rxca")
            for p in (self.dir, self.host):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        else:
            self.user = pwd.getpwuid(os.geteuid()).pw_name
        self.port = free_port()
        r = subprocess.run(_as_owner([
            os.path.join(PGBIN, "initdb"), "-D", self.data, "-U", self.user,
            "-E", "UTF8", "--locale=C.UTF-8", "--auth-local=trust",
            "--auth-host=reject", "--no-sync"]),
            stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if r.returncode != 0:
            shutil.rmtree(self.dir, True)
            raise AssertionError("initdb failed: %s" % r.stderr)
        conf = ("listen_addresses = ''\nport = %d\n"
                "unix_socket_directories = '%s'\nfsync = off\n"
                % (self.port, self.host))
        subprocess.run(_as_owner(["tee", "-a", os.path.join(
            self.data, "postgresql.conf")]), input=conf, text=True,
            stdout=subprocess.DEVNULL, check=True)
        self.running = False
        self.start()

    def _pg_ctl(self, *args):
        r = subprocess.run(_as_owner([os.path.join(PGBIN, "pg_ctl"), "-D",
                                      self.data] + list(args)),
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=120)
        if r.returncode != 0:
            log = ""
            if os.path.exists(self.log):
                with open(self.log) as f:
                    log = f.read()[-2000:]
            raise AssertionError("pg_ctl %s failed: %s%s\n%s" % (
                " ".join(args), r.stdout, r.stderr, log))

    def start(self):
        self._pg_ctl("start", "-w", "-t", "60", "-l", self.log)
        self.running = True

    def stop(self):
        self._pg_ctl("stop", "-w", "-m", "fast")
        self.running = False

    def cleanup(self):
        if self.running:
            try:
                self.stop()
            except AssertionError:
                pass
        shutil.rmtree(self.dir, True)


# --- SMTP -----------------------------------------------------------------------

class SmtpSink:
    """The SMTP server of tests/integration/smtp_sink.py (aiosmtpd) on
    127.0.0.1:port, saving to directory, in a thread of the test process:
    a process of its own for each of a run's ~340 sinks cost 71 CPU-s
    (0.22 s each, nearly all of it Python starting and importing
    aiosmtpd), more than the test processes themselves."""

    def __init__(self, directory, port=None):
        self.dir = directory
        self.port = port or free_port()
        self.ctl = None
        self.seen = set()

    def start(self):
        assert self.ctl is None
        count("smtp sink start")
        ctl = smtp_sink.controller(self.dir, "127.0.0.1", self.port)
        try:
            ctl.start()
        except Exception as e:
            raise AssertionError("SMTP sink did not start on port %d: %s"
                                 % (self.port, e)) from e
        self.ctl = ctl
        return self

    def stop(self):
        if self.ctl is None:
            return
        self.ctl.stop()
        self.ctl = None

    def messages(self):
        """[(name, envelope dict)] of every saved message, in order."""
        out = []
        for n in sorted(os.listdir(self.dir)):
            if n.endswith(".json"):
                with open(os.path.join(self.dir, n)) as f:
                    out.append((n[:-5], json.load(f)))
        return out

    def _parse(self, name):
        with open(os.path.join(self.dir, name + ".eml"), "rb") as f:
            msg = email.message_from_bytes(f.read(),
                                           policy=email.policy.default)
        return msg

    def for_address(self, to_addr):
        """Parsed messages whose envelope recipient is to_addr."""
        return [self._parse(n) for n, env in self.messages()
                if to_addr.lower() in [r.lower() for r in env["rcpt_tos"]]]

    def wait_for(self, to_addr, timeout=20):
        """The next message (not returned before) to to_addr, parsed."""
        def find():
            for n, env in self.messages():
                if n in self.seen:
                    continue
                if to_addr.lower() in [r.lower() for r in env["rcpt_tos"]]:
                    self.seen.add(n)
                    msg = self._parse(n)
                    msg.envelope = env
                    return msg
            return None
        return wait_until(find, timeout, 0.1, "an e-mail to %s" % to_addr)


def mail_text(msg):
    """The text of an e-mail: every text/* part, joined."""
    parts = []
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)


def mail_code(msg):
    """The XXXXX-XXXXX verification code in an e-mail."""
    m = CODE_RE.search(mail_text(msg))
    if m is None:
        raise AssertionError("no verification code in the e-mail:\n%s"
                             % mail_text(msg))
    return m.group(0)


# --- the server -------------------------------------------------------------------

TEST_SETTINGS = {
    "RXCA_MAIL_FROM": MAIL_FROM,
    "RXCA_ARGON2_MEMORY_KIB": "1024",
    "RXCA_ARGON2_ITERATIONS": "1",
    "RXCA_SWEEP_INTERVAL": "1",
    "RXCA_JOB_POLL_INTERVAL": "1",
    "RXCA_JOB_BACKOFF_MAX": "1",
    "RXCA_MAIL_BACKOFF_MAX": "1",
    "RXCA_EMAIL_RESEND_INTERVAL": "0",
    "RXCA_REQUEST_TIMEOUT": "2",
    # The daily limits of applications and mails (tested in test_abuse.py)
    # would stop suites that apply from one address many times.
    "RXCA_APPLY_PER_EMAIL_DAY": "1000000",
    "RXCA_APPLY_PER_CLIENT_DAY": "1000000",
    "RXCA_CODE_MAILS_PER_EMAIL_DAY": "1000000",
    "RXCA_CODE_MAILS_PER_CLIENT_DAY": "1000000",
    # Every test client is 127.0.0.1, standing for many clients (100
    # parallel retrievals); test_connections sets its own.
    "RXCA_MAX_CONNECTIONS_PER_CLIENT": "1000",
    # Server.stop() waits 10 s: work still running 5 s after SIGTERM (a
    # CA key load on a loaded machine) is given up, not waited for.
    "RXCA_SHUTDOWN_TIMEOUT": "5",
    # Partner routes over the test's plain HTTP listener (test_partner_keys
    # turns it off to see them refused).
    "RXCA_PARTNER_ALLOW_HTTP": "1",
    # Two hash workers, as the default was until 2026-12-07: with the
    # default 8 an ASan-built server took 0.36 s to stop instead of 0.21
    # (median of 6, a server started and stopped alone), paid at each of
    # the ~350 stops of a run.
    "RXCA_HASH_WORKERS": "2",
    # Four workers running two jobs at once, the defaults until 2026-12-07
    # (now 8 and 4): test_mail and test_shutdown count on two runs at
    # once, and a start-up's burst of units (the OCSP cache's load, the
    # job runner's LISTEN, the audit sequencer) wakes a worker each, and
    # each connects.
    "RXCA_WORKERS": "4",
    "RXCA_JOB_CONCURRENCY": "2",
}


class Server:
    """The real rxca-server on 127.0.0.1:<free port>."""

    def __init__(self, db_url, smtp_port, workdir, env=None):
        self.workdir = workdir
        self.port = free_port()
        self.clock_file = os.path.join(workdir, "clock")
        self.stderr_path = os.path.join(workdir, "server-%d.stderr"
                                        % self.port)
        self.env = dict(TEST_SETTINGS)
        self.env.update({
            "RXCA_DATABASE_URL": db_url,
            "RXCA_LISTEN": "127.0.0.1:%d" % self.port,
            "RXCA_SMTP_URL": ("smtp://127.0.0.1:%d" % smtp_port
                              if smtp_port else ""),
            "RXCA_CLOCK_FILE": self.clock_file,
            "RXCA_MAIL_DIR": os.path.join(workdir, "mail"),
        })
        self.env.update(env or {})
        self.proc = None
        self.stdout_lines = []
        self.exit_code = None

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.port

    @property
    def tls_port(self):
        """The HTTPS port, or None without RXCA_TLS_LISTEN."""
        v = self.env.get("RXCA_TLS_LISTEN")
        return int(v.rsplit(":", 1)[1]) if v else None

    def start(self, timeout=20, tries=3):
        """Starts the server.  A port that free_port() chose can be taken
        by a parallel test before the server binds it: then the server
        tries again on new ports (read them from .port and .tls_port)."""
        for n in range(tries):
            try:
                return self._start(timeout)
            except AssertionError as e:
                if n + 1 == tries or "Address already in use" not in str(e):
                    raise
                self.port = free_port()
                self.env["RXCA_LISTEN"] = "127.0.0.1:%d" % self.port
                if self.env.get("RXCA_TLS_LISTEN"):
                    self.env["RXCA_TLS_LISTEN"] = "127.0.0.1:%d" % \
                        free_port()

    def _start(self, timeout):
        with counted("rxca-server start"):
            return self._start_once(timeout)

    def _start_once(self, timeout):
        assert self.proc is None
        self.stderr_file = open(self.stderr_path, "ab")
        self.proc = popen(
            [binary("rxca-server")], env=clean_env(self.env),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=self.stderr_file, cwd=self.workdir)
        ready = threading.Event()

        def reader(proc=self.proc):
            for raw in proc.stdout:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                self.stdout_lines.append(line)
                if "listening on http://" in line:
                    ready.set()
            ready.set()
        self.reader = threading.Thread(target=reader, daemon=True)
        self.reader.start()
        ready.wait(timeout)
        if self.proc.poll() is not None or not any(
                "listening on http://" in l for l in self.stdout_lines):
            code = self.proc.poll()
            self.stop(check=False)
            raise AssertionError(
                "rxca-server did not start (exit %s); stdout:\n%s\n"
                "stderr:\n%s" % (code, "\n".join(self.stdout_lines),
                                 self.stderr()[-4000:]))
        return self

    def stop(self, check=True, timeout=10):
        """SIGTERM, wait up to timeout s (then SIGKILL); returns the exit
        code.  With check, a SIGKILL or a non-zero exit fails."""
        if self.proc is None:
            return self.exit_code
        with counted("rxca-server stop"):
            return self._stop(check, timeout)

    def _stop(self, check, timeout):
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
            raise AssertionError("rxca-server did not stop within %d s of "
                                 "SIGTERM" % timeout)
        if check and self.exit_code != 0:
            raise AssertionError("rxca-server exited %d after SIGTERM; "
                                 "stderr:\n%s" % (self.exit_code,
                                                  self.stderr()[-4000:]))
        return self.exit_code

    def stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def check_sanitizers(self):
        err = self.stderr()
        for mark in SANITIZER_MARKS:
            if mark in err:
                i = err.index(mark)
                raise AssertionError("sanitizer report in rxca-server's "
                                     "stderr:\n%s" % err[max(0, i - 200):
                                                         i + 6000])

    def set_clock(self, offset_seconds):
        """Moves the server's clock offset_seconds from real time, for its
        next request (the server reads the file again when its mtime
        changes: each new file gets an mtime of its own).  Its job runner
        and its sweeps look at once (NOTIFY rxca_jobs, rxca_sweep), as
        they would when real time reached that point, rather than at
        their next poll or sweep."""
        tmp = self.clock_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % offset_seconds)
        mtime = max(time.time_ns(), getattr(self, "_clock_mtime", 0) + 1)
        os.utime(tmp, ns=(mtime, mtime))
        self._clock_mtime = mtime
        os.rename(tmp, self.clock_file)
        db = getattr(self, "db", None)
        if db is not None and self.proc is not None:
            # Not checked: with the database down (a test of an outage)
            # the timers look later, as before.
            psql(db.host, db.port, db.user, db.name,
                 "NOTIFY rxca_jobs; NOTIFY rxca_sweep", check=False)

    def sweeps(self):
        """How many sweeps the server has finished (logged at
        RXCA_LOG_LEVEL=debug)."""
        return self.stderr().count('msg="sweep done"')

    def sweep_now(self):
        """Asks every server on this database for a sweep that begins
        now, or after the one it is running (NOTIFY rxca_sweep,
        api/jobs/jobs.c), rather than at its next RXCA_SWEEP_INTERVAL."""
        self.db.query("NOTIFY rxca_sweep")

    def wait_sweeps(self, n=2, timeout=30):
        """Waits for n more sweeps: with n = 2 at least one began after
        this call (one may have been running).  Each is asked for
        (sweep_now) rather than waited for on the sweep timer."""
        assert self.env.get("RXCA_LOG_LEVEL") == "debug", \
            "wait_sweeps needs RXCA_LOG_LEVEL=debug"
        want = self.sweeps() + n
        asked = [0.0]

        def swept():
            # Asked again every half second: a NOTIFY sent before the
            # server's LISTEN connection is up is lost.  Sweeps run one at
            # a time, so the second to end after this call began after it.
            if self.sweeps() >= want:
                return True
            if time.monotonic() - asked[0] > 0.5:
                asked[0] = time.monotonic()
                self.sweep_now()
            return False
        wait_until(swept, timeout, 0.05, "%d more sweeps" % n)

    # HTTP

    def http(self, method, path, body=None, headers=None, raw=None,
             timeout=30):
        """One request on a fresh connection.  body is sent as JSON, raw
        as bytes.  Returns (status, {lower-case header: value}, JSON or
        bytes)."""
        h = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            h["Content-Type"] = "application/json"
        elif raw is not None:
            data = raw
            h["Content-Type"] = "application/json"
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
        ctype = hdrs.get("content-type", "")
        if "json" in ctype and payload:
            try:
                payload = json.loads(payload)
            except ValueError:
                pass
        return status, hdrs, payload

    def raw(self, data, timeout=10, must_end=False):
        """Sends bytes on a new connection; returns (status or None, the
        bytes received) once the server answered or closed (must_end: see
        raw_exchange)."""
        return raw_exchange(self.port, data, timeout, must_end)


def parse_status(resp):
    m = re.match(rb"HTTP/1\.[01] (\d{3}) ", resp)
    return int(m.group(1)) if m else None


def raw_exchange(port, data, timeout=10, must_end=False):
    """Sends data, reads until the server closed or one whole response has
    arrived.  Returns (status or None, bytes).  A server silent for
    timeout s reads as a close, unless must_end: then it fails."""
    buf = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            except socket.timeout:
                if must_end:
                    raise AssertionError(
                        "neither answered nor closed within %s s: %r"
                        % (timeout, buf))
                break
            if not chunk:
                break
            buf += chunk
            if response_complete(buf):
                break
        else:
            if must_end and not response_complete(buf):
                raise AssertionError("neither answered nor closed within "
                                     "%s s: %r" % (timeout, buf))
    return parse_status(buf), buf


def response_complete(buf):
    head, sep, body = buf.partition(b"\r\n\r\n")
    if not sep:
        return False
    m = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
    return m is not None and len(body) >= int(m.group(1))


# --- request bodies -----------------------------------------------------------

def unique_email(tag="ada"):
    return "%s.%s@example.org" % (tag, secrets.token_hex(5))


def deep_merge(base, over):
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            deep_merge(base[k], v)
        else:
            base[k] = v
    return base


def application(email_addr=None, **over):
    """A valid POST /v1/applications body (a unique e-mail unless given);
    keyword arguments are merged in (nested dicts merge, other values
    replace)."""
    body = {
        "product": "epcs-hardware",
        "storage": "new-token",
        "shipping": "usps",
        "program": None,
        "voucher": None,
        "applicant": {
            "given_name": "Ada", "middle_name": None,
            "family_name": "Lovelace",
            "date_of_birth": "1975-12-10",
            "email": email_addr or unique_email(),
            "phone": "+13175550100",
            "home_address": {"line1": "1 Main St", "line2": None,
                             "city": "Indianapolis", "state": "IN",
                             "postal_code": "46204", "country": "US"},
            "npi": "1234567893", "dea_number": "AL1234563",
            "ssn_last4": "1234",
        },
        "address_verification": {"card_token": "tok_avs_1"},
        "payment": {"card_token": "tok_pay_1"},
        "account": {
            "password": "correct horse battery",
            "secret_questions": [
                {"question": "First pet's name?", "answer": "Rex"},
                {"question": "City you were born in?",
                 "answer": "London"},
                {"question": "Favourite teacher?", "answer": "Babbage"},
            ],
        },
        "subscriber_agreement": {"version": "2026-01", "accepted": True},
    }
    return deep_merge(copy.deepcopy(body), over)


def client_asserted(model="SoftHSM v2", serial="4d2b8f1c9e0a7b36",
                    manufacturer="SoftHSM project"):
    """The key_evidence a real client (rxca-token) sends with its CSR: the
    token's model, serial and manufacturer from its PKCS#11 token info.
    The one copy for tests that post CSRs themselves."""
    return {"kind": "client-asserted",
            "token": {"model": model, "serial": serial,
                      "manufacturer": manufacturer}}


def rfc3339(s):
    """Seconds since the epoch of an RFC 3339 UTC time ('...Z')."""
    import datetime
    s = s.replace("Z", "+00:00")
    return datetime.datetime.fromisoformat(s).timestamp()


# --- the base test case ---------------------------------------------------------

class Fixtures:
    """Helpers that start a database, an SMTP sink and a server, stopped
    by the owner's cleanups (addCleanup), with files in its directory
    tmp: a test's (TestCase) or a class of tests' (ClassFixtures)."""

    def start_db(self, cluster=None, operators=(), env=None, out=None,
                 partners=()):
        """A new migrated database (in cluster, a PrivateCluster, if
        given), dropped at the owner's end; with operators or partners, a
        copy of one they were added to once (see with_made)."""
        if operators or partners:
            assert cluster is None, "a private cluster makes its own"
            db = Database(template=self.with_made(
                template_db(), operators, env, out, partners))
        else:
            db = Database(cluster)
        # A private cluster goes with its test: drop before it stops.
        self.addCleanup(db.drop if cluster is not None else db.drop_later)
        return db

    def start_ca_db(self, env, operators=(), out=None, partners=()):
        """A database with the CA that `rxca-admin ca init` makes with the
        settings env (key files under a passphrase), whose files are
        copied to env["RXCA_CA_DIR"]: a copy of the CA made once
        (ca_template); with operators or partners, also those (see
        with_made)."""
        template, cadir = ca_template(env)
        shutil.copytree(cadir, env["RXCA_CA_DIR"])
        db = Database(template=self.with_made(template, operators, env, out,
                                              partners))
        self.addCleanup(db.drop_later)
        return db

    def with_made(self, template, operators, env, out, partners):
        """A template database: template with partners ((name, program),
        ...; partners_template) and then operators ((name, roles), ...,
        added under env, the TLS settings; operators_template), each made
        once per run, the operators' certificates and keys copied to the
        directory out.  take_operator() and take_partner() hand them out
        instead of running rxca-admin."""
        if not hasattr(self, "made"):
            self.made = {}
        if partners:
            template, d = partners_template(template, partners)
            with open(os.path.join(d, "partners.json")) as f:
                made = json.load(f)
            for name, program in partners:
                self.made["partner", name, program] = \
                    made["%s %s" % (name, program)]
        if operators:
            template, d = operators_template(template, env, operators)
            shutil.copytree(d, out, dirs_exist_ok=True)
            for name, roles in operators:
                self.made["operator", name, roles] = (
                    os.path.join(out, name + ".crt"),
                    os.path.join(out, name + ".key"))
        return template

    def take_operator(self, db, name, roles, out, env):
        """Operator name with roles on db: (certificate, key).  One that
        db was copied with (with_made), else added now (Database.operator:
        certificate and key in out, made under env)."""
        made = getattr(self, "made", {})
        other = [r for kind, n, r in made
                 if kind == "operator" and n == name and r != roles]
        if other and ("operator", name, roles) not in made:
            raise AssertionError(
                "operator %s came with the database as %s, not %s: take "
                "another name" % (name, other[0], roles))
        return (made.get(("operator", name, roles)) or
                db.operator(name, roles, out, env))

    def take_partner(self, db, name, program, env=None):
        """Partner name of program on db: {"id": ..., "key": ...}.  One that
        db was copied with (with_made), else added now (Database.partner,
        under env)."""
        made = getattr(self, "made", {}).get(("partner", name, program))
        return made or db.partner(name, program, env)

    def start_sink(self, port=None, start=True):
        d = os.path.join(self.tmp, "sink-%s" % secrets.token_hex(3))
        os.mkdir(d)
        sink = SmtpSink(d, port)
        self.addCleanup(sink.stop)
        return sink.start() if start else sink

    def start_server(self, db=None, sink=None, smtp_port=None, env=None,
                     start=True):
        """A server on db (a new database if None) mailing to sink (a new
        sink if neither sink nor smtp_port is given)."""
        if db is None:
            db = self.start_db()
        if sink is None and smtp_port is None:
            sink = self.start_sink()
        port = smtp_port if smtp_port is not None else sink.port
        workdir = os.path.join(self.tmp, "srv-%s" % secrets.token_hex(3))
        os.mkdir(workdir)
        srv = Server(db.url, port, workdir, env)
        srv.db, srv.sink = db, sink
        # Cleanups run last-in first-out: stop, then look at stderr.
        self.addCleanup(srv.check_sanitizers)
        self.addCleanup(srv.stop)
        return srv.start() if start else srv



class ClassFixtures(Fixtures):
    """The Fixtures of a class of tests that share a server (made in its
    setUpClass): a temp dir and cleanups of the class, which unittest
    runs after its last test (addClassCleanup), so the server stops and
    its stderr is checked for sanitizer reports then, and a report fails
    the run.  Its tests assert on their own objects (an application by
    its id, mail by its address), never on counts of the whole database,
    audit log, outbox or /metrics, which the other tests share; a class
    whose tests change what all see (the clock, settings, faults, the
    server stopped) keeps a server per test.  RXCA_TEST_PART (main)
    keeps a class's tests together, so each part starts the class once."""

    def __init__(self, cls):
        self.tmp = tempfile.mkdtemp(prefix="rxca-it-")
        self.addCleanup = cls.addClassCleanup
        self.addCleanup(shutil.rmtree, self.tmp, True)


class TestCase(Fixtures, unittest.TestCase):
    """Gives each test a temp dir, and helpers that start a database, an
    SMTP sink and a server which are stopped at the end of the test
    (Fixtures); ClassFixtures for a server the class's tests share."""

    maxDiff = None

    def setUp(self):
        self.tmp = make_tempdir(self)

    # assertions

    def assertProblem(self, resp, status, field=None):
        """resp is (status, headers, body) of an RFC 9457 problem with this
        status (and an errors[] entry naming field or a part of it, if
        given)."""
        st, h, body = resp
        self.assertEqual(st, status, "expected %d, got %d: %r"
                         % (status, st, body))
        self.assertTrue(h.get("content-type", "").startswith(
            "application/problem+json"), "content-type %r"
            % h.get("content-type"))
        self.assertIsInstance(body, dict, body)
        self.assertEqual(body.get("status"), status, body)
        self.assertTrue(str(body.get("type", "")).startswith(
            "https://rxca.dev/errors/"), body)
        self.assertIn("title", body)
        if field is not None:
            # The field itself, or a part of it ("a.b[1].c" names "a.b").
            fields = [str(e.get("field")) for e in body.get("errors", [])]
            self.assertTrue(any(f == field or f.startswith(field + ".") or
                                f.startswith(field + "[") for f in fields),
                            "no error names %s: %r" % (field, body))
        return body

    def assertRetryAfter(self, headers):
        self.assertIn("retry-after", headers)
        self.assertRegex(headers["retry-after"], r"^\d+$")

    # flows

    def apply(self, srv, body=None, headers=None):
        body = body or application()
        st, h, js = srv.http("POST", "/v1/applications", body,
                             headers=headers)
        self.assertEqual(st, 201, js)
        js["_email"] = body["applicant"]["email"]
        js["_password"] = body["account"]["password"]
        return js

    def code_for(self, srv, addr, timeout=20):
        """The code of the next verification mail to addr.  Other mail to
        addr that comes first (a receipt sent by a parallel job run) is
        passed over; for_address() still finds it."""
        deadline = time.monotonic() + timeout
        while True:
            msg = srv.sink.wait_for(
                addr, max(0.1, deadline - time.monotonic()))
            if CODE_RE.search(mail_text(msg)) is not None:
                return mail_code(msg)
            if time.monotonic() >= deadline:
                return mail_code(msg)

    def verify(self, srv, app_id, code):
        return srv.http("POST", "/v1/applications/%s/email-verification"
                        % app_id, {"code": code})

    def login(self, srv, password, email_addr=None, app_id=None):
        body = {"password": password}
        if email_addr is not None:
            body["email"] = email_addr
        if app_id is not None:
            body["application_id"] = app_id
        return srv.http("POST", "/v1/sessions", body)

    @staticmethod
    def bearer(token):
        return {"Authorization": "Bearer %s" % token}

    def dual(self, send, first, second, method, path, body=None):
        """An operator action under dual control (RXCA_DUAL_CONTROL; by
        default an approving decision and a kit print): operator first
        asks for it, and if that makes a pending approval (202), operator
        second confirms it.  send(method, path, body, who=operator) is the
        test's operator request.  Returns (status, headers, body) as the
        direct route answered before dual control: the action's result
        from the confirmation, or the refusal of either step."""
        st, hdr, js = send(method, path, body, who=first)
        if st != 202:
            return st, hdr, js
        self.assertEqual(js["status"], "pending", js)
        st, hdr, conf = send("POST", "/v1/ops/approvals/%s/confirm"
                             % js["id"], None, who=second)
        if st != 200:
            return st, hdr, conf
        self.assertEqual(conf["status"], "confirmed", conf)
        return st, hdr, conf["result"]


def main():
    """unittest.main(), after checking the environment: a missing cluster
    is a failure with a clear message, never a silent skip."""
    try:
        pg_env()
        binary("rxca-server")
        binary("rxca-admin")
    except SetupError as e:
        print("integration tests cannot run: %s" % e, file=sys.stderr)
        sys.exit(1)
    part = os.environ.get("RXCA_TEST_PART", "")
    if not part:
        unittest.main(verbosity=2, testRunner=TimingRunner)
        return
    # Part k of n (CTest runs a long file as n tests, so that -j2
    # balances): every n-th test method, counted from the k-th, of all
    # the file's tests in unittest's order, so the parts make the whole.
    m = re.fullmatch(r"([1-9][0-9]*)/([1-9][0-9]*)", part)
    if m is None or int(m.group(1)) > int(m.group(2)):
        print("RXCA_TEST_PART=%r: not k/n" % part, file=sys.stderr)
        sys.exit(1)
    k, n = int(m.group(1)), int(m.group(2))

    def flat(suite):
        for t in suite:
            if isinstance(t, unittest.TestSuite):
                yield from flat(t)
            else:
                yield t
    tests = list(flat(unittest.defaultTestLoader.loadTestsFromModule(
        sys.modules["__main__"])))
    mine = unittest.TestSuite(tests[k - 1::n])
    print("part %d/%d: %d of %d tests" % (k, n, mine.countTestCases(),
                                          len(tests)), file=sys.stderr)
    result = TimingRunner(verbosity=2).run(mine)
    sys.exit(not result.wasSuccessful())


class TimingResult(unittest.TextTestResult):
    """Notes each test's wall time (setUp to cleanups)."""

    def startTest(self, test):
        self._t0 = time.monotonic()
        super().startTest(test)

    def stopTest(self, test):
        TIMES.append((time.monotonic() - self._t0, test.id()))
        super().stopTest(test)


TIMES = []
T_START = time.monotonic()


class TimingRunner(unittest.TextTestRunner):
    """unittest's runner, then what the time went to: the slowest tests,
    the steps counted in STATS, and the CPU seconds of this process and
    of its children (rxca-server, rxca-admin, psql, the sinks; not the
    PostgreSQL backends)."""

    resultclass = TimingResult

    def run(self, test):
        result = super().run(test)
        drain_drops()
        w = self.stream
        out = io.StringIO()
        self.stream = out
        self.report()
        self.stream = w
        w.write(out.getvalue())
        w.flush()
        # Also in test-cache/timing/ (ops/rxca-dev test empties it).
        d = os.path.join(cache_dir(), "timing")
        os.makedirs(d, exist_ok=True)
        name = os.path.basename(sys.argv[0]).replace(".py", "")
        if os.path.dirname(os.path.abspath(sys.argv[0])) != HERE:
            # browser/test_portal.py beside integration/test_portal.py
            name = "%s-%s" % (os.path.basename(os.path.dirname(
                os.path.abspath(sys.argv[0]))), name)
        part = os.environ.get("RXCA_TEST_PART", "").replace("/", "of")
        with open(os.path.join(d, name + (("." + part) if part else "")
                               + ".txt"), "w") as f:
            f.write("rc %d\n%s" % (not result.wasSuccessful(),
                                   out.getvalue()))
        return result

    def report(self):
        w = self.stream
        w.write("\ntiming: %.1f s wall\n" % (time.monotonic() - T_START))
        for t, name in sorted(TIMES, reverse=True):
            w.write("timing: %7.2f s  %s\n" % (t, name))
        for kind in sorted(STATS):
            n, t = STATS[kind]
            w.write("timing: %5d x %7.2f s  %s\n" % (n, t, kind))
        me = resource.getrusage(resource.RUSAGE_SELF)
        ch = resource.getrusage(resource.RUSAGE_CHILDREN)
        w.write("timing: cpu %.1f s (self %.1f, children %.1f)\n" % (
            me.ru_utime + me.ru_stime + ch.ru_utime + ch.ru_stime,
            me.ru_utime + me.ru_stime, ch.ru_utime + ch.ru_stime))
