/*
 * countries.c — the ICAO Doc 9303 Part 3 code list for issuing states and
 * nationalities, and its constant-time lookup.
 *
 * Doc 9303 uses the ISO 3166-1 alpha-3 codes, plus codes of its own: D for
 * Germany (printed "D<<"), the British nationality classes GBD GBN GBO GBP
 * GBS, the United Nations (UNO, UNA, UNK for UNMIK-Kosovo), stateless persons
 * and refugees (XXA, XXB, XXC), unspecified nationality (XXX), the European
 * Union (EUE), Kosovo (RKS, XXK) and the organisations that issue travel
 * documents (XBA African Development Bank, XCC Caribbean Community, XCE
 * Council of Europe, XCO COMESA, XDC SADC, XEC ECOWAS, XES OECS, XIM
 * Afreximbank, XMP Parliamentary Assembly of the Council of Europe, XOM
 * Sovereign Military Order of Malta, XPO INTERPOL). UTO (Utopia) is the
 * specimen state of the ICAO examples. ANT (Netherlands Antilles) and NTZ
 * (Neutral Zone) are no longer issued but old documents still show them.
 *
 * The ISO list is the 249 codes of ISO 3166-1 (the same in Debian's
 * iso-codes and in the npm `mrz` package). The parser looks a code up once
 * or twice per document, so the list is expanded at first use into a table
 * indexed by the three characters (27^3 bytes: A-Z and '<'), built once
 * under pthread_once and read-only afterwards.
 */
#include <pthread.h>
#include <string.h>

#include "tims/mrz.h"

static const char iso_codes[] =
	"ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA "
	"ATF ATG AUS AUT AZE BDI BEL BEN BES BFA BGD BGR "
	"BHR BHS BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN "
	"BVT BWA CAF CAN CCK CHE CHL CHN CIV CMR COD COG "
	"COK COL COM CPV CRI CUB CUW CXR CYM CYP CZE DEU "
	"DJI DMA DNK DOM DZA ECU EGY ERI ESH ESP EST ETH "
	"FIN FJI FLK FRA FRO FSM GAB GBR GEO GGY GHA GIB "
	"GIN GLP GMB GNB GNQ GRC GRD GRL GTM GUF GUM GUY "
	"HKG HMD HND HRV HTI HUN IDN IMN IND IOT IRL IRN "
	"IRQ ISL ISR ITA JAM JEY JOR JPN KAZ KEN KGZ KHM "
	"KIR KNA KOR KWT LAO LBN LBR LBY LCA LIE LKA LSO "
	"LTU LUX LVA MAC MAF MAR MCO MDA MDG MDV MEX MHL "
	"MKD MLI MLT MMR MNE MNG MNP MOZ MRT MSR MTQ MUS "
	"MWI MYS MYT NAM NCL NER NFK NGA NIC NIU NLD NOR "
	"NPL NRU NZL OMN PAK PAN PCN PER PHL PLW PNG POL "
	"PRI PRK PRT PRY PSE PYF QAT REU ROU RUS RWA SAU "
	"SDN SEN SGP SGS SHN SJM SLB SLE SLV SMR SOM SPM "
	"SRB SSD STP SUR SVK SVN SWE SWZ SXM SYC SYR TCA "
	"TCD TGO THA TJK TKL TKM TLS TON TTO TUN TUR TUV "
	"TWN TZA UGA UKR UMI URY USA UZB VAT VCT VEN VGB "
	"VIR VNM VUT WLF WSM YEM ZAF ZMB ZWE ";

static const char icao_codes[] =
	"D<< EUE GBD GBN GBO GBP GBS RKS UNA UNK UNO XBA XCC XCE XCO XDC "
	"XEC XES XIM XMP XOM XPO XXA XXB XXC XXK XXX ";
static const char specimen_codes[] = "UTO ";
static const char historical_codes[] = "ANT NTZ ";

#define SYMBOLS 27 /* A-Z, then '<' */

static unsigned char table[SYMBOLS * SYMBOLS * SYMBOLS];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static int symbol(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c == '<')
		return 26;
	return -1;
}

static int code_index(const char code[3])
{
	int a = symbol((unsigned char)code[0]), b = symbol((unsigned char)code[1]),
	    c = symbol((unsigned char)code[2]);

	if (a < 0 || b < 0 || c < 0)
		return -1;
	return (a * SYMBOLS + b) * SYMBOLS + c;
}

static void add_list(const char *list, enum tims_mrz_country kind)
{
	/* Each entry is three characters and a space. */
	for (const char *p = list; p[0] && p[1] && p[2]; p += 4) {
		int i = code_index(p);

		if (i >= 0)
			table[i] = (unsigned char)kind;
	}
}

static void build_table(void)
{
	add_list(iso_codes, TIMS_MRZ_COUNTRY_ISO);
	add_list(icao_codes, TIMS_MRZ_COUNTRY_ICAO);
	add_list(specimen_codes, TIMS_MRZ_COUNTRY_SPECIMEN);
	add_list(historical_codes, TIMS_MRZ_COUNTRY_HISTORICAL);
}

enum tims_mrz_country tims_mrz_country_kind(const char code[3])
{
	int i = code_index(code);

	pthread_once(&table_once, build_table);
	if (i < 0)
		return TIMS_MRZ_COUNTRY_UNKNOWN;
	return (enum tims_mrz_country)table[i];
}

