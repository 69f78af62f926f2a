"""Schema migrations: applied once each, in order, in their own transaction;
patrold refuses a database with pending or edited migrations. The SQL
functions (schema/functions/) run after them, again only when a file
changed; a database migrated before the functions moved out of the
migrations ends with the same functions (and schema) as a new one."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import harness as h


class Migrations(unittest.TestCase):
    def setUp(self):
        self.url = h.fresh_database(self.id().split(".")[-1])
        self.schema = os.path.join(tempfile.mkdtemp(), "schema")
        shutil.copytree(os.path.join(h.SOURCE, "schema"), self.schema)
        self.files = sorted(f for f in os.listdir(self.schema)
                            if re.match(r"^[0-9]{4}_.*\.sql$", f))
        self.functions = sorted(
            os.listdir(os.path.join(self.schema, "functions")))

    def tearDown(self):
        shutil.rmtree(os.path.dirname(self.schema))

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
        for f in self.functions:
            self.assertIn("applied functions/" + f, first.stdout)
        self.assertIn("%d function file(s) applied" % len(self.functions),
                      first.stdout)
        again = h.patrolctl(self.url, "migrate", schema=self.schema)
        self.assertIn("0 function file(s) applied", again.stdout)
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

    def write_function(self, name, body):
        with open(os.path.join(self.schema, "functions", name + ".sql"),
                  "w") as f:
            f.write("CREATE OR REPLACE FUNCTION %s() RETURNS int\n"
                    "    LANGUAGE sql STABLE AS $$ %s $$;\n" % (name, body))

    def test_changed_function_file_runs_alone_and_is_pending(self):
        self.write_function("probe_answer", "SELECT 41")
        self.assertEqual(h.patrolctl(self.url, "migrate",
                                     schema=self.schema).returncode, 0)
        self.assertEqual(h.psql(self.url, "SELECT probe_answer()"), "41")
        self.write_function("probe_answer", "SELECT 42")
        st = h.patrolctl(self.url, "migrate", "status", schema=self.schema)
        self.assertEqual(st.stdout.strip(),
                         "pending: functions/probe_answer.sql")
        self.assertIn("pending migrations: functions/probe_answer.sql",
                      self.start_refused())
        r = h.patrolctl(self.url, "migrate", schema=self.schema)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(re.findall(r"applied \S+", r.stdout),
                         ["applied functions/probe_answer.sql"])
        self.assertIn("1 function file(s) applied", r.stdout)
        self.assertEqual(h.psql(self.url, "SELECT probe_answer()"), "42")

    def test_broken_function_file_changes_no_function(self):
        self.write_function("probe_answer", "SELECT 41")
        self.assertEqual(h.patrolctl(self.url, "migrate",
                                     schema=self.schema).returncode, 0)
        self.write_function("probe_answer", "SELECT 42")
        self.write_function("probe_broken",
                            "SELECT count(*)::int FROM no_such_table")
        r = h.patrolctl(self.url, "migrate", schema=self.schema)
        self.assertEqual(r.returncode, 1)
        self.assertIn("function files failed", r.stderr)
        self.assertIn("no_such_table", r.stderr)
        # One transaction: the good change did not land either.
        self.assertEqual(h.psql(self.url, "SELECT probe_answer()"), "41")
        self.assertEqual(h.psql(
            self.url, "SELECT to_regproc('probe_broken') IS NULL"), "t")
        self.assertIn("functions/probe_answer.sql, "
                      "functions/probe_broken.sql", self.start_refused())

    def test_function_may_call_one_of_a_later_file(self):
        # SQL bodies are checked, but only once every file has run.
        self.write_function("a_probe_first", "SELECT z_probe_last() + 1")
        self.write_function("z_probe_last", "SELECT 1")
        r = h.patrolctl(self.url, "migrate", schema=self.schema)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(h.psql(self.url, "SELECT a_probe_first()"), "2")

    # main just before the function bodies moved to schema/functions/.
    BEFORE_FUNCTIONS = "ffe9a6412d346adf5b3cb0badf9be44190bc1ff1"

    def functions_and_schema(self, url):
        funcs = h.psql(url, """
            SELECT string_agg(p.oid::regprocedure::text || E'\\n'
                              || pg_get_functiondef(p.oid), E'\\n'
                              ORDER BY p.oid::regprocedure::text)
              FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public' AND NOT EXISTS (
                   SELECT 1 FROM pg_depend d WHERE d.objid = p.oid
                      AND d.deptype = 'e')""")
        dump = subprocess.run(["pg_dump", "--schema-only", "-d", url],
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(dump.returncode, 0, dump.stderr)
        lines = [x for x in dump.stdout.splitlines()
                 if not x.startswith(("\\restrict", "\\unrestrict"))]
        return funcs, "\n".join(lines)

    def test_database_of_older_main_ends_as_a_new_one(self):
        old = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, old)
        tar = subprocess.run(
            "git -C %s archive %s schema | tar -x -C %s"
            % (h.SOURCE, self.BEFORE_FUNCTIONS, old),
            shell=True, capture_output=True, text=True, timeout=60)
        if tar.returncode != 0:
            self.skipTest("no git history here: %s" % tar.stderr.strip())
        older = h.fresh_database("migrations_older_main")
        r = h.patrolctl(older, "migrate", schema=os.path.join(old, "schema"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("0 function file(s) applied", r.stdout)
        # The upgrade: edited migrations re-recorded, every function file
        # run, nothing else.
        r = h.patrolctl(older, "migrate", schema=self.schema)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("recorded 0009_devices_sync.sql as edited", r.stdout)
        self.assertIn("%d function file(s) applied" % len(self.functions),
                      r.stdout)
        st = h.patrolctl(older, "migrate", "status", schema=self.schema)
        self.assertEqual(st.stdout.strip(), "schema is current")
        r = h.patrolctl(self.url, "migrate", schema=self.schema)
        self.assertEqual(r.returncode, 0, r.stderr)
        funcs_old, dump_old = self.functions_and_schema(older)
        funcs_new, dump_new = self.functions_and_schema(self.url)
        self.assertGreater(funcs_new.count("CREATE OR REPLACE FUNCTION"), 45)
        self.assertEqual(funcs_old, funcs_new)
        self.assertEqual(dump_old, dump_new)

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
