"""PostgreSQL goes away under a running patrold and comes back: /healthz
turns 503 within seconds, patrold stays up, and recovers on its own."""
import time
import unittest

import harness as h


def wait_for(d, status, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if d.request("/healthz", timeout=5)[0] == status:
            return time.monotonic()
        time.sleep(0.1)
    raise AssertionError("/healthz did not turn %d within %d s" % (status,
                                                                  seconds))


class Restart(unittest.TestCase):
    @h.needs_own_cluster
    def test_immediate_stop_and_start(self):
        url = h.migrated_database("restart")
        with h.Patrold(url) as d:
            self.assertEqual(d.request("/healthz")[0], 200)
            t0 = time.monotonic()
            h.pg("stop", "immediate")
            try:
                wait_for(d, 503, 5)
                status, body = d.json("/healthz")
                self.assertEqual(status, 503)
                self.assertEqual(body["database"], "unavailable")
                self.assertIn("reason", body)
                # Still serving, still alive.
                self.assertIsNone(d.proc.poll())
                self.assertEqual(d.request("/")[0], 200)
                # Failing fast, not queueing: answers come quickly.
                t1 = time.monotonic()
                self.assertEqual(d.request("/healthz")[0], 503)
                self.assertLess(time.monotonic() - t1, 1.0)
            finally:
                h.pg("start")
            wait_for(d, 200, 15)
            self.assertIsNone(d.proc.poll())
            metrics = d.request("/metrics")[2].decode()
            self.assertRegex(metrics, r"\npatrol_db_reconnects_total [1-9]")
            print("503 -> 200 cycle took %.1f s" % (time.monotonic() - t0))


if __name__ == "__main__":
    h.main()
