# roles.sh — docs/roles.md is the code, both ways. Every command `tims` has
# is a row of the matrix and every row is a command; every command runs as
# every role: an allowed role gets past the gate, every other one is refused
# (exit 1) with its role named, and with no session at all it is "not
# logged in"; a free command needs no account. The route tables of the post
# and the centre are the matrix's API rows (api-matrix.sh calls each post
# route as each role).
. tests/e2e/lib.sh

ROLES=(officer supervisor analyst auditor admin)
P=$T_TMP/post
C=$T_TMP/centre
W=$T_TMP/witness
NOSESS=$T_TMP/no-sessions
"$TIMS" post init "$P" --origin test.example/roles >/dev/null
"$TIMS" centre init "$C" >/dev/null
cli_bootstrap "$P"
cli_bootstrap "$C"

# The matrix: "command|roles" (roles: free, or the ✓ ones comma-separated).
python3 - docs/roles.md >"$T_TMP/cli.rows" <<'PY'
import re, sys
roles = ["officer", "supervisor", "analyst", "auditor", "admin"]
text = open(sys.argv[1], encoding="utf-8").read()
section = text.split("## Command line", 1)[1].split("\n## ", 1)[0]
for line in section.splitlines():
    m = re.match(r"\|\s*`tims ([a-z -]+)`\s*\|(.*)\|\s*$", line)
    if not m:
        continue
    cells = [c.strip() for c in m.group(2).split("|")]
    got = ["free"] if cells[0] == "free" else [r for r, c in zip(roles, cells) if c == "✓"]
    print(m.group(1) + "|" + ",".join(got))
PY
t_ok "docs/roles.md has a command line table" test -s "$T_TMP/cli.rows"

# Both ways: the commands the program has are the table's rows.
for f in $("$TIMS" help | awk '/^  [a-z]/ {print $1}'); do
	subs=$("$TIMS" "$f" --commands 2>/dev/null)
	if [ -n "$subs" ]; then printf '%s\n' "$subs"; else echo "$f"; fi
done | sort >"$T_TMP/have"
cut -d'|' -f1 "$T_TMP/cli.rows" | sort >"$T_TMP/doc"
t_eq "every command of tims is in docs/roles.md, and nothing else" "$(cat "$T_TMP/have")" "$(cat "$T_TMP/doc")"

# What each command is run with: something it can get past its gate with.
PERSONS=tests/data/screen/persons.csv
printf 'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n' >"$T_TMP/td3.mrz"
declare -A RUN NODE
RUN[help]="help"; RUN[version]="version"
for s in root leaf-hash prove-inclusion prove-consistency verify-inclusion verify-consistency \
	keygen sign-note verify-note; do RUN["tlog $s"]="tlog $s"; done
