# at-rest-centre.sh — G8 at the centre: a post registers travellers (a file
# import and a booth check), the centre takes them into its mirrors (the
# crossing log and the audit log) and its query store, and answers national
# queries; then nothing in the centre's directory — centre.db, query.db,
# mirror/*.db, the audit copies, with their WAL files — holds a registered
# name, document number or birth date (grep -a -r -F), while the dashboard
# still finds the travellers by document number and by name. Started without
# its key token, the centre refuses what it cannot do with 503 — a query is
# never answered "no hit", a push is not taken (the post keeps its records
# and pushes again) — and once the token is back it answers again.
. tests/e2e/lib.sh

C=$T_TMP/centre P=$T_TMP/post-a
PASSWORD="at rest password 1"
secret_of() { sed -n "s/^officer $1: TOTP secret //p"; }

"$TIMS" centre init "$C" --name tims-centre >/dev/null
cli_bootstrap "$C" || { t_report fail "setup: the centre's first admin"; t_end; exit 1; }
S_SUP=$(echo "$PASSWORD" | "$TIMS" officer add --post "$C" kostova --name "Vera Kostova" --role supervisor | secret_of kostova)
start_centre() {
	"$TIMS" centre serve "$C" --port "${CPORT:-0}" >"$T_TMP/centre.out" 2>"$T_TMP/centre.log" &
	CPID=$!
	PIDS+=("$CPID")
	wait_line "$T_TMP/centre.out" "listening on"
	URL=$(sed -n 's/.* listening on //p' "$T_TMP/centre.out" | sed 's|/$||')
	CPORT=${URL##*:}
}
start_centre

# The post has a token of its own (the centre's is taken away below).
CENTRE_TOKEN_ENV="export SOFTHSM2_CONF='$SOFTHSM2_CONF' TIMS_TOKEN='$TIMS_TOKEN'"
eval "$(bash "${TIMS_ROOT:-$PWD}/scripts/token.sh" "$T_TMP/post-token")"
"$TIMS" post init "$P" --origin bg.example/post-a --kind land >/dev/null
cli_bootstrap "$P" || { t_report fail "setup: the post's first admin"; t_end; exit 1; }
S_BOOTH=$(echo "booth password 1" | "$TIMS" officer add --post "$P" ivanova --name "Maria Ivanova" --role officer | secret_of ivanova)
(eval "$CENTRE_TOKEN_ENV"; "$TIMS" centre enrol-post "$C" post-a --vkey "$P/post.vkey" --url "$URL" \
	--out "$T_TMP/enrol" >/dev/null 2>&1)
"$TIMS" post enrol "$P" --from "$T_TMP/enrol" >/dev/null
printf 'interval_ms = 200\n' >"$P/sync.conf"

# Three travellers with names, numbers and dates found nowhere else.
person() { # DOC SURNAME GIVEN DOB
	printf '{"doc_code":"P","issuer":"UZB","number":"%s","surname":"%s","given_names":"%s","nationality":"UZB","birth_date":"%s","sex":"F"}' "$@"
}
ago() { date -u -d "$1 days ago" +%Y-%m-%dT%H:%M:%SZ; }
{
	printf '{"id":"r-1","direction":"entry","officer":"archive","booth":"B1","crossed_at":"%s","person":%s}\n' \
		"$(ago 20)" "$(person ZQ4471902 VELIKOVSKAYA ODALISKA 1961-03-17)"
	printf '{"id":"r-2","direction":"entry","officer":"archive","booth":"B1","crossed_at":"%s","person":%s}\n' \
		"$(ago 10)" "$(person ZQ5582013 TERPSICHOREVA MELPOMENA 1972-11-29)"
} >"$T_TMP/in.jsonl"
cli_as "$P" supervisor "$TIMS" cross import --post "$P" "$T_TMP/in.jsonl" >/dev/null 2>&1
"$TIMS" post serve "$P" --port 0 >"$T_TMP/post.out" 2>"$T_TMP/post.log" &
PIDS+=($!)
wait_line "$T_TMP/post.out" "listening on"
eval "$CENTRE_TOKEN_ENV"
PURL=$(sed -n 's/^listening on //p' "$T_TMP/post.out" | sed 's|/$||')
# A booth check: the post's audit log holds what was asked and answered.
TOKEN=$(preq POST /api/v1/session "{\"officer\":\"ivanova\",\"password\":\"booth password 1\",\"code\":\"$(oathtool --totp -b "$S_BOOTH")\",\"booth\":\"B1\"}" |
	sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p')
preq POST /api/v1/check "{\"manual\":$(manual_person YW9930417 ZARATHUSTROVA KASSIOPEIA 1955-08-06 UZB F)}" >/dev/null
BOOTH=$TOKEN TOKEN=

dreq() { # METHOD PATH TOKEN [BODY] -> status; the body in $T_TMP/body
	local args=(-s -o "$T_TMP/body" -w '%{http_code}' --cacert "$C/ca.crt" -X "$1" "$URL$2")
	[ -n "$3" ] && args+=(-H "Authorization: Bearer $3")
	[ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	curl "${args[@]}"
}
SUP=$(curl -s --cacert "$C/ca.crt" -H 'Content-Type: application/json' --data-binary \
	"{\"officer\":\"kostova\",\"password\":\"$PASSWORD\",\"code\":\"$(oathtool --totp -b "$S_SUP")\"}" \
	"$URL/api/v1/session" | sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p')
t_match "setup: the supervisor is logged in at the dashboard" '^[A-Za-z0-9_-]{43}$' "$SUP"

by_doc() { # DOC -> status, body in $T_TMP/body
	dreq POST /api/v1/dashboard/search "$SUP" "{\"kind\":\"document\",\"doc\":\"$1\",\"purpose\":\"case 2026/800 at rest\"}"
}
indexed() { [ "$(by_doc ZQ5582013)" = 200 ] && grep -q TERPSICHOREVA "$T_TMP/body"; }
t_ok "the centre took the post's records and finds one by document number" wait_for 200 indexed
st=$(by_doc ZQ4471902)
t_eq "dashboard: by document number: 200, the record opened" "200 VELIKOVSKAYA 1961-03-17" \
	"$st $(jq -r '.crossings[0].record.person | "\(.surname) \(.birth_date)"' "$T_TMP/body")"
st=$(dreq POST /api/v1/dashboard/search "$SUP" '{"kind":"person","surname":"velikovskaya","given_names":"odaliska","birth_date":"1961-03-17","purpose":"case 2026/800 at rest"}')
t_eq "dashboard: by name and birth date: 200, the document found" "200 ZQ4471902" \
	"$st $(jq -r '.documents[0].document' "$T_TMP/body")"
audit_mirrored() {
	[ "$(sqlite3 -readonly "$C/mirror/bg.example%2Fpost-a.audit.db" \
		"SELECT count(*) FROM entries WHERE body IS NOT NULL" 2>/dev/null || echo 0)" -ge 1 ]
}
t_ok "the centre mirrors the post's audit log (the booth check)" wait_for 200 audit_mirrored

# What root on the centre's machine reads: every file of the directory.
SECRETS=(VELIKOVSKAYA ODALISKA 1961-03-17 ZQ4471902 TERPSICHOREVA MELPOMENA 1972-11-29
	ZQ5582013 ZARATHUSTROVA KASSIOPEIA 1955-08-06 YW9930417)
leaks() { # the files of the centre's directory holding any of SECRETS
	for s in "${SECRETS[@]}"; do grep -a -r -F -l -- "$s" "$C" 2>/dev/null; done | sort -u
}
t_eq "while serving: no name, document number or birth date in the centre's directory" "" \
	"$(leaks | sed "s|^$C/||" | tr '\n' ' ')"
t_ok "the files looked at include the query store, the mirrors and their WAL" \
	test -e "$C/query.db" -a -e "$C/mirror/bg.example%2Fpost-a.db" -a -e "$C/mirror/bg.example%2Fpost-a.audit.db"
kill "$CPID"; wait "$CPID" 2>/dev/null
t_eq "stopped (WAL checkpointed): still none" "" "$(leaks | sed "s|^$C/||" | tr '\n' ' ')"
out=$("$TIMS" centre verify "$C" 2>&1)
t_match "the mirrors verify, each sealed body against its entry" 'bg.example/post-a: [0-9]+ records, verified' "$out"

# Without its token (moved away: a copied directory, a removed token).
mv "$T_TMP/token/tokens" "$T_TMP/token/tokens.away"
start_centre
st=$(by_doc ZQ4471902)
t_eq "token away: a search is refused 503, not answered \"no hit\"" "503 token_unavailable" \
	"$st $(jq -r .error "$T_TMP/body")"
TOKEN=$BOOTH
c=$(preq POST /api/v1/check "{\"manual\":$(manual_person ZQ6693124 OKEANIDOVA THALASSA 1949-02-21 UZB F)}" | check_id_of)
preq POST /api/v1/crossings "{\"check_id\":\"$c\",\"direction\":\"entry\",\"decision\":\"admit\",\"id\":\"r-3\"}" >/dev/null
refused_push() { grep -q 'token_unavailable\|key token is unavailable' "$T_TMP/post.log"; }
t_ok "token away: the post's push is refused 503 (it keeps its records)" wait_for 200 refused_push
kill "$CPID"; wait "$CPID" 2>/dev/null
mv "$T_TMP/token/tokens.away" "$T_TMP/token/tokens"
start_centre
back() { [ "$(by_doc ZQ6693124)" = 200 ] && grep -q OKEANIDOVA "$T_TMP/body"; }
t_ok "token back: the crossing pushed meanwhile is taken and found" wait_for 200 back
SECRETS+=(OKEANIDOVA THALASSA 1949-02-21 ZQ6693124)
t_eq "and still nothing in clear in the centre's directory" "" "$(leaks | sed "s|^$C/||" | tr '\n' ' ')"
t_end
