/*
 * bench_screen.c — screening at national scale, next to PostgreSQL pg_trgm.
 *
 *   bench_screen [--persons N] [--documents M] [--queries Q] [--names DIR]
 *                [--pg CONNINFO] [--pg-queries P] [--pairs FILE] [--seed S] [--tap]
 *
 * Generates N wanted persons from the name pools (tests/data/names: one
 * locale each, native script; 40% of the non-Latin ones written in Latin, as
 * lists often are) and M lost or stolen document numbers, builds the
 * screening index, and screens Q travellers: half listed persons written
 * differently (another transliteration, a typo, another order, a missing
 * middle name; their date of birth), half unlisted persons from the same
 * pools; each traveller also has a document checked. It reports load time,
 * resident memory, latency per traveller (parse + person query + document
 * lookup) at p50/p99/max, recall on the listed half and the hit rate on the
 * unlisted half.
 *
 * With --pg, the same names go into a PostgreSQL table with a pg_trgm GIN
 * index and P of the same queries run as `name % $1 ORDER BY similarity`
 * (pg_trgm's default 0.3 threshold, top 10), for latency and recall side by
 * side. With --pairs, pg_trgm's similarity is also scored on the labelled
 * evaluation pairs (F1 at 0.3 and at its best threshold).
 *
 * Diagnostics on stderr: BENCH_SCREEN_SLOW=1 lists travellers slower than
 * 1 ms, BENCH_SCREEN_MISSES=1 the listed travellers not found.
 */
#include <dirent.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <math.h>

#include <sys/stat.h>

#include "tims/names.h"
#include "tims/screen.h"
#include "tims/util.h"
#include "tims/vault.h"
#include "tims/watchlist.h"

/* lib/watchlist/import.c: a large import's checkpoint, waited for (its wall
 * time; 0 when none ran) */
void tims__wl_ckpt_join(struct tims_wl *wl, double *secs);

#include "docs.h"
#include "target.h"

struct pool {
	char tag[16], nat[4];
	char **given, **surname;
	size_t ng, ns;
	bool latin;
};

struct target {   /* a listed person kept for queries */
	uint32_t id;
	char name[256];
	struct tims_subject s;
};

struct query {
	char name[300];
	struct tims_subject s;
	uint32_t expect; /* person id + 1, 0 when unlisted */
	char doc[16];
	int variant;
};

static const struct { const char *tag, *nat; } nat_of[] = {
	{ "ar", "EGY" }, { "az", "AZE" }, { "cs", "CZE" }, { "de", "D" }, { "el", "GRC" },
	{ "en-IN", "IND" }, { "en-NG", "NGA" }, { "en", "GBR" }, { "es", "ESP" },
	{ "fa", "IRN" }, { "fr", "FRA" }, { "he", "ISR" }, { "hr", "HRV" }, { "hu", "HUN" },
	{ "hy", "ARM" }, { "id", "IDN" }, { "it", "ITA" }, { "ka", "GEO" }, { "ko", "KOR" },
	{ "lv", "LVA" }, { "ne", "NPL" }, { "nl", "NLD" }, { "pl", "POL" }, { "ro", "ROU" },
	{ "ru", "RUS" }, { "sk", "SVK" }, { "sq", "ALB" }, { "sr-Latn", "SRB" },
	{ "sv", "SWE" }, { "tr", "TUR" }, { "uk", "UKR" }, { "ur", "PAK" },
	{ "uz-Latn", "UZB" }, { "vi", "VNM" }, { "zh", "CHN" },
};

static uint64_t rng_state = 9303;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static size_t rndn(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* CPU seconds of the process (all its threads). */
static double proc_cpu_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long status_kib(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key))) {
			char *p = line + strlen(key);

			while (*p == ' ' || *p == '\t' || *p == ':')
				p++;
			v = strtol(p, NULL, 10);
		}
	fclose(f);
	return v;
}

static void push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		exit(2);
	*v = nv;
	(*v)[(*n)++] = strdup(s);
}

static size_t load_pools(const char *dir, struct pool **out)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct pool *p = NULL;
	size_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[1024], line[512];
		size_t l = strlen(e->d_name);
		FILE *f;
		struct pool *np, *x;

		if (l < 5 || strcmp(e->d_name + l - 4, ".tsv"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		np = realloc(p, (n + 1) * sizeof(*p));
		if (!np)
			exit(2);
		p = np;
		x = &p[n++];
		memset(x, 0, sizeof(*x));
		snprintf(x->tag, sizeof(x->tag), "%.*s", (int)(l - 4), e->d_name);
		snprintf(x->nat, sizeof(x->nat), "XXX");
		for (size_t i = 0; i < TIMS_ARRAY_SIZE(nat_of); i++)
			if (!strcmp(nat_of[i].tag, x->tag))
				snprintf(x->nat, sizeof(x->nat), "%s", nat_of[i].nat);
		while (fgets(line, sizeof(line), f)) {
			char *tab = strchr(line, '\t'), *nl;

			if (!tab)
				continue;
			*tab = '\0';
			if ((nl = strchr(tab + 1, '\n')))
				*nl = '\0';
			if (!tab[1])
				continue;
			if (!strcmp(line, "given"))
				push(&x->given, &x->ng, tab + 1);
			else
				push(&x->surname, &x->ns, tab + 1);
		}
		fclose(f);
		x->latin = x->ng && (unsigned char)x->given[0][0] < 0x80;
		if (!x->ng || !x->ns)
			n--;
	}
	closedir(d);
	*out = p;
	return n;
}

/* A random person of a pool: "Given [Given2] Surname" in native script. */
static void person(const struct pool *p, char *out, size_t size, struct tims_subject *s)
{
	const char *g = p->given[rndn(p->ng)], *sn = p->surname[rndn(p->ns)];

	if (rndn(10) < 3)
		snprintf(out, size, "%s %s %s", g, p->given[rndn(p->ng)], sn);
	else
		snprintf(out, size, "%s %s", g, sn);
	memset(s, 0, sizeof(*s));
	s->dob.year = (uint16_t)(1940 + rndn(66));
	s->dob.month = (uint8_t)(1 + rndn(12));
	s->dob.day = (uint8_t)(1 + rndn(28));
	snprintf(s->nationality, sizeof(s->nationality), "%s", p->nat);
	s->sex = rndn(2) ? 'M' : 'F';
}

