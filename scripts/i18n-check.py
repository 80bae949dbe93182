#!/usr/bin/python3
"""i18n-check.py — the consoles' message catalogues kept whole (docs/console.md,
"Languages"). Fails (exit 1, one line per finding) when:

  - a catalogue (web/i18n/LANG.json) is not a flat object of strings or
    plural objects ({"one": …, "other": …}), or the catalogues differ in
    keys, in plural forms, or in the {parameters} a text uses;
  - a key the page or the script uses (data-i18n="k", data-i18n-attr="a:k",
    t('k' …), has('k'), and the prefixes put together at run time:
    t('PREFIX.' + x) with every catalogue key under PREFIX. counting as used)
    is missing from a catalogue;
  - a catalogue key is used nowhere (a dead text);
  - the HTML holds a user-visible text outside the catalogue: a text node
    with letters (other than <kbd> key names, the brand and <noscript>), or a
    title / aria-label / placeholder / alt attribute with letters;
  - a reason of the screening engine (lib/screen/reason.c's table of codes,
    and the formats lib/screen/score.c writes) has no code, or a code or a
    coded word value has no text "match.…" in a catalogue;
  - the script holds a string literal that reads as a sentence or a label
    (words with spaces or sentence punctuation, or a capitalised word) and is
    neither a key nor on a line marked "// i18n-ok".

  scripts/i18n-check.py [--root DIR]     (run by tests/e2e/i18n.sh)
"""
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(sys.argv[sys.argv.index('--root') + 1]) if '--root' in sys.argv else Path(__file__).resolve().parent.parent
WEB = ROOT / 'web'
SETS = [  # (catalogue dir, pages, scripts): the booth console, the dashboard
    (WEB / 'i18n', [WEB / 'index.html', WEB / 'supervisor.html'],
     [WEB / 'console.js', WEB / 'supervisor.js', WEB / 'i18n.js']),
    (WEB / 'dashboard' / 'i18n', [WEB / 'dashboard' / 'index.html'],
     [WEB / 'dashboard' / 'dashboard.js', WEB / 'dashboard' / 'audit.js',
      WEB / 'dashboard' / 'reports.js', WEB / 'dashboard' / 'arrivals.js', WEB / 'i18n.js']),
]
PLURAL_FORMS = {'zero', 'one', 'two', 'few', 'many', 'other'}
ALLOWED_TEXT = {'TIMS'}
findings = []


def bad(where, what):
    findings.append(f'{where}: {what}')


def params(s):
    return set(re.findall(r'\{([a-z_0-9]+)\}', s))


def load(path):
    try:
        c = json.loads(path.read_text(encoding='utf-8'))
    except (OSError, ValueError) as e:
        bad(path, f'not JSON: {e}')
        return {}
    if not isinstance(c, dict):
        bad(path, 'not an object')
        return {}
    for k, v in c.items():
        if not re.fullmatch(r'[a-z][A-Za-z0-9_.-]*', k):
            bad(path, f'key {k!r}: a lower-case letter, then letters, digits, "_", "-", "." only')
        if isinstance(v, dict):
            if 'other' not in v or not set(v) <= PLURAL_FORMS or not all(isinstance(x, str) for x in v.values()):
                bad(path, f'key {k}: a plural object needs "other" and only plural forms of strings')
        elif not isinstance(v, str):
            bad(path, f'key {k}: neither a string nor a plural object')
    return c


def texts(v):
    return list(v.values()) if isinstance(v, dict) else [v]


class Page(HTMLParser):
    def __init__(self, path):
        super().__init__(convert_charrefs=True)
        self.path = path
        self.stack = []
        self.keys = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag not in ('meta', 'link', 'input', 'br', 'img', 'hr'):
            self.stack.append(tag)
        if a.get('data-i18n'):
            self.keys.add(a['data-i18n'])
        for pair in (a.get('data-i18n-attr') or '').split(';'):
            if ':' in pair:
                self.keys.add(pair.split(':', 1)[1].strip())
        for attr in ('title', 'aria-label', 'placeholder', 'alt'):
            if a.get(attr) and re.search(r'[A-Za-z]{2}', a[attr]):
                bad(f'{self.path}:{self.getpos()[0]}', f'{attr}="{a[attr]}" outside the catalogue (data-i18n-attr)')

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop() == tag:
                break

    def handle_data(self, data):
        s = data.strip()
        if not s or not re.search(r'[A-Za-z]{2}', s) or s in ALLOWED_TEXT:
            return
        if any(t in ('kbd', 'script', 'style', 'noscript') for t in self.stack):
            return
        bad(f'{self.path}:{self.getpos()[0]}', f'text {s[:60]!r} outside the catalogue (data-i18n)')


