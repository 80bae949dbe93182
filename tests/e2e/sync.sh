# sync.sh — a post, its centre and a witness over time (issue 13): an idle
# post pushes nothing and the centre keeps one cosignature per checkpoint
# and cosigner, so a wiped post is restored from the centre after any
# amount of idling or replayed pushes; a stalled witness does not hold
# back the push to the centre and shows as down; a stalled centre shows
# offline with the true lag; `tims centre posts` says when each post last
# synced. Every wait is a bounded poll for a condition.
#
# The post runs rounds of 100 ms (DIR/sync.conf), so "a minute of idling"
# is 60 rounds, counted by the post itself (status centre.rounds).
. tests/e2e/lib.sh

C=$T_TMP/centre W=$T_TMP/witness P=$T_TMP/post
ORIGIN=bg.example/idle-post

# until_ok SECONDS CMD...: poll CMD every 0.1 s until it succeeds, at most SECONDS.
until_ok() {
	local end=$(($(date +%s) + $1)); shift
	while :; do
		"$@" && return 0
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.1
	done
}

CPORT=$(free_port)
CURL_=https://127.0.0.1:$CPORT
"$TIMS" centre init "$C" --name tims-centre >/dev/null
cli_bootstrap "$C"
# a watchlist the centre publishes (the post's metrics show the copy it holds)
cli_as "$C" analyst "$TIMS" watchlist import --store "$C/watchlists" --list wanted --kind persons \
	tests/data/screen/persons.csv >/dev/null
"$TIMS" witness init "$W" --name witness.example/w1 >/dev/null
"$TIMS" centre serve "$C" --port "$CPORT" >"$T_TMP/centre.out" 2>>"$T_TMP/centre.log" &
CENTRE=$!
PIDS+=("$CENTRE")
"$TIMS" witness serve "$W" --listen 127.0.0.1:0 >"$T_TMP/witness.out" 2>>"$T_TMP/witness.log" &
WITNESS=$!
PIDS+=("$WITNESS")
wait_line "$T_TMP/centre.out" "listening on" && wait_line "$T_TMP/witness.out" "listening on"
t_eq "centre and witness serve" 0 $?
WURL=$(sed -n 's/.* listening on //p' "$T_TMP/witness.out")

"$TIMS" post init "$P" --origin "$ORIGIN" --kind land >/dev/null
cli_bootstrap "$P"
# two officers: a TOTP code logs in once, and the node restarts once
for o in 1 2; do
	SECRET[$o]=$(echo "officer password 1" | "$TIMS" officer add --post "$P" "off$o" \
		--name "Officer $o" --role officer | sed -n "s/^officer off$o: TOTP secret //p")
done
# the post's supervisor (the supervisor page, docs/supervisor.md)
SUP_SECRET=$(echo "officer password 1" | "$TIMS" officer add --post "$P" sup1 \
	--name "Supervisor 1" --role supervisor | sed -n "s/^officer sup1: TOTP secret //p")
"$TIMS" centre enrol-post "$C" idle-post --vkey "$P/post.vkey" --url "$CURL_" --out "$T_TMP/enrol" >/dev/null
"$TIMS" post enrol "$P" --from "$T_TMP/enrol" >/dev/null
"$TIMS" witness add-log "$W" --vkey "$P/post.vkey" >/dev/null
"$TIMS" post add-witness "$P" --url "$WURL" --ca "$W/tls.crt" --vkey "$W/witness.vkey" >/dev/null
printf 'interval_ms = 100\nwitness_timeout_ms = 3000\n' >"$P/sync.conf"

