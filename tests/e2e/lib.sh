# lib.sh — helpers for end-to-end scripts: TAP lines that tests/run.sh counts.
#
#   t_ok "name" CMD...          passes if CMD exits 0
#   t_status N "name" CMD...    passes if CMD exits with status N
#   t_eq "name" WANT GOT        passes if the strings are equal
#   t_match "name" REGEX TEXT   passes if TEXT matches the extended regex
# Scripts run from the repository root with $TIMS set to the program.
: "${TIMS:=$PWD/build/tims}"
T_N=0
T_FAILED=0
T_TMP=$(mktemp -d)
# Debian's python3 before any other: a pyenv shim (build machines have one
# first in PATH) costs about half a second of CPU a call, and the scripts
# call python3 for every port they take. tests/run.sh does the same.
if [ -x /usr/bin/python3 ] &&
	[ "$(readlink -f "$(command -v python3)")" != "$(readlink -f /usr/bin/python3)" ]; then
	mkdir -p "$T_TMP/bin" && ln -s /usr/bin/python3 "$T_TMP/bin/python3" && PATH=$T_TMP/bin:$PATH
fi

# Processes a script starts (PIDS+=($!)) are stopped at exit (woken first,
# in case a test stopped one with SIGSTOP), then T_TMP is removed (KEEP=1
# keeps it). A script with more to undo defines t_cleanup_more.
PIDS=()
t_cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	if declare -F t_cleanup_more >/dev/null; then t_cleanup_more; fi
	if [ -n "${KEEP:-}" ]; then echo "# kept $T_TMP"; else rm -rf "$T_TMP"; fi
}
trap t_cleanup EXIT

# Every node keeps its keys in a PKCS#11 token: each script gets its own
# SoftHSM2 token (SOFTHSM2_CONF, TIMS_TOKEN; scripts/token.sh).
eval "$(bash "${TIMS_ROOT:-$PWD}/scripts/token.sh" "$T_TMP/token")"

# free_port: a TCP port free on 127.0.0.1 now.
# free_port: a port for a server the test restarts on the same port (a
# centre its posts are enrolled with). Not one the kernel hands out itself
# (bind to port 0, every "--port 0" server, every client connection: the
# ephemeral range, ip_local_port_range): while the server was down, another
# suite running beside this one could get that port, answer the posts with
# its own certificate and keep the restarted server from binding (a CI run's
# network.sh: "not the peer enrolled", then no catch-up). A random port
# below the ephemeral range that binds now; only other free_port callers
# draw from it.
free_port() {
	/usr/bin/python3 -c '
import random, socket
lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for _ in range(200):
    p = random.randrange(10000, max(lo, 10001))
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
else:
    raise SystemExit("free_port: no free port below the ephemeral range")
'
}
# wait_line FILE REGEX [TRIES]: until FILE has a line matching REGEX, every
# 0.1 s, TRIES times (default 600: 60 s, for machines running suites side by
# side); 1 if it never does.
wait_line() {
	local _
	for _ in $(seq 1 "${3:-600}"); do grep -Eq "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

t_report() { # ok|fail name [detail]
	T_N=$((T_N + 1))
	if [ "$1" = ok ]; then echo "ok $T_N - $2"; else
		T_FAILED=$((T_FAILED + 1)); echo "not ok $T_N - $2"
		[ -n "${3:-}" ] && printf '%s\n' "$3" | head -20 | sed 's/^/#   /'
	fi
}
t_ok() { local n=$1; shift; local out; if out=$("$@" 2>&1); then t_report ok "$n"; else t_report fail "$n" "$out"; fi; }
t_status() {
	local want=$1 n=$2; shift 2; local out rc
	out=$("$@" 2>&1); rc=$?
	if [ "$rc" -eq "$want" ]; then t_report ok "$n"; else t_report fail "$n" "exit $rc, wanted $want: $out"; fi
}
t_eq() { if [ "$2" = "$3" ]; then t_report ok "$1"; else t_report fail "$1" "want: $2
got:  $3"; fi; }
t_match() { if printf '%s' "$3" | grep -Eq -- "$2"; then t_report ok "$1"; else t_report fail "$1" "no match for /$2/ in: $3"; fi; }
t_end() { echo "# passed $((T_N - T_FAILED)) failed $T_FAILED"; [ "$T_FAILED" -eq 0 ]; }

# browser_report RC: the checks a browser script (tests/browser/*.mjs) wrote
# to $T_TMP/browser.out, one "ok|fail<TAB>name<TAB>detail" a line ("note"
# lines as comments), then whether it ran to its end (its exit status RC and
# its last line "end<TAB>done"), with its stderr when it did not.
browser_report() {
	local rc=$1 st name detail
	while IFS=$'\t' read -r st name detail; do
		case $st in
		ok | fail) t_report "$st" "browser: $name" "$(printf '%b' "$detail")" ;;
		note) echo "# $name" ;;
		esac
	done <"$T_TMP/browser.out"
	t_eq "browser: the script ran to its end" "0 end done" "$rc $(tail -n 1 "$T_TMP/browser.out" | cut -f1,2 | tr '\t' ' ')"
	[ "$rc" -eq 0 ] || sed 's/^/#   /' "$T_TMP/browser.err" | head -30
}

