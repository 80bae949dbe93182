#!/usr/bin/env bash
# cstore.sh — the centre's query store, SQLite and a real PostgreSQL server
# started here for the purpose (tests/lib/pg.sh), with the same unit checks;
# then a centre and a post on loopback whose query store fails to commit
# (a fault injected in query.db): `tims centre verify` must name the records
# missing from the store, and the store must be repaired by what is missing
# (by the running centre once the fault is gone, and by `tims centre
# reindex`), whatever lies above the gap.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/../lib/pg.sh"

bin=$PWD/build/tests/test_cstore
if [ ! -x "$bin" ]; then
	t_report fail "query store: $bin is built (make check builds it)"
	t_end
	exit 1
fi
work=$(mktemp -d /tmp/tims-e2e-cstore-XXXXXX)
chmod 755 "$work" # the server runs as postgres when we are root
t_cleanup_more() {
	pg_stop
	rm -rf "$work"
}

out=$("$bin" 2>&1)
t_ok "query store: every check passes on SQLite" test $? = 0
printf '%s\n' "$out" | grep '^not ok' | sed 's/^/# /'

if pg_start "$work/pg"; then
	t_ok "query store: a throwaway PostgreSQL server started" true
	out=$(TIMS_PG_CONNINFO="$PG_CONNINFO" "$bin" 2>&1)
	t_ok "query store: every check passes on PostgreSQL too" test $? = 0
	printf '%s\n' "$out" | grep '^not ok' | sed 's/^/# /'
	t_match "query store: the PostgreSQL backend really ran" "backend postgresql" "$out"
	n=$(printf '%s\n' "$out" | grep -c '^ok .* postgresql: ')
	t_ok "query store: PostgreSQL ran its checks ($n)" test "$n" -ge 20
	pg_stop
else
	t_report fail "query store: PostgreSQL could not be started" "$PG_ERROR"
fi

# --- A failed commit of the query store, at a running centre --------------
C=$T_TMP/centre P=$T_TMP/post
"$TIMS" centre init "$C" --name tims-centre >/dev/null
cli_bootstrap "$C"
"$TIMS" post init "$P" --origin bg.example/gap-post --kind land >/dev/null
cli_bootstrap "$P"
SECRET=$(echo "gap password 1" | "$TIMS" officer add --post "$P" g1 --name G --role officer |
	sed -n 's/^officer g1: TOTP secret //p')
