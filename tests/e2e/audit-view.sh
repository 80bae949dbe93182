# audit-view.sh — the auditors' audit view at the centre (docs/dashboard.md,
# "Audit view"): GET /api/v1/audit/search by officer, document, time,
# purpose and log; auditors only; each search itself audited; bad parameters
# answered 400 naming the field. Then headless Chromium (tests/browser/
# audit.mjs): the auditor searches, every row is "proof checked" by the page
# itself, and answers tampered on their way show "proof FAILED".
. tests/e2e/lib.sh

SHOTS=$PWD/build/screenshots
BROWSER_DIR=$PWD/tests/browser
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
mkdir -p "$SHOTS"
rm -f "$SHOTS"/audit-*.png

C=$T_TMP/centre
secret_of() { sed -n "s/^officer $1: TOTP secret //p"; }
PASSWORD="audit view password 1"
"$TIMS" centre init "$C" --name tims-centre >/dev/null
cli_bootstrap "$C" || { t_report fail "setup: the centre's first admin"; t_end; exit 1; }
S_SUP=$(echo "$PASSWORD" | "$TIMS" officer add --post "$C" kostova --name "Vera Kostova" --role supervisor | secret_of kostova)
S_ANA=$(echo "$PASSWORD" | "$TIMS" officer add --post "$C" marinov --name "Ivo Marinov" --role analyst | secret_of marinov)
S_AUD=$(echo "$PASSWORD" | "$TIMS" officer add --post "$C" popova --name "Lea Popova" --role auditor | secret_of popova)
S_ADM=$(echo "$PASSWORD" | "$TIMS" officer add --post "$C" georgiev --name "Dan Georgiev" --role admin | secret_of georgiev)
"$TIMS" centre serve "$C" --port 0 >"$T_TMP/centre.out" 2>"$T_TMP/centre.log" &
PIDS+=($!)
wait_line "$T_TMP/centre.out" "listening on"
URL=$(sed -n 's/.* listening on //p' "$T_TMP/centre.out")

