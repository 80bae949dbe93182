# token-unavailable.sh — a post whose signing key lives in a PKCS#11 token
# (SoftHSM2) keeps acknowledging crossings when the token refuses (its PIN
# file made wrong while the node runs): each crossing is a 201 and on disk,
# no checkpoint is published (GET /api/v1/checkpoint and the checkpoint file
# unchanged: none unsigned, none at all), the status says the key is
# unavailable and why, and the centre hears of it (a token-unavailable event,
# an alert). The PIN file fixed, without a restart, the next checkpoint
# covers every record, verifies with post.vkey, and the centre hears that
# the key is back. The centre's keys (its TLS CA, cosigner, bundle, audit)
# live in the token as well. Issue 16, docs/keys.md.
. tests/e2e/lib.sh

C=$T_TMP/centre P=$T_TMP/post
CPORT=$(free_port)
CURL_=https://127.0.0.1:$CPORT
secret_of() { sed -n "s/^officer $1: TOTP secret //p"; }

# The post's own PIN file (a copy of the token's), so it alone can be broken.
cp "$T_TMP/token/pin" "$T_TMP/post-pin"
KEY_TOKEN="${TIMS_TOKEN%%&pin-source=*}&pin-source=$T_TMP/post-pin"

# The centre's keys in the token too: its CA (ca.key a pkcs11: URI, the
# post's certificates signed there by GnuTLS), cosigner, bundle and audit keys.
"$TIMS" centre init "$C" --name tims-centre --key-token "$TIMS_TOKEN" >/dev/null
t_match "the centre's CA key is in the token" '^pkcs11:token=tims;object=tims-ca-[0-9a-f]{16}\?' "$(cat "$C/ca.key")"
t_match "the centre's cosigner key is in the token" '^PKCS11\+KEY\+tims-centre\+[0-9a-f]{8}\+04\+' "$(cat "$C/cosign.skey")"
cli_bootstrap "$C"
SUP_SECRET=$(echo "sup password 1" | "$TIMS" officer add --post "$C" sup1 --name "Sup One" --role supervisor | secret_of sup1)
"$TIMS" post init "$P" --origin bg.example/token-post --kind land --key-token "$KEY_TOKEN" >/dev/null
t_match "the post's key is a reference into the token" '^PKCS11\+KEY\+bg.example/token-post\+[0-9a-f]{8}\+01\+pkcs11:' \
	"$(cat "$P/post.skey")"
t_eq "post.skey holds no PIN" "" "$(grep -F "$(cat "$T_TMP/post-pin")" "$P/post.skey")"
cli_bootstrap "$P"
"$TIMS" centre enrol-post "$C" token-post --vkey "$P/post.vkey" --url "$CURL_" --out "$T_TMP/enrol" >/dev/null
"$TIMS" post enrol "$P" --from "$T_TMP/enrol" >/dev/null
cli_as "$P" analyst "$TIMS" watchlist import --store "$P/watchlists" --list wanted --kind persons \
	tests/data/screen/persons.csv >/dev/null 2>&1
B_SECRET=$(echo "booth password 1" | "$TIMS" officer add --post "$P" off1 --name "Officer 1" --role officer | secret_of off1)
printf 'interval_ms = 1000\n' >"$P/sync.conf"

