#!/usr/bin/env python3
"""GDAL opens the weekly coverage exports, and counts what we count.

usage: export_gdal.py EXPORT_DUMP WARDS_GEOJSON

export_dump writes the sample report in each format; ogrinfo (Debian
gdal-bin) must open the vector ones with one feature per piece and our
fields, and gdalinfo must read the PNG as a 1600x1200 image. Exits 77
(skipped) when GDAL is not installed, as CTest is told.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

FIELDS = ["id", "kind", "class", "name", "ward_code", "length_m",
          "interval_days", "state", "due", "last_inspected", "due_at",
          "best_share"]


def run(argv):
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("%s failed (%d):\n%s%s" % (" ".join(argv), p.returncode,
                                            p.stdout, p.stderr))
    return p.stdout


def dump(tool, wards, fmt, path, *extra):
    out = run([tool, "-w", wards, "-c", "14135", *extra, fmt, path])
    m = re.match(r"pieces=(\d+) summary=(\d+)", out)
    if not m:
        sys.exit("export_dump said: %r" % out)
    return int(m.group(1)), int(m.group(2))


def feature_count(path, *extra):
    out = run(["ogrinfo", "-ro", "-al", "-so", *extra, path])
    counts = [int(n) for n in re.findall(r"^Feature Count: (\d+)", out, re.M)]
    if not counts:
        sys.exit("ogrinfo reported no layer for %s:\n%s" % (path, out))
    return sum(counts), out


def check_fields(path, out, fields):
    have = set(re.findall(r"^(\w+): \w+", out, re.M))
    missing = [f for f in fields if f not in have]
    if missing:
        sys.exit("%s: ogrinfo lacks fields %s:\n%s" % (path, missing, out))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    tool, wards = sys.argv[1], sys.argv[2]
    if shutil.which("ogrinfo") is None or shutil.which("gdalinfo") is None:
        print("skip: ogrinfo/gdalinfo not installed (Debian gdal-bin)")
        return 77
    failures = 0
    with tempfile.TemporaryDirectory(prefix="export_gdal.") as tmp:
        for fmt in ("geojson", "kml"):
            path = os.path.join(tmp, "coverage." + fmt)
            pieces, _ = dump(tool, wards, fmt, path)
            n, out = feature_count(path)
            if n != pieces:
                print("FAIL %s: ogrinfo counts %d features, we wrote %d"
                      % (fmt, n, pieces))
                failures += 1
            # KML's name is the Placemark's own, which GDAL calls Name.
            check_fields(path, out, [f if fmt != "kml" or f != "name"
                                     else "Name" for f in FIELDS])
            # LIBKML declares no layer geometry type: count per feature.
            lines = len(re.findall(r"^  LINESTRING : 3 points$",
                                   run(["ogrinfo", "-ro", "-al",
                                        "-geom=SUMMARY", path]), re.M))
            if lines != pieces:
                print("FAIL %s: %d line strings, we wrote %d"
                      % (fmt, lines, pieces))
                failures += 1
            print("ok %s: %d features, %d line strings" % (fmt, n, lines))

        # Each CSV is one table: the pieces, and the summary in a file of
        # its own. English headers (locale en) are the fields GDAL names.
        path = os.path.join(tmp, "coverage.csv")
        pieces, summary = dump(tool, wards, "csv", path, "-l", "en")
        n, out = feature_count(path)
        check_fields(path, out, FIELDS)  # "id", not a BOM-prefixed one
        if n != pieces:
            print("FAIL csv: ogrinfo counts %d rows, want %d" % (n, pieces))
            failures += 1
        print("ok csv: %d piece rows" % n)
        path = os.path.join(tmp, "coverage.summary.csv")
        _, summary = dump(tool, wards, "summary.csv", path, "-l", "en")
        n, out = feature_count(path)
        check_fields(path, out, ["ward_code", "ward_name", "pieces",
                                 "share_on_time", "km_on_time"])
        if n != summary:
            print("FAIL summary.csv: ogrinfo counts %d rows, want %d"
                  % (n, summary))
            failures += 1
        print("ok summary.csv: %d rows" % n)
        # The Japanese file (the default) opens with the same rows.
        path = os.path.join(tmp, "coverage_ja.csv")
        dump(tool, wards, "csv", path)
        n, out = feature_count(path)
        if n != pieces or "番号" not in out:
            print("FAIL csv (ja): %d rows, want %d, fields:\n%s"
                  % (n, pieces, out))
            failures += 1
        print("ok csv (ja): %d piece rows" % n)

        path = os.path.join(tmp, "coverage.png")
        dump(tool, wards, "png", path)
        out = run(["gdalinfo", path])
        if "Driver: PNG/" not in out or "Size is 1600, 1200" not in out:
            print("FAIL png: gdalinfo says:\n%s" % out)
            failures += 1
        print("ok png: %d bytes" % os.path.getsize(path))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