/* The name in Latin letters, spelling variant v of each token. */
static bool latin_of(const char *name, unsigned v, char *out, size_t size)
{
	struct tims_name n;
	size_t o = 0;

	if (tims_name_parse(name, strlen(name), "name", &n, NULL))
		return false;
	out[0] = '\0';
	for (unsigned i = 0; i < n.ntok; i++) {
		const char *t = n.tok[i].var[v < n.tok[i].nvar ? v : 0];
		int w = snprintf(out + o, size - o, "%s%s", i ? " " : "", t);

		if (w < 0 || (size_t)w >= size - o)
			return false;
		o += (size_t)w;
	}
	return true;
}

static void typo(char *s)
{
	size_t n = strlen(s), i;

	if (n < 4)
		return;
	i = 1 + rndn(n - 2);
	if ((unsigned char)s[i] >= 0x80 || (unsigned char)s[i + 1] >= 0x80 || s[i] == ' ' || s[i + 1] == ' ')
		return;
	if (rndn(2)) {
		char c = s[i];

		s[i] = s[i + 1];
		s[i + 1] = c;
	} else {
		s[i] = (char)('A' + rndn(26));
	}
}

/* A listed person as a traveller presents: another spelling or shape. */
static int perturb(const char *stored, char *out, size_t size)
{
	char tmp[300];
	int v = (int)rndn(4);

	switch (v) {
	case 0: /* as listed */
		snprintf(out, size, "%s", stored);
		break;
	case 1: /* another transliteration: the second spelling of each token */
		if (!latin_of(stored, 1, out, size))
			snprintf(out, size, "%s", stored);
		break;
	case 2: /* a typo in the Latin form */
		if (!latin_of(stored, 0, out, size))
			snprintf(out, size, "%s", stored);
		typo(out);
		break;
	default: { /* SURNAME<<GIVEN, first given name only */
		char *last, *first_sp;

		if (!latin_of(stored, 0, tmp, sizeof(tmp)))
			snprintf(tmp, sizeof(tmp), "%s", stored);
		last = strrchr(tmp, ' ');
		first_sp = strchr(tmp, ' ');
		if (last && first_sp) {
			*first_sp = '\0';
			if (snprintf(out, size, "%.120s<<%.120s", last + 1, tmp) < 0)
				out[0] = '\0';
		} else {
			snprintf(out, size, "%s", tmp);
		}
	}
	}
	return v;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double pct(double *v, size_t n, double p)
{
	size_t i = (size_t)ceil(p * (double)n) - 1;

	return n ? v[i < n ? i : n - 1] : 0;
}

/* --- PostgreSQL pg_trgm ---------------------------------------------------- */

static int pg_exec(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK ||
		 PQresultStatus(r) == PGRES_COPY_IN;

	if (!ok)
		fprintf(stderr, "bench_screen: pg: %s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	return ok ? 0 : -1;
}

static int pg_bench(const char *conninfo, const char *tsv, struct query *q, size_t nq,
		    size_t want, bool tap)
{
	PGconn *c = PQconnectdb(conninfo);
	double *lat, t0, load;
	size_t found = 0, listed = 0, unl_hit = 0, unl = 0, n = 0;
	FILE *f;
	char buf[65536];
	size_t len;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "bench_screen: pg: %s", PQerrorMessage(c));
		if (tap)
			printf("not ok - pg_trgm anchor: cannot connect\n");
		PQfinish(c);
		return -1;
	}
	t0 = now_s();
	if (pg_exec(c, "SET client_min_messages TO warning") ||
	    pg_exec(c, "CREATE EXTENSION IF NOT EXISTS pg_trgm") ||
	    pg_exec(c, "DROP TABLE IF EXISTS persons") ||
	    pg_exec(c, "CREATE TABLE persons (id integer, name text)") ||
	    pg_exec(c, "COPY persons FROM STDIN"))
		goto fail;
	if (!(f = fopen(tsv, "r")))
		goto fail;
	while ((len = fread(buf, 1, sizeof(buf), f)) > 0)
		if (PQputCopyData(c, buf, (int)len) != 1)
			break;
	fclose(f);
	if (PQputCopyEnd(c, NULL) != 1)
		goto fail;
	{
		PGresult *r;

		while ((r = PQgetResult(c))) {
			if (PQresultStatus(r) != PGRES_COMMAND_OK) {
				fprintf(stderr, "bench_screen: pg: copy: %s", PQerrorMessage(c));
				PQclear(r);
				goto fail;
			}
			PQclear(r);
		}
	}
	if (pg_exec(c, "CREATE INDEX persons_trgm ON persons USING gin (name gin_trgm_ops)") ||
	    pg_exec(c, "ANALYZE persons"))
		goto fail;
	load = now_s() - t0;
	lat = calloc(want ? want : 1, sizeof(*lat));
	for (size_t i = 0; i < nq && n < want; i++) {
		const char *params[1] = { q[i].name };
		PGresult *r;
		bool hit = false;
		double s = now_s();

		r = PQexecParams(c, "SELECT id FROM persons WHERE name % $1 "
				 "ORDER BY similarity(name, $1) DESC LIMIT 10",
				 1, NULL, params, NULL, NULL, 0);
		lat[n++] = (now_s() - s) * 1e3;
		if (PQresultStatus(r) == PGRES_TUPLES_OK) {
			for (int k = 0; k < PQntuples(r); k++)
				hit = hit || (q[i].expect &&
					      (uint32_t)strtoul(PQgetvalue(r, k, 0), NULL, 10) + 1 == q[i].expect);
			if (q[i].expect) {
				listed++;
				found += hit;
			} else {
				unl++;
				unl_hit += PQntuples(r) > 0;
			}
		}
		PQclear(r);
	}
	qsort(lat, n, sizeof(*lat), cmp_d);
	printf("pg_trgm: load+GIN index %.1f s; p50 %.2f ms, p99 %.2f ms, max %.2f ms over %zu queries\n",
	       load, pct(lat, n, 0.5), pct(lat, n, 0.99), n ? lat[n - 1] : 0.0, n);
	printf("pg_trgm: recall %.3f (%zu of %zu listed travellers in its top 10), "
	       "unlisted with a candidate %.1f%%\n", listed ? (double)found / (double)listed : 0.0,
	       found, listed, unl ? 100.0 * (double)unl_hit / (double)unl : 0.0);
	printf("pg_trgm_p50_ms=%.4f pg_trgm_p99_ms=%.4f pg_trgm_recall=%.4f\n",
	       pct(lat, n, 0.5), pct(lat, n, 0.99), listed ? (double)found / (double)listed : 0.0);
	free(lat);
	PQfinish(c);
	return 0;
fail:
	if (tap)
		printf("not ok - pg_trgm anchor: could not load\n");
	PQfinish(c);
	return -1;
}