RUN[mrz]="mrz $T_TMP/td3.mrz"
RUN["epassport verify"]="epassport verify --csca $T_TMP/no-csca.pem $T_TMP/no-sod.bin"
RUN["epassport read"]="epassport read --first --mrz $T_TMP/td3.mrz --csca $T_TMP/no-csca.pem"
RUN["api parse"]="api parse tests/data/paxlst/us-d02b.edi"
RUN["api import"]="api import $C tests/data/paxlst/us-d02b.edi"
RUN["api list"]="api list $C --purpose roles-check"
RUN["api show"]="api show $C UA123 2007-04-29 --purpose roles-check"
RUN["api report"]="api report --centre $C --no-show --date 2007-04-29 --purpose roles-check"
RUN[login]="-"; RUN[logout]="-"   # below, by hand
RUN["post init"]="post init $T_TMP/p2"
RUN["post seal"]="post seal $P"
RUN["post serve"]="serve post serve $P --port 0"
RUN["post routes"]="post routes"
RUN["post enrol"]="post enrol $P --from $T_TMP/no-enrolment"
RUN["post add-witness"]="post add-witness $P --url https://127.0.0.1:1 --ca $C/ca.crt --vkey $C/cosign.vkey"
RUN["post restore"]="post restore $P --from-centre"
RUN["post resolve-rollback"]="post resolve-rollback $P --reason roles-test"
RUN["post apply-bundle"]="post apply-bundle $P $T_TMP/no-bundle"
RUN["post rotate-key"]="post rotate-key $P"
RUN["post renew-cert"]="post renew-cert $P"
RUN["post apply-revocations"]="post apply-revocations $P $T_TMP/no-list"
RUN["post wall-key"]="post wall-key $P --revoke"
RUN["officer add"]="pw officer add --post $P roles-x --name X --role officer"
RUN["officer list"]="officer list --post $P"
RUN["officer disable"]="officer disable --post $P roles-x"
RUN["officer enable"]="officer enable --post $P roles-x"
RUN["officer lang"]="officer lang --post $P roles-x sq"
RUN["officer reset"]="pw officer reset --post $P roles-x"
RUN["officer totp-rotate"]="officer totp-rotate --post $P roles-x"
RUN["officer bootstrap"]="pw officer bootstrap --post $P roles-root --name R"
RUN[cross]="cross --post $P --doc-number R1 --surname ROLES --direction entry --booth B1"
RUN["cross import"]="cross import --post $P /dev/null"
RUN[history]="history --post $P R1"
RUN["history search"]="history search --post $P --surname ROLES --purpose roles-test-search"
RUN["audit list"]="audit list --post $P --count 1"
RUN["audit reset"]="audit reset --post $P --request --reason roles"
RUN["audit verify"]="audit verify --post $P"
RUN["log verify"]="log verify --post $P"
RUN["log checkpoint"]="log checkpoint --post $P"
RUN["screen pairs"]="pairs screen pairs"
RUN["screen query"]="screen query --store $P/watchlists JOHN"
RUN["screen traveller"]="screen traveller --store $P/watchlists --mrz $T_TMP/td3.mrz"
RUN["watchlist import"]="watchlist import --store $P/watchlists --list roles --kind persons $PERSONS"
RUN["watchlist list"]="watchlist list --store $P/watchlists"
RUN["watchlist remove"]="watchlist remove --store $P/watchlists --list roles --ref P-001"
RUN["watchlist stats"]="watchlist stats --store $P/watchlists"
RUN["centre init"]="centre init $T_TMP/c2"
RUN["centre serve"]="serve centre serve $C --port 0"
RUN["centre enrol-post"]="centre enrol-post $C roles-post --vkey $P/post.vkey --url https://127.0.0.1:1 --out $T_TMP/enrol"
RUN["centre renew-post"]="centre renew-post $C no-such-post --url https://127.0.0.1:1 --out $T_TMP/renew"
RUN["centre revoke-post"]="centre revoke-post $C no-such-post"
RUN["centre rotate-key"]="centre rotate-key $C bundle"
RUN["centre revoke"]="centre revoke post $C no-such-post"
RUN["centre revocations"]="centre revocations $C --out $T_TMP/revocations.json"
RUN["centre ca"]="centre ca retire $C"
RUN["centre renew-cert"]="centre renew-cert $C"
RUN["centre posts"]="centre posts $C"
RUN["centre events"]="centre events $C"
RUN["centre isolate"]="centre isolate $C"
RUN["centre rejoin"]="centre rejoin $C"
RUN["centre add-witness"]="centre add-witness $C --vkey $T_TMP/no-such.vkey"
RUN["centre audit-witness"]="centre audit-witness $C --url https://127.0.0.1:1 --ca $C/ca.crt --vkey $T_TMP/no-such.vkey"
RUN["centre routes"]="centre routes"
RUN["centre rebuild"]="centre rebuild $C --from-posts no-such-post=https://127.0.0.1:1"
RUN["centre verify"]="centre verify $C"
RUN["centre reindex"]="centre reindex $C"
RUN["centre bundle"]="centre bundle $C --list no-such-list --out $T_TMP/bundle"
RUN["centre assign"]="centre assign $C no-such-officer --all"
RUN["centre unassign"]="centre unassign $C no-such-officer --all"
RUN["centre officer"]="centre officer totp-rotate $C no-such-officer"
RUN["centre query"]="centre query $C counts --by post"
RUN["centre audit-verify"]="centre audit-verify $C"
RUN["centre export"]="centre export list $C"
RUN["export keygen"]="export keygen --out $T_TMP/roles-export.key"
RUN["key generate"]="key generate --token $TIMS_TOKEN --label roles-key --name roles.example/k --out $T_TMP/roles-key"
RUN["export open"]="export open --key $T_TMP/no-such.key $T_TMP/no-such.sealed"
RUN["witness init"]="witness init $W"
RUN["witness add-log"]="witness add-log $W --vkey $P/post.vkey"
RUN["witness list"]="witness list $W"
RUN["witness apply-revocations"]="witness apply-revocations $W $T_TMP/no-list"
RUN["witness serve"]="serve witness serve $W --listen 127.0.0.1:0"
RUN["retention run"]="retention run $P --dry-run"
RUN["witness ask"]="witness ask --url https://127.0.0.1:1 --post $P"
RUN["witness rotate-key"]="witness rotate-key $W"
RUN[backup]="backup $P --out $T_TMP/roles-backup"
RUN[restore]="restore $T_TMP/roles-backup --to $T_TMP/roles-restored"
node_of() { case $1 in centre* | "api import" | "api list" | "api show" | "api report") echo "$C" ;; *) echo "$P" ;; esac; }