start_node() {
	: >"$T_TMP/post.out"
	"$TIMS" post serve "$P" --port 0 >"$T_TMP/post.out" 2>>"$T_TMP/post.log" &
	NODE=$!
	PIDS+=("$NODE")
	wait_line "$T_TMP/post.out" "listening on"
	URL=$(sed -n 's/^listening on //p' "$T_TMP/post.out" | sed 's|/$||')
}
req() { # METHOD PATH [BODY]
	local args=(-s -o "$T_TMP/body" -w '%{http_code}' --cacert "$C/ca.crt" -X "$1" "$URL$2")
	[ -n "${TOKEN:-}" ] && args+=(-H "Authorization: Bearer $TOKEN")
	[ -n "${3:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	printf '%s %s' "$(curl "${args[@]}")" "$(cat "$T_TMP/body")"
}
N=0
traffic() { # COUNT: register COUNT crossings, each acknowledged (not in a subshell)
	local k r c
	for k in $(seq 1 "$1"); do
		N=$((N + 1))
		c=$(req POST /api/v1/check "{\"manual\":$(manual_person "IDL$N" IVANOV PETAR 1980-01-01)}" | check_id_of)
		r=$(req POST /api/v1/crossings "{\"direction\":\"entry\",\"decision\":\"admit\",\"id\":\"x-$N\",\"check_id\":\"$c\"}")
		case $r in 201*) ;; *) echo "# registration refused: $r"; return 1 ;; esac
	done
}
# Fields of the post's status, read with sed (a python start costs seconds
# on a loaded machine): the first "KEY":VALUE in TEXT.
field() {
	printf '%s' "$1" | grep -o "\"$2\":\(\"[^\"]*\"\|[0-9-]*\|true\|false\)" | head -1 |
		sed 's/^"[^"]*"://; s/^"//; s/"$//'
}
status_json() { req GET /api/v1/status | cut -d' ' -f2-; }
# centre KEY [STATUS]: a field of the status's "centre" object; W.KEY: of its
# (only) witness.
centre() {
	local s=${2:-$(status_json)}
	s=${s#*\"centre\":\{}
	case $1 in
	W.*) s=${s#*\"witnesses\":\[}; field "$s" "${1#W.}" ;;
	*) field "${s%%\"witnesses\":\[*}" "$1" ;;
	esac
}
log_size() { field "${1:-$(status_json)}" log_size; }
at_centre() { # records of the post mirrored at the centre (its public status)
	field "$(curl -s --max-time 5 --cacert "$C/ca.crt" "$CURL_/api/v1/centre/status")" size
}
# The status never shows fewer records to send than the centre lacks (the
# centre asked after the post: it can only have more by then).
lag_honest() {
	local s lag n c
	s=$(status_json); lag=$(centre lag "$s"); n=$(log_size "$s"); c=$(at_centre)
	[ -n "$lag" ] && [ -n "$c" ] && [ "$lag" -ge $((n - c)) ] ||
		{ echo "lag $lag, log $n, at the centre $c"; return 1; }
}
synced() { # the centre holds the whole log and the post says so
	local s
	s=$(status_json)
	[ "$(at_centre)" = "$(log_size "$s")" ] && [ "$(centre lag "$s")" = 0 ] &&
		[ "$(centre state "$s")" = online ]
}
MIRROR="$C/mirror/bg.example%2Fidle-post.db"
cosig_rows() { sqlite3 "$MIRROR" 'SELECT count(*) FROM cosigs'; }
# More rows than checkpoints: cosignatures of one checkpoint piling up (the
# centre is the mirror's only cosigner).
cosig_dups() { sqlite3 "$MIRROR" 'SELECT count(*) - count(DISTINCT size) FROM cosigs'; }

