/*
 * test_record.c — crossing records: the canonical encoding byte for byte
 * (the vectors of docs/formats.md), strict decoding, the salted leaf entry,
 * the JSON import line parser's errors, and the calendar helpers.
 */
#include <sodium.h>

#include "t.h"
#include "tims/record.h"
#include "tims/util.h"

/* docs/formats.md, vector 1: the smallest valid record. */
static void vector1_record(struct tims_record *r)
{
	tims_record_init(r);
	r->direction = TIMS_DIR_ENTRY;
	r->time_ms = 1714557600000; /* 2024-05-01T10:00:00Z */
	snprintf(r->officer, sizeof(r->officer), "O1");
	snprintf(r->booth, sizeof(r->booth), "B1");
	snprintf(r->person.doc_number, sizeof(r->person.doc_number), "L898902C3");
	snprintf(r->person.surname, sizeof(r->person.surname), "ERIKSSON");
	r->decision = TIMS_DECISION_ADMIT;
}

static const char vector1_hex[] =
	"01" "01" "0000018f3398c100" "0000000000000000" /* v, dir, time, crossed */
	"0000" "00024f31" "00024231"                     /* id, officer, booth */
	"0000" "0000" "00094c38393839303243 33"          /* doc_code, issuer, number */
	"00084552494b53534f4e"                           /* surname */
	"0000" "0000" "0000" "0000" "0000"               /* given..expiry */
	"0000" "00"                                      /* remarks, role */
	"0000" "0000" "0000" "0000"                      /* vehicle */
	"00" "01" "0000" "0000"                          /* companions, decision, code, screening */
	"ffffffffffffffff" "0000";                       /* corrects, reason */

/* docs/formats.md, vector 2: every kind of field. */
static void vector2_record(struct tims_record *r)
{
	tims_record_init(r);
	r->direction = TIMS_DIR_EXIT;
	r->time_ms = 1714557600123;
	r->crossed_ms = 1714550400000; /* 2024-05-01T08:00:00Z */
	snprintf(r->ref, sizeof(r->ref), "paper-7");
	snprintf(r->officer, sizeof(r->officer), "O2");
	snprintf(r->booth, sizeof(r->booth), "L3");
	snprintf(r->person.doc_code, sizeof(r->person.doc_code), "P");
	snprintf(r->person.issuer, sizeof(r->person.issuer), "D");
	snprintf(r->person.doc_number, sizeof(r->person.doc_number), "C01X00T47");
	snprintf(r->person.surname, sizeof(r->person.surname), "MÜLLER");
	snprintf(r->person.given_names, sizeof(r->person.given_names), "ANNA");
	snprintf(r->person.nationality, sizeof(r->person.nationality), "D");
	snprintf(r->person.birth_date, sizeof(r->person.birth_date), "1983-08-12");
	snprintf(r->person.sex, sizeof(r->person.sex), "F");
	snprintf(r->person.expiry, sizeof(r->person.expiry), "2031-10-31");
	r->role = TIMS_VROLE_DRIVER;
	snprintf(r->vehicle.plate, sizeof(r->vehicle.plate), "B-AB 123");
	snprintf(r->vehicle.country, sizeof(r->vehicle.country), "D");
	r->ncompanions = 1;
	r->companions[0].relation = TIMS_REL_MINOR;
	snprintf(r->companions[0].issuer, sizeof(r->companions[0].issuer), "D");
	snprintf(r->companions[0].doc_number, sizeof(r->companions[0].doc_number), "K1");
	r->decision = TIMS_DECISION_REFUSE;
	snprintf(r->refusal_code, sizeof(r->refusal_code), "E");
	r->corrects = 5;
	snprintf(r->reason, sizeof(r->reason), "typo");
}

static const char vector2_hex[] =
	"01" "02" "0000018f3398c17b" "0000018f332ae400"
	"00077061706572 2d37" "00024f32" "00024c33"
	"000150" "000144" "0009433031583030543437"
	"00074dc39c4c4c4552" "0004414e4e41" "000144"
	"000a313938332d30382d3132" "000146" "000a323033312d31302d3331"
	"0000" "01"
	"0008422d414220313233" "000144" "0000" "0000"
	"01" "02" "000144" "00024b31"
	"02" "000145" "0000"
	"0000000000000005" "000474797 06f";

/* docs/formats.md, vector 3: vector 1 written as version 2 (defaults). */
static const char vector3_hex[] =
	"02" "01" "0000018f3398c100" "0000000000000000"
	"0000" "00024f31" "00024231"
	"0000" "0000" "00094c38393839303243 33"
	"00084552494b53534f4e"
	"0000" "0000" "0000" "0000" "0000"
	"0000" "00"
	"0000" "0000" "0000" "0000"
	"00" "01" "0000" "0000"
	"ffffffffffffffff" "0000"
	"00" "00" "0000" "0000" "00" "0000"  /* status, hits, check, confirmed, mode, approver */
	"ffffffffffffffff"                   /* accompanies */
	"00" "0000" "0000" "0000" "0000" "00" "0000"; /* visa */

