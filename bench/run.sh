#!/usr/bin/env bash
# run.sh — `make bench`: every benchmark next to its anchor, in one run.
#
# Each bench/bench-*.sh measures one area and prints its figures and the ratio
# to its anchor (a peer program or the bare primitive, measured in the same
# run). With --smoke (used by `make check`) each runs briefly and prints one
# TAP line "ok - ..." per figure it produced; figures are never asserted
# against a time limit there, only that the benchmark runs and reports.
# Every figure that has a target also prints a line "target: ...: MET" or
# "MISSED" (bench/lib.sh, bench/target.h); the full run ends with all of
# them together, so the verdicts are read in one place.
set -u
cd "$(dirname "$0")/.." || exit 2
mode=${1:-}
rc=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
all=(bench/bench-*.sh)
k=0
for b in "${all[@]}"; do
	[ -f "$b" ] || continue
	k=$((k + 1))
	if [ "$mode" != --smoke ]; then
		# a progress bar on a terminal: which benchmark of how many
		if [ -t 1 ]; then
			fill=$((k * 30 / ${#all[@]}))
			printf '\n[%-30s] %d/%d ' "$(printf '%*s' "$fill" '' | tr ' ' '#')" "$k" "${#all[@]}"
		fi
		echo "== $(basename "$b" .sh)"
	fi
	before=$(grep -c '^target: ' "$out")
	bash "$b" $mode | tee -a "$out"
	[ "${PIPESTATUS[0]}" = 0 ] || rc=1
	# every benchmark says where it stands against its target
	if [ "$(grep -c '^target: ' "$out")" -le "$before" ]; then
		echo "not ok - $(basename "$b" .sh): no target line (MET or MISSED)"
		rc=1
	elif [ "$mode" = --smoke ]; then
		echo "ok - $(basename "$b" .sh): says MET or MISSED for each of its targets"
	fi
done
if [ "$mode" != --smoke ]; then
	met=$(grep -c '^target: .*: MET' "$out")
	missed=$(grep -c '^target: .*: MISSED' "$out")
	echo
	echo "== targets: $met met, $missed missed"
	grep '^target: ' "$out" | sed 's/^target: /  /'
fi
exit $rc
