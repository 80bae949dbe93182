#!/usr/bin/env python3
"""gen-pairs.py — build the labelled evaluation set of the name matcher.

    python3 tests/data/screen/gen-pairs.py [--names DIR] [--seed N] > tests/data/screen/pairs.jsonl

Each line: {"a","b","dob_a","dob_b","nationality_a","nationality_b","same","kind"}.
The native-script side comes from tests/data/names (faker locales and an
Albanian list). The other side is written by conventions that the matcher
does NOT use as keys, so that a hit has to be earned by its phonetic
skeletons, typo scoring and tables rather than by reproducing the generator:

  Cyrillic  BGN/PCGN, English popular, German (Duden: SCHTSCHERBAKOW),
            French (CHTCHERBAKOV), ISO 9 with its diacritics (ŠČERBAKOV);
            Ukrainian names read the Russian way, the German way, the French way.
            (The matcher keys on ICAO 2013, Russia 1997 and Ukraine 2010.)
  Greek     ISO 843 and popular English spellings (the matcher: ELOT 743).
  Turkish,  ASCII-stripped, German-style (OEZTUERK, TSCH), English phonetic.
  Albanian
  German    ICAO-expanded and stripped umlauts, ß as SS: a published
            standard both ways; measured, but easy by construction.
  Arabic,   hand-written common Latin spellings (below) of names drawn from the
  Persian   pools; some of them are in the matcher's equivalence table, most
            surnames are not. This is the weakest part of the set: one author
            wrote both. Reported per kind so it can be read apart.

Negatives in every kind pair a name with a *different* name of the same
culture that shares one token, so precision is measured where it is hard.
Hard negatives: the same common name, clearly different dates of birth.
Family: same surname (or its feminine form), different given name.
Hand-written pairs (nicknames, famous variants) are at the end.
Deterministic: the same seed and pools give the same file.
"""
import argparse
import json
import os
import random
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))


def load(dirname, tag):
    given, surname = [], []
    with open(os.path.join(dirname, tag + ".tsv"), encoding="utf-8") as f:
        for line in f:
            kind, _, name = line.rstrip("\n").partition("\t")
            name = name.strip().replace("\u200c", "")
            if not name:
                continue
            (given if kind == "given" else surname).append(name)
    return given, surname


VOWELS_CYR = set("АЕЁИОУЫЭЮЯІЇЄ")


def cyr(name, table, e_initial=None, ij_end=None, ss_between=False):
    """Romanise one Cyrillic word with a letter table and a few context rules."""
    w = name.upper()
    out = []
    for i, ch in enumerate(w):
        prev = w[i - 1] if i else ""
        nxt = w[i + 1] if i + 1 < len(w) else ""
        if ij_end and ch in "ИЫ" and nxt == "Й" and i + 2 == len(w):
            out.append(ij_end[ch])
            continue
        if ij_end and ch == "Й" and prev in "ИЫ" and i + 1 == len(w):
            continue
        if e_initial and ch in e_initial and (i == 0 or prev in VOWELS_CYR or prev in "ЪЬ"):
            out.append(e_initial[ch])
            continue
        if ss_between and ch == "С" and prev in VOWELS_CYR and nxt in VOWELS_CYR:
            out.append("SS")
            continue
        out.append(table.get(ch, ch))
    return "".join(out)


def mk(s):
    return dict(zip(s.split()[0::2], s.split()[1::2]))


BGN = mk("А A Б B В V Г G Д D Е E Ё E Ж ZH З Z И I Й Y К K Л L М M Н N О O П P Р R "
         "С S Т T У U Ф F Х KH Ц TS Ч CH Ш SH Щ SHCH Ъ _ Ы Y Ь _ Э E Ю YU Я YA")
POPULAR = dict(BGN, **mk("Ё YO"))
GERMAN = mk("А A Б B В W Г G Д D Е E Ё JO Ж SCH З S И I Й J К K Л L М M Н N О O П P "
            "Р R С S Т T У U Ф F Х CH Ц Z Ч TSCH Ш SCH Щ SCHTSCH Ъ _ Ы Y Ь _ Э E Ю JU Я JA")
FRENCH = mk("А A Б B В V Г G Д D Е E Ё IO Ж J З Z И I Й I К K Л L М M Н N О O П P Р R "
            "С S Т T У OU Ф F Х KH Ц TS Ч TCH Ш CH Щ CHTCH Ъ _ Ы Y Ь _ Э E Ю IOU Я IA")
ISO9 = mk("А A Б B В V Г G Д D Е E Ё Ë Ж Ž З Z И I Й J К K Л L М M Н N О O П P Р R "
          "С S Т T У U Ф F Х H Ц C Ч Č Ш Š Щ Ŝ Ъ _ Ы Y Ь _ Э È Ю Û Я Â")
# Ukrainian letters under each convention
UA_RUSSIAN = dict(BGN, **mk("Г G И I І I Ї I Є E Ґ G"))
UA_GERMAN = dict(GERMAN, **mk("Г H И Y І I Ї JI Є JE Ґ G"))
UA_FRENCH = dict(FRENCH, **mk("Г H И Y І I Ї I Є IE Ґ G"))
for t in (BGN, POPULAR, GERMAN, FRENCH, ISO9, UA_RUSSIAN, UA_GERMAN, UA_FRENCH):
    for k, v in list(t.items()):
        if v == "_":
            t[k] = ""

