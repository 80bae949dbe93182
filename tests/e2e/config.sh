# config.sh — the daemons' configuration files and log lines (tims.conf(5),
# docs/operations.md "Configuration and logs"), on one post:
#   - a post served from --config FILE answers on the file's port; a flag
#     and DIR on the command line override the file;
#   - a malformed file is refused (exit 2) naming file, line and key, and
#     the daemon never listens; the same for the centre and the witness;
#   - the log is <N>key=value lines for journald: an access line a request
#     with its route pattern and the X-Request-Id the client got, and no
#     traveller's name, document number, date of birth, query string or
#     password, whatever the requests held.
. tests/e2e/lib.sh

P=$T_TMP/post
"$TIMS" post init "$P" --origin test.example/config-post >/dev/null 2>&1
cli_bootstrap "$P"
S_OFF=$(echo "officer password 1" | "$TIMS" officer add --post "$P" ivanova --name "Maria Ivanova" \
	--role officer | sed -n 's/^officer ivanova: TOTP secret //p')

PORT1=$(free_port)
PORT2=$(free_port)
serve() { # OUT ARGS...: start `tims post serve ARGS`, wait until it listens
	local out=$1
	shift
	"$TIMS" post serve "$@" >"$T_TMP/$out.out" 2>"$T_TMP/$out.err" &
	SERVER=$!
	PIDS+=("$SERVER")
	wait_line "$T_TMP/$out.out" '^listening on' 300
}
stop() { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; }

# ---- flags override the file ---------------------------------------------------
cat >"$T_TMP/other.conf" <<EOF
# a file whose dir and port the command line overrides
dir = $T_TMP/no-such-post
port = $PORT1
log-level = debug
EOF
serve over "$P" --config "$T_TMP/other.conf" --port "$PORT2" --log-level warning
t_match "override: --port and DIR win over the file's port and dir" "^listening on https://127\.0\.0\.1:$PORT2/\$" \
	"$(cat "$T_TMP/over.out")"
t_eq "override: --log-level warning wins over the file's debug: no info line" "" \
	"$(grep -v '^<[34]>' "$T_TMP/over.err")"
stop

# ---- a post served from its file -----------------------------------------------
cat >"$T_TMP/post.conf" <<EOF
# /etc/tims/post.conf for the test
dir = $P
listen = 127.0.0.1
port = $PORT1
threads = 4
log-level = debug
EOF
serve main --config "$T_TMP/post.conf"
t_match "file: the post listens on the file's port" "^listening on https://127\.0\.0\.1:$PORT1/\$" \
	"$(cat "$T_TMP/main.out")"
