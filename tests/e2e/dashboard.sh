# dashboard.sh — the supervisor dashboard (web/dashboard/, the centre's
# console) against a real centre and two posts on loopback: the posts
# register traffic through their API (a watchlist hit among it, an
# overstayer from last season), then headless Chromium (playwright-core,
# tests/browser/dashboard.mjs) logs in with a TOTP code from oathtool and
# checks each panel against what was registered, runs a national search
# with a purpose, and sees a stopped post go offline. curl checks the role
# matrix; the centre's audit log must hold every search. Screenshots go to
# build/screenshots/dashboard-*.png.
. tests/e2e/lib.sh

SHOTS=$PWD/build/screenshots
BROWSER_DIR=$PWD/tests/browser
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
missing=
[ -x "$CHROMIUM" ] || missing="$missing chromium ($CHROMIUM)"
command -v node >/dev/null 2>&1 || missing="$missing node"
command -v oathtool >/dev/null 2>&1 || missing="$missing oathtool"
if [ -n "$missing" ]; then
	t_report fail "dashboard: the browser test's tools are installed" "missing:$missing"
	t_end; exit 1
fi
if [ ! -f "$BROWSER_DIR/node_modules/playwright-core/package.json" ]; then
	(cd "$BROWSER_DIR" && npm install --no-audit --no-fund --loglevel=error >/dev/null 2>&1)
	t_ok "dashboard: playwright-core installs from tests/browser/package.json" \
		test -f "$BROWSER_DIR/node_modules/playwright-core/package.json"
fi
mkdir -p "$SHOTS"
rm -f "$SHOTS"/dashboard-*.png

C=$T_TMP/centre
secret_of() { sed -n "s/^officer $1: TOTP secret //p"; }
PASSWORD="dashboard password 1"

"$TIMS" centre init "$C" --name tims-centre >/dev/null
cli_bootstrap "$C" >/dev/null
S_SUP=$(echo "$PASSWORD" | "$TIMS" officer add --post "$C" kostova --name "Vera Kostova" --role supervisor | secret_of kostova)
S_SUP2=$(echo "$PASSWORD" | "$TIMS" officer add --post "$C" dimov --name "Asen Dimov" --role supervisor | secret_of dimov)
S_ANA=$(echo "$PASSWORD" | "$TIMS" officer add --post "$C" marinov --name "Ivo Marinov" --role analyst | secret_of marinov)
S_ANA2=$(echo "$PASSWORD" | "$TIMS" officer add --post "$C" rexha --name "Ana Rexha" --role analyst | secret_of rexha)
S_AUD=$(echo "$PASSWORD" | "$TIMS" officer add --post "$C" popova --name "Lea Popova" --role auditor | secret_of popova)
S_OFF=$(echo "$PASSWORD" | "$TIMS" officer add --post "$C" stoyanov --name "Ivan Stoyanov" --role officer | secret_of stoyanov)
cli_as "$C" analyst "$TIMS" watchlist import --store "$C/watchlists" --list wanted --kind persons tests/data/screen/persons.csv >/dev/null
"$TIMS" centre serve "$C" --port 0 >"$T_TMP/centre.out" 2>"$T_TMP/centre.log" &
PIDS+=($!)
wait_line "$T_TMP/centre.out" "listening on"
CURL_=$(sed -n 's/.* listening on //p' "$T_TMP/centre.out")
t_match "centre: serves the dashboard and the sync API on loopback" '^https://127\.0\.0\.1:[0-9]+$' "$CURL_"

declare -A DIR PURL NODE TOKEN
for n in post-a post-b; do
	DIR[$n]=$T_TMP/$n
	"$TIMS" post init "${DIR[$n]}" --origin "bg.example/$n" --kind land >/dev/null
	cli_bootstrap "${DIR[$n]}" >/dev/null
	echo "booth password 1" | "$TIMS" officer add --post "${DIR[$n]}" "b-$n" --name "Booth $n" --role officer |
		secret_of "b-$n" >"$T_TMP/secret-$n"
	echo "booth password 1" | "$TIMS" officer add --post "${DIR[$n]}" "s-$n" --name "Supervisor $n" --role supervisor |
		secret_of "s-$n" >"$T_TMP/ssecret-$n"
	"$TIMS" centre enrol-post "$C" "$n" --vkey "${DIR[$n]}/post.vkey" --url "$CURL_" --out "$T_TMP/enrol-$n" >/dev/null
	"$TIMS" post enrol "${DIR[$n]}" --from "$T_TMP/enrol-$n" >/dev/null
