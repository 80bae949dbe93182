/*
 * test_paxlst.c — PAXLST interchanges read into travellers (tims/paxlst.h):
 * the D:02B example of the US implementation guide, a D:05B message without
 * UNA or groups, the release character, Type-B wrapping, several
 * interchanges, multi-leg flights; sloppy input read with warnings naming
 * the segment; and what must be refused, with the segment named: counts and
 * references that disagree, a message that is not a PAXLST, segments
 * outside an interchange, any truncation of a valid interchange.
 */
#include <stdlib.h>

#include "t.h"
#include "tims/paxlst.h"

#define US_D02B \
	"UNA:+.? '\n" \
	"UNB+UNOA:4+APIS*ABE+USCSAPIS+070429:1300+000000001++USADT'\n" \
	"UNG+PAXLST+XYZ AIRLINES+USCSAPIS+070429:1300+1+UN+D:02B'\n" \
	"UNH+PAX001+PAXLST:D:02B:UN:IATA+API01+01:F'\n" \
	"BGM+745'\n" \
	"NAD+MS+++JOHN SMITH'\n" \
	"COM+703-555-1212:TE+703-555-4545:FX'\n" \
	"TDT+20+UA123+++UA'\n" \
	"LOC+125+YVR'\n" \
	"DTM+189:0704291230:201'\n" \
	"LOC+87+JFK'\n" \
	"DTM+232:0704291600:201'\n" \
	"NAD+FL+++DOE:JOHN:WAYNE+20 MAIN STREET+ANYCITY+VA+10053+USA'\n" \
	"ATT+2++M'\n" \
	"DTM+329:720907'\n" \
	"MEA+CT++:3'\n" \
	"GEI+4+173'\n" \
	"FTX+BAG+++UA123456:3'\n" \
	"LOC+22+JFK'\n" \
	"LOC+178+YVR'\n" \
	"LOC+179+JFK'\n" \
	"NAT+2+CAN'\n" \
	"RFF+AVF:ABC123'\n" \
	"RFF+SEA:23C'\n" \
	"DOC+P:110:111+MB140241'\n" \
	"DTM+36:081021'\n" \
	"LOC+91+CAN'\n" \
	"CNT+42:1'\n" \
	"UNT+26+PAX001'\n" \
	"UNE+1+1'\n" \
	"UNZ+1+000000001'\n"

/* D:05B, no UNA (the defaults), no group, passengers and crew, CCYY dates */
#define D05B \
	"UNB+UNOA:4+JU:ZZ+ALBAPI:ZZ+261207:0815+4711'" \
	"UNH+1+PAXLST:D:05B:UN:IATA+JU123/261207/1040+01:F'" \
	"BGM+745'" \
	"NAD+MS+++AIR SERBIA OPS'" \
	"TDT+20+JU123+++JU'" \
	"LOC+125+BEG'" \
	"DTM+189:202612070930:203'" \
	"LOC+87+TIA'" \
	"DTM+232:202612071040:203'" \
	"NAD+FL+++HOXHA:ARBER'" \
	"ATT+2++M'" \
	"DTM+329:19850615:102'" \
	"NAT+2+ALB'" \
	"DOC+P+BA1234567'" \
	"DTM+36:20300101:102'" \
	"LOC+91+ALB'" \
	"NAD+FL+++O?'BRIEN:MARY ANN'" \
	"ATT+2++F'" \
	"DTM+329:920229'" \
	"NAT+2+IRL'" \
	"DOC+P+PX?+00001'" \
	"LOC+91+IRL'" \
	"NAD+FM+++PETROVIC:MARKO'" \
	"ATT+2++M'" \
	"NAT+2+SRB'" \
	"DOC+P+012345678'" \
	"LOC+91+SRB'" \
	"CNT+42:2+41:1'" \
	"UNT+28+1'" \
	"UNZ+1+4711'"

static struct tims_paxlst_options opt = { 20794 }; /* 2026-12-07 */

static const struct tims_paxlst *cur_p;

