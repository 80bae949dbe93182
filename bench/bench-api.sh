#!/usr/bin/env bash
# bench-api.sh — registrations per second through the post node's HTTPS API
# (POST /api/v1/crossings, a real officer session, TLS) under wrk, with
# p50/p99 latency, next to the bare SQLite durable insert rate measured in
# the same run (bench/bench_post.c's anchor: one row a transaction, WAL,
# synchronous=FULL). Afterwards every acknowledged registration must be in
# the post's log: the count is compared.
#   bench/bench-api.sh [--smoke] [--duration S] [--connections N]
set -u
cd "$(dirname "$0")/.." || exit 2
smoke=0 dur=10 conns=8
while [ $# -gt 0 ]; do
	case "$1" in
	--smoke) smoke=1 dur=2 conns=4; shift ;;
	--duration) dur=$2; shift 2 ;;
	--connections) conns=$2; shift 2 ;;
	*) echo "usage: bench/bench-api.sh [--smoke] [--duration S] [--connections N]" >&2; exit 2 ;;
	esac
done
TIMS=build/tims
bin=build/bench/bench_post
[ -x "$TIMS" ] && [ -x "$bin" ] || make -s "$TIMS" "$bin" >&2 ||
	{ echo "not ok - api bench: cannot build"; exit 1; }
command -v wrk >/dev/null || { echo "not ok - api bench: wrk is not installed (scripts/deps.sh)"; exit 1; }
command -v oathtool >/dev/null || { echo "not ok - api bench: oathtool is not installed"; exit 1; }
work=$(mktemp -d /tmp/tims-bench-api-XXXXXX)
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "not ok - api bench: $*"; exit 1; }

P=$work/post
"$TIMS" post init "$P" --origin bench.example/api --kind land >/dev/null || fail "post init"
secret=$(echo "bench password 1" | "$TIMS" officer add --post "$P" bench --name Bench --role officer |
	sed -n 's/^officer bench: TOTP secret //p')
"$TIMS" post serve "$P" --port 0 >"$work/serve.out" 2>"$work/serve.err" &
SERVER=$!
for _ in $(seq 1 100); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
URL=$(sed -n 's/^listening on //p' "$work/serve.out" | sed 's|/$||')
[ -n "$URL" ] || fail "the node did not start: $(tail -3 "$work/serve.err")"
token=$(curl -s --cacert "$P/tls.crt" -H 'Content-Type: application/json' --data-binary \
	"{\"officer\":\"bench\",\"password\":\"bench password 1\",\"code\":\"$(oathtool --totp -b "$secret")\",\"booth\":\"W1\"}" \
	"$URL/api/v1/session" | sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p')
[ -n "$token" ] || fail "no session"

# Each request a new crossing: a per-thread counter makes ids and documents unique.
cat >"$work/post.lua" <<EOF
local threads = {}
local n = 0
function setup(thread)
  n = n + 1
  thread:set("tid", n)
end
function init(args)
  counter = 0
end
request = function()
  counter = counter + 1
  local id = "wrk-" .. tid .. "-" .. counter
  local body = '{"id":"' .. id .. '","direction":"entry","decision":"admit",' ..
    '"person":{"doc_code":"P","issuer":"UTO","number":"W' .. tid .. 'X' .. counter ..
    '","surname":"ERIKSSON","given_names":"ANNA MARIA","nationality":"UTO",' ..
    '"birth_date":"1974-08-12","sex":"F","expiry":"2031-04-15"}}'
  return wrk.format("POST", "/api/v1/crossings",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer $token"}, body)
end
EOF
threads=2; [ "$conns" -lt 2 ] && threads=1
wrk -t"$threads" -c"$conns" -d"${dur}s" --latency -s "$work/post.lua" "$URL" >"$work/wrk.out" 2>&1 ||
	fail "wrk failed: $(tail -3 "$work/wrk.out")"
rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$work/wrk.out")
total=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$work/wrk.out")
non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$work/wrk.out")
errors=$(grep -c 'Socket errors' "$work/wrk.out")
to_ms() { # wrk's "123.45us" / "1.23ms" / "1.2s" -> ms
	python3 -c 'import sys,re
v=sys.argv[1]; m=re.match(r"([0-9.]+)(us|ms|s)$", v)
print("%.2f" % (float(m.group(1)) * {"us":0.001,"ms":1,"s":1000}[m.group(2)]) if m else "?")' "$1"
}
p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$work/wrk.out")")
p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$work/wrk.out")")
sleep 1.2 # the node signs a checkpoint every second
size=$(curl -s --cacert "$P/tls.crt" -H "Authorization: Bearer $token" "$URL/api/v1/status" |
	sed -n 's/.*"log_size":\([0-9]*\).*/\1/p')
kill "$SERVER"; wait "$SERVER" 2>/dev/null; SERVER=
verify=$("$TIMS" log verify --post "$P" 2>&1 | tail -1)

# The anchor in the same run: a bare SQLite durable insert, one a transaction.
mkdir -p "$work/anchor"
anchor=$("$bin" --n 3000 --dir "$work/anchor" 2>&1 | sed -n 's/^ *bare sqlite *\([0-9]*\) ins\/s.*/\1/p' | head -1)
ratio=$(python3 -c "print('%.2f' % ($rps / $anchor))" 2>/dev/null || echo "?")

[ -n "$rps" ] && [ -n "$total" ] || fail "wrk printed no figures: $(head -5 "$work/wrk.out")"
if [ "$smoke" = 1 ]; then
	echo "ok - api bench: $rps registrations/s over HTTPS (wrk, $conns connections), p50 $p50 ms p99 $p99 ms; bare sqlite ${anchor:-?}/s; ratio $ratio"
	if [ "${non2xx:-0}" = 0 ] && [ "$errors" = 0 ] && [ "$size" -ge "$total" ] &&
	   [ "$size" -le $((total + conns)) ]; then
		echo "ok - api bench: every acknowledged registration is in the log ($size records, $total acknowledged, $((size - total)) in flight when wrk stopped)"
	else
		echo "not ok - api bench: $total requests, ${non2xx:-0} not 2xx, log holds $size"
		exit 1
	fi
else
	echo "registrations through POST /api/v1/crossings over HTTPS (TLS 1.3), wrk -t$threads -c$conns -d${dur}s:"
	echo "  api          $rps registrations/s   p50 $p50 ms   p99 $p99 ms"
	echo "  bare sqlite  ${anchor:-?} inserts/s          (one durable row a transaction, same run)"
	echo "  ratio api/bare sqlite $ratio"
	echo "  acknowledged $total, not 2xx ${non2xx:-0}; the log holds $size records" \
		"($((size - total)) more were in flight when wrk stopped); $verify"
	[ "${non2xx:-0}" = 0 ] && [ "$size" -ge "$total" ] && [ "$size" -le $((total + conns)) ] || exit 1
fi