start_centre() {
	"$TIMS" centre serve "$C" --port "${CPORT:-0}" >"$T_TMP/centre.out" 2>>"$T_TMP/centre.log" &
	CENTRE=$!
	PIDS+=("$CENTRE")
	wait_for 150 grep -q "listening on" "$T_TMP/centre.out"
	CURL_=$(sed -n 's/.* listening on //p' "$T_TMP/centre.out")
	CPORT=${CURL_##*:}
}
start_centre
"$TIMS" centre enrol-post "$C" gap-post --vkey "$P/post.vkey" --url "$CURL_" --out "$T_TMP/enrol" >/dev/null
"$TIMS" post enrol "$P" --from "$T_TMP/enrol" >/dev/null
# An entry registered by mistake, and its correction into an exit (0, 1).
cli_as "$P" officer "$TIMS" cross --post "$P" --doc-number K1 --surname KOLEV --given-names ANA --nationality BGR \
	--direction entry --booth B1 >/dev/null
printf '{"id":"k1-fix","direction":"exit","officer":"S1","booth":"B1","person":{"number":"K1","surname":"KOLEV","given_names":"ANA","nationality":"BGR"},"corrects":0,"reason":"wrong direction"}\n' |
	cli_as "$P" supervisor "$TIMS" cross import --post "$P" - >/dev/null 2>&1
"$TIMS" post serve "$P" --port 0 >"$T_TMP/post.out" 2>"$T_TMP/post.log" &
PIDS+=($!)
wait_for 150 grep -q "listening on" "$T_TMP/post.out"
PURL=$(sed -n 's/^listening on //p' "$T_TMP/post.out" | sed 's|/$||')
TOKEN=$(preq POST /api/v1/session "{\"officer\":\"g1\",\"password\":\"gap password 1\",\"code\":\"$(oathtool --totp -b "$SECRET")\",\"booth\":\"B1\"}" |
	sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p')
t_match "gap: the post's officer has a session" '^[A-Za-z0-9_-]{43}$' "$TOKEN"
ACK=0
mirrored() { # the records the centre's mirror holds
	curl -s --cacert "$C/ca.crt" "$CURL_/api/v1/centre/status" |
		sed -n 's/.*"size":\([0-9]*\).*/\1/p' | head -1
}
national() { # the national count of crossings, from the query store
	cli_as "$C" supervisor "$TIMS" centre query "$C" counts --by post --from 2000-01-01T00:00:00Z \
		--to 2100-01-01T00:00:00Z 2>/dev/null | sed -n 's/^  "total": \([0-9]*\).*/\1/p'
}
is_mirrored() { [ "$(mirrored)" = "$1" ]; }
is_national() { [ "$(national)" = "$1" ]; }

t_ok "correction: both records reach the mirror" wait_for 150 is_mirrored 2
t_ok "correction: the national count has the corrected crossing once, not twice" wait_for 50 is_national 1
out=$(cli_as "$C" supervisor "$TIMS" centre query "$C" counts --by direction --from 2000-01-01T00:00:00Z --to 2100-01-01T00:00:00Z)
t_match "correction: counted as the exit it was corrected into" '"direction": "exit"' "$out"
t_ok "correction: not as the entry it replaced" test "$(printf '%s' "$out" | grep -c '"direction": "entry"')" = 0

traffic 5 A
t_ok "gap: 5 crossings mirrored and indexed" wait_for 150 is_national 6
# The fault: a deferred foreign key that fails the store's COMMIT (after the
# mirror committed) while inj_arm holds a row.
sqlite3 "$C/query.db" "CREATE TABLE inj_parent (id INTEGER PRIMARY KEY);
	CREATE TABLE inj_child (p INTEGER REFERENCES inj_parent (id) DEFERRABLE INITIALLY DEFERRED);
	CREATE TABLE inj_arm (x);
	CREATE TRIGGER inj AFTER INSERT ON crossings WHEN EXISTS (SELECT 1 FROM inj_arm)
	BEGIN INSERT INTO inj_child VALUES (-1); END;"
sqlite3 "$C/query.db" "INSERT INTO inj_arm VALUES (1)"
traffic 4 B
t_ok "gap: 4 more crossings reach the mirror while the store cannot commit" wait_for 150 is_mirrored 11
t_match "gap: the failed commit is in the centre's event log" ' store bg.example/gap-post .*FOREIGN KEY' \
	"$(cli_as "$C" supervisor "$TIMS" centre events "$C")"
t_eq "gap: the national count lacks them" 6 "$(national)"
out=$("$TIMS" centre verify "$C" 2>&1); rc=$?
t_eq "gap: tims centre verify fails while the store lacks records (exit 1)" 1 "$rc"
t_match "gap: verify names the missing range" 'query store: MISSING 4 of the mirror.s 11 records in 1 range: 7-10' "$out"
t_match "gap: the centre's status says a repair is pending" '"repair_pending":true' \
	"$(curl -s --cacert "$C/ca.crt" "$CURL_/api/v1/centre/status")"
sqlite3 "$C/query.db" "DELETE FROM inj_arm"
t_ok "gap: once the store commits again, the running centre repairs it by itself" wait_for 150 is_national 10
traffic 2 C
t_ok "gap: and new crossings are indexed on top" wait_for 150 is_national 12
out=$("$TIMS" centre verify "$C" 2>&1)
t_match "gap: verify passes after the repair" 'query store: 13 records, the mirror.s' "$out"
t_match "gap: the repair is in the event log" 'store-repaired' "$(cli_as "$C" supervisor "$TIMS" centre events "$C")"

# A gap below later records, repaired by `tims centre reindex` (the centre
# stopped): the old reindex resumed from the row count and never saw it.
sqlite3 "$C/query.db" "INSERT INTO inj_arm VALUES (1)"
traffic 3 D
t_ok "gap: 3 crossings mirrored, not indexed" wait_for 150 is_mirrored 16
kill "$CENTRE"; wait "$CENTRE" 2>/dev/null
sqlite3 "$C/query.db" "DELETE FROM inj_arm"
# what lies above the gap: indexed while the centre was down (as the old
# ingest did when a later commit succeeded)
sqlite3 "$C/query.db" "INSERT INTO crossings (origin, idx, post_time, leaf, erased, when_ms,
	direction, decision, issuer, doc, person, nationality, own_time, hit, corrects, corrected_by,
	sealed, dob, skel) SELECT origin, idx + 100, post_time, leaf, erased,
	when_ms, direction, decision, issuer, doc, person, nationality, own_time, hit, corrects,
	corrected_by, sealed, dob, skel FROM crossings WHERE idx = 0" 2>/dev/null
out=$("$TIMS" centre verify "$C" 2>&1); rc=$?
t_eq "gap: verify fails with the centre stopped too" 1 "$rc"
t_match "gap: and names the gap" 'MISSING 3 of the mirror.s 16 records in 1 range: 13-15' "$out"
t_match "gap: and what the store holds beyond the mirror" ': 1 records beyond the mirror.s 16' "$out"
sqlite3 "$C/query.db" "DELETE FROM crossings WHERE idx >= 100"
t_match "gap: tims centre reindex adds exactly what is missing" '^reindex: 3 records added' \
	"$("$TIMS" centre reindex "$C" 2>&1)"
out=$("$TIMS" centre verify "$C" 2>&1); rc=$?
t_eq "gap: verify passes after the reindex" 0 "$rc"
t_eq "gap: the national count is every acknowledged crossing (and the corrected one)" "$((ACK + 1))" "$(national)"
t_end