# wait_for TRIES CMD...: until CMD succeeds, every 0.2 s, TRIES times.
wait_for() {
	local n=$1 _
	shift
	for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.2; done
	return 1
}

# preq METHOD PATH [BODY]: a request to the post node at $PURL, trusting
# $C/ca.crt (the centre's CA, which issued the node's certificate), with the
# session $TOKEN when set; prints the answer's body.
preq() {
	local args=(-s --cacert "$C/ca.crt" -X "$1" "$PURL$2")
	[ -n "${TOKEN:-}" ] && args+=(-H "Authorization: Bearer $TOKEN")
	[ -n "${3:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	curl "${args[@]}"
}

# check_id_of: the check id of a POST /api/v1/check answer on stdin.
check_id_of() { sed -n 's/.*"check_id":"\([0-9a-f]*\)".*/\1/p'; }
# manual_person DOC SURNAME GIVEN DOB [NAT] [SEX]: the "manual" object of a
# check, a document typed by hand.
manual_person() {
	printf '{"doc_code":"P","issuer":"%s","doc_number":"%s","surname":"%s","given_names":"%s","nationality":"%s","birth_date":"%s","sex":"%s"}' \
		"${5:-BGR}" "$1" "$2" "$3" "${5:-BGR}" "$4" "${6:-M}"
}

# traffic COUNT TAG: COUNT crossings through the node's API (ids TAG-1 ...),
# each a check then its crossing, as a booth does; each acknowledged one
# counted in ACK.
traffic() {
	local k r c
	for k in $(seq 1 "$1"); do
		c=$(preq POST /api/v1/check "{\"manual\":$(manual_person "$2$k" PETROV IVAN 1980-01-01)}" | check_id_of)
		r=$(preq POST /api/v1/crossings "{\"check_id\":\"$c\",\"direction\":\"entry\",\"decision\":\"admit\",\"id\":\"$2-$k\"}")
		case $r in *'"index"'*) ACK=$((ACK + 1)) ;; esac
	done
}

# ---- who is typing: tims login (docs/roles.md) ---------------------------
# No test touches $HOME: sessions live in the test's own directory. A
# TIMS_SESSION from the caller's environment would stand for every command.
export TIMS_SESSION_DIR=$T_TMP/sessions
# The daemons refuse root without `user` (CI runs as root): tests/e2e/sandbox.sh
# tests the refusal with this unset.
export TIMS_ALLOW_ROOT=1
unset TIMS_SESSION
CLI_PASSWORD="cli password 1"
CLI_CACHE=$T_TMP/cli-accounts

