/*
 * bench_postsearch.c — a post's history searched by name (tims_post_search)
 * at a post holding N records, and what the name keys cost:
 *   - keys: tims_name_search_key and the two blind indexes of a record (what
 *     each registration now adds), per record;
 *   - search by surname and given names (no birth date), and with the full
 *     birth date: p50/p99 per search and the records compared;
 *   - migration: a post.db of schema 2 opened by the writer (the schema
 *     change in one transaction), then every record's keys made in steps
 *     of 256 as the node's timer makes them: records/s.
 * Synthetic names: three syllables of 12 consonants and 5 vowels (1 728
 * consonant skeletons), so a surname key holds about N / 1 728 records.
 * Prints figures, never asserts them (no SPEC target; the booth's history
 * read is the nearest: p99 <= 50 ms at 10 M records).
 *
 *   bench_postsearch [--n N] [--dir DIR]   (needs TIMS_TOKEN: scripts/token.sh)
 */
#include <sqlite3.h>

#include "tims/post.h"
#include "tims/screen.h"
#include "tims/util.h"
#include "tims/vault.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static const char cons[] = "BDFGKLMNPRST", vow[] = "AEIOU";

static void name_of(unsigned v, char *out, size_t cap)
{
	snprintf(out, cap, "%c%c%c%c%c%cI", cons[v % 12], vow[(v / 12) % 5], cons[(v / 60) % 12],
		 vow[(v / 720) % 5], cons[(v / 3600) % 12], vow[(v / 43200) % 5]);
}

static void person(unsigned i, char *sur, char *given, char *dob, size_t cap)
{
	unsigned h = i * 2654435761u;

	name_of(h % 518400u, sur, cap);
	name_of((h >> 7) % 518400u, given, cap);
	snprintf(dob, cap, "%04u-%02u-%02u", 1950 + (h >> 3) % 55, 1 + (h >> 11) % 12,
		 1 + (h >> 15) % 28);
}

static void make_record(struct tims_record *r, unsigned i)
{
	tims_record_init(r);
	r->direction = (i & 1) ? TIMS_DIR_EXIT : TIMS_DIR_ENTRY;
	r->decision = TIMS_DECISION_ADMIT;
	snprintf(r->ref, sizeof(r->ref), "s-%u", i);
	snprintf(r->officer, sizeof(r->officer), "O1");
	snprintf(r->booth, sizeof(r->booth), "B1");
	snprintf(r->person.issuer, sizeof(r->person.issuer), "UTO");
	snprintf(r->person.nationality, sizeof(r->person.nationality), "UTO");
	snprintf(r->person.doc_number, sizeof(r->person.doc_number), "D%08u", i);
	person(i, r->person.surname, r->person.given_names, r->person.birth_date,
	       sizeof(r->person.surname));
}

static void searches(struct tims_post *p, unsigned n, int with_dob)
{
	enum { Q = 200 };
	double lat[Q];
	uint64_t compared = 0, found = 0, refused = 0;
	struct tims_err err;

	for (unsigned k = 0; k < Q; k++) {
		char sur[64], given[64], dob[64];
		struct tims_post_search_query q = { sur, given, with_dob ? dob : NULL, NULL, 0, 0, 0 };
		json_t *j = NULL;
		double t0;
		tims_rc rc;

		person((k * 7919u) % n, sur, given, dob, sizeof(sur));
		t0 = now_ms();
		rc = tims_post_search(p, &q, &j, &err);
		lat[k] = now_ms() - t0;
		if (rc == TIMS_ERR_TOOBIG) {
			refused++;
		} else if (rc) {
			printf("not ok - search: %s\n", err.msg);
			return;
		}
		compared += (uint64_t)json_integer_value(json_object_get(j, "candidates"));
		found += (uint64_t)json_integer_value(json_object_get(j, "found"));
		json_decref(j);
	}
	qsort(lat, Q, sizeof(lat[0]), cmp_double);
	printf("search %-26s %u searches: p50 %.2f ms, p99 %.2f ms; records compared %.1f a "
	       "search, documents found %.2f, refused as too broad %" PRIu64 "\n",
	       with_dob ? "(name, full birth date)" : "(surname and given name)", Q, lat[Q / 2],
	       lat[Q * 99 / 100], (double)compared / Q, (double)found / Q, refused);
}

