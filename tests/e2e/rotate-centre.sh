# rotate-centre.sh — the centre's cosigner and bundle keys rotate (issue 16,
# docs/keys.md "Rotating signing keys"): `tims centre rotate-key` makes a
# new key announced under the old one; a post fetches the announcement with
# sync, follows it from the key it pins, takes bundles and cosignatures of
# the new key, accepts the old bundle key during the overlap and not after;
# a bundle or an announcement under a key no announcement from the pinned
# key named (another centre of the same name) is refused.
. tests/e2e/lib.sh

C=$T_TMP/centre P=$T_TMP/post A=$T_TMP/attacker
CPORT=$(free_port)
"$TIMS" centre init "$C" --name tims-centre >/dev/null
cli_bootstrap "$C"
"$TIMS" post init "$P" --origin bg.example/rot-centre --kind land >/dev/null
cli_bootstrap "$P"
P2=$T_TMP/offline-post
"$TIMS" post init "$P2" --origin bg.example/rot-offline --kind land >/dev/null
cli_bootstrap "$P2"
"$TIMS" centre enrol-post "$C" rot-centre --vkey "$P/post.vkey" --url "https://127.0.0.1:$CPORT" \
	--out "$T_TMP/enrol" >/dev/null 2>&1
"$TIMS" post enrol "$P" --from "$T_TMP/enrol" >/dev/null
printf 'interval_ms = 100\n' >"$P/sync.conf"
"$TIMS" centre enrol-post "$C" rot-offline --vkey "$P2/post.vkey" --url "https://127.0.0.1:$CPORT" \
	--out "$T_TMP/enrol2" >/dev/null 2>&1
"$TIMS" post enrol "$P2" --from "$T_TMP/enrol2" >/dev/null
wl() { # LIST FILE: a list version at the centre
	cli_as "$C" analyst "$TIMS" watchlist import --store "$C/watchlists" --list "$1" --kind persons "$2" \
		>/dev/null 2>&1 || echo "# import $1 failed"
}
held() { sqlite3 "$P/bundles.db" "SELECT version FROM held WHERE kind = 'watchlist' AND list = '$1'" 2>/dev/null; }
until_ok() { # SECONDS CMD...
	local end=$(($(date +%s) + $1)); shift
	while :; do "$@" && return 0; [ "$(date +%s)" -ge "$end" ] && return 1; sleep 0.1; done
}
start_centre() {
	"$TIMS" centre serve "$C" --port "$CPORT" >"$T_TMP/centre.out" 2>>"$T_TMP/centre.log" &
	CENTRE=$!; PIDS+=("$CENTRE")
	wait_line "$T_TMP/centre.out" "listening on"
}
stop_centre() { kill "$CENTRE"; wait "$CENTRE" 2>/dev/null; }
start_node() {
	: >"$T_TMP/post.out"
	"$TIMS" post serve "$P" --port 0 >"$T_TMP/post.out" 2>>"$T_TMP/post.log" &
	NODE=$!; PIDS+=("$NODE")
	wait_line "$T_TMP/post.out" "listening on"
}
stop_node() { kill "$NODE"; wait "$NODE" 2>/dev/null; }
imp() { # ID: one crossing at the post (the node stopped)
	printf '{"id":"%s","direction":"entry","officer":"O1","booth":"B1","person":{"number":"RC1","surname":"DOE"}}\n' "$1" >"$T_TMP/in.jsonl"
	cli_as "$P" supervisor "$TIMS" cross import --post "$P" "$T_TMP/in.jsonl" >/dev/null 2>&1 || echo "# cross import failed"
}
# the centre's cosignature the post kept of its latest checkpoint, checked with KEY-FILE
cosig_ok() {
	sqlite3 "$P/post.db" "SELECT writefile('$T_TMP/cosigned.note', note) FROM cosigned WHERE cosigner = 'tims-centre' AND size = (SELECT max(size) FROM cosigned WHERE cosigner = 'tims-centre')" >/dev/null
	"$TIMS" tlog verify-note --key "$1" --key "$P/post.vkey" "$T_TMP/cosigned.note" 2>&1 | grep -q "cosigned by"
}
cosigned_size() { sqlite3 "$P/post.db" "SELECT max(size) FROM cosigned WHERE cosigner = 'tims-centre'" 2>/dev/null; }

# ---- before: a list and a cosigned log under the first keys ----
wl wanted tests/data/screen/persons.csv
imp rc-1
start_centre
start_node
t_ok "before: the post holds the list, version 1" until_ok 15 sh -c "[ \"\$(sqlite3 '$P/bundles.db' \"SELECT version FROM held WHERE list = 'wanted'\" 2>/dev/null)\" = 1 ]"
t_ok "before: the centre cosigned the post's log" until_ok 15 sh -c "[ -n \"\$(sqlite3 '$P/post.db' \"SELECT max(size) FROM cosigned WHERE cosigner = 'tims-centre'\" 2>/dev/null)\" ]"
stop_node
stop_centre
cp "$C/bundle.vkey" "$T_TMP/bundle.old.vkey"; cp "$C/cosign.vkey" "$T_TMP/cosign.old.vkey"
cp "$C/bundle.skey" "$T_TMP/bundle.old.skey"
# two lists bundled under the old key, carried by hand later to a post that
# is never online (P2: bundles and announcements reach it by hand only)
for l in early late; do
	wl $l tests/data/screen/persons.csv
	cli_as "$C" admin "$TIMS" centre bundle "$C" --list $l --out "$T_TMP/$l.bundle" \
		>/dev/null 2>&1 || echo "# bundle $l failed"
done

