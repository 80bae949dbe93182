# wl-lineage.sh — watchlist versions bound to their predecessor's digest
# (docs/bundles.md, "Lineage"). A post takes versions 1 and 2 of a list
# from the centre; the centre is then restored from its copy at version 1
# and a different list imported, reaching "version 2" again. The post does
# not diverge silently: it keeps its list, refuses the centre's loudly (an
# alert in its status, with the version and short digest it holds), and
# takes the centre's next version whole. Then, under the ASan+UBSan build,
# a post applies an empty list and serves (qsort(NULL, 0) aborted it).
. tests/e2e/lib.sh

C=$T_TMP/centre P=$T_TMP/post

CPORT=$(free_port)
"$TIMS" centre init "$C" --name tims-centre >/dev/null
cli_bootstrap "$C"
"$TIMS" post init "$P" --origin bg.example/lineage --kind land >/dev/null
cli_bootstrap "$P"
S=$(echo "officer password 1" | "$TIMS" officer add --post "$P" off1 --name "Officer 1" --role officer |
	sed -n 's/^officer off1: TOTP secret //p')
S2=$(echo "officer password 2" | "$TIMS" officer add --post "$P" off2 --name "Officer 2" --role officer |
	sed -n 's/^officer off2: TOTP secret //p')
"$TIMS" centre enrol-post "$C" lineage --vkey "$P/post.vkey" --url "https://127.0.0.1:$CPORT" \
	--out "$T_TMP/enrol" >/dev/null
"$TIMS" post enrol "$P" --from "$T_TMP/enrol" >/dev/null
t_ok "centre: version 1 of the list" cli_as "$C" analyst "$TIMS" watchlist import --store "$C/watchlists" --list wanted \
	--kind persons tests/data/screen/persons.csv

