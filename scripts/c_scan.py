"""What the structure checks (sql_in_store.py, agent_sql_in_store.py,
error_body_once.py, app_globals.py, usage_once.py, glossary_once.py,
long_functions.py) share: the C files they read, C's comments and string
literals, the reading and reporting of findings, and how a check ends.
"""
import os
import re

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
LITERAL = re.compile(r'"(?:\\.|[^"\\\n])*"')
# Comments, strings and character literals, read in one pass: a "*/*" or
# "http://" string opens no comment, a quote in a comment no string.
TOKEN = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"'
                   r"|'(?:\\.|[^'\\\n])*'", re.S)


def blank(m):
    # Keep line numbers: a comment becomes as many newlines as it had.
    return "\n" * m.group(0).count("\n")


def uncomment(code):
    """code with its comments blanked out; strings are kept."""
    return TOKEN.sub(lambda m: blank(m) if m.group(0)[0] == "/"
                     else m.group(0), code)


def uncommented(path):
    """The text of the file at path with its comments blanked out."""
    return uncomment(open(path, encoding="utf-8").read())


def literals(code):
    """(line, text) of each run of adjacent string literals, joined."""
    runs, cur, start, end = [], [], 0, -1
    for m in LITERAL.finditer(code):
        if cur and code[end:m.start()].strip() == "":
            cur.append(m.group(0)[1:-1])
        else:
            if cur:
                runs.append((start, " ".join(cur)))
            cur, start = [m.group(0)[1:-1]], code.count("\n", 0, m.start()) + 1
        end = m.end()
    if cur:
        runs.append((start, " ".join(cur)))
    return runs


def files(argv, defaults, suffixes=(".c",)):
    """(name, path) of each file ending in suffixes, in name order, in the
    directories named on the command line (argv[1:]) or else in the
    defaults (directories of the source tree)."""
    for d in argv[1:] or [os.path.join(ROOT, x) for x in defaults]:
        for name in sorted(os.listdir(d)):
            if name.endswith(suffixes):
                yield name, os.path.join(d, name)


def report(argv, defaults, skip, check, suffixes=(".c",)):
    """Runs check(path), which lists (line, what) findings, on each file of
    files() whose name skip(name) does not pass over, and prints each as
    "path:line: what". Returns (findings, files read) for verdict()."""
    bad = seen = 0
    for name, path in files(argv, defaults, suffixes):
        if skip(name):
            continue
        seen += 1
        for line, what in check(path):
            print("%s:%d: %s" % (path, line, what))
            bad += 1
    return bad, seen


def verdict(bad, failure, success):
    """A check's exit status: with bad findings, failure (when not None)
    printed after the count and 1; else success printed and 0."""
    if bad:
        if failure is not None:
            print("%d finding(s): %s" % (bad, failure))
        return 1
    print(success)
    return 0
