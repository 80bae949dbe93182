#!/usr/bin/env bash
# bench-booth.sh — the booth's check and registration through the post
# node's HTTPS API (bench/bench_booth.c: POST /api/v1/check with a traveller
# typed in, then POST /api/v1/crossings bound to its check_id, a logged-in
# officer) at a post whose national travel history replica holds 10 M
# crossings of other posts (DIR/national.db, filled before the node starts:
# bench_booth load), p50/p99 end to end, next to the bare SQLite durable
# insert of the same run (bench/bench_post.c's anchor).
#
# The documents checked are among those the replica holds (4 crossings
# each): each check's stay answer looks them up among the 10 M. One booth
# (the latency an officer sees) and 8 at once (the rate: registrations
# share commits). Every acknowledged registration must be in the log at its
# index with its leaf hash, and the log must verify.
#   bench/bench-booth.sh [--smoke] [--rows N] [--duration S]
# --smoke (make check): 100 000 rows, a few seconds, one TAP line a figure.
set -u
cd "$(dirname "$0")/.." || exit 2
. bench/lib.sh
smoke=0 rows=10000000 dur=8 dur1=5 conns=8 docs=20000
while [ $# -gt 0 ]; do
	case "$1" in
	--smoke) smoke=1 rows=100000 dur=2 dur1=2 conns=4 docs=2000; shift ;;
	--rows) rows=$2; shift 2 ;;
	--duration) dur=$2; shift 2 ;;
	*) echo "usage: bench/bench-booth.sh [--smoke] [--rows N] [--duration S]" >&2; exit 2 ;;
	esac
done
case "$rows$dur" in *[!0-9]*) echo "bench-booth.sh: --rows and --duration take numbers" >&2; exit 2 ;; esac
TIMS=build/tims
bin=build/bench/bench_post
[ -x "$TIMS" ] && [ -x "$bin" ] && [ -x build/bench/bench_booth ] ||
	make -s "$TIMS" "$bin" build/bench/bench_booth >&2 ||
	{ echo "not ok - booth bench: cannot build $TIMS, $bin and bench_booth"; exit 1; }
for tool in oathtool curl python3; do
	command -v "$tool" >/dev/null ||
		{ echo "not ok - booth bench: $tool is not installed (bash scripts/deps.sh)"; exit 1; }
done
work=$(mktemp -d /tmp/tims-bench-booth-XXXXXX)
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "not ok - booth bench: $*"; exit 1; }

# The replica, before the node starts: one function (bench_booth load).
load_replica() {
	local s e
	s=$(date +%s.%N)
	build/bench/bench_booth load "$1" "$rows" "$docs" || return 1
	e=$(date +%s.%N)
	load_s=$(python3 -c "print('%.1f' % ($e - $s))")
	held=$(sqlite3 "file:$1/national.db?mode=ro" "SELECT count(*) FROM crossings" 2>/dev/null)
}
bench_post_node "$work" bench.example/booth load_replica
[ "$held" = "$rows" ] || fail "the replica holds ${held:-nothing}, not $rows"

bench_booths "$URL" "$token" "$P/tls.crt" 1 "$dur1" "$work/acks-A" "$docs"
c50_1=$C50 c99_1=$C99 r50_1=$R50 r99_1=$R99 rate1=$RATE err1=$ERRORS checks1=$CHECKS
bench_booths "$URL" "$token" "$P/tls.crt" "$conns" "$dur" "$work/acks-B" "$docs"
c50=$C50 c99=$C99 r50=$R50 r99=$R99 rate=$RATE err=$ERRORS
kill "$SERVER"; wait "$SERVER" 2>/dev/null; SERVER=
"$TIMS" log verify --post "$P" >"$work/verify.out" 2>&1; verify_rc=$?
verify=$(tail -1 "$work/verify.out")
# every acknowledged registration at its index with its leaf hash
check=$(python3 - "$P/post.db" "$work" <<'PY'
import glob, hashlib, sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
rows = {i: entry for i, entry in db.execute("SELECT idx, entry FROM records")}
acked = [l.split() for f in glob.glob(sys.argv[2] + "/acks-*") for l in open(f)]
bad = [a for a in acked if rows.get(int(a[0])) is None or
       hashlib.sha256(b"\0" + rows[int(a[0])]).hexdigest() != a[1]]
print("%s %d %d" % ("ok" if not bad and len(acked) == len(rows) else "fail", len(acked), len(rows)))
PY
)
read -r check_ok acked logsize <<<"$check"
mkdir -p "$work/anchor"
anchor=$("$bin" $([ "$smoke" = 1 ] && echo --smoke) --dir "$work/anchor" 2>&1 |
	sed -n 's/.*bare sqlite *\([0-9]*\)[ /].*/\1/p' | head -1)
ratio=$(python3 -c "print('%.2f' % ($rate / $anchor))" 2>/dev/null)
scale="$(printf "%'d" "$rows" 2>/dev/null || echo "$rows") crossings"

targets() {
	bench_target "booth check through the API, national replica of $scale, one booth: p99" \
		"$c99_1" "<=" 50 "ms" "$smoke"
	bench_target "booth check through the API, national replica of $scale, $conns booths: p99" \
		"$c99" "<=" 50 "ms" "$smoke"
	bench_target "registration through the API, national replica of $scale, one booth: p99" \
		"$r99_1" "<=" 5 "ms" "$smoke"
	bench_target "registrations through the API, national replica of $scale, $conns booths / bare SQLite" \
		"$ratio" ">=" 0.5 "" "$smoke"
}
if [ "$smoke" = 1 ]; then
	targets
	tap() { if [ -n "$2" ]; then echo "ok - booth bench: $1 $2${3:-}"; else echo "not ok - booth bench: $1 (no figure)"; bad=1; fi; }
	bad=0
	tap "replica of $scale loaded in" "$load_s" " s"
	tap "check p50/p99, one booth ($checks1 checks):" "$c50_1/$c99_1" " ms"
	tap "registration p50/p99, one booth:" "$r50_1/$r99_1" " ms"
	tap "registrations/s, $conns booths at once:" "$rate"
	tap "ratio to bare SQLite ($anchor/s):" "$ratio"
	if [ "$check_ok" = ok ] && [ "$verify_rc" = 0 ] && [ "$err1$err" = 00 ]; then
		echo "ok - booth bench: every acknowledged registration is in the log ($acked); the log verifies"
	else
		echo "not ok - booth bench: acknowledged $acked, log $logsize, failed calls $err1+$err, verify: $verify"
		bad=1
	fi
	exit $bad
fi
echo "the booth through the API, the post's national replica holding $scale (loaded in ${load_s}s):"
printf '  %-22s check p50 %6s ms p99 %6s ms   registration p50 %6s ms p99 %6s ms   %6s reg/s\n' \
	"one booth (${dur1}s)" "$c50_1" "$c99_1" "$r50_1" "$r99_1" "$rate1" \
	"$conns booths (${dur}s)" "$c50" "$c99" "$r50" "$r99" "$rate"
echo "  bare SQLite, same run: ${anchor:-?} ins/s (WAL, synchronous=FULL); ratio $conns booths / bare: ${ratio:-?}"
echo "  acknowledged $acked, in the log at their index with their leaf hash; failed calls: $err1 + $err"
echo "  $verify"
targets
[ "$check_ok" = ok ] && [ "$verify_rc" = 0 ] && [ -n "$rate" ] && [ -n "$anchor" ]
