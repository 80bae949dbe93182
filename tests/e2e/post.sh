# post.sh — a post's back office as an officer meets it: init, one crossing
# (fields and MRZ), bad input refused with nothing stored, corrections,
# JSON Lines import with per-line acks and errors, idempotent re-import,
# history with the stay rule, on-demand checkpoints, verification.
. tests/e2e/lib.sh

P=$T_TMP/post
size() { sqlite3 "$P/post.db" 'SELECT count(*) FROM records'; }

t_ok "post init creates a post" "$TIMS" post init "$P" --origin example.org/post/e2e --kind port
for f in post.db post.skey post.vkey config checkpoint stay-regimes.conf; do
	t_ok "post init: $f exists" test -f "$P/$f"
done
t_eq "post init: the secret key is mode 0600" "600" "$(stat -L -c %a "$P/post.skey")"
t_status 2 "post init refuses an existing post" "$TIMS" post init "$P"
t_match "post init names what exists" 'already holds a post' "$("$TIMS" post init "$P" 2>&1)"
cli_bootstrap "$P"

out=$(cli_as "$P" officer "$TIMS" cross --post "$P" --doc-number L898902C3 --surname ERIKSSON --given-names ANNA \
	--nationality UTO --direction entry --booth B1 --vehicle-plate "AB 123" --role driver 2>&1)
t_match "cross prints the index and leaf hash once durable" '^index 0 leaf [0-9a-f]{64}$' "$out"
printf 'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n' >"$T_TMP/mrz"
out=$(cli_as "$P" officer "$TIMS" cross --post "$P" --mrz "$T_TMP/mrz" --direction exit --booth B2 --json 2>&1)
t_match "cross --mrz reads the traveller from the MRZ" '^\{"index":1,"leaf_hash":"[0-9a-f]{64}","duplicate":false\}$' "$out"
# post.db keeps the record sealed (docs/formats.md, "The vault"): read back
# through the program, found by the document's blind index.
t_match "cross --mrz: the MRZ fields are stored" '"index":1,"record":\{[^}]*"person":\{[^}]*"issuer":"UTO","nationality":"UTO","number":"L898902C3"' \
	"$(cli_as "$P" officer "$TIMS" history --post "$P" L898902C3 --json 2>&1 | tr -d '\n')"
t_match "cross --mrz: post.db keeps the document as a blind index, not in clear" '^[0-9a-f]{64}$' \
	"$(sqlite3 "$P/post.db" 'SELECT doc FROM records WHERE idx = 1')"

n=$(size)
t_status 1 "cross: a bad direction is refused" cli_as "$P" officer "$TIMS" cross --post "$P" --doc-number X1 --surname A \
	--direction sideways --booth B1
t_match "cross: the error names the field" 'direction: must be entry or exit; nothing recorded' \
	"$(cli_as "$P" officer "$TIMS" cross --post "$P" --doc-number X1 --surname A --direction sideways --booth B1 2>&1)"
t_match "cross: a refusal needs its code" 'refusal_codes: a refusal needs one or more codes' \
	"$(cli_as "$P" officer "$TIMS" cross --post "$P" --doc-number X1 --surname A --direction entry --booth B1 --decision refuse 2>&1)"
t_match "cross: a bad birth date is named" 'manual.birth_date: no such date 1990-02-30' \
	"$(cli_as "$P" officer "$TIMS" cross --post "$P" --doc-number X1 --surname A --direction entry --booth B1 --birth-date 1990-02-30 2>&1)"
printf 'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<19\n' >"$T_TMP/badmrz"
t_status 1 "cross: an MRZ with a wrong check digit is not admitted" cli_as "$P" officer "$TIMS" cross --post "$P" --mrz "$T_TMP/badmrz" \
	--direction entry --booth B1
