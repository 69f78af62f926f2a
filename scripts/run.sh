#!/bin/sh
# Build and run the whole system on this machine: install what is missing,
# build, start a private PostgreSQL cluster under var/ (made on first use,
# reused afterwards; skipped when DATABASE_URL is set), apply migrations,
# load the demo data, start patrold, and print the console's URL.
# Ctrl-C stops patrold (draining requests) and then the cluster.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
. scripts/dev-env.sh

scripts/deps.sh run

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPATROL_TESTS=OFF >/dev/null
cmake --build build -j "$(nproc)"

own_pg=""
if [ -z "${DATABASE_URL:-}" ]; then
	own_pg="var/pg"
	scripts/pg.sh init "$own_pg"
	scripts/pg.sh start "$own_pg"
	DATABASE_URL=$(scripts/pg.sh url "$own_pg")
	export DATABASE_URL
fi

port=${PATROL_PORT:-8080}
pid=""
stop() {
	trap - INT TERM EXIT
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	if [ -n "$own_pg" ]; then
		scripts/pg.sh stop "$own_pg" && echo "PostgreSQL stopped."
	fi
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

build/server/patrolctl migrate
mkdir -p var
# The demo's users and tokens are printed once, when first loaded: keep
# them (var/ is private to this checkout) so every start can show them.
if build/server/patrolctl demo load >var/demo-load.txt; then
	if grep -q "^demo user" var/demo-load.txt; then
		umask 077
		grep "^demo user" var/demo-load.txt >var/demo-login.txt
	fi
	cat var/demo-load.txt
else
	echo "demo load failed" >&2
	exit 1
fi

# Its own session: a Ctrl-C reaches only this script, which then drains
# patrold with one SIGTERM.
setsid build/server/patrold --port "$port" 2>>var/patrold.log &
pid=$!

i=0
until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "patrold did not come up; last log lines:" >&2
		tail -n 20 var/patrold.log >&2
		exit 1
	fi
	sleep 0.1
done

# A demo handheld for crew asao-wasp-1 (wasp nests, Asao ward): enrolled
# once with a one-time code, its state kept in var/handheld.
handheld="build/mobile-agent/patrol-agent --dir var/handheld"
if [ ! -f var/handheld/token ]; then
	code=$(build/server/patrolctl device enroll --crew asao-wasp-1 2>>var/patrold.log || true)
	if [ -n "$code" ]; then
		$handheld enroll --server "http://127.0.0.1:$port" --code "$code" \
			--label demo-handheld >/dev/null 2>>var/patrold.log ||
			echo "demo handheld: enrolment failed (see var/patrold.log)" >&2
	fi
fi

cat <<MSG

  Patrol dispatch is running.
  Console:     http://127.0.0.1:$port/
  Health:      http://127.0.0.1:$port/healthz
  Metrics:     http://127.0.0.1:$port/metrics
  Demo login:  dispatcher / patrol-demo (also supervisor, viewer)
               Open the console URL and log in (Japanese; "English" switches).
               Scripts use the API tokens in var/demo-login.txt:
               curl -H "Authorization: Bearer TOKEN" http://127.0.0.1:$port/api/v1/requests
  Handheld:    $handheld serve --no-gps --leaflet node_modules/leaflet/dist
               (the crew's screen for asao-wasp-1, in Japanese; it prints
               "OK screen at http://127.0.0.1:8377/?t=...": open that in a
               phone-sized browser window next to the console, assign a
               wasp call to 麻生 蜂・道路班 and work it there; --nmea FILE
               replays a GPS log, --listen 127.0.0.1:PORT picks the port)
               Maps on the handheld, fetched once while online:
               $handheld tiles fetch --zoom 12-16 --bbox 139.47,35.57,139.56,35.63 \\
                 --url 'https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png'
  Server log:  var/patrold.log
  Press Ctrl-C to stop.

MSG
wait "$pid"
