# i18n.sh — the booth console's languages (docs/console.md, "Languages").
#
#  1. the catalogues (web/i18n/*.json) are whole: scripts/i18n-check.py
#     finds none missing, extra or dead, and no text written outside them;
#     and it does find each of those when one is planted in a copy of web/;
#  2. the node: the installation's language (post serve --lang), an
#     officer's own (tims officer lang; PUT /api/v1/preferences, own account
#     only, audited; a language it does not know refused naming the field);
#     answers carry codes and params (bad_field, login_failed, MRZ errors);
#  3. headless Chromium (tests/browser/i18n.mjs): the login screen in the
#     installation's language, an officer whose language is sq gets the
#     booth in Albanian (the node's answers in Albanian too), switches to
#     English in the console, which stays his language at the next login;
#  4. the printed forms: a refusal (E, H) and a crossing receipt, one
#     action each (Alt+P), rendered to PDF and read back with pdftotext.
. tests/e2e/lib.sh

BROWSER_DIR=$PWD/tests/browser
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
SHOTS=$PWD/build/screenshots
PY=/usr/bin/python3

# ---- 1. the catalogues ------------------------------------------------------
out=$($PY scripts/i18n-check.py 2>&1)
t_eq "catalogues: no finding in web/" "i18n-check: 0 finding(s)" "$out"

# Each fault planted in a copy must be found (a check that cannot fail is none).
plant() { # name file perl-substitution expected-finding
	rm -rf "$T_TMP/web"; mkdir -p "$T_TMP/web"; cp -r web "$T_TMP/web/"
	perl -0pi -e "$3" "$T_TMP/web/$2"
	out=$($PY scripts/i18n-check.py --root "$T_TMP/web" 2>&1)
	t_match "catalogues: finds $1" "$4" "$out"
}
plant "a key missing from sq.json" web/i18n/sq.json 's/\n "dec.admit": "[^"]*",//' 'sq.json: missing key dec.admit'
plant "a key only in one catalogue" web/i18n/sq.json 's/\{\n/{\n "dec.extra": "x",\n/' 'sq.json: extra key dec.extra'
plant "a parameter lost in translation" web/i18n/sq.json 's/"bar.post": "pika: \{post\}"/"bar.post": "pika"/' 'key bar.post: parameters'
plant "a key the script uses and no catalogue has" web/console.js "s/t\('sum.reading'\)/t('sum.reading_now')/" 'missing key sum.reading_now'
plant "a key nothing uses" web/console.js "s/t\('sum.reading'\)/'…'/" 'key sum.reading is used nowhere'
plant "an English sentence in the script" web/console.js "s/setSummary\(t\('sum.checking'\), ''\)/setSummary('Checking the document', '')/" "literal 'Checking the document' outside the catalogue"
plant "a local named t hiding the catalogue's t()" web/console.js "s/const tv = \\\$\\('traveller'\\);/const t = \\\$('traveller');/" "a local named t hides"
plant "a text in the dashboard's page" web/dashboard/index.html 's/<h2 id="h-overstays" data-i18n="over.title"><\/h2>/<h2 id="h-overstays">Overstays<\/h2>/' "text 'Overstays' outside the catalogue"
plant "a dashboard key missing from its sq.json" web/dashboard/i18n/sq.json 's/\n "deny": "[^"]*",//' 'dashboard/i18n/sq.json: missing key deny'
# the screening engine's reasons (lib/screen/reason.c): a code without its
# text, or a format the scorer writes that the code table lacks, would
# reach the consoles in English alone
rm -rf "$T_TMP/web"; mkdir -p "$T_TMP/web/lib"; cp -r web "$T_TMP/web/"; cp -r lib/screen "$T_TMP/web/lib/"
perl -0pi -e 's/\n "match.name.typo": "[^"]*",//' "$T_TMP/web/web/dashboard/i18n/sq.json"
perl -pi -e 's/"year of birth %u matches", a->year\)/"year of birth %u agrees", a->year)/' "$T_TMP/web/lib/screen/score.c"
out=$($PY scripts/i18n-check.py --root "$T_TMP/web" 2>&1)
t_match "catalogues: finds a match reason's text missing from the dashboard's sq.json" \
	'dashboard/i18n/sq.json: missing key match.name.typo \(a reason of the screening engine\)' "$out"
