#!/usr/bin/env bash
# demo-network.sh — the second half of `make demo`: a national network on
# this machine, a day of traffic, and the drill of 2022.
#
# 5. A centre, an independent witness and three posts (a land crossing, a
#    port, an airport) as real processes on 127.0.0.1, with the embedded
#    SQLite default. Officer accounts and watchlists are made once at the
#    centre and reach the posts as signed bundles.
# 6. A day of traffic through the posts' HTTPS API, as booths send it:
#    travellers of many nationalities (names from tests/data/names), cars
#    with families, watchlist hits including a discreet check, a common name
#    that must not stop the queue, an overstayer from last season.
# 7. The drill of 2022: the centre is cut off, the posts keep registering;
#    the centre's data is wiped and rebuilt from the posts; everything is
#    verified and counted.
#
# Then it prints the consoles' addresses and keeps the network running until
# Ctrl-C (DEMO_EXIT=1: stop at once). DEMO_SCALE=small runs a shorter day
# (what `make check` runs). Files in $DEMO_DIR/net (default build/demo/net).
set -u
cd "$(dirname "$0")/.." || exit 2
TIMS=${TIMS:-build/tims}
D=${DEMO_DIR:-build/demo}/net
PY="python3 scripts/demo_data.py"
if [ "${DEMO_SCALE:-full}" = small ]; then
	WL=(--persons 2000 --documents 1000 --vehicles 100) DAY=40 CUT=12 AFTER=6
else
	WL=(--persons 20000 --documents 20000 --vehicles 2000) DAY=300 CUT=60 AFTER=30
fi
PASSWORD="demo password 2022"
POSTS=(kapitan-andreevo varna-port sofia-airport)
KINDS=(land port airport)

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }
# The daemons refuse root unless told where to drop to (`user`, tims.conf(5)).
# The demo's throwaway network, started by root (a fresh machine's only
# account, as `make demo` often is), runs as root and says so; a real node
# runs as its own account (the package's units: User=tims).
if [ "$(id -u)" = 0 ] && [ "${TIMS_ALLOW_ROOT:-}" != 1 ]; then
	echo "demo: started as root: the demo's daemons run as root (TIMS_ALLOW_ROOT=1); in production they drop to \`user\`"
	export TIMS_ALLOW_ROOT=1
fi
PIDS=()
stop_all() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
}
trap stop_all EXIT
trap 'echo; echo "demo: stopping the network"; exit 0' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_line() { # FILE REGEX
	for _ in $(seq 1 200); do grep -Eq "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1
}
# bar DONE TOTAL LABEL: a progress bar on the terminal (nothing when piped)
bar() {
	[ -t 1 ] || return 0
	local w=30 f=$(($1 * 30 / ($2 > 0 ? $2 : 1)))
	printf '\r  %-28s [%-*s] %d/%d' "$3" "$w" "$(printf '%*s' "$f" '' | tr ' ' '#')" "$1" "$2"
	[ "$1" -ge "$2" ] && echo
	return 0
}

rm -rf "$D" && mkdir -p "$D" || exit 2
# Every node seals its personal data under a key in a PKCS#11 token: the one
# demo.sh made, else a throwaway SoftHSM2 token here (docs/keys.md).
if [ -z "${TIMS_TOKEN:-}" ]; then
	eval "$(bash scripts/token.sh "$D/token")" || die "no SoftHSM2 token (scripts/deps.sh)"
	export SOFTHSM2_CONF TIMS_TOKEN
fi
# Who types at the command line: logged in, audited (docs/roles.md).
. scripts/cli-session.sh
C=$D/centre W=$D/witness
CPORT=$(free_port)
CURL_=https://127.0.0.1:$CPORT

say "5. the national network: a centre, a witness and three posts on 127.0.0.1"
"$TIMS" centre init "$C" --name tims-centre >/dev/null || die "centre init failed"
cli_bootstrap "$C" || die "the centre's first admin could not be made"
"$TIMS" witness init "$W" --name witness.example/w1 >/dev/null || die "witness init failed"
start_centre() {
	"$TIMS" centre serve "$C" --port "$CPORT" >"$D/centre.out" 2>>"$D/centre.log" &
	CENTRE=$!
	PIDS+=("$CENTRE")
	wait_line "$D/centre.out" "listening on" || die "the centre did not start (see $D/centre.log)"
}
"$TIMS" witness serve "$W" --listen 127.0.0.1:0 >"$D/witness.out" 2>>"$D/witness.log" &
PIDS+=($!)
wait_line "$D/witness.out" "listening on" || die "the witness did not start"
WURL=$(sed -n 's/.* listening on //p' "$D/witness.out")
"$TIMS" centre add-witness "$C" --vkey "$W/witness.vkey" >/dev/null

