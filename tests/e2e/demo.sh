# demo.sh — `make demo` runs its main job and reports what a newcomer expects.
. tests/e2e/lib.sh

out=$(TIMS="$TIMS" DEMO_DIR="$T_TMP/demo" scripts/demo.sh 2>&1)
rc=$?
t_eq "demo: exits 0" 0 "$rc"
t_match "demo: valid specimens read, exit 0" 'valid specimens read: +[1-9][0-9]* \(exit status 0' "$out"
t_match "demo: invalid specimens read, exit 1" 'invalid specimens read: +[1-9][0-9]* \(exit status 1' "$out"
t_match "demo: an error names the field and the reason" 'check digit is [0-9], expected [0-9]' "$out"
t_match "demo: the stolen specimen passport is a hit" 'document hits for the specimen passport: 1 ' "$out"
t_match "demo: a Cyrillic name matches its German spelling" '"a":"Щербаков Юрий".*"match":true' "$out"
t_match "demo: an Arabic name matches its MRZ form" '"a":"محمد الخليفي".*"match":true' "$out"
t_match "demo: same common name, different birth dates, kept apart" '"a":"JOHN SMITH".*"match":false' "$out"
t_match "demo: every crossing acknowledged and the log verified" 'crossings acknowledged: ([0-9]+) of \1, log verified: yes' "$out"
t_match "demo: the overstayer is found" 'overstay of the Utopian visitor: 1[01] days' "$out"
t_match "demo: the deleted record is named" 'record 3 missing' "$out"
t_match "demo: and detected" 'deleted record detected: yes' "$out"
t_end
