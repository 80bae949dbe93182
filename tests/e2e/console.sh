# console.sh — the booth console (web/) in a real browser: Debian's headless
# Chromium driven by playwright-core (tests/browser/console.mjs) against a
# post node on loopback. An officer logs in with TOTP, a keyboard wedge types
# MRZs; the hits in the headline, a discreet hit that shows nothing, admit
# with a hit only after a confirmation naming it, several refusal reasons, a
# car with four occupants (keystrokes per occupant printed as "# keystrokes
# per occupant: ..."), a manual entry, the second-line outcome and the
# record's log index are checked on the page, and afterwards the post's own
# tools confirm what was stored. Screenshots go to build/screenshots/console-*.png.
. tests/e2e/lib.sh

SHOTS=$PWD/build/screenshots
BROWSER_DIR=$PWD/tests/browser
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

# Nothing is skipped silently: a missing tool is a failure that names it.
missing=
[ -x "$CHROMIUM" ] || missing="$missing chromium ($CHROMIUM; apt-get install chromium)"
command -v node >/dev/null 2>&1 || missing="$missing node (apt-get install nodejs)"
command -v npm >/dev/null 2>&1 || missing="$missing npm (apt-get install npm)"
command -v oathtool >/dev/null 2>&1 || missing="$missing oathtool (apt-get install oathtool)"
if [ -n "$missing" ]; then
	t_report fail "console: the browser test's tools are installed" "missing:$missing"
	t_end
	exit 1
fi
if [ ! -f "$BROWSER_DIR/node_modules/playwright-core/package.json" ]; then
	out=$(cd "$BROWSER_DIR" && npm install --no-audit --no-fund --loglevel=error 2>&1)
	t_ok "console: playwright-core installs from tests/browser/package.json" \
		test -f "$BROWSER_DIR/node_modules/playwright-core/package.json"
	[ -f "$BROWSER_DIR/node_modules/playwright-core/package.json" ] || { printf '%s\n' "$out" | sed 's/^/# npm: /' | head -20; t_end; exit 1; }
fi
mkdir -p "$SHOTS"
rm -f "$SHOTS"/console-*.png

# A post with five officers (one login each: a TOTP code is good only once);
# the fifth is the second-line officer.
P=$T_TMP/post
"$TIMS" post init "$P" --origin test.example/console-post --kind land >/dev/null 2>&1
cli_bootstrap "$P"
secret_of() { sed -n "s/^officer $1: TOTP secret //p"; }
add_officer() { echo "booth password 1" | "$TIMS" officer add --post "$P" "$1" --name "$2" --role officer | secret_of "$1"; }
S_A=$(add_officer ivanova "Maria Ivanova")
S_B=$(add_officer petrova "Ana Petrova")
S_C=$(add_officer kolev "Boris Kolev")
S_D=$(add_officer marin "Dan Marin")
S_E=$(add_officer okafor "Ngozi Okafor")
# the post's supervisor, and its wall display's key (the supervisor page)
S_F=$(echo "booth password 1" | "$TIMS" officer add --post "$P" vasquez --name "Rosa Vasquez" --role supervisor | secret_of vasquez)
# an auditor: may log in, may not search anyone's history (the search panel says so)
S_G=$(echo "booth password 1" | "$TIMS" officer add --post "$P" aurora --name "Aurora Lee" --role auditor | secret_of aurora)
WALL_KEY=$("$TIMS" post wall-key "$P")
t_match "setup: a wall key for the post" '^[0-9a-f]{64}$' "$WALL_KEY"
t_match "setup: officers with TOTP secrets" '^[A-Z2-7]{16,} [A-Z2-7]{16,} [A-Z2-7]{16,} [A-Z2-7]{16,} [A-Z2-7]{16,}$' "$S_A $S_B $S_C $S_D $S_E"

