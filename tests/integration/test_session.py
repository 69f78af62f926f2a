"""The console's log-in sessions: POST/DELETE /api/v1/session, the session
cookie accepted by every route in place of a bearer token, the CSRF token
required for changes made with it, rate-limited log-ins, and the console's
settings, Content-Security-Policy and vendored Leaflet."""
import hashlib
import json
import os
import re
import subprocess
import time
import unittest

import harness as h

PASSWORD = "a long enough password"


def login(d, name, password=PASSWORD, **kw):
    return h.call(d, "POST", "/api/v1/session",
                  {"name": name, "password": password}, **kw)


def session_of(headers):
    """The patrol_session value from a Set-Cookie header."""
    m = re.match(r"patrol_session=([^;]*)", headers["Set-Cookie"])
    return m.group(1)


class Sessions(h.ServerTest):
    @classmethod
    def setUpClass(cls):
        cls.url = h.migrated_database("session")
        for name, role in [("dora", "dispatcher"), ("vic", "viewer"),
                           ("pam", "dispatcher"), ("ada", "admin")]:
            h.user_add(cls.url, name, role, "--display-name", name.title(),
                       password=PASSWORD)
        h.user_add(cls.url, "ned", "viewer")
        cls.admin_token = h.ctl_ok(cls.url, "token", "create", "--user", "ada")
        cls.dora_token = h.ctl_ok(cls.url, "token", "create", "--user", "dora")
        cls.d = h.Patrold(cls.url)

    def cookie_login(self, name="dora"):
        status, headers, body = login(self.d, name)
        self.assertEqual(status, 200, body)
        return {"Cookie": "patrol_session=" + session_of(headers)}, body

    def test_json_log_in_sets_a_strict_http_only_cookie(self):
        status, headers, body = login(self.d, "dora")
        self.assertEqual(status, 200, body)
        cookie = headers["Set-Cookie"]
        value = session_of(headers)
        self.assertRegex(value, r"\A[A-Za-z0-9_-]{43}\Z")
        for attr in ("HttpOnly", "SameSite=Strict", "Path=/"):
            self.assertIn(attr, cookie)
        self.assertNotIn("Secure", cookie)
        self.assertEqual(body["user"]["name"], "dora")
        self.assertEqual(body["user"]["role"], "dispatcher")
        self.assertEqual(body["user"]["display_name"], "Dora")
        self.assertRegex(body["csrf"], r"\A[A-Za-z0-9_-]{43}\Z")
        self.assertTrue(body["expires_at"].endswith("+09:00"))
        # The cookie works on any route; /me hands the CSRF token back to a
        # page that was reloaded.
        status, _, me = h.call(self.d, "GET", "/api/v1/me",
                               headers={"Cookie": "a=b; patrol_session=%s; "
                                        "c=d" % value})
        self.assertEqual(status, 200)
        self.assertEqual((me["name"], me["csrf"]), ("dora", body["csrf"]))
        # Only the hash is stored; the log-in is audited.
        dump = h.psql(self.url, "SELECT s::text FROM sessions s")
        self.assertNotIn(value, dump)
        self.assertRegex(h.psql(self.url, "SELECT id_sha256 FROM sessions "
                                "LIMIT 1"), r"\A[0-9a-f]{64}\Z")
        self.assertNotEqual(h.psql(
            self.url, "SELECT count(*) FROM audit_log WHERE action = "
            "'session.login' AND actor = 'dora'"), "0")
        self.assertNotIn(value, self.d.text())
        self.assertNotIn(body["csrf"], self.d.text())

    def test_form_log_in_is_refused(self):
        # Only JSON: a cross-site form must not log a browser in.
        status, headers, body = login(self.d, "pam", form=True)
        self.assertEqual((status, body["error"]["code"]),
                         (415, "unsupported_media_type"))
        self.assertNotIn("Set-Cookie", headers)

    def test_bad_log_ins_look_alike(self):
        answers = [login(self.d, "vic", "wrong password 1"),
                   login(self.d, "nobody", "wrong password 2"),
                   login(self.d, "ned", "wrong password 3")]
        for status, headers, body in answers:
            self.assertEqual(status, 401)
            self.assertEqual(body["error"]["code"], "invalid_credentials")
            self.assertNotIn("Set-Cookie", headers)
        self.assertEqual(len({b["error"]["message"]
                              for _, _, b in answers}), 1)
        log = self.d.text()
        self.assertIn("event=login_failed", log)
        for secret in ("wrong password", "nobody"):
            self.assertNotIn(secret, log)
        status, _, body = h.call(self.d, "POST", "/api/v1/session",
                                 {"name": "vic", "password": "x",
                                  "remember": True})
        self.assertEqual((status, body["error"]["code"]),
                         (400, "unknown_field"))
        status, _, body = h.call(self.d, "POST", "/api/v1/session", "x",
                                 headers={"Content-Type": "text/plain"})
        self.assertEqual(status, 415)

    def test_changes_with_the_cookie_need_the_csrf_token(self):
        cookie, body = self.cookie_login("dora")
        new = {"category": "road_pothole", "lat": 35.62, "lon": 139.55,
               "answers": {"depth": "shallow"}}
        status, _, err = h.call(self.d, "POST", "/api/v1/requests", new,
                                headers=cookie)
        self.assertEqual((status, err["error"]["code"]), (403, "csrf"))
        wrong = dict(cookie, **{"X-CSRF-Token": "A" * 43})
        self.assertEqual(h.call(self.d, "POST", "/api/v1/requests", new,
                                headers=wrong)[0], 403)
        short = dict(cookie, **{"X-CSRF-Token": body["csrf"][:-1]})
        self.assertEqual(h.call(self.d, "POST", "/api/v1/requests", new,
                                headers=short)[0], 403)
        status, _, crew_err = h.call(self.d, "PATCH", "/api/v1/crews/1",
                                     {"status": "break"}, headers=cookie)
        self.assertEqual(status, 403)
        ok = dict(cookie, **{"X-CSRF-Token": body["csrf"]})
        status, _, req = h.call(self.d, "POST", "/api/v1/requests", new,
                                headers=ok)
        self.assertEqual(status, 201, req)
        self.assertEqual(req["created_by"], "dora")
        # Reading needs no token, the live feed included.
        self.assertEqual(h.call(self.d, "GET", "/api/v1/requests",
                                headers=cookie)[0], 200)
        self.assertEqual(h.call(self.d, "GET", "/api/v1/events",
                                headers=cookie)[0], 200)
        # A bearer token decides alone, and needs no CSRF token.
        status, _, req = h.call(
            self.d, "POST", "/api/v1/requests", new,
            headers=dict(cookie, Authorization="Bearer " + self.dora_token))
        self.assertEqual(status, 201, req)
        self.assertIn("reason=csrf", self.d.text())

    def test_roles_apply_to_sessions(self):
        cookie, body = self.cookie_login("vic")
        self.assertEqual(body["user"]["role"], "viewer")
        self.assertEqual(h.call(self.d, "GET", "/api/v1/callbacks",
                                headers=cookie)[0], 403)
        self.assertEqual(h.call(self.d, "GET", "/api/v1/users",
                                headers=cookie)[0], 403)

    def test_log_out(self):
        cookie, body = self.cookie_login("pam")
        status, _, err = h.call(self.d, "DELETE", "/api/v1/session",
                                headers=cookie)
        self.assertEqual((status, err["error"]["code"]), (403, "csrf"))
        status, headers, _ = h.call(
            self.d, "DELETE", "/api/v1/session",
            headers=dict(cookie, **{"X-CSRF-Token": body["csrf"]}))
        self.assertEqual(status, 204)
        self.assertIn("Max-Age=0", headers["Set-Cookie"])
        self.assertTrue(headers["Set-Cookie"].startswith("patrol_session=;"))
        status, headers, err = h.call(self.d, "GET", "/api/v1/me",
                                      headers=cookie)
        self.assertEqual(status, 401)
        self.assertIn("session has ended", err["error"]["message"])
        # Logging out twice, or without a cookie, is harmless.
        self.assertEqual(h.call(self.d, "DELETE", "/api/v1/session",
                                headers=cookie)[0], 204)
        self.assertEqual(h.call(self.d, "DELETE", "/api/v1/session")[0], 204)
        self.assertNotEqual(h.psql(
            self.url, "SELECT count(*) FROM audit_log WHERE action = "
            "'session.logout' AND actor = 'pam'"), "0")

    def test_expired_session_is_refused(self):
        cookie, _ = self.cookie_login("dora")
        h.psql(self.url, "UPDATE sessions SET expires_at = now() - "
               "interval '1 second'")
        self.assertEqual(h.call(self.d, "GET", "/api/v1/me",
                                headers=cookie)[0], 401)

    def test_disabling_or_a_new_password_ends_sessions(self):
        r = h.patrolctl(self.url, "user", "add", "tim", "--role", "dispatcher",
                        "--password-stdin", stdin=PASSWORD + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        cookie, _ = self.cookie_login("tim")
        self.assertEqual(h.call(self.d, "GET", "/api/v1/me",
                                headers=cookie)[0], 200)
        r = h.patrolctl(self.url, "user", "password", "tim",
                        stdin="another good password\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(h.call(self.d, "GET", "/api/v1/me",
                                headers=cookie)[0], 401)
        status, headers, _ = login(self.d, "tim", "another good password")
        self.assertEqual(status, 200)
        cookie = {"Cookie": "patrol_session=" + session_of(headers)}
        self.assertEqual(h.patrolctl(self.url, "user", "disable",
                                     "tim").returncode, 0)
        self.assertEqual(h.call(self.d, "GET", "/api/v1/me",
                                headers=cookie)[0], 401)
        h.psql(self.url, "UPDATE users SET active = true WHERE name = 'tim'")
        self.assertEqual(h.call(self.d, "GET", "/api/v1/me",
                                headers=cookie)[0], 401)

    def test_malformed_cookies_are_no_session(self):
        for c in ["patrol_session=", "patrol_session=" + "A" * 42,
                  "patrol_session=" + "A" * 44, "patrol_session=" + "A" * 42
                  + "=", "xpatrol_session=" + "A" * 43,
                  "patrol_session =" + "A" * 43]:
            status, headers, body = h.call(self.d, "GET", "/api/v1/me",
                                           headers={"Cookie": c})
            self.assertEqual(status, 401, c)
            self.assertEqual(headers["WWW-Authenticate"],
                             'Bearer realm="patrol"')
        # An unknown but well-formed one: the session has ended.
        status, _, body = h.call(self.d, "GET", "/api/v1/me", headers={
            "Cookie": "patrol_session=" + "A" * 43})
        self.assertEqual(status, 401)
        self.assertIn("session has ended", body["error"]["message"])

    def test_secure_behind_https(self):
        _, headers, _ = login(self.d, "dora",
                              headers={"X-Forwarded-Proto": "https"})
        self.assertIn("; Secure", headers["Set-Cookie"])

    def test_users_list_for_admins(self):
        self.cookie_login("dora")
        status, _, users = h.call(self.d, "GET", "/api/v1/users", headers={
            "Authorization": "Bearer " + self.admin_token})
        self.assertEqual(status, 200)
        by_name = {u["name"]: u for u in users}
        self.assertTrue(by_name["dora"]["has_password"])
        self.assertFalse(by_name["ned"]["has_password"])
        self.assertIsNotNone(by_name["dora"]["last_login"])
        self.assertIsNone(by_name["ned"]["last_login"])
        self.assertNotIn("argon2", json.dumps(users))
        self.assertEqual(h.call(self.d, "GET", "/api/v1/users", headers={
            "Authorization": "Bearer " + self.dora_token})[0], 403)

    def test_console_settings_csp_and_vendor_files(self):
        status, _, cfg = h.call(self.d, "GET", "/api/v1/config")
        self.assertEqual(status, 200)
        self.assertEqual(cfg["tile_url"], "https://cyberjapandata.gsi.go.jp"
                         "/xyz/std/{z}/{x}/{y}.png")
        self.assertEqual(cfg["tile_attribution"], "地理院タイル")
        self.assertEqual(cfg["dup_radius_m"], 250)
        status, headers, _ = self.d.request("/")
        csp = headers["Content-Security-Policy"]
        self.assertIn("default-src 'self'", csp)
        self.assertIn("script-src 'self';", csp)
        self.assertIn("img-src 'self' data: https://cyberjapandata.gsi.go.jp;",
                      csp)
        self.assertNotIn("unsafe", csp)
        self.assertEqual(headers["X-Frame-Options"], "DENY")
        leaflet = os.path.join(h.SOURCE, "node_modules", "leaflet", "dist",
                               "leaflet.js")
        if os.path.exists(leaflet):
            status, headers, body = self.d.request("/vendor/leaflet/leaflet.js")
            self.assertEqual(status, 200)
            self.assertIn("javascript", headers["Content-Type"])
            self.assertEqual(self.d.request(
                "/vendor/leaflet/images/layers.png")[0], 200)
        for p in ["/vendor/leaflet/../package.json", "/vendor/leaflet/",
                  "/vendor/leaflet/%2e%2e/package.json",
                  "/vendor/other/x.js"]:
            self.assertEqual(self.d.request(p)[0], 404, p)