RU_SCHEMES = [
    ("BGN/PCGN", lambda w: cyr(w, BGN, e_initial={"Е": "YE", "Ё": "YE"}, ij_end={"И": "IY", "Ы": "YY"})),
    ("popular", lambda w: cyr(w, POPULAR, e_initial={"Е": "YE"}, ij_end={"И": "Y", "Ы": "Y"})),
    ("German", lambda w: cyr(w, GERMAN, e_initial={"Е": "JE"}, ij_end={"И": "I", "Ы": "Y"}, ss_between=True)),
    ("French", lambda w: cyr(w, FRENCH, ij_end={"И": "I", "Ы": "Y"}, ss_between=True)),
    ("ISO 9", lambda w: cyr(w, ISO9).capitalize()),
]
UA_SCHEMES = [
    ("Russian reading", lambda w: cyr(w, UA_RUSSIAN, ij_end={"И": "IY", "І": "IY"})),
    ("German", lambda w: cyr(w, UA_GERMAN, ss_between=True)),
    ("French", lambda w: cyr(w, UA_FRENCH, ss_between=True)),
]

GREEK_BASE = {"Ά": "Α", "Έ": "Ε", "Ή": "Η", "Ί": "Ι", "Ό": "Ο", "Ύ": "Υ", "Ώ": "Ω", "Ϊ": "Ι", "Ϋ": "Υ", "ΐ": "Ι", "ΰ": "Υ"}
ISO843 = mk("Α A Β V Γ G Δ D Ε E Ζ Z Η I Θ TH Ι I Κ K Λ L Μ M Ν N Ξ X Ο O Π P Ρ R Σ S "
            "Τ T Υ Y Φ F Χ CH Ψ PS Ω O")
POP_GREEK = dict(ISO843, **mk("Υ I Χ H Ξ KS Δ D"))


def greek(name, popular):
    w = "".join(GREEK_BASE.get(c, c) for c in name.upper().replace("ς", "Σ"))
    out, i = [], 0
    while i < len(w):
        two = w[i:i + 2]
        if two in ("ΑΥ", "ΕΥ"):
            if popular:
                nxt = w[i + 2:i + 3]
                out.append(("A" if two[0] == "Α" else "E") + ("V" if nxt and nxt in "ΑΕΗΙΟΥΩΒΓΔΖΛΜΝΡ" else "F"))
            else:
                out.append(("A" if two[0] == "Α" else "E") + "U")
            i += 2
            continue
        if two == "ΟΥ":
            out.append("OU")
            i += 2
            continue
        if popular and two in ("ΑΙ",):
            out.append("E")
            i += 2
            continue
        if popular and two in ("ΕΙ", "ΟΙ"):
            out.append("I")
            i += 2
            continue
        if two in ("ΓΓ", "ΓΚ", "ΓΞ", "ΓΧ"):
            out.append("N" if (i > 0 or not popular) else "")
            i += 1
            continue
        if popular and i == 0 and two == "ΜΠ":
            out.append("B")
            i += 2
            continue
        if popular and i == 0 and two == "ΝΤ":
            out.append("D")
            i += 2
            continue
        if popular and i == 0 and two in ("ΓΙ", "ΓΕ"):
            out.append("Y")
            i += 1
            continue
        out.append((POP_GREEK if popular else ISO843).get(w[i], w[i]))
        i += 1
    return "".join(out)


TR_STRIP = mk("ç c ğ g ı i İ I ö o ş s ü u Ç C Ğ G Ö O Ş S Ü U")
TR_GERMAN = mk("ç tsch ğ _ ı i İ I ö oe ş sch ü ue Ç Tsch Ğ _ Ö Oe Ş Sch Ü Ue")
TR_ENGLISH = mk("ç ch ğ _ ı i İ I ö o ş sh ü u Ç Ch Ğ _ Ö O Ş Sh Ü U")
SQ_STRIP = mk("ç c ë e Ç C Ë E")
SQ_ENGLISH = mk("ç ch ë e Ç Ch Ë E")


def letters(name, table):
    s = "".join(table.get(c, c) for c in name)
    return s.replace("_", "")


def sq_english(name):
    s = letters(name, SQ_ENGLISH)
    if name.lower().endswith("ë"):
        s = s[:-1]  # a final ë is silent and usually dropped
    return s.replace("xh", "j").replace("Xh", "J")


DE_ICAO = mk("ä ae ö oe ü ue ß ss Ä Ae Ö Oe Ü Ue")
DE_STRIP = mk("ä a ö o ü u ß ss Ä A Ö O Ü U")

