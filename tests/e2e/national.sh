# national.sh — the national stay at every booth: a centre and two posts on
# loopback. A traveller enters at post A and leaves at post B; each post
# pulls the national travel history from the centre (GET
# /api/v1/sync/travel) into its replica, and the 90/180 answer at B equals
# the one at A and the centre's national answer, each post's own crossing
# counted once. With the centre stopped, B still answers and says "national
# data as of <time>". Visa-required nationals (Annex I list) with no visa,
# or over the duration of the visa recorded at their entry, are on the
# centre's overstay list, and B gives the same answer.
# CENTRE_STORE=pg: the centre's query store (and so its feed) on a
# throwaway PostgreSQL server (national-pg.sh).
. tests/e2e/lib.sh

C=$T_TMP/centre
t_cleanup_more() {
	[ -n "${PG_DIR:-}" ] && pg_stop
}
STORE=()
if [ "${CENTRE_STORE:-sqlite}" = pg ]; then
	. tests/lib/pg.sh
	chmod 755 "$T_TMP" # the server runs as postgres when we are root
	PG_DIR=$T_TMP/pg
	if ! pg_start "$PG_DIR" >"$T_TMP/pg.log" 2>&1; then
		t_report fail "postgresql: a throwaway server starts" "$(tail -5 "$T_TMP/pg.log")"
		t_end; exit 1
	fi
	STORE=(--store "pg:$PG_CONNINFO")
fi
"$TIMS" centre init "$C" --name tims-centre "${STORE[@]}" >/dev/null
cli_bootstrap "$C"
"$TIMS" centre serve "$C" --port 0 >"$T_TMP/centre.out" 2>"$T_TMP/centre.log" &
CPID=$!
PIDS+=("$CPID")
wait_line "$T_TMP/centre.out" "listening on"
CURL_=$(sed -n 's/.* listening on //p' "$T_TMP/centre.out")

declare -A DIR
for n in post-a post-b; do
	DIR[$n]=$T_TMP/$n
	"$TIMS" post init "${DIR[$n]}" --origin "bg.example/$n" --kind land >/dev/null
	cli_bootstrap "${DIR[$n]}"
	"$TIMS" centre enrol-post "$C" "$n" --vkey "${DIR[$n]}/post.vkey" --url "$CURL_" --out "$T_TMP/enrol-$n" >/dev/null 2>&1
	"$TIMS" post enrol "${DIR[$n]}" --from "$T_TMP/enrol-$n" >/dev/null
	printf 'interval_ms = 200\n' >"${DIR[$n]}/sync.conf"
done
ago() { date -u -d "$1 days ago" +%Y-%m-%dT%H:%M:%SZ; }
person() { # DOC NAT SURNAME
	printf '{"doc_code":"P","issuer":"%s","number":"%s","surname":"%s","given_names":"ALEX","nationality":"%s","birth_date":"1985-02-03","sex":"M"}' "$2" "$1" "$3" "$2"
}
# Entered at A 120 days ago, left at B 30 days ago: 91 days in the country,
# 91 of them in the window of 180 ending today.
printf '{"id":"a-1","direction":"entry","officer":"archive","booth":"B1","crossed_at":"%s","person":%s}\n' \
	"$(ago 120)" "$(person US5550001 USA TRAVELLER)" >"$T_TMP/a.jsonl"
# A visa-required national (Uzbekistan, Annex I) who entered at A 40 days
# ago with no visa recorded.
printf '{"id":"a-2","direction":"entry","officer":"archive","booth":"B1","crossed_at":"%s","person":%s}\n' \
	"$(ago 40)" "$(person UZ7741209 UZB KARIMOV)" >>"$T_TMP/a.jsonl"
# Another one who entered 40 days ago on a 30-day single-entry visa
# (record version 2's visa): 41 days present, 11 over the visa's duration.
printf '{"id":"a-3","direction":"entry","officer":"archive","booth":"B1","crossed_at":"%s","person":%s,"visa":{"kind":"short","number":"VC0012345","issuer":"FRA","valid_from":"%s","valid_until":"%s","entries":1,"duration_days":30}}\n' \
	"$(ago 40)" "$(person UZ1110002 UZB RASHIDOV)" "$(date -u -d '45 days ago' +%F)" \
	"$(date -u -d '60 days' +%F)" >>"$T_TMP/a.jsonl"
printf '{"id":"b-1","direction":"exit","officer":"archive","booth":"B1","crossed_at":"%s","person":%s}\n' \
	"$(ago 30)" "$(person US5550001 USA TRAVELLER)" >"$T_TMP/b.jsonl"
cli_as "${DIR[post-a]}" supervisor "$TIMS" cross import --post "${DIR[post-a]}" "$T_TMP/a.jsonl" >/dev/null 2>&1
cli_as "${DIR[post-b]}" supervisor "$TIMS" cross import --post "${DIR[post-b]}" "$T_TMP/b.jsonl" >/dev/null 2>&1

for n in post-a post-b; do
	"$TIMS" post serve "${DIR[$n]}" --port 0 >"$T_TMP/$n.out" 2>"$T_TMP/$n.log" &
	PIDS+=($!)
	wait_line "$T_TMP/$n.out" "listening on"
done