static int parse(const char *s, struct tims_paxlst *p, struct tims_err *err)
{
	cur_p = p;
	return tims_paxlst_parse(s, strlen(s), &opt, p, err);
}

/* The text with the first occurrence of `from` replaced by `to` (static
 * buffers, used in turn: edit(edit(...)) works). */
static const char *edit(const char *s, const char *from, const char *to)
{
	static char bufs[2][8192];
	static int turn;
	char *out = bufs[turn ^= 1];
	const char *at = strstr(s, from);

	if (!at)
		return s;
	snprintf(out, sizeof(bufs[0]), "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
	return out;
}

static int warned(const struct tims_paxlst_traveller *t, const char *needle)
{
	for (unsigned k = 0; k < t->nwarnings; k++) {
		const char *w = tims_paxlst_warning(cur_p, t, k);

		if (w && strstr(w, needle))
			return 1;
	}
	return 0;
}

static void test_us(void)
{
	struct tims_paxlst p;
	struct tims_err err;
	const struct tims_paxlst_traveller *t;

	T_OK(parse(US_D02B, &p, &err) == TIMS_OK, "US D:02B example parses (%s)", err.msg);
	T_OK(p.n == 1 && p.messages == 1 && p.interchanges == 1, "one traveller, message, interchange");
	if (p.n != 1)
		return;
	t = &p.t[0];
	T_EQ_STR(t->flight, "UA123", "flight as in TDT");
	T_EQ_STR(t->departure_airport, "YVR", "departure airport (LOC+125)");
	T_EQ_STR(t->departure_time, "2007-04-29T12:30", "departure time ISO (DTM+189, 201)");
	T_EQ_STR(t->arrival_airport, "JFK", "arrival airport (LOC+87)");
	T_EQ_STR(t->arrival_time, "2007-04-29T16:00", "arrival time ISO (DTM+232)");
	T_EQ_STR(t->role, "FL", "role as sent");
	T_EQ_STR(t->surname, "DOE", "surname");
	T_EQ_STR(t->given_names, "JOHN WAYNE", "given names joined by spaces");
	T_EQ_STR(t->birth_date, "1972-09-07", "birth date YYMMDD, century from today");
	T_EQ_STR(t->sex, "M", "sex as sent");
	T_EQ_STR(t->nationality, "CAN", "nationality");
	T_EQ_STR(t->document_type, "P", "document type (first component)");
	T_EQ_STR(t->document_number, "MB140241", "document number");
	T_EQ_STR(t->document_issuing_state, "CAN", "issuing state (LOC+91 after DOC)");
	T_EQ_STR(t->document_expiry, "2008-10-21", "document expiry (DTM+36)");
	T_EQ_STR(t->message_version, "D:02B", "message version");
	T_OK(t->nwarnings == 0 && p.warnings == 0, "no warnings");
	tims_paxlst_release(&p);
}

static void test_d05b(void)
{
	struct tims_paxlst p;
	struct tims_err err;

	T_OK(parse(D05B, &p, &err) == TIMS_OK, "D:05B without UNA parses (%s)", err.msg);
	T_OK(p.n == 3, "two passengers and one crew member");
	if (p.n != 3)
		return;
	T_EQ_STR(p.t[0].birth_date, "1985-06-15", "CCYYMMDD (102)");
	T_EQ_STR(p.t[0].arrival_time, "2026-12-07T10:40", "CCYYMMDDHHMM (203)");
	T_EQ_STR(p.t[0].document_number, "BA1234567", "D:05B DOC number");
	T_EQ_STR(p.t[1].surname, "O'BRIEN", "release character before the segment terminator");
	T_EQ_STR(p.t[1].given_names, "MARY ANN", "a given-name component with a space");
	T_EQ_STR(p.t[1].document_number, "PX+00001", "release character before an element separator");
	T_EQ_STR(p.t[1].birth_date, "1992-02-29", "YYMMDD with no format: 1992 (a leap day)");
	T_EQ_STR(p.t[2].role, "FM", "crew role as sent");
	T_EQ_STR(p.t[2].flight, "JU123", "crew on the same flight");
	T_EQ_STR(p.t[2].birth_date, "", "no DTM+329: empty");
	tims_paxlst_release(&p);
}

static void test_legs_and_envelopes(void)
{
	struct tims_paxlst p;
	struct tims_err err;
	char buf[8192];
	const char *multi =
		"UNB+UNOA:4+LH+ALB+261207:0600+9'"
		"UNH+M1+PAXLST:D:02B:UN:IATA'BGM+745'TDT+20+LH1234'"
		"LOC+125+FRA'DTM+189:2612070700:201'LOC+87+VIE'DTM+232:2612070815:201'"
		"LOC+125+VIE'DTM+189:2612070900:201'LOC+87+TIA'DTM+232:2612071030:201'"
		"NAD+FL+++MUELLER:HANS'LOC+178+VIE'LOC+179+TIA'"
		"NAD+FL+++ROSSI:ANNA'"
		"CNT+42:2'UNT+17+M1'UNZ+1+9'";

	T_OK(parse(multi, &p, &err) == TIMS_OK && p.n == 2, "a two-leg flight (%s)", err.msg);
	if (p.n == 2) {
		T_OK(!strcmp(p.t[0].departure_airport, "VIE") && !strcmp(p.t[0].arrival_airport, "TIA") &&
		     !strcmp(p.t[0].departure_time, "2026-12-07T09:00"),
		     "LOC+178 VIE: reported for the leg VIE-TIA");
		T_OK(!strcmp(p.t[1].departure_airport, "FRA") && !strcmp(p.t[1].arrival_airport, "VIE"),
		     "no LOC+178: the first leg FRA-VIE");
	}
	tims_paxlst_release(&p);

	/* two interchanges, the second wrapped in Type-B teletype lines */
	{
		size_t n = 0, L = strlen(D05B);

		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s\n", US_D02B);
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "QU TIAXCXA\n.BEGAPJU 070815\nPAXLST\n");
		for (size_t i = 0; i < L; i += 64)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%.64s\r\n", D05B + i);
		snprintf(buf + n, sizeof(buf) - n, "=\nNNNN\n");
	}
	T_OK(parse(buf, &p, &err) == TIMS_OK && p.n == 4 && p.interchanges == 2,
	     "two interchanges, one wrapped in Type-B lines cut every 64 bytes (%s)", err.msg);
	if (p.n == 4)
		T_EQ_STR(p.t[3].surname, "PETROVIC", "the wrapped interchange reads whole");
	tims_paxlst_release(&p);
}

