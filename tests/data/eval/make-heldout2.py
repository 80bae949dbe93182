#!/usr/bin/env python3
"""make-heldout2.py — a second held-out set of labelled name pairs (issue 17).

  python3 tests/data/eval/make-heldout2.py > tests/data/eval/heldout2.jsonl
  build/tims screen pairs --eval tests/data/eval/heldout2.jsonl

Written and committed on branch `recall2` before any rule of that branch,
and not scored until the rules were done: its figures are reported apart,
once, at the end (README.md, "heldout2.jsonl"). Names that none of the
other sets of this directory uses (checked token by token when it was
written), every kind of issue 17:

* positives: one typing slip (a transposition, a doubled or undoubled
  letter, a letter dropped), a syllable boundary moved or written otherwise
  (Korean, Chinese, Vietnamese), OCR digits in a name, Greek ELOT 743
  against the phonetic spelling, Albanian against the registers of the
  region, Arabic names across romanisations, nicknames and initials,
  approximate dates of birth on the list side, Russian names through two
  published systems, Ukrainian names in the 2010 system against the Russian
  form (including names with no Ukrainian ending);
* hard negatives: the same spellings with another date of birth, siblings,
  twins (among them Chinese given names one syllable apart, and -N/-NG
  finals), English and German surnames one letter apart (an initial H or G
  among them), Russian surnames that differ by Х (KH, ISO 9 H) and Г (G),
  an approximate year far from the traveller's.

Each pair's "src" names its source. Python 3 standard library only; the
dates come from random.Random(2917): the same bytes every run.
"""
import json
import random

R = random.Random(2917)


def dob():
    return "%04d-%02d-%02d" % (R.randint(1948, 2003), R.randint(1, 12), R.randint(1, 28))


def shift(d, years):
    return "%04d%s" % (int(d[:4]) + years, d[4:])


OUT = []


def emit(a, b, da, db, same, kind, sex_a, src, sex_b=None):
    OUT.append({"a": a, "b": b, "dob_a": da, "dob_b": db, "same": same, "kind": kind,
                "sex_a": sex_a, "sex_b": sex_b or sex_a, "src": src})


# --- typing slips -----------------------------------------------------------
TYPO_SRC = {
    "transposition": ("Damerau, CACM 7(3) 1964: one transposition of adjacent letters; "
                      "Yannakoudakis and Fawthrop, IP&M 19(2) 1983: the first letter is "
                      "rarely wrong"),
    "doubled": ("Pollock and Zamora, JASIS 34(1) 1983: doubling is the commonest "
                "insertion; Yannakoudakis and Fawthrop 1983: doubling and singling"),
    "dropped": "Damerau 1964, Pollock and Zamora 1983: one letter omitted",
}
# (list side, document side, sex, slip)
TYPOS = [
    ("ESTEBAN ZUBIZARRETA", "ESTEBAN ZUBIZARERTA", "M", "transposition"),
    ("FIONNUALA FITZPATRICK", "FIONNUALA FITZPATRCIK", "F", "transposition"),
    ("WIESLAW WISNIEWSKI", "WIESLAW WISNIEWKSI", "M", "transposition"),
    ("TAKUMI NAKAGAWA", "TAKUMI NAKAGWAA", "M", "transposition"),
    ("OBINNA OKONJO", "OBINNA OKONOJ", "M", "transposition"),
    ("BRIGITTE LAMBRECHT", "BRIGITTE LAMBERCHT", "F", "transposition"),
    ("TORBJORN LINDGREN", "TORBJORN LINDGERN", "M", "transposition"),
    ("MAGNHILD JOHANNESSEN", "MAGNHILD JOHANESSEN", "F", "doubled"),
    ("RAFFAELE SCIACCA", "RAFAELE SCIACCA", "M", "doubled"),
    ("GWENDOLYN MACALLISTER", "GWENDOLYN MACALISTER", "F", "doubled"),
    ("OSWALDO VILLANUEVA", "OSWALDO VILLLANUEVA", "M", "doubled"),
    ("ANNELIESE SCHWARZKOPF", "ANNELIESE SCHWARZKOPPF", "F", "doubled"),
    ("PERCIVAL ASHCROFT", "PERCIVAL ASHCOFT", "M", "dropped"),
    ("EVANGELINE MONTGOMERIE", "EVANGELINE MONTGOMRIE", "F", "dropped"),
]

