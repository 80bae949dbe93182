# package.sh — the Debian package and its systemd services, as an operator
# gets them:
#  - each unit in systemd/ scores below 2.0 on `systemd-analyze security
#    --offline=yes` (the scores are printed) and passes `systemd-analyze
#    verify`;
#  - `dpkg-buildpackage -b` builds the package from a clean copy of the
#    commit under test (git archive HEAD: what a clean clone builds, not the
#    working tree), lintian finds no error in it, and it holds the program,
#    the consoles, the units, the sysusers.d and tmpfiles.d entries, the
#    manual pages, the Albanian message catalogue and /etc/tims/*.conf as
#    conffiles;
#  - the daemons speak sd_notify: `tims witness serve` started as systemd
#    starts a Type=notify unit with a watchdog (NOTIFY_SOCKET, WATCHDOG_USEC)
#    sends READY=1 once it listens, WATCHDOG=1 while it runs and STOPPING=1
#    on SIGTERM, to a datagram socket this test owns.
# The package build compiles the program once more (one plain -O2 build, no
# tests: debian/rules), the bulk of this script's time.
. tests/e2e/lib.sh
R=${TIMS_ROOT:-$PWD}

# The package build runs in the background while the other checks run.
src=$T_TMP/build/tims
mkdir -p "$src"
t_ok "package: git archive of the commit under test" \
	bash -c "git -C '$R' archive --format=tar HEAD | tar -x -C '$src'"
(
	start=$(date +%s)
	cd "$src" && DEB_BUILD_OPTIONS=noautodbgsym dpkg-buildpackage -b -us -uc -j"$(nproc)"
	rc=$?
	echo $(( $(date +%s) - start )) >"$T_TMP/build.secs"
	exit $rc
) >"$T_TMP/dpkg-buildpackage.log" 2>&1 &
build_pid=$!
PIDS+=("$build_pid")

# ---- the units' sandbox scores and syntax ---------------------------------
for kind in post centre witness; do
	u=$R/systemd/tims-$kind.service
	out=$(systemd-analyze security --offline=yes "$u" 2>&1)
	score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	echo "# tims-$kind.service: exposure $score"
	t_match "package: tims-$kind.service is rated by systemd-analyze security --offline" '^[0-9]+\.[0-9]+$' "$score"
	t_ok "package: tims-$kind.service scores below 2.0 (got ${score:-none})" \
		awk -v s="${score:-99}" 'BEGIN { exit !(s + 0 < 2.0) }'
	t_match "package: tims-$kind.service is Type=notify with a watchdog, LimitCORE=0, UMask=0077, StateDirectory=tims/$kind" \
		"Type=notify.*WatchdogSec=[1-9].*StateDirectory=tims/$kind.*UMask=0077.*LimitCORE=0" "$(tr '\n' ' ' <"$u")"
	t_match "package: tims-$kind.service runs tims $kind serve --config /etc/tims/$kind.conf as the user tims" \
		"User=tims .*ExecStart=/usr/bin/tims $kind serve --config /etc/tims/$kind.conf " "$(tr '\n' ' ' <"$u")"
done

# ---- sd_notify: READY, WATCHDOG, STOPPING ---------------------------------
W=$T_TMP/witness
"$TIMS" witness init "$W" --name notify-witness >/dev/null 2>&1
t_ok "package: a witness for the notify check" test -s "$W/witness.vkey"
cat >"$T_TMP/notify.py" <<'EOF'
# notify.py SOCKET CMD...: run CMD as systemd runs a Type=notify service with
# WatchdogSec=0.4 s; print each notification it sends, one a line; SIGTERM it
# once READY=1 and two WATCHDOG=1 have come; print "exit N" at its end.
import os, signal, socket, subprocess, sys, time
path, cmd = sys.argv[1], sys.argv[2:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(1.0)
env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="400000")
env.pop("WATCHDOG_PID", None)
p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
ready, pings, stopped, deadline = False, 0, False, time.time() + 30
while time.time() < deadline and p.poll() is None:
    try:
        msg = s.recv(4096).decode()
    except socket.timeout:
        continue
    for line in msg.split("\n"):
        print(line, flush=True)
        ready |= line == "READY=1"
        pings += ready and line == "WATCHDOG=1"
    if ready and pings >= 2 and not stopped:
        p.send_signal(signal.SIGTERM)
        stopped = True
