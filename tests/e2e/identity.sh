# identity.sh — the centre's identity (issue 13, G6), with real processes on
# loopback: a post must refuse an impostor on the centre's address that
# holds another post's certificate (revoked, or valid), send it nothing,
# not believe it was rolled back, keep registering, and raise an alert; the
# centre lets in only post-client certificates of enrolled, non-revoked
# posts; certificates carry their roles and the host names given at
# enrolment; the revocation list reaches the posts by sync.
. tests/e2e/lib.sh

C=$T_TMP/centre

# until SECONDS CMD...: poll CMD every 0.2 s, at most SECONDS
until_ok() { local n=$(($1 * 5)); shift; for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.2; done; return 1; }

CPORT=$(free_port)
CURL_=https://127.0.0.1:$CPORT
t_ok "centre init with its host names" "$TIMS" centre init "$C" --name tims-centre \
	--host 127.0.0.1 --host centre.border.example
cli_bootstrap "$C"
cert_text() { openssl x509 -noout -text -in "$1" 2>/dev/null; }
t_match "certificate: the centre's server certificate has the role centre-server" \
	'Subject: .*OU ?= ?centre-server' "$(cert_text "$C/tls.crt")"
t_match "certificate: and the host names given" 'DNS:centre.border.example.*IP Address:127.0.0.1|IP Address:127.0.0.1.*DNS:centre.border.example' \
	"$(cert_text "$C/tls.crt" | tr '\n' ' ')"
t_match "certificate: the centre's client certificate has the role centre-client" \
	'Subject: .*OU ?= ?centre-client' "$(cert_text "$C/client.crt")"

# Three posts: A works; B is revoked; V stays valid. B and V lend their
# server certificates to the impostor.
declare -A DIR
for n in a b v; do
	DIR[$n]=$T_TMP/post-$n
	"$TIMS" post init "${DIR[$n]}" --origin "bg.example/post-$n" --kind land >/dev/null
	cli_bootstrap "${DIR[$n]}"
	t_ok "enrol-post post-$n with its host names" "$TIMS" centre enrol-post "$C" "post-$n" \
		--vkey "${DIR[$n]}/post.vkey" --url "$CURL_" --out "$T_TMP/enrol-$n" \
		--host 127.0.0.1 --host "post-$n.border.example"
	t_ok "post enrol post-$n" "$TIMS" post enrol "${DIR[$n]}" --from "$T_TMP/enrol-$n"
done
t_match "certificate: a post's server certificate has the role post-server and its host name" \
	'OU ?= ?post-server.*DNS:post-a.border.example' "$(cert_text "${DIR[a]}/tls.crt" | tr '\n' ' ')"
t_match "certificate: a post's client certificate has the role post-client" \
	'Subject: .*OU ?= ?post-client' "$(cert_text "${DIR[a]}/centre/client.crt")"
t_match "enrolment: the post pins the centre's keys" \
	'centre_server_pin = [0-9a-f]{64}.*centre_client_pin = [0-9a-f]{64}' "$(tr '\n' ' ' <"${DIR[a]}/centre/enrolment.conf")"
t_ok "revoke-post post-b" "$TIMS" centre revoke-post "$C" post-b
serial() { openssl x509 -noout -serial -in "$1" | sed 's/serial=//' | tr a-f A-F; }
crl_serials() { openssl crl -noout -text -in "$1" 2>/dev/null | sed -n 's/^ *Serial Number: *//p' | tr a-f A-F; }
t_match "revocation: the centre's signed list names the revoked post's server certificate" \
	"$(serial "${DIR[b]}/tls.crt")" "$(crl_serials "$C/revoked.crl")"
t_ok "revocation: the list verifies against the centre's CA" \
	openssl crl -noout -in "$C/revoked.crl" -CAfile "$C/ca.crt"
t_eq "revocation: post-a's enrolment came before it (empty list)" "" "$(crl_serials "${DIR[a]}/centre/revoked.crl")"

# One officer at post-a, to register crossings.
SECRET=$(echo "officer password" | "$TIMS" officer add --post "${DIR[a]}" off1 --name "Officer 1" \
	--role officer | sed -n 's/^officer off1: TOTP secret //p')

