#!/bin/bash
# The crew's screen (issue 14), against baselines measured in the same run:
#   1. a screen action's latency (POST to patrol-agent serve): the taps (a
#      step, done with a photo; p50/p99) and, apart, the photo uploads
#      (the camera's bytes, a transfer rather than a tap), at the client
#      and the agent's own time (Server-Timing); against
#      - the same action as a command (patrol-agent accept ID ...,
#        process start to exit),
#      - a bare evhttp server's answer (tests/bench/bare_http, GET
#        /healthz) over the same kind of connection: the HTTP floor,
#      - a bare SQLite commit in the same directory (one row, WAL,
#        synchronous=FULL, as the outbox): the durability floor, one
#        fsync of the WAL; and a bare fsync of 4 kB;
#   2. the daemon's peak RSS over a simulated day (25 jobs with a 300 kB
#      photo each, 8 hours of 1 Hz track replayed at BENCH_SPEED times its
#      pace, the screen polled every 0.5 s throughout) against the peak RSS of the
#      command-line runs doing the same day (the baseline of BENCHMARKS.md
#      section 6) and the RSS of the bare evhttp server; Rss counts the
#      shared libraries' pages this process mapped too, so Pss (shared
#      pages divided among the processes mapping them) and the private
#      pages are printed beside it, and the idle daemon's memory by
#      mapping (BENCH_SMAPS keeps the whole smaps);
#   3. the binary's size, stripped (the screen's files are inside it), and
#      its modules' (TLS, gpsd: loaded only when used).
#
#   tests/bench/handheld_bench.sh BUILD_DIR
#
# Uses $DATABASE_URL (migrated); adds an office, two crews and their
# devices. Knobs: BENCH_PORT (18381), BENCH_JOBS (25), BENCH_SPEED (120:
# the 8 h track in 4 minutes, so that the taps run while it is recorded;
# 0 replays it as fast as the daemon reads, which until session 7 the
# bench did: some 150 times a real day's rate of kept fixes, more fixes in
# the taps' minutes than a real crew's device writes in hours),
# BENCH_TLS=1 (patrold serves https with a throwaway CA; the agents trust
# it with --ca),
# BENCH_SMAPS=FILE (a copy of the idle daemon's /proc/PID/smaps),
# BENCH_GPSD=1 (the daemon reads the day's track from gpsd, gpsfake
# replaying it, through libgps as a handheld does, instead of the NMEA
# file: the module patrol-agent-gpsd.so and libgps's libraries are then
# mapped too).
set -eu

me=handheld_bench.sh
. "$(dirname "$0")/lib.sh"
bench_build "${1:?usage: handheld_bench.sh BUILD_DIR}"
jobs=${BENCH_JOBS:-25}
: "${DATABASE_URL:?handheld_bench.sh: set DATABASE_URL}"

agent=$build/mobile-agent/patrol-agent
bare=$build/tests/bench/bare_http
bench_need "$patrold" "$patrolctl" "$agent" "$bare"

# gpsfake (BENCH_GPSD=1) runs in a process group of its own.
bench_cleanup_hook() { [ -z "${fake:-}" ] || kill -- -"$fake" 2>/dev/null; }

"$patrolctl" --database-url "$DATABASE_URL" migrate >/dev/null || die "migrate failed"
q "INSERT INTO offices (code, name_ja, name_en, lon, lat)
   VALUES ('hbench', 'ベンチ', 'Bench', 139.55, 35.62) ON CONFLICT DO NOTHING;
   INSERT INTO crews (code, name, office_id, skills, shift_start, shift_end)
   SELECT c, 'bench', (SELECT id FROM offices WHERE code = 'hbench'),
          '{road,wasp}', '00:00', '00:00' FROM unnest('{hbench-cli,hbench-screen}'::text[]) c
   ON CONFLICT (code) DO NOTHING" || die "cannot make the bench crews"

port=$(free_port "${BENCH_PORT:-18381}")
scheme=http tls=() ca=() curlca=()
if [ "${BENCH_TLS:-0}" = 1 ]; then
	# A throwaway CA and a certificate for localhost, as a real server has.
	(cd "$work" &&
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem \
			-days 2 -subj /CN=bench-ca 2>/dev/null &&
		openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
			-subj /CN=localhost 2>/dev/null &&
		printf 'subjectAltName=DNS:localhost\n' >san.ext &&
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-out server.pem -days 2 -extfile san.ext 2>/dev/null) ||
		die "cannot make the bench certificates"
	scheme=https
	tls=(--tls-cert "$work/server.pem" --tls-key "$work/server.key")
	ca=(--ca "$work/ca.pem")
	curlca=(--cacert "$work/ca.pem")
