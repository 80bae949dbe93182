# cli-auth.sh — the command line knows who is typing (issue 15): the
# insider at the post's keyboard loses. No session: refused, nothing shown,
# nothing changed. A session of the wrong role, of a disabled or reset
# account, an expired or logged-out one, a token copied from another node's
# session file, a TOTP code replayed: refused. A history read with a session
# is in the audit log, with the officer, before it is answered; with the
# audit log unwritable nothing is answered. The first admin is bootstrapped
# once, audited.
. tests/e2e/lib.sh

P=$T_TMP/post
Q=$T_TMP/other
"$TIMS" post init "$P" --origin test.example/cli-auth >/dev/null
"$TIMS" post init "$Q" --origin test.example/cli-auth-other >/dev/null
events() { sqlite3 "$1/audit.db" 'SELECT count(*) FROM events' 2>/dev/null || echo 0; }
NOSESS=$T_TMP/no-sessions  # a session directory with nothing in it

# ---- before the first admin ------------------------------------------------------
out=$(echo "early password 1" | TIMS_SESSION_DIR=$NOSESS "$TIMS" officer add --post "$P" early \
	--name E --role admin 2>&1); rc=$?
t_eq "no session: officer add refused (exit 1)" 1 "$rc"
t_match "... saying why" 'tims officer add: not logged in at ' "$out"
t_eq "... and no account was made" "" "$(sqlite3 "$P/node.db" "SELECT id FROM officers" 2>/dev/null)"
t_ok "bootstrap: the first admin" cli_bootstrap "$P"
out=$(echo "second admin pass" | "$TIMS" officer bootstrap --post "$P" root2 --name R 2>&1); rc=$?
t_eq "bootstrap: refused once an admin exists (exit 1)" 1 "$rc"
t_match "... saying so" 'has an admin account already' "$out"
t_eq "... and no second admin" "cli-admin" "$(sqlite3 "$P/node.db" "SELECT id FROM officers WHERE role = 'admin'")"
# (the event itself is sealed: events.sh reads it at the centre)
t_eq "bootstrap: a post reports it to the centre (queued event 'bootstrap', sealed)" "14|TV1" \
	"$(sqlite3 "$P/post.db" "SELECT kind, CAST(substr(event, 1, 3) AS TEXT) FROM event_queue")"

# ---- the booth: a crossing, then the history of its document ----------------------
t_match "cross: registered by the officer logged in" '^index 0 ' \
	"$(cli_as "$P" officer "$TIMS" cross --post "$P" --doc-number L898902C3 --surname ERIKSSON \
		--nationality UTO --direction entry --booth B1 2>&1)"
t_eq "... the record names them" "cli-officer" \
	"$(cli_as "$P" officer "$TIMS" history --post "$P" L898902C3 --json | python3 -c \
		'import json,sys; print(json.load(sys.stdin)["crossings"][0]["record"]["officer"])')"
out=$(cli_as "$P" officer "$TIMS" cross --post "$P" --doc-number X1 --surname X --direction entry \
	--booth B1 --officer someone-else 2>&1); rc=$?
t_eq "cross: --officer naming someone else is refused (exit 1)" 1 "$rc"

