# api-matrix.sh — every route of the post node × every role and no session,
# over real HTTPS on loopback (curl; TOTP codes from oathtool).
#
# The expected matrix is read from docs/roles.md ("Post API"), and checked first against
# the node's own route table (`tims post routes`): a route added to the code
# and not to the documentation, or a role changed in one place only, fails
# here. Then each route is called as each role, with a valid request: an
# allowed role gets a 2xx (the requests are valid, so nothing else will do),
# a role not in the matrix 403 "forbidden", no session 401
# "unauthenticated"; a public route answers 2xx to everyone (a correct
# login, whatever session the caller already holds), and the peer routes
# refuse everyone without the centre's client certificate. Last, the session cases: a logged-out token,
# an expired one, and status polling that must not keep a session alive.
. tests/e2e/lib.sh

P=$T_TMP/post
"$TIMS" post init "$P" --origin test.example/matrix-post --kind land >/dev/null 2>&1
cli_bootstrap "$P"
secret_of() { sed -n "s/^officer $1: TOTP secret //p"; }
ROLES=(officer supervisor analyst auditor admin)
declare -A SECRET TOKEN
for r in "${ROLES[@]}"; do
	SECRET[$r]=$(echo "matrix password $r" | "$TIMS" officer add --post "$P" "m-$r" \
		--name "Matrix ${r^}" --role "$r" | secret_of "m-$r")
done
SECRET[sup2]=$(echo "matrix password sup2" | "$TIMS" officer add --post "$P" m-sup2 \
	--name "Matrix Second" --role supervisor | secret_of m-sup2)
# Two referrals to the second line by another officer (records 0 and 1,
# by cli-officer logged in at the command line): one for each role that
# records a second-line outcome; record 2 is the one a supervisor corrects.
for i in 0 1; do
	cli_as "$P" officer "$TIMS" cross --post "$P" --doc-number "R10000$i" --surname REFERRED \
		--nationality UTO --direction entry --decision second-line --booth M9 >/dev/null
done
cli_as "$P" officer "$TIMS" cross --post "$P" --doc-number R100002 --surname ADMITTED \
	--direction entry --booth M9 >/dev/null
SECRET[late]=$(echo "matrix password late" | "$TIMS" officer add --post "$P" m-late \
	--name "Matrix Late" --role officer | secret_of m-late)
# One more officer per caller for the public login row: a TOTP code is good
# only once, and each role's own officer has already used its code.
for who in none "${ROLES[@]}"; do
	SECRET[p-$who]=$(echo "matrix password p-$who" | "$TIMS" officer add --post "$P" "p-$who" \
		--name "Public ${who^}" --role officer | secret_of "p-$who")
done
"$TIMS" post serve "$P" --port 0 >"$T_TMP/serve.out" 2>"$T_TMP/serve.err" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$T_TMP"' EXIT
for _ in $(seq 1 100); do grep -q listening "$T_TMP/serve.out" 2>/dev/null && break; sleep 0.1; done
URL=$(sed -n 's/^listening on //p' "$T_TMP/serve.out" | sed 's|/$||')
CA=$P/tls.crt

# 1. The documentation's matrix is the code's.
python3 - docs/roles.md >"$T_TMP/doc.jsonl" <<'PY'
import json, re, sys
roles = ["officer", "supervisor", "analyst", "auditor", "admin"]
text = open(sys.argv[1], encoding="utf-8").read()
section = text.split("## Post API", 1)[1].split("\n## ", 1)[0]
for line in section.splitlines():
    m = re.match(r"\|\s*`(GET|POST|PUT|DELETE|PATCH) (/[^`]*)`\s*\|(.*)\|\s*$", line)
    if not m:
        continue
    cells = [c.strip() for c in m.group(3).split("|")]
    if cells[0] in ("public", "peer", "wall"):
        got = [cells[0]]
    else:
        got = [r for r, c in zip(roles, cells) if c == "✓"]
    print(json.dumps({"method": m.group(1), "path": m.group(2), "roles": got}))
PY
"$TIMS" post routes | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    print(json.dumps({"method": r["method"], "path": r["path"], "roles": r["roles"]}))' >"$T_TMP/code.jsonl"
t_ok "matrix: docs/roles.md lists the post's routes" test -s "$T_TMP/doc.jsonl"
t_eq "matrix: docs/roles.md's Post API matrix is the node's route table" \
	"$(sort "$T_TMP/code.jsonl")" "$(sort "$T_TMP/doc.jsonl")"

