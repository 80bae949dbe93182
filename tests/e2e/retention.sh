# retention.sh — records kept as long as the law says, and not longer
# (issue 16, G8; docs/retention.md), with real processes and a controlled
# clock (Debian's faketime on the non-ASan binary).
#
# A post and the centre, synced: an exit, an entry with its exit, a refusal
# and an overstayer's entry registered "now". Then, 1100 days on (just over
# 3 years): a dry run changes nothing; a clock ahead of everything the post
# has seen erases nothing (the guard); once the post has recorded a crossing
# at that time, `tims retention run` at the post and at the centre erases
# the 3-year records (history, national query and grep -a of every
# database find nothing of them) and keeps the overstayer; every log still
# verifies and the runs are in the audit logs. 1830 days on (5 years), the
# post's own timer erases the overstayer, and the centre's timer too.
. tests/e2e/lib.sh

C=$T_TMP/centre P=$T_TMP/post
ORIGIN=bg.example/ret-post
MIRROR="$C/mirror/bg.example%2Fret-post.db"
AMIRROR="$C/mirror/bg.example%2Fret-post.audit.db"

"$TIMS" centre init "$C" --name tims-centre >/dev/null
cli_bootstrap "$C" || echo "# cli_bootstrap of the centre failed"
"$TIMS" centre serve "$C" --port 0 >"$T_TMP/centre.out" 2>"$T_TMP/centre.log" &
CPID=$!
PIDS+=("$CPID")
wait_line "$T_TMP/centre.out" "listening on"
CURL_=$(sed -n 's/.* listening on //p' "$T_TMP/centre.out")
"$TIMS" post init "$P" --origin "$ORIGIN" --kind land >/dev/null
cli_bootstrap "$P" || echo "# cli_bootstrap of the post failed"
"$TIMS" centre enrol-post "$C" ret-post --vkey "$P/post.vkey" --url "$CURL_" --out "$T_TMP/enrol" >/dev/null 2>&1
"$TIMS" post enrol "$P" --from "$T_TMP/enrol" >/dev/null
printf 'interval_ms = 100\n' >"$P/sync.conf"

line() { # ID DIRECTION DOC SURNAME [DECISION]
	local dec=''
	[ "${5:-}" = refuse ] && dec=',"decision":"refuse","refusal_code":"B"'
	printf '{"id":"%s","direction":"%s","officer":"O1","booth":"B1","person":{"doc_code":"P","issuer":"UTO","number":"%s","surname":"%s","given_names":"ANNA","nationality":"UTO","birth_date":"1974-08-12","sex":"F"}%s}\n' \
		"$1" "$2" "$3" "$4" "$dec"
}
{
	line r-1 exit XEXIT0001 EXITERSON
	line r-2 entry XPAIR0002 PAIRSON
	line r-3 exit XPAIR0002 PAIRSON
	line r-4 entry XSTAY0003 STAYERSON
	line r-5 entry XREFU0004 REFUSEDSON refuse
} >"$T_TMP/now.jsonl"
t_ok "five crossings registered now (an exit, an entry and its exit, an overstayer, a refusal)" \
	cli_as "$P" supervisor "$TIMS" cross import --post "$P" "$T_TMP/now.jsonl"

"$TIMS" post serve "$P" --port 0 >"$T_TMP/post.out" 2>"$T_TMP/post.log" &
NODE=$!
PIDS+=("$NODE")
wait_line "$T_TMP/post.out" "listening on"
indexed() { [ "$(sqlite3 -readonly "$C/query.db" 'SELECT count(*) FROM crossings' 2>/dev/null)" = 5 ]; }
audit_mirrored() { [ "$(sqlite3 -readonly "$AMIRROR" 'SELECT count(*) FROM entries' 2>/dev/null || echo 0)" -gt 0 ]; }
synced() { indexed && audit_mirrored; }
t_ok "the centre mirrors and indexes them, and mirrors the post's audit log" wait_for 150 synced
kill "$NODE" "$CPID"; wait "$NODE" "$CPID" 2>/dev/null

