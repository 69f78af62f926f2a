"""Users, roles and API bearer tokens: patrolctl user/token commands and
patrold's authentication of GET /api/v1/me."""
import socket
import time
import unittest

import harness as h


def bearer(token):
    return {"Authorization": "Bearer " + token}


def raw_get(port, path, header_lines):
    """A GET with header bytes sent as given (urllib refuses odd ones);
    returns the status code."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n"
              + header_lines + b"Connection: close\r\n\r\n")
    s.settimeout(10)
    reply = h.recv_all(s)
    s.close()
    return int(reply.split(b" ", 2)[1])


class Auth(h.ServerTest):
    @classmethod
    def setUpClass(cls):
        cls.url = h.migrated_database("auth")
        h.user_add(cls.url, "dora", "dispatcher", "--display-name",
                   "Dora Dispatcher", password="a long enough password")
        h.user_add(cls.url, "vic", "viewer")
        cls.d = h.Patrold(cls.url)

    def token(self, user, *extra):
        r = h.patrolctl(self.url, "token", "create", "--user", user, *extra)
        self.assertEqual(r.returncode, 0, r.stderr)
        # stdout is the token and nothing else, for $(...) in scripts.
        self.assertRegex(r.stdout, r"\Apt_[A-Za-z0-9_-]{43}\n\Z")
        return r.stdout.strip()

    def assert_401(self, headers=None):
        status, hdrs, body = self.d.request("/api/v1/me",
                                            headers=headers or {})
        self.assertEqual(status, 401, body)
        self.assertTrue(hdrs["WWW-Authenticate"].startswith("Bearer"))
        self.assertIn(b'"code":"unauthorized"', body)

    def test_token_identifies_its_user(self):
        t = self.token("dora", "--label", "ci")
        status, body = self.d.json("/api/v1/me", headers=bearer(t))
        self.assertEqual(status, 200)
        self.assertEqual(body["name"], "dora")
        self.assertEqual(body["role"], "dispatcher")
        self.assertEqual(body["display_name"], "Dora Dispatcher")
        self.assertIsInstance(body["id"], int)
        status, body = self.d.json("/api/v1/me", headers=bearer(self.token(
            "vic")))
        self.assertEqual((status, body["role"]), (200, "viewer"))
        # The scheme is case-insensitive.
        status, _, _ = self.d.request("/api/v1/me",
                                      headers={"Authorization": "bearer " + t})
        self.assertEqual(status, 200)
        self.assertNotEqual(h.psql(self.url, "SELECT last_used_at FROM "
                                   "api_tokens WHERE label = 'ci'"), "")

    def test_missing_or_malformed_header(self):
        t = self.token("dora")
        self.assert_401()
        self.assert_401({"Authorization": "Bearer"})
        self.assert_401({"Authorization": "Bearer "})
        self.assert_401({"Authorization": "Basic ZG9yYTpwYXNzd29yZA=="})
        self.assert_401({"Authorization": "Basic " + t})
        self.assert_401({"Authorization": "Bearer " + t + "x"})
        self.assert_401({"Authorization": "Bearer " + t[:-1]})
        self.assert_401({"Authorization": "Bearer " + t[:-1] + "="})
        self.assert_401({"Authorization": "Bearer " + "a" * 5000})
        self.assert_401({"Authorization": "Bearer " + t + "a" * 5000})
        # A newline inside the token: as a folded header evhttp joins the
        # lines and auth refuses the result; a bare LF never gets that far.
        half = len(t) // 2
        folded = ("Authorization: Bearer %s\r\n %s\r\n"
                  % (t[:half], t[half:])).encode()
        self.assertEqual(raw_get(self.d.port, "/api/v1/me", folded), 401)
        bare = ("Authorization: Bearer %s\n%s\r\n"
                % (t[:half], t[half:])).encode()
        self.assertIn(raw_get(self.d.port, "/api/v1/me", bare), (400, 401))
        # The real token still works afterwards.
        self.assertEqual(self.d.request("/api/v1/me", headers=bearer(t))[0],
                         200)
        self.assertNotIn(t, self.d.text())

    def test_unknown_token(self):
        t = self.token("dora")
        other = t[:3] + ("A" if t[3] != "A" else "B") + t[4:]
        self.assert_401(bearer(other))
        self.assert_401(bearer("pt_" + "A" * 43))

    def test_revoked_token(self):
        r = h.patrolctl(self.url, "user", "add", "rita", "--role", "supervisor")
        self.assertEqual(r.returncode, 0, r.stderr)
        t1, t2 = self.token("rita"), self.token("rita")
        self.assertEqual(self.d.request("/api/v1/me", headers=bearer(t1))[0],
                         200)
        r = h.patrolctl(self.url, "token", "revoke", "--user", "rita")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("revoked 2 token(s)", r.stdout)
        self.assert_401(bearer(t1))
        self.assert_401(bearer(t2))
        # A new one works again.
        t3 = self.token("rita")
        self.assertEqual(self.d.request("/api/v1/me", headers=bearer(t3))[0],
                         200)

    def test_disabled_user(self):
        r = h.patrolctl(self.url, "user", "add", "dan", "--role", "crew")
        self.assertEqual(r.returncode, 0, r.stderr)
        t = self.token("dan")
        self.assertEqual(self.d.request("/api/v1/me", headers=bearer(t))[0],
                         200)
        r = h.patrolctl(self.url, "user", "disable", "dan")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_401(bearer(t))
        r = h.patrolctl(self.url, "token", "create", "--user", "dan")
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(r.stdout, "")
        self.assertIn("disabled", r.stderr)
        # Enabling the user by hand does not bring the old token back.
        h.psql(self.url, "UPDATE users SET active = true WHERE name = 'dan'")
        self.assert_401(bearer(t))

    def test_only_hashes_are_stored(self):
        t = self.token("dora", "--label", "hash-check")
        dump = h.psql(self.url, "SELECT t::text FROM api_tokens t")
        self.assertNotIn(t, dump)
        self.assertNotIn(t[3:], dump)
        stored = h.psql(self.url, "SELECT token_sha256 FROM api_tokens "
                        "WHERE label = 'hash-check'")
        self.assertRegex(stored, r"\A[0-9a-f]{64}\Z")

    def test_passwords_are_argon2id_and_never_listed(self):
        self.assertTrue(h.psql(
            self.url, "SELECT password_hash FROM users WHERE name = 'dora'")
            .startswith("$argon2id$"))
        self.assertEqual(h.psql(
            self.url, "SELECT password_hash IS NULL FROM users "
            "WHERE name = 'vic'"), "t")
        r = h.patrolctl(self.url, "user", "list")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("$argon2", r.stdout)
        self.assertRegex(r.stdout, r"(?m)^dora\s+dispatcher\s+yes\s+yes\s+-$")
        self.assertRegex(r.stdout, r"(?m)^vic\s+viewer\s+yes\s+no\s+-$")
        # Changing it keeps argon2id and changes the hash.
        before = h.psql(self.url, "SELECT password_hash FROM users "
                        "WHERE name = 'vic'")
        r = h.patrolctl(self.url, "user", "password", "vic",
                        stdin="another good password\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        after = h.psql(self.url, "SELECT password_hash FROM users "
                       "WHERE name = 'vic'")
        self.assertTrue(after.startswith("$argon2id$"))
        self.assertNotEqual(before, after)

    def test_command_errors_name_the_problem(self):
        r = h.patrolctl(self.url, "user", "add", "pat", "--role", "root")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown role 'root'", r.stderr)
        for role in ["admin", "supervisor", "dispatcher", "viewer", "crew"]:
            self.assertIn(role, r.stderr)
        r = h.patrolctl(self.url, "user", "add", "dora", "--role", "viewer")
        self.assertEqual(r.returncode, 1)
        self.assertIn("already exists", r.stderr)
        r = h.patrolctl(self.url, "user", "add", "Bad Name", "--role", "viewer")
        self.assertEqual(r.returncode, 2)
        self.assertIn("bad user name", r.stderr)
        r = h.patrolctl(self.url, "user", "add", "shorty", "--role", "viewer",
                        "--password-stdin", stdin="123456789\n")
        self.assertEqual(r.returncode, 1)
        self.assertIn("under 10 characters", r.stderr)
        self.assertEqual(h.psql(self.url, "SELECT count(*) FROM users "
                                "WHERE name = 'shorty'"), "0")
        for args in (["token", "create", "--user", "nobody"],
                     ["token", "revoke", "--user", "nobody"],
                     ["user", "disable", "nobody"]):
            r = h.patrolctl(self.url, *args)
            self.assertEqual(r.returncode, 1, args)
            self.assertIn("no user named 'nobody'", r.stderr)
            self.assertEqual(r.stdout, "")
        r = h.patrolctl(self.url, "token", "create")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--user is missing", r.stderr)


class AuthDatabaseTrouble(unittest.TestCase):
    """A token check that cannot reach the database answers 503; one that
    outlives the request's deadline is dropped quietly."""

    @classmethod
    def setUpClass(cls):
        cls.url = h.migrated_database("auth_db")
        cls.t = h.user_token(cls.url, "sam", "viewer")

    def frozen(self, d, seconds_before_thaw, path):
        # Only this database's backends (the cluster is shared).
        with h.frozen_backends(self.url):
            t0 = time.monotonic()
            status, body = d.json(path, headers=bearer(self.t))
            took = time.monotonic() - t0
            time.sleep(seconds_before_thaw)
        return status, body, took

    @h.needs_own_cluster
    def test_database_down_is_503(self):
        with h.Patrold(self.url, "--db-pool-size", "1",
                       "--db-statement-timeout-ms", "300") as d:
            status, body, took = self.frozen(d, 0, "/api/v1/me")
            self.assertEqual(status, 503)
            self.assertEqual(body["error"]["code"], "unavailable")
            self.assertLess(took, 4.5)

    @h.needs_own_cluster
    def test_late_answer_after_deadline(self):
        # The route's deadline (5 s) fires before the statement timeout.
        with h.Patrold(self.url, "--db-pool-size", "1",
                       "--db-statement-timeout-ms", "20000") as d:
            status, body, _ = self.frozen(d, 0.5, "/api/v1/me")
            self.assertEqual(status, 504)
            deadline = time.monotonic() + 10
            while d.request("/api/v1/me",
                            headers=bearer(self.t))[0] != 200:
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.2)
            self.assertIn("event=http_deadline route=me", d.text())
            self.assertNotIn("event=http_no_reply", d.text())


if __name__ == "__main__":
    h.main()