# ---- the rotations ----
t_status 1 "rotate-key needs an admin" cli_as "$C" supervisor "$TIMS" centre rotate-key "$C" bundle
out=$("$TIMS" centre rotate-key "$C" bundle --overlap-days 7 2>&1)
t_eq "centre rotate-key bundle" 0 $?
out2=$("$TIMS" centre rotate-key "$C" cosigner --overlap-days 0 2>&1)
t_eq "centre rotate-key cosigner" 0 $?
t_ok "new keys, the old secrets overwritten" test "$(cat "$C/bundle.vkey")" != "$(cat "$T_TMP/bundle.old.vkey")" \
	-a "$(cat "$C/cosign.vkey")" != "$(cat "$T_TMP/cosign.old.vkey")" -a "$(cat "$C/bundle.skey")" != "$(cat "$T_TMP/bundle.old.skey")"
t_eq "two announcements kept for the posts" "0001-bundle.note 0002-cosigner.note" "$(ls "$C/keys" | tr '\n' ' ' | sed 's/ $//')"
vn=$("$TIMS" tlog verify-note --key "$T_TMP/bundle.old.vkey" --key "$C/bundle.vkey" "$C/keys/0001-bundle.note" 2>&1 >/dev/null)
t_eq "the bundle key's announcement is signed by the old key and the new one" 2 "$(grep -c "signed by" <<<"$vn")"
t_match "the rotation is audited at the centre" "cli.centre.rotate-key" \
	"$(cli_as "$C" auditor "$TIMS" audit list --centre "$C" --json 2>&1 | grep cli.centre.rotate-key | head -1)"

# ---- the post follows with sync ----
head -3 tests/data/screen/persons.csv >"$T_TMP/fewer.csv"
cli_as "$C" analyst "$TIMS" watchlist import --store "$C/watchlists" --list wanted --kind persons \
	--replace "$T_TMP/fewer.csv" >/dev/null 2>&1 || echo "# version 2 failed" # bundled with the new key only
imp rc-2
start_centre
start_node
t_ok "the post follows the announcement: it pins the new bundle key" \
	until_ok 15 sh -c "cmp -s '$C/bundle.vkey' '$P/centre/bundle.vkey' && cmp -s '$C/cosign.vkey' '$P/centre/cosign.vkey'"
t_ok "and keeps the old one with its overlap" grep -q "^until " "$P/centre/bundle.prev"
t_ok "a bundle signed by the new key alone is applied (version 2)" until_ok 15 sh -c "[ \"\$(sqlite3 '$P/bundles.db' \"SELECT version FROM held WHERE list = 'wanted'\")\" = 2 ]"
t_ok "the centre's cosignature under the new key is kept" until_ok 15 sh -c "[ \"\$(sqlite3 '$P/post.db' \"SELECT max(size) FROM cosigned WHERE cosigner = 'tims-centre'\")\" = 2 ]"
t_ok "it verifies with the new cosigner key" cosig_ok "$C/cosign.vkey"
t_status 1 "and not with the old one" cosig_ok "$T_TMP/cosign.old.vkey"
stop_node

# ---- an offline post, by hand: the announcement, then the overlap ----
t_match "offline: a bundle of the new key before the announcement is refused" "refused" \
	"$(cli_as "$C" admin "$TIMS" centre bundle "$C" --list wanted --out "$T_TMP/new.bundle" >/dev/null 2>&1;
	   "$TIMS" post apply-bundle "$P2" "$T_TMP/new.bundle" 2>&1)"
t_match "offline: the announcement carried by hand is followed" "followed to its successor" \
	"$("$TIMS" post apply-bundle "$P2" "$C/keys/0001-bundle.note" 2>&1)"
t_ok "offline: then the bundle of the new key is applied" "$TIMS" post apply-bundle "$P2" "$T_TMP/new.bundle"
t_ok "offline: during the overlap a bundle signed by the old key is still taken" \
	"$TIMS" post apply-bundle "$P2" "$T_TMP/early.bundle"
sed -i 's/^until .*/until 1/' "$P2/centre/bundle.prev"   # the overlap is over
t_match "offline: after the overlap a bundle of the old key is refused" "refused: .*not signed|refused" \
	"$("$TIMS" post apply-bundle "$P2" "$T_TMP/late.bundle" 2>&1)"

# ---- another centre of the same name: its bundles and its announcements ----
"$TIMS" centre init "$A" --name tims-centre >/dev/null
cli_bootstrap "$A"
cli_as "$A" analyst "$TIMS" watchlist import --store "$A/watchlists" --list wanted --kind persons \
	tests/data/screen/persons.csv >/dev/null 2>&1
cli_as "$A" admin "$TIMS" centre bundle "$A" --list wanted --out "$T_TMP/forged.bundle" >/dev/null 2>&1
t_match "a bundle signed by an unannounced key is refused" "refused: .*(not signed|no signature by a known key)" \
	"$("$TIMS" post apply-bundle "$P" "$T_TMP/forged.bundle" 2>&1)"
"$TIMS" centre rotate-key "$A" bundle >/dev/null 2>&1
t_match "an announcement from a key the post does not pin is refused" "refused: .*not the one this post holds" \
	"$("$TIMS" post apply-bundle "$P" "$A/keys/0001-bundle.note" 2>&1)"
# a stolen old bundle key signs a new key of the thief's: not an announcement the post follows
t_eq "the post still pins the centre's new bundle key" "$(cat "$C/bundle.vkey")" "$(cat "$P/centre/bundle.vkey")"
t_match "the centre's own announcement again: already followed" "already the successor" \
	"$("$TIMS" post apply-bundle "$P" "$C/keys/0001-bundle.note" 2>&1)"

t_end
