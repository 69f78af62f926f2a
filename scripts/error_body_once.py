#!/usr/bin/env python3
"""Fails (exit 1) when an error body is built outside http_error_body().

Issue 12 item 7: every JSON error reply has one shape,
{"error":{"code":..,"message":..[,"field":..]...}}, made by
http_error_body() in server/http_reply.c (api_error, api_error_extra and
http_reply_error call it). A json_pack() whose format nests an object under
"error", or a string literal holding {"error": text, anywhere else in
server/ (or the directories given) is a second builder and is reported as
file:line.
Usage: error_body_once.py [DIR...]
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from c_scan import report, uncommented, verdict  # noqa: E402

HOME = "http_reply.c"
# json_pack("{s:{...", "error", ...) up to the end of the statement.
PACK = re.compile(r'json_pack\s*\(\s*"\{s:[{o][^;]*?"error"', re.S)
# "{\"error\":" in a literal (hand-written JSON text).
TEXT = re.compile(r'\\"error\\"\s*:\s*\{')
# json_object_set(_new)(x, "error", ...) building the wrapper by hand.
SET = re.compile(r'json_object_set(_new)?\s*\([^,]+,\s*"error"\s*,')


def check(path):
    code = uncommented(path)
    return [(code.count("\n", 0, m.start()) + 1, "builds an error body "
             "itself; use api_error/api_error_extra/http_reply_error")
            for rx in (PACK, TEXT, SET) for m in rx.finditer(code)]


def main(argv):
    bad, seen = report(argv, ("server",),
                       lambda name: name == HOME and not argv[1:], check)
    return verdict(bad, None, "every error body comes from http_error_body() "
                   "(%d files)" % seen)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