# string literals of a script, with their line; comments dropped
LIT = re.compile(r"""//[^\n]*|/\*.*?\*/|'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`((?:[^`\\]|\\.)*)`|/(?![/*])(?:[^/\\\n\[]|\\.|\[(?:[^\]\\\n]|\\.)*\])+/[a-z]*""", re.S)


def script(path, css_words, namespaces):
    src = path.read_text(encoding='utf-8')
    # a local named t hides the catalogue's t(): its texts would throw
    for i, ln in enumerate(src.split('\n'), 1):
        code = re.sub(r"'(?:[^'\\]|\\.)*'", "''", ln.split('//')[0])
        if (re.search(r'\b(?:const|let|var)\s+t\b(?!\s*=\s*\(k(?:ey)?, p\))', code) or
                re.search(r'(?:\(\s*|,\s*|\[\s*)t\s*(?:[,)\]]\s*)+=>', code) or
                re.search(r'function\s*\w*\s*\([^)]*\bt\b[^)]*\)', code)):
            bad(f'{path}:{i}', 'a local named t hides the catalogue\'s t()')
    used, prefixes = set(), set()
    lines = src.split('\n')
    for m in LIT.finditer(src):
        s = m.group(1) if m.group(1) is not None else m.group(2) if m.group(2) is not None else m.group(3)
        if s is None:
            continue
        line = src.count('\n', 0, m.start()) + 1
        before = src[max(0, m.start() - 40):m.start()]
        after = src[m.end():m.end() + 4]
        call = re.search(r"(?:\bt|has)\(\s*(?:[^()']*\?\s*)?$", before) or re.search(r"\bt\(\s*\w+\s*\?\s*'[^']*'\s*:\s*$", before)
        if call or re.search(r"\bt\([^()]*\?\s*$", before):
            if re.match(r'\s*\+', after):
                prefixes.add(s)
            else:
                used.add(s)
            continue
        if re.search(r"has\(\s*$", before) and re.match(r'\s*\+', after):
            prefixes.add(s)
            continue
        if re.fullmatch(r'[a-z][a-z0-9_]*\.[a-z0-9_.-]*', s) and s.split('.')[0] in namespaces:
            # a key held in a table (MANUAL_RULES …) or a prefix
            (prefixes if s.endswith('.') or re.match(r'\s*\+', after) else used).add(s)
            continue
        if re.fullmatch(r'[a-z][a-z0-9_]*\.[a-z0-9_.-]*', s):
            continue  # a storage key, a dotted field name: not a text
        if '// i18n-ok' in lines[line - 1] or s == 'use strict' or \
                re.fullmatch(r'(?:(?:Alt|Control|Ctrl|Shift)\+)+[A-Za-z0-9]+', s):  # a key name, as <kbd>
            continue
        words = re.findall(r'[A-Za-z]{2,}', s)
        if not words:
            continue
        sentence = (re.search(r'[A-Za-z]{2,}[^A-Za-z0-9]+[A-Za-z]{2,}', s) and not all(w in css_words for w in s.split())) \
            or re.search(r'[A-Za-z][.:!?…]\s*$', s) or re.match(r'^\s*[A-Z][a-z]{2,}', s)
        if sentence and not re.fullmatch(r'[A-Za-z0-9_.:/#\[\]="<>*+^$()?|\\-]+', s):
            bad(f'{path}:{line}', f'literal {s[:60]!r} outside the catalogue (t(key))')
        elif re.match(r'^\s*[A-Z][a-z]{2,}', s) and not re.fullmatch(r'[A-Z][A-Za-z0-9]*', s):
            bad(f'{path}:{line}', f'literal {s[:60]!r} outside the catalogue (t(key))')
    return used, prefixes


