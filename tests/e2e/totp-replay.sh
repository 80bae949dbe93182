# totp-replay.sh — one TOTP code, one login, across the posts (issue 16):
# a centre and two posts, one officer of the centre assigned to both.
#  - centre up: a code used at post A is refused at post B (401, audited,
#    a severe totp-reuse alert at the centre naming both posts);
#  - centre down: the next code works at A and at B (a border post works
#    alone); the centre back, both posts send their claims and the centre
#    raises a totp-reuse alert naming both;
#  - totp-rotate: at the centre the old secret is refused and the new one
#    accepted; a post that held the old secret takes the new one with its
#    roster (and the officer's session there ends); a post-local account is
#    rotated at the post; a roster account is not.
. tests/e2e/lib.sh

PW="replay password 1"
C=$T_TMP/centre
A=$T_TMP/post-a
B=$T_TMP/post-b
PORT=$(free_port)
CURL_=https://127.0.0.1:$PORT
secret_of() { sed -n 's/.*TOTP secret \([A-Z2-7]*\).*/\1/p'; }

"$TIMS" centre init "$C" --name tims-centre >/dev/null
cli_bootstrap "$C" >/dev/null || t_report fail "setup: the centre's first admin"
S=$(echo "$PW" | "$TIMS" officer add --post "$C" ana --name "Ana Ivanova" --role officer | secret_of)
for p in a b; do
	d=$T_TMP/post-$p
	"$TIMS" post init "$d" --origin "bg.example/post-$p" --kind land >/dev/null
	cli_bootstrap "$d" >/dev/null || t_report fail "setup: post-$p's first admin"
	"$TIMS" centre enrol-post "$C" "post-$p" --vkey "$d/post.vkey" --url "$CURL_" \
		--out "$T_TMP/enrol-$p" >/dev/null 2>&1
	"$TIMS" post enrol "$d" --from "$T_TMP/enrol-$p" >/dev/null
done
"$TIMS" centre assign "$C" ana --all >/dev/null
# a supervisor of the centre who also works at post A (dashboard and booth)
SUP=$(echo "$PW" | "$TIMS" officer add --post "$C" sup --name "Sup One" --role supervisor | secret_of)
"$TIMS" centre assign "$C" sup --post post-a >/dev/null

start_centre() {
	"$TIMS" centre serve "$C" --port "$PORT" >"$T_TMP/centre.out" 2>>"$T_TMP/centre.log" &
	CPID=$!
	PIDS+=("$CPID")
	wait_line "$T_TMP/centre.out" "listening on"
}
echo "# setup at ${SECONDS}s"
start_centre
declare -A URL
for p in a b; do
	"$TIMS" post serve "$T_TMP/post-$p" --port 0 >"$T_TMP/$p.out" 2>"$T_TMP/$p.log" &
	PIDS+=($!)
	wait_line "$T_TMP/$p.out" "listening on"
	URL[$p]=$(sed -n 's/^listening on //p' "$T_TMP/$p.out" | sed 's|/$||')
done
t_ok "setup: both posts apply their roster" wait_line "$T_TMP/a.log" "officer roster version 1 .*2 added" 300
wait_line "$T_TMP/b.log" "officer roster version 1 .*1 added" 300

# login POST CODE [SECRET-less]: the status and body of an API login of ana
login() {
	curl -s --cacert "$C/ca.crt" -w '\n%{http_code}' -H 'Content-Type: application/json' \
		--data-binary "{\"officer\":\"${3:-ana}\",\"password\":\"$PW\",\"code\":\"$2\",\"booth\":\"B1\"}" \
		"${URL[$1]}/api/v1/session" | tac | tr '\n' ' '
}
code_at() { oathtool --totp -b "$1" -N "@$(($2 * 30))"; }
# the centre's open alerts (what the dashboard's queue shows; no personal data)
events() { sqlite3 "$C/centre.db" "SELECT kind, detail FROM alerts WHERE acked_ms IS NULL"; }

# 1. The centre reachable: one code, one login.
STEP=$(($(date +%s) / 30))
CODE=$(code_at "$S" "$STEP")
t_match "online: ana logs in at post A" '^200 .*"officer":"ana"' "$(login a "$CODE")"
r=$(login b "$CODE")
t_match "online: the same code at post B is refused (401)" '^401 ' "$r"
t_match "online: and told where it was used" 'already used at post post-a' "$r"
t_match "online: the centre raised a totp-reuse alert naming both posts" \
	'totp-reuse\|officer ana: one TOTP code .* at post post-a .* at post post-b .*online, refused' "$(events)"
