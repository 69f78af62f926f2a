"""The life cycle in one place (issue 12, item 1): every action x state,
through the JSON API, through the agent's sync and through the SQL writer
request_transition(), gets the verdict lifecycle_check() gives (as the
lifecycle_dump helper prints it from the C table), with the same words.
Also: GET /api/v1/lifecycle serves that table, and the partial indexes
follow the table's sets."""
import json
import os
import subprocess

import harness as h
import agentkit as k

def dump():
    out = subprocess.run(
        [os.path.join(h.BUILD, "tests", "unit", "lifecycle_dump")],
        check=True, capture_output=True).stdout
    return json.loads(out)


class Lifecycle(h.ServerTest):
    @classmethod
    def setUpClass(cls):
        k.ensure_protobuf()
        cls.M = k.load_messages()
        cls.lc = dump()
        cls.table = cls.lc["table"]
        cls.verdict = {(v["action"], v["state"], v["role"]): v
                       for v in cls.lc["verdicts"]}
        cls.url = h.city_database(
            "lifecycle",
            h.office(skills="road,river", name_ja="多摩"),
            h.crew("tama-river-1", "多摩 河川班", "river", at=(35.6197, 139.5503)),
            ("directory", "add", "河川事務所", "--email",
             "kasen@example.jp"),
        )
        cls.crew_id = h.crew_id(cls.url, "tama-river-1")
        cls.recipient = int(cls.sql("SELECT id FROM directory_entries"))
        cls.tokens = {role: h.user_token(cls.url, role + "1", role)
                      for role in ("dispatcher", "crew")}
        # A crew user acts for its own crew only (issue 10).
        r = h.patrolctl(cls.url, "user", "crew", "crew1", "--crew",
                        "tama-river-1")
        assert r.returncode == 0, r.stderr
        # No SMTP server: the hand-over's mail fails, its state change not.
        cls.d = h.Patrold(cls.url, "--escalation-check-ms", "3600000")
        st, body = cls.api("/api/v1/requests", "dispatcher", {
            "category": "river_defect", "lat": 35.6197, "lon": 139.5503,
            "description": "柵が壊れている"})
        assert st == 201, body
        cls.template = body["id"]
        st, cats = cls.api("/api/v1/categories", "dispatcher")
        cls.outcome = [c for c in cats if c["code"] == "river_defect"][0][
            "outcomes"][0]["code"]
        code = k.enroll_code(cls.url, "tama-river-1")
        st, _, raw = k.post(cls.d, "/agent/v1/enroll", cls.M["EnrollRequest"](
            code=code).SerializeToString())
        assert st in (200, 201), (st, raw[:200])
        cls.device = cls.M["EnrollResponse"].FromString(raw).device_token

    @classmethod
    def sql(cls, q):
        return h.psql(cls.url, q).strip()

    @classmethod
    def api(cls, path, role, body=None):
        raw = None if body is None else json.dumps(body).encode()
        st, _, out = cls.d.request(
            path, method="GET" if body is None else "POST", body=raw,
            headers={"Authorization": "Bearer " + cls.tokens[role],
                     "Content-Type": "application/json"})
        return st, json.loads(out) if out else None

    def requests_in(self, pairs):
        """One copy of the template request per (tag, state), held by
        the crew: {tag: id}. A test fixture, so written directly."""
        values = ",".join("('%s', '%s')" % p for p in pairs)
        rows = self.sql(
            "WITH p(tag, state) AS (VALUES %s),"
            " q AS (SELECT tag, state, nextval('requests_id_seq') AS id"
            "  FROM p),"
            " n AS (INSERT INTO requests SELECT (jsonb_populate_record("
            "  NULL::requests, to_jsonb(r) || jsonb_build_object("
            "  'id', q.id, 'state', q.state, 'crew_id', %d,"
            "  'version', 1))).* FROM requests r, q"
            "  WHERE r.id = %d RETURNING id)"
            " SELECT string_agg(q.tag || '=' || q.id, ' ') FROM q"
            " WHERE q.id IN (SELECT id FROM n)"
            % (values, self.crew_id, self.template))
        ids = dict(x.split("=") for x in rows.split())
        self.assertEqual(len(ids), len(pairs))
        return {t: int(i) for t, i in ids.items()}

    def states_of(self, ids):
        """{id: state} in one query (psql per request would be slow)."""
        rows = self.sql("SELECT string_agg(id || '=' || state, ' ') FROM"
                        " requests WHERE id IN (%s)"
                        % ",".join(str(i) for i in ids))
        return {int(a): b for a, b in (x.split("=") for x in rows.split())}

    def body_for(self, action):
        a = self.table["actions"][action]
        b = {}
        for f in a["needs"]:
            b[f] = {"crew_id": self.crew_id, "parent_id": self.template,
                    "recipient_id": self.recipient, "outcome": self.outcome,
                    "reason": "テスト"}[f]
        return b

    def states(self):
        return [s["name"] for s in self.table["states"]]

    def check(self, v, ok, state_after, state_before, message, how):
        if v["kind"] == "ok":
            self.assertTrue(ok, (how, v, message))
            self.assertEqual(state_after, v["to"], how)
        else:
            self.assertFalse(ok, (how, v))
            self.assertEqual(state_after, state_before, how)
            self.assertIn(v["message"], message or "", how)

    def test_api_every_action_and_state(self):
        """Each action a person may take, as the first role allowed,
        from every state, through POST /api/v1/requests/{id}/{action}."""
        pairs, who = [], {}
        for action, a in sorted(self.table["actions"].items()):
            if not a["roles"]:
                continue  # the server's alone: see the SQL test
            who[action] = "crew" if "crew" in a["roles"] else "dispatcher"
            pairs += [("%s.%s" % (action, s), s) for s in self.states()]
        ids = self.requests_in(pairs)
        replies = {}
        for tag, state in pairs:
            action = tag.split(".")[0]
            replies[tag] = self.api("/api/v1/requests/%d/%s"
                                    % (ids[tag], action), who[action],
                                    self.body_for(action))
        after = self.states_of(ids.values())
        for tag, state in pairs:
            action = tag.split(".")[0]
            v = self.verdict[(action, state, who[action])]
            st, body = replies[tag]
            with self.subTest(action=action, state=state):
                err = (body or {}).get("error") or {}
                if v["kind"] != "ok":
                    self.assertEqual(st, v["status"], body)
                    self.assertEqual(err.get("code"), v["code"], body)
                self.check(v, st == 200, after[ids[tag]], state,
                           err.get("message"), "api")
        self.assertGreater(len(pairs), 100)

    def test_api_roles(self):
        """A crew asking for a staff action gets lifecycle_check's 403."""
        ids = self.requests_in([("assign", "new"), ("cancel", "assigned")])
        for action, rid in ids.items():
            v = self.verdict[(action, "new" if action == "assign"
                              else "assigned", "crew")]
            self.assertEqual(v["kind"], "forbidden")
            st, body = self.api("/api/v1/requests/%d/%s" % (rid, action),
                                "crew", self.body_for(action))
            self.assertEqual(st, 403, body)
            self.assertEqual(body["error"]["message"], v["message"])

    batches = 0

    def sync(self, status=(), results=()):
        M = self.M
        Lifecycle.batches += 1
        req = M["SyncRequest"](batch_id="lc-%d" % Lifecycle.batches,
                               cursor=0)
        for i, (rid, action) in enumerate(status):
            s = req.status_changes.add(client_id="s%d" % rid,
                                       seq=i + 1, request_id=rid,
                                       action=action)
            if "reason" in self.table["actions"].get(
                    action, {}).get("needs", []):
                s.reason = "テスト"
        for i, rid in enumerate(results):
            req.results.add(client_id="r%d" % rid, seq=1000 + i,
                            request_id=rid, outcome=self.outcome)
        st, _, raw = k.post(self.d, "/agent/v1/sync",
                            req.SerializeToString(), self.device)
        self.assertEqual(st, 200, raw)
        return {a.client_id: a for a in M["SyncResponse"].FromString(
            raw).acks}

    def test_sync_every_action_and_state(self):
        """Every action through the handheld's sync as the crew: a
        StatusChange (done: a JobResult) from every state."""
        Ack = self.M["ItemAck"]
        pairs = [("%s.%s" % (a, s), s) for a in sorted(self.table["actions"])
                 for s in self.states()]
        ids = self.requests_in(pairs)
        status = [(ids[t], t.split(".")[0]) for t, _ in pairs
                  if not t.startswith("done.")]
        results = [ids[t] for t, _ in pairs if t.startswith("done.")]
        acks = {}
        # In a few batches: a batch holds at most 2000 items, and one
        # batch per item would be slow.
        for i in range(0, len(status), 60):
            acks.update(self.sync(status=status[i:i + 60]))
        acks.update(self.sync(results=results))
        after = self.states_of(ids.values())
        for tag, state in pairs:
            action = tag.split(".")[0]
            rid = ids[tag]
            v = self.verdict[(action, state, "crew")]
            if action == "done":
                ack = acks["r%d" % rid]
            else:
                ack = acks["s%d" % rid]
            with self.subTest(action=action, state=state):
                if v["kind"] in ("wrong_state", "ok"):
                    self.check(v, ack.status == Ack.APPLIED, after[rid],
                               state, ack.message, "sync")
                    if v["kind"] == "wrong_state":
                        self.assertEqual(ack.status, Ack.CONFLICT)
                else:
                    # Refused before the database: never applied.
                    self.assertEqual(ack.status, Ack.REJECTED, ack)
                    self.assertIn(v["message"], ack.message)
                    self.assertEqual(after[rid], state)

    def test_sql_system_actions(self):
        """The server's own actions (escalation, hand-over receipt and
        return) through request_transition(), the one writer."""
        system = [a for a, x in self.table["actions"].items()
                  if not x["roles"]]
        self.assertIn("escalate", system)
        pairs = [("%s.%s" % (a, s), s) for a in sorted(system)
                 for s in self.states()]
        ids = self.requests_in(pairs)
        # All at once, in one statement, each request on its own.
        rows = json.loads(self.sql(
            "SELECT jsonb_object_agg(p.id, request_transition(p.id, p.a,"
            " 'test')) FROM (VALUES %s) p(id, a)"
            % ",".join("(%d, '%s')" % (ids[t], t.split(".")[0])
                       for t, _ in pairs)))
        after = self.states_of(ids.values())
        for tag, state in pairs:
            action = tag.split(".")[0]
            rid = ids[tag]
            v = self.verdict[(action, state, "system")]
            out = rows[str(rid)]
            with self.subTest(action=action, state=state):
                self.check(v, out["applied"], after[rid], state,
                           out.get("message"), "sql")
        # Those that clear the crew left nobody holding the request.
        gone = [ids[t] for t, _ in pairs if rows[str(ids[t])]["applied"] and
                self.table["actions"][t.split(".")[0]]["clears_crew"]]
        self.assertTrue(gone)
        self.assertEqual(self.sql(
            "SELECT count(*) FROM requests WHERE crew_id IS NOT NULL AND id"
            " IN (%s)" % ",".join(map(str, gone))), "0")

    def test_table_served_and_installed(self):
        st, body = self.api("/api/v1/lifecycle", "crew")
        self.assertEqual(st, 200, body)
        self.assertEqual(body, self.table)
        # The database holds the same table (patrolctl migrate), and the
        # IMMUTABLE set functions follow it.
        self.assertEqual(json.loads(self.sql("SELECT doc FROM lifecycle")),
                         self.table)
        for name, states in self.table["sets"].items():
            got = self.sql(
                "SELECT string_agg(s, ',' ORDER BY s) FROM unnest(ARRAY[%s])"
                " s WHERE request_state_%s(s)" % (
                    ",".join("'%s'" % x for x in self.states()), name))
            self.assertEqual(got, ",".join(sorted(states)), name)
        r = h.patrolctl(self.url, "migrate", "status")
        self.assertIn("schema is current", r.stdout)


if __name__ == "__main__":
    h.main()
