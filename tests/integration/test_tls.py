"""Issue 10 finding 5: patrold serving TLS (tls_cert, tls_key) marks the
session cookie Secure and sends Strict-Transport-Security; TLS 1.2 is
limited to ECDHE key exchange with AEAD ciphers (TLS 1.3 as OpenSSL has
it); plain HTTP sent to the TLS port is answered 400 in plain HTTP, not
left hanging or answered in TLS bytes. Checked with Python's ssl module
and openssl s_client."""
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

import harness as h

PASSWORD = "a long enough password"


class TLS(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = h.migrated_database("tls")
        h.user_add(cls.url, "tia", "viewer", password=PASSWORD)
        cls.tmp = tempfile.mkdtemp(dir=os.environ.get("TMPDIR", "/tmp"))
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                        "-nodes", "-keyout", "key.pem", "-out", "cert.pem",
                        "-days", "2", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       cwd=cls.tmp, check=True, capture_output=True)
        cls.log = open(os.path.join(cls.tmp, "patrold.log"), "w+")
        cls.proc = subprocess.Popen(
            [h.PATROLD, "--database-url", cls.url, "--port", "0",
             "--photo-dir", os.path.join(cls.tmp, "photos"),
             "--tls-cert", os.path.join(cls.tmp, "cert.pem"),
             "--tls-key", os.path.join(cls.tmp, "key.pem")],
            stdout=cls.log, stderr=subprocess.STDOUT)
        cls.port = None
        deadline = time.time() + 60
        while time.time() < deadline and cls.port is None:
            m = re.search(r"event=listening url=https://[^:]+:(\d+)/",
                          cls.text())
            if m:
                cls.port = int(m.group(1))
            elif cls.proc.poll() is not None:
                break
            time.sleep(0.05)
        assert cls.port is not None, cls.text()

    @classmethod
    def text(cls):
        with open(cls.log.name) as f:
            return f.read()

    @classmethod
    def tearDownClass(cls):
        cls.proc.send_signal(signal.SIGTERM)
        rc = cls.proc.wait(timeout=60)
        cls.log.close()
        with open(os.path.join(cls.tmp, "patrold.log")) as f:
            text = f.read()
        shutil.rmtree(cls.tmp, True)
        assert rc == 0, "patrold exited %d:\n%s" % (rc, text)

    def context(self, version=None, ciphers=None):
        ctx = ssl.create_default_context(
            cafile=os.path.join(self.tmp, "cert.pem"))
        if version is not None:
            ctx.minimum_version = ctx.maximum_version = version
        if ciphers is not None:
            ctx.set_ciphers(ciphers)
        return ctx

    def https(self, method, path, body=None, headers=None, ctx=None):
        import http.client
        conn = http.client.HTTPSConnection(
            "127.0.0.1", self.port, timeout=30,
            context=ctx or self.context())
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, r.headers, r.read()
        finally:
            conn.close()

    def test_secure_cookie_and_hsts(self):
        status, headers, body = self.https(
            "POST", "/api/v1/session",
            json.dumps({"name": "tia", "password": PASSWORD}).encode(),
            {"Content-Type": "application/json"})
        self.assertEqual(status, 200, body)
        cookie = headers["Set-Cookie"]
        self.assertRegex(cookie, r"; Secure(;|$)")
        self.assertIn("HttpOnly", cookie)
        self.assertEqual(headers["Strict-Transport-Security"],
                         "max-age=31536000")
        for path in ("/healthz", "/no/such/thing"):
            status, headers, _ = self.https("GET", path)
            self.assertIn(status, (200, 404))
            self.assertEqual(headers["Strict-Transport-Security"],
                             "max-age=31536000", path)

    def handshake(self, version, ciphers=None):
        """The negotiated cipher's name, or None when refused."""
        ctx = self.context(version, ciphers)
        with socket.create_connection(("127.0.0.1", self.port),
                                      timeout=30) as raw:
            try:
                with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
                    return s.cipher()[0]
            except (ssl.SSLError, ConnectionResetError):
                return None

    def test_tls12_only_ecdhe_with_aead(self):
        v12 = ssl.TLSVersion.TLSv1_2
        for good in ("ECDHE-RSA-AES128-GCM-SHA256",
                     "ECDHE-RSA-AES256-GCM-SHA384",
                     "ECDHE-RSA-CHACHA20-POLY1305"):
            self.assertEqual(self.handshake(v12, good), good)
        # The server picks AEAD with ECDHE when the client offers all.
        self.assertRegex(self.handshake(v12), r"^ECDHE-RSA-.*(GCM|POLY1305)")
        for bad in ("AES128-GCM-SHA256", "AES256-SHA256",
                    "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA384",
                    "DHE-RSA-AES128-GCM-SHA256"):
            self.assertIsNone(self.handshake(v12, bad + ":@SECLEVEL=0"),
                              bad)
        self.assertEqual(self.handshake(ssl.TLSVersion.TLSv1_3)[:4], "TLS_")
        # openssl s_client says the same.
        for cipher, ok in (("ECDHE-RSA-AES128-GCM-SHA256", True),
                           ("AES128-SHA256", False)):
            r = subprocess.run(
                ["openssl", "s_client", "-connect",
                 "127.0.0.1:%d" % self.port, "-tls1_2", "-cipher", cipher],
                input="", capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode == 0, ok, r.stdout + r.stderr)

    def test_plain_http_on_the_tls_port_is_400(self):
        for request in (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                        b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\n"
                        b"Content-Length: 2\r\n\r\n{}"):
            with socket.create_connection(("127.0.0.1", self.port),
                                          timeout=30) as s:
                s.sendall(request)
                reply = h.recv_all(s)
            head, _, body = reply.partition(b"\r\n\r\n")
            self.assertTrue(head.startswith(b"HTTP/1.1 400 "), reply)
            self.assertEqual(json.loads(body)["error"]["code"],
                             "tls_required")
        # And TLS clients are still served.
        self.assertEqual(self.https("GET", "/healthz")[0], 200)


if __name__ == "__main__":
    h.main()
