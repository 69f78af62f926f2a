"""patrol-agent's command lines: each command's usage is written once, in
the command table that "help" lists, and a wrong option to any command is
named (common/args.c, as patrolctl names it) and followed by that same
usage line, exit 2. Needs no server: nothing is sent."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agentkit as k  # noqa: E402
import harness as h  # noqa: E402


class WrongArguments(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="agent-cli-",
                                    dir=os.environ.get("TMPDIR", "/tmp"))

    def tearDown(self):
        shutil.rmtree(self.dir)

    def agent(self, *args):
        return subprocess.run([k.AGENT, "--dir", self.dir] + list(args),
                              capture_output=True, text=True, timeout=60)

    def table(self):
        """{command: its usage} as "help" lists them (a command's help in
        parentheses after its usage left out)."""
        r = self.agent("help")
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = {}
        for line in r.stdout.splitlines():
            m = re.match(r"^  (\S+) +(.*?) ?(?:\([^()]*\))?$", line)
            if m:
                rows[m.group(1)] = m.group(2)
        self.assertGreater(len(rows), 12, r.stdout)
        return rows

    def test_a_wrong_option_names_it_and_gives_the_commands_usage(self):
        for name, usage in self.table().items():
            if name == "help":
                continue
            with self.subTest(command=name):
                r = self.agent(name, "--no-such-option")
                self.assertEqual(
                    h.assert_refused_option(self, r, "patrol-agent", name),
                    ("usage: patrol-agent %s %s" % (name, usage)).rstrip())

    def test_a_missing_argument_gives_the_same_usage(self):
        usage = self.table()
        for args in (["show"], ["status", "en-route"], ["done", "12"],
                     ["patrol"], ["tiles"], ["wayback", "take"]):
            with self.subTest(args=args):
                r = self.agent(*args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertEqual(r.stderr.splitlines()[-1],
                                 ("usage: patrol-agent %s %s"
                                  % (args[0], usage[args[0]])).rstrip())

    def test_options_take_their_value_after_an_equals_sign(self):
        # As patrolctl's do: --lat=N is --lat N (here with a missing job
        # number, so that nothing is recorded).
        r = self.agent("accept", "--lat=35.6", "--lon=139.5")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertNotIn("unknown option", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
