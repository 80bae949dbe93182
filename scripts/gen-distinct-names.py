#!/usr/bin/env python3
"""gen-distinct-names.py — the table of spellings that are names of their own.

  python3 scripts/gen-distinct-names.py > lib/screen/distinct_names.h

Reads the published name lists kept in lib/screen/names/ (README.md there
says where each comes from and under which licence) and writes the sorted
array of A-Z names that lib/screen/distinct.c searches, each with the set
of languages whose lists hold it (a bit per language). Two spellings are
called two names only when one language's lists hold both: a language's
list does not hold two spellings of one of its names, but two languages'
lists often do (PETR and PETRO, OLEG and OLEH, MARIA and MARIJA are one
name in Russian and Ukrainian, English and Serbian).

Names in Latin letters with marks lose the marks (Ł L, Đ DJ, ß SS); names
in Cyrillic or Greek are written as the passports of the language write
them: Russian by ICAO Doc 9303 Part 3 (2021), Ukrainian by the Cabinet of
Ministers resolution 55 of 2010, Greek by ELOT 743 (ISO 843). Only names of
three letters or more made of A-Z alone afterwards. Python 3 standard
library only; the output depends on the lists alone.
"""
import os
import re
import sys
import unicodedata

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib", "screen", "names")
# (file, language, description); the languages in bit order
LISTS = [
    ("census2010-surnames-top1000.txt", "en", "US Census Bureau, 2010 surnames (top 1000)"),
    ("moby-female-first-names.txt", "en", "Moby Word II female first names"),
    ("moby-male-first-names.txt", "en", "Moby Word II male first names"),
    ("faker-hr.tsv", "hr", "Croatian given names and surnames (@faker-js/faker 10.6.0, hr)"),
    ("faker-sr-Latn.tsv", "sr", "Serbian (Latin) given names and surnames (@faker-js/faker 10.6.0, sr_RS_latin)"),
    ("faker-pl.tsv", "pl", "Polish given names and surnames (@faker-js/faker 10.6.0, pl)"),
    ("faker-cs.tsv", "cs", "Czech given names and surnames (@faker-js/faker 10.6.0, cs_CZ)"),
    ("faker-sk.tsv", "sk", "Slovak given names and surnames (@faker-js/faker 10.6.0, sk)"),
    ("faker-ru.tsv", "ru", "Russian given names and surnames (@faker-js/faker 10.6.0, ru), ICAO 9303 Latin"),
    ("faker-uk.tsv", "uk", "Ukrainian given names and surnames (@faker-js/faker 10.6.0, uk), KMU 55/2010 Latin"),
    ("faker-el.tsv", "el", "Greek given names and surnames (@faker-js/faker 10.6.0, el), ELOT 743 Latin"),
]
LANGS = []
for _, lang, _ in LISTS:
    if lang not in LANGS:
        LANGS.append(lang)

# ICAO Doc 9303 Part 3 (2021), Cyrillic as Russian passports write it
RU = dict(zip("АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ",
              ["A", "B", "V", "G", "D", "E", "E", "ZH", "Z", "I", "I", "K", "L", "M", "N", "O",
               "P", "R", "S", "T", "U", "F", "KH", "TS", "CH", "SH", "SHCH", "IE", "Y", "", "E",
               "IU", "IA"]))
# Ukraine, Cabinet of Ministers resolution 55 (2010): Є Ї Й Ю Я as YE YI Y YU YA
# at the start of a word, IE I I IU IA elsewhere; ЗГ as ZGH
UK = dict(zip("АБВГҐДЕЄЖЗИІЇЙКЛМНОПРСТУФХЦЧШЩЬЮЯ'’",
              ["A", "B", "V", "H", "G", "D", "E", "IE", "ZH", "Z", "Y", "I", "I", "I", "K", "L",
               "M", "N", "O", "P", "R", "S", "T", "U", "F", "KH", "TS", "CH", "SH", "SHCH", "",
               "IU", "IA", "", ""]))
