#!/usr/bin/env bash
# bench-api.sh — registrations per second through the post node's HTTPS API
# (POST /api/v1/crossings, TLS, a real officer session logged in with
# password and TOTP) with p50/p99 latency, next to the bare SQLite durable
# insert rate measured in the same run (bench/bench_post.c's anchor: a row
# of a record's size, one a transaction, WAL, synchronous=FULL, as the
# post's own database).
#
# The booths are bench/bench_booth.c: each checks a traveller (POST
# /api/v1/check) and registers the crossing bound to that check (check_id),
# in rounds: 32 checks each, then the 32 registrations while the clock
# runs, so that the rate and the latency are those of registrations alone.
# Two loads: one booth (the latency an officer sees at a quiet post) and
# many booths at once (the rate the post sustains: concurrent registrations
# share commits, lib/post group commit). Each acknowledged answer (201) is
# kept with its log index and leaf hash; afterwards every one of them must
# be in the post's log — the record at that index, with that leaf hash —
# the log must verify (tims log verify), and nothing may be stored that
# was not acknowledged.
#   bench/bench-api.sh [--smoke] [--duration S] [--connections N]
# --smoke (make check): a few seconds, one TAP line "ok - ..." per figure.
set -u
cd "$(dirname "$0")/.." || exit 2
. bench/lib.sh
smoke=0 dur=10 dur1=5 conns=8
while [ $# -gt 0 ]; do
	case "$1" in
	--smoke) smoke=1 dur=2 dur1=2 conns=4; shift ;;
	--duration) dur=$2; shift 2 ;;
	--connections) conns=$2; shift 2 ;;
	*) echo "usage: bench/bench-api.sh [--smoke] [--duration S] [--connections N]" >&2; exit 2 ;;
	esac
done
case "$dur$conns" in *[!0-9]*) echo "bench-api.sh: --duration and --connections take numbers" >&2; exit 2 ;; esac
TIMS=build/tims
bin=build/bench/bench_post
[ -x "$TIMS" ] && [ -x "$bin" ] && [ -x build/bench/bench_booth ] ||
	make -s "$TIMS" "$bin" build/bench/bench_booth >&2 ||
	{ echo "not ok - api bench: cannot build $TIMS, $bin and bench_booth"; exit 1; }
for tool in oathtool curl python3; do
	command -v "$tool" >/dev/null ||
		{ echo "not ok - api bench: $tool is not installed (bash scripts/deps.sh)"; exit 1; }
done
work=$(mktemp -d /tmp/tims-bench-api-XXXXXX)
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "not ok - api bench: $*"; exit 1; }

bench_post_node "$work" bench.example/api

# One booth, then $conns at once; each acknowledged registration is
# written down as "INDEX LEAF_HASH" (acks-A, acks-B).
bench_booths "$URL" "$token" "$P/tls.crt" 1 "$dur1" "$work/acks-A"
rps1=$RATE p50_1=$R50 p99_1=$R99 errors1=$ERRORS regs1=$REGS
bench_booths "$URL" "$token" "$P/tls.crt" "$conns" "$dur" "$work/acks-B"
rps=$RATE p50=$R50 p99=$R99 errors=$ERRORS
[ "$errors1$errors" = 00 ] && errors= errors1= || { errors=${errors:-?}; errors1=${errors1:-?}; }
kill "$SERVER"; wait "$SERVER" 2>/dev/null; SERVER=
"$TIMS" log verify --post "$P" >"$work/verify.out" 2>&1; verify_rc=$?
verify=$(tail -1 "$work/verify.out")