# --- syllable boundaries ----------------------------------------------------
SYL_KO = ("Revised Romanization of Korean (2000): a hyphen between the syllables of a "
          "given name is allowed, not required; the boundary moved by a letter")
SYL_ZH = ("GB/T 28039-2011: the given name as one word, against hyphenated or spaced "
          "forms of Western registers; the boundary moved by a letter")
SYL_VI = ("Vietnamese: every syllable a word (Wikipedia 'Vietnamese name'), joined in "
          "some Western registers")
SYLLABLES = [
    ("KANG<<DONG<WON", "KANG DONGWON", "M", SYL_KO),
    ("YOON HYE-JIN", "YOON HYEJ-IN", "F", SYL_KO),
    ("JEONG SEUNG-HWAN", "JEONG SEUN GHWAN", "M", SYL_KO),
    ("HWANG<<EUN<BYUL", "HWANG EUNB-YUL", "F", SYL_KO),
    ("TAN ZHENQIANG", "TAN ZHEN-QIANG", "M", SYL_ZH),
    ("FENG GUOPING", "FENG GUOP-ING", "M", SYL_ZH),
    ("DENG<<XUELIAN", "DENG XUE LIAN", "F", SYL_ZH),
    ("LUONG MINH TRIET", "LUONG MINHTRIET", "M", SYL_VI),
]

# --- OCR digits -------------------------------------------------------------
OCR_SRC = ("ICAO Doc 9303 Part 3 (OCR-B, ISO 1073-2) and Kukich, ACM Comp. Surv. 24(4) "
           "1992: characters of similar shape read as digits (0/O 1/I 5/S 8/B 2/Z 6/G)")
OCR = [
    ("ODILE<<BOISSONNEAU", "0DILE<<BOISSONNEAU", "F"),
    ("SEBASTIANO<<LORUSSO", "5EBASTIANO<<LORUSSO", "M"),
    ("BIANCAMARIA<<ORSINI", "8IANCAMARIA<<ORSINI", "F"),
    ("INGEBORG<<HALVORSEN", "1NGEBORG<<HALVORSEN", "F"),
    ("ZSOLT<<BALOGH", "2SOLT<<BALOGH", "M"),
    ("GYORGYI<<TAKACS", "6YORGYI<<TAKACS", "F"),
    ("OSVALDO<<BENITEZ", "OSVALD0<<BEN1TEZ", "M"),
    ("SOLVEIG<<BRATLIE", "SOLVEIG<<8RATLIE", "F"),
]

# --- Greek: ELOT 743 against the phonetic spelling --------------------------
GREEK_SRC = ("ELOT 743 (UNGEGN res. V/19; Greek passports: MP, NT, GK, OU, CH, GG, AI) "
             "against the phonetic spelling (B/MB, D/ND, G, U, H, NG, E) kept since the "
             "2011 Legal Council of State opinion")
GREEKS = [
    ("NTALIANIS", "DALIANIS", "SOTIRIOS", "SOTIRIOS", "M"),
    ("MPEKIARIS", "BEKIARIS", "EMMANOUIL", "EMMANUIL", "M"),
    ("GKIOKAS", "GIOKAS", "PARASKEVI", "PARASKEVI", "F"),
    ("TSIMPOUKIS", "TSIBOUKIS", "ACHILLEAS", "AHILLEAS", "M"),
    ("KONTOGIANNIS", "KONDOYANNIS", "PROKOPIOS", "PROKOPIOS", "M"),
    ("CHATZIDAKI", "HATZIDAKI", "KALLIOPI", "KALLIOPI", "F"),
    ("ANTONOPOULOU", "ANDONOPOULOU", "ZOI", "ZOI", "F"),
    ("SAMPANIS", "SABANIS", "CHRYSOSTOMOS", "HRISOSTOMOS", "M"),
    ("KAITATZIS", "KETATZIS", "STAMATIOS", "STAMATIOS", "M"),
]

