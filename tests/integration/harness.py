"""Integration-test harness: real patrold and patrolctl binaries against a
real PostgreSQL.

The test command (scripts/test.sh) exports DATABASE_URL, and, when it made
the cluster itself, PATROL_TEST_PGDIR (so tests may stop and start it).
Each test file gets a database of its own, created from DATABASE_URL.
"""
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

BUILD = os.environ.get("PATROL_BUILD_DIR", "build")
SOURCE = os.environ.get("PATROL_SOURCE_DIR",
                        os.path.dirname(os.path.dirname(os.path.dirname(
                            os.path.abspath(__file__)))))
# The built-in defaults are the installed layout; tests run the checkout's
# files and read no installed configuration (as scripts/dev-env.sh does).
for _k, _v in (("PATROL_CONFIG", ""),
               ("PATROL_SCHEMA_DIR", os.path.join(SOURCE, "schema")),
               ("PATROL_DATA_DIR", os.path.join(SOURCE, "data")),
               ("PATROL_CONSOLE_DIR", os.path.join(SOURCE, "server",
                                                   "console")),
               ("PATROL_VENDOR_DIR", os.path.join(SOURCE, "node_modules")),
               ("PATROL_API_DOC", os.path.join(SOURCE, "server",
                                               "openapi.yaml"))):
    os.environ.setdefault(_k, _v)
PATROLD = os.path.join(BUILD, "server", "patrold")
PATROLCTL = os.path.join(BUILD, "server", "patrolctl")
PGDIR = os.environ.get("PATROL_TEST_PGDIR")
SKIP = 77  # CTest's SKIP_RETURN_CODE for these tests


def psql(url, sql):
    """Runs one SQL command through psql; returns stdout (tuples only)."""
    out = subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-tAq",
                          "-d", url, "-c", sql],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError("psql failed: %s" % out.stderr.strip())
    return out.stdout.strip()


def psql_check_violation(url, sql):
    """Runs sql (one statement) in a block that keeps nothing; returns the
    message of the check_violation (SQLSTATE 23514) it raised, or raises
    AssertionError when it raised none."""
    try:
        psql(url, "DO $$BEGIN %s; RAISE EXCEPTION 'accepted';"
             " EXCEPTION WHEN check_violation THEN RAISE EXCEPTION"
             " 'check_violation: %%', SQLERRM; END$$" % sql)
    except RuntimeError as e:
        if "check_violation: " in str(e):
            return str(e)
        raise AssertionError("not a check_violation: %s" % e)
    raise AssertionError("accepted: %s" % sql)


@contextlib.contextmanager
def psql_held(url, sql):
    """Runs sql in a psql session of its own that stays open for the
    with block: a lock it takes is held until the block ends."""
    p = subprocess.Popen(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-tAq",
                          "-d", url], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    try:
        p.stdin.write(sql + ";\n\\echo psql_held\n")
        p.stdin.flush()
        for line in p.stdout:
            if line.strip() == "psql_held":
                break
        else:
            raise RuntimeError("psql failed: %s" % sql)
        yield
    finally:
        p.stdin.close()
        p.wait(30)
        p.stdout.close()


def crew_id(url, code):
    """The id of the crew with that code (the test fails on none)."""
    return int(psql(url, "SELECT id FROM crews WHERE code = '%s'" % code))


def crew_ids(url, *codes):
    """{code: id} of the crews with those codes."""
    return dict((c, crew_id(url, c)) for c in codes)


def table_digest(url, table, where="true"):
    """A table's rows (those where the condition holds) in one line: their
    count and the md5 of them all, in order; equal rows, equal digests."""
    return psql(url, "SELECT count(*) || ' ' || md5(coalesce(string_agg("
                "t::text, '|' ORDER BY t::text), '')) FROM %s t WHERE %s"
                % (table, where))


