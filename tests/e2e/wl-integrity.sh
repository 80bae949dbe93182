# wl-integrity.sh — a post's copy of a centre watchlist cannot be quietly
# edited (docs/bundles.md, "Integrity at the post"; docs/watchlists.md,
# "Centre and local lists"). A wanted entry removed from the post's copy
# with `tims watchlist remove` is refused, naming the list and why. The
# same done by root behind the CLI's back (sqlite3 on the store) is found
# by the next check (every second here): screening fails closed meanwhile
# (POST /api/v1/check answers 503 screening_failed naming the list, the
# status shows it), the centre gets a severe alert, and the copy is
# repaired from the centre: the traveller hits again. A bundle whose
# signed text or payload was altered is refused. A post-local list is
# allowed, shown as local, and its change is reported to the centre with
# the actor.
. tests/e2e/lib.sh

C=$T_TMP/centre P=$T_TMP/post
PW="integrity password 1"
CPORT=$(free_port)
"$TIMS" centre init "$C" --name tims-centre >/dev/null
"$TIMS" post init "$P" --origin bg.example/integrity --kind land >/dev/null
cli_bootstrap "$C"
cli_bootstrap "$P"
secret_of() { sed -n "s/^officer $1: TOTP secret //p"; }
S_OFF=$(echo "$PW" | "$TIMS" officer add --post "$P" off1 --name "Officer 1" --role officer | secret_of off1)
S_SUP=$(echo "$PW" | "$TIMS" officer add --post "$C" sup1 --name "Supervisor 1" --role supervisor | secret_of sup1)
"$TIMS" centre enrol-post "$C" integrity --vkey "$P/post.vkey" --url "https://127.0.0.1:$CPORT" \
	--out "$T_TMP/enrol" >/dev/null 2>&1
"$TIMS" post enrol "$P" --from "$T_TMP/enrol" >/dev/null
printf 'watchlist_check_ms = 1000\n' >"$P/sync.conf"
t_ok "the centre's analyst imports the list" cli_as "$C" analyst "$TIMS" watchlist import \
	--store "$C/watchlists" --list wanted --kind persons tests/data/screen/persons.csv

