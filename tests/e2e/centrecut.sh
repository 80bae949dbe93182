# centrecut.sh — the fault matrix's row "power loss at the centre"
# (issue 19, G1/G2): three booths register at a post through its HTTPS API
# while the post pushes its log to its centre every 100 ms; the centre runs
# under tests/lib/crashfs.c (the journal of its writes, syncs and name
# changes under its directory) and loses power mid-ingest, cycle after
# cycle: SIGKILL at a random moment, or (every other cycle) right after a
# random I/O record of its own, then tests/lib/powercut.py rewrites the
# centre's directory to what a disk could hold then (each file as of its
# last fsync plus none, a prefix, a subset or all of the later writes, the
# last possibly torn at a sector), and the centre is started on that. The
# post keeps acknowledging all along and catches up by itself.
#
# Each cycle checks that the centre never lost what it had acknowledged to
# the post: the size the post last heard the centre confirm (GET
# /sync/state or a push's answer, each given after the mirror's commit) is
# at most what the centre's mirror holds after the cut
# ("acknowledged-then-lost" 0), its own audit log verifies after the cut,
# and it starts on it (recovery: start to "listening"). After the last
# cycle and the catch-up (the post's lag 0): Jepsen's set checker
# (tests/lib/booths.py) at the post and at the centre — every crossing a
# booth got 2xx for is in the centre's mirror and in its query store
# exactly once, at its index with its leaf; lost 0, duplicated 0; the
# mirror's root recomputed at the size of the post's latest checkpoint is
# that checkpoint's; tims centre verify (each mirror recomputed, the query
# store against it) and tims centre audit-verify pass.
#
# The eio part: an fsync of the post's mirror fails (EIO, tests/lib/faultfs.c)
# while the centre takes the post's log: it confirms nothing more, even
# once the fault is gone (its mirror stops until a restart: "fsyncgate"),
# writes nothing more to the mirror, and the post goes on acknowledging
# its booths; then the power is cut, and nothing it confirmed is lost.
#
# The eio-store part: writes of the query store (query.db's WAL) fail:
# the store is derived from the mirrors, so the centre goes on confirming,
# marks the store for repair and says so, repairs it from the mirror once
# the disk is back; then the power is cut and the final checks find every
# acknowledged crossing in the store once.
#
# The I/O parts put the centre's own stores under faults (tests/lib/faultfs.c)
# while the post pushes and dashboard logins (audited in audit.db, an event
# in centre.db) come during the halting faults: enospc, every write of the mirror's WAL
# fails ENOSPC — the push is answered 507 storage_full, nothing more is
# confirmed, and once space is back the centre takes the post's log again;
# disk-full, the same on a real disk: the centre's directory on a small
# tmpfs, filled up with dd, then freed; db-eio, an fsync of centre.db fails
# (EIO) — the centre writes centre.db no more until restarted, says so
# (status db_stopped), the mirror goes on; audit-eio, an fsync of its own
# audit log fails — no login is answered any more (503 halted, as at a
# post), even once the fault is gone, audit.db is written no more, and
# the status says audit_stopped (/metrics tims_centre_audit_stopped);
# db-enospc and audit-enospc, every write of centre.db's WAL, or of the
# audit log's, fails ENOSPC alone — a login the audit log cannot record
# is refused 507 storage_full, one it can is answered (401) while
# centre.db is full, nothing stops, and once space is back the file is
# written again and logins answered; io, db-eio and audit-eio at
# once, with eio-store's fault, short (make check: 0.7 s of fault, no power
# cut), after a short audit-enospc (one login refused 507, the next 401). The others end with a power cut; the final checks find
# every acknowledged crossing once at the centre after the catch-up.
#
# The nofsync part shows the row can fail: before the restart and the
# checks, one more cut with the fsyncs of the centre's mirrors ignored by
# the shim (TIMS_CRASH_NOSYNC=mirror; TIMS unchanged) and nothing unsynced
# kept must find acknowledged-then-lost > 0 (or a mirror SQLite cannot
# read, which the centre refuses at start; the run then goes on from the
# state before that cut). When the centre starts on it, the post, told a
# smaller size than it was confirmed, says so in its log and sends the
# lost records again: the checks after the catch-up pass.
#
#   FAULT_SEED=N        replay the schedule and the power-cut choices (logged)
#   CENTRECUT_CYCLES=N  cuts of the centre (default 1; make soak: many more)
#   CENTRECUT_PARTS     "row eio io nofsync" (default: make check) or some
#                       of them, or the parts of make soak: eio-store,
#                       enospc, disk-full, db-eio, audit-eio,
#                       db-enospc, audit-enospc (io is
#                       db-eio, audit-eio and eio-store's fault at once)
#   CENTRECUT_TMPFS_MB  the size of disk-full's tmpfs (default 48)
#   CENTRECUT_NOSYNC    the files whose fsyncs the nofsync part drops (mirror)
. tests/e2e/lib.sh

