# screen-failclosed.sh — screening fails closed at the booth: when the
# watchlist store cannot give back the entry behind a hit, POST /check
# answers 503 screening_failed naming what failed (never "no hits"), the
# audit trail says the screening failed, and a crossing registered for that
# traveller meanwhile does not record "no hits". The store is broken under
# the running node with the sqlite3 CLI, as a failing disk would.
. tests/e2e/lib.sh

P=$T_TMP/post
"$TIMS" post init "$P" --origin test.example/failclosed --kind land >/dev/null 2>&1
cli_bootstrap "$P"
secret_of() { sed -n "s/^officer $1: TOTP secret //p"; }
S_OFF=$(echo "officer password 1" | "$TIMS" officer add --post "$P" ivanova --name "Maria Ivanova" --role officer | secret_of ivanova)
S_AUD=$(echo "auditor password 1" | "$TIMS" officer add --post "$P" petrov --name "Ivan Petrov" --role auditor | secret_of petrov)
cli_as "$P" analyst "$TIMS" watchlist import --store "$P/watchlists" --list wanted --kind persons tests/data/screen/persons.csv >/dev/null 2>&1
cli_as "$P" analyst "$TIMS" watchlist import --store "$P/watchlists" --list lost-stolen --kind documents tests/data/screen/documents.jsonl >/dev/null 2>&1
"$TIMS" post serve "$P" --port 0 >"$T_TMP/serve.out" 2>"$T_TMP/serve.err" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$T_TMP"' EXIT
for _ in $(seq 1 100); do grep -q listening "$T_TMP/serve.out" 2>/dev/null && break; sleep 0.1; done
URL=$(sed -n 's/^listening on //p' "$T_TMP/serve.out" | sed 's|/$||')
CA=$P/tls.crt

req() { # METHOD PATH [TOKEN] [BODY] -> "STATUS BODY"
	local args=(-s -o "$T_TMP/body" -w '%{http_code}' --cacert "$CA" -X "$1" "$URL$2")
	[ -n "${3:-}" ] && args+=(-H "Authorization: Bearer $3")
	[ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	local code
	code=$(curl "${args[@]}")
	printf '%s %s' "$code" "$(cat "$T_TMP/body")"
}
login() { # ID PASSWORD SECRET BOOTH
	req POST /api/v1/session "" "{\"officer\":\"$1\",\"password\":\"$2\",\"code\":\"$(oathtool --totp -b "$3")\",\"booth\":\"$4\"}"
}
token_of() { sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p'; }
OFF=$(login ivanova "officer password 1" "$S_OFF" B3 | token_of)
AUD=$(login petrov "auditor password 1" "$S_AUD" A1 | token_of)
t_match "two sessions" '^[A-Za-z0-9_-]{43} [A-Za-z0-9_-]{43}$' "$OFF $AUD"

# The specimen passport is on the stolen-documents list.
MRZ='P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10'
t_match "a readable store: the stolen passport is a hit" '^200 .*"status":"stolen"' \
	"$(req POST /api/v1/check "$OFF" "{\"mrz\":\"$MRZ\"}")"

# The store fails: its entries can no longer be read back.
sqlite3 "$P/watchlists/watchlists.db" 'ALTER TABLE entries RENAME TO entries_lost'
r=$(req POST /api/v1/check "$OFF" "{\"mrz\":\"$MRZ\"}")
t_match "a failing store: the check answers 503 screening_failed" '^503 \{"error":"screening_failed"' "$r"
t_match "... with a message naming what failed" '"message":"screening failed, the traveller is not screened: entries: no such table: entries' "$r"
t_eq "... and never a screening result (no hit list to read as \"no hits\")" 0 "$(printf '%s' "$r" | grep -c '"hits"\|no hits')"
t_match "... the screening says failed, with a check id for a refusal or a referral" '"check_id":"[0-9a-f]{32}".*"screening":\{"status":"failed"' "$r"
CF=$(printf '%s' "$r" | check_id_of)
t_match "the process log says the screening failed (no personal data)" 'check: screening failed: entries' "$(cat "$T_TMP/serve.out" "$T_TMP/serve.err")"
t_eq "... the log names no traveller" 0 "$(cat "$T_TMP/serve.out" "$T_TMP/serve.err" | grep -c 'L898902C3\|ERIKSSON')"

r=$(req GET '/api/v1/audit?count=1000' "$AUD")
last_check=$(printf '%s' "${r#* }" | python3 -c '
import json, sys
ev = [e for e in json.load(sys.stdin)["events"] if e["action"] == "check"]
e = ev[-1]
print(e["status"], e["result"].get("screening"), e["result"].get("reason", "")[:40], e["query"]["document"])')
t_eq "the audit event of the check says the screening failed, and why" "503 failed entries: no such table: entries L898902C3" "$last_check"

# Registering the traveller meanwhile: the record does not say "no hits".
t_match "a failed screening cannot admit" '^409 .*screening of this check failed' \
	"$(req POST /api/v1/crossings "$OFF" "{\"check_id\":\"$CF\",\"direction\":\"entry\",\"decision\":\"admit\",\"id\":\"fc-0000\"}")"
r=$(req POST /api/v1/crossings "$OFF" "{\"check_id\":\"$CF\",\"direction\":\"entry\",\"decision\":\"refuse\",\"refusal_codes\":[\"A\"],\"id\":\"fc-0001\"}")
t_match "a crossing after a failed screening is still recorded (a refusal)" '^201 ' "$r"
r=$(req GET '/api/v1/history/L898902C3?purpose_code=investigation&purpose=failed%20screening%20test' "$OFF")
t_match "... its record says the screening failed, not \"no hits\"" '"screen_status":"failed"' "$r"
t_eq "... and nowhere \"no hits\" or a hit list" 0 "$(printf '%s' "$r" | grep -c 'no hits\|"hits"')"

# The store comes back: the next check completes, and "no hits" is believed again.
sqlite3 "$P/watchlists/watchlists.db" 'ALTER TABLE entries_lost RENAME TO entries'
t_match "the store back: the check completes" '^200 .*"status":"stolen"' "$(req POST /api/v1/check "$OFF" "{\"mrz\":\"$MRZ\"}")"
CLEAN='P<UTOHOLM<<ERIK<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\nC01X00T478UTO8503024M3401011<<<<<<<<<<<<<<<4'
r=$(req POST /api/v1/check "$OFF" "{\"mrz\":\"$CLEAN\"}")
t_match "a traveller on no list: 200, screened, no hits" '^200 .*"screening":\{"status":"done","available":true,"hits":\[\]' "$r"
CC=$(printf '%s' "$r" | check_id_of)
req POST /api/v1/crossings "$OFF" "{\"check_id\":\"$CC\",\"direction\":\"entry\",\"decision\":\"admit\",\"id\":\"fc-0002\"}" >/dev/null
t_match "... whose record says screened (done) with no hit" '"screen_status":"done"' \
	"$(req GET '/api/v1/history/C01X00T47?purpose_code=investigation&purpose=failed%20screening%20test' "$OFF")"
t_end
