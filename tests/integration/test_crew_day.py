"""The crews' day (issue 15) against the real patrold and PostgreSQL: a
crew holding three jobs is not 'available'; its plan orders the three with
arrival times; a job pinned first stays first; a resident's window is kept
or the plan says by how much it is missed and why; Open311's
expected_datetime is the plan's expected arrival."""
import json
import os
import unittest
from datetime import datetime

import harness as h

SITES = [(35.6050, 139.5600), (35.6100, 139.5500), (35.6000, 139.5700)]


class CrewDay(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = h.fresh_database("crew_day")
        for args in [
            ("migrate",),
            ("import", "wards", os.path.join(h.SOURCE, "data",
                                             "kawasaki_wards_N03-22.geojson")),
            ("office", "add", "tama", "--name-ja", "多摩区道路公園センター",
             "--name-en", "Tama", "--wards", "14135",
             "--skills", "road,wasp", "--lat", "35.6197", "--lon", "139.5503"),
            ("crew", "add", "tama-wasp-1", "--office", "tama", "--name",
             "多摩 蜂班", "--skills", "wasp", "--shift", "00:00-00:00",
             "--lat", "35.6330", "--lon", "139.5290"),
            ("crew", "add", "tama-road-1", "--office", "tama", "--name",
             "多摩 道路班", "--skills", "road", "--shift", "00:00-00:00"),
        ]:
            r = h.patrolctl(cls.url, *args)
            assert r.returncode == 0, (args, r.stderr)
        cls.disp = h.user_token(cls.url, "disp1", "dispatcher")
        cls.d = h.Patrold(cls.url)

    @classmethod
    def tearDownClass(cls):
        rc = cls.d.stop()
        assert rc == 0, "patrold exited %d:\n%s" % (rc, cls.d.text())

    def api(self, method, path, body=None):
        headers = {"Authorization": "Bearer " + self.disp}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        status, _, raw = self.d.request(path, method=method, body=data,
                                        headers=headers)
        return status, json.loads(raw) if raw else None

    def crew(self, code):
        st, crews = self.api("GET", "/api/v1/crews")
        self.assertEqual(st, 200, crews)
        return next(c for c in crews if c["code"] == code)

    def plan(self, crew_id):
        st, p = self.api("GET", "/api/v1/crews/%d/plan" % crew_id)
        self.assertEqual(st, 200, p)
        return p

    def test_crew_day(self):
        wasp = self.crew("tama-wasp-1")
        self.assertEqual(wasp["day"]["state"], "available")
        ids = []
        for lat, lon in SITES:
            st, r = self.api("POST", "/api/v1/requests", {
                "category": "wasp_nest", "channel": "phone",
                "lat": lat, "lon": lon,
                "answers": {"nest_height": "eaves", "location": "outdoor"}})
            self.assertEqual(st, 201, r)
            ids.append(r["id"])
            st, r = self.api("POST", "/api/v1/requests/%d/assign" % r["id"],
                             {"crew_id": wasp["id"]})
            self.assertEqual(st, 200, r)

        # Three jobs: not available, and the board says so.
        wasp = self.crew("tama-wasp-1")
        self.assertEqual(wasp["day"]["state"], "assigned")
        self.assertEqual(wasp["day"]["jobs"], 3)
        self.assertEqual(self.crew("tama-road-1")["day"]["state"],
                         "available")
        self.assertEqual(self.crew("tama-road-1")["day"]["position"]["source"],
                         "office")

        p = self.plan(wasp["id"])
        self.assertEqual(p["distances"], "straight_line_x_detour")
        self.assertEqual(sorted(s["request_id"] for s in p["stops"]),
                         sorted(ids))
        self.assertEqual([s["order"] for s in p["stops"]], [1, 2, 3])
        arr = [s["arrive_at"] for s in p["stops"]]
        self.assertEqual(arr, sorted(arr))
        for s in p["stops"]:
            self.assertLessEqual(s["arrive_at"], s["finish_at"])
            self.assertEqual(s["work_minutes"], 45)

        # Pin the job the plan put last: it comes first and stays there.
        last = p["stops"][-1]["request_id"]
        st, r = self.api("POST", "/api/v1/crews/%d/plan/pin" % wasp["id"],
                         {"request_id": last, "position": 1})
        self.assertEqual(st, 200, r)
        p = self.plan(wasp["id"])
        self.assertEqual(p["stops"][0]["request_id"], last)
        self.assertTrue(p["stops"][0]["pinned"])
        self.assertIn("pinned", [x["code"] for x in p["stops"][0]["reasons"]])
        st, r = self.api("POST", "/api/v1/crews/%d/plan/pin" % wasp["id"],
                         {"request_id": last, "position": 0})
        self.assertEqual(st, 422, r)

        # A resident available only from 3 h from now to 4 h: kept, waiting.
        other = [i for i in ids if i != last]
        h.psql(self.url, "UPDATE requests SET window_from = now() + "
               "interval '3 hours', window_to = now() + interval '4 hours'"
               " WHERE id = %d" % other[0])
        p = self.plan(wasp["id"])
        self.assertEqual(p["stops"][0]["request_id"], last)
        s = next(s for s in p["stops"] if s["request_id"] == other[0])
        self.assertEqual(s["late_minutes"], 0)
        codes = [x["code"] for x in s["reasons"]]
        self.assertIn("window_kept", codes)
        self.assertIn("waits", codes)
        self.assertEqual(s["order"], 3)  # the other job fits before it

        # A promise the plan cannot keep (within 5 min, behind a pinned
        # 45-minute job): it says so, by how much, and why.
        h.psql(self.url, "UPDATE requests SET window_from = NULL, "
               "window_to = now() + interval '5 minutes' WHERE id = %d"
               % other[1])
        p = self.plan(wasp["id"])
        s = next(s for s in p["stops"] if s["request_id"] == other[1])
        self.assertGreater(s["late_minutes"], 30)
        late = next(x for x in s["reasons"] if x["code"] == "window_late")
        self.assertIn("約束の時間帯", late["text_ja"])
        self.assertIn("promised window missed", late["text"])

        # Open311 carries the plan's expected arrival for the resident.
        st, _, raw = self.d.request("/open311/v2/requests/%d.json" % last)
        self.assertEqual(st, 200, raw)
        o = json.loads(raw)[0]
        want = datetime.fromisoformat(
            p["stops"][0]["expected_from"].replace("Z", "+00:00"))
        got = datetime.fromisoformat(o["expected_datetime"])
        self.assertLess(abs((got - want).total_seconds()), 2)


if __name__ == "__main__":
    h.main()
