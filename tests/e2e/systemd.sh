# systemd.sh — the three units (tims-witness, tims-post, tims-centre) as
# `make install` installs them, started by a real systemd running as PID 1,
# not by a test that imitates one (the post and the centre set up with their
# tokens as tims-post(8) and tims-centre(8) say):
#  - the unit starts (Type=notify: active only once the daemon said READY=1),
#    answers over HTTPS, and systemd receives its watchdog pings;
#  - its process runs as the user tims, with no capability, no_new_privs, a
#    seccomp filter, and the file system as the unit's sandbox leaves it
#    (/etc and /usr read-only, /home not there, only its state directory
#    writable);
#  - `systemctl stop` ends it cleanly (SIGTERM, exit 0).
#
# The systemd is the machine's own (/lib/systemd/systemd), booted in a PID,
# mount, network, UTS and IPC namespace this test makes; /usr, /etc and /var
# are overlays whose writes go to this test's directory, and /run is a
# tmpfs: nothing is installed on the machine. The boot has no sysinit.target
# (a container's boot would start the machine's own services): a drop-in
# gives the unit DefaultDependencies=no and its output to a file; the
# unit's own lines are as installed. The machine's /etc/systemd/system (its
# enabled services) is replaced by this test's, which holds that drop-in and
# the target that starts the witness and the probe.
. tests/e2e/lib.sh

[ "$(id -u)" = 0 ] || {
	t_report fail "systemd: the test must run as root (it boots systemd in namespaces it makes)" "id -u: $(id -u)"
	t_end
	exit
}
[ -x /lib/systemd/systemd ] || {
	t_report fail "systemd: /lib/systemd/systemd is missing (Debian's systemd package)"
	t_end
	exit
}

R=$T_TMP/root
mkdir -p "$R/units" "$R/units/tims-witness.service.d"
for d in usr etc var; do mkdir -p "$R/$d/upper" "$R/$d/work"; done

mkdir -p "$R/units/tims-post.service.d" "$R/units/tims-centre.service.d"
cat >"$R/units/tims-witness.service.d/test.conf" <<EOF
[Unit]
DefaultDependencies=no
[Service]
WatchdogSec=2
StandardOutput=append:$T_TMP/witness.log
StandardError=append:$T_TMP/witness.log
EOF
for k in post centre; do
	sed "s|witness.log|$k.log|" "$R/units/tims-witness.service.d/test.conf" >"$R/units/tims-$k.service.d/test.conf"
done
cat >"$R/units/tims-check.target" <<'EOF'
[Unit]
Description=systemd.sh: the witness, the post, the centre and the probe
DefaultDependencies=no
Wants=tims-witness.service tims-post.service tims-centre.service tims-probe.service
EOF
cat >"$R/units/tims-probe.service" <<EOF
[Unit]
Description=systemd.sh: probe the running witness, then power off
DefaultDependencies=no
After=tims-witness.service tims-post.service tims-centre.service
[Service]
Type=oneshot
StandardOutput=append:$T_TMP/probe.out
StandardError=append:$T_TMP/probe.out
ExecStart=/bin/bash $T_TMP/probe.sh
ExecStartPost=/bin/systemctl poweroff --no-block
EOF

