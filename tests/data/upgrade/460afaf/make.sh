#!/usr/bin/env bash
# make.sh TIMS — remake stores.tar.xz: a post, a centre and a witness made
# by the `tims` of commit 460afaf (the release before schema versions were
# recorded in every database), with the SoftHSM2 token that holds their
# keys. Run from the repository root with TIMS pointing at that build:
#   git worktree add /tmp/tims-460afaf 460afaf && make -C /tmp/tims-460afaf build/tims
#   bash tests/data/upgrade/460afaf/make.sh /tmp/tims-460afaf/build/tims
# The stores are made under /tmp/tims-upgrade-460afaf (the token's PIN file
# is named by that path in each vault.conf; tests/e2e/upgrade.sh points it
# at its own copy).
set -eu
TIMS=${1:?usage: make.sh TIMS}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
W=/tmp/tims-upgrade-460afaf
rm -rf "$W"
mkdir -p "$W"
eval "$(bash "$root/scripts/token.sh" "$W/token")"
export TIMS_SESSION_DIR=$W/sessions
unset TIMS_SESSION
C=$W/centre P=$W/post WI=$W/witness
PW="upgrade password 1"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
secret() { sed -n 's/.*TOTP secret \([A-Z2-7]*\).*/\1/p'; }
code() { # SECRET: a TOTP code of a step no login of this script used yet
	local s
	s=$(($(date +%s) / 30))
	while [ -e "$W/step.$s.$1" ]; do sleep 1; s=$(($(date +%s) / 30)); done
	: >"$W/step.$s.$1"
	oathtool --totp -b "$1"
}
until_ok() { for _ in $(seq 1 300); do "$@" && return 0; sleep 0.1; done; return 1; }

"$TIMS" centre init "$C" --name upgrade-centre >/dev/null
"$TIMS" post init "$P" --origin upgrade.example/post --kind land >/dev/null
"$TIMS" witness init "$WI" --name upgrade.example/w1 >/dev/null
# People: an admin at each, an officer at the post (their secrets kept for the test).
printf '%s\n' "$PW" | "$TIMS" officer bootstrap --post "$C" c-admin --name "Centre admin" | secret >"$W/c-admin.secret"
printf '%s\n%s\n' "$PW" "$(code "$(cat "$W/c-admin.secret")")" | "$TIMS" login --post "$C" c-admin >/dev/null
printf '%s\n' "$PW" | "$TIMS" officer bootstrap --post "$P" p-admin --name "Post admin" | secret >"$W/p-admin.secret"
printf '%s\n%s\n' "$PW" "$(code "$(cat "$W/p-admin.secret")")" | "$TIMS" login --post "$P" p-admin >/dev/null
printf '%s\n' "$PW" | "$TIMS" officer add --post "$P" p-officer --name "Post officer" --role officer | secret >"$W/p-officer.secret"
OTOK=$(printf '%s\n%s\n' "$PW" "$(code "$(cat "$W/p-officer.secret")")" | "$TIMS" login --post "$P" p-officer --print-token)

CPORT=$(port)
echo "$CPORT" >"$W/centre.port"
"$TIMS" centre serve "$C" --port "$CPORT" >"$W/centre.out" 2>"$W/centre.log" &
pids+=($!)
"$TIMS" witness serve "$WI" --listen 127.0.0.1:0 >"$W/witness.out" 2>"$W/witness.log" &
pids+=($!)
until_ok grep -q "listening on" "$W/centre.out"
until_ok grep -q "listening on" "$W/witness.out"
WURL=$(sed -n 's/.* listening on //p' "$W/witness.out")
"$TIMS" witness add-log "$WI" --vkey "$P/post.vkey" >/dev/null
"$TIMS" centre enrol-post "$C" upgrade-post --vkey "$P/post.vkey" --url "https://127.0.0.1:$CPORT" \
	--out "$W/enrol" >/dev/null 2>&1
"$TIMS" post enrol "$P" --from "$W/enrol" >/dev/null
"$TIMS" post add-witness "$P" --url "$WURL" --ca "$WI/tls.crt" --vkey "$WI/witness.vkey" >/dev/null
printf 'interval_ms = 100\nwitness_timeout_ms = 3000\n' >"$P/sync.conf"
for d in entry exit entry; do
	TIMS_SESSION=$OTOK "$TIMS" cross --post "$P" --doc-number U1234567 --surname UPGRADE \
		--given-names ANNA --nationality BGR --direction $d --booth B1 >/dev/null
done
"$TIMS" post serve "$P" --port 0 >"$W/post.out" 2>"$W/post.log" &
pids+=($!)
mirrored() { "$TIMS" centre posts "$C" | grep -q 'records=3'; }
witnessed() { [ "$(sqlite3 "$WI/witness.db" "SELECT size FROM logs WHERE origin = 'upgrade.example/post'")" = 3 ]; }
until_ok mirrored
until_ok witnessed
for p in "${pids[@]}"; do kill "$p"; done
wait 2>/dev/null
pids=()
rm -rf "$W/sessions" "$W"/step.* "$W"/*.out "$W"/*.log "$W/enrol"
tar -C /tmp -cJf "$here/stores.tar.xz" tims-upgrade-460afaf
echo "made $here/stores.tar.xz ($(du -h "$here/stores.tar.xz" | cut -f1))"
