#!/usr/bin/env python3
"""Fails (exit 1) when a C function is over 80 lines.

Issue 12 item 6: a function over ~80 lines usually does several jobs (parse,
validate and store; set up, loop and report); split it into static functions
that each do one. A function's length is counted from the line of its name
to its closing brace, both included (as ctags counts it). The functions of
server/, server/core/, common/ and mobile-agent/ (or of the directories
given) are read; those judged fine to stay long, each with the reason, are
named in tests/structure/long_functions.allow, one a line:
    server/dir/file.c function: why it stays one function
An entry whose function is no longer long (or gone) is reported too, so the
list only shrinks. With directories given, the list is not used.
Each finding is printed as file:line: function (N lines).
Usage: long_functions.py [DIR...]
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from c_scan import ROOT, TOKEN, blank, files, verdict  # noqa: E402

LIMIT = 80
DIRS = ("server", "server/core", "common", "mobile-agent")
ALLOW = os.path.join(ROOT, "tests", "structure", "long_functions.allow")
PREPROC = re.compile(r"^[ \t]*#[^\n]*(?:\\\n[^\n]*)*", re.M)
# What comes before a function body's brace: NAME(...) at the end.
SIGNATURE = re.compile(r"(\w+)\s*\([^;{}]*\)\s*$")


def functions(path):
    """(name, first line, number of lines) of each function defined in the
    file at path."""
    code = open(path, encoding="utf-8").read()
    # Braces in comments, strings and character literals ('{') do not count.
    code = TOKEN.sub(lambda m: blank(m) if m.group(0)[0] == "/" else '""',
                     code)
    code = PREPROC.sub(blank, code)
    found, depth, head, start = [], 0, 0, None
    for i, ch in enumerate(code):
        if ch == "{":
            if depth == 0:
                m = SIGNATURE.search(code, head, i)
                if m:
                    start = (m.group(1),
                             code.count("\n", 0, m.start(1)) + 1)
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                if start:
                    end = code.count("\n", 0, i) + 1
                    found.append((start[0], start[1], end - start[1] + 1))
                start = None
                head = i + 1
        elif ch == ";" and depth == 0:
            head = i + 1
    return found


def allowed():
    """{(path relative to the tree, function)} of the allow-list."""
    names = set()
    for line in open(ALLOW, encoding="utf-8"):
        line = line.split("#", 1)[0].strip()
        if line:
            where, _, why = line.partition(":")
            path, func = where.split()
            if not why.strip():
                sys.exit("%s: %s %s says not why" % (ALLOW, path, func))
            names.add((path, func))
    return names


def main(argv):
    bad = seen = 0
    allow = set() if argv[1:] else allowed()
    long_ones = set()
    for _, path in (f for d in (argv[1:] or DIRS)
                    for f in files([None, os.path.join(ROOT, d)], ())):
        rel = os.path.relpath(path, ROOT)
        for func, line, n in functions(path):
            seen += 1
            if n <= LIMIT:
                continue
            long_ones.add((rel, func))
            if (rel, func) in allow:
                continue
            print("%s:%d: %s (%d lines)" % (rel, line, func, n))
            bad += 1
    for rel, func in sorted(allow - long_ones):
        print("%s %s: no longer over %d lines: take it off %s"
              % (rel, func, LIMIT, os.path.relpath(ALLOW, ROOT)))
        bad += 1
    return verdict(bad, "a function over %d lines: split it into static "
                   "functions that each do one job, or name it with the "
                   "reason in %s" % (LIMIT, os.path.relpath(ALLOW, ROOT)),
                   "no function over %d lines in %d (%d allowed)"
                   % (LIMIT, seen, len(allow)))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