# 2. Every route as every role, and with no session.
req() { # METHOD PATH TOKEN [BODY] -> "STATUS ERRORCODE"
	local args=(-s -o "$T_TMP/body" -w '%{http_code}' --cacert "$CA" -X "$1" "$URL$2")
	[ -n "$3" ] && args+=(-H "Authorization: Bearer $3")
	[ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	local code
	code=$(curl "${args[@]}")
	printf '%s %s' "$code" "$(sed -n 's/^{"error":"\([a-z_]*\)".*/\1/p' "$T_TMP/body")"
}
login() { # ROLE OFFICER-ID -> token
	curl -s --cacert "$CA" -H 'Content-Type: application/json' --data-binary \
		"{\"officer\":\"$2\",\"password\":\"matrix password ${3:-$1}\",\"code\":\"$(oathtool --totp -b "${SECRET[$1]}")\",\"booth\":\"M1\"}" \
		"$URL/api/v1/session" | sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p'
}
for r in "${ROLES[@]}"; do TOKEN[$r]=$(login "$r" "m-$r"); done
SUP2=$(login sup2 m-sup2 sup2)
# A request for approval by the second supervisor: what the first may read
# and approve (approving one's own is refused: another test).
PAPER='{"reason":"matrix paper register","crossings":[{"person":{"number":"PAPER1","surname":"PAPIR"},"direction":"entry","crossed_at":"'"$(date -u -d yesterday +%Y-%m-%d)"'T10:00:00Z","remarks":"page 1 line 1"}]}'
APPROVAL=$(curl -s --cacert "$CA" -H "Authorization: Bearer $SUP2" -H 'Content-Type: application/json' \
	--data-binary "$PAPER" "$URL/api/v1/paper-imports" | sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p')
t_match "matrix: a request to approve" '^[0-9a-f]{32}$' "$APPROVAL"
t_eq "matrix: every role has a session" 5 "$(for r in "${ROLES[@]}"; do [ -n "${TOKEN[$r]}" ] && echo; done | wc -l)"

MRZ='P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10'
call() { # METHOD PATH TOKEN WHO
	case "$1 $2" in
	"POST /api/v1/session") req POST "$2" "$3" "{\"officer\":\"p-$4\",\"password\":\"matrix password p-$4\",\"code\":\"$(oathtool --totp -b "${SECRET[p-$4]}")\",\"booth\":\"M1\"}" ;;
	"POST /api/v1/check") req POST "$2" "$3" "{\"mrz\":\"$MRZ\"}" ;;
	"PUT /api/v1/preferences") req PUT "$2" "$3" '{"lang":"sq"}' ;;
	"POST /api/v1/crossings") # a check of the caller's own first (a booth's two steps)
		req POST /api/v1/check "$3" "{\"mrz\":\"$MRZ\"}" >/dev/null
		req POST "$2" "$3" "{\"check_id\":\"$(check_id_of <"$T_TMP/body")\",\"direction\":\"entry\",\"decision\":\"admit\",\"id\":\"matrix-$4\"}" ;;
	"GET /api/v1/history/{document}") req GET "/api/v1/history/L898902C3?purpose_code=risk-analysis&purpose=matrix%20test" "$3" ;;
	"POST /api/v1/history/search") req POST "$2" "$3" '{"surname":"ERIKSSON","purpose_code":"risk-analysis","purpose":"matrix test"}' ;;
	"GET /api/v1/audit") req GET "/api/v1/audit?count=1" "$3" ;;
	"POST /api/v1/second-line") req POST "$2" "$3" "{\"first\":$([ "$4" = officer ] && echo 0 || echo 1),\"decision\":\"admit\"}" ;;
	"POST /api/v1/corrections") req POST "$2" "$3" '{"corrects":2,"reason":"matrix correction","remarks":"corrected"}' ;;
	"POST /api/v1/paper-imports") req POST "$2" "$3" "$PAPER" ;;
	"GET /api/v1/approvals/{id}") req GET "/api/v1/approvals/$APPROVAL" "$3" ;;
	"POST /api/v1/approvals/{id}/approve") req POST "/api/v1/approvals/$APPROVAL/approve" "$3" ;;
	"GET /api/v1/proof/inclusion") req GET "/api/v1/proof/inclusion?index=0&size=1" "$3" ;;
	"GET /api/v1/proof/consistency") req GET "/api/v1/proof/consistency?size1=1&size2=1" "$3" ;;
	"GET /api/v1/peer/export") req GET "/api/v1/peer/export?from=0&count=1" "$3" ;;
	*) req "$1" "$2" "$3" ;;
	esac
}
# DELETE /api/v1/session ends the session: it goes last.
python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
rows.sort(key=lambda r: (r["method"] == "DELETE" and r["path"] == "/api/v1/session"))
for r in rows: print(r["method"], r["path"], ",".join(r["roles"]))' "$T_TMP/doc.jsonl" >"$T_TMP/rows"
while read -r method path allowed; do
	for who in none "${ROLES[@]}"; do
		tok=""
		[ "$who" != none ] && tok=${TOKEN[$who]}
		got=$(call "$method" "$path" "$tok" "$who")
		case ",$allowed," in
		*,public,*)
			if [[ $got =~ ^2[0-9][0-9]\  ]]; then
				t_report ok "matrix: $method $path ($who): public, answered ${got%% *}"
			else t_report fail "matrix: $method $path ($who): public, wanted 2xx" "$got"; fi ;;
		*,wall,*) # the wall key's own route: no session opens it (sync.sh: the
			# key); a wrong key counts as a failure of this source, and
			# the 6th in a row waits (429), as a login would
			WALL_TRIES=$((${WALL_TRIES:-0} + 1))
			if [ "$WALL_TRIES" -le 5 ]; then
				t_eq "matrix: $method $path ($who): the wall key's route, a session is no key: 401" \
					"401 unauthenticated" "$got"
			else
				t_eq "matrix: $method $path ($who): a session is no key, and this source failed 5 times: 429" \
					"429 too_many_attempts" "$got"
			fi ;;
		*,peer,*)
			if [[ $got =~ ^401\ certificate_required$ ]]; then
				t_report ok "matrix: $method $path ($who): no centre certificate, 401"
			else t_report fail "matrix: $method $path ($who): peer only" "$got"; fi ;;
		*)
			if [ "$who" = none ]; then
				t_eq "matrix: $method $path (no session): 401" "401 unauthenticated" "$got"
			elif [[ ",$allowed," == *",$who,"* ]]; then
				if [[ $got =~ ^2[0-9][0-9]\  ]]; then
					t_report ok "matrix: $method $path ($who): allowed, answered ${got%% *}"
				else t_report fail "matrix: $method $path ($who): allowed, wanted 2xx" "$got"; fi
			else
				t_eq "matrix: $method $path ($who): 403" "403 forbidden" "$got"
			fi ;;
		esac
	done
