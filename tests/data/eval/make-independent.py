#!/usr/bin/env python3
"""make-independent.py — the independent evaluation set of name pairs.

  python3 tests/data/eval/make-independent.py > tests/data/eval/independent.jsonl

Unlike tests/data/screen/pairs.jsonl (made by gen-pairs.py from our own name
pools and our own rules), every spelling here is written by hand from the
public sources listed in README.md: how the same name comes out of the
romanisation systems and passport rules actually in use, common short forms
and nicknames, and hard negatives. The tables are data, not our code: a
spelling our transliterator does not produce is exactly what this set is for.
Deterministic: the same file every run.
"""
import itertools
import json

# (native, [spellings seen in documents and registers], sources)
# Sources (README.md): BGN/PCGN = BGN/PCGN 1947 Russian; ICAO = ICAO Doc 9303
# Part 3 (2013+ Russian passports); GOST = GOST 7.79-2000 system B; DE = German
# Duden transcription; FR = French usage; RU97 = Russian passports 1997-2010;
# UA = Ukrainian national system 2010; ELOT = ELOT 743; TR = Turkish letters
# written without diacritics; ICAO-DE = ICAO 9303 Latin rule (Ü -> UE).
RUSSIAN_GIVEN = [
    ("Юрий", ["YURIY", "IURII", "JURIJ", "YURI", "IOURI"]),
    ("Александр", ["ALEKSANDR", "ALEXANDER", "ALEXANDRE", "ALEKSANDER"]),
    ("Сергей", ["SERGEY", "SERGEI", "SERGUEI", "SERGEJ"]),
    ("Андрей", ["ANDREY", "ANDREI", "ANDREJ"]),
    ("Дмитрий", ["DMITRIY", "DMITRII", "DMITRI", "DMITRIJ"]),
    ("Евгений", ["YEVGENIY", "EVGENII", "EVGENIJ", "EVGUENI"]),
    ("Алексей", ["ALEKSEY", "ALEKSEI", "ALEXEI", "ALEXEJ"]),
    ("Наталья", ["NATALYA", "NATALIA", "NATALJA", "NATALIYA"]),
    ("Татьяна", ["TATYANA", "TATIANA", "TATJANA"]),
    ("Ксения", ["KSENIYA", "KSENIIA", "KSENIJA", "XENIA"]),
]
RUSSIAN_SURNAME = [
    ("Щербаков", ["SHCHERBAKOV", "SCHTSCHERBAKOW", "CHTCHERBAKOV", "SHCHERBAKOW"]),
    ("Хрущёв", ["KHRUSHCHEV", "KHRUSHCHYOV", "CHRUSCHTSCHOW", "KHROUCHTCHEV"]),
    ("Жуков", ["ZHUKOV", "SHUKOW", "JOUKOV", "ZUKOV"]),
    ("Чайковский", ["CHAYKOVSKIY", "CHAIKOVSKII", "TSCHAIKOWSKI", "TCHAIKOVSKY"]),
    ("Воробьёв", ["VOROBYEV", "VOROBEV", "WOROBJOW", "VOROBIEV"]),
    ("Соловьёв", ["SOLOVYEV", "SOLOVEV", "SOLOWJOW", "SOLOVIEV"]),
    ("Кузнецов", ["KUZNETSOV", "KUZNECOV", "KUSNEZOW", "KOUZNETSOV"]),
    ("Зайцев", ["ZAYTSEV", "ZAITCEV", "SAIZEW", "ZAITSEV"]),
]
UKRAINIAN = [
    ("Олександр Шевченко", ["OLEKSANDR SHEVCHENKO", "ALEKSANDR SHEVCHENKO", "OLEXANDR SCHEWTSCHENKO"]),
    ("Григорій Коваленко", ["HRYHORII KOVALENKO", "GRIGORIY KOVALENKO", "HRYHORIJ KOWALENKO"]),
    ("Юлія Ткаченко", ["YULIIA TKACHENKO", "YULIYA TKACHENKO", "JULIJA TKATSCHENKO"]),
    ("Андрій Бондаренко", ["ANDRII BONDARENKO", "ANDRIY BONDARENKO", "ANDREJ BONDARENKO"]),
]
GREEK = [
    ("Γεώργιος Παπαδόπουλος", ["GEORGIOS PAPADOPOULOS", "GIORGOS PAPADOPOULOS", "YORGOS PAPADOPOULOS"]),
    ("Δημήτριος Οικονόμου", ["DIMITRIOS OIKONOMOU", "DIMITRIS IKONOMOU", "DEMETRIOS ECONOMOU"]),
    ("Ευάγγελος Χατζής", ["EVANGELOS CHATZIS", "EVANGELOS HATZIS", "EVAGGELOS CHATZIS"]),
    ("Αικατερίνη Βασιλείου", ["AIKATERINI VASILEIOU", "EKATERINI VASILIOU", "KATERINA VASILEIOU"]),
    ("Χρήστος Θεοδωρόπουλος", ["CHRISTOS THEODOROPOULOS", "CHRISTOS THEODOROPOULOS", "HRISTOS THEODOROPOULOS"]),
]
ARABIC = [
    ("محمد عبد الله", ["MOHAMMED ABDULLAH", "MUHAMMAD ABDALLAH", "MOHAMED ABDELLAH", "MOHAMAD ABDULLA"]),
    ("أحمد الحسن", ["AHMED ALHASSAN", "AHMAD AL HASAN", "AHMED EL HASSAN"]),
    ("يوسف الخطيب", ["YOUSSEF ALKHATIB", "YUSUF AL KHATIB", "YOUSEF EL KHATIB"]),
    ("عمر الشريف", ["OMAR ALSHARIF", "UMAR AL SHARIF", "OMAR EL CHERIF"]),
    ("خالد منصور", ["KHALED MANSOUR", "KHALID MANSUR", "KHALED MANSOOR"]),
    ("فاطمة الزهراء", ["FATIMA ALZAHRAA", "FATMA EZZAHRA", "FATIMA AZ ZAHRA"]),
]
PERSIAN = [
    ("حسین رضایی", ["HOSSEIN REZAEI", "HOSEIN REZAYI", "HUSSEIN REZAEE"]),
    ("مهدی محمدی", ["MAHDI MOHAMMADI", "MEHDI MOHAMADI", "MAHDI MUHAMMADI"]),
    ("زهرا حسینی", ["ZAHRA HOSSEINI", "ZAHRA HOSEINI", "ZAHRA HUSSEINI"]),
]
TURKISH = [
    ("Şükrü Öztürk", ["SUKRU OZTURK", "SUEKRUE OEZTUERK", "SHUKRU OZTURK"]),
    ("Ayşe Yılmaz", ["AYSE YILMAZ", "AYSHE YILMAZ", "AISE JILMAZ"]),
    ("Çağrı Güneş", ["CAGRI GUNES", "CAGRI GUENES", "CHAGRI GUNESH"]),
    ("Mehmet Doğan", ["MEHMET DOGAN", "MEHMET DOAN", "MEHMED DOGAN"]),
]
ALBANIAN = [
    ("Xhemal Çela", ["XHEMAL CELA", "DZHEMAL CHELA", "XHEMAL CHELA"]),
    ("Ylli Hoxha", ["YLLI HOXHA", "ILLI HODZHA", "YLLI HODJA"]),
    ("Shpëtim Gjoka", ["SHPETIM GJOKA", "SHPETIM DJOKA", "SPETIM GJOKA"]),
]
GERMAN = [
    ("Jürgen Müller", ["JUERGEN MUELLER", "JURGEN MULLER", "JUERGEN MULLER"]),
    ("Hans-Peter Groß", ["HANS PETER GROSS", "HANSPETER GROSS", "HANS PETER GROSZ"]),
    ("Björn Schäfer", ["BJOERN SCHAEFER", "BJORN SCHAFER", "BJOERN SCHAFER"]),
]
NICKNAMES = [
    ("William Turner", "Bill Turner"), ("Robert Miller", "Bob Miller"),
    ("Elizabeth Carter", "Liz Carter"), ("Margaret Evans", "Maggie Evans"),
    ("Richard Hughes", "Rick Hughes"), ("James Wright", "Jim Wright"),
    ("Aleksandr Volkov", "Sasha Volkov"), ("Yekaterina Orlova", "Katya Orlova"),
    ("Vladimir Popov", "Volodya Popov"), ("Mikhail Sokolov", "Misha Sokolov"),
    ("Giuseppe Russo", "Peppe Russo"), ("Francisco Garcia", "Paco Garcia"),
    ("Jose Hernandez", "Pepe Hernandez"), ("Johannes Becker", "Hans Becker"),
]
ORDER_AND_PARTS = [
    ("Maria Dolores Garcia Lopez", "GARCIA LOPEZ, Maria"),
    ("Jean-Pierre Dubois", "DUBOIS<<JEAN<PIERRE"),
    ("Anna Maria Eriksson", "ERIKSSON<<ANNA"),
    ("Nguyen Van An", "AN NGUYEN VAN"),
    ("Li Wei", "WEI LI"),
    ("Mohammed bin Salman Al Saud", "ALSAUD<<MOHAMMED<BIN<SALMAN"),
    ("Pieter van der Berg", "VANDERBERG<<PIETER"),
    ("Carlos Alberto Souza", "SOUZA, Carlos"),
]
TYPOS = [
    ("Krzysztof Wojciechowski", "Krzystof Wojciechowski"), ("Siobhan O'Sullivan", "Siobhan OSullivan"),
    ("Bartholomew Higgins", "Bartholomew Higins"), ("Anastasia Romanova", "Anastasia Ramanova"),
    ("Stefanos Tsitsipas", "Stefanos Tsitsipass"), ("Magdalena Nowakowska", "Magdalena Nowakowka"),
    ("Gheorghe Popescu", "Gheorge Popescu"), ("Catherine Zeta", "Cathrine Zeta"),
]
# Hard negatives.
COMMON = ["John Smith", "Mohammed Ali", "Maria Garcia", "Ivan Ivanov", "Mehmet Yilmaz",
          "Nguyen Van Minh", "Giorgos Papadopoulos", "Anna Muller", "Wei Zhang", "Jose Rodriguez"]
