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
. bench/lib.sh
work=$(mktemp -d /tmp/tims-bench-centre-pg-XXXXXX)
chmod 755 "$work"
trap 'pg_stop; rm -rf "$work"' EXIT
rc=0
smoke=0
case " $* " in *" --smoke "*) smoke=1 ;; esac
"$bin" "$@" || rc=1
if pg_start "$work/pg"; then
	"$bin" "$@" --store "pg:$PG_CONNINFO" || rc=1
else
	echo "not ok - centre bench with PostgreSQL: $PG_ERROR"
	rc=1
fi

# The rebuild over the network: a post node serving N records, a wiped
# centre pulling them back with `tims centre rebuild --from-posts` (HTTPS
# with mutual TLS, every batch's signature and proof checked, mirrored and
# indexed), next to the bare Ed25519 rate bench_centre printed above.
n=20000
case " $* " in *" --smoke "*) n=3000 ;; esac
TIMS=build/tims
[ -x "$TIMS" ] || make -s "$TIMS" >&2
R=$work/rebuild
mkdir -p "$R"
python3 - "$n" >"$R/records.jsonl" <<'PY'
import json, sys
n = int(sys.argv[1])
for i in range(n):
    print(json.dumps({"id": "r%d" % i, "direction": "entry" if i % 2 == 0 else "exit",
        "officer": "O%d" % (i % 17), "booth": "B%d" % (i % 4), "decision": "admit",
        "person": {"doc_code": "P", "issuer": "BGR", "number": "X%07d" % (i // 2),
                   "surname": "SURNAME%d" % (i % 5003), "given_names": "GIVEN%d" % (i % 997),
                   "nationality": "BGR", "birth_date": "1980-01-01", "sex": "M"}}))
PY
rebuild_line() {
	CLI_HOME=$R
	. scripts/cli-session.sh   # who types: logged in (docs/roles.md)
	"$TIMS" post init "$R/post" --origin bench.example/rebuild --kind land >/dev/null &&
	cli_bootstrap "$R/post" &&
	cli_as "$R/post" supervisor "$TIMS" cross import --post "$R/post" --batch 500 \
		"$R/records.jsonl" >/dev/null 2>&1 &&
	"$TIMS" centre init "$R/centre" --name bench-centre >/dev/null &&
	cli_bootstrap "$R/centre" &&
	"$TIMS" centre enrol-post "$R/centre" p1 --vkey "$R/post/post.vkey" \
		--url https://127.0.0.1:1 --out "$R/enrol" >/dev/null &&
	"$TIMS" post enrol "$R/post" --from "$R/enrol" >/dev/null || return 1
	"$TIMS" post serve "$R/post" --port 0 >"$R/post.out" 2>"$R/post.log" &
	local pid=$! url t0 t1 out
	for _ in $(seq 1 100); do grep -q "listening on" "$R/post.out" && break; sleep 0.1; done
	url=$(sed -n 's/^listening on //p' "$R/post.out" | sed 's|/$||')
	t0=$(date +%s.%N)
	out=$("$TIMS" centre rebuild "$R/centre" --from-posts "p1=$url" 2>&1)
	t1=$(date +%s.%N)
	kill "$pid"; wait "$pid" 2>/dev/null
	printf '%s\n' "$out" | grep -q "$n records, $n recovered now" || { printf '%s\n' "$out" >&2; return 1; }
	python3 -c "import sys; print('%.0f' % ($n / ($t1 - $t0)))"
}
if rate=$(rebuild_line); then
	if [ "$smoke" = 1 ]; then
		echo "ok - centre rebuild over the network: $rate records/s ($n records, every batch verified)"
	else
		echo "centre rebuild over HTTPS with mutual TLS from one post node, $n records:"
		echo "  rebuild      $rate records/s  (pull, verify each batch, mirror, index;"
		echo "               compare with the ingest and bare Ed25519 rates above)"
	fi
	bench_target "centre rebuild from a post over the network" "$rate" ">=" 15000 "records/s" "$smoke"
else
	echo "not ok - centre rebuild over the network failed"
	bench_target "centre rebuild from a post over the network" "" ">=" 15000 "records/s" "$smoke"
	rc=1
fi
exit $rc