start_centre() {
	"$TIMS" centre serve "$C" --port "$CPORT" >"$T_TMP/centre.out" 2>>"$T_TMP/centre.log" &
	CENTRE=$!
	PIDS+=("$CENTRE")
	wait_line "$T_TMP/centre.out" "listening on"
}
stop_centre() { kill "$CENTRE"; wait "$CENTRE" 2>/dev/null; }
start_post() {
	: >"$T_TMP/post.out"
	"$TIMS" post serve "$P" --port "$PPORT" >"$T_TMP/post.out" 2>>"$T_TMP/post.log" &
	POST=$!
	PIDS+=("$POST")
	wait_line "$T_TMP/post.out" "listening on"
}
PPORT=$(free_port)
start_centre
start_post
URL=$(sed -n 's/^listening on //p' "$T_TMP/post.out" | sed 's|/$||')
req() { # METHOD PATH [TOKEN] [BODY] -> "STATUS BODY"
	local args=(-s -o "$T_TMP/body" -w '%{http_code}' --cacert "$C/ca.crt" -X "$1" "$URL$2")
	[ -n "${3:-}" ] && args+=(-H "Authorization: Bearer $3")
	[ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	printf '%s %s' "$(curl "${args[@]}")" "$(cat "$T_TMP/body")"
}
TOKEN=$(req POST /api/v1/session "" "{\"officer\":\"off1\",\"password\":\"$PW\",\"code\":\"$(oathtool --totp -b "$S_OFF")\",\"booth\":\"B1\"}" |
	sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p')
status() { req GET /api/v1/status "$TOKEN" | sed 's/^[0-9]* //'; }
held() { # the version of "wanted" the post holds from the centre
	status | python3 -c '
import json, sys
for h in json.load(sys.stdin)["screening"]["from_centre"]:
    if h["kind"] == "watchlist" and h["list"] == "wanted":
        print(h["version"])' 2>/dev/null
}
mismatched() { # the lists the post's check found altered: "LIST: REASON" lines
	status | python3 -c '
import json, sys
i = json.load(sys.stdin)["screening"].get("integrity")
if not i or "mismatched" not in i:
    print("(no integrity check at this post)")
for m in (i or {}).get("mismatched", []):
    print(m["list"] + ": " + m["reason"])' 2>/dev/null || echo "(no status)"
}
held_v1() { [ "$(held)" = 1 ]; }
t_ok "the post takes the centre's list" wait_for 150 held_v1
HIT='P<RUSSHCHERBAKOV<<YURIY<<<<<<<<<<<<<<<<<<<<<\n7200000175RUS7104125M3306150<<<<<<<<<<<<<<<6'
check() { req POST /api/v1/check "$TOKEN" "{\"mrz\":\"$HIT\"}"; }
t_match "the wanted traveller is a hit at the post" '^200 .*"ref":"P-001"' "$(check)"

# 1. Through the CLI: refused, naming the list and why; the copy unchanged.
out=$(cli_as "$P" analyst "$TIMS" watchlist remove --store "$P/watchlists" --list wanted --ref P-001 2>&1); rc=$?
t_eq "tims watchlist remove on the post's copy of a centre list: refused (exit 1)" 1 "$rc"
t_match "... naming the list and why" 'list wanted is distributed by the centre .*changed at the centre only' "$out"
t_status 1 "tims watchlist import into it: refused too" cli_as "$P" analyst "$TIMS" watchlist import --store "$P/watchlists" \
	--list wanted --kind persons tests/data/screen/persons.csv
wl() { cli_as "$P" analyst "$TIMS" watchlist "$@"; }
t_match "... the entry is still there" '"ref":"P-001"' "$(wl list --store "$P/watchlists" --list wanted)"
t_match "tims watchlist list shows the list as the centre's" '^wanted .* centre$' \
	"$(wl list --store "$P/watchlists" | grep '^wanted ')"
t_match "the attempt is on the post's audit trail as refused (403), with the officer logged in" \
	'cli.watchlist.remove +cli-analyst .* 403' "$(cli_as "$P" auditor "$TIMS" audit list --post "$P" 2>/dev/null | grep -a 'watchlist.remove')"

# 2. Behind the CLI's back, while the centre is unreachable: detected,
#    screening fails closed, shown in the status.
stop_centre
# (waiting for the post's own writer, as an attacker would: a loaded machine
# may find the store busy with the post's periodic check)
sqlite3 -cmd '.timeout 30000' "$P/watchlists/watchlists.db" \
	"UPDATE entries SET deleted_version = 99 WHERE ref = 'P-001'; UPDATE lists SET version = 99 WHERE name = 'wanted';"
found() { mismatched | grep -q "^wanted: the copy does not match the centre's signed digest"; }
t_ok "the next check finds the copy altered (within seconds)" wait_for 50 found
r=$(check)
t_match "a check meanwhile fails closed: 503 screening_failed" '^503 \{"error":"screening_failed"' "$r"
t_match "... naming the list and why" 'watchlist wanted is not screened at this post: the copy does not match' "$r"
t_eq "... and never a hit list to read as \"no hits\"" 0 "$(printf '%s' "$r" | grep -c '"hits"')"
t_match "the post's process log says it" 'watchlist wanted: the copy does not match the centre.s signed digest' \
	"$(cat "$T_TMP/post.log" "$T_TMP/post.out")"
kill "$POST"; wait "$POST" 2>/dev/null
start_post
t_match "after a restart too: checked before it serves, the first check fails closed" \
	'^503 \{"error":"screening_failed".*watchlist wanted is not screened' "$(check)"

# 3. The centre back: the copy is repaired, the traveller hits again, the
#    centre has a severe alert.
start_centre
repaired() { [ -z "$(mismatched)" ]; }
t_ok "the copy is repaired from the centre" wait_for 100 repaired
t_match "... the traveller hits again through POST /api/v1/check" '^200 .*"ref":"P-001"' "$(check)"
t_match "... the log says how" 'watchlist wanted: repaired with version 1 from the centre, whole' \
	"$(cat "$T_TMP/post.log" "$T_TMP/post.out")"
CURL_="https://127.0.0.1:$CPORT"
SUP=$(curl -s --cacert "$C/ca.crt" -H 'Content-Type: application/json' --data-binary \
	"{\"officer\":\"sup1\",\"password\":\"$PW\",\"code\":\"$(oathtool --totp -b "$S_SUP")\"}" \
	"$CURL_/api/v1/session" | sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p')
events() { # KIND: the events of that kind at the centre
	curl -s --cacert "$C/ca.crt" -H "Authorization: Bearer $SUP" "$CURL_/api/v1/dashboard/events?kind=$1"
}
has_event() { events "$1" | grep -q "$2"; }
t_ok "the centre has the mismatch event" wait_for 100 has_event watchlist-mismatch 'watchlist wanted, version 1' 
t_match "... and a severe alert for it" '"kind":"watchlist-mismatch","origin":"[^"]*","detail":"[^"]*watchlist wanted[^"]*"[^}]*"severe":true' \
	"$(curl -s --cacert "$C/ca.crt" -H "Authorization: Bearer $SUP" "$CURL_/api/v1/dashboard/alerts")"

# 4. A bundle altered on its way is refused.
cli_as "$C" admin "$TIMS" centre bundle "$C" --list wanted --out "$T_TMP/w.bundle" >/dev/null
python3 - "$T_TMP/w.bundle" "$T_TMP" <<'EOF'
import json, sys
b = json.load(open(sys.argv[1]))
# the content line of the signed text changed: another list's digest
lines = b["note"].split("\n")
lines = [("content " + "0" * 64) if l.startswith("content ") else l for l in lines]
json.dump({"note": "\n".join(lines), "payload": b["payload"]}, open(sys.argv[2] + "/digest.bundle", "w"))
json.dump({"note": b["note"], "payload": b["payload"].replace("P-001", "P-00X", 1)}, open(sys.argv[2] + "/payload.bundle", "w"))
EOF
t_match "the signed actor line names the officer who made the version at the centre" '\\nactor cli-analyst\\n' "$(cat "$T_TMP/w.bundle")"
t_match "... and the centre's audit trail has the import by that officer" 'cli.watchlist.import +cli-analyst' \
	"$(cli_as "$C" auditor "$TIMS" audit list --centre "$C" 2>/dev/null | grep -a 'watchlist.import')"
# (applied by hand at the post, as a bundle carried to a post offline)
out=$("$TIMS" post apply-bundle "$P" "$T_TMP/digest.bundle" 2>&1); rc=$?
t_eq "a bundle whose signed digest (content line) was altered: refused, its signature does not verify" \
	"1 does not verify" "$rc $(printf '%s' "$out" | grep -o 'does not verify')"
out=$("$TIMS" post apply-bundle "$P" "$T_TMP/payload.bundle" 2>&1); rc=$?
t_eq "a bundle whose payload was altered: refused (exit 1)" "1 the payload is not the one signed" \
	"$rc $(printf '%s' "$out" | grep -o 'the payload is not the one signed')"

# 5. A post-local list: allowed, shown as local, reported with the actor.
printf 'ref,name,dob,nationality,sex,alert\nL-1,"LOCAL, Person",1980-01-01,BGR,M,entry-ban\n' >"$T_TMP/local.csv"
t_ok "a post-local list is imported at the post" wl import --store "$P/watchlists" \
	--list post-local --kind persons "$T_TMP/local.csv"
t_match "tims watchlist list shows it as local" '^post-local .* local$' \
	"$(wl list --store "$P/watchlists" | grep '^post-local ')"
t_match "the status shows each list's origin" '"list":"post-local".*"origin":"local"' \
	"$(status | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["screening"]["lists"], separators=(",", ":")))')"
t_ok "the centre has the post-local change" wait_for 100 has_event watchlist-local \
	'post-local watchlist post-local (persons): import of 1 entries by cli-analyst' 

# 6. A post-local list of documents: its fingerprints go to the store's
#    recent table (fp_recent) with the import; the running post folds them
#    into the main index (fp_main) in the background (docs/screening.md,
#    "The store's index of them, in two levels"); loaded from there after a
#    restart, the listed document hits.
printf '{"ref":"LD-1","number":"720000017","issuing_state":"RUS","status":"stolen"}\n' >"$T_TMP/docs.jsonl"
t_ok "a post-local list of documents is imported at the post" wl import --store "$P/watchlists" \
	--list post-docs --kind documents "$T_TMP/docs.jsonl"
merged() {
	[ "$(sqlite3 -cmd '.timeout 30000' "$P/watchlists/watchlists.db" 'SELECT count(*) FROM fp_recent')" = 0 ]
}
t_ok "the post folds its fingerprint into the main index in the background" wait_for 50 merged
t_match "... and says so in its log" 'watchlist fingerprint merge: [0-9]+ changes folded' \
	"$(cat "$T_TMP/post.log" "$T_TMP/post.out")"
kill "$POST"; wait "$POST" 2>/dev/null
start_post
t_match "after a restart the listed document is a hit (loaded from the main index)" \
	'^200 .*"ref":"LD-1"' "$(check)"
t_end
