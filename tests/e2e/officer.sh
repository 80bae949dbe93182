# officer.sh — `tims officer`: accounts at a post, as an administrator uses them.
. tests/e2e/lib.sh

P=$T_TMP/post
"$TIMS" post init "$P" --origin test.example/officer-post >/dev/null 2>&1
t_status 1 "add: refused before the first admin is bootstrapped and logged in" sh -c \
	"echo 'correct horse battery staple' | '$TIMS' officer add --post '$P' early --name E --role officer"
cli_bootstrap "$P"
out=$(echo "correct horse battery staple" | "$TIMS" officer add --post "$P" ivanova --name "Maria Ivanova" --role officer)
t_eq "add: exits 0" 0 $?
t_match "add: prints the TOTP secret once, base32" '^officer ivanova: TOTP secret [A-Z2-7]{32}$' "$(printf '%s\n' "$out" | head -1)"
t_match "add: prints an otpauth URI" 'otpauth://totp/TIMS:ivanova\?secret=[A-Z2-7]{32}&issuer=TIMS' "$out"
secret=$(printf '%s\n' "$out" | sed -n 's/^officer ivanova: TOTP secret //p')
t_match "add: the secret works with a standard TOTP tool (oathtool)" '^[0-9]{6}$' "$(oathtool --totp -b "$secret")"
t_status 1 "add: a duplicate id is refused" sh -c "echo 'another long password' | '$TIMS' officer add --post '$P' ivanova --name X --role officer"
t_match "add: a weak password is refused, with the reason" 'password: 5 characters, at least 12 needed' \
	"$(echo short | "$TIMS" officer add --post "$P" weak --name W --role officer 2>&1)"
t_status 2 "add: an unknown role is a usage error" "$TIMS" officer add --post "$P" k --name K --role king
t_status 2 "add: no password on stdin is refused" sh -c "'$TIMS' officer add --post '$P' n --name N --role officer </dev/null"
t_ok "add: an auditor" sh -c "echo 'auditor password 1' | '$TIMS' officer add --post '$P' petrov --name 'Ivan Petrov' --role auditor"
t_status 1 "an auditor's session may not manage accounts" cli_as "$P" auditor "$TIMS" officer list --post "$P"
t_match "list: both accounts, with roles" 'ivanova +officer +active' "$("$TIMS" officer list --post "$P")"
t_match "list --json" '"id":"petrov","name":"Ivan Petrov","role":"auditor","disabled":false' "$("$TIMS" officer list --post "$P" --json)"
t_ok "disable: an account" "$TIMS" officer disable --post "$P" petrov
t_match "disable: shown as disabled" 'petrov +auditor +disabled' "$("$TIMS" officer list --post "$P")"
t_ok "enable: again" "$TIMS" officer enable --post "$P" petrov
t_status 1 "disable: an unknown officer is named" "$TIMS" officer disable --post "$P" ghost
t_ok "reset: new password and secret" sh -c "echo 'a brand new password' | '$TIMS' officer reset --post '$P' ivanova"
t_eq "store: node.db is private" "600" "$(stat -c %a "$P/node.db")"
t_ok "store: no store.key beside node.db (the TOTP secrets are sealed by the vault's key)" \
	test ! -e "$P/store.key"
t_status 2 "a missing post directory is an error" "$TIMS" officer list --post "$T_TMP/nope"
t_end