def fresh_database(tag):
    """A new empty database for one test file; returns its conninfo."""
    base = os.environ.get("DATABASE_URL")
    if not base:
        print("DATABASE_URL is not set: run scripts/test.sh", file=sys.stderr)
        sys.exit(SKIP)
    name = "t_%s_%d" % (re.sub(r"[^a-z0-9_]", "_", tag.lower()), os.getpid())
    psql(base, "DROP DATABASE IF EXISTS %s" % name)
    psql(base, "CREATE DATABASE %s" % name)
    return "%s dbname=%s" % (base, name) if "=" in base and "://" not in base \
        else re.sub(r"/[^/?]*(\?|$)", "/%s\\1" % name, base, count=1)


def patrolctl(url, *args, schema=None, stdin=None):
    """Runs patrolctl on url's database (stdin: text it reads, such as a
    password); returns the CompletedProcess (text stdout and stderr)."""
    cmd = [PATROLCTL, "--database-url", url]
    if schema:
        cmd += ["--schema-dir", schema]
    return subprocess.run(cmd + list(args), input=stdin, capture_output=True,
                          text=True, timeout=120)


KAWASAKI_WARDS = os.path.join(SOURCE, "data", "kawasaki_wards_N03-22.geojson")
TAMA_OFFICE_AT = (35.6197, 139.5503)


def assert_refused_option(test, r, program, command):
    """r: "PROGRAM COMMAND --no-such-option" (patrolctl or patrol-agent).
    Asserts what both programs do with a wrong option: exit 2, nothing on
    stdout, the option named first ("PROGRAM: COMMAND: unknown option
    ..."), a usage line last; returns that line."""
    test.assertEqual(r.returncode, 2, r.stderr)
    test.assertEqual(r.stdout, "")
    lines = r.stderr.splitlines()
    test.assertEqual(lines[0], "%s: %s: unknown option '--no-such-option'"
                     % (program, command))
    return lines[-1]


def office(key="tama", wards="14135", skills="road,wasp", at=TAMA_OFFICE_AT,
           name_ja="多摩区道路公園センター", name_en="Tama"):
    """patrolctl's arguments that add an office (by default Tama's)."""
    return ("office", "add", key, "--name-ja", name_ja, "--name-en", name_en,
            "--wards", wards, "--skills", skills, "--lat", str(at[0]),
            "--lon", str(at[1]))


def crew(key, name, skills, office="tama", shift="00:00-00:00", at=None):
    """patrolctl's arguments that add a crew (on duty all day by default)."""
    args = ("crew", "add", key, "--office", office, "--name", name,
            "--skills", skills)
    if shift:
        args += ("--shift", shift)
    if at:
        args += ("--lat", str(at[0]), "--lon", str(at[1]))
    return args


def ctl_ok(url, *args, stdin=None):
    """Runs patrolctl, which must succeed: a failure fails the test with
    its arguments and patrolctl's error. Returns its output, stripped."""
    r = patrolctl(url, *args, stdin=stdin)
    assert r.returncode == 0, (args, r.stderr)
    return r.stdout.strip()


def migrated_database(tag):
    """fresh_database() with the schema migrated in; returns its conninfo."""
    url = fresh_database(tag)
    ctl_ok(url, "migrate")
    return url


def demo_database(tag):
    """migrated_database() with the demo's data (patrolctl demo load)."""
    url = migrated_database(tag)
    ctl_ok(url, "demo", "load")
    return url


def setup_city(url, *steps):
    """Migrates url's database, imports Kawasaki's ward polygons, then runs
    each step (patrolctl's arguments); a failing step fails the test with
    its arguments and patrolctl's error."""
    for args in (("migrate",), ("import", "wards", KAWASAKI_WARDS)) + steps:
        ctl_ok(url, *args)


def city_database(tag, *steps):
    """fresh_database() set up by setup_city(); returns its conninfo."""
    url = fresh_database(tag)
    setup_city(url, *steps)
    return url


def user_add(url, name, role, *args, password=None):
    """Adds a user with the role (args: more of patrolctl's options, such
    as "--crew", code) and, when given, the password (read from stdin)."""
    if password is not None:
        args += ("--password-stdin",)
    ctl_ok(url, "user", "add", name, "--role", role, *args,
           stdin=None if password is None else password + "\n")


