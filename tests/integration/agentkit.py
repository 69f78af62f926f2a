"""Helpers for the tests of patrol-agent and /agent/v1: Google's protobuf
(Debian python3-protobuf) built from proto/sync_v1.proto at test time, the
real patrol-agent binary, and an HTTP proxy between them that records every
exchange (and can break them, for the fault tests).

Google's implementation is independent of protobuf-c, which both patrold
and the agent use: decoding what they send with it proves the wire format.
"""
import http.client
import http.server
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import harness as h

AGENT = os.path.join(h.BUILD, "mobile-agent", "patrol-agent")
PROTO_DIR = os.path.join(h.SOURCE, "proto")
PB_TYPE = "application/x-protobuf"


def enroll_code(url, crew):
    """A one-time code enrolling a new device of crew (patrolctl device
    enroll); the test fails when patrolctl refuses."""
    r = h.patrolctl(url, "device", "enroll", "--crew", crew)
    if r.returncode != 0:
        raise AssertionError("device enroll --crew %s: exit %d\n%s"
                             % (crew, r.returncode, r.stderr))
    return r.stdout.strip()


def ensure_protobuf():
    """Re-runs this test under an interpreter that has google.protobuf."""
    h.ensure_module("google.protobuf", "python3-protobuf")


def load_messages():
    """{name: message class} for package patrol.sync.v1, compiled from the
    .proto by protoc-c's front end into a descriptor set."""
    from google.protobuf import descriptor_pb2, descriptor_pool
    from google.protobuf import message_factory
    protoc = shutil.which("protoc-c") or shutil.which("protoc")
    if protoc is None:
        raise RuntimeError("protoc-c not found (protobuf-c-compiler)")
    tmp = tempfile.mkdtemp()
    out = os.path.join(tmp, "sync.pb")
    subprocess.run([protoc, "--descriptor_set_out=" + out,
                    "--proto_path=" + PROTO_DIR, "sync_v1.proto"],
                   check=True)
    fds = descriptor_pb2.FileDescriptorSet()
    with open(out, "rb") as f:
        fds.ParseFromString(f.read())
    shutil.rmtree(tmp)
    pool = descriptor_pool.DescriptorPool()
    for fd in fds.file:
        pool.Add(fd)
    messages = {}
    for m in fds.file[0].message_type:
        d = pool.FindMessageTypeByName("patrol.sync.v1." + m.name)
        if hasattr(message_factory, "GetMessageClass"):
            messages[m.name] = message_factory.GetMessageClass(d)
        else:
            messages[m.name] = \
                message_factory.MessageFactory(pool).GetPrototype(d)
    return messages


