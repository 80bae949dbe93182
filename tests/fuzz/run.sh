#!/usr/bin/env bash
# run.sh SECONDS — `make fuzz`: each target for SECONDS, growing its corpus in
# build/fuzz/corpus/NAME (seeded from tests/fuzz/corpus/NAME). Crashes are kept
# in build/fuzz/crashes/.
set -u
cd "$(dirname "$0")/../.." || exit 2
secs=${1:-60}
rc=0
for bin in build/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	corpus=build/fuzz/corpus/${name#fuzz_}
	mkdir -p "$corpus" build/fuzz/crashes
	[ -d "tests/fuzz/corpus/${name#fuzz_}" ] && cp -rn "tests/fuzz/corpus/${name#fuzz_}"/. "$corpus"/
	echo "fuzz: $name for ${secs}s"
	if ! "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=build/fuzz/crashes/ -print_final_stats=1 "$corpus" 2>&1 |
		grep -E 'stat::number_of_executed_units|ERROR|SUMMARY|NEW_FUNC' | tail -5; then :; fi
	if [ "${PIPESTATUS[0]}" -ne 0 ]; then rc=1; echo "fuzz: $name FAILED (see build/fuzz/crashes/)"; fi
done
exit $rc
