# node.sh — the post node over real HTTPS on loopback, as a booth and an
# auditor use it: curl for the client, oathtool for the TOTP codes.
. tests/e2e/lib.sh

P=$T_TMP/post
"$TIMS" post init "$P" --origin test.example/node-post --kind land >/dev/null 2>&1
cli_bootstrap "$P"
secret_of() { sed -n "s/^officer $1: TOTP secret //p"; }
S_OFF=$(echo "officer password 1" | "$TIMS" officer add --post "$P" ivanova --name "Maria Ivanova" --role officer | secret_of ivanova)
S_SUP=$(echo "supervisor password" | "$TIMS" officer add --post "$P" georgiev --name "Petar Georgiev" --role supervisor | secret_of georgiev)
S_AUD=$(echo "auditor password 1" | "$TIMS" officer add --post "$P" petrov --name "Ivan Petrov" --role auditor | secret_of petrov)
S_ANA=$(echo "analyst password 1" | "$TIMS" officer add --post "$P" dimitrova --name "Elena Dimitrova" --role analyst | secret_of dimitrova)

cli_as "$P" analyst "$TIMS" watchlist import --store "$P/watchlists" --list wanted --kind persons tests/data/screen/persons.csv >/dev/null 2>&1
cli_as "$P" analyst "$TIMS" watchlist import --store "$P/watchlists" --list lost-stolen --kind documents tests/data/screen/documents.jsonl >/dev/null 2>&1
"$TIMS" post serve "$P" --port 0 >"$T_TMP/serve.out" 2>"$T_TMP/serve.err" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$T_TMP"' EXIT
for _ in $(seq 1 100); do grep -q listening "$T_TMP/serve.out" 2>/dev/null && break; sleep 0.1; done
URL=$(sed -n 's/^listening on //p' "$T_TMP/serve.out" | sed 's|/$||')
t_match "serve: prints its address once ready" '^https://127\.0\.0\.1:[0-9]+$' "$URL"
CA=$P/tls.crt

