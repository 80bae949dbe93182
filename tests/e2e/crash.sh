# crash.sh — acknowledged means durable (G2): `tims cross import` over a
# large JSON Lines file is killed with SIGKILL at random moments, cycle after
# cycle, then run once to the end. Every line acknowledged before any kill
# must be in the log exactly once, at the index its ack named; no record may
# be half-written (tims log verify passes); re-importing never duplicates.
#
#   CRASH_CYCLES (default 30), CRASH_LINES (default 30000),
#   CRASH_SECONDS (default 40: stop killing after this long)
# tests/soak.sh runs it with many more cycles and lines. A kill leaves the
# page cache to the kernel, so this test cannot see a missing fsync:
# tests/e2e/powerloss.sh cuts the power (docs/reliability.md).
. tests/e2e/lib.sh

cycles=${CRASH_CYCLES:-30}
lines=${CRASH_LINES:-30000}
budget=${CRASH_SECONDS:-40}
P=$T_TMP/post
"$TIMS" post init "$P" --origin example.org/post/crash >/dev/null || { t_report fail "post init"; t_end; exit 1; }
cli_bootstrap "$P"

# Line i carries the client id c-i: a retry of a durable line is recognised.
awk -v n="$lines" 'BEGIN { for (i = 1; i <= n; i++)
	printf "{\"id\":\"c-%d\",\"direction\":\"%s\",\"officer\":\"O%d\",\"booth\":\"B%d\",\"person\":{\"number\":\"N%d\",\"surname\":\"TRAVELLER%d\",\"nationality\":\"UTO\",\"birth_date\":\"1980-01-01\"}}\n", i, (i % 2 ? "entry" : "exit"), i % 9, i % 4, int(i / 2), i }' >"$T_TMP/in.jsonl"

: >"$T_TMP/acks.killed"
start=$(date +%s)
kills=0
done_lines=0
for c in $(seq 1 "$cycles"); do
	[ $(($(date +%s) - start)) -ge "$budget" ] && break
	batch=$((RANDOM % 64 + 1))
	# The files exist before the job starts: the loop below reads acks.$c
	# at once (a file the job had not created yet was a shell error and an
	# early kill).
	: >"$T_TMP/acks.$c"
	: >"$T_TMP/err.$c"
	cli_as "$P" supervisor "$TIMS" cross import --post "$P" --batch "$batch" "$T_TMP/in.jsonl" >>"$T_TMP/acks.$c" 2>>"$T_TMP/err.$c" &
	pid=$!
	if [ $((c % 3)) -eq 0 ]; then
		# At a random moment (often while re-acknowledging old lines).
		sleep "0.$(printf '%03d' $((RANDOM % 400 + 10)))"
	else
		# While appending: once a random number of new lines is acked.
		target=$((done_lines + RANDOM % 2500 + 1))
		while kill -0 "$pid" 2>/dev/null &&
			[ "$(wc -l <"$T_TMP/acks.$c")" -lt "$target" ]; do sleep 0.005; done
		sleep "0.00$((RANDOM % 10))"
	fi
	if kill -KILL "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
	wait "$pid" 2>/dev/null || true
	# Only complete lines count: a line cut by the kill was never seen.
	grep -E '^ack [0-9]+ [0-9]+ [0-9a-f]{64}( duplicate)?$' "$T_TMP/acks.$c" >>"$T_TMP/acks.killed"
	done_lines=$(awk '{ print $2 }' "$T_TMP/acks.killed" | sort -u | wc -l)
	if grep -q 'TAMPER\|rolled back' "$T_TMP/err.$c"; then
		t_report fail "cycle $c: the post refused to open after a kill" "$(cat "$T_TMP/err.$c")"
	fi
done
echo "# $kills kills ($done_lines lines acknowledged) in $(($(date +%s) - start)) s"

# Finish the import: every line must now be acknowledged.
cli_as "$P" supervisor "$TIMS" cross import --post "$P" "$T_TMP/in.jsonl" >"$T_TMP/acks.final" 2>"$T_TMP/err.final"
t_eq "the final import completes" "0" "$?"

sqlite3 "$P/post.db" "SELECT idx, ref FROM records" | tr '|' ' ' | sort -k1,1n >"$T_TMP/db"
# Acks from killed runs: "LINE INDEX" -> must be record INDEX with id c-LINE.
awk '{ print $3, "c-" $2 }' "$T_TMP/acks.killed" | sort -u | sort -k1,1n >"$T_TMP/acked"
attempted=$lines
acknowledged=$(awk '{ print $2 }' "$T_TMP/acks.killed" "$T_TMP/acks.final" | sort -u | wc -l)
present=$(cut -d' ' -f2 "$T_TMP/db" | sort -u | wc -l)
lost=$(comm -23 <(sort "$T_TMP/acked") <(sort "$T_TMP/db") | wc -l)
duplicated=$(($(wc -l <"$T_TMP/db") - present))
before=$(awk '{ print $2 }' "$T_TMP/acks.killed" | sort -u | wc -l)
echo "# acknowledged before a kill: $before"
echo "attempted $attempted acknowledged $acknowledged present $present lost $lost duplicated $duplicated"
t_eq "lost = 0 (every acknowledged record is present, at its acknowledged index)" 0 "$lost"
t_eq "duplicated = 0 (no record stored twice)" 0 "$duplicated"
t_eq "every line acknowledged and present" "$attempted $attempted" "$acknowledged $present"
t_ok "some acks came from runs that were killed" test "$before" -gt 0
t_ok "tims log verify passes after the crashes (none half-written)" "$TIMS" log verify --post "$P"
t_end
