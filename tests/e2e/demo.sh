# demo.sh — `make demo` runs its main job and reports what a newcomer expects.
. tests/e2e/lib.sh

out=$(TIMS="$TIMS" scripts/demo.sh 2>&1)
rc=$?
t_eq "demo: exits 0" 0 "$rc"
t_match "demo: valid specimens read, exit 0" 'valid specimens read: +[1-9][0-9]* \(exit status 0' "$out"
t_match "demo: invalid specimens read, exit 1" 'invalid specimens read: +[1-9][0-9]* \(exit status 1' "$out"
t_match "demo: an error names the field and the reason" 'check digit is [0-9], expected [0-9]' "$out"
t_end