ROW=centrecut
. tests/lib/faultrow.sh
CYCLES=${CENTRECUT_CYCLES:-1}
PARTS=" ${CENTRECUT_PARTS:-row eio io nofsync} "
part() { case $PARTS in *" $1 "*) return 0 ;; esac; return 1; }
C=$T_TMP/centre
CPORT=$(free_port)
CURL_=https://127.0.0.1:$CPORT
ORIGIN=test.example/centrecut
MIRROR=mirror/test.example%2Fcentrecut.db
CENTRE=
t_cleanup_more() {
	[ -n "$SERVER" ] && kill -KILL "$SERVER" 2>/dev/null
	[ -n "$CENTRE" ] && kill -KILL "$CENTRE" 2>/dev/null
	[ -n "${LOADER:-}" ] && kill "$LOADER" 2>/dev/null
	[ -n "${CMOUNTED:-}" ] && { sleep 0.2; umount "$CMOUNTED"; }
	true
}

# cstart [crash]: the centre on $C (under the journal when "crash"); sets
# CENTRE and CRECOVERY_MS (start to "listening"). 1 if it is not
# listening (refused to start, or cut itself first: TIMS_CRASH_AFTER).
cstart() {
	local env=() t0
	: >"$T_TMP/centre.out"
	if [ "${1:-}" = crash ]; then
		env=(TIMS_CRASH_DIR="$C" TIMS_CRASH_JOURNAL="$T_TMP/cjournal"
			LD_PRELOAD="$CRASH_SO${CFAULT_CTL:+:$FAULT_SO}" ASAN_OPTIONS=verify_asan_link_order=0)
		[ -n "${CFAULT_CTL:-}" ] && env+=(TIMS_FAULT_CTL="$CFAULT_CTL")
		[ -n "${NOSYNC:-}" ] && env+=(TIMS_CRASH_NOSYNC="$NOSYNC")
		[ -n "${CRASH_AFTER:-}" ] && env+=(TIMS_CRASH_AFTER="$CRASH_AFTER")
	fi
	t0=$(now_ms)
	env "${env[@]}" "$TIMS" centre serve "$C" --port "$CPORT" >"$T_TMP/centre.out" 2>>"$T_TMP/centre.log" &
	CENTRE=$!
	for _ in $(seq 1 600); do
		grep -q 'listening on' "$T_TMP/centre.out" && break
		alive "$CENTRE" || break
		sleep 0.02
	done
	CRECOVERY_MS=$(($(now_ms) - t0))
	grep -q 'listening on' "$T_TMP/centre.out"
}
ckill() { [ -n "$CENTRE" ] && { kill -KILL "$CENTRE" 2>/dev/null; wait "$CENTRE" 2>/dev/null; CENTRE=; }; }
cstop() { [ -n "$CENTRE" ] && { kill "$CENTRE" 2>/dev/null; wait "$CENTRE" 2>/dev/null; CENTRE=; }; }
# sync: the post's view of the centre: "confirmed lag" (its status)
sync_view() {
	curl -s --cacert "$CA_FILE" -H "Authorization: Bearer ${TOKENS%%,*}" "$URL/api/v1/status" |
		"$PY" -c 'import json, sys; c = json.load(sys.stdin)["centre"]; print(c["centre_size"], c["lag"])' 2>/dev/null
}
caught_up() { [ "$(sync_view | cut -d' ' -f2)" = 0 ]; }
confirmed_now() { sync_view | cut -d' ' -f1; }
centre_status() { curl -s --cacert "$CA_FILE" "$CURL_/api/v1/centre/status"; }
grows_from() { [ "$(confirmed_now)" -gt "$1" ] 2>/dev/null; }
repair_done() { centre_status | grep -Eq '"repair_pending": *false'; }
# mirror_size DIR: the entries of the post's mirror in DIR (read on a copy:
# SQLite recovers its WAL as the centre would at open)
mirror_size() {
	local m=$T_TMP/msize
	rm -rf "$m" && mkdir -p "$m" || return 1
	for x in "" -wal; do [ -f "$1/$MIRROR$x" ] && cp "$1/$MIRROR$x" "$m/m.db$x"; done
	[ -f "$m/m.db" ] || { echo 0; return; }
	"$PY" -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM entries").fetchone()[0])' "$m/m.db"
}

# ---- a centre and a post enrolled with it, three booths logged in -----------
"$TIMS" centre init "$C" --name tims-centre >/dev/null
cli_bootstrap "$C"
post_init "$ORIGIN"
enrol_with_centre centrecut-post
# (a copy: the disk-full part moves the centre's directory onto a tmpfs)
cp "$C/ca.crt" "$T_TMP/ca.crt"
CA_FILE=$T_TMP/ca.crt
serve || { t_report fail "the post serves" "$(tail -3 "$T_TMP/serve.err")"; t_end; exit 1; }
booths_login
t_eq "setup: a post enrolled with the centre, three booths logged in" 3 \
	"$(echo "$TOKENS" | tr ',' '\n' | grep -cE '^[A-Za-z0-9_-]{43}$')"

# the booths register until told to stop (each round retries what the one
# before left unacknowledged, with the same id)
: >"$T_TMP/history"
(
	r=0
	while [ ! -f "$T_TMP/stop" ]; do
		r=$((r + 1))
		"$PY" "$ROOT/tests/lib/booths.py" load --url "$URL" --ca "$CA_FILE" --tokens "$TOKENS" \
			--prefix "r$r" --history "$T_TMP/history" --seconds 1 --seed $((SEED + r)) \
			2>>"$T_TMP/load.err"
	done
) &
LOADER=$!