# The booth's answer at a post, as `tims history` (and the node's history
# and check routes) computes it: the post's log merged with its replica.
stay_at() { # POST DOC -> JSON
	cli_as "${DIR[$1]}" officer "$TIMS" history --post "${DIR[$1]}" "$2" --json 2>&1
}
summary() { jq -r '.stay | "used \(.used) left \(.left) overstay \(.overstay) in_country \(.in_country) inconsistent \(.inconsistent)"'; }
national_in() { # POST DOC N: the post's answer counts N crossings of other posts, and is current
	stay_at "$1" "$2" | jq -e --argjson n "$3" '.national.crossings == $n and .national.current' >/dev/null
}
t_ok "sync: post B's replica holds A's crossing and is current" wait_for 150 national_in post-b US5550001 1
# Root on post B copies the replica: it lists no document numbers (each is
# a keyed hash under national.key, which never leaves the post).
t_eq "root's copy of B's replica (national.db and its WAL) holds no document number" "0" \
	"$(cat "${DIR[post-b]}"/national.db* | grep -a -c 'US5550001\|UZ7741209')"
t_ok "sync: post A's replica holds B's crossing and is current" wait_for 150 national_in post-a US5550001 1

B=$(stay_at post-b US5550001)
A=$(stay_at post-a US5550001)
CEN=$(cli_as "$C" supervisor "$TIMS" centre query "$C" history --doc US5550001 --purpose "national stay check" 2>&1)
t_eq "B: 91 days used of 90, 1 over, left the country" \
	"used 91 left 0 overstay 1 in_country false inconsistent false" "$(printf '%s' "$B" | summary)"
t_eq "B's answer equals the centre's national answer" "$(printf '%s' "$CEN" | summary)" \
	"$(printf '%s' "$B" | summary)"
t_eq "B's answer equals A's" "$(printf '%s' "$A" | summary)" "$(printf '%s' "$B" | summary)"
# The national search finds a person as screening compares names: Cyrillic,
# lower case, a year of birth; one match per document, audited with its purpose.
SRCH=$(cli_as "$C" supervisor "$TIMS" centre query "$C" search --surname "Каримов" --given "alex" \
	--dob 1985 --purpose "find a traveller by name" 2>&1)
t_eq "search: 'Каримов / alex' born 1985 finds KARIMOV ALEX's document, and only his" \
	"UZ7741209 1" "$(printf '%s' "$SRCH" | jq -r '"\([.matches[].document] | join(",")) \(.matches[0].crossings)"')"
t_eq "search: each match says why it matched" "true" \
	"$(printf '%s' "$SRCH" | jq -r '(.matches[0].reasons | length) > 0')"
t_match "search: the query is in the centre's audit log with its purpose" \
	'"action":"national.search".*"purpose":"find a traveller by name"' \
	"$(cli_as "$C" auditor "$TIMS" audit list --centre "$C" --json 2>/dev/null | grep national.search)"
t_match "search: without a purpose it is refused" 'purpose' \
	"$(cli_as "$C" supervisor "$TIMS" centre query "$C" search --surname KARIMOV 2>&1)"
t_eq "B: its own exit counted once (one crossing of another post, A's entry)" \
	"1 bg.example/post-b bg.example/post-a" \
	"$(printf '%s' "$B" | jq -r '"\(.national.crossings) \(.last_crossings[0].post) \(.last_crossings[1].post)"')"
t_eq "B: the last crossings with dates, directions and posts" \
	"$(date -u -d '30 days ago' +%F) exit $(date -u -d '120 days ago' +%F) entry" \
	"$(printf '%s' "$B" | jq -r '"\(.last_crossings[0].date) \(.last_crossings[0].direction) \(.last_crossings[1].date) \(.last_crossings[1].direction)"')"
t_eq "B: current national data has no offline note" "true null" \
	"$(printf '%s' "$B" | jq -r '"\(.national.current) \(.national.note)"')"

# The visa-required national: on the centre's overstay list, and B agrees.
OVER=$(cli_as "$C" supervisor "$TIMS" centre query "$C" overstays --purpose "national stay check" 2>&1)
t_eq "centre: the visa-required national with no visa is on the overstay list" \
	"UZ7741209 true true 41" \
	"$(printf '%s' "$OVER" | jq -r '.overstays[] | select(.document == "UZ7741209") | "\(.document) \(.visa_required) \(.visa_missing) \(.overstay)"')"
t_eq "centre: the visa-required national over his visa's 30 days is on the overstay list" \
	"UZ1110002 true false 30 11" \
	"$(printf '%s' "$OVER" | jq -r '.overstays[] | select(.document == "UZ1110002") | "\(.document) \(.visa_required) \(.visa_missing) \(.max_days) \(.overstay)"')"
t_eq "B: the same answer from the visa recorded at A" "30 41 11 false" \
	"$(stay_at post-b UZ1110002 | jq -r '.stay | "\(.max_days) \(.used) \(.overstay) \(.visa_missing)"')"
t_eq "centre: the other traveller, gone, is not" "" \
	"$(printf '%s' "$OVER" | jq -r '.overstays[] | select(.document == "US5550001") | .document')"
t_eq "B: the same answer for the visa-required national (no visa: every day over)" \
	"true true 41 41" \
	"$(stay_at post-b UZ7741209 | jq -r '.stay | "\(.visa_required) \(.visa_missing) \(.used) \(.overstay)"')"

# The centre stops: B still answers, with its national data as of when it was current.
kill "$CPID"
wait "$CPID" 2>/dev/null
offline() { stay_at post-b US5550001 | jq -e '.national.current == false' >/dev/null; }
t_ok "offline: B notices the centre is gone" wait_for 100 offline
B2=$(stay_at post-b US5550001)
t_match "offline: B's answer says national data as of <time>" \
	'"note": ?"national data as of [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z"' "$B2"
t_match "offline: tims history says so too" '^national: 1 crossing at other posts; national data as of ' \
	"$(cli_as "${DIR[post-b]}" officer "$TIMS" history --post "${DIR[post-b]}" US5550001 2>&1)"
t_eq "offline: the answer is still the national one" "$(printf '%s' "$B" | summary)" \
	"$(printf '%s' "$B2" | summary)"
t_end
