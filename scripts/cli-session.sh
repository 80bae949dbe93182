# cli-session.sh — sourced by the demo scripts: the people who type at the
# command line of a post or the centre (docs/roles.md), as a real
# installation has them: the first admin bootstrapped, an account for each
# role, each logged in with its password and a TOTP code (computed here, as
# an authenticator app would). Sessions live under $CLI_HOME/sessions
# (default $D: the demo's directory).
#
#   cli_bootstrap DIR            the first admin, logged in (session file)
#   cli_as DIR ROLE CMD ARGS...  CMD with a session of an account of ROLE
CLI_HOME=${CLI_HOME:-$D}
export TIMS_SESSION_DIR=$CLI_HOME/sessions
unset TIMS_SESSION
CLI_PASSWORD="demo password 1"
CLI_CACHE=$CLI_HOME/cli-accounts
mkdir -p "$CLI_CACHE"

_cli_key() { (cd "$1" 2>/dev/null && pwd -P || printf '%s' "$1") | sha256sum | cut -c1-16; }
# _cli_code SECRET STEPFILE: RFC 6238 code for a window after STEPFILE's.
_cli_code() {
	python3 - "$1" "$2" <<'PY'
import base64, hashlib, hmac, os, struct, sys, time
secret, stepfile = sys.argv[1], sys.argv[2]
last = int(open(stepfile).read()) if os.path.exists(stepfile) else 0
while int(time.time()) // 30 <= last:
    time.sleep(0.5)
step = int(time.time()) // 30
open(stepfile, "w").write(str(step))
key = base64.b32decode(secret + "=" * (-len(secret) % 8))
h = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
o = h[-1] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))
PY
}
_cli_login() { # DIR ID [--print-token]
	local f=$CLI_CACHE/$(_cli_key "$1")-$2
	printf '%s\n%s\n' "$CLI_PASSWORD" "$(_cli_code "$(cat "$f.secret")" "$f.step")" |
		"$TIMS" login --post "$1" "$2" ${3:+"$3"}
}
cli_bootstrap() {
	local out
	out=$(printf '%s\n' "$CLI_PASSWORD" | "$TIMS" officer bootstrap --post "$1" admin \
		--name "Administrator" 2>&1) || { printf '%s\n' "$out" >&2; return 1; }
	printf '%s\n' "$out" | sed -n 's/.*TOTP secret \([A-Z2-7]*\).*/\1/p' \
		>"$CLI_CACHE/$(_cli_key "$1")-admin.secret"
	_cli_login "$1" admin 2>/dev/null
}
cli_as() {
	local dir=$1 role=$2 f out
	shift 2
	f=$CLI_CACHE/$(_cli_key "$dir")-desk-$role
	if [ ! -s "$f.token" ]; then
		out=$(printf '%s\n' "$CLI_PASSWORD" | "$TIMS" officer add --post "$dir" "desk-$role" \
			--name "Desk $role" --role "$role" 2>&1) || { printf '%s\n' "$out" >&2; return 2; }
		printf '%s\n' "$out" | sed -n 's/.*TOTP secret \([A-Z2-7]*\).*/\1/p' >"$f.secret"
		_cli_login "$dir" "desk-$role" --print-token >"$f.token" || return 2
	fi
	TIMS_SESSION=$(cat "$f.token") "$@"
}