static void test_lenient(void)
{
	struct tims_paxlst p;
	struct tims_err err;

	T_OK(parse(edit(D05B, "HOXHA:ARBER", "Hoxha:Arber"), &p, &err) == TIMS_OK && p.n == 3 &&
	     !strcmp(p.t[0].surname, "Hoxha") &&
	     warned(&p.t[0], "segment 10 (NAD) at byte") && warned(&p.t[0], "lower-case"),
	     "lower case under UNOA: read, kept as sent, warned with segment and position");
	T_OK(p.n == 3 && !warned(&p.t[1], "lower-case"), "the warning belongs to that traveller");
	tims_paxlst_release(&p);
	T_OK(parse(edit(D05B, "HOXHA:ARBER", "HOXHA:ARB\xCBR"), &p, &err) == TIMS_OK && p.n == 3 &&
	     !strcmp(p.t[0].given_names, "ARB?R") && warned(&p.t[0], "0xCB"),
	     "a byte outside UNOA: read as '?', warned");
	tims_paxlst_release(&p);
	T_OK(parse(edit(edit(D05B, "UNOA:4", "UNOC:4"), "HOXHA:ARBER", "HOXHA:ARB\xCBR"), &p, &err) ==
		     TIMS_OK && p.n == 3 && !strcmp(p.t[0].given_names, "ARB\xC3\x8BR") &&
		     p.t[0].nwarnings == 0,
	     "UNOC: Latin-1 read into UTF-8, no warning");
	tims_paxlst_release(&p);
	T_OK(parse(edit(edit(D05B, "UNOA:4", "UNOW:4"), "HOXHA:ARBER", "HOXHA:ARB\xC3\x8BR"), &p,
		   &err) == TIMS_OK && p.n == 3 && !strcmp(p.t[0].given_names, "ARB\xC3\x8BR"),
	     "UNOW: UTF-8 as sent");
	tims_paxlst_release(&p);
	T_OK(parse(edit(edit(D05B, "UNOA:4", "UNOW:4"), "HOXHA:ARBER", "HOXHA:ARB\xC3R"), &p, &err) ==
		     TIMS_OK && p.n == 3 && !strcmp(p.t[0].given_names, "ARB?R") && warned(&p.t[0], "0xC3"),
	     "UNOW: broken UTF-8 read as '?', warned");
	tims_paxlst_release(&p);
	T_OK(parse(edit(US_D02B, "UNA:+.? '", "UNA:+.?*'"), &p, &err) == TIMS_OK && p.n == 1 &&
	     warned(&p.t[0], "unusual service string advice"),
	     "an unusual UNA (reserved '*'): read with a warning every traveller carries");
	tims_paxlst_release(&p);
	/* found by fuzz_paxlst: a byte that is not a character went into a
	 * warning as it was (not UTF-8: the JSON of the import failed) */
	T_OK(parse(edit(US_D02B, "UNA:+.? '", "UNA:+.?\xA0'"), &p, &err) == TIMS_OK && p.n == 1 &&
	     warned(&p.t[0], "reserved '\\xA0'"),
	     "a UNA whose reserved byte is 0xA0: said as \\xA0 in the warning (UTF-8)");
	tims_paxlst_release(&p);
	T_OK(parse(edit(edit(D05B, "UNOA:4", "UNOW:4"), "PAXLST:D:05B", "PAXLST:D:05\xC3\x8B"), &p,
		   &err) == TIMS_OK && p.n == 3 && warned(&p.t[0], "directory D:05 is not") &&
		     !warned(&p.t[0], "\xC3 is not"),
	     "a directory version cut at 3 bytes: cut before a character, not inside it");
	tims_paxlst_release(&p);
	{
		/* other separators throughout: | component, * element, # release, ; terminator */
		const char *o = "UNA|*.# ;UNB*UNOA|4*A*B*261207|0600*77;UNH*1*PAXLST|D|02B|UN;"
				"BGM*745;TDT*20*OS847;LOC*125*VIE;LOC*87*TIA;NAD*FL***GASHI|DRIT#;A;"
				"CNT*42|1;UNT*8*1;UNZ*1*77;";

		T_OK(parse(o, &p, &err) == TIMS_OK && p.n == 1 && !strcmp(p.t[0].given_names, "DRIT;A") &&
		     !strcmp(p.t[0].flight, "OS847"),
		     "a UNA with other separators and release character (%s)", err.msg);
		tims_paxlst_release(&p);
	}
	T_OK(parse(edit(D05B, "DTM+329:19850615:102", "DTM+329:19851315:102"), &p, &err) == TIMS_OK &&
	     p.n == 3 && !strcmp(p.t[0].birth_date, "19851315") && warned(&p.t[0], "not a date"),
	     "an impossible birth date: kept as sent, warned");
	tims_paxlst_release(&p);
	T_OK(parse(edit(D05B, "DTM+329:19850615:102", "DTM+329:300101"), &p, &err) == TIMS_OK &&
	     p.n == 3 && !strcmp(p.t[0].birth_date, "1930-01-01"),
	     "a two-digit birth year after this year's is 19YY");
	tims_paxlst_release(&p);
	T_OK(parse(edit(D05B, "DTM+329:19850615:102", "DTM+329:100101"), &p, &err) == TIMS_OK &&
	     p.n == 3 && !strcmp(p.t[0].birth_date, "2010-01-01"),
	     "a two-digit birth year not after this year's is 20YY");
	tims_paxlst_release(&p);
}

