"""Idempotency-Key on POST /api/v1/requests and Open311 POST requests
(issue 10, finding 10), against the real patrold and PostgreSQL: a retry
after a lost reply creates nothing new and gets the first answer, on any
instance; the same key with another body is refused naming the problem;
keys expire after idempotency_ttl_s."""
import json
import threading
import unittest
import urllib.parse

import harness as h

CALL = (35.6050, 139.5600)  # Tama ward (14135)
TTL = 120


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

    @classmethod
    def tearDownClass(cls):
        for d in (cls.d, cls.d2):
            rc = d.stop()
            assert rc == 0, "patrold exited %d:\n%s" % (rc, d.text())

    def post(self, body, key=None, token=None, d=None, wait=True):
        """As a client would: a 409 idempotency_key_in_use (the first
        answer is being kept) is retried after Retry-After, unless not
        wait."""
        import time
        headers = {"Authorization": "Bearer " + (token or self.disp),
                   "Content-Type": "application/json"}
        if key is not None:
            headers["Idempotency-Key"] = key
        for _ in range(20):
            st, hdrs, raw = (d or self.d).request(
                "/api/v1/requests", method="POST",
                body=json.dumps(body).encode(), headers=headers)
            r = json.loads(raw)
            if not (wait and st == 409 and r["error"]["code"]
                    == "idempotency_key_in_use"):
                break
            time.sleep(float(hdrs.get("Retry-After", "1")))
        return st, hdrs, r

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
        out = []

        def send(d):
            out.append(self.post(body, key="k-race", d=d, wait=False))
        threads = [threading.Thread(target=send, args=(d,))
                   for d in (self.d, self.d2, self.d, self.d2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
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
        fields = [("jurisdiction_id", "city.kawasaki.jp"),
                  ("api_key", self.key), ("service_code", "wasp_nest"),
                  ("lat", CALL[0]), ("long", CALL[1]),
                  ("attribute[nest_height]", "eaves"),
                  ("attribute[location]", "outdoor"),
                  ("description", "アプリからの通報")]
        body = urllib.parse.urlencode(fields).encode()

        def send(key, data=body, d=None):
            st, hdrs, raw = (d or self.d).request(
                "/open311/v2/requests.json", method="POST", body=data,
                headers={"Content-Type": "application/x-www-form-urlencoded",
                         "Idempotency-Key": key})
            return st, hdrs, json.loads(raw)
        n = self.count()
        st, _, first = send("app-1")
        self.assertEqual(st, 200, first)
        st, hdrs, again = send("app-1", d=self.d2)
        self.assertEqual((st, again), (200, first))
        self.assertEqual(hdrs.get("Idempotency-Replayed"), "true")
        self.assertEqual(self.count(), n + 1)
        st, _, r = send("app-1", data=body + b"&email=a%40example.jp")
        self.assertEqual(st, 422, r)
        self.assertEqual(r["error"]["code"], "idempotency_key_reused")
        st, _, other = send("app-2")
        self.assertEqual(st, 200, other)
        self.assertNotEqual(other[0]["service_request_id"],
                            first[0]["service_request_id"])


if __name__ == "__main__":
    h.main()
