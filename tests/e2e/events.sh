# events.sh — hits reach the centre and the supervisor (issue 14), with real
# processes on loopback: a check that finds a wanted traveller and one that
# finds a discreet-check traveller (with a car) at post A are events at the
# centre's GET /api/v1/dashboard/events within seconds, with post, booth,
# officer, document and vehicle — though the post's round is 5 s, the
# event wakes it; with the centre down an event waits in post.db, also
# across a restart of the post, and arrives once when the centre is back;
# the impostor alert (another post's certificate on the centre's address)
# arrives the same way; a post cannot post as another (the certificate
# says who), a replay is stored once, and an oversized or malformed batch
# is refused whole; an admission with a hit comes first until a supervisor
# acknowledges it; reading the events is audited and for supervisors only.
. tests/e2e/lib.sh

C=$T_TMP/centre
CPORT=$(free_port)
CURL_=https://127.0.0.1:$CPORT
PASSWORD="dashboard password 1"
secret_of() { sed -n "s/^officer $1: TOTP secret //p"; }

"$TIMS" centre init "$C" --name tims-centre >/dev/null
cli_bootstrap "$C"
# Supervisors: a TOTP code logs in once, and the centre restarts twice.
declare -A S_SUP
for s in kostova dimov vasileva; do
	S_SUP[$s]=$(echo "$PASSWORD" | "$TIMS" officer add --post "$C" "$s" --name "Supervisor $s" --role supervisor | secret_of "$s")
done
S_AUD=$(echo "$PASSWORD" | "$TIMS" officer add --post "$C" popova --name "Lea Popova" --role auditor | secret_of popova)
S_ANA=$(echo "$PASSWORD" | "$TIMS" officer add --post "$C" marinov --name "Ivo Marinov" --role analyst | secret_of marinov)

declare -A DIR
for n in a b; do
	DIR[$n]=$T_TMP/post-$n
	"$TIMS" post init "${DIR[$n]}" --origin "bg.example/post-$n" --kind land >/dev/null
	cli_bootstrap "${DIR[$n]}"
	"$TIMS" centre enrol-post "$C" "post-$n" --vkey "${DIR[$n]}/post.vkey" --url "$CURL_" \
		--out "$T_TMP/enrol-$n" >/dev/null
	"$TIMS" post enrol "${DIR[$n]}" --from "$T_TMP/enrol-$n" >/dev/null
done
P=${DIR[a]}
cli_as "$P" analyst "$TIMS" watchlist import --store "$P/watchlists" --list wanted --kind persons tests/data/screen/persons.csv >/dev/null 2>&1
B_SECRET=$(echo "booth password 1" | "$TIMS" officer add --post "$P" off1 --name "Officer 1" --role officer | secret_of off1)
# A round of 5 s: an event must not wait for it.
printf 'interval_ms = 5000\n' >"$P/sync.conf"

start_centre() {
	: >"$T_TMP/centre.out"
	"$TIMS" centre serve "$C" --port "$CPORT" >"$T_TMP/centre.out" 2>>"$T_TMP/centre.log" &
	CENTRE=$!
	PIDS+=("$CENTRE")
	wait_line "$T_TMP/centre.out" "listening on"
}
start_post() {
	: >"$T_TMP/a.out"
	"$TIMS" post serve "$P" --port 0 >"$T_TMP/a.out" 2>>"$T_TMP/a.log" &
	POST=$!
	PIDS+=("$POST")
	wait_line "$T_TMP/a.out" "listening on"
	PURL=$(sed -n 's/^listening on //p' "$T_TMP/a.out" | sed 's|/$||')
}
stop() { kill "$1"; wait "$1" 2>/dev/null; }
start_centre
start_post

