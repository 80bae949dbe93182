# cli-lang.sh — the command line's languages (docs/languages.md, "The command
# line"): GNU gettext, text domain tims, po/LL.po compiled into build/locale.
#
#  1. the catalogues are whole: scripts/po-check.py finds nothing in the
#     tree, and finds each fault planted in a copy (a text without its
#     translation, a fuzzy one, a translation that lost its %s, a text
#     printed outside _(), a usage text not marked, po/tims.pot behind, a
#     source file of src/ left out of po/POTFILES);
#  2. the language: Albanian from LANGUAGE (with LANG=C.UTF-8), from
#     LC_ALL=sq_AL.UTF-8 and LANG=sq_AL.UTF-8 whether or not that locale is
#     generated here, and from the installation's `lang = sq`; English with
#     LC_ALL=C whatever LANGUAGE says, with no language set, and when the
#     locale says English over the installation's sq; the ASan twin finds
#     its own catalogue (build/asan/locale);
#  3. machine output does not change with the language (--json, the
#     command lists), and the manual pages stay English.
. tests/e2e/lib.sh

PY=/usr/bin/python3
ASAN=${TIMS_ASAN:-$PWD/build/asan/tims}

# ---- 1. the catalogues --------------------------------------------------------
t_eq "po-check: no finding in the tree" "po-check: 0 finding(s)" "$($PY scripts/po-check.py 2>&1 | tail -1)"

# Each fault is planted in one copy of src/ and po/, each on a text of its
# own, and must be found (a check that cannot fail is none).
rm -rf "$T_TMP/r"; mkdir -p "$T_TMP/r"; cp -r po src "$T_TMP/r/"
plant() { perl -0pi -e "$2" "$T_TMP/r/$1"; } # file perl-substitution
plant po/sq.po 's/msgstr "nuk merr argumente"/msgstr ""/'
plant po/sq.po 's/\nmsgid "print the version"\nmsgstr "[^"]*"\n//'
plant po/sq.po 's/\nmsgid "no command \x27%s\x27"/\n#, fuzzy\nmsgid "no command \x27%s\x27"/'
plant po/sq.po "s/msgstr \"'%s' nuk është komandë e %s\"/msgstr \"'%s' nuk është komandë\"/"
plant src/tims.c 's/puts\(_\(("usage: tims version[^;]*)\)\);/puts($1);/'
plant src/tims.c 's/printf\("tims %s\\n", tims_version\(\)\)/printf("tims %s\\n", "unknown version")/'
plant src/cmd_mrz.c 's/N_\(("usage: tims mrz.*?\\n")\);/$1;/s'
plant src/cli.c 's/readable by group or others: set to/readable by others: set to/'
printf '#include "cli.h"\nvoid cmd_new(void);\nvoid cmd_new(void) { puts("a new command"); }\n' >"$T_TMP/r/src/cmd_new.c"
out=$($PY scripts/po-check.py --root "$T_TMP/r" 2>&1)
t_match "po-check: finds a text without its Albanian" "po/sq.po: empty translation of 'takes no arguments'" "$out"
t_match "po-check: finds a text missing from sq.po" "po/sq.po: no translation of 'print the version'" "$out"
t_match "po-check: finds a fuzzy translation" "po/sq.po: fuzzy translation of \"no command '%s'\"" "$out"
t_match "po-check: finds a translation that lost its %s" "po/sq.po: msgfmt: .*format" "$out"
t_match "po-check: finds an English text printed outside _()" \
	'src/tims.c:[0-9]+: "usage: tims version.* printed outside _\(\)' "$out"
t_match "po-check: finds a literal argument printed outside _()" \
	'src/tims.c:[0-9]+: "unknown version" printed outside _\(\)' "$out"
t_match "po-check: finds a usage text not marked N_()" \
	'src/cmd_mrz.c:[0-9]+: usage\[\] = "usage: tims mrz.* is not N_\(\)' "$out"
t_match "po-check: finds a marked text that po/tims.pot lacks (make pot not run)" \
	"po/tims.pot: lacks .*readable by others: set to.*: run make pot" "$out"
t_match "po-check: finds a source file of the program that po/POTFILES leaves out" \
	"src/cmd_new.c: not in po/POTFILES" "$out"
t_match "po-check: and fails" "po-check: [1-9][0-9]* finding" "$(echo "$out" | tail -1)"

