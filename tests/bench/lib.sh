# shellcheck shell=bash
# What the benchmark scripts share (bash, sourced): the knobs' defaults,
# the build directory and the binaries in it, a work directory and the
# clean-up at exit, a throwaway PostgreSQL cluster, patrold started and
# waited for, a dispatcher's token, the bench crews and their handhelds,
# and the numbers printed (ratio, best, median). The script sets `me` (its
# name, for messages) before sourcing; `src` is then the source tree.
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
top=$src
. "$src/scripts/dev-env.sh"

# The knobs most scripts take (a script with other defaults sets its own):
# BENCH_SECONDS per run, BENCH_ROUNDS runs of each side (the best kept),
# BENCH_CONNS database connections, BENCH_HTTP_CONNS wrk connections.
secs=${BENCH_SECONDS:-5}
rounds=${BENCH_ROUNDS:-3}
conns=${BENCH_CONNS:-4}
http_conns=${BENCH_HTTP_CONNS:-16}

die() {
	echo "$me: $*" >&2
	exit 1
}

# At exit, the processes in pids are stopped, the script's own
# bench_cleanup_hook (when it defines one) runs, the throwaway cluster (if
# any) and the work directory are removed.
work=$(mktemp -d "/tmp/patrol-${me%.sh}.XXXXXX")
pids=()
bench_cleanup() {
	bench_stop
	if declare -F bench_cleanup_hook >/dev/null; then
		bench_cleanup_hook || true
	fi
	bench_pg_remove
	rm -rf "$work"
}
# Stops the processes in pids, and forgets them.
bench_stop() {
	local p

	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true
	done
	pids=()
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# Sets build to the absolute path of build directory $1 (default
# build-bench, taken from the current directory or else from the source
# tree), and patrold and patrolctl to the binaries in it.
bench_build() {
	local b=${1:-build-bench}

	[ -d "$b" ] || b=$src/$b
	build=$(cd "$b" 2>/dev/null && pwd) || die "no build directory ${1:-build-bench}"
	patrold=$build/server/patrold
	patrolctl=$build/server/patrolctl
}

# Fails unless every file named is an executable (built by cmake --build).
bench_need() {
	local b

	for b in "$@"; do
		[ -x "$b" ] || die "$b missing; build first: cmake --build $build"
	done
}

# The path of PostgreSQL's client program $1 (psql, pgbench): the newest
# server's, else the one on PATH.
bench_pgtool() {
	local bin

	bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)/$1
	[ -x "$bin" ] || bin=$(command -v "$1") || die "$1 not found (install postgresql)"
	echo "$bin"
}

# Unless $DATABASE_URL is set, a throwaway cluster in $pgdir (directly
# under /tmp: pg.sh hands the directory to the postgres user), exported
# in DATABASE_URL, removed at exit.
pgdir=
bench_pg_throwaway() {
	[ -z "${DATABASE_URL:-}" ] || return 0
	pgdir=$(mktemp -d /tmp/patrol-bench-pg.XXXXXX)
	"$src/scripts/pg.sh" init "$pgdir"
	"$src/scripts/pg.sh" start "$pgdir"
	DATABASE_URL=$("$src/scripts/pg.sh" url "$pgdir")
	export DATABASE_URL
}
bench_pg_remove() {
	[ -z "$pgdir" ] || "$src/scripts/pg.sh" remove "$pgdir" || true
}

# One SQL statement (or several) on $DATABASE_URL; prints the rows bare.
q() { psql -X -q -tA -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -c "$1"; }

# The value of key $2 in the key=value words of $1 (sync_load's output).
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }'; }

# The larger of two numbers (either may be empty).
best() { awk -v a="${1:-0}" -v b="$2" 'BEGIN { print (b + 0 > a + 0) ? b : a }'; }

# Keeps round $2 of comparison $1 (a name): baseline $3 and ours $4, their
# ratio added to the array ${1}_ratios, the best of each side in ${1}_base
# and ${1}_ours; prints the round by printf format $5 with the round, the
# baseline, ours, the ratio and any more arguments.
bench_round() {
	local -n ratios=${1}_ratios base=${1}_base ours=${1}_ours

	ratios+=("$(ratio "$4" "$3")")
	# shellcheck disable=SC2059 # the format is the caller's
	printf "$5" "$2" "$3" "$4" "${ratios[-1]}" "${@:6}"
	base=$(best "$base" "$3")
	ours=$(best "$ours" "$4")
}

# The median of the numbers given as arguments.
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.3f", m }'
}

# The first port from $1 on which nothing listens.
free_port() {
	local p=$1

	while ss -Hltn "sport = :$p" | grep -q .; do
		p=$((p + 1))
	done
	echo "$p"
}