# one cut: the centre under the journal, killed at a random moment (or
# after the I/O record CRASH_AFTER), its directory cut to what reached the
# disk. Sets CONFIRMED (what the post last heard the centre hold), HELD
# (the mirror after the cut) and CUT_LINE.
cut_once() { # LABEL CYCLE
	local label=$1 c=$2 delay cseed
	rm -rf "$T_TMP/cbase" "$T_TMP/cjournal"
	cp -a "$C" "$T_TMP/cbase"
	delay=$((RANDOM % 1300 + 200))
	cstart crash && recov+=("$CRECOVERY_MS")
	# something to lose: the centre has taken more of the post's log
	if [ -n "${MIN_TAKEN:-}" ]; then
		local want=$(($(mirror_size "$T_TMP/cbase") + MIN_TAKEN))
		for _ in $(seq 1 150); do
			[ "$(sync_view | cut -d' ' -f1)" -ge "$want" ] 2>/dev/null && break
			sleep 0.1
		done
	fi
	if [ -n "${CRASH_AFTER:-}" ]; then
		for _ in $(seq 1 300); do alive "$CENTRE" || break; sleep 0.1; done
		alive "$CENTRE" && CRASH_AFTER="$CRASH_AFTER (not reached: killed at 30 s)"
	else
		sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
	fi
	ckill
	[ -n "${SAVE_PRECUT:-}" ] && { rm -rf "$T_TMP/precut" && cp -a "$C" "$T_TMP/precut"; }
	sleep 0.3 # a round of the post's that was under way when the power went
	read -r CONFIRMED _ <<<"$(sync_view)"
	cseed=$((SEED * 1000 + c))
	CUT_LINE=$("$PY" "$ROOT/tests/lib/powercut.py" cut "$C" "$T_TMP/cbase" "$T_TMP/cjournal" \
		--seed "$cseed" --mode "${MODE:-random}")
	echo "# $label cycle $c (cut ${CRASH_AFTER:+after I/O record }${CRASH_AFTER:-at $delay ms}): $CUT_LINE"
	HELD=$(mirror_size "$C")
}

recov=()
LOST_ACK=0
start=$(date +%s)
bad=0
: >>"$T_TMP/centre.log"
if part row; then
for c in $(seq 1 "$CYCLES"); do
	# at a random time, or (every other cycle, the first one chosen by
	# the seed) right after a random I/O record of the centre's own
	CRASH_AFTER=
	[ $(((c + SEED) % 2)) -eq 0 ] && CRASH_AFTER=$((RANDOM % 3000 + 20))
	refused=$(grep -c '^tims centre: serve:' "$T_TMP/centre.log")
	cut_once centrecut "$c"
	if [ "$(grep -c '^tims centre: serve:' "$T_TMP/centre.log")" != "$refused" ]; then
		bad=$((bad + 1))
		echo "# centrecut cycle $c failed: the centre refused to start: $(grep '^tims centre: serve:' "$T_TMP/centre.log" | tail -1)"
	fi
	lost=$((CONFIRMED > HELD ? CONFIRMED - HELD : 0))
	LOST_ACK=$((LOST_ACK + lost))
	rm -rf "$T_TMP/cv" && cp -a "$C" "$T_TMP/cv"
	av=$("$TIMS" centre audit-verify "$T_TMP/cv" 2>&1) || { bad=$((bad + 1)); echo "# centrecut cycle $c failed: audit-verify: $av"; }
	echo "# centrecut cycle $c: the post heard the centre confirm $CONFIRMED; the mirror holds $HELD after the cut; acknowledged-then-lost $lost"
	if [ "$lost" -gt 0 ]; then
		bad=$((bad + 1))
		echo "# centrecut cycle $c failed: the centre lost $lost records it had confirmed"
		rm -rf "$KEEP_FAIL/centrecut-$((SEED * 1000 + c))" && mkdir -p "$KEEP_FAIL/centrecut-$((SEED * 1000 + c))" &&
			cp -a "$T_TMP/cbase" "$T_TMP/cjournal" "$KEEP_FAIL/centrecut-$((SEED * 1000 + c))/" &&
			echo "# kept in $KEEP_FAIL/centrecut-$((SEED * 1000 + c)) (powercut.py cut DIR cbase cjournal --seed $((SEED * 1000 + c)))"
	fi
done
t_eq "every cut: the centre lost nothing it had acknowledged to the post, its audit log verifies, it started on what reached the disk" 0 "$bad"
CRASH_AFTER= # the last cycle's: not for the parts below
fi

