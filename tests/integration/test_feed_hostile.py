"""The live feed against viewers that never read (issue 10, finding 2).

32 streams ask for the whole history (?after=0) and read nothing: patrold's
resident memory must stay within a stated bound while they are open, a
normal viewer must still get new events, /healthz must answer, the streams
must be closed once stalled, a resume must replay a bounded history (an
"event: gap" says so), and one user may hold only so many streams.
"""
import json
import re
import socket
import time

import harness as h

CALL = (35.6050, 139.5600)  # lat, lon in Tama ward (14135)
STREAMS = 32
EVENTS = 20000
REPLAY_MAX = 5000
RSS_BOUND_MIB = 64  # what the 32 silent streams may add to patrold's RSS
h.small_asan_quarantine()


class FeedHostile(h.ServerTest):
    @classmethod
    def setUpClass(cls):
        cls.url = h.city_database(
            "feed_hostile",
            h.office(skills="wasp"),
        )
        cls.disp = h.user_token(cls.url, "disp1", "dispatcher")
        cls.viewer = h.user_token(cls.url, "view1", "viewer")
        cls.d = h.Patrold(cls.url, "--events-streams-per-user",
                          str(STREAMS), "--events-replay-max",
                          str(REPLAY_MAX), "--events-stall-timeout-s", "4")
        st, req = cls.post({
            "category": "wasp_nest", "channel": "phone",
            "lat": CALL[0], "lon": CALL[1],
            "answers": {"nest_height": "eaves", "location": "outdoor"}})
        assert st == 201, req
        cls.rid = req["id"]
        # A long history: about 2 KB an event, 10 MB in a bounded replay,
        # more than the kernel's socket buffers take.
        h.psql(cls.url, "INSERT INTO request_events (request_id, actor, kind,"
               " detail) SELECT %d, 'test', 'note', jsonb_build_object("
               "'note', repeat('x', 2000)) FROM generate_series(1, %d)"
               % (cls.rid, EVENTS))
        # As request_event_append does: tell the listening patrold.
        h.psql(cls.url, "SELECT pg_notify('patrol_events', max(id)::text)"
               " FROM request_events")
        time.sleep(6)  # it has caught up with the history (500 a query)

    @classmethod
    def post(cls, body):
        st, _, raw = cls.d.request(
            "/api/v1/requests", method="POST", body=json.dumps(body).encode(),
            headers={"Authorization": "Bearer " + cls.disp,
                     "Content-Type": "application/json"})
        return st, json.loads(raw)

    def stalled(self):
        """Streams closed as stalled, by the log: identical lines are shown
        a few times and the rest counted (suppressed=N, issue 10 finding
        9), on the line itself or on an event=log_suppressed line."""
        n = 0
        for line in self.d.text().splitlines():
            if "event=feed_stalled" not in line:
                continue
            m = re.search(r" suppressed=(\d+)$", line)
            if "event=log_suppressed" not in line:
                n += 1
            if m:
                n += int(m.group(1))
        return n

    def silent_stream(self):
        s = socket.create_connection(("127.0.0.1", self.d.port), timeout=10)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(("GET /api/v1/events?after=0 HTTP/1.1\r\nHost: x\r\n"
                   "Authorization: Bearer %s\r\n\r\n" % self.viewer).encode())
        return s

    def test_silent_viewers_cannot_take_the_memory(self):
        base = h.rss_mib(self.d.proc.pid)
        socks = [self.silent_stream() for _ in range(STREAMS)]
        time.sleep(1)  # each has been authenticated and counted
        # One more is over the user's limit.
        extra = self.silent_stream()
        extra.settimeout(10)
        self.assertIn(b" 429 ", extra.recv(200))
        extra.close()
        live = h.EventStream(self.d, self.disp)
        self.assertEqual(live.status, 200)
        peak = base
        t0 = time.time()
        while time.time() - t0 < 3:
            peak = max(peak, h.rss_mib(self.d.proc.pid))
            time.sleep(0.2)
        self.assertEqual(self.d.request("/healthz", timeout=5)[0], 200)
        # The feed still moves for a viewer who reads.
        st, req = self.post({
            "category": "wasp_nest", "lat": CALL[0] + 0.01,
            "lon": CALL[1], "answers": {"nest_height": "eaves",
                                        "location": "outdoor"}})
        self.assertEqual(st, 201, req)
        live.wait_for(lambda e: e.get("request_id") == req["id"], timeout=10)
        live.close()
        peak = max(peak, h.rss_mib(self.d.proc.pid))
        self.assertLess(peak - base, RSS_BOUND_MIB,
                        "RSS %.0f -> %.0f MiB" % (base, peak))
        # Stalled streams are closed; each began with the bounded replay.
        t0 = time.time()
        while (self.stalled() < STREAMS and
               time.time() - t0 < 30):
            time.sleep(0.5)
        for s in socks:
            s.settimeout(20)
            try:
                while s.recv(1 << 20):
                    pass
            except socket.timeout:
                self.fail("a stalled stream was left open")
            except ConnectionResetError:
                pass  # reset: what was not sent is dropped
            s.close()
        self.assertEqual(self.stalled(), STREAMS)

    def gaps(self, feed):
        with feed.lock:
            return [d for n, d in feed.named if n == "gap"]

    def wait_feed_caught_up(self, last):
        """patrold's shared feed reads the bulk-inserted history 500 events
        a query; the replay bound counts back from its position, so wait
        until a resume from 0 is bounded from the newest event."""
        deadline = time.time() + 120
        while time.time() < deadline:
            feed = h.EventStream(self.d, self.disp, after=0)
            try:
                t0 = time.time()
                while not self.gaps(feed) and time.time() - t0 < 10:
                    time.sleep(0.05)
                gaps = self.gaps(feed)
            finally:
                feed.close()
            if gaps and gaps[0]["resumed_after"] >= last - REPLAY_MAX:
                return
            time.sleep(1)
        self.fail("patrold's feed did not reach event %d" % last)

    def test_resume_replays_a_bounded_history(self):
        last = int(h.psql(self.url, "SELECT max(id) FROM request_events"))
        self.wait_feed_caught_up(last)
        feed = h.EventStream(self.d, self.disp, after=0)
        self.assertEqual(feed.status, 200)
        t0 = time.time()
        while time.time() - t0 < 120:
            with feed.lock:
                if feed.events and feed.events[-1]["_sse_id"] >= last:
                    break
            time.sleep(0.2)
        feed.close()
        with feed.lock:
            ids = [e["_sse_id"] for e in feed.events]
        gap = self.gaps(feed)
        # It says where it starts, as an "event: gap" before the events.
        self.assertEqual(len(gap), 1, gap)
        self.assertEqual(gap[0]["after"], 0)
        self.assertEqual(gap[0]["resumed_after"], last - REPLAY_MAX)
        self.assertIn("message_ja", gap[0])
        # Only the newest REPLAY_MAX events, in order, without a hole (a
        # slow machine may not have read them all when the stream closes).
        self.assertTrue(ids)
        self.assertLessEqual(len(ids), REPLAY_MAX)
        self.assertEqual(ids, list(range(last - REPLAY_MAX + 1,
                                         last - REPLAY_MAX + 1 + len(ids))))


if __name__ == "__main__":
    h.main()
