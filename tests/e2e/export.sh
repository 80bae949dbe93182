# export.sh — two people for bulk export (docs/export.md), against a real
# centre and one post on loopback. The post's booth registers 10 entries,
# which reach the centre's query store; the centre lets one person take 8
# rows of personal data a day (export.conf). Then: one person's bulk query
# and paging through `present` past the limit are refused (CLI exit 1, API
# 403 export_needs_approval) and audited; an analyst asks for the whole
# present list, sealed to a recipient key; the requester and a second
# analyst cannot approve it, a supervisor does; a replayed approval and a
# fetch by anyone but the requester are refused; the sealed file opens with
# the recipient's key only and its SHA-256 is in the centre's audit log
# with both people; an expired request cannot be approved. The API does
# the same for a supervisor's request.
. tests/e2e/lib.sh

C=$T_TMP/centre
P=$T_TMP/post-a
PW=$CLI_PASSWORD
secret_of() { sed -n "s/.*TOTP secret \([A-Z2-7]*\).*/\1/p"; }

"$TIMS" centre init "$C" --name tims-centre >/dev/null
printf 'rows_per_day = 8\nrequest_ttl_s = 3600\n' >"$C/export.conf"
cli_bootstrap "$C" || { t_report fail "setup: the centre's first admin"; t_end; exit 1; }
CK=$(_cli_key "$C")
for who in ana:analyst ann:analyst sam:supervisor apisup:supervisor; do
	id=${who%%:*}
	printf '%s\n' "$PW" | "$TIMS" officer add --post "$C" "$id" --name "Person $id" \
		--role "${who#*:}" 2>&1 | secret_of >"$CLI_CACHE/$CK-$id.secret"
done
ANA=$(cli_login "$C" ana --print-token)
ANN=$(cli_login "$C" ann --print-token)
SAM=$(cli_login "$C" sam --print-token)
t_ok "setup: two analysts and a supervisor are logged in at the centre" \
	test -n "$ANA" -a -n "$ANN" -a -n "$SAM"

start_centre() {
	: >"$T_TMP/centre.out"
	"$TIMS" centre serve "$C" --port "$CPORT" >"$T_TMP/centre.out" 2>>"$T_TMP/centre.log" &
	CPID=$!
	PIDS+=("$CPID")
	wait_line "$T_TMP/centre.out" "listening on"
}
CPORT=$(free_port)
start_centre
CURL_=$(sed -n 's/.* listening on //p' "$T_TMP/centre.out")

"$TIMS" post init "$P" --origin "bg.example/post-a" --kind land >/dev/null
cli_bootstrap "$P" >/dev/null 2>&1
B_SECRET=$(echo "booth password 1" | "$TIMS" officer add --post "$P" booth1 --name "Booth one" \
	--role officer 2>&1 | secret_of)