# scripts/po-mark.py wraps what po-check finds: a text unmarked in a copy of
# tims.c comes back as the tree has it
mkdir -p "$T_TMP/m"; sed 's/_("takes no arguments")/"takes no arguments"/' src/tims.c >"$T_TMP/m/tims.c"
$PY scripts/po-mark.py "$T_TMP/m/tims.c" >/dev/null 2>&1
t_eq "po-mark: marks an unmarked text back as _()" "" "$(diff src/tims.c "$T_TMP/m/tims.c" 2>&1)"

# ---- 2. the language ----------------------------------------------------------
# No locale of the machine is changed or generated: tims needs the locale's
# name only (its messages are UTF-8 whatever LC_CTYPE is).
if locale -a 2>/dev/null | grep -qi '^sq_AL\.utf-\?8$'; then gen=generated; else gen="not generated"; fi
SQ="nuk është komandë e tims"
EN="is not a tims command"
lang_run() { env -i PATH="$PATH" TIMS_CONF_DIR="$T_TMP/none" "$@" 2>&1; }
t_match "lang: LANGUAGE=sq with LANG=C.UTF-8 gives Albanian" "$SQ" "$(lang_run LANGUAGE=sq LANG=C.UTF-8 "$TIMS" nosuch)"
t_match "lang: LC_ALL=sq_AL.UTF-8 gives Albanian (sq_AL.UTF-8 $gen here)" "$SQ" "$(lang_run LC_ALL=sq_AL.UTF-8 "$TIMS" nosuch)"
t_match "lang: LANG=sq_AL.UTF-8 gives Albanian" "$SQ" "$(lang_run LANG=sq_AL.UTF-8 "$TIMS" nosuch)"
t_match "lang: LC_MESSAGES=sq_AL.UTF-8 over LANG=en_US.UTF-8 gives Albanian" "$SQ" \
	"$(lang_run LANG=en_US.UTF-8 LC_MESSAGES=sq_AL.UTF-8 "$TIMS" nosuch)"
t_match "lang: the ASan twin finds build/asan/locale" "$SQ" "$(lang_run LANGUAGE=sq LANG=C.UTF-8 "$ASAN" nosuch)"
t_match "lang: LC_ALL=C gives English whatever LANGUAGE says" "$EN" "$(lang_run LC_ALL=C LANGUAGE=sq "$TIMS" nosuch)"
t_match "lang: LANGUAGE=en over LANG=sq_AL.UTF-8 gives English" "$EN" "$(lang_run LANGUAGE=en LANG=sq_AL.UTF-8 "$TIMS" nosuch)"
t_match "lang: no language set gives English" "$EN" "$(lang_run "$TIMS" nosuch)"
t_match "lang: LC_ALL=C.UTF-8 over LANG=sq_AL.UTF-8 gives English" "$EN" \
	"$(lang_run LC_ALL=C.UTF-8 LANG=sq_AL.UTF-8 "$TIMS" nosuch)"
t_match "lang: a language without a catalogue (de) falls back to English" "$EN" "$(lang_run LANG=de_DE.UTF-8 "$TIMS" nosuch)"
mkdir -p "$T_TMP/etc"
printf '# the post\n# lang = en\ndir = /var/lib/tims/post\nlang = sq\n' >"$T_TMP/etc/post.conf"
inst() { env -i PATH="$PATH" TIMS_CONF_DIR="$T_TMP/etc" "$@" 2>&1; }
t_match "lang: the installation's lang = sq (post.conf) gives Albanian" "$SQ" "$(inst LANG=C.UTF-8 "$TIMS" nosuch)"
t_match "lang: a locale that names English wins over the installation's sq" "$EN" "$(inst LANG=en_US.UTF-8 "$TIMS" nosuch)"
t_match "lang: LC_ALL=C wins over the installation's sq" "$EN" "$(inst LC_ALL=C "$TIMS" nosuch)"
printf '# lang = en\n\t lang\t=  sq \t\r\n' >"$T_TMP/etc/post.conf"
t_match "lang: a lang line indented, with tabs and CRLF, is read as tims.conf(5) reads it" "$SQ" "$(inst "$TIMS" nosuch)"
printf 'lang = xx\n' >"$T_TMP/etc/post.conf"
t_match "lang: a language TIMS does not have in post.conf is not used" "$EN" "$(inst "$TIMS" nosuch)"
rm "$T_TMP/etc/post.conf"; printf 'lang = sq\n' >"$T_TMP/etc/centre.conf"
t_match "lang: the centre's lang = sq (centre.conf) gives Albanian" "$SQ" "$(inst "$TIMS" nosuch)"
t_match "lang: the catalogue's ë and ç are UTF-8 with LC_CTYPE=C" "çelësash" "$(inst LC_CTYPE=C "$TIMS" help)"
t_match "lang: an Albanian help (tims help)" "Komandat:" "$(inst "$TIMS" help)"
t_match "lang: the English help" "Commands:" "$(lang_run LANG=C.UTF-8 "$TIMS" help)"
t_match "lang: a catalogue named by TIMS_LOCALEDIR is used" "$SQ" \
	"$(lang_run TIMS_LOCALEDIR="$PWD/build/locale" LANGUAGE=sq LANG=C.UTF-8 "$TIMS" nosuch)"