n0=$(events "$P")
out=$(TIMS_SESSION_DIR=$NOSESS "$TIMS" history --post "$P" L898902C3 2>"$T_TMP/err"); rc=$?
t_eq "history without login: refused (exit 1)" 1 "$rc"
t_eq "... nothing printed" "" "$out"
t_match "... saying why" '^tims history: not logged in at ' "$(cat "$T_TMP/err")"
t_eq "... and the audit log is unchanged" "$n0" "$(events "$P")"
out=$("$TIMS" history --post "$P" L898902C3 2>"$T_TMP/err"); rc=$?
t_eq "history as the admin: refused (exit 1), nothing printed" "1:" "$rc:$out"
t_match "... the role named" 'role admin may not run tims history' "$(cat "$T_TMP/err")"
out=$(cli_as "$P" auditor "$TIMS" history --post "$P" L898902C3 2>"$T_TMP/err"); rc=$?
t_eq "history as an auditor: refused, nothing printed" "1:" "$rc:$out"
out=$(cli_as "$P" officer "$TIMS" history --post "$P" L898902C3 --purpose "booth check" 2>&1)
t_match "history as an officer: answered" 'document L898902C3: 1 crossing at this post' "$out"
AUD=$(cli_as "$P" auditor "$TIMS" audit list --post "$P" --count 1000 --json)
t_match "... the read is in the audit log with the officer, the document and the purpose" \
	'"actor":"cli-officer","role":"officer","booth":"cli","addr":"local","action":"cli.history","purpose":"booth check".*"query":"\{\\"document\\":\\"L898902C3\\"\}"' "$AUD"
t_match "... the refused reads too (cli.denied, the admin's)" '"actor":"cli-admin".*"action":"cli.denied".*"status":403' "$AUD"
t_match "the bootstrap is the log's first event" '^\{"index":0,.*"actor":"cli-admin","role":"admin".*"action":"officer.bootstrap"' "$AUD"
t_match "the refused bootstrap is audited too (409)" '"action":"officer.bootstrap".*"status":409.*root2' "$AUD"
t_status 1 "audit list as an officer: refused" cli_as "$P" officer "$TIMS" audit list --post "$P"
t_status 1 "audit list as the admin: refused" "$TIMS" audit list --post "$P"

# The event comes before the answer: with the audit log unwritable (a full
# disk, faultfs) the officer gets nothing.
FAULTFS=build/tests/libfaultfs.so
if [ -f "$FAULTFS" ]; then
	echo "write ENOSPC audit.db" >"$T_TMP/fault"
	out=$(cli_as "$P" officer env TIMS_FAULT_CTL="$T_TMP/fault" LD_PRELOAD="$PWD/$FAULTFS" \
		"$TIMS" history --post "$P" L898902C3 2>"$T_TMP/err"); rc=$?
	rm -f "$T_TMP/fault"
	t_eq "audit log unwritable: history exits non-zero and prints nothing" "2:" "$rc:$out"
	t_match "... saying the audit log is why" 'audit log of .*nothing done' "$(cat "$T_TMP/err")"
	t_eq "... and the traveller's name is nowhere in what it said" 0 "$(grep -c ERIKSSON "$T_TMP/err")"
else
	t_report fail "audit log unwritable: $FAULTFS is built (make check builds it)"
fi

# ---- sessions that must not work --------------------------------------------------
TOK=$(cat "$CLI_CACHE/$(_cli_key "$P")-cli-officer.token")
"$TIMS" officer disable --post "$P" cli-officer >/dev/null
out=$(TIMS_SESSION=$TOK "$TIMS" history --post "$P" L898902C3 2>&1); rc=$?
t_eq "a disabled account's session: refused" 1 "$rc"
t_match "... as ended" 'session ended, expired or unknown' "$out"
"$TIMS" officer enable --post "$P" cli-officer >/dev/null
t_status 1 "... and it stays ended once the account is enabled again" \
	env TIMS_SESSION="$TOK" "$TIMS" history --post "$P" L898902C3
SUP=$(cli_as "$P" supervisor sh -c 'echo $TIMS_SESSION')
echo "a brand new password" | "$TIMS" officer reset --post "$P" cli-supervisor >/dev/null
t_status 1 "a reset account's session: refused" env TIMS_SESSION="$SUP" "$TIMS" history --post "$P" L898902C3
ANA=$(cli_as "$P" analyst sh -c 'echo $TIMS_SESSION')
sqlite3 "$P/node.db" "UPDATE sessions SET last_seen = last_seen - 960 WHERE officer = 'cli-analyst'"
out=$(TIMS_SESSION=$ANA "$TIMS" history --post "$P" L898902C3 2>&1); rc=$?
t_eq "a session idle for 16 minutes: refused" "1" "$rc"
t_eq "... nothing of the traveller in the answer" "0" "$(printf '%s' "$out" | grep -c ERIKSSON)"
LOG=$(TIMS_SESSION_DIR=$T_TMP/s2 cli_login "$P" cli-admin --print-token)
t_ok "logout ends a session" env TIMS_SESSION="$LOG" "$TIMS" logout --post "$P"
t_status 1 "a logged-out session: refused" env TIMS_SESSION="$LOG" "$TIMS" officer list --post "$P"
t_status 1 "a made-up token: refused" env TIMS_SESSION=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA \
	"$TIMS" officer list --post "$P"