start_centre() {
	"$TIMS" centre serve "$C" --port "$CPORT" >"$T_TMP/centre.out" 2>>"$T_TMP/centre.log" &
	CENTRE=$!
	PIDS+=("$CENTRE")
	wait_line "$T_TMP/centre.out" "listening on"
}
start_centre
"$TIMS" post serve "${DIR[a]}" --port 0 >"$T_TMP/a.out" 2>>"$T_TMP/a.log" &
PIDS+=($!)
wait_line "$T_TMP/a.out" "listening on"
AURL=$(sed -n 's/^listening on //p' "$T_TMP/a.out" | sed 's|/$||')
TOKEN=
req() { # METHOD PATH [BODY]
	local args=(-s -o "$T_TMP/body" -w '%{http_code}' --cacert "$C/ca.crt" -X "$1" "$AURL$2")
	[ -n "$TOKEN" ] && args+=(-H "Authorization: Bearer $TOKEN")
	[ -n "${3:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	printf '%s %s' "$(curl "${args[@]}")" "$(cat "$T_TMP/body")"
}
TOKEN=$(req POST /api/v1/session "{\"officer\":\"off1\",\"password\":\"officer password\",\"code\":\"$(oathtool --totp -b "$SECRET")\",\"booth\":\"B1\"}" |
	sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p')
ACK=0
traffic() { # COUNT TAG
	local k r c
	for k in $(seq 1 "$1"); do
		c=$(req POST /api/v1/check "{\"manual\":$(manual_person "$2$k" IVANOV PETAR "1980-01-0$k")}" | check_id_of)
		r=$(req POST /api/v1/crossings "{\"direction\":\"entry\",\"decision\":\"admit\",\"id\":\"$2-$k\",\"check_id\":\"$c\"}")
		case $r in 201*) ACK=$((ACK + 1)) ;; *) echo "# registration refused: $r" ;; esac
	done
}
status() { req GET /api/v1/status; }
centre_size() {
	curl -s --cacert "$C/ca.crt" "$CURL_/api/v1/centre/status" | python3 -c '
import json,sys
print(sum(p["size"] for p in json.load(sys.stdin)["posts"] if p["origin"]=="bg.example/post-a"))' 2>/dev/null
}
log_size() { status | sed -n 's/.*"log_size":\([0-9]*\).*/\1/p'; }
synced() { [ -n "$(log_size)" ] && [ "$(centre_size)" = "$(log_size)" ]; }
crl_held() { [ -n "$(crl_serials "${DIR[a]}/centre/revoked.crl")" ]; }

traffic 3 SYNCA
t_ok "sync: the real centre is accepted and mirrors post-a" until_ok 30 synced
t_ok "revocation: post-a fetched the centre's newer signed list by sync" until_ok 30 crl_held
t_match "revocation: the list post-a keeps names post-b's certificate" \
	"$(serial "${DIR[b]}/tls.crt")" "$(crl_serials "${DIR[a]}/centre/revoked.crl")"

# The centre's side: only post-client certificates of enrolled, non-revoked posts.
as_client() { # CERT KEY -> HTTP status of /api/v1/sync/state
	curl -s -o /dev/null -w '%{http_code}' --cacert "$C/ca.crt" --cert "$1" --key "$2" "$CURL_/api/v1/sync/state"
}
t_eq "centre: post-a's client certificate is let in" 200 "$(as_client "${DIR[a]}/centre/client.crt" "${DIR[a]}/centre/client.key")"
t_eq "centre: post-a's server certificate presented as a client is refused" 403 "$(as_client "${DIR[a]}/tls.crt" "${DIR[a]}/tls.key")"
t_eq "centre: revoked post-b's client certificate is refused" 403 "$(as_client "${DIR[b]}/centre/client.crt" "${DIR[b]}/centre/client.key")"
t_match "centre: the refusal of a wrong role is in its events" 'role post-server, not post-client' "$(cli_as "$C" supervisor "$TIMS" centre events "$C")"

# The impostor: a TLS server with another post's certificate on the centre's
# address. It answers as a centre that holds more than post-a signed (what
# would make a post believe it was rolled back) and writes down every
# connection and request it sees.
cat >"$T_TMP/impostor.py" <<'EOF'
import http.server, json, ssl, sys
port, crt, key, log = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
def note(s):
    with open(log, "a") as f:
        f.write(s + "\n")
