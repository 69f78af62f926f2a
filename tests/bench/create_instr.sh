#!/bin/bash
# Instructions PostgreSQL spends on one create statement (issue 19), under
# valgrind's callgrind: a count that load on a shared machine does not move.
#
#   tests/bench/create_instr.sh [BUILD_DIR]     (default: build-bench)
#
# A throwaway cluster is migrated (patrolctl of BUILD_DIR) and given 5,003
# requests made as tests/bench/create.lua makes them (100 places in Tama
# ward, road_pothole, a caller each, the default 250 m / 72 h duplicate
# search). The statement is store_request_create's, read from
# server/store_requests.c and prepared without parameter types as patrold's
# pool prepares it. A single-user backend then runs it N1 and N2 times
# (BENCH_N1 20, BENCH_N2 120), each its own transaction, from copies of
# the same cluster; (instructions of N2 - of N1) / (N2 - N1) is one call.
# Prints it, and callgrind's file of the N2 run stays in BENCH_KEEP (when
# set) for callgrind_annotate.
set -eu

me=create_instr.sh
. "$(dirname "$0")/lib.sh"
bench_build "${1:-}"
bench_need "$patrolctl"
command -v valgrind >/dev/null || die "valgrind not found"
pgbin=$(dirname "$(bench_pgtool postgres)")
n1=${BENCH_N1:-20}
n2=${BENCH_N2:-120}

# The statement's text: the C string literals of store_request_create's
# db_query_prepared or db_query_grouped call, with the macros they use
# expanded.
python3 - "$src/server/store_requests.c" >"$work/stmt.sql" <<'EOF'
import re, sys
src = open(sys.argv[1]).read()
def lits(s):
    s = re.sub(r'/\*.*?\*/', '', s, flags=re.S)
    return ''.join(bytes(m, 'utf-8').decode('unicode_escape').encode('latin-1')
                   .decode('utf-8') for m in re.findall(r'"((?:[^"\\]|\\.)*)"', s))
macros = {}
def expand(body):
    names = [n for n in macros]
    if not names:
        return lits(body)
    return ''.join(macros[t] if t in macros else lits(t)
                   for t in re.split('(' + '|'.join(names) + ')', body))
for m in re.finditer(r'#define (\w+)\s+\\\n(.*?)\n\n', src, re.S):
    macros[m.group(1)] = expand(m.group(2))
i = src.index('\nstore_request_create(')
k = src.index('(', re.compile(r'db_query_(prepared|grouped)').search(src, i).start())
end = re.compile(r',\s*\d+,\s*p,').search(src, k)
print(expand(src[k + 1:end.start()].split(',', 1)[1]).strip())
EOF

# The calls: SQL text of N EXECUTEs from number $2 on (create.lua's places).
calls() {
	python3 - "$work/stmt.sql" "$1" "$2" <<'EOF'
import math, sys
q = open(sys.argv[1]).read().strip()
n, start = int(sys.argv[2]), int(sys.argv[3])
print("SET patrol.defer_notify = on;")
print("PREPARE v AS " + q + ";")
for k in range(start, start + n):
    lat = 35.600 + (k * 7 % 100) * 0.0003
    lon = 139.530 + (k * 13 % 100) * 0.0003
    # JGD2011 zone IX, near enough for a benchmark's places
    e = (lon - (139 + 50 / 60)) * math.cos(math.radians(lat)) * 111320.0
    no = (lat - 36.0) * 110950.0
    a = ["'road_pothole'", "'phone'", "'%.9f'" % lon, "'%.9f'" % lat,
         "'%.3f'" % e, "'%.3f'" % no, "NULL", "'14135'", "'bench %d'" % k,
         "'{\"depth\":\"shallow\"}'", "'3'", "NULL", "'bench'", "'Bench'",
         "'000-0000'", "NULL", "'250'", "'72'", "NULL", "NULL", "NULL",
         "NULL", "NULL", "'24'", "'多摩区'", "NULL"]
    print("EXECUTE v(" + ", ".join(a) + ");")
EOF
}

bench_pg_throwaway
[ -n "$pgdir" ] || die "needs a throwaway cluster: unset DATABASE_URL"
"$patrolctl" --database-url "$DATABASE_URL" migrate >/dev/null ||
	die "patrolctl migrate failed"
"$patrolctl" --database-url "$DATABASE_URL" import wards \
	"$src/data/kawasaki_wards_N03-22.geojson" >/dev/null ||
	die "ward import failed"
calls 5003 1 | psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d "$DATABASE_URL" \
	2>&1 | grep -v NOTICE || true
[ "$(q 'SELECT count(*) FROM requests')" = 5003 ] || die "preload failed"
q 'VACUUM ANALYZE' && q 'CHECKPOINT'
"$src/scripts/pg.sh" stop "$pgdir"
data=$(cd "$pgdir/data" && pwd -P)
owner=$(stat -c %U "$data")
as() { if [ "$(id -un)" = "$owner" ]; then "$@"; else runuser -u "$owner" -- "$@"; fi; }

# Instructions of a single-user backend making $1 calls.
instr() {
	local d=$work/run

	rm -rf "$d" && cp -a "$data" "$d" && chown "$owner" "$work"
	calls "$1" 5004 >"$work/in.sql"
	chmod 644 "$work/in.sql"
	rm -f "$work/cg.out"
	as valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" \
		"$pgbin/postgres" --single -D "$d" -c fsync=off \
		-c synchronous_commit=off patrol <"$work/in.sql" >"$work/out.txt" \
		2>"$work/err.txt"
	if grep -q ERROR "$work/out.txt" "$work/err.txt"; then
		grep -m3 ERROR "$work/out.txt" "$work/err.txt" >&2
		die "the statement failed"
	fi
	awk '/^summary:/ { print $2 }' "$work/cg.out"
}
a=$(instr "$n1")
b=$(instr "$n2")
[ -z "${BENCH_KEEP:-}" ] || cp "$work/cg.out" "$BENCH_KEEP"
echo "create statement: callgrind, $n1 and $n2 calls on 5,003 requests"
awk -v a="$a" -v b="$b" -v n=$((n2 - n1)) \
	'BEGIN { printf "  %.0f K instructions per call\n", (b - a) / n / 1000 }'
