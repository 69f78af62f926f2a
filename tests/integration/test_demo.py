"""The demo that scripts/run.sh loads: the real Kawasaki river network as
Tama ward's patrol network and a week of (generated) demo patrols, dated
relative to the week it is loaded in, so that this week's coverage shows
inspected, overdue and not-yet-due pieces, the PNG credits only what was
imported, and a demo crew's handheld lists the way-back suggestions by
river (or demo street) and ward name. The demo's (generated) street grid
is Tama's road network, so the crews' plans measure drives on it."""
import datetime
import json
import os
import shutil
import tempfile
import time
import unittest

import agentkit as k
import harness as h

TOKYO = datetime.timezone(datetime.timedelta(hours=9))


class Demo(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.url = h.migrated_database("demo")
        cls.out = h.ctl_ok(cls.url, "demo", "load")
        now = datetime.datetime.now(TOKYO)
        y, w, _ = now.isocalendar()
        cls.week = "%d-W%02d" % (y, w)
        # The console opens on last week: it shows a mix too.
        y, w, _ = (now - datetime.timedelta(days=7)).isocalendar()
        cls.last_week = "%d-W%02d" % (y, w)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def export(self, fmt, *extra, week=None):
        path = os.path.join(self.tmp, "week." + fmt)
        r = h.patrolctl(self.url, "coverage", "export", "--week",
                        week or self.week,
                        "--format", fmt, "-o", path, *extra)
        self.assertEqual(r.returncode, 0, r.stderr)
        return path

    def test_1_load_says_what_it_did(self):
        self.assertIn("imported 174 pieces (17.0 km) of river from "
                      "ksj_w05_kawasaki_rivers.geojson", self.out)
        # The demo streets (DEMO DATA, scripts/demo_roads.py): no credit.
        self.assertRegex(self.out, r"imported \d{3,} pieces \(\d+\.\d km\)"
                         r" of road from demo_roads.geojson")
        self.assertRegex(self.out, r"demo load: 16 demo patrols \((\d+) fixes"
                         r" read, \1 stored, 0 refused\)")
        # Every piece is Tama's and named after its river.
        self.assertEqual(h.psql(self.url, "SELECT string_agg(DISTINCT "
                                "coalesce(ward_code, '-'), ',') FROM "
                                "network_pieces"), "14135")
        self.assertEqual(int(h.psql(self.url, "SELECT count(*) FROM "
                                    "network_pieces WHERE name IS NULL")), 0)
        # This week's patrols are over by now; the others lie in the past
        # weeks the demo file says.
        self.assertEqual(int(h.psql(
            self.url, "SELECT count(*) FROM patrols WHERE ended_at > "
                      "now()")), 0)
        self.assertGreaterEqual(int(h.psql(
            self.url, "SELECT count(*) FROM patrols WHERE started_at >= "
                      "date_trunc('week', now() AT TIME ZONE 'Asia/Tokyo')"
                      " AT TIME ZONE 'Asia/Tokyo'")), 1)

    def test_2_this_week_has_every_state(self):
        with open(self.export("geojson")) as f:
            fc = json.load(f)
        states = {}
        for feat in fc["features"]:
            p = feat["properties"]
            states.setdefault(p["state"], set()).add(p["name"])
            self.assertEqual(p["state"] == "inspected",
                             p["best_share"] >= 0.8, p)
        self.assertEqual(set(states), {"inspected", "overdue", "not_due"})
        self.assertIn("多摩川", states["inspected"])
        self.assertIn("三沢川", states["overdue"])
        with open(self.export("geojson", week=self.last_week)) as f:
            last_fc = json.load(f)
        last = {feat["properties"]["state"] for feat in last_fc["features"]}
        self.assertEqual(last, {"inspected", "overdue", "not_due"})
        # The road crew's car patrols over the demo streets: last week's
        # road map is not all overdue, as it was before they were made.
        roads = {}
        for feat in last_fc["features"]:
            p = feat["properties"]
            if p["kind"] == "road":
                roads[p["state"]] = roads.get(p["state"], 0) + 1
        self.assertEqual(set(roads), {"inspected", "overdue", "not_due"})
        self.assertLess(roads["overdue"], sum(roads.values()) / 2, roads)
        # The map is drawn, credited to the imported river data only.
        path = self.export("png", "--ward", "14135")
        with open(path, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        self.assertEqual(h.psql(self.url, "SELECT string_agg(DISTINCT "
                                "credit, ',') FROM network_pieces"),
                         "mlit_rivers")

    def test_3_wayback_lists_rivers_and_wards_by_name(self):
        d = h.Patrold(self.url)
        a = k.Agent("demo")
        try:
            a.enroll(self.url, "tama-river-1", "http://127.0.0.1:%d" % d.port)
            out = a.run("wayback", check=0).stdout
            lines = out.splitlines()[1:]
            self.assertTrue(lines, out)
            for line in lines:
                self.assertRegex(line,
                                 r"^\d+ +\d+ +(river|road) +\S+（多摩区）$")
            self.assertIn("三沢川（多摩区）", out)
        finally:
            shutil.rmtree(a.dir, ignore_errors=True)
            self.assertEqual(d.stop(), 0, d.text())

    def test_5_plans_measure_drives_on_the_demo_streets(self):
        # Issue 15 item 6: a newcomer's demo shows road-network times.
        with h.Patrold(self.url) as d:
            tok = h.user_token(self.url, "demo-viewer", "dispatcher")
            hd = {"Authorization": "Bearer " + tok}
            st, _, raw = d.request("/api/v1/crews", headers=hd)
            self.assertEqual(st, 200, raw)
            crew = next(c for c in json.loads(raw)
                        if c["code"] == "tama-road-1")
            deadline = time.time() + 30
            while True:
                st, _, raw = d.request("/api/v1/crews/%d/plan" % crew["id"],
                                       headers=hd)
                self.assertEqual(st, 200, raw)
                p = json.loads(raw)
                if p["distances"] != "straight_line_x_detour" or \
                        time.time() > deadline:
                    break
                time.sleep(0.5)
            self.assertIn(p["distances"], ("road_network", "mixed"), p)
            self.assertIn("道路網で計算", p["distances_ja"])
            self.assertTrue(any(s["travel_by"] == "road_network"
                                for s in p["stops"]), p["stops"])
            self.assertIn("event=roads_loaded", d.text())

    def test_4_a_petition_waits_for_its_survey(self):
        # Issue 16: the demo shows the petition flow without typing: one
        # petition from a neighbourhood association, its site survey due a
        # day after the load (petition_survey_hours), not yet recorded, and
        # the petitioner on file for the call-back the survey will bring.
        row = h.psql(self.url, "SELECT r.category || '|' || r.state || '|'"
                     " || (s.recorded_at IS NULL) || '|' || round(extract("
                     "epoch FROM s.due_at - r.created_at) / 3600) || '|' ||"
                     " (SELECT count(*) FROM callers c WHERE c.request_id ="
                     " r.id) || '|' || (r.callback_at IS NULL) FROM requests r"
                     " JOIN surveys s ON s.request_id = r.id WHERE r.channel"
                     " = 'petition'")
        self.assertEqual(row, "road_fixture|new|true|24|1|true")
        self.assertIn("陳情", h.psql(self.url, "SELECT description FROM"
                                   " requests WHERE channel = 'petition'"))


if __name__ == "__main__":
    h.main()