start_centre() {
	"$TIMS" centre serve "$C" --port "$CPORT" >"$T_TMP/centre.out" 2>>"$T_TMP/centre.log" &
	CENTRE=$!
	PIDS+=("$CENTRE")
	wait_line "$T_TMP/centre.out" "listening on"
}
stop_centre() { kill "$CENTRE"; wait "$CENTRE" 2>/dev/null; }
start_centre
# (the supervisor who imports a passenger list below and the auditor who
# reads the trail, made while the post starts)
{ cli_as "$C" supervisor true && cli_as "$C" auditor true; } >"$T_TMP/supervisor.out" 2>&1 &
SUPERVISOR=$!
"$TIMS" post serve "$P" --port 0 >"$T_TMP/post.out" 2>"$T_TMP/post.log" &
PIDS+=($!)
wait_line "$T_TMP/post.out" "listening on"
URL=$(sed -n 's/^listening on //p' "$T_TMP/post.out" | sed 's|/$||')
req() { # METHOD PATH [TOKEN] [BODY]
	local args=(-s -o "$T_TMP/body" -w '%{http_code}' --cacert "$C/ca.crt" -X "$1" "$URL$2")
	[ -n "${3:-}" ] && args+=(-H "Authorization: Bearer $3")
	[ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	printf '%s %s' "$(curl "${args[@]}")" "$(cat "$T_TMP/body")"
}
TOKEN=$(req POST /api/v1/session "" "{\"officer\":\"off1\",\"password\":\"officer password 1\",\"code\":\"$(oathtool --totp -b "$S")\",\"booth\":\"B1\"}" |
	sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p')
# held: the post's view of the centre's list: "VERSION DIGEST ALERT"
held() {
	req GET /api/v1/status "$TOKEN" | sed 's/^[0-9]* //' | python3 -c '
import json, sys
for h in json.load(sys.stdin)["screening"]["from_centre"]:
    if h["kind"] == "watchlist" and h["list"] == "wanted":
        print(h["version"], h.get("digest", "-"), h.get("alert", "-"))' 2>/dev/null
}
wait_held() { # REGEX: poll the post's status until its held list matches (30 s at most)
	local end=$((SECONDS + 30))
	while [ $SECONDS -lt $end ]; do held | grep -Eq "$1" && return 0; sleep 0.2; done; return 1
}
centre_digest() { # the centre's digest of the list's current version (12 hex)
	curl -s --cacert "$C/ca.crt" --cert "$P/centre/client.crt" --key "$P/centre/client.key" \
		"https://127.0.0.1:$CPORT/api/v1/sync/bundles" | python3 -c '
import json, sys
for b in json.load(sys.stdin)["bundles"]:
    if b["kind"] == "watchlist" and b["list"] == "wanted":
        print(b["version"], b["digest"][:12])'
}
t_ok "the post takes version 1" wait_held '^1 '
t_match "status: with the short digest of that version, and no alert" '^1 [0-9a-f]{12} -$' "$(held)"

# The centre's copy at version 1, taken while it is stopped.
wait "$SUPERVISOR"
stop_centre
cp -a "$C" "$T_TMP/centre-v1"
start_centre
cli_as "$C" analyst "$TIMS" watchlist remove --store "$C/watchlists" --list wanted --ref P-002 >/dev/null
t_ok "the post takes version 2" wait_held '^2 '
read -r v2 d2 _ <<<"$(held)"
t_eq "status: the post shows the version and short digest it holds, the centre's" "2 $(centre_digest | cut -d' ' -f2)" "$v2 $d2"
# a traveller on the centre's first list (wanted there)
HIT='P<RUSSHCHERBAKOV<<YURIY<<<<<<<<<<<<<<<<<<<<<\n7200000175RUS7104125M3306150<<<<<<<<<<<<<<<6'
hits() { # the references the booth is shown for HIT
	req POST /api/v1/check "$TOKEN" "{\"mrz\":\"$HIT\"}" | grep -o '"ref":"[^"]*"' | sort -u | tr '\n' ' '
}
before=$(hits)
t_eq "the post's list finds the traveller" '"ref":"P-001" ' "$before"
wl_list() { cli_as "$P" analyst "$TIMS" watchlist list --store "$P/watchlists" 2>/dev/null; }
wl_before=$(wl_list)

# The centre restored from that copy, and a different list imported: version 2 again.
stop_centre
rm -rf "$C"
cp -a "$T_TMP/centre-v1" "$C"
printf 'ref,name,aliases,dob,nationality,sex,alert\nQ-1,"DOE, Jane",,1970-01-01,GBR,F,wanted\n' >"$T_TMP/other.csv"
cli_as "$C" analyst "$TIMS" watchlist import --store "$C/watchlists" --list wanted --kind persons --replace "$T_TMP/other.csv" >/dev/null
start_centre
read -r cv cd <<<"$(centre_digest)"
t_eq "the restored centre is at version 2 again, with another digest" "2 different" \
	"$cv $([ "$cd" != "$d2" ] && echo different)"
t_ok "the post raises an alert: the centre's list diverged" wait_held "^2 $d2 watchlist wanted diverged"
t_match "... naming both versions and digests" "centre offers version 2 \\(digest $cd\\), this post holds version 2 \\(digest $d2\\)" "$(held)"
t_match "... and the process log says it" "bundle wanted refused: watchlist wanted diverged" "$(cat "$T_TMP/post.log")"
t_eq "the post's screening is unchanged (not merged with the other list)" "$before" "$(hits)"
t_eq "... and its list too: the version and entries it holds" "$wl_before" "$(wl_list)"

# The centre's next version is taken whole; the alert clears.
printf 'ref,name,aliases,dob,nationality,sex,alert\nQ-2,"ROE, Richard",,1971-01-01,GBR,M,wanted\n' >"$T_TMP/third.csv"
cli_as "$C" analyst "$TIMS" watchlist import --store "$C/watchlists" --list wanted --kind persons "$T_TMP/third.csv" >/dev/null
t_ok "the centre's version 3 reaches the post (the delta over the other 2 refused, the whole list taken)" \
	wait_held "^3 $(centre_digest | cut -d' ' -f2) -$"
t_eq "... the post's list is the centre's now" "" "$(hits)"

# Issue 22 (docs/paxlst.md, "At the booth"): the screened passenger list
# of a flight landing at the post's airport reaches the post, and the booth
# is told. The airports map puts this post at TIA, in Tirana's time zone:
# the carrier writes the arrival in local time.
printf 'TIA = lineage\nTIA zone = Europe/Tirane\n' >"$C/airports.conf"
E=$(date +%s)
NOW=$(TZ=Europe/Tirane date -d "@$E" +%Y%m%d%H%M) DEP=$(TZ=Europe/Tirane date -d "@$((E - 7200))" +%Y%m%d%H%M) DAY=$(TZ=Europe/Tirane date -d "@$E" +%y%m%d)
LOCAL=$(TZ=Europe/Tirane date -d "@$E" +%Y-%m-%dT%H:%M) UTC=$(date -u -d "@$E" +%Y-%m-%dT%H:%M)
# ROE is on the centre's list (Q-2), MUELLER (a German passport, DEU) on none
printf "UNA:+.? 'UNB+UNOA:4+JU:ZZ+ALBAPI:ZZ+%s:0500+1'UNH+1+PAXLST:D:05B:UN:IATA+JU123/%s/1040+01:F'BGM+745'TDT+20+JU123'LOC+125+BEG'DTM+189:%s:203'LOC+87+TIA'DTM+232:%s:203'NAD+FL+++ROE:RICHARD'ATT+2++M'DTM+329:19710101:102'NAT+2+GBR'DOC+P+GB5000005'LOC+91+GBR'NAD+FL+++MUELLER:HANS'ATT+2++M'DTM+329:19800101:102'NAT+2+DEU'DOC+P+C01X00T47'LOC+91+DEU'CNT+42:2'UNT+21+1'UNZ+1+1'" \
	"$DAY" "$DAY" "$DEP" "$NOW" >"$T_TMP/ju123.edi"
t_match "api: the centre screens JU123's list, one hit" '"travellers":2,"hits":1' \
	"$(cli_as "$C" supervisor "$TIMS" api import "$C" "$T_TMP/ju123.edi" 2>&1 | tr -d ' ')"
t_match "api: the hit's alert gives the expected arrival in local time and in UTC (the airport's zone)" \
	"^flight JU123 of .* expected $LOCAL local time \\(${UTC}Z\\): traveller 1 \\(FL\\)" \
	"$(sqlite3 -readonly "$C/centre.db" "SELECT detail FROM alerts WHERE kind = 'api-hit' ORDER BY id DESC LIMIT 1")"
arrivals_held() { req GET /api/v1/status "$TOKEN" | grep -q '"kind":"arrivals","list":"lineage"'; }
t_ok "api: the post takes the arrivals at TIA from the centre" wait_for 50 arrivals_held
t_match "api: the centre's audit trail says the lists left for the post" '"action":"sync.arrivals".*\\"airport\\":\\"TIA\\"' \
	"$(cli_as "$C" auditor "$TIMS" audit list --centre "$C" --json 2>&1 | grep -F sync.arrivals | head -1)"
german() { # ISSUER: the German traveller's manual check
	printf '{"manual":{"doc_code":"P","issuer":"%s","doc_number":"C01X00T47","surname":"MUELLER","given_names":"HANS","nationality":"DEU","birth_date":"1980-01-01","sex":"M"}}' "$1"
}
ans=$(req POST /api/v1/check "$TOKEN" "$(german D)")
t_match "api: the booth is told (passport read as issued by D, listed as DEU): pre-screened on JU123 at its arrival, no hits" \
	"^200 .*\"prescreen\":\\{\"flight\":\"JU123\",\"date\":\"[0-9-]{10}\",\"arrival\":\"$LOCAL\",\"arrival_ms\":$((E / 60 * 60000)),.*\"outcome\":\"no_hits\"" "$ans"
t_match "api: the wanted traveller's check shows the centre's hit" '"prescreen":\{[^}]*"outcome":"hit","hits":\[\{"part":"person","list":"wanted","ref":"Q-2"' \
	"$(req POST /api/v1/check "$TOKEN" '{"manual":{"doc_code":"P","issuer":"GBR","doc_number":"GB5000005","surname":"ROE","given_names":"RICHARD","nationality":"GBR","birth_date":"1971-01-01","sex":"M"}}')"
t_eq "api: a traveller on no list: no pre-screened line" "200 0" \
	"$(req POST /api/v1/check "$TOKEN" "$(german DNK)" | sed 's/ .*prescreen.*/ 1/; s/^\(200\) [^1].*/\1 0/')"
t_match "api: a booth that claims a pre-screen in its request is refused" '^400 .*prescreen: unknown field' \
	"$(req POST /api/v1/check "$TOKEN" '{"mrz":"x","prescreen":{"outcome":"no_hits","flight":"JU123"}}')"
cid=$(printf '%s' "$ans" | check_id_of)
req POST /api/v1/crossings "$TOKEN" "{\"check_id\":\"$cid\",\"direction\":\"entry\",\"decision\":\"admit\",\"id\":\"api-1\"}" >/dev/null
t_eq "api: the entry registered is linked to its record (flight, position) in prescreen.db" "JU123|2" \
	"$(sqlite3 -readonly "$P/prescreen.db" 'SELECT flight, position FROM links' 2>&1)"
t_eq "api: prescreen.db holds no document number or name in clear" 0 \
	"$(cat "$P"/prescreen.db* | grep -a -c -e C01X00T47 -e GB5000005 -e MUELLER)"
out=$("$TIMS" centre bundle "$C" --arrivals nowhere --out "$T_TMP/none.bundle" 2>&1); rc=$?
t_match "api: a post at no airport gets no list (exit 1)" '^1 .*at no airport' "$rc $out"

# Under ASan+UBSan: a post applies a list with no identifiers, and serves.
if [ -x "${TIMS_ASAN:-}" ]; then
	A=$T_TMP/asan-post
	"$TIMS" post init "$A" --origin bg.example/asan --kind land >/dev/null
	cli_bootstrap "$A"
	cli_as "$C" analyst "$TIMS" watchlist import --store "$C/watchlists" --list empty --kind documents \
		tests/data/screen/documents.jsonl >/dev/null
	cli_as "$C" analyst "$TIMS" watchlist remove --store "$C/watchlists" --list empty --all >/dev/null
	stop_centre
	"$TIMS" centre bundle "$C" --list empty --out "$T_TMP/empty.bundle" >/dev/null
	cp -a "$P/centre" "$A/" # the same enrolment (the centre is stopped: it stays offline)
	t_ok "asan: an empty list is applied" "$TIMS_ASAN" post apply-bundle "$A" "$T_TMP/empty.bundle"
	"$TIMS_ASAN" post serve "$A" --port 0 >"$T_TMP/asan.out" 2>"$T_TMP/asan.err" &
	ASAN_PID=$!
	PIDS+=("$ASAN_PID")
	wait_line "$T_TMP/asan.out" "listening on"
	t_match "asan: the post serves with it (no UBSan abort in the index)" 'listening on' "$(cat "$T_TMP/asan.out")"
	t_eq "asan: no sanitizer report" 0 "$(grep -c 'runtime error\|AddressSanitizer' "$T_TMP/asan.err")"
else
	echo "# TIMS_ASAN not set: the ASan part is skipped (tests/run.sh sets it)"
fi
t_end
