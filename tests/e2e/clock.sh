# clock.sh — the fault matrix's clock row (issue 19, G2, G3): the post's
# clock jumps back and forward (libfaketime, its offset read from a file at
# every call) while three booths register through the HTTPS API, and so
# while every commit signs a checkpoint. The log must never be reordered (a
# record's post time never earlier than the one before: a clock stepped
# back leaves records at the log's last time until it passes it), each
# jump must be flagged (the process log, GET /api/v1/status "clock",
# /metrics tims_clock_jumps), and nothing acknowledged may be lost or
# doubled (Jepsen's set checker), tims log verify and tims audit verify
# passing. Then the node restarts with its clock behind its log: flagged
# at the first registration.
#
#   FAULT_SEED=N   replay the schedule (logged)
. tests/e2e/lib.sh

ROW=clock
. tests/lib/faultrow.sh
FAKETIME_SO=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
[ -f "$FAKETIME_SO" ] || { t_report fail "libfaketime: $FAKETIME_SO (scripts/deps.sh: faketime)"; t_end; exit 1; }

# The booths log in with the clock 10 minutes back (every process of the
# setup under libfaketime, oathtool too): a session is refused once the
# clock is before its start, or 15 minutes past its last use
# (lib/officer/officer.c), so the jumps below (back 100-300 s, forward
# 300-600 s) leave the sessions valid and the load going.
(
	export LD_PRELOAD=$FAKETIME_SO FAKETIME="-600"
	setup && printf '%s\n' "$TOKENS" >"$T_TMP/tokens"
)
TOKENS=$(cat "$T_TMP/tokens" 2>/dev/null)
t_ok "setup: a post with three booths logged in" test -n "$TOKENS"
: >"$T_TMP/history"
# the offset file inside the post's directory: the sandboxed node reads
# nothing outside it; the monotonic clock is left alone (a real clock
# jump does not move it either)
CLOCK=$P/faketime
echo "+0" >"$CLOCK"
SERVE_ENV=(LD_PRELOAD="$FAKETIME_SO" FAKETIME_TIMESTAMP_FILE="$CLOCK" FAKETIME_NO_CACHE=1
	FAKETIME_DONT_FAKE_MONOTONIC=1)
serve || { t_report fail "the node starts under libfaketime" "$(tail -3 "$T_TMP/serve.err")"; t_end; exit 1; }
status() { curl -s --cacert "$P/tls.crt" -H "Authorization: Bearer ${TOKENS%%,*}" "$URL/api/v1/status"; }
back=$((RANDOM % 200 + 100))      # seconds back, then forward past now
fwd=$((RANDOM % 300 + 300))
"$PY" "$ROOT/tests/lib/booths.py" load --url "$URL" --ca "$P/tls.crt" --tokens "$TOKENS" \
	--prefix clock --history "$T_TMP/history" --seconds 90 --stop-file "$T_TMP/load.stop" \
	--seed "$SEED" 2>>"$T_TMP/load.err" &
load=$!
# A jump is seen at the first registration after it: each phase lasts 1.5 s
# and then until the node has counted its jump (at most 20 s more: on a
# loaded machine 1.5 s may hold no registration), the load going on.
jumps() { status | sed -n 's/.*"clock":{"jumps":\([0-9]*\).*/\1/p'; }
jumps_reach() { [ "$(jumps)" -ge "$1" ] 2>/dev/null; }
sleep 1.5
echo "-$back" >"$CLOCK"
sleep 1.5
wait_for 100 jumps_reach 1
st_back=$(status)
echo "+$fwd" >"$CLOCK"
sleep 1.5
wait_for 100 jumps_reach 2
echo "+0" >"$CLOCK"
sleep 1.5
wait_for 100 jumps_reach 3
touch "$T_TMP/load.stop"
wait "$load"
st=$(status)
echo "# clock back $back s, then forward to +$fwd s, then back to the true time: status clock $(printf '%s' "$st" | grep -o '"clock":{[^}]*}')"
t_match "the jump back is flagged while it lasts (status: clock, the log ahead of the clock)" \
	'"clock":\{"jumps":[1-9][0-9]*,"last_jump_ms":-[0-9]+,.*"log_ahead_ms":[1-9]' "$st_back"
