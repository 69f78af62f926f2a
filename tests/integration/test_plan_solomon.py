"""patrolctl plan solomon: one line of totals, then routes that visit
every customer of the instance once (issue 15). Needs no database."""
import os
import re
import subprocess
import sys
import tempfile

build = os.environ["PATROL_BUILD_DIR"]
src = os.environ["PATROL_SOURCE_DIR"]
ctl = os.path.join(build, "server", "patrolctl")
inst = os.path.join(src, "data", "vrptw", "C101.txt")


def run(*args):
    return subprocess.run([ctl, *args], capture_output=True, text=True,
                          timeout=60)


r = run("plan", "solomon", inst, "--time-ms", "300")
assert r.returncode == 0, r.stderr
lines = r.stdout.splitlines()
m = re.fullmatch(r"vehicles (\d+) distance (\d+\.\d+) time_ms (\d+)", lines[0])
assert m, lines[0]
routes = [l for l in lines[1:] if l.startswith("route ")]
assert len(routes) == int(m.group(1)), (m.group(1), len(routes))
seen = sorted(int(x) for l in routes for x in l.split(":")[1].split())
assert seen == list(range(1, 101)), "every customer exactly once"
# Quality is the unit test's and the benchmark's: a time budget on a
# shared machine is no basis for an assertion.
assert float(m.group(2)) > 0, m.group(2)

# A bad file is refused with its line named.
with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
    f.write("X\nVEHICLE\n 2 10\nCUSTOMER\n 0 0 0 0 0 10 0\n 1 1 1\n")
r = run("plan", "solomon", f.name)
os.unlink(f.name)
assert r.returncode == 1 and "line 6" in r.stderr, r.stderr
r = run("plan", "solomon", inst, "--time-ms", "abc")
assert r.returncode == 2 and "--time-ms" in r.stderr, r.stderr
print("plan_solomon: ok")
