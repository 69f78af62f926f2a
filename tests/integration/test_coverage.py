"""Patrol network import and weekly coverage, end to end: the dirty OSM
extract imports with what it skipped counted; a real GPS trace replayed as
a patrol covers pieces along its road and none far from it; the week's
exports come out of the command and the API alike, and GDAL opens the
vector ones with our counts."""
import csv
import datetime
import io
import json
import math
import os
import shutil
import subprocess
import tempfile
import unittest

import harness as h

DATA = "/work/shared/data"
MUNICH = ["--crs", "EPSG:25832", "--service-area", "11.3,48.0,11.8,48.3"]
OAKLAND = ["--crs", "EPSG:26910", "--service-area",
           "-122.35,37.78,-122.25,37.85"]
WEEK = "2026-W47"                       # Monday 2026-11-16, Asia/Tokyo
START = "2026-11-17T09:00:00+09:00"


def trace_points():
    pts = []
    path = os.path.join(h.SOURCE, "tests", "data",
                        "barefoot_munich_x0001-001.json")
    for e in json.load(open(path)):
        lon, lat = map(float, e["point"][6:-1].split())
        pts.append((e["time"], lon, lat))
    pts.sort()
    return [(lon, lat) for _, lon, lat in pts]


def simplify(pts, tol_m):
    """Douglas-Peucker in a local metric frame: the road the car drove."""
    lat0 = math.radians(pts[0][1])

    def xy(p):
        return (p[0] * 111320 * math.cos(lat0), p[1] * 110540)

    def dist(p, a, b):
        (px, py), (ax, ay), (bx, by) = xy(p), xy(a), xy(b)
        dx, dy = bx - ax, by - ay
        if dx == dy == 0:
            return math.hypot(px - ax, py - ay)
        t = max(0, min(1, ((px - ax) * dx + (py - ay) * dy) /
                       (dx * dx + dy * dy)))
        return math.hypot(px - ax - t * dx, py - ay - t * dy)

    def rdp(s, e):
        i, dmax = 0, 0
        for k in range(s + 1, e):
            d = dist(pts[k], pts[s], pts[e])
            if d > dmax:
                i, dmax = k, d
        if dmax > tol_m:
            return rdp(s, i)[:-1] + rdp(i, e)
        return [pts[s], pts[e]]
    return rdp(0, len(pts) - 1)


