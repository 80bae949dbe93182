# at-rest.sh — G8, personal data at rest (issue 16, "Shows"): a post and its
# centre, synced, with history lookups and national queries done (so the
# audit logs, the query store and the mirrors hold what was asked and
# answered), then every file under both node directories — the databases,
# their -wal and -shm files, the mirrors — searched byte for byte for each
# traveller's surname, given names, document number and birth date in every
# form the code writes them. None is found. A copy of the post's directory
# under another key token opens nothing (history, verification of the
# records, the audit log), while its Merkle log still verifies without any
# key (tims log verify --log-only).
. tests/e2e/lib.sh

C=$T_TMP/centre P=$T_TMP/post
ORIGIN=bg.example/at-rest
CPORT=$(free_port)
CURL_=https://127.0.0.1:$CPORT

# Travellers with values found nowhere else: SURNAME GIVEN DOC DOB.
TRAV=(
	"VANTERPOOLE QUILLIAMINA ZQXW88125 1967-03-14"
	"BRANNIGHAUSER EUSTACIABEL YRKV44718 1988-11-29"
	"MCQUORQUODALE PERPETUALIS XJPM33073 1979-07-02"
)
# A post-local watchlist entry (sealed too): its name and birth date.
WL_NAME=GRIMSTHORPELY WL_GIVEN=ODALYSSIA WL_DOB=1955-12-24

out=$(env -u TIMS_TOKEN "$TIMS" post init "$T_TMP/no-token" 2>&1)
t_eq "post init without a key token is refused (exit 2)" 2 $?
t_match "  naming TIMS_TOKEN and --token" 'TIMS_TOKEN.*--token|--token.*TIMS_TOKEN' "$out"
t_ok "  and leaves no post behind" test ! -e "$T_TMP/no-token/post.db"
t_status 2 "centre init without a key token is refused" env -u TIMS_TOKEN "$TIMS" centre init "$T_TMP/no-token-c"
"$TIMS" centre init "$C" --name tims-centre >/dev/null
cli_bootstrap "$C"
"$TIMS" centre serve "$C" --port "$CPORT" >"$T_TMP/centre.out" 2>>"$T_TMP/centre.log" &
PIDS+=("$!")
CENTRE=$!
"$TIMS" post init "$P" --origin "$ORIGIN" --kind land >/dev/null
cli_bootstrap "$P"
SECRET=$(echo "officer password 1" | "$TIMS" officer add --post "$P" off1 --name "Officer 1" \
	--role officer | sed -n 's/^officer off1: TOTP secret //p')
"$TIMS" centre enrol-post "$C" at-rest --vkey "$P/post.vkey" --url "$CURL_" --out "$T_TMP/enrol" >/dev/null
"$TIMS" post enrol "$P" --from "$T_TMP/enrol" >/dev/null
printf 'interval_ms = 100\n' >"$P/sync.conf"
printf 'ref,name,aliases,dob,nationality,sex,alert,authority,instruction\nL-1,"%s, %s",,%s,BGR,F,wanted,local,Call the duty officer\n' \
	"$WL_NAME" "$WL_GIVEN" "$WL_DOB" >"$T_TMP/local.csv"
cli_as "$P" analyst "$TIMS" watchlist import --store "$P/watchlists" --list local-wanted \
	--kind persons "$T_TMP/local.csv" >/dev/null
t_eq "a post-local watchlist imported" 0 $?
wait_line "$T_TMP/centre.out" "listening on"
t_eq "the centre serves" 0 $?

"$TIMS" post serve "$P" --port 0 >"$T_TMP/post.out" 2>>"$T_TMP/post.log" &
NODE=$!
PIDS+=("$NODE")
wait_line "$T_TMP/post.out" "listening on"
t_eq "the post serves" 0 $?
PURL=$(sed -n 's/^listening on //p' "$T_TMP/post.out" | sed 's|/$||')
TOKEN=$(preq POST /api/v1/session "{\"officer\":\"off1\",\"password\":\"officer password 1\",\"code\":\"$(oathtool --totp -b "$SECRET")\",\"booth\":\"B1\"}" |
	sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p')
t_match "an officer logs in (the TOTP secret opens with the token)" . "$TOKEN"

# Register each traveller (an entry; the first also leaves) and look the
# first one's history up, as the officer of that crossing may.
acked=0 first_idx= k=0
for t in "${TRAV[@]}"; do
	set -- $t
	for dir in entry exit; do
		[ "$dir" = exit ] && [ "$3" != ZQXW88125 ] && continue
		c=$(preq POST /api/v1/check "{\"manual\":$(manual_person "$3" "$1" "$2" "$4")}" | check_id_of)
		k=$((k + 1))
		r=$(preq POST /api/v1/crossings "{\"check_id\":\"$c\",\"direction\":\"$dir\",\"decision\":\"admit\",\"id\":\"booth1-$k\"}")
		case $r in *'"index"'*) acked=$((acked + 1)) ;; esac
		[ -z "$first_idx" ] && first_idx=$(printf '%s' "$r" | sed -n 's/.*"index":\([0-9]*\).*/\1/p')
	done
