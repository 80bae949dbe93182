#!/usr/bin/env python3
"""demo_data.py — synthetic watchlists and a day of booth traffic for `make demo`.

  demo_data.py watchlists OUTDIR [--persons N] [--documents N] [--vehicles N] [--seed S]
      persons.csv, documents.jsonl, vehicles.csv (docs/watchlists.md) made from
      the name pools in tests/data/names, names in their own scripts, and
      planted.json: the travellers of the day who are on those lists.
  demo_data.py history FILE --planted PLANTED
      JSON Lines for `tims cross import`: earlier crossings (an overstayer who
      entered 100 days ago and never left).
  demo_data.py traffic --post NAME=URL [...] --ca FILE --officers FILE
                       --planted FILE --n N [--seed S] [--tag T] [--out FILE]
      drives the booths as officers do: log in with password and TOTP, read
      each traveller's MRZ (POST /api/v1/check), decide on what the
      screening says, register the crossing (POST /api/v1/crossings). Prints
      one JSON summary: attempted, acknowledged, refused by the server, hits.

Standard library only. Travellers' MRZs are written here with our own small
transliteration tables (ICAO 9303 Part 3 for Latin, Cyrillic ICAO 2013,
Greek ELOT 743, a hand list for Arabic and Persian names), independent of
the C matcher they exercise.
"""
import argparse
import base64
import csv
import hashlib
import hmac
import http.client
import json
import os
import random
import ssl
import struct
import sys
import time
import unicodedata
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POOLS = os.path.join(ROOT, "tests", "data", "names")

# Locale -> (nationality, how its names reach an MRZ). Scripts without a
# table here (Chinese, Korean, Georgian, Armenian, Hebrew, Devanagari, Urdu)
# appear on the watchlists in their own script only.
LOCALES = {
    "de": "D", "fr": "FRA", "it": "ITA", "es": "ESP", "pl": "POL", "cs": "CZE",
    "sk": "SVK", "hu": "HUN", "ro": "ROU", "hr": "HRV", "sr-Latn": "SRB",
    "sq": "ALB", "tr": "TUR", "el": "GRC", "ru": "RUS", "uk": "UKR", "en": "GBR",
    "en-IN": "IND", "en-NG": "NGA", "nl": "NLD", "sv": "SWE", "lv": "LVA",
    "az": "AZE", "uz-Latn": "UZB", "id": "IDN", "vi": "VNM",
}
NATIVE_ONLY = {"zh": "CHN", "ko": "KOR", "ka": "GEO", "hy": "ARM", "he": "ISR",
               "ne": "NPL", "ur": "PAK", "ar": "SYR", "fa": "IRN"}
# Arabic and Persian names with the Latin spelling their passports print.
ARABIC = {
    "given": [("محمد", "MOHAMMED", "M"), ("أحمد", "AHMED", "M"), ("علي", "ALI", "M"),
              ("حسن", "HASSAN", "M"), ("خالد", "KHALED", "M"), ("عمر", "OMAR", "M"),
              ("يوسف", "YOUSSEF", "M"), ("فاطمة", "FATIMA", "F"), ("مريم", "MARIAM", "F"),
              ("ليلى", "LAILA", "F"), ("سارة", "SARA", "F"), ("نور", "NOUR", "F")],
    "surname": [("الخطيب", "ALKHATIB"), ("حداد", "HADDAD"), ("الشامي", "ALSHAMI"),
                ("النجار", "ALNAJJAR"), ("المصري", "ALMASRI"), ("خليل", "KHALIL")],
}
PERSIAN = {
    "given": [("رضا", "REZA", "M"), ("مهدی", "MAHDI", "M"), ("حسین", "HOSSEIN", "M"),
              ("زهرا", "ZAHRA", "F"), ("مریم", "MARYAM", "F")],
    "surname": [("محمدی", "MOHAMMADI"), ("حسینی", "HOSSEINI"), ("رضایی", "REZAEI"),
                ("احمدی", "AHMADI")],
}

LATIN_SPECIAL = {"Ä": "AE", "Ö": "OE", "Ü": "UE", "ß": "SS", "Å": "AA", "Æ": "AE",
                 "Ø": "OE", "Þ": "TH", "Ð": "D", "Đ": "D", "Œ": "OE", "Ł": "L",
                 "Ħ": "H", "Ŧ": "T", "Ŀ": "L", "İ": "I", "I": "I", "Ə": "A"}