/* docs/formats.md, vector 4: every version 2 field. */
static void vector4_record(struct tims_record *r)
{
	vector1_record(r);
	snprintf(r->person.nationality, sizeof(r->person.nationality), "UTO");
	r->screen_status = TIMS_SCREEN_DONE;
	r->nhits = 2;
	r->hits[0].part = TIMS_HIT_PERSON;
	snprintf(r->hits[0].list, sizeof(r->hits[0].list), "wanted");
	snprintf(r->hits[0].ref, sizeof(r->hits[0].ref), "W-1");
	snprintf(r->hits[0].alert, sizeof(r->hits[0].alert), "arrest");
	r->hits[0].version = 7;
	r->hits[0].score_pm = 950;
	r->hits[1].part = TIMS_HIT_DOCUMENT;
	r->hits[1].discreet = 1;
	snprintf(r->hits[1].list, sizeof(r->hits[1].list), "sis");
	snprintf(r->hits[1].ref, sizeof(r->hits[1].ref), "D-2");
	r->hits[1].version = 3;
	r->hits[1].score_pm = 1000;
	snprintf(r->check_id, sizeof(r->check_id), "c1");
	snprintf(r->confirmed_hit, sizeof(r->confirmed_hit), "wanted/W-1");
	r->entry_mode = TIMS_ENTRY_MANUAL;
	snprintf(r->approver, sizeof(r->approver), "S1");
	r->accompanies = 4;
	r->visa.kind = TIMS_VISA_SHORT;
	snprintf(r->visa.number, sizeof(r->visa.number), "V1");
	snprintf(r->visa.issuer, sizeof(r->visa.issuer), "D");
	snprintf(r->visa.valid_from, sizeof(r->visa.valid_from), "2024-04-01");
	snprintf(r->visa.valid_until, sizeof(r->visa.valid_until), "2024-06-30");
	r->visa.entries = 2;
	r->visa.duration_days = 30;
}

static const char vector4_hex[] =
	"02" "01" "0000018f3398c100" "0000000000000000"
	"0000" "00024f31" "00024231"
	"0000" "0000" "00094c3839383930324333"
	"00084552494b53534f4e"
	"0000" "000355544f" "0000" "0000" "0000"
	"0000" "00"
	"0000" "0000" "0000" "0000"
	"00" "01" "0000" "0000"
	"ffffffffffffffff" "0000"
	"01" "02"                                        /* done, 2 hits */
	"02" "00" "000677616e746564" "0003572d31" "0006617272657374"
	"0000000000000007" "03b6"                        /* person, wanted/W-1, 950 */
	"01" "01" "0003736973" "0003442d32" "0000"
	"0000000000000003" "03e8"                        /* document, discreet, sis/D-2 */
	"00026331" "000a77616e7465642f572d31"            /* check_id, confirmed_hit */
	"01" "00025331" "0000000000000004"               /* manual, approver, accompanies */
	"01" "00025631" "000144" "000a323032342d30342d3031" "000a323032342d30362d3330"
	"02" "001e";                                     /* visa */

static void unspace(const char *in, char *out, size_t n)
{
	size_t j = 0;

	for (; *in && j + 1 < n; in++)
		if (*in != ' ')
			out[j++] = *in;
	out[j] = '\0';
}

static void check_vector(const char *name, void (*make)(struct tims_record *),
			 unsigned version, const char *want_spaced)
{
	struct tims_record r, back;
	struct tims_buf enc = TIMS_BUF_INIT(TIMS_RECORD_MAX_BYTES);
	struct tims_buf hex = TIMS_BUF_INIT(2 * TIMS_RECORD_MAX_BYTES);
	struct tims_buf again = TIMS_BUF_INIT(TIMS_RECORD_MAX_BYTES);
	struct tims_err err;
	char want[1024], what[80];

	make(&r);
	unspace(want_spaced, want, sizeof(want));
	snprintf(what, sizeof(what), "%s: encodes to the documented bytes", name);
	T_OK(tims_record_encode_version(&r, version, &enc, &err) == TIMS_OK,
	     "%s: encodes (%s)", name, err.msg);
	tims_buf_addhex(&hex, (const uint8_t *)enc.buf, enc.len);
	T_EQ_STR(tims_buf_str(&hex), want, what);
	T_OK(tims_record_decode(enc.buf, enc.len, &back, &err) == TIMS_OK,
	     "%s: decodes (%s)", name, err.msg);
	T_OK(tims_record_encode_version(&back, version, &again, &err) == TIMS_OK &&
	     again.len == enc.len && !memcmp(again.buf, enc.buf, enc.len),
	     "%s: decode then encode gives the same bytes", name);
	T_OK(!strcmp(back.person.surname, r.person.surname) &&
	     back.corrects == r.corrects && back.time_ms == r.time_ms,
	     "%s: decoded fields equal the original", name);
	/* Every truncation is refused, never read past. */
	{
		size_t bad = 0;

		for (size_t n = 0; n < enc.len; n++)
			if (tims_record_decode(enc.buf, n, &back, NULL) != TIMS_ERR_INVALID)
				bad++;
		T_EQ_INT(bad, 0, "decoder refuses every truncation");
	}
	tims_buf_release(&enc);
	tims_buf_release(&hex);
	tims_buf_release(&again);
}

