# cli.sh — the `tims` program as a user meets it: help, version, exit codes.
. tests/e2e/lib.sh

t_ok "tims help lists the commands" "$TIMS" help
t_match "help names the mrz command" 'mrz +read and validate' "$("$TIMS" help)"
t_match "tims version prints a version" '^tims [0-9]+\.[0-9]+\.[0-9]+' "$("$TIMS" version)"
t_status 2 "no command is a usage error" "$TIMS"
t_status 2 "an unknown command is a usage error" "$TIMS" frobnicate
t_match "an unknown command is named" "'frobnicate' is not a tims command" "$("$TIMS" frobnicate 2>&1)"
for c in $("$TIMS" help | awk '/^Commands:/{f=1;next} f && /^  [a-z]/{print $1}'); do
	t_ok "tims $c --help works" "$TIMS" "$c" --help
	t_match "tims help $c matches $c --help" '.' "$("$TIMS" help "$c")"
done
t_end
