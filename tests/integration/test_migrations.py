"""Schema migrations: applied once each, in order, in their own transaction;
patrold refuses a database with pending or edited migrations."""
import os
import shutil
import subprocess
import tempfile
import unittest

import harness as h


class Migrations(unittest.TestCase):
    def setUp(self):
        self.url = h.fresh_database(self.id().split(".")[-1])
        self.schema = tempfile.mkdtemp()
        for f in os.listdir(os.path.join(h.SOURCE, "schema")):
            if f.endswith(".sql"):
                shutil.copy(os.path.join(h.SOURCE, "schema", f), self.schema)
        self.files = sorted(f for f in os.listdir(self.schema))

    def tearDown(self):
        shutil.rmtree(self.schema)

    def start_refused(self):
        p = subprocess.run([h.PATROLD, "--database-url", self.url, "--port",
                            "0", "--schema-dir", self.schema],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 1, p.stderr)
        return p.stderr

    def test_patrold_names_pending_migrations_and_refuses(self):
        err = self.start_refused()
        self.assertIn("pending migrations: " + ", ".join(self.files), err)
        self.assertIn("patrolctl migrate", err)

    def test_migrate_applies_each_once(self):
        st = h.patrolctl(self.url, "migrate", "status", schema=self.schema)
        self.assertIn("pending: " + self.files[0], st.stdout)
        first = h.patrolctl(self.url, "migrate", schema=self.schema)
        self.assertEqual(first.returncode, 0, first.stderr)
        for f in self.files:
            self.assertIn("applied " + f, first.stdout)
        again = h.patrolctl(self.url, "migrate", schema=self.schema)
        self.assertIn("0 migration(s) applied", again.stdout)
        self.assertEqual(
            h.psql(self.url, "SELECT count(*) FROM schema_migrations"),
            str(len(self.files)))
        st = h.patrolctl(self.url, "migrate", "status", schema=self.schema)
        self.assertEqual(st.stdout.strip(), "schema is current")
        d = h.Patrold(self.url, schema=self.schema)
        self.assertEqual(d.request("/healthz")[0], 200)
        self.assertEqual(d.stop(), 0, d.text())

    def test_failed_migration_leaves_nothing_behind(self):
        self.assertEqual(h.patrolctl(self.url, "migrate",
                                     schema=self.schema).returncode, 0)
        with open(os.path.join(self.schema, "9998_good_part.sql"), "w") as f:
            f.write("CREATE TABLE mig_ok (id int);\n")
        with open(os.path.join(self.schema, "9999_broken.sql"), "w") as f:
            f.write("CREATE TABLE mig_half (id int);\nSELECT no_such_function();\n")
        r = h.patrolctl(self.url, "migrate", schema=self.schema)
        self.assertEqual(r.returncode, 1)
        self.assertIn("migration 9999_broken.sql failed", r.stderr)
        self.assertIn("no_such_function", r.stderr)
        # The good one before it stays applied; the broken one left no table.
        self.assertEqual(h.psql(self.url,
                                "SELECT to_regclass('mig_ok') IS NOT NULL"), "t")
        self.assertEqual(h.psql(self.url,
                                "SELECT to_regclass('mig_half') IS NULL"), "t")
        self.assertEqual(h.psql(
            self.url, "SELECT count(*) FROM schema_migrations "
                      "WHERE version = '9999'"), "0")
        self.assertIn("pending migrations: 9999_broken.sql",
                      self.start_refused())

    def test_edited_migration_is_refused(self):
        self.assertEqual(h.patrolctl(self.url, "migrate",
                                     schema=self.schema).returncode, 0)
        with open(os.path.join(self.schema, self.files[0]), "a") as f:
            f.write("\n-- edited later\n")
        err = self.start_refused()
        self.assertIn("migration %s changed after it was applied"
                      % self.files[0], err)

    def test_misnamed_file_is_named(self):
        with open(os.path.join(self.schema, "2_bad.sql"), "w") as f:
            f.write("SELECT 1;\n")
        r = h.patrolctl(self.url, "migrate", schema=self.schema)
        self.assertEqual(r.returncode, 1)
        self.assertIn("schema file 2_bad.sql: name must be", r.stderr)

    def test_unreachable_database_is_reported(self):
        r = h.patrolctl("host=/nonexistent dbname=x", "migrate",
                        schema=self.schema)
        self.assertEqual(r.returncode, 1)
        self.assertIn("database unavailable", r.stderr)


if __name__ == "__main__":
    h.main()
