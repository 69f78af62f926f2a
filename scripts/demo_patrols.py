#!/usr/bin/env python3
"""Generates data/demo_patrols.json: DEMO DATA, five weeks of made-up
patrols by the demo crews in Tama ward: along the real Kawasaki river
network (MLIT W05, data/ksj_w05_kawasaki_rivers.geojson), and by car over
the demo streets (data/demo_roads.geojson, scripts/demo_roads.py).

The output is committed; run this again only to change the demo:

    python3 scripts/demo_patrols.py > data/demo_patrols.json

It is deterministic (a fixed seed, no clock): times are offsets from the
Monday 00:00 (local) of the week in which `patrolctl demo load` runs, so the
demo's "this week" is always the current week. The fixes imitate real
receivers: 1 Hz for a walker, every 5 s for a car, position noise of a few
metres, and gaps where the signal drops (bridges, tree cover) for 20 s to
2 min, so that a stretch is sometimes left uncovered, as it would be.
"""
import json
import math
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
TAMA = "14135"
BORDER_M = 200          # as patrolctl import network --ward keeps pieces
LAT0 = 35.61
KX = 111320 * math.cos(math.radians(LAT0))
KY = 110540


def xy(p):
    return (p[0] * KX, p[1] * KY)


def lonlat(q):
    return (q[0] / KX, q[1] / KY)


def inring(x, y, r):
    c = False
    for i in range(len(r) - 1):
        (x1, y1), (x2, y2) = r[i], r[i + 1]
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            c = not c
    return c


def seg_dist(p, a, b):
    dx, dy = b[0] - a[0], b[1] - a[1]
    l2 = dx * dx + dy * dy
    t = 0 if l2 == 0 else max(0, min(1, ((p[0] - a[0]) * dx +
                                        (p[1] - a[1]) * dy) / l2))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def load_tama():
    doc = json.load(open(os.path.join(DATA, "kawasaki_wards_N03-22.geojson"),
                         encoding="utf-8"))
    polys = []
    for f in doc["features"]:
        if f["properties"]["code"] != TAMA:
            continue
        g = f["geometry"]
        polys += g["coordinates"] if g["type"] == "MultiPolygon" \
            else [g["coordinates"]]
    rings = [[xy(p) for p in ring] for poly in polys for ring in poly]
    return polys, rings


def near_tama(p, polys, rings):
    for poly in polys:
        if inring(p[0], p[1], poly[0]) and \
                not any(inring(p[0], p[1], h) for h in poly[1:]):
            return True
    q = xy(p)
    return any(seg_dist(q, xy_a, xy_b) <= BORDER_M
               for r in rings for xy_a, xy_b in zip(r, r[1:]))


def near_runs(line, polys, rings):
    """The runs of a line's points near Tama ward, in metres."""
    runs, run = [], []
    for p in line:
        if near_tama(p, polys, rings):
            run.append(xy(p))
        elif run:
            if len(run) > 1:
                runs.append(run)
            run = []
    if len(run) > 1:
        runs.append(run)
    return runs


def river_runs(name, polys, rings):
    """The river's lines, cut to the runs near Tama ward, in metres."""
    doc = json.load(open(os.path.join(DATA, "ksj_w05_kawasaki_rivers.geojson"),
                         encoding="utf-8"))
    runs = []
    for f in doc["features"]:
        if f["properties"].get("layer") == name:
            runs += near_runs(f["geometry"]["coordinates"], polys, rings)
    return runs


def street_runs(names, polys, rings):
    """The demo streets' lines (data/demo_roads.geojson, DEMO DATA), cut
    to the runs near Tama ward, in metres, in the order of names."""
    doc = json.load(open(os.path.join(DATA, "demo_roads.geojson"),
                         encoding="utf-8"))
    runs = []
    for name in names:
        for f in doc["features"]:
            if f["properties"]["name"] == name:
                runs += near_runs(f["geometry"]["coordinates"], polys, rings)
    return runs


def chain(runs):
    """Orders the runs into one way along the river, nearest end next."""
    left = list(runs)
    out = [left.pop(0)]
    while left:
        end = out[-1][-1]
        best = min(range(len(left)), key=lambda i: min(
            math.dist(end, left[i][0]), math.dist(end, left[i][-1])))
        r = left.pop(best)
        if math.dist(end, r[-1]) < math.dist(end, r[0]):
            r = r[::-1]
        out.append(r)
    return [p for r in out for p in r]


def length(path):
    return sum(math.dist(a, b) for a, b in zip(path, path[1:]))


def cut(path, f0, f1):
    """The part of the path between fractions f0 and f1 of its length."""
    total, acc, out = length(path), 0, []
    a, b = f0 * total, f1 * total
    for p, q in zip(path, path[1:]):
        d = math.dist(p, q)
        if acc + d >= a and acc <= b:
            t0 = max(0, (a - acc) / d) if d else 0
            t1 = min(1, (b - acc) / d) if d else 0
            out.append((p[0] + t0 * (q[0] - p[0]), p[1] + t0 * (q[1] - p[1])))
            out.append((p[0] + t1 * (q[0] - p[0]), p[1] + t1 * (q[1] - p[1])))
        acc += d
    return out


