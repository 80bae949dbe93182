/*
 * bench_mrz.c — MRZ documents parsed and validated per second, one thread.
 *
 * Generates a mixed set of valid documents (TD3 passports, TD1 and TD2
 * cards, MRV-A and MRV-B visas, French identity cards) with random names,
 * numbers and dates and correct check digits, then parses them through
 * tims_mrz_parse() — the call the post node makes per traveller, text in,
 * fixed struct out — for about 2 s (0.3 s with --smoke).
 *
 *   bench_mrz [--smoke] [--emit FILE] [--count N]
 *     --emit FILE  also write the documents to FILE (blank-line separated)
 *                  so that the peer parser reads exactly the same input
 * Prints "docs_per_sec=N" last, for bench/bench-mrz.sh.
 */
#include "tims/mrz.h"
#include "tims/util.h"

#define MAX_DOC 140

struct doc {
	size_t len;
	char text[MAX_DOC];
};

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const char *const surnames[] = {
	"ERIKSSON", "MUELLER", "NOWAK", "IVANOVA", "GARCIA<LOPEZ", "SMITH",
	"POPESCU", "HOXHA", "YILMAZ", "DE<LA<TOUR", "KOWALSKI", "PAPADOPOULOS",
};
static const char *const given[] = {
	"ANNA<MARIA", "JOHN", "OLGA", "PETER<JOHN", "MEHMET", "ELENA",
	"JEAN<PIERRE", "ARTAN", "SOFIA", "LUKAS", "MARIE<ANNE", "WEI",
};
static const char *const states[] = {
	"UTO", "D<<", "FRA", "GBR", "ROU", "ALB", "TUR", "POL", "GRC", "ESP",
	"ITA", "NLD",
};

/* Write s padded with '<' to n characters. */
static char *put(char *p, const char *s, size_t n)
{
	size_t l = strlen(s);

	if (l > n)
		l = n;
	memcpy(p, s, l);
	memset(p + l, '<', n - l);
	return p + n;
}

static char *put_cd(char *p, const char *from)
{
	*p = (char)tims_mrz_check_digit(from, (size_t)(p - from));
	return p + 1;
}

static void rand_alnum(char *p, size_t n)
{
	static const char set[] = "ABCDEFGHIJKLMNPRSTUVWXYZ0123456789";

	for (size_t i = 0; i < n; i++)
		p[i] = set[rnd(sizeof(set) - 1)];
}

static void rand_date(char *p, bool past)
{
	int y = past ? 40 + (int)rnd(60) : 26 + (int)rnd(10), m = 1 + (int)rnd(12),
	    d = 1 + (int)rnd(28);

	p[0] = (char)('0' + y / 10 % 10);
	p[1] = (char)('0' + y % 10);
	p[2] = (char)('0' + m / 10);
	p[3] = (char)('0' + m % 10);
	p[4] = (char)('0' + d / 10);
	p[5] = (char)('0' + d % 10);
}

static void name(char *buf, size_t cap)
{
	snprintf(buf, cap, "%s<<%s", surnames[rnd(12)], given[rnd(12)]);
}

/* Line 2 of TD3 / MRV-A (n = 44) and TD2 / MRV-B (n = 36). */
static char *line2_icao(char *l, size_t n, const char *nat, bool composite,
			bool personal_cd)
{
	char *p = l, *s;

	rand_alnum(p, 9);
	p = put_cd(p + 9, l);
	p = put(p, nat, 3);
	s = p;
	rand_date(p, true);
	p = put_cd(p + 6, s);
	*p++ = "MFX"[rnd(3)];
	s = p;
	rand_date(p, false);
	p = put_cd(p + 6, s);
	s = p;
	p = put(p, "", n - (size_t)(p - l) - (composite ? 1 : 0) -
		(personal_cd ? 1 : 0));
	if (personal_cd)
		p = put_cd(p, s);
	if (composite) {
		char tmp[44];
		size_t k = 0;

		memcpy(tmp + k, l, 10);
		k += 10;
		memcpy(tmp + k, l + 13, 7);
		k += 7;
		memcpy(tmp + k, l + 21, (size_t)(p - l) - 21);
		k += (size_t)(p - l) - 21;
		*p++ = (char)tims_mrz_check_digit(tmp, k);
	}
	return p;
}

