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

me=recurring_bench.sh
. "$(dirname "$0")/lib.sh"
bench_build "${1:-}"
[ $# -eq 0 ] || shift
bench=$build/tests/bench/recurring_bench
bench_need "$bench"
bench_pg_throwaway
"$bench" -d "$DATABASE_URL" "$@"
