# paxlst.sh — `tims api parse` as an airport's intake would run it: the US
# implementation guide's D:02B example, generated flights of 300 passengers
# and crew (D:02B, D:05B, Type-B wrapped, several in one file, on standard
# input), JSON fields, exit codes 0/1/2, and what must be refused with the
# segment named: a truncated interchange, a count that disagrees.
. tests/e2e/lib.sh
GEN="python3 tests/data/paxlst/gen-paxlst.py"
jq_n() { jq -r "$1" "$2" 2>/dev/null; }

out=$("$TIMS" api parse --json tests/data/paxlst/us-d02b.edi >"$T_TMP/us.json" 2>&1); rc=$?
t_eq "the US D:02B example: exit 0" 0 "$rc"
t_eq "one traveller, every field" \
	"UA123 YVR 2007-04-29T12:30 JFK 2007-04-29T16:00 FL DOE|JOHN WAYNE 1972-09-07 M CAN P MB140241 CAN 2008-10-21 0" \
	"$(jq_n '"\(.flight) \(.departure_airport) \(.departure_time) \(.arrival_airport) \(.arrival_time) \(.role) \(.surname)|\(.given_names) \(.birth_date) \(.sex) \(.nationality) \(.document_type) \(.document_number) \(.document_issuing_state) \(.document_expiry) \(.warnings | length)"' "$T_TMP/us.json")"

for v in D:02B D:05B; do
	$GEN --seed 7 --passengers 300 --crew 8 --version "$v" >"$T_TMP/f.edi"
	"$TIMS" api parse --json "$T_TMP/f.edi" >"$T_TMP/f.json"; rc=$?
	t_eq "$v: a 300-passenger flight with 8 crew reads whole (exit 0)" "0 308" "$rc $(grep -c . "$T_TMP/f.json")"
	t_eq "$v: 300 FL and 8 FM, on one flight into TIA, no warning" "FL 300 FM 8 1 TIA 0" \
		"$(jq -rs '"FL \(map(select(.role=="FL"))|length) FM \(map(select(.role=="FM"))|length) \(map(.flight)|unique|length) \(map(.arrival_airport)|unique|join(",")) \(map(.warnings|length)|add)"' "$T_TMP/f.json")"
	t_eq "$v: every birth date and expiry in ISO form" 0 \
		"$(jq -r 'select((.birth_date|test("^[0-9]{4}-[0-9]{2}-[0-9]{2}$")|not) or (.document_expiry|test("^[0-9]{4}-[0-9]{2}-[0-9]{2}$")|not))' "$T_TMP/f.json" | grep -c .)"
done
$GEN --seed 8 --flights 3 --passengers 120 --crew 4 --typeb >"$T_TMP/tb.edi"
t_match "three Type-B wrapped interchanges in one file" '^372 travellers in 3 messages of 3 interchanges, 0 warnings$' \
	"$("$TIMS" api parse "$T_TMP/tb.edi" | tail -1)"
t_match "the same from standard input" '^372 travellers' "$("$TIMS" api parse - <"$T_TMP/tb.edi" | tail -1)"

# sloppy, read with a warning naming segment and position
sed 's/^NAD+FL+++\([A-Z]*\):\([A-Z]*\)/NAD+FL+++\L\1:\2/' tests/data/paxlst/us-d02b.edi >"$T_TMP/lower.edi"
"$TIMS" api parse --json "$T_TMP/lower.edi" >"$T_TMP/lower.json"; rc=$?
t_eq "lower case under UNOA: read (exit 0), kept as sent" "0 doe" "$rc $(jq_n .surname "$T_TMP/lower.json")"
t_match "and warned, naming the segment and its byte" 'segment 12 \(NAD\) at byte [0-9]+: lower-case letters under UNOA' \
	"$(jq_n '.warnings[0]' "$T_TMP/lower.json")"

# refused, the segment named
$GEN --seed 9 --passengers 300 --crew 8 >"$T_TMP/g.edi"
head -c 9000 "$T_TMP/g.edi" >"$T_TMP/cut.edi"
out=$("$TIMS" api parse "$T_TMP/cut.edi" 2>&1); rc=$?
t_eq "a truncated interchange is refused (exit 1)" 1 "$rc"
t_match "naming where it ends" 'ends inside (message|this segment)' "$out"
t_eq "and no traveller of it is printed" 0 "$(printf '%s\n' "$out" | grep -c '^FL ')"
sed 's/^CNT+42:300/CNT+42:301/' "$T_TMP/g.edi" >"$T_TMP/cnt.edi"
t_match "a CNT that disagrees is refused, the segment named" \
	'segment [0-9]+ \(UNT\) at byte [0-9]+: CNT\+42 says 301 passengers, message 1 sends 300' \
	"$("$TIMS" api parse "$T_TMP/cnt.edi" 2>&1)"
head -c 100000 /dev/urandom >"$T_TMP/noise"
t_status 1 "random bytes are refused (exit 1)" "$TIMS" api parse "$T_TMP/noise"
t_status 2 "a missing file is a usage error (exit 2)" "$TIMS" api parse "$T_TMP/none.edi"
t_status 2 "an unknown option is a usage error (exit 2)" "$TIMS" api parse --xml tests/data/paxlst/us-d02b.edi
t_end
