# iofaults.sh — the fault matrix's I/O-error and full-disk rows (issue 19,
# G2): three booths register through the post's HTTPS API while, at a
# random moment (from the seed), the post's log starts failing:
#
#   fsync EIO / fsync ENOSPC / write EIO on post.db-wal (tests/lib/faultfs.c):
#       nothing more is acknowledged (503), the node writes nothing more to
#       post.db until restarted (the journal of tests/lib/crashfs.c shows
#       it), and still halted once the fault is gone (PostgreSQL's
#       "fsyncgate": a later fsync that succeeds proves nothing);
#   write ENOSPC on post.db-wal, and a real full disk (a 24 MiB tmpfs the
#       test mounts, filled up): a clean 507, no partial leaf, and work
#       resumes once space returns.
#
# Then the power is cut (tests/lib/powercut.py: what reached the disk) and
# the post restarted without the fault: Jepsen's set checker must find
# nothing acknowledged lost, none duplicated, none unexpected, every root
# recomputed equal, tims log verify and tims audit verify passing; the
# booths retry what was not acknowledged, and every crossing attempted is
# then in the log exactly once.
#
#   FAULT_SEED=N   replay a run's schedule and power-cut choices (logged)
. tests/e2e/lib.sh

ROW=iofaults
. tests/lib/faultrow.sh

setup
t_ok "setup: a post with three booths logged in" test -n "$TOKENS"
TEMPLATE=$T_TMP/template
stop
cp -a "$P" "$TEMPLATE"

# status_is REGEX: GET /api/v1/status as the first booth matches REGEX
status_is() {
	curl -s --cacert "$P/tls.crt" -H "Authorization: Bearer ${TOKENS%%,*}" "$URL/api/v1/status" |
		grep -Eq "$1"
}
# refusals: the statuses of the refused answers in the history ("503 503 ...")
refusals() { awk '$1 == "N" { print $3 " " $4 }' "$T_TMP/history" | sort | uniq -c | tr -s ' ' | paste -sd, -; }
acks_after() { # LINE: K lines after line number LINE of the history
	tail -n +"$(($1 + 1))" "$T_TMP/history" | grep -c '^K '
}

