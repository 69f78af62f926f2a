"""Reads from a hot standby (issue 19 item 3): a primary and a standby made
with pg_basebackup -R (scripts/pg.sh standby), patrold with
--database-read-url. With the standby's replay paused, another dispatcher's
queue does not show a new request (it is read from the standby) while its
writer sees it at once (read-your-writes, from the primary); a standby too
far behind is left for the primary; a stopped standby changes nothing a
user sees."""
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

import harness as h

CALL = (35.6050, 139.5600)  # Tama ward
PG = os.path.join(h.SOURCE, "scripts", "pg.sh")
MAX_LAG_MS = 6000


def pg(*args):
    r = subprocess.run([PG] + list(args), capture_output=True, text=True,
                       timeout=180)
    if r.returncode != 0:
        raise RuntimeError("pg.sh %s: %s" % (" ".join(args), r.stderr))
    return r.stdout.strip()


class ReadReplica(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="rr-", dir=os.environ.get(
            "TMPDIR", "/tmp"))
        os.chmod(cls.tmp, 0o755)  # the clusters run as another user
        cls.pdir = os.path.join(cls.tmp, "primary")
        cls.sdir = os.path.join(cls.tmp, "standby")
        pg("init", cls.pdir)
        pg("start", cls.pdir)
        cls.url = pg("url", cls.pdir)
        h.setup_city(
            cls.url,
            h.office(),
        )
        cls.ann = h.user_token(cls.url, "ann", "dispatcher")
        cls.bob = h.user_token(cls.url, "bob", "dispatcher")
        pg("standby", cls.sdir, cls.pdir)
        pg("start", cls.sdir)
        cls.replica = pg("url", cls.sdir)
        assert h.psql(cls.replica, "SELECT pg_is_in_recovery()") == "t"
        cls.d = h.Patrold(cls.url, "--database-read-url", cls.replica,
                          "--database-read-max-lag-ms", str(MAX_LAG_MS))

    @classmethod
    def tearDownClass(cls):
        rc = cls.d.stop()
        for d in (cls.sdir, cls.pdir):
            try:  # with what pg.sh kept outside the directory
                pg("remove", d, "immediate")
            except Exception:
                pass
        shutil.rmtree(cls.tmp, ignore_errors=True)
        assert rc == 0, "patrold exited %d:\n%s" % (rc, cls.d.text())

    def api(self, token, method, path, body=None):
        return self.d.api(method, path, token, body)

    def queue_ids(self, token):
        st, q = self.api(token, "GET", "/api/v1/requests")
        self.assertEqual(st, 200, q)
        return set(x["id"] for x in q)

    def create(self, token):
        st, r = self.api(token, "POST", "/api/v1/requests", {
            "category": "wasp_nest", "lat": CALL[0], "lon": CALL[1],
            "answers": {"nest_height": "eaves", "location": "outdoor"}})
        self.assertEqual(st, 201, r)
        return r["id"]

    def metric(self, name):
        st, _, body = self.d.request("/metrics")
        self.assertEqual(st, 200)
        m = re.search(r"^%s (\S+)$" % re.escape(name), body.decode(),
                      re.M)
        return float(m.group(1)) if m else None

    def wait(self, pred, what, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if pred():
                return
            time.sleep(0.1)
        self.fail("timed out: " + what)

    def test_replica_reads_own_writes_lag_and_failure(self):
        usable = "patrol_db_read_replica_usable"
        on_replica = 'patrol_db_read_queries_total{on="replica"}'
        on_primary = 'patrol_db_read_queries_total{on="primary"}'
        self.wait(lambda: self.metric(usable) == 1, "standby in use")

        # Reads hit the standby: its queries are counted there.
        before = self.metric(on_replica)
        for _ in range(5):
            self.queue_ids(self.bob)
        self.assertGreaterEqual(self.metric(on_replica) - before, 5)

        # Replay paused: Bob (reading the standby) does not see Ann's new
        # request; Ann does, at once (her reads go to the primary until
        # the standby has replayed her write).
        h.psql(self.replica, "SELECT pg_wal_replay_pause()")
        a = self.create(self.ann)
        self.assertIn(a, self.queue_ids(self.ann))
        self.assertNotIn(a, self.queue_ids(self.bob))
        st, r = self.api(self.ann, "GET", "/open311/v2/requests.json")
        self.assertEqual(st, 200, r)
        # Replay resumed: Bob sees it (from the standby), and so does Ann
        # again from the standby once it has caught up.
        h.psql(self.replica, "SELECT pg_wal_replay_resume()")
        self.wait(lambda: a in self.queue_ids(self.bob), "replayed")
        self.assertEqual(self.metric(usable), 1)

        # A standby more than the lag limit behind is not used: paused
        # again, Bob's queue shows a request the standby has not replayed
        # once the limit has passed.
        h.psql(self.replica, "SELECT pg_wal_replay_pause()")
        b = self.create(self.ann)
        self.assertNotIn(b, self.queue_ids(self.bob))
        self.wait(lambda: self.metric(usable) == 0, "standby avoided",
                  timeout=MAX_LAG_MS / 1000 + 30)
        prim = self.metric(on_primary)
        self.assertIn(b, self.queue_ids(self.bob))
        self.assertGreater(self.metric(on_primary), prim)
        h.psql(self.replica, "SELECT pg_wal_replay_resume()")
        self.wait(lambda: self.metric(usable) == 1, "standby used again")

        # The standby stops: every read is still answered, fresh.
        pg("stop", self.sdir, "immediate")
        for _ in range(10):
            c = self.create(self.ann)
            self.assertIn(c, self.queue_ids(self.bob))
            st, r = self.api(self.bob, "GET", "/open311/v2/requests.json")
            self.assertEqual(st, 200, r)
        self.wait(lambda: self.metric(usable) == 0, "standby down")
        self.assertIn("event=read_replica_avoided", self.d.text())


if __name__ == "__main__":
    h.main()
