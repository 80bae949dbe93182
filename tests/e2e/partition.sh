# partition.sh — the fault matrix's partition row (issue 19, G1): three
# booths register at a post through its HTTPS API while its centre, to
# which it pushes its log every 100 ms, is stalled (SIGSTOP, then SIGCONT)
# and SIGKILLed mid-ingest (then restarted). The post never stops
# acknowledging; once the centre is back the post catches up by itself; the
# centre's mirror then holds every crossing a booth got 2xx for, at its
# index with its leaf, and nothing the post's log does not hold (Jepsen's
# set checker on both sides). Without network namespaces or nftables here
# (not installed on the build machines) the link itself is not cut: the
# centre's stalls and kills stand for it.
#
#   FAULT_SEED=N   replay the schedule (logged)
. tests/e2e/lib.sh

ROW=partition
. tests/lib/faultrow.sh
C=$T_TMP/centre
CPORT=$(free_port)
CURL_=https://127.0.0.1:$CPORT
CENTRE=
cstart() {
	: >"$T_TMP/centre.out"
	"$TIMS" centre serve "$C" --port "$CPORT" >"$T_TMP/centre.out" 2>>"$T_TMP/centre.log" &
	CENTRE=$!
	PIDS+=("$CENTRE")
	wait_line "$T_TMP/centre.out" "listening on" 300
}
"$TIMS" centre init "$C" --name tims-centre >/dev/null
cli_bootstrap "$C"
cstart
t_ok "the centre serves" grep -q "listening on" "$T_TMP/centre.out"

"$TIMS" post init "$P" --origin test.example/partition --kind land >/dev/null
printf 'checks_per_hour = 10000000\n' >"$P/oversight.conf"
cli_bootstrap "$P"
"$TIMS" centre enrol-post "$C" partition-post --vkey "$P/post.vkey" --url "$CURL_" --out "$T_TMP/enrol" \
	>/dev/null 2>&1
"$TIMS" post enrol "$P" --from "$T_TMP/enrol" >/dev/null
printf 'interval_ms = 100\n' >"$P/sync.conf"
CA_FILE=$C/ca.crt
serve || { t_report fail "the post serves" "$(tail -3 "$T_TMP/serve.err")"; t_end; exit 1; }
tokens=
for i in 1 2 3; do
	s=$(echo "officer password 1" | "$TIMS" officer add --post "$P" "booth$i" --name "Booth $i" \
		--role officer | secret_of "booth$i")
	tokens="$tokens${tokens:+,}$(login "booth$i" "$s" "B$i")"
done
TOKENS=$tokens
t_eq "three booths logged in" 3 "$(echo "$TOKENS" | tr ',' '\n' | grep -cE '^[A-Za-z0-9_-]{43}$')"

: >"$T_TMP/history"
"$PY" "$ROOT/tests/lib/booths.py" load --url "$URL" --ca "$CA_FILE" --tokens "$TOKENS" \
	--prefix part --history "$T_TMP/history" --seconds 8 --seed "$SEED" 2>>"$T_TMP/load.err" &
load=$!
sleep "1.$((RANDOM % 10))"
kill -STOP "$CENTRE"; echo "# centre stalled (SIGSTOP)"
sleep "2.$((RANDOM % 10))"
kill -CONT "$CENTRE"; echo "# centre resumed (SIGCONT)"
sleep "1.$((RANDOM % 10))"
kill -KILL "$CENTRE"; wait "$CENTRE" 2>/dev/null; echo "# centre killed mid-ingest (SIGKILL)"
sleep "1.$((RANDOM % 10))"
cstart; echo "# centre restarted"
wait "$load"
acks=$(grep -c '^K ' "$T_TMP/history")
t_ok "the booths were acknowledged ($acks)" test "$acks" -gt 0
t_eq "the post acknowledged all along: every refusal none (the centre is not on the booth's path)" "" \
	"$(awk '$1 == "N" { print $3, $4 }' "$T_TMP/history" | sort -u)"
status() { curl -s --cacert "$CA_FILE" -H "Authorization: Bearer ${TOKENS%%,*}" "$URL/api/v1/status"; }
caught_up() { status | grep -q '"lag":0[,}]'; }
t0=$(now_ms)
t_ok "the post catches up with the centre by itself (lag 0)" wait_for 300 caught_up
catchup=$(($(now_ms) - t0))
stop
mirror=$C/mirror/test.example%2Fpartition.db   # the post's log (its audit log: .audit.db)
t_ok "the centre's mirror of the post's log is there" test -f "$mirror"
kill "$CENTRE"; wait "$CENTRE" 2>/dev/null  # stopped: its mirror whole on disk (and its WAL)
mkdir -p "$T_TMP/m" && cp "$mirror"* "$T_TMP/m/" && mv "$T_TMP/m/$(basename "$mirror")" "$T_TMP/mirror.db"
for x in wal shm; do [ -f "$T_TMP/m/$(basename "$mirror")-$x" ] && mv "$T_TMP/m/$(basename "$mirror")-$x" "$T_TMP/mirror.db-$x"; done
verify_copy "partition" >/dev/null
out=$("$PY" "$ROOT/tests/lib/booths.py" check --db "$T_TMP/verify/post.db" --history "$T_TMP/history" \
	--mirror "$T_TMP/mirror.db" --label partition)
printf '%s\n' "$out" | sed 's/^/# /'
t_match "post: lost 0, unexpected 0, duplicated 0, roots equal" \
	'lost 0 .*unexpected 0 duplicated 0 index-mismatch 0 roots-equal yes' "$out"
t_match "centre: every acknowledged crossing is mirrored at its index with its leaf, none differs" \
	"acknowledged-present $acks of $acks, mirror [0-9]+ entries, differing from the post's log 0" "$out"
t_eq "tims log verify and tims audit verify at the post" "" "${VERIFY_FAIL:-}"
echo "# row partition: $(printf '%s' "$out" | tr '\n' ' ' | sed 's/partition: //g'); catch-up ${catchup} ms after the load"
t_eq "the booths' client ran without an error of its own" "" "$(cat "$T_TMP/load.err")"
t_end