def ogr_count(path):
    out = subprocess.run(["ogrinfo", "-ro", "-al", "-so", path],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return [int(line.split(":")[1]) for line in out.stdout.splitlines()
            if line.startswith("Feature Count:")]


class Coverage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.url = h.migrated_database("coverage")
        # The road the trace drove, and two straight streets nobody
        # drove, 300 m beyond the trace's northern and southern edges.
        cls.trace = trace_points()
        road = simplify(cls.trace, 8)
        west = min(x for x, _ in cls.trace)
        east = max(x for x, _ in cls.trace)
        south = min(y for _, y in cls.trace) - 300 / 110540
        north = max(y for _, y in cls.trace) + 300 / 110540
        lines = [road, [[west, north], [east, north]],
                 [[west, south], [east, south]]]
        feats = []
        for i, line in enumerate(lines):
            feats.append({"type": "Feature",
                          "properties": {"highway": "residential",
                                         "name": "street %d" % i},
                          "geometry": {"type": "LineString",
                                       "coordinates": [list(p) for p in
                                                       line]}})
        cls.network = os.path.join(cls.tmp, "munich_roads.geojson")
        with open(cls.network, "w") as f:
            json.dump({"type": "FeatureCollection", "features": feats}, f)
        cls.ctl = lambda self, *a: h.patrolctl(self.url, *(MUNICH + list(a)))
        for args in [("office", "add", "m", "--name-ja", "ミュンヘン",
                      "--name-en", "Munich", "--lat", "48.14", "--lon",
                      "11.5", "--skills", "road"),
                     ("crew", "add", "m1", "--office", "m", "--name",
                      "巡回1班", "--skills", "road")]:
            r = h.patrolctl(cls.url, *(MUNICH + list(args)))
            assert r.returncode == 0, (args, r.stderr)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def run_ctl(self, *args, extra=MUNICH):
        r = h.patrolctl(self.url, *(extra + list(args)))
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def week_geojson(self, name, *rule):
        """The week's GeoJSON export by patrolctl (rule: options before
        the command), written to name in the work directory, parsed."""
        path = os.path.join(self.tmp, name)
        self.run_ctl(*rule, "coverage", "export", "--week", WEEK, "--format",
                     "geojson", "-o", path)
        with open(path) as f:
            return json.load(f)

    def test_1_dirty_osm_counts_what_it_skips(self):
        out = self.run_ctl("import", "network", os.path.join(
            DATA, "osm", "osmnx_west_oakland_2016.osm"), "--kind", "road",
            extra=OAKLAND)
        self.assertIn("1160 features: 376 used (0 in part), 140 skipped, "
                      "644 not road; 258 node references missing", out)
        n = int(h.psql(self.url, "SELECT count(*) FROM network_pieces "
                                 "WHERE source LIKE 'osmnx%'"))
        self.assertGreater(n, 700)
        # Pieces are about 100 m, none a sliver.
        lo, hi = h.psql(self.url, "SELECT min(length_m)::int || ' ' || "
                        "max(length_m)::int FROM network_pieces WHERE "
                        "source LIKE 'osmnx%' AND length_m > 100").split()
        self.assertLess(int(hi), 151)
        # The same file again changes nothing.
        self.run_ctl("import", "network", os.path.join(
            DATA, "osm", "osmnx_west_oakland_2016.osm"), "--kind", "road",
            extra=OAKLAND)
        self.assertEqual(int(h.psql(
            self.url, "SELECT count(*) FROM network_pieces WHERE source "
                      "LIKE 'osmnx%'")), n)
        h.psql(self.url, "DELETE FROM network_pieces WHERE source LIKE "
                         "'osmnx%'")

    def test_2_trace_covers_its_road_only(self):
        out = self.run_ctl("import", "network", self.network, "--kind",
                           "road")
        self.assertIn("3 features: 3 used", out)
        out = self.run_ctl("patrol", "replay", os.path.join(
            h.SOURCE, "tests", "data", "barefoot_munich_x0001-001.json"),
            "--crew", "m1", "--start", START)
        # Every fix of the real 1 Hz drive is kept, and the command
        # accounts for each point of the file.
        self.assertIn("1194 points read: 1194 fixes stored, 0 duplicates, "
                      "0 refused", out)
        self.assertEqual(int(h.psql(
            self.url, "SELECT count(*) FROM track_points")), 1194)
        fc = self.week_geojson("week.geojson")
        by_street = {}
        lat0 = math.cos(math.radians(self.trace[0][1]))
        for f in fc["features"]:
            p = f["properties"]
            by_street.setdefault(p["name"], []).append(p["state"])
            if p["state"] != "inspected":
                continue
            # Every inspected piece lies along the trace.
            x, y = f["geometry"]["coordinates"][len(
                f["geometry"]["coordinates"]) // 2]
            near = min(math.hypot((x - tx) * 111320 * lat0,
                                  (y - ty) * 110540)
                       for tx, ty in self.trace)
            self.assertLess(near, 60, p)
        self.assertGreater(by_street["street 0"].count("inspected"), 0)
        self.assertEqual(by_street["street 1"].count("inspected"), 0)
        self.assertEqual(by_street["street 2"].count("inspected"), 0)
        # Never inspected and residential (30 days): all are overdue.
        self.assertEqual(set(by_street["street 2"]), {"overdue"})
        print("inspected pieces on the driven street: %d of %d"
              % (by_street["street 0"].count("inspected"),
                 len(by_street["street 0"])))

    def test_3_four_formats_from_command_and_api(self):
        with h.Patrold(self.url, *MUNICH) as d:
            token = h.user_token(self.url, "sup", "supervisor")
            counts = {}
            for fmt in ["geojson", "kml", "csv", "png"]:
                path = os.path.join(self.tmp, "cmd." + fmt)
                self.run_ctl("coverage", "export", "--week", WEEK,
                             "--format", fmt, "-o", path)
                st, headers, body = d.request(
                    "/api/v1/coverage/%s.%s" % (WEEK, fmt),
                    headers={"Authorization": "Bearer " + token})
                self.assertEqual(st, 200, body[:200])
                api = os.path.join(self.tmp, "api." + fmt)
                with open(api, "wb") as f:
                    f.write(body)
                if fmt == "png":
                    self.assertEqual(body[:8], b"\x89PNG\r\n\x1a\n")
                    self.assertGreater(len(body), 20000)
                    continue
                counts[fmt] = ogr_count(path)
                self.assertEqual(ogr_count(api)[0], counts[fmt][0])
            n = int(h.psql(self.url, "SELECT count(*) FROM network_pieces"))
            self.assertEqual(counts["geojson"][0], n)
            self.assertEqual(counts["kml"][0], n)
            # The CSV: Japanese headers by default, one row per piece and
            # nothing else; English with locale=en; the summary apart.
            with io.open(os.path.join(self.tmp, "cmd.csv"),
                         encoding="utf-8-sig") as f:
                rows = list(csv.reader(f))
            self.assertEqual(rows[0][:2], ["番号", "種別"])
            self.assertEqual(len(rows), n + 1)
            self.assertTrue(set(r[7] for r in rows[1:]) <=
                            {"巡回済み", "期限超過（未巡回）", "期限前"})
            auth = {"Authorization": "Bearer " + token}
            st, headers, body = d.request(
                "/api/v1/coverage/%s.csv?locale=en" % WEEK, headers=auth)
            self.assertEqual(st, 200)
            rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
            self.assertEqual(rows[0][:2], ["id", "kind"])
            self.assertEqual(len(rows), n + 1)
            self.assertIn("-en.csv", headers.get("Content-Disposition"))
            for q, first in [("", "区コード"), ("?locale=en", "ward_code")]:
                st, headers, body = d.request(
                    "/api/v1/coverage/%s.summary.csv%s" % (WEEK, q),
                    headers=auth)
                self.assertEqual(st, 200, body[:200])
                self.assertIn("text/csv", headers.get("Content-Type"))
                self.assertIn(".summary.csv",
                              headers.get("Content-Disposition"))
                rows = list(csv.reader(io.StringIO(
                    body.decode("utf-8-sig"))))
                self.assertEqual(rows[0][0], first)
                self.assertGreater(len(rows), 1)
                self.assertTrue(all(len(r) == 12 for r in rows), rows)
            self.run_ctl("coverage", "export", "--week", WEEK, "--format",
                         "summary.csv", "--locale", "en", "-o",
                         os.path.join(self.tmp, "cmd.summary.csv"))
            with io.open(os.path.join(self.tmp, "cmd.summary.csv"),
                         encoding="utf-8-sig") as f:
                self.assertEqual(next(csv.reader(f))[0], "ward_code")
            st, _, body = d.request(
                "/api/v1/coverage/%s.csv?locale=fr" % WEEK, headers=auth)
            self.assertEqual(st, 422, body)
            self.assertIn(b"locale", body)
            # Bad names are 404s, not crashes.
            for bad in ["2026-W99.png", "2026-W47.pdf", "yesterday.csv"]:
                st, _, _ = d.request("/api/v1/coverage/" + bad, headers={
                    "Authorization": "Bearer " + token})
                self.assertEqual(st, 404, bad)

    def test_4_way_back_suggests_overdue_pieces_near_the_route(self):
        with h.Patrold(self.url, *MUNICH) as d:
            token = h.user_token(self.url, "crewm", "crew")
            crew = h.crew_id(self.url, "m1")
            lon0, lat0 = self.trace[0]
            st, body = d.json("/api/v1/crews/%d/wayback?lat=%f&lon=%f"
                              % (crew, lat0, lon0), headers={
                                  "Authorization": "Bearer " + token})
            self.assertEqual(st, 200, body)
            st, bad = d.json("/api/v1/crews/%d/wayback?lat=%f" % (crew, lat0),
                             headers={"Authorization": "Bearer " + token})
            self.assertEqual((st, bad["error"]["code"], bad["error"]["field"]),
                             (422, "invalid_location", "lon"))
            got = body["pieces"]
            self.assertTrue(got)
            offs = [p["off_route_m"] for p in got]
            self.assertEqual(offs, sorted(offs))
            self.assertLessEqual(offs[-1], 300)
            # The same answer from an independent computation here.
            olon, olat = 11.5, 48.14
            k = math.cos(math.radians(lat0))

            def xy(lon, lat):
                return ((lon - lon0) * 111320 * k, (lat - lat0) * 110540)
            bx, by = xy(olon, olat)

            def off(px, py):
                t = max(0, min(1, (px * bx + py * by) / (bx * bx + by * by)))
                return math.hypot(px - t * bx, py - t * by)
            rows = h.psql(self.url, "SELECT n.id, n.lonlat FROM "
                          "network_pieces n WHERE NOT EXISTS (SELECT 1 "
                          "FROM piece_inspections i WHERE i.piece_id = "
                          "n.id AND i.share >= 0.8 AND i.inspected_at + n.interval_days * "
                          "interval '1 day' > now())").splitlines()
            expect = {}
            for row in rows:
                pid, ll = row.split("|", 1)
                pts = [xy(*p) for p in json.loads(ll)]
                best = min(off(x, y) for x, y in pts)
                if best <= 290:
                    expect[int(pid)] = best
            near = sorted(expect, key=expect.get)[:10]
            self.assertTrue(set(near) <= {p["piece_id"] for p in got},
                            (near, got[:5]))
            st, body = d.json("/api/v1/crews/999999/wayback", headers={
                "Authorization": "Bearer " + token})
            self.assertEqual(st, 404)

    def post_track(self, d, auth, patrol, points):
        """POST /api/v1/patrols/ID/track of the points to patrold d with
        the auth headers: (status, answer)."""
        return d.json("/api/v1/patrols/%d/track" % patrol["id"],
                      method="POST", headers=auth,
                      body=json.dumps({"points": points}).encode())

    def start_patrol(self, d, user):
        """A new crew user of crew m1 starts a patrol through patrold d's
        API: its request headers and the patrol created."""
        token = h.user_token(self.url, user, "crew", crew="m1")
        auth = {"Authorization": "Bearer " + token,
                "Content-Type": "application/json"}
        crew = h.crew_id(self.url, "m1")
        st, p = d.json("/api/v1/patrols", method="POST", headers=auth,
                       body=json.dumps({"crew_id": crew}).encode())
        self.assertEqual(st, 200, p)
        return auth, p

    def test_5_patrol_by_api_and_the_monday_archive(self):
        with h.Patrold(self.url, *MUNICH) as d:
            auth, p = self.start_patrol(d, "crewp")
            # Walk 600 m of the northern street at 5 km/h, a fix a second.
            lat = max(y for _, y in self.trace) + 300 / 110540
            west = min(x for x, _ in self.trace)
            t0 = int(datetime.datetime(2026, 11, 17, 12, tzinfo=datetime.
                                       timezone(datetime.timedelta(
                                           hours=9))).timestamp())
            step = (5 / 3.6) / (111320 * math.cos(math.radians(lat)))
            pts = [{"at": t0 + i, "lat": lat, "lon": west + 0.002 + i * step}
                   for i in range(432)]
            st, r = self.post_track(d, auth, p, pts)
            self.assertEqual((st, r["stored"]), (200, 432), r)
            # Sent again (a retry): nothing new.
            st, r = self.post_track(d, auth, p, pts)
            self.assertEqual(r["stored"], 0)
            bad = [{"at": t0, "lat": 35.6, "lon": 139.5}]
            st, r = self.post_track(d, auth, p, bad)
            self.assertEqual((st, r["error"]["field"]), (422, "points[0]"))
            st, r = d.json("/api/v1/patrols/%d/stop" % p["id"],
                           method="POST", headers=auth, body=b"{}")
            self.assertEqual(st, 200)
            st, _, body = d.request("/api/v1/coverage/%s.geojson" % WEEK,
                                    headers=auth)
            north = [f for f in json.loads(body)["features"]
                     if f["properties"]["name"] == "street 1"]
            walked = [f for f in north
                      if f["properties"]["state"] == "inspected"]
            self.assertGreaterEqual(len(walked), 4)
            self.assertLess(len(walked), len(north))
            # Archived as on Monday: later changes do not alter it.
            self.run_ctl("coverage", "archive", "--week", WEEK)
            st, _, before = d.request("/api/v1/coverage/%s.csv" % WEEK,
                                      headers=auth)
            h.psql(self.url, "DELETE FROM piece_inspections")
            st, _, after = d.request("/api/v1/coverage/%s.csv" % WEEK,
                                     headers=auth)
            self.assertEqual(before, after)
            # The summary and the English CSVs are archived too.
            st, _, en_after = d.request(
                "/api/v1/coverage/%s.summary.csv?locale=en" % WEEK,
                headers=auth)
            self.assertEqual(st, 200)
            self.assertTrue(en_after.startswith(b"\xef\xbb\xbfward_code,"))
            self.assertEqual(h.psql(
                self.url, "SELECT string_agg(format, ' ' ORDER BY format) "
                          "FROM coverage_exports WHERE week = '%s' AND "
                          "ward_code = ''" % WEEK),
                "csv csv:en geojson kml png summary.csv summary.csv:en")

    def test_6_sub_second_gpx_keeps_every_fix(self):
        """A walker's receiver at 2.5 Hz: several fixes in each second.
        Each is its own fix (time to the millisecond), a repeated point
        is a duplicate, another position at a known time is refused, and
        the walk inspects the street nobody else touched."""
        south = min(y for _, y in self.trace) - 300 / 110540
        west = min(x for x, _ in self.trace)
        step = 1.0 / (111320 * math.cos(math.radians(south)))
        t0 = datetime.datetime(2026, 11, 18, 1, 0, 0, 200000,
                               tzinfo=datetime.timezone.utc)
        pts = []
        for i in range(1000):           # 1 m every 0.4 s, 400 m
            at = t0 + datetime.timedelta(milliseconds=400 * i)
            pts.append((west + 0.0005 + i * step, south, at))

        def trkpt(lon, lat, at):
            return ('<trkpt lat="%.8f" lon="%.8f"><time>%s</time></trkpt>'
                    % (lat, lon, at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
                       + "Z"))
        body = [trkpt(*p) for p in pts]
        body.append(trkpt(*pts[10]))                         # a retry
        body.append(trkpt(pts[20][0] + 0.001, south, pts[20][2]))  # clash
        body.append('<trkpt lat="%.8f" lon="%.8f"></trkpt>' % (south, west))
        path = os.path.join(self.tmp, "walk.gpx")
        with open(path, "w") as f:
            f.write('<?xml version="1.0"?><gpx version="1.1" '
                    'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
                    + "".join(body) + "</trkseg></trk></gpx>")
        out = self.run_ctl("patrol", "replay", path, "--crew", "m1")
        self.assertIn("1003 points read: 1000 fixes stored, 1 duplicates, "
                      "2 refused", out)
        self.assertIn("1 at the time of another fix with another position",
                      out)
        self.assertIn("1 without a usable time or position", out)
        patrol = int(out.split()[1].rstrip(":"))
        ms = h.psql(self.url, "SELECT count(*), count(DISTINCT date_trunc("
                    "'second', at)), max(extract(milliseconds FROM at)::int"
                    " %% 1000) FROM track_points WHERE patrol_id = %d"
                    % patrol).split("|")
        self.assertEqual(int(ms[0]), 1000)
        self.assertEqual(int(ms[1]), 400)
        self.assertEqual(int(ms[2]), 800)
        fc = self.week_geojson("walk.geojson")
        walked = [f for f in fc["features"]
                  if f["properties"]["name"] == "street 2"
                  and f["properties"]["state"] == "inspected"]
        self.assertGreaterEqual(len(walked), 2)

    def test_7_api_track_keeps_milliseconds_and_counts(self):
        with h.Patrold(self.url, *MUNICH) as d:
            auth, p = self.start_patrol(d, "crewq")
            lon, lat = self.trace[0]
            t0 = 1795000000.125
            pts = [{"at": t0 + 0.25 * i, "lat": lat, "lon": lon + i * 1e-5}
                   for i in range(40)]
            st, r = self.post_track(d, auth, p, pts)
            self.assertEqual(st, 200, r)
            self.assertEqual(r, {"stored": 40, "duplicates": 0,
                                 "refused_same_time": 0})
            again = pts[:5] + [dict(pts[5], lon=lon + 0.01)]
            st, r = self.post_track(d, auth, p, again)
            self.assertEqual(r, {"stored": 0, "duplicates": 5,
                                 "refused_same_time": 1})
            self.assertEqual(h.psql(
                self.url, "SELECT to_char(min(at) AT TIME ZONE 'UTC', "
                          "'SS.MS') FROM track_points WHERE patrol_id = %d"
                % p["id"]), "%02d.125" % (1795000000 % 60))

    def test_8_loose_rule_then_default_rule(self):
        """An export with a 1 % rule, then one with the default 80 %: the
        second gives the default's answer, not the loose one's, and each
        piece's best share travels in the exports."""
        def export(*rule):
            return {f["properties"]["id"]: (f["properties"]["state"],
                                            f["properties"]["best_share"])
                    for f in self.week_geojson("rule.geojson",
                                               *rule)["features"]}
        before = export()
        loose = export("--coverage-share-pct", "1")
        after = export()
        self.assertEqual(after, before)
        n80 = sum(1 for s, _ in after.values() if s == "inspected")
        n1 = sum(1 for s, _ in loose.values() if s == "inspected")
        self.assertGreater(n1, n80)
        for pid, (state, share) in after.items():
            self.assertEqual(state == "inspected", share >= 0.8, pid)
            self.assertEqual(share, loose[pid][1])
        for pid, (state, share) in loose.items():
            self.assertEqual(state == "inspected", share >= 0.01, pid)
        # The CSV carries the same shares.
        path = os.path.join(self.tmp, "rule.csv")
        self.run_ctl("coverage", "export", "--week", WEEK, "--format",
                     "csv", "--locale", "en", "-o", path)
        with io.open(path, encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
        for r in rows:
            if r.get("due") in ("true", "false"):
                self.assertAlmostEqual(float(r["best_share"]),
                                       after[int(r["id"])][1], places=3)


if __name__ == "__main__":
    h.main()