# Arabic and Persian: common Latin spellings, written by hand.
AR_GIVEN = {
    "أحمد": ["AHMAD", "AHMED"], "أسامة": ["OSAMA", "USAMA"], "أسعد": ["ASAAD", "ASSAD"],
    "أشرف": ["ASHRAF", "ACHRAF"], "أكرم": ["AKRAM"], "أمجد": ["AMJAD"], "أمير": ["AMIR", "AMEER"],
    "أمين": ["AMEEN", "AMINE"], "أنس": ["ANAS"], "أنيس": ["ANIS", "ANEES"], "أيمن": ["AYMAN", "AIMAN"],
    "إسلام": ["ISLAM"], "إياد": ["IYAD", "EYAD"], "إيهاب": ["EHAB", "IHAB"], "ابراهيم": ["IBRAHIM", "EBRAHIM"],
    "باسل": ["BASSEL", "BASIL"], "باسم": ["BASSEM", "BASIM"], "بدر": ["BADR", "BADER"],
    "بركات": ["BARAKAT"], "برهان": ["BURHAN", "BORHANE"], "بسام": ["BASSAM"], "بشار": ["BASHAR", "BACHAR"],
    "بلال": ["BILAL", "BELAL"], "بندر": ["BANDAR"], "توفيق": ["TAWFIQ", "TOUFIK", "TAUFIQ"],
    "تيسير": ["TAYSEER", "TAYSIR"], "جابر": ["JABER", "JABIR"], "جاسم": ["JASSIM", "JASEM"],
    "جبريل": ["JIBRIL", "JIBREEL"], "جعفر": ["JAAFAR", "JAFAR"], "جلال": ["JALAL", "DJALAL"],
    "جليل": ["JALIL"], "جمال": ["JAMAL", "GAMAL"], "جمعة": ["JUMA", "JOUMAA"], "جميل": ["JAMIL", "JAMEEL"],
    "جهاد": ["JIHAD"], "حاتم": ["HATEM", "HATIM"], "حازم": ["HAZEM", "HAZIM"], "حافظ": ["HAFEZ", "HAFIZ"],
    "حامد": ["HAMED", "HAMID"], "حبيب": ["HABIB"], "حسام": ["HOSSAM", "HUSAM"], "حسن": ["HASSAN", "HASAN"],
    "حسني": ["HOSNI", "HUSNI"], "حكيم": ["HAKIM", "HAKEEM"], "حلمي": ["HELMY", "HILMI"],
    "حمدان": ["HAMDAN"], "حمدي": ["HAMDI", "HAMDY"], "حمزة": ["HAMZA", "HAMZAH"], "خالد": ["KHALED", "KHALID"],
    "خليل": ["KHALIL"], "خيري": ["KHAIRI", "KHEIRY"], "داوود": ["DAWOOD", "DAOUD"], "رائد": ["RAED", "RAID"],
    "راشد": ["RASHED", "RACHED"], "رامز": ["RAMEZ", "RAMIZ"], "رامي": ["RAMI", "RAMY"], "ربيع": ["RABIE", "RABIH"],
    "رجب": ["RAJAB", "RAGAB"], "رشاد": ["RASHAD", "RACHAD"], "رشيد": ["RASHID", "RACHID"],
    "رضوان": ["RIDWAN", "REDOUANE"], "بتول": ["BATOUL", "BATUL"], "ريم": ["RIM", "REEM"],
    "فاطمه": ["FATIMA", "FATMA"], "نوف": ["NOUF"], "خلود": ["KHOLOUD", "KHULUD"],
}
AR_SURNAME = {
    "ادريس": ["IDRISS", "IDRIS"], "الخليفي": ["AL-KHALIFI", "KHLIFI"], "الشريف": ["EL CHERIF", "AL-SHARIF"],
    "الطويل": ["AL TAWIL", "ETTAOUIL"], "العطار": ["EL ATTAR", "AL-ATTAR"], "الغربي": ["EL GHARBI", "GHARBI"],
    "الكافي": ["EL KAFI", "KAFI"], "المحجوب": ["EL MAHJOUB", "MAHJOUB"], "النجار": ["EL NAJJAR", "AL-NAJJAR"],
    "سعيد": ["SAID", "SAEED"], "عاشور": ["ACHOUR", "ASHOUR"], "زروق": ["ZARROUK", "ZERROUK"],
    "بن عمر": ["BEN OMAR", "BENOMAR"], "بن عثمان": ["BEN OTHMAN", "BENOTHMANE"], "بن عاشور": ["BEN ACHOUR"],
    "جراد": ["JERAD", "JARAD"], "همدان": ["HAMDAN"], "شقرون": ["CHAKROUN", "SHAKROUN"],
    "عطالله": ["ATALLAH", "ATTALAH"], "الصغير": ["EL SAGHIR", "ESSGHAIER"], "الشيباني": ["AL-SHAIBANI", "CHAIBANI"],
    "الحمامي": ["HAMMAMI", "EL HAMMAMI"], "الصفار": ["AL SAFFAR", "ESSAFAR"], "النقاش": ["EL NAKKACH", "NACCACHE"],
    "الشتيوي": ["CHTIOUI", "AL-SHTAIWI"],
}
FA_GIVEN = {
    "آبتین": ["ABTIN"], "آرتین": ["ARTIN"], "آرزو": ["AREZOO", "AREZU"], "آریا": ["ARIA", "ARYA"],
    "آزاده": ["AZADEH", "AZADE"], "آزیتا": ["AZITA"], "اردشیر": ["ARDESHIR", "ARDASHIR"],
    "اردوان": ["ARDAVAN", "ARDEWAN"], "ارسلان": ["ARSALAN", "ARSLAN"], "ارغوان": ["ARGHAVAN"],
    "اسفندیار": ["ESFANDIAR", "ESFANDYAR"], "اشکان": ["ASHKAN"], "افسانه": ["AFSANEH", "AFSANE"],
    "ایاز": ["AYAZ"], "ایرج": ["IRAJ"], "بابک": ["BABAK"], "بختیار": ["BAKHTIAR", "BAKHTIYAR"],
    "بردیا": ["BARDIA", "BARDIYA"], "بهاره": ["BAHAREH", "BAHARE"], "بهرام": ["BAHRAM"],
    "بهروز": ["BEHROUZ", "BEHRUZ"], "بهزاد": ["BEHZAD"], "بهنام": ["BEHNAM"], "بیژن": ["BIJAN", "BIZHAN"],
    "تارا": ["TARA"], "جاوید": ["JAVID", "JAVED"], "پویا": ["POUYA", "POOYA"], "یزدان": ["YAZDAN"],
}
FA_SURNAME = {
    "عزیزی": ["AZIZI"], "عراقی": ["ARAGHI", "IRAQI"], "عسگری": ["ASKARI", "ASGARI"], "فارسی": ["FARSI"],
    "فاطمی": ["FATEMI"], "فتاحی": ["FATTAHI"], "فرهنگ": ["FARHANG"], "فروتن": ["FOROUTAN", "FORUTAN"],
    "قاضی": ["GHAZI", "QAZI"], "قنبری": ["GHANBARI", "QANBARI"], "قهرمانی": ["GHAHREMANI", "QAHRAMANI"],
    "لاجوردی": ["LAJEVARDI"], "مجاهد": ["MOJAHED", "MUJAHID"], "محجوبی": ["MAHJOUBI"],
    "محمدی": ["MOHAMMADI", "MUHAMMADI"], "مرادخانی": ["MORADKHANI"], "مرتضوی": ["MORTAZAVI"],
    "مستوفی": ["MOSTOFI", "MUSTOUFI"], "مطهری": ["MOTAHARI", "MOTAHHARI"], "مظفر": ["MOZAFFAR", "MUZAFFAR"],
    "معین": ["MOEIN", "MOIN"], "مقدم": ["MOGHADAM", "MOGHADDAM"], "منوچهری": ["MANOUCHEHRI", "MANUCHEHRI"],
    "ملکیان": ["MALEKIAN"], "عنایت": ["ENAYAT", "INAYAT"], "فرج": ["FARAJ", "FARAG"],
}