# ---- an fsync of the mirror fails (EIO), then the power is cut ---------------
# fault_start: the centre stopped, its directory copied (the disk's state),
# started again under crashfs and faultfs (CFAULT_CTL, in the centre's
# directory: its sandbox reads only there), and 10 more records taken; 1 if
# it does not start
fault_start() {
	# The centre of a fault part runs until the test kills it: no
	# TIMS_CRASH_AFTER. (The row's last cycle left CRASH_AFTER set when
	# the seed was odd, and the centre of the eio and eio-store parts cut
	# itself a few thousand I/O records in: the eio-store part's repair
	# "never came", 1 of 3 CI runs, docs/reliability.md.)
	local CRASH_AFTER= NOSYNC=
	cstop
	CFAULT_CTL=$C/fault-ctl
	rm -f "$CFAULT_CTL"
	rm -rf "$T_TMP/cbase" "$T_TMP/cjournal"
	cp -a "$C" "$T_TMP/cbase"
	cstart crash || return 1
	recov+=("$CRECOVERY_MS")
	local want t0
	want=$(($(mirror_size "$T_TMP/cbase") + 10))
	t0=$(real_ds)
	# (a run of CI once saw no fsync of the mirror in the fault's window:
	# the wait, 15 s then, had ended without the centre taking anything)
	while [ "$(real_ds)" -lt $((t0 + 600)) ]; do
		[ "$(sync_view | cut -d' ' -f1)" -ge "$want" ] 2>/dev/null && break
		sleep 0.1
	done
	if ! [ "$(sync_view | cut -d' ' -f1)" -ge "$want" ] 2>/dev/null; then
		t_report fail "the restarted centre takes the post's log again (10 more records in 60 s)" \
			"the post's view: $(sync_view); $(tail -3 "$T_TMP/centre.log")"
		return 1
	fi
	echo "# the restarted centre took 10 more records in $((($(real_ds) - t0) / 10)) s"
}
if part eio; then
if fault_start; then
	echo "fsync EIO ${MIRROR#mirror/}-wal" >"$CFAULT_CTL"
	sleep 1
	read -r c1 lag1 <<<"$(sync_view)"
	k1=$(grep -c '^K ' "$T_TMP/history")
	sleep 1
	rm -f "$CFAULT_CTL" # the disk is fine again: the mirror stays stopped
	sleep 1
	read -r c2 lag2 <<<"$(sync_view)"
	k2=$(grep -c '^K ' "$T_TMP/history")
	echo "# eio: the post heard the centre confirm $c1, then $c2 (the fault gone); its lag $lag1 -> $lag2; the booths acknowledged $k1 -> $k2"
	t_eq "eio: after the mirror's failed fsync the centre confirms nothing more, even once the fault is gone" "$c1" "$c2"
	t_ok "eio: ... while the post goes on acknowledging its booths ($k1 -> $k2) and its lag grows ($lag1 -> $lag2)" \
		test "$k2" -gt "$k1" -a "${lag2:-0}" -gt "${lag1:-0}"
	r=$("$PY" "$ROOT/tests/lib/powercut.py" after-failure "$T_TMP/cjournal" "${MIRROR#mirror/}" fsync)
	echo "# eio: $r"
	t_match "eio: after the failed fsync the centre wrote nothing more to the mirror" 'failed .*; then 0 writes' "$r"
	# (a centre that died would pass the checks above)
	t_ok "eio: ... and it is still running: it stopped writing, it did not die" alive "$CENTRE"
	ckill
	sleep 0.3
	read -r CONFIRMED _ <<<"$(sync_view)"
	CUT_LINE=$("$PY" "$ROOT/tests/lib/powercut.py" cut "$C" "$T_TMP/cbase" "$T_TMP/cjournal" \
		--seed "$((SEED * 1000 + 500))" --mode random)
	echo "# eio: power cut: $CUT_LINE"
	HELD=$(mirror_size "$C")
	t_ok "eio: after the power cut the mirror holds all the centre confirmed ($HELD >= $CONFIRMED)" \
		test "${HELD:-0}" -ge "${CONFIRMED:-1}"
else
	t_report fail "eio: the centre starts" "$(tail -3 "$T_TMP/centre.log")"
fi
CFAULT_CTL=
fi

