"""Business gauges on /metrics (issue 18): each one against the database
state it reports, the week's coverage share from a real coverage run, and
every patrol_* metric the example alert rules use is one patrold serves."""
import json
import os
import re
import shutil
import tempfile
import time
import unittest

import harness as h

RULES = os.path.join(h.SOURCE, "dist", "prometheus", "patrol-alerts.yml")


def samples(text):
    out = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        m = re.match(r"^([a-z_]+)(\{[^}]*\})? (\S+)$", line)
        assert m, line
        out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


class Metrics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = h.demo_database("metrics")
        cls.tmp = tempfile.mkdtemp(prefix="patrol-metrics-")
        q = lambda sql: h.psql(cls.url, sql)  # noqa: E731
        ids = q("SELECT id FROM requests ORDER BY id").split()
        # One call-back overdue, one still due; one request in a crew's
        # hands whose handheld last synced before the assignment.
        q("UPDATE requests SET callback_at = now() - interval '1 hour'"
          " WHERE id = %s" % ids[0])
        q("UPDATE requests SET callback_at = now() + interval '1 hour'"
          " WHERE id = %s" % ids[1])
        crew = q("SELECT id FROM crews WHERE code = 'tama-road-1'")
        q("UPDATE requests SET state = 'assigned', crew_id = %s,"
          " state_changed_at = now() - interval '30 minutes' WHERE id = %s"
          % (crew, ids[2]))
        cls.device = q("INSERT INTO devices (crew_id, token_sha256,"
                       " last_sync_at) VALUES (%s, repeat('e', 64), now() -"
                       " interval '2 hours') RETURNING id" % crew)
        # A road in Tama ward that nobody has patrolled: due, not done.
        road = {"type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {"highway": "residential",
                                              "name": "test road"},
            "geometry": {"type": "LineString", "coordinates": [
                [139.5500, 35.6200], [139.5540, 35.6200],
                [139.5580, 35.6205]]}}]}
        path = os.path.join(cls.tmp, "road.geojson")
        with open(path, "w") as f:
            json.dump(road, f)
        r = h.patrolctl(cls.url, "import", "network", path, "--kind", "road")
        assert r.returncode == 0, r.stderr
        cls.d = h.Patrold(cls.url, "--metrics-coverage-s", "1")

    @classmethod
    def tearDownClass(cls):
        rc = cls.d.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        assert rc == 0, cls.d.text()

    def scrape(self):
        status, headers, body = self.d.request("/metrics")
        self.assertEqual(status, 200)
        return body.decode("utf-8")

    def test_business_gauges(self):
        s = samples(self.scrape())
        self.assertEqual(s["patrol_business_up"], 1)
        # Open requests by state and priority: as the database counts.
        want = h.psql(self.url, "SELECT string_agg(state || ':' || priority"
                      " || ':' || n, ',' ORDER BY state, priority) FROM"
                      " (SELECT state, priority, count(*) n FROM requests"
                      " WHERE state NOT IN ('done', 'unable', 'cancelled',"
                      " 'merged') GROUP BY 1, 2) x")
        got = ",".join(sorted(
            "%s:%s:%d" % (re.search(r'state="(\w+)"', k).group(1),
                          re.search(r'priority="(\d+)"', k).group(1), v)
            for k, v in s.items() if k.startswith("patrol_requests_open")))
        self.assertEqual(got, ",".join(sorted(want.split(","))))
        self.assertIn('patrol_requests_open{state="assigned"', " ".join(s))
        self.assertEqual(s['patrol_callbacks{status="overdue"}'], 1)
        self.assertEqual(s['patrol_callbacks{status="due"}'], 1)
        # Busy: every crew with a job in hand (the demo's day puts some
        # there; setUpClass adds tama-road-1's).
        busy = int(h.psql(self.url, "SELECT count(DISTINCT crew_id) FROM"
                          " requests WHERE state IN ('assigned', 'accepted',"
                          " 'en_route', 'on_site')"))
        self.assertGreaterEqual(busy, 1)
        self.assertEqual(s['patrol_crews{state="busy"}'], busy)
        self.assertEqual(sum(v for k, v in s.items()
                             if k.startswith("patrol_crews{")),
                         int(h.psql(self.url, "SELECT count(*) FROM crews")))
        age = s['patrol_device_sync_age_seconds{device="%s",'
                'crew="tama-road-1"}' % self.device]
        self.assertTrue(7190 < age < 7400, age)
        job = s['patrol_unsynced_oldest_seconds{kind="job_change"}']
        self.assertTrue(1790 < job < 2000, job)
        self.assertEqual(
            s['patrol_unsynced_oldest_seconds{kind="photo_upload"}'], 0)
        # Once the handheld syncs, the backlog and its age go.
        h.psql(self.url, "UPDATE devices SET last_sync_at = now() WHERE"
               " id = %s" % self.device)
        s = samples(self.scrape())
        self.assertEqual(
            s['patrol_unsynced_oldest_seconds{kind="job_change"}'], 0)
        self.assertLess(s['patrol_device_sync_age_seconds{device="%s",'
                          'crew="tama-road-1"}' % self.device], 60)

    def test_coverage_share_of_the_week(self):
        deadline = time.time() + 60
        while time.time() < deadline:
            s = samples(self.scrape())
            share = [k for k in s if k.startswith(
                "patrol_coverage_week_share{")]
            if share:
                break
            time.sleep(0.5)
        week = h.psql(self.url, "SELECT to_char(now() AT TIME ZONE"
                      " 'Asia/Tokyo', 'IYYY-\"W\"IW')")
        # The gauges say what the supervisor's export of the week says:
        # by kind, the length due and the share of it inspected on time
        # (the demo patrols its rivers and, by car, part of its streets;
        # setUpClass's test road nobody patrols).
        path = os.path.join(self.tmp, "week.geojson")
        r = h.patrolctl(self.url, "coverage", "export", "--week", week,
                        "--format", "geojson", "-o", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(path) as f:
            summary = json.load(f)["summary"]
        for kind in ("road", "river"):
            km_due = sum(x["km_due"] for x in summary if x["kind"] == kind)
            on_time = sum(x["km_on_time"] for x in summary
                          if x["kind"] == kind)
            self.assertGreater(km_due, 0, kind)
            self.assertAlmostEqual(
                s['patrol_coverage_week_due_km{week="%s",kind="%s"}'
                  % (week, kind)], km_due, places=2)
            self.assertAlmostEqual(
                s['patrol_coverage_week_share{week="%s",kind="%s"}'
                  % (week, kind)], on_time / km_due, places=3)
        # Patrolled in part, not nothing and not all.
        key = 'patrol_coverage_week_share{week="%s",kind="road"}' % week
        self.assertTrue(0 < s[key] < 1, s[key])
        total = s['patrol_coverage_week_share{week="%s",kind="all"}' % week]
        self.assertTrue(0 <= total < 1, total)
        self.assertAlmostEqual(
            s['patrol_coverage_week_due_km{week="%s",kind="all"}' % week],
            sum(s['patrol_coverage_week_due_km{week="%s",kind="%s"}'
                  % (week, k)] for k in ("road", "river", "park")),
            places=2)

    def test_alert_rules_use_served_metrics(self):
        import yaml
        with open(RULES) as f:
            rules = yaml.safe_load(f)
        names = set()
        for g in rules["groups"]:
            for r in g["rules"]:
                names |= set(re.findall(r"\b(patrol_[a-z_]+)", r["expr"]))
        self.assertGreater(len(names), 3)
        served = {k.split("{")[0] for k in samples(self.scrape())}
        self.assertEqual(names - served, set())


if __name__ == "__main__":
    h.main()