/*
 * One document, two spellings of its issuing state (or of a nationality).
 * The MRZ says what Doc 9303 Part 3 prints; a carrier's passenger list
 * (PAXLST LOC+91, NAT+2), a watchlist feed or an officer typing a code often
 * says ISO 3166-1 alpha-3, or a code of its own. Each row below is a pair
 * where the same physical document (or the same nationality) is written two
 * ways; codes that name different issuers are never folded:
 *
 *  - D -> DEU. Doc 9303 Part 3 keeps Germany's one-letter "D" (printed
 *    "D<<") in the MRZ of German documents; ISO 3166-1, and so carriers'
 *    API lists and most lost/stolen document feeds, write DEU.
 *  - XKX, XXK -> RKS. Kosovo's passports print RKS in their MRZ. ISO 3166-1
 *    has no code for Kosovo: the European Commission and carriers use the
 *    user-assigned XK/XKX, and code lists that follow the MRZ tables (the
 *    npm `mrz` package, the list above) carry XXK. All three name the
 *    Republic of Kosovo's own documents. UNK is NOT folded in: it is
 *    UNMIK's travel document, issued by the United Nations, another issuer
 *    and another document.
 *  - GBD, GBN, GBO, GBP, GBS -> GBR, for the issuing state only. Doc 9303
 *    Part 3 lists these as the British nationality classes (Overseas
 *    Territories citizen, National (Overseas), Overseas citizen, Protected
 *    person, Subject); their passports are all issued by the United
 *    Kingdom, whose issuing-state code in the MRZ is GBR, and lists that
 *    copy the holder's class into the issuer field name that same passport.
 *    As a nationality they stay apart: a British Overseas Territories
 *    citizen is not a British citizen.
 *
 * Not folded: UNO, UNA, UNK (the United Nations' own documents, each its
 * issuer), XXA, XXB, XXC, XXX (stateless, refugee, unspecified: a document's
 * holder, never the same as a state's), EUE and the X.. organisations.
 */
struct state_alias {
	char code[4], canon[4];
	int issuer_only;
};

static const struct state_alias state_aliases[] = {
	{ "D", "DEU", 0 },
	{ "XKX", "RKS", 0 },
	{ "XXK", "RKS", 0 },
	{ "GBD", "GBR", 1 },
	{ "GBN", "GBR", 1 },
	{ "GBO", "GBR", 1 },
	{ "GBP", "GBR", 1 },
	{ "GBS", "GBR", 1 },
};

void tims_mrz_state_norm(const char *in, enum tims_mrz_state_use use, char *out, size_t cap)
{
	size_t o = 0;

	if (!cap)
		return;
	for (; in && *in && o + 1 < cap; in++) {
		unsigned char c = (unsigned char)*in;

		if (c == '<' || c == ' ')
			continue;
		out[o++] = (char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
	}
	out[o] = '\0';
	if (o > 3)
		return;
	for (size_t i = 0; i < sizeof(state_aliases) / sizeof(state_aliases[0]); i++) {
		const struct state_alias *a = &state_aliases[i];

		if (a->issuer_only && use != TIMS_MRZ_STATE_ISSUER)
			continue;
		if (!strcmp(out, a->code)) {
			if (cap > strlen(a->canon))
				memcpy(out, a->canon, strlen(a->canon) + 1);
			return;
		}
	}
}

int tims_mrz_state_same(const char *a, const char *b, enum tims_mrz_state_use use)
{
	char x[TIMS_MRZ_STATE_NORM], y[TIMS_MRZ_STATE_NORM];

	if (!a || !b)
		return 0;
	if (!strcmp(a, b))
		return 1;
	/* longer than any code: compared as given, never cut to look alike */
	if (strlen(a) >= sizeof(x) || strlen(b) >= sizeof(y))
		return 0;
	tims_mrz_state_norm(a, use, x, sizeof(x));
	tims_mrz_state_norm(b, use, y, sizeof(y));
	return !strcmp(x, y);
}

size_t tims_mrz_state_spellings(const char *in, enum tims_mrz_state_use use,
				char out[][TIMS_MRZ_STATE_NORM], size_t max)
{
	char canon[TIMS_MRZ_STATE_NORM];
	size_t n = 0;

	if (!max)
		return 0;
	tims_mrz_state_norm(in, use, canon, sizeof(canon));
	memcpy(out[n++], canon, sizeof(canon));
	for (size_t i = 0; i < sizeof(state_aliases) / sizeof(state_aliases[0]) && n < max; i++) {
		const struct state_alias *a = &state_aliases[i];

		if ((a->issuer_only && use != TIMS_MRZ_STATE_ISSUER) || strcmp(a->canon, canon))
			continue;
		memset(out[n], 0, TIMS_MRZ_STATE_NORM);
		memcpy(out[n++], a->code, strlen(a->code) + 1);
	}
	return n;
}

int tims_mrz_state_alias(size_t i, const char **code, const char **canon, int *issuer_only)
{
	if (i >= sizeof(state_aliases) / sizeof(state_aliases[0]))
		return 0;
	*code = state_aliases[i].code;
	*canon = state_aliases[i].canon;
	*issuer_only = state_aliases[i].issuer_only;
	return 1;
}