static void test_decode_strict(void)
{
	struct tims_record r, back;
	struct tims_buf enc = TIMS_BUF_INIT(TIMS_RECORD_MAX_BYTES);
	struct tims_err err;
	char *p;

	vector1_record(&r);
	tims_record_encode_version(&r, 1, &enc, &err);
	tims_buf_addch(&enc, 0);
	T_OK(tims_record_decode(enc.buf, enc.len, &back, &err) == TIMS_ERR_INVALID,
	     "decode: a trailing byte is refused");
	T_EQ_STR(err.msg, "record: 1 bytes after the last field", "decode: trailing bytes named");
	tims_buf_setlen(&enc, enc.len - 1);
	p = enc.buf;
	p[0] = 4;
	T_OK(tims_record_decode(enc.buf, enc.len, &back, &err) == TIMS_ERR_INVALID,
	     "decode: version 4 is refused");
	T_EQ_STR(err.msg, "record: version 4 not supported", "decode: version named");
	p[0] = 2;
	T_OK(tims_record_decode(enc.buf, enc.len, &back, &err) == TIMS_ERR_INVALID,
	     "decode: version 1 bytes labelled version 2 are refused (truncated)");
	p[0] = 1;
	p[1] = 3;
	T_OK(tims_record_decode(enc.buf, enc.len, &back, &err) == TIMS_ERR_INVALID,
	     "decode: an unknown direction is refused");
	T_EQ_STR(err.msg, "direction: must be entry or exit", "decode: direction named");
	p[1] = 1;
	/* surname "ERIKSSON" -> invalid UTF-8 byte inside it */
	p[enc.len - 69] = (char)0xff;
	T_OK(tims_record_decode(enc.buf, enc.len, &back, &err) == TIMS_ERR_INVALID,
	     "decode: invalid UTF-8 is refused (%s)", err.msg);
	tims_buf_release(&enc);
}

static void test_check(void)
{
	struct tims_record r;
	struct tims_err err;

	vector1_record(&r);
	T_OK(tims_record_check(&r, &err) == TIMS_OK, "check: vector 1 is valid");
	r.decision = TIMS_DECISION_REFUSE;
	T_OK(tims_record_check(&r, &err) == TIMS_ERR_INVALID, "check: refusal without code refused");
	T_EQ_STR(err.msg, "refusal_code: a refusal needs a reason code", "check: refusal code named");
	vector1_record(&r);
	snprintf(r.person.sex, sizeof(r.person.sex), "Q");
	T_OK(tims_record_check(&r, &err) == TIMS_ERR_INVALID, "check: refused");
	T_EQ_STR(err.msg, "person.sex: must be M, F or X", "check: sex named");
	vector1_record(&r);
	snprintf(r.person.birth_date, sizeof(r.person.birth_date), "2023-02-29");
	T_OK(tims_record_check(&r, &err) == TIMS_ERR_INVALID, "check: refused");
	T_EQ_STR(err.msg, "person.birth_date: no such date 2023-02-29", "check: impossible date named");
	vector1_record(&r);
	r.corrects = 3;
	T_OK(tims_record_check(&r, &err) == TIMS_ERR_INVALID, "check: refused");
	T_EQ_STR(err.msg, "reason: a correction needs a reason", "check: correction needs a reason");
	vector1_record(&r);
	r.role = TIMS_VROLE_PASSENGER;
	T_OK(tims_record_check(&r, &err) == TIMS_ERR_INVALID, "check: refused");
	T_EQ_STR(err.msg, "vehicle.plate: a driver or passenger needs the vehicle's plate",
		 "check: a role needs a vehicle");
	vector1_record(&r);
	r.person.doc_number[0] = '\0';
	T_OK(tims_record_check(&r, &err) == TIMS_ERR_INVALID, "check: refused");
	T_EQ_STR(err.msg, "person.number: missing", "check: document number required");
	vector1_record(&r);
	snprintf(r.person.doc_number, sizeof(r.person.doc_number), "ab12");
	T_OK(tims_record_check(&r, &err) == TIMS_ERR_INVALID, "check: refused");
	T_EQ_STR(err.msg, "person.number: only A-Z and 0-9 allowed", "check: document number charset");
}