FAMILIES = [
    ("Petrov", ["Ivan", "Sergey", "Olga", "Anna"]),
    ("Schmidt", ["Klaus", "Monika", "Lukas", "Lea"]),
    ("Haddad", ["Omar", "Layla", "Karim", "Nour"]),
    ("Kowalski", ["Piotr", "Agnieszka", "Jakub", "Zofia"]),
    ("Papadakis", ["Nikos", "Eleni", "Giannis", "Maria"]),
]
DIFFERENT = [  # similar-looking names that are different names (sex as the MRZ gives it)
    ("Maria Rossi", "F", "Mario Rossi", "M"), ("Ivanov Sergey", "M", "Ivanova Svetlana", "F"),
    ("Daniel Meyer", "M", "Daniela Meyer", "F"), ("Karim Haddad", "M", "Karima Haddad", "F"),
    ("Jan Novak", "M", "Jana Novakova", "F"), ("Alexandru Pop", "M", "Alexandra Pop", "F"),
    ("Stefan Ivanov", "M", "Stefka Ivanova", "F"), ("Mustafa Kaya", "M", "Mustafa Kara", "M"),
    ("Ahmed Hassan", "M", "Ahmed Hussein", "M"),
]


def pair(a, b, same, kind, dob_a="1980-05-17", dob_b=None, **kw):
    o = {"a": a, "b": b, "dob_a": dob_a, "dob_b": dob_b or dob_a, "same": same, "kind": kind}
    o.update(kw)
    return o


