#!/usr/bin/env bash
# demo.sh — `make demo`: the main job of TIMS on this machine.
#
# Until the post node lands, the main job is the booth's first step: reading
# the machine-readable zone of each travel document. The demo reads the
# shipped specimens (ICAO Doc 9303 examples and our own, of every format),
# valid and invalid, and shows what an officer would see for each.
set -u
cd "$(dirname "$0")/.." || exit 2
TIMS=${TIMS:-build/tims}

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "TIMS $("$TIMS" version | cut -d' ' -f2-) — reading travel documents (ICAO 9303 MRZ)"
for f in tests/data/mrz/demo-valid.txt tests/data/mrz/demo-invalid.txt; do
	[ -f "$f" ] || { echo "demo: missing $f" >&2; exit 2; }
done

say "Valid documents: passports (TD3), identity cards (TD1, TD2, French ID), visas (MRV-A, MRV-B), emergency documents"
"$TIMS" mrz tests/data/mrz/demo-valid.txt
valid_rc=$?

say "Documents with errors: each names the field and the reason"
"$TIMS" mrz tests/data/mrz/demo-invalid.txt
invalid_rc=$?

say "The same, as JSON for other systems (first document)"
"$TIMS" mrz --json tests/data/mrz/demo-valid.txt | head -n 1

n_valid=$(grep -c . <("$TIMS" mrz --json tests/data/mrz/demo-valid.txt))
n_invalid=$(grep -c . <("$TIMS" mrz --json tests/data/mrz/demo-invalid.txt))
say "Summary"
echo "valid specimens read:   $n_valid (exit status $valid_rc, expected 0)"
echo "invalid specimens read: $n_invalid (exit status $invalid_rc, expected 1)"
[ "$valid_rc" -eq 0 ] && [ "$invalid_rc" -eq 1 ]
