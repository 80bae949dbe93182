# partition.sh — the fault matrix's partition row (issue 19, G1): three
# booths register at a post through its HTTPS API while the link from the
# post to its centre (it pushes its log every 100 ms) is cut, then made
# lossy, then healed (nftables rules in a network namespace of the test's
# own: the post, the centre and the booths run in it, on its own loopback,
# so nothing outside the test is touched), and the centre is stalled
# (SIGSTOP, then SIGCONT) and SIGKILLed mid-ingest (then restarted). The
# post never stops acknowledging; once the link and the centre are back
# the post catches up by itself; the centre's mirror then holds every
# crossing a booth got 2xx for, at its index with its leaf, and nothing the
# post's log does not hold (Jepsen's set checker on both sides).
#
#   FAULT_SEED=N   replay the schedule (logged)
#   PARTITION_CUT_SECONDS=S, PARTITION_STALL_SECONDS=S
#                  how long the link stays cut and the centre stalled
#                  (default 1-2 s and 2-3 s; make soak: over a minute
#                  each, past the sync client's 30 s request timeout)
#
# The namespace needs root (unshare -n) and nft (Debian's nftables, from
# scripts/deps.sh); without them the row fails, saying so.
if [ -z "${TIMS_PARTITION_NS:-}" ]; then
	if command -v nft >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
		exec unshare -n env TIMS_PARTITION_NS=1 bash -c 'ip link set lo up && exec bash "$0"' "$0"
	fi
	. tests/e2e/lib.sh
	t_report fail "the partition row runs in a network namespace of its own (unshare -n, as root) with nft (scripts/deps.sh)" \
		"nft: $(command -v nft || echo missing); unshare -n: $(unshare -n true 2>&1 || true)"
	t_end
	exit 1
fi
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

post_init test.example/partition
enrol_with_centre partition-post
CA_FILE=$C/ca.crt
serve || { t_report fail "the post serves" "$(tail -3 "$T_TMP/serve.err")"; t_end; exit 1; }
booths_login
t_eq "three booths logged in" 3 "$(echo "$TOKENS" | tr ',' '\n' | grep -cE '^[A-Za-z0-9_-]{43}$')"

: >"$T_TMP/history"
"$PY" "$ROOT/tests/lib/booths.py" load --url "$URL" --ca "$CA_FILE" --tokens "$TOKENS" \
	--prefix part --history "$T_TMP/history" \
	--seconds $((12 + ${PARTITION_CUT_SECONDS:-0} + ${PARTITION_STALL_SECONDS:-0})) --seed "$SEED" \
	2>>"$T_TMP/load.err" &
load=$!
# the link: post -> centre cut (every packet to the centre's port dropped),
# then lossy (a third dropped at random), then whole again
nft add table inet tims_part && nft add chain inet tims_part out '{ type filter hook output priority 0; }' ||
	t_report fail "nft: the test's table in its own namespace"
sleep "0.$((RANDOM % 10))"
nft add rule inet tims_part out tcp dport "$CPORT" drop && echo "# link to the centre cut"
status() { curl -s --cacert "$CA_FILE" -H "Authorization: Bearer ${TOKENS%%,*}" "$URL/api/v1/status"; }
# what the centre has confirmed holding, and the lag, as the post says them
held() { status | grep -o '"centre_size":[0-9]*,.*"lag":[0-9]*' | sed -E 's/"centre_size":([0-9]*),.*"lag":([0-9]*)/\1 \2/'; }
sleep 0.5   # a push already on its way is answered or hangs
read -r c1 l1 <<<"$(held)"
sleep "${PARTITION_CUT_SECONDS:-1.$((RANDOM % 10))}"
read -r c2 l2 <<<"$(held)"
echo "# while cut: the centre confirmed $c1 then $c2; lag $l1 then $l2"
t_ok "link cut: nothing more reaches the centre (${c1:-?} then ${c2:-?}) while the booths are acknowledged (lag ${l1:-?} -> ${l2:-?})" \
	test -n "$c1" -a "$c1" = "${c2:-x}" -a "${l2:-0}" -gt "${l1:-0}"
nft flush chain inet tims_part out
nft add rule inet tims_part out tcp dport "$CPORT" numgen random mod 3 == 0 drop && echo "# link lossy (a third dropped)"
sleep "1.$((RANDOM % 10))"
nft delete table inet tims_part && echo "# link whole again"
sleep "0.$((RANDOM % 10))"
kill -STOP "$CENTRE"; echo "# centre stalled (SIGSTOP)"
sleep "${PARTITION_STALL_SECONDS:-2.$((RANDOM % 10))}"
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
