"""Issue 10 finding 9: while PostgreSQL is down every request used to log
the same warning (24,051 lines in 6 s). The one logging path (log.c) shows
an identical line a few times per window, counts the rest, and says how
many it held back (suppressed=N) when the line is shown again.

PostgreSQL really is stopped: a private cluster of this test's own, so
the suite's shared cluster keeps serving the other tests."""
import os
import re
import subprocess
import tempfile
import time
import unittest

import harness as h

PGSH = os.path.join(h.SOURCE, "scripts", "pg.sh")


def pgsh(*args):
    return subprocess.run([PGSH] + list(args), capture_output=True,
                          text=True, timeout=180, check=True).stdout.strip()


class Outage(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pg-logrepeat-")
        pgsh("init", self.dir)
        pgsh("start", self.dir)
        self.url = pgsh("url", self.dir)
        self.assertEqual(h.patrolctl(self.url, "migrate").returncode, 0)
        self.token = h.user_token(self.url, "lou", "dispatcher")

    def tearDown(self):
        subprocess.run([PGSH, "remove", self.dir, "immediate"],
                       capture_output=True, timeout=120)

    def test_identical_lines_are_counted_while_the_database_is_down(self):
        with h.Patrold(self.url, "--log-repeat-window-s", "3",
                       "--log-repeat-burst", "4") as d:
            auth = {"Authorization": "Bearer " + self.token}
            self.assertEqual(d.request("/api/v1/requests",
                                       headers=auth)[0], 200)
            pgsh("stop", self.dir, "immediate")
            t0 = time.monotonic()
            for _ in range(200):
                self.assertEqual(d.request("/api/v1/requests",
                                           headers=auth)[0], 503)
            log = d.text()
            lines = [l for l in log.splitlines()
                     if "event=auth_lookup_failed" in l]
            # 200 failures; at most the burst per window that passed.
            windows = int((time.monotonic() - t0) / 3) + 2
            self.assertLessEqual(len(lines), 4 * windows, "\n".join(lines))
            self.assertGreaterEqual(len(lines), 4)
            # The window ends: the line comes back saying how many were
            # held back, and every failure is accounted for.
            time.sleep(3.2)
            self.assertEqual(d.request("/api/v1/requests",
                                       headers=auth)[0], 503)
            log = d.text()
            said = [l for l in log.splitlines()
                    if "event=auth_lookup_failed" in l]
            # Held back lines are counted on the line itself when it comes
            # back, or on an event=log_suppressed line naming it.
            shown = [l for l in said if "event=log_suppressed" not in l]
            counted = sum(int(m.group(1)) for m in
                          (re.search(r" suppressed=(\d+)$", l)
                           for l in said) if m)
            self.assertGreater(counted, 0, "\n".join(said))
            self.assertEqual(len(shown) + counted, 201, "\n".join(said))
            self.assertIsNone(d.proc.poll())


if __name__ == "__main__":
    h.main()
