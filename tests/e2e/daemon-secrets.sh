# daemon-secrets.sh — what the daemons leave behind (G7, G8;
# docs/security.md): no core dump of `post serve`, `centre serve` or
# `witness serve` (core limit 0, and not dumpable: as another user than
# root, /proc/PID/status then belongs to root), and no forged line or terminal
# escape in their logs from a request path or a login id holding control
# bytes (sent %-encoded and raw).
. tests/e2e/lib.sh

# A core limit the daemons must lower themselves: the test raises its own.
ulimit -S -c unlimited 2>/dev/null || ulimit -S -c "$(ulimit -H -c)"
chmod 0711 "$T_TMP"

# As root the daemons run as nobody (setpriv), so that the owner of
# /proc/PID/status tells whether they made themselves not dumpable (it is
# then root's).
AS=()
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	AS=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	"${AS[@]}" sleep 30 & ctl=$!
	PIDS+=("$ctl")
	for _ in $(seq 1 50); do [ "$(stat -c %u "/proc/$ctl/status" 2>/dev/null)" = 65534 ] && break; sleep 0.1; done
	t_eq "control: a plain process run as nobody owns its /proc/PID/status" 65534 "$(stat -c %u "/proc/$ctl/status")"
fi
check_daemon() { # NAME PID
	t_match "$1: core file size limit 0" '^Max core file size +0 +0 ' "$(grep 'Max core file size' "/proc/$2/limits")"
	if [ ${#AS[@]} -gt 0 ] || [ "$(id -u)" != 0 ]; then
		t_eq "$1: not dumpable (/proc/PID/status owned by root)" 0 "$(stat -c %u "/proc/$2/status")"
	fi
}

P=$T_TMP/post C=$T_TMP/centre W=$T_TMP/witness
"$TIMS" post init "$P" --origin test.example/secrets >/dev/null
cli_bootstrap "$P"
"$TIMS" centre init "$C" --name tims-centre >/dev/null
cli_bootstrap "$C"
"$TIMS" witness init "$W" --name witness.test/w1 >/dev/null
[ ${#AS[@]} -gt 0 ] && chown -R 65534:65534 "$P" "$C" "$W" "$P.keys" "$C.keys" "$W.keys"

"${AS[@]}" "$TIMS" post serve "$P" --port 0 >"$T_TMP/post.out" 2>"$T_TMP/post.log" &
PIDS+=($!); PPID_=$!
"${AS[@]}" "$TIMS" centre serve "$C" --port 0 >"$T_TMP/centre.out" 2>"$T_TMP/centre.log" &
PIDS+=($!); CPID=$!
"${AS[@]}" "$TIMS" witness serve "$W" --listen 127.0.0.1:0 >"$T_TMP/witness.out" 2>"$T_TMP/witness.log" &
PIDS+=($!); WPID=$!
wait_line "$T_TMP/post.out" '^listening on' && wait_line "$T_TMP/centre.out" 'listening on' &&
	wait_line "$T_TMP/witness.out" 'listening on'
t_ok "the three daemons start" test -n "$(grep -o 'https://[0-9.:]*' "$T_TMP/witness.out")"
check_daemon "post serve" "$PPID_"
check_daemon "centre serve" "$CPID"
check_daemon "witness serve" "$WPID"

# Control bytes in a path and in a login id: %-encoded (curl), and raw in
# the request line (curl refuses those: python3's ssl sends them).
CURL_=$(grep -o 'https://[0-9.:]*' "$T_TMP/centre.out" | head -1)
PURL=$(grep -o 'https://[0-9.:]*' "$T_TMP/post.out" | head -1)
ESC=$(printf '\033')
raw_get() { # URL PATH-WITH-RAW-BYTES -> the status line
	python3 - "$1" "$2" <<'PY'
import socket, ssl, sys
host, port = sys.argv[1].split("//")[1].split(":")
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
with socket.create_connection((host, int(port)), timeout=10) as s, ctx.wrap_socket(s) as t:
    t.sendall(b"GET " + sys.argv[2].encode("latin-1") + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = b""
    while True:
        d = t.recv(4096)
        if not d: break
        data += d
print(data.split(b"\r\n")[0].decode("latin-1"))
PY
}
for d in centre post; do
	u=$CURL_; [ "$d" = post ] && u=$PURL
	curl -sk -o /dev/null "$u/api/v1/nothing%0aFORGED%20tims%20centre:%20admin%20logged%20in%1b%5b31m"
	t_match "$d: a raw ESC in the request line is refused or answered, not a crash" '^HTTP/1\.1 [0-9]{3}' \
		"$(raw_get "$u" "/api/v1/raw${ESC}[2J${ESC}]0;title")"
	t_match "$d: a login id with control bytes is refused 401 and audited, not a 500" '^401' \
		"$(curl -sk -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary \
		'{"officer":"x\nFORGED login\u001b[31m","password":"whatever whatever","code":"123456","booth":"B1"}' \
		"$u/api/v1/session")"
done
for d in centre post; do
	t_eq "$d log: no raw escape byte (ESC)" 0 "$(grep -c "$ESC" "$T_TMP/$d.log")"
	t_eq "$d log: no line forged by a newline in a path or an id" 0 "$(grep -c '^FORGED' "$T_TMP/$d.log")"
done
for d in centre post; do
	t_eq "$d log: the path is not logged (route pattern only): no FORGED anywhere" 0 \
		"$(grep -c 'FORGED' "$T_TMP/$d.log")"
	t_match "$d log: the unknown route is logged as route=-" 'event=http method=GET route=- status=404' \
		"$(cat "$T_TMP/$d.log")"
done
t_end