# req METHOD PATH [TOKEN] [BODY] -> "STATUS BODY"
req() {
	local args=(-s -o "$T_TMP/body" -w '%{http_code}' --cacert "$CA" -X "$1" "$URL$2")
	[ -n "${3:-}" ] && args+=(-H "Authorization: Bearer $3")
	[ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	local code
	code=$(curl "${args[@]}")
	printf '%s %s' "$code" "$(cat "$T_TMP/body")"
}
login_code() { # ID PASSWORD CODE BOOTH
	req POST /api/v1/session "" "{\"officer\":\"$1\",\"password\":\"$2\",\"code\":\"$3\",\"booth\":\"$4\"}"
}
login() { # ID PASSWORD SECRET BOOTH
	login_code "$1" "$2" "$(oathtool --totp -b "$3")" "$4"
}
token_of() { sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p'; }

# One code for both logins: a second oathtool call may fall in the next
# 30-second step and give a new, valid code.
code=$(oathtool --totp -b "$S_OFF")
r=$(login_code ivanova "officer password 1" "$code" B3)
t_match "login: password and TOTP give a session" '^200 .*"token":"[A-Za-z0-9_-]{43}".*"role":"officer"' "$r"
OFF=$(printf '%s' "$r" | token_of)
t_match "login: the same code again is refused as a replay" '^401 .*already used' \
	"$(login_code ivanova "officer password 1" "$code" B3)"
t_match "login: a wrong password is refused without saying which part" '^401 .*officer id, password or code wrong' \
	"$(login ivanova "wrong password!!" "$S_OFF" B3)"
t_match "login: an unknown officer gets the same answer" '^401 .*officer id, password or code wrong' "$(login nobody "officer password 1" "$S_OFF" B3)"
t_match "login: malformed JSON is a 400" '^400 .*not JSON' "$(req POST /api/v1/session "" '{"officer":')"
t_match "login: a missing field is a 400 naming it" '^400 .*code: required' "$(req POST /api/v1/session "" '{"officer":"a","password":"b","booth":"c"}')"
sleep 1 # the supervisor and the auditor log in with their own codes
SUP=$(login georgiev "supervisor password" "$S_SUP" B1 | token_of)
AUD=$(login petrov "auditor password 1" "$S_AUD" A1 | token_of)
ANA=$(login dimitrova "analyst password 1" "$S_ANA" HQ | token_of)
t_match "login: four roles have sessions" '^[A-Za-z0-9_-]{43} [A-Za-z0-9_-]{43} [A-Za-z0-9_-]{43}$' "$SUP $AUD $ANA"

MRZ='P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10'
BAD='P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408124F1204159ZE184226B<<<<<10'
t_match "status: origin and log size" '^200 .*"origin":"test.example/node-post".*"log_size":0' "$(req GET /api/v1/status "$OFF")"
t_match "check: a valid passport" '^200 .*"document":\{"format":"TD3","valid":true.*"document_number":"L898902C3"' \
	"$(req POST /api/v1/check "$OFF" "{\"mrz\":\"$MRZ\"}")"
DISCREET='P<TUNALKHALIFI<<MOHAMED<<<<<<<<<<<<<<<<<<<<<\nTN12345670TUN7509018M3001019<<<<<<<<<<<<<<00'
t_match "status: the post's watchlists, their versions and ages" '"screening":\{"available":true,"lists":\[.*"list":"wanted","kind":"persons","version":1,"active":[0-9]+,"updated":"20[0-9-]+T[0-9:]+Z","age_s":[0-9]+' "$(req GET /api/v1/status "$OFF")"
r=$(req POST /api/v1/check "$OFF" "{\"mrz\":\"$MRZ\"}")
t_match "check: the specimen passport is on the stolen list, with reasons" '"list":"lost-stolen".*"status":"stolen".*"document number L898902C3 matches"' "$r"
t_match "check: the hits are listed for the booth" '"screening":\{"status":"done","available":true,"hits":\[\{' "$r"
t_match "check: with a check id for the crossing" '"check_id":"[0-9a-f]{32}"' "$r"
r=$(req POST /api/v1/check "$OFF" "{\"mrz\":\"$DISCREET\"}")
t_match "check: a discreet-check hit is not shown at the booth, not even as a marker" \
	'"person":\{[^}]*"hits":\[\]' "$r"
t_eq "check: nothing of a discreet alert reaches the booth (ref, name, kind, authority, instruction, reasons)" 0 \
	"$(printf '%s' "$r" | grep -c 'P-003\|discreet-check\|NCB Tunis\|do not alert\|KHALIFI~\|reasons\|الخليفي')"
t_match "check: a vehicle's plate is screened too" '^200 .*"vehicle":\{' "$(req POST /api/v1/check "$OFF" "{\"mrz\":\"$MRZ\",\"vehicle\":{\"plate\":\"CA 1234 AB\"}}")"
t_match "check: a wrong check digit names the field and the reason" '^200 .*"valid":false.*birth_date: check digit is 4, expected 2' \
	"$(req POST /api/v1/check "$OFF" "{\"mrz\":\"$BAD\"}")"
t_match "check: an auditor may not check travellers" '^403 ' "$(req POST /api/v1/check "$AUD" "{\"mrz\":\"$MRZ\"}")"
t_match "check: no session is a 401" '^401 ' "$(req POST /api/v1/check "" "{\"mrz\":\"$MRZ\"}")"
# A crossing is bound to a check; the specimen is listed: admitting it
# needs the hit confirmed by name.
CK=$(req POST /api/v1/check "$OFF" "{\"mrz\":\"$MRZ\"}" | sed 's/^[0-9]* //' | check_id_of)
r=$(req POST /api/v1/crossings "$OFF" "{\"check_id\":\"$CK\",\"direction\":\"entry\",\"decision\":\"admit\",\"confirm_hit\":\"lost-stolen/D-1\",\"id\":\"b3-0001\"}")
t_match "crossing: registered, with its index and leaf hash" '^201 .*"index":0.*"leaf_hash":"[0-9a-f]{64}"' "$r"
t_match "crossing: the answer carries a signed checkpoint" '"checkpoint":\{"origin":"test.example/node-post","size":1' "$r"
root=$(printf '%s' "$r" | sed -n 's/.*"root":"\([0-9a-f]*\)".*/\1/p')
leaf=$(printf '%s' "$r" | sed -n 's/.*"leaf_hash":"\([0-9a-f]*\)".*/\1/p')
t_ok "crossing: the inclusion proof verifies with the auditor's tool" "$TIMS" tlog verify-inclusion --index 0 --size 1 --leaf-hash "$leaf" --root "$root"
t_match "crossing: a retry with the same id is not stored twice" '^200 .*"index":0.*"duplicate":true' \
	"$(req POST /api/v1/crossings "$OFF" "{\"check_id\":\"$CK\",\"direction\":\"entry\",\"decision\":\"admit\",\"confirm_hit\":\"lost-stolen/D-1\",\"id\":\"b3-0001\"}")"
CK=$(req POST /api/v1/check "$OFF" "{\"mrz\":\"$MRZ\"}" | sed 's/^[0-9]* //' | check_id_of)
r=$(req POST /api/v1/crossings "$OFF" "{\"check_id\":\"$CK\",\"direction\":\"exit\",\"decision\":\"admit\",\"confirm_hit\":\"lost-stolen/D-1\",\"id\":\"b3-0002\"}")
t_match "crossing: a second one gets the next index" '^201 .*"index":1' "$r"
CB=$(req POST /api/v1/check "$OFF" "{\"mrz\":\"$BAD\"}" | sed 's/^[0-9]* //' | check_id_of)
t_match "crossing: a document that failed its MRZ checks is not admitted, nothing recorded" '^409 .*MRZ checks' \
	"$(req POST /api/v1/crossings "$OFF" "{\"check_id\":\"$CB\",\"direction\":\"entry\",\"decision\":\"admit\",\"confirm_hit\":\"lost-stolen/D-1\"}")"
t_match "crossing: the officer comes from the session, not the body" '^400 .*officer: unknown field' \
	"$(req POST /api/v1/crossings "$OFF" "{\"check_id\":\"$CB\",\"direction\":\"entry\",\"officer\":\"someone-else\"}")"
t_match "crossing: a bad direction is named" '^400 .*direction' "$(req POST /api/v1/crossings "$OFF" "{\"check_id\":\"$CB\",\"direction\":\"sideways\"}")"
t_match "crossing: a supervisor may not register" '^403 ' "$(req POST /api/v1/crossings "$SUP" "{\"check_id\":\"$CB\",\"direction\":\"entry\"}")"
big=$(head -c 20000 /dev/zero | tr '\0' 'a')
t_match "crossing: an oversized body is a 413" '^413 ' "$(req POST /api/v1/crossings "$OFF" "{\"remarks\":\"$big\"}")"
t_match "history: without a purpose or crossing is refused" '^400 .*purpose' "$(req GET /api/v1/history/L898902C3 "$OFF")"
t_match "history: with a listed purpose, the crossings and the stay" '^200 .*"crossings":\[.*"stay":\{' \
	"$(req GET '/api/v1/history/L898902C3?purpose_code=second-line&purpose=second%20line%20interview' "$OFF")"
t_match "history: the officer's own crossing of that document justifies it" '^200 .*"crossings":\[' \
	"$(req GET '/api/v1/history/L898902C3?crossing=1' "$OFF")"
t_match "history: an analyst may read, with a purpose" '^200 ' "$(req GET '/api/v1/history/L898902C3?purpose_code=risk-analysis&purpose=overstay%20study' "$ANA")"
t_match "history: an auditor may not" '^403 ' "$(req GET '/api/v1/history/L898902C3?purpose_code=investigation&purpose=curious%20about%20it' "$AUD")"
t_match "history: a malformed document is named" '^400 .*document' "$(req GET '/api/v1/history/l898902c3?purpose_code=investigation&purpose=abcdefghij' "$OFF")"
t_match "audit: officers may not read it" '^403 ' "$(req GET /api/v1/audit "$OFF")"
r=$(req GET '/api/v1/audit?count=100' "$AUD")
t_match "audit: the auditor reads every personal-data request" '^200 .*"action":"check".*"action":"crossing".*"action":"history"' "$r"
# The booth saw nothing of it; the trail keeps what the matcher found and why.
quiet_hit() { printf '%s' "${r#* }" | python3 -c '
import json, sys
for e in json.load(sys.stdin)["events"]:
    for h in (e.get("result") or {}).get("hits") or []:
        if e["action"] == "check" and h.get("ref") == "P-003":
            print(json.dumps(h, ensure_ascii=False, sort_keys=True))
            sys.exit(0)'; }
h=$(quiet_hit)
t_match "audit: the discreet hit is in the audit trail whole: list, reference, version, alert, score" \
	'"alert": "discreet-check", "discreet": true, "list": "wanted", "part": "person", "reasons": \[.+\], "ref": "P-003", "score": [0-9.]+, "shown": "withheld", "version": 1' "$h"
t_match "audit: with the reasons of the match the booth did not see" '"reasons": \[.*"surname ALKHALIFI~الخليفي' "$h"
t_match "audit: an ordinary hit was shown in full" '"action":"check".*"ref":"[^"]*","score":[0-9.]+,"shown":"full"' "$r"
t_match "audit: a history read carries its stated purpose" '"purpose":"second-line: second line interview"' "$r"
t_match "audit: failed logins are on the trail" '"action":"login.failed"' "$r"
t_match "transparency: the checkpoint is a signed note" '^200 test.example/node-post' "$(req GET /api/v1/checkpoint)"
t_match "transparency: a consistency proof" '^200 .*"proof":"consistency"' "$(req GET '/api/v1/proof/consistency?size1=1&size2=2')"
t_match "transparency: a proof past the log is refused" '^400 ' "$(req GET '/api/v1/proof/inclusion?index=5&size=9')"
m=$(req GET /metrics)
t_match "metrics: counters are exported" 'tims_crossings_total 2' "$m"
t_eq "metrics: no document number in them" 0 "$(printf '%s' "$m" | grep -c L898902C3)"
t_match "logout: ends the session" '^200 ' "$(req DELETE /api/v1/session "$OFF")"
t_match "logout: the token no longer works" '^401 ' "$(req GET /api/v1/status "$OFF")"
t_ok "serve: the process log has no document numbers" sh -c "! grep -q L898902C3 '$T_TMP/serve.err'"
kill -TERM $SERVER; wait $SERVER; rc=$?
t_eq "serve: stops cleanly on SIGTERM" 0 "$rc"
t_ok "after: the crossing log verifies" "$TIMS" log verify --post "$P"
t_ok "after: the audit log verifies" "$TIMS" audit verify --post "$P"
t_end
