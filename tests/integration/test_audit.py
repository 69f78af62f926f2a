"""The audit trail (issue 10, finding 7): every change of who may do what
(users, passwords, tokens, crews of crew users, devices, Open311 keys),
every crew and office change, from patrolctl and from the API, and every
read of callers' personal data (the call-backs list names the requests
whose callers it showed) writes an audit_log row with actor, time and
object. Against the real patrold, patrolctl and PostgreSQL."""
import json
import os
import pwd

import harness as h

CALL = (35.6050, 139.5600)  # Tama ward (14135)
ACTOR = "patrolctl:" + pwd.getpwuid(os.geteuid()).pw_name


class Audit(h.ServerTest):
    @classmethod
    def setUpClass(cls):
        cls.url = h.city_database("audit")
        cls.d = h.Patrold(cls.url)

    def ctl(self, *args, stdin=None):
        r = h.patrolctl(self.url, *args, stdin=stdin)
        self.assertEqual(r.returncode, 0, (args, r.stderr))
        return r

    def rows(self, action, object_type=None, object_id=None):
        """[(actor, object_type, object_id, detail)] newest last, each with
        a time."""
        where = ["action = '%s'" % action, "at IS NOT NULL"]
        if object_type:
            where.append("object_type = '%s'" % object_type)
        if object_id is not None:
            where.append("object_id = '%s'" % object_id)
        out = h.psql(self.url, "SELECT coalesce(json_agg(json_build_array("
                     "actor, object_type, object_id, detail) ORDER BY id),"
                     " '[]') FROM audit_log WHERE " + " AND ".join(where))
        return json.loads(out)

    def api(self, token, method, path, body=None):
        return self.d.api(method, path, token, body)

    def test_1_users_and_tokens_from_patrolctl(self):
        self.ctl("user", "add", "ann", "--role", "dispatcher",
                 "--password-stdin", stdin="correct horse battery\n")
        uid = h.psql(self.url, "SELECT id FROM users WHERE name = 'ann'")
        [(actor, _, oid, detail)] = self.rows("user.add", "user", uid)
        self.assertEqual((actor, oid), (ACTOR, uid))
        self.assertEqual(detail["role"], "dispatcher")
        self.assertTrue(detail["password"])
        self.ctl("user", "password", "ann",
                 stdin="another horse battery\n")
        self.assertEqual(len(self.rows("user.password", "user", uid)), 1)
        token = self.ctl("token", "create", "--user", "ann", "--label",
                         "script").stdout.strip()
        [(actor, _, _, detail)] = self.rows("token.create", "user", uid)
        self.assertEqual(actor, ACTOR)
        self.assertEqual(detail["label"], "script")
        # Never the token or its hash, never a password hash.
        log = h.psql(self.url, "SELECT string_agg(detail::text, ' ') FROM "
                     "audit_log")
        self.assertNotIn(token, log)
        self.assertNotIn("argon2", log)
        for hx in h.psql(self.url, "SELECT token_sha256 FROM api_tokens")\
                .split():
            self.assertNotIn(hx, log)
        self.ctl("token", "revoke", "--user", "ann")
        [(_, _, _, detail)] = self.rows("token.revoke", "user", uid)
        self.assertEqual(len(detail["tokens"]), 1)
        self.ctl("user", "disable", "ann")
        self.assertEqual(len(self.rows("user.disable", "user", uid)), 1)
        # A refused change writes nothing.
        import subprocess
        subprocess.run([h.PATROLCTL, "--database-url", self.url, "user",
                        "disable", "nobody"], capture_output=True)
        self.assertEqual(len(self.rows("user.disable")), 1)

    def test_2_offices_crews_devices_and_keys(self):
        self.ctl("office", "add", "tama", "--name-ja",
                 "多摩区道路公園センター", "--name-en", "Tama", "--wards",
                 "14135", "--skills", "road,wasp", "--lat", "35.6197",
                 "--lon", "139.5503")
        self.ctl("office", "add", "tama", "--name-ja",
                 "多摩区道路公園センター", "--name-en", "Tama centre",
                 "--wards", "14135", "--skills", "road,wasp", "--lat",
                 "35.6197", "--lon", "139.5503")
        self.assertEqual([r[0] for r in self.rows("office.add", "office",
                                                  "tama")], [ACTOR])
        self.assertEqual(len(self.rows("office.update", "office", "tama")),
                         1)
        self.ctl("crew", "add", "tama-a", "--office", "tama", "--name",
                 "多摩 A班", "--skills", "wasp", "--shift", "00:00-00:00")
        [(actor, _, _, detail)] = self.rows("crew.add", "crew", "tama-a")
        self.assertEqual((actor, detail["office"]), (ACTOR, "tama"))
        # A crew user and its binding.
        self.ctl("user", "add", "cr1", "--role", "crew", "--crew", "tama-a")
        uid = h.psql(self.url, "SELECT id FROM users WHERE name = 'cr1'")
        crew = h.crew_id(self.url, "tama-a")
        [(_, _, _, detail)] = self.rows("user.add", "user", uid)
        self.assertEqual(detail["crew_id"], crew)
        self.ctl("user", "crew", "cr1", "--none")
        [(actor, _, _, detail)] = self.rows("user.crew", "user", uid)
        self.assertEqual((actor, detail["from"], detail["to"]),
                         (ACTOR, crew, None))
        # Through the API: who took the crew off duty.
        sup = h.user_token(self.url, "sup1", "supervisor")
        st, r = self.api(sup, "PATCH", "/api/v1/crews/%d" % crew,
                         {"status": "off_duty"})
        self.assertEqual(st, 200, r)
        [(actor, _, _, detail)] = self.rows("crew.status", "crew", "tama-a")
        self.assertEqual((actor, detail["status"]), ("sup1", "off_duty"))
        # Devices and Open311 keys are credentials too.
        self.ctl("device", "enroll", "--crew", "tama-a")
        self.assertEqual([r[0] for r in self.rows("device.enroll_code",
                                                  "crew", "tama-a")],
                         [ACTOR])
        self.ctl("open311", "key", "add", "fixmystreet")
        self.ctl("open311", "key", "revoke", "fixmystreet")
        for action in ("open311_key.create", "open311_key.revoke"):
            self.assertEqual([r[0] for r in self.rows(
                action, "open311_key", "fixmystreet")], [ACTOR])

    def test_3_callbacks_list_names_the_requests_shown(self):
        disp = h.user_token(self.url, "disp1", "dispatcher")
        view = h.user_token(self.url, "view1", "viewer")
        ids = []
        for phone in ("044-555-0001", "044-555-0002"):
            st, r = self.api(disp, "POST", "/api/v1/requests", {
                "category": "wasp_nest", "lat": CALL[0], "lon": CALL[1],
                "answers": {"nest_height": "eaves", "location": "outdoor"},
                "caller": {"name": "多摩 花子", "phone": phone},
                "callback_at": "2020-01-01T10:00:00+09:00"})
            self.assertEqual(st, 201, r)
            ids.append(str(r["id"]))
        before = len(self.rows("callers.read"))
        st, listed = self.api(disp, "GET", "/api/v1/callbacks")
        self.assertEqual(st, 200, listed)
        shown = sorted(str(x["request_id"]) for x in listed
                       if x.get("callers"))
        self.assertEqual(shown, sorted(ids))
        rows = self.rows("callers.read")[before:]
        self.assertEqual(sorted(r[2] for r in rows), shown)
        for actor, otype, _, detail in rows:
            self.assertEqual((actor, otype, detail["via"]),
                             ("disp1", "request", "callbacks"))
        # A role that sees no callers leaves no read behind.
        before = len(self.rows("callers.read"))
        st, listed = self.api(view, "GET", "/api/v1/callbacks")
        if st == 200:
            self.assertFalse(any(x.get("callers") for x in listed))
        self.assertEqual(len(self.rows("callers.read")), before)


if __name__ == "__main__":
    h.main()
