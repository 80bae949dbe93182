#!/usr/bin/env python3
"""po-mark.py — wrap what scripts/po-check.py would call "printed outside _()"
(docs/languages.md, "The command line").

  scripts/po-mark.py src/FILE.c ...

In each file: a string literal with a word in it (and the literals and
PRI* macros concatenated with it) whose nearest enclosing call prints
(printf, fprintf, fputs, puts, cli_error but its command name ...) becomes
_("..."); a `char NAME[] = "text"` becomes N_("text"), and fputs/printf/puts
of that NAME become _(NAME). Then review the diff: machine output (JSON,
key=value lines, a line scripts read, a role or option name) goes back to a
bare literal with the comment `i18n: machine` on its line; run `make pot`,
translate in po/LL.po, and run scripts/po-check.py.
"""
import importlib.util
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("pc", os.path.join(HERE, "po-check.py"))
pc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pc)


def tokens_at(text):
    return [(m.lastgroup, m.group(), m.start(), m.end()) for m in pc.TOKEN.finditer(text)
            if m.lastgroup not in ("comment", "nl", "other", "pre")]


def joined(t):
    return t[0] == "string" or (t[0] == "ident" and t[1].startswith("PRI"))


def mark(text):
    toks = tokens_at(text)
    simple = [(k, v, 0) for k, v, _, _ in toks]
    lines = text.split("\n")
    edits, done, arrays = [], set(), set()
    for i, (k, v, a, _) in enumerate(toks):
        if k != "string" or i in done or not pc.words(v):
            continue
        if "i18n: machine" in lines[text.count("\n", 0, a)]:
            continue
        fn, arg = pc.enclosing_call(simple, i)
        if fn in pc.MARKERS:
            continue
        is_arr = fn is None and i >= 4 and toks[i - 1][1] == "=" and toks[i - 2][1] == "]" \
            and toks[i - 3][1] == "["
        if not ((fn in pc.PRINTERS and pc.PRINTERS[fn] != arg) or is_arr):
            continue
        j, e = i, i
        while j > 0 and joined(toks[j - 1]):
            j -= 1
        while e + 1 < len(toks) and joined(toks[e + 1]):
            e += 1
        done.update(range(j, e + 1))
        edits.append((toks[j][2], toks[e][3], "N_(" if is_arr else "_("))
        if is_arr:
            arrays.add(toks[i - 4][1])
    for s, e, p in sorted(edits, reverse=True):
        text = text[:s] + p + text[s:e] + ")" + text[e:]
    for name in arrays:
        text = re.sub(r"\b(fputs|printf|puts)\(%s\b" % name, r"\1(_(%s)" % name, text)
    return text, len(edits)


def main():
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        out, n = mark(text)
        if out != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(out)
        print(f"{path}: {n} marked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
