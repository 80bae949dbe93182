#!/usr/bin/env bash
# bench-api.sh — registrations per second through the post node's HTTPS API
# (POST /api/v1/crossings, TLS, a real officer session logged in with
# password and TOTP) under wrk, with p50/p99 latency, next to the bare SQLite
# durable insert rate measured in the same run (bench/bench_post.c's anchor:
# a row of a record's size, one a transaction, WAL, synchronous=FULL, as the
# post's own database).
#
# Two loads: one booth at a time (wrk -c1: the latency an officer sees at a
# quiet post) and many booths at once (wrk -cN: the rate the post sustains;
# latency there is mostly waiting for the others, as registrations are
# serialised). Every request is a new crossing: wrk's Lua gives each a
# unique record id and document number. Each acknowledged answer (201) is
# kept with its log index and leaf hash; afterwards every one of them must
# be in the post's log — the record at that index, with that leaf hash —
# the log must verify (tims log verify), and at most the requests in flight
# when wrk stopped may be stored without an answer.
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
[ -x "$TIMS" ] && [ -x "$bin" ] || make -s "$TIMS" "$bin" >&2 ||
	{ echo "not ok - api bench: cannot build $TIMS and $bin"; exit 1; }
for tool in wrk oathtool curl python3; do
	command -v "$tool" >/dev/null ||
		{ echo "not ok - api bench: $tool is not installed (bash scripts/deps.sh)"; exit 1; }
done
work=$(mktemp -d /tmp/tims-bench-api-XXXXXX)
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "not ok - api bench: $*"; exit 1; }

bench_post_node "$work" bench.example/api

# Each registration is a booth's two requests: a check (POST /api/v1/check,
# the document typed by hand), then the crossing bound to its check id. A
# thread keeps the check ids its connections got and registers each once.
# The phase, wrk's thread and a per-thread counter make the id and the
# document number unique. Each crossing's answer is written down: "INDEX
# LEAF_HASH" for a 201, "status N" for anything else.
cat >"$work/post.lua" <<EOF
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
function init(args)
  phase = args[1]
  counter = 0
  acks = assert(io.open("$work/acks-" .. phase .. "-" .. tid, "w"))
  acks:setvbuf("line")
end
checks = {}
request = function()
  local hdr = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer $token"}
  counter = counter + 1
  if #checks > 0 then
    local id = "wrk-" .. phase .. "-" .. tid .. "-" .. counter
    local body = '{"id":"' .. id .. '","check_id":"' .. table.remove(checks, 1) ..
      '","direction":"entry","decision":"admit"}'
    return wrk.format("POST", "/api/v1/crossings", hdr, body)
  end
  local body = '{"manual":{"doc_code":"P","issuer":"UTO","doc_number":"W' .. phase .. tid ..
    'X' .. counter .. '","surname":"ERIKSSON","given_names":"ANNA MARIA","nationality":"UTO",' ..
    '"birth_date":"1974-08-12","sex":"F","expiry":"2031-04-15"}}'
  return wrk.format("POST", "/api/v1/check", hdr, body)
end
function response(status, headers, body)
  local ck = body:match('"check_id":"(%x+)"')
  if status == 200 and ck and not body:match('"index"') then
    table.insert(checks, ck)
  elseif status == 201 then
    acks:write((body:match('"index":(%d+)') or "?") .. " " ..
               (body:match('"leaf_hash":"(%x+)"') or "?") .. "\n")
  else
    acks:write("status " .. status .. "\n")
  end
end
EOF
run_wrk() { # PHASE THREADS CONNECTIONS SECONDS
	wrk -t"$2" -c"$3" -d"$4s" --latency -s "$work/post.lua" "$URL" -- "$1" >"$work/wrk-$1.out" 2>&1 ||
		fail "wrk failed: $(tail -3 "$work/wrk-$1.out")"
}
threads=2; [ "$conns" -lt 2 ] && threads=1
run_wrk A 1 1 "$dur1"        # one booth at a time
run_wrk B "$threads" "$conns" "$dur" # many booths at once

