"""Road-network travel times in the crews' plans (issue 15 item 6).

A river with a road on each bank and one bridge, near Tama's office: the
crew's office is on the south bank and the job just across the water.
Before a road network is imported the plan measures the straight line x
the detour factor and says so; after `patrolctl import network --kind
road` patrold loads the graph by itself and the same plan measures the
way round by the bridge (over ten times the straight line) and says
道路網で計算; a job far from any road is measured straight and the plan
says which of its drives were.
"""
import json
import math
import os
import shutil
import tempfile
import time
import unittest

import harness as h

SOUTH, NORTH = 35.6150, 35.6180  # the banks' roads (about 333 m apart)
WEST, BRIDGE, EAST = 139.5400, 139.5650, 139.5700
OFFICE = (35.6148, 139.5420)  # beside the south road
ACROSS = (35.6182, 139.5420)  # beside the north road, across the water
FAR = (35.6300, 139.5500)  # 1.3 km from any road
ANSWERS = {"nest_height": "eaves", "location": "outdoor"}


def metres(a, b):
    # Good enough at this scale (the server projects to JGD2011 9).
    dy = (a[0] - b[0]) * 111000
    dx = (a[1] - b[1]) * 111000 * math.cos(math.radians(a[0]))
    return math.hypot(dx, dy)


class RoadTimes(h.DispatcherCalls, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        line = lambda *pts: {  # noqa: E731
            "type": "Feature", "properties": {"highway": "residential"},
            "geometry": {"type": "LineString",
                         "coordinates": [[lon, lat] for lat, lon in pts]}}
        # The bridge meets each bank's road at a point of that road.
        roads = {"type": "FeatureCollection", "features": [
            line((SOUTH, WEST), (SOUTH, BRIDGE), (SOUTH, EAST)),
            line((NORTH, WEST), (NORTH, BRIDGE), (NORTH, EAST)),
            line((SOUTH, BRIDGE), (NORTH, BRIDGE))]}
        cls.roads = os.path.join(cls.tmp, "river_town_roads.geojson")
        with open(cls.roads, "w") as f:
            json.dump(roads, f)
        cls.url = h.city_database(
            "road_times",
            h.office(skills="wasp", at=OFFICE),
            h.crew("tama-wasp-1", "多摩 蜂班", "wasp"),
        )
        cls.disp = h.user_token(cls.url, "disp1", "dispatcher")
        cls.d = h.Patrold(cls.url)

    @classmethod
    def tearDownClass(cls):
        rc = cls.d.stop()
        shutil.rmtree(cls.tmp)
        assert rc == 0, "patrold exited %d:\n%s" % (rc, cls.d.text())

    def new_job(self, place, crew_id=None):
        st, r = self.api("POST", "/api/v1/requests", {
            "category": "wasp_nest", "channel": "phone",
            "lat": place[0], "lon": place[1], "answers": ANSWERS})
        self.assertEqual(st, 201, r)
        if crew_id is not None:
            self.assign(r["id"], crew_id)
        return r["id"]

    def wait_plan(self, crew_id, ok, timeout=30):
        end = time.time() + timeout
        while True:
            p = self.plan(crew_id)
            if ok(p) or time.time() > end:
                return p
            time.sleep(0.3)

    def test_road_times(self):
        st, crews = self.api("GET", "/api/v1/crews")
        self.assertEqual(st, 200, crews)
        crew = next(c for c in crews if c["code"] == "tama-wasp-1")
        across = self.new_job(ACROSS, crew["id"])
        straight_m = metres(OFFICE, ACROSS)

        # No road network: the straight line x 1.4 at 20 km/h, and said so.
        p = self.plan(crew["id"])
        self.assertEqual(p["distances"], "straight_line_x_detour")
        self.assertIn("直線距離×迂回係数", p["distances_ja"])
        self.assertIn("道路網の取り込みなし", p["distances_ja"])
        self.assertIn("no road network", p["distances_en"])
        stop = p["stops"][0]
        self.assertEqual(stop["request_id"], across)
        self.assertEqual(stop["travel_by"], "straight_line_x_detour")
        self.assertAlmostEqual(stop["travel_minutes"],
                               straight_m * 1.4 / (20000 / 60), delta=0.3)
        self.assertNotIn("off_network",
                         [x["code"] for x in stop["reasons"]])

        # The roads are imported: patrold loads them by itself.
        r = h.patrolctl(self.url, "import", "network", self.roads,
                        "--kind", "road")
        self.assertEqual(r.returncode, 0, r.stderr)
        p = self.wait_plan(crew["id"],
                           lambda p: p["distances"] == "road_network")
        self.assertEqual(p["distances"], "road_network", p)
        self.assertEqual(p["distances_ja"], "道路網で計算")
        stop = p["stops"][0]
        self.assertEqual(stop["travel_by"], "road_network")
        # Round by the bridge: along the bank to it, over it, and back.
        to_bridge = metres((SOUTH, OFFICE[1]), (SOUTH, BRIDGE))
        road_m = 2 * to_bridge + metres((SOUTH, BRIDGE), (NORTH, BRIDGE))
        self.assertAlmostEqual(stop["travel_minutes"], road_m / (20000 / 60),
                               delta=0.5)
        self.assertGreater(stop["travel_minutes"],
                           10 * straight_m / (20000 / 60))
        self.assertIn("event=roads_loaded", self.d.text())

        # A job far from any road: measured straight, and the plan says
        # which drive was.
        far = self.new_job(FAR, crew["id"])
        # The job across first (pinned): the drive to it is by road.
        st, r = self.api("POST", "/api/v1/crews/%d/plan/pin" % crew["id"],
                         {"request_id": across, "position": 1})
        self.assertEqual(st, 200, r)
        p = self.wait_plan(crew["id"], lambda p: len(p["stops"]) == 2)
        self.assertEqual([s["request_id"] for s in p["stops"]], [across, far])
        self.assertEqual(p["stops"][0]["travel_by"], "road_network")
        self.assertEqual(p["distances"], "mixed", p)
        self.assertIn("道路網で計算", p["distances_ja"])
        self.assertIn("直線距離×迂回係数", p["distances_ja"])
        by = {s["request_id"]: s for s in p["stops"]}
        self.assertEqual(by[far]["travel_by"], "straight_line_x_detour")
        self.assertIn("off_network",
                      [x["code"] for x in by[far]["reasons"]])
        self.assertIn("道路から離れているため",
                      " ".join(x["text_ja"] for x in by[far]["reasons"]))

        # The office's plan and re-plan proposal say the same.
        st, op = self.api("GET", "/api/v1/offices/%d/plan" % p["office_id"])
        self.assertEqual(st, 200, op)
        self.assertEqual(op["crews"][0]["distances"], "mixed")
        st, rp = self.api("GET", "/api/v1/offices/%d/replan" % p["office_id"])
        self.assertEqual(st, 200, rp)
        self.assertEqual(rp["distances"], "mixed", rp)

        # The recommendation for a new call across the river measures by
        # road and says so in words.
        third = self.new_job(ACROSS)
        st, rec = self.api("GET",
                           "/api/v1/requests/%d/recommendations" % third)
        self.assertEqual(st, 200, rec)
        first = rec["crews"][0]
        self.assertEqual(first["travel_by"], "road_network")
        self.assertIn("道路網で計算",
                      " ".join(x["text_ja"] for x in first["reasons"]))


if __name__ == "__main__":
    unittest.main()