# ---- a controlled clock -------------------------------------------------
exec 7>&1 # the log, also from inside $(...)
# at_day DAYS CMD...: CMD with its clock DAYS days ahead: libfaketime preloaded
# into CMD itself. Not Debian's faketime program: it makes a named semaphore
# from its PID in /dev/shm, and one left by a killed run makes a later run
# with that PID fail ("sem_open: File exists").
LIBFAKETIME=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
t_ok "libfaketime is installed (Debian package faketime)" test -n "$LIBFAKETIME"
at_day() {
	local days=$1
	shift
	LD_PRELOAD=$LIBFAKETIME FAKETIME="+${days}d" "$@"
}
# fake DAYS DIR ROLE CMD...: CMD DAYS days from now, as an officer of ROLE
# logged in at DIR at that time (a session of today has long expired then).
# (one login per account and day, its token kept in a file: a TOTP code is
# accepted once)
fake() {
	local days=$1 dir=$2 role=$3 f t
	shift 3
	f=$CLI_CACHE/$(_cli_key "$dir")-cli-$role
	t=$f.token-$days
	# a login that failed says why (on the TAP stream, as a comment), and
	# is tried once more with the next TOTP step (a code is spent once, and
	# a loaded machine may cross a step between oathtool and the login)
	for try in 1 2; do
		[ -s "$t" ] && break
		printf '%s\n%s\n' "$CLI_PASSWORD" \
			"$(oathtool --totp -b -N "@$(($(date +%s) + days * 86400))" "$(cat "$f.secret")")" |
			at_day "$days" "$TIMS" login --post "$dir" "cli-$role" --print-token >"$t" 2>"$t.err"
		[ -s "$t" ] && break
		echo "# fake: cli-$role at $dir, day $days, login $try failed: $(head -c 300 "$t.err")" >&7
		[ "$try" = 1 ] && sleep $((31 - $(date +%s) % 30))
	done
	TIMS_SESSION=$(cat "$t") at_day "$days" "$@"
}
# A daemon at a fake time: libfaketime preloaded into the daemon itself (the
# faketime program would stay between, and a kill of it would leave the
# daemon running).
fake_daemon() { # DAYS CMD... (run in the background: it becomes the daemon)
	local days=$1
	shift
	LD_PRELOAD=$LIBFAKETIME FAKETIME="+${days}d" exec "$@"
}
greps() { # FILES... : how many of the erased names and numbers they hold
	cat "$@" 2>/dev/null | grep -a -c 'EXITERSON\|XEXIT0001\|PAIRSON\|XPAIR0002\|REFUSEDSON\|XREFU0004'
}
post_dbs() { echo "$P"/post.db*; }
# The stored (sealed) body of record N: 24 bytes from its middle, in hex;
# found_in HEX FILES...: how many times those bytes are in the files.
body_hex() { sqlite3 -readonly "$P/post.db" "SELECT hex(substr(body, 17, 24)) FROM records WHERE idx = $1"; }
found_in() {
	local h=$1; shift
	cat "$@" 2>/dev/null | python3 -c 'import sys; print(sys.stdin.buffer.read().count(bytes.fromhex(sys.argv[1])))' "$h"
}
erased_at_post() { sqlite3 -readonly "$P/post.db" 'SELECT group_concat(idx) FROM records WHERE body IS NULL'; }
centre_dbs() { echo "$C"/query.db* "$MIRROR"*; }
# every account made now, while today's admin sessions are alive
for r in supervisor auditor; do cli_as "$P" "$r" true; done
for r in supervisor auditor; do cli_as "$C" "$r" true; done

# ---- day 1100: a dry run -------------------------------------------------
# (the node's timer ran once, at today's time: what it keeps in retention.db)
state() { sqlite3 -readonly "$P/post.db" 'SELECT idx, hex(body) FROM records' | sha256sum | cut -c1-64; sqlite3 -readonly "$P/retention.db" 'SELECT * FROM runs; SELECT count(*) FROM erased' 2>/dev/null; }
BEFORE=$(state)
DRY=$(fake 1100 "$P" admin "$TIMS" retention run "$P" --dry-run 2>&1)
t_eq "day 1100, dry run: JSON, counted nothing erased (the clock guard: no crossing seen since)" \
	"true true 0" "$(printf '%s' "$DRY" | jq -r '"\(.dry_run) \(.capped) \(.erased["crossing.exit"])"' 2>&1)"
t_eq "day 1100, dry run: post.db and retention.db unchanged" "$BEFORE" "$(state)"
OUT=$(fake 1100 "$P" admin "$TIMS" retention run "$P" 2>&1)
t_eq "day 1100, a clock 1100 days ahead of every crossing held: capped, nothing erased" \
	"true 0 6" "$(printf '%s' "$OUT" | jq -r '"\(.capped) \(.erased["crossing.exit"]) \(.stores["post.db"] + 6)"' 2>&1)"