# The booth (post A) and the supervisor (the centre).
TOKEN=$(preq POST /api/v1/session "{\"officer\":\"off1\",\"password\":\"booth password 1\",\"code\":\"$(oathtool --totp -b "$B_SECRET")\",\"booth\":\"B7\"}" |
	sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p')
t_match "setup: the booth officer has a session" '^[A-Za-z0-9_-]{43}$' "$TOKEN"
dlogin() { # ID SECRET -> token
	curl -s --cacert "$C/ca.crt" -H 'Content-Type: application/json' --data-binary \
		"{\"officer\":\"$1\",\"password\":\"$PASSWORD\",\"code\":\"$(oathtool --totp -b "$2")\"}" \
		"$CURL_/api/v1/session" | sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p'
}
SUP=$(dlogin kostova "${S_SUP[kostova]}")
t_match "setup: the supervisor has a session" '^[A-Za-z0-9_-]{43}$' "$SUP"
dreq() { # METHOD PATH TOKEN -> status; body in $T_TMP/dbody
	curl -s -o "$T_TMP/dbody" -w '%{http_code}' --cacert "$C/ca.crt" -X "$1" \
		${3:+-H "Authorization: Bearer $3"} ${4:+-H 'Content-Type: application/json' --data-binary "$4"} "$CURL_$2"
}
events() { # [QUERY]: the supervisor's first page of events
	dreq GET "/api/v1/dashboard/events${1:-}" "$SUP" >/dev/null; cat "$T_TMP/dbody"
}
# ev_field JSON KIND DOC KEY: KEY of the first event of KIND about DOC ("" for none).
ev_field() {
	printf '%s' "$1" | python3 -c '
import json, sys
kind, doc, key = sys.argv[1:4]
for e in json.load(sys.stdin).get("events", []):
    if e["kind"] == kind and e.get("document", "") == doc:
        v = e
        for k in key.split("."):
            v = v[int(k)] if isinstance(v, list) else v.get(k, "") if isinstance(v, dict) else ""
        print(json.dumps(v) if isinstance(v, (dict, list, bool)) else v)
        break' "$2" "$3" "$4" 2>/dev/null
}
# count_of KIND DOC: events of KIND about DOC at the centre (all pages).
count_of() {
	events "?limit=200&kind=$1" | python3 -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin)["events"] if e.get("document", "") == sys.argv[1]))' "$2"
}
has_event() { [ "$(count_of "$1" "$2")" -ge 1 ]; }
now_ms() { date +%s%3N; }

# 1. A hit and a discreet-check hit at the booth reach the centre at once.
WANTED='P<RUSSHCHERBAKOV<<YURIY<<<<<<<<<<<<<<<<<<<<<\n7200000175RUS7104125M3306150<<<<<<<<<<<<<<<6'
DISCREET='P<TUNALKHALIFI<<MOHAMED<<<<<<<<<<<<<<<<<<<<<\nTN12345670TUN7509018M3001019<<<<<<<<<<<<<<00'
sleep 0.5 # the post's first round (at start) is over: the next is 5 s away
t0=$(now_ms)
r=$(preq POST /api/v1/check "{\"mrz\":\"$DISCREET\",\"vehicle\":{\"plate\":\"CA 1234 AB\"}}")
t_eq "check: the booth is not told the discreet check (kind, authority, instruction)" 0 \
	"$(printf '%s' "$r" | grep -c 'discreet-check\|NCB Tunis\|do not alert')"
t_ok "discreet hit: at the centre's events within 3 s" wait_for 15 has_event discreet-hit TN1234567
t1=$(now_ms)
e=$(events)
lat=$(( $(ev_field "$e" discreet-hit TN1234567 received_ms) - $(ev_field "$e" discreet-hit TN1234567 time_ms) ))
echo "# discreet hit: found to stored at the centre in $lat ms (post round 5000 ms); seen by this script's polling after $((t1 - t0)) ms"
t_ok "discreet hit: stored at the centre less than 2 s after it was found, not at the next round" test "$lat" -lt 2000
t_eq "discreet hit: the post, from its certificate" post-a "$(ev_field "$e" discreet-hit TN1234567 post)"
t_eq "discreet hit: the booth" B7 "$(ev_field "$e" discreet-hit TN1234567 booth)"
t_eq "discreet hit: the officer" off1 "$(ev_field "$e" discreet-hit TN1234567 officer)"
t_eq "discreet hit: the vehicle" '{"plate": "CA 1234 AB"}' "$(ev_field "$e" discreet-hit TN1234567 vehicle)"
t_eq "discreet hit: the entry and its kind" "P-003 discreet-check true" \
	"$(ev_field "$e" discreet-hit TN1234567 hits.0.ref) $(ev_field "$e" discreet-hit TN1234567 hits.0.alert) $(ev_field "$e" discreet-hit TN1234567 hits.0.discreet)"
t_match "discreet hit: the time and place" '^1[0-9]{12} bg.example/post-a$' \
	"$(ev_field "$e" discreet-hit TN1234567 time_ms) $(ev_field "$e" discreet-hit TN1234567 origin)"
