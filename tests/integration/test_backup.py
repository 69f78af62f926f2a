"""patrolctl backup and restore (issue 18): a round trip compares every
table, every sequence and every photo; restore refuses a non-empty database
or photo directory, a damaged backup and an incomplete one, and leaves the
target untouched when it refuses."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import harness as h


def tables(url):
    return h.psql(url, "SELECT table_name FROM information_schema.tables"
                  " WHERE table_schema = 'public' AND table_type = "
                  "'BASE TABLE' ORDER BY 1").split()


def sequences(url):
    return h.psql(url, "SELECT sequencename || '=' || coalesce(last_value,"
                  " 0) FROM pg_sequences WHERE schemaname = 'public'"
                  " ORDER BY 1")


def files(root):
    out = {}
    for d, dirs, names in os.walk(root):
        dirs[:] = [x for x in dirs if not x.startswith(".")]
        for n in names:
            p = os.path.join(d, n)
            with open(p, "rb") as f:
                out[os.path.relpath(p, root)] = f.read()
    return out


class BackupRestore(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="patrol-backup-")
        cls.src = h.demo_database("backup_src")
        cls.photos = os.path.join(cls.tmp, "photos")
        # Photos as the server stores them (under their SHA-256), one
        # unfinished upload that is no part of a backup.
        import hashlib
        cls.shas = []
        for i in range(3):
            data = b"\xff\xd8\xff\xe0 photo %d " % i + os.urandom(5000)
            sha = hashlib.sha256(data).hexdigest()
            os.makedirs(os.path.join(cls.photos, sha[:2]), exist_ok=True)
            with open(os.path.join(cls.photos, sha[:2], sha), "wb") as f:
                f.write(data)
            h.psql(cls.src, "INSERT INTO photos (sha256, bytes, "
                   "content_type) VALUES ('%s', %d, 'image/jpeg')"
                   % (sha, len(data)))
            cls.shas.append(sha)
        os.makedirs(os.path.join(cls.photos, ".partial"))
        with open(os.path.join(cls.photos, ".partial", "dev1-x"), "wb") as f:
            f.write(b"half an upload")
        cls.backup = os.path.join(cls.tmp, "b1")
        r = cls.ctl(cls.src, cls.photos, "backup", cls.backup)
        assert r.returncode == 0, r.stderr
        cls.backup_out = r.stdout

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @staticmethod
    def ctl(url, photos, *args):
        return h.patrolctl(url, "--photo-dir", photos, *args)

    @staticmethod
    def audit_seq(url):
        return h.psql(url, "SELECT last_value FROM audit_log_id_seq")

    def test_manifest_and_checksums(self):
        self.assertIn("3 photos", self.backup_out)
        with open(os.path.join(self.backup, "manifest.json")) as f:
            m = json.load(f)
        self.assertEqual(m["format"], "patrol-backup 1")
        self.assertEqual(sorted(p["path"] for p in m["photos"]),
                         sorted("%s/%s" % (s[:2], s) for s in self.shas))
        self.assertRegex(m["schema_version"], r"^\d+$")
        # sha256sum -c agrees, file by file.
        r = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"],
                           cwd=self.backup, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout.count(": OK"), 4)
        self.assertFalse(os.path.exists(
            os.path.join(self.backup, "photos", ".partial")))
        # The backup read callers' data: audited.
        self.assertEqual(h.psql(self.src, "SELECT count(*) FROM audit_log"
                                " WHERE action = 'database.backup'"), "1")

    def test_backup_refuses_non_empty_dir(self):
        r = self.ctl(self.src, self.photos, "backup", self.backup)
        self.assertEqual(r.returncode, 1)
        self.assertIn("is not empty", r.stderr)

    def test_round_trip(self):
        dst = h.fresh_database("backup_dst")
        photos = os.path.join(self.tmp, "restored-photos")
        r = self.ctl(dst, photos, "restore", self.backup)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("3 photos", r.stdout)
        self.assertEqual(tables(dst), tables(self.src))
        self.assertGreater(len(tables(dst)), 20)
        for t in tables(self.src):
            where = "true"
            if t == "audit_log":  # restore adds its own row
                where = "action <> 'database.restore'"
            self.assertEqual(h.table_digest(dst, t, where),
                             h.table_digest(self.src, t, where), t)
        self.assertIn("callers", tables(dst))
        self.assertNotEqual(h.table_digest(dst, "callers"),
                            "0 d41d8cd98f00b204e9800998ecf8427e")
        # Sequences too; audit_log's is one further (the restore's row).
        seq_src = sequences(self.src).replace(
            "audit_log_id_seq=%s" % self.audit_seq(self.src),
            "audit_log_id_seq=%d" % (int(self.audit_seq(self.src)) + 1))
        self.assertEqual(sequences(dst), seq_src)
        want = files(self.photos)
        self.assertEqual(len(want), 3)
        self.assertEqual(files(photos), want)
        self.assertEqual(h.psql(dst, "SELECT count(*) FROM audit_log WHERE"
                                " action = 'database.restore'"), "1")
        r = h.patrolctl(dst, "migrate", "status")
        self.assertIn("schema is current", r.stdout)
        # A second restore into the same (now full) target is refused
        # and changes nothing.
        before = h.table_digest(dst, "audit_log")
        r = self.ctl(dst, os.path.join(self.tmp, "other"), "restore",
                     self.backup)
        self.assertEqual(r.returncode, 1)
        self.assertIn("is not empty", r.stderr)
        self.assertEqual(h.table_digest(dst, "audit_log"), before)

    def test_refuses_non_empty_photo_dir(self):
        dst = h.fresh_database("backup_dst2")
        photos = os.path.join(self.tmp, "busy-photos")
        os.makedirs(photos)
        open(os.path.join(photos, "something"), "w").close()
        r = self.ctl(dst, photos, "restore", self.backup)
        self.assertEqual(r.returncode, 1)
        self.assertIn("photo directory", r.stderr)
        self.assertEqual(tables(dst), [])

    def test_refuses_damaged_and_incomplete(self):
        bad = os.path.join(self.tmp, "damaged")
        shutil.copytree(self.backup, bad)
        p = os.path.join(bad, "photos", self.shas[1][:2], self.shas[1])
        with open(p, "r+b") as f:
            # Flip every bit of one byte: writing a fixed byte left the
            # file intact when the random photo already held it there
            # (1 run in 256 passed a damaged backup as good).
            f.seek(100)
            b = f.read(1)
            f.seek(100)
            f.write(bytes([b[0] ^ 0xFF]))
        dst = h.fresh_database("backup_dst3")
        photos = os.path.join(self.tmp, "p3")
        r = self.ctl(dst, photos, "restore", bad)
        self.assertEqual(r.returncode, 1)
        self.assertIn(self.shas[1], r.stderr)
        self.assertIn("damaged", r.stderr)
        self.assertEqual(tables(dst), [])
        self.assertFalse(os.path.exists(photos))
        os.remove(os.path.join(bad, "manifest.json"))
        r = self.ctl(dst, photos, "restore", bad)
        self.assertEqual(r.returncode, 1)
        self.assertIn("incomplete", r.stderr)
        self.assertEqual(tables(dst), [])


if __name__ == "__main__":
    h.main()
