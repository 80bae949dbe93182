# openapi.sh — docs/openapi.json (the post node) and docs/openapi-centre.json
# (the centre): regenerated from the route tables and compared with the
# committed ones; every route of each table is documented with its roles;
# and real answers of a running post and centre, over HTTPS, match the
# documented response schemas (tests/lib/schema.py).
. tests/e2e/lib.sh

python3 scripts/gen-openapi.py --tims "$TIMS" --out "$T_TMP" && d=ok || d=failed
t_eq "openapi: the documents generate" ok "$d"
t_eq "openapi: docs/openapi.json is current (else run scripts/gen-openapi.py)" "" \
	"$(diff docs/openapi.json "$T_TMP/openapi.json" | head -5)"
t_eq "openapi: docs/openapi-centre.json is current" "" \
	"$(diff docs/openapi-centre.json "$T_TMP/openapi-centre.json" | head -5)"
for kind in post centre; do
	f=docs/openapi.json
	[ $kind = centre ] && f=docs/openapi-centre.json
	miss=$("$TIMS" $kind routes | python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
for line in sys.stdin:
    r = json.loads(line)
    op = doc["paths"].get(r["path"], {}).get(r["method"].lower())
    if not op or op.get("x-tims-roles") != r["roles"]:
        print(r["method"], r["path"])' "$f")
	t_eq "openapi: every $kind route is documented with its roles" "" "$miss"
	t_match "openapi: $f is OpenAPI 3.1" '"openapi": "3\.1\.[0-9]+"' "$(cat "$f")"
done

# A post with a watchlist, an officer and an auditor.
P=$T_TMP/post
"$TIMS" post init "$P" --origin test.example/openapi --kind land >/dev/null 2>&1
cli_bootstrap "$P"
secret_of() { sed -n "s/^officer $1: TOTP secret //p"; }
S_OFF=$(echo "openapi password 1" | "$TIMS" officer add --post "$P" o1 --name O --role officer | secret_of o1)
S_AUD=$(echo "openapi password 1" | "$TIMS" officer add --post "$P" a1 --name A --role auditor | secret_of a1)
cli_as "$P" analyst "$TIMS" watchlist import --store "$P/watchlists" --list wanted --kind persons tests/data/screen/persons.csv >/dev/null 2>&1
"$TIMS" post serve "$P" --port 0 >"$T_TMP/serve.out" 2>"$T_TMP/serve.err" &
SERVER=$!
C=$T_TMP/centre
"$TIMS" centre init "$C" --name tims-centre >/dev/null
cli_bootstrap "$C"
S_SUP=$(echo "openapi password 1" | "$TIMS" officer add --post "$C" s1 --name S --role supervisor | secret_of s1)
"$TIMS" centre serve "$C" --port 0 >"$T_TMP/centre.out" 2>"$T_TMP/centre.err" &
CENTRE=$!
trap 'kill $SERVER $CENTRE 2>/dev/null; wait 2>/dev/null; rm -rf "$T_TMP"' EXIT
for _ in $(seq 1 100); do grep -q listening "$T_TMP/serve.out" "$T_TMP/centre.out" 2>/dev/null &&
	grep -q listening "$T_TMP/centre.out" 2>/dev/null && break; sleep 0.1; done
URL=$(sed -n 's/^listening on //p' "$T_TMP/serve.out" | sed 's|/$||')
CURL_=$(sed -n 's/.* listening on //p' "$T_TMP/centre.out")

# answer SPEC DOC METHOD PATH [TOKEN] [BODY] [CA]: the answer validated against DOC
answer() {
	local doc=$1 m=$2 p=$3 tok=${4:-} body=${5:-} ca=${6:-$P/tls.crt} base=$URL code
	[ "$doc" = docs/openapi-centre.json ] && base=$CURL_
	local args=(-s -o "$T_TMP/body" -w '%{http_code}' --cacert "$ca" -X "$m" "$base$p")
	[ -n "$tok" ] && args+=(-H "Authorization: Bearer $tok")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	code=$(curl "${args[@]}")
	local spath=${p%%\?*}
	case $spath in /api/v1/history/*) spath='/api/v1/history/{document}' ;; esac
	printf '%s %s' "$code" "$(python3 tests/lib/schema.py "$doc" "$m" "$spath" "$code" <"$T_TMP/body")"
}
login() { answer docs/openapi.json POST /api/v1/session "" "{\"officer\":\"$1\",\"password\":\"openapi password 1\",\"code\":\"$(oathtool --totp -b "$2")\",\"booth\":\"B1\"}"; }
r=$(login o1 "$S_OFF")
t_eq "post: the login answer matches its schema" "200 ok" "$r"
OFF=$(sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p' "$T_TMP/body")
r=$(login a1 "$S_AUD")
AUD=$(sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p' "$T_TMP/body")
t_eq "post: status" "200 ok" "$(answer docs/openapi.json GET /api/v1/status "$OFF")"
MRZ='P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10'
DISCREET='P<TUNALKHALIFI<<MOHAMED<<<<<<<<<<<<<<<<<<<<<\nTN12345670TUN7509018M3001019<<<<<<<<<<<<<<00'
t_eq "post: check (a hit with its reasons)" "200 ok" "$(answer docs/openapi.json POST /api/v1/check "$OFF" "{\"mrz\":\"$MRZ\"}")"
t_eq "post: check (a discreet hit: not shown)" "200 ok" "$(answer docs/openapi.json POST /api/v1/check "$OFF" "{\"mrz\":\"$DISCREET\"}")"
t_eq "post: check (typed by hand)" "200 ok" "$(answer docs/openapi.json POST /api/v1/check "$OFF" '{"manual":{"surname":"DOE","given_names":"JANE","birth_date":"1980-01-01","doc_number":"X1234"}}')"
CK=$(check_id_of <"$T_TMP/body")
t_eq "post: a registered crossing" "201 ok" "$(answer docs/openapi.json POST /api/v1/crossings "$OFF" "{\"id\":\"oa-1\",\"check_id\":\"$CK\",\"direction\":\"entry\",\"decision\":\"admit\"}")"
t_eq "post: the same crossing again (duplicate)" "200 ok" "$(answer docs/openapi.json POST /api/v1/crossings "$OFF" "{\"id\":\"oa-1\",\"check_id\":\"$CK\",\"direction\":\"entry\",\"decision\":\"admit\"}")"
t_eq "post: an error answer (an unknown check)" "404 ok" "$(answer docs/openapi.json POST /api/v1/crossings "$OFF" '{"check_id":"00000000000000000000000000000000","direction":"entry"}')"
t_eq "post: history" "200 ok" "$(answer docs/openapi.json GET '/api/v1/history/L898902C3?purpose_code=investigation&purpose=schema%20check' "$OFF")"
t_eq "post: audit" "200 ok" "$(answer docs/openapi.json GET '/api/v1/audit?count=5' "$AUD")"
sleep 1.2
t_eq "post: an inclusion proof" "200 ok" "$(answer docs/openapi.json GET '/api/v1/proof/inclusion?index=0&size=1')"
t_eq "post: an error answer (no session)" "401 ok" "$(answer docs/openapi.json GET /api/v1/status)"
t_eq "post: an error answer (a bad field)" "400 ok" "$(answer docs/openapi.json POST /api/v1/crossings "$OFF" '{"direction":"sideways"}')"
t_eq "post: an error answer (the wrong role)" "403 ok" "$(answer docs/openapi.json POST /api/v1/check "$AUD" "{\"mrz\":\"$MRZ\"}")"
CCA=$C/ca.crt
t_eq "centre: public status" "200 ok" "$(answer docs/openapi-centre.json GET /api/v1/centre/status "" "" "$CCA")"
r=$(answer docs/openapi-centre.json POST /api/v1/session "" "{\"officer\":\"s1\",\"password\":\"openapi password 1\",\"code\":\"$(oathtool --totp -b "$S_SUP")\"}" "$CCA")
t_eq "centre: the dashboard login" "200 ok" "$r"
SUP=$(sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p' "$T_TMP/body")
for route in posts traffic hits alerts; do
	t_eq "centre: dashboard $route" "200 ok" "$(answer docs/openapi-centre.json GET "/api/v1/dashboard/$route" "$SUP" "" "$CCA")"
done
t_eq "centre: overstays with a purpose" "200 ok" "$(answer docs/openapi-centre.json GET '/api/v1/dashboard/overstays?purpose=schema%20check' "$SUP" "" "$CCA")"
t_eq "centre: the pre-arrival list with a purpose" "200 ok" "$(answer docs/openapi-centre.json GET '/api/v1/dashboard/arrivals?purpose=schema%20check' "$SUP" "" "$CCA")"
t_eq "centre: the pre-arrival list without one is a documented 400" "400 ok" "$(answer docs/openapi-centre.json GET /api/v1/dashboard/arrivals "$SUP" "" "$CCA")"
t_eq "centre: a search without a purpose is a documented 400" "400 ok" "$(answer docs/openapi-centre.json POST /api/v1/dashboard/search "$SUP" '{"kind":"document","doc":"X1","purpose":""}' "$CCA")"
t_eq "centre: a search" "200 ok" "$(answer docs/openapi-centre.json POST /api/v1/dashboard/search "$SUP" '{"kind":"document","doc":"X1","purpose":"schema check"}' "$CCA")"
TODAY=$(date -u +%F)
t_eq "centre: a report" "200 ok" "$(answer docs/openapi-centre.json GET "/api/v1/reports/table?from=$TODAY&to=$TODAY&period=day&by=post,nationality&min_cell=2" "$SUP" "" "$CCA")"
t_eq "centre: a report's refused parameter is a documented 400" "400 ok" "$(answer docs/openapi-centre.json GET "/api/v1/reports/table?from=$TODAY" "$SUP" "" "$CCA")"
t_eq "centre: the monthly statistics" "200 ok" "$(answer docs/openapi-centre.json GET "/api/v1/reports/monthly?month=${TODAY:0:7}" "$SUP" "" "$CCA")"
t_eq "centre: overstays by nationality" "200 ok" "$(answer docs/openapi-centre.json GET /api/v1/reports/overstays "$SUP" "" "$CCA")"
t_eq "centre: a sync route without a certificate is a documented 401" "401 ok" "$(answer docs/openapi-centre.json GET /api/v1/sync/state "" "" "$CCA")"
t_end
