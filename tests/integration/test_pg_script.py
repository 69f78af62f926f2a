"""scripts/pg.sh keeps the private cluster of scripts/run.sh and
scripts/test.sh. As root it runs PostgreSQL as an unprivileged user; a
repository that user cannot reach (a clone under /root, mode 0700, the
first place root clones to on a fresh machine) used to fail in initdb
("could not access directory ... Permission denied"), so the README's
first command did not start. The data and the server's log now live in
/var/tmp with links from the repository, and every command the server
user runs gets the real paths."""
import os
import subprocess
import tempfile
import unittest

import harness as h

PGSH = os.path.join(h.SOURCE, "scripts", "pg.sh")


def pgsh(*args, cwd=None):
    r = subprocess.run([PGSH] + list(args), capture_output=True, text=True,
                       timeout=180, cwd=cwd)
    if r.returncode != 0:
        raise AssertionError("pg.sh %s: %s" % (" ".join(args), r.stderr))
    return r


@unittest.skipUnless(os.geteuid() == 0, "only root runs the server as another user")
class Unreachable(unittest.TestCase):
    def setUp(self):
        # Like /root: the owner only.
        self.home = tempfile.mkdtemp(prefix="pg-unreachable-")
        os.chmod(self.home, 0o700)
        self.repo = os.path.join(self.home, "repo")
        os.mkdir(self.repo)
        self.dir = os.path.join(self.repo, "var", "pg")

    def tearDown(self):
        subprocess.run([PGSH, "remove", self.dir, "immediate"],
                       capture_output=True, timeout=120)
        subprocess.run(["rm", "-rf", self.home])

    def test_cluster_in_a_directory_the_server_user_cannot_reach(self):
        # As scripts/run.sh calls it: a path relative to the clone.
        r = pgsh("init", "var/pg", cwd=self.repo)
        self.assertIn("not reachable", r.stderr)
        data = os.path.join(self.dir, "data")
        self.assertTrue(os.path.islink(data))
        elsewhere = os.path.dirname(os.readlink(data))
        self.assertTrue(elsewhere.startswith("/var/tmp/patrol-pg."), elsewhere)

        pgsh("start", "var/pg", cwd=self.repo)
        url = pgsh("url", self.dir).stdout.strip()
        self.assertEqual(h.psql(url, "SELECT 6 * 7").strip(), "42")
        # The server's log is readable where run.sh says it is.
        self.assertTrue(os.path.exists(os.path.join(self.dir, "server.log")))

        # Stopped and started again through the same links.
        pgsh("stop", self.dir)
        pgsh("start", self.dir)
        self.assertEqual(h.psql(url, "SELECT 1").strip(), "1")

        pgsh("remove", self.dir, "immediate")
        self.assertFalse(os.path.exists(elsewhere))
        self.assertFalse(os.path.exists(self.dir))


if __name__ == "__main__":
    h.main()
