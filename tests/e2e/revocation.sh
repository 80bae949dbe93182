# revocation.sh — the centre's signed revocation list and the CA's rollover
# with overlap (issue 16, docs/keys.md "Certificates and revocation"), with
# real processes on loopback:
#   - a revoked witness is no longer asked by a post (an event to the
#     centre); a revoked post is refused at the centre (sync and renewal) and
#     by a witness given the list; an older or forged list is refused;
#   - a CA rollover: a post enrolled before it keeps syncing after the old CA
#     is retired; one offline through the whole overlap recovers with the
#     list carried by hand and a renewal by its log key.
. tests/e2e/lib.sh

C=$T_TMP/centre
CPORT=$(free_port)
CURL_=https://127.0.0.1:$CPORT
until_ok() { local n=$(($1 * 5)); shift; for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.2; done; return 1; }

# the centre's CA key in the PKCS#11 token: the new CA of a rollover is made there too
"$TIMS" centre init "$C" --name tims-centre --host 127.0.0.1 --key-token "$TIMS_TOKEN" >/dev/null
cli_bootstrap "$C"
lifetime() { printf 'post_client_lifetime = %s\n' "$1" >"$C/certs.conf"; }

declare -A DIR LIFE=([a]=1h [b]=1h [d]=1h)
for n in b d a; do
	DIR[$n]=$T_TMP/post-$n
	"$TIMS" post init "${DIR[$n]}" --origin "bg.example/post-$n" --kind land >/dev/null
	cli_bootstrap "${DIR[$n]}"
	lifetime "${LIFE[$n]}"
	"$TIMS" centre enrol-post "$C" "post-$n" --vkey "${DIR[$n]}/post.vkey" --url "$CURL_" \
		--out "$T_TMP/enrol-$n" --host 127.0.0.1 >/dev/null
	"$TIMS" post enrol "${DIR[$n]}" --from "$T_TMP/enrol-$n" >/dev/null
	printf 'interval_ms = 200\nrevocations_ms = 500\n' >"${DIR[$n]}/sync.conf"
done
serial() { openssl x509 -noout -serial -in "$1" 2>/dev/null | sed 's/serial=//'; }
life_of() { # CERT: seconds between notBefore and notAfter
	local nb na
	nb=$(date -d "$(openssl x509 -noout -startdate -in "$1" | sed 's/notBefore=//')" +%s)
	na=$(date -d "$(openssl x509 -noout -enddate -in "$1" | sed 's/notAfter=//')" +%s)
	echo $((na - nb))
}

# A witness for post-a (revoked later).
W=$T_TMP/witness
"$TIMS" witness init "$W" --name witness.test/w1 >/dev/null
"$TIMS" witness add-log "$W" --vkey "${DIR[a]}/post.vkey" >/dev/null
"$TIMS" witness serve "$W" --listen 127.0.0.1:0 >"$T_TMP/w.out" 2>>"$T_TMP/w.log" &
PIDS+=($!)
wait_line "$T_TMP/w.out" "listening on"
WURL=$(grep -o 'https://127\.0\.0\.1:[0-9]*' "$T_TMP/w.out")
"$TIMS" post add-witness "${DIR[a]}" --url "$WURL" --ca "$W/tls.crt" --vkey "$W/witness.vkey" >/dev/null

