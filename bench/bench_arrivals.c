/*
 * bench_arrivals.c — the reports after arrival (tims/arrivals.h) over a
 * peak day at one airport: how long a supervisor waits for them.
 *
 *   bench_arrivals DIR FLIGHTS PASSENGERS
 *       a vault in DIR (its token from the environment, scripts/token.sh),
 *       DIR/api.db and DIR/query.db; FLIGHTS flights of PASSENGERS
 *       travellers each, arriving at TIA on 2026-12-07 three minutes apart
 *       from 06:00, their lists parsed and stored as `tims api import`
 *       stores them (not screened: the reports do not screen); 95 % of the
 *       travellers enter at the airport's two posts within two hours of
 *       their flight, 3 % by land, 2 % nowhere, and 5 % more entries at the
 *       airport are on no list (each crossing sealed and indexed as the
 *       centre indexes a post's record); then the no-show and the unlisted
 *       report of the day, three times each, best and worst.
 *   Prints "KIND flights F travellers T crossings C rows R best_ms B
 *   worst_ms W" lines and one target line (bench/target.h).
 *
 * Tirana's peak day: about 300 flights, some 45 000 arriving travellers.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "target.h"
#include "tims/api.h"
#include "tims/arrivals.h"
#include "tims/buf.h"
#include "tims/cstore.h"
#include "tims/paxlst.h"
#include "tims/record.h"
#include "tims/vault.h"
#include "tims/bundle.h"
#include "tims/note.h"
#include "tims/prescreen.h"

#define HOUR 3600000LL

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int die(const char *what, const struct tims_err *err)
{
	fprintf(stderr, "bench_arrivals: %s: %s\n", what, err ? err->msg : "");
	return 1;
}

static void doc_of(unsigned f, unsigned p, char *out, size_t n)
{
	snprintf(out, n, "P%03u%05u", f % 1000, p % 100000);
}

static int import(struct tims_api *a, unsigned f, unsigned npax, int64_t day0, struct tims_err *err)
{
	struct tims_buf b = TIMS_BUF_INIT(1 << 22);
	struct tims_api_import_result *res = calloc(1, sizeof(*res));
	struct tims_api_screening *s = NULL;
	struct tims_paxlst p;
	unsigned arr = 6 * 60 + 3 * f; /* minutes */
	uint8_t sha[32];
	int rc = 1;

	(void)day0;
	(void)tims_buf_addf(&b, "UNA:+.? 'UNB+UNOA:4+JU:ZZ+ALBAPI:ZZ+261207:0400+%u'", f + 1);
	(void)tims_buf_addf(&b, "UNH+1+PAXLST:D:05B:UN:IATA+F%u+01:F'BGM+745'TDT+20+JU%u'"
			    "LOC+125+BEG'DTM+189:202612070300:203'LOC+87+TIA'"
			    "DTM+232:20261207%02u%02u:203'", f, 1000 + f, arr / 60, arr % 60);
	for (unsigned i = 0; i < npax; i++) {
		char doc[24];

		doc_of(f, i, doc, sizeof(doc));
		(void)tims_buf_addf(&b, "NAD+FL+++TRAVELLER:NUMBER ONE'ATT+2++M'DTM+329:19800101:102'"
				    "NAT+2+ITA'DOC+P+%s'LOC+91+ITA'", doc);
	}
	(void)tims_buf_addf(&b, "CNT+42:%u'UNT+%u+1'UNZ+1+%u'", npax, 8 + 6 * npax + 1, f + 1);
	crypto_hash_sha256(sha, (const unsigned char *)b.buf, b.len);
	if (!res || tims_paxlst_parse(b.buf, b.len, NULL, &p, err))
		goto out;
	if ((s = calloc(p.n, sizeof(*s)))) {
		for (size_t i = 0; i < p.n; i++)
			s[i].status = TIMS_API_CLEAR;
		rc = tims_api_store(a, sha, (int64_t)f, &p, s, NULL, NULL, res, err) ? 1 : 0;
	}
	free(s);
	tims_paxlst_release(&p);
out:
	free(res);
	tims_buf_release(&b);
	return rc;
}