class ServerTest(unittest.TestCase):
    """Tests that share one patrold, cls.d, which setUpClass starts; after
    the last test it is stopped and must exit cleanly (stop_clean)."""

    @classmethod
    def tearDownClass(cls):
        cls.d.stop_clean()


class TokenCalls:
    """A TestCase mix-in: JSON API calls to patrold d (default self.d) as
    the holder of token (default self.token); the body goes as UTF-8
    JSON, the method is GET without one and POST with one unless given.
    Returns (status, the decoded answer or None when empty)."""

    def api(self, path, body=None, method=None, token=None, d=None):
        d = d or self.d
        raw = None if body is None else json.dumps(
            body, ensure_ascii=False).encode()
        st, _, out = d.request(
            path, method=method or ("GET" if body is None else "POST"),
            body=raw, headers={"Authorization": "Bearer " +
                               (token or self.token),
                               "Content-Type": "application/json"})
        return st, json.loads(out) if out else None


class DispatcherCalls:
    """A TestCase mix-in: the JSON API of patrold cls.d as the dispatcher
    whose token is cls.disp."""

    def api(self, method, path, body=None):
        return self.d.api(method, path, self.disp, body)

    def assign(self, request_id, crew_id):
        st, a = self.api("POST", "/api/v1/requests/%d/assign" % request_id,
                         {"crew_id": crew_id})
        self.assertEqual(st, 200, a)

    def plan(self, crew_id):
        """The crew's day plan (GET /api/v1/crews/ID/plan)."""
        st, p = self.api("GET", "/api/v1/crews/%d/plan" % crew_id)
        self.assertEqual(st, 200, p)
        return p