start_centre() {
	: >"$T_TMP/centre.out"
	"$TIMS" centre serve "$C" --port "$CPORT" >"$T_TMP/centre.out" 2>>"$T_TMP/centre.log" &
	CENTRE=$!
	PIDS+=("$CENTRE")
	wait_line "$T_TMP/centre.out" "listening on"
}
stop_centre() { kill "$CENTRE"; wait "$CENTRE" 2>/dev/null; }
start_post() {
	"$TIMS" post serve "${DIR[$1]}" --port 0 >"$T_TMP/$1.out" 2>>"$T_TMP/$1.log" &
	PIDS+=($!)
	wait_line "$T_TMP/$1.out" "listening on"
}
seen() { # NAME: the centre's last_seen_ms of post NAME (0: never)
	curl -sk "$CURL_/api/v1/centre/status" | python3 -c '
import json,sys
print(next((p["last_seen_ms"] for p in json.load(sys.stdin)["posts"] if p["name"]==sys.argv[1]), 0))' "post-$1" 2>/dev/null || echo 0
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
seen_after() { [ "$(seen "$1")" -gt "$2" ] 2>/dev/null; }
changed() { [ "$(serial "$1")" != "$2" ]; }
state_as() { # CERT KEY: HTTP status of the sync state route with that certificate
	curl -sk -o /dev/null -w '%{http_code}' --cert "$1" --key "$2" "$CURL_/api/v1/sync/state"
}
# the centre's event log (what `tims centre events` lists, read directly:
# a supervisor's login would wait for a fresh TOTP step)
events() { sqlite3 "$C/centre.db" "SELECT kind || ' ' || coalesce(origin, '') || ' ' || detail FROM events"; }

start_centre
cp "${DIR[a]}/centre/client.crt" "$T_TMP/a-1h.crt"
cp "${DIR[a]}/centre/client.key" "$T_TMP/a-1h.key"
start_post a
start_post b
t_ok "post-a syncs with its first certificate" until_ok 20 seen_after a 0

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=x \
	-keyout "$T_TMP/x.key" -out "$T_TMP/x.csr" 2>/dev/null
csr_hash() { printf '%s' "$(cat "$1")" | sha256sum | cut -c1-64; }
renewal_body() { # POST TIME CSR_FILE [SIGNED_CSR_FILE]
	printf 'tims cert renewal v1\npost %s\ntime %s\nnonce %s\ncsr %s\n' "post-$1" "$2" \
		"$(openssl rand -hex 16)" "$(csr_hash "${4:-$3}")" >"$T_TMP/req.txt"
	"$TIMS" tlog sign-note --key "${DIR[$1]}/post.skey" "$T_TMP/req.txt" >"$T_TMP/req.note"
	python3 -c 'import json,sys; print(json.dumps({"request": open(sys.argv[1]).read(),
	  "csr": open(sys.argv[2]).read().rstrip("\n")}))' "$T_TMP/req.note" "$3"
}
renew_by_key() { curl -sk -o "$T_TMP/renew.out" -w '%{http_code}' -H 'Content-Type: application/json' \
	--data-binary "@$1" "$CURL_/api/v1/renew"; }
t_ok "post-b syncs" until_ok 20 seen_after b 0

# 1. Revocation: the older list, a witness, a post.
"$TIMS" centre revocations "$C" --out "$T_TMP/list-old.json" >/dev/null
t_ok "witness: post-a has its cosignatures" until_ok 20 \
	eval "\"$TIMS\" witness list \"$W\" | grep -q 'bg.example/post-a.* [1-9]'"
t_ok "revoke witness: the centre puts the witness on its signed list" \
	"$TIMS" centre revoke witness "$C" "$W/witness.vkey"
t_ok "revoke witness: post-a no longer asks it" until_ok 20 \
	grep -q 'witness witness.test/w1 is revoked' "$T_TMP/a.log"
post_event() { sqlite3 "$C/centre.db" "SELECT count(*) FROM post_events WHERE kind = '$1' AND origin = '$2'"; }
t_ok "revoke witness: the post reported it to the centre (a severe alert)" until_ok 20 \
	eval "[ \"\$(post_event revoked bg.example/post-a)\" -ge 1 ]"
t_status 1 "older list: a list older than the one held is refused" \
	"$TIMS" post apply-revocations "${DIR[a]}" "$T_TMP/list-old.json"
t_match "older list: and says so" 'older than the' \
	"$("$TIMS" post apply-revocations "${DIR[a]}" "$T_TMP/list-old.json" 2>&1)"
python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); o["payload"]=o["payload"].replace("\"posts\":[]","\"posts\":[\"x\"]"); print(json.dumps(o))' \
	"$T_TMP/list-old.json" >"$T_TMP/list-forged.json"
t_status 1 "forged list: a payload other than the one signed is refused" \
	"$TIMS" post apply-revocations "${DIR[a]}" "$T_TMP/list-forged.json"

"$TIMS" witness add-log "$W" --vkey "${DIR[b]}/post.vkey" >/dev/null
t_ok "witness: cosigns post-b's checkpoint before any list" \
	"$TIMS" witness ask --url "$WURL" --post "${DIR[b]}" --ca "$W/tls.crt"
t_ok "revoke post: post-b" "$TIMS" centre revoke post "$C" post-b
t_eq "revoke post: its certificate is refused at the centre" 403 \
	"$(state_as "${DIR[b]}/centre/client.crt" "${DIR[b]}/centre/client.key")"
