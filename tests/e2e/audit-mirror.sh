# audit-mirror.sh — the insider who deletes a post's audit trail (issue 15,
# "The audit trail leaves the host"). A post pushes its audit log to the
# centre and to a witness as it pushes its crossings. Then, at the stopped
# post, audit.db* and audit.checkpoint are deleted: the post refuses to
# start (post.db records the log it published) and names the reset; the
# insider deletes that record too and starts it anyway: the centre refuses
# the fresh log and raises a severe alert within a round, the witness
# refuses to cosign it, the post's status shows both, the centre's mirror is
# untouched. One person cannot reset the log (not alone, not two admins);
# an admin and an auditor can: the new log starts with an audit.reset event
# naming both and the old checkpoint, the centre keeps the old mirror
# (archived) and accepts the new log, with an alert to acknowledge.
# The post's rounds are 100 ms; every wait is a bounded poll.
. tests/e2e/lib.sh

C=$T_TMP/centre W=$T_TMP/witness P=$T_TMP/post
ORIGIN=bg.example/audit-post
MIRROR="$C/mirror/bg.example%2Faudit-post.audit.db"

CPORT=$(free_port)
CURL_=https://127.0.0.1:$CPORT
"$TIMS" centre init "$C" --name tims-centre >/dev/null
cli_bootstrap "$C" || echo "# cli_bootstrap of the centre failed"
"$TIMS" witness init "$W" --name witness.example/w1 >/dev/null
"$TIMS" centre serve "$C" --port "$CPORT" >"$T_TMP/centre.out" 2>>"$T_TMP/centre.log" &
CENTRE=$!
PIDS+=("$CENTRE")
"$TIMS" witness serve "$W" --listen 127.0.0.1:0 >"$T_TMP/witness.out" 2>>"$T_TMP/witness.log" &
PIDS+=("$!")
wait_line "$T_TMP/centre.out" "listening on" && wait_line "$T_TMP/witness.out" "listening on"
t_eq "centre and witness serve" 0 $?
WURL=$(sed -n 's/.* listening on //p' "$T_TMP/witness.out")

# The centre's own audit log goes to the witness too.
t_ok "the witness trusts the centre's audit key" "$TIMS" witness add-log "$W" --vkey "$C/audit.vkey"
t_ok "the centre sends its audit checkpoints to the witness" \
	"$TIMS" centre audit-witness "$C" --url "$WURL" --ca "$W/tls.crt" --vkey "$W/witness.vkey"

"$TIMS" post init "$P" --origin "$ORIGIN" --kind land >/dev/null
"$TIMS" centre enrol-post "$C" audit-post --vkey "$P/post.vkey" --url "$CURL_" --out "$T_TMP/enrol" >/dev/null
cli_bootstrap "$P" || echo "# cli_bootstrap failed"
"$TIMS" post enrol "$P" --from "$T_TMP/enrol" >/dev/null
t_ok "the witness trusts the post's key for its audit log too" \
	"$TIMS" witness add-log "$W" --vkey "$P/post.vkey" --audit
"$TIMS" post add-witness "$P" --url "$WURL" --ca "$W/tls.crt" --vkey "$W/witness.vkey" >/dev/null
printf 'interval_ms = 100\nwitness_timeout_ms = 3000\n' >"$P/sync.conf"
# The people: an auditor (logged in now, while logins can be audited) and a
# second admin.
cli_as "$P" auditor true || echo "# no auditor session"
ADM2=$(printf '%s\n' "$CLI_PASSWORD" | "$TIMS" officer add --post "$P" adm2 --name "Admin 2" \
	--role admin 2>&1 | sed -n 's/.*TOTP secret \([A-Z2-7]*\).*/\1/p')

