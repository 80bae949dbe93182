# network-pg.sh — the network suite (network.sh) with the centre's query
# store on a real PostgreSQL server that the suite starts and stops itself;
# then PostgreSQL stopped and restarted under a running centre: pushes are
# refused with 503 while it is down (nothing taken, the post retries), the
# centre's status and /metrics say the store is down, since when and why,
# and the centre reconnects by itself — no record lost, none indexed twice,
# the centre never restarted. Then PostgreSQL, restarted durable under
# tests/lib/crashfs.c, loses power between two pushes and restarts on what
# reached the disk: every crossing it had committed is there, and the
# centre reconnects by itself (the row with booths, many cuts and the set
# checker: tests/soak/pgcut.sh).
#
# make check runs the second part only (PostgreSQL under a running centre:
# pushes, indexing, verify, /metrics); the whole network suite on
# PostgreSQL (enrolment, outage, queries, bundles, rosters, a wiped centre
# rebuilt into PostgreSQL, a post restored) is the first part, run by
# `make soak` (tests/soak/network-pg.sh sets NETWORK_PG_FULL=1) and by hand:
#   NETWORK_PG_FULL=1 bash tests/e2e/network-pg.sh
suite_rc=0
if [ "${NETWORK_PG_FULL:-0}" = 1 ]; then
	CENTRE_STORE=pg bash tests/e2e/network.sh
	suite_rc=$?
fi

. tests/e2e/lib.sh
. tests/lib/pg.sh
C=$T_TMP/centre P=$T_TMP/post
t_cleanup_more() {
	pg_stop
}
chmod 755 "$T_TMP" # the server runs as postgres when we are root
# (1 MiB WAL segments: the power-loss part below journals their zero fill)
if ! PG_INITDB_OPTS=--wal-segsize=1 pg_start "$T_TMP/pg" >"$T_TMP/pg-start.log" 2>&1; then
	t_report fail "restart: a throwaway PostgreSQL server starts" "$PG_ERROR"
	t_end; exit 1
fi
PG_PORT=$(printf '%s' "$PG_CONNINFO" | sed -n 's/.*port=\([0-9]*\).*/\1/p')
pg_down() { pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1; }
# pg_up: the server started again, durable (fsync, full_page_writes,
# synchronous_commit on) and under tests/lib/crashfs.c, which journals its
# writes (pwrite, the WAL's pwritev zero fill), syncs and renames from here
# on; its data directory copied first (what the disk holds). The part
# "power loss" below cuts its power (issue 19; the whole row with booths
# and the set checker: tests/soak/pgcut.sh).
ROOT=${TIMS_ROOT:-$PWD}
CRASH_SO=$ROOT/build/tests/libcrashfs.so
[ -f "$CRASH_SO" ] || make -s -C "$ROOT" build/tests/libcrashfs.so >&2
pg_up() {
	rm -rf "$PG_DIR/base" && cp -a "$PG_DIR/data" "$PG_DIR/base"
	: >"$PG_DIR/journal" && chown --reference="$PG_DIR" "$PG_DIR/journal"
	pg_run LD_PRELOAD="$(pg_preload "$CRASH_SO")" TIMS_CRASH_DIR="$PG_DIR/data" TIMS_CRASH_JOURNAL="$PG_DIR/journal"
}

"$TIMS" centre init "$C" --name tims-centre --store "pg:$PG_CONNINFO" >/dev/null
cli_bootstrap "$C"
"$TIMS" post init "$P" --origin bg.example/pg-post --kind land >/dev/null
cli_bootstrap "$P"
SECRET=$(echo "pg password 1" | "$TIMS" officer add --post "$P" p1 --name P --role officer |
	sed -n 's/^officer p1: TOTP secret //p')
