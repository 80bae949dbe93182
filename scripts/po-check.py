#!/usr/bin/env python3
"""po-check.py — the command line's message catalogues are whole
(docs/languages.md, "The command line").

  scripts/po-check.py [--root DIR]

For the source files po/POTFILES names (the files whose texts are marked;
every src/*.c must be among them):
  1. every text marked with _(), N_() or ngettext() is in po/tims.pot
     (else: run `make pot`), and has a translation in every po/LL.po that
     is neither missing, empty nor fuzzy; msgfmt --check passes on each
     (a translation's %s, %d ... must be the original's);
  2. no text is printed outside the catalogue: a string literal with a word
     in it, given to a function that prints (printf, fprintf, fputs, puts,
     cli_error, cli_read_secret, cli_progress_start ...) where the nearest
     call around it is that function, is a finding; so is a `char NAME[] =
     "text"` that is not N_("text"). Machine output written with a literal
     carries the comment `i18n: machine` on its line.
Prints one finding a line and "po-check: N finding(s)"; exit 1 if any.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

PRINTERS = {  # function -> index of an argument that is not text (0-based), or None
    "printf": None, "fprintf": None, "dprintf": None, "fputs": None, "puts": None,
    "perror": None, "cli_error": 1, "cli_read_secret": None, "cli_progress_start": None,
}
MARKERS = {"_", "N_", "gettext", "ngettext"}
XGETTEXT = ["xgettext", "--from-code=UTF-8", "--keyword=_", "--keyword=N_",
            "--keyword=ngettext:1,2", "--no-wrap", "--output=-"]

TOKEN = re.compile(r'''
    (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<string>"(?:\\.|[^"\\\n])*")
  | (?P<char>'(?:\\.|[^'\\\n])*')
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<pre>^\s*\#[^\n]*(?:\\\n[^\n]*)*)
  | (?P<punct>[(){}\[\],;=?:])
  | (?P<nl>\n)
  | (?P<other>.)
''', re.S | re.X | re.M)
FORMAT = re.compile(r'%[-+ #0-9.*]*(?:hh|h|ll|l|j|z|t|L)?[diouxXeEfFgGaAcspn%]')
ESCAPE = re.compile(r'\\(?:[0-7]{1,3}|x[0-9a-fA-F]+|.)')
WORD = re.compile(r'[^\W\d_]{2,}')


def tokens(text):
    line = 1
    for m in TOKEN.finditer(text):
        kind = m.lastgroup
        val = m.group()
        if kind not in ("comment", "nl", "other", "pre"):
            yield (kind, val, line)
        line += val.count("\n")


NAMES = {"tims"}  # the program's name is no text to translate


def words(literal):
    s = FORMAT.sub(" ", ESCAPE.sub(" ", literal[1:-1]))
    return any(w not in NAMES for w in WORD.findall(s))


def enclosing_call(toks, k):
    """(function name, argument index) of the innermost call around toks[k]."""
    depth, arg = 0, 0
    for j in range(k - 1, -1, -1):
        v = toks[j][1]
        if v in ")]}":
            depth += 1
        elif v in "([{":
            if depth == 0:
                if v == "(" and j > 0 and toks[j - 1][0] == "ident":
                    return toks[j - 1][1], arg
                return None, arg
            depth -= 1
        elif v == "," and depth == 0:
            arg += 1
        elif v == ";" and depth == 0:
            return None, arg
    return None, arg


def scan(path, text):
    found = []
    lines = text.split("\n")
    toks = list(tokens(text))
    for k, (kind, val, line) in enumerate(toks):
        if kind != "string" or not words(val):
            continue
        if "i18n: machine" in lines[line - 1]:
            continue
        fn, arg = enclosing_call(toks, k)
        if fn in MARKERS:
            continue
        if fn in PRINTERS and PRINTERS[fn] != arg:
            found.append(f"{path}:{line}: {val[:60]} printed outside _()")
        # char NAME[] = "text"
        elif fn is None and k >= 4 and toks[k - 1][1] == "=" and toks[k - 2][1] == "]" \
                and toks[k - 3][1] == "[":
            found.append(f"{path}:{line}: {toks[k - 4][1]}[] = {val[:50]} is not N_()")
    return found


def po_entries(text):
    """{msgid: (msgstrs, fuzzy)} of a .po file (msgid "" is the header)."""
    out = {}
    cur, fuzzy, field = None, False, None

    def done():
        if cur is not None and "msgid" in cur and not cur.get("obsolete"):
            out[cur["msgid"]] = (cur.get("strs", {}), cur["fuzzy"])

    for raw in text.split("\n"):
        line = raw.strip()
        if line.startswith("#~"):
            if cur is not None:
                cur["obsolete"] = True
            continue
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
            continue
        if not line or line.startswith("#"):
            continue
        m = re.match(r'(msgid|msgid_plural|msgstr(?:\[(\d+)\])?|msgctxt)\s+(".*")$', line)
        if m:
            key, val = m.group(1), eval_c(m.group(3))
            if key == "msgid":
                done()
                cur = {"msgid": val, "fuzzy": fuzzy}
                fuzzy = False
                field = ("msgid",)
            elif key == "msgid_plural":
                field = ("plural",)
                cur["plural"] = val
            elif key.startswith("msgstr"):
                n = int(m.group(2) or 0)
                cur.setdefault("strs", {})[n] = val
                field = ("str", n)
            continue
        if line.startswith('"') and cur is not None and field:
            val = eval_c(line)
            if field[0] == "msgid":
                cur["msgid"] += val
            elif field[0] == "plural":
                cur["plural"] += val
            else:
                cur["strs"][field[1]] += val
    done()
    return out


def eval_c(lit):
    return bytes(lit[1:-1], "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=".")
    a = ap.parse_args()
    root = a.root
    findings = []
    with open(os.path.join(root, "po/POTFILES")) as f:
        files = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    # every source file of the program is marked: a new one cannot print
    # outside the catalogue unseen
    src = os.path.join(root, "src")
    for n in sorted(os.listdir(src)) if os.path.isdir(src) else []:
        if n.endswith(".c") and "src/" + n not in files:
            findings.append(f"src/{n}: not in po/POTFILES")
    for p in files:
        with open(os.path.join(root, p), encoding="utf-8") as f:
            findings += scan(p, f.read())
    x = subprocess.run(XGETTEXT + files, cwd=root, capture_output=True, text=True)
    if x.returncode:
        findings.append("xgettext failed: " + x.stderr.strip())
        marked = {}
    else:
        marked = po_entries(x.stdout)
    marked.pop("", None)
    with open(os.path.join(root, "po/tims.pot"), encoding="utf-8") as f:
        pot = po_entries(f.read())
    for mid in marked:
        if mid not in pot:
            findings.append(f"po/tims.pot: lacks {mid[:60]!r}: run make pot")
    langs = sorted(n[:-3] for n in os.listdir(os.path.join(root, "po")) if n.endswith(".po"))
    if not langs:
        findings.append("po/: no catalogue")
    for lang in langs:
        path = os.path.join(root, "po", lang + ".po")
        with open(path, encoding="utf-8") as f:
            po = po_entries(f.read())
        for mid in marked:
            e = po.get(mid)
            if e is None:
                findings.append(f"po/{lang}.po: no translation of {mid[:60]!r}")
            elif e[1]:
                findings.append(f"po/{lang}.po: fuzzy translation of {mid[:60]!r}")
            elif not e[0] or any(not s for s in e[0].values()):
                findings.append(f"po/{lang}.po: empty translation of {mid[:60]!r}")
        with tempfile.TemporaryDirectory() as t:
            r = subprocess.run(["msgfmt", "--check", "-o", os.path.join(t, "x.mo"), path],
                               capture_output=True, text=True)
            if r.returncode:
                findings += [f"po/{lang}.po: msgfmt: {l}" for l in r.stderr.strip().split("\n")]
    for f_ in findings:
        print(f_)
    print(f"po-check: {len(findings)} finding(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
