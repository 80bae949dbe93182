# faultrow.sh — what the rows of the fault matrix share (issue 19):
# sourced by tests/e2e/powerloss.sh and tests/e2e/iofaults.sh after
# tests/e2e/lib.sh, with ROW set to the script's name.
#
#   setup               a post at $P with three booth officers logged in
#                       (TOKENS), stopped cleanly (post_init, booths_login;
#                       enrol_with_centre for the rows with a centre)
#   serve [crash]       start it; "crash": under tests/lib/crashfs.c (the
#                       journal of its I/O), and tests/lib/faultfs.c too
#                       when FAULT_CTL is set; RECOVERY_MS: start to the
#                       first answer to a booth
#   cycles N LABEL      N cycles of booth load, SIGKILL, power cut
#                       (tests/lib/powercut.py), checks (verify_copy)
#   verify_copy LABEL   Jepsen's set checker (tests/lib/booths.py), tims
#                       log verify and tims audit verify on a copy of $P;
#                       with AUDITOR (a session of an auditor of $P, made by
#                       setup), every check a booth was answered has its
#                       audit event in the copy
# The seed (FAULT_SEED, else random) is logged first; RANDOM is seeded
# with it, so a run's schedule and power-cut choices replay.
SEED=${FAULT_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
MAXS=${POWERLOSS_SECONDS:-2}
MODE=${POWERLOSS_MODE:-random}
echo "# seed $SEED (replay: FAULT_SEED=$SEED bash tests/e2e/$ROW.sh)"
RANDOM=$SEED
ROOT=${TIMS_ROOT:-$PWD}
CRASH_SO=$ROOT/build/tests/libcrashfs.so
FAULT_SO=$ROOT/build/tests/libfaultfs.so
for so in "$CRASH_SO" "$FAULT_SO"; do
	[ -f "$so" ] || make -s -C "$ROOT" "${so#"$ROOT"/}" >&2 ||
		{ t_report fail "build $so"; t_end; exit 1; }
done
PY=/usr/bin/python3
KEEP_FAIL=$ROOT/build/faults
P=$T_TMP/post
SERVER=
SERVE_ENV=()      # more environment for the node (the clock row: libfaketime)
t_cleanup_more() { [ -n "$SERVER" ] && kill -KILL "$SERVER" 2>/dev/null; true; }
now_ms() { date +%s%3N; }
# real_ds: deciseconds since boot from /proc/uptime, which libfaketime (the
# month part preloads it into every process, and moves its clock) leaves
# alone: the waits below end on this clock, not on a count of sleeps
real_ds() { local u; read -r u _ </proc/uptime; u=${u/./}; echo $((10#$u / 10)); }
# alive PID: running (not gone, not a zombie). One read of its status: a
# process reaped between a test of the file and a grep of it made grep
# fail and "! grep" say alive (a month part's cut "not reached" in CI).
alive() {
	local st
	st=$(sed -n 's/^State:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null)
	[ -n "$st" ] && [ "${st%%[[:space:]]*}" != Z ]
}

# serve [crash]: start the node on $P (with the journal when "crash");
# sets SERVER, URL and RECOVERY_MS (start to the first answer of /status).
serve() {
	local t0 env=()
	: >"$T_TMP/serve.out"
	if [ "${1:-}" = crash ]; then
		# crashfs first: it sees the calls faultfs fails (FAULT_CTL set)
		env=(TIMS_CRASH_DIR="$P" TIMS_CRASH_JOURNAL="$T_TMP/journal"
			LD_PRELOAD="$CRASH_SO${FAULT_CTL:+:$FAULT_SO}${LD_PRELOAD:+:$LD_PRELOAD}"
			ASAN_OPTIONS=verify_asan_link_order=0)
		[ -n "${FAULT_CTL:-}" ] && env+=(TIMS_FAULT_CTL="$FAULT_CTL")
		[ -n "${NOSYNC:-}" ] && env+=(TIMS_CRASH_NOSYNC="$NOSYNC")
		[ -n "${CRASH_AFTER:-}" ] && env+=(TIMS_CRASH_AFTER="$CRASH_AFTER")
		[ -n "${CRASH_ARM:-}" ] && env+=(TIMS_CRASH_ARM="$CRASH_ARM" TIMS_CRASH_ARM_NTH="${CRASH_ARM_NTH:-1}")
	fi
	t0=$(now_ms)
	env "${env[@]}" "${SERVE_ENV[@]}" "$TIMS" post serve "$P" --port 0 >"$T_TMP/serve.out" 2>>"$T_TMP/serve.err" &
	SERVER=$!
	for _ in $(seq 1 600); do
		grep -q '^listening on ' "$T_TMP/serve.out" && break
		alive "$SERVER" || break # refused to start
		sleep 0.05
	done
	if ! grep -q '^listening on ' "$T_TMP/serve.out"; then
		local rc=0
		kill -KILL "$SERVER" 2>/dev/null
		wait "$SERVER" 2>/dev/null || rc=$?
		SERVER=
		URL=
		# 2: the power went while it was starting (it SIGKILLed itself
		# at TIMS_CRASH_AFTER): a cut like any other, not a refusal
		grep -q . "$T_TMP/journal" 2>/dev/null && [ -n "${CRASH_AFTER:-}" ] &&
			[ "$rc" = 137 ] && ! grep -q '^tims post serve:' <(tail -3 "$T_TMP/serve.err") && return 2
		return 1
	fi
	URL=$(sed -n 's/^listening on //p' "$T_TMP/serve.out" | sed 's|/$||')
	# recovered: a booth's session is answered (before setup: any answer)
	for _ in $(seq 1 300); do
		case $(curl -s -o /dev/null -w '%{http_code}' --cacert "${CA_FILE:-$P/tls.crt}" \
			${TOKENS:+-H "Authorization: Bearer ${TOKENS%%,*}"} "$URL/api/v1/status") in
		200) break ;;
		000) ;;
		*) [ -z "${TOKENS:-}" ] && break ;;
		esac
		sleep 0.02
	done
	RECOVERY_MS=$(($(now_ms) - t0))
}
stop() { [ -n "$SERVER" ] && { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; SERVER=; }; }
kill9() { [ -n "$SERVER" ] && { kill -KILL "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; SERVER=; }; }
secret_of() { sed -n "s/^officer $1: TOTP secret //p"; }
login() { # ID SECRET BOOTH -> token
	curl -s --cacert "${CA_FILE:-$P/tls.crt}" -H 'Content-Type: application/json' -X POST "$URL/api/v1/session" \
		--data-binary "{\"officer\":\"$1\",\"password\":\"officer password 1\",\"code\":\"$(oathtool --totp -b "$2")\",\"booth\":\"$3\"}" |
		sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p'
}

# setup: a post with three booth officers logged in, stopped cleanly.
# post_init ORIGIN: a post at $P for the rows, its admin bootstrapped;
# three booths at full speed for many cycles are past the hourly limit of
# checks per officer (200, docs/roles.md) otherwise
post_init() {
	"$TIMS" post init "$P" --origin "$1" --kind land >/dev/null || return 1
	printf 'checks_per_hour = 10000000\n' >"$P/oversight.conf"
	cli_bootstrap "$P"
}
# booths_login: three booth officers added to the serving post and logged
# in (TOKENS, comma-separated); 1 unless all three have a session
booths_login() {
	local i s tokens=
	for i in 1 2 3; do
		s=$(echo "officer password 1" | "$TIMS" officer add --post "$P" "booth$i" --name "Booth $i" \
			--role officer | secret_of "booth$i")
		tokens="$tokens${tokens:+,}$(login "booth$i" "$s" "B$i")"
	done
	TOKENS=$tokens
	[ "$(echo "$TOKENS" | tr ',' '\n' | grep -cE '^[A-Za-z0-9_-]{43}$')" = 3 ]
}
# enrol_with_centre NAME: $P enrolled with the centre at $C ($CURL_) as
# NAME, pushing every 100 ms
enrol_with_centre() {
	"$TIMS" centre enrol-post "$C" "$1" --vkey "$P/post.vkey" --url "$CURL_" --out "$T_TMP/enrol" \
		>/dev/null 2>&1
	"$TIMS" post enrol "$P" --from "$T_TMP/enrol" >/dev/null
	printf 'interval_ms = 100\n' >"$P/sync.conf"
}

setup() {
	local ok
	TOKENS=
	rm -rf "$P"
	post_init "test.example/$ROW" || return 1
	serve || return 1
	booths_login; ok=$?
	# an auditor's session, for verify_copy's reading of the trail (the
	# account of an earlier post at $P forgotten: its secret and session
	# are not this post's)
	rm -f "$CLI_CACHE/$(_cli_key "$P")-cli-auditor".*
	AUDITOR=$(cli_as "$P" auditor sh -c 'printf %s "$TIMS_SESSION"')
	[ -n "$AUDITOR" ] || ok=1
	stop
	return $ok
}

# verify_copy LABEL: the set checker, tims log verify and tims audit verify
# on a copy of $P (SQLite recovers the copy as the node would).
verify_copy() {
	local v=$T_TMP/verify out rc=0
	rm -rf "$v" && cp -a "$P" "$v" && rm -f "$v"/*.pid
	local audit=()
	if [ -n "${AUDITOR:-}" ]; then
		# the recovered trail as an auditor reads it (the copy holds the
		# session: node.db is copied too)
		TIMS_SESSION=$AUDITOR "$TIMS" audit list --post "$v" --json --count 100000000 \
			>"$T_TMP/audit.jsonl" 2>"$T_TMP/audit.err" ||
			{ rc=1; VERIFY_FAIL="audit list: $(tail -3 "$T_TMP/audit.err")"; }
		audit=(--audit "$T_TMP/audit.jsonl")
	fi
	out=$("$PY" "$ROOT/tests/lib/booths.py" check --db "$v/post.db" --history "$T_TMP/history" --label "$1" "${audit[@]}") || rc=1
	FIGURES=$out
	printf '%s\n' "$out" | sed 's/^/# /'
	"$TIMS" log verify --post "$v" >"$T_TMP/verify.out" 2>&1 || { rc=1; VERIFY_FAIL="log verify: $(tail -3 "$T_TMP/verify.out")"; }
	"$TIMS" audit verify --post "$v" >"$T_TMP/verify.out" 2>&1 || { rc=1; VERIFY_FAIL="${VERIFY_FAIL:-}audit verify: $(tail -3 "$T_TMP/verify.out")"; }
	return $rc
}

# cycles N LABEL: N cycles of load, SIGKILL at a random moment, power cut,
# checks. Sets LOST_TOTAL, the worst per-cycle failures in FAILS.
cycles() {
	local n=$1 label=$2 c delay cseed ms recov=() load started
	FAILS=0
	: >"$T_TMP/history"
	for c in $(seq 1 "$n"); do
		rm -rf "$T_TMP/base" "$T_TMP/journal"
		cp -a "$P" "$T_TMP/base"
		# the cut: at a random time, or (every other cycle) right after a
		# random write, sync or rename of the node's (TIMS_CRASH_AFTER),
		# where a cut between a write and its fsync is as likely as any
		delay=$((RANDOM % (MAXS * 1000 - 200) + 200))
		if [ -n "${FIXED_AFTER:-}" ]; then CRASH_AFTER=$FIXED_AFTER
		else
			CRASH_AFTER=
			[ $((c % 2)) -eq 0 ] && CRASH_AFTER=$((RANDOM % (MAXS * 1500) + 20))
		fi
		serve crash
		case $? in
		0) recov+=("$RECOVERY_MS"); started=1 ;;
		2) started=0; LAST_CUT=$CRASH_AFTER
			echo "# $label cycle $c: the cut came while the node was starting (I/O record $CRASH_AFTER)" ;;
		*)
			t_report fail "$label cycle $c: the node starts on what reached the disk" \
				"$(tail -5 "$T_TMP/serve.err")"
			FAILS=$((FAILS + 1)); return ;;
		esac
		cseed=$((SEED * 1000 + c))
		load=
		if [ "$started" = 1 ]; then
		"$PY" "$ROOT/tests/lib/booths.py" load --url "$URL" --ca "$P/tls.crt" --tokens "$TOKENS" \
			--prefix "c$c" --history "$T_TMP/history" --seconds "${LOAD_SECONDS:-$((MAXS + 5))}" \
			--resend 3 --seed "$cseed" 2>>"$T_TMP/load.err" &
		load=$!
		# MIN_ACKS: the cut only once so many more are acknowledged
		# (something to lose; a loaded machine starts the booths slowly)
		if [ -n "${MIN_ACKS:-}" ]; then
			local want=$(($(grep -c '^K ' "$T_TMP/history") + MIN_ACKS)) until=$(($(real_ds) + 600))
			while [ "$(grep -c '^K ' "$T_TMP/history")" -lt "$want" ] && [ "$(real_ds)" -lt "$until" ]; do
				LD_PRELOAD= sleep 0.05
			done
			[ "$(grep -c '^K ' "$T_TMP/history")" -ge "$want" ] ||
				echo "# $label cycle $c: fewer than $MIN_ACKS acknowledged in 60 s (real time)"
		fi
		# (the waits end on the real clock, real_ds: a part that runs
		# under libfaketime moves its clock)
		# AFTER_ACKS: a command run once MIN_ACKS are in (the month part
		# moves the clock to just before the month's end only then)
		[ -n "${AFTER_ACKS:-}" ] && "$AFTER_ACKS"
		if [ -n "$CRASH_AFTER" ]; then
			# until the node cuts itself (or, slower than thought, the time)
			# (at least 60 s: the loop ends when the node does, and a
			# loaded machine's booths take long to make the I/O)
			local cap=$((MAXS * 2 > 60 ? MAXS * 2 : 60)) t0
			t0=$(real_ds)
			while alive "$SERVER" && [ "$(real_ds)" -lt $((t0 + cap * 10)) ]; do LD_PRELOAD= sleep 0.1; done
			if alive "$SERVER"; then
				CRASH_AFTER="$CRASH_AFTER (not reached: killed after $((($(real_ds) - t0) / 10)) s)"
				# what the node did meanwhile, for the log: acknowledged
				# crossings, and the journal's records of the armed name
				echo "# $label cycle $c: not cut; acknowledged $(grep -c '^K ' "$T_TMP/history");" \
					"journal records naming ${CRASH_ARM:-(no arm)}: $(LD_PRELOAD= "$PY" "$ROOT/tests/lib/powercut.py" dump "$T_TMP/journal" 2>&1 |
						grep -c -- "${CRASH_ARM:-^$}")"
			fi
			LAST_CUT=$CRASH_AFTER
		else
			sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
		fi
		fi # started
		kill9
		[ -n "$load" ] && wait "$load"
		"$PY" "$ROOT/tests/lib/powercut.py" cut "$P" "$T_TMP/base" "$T_TMP/journal" \
			--seed "$cseed" --mode "$MODE" |
			sed "s/^/# $label cycle $c (cut ${CRASH_AFTER:+after I\/O record }${CRASH_AFTER:-at $delay ms}): /"
		VERIFY_FAIL=
		if ! verify_copy "$label cycle $c"; then
			FAILS=$((FAILS + 1))
			echo "# $label cycle $c failed: ${VERIFY_FAIL:-set checker}"
			[ -z "${STOP_ON_FAIL-1}" ] && continue
			# kept for replay: powercut.py rebuilds the same directory
			# from base and journal (cp -a base D; powercut.py cut D ...)
			rm -rf "$KEEP_FAIL/powerloss-$cseed" && mkdir -p "$KEEP_FAIL/powerloss-$cseed" &&
				cp -a "$T_TMP/base" "$T_TMP/journal" "$T_TMP/history" "$KEEP_FAIL/powerloss-$cseed/" &&
				echo "# kept in $KEEP_FAIL/powerloss-$cseed (powercut.py cut DIR base journal --seed $cseed --mode $MODE)"
			return
		fi
	done
	# recovered: the node starts, and answers a retry of what it acknowledged
	if serve; then
		recov+=("$RECOVERY_MS")
		"$PY" "$ROOT/tests/lib/booths.py" load --url "$URL" --ca "$P/tls.crt" --tokens "$TOKENS" \
			--prefix "final" --history "$T_TMP/history" --seconds 0 --resend 5 --seed "$SEED" \
			2>>"$T_TMP/load.err"
		stop
	fi
	RECOVERY=$(printf '%s\n' "${recov[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "median %d ms, max %d ms (%d starts)", a[int((NR + 1) / 2)], a[NR], NR }')
}