"$TIMS" centre serve "$C" --port 0 >"$T_TMP/centre.out" 2>"$T_TMP/centre.log" &
CENTRE=$!
PIDS+=("$CENTRE")
wait_for 100 grep -q "listening on" "$T_TMP/centre.out"
CURL_=$(sed -n 's/.* listening on //p' "$T_TMP/centre.out")
"$TIMS" centre enrol-post "$C" pg-post --vkey "$P/post.vkey" --url "$CURL_" --out "$T_TMP/enrol" >/dev/null
"$TIMS" post enrol "$P" --from "$T_TMP/enrol" >/dev/null
"$TIMS" post serve "$P" --port 0 >"$T_TMP/post.out" 2>"$T_TMP/post.log" &
PIDS+=($!)
wait_for 100 grep -q "listening on" "$T_TMP/post.out"
PURL=$(sed -n 's/^listening on //p' "$T_TMP/post.out" | sed 's|/$||')
TOKEN=$(preq POST /api/v1/session "{\"officer\":\"p1\",\"password\":\"pg password 1\",\"code\":\"$(oathtool --totp -b "$SECRET")\",\"booth\":\"B1\"}" |
	sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p')
ACK=0
status() { curl -s --cacert "$C/ca.crt" "$CURL_/api/v1/centre/status"; }
national() { # the national count, from the query store (a process of its own)
	cli_as "$C" supervisor "$TIMS" centre query "$C" counts --by post --from 2000-01-01T00:00:00Z \
		--to 2100-01-01T00:00:00Z 2>/dev/null | sed -n 's/^  "total": \([0-9]*\).*/\1/p'
}
is_national() { [ "$(national)" = "$1" ]; }
store_is() { status | grep -q "\"store\":{[^}]*\"state\":\"$1\""; }

traffic 3 A
t_ok "restart: 3 crossings indexed in PostgreSQL" wait_for 100 is_national 3
t_match "restart: the status shows the store connected" '"store":\{"backend":"postgresql".*"state":"connected"' "$(status)"

pg_down
traffic 3 B
t_eq "restart: the post acknowledges its crossings while the store is down" 6 "$ACK"
t_ok "restart: the centre notices the store is down" wait_for 100 store_is down
st=$(status)
t_match "restart: the status says since when and why" '"state":"down".*"since_ms":[1-9][0-9]*.*"last_error":"query store \(postgresql\)' "$st"
t_match "restart: nothing was taken into the mirror while the store was down" '"size":3,' "$st"
# the post pushes its new records at its next round: wait for it
push_refused() { grep -q 'method=POST route=/api/v1/sync/push status=503' "$T_TMP/centre.log"; }
t_ok "restart: pushes meanwhile are answered 503" wait_for 100 push_refused
m=$(curl -s --cacert "$C/ca.crt" "$CURL_/metrics")
t_match "restart: /metrics: tims_centre_store_up 0" 'tims_centre_store_up\{backend="postgresql"\} 0' "$m"
t_match "restart: /metrics: failures counted" 'tims_centre_store_failures_total\{backend="postgresql"\} [1-9]' "$m"

pg_up
t_ok "restart: the centre reconnects by itself and indexes what was pushed meanwhile" wait_for 150 is_national 6
t_ok "restart: the status shows the store connected again" wait_for 50 store_is connected
t_match "restart: /metrics: tims_centre_store_up 1, a reconnection counted" \
	'tims_centre_store_up\{backend="postgresql"\} 1 .*tims_centre_store_reconnects_total\{backend="postgresql"\} [1-9].*tims_centre_store_repair_pending\{backend="postgresql"\} 0' \
	"$(curl -s --cacert "$C/ca.crt" "$CURL_/metrics" | tr '\n' ' ')"

# The power goes mid-ingest: every backend SIGKILLed at once,
# tests/lib/powercut.py rewrites the data directory to what a disk could
# hold then (each file as of its last sync plus a random part of the later
# writes, the last possibly torn), and PostgreSQL restarts on that. What
# the centre counted (a committed row is visible only once its WAL is
# flushed) is still there, asked directly before the centre reconnects (it
# repairs from its mirror only what it knows the store lacks). The centre
# finds its connection dead at the next batch and takes it on a new one,
# with what a batch cut short left only in the mirror.
PGSEED=${FAULT_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "# power loss: seed $PGSEED (replay: FAULT_SEED=$PGSEED)"
# (mid-ingest: the booths' next two crossings under way, the post pushing)
traffic 2 C &
TRAFFIC=$!
sleep 0.3
HELD=$(national)
pg_cut
wait "$TRAFFIC"
ACK=$((ACK + 2)) # (the post acknowledges without the centre: G1)
CUT=$(/usr/bin/python3 "$ROOT/tests/lib/powercut.py" cut "$PG_DIR/data" "$PG_DIR/base" \
	"$PG_DIR/journal" --seed "$PGSEED" --mode random)
chown -R --reference="$PG_DIR" "$PG_DIR/data"
echo "# power loss: $CUT"
t_ok "power loss: the journal followed PostgreSQL since it started again" test -s "$PG_DIR/journal"
rm -rf "$PG_DIR/base" "$PG_DIR/journal"
pg_run || echo "# power loss: $PG_ERROR"
rows=$("$PG_BIN/psql" -X -A -t -h "$PG_DIR" -p "$PG_PORT" -U tims -d postgres \
	-c 'SELECT count(*) FROM crossings' 2>&1)
echo "# power loss: the centre counted $HELD crossings before the cut; PostgreSQL holds $rows after it"
t_ok "power loss: PostgreSQL restarts on what reached the disk and holds every crossing it had committed ($rows >= $HELD)" \
	test "$rows" -ge "$HELD" -a "$HELD" -ge 6
t_ok "restart: after the power cut the next crossings are indexed" wait_for 150 is_national 8
t_ok "restart: the centre process is the one started at the beginning" kill -0 "$CENTRE"
out=$("$TIMS" centre verify "$C" 2>&1)
t_match "restart: verify: the store holds every mirrored record" 'query store: 8 records, the mirror.s' "$out"
t_eq "restart: the national count is every acknowledged crossing" "$ACK" "$(national)"

t_end && [ "$suite_rc" -eq 0 ]
