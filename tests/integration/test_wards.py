"""Wards: 'patrolctl import wards' writes the set in one go, patrold serves
it at /api/v1/wards and reloads it on LISTEN/NOTIFY after a re-import."""
import json
import os
import shutil
import tempfile
import time
import unittest

import harness as h

KAWASAKI = os.path.join(h.SOURCE, "data", "kawasaki_wards_N03-22.geojson")


def kawasaki():
    """The shipped Kawasaki wards, parsed: a fresh copy to change."""
    with open(KAWASAKI, encoding="utf-8") as f:
        return json.load(f)


class Wards(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = h.migrated_database("wards")
        cls.tmp = tempfile.mkdtemp()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def import_wards(self, path, *args):
        return h.patrolctl(self.url, "import", "wards", path, *args)

    def import_doc(self, doc, name):
        """Imports the FeatureCollection doc, written to name in the work
        directory; fails unless patrolctl exits 0. Returns the run."""
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False)
        r = self.import_wards(path)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def test_1_import_serve_reimport_and_reload(self):
        # Before any import patrold starts with no wards.
        with h.Patrold(self.url) as d:
            status, body = d.json("/api/v1/wards")
            self.assertEqual(status, 200)
            self.assertEqual(body, {"type": "FeatureCollection",
                                    "features": []})

        r = self.import_wards(KAWASAKI)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("imported 7 wards (15 polygons, 1 hole) from " +
                      KAWASAKI, r.stdout)
        self.assertEqual(h.psql(self.url, "SELECT count(*) FROM wards"), "7")

        with h.Patrold(self.url) as d:
            status, headers, raw = d.request("/api/v1/wards")
            self.assertEqual(status, 200)
            self.assertTrue(
                headers["Content-Type"].startswith("application/geo+json"))
            body = json.loads(raw)
            self.assertEqual(body["type"], "FeatureCollection")
            self.assertEqual(len(body["features"]), 7)
            codes = {f["properties"]["code"]: f for f in body["features"]}
            self.assertIn("14135", codes)
            tama = codes["14135"]
            self.assertIn("多摩区", tama["properties"]["name"])
            self.assertEqual(tama["geometry"]["type"], "MultiPolygon")
            self.assertEqual(len(tama["geometry"]["coordinates"][0]), 2)
            self.assertEqual(
                len(codes["14131"]["geometry"]["coordinates"]), 8)
            self.assertIn("event=wards_loaded wards=7", d.text())

            # Re-importing the same file changes nothing.
            r = self.import_wards(KAWASAKI)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("imported 7 wards", r.stdout)
            self.assertEqual(
                h.psql(self.url, "SELECT count(*) FROM wards"), "7")

            # A renamed ward reaches the running patrold by NOTIFY.
            doc = kawasaki()
            for feat in doc["features"]:
                if feat["properties"]["code"] == "14135":
                    feat["properties"]["name"] = "多摩区（改名試験）"
            self.import_doc(doc, "renamed.geojson")
            deadline = time.monotonic() + 5
            while True:
                _, body = d.json("/api/v1/wards")
                names = {f["properties"]["code"]: f["properties"]["name"]
                         for f in body["features"]}
                if names["14135"] == "多摩区（改名試験）":
                    break
                self.assertLess(time.monotonic(), deadline,
                                "patrold still serves %s" % names["14135"])
                time.sleep(0.1)
            self.assertEqual(len(names), 7)

        # 'wards list' reads the same rows back.
        r = h.patrolctl(self.url, "wards", "list")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.strip().split("\n")
        self.assertEqual(len(lines), 7)
        code, name, bbox = lines[4].split("\t")
        self.assertEqual(code, "14135")
        self.assertEqual(name, "多摩区（改名試験）")
        lon_min, lat_min, lon_max, lat_max = map(float, bbox.split(","))
        self.assertTrue(lon_min < 139.5503 < lon_max)
        self.assertTrue(lat_min < 35.6197 < lat_max)

    def test_2_bad_file_is_refused_and_changes_nothing(self):
        before = h.psql(self.url, "SELECT count(*) FROM wards")
        bad = os.path.join(self.tmp, "bad.geojson")
        with open(bad, "w") as f:
            json.dump({"type": "FeatureCollection", "features": [
                {"type": "Feature", "properties": {"name": "x", "code": "1"},
                 "geometry": {"type": "Polygon", "coordinates":
                              [[[139.5, 35.6], [139.6, 35.6],
                                [139.6, 95], [139.5, 35.6]]]}}]}, f)
        r = self.import_wards(bad)
        self.assertEqual(r.returncode, 1)
        self.assertIn("features[0]: ring 0, position 2: lat 95 is out of "
                      "range", r.stderr)
        self.assertEqual(
            h.psql(self.url, "SELECT count(*) FROM wards"), before)

        r = self.import_wards(os.path.join(self.tmp, "missing.geojson"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("No such file", r.stderr)

        # Asking for a property the file does not have names it.
        r = self.import_wards(KAWASAKI, "--code-field", "N03_007")
        self.assertEqual(r.returncode, 1)
        self.assertIn("features[0]: property 'N03_007' (the code) is "
                      "missing", r.stderr)

        r = h.patrolctl(self.url, "import", "wards")
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage: patrolctl import wards FILE", r.stderr)

    def test_3_a_smaller_set_replaces_the_whole(self):
        doc = kawasaki()
        doc["features"] = [x for x in doc["features"]
                           if x["properties"]["code"] in ("14135", "14137")]
        r = self.import_doc(doc, "two.geojson")
        self.assertIn("imported 2 wards (3 polygons, 1 hole)", r.stdout)
        self.assertIn("removed 5 wards not in", r.stdout)
        self.assertEqual(h.psql(self.url, "SELECT string_agg(code, ',' "
                                          "ORDER BY code) FROM wards"),
                         "14135,14137")
        r = self.import_wards(KAWASAKI)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(h.psql(self.url, "SELECT count(*) FROM wards"), "7")

    def test_4_reload_fills_the_ward_of_requests_that_had_none(self):
        """A request placed while its ward was not loaded (an import on
        its way) gets the ward when patrold reloads, on its timeline, and
        the reload says how many it filled."""
        doc = kawasaki()
        doc["features"] = [x for x in doc["features"]
                           if x["properties"]["code"] == "14135"]
        self.import_doc(doc, "tama.geojson")
        with h.Patrold(self.url) as d:
            token = h.user_token(self.url, "disp4", "dispatcher")
            st, req = d.json("/api/v1/requests", method="POST", headers={
                "Authorization": "Bearer " + token,
                "Content-Type": "application/json"}, body=json.dumps({
                    "category": "wasp_nest", "lat": 35.5990,
                    "lon": 139.5035,         # Asao ward office
                    "answers": {"nest_height": "eaves",
                                "location": "outdoor"}}).encode())
            self.assertEqual(st, 201, req)
            self.assertIsNone(req["ward_code"])
            r = self.import_wards(KAWASAKI)
            self.assertEqual(r.returncode, 0, r.stderr)
            deadline = time.monotonic() + 10
            while h.psql(self.url, "SELECT coalesce(ward_code, '') FROM "
                         "requests WHERE id = %d" % req["id"]) != "14137":
                self.assertLess(time.monotonic(), deadline, d.text())
                time.sleep(0.1)
            st, got = d.json("/api/v1/requests/%d" % req["id"], headers={
                "Authorization": "Bearer " + token})
            self.assertEqual(got["ward_code"], "14137")
            self.assertIs(got["outside_wards"], False)
            kinds = [e["kind"] for e in got["events"]]
            self.assertIn("ward_filled", kinds)
            deadline = time.monotonic() + 5
            while "event=wards_filled requests=1" not in d.text():
                self.assertLess(time.monotonic(), deadline, d.text())
                time.sleep(0.1)
            self.assertIn("event=wards_loaded wards=7", d.text())


if __name__ == "__main__":
    h.main()
