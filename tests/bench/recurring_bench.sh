#!/bin/bash
# Recurring sites and the outlook against PostGIS (issue 17): runs
# recurring_bench, which times the clustering and the outlook in C (with
# and without reading the rows from PostgreSQL) and ST_ClusterDBSCAN on the
# same 500,000 requests, and checks both find the same sites. Builds
# nothing; see BENCHMARKS.md.
#
#   tests/bench/recurring_bench.sh [BUILD_DIR [recurring_bench options]]
#
# Uses $DATABASE_URL when set (schema recurring_bench, dropped at the end;
# creates the postgis extension), else a throwaway cluster.
set -eu

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build-bench}
[ $# -eq 0 ] || shift
[ -d "$build" ] || build=$src/$build
build=$(cd "$build" 2>/dev/null && pwd) ||
	{ echo "recurring_bench.sh: no build directory" >&2; exit 1; }
bench=$build/tests/bench/recurring_bench
[ -x "$bench" ] || { echo "recurring_bench.sh: $bench missing; build first:" \
	"cmake --build $build --target recurring_bench" >&2; exit 1; }

pgdir=
cleanup() {
	local alt

	if [ -n "$pgdir" ]; then
		"$src/scripts/pg.sh" stop "$pgdir" || true
		alt=$(readlink "$pgdir/data" || true)
		[ -z "$alt" ] || rm -rf "$alt"
		alt=$(cat "$pgdir/socket_dir" 2>/dev/null || true)
		case $alt in /tmp/patrol-sock.*) rm -rf "$alt" ;; esac
		rm -rf "$pgdir"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${DATABASE_URL:-}" ]; then
	pgdir=$(mktemp -d /tmp/patrol-bench-pg.XXXXXX)
	"$src/scripts/pg.sh" init "$pgdir"
	"$src/scripts/pg.sh" start "$pgdir"
	DATABASE_URL=$("$src/scripts/pg.sh" url "$pgdir")
fi
"$bench" -d "$DATABASE_URL" "$@"
