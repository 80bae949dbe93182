# booth.sh — the server decides (issue 14): a centre and a post on loopback,
# an officer's booth talking to the post's API with curl. A client that
# sends "screening":"no hits" (or no check) for a wanted person cannot
# register it that way, and the record and the centre's hit view show the
# hit found by the server; a discreet hit is not in the booth's answer but
# is in the record (structured) and in the audit trail; crossed_at of 1970
# is refused; admitting with a hit needs the hit confirmed by name, and the
# record keeps the confirmation; refusal codes come from the configured
# list; a document typed by hand is screened by name and marked manual.
. tests/e2e/lib.sh

C=$T_TMP/centre
P=$T_TMP/post
secret_of() { sed -n "s/^officer $1: TOTP secret //p"; }
PW="booth password 1"

"$TIMS" centre init "$C" --name tims-centre >/dev/null
cli_bootstrap "$C"
S_SUP=$(echo "$PW" | "$TIMS" officer add --post "$C" kostova --name "Vera Kostova" --role supervisor | secret_of kostova)
cli_as "$C" analyst "$TIMS" watchlist import --store "$C/watchlists" --list wanted --kind persons tests/data/screen/persons.csv >/dev/null
"$TIMS" centre serve "$C" --port 0 >"$T_TMP/centre.out" 2>"$T_TMP/centre.log" &
PIDS+=($!)
wait_line "$T_TMP/centre.out" "listening on"
CURL_=$(sed -n 's/.* listening on //p' "$T_TMP/centre.out")

"$TIMS" post init "$P" --origin bg.example/booth-post --kind land >/dev/null
cli_bootstrap "$P"
S_OFF=$(echo "$PW" | "$TIMS" officer add --post "$P" ivanova --name "Maria Ivanova" --role officer | secret_of ivanova)
S_OFF2=$(echo "$PW" | "$TIMS" officer add --post "$P" petrov --name "Ivan Petrov" --role officer | secret_of petrov)
S_AUD=$(echo "$PW" | "$TIMS" officer add --post "$P" popova --name "Lea Popova" --role auditor | secret_of popova)
"$TIMS" centre enrol-post "$C" booth-post --vkey "$P/post.vkey" --url "$CURL_" --out "$T_TMP/enrol" >/dev/null
"$TIMS" post enrol "$P" --from "$T_TMP/enrol" >/dev/null
"$TIMS" post serve "$P" --port 0 >"$T_TMP/post.out" 2>"$T_TMP/post.log" &
PIDS+=($!)
wait_line "$T_TMP/post.out" "listening on"
PURL=$(sed -n 's/^listening on //p' "$T_TMP/post.out" | sed 's|/$||')
wait_line "$T_TMP/post.log" "watchlist wanted: version 1 from the centre applied"
t_ok "setup: the post holds the centre's watchlist" grep -q "watchlist wanted: version 1 from the centre applied" "$T_TMP/post.log"

