"""Retention (issue 18): callers' personal fields are emptied N days after
the request closed, with an audit row, while the request, its history and
the statistics stay; finished sync batches, unfinished uploads (rows and
files) and expired sessions go after their periods; nothing else is
touched; GPS fixes go by whole monthly partitions; a second purge removes
nothing; one purge runs at a time; and patrolctl retention status says
what goes when."""
import json
import os
import re
import shutil
import tempfile
import time
import unittest

import harness as h

# Tables the purge may change; every other table must stay as it was.
CHANGED = {"callers", "audit_log", "retention_runs", "sessions",
           "sync_batches", "sync_photos_expected", "sync_photo_refs"}


def all_tables(url):
    return h.psql(url, "SELECT c.relname FROM pg_class c JOIN pg_namespace"
                  " n ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
                  " AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
                  " ORDER BY 1").split()


def snapshot(url):
    return {t: h.table_digest(url, t) for t in all_tables(url)
            if t not in CHANGED}


class Retention(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = h.demo_database("retention")
        cls.tmp = tempfile.mkdtemp(prefix="patrol-retention-")
        cls.photos = os.path.join(cls.tmp, "photos")
        q = lambda sql: h.psql(cls.url, sql)  # noqa: E731
        # Every demo request gets a caller (the demo gives only some one).
        q("INSERT INTO callers (request_id, name, phone) SELECT id,"
          " '多摩 太郎', '044-000-0009' FROM requests r WHERE NOT EXISTS"
          " (SELECT 1 FROM callers c WHERE c.request_id = r.id)")
        ids = q("SELECT request_id FROM callers ORDER BY request_id").split()
        assert len(ids) >= 3, ids
        cls.old, cls.recent, cls.open = ids[0], ids[1], ids[2]
        # Closed 200 days ago, closed 10 days ago, still open. The state is
        # set directly: the test is about time, not the life cycle.
        q("UPDATE requests SET state = 'done', outcome = 'removed',"
          " state_changed_at = now() - interval '200 days' WHERE id = %s"
          % cls.old)
        q("UPDATE requests SET state = 'cancelled', state_changed_at ="
          " now() - interval '10 days' WHERE id = %s" % cls.recent)
        q("UPDATE callers SET email = 'hanako@example.jp' WHERE"
          " request_id = %s" % cls.old)
        crew = q("SELECT id FROM crews ORDER BY id LIMIT 1")
        dev = q("INSERT INTO devices (crew_id, token_sha256) VALUES (%s,"
                " repeat('a', 64)) RETURNING id" % crew)
        q("INSERT INTO sync_batches (device_id, batch_id, content_sha256,"
          " items, ack, received_at) VALUES"
          " (%s, 'old', 'x', 1, '{}', now() - interval '40 days'),"
          " (%s, 'new', 'x', 1, '{}', now() - interval '1 day')"
          % (dev, dev))
        user = q("SELECT id FROM users ORDER BY id LIMIT 1")
        csrf = "A" * 43
        q("INSERT INTO sessions (id_sha256, user_id, csrf, expires_at)"
          " VALUES (repeat('1', 64), %s, '%s', now() - interval '1 hour'),"
          " (repeat('2', 64), %s, '%s', now() + interval '1 hour')"
          % (user, csrf, user, csrf))
        q("INSERT INTO photos (sha256, bytes, content_type) VALUES"
          " (repeat('c', 64), 10, 'image/jpeg')")
        q("INSERT INTO sync_photos_expected (device_id, sha256, bytes,"
          " announced_at) VALUES"
          " (%s, repeat('b', 64), 10, now() - interval '10 days'),"
          " (%s, repeat('c', 64), 10, now() - interval '10 days'),"
          " (%s, repeat('d', 64), 10, now() - interval '1 hour')"
          % (dev, dev, dev))
        q("INSERT INTO sync_photo_refs (sha256, request_id, actor) VALUES"
          " (repeat('b', 64), %s, 'device'), (repeat('d', 64), %s,"
          " 'device')" % (cls.open, cls.open))
        part = os.path.join(cls.photos, ".partial")
        os.makedirs(part)
        for name, age in (("%s-%s" % (dev, "b" * 64), 10 * 86400),
                          ("%s-%s" % (dev, "d" * 64), 3600)):
            with open(os.path.join(part, name), "wb") as f:
                f.write(b"half")
            t = time.time() - age
            os.utime(os.path.join(part, name), (t, t))
        cls.dev = dev

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def ctl(self, *args):
        return h.patrolctl(self.url, "--photo-dir", self.photos,
                           "--retention-caller-days", "180",
                           "--retention-batch-days", "30",
                           "--retention-upload-hours", "72", *args)

    def run_retention(self, *options):
        """patrolctl retention run (options before the command) must exit
        0; returns what it says it removed ({kind: count}) and all it
        said."""
        r = self.ctl(*options, "retention", "run")
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(re.search(r"removed (\{.*\});", r.stdout)
                          .group(1)), r.stdout

    def caller(self, rid):
        return h.psql(self.url, "SELECT coalesce(name, '-') || '|' ||"
                      " coalesce(phone, '-') || '|' || coalesce(email, '-')"
                      " || '|' || (purged_at IS NOT NULL) FROM callers"
                      " WHERE request_id = %s" % rid)

    def test_1_status_then_purge_then_again(self):
        r = self.ctl("retention", "status")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout
        self.assertIn("180 日 days after the request closed", out)
        line = [l for l in out.splitlines()
                if l.startswith("通報者の個人情報 / callers'")][0]
        # Due now: the one closed 200 days ago and the demo's past cases
        # closed over 180 days ago; the next in 170 days; the open ones
        # kept.
        self.__class__.due = int(h.psql(
            self.url, "SELECT count(*) FROM callers c JOIN requests r ON"
            " r.id = c.request_id WHERE r.state IN ('done', 'unable',"
            " 'cancelled', 'merged') AND r.state_changed_at < now() -"
            " interval '180 days' AND c.purged_at IS NULL"))
        self.assertGreaterEqual(self.due, 1)
        kept = h.psql(self.url, "SELECT count(*) FROM callers c JOIN"
                      " requests r ON r.id = c.request_id WHERE r.state NOT"
                      " IN ('done', 'unable', 'cancelled', 'merged')")
        self.assertRegex(line, r"\s%d\s+\d{4}-\d\d-\d\d \d\d:\d\d \S+\s+%s$"
                         % (self.due, kept))
        next_due = h.psql(self.url, "SELECT to_char(min(r.state_changed_at"
                          " + interval '180 days') AT TIME ZONE"
                          " 'Asia/Tokyo', 'YYYY-MM-DD') FROM"
                          " callers c JOIN requests r ON r.id ="
                          " c.request_id WHERE r.state IN ('done',"
                          " 'unable', 'cancelled', 'merged') AND"
                          " r.state_changed_at >= now() - interval"
                          " '180 days' AND c.purged_at IS NULL")
        self.assertIn(next_due, line)
        for label, due in (("finished sync batches", "1"),
                           ("unfinished photo uploads", "1"),
                           ("expired console sessions", "1")):
            line = [l for l in out.splitlines() if label in l
                    and not l.startswith("保持期間")][0]
            self.assertRegex(line, r"\s%s\s" % due, line)
        self.assertIn("まだ none yet", out)

        before = snapshot(self.url)
        stats = h.psql(self.url, "SELECT string_agg(category || state ||"
                       " priority || coalesce(ward_code, ''), ',' ORDER BY"
                       " id) FROM requests")
        self.assertIn("hanako", h.psql(self.url, "SELECT email FROM callers"
                                       " WHERE request_id = %s" % self.old))
        removed, said = self.run_retention()
        self.assertEqual(removed["callers_purged"], self.due)
        self.assertEqual(removed["sync_batches"], 1)
        self.assertEqual(removed["uploads_unfinished"], 1)
        self.assertEqual(removed["photo_links_unfinished"], 1)
        self.assertEqual(removed["sessions_expired"], 1)
        self.assertIn("unfinished upload files 1", said)

        # Personal fields gone, the row (and so the request's link) kept.
        self.assertEqual(self.caller(self.old), "-|-|-|true")
        self.assertNotIn("-|-", self.caller(self.recent))
        self.assertNotIn("-|-", self.caller(self.open))
        audit = json.loads(h.psql(
            self.url, "SELECT detail FROM audit_log WHERE action ="
            " 'caller.purge' AND object_type = 'request' AND object_id ="
            " '%s'" % self.old))
        self.assertEqual(audit["reason"], "retention")
        self.assertEqual(audit["caller_days"], 180)
        for f in ("name", "phone", "address", "email"):
            self.assertIn(f, audit["fields"])
        self.assertEqual(h.psql(self.url, "SELECT count(*) FROM audit_log"
                                " WHERE action = 'caller.purge'"),
                         str(self.due))
        # The request, its history and the statistics: unchanged, as is
        # every table the purge has no business with.
        self.assertEqual(snapshot(self.url), before)
        self.assertEqual(h.psql(self.url, "SELECT string_agg(category ||"
                                " state || priority || coalesce(ward_code,"
                                " ''), ',' ORDER BY id) FROM requests"),
                         stats)
        # What had to stay stayed.
        self.assertEqual(h.psql(self.url, "SELECT string_agg(batch_id, ',')"
                                " FROM sync_batches"), "new")
        self.assertEqual(h.psql(self.url, "SELECT count(*) FROM sessions"),
                         "1")
        self.assertEqual(h.psql(
            self.url, "SELECT string_agg(left(sha256, 1), ',' ORDER BY"
            " sha256) FROM sync_photos_expected"), "c,d")
        self.assertEqual(h.psql(
            self.url, "SELECT string_agg(left(sha256, 1), ',') FROM"
            " sync_photo_refs"), "d")
        self.assertEqual(os.listdir(os.path.join(self.photos, ".partial")),
                         ["%s-%s" % (self.dev, "d" * 64)])

        # Again: nothing more goes, nothing changes.
        after = {t: h.table_digest(self.url, t) for t in all_tables(self.url)
                 if t != "retention_runs"}
        removed, _ = self.run_retention()
        self.assertEqual([v for k, v in removed.items() if v != 0], [])
        self.assertEqual({t: h.table_digest(self.url, t) for t in
                          all_tables(self.url) if t != "retention_runs"},
                         after)
        # patrold's daily call (no force) skips: it ran within 20 hours.
        self.assertIn("skipped", h.psql(
            self.url, "SELECT retention_purge(180, 13, 30, 72, 'system',"
            " false)"))
        r = self.ctl("retention", "status")
        self.assertRegex(r.stdout, r"前回 / last purge: \d{4}-\d\d-\d\d "
                         r"\d\d:\d\d \S+ by patrolctl")

    def test_2_one_purge_at_a_time(self):
        # Another server holds the purge's lock: this one skips.
        with h.psql_held(self.url, "SELECT pg_advisory_lock(hashtext("
                         "'patrol.retention'))"):
            r = self.ctl("retention", "run")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("another purge is running", r.stdout)

    def test_3_gps_fix_partitions(self):
        q = lambda sql: h.psql(self.url, sql)  # noqa: E731
        crew = q("SELECT id FROM crews ORDER BY id LIMIT 1")
        patrol = q("INSERT INTO patrols (crew_id, started_by) VALUES (%s,"
                   " 'test') RETURNING id" % crew)
        # Track points 20 and 5 months old and from now; handheld fixes
        # 15 months old and from now. The old ones land in the default
        # partition (no month partition exists for them yet).
        q("INSERT INTO track_points (patrol_id, at, lon, lat, easting,"
          " northing) VALUES"
          " (%s, now() - interval '20 months', 139.55, 35.62, 0, 0),"
          " (%s, now() - interval '5 months', 139.55, 35.62, 0, 0),"
          " (%s, now(), 139.55, 35.62, 0, 0)" % (patrol, patrol, patrol))
        q("INSERT INTO track_fixes (crew_id, device_id, at, lon, lat) VALUES"
          " (%s, %s, now() - interval '15 months', 139.55, 35.62),"
          " (%s, %s, now(), 139.55, 35.62)" % (crew, self.dev, crew,
                                                self.dev))
        self.assertEqual(q("SELECT count(*) FROM track_points_default"
                           " WHERE patrol_id = %s" % patrol), "2")
        r = self.ctl("--retention-fix-months", "13", "retention", "status")
        self.assertIn("track_points_default", r.stdout)
        month = q("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY_MM')")
        self.assertRegex(r.stdout, r"track_points_p%s +\d{4}-\d\d +\d+ 件" %
                         month)
        keep = snapshot(self.url)
        keep.pop("track_points")
        keep.pop("track_fixes")
        removed, _ = self.run_retention("--retention-fix-months", "13")
        # The two old months were made (moved out of the default), then
        # dropped whole: one row each. The 5-month-old one got its own.
        self.assertEqual(removed["fix_partitions_dropped"], 2)
        self.assertEqual(removed["fix_rows_dropped"], 2)
        # The demo's own patrols (this week and last) may need their
        # month made too, so at least these three.
        self.assertGreaterEqual(removed["fix_partitions_made"], 3)
        self.assertEqual(q("SELECT count(*) FROM track_points WHERE"
                           " patrol_id = %s" % patrol), "2")
        self.assertEqual(q("SELECT count(*) FROM track_points WHERE at <"
                           " now() - interval '13 months'"), "0")
        self.assertEqual(q("SELECT count(*) FROM track_fixes WHERE"
                           " device_id = %s" % self.dev), "1")
        self.assertEqual(q("SELECT count(*) FROM track_points_default"), "0")
        parts = q("SELECT string_agg(c.relname, ',' ORDER BY c.relname)"
                  " FROM pg_inherits i JOIN pg_class c ON c.oid ="
                  " i.inhrelid WHERE i.inhparent = 'track_points'::regclass")
        old = q("SELECT to_char(now() AT TIME ZONE 'UTC' - interval"
                " '20 months', 'YYYY_MM')")
        mid = q("SELECT to_char(now() AT TIME ZONE 'UTC' - interval"
                " '5 months', 'YYYY_MM')")
        self.assertNotIn("track_points_p" + old, parts)
        self.assertIn("track_points_p" + mid, parts)
        self.assertIn("track_points_p" + month, parts)
        # Nothing else touched: the patrol itself and every other table.
        after = snapshot(self.url)
        after.pop("track_points")
        after.pop("track_fixes")
        self.assertEqual(after, keep)
        self.assertEqual(q("SELECT count(*) FROM patrols WHERE id = %s"
                           % patrol), "1")
        # Again: nothing more.
        removed, _ = self.run_retention("--retention-fix-months", "13")
        self.assertEqual(removed["fix_partitions_dropped"], 0)
        self.assertEqual(removed["fix_partitions_made"], 0)


if __name__ == "__main__":
    h.main()
