# screen.sh — `tims screen pairs` as an analyst meets it: scores, reasons,
# labelled evaluation, and clear refusals of hostile input.
. tests/e2e/lib.sh

pairs() { printf '%s\n' "$@" | "$TIMS" screen pairs; }

out=$(pairs '{"a":"Müller, Jürgen","b":"MUELLER<<JUERGEN"}')
t_match "umlauts and the MRZ form match" '"match":true' "$out"
t_match "the input object is echoed with a score" '^\{"a":"Müller, Jürgen","b":"MUELLER<<JUERGEN","score":1(\.0)?,' "$out"

out=$(printf '%s\n' '{"a":"Щербаков Юрий","b":"SCHTSCHERBAKOW JURI"}' | "$TIMS" screen pairs --explain)
t_match "German transliteration of Cyrillic matches" '"match":true' "$out"
t_match "--explain gives reasons" '"reasons":\[".*SCHTSCHERBAKOW' "$out"

out=$(pairs '{"a":"John Smith","b":"John Smith","dob_a":"1980-03-14","dob_b":"1962-11-02"}')
t_match "identical names with dates 18 years apart do not match" '"match":false' "$out"

out=$(pairs '{"a":"John Smith","b":"John Smith","dob_a":"1980-03-14","dob_b":"1962-11-02"}' | grep -o '"score":[0-9.]*')
t_match "the score is a number from 0 to 1" '"score":0\.[0-9]+' "$out"

out=$(printf '%s\n' '{"a":"Bill Gates","b":"William Henry Gates"}' | "$TIMS" screen pairs --threshold 0.99)
t_match "--threshold changes the decision" '"match":false' "$out"

# hostile input: each refused with the line and the field, others still scored
big=$(head -c 300 /dev/zero | tr '\0' 'A')
bad=$(printf '%s\n' '{"a":"Ann Lee","b":"Ann Lee"}' "{\"a\":\"$big\",\"b\":\"x\"}" \
	'{"a":"Smith\u0007","b":"x"}' '{"a":"Smith","b":"Smyth","dob_a":"1980-02-30"}' \
	'not json' '{"b":"x"}' '{"a":"Ann Lee","b":"Ann Lee"}')
out=$(printf '%s\n' "$bad" | "$TIMS" screen pairs 2>"$T_TMP/err"); rc=$?
err=$(cat "$T_TMP/err")
t_eq "bad lines make the exit status 1" 1 "$rc"
t_eq "good lines around bad ones are still scored" 2 "$(printf '%s\n' "$out" | grep -c '"match":true')"
t_match "a huge name is refused naming the field" 'line 2: a: 300 bytes, at most 256 allowed' "$err"
t_match "a control character is refused with its byte" 'line 3: a: control character U\+0007 at byte 5' "$err"
t_match "an impossible date is refused" 'line 4: dob_a: day .30. is not between 1 and 29' "$err"
t_match "malformed JSON is refused with the line" 'line 5: JSON: ' "$err"
t_match "a missing name is refused" 'line 6: a: missing' "$err"
t_eq "every input line gets one answer, in order" 7 "$(printf '%s\n' "$out" | grep -c .)"
t_match "a bad line is answered with its number and the error" '^\{"a":"Smith\\u0007","b":"x","line":3,"error":"a: control character U\+0007 at byte 5"\}$' "$(printf '%s\n' "$out" | sed -n 3p)"
t_match "a line that is not JSON is answered with its number and the error" '^\{"line":5,"error":"JSON: ' "$(printf '%s\n' "$out" | sed -n 5p)"
t_match "the lines after a bad one keep their place" '^\{"a":"Ann Lee","b":"Ann Lee","score":1\.0,"match":true\}$' "$(printf '%s\n' "$out" | sed -n 7p)"

# OCR confusions in names: 0 1 2 5 6 8 for O I/L Z S G B are read as the letters
out=$(printf '%s\n' '{"a":"J0HN SM1TH","b":"JOHN SMITH"}' '{"a":"5ARA 8ERG","b":"Berg, Sara"}' \
	'{"a":"R3D3","b":"JOHN"}' | "$TIMS" screen pairs --explain 2>/dev/null)