# --- Albanian ----------------------------------------------------------------
ALB_SR = "Serbian Latin of an Albanian name (Ç Č, Q Ć, XH DŽ, SH Š, Ë E), diacritics stripped"
ALB_DE = "German register (Ç TSCH, XH DSCH, SH SCH)"
ALB_EN = "English register (Ç CH, XH J, Q K, Ë E or dropped)"
ALB_IT = "Italian register (XH G before E/I, SH SC before E/I)"
ALBANIANS = [
    ("XHEVAHIR MUÇAJ", "DZEVAHIR MUCAJ", "M", ALB_SR),
    ("XHEVAHIR MUÇAJ", "DSCHEVAHIR MUTSCHAJ", "M", ALB_DE),
    ("SHQIPE LLESHAJ", "SKIPE LLESHAJ", "F", ALB_EN),
    ("VALBONË ZEQIRAJ", "VALBONE ZECIRAJ", "F", ALB_SR),
    ("ARBËR SHKRELI", "ARBER SKRELI", "M", ALB_SR),
    ("LUMTURIE XHELILI", "LUMTURIE GELILI", "F", ALB_IT),
    ("BUJAR ÇEKREZI", "BUJAR CHEKREZI", "M", ALB_EN),
    ("FLUTURA QOKAJ", "FLUTURA KOKAJ", "F", ALB_EN),
]

# --- Arabic ------------------------------------------------------------------
AR_SRC = ("ALA-LC and DIN 31635 against English, Egyptian and French/Maghreb common "
          "spellings (T. T. Pedersen's comparison of DIN 31635, ISO 233, UN 1972 and "
          "ALA-LC; ayn and hamza as an apostrophe or dropped)")
ARABIC = [
    ("MUNIR AL-HASHIMI", "MOUNIR EL HACHEMI", "M"),
    ("YASIN AL-ZUBAYDI", "YASSINE ZUBEIDI", "M"),
    ("FAYSAL ABD AL-MAJID", "FAISAL ABDULMAJEED", "M"),
    ("ZAKARIYYA AL-QURASHI", "ZAKARIA EL KORACHI", "M"),
    ("SHU'AYB AL-NAJJAR", "CHOUAIB ENNAJJAR", "M"),
    ("JA'FAR AL-TAYYIB", "DJAAFAR ETTAYEB", "M"),
    ("ABD AL-QADIR BUDIYAF", "ABDELKADER BOUDIAF", "M"),
    ("RUQAYYA AL-SHAMMARI", "ROKAYA ECH-CHAMMARI", "F"),
    ("SUHAYL AL-KHAYYAT", "SOHEIL KHAYAT", "M"),
    ("NUR AL-HUDA AL-ALAWI", "NOURELHOUDA ALAOUI", "F"),
]

# --- nicknames and initials ---------------------------------------------------
NICK_EN = ("English hypocorisms (Reggie, Mal, Nell, Trish, Archie) (the nicknames lookup of Old Dominion University, "
           "github.com/carltonnorthern/nicknames)")
NICK_RU = "Russian standard short forms (Tolya, Valya, Seva)"
NICK_ES = "Spanish short forms (Lupe for Guadalupe, Charo for Rosario)"
NICKNAMES = [
    ("REGINALD PENNINGTON", "REGGIE PENNINGTON", "M", NICK_EN),
    ("MALCOLM ALDRIDGE", "MAL ALDRIDGE", "M", NICK_EN),
    ("ELEANOR WHITAKER", "NELL WHITAKER", "F", NICK_EN),
    ("PATRICIA DONNELLY", "TRISH DONNELLY", "F", NICK_EN),
    ("ARCHIBALD BLACKWOOD", "ARCHIE BLACKWOOD", "M", NICK_EN),
    ("ANATOLIY<<SOROKIN", "TOLYA<<SOROKIN", "M", NICK_RU),
    ("VSEVOLOD<<ZUBAREV", "SEVA<<ZUBAREV", "M", NICK_RU),
    ("VALENTINA<<LARIONOVA", "VALYA<<LARIONOVA", "F", NICK_RU),
    ("ROSARIO<<ARELLANO", "CHARO<<ARELLANO", "F", NICK_ES),
    ("GUADALUPE<<ZAMBRANO", "LUPE<<ZAMBRANO", "F", NICK_ES),
]
INIT_SRC = "initials kept by a list or register (J SMITH; a middle initial)"
INITIALS = [
    ("WINIFRED ROSAMUND CALLAGHAN", "W R CALLAGHAN", "F"),
    ("DESMOND PATRICK ODONOVAN", "DESMOND P ODONOVAN", "M"),
    ("AUGUSTINE MBEKI NWOSU", "A M NWOSU", "M"),
    ("CORNELIA JOHANNA VERHOEVEN", "C J VERHOEVEN", "F"),
]