"$TIMS" centre enrol-post "$C" post-a --vkey "$P/post.vkey" --url "$CURL_" --out "$T_TMP/enrol" >/dev/null
"$TIMS" post enrol "$P" --from "$T_TMP/enrol" >/dev/null
"$TIMS" post serve "$P" --port 0 >"$T_TMP/post.out" 2>"$T_TMP/post.log" &
PIDS+=($!)
wait_line "$T_TMP/post.out" "listening on"
PURL=$(sed -n 's/^listening on //p' "$T_TMP/post.out" | sed 's|/$||')
TOKEN=$(preq POST /api/v1/session "{\"officer\":\"booth1\",\"password\":\"booth password 1\",\"code\":\"$(oathtool --totp -b "$B_SECRET")\",\"booth\":\"B1\"}" |
	sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
ACK=0
traffic 10 EXP
t_eq "setup: 10 entries registered at the post's booth" 10 "$ACK"
TOKEN=
in_store() {
	curl -s --cacert "$C/ca.crt" "$CURL_/api/v1/centre/status" | grep -q '"size": *10\|"size":10'
}
wait_for 150 in_store
t_ok "setup: the 10 crossings reached the centre" in_store

# `tims centre query` named its actor with --actor before the CLI knew
# who is typing; with a session the session says who it is.
actor() { if "$TIMS" centre --help | grep -q -- '--actor NAME'; then echo "--actor $1"; fi; }
query() { # TOKEN ACTOR ARGS...
	local tok=$1 who=$2
	shift 2
	# shellcheck disable=SC2046
	TIMS_SESSION=$tok "$TIMS" centre query "$C" "$@" $(actor "$who") --purpose "daily report"
}

# --- one person alone: the daily limit -------------------------------------
out=$(query "$ANA" ana present --limit 5 2>&1)
t_match "limit: an analyst's first page of present (5 rows of 8) is answered" '"total": 10' "$out"
out=$(query "$ANA" ana present --offset 5 --limit 5 2>&1); rc=$?
t_eq "paging: the next page would make 10 rows of 8: refused, exit 1" 1 "$rc"
t_match "paging: the refusal names the limit and the way out" \
	'export limit: 5 rows .*5 of the 8 .*two-person export' "$out"
out=$(query "$SAM" sam present --limit 100 2>&1); rc=$?
t_eq "limit: one query for all 10 present is refused to a supervisor too (exit 1)" 1 "$rc"
t_status 1 "paging with smaller pages gets no further (offset 5, limit 3 + 1)" \
	query "$ANA" ana present --offset 5 --limit 4

# a search by name counts every person it shows: 10 documents of PETROV
# IVAN are 10 rows, over the 8 (a spelling of the name finds them all)
out=$(query "$ANN" ann search --surname Petroff --given Ivan --limit 100 2>&1); rc=$?
t_eq "search by name: 10 persons shown would pass the 8: refused, exit 1" 1 "$rc"
t_match "search by name: the refusal counts the 10 persons shown" \
	'export limit: 10 rows .*0 of the 8 .*two-person export' "$out"
out=$(query "$ANN" ann search --surname Petroff --given Ivan --limit 3 2>&1)
t_eq "search by name: 3 of them shown are answered, and charged 3" 3 \
	"$(printf '%s' "$out" | grep -c '"document"')"
out=$(query "$ANN" ann search --surname Petrov --given Ivan --limit 6 2>&1); rc=$?
t_match "search by name: 6 more would make 9 of 8: refused, naming the 3 taken" \
	'export limit: 6 rows .*3 of the 8' "$out"

# the dashboard's search counts against the same limit
api() { # METHOD PATH TOKEN [BODY]: prints the body, then the status on the last line
	local args=(-s -w '\n%{http_code}' --cacert "$C/ca.crt" -X "$1" "$CURL_$2")
	[ -n "$3" ] && args+=(-H "Authorization: Bearer $3")
	[ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	curl "${args[@]}"
}
APISUP=$(api POST /api/v1/session "" "{\"officer\":\"apisup\",\"password\":\"$PW\",\"code\":\"$(oathtool --totp -b "$(cat "$CLI_CACHE/$CK-apisup.secret")")\"}" |
	sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
codes=
for k in 1 2 3 4 5 6 7 8 9; do
	codes="$codes $(api POST /api/v1/dashboard/search "$APISUP" "{\"kind\":\"document\",\"doc\":\"EXP$k\",\"purpose\":\"case 2026/55\"}" | tail -1)"
done
t_eq "API: 8 searches of one row each are answered, the 9th is refused 403" \
	" 200 200 200 200 200 200 200 200 403" "$codes"
# the count is in centre.db: a restart of the centre does not reset it
kill "$CPID"; wait "$CPID" 2>/dev/null
start_centre
t_match "API: after a restart of the centre the refusal stands: export_needs_approval, naming the limit" \
	'"error":"export_needs_approval".*of the 8' \
	"$(api POST /api/v1/dashboard/search "$APISUP" '{"kind":"document","doc":"EXP1","purpose":"case 2026/55"}')"

# --- two people --------------------------------------------------------------
"$TIMS" export keygen --out "$T_TMP/rcpt.key" >/dev/null
"$TIMS" export keygen --out "$T_TMP/other.key" >/dev/null
t_ok "keygen: the recipient's secret key is 0600" test "$(stat -c %a "$T_TMP/rcpt.key")" = 600
req=$(TIMS_SESSION=$ANA "$TIMS" centre export request "$C" --kind present \
	--purpose "ministry request 2026/7" --recipient "$T_TMP/rcpt.key.pub" 2>/dev/null)
ID=$(printf '%s' "$req" | sed -n 's/.*"id": "\([0-9a-f]*\)".*/\1/p')
t_match "request: an analyst asks for the present list: pending" '"state": "pending"' "$req"
out=$(TIMS_SESSION=$ANA "$TIMS" centre export approve "$C" "$ID" 2>&1); rc=$?
t_eq "approve: the requester approving their own request is refused (exit 1)" 1 "$rc"
t_match "approve: ... saying so" 'you asked for it' "$out"
out=$(TIMS_SESSION=$ANN "$TIMS" centre export approve "$C" "$ID" 2>&1); rc=$?
t_eq "approve: a second analyst (the same role) is refused (exit 1)" 1 "$rc"
t_match "approve: ... another role approves" 'another role' "$out"
t_status 1 "fetch: nothing to fetch before approval" \
	env TIMS_SESSION="$ANA" "$TIMS" centre export fetch "$C" "$ID" --out "$T_TMP/early.sealed"
t_status 1 "approve: an admin (reads no personal data) may not approve" \
	"$TIMS" centre export approve "$C" "$ID"
out=$(TIMS_SESSION=$SAM "$TIMS" centre export approve "$C" "$ID" 2>&1)
t_match "approve: a supervisor approves: 10 rows sealed" '"rows": 10' "$out"
SHA=$(printf '%s' "$out" | sed -n 's/.*"sealed_sha256": "\([0-9a-f]*\)".*/\1/p')
t_status 1 "approve: a replayed approval is refused" \
	env TIMS_SESSION="$SAM" "$TIMS" centre export approve "$C" "$ID"
t_status 1 "fetch: the approver cannot fetch it" \
	env TIMS_SESSION="$SAM" "$TIMS" centre export fetch "$C" "$ID" --out "$T_TMP/sam.sealed"
t_status 1 "fetch: nor the other analyst" \
	env TIMS_SESSION="$ANN" "$TIMS" centre export fetch "$C" "$ID" --out "$T_TMP/ann.sealed"
t_ok "fetch: the requester fetches the sealed file" \
	env TIMS_SESSION="$ANA" "$TIMS" centre export fetch "$C" "$ID" --out "$T_TMP/x.sealed"
t_eq "fetch: the file's SHA-256 is the one approved" "${SHA:-none}" "$(sha256sum "$T_TMP/x.sealed" | cut -c1-64)"
t_status 1 "fetch: a second fetch is refused (once)" \
	env TIMS_SESSION="$ANA" "$TIMS" centre export fetch "$C" "$ID" --out "$T_TMP/y.sealed"
t_status 1 "open: another key does not open it" \
	"$TIMS" export open --key "$T_TMP/other.key" "$T_TMP/x.sealed"
t_ok "open: the sealed file shows no traveller" \
	sh -c "test -s '$T_TMP/x.sealed' && ! grep -q -e EXP1 -e PETROV '$T_TMP/x.sealed'"
plain=$("$TIMS" export open --key "$T_TMP/rcpt.key" "$T_TMP/x.sealed")
t_eq "open: the recipient's key opens all 10 travellers" 10 \
	"$(printf '%s' "$plain" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["result"]["present"]))')"
cp "$T_TMP/x.sealed" "$T_TMP/t.sealed"
printf 'x' | dd of="$T_TMP/t.sealed" bs=1 seek=100 conv=notrunc 2>/dev/null
t_status 1 "open: a sealed file with one byte changed does not open" \
	"$TIMS" export open --key "$T_TMP/rcpt.key" "$T_TMP/t.sealed"
AUD=$(cli_as "$C" auditor "$TIMS" audit list --centre "$C" --json 2>&1)
ev=$(printf '%s\n' "$AUD" | grep '"export.approve"' | grep "$SHA")
t_match "audit: the approval holds the sealed file's SHA-256, both people and the purpose" \
	'"actor":"sam".*ministry request 2026/7' "$(printf '%s' "$ev" | tr -d '\\')"
t_match "audit: ... the requester and the row count" '"requested_by":"ana".*"rows":10' \
	"$(printf '%s' "$ev" | tr -d '\\' | sed 's/"params":{[^}]*}//')"
t_match "audit: the refusals are recorded (limit, own approval, fetch by another)" \
	'export_needs_approval' "$(printf '%s\n' "$AUD" | grep '"national.present"' | grep '403')"
t_eq "audit: ... the refused approvals and fetches (7)" 7 \
	"$(printf '%s\n' "$AUD" | grep -E '"export\.(approve|fetch)"' | grep -cE '"status":(403|409)')"
t_ok "audit: the centre's audit log verifies" "$TIMS" centre audit-verify "$C"

# --- the API: a supervisor asks, an analyst approves --------------------------
PUB=$(cat "$T_TMP/rcpt.key.pub")
r=$(api POST /api/v1/exports "$APISUP" "{\"kind\":\"history\",\"purpose\":\"case 2026/56\",\"recipient_key\":\"$PUB\",\"params\":{\"doc\":\"EXP3\"}}")
AID=$(printf '%s' "$r" | sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p')
t_match "API: a supervisor's request is 201 pending" '"state":"pending".*201$' "$(printf '%s' "$r" | tr -d '\n')"
t_match "API: approving it oneself is 403" '403$' "$(api POST "/api/v1/exports/$AID/approve" "$APISUP")"
t_ok "CLI: an analyst approves the API's request" \
	env TIMS_SESSION="$ANA" "$TIMS" centre export approve "$C" "$AID"
t_match "API: the request shows approved with its hash" '"state":"approved".*"sealed_sha256"|"sealed_sha256".*"state":"approved"' \
	"$(api GET "/api/v1/exports/$AID" "$APISUP")"
api POST "/api/v1/exports/$AID/fetch" "$APISUP" | head -c -4 >"$T_TMP/api.sealed"
t_match "API: the requester fetches it and it opens with the recipient's key" '"document":"EXP3"' \
	"$("$TIMS" export open --key "$T_TMP/rcpt.key" "$T_TMP/api.sealed")"
t_match "API: a second fetch is 409" '409$' "$(api POST "/api/v1/exports/$AID/fetch" "$APISUP")"
t_match "API: an unknown or malformed id is 404" '404$' \
	"$(api POST "/api/v1/exports/0123456789abcdef0123456789abcdef/approve" "$APISUP")$(api POST '/api/v1/exports/..%2f..%2fcentre.db/fetch' "$APISUP" | tail -1)"
t_match "API: a bad recipient key is 400 naming it" '"recipient key.*400$' \
	"$(api POST /api/v1/exports "$APISUP" '{"kind":"present","purpose":"case 2026/57","recipient_key":"00"}' | tr -d '\n')"
t_match "API: an unknown kind is 400" '"kind: want.*400$' \
	"$(api POST /api/v1/exports "$APISUP" "{\"kind\":\"everything\",\"purpose\":\"case 2026/57\",\"recipient_key\":\"$PUB\"}" | tr -d '\n')"
t_match "API: an unknown parameter is 400" 'params: .*400$' \
	"$(api POST /api/v1/exports "$APISUP" "{\"kind\":\"present\",\"purpose\":\"case 2026/57\",\"recipient_key\":\"$PUB\",\"params\":{\"sql\":\"1; DROP TABLE exports\"}}" | tr -d '\n')"
t_status 1 "CLI: an auditor may not list exports" cli_as "$C" auditor "$TIMS" centre export list "$C"

# --- expiry ---------------------------------------------------------------------
printf 'rows_per_day = 8\nrequest_ttl_s = 1\n' >"$C/export.conf"
EID=$(TIMS_SESSION=$ANA "$TIMS" centre export request "$C" --kind present --purpose "late one" \
	--recipient "$PUB" 2>/dev/null | sed -n 's/.*"id": "\([0-9a-f]*\)".*/\1/p')
printf 'rows_per_day = 8\nrequest_ttl_s = 3600\n' >"$C/export.conf"
expired() { TIMS_SESSION=$SAM "$TIMS" centre export show "$C" "$EID" 2>/dev/null | grep -q '"state": "expired"'; }
wait_for 50 expired
t_ok "expiry: the request expires after its time" expired
out=$(TIMS_SESSION=$SAM "$TIMS" centre export approve "$C" "$EID" 2>&1); rc=$?
t_eq "expiry: an expired request cannot be approved (exit 1)" 1 "$rc"
t_match "expiry: ... saying so" 'expired' "$out"
t_end
