#!/bin/bash
# Runs the benchmarks of tests/bench against a build and prints each one's
# ratio to a baseline measured in the same run: the machine is shared and
# noisy, so absolute numbers say little and ratios a bit more. Builds
# nothing; see BENCHMARKS.md.
#
#   tests/bench/run.sh [BUILD_DIR]          (default: build-bench)
#
# Uses $DATABASE_URL when set (and migrates it!), else a throwaway cluster.
# Knobs: BENCH_SECONDS (5) per run, BENCH_ROUNDS (3) runs of each side, the
# best kept; BENCH_CONNS (4) database connections; BENCH_HTTP_CONNS (16)
# wrk connections; BENCH_PORT (18181) first port tried; BENCH_COVERAGE=0
# skips the coverage benchmark against PostGIS (minutes; coverage_bench.sh,
# whose BENCH_COVERAGE_SCALE applies).
# BENCH_HANDHELD=0 skips the crew's screen (handheld_bench.sh, minutes).
# BENCH_SYNC=0 skips the handhelds' sync benchmark (sync_bench.sh, with
# knobs of its own). BENCH_RECURRING=0 skips recurring_bench.sh (issue 17).
# BENCH_VRPTW_MS (1000) and BENCH_VRPTW_SEEDS (1): Solomon's budget and seeds.
set -eu

me=run.sh
. "$(dirname "$0")/lib.sh"
bench_build "${1:-}"
bare=$build/tests/bench/bare_http
pool=$build/tests/bench/pool_bench
bench_need "$patrold" "$patrolctl" "$bare" "$pool"
pgbench=$(bench_pgtool pgbench)
command -v wrk >/dev/null || die "wrk not found"

# Requests/s of wrk against URL $1 (more wrk arguments may follow). A non-2xx answer makes the number
# meaningless (a 503 is cheaper than a real answer): fail then.
wrk_rps() {
	local out

	out=$(wrk -t1 -c"$http_conns" -d"${secs}s" "${@:2}" "$1") || return 1
	printf '%s\n' "$out" >>"$work/wrk.log"
	if printf '%s\n' "$out" | grep -q 'Non-2xx'; then
		printf '%s\n' "$out" >&2
		return 1
	fi
	printf '%s\n' "$out" | grep 'Socket errors' >&2 || true
	printf '%s\n' "$out" | awk '/^Requests\/sec:/ { print $2 }'
}

echo "machine: $(nproc) cores, $(uname -sr)," \
	"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"

bench_pg_throwaway
"$patrolctl" --database-url "$DATABASE_URL" migrate >/dev/null ||
	die "patrolctl migrate failed"

# 1. /healthz: patrold (SELECT 1 through the pool) against bare evhttp.
port=$(free_port "${BENCH_PORT:-18181}")
patrold_start "$port" "$work/patrold.log" --db-pool-size "$conns"
bport=$(free_port $((port + 1)))
"$bare" "$bport" 2>"$work/bare.log" &
pids+=($!)
wait_http $! "http://127.0.0.1:$bport/healthz" ||
	{ cat "$work/bare.log" >&2; die "bare_http did not start"; }

cmd="wrk -t1 -c$http_conns -d${secs}s http://127.0.0.1:PORT/healthz"
echo "healthz: $cmd, $rounds rounds, patrold --db-pool-size $conns"
h_ours= h_base= h_ratios=()
for r in $(seq "$rounds"); do
	# Alternate the two so that a slow spell hits both alike.
	b=$(wrk_rps "http://127.0.0.1:$bport/healthz") || die "wrk on bare_http failed"
	o=$(wrk_rps "http://127.0.0.1:$port/healthz") || die "wrk on patrold failed"
	bench_round h "$r" "$b" "$o" \
		'  round %d: bare %10.1f req/s  patrold %10.1f req/s  ratio %s\n'
done
bench_stop
grep -v '^$' "$work/patrold.log" >&2 || true

# 2. SELECT 1: our pool against pgbench, both extended protocol, one
# thread, one query in flight per connection.
echo 'SELECT 1;' >"$work/select1.sql"
echo "pool: pool_bench -c $conns -k $conns -t $secs;" \
	"pgbench -n -f select1.sql -c $conns -j 1 -T $secs -M extended;" \
	"$rounds rounds"
p_ours= p_base= p_ratios=()
for r in $(seq "$rounds"); do
	b=$(pgbench_tps -n -f "$work/select1.sql" -c "$conns" -j 1 -T "$secs" \
		-M extended) || die "pgbench failed"
	out=$("$pool" -c "$conns" -k "$conns" -t "$secs" "$DATABASE_URL") ||
		die "pool_bench failed (see above)"
	o=$(printf '%s\n' "$out" | sed -n 's/.* qps=//p')
	bench_round p "$r" "$b" "$o" \
		'  round %d: pgbench %10.1f tps    pool %10.1f q/s    ratio %s\n'
done