static int cross(struct tims_cstore *s, const char *origin, uint64_t idx, int64_t ms,
		 const char *doc, struct tims_err *err)
{
	struct tims_record r;
	uint8_t leaf[32];
	char salt[160];

	tims_record_init(&r);
	r.direction = TIMS_DIR_ENTRY;
	r.time_ms = ms;
	r.decision = TIMS_DECISION_ADMIT;
	snprintf(r.ref, sizeof(r.ref), "r%llu", (unsigned long long)idx);
	snprintf(r.officer, sizeof(r.officer), "O1");
	snprintf(r.booth, sizeof(r.booth), "B1");
	snprintf(r.person.doc_code, sizeof(r.person.doc_code), "P");
	snprintf(r.person.issuer, sizeof(r.person.issuer), "ITA");
	snprintf(r.person.doc_number, sizeof(r.person.doc_number), "%s", doc);
	snprintf(r.person.surname, sizeof(r.person.surname), "TRAVELLER");
	snprintf(r.person.given_names, sizeof(r.person.given_names), "NUMBER ONE");
	snprintf(r.person.nationality, sizeof(r.person.nationality), "ITA");
	snprintf(r.person.birth_date, sizeof(r.person.birth_date), "1980-01-01");
	snprintf(salt, sizeof(salt), "%s/%llu", origin, (unsigned long long)idx);
	crypto_hash_sha256(leaf, (const unsigned char *)salt, strlen(salt));
	return tims_cstore_add(s, origin, idx, (uint64_t)ms, leaf, &r, NULL, err) ? 1 : 0;
}

/*
 * The airport post's lists (tims/prescreen.h): the centre makes the day's
 * lines of TIA (every traveller's list opened from the vault), seals and
 * signs them; the post opens the bundle and keeps them as blind indexes
 * under its own vault; then 1 000 booth look-ups. As of 2026-12-07T12:00Z.
 */
static int prescreen(const char *dir, struct tims_api *a, unsigned flights, unsigned npax,
		     int64_t day, int smoke)
{
	struct tims_buf lines = TIMS_BUF_INIT(256u << 20), bundle = TIMS_BUF_INIT(256u << 20);
	struct tims_prescreen_applied res;
	struct tims_prescreen_match m;
	struct tims_vault *pv = NULL;
	struct tims_signer sig;
	struct tims_verifier ver;
	struct tims_bundle b;
	struct tims_err err;
	char pdir[4200], *sk = NULL, *vk = NULL;
	uint8_t key[32];
	int64_t now = day * 86400000LL + 12 * HOUR;
	size_t n, skipped, found = 0;
	double t0, t_lines, t_seal, t_apply, t_look, c0, c_all;

	snprintf(pdir, sizeof(pdir), "%s/post", dir);
	if (mkdir(pdir, 0700) || tims_vault_create(pdir, NULL, &err) ||
	    tims_vault_open(pdir, &pv, &err))
		return die("the post's vault", &err);
	if (tims_note_keygen("centre/bundles", TIMS_KEY_ED25519, &sk, &vk, &err) ||
	    tims_signer_from_skey(sk, &sig, &err) || tims_verifier_parse(vk, &ver, &err))
		return die("keys", &err);
	randombytes_buf(key, sizeof(key));
	c0 = cpu_ms();
	t0 = now_ms();
	if (tims_prescreen_lines(a, "TIA", "Europe/Tirane", now, &lines, &n, &skipped, &err))
		return die("lines", &err);
	t_lines = now_ms() - t0;
	t0 = now_ms();
	if (tims_bundle_arrivals(lines.buf, lines.len, "centre", "tia-a", "TIA", 1, key, &sig,
				 &bundle, &err))
		return die("seal", &err);
	t_seal = now_ms() - t0;
	t0 = now_ms();
	if (tims_bundle_open(bundle.buf, bundle.len, &ver, "centre", &b, &err) ||
	    tims_prescreen_apply(pdir, pv, &b, "tia-a", key, now, &res, &err))
		return die("apply", &err);
	t_apply = now_ms() - t0;
	c_all = cpu_ms() - c0;
	tims_bundle_release(&b);
	t0 = now_ms();
	for (unsigned i = 0; i < 1000; i++) {
		char doc[24];

		doc_of(i % flights, (i * 7u) % npax, doc, sizeof(doc));
		if (tims_prescreen_lookup(pdir, pv, doc, "ITA", now, &m, &err))
			return die("lookup", &err);
		found += (size_t)m.found;
	}
	t_look = (now_ms() - t0) / 1000.0;
	printf("prescreen travellers %zu (of %zu) bundle_bytes %zu lines_ms %.1f seal_sign_ms %.1f "
	       "open_apply_ms %.1f (cpu_ms of the three %.1f) lookup_ms %.3f (found %zu of 1000)\n",
	       res.travellers, (size_t)flights * npax, bundle.len, t_lines, t_seal, t_apply, c_all,
	       t_look, found);
	bench_target("arrivals: a peak day's list for an airport post made at the centre and "
		     "applied at the post", t_lines + t_seal + t_apply, false, 10000, "ms", smoke);
	bench_target("arrivals: the booth's look-up in the post's lists", t_look, false, 5, "ms",
		     smoke);
	tims_note_free_secret(sk);
	free(vk);
	tims_signer_release(&sig);
	tims_vault_close(pv);
	tims_buf_release(&lines);
	tims_buf_release(&bundle);
	return 0;
}