# ---- the query store's disk fails: the mirror is the record ----------------
# Writes of query.db's WAL fail (EIO) while the centre takes the post's log
# (the store commits without fsync, synchronous=NORMAL: it is rebuilt from
# the mirrors, which are synced).
# The query store is derived from the mirrors: the centre goes on taking and
# confirming what its mirror holds, marks the store for repair and says so
# (event "store"), and once the disk is back the maintenance thread indexes
# what the store lacks (event "store-repaired"); then the power is cut, and
# the final checks find every acknowledged crossing in the store once.
if part eio-store; then
if fault_start; then
	echo "write EIO query.db-wal" >"$CFAULT_CTL"
	sleep 1
	read -r s1 _ <<<"$(sync_view)"
	sleep 1.5
	read -r s2 _ <<<"$(sync_view)"
	rm -f "$CFAULT_CTL" # the disk is fine again
	echo "# eio-store: while query.db's writes failed the post heard the centre confirm $s1, then $s2"
	t_ok "eio-store: the query store's writes fail and the centre goes on confirming what its mirror holds ($s1 -> $s2)" \
		test "${s2:-0}" -gt "${s1:-0}"
	events() { # KIND: the centre's events of that kind (read on a copy)
		rm -rf "$T_TMP/ev" && mkdir -p "$T_TMP/ev" && cp "$C"/centre.db* "$T_TMP/ev/"
		"$PY" -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM events WHERE kind = ?", (sys.argv[2],)).fetchone()[0])' \
			"$T_TMP/ev/centre.db" "$1"
	}
	repaired() { [ "$(events store-repaired)" -gt 0 ] 2>/dev/null; }
	t0=$(now_ms)
	if wait_for 150 repaired; then
		t_report ok "eio-store: the failure is said (event 'store'), and once the disk is back the store is repaired from the mirror (event 'store-repaired', $(($(now_ms) - t0)) ms after)"
	else
		# (1 of 3 CI runs once: no repair, no write to query.db after
		# the failure; docs/reliability.md) what the centre was doing
		t_report fail "eio-store: the failure is said (event 'store'), and once the disk is back the store is repaired from the mirror (event 'store-repaired')"
		echo "# eio-store: no repair in 30 s; the post's view of the centre now: $(sync_view) (when the fault was lifted: $s2)"
		echo "# eio-store: the centre's status: $(centre_status | head -c 700)"
		echo "# eio-store: journal: $("$PY" "$ROOT/tests/lib/powercut.py" after-failure "$T_TMP/cjournal" query.db write)"
		echo "# eio-store: the post's log of the centre: $(grep -i centre "$T_TMP/serve.err" | tail -3 | tr '\n' ' ')"
		echo "# eio-store: the centre's log: $(tail -5 "$T_TMP/centre.log" | tr '\n' ' ')"
		if command -v gdb >/dev/null && [ -n "$CENTRE" ]; then
			gdb -p "$CENTRE" -batch -ex 'thread apply all bt 12' 2>/dev/null |
				grep -E '^(Thread|#)' | head -120 | sed 's/^/#   /'
		fi
	fi
	echo "# eio-store: events: store $(events store), store-repaired $(events store-repaired)"
	wait_for 50 grows_from "${s2:-0}"
	s3=$(confirmed_now)
	t_ok "eio-store: once the disk is back the centre goes on confirming ($s2 -> $s3)" test "${s3:-0}" -gt "${s2:-0}"
	t_eq "eio-store: the failure is said once, not at every push while the store is marked" 1 "$(events store)"
	r=$("$PY" "$ROOT/tests/lib/powercut.py" after-failure "$T_TMP/cjournal" query.db write)
	echo "# eio-store: $r"
	ckill
	CUT_LINE=$("$PY" "$ROOT/tests/lib/powercut.py" cut "$C" "$T_TMP/cbase" "$T_TMP/cjournal" \
		--seed "$((SEED * 1000 + 600))" --mode random)
	echo "# eio-store: power cut: $CUT_LINE"
else
	t_report fail "eio-store: the centre starts" "$(tail -3 "$T_TMP/centre.log")"
fi
CFAULT_CTL=
fi

# ---- the centre's own stores under I/O errors, and a full disk -------------
# io_part NAME KIND FAULT: the centre restarted under crashfs and faultfs
# (fault_start), then FAULT (a faultfs line, or "tmpfs": the centre's
# directory is a small tmpfs, filled up) for 1.2 s while the post pushes,
# then lifted. KIND
#   full  the push is refused cleanly (the post hears 507 storage_full),
#         nothing more is confirmed while the disk is full, and once space
#         is back the centre takes the post's log again;
#   halt  the store whose fsync failed is written no more until a restart
#         (crashfs's journal), even once the fault is gone; what it holds
#         is not acknowledged to anyone meanwhile.
# The final checks (after the restart and catch-up) find every acknowledged
# crossing once in the mirror and the query store, nothing partial.
IO_ROWS=()
# login_attempt N: a dashboard login with a wrong password (the centre
# audits it in audit.db and logs an event in centre.db); prints the status
login_attempt() {
	curl -s -o /dev/null -w '%{http_code}' --cacert "$CA_FILE" -H 'Content-Type: application/json' \
		-X POST "$CURL_/api/v1/session" \
		--data-binary "{\"officer\":\"nobody$1\",\"password\":\"wrong password\",\"code\":\"000000\"}"
}

