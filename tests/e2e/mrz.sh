# mrz.sh — `tims mrz` as an officer's reader and other programs use it: the
# shipped specimens, JSON fields, exit codes 0/1/2, CRLF, lowercase, O for 0,
# and the input people throw at it (a megabyte of garbage, a huge line, NULs).
. tests/e2e/lib.sh
export TIMS_TODAY=2025-06-01
D=tests/data/mrz

# json_get FILE LINE EXPR: evaluate a Python expression on JSON line LINE (1-based).
json_get() {
	python3 -c 'import json,sys
docs=[json.loads(l) for l in open(sys.argv[1])]
d=docs[int(sys.argv[2])-1]
print(eval(sys.argv[3]))' "$@"
}

# --- the shipped specimens ----------------------------------------------
t_status 0 "valid specimens: exit 0" "$TIMS" mrz "$D/demo-valid.txt"
"$TIMS" mrz --json "$D/demo-valid.txt" >"$T_TMP/valid.json"
t_eq "valid specimens: one JSON object per document" 15 "$(grep -c . "$T_TMP/valid.json")"
t_eq "valid specimens: every one valid" "15" \
	"$(python3 -c 'import json,sys; print(sum(json.loads(l)["valid"] for l in open(sys.argv[1])))' "$T_TMP/valid.json")"
t_eq "formats found" "FRA_ID MRVA MRVB TD1 TD2 TD3" \
	"$(python3 -c 'import json,sys; print(" ".join(sorted({json.loads(l)["format"] for l in open(sys.argv[1])})))' "$T_TMP/valid.json")"
t_eq "TD3: surname" "ERIKSSON" "$(json_get "$T_TMP/valid.json" 1 'd["surname"]')"
t_eq "TD3: given names" "ANNA MARIA" "$(json_get "$T_TMP/valid.json" 1 'd["given_names"]')"
t_eq "TD3: birth date as printed and ISO" "740812 1974-08-12" \
	"$(json_get "$T_TMP/valid.json" 1 'd["birth_date"]["mrz"]+" "+d["birth_date"]["iso"]')"
t_eq "TD3: document number, state, nationality, sex" "L898902C3 UTO UTO F" \
	"$(json_get "$T_TMP/valid.json" 1 '" ".join([d["document_number"],d["issuing_state"],d["nationality"],d["sex"]])')"
t_eq "TD3: specimen and expired flags" "True True" \
	"$(json_get "$T_TMP/valid.json" 1 'str(d["specimen"])+" "+str(d["expired"])')"
t_eq "TD3: optional data (personal number)" "ZE184226B" "$(json_get "$T_TMP/valid.json" 1 'd["optional_data"]')"
t_eq "TD1: long document number joined" "D23145890734" "$(json_get "$T_TMP/valid.json" 3 'd["document_number"]')"
t_eq "French card: no expiry in the MRZ" "None FRA" \
	"$(json_get "$T_TMP/valid.json" 7 'str(d["expiry_date"])+" "+d["nationality"]')"
t_eq "German passport: D<< is D, not expired" "D False" \
	"$(json_get "$T_TMP/valid.json" 8 'd["issuing_state"]+" "+str(d["expired"])')"
t_eq "unknown day of birth: ISO year-month" "8507<< 1985-07" \
	"$(json_get "$T_TMP/valid.json" 10 'd["birth_date"]["mrz"]+" "+d["birth_date"]["iso"]')"
t_eq "emergency document: TD2 with code PU" "TD2 PU" \
	"$(json_get "$T_TMP/valid.json" 9 'd["format"]+" "+d["document_code"]')"
t_eq "every object has the documented keys" "ok" \
	"$(python3 -c 'import json,sys
keys={"format","valid","document_code","issuing_state","document_number","surname","given_names","nationality","birth_date","sex","expiry_date","optional_data","optional_data_2","errors","warnings","specimen","expired"}
print("ok" if all(keys <= set(json.loads(l)) for l in open(sys.argv[1])) else "missing")' "$T_TMP/valid.json")"
t_eq "TIMS_TODAY moves 'expired'" "True" \
	"$(TIMS_TODAY=2031-02-01 "$TIMS" mrz --json "$D/demo-valid.txt" >"$T_TMP/later.json"; json_get "$T_TMP/later.json" 8 'd["expired"]')"