# A post whose audit log the centre mirrors (C2): a booth officer's checks
# there are events of the post's log, signed with the post's key.
P=$T_TMP/post-a
"$TIMS" post init "$P" --origin bg.example/post-a --kind land >/dev/null
cli_bootstrap "$P" || { t_report fail "setup: the post's first admin"; t_end; exit 1; }
S_BOOTH=$(echo "booth password 1" | "$TIMS" officer add --post "$P" ivanova --name "Maria Ivanova" --role officer | secret_of ivanova)
"$TIMS" centre enrol-post "$C" post-a --vkey "$P/post.vkey" --url "$URL" --out "$T_TMP/enrol" >/dev/null
"$TIMS" post enrol "$P" --from "$T_TMP/enrol" >/dev/null
"$TIMS" post serve "$P" --port 0 >"$T_TMP/post.out" 2>"$T_TMP/post.log" &
PIDS+=($!)
wait_line "$T_TMP/post.out" "listening on"
PURL=$(sed -n 's/^listening on //p' "$T_TMP/post.out" | sed 's|/$||')
TOKEN=$(preq POST /api/v1/session "{\"officer\":\"ivanova\",\"password\":\"booth password 1\",\"code\":\"$(oathtool --totp -b "$S_BOOTH")\",\"booth\":\"B1\"}" |
	sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p')
for doc in UZ7741209 PA0000002; do
	preq POST /api/v1/check "{\"manual\":$(manual_person "$doc" KARIMOV DILSHOD 1988-05-14)}" >/dev/null
done

dreq() { # METHOD PATH TOKEN [BODY] -> status; the body in $T_TMP/body
	local args=(-s -o "$T_TMP/body" -w '%{http_code}' --cacert "$C/ca.crt" -X "$1" "$URL$2")
	[ -n "$3" ] && args+=(-H "Authorization: Bearer $3")
	[ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	curl "${args[@]}"
}
dlogin() { # ID SECRET -> token
	curl -s --cacert "$C/ca.crt" -H 'Content-Type: application/json' --data-binary \
		"{\"officer\":\"$1\",\"password\":\"$PASSWORD\",\"code\":\"$(oathtool --totp -b "$2")\"}" \
		"$URL/api/v1/session" | sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p'
}
SUP=$(dlogin kostova "$S_SUP")
ANA=$(dlogin marinov "$S_ANA")
AUD=$(dlogin popova "$S_AUD"); AUD_STEP=$(($(date +%s) / 30))
ADM=$(dlogin georgiev "$S_ADM")
t_match "setup: four roles logged in" '^([A-Za-z0-9_-]{43} ){3}[A-Za-z0-9_-]{43}$' "$SUP $ANA $AUD $ADM"

# What there is to audit: national searches by a supervisor and an analyst,
# each with its purpose, in the centre's audit log.
nsearch() { # TOKEN DOC PURPOSE
	dreq POST /api/v1/dashboard/search "$1" "{\"kind\":\"document\",\"doc\":\"$2\",\"purpose\":\"$3\"}"
}
echo "# setup done at ${SECONDS}s"
nsearch "$SUP" UZ7741209 "case 2026/114 border fraud" >/dev/null
nsearch "$SUP" AB1234567 "case 2026/115 visa check" >/dev/null
T1=$(($(date +%s%3N) + 1))
sleep 0.01
nsearch "$ANA" UZ7741209 "weekly statistics review" >/dev/null
nsearch "$SUP" CD7654321 "case 2026/116 stolen passport" >/dev/null

search() { dreq GET "/api/v1/audit/search?$1" "$AUD" >/dev/null; cat "$T_TMP/body"; }
field() { python3 -c '
import json, sys
d = json.load(sys.stdin)
if sys.argv[1] == "total": print(d["total"]); sys.exit()
import base64, struct
def ev(b):
    b = base64.b64decode(b); o = 9; out = []
    for _ in range(6):
        n = struct.unpack(">H", b[o:o+2])[0]; out.append(b[o+2:o+2+n].decode()); o += 2 + n
    o += 12
    n = struct.unpack(">I", b[o:o+4])[0]; out.append(b[o+4:o+4+n].decode())
    return out  # actor role booth addr action purpose query
for r in d["results"]:
    e = ev(r["event"])
    print("|".join([e[0], e[4], e[5], e[6]]))' "$1"; }

r=$(search "officer=kostova")
t_eq "by officer: the supervisor's three searches (and her login)" 4 "$(printf '%s' "$r" | field total)"
t_eq "by officer: only hers" "" "$(printf '%s' "$r" | field rows | grep -v '^kostova|')"
r=$(search "doc=UZ7741209&post=centre")
t_eq "by document: both searches for UZ7741209, whoever made them" \
	"kostova|national.history marinov|national.history" "$(printf '%s' "$r" | field rows | cut -d'|' -f1,2 | sort | tr '\n' ' ' | sed 's/ $//')"
t_eq "by document: written another way (lower case, spaces), the same events" \
	"kostova|national.history marinov|national.history" \
	"$(search "doc=uz%20774%201209&post=centre" | field rows | cut -d'|' -f1,2 | grep national | sort | tr '\n' ' ' | sed 's/ $//')"
t_eq "by document: one nobody asked for, no event" 0 "$(search "doc=ZZ0000000" | field total)"
r=$(search "from=$T1&officer=kostova")
t_eq "by time: after T1, only the search made after it" "kostova|national.history|case 2026/116 stolen passport" \
	"$(printf '%s' "$r" | field rows | cut -d'|' -f1-3)"
r=$(search "to=$T1&action=&purpose=case%202026")
t_eq "by time: before T1, the two cases before it" 2 "$(printf '%s' "$r" | field total)"
t_eq "by time: a UTC date and time is understood too" 0 "$(search "to=2001-01-01T00:00:00Z" | field total)"
r=$(search "purpose=stolen")
t_eq "by purpose (a substring)" "kostova|national.history|case 2026/116 stolen passport" "$(printf '%s' "$r" | field rows | cut -d'|' -f1-3)"
t_eq "by purpose: LIKE's wildcards are plain characters" 0 "$(search "purpose=%25" | field total)"
t_ok "by post: the centre's own log" test "$(search "post=centre&officer=marinov" | field total)" -ge 2
t_eq "by post: the centre's own log holds none of the post's events" 0 "$(search "post=centre&officer=ivanova" | field total)"
for _ in $(seq 1 100); do
	[ "$(search "post=post-a&officer=ivanova" | field total)" -ge 2 ] 2>/dev/null && break; sleep 0.2
done
echo "# the post's audit log at the centre at ${SECONDS}s"
r=$(search "post=post-a&officer=ivanova")
t_match "by post: the booth officer's checks at post-a, from its mirrored audit log" \
	'^ivanova\|check\|.*PA0000002.*ivanova\|check\|.*UZ7741209' "$(printf '%s' "$r" | field rows | tr '\n' ' ')"
t_match "by post: proved against post-a's own checkpoint, signed with post-a's key" \
	"\"post\":\"post-a\",\"origin\":\"bg.example/post-a/audit\",\"checkpoint\":\"bg.example/post-a/audit\\\\n.*\"keys\":\\[\"$(cut -d+ -f1-2 "$P/post.vkey" | sed 's/[.+]/\\&/g')" "$r"
t_eq "by document across the logs: the centre's searches and the post's check" \
	"ivanova|check kostova|national.history marinov|national.history" \
	"$(search "doc=UZ7741209" | field rows | cut -d'|' -f1,2 | grep -v audit.search | sort | tr '\n' ' ' | sed 's/ $//')"
t_eq "by post: a post not enrolled is a 404" 404 "$(dreq GET "/api/v1/audit/search?post=nowhere" "$AUD")"
r=$(search "page_size=2&page=1&officer=kostova")
t_eq "paging: page 1 of 2 a page" "4 2" "$(printf '%s' "$r" | field total) $(printf '%s' "$r" | field rows | wc -l)"
t_match "each result carries what the browser checks" \
	'"entry":"AQI[^"]{53}".*"salt":"[^"]{44}".*"event":"[^"]+".*"proof":\[' "$(search "officer=marinov")"
t_match "the signed checkpoint and the verifier key come with them" \
	'"checkpoint":"tims-centre/audit\\n[0-9]+\\n.*\\u2014 tims-centre/audit .*"keys":\["tims-centre/audit\+[0-9a-f]{8}\+' \
	"$(search "officer=marinov")"

# Who may search: auditors only.
for who in SUP ANA ADM; do
	t_eq "roles: ${who,,} may not search the audit logs (403)" 403 "$(dreq GET /api/v1/audit/search "${!who}")"
done
t_eq "roles: no session, 401" 401 "$(dreq GET /api/v1/audit/search "")"
t_eq "roles: the route table says auditor only" '["auditor"]' \
	"$("$TIMS" centre routes | python3 -c 'import json,sys; print([json.dumps(r["roles"]) for r in map(json.loads, sys.stdin) if r["path"] == "/api/v1/audit/search"][0])')"
t_match "roles: docs/roles.md's Centre API row says the same" '^\| `GET /api/v1/audit/search` \| \| \| \| ✓ \| \|$' \
	"$(grep -F '`GET /api/v1/audit/search`' docs/roles.md)"

# Each search is itself in the centre's audit log, before the answer.
n0=$(search "officer=popova&purpose=" | field total)
search "doc=CD7654321" >/dev/null
t_eq "audited: the auditor's search is itself found by the next search" $((n0 + 2)) "$(search "officer=popova" | field total)"
t_match "audited: with what was asked and which events were shown" \
	'popova\|audit.search\|\|\{"doc":"CD7654321",.*"page":0' "$(search "officer=popova" | field rows)"
t_eq "audited: the audit.search events name the document, so searching it finds the search too" 2 \
	"$(search "doc=CD7654321" | field total)"

# Bad parameters: 400 naming the field.
bad() { # NAME QUERY FIELD
	local st
	st=$(dreq GET "/api/v1/audit/search?$2" "$AUD")
	t_eq "bad parameter: $1 is 400" 400 "$st"
	t_match "bad parameter: $1 names the field" "\"message\":\"$3: " "$(cat "$T_TMP/body")"
}
bad "an oversized officer" "officer=$(printf 'x%.0s' $(seq 1 65))" officer
bad "an oversized document" "doc=$(printf '1%.0s' $(seq 1 41))" doc
bad "an oversized purpose" "purpose=$(printf 'p%.0s' $(seq 1 256))" purpose
bad "a malformed time" "from=yesterday" from
bad "an impossible date" "to=2025-02-30T00:00:00Z" to
bad "a negative page" "page=-1" page
bad "a page size too large" "page_size=1000" page_size
bad "a control character" "purpose=a%0Ab" purpose

# The index: keyed hashes, never the document in clear; their key is the
# vault's (in the token), not a file beside centre.db.
t_ok "index: no key file beside centre.db (auditview.key)" test ! -e "$C/auditview.key"
t_eq "index: centre.db holds no document number in clear" 0 \
	"$(grep -c -a -e UZ7741209 -e CD7654321 "$C"/centre.db* 2>/dev/null | awk -F: '{s += $NF} END {print s + 0}')"

out=$("$TIMS" centre audit-verify "$C" 2>&1)
t_match "the centre's audit log verifies" 'audit log: [0-9]+ events: ok' "$out"

# The browser: the page checks every event itself.
missing=
[ -x "$CHROMIUM" ] || missing="$missing chromium ($CHROMIUM)"
command -v node >/dev/null 2>&1 || missing="$missing node"
if [ -n "$missing" ]; then
	t_report fail "browser: the tools are installed" "missing:$missing"
	t_end; exit 1
fi
if [ ! -f "$BROWSER_DIR/node_modules/playwright-core/package.json" ]; then
	(cd "$BROWSER_DIR" && npm install --no-audit --no-fund --loglevel=error >/dev/null 2>&1)
fi
# popova's code of the step her API login used is spent (one code, one
# login: docs/security.md): the page logs in with the next step's
while [ $(($(date +%s) / 30)) -le "$AUD_STEP" ]; do sleep 0.5; done
export URL SHOTS CHROMIUM S_AUD PASSWORD AUDITOR=popova OFFICER=kostova DOC=UZ7741209 POST=post-a
echo "# browser from ${SECONDS}s"
node "$BROWSER_DIR/audit.mjs" >"$T_TMP/browser.out" 2>"$T_TMP/browser.err"
rc=$?
browser_report "$rc"
echo "# done at ${SECONDS}s"
t_end