# 3. Ranking 5,000 crews in-process against a bare qsort of as many doubles.
echo "rank: $build/tests/bench/rank_bench"
"$build/tests/bench/rank_bench" | sed 's/^/  /'
echo "re-plan one office: $build/tests/bench/plan_bench"
"$build/tests/bench/plan_bench" | sed 's/^/  /'
echo "vrptw (Solomon C1/R1/RC1, 1 s each): $build/tests/bench/vrptw_bench"
"$build/tests/bench/vrptw_bench" "$src/data/vrptw" "${BENCH_VRPTW_MS:-1000}" \
	"${BENCH_VRPTW_SEEDS:-1}" |
	sed 's/^/  /'

# 4. Creating requests: paced at about 200/s for latency (wrk --latency),
# then flat out for the ceiling, against pgbench -N (simple updates, one
# row inserted per transaction) on the same cluster.
"$patrolctl" --database-url "$DATABASE_URL" import wards \
	"$src/data/kawasaki_wards_N03-22.geojson" >/dev/null ||
	die "ward import failed"
token=$(bench_token bench) || exit 1
port=$(free_port "${BENCH_PORT:-18181}")
patrold_start "$port" "$work/patrold.log" --db-pool-size "$conns"
export BENCH_TOKEN=$token
# 5 connections each pausing 20 ms after a ~3 ms answer: about 200/s.
out=$(BENCH_DELAY_MS=20 wrk -t1 -c5 -d"${secs}s" --latency \
	-s "$src/tests/bench/create.lua" "http://127.0.0.1:$port/api/v1/requests") ||
	die "wrk (paced) failed"
printf '%s\n' "$out" >>"$work/wrk.log"
printf '%s\n' "$out" | grep -q 'Non-2xx' && { echo "$out" >&2; die "create answered non-2xx"; }
c_rate=$(printf '%s\n' "$out" | awk '/^Requests\/sec:/ { print $2 }')
c_p50=$(printf '%s\n' "$out" | awk '$1 == "50%" { print $2 }')
c_p99=$(printf '%s\n' "$out" | awk '$1 == "99%" { print $2 }')
echo "create (paced): wrk -t1 -c5 -d${secs}s --latency -s create.lua, 20 ms pause"
echo "  $c_rate req/s, p50 $c_p50, p99 $c_p99 (target: p99 < 20 ms at 200/s)"
"$pgbench" -i -s 1 -q "$DATABASE_URL" >/dev/null 2>&1 || die "pgbench -i failed"
c_ours= c_base= c_ratios=()
echo "create (ceiling): wrk -t1 -c$http_conns -d${secs}s -s create.lua;" \
	"pgbench -N -c $conns -j 1 -T $secs; $rounds rounds"
for r in $(seq "$rounds"); do
	b=$(pgbench_tps -n -N -c "$conns" -j 1 -T "$secs") || die "pgbench -N failed"
	o=$(BENCH_DELAY_MS=0 wrk_rps "http://127.0.0.1:$port/api/v1/requests" \
		-s "$src/tests/bench/create.lua") ||
		die "wrk (ceiling) failed"
	bench_round c "$r" "$b" "$o" \
		'  round %d: pgbench -N %8.1f tps  create %8.1f req/s  ratio %s\n'
done
bench_stop

# Best of each side, and the median of the paired rounds' ratios (less
# sensitive to a slow spell that hit one side only).
echo
printf '%-9s %-8s %10s   %-8s %10s   %-10s %6s  %s\n' \
	"" ours best baseline best unit ratio "median of round ratios"
fmt='%-9s %-8s %10.1f   %-8s %10.1f   %-10s %6s  %s\n'
printf "$fmt" /healthz patrold "$h_ours" bare "$h_base" req/s \
	"$(ratio "$h_ours" "$h_base")" "$(median "${h_ratios[@]}")"
printf "$fmt" "SELECT 1" pool "$p_ours" pgbench "$p_base" queries/s \
	"$(ratio "$p_ours" "$p_base")" "$(median "${p_ratios[@]}")"
printf "$fmt" create patrold "$c_ours" "pgbench-N" "$c_base" req/s \
	"$(ratio "$c_ours" "$c_base")" "$(median "${c_ratios[@]}")"

# 5. Weekly coverage against PostGIS, on the same cluster (it adds the
# postgis extension and drops what else it made).
if [ "${BENCH_COVERAGE:-1}" != 0 ]; then
	echo
	"$src/tests/bench/coverage_bench.sh" "$build" ||
		die "coverage_bench failed"
fi

# 12. Recurring sites and the outlook against PostGIS's DBSCAN (issue 17).
if [ "${BENCH_RECURRING:-1}" != 0 ]; then
	echo
	"$src/tests/bench/recurring_bench.sh" "$build" ||
		die "recurring_bench failed"
fi

# 6. The handhelds' sync (issue 4): syncs against pgbench -N, fixes against
# COPY, latency at 1,000 agents, bytes per fix, the agent's size and RSS.
if [ "${BENCH_SYNC:-1}" != 0 ]; then
	echo
	"$src/tests/bench/sync_bench.sh" "$build" || die "sync_bench failed"
fi

# 8. The crew's screen (issue 14): action latency against the commands,
# the daemon's peak RSS over a day against the commands', binary size.
if [ "${BENCH_HANDHELD:-1}" != 0 ]; then
	echo
	"$src/tests/bench/handheld_bench.sh" "$build" || die "handheld_bench failed"
fi