fi
base="$scheme://localhost:$port"
"$patrold" --port "$port" --database-url "$DATABASE_URL" --photo-dir "$work/photos" \
	"${tls[@]}" --log-level warn 2>"$work/patrold.log" &
pid=$!
pids+=("$pid")
wait_http "$pid" "$base/healthz" "${curlca[@]}" ||
	{ cat "$work/patrold.log" >&2; die "patrold did not start"; }
token=$(bench_token hbench) || exit 1

# 8 hours at 1 Hz, walking around Tama ward, dated today.
python3 "$src/tests/bench/nmea_day.py" "$work/day.nmea" || die "nmea_day.py failed"

# One device per crew, and the day's jobs for each.
enroll() { # DIR CREW
	local code
	code=$("$patrolctl" --database-url "$DATABASE_URL" device enroll --crew "$2" 2>/dev/null) ||
		die "device enroll failed"
	"$agent" --dir "$1" enroll --server "$base" --code "$code" "${ca[@]}" >/dev/null ||
		die "agent enroll failed"
}
enroll "$work/cli" hbench-cli
enroll "$work/screen" hbench-screen
bench_jobs "$base" "$token" "$jobs" hbench-cli "${curlca[@]}"
bench_jobs "$base" "$token" "$jobs" hbench-screen "${curlca[@]}"
# One photo for every job, on both sides (the screen's driver sends it too).
bench_photo "$work/p.jpg"

# Baseline: the same day through the command line (each step a process).
peak_cli=0
: >"$work/cli-ms"
cli() { # runs one command; its wall time (ms) and peak RSS (kB)
	local t0 t1
	t0=$(date +%s%N)
	/usr/bin/time -f '%M' -o "$work/rss" "$agent" --dir "$work/cli" "$@" >/dev/null \
		2>"$work/agent.err" || { cat "$work/agent.err" >&2; die "patrol-agent $* failed"; }
	t1=$(date +%s%N)
	case $1 in sync|run) ;; *) echo "$(((t1 - t0) / 1000))" | awk '{ printf "%.3f\n", $1 / 1000 }' >>"$work/cli-ms" ;; esac
	peak_cli=$(awk -v a="$peak_cli" -v b="$(tail -n 1 "$work/rss")" 'BEGIN { print (b > a) ? b : a }')
}
cli_jobs() { "$agent" --dir "$work/cli" jobs | awk '$2 == "assigned" { print $1 }'; }
bench_agent_day cli "$work/p.jpg" "$work/day.nmea" cli_jobs

# Baselines: a bare evhttp server (its RSS after answering, and its answer
# time at the same client), a bare SQLite commit and a bare fsync in the
# same directory as the daemon's database.
bport=$(free_port $((port + 1)))
"$bare" "$bport" 2>"$work/bare.log" &
bpid=$!
pids+=("$bpid")
mkdir -p "$work/screen"
python3 - "$bport" "$bpid" "$work/screen" "$work/base" <<'EOF' || die "baselines failed"
import http.client, os, sqlite3, sys, time
port, pid, d, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
for i in range(100):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request("GET", "/healthz")
        c.getresponse().read()
        break
    except OSError:
        time.sleep(0.1)
http_ms = []
for i in range(300):
    t0 = time.perf_counter()
    c.request("GET", "/healthz")
    c.getresponse().read()
    http_ms.append((time.perf_counter() - t0) * 1000)
with open("/proc/%s/status" % pid) as f:
    rss = [l.split()[1] for l in f if l.startswith("VmHWM")][0]
db = sqlite3.connect(os.path.join(d, "bare.db"), isolation_level=None)
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA synchronous = FULL")
db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")
sql_ms = []
for i in range(200):
    t0 = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO t (body) VALUES (?)", (os.urandom(200),))
    db.execute("COMMIT")
    sql_ms.append((time.perf_counter() - t0) * 1000)
db.close()
for f in ("bare.db", "bare.db-wal", "bare.db-shm"):
    try:
        os.unlink(os.path.join(d, f))
    except FileNotFoundError:
        pass
fd = os.open(os.path.join(d, "fsync.tmp"), os.O_WRONLY | os.O_CREAT, 0o600)
fs_ms = []
for i in range(200):
    os.write(fd, os.urandom(4096))
    t0 = time.perf_counter()
    os.fsync(fd)
    fs_ms.append((time.perf_counter() - t0) * 1000)
