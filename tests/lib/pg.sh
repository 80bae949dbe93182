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
# root). fsync is off: the data is thrown away afterwards.

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
	if ! pg_as "$bin/initdb" -D "$dir/data" -A trust -U tims -N >"$dir/initdb.log" 2>&1; then
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
	rm -rf "$PG_DIR"
	PG_DIR=""
}