static void make_doc(struct doc *d, unsigned kind)
{
	char nm[80], *p = d->text, *l1, *l2, *l3, *s;
	const char *st = states[rnd(12)];

	name(nm, sizeof(nm));
	switch (kind) {
	case 0: /* TD3 */
	case 1: /* MRV-A */
		p = put(p, kind ? "V" : "P", 2);
		p = put(put(p, st, 3), nm, 39);
		*p++ = '\n';
		p = line2_icao(p, 44, states[rnd(12)], !kind, !kind);
		break;
	case 2: /* TD2 */
	case 3: /* MRV-B */
		p = put(p, kind == 3 ? "V" : "I", 2);
		p = put(put(p, st, 3), nm, 31);
		*p++ = '\n';
		p = line2_icao(p, 36, states[rnd(12)], kind == 2, false);
		break;
	case 4: /* TD1 */
		l1 = p;
		p = put(put(p, "ID", 2), st, 3);
		rand_alnum(p, 9);
		p = put_cd(p + 9, l1 + 5);
		p = put(p, "", 15);
		*p++ = '\n';
		l2 = p;
		rand_date(p, true);
		p = put_cd(p + 6, l2);
		*p++ = "MF"[rnd(2)];
		s = p;
		rand_date(p, false);
		p = put_cd(p + 6, s);
		p = put(put(p, states[rnd(12)], 3), "", 11);
		{
			char tmp[60];

			memcpy(tmp, l1 + 5, 25);
			memcpy(tmp + 25, l2, 7);
			memcpy(tmp + 32, l2 + 8, 7);
			memcpy(tmp + 39, l2 + 18, 11);
			*p++ = (char)tims_mrz_check_digit(tmp, 50);
		}
		*p++ = '\n';
		l3 = p;
		p = put(l3, nm, 30);
		break;
	default: /* French identity card */
		l1 = p;
		p = put(put(p, "IDFRA", 5), surnames[rnd(12)], 25);
		p = put(p, "751234", 6);
		*p++ = '\n';
		l2 = p;
		memcpy(p, "1203750", 7);
		for (int i = 7; i < 12; i++)
			p[i] = (char)('0' + rnd(10));
		p = put_cd(p + 12, l2);
		p = put(p, given[rnd(12)], 14);
		s = p;
		rand_date(p, true);
		p = put_cd(p + 6, s);
		*p++ = "MF"[rnd(2)];
		{
			char tmp[72];

			memcpy(tmp, l1, 36);
			memcpy(tmp + 36, l2, 35);
			*p++ = (char)tims_mrz_check_digit(tmp, 71);
		}
		break;
	}
	*p++ = '\n';
	d->len = (size_t)(p - d->text);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static struct tims_mrz m;
	struct tims_mrz_options opt;
	const char *emit = NULL;
	double secs = 2.0, t0, t1;
	uint64_t count = 6000, parsed = 0, invalid = 0;
	struct doc *docs;
	struct tims_err err;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke"))
			secs = 0.3;
		else if (!strcmp(argv[i], "--emit") && i + 1 < argc)
			emit = argv[++i];
		else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			if (tims_parse_u64(argv[++i], 1000000, &count, "count",
					   &err)) {
				fprintf(stderr, "bench_mrz: %s\n", err.msg);
				return 2;
			}
		} else {
			fprintf(stderr, "usage: bench_mrz [--smoke] [--emit FILE] "
				"[--count N]\n");
			return 2;
		}
	}
	tims_mrz_options_set_today(&opt, "2025-06-01", NULL);
	docs = calloc(count, sizeof(*docs));
	if (!docs)
		return 2;
	for (uint64_t i = 0; i < count; i++)
		make_doc(&docs[i], (unsigned)(i % 6));
	/* Every generated document must be valid, or the figure means nothing. */
	for (uint64_t i = 0; i < count; i++) {
		if (tims_mrz_parse(&opt, docs[i].text, docs[i].len, &m)) {
			fprintf(stderr, "bench_mrz: generated document %" PRIu64
				" is invalid: %s\n%s", i, m.errors[0].msg,
				docs[i].text);
			return 1;
		}
	}
	if (emit) {
		FILE *f = fopen(emit, "w");

		if (!f) {
			fprintf(stderr, "bench_mrz: %s: %s\n", emit, strerror(errno));
			return 2;
		}
		for (uint64_t i = 0; i < count; i++)
			fprintf(f, "%.*s\n", (int)docs[i].len, docs[i].text);
		if (fclose(f)) {
			fprintf(stderr, "bench_mrz: %s: %s\n", emit, strerror(errno));
			return 2;
		}
	}
	t0 = now_s();
	do {
		for (uint64_t i = 0; i < count; i++)
			invalid += tims_mrz_parse(&opt, docs[i].text, docs[i].len,
						  &m) != TIMS_OK;
		parsed += count;
		t1 = now_s();
	} while (t1 - t0 < secs);
	printf("tims mrz: %" PRIu64 " documents in %.2f s, %" PRIu64
	       " invalid, 6 formats mixed, one thread\n", parsed, t1 - t0,
	       invalid);
	printf("docs_per_sec=%.0f\n", (double)parsed / (t1 - t0));
	free(docs);
	return invalid ? 1 : 0;
}
