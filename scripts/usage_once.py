#!/usr/bin/env python3
"""Fails (exit 1) when a command's usage line is written outside the
command tables.

Issue 12 item 7: each command's arguments are written once, in its
program's command table (server/ctl_commands.c, mobile-agent/main.c), and
printed from there by ctl_usage (server/ctl.c) and agent_usage
(mobile-agent/agent.c); the tables' own listings and patrolctl's --help
print the program's usage. A string literal saying "usage: patrolctl" or
"usage: patrol-agent" in any other file of server/ or mobile-agent/ (or of
the directories given) is a line beside the table, which drifts from it,
and is reported as file:line.
Usage: usage_once.py [DIR...]
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from c_scan import literals, report, uncommented, verdict  # noqa: E402

HOMES = {"ctl.c", "ctl_commands.c", "patrolctl.c", "agent.c", "main.c"}
USAGE = re.compile(r"usage: patrol(ctl|-agent)\b")


def check(path):
    return [(line, "a usage line beside the command table; return "
             "ctl_usage()/agent_usage() instead")
            for line, text in literals(uncommented(path))
            if USAGE.search(text)]


def main(argv):
    bad, seen = report(argv, ("server", "mobile-agent"),
                       lambda name: name in HOMES and not argv[1:], check)
    return verdict(bad, "usage lines written outside the command tables",
                   "every usage line comes from a command table "
                   "(%d files)" % seen)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