# Officer accounts: made once at the centre, assigned to every post, sent
# down as each post's sealed roster. Three booth officers a post for the
# three shifts of the day, a supervisor and an auditor.
echo "[" >"$D/officers.json"
add_officer() { # ID NAME ROLE
	local s
	s=$(echo "$PASSWORD" | "$TIMS" officer add --post "$C" "$1" --name "$2" --role "$3" |
		sed -n "s/^officer $1: TOTP secret //p")
	[ -n "$s" ] || die "officer $1 not made"
	"$TIMS" centre assign "$C" "$1" --all >/dev/null
	printf '%s{"id":"%s","password":"%s","secret":"%s","role":"%s"}\n' \
		"$([ "$1" = "$FIRST" ] || echo ,)" "$1" "$PASSWORD" "$s" "$3" >>"$D/officers.json"
	SECRET[$1]=$s
}
declare -A SECRET DIR URL
FIRST=ivanova
i=0
for o in ivanova petrov dimitrova georgiev stoyanova nikolov todorova angelov popova; do
	add_officer "$o" "Officer ${o^}" officer
	i=$((i + 1))
done
add_officer kostova "Supervisor Kostova" supervisor
add_officer marinov "Auditor Marinov" auditor
echo "]" >>"$D/officers.json"
echo "officers: 9 booth officers, a supervisor and an auditor, made at the centre"

for i in 0 1 2; do
	n=${POSTS[$i]}
	DIR[$n]=$D/$n
	"$TIMS" post init "${DIR[$n]}" --origin "bg.example/$n" --kind "${KINDS[$i]}" >/dev/null &&
	cli_bootstrap "${DIR[$n]}" &&
	"$TIMS" centre enrol-post "$C" "$n" --vkey "${DIR[$n]}/post.vkey" --url "$CURL_" \
		--out "$D/enrol-$n" >/dev/null &&
	"$TIMS" post enrol "${DIR[$n]}" --from "$D/enrol-$n" >/dev/null &&
	"$TIMS" witness add-log "$W" --vkey "${DIR[$n]}/post.vkey" >/dev/null &&
	"$TIMS" post add-witness "${DIR[$n]}" --url "$WURL" --ca "$W/tls.crt" \
		--vkey "$W/witness.vkey" >/dev/null || die "post $n could not be set up"
	echo "post $n (${KINDS[$i]}): enrolled, certificates from the centre's CA, witnessed by witness.example/w1"
done

# Watchlists at the centre, from the name pools, in their own scripts.
$PY watchlists "$D/wl" "${WL[@]}" || die "watchlists not generated"
for l in persons:persons.csv documents:documents.jsonl vehicles:vehicles.csv; do
	cli_as "$C" analyst "$TIMS" watchlist import --store "$C/watchlists" --list "${l%%:*}" --kind "${l%%:*}" \
		"$D/wl/${l##*:}" | sed 's/^/  /'
	[ "${PIPESTATUS[0]}" = 0 ] || die "import of ${l%%:*} failed"
done
echo "  a sample of the persons list (names as their own countries write them):"
sed -n '2,6p' "$D/wl/persons.csv" | cut -d, -f1-3 | sed 's/^/    /'

# Last season, re-typed from a paper register at the land crossing: the
# overstayer who came in 100 days ago.
$PY history "$D/history.jsonl" --planted "$D/wl/planted.json"
cli_as "${DIR[${POSTS[0]}]}" supervisor "$TIMS" cross import --post "${DIR[${POSTS[0]}]}" \
	"$D/history.jsonl" >/dev/null 2>&1 ||
	die "history import failed"
HISTORY=$(grep -c . "$D/history.jsonl")

