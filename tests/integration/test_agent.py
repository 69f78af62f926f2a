"""The handheld agent against the real patrold and PostgreSQL: enrollment,
a wasp job from assignment to "done" with a photo (resumable upload), each
step on the dispatcher's live feed, exactly-once batches (a replayed batch
gets the same acknowledgement and changes nothing; the same id with other
content is a 409), a conflict kept and shown, findings that become
requests, a GPS track from gpsd (gpsfake replaying a real NMEA log), and a
revoked device that gets 401 and wipes the personal data it holds. What
the agent sends is decoded with Google's protobuf, not protobuf-c."""
import hashlib
import os
import shutil
import signal
import subprocess
import time
import unittest

import harness as h
import agentkit as k

k.ensure_protobuf()

CALL = (35.6050, 139.5600)  # Tama ward (14135)
NMEA = os.path.join(h.SOURCE, "tests", "data", "nmea",
                    "gpsd_iTrek_anpachi_gifu_jp.log")


def jpeg(path, size):
    data = b"\xff\xd8\xff\xe0" + os.urandom(size - 4)
    with open(path, "wb") as f:
        f.write(data)
    return hashlib.sha256(data).hexdigest()


class AgentSync(h.DispatcherCalls, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.M = k.load_messages()
        cls.url = h.city_database(
            "agent",
            h.office(),
            h.crew("tama-wasp-1", "多摩 蜂班", "wasp"),
            h.crew("tama-road-1", "多摩 道路班", "road"),
        )
        cls.disp = h.user_token(cls.url, "disp1", "dispatcher")
        cls.d = h.Patrold(cls.url, "--agent-track-interval-s", "1")
        cls.proxy = k.Proxy(cls.d.port)
        cls.crews = h.crew_ids(cls.url, "tama-wasp-1", "tama-road-1")
        cls.agents = []

    @classmethod
    def tearDownClass(cls):
        cls.proxy.close()
        for a in cls.agents:
            a.remove()
        cls.d.stop_clean()

    # -- helpers ---------------------------------------------------------

    def agent(self, crew):
        a = k.Agent(crew)
        self.agents.append(a)
        code = k.enroll_code(self.url, crew)
        self.assertRegex(code, r"^[A-Z2-9]{5}-[A-Z2-9]{5}$")
        r = a.run("enroll", "--server", self.proxy.url, "--code", code,
                  check=0)
        self.assertIn("OK enrolled", r.stdout)
        # The code is spent.
        b = k.Agent(crew + "-again")
        self.agents.append(b)
        r = b.run("enroll", "--server", self.proxy.url, "--code", code)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("invalid_code", r.stderr)
        return a

    def new_job(self, crew, phone, name="多摩 花子"):
        st, r = self.api("POST", "/api/v1/requests", {
            "category": "wasp_nest", "lat": CALL[0], "lon": CALL[1],
            "address": "多摩区内の住宅 軒下",
            "answers": {"nest_height": "eaves", "location": "outdoor"},
            "caller": {"name": name, "phone": phone}})
        self.assertEqual(st, 201, r)
        rid = r["id"]
        self.assign(rid, self.crews[crew])
        return rid

    def last_event(self):
        return int(h.psql(self.url,
                          "SELECT coalesce(max(id), 0) FROM request_events"))

    def q(self, sql):
        return h.psql(self.url, sql)

    def decode(self, name, raw):
        m = self.M[name]()
        m.ParseFromString(raw)
        return m

    # -- tests -----------------------------------------------------------

    def test_0_status_over_a_damaged_store_says_so(self):
        """A read of the handheld's store that fails is an error the crew
        sees (exit 1 and why), not a status that looks whole."""
        a = k.Agent("damaged")
        try:
            self.assertIn("(not enrolled)", a.run("status", check=0).stdout)
            db = a.db()
            # The table is there (opening the store does not make it
            # again) but not as the agent wrote it.
            db.execute("DROP TABLE photos")
            db.execute("CREATE TABLE photos (x)")
            db.commit()
            db.close()
            r = a.run("status")
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn("patrol-agent: status: no such column", r.stderr)
        finally:
            a.remove()

    def test_1_wasp_job_with_photo_exactly_once(self):
        a = self.agent("tama-wasp-1")
        self.assertEqual(os.stat(os.path.join(a.dir, "token")).st_mode
                         & 0o777, 0o600)
        rid = self.new_job("tama-wasp-1", "044-555-0101")
        feed = h.EventStream(self.d, self.disp, after=self.last_event())

        a.run("sync", check=0)
        self.assertIn(str(rid), a.run("jobs", check=0).stdout)
        show = a.run("show", str(rid), check=0).stdout
        self.assertIn("044-555-0101", show)  # the crew needs it
        self.assertIn("removed", show)        # the outcomes to choose from

        # Offline from here until the sync: each step is durable at "OK".
        self.assertIn("OK", a.run("accept", str(rid), check=0).stdout)
        a.run("status", "en-route", str(rid), check=0)
        a.run("status", "on-site", str(rid), "--lat", "35.6051", "--lon",
              "139.5601", check=0)
        r = a.run("accept", str(rid))
        self.assertEqual(r.returncode, 1)  # on site already
        photo = os.path.join(a.dir, "..", "nest-%d.jpg" % os.getpid())
        size = 2500000  # three chunks of 1 MiB
        sha = jpeg(photo, size)
        r = a.run("done", str(rid), "--outcome", "no_such_outcome")
        self.assertEqual(r.returncode, 1)
        a.run("done", str(rid), "--outcome", "removed", "--note",
              "軒下の巣を駆除、住民へ説明", "--photo", photo, check=0)
        os.unlink(photo)  # the agent kept its own copy
        # The job is closed: its caller left the device, every byte of it.
        self.assertFalse(a.files_contain("044-555-0101"))
        self.assertIn("4", a.run("status", check=0).stdout)

        self.assertIn("1 photo(s) uploaded",
                      a.run("sync", check=0).stdout)
        for kind in ("accept", "en_route", "on_site", "done",
                     "photo_added"):
            e = feed.wait_for(lambda e, kind=kind: e["request_id"] == rid
                              and e["kind"] == kind)
            self.assertEqual(e["actor"], "crew:tama-wasp-1")
        feed.close()
        self.assertEqual(self.q("SELECT state || ' ' || outcome FROM requests"
                                " WHERE id = %d" % rid), "done removed")
        self.assertEqual(self.q("SELECT sha256 FROM request_photos WHERE"
                                " request_id = %d" % rid), sha)
        self.assertEqual(self.q("SELECT bytes FROM photos WHERE sha256 = '%s'"
                                % sha), str(size))
        stored = os.path.join(self.d.photo_dir, sha[:2], sha)
        with open(stored, "rb") as f:
            self.assertEqual(hashlib.sha256(f.read()).hexdigest(), sha)
        self.assertEqual(os.listdir(os.path.join(a.dir, "photos")), [])

        # What the agent sent, read by Google's decoder.
        sent = [(self.decode("SyncRequest", x[2]), x) for x in
                self.proxy.syncs()]
        req, ex = [(q, x) for q, x in sent if len(q.results) == 1
                   and q.results[0].request_id == rid][0]
        self.assertRegex(req.batch_id, r"^[0-9a-f]{32}$")
        self.assertEqual([s.action for s in req.status_changes],
                         ["accept", "en_route", "on_site"])
        seqs = [s.seq for s in req.status_changes] + [req.results[0].seq]
        self.assertEqual(seqs, sorted(seqs))
        res = req.results[0]
        self.assertEqual((res.outcome, res.note, list(res.photo_sha256)),
                         ("removed", "軒下の巣を駆除、住民へ説明", [sha]))
        self.assertAlmostEqual(req.status_changes[2].position.lat, 35.6051)
        self.assertEqual([(p.sha256, p.bytes, p.content_type)
                          for p in req.photos], [(sha, size, "image/jpeg")])
        self.assertEqual(req.hello.agent_version.split(".")[0], "0")
        self.assertEqual(ex[3], 200)
        first = self.decode("SyncResponse", ex[4])
        acks = [(x.client_id, x.status, x.state) for x in first.acks]
        self.assertEqual([x[1] for x in acks], [1, 1, 1, 1])  # APPLIED
        self.assertEqual(acks[-1][2], "done")
        self.assertEqual(list(first.photos_wanted), [sha])
        self.assertEqual(first.settings.track_interval_s, 1)

        # The same batch again (a reply lost on the way): the same
        # acknowledgement, and nothing applied twice.
        events = self.q("SELECT count(*) FROM request_events")
        status, _, raw = k.post(self.d, "/agent/v1/sync", ex[2],
                                token=a.token())
        self.assertEqual(status, 200)
        again = self.decode("SyncResponse", raw)
        self.assertTrue(again.replayed)
        self.assertEqual([(x.client_id, x.status, x.state)
                          for x in again.acks], acks)
        self.assertEqual(self.q("SELECT count(*) FROM request_events"),
                         events)
        self.assertEqual(self.q("SELECT count(*) FROM job_results WHERE"
                                " request_id = %d" % rid), "1")
        # The same id with other content: refused.
        req.results[0].note = "書き換え"
        status, _, raw = k.post(self.d, "/agent/v1/sync",
                                req.SerializeToString(), token=a.token())
        self.assertEqual(status, 409)
        self.assertEqual(self.decode("Error", raw).code, "batch_conflict")
        # Its items under a new batch id: each item's own id keeps it once.
        req.batch_id = "retry-" + req.batch_id
        status, _, raw = k.post(self.d, "/agent/v1/sync",
                                req.SerializeToString(), token=a.token())
        self.assertEqual(status, 200)
        self.assertEqual([x.status for x in
                          self.decode("SyncResponse", raw).acks],
                         [2, 2, 2, 2])  # DUPLICATE
        self.assertEqual(self.q("SELECT count(*) FROM request_events"),
                         events)

    def test_2_conflict_is_kept_and_shown(self):
        """The dispatcher cancels while the crew, offline, finishes."""
        a = self.agent("tama-wasp-1")
        rid = self.new_job("tama-wasp-1", "044-555-0102")
        a.run("sync", check=0)
        a.run("accept", str(rid), check=0)
        a.run("sync", check=0)
        st, r = self.api("POST", "/api/v1/requests/%d/cancel" % rid,
                         {"reason": "住民が自分で対処した"})
        self.assertEqual(st, 200, r)
        feed = h.EventStream(self.d, self.disp, after=self.last_event())
        a.run("status", "on-site", str(rid), check=0)
        a.run("done", str(rid), "--outcome", "removed", "--note",
              "到着時に巣を撤去", check=0)
        a.run("sync", check=0)
        e = feed.wait_for(lambda e: e["request_id"] == rid
                          and e["kind"] == "sync_conflict"
                          and e["detail"].get("action") == "done")
        feed.close()
        self.assertEqual(e["detail"]["note"], "到着時に巣を撤去")
        self.assertIn("cancelled", e["detail"]["conflict"])
        self.assertEqual(self.q("SELECT state FROM requests WHERE id = %d"
                                % rid), "cancelled")
        self.assertEqual(self.q("SELECT result || ' ' || note FROM"
                                " job_results WHERE request_id = %d" % rid),
                         "conflict 到着時に巣を撤去")
        status = a.run("status", check=0).stdout
        self.assertIn("conflict result job %d" % rid, status)
        self.assertIn("cancelled", a.run("jobs", check=0).stdout)
        # The request's history shows it to whoever opens it.
        st, r = self.api("GET", "/api/v1/requests/%d" % rid)
        self.assertIn("sync_conflict", [x["kind"] for x in r["events"]])

    def test_3_findings_become_requests(self):
        a = self.agent("tama-road-1")
        feed = h.EventStream(self.d, self.disp, after=self.last_event())
        a.run("finding", "--category", "road_pothole", "--lat", "35.6120",
              "--lon", "139.5560", "--answer", "depth=deep", "--note",
              "深い穴、車線上", check=0)
        a.run("finding", "--category", "no_such_category", "--lat",
              "35.6120", "--lon", "139.5560", check=0)
        a.run("finding", "--category", "road_pothole", "--lat", "35.6120",
              "--lon", "139.5560", check=0)  # the depth is required
        a.run("sync", check=0)
        row = self.q("SELECT id || ' ' || priority || ' ' || ward_code ||"
                     " ' ' || created_by FROM requests WHERE channel ="
                     " 'patrol' AND description = '深い穴、車線上'")
        rid, prio, ward, by = row.split()
        self.assertEqual((prio, ward, by), ("1", "14135", "crew:tama-road-1"))
        e = feed.wait_for(lambda e: e["request_id"] == int(rid)
                          and e["kind"] == "created")
        feed.close()
        self.assertEqual(e["detail"]["channel"], "patrol")
        status = a.run("status", check=0).stdout
        self.assertIn("rejected finding", status)
        self.assertIn("no such category", status)
        self.assertIn("depth", status)

    def test_4_gps_track_from_gpsfake(self):
        if shutil.which("gpsfake") is None:
            self.skipTest("gpsfake is missing (gpsd-clients)")
        a = self.agent("tama-road-1")
        a.run("patrol", "start", check=0)
        port = h.free_port()
        fake = subprocess.Popen(["gpsfake", "-1", "-q", "-P", str(port),
                                 "-c", "0.05", NMEA],
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            # The agent retries until gpsfake's gpsd listens.
            run = a.spawn("run", "--gpsd", "127.0.0.1:%d" % port)
            try:
                # Until the log is through (gpsfake -1 exits at its end)
                # and then no new fix for two seconds: a two-second gap
                # alone also happens on a loaded machine mid-log.
                db = a.db()
                seen, still, deadline = 0, 0, time.time() + 180
                while time.time() < deadline and (
                        seen == 0 or still < 10 or fake.poll() is None):
                    time.sleep(0.2)
                    n = db.execute(
                        "SELECT count(*) FROM fixes").fetchone()[0]
                    still = still + 1 if n == seen else 0
                    seen = n
                db.close()
            finally:
                run.send_signal(signal.SIGTERM)
                out = run.communicate(timeout=30)[0]
            self.assertEqual(run.returncode, 0, out)
        finally:
            # gpsfake and the gpsd it started, which outlive a SIGTERM,
            # and the control socket it leaves behind.
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(fake.pid, sig)
                    fake.wait(timeout=5)
                    break
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass
            try:
                os.unlink(os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                       "gpsfake-%d.sock" % fake.pid))
            except OSError:
                pass
        a.run("patrol", "stop", check=0)
        a.run("sync", check=0)
        # The log's valid fixes (35, one a second; gpsd may merge a few
        # when fed fast), in one patrol session. gpsd moves the 2005 dates
        # of this old receiver on by 1024 weeks (GPS week roll-over), so
        # the day is not checked.
        row = self.q("SELECT count(*), count(DISTINCT f.session_id),"
                     " min(f.lat)::numeric(6,3), min(f.lon)::numeric(7,3),"
                     " count(DISTINCT f.at) FROM track_fixes f"
                     " JOIN patrol_sessions p ON p.id = f.session_id"
                     " WHERE p.crew_id = %d" % self.crews["tama-road-1"])
        count, sessions, lat, lon, distinct = row.split("|")
        self.assertEqual((sessions, lat, lon, distinct),
                         ("1", "35.332", "136.671", count))
        self.assertTrue(20 <= int(count) <= 35, count)
        self.assertIsNotNone(self.q("SELECT stopped_at FROM patrol_sessions"
                                    " WHERE crew_id = %d"
                                    % self.crews["tama-road-1"]))
        # Decoded by Google's protobuf: deltas that add up to the fixes.
        pieces = [t for x in self.proxy.syncs()
                  for t in self.decode("SyncRequest", x[2]).tracks]
        self.assertEqual(sum(len(t.dt_ms) for t in pieces), int(count))
        t = max(pieces, key=lambda t: len(t.dt_ms))
        last = float(self.q("SELECT f.lat FROM track_fixes f JOIN"
                            " patrol_sessions p ON p.id = f.session_id"
                            " WHERE p.crew_id = %d ORDER BY f.at DESC"
                            " LIMIT 1" % self.crews["tama-road-1"]))
        self.assertAlmostEqual(sum(t.dlat_e6) / 1e6, last, places=6)
        self.assertTrue(all(d % 1000 == 0 for d in list(t.dt_ms)[1:]))
        self.assertLessEqual(
            (len(t.SerializeToString()) - len(t.client_id)
             - len(t.session_id)) / len(t.dt_ms), 12)

    def test_5_nmea_replay_run_once(self):
        a = self.agent("tama-road-1")
        r = a.run("run", "--nmea", NMEA, "--once", check=0)
        self.assertIn("OK synced", r.stdout)
        db = a.db()
        self.assertEqual(db.execute("SELECT count(*) FROM outbox WHERE"
                                    " acked_ms IS NULL").fetchone()[0], 0)
        db.close()
        dev = a.run("status", check=0).stdout
        self.assertIn("outbox         0", dev)

    def test_6_https_with_a_ca_file(self):
        """patrold serves HTTPS with tls_cert/tls_key; the agent trusts
        only the CA file it was given."""
        import re
        import tempfile
        tmp = tempfile.mkdtemp(dir=os.environ.get("TMPDIR", "/tmp"))
        self.addCleanup(shutil.rmtree, tmp, True)

        def ssl(*args):
            subprocess.run(["openssl"] + list(args), cwd=tmp, check=True,
                           capture_output=True)
        ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
            "ca.key", "-out", "ca.pem", "-days", "2", "-subj",
            "/CN=patrol test CA")
        ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key",
            "-out", "server.csr", "-subj", "/CN=localhost")
        with open(os.path.join(tmp, "ext.cnf"), "w") as f:
            f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
        ssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey",
            "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2",
            "-extfile", "ext.cnf")
        log = open(os.path.join(tmp, "patrold.log"), "w+")
        p = subprocess.Popen(
            [h.PATROLD, "--database-url", self.url, "--port", "0",
             "--photo-dir", os.path.join(tmp, "photos"), "--tls-cert",
             os.path.join(tmp, "server.pem"), "--tls-key",
             os.path.join(tmp, "server.key")],
            stdout=log, stderr=subprocess.STDOUT)
        try:
            port = None
            for _ in range(300):
                with open(log.name) as f:
                    m = re.search(r"event=listening url=https://[^:]+:(\d+)/",
                                  f.read())
                if m:
                    port = int(m.group(1))
                    break
                time.sleep(0.05)
            self.assertIsNotNone(port, open(log.name).read())
            code = k.enroll_code(self.url, "tama-road-1")
            a = k.Agent("tls")
            self.agents.append(a)
            server = "https://localhost:%d" % port
            # Without the CA the server cannot be trusted: nothing is sent.
            r = a.run("enroll", "--server", server, "--code", code)
            self.assertEqual(r.returncode, 1)
            self.assertIn("certificate", r.stderr)
            a.run("enroll", "--server", server, "--code", code, "--ca",
                  os.path.join(tmp, "ca.pem"), check=0)
            a.run("finding", "--category", "park_other", "--lat", "35.61",
                  "--lon", "139.556", "--note", "TLS越しの報告", check=0)
            self.assertIn("1 item(s) acknowledged",
                          a.run("sync", check=0).stdout)
            self.assertEqual(self.q("SELECT count(*) FROM requests WHERE"
                                    " description = 'TLS越しの報告'"), "1")
        finally:
            p.send_signal(signal.SIGTERM)
            rc = p.wait(timeout=30)
            log.close()
        self.assertEqual(rc, 0)

    def test_7_wasp_job_through_a_dropping_link(self):
        """The must-show: a wasp job with a photo through a link that
        breaks every few requests (drops, cut requests, lost and truncated
        replies, delays); the feed shows each step exactly once."""
        proxy = k.FaultProxy(self.d.port, seed=7)
        self.addCleanup(proxy.close)
        a = k.Agent("flaky")
        self.agents.append(a)
        a.enroll(self.url, "tama-wasp-1", proxy.url)
        rid = self.new_job("tama-wasp-1", "044-555-0107")
        feed = h.EventStream(self.d, self.disp, after=self.last_event())
        proxy.faulty = True

        def sync_until(pred):
            for _ in range(40):
                a.run("sync")
                if pred():
                    return
            self.fail("never synced: %s" % a.run("status").stdout)

        def local(sql):
            db = a.db()
            row = db.execute(sql).fetchone()
            db.close()
            return row[0]
        sync_until(lambda: local("SELECT count(*) FROM jobs WHERE"
                                 " request_id = %d" % rid) == 1)
        photo = os.path.join(a.dir, "..", "flaky-%d.jpg" % os.getpid())
        sha = jpeg(photo, 2500000)
        a.run("accept", str(rid), check=0)
        a.run("sync")
        a.run("status", "en-route", str(rid), check=0)
        a.run("sync")
        a.run("status", "on-site", str(rid), check=0)
        a.run("done", str(rid), "--outcome", "removed", "--photo", photo,
              check=0)
        os.unlink(photo)
        sync_until(lambda: local("SELECT (SELECT count(*) FROM outbox WHERE"
                                 " acked_ms IS NULL) + (SELECT count(*)"
                                 " FROM photos)") == 0)
        for kind in ("accept", "en_route", "on_site", "done",
                     "photo_added"):
            feed.wait_for(lambda e, kind=kind: e["request_id"] == rid
                          and e["kind"] == kind)
        time.sleep(0.5)
        kinds = [kk for r, kk in feed.kinds() if r == rid]
        feed.close()
        self.assertEqual(sorted(kinds), sorted(["accept", "en_route",
                                                "on_site", "done",
                                                "photo_added"]))
        self.assertEqual(self.q("SELECT sha256 FROM request_photos WHERE"
                                " request_id = %d" % rid), sha)
        self.assertGreater(sum(proxy.counts.get(f, 0) for f in
                               ("drop", "cut", "lose", "truncate")), 0)

    def test_8_wayback_lists_near_pieces_and_take_starts_a_patrol(self):
        import json
        import tempfile
        # South of the Tama office (35.6197, 139.5503), walking back north.
        here = (35.6100, 139.5503)
        lines = {
            "Wayback Near East": [[139.5506, 35.6130], [139.5512, 35.6140]],
            "Wayback Near West": [[139.5500, 35.6170], [139.5495, 35.6180]],
            "Wayback Far": [[139.6000, 35.6100], [139.6010, 35.6110]],
        }
        fd, path = tempfile.mkstemp(suffix=".geojson")
        with os.fdopen(fd, "w") as f:
            json.dump({"type": "FeatureCollection", "features": [
                {"type": "Feature",
                 "properties": {"name": name, "highway": "residential"},
                 "geometry": {"type": "LineString", "coordinates": ll}}
                for name, ll in lines.items()]}, f)
        try:
            r = h.patrolctl(self.url, "import", "network", path,
                            "--kind", "road")
            self.assertEqual(r.returncode, 0, r.stderr)
        finally:
            os.unlink(path)
        ids = {}
        for row in self.q("SELECT id, name FROM network_pieces WHERE name"
                          " LIKE 'Wayback %'").splitlines():
            pid, name = row.split("|", 1)
            ids.setdefault(name, []).append(int(pid))
        self.assertEqual(set(ids), set(lines))

        a = self.agent("tama-road-1")
        out = a.run("wayback", "--lat", str(here[0]), "--lon", str(here[1]),
                    check=0).stdout
        listed = set()
        for line in out.splitlines()[1:]:
            self.assertRegex(line, r"^\d+ +\d+ +road +\S.*（.+）$")
            listed.add(int(line.split()[0]))
        # By name and ward name, as the crew knows them.
        self.assertIn("Wayback Near East（多摩区）", out)
        self.assertIn("Wayback Near West（多摩区）", out)
        self.assertNotIn("Wayback Far", out)
        self.assertTrue(set(ids["Wayback Near East"]) <= listed, out)
        self.assertFalse(set(ids["Wayback Far"]) & listed, out)
        # Only a device's token opens it.
        status, _, raw = self.d.request(
            "/agent/v1/wayback", headers={"Authorization": "Bearer " +
                                          "x" * 43})
        self.assertEqual(status, 401)
        self.assertEqual(self.decode("Error", raw).code, "unauthorized")

        # Taking one is one command, durable before OK, sent by a sync.
        piece = ids["Wayback Near East"][0]
        r = a.run("wayback", "take", str(piece), check=0)
        self.assertTrue(r.stdout.startswith("OK"), r.stdout)
        self.assertIn(str(piece), r.stdout)
        device = a.device_id()
        self.assertEqual(self.q("SELECT count(*) FROM patrol_sessions"
                                " WHERE device_id = %s" % device), "0")
        a.run("sync", check=0)
        self.assertEqual(self.q(
            "SELECT count(*) FROM patrol_sessions WHERE device_id = %s AND"
            " crew_id = %d AND stopped_at IS NULL"
            % (device, self.crews["tama-road-1"])), "1")
        r = a.run("wayback", "take", str(piece))
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("already running", r.stderr)
        a.run("patrol", "stop", check=0)
        a.run("sync", check=0)

    def test_8b_a_damaged_photo_goes_again_once_then_is_given_up(self):
        """A photo whose bytes arrive damaged (the server's checksum
        disagrees: 422) is sent again from the start, once; damaged again,
        it is given up with the server's reason kept on the device, and
        later syncs do not send it again."""
        a = self.agent("tama-wasp-1")
        damaged = {"left": 0}

        def fault(n, method, path):
            if method == "PATCH" and damaged["left"] > 0:
                damaged["left"] -= 1
                return "corrupt"
            return None
        self.proxy.fault = fault
        self.addCleanup(setattr, self.proxy, "fault", None)

        def patches(sha):
            with self.proxy.lock:
                return [x[3] for x in self.proxy.log if x[0] == "PATCH"
                        and x[1] == "/agent/v1/photos/" + sha]

        def local(sha):
            db = a.db()
            row = db.execute("SELECT uploaded, failed FROM photos WHERE"
                             " sha256 = ?", (sha,)).fetchone()
            db.close()
            return row
        for times in (1, 2):
            rid = self.new_job("tama-wasp-1", "044-555-012%d" % times)
            a.run("sync", check=0)
            for step in (["accept"], ["status", "en-route"],
                         ["status", "on-site"]):
                a.run(*(step + [str(rid)]), check=0)
            photo = os.path.join(a.dir, "..", "damaged-%d-%d.jpg"
                                 % (os.getpid(), times))
            sha = jpeg(photo, 100000)  # one chunk
            a.run("done", str(rid), "--outcome", "removed", "--photo",
                  photo, check=0)
            os.unlink(photo)
            damaged["left"] = times
            synced = a.run("sync", check=0).stdout
            if times == 1:
                # Damaged once: sent again from offset 0, and stored.
                self.assertEqual(patches(sha), [422, 204])
                self.assertIsNone(local(sha))
                self.assertEqual(self.q("SELECT sha256 FROM request_photos"
                                        " WHERE request_id = %d" % rid), sha)
                stored = os.path.join(self.d.photo_dir, sha[:2], sha)
                with open(stored, "rb") as f:
                    self.assertEqual(hashlib.sha256(f.read()).hexdigest(),
                                     sha)
            else:
                # Damaged twice: given up, the reason kept.
                self.assertEqual(patches(sha), [422, 422])
                uploaded, failed = local(sha)
                self.assertEqual(uploaded, 0)
                self.assertRegex(failed, r"^HTTP 422 checksum_mismatch: ")
                self.assertFalse(os.path.exists(os.path.join(
                    self.d.photo_dir, sha[:2], sha)))
                # Not counted as uploaded: said, and shown by status with
                # its job and the server's reason, Japanese first.
                self.assertIn("0 photo(s) uploaded", synced)
                self.assertIn("写真 1 枚をサーバーが受け付けず / 1 photo(s)"
                              " refused by the server", synced)
                status = a.run("status", check=0).stdout
                self.assertRegex(status, r"(?m)^photos refused +1$")
                self.assertIn("  写真 %s 案件 %d done:removed: サーバーが受け"
                              "付けず / photo of job %d refused by the"
                              " server: %s" % (sha[:12], rid, rid, failed),
                              status)
                a.run("sync", check=0)
                self.assertEqual(patches(sha), [422, 422])

    def test_9_revoked_device_gets_401_and_wipes(self):
        a = self.agent("tama-wasp-1")
        rid = self.new_job("tama-wasp-1", "044-555-0199", "取消 次郎")
        a.run("sync", check=0)
        self.assertIn("044-555-0199", a.run("show", str(rid)).stdout)
        token = a.token()
        device = a.device_id()
        r = h.patrolctl(self.url, "device", "revoke", device)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = a.run("sync")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("revoked", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(a.dir, "token")))
        self.assertEqual(a.run("jobs", check=0).stdout.count("\n"), 1)
        self.assertFalse(a.files_contain("044-555-0199"))
        self.assertFalse(a.files_contain("取消 次郎"))
        status, headers, raw = k.post(
            self.d, "/agent/v1/sync",
            self.M["SyncRequest"](batch_id="after-revoke").SerializeToString(),
            token=token)
        self.assertEqual(status, 401)
        self.assertEqual(self.decode("Error", raw).code, "unauthorized")
        self.assertIn("invalid_token", headers.get("WWW-Authenticate"))
        # Other refusals, before any database work.
        self.assertEqual(k.post(self.d, "/agent/v1/sync", b"x",
                                token=token)[0], 400)
        self.assertEqual(self.d.request(
            "/agent/v1/sync", method="POST", body=b"",
            headers={"Content-Type": "application/json"})[0], 415)
        self.assertEqual(k.post(self.d, "/agent/v1/sync",
                                b"\x00" * (5 << 20), token=token)[0], 413)


if __name__ == "__main__":
    h.main()
