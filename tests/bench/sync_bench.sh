#!/bin/bash
# The handhelds' sync (issue 4), each number against a baseline measured in
# the same run on the same cluster (see BENCHMARKS.md, section 6):
#   1. syncs/s of simulated agents (sync_load, a 6-fix track piece each)
#      against pgbench -N tps; again with each agent's crew holding one
#      assigned job (every sync then also looks for fresh jobs and reads the
#      crew's plan: the path a crew at work takes);
#   2. GPS fixes ingested/s (1,000-fix pieces) against COPY rows/s into a
#      table like track_fixes;
#   3. latency at 1,000 concurrent agents (p50, p99);
#   4. bytes per fix on the wire for the real 1 Hz Munich trace;
#   5. the agent's binary size and peak RSS through a day's work: 25 jobs
#      with photos and 8 hours of 1 Hz track, synced.
#
#   tests/bench/sync_bench.sh BUILD_DIR      (run.sh calls it last)
#
# Uses $DATABASE_URL (migrated); adds bench crews and devices to it. Knobs:
# BENCH_SECONDS (5), BENCH_ROUNDS (3), BENCH_CONNS (4) database connections
# on both sides, BENCH_AGENTS (16) agents for the rates, BENCH_MANY (1000)
# for the latency, BENCH_PORT (18281).
set -eu

me=sync_bench.sh
. "$(dirname "$0")/lib.sh"
bench_build "${1:?usage: sync_bench.sh BUILD_DIR}"
agents=${BENCH_AGENTS:-16}
many=${BENCH_MANY:-1000}
: "${DATABASE_URL:?sync_bench.sh: set DATABASE_URL (run.sh does)}"

agent=$build/mobile-agent/patrol-agent
load=$build/tests/bench/sync_load
bytes=$build/tests/bench/track_bytes
bench_need "$patrold" "$patrolctl" "$agent" "$load" "$bytes"
pgbench=$(bench_pgtool pgbench)


# One crew and one device per simulated agent (the crew's position row is
# each sync's to update, as on a real deployment), tokens as sync_load
# makes them.
bench_crews $((many > agents ? many : agents)) 1

port=$(free_port "${BENCH_PORT:-18281}")
patrold_start "$port" "$work/patrold.log" --db-pool-size "$conns" \
	--db-queue-max 5000 --db-queue-timeout-ms 30000 --http-timeout-s 120 \
	--agent-track-interval-s 1 --photo-dir "$work/photos" \
	--http-max-connections 5000 --http-max-connections-per-address 5000
"$pgbench" -i -s 1 -q "$DATABASE_URL" >/dev/null 2>&1 || die "pgbench -i failed"

# The rounds of comparison $1 (s, j: see bench_round): pgbench -N and
# sync_load by turns.
sync_rounds() {
	local r b out

	for r in $(seq "$rounds"); do
		b=$(pgbench_tps -n -N -c "$conns" -j 1 -T "$secs") || die "pgbench -N failed"
		out=$("$load" -p "$port" -n "$agents" -f 6 -t "$secs" -w 1) || die "sync_load failed"
		[ "$(field "$out" errors)" = 0 ] || { echo "$out" >&2; die "sync_load had errors"; }
		bench_round "$1" "$r" "$b" "$(field "$out" sync_rate)" \
			'  round %d: pgbench -N %8.1f tps  sync %8.1f syncs/s  ratio %s  (p99 %s ms)\n' \
			"$(field "$out" p99_ms)"
	done
}

# 1. Syncs against pgbench -N, alternating.
echo "sync: sync_load -n $agents -f 6 -t $secs; pgbench -N -c $conns -j 1 -T $secs;" \
	"$rounds rounds, patrold --db-pool-size $conns"
s_ours= s_base= s_ratios=()
sync_rounds s

# 2. Fixes against COPY of as many rows into a table like track_fixes.
rows=200000
awk -v n=$rows 'BEGIN { for (i = 0; i < n; i++)
	printf "1\t1\t\\N\t2026-07-01 %02d:%02d:%02d+09\t%.6f\t%.6f\n",
	    int(i / 3600) % 24, int(i / 60) % 60, i % 60,
	    139.56 + i * 1e-6, 35.605 + i * 1e-6 }' >"$work/fixes.tsv"
echo "fixes: sync_load -n $agents -f 1000 -t $secs; COPY $rows rows into a copy" \
	"of track_fixes (same index); $rounds rounds"
f_ours= f_base= f_ratios=()
for r in $(seq "$rounds"); do
	q "DROP TABLE IF EXISTS bench_fixes;
	   CREATE TABLE bench_fixes (LIKE track_fixes INCLUDING ALL)"
	t0=$(date +%s.%N)
	q "\\copy bench_fixes FROM '$work/fixes.tsv'" || die "COPY failed"
	t1=$(date +%s.%N)
	b=$(awk -v n=$rows -v a="$t0" -v z="$t1" 'BEGIN { printf "%.1f", n / (z - a) }')
	out=$("$load" -p "$port" -n "$agents" -f 1000 -t "$secs" -w 1) || die "sync_load failed"
	[ "$(field "$out" errors)" = 0 ] || { echo "$out" >&2; die "sync_load had errors"; }
	o=$(field "$out" fix_rate)
	bench_round f "$r" "$b" "$o" \
		'  round %d: COPY %10.1f rows/s  sync %10.1f fixes/s  ratio %s\n'
done
q "DROP TABLE IF EXISTS bench_fixes"

