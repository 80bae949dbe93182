# rotate.sh — signing keys rotate (issue 16, docs/keys.md "Rotating signing
# keys"): `tims post rotate-key` replaces a post's log key by a hand-over
# signed by the old and the new key, in both of its logs; the old secret is
# gone; `tims log verify` chains across the keys; the centre's mirror and
# posts table and the witness follow the hand-over from the log alone and
# go on taking the post's checkpoints; a checkpoint signed by a key that no
# hand-over from the known key vouches for (the attacker who took the
# server and made himself a key) is refused by the centre and the witness.
. tests/e2e/lib.sh

C=$T_TMP/centre W=$T_TMP/witness P=$T_TMP/post A=$T_TMP/attacker
ORIGIN=bg.example/rot-post

until_ok() { # SECONDS CMD...
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
"$TIMS" witness init "$W" --name witness.example/w1 >/dev/null
"$TIMS" centre serve "$C" --port "$CPORT" >"$T_TMP/centre.out" 2>>"$T_TMP/centre.log" &
PIDS+=("$!")
WPORT=$(free_port)
start_witness() {
	: >"$T_TMP/witness.out"
	"$TIMS" witness serve "$W" --listen "127.0.0.1:$WPORT" >"$T_TMP/witness.out" 2>>"$T_TMP/witness.log" &
	WITNESS=$!; PIDS+=("$WITNESS")
}
start_witness
wait_line "$T_TMP/centre.out" "listening on" && wait_line "$T_TMP/witness.out" "listening on"
cli_bootstrap "$C"
t_eq "centre and witness serve" 0 $?
WURL=$(sed -n 's/.* listening on //p' "$T_TMP/witness.out")

"$TIMS" post init "$P" --origin "$ORIGIN" --kind land >/dev/null
cli_bootstrap "$P"
"$TIMS" centre enrol-post "$C" rot-post --vkey "$P/post.vkey" --url "$CURL_" --out "$T_TMP/enrol" >/dev/null 2>&1
"$TIMS" post enrol "$P" --from "$T_TMP/enrol" >/dev/null
"$TIMS" witness add-log "$W" --vkey "$P/post.vkey" --audit >/dev/null
cp "$W/witness.vkey" "$T_TMP/witness.pinned.vkey"   # the post's own copy of the witness's key
"$TIMS" post add-witness "$P" --url "$WURL" --ca "$W/tls.crt" --vkey "$T_TMP/witness.pinned.vkey" >/dev/null
printf 'interval_ms = 100\nwitness_timeout_ms = 3000\n' >"$P/sync.conf"

imp() { # FIRST LAST: crossings registered at the post (the node stopped)
	local i
	for i in $(seq "$1" "$2"); do
		printf '{"id":"rot-%d","direction":"entry","officer":"O1","booth":"B1","person":{"number":"RT%d","surname":"DOE"}}\n' "$i" "$i"
	done >"$T_TMP/in.jsonl"
	cli_as "$P" supervisor "$TIMS" cross import --post "$P" "$T_TMP/in.jsonl" >/dev/null 2>&1 ||
		echo "# cross import failed"
}
start_node() {
	: >"$T_TMP/post.out"
	"$TIMS" post serve "$P" --port 0 >"$T_TMP/post.out" 2>>"$T_TMP/post.log" &
	NODE=$!
	PIDS+=("$NODE")
	wait_line "$T_TMP/post.out" "listening on"
}
stop_node() { kill "$NODE"; wait "$NODE" 2>/dev/null; }
at_centre() { # records of the post the centre holds, from its public status
	curl -s --max-time 5 --cacert "$C/ca.crt" "$CURL_/api/v1/centre/status" |
		grep -o '"size":[0-9]*' | head -1 | cut -d: -f2
}
witness_size() { "$TIMS" witness list "$W" 2>/dev/null | awk -v o="$ORIGIN" '$1 == o {print $3}'; }
synced() { [ "$(at_centre)" = "$1" ] && [ "$(witness_size)" = "$1" ]; }
MIRROR="$C/mirror/bg.example%2Frot-post.db"

# ---- before: a log under the first key, at the centre and the witness ----
imp 1 3
start_node
t_ok "before the rotation: the centre and the witness hold the 3 records" until_ok 15 synced 3
stop_node
cp "$P/post.vkey" "$T_TMP/old.vkey"
cp "$P/post.skey" "$T_TMP/old.skey.copy"   # what a thief copied earlier
OLD=$(cat "$T_TMP/old.vkey")

# ---- the rotation ----
t_status 1 "rotate-key needs an admin (a supervisor is refused)" \
	cli_as "$P" supervisor "$TIMS" post rotate-key "$P"
out=$("$TIMS" post rotate-key "$P" 2>&1)
t_eq "rotate-key succeeds for the admin" 0 $?
NEW=$(cat "$P/post.vkey")
t_match "it names the new key" "new key: ${NEW//+/\\+}" "$out"
t_ok "post.vkey is a new key of the same name" test "${NEW%%+*}" = "${OLD%%+*}" -a "$NEW" != "$OLD"
t_ok "the old secret is gone: post.skey is another key, no .next file is left" \
	test "$(cat "$P/post.skey")" != "$(cat "$T_TMP/old.skey.copy")" -a ! -e "$P/post.skey.next" -a ! -e "$P/post.vkey.next"
t_eq "the hand-over is in both logs" "1 1" \
	"$(sqlite3 "$P/post.db" 'SELECT count(*) FROM handovers') $(sqlite3 "$P/audit.db" 'SELECT count(*) FROM handovers')"
sqlite3 "$P/post.db" "SELECT writefile('$T_TMP/handover.note', note) FROM handovers" >/dev/null
printf '%s\n' "$OLD" >"$T_TMP/o.vkey"; printf '%s\n' "$NEW" >"$T_TMP/n.vkey"
vn=$("$TIMS" tlog verify-note --key "$T_TMP/o.vkey" --key "$T_TMP/n.vkey" "$T_TMP/handover.note" 2>&1 >/dev/null)
t_ok "the hand-over is signed by the old key" grep -qF "signed by $(echo "$OLD" | cut -d+ -f1-2)" <<<"$vn"
t_ok "and by the new key" grep -qF "signed by $(echo "$NEW" | cut -d+ -f1-2)" <<<"$vn"
t_match "the rotation is audited (before, and after under the new key)" \
	"cli.post.rotate-key.*post.key-rotated|post.key-rotated" \
	"$(cli_as "$P" auditor "$TIMS" audit list --post "$P" 2>&1 | tr '\n' ' ')"
t_eq "a key-rotated event waits for the centre" 1 \
	"$(sqlite3 "$P/post.db" "SELECT count(*) FROM event_queue WHERE body LIKE '%key-rotated%'" 2>/dev/null ||
	   sqlite3 "$P/post.db" "SELECT count(*) FROM event_queue WHERE kind = 16")"

