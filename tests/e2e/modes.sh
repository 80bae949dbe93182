# modes.sh — every file a post and a centre keep is 0600 and every
# directory 0700, whatever the umask (docs/security.md, "Files"): a post
# and a centre are made and run under umask 022, the post registers a
# crossing that reaches the centre's mirror and query store, a watchlist
# bundle is applied; then no file or directory has a group or world bit.
# A post.db made group-readable by hand is noticed at the next start and set
# back to 0600.
. tests/e2e/lib.sh
umask 022

C=$T_TMP/centre P=$T_TMP/post
# loose DIR: what under DIR has a group or world bit (path and mode)
loose() { find "$1" \( -type f -o -type d \) -perm /077 -printf '%m %p\n' | sort; }

CPORT=$(free_port)
t_ok "centre init under umask 022" "$TIMS" centre init "$C" --name tims-centre
t_ok "post init under umask 022" "$TIMS" post init "$P" --origin bg.example/modes --kind land
cli_bootstrap "$C"
cli_bootstrap "$P"
S=$(echo "officer password 1" | "$TIMS" officer add --post "$P" off1 --name "Officer 1" --role officer |
	sed -n 's/^officer off1: TOTP secret //p')
"$TIMS" centre enrol-post "$C" modes --vkey "$P/post.vkey" --url "https://127.0.0.1:$CPORT" \
	--out "$T_TMP/enrol" >/dev/null
t_ok "post enrol" "$TIMS" post enrol "$P" --from "$T_TMP/enrol"
cli_as "$C" analyst "$TIMS" watchlist import --store "$C/watchlists" --list wanted --kind persons \
	tests/data/screen/persons.csv >/dev/null
t_eq "after init: nothing of the centre or the post is open to group or others" "" "$(loose "$C"; loose "$P")"

"$TIMS" centre serve "$C" --port "$CPORT" >"$T_TMP/centre.out" 2>"$T_TMP/centre.log" &
PIDS+=($!)
wait_line "$T_TMP/centre.out" "listening on"
start_post() {
	"$TIMS" post serve "$P" --port 0 >"$T_TMP/post.out" 2>"$T_TMP/post.log" &
	POST=$!
	PIDS+=("$POST")
	wait_line "$T_TMP/post.out" "listening on"
	URL=$(sed -n 's/^listening on //p' "$T_TMP/post.out" | sed 's|/$||')
}
start_post
req() { # METHOD PATH [TOKEN] [BODY]
	local args=(-s -o "$T_TMP/body" -w '%{http_code}' --cacert "$C/ca.crt" -X "$1" "$URL$2")
	[ -n "${3:-}" ] && args+=(-H "Authorization: Bearer $3")
	[ -n "${4:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	printf '%s %s' "$(curl "${args[@]}")" "$(cat "$T_TMP/body")"
}
TOKEN=$(req POST /api/v1/session "" "{\"officer\":\"off1\",\"password\":\"officer password 1\",\"code\":\"$(oathtool --totp -b "$S")\",\"booth\":\"B1\"}" |
	sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p')
CK=$(req POST /api/v1/check "$TOKEN" "{\"manual\":$(manual_person M0001 IVANOV PETAR 1980-01-01)}" | check_id_of)
t_match "a crossing registered" '^201 ' "$(req POST /api/v1/crossings "$TOKEN" "{\"direction\":\"entry\",\"decision\":\"admit\",\"id\":\"m-1\",\"check_id\":\"$CK\"}")"
# wait until the centre mirrors it and the post holds the centre's watchlist
synced=no
for _ in $(seq 1 150); do
	if curl -s --cacert "$C/ca.crt" "https://127.0.0.1:$CPORT/api/v1/centre/status" | grep -q '"size":1' &&
	   req GET /api/v1/status "$TOKEN" | grep -q '"from_centre":\[.*"kind":"watchlist","list":"wanted"'; then
		synced=yes; break
	fi
	sleep 0.1
done
t_eq "the crossing reached the centre and the watchlist the post" yes "$synced"
t_match "the stores exist: post.db, its WAL, mirror, query store, watchlists, bundles" \
	'post\.db-wal.*' "$(find "$P" "$C" -name '*-wal' | sort | tr '\n' ' ')"
t_eq "running, after a crossing and a bundle: nothing is open to group or others (umask 022)" "" \
	"$(loose "$C"; loose "$P")"
t_match "... the files checked include the centre's mirror and query store" 'query\.db' \
	"$(find "$C" -type f | tr '\n' ' ')"

# post.db made group- and world-readable by hand: noticed at the next start.
kill "$POST"; wait "$POST" 2>/dev/null
chmod 644 "$P/post.db" "$P.keys/post.skey"
chmod 755 "$P"
start_post
t_match "a post.db left 0644 is named at start" "post serve: $P/post.db was mode 0644, readable by group or others: set to 0600" \
	"$(cat "$T_TMP/post.log")"
t_match "... and so is the directory" "post serve: $P was mode 0755, readable by group or others: set to 0700" \
	"$(cat "$T_TMP/post.log")"
t_match "... and so is the key in the key directory beside it (P.keys)" \
	"post serve: $P.keys/post.skey was mode 0644, readable by group or others: set to 0600" \
	"$(cat "$T_TMP/post.log")"
t_eq "... and all three are set right, the post serving" "600 600 700 yes" \
	"$(stat -c %a "$P/post.db") $(stat -c %a "$P.keys/post.skey") $(stat -c %a "$P") \
$([ -n "$URL" ] && echo yes)"
t_end