t_eq "names with OCR digits: each line answered" 3 "$(printf '%s\n' "$out" | grep -c .)"
t_match "J0HN SM1TH is matched with JOHN SMITH" '^\{"a":"J0HN SM1TH","b":"JOHN SMITH","score":1\.0,"match":true,' "$(printf '%s\n' "$out" | sed -n 1p)"
t_match "... and the reason says how it was read" "SM1TH: digit 1 read as I \\(OCR" "$out"
t_match "5ARA 8ERG is matched with Berg, Sara" '"match":true' "$(printf '%s\n' "$out" | sed -n 2p)"
t_match "a digit no letter looks like is still refused, with an answer" '"line":3,"error":"a: digit at byte 1; a name has none"' "$(printf '%s\n' "$out" | sed -n 3p)"
printf 'Sm\303\050th' > "$T_TMP/bad8"
out=$( { printf '{"a":"'; cat "$T_TMP/bad8"; printf '","b":"x"}\n'; } | "$TIMS" screen pairs 2>&1)
t_match "invalid UTF-8 is refused" 'line 1: ' "$out"

# the labelled evaluation set runs and reports every kind
out=$("$TIMS" screen pairs --eval tests/data/screen/pairs.jsonl)
t_match "the evaluation reports F1 overall" '^overall +[0-9]+ +precision [01]\.[0-9]+ +recall [01]\.[0-9]+ +F1 [01]\.[0-9]+' "$(printf '%s\n' "$out" | grep '^overall')"
for k in translit-cyrillic translit-greek translit-arabic translit-persian albanian turkish german-diacritics typo order missing-part nickname hard-negative-dob family different-person; do
	t_match "the evaluation has the kind $k" "^$k " "$out"
done
t_status 2 "screen pairs on a missing file is an I/O error" "$TIMS" screen pairs /nonexistent/pairs.jsonl
t_status 2 "an unknown option is a usage error" "$TIMS" screen pairs --frobnicate

# --- watchlists: import, list, remove, and screening against them ---------
S="$T_TMP/store"
D=tests/data/screen
out=$("$TIMS" watchlist import --store "$S" --list interpol --kind persons "$D/persons.csv")
t_match "persons import reports what it stored" '^list interpol \(persons\) version 1: 7 rows, 7 stored' "$out"
t_ok "documents import (JSON Lines)" "$TIMS" watchlist import --store "$S" --list sltd --kind documents "$D/documents.jsonl"
t_ok "vehicles import" "$TIMS" watchlist import --store "$S" --list cars --kind vehicles "$D/vehicles.csv"
out=$("$TIMS" watchlist import --store "$S" --list interpol --kind persons "$D/persons.csv")
t_match "re-importing the same file changes nothing" 'version 1: 7 rows, 0 stored, 7 unchanged' "$out"

err=$("$TIMS" watchlist import --store "$S" --list bad --kind persons "$D/persons-bad.csv" 2>&1); rc=$?
t_eq "a file with bad rows is refused (all or nothing)" 1 "$rc"
t_match "each bad row is named with its line and field" 'persons-bad.csv:3: dob: day .30. is not between 1 and 29' "$err"
t_match "a bad alert kind is named" "persons-bad.csv:5: alert: 'arrest' is not one of" "$err"
t_match "an unterminated quote is named" 'persons-bad.csv:8: unterminated quoted field' "$err"
t_match "the refusal says nothing was imported" 'nothing was imported' "$err"
t_eq "all or nothing: the list does not exist" "" "$("$TIMS" watchlist list --store "$S" | awk '$1=="bad"')"
out=$("$TIMS" watchlist import --store "$S" --list bad --kind persons --skip-bad "$D/persons-bad.csv" 2>/dev/null)
t_match "--skip-bad stores the good rows" '7 rows, 2 stored, .* 5 bad skipped' "$out"
t_ok "--dry-run of a good file" "$TIMS" watchlist import --store "$S" --list x --kind persons --dry-run "$D/persons.csv"
t_status 1 "--dry-run of a bad file fails" "$TIMS" watchlist import --store "$S" --list x --kind persons --dry-run "$D/persons-bad.csv"
printf 'ref,name,alert\nC1,Ctrl\001Char,wanted\n' > "$T_TMP/ctl.csv"
t_match "a control character in a name is refused with its byte" 'ctl.csv:2: name: control character U\+0001 at byte 4' \
	"$("$TIMS" watchlist import --store "$S" --list c --kind persons "$T_TMP/ctl.csv" 2>&1)"
