/*
 * fuzz_roster.c — the officer roster parser (tims_officer_roster_apply) and
 * the bundle envelope (tims_bundle_open) on arbitrary bytes: what a forged
 * or corrupted bundle could carry to a post.
 *
 * Beyond "no crash, no leak, no undefined behaviour" it checks what a post
 * relies on: a refused roster changes nothing (all or nothing), and an
 * accepted one leaves every account with a role a person can hold.
 */
#include <sqlite3.h>

#include "tims/bundle.h"
#include "tims/officer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_cb(void *ctx, const struct tims_officer *o)
{
	if (o->role == TIMS_ROLE_PEER || o->role == 0)
		abort();
	(*(int *)ctx)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[TIMS_STORE_KEY_BYTES] = { 1 };
	struct tims_roster_result res;
	struct tims_officers *o = NULL;
	struct tims_verifier v;
	struct tims_bundle b;
	sqlite3 *db = NULL;
	int n = 0;

	memset(&v, 0, sizeof(v));
	snprintf(v.name, sizeof(v.name), "tims-centre");
	v.alg = TIMS_KEY_ED25519;
	if (tims_bundle_open((const char *)data, size, &v, "tims-centre", &b, NULL) == TIMS_OK)
		tims_bundle_release(&b);
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    tims_officers_open(db, key, TIMS_PW_COST_TEST, &o, NULL) != TIMS_OK)
		abort();
	if (tims_officer_roster_apply(o, (const char *)data, size, &res, NULL) != TIMS_OK) {
		tims_officer_list(o, count_cb, &n, NULL);
		if (n != 0)
			abort();
	} else {
		tims_officer_list(o, count_cb, &n, NULL);
		if ((size_t)n != res.added)
			abort();
	}
	tims_officers_free(o);
	sqlite3_close(db);
	return 0;
}