# --- approximate dates of birth ----------------------------------------------
APPROX_SRC = ("UN Security Council consolidated list (TYPE_OF_DATE APPROXIMATELY, YEAR, "
              "between two years); INTERPOL notices give a year")
APPROX = [
    ("BAKARY<<SANOGO<ADAMA", "~%d", 2), ("MERCY<<ADEYEMI", "ABOUT %d", 2),
    ("ARSENIY<<GLUSHKOV", "CIRCA %d", 2), ("RASHID<<KHAMDAMOV", "%d?", 2),
    ("XIMENA<<ARGUELLO", "%d", 0), ("DRAGAN<<MILINKOVIC", "RANGE", 3),
    ("NURLAN<<BEKTURSUNOV", "ca. %d", 2), ("ESPERANZA<<QUINTERO", "RANGE", 2),
]
APPROX_SEX = ["M", "F", "M", "M", "F", "M", "M", "F"]

# --- Russian through two published systems -------------------------------------
RU_SRC = ("Russian names through two published systems: ICAO Doc 9303 Part 3 (2021), "
          "Russian passports 1997-2010, French and German (Duden) usual transcriptions, "
          "BGN/PCGN 1947")
RUSSIANS = [
    ("VORONTSOV<<YEFIM", "WORONZOW<<JEFIM", "M"),  # BGN against Duden
    ("SOLOVEVA<<NADEZHDA", "SOLOVIEVA<<NADEJDA", "F"),  # ICAO against French
    ("ZAKHAROV<<ARKADIY", "SACHAROW<<ARKADIJ", "M"),  # RU 1997 against Duden
    ("GRIGOREV<<STANISLAV", "GRIGORIEV<<STANISLAV", "M"),  # ICAO against French
    ("KOZLOVA<<YEVDOKIYA", "KOSLOWA<<JEWDOKIJA", "F"),  # BGN against Duden
    ("YAKOVLEV<<ROSTISLAV", "IAKOVLEV<<ROSTISLAV", "M"),  # RU 1997 against ICAO
]
UA_SRC = ("Ukrainian national romanisation (Resolution 55 of 2010: Г H, И Y, Х KH, "
          "-ій -II) against the Russian form of the name (Г G) as Soviet documents wrote it")
UKRAINIANS = [
    ("HORDIIENKO<<VITALII", "GORDIENKO<<VITALIY", "M"),
    ("HRYNCHUK<<YAROSLAV", "GRINCHUK<<YAROSLAV", "M"),
    ("HERASYMENKO<<LIUBOV", "GERASIMENKO<<LYUBOV", "F"),
    ("HNATIUK<<TARAS", "GNATYUK<<TARAS", "M"),
    ("HAIDAMAKA<<HLIB", "GAIDAMAKA<<GLEB", "M"),
    ("HALUSHKA<<ZORIANA", "GALUSHKA<<ZORYANA", "F"),
    ("SHEVCHUK<<IHNAT", "SHEVCHUK<<IGNAT", "M"),
    ("HUTSUL<<INNA", "GUTSUL<<INNA", "F"),
]

# --- hard negatives --------------------------------------------------------------
HG_EN_SRC = ("English surnames one letter apart, an initial H or G among them: other "
             "names, other origins (Reaney and Wilson, A Dictionary of English Surnames; "
             "Garvey and Golding from Irish and Old English, Harvey and Holding otherwise)")
