#!/bin/sh
# A private PostgreSQL cluster in a directory of ours: Unix socket only,
# no TCP, run as an unprivileged user (PostgreSQL refuses to run as root).
#
#   scripts/pg.sh init DIR    create the cluster if DIR has none
#   scripts/pg.sh start DIR   start it (waits until it accepts connections)
#   scripts/pg.sh stop DIR [fast|immediate]
#   scripts/pg.sh url DIR     print the libpq connection string
#   scripts/pg.sh standby DIR PRIMARY_DIR
#                             make DIR a hot standby of the (running) cluster
#                             in PRIMARY_DIR: pg_basebackup -R, streaming
#   scripts/pg.sh remove DIR [fast|immediate]
#                             stop it and remove DIR with what init kept
#                             elsewhere (the data or the socket directory)
set -eu

cmd=${1:-}
dir=${2:-}
usage="usage: $0 init|start|stop|url|standby|remove DIR"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "$usage" >&2; exit 2; }
# Absolute: the server user resolves a relative DIR from our working
# directory without the search rights on its parents that it lacks
# (scripts/run.sh passes var/pg from a clone under /root).
case $dir in /*) ;; *) dir="$PWD/$dir" ;; esac

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$pgbin/initdb" ] || { echo "pg.sh: no PostgreSQL server found (install postgresql)" >&2; exit 1; }

# Whom the server runs as: ourselves, or when root an unprivileged user.
if [ "$(id -u)" -eq 0 ]; then
	pguser=postgres
	if ! id "$pguser" >/dev/null 2>&1; then
		pguser=patrol
		id "$pguser" >/dev/null 2>&1 ||
			useradd --system --no-create-home --shell /usr/sbin/nologin "$pguser"
	fi
	# From /: PostgreSQL's tools complain of a working directory they
	# cannot enter; every path given to them is absolute.
	as() { (cd / && runuser -u "$pguser" -- "$@"); }
else
	pguser=$(id -un)
	as() { "$@"; }
fi

# The data may have to live elsewhere when the unprivileged user cannot
# reach DIR (a repository under /root, say): DIR/data is then a link to
# ELSEWHERE/data and the server's log is ELSEWHERE/server.log, with
# DIR/server.log a link to it. Every command the unprivileged user runs
# gets the real paths ($pgdata, $pglog), never a path through DIR.
data="$dir/data"
pgdata=$data
pglog="$dir/server.log"
if [ -L "$data" ]; then
	pgdata=$(readlink "$data")
	pglog="${pgdata%/data}/server.log"
fi

# DIR made, and $data a link to a directory elsewhere when the
# unprivileged user cannot reach DIR.
data_dir_make() {
	mkdir -p "$dir"
	if [ "$(id -u)" -eq 0 ]; then
		chown "$pguser" "$dir"
		if ! as test -w "$dir"; then
			alt=$(mktemp -d /var/tmp/patrol-pg.XXXXXX)
			chmod 755 "$alt"
			mkdir "$alt/data"
			chown "$pguser" "$alt" "$alt/data"
			ln -sfn "$alt/data" "$data"
			ln -sfn "$alt/server.log" "$dir/server.log"
			pgdata="$alt/data"
			pglog="$alt/server.log"
			echo "pg.sh: $dir is not reachable by $pguser; data kept in $alt" >&2
		fi
	fi
}

# The socket gets a directory of its own, in $sock: the data directory is
# private to $pguser. Unix socket paths are limited to 107 bytes.
sock_dir_make() {
	mkdir -p "$dir/sock"
	chown "$pguser" "$dir/sock" 2>/dev/null || true
	sock=$(cd "$dir/sock" && pwd -P)
	if [ ${#sock} -gt 90 ] || ! as test -w "$sock" 2>/dev/null; then
		sock=$(mktemp -d /tmp/patrol-sock.XXXXXX)
	fi
	chown "$pguser" "$sock" 2>/dev/null || true
	chmod 755 "$sock"
}

stop() {
	if [ -f "$data/PG_VERSION" ] && as "$pgbin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
		as "$pgbin/pg_ctl" -D "$pgdata" -m "$1" -w stop >/dev/null
	fi
}

case "$cmd" in
init)
	if [ -f "$data/PG_VERSION" ]; then exit 0; fi
	data_dir_make
	[ -e "$data" ] || { mkdir "$data"; chown "$pguser" "$data" 2>/dev/null || true; }
	as "$pgbin/initdb" -D "$pgdata" -U patrol --auth=trust -E UTF8 \
		--locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	sock_dir_make
	cat >>"$data/postgresql.conf" <<CONF
# patrol: private cluster
listen_addresses = ''
unix_socket_directories = '$sock'
fsync = on
max_connections = 100
shared_buffers = 128MB
log_min_messages = warning
CONF
	echo "$sock" >"$dir/socket_dir"
	;;
start)
	[ -f "$data/PG_VERSION" ] || { echo "pg.sh: no cluster in $dir (run init)" >&2; exit 1; }
	if as "$pgbin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then exit 0; fi
	touch "$pglog"
	chown "$pguser" "$pglog" 2>/dev/null || true
	# setsid: a Ctrl-C in the terminal must not reach the postmaster.
	as setsid "$pgbin/pg_ctl" -D "$pgdata" -l "$pglog" -w -t 60 start >/dev/null ||
		{ tail -n 20 "$pglog" >&2; exit 1; }
	# The default "patrol" database, made once.
	sock=$(cat "$dir/socket_dir")
	if ! "$pgbin/psql" -h "$sock" -U patrol -d postgres -tAc \
		"SELECT 1 FROM pg_database WHERE datname = 'patrol'" | grep -q 1; then
		"$pgbin/createdb" -h "$sock" -U patrol patrol
	fi
	;;
standby)
	primary=${3:?usage: $0 standby DIR PRIMARY_DIR}
	if [ -f "$data/PG_VERSION" ]; then exit 0; fi
	# pg_basebackup makes the data directory itself.
	data_dir_make
	[ ! -L "$data" ] || rmdir "$pgdata"
	psock=$(cat "$primary/socket_dir")
	as "$pgbin/pg_basebackup" -h "$psock" -U patrol -D "$pgdata" -R -X stream \
		-c fast >"$dir/basebackup.log" 2>&1 ||
		{ cat "$dir/basebackup.log" >&2; exit 1; }
	sock_dir_make
	cat >>"$pgdata/postgresql.conf" <<CONF
# patrol: hot standby of $primary
unix_socket_directories = '$sock'
hot_standby = on
hot_standby_feedback = on
CONF
	echo "$sock" >"$dir/socket_dir"
	;;
stop)
	stop "${3:-fast}"
	;;
remove)
	stop "${3:-fast}" || true
	if [ -L "$data" ]; then
		case $pgdata in /var/tmp/patrol-pg.*) rm -rf "${pgdata%/data}" ;; esac
	fi
	sock=$(cat "$dir/socket_dir" 2>/dev/null || true)
	case $sock in /tmp/patrol-sock.*) rm -rf "$sock" ;; esac
	rm -rf "$dir"
	;;
url)
	echo "host=$(cat "$dir/socket_dir") user=patrol dbname=patrol"
	;;
*)
	echo "$usage" >&2
	exit 2
	;;
esac
