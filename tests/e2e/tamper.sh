# tamper.sh — nothing can be silently changed or deleted (G3). Each case
# changes a copy of a post behind the program's back with the sqlite3 CLI
# (dropping the append-only triggers first, as an intruder would), and
# `tims log verify` must exit 1 naming the record or checkpoint.
. tests/e2e/lib.sh

B=$T_TMP/base
"$TIMS" post init "$B" --origin example.org/post/tamper >/dev/null
cli_bootstrap "$B"
gen() { # FIRST LAST: JSON lines
	awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i <= b; i++)
		printf "{\"id\":\"t-%d\",\"direction\":\"%s\",\"officer\":\"O1\",\"booth\":\"B1\",\"person\":{\"number\":\"N%d\",\"surname\":\"TRAVELLER%d\"}}\n", i, (i % 2 ? "exit" : "entry"), i, i }'
}
gen 0 19 | cli_as "$B" supervisor "$TIMS" cross import --post "$B" - >/dev/null 2>&1
gen 20 29 | cli_as "$B" supervisor "$TIMS" cross import --post "$B" - >/dev/null 2>&1
cp "$B/post.db" "$T_TMP/old.db"      # a backup taken at 30 records
gen 30 49 | cli_as "$B" supervisor "$TIMS" cross import --post "$B" - >/dev/null 2>&1
t_eq "the base post holds 50 records" 50 "$(sqlite3 "$B/post.db" 'SELECT count(*) FROM records')"
t_ok "an untouched post verifies (exit 0)" "$TIMS" log verify --post "$B"
refused() { ! sqlite3 "$B/post.db" "$1" 2>/dev/null; }
t_ok "the triggers refuse a plain DELETE" refused "DELETE FROM records WHERE idx = 3"
t_ok "the triggers refuse a plain UPDATE" refused "UPDATE hashes SET hash = zeroblob(32) WHERE id = 0"

UNLOCK="DROP TRIGGER records_no_delete; DROP TRIGGER records_no_update;
DROP TRIGGER hashes_no_delete; DROP TRIGGER hashes_no_update;
DROP TRIGGER checkpoints_no_delete; DROP TRIGGER checkpoints_no_update;"
n=0
# tamper NAME EXPECTED-REGEX SQL: apply SQL to a fresh copy, verify.
tamper() {
	n=$((n + 1))
	local W=$T_TMP/w$n out rc
	cp -r "$B" "$W"
	sqlite3 "$W/post.db" "$UNLOCK $3" || { t_report fail "$1: sqlite3 failed"; return; }
	out=$("$TIMS" log verify --post "$W" 2>&1); rc=$?
	t_eq "$1: verify exits 1" 1 "$rc"
	t_match "$1: named" "$2" "$out"
}

# Records are sealed (docs/formats.md, "The vault"): a byte changed in one
# does not open.
tamper "a field changed (a byte of record 17)" \
	'^record 17: its sealed record does not open \(altered, or moved from another row\)$' \
	"UPDATE records SET body = CAST(substr(body, 1, 1) || x'01' || substr(body, 3) AS BLOB) WHERE idx = 17"
tamper "a record deleted (23)" \
	'^record 23 missing: the log goes from record 22 to 24 \(deleted\)$' \
	"DELETE FROM records WHERE idx = 23"
tamper "two records swapped (5 and 9)" \
	'^record 5: out of order: it was logged at index 9 \(records swapped or reordered\)$' \
	"UPDATE records SET idx = -1 WHERE idx = 5; UPDATE records SET idx = 5 WHERE idx = 9;
	 UPDATE records SET idx = 9 WHERE idx = -1"
tamper "the last records deleted (47-49)" \
	'^record 47 missing: log has 47 records but checkpoint [0-9]+ signs size 50 \(deleted or rolled back\)$' \
	"DELETE FROM records WHERE idx >= 47"
tamper "a lookup column changed (document of record 12)" \
	'^record 12: its lookup columns .* differ from the record \(altered\)$' \
	"UPDATE records SET doc = 'N99' WHERE idx = 12"
tamper "a stored hash altered" \
	'^stored hash 2: does not match the tree rebuilt from the records' \
	"UPDATE hashes SET hash = zeroblob(32) WHERE id = 2"
tamper "a logged leaf hash replaced (record 30)" \
	'^record 30: not the record logged at its index' \
	"UPDATE hashes SET hash = zeroblob(32) WHERE id = 56"
tamper "a checkpoint signature altered" \
	'^checkpoint [0-9]+: signature does not verify with post.vkey \(altered\)' \
	"UPDATE checkpoints SET note = substr(note, 1, length(note) - 12) || 'AAAAAAAAAA' || substr(note, length(note) - 1) WHERE size = 20"
tamper "the checkpoint table emptied" \
	'^checkpoints rolled back: the checkpoint file signs size 50 but post.db.s latest checkpoint is size 0$' \
	"DELETE FROM checkpoints"

# Rolled back to the backup: internally consistent, caught by the
# checkpoint kept outside post.db.
R=$T_TMP/rollback
cp -r "$B" "$R"
rm -f "$R/post.db-wal" "$R/post.db-shm"
cp "$T_TMP/old.db" "$R/post.db"
out=$("$TIMS" log verify --post "$R" 2>&1)
t_eq "rollback to an older copy: verify exits 1" 1 "$?"
t_match "rollback: named" '^record 30 missing: log has 30 records but the checkpoint file outside post.db signs size 50 \(deleted or rolled back\)$' "$out"
t_status 1 "rollback: the post refuses to append on the old copy" cli_as "$R" officer "$TIMS" cross --post "$R" \
	--doc-number A1 --surname A --direction entry --booth B1
t_match "rollback: the refusal says why" 'post.db holds 30 records but the post published a checkpoint of 50' \
	"$(cli_as "$R" officer "$TIMS" cross --post "$R" --doc-number A1 --surname A --direction entry --booth B1 2>&1)"
t_ok "the base post still verifies after all this" "$TIMS" log verify --post "$B"
t_end
