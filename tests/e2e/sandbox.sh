# sandbox.sh — least privilege of the daemons (docs/operations.md,
# "Sandbox"): a post started as root without `user` (and without
# TIMS_ALLOW_ROOT, which the other tests set) refuses to start, exit 2,
# naming the key; a witness with `user = nobody` in its config file, over a
# directory nobody owns, serves as nobody with NO_NEW_PRIVS and a seccomp
# filter on every thread, and still answers; a directory root owns is
# refused with `user` set, naming directory and owner.
. tests/e2e/lib.sh

if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1; then
	t_report ok "not root, or no nobody account: the root refusal and the drop are not testable here"
	t_end
	exit
fi

P=$T_TMP/post W=$T_TMP/witness

"$TIMS" post init "$P" --origin bg.example/sandbox --kind land >/dev/null
# (timeout: a daemon that does not refuse would serve on)
out=$(env -u TIMS_ALLOW_ROOT timeout 10 "$TIMS" post serve "$P" --port 0 2>&1)
rc=$?
t_eq "a post started as root without user: refused, exit 2" 2 "$rc"
t_match "the refusal names the key user" '`user`' "$out"
t_eq "the refusal comes before anything is served" "" "$(printf '%s' "$out" | grep 'listening on')"

"$TIMS" witness init "$W" --name witness.test/sandbox >/dev/null
# nobody must reach the directory: the test's own temporary directory opened
chmod 755 "$T_TMP"
printf 'dir = %s\nlisten = 127.0.0.1:0\nuser = nobody\n' "$W" >"$T_TMP/witness.conf"
t_status 2 "user set over a directory root owns: refused" \
	env -u TIMS_ALLOW_ROOT timeout 10 "$TIMS" witness serve --config "$T_TMP/witness.conf"
t_match "the refusal names the directory and its owner" "data directory $W: owned by root" \
	"$(env -u TIMS_ALLOW_ROOT timeout 10 "$TIMS" witness serve --config "$T_TMP/witness.conf" 2>&1)"

chown -R nobody "$W"
env -u TIMS_ALLOW_ROOT "$TIMS" witness serve --config "$T_TMP/witness.conf" \
	>"$T_TMP/w.out" 2>"$T_TMP/w.log" &
WPID=$!
PIDS+=("$WPID")
for _ in $(seq 100); do
	grep -q 'listening on' "$T_TMP/w.out" && break
	kill -0 "$WPID" 2>/dev/null || break
	sleep 0.1
done
URL=$(grep -o 'https://127\.0\.0\.1:[0-9]*' "$T_TMP/w.out")
st=$(cat /proc/"$WPID"/status 2>/dev/null)
NOBODY=$(id -u nobody)
t_match "user = nobody: the witness runs as nobody" "^Uid:[[:space:]]+$NOBODY[[:space:]]+$NOBODY[[:space:]]+$NOBODY[[:space:]]+$NOBODY\$" \
	"$(printf '%s\n' "$st" | grep '^Uid:')"
t_eq "NoNewPrivs is set" "NoNewPrivs:	1" "$(printf '%s\n' "$st" | grep '^NoNewPrivs:')"
t_eq "a seccomp filter is on (mode 2)" "Seccomp:	2" "$(printf '%s\n' "$st" | grep '^Seccomp:')"
tasks=$(ls /proc/"$WPID"/task 2>/dev/null | wc -l)
bad=$(for s in /proc/"$WPID"/task/*/status; do grep -L "^Seccomp:	2" "$s"; grep -L "^Uid:	$NOBODY	" "$s"; done 2>&1)
t_eq "every thread ($tasks) has the filter and the uid" yes "$([ "$tasks" -gt 1 ] && [ -z "$bad" ] && echo yes)"
# its signer (the key-holding child, tims-signer): confined on its own too
SPID=$(ps -o pid= --ppid "$WPID" -o comm= | awk '$2 == "tims-signer" {print $1}')
sst=$(cat /proc/"${SPID:-none}"/status 2>/dev/null)
t_eq "the signer process runs as nobody, with NoNewPrivs and a seccomp filter" \
	"Uid:	$NOBODY	$NOBODY	$NOBODY	$NOBODY|NoNewPrivs:	1|Seccomp:	2" \
	"$(printf '%s\n' "$sst" | grep -E '^(Uid|NoNewPrivs|Seccomp):' | paste -sd'|')"
t_eq "a request still works under the sandbox (GET /key-announcements)" 200 \
	"$(curl -sk -o /dev/null -w '%{http_code}' "$URL/key-announcements")"
t_match "and the metrics" '^tims_' "$(curl -sk "$URL/metrics" | grep -v '^#' | head -1)"
kill -TERM "$WPID"
wait "$WPID"
t_eq "it stops cleanly on SIGTERM (exit 0, no SIGSYS)" 0 "$?"
t_end