class H(http.server.BaseHTTPRequestHandler):
    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        note("REQUEST %s %s %d" % (self.command, self.path, len(body)))
        out = json.dumps({"origin": "bg.example/post-a", "size": 1000000, "signed_size": 1000000,
                          "added": 0, "repeated": 0, "complete": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    do_GET = do_POST = answer
    def log_message(self, *a):
        pass
class S(http.server.ThreadingHTTPServer):
    allow_reuse_address = True
    def get_request(self):
        conn, addr = super().get_request()
        note("CONNECTION")
        return conn, addr
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(crt, key)
s = S(("127.0.0.1", port), H)
s.socket = ctx.wrap_socket(s.socket, server_side=True)
print("listening", flush=True)
s.serve_forever()
EOF
impostor() { # NAME: serve post-NAME's server certificate on the centre's port
	: >"$T_TMP/impostor-$1.log"
	python3 "$T_TMP/impostor.py" "$CPORT" "${DIR[$1]}/tls.crt" "${DIR[$1]}/tls.key" \
		"$T_TMP/impostor-$1.log" >"$T_TMP/impostor-$1.out" 2>&1 &
	IMPOSTOR=$!
	PIDS+=("$IMPOSTOR")
	wait_line "$T_TMP/impostor-$1.out" listening
}
alerted() { status | grep -q '"identity_alert":{'; }
connected() { grep -q CONNECTION "$T_TMP/impostor-$1.log"; }
for who in b v; do
	case $who in b) what="revoked post-b's" ;; v) what="valid post-v's" ;; esac
	kill "$CENTRE"; wait "$CENTRE" 2>/dev/null
	impostor "$who"
	before=$ACK
	traffic 2 "IMP${who^^}"
	t_eq "impostor ($what certificate): post-a keeps registering" $((before + 2)) "$ACK"
	t_ok "impostor ($what certificate): post-a connected to it" until_ok 30 connected "$who"
	t_ok "impostor ($what certificate): post-a raises an identity alert" until_ok 30 alerted
	s=$(status)
	t_match "impostor ($what certificate): the alert says why" \
		'"identity_alert":\{"message":"[^}]*role post-server, not centre-server' "$s"
	t_match "impostor ($what certificate): the centre is not shown online" '"state":"offline"' "$s"
	t_eq "impostor ($what certificate): it received no request at all (no record, no state question)" "" \
		"$(grep REQUEST "$T_TMP/impostor-$who.log")"
	t_eq "impostor ($what certificate): post-a does not believe it was rolled back" "" \
		"$(printf '%s' "$s" | grep -o 'rolled back')$(grep -o 'rolled back' "$T_TMP/a.log")"
	kill "$IMPOSTOR"; wait "$IMPOSTOR" 2>/dev/null
	start_centre
	t_ok "impostor ($what certificate): with the real centre back, post-a catches up" until_ok 30 synced
	t_ok "impostor ($what certificate): and the alert ends" until_ok 10 eval '! alerted'
done
t_match "alert: in post-a's process log" 'ALERT identity: centre https://127.0.0.1:[0-9]+ refused, nothing sent' "$(cat "$T_TMP/a.log")"
t_match "alert: in post-a's audit log" 'identity.alert' "$(cli_as "${DIR[a]}" auditor "$TIMS" audit list --post "${DIR[a]}" 2>&1)"

# A post-a restore (tims post restore --from-centre) refuses the impostor too.
kill "$CENTRE"; wait "$CENTRE" 2>/dev/null
impostor v
t_status 2 "restore: refuses an impostor on the centre's address" bash -c \
	"cp -r '${DIR[a]}' '$T_TMP/restored' && rm -f '$T_TMP/restored/post.db'* && '$TIMS' post restore '$T_TMP/restored' --from-centre"
t_eq "restore: the impostor received no request" "" "$(grep REQUEST "$T_TMP/impostor-v.log")"

# Renewal: new certificates for an enrolled post; the old ones are revoked.
old=$(serial "${DIR[v]}/tls.crt")
t_ok "renew-post: new certificates for post-v" "$TIMS" centre renew-post "$C" post-v --url "$CURL_" \
	--out "$T_TMP/renew-v" --host 127.0.0.1
t_match "renew-post: post-v's old server certificate is on the signed list" "$old" "$(crl_serials "$C/revoked.crl")"
t_match "renew-post: the bundle carries that list" "$old" "$(crl_serials "$T_TMP/renew-v/revoked.crl")"
t_ok "renew-post: the post installs it" "$TIMS" post enrol "${DIR[v]}" --from "$T_TMP/renew-v"
t_status 1 "renew-post: a revoked post is never renewed" "$TIMS" centre renew-post "$C" post-b \
	--url "$CURL_" --out "$T_TMP/renew-b"
t_end