CYRILLIC = {"А": "A", "Б": "B", "В": "V", "Г": "G", "Д": "D", "Е": "E", "Ё": "E",
            "Ж": "ZH", "З": "Z", "И": "I", "Й": "I", "К": "K", "Л": "L", "М": "M",
            "Н": "N", "О": "O", "П": "P", "Р": "R", "С": "S", "Т": "T", "У": "U",
            "Ф": "F", "Х": "KH", "Ц": "TS", "Ч": "CH", "Ш": "SH", "Щ": "SHCH",
            "Ъ": "IE", "Ы": "Y", "Ь": "", "Э": "E", "Ю": "IU", "Я": "IA",
            "Є": "IE", "І": "I", "Ї": "I", "Ґ": "G"}
GREEK = {"Α": "A", "Β": "V", "Γ": "G", "Δ": "D", "Ε": "E", "Ζ": "Z", "Η": "I",
         "Θ": "TH", "Ι": "I", "Κ": "K", "Λ": "L", "Μ": "M", "Ν": "N", "Ξ": "X",
         "Ο": "O", "Π": "P", "Ρ": "R", "Σ": "S", "Τ": "T", "Υ": "Y", "Φ": "F",
         "Χ": "CH", "Ψ": "PS", "Ω": "O"}
GREEK_PAIRS = {"ΟΥ": "OU", "ΑΥ": "AV", "ΕΥ": "EV", "ΜΠ": "MP", "ΝΤ": "NT"}


def load_pool(locale):
    given, surname = [], []
    with open(os.path.join(POOLS, locale + ".tsv"), encoding="utf-8") as f:
        for line in f:
            kind, _, name = line.rstrip("\n").partition("\t")
            # The pools are upstream data: a few names carry control
            # characters, which a watchlist import rightly refuses.
            if not name or len(name) > 40 or any(
                    unicodedata.category(c) in ("Cc", "Cf") for c in name):
                continue
            (given if kind == "given" else surname).append(name)
    return given, surname


def mrz_name(s):
    """A name in any of our tables' scripts as MRZ letters (A-Z and <)."""
    up = s.upper()
    out = []
    i = 0
    while i < len(up):
        pair = up[i:i + 2]
        c = up[i]
        if pair in GREEK_PAIRS:
            out.append(GREEK_PAIRS[pair])
            i += 2
            continue
        base = unicodedata.normalize("NFD", c)[0]
        if c in LATIN_SPECIAL:
            out.append(LATIN_SPECIAL[c])
        elif c in CYRILLIC:
            out.append(CYRILLIC[c])
        elif base in GREEK or c == "Σ" or c == "ς":
            out.append(GREEK.get(base, "S"))
        elif "A" <= base <= "Z":
            out.append(base)
        elif c in " -":
            out.append("<")
        i += 1
    return "".join(out).strip("<")


def check_digit(s):
    w = (7, 3, 1)
    total = 0
    for i, c in enumerate(s):
        if c.isdigit():
            v = int(c)
        elif "A" <= c <= "Z":
            v = ord(c) - 55
        else:
            v = 0
        total += v * w[i % 3]
    return str(total % 10)


def td3(issuer, surname, given, number, nationality, birth, sex, expiry):
    """Two 44-character lines of a passport MRZ (ICAO 9303 Part 4)."""
    names = (mrz_name(surname) + "<<" + mrz_name(given).replace(" ", "<"))[:39]
    l1 = ("P<" + issuer.ljust(3, "<") + names).ljust(44, "<")
    num = number.ljust(9, "<")[:9]
    b = birth[2:4] + birth[5:7] + birth[8:10]
    e = expiry[2:4] + expiry[5:7] + expiry[8:10]
    opt = "<" * 14
    part = num + check_digit(num) + nationality.ljust(3, "<") + b + check_digit(b) + sex + \
        e + check_digit(e) + opt + "<"
    comp = num + check_digit(num) + b + check_digit(b) + e + check_digit(e) + opt + "<"
    return l1 + "\n" + part + check_digit(comp)


def rand_date(rng, y0, y1):
    return "%04d-%02d-%02d" % (rng.randint(y0, y1), rng.randint(1, 12), rng.randint(1, 28))


def doc_number(rng, prefix=""):
    return (prefix + "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789")
                             for _ in range(9 - len(prefix))))


