"""Crews act only on their own jobs (issue 10, findings 3 and 8), against
the real patrold and PostgreSQL.

Finding 3: a crew-role user could accept, drive to, finish or give up
another crew's job, and PATCH another crew off duty. Now a crew user is
bound to one crew (patrolctl user add --crew / user crew) and refused 403
with a JSON error on anything of another crew's; staff still record steps
for any crew (crews that report by phone).

Finding 8: a device of crew B could add sync_conflict events, with its
note, to crew A's job. Now an item about a job the device never held is
rejected in its ack and nothing is written on that job; a job the device
did hold and lost (reassigned) still gets its conflict kept, as before.
"""
import json
import os
import sys
import unittest

import harness as h
import agentkit as k

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_open311 as o311  # noqa: E402  (png)
import test_photo_orphans as orphans  # noqa: E402  (photo_files)

CALL = (35.6050, 139.5600)  # Tama ward (14135)


class CrewBound(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        k.ensure_protobuf()
        cls.M = k.load_messages()
        cls.url = h.city_database(
            "crew_bound",
            h.office(),
            h.crew("wasp-a", "多摩 蜂A班", "wasp"),
            h.crew("wasp-b", "多摩 蜂B班", "wasp"),
            h.crew("road-a", "多摩 道路A班", "road"),
        )
        cls.crews = h.crew_ids(cls.url, "wasp-a", "wasp-b", "road-a")
        cls.disp = h.user_token(cls.url, "disp1", "dispatcher")
        cls.crew_a = h.user_token(cls.url, "crewa", "crew", crew="wasp-a")
        cls.crew_b = h.user_token(cls.url, "crewb", "crew", crew="wasp-b")
        cls.road_a = h.user_token(cls.url, "roada", "crew", crew="road-a")
        cls.d = h.Patrold(cls.url)
        cls.agents = []

    @classmethod
    def tearDownClass(cls):
        for a in cls.agents:
            a.remove()
        cls.d.stop_clean()

    def api(self, token, method, path, body=None):
        return self.d.api(method, path, token, body)

    def act(self, token, rid, action, **body):
        return self.api(token, "POST",
                        "/api/v1/requests/%d/%s" % (rid, action), body)

    def job(self, crew):
        st, r = self.api(self.disp, "POST", "/api/v1/requests", {
            "category": "wasp_nest", "lat": CALL[0], "lon": CALL[1],
            "address": "多摩区内の住宅 軒下",
            "answers": {"nest_height": "eaves", "location": "outdoor"},
            "caller": {"name": "多摩 花子", "phone": "044-555-0101"}})
        self.assertEqual(st, 201, r)
        rid = r["id"]
        st, r = self.act(self.disp, rid, "assign",
                         crew_id=self.crews[crew])
        self.assertEqual(st, 200, r)
        return rid

    def state(self, rid):
        return h.psql(self.url, "SELECT state || ' ' || version FROM "
                      "requests WHERE id = %d" % rid)

    def events(self, rid):
        return h.psql(self.url, "SELECT count(*) FROM request_events "
                      "WHERE request_id = %d" % rid)

    # -- finding 3: crew users ---------------------------------------------

    def test_3a_crew_user_cannot_act_on_another_crews_job(self):
        rid = self.job("wasp-a")
        before, n = self.state(rid), self.events(rid)
        for action, body in [("accept", {}), ("reject", {"reason": "x"}),
                             ("en_route", {}), ("on_site", {}),
                             ("done", {"outcome": "removed", "note": "x"}),
                             ("unable", {"reason": "x"})]:
            st, r = self.act(self.crew_b, rid, action, **body)
            self.assertEqual(st, 403, (action, r))
            self.assertEqual(r["error"]["code"], "not_your_crew", r)
            self.assertIn("crew", r["error"]["message"])
        self.assertEqual(self.state(rid), before)
        self.assertEqual(self.events(rid), n)
        # Its own crew goes on; a dispatcher records for it by phone.
        st, r = self.act(self.crew_a, rid, "accept")
        self.assertEqual(st, 200, r)
        st, r = self.act(self.disp, rid, "en_route")
        self.assertEqual(st, 200, r)
        st, r = self.act(self.crew_b, rid, "on_site")
        self.assertEqual(st, 403, r)
        st, r = self.act(self.crew_a, rid, "on_site")
        self.assertEqual(st, 200, r)
        st, r = self.act(self.crew_a, rid, "done", outcome="removed")
        self.assertEqual((st, r["state"]), (200, "done"), r)

    def test_3b_crew_user_cannot_patch_another_crew(self):
        a = self.crews["wasp-a"]
        before = h.psql(self.url, "SELECT status || coalesce(lat::text, '-')"
                        " FROM crews WHERE id = %d" % a)
        st, r = self.api(self.crew_b, "PATCH", "/api/v1/crews/%d" % a,
                         {"status": "off_duty", "lat": 35.6, "lon": 139.5})
        self.assertEqual(st, 403, r)
        self.assertEqual(r["error"]["code"], "not_your_crew", r)
        self.assertEqual(h.psql(self.url, "SELECT status || coalesce("
                                "lat::text, '-') FROM crews WHERE id = %d"
                                % a), before)
        # Its own crew, yes; staff, any crew.
        st, r = self.api(self.crew_b, "PATCH", "/api/v1/crews/%d"
                         % self.crews["wasp-b"], {"status": "break"})
        self.assertEqual(st, 200, r)
        st, r = self.api(self.disp, "PATCH", "/api/v1/crews/%d" % a,
                         {"status": "break"})
        self.assertEqual(st, 200, r)
        # A position is both lat and lon, and a place on Earth.
        for body, want in [({"lat": 35.6}, ("missing_field", "lon")),
                           ({"lat": 95.0, "lon": 139.5},
                            ("invalid_location", "lat"))]:
            st, r = self.api(self.disp, "PATCH", "/api/v1/crews/%d" % a,
                             body)
            self.assertEqual((st, r["error"]["code"], r["error"]["field"]),
                             (422,) + want, body)
        self.api(self.disp, "PATCH", "/api/v1/crews/%d" % a,
                 {"status": "available"})
        self.api(self.crew_b, "PATCH", "/api/v1/crews/%d"
                 % self.crews["wasp-b"], {"status": "available"})

    def test_3c_unbound_crew_user_and_binding(self):
        loose = h.user_token(self.url, "loose", "crew")
        rid = self.job("wasp-a")
        st, r = self.act(loose, rid, "accept")
        self.assertEqual(st, 403, r)
        self.assertEqual(r["error"]["code"], "no_crew", r)
        self.assertIn("patrolctl user crew", r["error"]["message"])
        # Bound by an administrator, it may; /me says its crew.
        r = h.patrolctl(self.url, "user", "crew", "loose", "--crew",
                        "wasp-a")
        self.assertEqual(r.returncode, 0, r.stderr)
        st, me = self.api(loose, "GET", "/api/v1/me")
        self.assertEqual(me["crew"]["code"], "wasp-a", me)
        st, r = self.act(loose, rid, "accept")
        self.assertEqual(st, 200, r)
        # Refusals name the problem.
        r = h.patrolctl(self.url, "user", "crew", "disp1", "--crew",
                        "wasp-a")
        self.assertEqual(r.returncode, 1)
        self.assertIn("only crew users", r.stderr)
        r = h.patrolctl(self.url, "user", "crew", "loose", "--crew", "nope")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no crew with the code 'nope'", r.stderr)
        r = h.patrolctl(self.url, "user", "add", "x1", "--role",
                        "dispatcher", "--crew", "wasp-a")
        self.assertEqual(r.returncode, 2)
        r = h.patrolctl(self.url, "user", "list")
        line = [x for x in r.stdout.splitlines() if x.startswith("loose ")]
        self.assertTrue(line and line[0].split()[-1] == "wasp-a", r.stdout)

    def test_3d_crew_user_adds_photos_only_to_its_crews_jobs(self):
        rid = self.job("wasp-a")
        before, n = orphans.photo_files(self.d), self.events(rid)
        loose = h.user_token(self.url, "loose2", "crew")
        for token, code in ((self.crew_b, "not_your_crew"),
                            (loose, "no_crew")):
            for size in (3000, 200 << 10):  # in memory and spooled
                status, raw = self.post_photo(rid, token, size)
                r = json.loads(raw)
                self.assertEqual((status, r["error"]["code"]), (403, code),
                                 r)
        # No file written, no link, no event.
        self.assertEqual(orphans.photo_files(self.d), before)
        self.assertEqual(self.events(rid), n)
        self.assertEqual(h.psql(self.url, "SELECT count(*) FROM "
                                "request_photos WHERE request_id = %d"
                                % rid), "0")
        # An unknown request is still 404 for a crew user.
        status, raw = self.post_photo(987654, self.crew_b, 3000)
        self.assertEqual(status, 404, raw)
        # Its own crew's user and a dispatcher may.
        for token, size in ((self.crew_a, 3100), (self.disp, 3200)):
            status, raw = self.post_photo(rid, token, size)
            self.assertEqual(status, 201, raw)
        self.assertEqual(len(orphans.photo_files(self.d)), len(before) + 2)
        self.assertEqual(h.psql(self.url, "SELECT string_agg(added_by, ','"
                                " ORDER BY added_by) FROM request_photos "
                                "WHERE request_id = %d" % rid),
                         "crewa,disp1")

    def test_3e_crew_user_patrols_only_for_its_crew(self):
        a, b = self.crews["wasp-a"], self.crews["wasp-b"]
        count = "SELECT count(*) FROM patrols WHERE crew_id = %d" % a
        n = h.psql(self.url, count)
        # Starting a patrol for another crew is refused, nothing recorded.
        st, r = self.api(self.crew_b, "POST", "/api/v1/patrols",
                         {"crew_id": a})
        self.assertEqual((st, r["error"]["code"]), (403, "not_your_crew"),
                         r)
        self.assertEqual(h.psql(self.url, count), n)
        # Crew A's own patrol: crew B may neither track nor stop it.
        st, r = self.api(self.crew_a, "POST", "/api/v1/patrols",
                         {"crew_id": a})
        self.assertEqual(st, 200, r)
        pid = r["id"]
        pts = {"points": [{"at": 1780000000 + i, "lat": 35.605 + i * 1e-4,
                           "lon": 139.56} for i in range(3)]}
        st, r = self.api(self.crew_b, "POST",
                         "/api/v1/patrols/%d/track" % pid, pts)
        self.assertEqual((st, r["error"]["code"]), (403, "not_your_crew"),
                         r)
        st, r = self.api(self.crew_b, "POST",
                         "/api/v1/patrols/%d/stop" % pid)
        self.assertEqual((st, r["error"]["code"]), (403, "not_your_crew"),
                         r)
        self.assertEqual(h.psql(self.url, "SELECT count(t.patrol_id) || ' ' || "
                                "(ended_at IS NULL) FROM patrols p LEFT "
                                "JOIN track_points t ON t.patrol_id = p.id"
                                " WHERE p.id = %d GROUP BY p.id" % pid),
                         "0 true")
        # Unknown patrol: 404 as before.
        st, r = self.api(self.crew_b, "POST", "/api/v1/patrols/987654/stop")
        self.assertEqual(st, 404, r)
        # The crew itself and a supervisor (by phone) go on.
        st, r = self.api(self.crew_a, "POST",
                         "/api/v1/patrols/%d/track" % pid, pts)
        self.assertEqual((st, r.get("stored")), (200, 3), r)
        st, r = self.api(self.disp, "POST", "/api/v1/patrols/%d/stop" % pid)
        self.assertEqual(st, 200, r)
        st, r = self.api(self.crew_b, "POST", "/api/v1/patrols",
                         {"crew_id": b})
        self.assertEqual(st, 200, r)
        self.api(self.crew_b, "POST", "/api/v1/patrols/%d/stop" % r["id"])

    def test_3f_crew_user_surveys_only_its_crews_petitions(self):
        st, p = self.api(self.disp, "POST", "/api/v1/requests", {
            "category": "road_fixture", "channel": "petition",
            "lat": CALL[0], "lon": CALL[1], "answers": {},
            "caller": {"name": "町内会長"},
            "description": "カーブミラーが曲がっている"})
        self.assertEqual(st, 201, p)
        rid = p["id"]
        st, r = self.act(self.disp, rid, "assign",
                         crew_id=self.crews["road-a"])
        self.assertEqual(st, 200, r)
        n = self.events(rid)
        st, r = self.api(self.crew_b, "POST", "/api/v1/requests/%d/survey"
                         % rid, {"findings": "B班の所見"})
        self.assertEqual((st, r["error"]["code"]), (403, "not_your_crew"),
                         r)
        self.assertEqual(self.events(rid), n)
        self.assertEqual(h.psql(self.url, "SELECT recorded_at IS NULL FROM "
                                "surveys WHERE request_id = %d" % rid), "t")
        st, r = self.api(self.road_a, "POST", "/api/v1/requests/%d/survey"
                         % rid, {"findings": "約30度ずれ"})
        self.assertEqual(st, 200, r)
        self.assertEqual(h.psql(self.url, "SELECT recorded_by FROM surveys "
                                "WHERE request_id = %d" % rid), "roada")

    # -- finding 8: devices ------------------------------------------------

    def post_photo(self, rid, token, size):
        """A PNG of size bytes posted to request rid's photos as the
        holder of token: (status, raw answer)."""
        status, _, raw = self.d.request(
            "/api/v1/requests/%d/photos" % rid, method="POST",
            body=o311.png(size), headers={"Authorization": "Bearer " + token,
                                          "Content-Type": "image/png"})
        return status, raw

    def device(self, crew):
        a = k.Agent(crew)
        self.agents.append(a)
        a.enroll(self.url, crew, "http://127.0.0.1:%d" % self.d.port)
        return a

    def sync(self, token, batch, **items):
        return k.sync(self.d, self.M, token, batch, **items)

    def test_8a_device_cannot_write_on_a_job_it_never_held(self):
        rid = self.job("wasp-a")
        b = self.device("wasp-b")
        n = self.events(rid)
        before = self.state(rid)
        note = "B班の端末からの書き込み"
        resp = self.sync(b.token(), "foreign-1", status_changes=[
            self.M["StatusChange"](client_id="fx-1", seq=1, request_id=rid,
                                   action="accept", note=note)],
            results=[self.M["JobResult"](client_id="fx-2", seq=2,
                                         request_id=rid, outcome="removed",
                                         note=note)])
        acks = dict((x.client_id, x) for x in resp.acks)
        REJECTED = self.M["ItemAck"].Status.Value("REJECTED")
        for cid in ("fx-1", "fx-2"):
            self.assertEqual(acks[cid].status, REJECTED, acks[cid])
            self.assertEqual(acks[cid].field, "request_id")
            self.assertIn("never this device's job", acks[cid].message)
        # Nothing recorded on crew A's job: no event, no note, no result.
        self.assertEqual(self.events(rid), n)
        self.assertEqual(self.state(rid), before)
        self.assertEqual(h.psql(self.url, "SELECT count(*) FROM "
                                "request_events WHERE detail::text LIKE "
                                "'%%B班の端末%%'"), "0")
        self.assertEqual(h.psql(self.url, "SELECT count(*) FROM job_results"
                                " WHERE request_id = %d" % rid), "0")

    def test_8b_a_job_it_held_and_lost_keeps_its_conflict(self):
        rid = self.job("wasp-b")
        b = self.device("wasp-b")
        resp = self.sync(b.token(), "held-1")
        self.assertIn(rid, [x.request_id for x in resp.assignments])
        st, r = self.act(self.disp, rid, "reassign",
                         crew_id=self.crews["wasp-a"])
        self.assertEqual(st, 200, r)
        resp = self.sync(b.token(), "held-2", cursor=resp.cursor,
                         status_changes=[self.M["StatusChange"](
                             client_id="held-x", seq=1, request_id=rid,
                             action="accept", note="電波の届かない所で受諾")])
        CONFLICT = self.M["ItemAck"].Status.Value("CONFLICT")
        self.assertEqual(resp.acks[0].status, CONFLICT, resp.acks[0])
        self.assertEqual(h.psql(self.url, "SELECT count(*) FROM "
                                "request_events WHERE request_id = %d AND "
                                "kind = 'sync_conflict'" % rid), "1")

    def test_8c_a_lost_job_says_reassigned_while_still_open(self):
        # The handheld shows "reassigned" for a job still open elsewhere
        # (another crew, or back in the queue), the state for a closed one.
        moved, back, gone = (self.job("wasp-b") for _ in range(3))
        b = self.device("wasp-b")
        resp = self.sync(b.token(), "lost-1")
        self.assertEqual(sorted(x.request_id for x in resp.assignments),
                         [moved, back, gone])
        for rid, action, body in [
                (moved, "reassign", {"crew_id": self.crews["wasp-a"]}),
                (back, "reject", {"reason": "別件で手が離せない"}),
                (gone, "cancel", {"reason": "通報者が取り下げ"})]:
            st, r = self.act(self.disp, rid, action, **body)
            self.assertEqual(st, 200, (action, r))
        resp = self.sync(b.token(), "lost-2", cursor=resp.cursor)
        self.assertEqual(
            sorted((c.request_id, c.state, c.reason)
                   for c in resp.cancellations),
            [(moved, "assigned", "reassigned"), (back, "new", "reassigned"),
             (gone, "cancelled", "")])


if __name__ == "__main__":
    h.main()
