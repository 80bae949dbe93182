# faults.sh — acknowledged means durable, and an answer never contradicts
# the log (G2, G3), under injected faults: a full disk and EIO on fsync
# (tests/lib/faultfs.c, LD_PRELOAD, switched on and off while the node
# runs), a kill between a crossing and its audit event, a lost WAL, a leftover
# temporary checkpoint file of a crashed process with the same pid, a
# damaged index page, and a post restored from an old backup that a
# witness shows was rolled back.
#
# Each case checks what the booth is answered against what the log holds
# (post.db, audit.db, tims log verify, tims audit verify).
. tests/e2e/lib.sh

FAULT_SO=$PWD/build/tests/libfaultfs.so
[ -f "$FAULT_SO" ] || make -s "$FAULT_SO" >&2 ||
	{ t_report fail "build $FAULT_SO"; t_end; exit 1; }
P=$T_TMP/post
# inside the post directory: the node confined by its sandbox reads nothing
# outside it (docs/operations.md, "Sandbox"), the fault switch included
CTL=$P/fault-ctl
SERVER=
WPID=
stop() { if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; SERVER=; fi; }
kill9() { if [ -n "$SERVER" ]; then kill -KILL "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; SERVER=; fi; }
trap 'stop; [ -n "$WPID" ] && kill "$WPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T_TMP"' EXIT
secret_of() { sed -n "s/^officer $1: TOTP secret //p"; }
wait_for() { # SECONDS CMD...: poll until CMD succeeds
	local n=$(($1 * 10)); shift
	for _ in $(seq 1 "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}
serve() { # start the node on $P with the fault library loaded
	: >"$T_TMP/serve.out"
	TIMS_FAULT_CTL=$CTL LD_PRELOAD=$FAULT_SO ASAN_OPTIONS=verify_asan_link_order=0 \
		"$TIMS" post serve "$P" --port 0 >"$T_TMP/serve.out" 2>>"$T_TMP/serve.err" &
	SERVER=$!
	wait_for 20 grep -q listening "$T_TMP/serve.out"
	URL=$(sed -n 's/^listening on //p' "$T_TMP/serve.out" | sed 's|/$||')
}
req() { # METHOD PATH [BODY] -> "STATUS BODY"
	local args=(-s -o "$T_TMP/body" -w '%{http_code}' --cacert "$P/tls.crt" -X "$1" "$URL$2")
	[ -n "${TOKEN:-}" ] && args+=(-H "Authorization: Bearer $TOKEN")
	[ -n "${3:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	printf '%s %s' "$(curl "${args[@]}")" "$(cat "$T_TMP/body")"
}
precheck() { # ID DOC: the booth's check of the traveller (audited: made
	# before a fault on audit.db, which stops every personal-data answer)
	req POST /api/v1/check "{\"manual\":$(manual_person "$2" DOE JANE 1980-01-01 UTO F)}" |
		check_id_of >"$T_TMP/ck-$1"
}
cross() { # ID DOC -> "STATUS BODY": a check, then the crossing. A retry of
	# the same ID re-sends the same check id, as a booth does; a check the
	# post no longer knows (restarted) is made again.
	local r
	[ -s "$T_TMP/ck-$1" ] || precheck "$1" "$2"
	r=$(req POST /api/v1/crossings "{\"id\":\"$1\",\"check_id\":\"$(cat "$T_TMP/ck-$1")\",\"direction\":\"entry\",\"decision\":\"admit\"}")
	case $r in
	404*check_not_usable*) precheck "$1" "$2"
		r=$(req POST /api/v1/crossings "{\"id\":\"$1\",\"check_id\":\"$(cat "$T_TMP/ck-$1")\",\"direction\":\"entry\",\"decision\":\"admit\"}") ;;
	esac
	printf '%s' "$r"
}
records() { sqlite3 "$P/post.db" "SELECT count(*) FROM records${1:+ WHERE ref = '$1'}"; }
# audit events of the crossing at INDEX (not of retries), as auditors see them
crossing_events() {
	cli_as "$P" auditor "$TIMS" audit list --post "$P" --count 100000 --json 2>/dev/null |
		grep -cE "\"action\":\"crossing\".*duplicate[^,]*false.*\"crossing\":$1}\$"
}
fault() { printf '%s\n' "$*" >"$CTL"; }
nofault() { rm -f "$CTL"; }

"$TIMS" post init "$P" --origin test.example/faults --kind land >/dev/null
cli_bootstrap "$P"
S=$(echo "officer password 1" | "$TIMS" officer add --post "$P" ivanova --name "Maria Ivanova" --role officer | secret_of ivanova)
serve
t_match "serve: started with the fault library" '^https://127' "$URL"
TOKEN=$(req POST /api/v1/session "{\"officer\":\"ivanova\",\"password\":\"officer password 1\",\"code\":\"$(oathtool --totp -b "$S")\",\"booth\":\"B1\"}" |
	sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p')
t_match "login" '^[A-Za-z0-9_-]{43}$' "$TOKEN"
t_match "a crossing with no fault: 201 at index 0" '^201 .*"index":0' "$(cross f-0 D0)"

# ---- a full disk: nothing stored, 507, and work resumes with space ----------
fault write ENOSPC post.db-wal
r=$(cross f-1 D1)
t_match "disk full (post.db): 507 storage_full, named" '^507 .*"error":"storage_full".*disk is full' "$r"
t_eq "disk full: nothing is in the log" "0" "$(records f-1)"
t_match "disk full: the process log says so" 'the disk is full' "$(cat "$T_TMP/serve.err")"
t_match "disk full: the post still acknowledges (status)" '"acknowledging":true' "$(req GET /api/v1/status)"
nofault
t_match "space again: the same registration is stored (201)" '^201 .*"index":1' "$(cross f-1 D1)"

# ---- the checkpoint file fails after the commit: registered, not 500 ----------
precheck f-2 D2 # (the audit log's own checkpoint file is a checkpoint.tmp too)
fault write ENOSPC checkpoint.tmp
r=$(cross f-2 D2)
t_match "checkpoint file full after the commit: answered registered (201, index 2)" '^201 .*"index":2' "$r"
t_eq "... and it is in the log once" "1" "$(records f-2)"
t_eq "... with its audit event" "1" "$(crossing_events 2)"
nofault
cp_is() { [ "$(sed -n 2p "$P/checkpoint")" = "$1" ]; }
t_ok "space again: the checkpoint file is rewritten within seconds (size 3)" wait_for 10 cp_is 3

# ---- the audit log fails after the commit: registered, event owed ------------
precheck f-3 D3
fault write ENOSPC audit.db-wal
r=$(cross f-3 D3)
t_match "audit.db full after the commit: answered registered (201, index 3)" '^201 .*"index":3' "$r"
t_eq "... the audit event is kept with the record (owed in post.db)" "1" \
	"$(sqlite3 "$P/post.db" 'SELECT count(*) FROM audit_owed WHERE idx = 3')"
# No trace, no answer: checks made together share an audit commit; when it
# fails, each of them answers 507 (the disk is full: the operator's to fix)
# and nothing of the traveller.
pids=
for i in 1 2 3 4; do
	req POST /api/v1/check "{\"manual\":$(manual_person "NT00$i" NOTRACE JANE 1980-01-01 UTO F)}" \
		>"$T_TMP/nt-$i" &
	pids="$pids $!"
done
wait $pids
nt=$(cat "$T_TMP"/nt-[1-4])
# (each is a 507; one in four runs under load once gave a 500 without a body,
# the cause not yet found (issue 14 note) — never an answer with data)
t_eq "audit.db full: 4 checks at once each answer 507 (no trace, no answer)" "4" \
	"$(grep -lE '^507( |$)' "$T_TMP"/nt-[1-4] | wc -l)"
t_ok "... at least one says storage_full" grep -qlE '^507 .*"error":"storage_full"' "$T_TMP"/nt-1 "$T_TMP"/nt-2 "$T_TMP"/nt-3 "$T_TMP"/nt-4
t_eq "... with nothing of the traveller" "0" "$(printf '%s' "$nt" | grep -cE 'NOTRACE|NT00')"
nofault
events_are() { [ "$(crossing_events "$1")" = "$2" ]; }
t_ok "space again: the owed event reaches audit.db within seconds" wait_for 10 events_are 3 1

# ---- killed between the record and its audit event --------------------------
precheck f-4 D4
fault write ENOSPC audit.db-wal
r=$(cross f-4 D4)
t_match "audit.db full again: 201 at index 4" '^201 .*"index":4' "$r"
kill9
nofault
t_eq "killed before the event was appended: it is owed in post.db" "1" \
	"$(sqlite3 "$P/post.db" 'SELECT count(*) FROM audit_owed WHERE idx = 4')"
t_eq "... and not in audit.db" "0" "$(crossing_events 4)"
serve
t_eq "restarted: the owed event is appended at start, once" "1" "$(crossing_events 4)"
t_match "restarted: the process log says so" 'owed by crossings appended at start' "$(cat "$T_TMP/serve.err")"
t_match "the booth's retry (same id) is a duplicate, not a second record" '^200 .*"index":4.*"duplicate":true' "$(cross f-4 D4)"
t_eq "... one record with that id" "1" "$(records f-4)"
stop
serve
t_eq "another restart appends nothing twice" "1" "$(crossing_events 4)"

# ---- fsync fails: stop acknowledging until restarted --------------------------
fault fsync EIO post.db-wal
r=$(cross f-5 D5)
t_match "fsync EIO: 503 not_confirmed (never 'not registered': it may be stored)" '^503 .*"error":"not_confirmed"' "$r"
t_match "fsync EIO: the process log says HALTED and why" 'HALTED: .*(fsync|I/O|disk I/O)' "$(cat "$T_TMP/serve.err")"
st=$(req GET /api/v1/status)
t_match "fsync EIO: status says not acknowledging, and why" '"acknowledging":false.*"halted":\{.*"reason":"[^"]+".*"until":"restart"' "$st"
nofault
t_match "the fault gone: still not acknowledging until restarted" '^503 .*"error":"halted"' "$(cross f-6 D6)"
t_eq "... nothing written for it" "0" "$(records f-6)"
t_match "/metrics: tims_halted 1" 'tims_halted 1' "$(curl -s --cacert "$P/tls.crt" "$URL/metrics")"
stop
serve
r=$(cross f-5 D5)
t_match "restarted: the unconfirmed registration, retried, is answered registered" '^20[01] ' "$r"
t_eq "... and stored exactly once" "1" "$(records f-5)"
t_match "restarted: acknowledging again" '"acknowledging":true,"halted":null' "$(req GET /api/v1/status)"
stop
t_ok "after all faults: tims log verify" "$TIMS" log verify --post "$P"
t_ok "after all faults: tims audit verify" "$TIMS" audit verify --post "$P"
n=$(records)
ev=$(for i in $(seq 0 $((n - 1))); do crossing_events "$i"; done | sort | uniq -c | tr -s ' ')
t_eq "every crossing in the log has its audit event, once" " $n 1" "$ev"

# ---- a leftover checkpoint.tmp.PID of a crashed process with the same pid -----
leftover() { # a process whose pid is the leftover's: bash execs into tims
	cli_as "$P" officer bash -c 'touch "$1/checkpoint.tmp.$$"; exec "$2" cross --post "$1" \
		--doc-number L1 --surname LEFT --direction entry --booth B1' _ "$P" "$TIMS"
}
t_status 0 "a leftover checkpoint.tmp of the same pid: the crossing and its checkpoint succeed" leftover
# ---- a post.db whose WAL vanished: refused, and said so ------------------------
serve
cross f-w1 W1 >/dev/null; cross f-w2 W2 >/dev/null
kill9                                      # the two records are in post.db-wal only
cp -a "$P" "$T_TMP/walless"
rm -f "$T_TMP/walless/post.db-wal" "$T_TMP/walless/post.db-shm"
out=$(timeout 20 "$TIMS" post serve "$T_TMP/walless" --port 0 2>&1); rc=$?
t_eq "post.db whose WAL vanished: post serve refuses to start" 2 "$rc"
t_match "... and says so" 'holds [0-9]+ records but the post published a checkpoint of [0-9]+ \(rolled back, or its WAL lost\?\)' "$out"

touch "$P/checkpoint.tmp.4194999"
serve
t_eq "post serve removes leftovers of dead processes at start" "" "$(ls "$P" | grep 'checkpoint\.tmp' || true)"
stop

# ---- a damaged index page: verify names it, nothing writes to it --------------
D=$T_TMP/damaged
cp -a "$P" "$D"
page=$(sqlite3 "$D/post.db" 'PRAGMA page_size')
root=$(sqlite3 "$D/post.db" "SELECT rootpage FROM sqlite_master WHERE name = 'records_doc'")
python3 - "$D/post.db" "$page" "$root" <<'PY'
import sys
path, page, root = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, 'r+b') as f:
    f.seek((root - 1) * page)
    b = bytearray(f.read(page))
    import re                  # a key (a blind index of a document number,
    m = re.search(rb'[0-9a-f]{64}', bytes(b))  # 64 hex digits) in the index page
    assert m, 'no key found in the index page'
    i = m.start()
    b[i:i + 2] = b'zz'         # the index now disagrees with its table
    f.seek((root - 1) * page)
    f.write(b)
PY
out=$("$TIMS" log verify --post "$D" 2>&1); rc=$?
t_eq "damaged index page: tims log verify exits 1" 1 "$rc"
t_match "damaged index page: named as SQLite names it" 'post.db is damaged \(SQLite integrity_check\): .*records_doc' "$out"
t_status 2 "damaged index page: post serve refuses to start on it" timeout 20 "$TIMS" post serve "$D" --port 0
t_match "damaged index page: the refusal says why" 'post.db is damaged .*refusing to write' \
	"$(timeout 20 "$TIMS" post serve "$D" --port 0 2>&1)"
before=$(sqlite3 "$D/post.db" 'SELECT count(*) FROM records')
cli_as "$D" officer "$TIMS" cross --post "$D" --doc-number X1 --surname X --direction entry --booth B1 >/dev/null 2>&1
t_eq "damaged index page: tims cross writes nothing" "$before" "$(sqlite3 "$D/post.db" 'SELECT count(*) FROM records')"

# ---- rolled back to an old backup: a witness shows it, the post stops ---------
W=$T_TMP/witness
"$TIMS" witness init "$W" --name witness.test/faults >/dev/null
"$TIMS" witness add-log "$W" --vkey "$P/post.vkey" >/dev/null
"$TIMS" witness serve "$W" --listen 127.0.0.1:0 >"$T_TMP/w.out" 2>"$T_TMP/w.err" &
WPID=$!
wait_for 20 grep -q 'listening on' "$T_TMP/w.out"
WURL=$(grep -o 'https://127\.0\.0\.1:[0-9]*' "$T_TMP/w.out")
"$TIMS" post add-witness "$P" --url "$WURL" --ca "$W/tls.crt" --vkey "$W/witness.vkey" >/dev/null
cp -a "$P" "$T_TMP/backup"                 # the old backup
serve
cross f-7 D7 >/dev/null; cross f-8 D8 >/dev/null
size=$(records)
wit() { "$TIMS" witness list "$W" | grep -q "size $size "; }
t_ok "the witness cosigns the post's log (size $size)" wait_for 30 wit
stop
mv "$P" "$T_TMP/true"
cp -a "$T_TMP/backup" "$P"                 # restored from the old backup
serve
halted() { req GET /api/v1/status | grep -q '"acknowledging":false'; }
t_ok "restored from an old backup: the witness's refusal halts the post" wait_for 30 halted
t_match "... status says why and how it ends" '"halted":\{.*"reason":"witness .*rolled back.*"until":"resolved"' "$(req GET /api/v1/status)"
before=$(records)
t_match "... a registration is refused: 503 halted" '^503 .*"error":"halted"' "$(cross f-9 D9)"
t_eq "... and nothing is added to the rolled-back log" "$before" "$(records)"
t_ok "... the halt is kept in DIR/halted" test -f "$P/halted"
stop
serve
t_match "a restart does not clear it" '^503 .*"error":"halted"' "$(cross f-9 D9)"
stop
out=$("$TIMS" post resolve-rollback "$P" --reason "restored from the centre" 2>&1); rc=$?
t_eq "resolve-rollback refuses while the log holds less than the witness saw" 1 "$rc"
t_match "... and says what to do" "holds $before records but a peer holds $size .*restore it first" "$out"
# The operator restores the log (here: the true post.db, as
# `tims post restore --from-centre` would rebuild it) and resolves. The
# backup rolled the audit log back as well, and post.db records how far the
# true one was published (docs/audit.md): the true audit log comes back with
# it, and the one the halted run wrote on the backup's is kept aside for the
# auditors.
mkdir "$T_TMP/halted-audit" && mv "$P"/audit.db* "$P/audit.checkpoint" "$T_TMP/halted-audit/"
# (keys.db too: the records the backup lacks are sealed under a data key
# only the true keys.db holds)
cp "$T_TMP/true/post.db" "$T_TMP/true/checkpoint" "$T_TMP"/true/audit.db* "$T_TMP/true/audit.checkpoint" \
	"$T_TMP/true/keys.db" "$P/"
rm -f "$P/post.db-wal" "$P/post.db-shm"
out=$("$TIMS" post resolve-rollback "$P" --reason "restored from the centre" 2>&1)
t_match "resolve-rollback: the restored log verifies and the resolution is audited" "^resolved: the log holds $size records" "$out"
t_match "... the audit event names the admin logged in, action and reason" '"actor":"cli-admin".*"action":"post.resolve-rollback".*"purpose":"restored from the centre"' \
	"$(cli_as "$P" auditor "$TIMS" audit list --post "$P" --json 2>/dev/null | grep post.resolve-rollback)"
t_ok "... DIR/halted is gone" test ! -f "$P/halted"
serve
t_match "resolved: the post acknowledges again" "^201 .*\"index\":$size" "$(cross f-10 D10)"
stop
t_eq "no sanitizer report from the node (with TIMS=build/asan/tims)" "" \
	"$(grep -E 'Sanitizer|runtime error' "$T_TMP/serve.err")"
t_end
