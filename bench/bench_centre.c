/*
 * bench_centre.c — the centre's ingest rate: batches of a post's log, as
 * they arrive on the wire (JSON), decoded, every record checked against its
 * entry, the tree extended, the post's checkpoint signature and the
 * consistency proof verified, the mirror committed durably and the records
 * indexed into the query store — next to the bare Ed25519 verification
 * rate of libsodium measured in the same run (the anchor: what the centre
 * would manage if it verified one signature per record and did nothing
 * else).
 *
 *   bench_centre [--smoke] [--n N] [--store URI]
 *
 * The records are made first by a real post (group commits), then encoded
 * into batches of 1024 (what a node pushes); only the ingest is timed.
 */
#include <sodium.h>
#include <time.h>
#include <unistd.h>

#include "tims/centre.h"
#include "tims/cstore.h"
#include "tims/post.h"
#include "tims/sync.h"
#include "tims/util.h"

#include "target.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU time of the whole process (all threads), for figures that other load
 * on a shared machine does not move as much as it moves the wall clock. */
static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char *const surnames[] = { "IVANOV", "MUELLER", "OZTURK", "PAPADOPOULOS",
					"HOXHA", "SMITH", "ALKHALIFI", "KOWALSKI" };

static int make_post(const char *dir, size_t n, struct tims_post **out)
{
	static struct tims_record recs[TIMS_POST_MAX_BATCH];
	static struct tims_post_ack acks[TIMS_POST_MAX_BATCH];
	struct tims_err err;
	int issued;

	if (tims_post_init(dir, "bench.example/post", "bench", "land", &err) ||
	    tims_post_open(dir, TIMS_POST_WRITE, out, &err)) {
		fprintf(stderr, "bench_centre: %s\n", err.msg);
		return -1;
	}
	for (size_t done = 0; done < n;) {
		size_t k = n - done > 1000 ? 1000 : n - done;

		for (size_t i = 0; i < k; i++) {
			struct tims_record *r = &recs[i];
			size_t j = done + i;

			tims_record_init(r);
			r->direction = j % 2 ? TIMS_DIR_EXIT : TIMS_DIR_ENTRY;
			snprintf(r->officer, sizeof(r->officer), "O%zu", j % 17);
			snprintf(r->booth, sizeof(r->booth), "B%zu", j % 4);
			snprintf(r->person.doc_number, sizeof(r->person.doc_number), "X%07zu", j / 2);
			snprintf(r->person.surname, sizeof(r->person.surname), "%s",
				 surnames[j % 8]);
			snprintf(r->person.given_names, sizeof(r->person.given_names), "GIVEN%zu", j % 997);
			snprintf(r->person.nationality, sizeof(r->person.nationality), "%s",
				 j % 3 ? "BGR" : "TUR");
			r->decision = TIMS_DECISION_ADMIT;
		}
		if (tims_post_append(*out, recs, k, acks, &err)) {
			fprintf(stderr, "bench_centre: %s\n", err.msg);
			return -1;
		}
		done += k;
	}
	return tims_post_checkpoint(*out, &issued, &err) ? -1 : 0;
}