# 3. Latency with 1,000 agents connected: each syncing every second (give
# or take half: about 1,000 syncs/s offered), then flat out (closed loop:
# each syncs again as soon as it has its answer, so the latency is mostly
# the queue in front of the pool).
for mode in "-i 1000" "-i 0"; do
	# shellcheck disable=SC2086
	out=$("$load" -p "$port" -n "$many" -f 6 -t "$secs" -w 2 $mode) ||
		die "sync_load ($many) failed"
	echo "latency: sync_load -n $many -f 6 -t $secs $mode"
	echo "  $(field "$out" sync_rate) syncs/s, p50 $(field "$out" p50_ms) ms," \
		"p99 $(field "$out" p99_ms) ms, max $(field "$out" max_ms) ms," \
		"errors $(field "$out" errors)"
done

# 1b. The same, each agent's crew holding one assigned wasp job (sent to its
# handheld at the first sync, then checked in every sync), cancelled after.
token=$(bench_token bench-sync) || exit 1
for i in $(seq 0 $((agents - 1))); do
	bench_jobs "http://127.0.0.1:$port" "$token" 1 "bench-$i"
done
echo "sync, crews holding a job: the same, each of the $agents crews with one" \
	"assigned job"
j_ours= j_base= j_ratios=()
sync_rounds j
for id in $(q "SELECT r.id FROM requests r JOIN crews c ON c.id = r.crew_id
	WHERE c.code LIKE 'bench-%' AND r.state = 'assigned'"); do
	curl -fs -o /dev/null -H "Authorization: Bearer $token" \
		-H 'Content-Type: application/json' -d '{"reason":"bench"}' \
		"http://127.0.0.1:$port/api/v1/requests/$id/cancel" || die "cancel failed"
done

# 4. Bytes per fix of a real 1 Hz trace.
echo "bytes per fix: track_bytes tests/data/barefoot_munich_x0001-001.json"
"$bytes" "$src/tests/data/barefoot_munich_x0001-001.json" | sed 's/^/  /'

# 5. The agent: size, and peak RSS through a day's work.
cp "$agent" "$work/patrol-agent.stripped"
strip "$work/patrol-agent.stripped"
echo "agent binary: $(stat -c %s "$agent") bytes as built," \
	"$(stat -c %s "$work/patrol-agent.stripped") stripped"
# 8 hours at 1 Hz: the Munich trace over and over, each pass shifted on.
python3 "$src/tests/bench/nmea_day.py" "$work/day.nmea" \
	--trace "$src/tests/data/barefoot_munich_x0001-001.json" || die "nmea_day.py failed"
crew=$(q "SELECT id FROM crews WHERE code = 'bench-0'")
code=$("$patrolctl" --database-url "$DATABASE_URL" device enroll --crew bench-0 2>/dev/null)
dev=$work/agent
export PATROL_AGENT_DIR=$dev
"$agent" enroll --server "http://127.0.0.1:$port" --code "$code" >/dev/null ||
	die "agent enroll failed"
bench_jobs "http://127.0.0.1:$port" "$token" 25 bench-0
peak=0
rss() { # runs the agent, keeps the peak RSS (kB) of any run
	/usr/bin/time -f '%M' -o "$work/rss" "$agent" "$@" >/dev/null \
		2>"$work/agent.err" || { cat "$work/agent.err" >&2; die "patrol-agent $* failed"; }
	peak=$(best "$peak" "$(tail -n 1 "$work/rss")")
}
assigned() { q "SELECT id FROM requests WHERE crew_id = $crew AND state = 'assigned'"; }
t0=$(date +%s.%N)
bench_agent_day rss "$work/p.jpg" "$work/day.nmea" assigned fresh
t1=$(date +%s.%N)
fixes=$(q "SELECT count(*) FROM track_fixes f JOIN devices d ON d.id = f.device_id
	WHERE d.crew_id = $crew AND f.at >= '2026-07-01' AND f.at < '2026-07-02'")
photos=$(q "SELECT count(*) FROM request_photos p JOIN requests r ON r.id = p.request_id
	WHERE r.crew_id = $crew")
echo "agent day: 25 jobs (4 steps, a 300 kB photo each), 8 h of 1 Hz track;" \
	"$fixes fixes and $photos photos stored in $(awk -v a="$t0" -v z="$t1" \
	'BEGIN { printf "%.1f", z - a }') s"
echo "  peak RSS of any patrol-agent run: $peak kB"
unset PATROL_AGENT_DIR

echo
printf '%-9s %-10s %10s   %-9s %10s   %-8s %6s  %s\n' \
	"" ours best baseline best unit ratio "median of round ratios"
printf '%-9s %-10s %10.1f   %-9s %10.1f   %-8s %6s  %s\n' \
	sync sync_load "$s_ours" "pgbench-N" "$s_base" "/s" \
	"$(ratio "$s_ours" "$s_base")" "$(median "${s_ratios[@]}")"
printf '%-9s %-10s %10.1f   %-9s %10.1f   %-8s %6s  %s\n' \
	sync+job sync_load "$j_ours" "pgbench-N" "$j_base" "/s" \
	"$(ratio "$j_ours" "$j_base")" "$(median "${j_ratios[@]}")"
printf '%-9s %-10s %10.1f   %-9s %10.1f   %-8s %6s  %s\n' \
	fixes sync_load "$f_ours" COPY "$f_base" "rows/s" \
	"$(ratio "$f_ours" "$f_base")" "$(median "${f_ratios[@]}")"
grep -v '^$' "$work/patrold.log" | grep -v 'level=info' | tail -n 5 >&2 || true