# ---- after: new records under the new key, verified across the keys ----
imp 4 6
t_match "tims log verify chains across the keys" ": 6 records .*: ok$" "$("$TIMS" log verify --post "$P" 2>&1)"
t_match "tims audit verify too" ": ok$" "$("$TIMS" audit verify --post "$P" 2>&1 | tail -1)"
t_eq "checkpoints after the hand-over are signed by the new key only" "1" \
	"$(sqlite3 "$P/post.db" 'SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1' | grep -c '^— ')"
start_node
t_ok "after the rotation: the centre and the witness follow the hand-over (6 records)" until_ok 20 synced 6
t_eq "the centre's posts table learnt the new key" "$NEW" \
	"$(sqlite3 "$C/centre.db" "SELECT vkey FROM posts WHERE origin = '$ORIGIN'")"
t_eq "the centre's mirror holds the hand-over" 1 "$(sqlite3 "$MIRROR" 'SELECT count(*) FROM handovers')"
t_match "the centre's event log says so" "key-rotated" "$(cli_as "$C" supervisor "$TIMS" centre events "$C" 2>&1 | grep key-rotated)"
t_eq "the witness trusts the new key, no longer the old one" "1 0" \
	"$(sqlite3 "$W/witness.db" "SELECT count(*) FROM keys WHERE origin = '$ORIGIN' AND vkey = '$NEW'") $(sqlite3 "$W/witness.db" "SELECT count(*) FROM keys WHERE origin = '$ORIGIN' AND vkey = '$OLD'")"
t_ok "the centre's key-rotated event arrived from the post" \
	until_ok 10 sh -c "sqlite3 '$C/centre.db' \"SELECT count(*) FROM post_events WHERE kind = 'key-rotated' OR kind = 16\" 2>/dev/null | grep -qv '^0$'"
stop_node
t_match "tims centre verify: the mirror verifies across the keys" "6 records, verified" \
	"$("$TIMS" centre verify "$C" 2>&1 | grep -i "$ORIGIN" | head -1)"

# ---- the stolen server: a key of the attacker's own, no hand-over from the post's key ----
mkdir -p "$A"
"$TIMS" tlog keygen "$ORIGIN" --out "$A" >/dev/null 2>&1
AK=$A/$(echo "$ORIGIN" | tr / _)
ROOT6=$(sed -n 3p "$P/checkpoint")
# a checkpoint of the same tree (size 6), signed only by the attacker's key
printf '%s\n6\n%s\n' "$ORIGIN" "$(sqlite3 "$P/post.db" 'SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1' | sed -n 3p)" >"$A/cp.txt"
"$TIMS" tlog sign-note --key "$AK.skey" "$A/cp.txt" >"$A/cp.note"
push() { # BATCH-FILE: the post's push, with the post's own client certificate
	curl -s -o "$A/answer" -w '%{http_code}' --max-time 10 --cacert "$C/ca.crt" \
		--cert "$P/centre/client.crt" --key "$P/centre/client.key" \
		-H 'Content-Type: application/json' --data-binary @"$1" "$CURL_/api/v1/sync/push"
}
jq -n --rawfile cp "$A/cp.note" '{from: 6, checkpoint: $cp, proof: [], entries: []}' >"$A/b1.json"
code=$(push "$A/b1.json")
t_match "the centre refuses a checkpoint signed by a key no hand-over announced" "^4" "$code $(cat "$A/answer")"
# a forged hand-over from the post's key to the attacker's, signed by the attacker alone
printf '%s\n6\n%s\nkey-handover %s %s\n' "$ORIGIN" "$(sed -n 3p "$A/cp.txt")" "$NEW" "$(cat "$AK.vkey")" >"$A/ho.txt"
"$TIMS" tlog sign-note --key "$AK.skey" "$A/ho.txt" >"$A/ho.note"
jq -n --rawfile cp "$A/cp.note" --rawfile ho "$A/ho.note" \
	'{from: 6, checkpoint: $cp, proof: [], entries: [], handovers: [$ho]}' >"$A/b2.json"