# wrk's figures: requests/s, count, errors, p50/p99 ("123.45us" / "1.23ms" / "1.2s" -> ms).
figure() { # PHASE WHAT
	python3 - "$work/wrk-$1.out" "$2" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def ms(v):
    m = re.match(r"([0-9.]+)(us|ms|s)$", v)
    return "%.2f" % (float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]) if m else ""
what = sys.argv[2]
if what == "rps":  # registrations: every other request is the check before one
    m = re.search(r"^Requests/sec:\s*([0-9.]+)", t, re.M); print("%.0f" % (float(m.group(1)) / 2) if m else "")
elif what == "requests":
    m = re.search(r"^\s*([0-9]+) requests in", t, re.M); print(m.group(1) if m else "")
elif what == "errors":
    m = re.search(r"Socket errors: (.*)", t); n = re.search(r"Non-2xx or 3xx responses: *([0-9]+)", t)
    print(", ".join(x for x in ((m.group(1) if m else ""), ("non-2xx " + n.group(1) if n else "")) if x))
else:
    m = re.search(r"^\s*%s%%\s+(\S+)" % what, t, re.M); print(ms(m.group(1)) if m else "")
PY
}
rps=$(figure B rps) p50=$(figure B 50) p99=$(figure B 99) errors=$(figure B errors)
rps1=$(figure A rps) p50_1=$(figure A 50) p99_1=$(figure A 99) errors1=$(figure A errors)
kill "$SERVER"; wait "$SERVER" 2>/dev/null; SERVER=
"$TIMS" log verify --post "$P" >"$work/verify.out" 2>&1; verify_rc=$?
verify=$(tail -1 "$work/verify.out")

# Every acknowledged registration in the log: its index holds a wrk record
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
    if r is None or not (r[0] or "").startswith("wrk-") or \
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
	tap "registrations/s over HTTPS, $conns booths at once (wrk -t$threads -c$conns ${dur}s):" "$rps"
	tap "latency p50, $conns booths at once:" "$p50" " ms"
	tap "latency p99, $conns booths at once:" "$p99" " ms"
	tap "latency p50, one booth at a time (wrk -c1 ${dur1}s, $rps1/s):" "$p50_1" " ms"
	tap "latency p99, one booth at a time:" "$p99_1" " ms"
	tap "bare SQLite durable insert rate, same run (/s):" "$anchor"
	tap "ratio API registrations / bare SQLite inserts:" "$ratio"
	if [ "$check_ok" = ok ] && [ "$verify_rc" = 0 ] && [ -z "$errors$errors1" ]; then
		echo "ok - api bench: every acknowledged registration is in the log ($found of $acked, index and leaf hash; $extra more stored in flight when wrk stopped); the log verifies"
	else
		echo "not ok - api bench: acknowledged $acked, found $found, duplicates $dups, other answers $others, log $logsize, socket errors '${errors}${errors1}', verify: $verify"
		bad=1
	fi
	exit $bad
fi
echo "registrations through POST /api/v1/check + /api/v1/crossings over HTTPS (a logged-in officer;"
echo "  latencies are of both kinds of request):"
printf '  %-34s %8s reg/s   p50 %6s ms   p99 %6s ms\n' \
	"one booth at a time (wrk -c1 ${dur1}s)" "$rps1" "$p50_1" "$p99_1" \
	"$conns booths at once (wrk -c$conns ${dur}s)" "$rps" "$p50" "$p99"
printf '  %-34s %8s ins/s   (bench_post: a 300-byte row a transaction, WAL, synchronous=FULL;\n%47s the API'"'"'s records average %s bytes a row)\n' \
	"bare SQLite, same run" "${anchor:-?}" "" "${rowbytes:-?}"
echo "  ratio API / bare SQLite: ${ratio:-?} ($conns booths at once)"
echo "  acknowledged $acked; in the log at their index with their leaf hash: $found;" \
	"stored but in flight when wrk stopped: $extra; other answers: $others; socket errors: ${errors:-none}${errors1:+, $errors1}"
echo "  $verify"
targets
[ "$check_ok" = ok ] && [ "$verify_rc" = 0 ] && [ -n "$rps" ] && [ -n "$anchor" ]