class People:
    """Travellers and listed persons drawn from the pools."""

    def __init__(self, rng):
        self.rng = rng
        self.pools = {loc: load_pool(loc) for loc in list(LOCALES) + list(NATIVE_ONLY)
                      if os.path.exists(os.path.join(POOLS, loc + ".tsv"))}

    def person(self, locale=None, native_only=False):
        """(native "Surname, Given", mrz surname, mrz given, nationality, sex)."""
        rng = self.rng
        if locale is None:
            pool = list(NATIVE_ONLY) if native_only else list(LOCALES) + ["ar", "fa"]
            locale = rng.choice([p for p in pool if p in self.pools or p in ("ar", "fa")])
        if native_only and locale in self.pools:
            # listed in their own script only: the whole pool, no Latin form
            given, surname = self.pools[locale]
            return (rng.choice(surname) + ", " + rng.choice(given), "", "",
                    NATIVE_ONLY.get(locale) or LOCALES[locale], rng.choice("MF"))
        if locale in ("ar", "fa") and not native_only:
            t = ARABIC if locale == "ar" else PERSIAN
            g = rng.choice(t["given"])
            s = rng.choice(t["surname"])
            return (s[0] + ", " + g[0], s[1], g[1], NATIVE_ONLY[locale], g[2])
        given, surname = self.pools[locale]
        g = rng.choice(given)
        s = rng.choice(surname)
        nat = LOCALES.get(locale) or NATIVE_ONLY[locale]
        return (s + ", " + g, mrz_name(s), mrz_name(g), nat, rng.choice("MF"))