URL=https://127.0.0.1:$PORT1
req() { # METHOD PATH [TOKEN] [BODY] -> "STATUS BODY"; headers in $T_TMP/hdr
	local args=(-s -D "$T_TMP/hdr" -o "$T_TMP/body" -w '%{http_code}' --cacert "$P/tls.crt" -X "$1" "$URL$2")
	[ -n "${3:-}" ] && args+=(-H "Authorization: Bearer $3")
	[ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	printf '%s %s' "$(curl "${args[@]}")" "$(cat "$T_TMP/body")"
}
r=$(req POST /api/v1/session "" "{\"officer\":\"ivanova\",\"password\":\"officer password 1\",\"code\":\"$(oathtool --totp -b "$S_OFF")\",\"booth\":\"B1\"}")
t_match "file: the post answers there (a login)" '^200 .*"token"' "$r"
TOKEN=$(printf '%s' "$r" | sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p')
MRZ='P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10'
t_match "logs: a check of a named traveller" '^200 .*"document_number":"L898902C3"' \
	"$(req POST /api/v1/check "$TOKEN" "{\"mrz\":\"$MRZ\"}")"
REQ_ID=$(tr -d '\r' <"$T_TMP/hdr" | sed -n 's/^X-Request-Id: //Ip')
t_match "logs: the answer carries an X-Request-Id" '^[0-9a-f]{16}$' "$REQ_ID"
t_match "logs: a history read with a purpose in its query string" '^200 ' \
	"$(req GET '/api/v1/history/L898902C3?purpose_code=second-line&purpose=interview%20ERIKSSON' "$TOKEN")"
req GET /api/v1/status >/dev/null
stop
LOG=$(cat "$T_TMP/main.err")
t_eq "logs: every line is <N>key=value" "" "$(grep -Ev '^<[3-7]>[a-z-]+=' "$T_TMP/main.err")"
t_match "logs: the check's access line: route, status, ms, req (its X-Request-Id), post" \
	"^<6>event=http method=POST route=/api/v1/check status=200 ms=[0-9.]+ req=$REQ_ID post=test\.example/config-post\$" "$LOG"
t_match "logs: the history read is logged by its route pattern" \
	'^<6>event=http method=GET route=/api/v1/history/\{document\} status=200 ' "$LOG"
t_match "logs: the stop is a notice" '^<5>event=stop signal=SIGTERM$' "$LOG"
t_eq "logs: no traveller's name, document number, date of birth, query, officer's name or password" "" \
	"$(grep -Ei 'ERIKSSON|ANNA|L898902C3|740812|1974-08-12|purpose|interview|Maria Ivanova|officer password' "$T_TMP/main.err")"

# ---- malformed files are refused before anything listens ------------------------
printf 'dir = %s\nport = %s\nlisten 127.0.0.1\n' "$P" "$PORT1" >"$T_TMP/bad.conf"
t_status 2 "bad file: exit 2" "$TIMS" post serve --config "$T_TMP/bad.conf"
out=$("$TIMS" post serve --config "$T_TMP/bad.conf" 2>&1)
t_eq "bad file: the error names file, line and key" \
	"tims post serve: $T_TMP/bad.conf:3: key 'listen': malformed line: want 'key = value'" "$out"
t_status 7 "bad file: nothing listens on its port" curl -s -o /dev/null --max-time 5 -k "https://127.0.0.1:$PORT1/"
printf 'dir = %s\nport = 99999\n' "$P" >"$T_TMP/port.conf"
t_match "bad port: named" "port.conf:2: key 'port': '99999' is not a port number from 0 to 65535" \
	"$("$TIMS" post serve --config "$T_TMP/port.conf" 2>&1)"
t_match "a directory as the file: refused" "tims post serve: $T_TMP: a directory, not a file" \
	"$("$TIMS" post serve --config "$T_TMP" 2>&1)"
printf 'dir = /srv\nthreads = 4\n' >"$T_TMP/centre.conf"
t_status 2 "centre: a post key in centre.conf is refused, exit 2" "$TIMS" centre serve --config "$T_TMP/centre.conf"
t_match "centre: ... naming the key" "centre.conf:2: key 'threads': unknown key" \
	"$("$TIMS" centre serve --config "$T_TMP/centre.conf" 2>&1)"
printf 'listen = 127.0.0.1\n' >"$T_TMP/witness.conf"
t_match "witness: listen is ADDR:PORT" "witness.conf:1: key 'listen': '127.0.0.1' is not ADDR:PORT" \
	"$("$TIMS" witness serve --config "$T_TMP/witness.conf" 2>&1)"

# ---- the files the package ships (systemd/*.conf -> /etc/tims) are read -----------
for kind in post centre witness; do
	e=$("$TIMS" "$kind" serve "$T_TMP/not-a-$kind" --config "${TIMS_ROOT:-.}/systemd/$kind.conf" 2>&1)
	t_match "shipped $kind.conf: every line accepted (only the missing directory refused)" \
		"not-a-$kind: not a $kind directory" "$e"
done

# ---- tims.conf(5) says what the daemons take ------------------------------------
MAN=${TIMS_ROOT:-.}/man/man5/tims.conf.5
t_eq "tims.conf(5): lint-clean (groff -mdoc -ww)" "" "$(groff -mdoc -ww -z "$MAN" 2>&1)"
for kind in post centre witness; do
	keys=$(awk -v s=".Sh $(echo "$kind" | tr a-z A-Z).CONF" '$0 == s {on = 1; next} /^\.Sh / {on = 0}
		on && /^\.It Cm / {print $3}' "$MAN" | xargs)
	bad=""
	for k in $keys; do
		printf '%s = @\n' "$k" >"$T_TMP/k.conf"
		e=$("$TIMS" "$kind" serve --config "$T_TMP/k.conf" 2>&1)
		case $e in *"k.conf:1: key '$k': "*) case $e in *"unknown key"*) bad="$bad $k" ;; esac ;; *) bad="$bad $k" ;; esac
		[ "$k" = dir ] || "$TIMS" "$kind" --help | grep -q -- "--$k" || bad="$bad --$k"
	done
	t_eq "tims.conf(5): every $kind.conf key it lists ($keys) is one $kind serve takes" "" "$bad"
done
t_end