# The post goes on registering: a crossing at day 1100.
line n-1100 entry XNEW1100 NEWSON >"$T_TMP/d1100.jsonl"
t_ok "day 1100: a crossing registered" fake 1100 "$P" supervisor "$TIMS" cross import --post "$P" "$T_TMP/d1100.jsonl"
BEFORE=$(state)
DRY=$(fake 1100 "$P" admin "$TIMS" retention run "$P" --dry-run 2>&1)
t_eq "day 1100, dry run: would erase 2 exits, 1 entry, 1 refusal; keeps the overstayer (and today's entry)" \
	"true false 2 1 1 2" \
	"$(printf '%s' "$DRY" | jq -r '"\(.dry_run) \(.capped) \(.erased["crossing.exit"]) \(.erased["crossing.entry"]) \(.erased["crossing.refusal"]) \(.kept["crossing.overstay"])"' 2>&1)"
t_eq "day 1100, dry run: nothing changed" "$BEFORE" "$(state)"
EXIT_BODY=$(body_hex 0) PAIR_BODY=$(body_hex 1) STAY_BODY=$(body_hex 3)
t_eq "before the run: the records' sealed bytes are in post.db" "1 1 1" \
	"$(found_in "$EXIT_BODY" $(post_dbs) | tr -d '\n' | awk '{print ($1>0)}') $(found_in "$PAIR_BODY" $(post_dbs) | awk '{print ($1>0)}') $(found_in "$STAY_BODY" $(post_dbs) | awk '{print ($1>0)}')"

OUT=$(fake 1100 "$P" admin "$TIMS" retention run "$P" 2>&1)
t_eq "day 1100 at the post: 4 crossings erased" "4" "$(printf '%s' "$OUT" | jq -r '.stores["post.db"]' 2>&1)"
t_eq "post.db: the exit, the entry and its exit, the refusal erased; the rest kept" "0,1,2,4" "$(erased_at_post)"
t_eq "grep -a of post.db and its WAL: neither the names nor the erased sealed bytes" "0 0 0" \
	"$(greps $(post_dbs)) $(found_in "$EXIT_BODY" $(post_dbs)) $(found_in "$PAIR_BODY" $(post_dbs))"
t_eq "the overstayer's sealed record is still in post.db" "1" "$(found_in "$STAY_BODY" $(post_dbs) | awk '{print ($1>0)}')"
HIST=$(fake 1100 "$P" supervisor "$TIMS" history --post "$P" XEXIT0001 --json 2>&1)
t_eq "history at the post: the exit is gone" "0" "$(printf '%s' "$HIST" | jq -r '.crossings | length' 2>&1)"
HIST=$(fake 1100 "$P" supervisor "$TIMS" history --post "$P" XSTAY0003 --json 2>&1)
t_eq "history at the post: the overstayer's entry is there" "1" "$(printf '%s' "$HIST" | jq -r '.crossings | length' 2>&1)"
t_ok "the post's log verifies" at_day 1100 "$TIMS" log verify --post "$P"
t_ok "the post's audit log verifies" at_day 1100 "$TIMS" audit verify --post "$P"
t_eq "a retention event for the centre is queued" "1" \
	"$(sqlite3 -readonly "$P/post.db" "SELECT count(*) FROM event_queue WHERE kind = 15" 2>&1)"

# The centre: its posts are offline in this test (their certificates would
# have expired after 1100 days), so it holds no crossing newer than today:
# its administrator lets its clock run up to 2000 days ahead of them.
(umask 077; printf '# the test: no post reaches the centre after day 0\nclock_margin = 2000d\n' >"$C/retention.conf")
cstate() { sqlite3 -readonly "$C/query.db" 'SELECT count(*) FROM crossings WHERE erased = 1'; sqlite3 -readonly "$MIRROR" 'SELECT count(*) FROM entries WHERE body IS NULL'; }
DRY=$(fake 1100 "$C" admin "$TIMS" retention run "$C" --dry-run 2>&1)
t_eq "day 1100 at the centre, dry run: 4 crossings would go, none did" "true 4 0 0" \
	"$(printf '%s' "$DRY" | jq -r '"\(.dry_run) \(.stores["query store"])"' 2>&1) $(cstate | tr '\n' ' ' | sed 's/ $//')"
OUT=$(fake 1100 "$C" admin "$TIMS" retention run "$C" 2>&1)
t_eq "day 1100 at the centre: 4 crossings erased in the query store and the mirror" "4 4" \
	"$(printf '%s' "$OUT" | jq -r '"\(.stores["query store"]) \(.stores["mirror/bg.example%2Fret-post.db"])"' 2>&1)"