/* pg_trgm similarity on the labelled pairs: the open anchor's F1. */
static void pg_pairs(const char *conninfo, const char *file)
{
	PGconn *c = PQconnectdb(conninfo);
	FILE *f = fopen(file, "r");
	char line[8192];
	double *sim = NULL;
	bool *same = NULL;
	size_t n = 0, cap = 0;
	double best_f = 0, best_t = 0;

	if (PQstatus(c) != CONNECTION_OK || !f) {
		if (f)
			fclose(f);
		PQfinish(c);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		json_error_t je;
		json_t *o = json_loads(line, 0, &je);
		const char *p[2];
		PGresult *r;

		if (!o)
			continue;
		p[0] = json_string_value(json_object_get(o, "a"));
		p[1] = json_string_value(json_object_get(o, "b"));
		if (p[0] && p[1] && json_is_boolean(json_object_get(o, "same"))) {
			r = PQexecParams(c, "SELECT similarity($1, $2)", 2, NULL, p, NULL, NULL, 0);
			if (PQresultStatus(r) == PGRES_TUPLES_OK) {
				if (n == cap) {
					cap = cap ? cap * 2 : 1024;
					sim = realloc(sim, cap * sizeof(*sim));
					same = realloc(same, cap * sizeof(*same));
					if (!sim || !same)
						exit(2);
				}
				sim[n] = strtod(PQgetvalue(r, 0, 0), NULL);
				same[n++] = json_is_true(json_object_get(o, "same"));
			}
			PQclear(r);
		}
		json_decref(o);
	}
	fclose(f);
	for (int ti = 1; ti <= 99; ti++) {
		double t = ti / 100.0, pr, rc, f1;
		size_t tp = 0, fp = 0, fn = 0;

		for (size_t i = 0; i < n; i++) {
			bool m = sim[i] >= t;

			tp += m && same[i];
			fp += m && !same[i];
			fn += !m && same[i];
		}
		pr = tp + fp ? (double)tp / (double)(tp + fp) : 1;
		rc = tp + fn ? (double)tp / (double)(tp + fn) : 1;
		f1 = pr + rc > 0 ? 2 * pr * rc / (pr + rc) : 0;
		if (ti == 30)
			printf("pg_trgm on the labelled pairs: F1 %.3f at similarity 0.30 "
			       "(precision %.3f, recall %.3f, %zu pairs)\n", f1, pr, rc, n);
		if (f1 > best_f) {
			best_f = f1;
			best_t = t;
		}
	}
	printf("pg_trgm on the labelled pairs: F1 %.3f at its best threshold %.2f "
	       "(chosen on the same pairs: optimistic)\n", best_f, best_t);
	free(sim);
	free(same);
	PQfinish(c);
}

/* --- the post's store --------------------------------------------------------- */

static void die(const char *what, const struct tims_err *err)
{
	printf("error: screen scale: %s: %s\n", what, err ? tims_err_msg(err) : "");
	exit(1);
}

static void import_chunk(struct tims_wl *wl, const char *list, enum tims_wl_kind kind,
			 struct tims_buf *b, size_t *stored)
{
	struct tims_wl_import_opts o = { list, kind, TIMS_WL_JSONL, true, false, -1, NULL, NULL };
	struct tims_wl_import_result res;
	struct tims_err err;