HG_DE_SRC = ("German surnames that differ by an initial H or G (Gerber tanner, Geier "
             "vulture, Guth good; Herber, Heier, Huth from given names and places: "
             "Duden Familiennamen)")
ONE_LETTER = [
    ("NICHOLAS", "HARVEY", "GARVEY", "M", HG_EN_SRC),
    ("MARGARET", "HARLAND", "GARLAND", "F", HG_EN_SRC),
    ("ROGER", "HOLDING", "GOLDING", "M", HG_EN_SRC),
    ("ELIZABETH", "HASKELL", "GASKELL", "F", HG_EN_SRC),
    ("KEITH", "HILLMAN", "GILLMAN", "M", HG_EN_SRC),
    ("WOLFGANG", "HERBER", "GERBER", "M", HG_DE_SRC),
    ("URSULA", "HEIER", "GEIER", "F", HG_DE_SRC),
    ("DIETMAR", "HUTH", "GUTH", "M", HG_DE_SRC),
    ("GERHARD", "HOLZ", "GOLZ", "M", HG_DE_SRC),
    ("STEPHEN", "LAWSON", "DAWSON", "M", HG_EN_SRC),
    ("CAROLINE", "NORRIS", "MORRIS", "F", HG_EN_SRC),
    ("TREVOR", "FOWLER", "TOWLER", "M", HG_EN_SRC),
]
KH_G_SRC = ("Russian surnames that differ by Х (ICAO KH, ISO 9 H) and Г (G): other "
            "words, other names (Громов 'thunder' and Хромов 'lame', Глебов from Gleb and Хлебов 'bread'; Unbegaun, Russian "
            "Surnames, 1972)")
KH_G = [
    ("KHROMOV", "GROMOV", "PAVEL", "M"), ("KHOREV", "GOREV", "ANDREY", "M"),
    ("KHLEBOV", "GLEBOV", "ROMAN", "M"), ("KHOLODOV", "GOLODOV", "YEGOR", "M"),
]
TWIN_ZH_SRC = ("Chinese given names as one word (GB/T 28039-2011) one syllable apart, "
               "twins: one surname and date of birth (-N and -NG are other finals of "
               "the pinyin table)")
TWINS = [
    ("WU", "JUNJIE", "JUNHAO", "M", TWIN_ZH_SRC),
    ("LUO", "SIQI", "SIYU", "F", TWIN_ZH_SRC),
    ("TANG", "YIFAN", "YIRAN", "M", TWIN_ZH_SRC),
    ("GAO", "JIAYIN", "JIAYING", "F", TWIN_ZH_SRC),
    ("PAN", "JUNLIN", "JUNLING", "F", TWIN_ZH_SRC),
    ("XU", "MINGXIN", "MINGXING", "M", TWIN_ZH_SRC),
    ("SONG", "ZIHAN", "ZIHANG", "M", TWIN_ZH_SRC),
    ("IBARRA", "SANTINO", "SANTIAGO", "M", "twins given names of one root (Santino, Santiago)"),
    ("OYELARAN", "TAIWO", "KEHINDE", "F", "Yoruba names of twins (first and second born)"),
]
FAMILY_SRC = "one surname, another given name of the same sex, DOB 2-7 years apart"


