#!/usr/bin/env bash
# demo.sh — `make demo`: the booth's work on this machine, end to end.
#
# 1. Reading travel documents: the shipped specimens (ICAO Doc 9303 examples
#    and our own, of every format), valid and invalid.
# 2. Watchlists: persons (names in their own scripts), lost and stolen
#    documents; a traveller screened against them, with the reasons.
# 3. A border post: a day of crossings registered durably in its signed,
#    tamper-evident log; a traveller's history and stay rule; an overstayer.
# 4. The insider of 2022: a crossing deleted behind the program's back, and
#    the verification that names it.
#
# 5-7. The national network (scripts/demo-network.sh): a centre, a witness
#    and three posts on 127.0.0.1, a day of traffic through the booths' API,
#    and the drill of 2022 (centre cut off, wiped, rebuilt from the posts).
#
# Everything runs in build/demo (made anew each time). DEMO_EXIT=1 stops when
# the summary is printed; otherwise the network keeps running for the
# consoles until Ctrl-C. DEMO_SCALE=small runs a shorter day.
set -u
cd "$(dirname "$0")/.." || exit 2
TIMS=${TIMS:-build/tims}
D=${DEMO_DIR:-build/demo}

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
need() { [ -f "$1" ] || { echo "demo: missing $1" >&2; exit 2; }; }
for f in tests/data/mrz/demo-valid.txt tests/data/mrz/demo-invalid.txt \
	tests/data/screen/persons.csv tests/data/screen/documents.jsonl \
	tests/data/screen/traveller-td3.mrz; do
	need "$f"
done
rm -rf "$D" && mkdir -p "$D" || exit 2
# The key token of every node of the demo (docs/keys.md): a throwaway
# SoftHSM2 token in $D/token, whose key-encryption keys seal the nodes'
# personal data at rest. A post uses a TPM or an HSM instead.
eval "$(bash scripts/token.sh "$D/token")" || { echo "demo: no SoftHSM2 token (scripts/deps.sh)" >&2; exit 2; }
export SOFTHSM2_CONF TIMS_TOKEN
# Who types at the command line: logged in, audited (docs/roles.md).
. scripts/cli-session.sh

say "TIMS $("$TIMS" version | cut -d' ' -f2-) — 1. reading travel documents (ICAO 9303 MRZ)"
"$TIMS" mrz tests/data/mrz/demo-valid.txt | grep -E '^Document' 
valid_rc=${PIPESTATUS[0]}
echo
echo "Documents with errors: each names the field and the reason"
"$TIMS" mrz tests/data/mrz/demo-invalid.txt | grep -E '^Document|error:'
invalid_rc=${PIPESTATUS[0]}
n_valid=$("$TIMS" mrz --json tests/data/mrz/demo-valid.txt | grep -c .)
n_invalid=$("$TIMS" mrz --json tests/data/mrz/demo-invalid.txt | grep -c .)

say "2. watchlists, and a traveller screened against them"
"$TIMS" watchlist import --store "$D/watchlists" --list wanted --kind persons \
	tests/data/screen/persons.csv
"$TIMS" watchlist import --store "$D/watchlists" --list lost-stolen --kind documents \
	tests/data/screen/documents.jsonl
echo
echo "The specimen passport of ANNA MARIA ERIKSSON at the booth:"
screen=$("$TIMS" screen traveller --store "$D/watchlists" --mrz tests/data/screen/traveller-td3.mrz)
printf '%s\n' "$screen" | grep -E '"(list|status|score)"|matches' | sed 's/^ */  /'
doc_hits=$(printf '%s\n' "$screen" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["screening"]["document"]["hits"]))')
echo
echo "Names written in other scripts and spellings, with dates of birth:"
printf '%s\n' \
	'{"a":"Щербаков Юрий","b":"SCHTSCHERBAKOW, Juri","dob_a":"1971-04-12","dob_b":"1971-04-12"}' \
	'{"a":"محمد الخليفي","b":"ALKHALIFI<<MOHAMED","dob_a":"1975-09-01","dob_b":"1975-09-01"}' \
	'{"a":"Müller, Jürgen","b":"MUELLER<<JUERGEN","dob_a":"1980","dob_b":"1980-02-11"}' \
	'{"a":"JOHN SMITH","b":"JOHN SMITH","dob_a":"1970-01-01","dob_b":"1985-06-30"}' |
	"$TIMS" screen pairs | sed 's/^/  /'

say "3. a border post: crossings, signed and logged"
"$TIMS" post init "$D/post-kapitan-andreevo" --origin border.example/kapitan-andreevo \
	--kind land >/dev/null || exit 1