io_part() {
	local name=$1 kind=$2 fault=$3 short=${4:-} c0 c1 c2 k1 k2 r t0 resumed store pstart
	pstart=$(now_ms)
	: >"$T_TMP/serve.err.mark"
	local errlines
	errlines=$(wc -l <"$T_TMP/serve.err")
	if [ "$fault" = tmpfs ]; then
		# the centre's directory on a small tmpfs of its own (a real
		# disk that fills up), its files copied there
		cstop
		mv "$C" "$C.disk" && mkdir -m 0700 "$C" &&
			mount -t tmpfs -o size=${CENTRECUT_TMPFS_MB:-48}m,mode=0700 tims-centre "$C" || {
			rmdir "$C" 2>/dev/null; mv "$C.disk" "$C"
			t_report fail "$name: mount a tmpfs for the centre (root needed)"
			return
		}
		CMOUNTED=$C
		cp -a "$C.disk/." "$C/"
	fi
	if ! fault_start; then
		t_report fail "$name: the centre starts"
		CFAULT_CTL=
		return
	fi
	if [ "$name" = io ]; then
		# make check's short audit-enospc first: the audit log's disk
		# full alone is a clean refusal, and the next login once space is
		# back is answered (nothing stopped)
		local e1 e2
		echo "write ENOSPC centre/audit.db-wal" >"$CFAULT_CTL"
		e1=$(login_attempt 3)
		rm -f "$CFAULT_CTL"
		e2=$(login_attempt 4)
		t_eq "io: the audit log's disk full alone: a login it cannot record is refused 507, the next one once space is back answered (401)" \
			"507 401" "$e1 $e2"
	fi
	c0=$(confirmed_now)
	k1=$(grep -c '^K ' "$T_TMP/history")
	if [ "$fault" = tmpfs ]; then
		dd if=/dev/zero of="$C/filler" bs=64k 2>/dev/null
		dd if=/dev/zero of="$C/filler.small" bs=4k 2>/dev/null
		rm -f "$C/filler.small"
	else
		echo "$fault" | tr ';' '\n' >"$CFAULT_CTL" # (several: "A; B")
	fi
	# what writes the centre's own files besides the pushes: failed logins
	# (each audited in audit.db, with an event in centre.db; each costs a
	# password hash, so few of them)
	local codes=
	local ownbody=
	if [ "$kind" = halt ] || [ "$kind" = own ]; then
		codes=" $(login_attempt 1)"
	fi
	if [ "$kind" = own ]; then
		ownbody=$(curl -s --cacert "$CA_FILE" -H 'Content-Type: application/json' -X POST \
			"$CURL_/api/v1/session" --data-binary '{"officer":"nobody9","password":"wrong password","code":"000000"}')
	fi
	sleep 0.4 # a push under way when the disk failed
	c1=$(confirmed_now)
	[ -n "$short" ] && sleep 0.3 || sleep 0.8
	c2=$(confirmed_now)
	k2=$(grep -c '^K ' "$T_TMP/history")
	case $kind in
	full)
		# (on the real disk a write into space a file already holds
		# still succeeds: only the injected fault stops every write)
		[ "$fault" = tmpfs ] || t_eq "$name: nothing more is confirmed while the disk is full" "$c1" "$c2"
		t_match "$name: the push is refused cleanly: the post hears 507" \
			'refused the push \(507\)' "$(tail -n +"$((errlines + 1))" "$T_TMP/serve.err")"
		t_eq "$name: ... and never 500" "" \
			"$(tail -n +"$((errlines + 1))" "$T_TMP/serve.err" | grep -o 'refused the push (5[0-9][0-9])' | grep -v 507 | sort -u)"
		rm -f "$C/filler" "$CFAULT_CTL"
		t0=$(now_ms)
		if wait_for 100 grows_from "$c2"; then
			resumed=$(($(now_ms) - t0))
			t_report ok "$name: space again: the centre takes the post's log again ($resumed ms)"
		else
			resumed=never
			t_report fail "$name: space again: the centre takes the post's log again" \
				"confirmed $(confirmed_now), was $c2; $(tail -3 "$T_TMP/centre.log")"
		fi
		IO_ROWS+=("$name: confirmed $c0 -> $c1 -> $c2 while full (booths acknowledged $k1 -> $k2), 507 to the post, resumed ${resumed} ms after space came back")
		;;
	own)
		# ENOSPC on one of the centre's own files (centre.db or its
		# audit log) alone: a clean refusal of what needs that file,
		# nothing stopped, and work resumes when space returns
		local mid st after=
		mid=$(centre_status)
		rm -f "$CFAULT_CTL"
		after=" $(login_attempt 2)"
		st=$(centre_status)
		echo "# $name: logins answered$codes while the disk was full,$after after"
		case $fault in
		*audit.db*)
			t_eq "$name: a login the audit log cannot record is refused 507 storage_full (never 500)" \
				" 507" "$codes"
			t_match "$name: ... the answer says the disk is full" '"error": *"storage_full"' "$ownbody"
			;;
		*centre.db*)
			# a login is recorded in the audit log, which has space: it
			# is answered (401, a wrong password) even while centre.db
			# cannot take its login-failed event
			t_eq "$name: a login is answered as ever while only centre.db is full (401)" " 401" "$codes"
			;;
		esac
		t_match "$name: nothing stopped: status db_stopped false, audit_stopped false while the disk was full" \
			'"db_stopped": *false, *"audit_stopped": *false' "$mid"
		t_match "$name: ... and after" '"db_stopped": *false, *"audit_stopped": *false' "$st"
		t_eq "$name: space again: the next login is answered (401: wrong password)" " 401" "$after"
		local f=${fault##* }
		f=${f#centre/}
		r=$("$PY" "$ROOT/tests/lib/powercut.py" after-failure "$T_TMP/cjournal" "^${f%-wal}" write)
		echo "# $name: $r"
		t_match "$name: the write failed ENOSPC and the file is written again once space is back" \
			'failed \(errno 28\) .*; then [1-9][0-9]* writes' "$r"
		c3=$(confirmed_now)
		t_ok "$name: the mirror, a store of its own, goes on confirming the post's log ($c0 -> $c3)" \
			test "${c3:-0}" -gt "${c0:-0}"
		IO_ROWS+=("$name: confirmed $c0 -> $c1 -> $c2 -> $c3 (booths acknowledged $k1 -> $k2); $r; logins answered$codes during,$after after")
		;;
	halt)
		rm -f "$CFAULT_CTL"
		local after=
		after=" $(login_attempt 2)"
		echo "# $name: logins answered$codes while the fault lasted,$after after"
		local one rs=
		while read -r one; do
			case $one in
			write*query.db*)
				# the query store is derived from the mirror: it is
				# repaired from it once the disk is back, and written
				# again (eio-store, with its events, in make soak)
				t_ok "$name: once the disk is back the query store is repaired from the mirror (status repair_pending false)" \
					wait_for 150 repair_done
				r=$("$PY" "$ROOT/tests/lib/powercut.py" after-failure "$T_TMP/cjournal" query.db write)
				echo "# $name: $r"
				rs="$rs${rs:+; }$r"
				t_match "$name: ... and written again" 'failed .*; then [1-9][0-9]* writes' "$r"
				continue
				;;
			esac
			store=${one##* }
			store=${store%-wal}
			store=${store#centre/} # the centre's own file, under its directory
			r=$("$PY" "$ROOT/tests/lib/powercut.py" after-failure "$T_TMP/cjournal" "^$store" fsync)
			echo "# $name: $r"
			rs="$rs${rs:+; }$r"
			t_match "$name: after the failed fsync the centre wrote nothing more to $store, even once the fault was gone" \
				'failed .*; then 0 writes' "$r"
			case $store in
			audit.db)
				# what cannot be audited is not answered: no 401,
				# every later attempt refused 5xx
				t_eq "$name: once the audit log failed, no login is answered, even once the fault is gone (503 halted only, as at a post; 500 before)" "" \
					"$(echo "$codes $after" | tr ' ' '\n' | grep -v '^503$' | grep . | sort -u)"
				t_match "$name: the centre says its audit log stopped, until a restart (status audit_stopped)" \
					'"audit_stopped": *true' "$(centre_status)"
				t_match "$name: ... and /metrics tims_centre_audit_stopped 1" 'tims_centre_audit_stopped 1' \
					"$(curl -s --cacert "$CA_FILE" "$CURL_/metrics")"
				;;
			centre.db)
				t_match "$name: the centre says centre.db stopped, until a restart (status db_stopped)" \
					'"db_stopped": *true' "$(centre_status)"
				;;
			esac
		done < <(echo "$fault" | tr ';' '\n' | sed 's/^ *//')
		c3=$(confirmed_now)
		t_ok "$name: ... while the mirror, a store of its own, goes on confirming the post's log ($c0 -> $c3)" \
			test "${c3:-0}" -gt "${c0:-0}"
		IO_ROWS+=("$name: confirmed $c0 -> $c1 -> $c2 -> $c3 (booths acknowledged $k1 -> $k2); $rs; logins answered$codes during,$after after")
		;;
	esac
	echo "# $name: the post heard the centre confirm $c0 -> $c1 -> $c2; the booths acknowledged $k1 -> $k2"
	t_ok "$name: the centre is still running (a dead one would pass the checks above)" alive "$CENTRE"
	ckill
	if [ -z "$short" ]; then
		# (short, make check: no power cut here; the row and eio parts
		# cut the power, and the final checks run after the restart)
		sleep 0.3
		read -r CONFIRMED _ <<<"$(sync_view)"
		CUT_LINE=$("$PY" "$ROOT/tests/lib/powercut.py" cut "$C" "$T_TMP/cbase" "$T_TMP/cjournal" \
			--seed "$((SEED * 1000 + 700 + ${#name}))" --mode random)
		echo "# $name: power cut: $CUT_LINE"
		HELD=$(mirror_size "$C")
		t_ok "$name: after the power cut the mirror holds all the centre confirmed ($HELD >= $CONFIRMED)" \
			test "${HELD:-0}" -ge "${CONFIRMED:-1}"
	fi
	echo "# $name: the part took $(($(now_ms) - pstart)) ms"
	rm -f "$C/filler" "$C/filler.small"
	CFAULT_CTL=
	if [ -n "${CMOUNTED:-}" ]; then
		# back on the ordinary disk, as the cut left it
		cstop
		rm -rf "$C.disk" && mkdir -m 0700 "$C.disk" && cp -a "$C/." "$C.disk/" &&
			umount "$C" && rmdir "$C" && mv "$C.disk" "$C" && CMOUNTED=
	fi
}
part enospc && io_part enospc full "write ENOSPC ${MIRROR#mirror/}-wal"
part disk-full && io_part disk-full full tmpfs
part db-eio && io_part db-eio halt "fsync EIO centre/centre.db-wal"
# (centre/audit.db: the centre's own audit log, not its mirror of the
# post's, mirror/X.audit.db)
part audit-eio && io_part audit-eio halt "fsync EIO centre/audit.db-wal"
# ENOSPC on centre.db alone, on the audit log alone (make soak; make
# check: audit-enospc)
part db-enospc && io_part db-enospc own "write ENOSPC centre/centre.db-wal"
part audit-enospc && io_part audit-enospc own "write ENOSPC centre/audit.db-wal"
# make check: both at once, and the query store's writes failing (the
# eio-store part's fault), one restart of the centre, 0.7 s of fault, no
# power cut of its own (short: a few seconds)
part io && io_part io halt "fsync EIO centre/centre.db-wal; fsync EIO centre/audit.db-wal; write EIO query.db-wal" short