done <"$T_TMP/rows"

# 3. Session cases.
t_eq "session: a logged-out token is refused (replayed)" "401 unauthenticated" \
	"$(req GET /api/v1/status "${TOKEN[officer]}")"
LATE=$(login late m-late late)
DB=$P/node.db
ago() { sqlite3 "$DB" "UPDATE sessions SET last_seen = strftime('%s','now') - $1 WHERE officer = 'm-late' AND ended = 0"; }
seen() { sqlite3 "$DB" "SELECT strftime('%s','now') - last_seen FROM sessions WHERE officer = 'm-late' AND ended = 0"; }
ago 840 # idle for 14 minutes
t_match "session: polling the status works on an idle session" '^200 ' "$(req GET /api/v1/status "$LATE")"
t_ok "session: but polling does not refresh the idle timer" test "$(seen)" -ge 840
t_match "session: real work does" '^200 ' "$(req POST /api/v1/check "$LATE" "{\"mrz\":\"$MRZ\"}")"
t_ok "session: the idle timer restarted" test "$(seen)" -lt 60
ago 960 # idle for 16 minutes: expired
t_eq "session: an expired token is refused" "401 unauthenticated" "$(req GET /api/v1/status "$LATE")"
t_eq "session: and stays refused" "401 unauthenticated" "$(req POST /api/v1/check "$LATE" "{\"mrz\":\"$MRZ\"}")"
t_eq "session: a made-up token is refused" "401 unauthenticated" \
	"$(req GET /api/v1/status "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")"
t_end