login() { # OFFICER_NUMBER (sets TOKEN: not in a subshell)
	TOKEN=
	TOKEN=$(req POST /api/v1/session "{\"officer\":\"off$1\",\"password\":\"officer password 1\",\"code\":\"$(oathtool --totp -b "${SECRET[$1]}")\",\"booth\":\"B1\"}" |
		sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p')
	test -n "$TOKEN"
}
# restored WHEN: stop the node, wipe post.db, restore it from the centre.
restored() {
	local size_before root_before out
	size_before=$(log_size)
	kill "$NODE"; wait "$NODE" 2>/dev/null
	root_before=$(sed -n 3p "$P/checkpoint")
	rm -f "$P/post.db" "$P/post.db-wal" "$P/post.db-shm"
	out=$("$TIMS" post restore "$P" --from-centre 2>&1)
	t_eq "restore $1: a wiped post comes back from the centre" 0 $?
	t_match "restore $1: every record" "^restored $size_before records" "$out"
	t_eq "restore $1: the same root as before the wipe" "$root_before" \
		"$("$TIMS" log checkpoint --post "$P" | sed -n 3p)"
	t_match "restore $1: the restored post verifies" ": $size_before records .*: ok$" \
		"$("$TIMS" log verify --post "$P" 2>&1)"
}

start_node
login 1; t_eq "an officer logs in" 0 $?
traffic 5; t_eq "5 crossings registered" 0 $?
t_ok "the centre mirrors the post's log, the post shows it online, lag 0" until_ok 30 synced

# ---- tims centre posts: when the post last synced ------------------------
now=$(date +%s%3N)
line=$("$TIMS" centre posts "$C" | grep '^idle-post ')
last=$(printf '%s' "$line" | sed -n 's/.*last_sync_ms=\([0-9]*\).*/\1/p')
t_match "centre posts: the post's records" 'records=5 ' "$line"
t_ok "centre posts: last_sync_ms is the time of its last batch, not 0 ($last)" \
	test "${last:-0}" -gt $((now - 300000)) -a "${last:-0}" -le $((now + 1000))

# ---- GET /metrics on all three (issue 18) -----------------------------------
# Each is valid exposition text (promtool's parser and linter), and says
# what the status says: 5 checks and 5 registrations in the histograms,
# lag 0 once synced, the witness cosigning. No personal data in a label.
metrics_of() { curl -s --max-time 5 --cacert "$2" "$1/metrics" >"$T_TMP/$3.prom"; }
mval() { # FILE SERIES: the value of SERIES (name{labels} exactly) in FILE
	grep -F "$2 " "$T_TMP/$1.prom" | grep -F -- "$2 " | awk -v s="$2" '$1 == s { print $2; exit }'
}
# le labels ascending, +Inf last, cumulative, +Inf = _count
hist_ok() { # FILE NAME
	awk -v n="$2" 'index($0, n "_bucket{") == 1 {
		le = $0; sub(/.*le="/, "", le); sub(/".*/, "", le)
		if (seen_inf || (prev != "" && le != "+Inf" && le + 0 <= prev + 0) || $2 + 0 < last + 0) bad = 1
		if (le == "+Inf") { seen_inf = 1; inf = $2 } else prev = le; last = $2; nb++ }
		index($0, n "_count ") == 1 { cnt = $2 }
		END { exit !(nb >= 2 && seen_inf && !bad && inf == cnt) }' "$T_TMP/$1.prom"
}
PROMTOOL=$(command -v promtool || true)
promok() { "$PROMTOOL" check metrics <"$T_TMP/$1.prom"; }
WLOG=$ORIGIN
wcosigned() { metrics_of "$WURL" "$W/tls.crt" witness && [ "$(mval witness "tims_witness_cosignatures_total{log=\"$WLOG\"}")" -gt 0 ] 2>/dev/null; }
t_ok "metrics: the witness counts its cosignatures of the post's log" until_ok 30 wcosigned
metrics_of "$URL" "$C/ca.crt" post
metrics_of "$CURL_" "$C/ca.crt" centre
if [ -n "$PROMTOOL" ]; then
	for k in post centre witness; do t_ok "metrics: $k: promtool check metrics" promok $k; done
	t_ok "metrics: the shipped alerting rules pass promtool check rules" \
		"$PROMTOOL" check rules "$TIMS_ROOT/docs/prometheus/tims-alerts.yml"
	t_ok "metrics: the rules fire on the series they are written for (promtool test rules)" \
		"$PROMTOOL" test rules "$TIMS_ROOT/docs/prometheus/tims-alerts.test.yml"
else
	t_report fail "metrics: promtool (Debian package prometheus) is installed" "bash scripts/deps.sh"
fi
for k in post centre witness; do
	t_match "metrics: $k: build info" "^tims_build_info\\{version=\"$("$TIMS" --version | awk '{print $2}')\",revision=\"[^\"]*\",kind=\"$k\"\\} 1\$" \
		"$(grep '^tims_build_info' "$T_TMP/$k.prom")"
done
t_eq "metrics: post: 5 checks in the check latency histogram" 5 "$(mval post tims_check_seconds_count)"
t_eq "metrics: post: 5 registrations in the registration histogram" 5 "$(mval post tims_register_seconds_count)"
t_ok "metrics: post: check buckets ascending to +Inf, +Inf = count" hist_ok post tims_check_seconds
t_ok "metrics: post: registration buckets ascending to +Inf, +Inf = count" hist_ok post tims_register_seconds
t_eq "metrics: post: synced, lag 0 records, 0 s, the centre online" "0 0 1" \
	"$(mval post tims_sync_lag_records) $(mval post tims_sync_lag_seconds) $(mval post tims_sync_centre_online)"
t_eq "metrics: centre: the post's 5 records mirrored, the post online" "5 1" \
	"$(mval centre "tims_centre_post_records{post=\"idle-post\",origin=\"$ORIGIN\"}") $(mval centre "tims_centre_post_online{post=\"idle-post\",origin=\"$ORIGIN\"}")"
WL='{list="wanted",kind="persons"'
wlsame() { metrics_of "$URL" "$C/ca.crt" post && [ -n "$(mval centre "tims_centre_watchlist_version$WL}")" ] &&
	[ "$(mval post "tims_watchlist_version$WL,origin=\"centre\"}")" = "$(mval centre "tims_centre_watchlist_version$WL}")" ]; }
t_ok "metrics: the post holds the centre's version of its watchlist" until_ok 30 wlsame
t_ok "metrics: post: when the centre last said which bundles are current ($(mval post tims_bundles_checked_age_seconds) s)" \
	test "$(mval post tims_bundles_checked_age_seconds)" -ge 0
t_eq "metrics: centre: not isolated, the query store up" "0 1" \
	"$(mval centre tims_centre_isolated) $(mval centre 'tims_centre_store_up{backend="sqlite"}')"
t_ok "metrics: no officer id or traveller's name in any of them" \
	sh -c "! grep -l 'off1\|IVANOV\|IDL1' $T_TMP/post.prom $T_TMP/centre.prom $T_TMP/witness.prom"

# ---- a minute of idling -----------------------------------------------------
r0=$(centre rounds) p0=$(centre pushes) rows0=$(cosig_rows)
t_ok "idle: the post's sync rounds are counted ($r0)" test -n "$r0"
idled() { local r; r=$(centre rounds); [ "${r:-0}" -ge $((${r0:-0} + 60)) ]; }
t_ok "idle: 60 rounds (a minute of pushes at the default interval)" until_ok 120 idled
t_eq "idle: an idle post pushes nothing" "$p0" "$(centre pushes)"
t_eq "idle: the centre cosigned nothing new" "$rows0" "$(cosig_rows)"
s=$(status_json)
t_eq "idle: still online, lag 0" "online 0" "$(centre state "$s") $(centre lag "$s")"

# ---- the same checkpoint pushed again and again ----------------------------
# (a post that retries, or an older post: 40 pushes of the same batch)
PCURL=(curl -s --cacert "$C/ca.crt" --cert "$P/centre/client.crt" --key "$P/centre/client.key")
"${PCURL[@]}" "$CURL_/api/v1/sync/export?from=0&count=5" >"$T_TMP/batch.json"
ok=0
for _ in $(seq 1 40); do
	code=$("${PCURL[@]}" -o "$T_TMP/h" -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary @"$T_TMP/batch.json" "$CURL_/api/v1/sync/push")
	[ "$code" = 200 ] && ok=$((ok + 1))
done
t_eq "replays: 40 pushes of the same checkpoint accepted" 40 "$ok"
t_match "replays: each one cosigned" '"complete":true.*"cosignature"' "$(cat "$T_TMP/h")"
t_eq "replays: one cosignature per checkpoint and cosigner, the newest" 0 "$(cosig_dups)"
t_ok "replays: the cosignature table stays bounded ($(cosig_rows) rows for $(log_size) records)" \
	test "$(cosig_rows)" -le "$(($(log_size) + 1))"
code=$("${PCURL[@]}" -o "$T_TMP/export.json" -w '%{http_code}' "$CURL_/api/v1/sync/export?from=0&count=5")
t_eq "replays: the export still answers" 200 "$code"
sigs=$(grep -o '\\u2014 \|— ' "$T_TMP/export.json" | wc -l)
t_ok "replays: its checkpoint carries at most 32 signature lines ($sigs)" test "$sigs" -ge 1 -a "$sigs" -le 32
restored "after a minute of idling and 40 replays"
start_node
login 2; t_eq "the restored post serves again" 0 $?

# ---- a stalled witness ---------------------------------------------------------
kill -STOP "$WITNESS"
traffic 1; t_eq "witness stalled: a crossing registered" 0 $?
t_ok "witness stalled: it reaches the centre" until_ok 30 synced
# The thread that pushes does not wait for the witness: more records get
# through, and the status says what is still to send meanwhile.
traffic 5; t_eq "witness stalled: 5 more crossings" 0 $?
t_ok "witness stalled: the lag shown is what the centre lacks, at once" lag_honest
t_ok "witness stalled: they reach the centre all the same, lag 0" until_ok 30 synced
wdown() { local s; s=$(status_json); [ "$(centre W.state "$s")" = down ] && [ -n "$(centre W.last_error "$s")" ]; }
t_ok "witness stalled: the status shows the witness down, with why" until_ok 30 wdown
t_match "witness stalled: the reason is a timeout" 'time|abandon|no answer within' "$(centre W.last_error)"
kill -CONT "$WITNESS"
wup() { local s; s=$(status_json); [ "$(centre W.state "$s")" = ok ] && [ "$(centre W.cosigned_size "$s")" = "$(log_size "$s")" ]; }
t_ok "witness back: it cosigns the latest checkpoint, status ok" until_ok 60 wup
t_ok "witness back: when it cosigned is shown" test "$(centre W.last_cosigned_ms)" -gt 0

# ---- a stalled centre (a link that loses everything) -------------------------
kill -STOP "$CENTRE"
traffic 7; t_eq "centre stalled: 7 crossings registered at the post" 0 $?
t_eq "centre stalled: the status shows the 7 records to send at once" 7 "$(centre lag)"
behind() { local s; s=$(status_json); [ "$(centre lag "$s")" = 7 ] && [ "$(centre state "$s")" = offline ]; }
t_ok "centre stalled: the post shows it offline and 7 records behind" until_ok 40 behind
t_match "centre stalled: and says why" 'no answer|[Tt]ime(d )?out' "$(centre last_error)"
metrics_of "$URL" "$C/ca.crt" post
t_eq "metrics: centre stalled: the post says 7 records behind, the centre offline" "7 0" \
	"$(mval post tims_sync_lag_records) $(mval post tims_sync_centre_online)"
t_ok "metrics: centre stalled: and seconds behind ($(mval post tims_sync_lag_seconds))" \
	test "$(mval post tims_sync_lag_seconds)" -ge 1
# The supervisor page's figures while the centre does not answer: the
# post's own stores only (docs/supervisor.md).
SUP_T0=$(date +%s%N)
OFF_TOKEN=$TOKEN
TOKEN=$(req POST /api/v1/session "{\"officer\":\"sup1\",\"password\":\"officer password 1\",\"code\":\"$(oathtool --totp -b "$SUP_SECRET")\",\"booth\":\"SUP\"}" |
	sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p')
sum=$(req GET /api/v1/supervisor/summary)
t_match "supervisor: centre stalled: the summary answers 200" '^200 ' "$sum"
t_eq "supervisor: centre offline, the $N crossings of today (entries admitted), 7 records waiting" \
	"offline $N $N 7" "$(field "$sum" state) $(field "${sum#*\"entry\":\{}" admit) $(field "${sum#*\"crossings\":\{}" total) $(field "$sum" records_waiting)"
t_match "supervisor: the sessions open name their officer and booth" '"officer":"sup1".*"booth":"SUP"' "$sum"
t_eq "supervisor: the read is audited" 1 \
	"$(cli_as "$P" auditor "$TIMS" audit list --post "$P" --json 2>/dev/null | grep -o '"supervisor.summary"' | wc -l)"
SUP_TOKEN=$TOKEN; TOKEN=$OFF_TOKEN
t_match "supervisor: an officer is refused the summary (403)" '^403 ' "$(req GET /api/v1/supervisor/summary)"
# The wall display: a key that opens GET /api/v1/wall and nothing else.
WKEY=$(cli_as "$P" admin "$TIMS" post wall-key "$P")
t_match "wall: tims post wall-key prints a 64-digit key" '^[0-9a-f]{64}$' "$WKEY"
wall() { curl -s -w ' %{http_code}' --cacert "$C/ca.crt" -H "Authorization: ${2:-Wall} $1" "$URL/api/v1/wall"; }
w=$(wall "$WKEY")
t_match "wall: the key is answered 200" ' 200$' "$w"
t_eq "wall: the same counts as the supervisor's, centre offline" \
	"offline $N 7" "$(field "$w" state) $(field "${w#*\"crossings\":\{}" total) $(field "$w" records_waiting)"
t_ok "wall: no officer id, booth, session list, name or document in it" \
	sh -c '! printf "%s" "$1" | grep -Eq "off[12]|sup1|SUP|\"B1\"|\"officer\"|\"list\":\[\{\"officer|IVANOV|PETAR|IDL[0-9]"' - "$w"
t_match "wall: a wrong key is refused (401)" ' 401$' "$(wall "$(printf '%s' "$WKEY" | tr 0-9a-f 1-9a-f0)")"
t_match "wall: no key is refused (401)" ' 401$' "$(curl -s -w ' %{http_code}' --cacert "$C/ca.crt" "$URL/api/v1/wall")"
refused=
for r in "GET /api/v1/status" "GET /api/v1/supervisor/summary" "GET /api/v1/history/IDL1" "GET /api/v1/audit" \
	"POST /api/v1/check" "POST /api/v1/crossings" "POST /api/v1/history/search" "POST /api/v1/corrections" \
	"GET /api/v1/approvals" "DELETE /api/v1/session"; do
	for scheme in Wall Bearer; do
		code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$C/ca.crt" -X "${r%% *}" \
			-H "Authorization: $scheme $WKEY" -H 'Content-Type: application/json' --data-binary '{}' "$URL${r#* }")
		[ "$code" = 401 ] || refused="$refused $scheme:$r=$code"
	done
done
t_eq "wall: the key opens no other route (401 on status, summary, history, audit, check, crossings, search, corrections, approvals, logout)" "" "$refused"
t_match "wall: the supervisor's session is not the wall's key (401)" ' 401$' "$(wall "$SUP_TOKEN")"
cli_as "$P" admin "$TIMS" post wall-key "$P" --revoke >/dev/null
t_match "wall: once revoked, the key is refused at once (401)" ' 401$' "$(wall "$WKEY")"
# Guessing the key: each wrong key is audited (wall.failed, with the
# source), and a source that failed 5 times in a row waits (429,
# Retry-After), like a login; the waits are not audited (no flood of the
# trail), but counted in the metrics.
t_match "wall: a 5th wrong key in a row is still answered 401" ' 401$' "$(wall "$(printf '%064d' 7)")"
hdr=$(curl -s -D - -o /dev/null --cacert "$C/ca.crt" -H "Authorization: Wall $WKEY" "$URL/api/v1/wall")
t_match "wall: the 6th from that source waits: 429 with Retry-After" '^HTTP/[0-9.]+ 429.*[Rr]etry-[Aa]fter: [1-9]' "$(printf '%s' "$hdr" | tr -d '\r' | paste -sd' ')"
wf=$(cli_as "$P" auditor "$TIMS" audit list --post "$P" --json 2>/dev/null | grep '"wall.failed"')
t_eq "wall: the 5 wrong or missing keys are audited (wall.failed), the wait is not" 5 "$(printf '%s\n' "$wf" | grep -c .)"
t_match "wall: ... each with the source address and why" '"addr":"127\.0\.0\.1".*"action":"wall\.failed".*reason.*not this post' "$(printf '%s\n' "$wf" | head -1)"
metrics_of "$URL" "$C/ca.crt" post
t_eq "metrics: tims_wall_key_failures_total counts the 6 refusals" 6 "$(mval post tims_wall_key_failures_total)"
echo "# supervisor and wall checks took $(( ($(date +%s%N) - SUP_T0) / 1000000 )) ms"
kill -CONT "$CENTRE"
t_ok "centre back: the post catches up by itself, lag 0" until_ok 60 synced
metrics_of "$URL" "$C/ca.crt" post
t_eq "metrics: centre back: lag 0 records, 0 s, online" "0 0 1" \
	"$(mval post tims_sync_lag_records) $(mval post tims_sync_lag_seconds) $(mval post tims_sync_centre_online)"

# ---- a wiped post restored after idling --------------------------------------
r0=$(centre rounds)
t_ok "idle again: 60 more rounds" until_ok 120 idled
t_eq "idle again: no duplicate cosignature" 0 "$(cosig_dups)"
restored "after idling again"
t_end
