#!/bin/sh
# Install the Debian packages the project needs, and only those missing.
# Idempotent: a machine that has everything runs no apt-get at all.
# Usage: scripts/deps.sh [run|test|bench]   (default: test, the superset CI needs)
set -eu

need="cmake make gcc pkg-config git ca-certificates
libevent-dev libpq-dev libproj-dev proj-data libprotobuf-c-dev protobuf-c-compiler
libjansson-dev libxml2-dev libsodium-dev libssl-dev libsqlite3-dev
libcurl4-openssl-dev libcairo2-dev libsystemd-dev fonts-ipafont-gothic
libjpeg62-turbo-dev libgps-dev libmbedtls-dev
postgresql postgresql-contrib curl python3
nodejs npm"

case "${1:-test}" in
run) ;;
test) need="$need haproxy libcmocka-dev clang libclang-rt-14-dev gpsd gpsd-clients gdal-bin python3-protobuf python3-yaml chromium python3-pil time openssl dpkg-dev systemd prometheus" ;;
bench) need="$need haproxy libcmocka-dev clang libclang-rt-14-dev wrk postgresql-15-postgis-3 time" ;;
*) echo "usage: $0 [run|test|bench]" >&2; exit 2 ;;
esac

missing=""
for p in $need; do
	# Node.js from elsewhere (e.g. NodeSource, which bundles npm and
	# conflicts with Debian's npm) will do: only the commands matter.
	case "$p" in
	nodejs) command -v node >/dev/null 2>&1 && continue ;;
	npm) command -v npm >/dev/null 2>&1 && continue ;;
	esac
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -n "$missing" ]; then
	echo "deps: installing:$missing" >&2
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing packages and not root; run as root or install:$missing" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >&2
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing >&2
fi

# The console's npm packages (package-lock.json: Leaflet, served by patrold;
# playwright-core for the browser tests, which drive Debian's chromium and
# never download a browser). Only when node_modules is missing or older
# than the lock file.
top=$(cd "$(dirname "$0")/.." && pwd)
stamp="$top/node_modules/.package-lock.json"
if [ ! -f "$stamp" ] || [ "$top/package-lock.json" -nt "$stamp" ] ||
	[ "$top/package.json" -nt "$stamp" ]; then
	echo "deps: npm ci (console packages)" >&2
	(cd "$top" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
