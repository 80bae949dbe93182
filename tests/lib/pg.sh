# pg.sh — a throwaway PostgreSQL server for tests (source this file).
#
#   pg_start DIR [OPTS]
#                  initdb into DIR/data, listen only on a private unix
#                  socket in DIR (no TCP), export PG_CONNINFO; OPTS are more
#                  server options ("-c shared_buffers=256MB"); returns
#                  non-zero with the reason in PG_ERROR if it cannot start
#   pg_stop        stop it and remove DIR
#
# As root, the server runs as the unprivileged user postgres (initdb refuses
# root). fsync is off: the data is thrown away afterwards. PG_INITDB_OPTS:
# more initdb options ("--wal-segsize=1").
#
# For the power-loss row (tests/e2e/pgcut.sh), a cluster whose power can be
# cut: the server run directly (no pg_ctl), in a process group of its own,
# durable (fsync, full_page_writes and synchronous_commit on unless
# PG_DURABILITY says otherwise), optionally under tests/lib/crashfs.c:
#
#   pg_init DIR          initdb into DIR/data (1 MiB WAL segments), sets
#                        PG_DIR, PG_BIN, PG_PORT, PG_CONNINFO
#   pg_run [ENV...]      start the server on DIR/data (ENV: more environment
#                        for it, e.g. LD_PRELOAD=...crashfs.so and its
#                        variables); sets PG_PGID; 1 unless it answers
#                        within 30 s
#   pg_cut               SIGKILL the whole process group at once (the power
#                        goes for every backend together) and wait for it
#   pg_halt              a fast shutdown of a pg_run server

PG_DIR=""
PG_ERROR=""

pg_bin() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
	d=$(dirname "$(command -v initdb 2>/dev/null)" 2>/dev/null)
	if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
	return 1
}

pg_as() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_start() {
	local dir=$1 opts=${2:-} bin port
	if ! bin=$(pg_bin); then
		PG_ERROR="PostgreSQL server binaries (initdb, pg_ctl) not found; run scripts/deps.sh"
		return 1
	fi
	if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
		PG_ERROR="running as root and there is no postgres user to run the server as"
		return 1
	fi
	mkdir -p "$dir" || { PG_ERROR="cannot make $dir"; return 1; }
	[ "$(id -u)" = 0 ] && chown postgres: "$dir"
	chmod 700 "$dir"
	port=$((20000 + RANDOM % 20000))
	if ! pg_as "$bin/initdb" -D "$dir/data" -A trust -U tims -N ${PG_INITDB_OPTS:-} >"$dir/initdb.log" 2>&1; then
		PG_ERROR="initdb failed: $(tail -1 "$dir/initdb.log")"
		return 1
	fi
	if ! pg_as "$bin/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 60 -o \
		"-k $dir -p $port -c listen_addresses='' -c fsync=off -c full_page_writes=off $opts" \
		start >/dev/null 2>&1; then
		PG_ERROR="the server did not start: $(tail -1 "$dir/pg.log" 2>/dev/null)"
		return 1
	fi
	PG_DIR=$dir
	PG_BIN=$bin
	export PG_CONNINFO="host=$dir port=$port user=tims dbname=postgres"
	return 0
}

pg_stop() {
	[ -n "$PG_DIR" ] || return 0
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
	pg_cut # a server of pg_run's: its whole group, whatever pg_ctl did
	rm -rf "$PG_DIR"
	PG_DIR=""
}

# ---- a cluster whose power can be cut (the power-loss row) --------------

PG_PGID=""
PG_DURABILITY=${PG_DURABILITY:-"-c fsync=on -c full_page_writes=on -c synchronous_commit=on"}

pg_init() {
	local dir=$1
	if ! PG_BIN=$(pg_bin); then
		PG_ERROR="PostgreSQL server binaries (initdb, pg_ctl) not found; run scripts/deps.sh"
		return 1
	fi
	if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
		PG_ERROR="running as root and there is no postgres user to run the server as"
		return 1
	fi
	mkdir -p "$dir" && chmod 700 "$dir" || { PG_ERROR="cannot make $dir"; return 1; }
	[ "$(id -u)" = 0 ] && chown postgres: "$dir"
	if ! pg_as "$PG_BIN/initdb" -D "$dir/data" -A trust -U tims -N --wal-segsize=1 \
		>"$dir/initdb.log" 2>&1; then
		PG_ERROR="initdb failed: $(tail -1 "$dir/initdb.log")"
		return 1
	fi
	PG_DIR=$dir
	PG_PORT=$((20000 + RANDOM % 20000))
	export PG_CONNINFO="host=$dir port=$PG_PORT user=tims dbname=postgres"
}

# pg_ready: the server answers a query
pg_ready() {
	"$PG_BIN/psql" -X -q -A -t -h "$PG_DIR" -p "$PG_PORT" -U tims -d postgres \
		-c 'SELECT 1' >/dev/null 2>&1
}

pg_run() {
	local i
	# setsid: the server, its backends and its wrapper in a group of their own
	setsid runuser -u postgres -- env "$@" "$PG_BIN/postgres" -D "$PG_DIR/data" -k "$PG_DIR" \
		-p "$PG_PORT" -c listen_addresses= $PG_DURABILITY >>"$PG_DIR/pg.log" 2>&1 &
	PG_PGID=$!
	disown "$PG_PGID" # (no "Killed" from bash at its power cut)
	for i in $(seq 1 300); do
		pg_ready && return 0
		kill -0 "$PG_PGID" 2>/dev/null || break
		sleep 0.1
	done
	PG_ERROR="the server did not answer: $(tail -2 "$PG_DIR/pg.log" 2>/dev/null | tr '\n' ' ')"
	return 1
}

# pg_preload SO: prints the path of a copy of the preload library SO in
# PG_DIR, where the server's user can read it. A fresh clone made under
# `mktemp -d` is root's alone (0700): given the clone's own path, the
# loader of a server run as postgres ignores LD_PRELOAD with a warning and
# the server runs without it (CI: crashfs journaled nothing, the cut
# left no data directory PostgreSQL could start on).
pg_preload() {
	install -m 0755 "$1" "$PG_DIR/${1##*/}" && printf '%s\n' "$PG_DIR/${1##*/}"
}

pg_cut() {
	[ -n "$PG_PGID" ] || return 0
	kill -KILL -- "-$PG_PGID" 2>/dev/null
	while kill -0 -- "-$PG_PGID" 2>/dev/null; do sleep 0.02; done
	PG_PGID=""
}

pg_halt() {
	[ -n "$PG_PGID" ] || return 0
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 60 stop >/dev/null 2>&1 || pg_cut
	while kill -0 -- "-$PG_PGID" 2>/dev/null; do sleep 0.02; done
	PG_PGID=""
}
