# powerloss.sh — the fault matrix's power-loss row (issue 19, G2): a post
# under load from three booths through its HTTPS API loses power at a
# random moment, cycle after cycle, and is restarted on what reached the
# disk. Jepsen's set checker then says what was lost.
#
# The node runs with tests/lib/crashfs.c preloaded: every write, sync and
# name change it makes in its directory is journaled. At a random moment
# (from the seed) the test SIGKILLs it, and tests/lib/powercut.py rewrites
# the directory to a state a disk could hold after a power cut then: each
# file as of its last fsync plus none, a prefix, a subset or all of the
# later writes (the last possibly torn at a sector), the directory's names
# as of its last fsync plus a prefix of the later ones. A kill alone would
# leave the page cache to the kernel and pass without any fsync.
#
# Each cycle then checks the recovered state (on a copy, as SQLite recovers
# it at open): every crossing a booth got 2xx for is present, at its
# index, with its leaf hash (lost = 0); none twice; none unexpected; every
# checkpoint a booth was given has the root recomputed from the recovered
# entries; tims log verify and tims audit verify pass; the node starts on
# it (recovery time: start to the first answer).
#
# The last part shows the row can fail: the same run with the fsyncs of
# post.db and its WAL ignored by the shim (TIMS_CRASH_NOSYNC, a missing
# fsync; the product unchanged) must end with lost > 0.
#
#   FAULT_SEED=N        replay a run's schedule and crash choices (logged)
#   POWERLOSS_CYCLES=N  crash cycles (default 4; make soak: many more)
#   POWERLOSS_SECONDS=N the longest a cycle's load runs before its cut (2)
#   POWERLOSS_MODE=M    powercut mode: random (default), none, prefix, subset, all
# A failing cycle's journal and base copy are kept in build/faults/ for
# powercut.py to rebuild the same directory again.
. tests/e2e/lib.sh

ROW=powerloss
CYCLES=${POWERLOSS_CYCLES:-4}
. tests/lib/faultrow.sh

PARTS=" ${POWERLOSS_PARTS:-row month nofsync} "
part() { case $PARTS in *" $1 "*) return 0 ;; esac; return 1; }

# ---- the row: power cuts under load -----------------------------------------
if part row; then
setup
t_ok "setup: a post with three booths logged in" test -n "$TOKENS"
start=$(date +%s)
cycles "$CYCLES" powerloss
verify_copy "powerloss final" >/dev/null
echo "# row power-loss: $FIGURES; recovery $RECOVERY; $CYCLES cycles in $(($(date +%s) - start)) s, seed $SEED"
t_eq "every cycle: nothing acknowledged lost, none duplicated, none unexpected, roots equal, log and audit verify" 0 "$FAILS"
t_match "the booths' acknowledgements were checked (acknowledged > 0)" 'acknowledged [1-9]' "$FIGURES"
t_match "final: lost 0, unexpected 0, duplicated 0, roots equal" \
	'lost 0 .*unexpected 0 duplicated 0 index-mismatch 0 roots-equal yes' "$FIGURES"
t_match "final: every check a booth was answered has its audit event" \
	'checks answered [1-9][0-9]* audited [0-9]+ unaudited 0' "$FIGURES"
# the checker can fail: the same trail without one answered check's event
cid=$(awk '$1 == "C" { print $3; exit }' "$T_TMP/history")
grep -vF "$cid" "$T_TMP/audit.jsonl" >"$T_TMP/audit-1.jsonl"
t_match "the checker names an answered check whose audit event is missing" \
	"checks answered [0-9]+ audited [0-9]+ unaudited 1.*unaudited: check $cid" \
	"$("$PY" "$ROOT/tests/lib/booths.py" check --db "$T_TMP/verify/post.db" --history "$T_TMP/history" \
		--audit "$T_TMP/audit-1.jsonl" | tr '\n' ' ')"
t_ok "final: tims log verify" "$TIMS" log verify --post "$P"
t_ok "final: tims audit verify" "$TIMS" audit verify --post "$P"
t_eq "the booths' client ran without an error of its own" "" "$(cat "$T_TMP/load.err")"
fi