static void test_entry(void)
{
	struct tims_record r;
	struct tims_buf enc = TIMS_BUF_INIT(TIMS_RECORD_MAX_BYTES);
	struct tims_buf hex = TIMS_BUF_INIT(1024);
	uint8_t salt[TIMS_RECORD_SALT_BYTES], entry[TIMS_RECORD_ENTRY_BYTES];
	uint8_t pre[1 + TIMS_RECORD_ENTRY_BYTES], leaf[32];

	for (int i = 0; i < TIMS_RECORD_SALT_BYTES; i++)
		salt[i] = (uint8_t)i;
	vector1_record(&r);
	tims_record_encode_version(&r, 1, &enc, NULL);
	tims_record_entry(salt, enc.buf, enc.len, r.time_ms, entry);
	tims_buf_addhex(&hex, entry, sizeof(entry));
	T_EQ_STR(tims_buf_str(&hex),
		 "01010000018f3398c100"
		 "56449dc004fc4513ac46ee5a13de04299425d35ee12f9cb79b27615385a8b62b",
		 "entry: vector 1 with salt 00..1f gives the documented entry");
	pre[0] = 0;
	memcpy(pre + 1, entry, sizeof(entry));
	crypto_hash_sha256(leaf, pre, sizeof(pre));
	tims_buf_reset(&hex);
	tims_buf_addhex(&hex, leaf, sizeof(leaf));
	T_EQ_STR(tims_buf_str(&hex),
		 "44bf598a1079cc0a0ccd9518aeff0c1db23ac4e4d38f607f17f3c0e883057b0c",
		 "entry: vector 1 leaf hash (RFC 6962) is the documented one");
	T_EQ_INT(tims_record_entry_time(entry), r.time_ms, "entry: carries the post time");
	salt[0] ^= 1;
	{
		uint8_t e2[TIMS_RECORD_ENTRY_BYTES];

		tims_record_entry(salt, enc.buf, enc.len, r.time_ms, e2);
		T_OK(memcmp(e2, entry, sizeof(e2)), "entry: another salt gives another commitment");
	}
	tims_buf_release(&enc);
	tims_buf_release(&hex);
}

static void test_json(void)
{
	static const struct {
		const char *line;
		const char *msg; /* NULL: valid */
	} cases[] = {
		{ "{\"direction\":\"entry\",\"officer\":\"O1\",\"booth\":\"B1\","
		  "\"person\":{\"number\":\"L898902C3\",\"surname\":\"ERIKSSON\"}}", NULL },
		{ "{\"id\":\"x-1\",\"direction\":\"exit\",\"officer\":\"O1\",\"booth\":\"B1\","
		  "\"person\":{\"number\":\"L1\",\"surname\":\"A\",\"birth_date\":\"1990-01-31\"},"
		  "\"vehicle\":{\"plate\":\"AB 1\"},\"role\":\"driver\","
		  "\"companions\":[{\"relation\":\"minor\",\"number\":\"K1\"}],"
		  "\"decision\":\"refuse\",\"refusal_code\":\"E\","
		  "\"crossed_at\":\"2024-05-01T08:00:00Z\",\"corrects\":3,\"reason\":\"typo\"}", NULL },
		{ "{\"direction\":\"entry\",\"officer\":\"O1\",\"booth\":\"B1\","
		  "\"person\":{\"number\":\"L1\",\"surname\":\"A\",\"eyes\":\"blue\"}}",
		  "person.eyes: unknown field" },
		{ "{\"direction\":\"entry\",\"officer\":\"O1\",\"booth\":\"B1\",\"colour\":1,"
		  "\"person\":{\"number\":\"L1\",\"surname\":\"A\"}}",
		  "colour: unknown field" },
		{ "{\"direction\":\"sideways\"}", "direction: must be entry or exit" },
		{ "{\"direction\":1}", "direction: must be a string (entry or exit)" },
		{ "{\"officer\":7}", "officer: must be a string" },
		{ "{\"person\":{\"birth_date\":\"1990-13-01\"},\"direction\":\"entry\","
		  "\"officer\":\"O\",\"booth\":\"B\"}",
		  "person.birth_date: no such date 1990-13-01" },
		{ "{\"person\":{\"birth_date\":\"12.08.1974\"}}",
		  NULL /* checked after all keys: see below */ },
		{ "{\"direction\":\"entry\",\"direction\":\"exit\"}",
		  "not JSON: duplicate object key near '\"direction\"' at column 32" },
		{ "[1,2]", "must be a JSON object" },
		{ "{\"direction\":\"entry\"", "not JSON: '}' expected near end of file at column 20" },
		{ "{\"time\":\"2024-01-01T00:00:00Z\"}",
		  "time: set by the post, not by the input (use crossed_at)" },
		{ "{\"decision\":\"maybe\"}", "decision: must be admit, refuse or second-line" },
		{ "{\"corrects\":-1}", "corrects: must be a log index (an integer >= 0)" },
		{ "{\"corrects\":1.5}", "corrects: must be a log index (an integer >= 0)" },
		{ "{\"crossed_at\":\"2024-05-01 08:00\"}",
		  "crossed_at: not a time, want YYYY-MM-DDTHH:MM:SSZ" },
		{ "{\"companions\":[{\"relation\":\"cousin\",\"number\":\"A\"}]}",
		  "companions[0].relation: must be companion, minor or guardian" },
		{ "{\"direction\":\"entry\",\"officer\":\"O1\",\"booth\":\"B1\","
		  "\"person\":{\"number\":\"L1\"}}", "person.surname: missing" },
	};
	struct tims_record r;
	struct tims_err err;

	for (size_t i = 0; i < TIMS_ARRAY_SIZE(cases); i++) {
		tims_rc rc = tims_record_from_json(cases[i].line, strlen(cases[i].line), &r, &err);

		if (i == 8) {
			T_EQ_STR(err.msg, "person.birth_date: not a date, want YYYY-MM-DD",
				 "json: a date in another format is refused, naming the field");
			continue;
		}
		if (!cases[i].msg) {
			T_OK(rc == TIMS_OK, "json case %zu: valid line parses (%s)", i,
			     rc ? err.msg : "ok");
			continue;
		}
		T_OK(rc != TIMS_OK, "json case %zu: refused", i);
		T_EQ_STR(err.msg, cases[i].msg, cases[i].msg);
	}
	{
		char big[300];

		memset(big, 'A', sizeof(big));
		big[sizeof(big) - 1] = '\0';
		char line[512];

		snprintf(line, sizeof(line), "{\"booth\":\"%s\"}", big);
		tims_record_from_json(line, strlen(line), &r, &err);
		T_EQ_STR(err.msg, "booth: longer than 127 bytes", "json: an oversized field is refused");
	}
	T_OK(tims_record_from_json("{}", 70000, &r, &err) == TIMS_ERR_TOOBIG,
	     "json: a line over 64 KiB is refused");
	{
		static const char nul[] = "{\"booth\":\"a\\u0000b\"}";

		T_OK(tims_record_from_json(nul, strlen(nul), &r, &err) != TIMS_OK,
		     "json: a NUL inside a string is refused");
	}
}

