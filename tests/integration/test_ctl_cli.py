"""patrolctl's command lines: every command reads its arguments the one way
(common/args.c), so a wrong one is named in the same words by every
command, followed by that command's usage from the command table, and
refused with exit 2 before the database is touched (the URL given here
leads nowhere: a command that tried it would fail with 1 instead)."""
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

NOWHERE = "postgresql://127.0.0.1:1/nowhere?connect_timeout=1"


def patrolctl(*args):
    return subprocess.run([h.PATROLCTL, "--database-url", NOWHERE]
                          + list(args), capture_output=True, text=True,
                          timeout=60)


def commands():
    """The command names patrolctl lists when given none."""
    r = patrolctl()
    names = re.findall(r"(?m)^  (\S+(?: \S+)*?) {2,}", r.stderr)
    assert len(names) > 30, r.stderr
    return names


class WrongArguments(unittest.TestCase):
    def test_every_command_names_a_wrong_option_and_gives_its_usage(self):
        for name in commands():
            with self.subTest(command=name):
                r = patrolctl(*name.split(), "--no-such-option")
                usage = h.assert_refused_option(self, r, "patrolctl", name)
                self.assertRegex(usage, r"^usage: patrolctl %s( |$)" % name)

    def test_a_mistake_is_named_as_it_was_typed(self):
        r = patrolctl("coverage", "export", "-x")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("patrolctl: coverage export: unknown option '-x'\n",
                      r.stderr)
        self.assertIn("usage: patrolctl coverage export --week", r.stderr)
        r = patrolctl("user", "add", "pat", "--role")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("patrolctl: user add: --role needs a value\n",
                      r.stderr)
        r = patrolctl("plan", "break", "crew-1", "12:00-13:00", "extra")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("patrolctl: plan break: unexpected argument 'extra'",
                      r.stderr)
        self.assertIn("usage: patrolctl plan break CREW", r.stderr)

    def test_what_a_command_needs_is_asked_for(self):
        r = patrolctl("token", "create")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stderr,
                         "patrolctl: token create: --user is missing\n"
                         "usage: patrolctl token create --user NAME"
                         " [--label TEXT]\n")
        r = patrolctl("user", "crew", "bob")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stderr,
                         "patrolctl: user crew: give --crew CODE or --none\n"
                         "usage: patrolctl user crew NAME --crew CODE |"
                         " NAME --none\n")
        r = patrolctl("import", "wards")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("usage: patrolctl import wards FILE", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
