"""Eight hours of a GPS receiver's $GPRMC sentences at 1 Hz, for the
handheld benchmarks (handheld_bench.sh, sync_bench.sh).

    nmea_day.py OUT                 walking a loop round Tama ward, at
                                    3 km/h, ending now (dated today)
    nmea_day.py OUT --trace TRACE   the points of TRACE (a barefoot JSON
                                    trace) over and over at 10 km/h, from
                                    2026-07-01 00:00 UTC

OUT.last gets the last fix's time (ms since 1970)."""
import argparse
import datetime
import json
import math

HOURS = 8


def nmea(body):
    c = 0
    for ch in body:
        c ^= ord(ch)
    return "$%s*%02X\r\n" % (body, c)


def rmc(t, lat, lon, knots):
    la, lo = abs(lat), abs(lon)
    return nmea("GPRMC,%s.000,A,%02d%07.4f,%s,%03d%07.4f,%s,%.1f,0.0,%s,,"
                % (t.strftime("%H%M%S"), int(la), (la % 1) * 60,
                   "N" if lat >= 0 else "S", int(lo), (lo % 1) * 60,
                   "E" if lon >= 0 else "W", knots, t.strftime("%d%m%y")))


def tama_loop(i):
    return (35.62 + 0.01 * math.sin(i / 900.0),
            139.55 + 0.01 * math.cos(i / 1100.0))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--trace")
    a = ap.parse_args()
    if a.trace:
        with open(a.trace) as f:
            pts = [tuple(map(float, p["point"][6:-1].split()))
                   for p in json.load(f)]
        where = lambda i: pts[i % len(pts)][::-1]  # noqa: E731 (lon lat)
        t0, knots = datetime.datetime(2026, 7, 1), 10.0
    else:
        where, knots = tama_loop, 3.0
        t0 = datetime.datetime.utcnow().replace(microsecond=0) - \
            datetime.timedelta(hours=HOURS)
    with open(a.out, "w") as f:
        for i in range(HOURS * 3600):
            t = t0 + datetime.timedelta(seconds=i)
            f.write(rmc(t, *where(i), knots))
    with open(a.out + ".last", "w") as f:
        f.write("%d\n" % ((t - datetime.datetime(1970, 1, 1))
                          .total_seconds() * 1000))


if __name__ == "__main__":
    main()