if not stopped and p.poll() is None:
    p.send_signal(signal.SIGTERM)
try:
    rc = p.wait(timeout=15)
except subprocess.TimeoutExpired:
    p.kill()
    rc = p.wait()
s.settimeout(0.5)
try:
    while True:
        for line in s.recv(4096).decode().split("\n"):
            print(line, flush=True)
except socket.timeout:
    pass
print("exit %d" % rc)
EOF
msgs=$(python3 "$T_TMP/notify.py" "$T_TMP/notify.sock" "$TIMS" witness serve "$W" --listen 127.0.0.1:0 2>&1)
printf '%s\n' "$msgs" | sort | uniq -c | sed 's/^/# notify: /'
t_match "package: tims witness serve sends READY=1 to NOTIFY_SOCKET once it listens" '(^|[[:space:]])READY=1' "$msgs"
t_eq "package: ... and WATCHDOG=1 pings after it (WATCHDOG_USEC set)" 2 \
	"$(printf '%s\n' "$msgs" | sed -n '/^READY=1$/,$p' | grep -c '^WATCHDOG=1$' | awk '{print ($1 >= 2) ? 2 : $1}')"
t_match "package: ... and STOPPING=1 on SIGTERM, then exits 0" 'STOPPING=1.*exit 0$' "$(printf '%s' "$msgs" | tr '\n' ' ' | sed 's/ $//')"

# ---- the package from a clean copy of the commit ---------------------------
wait "$build_pid"
rc=$?
echo "# dpkg-buildpackage -b: $(cat "$T_TMP/build.secs" 2>/dev/null) s"
t_eq "package: dpkg-buildpackage -b -us -uc builds from a clean copy$( [ $rc -ne 0 ] && tail -25 "$T_TMP/dpkg-buildpackage.log" | sed 's/^/  | /')" 0 "$rc"
deb=$(ls "$T_TMP"/build/tims_*.deb 2>/dev/null | head -1)
t_ok "package: a tims .deb was made" test -s "$deb"

