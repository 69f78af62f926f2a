#!/usr/bin/env python3
"""Fails (exit 1) when a screen writes down a word the glossary serves.

Issue 12 item 1: the terms the console, the handheld and the exports share
(a request's states, the crew's steps, priorities, call-back results,
skills, coverage) are written once, in server/core/glossary.c. The console
takes them from GET /api/v1/glossary at log-in (i18n.js addTerms), the
handheld from glossary.js, which the build writes from the same table. A
key of the glossary that a screen's own word table (server/console/js/
i18n.js, mobile-agent/ui/i18n.js) also lists is a second copy, which
drifts (the console's 'inspected' beside the glossary's 'Inspected'), and
is reported as file:line.
Usage: glossary_once.py [ROOT] (the source tree's top by default)
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from c_scan import ROOT, uncommented, verdict  # noqa: E402

GLOSSARY = "server/core/glossary.c"
SCREENS = ("server/console/js/i18n.js", "mobile-agent/ui/i18n.js")
# {"state.new", "新規", "New"}: an entry of the glossary's table.
ENTRY = re.compile(r'\{\s*"([^"]+)"\s*,')
# 'state.new': ['新規', 'New'], : a word in a screen's table.
WORD = re.compile(r"^[ \t]*'([^']+)'\s*:\s*\[", re.M)


def main(argv):
    root = argv[1] if argv[1:] else ROOT
    keys = set(ENTRY.findall(uncommented(os.path.join(root, GLOSSARY))))
    bad = seen = 0
    for rel in SCREENS:
        path = os.path.join(root, rel)
        if not os.path.exists(path):
            continue
        seen += 1
        # uncommented() blanks // and /* */ comments, as in JavaScript.
        code = uncommented(path)
        for m in WORD.finditer(code):
            if m.group(1) in keys:
                print("%s:%d: %s is the glossary's (%s); do not copy it"
                      % (path, code.count("\n", 0, m.start()) + 1,
                         m.group(1), GLOSSARY))
                bad += 1
    if not keys or seen == 0:
        print("no glossary or no word table under %s" % root)
        return 1
    return verdict(bad, "words copied from the glossary",
                   "%d glossary terms, %d word tables: no copies"
                   % (len(keys), seen))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