t_match "discreet hit: an alert on the dashboard, severe, without the traveller" \
	'"kind":"discreet-hit","origin":"bg.example/post-a","detail":"a discreet-check hit at booth B7, officer off1"' \
	"$(dreq GET /api/v1/dashboard/alerts "$SUP" >/dev/null; cat "$T_TMP/dbody")"
preq POST /api/v1/check "{\"mrz\":\"$WANTED\"}" >/dev/null
t_ok "hit: the wanted traveller's hit is at the centre within 3 s" wait_for 15 has_event hit 720000017
t_eq "hit: its list, reference and alert" "wanted P-001 wanted" \
	"$(e=$(events); echo "$(ev_field "$e" hit 720000017 hits.0.list) $(ev_field "$e" hit 720000017 hits.0.ref) $(ev_field "$e" hit 720000017 hits.0.alert)")"

# 2. The centre down: the event waits in post.db, across a restart of the
# post, and arrives once when the centre is back.
stop "$CENTRE"
preq POST /api/v1/check "{\"mrz\":\"$WANTED\"}" >/dev/null
preq POST /api/v1/check "{\"mrz\":\"$DISCREET\"}" >/dev/null
pending() { preq GET /api/v1/status | grep -o '"events":{"pending":[0-9]*' | grep -o '[0-9]*$'; }
t_eq "offline: the events wait at the post" 2 "$(pending)"
stop "$POST"
start_post
t_eq "offline: still waiting after the post restarted" 2 "$(pending)"
start_centre
SUP=$(dlogin dimov "${S_SUP[dimov]}")
two_hits() { [ "$(count_of hit 720000017)" = 2 ]; }
t_ok "offline: with the centre back, the event arrives" wait_for 50 two_hits
t_ok "offline: and the post owes nothing" wait_for 25 eval '[ "$(pending)" = 0 ]'
sleep 1
t_eq "offline: it arrived exactly once" 2 "$(count_of hit 720000017)"
t_eq "offline: and in the order they happened (post-a's numbers rise with the centre's ids)" ok \
	"$(events '?post=post-a&limit=200' | python3 -c '
import json, sys
e = sorted(json.load(sys.stdin)["events"], key=lambda x: x["id"])
s = [x["seq"] for x in e]
# the four of the checks; the post also reports its bootstrap and its local list
print("ok" if s == sorted(s) and len([x for x in e if x["kind"] in ("hit", "discreet-hit")]) == 4
      else [(x["seq"], x["kind"]) for x in e])')"
t_match "bootstrap: the post's first admin (tims officer bootstrap) was reported to the centre" \
	'"kind":"bootstrap".*"officer":"cli-admin"' "$(events '?post=post-a&kind=bootstrap')"

# 3. The impostor alert: another post's certificate on the centre's address.
cat >"$T_TMP/impostor.py" <<'EOF'
import http.server, ssl, sys
port, crt, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
class H(http.server.BaseHTTPRequestHandler):
    def answer(self):
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers()
        self.wfile.write(b"{}")
    do_GET = do_POST = answer
    def log_message(self, *a): pass
class S(http.server.ThreadingHTTPServer):
    allow_reuse_address = True
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(crt, key)
s = S(("127.0.0.1", port), H)
s.socket = ctx.wrap_socket(s.socket, server_side=True)
print("listening", flush=True)
s.serve_forever()
EOF
stop "$CENTRE"
python3 "$T_TMP/impostor.py" "$CPORT" "${DIR[b]}/tls.crt" "${DIR[b]}/tls.key" >"$T_TMP/impostor.out" 2>&1 &
IMPOSTOR=$!
PIDS+=("$IMPOSTOR")
wait_line "$T_TMP/impostor.out" listening
t_ok "impostor: the post raises its identity alert" wait_for 75 eval 'preq GET /api/v1/status | grep -q "\"identity_alert\":{"'
t_eq "impostor: the alert is an event waiting for the centre" 1 "$(pending)"
stop "$IMPOSTOR"
start_centre
SUP=$(dlogin vasileva "${S_SUP[vasileva]}")
impostor_in() { events "?kind=impostor" | grep -q '"kind":"impostor"'; }
t_ok "impostor: with the real centre back, the event is at the centre" wait_for 75 impostor_in
t_match "impostor: it says what happened, from post-a" '"detail":"the centre.s address https://127.0.0.1:[0-9]+ answered with a certificate that is not the centre.s.*"post":"post-a"' \
	"$(events '?kind=impostor')"
t_match "impostor: a severe alert" '"kind":"impostor","origin":"bg.example/post-a".*"severe":true' \
	"$(dreq GET /api/v1/dashboard/alerts "$SUP" >/dev/null; cat "$T_TMP/dbody")"

