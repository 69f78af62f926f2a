"""The live feed without a global lock (issue 19, item 1): several writers
append events at once and commit after random delays (some roll back), so
event ids commit out of order; readers following /api/v1/events must still
see every committed event exactly once, never a rolled-back one, in
increasing id order, and a reader resuming from any id it got must get
exactly the rest, in the same order."""
import json
import random
import subprocess
import threading
import time

import harness as h

CALL = (35.6050, 139.5600)  # Tama ward
WRITERS = 6
PER_WRITER = 10


class FeedConcurrency(h.ServerTest):
    @classmethod
    def setUpClass(cls):
        cls.url = h.city_database("feed_concurrency")
        cls.token = h.user_token(cls.url, "disp1", "dispatcher")
        cls.d = h.Patrold(cls.url)

    def write(self, rid, w, rng, outcome):
        """One writer: its own connection per transaction, an event, a
        random wait before COMMIT (or ROLLBACK)."""
        for n in range(PER_WRITER):
            commit = rng.random() > 0.15
            sql = ("BEGIN; SELECT request_event_append(%d, 'test', "
                   "'feed_test', NULL, NULL, NULL, NULL, NULL, "
                   "jsonb_build_object('w', %d, 'n', %d)); "
                   "SELECT pg_sleep(%.3f); %s;"
                   % (rid, w, n, rng.random() * 0.4,
                      "COMMIT" if commit else "ROLLBACK"))
            r = subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1",
                                "-tAq", "-d", self.url, "-c", sql],
                               capture_output=True, text=True, timeout=60)
            outcome.append((w, n, r.returncode == 0 and commit, r.stderr))
            time.sleep(rng.random() * 0.05)

    def test_every_event_once_in_order(self):
        st, r = self.d.json("/api/v1/requests", method="POST",
                            body=json.dumps({
                                "category": "wasp_nest", "lat": CALL[0],
                                "lon": CALL[1], "address": "多摩区内 試験",
                                "answers": {"nest_height": "eaves",
                                            "location": "outdoor"}
                            }).encode(),
                            headers={"Authorization": "Bearer " + self.token,
                                     "Content-Type": "application/json"})
        self.assertEqual(st, 201, r)
        rid = r["id"]
        start = int(h.psql(self.url,
                           "SELECT coalesce(max(id), 0) FROM request_events"))
        feed = h.EventStream(self.d, self.token, after=start)
        outcome = []
        threads = [threading.Thread(target=self.write,
                                    args=(rid, w, random.Random(w), outcome))
                   for w in range(WRITERS)]
        for t in threads:
            t.start()
        # A second reader joins mid-load "from now" (no position).
        time.sleep(1.0)
        late = h.EventStream(self.d, self.token)
        for t in threads:
            t.join()
        failed = [o for o in outcome if o[3]]
        self.assertEqual(failed, [])
        committed = {(w, n) for w, n, ok, _ in outcome if ok}
        self.assertGreater(len(committed), WRITERS * PER_WRITER // 2)
        self.assertLess(len(committed), WRITERS * PER_WRITER)  # some gaps
        in_db = h.psql(self.url, "SELECT id, detail->>'w', detail->>'n'"
                       " FROM request_events WHERE kind = 'feed_test'"
                       " ORDER BY id").split()
        db_ids = [int(x.split("|")[0]) for x in in_db]
        self.assertEqual(len(db_ids), len(committed))

        def mine(s):
            with s.lock:
                return [e for e in s.events if e["kind"] == "feed_test"]

        deadline = time.time() + 60
        while time.time() < deadline and len(mine(feed)) < len(db_ids):
            time.sleep(0.1)
        got = mine(feed)
        ids = [e["id"] for e in got]
        # Exactly once, nothing rolled back, in increasing id order.
        self.assertEqual(ids, db_ids)
        self.assertEqual({(e["detail"]["w"], e["detail"]["n"]) for e in got},
                         committed)
        self.assertEqual([e["_sse_id"] for e in got], ids)
        # The late reader got a suffix of the same sequence, from its start.
        lids = [e["id"] for e in mine(late)]
        self.assertEqual(lids, db_ids[len(db_ids) - len(lids):])
        # Resuming from any id received gives exactly the rest, in order.
        for cut in (0, len(ids) // 3, len(ids) // 2, len(ids) - 1):
            again = h.EventStream(self.d, self.token,
                                  last_event_id=ids[cut])
            want = ids[cut + 1:]
            deadline = time.time() + 30
            while time.time() < deadline and len(mine(again)) < len(want):
                time.sleep(0.05)
            time.sleep(0.3)  # nothing more may follow
            self.assertEqual([e["id"] for e in mine(again)], want)
            again.close()
        late.close()
        feed.close()

    def test_safe_id_stops_below_a_writer_in_flight_without_waiting(self):
        """A writer holding its event uncommitted: the safe id stays below
        it at once (0090's reader waited a second and then answered NULL),
        though a later event has committed meanwhile; once the writer is
        gone (rolled back here), the safe id passes it (schema/0420)."""
        rid = int(h.psql(self.url, "SELECT min(id) FROM requests"))
        append = ("SELECT request_event_append(%d, 'test', 'safe_test', NULL,"
                  " NULL, NULL, NULL, NULL, '{}')" % rid)
        before = int(h.psql(self.url, append))
        with h.psql_held(self.url, "BEGIN; " + append):
            later = int(h.psql(self.url, append))  # committed at once
            safe = h.psql(self.url, "SELECT request_events_safe_id()")
            self.assertNotEqual(safe, "", "no safe id while a writer is open")
            self.assertGreaterEqual(int(safe), before)
            # Not up to the later event: the open one's id is below it.
            self.assertLess(int(safe), later)
        self.assertGreaterEqual(
            int(h.psql(self.url, "SELECT request_events_safe_id()")), later)


    def test_safe_id_reused_only_while_recent(self):
        """A reader that can take an older safe id (a handheld's sync asks
        for one up to 100 ms old, schema/0431) gets the one its session
        read last while that is younger than it asked; otherwise a new one,
        which is then kept; one read in a transaction that rolled back is
        forgotten. One psql session; the writer commits from a psql of its
        own (\\!)."""
        rid = int(h.psql(self.url, "SELECT min(id) FROM requests"))
        append = ("SELECT request_event_append(%d, 'test', 'safe_test', NULL,"
                  " NULL, NULL, NULL, NULL, '{}')" % rid)
        writer = "\\! psql -X -q -d '%s' -c \"%s\" >/dev/null\n" % (
            self.url, append)
        last = "SELECT max(id) FROM request_events;\n"
        script = ("SELECT request_events_safe_id('1 hour');\n" + writer +
                  last + "SELECT request_events_safe_id('1 hour');\n"
                  "SELECT request_events_safe_id('0');\n"
                  "SELECT request_events_safe_id('1 hour');\n" + writer +
                  last + "BEGIN;\nSELECT request_events_safe_id();\n"
                  "ROLLBACK;\nSELECT request_events_safe_id('1 hour');\n"
                  "SELECT request_events_safe_id('1 microsecond');\n")
        r = subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-tAq",
                            "-d", self.url], input=script,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        (first, later, reused, fresh, kept, later2, in_tx, after_rollback,
         young) = [int(x) for x in r.stdout.split()]
        self.assertLess(first, later)
        self.assertEqual(reused, first, "an hour-old answer is not reused")
        self.assertGreaterEqual(fresh, later, "p_reuse 0 read no new one")
        self.assertEqual(kept, fresh, "the new answer was not kept")
        self.assertGreaterEqual(in_tx, later2)
        self.assertEqual(after_rollback, fresh,
                         "a rolled-back transaction's answer was kept")
        self.assertGreaterEqual(young, later2, "a stale answer was reused")


if __name__ == "__main__":
    h.main()
