"""patrol-agent tiles fetch keeps a tile only when its bytes are a picture
by the one rule the server and the handheld share for photos
(common/image.c): PNG, JPEG or WebP by their signatures; anything else
(an error page with status 200, bytes that only start like a PNG) is
counted as failed and not kept. A tile server on this machine stands in
for the real one; nothing else is needed."""
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agentkit as k  # noqa: E402

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"
       b"\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8"
       b"\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`"
       b"\x82")
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10" \
    b"\x07\x10\x11\x11\x88\x88\xfe\x07\x00"


class TileServer(http.server.ThreadingHTTPServer):
    body = b""


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.server.body)))
        self.end_headers()
        self.wfile.write(self.server.body)

    def log_message(self, *args):
        pass


class TilesAreKeptOnlyWhenTheyArePictures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = TileServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=cls.server.serve_forever,
                         daemon=True).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def fetch(self, body):
        """tiles fetch of the one tile of zoom 0, answered with body: the
        run and whether the tile was kept."""
        self.server.body = body
        d = tempfile.mkdtemp(prefix="agent-tiles-",
                             dir=os.environ.get("TMPDIR", "/tmp"))
        try:
            r = subprocess.run(
                [k.AGENT, "--dir", d, "tiles", "fetch", "--url",
                 "http://127.0.0.1:%d/{z}/{x}/{y}.png"
                 % self.server.server_address[1],
                 "--bbox", "-10,-10,10,10", "--zoom", "0-0"],
                capture_output=True, text=True, timeout=60)
            kept = os.path.exists(os.path.join(d, "tiles", "0", "0",
                                               "0.png"))
        finally:
            shutil.rmtree(d)
        return r, kept

    def test_pictures_are_kept(self):
        for name, body in (("png", PNG), ("jpeg", b"\xff\xd8\xff\xe0" +
                                          bytes(60)), ("webp", WEBP)):
            with self.subTest(kind=name):
                r, kept = self.fetch(body)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("OK tiles: 1 fetched, 0 already here, 0 failed",
                              r.stdout)
                self.assertTrue(kept)

    def test_other_bytes_are_refused(self):
        for name, body in (("html", b"<html>rate limited</html>"),
                           ("png's first four bytes", b"\x89PNG" + bytes(60)),
                           ("empty", b"")):
            with self.subTest(kind=name):
                r, kept = self.fetch(body)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn("PARTLY tiles: 0 fetched, 0 already here, "
                              "1 failed", r.stdout)
                self.assertIn("HTTP 200, not an image", r.stderr)
                self.assertFalse(kept)


if __name__ == "__main__":
    unittest.main(verbosity=2)