t_match "every jump is flagged: status says 3 or more" '"clock":\{"jumps":([3-9]|[1-9][0-9])' "$st"
t_match "... /metrics: tims_clock_jumps" 'tims_clock_jumps ([3-9]|[1-9][0-9])' \
	"$(curl -s --cacert "$P/tls.crt" "$URL/metrics")"
t_match "... and the process log says back, and forward" \
	"clock: the post's clock jumped back by [0-9]+ s.*log is never reordered" "$(grep 'clock:' "$T_TMP/serve.err")"
t_match "... forward too" "clock: the post's clock jumped forward by [0-9]+ s" "$(grep 'clock:' "$T_TMP/serve.err")"
stop
verify_copy "clock jumps"
t_match "clock: lost 0, unexpected 0, duplicated 0, roots equal" \
	'acknowledged [1-9][0-9]* .*lost 0 .*unexpected 0 duplicated 0 index-mismatch 0 roots-equal yes' "$FIGURES"
t_eq "clock: tims log verify and tims audit verify pass" "" "${VERIFY_FAIL:-}"
order=$(sqlite3 "$T_TMP/verify/post.db" \
	'SELECT count(*) FROM records a JOIN records b ON b.idx = a.idx + 1 WHERE b.time_ms < a.time_ms')
t_eq "the log is never reordered: no record's post time is before the one before it" 0 "$order"
held=$(sqlite3 "$T_TMP/verify/post.db" \
	'SELECT count(*) FROM records a JOIN records b ON b.idx = a.idx + 1 WHERE b.time_ms = a.time_ms')
t_ok "... records made while the clock was back kept the log's last time ($held of them)" test "$held" -gt 0
cps=$(sqlite3 "$T_TMP/verify/post.db" \
	'SELECT count(*) FROM checkpoints a JOIN checkpoints b ON b.size = (SELECT min(size) FROM checkpoints WHERE size > a.size) WHERE b.issued_ms < a.issued_ms')
echo "# checkpoints signed with a time before the previous one's (the clock back): $cps"

# ---- restarted with the clock behind the log ------------------------------------
echo "-$back" >"$CLOCK"
serve || { t_report fail "restart under a clock behind the log" "$(tail -3 "$T_TMP/serve.err")"; t_end; exit 1; }
"$PY" "$ROOT/tests/lib/booths.py" load --url "$URL" --ca "$P/tls.crt" --tokens "$TOKENS" \
	--prefix clock2 --history "$T_TMP/history" --seconds 1 --seed "$SEED" 2>>"$T_TMP/load.err"
t_match "restarted with the clock behind the log: flagged at the first registration" \
	'"clock":\{"jumps":[1-9][0-9]*,"last_jump_ms":-' "$(status)"
stop
verify_copy "clock restarted behind" >/dev/null
t_match "... nothing lost or doubled, roots equal" \
	'lost 0 .*unexpected 0 duplicated 0 index-mismatch 0 roots-equal yes' "$FIGURES"
t_eq "... log and audit verify" "" "${VERIFY_FAIL:-}"
t_eq "... still never reordered" 0 "$(sqlite3 "$T_TMP/verify/post.db" \
	'SELECT count(*) FROM records a JOIN records b ON b.idx = a.idx + 1 WHERE b.time_ms < a.time_ms')"
echo "# row clock: $(printf '%s' "$FIGURES" | head -1 | sed 's/^[^:]*: //')"
t_eq "the booths' client ran without an error of its own" "" "$(cat "$T_TMP/load.err")"
t_end