# ---- one more cut, with the mirror's fsyncs missing: it must be caught ------
# The fsyncs of the centre's mirrors return 0 and do nothing (the shim;
# TIMS unchanged) and the cut keeps nothing unsynced, once the centre has
# taken 10 more records: what it confirmed to the post is gone. The post,
# told a smaller size, sends it again (and says so in its log).
if part nofsync; then
cstop
SAVE_PRECUT=1 NOSYNC=${CENTRECUT_NOSYNC:-mirror} MODE=none MIN_TAKEN=10 CRASH_AFTER= cut_once missing-fsync 1
echo "# missing-fsync: the post heard the centre confirm $CONFIRMED; the mirror holds ${HELD:-(unreadable)} after the cut"
t_ok "a missing fsync at the centre is caught: acknowledged-then-lost > 0 (confirmed $CONFIRMED, held ${HELD:-unreadable})" \
	test "${CONFIRMED:-0}" -gt "${HELD:-0}"
RESENT=
if cstart; then
	RESENT=1
	recov+=("$CRECOVERY_MS")
else
	# SQLite's own recovery needs the fsyncs too: a mirror it cannot
	# read is refused at start (fail closed); the run goes on from the
	# state before the cut, as if the power had stayed
	echo "# missing-fsync: the centre refuses to start on it: $(grep '^tims centre: serve:' "$T_TMP/centre.log" | tail -1)"
	ckill
	rm -rf "$C" && mv "$T_TMP/precut" "$C"