t_match "an unknown column is refused" "column 'nationalty' is not a field" \
	"$(printf 'ref,name,nationalty,alert\n' > "$T_TMP/h.csv"; "$TIMS" watchlist import --store "$S" --list h --kind persons "$T_TMP/h.csv" 2>&1)"

out=$("$TIMS" watchlist list --store "$S")
t_match "list shows the persons list with its version and count" 'interpol +persons +1 +7 +0' "$out"
t_match "list --list prints entries as JSON Lines" '"ref":"P-001"' "$("$TIMS" watchlist list --store "$S" --list interpol)"
t_match "stats loads the index" '"persons": 9' "$("$TIMS" watchlist stats --store "$S")"

out=$("$TIMS" screen query --store "$S" --dob 1971 "Schtscherbakow, Juri")
t_match "query: a German spelling of a listed Russian name is a hit" '"ref": "P-001"' "$out"
t_match "query: the hit explains itself" 'SCHTSCHERBAKOW|Schtscherbakow' "$out"
out=$("$TIMS" screen query --store "$S" --dob 1990-05-05 "John Smith")
t_match "query: the listed common name with another date of birth is no hit" '"hits": \[\]' "$out"
out=$("$TIMS" screen query --store "$S" "MOHAMED AL KHALIFI")
t_match "query: a discreet-check hit is flagged discreet" '"discreet": true' "$out"
t_status 1 "query: a name with a digit is refused" "$TIMS" screen query --store "$S" "R3D3"

out=$("$TIMS" screen traveller --store "$S" --mrz "$D/traveller-td3.mrz" --plate "b-ab 1234" --today 2010-01-01)
t_match "traveller: the stolen document is a hit" '"ref": "D-1"' "$out"
t_match "traveller: the holder is a hit" '"ref": "P-007"' "$out"
t_match "traveller: the stolen car is a hit (spaces, dashes, case ignored)" '"ref": "V-1"' "$out"
t_status 1 "traveller: text that is no MRZ is refused" "$TIMS" screen traveller --store "$S" --mrz "$D/persons.csv"
# at the booth: an MRZ whose name was read with digits (ER1K55ON) is
# invalid, but its holder is still screened and found
printf '%s\n%s\n' 'P<UTOER1K55ON<<ANNA<MAR1A<<<<<<<<<<<<<<<<<<<' "$(sed -n 2p "$D/traveller-td3.mrz")" >"$T_TMP/ocr.mrz"
out=$("$TIMS" screen traveller --store "$S" --mrz "$T_TMP/ocr.mrz" --today 2010-01-01)
t_match "traveller: the MRZ with digits in the name is not valid" '"valid": false' "$out"
t_match "traveller: ... its holder ER1K55ON is still a hit (ERIKSSON)" '"ref": "P-007"' "$out"
t_match "traveller: ... the hit says how the name was read" "ER1K55ON: digit 1 read as I, digit 5 read as S \\(OCR" "$out"

out=$("$TIMS" watchlist remove --store "$S" --list interpol --ref P-007)
t_match "remove an entry: the version goes up" 'list interpol version 2: 1 removed' "$out"
out=$("$TIMS" screen traveller --store "$S" --mrz "$D/traveller-td3.mrz" --today 2010-01-01)
t_match "a removed entry is no longer a hit" '"person": \{[^}]*"hits": \[\]' "$(printf '%s' "$out" | tr -d '\n')"
t_status 1 "removing it again: not found" "$TIMS" watchlist remove --store "$S" --list interpol --ref P-007
t_status 2 "a store that does not exist is an error" "$TIMS" screen query --store "$T_TMP/none" "John Smith"
t_end
