# sandbox.sh — least privilege of the daemons (docs/operations.md,
# "Sandbox"): a post started as root without `user` (and without
# TIMS_ALLOW_ROOT, which the other tests set) refuses to start, exit 2,
# naming the key; a witness with `user = nobody` in its config file, over a
# directory nobody owns, serves as nobody with NO_NEW_PRIVS and a seccomp
# filter on every thread, and still answers; a directory root owns is
# refused with `user` set, naming directory and owner.
#
# The signer is a fresh image (docs/operations.md, "Process model"): the
# hidden entry point `tims __signer --fd N` refuses a terminal, a
# descriptor that is not a SOCK_SEQPACKET socket, a socket whose peer is
# not its parent, and a hostile setup message; the signer of a running
# post and witness is the tims binary re-executed with that command, with
# only descriptors 0-3, its own AT_RANDOM bytes (stack canary, pointer
# guard) and its own addresses for the program and libc (the post's and
# the centre's: tests/e2e/token-unavailable.sh).
. tests/e2e/lib.sh

# The hidden entry point run as each case sets it up (python: socketpairs
# and a pty); one line a case: "CASE EXIT|ANSWER-STATUS|MESSAGE".
entry=$(/usr/bin/python3 - "$TIMS" <<'PY'
import os, pty, socket, struct, subprocess, sys
tims = sys.argv[1]
def msg(fields, op=19, id=0):
    body = b"".join(struct.pack(">I", len(f)) + f for f in fields)
    return struct.pack(">IHHII", 0x54534731, op, 0, id, len(body)) + body
def run(sock, stdin=subprocess.DEVNULL, via_shell=False):
    fd = sock.fileno() if sock else None
    pre = (lambda: os.dup2(fd, 3)) if sock else None
    argv = [tims, "__signer", "--fd", "3"]
    if via_shell:   # a shell in between: the socket's peer is not its parent
        argv = ["/bin/sh", "-c", '"$0" "$@"; exit $?'] + argv
    return subprocess.Popen(argv, stdin=stdin, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, preexec_fn=pre,
                            pass_fds=(3,) if sock else ())
def answer(a):
    if len(a) < 16:
        return "-", ""
    st = struct.unpack(">H", a[6:8])[0]
    return str(st), (a[20:].decode(errors="replace") if len(a) > 20 else "")
first = {"unknown-tag": msg([b"Zx"]), "user-without-sandbox": msg([b"Unobody"]),
         "not-setup": msg([b"x"], op=8, id=5), "garbage": b"\x00" * 7, "good": msg([])}
for case in ["tty", "nofd", "stream", "notparent"] + list(first):
    ans, text = "-", ""
    if case == "tty":
        m, s = pty.openpty()
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        p = run(b, stdin=s)
    elif case == "nofd":
        p = run(None)
    elif case == "stream":
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        p = run(b)
    elif case == "notparent":
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        p = run(b, via_shell=True)
    else:
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        p = run(b)
        b.close()
        a.settimeout(20)
        a.send(first[case])
        try:
            ans, text = answer(a.recv(1 << 17))
        except OSError:
            pass
        if case == "good" and ans == "0":
            a.send(msg([]))          # a second setup: an unknown operation now
            ans2, text = answer(a.recv(1 << 17))
            ans += "," + ans2
        a.close()
    err = p.stderr.read().decode(errors="replace").strip()
    print("%s %d|%s|%s" % (case, p.wait(timeout=30), ans, (text or err).replace("\n", " ")))
PY
)
signer_entry() { printf '%s\n' "$entry" | sed -n "s/^$1 //p"; }
out=$(signer_entry tty)
t_match "__signer from a terminal: refused, exit 2, saying so" '^2\|-\|.*standard input is a terminal' "$out"
out=$(signer_entry nofd)
t_match "__signer without its descriptor: refused, exit 2" '^2\|-\|.*--fd 3: not open' "$out"
out=$(signer_entry stream)
t_match "__signer on a stream socket: refused, exit 2" '^2\|-\|.*--fd 3: not a SOCK_SEQPACKET socket' "$out"
out=$(signer_entry notparent)
t_match "__signer whose socket's peer is not its parent: refused, exit 2" \
	'^2\|-\|.*its peer \(pid [0-9]+\) is not this process.s parent' "$out"
out=$(signer_entry unknown-tag)
t_match "a setup with an unknown field: refused (INVALID answer, exit 1)" \
	"^1\|2\|signer setup: field 1: unknown tag 0x5a" "$out"
out=$(signer_entry user-without-sandbox)
t_match "a setup naming a user but no sandbox: refused" \
	"^1\|2\|.*sandbox fields without a sandbox mode" "$out"
out=$(signer_entry not-setup)
t_match "a first message that is not the setup (a sign request): refused" \
	"^1\|2\|.*the first message must be the setup" "$out"
out=$(signer_entry garbage)
t_match "seven bytes of garbage: refused" "^1\|2\|.*malformed header" "$out"
out=$(signer_entry good)
t_match "an empty setup: answered, a second one refused, exit 0 when the peer closes" \
	"^0\|0,2\|signer: unknown operation" "$out"

if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1; then
	# not run is not passed
	t_report fail "the root refusal and the drop to nobody: not testable here (not root, or no nobody account)"
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
signer_image_checks "witness" "$WPID" "$SPID"
t_eq "a request still works under the sandbox (GET /key-announcements)" 200 \
	"$(curl -sk -o /dev/null -w '%{http_code}' "$URL/key-announcements")"
t_match "and the metrics" '^tims_' "$(curl -sk "$URL/metrics" | grep -v '^#' | head -1)"
kill -TERM "$WPID"
wait "$WPID"
t_eq "it stops cleanly on SIGTERM (exit 0, no SIGSYS)" 0 "$?"

t_end
