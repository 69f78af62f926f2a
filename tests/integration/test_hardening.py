"""Issue 10 finding 11, the small ones: the log-in takes only JSON (a
cross-site HTML form cannot log a victim in), "application/jsonx" is not
JSON, a malformed escape in a path segment is 400, and /metrics can be kept
to an address list and/or a bearer token, with the client's address taken
from X-Forwarded-For only when the peer is a trusted proxy."""
import http.client
import json
import subprocess
import unittest

import harness as h

PASSWORD = "a long enough password"


def call(d, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        raw = r.read()
        ctype = r.getheader("Content-Type") or ""
        return (r.status, r.headers,
                json.loads(raw) if ctype.startswith("application/json")
                else raw)
    finally:
        conn.close()


class Hardening(h.ServerTest):
    @classmethod
    def setUpClass(cls):
        cls.url = h.migrated_database("hardening")
        h.user_add(cls.url, "fay", "dispatcher", password=PASSWORD)
        cls.token = h.user_token(cls.url, "gus", "dispatcher")
        cls.d = h.Patrold(cls.url)

    def test_log_in_takes_only_json(self):
        # What a cross-site <form> can send without a CORS preflight.
        forms = [
            ("application/x-www-form-urlencoded",
             "name=fay&password=" + PASSWORD.replace(" ", "+")),
            ("multipart/form-data; boundary=XX",
             '--XX\r\nContent-Disposition: form-data; name="name"\r\n\r\n'
             'fay\r\n--XX--\r\n'),
            ("text/plain", json.dumps({"name": "fay",
                                       "password": PASSWORD})),
        ]
        for ctype, body in forms:
            status, headers, err = call(
                self.d, "POST", "/api/v1/session", body.encode(),
                {"Content-Type": ctype})
            self.assertEqual((status, err["error"]["code"]),
                             (415, "unsupported_media_type"), ctype)
            self.assertNotIn("Set-Cookie", headers)
        status, headers, _ = call(
            self.d, "POST", "/api/v1/session",
            json.dumps({"name": "fay", "password": PASSWORD}).encode(),
            {"Content-Type": "application/json; charset=utf-8"})
        self.assertEqual(status, 200)
        self.assertIn("patrol_session=", headers["Set-Cookie"])

    def test_jsonx_is_not_json(self):
        auth = {"Authorization": "Bearer " + self.token}
        body = json.dumps({"category": "road_pothole", "lat": 35.6,
                           "lon": 139.55}).encode()
        for ctype in ("application/jsonx", "application/json-patch+json",
                      "application/jsonp; charset=utf-8"):
            status, _, err = call(self.d, "POST", "/api/v1/requests", body,
                                  dict(auth, **{"Content-Type": ctype}))
            self.assertEqual((status, err["error"]["code"]),
                             (415, "unsupported_media_type"), ctype)
        status, _, _ = call(self.d, "POST", "/api/v1/session",
                            b'{"name":"fay","password":"x"}',
                            {"Content-Type": "application/jsonx"})
        self.assertEqual(status, 415)
        # Parameters and case are still fine.
        status, _, err = call(
            self.d, "POST", "/api/v1/session",
            b'{"name":"fay","password":"wrong one"}',
            {"Content-Type": "Application/JSON ; charset=UTF-8"})
        self.assertEqual(status, 401, err)

    def test_malformed_escape_in_a_path_is_400(self):
        auth = {"Authorization": "Bearer " + self.token}
        for path in ("/api/v1/requests/%zz", "/api/v1/requests/%4",
                     "/api/v1/requests/12%"):
            status, _, err = call(self.d, "GET", path, headers=auth)
            self.assertEqual((status, err["error"]["code"]),
                             (400, "bad_path"), path)
        # A well-formed escape still reaches the route (404: no such id).
        status, _, err = call(self.d, "GET", "/api/v1/requests/%39%39%39",
                              headers=auth)
        self.assertEqual(status, 404, err)


class Metrics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = h.migrated_database("hardening_metrics")

    def scrape(self, d, headers=None):
        status, _, body = call(d, "GET", "/metrics", headers=headers)
        return status, body

    def test_open_by_default(self):
        with h.Patrold(self.url) as d:
            status, body = self.scrape(d)
            self.assertEqual(status, 200)
            self.assertIn(b"patrol_http_requests_total", body)

    def test_address_list(self):
        with h.Patrold(self.url, "--metrics-allow", "192.0.2.0/24, ::1") as d:
            status, err = self.scrape(d)
            self.assertEqual((status, err["error"]["code"]),
                             (403, "forbidden"))
            # The header is anyone's to write: not believed from a peer
            # that is not a trusted proxy.
            self.assertEqual(self.scrape(
                d, {"X-Forwarded-For": "192.0.2.7"})[0], 403)
        with h.Patrold(self.url, "--metrics-allow", "192.0.2.0/24",
                       "--trusted-proxies", "127.0.0.1") as d:
            self.assertEqual(self.scrape(
                d, {"X-Forwarded-For": "192.0.2.7"})[0], 200)
            self.assertEqual(self.scrape(
                d, {"X-Forwarded-For": "192.0.2.7, 198.51.100.2"})[0], 403)
            self.assertEqual(self.scrape(d)[0], 403)
        with h.Patrold(self.url, "--metrics-allow", "127.0.0.0/8") as d:
            self.assertEqual(self.scrape(d)[0], 200)

    def test_token(self):
        with h.Patrold(self.url, "--metrics-token", "scrape-me-0123456789",
                       "--metrics-allow", "127.0.0.1") as d:
            status, headers, err = call(d, "GET", "/metrics")
            self.assertEqual((status, err["error"]["code"]),
                             (401, "unauthorized"))
            self.assertIn("Bearer", headers["WWW-Authenticate"])
            self.assertEqual(self.scrape(d, {
                "Authorization": "Bearer scrape-me-0123456788"})[0], 401)
            status, body = self.scrape(d, {
                "Authorization": "Bearer scrape-me-0123456789"})
            self.assertEqual(status, 200)
            self.assertIn(b"patrol_http_requests_total", body)
            self.assertNotIn("scrape-me", d.text())
            # /healthz stays open for load balancers.
            self.assertEqual(d.request("/healthz")[0], 200)

    def test_a_malformed_list_stops_the_start(self):
        r = subprocess.run([h.PATROLD, "--database-url", self.url,
                            "--port", "0", "--metrics-allow",
                            "127.0.0.1, example.org"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 1)
        self.assertIn("metrics_allow: not an address or network: "
                      "example.org", r.stderr)


if __name__ == "__main__":
    h.main()