for cdir, pages, scripts in SETS:
    cats = {p.stem: load(p) for p in sorted(cdir.glob('*.json'))}
    if 'en' not in cats or len(cats) < 2:
        bad(cdir, 'needs en.json and at least one other catalogue')
        continue
    en = cats['en']
    for lang, c in cats.items():
        for k in set(en) - set(c):
            bad(cdir / f'{lang}.json', f'missing key {k} (in en.json)')
        for k in set(c) - set(en):
            bad(cdir / f'{lang}.json', f'extra key {k} (not in en.json)')
        for k in set(en) & set(c):
            if isinstance(en[k], dict) != isinstance(c[k], dict):
                bad(cdir / f'{lang}.json', f'key {k}: plural in one catalogue, not in the other')
            pe = set().union(*(params(x) for x in texts(en[k])))
            pc = set().union(*(params(x) for x in texts(c[k])))
            if pe != pc:
                bad(cdir / f'{lang}.json', f'key {k}: parameters {sorted(pc)} where en.json has {sorted(pe)}')
            if any(not x.strip() for x in texts(c[k])):
                bad(cdir / f'{lang}.json', f'key {k}: empty text')
    css_words = set()
    for css in WEB.rglob('*.css'):
        css_words |= set(re.findall(r'\.([a-z][a-z0-9-]*)', css.read_text(encoding='utf-8')))
    used, prefixes = set(), set()
    for p in pages:
        pg = Page(p)
        pg.feed(p.read_text(encoding='utf-8'))
        used |= pg.keys
    for s in scripts:
        u, pre = script(s, css_words, {k.split('.')[0] for k in en})
        used |= u
        prefixes |= pre
    for k in sorted(used):
        if k.endswith('.'):
            continue
        for lang, c in cats.items():
            if k not in c:
                bad(cdir / f'{lang}.json', f'missing key {k} (used by the page)')
    for k in sorted(en):
        if k not in used and not any(k.startswith(p) for p in prefixes):
            bad(cdir / 'en.json', f'key {k} is used nowhere')

# The screening engine's reasons reach both consoles coded (lib/screen/
# reason.c, "match.CODE" with named parameters, word values as
# "match.PARAM.VALUE"): every code and word value of its tables has its text
# in every catalogue, using only the code's parameters; and every format
# the scorer writes (reason(m, ..., "...") in lib/screen/score.c) is in the
# table, so that no reason reaches a console in English alone.
def c_strings(src):
    return ''.join(re.findall(r'"((?:[^"\\]|\\.)*)"', src))


REASON_C = ROOT / 'lib' / 'screen' / 'reason.c'
if REASON_C.exists():
    rsrc = REASON_C.read_text(encoding='utf-8')
    table = rsrc[rsrc.index('defs[] = {'):rsrc.index('};', rsrc.index('defs[] = {'))]
    defs = {}
    for m in re.finditer(r'\{\s*((?:"(?:[^"\\]|\\.)*"\s*)+),\s*"([a-z_.]+)",\s*((?:"[^"]*"\s*)+)\}', table):
        defs[c_strings(m.group(1))] = (m.group(2), c_strings(m.group(3)).split())
    values = re.findall(r'\{\s*"([a-z]+)",\s*"[^"]*",\s*"([a-z_]+)"\s*\}', rsrc)
    nsrc = (ROOT / 'lib' / 'screen' / 'names.c').read_text(encoding='utf-8')
    values += [('scheme', v) for v in re.findall(
        r'\[TIMS_SCHEME_[A-Z_]+\]\s*=\s*"([a-z0-9_]+)"', nsrc[nsrc.index('scheme_codes['):])]
    if len(defs) < 30 or len(values) < 20:
        bad(REASON_C, f'could not read the reason table ({len(defs)} codes, {len(values)} values)')
    ssrc = (ROOT / 'lib' / 'screen' / 'score.c').read_text(encoding='utf-8')
    for m in re.finditer(r'\breason\(\s*m\s*,\s*\w+\s*,\s*((?:"(?:[^"\\]|\\.)*"\s*)+)', ssrc):
        f = c_strings(m.group(1))
        if f not in defs:
            line = ssrc.count('\n', 0, m.start()) + 1
            bad(f'lib/screen/score.c:{line}', f'reason {f[:60]!r} has no code in lib/screen/reason.c')
    for cdir, _, _ in SETS:
        for p in sorted(cdir.glob('*.json')):
            c = load(p)
            for code, names in defs.values():
                k = 'match.' + code
                if k not in c:
                    bad(p, f'missing key {k} (a reason of the screening engine)')
                elif set().union(*(params(x) for x in texts(c[k]))) - set(names):
                    bad(p, f'key {k}: parameters beyond the reason\'s {names}')
            for param, v in values:
                if f'match.{param}.{v}' not in c:
                    bad(p, f'missing key match.{param}.{v} (a coded value of a reason)')

# the dashboard loads the booth console's loader (the centre serves
# web/i18n.js at /i18n.js): there is no copy to keep the same
if (WEB / 'dashboard' / 'i18n.js').exists():
    bad(WEB / 'dashboard' / 'i18n.js', 'a copy of web/i18n.js: the centre serves that one')

for f in findings:
    print(f)
print(f'i18n-check: {len(findings)} finding(s)', file=sys.stderr)
sys.exit(1 if findings else 0)