# 4. The sync route itself: who posts is the certificate; strict and bounded.
as_post() { # NAME BODY -> status; answer in $T_TMP/sbody (a refused upload: the
	# answer comes before the body, curl waits for it however loaded the machine)
	curl -s -o "$T_TMP/sbody" -w '%{http_code}' --expect100-timeout 30 --cacert "$C/ca.crt" --cert "$T_TMP/enrol-$1/client.crt" \
		--key "$T_TMP/enrol-$1/client.key" -H 'Content-Type: application/json' --data-binary "$2" \
		"$CURL_/api/v1/sync/events"
}
EV_B='{"seq":5,"kind":"admit-with-hit","time_ms":1767225600000,"booth":"B2","officer":"off9","document":"XB0000001","decision":"admit","hits":[{"part":"person","discreet":false,"list":"wanted","ref":"P-004","alert":"wanted","version":1,"score_pm":990}]}'
t_eq "sync: a body naming another post is refused" 400 \
	"$(as_post b "{\"events\":[${EV_B%\}},\"origin\":\"bg.example/post-a\"}]}")"
t_eq "sync: post B posts its own event" 200 "$(as_post b "{\"events\":[$EV_B]}")"
t_match "sync: stored once, numbered" '"stored":1,.*"last_seq":5|"last_seq":5.*"stored":1' "$(cat "$T_TMP/sbody")"
t_eq "sync: the event is post B's, never post A's" "post-b bg.example/post-b" \
	"$(e=$(events); echo "$(ev_field "$e" admit-with-hit XB0000001 post) $(ev_field "$e" admit-with-hit XB0000001 origin)")"
t_eq "sync: a replay is answered" 200 "$(as_post b "{\"events\":[$EV_B]}")"
t_match "sync: and stored nothing new" '"repeated":1' "$(cat "$T_TMP/sbody")"
t_eq "sync: the centre holds it once" 1 "$(count_of admit-with-hit XB0000001)"
t_eq "sync: a post's server certificate is not a client" 403 \
	"$(curl -s -o /dev/null -w '%{http_code}' --cacert "$C/ca.crt" --cert "${DIR[b]}/tls.crt" --key "${DIR[b]}/tls.key" \
		-H 'Content-Type: application/json' --data-binary "{\"events\":[$EV_B]}" "$CURL_/api/v1/sync/events")"
t_eq "sync: no certificate, no entry" 401 \
	"$(curl -s -o /dev/null -w '%{http_code}' --cacert "$C/ca.crt" -H 'Content-Type: application/json' \
		--data-binary "{\"events\":[$EV_B]}" "$CURL_/api/v1/sync/events")"
python3 -c 'import sys; sys.stdout.write("{\"events\":[{\"seq\":1,\"kind\":\"hit\",\"time_ms\":1,\"detail\":\"" + "x" * 300000 + "\"}]}")' >"$T_TMP/big"
t_eq "sync: an oversized body is refused (413)" 413 \
	"$(curl -s -o /dev/null -w '%{http_code}' -H 'Expect: 100-continue' --expect100-timeout 30 \
		--cacert "$C/ca.crt" --cert "$T_TMP/enrol-b/client.crt" --key "$T_TMP/enrol-b/client.key" \
		-H 'Content-Type: application/json' --data-binary "@$T_TMP/big" "$CURL_/api/v1/sync/events")"
many=$(python3 -c 'import json; print(json.dumps({"events": [{"seq": 100 + i, "kind": "hit", "time_ms": 1} for i in range(33)]}))')
t_eq "sync: more than 32 events in a batch are refused" 400 "$(as_post b "$many")"
t_eq "sync: not JSON is refused" 400 "$(as_post b '{"events":[{"seq":1,')"
GOOD='{"seq":200,"kind":"hit","time_ms":1767225600000,"document":"XB0000200"}'
t_eq "sync: a batch with one malformed event is refused whole" 400 \
	"$(as_post b "{\"events\":[$GOOD,{\"seq\":201,\"kind\":\"party\",\"time_ms\":1}]}")"
t_eq "sync: numbers must rise within a batch" 400 \
	"$(as_post b "{\"events\":[$GOOD,${GOOD/200,/199,}]}")"
t_eq "sync: nothing of a refused batch was stored" 0 "$(count_of hit XB0000200)"
t_match "sync: refusals are in the centre's event log" 'malformed.*bg.example/post-b.*events\[1\]' "$(cli_as "$C" supervisor "$TIMS" centre events "$C" 2>&1)"

