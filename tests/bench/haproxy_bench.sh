#!/bin/bash
# One, two and three patrold behind HAProxy on one PostgreSQL (issue 19),
# on read routes: the dispatcher's queue (GET /api/v1/requests) and Open311
# (GET /open311/v2/requests.json), each against a bare evhttp server
# (bare_http, no database) behind the same HAProxy in the same run.
#
#   tests/bench/haproxy_bench.sh BUILD_DIR
#
# Uses $DATABASE_URL (migrated). Knobs: BENCH_SECONDS (5), BENCH_ROUNDS (2)
# (best kept), BENCH_HTTP_CONNS (16) wrk connections, BENCH_CONNS (2) pool
# size of each patrold, BENCH_PORT (18481) first port tried.
set -eu

me=haproxy_bench.sh
. "$(dirname "$0")/lib.sh"
bench_build "${1:?usage: haproxy_bench.sh BUILD_DIR}"
rounds=${BENCH_ROUNDS:-2}
conns=${BENCH_CONNS:-2}
: "${DATABASE_URL:?haproxy_bench.sh: set DATABASE_URL (migrated)}"
bare=$build/tests/bench/bare_http
bench_need "$patrold" "$patrolctl" "$bare"
command -v haproxy >/dev/null || die "haproxy not found"

hpid=
bench_cleanup_hook() { [ -z "$hpid" ] || kill "$hpid" 2>/dev/null; }
port=${BENCH_PORT:-18481}
. "$src/tests/bench/wrk.sh"
# Non-2xx answers would make the numbers meaningless.
wrk_ok() { ! printf '%s\n' "$1" | grep -q 'Non-2xx\|Socket errors'; }

token=$(bench_token hap-disp) || exit 1
export BENCH_TOKEN=$token

ports=()
for i in 1 2 3; do
	port=$(free_port "$port")
	patrold_start "$port" "$work/patrold.$i.log" --db-pool-size "$conns" \
		--http-max-connections-per-address 5000 --photo-dir "$work/photos"
	ports+=("$port")
	port=$((port + 1))
done
bport=$(free_port "$port")
"$bare" "$bport" 2>"$work/bare.log" &
pids+=("$!")
wait_http $! "http://127.0.0.1:$bport/healthz" || die "bare_http did not start"
# 50 open requests in the queue (Open311 lists them too).
BENCH_DELAY_MS=0 wrk -t1 -c2 -d1s -s "$src/tests/bench/create.lua" \
	"http://127.0.0.1:${ports[0]}/api/v1/requests" >/dev/null

fport=$(free_port $((bport + 1)))
proxy() { # proxy N PORT...: HAProxy on $fport in front of the ports given
	local n=$1 i=0 p
	shift
	[ -z "$hpid" ] || { kill "$hpid"; wait "$hpid" 2>/dev/null || true; }
	{
		printf 'global\n    maxconn 4096\ndefaults\n    mode http\n'
		printf '    timeout connect 2s\n    timeout client 60s\n    timeout server 60s\n'
		printf 'frontend f\n    bind 127.0.0.1:%d\n    default_backend b\n' "$fport"
		printf 'backend b\n    balance roundrobin\n'
		for p in "$@"; do
			[ "$i" -lt "$n" ] || break
			printf '    server s%d 127.0.0.1:%d\n' "$i" "$p"
			i=$((i + 1))
		done
	} >"$work/haproxy.cfg"
	haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
	hpid=$!
	wait_http "$hpid" "http://127.0.0.1:$fport/healthz" ||
		{ cat "$work/haproxy.log" >&2; die "haproxy did not start"; }
}
run() { # run URL [auth]: best rps and its p99 over the rounds
	local best=0 bp=0 out r p
	for _ in $(seq "$rounds"); do
		if [ -n "${2:-}" ]; then
			out=$(wrk -t1 -c"$http_conns" -d"${secs}s" --latency \
				-H "Authorization: Bearer $token" "$1")
		else
			out=$(wrk -t1 -c"$http_conns" -d"${secs}s" --latency "$1")
		fi
		wrk_ok "$out" || { echo "$out" >&2; die "errors from $1"; }
		r=$(wrk_rps "$out")
		p=$(wrk_p99 "$out")
		if awk -v a="$r" -v b="$best" 'BEGIN { exit !(a > b) }'; then
			best=$r bp=$p
		fi
	done
	echo "$best $bp"
}

echo "haproxy: wrk -t1 -c$http_conns -d${secs}s --latency through HAProxy (roundrobin);" \
	"best of $rounds; patrold --db-pool-size $conns each; $(nproc) cores," \
	"load average now $(cut -d' ' -f1 /proc/loadavg)"
proxy 1 "$bport"
read -r b_rps b_p99 <<<"$(run "http://127.0.0.1:$fport/healthz")"
printf '  bare HAProxy + evhttp (GET /healthz, no database): %9.1f req/s  p99 %6s ms\n' \
	"$b_rps" "$b_p99"
printf '  %-9s %-28s %10s %9s %8s\n' instances route "req/s" "p99 ms" "ratio"
for n in 1 2 3; do
	proxy "$n" "${ports[@]}"
	for route in "/api/v1/requests auth" "/open311/v2/requests.json" "/healthz"; do
		set -- $route
		read -r rps p99 <<<"$(run "http://127.0.0.1:$fport$1" "${2:-}")"
		printf '  %-9s %-28s %10.1f %9s %8s\n' "$n" "GET $1" "$rps" "$p99" \
			"$(awk -v a="$rps" -v b="$b_rps" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }')"
	done
done