UK_START = {"Є": "YE", "Ї": "YI", "Й": "Y", "Ю": "YU", "Я": "YA"}
# ELOT 743 / ISO 843 (Greek passports)
EL_PAIRS = {"ΑΙ": "AI", "ΕΙ": "EI", "ΟΙ": "OI", "ΟΥ": "OU", "ΥΙ": "YI", "ΜΠ": "MP",
            "ΝΤ": "NT", "ΓΚ": "GK", "ΓΓ": "NG", "ΓΞ": "NX", "ΓΧ": "NCH", "ΤΖ": "TZ"}
EL = dict(zip("ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ",
              ["A", "V", "G", "D", "E", "Z", "I", "TH", "I", "K", "L", "M", "N", "X", "O", "P",
               "R", "S", "T", "Y", "F", "CH", "PS", "O"]))
EL_VOICELESS = set("ΘΚΞΠΣΤΦΧΨ")


def strip_marks(s):
    s = s.replace("ß", "SS").replace("ẞ", "SS")
    out = []
    for ch in unicodedata.normalize("NFD", s.upper()):
        if unicodedata.category(ch) == "Mn":
            continue
        out.append({"Ł": "L", "Đ": "DJ", "Ø": "O", "Æ": "AE", "Œ": "OE", "Ħ": "H"}.get(ch, ch))
    return "".join(out)


def cyrillic(s, table, start=None):
    # Й, Ї and Ё are letters of their own: only a stress mark is dropped
    s = unicodedata.normalize("NFC", s.upper().replace("\u0301", ""))
    out = []
    for i, ch in enumerate(s):
        if start and (i == 0 or not s[i - 1].isalpha()) and ch in start:
            out.append(start[ch])
        elif table is UK and ch == "Г" and i > 0 and s[i - 1] == "З":
            out.append("GH")
        else:
            out.append(table.get(ch, ch))
    return "".join(out)


def greek(s):
    s = "".join(c for c in unicodedata.normalize("NFD", s.upper())
                if unicodedata.category(c) != "Mn")
    out, i = [], 0
    while i < len(s):
        two = s[i:i + 2]
        if two in ("ΑΥ", "ΕΥ", "ΗΥ"):
            nxt = s[i + 2] if i + 2 < len(s) else ""
            out.append({"Α": "A", "Ε": "E", "Η": "I"}[two[0]] +
                       ("F" if (not nxt or nxt in EL_VOICELESS) else "V"))
            i += 2
        elif two in EL_PAIRS:
            # ΜΠ and ΝΤ at the start of a word are B and D
            if two in ("ΜΠ", "ΝΤ") and i == 0:
                out.append("B" if two == "ΜΠ" else "D")
            else:
                out.append(EL_PAIRS[two])
            i += 2
        else:
            out.append(EL.get(s[i], s[i]))
            i += 1
    return "".join(out)


def latin(name, lang):
    if lang == "ru":
        return cyrillic(name, RU)
    if lang == "uk":
        return cyrillic(name, UK, UK_START)
    if lang == "el":
        return greek(name)
    return strip_marks(name)


def names_of(f):
    for line in open(os.path.join(HERE, f), encoding="utf-8"):
        line = line.rstrip("\n")
        if not line:
            continue
        yield line.split("\t", 1)[1] if "\t" in line else line


def main():
    names = {}
    for f, lang, _ in LISTS:
        bit = 1 << LANGS.index(lang)
        for n in names_of(f):
            n = latin(n.strip(), lang).upper()
            if len(n) >= 3 and re.fullmatch(r"[A-Z]+", n):
                names[n] = names.get(n, 0) | bit
    w = sys.stdout.write
    w("/* Generated by scripts/gen-distinct-names.py from lib/screen/names/ "
      "(README.md there): do not edit. */\n")
    w("/* %d names: %s. */\n" % (len(names), "; ".join(d for _, _, d in LISTS)))
    w("/* languages, one bit each from bit 0: %s */\n" % " ".join(LANGS))
    w("static const struct distinct_name distinct_names[] = {\n")
    line = ""
    for n in sorted(names):
        piece = '{ "%s", 0x%x }, ' % (n, names[n])
        if len(line) + len(piece) > 76:
            w("\t%s\n" % line.rstrip())
            line = ""
        line += piece
    w("\t%s\n};\n" % line.rstrip())


if __name__ == "__main__":
    main()