	if (tims_wl_import(wl, &o, b->buf, b->len, NULL, NULL, &res, &err))
		die("import", &err);
	*stored += res.stored;
	tims_buf_reset(b);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* --- PostgreSQL: a B-tree over the same document numbers ----------------------- */

static void pg_docs(const char *conninfo, size_t ndocs, struct query *q, size_t nq, bool tap)
{
	PGconn *c = PQconnectdb(conninfo);
	char buf[1 << 16], num[16];
	const char *st;
	double t0, load, *lat;
	size_t len = 0, n = 0, found = 0;
	PGresult *r;

	if (PQstatus(c) != CONNECTION_OK)
		goto fail;
	t0 = now_s();
	if (pg_exec(c, "SET client_min_messages TO warning") ||
	    pg_exec(c, "SET maintenance_work_mem TO '512MB'") ||
	    pg_exec(c, "DROP TABLE IF EXISTS docs") ||
	    pg_exec(c, "CREATE UNLOGGED TABLE docs (number text NOT NULL, state text NOT NULL)") ||
	    pg_exec(c, "COPY docs FROM STDIN"))
		goto fail;
	for (size_t i = 0; i < ndocs; i++) {
		doc_of(i, num, &st);
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s\t%s\n", num, st);
		if (len > sizeof(buf) - 64 || i + 1 == ndocs) {
			if (PQputCopyData(c, buf, (int)len) != 1)
				goto fail;
			len = 0;
		}
	}
	if (PQputCopyEnd(c, NULL) != 1)
		goto fail;
	while ((r = PQgetResult(c))) {
		int ok = PQresultStatus(r) == PGRES_COMMAND_OK;

		PQclear(r);
		if (!ok)
			goto fail;
	}
	if (pg_exec(c, "CREATE INDEX docs_number ON docs USING btree (number)") ||
	    pg_exec(c, "ANALYZE docs"))
		goto fail;
	load = now_s() - t0;
	r = PQexec(c, "SELECT pg_total_relation_size('docs'), pg_relation_size('docs_number')");
	if (PQresultStatus(r) == PGRES_TUPLES_OK)
		printf("pg_btree: %zu documents: COPY + B-tree %.1f s, table and index %.0f MiB "
		       "(index %.0f MiB)\n", ndocs, load, strtod(PQgetvalue(r, 0, 0), NULL) / 1048576.0,
		       strtod(PQgetvalue(r, 0, 1), NULL) / 1048576.0);
	PQclear(r);
	r = PQprepare(c, "doc", "SELECT count(*) FROM docs WHERE number = $1", 1, NULL);
	PQclear(r);
	lat = calloc(nq + 1, sizeof(*lat));
	for (size_t i = 0; lat && i < nq; i++) {
		const char *p[1] = { q[i].doc };
		double s = now_s();

		r = PQexecPrepared(c, "doc", 1, p, NULL, NULL, 0);
		lat[n++] = (now_s() - s) * 1e3;
		if (PQresultStatus(r) == PGRES_TUPLES_OK)
			found += strtol(PQgetvalue(r, 0, 0), NULL, 10) > 0;
		PQclear(r);
	}
	if (lat) {
		qsort(lat, n, sizeof(*lat), cmp_d);
		printf("pg_btree: document lookup p50 %.3f ms, p99 %.3f ms over %zu lookups (%zu listed)\n",
		       pct(lat, n, 0.5), pct(lat, n, 0.99), n, found);
		printf("pg_btree_p50_ms=%.4f pg_btree_p99_ms=%.4f pg_btree_load_s=%.1f\n",
		       pct(lat, n, 0.5), pct(lat, n, 0.99), load);
		if (tap)
			printf("ok - pg B-tree anchor ran over %zu documents\n", ndocs);
	}
	free(lat);
	PQexec(c, "DROP TABLE docs");
	PQfinish(c);
	return;
fail:
	fprintf(stderr, "bench_screen: pg docs: %s", PQerrorMessage(c));
	if (tap)
		printf("not ok - pg B-tree anchor: could not load\n");
	PQfinish(c);
}

/*
 * --idents-only N: the identifier structure alone at N fingerprints, built
 * in memory from made-up sorted fingerprints as tims_wl_load_index feeds it
 * (in order, compact as they come): its size and lookup time at a scale
 * the store of this run may not reach. Not the target's measurement (that
 * is the store's), a bound on the index's share of it.
 */
static int idents_only(size_t n)
{
	struct tims_screen_index *ix;
	struct tims_screen_index_stats st;
	uint64_t fp = 1, gap = n ? UINT64_MAX / n : 1, *probe;
	size_t np = 100000, found = 0, c;
	double t0, t_build, *lat;
	long rss0 = status_kib("VmRSS"), rss;

	probe = calloc(np, sizeof(*probe));
	lat = calloc(np, sizeof(*lat));
	if (!probe || !lat || tims_screen_index_new(&ix) || tims_screen_index_reserve(ix, 0, 0, n))
		return 2;
	t0 = now_s();
	for (size_t i = 0; i < n; i++) {
		fp += 1 + rnd() % (2 * gap - 1);
		if (i % (n / np + 1) == 0 && i / (n / np + 1) < np / 2)
			probe[i / (n / np + 1)] = fp; /* listed */
		if (tims_screen_index_add_ident_fp(ix, fp))
			return 2;
	}
	if (tims_screen_index_finish(ix))
		return 2;
	t_build = now_s() - t0;
	rss = status_kib("VmRSS");
	for (size_t i = np / 2; i < np; i++)
		probe[i] = rnd() | 1; /* not listed (most likely) */
	for (size_t i = 0; i < np; i++) {
		double s = now_s();

		if (probe[i] && !tims_screen_index_lookup_fp(ix, probe[i], &c))
			found += c > 0;
		lat[i] = (now_s() - s) * 1e3;
	}
	qsort(lat, np, sizeof(*lat), cmp_d);
	tims_screen_index_stats(ix, &st);
	printf("identifiers alone (in memory, not from a store): %zu fingerprints take %.0f MiB "
	       "(%.2f bytes each; RSS grew %.0f MiB), taken in order in %.1f s; lookup p50 %.2f us, "
	       "p99 %.2f us; %zu of %zu probes found (half listed)\n", st.idents,
	       (double)st.ident_bytes / 1048576.0, (double)st.ident_bytes / (double)(n ? n : 1),
	       (rss - rss0) / 1024.0, t_build, pct(lat, np, 0.5) * 1e3, pct(lat, np, 0.99) * 1e3,
	       found, np);
	tims_screen_index_free(ix);
	free(probe);
	free(lat);
	return 0;
}

int main(int argc, char **argv)
{
	size_t npersons = 1000000, ndocs = 100000000, nq = 10000, npq = 500, ndelta = 100000;
	const char *names = "tests/data/names", *pg = NULL, *pairs = NULL, *store = NULL;
	char tsv[] = "/tmp/tims-bench-screen-XXXXXX", wldir[4200], mark[4300];
	struct tims_screen_index *ix;
	struct tims_screen_index_stats st;
	struct tims_wl *wl;
	struct tims_wl_screening *scr;
	struct tims_err err;
	struct pool *pools;
	struct target *targets;
	struct query *q;
	size_t npools, ntargets, stride, found = 0, listed = 0, unl = 0, unl_hit = 0, cand_sum = 0;
	size_t doc_hits = 0, doc_listed = 0, stored_p = 0, stored_d = 0;
	double t0, t_gen = 0, t_load, t_open, *lat, *dlat, *clat, *plat, *pclat;
	long rss0, rss, hwm;
	bool tap = false, build_only = false, generate, smoke;
	FILE *out = NULL;
	size_t by_variant[4][2] = { { 0 } };
	int fd;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t x;

		if (!strcmp(argv[i], "--tap")) {
			tap = true;
			continue;
		}
		if (!strcmp(argv[i], "--build-only")) {
			build_only = true;
			continue;
		}
		if (!v) {
			fprintf(stderr, "bench_screen: %s needs a value\n", argv[i]);
			return 2;
		}
		if (!strcmp(argv[i], "--names"))
			names = v;
		else if (!strcmp(argv[i], "--pg"))
			pg = v;
		else if (!strcmp(argv[i], "--pairs"))
			pairs = v;
		else if (!strcmp(argv[i], "--store"))
			store = v;
		else if (!strcmp(argv[i], "--idents-only") &&
			 !tims_parse_u64(v, 4000000000ull, &x, "", NULL))
			return idents_only(x);
		else if (tims_parse_u64(v, 1000000000, &x, argv[i], NULL) == TIMS_OK &&
			 !strcmp(argv[i], "--persons"))
			npersons = x;
		else if (!strcmp(argv[i], "--documents") && !tims_parse_u64(v, 1000000000, &x, "", NULL))
			ndocs = x;
		else if (!strcmp(argv[i], "--queries") && !tims_parse_u64(v, 10000000, &x, "", NULL))
			nq = x;
		else if (!strcmp(argv[i], "--pg-queries") && !tims_parse_u64(v, 10000000, &x, "", NULL))
			npq = x;
		else if (!strcmp(argv[i], "--delta") && !tims_parse_u64(v, 2000000, &x, "", NULL))
			ndelta = x;
		else if (!strcmp(argv[i], "--seed") && !tims_parse_u64(v, UINT64_MAX, &x, "", NULL))
			rng_state = doc_seed = x;
		else {
			fprintf(stderr, "bench_screen: bad option %s %s\n", argv[i], v);
			return 2;
		}
		i++;
	}
	if (!store || !nq || !npersons) {
		fprintf(stderr, "bench_screen: --store DIR (a post's directory, made here when absent), "
			"--persons and --queries > 0 are needed\n");
		return 2;
	}
	smoke = npersons < 1000000 || ndocs < 100000000;
	if (!(npools = load_pools(names, &pools))) {
		printf("%s - screen scale: no name pools in %s\n", tap ? "not ok" : "error:", names);
		return 1;
	}
	ntargets = nq / 2 + 1;
	stride = npersons / ntargets + 1;
	targets = calloc(ntargets, sizeof(*targets));
	q = calloc(nq + 1, sizeof(*q));
	lat = calloc(nq + 1, sizeof(*lat));
	dlat = calloc(nq + 1, sizeof(*dlat));
	clat = calloc(nq + 1, sizeof(*clat));
	plat = calloc(nq + 1, sizeof(*plat));
	pclat = calloc(nq + 1, sizeof(*pclat));
	scr = malloc(sizeof(*scr));
	if (!targets || !q || !lat || !dlat || !clat || !plat || !pclat || !scr)
		return 2;
	if (pg) {
		if ((fd = mkstemp(tsv)) < 0 || !(out = fdopen(fd, "w")))
			return 2;
	}
	snprintf(wldir, sizeof(wldir), "%s/watchlists", store);
	snprintf(mark, sizeof(mark), "%s/generated", store);
	generate = access(mark, F_OK) != 0;