class Patrold:
    """A patrold process on a free port, its log kept for assertions."""

    def __init__(self, url, *args, schema=None):
        self.log_path = os.path.join(
            os.environ.get("TMPDIR", "/tmp"),
            "patrold-%d-%d.log" % (os.getpid(), int(time.time() * 1000)))
        self.photo_dir = os.path.join(
            os.environ.get("TMPDIR", "/tmp"),
            "photos-%d-%d" % (os.getpid(), int(time.time() * 1000)))
        cmd = [PATROLD, "--database-url", url, "--port", "0",
               "--log-level", "debug", "--photo-dir", self.photo_dir]
        if schema:
            cmd += ["--schema-dir", schema]
        self.log = open(self.log_path, "w+")
        self.proc = subprocess.Popen(cmd + list(args), stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.port = None
        deadline = time.time() + 30
        while time.time() < deadline:
            m = re.search(r"event=listening url=http://[^:]+:(\d+)/",
                          self.text())
            if m:
                self.port = int(m.group(1))
                return
            if self.proc.poll() is not None:
                raise RuntimeError("patrold exited %d:\n%s"
                                   % (self.proc.returncode, self.text()))
            time.sleep(0.05)
        raise RuntimeError("patrold did not start:\n" + self.text())

    def text(self):
        with open(self.log_path) as f:
            return f.read()

    def request(self, path, method="GET", body=None, headers=None,
                timeout=10):
        """Returns (status, headers, body bytes); never raises on 4xx/5xx."""
        req = urllib.request.Request(
            "http://127.0.0.1:%d%s" % (self.port, path), data=body,
            method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def json(self, path, **kw):
        status, headers, body = self.request(path, **kw)
        return status, json.loads(body.decode("utf-8"))

    def api(self, method, path, token, body=None):
        """A JSON API call as the holder of token (body, when given, is
        sent as JSON): (status, the decoded answer or None when empty)."""
        headers = {"Authorization": "Bearer " + token}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        status, _, raw = self.request(path, method=method, body=data,
                                      headers=headers)
        return status, json.loads(raw) if raw else None

    def stop(self, timeout=30):
        """SIGTERM, wait, and return the exit status (0 when clean)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.log.close()
        return rc

    def stop_clean(self):
        """stop(), and fail with the log unless patrold exited 0."""
        rc = self.stop()
        assert rc == 0, "patrold exited %d:\n%s" % (rc, self.text())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        """The end of `with Patrold(...) as d:` is stop_clean(), whatever
        the block did."""
        self.stop_clean()


def call(to, method, path, body=None, headers=None, form=False,
         lenient=False, timeout=20):
    """One request on a fresh connection to 127.0.0.1: to is a Patrold or
    a port. body goes as JSON (form=True: as a form). Returns (status,
    headers, the JSON answer or None when empty); an event stream's body
    is not read (None). A body that is not JSON fails, unless lenient
    (then None: an answer from a proxy rather than patrold)."""
    hdrs = dict(headers or {})
    data = None
    if body is not None:
        if form:
            data = urllib.parse.urlencode(body).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
    port = to.port if isinstance(to, Patrold) else to
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=hdrs)
        r = conn.getresponse()
        if (r.getheader("Content-Type") or "").startswith(
                "text/event-stream"):
            return r.status, r.headers, None
        raw = r.read()
        try:
            return r.status, r.headers, json.loads(raw) if raw else None
        except ValueError:
            if not lenient:
                raise
            return r.status, r.headers, None
    finally:
        conn.close()


def pg(cmd, *args):
    """scripts/pg.sh on the test's own cluster (only with PATROL_TEST_PGDIR)."""
    subprocess.run([os.path.join(SOURCE, "scripts", "pg.sh"), cmd, PGDIR]
                   + list(args), check=True, timeout=120)


def needs_own_cluster(test):
    return unittest.skipUnless(
        PGDIR, "needs the test command's own cluster (PATROL_TEST_PGDIR)")(test)


def backend_pids(url, application="patrold"):
    """The backends of one application on url's database (not the cluster's)."""
    return [int(p) for p in psql(
        url, "SELECT pid FROM pg_stat_activity WHERE application_name = '%s'"
        " AND datname = current_database()" % application).split()]


def race(*calls):
    """Starts every function at once, each in a thread of its own; once
    all have returned, their results in the order given. An exception in
    any of them is raised here, after all have ended."""
    results = [None] * len(calls)
    errors = []

    def run(i, fn):
        try:
            results[i] = fn()
        except BaseException as e:  # noqa: B902 (handed to the caller)
            errors.append(e)
    threads = [threading.Thread(target=run, args=(i, fn))
               for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


@contextlib.contextmanager
def frozen_backends(url, application="patrold"):
    """The application's backends on url's database stopped (SIGSTOP) for
    the with-block and continued after it, whatever it did; the block gets
    their pids. There must be at least one."""
    pids = backend_pids(url, application)
    assert pids, "no %s backend on %s" % (application, url)
    for p in pids:
        os.kill(p, signal.SIGSTOP)
    try:
        yield pids
    finally:
        for p in pids:
            os.kill(p, signal.SIGCONT)


def main():
    """unittest.main that exits 77 (skip) when every test was skipped."""
    if not os.environ.get("DATABASE_URL"):
        print("DATABASE_URL is not set: run scripts/test.sh; skipped",
              file=sys.stderr)
        sys.exit(SKIP)
    prog = unittest.main(exit=False, verbosity=2)
    r = prog.result
    if not r.wasSuccessful():
        sys.exit(1)
    if r.testsRun and len(r.skipped) == r.testsRun:
        sys.exit(SKIP)
    sys.exit(0)


def user_token(url, name, role, crew=None):
    """Adds a user with the role (a crew user working in the crew with
    code crew) and returns a fresh API token for it."""
    user_add(url, name, role, *(("--crew", crew) if crew else ()))
    return ctl_ok(url, "token", "create", "--user", name)


def ensure_module(name, package):
    """Re-runs this test under an interpreter that has the Python module
    name (Debian's python3-* packages live with /usr/bin/python3, which may
    not be the python3 first on PATH); exits naming the Debian package
    when none has it."""
    try:
        __import__(name)
        return
    except ImportError:
        pass
    for py in ("/usr/bin/python3", "/bin/python3"):
        if os.path.exists(py) and os.path.realpath(py) != \
                os.path.realpath(sys.executable):
            if subprocess.run([py, "-c", "import " + name],
                              capture_output=True).returncode == 0:
                os.execv(py, [py] + sys.argv)
    print("%s is missing: install %s (scripts/deps.sh test)"
          % (name, package), file=sys.stderr)
    sys.exit(1)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on just now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def small_asan_quarantine():
    """AddressSanitizer keeps freed memory in a quarantine (256 MiB by
    default) that would count as patrold's own: keep it small in the
    processes started from now on (for tests that measure RSS)."""
    os.environ["ASAN_OPTIONS"] = (os.environ.get("ASAN_OPTIONS", "") +
                                  ":quarantine_size_mb=8").lstrip(":")


def rss_mib(pid):
    """A process's resident set (VmRSS) in MiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise AssertionError("no VmRSS")


def open311_key(url, name):
    """A new Open311 API key for the application name, returned."""
    r = patrolctl(url, "open311", "key", "add", name)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def sse_messages(resp):
    """The Server-Sent Events messages of an HTTP response (read line by
    line), one dict of field: value a message, comments left out."""
    ev = {}
    for raw in resp:
        line = raw.decode("utf-8").rstrip("\n")
        if line == "":
            if ev:
                yield ev
            ev = {}
        elif not line.startswith(":") and ":" in line:
            k, v = line.split(":", 1)
            ev[k] = v[1:] if v.startswith(" ") else v


def recv_all(s):
    """Everything s receives until the peer closes the connection."""
    reply = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            return reply
        reply += chunk


def recv_head(s, data=b""):
    """Reads s (after data, bytes already read) to the end of an HTTP
    message's head: (head, the bytes read after it), or None when the peer
    closes first."""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def recv_more(s, data, n):
    """data and what s receives after it, until n bytes or the peer closes
    (then fewer)."""
    while len(data) < n:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


class EventFeed:
    """GET /api/v1/events (Server-Sent Events) on a port as the token's
    holder (from Last-Event-ID, when given), its reply read in a thread by
    the subclass's _read()."""

    def __init__(self, port, token, path="/api/v1/events",
                 last_event_id=None):
        import http.client
        self.lock = threading.Lock()
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": "Bearer " + token}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.conn.request("GET", path, headers=headers)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def close(self):
        try:
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        except Exception:
            pass
        self.conn.close()


class EventStream(EventFeed):
    """patrold d's request events (after the id after, when given) and
    named events, as they come."""

    def __init__(self, d, token, after=None, last_event_id=None):
        self.events = []
        self.named = []  # (name, data) of "event: NAME" messages (plans)
        super().__init__(d.port, token, "/api/v1/events" + (
            "?after=%d" % after if after is not None else ""), last_event_id)
        self.content_type = self.resp.getheader("Content-Type")

    def _read(self):
        try:
            for ev in sse_messages(self.resp):
                if "data" in ev and "event" in ev:
                    with self.lock:
                        self.named.append((ev["event"],
                                           json.loads(ev["data"])))
                elif "data" in ev:
                    item = json.loads(ev["data"])
                    item["_sse_id"] = int(ev.get("id", "0"))
                    with self.lock:
                        self.events.append(item)
        except Exception:
            pass

    def wait_for(self, pred, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                for e in self.events:
                    if pred(e):
                        return e
            time.sleep(0.05)
        raise AssertionError("no matching event within %ds; got %s"
                             % (timeout, self.kinds()))

    def wait_for_named(self, name, pred, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                for n, e in self.named:
                    if n == name and pred(e):
                        return e
            time.sleep(0.05)
        raise AssertionError("no matching %s event within %ds" %
                             (name, timeout))

    def kinds(self):
        with self.lock:
            return [(e["request_id"], e["kind"]) for e in self.events]
