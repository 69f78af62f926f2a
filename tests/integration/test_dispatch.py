"""One wasp call in Tama ward, from the phone to the call-back, against the
real patrold and PostgreSQL: ward by point-in-polygon, a duplicate 80 m
away, recommendations with a cross-ward specialist first, a 409 on a double
assignment, an escalation, acceptance, on site, "no nest found", the
residents' call-backs closed, and the live feed showing every step in
order."""
import json
import time

import harness as h

CALL = (35.6050, 139.5600)        # lat, lon in Tama ward (14135)
NEAR = (35.6050 + 0.00072, 139.5600)  # 80 m north


class Dispatch(h.ServerTest):
    @classmethod
    def setUpClass(cls):
        cls.url = h.city_database(
            "dispatch",
            h.office(),
            h.office("miyamae", wards="14136", skills="wasp",
                     at=(35.5858, 139.5861), name_ja="宮前区衛生課",
                     name_en="Miyamae"),
            h.crew("tama-wasp-1", "多摩 蜂班", "wasp", at=(35.6330, 139.5290)),
            h.crew("miyamae-wasp-1", "宮前 蜂班", "wasp", office="miyamae",
                   at=(35.5950, 139.5700)),
            h.crew("tama-road-1", "多摩 道路班", "road", at=(35.6051, 139.5601)),
            h.crew("miyamae-wasp-night", "宮前 夜間", "wasp", office="miyamae",
                   shift="03:00-03:01", at=(35.6049, 139.5599)),
        )
        cls.disp1 = h.user_token(cls.url, "disp1", "dispatcher")
        cls.disp2 = h.user_token(cls.url, "disp2", "dispatcher")
        cls.viewer = h.user_token(cls.url, "view1", "viewer")
        cls.crew = h.user_token(cls.url, "crew1", "crew",
                                crew="miyamae-wasp-1")
        cls.d = h.Patrold(cls.url, "--escalation-check-ms", "300")

    def api(self, method, path, token, body=None):
        return self.d.api(method, path, token, body)

    def act(self, token, rid, action, **body):
        return self.api("POST", "/api/v1/requests/%d/%s" % (rid, action),
                        token, body)

    def test_wasp_call_end_to_end(self):
        feed = h.EventStream(self.d, self.disp1, after=0)
        self.assertEqual(feed.status, 200)
        self.assertTrue(feed.content_type.startswith("text/event-stream"))
        # The headers of every answer: never cached, never sniffed.
        self.assertEqual((feed.resp.getheader("Cache-Control"),
                          feed.resp.getheader("X-Content-Type-Options")),
                         ("no-store", "nosniff"))

        # A resident phones: wasp nest under the eaves near a school path.
        st, first = self.api("POST", "/api/v1/requests", self.disp1, {
            "category": "wasp_nest", "channel": "phone",
            "lat": CALL[0], "lon": CALL[1],
            "address": "多摩区内の住宅 軒下",
            "description": "軒下にスズメバチの巣",
            "answers": {"nest_height": "eaves", "location": "outdoor",
                        "near_path": "yes"},
            "caller": {"name": "多摩 太郎", "phone": "044-000-1111"},
            "callback_at": "2030-01-01T10:00:00+09:00"})
        self.assertEqual(st, 201, first)
        self.assertEqual(first["ward_code"], "14135")
        self.assertIn("多摩区", first["ward_name"])
        self.assertEqual(first["priority"], 1)  # raised by near_path
        self.assertEqual(first["duplicates"], [])
        self.assertTrue(first["created_at"].endswith("+09:00"))
        a = first["id"]

        # A neighbour calls about the same nest from 80 m away.
        st, second = self.api("POST", "/api/v1/requests", self.disp2, {
            "category": "wasp_nest", "lat": NEAR[0], "lon": NEAR[1],
            "answers": {"nest_height": "eaves", "location": "outdoor"},
            "caller": {"name": "隣 花子", "phone": "044-000-2222"}})
        self.assertEqual(st, 201, second)
        self.assertEqual(second["priority"], 2)
        dups = second["duplicates"]
        self.assertEqual([x["id"] for x in dups], [a])
        self.assertTrue(75 <= dups[0]["distance_m"] <= 85, dups)
        self.assertNotIn("caller", json.dumps(dups))
        b = second["id"]

        # Recommendations: wasp crews on shift only, nearest arrival first;
        # the Miyamae specialist from the next ward is closest.
        st, rec = self.api("GET", "/api/v1/requests/%d/recommendations" % a,
                           self.disp1)
        self.assertEqual(st, 200, rec)
        codes = [c["crew"]["code"] for c in rec["crews"]]
        self.assertEqual(codes, ["miyamae-wasp-1", "tama-wasp-1"])
        top, other = rec["crews"]
        self.assertTrue(top["cross_ward"])
        self.assertFalse(other["cross_ward"])
        self.assertLess(top["distance_m"], other["distance_m"])
        self.assertLess(top["eta_minutes"], other["eta_minutes"])
        self.assertEqual({r["code"] for r in top["reasons"]},
                         {"distance", "travel", "eta", "queue", "cross_ward"})
        # No road network imported: the drive is measured straight.
        self.assertEqual(top["travel_by"], "straight_line_x_detour")
        miyamae = top["crew"]["id"]
        tama = other["crew"]["id"]

        # The neighbour's call is merged into the first.
        st, r = self.act(self.disp2, b, "merge", parent_id=a)
        self.assertEqual(st, 200, r)
        self.assertEqual(r["state"], "merged")

        # Two dispatchers assign at the same moment: exactly one wins.
        results = h.race(
            lambda: self.act(self.disp1, a, "assign", crew_id=miyamae),
            lambda: self.act(self.disp2, a, "assign", crew_id=tama))
        statuses = sorted(s for s, _ in results)
        self.assertEqual(statuses, [200, 409], results)
        loser = [body for s, body in results if s == 409][0]
        self.assertEqual(loser["error"]["current_state"], "assigned")

        # Nobody accepts in time: the request escalates back to the top of
        # the queue. (Time is moved, not waited for: the accept time is
        # 10 minutes.)
        h.psql(self.url, "UPDATE requests SET state_changed_at = now() - "
                         "interval '11 minutes' WHERE id = %d" % a)
        feed.wait_for(lambda e: e["request_id"] == a
                      and e["kind"] == "escalate", timeout=10)
        st, queue = self.api("GET", "/api/v1/requests", self.disp1)
        self.assertEqual(queue[0]["id"], a)
        self.assertEqual(queue[0]["state"], "new")
        self.assertIsNotNone(queue[0]["escalated_at"])

        # Assigned again; the crew accepts, drives, arrives, finds no nest.
        st, r = self.act(self.disp1, a, "assign", crew_id=miyamae)
        self.assertEqual(st, 200, r)
        st, r = self.act(self.crew, a, "on_site")
        self.assertEqual(st, 409)  # not accepted yet
        self.assertEqual(r["error"]["current_state"], "assigned")
        for action in ["accept", "en_route"]:
            st, r = self.act(self.crew, a, action)
            self.assertEqual(st, 200, (action, r))
        for body, want in [({"lat": CALL[0]}, ("missing_field", "lon")),
                           ({"lat": 95.0, "lon": CALL[1]},
                            ("invalid_location", "lat"))]:
            st, r = self.act(self.crew, a, "on_site", **body)
            self.assertEqual((st, r["error"]["code"], r["error"]["field"]),
                             (422,) + want, body)
        st, r = self.act(self.crew, a, "on_site", lat=CALL[0], lon=CALL[1])
        self.assertEqual(st, 200, r)
        st, r = self.act(self.crew, a, "done", outcome="no_nest",
                         note="巣はなく、住民に説明した")
        self.assertEqual(st, 200, r)
        self.assertEqual(r["state"], "done")

        # Both residents are owed a call-back; the merged one follows the
        # parent's outcome.
        st, cbs = self.api("GET", "/api/v1/callbacks", self.disp1)
        self.assertEqual(st, 200, cbs)
        by_id = {c["request_id"]: c for c in cbs}
        self.assertEqual(set(by_id), {a, b})
        self.assertEqual(by_id[b]["outcome"], "no_nest")
        self.assertEqual(by_id[b]["state"], "done")
        self.assertEqual(by_id[a]["callers"][0]["name"], "多摩 太郎")
        for rid in (a, b):
            st, r = self.api("POST", "/api/v1/requests/%d/callback" % rid,
                             self.disp1, {"done": True,
                                          "note": "結果を説明"})
            self.assertEqual(st, 200, r)
        st, cbs = self.api("GET", "/api/v1/callbacks", self.disp1)
        self.assertEqual(cbs, [])

        # The feed showed every step, in order.
        feed.wait_for(lambda e: e["request_id"] == b
                      and e["kind"] == "callback_done")
        ours = [e for e in feed.events if e["request_id"] in (a, b)]
        steps = [e["kind"] for e in ours]
        self.assertEqual(steps, [
            "created", "created", "merge", "assign", "escalate", "assign",
            "accept", "en_route", "on_site", "done", "callback_done",
            "callback_done"])
        ids = [e["_sse_id"] for e in ours]
        every = [e["_sse_id"] for e in feed.events]
        self.assertEqual(every, sorted(every))
        self.assertNotIn("044-000", json.dumps(feed.events))
        feed.close()

        # Resuming from an event id gives exactly what came after it.
        again = h.EventStream(self.d, self.disp1, last_event_id=ids[8])
        again.wait_for(lambda e: e["_sse_id"] == ids[-1])
        time.sleep(0.3)
        self.assertEqual([e["_sse_id"] for e in again.events
                          if e["request_id"] in (a, b)], ids[9:])
        self.assertEqual([e["_sse_id"] for e in again.events],
                         [i for i in every if i > ids[8]])
        again.close()

        # The timeline is derived from events; callers only for staff.
        st, detail = self.api("GET", "/api/v1/requests/%d" % a, self.disp1)
        self.assertEqual([e["kind"] for e in detail["events"]],
                         ["created", "assign", "escalate", "assign",
                          "accept", "en_route", "on_site", "done",
                          "callback_done"])
        self.assertEqual(detail["merged"], [b])
        self.assertEqual(detail["callers"][0]["phone"], "044-000-1111")
        st, seen = self.api("GET", "/api/v1/requests/%d" % a, self.viewer)
        self.assertEqual(st, 200)
        self.assertNotIn("callers", seen)
        self.assertNotIn("044-000", json.dumps(seen))
        audits = h.psql(self.url, "SELECT actor || ':' || action FROM "
                                  "audit_log WHERE object_id = '%d'" % a)
        self.assertIn("disp1:callers.read", audits)
        self.assertNotIn("view1", audits)

        # And the past-case search finds it for the next call-taker.
        st, cases = self.api("GET", "/api/v1/cases?q=%E8%AA%AC%E6%98%8E"
                             "&category=wasp_nest&lat=35.605&lon=139.56",
                             self.viewer)
        self.assertEqual(st, 200, cases)
        self.assertEqual([c["id"] for c in cases], [a])
        self.assertEqual(cases[0]["outcome"], "no_nest")
        self.assertIn("巣はなく、住民に説明した", cases[0]["notes"])
        for q, field in [("lat=35.605", "lon"), ("lat=95&lon=139.56", "lat")]:
            st, r = self.api("GET", "/api/v1/cases?" + q, self.viewer)
            self.assertEqual((st, r["error"]["code"], r["error"]["field"]),
                             (422, "invalid_location", field), q)


    def test_every_patrold_sees_every_event(self):
        # A second process on the same database: LISTEN/NOTIFY carries the
        # events of one to the feed of the other.
        with h.Patrold(self.url) as other:
            feed = h.EventStream(other, self.viewer)
            time.sleep(0.3)
            st, body = self.api("POST", "/api/v1/requests", self.disp1, {
                "category": "road_pothole", "lat": 35.62, "lon": 139.55,
                "answers": {"depth": "shallow"}})
            self.assertEqual(st, 201, body)
            e = feed.wait_for(lambda e: e["request_id"] == body["id"])
            self.assertEqual(e["kind"], "created")
            self.assertEqual(e["actor"], "disp1")
            feed.close()


if __name__ == "__main__":
    h.main()
