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

me=coverage_bench.sh
. "$(dirname "$0")/lib.sh"
bench_build "${1:-}"
[ $# -eq 0 ] || shift
bench=$build/tests/bench/coverage_bench
bench_need "$bench"
psql=$(bench_pgtool psql)
bench_pg_throwaway
PGOPTIONS="-c client_min_messages=warning" "$psql" -q -v ON_ERROR_STOP=1 -d "$DATABASE_URL" \
	-c 'CREATE EXTENSION IF NOT EXISTS postgis' ||
	die "no PostGIS (install postgresql-15-postgis-3)"
echo "coverage: $bench -s ${BENCH_COVERAGE_SCALE:-1}${*:+ $*}," \
	"PostGIS $("$psql" -tA -d "$DATABASE_URL" -c 'SELECT postgis_lib_version()')," \
	"load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$bench" -s "${BENCH_COVERAGE_SCALE:-1}" "$@" "$DATABASE_URL"