"$TIMS" centre serve "$C" --port "$CPORT" >"$T_TMP/centre.out" 2>"$T_TMP/centre.log" &
PIDS+=($!)
CENTRE_PID=$!
wait_line "$T_TMP/centre.out" "listening on"
"$TIMS" post serve "$P" --port 0 >"$T_TMP/post.out" 2>"$T_TMP/post.log" &
PIDS+=($!)
POST_PID=$!
wait_line "$T_TMP/post.out" "listening on"
PURL=$(sed -n 's/^listening on //p' "$T_TMP/post.out" | sed 's|/$||')
TOKEN=$(preq POST /api/v1/session "{\"officer\":\"off1\",\"password\":\"booth password 1\",\"code\":\"$(oathtool --totp -b "$B_SECRET")\",\"booth\":\"B1\"}" |
	sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p')
t_match "setup: the booth officer has a session" '^[A-Za-z0-9_-]{43}$' "$TOKEN"
SUP=$(curl -s --cacert "$C/ca.crt" -H 'Content-Type: application/json' --data-binary \
	"{\"officer\":\"sup1\",\"password\":\"sup password 1\",\"code\":\"$(oathtool --totp -b "$SUP_SECRET")\"}" \
	"$CURL_/api/v1/session" | sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p')
t_match "setup: the supervisor has a session" '^[A-Za-z0-9_-]{43}$' "$SUP"

# cross TAG: one crossing (a check, then the crossing); prints its HTTP status.
cross() {
	local c
	c=$(preq POST /api/v1/check "{\"manual\":$(manual_person "TK${1#T-}" PETROV IVAN 1980-01-01)}" | check_id_of)
	curl -s -o /dev/null -w '%{http_code}' --cacert "$C/ca.crt" -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/json' --data-binary \
		"{\"check_id\":\"$c\",\"direction\":\"entry\",\"decision\":\"admit\",\"id\":\"$1\"}" "$PURL/api/v1/crossings"
}
cp_size() { preq GET /api/v1/checkpoint | sed -n 2p; }
cp_is() { test "$(cp_size)" = "$1"; }
key_is() { test "$(status_field key.state)" = "$1"; }
centre_says() { centre_events | grep -q "$1"; }
status_field() { # KEY.PATH of GET /api/v1/status
	preq GET /api/v1/status | python3 -c 'import json,sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."): v = v.get(k, "") if isinstance(v, dict) else ""
print(v)' "$1"
}
centre_events() { # the token-unavailable events the centre holds, their details
	curl -s --cacert "$C/ca.crt" -H "Authorization: Bearer $SUP" \
		"$CURL_/api/v1/dashboard/events?kind=token-unavailable&limit=50" |
		python3 -c 'import json,sys
for e in json.load(sys.stdin).get("events", []): print(e.get("detail", ""))'
}

centre_is() { test "$(status_field centre.state)" = "$1"; }
wait_for 50 centre_is online
t_eq "the post reaches the centre over TLS, certificates signed in the token" online "$(status_field centre.state)"

codes=""
for k in 1 2 3; do codes="$codes$(cross T-$k) "; done
t_eq "token present: three crossings acknowledged" "201 201 201 " "$codes"
wait_for 50 cp_is 3
t_eq "token present: the checkpoint covers them" 3 "$(cp_size)"
t_eq "token present: the status says the key is available" available "$(status_field key.state)"
# the copy outside the database may be written a moment after the commit
cp_file_is() { test "$(sed -n 2p "$P/checkpoint")" = "$1"; }
wait_for 50 cp_file_is 3
t_eq "token present: the checkpoint file holds it" 3 "$(sed -n 2p "$P/checkpoint")"
before=$(sha256sum <"$P/checkpoint")

# Privilege separation (issue 18): the daemons that parse the network have
# no PKCS#11 module mapped; their child, the signer, has (and holds the PIN).
signer_of() { # the tims-signer child of PID
	local c
	for c in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
		[ "$(cat "/proc/$c/comm" 2>/dev/null)" = tims-signer ] && echo "$c"
	done
}
POST_SIGNER=$(signer_of "$POST_PID") CENTRE_SIGNER=$(signer_of "$CENTRE_PID")
t_match "the post has a signer process" '^[0-9]+$' "$POST_SIGNER"
t_eq "the post's network process has no PKCS#11 module mapped" 0 "$(grep -c libsofthsm2 "/proc/$POST_PID/maps")"
t_ok "its signer has the module" grep -q libsofthsm2 "/proc/$POST_SIGNER/maps"
t_match "the centre has a signer process" '^[0-9]+$' "$CENTRE_SIGNER"
t_eq "the centre's network process has no PKCS#11 module mapped" 0 "$(grep -c libsofthsm2 "/proc/$CENTRE_PID/maps")"
t_ok "the centre's signer has the module" grep -q libsofthsm2 "/proc/$CENTRE_SIGNER/maps"
# and each signer is a fresh image, not a copy of its daemon
if [ "$(id -u)" -eq 0 ]; then
	signer_image_checks post "$POST_PID" "$POST_SIGNER"
	signer_image_checks centre "$CENTRE_PID" "$CENTRE_SIGNER"
else
	# not run is not passed
	t_report fail "each signer a fresh image: not testable without root (its memory, AT_RANDOM, cannot be read here)"
fi

# The PIN file goes wrong while the node runs.
echo "not-the-pin" >"$T_TMP/post-pin"
codes=""
for k in 4 5 6; do codes="$codes$(cross T-$k) "; done
t_eq "token refusing: crossings still acknowledged (201)" "201 201 201 " "$codes"
wait_for 50 key_is unavailable
t_eq "token refusing: the status says the key is unavailable" unavailable "$(status_field key.state)"
t_match "token refusing: and why (the CKR, no PIN)" 'CKR_PIN_INCORRECT' "$(status_field key.why)"
t_eq "token refusing: the crossings are on disk (log_size)" 6 "$(status_field log_size)"
sleep 2.5 # more than two ticks of the checkpoint timer
t_eq "token refusing: no new checkpoint is published" 3 "$(cp_size)"
t_eq "token refusing: the checkpoint file is unchanged" "$before" "$(sha256sum <"$P/checkpoint")"
t_eq "token refusing: the status's checkpoint too" 3 "$(status_field checkpoint.size)"
t_eq "token refusing: the node says so once in its log" 1 "$(grep -c "signing key unavailable" "$T_TMP/post.log")"
t_eq "token refusing: the PIN never reaches the log" "" "$(grep -F "$(cat "$T_TMP/token/pin")" "$T_TMP/post.log")"
wait_for 50 centre_says unavailable
t_match "the centre hears the post's key is unavailable" 'signing key unavailable.*CKR_PIN_INCORRECT' "$(centre_events)"

# The PIN file fixed: no restart.
cp "$T_TMP/token/pin" "$T_TMP/post-pin"
wait_for 50 cp_is 6
t_eq "PIN fixed: the next checkpoint covers every record" 6 "$(cp_size)"
t_eq "PIN fixed: the status says the key is available" available "$(status_field key.state)"
preq GET /api/v1/checkpoint >"$T_TMP/cp6"
t_ok "PIN fixed: the checkpoint verifies with post.vkey" "$TIMS" tlog verify-note --key "$P/post.vkey" "$T_TMP/cp6"
wait_for 50 cp_file_is 6
t_eq "PIN fixed: the checkpoint file is the new one" "$(sha256sum <"$T_TMP/cp6")" "$(sha256sum <"$P/checkpoint")"
codes=$(cross T-7)
wait_for 50 cp_is 7
t_eq "PIN fixed: crossing and checkpoint as before" "201 7" "$codes $(cp_size)"
wait_for 50 centre_says 'available again'
t_match "the centre hears the key is back" 'available again' "$(centre_events)"

# The signer killed: the post can neither sign nor complete a TLS handshake
# without it, so it stops (status 1, saying why) for its service manager to
# restart it; what it acknowledged is on disk.
post_gone() { ! kill -0 "$POST_PID" 2>/dev/null; }
if [ -n "$POST_SIGNER" ]; then
	kill -9 "$POST_SIGNER"
	wait_for 100 post_gone
fi
t_ok "signer killed: the post stops" post_gone
if post_gone; then wait "$POST_PID"; st=$?; else st=running; fi
t_eq "signer killed: with status 1" 1 "$st"
t_match "signer killed: and says why" 'signer process died' "$(cat "$T_TMP/post.log")"
t_match "signer killed: every acknowledged record is on disk and verifies" ': 7 records .*: ok$' \
	"$("$TIMS" log verify --post "$P" 2>&1)"
t_end
