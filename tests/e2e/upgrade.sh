# upgrade.sh — stores made by the release before this one (460afaf, before
# every database recorded its schema version; tests/data/upgrade/460afaf)
# opened by this build: migrated in place (centre.db, the officer stores,
# post.db's search by name),
# the logs verified against their checkpoints, the checkpoints against the
# cosignatures kept, officers logged in, a crossing registered after the
# upgrade; a database of a newer schema refused with a clear error.
. tests/e2e/lib.sh

tar -C "$T_TMP" -xJf tests/data/upgrade/460afaf/stores.tar.xz
U=$T_TMP/tims-upgrade-460afaf
P=$U/post C=$U/centre W=$U/witness
# The token moved with the stores: SoftHSM2 and each vault.conf are pointed
# at the copy (as an operator does who moves a token's PIN file).
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n' \
	"$U/token" >"$U/token/softhsm2.conf"
export SOFTHSM2_CONF=$U/token/softhsm2.conf
sed -i "s|/tmp/tims-upgrade-460afaf/|$U/|" "$P/vault.conf" "$C/vault.conf"
TIMS_TOKEN=$(sed -n 's/^token //p' "$P/vault.conf")
export TIMS_TOKEN
uv() { sqlite3 "$1" 'PRAGMA user_version'; }
PW="upgrade password 1"

t_eq "the old centre.db and officer stores carry no schema version" "0 0 0" \
	"$(uv "$C/centre.db") $(uv "$C/node.db") $(uv "$P/node.db")"
out=$("$TIMS" log verify --post "$P" 2>&1)
t_eq "tims log verify passes on the old post (3 records, sealed)" 0 $?
t_ok "tims audit verify passes on the old post's audit log" "$TIMS" audit verify --post "$P"
out=$("$TIMS" centre verify "$C" 2>&1)
t_match "the old centre opens and its mirror of the post verifies" 'upgrade.example/post: 3 records, verified' "$out"
t_eq "centre.db is migrated to schema 1" 1 "$(uv "$C/centre.db")"

# An officer of the old post logs in and registers a crossing.
tok=$(printf '%s\n%s\n' "$PW" "$(oathtool --totp -b "$(cat "$U/p-officer.secret")")" |
	"$TIMS" login --post "$P" p-officer --print-token 2>/dev/null | tail -1)
t_match "an officer made by the old release logs in" '^[A-Za-z0-9_-]{43}$' "$tok"
t_eq "the post's officer store is migrated to schema 2 (officers.lang)" 2 "$(uv "$P/node.db")"
t_eq "... its officers keep no language of their own (the installation's)" "" \
	"$(sqlite3 "$P/node.db" "SELECT lang FROM officers WHERE id = 'p-officer'")"
t_eq "the post's and the centre's vault key stores are migrated to schema 1" "1 1" \
	"$(uv "$P/keys.db") $(uv "$C/keys.db")"
out=$(TIMS_SESSION=$tok "$TIMS" cross --post "$P" --doc-number U7654321 --surname AFTER --given-names ANNA \
	--nationality BGR --direction entry --booth B1 2>&1)
t_match "a crossing registered after the upgrade continues the old log" '^index 3 leaf [0-9a-f]{64}$' "$out"
out=$("$TIMS" log verify --post "$P" 2>&1)
t_eq "tims log verify passes with the new crossing" 0 $?
t_eq "post.db is migrated to schema 3 (the search by name)" 3 "$(uv "$P/post.db")"
out=$(TIMS_SESSION=$tok "$TIMS" history search --post "$P" --surname Upgrade --given-names Anna \
	--purpose "upgrade check 1" 2>&1)
t_match "the old release's records are found by name (their keys made when first searched)" \
	'^1 found .* U1234567 +UPGRADE, ANNA .* 3 crossings' "$(printf '%s' "$out" | tr '\n' ' ')"

# The whole node checked as a restore checks it: logs, cosignatures kept
# (the centre's and the witness's, made by the old release), officers.
"$TIMS" backup "$P" --out "$T_TMP/bp" >/dev/null
# (--offline: the old release's centre and witness are not running here)
out=$("$TIMS" restore "$T_TMP/bp" --to "$T_TMP/rp" --offline 2>&1)
t_match "the upgraded post verifies whole (restore's checks)" 'restore: verified' "$out"
t_match "its cosignatures from the old centre and witness are over its own checkpoints" \
	'ok   cosignatures kept \(centre, witnesses\): [1-9][0-9]* over' "$out"
t_eq "the restored post's keys are links into the key directory beside it" \
	"../rp.keys/post.skey ../rp.keys/tls.key ../../rp.keys/centre/client.key 700" \
	"$(readlink "$T_TMP/rp/post.skey") $(readlink "$T_TMP/rp/tls.key")\
 $(readlink "$T_TMP/rp/centre/client.key") $(stat -c %a "$T_TMP/rp.keys")"
"$TIMS" backup "$W" --out "$T_TMP/bw" >/dev/null
out=$("$TIMS" restore "$T_TMP/bw" --to "$T_TMP/rw" 2>&1)
t_match "the old witness opens and its state matches what it cosigned" 'ok   witness.db: 1 logs' "$out"