renewal_body b "$(date +%s)" "$T_TMP/x.csr" >"$T_TMP/body5"
t_eq "revoke post: its key renews nothing" 403 "$(renew_by_key "$T_TMP/body5")"
t_match "revoke post: the refusal is an event at the centre" 'revoked.*a revoked post' "$(events)"
"$TIMS" centre revocations "$C" --out "$T_TMP/list-b.json" >/dev/null
t_status 2 "witness: the first list needs the centre's key to pin" \
	"$TIMS" witness apply-revocations "$W" "$T_TMP/list-b.json"
t_ok "witness: takes the list, pinning the centre's bundle key" \
	"$TIMS" witness apply-revocations "$W" "$T_TMP/list-b.json" --vkey "$C/bundle.vkey"
t_status 1 "witness: an older list is refused" \
	"$TIMS" witness apply-revocations "$W" "$T_TMP/list-old.json"
t_match "witness: refuses the revoked post's checkpoints" 'post-b is revoked by the centre' \
	"$("$TIMS" witness ask --url "$WURL" --post "${DIR[b]}" --ca "$W/tls.crt" 2>&1)"
t_ok "revoke post: post-a's list names it" until_ok 20 \
	grep -q '\\"posts\\":\[\\"bg.example/post-b\\"\]' "${DIR[a]}/centre/revocations.json"

# 2. The CA's rollover: post-a enrolled before it keeps syncing after it;
# post-d is offline through the whole overlap.
old_ca=$(openssl x509 -noout -fingerprint -in "$C/ca.crt")
cp "$C/ca.crt" "$T_TMP/ca-old.crt"
SD=$(serial "${DIR[d]}/centre/client.crt")
t_ok "rollover: tims centre ca rollover" "$TIMS" centre ca rollover "$C"
t_match "rollover: its key is made in the token, like the old one's" '^pkcs11:.*object=' "$(cat "$C/ca.key")"
t_eq "rollover: a new CA issues" 1 "$([ "$(openssl x509 -noout -fingerprint -in "$C/ca.crt")" != "$old_ca" ] && echo 1)"
stop_centre
start_centre
cas_held() { [ "$(grep -c 'BEGIN CERTIFICATE' "${DIR[a]}/centre/ca.crt")" = "$1" ]; }
t_ok "rollover: post-a learns the new CA through the signed list" until_ok 20 cas_held 2
by_new_ca() { openssl verify -CAfile "$C/ca.crt" "${DIR[a]}/centre/client.crt" >/dev/null 2>&1 &&
	! openssl verify -CAfile "$T_TMP/ca-old.crt" "${DIR[a]}/centre/client.crt" >/dev/null 2>&1; }
t_ok "rollover: post-a renews under the new CA during the overlap" until_ok 20 by_new_ca
t_ok "retire: tims centre ca retire" "$TIMS" centre ca retire "$C"
stop_centre
start_centre
R2=$(now_ms)
t_ok "retire: post-a, enrolled before the rollover, still syncs" until_ok 20 seen_after a "$R2"
t_ok "retire: post-a trusts only the new CA" until_ok 20 cas_held 1
t_eq "retire: a certificate of the old CA is refused" 401 \
	"$(state_as "$T_TMP/a-1h.crt" "$T_TMP/a-1h.key")"
start_post d
sleep 1
t_eq "offline through the overlap: post-d cannot reach the centre (it knows only the old CA)" 0 "$(seen d)"
"$TIMS" centre revocations "$C" --out "$T_TMP/list-now.json" >/dev/null
t_ok "offline through the overlap: the list carried by hand is kept" \
	"$TIMS" post apply-revocations "${DIR[d]}" "$T_TMP/list-now.json"
t_ok "offline through the overlap: post-d renews by key and syncs" until_ok 20 seen_after d 0
t_ok "offline through the overlap: with a certificate of the new CA" \
	eval "changed '${DIR[d]}/centre/client.crt' '$SD' && openssl verify -CAfile '$C/ca.crt' \
	'${DIR[d]}/centre/client.crt' >/dev/null"
t_match "offline through the overlap: by its log key" 'cert-renewed bg.example/post-d .*proof of possession' \
	"$(events)"

t_end
