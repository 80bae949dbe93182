/*
 * bench_report.c — the dashboard's statistics (tims_cstore_report) over a
 * query store of national size: how long a ministry's report takes.
 *
 *   bench_report DIR ROWS
 *       make DIR/query.db (the store's own schema, tims_cstore_open) and
 *       fill it with ROWS crossings spread over the 365 days of 2026, 20
 *       posts, 60 nationalities, both directions, 2 % refused with one or
 *       two reasons, 20 % drivers, 0.1 % corrected (one transaction, a
 *       prepared statement; the reports read clear columns only, so no
 *       record is sealed); then time, three times each, best and worst:
 *         monthly   one month by post, nationality, direction, decision
 *                   (what the monthly statistics ask)
 *         daily     one month by day and post
 *         yearly    the year by month, post and direction
 *         refusals  the year's refusals by month and reason
 *   Prints "NAME rows R groups G best_ms B worst_ms W" lines.
 *
 * National scale (docs/SPEC §5): about 34 M crossings a year, 2.8 M a month.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tims/cstore.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static tims_rc count_row(void *ctx, const struct tims_report_row *r)
{
	(void)r;
	(*(unsigned long *)ctx)++;
	return TIMS_OK;
}

static int fill(const char *path, long rows)
{
	static const char *const reasons[] = { "A", "B", "C", "E", "B,E", "F", "G" };
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t jan1 = 20454; /* 2026-01-01 */
	char origin[32], nat[16];
	unsigned seed = 12345;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; BEGIN", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(db, "INSERT INTO crossings (origin, idx, post_time, leaf, erased, when_ms,"
			       " direction, decision, issuer, doc, person, nationality, own_time, hit,"
			       " corrects, corrected_by, sealed, vrole, vcountry, refusal, hitparts)"
			       " VALUES (?1, ?2, ?3, 'x', 0, ?3, ?4, ?5, ?6, '', '', ?6, 0, ?7, NULL, ?8,"
			       " NULL, ?9, ?10, ?11, ?12)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	for (long i = 0; i < rows; i++) {
		int post = (int)(i % 20), refused, hit;
		int64_t when = (jan1 + (i * 365) / rows) * 86400000 + (rand_r(&seed) % 86400000);

		snprintf(origin, sizeof(origin), "bench.example/post-%02d", post);
		snprintf(nat, sizeof(nat), "N%02u", rand_r(&seed) % 60u);
		refused = rand_r(&seed) % 50 == 0;
		hit = rand_r(&seed) % 500 == 0;
		sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, i / 20);
		sqlite3_bind_int64(st, 3, when);
		sqlite3_bind_int(st, 4, 1 + (int)(i % 2));
		sqlite3_bind_int(st, 5, refused ? 2 : 1);
		sqlite3_bind_text(st, 6, nat, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 7, hit);
		if (i % 1000 == 999) /* a corrected record: its correction stands */
			sqlite3_bind_int64(st, 8, i / 20 + 1);
		else
			sqlite3_bind_null(st, 8);
		sqlite3_bind_int(st, 9, rand_r(&seed) % 5 == 0 ? 1 : 0);
		sqlite3_bind_text(st, 10, "SRB", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 11, refused ? reasons[rand_r(&seed) % 7] : "", -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 12, hit ? 4 : 0);
		if (sqlite3_step(st) != SQLITE_DONE)
			return -1;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	sqlite3_exec(db, "COMMIT; ANALYZE", NULL, NULL, NULL);
	sqlite3_close(db);
	return 0;
}

static void run(struct tims_cstore *s, const char *name, const struct tims_report_query *q)
{
	double best = 1e18, worst = 0;
	unsigned long groups = 0;
	struct tims_err err;

	for (int k = 0; k < 3; k++) {
		double t0 = now_ms(), dt;

		groups = 0;
		if (tims_cstore_report(s, q, count_row, &groups, &err)) {
			printf("%s error %s\n", name, err.msg);
			return;
		}
		dt = now_ms() - t0;
		best = dt < best ? dt : best;
		worst = dt > worst ? dt : worst;
	}
	printf("%s groups %lu best_ms %.1f worst_ms %.1f\n", name, groups, best, worst);
}

int main(int argc, char **argv)
{
	char path[4096], uri[4200];
	struct tims_cstore *s;
	struct tims_err err;
	long rows;

	if (argc != 3 || (rows = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: bench_report DIR ROWS\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/query.db", argv[1]);
	snprintf(uri, sizeof(uri), "sqlite:%s", path);
	if (tims_cstore_open(uri, &s, &err)) { /* the schema */
		fprintf(stderr, "bench_report: %s\n", err.msg);
		return 1;
	}
	tims_cstore_close(s);
	{
		double t0 = now_ms();

		if (fill(path, rows)) {
			fprintf(stderr, "bench_report: fill failed\n");
			return 1;
		}
		printf("fill rows %ld ms %.0f\n", rows, now_ms() - t0);
	}
	if (tims_cstore_open(uri, &s, &err)) {
		fprintf(stderr, "bench_report: %s\n", err.msg);
		return 1;
	}
	{
		struct tims_report_query monthly = { TIMS_REPORT_CROSSINGS, TIMS_REPORT_ALL,
			TIMS_REPORT_BY_POST | TIMS_REPORT_BY_NATIONALITY | TIMS_REPORT_BY_DIRECTION |
			TIMS_REPORT_BY_DECISION, 20454 + 151, 20454 + 180 };     /* June */
		struct tims_report_query daily = { TIMS_REPORT_CROSSINGS, TIMS_REPORT_DAY,
			TIMS_REPORT_BY_POST, 20454 + 151, 20454 + 180 };
		struct tims_report_query yearly = { TIMS_REPORT_CROSSINGS, TIMS_REPORT_MONTH,
			TIMS_REPORT_BY_POST | TIMS_REPORT_BY_DIRECTION, 20454, 20454 + 364 };
		struct tims_report_query refusals = { TIMS_REPORT_REFUSALS, TIMS_REPORT_MONTH,
			TIMS_REPORT_BY_REASON, 20454, 20454 + 364 };

		run(s, "monthly", &monthly);
		run(s, "daily", &daily);
		run(s, "yearly", &yearly);
		run(s, "refusals", &refusals);
	}
	tims_cstore_close(s);
	return 0;
}