P=$D/post-kapitan-andreevo
cli_bootstrap "$P" || exit 1
day() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }
# A day of traffic: every valid specimen enters; some leave again; the
# Utopian visitor entered 100 days ago and is still here (an overstayer).
"$TIMS" mrz --json tests/data/mrz/demo-valid.txt | python3 -c '
import json, sys
for i, line in enumerate(sys.stdin):
    d = json.loads(line)
    p = {"doc_code": d["document_code"], "issuer": d["issuing_state"],
         "number": d["document_number"], "surname": d["surname"],
         "nationality": d["nationality"]}
    if d["given_names"]: p["given_names"] = d["given_names"]
    if d["birth_date"] and d["birth_date"]["iso"] and len(d["birth_date"]["iso"]) == 10:
        p["birth_date"] = d["birth_date"]["iso"]
    if d["sex"] in ("M", "F", "X"): p["sex"] = d["sex"]
    rec = {"id": "demo-%03d-in" % i, "direction": "entry", "officer": "ivanova",
           "booth": "B%d" % (1 + i % 3), "person": p}
    if i % 4 == 1:
        rec["vehicle"] = {"plate": "CA 1234 AB", "country": "BGR"}
        rec["role"] = "driver"
    print(json.dumps(rec))
    if i % 2 == 0:
        out = dict(rec, id="demo-%03d-out" % i, direction="exit", booth="B4")
        out.pop("vehicle", None); out.pop("role", None)
        print(json.dumps(out))
' >"$D/day.jsonl"
printf '{"id":"paper-0001","direction":"entry","officer":"petrova","booth":"B2","person":{"doc_code":"P","issuer":"UTO","number":"X1234567","surname":"OVERSTAY","given_names":"OTTO","nationality":"UTO","birth_date":"1980-05-05","sex":"M"},"crossed_at":"%s"}\n' \
	"$(day '100 days ago 08:00')" >>"$D/day.jsonl"
cli_as "$P" supervisor "$TIMS" cross import --post "$P" "$D/day.jsonl" >"$D/acks.txt" 2>"$D/import.log"
acks=$(grep -c '^ack ' "$D/acks.txt")
lines=$(grep -c . "$D/day.jsonl")
echo "crossings registered: $acks of $lines lines, each acknowledged once durable:"
head -3 "$D/acks.txt" | sed 's/^/  /'
echo "  ..."
echo
echo "A traveller's history and the stay rule (90 days in any 180):"
cli_as "$P" officer "$TIMS" history --post "$P" X1234567 | sed 's/^/  /'
overstay=$(cli_as "$P" officer "$TIMS" history --post "$P" X1234567 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["stay"]["overstay"])')

say "4. the insider: a crossing deleted behind the program's back"
verify_ok=0
"$TIMS" log verify --post "$P" && verify_ok=1
cp -r "$P" "$D/tampered"
sqlite3 "$D/tampered/post.db" "DROP TRIGGER records_no_delete; DELETE FROM records WHERE idx = 3;"
echo "sqlite3: DELETE FROM records WHERE idx = 3   (triggers dropped first)"
"$TIMS" log verify --post "$D/tampered" 2>&1 | head -4 | sed 's/^/  /'
"$TIMS" log verify --post "$D/tampered" >/dev/null 2>&1
tamper_rc=$?

echo
echo "Personal data at rest: the post's files, searched for the overstayer's name and passport"
sealed_hits=$(grep -a -r -l -F -e OVERSTAY -e X1234567 "$P" | wc -l)
echo "  files holding OVERSTAY or X1234567 in clear: $sealed_hits (sealed under the key in $D/token)"

say "Summary: one post"
echo "valid specimens read:   $n_valid (exit status $valid_rc, expected 0)"
echo "invalid specimens read: $n_invalid (exit status $invalid_rc, expected 1)"
echo "document hits for the specimen passport: $doc_hits (expected 1: listed as stolen)"
echo "crossings acknowledged: $acks of $lines, log verified: $([ $verify_ok = 1 ] && echo yes || echo NO)"
echo "overstay of the Utopian visitor: $overstay days"
echo "deleted record detected: $([ $tamper_rc = 1 ] && echo yes || echo NO)"
echo "names and document numbers readable in the post's files: $sealed_hits (expected 0)"
echo "files: $D"
one_ok=1
[ "$valid_rc" -eq 0 ] && [ "$invalid_rc" -eq 1 ] && [ "$doc_hits" -eq 1 ] &&
	[ "$acks" -eq "$lines" ] && [ "$verify_ok" = 1 ] && [ "$overstay" -gt 0 ] &&
	[ "$tamper_rc" -eq 1 ] && [ "$sealed_hits" -eq 0 ] || one_ok=0

# 5-7: the national network, the day's traffic and the drill of 2022. It
# keeps running for the consoles until Ctrl-C (DEMO_EXIT=1: stops at once).
TIMS="$TIMS" DEMO_DIR="$D" scripts/demo-network.sh
net_rc=$?
[ "$one_ok" = 1 ] && [ "$net_rc" = 0 ]