t_match "catalogues: finds a reason of the scorer without a code" \
	"reason 'year of birth %u agrees' has no code" "$out"
rm -rf "$T_TMP/web"; mkdir -p "$T_TMP/web"; cp -r web "$T_TMP/web/"
cp web/i18n.js "$T_TMP/web/web/dashboard/i18n.js"
t_match "catalogues: finds a copy of the loader in the dashboard (the centre serves the one)" \
	'a copy of web/i18n.js' "$($PY scripts/i18n-check.py --root "$T_TMP/web" 2>&1)"
plant "a text in the page" web/index.html 's/<h2 id="doc-title" data-i18n="doc.title"><\/h2>/<h2 id="doc-title">Document<\/h2>/' "text 'Document' outside the catalogue"
plant "an attribute in the page" web/index.html 's/data-i18n-attr="aria-label:booth.label"/aria-label="Traveller check"/' 'aria-label="Traveller check" outside the catalogue'

# ---- 2. the node -----------------------------------------------------------
P=$T_TMP/post
"$TIMS" post init "$P" --origin test.example/i18n-post --kind land >/dev/null 2>&1
cli_bootstrap "$P"
secret_of() { sed -n "s/^officer $1: TOTP secret //p"; }
add_officer() { echo "booth password 1" | "$TIMS" officer add --post "$P" "$1" --name "$2" --role officer | secret_of "$1"; }
S_A=$(add_officer arben "Arbër Hoxha")
S_B=$(add_officer besa "Besa Kola")
S_C=$(add_officer curl1 "Curl One")
t_match "setup: officers with TOTP secrets" '^[A-Z2-7]{16,} [A-Z2-7]{16,} [A-Z2-7]{16,}$' "$S_A $S_B $S_C"
t_match "officer lang: an admin sets arben's language" 'officer arben: language sq' \
	"$("$TIMS" officer lang --post "$P" arben sq 2>&1)"
t_status 2 "officer lang: a language the consoles do not have is refused" "$TIMS" officer lang --post "$P" arben fr
t_match "officer list: the language is kept with the account" '"id":"arben"[^}]*"lang":"sq"' \
	"$("$TIMS" officer list --post "$P" --json 2>&1)"

cat >"$T_TMP/persons.csv" <<'EOF2'
ref,name,aliases,dob,nationality,sex,alert,authority,instruction
B-22,"BERG, Sara",,1990-01-01,UTO,F,entry-ban,National Police,Refuse entry
EOF2
t_ok "setup: a person watchlist is imported" \
	cli_as "$P" analyst "$TIMS" watchlist import --store "$P/watchlists" --list national --kind persons "$T_TMP/persons.csv"

t_status 2 "serve: --lang refuses a language it does not have" "$TIMS" post serve "$P" --port 0 --lang xx
"$TIMS" post serve "$P" --port 0 --web "$PWD/web" --lang sq >"$T_TMP/serve.out" 2>"$T_TMP/serve.err" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$T_TMP"' EXIT
for _ in $(seq 1 100); do grep -q listening "$T_TMP/serve.out" 2>/dev/null && break; sleep 0.1; done
URL=$(sed -n 's/^listening on //p' "$T_TMP/serve.out" | sed 's|/$||')
t_match "serve: the node prints its loopback address" '^https://127\.0\.0\.1:[0-9]+$' "$URL"
C="curl -s --cacert $P/tls.crt"

t_eq "languages: public, the installation's default and those available" \
	'{"default":"sq","available":["en","sq"]}' "$($C "$URL/api/v1/languages")"
t_match "static: the catalogues are served as JSON" '[Cc]ontent-[Tt]ype: application/json' \
	"$($C -D - -o /dev/null "$URL/i18n/sq.json")"
t_eq "preferences: not without a session" 401 \
	"$($C -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' -d '{"lang":"en"}' "$URL/api/v1/preferences")"
