#!/usr/bin/env bash
# smoke.sh TARGET SECONDS — run one libFuzzer target briefly from its seed
# corpus (tests/fuzz/corpus/NAME) and report one TAP line: ok if it finished
# without a crash, leak or sanitizer report.
set -u
bin=$1 secs=$2
name=$(basename "$bin")
seeds="tests/fuzz/corpus/${name#fuzz_}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -d "$seeds" ] && cp -r "$seeds"/. "$work"/ 2>/dev/null
if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$work/" "$work" >"$work/log" 2>&1; then
	runs=$(grep -o 'Done [0-9]* runs' "$work/log" | grep -o '[0-9]*' | tail -1)
	echo "ok - $name: ${runs:-?} inputs in ${secs}s, no crash"
else
	echo "not ok - $name: fuzzer found a failure"
	grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$work/log" | head -10 | sed 's/^/# /'
	mkdir -p build/fuzz/crashes
	cp "$work"/crash-* "$work"/leak-* "$work"/timeout-* build/fuzz/crashes/ 2>/dev/null
	exit 1
fi