# 5. The supervisor's view: an admission with a hit first until acknowledged.
first=$(events | python3 -c 'import json,sys; e=json.load(sys.stdin)["events"][0]; print(e["kind"], e["highlight"], e["alert_id"])')
t_match "dashboard: the admission with a hit comes first, highlighted (though older)" '^admit-with-hit True [0-9]+$' "$first"
t_eq "dashboard: the unacknowledged ones are counted" 1 \
	"$(events | python3 -c 'import json,sys; print(json.load(sys.stdin)["unacknowledged_admit_with_hit"])')"
t_eq "dashboard: acknowledged through its alert" 200 "$(dreq POST /api/v1/dashboard/alerts/ack "$SUP" "{\"id\":${first##* }}")"
t_match "dashboard: then it takes its place by time, no longer highlighted" '^[a-z-]+ False$' \
	"$(events | python3 -c 'import json,sys; e=json.load(sys.stdin)["events"]; a=[x for x in e if x["kind"]=="admit-with-hit"][0]; print(e[0]["kind"] if e[0]["kind"]!="admit-with-hit" else "still-first", a["highlight"])')"
t_eq "dashboard: filtered by kind" "discreet-hit" \
	"$(events '?kind=discreet-hit' | python3 -c 'import json,sys; print(" ".join(sorted(set(e["kind"] for e in json.load(sys.stdin)["events"]))))')"
t_eq "dashboard: filtered by post" "post-b" \
	"$(events '?post=post-b' | python3 -c 'import json,sys; print(" ".join(sorted(set(e["post"] for e in json.load(sys.stdin)["events"]))))')"
t_match "dashboard: paged" '"limit":1,"offset":1' "$(events '?limit=1&offset=1')"
t_eq "dashboard: a page holds at most what was asked" 1 \
	"$(events '?limit=1' | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["events"]))')"
t_eq "dashboard: an unknown kind is refused" 400 "$(dreq GET '/api/v1/dashboard/events?kind=party' "$SUP")"
t_eq "dashboard: a limit past 200 is refused" 400 "$(dreq GET '/api/v1/dashboard/events?limit=201' "$SUP")"
# A burst from one booth is one alert with its count: it cannot push the
# other alerts out of the panel.
burst=0
for b in 0 1 2 3 4; do
	batch=$(python3 -c 'import json,sys; b=int(sys.argv[1]); print(json.dumps({"events": [{"seq": 1000 + 32 * b + i, "kind": "discreet-hit", "time_ms": 1767225600000, "booth": "B3", "officer": "off8", "document": "XB%07d" % (1000 + 32 * b + i), "hits": [{"part": "person", "discreet": True, "list": "wanted", "ref": "P-003"}]} for i in range(32)]}))' "$b")
	[ "$(as_post b "$batch")" = 200 ] && burst=$((burst + 32))
done
t_eq "burst: 160 events from one booth taken" 160 "$burst"
al=$(dreq GET /api/v1/dashboard/alerts "$SUP" >/dev/null; cat "$T_TMP/dbody")
t_eq "burst: one alert row, counting them" "1 160" "$(printf '%s' "$al" | python3 -c '
import json, sys
a = [x for x in json.load(sys.stdin)["alerts"] if x["kind"] == "discreet-hit" and x.get("origin") == "bg.example/post-b"]
print(len(a), a[0]["count"] if a else 0)')"
t_match "burst: the impostor alert is still on the panel" '"kind":"impostor"' "$al"
t_eq "burst: every event is in the events panel" 160 "$(events '?kind=discreet-hit&post=post-b&limit=200' | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')"
t_eq "roles: no session: 401" 401 "$(dreq GET /api/v1/dashboard/events "")"
t_eq "roles: an auditor may not read the events" 403 "$(dreq GET /api/v1/dashboard/events "$(dlogin popova "$S_AUD")")"
t_eq "roles: an analyst may not read the events" 403 "$(dreq GET /api/v1/dashboard/events "$(dlogin marinov "$S_ANA")")"
t_match "audit: reading the events is in the centre's audit log" 'dashboard\.events' \
	"$(cli_as "$C" auditor "$TIMS" audit list --centre "$C" --count 1000 2>&1)"
t_match "audit: the centre's audit log verifies" 'audit log: [0-9]+ events: ok' "$("$TIMS" centre audit-verify "$C" 2>&1)"
t_end
