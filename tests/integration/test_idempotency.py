"""Idempotency-Key on POST /api/v1/requests and Open311 POST requests
(issue 10, finding 10), against the real patrold and PostgreSQL: a retry
after a lost reply creates nothing new and gets the first answer, on any
instance; the same key with another body is refused naming the problem;
keys expire after idempotency_ttl_s; an answer is kept before the client
sees it, so a retry sent the moment it arrives is answered the same."""
import json
import threading
import time
import unittest
import urllib.parse

import harness as h

CALL = (35.6050, 139.5600)  # Tama ward (14135)
TTL = 120
# The test's advisory lock: while the test holds it, the answer to a key
# named slow-* cannot be kept (a trigger waits for the lock first).
HOLD = "4242, 10"


class Idempotency(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = h.city_database("idempotency")
        cls.disp = h.user_token(cls.url, "disp1", "dispatcher")
        cls.disp2 = h.user_token(cls.url, "disp2", "dispatcher")
        cls.key = h.open311_key(cls.url, "cityapp")
        cls.d = h.Patrold(cls.url, "--idempotency-ttl-s", str(TTL))
        # A second instance on the same database (behind a load balancer).
        cls.d2 = h.Patrold(cls.url, "--idempotency-ttl-s", str(TTL))
        # A slow or failing database, on demand: keeping (or forgetting)
        # the answer to a slow-* key waits until the test lets go of HOLD;
        # to a fail-* key it fails.
        h.psql(cls.url, "CREATE FUNCTION test_hold_keep() RETURNS trigger"
               " LANGUAGE plpgsql AS $$ BEGIN"
               " IF OLD.key LIKE 'fail-%%' THEN"
               "  RAISE EXCEPTION 'test: the answer cannot be kept';"
               " END IF;"
               " PERFORM pg_advisory_xact_lock_shared(%s);"
               " RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;"
               " END $$; CREATE TRIGGER test_hold_keep BEFORE UPDATE OR"
               " DELETE ON idempotency_keys FOR EACH ROW WHEN (OLD.key"
               " LIKE 'slow-%%' OR OLD.key LIKE 'fail-%%')"
               " EXECUTE FUNCTION test_hold_keep()" % HOLD)

    @classmethod
    def tearDownClass(cls):
        for d in (cls.d, cls.d2):
            d.stop_clean()

    def post(self, body, key=None, token=None, d=None):
        """One POST /api/v1/requests, not retried: once an answer has
        arrived, a retry is never told the key is still in use."""
        headers = {"Authorization": "Bearer " + (token or self.disp),
                   "Content-Type": "application/json"}
        if key is not None:
            headers["Idempotency-Key"] = key
        st, hdrs, raw = (d or self.d).request(
            "/api/v1/requests", method="POST",
            body=json.dumps(body).encode(), headers=headers)
        return st, hdrs, json.loads(raw)

    def form311(self):
        """An Open311 POST requests form: a wasp nest at CALL."""
        return urllib.parse.urlencode([
            ("jurisdiction_id", "city.kawasaki.jp"),
            ("api_key", self.key), ("service_code", "wasp_nest"),
            ("lat", CALL[0]), ("long", CALL[1]),
            ("attribute[nest_height]", "eaves"),
            ("attribute[location]", "outdoor"),
            ("description", "アプリからの通報")]).encode()

    def send311(self, key, data=None, d=None):
        """One Open311 POST requests.json (data: form311() unless given)."""
        st, hdrs, raw = (d or self.d).request(
            "/open311/v2/requests.json", method="POST",
            body=data if data is not None else self.form311(),
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "Idempotency-Key": key})
        return st, hdrs, json.loads(raw)

    def waiting(self):
        """How many of this database's sessions wait for a lock."""
        return int(h.psql(self.url, "SELECT count(*) FROM pg_locks l JOIN"
                          " pg_stat_activity a USING (pid) WHERE NOT"
                          " l.granted AND a.datname = current_database()"))

    def wait_until(self, cond, what):
        deadline = time.time() + 30
        while not cond():
            self.assertLess(time.time(), deadline, what)
            time.sleep(0.02)

    def first_then_retry(self, first, retry):
        """Sends first() (its Idempotency-Key a slow-* one) while keeping
        its answer is held up, and retry() the moment first's answer
        reaches the client: (first's answer, retry's answer)."""
        out = {}

        def run(name, send):
            out[name] = send()
        t1 = threading.Thread(target=run, args=("first", first))
        t2 = threading.Thread(target=run, args=("retry", retry))
        with h.psql_held(self.url, "SELECT pg_advisory_lock(%s)" % HOLD):
            t1.start()
            self.wait_until(lambda: self.waiting() >= 1,
                            "the answer was never kept")
            t1.join(1.0)
            early = not t1.is_alive()
            if early:
                # The client has its answer though it is not kept yet:
                # its retry (to the other instance, say) is sent now.
                t2.start()
                self.wait_until(lambda: not t2.is_alive()
                                or self.waiting() >= 2,
                                "the retry neither waited nor finished")
        t1.join(30)
        if not early:
            t2.start()
        t2.join(30)
        return out["first"], out["retry"]

    def call(self, note, **extra):
        body = {"category": "wasp_nest", "lat": CALL[0], "lon": CALL[1],
                "description": note,
                "answers": {"nest_height": "eaves", "location": "outdoor"},
                "caller": {"name": "多摩 花子", "phone": "044-555-0101"}}
        body.update(extra)
        return body

    def count(self):
        return int(h.psql(self.url, "SELECT count(*) FROM requests"))

    def test_1_retry_gets_the_first_answer_on_any_instance(self):
        body = self.call("再送のテスト")
        n = self.count()
        st, hdrs, first = self.post(body, key="k-retry-1")
        self.assertEqual(st, 201, first)
        self.assertIsNone(hdrs.get("Idempotency-Replayed"))
        for d in (self.d, self.d2):
            st, hdrs, again = self.post(body, key="k-retry-1", d=d)
            self.assertEqual(st, 201, again)
            self.assertEqual(again, first)
            self.assertEqual(hdrs.get("Idempotency-Replayed"), "true")
        self.assertEqual(self.count(), n + 1)
        # Without a key, or with another key, each POST creates.
        self.assertEqual(self.post(body)[0], 201)
        self.assertEqual(self.post(body, key="k-retry-2")[0], 201)
        self.assertEqual(self.count(), n + 3)
        # Another user's same key is another key.
        st, _, other = self.post(body, key="k-retry-1", token=self.disp2)
        self.assertEqual(st, 201, other)
        self.assertNotEqual(other["id"], first["id"])

    def test_2_same_key_other_body_is_refused(self):
        st, _, first = self.post(self.call("一件目"), key="k-body")
        self.assertEqual(st, 201, first)
        n = self.count()
        st, _, r = self.post(self.call("二件目"), key="k-body")
        self.assertEqual(st, 422, r)
        self.assertEqual(r["error"]["code"], "idempotency_key_reused")
        self.assertEqual(r["error"]["field"], "Idempotency-Key")
        self.assertIn("different body", r["error"]["message"])
        self.assertEqual(self.count(), n)

    def test_3_bad_keys_and_failed_firsts(self):
        for bad in ("a" * 256, "has space", "日本語"):
            st, _, r = self.post(self.call("x"),
                                 key=bad.encode("utf-8").decode("latin-1"))
            self.assertEqual(st, 400, (bad, r))
            self.assertEqual(r["error"]["code"], "invalid_idempotency_key")
        # A refused first try creates nothing and leaves the key free for
        # the corrected request.
        n = self.count()
        st, _, r = self.post(self.call("x", category="no_such"),
                             key="k-fix")
        self.assertEqual(st // 100, 4, r)
        st, _, r = self.post(self.call("直した"), key="k-fix")
        self.assertEqual(st, 201, r)
        self.assertEqual(self.count(), n + 1)

    def test_4_keys_expire_after_the_configured_time(self):
        body = self.call("期限")
        st, _, first = self.post(body, key="k-ttl")
        self.assertEqual(st, 201, first)
        ttl = float(h.psql(self.url, "SELECT extract(epoch FROM expires_at"
                           " - created_at) FROM idempotency_keys WHERE key "
                           "= 'k-ttl'"))
        self.assertAlmostEqual(ttl, TTL, delta=1)
        h.psql(self.url, "UPDATE idempotency_keys SET expires_at = now() - "
               "interval '1 second' WHERE key = 'k-ttl'")
        st, hdrs, again = self.post(body, key="k-ttl")
        self.assertEqual(st, 201, again)
        self.assertNotEqual(again["id"], first["id"])
        self.assertIsNone(hdrs.get("Idempotency-Replayed"))

    def test_5_concurrent_retries_create_one(self):
        body = self.call("同時")
        n = self.count()
        out = h.race(*(lambda d=d: self.post(body, key="k-race", d=d)
                       for d in (self.d, self.d2, self.d, self.d2)))
        self.assertEqual(self.count(), n + 1)
        made = set()
        for st, hdrs, r in out:
            self.assertIn(st, (201, 409), r)
            if st == 201:
                made.add(r["id"])
            else:
                self.assertEqual(r["error"]["code"], "idempotency_key_in_use")
                self.assertEqual(hdrs.get("Retry-After"), "1")
        self.assertEqual(len(made), 1, out)

    def test_6_open311_post(self):
        n = self.count()
        st, _, first = self.send311("app-1")
        self.assertEqual(st, 200, first)
        st, hdrs, again = self.send311("app-1", d=self.d2)
        self.assertEqual((st, again), (200, first))
        self.assertEqual(hdrs.get("Idempotency-Replayed"), "true")
        self.assertEqual(self.count(), n + 1)
        st, _, r = self.send311(
            "app-1", data=self.form311() + b"&email=a%40example.jp")
        self.assertEqual(st, 422, r)
        self.assertEqual(r["error"]["code"], "idempotency_key_reused")
        st, _, other = self.send311("app-2")
        self.assertEqual(st, 200, other)
        self.assertNotEqual(other[0]["service_request_id"],
                            first[0]["service_request_id"])

    def test_7_answer_kept_before_the_client_sees_it(self):
        # However slow keeping the answer is, a client never holds an
        # answer that a retry on another instance would not get.
        body = self.call("保存が遅い")
        n = self.count()
        (st, _, first), (st2, hdrs, again) = self.first_then_retry(
            lambda: self.post(body, key="slow-api"),
            lambda: self.post(body, key="slow-api", d=self.d2))
        self.assertEqual(st, 201, first)
        self.assertEqual((st2, again), (201, first))
        self.assertEqual(hdrs.get("Idempotency-Replayed"), "true")
        self.assertEqual(self.count(), n + 1)

    def test_8_open311_answer_kept_before_the_client_sees_it(self):
        n = self.count()
        (st, _, first), (st2, hdrs, again) = self.first_then_retry(
            lambda: self.send311("slow-311"),
            lambda: self.send311("slow-311", d=self.d2))
        self.assertEqual(st, 200, first)
        self.assertEqual((st2, again), (200, first))
        self.assertEqual(hdrs.get("Idempotency-Replayed"), "true")
        self.assertEqual(self.count(), n + 1)

    def test_9_answer_that_cannot_be_kept_still_goes_out(self):
        # The request was made: its answer says so though keeping it
        # failed; a retry is then told the key is in use, nothing is made
        # twice.
        body = self.call("保存できない")
        n = self.count()
        st, _, first = self.post(body, key="fail-api")
        self.assertEqual(st, 201, first)
        self.assertEqual(self.count(), n + 1)
        self.assertIn("event=idempotency_store_failed", self.d.text())
        st, hdrs, r = self.post(body, key="fail-api", d=self.d2)
        self.assertEqual(st, 409, r)
        self.assertEqual(r["error"]["code"], "idempotency_key_in_use")
        self.assertEqual(hdrs.get("Retry-After"), "1")
        self.assertEqual(self.count(), n + 1)


if __name__ == "__main__":
    h.main()
