"""Each patrold keeps what token and session look-ups found (issue 19,
server/auth_cache.c); two patrold on one database show that every change
that can alter a verdict is refused or seen on the very next call through
either instance: a revoked token, a disabled user, a changed role or crew,
a logged-out session. The CSRF and role checks still apply to a kept
verdict. A change made without its NOTIFY (the trigger disabled) is not
seen while kept, which proves the instances do keep verdicts; a reconnect
of an instance's listening connection forgets them all (that instance
only), and the time-to-live and a session's expiry end them too."""
import re
import time
import unittest

import harness as h

PASSWORD = "a long enough password"
CALL = (35.6050, 139.5600)  # Tama ward


def bearer(token):
    return {"Authorization": "Bearer " + token}


def named(url, application):
    """url with its own application_name, to find its backends."""
    if "://" in url:
        return url + ("&" if "?" in url else "?") + \
            "application_name=" + application
    return url + " application_name=" + application


class AuthCache(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = h.city_database(
            "auth_cache", h.office(),
            h.crew("tama-wasp-1", "多摩 蜂班", "wasp"),
            h.crew("tama-wasp-2", "多摩 蜂班二", "wasp"))
        cls.crews = h.crew_ids(cls.url, "tama-wasp-1", "tama-wasp-2")
        cls.d = [h.Patrold(named(cls.url, "authcache%d" % i))
                 for i in range(2)]
        # The safety net: a verdict kept one second at most.
        cls.short = h.Patrold(named(cls.url, "authcacheshort"),
                              "--auth-cache-ttl-s", "1")
        cls.ports = [d.port for d in cls.d]

    @classmethod
    def tearDownClass(cls):
        for d in cls.d + [cls.short]:
            d.stop_clean()
        # Kept verdicts were used (the log of a clean stop counts them).
        hits = [int(m) for d in cls.d for m in
                re.findall(r"event=auth_cache_stopped entries=\d+ hits=(\d+)",
                           d.text())]
        assert len(hits) == 2 and min(hits) > 0, hits

    # -- helpers ---------------------------------------------------------

    def user(self, name, role, crew=None):
        """A user with a password and a token: the token."""
        args = ["user", "add", name, "--role", role, "--password-stdin"]
        if crew:
            args += ["--crew", crew]
        r = h.patrolctl(self.url, *args, stdin=PASSWORD + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        return self.token(name)

    def token(self, name):
        r = h.patrolctl(self.url, "token", "create", "--user", name)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    def login(self, port, name):
        """(cookie header, csrf token) of a new session."""
        st, hd, body = h.call(port, "POST", "/api/v1/session",
                              {"name": name, "password": PASSWORD})
        self.assertEqual(st, 200, body)
        cookie = re.match(r"(patrol_session=[^;]*)", hd["Set-Cookie"])
        return {"Cookie": cookie.group(1)}, body["csrf"]

    def me(self, port, headers):
        st, _, body = h.call(port, "GET", "/api/v1/me", headers=headers)
        return st, body

    def warm(self, headers, ports=None):
        """Each instance looks the caller up and keeps the verdict."""
        for port in ports or self.ports:
            for _ in range(2):
                self.assertEqual(self.me(port, headers)[0], 200)

    def create(self, port, headers):
        return h.call(port, "POST", "/api/v1/requests", {
            "category": "wasp_nest", "lat": CALL[0], "lon": CALL[1],
            "answers": {"nest_height": "eaves", "location": "outdoor"}},
            headers)

    def unannounced(self, sql):
        """sql run with schema/0340's triggers off: no NOTIFY."""
        h.psql(self.url, "BEGIN; ALTER TABLE api_tokens DISABLE TRIGGER"
               " USER; %s; ALTER TABLE api_tokens ENABLE TRIGGER USER;"
               " COMMIT" % sql)

    def listener_pid(self, application):
        """Its last statement was LISTEN or the empty barrier."""
        return h.psql(self.url,
                      "SELECT pid FROM pg_stat_activity WHERE"
                      " application_name = '%s' AND (query LIKE 'LISTEN %%'"
                      " OR query = '')" % application)

    # -- tests -----------------------------------------------------------

    def test_revoked_token_is_refused_at_once_by_every_instance(self):
        self.user("rita", "dispatcher")
        for round in range(4):
            t = self.token("rita")
            self.warm(bearer(t))
            r = h.patrolctl(self.url, "token", "revoke", "--user", "rita")
            self.assertEqual(r.returncode, 0, r.stderr)
            # The next call, first on one instance then the other.
            order = self.ports if round % 2 == 0 else self.ports[::-1]
            for port in order:
                st, body = self.me(port, bearer(t))
                self.assertEqual(st, 401, (round, port, body))
                self.assertEqual(body["error"]["code"], "unauthorized")

    def test_disabled_user_is_refused_at_once_token_and_session(self):
        t = self.user("dave", "dispatcher")
        cookie, _ = self.login(self.ports[0], "dave")
        self.warm(bearer(t))
        self.warm(cookie)
        r = h.patrolctl(self.url, "user", "disable", "dave")
        self.assertEqual(r.returncode, 0, r.stderr)
        for port in self.ports[::-1]:
            self.assertEqual(self.me(port, bearer(t))[0], 401)
            self.assertEqual(self.me(port, cookie)[0], 401)

    def test_role_change_reaches_every_instance(self):
        t = self.user("rob", "dispatcher")
        self.warm(bearer(t))
        st, _, body = self.create(self.ports[1], bearer(t))
        self.assertEqual(st, 201, body)
        h.psql(self.url, "UPDATE users SET role = 'viewer' WHERE name = 'rob'")
        for port in self.ports:
            st, _, body = self.create(port, bearer(t))
            self.assertEqual(st, 403, body)
            self.assertEqual(body["error"]["code"], "forbidden")
            self.assertEqual(self.me(port, bearer(t))[1]["role"], "viewer")

    def test_crew_binding_change_reaches_every_instance(self):
        t = self.user("cora", "crew", crew="tama-wasp-1")
        self.warm(bearer(t))
        for port in self.ports:
            self.assertEqual(self.me(port, bearer(t))[1]["crew"]["id"],
                             self.crews["tama-wasp-1"])
        r = h.patrolctl(self.url, "user", "crew", "cora", "--crew",
                        "tama-wasp-2")
        self.assertEqual(r.returncode, 0, r.stderr)
        for port in self.ports[::-1]:
            crew = self.me(port, bearer(t))[1]["crew"]
            self.assertEqual((crew["id"], crew["code"]),
                             (self.crews["tama-wasp-2"], "tama-wasp-2"))

    def test_logout_on_one_instance_is_refused_by_the_other(self):
        self.user("lou", "dispatcher")
        for round in range(3):
            a, b = self.ports if round % 2 == 0 else self.ports[::-1]
            cookie, csrf = self.login(a, "lou")
            self.warm(cookie)
            st, _, _ = h.call(a, "DELETE", "/api/v1/session",
                              headers=dict(cookie, **{"X-CSRF-Token": csrf}))
            self.assertIn(st, (200, 204))
            # At once, from the same client: no pause for the NOTIFY.
            st, body = self.me(b, cookie)
            self.assertEqual(st, 401, (round, body))

    def test_csrf_and_roles_apply_to_kept_verdicts(self):
        self.user("cy", "dispatcher")
        cookie, csrf = self.login(self.ports[0], "cy")
        self.warm(cookie)
        for port in self.ports:
            st, _, body = self.create(port, cookie)
            self.assertEqual((st, body["error"]["code"]), (403, "csrf"))
            st, _, body = self.create(
                port, dict(cookie, **{"X-CSRF-Token": "x" * 43}))
            self.assertEqual((st, body["error"]["code"]), (403, "csrf"))
            st, _, body = self.create(
                port, dict(cookie, **{"X-CSRF-Token": csrf}))
            self.assertEqual(st, 201, body)
        v = self.user("val", "viewer")
        self.warm(bearer(v))
        for port in self.ports:
            st, _, body = self.create(port, bearer(v))
            self.assertEqual((st, body["error"]["code"]), (403, "forbidden"))

    def test_listener_reconnect_forgets_what_was_kept(self):
        self.user("kim", "dispatcher")
        t = self.token("kim")
        self.warm(bearer(t))
        self.unannounced("UPDATE api_tokens SET revoked_at = now()"
                         " WHERE user_id = (SELECT id FROM users"
                         " WHERE name = 'kim')")
        # Unannounced, so still kept: each instance does keep verdicts.
        for port in self.ports:
            self.assertEqual(self.me(port, bearer(t))[0], 200)
        # The first instance's listener is cut; it reconnects.
        before = self.d[0].text().count("event=auth_cache_dropped")
        pid = self.listener_pid("authcache0")
        self.assertTrue(pid, "no listening connection found")
        h.psql(self.url, "SELECT pg_terminate_backend(%s)" % pid)
        deadline = time.time() + 20
        while self.d[0].text().count("event=auth_cache_dropped") == before:
            self.assertLess(time.time(), deadline, self.d[0].text()[-2000:])
            time.sleep(0.05)
        self.assertEqual(self.me(self.ports[0], bearer(t))[0], 401)
        # The other instance's listener never stopped: it still keeps it.
        self.assertEqual(self.me(self.ports[1], bearer(t))[0], 200)
        # Announced by anyone: forgotten there too.
        h.psql(self.url, "UPDATE api_tokens SET revoked_at = now()"
               " WHERE user_id = (SELECT id FROM users WHERE name = 'kim')")
        self.assertEqual(self.me(self.ports[1], bearer(t))[0], 401)

    def test_time_to_live_ends_an_unannounced_verdict(self):
        self.user("tia", "dispatcher")
        t = self.token("tia")
        self.warm(bearer(t), [self.short.port])
        self.unannounced("UPDATE api_tokens SET revoked_at = now()"
                         " WHERE user_id = (SELECT id FROM users"
                         " WHERE name = 'tia')")
        # (Kept until then: test_listener_reconnect... shows keeping.)
        time.sleep(1.3)
        self.assertEqual(self.me(self.short.port, bearer(t))[0], 401)

    def test_session_is_never_kept_past_its_expiry(self):
        self.user("eve", "dispatcher")
        cookie, _ = self.login(self.ports[0], "eve")
        h.psql(self.url, "UPDATE sessions SET expires_at = now()"
               " + interval '2 seconds' WHERE user_id = (SELECT id FROM"
               " users WHERE name = 'eve')")
        self.warm(cookie)
        time.sleep(2.3)
        for port in self.ports:
            st, body = self.me(port, cookie)
            self.assertEqual(st, 401, body)

    def test_last_seen_is_noted_when_looked_up_again(self):
        t = self.user("lia", "dispatcher")
        cookie, _ = self.login(self.short.port, "lia")
        self.warm(bearer(t))
        self.warm(cookie, [self.short.port])
        self.assertNotEqual(h.psql(
            self.url, "SELECT last_used_at FROM api_tokens t JOIN users u"
            " ON u.id = t.user_id WHERE u.name = 'lia'"), "")
        # A touch is no change a look-up reads: nothing is forgotten.
        h.psql(self.url, "UPDATE sessions SET last_seen = now() - interval"
               " '5 minutes' WHERE user_id = (SELECT id FROM users WHERE"
               " name = 'lia')")
        self.unannounced("UPDATE api_tokens SET revoked_at = now()"
                         " WHERE user_id = (SELECT id FROM users"
                         " WHERE name = 'lia')")
        self.assertEqual(self.me(self.ports[0], bearer(t))[0], 200)
        # Kept past its time to live, the session is looked up again,
        # and that notes its use as before (to the minute).
        time.sleep(1.3)
        self.assertEqual(self.me(self.short.port, cookie)[0], 200)
        self.assertEqual(h.psql(
            self.url, "SELECT bool_and(last_seen > now() - interval"
            " '1 minute') FROM sessions WHERE user_id = (SELECT id FROM"
            " users WHERE name = 'lia')"), "t")


if __name__ == "__main__":
    h.main()
