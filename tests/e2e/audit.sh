# audit.sh — the node's audit log (G5) as an auditor checks it. The events
# are made by real requests to a real node (`tims post serve` over HTTPS on
# loopback: curl, oathtool for the TOTP codes), in two sessions with a
# backup of audit.db between them; then `tims audit list` and `tims audit
# verify` read them, and copies are changed behind the program's back with
# the sqlite3 CLI (triggers dropped first, as an intruder would): each
# change must make verify exit 1 naming the event, and the rolled-back
# audit.db must stop the node from starting.
. tests/e2e/lib.sh

P=$T_TMP/post
"$TIMS" post init "$P" --origin test.example/audit-post --kind land >/dev/null 2>&1
cli_bootstrap "$P"
secret_of() { sed -n "s/^officer $1: TOTP secret //p"; }
S_OFF=$(echo "officer password 1" | "$TIMS" officer add --post "$P" ivanova --name "Maria Ivanova" --role officer | secret_of ivanova)
S_AUD=$(echo "auditor password 1" | "$TIMS" officer add --post "$P" petrov --name "Ivan Petrov" --role auditor | secret_of petrov)

SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; wait 2>/dev/null; rm -rf "$T_TMP"' EXIT
serve() {
	: >"$T_TMP/serve.out"
	"$TIMS" post serve "$P" --port 0 >"$T_TMP/serve.out" 2>"$T_TMP/serve.err" &
	SERVER=$!
	for _ in $(seq 1 100); do grep -q listening "$T_TMP/serve.out" 2>/dev/null && break; sleep 0.1; done
	URL=$(sed -n 's/^listening on //p' "$T_TMP/serve.out" | sed 's|/$||')
}
stop() { kill "$SERVER"; wait "$SERVER"; SERVER=; }
req() { # METHOD PATH TOKEN [BODY] -> "STATUS BODY"
	local args=(-s -o "$T_TMP/body" -w '%{http_code}' --cacert "$P/tls.crt" -X "$1" "$URL$2")
	[ -n "${3:-}" ] && args+=(-H "Authorization: Bearer $3")
	[ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	printf '%s %s' "$(curl "${args[@]}")" "$(cat "$T_TMP/body")"
}
login() { # ID PASSWORD SECRET BOOTH -> token
	req POST /api/v1/session "" "{\"officer\":\"$1\",\"password\":\"$2\",\"code\":\"$(oathtool --totp -b "$3")\",\"booth\":\"$4\"}" |
		sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p'
}
events() { sqlite3 "$1/audit.db" 'SELECT count(*) FROM events'; }

# Session 1: an officer checks three travellers and reads a history.
serve
t_match "session 1: the node is up" '^https://127\.0\.0\.1:[0-9]+$' "$URL"
OFF=$(login ivanova "officer password 1" "$S_OFF" B3)
t_match "session 1: an API login may not make a command-line session (booth \"cli\")" \
	'^400 .*"error":"bad_field".*booth: \\"cli\\" is reserved' \
	"$(req POST /api/v1/session "" "{\"officer\":\"ivanova\",\"password\":\"officer password 1\",\"code\":\"000000\",\"booth\":\"cli\"}")"
MRZ='P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10'
for _ in 1 2 3; do req POST /api/v1/check "$OFF" "{\"mrz\":\"$MRZ\"}" >/dev/null; done
req GET '/api/v1/history/L898902C3?purpose_code=second-line&purpose=second%20line%20interview' "$OFF" >/dev/null
stop
N1=$(events "$P")
t_ok "session 1: the requests left events (at least 4: $N1)" test "$N1" -ge 4
cp "$P/audit.db" "$T_TMP/audit.db.old"   # a backup taken between sessions

# Session 2: an auditor reads the trail, which is itself on the trail.
serve
AUD=$(login petrov "auditor password 1" "$S_AUD" A1)
t_match "session 2: the auditor reads the events over the API" '^200 .*"action":"check"' \
	"$(req GET '/api/v1/audit?count=100' "$AUD")"
stop
N=$(events "$P")
t_ok "session 2: more events ($N > $N1)" test "$N" -gt "$N1"

out=$("$TIMS" audit verify --post "$P" 2>&1); rc=$?
t_eq "verify: an untouched audit log verifies (exit 0)" 0 "$rc"
t_match "verify: counts the events and says ok" "^$P: $N audit events \\(0 erased\\), [0-9]+ checkpoints: ok$" "$out"
out=$(cli_as "$P" auditor "$TIMS" audit list --post "$P")
t_match "list: who, where, what and the status" 'check +ivanova +officer +B3 +127\.0\.0\.1 +200' "$out"
t_match "list: the stated purpose of a history read" 'history .*purpose "second-line: second line interview"' "$out"
t_match "list: what was asked" 'asked \{"document":"L898902C3"' "$out"
t_match "list: what was found and shown, with the check's id" 'shown \{"check_id":"[0-9a-f]{32}",.*"history_records":0,"hits":\[\]' "$out"
t_eq "list --from 1 --count 2: two events" 2 "$(cli_as "$P" auditor "$TIMS" audit list --post "$P" --from 1 --count 2 --json | wc -l)"
t_ok "list --json: one JSON object a line, with index and action" \
	python3 -c 'import json,sys; [json.loads(l)["action"] and json.loads(l)["index"] >= 0 for l in sys.stdin]' \
	< <(cli_as "$P" auditor "$TIMS" audit list --post "$P" --json)
t_status 2 "list: a directory that is no post is an error (exit 2)" "$TIMS" audit list --post "$T_TMP/nope"
t_status 2 "verify: an unknown option is a usage error (exit 2)" "$TIMS" audit verify --post "$P" --fix
t_ok "the triggers refuse a plain UPDATE" test "$(sqlite3 "$P/audit.db" "UPDATE events SET body = x'00' WHERE idx = 1" 2>&1 | grep -c append-only)" -eq 1
t_ok "the triggers refuse a plain DELETE" test "$(sqlite3 "$P/audit.db" 'DELETE FROM events WHERE idx = 1' 2>&1 | grep -c append-only)" -eq 1

# The auditor's own reading above is in the log too (cli.login, cli.audit.list).
N=$(sqlite3 "$P/audit.db" "SELECT count(*) FROM events")
UNLOCK="DROP TRIGGER events_no_delete; DROP TRIGGER events_no_update;
DROP TRIGGER hashes_no_delete; DROP TRIGGER hashes_no_update;
DROP TRIGGER checkpoints_no_delete; DROP TRIGGER checkpoints_no_update;"
n=0
tamper() { # NAME EXPECTED-REGEX SQL: apply SQL to a fresh copy, verify.
	n=$((n + 1))
	local W=$T_TMP/w$n out rc
	cp -r "$P" "$W"
	sqlite3 "$W/audit.db" "$UNLOCK $3" || { t_report fail "$1: sqlite3 failed"; return; }
	out=$("$TIMS" audit verify --post "$W" 2>&1); rc=$?
	t_eq "$1: verify exits 1" 1 "$rc"
	t_match "$1: named" "$2" "$out"
}
# Events are sealed (docs/formats.md, "The vault"): without the key an
# intruder can only move or break a sealed body, and both are named.
tamper "an event changed (another event's sealed body put in its place)" \
	'^event 2: its sealed event does not open \(altered, or moved from another row\)$' \
	"UPDATE events SET body = (SELECT body FROM events WHERE idx = 1) WHERE idx = 2"
tamper "an event deleted (3)" \
	'^event 3 missing: the log goes from event 2 to 4 \(deleted\)$' \
	"DELETE FROM events WHERE idx = 3"
tamper "two events swapped (1 and 4)" \
	'^event 1: out of order: it was logged at index 4 \(events swapped or reordered\)$' \
	"UPDATE events SET idx = -1 WHERE idx = 1; UPDATE events SET idx = 1 WHERE idx = 4;
	 UPDATE events SET idx = 4 WHERE idx = -1"
tamper "the last event deleted" \
	"^event $((N - 1)) missing: log has $((N - 1)) events but checkpoint [0-9]+ signs size $N \\(deleted or rolled back\\)$" \
	"DELETE FROM events WHERE idx = $((N - 1))"
tamper "an event's stored body replaced by garbage" \
	'^event 0: its sealed event does not open \(altered, or moved from another row\)$' \
	"UPDATE events SET body = x'01ff' WHERE idx = 0"
tamper "the checkpoint table emptied" \
	"^checkpoints rolled back: the checkpoint file signs size $N but audit.db.s latest checkpoint is size 0$" \
	"DELETE FROM checkpoints"

# Rolled back to the backup of session 1: consistent in itself, caught by
# audit.checkpoint outside the database; the node refuses to start on it.
R=$T_TMP/rollback
cp -r "$P" "$R"
rm -f "$R/audit.db-wal" "$R/audit.db-shm"
cp "$T_TMP/audit.db.old" "$R/audit.db"
out=$("$TIMS" audit verify --post "$R" 2>&1)
t_eq "rollback to the older copy: verify exits 1" 1 "$?"
t_match "rollback: named" "^event $N1 missing: log has $N1 events but the checkpoint file outside audit.db signs size $N \\(deleted or rolled back\\)$" "$out"
t_status 2 "rollback: the node refuses to start on it" timeout 10 "$TIMS" post serve "$R" --port 0
t_match "rollback: the refusal says why" "audit.db holds $N1 events but the audit log published a checkpoint of $N" \
	"$(timeout 10 "$TIMS" post serve "$R" --port 0 2>&1)"
t_ok "the original still verifies after all this" "$TIMS" audit verify --post "$P"
t_end