t_status 1 "invalid specimens: exit 1" "$TIMS" mrz "$D/demo-invalid.txt"
"$TIMS" mrz --json "$D/demo-invalid.txt" >"$T_TMP/invalid.json"
t_eq "invalid specimens: none valid" "0" \
	"$(python3 -c 'import json,sys; print(sum(json.loads(l)["valid"] for l in open(sys.argv[1])))' "$T_TMP/invalid.json")"
while IFS='|' read -r n field msg; do
	t_eq "invalid #$n names $field" "$field: $msg" \
		"$(json_get "$T_TMP/invalid.json" "$n" '[e["field"]+": "+e["message"].split(": ",1)[1] for e in d["errors"] if e["field"]==sys.argv[4]][0]' "$field")"
done <<'EOF'
1|birth_date|check digit is 4, expected 2
2|birth_date|'O' at position 3 is not a digit (OCR confusion of 0?)
3|issuing_state|'ZZZ' is not an ICAO country code
4|expiry_date|29 February 2027 does not exist (not a leap year)
5|document_number|check digit is missing ('<') and the optional data does not continue the number
6|composite|check digit is 7, expected 3
7|mrz|3 lines of 44: expected 2 for TD3 or MRV-A
EOF
t_match "mixed lengths are named" '"line 2: 36 characters but line 1 has 44"' "$(sed -n 8p "$T_TMP/invalid.json")"
t_match "text output: field and reason for a person" 'error: +birth_date: check digit is 4, expected 2' \
	"$("$TIMS" mrz "$D/demo-invalid.txt")"
t_match "text output: a closing count" '8 documents: 0 valid, 8 invalid' "$("$TIMS" mrz "$D/demo-invalid.txt")"

# --- what readers and people send --------------------------------------
printf '  P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<  \r\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\r\n\r\n' >"$T_TMP/crlf.txt"
t_status 0 "CRLF and spaces: valid" "$TIMS" mrz "$T_TMP/crlf.txt"
tr -d '\n' <"$T_TMP/crlf.txt" >"$T_TMP/cr.txt"
t_status 0 "lone CR line ends (keyboard-wedge reader): valid" "$TIMS" mrz "$T_TMP/cr.txt"
t_status 0 "standard input with '-'" sh -c "\"$TIMS\" mrz - <\"$T_TMP/crlf.txt\""
tr 'A-Z' 'a-z' <"$T_TMP/crlf.txt" >"$T_TMP/lower.txt"
t_status 0 "lowercase: read as upper case" "$TIMS" mrz "$T_TMP/lower.txt"
t_match "lowercase: a warning says it is not valid MRZ" 'lowercase is not valid MRZ' "$("$TIMS" mrz --json "$T_TMP/lower.txt")"
t_status 1 "lowercase with --strict: invalid" "$TIMS" mrz --strict "$T_TMP/lower.txt"
t_match "lowercase with --strict: names line and position" "line 1: lowercase 'p' at position 1 is not valid MRZ" \
	"$("$TIMS" mrz --strict --json "$T_TMP/lower.txt")"
sed 's/7408122F/74O8122F/' "$T_TMP/crlf.txt" >"$T_TMP/ocr.txt"
t_status 1 "O for 0: invalid" "$TIMS" mrz "$T_TMP/ocr.txt"
t_match "O for 0: names the field and the confusion" "birth_date: 'O' at position 3 is not a digit \\(OCR confusion of 0\\?\\)" \
	"$("$TIMS" mrz --json "$T_TMP/ocr.txt")"
printf 'P<UTO\xc3\x89RIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n' >"$T_TMP/utf8.txt"
t_match "non-ASCII: named with its byte and position" 'line 1: 45 bytes, expected 30, 36 or 44 \(non-ASCII byte 0xC3 at position 6\)' \
	"$("$TIMS" mrz --json "$T_TMP/utf8.txt")"
printf 'P<UTOERIKS\0ON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n' >"$T_TMP/nul.txt"
t_match "NUL byte: named" 'line 1: control byte 0x00 at position 11' "$("$TIMS" mrz --json "$T_TMP/nul.txt")"