done
# Last season at post A, re-typed from paper: the overstayer. Uzbekistan
# needs a visa (Annex I): his, for 90 days, is on the record.
printf '{"id":"paper-1","direction":"entry","officer":"archive","booth":"B1","crossed_at":"%s","person":{"doc_code":"P","issuer":"UZB","number":"UZ7741209","surname":"KARIMOV","given_names":"DILSHOD","nationality":"UZB","birth_date":"1988-05-14","sex":"M"},"visa":{"kind":"short","number":"VC7741209","issuer":"D","valid_from":"%s","valid_until":"%s","entries":0,"duration_days":90}}\n' \
	"$(date -u -d '100 days ago' +%Y-%m-%dT%H:%M:%SZ)" "$(date -u -d '110 days ago' +%F)" \
	"$(date -u -d '60 days' +%F)" >"$T_TMP/paper.jsonl"
cli_as "${DIR[post-a]}" supervisor "$TIMS" cross import --post "${DIR[post-a]}" "$T_TMP/paper.jsonl" >/dev/null 2>&1
for n in post-a post-b; do
	"$TIMS" post serve "${DIR[$n]}" --port 0 >"$T_TMP/$n.out" 2>"$T_TMP/$n.log" &
	NODE[$n]=$!
	PIDS+=("${NODE[$n]}")
	wait_line "$T_TMP/$n.out" "listening on"
	PURL[$n]=$(sed -n 's/^listening on //p' "$T_TMP/$n.out" | sed 's|/$||')
done
# the posts get the centre's watchlist as a bundle
for _ in $(seq 1 100); do
	grep -q "watchlist wanted: version 1 from the centre applied" "$T_TMP/post-a.log" && break; sleep 0.1
done
t_ok "setup: post A holds the centre's watchlist" grep -q "watchlist wanted: version 1 from the centre applied" "$T_TMP/post-a.log"