start_centre
start_node() { # NAME
	local n=$1
	"$TIMS" post serve "${DIR[$n]}" --port 0 >"$D/$n.out" 2>>"$D/$n.log" &
	NODE[$n]=$!
	PIDS+=("${NODE[$n]}")
	wait_line "$D/$n.out" "listening on" || die "post $n did not start (see $D/$n.log)"
	URL[$n]=$(sed -n 's/^listening on //p' "$D/$n.out" | sed 's|/$||')
}
declare -A NODE
for n in "${POSTS[@]}"; do start_node "$n"; done
status_of() { curl -s --cacert "$C/ca.crt" "${URL[$1]}/api/v1/status" -H "Authorization: Bearer $2"; }
# every post holds its roster and the three watchlists (public status has no
# list details: count the bundles in the node's log instead)
ready() {
	local n
	for n in "${POSTS[@]}"; do
		[ "$(grep -c 'from the centre applied' "$D/$n.log" 2>/dev/null)" -ge 4 ] || return 1
	done
}
for k in $(seq 1 150); do ready && break; bar "$k" 150 "bundles to the posts"; sleep 0.2; done
ready || die "the posts did not receive their bundles (see $D/*.log)"
[ -t 1 ] && echo
for n in "${POSTS[@]}"; do
	echo "  $n: $(grep -c 'from the centre applied' "$D/$n.log") signed bundles applied (roster and 3 watchlists)"
done

say "6. a day of traffic at the booths (HTTPS API, as the console sends it)"
POST_ARGS=()
for i in 0 1 2; do POST_ARGS+=(--post "${POSTS[$i]}=${URL[${POSTS[$i]}]}" --kind "${POSTS[$i]}=${KINDS[$i]}"); done
traffic() { # TAG N FIRST_OFFICER [--specials]
	python3 - "$D/officers.json" "$3" >"$D/officers-$1.json" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
print(json.dumps(o[int(sys.argv[2]):int(sys.argv[2]) + 3]))
PY
	$PY traffic "${POST_ARGS[@]}" --ca "$C/ca.crt" --officers "$D/officers-$1.json" \
		--planted "$D/wl/planted.json" --n "$2" --tag "$1" --out "$D/traffic-$1.json" "${@:4}"
}
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[k]
print(d)' "$@"; }
traffic day "$DAY" 0 --specials || die "the day's traffic failed"
T=$D/traffic-day.json
echo "crossings registered: $(jget "$T" acknowledged) of $(jget "$T" attempted) attempted" \
	"($(jget "$T" vehicles) cars, $(jget "$T" families) families with minors)"
echo "decisions: admitted $(jget "$T" decisions.admit), refused $(jget "$T" decisions.refuse)," \
	"sent to second line $(jget "$T" decisions.second-line)"
echo "watchlist hits: persons $(jget "$T" hits.person), documents $(jget "$T" hits.document)," \
	"vehicles $(jget "$T" hits.vehicle), discreet checks $(jget "$T" hits.discreet) (never shown at the booth: in the record, reported to the centre)"
echo "listed travellers stopped: $(jget "$T" planted_hit) of $(jget "$T" planted);" \
	"same common name, other date of birth, stopped: $(jget "$T" false_hits)"

centre_size() { # -> records mirrored at the centre, every post
	curl -s --cacert "$C/ca.crt" "$CURL_/api/v1/centre/status" | python3 -c '
import json,sys
d=json.load(sys.stdin); print(sum(p["size"] for p in d["posts"]))' 2>/dev/null || echo -1
}
post_sizes() { local n s=0; for n in "${POSTS[@]}"; do s=$((s + $(sed -n 2p "${DIR[$n]}/checkpoint"))); done; echo $s; }
wait_synced() {
	for k in $(seq 1 150); do [ "$(centre_size)" = "$(post_sizes)" ] && return 0; sleep 0.2; done; return 1
}
wait_synced || echo "demo: the centre has not caught up yet"
echo "at the centre: $(centre_size) records mirrored, every batch's signature and proof checked"
echo "the overstayer, from the centre's national query (audited, with a purpose):"
cli_as "$C" supervisor "$TIMS" centre query "$C" overstays --purpose "daily overstay report" --limit 3 |
	python3 -c 'import json,sys,time
d=json.load(sys.stdin)
for o in d["overstays"][:3]:
    print("  %s %s (%s), passport %s: entered %s at %s, %d days in the country, %d over the %d allowed" % (
          o["surname"], o["given_names"], o["nationality"], o["document"],
          time.strftime("%Y-%m-%d", time.gmtime(o["entered"] / 1000)), o["origin"],
          o["used"], o["overstay"], o["max_days"]))