	/* --- the post's store: made once through the import path, kept --- */
	t0 = now_s();
	if (generate) {
		char vc[4300];

		snprintf(vc, sizeof(vc), "%s/vault.conf", store);
		if (mkdir(store, 0700) && errno != EEXIST)
			die("store directory", NULL);
		if (access(vc, F_OK) != 0 && tims_vault_create(store, NULL, &err))
			die("vault", &err);
	}
	if (tims_wl_open(wldir, generate, &wl, &err))
		die("opening the store", &err);
	t_open = now_s() - t0;
	{
		struct tims_buf b = TIMS_BUF_INIT(TIMS_WL_IMPORT_MAX);

		for (size_t i = 0; i < npersons; i++) {
			const struct pool *p = &pools[rndn(npools)];
			struct tims_subject s;
			char name[256], lat_name[300], dob[11];

			person(p, name, sizeof(name), &s);
			if (!p->latin && rndn(10) < 4 && latin_of(name, 0, lat_name, sizeof(lat_name)) &&
			    strlen(lat_name) < sizeof(name))
				snprintf(name, sizeof(name), "%s", lat_name);
			if (i % stride == 0 && i / stride < ntargets) {
				struct target *t = &targets[i / stride];
				struct tims_name n;

				if (tims_name_parse(name, strlen(name), "name", &n, NULL) == TIMS_OK) {
					t->id = (uint32_t)i + 1;
					snprintf(t->name, sizeof(t->name), "%s", name);
					t->s = s;
				}
			}
			if (out)
				fprintf(out, "%zu\t%s\n", i, name);
			if (!generate)
				continue;
			tims_pdate_format(&s.dob, dob, sizeof(dob));
			{
				json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ref", "",
						      "name", name, "dob", dob, "nationality",
						      s.nationality, "sex", s.sex == 'M' ? "M" : "F",
						      "alert", "wanted");
				char ref[24], *line;

				snprintf(ref, sizeof(ref), "P%08zu", i);
				json_object_set_new(o, "ref", json_string(ref));
				line = json_dumps(o, JSON_COMPACT);
				if (!line || tims_buf_addstr(&b, line) || tims_buf_addch(&b, '\n'))
					die("persons: out of memory", NULL);
				free(line);
				json_decref(o);
			}
			if (b.len > TIMS_WL_IMPORT_MAX - 4096)
				import_chunk(wl, "wanted", TIMS_WL_PERSONS, &b, &stored_p);
		}
		if (b.len)
			import_chunk(wl, "wanted", TIMS_WL_PERSONS, &b, &stored_p);
		/* documents, in transactions of 8 M (one import each) */
		for (uint64_t i = 0; generate && i < ndocs; i += 8000000) {
			uint64_t to = i + 8000000 < ndocs ? i + 8000000 : ndocs;
			double w = now_s(), c = cpu_s(),
			       pc = proc_cpu_s();

			if (!doc_lines(&b, i, to, 0))
				die("documents: out of memory", NULL);
			import_chunk(wl, "sltd", TIMS_WL_DOCUMENTS, &b, &stored_d);
			/* this import's rate: wall, and CPU (the writing thread,
			 * the process) for a shared machine */
			fprintf(stderr, "bench_screen: %" PRIu64 " documents stored (%.0f s); this import "
				"of %" PRIu64 ": %.0f s wall (%.0f documents/s), CPU %.0f s on the "
				"writing thread, %.0f s the process\n", to, now_s() - t0, to - i,
				now_s() - w, (double)(to - i) / (now_s() - w),
				cpu_s() - c, proc_cpu_s() - pc);
		}
		tims_buf_release(&b);
	}
	/* the store as a post holds it between deltas: the recent fingerprint
	 * changes (of the last import, or of an earlier run's delta) folded
	 * into the main index, as its background merge does */
	{
		size_t merged = 0, left = 1, steps = 0, n;
		double tm = now_s(), cm = cpu_s();

		while (left) {
			if (tims_wl_fp_merge(wl, 0, &n, &left, &err))
				die("merging the fingerprint index", &err);
			merged += n;
			steps++;
		}
		if (merged)
			printf("store: %zu fingerprint changes left by earlier imports merged into the "
			       "main index in %zu steps, %.1f s (CPU %.1f s)\n", merged, steps,
			       now_s() - tm, cpu_s() - cm);
	}
	tims_wl_close(wl);
	if (out)
		fclose(out);
	if (generate) {
		FILE *m = fopen(mark, "w");

		t_gen = now_s() - t0;
		if (m) {
			fprintf(m, "persons %zu documents %zu seed %" PRIu64 " generated in %.0f s\n",
				npersons, ndocs, doc_seed, t_gen);
			fclose(m);
		}
		printf("store: %zu persons and %zu documents written through the import path "
		       "(sealed) in %.0f s; kept in %s for the next run\n", stored_p, stored_d, t_gen,
		       store);
	} else {
		char line[200] = "";
		FILE *m = fopen(mark, "r");

		if (m) {
			if (!fgets(line, sizeof(line), m))
				line[0] = '\0';
			fclose(m);
		}
		line[strcspn(line, "\n")] = '\0';
		printf("store: reused from %s (%s); opened in %.1f s (a store of schema 1 is "
		       "migrated at its first open: its fingerprint index made from the rows)\n",
		       store, line, t_open);
	}
	if (build_only)
		return 0;

	/* --- loading: the post's real store, as a post starts --- */
	{
		FILE *cr = fopen("/proc/self/clear_refs", "w"); /* peak from here */

		if (cr) {
			fputs("5", cr);
			fclose(cr);
		}
	}
	rss0 = status_kib("VmRSS");
	t0 = now_s();
	if (tims_wl_open(wldir, false, &wl, &err) || tims_wl_load_index(wl, &ix, &err))
		die("loading the index", &err);
	t_load = now_s() - t0;
	rss = status_kib("VmRSS");
	hwm = status_kib("VmHWM");
	tims_screen_index_stats(ix, &st);

	/* --- queries: half listed (written differently), half unlisted; half
	 *     of the documents listed --- */
	for (size_t i = 0; i < nq; i++) {
		const char *dst;

		if (i % 2 == 0 && targets[i / 2].id) {
			const struct target *t = &targets[i / 2];

			q[i].variant = perturb(t->name, q[i].name, sizeof(q[i].name));
			q[i].s = t->s;
			if (rndn(5) == 0) /* the date known to the year only */
				q[i].s.dob.month = q[i].s.dob.day = 0;
			q[i].expect = t->id;
		} else {
			person(&pools[rndn(npools)], q[i].name, sizeof(q[i].name), &q[i].s);
			q[i].variant = -1;
		}
		if (ndocs > ndelta && rndn(2)) { /* not one the deltas renumber */
			doc_of(ndelta + rndn(ndocs - ndelta), q[i].doc, &dst);
			doc_listed++;
		} else {
			doc_of(4000000000ull + rndn(1000000000), q[i].doc, &dst); /* not listed */
		}
	}
	for (size_t i = 0; i < nq; i++) {
		struct tims_name n;
		struct tims_wl_query dq = { 0 };
		char want[16];
		double s = now_s(), cs = cpu_s(), td;
		bool hit = false;
		size_t nh = 0;

		snprintf(want, sizeof(want), "P%08u", q[i].expect - 1);
		scr->nhits = scr->candidates = 0;
		if (tims_name_parse(q[i].name, strlen(q[i].name), "name", &n, NULL) == TIMS_OK &&
		    tims_wl_screen_person(wl, ix, &n, &q[i].s, scr, &err))
			die("screening a person", &err);
		nh = scr->nhits;
		for (size_t h = 0; h < nh; h++)
			hit = hit || (q[i].expect && !strcmp(scr->hits[h].ref, want));
		cand_sum += scr->candidates;
		td = now_s();
		plat[i] = (td - s) * 1e3;
		pclat[i] = (cpu_s() - cs) * 1e3;
		dq.doc_number = q[i].doc;
		if (tims_wl_screen(wl, ix, &dq, scr, &err))
			die("screening a document", &err);
		doc_hits += scr->nhits > 0;
		lat[i] = (now_s() - s) * 1e3;
		dlat[i] = (now_s() - td) * 1e3;
		clat[i] = (cpu_s() - cs) * 1e3;
		if (getenv("BENCH_SCREEN_SLOW") && lat[i] > 1.0)
			fprintf(stderr, "slow: %.2f ms (document %.2f ms), %zu hits: %s\n", lat[i],
				dlat[i], nh, q[i].name);
		if (q[i].expect) {
			listed++;
			found += hit;
			by_variant[q[i].variant & 3][0]++;
			by_variant[q[i].variant & 3][1] += hit;
			if (!hit && getenv("BENCH_SCREEN_MISSES"))
				fprintf(stderr, "miss (variant %d): %s\n", q[i].variant, q[i].name);
		} else {
			unl++;
			unl_hit += nh > 0;
		}
	}
	qsort(lat, nq, sizeof(*lat), cmp_d);
	qsort(dlat, nq, sizeof(*dlat), cmp_d);
	qsort(clat, nq, sizeof(*clat), cmp_d);
	qsort(plat, nq, sizeof(*plat), cmp_d);
	qsort(pclat, nq, sizeof(*pclat), cmp_d);
	printf("screen: %zu persons (%zu names, %zu distinct tokens, %zu keys, %zu postings), "
	       "%zu documents; loaded from the post's sealed store in %.1f s\n", st.persons,
	       st.names, st.tokens, st.keys, st.postings, st.idents, t_load);
	printf("screen: RSS %.0f MiB (before loading %.0f MiB, peak while loading %.0f MiB); "
	       "index data %.0f MiB (identifiers %.2f bytes each)\n", rss / 1024.0, rss0 / 1024.0,
	       hwm / 1024.0, (double)st.bytes / 1048576.0,
	       st.idents ? (double)st.ident_bytes / (double)st.idents : 0.0);
	printf("screen: per traveller (parse, persons, document; hits read back from the store) "
	       "p50 %.3f ms, p99 %.3f ms, max %.3f ms over %zu travellers; %.0f candidates scored "
	       "on average\n", pct(lat, nq, 0.5), pct(lat, nq, 0.99), lat[nq - 1], nq,
	       (double)cand_sum / (double)nq);
	printf("screen: the same in CPU time of the screening thread (what the machine's other "
	       "load does not add): p50 %.3f ms, p99 %.3f ms\n", pct(clat, nq, 0.5), pct(clat, nq, 0.99));
	printf("screen: persons alone (parse, search, hits read back from the store) p50 %.3f ms, "
	       "p99 %.3f ms; in CPU time p50 %.3f ms, p99 %.3f ms\n", pct(plat, nq, 0.5),
	       pct(plat, nq, 0.99), pct(pclat, nq, 0.5), pct(pclat, nq, 0.99));
	printf("screen: document alone (fingerprint, then the store by fingerprint for a listed one) "
	       "p50 %.3f ms, p99 %.3f ms; %zu documents a hit (%zu drawn from the list, the "
	       "others random)\n", pct(dlat, nq, 0.5),
	       pct(dlat, nq, 0.99), doc_hits, doc_listed);
	printf("screen: recall %.3f (%zu of %zu listed travellers found); "
	       "unlisted travellers with a hit %.2f%%\n", listed ? (double)found / (double)listed : 0.0,
	       found, listed, unl ? 100.0 * (double)unl_hit / (double)unl : 0.0);
	printf("screen: recall by how the listed name was written: as listed %.3f, "
	       "second transliteration %.3f, typo %.3f, SURNAME<<GIVEN without middle names %.3f\n",
	       (double)by_variant[0][1] / (double)(by_variant[0][0] ? by_variant[0][0] : 1),
	       (double)by_variant[1][1] / (double)(by_variant[1][0] ? by_variant[1][0] : 1),
	       (double)by_variant[2][1] / (double)(by_variant[2][0] ? by_variant[2][0] : 1),
	       (double)by_variant[3][1] / (double)(by_variant[3][0] ? by_variant[3][0] : 1));

	/* --- a delta: half new documents, half renumbered, through the import
	 *     path; the live index changed in place --- */
	{
		struct tims_buf b = TIMS_BUF_INIT(TIMS_WL_IMPORT_MAX);
		struct tims_wl_import_opts o = { "sltd", TIMS_WL_DOCUMENTS, TIMS_WL_JSONL, false, false,
						 -1, NULL, NULL };
		struct tims_wl_import_result res;
		struct tims_wl_index_delta d;
		double t_store, t_index, td0, c_thread, c_proc, t_ckpt, t_ckpt_wait;
		struct timespec cp0, cp1;
		size_t half = ndelta / 2, c_new = 1, c_old = 1;
		bool screened_new = !half;
		char num[16], rpath[4300];
		const char *dst;
		uint64_t run = 0, renum, prev = 0;
		FILE *rf;

		/* The store is kept for the next run: each run's delta adds other
		 * documents and renumbers the first ones again (run counter). */
		snprintf(rpath, sizeof(rpath), "%s/delta-runs", store);
		if ((rf = fopen(rpath, "r"))) {
			if (fscanf(rf, "%" SCNu64 " %" SCNu64, &run, &prev) != 2)
				run = prev = 0;
			fclose(rf);
		}
		/* numbers of a run's own: 2 000 000 apart (a delta of at most a
		 * million renumbered) */
		renum = 2000000000ull + run * 2000000ull;
		if ((rf = fopen(rpath, "w"))) {
			fprintf(rf, "%" PRIu64 " %" PRIu64 "\n", run + 1, renum);
			fclose(rf);
		}
		if (!doc_lines(&b, ndocs + run * 1000000, ndocs + run * 1000000 + half, 0) || /* new */
		    !doc_lines(&b, 0, ndelta - half < ndocs ? ndelta - half : ndocs, renum)) /* renumbered */
			die("documents: out of memory", NULL);
		td0 = now_s();
		c_thread = cpu_s();
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cp0);
		if (tims_wl_track(wl, &err) ||
		    tims_wl_import(wl, &o, b.buf, b.len, NULL, NULL, &res, &err))
			die("the delta", &err);
		t_store = now_s() - td0;
		/* CPU time: of this thread (it writes every row: the delta's
		 * critical path) and of the process (with the import's workers) */
		c_thread = cpu_s() - c_thread;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cp1);
		c_proc = (double)(cp1.tv_sec - cp0.tv_sec) + (double)(cp1.tv_nsec - cp0.tv_nsec) / 1e9;
		td0 = now_s();
		if (tims_wl_tracked(wl, &d, &err) || tims_wl_index_update(wl, ix, &d, &err))
			die("the delta into the index", &err);
		t_index = now_s() - td0;
		if (getenv("BENCH_SCREEN_DEBUG"))
			fprintf(stderr, "delta: %zu in, %zu out\n", d.nadd, d.ndel);
		tims_wl_index_delta_release(&d);
		tims_buf_release(&b);
		/* every new number found, every old number of a renumbered one gone */
		c_new = c_old = 0;
		for (size_t k = 0; k < ndelta; k++) {
			char norm[TIMS_IDENT_MAX + 1];
			size_t cc = 0;
			bool fresh = k < half;

			if (fresh)
				doc_of(ndocs + run * 1000000 + k, num, &dst);
			else
				doc_of(prev ? prev + (k - half) : k - half, num, &dst);
			if (tims_screen_norm_ident(TIMS_IDENT_DOCUMENT, num, norm, "number", NULL) ||
			    tims_screen_index_lookup(ix, TIMS_IDENT_DOCUMENT, norm, &cc))
				continue;
			if (fresh)
				c_new += cc > 0;
			else
				c_old += cc > 0;
		}
		/* and screened as a booth would: the entry read back from the store */
		if (half) {
			struct tims_wl_query dq = { 0 };
			char ref[24];

			doc_of(ndocs + run * 1000000, num, &dst);
			snprintf(ref, sizeof(ref), "D%010" PRIu64, (uint64_t)(ndocs + run * 1000000));
			dq.doc_number = num;
			screened_new = !tims_wl_screen(wl, ix, &dq, scr, &err) && scr->nhits >= 1 &&
				       !strcmp(scr->hits[0].ref, ref);
		}
		/* the import's checkpoint, after its commit on a thread of its
		 * own (the change durable and live before it): waited for here,
		 * its time said apart */
		td0 = now_s();
		tims__wl_ckpt_join(wl, &t_ckpt);
		t_ckpt_wait = now_s() - td0;
		printf("delta: %zu changes (%zu new documents, %zu renumbered) in %.2f s: the store "
		       "%.2f s (import, its digest included; CPU %.2f s on the writing thread, "
		       "%.2f s with the workers), the live index %.3f s; new numbers found: %zu of "
		       "%zu; old numbers still found: %zu of %zu; then the store's checkpoint in the "
		       "background %.2f s (%.2f s waited for after the above)\n", res.stored, half,
		       ndelta - half, t_store + t_index, t_store, c_thread, c_proc, t_index, c_new,
		       half, c_old, ndelta - half, t_ckpt, t_ckpt_wait);
		/* then the post's background merge of the delta's fingerprints
		 * into the main index: its steps timed (screening goes on
		 * meanwhile through other connections; a step holds the store's
		 * write lock) */
		{
			size_t merged = 0, left = 1, steps = 0, n;
			double tm = now_s(), cm = cpu_s(), longest = 0;

			while (left) {
				double ts = now_s();

				if (tims_wl_fp_merge(wl, 0, &n, &left, &err))
					die("merging the fingerprint index", &err);
				merged += n;
				steps++;
				if (now_s() - ts > longest)
					longest = now_s() - ts;
			}
			printf("delta: then merged into the main fingerprint index (the post's "
			       "background merge): %zu changes in %zu steps of at most %d, %.2f s "
			       "(CPU %.2f s), the longest step %.0f ms\n", merged, steps,
			       TIMS_WL_FP_MERGE_STEP, now_s() - tm, cpu_s() - cm, longest * 1e3);
		}
		printf("screen_load_s=%.2f delta_s=%.3f delta_index_s=%.4f delta_cpu_s=%.3f\n", t_load,
		       t_store + t_index, t_index, c_thread);
		printf("screen_p50_ms=%.4f screen_p99_ms=%.4f screen_rss_mib=%.0f screen_recall=%.4f "
		       "doc_p50_ms=%.4f doc_p99_ms=%.4f\n", pct(lat, nq, 0.5), pct(lat, nq, 0.99),
		       rss / 1024.0, listed ? (double)found / (double)listed : 0.0, pct(dlat, nq, 0.5),
		       pct(dlat, nq, 0.99));
		bench_target("screening a traveller: p99", pct(lat, nq, 0.99), false, 1.0, "ms", smoke);
		bench_target("post memory with the watchlists loaded: RSS", rss / 1024.0, false, 1536,
			     "MiB", smoke);
		bench_target("watchlists loaded from the post's store", t_load, false, 60, "s", smoke);
		char what[96];

		/* the target is for 100 000 changes; a smaller delta is smoke scale */
		snprintf(what, sizeof(what), "a delta of %zu changes applied (store and live index)",
			 ndelta);
		bench_target(what, t_store + t_index, false, 5, "s", smoke || ndelta < 100000);
		if (tap) {
			printf("ok - screen scale: p99 %.3f ms, RSS %.0f MiB, recall %.3f over %zu persons, "
			       "%zu documents loaded from %s in %.1f s\n", pct(lat, nq, 0.99), rss / 1024.0,
			       listed ? (double)found / (double)listed : 0.0, npersons, ndocs,
			       base_name(store), t_load);
			printf("%s - screen scale: a delta of %zu changes reaches the live index\n",
			       c_new == half && c_old <= (ndelta - half) / 1000 && screened_new ? "ok" :
			       "not ok", ndelta);
		}
	}
	tims_screen_index_free(ix);
	tims_wl_close(wl);
	if (pg) {
		int rc = pg_bench(pg, tsv, q, nq, npq, tap);

		unlink(tsv);
		if (!rc && tap)
			printf("ok - pg_trgm anchor ran over %zu persons\n", npersons);
		if (!rc && pairs)
			pg_pairs(pg, pairs);
		pg_docs(pg, ndocs, q, nq < 2000 ? nq : 2000, tap);
	}
	return 0;
}