int main(int argc, char **argv)
{
	unsigned n = 100000;
	char dirbuf[] = "/tmp/tims-bench-postsearch-XXXXXX", post[4200];
	const char *dir = NULL;
	struct tims_post *p = NULL;
	struct tims_err err;
	struct tims_record *recs;
	struct tims_post_ack *acks;
	double t0, t;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--n") && i + 1 < argc)
			n = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
	}
	if (n < 1000)
		n = 1000;
	if (!dir && !(dir = mkdtemp(dirbuf)))
		return 2;
	snprintf(post, sizeof(post), "%s/post", dir);
	if (tims_post_init(post, "bench.example/postsearch", "bench", "land", &err) ||
	    tims_post_open(post, TIMS_POST_WRITE, &p, &err)) {
		printf("not ok - post: %s\n", err.msg);
		return 1;
	}
	recs = calloc(1000, sizeof(*recs));
	acks = calloc(1000, sizeof(*acks));
	if (!recs || !acks)
		return 2;
	/* what a registration now adds: the record's name keys */
	{
		char key[128], hex[TIMS_VAULT_BLIND_HEX];
		struct tims_record r;

		t0 = now_ms();
		for (unsigned i = 0; i < 20000; i++) {
			make_record(&r, i);
			tims_name_search_key(r.person.surname, key, sizeof(key));
			if (tims_vault_blind_hex(tims_post_vault(p), "skel", key, strlen(key), hex, &err) ||
			    tims_vault_blind_hex(tims_post_vault(p), "dob", r.person.birth_date,
						 strlen(r.person.birth_date), hex, &err))
				return 1;
		}
		t = now_ms() - t0;
		printf("keys of a record (search key, 2 blind indexes): %.1f us\n", t * 1000 / 20000);
	}
	t0 = now_ms();
	for (unsigned i = 0; i < n; i += 1000) {
		unsigned m = n - i < 1000 ? n - i : 1000;

		for (unsigned k = 0; k < m; k++)
			make_record(&recs[k], i + k);
		if (tims_post_append(p, recs, m, acks, &err)) {
			printf("not ok - append: %s\n", err.msg);
			return 1;
		}
	}
	printf("post of %u records (appended in batches of 1000: %.0f records/s)\n", n,
	       n / ((now_ms() - t0) / 1e3));
	searches(p, n, 0);
	searches(p, n, 1);
	tims_post_free(p);
	p = NULL;
	{
		char db[4300];
		sqlite3 *s = NULL;

		snprintf(db, sizeof(db), "%s/post.db", post);
		if (sqlite3_open(db, &s) != SQLITE_OK ||
		    sqlite3_exec(s, "DROP TRIGGER records_erase_names; DROP TABLE names;"
				 " DROP TABLE names_pending; PRAGMA user_version = 2;", NULL, NULL,
				 NULL) != SQLITE_OK) {
			printf("not ok - a schema 2 post.db: %s\n", sqlite3_errmsg(s));
			return 1;
		}
		sqlite3_close(s);
	}
	t0 = now_ms();
	if (tims_post_open(post, TIMS_POST_WRITE, &p, &err)) {
		printf("not ok - migration: %s\n", err.msg);
		return 1;
	}
	printf("migration: the writer's open of a schema 2 post.db took %.0f ms\n", now_ms() - t0);
	t0 = now_ms();
	{
		int more = 1;

		/* as the node's timer does, in steps of 256 */
		while (more)
			if (tims_post_index_names(p, 256, &more, &err)) {
				printf("not ok - keys owed: %s\n", err.msg);
				return 1;
			}
	}
	t = now_ms() - t0;
	printf("migration: the keys owed by %u records made in steps of 256: %.2f s "
	       "(%.0f records/s)\n", n, t / 1e3, n / (t / 1e3));
	tims_post_free(p);
	free(recs);
	free(acks);
	if (dir == dirbuf) {
		char cmd[4300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dirbuf);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dirbuf);
	}
	return 0;
}
