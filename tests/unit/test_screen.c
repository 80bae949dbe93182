/* test_screen.c — the person score: what must match, what must not, why. */
#include "t.h"
#include "tims/screen.h"

static struct tims_name na, nb;
static struct tims_match m;

static double cmp(const char *a, const char *da, const char *b, const char *db)
{
	struct tims_subject sa, sb;

	memset(&sa, 0, sizeof(sa));
	memset(&sb, 0, sizeof(sb));
	if (tims_name_parse(a, strlen(a), "a", &na, NULL) ||
	    tims_name_parse(b, strlen(b), "b", &nb, NULL))
		return -1;
	if (da && tims_pdate_parse(da, &sa.dob, "dob_a", NULL))
		return -1;
	if (db && tims_pdate_parse(db, &sb.dob, "dob_b", NULL))
		return -1;
	tims_screen_compare(&na, &sa, &nb, &sb, true, &m);
	return m.score;
}

static int reason_has(const char *needle)
{
	for (unsigned i = 0; i < m.nreasons; i++)
		if (strstr(m.reasons[i], needle))
			return 1;
	return 0;
}

#define HIT(a, b, what) do { double s_ = cmp(a, NULL, b, NULL); \
	T_OK(s_ >= TIMS_SCREEN_THRESHOLD, "hit: %s (%.3f)", what, s_); } while (0)
#define MISS(a, b, what) do { double s_ = cmp(a, NULL, b, NULL); \
	T_OK(s_ >= 0 && s_ < TIMS_SCREEN_THRESHOLD, "no hit: %s (%.3f)", what, s_); } while (0)

static const struct { const char *a, *b, *what; } hits[] = {
	{ "Müller, Jürgen", "MUELLER<<JUERGEN", "German umlauts, ICAO UE" },
	{ "Müller, Jürgen", "MULLER JURGEN", "German umlauts, U" },
	{ "Щербаков Юрий", "SHCHERBAKOV YURIY", "Russian passport 1997" },
	{ "Щербаков Юрий", "SCHTSCHERBAKOW JURI", "German transliteration" },
	{ "Щербаков Юрий", "CHTCHERBAKOV IOURI", "French transliteration" },
	{ "Γιώργος Παπαδόπουλος", "YIORGOS PAPADOPOULOS", "Greek, common spelling" },
	{ "محمد الخليفي", "MOHAMED AL KHALIFI", "Arabic given name and article" },
	{ "محمد الخليفي", "ALKHALIFI<<MOHAMED", "Arabic article fused to the name, MRZ form" },
	{ "عبد الرحمن السعيد", "ASSAID<<ABDULRAHMAN", "Arabic article assimilated (as-Said)" },
	{ "Recep Tayyip Erdoğan", "ERDOGAN<<RECEP<TAYYIP", "Turkish, MRZ form, order" },
	{ "Bill Gates", "William Henry Gates", "nickname and missing middle name" },
	{ "ABDUL RAHMAN, Yusuf", "ABDULRAHMAN YUSUF", "name parts joined" },
	{ "John Smith", "Smith John", "order" },
	{ "Katherine Zeta-Jones", "Catherine Zeta Jones", "spelling variant" },
	{ "Jonathan Smith", "Jonathan Smiht", "typo" },
	{ "Enver Hoxha", "Enver Hodja", "Albanian XH" },
	{ "Никита Хрущёв", "Nikita Chruschtschow", "German CH for Х" },
};

static const struct { const char *a, *b, *what; } misses[] = {
	{ "John Smith", "John Brown", "same given name, other surname" },
	{ "Ivan Petrov", "Olga Petrova", "family: feminine surname, other name" },
	{ "Alexander Frolov", "Alexei Frolov", "known different given names" },
	{ "حسين علي", "HASSAN ALI", "HUSSEIN is not HASSAN" },
	{ "Maria Garcia", "Jose Rodriguez", "different persons" },
	{ "Smith", "John Smith", "a surname alone is not a person" },
};

static void test_table(void)
{
	for (size_t i = 0; i < sizeof(hits) / sizeof(hits[0]); i++)
		HIT(hits[i].a, hits[i].b, hits[i].what);
	for (size_t i = 0; i < sizeof(misses) / sizeof(misses[0]); i++)
		MISS(misses[i].a, misses[i].b, misses[i].what);
}

