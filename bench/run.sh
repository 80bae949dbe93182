#!/usr/bin/env bash
# run.sh — `make bench`: every benchmark next to its anchor, in one run.
#
# Each bench/bench-*.sh measures one area and prints its figures and the ratio
# to its anchor (a peer program or the bare primitive, measured in the same
# run). With --smoke (used by `make check`) each runs briefly and prints one
# TAP line "ok - ..." per figure it produced; figures are never asserted
# against a time limit there, only that the benchmark runs and reports.
set -u
cd "$(dirname "$0")/.." || exit 2
mode=${1:-}
rc=0
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
	bash "$b" $mode || rc=1
done
exit $rc