t_eq "query store and mirror: the 4 rows and positions erased" "4 4" \
	"$(sqlite3 -readonly "$C/query.db" 'SELECT count(*) FROM crossings WHERE erased = 1') $(sqlite3 -readonly "$MIRROR" 'SELECT count(*) FROM entries WHERE body IS NULL')"
t_eq "grep -a of the query store and the mirror (and WALs): nothing of them" "0" "$(greps $(centre_dbs))"
Q=$(fake 1100 "$C" supervisor "$TIMS" centre query "$C" history --doc XEXIT0001 --purpose "retention test" 2>&1)
t_eq "national query: the exit is gone" "0" "$(printf '%s' "$Q" | jq -r '.crossings | length' 2>&1)"
Q=$(fake 1100 "$C" supervisor "$TIMS" centre query "$C" history --doc XSTAY0003 --purpose "retention test" 2>&1)
t_eq "national query: the overstayer's entry is there" "1" "$(printf '%s' "$Q" | jq -r '.crossings | length' 2>&1)"
t_ok "the centre verifies (mirror against the post's checkpoints, the query store)" \
	at_day 1100 "$TIMS" centre verify "$C"
t_ok "the centre's audit log verifies" at_day 1100 "$TIMS" centre audit-verify "$C"
AUD=$(fake 1100 "$P" auditor "$TIMS" audit list --post "$P" --count 1000 --json 2>&1)
t_match "the post's audit log holds the run and what it erased" '"retention.run"' "$AUD"
AUD=$(fake 1100 "$C" auditor "$TIMS" audit list --centre "$C" --count 1000 --json 2>&1)
t_match "the centre's audit log holds its run" '"retention.run"' "$AUD"

# ---- day 1830: five years; the post's own timer ---------------------------
line n-1830 exit XNEW1830 NEWSON >"$T_TMP/d1830.jsonl"
t_ok "day 1830: a crossing registered" fake 1830 "$P" supervisor "$TIMS" cross import --post "$P" "$T_TMP/d1830.jsonl"
(umask 077; printf 'interval = 1s\n' >"$P/retention.conf")
fake_daemon 1830 "$TIMS" post serve "$P" --port 0 >"$T_TMP/post2.out" 2>"$T_TMP/post2.log" &
NODE=$!
PIDS+=("$NODE")
t_ok "day 1830: the post's timer runs retention" wait_line "$T_TMP/post2.log" "retention: erased [1-9]" 150
kill "$NODE"; wait "$NODE" 2>/dev/null
t_eq "day 1830: the overstayer is gone from post.db" "0,1,2,3,4 0" "$(erased_at_post) $(found_in "$STAY_BODY" $(post_dbs))"
# The centre's own timer (its maintenance thread), every second here.
(umask 077; printf 'clock_margin = 2000d\ninterval = 1s\n' >"$C/retention.conf")
fake_daemon 1830 "$TIMS" centre serve "$C" --port 0 >"$T_TMP/centre2.out" 2>"$T_TMP/centre2.log" &
CPID=$!
PIDS+=("$CPID")
centre_erased() {
	[ "$(sqlite3 -readonly "$C/query.db" 'SELECT count(*) FROM crossings WHERE erased = 1') $(sqlite3 -readonly "$MIRROR" 'SELECT count(*) FROM entries WHERE body IS NULL')" = "5 5" ]
}
t_ok "day 1830: the centre's maintenance thread erases the overstayer (query store, mirror)" wait_for 150 centre_erased
kill "$CPID"; wait "$CPID" 2>/dev/null
t_eq "day 1830: nothing of the overstayer at the centre" "0" \
	"$(cat $(centre_dbs) 2>/dev/null | grep -a -c 'STAYERSON\|XSTAY0003')"
t_ok "day 1830: the post's log verifies" at_day 1830 "$TIMS" log verify --post "$P"
t_ok "day 1830: the post's audit log verifies" at_day 1830 "$TIMS" audit verify --post "$P"
t_ok "day 1830: the centre verifies" at_day 1830 "$TIMS" centre verify "$C"
t_status 2 "a retention.conf that does not parse stops the run, naming line and field" \
	sh -c "printf 'crossing.exit = 3 years\n' >'$P/retention.conf'; '$TIMS' retention run '$P' --dry-run"
t_end