class Agent:
    """One handheld: a state directory and the real binary."""

    def __init__(self, tag):
        self.dir = tempfile.mkdtemp(prefix="agent-%s-" % tag,
                                    dir=os.environ.get("TMPDIR", "/tmp"))
        self.env = dict(os.environ, PATROL_AGENT_TIMEOUT_S="10")

    def run(self, *args, timeout=120, check=None):
        r = subprocess.run([AGENT, "--dir", self.dir] + list(args),
                           capture_output=True, text=True, timeout=timeout,
                           env=self.env)
        if check is not None and r.returncode != check:
            raise AssertionError("patrol-agent %s: exit %d\n%s%s"
                                 % (" ".join(args), r.returncode, r.stdout,
                                    r.stderr))
        return r

    def enroll(self, url, crew, server, *args):
        """Enrols this handheld as a device of crew at server (a URL), with
        a fresh code (enroll_code) and patrol-agent's further args;
        fails unless it exits 0. Returns the run."""
        return self.run("enroll", "--server", server, "--code",
                        enroll_code(url, crew), *args, check=0)

    def spawn(self, *args):
        return subprocess.Popen([AGENT, "--dir", self.dir] + list(args),
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True,
                                env=self.env)

    def db(self):
        import sqlite3
        return sqlite3.connect(os.path.join(self.dir, "agent.db"))

    def token(self):
        with open(os.path.join(self.dir, "token")) as f:
            return f.read().strip()

    def device_id(self):
        """The id the server gave this device at enrolment (its state)."""
        db = self.db()
        try:
            return db.execute("SELECT value FROM state WHERE key ="
                              " 'device_id'").fetchone()[0]
        finally:
            db.close()

    def files_contain(self, needle):
        """Whether any byte of the state directory holds needle (UTF-8)."""
        data = needle.encode("utf-8")
        for root, _, files in os.walk(self.dir):
            for name in files:
                with open(os.path.join(root, name), "rb") as f:
                    if data in f.read():
                        return True
        return False

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class Proxy:
    """An HTTP proxy in front of patrold that records each exchange as
    (method, path, request body, status, response body). fault(n, method,
    path) may return None (pass), or 'drop' (close before forwarding),
    'lose' (forward, then close without the reply: committed but never
    acknowledged), 'corrupt' (forward with one byte of the body changed:
    damaged on the way), or a delay in seconds."""

    def __init__(self, port, fault=None):
        self.target = port
        self.fault = fault
        self.log = []
        self.count = 0
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def forward(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                with proxy.lock:
                    proxy.count += 1
                    k = proxy.count
                what = proxy.fault(k, self.command, self.path) \
                    if proxy.fault else None
                if what == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if isinstance(what, (int, float)) and what > 0:
                    time.sleep(what)
                if what == "corrupt" and body:
                    i = len(body) // 2
                    body = body[:i] + bytes([body[i] ^ 0xff]) + body[i + 1:]
                c = http.client.HTTPConnection("127.0.0.1", proxy.target,
                                               timeout=60)
                hdrs = {k2: v for k2, v in self.headers.items()
                        if k2.lower() not in ("host", "connection")}
                c.request(self.command, self.path, body=body, headers=hdrs)
                r = c.getresponse()
                data = r.read()
                with proxy.lock:
                    proxy.log.append((self.command, self.path, body,
                                      r.status, data))
                if what == "lose":
                    c.close()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_response(r.status)
                for k2, v in r.getheaders():
                    if k2.lower() not in ("connection", "transfer-encoding",
                                          "date", "server"):
                        self.send_header(k2, v)
                self.send_header("Connection", "close")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                c.close()

            do_POST = do_PATCH = do_HEAD = do_GET = forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                      Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def syncs(self):
        """Recorded POST /agent/v1/sync exchanges, oldest first."""
        with self.lock:
            return [x for x in self.log
                    if x[0] == "POST" and x[1] == "/agent/v1/sync"]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def post(d, path, body, token=None, method="POST", headers=None):
    hdrs = {"Content-Type": PB_TYPE}
    if token:
        hdrs["Authorization"] = "Bearer " + token
    hdrs.update(headers or {})
    return d.request(path, method=method, body=body, headers=hdrs)


def sync(d, M, token, batch, **items):
    """One sync batch (a SyncRequest of the items) from the device token's
    holder to patrold d, which must take it (200): its SyncResponse."""
    req = M["SyncRequest"](batch_id=batch, **items)
    st, _, raw = post(d, "/agent/v1/sync", req.SerializeToString(),
                      token=token)
    assert st == 200, raw
    m = M["SyncResponse"]()
    m.ParseFromString(raw)
    return m


class FaultProxy:
    """A TCP proxy that breaks HTTP exchanges on purpose, one connection
    (one request: the agent opens one per request) at a time, chosen by a
    seeded random generator while `faulty` is set:
      drop       close before anything is forwarded
      cut        forward the headers and half the body, then reset both
      lose       forward it all, read the whole reply, reset the client:
                 the server committed, the agent never hears of it
      truncate   pass on half of the reply, then reset
      delay      wait 0.05-0.6 s before forwarding and before replying
    The target port may go away (patrold killed) and come back."""

    FAULTS = [("pass", 40), ("delay", 15), ("drop", 10), ("cut", 10),
              ("lose", 15), ("truncate", 10)]

    def __init__(self, target_port, seed=4):
        import random
        self.target = target_port
        self.rng = random.Random(seed)
        self.faulty = False
        self.counts = {}
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _choose(self):
        with self.lock:
            if not self.faulty:
                f = "pass"
            else:
                total = sum(w for _, w in self.FAULTS)
                x = self.rng.uniform(0, total)
                for f, w in self.FAULTS:
                    x -= w
                    if x <= 0:
                        break
            self.counts[f] = self.counts.get(f, 0) + 1
            return f, self.rng.uniform(0.05, 0.6)

    def _accept(self):
        while not self.closed:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,),
                             daemon=True).start()

    @staticmethod
    def _read_message(s, head_only=False):
        """One HTTP message: (head bytes, body bytes) or None."""
        message = h.recv_head(s)
        if message is None:
            return None
        head, body = message
        n = 0
        for line in head.split(b"\r\n")[1:]:
            k2, _, v = line.partition(b":")
            if k2.strip().lower() == b"content-length":
                n = int(v.strip())
        if head_only:
            n = 0
        body = h.recv_more(s, body, n)
        if len(body) < n:
            return None
        return head + b"\r\n\r\n", body

    @staticmethod
    def _reset(s):
        import struct
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
        except OSError:
            pass
        s.close()

    def _serve(self, c):
        fault, delay = self._choose()
        s = None
        try:
            c.settimeout(60)
            if fault == "drop":
                self._reset(c)
                return
            req = self._read_message(c)
            if req is None:
                c.close()
                return
            head, body = req
            try:
                s = socket.create_connection(("127.0.0.1", self.target), 5)
            except OSError:
                self._reset(c)
                return
            s.settimeout(60)
            if fault == "delay":
                time.sleep(delay)
            if fault == "cut":
                s.sendall(head + body[:len(body) // 2])
                self._reset(s)
                self._reset(c)
                return
            s.sendall(head + body)
            rep = self._read_message(s, head_only=head.startswith(b"HEAD "))
            s.close()
            if rep is None:
                self._reset(c)
                return
            rhead, rbody = rep
            if fault == "lose":
                self._reset(c)
                return
            if fault == "delay":
                time.sleep(delay)
            data = rhead + rbody
            if fault == "truncate":
                c.sendall(data[:len(data) // 2])
                self._reset(c)
                return
            c.sendall(data)
            c.close()
        except OSError:
            try:
                c.close()
            except OSError:
                pass
            if s is not None:
                s.close()

    def close(self):
        self.closed = True
        self.sock.close()