t_match "cross: a backdated crossing is refused (the skew of the post's clock)" 'crossed_at: .*paper import' \
	"$(cli_as "$P" officer "$TIMS" cross --post "$P" --doc-number X1 --surname A --direction entry --booth B1 --crossed-at 1970-01-01T00:00:00Z 2>&1)"
t_match "cross: a screening of the caller's is not taken" '\-\-screening: not taken here' \
	"$(cli_as "$P" officer "$TIMS" cross --post "$P" --doc-number X1 --surname A --direction entry --booth B1 --screening "no hits" 2>&1)"
t_eq "cross: nothing stored for refused input" "$n" "$(size)"

out=$(cli_as "$P" officer "$TIMS" cross --post "$P" --doc-number X1 --surname A --direction entry --booth B1 --decision refuse:E 2>&1)
t_match "cross: a refusal with its code is recorded" '^index 2 ' "$out"
# A correction is a file import line (tims cross import), not a booth's.
t_match "cross --corrects: not a booth's, pointed at the import" '\-\-corrects: not taken here: a correction is a file import line' \
	"$(cli_as "$P" officer "$TIMS" cross --post "$P" --doc-number A1 --surname A --direction entry --booth B1 --corrects 0 --reason x 2>&1)"
out=$(printf '{"id":"corr-1","direction":"entry","officer":"O2","booth":"B1","person":{"number":"L898902C3","surname":"ERIKSSON","nationality":"UTO"},"corrects":0,"reason":"wrong booth"}\n' |
	cli_as "$P" supervisor "$TIMS" cross import --post "$P" - 2>&1)
t_match "import --corrects: a correction is a new record" '^ack 1 3 ' "$out"
t_match "import --corrects: a missing record is refused" 'corrects: no record 99 in this log' \
	"$(printf '{"direction":"entry","officer":"O1","booth":"B1","person":{"number":"A1","surname":"A"},"corrects":99,"reason":"x"}\n' | cli_as "$P" supervisor "$TIMS" cross import --post "$P" - 2>&1)"
t_match "import: a line that claims a screening is refused" 'screen_status: a file import is not screened' \
	"$(printf '{"direction":"entry","officer":"O1","booth":"B1","person":{"number":"A1","surname":"A"},"screen_status":"done"}\n' | cli_as "$P" supervisor "$TIMS" cross import --post "$P" - 2>&1)"