# ---- a new month's data key, then the power cut -------------------------------
# The vault makes a data key per month (keys.db, a rollback journal): the
# first crossing after midnight of the 1st seals under a new key committed
# just before. The clock (libfaketime, every process of this part, read
# from a file so that it can be moved) stands 15 minutes before the next
# month while the post is set up, 5 minutes before it when the cycle
# starts the node, however slowly either goes; once the
# booths' first crossing is acknowledged (this month's key made) it is put
# 2 s before the month's end. The cut comes 40 I/O records after the new
# key's commit removed its journal, and keeps nothing unsynced. Before the
# fix (keys.db synchronous=EXTRA, lib/vault/vault.c) the removal was not
# durable: SQLite rolled the key back at the next open and every record
# and audit event sealed under it was unreadable (tims log verify: "its
# data key is gone").
if part month; then
FAKETIME_SO=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
next_month() { # the first second of next month, UTC, after fake time $1
	date -u -d "@$1" +%Y-%m-01 | xargs -I{} date -u -d "{} +1 month" +%s
}
real=$(date +%s)
boundary=$(next_month "$real")
(
	export LD_PRELOAD=$FAKETIME_SO FAKETIME="+$((boundary - real - 900))"
	P=$T_TMP/post-month
	setup || {
		t_report fail "month: setup"
		echo "T_N=$T_N T_FAILED=$T_FAILED" >"$T_TMP/month.counts"
		exit 1
	}
	# from here the offset is read from a file in the post's directory
	# (the node's sandbox reads there), where it can be moved
	# (five minutes before the month's end when the cycle starts, however
	# long the setup took: the node's start must not cross it; no step of
	# this clock is longer than the booths' sessions stay idle, 15 min)
	CLOCK=$P/faketime
	echo "+$((boundary - 300 - $(env -u LD_PRELOAD date +%s)))" >"$CLOCK"
	unset FAKETIME
	export FAKETIME_TIMESTAMP_FILE=$CLOCK FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1
	# written aside and renamed: a reader never sees the file empty (and
	# falls back to the real time, weeks back)
	to_month_end() {
		echo "+$((boundary - 2 - $(env -u LD_PRELOAD date +%s)))" >"$CLOCK.new" &&
			mv -f "$CLOCK.new" "$CLOCK"
	}
	# keys.db-journal's 4th name: the removal that commits the new
	# month's key (the 2nd: this month's, made at the first seal)
	# (the booths run until the cut ends the node, however slow the
	# machine: they stop at its death, not after a time)
	MAXS=6 MODE=none CRASH_ARM=keys.db-journal CRASH_ARM_NTH=4 FIXED_AFTER=40 \
		MIN_ACKS=1 AFTER_ACKS=to_month_end LOAD_SECONDS=120 cycles 1 month
	echo "# month boundary: $FIGURES"
	t_match "month: the cut came 40 I/O records after the new month's key was committed" '^40$' "$LAST_CUT"
	t_eq "a new month's data key survives the power cut (log verify, audit verify, set checker)" 0 "$FAILS"
	echo "T_N=$T_N T_FAILED=$T_FAILED" >"$T_TMP/month.counts"
)
[ -f "$T_TMP/month.counts" ] && . "$T_TMP/month.counts"
fi

# ---- the same row with a missing fsync: it must fail -------------------------
# The fsyncs of post.db and its WAL pretend to succeed (the shim; TIMS is
# unchanged) and the cut keeps nothing that was not synced: the checker
# must find acknowledged crossings lost.
if part nofsync; then
P=$T_TMP/post-nosync
setup
NOSYNC=post.db MODE=none STOP_ON_FAIL= MIN_ACKS=10 cycles 1 missing-fsync
echo "# row power-loss, fsync of post.db ignored: $FIGURES"
t_match "a missing fsync is caught: lost > 0" 'acknowledged [1-9][0-9]* .*lost [1-9]' "$FIGURES"
t_match "... and the node refuses to start on it (its checkpoint file, synced, is ahead of post.db)" \
	'post.db holds [0-9]+ records but the post published a checkpoint of [1-9][0-9]* \(rolled back, or its WAL lost\?\)' \
	"$(tail -3 "$T_TMP/serve.err")"
fi
t_end
