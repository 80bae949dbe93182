# asan-leaks.sh — leaks found under AddressSanitizer stay fixed: the
# program built with ASan+UBSan ($TIMS_ASAN, build/asan/tims, made by
# `make check`) runs `tims centre enrol-post`, and a post node answering
# GET /api/v1/audit with a bad `from` or `count`; LeakSanitizer must
# report nothing when each process ends.
. tests/e2e/lib.sh

A=${TIMS_ASAN:-$PWD/build/asan/tims}
if [ ! -x "$A" ]; then
	t_report fail "leaks: the ASan build $A exists (make build/asan/tims)"
	t_end; exit 1
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
C=$T_TMP/centre P=$T_TMP/post
"$TIMS" centre init "$C" --name tims-centre >/dev/null
cli_bootstrap "$C"
"$TIMS" post init "$P" --origin bg.example/leak-post --kind land >/dev/null
cli_bootstrap "$P"

out=$("$A" centre enrol-post "$C" leak-post --vkey "$P/post.vkey" --url https://127.0.0.1:9 \
	--out "$T_TMP/enrol" 2>&1); rc=$?
t_eq "leaks: tims centre enrol-post under ASan exits 0" 0 "$rc"
t_eq "leaks: tims centre enrol-post leaks nothing" "" "$(printf '%s\n' "$out" | grep -A3 'LeakSanitizer')"

SECRET=$(echo "leak password 1" | "$TIMS" officer add --post "$P" au1 --name Au --role auditor |
	sed -n 's/^officer au1: TOTP secret //p')
"$A" post serve "$P" --port 0 >"$T_TMP/serve.out" 2>"$T_TMP/serve.err" &
NODE=$!
trap 'kill $NODE 2>/dev/null; wait 2>/dev/null; rm -rf "$T_TMP"' EXIT
for _ in $(seq 1 300); do grep -q "listening on" "$T_TMP/serve.out" 2>/dev/null && break; sleep 0.1; done
URL=$(sed -n 's/^listening on //p' "$T_TMP/serve.out" | sed 's|/$||')
TOKEN=$(curl -s --cacert "$P/tls.crt" -H 'Content-Type: application/json' --data-binary \
	"{\"officer\":\"au1\",\"password\":\"leak password 1\",\"code\":\"$(oathtool --totp -b "$SECRET")\",\"booth\":\"A1\"}" \
	"$URL/api/v1/session" | sed -n 's/.*"token":"\([A-Za-z0-9_-]*\)".*/\1/p')
t_match "leaks: the auditor has a session at the ASan node" '^[A-Za-z0-9_-]{43}$' "$TOKEN"
audit() { curl -s -o "$T_TMP/body" -w '%{http_code}' --cacert "$P/tls.crt" -H "Authorization: Bearer $TOKEN" "$URL/api/v1/audit?$1"; }
t_eq "leaks: /api/v1/audit with a bad from is a 400" 400 "$(audit 'from=abc')"
t_match "leaks: and names the parameter" '"from' "$(cat "$T_TMP/body")"
t_eq "leaks: /api/v1/audit with a bad count is a 400" 400 "$(audit 'count=-1')"
t_eq "leaks: /api/v1/audit with good parameters still answers" 200 "$(audit 'from=0&count=5')"
kill -TERM "$NODE"; wait "$NODE"; rc=$?
t_eq "leaks: the ASan node stops cleanly" 0 "$rc"
t_eq "leaks: the node leaked nothing answering those requests" "" \
	"$(grep -A6 'LeakSanitizer' "$T_TMP/serve.err" | head -20)"
t_end