code=$(push "$A/b2.json")
t_match "and a hand-over that the post's key did not sign" "^4.*not signed by the new key|^4.*signature|^4" "$code $(cat "$A/answer")"
# the stolen old key is no use either: it was handed over
printf '%s\n' "$(cat "$T_TMP/old.skey.copy")" >"$A/old.skey"; chmod 600 "$A/old.skey"
"$TIMS" tlog sign-note --key "$A/old.skey" "$A/cp.txt" >"$A/cp-old.note"
jq -n --rawfile cp "$A/cp-old.note" '{from: 6, checkpoint: $cp, proof: [], entries: []}' >"$A/b3.json"
code=$(push "$A/b3.json")
t_match "and a checkpoint signed by the old key alone, after the hand-over" "^4" "$code $(cat "$A/answer")"
t_eq "the centre still pins the post's new key" "$NEW" \
	"$(sqlite3 "$C/centre.db" "SELECT vkey FROM posts WHERE origin = '$ORIGIN'")"
# the witness: the attacker's checkpoint, with the old key's signature added or not
wask() { # NOTE-FILE
	{ printf 'old 6\n\n'; cat "$1"; } >"$A/req"
	curl -s -o "$A/wanswer" -w '%{http_code}' --max-time 10 --cacert "$W/tls.crt" \
		--data-binary @"$A/req" "$WURL/add-checkpoint"
}
t_eq "the witness refuses the attacker's checkpoint" 403 "$(wask "$A/cp.note")"
t_eq "and one signed by the old key after the hand-over" 403 "$(wask "$A/cp-old.note")"
# a post directory whose key was swapped for the attacker's does not open
cp -rL "$P" "$A/post"   # (-L: the keys, not the links into P.keys)
cp "$AK.skey" "$A/post/post.skey"; cp "$AK.vkey" "$A/post/post.vkey"
t_match "a post with a key that is not its log's refuses to verify or sign" "not a key of this log" \
	"$("$TIMS" log verify --post "$A/post" 2>&1)"

# ---- the witness rotates its own key; the post follows from the old key ----
kill "$WITNESS"; wait "$WITNESS" 2>/dev/null
cp "$W/witness.vkey" "$T_TMP/witness.old.vkey"
out=$("$TIMS" witness rotate-key "$W" 2>&1)
t_eq "witness rotate-key" 0 $?
t_ok "the witness has a new key, its old secret gone" test "$(cat "$W/witness.vkey")" != "$(cat "$T_TMP/witness.old.vkey")"
start_witness
wait_line "$T_TMP/witness.out" "listening on"
t_match "the witness serves its announcement" "key-announcement" \
	"$(curl -s --max-time 5 --cacert "$W/tls.crt" "https://127.0.0.1:$WPORT/key-announcements")"
imp 7 8
start_node
t_ok "the post follows the witness's new key and is cosigned again (8 records)" until_ok 20 synced 8
t_ok "the post kept the step it followed" until_ok 10 grep -qF "$(cat "$W/witness.vkey")" "$P/witnesses.follow"
wcos_new() { # the witness's cosignature of size 8 kept by the post, by its new key
	sqlite3 "$P/post.db" "SELECT writefile('$T_TMP/wcos.note', note) FROM cosigned WHERE cosigner = 'witness.example/w1' AND size = 8" | grep -q . &&
		"$TIMS" tlog verify-note --key "$W/witness.vkey" --key "$P/post.vkey" "$T_TMP/wcos.note" 2>&1 >/dev/null | grep -q "cosigned by"
}
t_ok "the post keeps the witness's cosignature of size 8, by its new key" until_ok 10 wcos_new
stop_node

# ---- a post wiped after its rotation comes back from the centre's mirror ----
rm -f "$P/post.db" "$P/post.db-wal" "$P/post.db-shm"
out=$("$TIMS" post restore "$P" --from-centre 2>&1)
t_match "a post wiped after its rotation is restored from the centre" "^restored 8 records" "$out"
t_match "and its log verifies under the new key" ": 8 records .*: ok$" "$("$TIMS" log verify --post "$P" 2>&1)"

t_end