def main():
    pos = []  # (a, b, dob, sex, src) of positives, for the negatives below
    for a, b, sex, slip in TYPOS:
        d = dob()
        emit(a, b, d, d, True, "h2-typo", sex, TYPO_SRC[slip])
        pos.append((a, b, d, sex))
    for a, b, sex, src in SYLLABLES:
        d = dob()
        emit(a, b, d, d, True, "h2-syllable-boundary", sex, src)
        pos.append((a, b, d, sex))
    for a, b, sex in OCR:
        d = dob()
        emit(a, b, d, d, True, "h2-ocr-digit", sex, OCR_SRC)
    for sa, sb, ga, gb, sex in GREEKS:
        d = dob()
        emit("%s %s" % (ga, sa), "%s<<%s" % (sb, gb), d, d, True, "h2-greek-phonetic",
             sex, GREEK_SRC)
        pos.append(("%s %s" % (ga, sa), "%s<<%s" % (sb, gb), d, sex))
    for a, b, sex, src in ALBANIANS:
        d = dob()
        emit(a, b, d, d, True, "h2-albanian", sex,
             "the Albanian alphabet (1908) against the " + src)
        pos.append((a, b, d, sex))
    for a, b, sex in ARABIC:
        d = dob()
        emit(a, b, d, d, True, "h2-arabic", sex, AR_SRC)
        pos.append((a, b, d, sex))
    for a, b, sex, src in NICKNAMES:
        d = dob()
        emit(a, b, d, d, True, "h2-nickname", sex, src)
    for a, b, sex in INITIALS:
        d = dob()
        emit(a, b, d, d, True, "h2-initials", sex, INIT_SRC)
    for (name, form, span), sex in zip(APPROX, APPROX_SEX):
        d = dob()
        y = int(d[:4])
        if form == "RANGE":
            lo = y - R.randint(0, span)
            listed = "%d-%d" % (lo, lo + span)
        else:
            listed = form % (y + R.choice([-1, 0, 1]))
        emit(name, name, listed, d, True, "h2-approximate-dob", sex, APPROX_SRC)
        far = y + R.choice([-1, 1]) * R.randint(8, 18)
        listed_far = ("%d-%d" % (far, far + span)) if form == "RANGE" else form % far
        emit(name, name, listed_far, d, False, "h2-same-name-other-dob", sex,
             "the same name, the list's approximate year 8-18 years away")
    for a, b, sex in RUSSIANS:
        d = dob()
        emit(a, b, d, d, True, "h2-russian", sex, RU_SRC)
        pos.append((a, b, d, sex))
    for a, b, sex in UKRAINIANS:
        d = dob()
        emit(a, b, d, d, True, "h2-ukrainian", sex, UA_SRC)
        pos.append((a, b, d, sex))
    # the same spellings, another date of birth: every other positive above
    for a, b, d, sex in pos[::2]:
        emit(a, b, d, shift(d, R.choice([-1, 1]) * R.randint(5, 20)), False,
             "h2-same-name-other-dob", sex, "the same spellings, another DOB 5-20 years away")
    # family: the surname of a Russian, Ukrainian or Albanian positive, another given name
    fam = [("VORONTSOV<<YEFIM", "WORONZOW<<STEPAN", "M"),
           ("SOLOVEVA<<NADEZHDA", "SOLOVIEVA<<KSENIA", "F"),
           ("HRYNCHUK<<YAROSLAV", "GRINCHUK<<DENIS", "M"),
           ("HUTSUL<<INNA", "GUTSUL<<ULIANA", "F"),
           ("XHEVAHIR MUÇAJ", "DZELAL MUCAJ", "M"),
           ("MUNIR AL-HASHIMI", "MAHMOUD EL HACHEMI", "M"),
           ("NTALIANIS<<SOTIRIOS", "DALIANIS<<SPYROS", "M"),
           ("KANG<<DONG<WON", "KANG DONGHYUN", "M"),
           ("REGINALD PENNINGTON", "LEONARD PENNINGTON", "M"),
           ("VALENTINA<<LARIONOVA", "TAMARA<<LARIONOVA", "F")]
    for a, b, sex in fam:
        d = dob()
        emit(a, b, d, shift(d, R.randint(2, 7)), False, "h2-family", sex, FAMILY_SRC)
    for giv, s1, s2, sex, src in ONE_LETTER:
        d = dob()
        emit("%s %s" % (giv, s1), "%s %s" % (giv, s2), d, d, False, "h2-different-name",
             sex, src)
    for s1, s2, giv, sex in KH_G:
        d = dob()
        emit("%s<<%s" % (s1, giv), "%s<<%s" % (s2, giv), d, d, False,
             "h2-different-name", sex, KH_G_SRC)
    for sur, g1, g2, sex, src in TWINS:
        d = dob()
        emit("%s %s" % (sur, g1), "%s %s" % (sur, g2), d, d, False, "h2-twins", sex, src)
    for o in OUT:
        print(json.dumps(o, ensure_ascii=False))


if __name__ == "__main__":
    main()