# Run by the probe unit, inside the booted system: one "key value" a line.
cat >"$T_TMP/probe.sh" <<'EOF'
say() { printf '%s %s\n' "$1" "$2"; }
say active "$(systemctl is-active tims-witness.service)"
pid=$(systemctl show -p MainPID --value tims-witness.service)
say pid "$pid"
st=/proc/$pid/status
say uid "$(awk '/^Uid:/ {print $2}' "$st")"
say user "$(id -nu "$(awk '/^Uid:/ {print $2}' "$st")")"
say capeff "$(awk '/^CapEff:/ {print $2}' "$st")"
say nnp "$(awk '/^NoNewPrivs:/ {print $2}' "$st")"
say seccomp "$(awk '/^Seccomp:/ {print $2}' "$st")"
say metrics "$(curl -sk -o /dev/null -w '%{http_code}' https://127.0.0.1:7443/metrics)"
# WatchdogSec=2 (the drop-in): without a ping a second, systemd would kill it
say watchdog_usec "$(systemctl show -p WatchdogUSec --value tims-witness.service)"
w1=$(systemctl show -p WatchdogTimestampMonotonic --value tims-witness.service)
sleep 3.5
w2=$(systemctl show -p WatchdogTimestampMonotonic --value tims-witness.service)
say watchdog_pinged "$([ "$w2" -gt "$w1" ] && echo yes || echo "no ($w1 then $w2)")"
say still_active "$(systemctl is-active tims-witness.service) $(systemctl show -p NRestarts --value tims-witness.service)"
# the sandbox as the process sees it (its own mount namespace)
in_ns() { nsenter -t "$pid" -m -- "$@" 2>&1; }
try_write() { in_ns sh -c 'e=$(touch "$1" 2>&1) && rm -f "$1" && echo written || echo "refused: ${e##*: }"' sh "$1"; }
say etc_write "$(try_write /etc/tims-probe)"
say usr_write "$(try_write /usr/bin/tims-probe)"
say state_write "$(try_write /var/lib/tims/witness/.probe)"
say home "$(in_ns sh -c 'test -e /home/officer/secret && echo seen || echo hidden')"
say tmp "$(in_ns sh -c 'test -e "$1" && echo seen || echo hidden' sh "${0%/*}/probe.sh")"
# the post: two processes (the network one, and the signer it re-executed)
ppid=$(systemctl show -p MainPID --value tims-post.service)
say post_active "$(systemctl is-active tims-post.service)"
say post_user "$(id -nu "$(awk '/^Uid:/ {print $2}' /proc/$ppid/status)")"
say post_seccomp "$(awk '/^Seccomp:/ {print $2}' /proc/$ppid/status)"
say post_metrics "$(curl -sk -o /dev/null -w '%{http_code}' https://127.0.0.1:8443/metrics)"
spid=$(pgrep -P "$ppid" -f '__signer' | head -1)
say signer "$([ -n "$spid" ] && echo "$(id -nu "$(awk '/^Uid:/ {print $2}' /proc/$spid/status)") $(tr '\0' ' ' </proc/$spid/cmdline | cut -d' ' -f2-3)" || echo none)"
systemctl stop tims-post.service
say post_stop "$(systemctl show -p Result --value tims-post.service) $(systemctl show -p ExecMainStatus --value tims-post.service)"
# the centre
cpid=$(systemctl show -p MainPID --value tims-centre.service)
say centre_active "$(systemctl is-active tims-centre.service)"
say centre_user "$(id -nu "$(awk '/^Uid:/ {print $2}' /proc/$cpid/status)") $(awk '/^Seccomp:/ {print $2}' /proc/$cpid/status)"
say centre_metrics "$(curl -sk -o /dev/null -w '%{http_code}' https://127.0.0.1:9443/metrics)"
systemctl stop tims-centre.service
say centre_stop "$(systemctl show -p Result --value tims-centre.service) $(systemctl show -p ExecMainStatus --value tims-centre.service)"
systemctl stop tims-witness.service
say stopped "$(systemctl is-active tims-witness.service)"
say result "$(systemctl show -p Result --value tims-witness.service)"
say exit_status "$(systemctl show -p ExecMainStatus --value tims-witness.service)"
say done yes
EOF

# Run in the new namespaces: overlays, the install, the witness, then
# systemd as PID 1 (exec: bash is PID 1 until then).
cat >"$T_TMP/boot.sh" <<EOF
set -eu
mount --make-rprivate /
for d in usr etc var; do
	mount -t overlay overlay -o lowerdir=/\$d,upperdir=$R/\$d/upper,workdir=$R/\$d/work /\$d
done
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=0755 tmpfs /home
mkdir /home/officer && echo secret >/home/officer/secret
cd "$TIMS_ROOT"
make -s install TIMS_NO_DEPS=1 PREFIX=/usr SYSCONFDIR=/etc UNITDIR=/lib/systemd/system
systemd-sysusers /usr/lib/sysusers.d/tims.conf
systemd-tmpfiles --create /usr/lib/tmpfiles.d/tims.conf
setpriv --reuid tims --regid tims --clear-groups /usr/bin/tims witness init /var/lib/tims/witness --name systemd-witness >/dev/null
# the post, as tims-post(8) "SETTING UP A POST" says, word for word
install -d -o tims -g tims -m 0700 /var/lib/tims/token/tokens
printf 'directories.tokendir = /var/lib/tims/token/tokens\n' >/etc/tims/softhsm2.conf
head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >/etc/tims/pin
chown root:tims /etc/tims/pin; chmod 0640 /etc/tims/pin
runuser -u tims -- env SOFTHSM2_CONF=/etc/tims/softhsm2.conf \
	softhsm2-util --init-token --free --label tims \
	--pin "\$(cat /etc/tims/pin)" --so-pin "\$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" >/dev/null
mod=\$(ls /usr/lib/softhsm/libsofthsm2.so /usr/lib/*/softhsm/libsofthsm2.so 2>/dev/null | head -1)
uri="pkcs11:token=tims?module-path=\$mod&pin-source=/etc/tims/pin"
printf 'SOFTHSM2_CONF=/etc/tims/softhsm2.conf\nTIMS_TOKEN=%s\n' "\$uri" >/etc/default/tims-post
runuser -u tims -- env SOFTHSM2_CONF=/etc/tims/softhsm2.conf TIMS_TOKEN="\$uri" \
	tims post init /var/lib/tims/post --origin test.example/systemd-post --key-token "\$uri" >/dev/null