# Every acknowledged registration in the log: its index holds a bench_booth record
# whose leaf hash (RFC 6962: SHA-256 of 0x00 and the entry) is the one the
# answer carried.
check=$(python3 - "$P/post.db" "$work" "$conns" <<'PY'
import glob, hashlib, sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
rows = {i: (ref, entry) for i, ref, entry in db.execute("SELECT idx, ref, entry FROM records")}
size = db.execute("SELECT avg(length(entry) + length(body) + length(salt) + length(ref) + length(doc))"
                  " FROM records").fetchone()[0] or 0
acked, others, bad = [], 0, []
for f in sorted(glob.glob(sys.argv[2] + "/acks-*")):
    for line in open(f):
        a, b = line.split()
        if a == "status":
            others += 1
        else:
            acked.append((int(a), b))
for i, leaf in acked:
    r = rows.get(i)
    if r is None or not (r[0] or "").startswith("bb-") or \
       hashlib.sha256(b"\0" + r[1]).hexdigest() != leaf:
        bad.append(i)
dup = len(acked) - len({i for i, _ in acked})
extra = len(rows) - len(acked)
ok = not bad and not dup and not others and 0 <= extra <= int(sys.argv[3]) + 1
print("%s %d %d %d %d %d %d %.0f" % ("ok" if ok else "fail", len(acked), len(acked) - len(bad),
      len(rows), extra, dup, others, size))
PY
)
read -r check_ok acked found logsize extra dups others rowbytes <<<"$check"

# The anchor in the same run: a bare SQLite durable insert, one a transaction.
mkdir -p "$work/anchor"
anchor=$("$bin" $([ "$smoke" = 1 ] && echo --smoke) --dir "$work/anchor" 2>&1 |
	sed -n 's/.*bare sqlite *\([0-9]*\)[ /].*/\1/p' | head -1)
ratio=$(python3 -c "print('%.2f' % ($rps / $anchor))" 2>/dev/null)

# The targets (docs/guarantees.md, section Performance): one booth's
# registration through the API p99 <= 5 ms; many booths at once share commits
# and reach >= 0.5 of the bare SQLite rate.
targets() {
	bench_target "registration through the API, one booth: p99" "$p99_1" "<=" 5 "ms" "$smoke"
	bench_target "registrations through the API, $conns booths at once / bare SQLite" \
		"$ratio" ">=" 0.5 "" "$smoke"
}
if [ "$smoke" = 1 ]; then
	targets
	tap() { if [ -n "$2" ]; then echo "ok - api bench: $1 $2${3:-}"; else echo "not ok - api bench: $1 (no figure)"; bad=1; fi; }
	bad=0
	tap "registrations/s over HTTPS, $conns booths at once (${dur}s):" "$rps"
	tap "latency p50, $conns booths at once:" "$p50" " ms"
	tap "latency p99, $conns booths at once:" "$p99" " ms"
	tap "latency p50, one booth at a time (${dur1}s, $rps1/s):" "$p50_1" " ms"
	tap "latency p99, one booth at a time:" "$p99_1" " ms"
	tap "bare SQLite durable insert rate, same run (/s):" "$anchor"
	tap "ratio API registrations / bare SQLite inserts:" "$ratio"
	if [ "$check_ok" = ok ] && [ "$verify_rc" = 0 ] && [ -z "$errors$errors1" ]; then
		echo "ok - api bench: every acknowledged registration is in the log ($found of $acked, index and leaf hash; $extra stored without an answer); the log verifies"
	else
		echo "not ok - api bench: acknowledged $acked, found $found, duplicates $dups, other answers $others, log $logsize, failed calls '${errors}${errors1}', verify: $verify"
		bad=1
	fi
	exit $bad
fi
echo "registrations through POST /api/v1/crossings over HTTPS (a logged-in officer):"
printf '  %-34s %8s reg/s   p50 %6s ms   p99 %6s ms\n' \
	"one booth at a time (${dur1}s)" "$rps1" "$p50_1" "$p99_1" \
	"$conns booths at once (${dur}s)" "$rps" "$p50" "$p99"
printf '  %-34s %8s ins/s   (bench_post: a 300-byte row a transaction, WAL, synchronous=FULL;\n%47s the API'"'"'s records average %s bytes a row)\n' \
	"bare SQLite, same run" "${anchor:-?}" "" "${rowbytes:-?}"
echo "  ratio API / bare SQLite: ${ratio:-?} ($conns booths at once)"
echo "  acknowledged $acked; in the log at their index with their leaf hash: $found;" \
	"stored without an answer: $extra; failed calls: ${errors:-none}${errors1:+, $errors1}"
echo "  $verify"
targets
[ "$check_ok" = ok ] && [ "$verify_rc" = 0 ] && [ -n "$rps" ] && [ -n "$anchor" ]
