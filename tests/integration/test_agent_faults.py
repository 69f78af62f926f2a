"""Exactly once through a broken link. One crew works 40 wasp jobs (accept,
en route, on site, done with a photo), reports findings and records a GPS
track, syncing over 200 times through a proxy that drops connections,
cuts requests, loses replies after the server committed, truncates
replies and delays; meanwhile patrold is killed with SIGKILL and started
again, PostgreSQL is restarted, and the agent itself is killed with
SIGKILL while it records and while it syncs. Afterwards every status
change, result, finding, fix and photo is in the database exactly once,
each step is on the request's history exactly once, and nothing the
agent said OK to, or had acknowledged, is missing."""
import hashlib
import os
import random
import time
import unittest

import harness as h
import agentkit as k

CALL = (35.6050, 139.5600)
JOBS = 40
SYNCS = 200
NMEA = os.path.join(h.SOURCE, "tests", "data", "nmea",
                    "gpsd_iTrek_anpachi_gifu_jp.log")


class AgentFaults(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = h.city_database(
            "agent_faults",
            h.office(),
            h.crew("tama-wasp-1", "多摩 蜂班", "wasp,road"),
        )
        cls.disp = h.user_token(cls.url, "disp1", "dispatcher")
        cls.port = h.free_port()
        cls.d = cls.start()
        cls.photo_dir = cls.d.photo_dir
        cls.proxy = k.FaultProxy(cls.port, seed=20260701)
        cls.crew = int(h.psql(cls.url, "SELECT id FROM crews"))

    @classmethod
    def start(cls):
        # The same port and photos as before a restart.
        extra = ["--photo-dir", cls.photo_dir] if hasattr(
            cls, "photo_dir") else []
        return h.Patrold(cls.url, "--port", str(cls.port),
                         "--agent-track-interval-s", "1", *extra)

    @classmethod
    def tearDownClass(cls):
        cls.proxy.close()
        cls.d.stop_clean()

    def q(self, sql):
        return h.psql(self.url, sql)

    def new_job(self, i):
        import json
        status, _, raw = self.d.request(
            "/api/v1/requests", method="POST",
            body=json.dumps({
                "category": "wasp_nest", "lat": CALL[0] + i * 0.0001,
                "lon": CALL[1], "answers": {"nest_height": "eaves",
                                            "location": "outdoor"},
                "caller": {"name": "住民 %d" % i,
                           "phone": "044-900-%04d" % i}}).encode(),
            headers={"Authorization": "Bearer " + self.disp,
                     "Content-Type": "application/json"})
        self.assertEqual(status, 201, raw)
        rid = json.loads(raw)["id"]
        status, _, raw = self.d.request(
            "/api/v1/requests/%d/assign" % rid, method="POST",
            body=json.dumps({"crew_id": self.crew}).encode(),
            headers={"Authorization": "Bearer " + self.disp,
                     "Content-Type": "application/json"})
        self.assertEqual(status, 200, raw)
        return rid

    def test_exactly_once_through_faults(self):
        rng = random.Random(7)
        a = k.Agent("faults")
        self.addCleanup(a.remove)
        a.enroll(self.url, "tama-wasp-1", self.proxy.url)
        jobs = [self.new_job(i) for i in range(JOBS)]
        state = {"syncs": 0, "killed_d": False, "pg": False}
        said_ok = {"finding": 0, "photos": {}}

        def local_state(rid):
            db = a.db()
            row = db.execute("SELECT state FROM jobs WHERE request_id = ?",
                             (rid,)).fetchone()
            db.close()
            return row[0] if row else None

        def sync(kill=False):
            state["syncs"] += 1
            if kill:
                p = a.spawn("sync")
                time.sleep(rng.uniform(0, 0.15))
                p.kill()
                p.communicate()
            else:
                r = a.run("sync", timeout=120)
                self.assertIn(r.returncode, (0, 1), r.stdout + r.stderr)
            n = state["syncs"]
            if n == 60 and not state["killed_d"]:
                # patrold dies mid-run; nothing it acknowledged is lost.
                state["killed_d"] = True
                self.d.proc.kill()
                self.d.proc.wait()
                self.d.log.close()
                self.__class__.d = self.start()
                self.d = self.__class__.d
            if n == 120 and h.PGDIR and not state["pg"]:
                state["pg"] = True
                h.pg("stop", "immediate")
                for _ in range(3):  # these fail: the outbox keeps it all
                    state["syncs"] += 1
                    self.assertEqual(a.run("sync").returncode, 1)
                h.pg("start")

        def step(*args):
            r = a.run(*args)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("OK", r.stdout)

        # The jobs reach the device even through the faults.
        self.proxy.faulty = True
        while True:
            sync()
            db = a.db()
            n = db.execute("SELECT count(*) FROM jobs").fetchone()[0]
            db.close()
            if n == JOBS:
                break
            self.assertLess(state["syncs"], 40, "jobs never arrived")
        # A track (the NMEA log), synced through the faults by the daemon.
        r = a.run("run", "--nmea", NMEA, "--once", "--backoff-max", "1",
                  timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout)

        for i, rid in enumerate(jobs):
            step("accept", str(rid))
            sync(kill=i % 7 == 3)
            step("status", "en-route", str(rid))
            sync()
            step("status", "on-site", str(rid))
            photo = os.path.join(a.dir, "..", "p-%d-%d.jpg"
                                 % (os.getpid(), i))
            size = 1200000 if i % 10 == 0 else rng.randint(20000, 300000)
            with open(photo, "wb") as f:
                data = b"\xff\xd8\xff\xe0" + os.urandom(size - 4)
                f.write(data)
            sha = hashlib.sha256(data).hexdigest()
            done = ("done", str(rid), "--outcome", "removed", "--note",
                    "巣を駆除 %d" % i, "--photo", photo)
            if i % 5 == 2:
                # Killed while recording: either it is all there, or
                # nothing is and the crew records it again.
                p = a.spawn(*done)
                time.sleep(rng.uniform(0, 0.04))
                p.kill()
                p.communicate()
                if local_state(rid) != "done":
                    step(*done)
            else:
                step(*done)
            said_ok["photos"][rid] = sha
            os.unlink(photo)
            if i % 4 == 0:
                step("finding", "--category", "road_pothole", "--lat",
                     "35.61", "--lon", "139.556", "--answer", "depth=deep",
                     "--note", "穴 %d" % i)
                said_ok["finding"] += 1
            sync(kill=i % 6 == 5)
        while state["syncs"] < SYNCS:
            sync()

        # The link heals: everything goes through.
        self.proxy.faulty = False
        for _ in range(10):
            if a.run("sync").returncode == 0:
                db = a.db()
                left = db.execute(
                    "SELECT (SELECT count(*) FROM outbox WHERE acked_ms IS"
                    " NULL) + (SELECT count(*) FROM photos WHERE uploaded ="
                    " 0) + (SELECT count(*) FROM fixes)").fetchone()[0]
                db.close()
                if left == 0:
                    break
            time.sleep(1)
        else:
            self.fail("the outbox never emptied: %s"
                      % a.run("status").stdout)

        faults = self.proxy.counts
        for f in ("drop", "cut", "lose", "truncate", "delay"):
            self.assertGreater(faults.get(f, 0), 0, faults)
        self.assertGreaterEqual(state["syncs"], SYNCS)
        ids = ",".join(str(x) for x in jobs)

        # Each job done once, each step on its history once.
        self.assertEqual(self.q("SELECT count(*) FROM requests WHERE id IN"
                                " (%s) AND state = 'done' AND outcome ="
                                " 'removed'" % ids), str(JOBS))
        self.assertEqual(self.q(
            "SELECT string_agg(request_id || ':' || kind || 'x' || n, ' ')"
            " FROM (SELECT request_id, kind, count(*) AS n FROM"
            " request_events WHERE request_id IN (%s) AND kind IN ('accept',"
            " 'en_route', 'on_site', 'done', 'photo_added', 'sync_conflict')"
            " GROUP BY 1, 2 HAVING count(*) <> 1 OR kind = 'sync_conflict')"
            " x" % ids), "")
        self.assertEqual(self.q("SELECT count(*) FROM request_events WHERE"
                                " request_id IN (%s) AND kind IN ('accept',"
                                " 'en_route', 'on_site', 'done',"
                                " 'photo_added')" % ids), str(JOBS * 5))
        self.assertEqual(self.q("SELECT count(*) FROM sync_status_changes"
                                " WHERE result = 'applied'"), str(JOBS * 3))
        self.assertEqual(self.q("SELECT count(*) FROM job_results WHERE"
                                " result = 'applied'"), str(JOBS))
        # Every photo the agent said OK to, stored and linked once.
        rows = self.q("SELECT request_id || ' ' || sha256 FROM"
                      " request_photos WHERE request_id IN (%s)" % ids)
        got = dict((int(x.split()[0]), x.split()[1])
                   for x in rows.splitlines())
        self.assertEqual(got, said_ok["photos"])
        for sha in got.values():
            with open(os.path.join(self.photo_dir, sha[:2], sha),
                      "rb") as f:
                self.assertEqual(hashlib.sha256(f.read()).hexdigest(), sha)
        self.assertEqual(self.q("SELECT count(*) FROM requests WHERE"
                                " channel = 'patrol'"),
                         str(said_ok["finding"]))
        # The track: every fix once.
        fixes = self.q("SELECT count(*) || ' ' || count(DISTINCT at) FROM"
                       " track_fixes")
        self.assertEqual(fixes, "35 35")
        # Whatever the server acknowledged to the device is there.
        db = a.db()
        acked = db.execute("SELECT kind, client_id FROM outbox WHERE"
                           " acked_ms IS NOT NULL").fetchall()
        self.assertEqual(db.execute("SELECT count(*) FROM outbox WHERE"
                                    " acked_ms IS NULL").fetchone()[0], 0)
        db.close()
        tables = {"status": "sync_status_changes", "result": "job_results",
                  "finding": "patrol_findings", "track": "track_pieces"}
        for kind, table in tables.items():
            mine = sorted(c for kk, c in acked if kk == kind)
            theirs = sorted(self.q("SELECT client_id FROM %s" % table)
                            .split())
            self.assertEqual(mine, theirs, kind)
        self.assertEqual(os.listdir(os.path.join(a.dir, "photos")), [])


if __name__ == "__main__":
    h.main()