head -c 1048576 /dev/urandom >"$T_TMP/garbage"
t_status 1 "a megabyte of random bytes: invalid, no crash" "$TIMS" mrz "$T_TMP/garbage"
"$TIMS" mrz --json "$T_TMP/garbage" >"$T_TMP/garbage.json"
t_eq "garbage: every output line is JSON with errors" "ok" \
	"$(python3 -c 'import json,sys
docs=[json.loads(l) for l in open(sys.argv[1])]
print("ok" if docs and all(not d["valid"] and d["errors"] for d in docs) else "bad")' "$T_TMP/garbage.json")"
head -c 1048576 /dev/zero | tr '\0' 'P' >"$T_TMP/huge"
t_match "one huge line: its length, not its content" '"line 1: 1048576 characters, expected 30, 36 or 44"' \
	"$("$TIMS" mrz --json "$T_TMP/huge")"
t_status 1 "empty input: invalid (no document)" sh -c "\"$TIMS\" mrz </dev/null"
t_match "empty input: says so" 'no document in the input' "$("$TIMS" mrz </dev/null 2>&1)"
if [ -x "${TIMS_ASAN:-}" ]; then
	t_status 1 "garbage under ASan+UBSan: no report" "$TIMS_ASAN" mrz --json "$T_TMP/garbage"
fi

# --- usage and I/O errors ----------------------------------------------
t_status 2 "missing file: exit 2" "$TIMS" mrz "$T_TMP/no-such-file"
t_match "missing file: named" 'no-such-file: No such file or directory' "$("$TIMS" mrz "$T_TMP/no-such-file" 2>&1)"
t_status 2 "a directory: exit 2" "$TIMS" mrz "$T_TMP"
t_status 2 "unknown option: exit 2" "$TIMS" mrz --frobnicate
# --- real documents a strict reading refuses: valid, with the rule named ----
# (tests/data/mrz/real-documents.txt: India and Switzerland single names,
# Belgian and Portuguese long numbers, an Estonian RP card; docs/mrz.md)
t_status 0 "real documents: every one valid (exit 0)" "$TIMS" mrz "$D/real-documents.txt"
"$TIMS" mrz --json "$D/real-documents.txt" >"$T_TMP/real.json"
t_eq "real documents: the rule each was accepted under, in the JSON" \
	"single-name single-name long-number-filler long-number-filler document-code" \
	"$(python3 -c 'import json,sys; print(" ".join(json.loads(l)["warnings"][0]["rule"] for l in open(sys.argv[1])))' "$T_TMP/real.json")"
t_eq "real documents: a single name printed after << is read as the surname" "AHMADI|" \
	"$(json_get "$T_TMP/real.json" 1 'd["surname"]+"|"+d["given_names"]')"
t_eq "real documents: the Belgian long number joined" "590330101085" \
	"$(json_get "$T_TMP/real.json" 3 'd["document_number"]')"
"$TIMS" post init "$T_TMP/post" --origin test.example/mrz-post --kind land >/dev/null 2>&1
cli_bootstrap "$T_TMP/post"
sed -n 1,2p "$D/real-documents.txt" >"$T_TMP/single.mrz"
t_match "real documents: the single-name traveller's crossing is registered" '^index 0 leaf [0-9a-f]{64}$' \
	"$(cli_as "$T_TMP/post" officer "$TIMS" cross --post "$T_TMP/post" --mrz "$T_TMP/single.mrz" --direction entry --booth b1 2>&1)"
t_match "real documents: ... under the name as its surname" '"number":"K2578285","sex":"F","surname":"AHMADI"' \
	"$(cli_as "$T_TMP/post" officer "$TIMS" history --post "$T_TMP/post" K2578285 --json 2>&1)"
t_match "real documents: the text output names the rule" 'warning: document_number: check digit over the filler at position 15 too.*\[rule long-number-filler\]' \
	"$("$TIMS" mrz "$D/real-documents.txt")"

t_status 2 "two files: exit 2" "$TIMS" mrz "$D/demo-valid.txt" "$D/demo-valid.txt"
t_status 2 "bad TIMS_TODAY: exit 2" env TIMS_TODAY=2025-02-30 "$TIMS" mrz "$D/demo-valid.txt"
t_match "--help documents --json and the exit status" 'Exit status: 0 every document is valid' "$("$TIMS" mrz --help)"
t_end