def cmd_watchlists(a):
    rng = random.Random(a.seed)
    ppl = People(rng)
    os.makedirs(a.outdir, exist_ok=True)
    alerts = ["wanted"] * 3 + ["entry-ban"] * 5 + ["discreet-check"] + ["missing"]
    instr = {"wanted": "Detain; call the duty officer", "entry-ban": "Refuse entry (code E)",
             "discreet-check": "Admit; report the crossing to the duty office",
             "missing": "Second line; contact the requesting authority"}
    planted = {"persons": [], "documents": [], "vehicles": [], "negatives": []}
    rows = []
    for i in range(a.persons):
        native, sur, giv, nat, sex = ppl.person(native_only=(i % 5 == 0))
        alert = rng.choice(alerts)
        aliases = ""
        if i % 3 == 0 and sur and giv:
            aliases = sur + "<<" + giv.replace(" ", "<")  # as an MRZ wrote it
        rows.append({"ref": "WL-%06d" % i, "name": native, "aliases": aliases,
                     "dob": rand_date(rng, 1950, 2006), "nationality": nat, "sex": sex,
                     "alert": alert, "authority": rng.choice(["INTERPOL", "SIS", "NATIONAL"]),
                     "instruction": instr[alert]})
    # The travellers of the day who are on the lists: one per alert kind,
    # listed in their own script, travelling on a passport in MRZ letters.
    for alert, loc in (("wanted", "ru"), ("entry-ban", "tr"), ("discreet-check", "el"),
                       ("missing", "de"), ("wanted", "ar")):
        native, sur, giv, nat, sex = ppl.person(loc)
        dob = rand_date(rng, 1960, 2000)
        ref = "WL-P%d" % len(planted["persons"])
        rows.append({"ref": ref, "name": native, "aliases": "", "dob": dob,
                     "nationality": nat, "sex": sex, "alert": alert,
                     "authority": "INTERPOL", "instruction": instr[alert]})
        planted["persons"].append({"ref": ref, "alert": alert, "surname": sur, "given": giv,
                                   "nationality": nat, "sex": sex, "birth": dob,
                                   "native": native})
    # A common name on the list, and a traveller with the same name and
    # another date of birth: must not stop the queue.
    native, sur, giv, nat, sex = ppl.person("en")
    rows.append({"ref": "WL-N0", "name": native, "aliases": "", "dob": "1961-03-04",
                 "nationality": nat, "sex": sex, "alert": "wanted", "authority": "SIS",
                 "instruction": instr["wanted"]})
    planted["negatives"].append({"surname": sur, "given": giv, "nationality": nat, "sex": sex,
                                 "birth": "1994-11-23", "listed_birth": "1961-03-04"})
    with open(os.path.join(a.outdir, "persons.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["ref", "name", "aliases", "dob", "nationality",
                                          "sex", "alert", "authority", "instruction"])
        w.writeheader()
        w.writerows(rows)
    with open(os.path.join(a.outdir, "documents.jsonl"), "w", encoding="utf-8") as f:
        for i in range(a.documents):
            f.write(json.dumps({"ref": "DOC-%06d" % i, "number": doc_number(rng),
                                "type": "P", "issuing_state": rng.choice(list(LOCALES.values())),
                                "status": rng.choice(["lost", "stolen", "revoked"]),
                                "authority": "SLTD"}) + "\n")
        num = doc_number(rng, "S")
        f.write(json.dumps({"ref": "DOC-P0", "number": num, "type": "P",
                            "issuing_state": "ROU", "status": "stolen",
                            "authority": "SLTD"}) + "\n")
        planted["documents"].append({"ref": "DOC-P0", "number": num, "issuer": "ROU"})
    with open(os.path.join(a.outdir, "vehicles.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["ref", "plate", "country", "vin", "status", "authority"])
        for i in range(a.vehicles):
            w.writerow(["VEH-%06d" % i, "%s %04d %s" % (rng.choice(["CA", "B", "PB", "TX"]),
                        rng.randint(1000, 9999), rng.choice(["AB", "KX", "MM"])),
                        rng.choice(["BGR", "ROU", "D", "TUR"]), "", "stolen", "NATIONAL"])
        w.writerow(["VEH-P0", "CB 7777 XK", "BGR", "", "stolen", "NATIONAL"])
        planted["vehicles"].append({"ref": "VEH-P0", "plate": "CB 7777 XK", "country": "BGR"})
    with open(os.path.join(a.outdir, "planted.json"), "w", encoding="utf-8") as f:
        json.dump(planted, f, ensure_ascii=False, indent=1)
    print("watchlists: %d persons (%d planted), %d documents, %d vehicles in %s" %
          (len(rows), len(planted["persons"]), a.documents + 1, a.vehicles + 1, a.outdir))


def cmd_history(a):
    """Earlier crossings, entered as if re-typed from last season's register."""
    planted = json.load(open(a.planted, encoding="utf-8"))
    t = time.time()
    day = 86400
    iso = lambda s: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(s))
    lines = [
        # The overstayer: a Utopian-style visitor who came in 100 days ago.
        {"id": "hist-overstay-in", "direction": "entry", "officer": "archive",
         "booth": "B1", "crossed_at": iso(t - 100 * day), "decision": "admit",
         "person": {"doc_code": "P", "issuer": "UZB", "number": "UZ7741209",
                    "surname": "KARIMOV", "given_names": "DILSHOD", "nationality": "UZB",
                    "birth_date": "1988-05-14", "sex": "M", "expiry": "2031-02-02"},
         "remarks": "re-entered from the paper register"},
        # A frequent traveller: in and out last month.
        {"id": "hist-freq-in", "direction": "entry", "officer": "archive", "booth": "B2",
         "crossed_at": iso(t - 40 * day), "decision": "admit",
         "person": {"doc_code": "P", "issuer": "SRB", "number": "SR1200457",
                    "surname": "JOVANOVIC", "given_names": "MILAN", "nationality": "SRB",
                    "birth_date": "1979-09-30", "sex": "M", "expiry": "2030-01-01"}},
        {"id": "hist-freq-out", "direction": "exit", "officer": "archive", "booth": "B2",
         "crossed_at": iso(t - 30 * day), "decision": "admit",
         "person": {"doc_code": "P", "issuer": "SRB", "number": "SR1200457",
                    "surname": "JOVANOVIC", "given_names": "MILAN", "nationality": "SRB",
                    "birth_date": "1979-09-30", "sex": "M", "expiry": "2030-01-01"}},
    ]
    with open(a.file, "w", encoding="utf-8") as f:
        for line in lines:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")


def totp(secret_b32, t=None):
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if t is None else t) // 30)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    o = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


