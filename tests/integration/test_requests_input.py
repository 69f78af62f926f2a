"""Bad input to the requests API gets a clear error naming the problem and
never changes what is stored."""
import json
import os

import harness as h


class BadInput(h.ServerTest):
    @classmethod
    def setUpClass(cls):
        cls.url = h.city_database(
            "reqinput",
            h.office(skills="road", name_ja="多摩"),
            h.crew("road-1", "道路班", "road", shift=None),
        )
        cls.token = h.user_token(cls.url, "disp", "dispatcher")
        cls.viewer = h.user_token(cls.url, "view", "viewer")
        cls.d = h.Patrold(cls.url, "--photo-max-bytes", "100000")

    def post(self, path, raw, token=None, ctype="application/json"):
        status, _, body = self.d.request(
            path, method="POST", body=raw,
            headers={"Authorization": "Bearer " + (token or self.token),
                     "Content-Type": ctype})
        return status, json.loads(body)

    def create(self, fields, **kw):
        return self.post("/api/v1/requests",
                         json.dumps(fields, ensure_ascii=False).encode(), **kw)

    def count(self):
        return int(h.psql(self.url, "SELECT count(*) FROM requests"))

    def good(self, **over):
        f = {"category": "road_pothole", "lat": 35.6197, "lon": 139.5503,
             "answers": {"depth": "shallow"}}
        f.update(over)
        return f

    def expect(self, result, status, code, field=None):
        st, body = result
        self.assertEqual(st, status, body)
        self.assertEqual(body["error"]["code"], code, body)
        if field is not None:
            self.assertEqual(body["error"].get("field"), field, body)
        self.assertTrue(body["error"]["message"])
        return body["error"]["message"]

    def test_malformed_json_says_where(self):
        before = self.count()
        msg = self.expect(self.post("/api/v1/requests",
                                    b'{"category": "road_pothole",\n "lat": }'),
                          400, "malformed_json")
        self.assertIn("line 2", msg)
        self.expect(self.post("/api/v1/requests", b"[1,2]"), 400,
                    "malformed_json")
        self.expect(self.post("/api/v1/requests", b'{"lat": NaN}'), 400,
                    "malformed_json")
        self.expect(self.post("/api/v1/requests",
                              b'{"category": "a", "category": "b"}'),
                    400, "malformed_json")
        self.expect(self.post("/api/v1/requests", b"{}", ctype="text/plain"),
                    415, "unsupported_media_type")
        self.assertEqual(self.count(), before)

    def test_invalid_utf8(self):
        raw = b'{"category": "road_pothole", "description": "\xff\xfe"}'
        self.expect(self.post("/api/v1/requests", raw), 400, "malformed_json")

    def test_wrong_types_and_unknowns(self):
        self.expect(self.create(self.good(lat="35.6")), 422, "wrong_type",
                    "lat")
        self.expect(self.create(self.good(category=7)), 422, "wrong_type",
                    "category")
        self.expect(self.create(self.good(colour="red")), 400,
                    "unknown_field", "colour")
        self.expect(self.create(self.good(category="unicorns")), 422,
                    "unknown_category", "category")
        self.expect(self.create(self.good(channel="fax")), 422,
                    "invalid_value", "channel")
        self.expect(self.create(self.good(answers={"depth": "bottomless"})),
                    422, "invalid_answer", "answers.depth")
        self.expect(self.create(self.good(answers={})), 422,
                    "invalid_answer", "answers.depth")
        self.expect(self.create(self.good(answers={"depth": "deep",
                                                   "mood": "sad"})),
                    422, "invalid_answer", "answers.mood")
        self.expect(self.create(self.good(callback_at="tomorrow")), 422,
                    "invalid_time", "callback_at")
        # In the right shape, but no day: PostgreSQL refuses the value.
        msg = self.expect(self.create(self.good(
            callback_at="2026-02-31T10:00:00+09:00")), 422, "invalid_value")
        self.assertTrue(msg.startswith("invalid value: "), msg)
        self.expect(self.create(self.good(caller="someone")), 422,
                    "wrong_type", "caller")

    def test_coordinates(self):
        msg = self.expect(self.create(self.good(lat=34.7, lon=135.5)), 422,
                          "invalid_location")
        self.assertIn("outside the service area", msg)
        self.expect(self.create(self.good(lat=95.0)), 422,
                    "invalid_location", "lat")
        self.expect(self.create(self.good(lon=1e308)), 422,
                    "invalid_location", "lon")
        f = self.good()
        del f["lat"]
        self.expect(self.create(f), 422, "missing_field", "lat")

    def test_limits(self):
        self.expect(self.create(self.good(description="あ" * 4001)), 422,
                    "too_long", "description")
        st, body = self.create(self.good(description="あ" * 4000))
        self.assertEqual(st, 201, body)
        st, _, _ = self.d.request(
            "/api/v1/requests", method="POST", body=b"x" * (70 * 1024),
            headers={"Authorization": "Bearer " + self.token,
                     "Content-Type": "application/json"})
        self.assertEqual(st, 413)

    def test_sql_looking_text_is_just_text(self):
        text = "'); DROP TABLE requests; -- \" OR 1=1 <script>"
        st, body = self.create(self.good(description=text, address=text))
        self.assertEqual(st, 201, body)
        self.assertEqual(body["description"], text)
        self.assertEqual(self.d.request(
            "/api/v1/requests/%d" % body["id"],
            headers={"Authorization": "Bearer " + self.token})[0], 200)
        st, _, raw = self.d.request("/api/v1/requests/%d" % body["id"],
                                    headers={"Authorization":
                                             "Bearer " + self.token})
        self.assertEqual(json.loads(raw)["address"], text)
        self.assertGreater(self.count(), 0)

    def test_roles_and_auth(self):
        self.expect(self.create(self.good(), token=self.viewer), 403,
                    "forbidden")
        self.expect(self.create(self.good(), token="pt_nope"), 401,
                    "unauthorized")

    def test_transitions_that_the_life_cycle_refuses(self):
        st, body = self.create(self.good())
        rid = body["id"]
        base = "/api/v1/requests/%d/" % rid
        msg = self.expect(self.post(base + "done",
                                    b'{"outcome": "repaired"}'),
                          409, "invalid_transition")
        self.assertIn("new", msg)
        st, body = self.post(base + "accept", b"{}")
        self.assertEqual(body["error"]["current_state"], "new")
        self.expect(self.post(base + "assign", b'{"crew_id": 999}'), 404,
                    "unknown_crew", "crew_id")
        self.expect(self.post(base + "assign", b'{"crew_id": "one"}'), 422,
                    "wrong_type", "crew_id")
        self.expect(self.post(base + "assign", b"{}"), 422, "missing_field",
                    "crew_id")
        self.expect(self.post(base + "triage",
                              b'{"outcome": "repaired", "parent_id": 1}'),
                    400, "unknown_field")
        self.expect(self.post(base + "fly", b"{}"), 404, "unknown_action")
        self.expect(self.post(base + "escalate", b"{}"), 404,
                    "unknown_action")
        self.expect(self.post("/api/v1/requests/999999/triage", b"{}"), 404,
                    "not_found")
        self.expect(self.post("/api/v1/requests/abc/triage", b"{}"), 404,
                    "not_found")
        self.expect(self.post(base + "cancel", b"{}"), 422, "missing_field",
                    "reason")
        self.expect(self.post(base + "merge", b'{"parent_id": %d}' % rid),
                    422, "invalid_parent", "parent_id")
        # Nothing of that changed the request.
        st, _, raw = self.d.request("/api/v1/requests/%d" % rid,
                                    headers={"Authorization":
                                             "Bearer " + self.token})
        detail = json.loads(raw)
        self.assertEqual(detail["state"], "new")
        self.assertEqual(detail["version"], 1)
        self.assertEqual([e["kind"] for e in detail["events"]], ["created"])

    def test_handover_needs_a_directory_entry(self):
        st, body = self.create(self.good())
        rid = body["id"]
        # The older free-text form is refused by name; a recipient from
        # the directory is needed (test_handover.py has the whole flow).
        st, body = self.post("/api/v1/requests/%d/handover" % rid,
                             b'{"to": "\xe7\x9c\x8c", "sent": "x"}')
        self.assertEqual(st, 400, body)
        self.expect(self.post("/api/v1/requests/%d/handover" % rid, b'{}'),
                    422, "missing_field", "recipient_id")
        self.expect(self.post("/api/v1/requests/%d/handover" % rid,
                              b'{"recipient_id": 424242}'),
                    422, "unknown_recipient", "recipient_id")
        st, _, raw = self.d.request("/api/v1/requests/%d" % rid,
                                    headers={"Authorization":
                                             "Bearer " + self.token})
        self.assertEqual(json.loads(raw)["state"], "new")

    def test_categories_edited_with_patrolctl(self):
        import tempfile
        st, _, raw = self.d.request("/api/v1/categories", headers={
            "Authorization": "Bearer " + self.token})
        cats = json.loads(raw)
        self.assertEqual(len(cats), 11)
        wasp = [c for c in cats if c["code"] == "wasp_nest"][0]
        self.assertEqual(wasp["name_ja"], "ハチの巣（スズメバチ・アシナガバチ）")
        wasp["accept_minutes"] = 5
        new = dict(wasp, code="hornet_asian", name_en="Asian hornet nest")
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            json.dump([wasp, new], f, ensure_ascii=False)
            f.flush()
            r = h.patrolctl(self.url, "category", "import", f.name)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("saved 2 categories", r.stdout)
        listed = h.patrolctl(self.url, "category", "list").stdout
        self.assertIn("hornet_asian\t2\twasp\t5\t", listed)
        self.assertIn("wasp_nest\t2\twasp\t5\t", listed)
        bad = dict(new, questions=[{"code": "x", "datatype": "colour"}])
        with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
            json.dump([bad], f)
            f.flush()
            r = h.patrolctl(self.url, "category", "import", f.name)
            self.assertEqual(r.returncode, 1)
            self.assertIn("question 0: needs a code, a datatype", r.stderr)


    def test_category_changes_reach_call_intake(self):
        """Each patrold keeps the categories call intake read
        (category_cache.c) until a NOTIFY says they changed."""
        import time
        st, body = self.create(self.good())
        self.assertEqual(st, 201, body)  # road_pothole is kept now
        # A retired category takes no more calls at once: the create
        # statement itself checks it, whatever patrold kept.
        h.psql(self.url, "UPDATE categories SET active = false"
                         " WHERE code = 'road_pothole'")
        try:
            before = self.count()
            self.expect(self.create(self.good()), 422, "unknown_category")
            self.assertEqual(self.count(), before)
        finally:
            h.psql(self.url, "UPDATE categories SET active = true"
                             " WHERE code = 'road_pothole'")
        questions = h.psql(self.url, "SELECT questions FROM categories"
                                     " WHERE code = 'road_pothole'")

        def until(status):
            # The NOTIFY arrives after the commit: a moment, not a call.
            deadline = time.time() + 10
            while True:
                st, body = self.create(self.good())
                if st == status or time.time() > deadline:
                    return st, body
                time.sleep(0.05)

        # The questions change: the kept copy is dropped, the new ones ask.
        h.psql(self.url, "UPDATE categories SET questions = '[]'"
                         " WHERE code = 'road_pothole'")
        try:
            self.expect(until(422), 422, "invalid_answer", "answers.depth")
        finally:
            h.psql(self.url, "UPDATE categories SET questions = '%s'"
                             " WHERE code = 'road_pothole'"
                   % questions.replace("'", "''"))
        st, body = until(201)
        self.assertEqual(st, 201, body)

    def test_photos(self):
        st, body = self.create(self.good())
        rid = body["id"]
        jpeg = b"\xff\xd8\xff\xe0" + os.urandom(5000) + b"\xff\xd9"
        auth = {"Authorization": "Bearer " + self.token,
                "Content-Type": "image/jpeg"}
        path = "/api/v1/requests/%d/photos" % rid
        st, _, raw = self.d.request(path, method="POST", body=jpeg,
                                    headers=auth)
        self.assertEqual(st, 201, raw)
        first = json.loads(raw)
        self.assertEqual(first["bytes"], len(jpeg))
        self.assertIsNotNone(first["event_id"])
        # The same photo again is stored once and adds no event.
        st, _, raw = self.d.request(path, method="POST", body=jpeg,
                                    headers=auth)
        again = json.loads(raw)
        self.assertEqual(again["sha256"], first["sha256"])
        self.assertIsNone(again["event_id"])
        st, headers, got = self.d.request(first["url"], headers=auth)
        self.assertEqual(st, 200)
        self.assertEqual(got, jpeg)
        self.assertEqual(headers["Content-Type"], "image/jpeg")
        st, _, raw = self.d.request("/api/v1/requests/%d" % rid, headers=auth)
        self.assertEqual(json.loads(raw)["photos"], [first["sha256"]])
        # What is not a photo, too big, for nothing, or from a viewer.
        self.expect(self.post(path, b"<html>", ctype="image/jpeg"), 415,
                    "not_an_image")
        self.expect(self.post(path, b"\xff\xd8\xff" + b"0" * 100001,
                              ctype="image/jpeg"), 413, "photo_too_large")
        self.expect(self.post("/api/v1/requests/999999/photos", jpeg,
                              ctype="image/jpeg"), 404, "not_found")
        self.expect(self.post(path, jpeg, token=self.viewer,
                              ctype="image/jpeg"), 403, "forbidden")
        self.assertEqual(self.d.request("/api/v1/photos/" + "0" * 64,
                                        headers=auth)[0], 404)
        self.assertEqual(self.d.request("/api/v1/photos/../etc",
                                        headers=auth)[0], 404)


    def refused(self, sql, check):
        """sql fails as a check_violation (23514) of the check named."""
        self.assertIn("violates check constraint \"%s\"" % check,
                      h.psql_check_violation(self.url, sql))

    def test_database_still_refuses_bad_stored_values(self):
        """The column checks of requests and callers are domains (schema
        0350, issue 19): whoever writes, psql included, a bad value is
        refused with SQLSTATE 23514 naming the check, and nothing stored."""
        st, body = self.create(self.good(caller={"name": "x"}))
        self.assertEqual(st, 201, body)
        rid = body["id"]
        row = ("INSERT INTO requests (category, channel, lon, lat, easting,"
               " northing, priority, due_make_safe, due_resolve, created_by,"
               " description, location_text, location_level) VALUES"
               " ('road_pothole', %s, 139.55, 35.62, 0, 0, 2, now(), now(),"
               " 'psql', %s, %s, %s)")
        good = ("'phone'", "''", "NULL", "NULL")
        bad = [
            (0, "'fax'", "requests_channel_check"),
            (1, "repeat('x', 4001)", "requests_description_check"),
            (2, "repeat('x', 501)", "requests_location_text_check"),
            (3, "'street'", "requests_location_level_check"),
        ]
        before = self.count()
        for i, value, check in bad:
            vals = list(good)
            vals[i] = value
            self.refused(row % tuple(vals), check)
        for sql, check in (
                ("UPDATE requests SET plan_pin = 0 WHERE id = %d" % rid,
                 "requests_plan_pin_check"),
                ("UPDATE requests SET callback_result = 'maybe'"
                 " WHERE id = %d" % rid, "requests_callback_result_check"),
                ("UPDATE callers SET consent_text = '', consent_at = now()"
                 " WHERE request_id = %d" % rid, "callers_consent_text_check"),
                ("UPDATE callers SET consent_text = 'yes' WHERE"
                 " request_id = %d" % rid, "callers_consent_pair")):
            self.refused(sql, check)
        self.assertEqual(self.count(), before)
        # What is allowed still is: the checks let NULL pass as before.
        h.psql(self.url, row % good)
        h.psql(self.url, "UPDATE requests SET plan_pin = NULL,"
                         " callback_result = 'answered' WHERE id = %d" % rid)
        self.assertEqual(self.count(), before + 1)

    def test_crowded_place_lists_the_nearest_ten(self):
        """Where calls crowd, the new call lists the ten nearest open
        requests of its category within the radius (250 m), nearest first
        (schema/functions/request_duplicates.sql)."""
        lat, lon = 35.5870, 139.6080  # away from the other tests' calls

        def call(dlat, **over):
            f = self.good(lat=round(lat + dlat, 6), lon=lon)
            f.update(over)
            st, body = self.create(f)
            self.assertEqual(st, 201, body)
            return body

        # 14 potholes 0-216 m north, one 333 m north, and a guardrail at
        # the very spot: another category.
        near = [call(k * 0.00015)["id"] for k in range(14)]
        far = call(0.003)["id"]
        other = call(0, category="road_fixture", answers={})["id"]
        body = call(0.00001)  # about 1 m north of the first
        dups = body["duplicates"]
        self.assertEqual([d["id"] for d in dups], near[:10])
        dist = [d["distance_m"] for d in dups]
        self.assertEqual(dist, sorted(dist))
        self.assertLessEqual(dist[-1], 250)
        self.assertNotIn(far, [d["id"] for d in dups])
        self.assertNotIn(other, [d["id"] for d in dups])
        self.assertNotIn(body["id"], [d["id"] for d in dups])


if __name__ == "__main__":
    h.main()
