#!/usr/bin/env bash
# bench-mrz.sh — MRZ documents parsed and validated per second, one core:
# tims (build/bench/bench_mrz) next to the npm `mrz` parser 5.0.2 (the
# anchor, ~16-19 k/s on this machine class), on the same generated documents
# in the same run, with the ratio.
#
#   bench/bench-mrz.sh           ~2 s each, a readable report
#   bench/bench-mrz.sh --smoke   ~0.3 s each, one TAP line (make check)
# The peer is installed into bench/mrz/node_modules (git-ignored) with npm.
# A peer that cannot be installed or run is a failure ("not ok"), never a
# silent pass: the figure means something only next to its anchor.
set -u
cd "$(dirname "$0")/.." || exit 2
. bench/lib.sh
mode=${1:-}
bin=build/bench/bench_mrz
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "not ok - mrz bench: $*"
	exit 1
}

[ -x "$bin" ] || fail "$bin is not built (make $bin)"
"$bin" $mode --emit "$tmp/docs.txt" >"$tmp/tims.out" 2>&1 ||
	fail "bench_mrz failed: $(tail -3 "$tmp/tims.out")"
tims=$(sed -n 's/^docs_per_sec=//p' "$tmp/tims.out")
[ -n "$tims" ] || fail "bench_mrz printed no figure"

peer_ok=1
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	peer_ok=0
	why="node or npm is not installed"
elif [ ! -f bench/mrz/node_modules/mrz/package.json ] ||
	! grep -q '"version": "5.0.2"' bench/mrz/node_modules/mrz/package.json; then
	if ! (cd bench/mrz && timeout 300 npm install --no-audit --no-fund --no-package-lock \
		--loglevel=error) >"$tmp/npm.out" 2>&1; then
		peer_ok=0
		why="npm install failed: $(grep -v 'Unknown user config' "$tmp/npm.out" | tail -2 | tr '\n' ' ')"
	fi
fi
if [ "$peer_ok" = 1 ]; then
	if node bench/mrz/peer.js "$tmp/docs.txt" $mode >"$tmp/peer.out" 2>&1; then
		peer=$(sed -n 's/^docs_per_sec=//p' "$tmp/peer.out")
		[ -n "$peer" ] && [ "$peer" -gt 0 ] || { peer_ok=0; why="peer printed no figure"; }
	else
		peer_ok=0
		why="peer failed: $(tail -2 "$tmp/peer.out" | tr '\n' ' ')"
	fi
fi

human() { # 2345678 -> 2.3M, 17345 -> 17k
	awk -v n="$1" 'BEGIN { if (n >= 1e6) printf "%.1fM", n / 1e6;
		else if (n >= 1e3) printf "%.0fk", n / 1e3; else printf "%d", n }'
}

if [ "$peer_ok" != 1 ]; then
	[ "$mode" = --smoke ] || cat "$tmp/tims.out"
	fail "tims $(human "$tims") docs/s, peer unavailable ($why)"
fi
ratio=$(awk -v a="$tims" -v b="$peer" 'BEGIN { printf "%.0f", a / b }')
if [ "$mode" = --smoke ]; then
	echo "ok - mrz bench: tims $(human "$tims") docs/s, peer $(human "$peer") docs/s, ratio ${ratio}x"
	bench_target "MRZ parse and validate, one core" "$tims" ">=" 1000000 "docs/s" 1
else
	grep -v '^docs_per_sec=' "$tmp/tims.out"
	grep -v '^docs_per_sec=' "$tmp/peer.out"
	printf '%-28s %12s docs/s\n' "tims (C, one core)" "$tims" \
		"npm mrz 5.0.2 (node)" "$peer"
	echo "ratio: ${ratio}x"
	bench_target "MRZ parse and validate, one core" "$tims" ">=" 1000000 "docs/s" 0
fi
