# lib.sh — what every benchmark script shares: the verdict against a target.
#
# A figure is worth something only next to what it must reach. Each script
# prints one line a target:
#
#   target: WHAT: FIGURE UNIT (target OP LIMIT UNIT): MET
#
# MET or MISSED, never a bare "ok"; a figure that could not be measured is
# MISSED with "no figure". bench/run.sh collects these lines into the summary
# at the end of `make bench`. A smoke run (make check) measures at a smaller
# scale than the target is stated for; its lines say "(smoke scale)" and are
# not the verdict on the target.

# The daemons refuse root unless told where to drop to (`user`); a benchmark
# started by root (a build machine's only account) runs its throwaway nodes
# as root.
if [ "$(id -u)" = 0 ]; then export TIMS_ALLOW_ROOT=1; fi

# bench_verdict FIGURE OP LIMIT: MET or MISSED (OP is >= or <=).
bench_verdict() {
	[ -n "$1" ] || { echo MISSED; return; }
	awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN {
		ok = (op == ">=") ? (a + 0 >= b + 0) : (a + 0 <= b + 0)
		print ok ? "MET" : "MISSED" }'
}

# bench_target WHAT FIGURE OP LIMIT UNIT [SMOKE]: one target line.
bench_target() {
	local scale="" u=""
	[ "${6:-0}" = 1 ] && scale=" (smoke scale)"
	[ -n "$5" ] && u=" $5"
	printf 'target: %s: %s%s (target %s %s%s): %s%s\n' "$1" "${2:-no figure}" "$u" \
		"$3" "$4" "$u" "$(bench_verdict "$2" "$3" "$4")" "$scale"
}

# bench_post_node WORK ORIGIN [SETUP]: a post in WORK/post with one officer,
# its node serving on a free loopback port and a logged-in session; sets P,
# SERVER (the node's pid, for the caller's trap), URL and token. SETUP, if
# given, is run with the post's directory before the node starts. Calls the
# caller's fail on any error.
bench_post_node() {
	local secret
	P=$1/post
	"$TIMS" post init "$P" --origin "$2" --kind land >/dev/null || fail "post init"
	# the first admin, logged in, makes the bench's officer (docs/roles.md)
	CLI_HOME=$1
	. scripts/cli-session.sh
	cli_bootstrap "$P" || fail "officer bootstrap"
	secret=$(echo "bench password 1" | "$TIMS" officer add --post "$P" bench --name Bench --role officer |
		sed -n 's/^officer bench: TOTP secret //p')
	[ -n "$secret" ] || fail "officer add printed no TOTP secret"
	# One officer drives every booth of a benchmark: the hourly limits on
	# checks and history reads (oversight.conf, docs/api.md) are set to
	# their maximum, or the bench would measure 429s.
	printf 'checks_per_hour = 10000000\nhistory_per_hour = 10000000\n' >"$P/oversight.conf"
	if [ -n "${3:-}" ]; then "$3" "$P" || fail "setup $3 failed"; fi
	"$TIMS" post serve "$P" --port 0 >"$1/serve.out" 2>"$1/serve.err" &
	SERVER=$!
	for _ in $(seq 1 100); do grep -q listening "$1/serve.out" 2>/dev/null && break; sleep 0.1; done
	URL=$(sed -n 's/^listening on //p' "$1/serve.out" | sed 's|/$||')
	[ -n "$URL" ] || fail "the node did not start: $(tail -3 "$1/serve.err")"
	token=$(curl -s --cacert "$P/tls.crt" -H 'Content-Type: application/json' --data-binary \
		"{\"officer\":\"bench\",\"password\":\"bench password 1\",\"code\":\"$(oathtool --totp -b "$secret")\",\"booth\":\"W1\"}" \
		"$URL/api/v1/session" | sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p')
	[ -n "$token" ] || fail "no session"
}

# bench_booths URL TOKEN CACERT THREADS SECONDS ACKS [DOCS]: bench_booth's
# booths (bench/bench_booth.c); sets CHECKS, C50, C99, REGS, R50, R99, RATE
# and ERRORS from its figures.
bench_booths() {
	local out err="${6%/*}/stderr-${6##*/}"
	out=$(build/bench/bench_booth run "$@" 2>"$err")
	read -r _ CHECKS _ C50 _ C99 <<<"$(grep '^checks ' <<<"$out")"
	read -r _ REGS _ R50 _ R99 _ RATE <<<"$(grep '^registrations ' <<<"$out")"
	ERRORS=$(sed -n 's/^errors //p' <<<"$out")
	[ -s "$err" ] && sed 's/^/  /' "$err" >&2
	return 0
}