# Another node's session file copied in place of this node's: opens nothing.
cli_bootstrap "$Q"
PF=$(ls "$TIMS_SESSION_DIR" | grep 'cli-auth-' | grep -v other)
QF=$(ls "$TIMS_SESSION_DIR" | grep 'cli-auth-other')
t_ok "one session file a node, named after it" test -n "$PF" -a -n "$QF" -a "$PF" != "$QF"
t_eq "session files are mode 0600 in a 0700 directory" "600 700" \
	"$(stat -c %a "$TIMS_SESSION_DIR/$PF") $(stat -c %a "$TIMS_SESSION_DIR")"
t_ok "the admin works at Q with Q's own session" "$TIMS" officer list --post "$Q"
cp "$TIMS_SESSION_DIR/$PF" "$TIMS_SESSION_DIR/$QF"
out=$("$TIMS" officer list --post "$Q" 2>&1); rc=$?
t_eq "a token copied from another node's session file: refused" 1 "$rc"
t_match "... as unknown here" 'session ended, expired or unknown' "$out"
chmod 644 "$TIMS_SESSION_DIR/$PF"
t_match "a session file readable by others: refused" 'readable or writable by group or others' \
	"$("$TIMS" officer list --post "$P" 2>&1)"
chmod 600 "$TIMS_SESSION_DIR/$PF"
head -c 4096 /dev/zero >"$T_TMP/big"; cp "$T_TMP/big" "$TIMS_SESSION_DIR/$QF"
t_match "an oversized session file: refused" 'larger than 128 bytes' "$("$TIMS" officer list --post "$Q" 2>&1)"

# A TOTP code is good for one login.
SECRET=$(cat "$CLI_CACHE/$(_cli_key "$Q")-cli-admin.secret")
CODE=$(oathtool --totp -b "$SECRET")
printf '%s\n%s\n' "$CLI_PASSWORD" "$CODE" | TIMS_SESSION_DIR=$T_TMP/s3 "$TIMS" login --post "$Q" cli-admin 2>/dev/null
out=$(printf '%s\n%s\n' "$CLI_PASSWORD" "$CODE" | TIMS_SESSION_DIR=$T_TMP/s3 "$TIMS" login --post "$Q" cli-admin 2>&1); rc=$?
t_eq "a replayed TOTP code at login: refused" 1 "$rc"
t_match "... as already used" 'already used' "$out"
out=$(printf '%s\n%s\n' "wrong password 1" "000000" | TIMS_SESSION_DIR=$T_TMP/s4 "$TIMS" login --post "$Q" cli-admin 2>&1); rc=$?
t_eq "a wrong password: refused, vaguely" "1 tims login: login: officer id, password or code wrong" "$rc $out"
t_eq "... and no session file" "" "$(ls "$T_TMP/s4" 2>/dev/null)"

# The centre: the national query's actor is who is logged in.
C=$T_TMP/centre
"$TIMS" centre init "$C" >/dev/null
t_match "centre query without login: refused" 'not logged in' \
	"$(TIMS_SESSION_DIR=$NOSESS "$TIMS" centre query "$C" counts --by post 2>&1)"
t_status 2 "centre query: --actor is gone" "$TIMS" centre query "$C" counts --actor me --by post
t_end
