# lib.sh — what every benchmark script shares: the verdict against a target.
#
# A figure is worth something only next to what it must reach. Each script
# prints one line a target:
#
#   target: WHAT: FIGURE UNIT (target OP LIMIT UNIT): MET
#
# MET or MISSED, never a bare "ok"; a figure that could not be measured is
# MISSED with "no figure". bench/run.sh collects these lines into the summary
# at the end of `make bench`. A smoke run (make check) measures at a smaller
# scale than the target is stated for; its lines say "(smoke scale)" and are
# not the verdict on the target.

# bench_verdict FIGURE OP LIMIT: MET or MISSED (OP is >= or <=).
bench_verdict() {
	[ -n "$1" ] || { echo MISSED; return; }
	awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN {
		ok = (op == ">=") ? (a + 0 >= b + 0) : (a + 0 <= b + 0)
		print ok ? "MET" : "MISSED" }'
}

# bench_target WHAT FIGURE OP LIMIT UNIT [SMOKE]: one target line.
bench_target() {
	local scale="" u=""
	[ "${6:-0}" = 1 ] && scale=" (smoke scale)"
	[ -n "$5" ] && u=" $5"
	printf 'target: %s: %s%s (target %s %s%s): %s%s\n' "$1" "${2:-no figure}" "$u" \
		"$3" "$4" "$u" "$(bench_verdict "$2" "$3" "$4")" "$scale"
}