fi
fi

# ---- the restart, the catch-up, the checks ------------------------------------
t0=$(now_ms)
if [ -z "$CENTRE" ]; then
	if cstart; then t_report ok "the centre starts on what reached the disk"
	else t_report fail "the centre starts on what reached the disk" "$(tail -3 "$T_TMP/centre.log")"; fi
	recov+=("$CRECOVERY_MS")
fi
sleep 0.5 # the booths go on a little with the centre back
touch "$T_TMP/stop"
wait "$LOADER"
LOADER=
# the booths' last word: every unacknowledged id once more, and some
# acknowledged ones again (their answer must be the index first given)
"$PY" "$ROOT/tests/lib/booths.py" load --url "$URL" --ca "$CA_FILE" --tokens "$TOKENS" \
	--prefix final --history "$T_TMP/history" --seconds 0 --resend 5 --seed "$SEED" 2>>"$T_TMP/load.err"
t_ok "the post catches up with the restarted centre by itself (lag 0)" wait_for 300 caught_up
catchup=$(($(now_ms) - t0))
if [ -n "${RESENT:-}" ]; then
	t_match "missing-fsync: the post says the centre holds less than it confirmed, and sends it again" \
		'holds [0-9]+ records of this post, it confirmed [0-9]+ before' "$(cat "$T_TMP/serve.err")"
fi

# check LABEL: the set checker at the post and at the centre (both
# stopped: their files whole on disk), tims centre verify and audit-verify
check_all() {
	local out m=$T_TMP/mcopy
	stop
	cstop
	verify_copy "$1" >/dev/null
	rm -rf "$m" && cp -a "$C" "$m"
	out=$("$PY" "$ROOT/tests/lib/booths.py" check --db "$T_TMP/verify/post.db" --history "$T_TMP/history" \
		--mirror "$m/$MIRROR" --store "$m/query.db" --origin "$ORIGIN" --label "$1")
	printf '%s\n' "$out" | sed 's/^/# /'
	CHECK=$out
	CVERIFY=$("$TIMS" centre verify "$m" 2>&1) && CVERIFY_OK=yes || CVERIFY_OK=no
	CAUDIT=$("$TIMS" centre audit-verify "$m" 2>&1) && CAUDIT_OK=yes || CAUDIT_OK=no
}
centre_ok() { # LABEL
	local acks
	acks=$(awk '$1 == "K" { print $2 }' "$T_TMP/history" | sort -u | wc -l)
	t_ok "$1: the booths were acknowledged ($acks)" test "$acks" -gt 0
	t_match "$1: post: lost 0, unexpected 0, duplicated 0, roots equal" \
		'attempted .*lost 0 .*unexpected 0 duplicated 0 index-mismatch 0 roots-equal yes' "$CHECK"
	t_eq "$1: tims log verify and tims audit verify at the post" "" "${VERIFY_FAIL:-}"
	t_match "$1: centre mirror: every acknowledged crossing at its index with its leaf, none differs, its root is the post's" \
		"centre: acknowledged-present $acks of $acks, mirror [0-9]+ entries, differing from the post's log 0, mirror-root-equal yes" "$CHECK"
	t_match "$1: centre query store: every acknowledged crossing once, at its index with its leaf, nothing beyond the post's log" \
		"centre store: acknowledged-present $acks of $acks, rows [0-9]+, differing from the post's log 0, beyond it 0" "$CHECK"
	t_eq "$1: tims centre verify (mirror recomputed, query store against it)" yes "$CVERIFY_OK"
	[ "$CVERIFY_OK" = yes ] || echo "$CVERIFY" | sed 's/^/#   /'
	t_eq "$1: tims centre audit-verify" yes "$CAUDIT_OK"
	[ "$CAUDIT_OK" = yes ] || echo "$CAUDIT" | sed 's/^/#   /'
}

what="after $CYCLES cuts"
part nofsync && what="$what and the missing-fsync cut"
check_all centrecut
centre_ok "$what"
RECOVERY=$(printf '%s\n' "${recov[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "median %d ms, max %d ms (%d starts)", a[int((NR + 1) / 2)], a[NR], NR }')
echo "# row centrecut ($what): $(printf '%s' "$CHECK" | tr '\n' ' ' | sed 's/centrecut: //g'); acknowledged-then-lost (row) $LOST_ACK; centre start $RECOVERY; caught up ${catchup} ms after the restart; $(($(date +%s) - start)) s, seed $SEED"
for r in "${IO_ROWS[@]}"; do echo "# io row $r"; done
t_eq "the booths' client ran without an error of its own" "" "$(cat "$T_TMP/load.err")"
t_end