# run CMD: the command's invocation, as the caller's session is set.
run() {
	local how=${RUN[$1]} out
	case $how in
	serve\ *) # a daemon: up, then stopped
		# shellcheck disable=SC2086
		"$TIMS" ${how#serve } >"$T_TMP/serve.out" 2>"$T_TMP/serve.err" &
		local pid=$!
		wait_line "$T_TMP/serve.out" 'listening' 100
		kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
		cat "$T_TMP/serve.err"; grep -q listening "$T_TMP/serve.out" ;;
	pw\ *) # shellcheck disable=SC2086
		echo "roles password 1" | "$TIMS" ${how#pw } ;;
	pairs\ *) # shellcheck disable=SC2086
		echo '{"a":"John Smith","b":"Jon Smith"}' | "$TIMS" ${how#pairs } ;;
	*) # shellcheck disable=SC2086
		"$TIMS" $how ;;
	esac
}
GATE='not logged in|may not run|session ended'

while IFS='|' read -r cmd allowed; do
	if [ -z "${RUN[$cmd]+x}" ]; then
		t_report fail "$cmd: roles.sh has no invocation for it"
		continue
	fi
	[ "${RUN[$cmd]}" = - ] && continue
	if [ "$allowed" = free ]; then
		out=$(TIMS_SESSION_DIR=$NOSESS run "$cmd" 2>&1 </dev/null)
		if printf '%s' "$out" | grep -Eq "$GATE"; then
			t_report fail "$cmd: free, but asks for a session" "$out"
		else t_report ok "$cmd: free: runs without any account"; fi
		continue
	fi
	node=$(node_of "$cmd")
	out=$(TIMS_SESSION_DIR=$NOSESS run "$cmd" 2>&1 </dev/null); rc=$?
	if [ "$rc" = 1 ] && printf '%s' "$out" | grep -q "not logged in"; then
		t_report ok "$cmd: no session: refused, not logged in"
	else t_report fail "$cmd: no session: wanted exit 1, not logged in" "exit $rc: $out"; fi
	for r in "${ROLES[@]}"; do
		out=$(cli_as "$node" "$r" run "$cmd" 2>&1 </dev/null); rc=$?
		if [[ ",$allowed," == *",$r,"* ]]; then
			if printf '%s' "$out" | grep -Eq "$GATE"; then
				t_report fail "$cmd ($r): allowed, but refused at the gate" "$out"
			else t_report ok "$cmd ($r): allowed, past the gate"; fi
		elif [ "$rc" = 1 ] && printf '%s' "$out" | grep -q "role $r may not run tims $cmd"; then
			t_report ok "$cmd ($r): refused, the role named"
		else
			t_report fail "$cmd ($r): wanted exit 1 and 'role $r may not run tims $cmd'" "exit $rc: $out"
		fi
	done
done <"$T_TMP/cli.rows"

# login and logout: every role logged in above (cli_as); each logs out.
t_eq "login, logout: open to every role" "login|officer,supervisor,analyst,auditor,admin logout|officer,supervisor,analyst,auditor,admin" \
	"$(grep -E '^log(in|out)\|' "$T_TMP/cli.rows" | tr '\n' ' ' | sed 's/ $//')"
for r in "${ROLES[@]}"; do
	t_ok "logout ($r)" cli_as "$P" "$r" "$TIMS" logout --post "$P"
done

# The API rows are the route tables.
api_rows() { # SECTION
	python3 - docs/roles.md "$1" <<'PY'
import re, sys
roles = ["officer", "supervisor", "analyst", "auditor", "admin"]
text = open(sys.argv[1], encoding="utf-8").read()
section = text.split("## " + sys.argv[2], 1)[1].split("\n## ", 1)[0]
for line in section.splitlines():
    m = re.match(r"\|\s*`(GET|POST|PUT|DELETE|PATCH) (/[^`]*)`\s*\|(.*)\|\s*$", line)
    if not m:
        continue
    cells = [c.strip() for c in m.group(3).split("|")]
    got = [cells[0]] if cells[0] in ("public", "peer", "wall") else [r for r, c in zip(roles, cells) if c == "✓"]
    print(m.group(1), m.group(2), ",".join(got))
PY
}
code_rows() { "$TIMS" "$1" routes | python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    print(r["method"], r["path"], ",".join(r["roles"]))'; }
t_eq "docs/roles.md's Post API rows are the post's route table" \
	"$(code_rows post | sort)" "$(api_rows "Post API" | sort)"
t_eq "docs/roles.md's Centre API rows are the centre's route table" \
	"$(code_rows centre | sort)" "$(api_rows "Centre API" | sort)"
# The rules of the matrix, as data: no role both changes the system and
# reads the audit trail; the admin reads nothing that names people.
t_eq "the audit trail is read by the auditor alone" "audit list|auditor" "$(grep '^audit list|' "$T_TMP/cli.rows")"
t_eq "the admin reads no history, query, watchlist or event" "" \
	"$(grep -E '^(history|centre query|centre events|watchlist list|screen query|screen traveller|audit list|api import|api list|api show|api report)\|.*admin' "$T_TMP/cli.rows")"
t_eq "no API route gives the admin the audit trail or personal data" "" \
	"$( (api_rows "Post API"; api_rows "Centre API") | awk '$2 ~ /audit|history|hits|events|overstays|search/ && $3 ~ /admin/')"
t_end
