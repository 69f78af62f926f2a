#!/bin/bash
# The shared log-in failure counts (issue 10, schema/0170): what the two
# statements a log-in adds cost in PostgreSQL, against a bare round trip
# (SELECT 1) measured in the same run, alternating. "wait" is the check
# before every log-in (store_sessions_failures), "fail" the count after a
# failed one plus the sweep (store_sessions_failed + _sweep; the SQL is
# copied from server/store_sessions.c). Keys are drawn from BENCH_NAMES
# user names and BENCH_ADDRS addresses, so the table settles at about
# that many rows however many failures: it prints the rows at the end.
#
#   tests/bench/login_failures_bench.sh
#
# Uses $DATABASE_URL when set (schema login_bench, dropped at the end),
# else a throwaway cluster. Needs pgbench. Builds nothing.
set -eu

me=login_failures_bench.sh
. "$(dirname "$0")/lib.sh"
names=${BENCH_NAMES:-10000}
addrs=${BENCH_ADDRS:-1000}

bench_cleanup_hook() {
	[ -z "${DATABASE_URL:-}" ] ||
		psql "$DATABASE_URL" -qc "DROP SCHEMA IF EXISTS login_bench CASCADE" \
			>/dev/null 2>&1
}
bench_pg_throwaway
psql "$DATABASE_URL" -qv ON_ERROR_STOP=1 >/dev/null <<SQL
DROP SCHEMA IF EXISTS login_bench CASCADE;
CREATE SCHEMA login_bench;
SET search_path = login_bench;
\i $src/schema/0170_login_failures.sql
SQL

cat >"$work/base.sql" <<'SQL'
SELECT 1;
SQL
cat >"$work/wait.sql" <<SQL
\set u random(1, $names)
\set a random(1, $addrs)
SELECT key_sha256, failures, greatest(0, extract(epoch FROM now() - last_at))::float8 FROM login_failures WHERE key_sha256 IN (encode(sha256(('u:' || :u)::bytea), 'hex'), encode(sha256(('a:' || :a)::bytea), 'hex'));
SQL
cat >"$work/fail.sql" <<SQL
\set u random(1, $names)
\set a random(1, $addrs)
INSERT INTO login_failures AS f (key_sha256, failures, last_at) VALUES (encode(sha256(('u:' || :u)::bytea), 'hex'), 1, now()), (encode(sha256(('a:' || :a)::bytea), 'hex'), 1, now()) ON CONFLICT (key_sha256) DO UPDATE SET failures = CASE WHEN f.last_at <= now() - make_interval(secs => 900) THEN 1 ELSE f.failures + 1 END, last_at = now() RETURNING key_sha256, failures, 0::float8;
DELETE FROM login_failures WHERE key_sha256 IN (SELECT key_sha256 FROM login_failures WHERE last_at < now() - make_interval(secs => 900) ORDER BY last_at LIMIT 100 FOR UPDATE SKIP LOCKED);
SQL

# Mean latency in ms of one pgbench run of script $1.
run() {
	PGOPTIONS="-c search_path=login_bench" pgbench -n -c "$conns" \
		-j "$conns" -T "$secs" -f "$work/$1.sql" "$DATABASE_URL" 2>/dev/null |
		awk '/^latency average/ { print $4 }'
}

printf '%-6s %5s %12s %12s %8s\n' kind round base_ms ours_ms ratio
for kind in wait fail; do
	for r in $(seq "$rounds"); do
		b=$(run base)
		o=$(run "$kind")
		printf '%-6s %5d %12s %12s %8.2f\n' "$kind" "$r" "$b" "$o" \
			"$(echo "$o / $b" | bc -l)"
	done
done
psql "$DATABASE_URL" -tAc "SELECT 'rows ' || count(*) || ' (keys drawn from $names names, $addrs addresses), ' || pg_size_pretty(pg_total_relation_size('login_bench.login_failures')) FROM login_bench.login_failures"
