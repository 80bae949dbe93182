# operations.sh — the procedures of docs/operations.md, run as an operator
# runs them, with real processes on loopback: a lost post replaced under a
# new name and a new log origin; the outage drill's "stop the centre, move
# its data aside, rebuild from the posts, verify".
. tests/e2e/lib.sh

C=$T_TMP/centre
url_of() { sed -n 's/^.*listening on \(https:[^ ]*\)$/\1/p' "$1" | head -1 | sed 's|/$||'; }
serve_post() { # NAME: start the node of post NAME, its URL in URL_<NAME>
	"$TIMS" post serve "$T_TMP/$1" --port 0 >"$T_TMP/$1.out" 2>>"$T_TMP/$1.log" &
	PIDS+=($!)
	eval "PID_${1//-/_}=$!"
	wait_line "$T_TMP/$1.out" "listening on" || t_report fail "post $1 starts" "$(tail -3 "$T_TMP/$1.log")"
}
records_at_centre() { # NAME: records the centre's registry shows for post NAME
	"$TIMS" centre posts "$C" | awk -v n="$1" '$1 == n { sub("records=", "", $4); print $4 }'
}
wait_records() { # NAME N
	for _ in $(seq 1 300); do [ "$(records_at_centre "$1")" = "$2" ] && return 0; sleep 0.1; done
	return 1
}

"$TIMS" centre init "$C" --name ops-centre >/dev/null
cli_bootstrap "$C"
"$TIMS" centre serve "$C" --port 0 >"$T_TMP/centre.out" 2>>"$T_TMP/centre.log" &
CENTRE=$!
PIDS+=("$CENTRE")
wait_line "$T_TMP/centre.out" "listening on"
CURL_=$(url_of "$T_TMP/centre.out")
head -2 tests/data/mrz/demo-valid.txt >"$T_TMP/a.mrz"

# A post with three crossings, synced.
"$TIMS" post init "$T_TMP/lost" --origin ops.example/kapitan --kind land >/dev/null
cli_bootstrap "$T_TMP/lost"
"$TIMS" centre enrol-post "$C" kapitan --vkey "$T_TMP/lost/post.vkey" --url "$CURL_" \
	--out "$T_TMP/enrol-lost" >/dev/null
"$TIMS" post enrol "$T_TMP/lost" --from "$T_TMP/enrol-lost" >/dev/null
for d in entry exit entry; do
	cli_as "$T_TMP/lost" officer "$TIMS" cross --post "$T_TMP/lost" --mrz "$T_TMP/a.mrz" --direction $d --booth B1 >/dev/null
done
serve_post lost
t_ok "the post's three crossings reach the centre" wait_records kapitan 3

# "A lost or stolen post machine: revoke it at once; enrol its replacement
# under a new name" — and a new log origin: a log origin belongs to one key.
kill "$PID_lost"; wait "$PID_lost" 2>/dev/null
t_ok "revoke-post: the lost machine is revoked" "$TIMS" centre revoke-post "$C" kapitan
"$TIMS" post init "$T_TMP/same" --origin ops.example/kapitan --kind land >/dev/null
cli_bootstrap "$T_TMP/same"
out=$("$TIMS" centre enrol-post "$C" kapitan-2 --vkey "$T_TMP/same/post.vkey" --url "$CURL_" \
	--out "$T_TMP/enrol-same" 2>&1)
t_match "a replacement under the lost post's log origin is refused, and says why" \
	"origin ops.example/kapitan is already enrolled" "$out"
"$TIMS" post init "$T_TMP/new" --origin ops.example/kapitan/2 --kind land >/dev/null
cli_bootstrap "$T_TMP/new"
t_ok "the replacement is enrolled under a new name and a new origin" "$TIMS" centre enrol-post "$C" \
	kapitan-2 --vkey "$T_TMP/new/post.vkey" --url "$CURL_" --out "$T_TMP/enrol-new"
t_ok "post enrol of the replacement" "$TIMS" post enrol "$T_TMP/new" --from "$T_TMP/enrol-new"
cli_as "$T_TMP/new" officer "$TIMS" cross --post "$T_TMP/new" --mrz "$T_TMP/a.mrz" --direction exit --booth B1 >/dev/null
serve_post new
t_ok "the replacement's crossing reaches the centre" wait_records kapitan-2 1
t_eq "the lost post's records stay at the centre" 3 "$(records_at_centre kapitan)"

# The drill: stop the centre, move mirror/ and query.db* aside, keep keys
# and centre.db, rebuild from the posts, verify.
kill "$CENTRE"; wait "$CENTRE" 2>/dev/null
mkdir "$T_TMP/aside"
mv "$C/mirror" "$C"/query.db* "$T_TMP/aside/"
serve_post lost
out=$("$TIMS" centre rebuild "$C" --from-posts "kapitan=$(url_of "$T_TMP/lost.out")" \
	"kapitan-2=$(url_of "$T_TMP/new.out")" 2>&1)
rc=$?
t_eq "rebuild after mirror/ and query.db were moved aside exits 0" 0 "$rc"
t_match "rebuild: every record back, every root verified" \
	"rebuild: 2 posts, 0 with losses or unverified roots" "$out"
t_match "rebuild: the lost post's 3 records" "kapitan \\(ops.example/kapitan\\): 3 records, 3 recovered" "$out"
out=$("$TIMS" centre verify "$C" 2>&1)
t_match "centre verify after the rebuild" "ops.example/kapitan/2: 1 records, verified" "$out"
t_end