# Traffic through the booths' API, as the console sends it.
req() { # URL METHOD PATH TOKEN [BODY]
	local args=(-s --cacert "$C/ca.crt" -X "$2" "$1$3")
	[ -n "$4" ] && args+=(-H "Authorization: Bearer $4")
	[ -n "${5:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$5")
	curl "${args[@]}"
}
for n in post-a post-b; do
	TOKEN[$n]=$(req "${PURL[$n]}" POST /api/v1/session "" "{\"officer\":\"b-$n\",\"password\":\"booth password 1\",\"code\":\"$(oathtool --totp -b "$(cat "$T_TMP/secret-$n")")\",\"booth\":\"B1\"}" |
		sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p')
done
cross() { # POST ID DOC SURNAME GIVEN DOB: the booth's check, then the crossing
	local c
	c=$(req "${PURL[$1]}" POST /api/v1/check "${TOKEN[$1]}" "{\"manual\":$(manual_person "$3" "$4" "$5" "$6")}" | check_id_of)
	req "${PURL[$1]}" POST /api/v1/crossings "${TOKEN[$1]}" "{\"id\":\"$2\",\"check_id\":\"$c\",\"direction\":\"entry\",\"decision\":\"admit\"}" >"$T_TMP/cross-$2"
}
cross post-a a1 AA1000001 IVANOV PETAR 1980-01-02
cross post-a a2 AA1000002 GEORGIEV NIKOLA 1975-05-05
cross post-a a3 AA1000003 DIMITROV STOYAN 1990-09-09
cross post-b b1 BB1000001 IVANOV PETAR 1980-01-02
cross post-b b2 BB1000002 PETROVA MILENA 1985-03-03
# the wanted traveller: the check finds him, the crossing records the hit
WANTED='P<RUSSHCHERBAKOV<<YURIY<<<<<<<<<<<<<<<<<<<<<\n7200000175RUS7104125M3306150<<<<<<<<<<<<<<<6'
chk=$(req "${PURL[post-a]}" POST /api/v1/check "${TOKEN[post-a]}" "{\"mrz\":\"$WANTED\"}")
t_match "traffic: the booth's check finds the wanted traveller" '"list":"wanted","kind":"persons","ref":"P-001"' "$chk"
r=$(req "${PURL[post-a]}" POST /api/v1/crossings "${TOKEN[post-a]}" "{\"id\":\"a4\",\"check_id\":\"$(printf '%s' "$chk" | check_id_of)\",\"direction\":\"entry\",\"decision\":\"second-line\"}")
t_match "traffic: his crossing is registered, second line" '"index":[0-9]+' "$r"
EXPECT_TOTAL=6
centre_size() { curl -s --cacert "$C/ca.crt" "$CURL_/api/v1/centre/status" | python3 -c 'import json,sys; print(sum(p["size"] for p in json.load(sys.stdin)["posts"]))'; }
for _ in $(seq 1 100); do [ "$(centre_size)" = $((EXPECT_TOTAL + 1)) ] && break; sleep 0.2; done
t_eq "sync: the centre mirrors the day and the paper record" $((EXPECT_TOTAL + 1)) "$(centre_size)"

# The role matrix of the dashboard's routes, over curl.
dreq() { # METHOD PATH TOKEN [BODY] -> status
	local args=(-s -o "$T_TMP/body" -w '%{http_code}' --cacert "$C/ca.crt" -X "$1" "$CURL_$2")
	[ -n "$3" ] && args+=(-H "Authorization: Bearer $3")
	[ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	curl "${args[@]}"
}
dlogin() { # ID SECRET -> token
	curl -s --cacert "$C/ca.crt" -H 'Content-Type: application/json' --data-binary \
		"{\"officer\":\"$1\",\"password\":\"$PASSWORD\",\"code\":\"$(oathtool --totp -b "$2")\"}" \
		"$CURL_/api/v1/session" | sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p'
}
t_eq "roles: a booth officer may not log in to the dashboard" 403 \
	"$(dreq POST /api/v1/session "" "{\"officer\":\"stoyanov\",\"password\":\"$PASSWORD\",\"code\":\"$(oathtool --totp -b "$S_OFF")\"}")"
t_eq "login: a dashboard login may not make a command-line session (booth \"cli\")" 400 \
	"$(dreq POST /api/v1/session "" "{\"officer\":\"kostova\",\"password\":\"$PASSWORD\",\"code\":\"000000\",\"booth\":\"cli\"}")"
AUD=$(dlogin popova "$S_AUD")
t_match "roles: the auditor has a session" '^[A-Za-z0-9_-]{43}$' "$AUD"
for route in posts hits alerts traffic overstays; do
	t_eq "roles: no session, /api/v1/dashboard/$route: 401" 401 "$(dreq GET "/api/v1/dashboard/$route" "")"
done
# the page's catalogue loader is the booth console's, served once from web/
t_eq "page: /i18n.js is the booth console's loader (web/i18n.js, no copy)" "$(sha256sum <web/i18n.js)" \
	"$(curl -s --cacert "$C/ca.crt" "$CURL_/i18n.js" | sha256sum)"
t_eq "page: no other file of the booth console is served by the centre" 404 \
	"$(curl -s -o /dev/null -w '%{http_code}' --cacert "$C/ca.crt" "$CURL_/console.js")"
t_eq "roles: the auditor reads the alerts" 200 "$(dreq GET /api/v1/dashboard/alerts "$AUD")"
t_eq "roles: the auditor sees the posts" 200 "$(dreq GET /api/v1/dashboard/posts "$AUD")"
t_eq "roles: the auditor may not read the hits" 403 "$(dreq GET /api/v1/dashboard/hits "$AUD")"
t_eq "roles: the auditor may not search" 403 \
	"$(dreq POST /api/v1/dashboard/search "$AUD" '{"kind":"document","doc":"UZ7741209","purpose":"curiosity"}')"
t_eq "roles: the role is checked before the body (a malformed search by the auditor)" 403 \
	"$(dreq POST /api/v1/dashboard/search "$AUD" '{"kind":')"
t_eq "sync routes: still refused without a post's certificate" 401 "$(dreq GET /api/v1/sync/state "$AUD")"
# docs/roles.md's matrix is the centre's route table (dashboard routes).
doc=$(python3 - docs/roles.md <<'PY'
import re, sys
roles = ["officer", "supervisor", "analyst", "auditor", "admin"]
text = open(sys.argv[1], encoding="utf-8").read().split("## Centre API", 1)[1].split("\n## ", 1)[0]
for line in text.splitlines():
    m = re.match(r"\|\s*`(GET|POST|DELETE) (/api/v1/(?:dashboard/[a-z/]*|reports/[a-z]*|session))[^`]*`[^|]*\|(.*)\|\s*$", line)
    if m:
        cells = [c.strip() for c in m.group(3).split("|")]
        got = ["public"] if cells[0] == "public" else [r for r, c in zip(roles, cells) if c == "✓"]
        print(m.group(1), m.group(2), ",".join(got))
PY
)
code=$("$TIMS" centre routes | python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if r["path"].startswith(("/api/v1/dashboard", "/api/v1/reports", "/api/v1/session")):
        print(r["method"], r["path"], ",".join(r["roles"]))')
t_eq "roles: docs/roles.md's matrix is the centre's route table" "$(sort <<<"$code")" "$(sort <<<"$doc")"

# Reports (docs/dashboard.md "Reports"): counts only, for supervisors and
# analysts, parameters checked by name, every read audited, sums equal to
# the query store's (tims centre query counts).
REP_TO=$(date -u +%F)
REP_FROM=$(date -u -d '120 days ago' +%F)
ANA2=$(dlogin rexha "$S_ANA2")
t_match "reports: the second analyst has a session" '^[A-Za-z0-9_-]{43}$' "$ANA2"
t_eq "reports: no session: 401" 401 "$(dreq GET "/api/v1/reports/table?from=$REP_FROM&to=$REP_TO" "")"
t_eq "reports: the auditor may not read the statistics" 403 "$(dreq GET "/api/v1/reports/table?from=$REP_FROM&to=$REP_TO" "$AUD")"
t_eq "reports: nor the monthly statistics" 403 "$(dreq GET "/api/v1/reports/monthly?month=${REP_TO:0:7}" "$AUD")"
bad_field() { # QUERY FIELD: 400 bad_query naming the field
	local st
	st=$(dreq GET "/api/v1/reports/$1" "$ANA2")
	t_eq "reports: $1 is refused 400 naming $2" "400 bad_query $2" \
		"$st $(python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); print(b["error"], b["params"]["field"])' "$T_TMP/body")"
}
bad_field "table?from=2026-13-01&to=$REP_TO" from
bad_field "table?from=$REP_FROM" to
bad_field "table?from=$REP_TO&to=$REP_FROM" to
bad_field "table?from=$REP_FROM&to=$REP_TO&period=week" period
bad_field "table?from=$REP_FROM&to=$REP_TO&by=post,surname" by
bad_field "table?from=$REP_FROM&to=$REP_TO&table=vehicles&by=reason" by
bad_field "table?from=$(date -u -d '400 days ago' +%F)&to=$REP_TO&period=day" period
bad_field "table?from=$REP_FROM&to=$REP_TO&purpose=x" purpose
bad_field "table?from=$REP_FROM&to=$REP_TO&min_cell=1000" min_cell
bad_field "monthly?month=2026-1" month
bad_field "overstays?on=yesterday" on
t_eq "reports: crossings by post and day" 200 \
	"$(dreq GET "/api/v1/reports/table?table=crossings&from=$REP_FROM&to=$REP_TO&period=day&by=post,direction" "$ANA2")"
rep=$(cat "$T_TMP/body")
# the same period from the query store, as tims centre query counts it
store=$(cli_as "$C" analyst "$TIMS" centre query "$C" counts --by post --from "${REP_FROM}T00:00:00Z" \
	--to "$(date -u -d "$REP_TO + 1 day" +%F)T00:00:00Z" 2>&1)
sums() { python3 -c '
import json, sys, collections
a = json.loads(sys.argv[1]); s = collections.Counter()
for g in a.get("rows", a.get("groups", [])): s[g["post"]] += g["count"] or 0
print(a["total"], sorted(s.items()))' "$1"; }
t_eq "reports: the report's sums by post are the query store's" "$(sums "$store")" "$(sums "$rep")"
t_eq "reports: all ${EXPECT_TOTAL} crossings and the paper record are counted" $((EXPECT_TOTAL + 1)) \
	"$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["total"])' "$rep")"
t_no_match() { if printf '%s' "$3" | grep -Eq "$2"; then t_report fail "$1" "found: $2"; else t_report ok "$1"; fi; }
t_no_match "reports: the answer names no traveller, document or reference" 'IVANOV|KARIMOV|AA1000001|UZ7741209|P-001|surname|document' "$rep"
dreq GET "/api/v1/reports/table?from=$REP_FROM&to=$REP_TO&by=post&min_cell=100" "$ANA2" >/dev/null
t_eq "reports: small cells (min_cell=100): every count hidden, the total kept" "True $((EXPECT_TOTAL + 1))" \
	"$(python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); print(all(r["count"] is None and r["suppressed"] for r in b["rows"]), b["total"])' "$T_TMP/body")"
t_eq "reports: the monthly statistics" 200 "$(dreq GET "/api/v1/reports/monthly?month=${REP_TO:0:7}" "$ANA2")"
# this month: five admitted entries (a1-a3, b1, b2); the wanted traveller is in second line
t_eq "reports: monthly: 5 entries of admitted travellers, 0 exits, posts A and B" "5 0 2" \
	"$(python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); print(b["totals"]["entries"], b["totals"]["exits"], len(b["posts"]))' "$T_TMP/body")"
t_eq "reports: overstays by nationality" 200 "$(dreq GET "/api/v1/reports/overstays" "$ANA2")"
t_match "reports: the overstayer counted under UZB, no name" '"nationality":"UZB","count":1' "$(cat "$T_TMP/body")"
acts=$(cli_as "$C" auditor "$TIMS" audit list --centre "$C" --count 1000 2>&1)
t_match "reports: each read is in the centre's audit log, with who asked" 'rexha.*report\.table|report\.table.*rexha' "$acts"
t_match "reports: ... the monthly statistics too" 'report\.monthly' "$acts"
t_match "reports: ... and the overstays by nationality" 'report\.overstays' "$acts"
if [ -f /usr/share/javascript/chart.js/chart.min.js ]; then
	t_eq "page: /chart.js is Debian's libjs-chart.js, served by the centre" \
		"$(sha256sum </usr/share/javascript/chart.js/chart.min.js)" "$(curl -s --cacert "$C/ca.crt" "$CURL_/chart.js" | sha256sum)"
else
	t_report fail "page: libjs-chart.js is installed (scripts/deps.sh)" "no /usr/share/javascript/chart.js/chart.min.js"
fi
REP_BY_POST=$(sums "$store")

# The pre-arrival list (docs/dashboard.md "Arrivals"): a flight due
# tomorrow whose first passenger is the wanted SHCHERBAKOV, imported as
# `tims api import` does it; the page must show it with its one hit.
ARR_DAY=$(date -u -d tomorrow +%F)
python3 tests/data/paxlst/gen-paxlst.py --seed 5 --passengers 2 --crew 0 --date "$ARR_DAY" |
	awk '/^NAD\+FL/ { n++ } n == 1 && /^NAD\+FL/ { $0 = "NAD+FL+++SHCHERBAKOV:YURIY\x27" }
		n == 1 && /^ATT\+2/ { $0 = "ATT+2++M\x27" } n == 1 && /^DTM\+329/ { $0 = "DTM+329:710412\x27" }
		n == 1 && /^NAT\+2/ { $0 = "NAT+2+RUS\x27" } { print }' >"$T_TMP/arr.edi"
imp=$(cli_as "$C" supervisor "$TIMS" api import "$C" "$T_TMP/arr.edi" 2>&1)
ARR_FLIGHT=$(jq -r '.flights[0].flight' <<<"$imp" 2>/dev/null)
t_eq "arrivals: tims api import of tomorrow's flight: 2 travellers, 1 hit" "2 1" "$(jq -r '"\(.travellers) \(.hits)"' <<<"$imp" 2>&1)"
arr() { dreq GET "/api/v1/dashboard/arrivals$1" "${2:-$ANA2}"; }
t_eq "arrivals: the auditor is refused before anything is read" 403 "$(arr '?purpose=curiosity' "$AUD")"
t_eq "after arrival: the auditor is refused the report (names travellers) before anything is read" 403 \
	"$(dreq GET "/api/v1/dashboard/arrivals/report?kind=no-show&date=2026-12-07&purpose=curiosity" "$AUD")"
t_eq "arrivals: an unknown parameter is refused naming it" "400 bad_query surname" \
	"$(arr '?purpose=pre-arrival&surname=SHCHERBAKOV') $(jq -r '"\(.error) \(.params.field)"' "$T_TMP/body")"
t_eq "arrivals: an airport that is no IATA code is refused naming it" "400 airport" \
	"$(arr '?purpose=pre-arrival&airport=TI%27') $(jq -r .params.field "$T_TMP/body")"
t_eq "arrivals: tomorrow at TIA: the flight, 1 hit, no name" "200 1 $ARR_FLIGHT 1 0" \
	"$(arr "?purpose=pre-arrival&date=$ARR_DAY&airport=TIA") $(jq -r '"\(.total) \(.flights[0].flight) \(.flights[0].hits)"' "$T_TMP/body") $(grep -c SHCHERBAKOV "$T_TMP/body")"
t_eq "arrivals: another day, another airport: none" "200 0 200 0" \
	"$(arr "?purpose=pre-arrival&date=$REP_FROM") $(jq -r .total "$T_TMP/body") $(arr '?purpose=pre-arrival&airport=SKP') $(jq -r .total "$T_TMP/body")"

h=$(curl -s -D - -o /dev/null --cacert "$C/ca.crt" "$CURL_/")
t_match "static: the dashboard's page, under a strict CSP" "Content-Security-Policy: default-src 'self'" "$h"

# The browser.
export URL=$CURL_ SHOTS CHROMIUM S_SUP S_ANA S_AUD PASSWORD EXPECT_TOTAL REP_FROM REP_TO REP_BY_POST ARR_FLIGHT ARR_DAY
export STOP_POST=post-b STOP_POST_PID=${NODE[post-b]}
# events: post-b's client certificate posts an admission with a hit while the page is open
export EV_CA=$C/ca.crt EV_CERT=$T_TMP/enrol-post-b/client.crt EV_KEY=$T_TMP/enrol-post-b/client.key
node "$BROWSER_DIR/dashboard.mjs" >"$T_TMP/browser.out" 2>"$T_TMP/browser.err"
rc=$?
browser_report "$rc"
t_match "languages: the analyst's switch to Albanian is stored with his account at the centre" \
	'"id":"marinov"[^}]*"lang":"sq"' "$("$TIMS" officer list --post "$C" --json 2>&1)"
t_eq "languages: the centre's, public: the installation's default and those available" \
	'{"default":"en","available":["en","sq"]}' "$(curl -s --cacert "$C/ca.crt" "$CURL_/api/v1/languages")"

# Repeats aggregated; a severe alert stays until a supervisor acknowledges it.
"$TIMS" post init "$T_TMP/post-r" --origin bg.example/post-r --kind land >/dev/null
cli_bootstrap "$T_TMP/post-r"
"$TIMS" centre enrol-post "$C" post-r --vkey "$T_TMP/post-r/post.vkey" --url "$CURL_" --out "$T_TMP/enrol-r" >/dev/null
"$TIMS" centre revoke-post "$C" post-r >/dev/null
for _ in $(seq 1 150); do
	curl -s -o /dev/null --cacert "$C/ca.crt" --cert "$T_TMP/enrol-r/client.crt" --key "$T_TMP/enrol-r/client.key" \
		"$CURL_/api/v1/sync/state"
done
SUP0=$(dlogin dimov "$S_SUP2")
alerts() { dreq GET /api/v1/dashboard/alerts "$SUP0" >/dev/null; cat "$T_TMP/body"; }
a=$(alerts)
count_of() { printf '%s' "$1" | python3 -c '
import json, sys
al = [x for x in json.load(sys.stdin)["alerts"] if x["kind"] == sys.argv[1]
      and (len(sys.argv) < 3 or sys.argv[2] in (x.get("detail") or ""))]
print(len(al), al[0]["count"] if al else 0, al[0]["id"] if al else 0, al[0].get("severe") if al else "")' "$2" "$3"; }
# a revoked post's certificate is refused as "revoked" (severe), one row
read -r n cnt RID sev <<<"$(count_of "$a" revoked "refused")"
t_eq "alerts: 150 refusals of a revoked certificate are one row" 1 "$n"
t_ok "alerts: the row counts them ($cnt)" test "$cnt" -ge 150
t_eq "alerts: a refused certificate is severe" True "$sev"
t_match "alerts: the rare revocation before them is still on the panel" '"kind":"revoked"' "$a"
t_eq "alerts: an auditor may not acknowledge" 403 "$(dreq POST /api/v1/dashboard/alerts/ack "$AUD" "{\"id\":$RID}")"
t_eq "alerts: a supervisor acknowledges the alert" 200 "$(dreq POST /api/v1/dashboard/alerts/ack "$SUP0" "{\"id\":$RID}")"
state_of() { printf '%s' "$1" | python3 -c '
import json, sys
print(" ".join(x["state"] for x in json.load(sys.stdin)["alerts"] if x["id"] == int(sys.argv[1])) or "gone")' "$2"; }
t_eq "alerts: acknowledged, a severe alert stays on the panel until closed" acknowledged "$(state_of "$(alerts)" "$RID")"
t_eq "alerts: acknowledging it again is a 404" 404 "$(dreq POST /api/v1/dashboard/alerts/ack "$SUP0" "{\"id\":$RID}")"
t_eq "alerts: an auditor may not close it" 403 "$(dreq POST /api/v1/dashboard/alerts/close "$AUD" "{\"id\":$RID,\"note\":\"x\"}")"
t_eq "alerts: a supervisor closes it with a note" 200 \
	"$(dreq POST /api/v1/dashboard/alerts/close "$SUP0" "{\"id\":$RID,\"note\":\"post-r was revoked on purpose\"}")"
t_eq "alerts: once closed it leaves the panel" "0 0" "$(count_of "$(alerts)" revoked "refused" | cut -d' ' -f1,2)"
a=$(cli_as "$C" auditor "$TIMS" audit list --centre "$C" --count 1000 2>&1)
t_match "alerts: the acknowledgement is in the centre's audit log" 'dashboard\.alert\.ack' "$a"
t_match "alerts: ... and the closing" 'dashboard\.alert\.close' "$a"
t_match "alerts: ... with its note" '"note":"post-r was revoked on purpose"' "$a"
curl -s -o /dev/null --cacert "$C/ca.crt" --cert "$T_TMP/enrol-r/client.crt" --key "$T_TMP/enrol-r/client.key" \
	"$CURL_/api/v1/sync/state"
t_eq "alerts: the next refusal opens a new alert" "1 1" "$(count_of "$(alerts)" revoked "refused" | cut -d' ' -f1,2)"
dreq DELETE /api/v1/session "$SUP0" >/dev/null

# The centre's audit log holds the searches, with their purposes.
out=$("$TIMS" centre audit-verify "$C" 2>&1)
t_match "audit: the centre's audit log verifies" 'audit log: [0-9]+ events: ok' "$out"
acts=$(cli_as "$C" auditor "$TIMS" audit list --centre "$C" --count 1000 2>&1)
t_match "audit: the document search is recorded with its purpose" 'national\.history.*case 2026/114|case 2026/114.*national\.history' "$acts"
t_match "audit: the overstay list is recorded with its purpose" 'national\.overstays.*weekly overstay review|weekly overstay review.*national\.overstays' "$acts"
t_match "audit: the hits panel is recorded" 'dashboard\.hits' "$acts"
t_match "audit: the failed login is recorded" 'dashboard\.login\.failed' "$acts"
t_match "audit: the arrivals read is recorded with its purpose and filters" \
	'dashboard\.arrivals .*purpose "pre-arrival" asked \{"date":"'"$ARR_DAY"'","airport":"TIA"\}' "$(grep -A1 -F dashboard.arrivals <<<"$acts" | paste -sd ' ' | tr -s ' ')"
# A corrected record counts once: post A's supervisor corrects a1 (an
# entry) into an exit; the report then has one entry fewer and one exit
# more, the same total, and says what the query store says.
by_dir() { dreq GET "/api/v1/reports/table?from=$REP_FROM&to=$REP_TO&by=post,direction" "$ANA2" >/dev/null
	python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); print(b["total"], " ".join(r["post"] + "/" + r["direction"] + "=" + str(r["count"]) for r in b["rows"]))' "$T_TMP/body"; }
before=$(by_dir)
SUPA=$(req "${PURL[post-a]}" POST /api/v1/session "" "{\"officer\":\"s-post-a\",\"password\":\"booth password 1\",\"code\":\"$(oathtool --totp -b "$(cat "$T_TMP/ssecret-post-a")")\",\"booth\":\"B1\"}" |
	sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p')
A1=$(sed -n 's/.*"index":\([0-9]*\).*/\1/p' "$T_TMP/cross-a1")
r=$(req "${PURL[post-a]}" POST /api/v1/corrections "$SUPA" "{\"corrects\":$A1,\"reason\":\"the officer pressed entry for an exit\",\"direction\":\"exit\"}")
t_match "correction: post A's supervisor corrects a1 into an exit" '"index":[0-9]+' "$r"
for _ in $(seq 1 100); do [ "$(centre_size)" = $((EXPECT_TOTAL + 2)) ] && break; sleep 0.2; done
t_eq "correction: the centre mirrors it" $((EXPECT_TOTAL + 2)) "$(centre_size)"
after=$(by_dir)
t_eq "reports: before the correction, post A had 5 entries (the paper one and the referral too), no exit" \
	"$((EXPECT_TOTAL + 1)) bg.example/post-a/entry=5 bg.example/post-b/entry=2" "$before"
t_eq "reports: the corrected record counts once: 4 entries and 1 exit at post A, the same total" \
	"$((EXPECT_TOTAL + 1)) bg.example/post-a/entry=4 bg.example/post-a/exit=1 bg.example/post-b/entry=2" "$after"
store=$(cli_as "$C" analyst "$TIMS" centre query "$C" counts --by post,direction --from "${REP_FROM}T00:00:00Z" \
	--to "$(date -u -d "$REP_TO + 1 day" +%F)T00:00:00Z" 2>&1)
t_eq "reports: ... as the query store counts it (tims centre query counts)" "$after" \
	"$(python3 -c 'import json,sys; b=json.loads(sys.argv[1]); print(b["total"], " ".join(r["post"] + "/" + r["direction"] + "=" + str(r["count"]) for r in b["groups"]))' "$store")"

pdf=$(pdftotext "$SHOTS/dashboard-reports.pdf" - 2>&1)
t_match "reports: the PDF (print) holds the monthly statistics and their totals" 'Monthly statistics' "$pdf"
t_eq "reports: ... and nothing of the other panels, nor the forms" "" \
	"$(printf '%s' "$pdf" | grep -E 'Crossings per hour|Posts|Export CSV|Hide counts below')"
t_eq "reports: the monthly statistics list only nationalities with a count (not the wanted traveller's, in second line)" \
	"BGR" "$(dreq GET "/api/v1/reports/monthly?month=${REP_TO:0:7}" "$ANA2" >/dev/null; python3 -c 'import json,sys; print(",".join(r["nationality"] for r in json.load(open(sys.argv[1]))["rows"]))' "$T_TMP/body")"
for s in login overview events search arrivals post-offline analyst analyst-sq reports-sq reports; do
	t_ok "screenshot build/screenshots/dashboard-$s.png saved" test -s "$SHOTS/dashboard-$s.png"
done
t_end