static void test_json_roundtrip(void)
{
	struct tims_record r, back;
	struct tims_buf js = TIMS_BUF_INIT(TIMS_RECORD_MAX_LINE);
	struct tims_buf a = TIMS_BUF_INIT(TIMS_RECORD_MAX_BYTES);
	struct tims_buf b = TIMS_BUF_INIT(TIMS_RECORD_MAX_BYTES);
	struct tims_err err;

	vector2_record(&r);
	r.time_ms = 0; /* the post sets it; the input never carries it */
	T_OK(tims_record_to_json(&r, &js) == TIMS_OK, "json: writes a record");
	T_OK(tims_record_from_json(js.buf, js.len, &back, &err) == TIMS_OK,
	     "json: reads back what it wrote (%s)", err.msg);
	tims_record_encode(&r, &a, NULL);
	tims_record_encode(&back, &b, NULL);
	T_OK(a.len == b.len && !memcmp(a.buf, b.buf, a.len),
	     "json: the round trip keeps the canonical encoding");
	tims_buf_release(&js);
	tims_buf_release(&a);
	tims_buf_release(&b);
}

static void test_dates(void)
{
	int64_t d, ms;
	struct tims_buf b = TIMS_BUF_INIT(64);
	struct tims_err err;

	T_EQ_INT(tims_days_from_civil(1970, 1, 1), 0, "date: epoch is day 0");
	T_EQ_INT(tims_days_from_civil(2000, 3, 1), 11017, "date: 2000-03-01 is day 11017");
	T_OK(tims_date_parse("2024-02-29", &d, "d", &err) == TIMS_OK, "date: leap day parses");
	tims_date_format(d, &b);
	T_EQ_STR(tims_buf_str(&b), "2024-02-29", "date: formats back");
	T_OK(tims_date_parse("1900-02-29", &d, "d", &err) != TIMS_OK, "date: 1900 was not a leap year");
	T_OK(tims_time_parse("2024-05-01T10:00:00.123Z", &ms, "t", &err) == TIMS_OK &&
	     ms == 1714557600123, "time: parses with milliseconds");
	tims_buf_reset(&b);
	tims_time_format(ms, &b);
	T_EQ_STR(tims_buf_str(&b), "2024-05-01T10:00:00.123Z", "time: formats back");
	T_EQ_INT(tims_day_of_ms(-1), -1, "time: the millisecond before the epoch is day -1");
	tims_buf_release(&b);
}

static void test_v2_version1(void)
{
	struct tims_record r, back;
	struct tims_buf enc = TIMS_BUF_INIT(TIMS_RECORD_MAX_BYTES);
	struct tims_err err;

	vector2_record(&r);
	tims_record_encode_version(&r, 1, &enc, &err);
	T_OK(tims_record_decode(enc.buf, enc.len, &back, &err) == TIMS_OK &&
	     back.screen_status == TIMS_SCREEN_NOT_SCREENED && !back.nhits &&
	     back.accompanies == TIMS_RECORD_NO_INDEX &&
	     back.entry_mode == TIMS_ENTRY_READ && !back.visa.kind,
	     "v1: a version 1 record still decodes, version 2 fields at their defaults");
	T_EQ_INT(tims_record_encoded_version(enc.buf, enc.len), 1, "v1: its version is 1");
	tims_buf_reset(&enc);
	T_OK(tims_record_encode(&r, &enc, &err) == TIMS_OK &&
	     tims_record_encoded_version(enc.buf, enc.len) == 2,
	     "v2: new records are written as version 2");
	vector4_record(&r);
	tims_buf_reset(&enc);
	T_OK(tims_record_encode_version(&r, 1, &enc, &err) == TIMS_ERR_INVALID,
	     "v1: a record with version 2 fields cannot be written as version 1");
	vector1_record(&r);
	r.decision = TIMS_DECISION_REFUSE;
	snprintf(r.refusal_code, sizeof(r.refusal_code), "B,E");
	tims_buf_reset(&enc);
	T_OK(tims_record_encode_version(&r, 1, &enc, &err) == TIMS_ERR_INVALID,
	     "v1: a list of refusal codes needs version 2");
	tims_buf_release(&enc);
}

