#!/usr/bin/env python3
"""gen-paxlst.py — realistic PAXLST interchanges for tests and benchmarks.

One interchange a flight (UNA, UNB, UNH ... UNT, UNZ; D:02B or D:05B), its
passengers and crew made from the Latin-script name pools in
tests/data/names (written as an airline's system writes them under UNOA:
upper case A-Z, diacritics dropped), with birth dates, sexes, nationalities,
passport numbers and expiry dates, the flight's legs into Tirana (TIA).
Standard library only; the same seed gives the same bytes.

    gen-paxlst.py [--seed N] [--flights N] [--passengers N] [--crew N]
                  [--version D:02B|D:05B] [--typeb] [--date YYYY-MM-DD]
"""
import argparse
import datetime
import os
import random
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
NAMES = os.path.join(HERE, "..", "names")
# language pool -> nationality (ICAO codes)
POOLS = {"sq": "ALB", "de": "DEU", "it": "ITA", "en": "GBR", "fr": "FRA", "es": "ESP",
         "pl": "POL", "hr": "HRV", "sr-Latn": "SRB", "ro": "ROU", "nl": "NLD", "sv": "SWE",
         "cs": "CZE", "hu": "HUN"}
CARRIERS = [("JU", "BEG"), ("W6", "BUD"), ("A3", "ATH"), ("OS", "VIE"), ("LH", "FRA"),
            ("TK", "IST"), ("FR", "BGY"), ("BA", "LGW")]
FOLD = {"ß": "SS", "Ø": "O", "ø": "O", "Ł": "L", "ł": "L", "Đ": "D", "đ": "D", "Æ": "AE",
        "æ": "AE", "Œ": "OE", "œ": "OE", "Þ": "TH", "þ": "TH", "ı": "I"}


def latin(name):
    s = "".join(FOLD.get(ch, ch) for ch in name)
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).upper()
    s = "".join(ch if "A" <= ch <= "Z" else " " for ch in s)
    return " ".join(s.split())


def pool(lang):
    given, sur = [], []
    with open(os.path.join(NAMES, lang + ".tsv"), encoding="utf-8") as f:
        for line in f:
            kind, _, name = line.rstrip("\n").partition("\t")
            n = latin(name)
            if not n:
                continue
            (given if kind == "given" else sur if kind == "surname" else []).append(n)
    return given, sur


def esc(v):
    """Release the separators in a value (UNA :+.? ')."""
    return "".join("?" + ch if ch in ":+?'" else ch for ch in v)


def traveller(rnd, pools, role, day):
    lang = rnd.choice(list(pools))
    given, sur = pools[lang]
    nat = POOLS[lang]
    sex = rnd.choice("MF")
    born = day - datetime.timedelta(days=rnd.randint(2 * 365, 85 * 365))
    expiry = day + datetime.timedelta(days=rnd.randint(30, 10 * 365))
    number = "".join(rnd.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2)) + \
        "".join(rnd.choice("0123456789") for _ in range(7))
    return role, rnd.choice(sur), " ".join(rnd.sample(given, rnd.choice([1, 1, 1, 2]))), \
        born, sex, nat, number, expiry


def flight(rnd, pools, n, args, day):
    carrier, origin = rnd.choice(CARRIERS)
    fno = "%s%d" % (carrier, rnd.randint(100, 9999))
    dep = datetime.datetime.combine(day, datetime.time(rnd.randint(5, 20), rnd.choice([0, 15, 30, 45])))
    arr = dep + datetime.timedelta(minutes=rnd.randint(60, 200))
    ref = "%09d" % n
    v05 = args.version == "D:05B"
    segs = ["UNH+%d+PAXLST:%s:UN:IATA+%s/%s/%s+01:F" % (n, args.version, fno,
                                                       day.strftime("%y%m%d"), arr.strftime("%H%M")),
            "BGM+745", "NAD+MS+++%s OPERATIONS" % carrier, "TDT+20+%s+++%s" % (fno, carrier),
            "LOC+125+%s" % origin,
            "DTM+189:%s:%s" % ((dep.strftime("%Y%m%d%H%M"), "203") if v05 else (dep.strftime("%y%m%d%H%M"), "201")),
            "LOC+87+TIA",
            "DTM+232:%s:%s" % ((arr.strftime("%Y%m%d%H%M"), "203") if v05 else (arr.strftime("%y%m%d%H%M"), "201"))]
    people = [traveller(rnd, pools, "FL", day) for _ in range(args.passengers)] + \
        [traveller(rnd, pools, "FM", day) for _ in range(args.crew)]
    for role, sur, giv, born, sex, nat, number, expiry in people:
        segs.append("NAD+%s+++%s:%s" % (role, esc(sur), ":".join(esc(g) for g in giv.split())))
        segs.append("ATT+2++%s" % sex)
        segs.append("DTM+329:%s" % (born.strftime("%Y%m%d") + ":102" if v05 else born.strftime("%y%m%d")))
        segs.append("LOC+178+%s" % origin)
        segs.append("LOC+179+TIA")
        segs.append("NAT+2+%s" % nat)
        segs.append("DOC+P%s+%s" % ("" if v05 else ":110:111", number))
        segs.append("DTM+36:%s" % (expiry.strftime("%Y%m%d") + ":102" if v05 else expiry.strftime("%y%m%d")))
        segs.append("LOC+91+%s" % nat)
    cnt = "CNT+42:%d" % args.passengers
    if args.crew:
        cnt += "+41:%d" % args.crew
    segs.append(cnt)
    segs.append("UNT+%d+%d" % (len(segs) + 1, n))
    body = "UNA:+.? '" + "UNB+UNOA:4+%s:ZZ+ALBAPI:ZZ+%s+%s'" % (
        carrier, dep.strftime("%y%m%d:%H%M"), ref) + "'".join(segs) + "'" + "UNZ+1+%s'" % ref
    if args.typeb:
        lines = ["QU TIAAPXH", ".%sAP%s %s" % (origin, carrier, dep.strftime("%d%H%M")), "PAXLST"]
        lines += [body[i:i + 64] for i in range(0, len(body), 64)]
        return "\r\n".join(lines) + "\r\n=\r\n"
    return body.replace("'", "'\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=22)
    ap.add_argument("--flights", type=int, default=1)
    ap.add_argument("--passengers", type=int, default=180)
    ap.add_argument("--crew", type=int, default=6)
    ap.add_argument("--version", default="D:02B", choices=["D:02B", "D:05B"])
    ap.add_argument("--typeb", action="store_true")
    ap.add_argument("--date", default="2026-12-07")
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    pools = {lang: pool(lang) for lang in POOLS}
    pools = {k: v for k, v in pools.items() if v[0] and v[1]}
    day = datetime.date.fromisoformat(args.date)
    out = []
    for n in range(1, args.flights + 1):
        out.append(flight(rnd, pools, n, args, day))
    print("".join(out), end="")


if __name__ == "__main__":
    main()
