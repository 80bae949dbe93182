# certs.sh — certificates that live short and renew themselves (issue 16,
# docs/keys.md "Certificates and revocation"), with real processes on
# loopback and lifetimes of seconds from the centre's certs.conf (no clock
# hook):
#   - a post renews its client certificate over mTLS before it expires, by
#     itself and by command; the old one is refused once the new one works;
#   - a post whose certificate expired while it was down renews by proof of
#     possession of its log key (held in a PKCS#11 token); a replayed,
#     stale, re-addressed request or another CSR is refused.
# revocation.sh: the signed revocation list and the CA's rollover.
. tests/e2e/lib.sh

C=$T_TMP/centre
CPORT=$(free_port)
CURL_=https://127.0.0.1:$CPORT
until_ok() { local n=$(($1 * 5)); shift; for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.2; done; return 1; }

"$TIMS" centre init "$C" --name tims-centre --host 127.0.0.1 >/dev/null
cli_bootstrap "$C"
lifetime() { printf 'post_client_lifetime = %s\n' "$1" >"$C/certs.conf"; }

declare -A DIR LIFE=([a]=9s [b]=2s)
for n in b a; do
	DIR[$n]=$T_TMP/post-$n
	# post-b's log key lives in the PKCS#11 token: its renewal by key signs there
	"$TIMS" post init "${DIR[$n]}" --origin "bg.example/post-$n" --kind land \
		$([ "$n" = b ] && echo --key-token "$TIMS_TOKEN") >/dev/null
	cli_bootstrap "${DIR[$n]}"
	lifetime "${LIFE[$n]}"
	"$TIMS" centre enrol-post "$C" "post-$n" --vkey "${DIR[$n]}/post.vkey" --url "$CURL_" \
		--out "$T_TMP/enrol-$n" --host 127.0.0.1 >/dev/null
	"$TIMS" post enrol "${DIR[$n]}" --from "$T_TMP/enrol-$n" >/dev/null
	printf 'interval_ms = 200\nrevocations_ms = 500\n' >"${DIR[$n]}/sync.conf"
done
lifetime 1h  # what is issued from now on (post-a renews its 9 s certificate at 6 s)
serial() { openssl x509 -noout -serial -in "$1" 2>/dev/null | sed 's/serial=//'; }
life_of() { # CERT: seconds between notBefore and notAfter
	local nb na
	nb=$(date -d "$(openssl x509 -noout -startdate -in "$1" | sed 's/notBefore=//')" +%s)
	na=$(date -d "$(openssl x509 -noout -enddate -in "$1" | sed 's/notAfter=//')" +%s)
	echo $((na - nb))
}
t_eq "lifetime: a post's client certificate lives what certs.conf says (9 s)" 9 \
	"$(life_of "${DIR[a]}/centre/client.crt")"

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
S0=$(serial "${DIR[a]}/centre/client.crt")
cp "${DIR[a]}/centre/client.crt" "$T_TMP/a-old.crt"
cp "${DIR[a]}/centre/client.key" "$T_TMP/a-old.key"
start_post a
T0=$(now_ms)
t_ok "post-a syncs with its first certificate" until_ok 20 seen_after a 0

# 1. Renewal before expiry: at two thirds of 9 s, over mutual TLS.
t_ok "renewal: post-a renews its client certificate by itself before it expires" \
	until_ok 20 changed "${DIR[a]}/centre/client.crt" "$S0"
t_match "renewal: over mutual TLS, in the post's log" 'client certificate renewed \(over mutual TLS\)' \
	"$(cat "$T_TMP/a.log")"
t_match "renewal: the centre recorded it" 'cert-renewed.*over mTLS' "$(events)"
R1=$(now_ms)
t_ok "renewal: post-a keeps syncing with the new certificate" until_ok 20 seen_after a "$R1"
# the key directory (docs/security.md): the renewed key was written and
# installed there by the post's signer; the centre's signer issued it with
# ca.key, which lies in the centre's
t_eq "renewal: client.key is still the link into the post's key directory" \
	"../../post-a.keys/centre/client.key" "$(readlink "${DIR[a]}/centre/client.key")"
t_ok "renewal: the key there is the new one" eval "! cmp -s '$T_TMP/a-old.key' '$T_TMP/post-a.keys/centre/client.key'"
t_eq "renewal: the centre's ca.key is a link into its key directory" "../centre.keys/ca.key" \
	"$(readlink "$C/ca.key")"
t_ok "renewal: the new certificate lives what certs.conf says now (1 h)" \
	eval "[ \"\$(life_of '${DIR[a]}/centre/client.crt')\" -ge 3600 ]"
cp "${DIR[a]}/centre/client.crt" "$T_TMP/a-1h.crt"
cp "${DIR[a]}/centre/client.key" "$T_TMP/a-1h.key"
t_match "renew-cert: by command, under the same name" 'client certificate renewed \(over mutual TLS\)' \
	"$("$TIMS" post renew-cert "${DIR[a]}" --now 2>&1)"
t_eq "renew-cert: the old (still valid) certificate is refused once the new one works" 403 \
	"$(state_as "$T_TMP/a-1h.crt" "$T_TMP/a-1h.key")"
t_eq "renew-cert: the new one is taken" 200 \
	"$(state_as "${DIR[a]}/centre/client.crt" "${DIR[a]}/centre/client.key")"
t_match "renew-cert: not due, nothing done" 'not due' "$("$TIMS" post renew-cert "${DIR[a]}" 2>&1)"
t_eq "renewal: no half-installed pair is left" "" \
	"$(ls "${DIR[a]}/centre/" "$T_TMP/post-a.keys/centre/" | grep '\.new$')"

# 2. post-b was down while its 2 s certificate expired: renewal by key.
SB=$(serial "${DIR[b]}/centre/client.crt")
t_status 1 "expired: post-b's certificate has expired" \
	openssl x509 -noout -checkend 0 -in "${DIR[b]}/centre/client.crt"
start_post b
t_ok "expired: post-b renews by proof of possession of its log key" \
	until_ok 20 changed "${DIR[b]}/centre/client.crt" "$SB"
t_match "expired: the centre says how" 'cert-renewed.*proof of possession' "$(events)"
t_ok "expired: post-b syncs again" until_ok 20 seen_after b 0

# 3. The key-signed request by hand: replayed, stale, another CSR.
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
renewal_body b "$(date +%s)" "$T_TMP/x.csr" >"$T_TMP/body1"
t_eq "by key: a request signed by the post's key is answered a certificate" 200 "$(renew_by_key "$T_TMP/body1")"
t_eq "by key: the same request again (a replay) is refused" 409 "$(renew_by_key "$T_TMP/body1")"
t_match "by key: the refusal says why" 'nonce was used already' "$(cat "$T_TMP/renew.out")"
renewal_body b $(($(date +%s) - 3600)) "$T_TMP/x.csr" >"$T_TMP/body2"
t_eq "by key: a request an hour old is refused" 409 "$(renew_by_key "$T_TMP/body2")"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=y \
	-keyout "$T_TMP/y.key" -out "$T_TMP/y.csr" 2>/dev/null
renewal_body b "$(date +%s)" "$T_TMP/y.csr" "$T_TMP/x.csr" >"$T_TMP/body3"
t_eq "by key: a CSR other than the one signed is refused" 401 "$(renew_by_key "$T_TMP/body3")"
sed 's/post post-b/post post-a/' "$T_TMP/body1" >"$T_TMP/body4"
t_eq "by key: post-b's signature does not renew post-a" 401 "$(renew_by_key "$T_TMP/body4")"


t_end
