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