# The watchlists: a wanted person, an entry ban, a discreet check; a stolen
# passport; a stolen car.
cat >"$T_TMP/persons.csv" <<'EOF'
ref,name,aliases,dob,nationality,sex,alert,authority,instruction
W-17,"SHCHERBAKOV, Yuriy","Щербаков Юрий",1971-04-12,RUS,M,wanted,INTERPOL,"Arrest; call the duty officer"
B-22,"BERG, Sara",,1990-01-01,UTO,F,entry-ban,National Police,Refuse entry
Q-31,محمد الخليفي,MOHAMED AL KHALIFI,1975-09-01,TUN,M,discreet-check,NCB Tunis,"Quiet check: keep calm, report to unit QX"
EOF
cat >"$T_TMP/vehicles.csv" <<'EOF'
ref,plate,country,vin,status,authority
V-1,B-AB 1234,D,WVWZZZ1JZXW000001,stolen,BKA
EOF
cat >"$T_TMP/documents.jsonl" <<'EOF'
{"ref":"D-9","number":"C01X00S19","type":"P","issuing_state":"UTO","status":"stolen","authority":"Utopia MFA"}
EOF
t_ok "setup: a document list (a stolen passport) is imported" \
	cli_as "$P" analyst "$TIMS" watchlist import --store "$P/watchlists" --list lost-docs --kind documents "$T_TMP/documents.jsonl"
t_ok "setup: a person watchlist is imported" \
	cli_as "$P" analyst "$TIMS" watchlist import --store "$P/watchlists" --list national --kind persons "$T_TMP/persons.csv"
t_ok "setup: a vehicle watchlist is imported" \
	cli_as "$P" analyst "$TIMS" watchlist import --store "$P/watchlists" --list stolen-cars --kind vehicles "$T_TMP/vehicles.csv"

"$TIMS" post serve "$P" --port 0 --web "$PWD/web" >"$T_TMP/serve.out" 2>"$T_TMP/serve.err" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$T_TMP"' EXIT
for _ in $(seq 1 100); do grep -q listening "$T_TMP/serve.out" 2>/dev/null && break; sleep 0.1; done
URL=$(sed -n 's/^listening on //p' "$T_TMP/serve.out" | sed 's|/$||')
t_match "serve: the node prints its loopback address" '^https://127\.0\.0\.1:[0-9]+$' "$URL"
CA=$P/tls.crt

# The console's files, with the headers a browser needs to lock it down.
h=$(curl -s -D - -o "$T_TMP/index.html" --cacert "$CA" "$URL/")
t_match "static: / is the console's page" '^HTTP/[0-9.]+ 200' "$h"
t_match "static: HTML content type" '[Cc]ontent-[Tt]ype: text/html; charset=utf-8' "$h"
t_match "static: Content-Security-Policy default-src 'self'" "Content-Security-Policy: default-src 'self'" "$h"
t_match "static: nosniff" 'X-Content-Type-Options: nosniff' "$h"
t_match "static: no framing" 'X-Frame-Options: DENY' "$h"
t_match "static: no referrer" 'Referrer-Policy: no-referrer' "$h"
t_match "static: revalidated on each load" 'Cache-Control: no-cache' "$h"
t_match "static: no window shared with other origins" 'Cross-Origin-Opener-Policy: same-origin' "$h"
t_match "static: the script is served as JavaScript" '[Cc]ontent-[Tt]ype: text/javascript' \
	"$(curl -s -D - -o /dev/null --cacert "$CA" "$URL/console.js")"
t_match "static: the style sheet as CSS" '[Cc]ontent-[Tt]ype: text/css' \
	"$(curl -s -D - -o /dev/null --cacert "$CA" "$URL/console.css")"
t_eq "static: a path outside web/ is refused" 404 \
	"$(curl -s -o /dev/null -w '%{http_code}' --path-as-is --cacert "$CA" "$URL/../../etc/passwd")"
t_eq "static: the page has no inline script" 0 "$(grep -c '<script>' "$T_TMP/index.html")"
t_eq "static: the page names no other origin" 0 "$(grep -Ec '(src|href)="(https?:)?//' "$T_TMP/index.html")"

# The browser run: its results come back as "ok|fail<TAB>name<TAB>detail",
# and figures it measured as "note<TAB>text" (printed as TAP comments).
export TIMS URL POST_DIR="$P" SHOTS CHROMIUM SERVER_PID=$SERVER
# The script reads histories with `tims history` as a supervisor logged in.
READER_SESSION=$(cli_as "$P" supervisor sh -c 'echo "$TIMS_SESSION"')
export READER_SESSION
export S_A S_B S_C S_D S_E S_F S_G WALL_KEY
node "$BROWSER_DIR/console.mjs" >"$T_TMP/browser.out" 2>"$T_TMP/browser.err"
rc=$?
browser_report "$rc"