t_match "lang: a TIMS_LOCALEDIR without the catalogue gives English, not an error" "$EN" \
	"$(lang_run TIMS_LOCALEDIR="$T_TMP/none" LANGUAGE=sq LANG=C.UTF-8 "$TIMS" nosuch)"

# ---- 3. machine output --------------------------------------------------------
t_eq "machine: tims post --commands is the same in Albanian" \
	"$(lang_run LANG=C.UTF-8 "$TIMS" post --commands 2>&1)" "$(lang_run LANGUAGE=sq LANG=C.UTF-8 "$TIMS" post --commands 2>&1)"
MRZ=tests/data/mrz/demo-invalid.txt
en_json=$(lang_run LANG=C.UTF-8 TIMS_TODAY=2026-01-01 "$TIMS" mrz --json "$MRZ")
sq_json=$(lang_run LANGUAGE=sq LANG=C.UTF-8 TIMS_TODAY=2026-01-01 "$TIMS" mrz --json "$MRZ")
t_match "machine: tims mrz --json gives documents" '"valid":false' "$en_json"
t_eq "machine: tims mrz --json is byte for byte the same in Albanian" "$en_json" "$sq_json"
sq_text=$(lang_run LANGUAGE=sq LANG=C.UTF-8 TIMS_TODAY=2026-01-01 "$TIMS" mrz "$MRZ")
t_match "text: tims mrz for a person is Albanian (labels, verdict)" 'Dokumenti 1 .*I PAVLEFSHËM' "$sq_text"
t_match "text: an MRZ error with a code is put in Albanian from its code and values" \
	'  gabim:   data e lindjes: shifra e kontrollit është 4, pritej 2' "$sq_text"
t_match "text: ... as is a country code that is not ICAO's" "  gabim:   shteti lëshues: 'ZZZ' nuk është kod shteti ICAO" "$sq_text"
t_match "text: an error without a code keeps the library's English (docs/languages.md)" \
	'  gabim:   expiry_date: 29 February 2027 does not exist' "$sq_text"
en_text=$(lang_run LANG=C.UTF-8 TIMS_TODAY=2026-01-01 "$TIMS" mrz "$MRZ")
t_match "text: tims mrz for a person in English" 'Document 1 .*INVALID' "$en_text"
t_match "text: ... with the library's own message for a coded error" '  error:   birth_date: check digit is 4, expected 2' "$en_text"
# the manual pages are the program's English help whatever the caller's
# language: scripts/gen-man.py's own run(), under LANGUAGE=sq and lang = sq
man=$(LANGUAGE=sq LANG=sq_AL.UTF-8 TIMS_CONF_DIR="$T_TMP/etc" $PY -c '
import importlib.util, sys
s = importlib.util.spec_from_file_location("g", "scripts/gen-man.py"); g = importlib.util.module_from_spec(s); s.loader.exec_module(g)
print(g.run(sys.argv[1], "help")); print(g.run(sys.argv[1], "mrz", "--help"))' "$TIMS" 2>&1)
t_match "man: gen-man.py reads the English help under LANGUAGE=sq and lang = sq" '^usage: tims <command>' "$man"
t_match "man: and the English usage of a family" 'usage: tims mrz \[--json\]' "$man"
t_match "man: the same call outside gen-man is Albanian (the check can fail)" 'përdorimi: tims mrz' \
	"$(LANGUAGE=sq LANG=sq_AL.UTF-8 TIMS_CONF_DIR="$T_TMP/etc" "$TIMS" mrz --help 2>&1)"
t_end