# curl1 logs in: the installation's language (none of his own)
login=$($C -H 'Content-Type: application/json' -d "{\"officer\":\"curl1\",\"password\":\"booth password 1\",\"code\":\"$(oathtool --totp -b "$S_C")\",\"booth\":\"B9\"}" "$URL/api/v1/session")
TOK=$(printf '%s' "$login" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
t_match "login: an officer without a language of his own gets the installation's" '"lang":"sq"' "$login"
put() { $C -X PUT -H "Authorization: Bearer $TOK" -H 'Content-Type: application/json' -d "$1" "$URL/api/v1/preferences"; }
t_eq "preferences: a language the consoles do not have is refused, as a code with the field, rule and values" \
	'{"error":"bad_field","message":"lang: en or sq (or empty: the installation'"'"'s)","params":{"field":"lang","rule":"one_of","values":["en","sq"]}}' \
	"$(put '{"lang":"fr"}')"
t_match "preferences: an unknown field refused with params field and rule" \
	'"error":"bad_field".*"params":\{"field":"officer","rule":"unknown"\}' "$(put '{"lang":"en","officer":"arben"}')"
t_match "preferences: a string too long refused with its maximum" \
	'"params":\{"field":"lang","rule":"too_long","max":7\}' "$(put '{"lang":"english-please"}')"
t_eq "preferences: the officer's own language set" '{"lang":"en","chosen":"en"}' "$(put '{"lang":"en"}')"
t_match "preferences: the change is the caller's own (arben's is untouched)" '"id":"arben"[^}]*"lang":"sq"' \
	"$("$TIMS" officer list --post "$P" --json 2>&1)"
t_match "preferences: ... and curl1's is en" '"id":"curl1"[^}]*"lang":"en"' \
	"$("$TIMS" officer list --post "$P" --json 2>&1)"
t_match "login: a wrong code answers a code and a rule, not only English" \
	'"error":"login_failed".*"params":\{"rule":"credentials"\}' \
	"$($C -H 'Content-Type: application/json' -d '{"officer":"besa","password":"wrong password 1","code":"000000","booth":"B9"}' "$URL/api/v1/session")"
chk=$($C -H "Authorization: Bearer $TOK" -H 'Content-Type: application/json' \
	-d '{"mrz":"P<UTOHOLM<<ERIK<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\nC01X00T478UTO8503025M3401011<<<<<<<<<<<<<<<4"}' "$URL/api/v1/check")
t_match "check: an MRZ error carries a code and its values" \
	'"field":"birth_date","message":"birth_date: check digit is 5, expected 4"[^}]*"code":"check_digit","params":\{"got":"5","expected":"4"\}' "$chk"

# ---- 3. the browser ---------------------------------------------------------
missing=
[ -x "$CHROMIUM" ] || missing="$missing chromium"
command -v node >/dev/null 2>&1 || missing="$missing node"
command -v oathtool >/dev/null 2>&1 || missing="$missing oathtool"
command -v pdftotext >/dev/null 2>&1 || missing="$missing pdftotext (poppler-utils)"
[ -f "$BROWSER_DIR/node_modules/playwright-core/package.json" ] ||
	(cd "$BROWSER_DIR" && npm install --no-audit --no-fund --loglevel=error >/dev/null 2>&1)
[ -f "$BROWSER_DIR/node_modules/playwright-core/package.json" ] || missing="$missing playwright-core"
if [ -n "$missing" ]; then
	t_report fail "browser: the tools are installed" "missing:$missing"
	t_end
	exit 1
fi
mkdir -p "$SHOTS"
rm -f "$SHOTS"/i18n-*.png "$SHOTS"/i18n-*.pdf
export URL SHOTS CHROMIUM S_A S_B ORIGIN=test.example/i18n-post
node "$BROWSER_DIR/i18n.mjs" >"$T_TMP/browser.out" 2>"$T_TMP/browser.err"
rc=$?
browser_report "$rc"
t_match "after: the switch in the console is stored as arben's language" '"id":"arben"[^}]*"lang":"en"' \
	"$("$TIMS" officer list --post "$P" --json 2>&1)"
t_match "after: the changes are audited" '"action":"officer.preferences"' \
	"$(cli_as "$P" auditor "$TIMS" audit list --post "$P" --json 2>&1)"
for s in login-sq booth-sq booth-en; do
	t_ok "after: screenshot build/screenshots/i18n-$s.png saved" test -s "$SHOTS/i18n-$s.png"
done
for s in refusal receipt; do
	t_ok "after: build/screenshots/i18n-$s.pdf saved" test -s "$SHOTS/i18n-$s.pdf"
done
h=$(cli_as "$P" officer "$TIMS" history --post "$P" C01X00T63 --json 2>&1)
t_match "after: the refusal printed is the one stored (codes E and H)" '"refusal_code":"E,H"' "$h"
t_end