def walk(rng, path, speed_ms, every_s, offset_m, noise_m):
    """Fixes along the path: [ms since the start, lon, lat]."""
    fixes, t, gap_until = [], 0.0, -1.0
    step = speed_ms * every_s
    side = 1
    for p, q in zip(path, path[1:]):
        d = math.dist(p, q)
        if d == 0:
            continue
        ux, uy = (q[0] - p[0]) / d, (q[1] - p[1]) / d
        s = 0.0
        while s < d:
            t += every_s
            # A receiver's clock ticks in whole fixes; its time stamps
            # carry milliseconds (a walker's phone: a few ms of jitter).
            ms = int(round(t * 1000)) + (rng.randint(0, 40) if every_s == 1
                                         else 0)
            if gap_until < t and rng.random() < 0.0015 * every_s:
                gap_until = t + rng.choice([20, 45, 75, 120])
            if t > gap_until:
                x = p[0] + ux * s - uy * offset_m * side + rng.gauss(0, noise_m)
                y = p[1] + uy * s + ux * offset_m * side + rng.gauss(0, noise_m)
                lon, lat = lonlat((x, y))
                fixes.append([ms, round(lon, 7), round(lat, 7)])
            s += step * rng.uniform(0.85, 1.15)
        # Bends slow a walker or a car a little.
        t += rng.uniform(0, 3)
    return fixes


# (crew, days from this week's Monday, start HH:MM, river, from, to, mode)
# mode: walk (1 Hz, 4.5 km/h) or car (5 s, 15 km/h on the bank road).
PLAN = [
    ("tama-river-1", -33, "09:30", "平瀬川_平瀬川支川", 0.0, 1.0, "walk"),
    ("tama-river-1", -19, "10:00", "多摩川", 0.0, 0.45, "car"),
    ("tama-road-1", -12, "13:30", "三沢川", 0.55, 1.0, "walk"),
    ("tama-road-1", -4, "14:00", "多摩川", 0.7, 0.85, "car"),
    ("tama-river-1", 1, "09:15", "五反田川", 0.0, 1.0, "walk"),
    ("tama-river-1", 3, "10:00", "多摩川", 0.45, 0.7, "car"),
]


# The road crew's car patrols over the demo streets (every 5 s, 15 km/h),
# after the river patrols so that those stay as they were: (crew, day,
# start, streets). Residential streets are due every 30 days: the streets
# patrolled five weeks ago are due again last week and patrolled then, the
# others are not due yet, and 南北通り25-32 are never patrolled, so every
# week of the demo has streets inspected, not due and overdue.
EW, NS = "（デモ）東西通り%d", "（デモ）南北通り%d"
ROADS = [
    ("tama-road-1", -33, "09:00", [EW % i for i in range(1, 6)]),
    ("tama-road-1", -30, "09:00", [NS % i for i in range(1, 9)]),
    ("tama-road-1", -26, "09:00", [EW % i for i in range(6, 12)]),
    ("tama-road-1", -23, "09:00", [NS % i for i in range(9, 17)]),
    ("tama-road-1", -19, "09:00", [EW % i for i in range(12, 18)]),
    ("tama-road-1", -16, "09:00", [NS % i for i in range(17, 25)]),
    ("tama-road-1", -12, "09:00", [EW % i for i in range(18, 23)]),
    ("tama-road-1", -5, "09:00", [EW % i for i in range(1, 6)]),
    ("tama-road-1", -2, "09:00", [NS % i for i in range(1, 9)]),
    ("tama-road-1", 1, "13:00", [EW % i for i in range(6, 12)]),
]


def main():
    rng = random.Random(20261130)
    polys, rings = load_tama()
    paths = {}
    patrols = []
    for crew, day, start, river, f0, f1, mode in PLAN:
        if river not in paths:
            paths[river] = chain(river_runs(river, polys, rings))
        path = cut(paths[river], f0, f1)
        if mode == "walk":
            fixes = walk(rng, path, 1.25, 1, 4, 3)
        else:
            fixes = walk(rng, path, 15 / 3.6, 5, 6, 4)
        patrols.append({"crew": crew, "day": day, "start": start,
                        "river": river, "mode": mode, "fixes": fixes})
    for crew, day, start, streets in ROADS:
        path = chain(street_runs(streets, polys, rings))
        patrols.append({"crew": crew, "day": day, "start": start,
                        "streets": streets[0] + "-" + streets[-1],
                        "mode": "car",
                        "fixes": walk(rng, path, 15 / 3.6, 5, 3, 4)})
    doc = {
        "_comment": "DEMO DATA, not real patrols: generated by "
                    "scripts/demo_patrols.py along the real river centre "
                    "lines of MLIT 国土数値情報 河川 W05 (see NOTICE) and "
                    "over the demo streets (data/demo_roads.geojson). "
                    "day is days from the Monday of the week the demo is "
                    "loaded in, start its local time; fixes are [ms from "
                    "the start, lon, lat].",
        "patrols": patrols,
    }
    out = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    # One patrol a line keeps the file readable in a diff.
    out = out.replace(',{"crew"', ',\n{"crew"')
    sys.stdout.write(out + "\n")


if __name__ == "__main__":
    main()
