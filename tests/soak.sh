#!/usr/bin/env bash
# soak.sh — `make soak`: the long versions of the crash tests.
#
# Runs tests/e2e/crash.sh with many more kill cycles over a larger file
# (SOAK_CYCLES, SOAK_LINES, SOAK_SECONDS to change them), then any other
# tests/soak/*.sh that later issues add (outage tests), and ends with the
# same closing line as tests/run.sh: "N passed, N failed". tests/soak/network-pg.sh:
# the whole network suite on PostgreSQL (make check runs its restart part).
# tests/soak/faults.sh: the fault matrix of issue 19 (power loss, I/O
# errors and full disks, clock jumps, partitions, the centre's power loss) with
# many seeds (docs/reliability.md).
set -u
cd "$(dirname "$0")/.." || exit 2
export TIMS=${TIMS:-$PWD/build/tims}
pass=0
fail=0
run() { # NAME CMD...
	local name=$1 log p f
	shift
	log=$(mktemp)
	"$@" 2>&1 | tee "$log" | grep -E '^(not ok|attempted|#)' ; true
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	[ "$p" -eq 0 ] && [ "$f" -eq 0 ] && f=1
	echo "soak   $name: $p passed, $f failed"
	pass=$((pass + p))
	fail=$((fail + f))
	rm -f "$log"
}
CRASH_CYCLES=${SOAK_CYCLES:-400} CRASH_LINES=${SOAK_LINES:-300000} \
	CRASH_SECONDS=${SOAK_SECONDS:-900} run crash bash tests/e2e/crash.sh
for t in tests/soak/*.sh; do
	[ -f "$t" ] && run "$(basename "$t" .sh)" bash "$t"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
