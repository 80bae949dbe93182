# man.sh — the manual pages (man/man1, mdoc): one for tims and one for each
# command family; generated from the program's own help text by
# scripts/gen-man.py, so they must be regenerated when a help text changes
# (this test says so); lint-clean under groff -mdoc -ww; and they render.
. tests/e2e/lib.sh

python3 scripts/gen-man.py --tims "$TIMS" --out "$T_TMP/man1" 2>/dev/null
t_ok "man: the pages generate" test -s "$T_TMP/man1/tims.1"
d=$(diff -r man/man1 "$T_TMP/man1" 2>&1 | head -20)
t_eq "man: the committed pages are the program's current help (else run scripts/gen-man.py)" "" "$d"
for fam in $("$TIMS" help | sed -n '/^Commands:/,$p' | awk 'NF >= 2 && $1 != "help" && $1 != "version" && $1 != "Commands:" && $1 !~ /^'"'"'/ {print $1}'); do
	t_ok "man: tims-$fam(1) exists" test -s "man/man1/tims-$fam.1"
done
for p in man/man1/*.1; do
	w=$(groff -mdoc -ww -z "$p" 2>&1)
	t_eq "man: $(basename "$p") is lint-clean (groff -mdoc -ww)" "" "$w"
	t_match "man: $(basename "$p") renders, with its NAME and EXIT STATUS" 'NAME.*EXIT STATUS' \
		"$(MANWIDTH=80 man -l "$p" 2>/dev/null | tr '\n' ' ')"
done
t_match "man: tims(1) lists every family's page" 'tims-witness\(1\)' "$(MANWIDTH=80 man -l man/man1/tims.1 2>/dev/null | tr '\n' ' ')"
t_end
