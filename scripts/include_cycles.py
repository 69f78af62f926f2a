#!/usr/bin/env python3
"""Fails (exit 1) on a cycle of #include "..." between the project's files.

Two graphs are checked over server/, server/core/, common/, proto/ and
mobile-agent/ (or the directories given):
  files:   a file -> each file it includes (a header including itself
           through others is a cycle);
  modules: a module is foo.c with foo.h (and foo_int.h, the private
           header of a module whose code is split over several files, such
           as http.c, http_req.c and http_reply.c); module A -> module B
           when A's .c or .h includes B's header. A cycle here means two modules depend on
           each other (for example a helper calling back into main's file).
Each cycle found is printed with its members; exit 0 when there are none.
Usage: include_cycles.py [--modules-only|--files-only] [DIR...]
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources(dirs):
    files = {}
    for d in dirs:
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith((".c", ".h")):
                files[os.path.join(d, name)] = None
    return list(files)


def resolve(inc, src, by_name):
    cand = os.path.join(os.path.dirname(src), inc)
    if os.path.exists(cand):
        return os.path.normpath(cand)
    hits = by_name.get(os.path.basename(inc), [])
    return hits[0] if hits else None


def scc(graph):
    """Tarjan's strongly connected components, iteratively."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in graph:
                    continue
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]
                    counter[0] += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                elif nxt in on:
                    low[v] = min(low[v], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1 or v in graph[v]:
                    out.append(sorted(comp))
    return out


def main(argv):
    mode = "both"
    if argv and argv[0] in ("--modules-only", "--files-only"):
        mode = argv.pop(0)[2:-5]
    root = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))
    dirs = argv or [os.path.join(root, d) for d in
                    ("common", "proto", "server", "server/core",
                     "mobile-agent")]
    files = sources(dirs)
    by_name = {}
    for f in files:
        by_name.setdefault(os.path.basename(f), []).append(os.path.normpath(f))
    fgraph = {}
    for f in files:
        with open(f, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        deps = set()
        for inc in INCLUDE.findall(text):
            r = resolve(inc, f, by_name)
            if r is not None:
                deps.add(r)
        fgraph[os.path.normpath(f)] = deps

    def module(path):
        base = os.path.splitext(path)[0]
        if path.endswith("_int.h"):
            return base[:-len("_int")]
        return base

    mgraph = {}
    for f, deps in fgraph.items():
        m = module(f)
        mgraph.setdefault(m, set())
        for d in deps:
            if d.endswith(".h") and module(d) != m:
                mgraph[m].add(module(d))
    bad = 0
    rel = lambda p: os.path.relpath(p, root)
    if mode in ("both", "files"):
        for comp in scc(fgraph):
            bad += 1
            print("include cycle between files: " +
                  " <-> ".join(rel(c) for c in comp))
    if mode in ("both", "modules"):
        for comp in scc(mgraph):
            bad += 1
            print("dependency cycle between modules (.c/.h pairs): " +
                  " <-> ".join(rel(c) for c in comp))
    if bad:
        print("%d cycle(s)" % bad)
        return 1
    print("no include cycles (%d files)" % len(fgraph))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