# The old layout's keys (plain files in the directory, which the network
# process's Landlock rules grant) moved at the first start into W.keys,
# each left as a link (docs/security.md, "Key directory"); the witness
# still serves with them through its signer (TLS, a cosignature's key).
wsum=$(sha256sum "$W/witness.skey" "$W/tls.key" | cut -c1-64 | tr '\n' ' ')
t_eq "the old witness keeps its keys as plain files" "00" \
	"$([ -L "$W/witness.skey" ] && echo 1 || echo 0)$([ -L "$W/tls.key" ] && echo 1 || echo 0)"
"$TIMS" witness serve "$W" --listen 127.0.0.1:0 >"$T_TMP/w.out" 2>"$T_TMP/w.log" &
WPID=$!
wait_line "$T_TMP/w.out" 'listening on' 100
WURL=$(grep -o 'https://127\.0\.0\.1:[0-9]*' "$T_TMP/w.out")
t_eq "started, its keys are links into W.keys (0700), the same bytes" \
	"../witness.keys/witness.skey ../witness.keys/tls.key 700 $wsum" \
	"$(readlink "$W/witness.skey") $(readlink "$W/tls.key") $(stat -c %a "$W.keys") \
$(sha256sum "$W.keys/witness.skey" "$W.keys/tls.key" | cut -c1-64 | tr '\n' ' ')"
t_match "... and logged it" 'moved 2 key files into .*witness\.keys' "$(cat "$T_TMP/w.log")"
t_eq "... and it serves HTTPS with its moved TLS key (signed by the signer)" 200 \
	"$(curl -s -o /dev/null -w '%{http_code}' --cacert "$W/tls.crt" "$WURL/metrics")"
kill "$WPID" 2>/dev/null; wait "$WPID" 2>/dev/null

# A watchlist store of schema 1 (its documents found through the partial
# indexes entries_fp1/fp2 over the rows, before fp_main and fp_recent of
# docs/screening.md) opened by this build: migrated to schema 2 at its
# first open, the stolen document still a hit; removed, its tombstone in
# fp_recent masks it; imported again, it hits again.
WL=$T_TMP/wl1 MRZ=tests/data/screen/traveller-td3.mrz
"$TIMS" watchlist import --store "$WL" --list sltd --kind documents tests/data/screen/documents.jsonl >/dev/null
sqlite3 "$WL/watchlists.db" "DROP TABLE fp_main; DROP TABLE fp_recent;
	CREATE INDEX entries_fp1 ON entries(fp1) WHERE deleted_version IS NULL AND fp1 IS NOT NULL;
	CREATE INDEX entries_fp2 ON entries(fp2) WHERE deleted_version IS NULL AND fp2 IS NOT NULL;
	PRAGMA user_version = 1"
out=$("$TIMS" screen traveller --store "$WL" --mrz "$MRZ" --today 2010-01-01)
t_match "a watchlist store of schema 1: its stolen document is a hit after the migration" '"ref": "D-1"' "$out"
n=$(wc -l <tests/data/screen/documents.jsonl)
t_eq "... the store is schema 2, the partial indexes gone, fp_main made from its $n rows" "2 0 $n 0" \
	"$(uv "$WL/watchlists.db") $(sqlite3 "$WL/watchlists.db" "SELECT count(*) FROM sqlite_master WHERE
	name IN ('entries_fp1', 'entries_fp2'); SELECT count(*) FROM fp_main; SELECT count(*) FROM fp_recent" |
	tr '\n' ' ' | sed 's/ $//')"
"$TIMS" watchlist remove --store "$WL" --list sltd --ref D-1 >/dev/null
out=$("$TIMS" screen traveller --store "$WL" --mrz "$MRZ" --today 2010-01-01)
t_eq "... removed, D-1 is no hit (a tombstone in fp_recent over fp_main)" "0 1" \
	"$(printf '%s' "$out" | grep -c '"ref": "D-1"') $(sqlite3 "$WL/watchlists.db" 'SELECT count(*) FROM fp_recent WHERE live = 0')"
"$TIMS" watchlist import --store "$WL" --list sltd --kind documents tests/data/screen/documents.jsonl >/dev/null
out=$("$TIMS" screen traveller --store "$WL" --mrz "$MRZ" --today 2010-01-01)
t_match "... imported again, it is a hit again" '"ref": "D-1"' "$out"

# A database of a newer schema than this build knows is refused, untouched.
cp -a "$C" "$T_TMP/newer"
sqlite3 "$T_TMP/newer/centre.db" 'PRAGMA user_version = 99'
out=$("$TIMS" centre verify "$T_TMP/newer" 2>&1); rc=$?
t_eq "a centre.db of a newer schema is refused (exit 2)" 2 "$rc"
t_match "and the error says so" 'centre.db: schema version 99 was made by a newer TIMS \(this one knows up to 1\)' "$out"
t_eq "and it is left as it was" 99 "$(uv "$T_TMP/newer/centre.db")"
sqlite3 "$P/node.db" 'PRAGMA user_version = 99'
t_match "an officer store of a newer schema is refused" 'node.db: schema version 99 was made by a newer TIMS' \
	"$(printf '%s\n%s\n' "$PW" 000000 | "$TIMS" login --post "$P" p-officer 2>&1)"
cp -a "$P" "$T_TMP/newer-post"
sqlite3 "$T_TMP/newer-post/keys.db" 'PRAGMA user_version = 99'
out=$("$TIMS" log verify --post "$T_TMP/newer-post" 2>&1); rc=$?
t_match "a vault key store of a newer schema is refused, named" \
	'keys.db: schema version 99 was made by a newer TIMS' "$out"
t_eq "and it is left as it was" 99 "$(uv "$T_TMP/newer-post/keys.db")"
t_end