# Hand-written pairs from public knowledge of name usage:
# (a, b, same, kind[, dob_a, dob_b]).
HAND = [
    ("William Henry Gates", "Bill Gates", True, "nickname"),
    ("Robert Downey", "Bob Downey", True, "nickname"),
    ("Richard Nixon", "Dick Nixon", True, "nickname"),
    ("Margaret Thatcher", "Maggie Thatcher", True, "nickname"),
    ("Elizabeth Taylor", "Liz Taylor", True, "nickname"),
    ("Aleksandr Volkov", "Sasha Volkov", True, "nickname"),
    ("Александр Волков", "Sasha Volkov", True, "nickname"),
    ("Yevgeny Petrov", "Zhenya Petrov", True, "nickname"),
    ("Dmitry Ivanov", "Dima Ivanov", True, "nickname"),
    ("Vladimir Orlov", "Volodya Orlov", True, "nickname"),
    ("Ekaterina Smirnova", "Katya Smirnova", True, "nickname"),
    ("Natalia Sokolova", "Natasha Sokolova", True, "nickname"),
    ("Mikhail Popov", "Misha Popov", True, "nickname"),
    ("Konstantinos Georgiou", "Kostas Georgiou", True, "nickname"),
    ("Ioannis Papadakis", "Giannis Papadakis", True, "nickname"),
    ("Panagiotis Nikolaou", "Panos Nikolaou", True, "nickname"),
    ("James Callaghan", "Jim Callaghan", True, "nickname"),
    ("Anthony Blair", "Tony Blair", True, "nickname"),
    ("Edward Kennedy", "Ted Kennedy", True, "nickname"),
    ("Thomas Hanks", "Tom Hanks", True, "nickname"),
    ("Joseph Biden", "Joe Biden", True, "nickname"),
    ("Francisco Lopez", "Paco Lopez", True, "nickname"),
    ("Giuseppe Verdi", "Beppe Verdi", True, "nickname"),
    ("Katarzyna Nowak", "Kasia Nowak", True, "nickname"),
    ("Friedrich Weber", "Fritz Weber", True, "nickname"),
    ("Johannes Schmidt", "Hans Schmidt", True, "nickname"),
    ("Christopher Walken", "Chris Walken", True, "nickname"),
    ("Patricia Arquette", "Patty Arquette", True, "nickname"),
    ("Samuel Jackson", "Sam Jackson", True, "nickname"),
    ("Frederick Douglass", "Fred Douglass", True, "nickname"),
    ("Henry Ford", "Harry Ford", True, "nickname"),
    ("Abigail Adams", "Abby Adams", True, "nickname"),
    ("Charles Chaplin", "Charlie Chaplin", True, "nickname"),
    ("Lawrence Fishburne", "Larry Fishburne", True, "nickname"),
    ("Rebecca Hall", "Becky Hall", True, "nickname"),
    ("Anastasia Romanova", "Nastya Romanova", True, "nickname"),
    ("Svetlana Alliluyeva", "Sveta Alliluyeva", True, "nickname"),
    ("Pavel Durov", "Pasha Durov", True, "nickname"),
    ("Nikolaos Pappas", "Nikos Pappas", True, "nickname"),
    ("Georgios Karras", "Giorgos Karras", True, "nickname"),
    ("William Turner", "Walter Turner", False, "nickname"),
    ("Robert Brown", "Richard Brown", False, "nickname"),
    ("Alexander Frolov", "Alexei Frolov", False, "nickname"),
    ("Elizabeth Moore", "Eleanor Moore", False, "nickname"),
    ("Mikhail Zotov", "Maxim Zotov", False, "nickname"),
    ("Dmitry Kuznetsov", "Denis Kuznetsov", False, "nickname"),
    ("Katarzyna Wrona", "Karolina Wrona", False, "nickname"),
    ("James Carter", "John Carter", False, "nickname"),
    ("Muammar al-Gaddafi", "QADHAFI, Muammar", True, "translit-arabic"),
    ("Muammar Gaddafi", "Moammar Khadafy", True, "translit-arabic"),
    ("Osama bin Laden", "Usama bin Ladin", True, "translit-arabic"),
    ("Mohammed Mursi", "Muhammad Morsi", True, "translit-arabic"),
    ("Abdel Fattah el-Sisi", "Abdulfattah al-Sisi", True, "translit-arabic"),
    ("Hosni Mubarak", "Husni Mubarak", True, "translit-arabic"),
    ("Yasser Arafat", "Yasir Arafat", True, "translit-arabic"),
    ("Abdullah Ocalan", "Abdallah Oecalan", True, "translit-arabic"),
    ("محمد عبد الله", "MOHAMMED ABDULLAH", True, "translit-arabic"),
    ("عبد الرحمن خالد", "ABDULRAHMAN KHALED", True, "translit-arabic"),
    ("عبد الرحمن خالد", "ABDEL RAHMAN KHALID", True, "translit-arabic"),
    ("حسين علي", "HUSSEIN ALI", True, "translit-arabic"),
    ("حسين علي", "HASSAN ALI", False, "translit-arabic"),
    ("أحمد حامد", "HAMID AHMED", True, "translit-arabic"),
    ("أحمد حامد", "AHMED HAMID", True, "translit-arabic"),
    ("محمود عباس", "MAHMOUD ABBAS", True, "translit-arabic"),
    ("محمود عباس", "MOHAMMED ABBAS", False, "translit-arabic"),
    ("Mahmoud Ahmadinejad", "Mahmud Ahmadinezhad", True, "translit-persian"),
    ("Ali Khamenei", "Ali Khamene'i", True, "translit-persian"),
    ("محمد خاتمی", "MOHAMMAD KHATAMI", True, "translit-persian"),
    ("حسن روحانی", "HASSAN ROUHANI", True, "translit-persian"),
    ("حسن روحانی", "HASAN RUHANI", True, "translit-persian"),
    ("علی لاریجانی", "ALI LARIJANI", True, "translit-persian"),
    ("جواد ظریف", "JAVAD ZARIF", True, "translit-persian"),
    ("جواد ظریف", "JAVAD ZARRABI", False, "translit-persian"),
    ("Mehmet Yilmaz", "Mohammed Yilmaz", True, "turkish"),
    ("Hüseyin Çelik", "Huseyin Celik", True, "turkish"),
    ("Nikita Khrushchev", "Nikita Chruschtschow", True, "translit-cyrillic"),
    ("Никита Хрущёв", "KHROUCHTCHEV, Nikita", True, "translit-cyrillic"),
    ("Mikhail Gorbachev", "Michail Gorbatschow", True, "translit-cyrillic"),
    ("Володимир Зеленський", "ZELENSKYY<<VOLODYMYR", True, "translit-cyrillic"),
    ("Володимир Зеленський", "Wolodymyr Selenskyj", True, "translit-cyrillic"),
    ("Володимир Зеленський", "ZELENSKIY, Vladimir", True, "translit-cyrillic"),
    ("Пётр Чайковский", "Pyotr Tchaikovsky", True, "translit-cyrillic"),
    ("Пётр Чайковский", "Peter Tschaikowski", True, "translit-cyrillic"),
    ("Фёдор Достоевский", "Fyodor Dostoyevsky", True, "translit-cyrillic"),
    ("Фёдор Достоевский", "Fjodor Dostojewski", True, "translit-cyrillic"),
    ("Сергей Рахманинов", "Sergei Rachmaninoff", True, "translit-cyrillic"),
    ("Антон Чехов", "Anton Tschechow", True, "translit-cyrillic"),
    ("Антон Чехов", "Anton Tchekhov", True, "translit-cyrillic"),
    ("Антон Чехов", "Anton Chekhov", True, "translit-cyrillic"),
    ("Антон Чехов", "Andrei Chekhov", False, "translit-cyrillic"),
    ("Μίκης Θεοδωράκης", "Mikis Theodorakis", True, "translit-greek"),
    ("Αλέξης Τσίπρας", "Alexis Tsipras", True, "translit-greek"),
    ("Κυριάκος Μητσοτάκης", "Kyriakos Mitsotakis", True, "translit-greek"),
    ("Κυριάκος Μητσοτάκης", "Kiriakos Mitsotakis", True, "translit-greek"),
    ("Κυριάκος Μητσοτάκης", "Konstantinos Mitsotakis", False, "translit-greek"),
    ("Enver Hoxha", "Enver Hodja", True, "albanian"),
    ("Ismail Kadare", "Ismaïl Kadaré", True, "albanian"),
    ("ABDUL RAHMAN, Yusuf", "ABDULRAHMAN YUSUF", True, "missing-part"),
    ("Smith, John Paul", "John Smith", True, "missing-part"),
    ("Gabriel García Márquez", "Gabriel Garcia", True, "missing-part"),
    ("John Smith", "John Smith", False, "hard-negative-dob", "1980-03-14", "1962-11-02"),
    ("Maria Garcia", "Maria Garcia", False, "hard-negative-dob", "1990-07-01", "1971-01-19"),
    ("Mohammed Ali", "Muhammad Ali", False, "hard-negative-dob", "1985-05-05", "1942-01-17"),
    ("Ivan Ivanov", "Иван Иванов", False, "hard-negative-dob", "1977-02-02", "1991-12-30"),
    ("John Smith", "John Smith", True, "hard-negative-dob", "1980-03-11", "1980-11-03"),
    ("John Smith", "John Smith", True, "hard-negative-dob", "1980-03-14", "1980"),
]


