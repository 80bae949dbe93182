#!/usr/bin/env bash
# bench-paxlst.sh — advance passenger information read per second, one
# core: tims (build/bench/bench_paxlst: syntax, envelopes and every count
# checked, each traveller's record filled) next to the npm `edifact` parser
# 1.2.12 (segments into elements and components, messages and travellers
# counted) on the same generated file of flights of 300 passengers and 8
# crew (tests/data/paxlst/gen-paxlst.py), in the same run, with the ratio.
# Rates are over each process's CPU time in its parse loop (one core), so
# that other jobs on the machine do not decide the ratio.
#
#   bench/bench-paxlst.sh           100 flights, ~2 s each
#   bench/bench-paxlst.sh --smoke   10 flights, ~0.3 s each (make check)
# Reading only: screening before arrival is not built yet (docs/paxlst.md).
# A peer that cannot be installed or run is a failure, never a silent pass.
set -u
cd "$(dirname "$0")/.." || exit 2
. bench/lib.sh
mode=${1:-}
bin=build/bench/bench_paxlst
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "not ok - paxlst bench: $*"
	exit 1
}
flights=100
[ "$mode" = --smoke ] && flights=10
[ -x "$bin" ] || make -s "$bin" >&2 || fail "cannot build $bin"
# one interchange a flight, no line breaks (the peer reads none)
python3 tests/data/paxlst/gen-paxlst.py --seed 300 --flights "$flights" --passengers 300 --crew 8 |
	tr -d '\n' >"$tmp/flights.edi" || fail "the generator failed"
"$bin" "$tmp/flights.edi" $mode >"$tmp/tims.out" 2>&1 || fail "bench_paxlst failed: $(tail -2 "$tmp/tims.out")"
tims=$(sed -n 's/^travellers_per_sec=//p' "$tmp/tims.out")
tmsg=$(sed -n 's/^messages_per_sec=//p' "$tmp/tims.out")

peer_ok=1
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	peer_ok=0 why="node or npm is not installed"
elif [ ! -f bench/paxlst/node_modules/edifact/package.json ] ||
	! grep -q '"version": "1.2.12"' bench/paxlst/node_modules/edifact/package.json; then
	if ! (cd bench/paxlst && timeout 300 npm install --no-audit --no-fund --no-package-lock \
		--loglevel=error) >"$tmp/npm.out" 2>&1; then
		peer_ok=0 why="npm install failed: $(tail -2 "$tmp/npm.out" | tr '\n' ' ')"
	fi
fi
if [ "$peer_ok" = 1 ]; then
	if node bench/paxlst/peer.js "$tmp/flights.edi" $mode >"$tmp/peer.out" 2>&1; then
		peer=$(sed -n 's/^travellers_per_sec=//p' "$tmp/peer.out")
		pmsg=$(sed -n 's/^messages_per_sec=//p' "$tmp/peer.out")
		[ -n "$peer" ] && [ "$peer" -gt 0 ] || { peer_ok=0; why="peer printed no figure"; }
	else
		peer_ok=0 why="peer failed: $(tail -2 "$tmp/peer.out" | tr '\n' ' ')"
	fi
fi
[ "$peer_ok" = 1 ] || fail "tims $tims travellers/s, peer unavailable ($why)"
ratio=$(awk -v a="$tims" -v b="$peer" 'BEGIN { printf "%.1f", a / b }')
if [ "$mode" = --smoke ]; then
	echo "ok - paxlst bench: tims $tims travellers/s ($tmsg flights/s), npm edifact $peer ($pmsg), ratio ${ratio}x"
	bench_target "PAXLST read, one core, against npm edifact" "$ratio" ">=" 1 "x" 1
else
	grep -v '_per_sec=' "$tmp/tims.out"
	grep -v '_per_sec=' "$tmp/peer.out"
	printf '%-34s %10s flights/s %10s travellers/s\n' "tims (C, per CPU second)" "$tmsg" "$tims" \
		"npm edifact 1.2.12 (node, per CPU s)" "$pmsg" "$peer"
	echo "ratio: ${ratio}x (flights of 300 passengers and 8 crew)"
	bench_target "PAXLST read, one core, against npm edifact" "$ratio" ">=" 1 "x" 0
fi
