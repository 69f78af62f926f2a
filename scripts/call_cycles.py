#!/usr/bin/env python3
"""Fails (exit 1) on a cycle of calls between the project's modules, read
from the symbols of the built objects with nm.

include_cycles.py cannot see it: two files that call each other through
prototypes in one header include nothing of each other (report.c called
the export writers, which called report.c back). Here module A -> module
B when an object of A leaves a symbol undefined (nm's U) that an object of
B defines (T, D, B or R: a function, or a table of them); a strongly
connected set of modules is a cycle. A module is one .c file, except that
the .c files that include a private header foo_int.h are one module, foo
(as in include_cycles.py: a module split over several files, such as
http.c, http_req.c and http_reply.c).

Usage: call_cycles.py [--allow FILE] SOURCE BUILD -- FILE... [-- FILE...]
Each group after "--" is one program's objects (.o files, static
libraries; an argument may hold several separated by ";", as CMake's
$<TARGET_OBJECTS:...> gives them): a symbol is resolved within its group,
since patrold and the handheld agent each have, for example, a sync.c of
their own. An object's source is found from its path under BUILD (CMake
mirrors the source tree, CMakeFiles/TARGET.dir aside) below SOURCE.
FILE (--allow) names calls known to close a cycle, one a line,
"MODULE -> MODULE: why" (modules as printed); such a call is left out
before cycles are looked for. An entry whose call no longer closes a cycle
fails too, so the list only shrinks.
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from c_scan import verdict  # noqa: E402
from include_cycles import scc  # noqa: E402

NM = re.compile(r"^(.*?\.o):\s*(?:[0-9a-fA-F]+\s+)?([A-Za-z])\s+(\S+)$")
PRIVATE = re.compile(r'^\s*#\s*include\s+"([^"/]+)_int\.h"', re.M)
DEFINED = "TDBR"


def source_dir(path, build):
    """The source folder (relative) of an object or library under build."""
    rel = os.path.relpath(os.path.dirname(os.path.abspath(path)), build)
    parts = rel.split(os.sep)
    if "CMakeFiles" in parts:
        i = parts.index("CMakeFiles")
        parts = parts[:i] + parts[i + 2:]
    return os.path.join(*parts) if parts else "."


def module(source, build, container, member):
    """The module of an object: its source's folder and name, or the name of
    the private header (foo_int.h) it includes."""
    folder = source_dir(container, build)
    name = member[:-len(".o")] if member.endswith(".o") else member
    path = os.path.join(source, folder, name)
    base = os.path.splitext(name)[0]
    if os.path.isfile(path):
        with open(path, encoding="utf-8", errors="replace") as f:
            private = PRIVATE.findall(f.read())
        if private:
            base = private[0]
    return os.path.normpath(os.path.join(folder, base))


def symbols(files, source, build):
    """{module: set of symbols it defines}, {module: set it leaves undefined}."""
    defs, uses = {}, {}
    for f in files:
        out = subprocess.run(["nm", "-A", f], capture_output=True, text=True,
                             check=True).stdout
        for line in out.splitlines():
            m = NM.match(line)
            if m is None:
                continue
            member = os.path.basename(m.group(1).split(":")[-1])
            mod = module(source, build, f, member)
            kind, sym = m.group(2), m.group(3)
            if kind in DEFINED:
                defs.setdefault(mod, set()).add(sym)
            elif kind == "U":
                uses.setdefault(mod, set()).add(sym)
    return defs, uses


def graph(files, source, build):
    defs, uses = symbols(files, source, build)
    owner = {s: mod for mod, ss in defs.items() for s in ss}
    g = {mod: set() for mod in set(defs) | set(uses)}
    why = {}
    for mod, ss in uses.items():
        for s in sorted(ss):
            d = owner.get(s)
            if d is not None and d != mod:
                g[mod].add(d)
                why.setdefault((mod, d), s)
    return g, why


def allowed(path):
    """{(module, module): why} of the allow-list."""
    out = {}
    if path is None:
        return out
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                call, _, reason = line.partition(":")
                a, _, b = call.partition("->")
                out[(a.strip(), b.strip())] = reason.strip()
    return out


def reaches(g, start, goal):
    """Whether goal is reached from start along g's calls (depth first)."""
    seen, stack = {start}, [start]
    while stack:
        for n in g.get(stack.pop(), ()):
            if n == goal:
                return True
            if n not in seen:
                seen.add(n)
                stack.append(n)
    return False


def main(argv):
    allow = None
    if argv[:1] == ["--allow"]:
        allow, argv = argv[1], argv[2:]
    if len(argv) < 4 or argv[2] != "--":
        print(__doc__.strip().split("\n\n")[-1], file=sys.stderr)
        return 2
    source, build = os.path.abspath(argv[0]), os.path.abspath(argv[1])
    groups, cur = [], None
    for a in argv[2:]:
        if a == "--":
            cur = []
            groups.append(cur)
        else:
            cur.extend(x for x in a.split(";") if x)
    known = allowed(allow)
    used, found, bad, seen = set(), set(), 0, set()
    for files in groups:
        g, why = graph(files, source, build)
        seen |= set(g)
        for a, b in sorted(known):
            if b in g.get(a, ()) and reaches(g, b, a):
                used.add((a, b))
                print("known cycle, allowed (%s): %s -> %s (%s)"
                      % (known[(a, b)], a, b, why[(a, b)]))
            g.get(a, set()).discard(b)
        for comp in scc(g):
            key = tuple(comp)
            if key in found:
                continue
            found.add(key)
            bad += 1
            print("call cycle between modules: " +
                  ", ".join("%s -> %s (%s)" % (a, b, why[(a, b)])
                            for a in comp for b in comp
                            if b in g[a]))
    for a, b in sorted(set(known) - used):
        bad += 1
        print("allowed call closes no cycle now: %s -> %s: remove it from %s"
              % (a, b, allow))
    return verdict(bad, "calls between modules that run both ways",
                   "no call cycles between modules (%d modules)" % len(seen))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