int main(int argc, char **argv)
{
	char tmpl[] = "/tmp/tims-bench-centre-XXXXXX", path[512], cmd[600];
	const char *store = NULL;
	size_t n = 100000, nb = 0;
	int smoke = 0, rc = 1;
	struct tims_post *p = NULL;
	struct tims_centre *c = NULL;
	struct tims_buf note = TIMS_BUF_INIT(TIMS_NOTE_MAX_BYTES), *wire = NULL;
	struct tims_checkpoint cp;
	struct tims_err err;
	double t0, c0, ingest_ms, ed_ms, reindex_ms, ingest_cpu, reindex_cpu;
	uint64_t reindexed = 0;
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	unsigned char sig[crypto_sign_BYTES], msg[200];
	size_t ed_n;

	for (int i = 1; i < argc; i++) {
		uint64_t v;

		if (!strcmp(argv[i], "--smoke"))
			smoke = 1, n = 10000;
		else if (!strcmp(argv[i], "--n") && i + 1 < argc &&
			 !tims_parse_u64(argv[++i], 10000000, &v, "--n", NULL) && v >= 1024)
			n = (size_t)v;
		else if (!strcmp(argv[i], "--store") && i + 1 < argc)
			store = argv[++i];
		else {
			fprintf(stderr, "usage: bench_centre [--smoke] [--n N>=1024] [--store URI]\n");
			return 2;
		}
	}
	if (sodium_init() < 0 || !mkdtemp(tmpl))
		return 2;
	snprintf(path, sizeof(path), "%s/post", tmpl);
	if (make_post(path, n, &p))
		goto out;
	/* The batches a node would push, encoded once. */
	nb = (n + TIMS_SYNC_MAX_BATCH - 1) / TIMS_SYNC_MAX_BATCH;
	if (!(wire = calloc(nb, sizeof(*wire))) ||
	    tims_post_latest_checkpoint(p, &note, &cp, &err))
		goto out;
	for (size_t i = 0; i < nb; i++) {
		struct tims_sync_batch b;

		tims_sync_batch_init(&b);
		tims_buf_init(&wire[i], TIMS_SYNC_MAX_BODY);
		if (tims_sync_batch_from_post(&b, p, i * TIMS_SYNC_MAX_BATCH, TIMS_SYNC_MAX_BATCH,
					      note.buf, note.len, &err) ||
		    tims_sync_batch_encode(&b, &wire[i], &err)) {
			fprintf(stderr, "bench_centre: %s\n", err.msg);
			tims_sync_batch_release(&b);
			goto out;
		}
		tims_sync_batch_release(&b);
	}
	snprintf(path, sizeof(path), "%s/centre", tmpl);
	snprintf(cmd, sizeof(cmd), "%s/post/post.vkey", tmpl);
	if (tims_centre_init(path, "bench-centre", store, NULL, &err) ||
	    tims_centre_open(path, &c, &err)) {
		fprintf(stderr, "bench_centre: %s\n", err.msg);
		goto out;
	}
	/* The post's enrolment goes beside the centre, never into it (its
	 * client.crt would replace the centre's own). */
	snprintf(path, sizeof(path), "%s/enrol", tmpl);
	if (tims_centre_enrol(c, "bench", cmd, "https://127.0.0.1:1", NULL, path, &err)) {
		fprintf(stderr, "bench_centre: %s\n", err.msg);
		goto out;
	}
	/* Timed: decode + verify + store + index, batch by batch. */
	t0 = now_ms();
	c0 = cpu_ms();
	for (size_t i = 0; i < nb; i++) {
		struct tims_sync_batch b;
		struct tims_centre_ingest in;

		tims_sync_batch_init(&b);
		if (tims_sync_batch_decode(wire[i].buf, wire[i].len, &b, &err) ||
		    tims_centre_ingest(c, "bench.example/post", &b, &in, &err)) {
			fprintf(stderr, "bench_centre: batch %zu: %s\n", i, err.msg);
			tims_sync_batch_release(&b);
			goto out;
		}
		tims_sync_batch_release(&b);
	}
	ingest_ms = now_ms() - t0;
	ingest_cpu = cpu_ms() - c0;
	/* The query store rebuilt from the verified mirrors (after a wipe of
	 * the store, or a crash between mirror and store). */
	if (tims_cstore_wipe(tims_centre_store(c), &err)) {
		fprintf(stderr, "bench_centre: %s\n", err.msg);
		goto out;
	}
	t0 = now_ms();
	c0 = cpu_ms();
	if (tims_centre_reindex(c, &reindexed, &err)) {
		fprintf(stderr, "bench_centre: reindex: %s\n", err.msg);
		goto out;
	}
	reindex_ms = now_ms() - t0;
	reindex_cpu = cpu_ms() - c0;
	/* The anchor: bare Ed25519 verifications of 200-byte messages. */
	crypto_sign_keypair(pk, sk);
	randombytes_buf(msg, sizeof(msg));
	crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
	ed_n = smoke ? 5000 : 50000;
	t0 = now_ms();
	for (size_t i = 0; i < ed_n; i++)
		if (crypto_sign_verify_detached(sig, msg, sizeof(msg), pk) != 0)
			goto out;
	ed_ms = now_ms() - t0;
	{
		double rate = n / (ingest_ms / 1e3), ed = ed_n / (ed_ms / 1e3);
		double rerate = reindexed / (reindex_ms / 1e3);
		uint64_t held = 0;

		tims_cstore_count(tims_centre_store(c), NULL, &held, &err);
		bench_target(store ? "centre ingest, PostgreSQL store" : "centre ingest, SQLite store",
			     rate, true, 15000, "records/s", smoke);
		if (smoke) {
			printf("ok - centre ingest (%s store): %.0f records/s, every batch signature "
			       "and proof verified; bare Ed25519 verify %.0f/s; ratio %.2f\n",
			       store ? "postgresql" : "sqlite", rate, ed, rate / ed);
			printf("%s - centre ingest: %" PRIu64 " of %zu records indexed\n",
			       held == n ? "ok" : "not ok", held, n);
			printf("%s - centre reindex from the mirrors: %" PRIu64 " records, %.0f/s\n",
			       reindexed == n ? "ok" : "not ok", reindexed, rerate);
		} else {
			printf("centre ingest, %zu records in %zu batches of %d (%s query store):\n",
			       n, nb, TIMS_SYNC_MAX_BATCH, store ? "postgresql" : "sqlite");
			printf("  ingest       %8.0f records/s  (decode, check each record, extend the\n"
			       "               tree, verify signature and proof, commit, index)\n", rate);
			printf("  bare Ed25519 %8.0f verify/s   (libsodium, one core)\n", ed);
			printf("  ratio ingest/Ed25519 %.2f\n", rate / ed);
			printf("  indexed %" PRIu64 " of %zu\n", held, n);
			printf("  reindex      %8.0f records/s  (query store rebuilt from the mirrors)\n",
			       rerate);
			printf("  ingest cpu   %8.0f records/cpu-s  reindex cpu %8.0f records/cpu-s\n",
			       n / (ingest_cpu / 1e3), reindexed / (reindex_cpu / 1e3));
		}
	}
	rc = 0;
out:
	tims_centre_free(c);
	tims_post_free(p);
	for (size_t i = 0; wire && i < nb; i++)
		tims_buf_release(&wire[i]);
	free(wire);
	tims_buf_release(&note);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_centre: could not remove %s\n", tmpl);
	if (rc)
		printf("not ok - centre bench failed\n");
	return rc;
}
