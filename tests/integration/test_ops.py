"""patrold's operations surface: /healthz, /metrics, errors, limits, the
console's files, and draining in-flight requests on SIGTERM."""
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import harness as h


class Ops(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = h.migrated_database("ops")

    def setUp(self):
        self.d = h.Patrold(self.url, "--http-max-body", "4096")

    def tearDown(self):
        self.d.stop_clean()

    def test_healthz(self):
        status, body = self.d.json("/healthz")
        self.assertEqual(status, 200)
        self.assertEqual(body, {"status": "ok", "database": "ok"})

    def test_metrics_count_requests_and_show_the_pool(self):
        for _ in range(3):
            self.d.request("/healthz")
        self.d.request("/nowhere")
        status, headers, body = self.d.request("/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain"))
        text = body.decode()
        self.assertIn('patrol_http_requests_total{route="healthz",code="200"} 3',
                      text)
        self.assertIn('patrol_http_requests_total{route="unmatched",code="404"} 1',
                      text)
        self.assertIn('patrol_http_request_duration_seconds_count{route="healthz"} 3',
                      text)
        self.assertRegex(text, r"\npatrol_db_connections [1-9]")
        self.assertIn("\npatrol_db_waiting 0\n", text)
        self.assertIn("\npatrol_db_reconnects_total 0\n", text)

    def test_errors_are_json_and_name_the_problem(self):
        status, body = self.d.json("/api/v1/nothing")
        self.assertEqual(status, 404)
        self.assertEqual(body["error"]["code"], "not_found")
        status, headers, raw = self.d.request("/healthz", method="DELETE")
        self.assertEqual(status, 405)
        self.assertEqual(headers["Allow"], "GET, HEAD")
        self.assertEqual(json.loads(raw)["error"]["code"], "method_not_allowed")

    def test_oversized_body_is_refused(self):
        # Refused from the head (issue 10): the method is not allowed.
        status, _, _ = self.d.request("/healthz", method="POST",
                                      body=b"x" * 10000)
        self.assertEqual(status, 405)
        # Over the route's own limit (the log-in takes 4 KiB).
        status, _, _ = self.d.request("/api/v1/session", method="POST",
                                      body=b"x" * 10000)
        self.assertEqual(status, 413)
        # The server is still fine afterwards.
        self.assertEqual(self.d.request("/healthz")[0], 200)

    def test_garbage_request_line(self):
        s = socket.create_connection(("127.0.0.1", self.d.port))
        s.sendall(b"\x00\xff NONSENSE\r\n\r\n")
        s.settimeout(5)
        reply = s.recv(100)
        s.close()
        self.assertTrue(reply == b"" or reply.startswith(b"HTTP/1.1 400"),
                        reply)
        self.assertEqual(self.d.request("/healthz")[0], 200)

    def test_console_is_served_in_japanese(self):
        status, headers, body = self.d.request("/")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        self.assertIn('lang="ja"', body.decode())
        self.assertIn("巡回・出動管理", body.decode())
        status, headers, _ = self.d.request("/console/status.js")
        self.assertEqual(status, 200)
        self.assertIn("javascript", headers["Content-Type"])

    def test_console_paths_cannot_escape(self):
        for p in ["/console/../CMakeLists.txt", "/console/%2e%2e/README.md",
                  "/console/.hidden.js", "/console/a//b.js",
                  "/console/nothing.js", "/console/index.exe"]:
            self.assertEqual(self.d.request(p)[0], 404, p)

    @h.needs_own_cluster
    def test_sigterm_drains_in_flight_requests(self):
        # Freeze our database backends so a /healthz stays in flight.
        with h.frozen_backends(self.url):
            s = socket.create_connection(("127.0.0.1", self.d.port))
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            time.sleep(0.3)
            self.d.proc.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            # Still waiting for the answer it owes.
            self.assertIsNone(self.d.proc.poll())
            # New connections are no longer accepted.
            with self.assertRaises(OSError):
                socket.create_connection(("127.0.0.1", self.d.port),
                                         timeout=2)
        s.settimeout(10)
        reply = s.recv(4096).decode()
        s.close()
        self.assertTrue(reply.startswith("HTTP/1.1 200"), reply)
        self.assertEqual(self.d.proc.wait(20), 0)
        self.assertIn("event=drained", self.d.text())


class HungDatabase(unittest.TestCase):
    """A database that stops answering gives 503 soon, never a hang."""

    @h.needs_own_cluster
    def test_stuck_backend_times_out_and_recovers(self):
        url = h.migrated_database("hung")
        with h.Patrold(url, "--db-pool-size", "1",
                       "--db-statement-timeout-ms", "300") as d:
            with h.frozen_backends(url):
                t0 = time.monotonic()
                status, body = d.json("/healthz")
                took = time.monotonic() - t0
            self.assertEqual(status, 503)
            # The deadline is named: the health check's own query's ("did
            # not answer in time"), or, when a background query (a timer's)
            # held the one connection as the database froze, the reset that
            # deadline caused, which fails the queries waiting behind it.
            self.assertRegex(body["reason"],
                             "did not answer in time|query deadline passed")
            self.assertLess(took, 4.5)  # the route's own deadline is 5 s
            # The pool replaced the connection by itself.
            deadline = time.monotonic() + 10
            while d.request("/healthz")[0] != 200:
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.2)


class PhotoDir(unittest.TestCase):
    """The photo directory is made whole at start-up, from any working
    directory, or patrold refuses to start and names it."""

    @classmethod
    def setUpClass(cls):
        cls.url = h.migrated_database("photodir")

    def test_missing_parents_are_made(self):
        with tempfile.TemporaryDirectory() as tmp:
            photos = os.path.join(tmp, "no", "var", "yet", "photos")
            with h.Patrold(self.url, "--photo-dir", photos) as d:
                self.assertTrue(os.path.isdir(os.path.join(photos,
                                                           ".partial")))

    def test_unmakeable_dir_refuses_to_start(self):
        with tempfile.NamedTemporaryFile() as f:
            photos = os.path.join(f.name, "photos")
            r = subprocess.run([os.path.abspath(h.PATROLD), "--database-url",
                                self.url, "--port", "0", "--photo-dir",
                                photos], capture_output=True, text=True,
                               timeout=60, cwd="/")
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("cannot make %s" % f.name, r.stderr)

    def test_default_is_absolute(self):
        r = subprocess.run([os.path.abspath(h.PATROLD), "--help"],
                           capture_output=True, text=True, timeout=60,
                           cwd="/")
        lines = r.stdout.splitlines()
        at = [i for i, x in enumerate(lines) if "--photo-dir" in x]
        self.assertTrue(at, r.stdout)
        # Absolute: the installed layout's, whatever the working directory.
        self.assertRegex(lines[at[0] + 1], r"default '/[^']*/photos'")


if __name__ == "__main__":
    h.main()