# _cli_key DIR: a name for DIR in CLI_CACHE (the same for every spelling of it).
_cli_key() { (cd "$1" 2>/dev/null && pwd -P || printf '%s' "$1") | sha256sum | cut -c1-16; }
# _cli_code SECRET STEPFILE: a TOTP code for a step after the one in
# STEPFILE (a code is accepted once: wait for the next window if needed).
_cli_code() {
	local step last
	last=$(cat "$2" 2>/dev/null || echo 0)
	step=$(($(date +%s) / 30))
	while [ "$step" -le "$last" ]; do sleep 0.5; step=$(($(date +%s) / 30)); done
	echo "$step" >"$2"
	oathtool --totp -b "$1"
}
# cli_login DIR ID [--print-token]: log ID in at DIR (password CLI_PASSWORD,
# its secret from CLI_CACHE).
cli_login() {
	local k f
	k=$(_cli_key "$1"); f=$CLI_CACHE/$k-$2
	printf '%s\n%s\n' "$CLI_PASSWORD" "$(_cli_code "$(cat "$f.secret")" "$f.step")" |
		"$TIMS" login --post "$1" "$2" ${3:+"$3"}
}
# cli_bootstrap DIR: the first admin of DIR (a post's or the centre's
# directory), cli-admin, logged in: afterwards admin commands on DIR work
# as before (e.g. "$TIMS" officer add --post DIR ...).
cli_bootstrap() {
	local k out
	mkdir -p "$CLI_CACHE"
	k=$(_cli_key "$1")
	out=$(printf '%s\n' "$CLI_PASSWORD" | "$TIMS" officer bootstrap --post "$1" cli-admin \
		--name "CLI admin" 2>&1) || { printf '%s\n' "$out" >&2; return 1; }
	printf '%s\n' "$out" | sed -n 's/.*TOTP secret \([A-Z2-7]*\).*/\1/p' >"$CLI_CACHE/$k-cli-admin.secret"
	cli_login "$1" cli-admin 2>/dev/null
}
# cli_as DIR ROLE CMD ARGS...: CMD with TIMS_SESSION set to a session of an
# account of ROLE on DIR (cli-ROLE, made with the admin session and logged
# in on first use, cached for the test). ROLE admin: the admin session of
# cli_bootstrap.
cli_as() {
	local dir=$1 role=$2 k f out
	shift 2
	if [ "$role" = admin ]; then "$@"; return; fi
	k=$(_cli_key "$dir"); f=$CLI_CACHE/$k-cli-$role
	if [ ! -s "$f.token" ]; then
		if [ ! -s "$f.secret" ]; then
			out=$(printf '%s\n' "$CLI_PASSWORD" | "$TIMS" officer add --post "$dir" "cli-$role" \
				--name "CLI $role" --role "$role" 2>&1) || { printf '%s\n' "$out" >&2; return 2; }
			printf '%s\n' "$out" | sed -n 's/.*TOTP secret \([A-Z2-7]*\).*/\1/p' >"$f.secret"
		fi
		cli_login "$dir" "cli-$role" --print-token >"$f.token" || { rm -f "$f.token"; return 2; }
	fi
	TIMS_SESSION=$(cat "$f.token") "$@"
}
# cli_forget DIR ROLE: the next cli_as DIR ROLE logs in again.
cli_forget() { rm -f "$CLI_CACHE/$(_cli_key "$1")-cli-$2.token"; }
# cli_as_id DIR ID PASSWORD SECRET CMD ARGS...: CMD with a session of the
# existing account ID on DIR (its password and TOTP secret given), logged in
# on first use and cached, for what must be done as that very officer.
cli_as_id() {
	local dir=$1 id=$2 pw=$3 secret=$4 k f
	shift 4
	k=$(_cli_key "$dir"); f=$CLI_CACHE/$k-$id
	mkdir -p "$CLI_CACHE"
	if [ ! -s "$f.token" ]; then
		printf '%s\n%s\n' "$pw" "$(_cli_code "$secret" "$f.step")" |
			"$TIMS" login --post "$dir" "$id" --print-token >"$f.token" || { rm -f "$f.token"; return 2; }
	fi
	TIMS_SESSION=$(cat "$f.token") "$@"
}
# cli_fresh_code: wait until the TOTP window is past every one a CLI login
# of this test used, so that an account logged in here may log in again
# elsewhere (the API) with a code of its own.
cli_fresh_code() {
	local last=0 s f
	for f in "$CLI_CACHE"/*.step; do
		[ -f "$f" ] || continue
		s=$(cat "$f"); [ "$s" -gt "$last" ] && last=$s
	done
	while [ $(($(date +%s) / 30)) -le "$last" ]; do sleep 0.5; done
}

# signer_image_checks WHO DAEMON_PID SIGNER_PID (as root: it reads the
# processes' /proc/PID/mem): the signer is the tims program re-executed
# with the hidden command, not a copy of the daemon (issue 18)
signer_image_checks() {
	local who=$1 d=$2 s=${3:-none} r
	t_eq "$who: the signer's image is the daemon's program" "$(readlink "/proc/$d/exe")" \
		"$(readlink "/proc/$s/exe" 2>/dev/null)"
	t_eq "$who: its command line is the hidden entry point" "tims __signer --fd 3" \
		"$(tr '\0' ' ' <"/proc/$s/cmdline" 2>/dev/null | sed 's/ $//')"
	t_eq "$who: it holds descriptors 0-3 only, stdin and stdout on /dev/null" \
		"0 1 2 3|/dev/null /dev/null" \
		"$(ls "/proc/$s/fd" 2>/dev/null | sort -n | paste -sd' ')|$(readlink "/proc/$s/fd/0") $(readlink "/proc/$s/fd/1")"
	r=$(/usr/bin/python3 - "$d" "$s" <<'PY'
import os, re, struct, sys
d, s = sys.argv[1], sys.argv[2]
def at_random(pid):
    data = open("/proc/%s/auxv" % pid, "rb").read()
    v = struct.unpack("%dQ" % (len(data) // 8), data)
    addr = dict(zip(v[0::2], v[1::2]))[25]          # AT_RANDOM
    with open("/proc/%s/mem" % pid, "rb") as m:
        m.seek(addr)
        return m.read(16)
def base(pid, pred):
    for line in open("/proc/%s/maps" % pid):
        f = line.split()
        if len(f) >= 6 and pred(f[5]):
            return f[0].split("-")[0]
exe = os.readlink("/proc/%s/exe" % d)
libc = lambda p: re.search(r"/libc\.so\.6$", p) is not None
print("canary:%s exe:%s libc:%s" % (
    "own" if at_random(d) != at_random(s) else "same",
    "own" if base(d, lambda p: p == exe) != base(s, lambda p: p == exe) else "same",
    "own" if base(d, libc) != base(s, libc) else "same"))
PY
)
	t_match "$who: its own AT_RANDOM bytes (stack canary, pointer guard)" '^canary:own' "$r"
	if [ "$(cat /proc/sys/kernel/randomize_va_space)" != 0 ]; then
		t_match "$who: its own base addresses for the program and libc (ASLR per exec)" \
			'exe:own libc:own$' "$r"
	else
		# not run is not passed
		t_report fail "$who: its own base addresses: not testable, ASLR is off on this machine (randomize_va_space=0) ($r)"
	fi
}
