"""Calls made at the same moment share a transaction (server/db_group.c,
issue 19): creations that wait together for a database connection run in
one transaction with one commit and one WAL flush. Each caller still gets
its own request, reply and event; a call the database refuses costs the
others nothing: the group runs again one by one, and only that call fails.

patrold runs with one pool connection; a psql session holds the category's
row locked so that the first creation waits inside PostgreSQL while the
others queue in patrold behind it."""
import json
import re
import threading
import time

import harness as h

CALL = (35.6050, 139.5600)  # Tama ward


class CreateGroups(h.ServerTest):
    @classmethod
    def setUpClass(cls):
        cls.url = h.city_database("create_groups")
        cls.token = h.user_token(cls.url, "disp1", "dispatcher")
        # A refusal from inside the statement, for the test only: what a
        # CHECK or a value out of range does to a real call.
        h.psql(cls.url, """
            CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql
            AS $$ BEGIN
                IF NEW.description = 'refuse me' THEN
                    RAISE EXCEPTION 'refused for the test'
                        USING ERRCODE = '22023';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER test_refuse BEFORE INSERT ON requests
                FOR EACH ROW EXECUTE FUNCTION test_refuse()""")
        # The calls may wait behind the lock longer than the default 2 s.
        cls.d = h.Patrold(cls.url, "--db-pool-size", "1",
                          "--db-queue-timeout-ms", "20000")

    def create(self, description, out):
        st, r = self.d.json("/api/v1/requests", method="POST",
                            body=json.dumps({
                                "category": "road_pothole",
                                "lat": CALL[0], "lon": CALL[1],
                                "description": description,
                                "caller": {"name": "試験", "phone": "000"},
                                "answers": {"depth": "shallow"}
                            }).encode(),
                            headers={"Authorization": "Bearer " + self.token,
                                     "Content-Type": "application/json"},
                            timeout=30)
        out.append((description, st, r))

    def metric(self, name):
        st, _, body = self.d.request("/metrics")
        self.assertEqual(st, 200)
        m = re.search(r"^%s (\d+)$" % name, body.decode(), re.M)
        self.assertIsNotNone(m, name)
        return int(m.group(1))

    def until(self, what, check):
        deadline = time.time() + 20
        while not check():
            self.assertLess(time.time(), deadline, what)
            time.sleep(0.05)

    def held(self, descriptions, first=None):
        """Creates one request per description at once while the
        category's row is locked: `first` (when given) is sent before the
        others and waits inside PostgreSQL; the rest queue behind it. The
        lock goes once they all wait in patrold's queue."""
        out, threads = [], []

        def start(description):
            threads.append(threading.Thread(target=self.create,
                                            args=(description, out)))
            threads[-1].start()
        with h.psql_held(self.url, "BEGIN; SELECT 1 FROM categories"
                         " WHERE code = 'road_pothole' FOR UPDATE"):
            if first is not None:
                start(first)
                self.until("the first call is not waiting for the lock",
                           lambda: h.psql(
                               self.url, "SELECT count(*) FROM"
                               " pg_stat_activity WHERE wait_event_type ="
                               " 'Lock' AND application_name = 'patrold'")
                           == "1")
            for d in descriptions:
                start(d)
            # Time for the calls to reach patrold's queue (its /metrics
            # would queue behind them: the pool's one connection waits).
            time.sleep(1.5)
        for t in threads:
            t.join()
        return out

    def stored(self, like):
        return h.psql(self.url,
                      "SELECT count(*) || '/' || count(DISTINCT r.description)"
                      " || '/' || count(c.id) || '/' || count(DISTINCT r.xmin::text)"
                      " FROM requests r LEFT JOIN callers c ON"
                      " c.request_id = r.id WHERE r.description LIKE '%s'"
                      % like).split("/")

    def test_1_waiting_calls_share_one_commit(self):
        groups = self.metric("patrol_db_groups_total")
        names = ["group %d" % i for i in range(12)]
        out = self.held(names)
        self.assertEqual(len(out), 12)
        ids = set()
        for description, st, r in out:
            self.assertEqual(st, 201, r)
            # Each caller's own request, not a neighbour's.
            self.assertEqual(r["description"], description)
            ids.add(r["id"])
        self.assertEqual(len(ids), 12)
        n, distinct, callers, xids = map(int, self.stored("group %"))
        self.assertEqual((n, distinct, callers), (12, 12, 12))
        # Fewer transactions than calls: they shared commits.
        self.assertLess(xids, 12)
        self.assertGreater(self.metric("patrol_db_groups_total"), groups)
        # One created event per request, as without groups.
        self.assertEqual(h.psql(
            self.url, "SELECT count(*) FROM request_events WHERE kind ="
            " 'created' AND request_id IN (%s)"
            % ",".join(map(str, ids))), "12")

    def test_2_a_refused_call_costs_the_others_nothing(self):
        rerun = self.metric("patrol_db_regrouped_total")
        names = ["refuse me"] + ["alone %d" % i for i in range(6)]
        out = self.held(names, first="alone first")
        by = {d: (st, r) for d, st, r in out}
        st, r = by["refuse me"]
        self.assertEqual(st, 422, r)
        self.assertEqual(r["error"]["code"], "invalid_value")
        self.assertIn("refused for the test", r["error"]["message"])
        for d in names[1:] + ["alone first"]:
            st, r = by[d]
            self.assertEqual(st, 201, r)
            self.assertEqual(r["description"], d)
        n, distinct, callers, _ = map(int, self.stored("alone %"))
        self.assertEqual((n, distinct, callers), (7, 7, 7))
        self.assertEqual(h.psql(self.url, "SELECT count(*) FROM requests"
                                " WHERE description = 'refuse me'"), "0")
        # The refused one's group ran again, each alone.
        self.assertGreaterEqual(
            self.metric("patrol_db_regrouped_total") - rerun, 2)
        self.assertIn("event=db_group_failed", self.d.text())


if __name__ == "__main__":
    h.main()
