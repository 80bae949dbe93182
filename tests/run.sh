#!/usr/bin/env bash
# run.sh — run every test suite and print one closing line "N passed, N failed".
#
# Suites: unit tests (build/tests/*), the same under ASan+UBSan
# (build/asan/tests/*), end-to-end scripts (tests/e2e/*.sh), the fuzz smoke
# (a few seconds a target) and the benchmark smoke. Each suite prints TAP-style
# "ok" / "not ok" lines; a suite that dies without saying so counts as a failure.
#
#   tests/run.sh                 everything
#   tests/run.sh --only KIND     unit | asan | e2e | fuzz | bench
#   tests/run.sh --verbose       print every line, not only failures
set -u
cd "$(dirname "$0")/.." || exit 2
only=""
verbose=${VERBOSE:-0}
while [ $# -gt 0 ]; do
	case "$1" in
	--only) only=$2; shift 2 ;;
	--verbose|-v) verbose=1; shift ;;
	*) echo "usage: tests/run.sh [--only KIND] [--verbose]" >&2; exit 2 ;;
	esac
done

export TIMS_ROOT=$PWD
export TIMS=$PWD/build/tims
export TIMS_ASAN=$PWD/build/asan/tims
export TIMS_ALLOW_ROOT=1 # CI runs as root; the daemons refuse it otherwise
# The suites read the program's English: whatever the caller's locale or
# this machine's post.conf say (docs/languages.md), tims speaks English here
# (tests/e2e/cli-lang.sh sets its own languages).
export LANGUAGE=en
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
logdir=$PWD/build/test-logs
mkdir -p "$logdir"
# Debian's python3 before any other: a pyenv shim (build machines have one
# first in PATH) costs about half a second of CPU a call, and the suites call
# python3 hundreds of times (a free port for every daemon they start).
if [ -x /usr/bin/python3 ] &&
	[ "$(readlink -f "$(command -v python3)")" != "$(readlink -f /usr/bin/python3)" ]; then
	rm -rf "$PWD/build/test-bin" && mkdir -p "$PWD/build/test-bin" &&
		ln -s /usr/bin/python3 "$PWD/build/test-bin/python3" && export PATH=$PWD/build/test-bin:$PATH
fi
# Unit tests make nodes too: one SoftHSM2 token made for the run, and a
# copy of it for each unit suite (run_suite): suites side by side that
# made and destroyed keys in one token directory saw it "not present"
# (CKR_TOKEN_NOT_PRESENT) now and then. End-to-end scripts make their own
# (tests/e2e/lib.sh).
rm -rf "$PWD/build/test-token" "$PWD/build/test-tokens"
eval "$(bash scripts/token.sh "$PWD/build/test-token")"

total_pass=0
total_fail=0
# Suites run side by side, each with its own log, temporary directory and
# ports, so order does not matter to what they test; the closing line counts
# them all. At most TIMS_TEST_JOBS at once (default: the cores and three
# more, for end-to-end scripts mostly wait on their processes, on TOTP
# windows and on polls: with two more, a quiet 2-core run used about 1.3
# cores on average over its 11 minutes of tests), of which at most the cores
# (or TIMS_TEST_JOBS) are CPU-bound suites (unit, asan, fuzz, bench).
cores=$(nproc 2>/dev/null || echo 1)
jobs=${TIMS_TEST_JOBS:-$((cores + 3))}
cpu_jobs=${TIMS_TEST_JOBS:-$cores}
resdir=$(mktemp -d)
trap 'rm -rf "$resdir"' EXIT
queued=()

# run_suite KIND NAME CMD...: run, count its ok / not ok lines into $resdir.
run_suite() {
	local kind=$1 name=$2; shift 2
	local log="$logdir/$kind-$name.log" rc p f start end cpu TIMEFORMAT=%0U+%0S
	start=$(date +%s)
	# the CPU seconds (user + system) of the suite and of the processes it
	# waited for: what it costs the pool on a machine of few cores
	case $kind in
	unit | asan) # its own copy of the run's token (above)
		local tok=$PWD/build/test-tokens/$kind-$name
		mkdir -p "${tok%/*}" && rm -rf "$tok" && cp -a "$PWD/build/test-token" "$tok"
		cpu=$({ time (eval "$(bash scripts/token.sh "$tok")" && exec "$@") >"$log" 2>&1 </dev/null; } 2>&1)
		;;
	*) cpu=$({ time "$@" >"$log" 2>&1 </dev/null; } 2>&1) ;;
	esac
	rc=$?
	end=$(date +%s)
	cpu=$((${cpu:-0}))
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $kind/$name exited with status $rc without naming a failure" >>"$log"
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $kind/$name ran no check" >>"$log"
		f=1
	fi
	echo "$p $f $((end - start)) $cpu" >"$resdir/$kind-$name.tmp"
	mv "$resdir/$kind-$name.tmp" "$resdir/$kind-$name.res"
}