os.close(fd)
os.unlink(os.path.join(d, "fsync.tmp"))
for name, v in (("http", http_ms), ("sqlite", sql_ms), ("fsync", fs_ms)):
    with open(out + "." + name, "w") as f:
        f.write("\n".join("%.3f" % x for x in v) + "\n")
with open(out + ".rss", "w") as f:
    f.write(rss + "\n")
EOF
kill "$bpid" && wait "$bpid" 2>/dev/null || true
bpid=

# Ours: the daemon with its screen open all day.
gps=(--nmea "$work/day.nmea" --speed "${BENCH_SPEED:-120}") gpsname="NMEA at ${BENCH_SPEED:-120}x"
if [ "${BENCH_GPSD:-0}" = 1 ]; then
	command -v gpsfake >/dev/null || die "BENCH_GPSD=1 needs gpsfake (gpsd-clients)"
	gport=$(free_port $((bport + 1)))
	setsid gpsfake -1 -q -P "$gport" -c 0.002 "$work/day.nmea" >/dev/null 2>&1 &
	fake=$!
	for i in $(seq 100); do
		ss -Hltn "sport = :$gport" | grep -q . && break
		sleep 0.1
	done
	gps=(--gpsd "127.0.0.1:$gport") gpsname=gpsd
fi
"$agent" --dir "$work/screen" serve --listen 127.0.0.1:0 "${gps[@]}" \
	>"$work/serve.out" 2>"$work/serve.err" &
serve=$!
for _ in $(seq 100); do
	grep -q '^OK screen at' "$work/serve.out" && break
	kill -0 "$serve" 2>/dev/null || { cat "$work/serve.err" >&2; die "serve died"; }
	sleep 0.1
done
url=$(sed -n 's/^OK screen at //p' "$work/serve.out")
python3 - "$url" "$work/p.jpg" "$serve" "$work/screen-ms" "$(cat "$work/day.nmea.last")" <<'EOF' || die "screen driver failed"
import http.client, json, os, sys, threading, time, urllib.parse
url, photo, pid, out = sys.argv[1], open(sys.argv[2], "rb").read(), sys.argv[3], sys.argv[4]
last_fix_ms = int(sys.argv[5])
u = urllib.parse.urlparse(url)
host, port = u.hostname, u.port
token = urllib.parse.parse_qs(u.query)["t"][0]
hdr = {"Cookie": "patrol_screen=" + token}
def call(method, path, body=None, ctype="application/json", conn=None):
    c = conn or http.client.HTTPConnection(host, port, timeout=60)
    h = dict(hdr)
    if body is not None:
        h["Content-Type"] = ctype
        if ctype == "application/json":
            body = json.dumps(body)
    t0 = time.perf_counter()
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    ms = (time.perf_counter() - t0) * 1000
    if r.status >= 300:
        raise SystemExit("%s %s: %d %s" % (method, path, r.status, data[:200]))
    # The agent's own time on it (Server-Timing: app;dur=ms).
    st = r.getheader("Server-Timing") or ""
    app = float(st.split("dur=")[1]) if "dur=" in st else float("nan")
    if method == "POST" and path == "/api/photos":
        photo_apps.append(app)
        photo_ms.append(ms)
    elif method == "POST" and path != "/api/sync":
        apps.append(app)
        lat.append(ms)
    return json.loads(data), ms
stop = False
apps, lat, photo_apps, photo_ms = [], [], [], []
polls = [0]
peak = {"Rss": 0, "Pss": 0, "Private": 0, "Anonymous": 0}
def rollup():
    with open("/proc/%s/smaps_rollup" % pid) as f:
        kv = {l.split(":")[0]: int(l.split()[1]) for l in f if l.endswith("kB\n")}
    kv["Private"] = kv["Private_Clean"] + kv["Private_Dirty"]
    return kv
def sample():  # Rss, Pss, the daemon's own pages (sampled peaks)
    kv = rollup()
    for k in peak:
        peak[k] = max(peak[k], kv[k])
def screen():  # the screen open, refreshed every 0.5 s
    c = http.client.HTTPConnection(host, port, timeout=60)
    while not stop:
        call("GET", "/api/state", conn=c)
        call("GET", "/api/jobs", conn=c)
        sample()
        polls[0] += 1
        time.sleep(0.5)
deadline = time.time() + 120
while True:
    jobs = [j for j in call("GET", "/api/jobs")[0]["jobs"] if j["state"] == "assigned"]
    if len(jobs) >= 25 or time.time() > deadline:
        break
    time.sleep(0.5)