class Booth:
    def __init__(self, url, ca):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port
        self.ctx = ssl.create_default_context(cafile=ca)
        self.ctx.check_hostname = False  # the demo's certificates name localhost
        self.conn = None
        self.token = None

    def call(self, method, path, body=None):
        for attempt in range(3):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPSConnection(self.host, self.port,
                                                            context=self.ctx, timeout=30)
                h = {"Content-Type": "application/json"}
                if self.token:
                    h["Authorization"] = "Bearer " + self.token
                self.conn.request(method, path, json.dumps(body) if body is not None else None, h)
                r = self.conn.getresponse()
                data = r.read()
                return r.status, (json.loads(data) if data else {})
            except (OSError, http.client.HTTPException):
                self.conn = None
                if attempt == 2:
                    raise
                time.sleep(0.2)

    def login(self, officer, password, secret, booth):
        # A code is good for one login per post: wait for a fresh one if needed.
        for _ in range(3):
            st, r = self.call("POST", "/api/v1/session", {"officer": officer, "password": password,
                                                          "code": totp(secret), "booth": booth})
            if st == 200:
                self.token = r["token"]
                return
            time.sleep(31 - time.time() % 30)
        raise SystemExit("demo: %s cannot log in at %s:%s: %s" % (officer, self.host, self.port, r))


def traveller(ppl, rng, n_mrz_ok=True):
    native, sur, giv, nat, sex = ppl.person()
    return {"surname": sur, "given": giv, "nationality": nat, "sex": sex,
            "birth": rand_date(rng, 1950, 2006), "number": doc_number(rng), "native": native}


def mrz_of(t):
    return td3(t.get("issuer", t["nationality"]), t["surname"], t["given"], t["number"],
               t["nationality"], t["birth"], t["sex"], t.get("expiry", "2032-06-30"))


def decide(check):
    """What an officer does with what the screening shows (a discreet-check
    hit is never shown: the post reports it to the centre)."""
    s = check.get("screening") or {}
    alerts = []
    for h in s.get("hits") or []:
        alerts.append((h.get("part", "person"), h.get("alert") or h.get("status") or
                       h.get("list") or "hit", h))
    if any(p == "document" for p, _, _ in alerts):
        return "refuse", "B", alerts
    kinds = {k for _, k, _ in alerts}
    if "entry-ban" in kinds:
        return "refuse", "E", alerts
    if kinds & {"wanted", "missing"} or any(p == "vehicle" for p, _, _ in alerts):
        return "second-line", None, alerts
    return "admit", None, alerts