# Waits (up to 20 s) until URL $2 answers 2xx; fails sooner if process $1
# (when not empty) exits. More arguments go to curl (--cacert ...).
wait_http() {
	local pid=$1 url=$2 _

	shift 2
	for _ in $(seq 200); do
		curl -fs "$@" -o /dev/null "$url" && return 0
		[ -z "$pid" ] || kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# Starts $patrold on port $1 against $DATABASE_URL, its log in $2, with
# the options that follow; sets pid, adds it to pids (stopped at exit) and
# returns once /healthz answers.
patrold_start() {
	local port=$1 log=$2

	shift 2
	"$patrold" --port "$port" --database-url "$DATABASE_URL" --log-level warn \
		"$@" 2>"$log" &
	pid=$!
	pids+=("$pid")
	wait_http "$pid" "http://127.0.0.1:$port/healthz" ||
		{ cat "$log" >&2; die "patrold did not start"; }
}

# An API token of dispatcher $1 (made if missing), printed.
bench_token() {
	"$patrolctl" --database-url "$DATABASE_URL" user add "$1" --role dispatcher \
		>/dev/null 2>&1 || true
	"$patrolctl" --database-url "$DATABASE_URL" token create --user "$1" ||
		die "token create for $1 failed"
}

# $1 bench crews (bench-0, bench-1, ...) spread over $2 offices (bench-o0,
# ...), each with one handheld whose token is the one sync_load
# (tests/bench/sync_load.c) sends for that crew's number.
bench_crews() {
	q "INSERT INTO offices (code, name_ja, name_en, lon, lat)
	   SELECT 'bench-o' || g, 'ベンチ' || g, 'Bench ' || g, 139.55, 35.62
	     FROM generate_series(0, $2 - 1) g ON CONFLICT DO NOTHING;
	   INSERT INTO crews (code, name, office_id, skills, shift_start, shift_end)
	   SELECT 'bench-' || g, 'bench', (SELECT id FROM offices WHERE code =
	          'bench-o' || (g % $2)), '{road,wasp}', '00:00', '00:00'
	     FROM generate_series(0, $1 - 1) g ON CONFLICT (code) DO NOTHING;
	   INSERT INTO devices (crew_id, token_sha256)
	   SELECT c.id, encode(sha256(convert_to('pt_bench' || lpad(g::text, 38, '0'),
	          'UTF8')), 'hex') FROM generate_series(0, $1 - 1) g
	     JOIN crews c ON c.code = 'bench-' || g ON CONFLICT (token_sha256) DO NOTHING" \
		>/dev/null || die "cannot make the bench crews and handhelds"
}

# A 300 kB file that starts as a JPEG does, the rest random (a camera
# photo's size; photos are stored by content, so each one is new), in $1.
bench_photo() {
	head -c 300000 /dev/urandom | { printf '\377\330\377\340'; cat; } >"$1"
}

# $3 wasp calls made through the patrold at $1 with dispatcher token $2,
# each assigned to the crew with code $4; more arguments go to curl
# (--cacert ...).
bench_jobs() {
	local base=$1 token=$2 n=$3 crew i id

	crew=$(q "SELECT id FROM crews WHERE code = '$4'")
	shift 4
	for i in $(seq "$n"); do
		id=$(curl -fs "$@" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
			-d "{\"category\":\"wasp_nest\",\"lat\":35.6$((10 + i)),\"lon\":139.56,
			    \"answers\":{\"nest_height\":\"eaves\",\"location\":\"outdoor\"},
			    \"caller\":{\"name\":\"ベンチ $i\",\"phone\":\"044-000-$i\"}}" \
			"$base/api/v1/requests" |
			python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])') ||
			die "request failed"
		curl -fs "$@" -o /dev/null -H "Authorization: Bearer $token" \
			-H 'Content-Type: application/json' -d "{\"crew_id\":$crew}" \
			"$base/api/v1/requests/$id/assign" || die "assign failed"
	done
}

# A crew's day on the handheld: $1 (a command running patrol-agent with
# the arguments after it) syncs; then for each job $4 prints (run after
# that sync) accepts it, goes en route, on site, is done with photo $2 and
# syncs; last, replays the NMEA file $3 once. With $5 = fresh, photo $2 is
# made anew (bench_photo) before each job, else the same file serves all.
bench_agent_day() {
	local run=$1 photo=$2 nmea=$3 jobs=$4 fresh=${5:-} id

	"$run" sync
	for id in $("$jobs"); do
		[ "$fresh" != fresh ] || bench_photo "$photo"
		"$run" accept "$id"
		"$run" status en-route "$id"
		"$run" status on-site "$id"
		"$run" done "$id" --outcome removed --note "駆除" --photo "$photo"
		"$run" sync
	done
	"$run" run --nmea "$nmea" --once
}

# Transactions/s of one pgbench run (its arguments; $DATABASE_URL last);
# fails when pgbench does or reports failed transactions.
pgbench_tps() {
	local out

	out=$("$pgbench" "$@" "$DATABASE_URL" 2>&1) || { echo "$out" >&2; return 1; }
	if printf '%s\n' "$out" | grep -q 'failed transactions: [1-9]'; then
		echo "$out" >&2
		return 1
	fi
	printf '%s\n' "$out" | awk '/^tps = / { print $3; exit }'
}
