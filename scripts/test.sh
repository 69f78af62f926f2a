#!/bin/sh
# The whole test suite, from a fresh machine: install what is missing, build
# with AddressSanitizer + UndefinedBehaviorSanitizer, make a throwaway
# PostgreSQL cluster (unless DATABASE_URL is set), run every CTest test,
# remove the cluster, and exit non-zero on any failure.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
. scripts/dev-env.sh

scripts/deps.sh test

build=${PATROL_TEST_BUILD:-build-test}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DPATROL_SANITIZE=ON \
	-DPATROL_WERROR=ON >/dev/null
cmake --build "$build" -j "$(nproc)"

# The fuzz targets must keep building (clang + libFuzzer); each runs briefly
# on its seed corpus as a test of its own.
cmake -S . -B "$build-fuzz" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
	-DPATROL_FUZZ=ON -DPATROL_WERROR=ON >/dev/null
cmake --build "$build-fuzz" -j "$(nproc)" --target fuzz_targets

tmp=$(mktemp -d /tmp/patrol-test.XXXXXX)
chmod 755 "$tmp"
cleanup() {
	if [ -n "${PATROL_TEST_PGDIR:-}" ]; then
		scripts/pg.sh remove "$PATROL_TEST_PGDIR" immediate || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${DATABASE_URL:-}" ]; then
	PATROL_TEST_PGDIR="$tmp/pg"
	scripts/pg.sh init "$PATROL_TEST_PGDIR"
	scripts/pg.sh start "$PATROL_TEST_PGDIR"
	DATABASE_URL=$(scripts/pg.sh url "$PATROL_TEST_PGDIR")
	export PATROL_TEST_PGDIR DATABASE_URL
fi

export TMPDIR="$tmp"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
export PATROL_FUZZ_BUILD="$top/$build-fuzz"

status=0
(cd "$build" && ctest --output-on-failure --timeout 600 -j 2) || status=$?
(cd "$build-fuzz" && ctest --output-on-failure -L fuzz -j 2) || status=$?
exit $status