# Idle: the first sync has brought the jobs and nothing runs now.
while call("GET", "/api/state")[0]["syncing"]:
    time.sleep(0.2)
time.sleep(1)
with open("/proc/%s/status" % pid) as f:
    st = {l.split(":")[0]: l.split()[1] for l in f if l.startswith("Vm")}
idle = (st["VmRSS"], st["VmHWM"])
idle_kv = rollup()
with open("/proc/%s/smaps" % pid) as f:
    smaps = f.read()
if os.environ.get("BENCH_SMAPS"):  # where the idle daemon's memory is
    with open(os.environ["BENCH_SMAPS"], "w") as o:
        o.write(smaps)
# The idle daemon's memory by mapping: Rss, Pss and private kB per file.
by = {}
name = None
for l in smaps.splitlines():
    f = l.split()
    if len(f) >= 5 and "-" in f[0] and not f[0].endswith(":"):
        name = os.path.basename(f[5]) if len(f) > 5 else "[anon]"
    elif f and f[0] in ("Rss:", "Pss:", "Private_Clean:", "Private_Dirty:"):
        k = {"Rss:": 0, "Pss:": 1}.get(f[0], 2)
        by.setdefault(name, [0, 0, 0])[k] += int(f[1])
with open(out + ".maps", "w") as o:
    for n, v in sorted(by.items(), key=lambda kv: -kv[1][0]):
        if v[0] > 0:
            o.write("%-28s %8d %8d %8d\n" % (n[:28], v[0], v[1], v[2]))
threading.Thread(target=screen, daemon=True).start()
c = http.client.HTTPConnection(host, port, timeout=60)
for j in jobs:
    for a in ("accept", "en_route", "on_site"):
        call("POST", "/api/jobs/%d/step" % j["id"], {"action": a}, conn=c)
    p, ms = call("POST", "/api/photos", photo, "image/jpeg", conn=c)
    call("POST", "/api/jobs/%d/done" % j["id"],
         {"outcome": "removed", "note": "駆除", "photos": [p["photo"]]}, conn=c)
# The rest of the day: the track replays; wait until all is sent.
deadline = time.time() + 600
while time.time() < deadline:
    s = call("GET", "/api/state")[0]
    if s["pending"] == 0 and s["photos_pending"] == 0 and not s["syncing"] and s["position"] \
            and s["position"]["t_ms"] >= last_fix_ms:
        break
    call("POST", "/api/sync", {})
    time.sleep(1)
stop = True
time.sleep(0.6)
with open("/proc/%s/status" % pid) as f:
    hwm = [l.split()[1] for l in f if l.startswith("VmHWM")][0]
with open(out, "w") as f:
    f.write("\n".join("%.3f" % x for x in lat) + "\n")
with open(out + ".app", "w") as f:  # the 100 taps' own times
    f.write("\n".join("%.3f" % x for x in apps) + "\n")
with open(out + ".photo", "w") as f:  # the 25 photo uploads, at the client
    f.write("\n".join("%.3f" % x for x in photo_ms) + "\n")
with open(out + ".photo.app", "w") as f:
    f.write("\n".join("%.3f" % x for x in photo_apps) + "\n")
print("screen: %d taps, %d photos, %d refreshes; pending %d, photos %d; serve VmHWM %s kB"
      % (len(lat), len(photo_ms), polls[0], s["pending"], s["photos_pending"], hwm))
with open(out + ".hwm", "w") as f:
    f.write("%s %d %d %d %s %s %d %d %d\n" % (hwm, peak["Pss"], peak["Private"], peak["Anonymous"],
                                          idle[0], idle[1], idle_kv["Pss"], idle_kv["Private"],
                                          idle_kv["Anonymous"]))