req() { # METHOD PATH TOKEN [BODY] -> "STATUS BODY"
	local args=(-s -o "$T_TMP/body" -w '%{http_code}' --cacert "$C/ca.crt" -X "$1" "$PURL$2")
	[ -n "$3" ] && args+=(-H "Authorization: Bearer $3")
	[ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	local code
	code=$(curl "${args[@]}")
	printf '%s %s' "$code" "$(cat "$T_TMP/body")"
}
login() { # ID SECRET BOOTH -> token
	req POST /api/v1/session "" "{\"officer\":\"$1\",\"password\":\"$PW\",\"code\":\"$(oathtool --totp -b "$2")\",\"booth\":\"$3\"}" |
		sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p'
}
check_id_of() { sed -n 's/.*"check_id":"\([0-9a-f]*\)".*/\1/p'; }
OFF=$(login ivanova "$S_OFF" B3)
OFF2=$(login petrov "$S_OFF2" B3)
AUD=$(login popova "$S_AUD" A1)
t_match "setup: officers and an auditor have sessions" '^[A-Za-z0-9_-]{43} [A-Za-z0-9_-]{43} [A-Za-z0-9_-]{43}$' "$OFF $OFF2 $AUD"
history() { cli_as "$P" officer "$TIMS" history --post "$P" "$1" --json 2>/dev/null; }

WANTED='P<RUSSHCHERBAKOV<<YURIY<<<<<<<<<<<<<<<<<<<<<\n7200000175RUS7104125M3306150<<<<<<<<<<<<<<<6'
DISCREET='P<TUNALKHALIFI<<MOHAMED<<<<<<<<<<<<<<<<<<<<<\nTN12345670TUN7509018M3001019<<<<<<<<<<<<<<00'
PERSON_W='{"doc_code":"P","issuer":"RUS","number":"720000017","surname":"SHCHERBAKOV","given_names":"YURIY","nationality":"RUS","birth_date":"1971-04-12","sex":"M"}'

# 1. The client that lies: "no hits" for a wanted person, with no check.
r=$(req POST /api/v1/crossings "$OFF" "{\"id\":\"lie-1\",\"direction\":\"entry\",\"decision\":\"admit\",\"screening\":\"no hits\",\"person\":$PERSON_W}")
t_match "lie: a crossing that carries its own screening is refused" '^400 .*screening: not accepted' "$r"
r=$(req POST /api/v1/crossings "$OFF" "{\"id\":\"lie-2\",\"direction\":\"entry\",\"decision\":\"admit\",\"person\":$PERSON_W}")
t_match "lie: a crossing that carries its own person is refused" '^400 .*person: not accepted' "$r"
r=$(req POST /api/v1/crossings "$OFF" '{"id":"lie-3","direction":"entry","decision":"admit"}')
t_match "lie: a crossing without a check is refused" '^400 .*check_id: missing' "$r"
t_eq "lie: nothing of the wanted person is in the log" "" "$(history 720000017 | grep -o '"index":[0-9]*')"

# 2. The server's check finds him; the record carries the server's hit.
r=$(req POST /api/v1/check "$OFF" "{\"mrz\":\"$WANTED\"}")
t_match "check: the wanted person is a hit, with a check id" '^200 .*"check_id":"[0-9a-f]{32}".*"ref":"P-001"' "$r"
t_match "check: 'valid' says what it checks" '"valid_means":"MRZ check digits"' "$r"
t_match "check: the document's own status is a separate line" '"document_status":\{"status":"ok"' "$r"
CW=$(printf '%s' "$r" | check_id_of)
t_match "crossing: another officer cannot use this check" '^403 ' \
	"$(req POST /api/v1/crossings "$OFF2" "{\"check_id\":\"$CW\",\"direction\":\"entry\",\"decision\":\"second-line\"}")"
t_match "crossing: a screening sent with the check id is still refused" '^400 .*screening: not accepted' \
	"$(req POST /api/v1/crossings "$OFF" "{\"check_id\":\"$CW\",\"direction\":\"entry\",\"decision\":\"admit\",\"screening\":\"no hits\"}")"
t_match "crossing: admitting with a hit, unconfirmed, is refused" '^409 .*confirm_hit' \
	"$(req POST /api/v1/crossings "$OFF" "{\"check_id\":\"$CW\",\"direction\":\"entry\",\"decision\":\"admit\"}")"
t_match "crossing: crossed_at of 1970 is refused" '^400 .*crossed_at: .*paper import' \
	"$(req POST /api/v1/crossings "$OFF" "{\"check_id\":\"$CW\",\"direction\":\"entry\",\"decision\":\"second-line\",\"crossed_at\":\"1970-01-01T00:00:00Z\"}")"
t_match "crossing: a refusal code not in the list is refused" '^400 .*refusal_codes: Q is not a refusal code' \
	"$(req POST /api/v1/crossings "$OFF" "{\"check_id\":\"$CW\",\"direction\":\"entry\",\"decision\":\"refuse\",\"refusal_codes\":[\"Q\"]}")"
r=$(req POST /api/v1/crossings "$OFF" "{\"id\":\"w-1\",\"check_id\":\"$CW\",\"direction\":\"entry\",\"decision\":\"second-line\"}")
t_match "crossing: second line, bound to the check: registered with its proof" '^201 .*"index":[0-9]+.*"inclusion_proof"' "$r"
h=$(history 720000017)
t_match "record: the server's screening is in the record (structured)" '"hits":\[\{"alert":"wanted","discreet":false,"list":"wanted","part":"person","ref":"P-001"' "$h"
t_match "record: screened by the post, bound to the check" "\"check_id\":\"$CW\".*\"screen_status\":\"done\"" "$h"
t_match "crossing: the check is used once" '^409 .*already used' \
	"$(req POST /api/v1/crossings "$OFF" "{\"id\":\"w-2\",\"check_id\":\"$CW\",\"direction\":\"entry\",\"decision\":\"second-line\"}")"

# 3. Admitting with a hit, confirmed by name.
CW=$(req POST /api/v1/check "$OFF" "{\"mrz\":\"$WANTED\"}" | check_id_of)
t_match "confirm: naming a hit the check did not find is refused" '^400 .*confirm_hit: names no hit' \
	"$(req POST /api/v1/crossings "$OFF" "{\"check_id\":\"$CW\",\"direction\":\"entry\",\"decision\":\"admit\",\"confirm_hit\":\"wanted/P-004\"}")"
r=$(req POST /api/v1/crossings "$OFF" "{\"id\":\"w-3\",\"check_id\":\"$CW\",\"direction\":\"entry\",\"decision\":\"admit\",\"confirm_hit\":\"wanted/P-001\"}")
t_match "confirm: admitting with the hit confirmed is registered" '^201 ' "$r"
t_match "confirm: the record carries confirmed_hit" '"confirmed_hit":"wanted/P-001","decision":"admit"' "$(history 720000017)"

# 4. The discreet check: not at the booth, in the record and the audit.
r=$(req POST /api/v1/check "$OFF" "{\"mrz\":\"$DISCREET\"}")
t_match "discreet: the check answers" '^200 .*"check_id":"[0-9a-f]{32}"' "$r"
t_eq "discreet: nothing of the discreet hit reaches the booth (ref, alert, authority, instruction, marker)" 0 \
	"$(printf '%s' "$r" | grep -c 'P-003\|discreet-check\|NCB Tunis\|do not alert\|"discreet":true')"
CD=$(printf '%s' "$r" | check_id_of)
r=$(req POST /api/v1/crossings "$OFF" "{\"id\":\"d-1\",\"check_id\":\"$CD\",\"direction\":\"entry\",\"decision\":\"admit\"}")
t_match "discreet: the admission needs no confirmation (the booth knows of no hit)" '^201 ' "$r"
DIDX=$(printf '%s' "$r" | sed -n 's/.*"index":\([0-9]*\).*/\1/p')
t_match "discreet: the record carries the discreet hit" '"hits":\[\{"alert":"discreet-check","discreet":true,"list":"wanted","part":"person","ref":"P-003"' "$(history TN1234567)"
t_match "discreet: the audit trail has it, marked withheld from the booth" '"ref":"P-003".*"shown":"withheld"' \
	"$(req GET "/api/v1/audit?count=1000" "$AUD")"
# a companion of the discreet-check person: own check, own crossing, linked
r=$(req POST /api/v1/check "$OFF" '{"manual":{"surname":"ALKHALIFI","given_names":"SARA","birth_date":"2012-03-04","nationality":"TUN","sex":"F","doc_number":"TN7654321","issuer":"TUN"}}')
t_match "manual: a document typed by hand is checked, marked manual" '^200 .*"manual":true.*"valid_means":"typed by hand' "$r"
CC=$(printf '%s' "$r" | check_id_of)
t_match "companion: linked to a record of another direction is refused" '^400 .*accompanies' \
	"$(req POST /api/v1/crossings "$OFF" "{\"check_id\":\"$CC\",\"direction\":\"exit\",\"decision\":\"admit\",\"accompanies\":$DIDX}")"
t_match "minor: 'guardian' of an adult traveller is refused (birth dates)" '^400 .*relation: guardian, but record [0-9]+ is of an adult' \
	"$(req POST /api/v1/crossings "$OFF" "{\"check_id\":\"$CC\",\"direction\":\"entry\",\"decision\":\"admit\",\"accompanies\":$DIDX,\"relation\":\"guardian\"}")"
t_match "companion: her own crossing, linked to the traveller's, as a minor in his care" '^201 ' \
	"$(req POST /api/v1/crossings "$OFF" "{\"id\":\"d-2\",\"check_id\":\"$CC\",\"direction\":\"entry\",\"decision\":\"admit\",\"accompanies\":$DIDX,\"relation\":\"minor\"}")"
t_match "companion: the record says whom she came with, typed by hand" "\"accompanies\":$DIDX.*\"entry_mode\":\"manual\"" "$(history TN7654321)"
t_match "minor: the record names her guardian by document" '"companions":\[\{"issuer":"TUN","number":"TN1234567","relation":"guardian"\}\]' "$(history TN7654321)"
t_match "manual: the unreadable-MRZ answer points at the manual check" '^422 .*"manual":"/api/v1/check"' \
	"$(req POST /api/v1/check "$OFF" '{"mrz":"NOT AN MRZ AT ALL"}')"
t_match "v1 fields: corrections are not a booth's" '^400 .*corrects: not accepted.*corrections' \
	"$(req POST /api/v1/crossings "$OFF" '{"direction":"entry","corrects":0,"reason":"x"}')"

# 6. The national stay and the visa at the check (issue 14, "The national
# stay at every booth"): the answer says how current its national data is
# and lists the last crossings; a visa read from its MRZ must be the
# traveller's own, and it is what the stay is judged against.
r=$(req POST /api/v1/check "$OFF" "{\"mrz\":\"$WANTED\"}")
t_match "stay: the check says how current the national data is" '"stay":\{.*"national":\{[^}]*"current":(true|false)' "$r"
t_match "stay: ... and lists the traveller's last crossings, with the post" '"last_crossings":\[\{"date":"[0-9-]{10}","direction":"entry","post":"bg.example/booth-post"' "$r"
PASS_UZ='P<UZBKARIMOV<<RUSTAM<<<<<<<<<<<<<<<<<<<<<<<<\nFA12345673UZB8503024M3101012<<<<<<<<<<<<<<04'
VISA_UZ='VCFRAKARIMOV<<RUSTAM<<<<<<<<<<<<<<<<<<<<<<<<\n0012345678UZB8503024M2706306<<<<<<<<<<<<<<<<'
VISA_OTHER='VCFRAKARIMOV<<RUSTAM<<<<<<<<<<<<<<<<<<<<<<<<\n0012345678UZB9001011M2706306<<<<<<<<<<<<<<<<'
t_match "visa: a visa MRZ of another person (another birth date) is refused" '^400 .*visa.mrz: the visa.s birth date is not the traveller.s' \
	"$(req POST /api/v1/check "$OFF" "{\"mrz\":\"$PASS_UZ\",\"visa\":{\"mrz\":\"$VISA_OTHER\",\"valid_from\":\"2026-01-01\",\"entries\":0,\"duration_days\":30}}")"
t_match "visa: a passport's MRZ given as the visa is refused" '^400 .*visa.mrz: the MRZ is a' \
	"$(req POST /api/v1/check "$OFF" "{\"mrz\":\"$PASS_UZ\",\"visa\":{\"mrz\":\"$PASS_UZ\"}}")"
r=$(req POST /api/v1/check "$OFF" "{\"mrz\":\"$PASS_UZ\",\"visa\":{\"mrz\":\"$VISA_UZ\",\"valid_from\":\"2026-01-01\",\"entries\":0,\"duration_days\":30}}")
t_match "visa: read from its MRZ, completed by the typed fields" '^200 .*"visa":\{"kind":"short","number":"001234567","issuer":"FRA","valid_from":"2026-01-01","valid_until":"2027-06-30","entries":0,"duration_days":30\}' "$r"
CV=$(printf '%s' "$r" | check_id_of)
req POST /api/v1/crossings "$OFF" "{\"check_id\":\"$CV\",\"direction\":\"entry\",\"decision\":\"admit\"}" >/dev/null
t_match "visa: the entry record carries the visa read at the check" '"visa":\{[^}]*"number":"001234567"' "$(history FA1234567)"
t_match "refusal reasons: the node lists the codes it accepts (Annex V Part B, A to J)" '^200 \{"reasons":\[\{"code":"A",.*"code":"J"' \
	"$(req GET /api/v1/refusal-reasons "$OFF")"

# 5. The centre's hit view reads the records' structured fields.
sup_token() {
	curl -s --cacert "$C/ca.crt" -H 'Content-Type: application/json' --data-binary \
		"{\"officer\":\"kostova\",\"password\":\"$PW\",\"code\":\"$(oathtool --totp -b "$S_SUP")\"}" \
		"$CURL_/api/v1/session" | sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p'
}
SUP=$(sup_token)
hits() { curl -s --cacert "$C/ca.crt" -H "Authorization: Bearer $SUP" "$CURL_/api/v1/dashboard/hits"; }
has_hits() { hits | grep -q '"ref":"P-003"' && hits | grep -q '"confirmed_hit":"wanted/P-001"'; }
wait_for 150 has_hits
h=$(hits)
t_match "centre: the hit view shows the wanted person's hit (second line)" '"decision":"second-line".*"ref":"P-001"|"ref":"P-001".*"decision":"second-line"' "$h"
t_match "centre: ... and the admission with the hit confirmed" '"confirmed_hit":"wanted/P-001"' "$h"
t_match "centre: ... and the discreet hit" '"discreet":true.*"ref":"P-003"' "$h"
t_end