# The script stopped the node (to show "node unreachable"); it must have
# stopped cleanly.
wait $SERVER; rc=$?
t_eq "serve: stopped cleanly on SIGTERM" 0 "$rc"
trap 'rm -rf "$T_TMP"' EXIT

# What the screen said was registered is in the post's log, as the server
# decided it (the console sends no screening of its own).
t_ok "after: the crossing log verifies" "$TIMS" log verify --post "$P"
t_match "after: it holds the 14 records the screens showed, none twice" ': 14 records ' "$("$TIMS" log verify --post "$P" 2>&1)"
h=$(cli_as "$P" officer "$TIMS" history --post "$P" C01X00V11 --json 2>&1)
t_match "after: the stolen car's driver: referred, then refused at the second line (a record linked to the referral)" \
	'"corrected_by":10' "$h"
t_ok "after: the audit log verifies" "$TIMS" audit verify --post "$P"
h=$(cli_as "$P" officer "$TIMS" history --post "$P" C01X00T47 --json 2>&1)
t_match "after: the keyboard-only traveller's entry is stored, admitted" '"direction":"entry".*"decision":"admit"' "$h"
h=$(cli_as "$P" officer "$TIMS" history --post "$P" 720000017 --json 2>&1)
t_match "after: the wanted traveller was admitted with the hit confirmed" '"confirmed_hit":"national/W-17"' "$h"
t_match "after: ... and the record carries the server's hit" '"ref":"W-17"' "$h"
h=$(cli_as "$P" officer "$TIMS" history --post "$P" C01X00T63 --json 2>&1)
t_match "after: the banned traveller is refused with codes E and H" '"decision":"refuse".*"refusal_code":"E,H"|"refusal_code":"E,H".*"decision":"refuse"' "$h"
t_match "after: the refusal's text is kept" 'entry ban confirmed' "$h"
h=$(cli_as "$P" officer "$TIMS" history --post "$P" TN1234567 --json 2>&1)
t_match "after: the discreet-check traveller is admitted" '"decision":"admit"' "$h"
t_match "after: the record tells the centre about the quiet hit (the server's, structured; the booth never saw it)" \
	'"alert":"discreet-check","discreet":true,"list":"national","part":"person","ref":"Q-31"' "$h"
h=$(cli_as "$P" officer "$TIMS" history --post "$P" X9988776 --json 2>&1)
t_match "after: the manual entry is stored as manual" '"entry_mode":"manual"' "$h"
# The history search: each search and each refusal is on the audit trail
# with its purpose (docs/api.md, POST /api/v1/history/search).
a=$(cli_as "$P" auditor "$TIMS" audit list --post "$P" --count 1000 --json 2>&1)
t_match "after: the search by name is audited with its purpose and the document it showed" \
	'"actor":"ivanova".*"action":"history\.search","purpose":"investigation: case 2026-118","status":200.*C01X00H85' \
	"$(printf '%s\n' "$a" | grep '"action":"history\.search"')"
t_eq "after: both searches without a purpose (English, Albanian) are audited as refused" 2 \
	"$(printf '%s\n' "$a" | grep '"actor":"ivanova".*"action":"history\.refused"' | grep -c 'Hoxha')"
t_ok "after: the process log has no document numbers" sh -c "! grep -Eq 'C01X00T47|720000017|TN1234567|C01X00K11|X9988776' '$T_TMP/serve.err'"
for s in login admitted hit admit-with-hit discreet bad-field document-stolen refused vehicle-session manual second-line reader-anywhere a11y-1024 a11y-zoom200 a11y-zoom200-receipt search-refused-sq search search-zoom200 search-auditor screening-failed session-ended supervisor-sq wall-sq unreachable; do
	t_ok "after: screenshot build/screenshots/console-$s.png saved" test -s "$SHOTS/console-$s.png"
done
t_end