start_node() {
	: >"$T_TMP/post.out"
	"$TIMS" post serve "$P" --port 0 >"$T_TMP/post.out" 2>>"$T_TMP/post.log" &
	NODE=$!
	PIDS+=("$NODE")
	wait_line "$T_TMP/post.out" "listening on" 100
	URL=$(sed -n 's/^listening on //p' "$T_TMP/post.out" | sed 's|/$||')
}
stop_node() { kill "$NODE" 2>/dev/null; wait "$NODE" 2>/dev/null; }
# The status route wants a person: the auditor's session (tims login).
status() {
	curl -s --max-time 5 --cacert "$C/ca.crt" -H "Authorization: Bearer $(cat "$CLI_CACHE/$(_cli_key "$P")-cli-auditor.token")" \
		"$URL/api/v1/status"
}
audit_at_post() { sqlite3 "$P/audit.db" 'SELECT count(*) FROM events'; }
audit_at_centre() { sqlite3 -readonly "$MIRROR" 'SELECT count(*) FROM entries' 2>/dev/null || echo 0; }
audit_signed_at_centre() {
	sqlite3 -readonly "$MIRROR" 'SELECT coalesce(max(size), 0) FROM checkpoints' 2>/dev/null || echo 0
}
witness_audit_size() {
	sqlite3 "$W/witness.db" "SELECT size FROM logs WHERE origin = '$ORIGIN/audit'" 2>/dev/null
}
open_alerts() { # KIND-PATTERN: unacknowledged alerts of the post at the centre
	sqlite3 "$C/centre.db" "SELECT kind FROM alerts WHERE origin = '$ORIGIN' AND kind LIKE '$1'
		AND acked_ms IS NULL ORDER BY kind"
}
failed_logins() { # N: audited requests (a login that fails is an audit event)
	local k
	for k in $(seq "$1"); do
		curl -s -o /dev/null --cacert "$C/ca.crt" -H 'Content-Type: application/json' \
			--data-binary '{"officer":"nobody","password":"x","code":"000000","booth":"B1"}' \
			"$URL/api/v1/session"
	done
}
# All of the post's audit log at the centre, cosigned, and at the witness.
mirrored() {
	local n
	n=$(audit_at_post)
	[ "$n" -gt 0 ] && [ "$(audit_at_centre)" -ge "$n" ] &&
		[ "$(status | jq -r '.centre.audit.centre_signed_size')" -ge "$n" ] &&
		[ "$(witness_audit_size)" -ge 1 ]
}

# Two crossings, so that the centre holds a signed log of the post to read back.
for i in 1 2; do
	printf '{"id":"am-%d","direction":"entry","officer":"O1","booth":"B1","person":{"number":"AM%d","surname":"DOE"}}\n' "$i" "$i"
done >"$T_TMP/in.jsonl"
cli_as "$P" supervisor "$TIMS" cross import --post "$P" "$T_TMP/in.jsonl" >/dev/null 2>&1 || echo "# cross import failed"

# ---- the audit log leaves the host --------------------------------------------
start_node
failed_logins 3
t_ok "the post's audit log is mirrored at the centre, cosigned, and witnessed" \
	wait_for 75 mirrored
t_eq "the centre keeps it in mirror/<escaped origin>.audit.db" yes "$([ -f "$MIRROR" ] && echo yes)"
t_match "the post keeps the centre's cosignature of its audit checkpoint" '^[1-9]' \
	"$(sqlite3 "$P/post.db" "SELECT max(size) FROM cosigned WHERE cosigner = 'audit:tims-centre'")"
t_eq "the centre's mirror verifies event by event against the post's signed tree" \
	"$(sqlite3 "$P/audit.db" 'SELECT hex(entry) FROM events ORDER BY idx LIMIT 3')" \
	"$(sqlite3 -readonly "$MIRROR" 'SELECT hex(entry) FROM entries ORDER BY idx LIMIT 3')"
# A post's log read back through the centre is in the centre's audit log
# (the peer, the range, how many records) before the answer leaves.
code=$(curl -s -o "$T_TMP/export" -w '%{http_code}' --cacert "$P/centre/ca.crt" \
	--cert "$P/centre/client.crt" --key "$P/centre/client.key" \
	"$CURL_/api/v1/sync/export?from=0&count=5")
t_eq "GET /api/v1/sync/export answers the post its own log" 200 "$code"
t_match "... and the centre's audit log says who read which range and how much" \
	'"actor":"bg.example/audit-post".*"action":"sync.export".*\\"count\\":5.*\\"from\\":0.*\\"records\\":2' \
	"$(cli_as "$C" auditor "$TIMS" audit list --centre "$C" --json 2>&1 | grep sync.export | tail -1)"
centre_witnessed() {
	[ "$(sqlite3 -readonly "$W/witness.db" "SELECT size FROM logs WHERE origin = 'tims-centre/audit'")" -ge 1 ] 2>/dev/null &&
		[ "$(sqlite3 -readonly "$C/centre.db" 'SELECT count(*) FROM audit_cosigned')" -ge 1 ] 2>/dev/null
}
t_ok "the witness cosigned the centre's audit log, the centre keeps the cosignature" \
	wait_for 75 centre_witnessed
stop_node
HELD=$(audit_at_centre)
SIGNED=$(audit_signed_at_centre)

# ---- the insider deletes the audit trail at the stopped post -------------------
rm -f "$P"/audit.db* "$P/audit.checkpoint"
out=$(timeout 20 "$TIMS" post serve "$P" --port 0 2>&1)
t_eq "audit files deleted: the post refuses to start" 2 "$?"
t_match "... and says what is missing and how to reset" \
	'audit\.db is missing; post\.db records the audit log published up to [0-9]+ events.*tims audit reset' "$out"