EOF
read -r hwm pss private anon idle_rss idle_hwm idle_pss idle_private idle_anon <"$work/screen-ms.hwm"
kill -TERM "$serve"
wait "$serve" || die "serve did not exit cleanly: $(cat "$work/serve.err")"
# This run's device and jobs (the bench crews stay in the database).
read -r dev ids < <(python3 -c "import sqlite3, sys
d = sqlite3.connect(sys.argv[1])
print(d.execute(\"SELECT value FROM state WHERE key = 'device_id'\").fetchone()[0],
      ','.join(str(r[0]) for r in d.execute('SELECT request_id FROM jobs')) or '0')" \
	"$work/screen/agent.db")
fixes=$(q "SELECT count(*) FROM track_fixes WHERE device_id = $dev")
photos=$(q "SELECT count(*) FROM request_photos WHERE request_id IN ($ids)")

pct() { sort -g "$1" | awk -v p="$2" '{ v[NR] = $1 } END {
	i = int(p * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; printf "%.1f", v[i] }'; }
cp "$agent" "$work/patrol-agent.stripped"
strip "$work/patrol-agent.stripped"
mods=0
for m in "$(dirname "$agent")"/patrol-agent-*.so; do
	[ -e "$m" ] || continue
	cp "$m" "$work/m.so" && strip "$work/m.so"
	mods=$((mods + $(stat -c %s "$work/m.so")))
done
s50=$(pct "$work/screen-ms" 0.5) s99=$(pct "$work/screen-ms" 0.99)
a50=$(pct "$work/screen-ms.app" 0.5) a99=$(pct "$work/screen-ms.app" 0.99)
c50=$(pct "$work/cli-ms" 0.5) c99=$(pct "$work/cli-ms" 0.99)
h50=$(pct "$work/base.http" 0.5) h99=$(pct "$work/base.http" 0.99)
q50=$(pct "$work/base.sqlite" 0.5) q99=$(pct "$work/base.sqlite" 0.99)
f50=$(pct "$work/base.fsync" 0.5) f99=$(pct "$work/base.fsync" 0.99)
bare_rss=$(cat "$work/base.rss")
echo
echo "handheld day over $scheme, track from $gpsname: $jobs jobs (3 steps, a 300 kB photo, done), 8 h of 1 Hz track;" \
	"screen device: $fixes fixes and $photos photos stored"
printf '%-46s %10s %10s\n' "" "p50" "p99"
printf '%-46s %10s %10s\n' "tap at the client (ms)" "$s50" "$s99"
printf '%-46s %10s %10s\n' "  the agent's own time (ms)" "$a50" "$a99"
printf '%-46s %10s %10s\n' "photo upload at the client (ms)" "$(pct "$work/screen-ms.photo" 0.5)" "$(pct "$work/screen-ms.photo" 0.99)"
printf '%-46s %10s %10s\n' "  the agent's own time (ms)" "$(pct "$work/screen-ms.photo.app" 0.5)" "$(pct "$work/screen-ms.photo.app" 0.99)"
printf '%-46s %10s %10s\n' "baseline: the same step as a command (ms)" "$c50" "$c99"
printf '%-46s %10s %10s\n' "baseline: bare evhttp GET /healthz (ms)" "$h50" "$h99"
printf '%-46s %10s %10s\n' "baseline: bare SQLite commit, WAL FULL (ms)" "$q50" "$q99"
printf '%-46s %10s %10s\n' "baseline: bare fsync of 4 kB (ms)" "$f50" "$f99"
printf '%-46s %10s %10s\n' "ratio tap / command" "$(ratio "$s50" "$c50")" "$(ratio "$s99" "$c99")"
printf '%-46s %10s %10s\n' "ratio agent's own / bare SQLite commit" "$(ratio "$a50" "$q50")" "$(ratio "$a99" "$q99")"
echo
printf '%-46s %10s %10s %7s\n' "memory (kB)" "serve" "baseline" "ratio"
printf '%-46s %10s %10s %7s\n' "peak RSS through the day / commands' peak" "$hwm" "$peak_cli" "$(ratio "$hwm" "$peak_cli")"
printf '%-46s %10s %10s %7s\n' "peak RSS / a bare evhttp server's RSS" "$hwm" "$bare_rss" "$(ratio "$hwm" "$bare_rss")"
printf '%-46s %10s\n' "  Pss, peak sampled" "$pss"
printf '%-46s %10s\n' "  private (clean + dirty), peak sampled" "$private"
printf '%-46s %10s\n' "  anonymous (heap, stacks), peak sampled" "$anon"
printf '%-46s %10s\n' "idle after its first sync: RSS" "$idle_rss"
printf '%-46s %10s\n' "  Pss / private / anonymous" "$idle_pss / $idle_private / $idle_anon"
printf '%-46s %10s\n' "  peak RSS up to then" "$idle_hwm"
printf '%-46s %10s\n' "binary as built (bytes)" "$(stat -c %s "$agent")"
printf '%-46s %10s\n' "binary stripped (bytes)" "$(stat -c %s "$work/patrol-agent.stripped")"
printf '%-46s %10s\n' "  its modules, stripped (bytes)" "$mods"
echo
echo "idle daemon by mapping (kB):        Rss      Pss  private"
head -n 16 "$work/screen-ms.maps"
grep -v '^$' "$work/patrold.log" | grep -v 'level=info' | tail -n 5 >&2 || true