static void test_v2_check(void)
{
	struct tims_record r;
	struct tims_err err;

	vector4_record(&r);
	T_OK(tims_record_check(&r, &err) == TIMS_OK, "v2 check: vector 4 is valid (%s)", err.msg);
#define REFUSED(WHAT_, MSG_) do { \
		T_OK(tims_record_check(&r, &err) == TIMS_ERR_INVALID, "v2 check: %s refused", WHAT_); \
		T_EQ_STR(err.msg, MSG_, "v2 check: " WHAT_ " named"); \
		vector4_record(&r); \
	} while (0)
	r.hits[0].part = 9;
	REFUSED("unknown hit part", "hits[0].part: must be document, person or vehicle");
	r.hits[0].score_pm = 1001;
	REFUSED("score over 1000", "hits[0].score_pm: 1001, at most 1000");
	r.hits[1].list[0] = '\0';
	REFUSED("hit without list", "hits[1].list: missing");
	r.hits[0].ref[0] = '\0';
	REFUSED("hit without ref", "hits[0].ref: missing");
	r.hits[0].discreet = 2;
	REFUSED("discreet not 0/1", "hits[0].discreet: must be 0 or 1");
	r.screen_status = TIMS_SCREEN_NOT_SCREENED;
	REFUSED("hits without screening", "hits: a record that was not screened has none");
	r.screen_status = 4;
	REFUSED("unknown screen status", "screen_status: must be not-screened, done, failed or unavailable");
	r.nhits = TIMS_RECORD_MAX_HITS + 1;
	REFUSED("too many hits", "hits: more than 8");
	snprintf(r.screening, sizeof(r.screening), "no hits");
	REFUSED("client text on a screened record",
		"screening: a screened record carries its outcome in screen_status and hits, not as text");
	r.confirmed_hit[0] = '\0';
	REFUSED("admit with a hit, unconfirmed",
		"confirmed_hit: admitting with a hit needs the hit confirmed (list/ref)");
	snprintf(r.confirmed_hit, sizeof(r.confirmed_hit), "sis/D-2");
	REFUSED("confirming a discreet hit", "confirmed_hit: names a discreet hit");
	snprintf(r.confirmed_hit, sizeof(r.confirmed_hit), "wanted/W-9");
	REFUSED("confirming another hit", "confirmed_hit: names no hit of this record (want list/ref)");
	r.decision = TIMS_DECISION_SECOND_LINE;
	REFUSED("confirming without admitting", "confirmed_hit: only an admission confirms a hit");
	r.entry_mode = 3;
	REFUSED("unknown entry mode", "entry_mode: must be read, manual or paper");
	snprintf(r.visa.valid_until, sizeof(r.visa.valid_until), "2024-03-31");
	REFUSED("visa dates out of order", "visa.valid_until: before valid_from");
	snprintf(r.visa.valid_from, sizeof(r.visa.valid_from), "2024-02-30");
	REFUSED("visa impossible date", "visa.valid_from: no such date 2024-02-30");
	r.visa.valid_from[0] = '\0';
	REFUSED("visa without start", "visa.valid_from: missing");
	r.visa.number[0] = '\0';
	REFUSED("visa without number", "visa.number: missing");
	r.visa.entries = 3;
	REFUSED("visa entries", "visa.entries: must be 0 (multiple), 1 or 2");
	r.visa.duration_days = 91;
	REFUSED("short stay over 90 days", "visa.duration_days: a short-stay visa allows 1 to 90 days");
	r.visa.kind = TIMS_VISA_RESIDENCE;
	REFUSED("residence permit with a duration", "visa.duration_days: only a short-stay visa has one");
	r.visa.kind = TIMS_VISA_NONE;
	REFUSED("visa fields without kind", "visa.kind: missing (a visa needs its kind)");
	r.visa.kind = 4;
	REFUSED("unknown visa kind", "visa.kind: must be short, long or residence");
	snprintf(r.check_id, sizeof(r.check_id), "a b");
	REFUSED("check id charset", "check_id: only letters, digits and . _ : @ / - allowed");
	/* Refusal codes: one or more, syntax only (the list of valid codes is
	 * the booth's configuration, not the record's). */
	r.confirmed_hit[0] = '\0';
	r.decision = TIMS_DECISION_REFUSE;
	snprintf(r.refusal_code, sizeof(r.refusal_code), "B,E");
	T_OK(tims_record_check(&r, &err) == TIMS_OK, "v2 check: several refusal codes (%s)", err.msg);
	snprintf(r.refusal_code, sizeof(r.refusal_code), "B,,E");
	T_OK(tims_record_check(&r, &err) == TIMS_ERR_INVALID, "v2 check: empty code refused");
	T_EQ_STR(err.msg, "refusal_code: an empty code in the list (want codes separated by \",\", e.g. B,E)",
		 "v2 check: empty code named");
	snprintf(r.refusal_code, sizeof(r.refusal_code), "B,E,B");
	T_OK(tims_record_check(&r, &err) == TIMS_ERR_INVALID, "v2 check: repeated code refused");
	T_EQ_STR(err.msg, "refusal_code: code B given twice", "v2 check: repeated code named");
	snprintf(r.refusal_code, sizeof(r.refusal_code), "B, E");
	T_OK(tims_record_check(&r, &err) == TIMS_ERR_INVALID, "v2 check: space in list refused");
	snprintf(r.refusal_code, sizeof(r.refusal_code), "B,");
	T_OK(tims_record_check(&r, &err) == TIMS_ERR_INVALID, "v2 check: trailing comma refused");