def dob(rng):
    return "%04d-%02d-%02d" % (rng.randint(1940, 2005), rng.randint(1, 12), rng.randint(1, 28))


def other_dob(rng, d):
    """A clearly different date of birth: 2+ years apart, or same year but
    another day and month (not merely swapped)."""
    y, m, dd = int(d[:4]), int(d[5:7]), int(d[8:])
    if rng.random() < 0.7:
        y2 = y + rng.choice([-1, 1]) * rng.randint(2, 25)
        return "%04d-%02d-%02d" % (y2, rng.randint(1, 12), rng.randint(1, 28))
    while True:
        m2, d2 = rng.randint(1, 12), rng.randint(1, 28)
        if m2 != m and d2 != dd and not (m2 == dd and d2 == m):
            return "%04d-%02d-%02d" % (y, m2, d2)


def partial(rng, d):
    """The same date, sometimes known less precisely on one side."""
    r = rng.random()
    if r < 0.15:
        return d[:4]
    if r < 0.25:
        return None
    if r < 0.30:
        return "%s-%s-%s" % (d[:4], d[8:], d[5:7]) if int(d[8:]) <= 12 else d
    return d


class Gen:
    def __init__(self, names_dir, seed):
        self.rng = random.Random(seed)
        self.dir = names_dir
        self.out = []

    def emit(self, a, b, same, kind, dob_a=None, dob_b=None, nat_a=None, nat_b=None):
        o = {"a": a, "b": b}
        if dob_a:
            o["dob_a"] = dob_a
        if dob_b:
            o["dob_b"] = dob_b
        if nat_a:
            o["nationality_a"] = nat_a
        if nat_b:
            o["nationality_b"] = nat_b
        o["same"] = same
        o["kind"] = kind
        self.out.append(o)

    def positive_dobs(self):
        d = dob(self.rng)
        if self.rng.random() < 0.35:
            return None, None
        return d, partial(self.rng, d)

    def negative_dobs(self):
        if self.rng.random() < 0.5:
            return None, None
        return dob(self.rng), dob(self.rng)

    def shape(self, given, surname):
        r = self.rng.random()
        if r < 0.4:
            return "%s %s" % (given, surname)
        if r < 0.8:
            return "%s, %s" % (surname.upper(), given)
        return "%s<<%s" % (surname.upper().replace(" ", "<"), given.upper().replace(" ", "<"))

    def translit_kind(self, kind, pool_g, pool_s, romanise, nat, n_pos, n_neg):
        rng = self.rng
        for _ in range(n_pos):
            g, s = rng.choice(pool_g), rng.choice(pool_s)
            da, db = self.positive_dobs()
            a = "%s %s" % (s, g) if rng.random() < 0.5 else "%s %s" % (g, s)
            b = self.shape(romanise(g), romanise(s))
            self.emit(a, b, True, kind, da, db, nat, nat if rng.random() < 0.5 else None)
        for _ in range(n_neg):
            g, s = rng.choice(pool_g), rng.choice(pool_s)
            if rng.random() < 0.5:
                g2, s2 = rng.choice([x for x in pool_g if x != g]), s
            else:
                g2, s2 = g, rng.choice([x for x in pool_s if x != s])
            da, db = self.negative_dobs()
            self.emit("%s %s" % (g, s), self.shape(romanise(g2), romanise(s2)), False,
                      kind, da, db, nat, nat)

    def cyrillic(self):
        g, s = load(self.dir, "ru")
        scheme = {}

        def rom(w):
            return " ".join(scheme["f"](p).capitalize() for p in w.split())
        for i in range(5):
            scheme["f"] = RU_SCHEMES[i % len(RU_SCHEMES)][1]
            self.translit_kind("translit-cyrillic", g, s, rom, "RUS", 16, 6)
        g, s = load(self.dir, "uk")
        for i in range(3):
            scheme["f"] = UA_SCHEMES[i][1]
            self.translit_kind("translit-cyrillic", g, s, rom, "UKR", 12, 5)

    def greek(self):
        g, s = load(self.dir, "el")
        for popular in (False, True):
            self.translit_kind("translit-greek", g, s,
                               lambda w, p=popular: " ".join(greek(x, p).capitalize() for x in w.split()),
                               "GRC", 40, 15)

    def abjad(self, kind, given, surname, nat):
        rng = self.rng
        gs, ss = sorted(given), sorted(surname)
        for _ in range(70):
            g, s = rng.choice(gs), rng.choice(ss)
            da, db = self.positive_dobs()
            self.emit("%s %s" % (g, s), self.shape(rng.choice(given[g]), rng.choice(surname[s])),
                      True, kind, da, db, nat, None)
        for _ in range(30):
            g, s = rng.choice(gs), rng.choice(ss)
            if rng.random() < 0.5:
                g2, s2 = rng.choice([x for x in gs if x != g]), s
            else:
                g2, s2 = g, rng.choice([x for x in ss if x != s])
            self.emit("%s %s" % (g, s), self.shape(rng.choice(given[g2]), rng.choice(surname[s2])),
                      False, kind, None, None, nat, None)

    def latin_letters(self, kind, tag, schemes, nat, want, n_pos, n_neg):
        g, s = load(self.dir, tag)
        gi = [x for x in g if want(x)] or g
        si = [x for x in s if want(x)] or s
        for i in range(n_pos):
            f = schemes[i % len(schemes)]
            gg, sss = self.rng.choice(gi if i % 2 else g), self.rng.choice(si if i % 2 == 0 else s)
            da, db = self.positive_dobs()
            self.emit("%s %s" % (gg, sss), self.shape(f(gg), f(sss)), True, kind, da, db, nat, nat)
        for i in range(n_neg):
            f = schemes[i % len(schemes)]
            gg, sss = self.rng.choice(g), self.rng.choice(si)
            s2 = self.rng.choice([x for x in s if x != sss])
            self.emit("%s %s" % (gg, sss), self.shape(f(gg), f(s2)), False, kind, None, None, nat, nat)

    def latin_pool(self):
        pool = []
        for tag in ("en", "fr", "it", "es", "nl", "pl", "de", "cs", "hr", "sv"):
            g, s = load(self.dir, tag)
            pool.append((tag, [x for x in g if len(x) >= 4], [x for x in s if len(x) >= 5]))
        return pool

    def typo(self, word):
        rng = self.rng
        w = list(word)
        i = rng.randrange(1, len(w))
        op = rng.choice(["sub", "del", "ins", "swap"])
        near = "qwertyuiopasdfghjklzxcvbnm"
        if op == "sub":
            w[i] = rng.choice(near)
        elif op == "del":
            del w[i]
        elif op == "ins":
            w.insert(i, rng.choice(near))
        elif i + 1 < len(w):
            w[i], w[i + 1] = w[i + 1], w[i]
        else:
            w[i - 1], w[i] = w[i], w[i - 1]
        return "".join(w)

    def generic(self):
        rng = self.rng
        pool = self.latin_pool()
        for _ in range(70):  # typo: one token carries a typing error
            _, g, s = rng.choice(pool)
            gg, ss = rng.choice(g), rng.choice(s)
            if rng.random() < 0.6:
                ss2, gg2 = self.typo(ss), gg
            else:
                ss2, gg2 = ss, self.typo(gg)
            da, db = self.positive_dobs()
            self.emit("%s %s" % (gg, ss), self.shape(gg2, ss2), True, "typo", da, db)
        for _ in range(30):
            _, g, s = rng.choice(pool)
            gg, ss, ss2 = rng.choice(g), rng.choice(s), rng.choice(s)
            if ss2 == ss:
                continue
            self.emit("%s %s" % (gg, ss), "%s %s" % (gg, ss2), False, "typo")
        for _ in range(60):  # order: the same tokens in another order or shape
            _, g, s = rng.choice(pool)
            gg, gm, ss = rng.choice(g), rng.choice(g), rng.choice(s)
            a = "%s %s %s" % (gg, gm, ss)
            b = rng.choice(["%s %s %s" % (ss, gg, gm), "%s, %s %s" % (ss.upper(), gg, gm),
                            "%s<<%s<%s" % (ss.upper(), gg.upper(), gm.upper()),
                            "%s %s %s" % (gm, ss, gg)])
            da, db = self.positive_dobs()
            self.emit(a, b, True, "order", da, db)
        for _ in range(20):
            _, g, s = rng.choice(pool)
            gg, ss, g2 = rng.choice(g), rng.choice(s), rng.choice(g)
            if g2 == gg:
                continue
            self.emit("%s %s" % (gg, ss), "%s, %s" % (ss.upper(), g2), False, "order")
        for _ in range(60):  # missing-part: a middle name or second surname dropped
            _, g, s = rng.choice(pool)
            gg, gm, ss = rng.choice(g), rng.choice(g), rng.choice(s)
            if gm == gg:
                continue
            a = "%s %s %s" % (gg, gm, ss)
            b = rng.choice(["%s %s" % (gg, ss), "%s, %s" % (ss.upper(), gg), "%s<<%s" % (ss.upper(), gg.upper())])
            da, db = self.positive_dobs()
            self.emit(a, b, True, "missing-part", da, db)
        for _ in range(20):
            _, g, s = rng.choice(pool)
            gg, gm, ss, g2 = rng.choice(g), rng.choice(g), rng.choice(s), rng.choice(g)
            if g2 in (gg, gm):
                continue
            self.emit("%s %s %s" % (gg, gm, ss), "%s %s" % (g2, ss), False, "missing-part")
        common = [("John", "Smith"), ("Maria", "Garcia"), ("Mohammed", "Ali"), ("Ivan", "Ivanov"),
                  ("Anna", "Müller"), ("Wei", "Wang"), ("José", "Rodriguez"), ("Fatima", "Hassan"),
                  ("Olga", "Kuznetsova"), ("Mehmet", "Yılmaz"), ("Giorgos", "Papadopoulos")]
        for i in range(80):  # hard negatives: the same name, another person
            if i % 2 == 0:
                gg, ss = rng.choice(common)
            else:
                _, g, s = rng.choice(pool)
                gg, ss = rng.choice(g), rng.choice(s)
            d1 = dob(rng)
            self.emit("%s %s" % (gg, ss), self.shape(gg, ss), False, "hard-negative-dob",
                      d1, other_dob(rng, d1))
        for i in range(20):  # ... and the same person with the same date
            _, g, s = rng.choice(pool)
            gg, ss = rng.choice(g), rng.choice(s)
            d1 = dob(rng)
            self.emit("%s %s" % (gg, ss), self.shape(gg, ss), True, "hard-negative-dob", d1, partial(rng, d1) or d1)
        ru_g, ru_s = load(self.dir, "ru")
        for _ in range(60):  # family: same surname, another given name
            if rng.random() < 0.5:
                _, g, s = rng.choice(pool)
                ss, g1, g2 = rng.choice(s), rng.choice(g), rng.choice(g)
            else:
                ss, g1, g2 = rng.choice(ru_s), rng.choice(ru_g), rng.choice(ru_g)
            if g1 == g2:
                continue
            b_s = ss + "a" if rng.random() < 0.3 and ss[-1] in "vn" else ss
            da, db = self.negative_dobs()
            self.emit("%s %s" % (g1, ss), "%s %s" % (g2, b_s), False, "family", da, db)
        for _ in range(80):  # different persons of one culture
            tag, g, s = rng.choice(pool)
            self.emit("%s %s" % (rng.choice(g), rng.choice(s)),
                      "%s %s" % (rng.choice(g), rng.choice(s)), False, "different-person")

    def run(self):
        self.cyrillic()
        self.greek()
        self.abjad("translit-arabic", AR_GIVEN, AR_SURNAME, None)
        self.abjad("translit-persian", FA_GIVEN, FA_SURNAME, "IRN")
        has = lambda chars: (lambda w: any(c in chars for c in w))
        self.latin_letters("turkish", "tr",
                           [lambda w: letters(w, TR_STRIP), lambda w: letters(w, TR_GERMAN),
                            lambda w: letters(w, TR_ENGLISH)],
                           "TUR", has("çğıİöşüÇĞÖŞÜ"), 60, 25)
        self.latin_letters("albanian", "sq",
                           [lambda w: letters(w, SQ_STRIP), sq_english],
                           "ALB", has("çëÇË"), 60, 25)
        self.latin_letters("german-diacritics", "de",
                           [lambda w: letters(w, DE_ICAO), lambda w: letters(w, DE_STRIP)],
                           "D", has("äöüßÄÖÜ"), 60, 25)
        self.generic()
        for h in HAND:
            a, b, same, kind = h[:4]
            self.emit(a, b, same, kind, h[4] if len(h) > 4 else None, h[5] if len(h) > 5 else None)
        return self.out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--names", default=os.path.join(ROOT, "tests", "data", "names"))
    ap.add_argument("--seed", type=int, default=9303)
    args = ap.parse_args()
    for o in Gen(args.names, args.seed).run():
        sys.stdout.write(json.dumps(o, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