if [ -s "$deb" ]; then
	lint=$(lintian --tag-display-limit 0 "$deb" 2>&1)
	printf '%s\n' "$lint" | sed 's/^/# lintian: /'
	t_eq "package: lintian finds no error" "" "$(printf '%s\n' "$lint" | grep '^E:')"

	files=$(dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|')
	for f in /usr/bin/tims /usr/share/tims/web/index.html /usr/share/tims/web/dashboard/index.html \
		/usr/share/tims/web/i18n.js /usr/share/tims/web/i18n/sq.json /usr/share/tims/web/dashboard/i18n/sq.json \
		/lib/systemd/system/tims-post.service /lib/systemd/system/tims-centre.service \
		/lib/systemd/system/tims-witness.service /usr/lib/sysusers.d/tims.conf \
		/usr/lib/tmpfiles.d/tims.conf /etc/tims/post.conf /etc/tims/centre.conf \
		/etc/tims/witness.conf /usr/share/man/man1/tims.1.gz /usr/share/man/man1/tims-post.1.gz \
		/usr/share/man/man8/tims-post.8.gz /usr/share/man/man8/tims-centre.8.gz \
		/usr/share/man/man8/tims-witness.8.gz /usr/share/man/man5/stay-regimes.conf.5.gz \
		/usr/share/locale/sq/LC_MESSAGES/tims.mo; do
		t_match "package: holds $f" "^$f\$" "$files"
	done
	t_eq "package: /etc/tims/{post,centre,witness}.conf are its conffiles" \
		"/etc/tims/centre.conf /etc/tims/post.conf /etc/tims/witness.conf" \
		"$(dpkg-deb --info "$deb" conffiles 2>&1 | sort | tr '\n' ' ' | sed 's/ $//')"
	ctl=$T_TMP/ctl
	dpkg-deb -e "$deb" "$ctl"
	t_match "package: postinst makes the user tims (systemd-sysusers) and its directories (systemd-tmpfiles)" \
		'systemd-sysusers.*tims\.conf.*systemd-tmpfiles.*tims\.conf' "$(tr '\n' ' ' <"$ctl/postinst")"

	# The units as installed, checked by systemd-analyze verify against the
	# package's own tree (the program at the unit's ExecStart path).
	root=$T_TMP/root
	dpkg-deb -x "$deb" "$root"
	for kind in post centre witness; do
		u=$root/lib/systemd/system/tims-$kind.service
		sed "s|/usr/bin/tims|$root/usr/bin/tims|" "$u" >"$T_TMP/tims-$kind.service"
		t_eq "package: systemd-analyze verify accepts the installed tims-$kind.service" "" \
			"$(systemd-analyze verify --man=no "$T_TMP/tims-$kind.service" 2>&1)"
	done
	t_status 0 "package: the packaged program runs" "$root/usr/bin/tims" version
	t_match "package: the packaged program speaks Albanian from its installed catalogue (docs/languages.md)" \
		"nuk është komandë e tims" "$(env -i LANGUAGE=sq LANG=C.UTF-8 TIMS_CONF_DIR="$T_TMP/none" "$root/usr/bin/tims" nosuch 2>&1)"
	# What postinst does, into the extracted tree: the user, then its directories.
	mkdir -p "$root/var/lib"
	systemd-sysusers --root="$root" "$root/usr/lib/sysusers.d/tims.conf" >/dev/null 2>&1
	t_match "package: sysusers.d makes the system user tims" '^tims:x:[0-9]+:[0-9]+:.*:/usr/sbin/nologin$' \
		"$(cat "$root/etc/passwd" 2>&1)"
	systemd-tmpfiles --root="$root" --create "$root/usr/lib/tmpfiles.d/tims.conf" >/dev/null 2>&1
	uid=$(sed -n 's/^tims:x:\([0-9]*\):.*/\1/p' "$root/etc/passwd" 2>/dev/null)
	t_eq "package: tmpfiles.d makes /var/lib/tims/{post,centre,witness}, 0700, owned by tims" \
		"700 $uid 700 $uid 700 $uid" \
		"$(stat -c '%a %u' "$root"/var/lib/tims/post "$root"/var/lib/tims/centre "$root"/var/lib/tims/witness 2>&1 | tr '\n' ' ' | sed 's/ $//')"
	t_eq "package: ... and their key directories beside them, {post,centre,witness}.keys, 0700, owned by tims" \
		"700 $uid 700 $uid 700 $uid" \
		"$(stat -c '%a %u' "$root"/var/lib/tims/post.keys "$root"/var/lib/tims/centre.keys "$root"/var/lib/tims/witness.keys 2>&1 | tr '\n' ' ' | sed 's/ $//')"
	t_match "package: each unit keeps its key directory (StateDirectory)" \
		"^StateDirectory=tims/post tims/post.keys StateDirectory=tims/centre tims/centre.keys StateDirectory=tims/witness tims/witness.keys $" \
		"$(grep -h '^StateDirectory=' "$root"/lib/systemd/system/tims-post.service "$root"/lib/systemd/system/tims-centre.service "$root"/lib/systemd/system/tims-witness.service 2>&1 | tr '\n' ' ')"
	for p in "$root"/usr/share/man/man5/*.gz "$root"/usr/share/man/man8/*.gz; do
		t_eq "package: $(basename "$p" .gz) is lint-clean (groff -mdoc -ww)" "" \
			"$(zcat "$p" | groff -mdoc -ww -z 2>&1)"
	done
fi

t_end