#undef REFUSED
}

static void test_v2_json(void)
{
	static const struct { const char *line, *msg; } cases[] = {
		{ "{\"screen_status\":\"clean\"}",
		  "screen_status: must be not-screened, done, failed or unavailable" },
		{ "{\"hits\":{}}", "hits: must be an array" },
		{ "{\"hits\":[{\"part\":\"soul\"}]}", "hits[0].part: must be document, person or vehicle" },
		{ "{\"hits\":[{\"discreet\":1}]}", "hits[0].discreet: must be true or false" },
		{ "{\"hits\":[{\"score_pm\":2000}]}", "hits[0].score_pm: must be an integer from 0 to 1000" },
		{ "{\"hits\":[{\"colour\":\"red\"}]}", "hits[0].colour: unknown field" },
		{ "{\"entry_mode\":\"typed\"}", "entry_mode: must be read, manual or paper" },
		{ "{\"accompanies\":-2}", "accompanies: must be a log index (an integer >= 0)" },
		{ "{\"visa\":{\"kind\":\"tourist\"}}", "visa.kind: must be short, long or residence" },
		{ "{\"visa\":{\"valid_from\":\"1.4.2024\"}}", "visa.valid_from: not a date, want YYYY-MM-DD" },
		{ "{\"visa\":{\"entries\":5}}", "visa.entries: must be an integer from 0 to 2" },
		{ "{\"visa\":{\"colour\":\"red\"}}", "visa.colour: unknown field" },
	};
	struct tims_record r, back;
	struct tims_buf js = TIMS_BUF_INIT(TIMS_RECORD_MAX_LINE);
	struct tims_buf a = TIMS_BUF_INIT(TIMS_RECORD_MAX_BYTES);
	struct tims_buf b = TIMS_BUF_INIT(TIMS_RECORD_MAX_BYTES);
	struct tims_err err;

	for (size_t i = 0; i < TIMS_ARRAY_SIZE(cases); i++) {
		T_OK(tims_record_from_json(cases[i].line, strlen(cases[i].line), &r, &err) != TIMS_OK,
		     "v2 json case %zu: refused", i);
		T_EQ_STR(err.msg, cases[i].msg, "v2 json: the refusal names the field");
	}
	vector4_record(&r);
	r.time_ms = 0;
	T_OK(tims_record_to_json(&r, &js) == TIMS_OK, "v2 json: writes a record");
	T_OK(strstr(tims_buf_str(&js), "\"screen_status\":\"done\"") &&
	     strstr(tims_buf_str(&js), "\"confirmed_hit\":\"wanted/W-1\"") &&
	     strstr(tims_buf_str(&js), "\"entry_mode\":\"manual\"") &&
	     strstr(tims_buf_str(&js), "\"accompanies\":4") &&
	     strstr(tims_buf_str(&js), "\"discreet\":true"),
	     "v2 json: the structured fields are written by name (%s)", tims_buf_str(&js));
	T_OK(tims_record_from_json(js.buf, js.len, &back, &err) == TIMS_OK,
	     "v2 json: reads back what it wrote (%s)", err.msg);
	tims_record_encode(&r, &a, NULL);
	tims_record_encode(&back, &b, NULL);
	T_OK(a.len == b.len && !memcmp(a.buf, b.buf, a.len),
	     "v2 json: the round trip keeps the canonical encoding");
	tims_buf_release(&js);
	tims_buf_release(&a);
	tims_buf_release(&b);
}

/* Version 3: the chip's outcome. Written only when a record has one; a
 * version 2 record (an old store) still decodes as "not read"; the rules
 * between the chip's fields; the JSON form and the import refusal. */
