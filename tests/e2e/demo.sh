# demo.sh — `make demo` runs its main job and reports what a newcomer expects.
. tests/e2e/lib.sh

# as `make demo` runs it: without the test harness's TIMS_ALLOW_ROOT
out=$(env -u TIMS_ALLOW_ROOT TIMS="$TIMS" DEMO_DIR="$T_TMP/demo" DEMO_EXIT=1 DEMO_SCALE=small scripts/demo.sh 2>&1)
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
# the national network, the day and the drill of 2022
t_match "demo: every post gets its roster and watchlists as signed bundles" \
	'sofia-airport: 4 signed bundles applied' "$out"
t_match "demo: every listed traveller is stopped" 'listed travellers stopped: ([1-9][0-9]*) of \1;' "$out"
t_match "demo: a common name with another date of birth stops nobody" 'other date of birth, stopped: 0' "$out"
t_match "demo: a discreet check during the day" 'discreet checks [1-9]' "$out"
t_match "demo: the posts register while the centre is cut off" \
	'registered while the centre was cut off: ([1-9][0-9]*) of \1' "$out"
t_match "demo: every crossing acknowledged" 'crossings: attempted ([0-9]+), acknowledged \1 ' "$out"
t_match "demo: lost 0, duplicated 0" 'lost: 0, duplicated: 0' "$out"
t_match "demo: the rebuilt centre's roots verified" 'rebuild: exit 0, [1-9][0-9]* roots verified against cosigned checkpoints; mirrors verified: yes' "$out"
t_match "demo: the overstayer found by the national query" 'overstayers found: [1-9]' "$out"
t_match "demo: the consoles' addresses" 'booth console, sofia-airport: https://127\.0\.0\.1:[0-9]+/' "$out"
t_match "demo: the booth consoles and the dashboard answer" 'consoles answering: 4 of 4' "$out"
t_eq "demo: no process of the network left behind" "" \
	"$(pgrep -f "$T_TMP/demo/net" || true)"
t_end