int main(int argc, char **argv)
{
	struct tims_vault *v = NULL;
	struct tims_api *a = NULL;
	struct tims_cstore *s = NULL;
	struct tims_arrivals_map map;
	struct tims_err err;
	char uri[4200];
	unsigned flights, npax;
	uint64_t idx[3] = { 0, 0, 0 }, ncross = 0;
	int64_t day = 0;
	double worst_noshow = 0;
	int smoke;

	if (argc != 4 || sodium_init() < 0)
		return fprintf(stderr, "usage: bench_arrivals DIR FLIGHTS PASSENGERS\n"), 2;
	flights = (unsigned)strtoul(argv[2], NULL, 10);
	npax = (unsigned)strtoul(argv[3], NULL, 10);
	smoke = flights < 300 || npax < 150;
	if (!flights || flights > 300 || !npax || npax > 1000)
		return fprintf(stderr, "bench_arrivals: 1-300 flights of 1-1000\n"), 2;
	tims_date_parse("2026-12-07", &day, "date", NULL);
	snprintf(uri, sizeof(uri), "%s/query.db", argv[1]);
	if (tims_vault_create(argv[1], NULL, &err) || tims_vault_open(argv[1], &v, &err))
		return die("vault", &err);
	if (tims_api_open(argv[1], v, &a, &err) || tims_cstore_open(uri, &s, &err))
		return die("stores", &err);
	tims_cstore_set_vault(s, v);
	for (unsigned f = 0; f < flights; f++)
		if (import(a, f, npax, day, &err))
			return die("import", &err);
	if (tims_cstore_begin(s, &err))
		return die("begin", &err);
	for (unsigned f = 0; f < flights; f++) {
		int64_t arr = day * 86400000LL + (6 * 60 + 3 * (int64_t)f) * 60000;

		for (unsigned i = 0; i < npax; i++) {
			char doc[24];
			unsigned r = (f * 7919u + i * 104729u) % 100;
			int64_t at = arr + (int64_t)((i * 37u) % 120) * 60000;

			doc_of(f, i, doc, sizeof(doc));
			if (r < 2)
				continue;                                  /* nowhere */
			if (r < 5) {
				if (cross(s, "land-1", idx[2]++, at, doc, &err))
					return die("cross", &err);
			} else if (cross(s, r & 1 ? "tia-a" : "tia-b", idx[r & 1]++, at, doc, &err))
				return die("cross", &err);
			ncross++;
			if (r < 7) { /* and someone on no list */
				char x[24];

				snprintf(x, sizeof(x), "X%03u%05u", f % 1000, i);
				if (cross(s, "tia-a", idx[1]++, at, x, &err))
					return die("cross", &err);
				ncross++;
			}
		}
	}
	if (tims_cstore_commit(s, &err))
		return die("commit", &err);
	memset(&map, 0, sizeof(map));
	map.n = 1;
	snprintf(map.a[0].code, sizeof(map.a[0].code), "TIA");
	map.a[0].nposts = 2;
	snprintf(map.a[0].posts[0], sizeof(map.a[0].posts[0]), "tia-a");
	snprintf(map.a[0].posts[1], sizeof(map.a[0].posts[1]), "tia-b");
	/* as Tirana's map has it: every flight's arrival through ICU's zone */
	snprintf(map.a[0].zone, sizeof(map.a[0].zone), "Europe/Tirane");
	for (int kind = TIMS_ARRIVALS_NO_SHOW; kind <= TIMS_ARRIVALS_UNLISTED; kind++) {
		struct tims_arrivals_query q = { kind, day, 6, "TIA", 1, (day + 2) * 86400000LL };
		struct tims_arrivals_report r;
		double best = 1e18, worst = 0;

		for (int k = 0; k < 3; k++) {
			double t0 = now_ms(), dt;

			if (tims_arrivals_report(a, s, &map, &q, &r, &err))
				return die("report", &err);
			dt = now_ms() - t0;
			best = dt < best ? dt : best;
			worst = dt > worst ? dt : worst;
			if (k < 2)
				tims_arrivals_report_release(&r);
		}
		printf("%s flights %zu travellers %zu crossings %zu rows %zu best_ms %.1f worst_ms %.1f\n",
		       tims_arrivals_kind_name(kind), r.flights, r.travellers, r.crossings, r.total,
		       best, worst);
		if (kind == TIMS_ARRIVALS_NO_SHOW)
			worst_noshow = worst;
		tims_arrivals_report_release(&r);
	}
	printf("stored %u flights of %u, %llu crossings\n", flights, npax,
	       (unsigned long long)ncross);
	bench_target("after arrival: the no-show report of a peak day (300 flights of 300) at one "
		     "airport", worst_noshow, false, 10000, "ms", smoke);
	if (prescreen(argv[1], a, flights, npax, day, smoke))
		return 1;
	tims_cstore_close(s);
	tims_api_close(a);
	tims_vault_close(v);
	return 0;
}
