#!/usr/bin/env python3
"""Fails (exit 1) when a file keeps the app in a file-level global.

Issue 12 item 5: a handler finds its struct app through the request
(http_req_owner), a timer, LISTEN or query callback through its argument,
and work that outlives its request through the struct that owns it. So no
C file of server/ (or of the directories given) may hold, at file level:
  - a variable of type struct app * (static or not, extern included),
  - a variable of an anonymous struct with a struct app * member
    (static struct { struct app *app; ... } feed;), or
  - a variable (not a pointer) of a struct type defined in the same file
    with such a member (struct geocoder { struct app *app; } ...;
    static struct geocoder gc;).
A struct type with an app member that is allocated per use (a request's
or a mail's state) is fine: only file-level variables are refused.
Each finding is printed as file:line: what.
Usage: app_globals.py [DIR...]
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from c_scan import blank, files, uncomment, verdict  # noqa: E402

# Files still allowed a module-level app pointer. Empty since 2026-12-05
# (geocoder.c and api_events.c were the last); it may only shrink.
ALLOWED = set()

# Strings and character literals ('"', '{'): braces in them do not count.
LITERAL = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'')
PREPROC = re.compile(r"^[ \t]*#[^\n]*(?:\\\n[^\n]*)*", re.M)
APP_PTR = re.compile(r"\bstruct\s+app\s*\*")


def top_level(code):
    """(line, text) of each file-level declaration, with the text of the
    braces it contains kept (a struct body) but function bodies left out.
    """
    decls, depth, start, buf = [], 0, 0, []
    line = 1
    i = 0
    while i < len(code):
        ch = code[i]
        if ch == "\n":
            line += 1
        if depth == 0 and not buf and ch.isspace():
            i += 1
            continue
        if depth == 0 and not buf:
            start = line
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0 and re.search(r"\)\s*$", "".join(buf).split("{")[0]):
                # A function body ended: no declaration here.
                buf = []
                i += 1
                continue
        buf.append(ch)
        if depth == 0 and ch == ";":
            decls.append((start, "".join(buf).strip()))
            buf = []
        i += 1
    return decls


def check(path):
    code = open(path, encoding="utf-8").read()
    code = LITERAL.sub('""', uncomment(code))
    code = PREPROC.sub(blank, code)
    found = []
    holders = set()  # struct types of this file with an app member
    for line, d in top_level(code):
        body = re.match(r"(?:static\s+|extern\s+)*struct\s+(\w+)?\s*\{(.*)\}"
                        r"\s*([^;]*);$", d, re.S)
        if body:
            name, members, after = body.groups()
            if APP_PTR.search(members):
                if name:
                    holders.add(name)
                if re.search(r"\w", after):
                    found.append((line, "file-level %s with a struct app * "
                                  "member" % after.strip()))
            continue
        if "(" in d.split("=")[0]:
            continue  # a function's declaration
        if re.match(r"(?:static\s+|extern\s+|const\s+)*struct\s+app\s*\*", d):
            found.append((line, "file-level struct app * (%s)"
                          % " ".join(d.split())[:60]))
            continue
        m = re.match(r"(?:static\s+|extern\s+)*struct\s+(\w+)\s+(\w+)", d)
        if m and m.group(1) in holders:
            found.append((line, "file-level struct %s %s, which holds a "
                          "struct app *" % (m.group(1), m.group(2))))
    return found


def main(argv):
    bad = seen = 0
    for name, path in files(argv, ("server",)):
        seen += 1
        found = check(path)
        if name in ALLOWED and not argv[1:]:
            if not found:
                print("%s: no longer keeps an app: take it off ALLOWED "
                      "in %s" % (name, os.path.basename(__file__)))
                bad += 1
            continue
        for line, what in found:
            print("%s:%d: %s" % (path, line, what))
            bad += 1
    return verdict(bad, "the app comes through the route's argument, "
                   "http_req_owner() or the struct that owns the work",
                   "no file-level app pointer in %d files (%d allowed)"
                   % (seen, len(ALLOWED)))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