# report KIND-NAME: its line, and the failures' context.
report() {
	local id=$1 p f secs cpu log="$logdir/$1.log"
	read -r p f secs cpu <"$resdir/$id.res"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	printf '%-6s %-28s %4d passed, %d failed  (%ds, CPU %ds)\n' "${id%%-*}" "${id#*-}" "$p" "$f" "$secs" "$cpu"
	if [ "$f" -gt 0 ] || [ "$verbose" = 1 ]; then
		if [ "$verbose" = 1 ]; then sed 's/^/    /' "$log"; else
			grep -A4 '^not ok ' "$log" | sed 's/^/    /' | head -60
			tail -n 15 "$log" | grep -v '^ok ' | sed 's/^/    | /'
		fi
	fi
	touch "$resdir/$id.done"
}

# Report every suite that has ended and is not reported yet.
reap() {
	local id
	for id in "${queued[@]}"; do
		[ -f "$resdir/$id.res" ] && [ ! -f "$resdir/$id.done" ] && report "$id"
	done
}

want() { [ -z "$only" ] || [ "$only" = "$1" ]; }

# ---- what runs, longest first ----------------------------------------------
# Every suite found is run once; only the order in which they start depends
# on how long each took before (longest-processing-time first), so that the
# pool ends together instead of one long suite running alone at the end.
# The seconds come from build/test-times (written by the last run on this
# machine, below) or else tests/suite-times (a full run's, kept in git for a
# fresh clone). A suite in neither (a new one) starts among the first.
times_file=$PWD/build/test-times
declare -A est=()
for f in tests/suite-times "$times_file"; do
	[ -f "$f" ] || continue
	while read -r id secs _; do
		case $id in '#'* | '') continue ;; esac
		[[ $secs =~ ^[0-9]+$ ]] && est[$id]=$secs
	done <"$f"
done
declare -A cmd_of=()
candidates=()
add() { # KIND NAME CMD...
	local id=$1-$2
	shift 2
	cmd_of[$id]=$(printf '%q ' "${id%%-*}" "${id#*-}" "$@")
	candidates+=("$id")
}
if want e2e; then
	for t in tests/e2e/*.sh; do
		n=$(basename "$t" .sh)
		[ "$n" = lib ] && continue
		add e2e "$n" bash "tests/e2e/$n.sh"
	done
fi
# The benchmark smoke asserts no figure (only that each benchmark runs and says
# MET or MISSED), so it runs in the pool with the rest; `make bench` is the
# run that measures, alone.
if want bench && compgen -G "bench/bench-*.sh" >/dev/null; then
	add bench smoke bench/run.sh --smoke
fi
if want unit; then
	for t in build/tests/test_*; do
		[ -x "$t" ] && add unit "$(basename "$t")" "$t"
	done
fi
if want asan; then
	for t in build/asan/tests/test_*; do
		[ -x "$t" ] && add asan "$(basename "$t")" "$t"
	done
fi
if want fuzz; then
	for t in build/fuzz/fuzz_*; do
		[ -x "$t" ] && add fuzz "$(basename "$t")" tests/fuzz/smoke.sh "$t" "${FUZZ_SMOKE_SECONDS:-2}"
	done
fi
# longest first; a suite without a figure first of all; ties by name
order=()
while read -r _ id; do order+=("$id"); done < <(
	for id in "${candidates[@]}"; do echo "${est[$id]:-100000} $id"; done | LC_ALL=C sort -k1,1nr -k2,2)

# ---- the pool ----------------------------------------------------------------
# Start, in that order, each suite for which there is room (at most $jobs at
# once, at most $cpu_jobs of them CPU-bound); when none fits, wait for one
# to end and report it. A suite runs until its result is written or its
# process is gone.
declare -A running=()
count_running() { # sets n_all and n_cpu (unit, asan, fuzz, bench): suites running
	local id
	n_all=0 n_cpu=0
	for id in "${!running[@]}"; do
		if [ -f "$resdir/$id.res" ] || ! kill -0 "${running[$id]}" 2>/dev/null; then
			unset "running[$id]"
			continue
		fi
		n_all=$((n_all + 1))
		[ "${id%%-*}" = e2e ] || n_cpu=$((n_cpu + 1))
	done
}
while [ ${#order[@]} -gt 0 ]; do
	count_running
	started=
	if [ "$n_all" -lt "$jobs" ]; then
		for i in "${!order[@]}"; do
			id=${order[$i]}
			[ "${id%%-*}" != e2e ] && [ "$n_cpu" -ge "$cpu_jobs" ] && continue
			queued+=("$id")
			eval "run_suite ${cmd_of[$id]}" &
			running[$id]=$!
			unset "order[$i]"
			order=("${order[@]}")
			started=1
			break
		done
	fi
	if [ -z "$started" ]; then
		wait -n 2>/dev/null
		reap
	fi
done
wait
reap

# The seconds of this run, for the next one's order (kept for suites not
# run this time, e.g. with --only).
{
	for id in "${queued[@]}"; do
		[ -f "$resdir/$id.res" ] && read -r _ _ secs _ <"$resdir/$id.res" && echo "$id $secs"
	done
	[ -f "$times_file" ] && grep -v '^#' "$times_file" | while read -r id secs _; do
		[ -f "$resdir/$id.res" ] || echo "$id $secs"
	done
} | LC_ALL=C sort -k2,2nr -k1,1 >"$times_file.tmp" && mv "$times_file.tmp" "$times_file"

echo "logs: $logdir"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