# run_case NAME KIND FAULT: KIND halt (the node must stop acknowledging
# and writing) or full (507, then work resumes); FAULT a faultfs line, or
# "tmpfs" for a real full disk ($P on a small tmpfs).
run_case() {
	local name=$1 kind=$2 fault=$3 delay load line cseed r figures
	P=$T_TMP/post-$name
	rm -rf "$P" "$T_TMP/journal" "$T_TMP/base"
	: >"$T_TMP/history"
	if [ "$fault" = tmpfs ]; then
		mkdir -p "$P" && mount -t tmpfs -o size=24m,mode=0700 tims-faults "$P" ||
			{ t_report ok "$name: # SKIP cannot mount a tmpfs here"; return; }
		MOUNTED=$P
		cp -a "$TEMPLATE/." "$P/"
	else
		cp -a "$TEMPLATE" "$P"
	fi
	cp -a "$P" "$T_TMP/base"
	FAULT_CTL=$P/fault-ctl
	rm -f "$FAULT_CTL"
	serve crash || { t_report fail "$name: the node starts"; return; }
	cseed=$((SEED * 100 + ${#name}))
	"$PY" "$ROOT/tests/lib/booths.py" load --url "$URL" --ca "$P/tls.crt" --tokens "$TOKENS" \
		--prefix "$name" --history "$T_TMP/history" --seconds 8 --seed "$cseed" 2>>"$T_TMP/load.err" &
	load=$!
	# the fault after some acknowledgements (there must be something to
	# lose), then at a random moment
	for _ in $(seq 1 200); do
		[ "$(grep -c '^K ' "$T_TMP/history")" -ge 10 ] && break
		sleep 0.05
	done
	delay=$((RANDOM % 700 + 1))
	sleep "0.$(printf '%03d' "$delay")"
	line=$(wc -l <"$T_TMP/history")
	if [ "$fault" = tmpfs ]; then
		# the disk fills up: all but a few KiB of it (the node's own
		# writes take the rest)
		dd if=/dev/zero of="$P/filler" bs=64k 2>/dev/null
		rm -f "$P/filler.small"; dd if=/dev/zero of="$P/filler.small" bs=4k count=2 2>/dev/null
		rm -f "$P/filler.small"
	else
		printf '%s\n' "$fault" >"$FAULT_CTL"
	fi
	sleep 1.2
	case $kind in
	halt)
		t_ok "$name: the node says it stopped acknowledging, until restart" \
			status_is '"acknowledging":false.*"until":"restart"'
		rm -f "$FAULT_CTL"
		sleep 0.3
		r=$(curl -s --cacert "$P/tls.crt" -H "Authorization: Bearer ${TOKENS%%,*}" \
			-H 'Content-Type: application/json' -X POST "$URL/api/v1/crossings" \
			--data-binary '{"id":"probe","check_id":"00","direction":"entry","decision":"admit"}' \
			-w ' %{http_code}')
		t_match "$name: the fault gone, still refused until restarted (503)" ' 503$' "$r"
		;;
	full)
		t_match "$name: the full disk is refused cleanly (507 storage_full)" '507 storage_full' "$(refusals)"
		t_eq "$name: ... and only so (checks too: no 500)" "" \
			"$(awk '$1 == "N" && $3 != 507 { print $3, $4 }' "$T_TMP/history" | sort -u)"
		t_ok "$name: the node still acknowledges (nothing is broken)" status_is '"acknowledging":true'
		line=$(wc -l <"$T_TMP/history")
		rm -f "$FAULT_CTL" "$P/filler"
		sleep 1.2
		t_ok "$name: space again: crossings are acknowledged again" test "$(acks_after "$line")" -gt 0
		;;
	esac
	kill9
	wait "$load"
	if [ "$kind" = halt ]; then
		# the store whose file failed (post.db, or audit.db): nothing more
		# written to it
		local store=${fault##* }
		store=${store%-wal}
		r=$("$PY" "$ROOT/tests/lib/powercut.py" after-failure "$T_TMP/journal" "$store" \
			"$([ "${fault%% *}" = write ] && echo write || echo fsync)")
		echo "# $name: $r"
		t_match "$name: after the failed call the node wrote nothing more to $store" \
			'failed .*; then 0 writes' "$r"
		t_eq "$name: every refusal was a 503 (never an acknowledgement after the error)" "" \
			"$(awk '$1 == "N" && $3 != 503 { print $3, $4 }' "$T_TMP/history" | sort -u)"
	fi
	"$PY" "$ROOT/tests/lib/powercut.py" cut "$P" "$T_TMP/base" "$T_TMP/journal" --seed "$cseed" \
		--mode "$MODE" --keep-dir lost+found | sed "s/^/# $name: /"
	rm -f "$FAULT_CTL"
	VERIFY_FAIL=
	verify_copy "$name after the power cut"
	t_match "$name: after the cut: lost 0, unexpected 0, duplicated 0, roots equal" \
		'lost 0 .*unexpected 0 duplicated 0 index-mismatch 0 roots-equal yes' "$FIGURES"
	t_eq "$name: after the cut: tims log verify and tims audit verify" "" "$VERIFY_FAIL"
	t_match "$name: after the cut: every check a booth was answered has its audit event" \
		'checks answered [1-9][0-9]* audited [0-9]+ unaudited 0' "$FIGURES"
	figures=$FIGURES
	# restarted without the fault: the booths retry what was not
	# acknowledged; then every attempt is in the log once
	if serve; then
		"$PY" "$ROOT/tests/lib/booths.py" load --url "$URL" --ca "$P/tls.crt" --tokens "$TOKENS" \
			--prefix "$name-r" --history "$T_TMP/history" --seconds 0 --seed "$cseed" 2>>"$T_TMP/load.err"
		stop
	else
		t_report fail "$name: the node restarts" "$(tail -3 "$T_TMP/serve.err")"
	fi
	verify_copy "$name after the retries" >/dev/null
	t_match "$name: after the booths' retries every attempt is present once" \
		'attempted ([0-9]+) acknowledged [0-9]+ present \1 lost 0 .*unexpected 0 duplicated 0' "$FIGURES"
	echo "# row $name: $(printf '%s' "$figures" | head -1 | sed 's/^[^:]*: //'); refused: $(refusals); recovery ${RECOVERY_MS} ms"
	if [ -n "${MOUNTED:-}" ]; then umount "$MOUNTED" && MOUNTED=; fi
}
t_cleanup_more() {
	[ -n "$SERVER" ] && kill -KILL "$SERVER" 2>/dev/null
	[ -n "${MOUNTED:-}" ] && { wait 2>/dev/null; umount "$MOUNTED"; }
	true
}

CASES=" ${IOFAULTS_CASES:-fsync-eio fsync-enospc write-eio write-enospc disk-full audit-fsync-eio} "
want() { case $CASES in *" $1 "*) return 0 ;; esac; return 1; }
want fsync-eio && run_case fsync-eio halt "fsync EIO post.db-wal"
want fsync-enospc && run_case fsync-enospc halt "fsync ENOSPC post.db-wal"
want write-eio && run_case write-eio halt "write EIO post.db-wal"
want write-enospc && run_case write-enospc full "write ENOSPC post.db-wal"
want disk-full && run_case disk-full full tmpfs
# the audit trail's own file: an access that cannot be audited is not
# answered, so the node stops (until restart) as for post.db
want audit-fsync-eio && run_case audit-fsync-eio halt "fsync EIO audit.db-wal"
t_eq "the booths' client ran without an error of its own" "" "$(cat "$T_TMP/load.err")"
t_end
