"""A phone-sized photo is scaled down on the handheld before it is kept for
upload (patrol-agent's photo.c), with its EXIF position and time kept; a
small one is kept byte for byte. Needs no server: the job is put into the
agent's own database as a sync would. Uses Debian's python3-pil to make
and read the JPEGs."""
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agentkit  # noqa: E402
import harness as h  # noqa: E402


def jpeg(width, height, with_exif):
    """A noisy photo (noise does not compress, like a real scene) with a
    GPS position and a time in its EXIF."""
    from PIL import Image
    rnd = random.Random(14)
    small = Image.frombytes("RGB", (width // 2, height // 2),
                            rnd.randbytes(width // 2 * height // 2 * 3))
    img = small.resize((width, height), Image.BILINEAR)
    exif = Image.Exif()
    if with_exif:
        exif[0x0132] = "2026:12:05 10:11:12"  # DateTime
        exif[0x8825] = {1: "N", 2: (35.0, 36.0, 3.0), 3: "E",
                        4: (139.0, 30.0, 6.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", quality=97, exif=exif)
    return out.getvalue()


class PhotoTest(unittest.TestCase):
    def setUp(self):
        self.a = agentkit.Agent("photo")
        self.a.run("status", check=0)  # makes the database
        db = self.a.db()
        db.execute("INSERT INTO jobs (request_id, category, state,"
                   " updated_ms) VALUES (7, 'wasp_nest', 'on_site', 0)")
        # What the first sync brings with the job: the server's life cycle.
        dump = subprocess.run(
            [os.path.join(h.BUILD, "tests", "unit", "lifecycle_dump")],
            check=True, capture_output=True).stdout
        db.execute("INSERT INTO state (key, value) VALUES ('lifecycle', ?)",
                   (json.dumps(json.loads(dump)["table"]),))
        db.commit()
        db.close()

    def tearDown(self):
        self.a.remove()

    def stored(self):
        db = self.a.db()
        rows = db.execute("SELECT sha256, bytes FROM photos").fetchall()
        db.close()
        return rows

    def photo_file(self, name, data):
        """data written as the file name in the agent's directory: its
        path."""
        path = os.path.join(self.a.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def done_with_photo(self, name, data):
        """Job 7 done with data as the photo file name: the agent's run
        and the one photo it kept, (sha, size)."""
        path = self.photo_file(name, data)
        r = self.a.run("done", "7", "--outcome", "no_nest", "--photo", path,
                       check=0)
        [kept] = self.stored()
        return r, kept

    def test_large_jpeg_scaled_down_with_exif(self):
        from PIL import Image
        big = jpeg(4000, 3000, True)
        self.assertGreater(len(big), 2 << 20)
        r, (sha, size) = self.done_with_photo("big.jpg", big)
        self.assertIn("1 photo(s)", r.stdout)
        self.assertLess(size, len(big) // 2)
        with open(os.path.join(self.a.dir, "photos", sha), "rb") as f:
            data = f.read()
        self.assertEqual(len(data), size)
        img = Image.open(io.BytesIO(data))
        # Half each way: 2000 x 1500, never under 1600 on the long edge.
        self.assertEqual(img.size, (2000, 1500))
        exif = img.getexif()
        self.assertEqual(exif.get(0x0132), "2026:12:05 10:11:12")
        gps = exif.get_ifd(0x8825)
        self.assertEqual(gps.get(1), "N")
        self.assertEqual([float(x) for x in gps.get(2)], [35.0, 36.0, 3.0])
        self.assertEqual([float(x) for x in gps.get(4)], [139.0, 30.0, 6.0])

    def peak_kb(self, *args):
        """The peak RSS (kB) of one patrol-agent command, by GNU time:
        a child forked from this (large) Python process would count the
        pages it had before its exec too."""
        out = os.path.join(self.a.dir, "rss")
        r = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out,
                            agentkit.AGENT, "--dir", self.a.dir]
                           + list(args), capture_output=True, text=True,
                           env=self.a.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            return int(f.read().split()[-1])

    def test_a_large_photo_is_streamed_not_held(self):
        # A camera's large photo is hashed, scaled and written a chunk at
        # a time: keeping it costs no more memory than a small one, by far
        # less than its own size (it was read whole until session 7).
        small, big = jpeg(800, 600, False), jpeg(6000, 4500, True)
        self.assertGreater(len(big), 8 << 20)
        paths = [self.photo_file("small.jpg", small),
                 self.photo_file("big.jpg", big)]
        base = self.peak_kb("finding", "--category", "wasp_nest",
                            "--lat", "35.6", "--lon", "139.5",
                            "--photo", paths[0])
        peak = self.peak_kb("finding", "--category", "wasp_nest",
                            "--lat", "35.6", "--lon", "139.5",
                            "--photo", paths[1])
        self.assertLess(peak - base, len(big) // 1024 // 4,
                        "kB more for a %d-byte photo" % len(big))
        sizes = sorted(size for _, size in self.stored())
        self.assertEqual(sizes[0], len(small))
        self.assertLess(sizes[1], len(big) // 2)  # scaled down, and kept
        from PIL import Image
        kept = [sha for sha, size in self.stored() if size == sizes[1]][0]
        with open(os.path.join(self.a.dir, "photos", kept), "rb") as f:
            img = Image.open(f)
            self.assertEqual(img.size, (3000, 2250))
            self.assertEqual(img.getexif().get(0x0132), "2026:12:05 10:11:12")

    def test_small_jpeg_kept_as_taken(self):
        small = jpeg(800, 600, False)
        _, (sha, size) = self.done_with_photo("small.jpg", small)
        self.assertEqual(size, len(small))

    def test_limit_from_the_server(self):
        # A lower limit (sync settings) scales a smaller photo too; the
        # long edge stays at 1600 px or more.
        mid = jpeg(3400, 2400, False)
        db = self.a.db()
        db.execute("INSERT INTO state VALUES ('photo_resize_bytes', ?)",
                   (str(len(mid) // 2),))
        db.commit()
        db.close()
        _, (sha, size) = self.done_with_photo("mid.jpg", mid)
        self.assertLess(size, len(mid))
        from PIL import Image
        with open(os.path.join(self.a.dir, "photos", sha), "rb") as f:
            self.assertEqual(Image.open(f).size, (1700, 1200))

    def test_a_kept_photo_is_not_written_again(self):
        # The screen keeps a photo when its bytes arrive (scaled, hashed,
        # fsync'ed) and sends that kept file with the form: tapping done
        # then only commits, the file is neither scaled nor written again.
        small = jpeg(800, 600, False)
        _, (sha, size) = self.done_with_photo("small.jpg", small)
        kept = os.path.join(self.a.dir, "photos", sha)
        before = os.stat(kept)
        db = self.a.db()
        db.execute("INSERT INTO jobs (request_id, category, state,"
                   " updated_ms) VALUES (8, 'wasp_nest', 'on_site', 0)")
        db.commit()
        db.close()
        r = self.a.run("done", "8", "--outcome", "no_nest", "--photo", kept,
                       check=0)
        self.assertIn("1 photo(s)", r.stdout)
        self.assertEqual(self.stored(), [(sha, size)])
        after = os.stat(kept)
        self.assertEqual((after.st_ino, after.st_mtime_ns),
                         (before.st_ino, before.st_mtime_ns))

    def temp_files(self):
        return [n for n in os.listdir(os.path.join(self.a.dir, "photos"))
                if n.startswith(".tmp-")]

    @staticmethod
    def reap(p):
        """p ended (killed if it still runs) and waited for."""
        if p.returncode is None:
            p.kill()
            p.communicate()

    def keeping(self):
        """Job 7 done with a large photo, started and caught while the
        photo is being kept: its half-written photos/.tmp-* is there (the
        scaling takes a good part of a second). The running process."""
        path = self.photo_file("big.jpg", jpeg(6000, 4500, True))
        p = self.a.spawn("done", "7", "--outcome", "no_nest", "--photo",
                         path)
        self.addCleanup(self.reap, p)
        while not self.temp_files():
            if p.poll() is not None:
                self.fail("kept before it was seen: %s" % p.communicate()[0])
            time.sleep(0.001)
        return p

    def test_a_kill_while_keeping_leaves_no_temp_file(self):
        # Killed (battery pulled, SIGKILL) half way through writing the
        # photo: the step is not recorded, and the half-written copy is
        # removed when the agent next starts, whatever the command. Until
        # session 9 it stayed in photos/ for good, one more at every kill.
        p = self.keeping()
        p.kill()
        p.communicate()
        self.assertEqual(len(self.temp_files()), 1)
        self.a.run("status", check=0)
        self.assertEqual(os.listdir(os.path.join(self.a.dir, "photos")), [])
        self.assertEqual(self.stored(), [])
        db = self.a.db()
        self.assertEqual(db.execute("SELECT state FROM jobs WHERE request_id"
                                    " = 7").fetchone(), ("on_site",))
        db.close()

    def test_a_photo_being_kept_is_not_swept(self):
        # Another command starting meanwhile (the daemon's sync, a second
        # command) leaves the photo being kept alone: it is kept whole and
        # recorded, and no temp file remains.
        p = self.keeping()
        os.kill(p.pid, signal.SIGSTOP)
        try:
            self.a.run("status", check=0)
            self.assertEqual(len(self.temp_files()), 1)
        finally:
            os.kill(p.pid, signal.SIGCONT)
        out = p.communicate()[0]
        self.assertEqual(p.returncode, 0, out)
        [(sha, size)] = self.stored()
        self.assertEqual(os.listdir(os.path.join(self.a.dir, "photos")),
                         [sha])


if __name__ == "__main__":
    h.ensure_module("PIL", "python3-pil")
    unittest.main()