def cmd_traffic(a):
    rng = random.Random(a.seed)
    ppl = People(rng)
    planted = json.load(open(a.planted, encoding="utf-8"))
    officers = json.load(open(a.officers, encoding="utf-8"))
    posts = []
    for i, spec in enumerate(a.post):
        name, _, url = spec.partition("=")
        b = Booth(url, a.ca)
        o = officers[i % len(officers)]
        b.login(o["id"], o["password"], o["secret"], "B%d" % (1 + i))
        posts.append((name, b))
    out = {"attempted": 0, "acknowledged": 0, "refused_by_server": 0, "duplicates": 0,
           "decisions": {"admit": 0, "refuse": 0, "second-line": 0},
           "hits": {"person": 0, "document": 0, "vehicle": 0, "discreet": 0},
           "planted_hit": 0, "planted": 0, "false_hits": 0, "vehicles": 0, "families": 0,
           "per_post": {}, "errors": []}
    # The day's special travellers, spread over the posts.
    special = []
    for p in planted["persons"]:
        special.append(dict(p, number=doc_number(rng), planted="person:" + p["alert"]))
    for d in planted["documents"]:
        t = traveller(ppl, rng)
        t.update(number=d["number"], issuer=d["issuer"], nationality=d["issuer"],
                 planted="document")
        special.append(t)
    for v in planted["vehicles"]:
        t = traveller(ppl, rng)
        t.update(vehicle={"plate": v["plate"], "country": v["country"]}, planted="vehicle")
        special.append(t)
    for neg in planted["negatives"]:
        special.append(dict(neg, number=doc_number(rng), planted="negative"))
    if not a.specials:
        special = []
    seq = 0

    def cross(post, booth, t, direction, vehicle=None, role=None, accompanies=None):
        """A booth's two steps: the check (the server screens), then the
        crossing bound to it (the server takes the person and the hits from
        the check). Returns (decision, alerts, index) or None."""
        nonlocal seq
        seq += 1
        out["attempted"] += 1
        body = {"mrz": mrz_of(t)}
        if vehicle:
            body["vehicle"] = vehicle
        st, check = booth.call("POST", "/api/v1/check", body)
        if st != 200:
            out["errors"].append("check %s: %d %s" % (post, st, check))
            return None
        decision, code, alerts = decide(check)
        for part, _, _ in alerts:
            out["hits"][part] += 1
        if t.get("alert") == "discreet-check":
            out["hits"]["discreet"] += 1  # planted: the booth is not told
        rec = {"id": "%s-%s-%05d" % (a.tag, post, seq), "check_id": check["check_id"],
               "direction": direction, "decision": decision}
        if code:
            rec["refusal_codes"] = [code]
        if vehicle:
            rec["vehicle"] = vehicle
            rec["role"] = role or "driver"
        if accompanies is not None:
            rec["accompanies"] = accompanies
        st, r = booth.call("POST", "/api/v1/crossings", rec)
        if st == 201:
            out["acknowledged"] += 1
        elif st == 200 and r.get("duplicate"):
            out["duplicates"] += 1
        else:
            out["refused_by_server"] += 1
            out["errors"].append("crossing %s: %d %s" % (post, st, r))
            return None
        out["decisions"][decision] += 1
        pp = out["per_post"].setdefault(post, {"crossings": 0, "hits": 0})
        pp["crossings"] += 1
        pp["hits"] += len(alerts) + (1 if t.get("alert") == "discreet-check" else 0)
        return decision, alerts, r.get("index")

    k = 0
    while out["attempted"] < a.n:
        post, booth = posts[k % len(posts)]
        kind = a.kinds.get(post, "land") if a.kinds else "land"
        k += 1
        if special:
            t = special.pop(0)
            res = cross(post, booth, t, "entry", vehicle=t.get("vehicle"))
            if res:
                _, alerts, _ = res
                if t.get("alert") == "discreet-check":
                    out["discreet_planted"] = out.get("discreet_planted", 0) + 1
                elif t["planted"] != "negative":
                    out["planted"] += 1
                    if alerts:
                        out["planted_hit"] += 1
                elif alerts:
                    out["false_hits"] += 1
            continue
        r = rng.random()
        if kind != "airport" and r < 0.25:
            # A car: the driver, passengers, sometimes a family with minors.
            plate = "%s %04d %s" % (rng.choice(["CA", "PB", "B", "TX", "CT"]),
                                    rng.randint(1000, 9999), rng.choice(["AH", "BK", "XX"]))
            veh = {"plate": plate, "country": rng.choice(["BGR", "ROU", "TUR", "D", "GRC"])}
            driver = traveller(ppl, rng)
            out["vehicles"] += 1
            family = rng.random() < 0.4
            kids = []
            if family:
                out["families"] += 1
                for _ in range(rng.randint(1, 2)):
                    kid = dict(driver, given=traveller(ppl, rng)["given"],
                               birth=rand_date(rng, 2012, 2020), number=doc_number(rng))
                    kids.append(kid)
            direction = rng.choice(["entry", "exit"])
            res = cross(post, booth, driver, direction, veh, "driver")
            # each child: a check and a crossing of their own, linked to the driver's
            for kid in kids:
                cross(post, booth, kid, direction, veh, "passenger",
                      res[2] if res and res[2] is not None else None)
        else:
            cross(post, booth, traveller(ppl, rng), rng.choice(["entry", "entry", "exit"]))
    for _, b in posts:
        b.call("DELETE", "/api/v1/session")
    json.dump(out, sys.stdout if not a.out else open(a.out, "w"), indent=1)
    if not a.out:
        print()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("watchlists")
    w.add_argument("outdir")
    w.add_argument("--persons", type=int, default=20000)
    w.add_argument("--documents", type=int, default=20000)
    w.add_argument("--vehicles", type=int, default=2000)
    w.add_argument("--seed", type=int, default=2022)
    h = sub.add_parser("history")
    h.add_argument("file")
    h.add_argument("--planted", required=True)
    t = sub.add_parser("traffic")
    t.add_argument("--post", action="append", required=True, help="NAME=URL")
    t.add_argument("--kind", action="append", default=[], help="NAME=land|port|airport")
    t.add_argument("--ca", required=True)
    t.add_argument("--officers", required=True)
    t.add_argument("--planted", required=True)
    t.add_argument("--n", type=int, default=300)
    t.add_argument("--seed", type=int, default=7)
    t.add_argument("--tag", default="day")
    t.add_argument("--out")
    t.add_argument("--specials", action="store_true",
                   help="send the planted travellers (the listed ones, and the negative)")
    a = ap.parse_args()
    if a.cmd == "watchlists":
        cmd_watchlists(a)
    elif a.cmd == "history":
        cmd_history(a)
    else:
        a.kinds = dict(k.partition("=")[::2] for k in a.kind)
        cmd_traffic(a)


if __name__ == "__main__":
    main()