static void test_v3_chip(void)
{
	struct tims_record r, back;
	struct tims_buf enc = TIMS_BUF_INIT(TIMS_RECORD_MAX_BYTES);
	struct tims_buf js = TIMS_BUF_INIT(65536);
	struct tims_err err;
	uint8_t *p;

	vector4_record(&r);
	T_OK(tims_record_encode(&r, &enc, &err) == TIMS_OK &&
	     tims_record_encoded_version(enc.buf, enc.len) == 2,
	     "v3: a record without a chip outcome is still written as version 2");
	T_OK(tims_record_decode(enc.buf, enc.len, &back, &err) == TIMS_OK &&
	     back.chip_outcome == TIMS_CHIP_NOT_READ && !back.chip_reasons[0],
	     "v3: a version 2 record (an old store) decodes, chip not read");
	p = (uint8_t *)enc.buf;
	p[0] = 3;
	T_OK(tims_record_decode(enc.buf, enc.len, &back, &err) == TIMS_ERR_INVALID,
	     "v3: version 2 bytes labelled version 3 are refused (truncated)");
	tims_buf_reset(&enc);
	T_OK(tims_record_encode_version(&r, 3, &enc, &err) == TIMS_ERR_INVALID &&
	     strstr(err.msg, "written as version 2"),
	     "v3: no second encoding of a record without a chip outcome");

	r.chip_outcome = TIMS_CHIP_FAILED;
	snprintf(r.chip_reasons, sizeof(r.chip_reasons), "signature,mrz_mismatch");
	snprintf(r.chip_state, sizeof(r.chip_state), "NLD");
	snprintf(r.chip_signer, sizeof(r.chip_signer), "CN=Test DS RSA,C=NL");
	tims_buf_reset(&enc);
	T_OK(tims_record_encode(&r, &enc, &err) == TIMS_OK &&
	     tims_record_encoded_version(enc.buf, enc.len) == 3,
	     "v3: a record with a chip outcome is written as version 3");
	T_OK(tims_record_decode(enc.buf, enc.len, &back, &err) == TIMS_OK &&
	     back.chip_outcome == TIMS_CHIP_FAILED &&
	     !strcmp(back.chip_reasons, "signature,mrz_mismatch") &&
	     !strcmp(back.chip_state, "NLD") && !strcmp(back.chip_signer, "CN=Test DS RSA,C=NL"),
	     "v3: the chip's outcome, reasons, state and signer round-trip");
	tims_buf_reset(&enc);
	T_OK(tims_record_encode_version(&r, 2, &enc, &err) == TIMS_ERR_INVALID,
	     "v3: a chip outcome cannot be written as version 2 (it would be lost)");
	T_OK(tims_record_to_json(&r, &js) == TIMS_OK &&
	     strstr(js.buf, "\"chip\":{\"issuing_state\":\"NLD\",\"outcome\":\"failed\","
			    "\"reasons\":\"signature,mrz_mismatch\""),
	     "v3: JSON has the chip object");
	r.time_ms = 0; /* the post's, never in an import line */
	tims_buf_reset(&js);
	T_OK(tims_record_to_json(&r, &js) == TIMS_OK, "v3: JSON without the time");
	T_OK(tims_record_from_json(js.buf, js.len, &back, &err) == TIMS_OK &&
	     back.chip_outcome == TIMS_CHIP_FAILED &&
	     tims_record_check_import(&back, &err) == TIMS_ERR_INVALID &&
	     !strncmp(err.msg, "chip.outcome:", 13),
	     "v3: a file import that claims a chip outcome is refused, naming chip.outcome");

	r.chip_reasons[0] = '\0';
	T_OK(tims_record_check(&r, &err) == TIMS_ERR_INVALID && strstr(err.msg, "chip.reasons"),
	     "v3: a failed chip needs its reasons");
	r.chip_outcome = TIMS_CHIP_AUTHENTICATED;
	snprintf(r.chip_reasons, sizeof(r.chip_reasons), "signature");
	T_OK(tims_record_check(&r, &err) == TIMS_ERR_INVALID && strstr(err.msg, "chip.reasons"),
	     "v3: an authenticated chip has no reasons");
	r.chip_outcome = TIMS_CHIP_FAILED;
	snprintf(r.chip_reasons, sizeof(r.chip_reasons), "signature,,x");
	T_OK(tims_record_check(&r, &err) == TIMS_ERR_INVALID, "v3: an empty reason code is refused");
	snprintf(r.chip_reasons, sizeof(r.chip_reasons), "Signature");
	T_OK(tims_record_check(&r, &err) == TIMS_ERR_INVALID, "v3: reason codes are a-z 0-9 _");
	r.chip_outcome = 3;
	snprintf(r.chip_reasons, sizeof(r.chip_reasons), "signature");
	T_OK(tims_record_check(&r, &err) == TIMS_ERR_INVALID && strstr(err.msg, "chip.outcome"),
	     "v3: an unknown outcome is refused");
	r.chip_outcome = TIMS_CHIP_NOT_READ;
	r.chip_reasons[0] = '\0';
	T_OK(tims_record_check(&r, &err) == TIMS_ERR_INVALID,
	     "v3: a chip not read has no issuing state or signer");
	tims_buf_release(&enc);
	tims_buf_release(&js);
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	check_vector("vector 1", vector1_record, 1, vector1_hex);
	check_vector("vector 2", vector2_record, 1, vector2_hex);
	check_vector("vector 3 (version 2)", vector1_record, 2, vector3_hex);
	check_vector("vector 4 (version 2)", vector4_record, 2, vector4_hex);
	test_v2_version1();
	test_v2_check();
	test_v2_json();
	test_v3_chip();
	test_decode_strict();
	test_check();
	test_entry();
	test_json();
	test_json_roundtrip();
	test_dates();
	return t_done();
}
