"""Acting before people ask (issue 17), end to end through patrold: the
recurring-site rule on a known history, the notice list that never lists
anyone without consent or past retention (and is audited, staff only), the
outlook's weekly counts and chart, the past-case search finding 巣なし, and
the patrol risk raising the piece with repeated potholes."""
import csv
import io
import json
import unittest
import urllib.parse

import harness as h

# Site A: the eaves of one house in Tama, three seasons. Site B: two calls
# about one nest in a single season. C: a lone call.
A = (35.62020, 139.57000)
B = (35.60500, 139.55000)
C = (35.61000, 139.54000)
# ~8 m apart at this latitude (1e-4 degree of longitude is ~9 m).
NEAR = [(0, 0), (0.00004, 0.00005), (-0.00003, 0.00004)]


class Insights(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = h.city_database(
            "insights",
            h.office(),
            h.crew("tama-wasp-1", "多摩 蜂班", "wasp", at=(35.6330, 139.5290)),
        )
        cls.disp = h.user_token(cls.url, "disp1", "dispatcher")
        cls.viewer = h.user_token(cls.url, "view1", "viewer")
        cls.d = h.Patrold(cls.url)
        cls.ids = {}

        def make(tag, pt, when, caller=None, category="wasp_nest",
                 answers=None):
            body = {"category": category, "lat": pt[0], "lon": pt[1],
                    "address": "テスト " + tag, "description": tag,
                    "answers": answers if answers is not None else
                    {"nest_height": "eaves", "location": "outdoor"}}
            if caller is not None:
                body["caller"] = caller
            st, j = cls.post("/api/v1/requests", body, cls.disp)
            assert st == 201, (st, j)
            h.psql(cls.url, "UPDATE requests SET created_at = '%s' WHERE id"
                   " = %d" % (when, j["id"]))
            h.psql(cls.url, "UPDATE callers SET created_at = '%s',"
                   " consent_at = CASE WHEN consent_at IS NOT NULL THEN '%s'::timestamptz"
                   " END WHERE request_id = %d" % (when, when, j["id"]))
            cls.ids[tag] = j["id"]
            return j["id"]

        yes = lambda n: {"name": n, "phone": "044-000-0000",
                         "address": "川崎市多摩区 " + n, "consent": True}
        make("A1", (A[0] + NEAR[0][0], A[1] + NEAR[0][1]),
             "2024-08-05 10:00+09", yes("住民 一"))
        make("A2", (A[0] + NEAR[1][0], A[1] + NEAR[1][1]),
             "2025-08-04 10:00+09", {"name": "住民 二", "consent": False})
        make("A3", (A[0] + NEAR[2][0], A[1] + NEAR[2][1]),
             "2026-07-06 10:00+09", yes("住民 三"))
        # Consented, but longer ago than the retention period.
        make("A0", (A[0], A[1] + 0.00002), "2021-08-02 10:00+09",
             yes("住民 古"))
        make("B1", B, "2026-08-03 10:00+09", yes("住民 B一"))
        make("B2", (B[0] + 0.00003, B[1]), "2026-08-04 10:00+09",
             yes("住民 B二"))
        make("C1", C, "2025-08-04 10:00+09", yes("住民 C"))
        # Called off at A, no nest after all: never a case of its own, so
        # not counted at A's site or in the outlook, not a past case.
        make("A4", A, "2026-07-07 10:00+09")
        st, j = cls.post("/api/v1/requests/%d/cancel" % cls.ids["A4"],
                         {"reason": "通報者が取り下げ",
                          "note": "巣なしと連絡あり"}, cls.disp)
        assert st == 200, (st, j)
        # A past case: no nest found, explained to the resident.
        h.psql(cls.url, "UPDATE requests SET state = 'done', outcome ="
               " 'no_nest' WHERE id = %d" % cls.ids["C1"])
        h.psql(cls.url, "SELECT request_event_append(%d, 'crew1', 'done',"
               " 'on_site', 'done', NULL, NULL, NULL, jsonb_build_object("
               "'outcome', 'no_nest', 'note', '樹液に集まるハチだった'))"
               % cls.ids["C1"])

    @classmethod
    def tearDownClass(cls):
        cls.d.stop_clean()

    @classmethod
    def post(cls, path, body, token):
        return cls.d.json(path, method="POST",
                          body=json.dumps(body).encode(),
                          headers={"Authorization": "Bearer " + token,
                                   "Content-Type": "application/json"})

    def get(self, path, token=None, **q):
        return self.d.json(path + ("?" + urllib.parse.urlencode(q)
                                   if q else ""),
                           headers={"Authorization": "Bearer " +
                                    (token or self.disp)})

    def test_recurring_rule(self):
        st, j = self.get("/api/v1/recurring", category="wasp_nest")
        self.assertEqual(st, 200, j)
        # A (A0 from 2021 joins it too); B is one season; C is alone.
        self.assertEqual(j["sites_total"], 1)
        site = j["sites"][0]
        self.assertEqual(site["count"], 4)
        self.assertEqual(site["seasons"], 4)
        self.assertEqual([r["id"] for r in site["requests"]],
                         sorted(self.ids[t] for t in ("A0", "A1", "A2",
                                                      "A3")))
        self.assertIn("同じ場所", site["summary_ja"])
        self.assertNotIn("name", json.dumps(site["requests"]))
        # Near a point: A's site at A, none at B.
        st, j = self.get("/api/v1/recurring", category="wasp_nest",
                         lat=A[0], lon=A[1], token=self.viewer)
        self.assertEqual((st, len(j["sites"])), (200, 1))
        st, j = self.get("/api/v1/recurring", category="wasp_nest",
                         lat=B[0], lon=B[1])
        self.assertEqual((st, len(j["sites"])), (200, 0))
        for q, field in [({"lat": A[0]}, "lon"),
                         ({"lat": "95", "lon": A[1]}, "lat")]:
            st, j = self.get("/api/v1/recurring", category="wasp_nest", **q)
            self.assertEqual((st, j["error"]["code"], j["error"]["field"]),
                             (422, "invalid_location", field), q)
        st, j = self.get("/api/v1/recurring", category="nope")
        self.assertEqual((st, j["error"]["code"]), (422, "unknown_category"))
        st, j = self.get("/api/v1/recurring")
        self.assertEqual((st, j["error"]["field"]), (400, "category"))

    def test_notices_need_consent(self):
        before = int(h.psql(self.url, "SELECT count(*) FROM audit_log WHERE"
                            " action = 'notices.read'"))
        st, j = self.get("/api/v1/notices", category="wasp_nest",
                         season="2027")
        self.assertEqual(st, 200, j)
        # A1 and A3 consented; A2 did not; A0 is past retention; B is not
        # a recurring site; C is alone.
        names = sorted(n["name"] for n in j["notices"])
        self.assertEqual(names, ["住民 一", "住民 三"])
        for n in j["notices"]:
            self.assertTrue(n["consent_at"])
            self.assertIn("同意", n["consent_text"])
            self.assertIn(n["name"] + " 様", n["letter"])
            self.assertIn("2027年", n["letter"])
        after = int(h.psql(self.url, "SELECT count(*) FROM audit_log WHERE"
                           " action = 'notices.read'"))
        self.assertEqual(after, before + 1)
        # Personal data: not for a viewer.
        st, j = self.get("/api/v1/notices", token=self.viewer,
                         category="wasp_nest")
        self.assertEqual(st, 403)
        # CSV for mail merge.
        st, hd, body = self.d.request(
            "/api/v1/notices?category=wasp_nest&season=2027",
            headers={"Authorization": "Bearer " + self.disp,
                     "Accept": "text/csv"})
        self.assertEqual(st, 200)
        self.assertTrue(hd["Content-Type"].startswith("text/csv"))
        rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
        self.assertEqual(sorted(r["name"] for r in rows),
                         ["住民 一", "住民 三"])
        # Every column, in order; numbers as numbers, the letter last.
        self.assertEqual(list(rows[0].keys()), [
            "caller_id", "name", "address", "phone", "place", "ward",
            "request_id", "site", "seasons", "requested_at", "consent_at",
            "sent_at", "letter"])
        for r in rows:
            for k in ("caller_id", "request_id", "site", "seasons"):
                self.assertRegex(r[k], r"^[1-9][0-9]*$", k)
            self.assertTrue(r["consent_at"])
            self.assertIn(r["name"] + " 様", r["letter"])
        # Printable letters.
        st, hd, body = self.d.request(
            "/api/v1/notices?category=wasp_nest&format=html",
            headers={"Authorization": "Bearer " + self.disp})
        self.assertEqual(st, 200)
        self.assertIn("住民 三 様", body.decode())
        self.assertNotIn("住民 二", body.decode())

    def test_sending_is_recorded_once_and_only_with_consent(self):
        cid = int(h.psql(self.url, "SELECT id FROM callers WHERE request_id"
                         " = %d" % self.ids["A3"]))
        body = {"caller_id": cid, "request_id": self.ids["A3"],
                "season": 2031, "method": "letter"}
        st, j = self.post("/api/v1/notices/sent", body, self.disp)
        self.assertEqual(st, 201, j)
        st, j = self.post("/api/v1/notices/sent", body, self.disp)
        self.assertEqual((st, j["error"]["code"]), (409, "already_sent"))
        st, j = self.get("/api/v1/notices", category="wasp_nest",
                         season="2031")
        sent = [n for n in j["notices"] if n["caller_id"] == cid]
        self.assertTrue(sent[0]["sent_at"])
        no = int(h.psql(self.url, "SELECT id FROM callers WHERE request_id"
                        " = %d" % self.ids["A2"]))
        st, j = self.post("/api/v1/notices/sent",
                          dict(body, caller_id=no,
                               request_id=self.ids["A2"]), self.disp)
        self.assertEqual((st, j["error"]["code"]), (422, "not_listable"))
        st, j = self.post("/api/v1/notices/sent", body, self.viewer)
        self.assertEqual(st, 403)

    def test_consent_at_intake(self):
        st, j = self.get("/api/v1/consent", token=self.viewer)
        self.assertEqual(st, 200)
        text = j["text"]
        row = h.psql(self.url, "SELECT consent_text FROM callers WHERE"
                     " request_id = %d" % self.ids["A1"])
        self.assertEqual(row, text)
        self.assertEqual(h.psql(self.url, "SELECT count(*) FROM callers"
                                " WHERE request_id = %d AND consent_at IS"
                                " NULL" % self.ids["A2"]), "1")
        body = {"category": "wasp_nest", "lat": C[0], "lon": C[1],
                "answers": {"nest_height": "eaves", "location": "outdoor"}}
        st, j = self.post("/api/v1/requests",
                          dict(body, caller={"consent": "yes"}), self.disp)
        self.assertEqual((st, j["error"]["field"]), (422, "consent"))
        st, j = self.post("/api/v1/requests",
                          dict(body, caller={"consent": True}), self.disp)
        self.assertEqual((st, j["error"]["field"]), (422, "consent"))

    def test_outlook_counts_and_chart(self):
        st, j = self.get("/api/v1/outlook", category="wasp_nest")
        self.assertEqual(st, 200, j)
        for q, field in [({}, "category"),
                         ({"category": "x" * 41}, "category"),
                         ({"category": "wasp_nest", "ward": "1" * 41},
                          "ward")]:
            st, e = self.get("/api/v1/outlook", **q)
            self.assertEqual((st, e["error"]["field"]), (400, field), q)
        weeks = {w["week"]: w["count"] for w in j["history"]}
        # Mondays of the weeks the known requests came in.
        self.assertEqual(weeks.get("2025-08-04"), 2)   # A2 and C1
        self.assertEqual(weeks.get("2026-08-03"), 2)   # B1 and B2
        self.assertEqual(weeks.get("2026-07-06"), 1)   # A3
        self.assertEqual(len(j["ahead"]), 52)
        self.assertIn("過去", j["model"]["explanation_ja"])
        self.assertIn("crews_needed", j["peak"])
        # 2026-08-03 + 52 weeks = 2027-08-02: the past years' 1 and 2 jobs
        # (2025-08-04, 2026-08-03) average 2 there, the largest: the peak.
        self.assertEqual(j["peak"]["week"], "2027-08-02")
        st, hd, body = self.d.request(
            "/api/v1/outlook/chart.png?category=wasp_nest&ward=14135",
            headers={"Authorization": "Bearer " + self.viewer})
        self.assertEqual(st, 200)
        self.assertEqual(body[:8], b"\x89PNG\r\n\x1a\n")

    def test_past_cases_find_no_nest(self):
        st, j = self.get("/api/v1/cases", token=self.viewer, q="巣なし")
        self.assertEqual(st, 200, j)
        self.assertEqual([c["id"] for c in j], [self.ids["C1"]])
        self.assertEqual(j[0]["outcome_ja"], "巣なし（住民へ説明）")
        self.assertIn("樹液に集まるハチだった", j[0]["notes"])
        self.assertNotIn("住民 C", json.dumps(j, ensure_ascii=False))
        st, j = self.get("/api/v1/cases", q="巣なし", ward="14136")
        self.assertEqual((st, j), (200, []))
        st, j = self.get("/api/v1/cases", outcome="no_nest",
                         **{"from": "2025-08-01", "to": "2025-08-31"})
        self.assertEqual([c["id"] for c in j], [self.ids["C1"]])
        st, j = self.get("/api/v1/cases", **{"from": "2025-8-1"})
        self.assertEqual((st, j["error"]["field"]), (400, "from"))

    def test_risk_raises_the_piece_with_repeated_potholes(self):
        # Three potholes along one street this year, one far away.
        ids = []
        for i, (la, lo) in enumerate([(35.61500, 139.56000),
                                      (35.61502, 139.56030),
                                      (35.61498, 139.56060),
                                      (35.63000, 139.58000)]):
            st, j = self.post("/api/v1/requests", {
                "category": "road_pothole", "lat": la, "lon": lo,
                "answers": {"depth": "shallow"}}, self.disp)
            self.assertEqual(st, 201, j)
            ids.append(j["id"])
        e, n = map(float, h.psql(self.url, "SELECT easting || ' ' ||"
                                 " northing FROM requests WHERE id = %d"
                                 % ids[0]).split())

        def piece(ref, e0, n0, e1, n1):
            h.psql(self.url, "INSERT INTO network_pieces (kind, source, ref,"
                   " seq, class, name, ward_code, interval_days, length_m,"
                   " lonlat, plane, crs) VALUES ('road', 'test', '%s', 0,"
                   " 'residential', '%s', '14135', 30, 100, '[[139.56,"
                   " 35.615], [139.561, 35.615]]', ARRAY[%f, %f, %f, %f],"
                   " 'EPSG:6677')" % (ref, ref, e0, n0, e1, n1))
        piece("通り", e - 10, n + 5, e + 90, n + 5)
        piece("遠い道", e + 3000, n, e + 3100, n)
        st, j = self.get("/api/v1/risk", token=self.viewer, ward="1" * 41)
        self.assertEqual((st, j["error"]["code"], j["error"]["field"]),
                         (400, "invalid_value", "ward"))
        st, j = self.get("/api/v1/risk", token=self.viewer, ward="14135")
        self.assertEqual(st, 200, j)
        names = [p["name"] for p in j["pieces"]]
        self.assertEqual(names, ["通り"])
        p = j["pieces"][0]
        self.assertEqual(p["count"], 3)
        self.assertEqual(p["by_category"], {"road_pothole": 3})
        self.assertEqual(p["explanation_ja"],
                         "50m以内に12か月で3件の道路の穴・陥没")
        self.assertLess(p["suggested_interval_days"], 30)


if __name__ == "__main__":
    h.main()
