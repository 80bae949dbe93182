#!/usr/bin/env bash
# bench-arrivals.sh — the reports after arrival (tims/arrivals.h,
# docs/paxlst.md "After arrival") over Tirana's peak day: 300 flights of 300
# travellers at one airport with two posts, 95 % of them crossing there
# (build/bench/bench_arrivals: the lists stored as `tims api import` stores
# them, the crossings sealed and indexed as the centre indexes a post's).
# The figure is the wall time of the no-show report, worst of three; the
# target is this project's own (the issue sets none): a supervisor waits at
# most 10 s for a peak day. No peer: no other program reads these stores.
#
#   bench/bench-arrivals.sh           300 flights of 300 (~25 s, most of it
#                                     sealing 90 000 crossings)
#   bench/bench-arrivals.sh --smoke   5 flights of 50 (make check)
set -u
cd "$(dirname "$0")/.." || exit 2
. bench/lib.sh
bin=build/bench/bench_arrivals
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
flights=300 pax=300
[ "${1:-}" = --smoke ] && flights=5 pax=50
[ -x "$bin" ] || make -s "$bin" >&2 || { echo "not ok - arrivals bench: cannot build $bin"; exit 1; }
if ! token_env=$(bash scripts/token.sh "$tmp/token"); then
	echo "not ok - arrivals bench: no SoftHSM2 token (scripts/deps.sh installs softhsm2)"
	exit 1
fi
eval "$token_env"
mkdir -p "$tmp/centre"
if ! out=$("$bin" "$tmp/centre" "$flights" "$pax" 2>&1); then
	echo "not ok - arrivals bench: $out"
	bench_target "after arrival: the no-show report of a peak day (300 flights of 300) at one airport" "" "<=" 10000 ms
	exit 1
fi
if [ "${1:-}" = --smoke ]; then
	printf '%s\n' "$out" | grep -v '^target:' | sed 's/^/ok - arrivals: /'
else
	printf '%s\n' "$out" | grep -v '^target:'
fi
printf '%s\n' "$out" | grep '^target:'