static void refused(const char *text, const char *needle, const char *what)
{
	struct tims_paxlst p;
	struct tims_err err;
	tims_rc rc = parse(text, &p, &err);

	T_OK(rc != TIMS_OK && strstr(err.msg, needle) && p.n == 0 && p.t == NULL,
	     "refused: %s (%s)", what, rc ? err.msg : "accepted");
}

static void test_strict(void)
{
	struct tims_paxlst p;
	struct tims_err err;
	size_t full = strlen(US_D02B), last = full - 2, bad = 0;
	char *cut = malloc(full + 1);

	refused(edit(US_D02B, "UNT+26+PAX001", "UNT+25+PAX001"), "segment 28 (UNT) at byte",
		"a UNT count that disagrees, the segment named");
	refused(edit(US_D02B, "UNT+26+PAX001", "UNT+26+PAX002"), "UNT closes message 'PAX002'",
		"a UNT reference that disagrees");
	refused(edit(US_D02B, "CNT+42:1", "CNT+42:2"), "CNT+42 says 2 passengers",
		"a CNT total that disagrees");
	refused(edit(D05B, "CNT+42:2+41:1", "CNT+42:2+41:2"), "CNT+41 says 2 crew", "a crew count");
	refused(edit(US_D02B, "UNE+1+1", "UNE+2+1"), "UNE counts 2", "a UNE count");
	refused(edit(US_D02B, "UNZ+1+000000001", "UNZ+1+000000002"), "UNZ closes interchange",
		"a UNZ reference");
	refused(edit(D05B, "UNZ+1+4711", "UNZ+2+4711"), "UNZ counts 2", "a UNZ count");
	refused(edit(D05B, "PAXLST:D:05B", "CUSRES:D:05B"), "not PAXLST", "another message type");
	refused(edit(D05B, "UNB+UNOA:4", "UNB+UNOZ:4"), "syntax identifier", "an unknown character set");
	refused(edit(D05B, "TDT+20+JU123+++JU'", ""), "before the flight (TDT)",
		"travellers without a flight");
	refused(edit(D05B, "NAD+FM+", "NAD++"), "party qualifier", "a NAD without its qualifier");
	refused(edit(D05B, "UNZ+1+4711'", "UNZ+1+4711'UNH+2+PAXLST:D:05B:UN'"),
		"outside an interchange", "a message after UNZ without its UNB");
	refused("", "no interchange", "an empty input");
	refused("hello\nworld\n", "no interchange", "text that is no interchange");
	refused(edit(D05B, "NAD+FL+++HOXHA:ARBER'", "NAD+FL+++HOXHA:ARBER"),
		"UNT counts 28 segments, message 1 has 27",
		"a segment terminator missing (two segments run together)");
	{
		char *big = malloc(6000);

		memset(big, 'A', 5999);
		big[5999] = '\0';
		memcpy(big, "UNB+UNOA:4+X+Y+1:1+1'FTX+", 25);
		refused(big, "longer than 4096 bytes", "a segment over 4096 bytes");
		free(big);
	}
	/* every cut of a valid interchange before its last terminator is refused */
	for (size_t n = 0; cut && n < last; n++) {
		memcpy(cut, US_D02B, n);
		cut[n] = '\0';
		if (tims_paxlst_parse(cut, n, &opt, &p, &err) == TIMS_OK) {
			bad++;
			tims_paxlst_release(&p);
		}
	}
	T_OK(bad == 0, "every one of the %zu truncations of the example is refused (%zu accepted)",
	     last, bad);
	free(cut);
	T_OK(tims_paxlst_parse(US_D02B, TIMS_PAXLST_MAX_BYTES + 1, &opt, &p, &err) == TIMS_ERR_TOOBIG,
	     "more than 64 MiB refused before reading");
}

int main(void)
{
	test_us();
	test_d05b();
	test_legs_and_envelopes();
	test_lenient();
	test_strict();
	return t_done();
}
