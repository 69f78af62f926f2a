#!/usr/bin/env python3
"""Hostile clients (issue 10): patrold's peak RSS and a normal client's
latency while 500 slow or oversized connections are held open, against
the same run with no attackers (the baseline, measured first, in the same
run, on the same patrold).

  tests/bench/hostile_bench.py BUILD_DIR     (uses $DATABASE_URL, migrated)

The attackers, half each, reconnecting whenever patrold cuts them off:
  slow head   a request line, then one header byte a second;
  big body    POST of a 31 MiB photo with a well-formed token: 1 MiB at
              once, then one byte a second.
The normal client: GET /healthz (one database round trip) in a loop on a
kept-alive connection. Knobs: BENCH_SECONDS (30), BENCH_ATTACKERS (500).
"""
import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time

SECS = int(os.environ.get("BENCH_SECONDS", "30"))
ATTACKERS = int(os.environ.get("BENCH_ATTACKERS", "500"))
MIB = 1 << 20


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def start(build, url):
    log = open(os.path.join(os.environ.get("TMPDIR", "/tmp"),
                            "hostile-bench-%d.log" % os.getpid()), "w+")
    p = subprocess.Popen(
        [os.path.join(build, "server", "patrold"), "--database-url", url,
         "--port", "0", "--http-max-connections", "4000",
         "--http-max-connections-per-address", "4000"],
        stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        log.seek(0)
        m = re.search(r"event=listening url=http://[^:]+:(\d+)/", log.read())
        if m:
            return p, int(m.group(1))
        time.sleep(0.1)
    raise SystemExit("patrold did not start")


def measure(pid, port, secs):
    """(latencies in ms, peak RSS MiB) of a normal client for secs."""
    lat, peak = [], rss_mib(pid)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    end = time.time() + secs
    last = 0.0
    while time.time() < end:
        t = time.perf_counter()
        try:
            conn.request("GET", "/healthz")
            r = conn.getresponse()
            r.read()
            ok = r.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        lat.append((time.perf_counter() - t) * 1000 if ok else float("inf"))
        if time.time() - last > 0.2:
            peak = max(peak, rss_mib(pid))
            last = time.time()
    conn.close()
    return lat, peak


class Attackers:
    def __init__(self, port, n, token):
        self.port, self.n, self.token = port, n, token
        self.stop = False
        self.opened = 0
        self.threads = [threading.Thread(target=self.run, args=(i,),
                                         daemon=True) for i in range(4)]

    def connect(self, i):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        s.setblocking(False)
        self.opened += 1
        try:
            if i % 2:
                s.send(b"GET /healthz HTTP/1.1\r\nX-Slow: ")
            else:
                s.send(("POST /api/v1/requests/1/photos HTTP/1.1\r\n"
                        "Host: x\r\nAuthorization: Bearer %s\r\n"
                        "Content-Type: image/jpeg\r\nContent-Length: %d\r\n"
                        "\r\n" % (self.token, 31 * MIB)).encode())
                s.send(b"\xff" * MIB)
        except OSError:
            pass
        return s

    def run(self, part):
        mine = range(part, self.n, len(self.threads))
        socks = {i: self.connect(i) for i in mine}
        while not self.stop:
            for i, s in list(socks.items()):
                try:
                    s.send(b"x")
                except BlockingIOError:
                    pass
                except OSError:
                    s.close()
                    socks[i] = self.connect(i)  # cut off: come back
            time.sleep(1)
        for s in socks.values():
            s.close()

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *a):
        self.stop = True
        for t in self.threads:
            t.join()


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("set DATABASE_URL (a migrated database)")
    ctl = os.environ.get("BENCH_PATROLCTL",
                         os.path.join(build, "server", "patrolctl"))
    subprocess.run([ctl, "--database-url", url, "user", "add", "benchhost",
                    "--role", "dispatcher"], capture_output=True)
    token = subprocess.run([ctl, "--database-url", url, "token", "create",
                            "--user", "benchhost"], capture_output=True,
                           text=True, check=True).stdout.strip()
    p, port = start(build, url)
    try:
        base_lat, base_peak = measure(p.pid, port, SECS)
        with Attackers(port, ATTACKERS, token) as a:
            time.sleep(3)  # all connected
            hot_lat, hot_peak = measure(p.pid, port, SECS)
            opened = a.opened
    finally:
        p.terminate()
        p.wait()
    fails = sum(1 for x in hot_lat if x == float("inf"))
    print("hostile_bench: %d s each, %d attackers (%d connections opened, "
          "reconnecting when cut off)" % (SECS, ATTACKERS, opened))
    print("  %-28s %10s %10s %8s" % ("", "baseline", "attacked", "ratio"))
    print("  %-28s %10.1f %10.1f %8.2f" % ("patrold peak RSS (MiB)",
                                           base_peak, hot_peak,
                                           hot_peak / base_peak))
    for p_ in (50, 99):
        b, h = pct(base_lat, p_), pct(hot_lat, p_)
        print("  %-28s %10.2f %10.2f %8.2f" % (
            "/healthz p%d (ms)" % p_, b, h, h / b))
    print("  %-28s %10d %10d" % ("/healthz requests", len(base_lat),
                                 len(hot_lat)))
    print("  %-28s %10d %10d" % ("/healthz failures", 0, fails))


if __name__ == "__main__":
    main()
