#!/usr/bin/env bash
# cstore.sh — the centre's query store, SQLite and a real PostgreSQL server
# started here for the purpose (tests/lib/pg.sh), with the same unit checks.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/../lib/pg.sh"

bin=$PWD/build/tests/test_cstore
if [ ! -x "$bin" ]; then
	t_report fail "query store: $bin is built (make check builds it)"
	t_end
	exit 1
fi
work=$(mktemp -d /tmp/tims-e2e-cstore-XXXXXX)
chmod 755 "$work" # the server runs as postgres when we are root
trap 'pg_stop; rm -rf "$work" "$T_TMP"' EXIT

out=$("$bin" 2>&1)
t_ok "query store: every check passes on SQLite" test $? = 0
printf '%s\n' "$out" | grep '^not ok' | sed 's/^/# /'

if pg_start "$work/pg"; then
	t_ok "query store: a throwaway PostgreSQL server started" true
	out=$(TIMS_PG_CONNINFO="$PG_CONNINFO" "$bin" 2>&1)
	t_ok "query store: every check passes on PostgreSQL too" test $? = 0
	printf '%s\n' "$out" | grep '^not ok' | sed 's/^/# /'
	t_match "query store: the PostgreSQL backend really ran" "backend postgresql" "$out"
	n=$(printf '%s\n' "$out" | grep -c '^ok .* postgresql: ')
	t_ok "query store: PostgreSQL ran its checks ($n)" test "$n" -ge 20
else
	t_report fail "query store: PostgreSQL could not be started" "$PG_ERROR"
fi
t_end