done
t_eq "four crossings registered" 4 "$acked"
out=$(preq GET "/api/v1/history/ZQXW88125?crossing=$first_idx")
t_match "history: the traveller's crossings read back (sealed rows open with the token)" \
	'"crossings":\[.*ZQXW88125|"crossings":\[\{' "$out"
t_match "history: both of the first traveller's crossings" '"index":0.*"index":1|"index":1.*"index":0' "$out"
t_match "status: the vault is open" '"vault":\{"state":"open"' "$(preq GET /api/v1/status)"
t_match "a check against the local watchlist finds its sealed entry" '"hits":\[\{' \
	"$(preq POST /api/v1/check "{\"manual\":$(manual_person ABC12345 "$WL_NAME" "$WL_GIVEN" "$WL_DOB" BGR F)}")"

# The centre: the post's log mirrored, national queries stored and audited.
at_centre() {
	curl -s --max-time 5 --cacert "$C/ca.crt" "$CURL_/api/v1/centre/status" |
		grep -o '"size":[0-9]*' | head -1 | cut -d: -f2
}
synced() { [ "$(at_centre)" = "$(preq GET /api/v1/status | grep -o '"log_size":[0-9]*' | cut -d: -f2)" ]; }
wait_for 150 synced
t_eq "the centre holds the post's log" 0 $?
Q=(cli_as "$C" supervisor "$TIMS" centre query "$C")
out=$("${Q[@]}" history --doc ZQXW88125 --issuer BGR --purpose "case 16/at-rest" 2>&1)
t_match "centre: a document's national history" "$ORIGIN" "$out"
out=$("${Q[@]}" person --surname BRANNIGHAUSER --given EUSTACIABEL --dob 1988-11-29 \
	--purpose "case 16/at-rest" 2>&1)
t_match "centre: a person's national history" "$ORIGIN" "$out"

# Every file of both nodes, every form of each value the code writes: the
# name as typed and in an MRZ (<< between parts), the document number, the
# birth date as YYYY-MM-DD, YYMMDD and YYYYMMDD.
forms() { # SURNAME GIVEN DOC DOB
	local y=${4:0:4} m=${4:5:2} d=${4:8:2}
	printf '%s\n' "$1" "$2" "$3" "$4" "${y:2:2}$m$d" "$y$m$d" "$1<<$2"
}
scan() { # LABEL: one line per form found, naming the files
	local label=$1 t f hits all=
	for t in "${TRAV[@]}" "$WL_NAME $WL_GIVEN NOTADOC0 $WL_DOB"; do
		set -- $t
		while read -r f; do
			[ "$f" = NOTADOC0 ] && continue
			hits=$(grep -a -r -l -F -e "$f" "$P" "$C" 2>/dev/null)
			[ -n "$hits" ] && all+="$f in: $(printf '%s' "$hits" | sed "s|$T_TMP/||" | tr '\n' ' ')
"
		done < <(forms "$@")
	done
	printf '%s' "$all"
}
# the post's side alone, then both nodes (the centre's stores: see the report)
post_scan() { # forms found under $P only
	local t f hits all=
	for t in "${TRAV[@]}" "$WL_NAME $WL_GIVEN NOTADOC0 $WL_DOB"; do
		set -- $t
		while read -r f; do
			[ "$f" = NOTADOC0 ] && continue
			hits=$(grep -a -r -l -F -e "$f" "$P" 2>/dev/null)
			[ -n "$hits" ] && all+="$f in: $(printf '%s' "$hits" | sed "s|$T_TMP/||" | tr '\n' ' ')
"
		done < <(forms "$@")
	done
	printf '%s' "$all"
}
t_eq "running: no name, document number or birth date in any file of the post (WAL included)" "" \
	"$(post_scan)"