# Import: good lines, and every kind of bad line.
big=$(head -c 70000 /dev/zero | tr '\0' 'A')
cat >"$T_TMP/in.jsonl" <<JSONL
{"id":"imp-1","direction":"entry","officer":"O3","booth":"B4","person":{"number":"P100","surname":"DOE","nationality":"USA"},"crossed_at":"2024-01-01T10:00:00Z"}
{"id":"imp-2","direction":"exit","officer":"O3","booth":"B4","person":{"number":"P100","surname":"DOE","nationality":"USA"},"crossed_at":"2024-03-30T10:00:00Z"}
{"id":"imp-3","direction":"entry","officer":"O3","booth":"B4","person":{"number":"P100","surname":"DOE","nationality":"USA"},"crossed_at":"2024-05-01T10:00:00Z"}
{"id":"bad-1","direction":"entry","officer":"O3","booth":"B4","person":{"number":"P101","surname":"ROE"},"colour":"red"}
{"id":"bad-2","direction":"entry","officer":"O3","booth":"B4","person":{"number":"P101","surname":"ROE"}
{"id":"bad-3","direction":"entry","officer":"O3","booth":7,"person":{"number":"P101","surname":"ROE"}}
{"id":"bad-4","direction":"entry","officer":"O3","booth":"B4","person":{"number":"P101","surname":"ROE","birth_date":"2001-02-29"}}
{"id":"bad-5","direction":"entry","officer":"O3","booth":"B4","decision":"wave-through","person":{"number":"P101","surname":"ROE"}}
{"id":"bad-6","remarks":"$big"}

{"id":"imp-4","direction":"exit","officer":"O3","booth":"B4","person":{"number":"P200","surname":"ROE"}}
JSONL
n=$(size)
out=$(cli_as "$P" supervisor "$TIMS" cross import --post "$P" "$T_TMP/in.jsonl" 2>"$T_TMP/err")
rc=$?
err=$(cat "$T_TMP/err")
t_eq "import: exit 1 when some lines were refused" 1 "$rc"
t_eq "import: one ack per good line, in order" "ack 1 $n
ack 2 $((n + 1))
ack 3 $((n + 2))
ack 11 $((n + 3))" "$(printf '%s\n' "$out" | cut -d' ' -f1-3)"
t_match "import: acks carry the leaf hash" '^ack 1 [0-9]+ [0-9a-f]{64}$' "$(printf '%s\n' "$out" | head -1)"
t_match "import: unknown field named with its line" 'line 4: colour: unknown field' "$err"
t_match "import: malformed JSON named with its line" 'line 5: not JSON' "$err"
t_match "import: wrong type named" 'line 6: booth: must be a string' "$err"
t_match "import: invalid date named" 'line 7: person.birth_date: no such date 2001-02-29' "$err"
t_match "import: invalid decision named" 'line 8: decision: must be admit, refuse or second-line' "$err"
t_match "import: oversized line refused" 'line 9: longer than 65536 bytes' "$err"
t_eq "import: only the good lines were stored" "$((n + 4))" "$(size)"
out=$(cli_as "$P" supervisor "$TIMS" cross import --post "$P" "$T_TMP/in.jsonl" 2>/dev/null)
t_eq "import again: nothing is stored twice" "$((n + 4))" "$(size)"
t_match "import again: retries are acknowledged as duplicates" "^ack 1 $n [0-9a-f]{64} duplicate$" "$(printf '%s\n' "$out" | head -1)"
printf '{"id":"imp-1","direction":"exit","officer":"O3","booth":"B4","person":{"number":"P100","surname":"DOE"}}\n' |
	cli_as "$P" supervisor "$TIMS" cross import --post "$P" - >/dev/null 2>"$T_TMP/err"
t_match "import: an id reused for other content is refused" "line 1: id: 'imp-1' is already record $n with different content" "$(cat "$T_TMP/err")"

out=$(cli_as "$P" officer "$TIMS" history --post "$P" P100 --on 2024-05-10)
t_match "history lists the document's crossings" 'document P100: 3 crossings' "$out"
t_match "history: stay used 90 + 10 days, overstay counted" 'used 100, left 0, overstay 10' "$out"
out=$(cli_as "$P" officer "$TIMS" history --post "$P" P100 --on 2024-05-10 --json)
t_eq "history --json: the stay as numbers" "100 0 10 true" "$(printf '%s' "$out" | jq -r '.stay | "\(.used) \(.left) \(.overstay) \(.in_country)"')"
out=$(cli_as "$P" officer "$TIMS" history --post "$P" L898902C3)
t_match "history: a corrected record is marked" 'corrected by 3' "$out"
printf 'default short-stay 90 180\nexempt USA\n' >"$P/stay-regimes.conf"
t_match "history: regimes per nationality from the post's config" 'exempt' "$(cli_as "$P" officer "$TIMS" history --post "$P" P100 --on 2024-05-10)"

out=$("$TIMS" log checkpoint --post "$P")
t_match "log checkpoint prints a signed C2SP checkpoint" "^example.org/post/e2e
$(size)
[A-Za-z0-9+/=]{44}

— example.org/post/e2e " "$out"
t_ok "log verify: an untouched post verifies" "$TIMS" log verify --post "$P"
t_match "log verify says ok" 'records \(0 erased\), [0-9]+ checkpoints .*: ok$' "$("$TIMS" log verify --post "$P")"
t_status 2 "log verify: a missing post is an error" "$TIMS" log verify --post "$T_TMP/nope"
t_end