# the centre, as tims-centre(8) says, with a token of its own set up the same way
runuser -u tims -- env SOFTHSM2_CONF=/etc/tims/softhsm2.conf \
	softhsm2-util --init-token --free --label centre \
	--pin "\$(cat /etc/tims/pin)" --so-pin "\$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" >/dev/null
URI="pkcs11:token=centre?module-path=\$mod&pin-source=/etc/tims/pin"
printf 'SOFTHSM2_CONF=/etc/tims/softhsm2.conf\nTIMS_TOKEN=%s\n' "\$URI" >/etc/default/tims-centre
runuser -u tims -- env SOFTHSM2_CONF=/etc/tims/softhsm2.conf TIMS_TOKEN="\$URI" \
	tims centre init /var/lib/tims/centre --name tims-centre \
	--host centre.border.example --key-token "\$URI" >/dev/null
mount --bind "$R/units" /etc/systemd/system
export container=tims-test
exec /lib/systemd/systemd --system --unit=tims-check.target --log-target=kmsg --log-level=warning
EOF

# systemd makes its cgroups (init.scope, system.slice) in the machine's
# hierarchies; those that were not there before are removed after it.
cg_before=$(find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -type d \( -name init.scope -o -name system.slice \) 2>/dev/null)
timeout 120 unshare --pid --fork --mount --uts --ipc --net --mount-proc \
	bash "$T_TMP/boot.sh" >"$T_TMP/boot.log" 2>&1
rc=$?
for d in $(find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -type d \( -name init.scope -o -name system.slice \) 2>/dev/null); do
	grep -qxF "$d" <<<"$cg_before" || find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
done
sed 's/^/# boot: /' "$T_TMP/boot.log" | tail -20
sed 's/^/# probe: /' "$T_TMP/probe.out" 2>/dev/null
[ -s "$T_TMP/witness.log" ] && tail -5 "$T_TMP/witness.log" | sed 's/^/# witness: /'
get() { sed -n "s/^$1 //p" "$T_TMP/probe.out" 2>/dev/null | tail -1; }

t_eq "systemd: the probe ran inside the booted system to its end (systemd exit $rc)" yes "$(get done)"
t_eq "systemd: tims-witness.service is active under systemd as PID 1 (Type=notify: READY=1 came)" active "$(get active)"
t_eq "systemd: its process runs as the user tims made by sysusers.d" tims "$(get user)"
t_eq "systemd: ... with no effective capability" 0000000000000000 "$(get capeff)"
t_eq "systemd: ... with no_new_privs" 1 "$(get nnp)"
t_eq "systemd: ... under a seccomp filter (Seccomp: 2)" 2 "$(get seccomp)"
t_eq "systemd: it answers GET /metrics over HTTPS on the port of /etc/tims/witness.conf" 200 "$(get metrics)"
t_eq "systemd: the watchdog is armed (2 s in the drop-in; the unit's own 30 s is checked by package.sh)" 2s "$(get watchdog_usec)"
t_eq "systemd: systemd received its watchdog pings (the last one's time moved on)" yes "$(get watchdog_pinged)"
t_eq "systemd: ... so it was not killed and restarted (active, 0 restarts)" "active 0" "$(get still_active)"
t_eq "systemd: in its sandbox /etc is read-only (ProtectSystem=strict)" "refused: Read-only file system" "$(get etc_write)"
t_eq "systemd: ... /usr is read-only" "refused: Read-only file system" "$(get usr_write)"
t_eq "systemd: ... its state directory is writable" written "$(get state_write)"
t_eq "systemd: ... a file under /home is out of its sight (ProtectHome)" hidden "$(get home)"
t_eq "systemd: ... and so is the machine's /tmp (PrivateTmp)" hidden "$(get tmp)"
t_eq "systemd: tims-post.service, set up as tims-post(8) says, is active" active "$(get post_active)"
t_eq "systemd: ... runs as tims under a seccomp filter" "tims 2" "$(get post_user) $(get post_seccomp)"
t_eq "systemd: ... answers GET /metrics on port 8443 (/etc/tims/post.conf)" 200 "$(get post_metrics)"
t_eq "systemd: ... its signer is a re-executed child, as tims too" "tims __signer --fd" "$(get signer)"
t_eq "systemd: ... and systemctl stop ends it cleanly" "success 0" "$(get post_stop)"
t_eq "systemd: tims-centre.service, set up as tims-centre(8) says, is active" active "$(get centre_active)"
t_eq "systemd: ... runs as tims under a seccomp filter" "tims 2" "$(get centre_user)"
t_eq "systemd: ... answers GET /metrics on port 9443 (/etc/tims/centre.conf)" 200 "$(get centre_metrics)"
t_eq "systemd: ... and systemctl stop ends it cleanly" "success 0" "$(get centre_stop)"
t_eq "systemd: systemctl stop ends the witness" inactive "$(get stopped)"
t_eq "systemd: ... cleanly (Result=success, exit status 0)" "success 0" "$(get result) $(get exit_status)"
t_end