t_eq "running: none in any file of the post or the centre (mirrors, query store, audit logs)" "" \
	"$(scan running)"
ls "$P"/*-wal >/dev/null 2>&1
t_eq "  (the post's WAL files were there to search)" 0 $?

# Stopped: the databases checkpointed, nothing left in clear either.
kill "$NODE" "$CENTRE"
wait "$NODE" "$CENTRE" 2>/dev/null
t_eq "stopped: none in any file of the post" "" "$(post_scan)"
t_eq "stopped: none in any file of the post or the centre" "" "$(scan stopped)"

# The token holds the keys: with it, the post's records verify.
t_match "with its token the post's records verify" ': 4 records .*: ok$' \
	"$("$TIMS" log verify --post "$P" 2>&1)"

# A copy of the post's directory under another token: opens nothing, even
# served, even with a session copied along with node.db.
X=$T_TMP/copy
cp -a "$P" "$X"
OTHER=$(bash "$TIMS_ROOT/scripts/token.sh" "$T_TMP/token2")
OTHER_CONF=$(printf '%s\n' "$OTHER" | sed -n "s/^export SOFTHSM2_CONF=//p")
OTHER_URI=$(printf '%s\n' "$OTHER" | sed -n "s/^export TIMS_TOKEN='\(.*\)'$/\1/p")
while IFS= read -r line; do
	case $line in token\ *) printf 'token %s\n' "$OTHER_URI" ;; *) printf '%s\n' "$line" ;; esac
done <"$X/vault.conf" >"$X/vault.conf.new" && mv "$X/vault.conf.new" "$X/vault.conf"
other() { SOFTHSM2_CONF=$OTHER_CONF TIMS_TOKEN=$OTHER_URI "$@"; }
t_status 2 "copy: the records' verification cannot run (they do not open)" \
	other "$TIMS" log verify --post "$X"
t_status 2 "copy: the audit log's events do not open" other "$TIMS" audit verify --post "$X"
t_match "copy: the Merkle log still verifies without any key" ': 4 records .*log only.*: ok$' \
	"$(other "$TIMS" log verify --post "$X" --log-only 2>&1)"
out=$(printf 'officer password 1\n%s\n' "$(oathtool --totp -b "$SECRET")" |
	other "$TIMS" login --post "$X" off1 2>&1)
t_match "copy: no login (the TOTP secrets are sealed)" 'token|unavailable|sealed|refused' "$out"
printf 'interval_ms = 60000\n' >"$X/sync.conf" # its centre is gone
# (not through other(): $! must be the node, which the cleanup stops, not
# a shell around it)
SOFTHSM2_CONF=$OTHER_CONF TIMS_TOKEN=$OTHER_URI "$TIMS" post serve "$X" --port 0 \
	>"$T_TMP/copy.out" 2>>"$T_TMP/copy.log" &
PIDS+=("$!")
wait_line "$T_TMP/copy.out" "listening on"
t_eq "copy: serves (sealing needs no token)" 0 $?
PURL=$(sed -n 's/^listening on //p' "$T_TMP/copy.out" | sed 's|/$||')
t_match "copy: status says the vault is seal-only, and why" '"vault":\{"state":"seal-only","reason":"[^"]+' \
	"$(preq GET /api/v1/status)"
t_match "copy: history with a copied session: 503, never \"no history\"" '"error":"token_unavailable"' \
	"$(preq GET "/api/v1/history/ZQXW88125?crossing=$first_idx")"
t_match "copy: a search by name: 503 naming the token as the reason (rule token), never \"nobody\"" \
	'"error":"token_unavailable".*"rule":"token"' \
	"$(preq POST /api/v1/history/search '{"surname":"ERIKSSON","purpose_code":"risk-analysis","purpose":"at-rest test"}')"
t_match "copy: screening against the sealed watchlist fails closed (503)" '"error":"screening_failed"' \
	"$(preq POST /api/v1/check "{\"manual\":$(manual_person ABC12345 "$WL_NAME" "$WL_GIVEN" "$WL_DOB" BGR F)}")"
t_end
