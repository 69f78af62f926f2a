#!/usr/bin/env python3
"""Fails (exit 1) when a SQL function's body is written more than once.

Issue 12: each SQL function has one current text, its file in
schema/functions/ (migrate runs those files after the numbered migrations;
see schema/README.md). Reported as file:line, this check refuses:

1. a numbered migration that defines (CREATE [OR REPLACE] FUNCTION) a
   function that has a file in schema/functions/: change the file instead;
2. a function defined in two numbered migrations (a restated body);
3. a function defined in a migration numbered above CUTOVER (the last one
   before functions/ existed) unless a comment line right above it says
   "migration-time function:" and why (a trigger, an index or the
   migration's own backfill needs it while the migrations run);
4. in schema/functions/: a file whose statements are not all
   CREATE OR REPLACE FUNCTION (it is run again whenever it changes), that
   does not define the function it is named after, or a function that two
   files define.

Usage: schema_functions_once.py [SCHEMA_DIR]   (default: the repo's schema/)
"""
import os
import re
import sys

CUTOVER = 281
MARK = "migration-time function:"
FUNC = re.compile(r"CREATE\s+(OR\s+REPLACE\s+)?FUNCTION\s+"
                  r"(?:public\.)?\"?([A-Za-z_][A-Za-z_0-9]*)", re.I)
DOLLAR = re.compile(r"\$[A-Za-z_0-9]*\$")


def statements(text):
    """(offset, text) of each statement; comments, strings and dollar
    quotes are skipped so a ';' inside a body does not end it."""
    out, i, n, start = [], 0, len(text), 0
    while i < n:
        if text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif text[i] == "'":
            j = i + 1
            while True:
                j = text.find("'", j)
                if j < 0 or not text.startswith("''", j):
                    break
                j += 2
            i = n if j < 0 else j + 1
        elif text[i] == "$" and DOLLAR.match(text, i):
            tag = DOLLAR.match(text, i).group(0)
            j = text.find(tag, i + len(tag))
            i = n if j < 0 else j + len(tag)
        elif text[i] == ";":
            out.append((start, text[start:i + 1]))
            i += 1
            start = i
        else:
            i += 1
    if text[start:].strip():
        out.append((start, text[start:]))
    return out


def code_start(stmt):
    """Offset of the first code in stmt, past blank lines and comments."""
    i = 0
    while i < len(stmt):
        if stmt[i].isspace():
            i += 1
        elif stmt.startswith("--", i):
            j = stmt.find("\n", i)
            i = len(stmt) if j < 0 else j + 1
        elif stmt.startswith("/*", i):
            j = stmt.find("*/", i + 2)
            i = len(stmt) if j < 0 else j + 2
        else:
            break
    return i


def definitions(path):
    """(name, line, marked, or_replace, is_function) per statement."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    out = []
    for off, stmt in statements(text):
        c = code_start(stmt)
        if c >= len(stmt):
            continue
        line = text.count("\n", 0, off + c) + 1
        m = FUNC.match(stmt, c)
        lead = stmt[:c].rstrip().split("\n")
        marked = any(MARK in x for x in lead[-6:])
        if m:
            out.append((m.group(2).lower(), line, marked, bool(m.group(1)),
                        True))
        else:
            out.append((None, line, marked, False, False))
    return out


def main(argv):
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    schema = argv[1] if len(argv) > 1 else os.path.join(root, "schema")
    fdir = os.path.join(schema, "functions")
    bad = []
    files = {}  # function name -> its file
    if os.path.isdir(fdir):
        for name in sorted(os.listdir(fdir)):
            if not name.endswith(".sql"):
                continue
            path = os.path.join(fdir, name)
            rel = "functions/" + name
            defs = definitions(path)
            names = set()
            for fn, line, _, repl, is_fn in defs:
                if not is_fn:
                    bad.append("%s:%d: not a CREATE OR REPLACE FUNCTION "
                               "(a function file holds functions only)"
                               % (rel, line))
                    continue
                if not repl:
                    bad.append("%s:%d: CREATE FUNCTION %s without OR REPLACE"
                               " (the file runs again when it changes)"
                               % (rel, line, fn))
                if fn in files and files[fn] != rel:
                    bad.append("%s:%d: %s() is also defined in %s"
                               % (rel, line, fn, files[fn]))
                files.setdefault(fn, rel)
                names.add(fn)
            if name[:-4] not in names:
                bad.append("%s: does not define %s(), the function it is "
                           "named after" % (rel, name[:-4]))
    seen = {}  # function name -> first migration defining it
    nmig = 0
    for name in sorted(os.listdir(schema)):
        if not re.match(r"^[0-9]{4}_.*\.sql$", name):
            continue
        nmig += 1
        for fn, line, marked, _, is_fn in definitions(
                os.path.join(schema, name)):
            if not is_fn:
                continue
            where = "%s:%d" % (name, line)
            if fn in files:
                bad.append("%s: defines %s(), whose one body is %s: "
                           "edit that file instead" % (where, fn, files[fn]))
            elif fn in seen:
                bad.append("%s: defines %s() again (first in %s): move its "
                           "current body to schema/functions/%s.sql"
                           % (where, fn, seen[fn], fn))
            elif int(name[:4]) > CUTOVER and not marked:
                bad.append("%s: defines %s(): put it in "
                           "schema/functions/%s.sql, or say above it "
                           "\"-- %s <why the migrations need it>\""
                           % (where, fn, fn, MARK))
            seen.setdefault(fn, name)
    for b in bad:
        print(b)
    print("schema_functions_once: %d migration(s), %d function file "
          "function(s), %d problem(s)" % (nmig, len(files), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
