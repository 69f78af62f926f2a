"""Three patrold behind HAProxy on one PostgreSQL (issue 19 item 2).

The dispatcher's flows and a handheld's syncs go through the proxy and land
on every instance; a log-in made on one instance works on the others; each
timer runs on one instance (its lease holder), not on each; the live feed
read through the proxy survives the kill -9 of the instance serving it (the
stream reconnects through the proxy to another instance with Last-Event-ID
and gets every event exactly once, compared id by id with the table); and
every create the proxy acknowledged during the kill is in the database.
"""
import functools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import agentkit as k
import harness as h

CALL = (35.6050, 139.5600)  # Tama ward
PASSWORD = "a long enough password"
N = 3


class Proxy:
    """HAProxy in front of the instances; names them s0.. in X-Backend."""

    def __init__(self, ports):
        self.dir = tempfile.mkdtemp(prefix="haproxy-",
                                    dir=os.environ.get("TMPDIR", "/tmp"))
        self.port = h.free_port()
        servers = "\n".join(
            "    server s%d 127.0.0.1:%d check" % (i, p)
            for i, p in enumerate(ports))
        cfg = """
global
    maxconn 512
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout tunnel 60s
    retries 3
    option redispatch
    retry-on conn-failure empty-response
frontend patrol
    bind 127.0.0.1:%d
    default_backend patrold
backend patrold
    balance roundrobin
    option httpchk GET /healthz
    default-server inter 300ms fall 2 rise 2
    http-response set-header X-Backend %%s
%s
""" % (self.port, servers)
        path = os.path.join(self.dir, "haproxy.cfg")
        with open(path, "w") as f:
            f.write(cfg)
        self.log = open(os.path.join(self.dir, "haproxy.log"), "w+")
        self.proc = subprocess.Popen(["haproxy", "-db", "-f", path],
                                     stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        self.log.seek(0)
        raise RuntimeError("haproxy did not start: " + self.log.read())

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


# HAProxy may answer with a page of its own, not JSON: that body is None.
call = functools.partial(h.call, lenient=True)


class Feed(h.EventFeed):
    """/api/v1/events through a port; ids of the request events, in order,
    and plan events; remembers which backend served it."""

    def __init__(self, port, token, last_event_id=None):
        self.ids, self.plans = [], []
        self.ended = threading.Event()
        super().__init__(port, token, last_event_id=last_event_id)
        self.backend = self.resp.getheader("X-Backend")

    def _read(self):
        try:
            for ev in h.sse_messages(self.resp):
                with self.lock:
                    if ev.get("event") == "plan":
                        self.plans.append(json.loads(ev["data"]))
                    elif "data" in ev and "id" in ev:
                        self.ids.append(int(ev["id"]))
        except Exception:
            pass
        self.ended.set()

    def snapshot(self):
        with self.lock:
            return list(self.ids), list(self.plans)


class MultiInstance(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = h.city_database(
            "multi",
            h.office(),
            h.crew("tama-wasp-1", "多摩 蜂班", "wasp", at=(35.6330, 139.5290)),
            h.crew("tama-wasp-2", "多摩 蜂班二", "wasp", at=(35.6100, 139.5400)),
        )
        h.user_add(cls.url, "dora", "dispatcher", password=PASSWORD)
        cls.disp = h.user_token(cls.url, "disp1", "dispatcher")
        cls.crew = h.crew_ids(cls.url, "tama-wasp-1", "tama-wasp-2")
        cls.d = [h.Patrold(cls.url, "--escalation-check-ms", "300",
                           "--timer-lease-ms", "4000",
                           "--agent-track-interval-s", "1")
                 for _ in range(N)]
        try:
            cls.proxy = Proxy([d.port for d in cls.d])
        except BaseException:
            # No tearDownClass after a failed set-up: stop them here (a
            # machine without HAProxy kept three running).
            for d in cls.d:
                d.stop()
            raise
        cls.agents = []
        cls.killed = set()

    @classmethod
    def tearDownClass(cls):
        cls.proxy.close()
        for a in cls.agents:
            a.remove()
        for i, d in enumerate(cls.d):
            if i in cls.killed:
                d.log.close()
                continue
            rc = d.stop()
            assert rc == 0, "patrold exited %d:\n%s" % (rc, d.text())
            assert "event=lease_released" in d.text() or \
                "event=lease_taken" not in d.text(), d.text()

    # -- helpers ---------------------------------------------------------

    def api(self, method, path, body=None, port=None, token=None):
        st, hd, b = call(port or self.proxy.port, method, path, body,
                         {"Authorization": "Bearer " + (token or self.disp)})
        return st, b, hd.get("X-Backend")

    def create(self, port=None):
        return self.api("POST", "/api/v1/requests", {
            "category": "wasp_nest", "lat": CALL[0], "lon": CALL[1],
            "answers": {"nest_height": "eaves", "location": "outdoor"}},
            port=port)

    def q(self, sql):
        return h.psql(self.url, sql)

    def holder_index(self, timer):
        """Which instance holds a timer's lease (by the pid in its name)."""
        holder = self.q("SELECT holder FROM timer_leases WHERE name = '%s'"
                        " AND until > clock_timestamp()" % timer)
        for i, d in enumerate(self.d):
            if holder.split(":")[1:2] == [str(d.proc.pid)]:
                return i
        return None

    def wait(self, pred, timeout=20, what="condition"):
        deadline = time.time() + timeout
        while time.time() < deadline:
            v = pred()
            if v:
                return v
            time.sleep(0.1)
        self.fail("timed out waiting for " + what)

    # -- tests -----------------------------------------------------------

    def test_1_log_in_on_one_instance_works_on_the_others(self):
        st, hd, body = call(self.d[0].port, "POST", "/api/v1/session",
                            {"name": "dora", "password": PASSWORD})
        self.assertEqual(st, 200, body)
        cookie = {"Cookie": re.match(r"(patrol_session=[^;]*)",
                                     hd["Set-Cookie"]).group(1)}
        csrf = body["csrf"]
        for d in self.d[1:]:
            st, _, me = call(d.port, "GET", "/api/v1/me", headers=cookie)
            self.assertEqual((st, me["name"]), (200, "dora"))
        # A change with the cookie and its CSRF token on a third instance.
        st, _, r = call(self.d[2].port, "POST", "/api/v1/requests", {
            "category": "wasp_nest", "lat": CALL[0], "lon": CALL[1],
            "answers": {"nest_height": "eaves", "location": "outdoor"}},
            dict(cookie, **{"X-CSRF-Token": csrf}))
        self.assertEqual(st, 201, r)
        self.assertEqual(self.q("SELECT actor FROM request_events WHERE"
                                " request_id = %d AND kind = 'created'"
                                % r["id"]), "dora")
        # Logged out on one instance: refused by every instance.
        st, _, _ = call(self.d[1].port, "DELETE", "/api/v1/session",
                        headers=dict(cookie, **{"X-CSRF-Token": csrf}))
        self.assertIn(st, (200, 204))
        for d in self.d:
            st, _, _ = call(d.port, "GET", "/api/v1/me", headers=cookie)
            self.assertEqual(st, 401)

    def test_2_dispatch_through_the_proxy_reaches_every_instance(self):
        backends = set()
        ids = []
        for _ in range(6):
            st, r, be = self.create()
            self.assertEqual(st, 201, r)
            backends.add(be)
            ids.append(r["id"])
        self.assertEqual(backends, {"s%d" % i for i in range(N)})
        # Each instance lists what the others created.
        for d in self.d:
            st, queue, _ = self.api("GET", "/api/v1/requests",
                                    port=d.port)
            self.assertEqual(st, 200, queue)
            seen = set(x["id"] for x in (queue["requests"]
                                         if isinstance(queue, dict)
                                         else queue))
            self.assertTrue(set(ids) <= seen, (ids, seen))
        # Two dispatchers on two instances assign at once: one wins.
        rid = ids[0]
        out = h.race(*(lambda p=self.d[i].port, c=self.crew[c]: self.api(
            "POST", "/api/v1/requests/%d/assign" % rid, {"crew_id": c},
            port=p) for i, c in ((0, "tama-wasp-1"), (1, "tama-wasp-2"))))
        self.assertEqual(sorted(x[0] for x in out), [200, 409], out)
        self.assertEqual(self.q("SELECT count(*) FROM request_events WHERE"
                                " request_id = %d AND kind = 'assign'" % rid),
                         "1")

    def test_3_each_timer_runs_on_one_instance(self):
        # Every lease has one live holder, and only it took leases.
        self.wait(lambda: self.q("SELECT count(*) FROM timer_leases WHERE"
                                 " until > clock_timestamp()") == "4",
                  what="four leases held")
        self.assertIsNotNone(self.holder_index("escalate"))
        # Three assignments nobody accepts: each escalates exactly once,
        # and only the lease holder ran the escalation rounds.
        feeds = [Feed(d.port, self.disp) for d in self.d]
        rids = []
        for _ in range(3):
            st, r, _ = self.create()
            self.assertEqual(st, 201, r)
            st, a, _ = self.api("POST", "/api/v1/requests/%d/assign"
                                % r["id"], {"crew_id":
                                            self.crew["tama-wasp-1"]})
            self.assertEqual(st, 200, a)
            rids.append(r["id"])
        rl = ",".join(map(str, rids))
        # (Accept time: 10 minutes; moved back rather than waited for.)
        self.q("UPDATE requests SET state_changed_at = now() - interval"
               " '11 minutes' WHERE id IN (%s)" % rl)
        self.wait(lambda: self.q(
            "SELECT count(DISTINCT request_id) FROM request_events WHERE"
            " kind = 'escalate' AND request_id IN (%s)" % rl) == "3",
            timeout=60, what="three escalations")
        time.sleep(2)  # several more rounds on every instance
        self.assertEqual(self.q(
            "SELECT count(*) FROM request_events WHERE kind = 'escalate'"
            " AND request_id IN (%s)" % rl), "3")
        # Only instances that held the escalation lease ran its rounds:
        # one, unless the lease moved (a holder stalled past the lease
        # time on a starved machine); never all three.
        ran = [i for i, d in enumerate(self.d) if "event=escalated" in
               d.text()]
        held = [i for i, d in enumerate(self.d)
                if "event=lease_taken timer=escalate" in d.text()]
        self.assertTrue(ran and set(ran) <= set(held), (ran, held))
        self.assertLess(len(held), N, held)
        # The plan of the crew is announced once to the viewers of every
        # instance (one planner, its event sent through NOTIFY).
        crew = self.crew["tama-wasp-1"]
        for f in feeds:
            self.wait(lambda f=f: [p for p in f.snapshot()[1]
                                   if p["crew_id"] == crew],
                      what="plan event")
        time.sleep(1)
        counts = [len([p for p in f.snapshot()[1] if p["crew_id"] == crew])
                  for f in feeds]
        plans = [[json.dumps(p["stops"]) for p in f.snapshot()[1]
                  if p["crew_id"] == crew] for f in feeds]
        self.assertEqual(plans[0], plans[1])
        self.assertEqual(plans[1], plans[2])
        self.assertTrue(all(c == counts[0] for c in counts), counts)
        for f in feeds:
            f.close()

    def test_4_kill_one_mid_load_nothing_lost(self):
        # A handheld enrolled and syncing through the proxy.
        agent = k.Agent("multi")
        self.agents.append(agent)
        r = agent.enroll(self.url, "tama-wasp-2",
                         "http://127.0.0.1:%d" % self.proxy.port)
        self.assertIn("OK enrolled", r.stdout)
        st, job, _ = self.create()
        st, a, _ = self.api("POST", "/api/v1/requests/%d/assign" % job["id"],
                            {"crew_id": self.crew["tama-wasp-2"]})
        self.assertEqual(st, 200, a)
        agent.run("sync", check=0)
        agent.run("accept", str(job["id"]), check=0)
        agent.run("sync", check=0)
        self.assertEqual(self.q("SELECT state FROM requests WHERE id = %d"
                                % job["id"]), "accepted")

        # The feed, through the proxy, served by the instance holding the
        # timers' leases: killing it also tests the take-over.
        victim = self.holder_index("escalate")
        self.assertIsNotNone(victim)
        start = int(self.q("SELECT coalesce(max(id), 0) FROM"
                           " request_events"))
        feed = None
        for _ in range(2 * N):
            f = Feed(self.proxy.port, self.disp, last_event_id=start)
            if f.backend == "s%d" % victim:
                feed = f
                break
            f.close()
        self.assertIsNotNone(feed, "no stream landed on the victim")

        # Load: creates through the proxy from three threads.
        acked, failed, stop = [], [], threading.Event()
        lock = threading.Lock()

        def load():
            while not stop.is_set():
                try:
                    st, r, be = self.create()
                except Exception as e:
                    with lock:
                        failed.append(repr(e))
                    continue
                with lock:
                    if st == 201:
                        acked.append((r["id"], time.time()))
                    else:
                        failed.append(st)
        threads = [threading.Thread(target=load) for _ in range(3)]
        for t in threads:
            t.start()
        self.wait(lambda: len(acked) >= 15, timeout=60, what="load")
        self.d[victim].proc.kill()
        self.d[victim].proc.wait()
        killed_at = time.time()
        self.killed.add(victim)
        # The stream ends; it reconnects through the proxy from its last id.
        self.assertTrue(feed.ended.wait(30), "stream not closed by the kill")
        ids1, _ = feed.snapshot()
        feed2 = Feed(self.proxy.port, self.disp,
                     last_event_id=ids1[-1] if ids1 else start)
        self.assertEqual(feed2.status, 200)
        self.assertNotEqual(feed2.backend, "s%d" % victim)
        # The handheld finishes its job through the proxy meanwhile.
        agent.run("done", str(job["id"]), "--outcome", "removed", check=0)
        self.wait(lambda: "OK" in agent.run("sync").stdout, timeout=30,
                  what="sync after the kill")
        self.wait(lambda: len([x for x in acked if x[1] > killed_at + 1])
                  >= 10, timeout=60, what="load after the kill")
        stop.set()
        for t in threads:
            t.join()

        # Every acknowledged create is stored, with its event.
        ids = [x[0] for x in acked]
        stored = set(map(int, self.q(
            "SELECT id FROM requests WHERE id IN (%s)"
            % ",".join(map(str, ids))).split()))
        self.assertEqual(set(ids) - stored, set())
        self.assertEqual(self.q("SELECT state FROM requests WHERE id = %d"
                                % job["id"]), "done")
        # The feed (both streams) has every event since start exactly once,
        # in id order, the same ids as the table.
        last = int(self.q("SELECT max(id) FROM request_events"))
        self.wait(lambda: feed2.snapshot()[0] and
                  feed2.snapshot()[0][-1] >= last, timeout=30,
                  what="feed caught up")
        got = ids1 + feed2.snapshot()[0]
        table = list(map(int, self.q(
            "SELECT id FROM request_events WHERE id > %d AND id <= %d"
            " ORDER BY id" % (start, last)).split()))
        self.assertEqual(got, table)
        self.assertGreater(len(ids1), 0)
        self.assertGreater(len(feed2.snapshot()[0]), 0)
        # The timers moved to a survivor within the lease time: a new
        # unaccepted assignment still escalates, once.
        self.wait(lambda: self.holder_index("escalate") not in (None, victim),
                  what="escalation lease taken over")
        self.assertGreaterEqual(int(self.q(
            "SELECT sum(takeovers) FROM timer_leases")), 1)
        st, r, _ = self.create()
        self.api("POST", "/api/v1/requests/%d/assign" % r["id"],
                 {"crew_id": self.crew["tama-wasp-1"]})
        self.q("UPDATE requests SET state_changed_at = now() - interval"
               " '11 minutes' WHERE id = %d" % r["id"])
        self.wait(lambda: self.q("SELECT count(*) FROM request_events WHERE"
                                 " kind = 'escalate' AND request_id = %d"
                                 % r["id"]) == "1", timeout=30,
                  what="escalation after the kill")
        feed2.close()
        print("load: %d acknowledged, %d refused or failed (%s)"
              % (len(acked), len(failed), failed[:5]))


if __name__ == "__main__":
    h.main()
