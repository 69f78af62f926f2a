"""The dispatcher's workflow, part two (issue 16), against the real
patrold and PostgreSQL: a caller added to an existing request (no new
request, personal data kept out of the event), merges that keep callers
and what each call said on the parent, petitions with a survey and its
deadline, per-category scripts, the glossary, and display names."""
import json

import harness as h


class Workflow(h.TokenCalls, h.ServerTest):
    @classmethod
    def setUpClass(cls):
        cls.url = h.city_database(
            "workflow",
            h.office(name_ja="多摩"),
        )
        h.user_add(cls.url, "yamada", "dispatcher", "--display-name",
                   "指令担当 山田")
        cls.token = h.ctl_ok(cls.url, "token", "create", "--user", "yamada")
        cls.admin = h.user_token(cls.url, "adm", "admin")
        cls.viewer = h.user_token(cls.url, "view", "viewer")
        cls.d = h.Patrold(cls.url, "--petition-survey-hours", "4")

    def post_request(self, **f):
        base = {"category": "wasp_nest", "lat": 35.6197, "lon": 139.5503,
                "answers": {"nest_height": "eaves", "location": "outdoor"}}
        base.update(f)
        return self.api("/api/v1/requests", base)

    def create(self, **f):
        st, body = self.post_request(**f)
        self.assertEqual(st, 201, body)
        return body

    def test_add_caller_to_existing_request(self):
        a = self.create(caller={"name": "多摩 一郎", "phone": "044-1"})
        n = int(h.psql(self.url, "SELECT count(*) FROM requests"))
        st, out = self.api("/api/v1/requests/%d/callers" % a["id"],
                           {"caller": {"name": "多摩 二郎",
                                       "phone": "044-2"},
                            "note": "通学路のすぐ横"})
        self.assertEqual(st, 200, out)
        self.assertEqual(out["callers"], 2)
        self.assertEqual(n, int(h.psql(self.url,
                                       "SELECT count(*) FROM requests")))
        st, d = self.api("/api/v1/requests/%d" % a["id"])
        self.assertEqual([c["name"] for c in d["callers"]],
                         ["多摩 一郎", "多摩 二郎"])
        ev = d["events"][-1]
        self.assertEqual(ev["kind"], "caller_added")
        self.assertEqual(ev["detail"], {"note": "通学路のすぐ横"})
        self.assertNotIn("多摩 二郎", json.dumps(ev, ensure_ascii=False))
        # People, not log-in names.
        self.assertEqual(ev["actor"], "yamada")
        self.assertEqual(ev["actor_name"], "指令担当 山田")
        for body, code in [({}, "missing_field"),
                           ({"caller": {}}, "missing_field"),
                           ({"caller": {"name": "x"}, "callback_at": "soon"},
                            "invalid_time")]:
            st, out = self.api("/api/v1/requests/%d/callers" % a["id"], body)
            self.assertEqual((st, out["error"]["code"]), (422, code), out)
        st, out = self.api("/api/v1/requests/%d/callers" % a["id"],
                           {"caller": {"name": "x"}}, token=self.viewer)
        self.assertEqual(st, 403)
        self.api("/api/v1/requests/%d/cancel" % a["id"], {"reason": "test"})
        st, out = self.api("/api/v1/requests/%d/callers" % a["id"],
                           {"caller": {"name": "遅い 三郎"}})
        self.assertEqual((st, out["error"]["code"]), (409, "not_open"))

    def test_caller_fields_have_one_limit(self):
        """A caller's name, phone and address take as much text when the
        request is created as when a caller is added later (they were 100
        and 200, 300 and 400), and /api/v1/config serves the same
        numbers to the console."""
        st, _, cfg = h.call(self.d, "GET", "/api/v1/config")
        self.assertEqual(st, 200)
        lim = cfg["limits"]
        self.assertEqual((lim["caller_name"], lim["address"], lim["phone"],
                          lim["note"]), (200, 500, 40, 4000))
        a = self.create()
        add = "/api/v1/requests/%d/callers" % a["id"]
        for field, n in [("name", 200), ("address", 500), ("phone", 40)]:
            full = {field: "あ" * n}
            over = {field: "あ" * (n + 1)}
            self.create(caller=full)
            st, out = self.post_request(caller=over)
            self.assertEqual((st, out["error"]["code"], out["error"]["field"]),
                             (422, "too_long", field), out)
            st, out = self.api(add, {"caller": full})
            self.assertEqual(st, 200, out)
            st, out = self.api(add, {"caller": over})
            self.assertEqual((st, out["error"]["code"], out["error"]["field"]),
                             (422, "too_long", field), out)
        st, out = self.api(add, {"caller": {"name": "x"}, "note": "あ" * 4000})
        self.assertEqual(st, 200, out)
        st, out = self.api(add, {"caller": {"name": "x"}, "note": "あ" * 4001})
        self.assertEqual((st, out["error"]["code"], out["error"]["field"]),
                         (422, "too_long", "note"), out)

    def test_merge_keeps_callers_and_what_was_said(self):
        a = self.create(caller={"name": "親 太郎"}, description="軒下に巣")
        b = self.create(caller={"name": "子 花子"},
                        description="通学路の近くで飛んでいる",
                        answers={"nest_height": "eaves",
                                 "location": "outdoor", "near_path": "yes"})
        st, out = self.api("/api/v1/requests/%d/merge" % b["id"],
                           {"parent_id": a["id"], "note": "同じ巣"})
        self.assertEqual(st, 200, out)
        st, d = self.api("/api/v1/requests/%d" % a["id"])
        self.assertEqual(sorted(c["name"] for c in d["callers"]),
                         ["子 花子", "親 太郎"])
        self.assertEqual([c["request_id"] for c in d["callers"]],
                         [a["id"], b["id"]])
        m = d["merged_detail"][0]
        self.assertEqual(m["id"], b["id"])
        self.assertEqual(m["description"], "通学路の近くで飛んでいる")
        self.assertEqual(m["answers"]["near_path"], "yes")
        self.assertIn("同じ巣", m["notes"])
        # The viewer sees what was said, never who said it.
        st, v = self.api("/api/v1/requests/%d" % a["id"], token=self.viewer)
        self.assertNotIn("callers", v)
        self.assertEqual(v["merged_detail"][0]["description"],
                         "通学路の近くで飛んでいる")

    def test_petition_survey(self):
        p = self.create(category="road_fixture", channel="petition",
                        answers={}, caller={"name": "町内会長"},
                        description="カーブミラーが曲がっている")
        self.assertIsNotNone(p["survey_due"])
        due = h.psql(self.url, "SELECT extract(epoch FROM due_at -"
                     " created_at)::int FROM surveys s JOIN requests r"
                     " ON r.id = s.request_id WHERE r.id = %d" % p["id"])
        self.assertAlmostEqual(int(due), 4 * 3600, delta=5)
        st, q = self.api("/api/v1/requests?state=open")
        self.assertTrue([r for r in q if r["id"] == p["id"]][0]["survey_due"])
        st, out = self.api("/api/v1/requests/%d/survey" % p["id"],
                           {"findings": "x", "photos": ["a" * 64]})
        self.assertEqual((st, out["error"]["code"]), (422, "unknown_photo"))
        st, out = self.api("/api/v1/requests/%d/survey" % p["id"], {})
        self.assertEqual((st, out["error"]["field"]), (422, "findings"))
        st, out = self.api("/api/v1/requests/%d/survey" % p["id"],
                           {"findings": "約30度ずれ", "proposed_action":
                            "角度調整"})
        self.assertEqual(st, 200, out)
        self.assertTrue(out["callback_due"])
        st, again = self.api("/api/v1/requests/%d/survey" % p["id"],
                             {"findings": "二度目"})
        self.assertEqual((st, again["error"]["code"]), (409, "no_survey"))
        st, d = self.api("/api/v1/requests/%d" % p["id"])
        self.assertEqual(d["survey"]["findings"], "約30度ずれ")
        self.assertIsNone(d["survey_due"])
        self.assertEqual(d["events"][-1]["kind"], "survey_recorded")
        st, cbs = self.api("/api/v1/callbacks?status=due&brief=1")
        self.assertIn(p["id"], [c["request_id"] for c in cbs])
        # An ordinary call has no survey.
        o = self.create()
        st, out = self.api("/api/v1/requests/%d/survey" % o["id"],
                           {"findings": "x"})
        self.assertEqual(st, 409)

    def test_scripts_and_glossary(self):
        st, cats = self.api("/api/v1/categories")
        bee = [c for c in cats if c["code"] == "bee_swarm"][0]
        self.assertIn("駆除しません", bee["caller_script_ja"])
        st, out = self.api("/api/v1/categories/bee_swarm/script",
                           {"script_ja": "新しい説明"}, method="PUT")
        self.assertEqual(st, 403)
        st, out = self.api("/api/v1/categories/bee_swarm/script",
                           {"script_ja": "新しい説明"}, method="PUT",
                           token=self.admin)
        self.assertEqual(st, 200, out)
        self.assertEqual(out["caller_script_ja"], "新しい説明")
        st, out = self.api("/api/v1/categories/nope/script",
                           {"script_ja": "x"}, method="PUT", token=self.admin)
        self.assertEqual(st, 404)
        st, g = self.api("/api/v1/glossary", token=self.viewer)
        self.assertEqual(st, 200)
        self.assertEqual(g["state.triaged"], ["確認済み", "Triaged"])
        self.assertEqual(g["coverage.not_due"][0], "期限前")
        self.assertEqual(g["state.handing_over"][0], "引継ぎ中")
        for k, (ja, en) in g.items():
            self.assertNotRegex(ja, r"済(?!み)", k)


if __name__ == "__main__":
    h.main()