SSTEP=$(($(date +%s) / 30))
t_match "online: a supervisor logs in at post A" '^200 ' "$(login a "$(code_at "$SUP" "$SSTEP")" sup)"
r=$(curl -s --cacert "$C/ca.crt" -w '\n%{http_code}' -H 'Content-Type: application/json' --data-binary \
	"{\"officer\":\"sup\",\"password\":\"$PW\",\"code\":\"$(code_at "$SUP" "$SSTEP")\"}" \
	"$CURL_/api/v1/session" | tac | tr '\n' ' ')
t_match "online: the same code opens no session at the centre's dashboard" '^401 .*already used at post post-a' "$r"
t_match "online: the refusal is in post B's audit log" '"action":"login.failed".*already used at post post-a' \
	"$(cli_as "$B" auditor "$TIMS" audit list --post "$B" --count 20 --json 2>&1)"

echo "# online done at ${SECONDS}s"
# 2. The centre down: the next code works at both posts, each alone.
kill "$CPID"; wait "$CPID" 2>/dev/null
NEXT=$(code_at "$S" $((STEP + 1)))
r=$(login a "$NEXT")
t_match "offline: the next code opens a session at post A" '^200 ' "$r"
ATOKEN=$(printf '%s' "$r" | sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p')
t_match "offline: and the same code at post B too (the centre is unreachable)" '^200 ' "$(login b "$NEXT")"
t_match "offline: post B keeps the claim for the centre" 'TOTP claim of ana kept for the centre' "$(cat "$T_TMP/b.log")"
t_eq "offline: a code is still refused twice at the same post" 401 "$(login a "$NEXT" | cut -d' ' -f1)"

echo "# offline done at ${SECONDS}s"
# 3. The centre back: the posts send their claims; the reuse is reported.
start_centre
offline_alert() { events | grep -q 'totp-reuse|officer ana: one TOTP code .*post-[ab] (booth B1, offline).*post-[ab] (booth B1, offline, reported later)'; }
t_ok "reconnect: both posts' claims reach the centre; a totp-reuse alert names both" wait_for 100 offline_alert
t_eq "reconnect: nothing waits at post A any more" 0 "$(sqlite3 "$A/node.db" 'SELECT count(*) FROM totp_claims_pending')"
t_eq "reconnect: nor at post B" 0 "$(sqlite3 "$B/node.db" 'SELECT count(*) FROM totp_claims_pending')"

echo "# reconnect done at ${SECONDS}s"
# 4. Rotation at the centre; the posts follow with their roster.
t_status 1 "rotate: at a post, an account from the centre's roster is rotated at the centre" \
	"$TIMS" officer totp-rotate --post "$A" ana
out=$("$TIMS" centre officer totp-rotate "$C" ana 2>&1)
S2=$(printf '%s' "$out" | secret_of)
t_match "rotate: the centre shows the new secret once, with its URI" 'otpauth://totp/TIMS:ana\?secret=' "$out"
t_ok "rotate: a new secret" test -n "$S2" -a "$S2" != "$S"
NOW=$(($(date +%s) / 30))
t_status 1 "rotate: at the centre the old secret is refused" \
	sh -c "printf '%s\n%s\n' '$PW' '$(code_at "$S" "$NOW")' | '$TIMS' login --post '$C' ana --print-token"
t_ok "rotate: the new secret and the same password are accepted" \
	sh -c "printf '%s\n%s\n' '$PW' '$(code_at "$S2" "$NOW")' | '$TIMS' login --post '$C' ana --print-token"
t_ok "rotate: post A receives the roster with the new secret" \
	wait_line "$T_TMP/a.log" "officer roster version 2 .*1 changed" 300
t_eq "rotate: ana's session at post A ended" 401 "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$C/ca.crt" \
	-H "Authorization: Bearer $ATOKEN" "${URL[a]}/api/v1/status")"
NOW=$(($(date +%s) / 30))
t_match "rotate: post A refuses the old secret" '^401 ' "$(login a "$(code_at "$S" $((NOW + 1)))")"
t_match "rotate: post A accepts the new secret" '^200 ' "$(login a "$(code_at "$S2" $((NOW + 1)))")"

# A post's own account is rotated at the post.
L=$(echo "$PW" | "$TIMS" officer add --post "$A" loc --name "Local One" --role officer | secret_of)
out=$("$TIMS" officer totp-rotate --post "$A" loc 2>&1)
L2=$(printf '%s' "$out" | secret_of)
t_match "rotate: a post-local account is rotated at the post" 'password is unchanged' "$out"
NOW=$(($(date +%s) / 30))
t_match "rotate: there the old secret is refused" '^401 ' "$(login a "$(code_at "$L" "$NOW")" loc)"
t_match "rotate: and the new one accepted" '^200 ' "$(login a "$(code_at "$L2" "$NOW")" loc)"
t_status 1 "rotate: an unknown officer is an error" "$TIMS" centre officer totp-rotate "$C" nobody
echo "# done at ${SECONDS}s"
t_end