t_ok "... and starts no new audit log" test ! -e "$P/audit.db"
t_status 1 "tims audit verify names it" "$TIMS" audit verify --post "$P"

# The insider deletes post.db's record too and starts the post anyway.
sqlite3 "$P/post.db" 'DROP TABLE audit_published'
start_node
failed_logins 1
t_ok "forced fresh audit log: a severe alert at the centre within a round" \
	wait_for 100 test -n "$(open_alerts 'audit-%')"
t_match "... audit-rollback or audit-fork" '^audit-(rollback|fork)' "$(open_alerts 'audit-%' | head -1)"
t_ok "... severe: shown on the dashboard's alerts panel" \
	test -n "$(sqlite3 "$C/centre.db" "SELECT id FROM alerts WHERE kind IN ('audit-rollback','audit-fork')")"
has_audit_error() { status | jq -e '.centre.audit.last_error | test("deleted, reset or rolled back|refused")' >/dev/null; }
t_ok "the post's status shows the centre refused its audit log" wait_for 100 has_audit_error
witness_refused() {
	status | jq -e '.centre.witnesses[0].audit_last_error | length > 0' >/dev/null
}
t_ok "the witness refuses the fresh audit log, and the status shows it" wait_for 75 witness_refused
t_ok "the witness kept the refused request" \
	test "$(sqlite3 "$W/witness.db" "SELECT count(*) FROM refusals WHERE origin = '$ORIGIN/audit'")" -ge 1
t_eq "the centre's mirror is untouched" "$HELD/$SIGNED" "$(audit_at_centre)/$(audit_signed_at_centre)"
stop_node

# ---- the reset takes two people of two roles -----------------------------------
t_ok "an admin requests a reset" "$TIMS" audit reset --post "$P" --request --reason "disk replaced"
t_status 1 "the same admin cannot approve it" "$TIMS" audit reset --post "$P" --approve
out=$(printf '%s\n%s\n' "$CLI_PASSWORD" "$(oathtool --totp -b "$ADM2")" |
	"$TIMS" audit reset --post "$P" --approve --officer adm2 2>&1)
t_eq "another admin (password and code on stdin) cannot approve it either" 1 "$?"
t_match "... refused for the role" 'takes an auditor' "$out"
t_ok "nothing was reset: the request still pending, no old log archived" \
	sh -c "test -e '$P/audit.reset-request' && ! ls '$P'/audit.reset-*.db 2>/dev/null"
out=$(cli_as "$P" auditor "$TIMS" audit reset --post "$P" --approve 2>&1)
t_eq "an auditor approves: the reset is done" 0 "$?"
t_match "... naming both people and the old log" \
	'requested by cli-admin \(admin\), approved by cli-auditor \(auditor\).*kept as audit\.reset-' "$out"
first=$(sqlite3 "$P/audit.db" 'SELECT count(*) FROM events')
t_eq "the new audit log holds the reset event only" 1 "$first"
t_match "its first event is audit.reset with both people and the old checkpoint" \
	'"action":"audit\.reset".*approved_by.*cli-auditor.*held.*size.*requested_by.*cli-admin' \
	"$(cli_as "$P" auditor "$TIMS" audit list --post "$P" --json 2>&1 | head -1)"
t_ok "the old audit files are kept" sh -c "ls '$P'/audit.reset-*.db >/dev/null"
t_ok "the node starts again" "$TIMS" audit verify --post "$P"

start_node
reset_seen() {
	[ -n "$(open_alerts 'audit-reset')" ] && ls "$C"/mirror/*audit.reset-*.db >/dev/null 2>&1
}
t_ok "the centre hears of the reset: a severe alert, the old mirror archived" wait_for 75 reset_seen
t_eq "the archived mirror keeps the old log's events" "$HELD" \
	"$(sqlite3 "$(ls "$C"/mirror/*audit.reset-*.db | head -1)" 'SELECT count(*) FROM entries')"
accepted() { n=$(audit_at_post); [ "$(audit_at_centre)" -ge "$n" ] && [ "$n" -ge 1 ] &&
	[ "$(status | jq -r '.centre.audit.last_error // ""')" = "" ]; }
t_ok "the centre accepts the new audit log" wait_for 75 accepted
stop_node

# The centre too: its audit files deleted, it refuses to start.
kill "$CENTRE"; wait "$CENTRE" 2>/dev/null
rm -f "$C"/audit.db* "$C/audit.checkpoint"
out=$(timeout 20 "$TIMS" centre serve "$C" --port "$(free_port)" 2>&1)
t_eq "the centre's audit files deleted: it refuses to start" 2 "$?"
t_match "... naming what is missing and how to reset" \
	'audit\.db is missing; centre\.db records the audit log published.*tims audit reset' "$out"
t_end