class Tiles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = h.migrated_database("session_tiles")

    def test_no_tiles_and_other_hosts(self):
        for flag, want_src, want_url in [
                ("", "img-src 'self' data:;", ""),
                ("https://{s}.tile.example.org/{z}/{x}/{y}.png",
                 "img-src 'self' data: https://*.tile.example.org;",
                 "https://{s}.tile.example.org/{z}/{x}/{y}.png")]:
            with h.Patrold(self.url, "--tile-url", flag) as d:
                self.assertIn(want_src,
                              d.request("/")[1]["Content-Security-Policy"])
                self.assertEqual(h.call(d, "GET", "/api/v1/config")[2][
                    "tile_url"], want_url)

    def test_bad_tile_urls_are_refused(self):
        for bad in ["javascript:alert(1)", "https://x.org/a;script-src *",
                    "https://x.org/{z} 'unsafe-inline'"]:
            p = subprocess.run([h.PATROLD, "--database-url", self.url,
                                "--port", "0", "--tile-url", bad],
                               capture_output=True, text=True, timeout=30)
            self.assertNotEqual(p.returncode, 0, bad)
            self.assertIn("tile_url", p.stderr)

    def test_secure_cookie_option(self):
        r = h.patrolctl(self.url, "user", "add", "sue", "--role", "viewer",
                        "--password-stdin", stdin=PASSWORD + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        with h.Patrold(self.url, "--cookie-secure", "1") as d:
            status, headers, _ = login(d, "sue")
            self.assertEqual(status, 200)
            self.assertIn("; Secure", headers["Set-Cookie"])


class RateLimit(unittest.TestCase):
    """Growing delays instead of a lock-out (issue 10 finding 4). The
    assertions read the delays patrold reports (Retry-After), not the
    clock: long delays, so a slow machine cannot outrun them."""
    @classmethod
    def setUpClass(cls):
        cls.url = h.migrated_database("session_rate")
        for name in ("rob", "ray", "rex", "roy"):
            h.user_add(cls.url, name, "viewer", password=PASSWORD)

    def setUp(self):
        self.first_audit = h.psql(
            self.url, "SELECT coalesce(max(id), 0) FROM audit_log")
        # The counts are in the database now, shared by every instance
        # and kept across restarts: each test starts from none.
        h.psql(self.url, "DELETE FROM login_failures")

    def audited(self, name):
        return h.psql(self.url, "SELECT count(*) FROM audit_log WHERE "
                      "action = 'session.login_failed' AND actor = '%s' "
                      "AND id > %s" % (name, self.first_audit))

    def test_delays_per_name_and_per_address(self):
        with h.Patrold(self.url, "--login-free-failures", "2",
                       "--login-free-failures-address", "4",
                       "--login-delay-first-s", "300",
                       "--login-delay-max-s", "1200") as d:
            for _ in range(2):
                status, headers, _ = login(d, "rob", "wrong")
                self.assertEqual(status, 401)
                self.assertIsNone(headers["Retry-After"])
            # The third failure sets the first delay, and says so.
            status, headers, _ = login(d, "rob", "wrong")
            self.assertEqual((status, headers["Retry-After"]), (401, "300"))
            # Meanwhile even the right password waits, unchecked.
            status, headers, body = login(d, "rob")
            self.assertEqual(status, 429)
            self.assertEqual(body["error"]["code"], "too_many_attempts")
            self.assertTrue(0 < int(headers["Retry-After"]) <= 300)
            self.assertIn("event=login_limited", d.text())
            # Another name from here is not held up by rob's delay ...
            self.assertEqual(login(d, "ray")[0], 200)
            # ... until this address's own free failures are spent.
            self.assertEqual(login(d, "ray", "wrong")[0], 401)
            status, headers, _ = login(d, "rex", "wrong")
            self.assertEqual((status, headers["Retry-After"]), (401, "300"))
            self.assertEqual(login(d, "roy")[0], 429)
            # Every failure is audited with the name and address, never
            # the password (nor is the name in the log).
            self.assertEqual(self.audited("rob"), "3")
            self.assertEqual(self.audited("rex"), "1")
            detail = json.loads(h.psql(
                self.url, "SELECT detail FROM audit_log WHERE action = "
                "'session.login_failed' AND actor = 'rex' AND id > %s"
                % self.first_audit))
            self.assertEqual(detail, {"address": "127.0.0.1",
                                      "known_user": True, "delay_s": 300})
            dump = h.psql(self.url, "SELECT string_agg(a::text, ' ') "
                          "FROM audit_log a")
            self.assertNotIn("wrong", dump)
            self.assertNotIn("rob", re.sub(r"event=\S+", "", d.text()))

    def test_the_real_user_is_never_locked_out(self):
        # A guesser keeps failing; the delay doubles up to its cap, and
        # the owner gets in once a delay has passed.
        with h.Patrold(self.url, "--login-free-failures", "0",
                       "--login-free-failures-address", "0",
                       "--login-delay-first-s", "1",
                       "--login-delay-max-s", "2") as d:
            delays = []
            for _ in range(4):
                status, headers, _ = login(d, "rob", "guess")
                if status == 429:  # a slow loop is fine, a fast one waits
                    time.sleep(int(headers["Retry-After"]) + 0.2)
                    status, headers, _ = login(d, "rob", "guess")
                self.assertEqual(status, 401)
                delays.append(int(headers["Retry-After"]))
                time.sleep(delays[-1] + 0.2)
            self.assertEqual(delays, [1, 2, 2, 2])
            self.assertEqual(login(d, "rob")[0], 200)

    def test_client_address_behind_a_trusted_proxy(self):
        with h.Patrold(self.url, "--login-free-failures", "10",
                       "--login-free-failures-address", "1",
                       "--login-delay-first-s", "300",
                       "--login-delay-max-s", "1200",
                       "--trusted-proxies", "127.0.0.1") as d:
            office = {"X-Forwarded-For": "198.51.100.7"}
            other = {"X-Forwarded-For": "198.51.100.8"}
            self.assertEqual(login(d, "rex", "wrong", headers=office)[0],
                             401)
            status, headers, _ = login(d, "rex", "wrong", headers=office)
            self.assertEqual((status, headers["Retry-After"]), (401, "300"))
            self.assertEqual(login(d, "rex", headers=office)[0], 429)
            # Everyone else behind the same proxy is not held up.
            self.assertEqual(login(d, "rex", headers=other)[0], 200)
            self.assertEqual(h.psql(
                self.url, "SELECT DISTINCT detail->>'address' FROM audit_log"
                " WHERE action = 'session.login_failed' AND actor = 'rex'"
                " AND detail->>'address' LIKE '198.%'"), "198.51.100.7")
        # Without the setting the header is the client's to forge: ignored.
        with h.Patrold(self.url, "--login-free-failures", "10",
                       "--login-free-failures-address", "1",
                       "--login-delay-first-s", "300") as d:
            for xff in ("203.0.113.1", "203.0.113.2"):
                login(d, "roy", "wrong", headers={"X-Forwarded-For": xff})
            self.assertEqual(login(d, "roy", headers={
                "X-Forwarded-For": "203.0.113.3"})[0], 429)

    def test_failures_are_shared_by_every_instance(self):
        # Two patrold on one database, as behind HAProxy (issue 19): a
        # guesser spreading its tries over both gets no more of them.
        args = ("--login-free-failures", "2",
                "--login-free-failures-address", "100",
                "--login-delay-first-s", "300",
                "--login-delay-max-s", "1200")
        a, b = h.Patrold(self.url, *args), h.Patrold(self.url, *args)
        c = None
        try:
            for _ in range(2):
                status, headers, _ = login(a, "rob", "wrong")
                self.assertEqual((status, headers["Retry-After"]),
                                 (401, None))
            # The third failure, on the other instance, sets the delay.
            status, headers, _ = login(b, "rob", "wrong")
            self.assertEqual((status, headers["Retry-After"]), (401, "300"))
            # Both instances now hold rob back, even with the password.
            for d in (a, b):
                status, headers, body = login(d, "rob")
                self.assertEqual(status, 429, body)
                self.assertEqual(body["error"]["code"], "too_many_attempts")
                self.assertTrue(0 < int(headers["Retry-After"]) <= 300)
            self.assertEqual(self.audited("rob"), "3")
            # A restarted (or newly added) instance knows it too.
            self.assertEqual(a.stop(), 0, a.text())
            c = h.Patrold(self.url, *args)
            self.assertEqual(login(c, "rob")[0], 429)
            self.assertEqual(login(c, "ray")[0], 200)
            # One row per key; the key is a hash, never the name typed.
            self.assertEqual(h.psql(
                self.url, "SELECT failures FROM login_failures WHERE "
                "key_sha256 = '%s'" % hashlib.sha256(b"u:rob").hexdigest()),
                "3")
            self.assertEqual(h.psql(
                self.url, "SELECT failures FROM login_failures WHERE "
                "key_sha256 = '%s'"
                % hashlib.sha256(b"a:127.0.0.1").hexdigest()), "3")
            self.assertEqual(h.psql(self.url, "SELECT count(*) FROM "
                                    "login_failures"), "2")
        finally:
            self.assertEqual(b.stop(), 0, b.text())
            if c is not None:
                self.assertEqual(c.stop(), 0, c.text())

    def test_a_flood_keeps_the_table_small(self):
        def patrold(forget_s):
            return h.Patrold(self.url, "--login-free-failures", "10000",
                             "--login-free-failures-address", "100000",
                             "--login-delay-first-s", "1",
                             "--login-delay-max-s", "1",
                             "--login-forget-s", str(forget_s))
        rows = "SELECT count(*) FROM login_failures"
        d = patrold(900)
        try:
            # Many failures of one name from one address: two rows.
            for _ in range(40):
                self.assertEqual(login(d, "rob", "wrong")[0], 401)
            self.assertEqual(h.psql(self.url, rows), "2")
            self.assertEqual(h.psql(
                self.url, "SELECT max(failures) FROM login_failures"), "40")
            # A new name each time: a row per name ...
            for i in range(20):
                self.assertEqual(login(d, "guess%d" % i, "wrong")[0], 401)
            self.assertEqual(h.psql(self.url, rows), "22")
        finally:
            self.assertEqual(d.stop(), 0, d.text())
        # ... swept once no policy can hold them any more (here after
        # login_forget_s = login_delay_max_s = 1 s), by the next failure.
        d = patrold(1)
        try:
            time.sleep(1.5)
            self.assertEqual(login(d, "last", "wrong")[0], 401)
            deadline = time.time() + 30  # the sweep follows the reply
            while h.psql(self.url, rows) != "2" and time.time() < deadline:
                time.sleep(0.2)
            self.assertEqual(h.psql(self.url, rows), "2")
            # The address was forgotten too: it counts afresh.
            self.assertEqual(h.psql(
                self.url, "SELECT max(failures) FROM login_failures"), "1")
        finally:
            self.assertEqual(d.stop(), 0, d.text())

if __name__ == "__main__":
    h.main()
