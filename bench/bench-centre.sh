#!/usr/bin/env bash
# bench-centre.sh — the centre's ingest rate (bench/bench_centre.c) with the
# SQLite query store and with a throwaway PostgreSQL server, each next to
# the bare Ed25519 verification rate measured in the same run.
#   bench/bench-centre.sh [--smoke] [--n N]
set -u
cd "$(dirname "$0")/.." || exit 2
bin=build/bench/bench_centre
[ -x "$bin" ] || make -s "$bin" >&2 || { echo "not ok - centre bench: cannot build $bin"; exit 1; }
. tests/lib/pg.sh
work=$(mktemp -d /tmp/tims-bench-centre-pg-XXXXXX)
chmod 755 "$work"
trap 'pg_stop; rm -rf "$work"' EXIT
rc=0
"$bin" "$@" || rc=1
if pg_start "$work/pg"; then
	"$bin" "$@" --store "pg:$PG_CONNINFO" || rc=1
else
	echo "not ok - centre bench with PostgreSQL: $PG_ERROR"
	rc=1
fi
exit $rc
