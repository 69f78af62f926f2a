#!/usr/bin/env python3
"""Fails (exit 1) when the handheld's SQLite is used outside its store.

Issue 12 item 4, on mobile-agent/ as sql_in_store.py checks server/: the
agent's database is opened by outbox.c and its tables are read and written
by store_*.c (one file per table group, with typed rows). Any other C file
of mobile-agent/ (or of the directories given) must not
  - hold SQL text in a string literal, or
  - use SQLite (sqlite3_* calls, sqlite3_stmt, SQLITE_* codes).
Each finding is printed as file:line: what.
Usage: agent_sql_in_store.py [DIR...]
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from c_scan import LITERAL, report, uncommented, verdict  # noqa: E402
from sql_in_store import sql_text  # noqa: E402

ALLOWED = re.compile(r"^(store_[a-z0-9_]+\.c|outbox\.c)$")

SQLITE = re.compile(r"\b(sqlite3_[a-z0-9_]+|SQLITE_[A-Z_]+)\b")


def check(path):
    code = uncommented(path)
    found = sql_text(code)
    bare = LITERAL.sub('""', code)
    for m in SQLITE.finditer(bare):
        found.append((bare.count("\n", 0, m.start()) + 1,
                      "uses SQLite (%s)" % m.group(0)))
    return [(line, what + " outside the agent's store")
            for line, what in found]


def main(argv):
    bad, seen = report(argv, ("mobile-agent",), ALLOWED.match, check)
    return verdict(bad, "the agent's SQL belongs in outbox.c and store_*.c",
                   "no SQLite outside mobile-agent's outbox.c and store_*.c "
                   "(%d files)" % seen)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
