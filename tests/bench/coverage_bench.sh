#!/bin/bash
# Weekly coverage against PostGIS (patrol issue): runs coverage_bench,
# which times coverage_compute() and the same computation in PostGIS on the
# same data and prints the ratio and the per-ward numbers of both. Builds
# nothing; see BENCHMARKS.md.
#
#   tests/bench/coverage_bench.sh [BUILD_DIR [coverage_bench options]]
#
# Uses $DATABASE_URL when set (it creates the postgis extension there, and
# a schema coverage_bench that it drops at the end), else a throwaway
# cluster. Needs PostGIS (Debian postgresql-15-postgis-3). Knob:
# BENCH_COVERAGE_SCALE (1: 1,000 km of streets and 1,000,000 fixes; PostGIS
# takes several minutes on 2 cores at that size).
set -eu

src=$(cd "$(dirname "$0")/../.." && pwd)
top=$src
. "$src/scripts/dev-env.sh"
build=${1:-build-bench}
[ $# -eq 0 ] || shift
[ -d "$build" ] || build=$src/$build
build=$(cd "$build" 2>/dev/null && pwd) ||
	{ echo "coverage_bench.sh: no build directory" >&2; exit 1; }
bench=$build/tests/bench/coverage_bench
[ -x "$bench" ] || { echo "coverage_bench.sh: $bench missing; build first:" \
	"cmake --build $build --target coverage_bench" >&2; exit 1; }
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
psql=$pgbin/psql
[ -x "$psql" ] || psql=$(command -v psql) ||
	{ echo "coverage_bench.sh: psql not found (install postgresql)" >&2; exit 1; }

pgdir=

cleanup() {
	local alt

	if [ -n "$pgdir" ]; then
		"$src/scripts/pg.sh" stop "$pgdir" || true
		# pg.sh may keep data or socket outside pgdir when it must.
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
	# Directly under /tmp: pg.sh hands the directory to the postgres user.
	pgdir=$(mktemp -d /tmp/patrol-bench-pg.XXXXXX)
	"$src/scripts/pg.sh" init "$pgdir"
	"$src/scripts/pg.sh" start "$pgdir"
	DATABASE_URL=$("$src/scripts/pg.sh" url "$pgdir")
fi
PGOPTIONS="-c client_min_messages=warning" "$psql" -q -v ON_ERROR_STOP=1 -d "$DATABASE_URL" \
	-c 'CREATE EXTENSION IF NOT EXISTS postgis' ||
	{ echo "coverage_bench.sh: no PostGIS (install postgresql-15-postgis-3)" >&2; exit 1; }
echo "coverage: $bench -s ${BENCH_COVERAGE_SCALE:-1}${*:+ $*}," \
	"PostGIS $("$psql" -tA -d "$DATABASE_URL" -c 'SELECT postgis_lib_version()')," \
	"load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$bench" -s "${BENCH_COVERAGE_SCALE:-1}" "$@" "$DATABASE_URL"