def mrz(full):
    """'GIVEN SURNAME' spelled for an MRZ: SURNAME<<GIVEN."""
    parts = full.split()
    return parts[-1] + "<<" + "<".join(parts[:-1])


def main():
    out = []
    dob = iter(["1961-02-03", "1972-11-30", "1983-07-14", "1990-01-09", "1968-06-21",
                "1977-09-05", "1985-12-25", "1959-04-18", "1994-03-07", "1970-10-10"] * 100)
    for native, spellings in RUSSIAN_GIVEN:
        for s in spellings:
            d = next(dob)
            out.append(pair(f"Иванов {native}", f"IVANOV<<{s}", True, "russian-given", d))
    for native, spellings in RUSSIAN_SURNAME:
        for s in spellings:
            d = next(dob)
            out.append(pair(f"{native}, Пётр", f"{s}<<PETR", True, "russian-surname", d))
        for x, y in itertools.combinations(spellings, 2):
            d = next(dob)
            out.append(pair(f"{x}, PETR", f"{y}, PIOTR", True, "romanisation-vs-romanisation", d))
    for table, kind in ((UKRAINIAN, "ukrainian"), (GREEK, "greek"), (ARABIC, "arabic"),
                        (PERSIAN, "persian"), (TURKISH, "turkish"), (ALBANIAN, "albanian"),
                        (GERMAN, "german-letters")):
        for native, spellings in table:
            for s in spellings:
                d = next(dob)
                out.append(pair(native, mrz(s), True, kind, d))
            for x, y in itertools.combinations(spellings, 2):
                if x != y:
                    d = next(dob)
                    out.append(pair(x, y, True, kind + "-latin", d))
    for a, b in NICKNAMES:
        out.append(pair(a, b, True, "nickname", next(dob)))
    for a, b in ORDER_AND_PARTS:
        out.append(pair(a, b, True, "order-and-parts", next(dob)))
    for a, b in TYPOS:
        out.append(pair(a, b, True, "typo", next(dob)))
    # Hard negatives: the same common name, another person (another date of birth).
    for n in COMMON:
        for da, db in (("1970-01-01", "1985-06-30"), ("1962-03-15", "1991-11-02"),
                       ("1978-08-08", "1956-02-29")):
            out.append(pair(n, n, False, "same-name-other-dob", da, db))
        # a son with his father's name, 26 years apart
        out.append(pair(n, n + " Jr", False, "father-and-son", "1960-04-04", "1986-09-12"))
    # Family members: one surname, other given names, other dates of birth.
    for sur, givens in FAMILIES:
        for x, y in itertools.combinations(givens, 2):
            out.append(pair(f"{sur}, {x}", f"{sur}, {y}", False, "family", "1965-01-01", "1993-07-07"))
        # twins: one surname, one date of birth, two given names
        out.append(pair(f"{sur}, {givens[0]}", f"{sur}, {givens[1]}", False, "twins",
                        "1988-02-02", "1988-02-02"))
    for a, sa, b, sb in DIFFERENT:
        out.append(pair(a, b, False, "different-name", "1980-05-17", "1980-05-17",
                        sex_a=sa, sex_b=sb))
    for o in out:
        print(json.dumps(o, ensure_ascii=False))


if __name__ == "__main__":
    main()