static void test_dob(void)
{
	double s;

	s = cmp("John Smith", "1980-03-14", "John Smith", "1962-11-02");
	T_OK(s < TIMS_SCREEN_THRESHOLD, "identical common names, dates 18 years apart: no hit (%.3f)", s);
	T_OK(reason_has("date of birth 1980-03-14~1962-11-02 differs"), "the reason names both dates");
	s = cmp("John Smith", "1980-03-14", "John Smith", "1980-09-27");
	T_OK(s < TIMS_SCREEN_THRESHOLD, "same year, day and month both differ: no hit (%.3f)", s);
	s = cmp("John Smith", "1980-03-11", "John Smith", "1980-11-03");
	T_OK(s >= TIMS_SCREEN_THRESHOLD, "day and month swapped: still a hit (%.3f)", s);
	T_OK(reason_has("day and month swapped"), "... and the reason says so");
	s = cmp("John Smith", "1980-03-14", "John Smith", "1980");
	T_OK(s >= TIMS_SCREEN_THRESHOLD && reason_has("year of birth 1980 matches"),
	     "year only on one side: a hit, year matches (%.3f)", s);
	s = cmp("John Smith", "1980-03-14", "John Smith", "1981-03-14");
	T_OK(s >= TIMS_SCREEN_THRESHOLD && reason_has("one year apart"),
	     "one year apart, same day: a hit (%.3f)", s);
	{
		double with = cmp("Jonathan Smith", "1980-03-14", "Jonathan Smiht", "1980-03-14");
		double without = cmp("Jonathan Smith", NULL, "Jonathan Smiht", NULL);

		T_OK(with > without, "an equal date raises the score (%.3f > %.3f)", with, without);
	}
}

static void test_qualifiers(void)
{
	struct tims_subject sa, sb;
	struct tims_err err;

	memset(&sa, 0, sizeof(sa));
	memset(&sb, 0, sizeof(sb));
	T_OK(tims_subject_set_sex(&sa, "M", "sex", &err) == TIMS_OK &&
	     tims_subject_set_sex(&sb, "f", "sex", &err) == TIMS_OK && sb.sex == 'F',
	     "sex parses, case folded");
	tims_name_parse("Sasha Ivanova", 13, "a", &na, NULL);
	tims_name_parse("Sasha Ivanova", 13, "b", &nb, NULL);
	tims_screen_compare(&na, &sa, &nb, &sb, true, &m);
	T_OK(m.score < 0.85 && reason_has("sex M~F differs"), "different sex lowers the score");
	T_OK(tims_subject_set_nationality(&sa, "rus", "nationality", &err) == TIMS_OK &&
	     !strcmp(sa.nationality, "RUS"), "nationality folded to upper case");
	T_OK(tims_subject_set_nationality(&sa, "RUSS", "nationality", &err) == TIMS_ERR_INVALID,
	     "a 4-letter nationality is refused");
	T_OK(tims_subject_set_sex(&sa, "male", "sex", &err) == TIMS_ERR_INVALID, "sex 'male' is refused");
	/* the same nationality written as the MRZ and as a list do (tims_mrz_state_same) */
	memset(&sa, 0, sizeof(sa));
	memset(&sb, 0, sizeof(sb));
	(void)tims_subject_set_nationality(&sa, "D", "nationality", NULL);
	(void)tims_subject_set_nationality(&sb, "DEU", "nationality", NULL);
	tims_screen_compare(&na, &sa, &nb, &sb, true, &m);
	T_OK(reason_has("nationality D matches"), "nationality D (a German MRZ) and DEU match");
	(void)tims_subject_set_nationality(&sa, "GBD", "nationality", NULL);
	(void)tims_subject_set_nationality(&sb, "GBR", "nationality", NULL);
	tims_screen_compare(&na, &sa, &nb, &sb, true, &m);
	T_OK(reason_has("nationality GBD~GBR differs"), "a British Overseas Territories citizen "
	     "is no British citizen: GBD and GBR differ as nationalities");
}

static void test_dates(void)
{
	struct tims_pdate d;
	struct tims_err err;

	T_OK(tims_pdate_parse("1980-02-29", &d, "dob", &err) == TIMS_OK && d.day == 29, "leap day parses");
	T_OK(tims_pdate_parse("1981-02-29", &d, "dob", &err) == TIMS_ERR_INVALID, "29 February of a common year refused");
	T_EQ_STR(err.msg, "dob: 1981 is not a leap year", "... naming the year");
	T_OK(tims_pdate_parse("1980-13", &d, "dob", &err) == TIMS_ERR_INVALID, "month 13 refused");
	T_OK(tims_pdate_parse("80-01-01", &d, "dob", &err) == TIMS_ERR_INVALID, "two-digit year refused");
	T_OK(tims_pdate_parse("1980", &d, "dob", &err) == TIMS_OK && d.month == 0, "a year alone parses");
}

static void test_reasons(void)
{
	cmp("Müller, Jürgen", NULL, "MUELLER<<JUERGEN", NULL);
	T_OK(reason_has("surname Müller~MUELLER via ICAO 9303 transliteration"),
	     "reason: surname via ICAO transliteration");
	cmp("Bill Clinton", NULL, "William Clinton", NULL);
	T_OK(reason_has("Bill~William via the nickname table"), "reason: nickname table");
	cmp("ABDUL RAHMAN Hassan", NULL, "ABDULRAHMAN HASAN", NULL);
	T_OK(reason_has("name parts ABDUL RAHMAN~ABDULRAHMAN joined"), "reason: joined parts");
	cmp("John Paul Smith", NULL, "John Smith", NULL);
	T_OK(reason_has("Paul has no counterpart"), "reason: the missing middle name");
}

int main(void)
{
	test_table();
	test_dob();
	test_qualifiers();
	test_dates();
	test_reasons();
	return t_done();
}
