#!/usr/bin/env python3
"""Fails (exit 1) when SQL or a direct database call sits outside the store.

Issue 12 item 4: SQL lives in server/store_*.c (or schema/), db.c is the
one call path (db_*.c its parts; no SQL but db_read.c's WAL positions),
migrate.c runs schema/'s files. Any other C file of
server/, server/core/ or common/ (or of the directories given) must not
  - hold SQL text in a string literal (SELECT ..., INSERT INTO, UPDATE x
    SET, DELETE FROM, WITH x AS (, CREATE/ALTER/DROP TABLE|INDEX|...),
  - call db_query/db_exec/db_query_sync/db_exec_sync (queries are queued by
    a store_* function, which names what it asks),
  - read a result's rows (PQgetvalue, PQgetisnull, PQntuples, PQnfields,
    PQgetlength, PQfnumber, ...): the store file that holds the SQL has a
    decoder that turns its rows into a struct (store_users_row), or
    store_result.c's for the shared one-value shapes, or
  - call libpq otherwise, except PQclear: a store_* function may hand a
    result to its caller, who frees it.
Each finding is printed as file:line: what.
Usage: sql_in_store.py [DIR...]
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from c_scan import LITERAL, files, literals, uncommented, verdict  # noqa: E402

ALLOWED = re.compile(r"^(store_[a-z0-9_]+\.[ch]|db(_[a-z]+)?\.[ch]"
                     r"|migrate\.[ch])$")

# Files allowed to read rows themselves while their decoders move into
# store_*.c. Empty since 2026-12-05; the list may only shrink: a listed
# file that no longer reads rows is an error until it is taken off.
LEGACY = set()

SQL = re.compile(
    r"\b(SELECT\s+\S|INSERT\s+INTO\b|UPDATE\s+\w+\s+SET\b|DELETE\s+FROM\b"
    r"|WITH\s+\w+\s+AS\s*\(|(CREATE|ALTER|DROP)\s+(OR\s+REPLACE\s+)?"
    r"(TABLE|INDEX|FUNCTION|VIEW|TRIGGER|SCHEMA|EXTENSION)\b"
    r"|TRUNCATE\s+\w|LISTEN\s+\w|NOTIFY\s+\w|pg_notify\s*\()")
DBCALL = re.compile(r"\bdb_(query|exec|query_sync|exec_sync)\s*\(")
LIBPQ = re.compile(r"\bPQ[a-z][A-Za-z]*\s*\(")
# Reading a result's rows or columns: the decoder's job.
ROWS = re.compile(r"\bPQ(getvalue|getisnull|ntuples|nfields|getlength"
                  r"|fnumber|fname|ftype|fformat|binaryTuples|cmdTuples)"
                  r"\s*\(")
# Freeing a result a store_* function handed over is the caller's job.
FREE = re.compile(r"\bPQclear\s*\(")


def sql_text(code):
    """(line, what) of each string literal in code that holds SQL."""
    return [(line, "SQL text %r" % text[:60])
            for line, text in literals(code) if SQL.search(text)]


def check(path, legacy):
    code = uncommented(path)
    found = sql_text(code)
    # Calls are looked for outside string literals.
    bare = LITERAL.sub('""', code)
    for rx, what in ((DBCALL, "queues a query itself"),
                     (ROWS, "reads a result's rows"),
                     (LIBPQ, "calls libpq")):
        for m in rx.finditer(bare):
            if rx is ROWS and legacy:
                continue
            if rx is LIBPQ and (ROWS.match(bare, m.start())
                                or FREE.match(bare, m.start())):
                continue  # a row read is reported above; PQclear is fine
            found.append((bare.count("\n", 0, m.start()) + 1,
                          "%s (%s)" % (what, m.group(0).rstrip("( "))))
    return found, bool(ROWS.search(bare))


def main(argv):
    bad = seen = 0
    for name, path in files(argv, ("server", "server/core", "common"),
                            (".c", ".h")):
        if ALLOWED.match(name):
            continue
        seen += 1
        legacy = name in LEGACY and not argv[1:]
        found, uses_pq = check(path, legacy)
        for line, what in found:
            print("%s:%d: %s outside store_*.c" % (path, line, what))
            bad += 1
        if legacy and not uses_pq:
            print("%s: no longer reads rows: take it off LEGACY in %s"
                  % (path, os.path.basename(__file__)))
            bad += 1
    return verdict(bad, "SQL and row decoding belong in store_*.c",
                   "no SQL, query or row read outside store_*.c, db*.c, "
                   "migrate.c (%d files, %d still decoding rows themselves)"
                   % (seen, len(LEGACY)))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