print("  overstayers: %d" % d["total"])' | tee "$D/overstays.txt"

say "7. the drill of 2022: the centre cut off, wiped, rebuilt from the posts"
"$TIMS" centre isolate "$C" >/dev/null
echo "the centre is cut off (tims centre isolate); the posts keep working alone:"
traffic cut "$CUT" 3 || die "traffic while cut off failed"
echo "  registered while the centre was cut off: $(jget "$D/traffic-cut.json" acknowledged) of $(jget "$D/traffic-cut.json" attempted)"
sleep 1.5
echo "the attack: the centre stopped and its data wiped (mirrors and query store)"
kill "$CENTRE"; wait "$CENTRE" 2>/dev/null
rm -rf "$C/mirror" "$C/query.db" "$C/query.db-wal" "$C/query.db-shm" && mkdir "$C/mirror"
echo "more traffic while the centre is gone:"
traffic gone "$AFTER" 6 || die "traffic while the centre was gone failed"
echo "  registered while the centre was gone: $(jget "$D/traffic-gone.json" acknowledged) of $(jget "$D/traffic-gone.json" attempted)"
echo "rebuild: tims centre rebuild --from-posts (each post's log pulled back and verified)"
REB=()
for n in "${POSTS[@]}"; do REB+=("$n=${URL[$n]}"); done
"$TIMS" centre rebuild "$C" --from-posts "${REB[@]}" >"$D/rebuild.txt" 2>&1
rebuild_rc=$?
sed 's/^/  /' "$D/rebuild.txt"
"$TIMS" centre rejoin "$C" >/dev/null
start_centre
wait_synced || echo "demo: the centre has not caught up yet"
"$TIMS" centre verify "$C" >"$D/verify.txt" 2>&1
verify_rc=$?
roots=$(grep -c 'verified against' "$D/rebuild.txt")

att=0 ack=0
for t in day cut gone; do
	att=$((att + $(jget "$D/traffic-$t.json" attempted)))
	ack=$((ack + $(jget "$D/traffic-$t.json" acknowledged)))
done
expected=$((ack + HISTORY))
present=$(centre_size)
lost=$((expected > present ? expected - present : 0))
dup=$((present > expected ? present - expected : 0))

say "Summary: the national network"
echo "crossings: attempted $att, acknowledged $ack (+$HISTORY re-entered from paper), present at the centre $present"
echo "lost: $lost, duplicated: $dup"
echo "hits: $(( $(jget "$T" hits.person) + $(jget "$T" hits.document) + $(jget "$T" hits.vehicle) )) during the day," \
	"discreet checks $(jget "$T" hits.discreet), listed travellers stopped $(jget "$T" planted_hit) of $(jget "$T" planted)"
echo "overstayers found: $(sed -n 's/.*overstayers: //p' "$D/overstays.txt")"
echo "rebuild: exit $rebuild_rc, $roots roots verified against cosigned checkpoints; mirrors verified: $([ $verify_rc = 0 ] && echo yes || echo NO)"
answering=0
for u in "${URL[@]}" "$CURL_"; do
	curl -s -o /dev/null -w '%{http_code}' --cacert "$C/ca.crt" "$u/" | grep -q 200 && answering=$((answering + 1))
done
echo "consoles answering: $answering of 4 (three booth consoles and the supervisor dashboard)"
echo
echo "Consoles (the certificates come from the demo centre's CA: $C/ca.crt):"
for n in "${POSTS[@]}"; do echo "  booth console, $n: ${URL[$n]}/"; done
echo "  supervisor dashboard (the centre): $CURL_/"
echo "Log in as ivanova (booth) or kostova (supervisor), password \"$PASSWORD\", code:"
echo "  oathtool --totp -b ${SECRET[ivanova]}     (ivanova)"
echo "  oathtool --totp -b ${SECRET[kostova]}     (kostova)"
ok=1
[ "$lost" = 0 ] && [ "$dup" = 0 ] && [ "$rebuild_rc" = 0 ] && [ "$verify_rc" = 0 ] || ok=0
if [ "${DEMO_EXIT:-0}" = 1 ]; then
	[ $ok = 1 ]
	exit
fi
echo
echo "The network keeps running; press Ctrl-C to stop it."
wait
