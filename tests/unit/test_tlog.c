/*
 * test_tlog.c — Merkle log hashing, stored indexes, proofs.
 *
 * Published vectors: the RFC 6962 reference tree of 8 leaves used by
 * certificate-transparency, trillian and transparency-dev/merkle
 * (proof/verify_test.go): its roots for sizes 1..8 and its inclusion and
 * consistency proofs. Then exhaustive cross-checks against a naive
 * recursive MTH for every size up to 70, with tampered proofs.
 */
#include <sodium.h>

#include "t.h"
#include "tims/tlog.h"
#include "tims/util.h"

static const char *const leaf_hex[8] = {
	"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
};

static const char *const root_hex[8] = {
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

/* {index (0-based), size, proof...}: transparency-dev/merkle vectors. */
static const struct {
	uint64_t index, size;
	const char *proof[3];
	size_t len;
} incl_vec[] = {
	{ 0, 1, { NULL }, 0 },
	{ 0, 8, { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" }, 3 },
	{ 5, 8, { "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
		  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" }, 3 },
	{ 2, 3, { "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125" }, 1 },
	{ 1, 5, { "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" }, 3 },
};

static const struct {
	uint64_t size1, size2;
	const char *proof[3];
	size_t len;
} cons_vec[] = {
	{ 1, 1, { NULL }, 0 },
	{ 1, 8, { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" }, 3 },
	{ 6, 8, { "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" }, 3 },
	{ 2, 5, { "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" }, 2 },
	{ 6, 7, { "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		  "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
		  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" }, 3 },
};

static void h(const char *hex, tims_hash out)
{
	if (tims_hex_decode(hex, out, TIMS_HASH_BYTES, "vector", NULL))
		abort();
}

/* The RFC's MTH over leaf hashes, recursively: the reference. */
static void mth(tims_hash *leaves, uint64_t n, tims_hash out)
{
	tims_hash l, r;
	uint64_t k = 1;

	if (n == 0) {
		tims_tlog_empty_root(out);
		return;
	}
	if (n == 1) {
		memcpy(out, leaves[0], TIMS_HASH_BYTES);
		return;
	}
	while (k * 2 < n)
		k *= 2;
	mth(leaves, k, l);
	mth(leaves + k, n - k, r);
	tims_tlog_node_hash(l, r, out);
}

static struct tims_tlog_mem vec_log(void)
{
	struct tims_tlog_mem m;

	tims_tlog_mem_init(&m, 100);
	for (int i = 0; i < 8; i++) {
		uint8_t entry[16];
		size_t n = strlen(leaf_hex[i]) / 2;
		tims_hash lh;

		if (n && tims_hex_decode(leaf_hex[i], entry, n, "leaf", NULL))
			abort();
		tims_tlog_leaf_hash(entry, n, lh);
		if (tims_tlog_mem_append(&m, lh, NULL))
			abort();
	}
	return m;
}

static void test_vectors(void)
{
	struct tims_tlog_mem m = vec_log();
	struct tims_tlog_reader r;
	tims_hash root, want, proof[TIMS_TLOG_MAX_PROOF], vp[3], leaf;
	struct tims_err err;
	size_t len;

	tims_tlog_mem_reader(&m, &r);
	tims_tlog_empty_root(root);
	h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want);
	T_OK(!memcmp(root, want, 32), "rfc6962: empty tree root is SHA-256 of nothing");
	T_OK(tims_tlog_tree_hash(0, &r, root, &err) == TIMS_OK && !memcmp(root, want, 32),
	     "rfc6962: tree_hash(0) is the empty root");
	for (uint64_t n = 1; n <= 8; n++) {
		h(root_hex[n - 1], want);
		T_OK(tims_tlog_tree_hash(n, &r, root, &err) == TIMS_OK &&
		     !memcmp(root, want, 32), "rfc6962: root of size %" PRIu64 " matches the published vector", n);
	}
	for (size_t v = 0; v < TIMS_ARRAY_SIZE(incl_vec); v++) {
		uint64_t i = incl_vec[v].index, n = incl_vec[v].size;
		int same = 1;

		for (size_t j = 0; j < incl_vec[v].len; j++)
			h(incl_vec[v].proof[j], vp[j]);
		T_OK(tims_tlog_prove_inclusion(i, n, &r, proof, &len, &err) == TIMS_OK,
		     "rfc6962: prove inclusion %" PRIu64 "/%" PRIu64, i, n);
		same = len == incl_vec[v].len;
		for (size_t j = 0; same && j < len; j++)
			same = !memcmp(proof[j], vp[j], 32);
		T_OK(same, "rfc6962: inclusion proof %" PRIu64 "/%" PRIu64 " is the published one", i, n);
		memcpy(leaf, m.hashes[tims_tlog_stored_index(0, i)], 32);
		h(root_hex[n - 1], want);
		T_OK(tims_tlog_verify_inclusion(i, n, leaf, vp, incl_vec[v].len, want, &err) == TIMS_OK,
		     "rfc6962: published inclusion proof %" PRIu64 "/%" PRIu64 " verifies", i, n);
	}
	for (size_t v = 0; v < TIMS_ARRAY_SIZE(cons_vec); v++) {
		uint64_t a = cons_vec[v].size1, b = cons_vec[v].size2;
		tims_hash r1, r2;
		int same;

		for (size_t j = 0; j < cons_vec[v].len; j++)
			h(cons_vec[v].proof[j], vp[j]);
		T_OK(tims_tlog_prove_consistency(a, b, &r, proof, &len, &err) == TIMS_OK,
		     "rfc6962: prove consistency %" PRIu64 "->%" PRIu64, a, b);
		same = len == cons_vec[v].len;
		for (size_t j = 0; same && j < len; j++)
			same = !memcmp(proof[j], vp[j], 32);
		T_OK(same, "rfc6962: consistency proof %" PRIu64 "->%" PRIu64 " is the published one", a, b);
		h(root_hex[a - 1], r1);
		h(root_hex[b - 1], r2);
		T_OK(tims_tlog_verify_consistency(a, b, r1, r2, vp, cons_vec[v].len, &err) == TIMS_OK,
		     "rfc6962: published consistency proof %" PRIu64 "->%" PRIu64 " verifies", a, b);
		if (a != b)
			T_OK(tims_tlog_verify_consistency(a, b, r2, r1, vp, cons_vec[v].len, &err) == TIMS_ERR_PROOF,
			     "rfc6962: consistency %" PRIu64 "->%" PRIu64 " with swapped roots fails", a, b);
	}
	tims_tlog_mem_release(&m);
}

static void test_stored_index(void)
{
	/* By hand: leaf 0 | leaf 1, node(1,0) | leaf 2 | leaf 3, (1,1), (2,0) | leaf 4 */
	static const struct { unsigned level; uint64_t k, idx; } tab[] = {
		{ 0, 0, 0 }, { 0, 1, 1 }, { 1, 0, 2 }, { 0, 2, 3 }, { 0, 3, 4 },
		{ 1, 1, 5 }, { 2, 0, 6 }, { 0, 4, 7 }, { 0, 5, 8 }, { 1, 2, 9 },
		{ 0, 6, 10 }, { 0, 7, 11 }, { 1, 3, 12 }, { 2, 1, 13 }, { 3, 0, 14 },
	};
	int ok = 1;

	for (size_t i = 0; i < TIMS_ARRAY_SIZE(tab); i++)
		ok &= tims_tlog_stored_index(tab[i].level, tab[i].k) == tab[i].idx;
	T_OK(ok, "stored index: the first 15 places match the layout worked out by hand");
	ok = 1;
	for (uint64_t idx = 0; idx < 100000; idx++) {
		unsigned level;
		uint64_t k;

		ok &= tims_tlog_split_stored_index(idx, &level, &k) == 0 &&
		      tims_tlog_stored_index(level, k) == idx;
	}
	T_OK(ok, "stored index: split is the inverse for the first 100000 indexes");
	T_OK(tims_tlog_stored_index(62, 2) == UINT64_MAX && tims_tlog_stored_index(63, 0) == UINT64_MAX,
	     "stored index: subtrees past 2^63 leaves have no place");
	{
		uint64_t k = (UINT64_C(1) << 62) - 1;
		unsigned level;
		uint64_t kk;
		uint64_t idx = tims_tlog_stored_index(0, k);

		T_OK(idx != UINT64_MAX && tims_tlog_split_stored_index(idx, &level, &kk) == 0 &&
		     level == 0 && kk == k, "stored index: the last leaf of the largest log round-trips");
	}
}

/* Appending leaf n adds its hashes at consecutive indexes from (0, n), and
 * every stored hash is the naive hash of the subtree it names. */
static void test_append_layout(void)
{
	enum { N = 300 };
	static tims_hash leaves[N];
	struct tims_tlog_mem m;
	int ok_pos = 1, ok_hash = 1;

	tims_tlog_mem_init(&m, N);
	for (uint64_t n = 0; n < N; n++) {
		uint64_t before = m.nhashes;
		uint8_t e[8];

		for (int i = 0; i < 8; i++)
			e[i] = (uint8_t)(n >> (8 * i));
		tims_tlog_leaf_hash(e, sizeof(e), leaves[n]);
		if (tims_tlog_mem_append(&m, leaves[n], NULL))
			abort();
		ok_pos &= before == tims_tlog_stored_index(0, n);
		ok_pos &= m.nhashes == tims_tlog_stored_index(0, n + 1);
	}
	for (uint64_t idx = 0; idx < m.nhashes; idx++) {
		unsigned level;
		uint64_t k;
		tims_hash want;

		if (tims_tlog_split_stored_index(idx, &level, &k)) {
			ok_hash = 0;
			continue;
		}
		mth(leaves + (k << level), UINT64_C(1) << level, want);
		ok_hash &= !memcmp(want, m.hashes[idx], 32);
	}
	T_OK(ok_pos, "append: leaf n and the subtrees it closes land at consecutive indexes from stored_index(0, n)");
	T_OK(ok_hash, "append: every stored hash is the RFC hash of the subtree it names");
	T_OK(tims_tlog_mem_append(&m, leaves[0], NULL) == TIMS_ERR_TOOBIG,
	     "append: the in-memory store refuses leaves past its ceiling");
	tims_tlog_mem_release(&m);
}

/* Flip bit `bit` of hash h in place (and back, by calling again). */
static void flip(tims_hash hh, unsigned bit)
{
	hh[bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

/* Bits to flip in a hash: all 256 for small trees, else one per byte. */
static unsigned nbits(uint64_t n)
{
	return n <= 16 ? 256 : 32;
}

static unsigned bit_at(unsigned i, uint64_t n)
{
	return n <= 16 ? i : i * 8 + (unsigned)((i + n) % 8);
}

static void test_exhaustive(void)
{
	enum { N = 70 };
	static tims_hash leaves[N];
	static tims_hash roots[N + 1];
	struct tims_tlog_mem m;
	struct tims_tlog_reader r;
	struct tims_err err;

	tims_tlog_mem_init(&m, N);
	tims_tlog_mem_reader(&m, &r);
	for (uint64_t n = 0; n < N; n++) {
		uint8_t e = (uint8_t)n;

		tims_tlog_leaf_hash(&e, 1, leaves[n]);
		if (tims_tlog_mem_append(&m, leaves[n], NULL))
			abort();
	}
	for (uint64_t n = 0; n <= N; n++)
		mth(leaves, n, roots[n]);

	for (uint64_t n = 1; n <= N; n++) {
		int roots_ok, good = 1, bad_ok = 1;
		tims_hash root;
		unsigned long tampered = 0;

		roots_ok = tims_tlog_tree_hash(n, &r, root, &err) == TIMS_OK &&
			   !memcmp(root, roots[n], 32);
		for (uint64_t i = 0; i < n; i++) {
			tims_hash proof[TIMS_TLOG_MAX_PROOF + 1], other;
			size_t len;

			if (tims_tlog_prove_inclusion(i, n, &r, proof, &len, &err) ||
			    tims_tlog_verify_inclusion(i, n, leaves[i], proof, len, roots[n], &err)) {
				good = 0;
				continue;
			}
			for (size_t j = 0; j < len; j++)
				for (unsigned b = 0; b < nbits(n); b++) {
					flip(proof[j], bit_at(b, n));
					bad_ok &= tims_tlog_verify_inclusion(i, n, leaves[i], proof, len, roots[n], NULL) == TIMS_ERR_PROOF;
					flip(proof[j], bit_at(b, n));
					tampered++;
				}
			for (unsigned b = 0; b < 256; b += 37) {
				memcpy(other, leaves[i], 32);
				flip(other, b);
				bad_ok &= tims_tlog_verify_inclusion(i, n, other, proof, len, roots[n], NULL) == TIMS_ERR_PROOF;
				memcpy(other, roots[n], 32);
				flip(other, b);
				bad_ok &= tims_tlog_verify_inclusion(i, n, leaves[i], proof, len, other, NULL) == TIMS_ERR_PROOF;
				tampered += 2;
			}
			if (len)
				bad_ok &= tims_tlog_verify_inclusion(i, n, leaves[i], proof, len - 1, roots[n], NULL) == TIMS_ERR_PROOF;
			memcpy(proof[len], roots[n], 32);
			bad_ok &= tims_tlog_verify_inclusion(i, n, leaves[i], proof, len + 1, roots[n], NULL) == TIMS_ERR_PROOF;
			if (n > 1) {
				bad_ok &= tims_tlog_verify_inclusion((i + 1) % n, n, leaves[i], proof, len, roots[n], NULL) == TIMS_ERR_PROOF;
				bad_ok &= tims_tlog_verify_inclusion(i, n, leaves[(i + 1) % n], proof, len, roots[n], NULL) == TIMS_ERR_PROOF;
			}
			/* Not n + 1: a root of size 3 is also what a size-4 path
			 * from leaf 0 computes; the size is bound by the signed
			 * checkpoint, not by the proof (as in the Go tests). */
			bad_ok &= tims_tlog_verify_inclusion(i, n * 2, leaves[i], proof, len, roots[n], NULL) == TIMS_ERR_PROOF;
			if (i < n / 2)
				bad_ok &= tims_tlog_verify_inclusion(i, n / 2, leaves[i], proof, len, roots[n], NULL) == TIMS_ERR_PROOF;
			bad_ok &= tims_tlog_verify_inclusion(n, n, leaves[i], proof, len, roots[n], NULL) == TIMS_ERR_PROOF;
			tampered += 6;
		}
		T_OK(roots_ok && good && bad_ok,
		     "exhaustive: size %" PRIu64 ": root, every inclusion proof verifies, %lu tamperings fail",
		     n, tampered);
	}

	for (uint64_t n = 0; n <= N; n++) {
		int good = 1, bad_ok = 1;
		unsigned long tampered = 0;

		for (uint64_t a = 0; a <= n; a++) {
			tims_hash proof[TIMS_TLOG_MAX_PROOF + 1], other;
			size_t len;

			if (tims_tlog_prove_consistency(a, n, &r, proof, &len, &err) ||
			    tims_tlog_verify_consistency(a, n, roots[a], roots[n], proof, len, &err)) {
				good = 0;
				continue;
			}
			if (a == 0 || a == n) {
				good &= len == 0;
				memcpy(proof[0], roots[n], 32);
				bad_ok &= tims_tlog_verify_consistency(a, n, roots[a], roots[n], proof, 1, NULL) == TIMS_ERR_PROOF;
				tampered++;
				if (a == n && n) {
					memcpy(other, roots[n], 32);
					flip(other, 7);
					bad_ok &= tims_tlog_verify_consistency(a, n, roots[a], other, proof, 0, NULL) == TIMS_ERR_PROOF;
					tampered++;
				}
				continue;
			}
			for (size_t j = 0; j < len; j++)
				for (unsigned b = 0; b < nbits(n); b++) {
					flip(proof[j], bit_at(b, n));
					bad_ok &= tims_tlog_verify_consistency(a, n, roots[a], roots[n], proof, len, NULL) == TIMS_ERR_PROOF;
					flip(proof[j], bit_at(b, n));
					tampered++;
				}
			for (unsigned b = 0; b < 256; b += 41) {
				memcpy(other, roots[a], 32);
				flip(other, b);
				bad_ok &= tims_tlog_verify_consistency(a, n, other, roots[n], proof, len, NULL) == TIMS_ERR_PROOF;
				memcpy(other, roots[n], 32);
				flip(other, b);
				bad_ok &= tims_tlog_verify_consistency(a, n, roots[a], other, proof, len, NULL) == TIMS_ERR_PROOF;
				tampered += 2;
			}
			bad_ok &= tims_tlog_verify_consistency(a, n, roots[a], roots[n], proof, len - 1, NULL) == TIMS_ERR_PROOF;
			memcpy(proof[len], roots[a], 32);
			bad_ok &= tims_tlog_verify_consistency(a, n, roots[a], roots[n], proof, len + 1, NULL) == TIMS_ERR_PROOF;
			bad_ok &= tims_tlog_verify_consistency(n, a, roots[n], roots[a], proof, len, NULL) == TIMS_ERR_PROOF;
			bad_ok &= tims_tlog_verify_consistency(a, n, roots[n], roots[a], proof, len, NULL) == TIMS_ERR_PROOF;
			bad_ok &= tims_tlog_verify_consistency(a + 1 < n ? a + 1 : a - 1, n, roots[a], roots[n], proof, len, NULL) == TIMS_ERR_PROOF;
			tampered += 5;
		}
		T_OK(good && bad_ok,
		     "exhaustive: size2 %" PRIu64 ": every consistency proof verifies, %lu tamperings fail",
		     n, tampered);
	}
	tims_tlog_mem_release(&m);
}

/* A reader for a huge virtual log: made-up hashes, counting what it reads
 * and checking that only hashes stored by then are asked for. */
struct virt {
	uint64_t limit;  /* stored hashes that exist */
	size_t reads, calls;
	int beyond;
};

static tims_rc virt_read(void *ctx, const uint64_t *idx, size_t n, tims_hash *out)
{
	struct virt *v = ctx;

	v->calls++;
	for (size_t i = 0; i < n; i++) {
		if (idx[i] >= v->limit)
			v->beyond = 1;
		memset(out[i], 0, 32);
		memcpy(out[i], &idx[i], sizeof(idx[i]));
	}
	v->reads += n;
	return TIMS_OK;
}

static void test_reads_are_logarithmic(void)
{
	const uint64_t n = (UINT64_C(1) << 40) + 123456789;
	struct virt v = { tims_tlog_stored_index(0, n), 0, 0, 0 };
	struct tims_tlog_reader r = { &v, virt_read };
	tims_hash root, proof[TIMS_TLOG_MAX_PROOF], add[TIMS_TLOG_MAX_APPEND];
	size_t len, count;
	struct tims_err err;

	T_OK(tims_tlog_tree_hash(n, &r, root, &err) == TIMS_OK && v.calls == 1 &&
	     v.reads == (size_t)__builtin_popcountll(n) && !v.beyond,
	     "reads: a tree hash of 2^40+ leaves is one batch of popcount(n) stored hashes");
	v.reads = v.calls = 0;
	T_OK(tims_tlog_prove_inclusion(987654321, n, &r, proof, &len, &err) == TIMS_OK &&
	     v.calls == 1 && v.reads <= 2 * 41 && !v.beyond && len == 41,
	     "reads: an inclusion proof in 2^40+ leaves reads %zu stored hashes in one batch", v.reads);
	v.reads = v.calls = 0;
	T_OK(tims_tlog_prove_consistency(n - 98765, n, &r, proof, &len, &err) == TIMS_OK &&
	     v.calls == 1 && v.reads <= 2 * 41 && !v.beyond,
	     "reads: a consistency proof in 2^40+ leaves reads %zu stored hashes in one batch", v.reads);
	v.reads = v.calls = 0;
	T_OK(tims_tlog_append_hashes((UINT64_C(1) << 40) - 1, root, &r, add, &count, &err) == TIMS_OK &&
	     count == 41 && v.reads == 40 && !v.beyond,
	     "reads: appending leaf 2^40-1 closes 40 subtrees and reads their 40 left siblings");
	T_OK(tims_tlog_tree_hash(TIMS_TLOG_MAX_LEAVES + 1, &r, root, &err) == TIMS_ERR_INVALID,
	     "limits: a tree larger than TIMS_TLOG_MAX_LEAVES is refused");
}

static tims_rc fail_read(void *ctx, const uint64_t *idx, size_t n, tims_hash *out)
{
	(void)ctx; (void)idx; (void)n; (void)out;
	return TIMS_ERR_DB;
}

static void test_errors(void)
{
	struct tims_tlog_reader bad = { NULL, fail_read };
	tims_hash root, proof[TIMS_TLOG_MAX_PROOF], leaf = { 0 };
	size_t len;
	struct tims_err err;

	T_OK(tims_tlog_tree_hash(5, &bad, root, &err) == TIMS_ERR_DB,
	     "errors: a failing reader's code is passed up");
	T_OK(strstr(err.msg, "reading") != NULL, "errors: ... with a message saying what was being read");
	T_OK(tims_tlog_prove_inclusion(5, 5, &bad, proof, &len, &err) == TIMS_ERR_INVALID,
	     "errors: proving index >= size is refused");
	T_EQ_STR(err.msg, "index: 5 is not below the tree size 5", "errors: ... naming the index and size");
	T_OK(tims_tlog_prove_consistency(6, 5, &bad, proof, &len, &err) == TIMS_ERR_INVALID,
	     "errors: proving consistency with size1 > size2 is refused");
	T_OK(tims_tlog_verify_inclusion(0, 0, leaf, proof, 0, leaf, &err) == TIMS_ERR_PROOF,
	     "verify: index 0 in the empty tree fails");
	T_OK(tims_tlog_verify_inclusion(0, 1, leaf, proof, 0, leaf, &err) == TIMS_OK,
	     "verify: a one-leaf tree's root is its leaf, with an empty proof");
	T_OK(tims_tlog_verify_inclusion(0, 1, leaf, proof, 1, leaf, &err) == TIMS_ERR_PROOF,
	     "verify: ... and a trailing hash fails");
	T_EQ_STR(err.msg, "inclusion: proof has 1 hashes, expected 0 for index 0 in size 1",
		 "verify: wrong proof length is named");
	T_OK(tims_tlog_verify_consistency(3, 2, leaf, leaf, proof, 0, &err) == TIMS_ERR_PROOF,
	     "verify: size1 > size2 fails");
	T_OK(tims_tlog_verify_consistency(0, 7, leaf, root, proof, 0, &err) == TIMS_OK,
	     "verify: the empty tree is consistent with any tree, empty proof");
	T_OK(tims_tlog_verify_consistency(0, 7, leaf, root, proof, 1, &err) == TIMS_ERR_PROOF,
	     "verify: ... but not with a non-empty proof");
	T_OK(tims_tlog_verify_consistency(UINT64_MAX - 1, UINT64_MAX, leaf, root, proof, 0, &err) == TIMS_ERR_PROOF,
	     "verify: enormous sizes with an empty proof fail without overflow");
	T_OK(tims_tlog_verify_inclusion(UINT64_MAX - 1, UINT64_MAX, leaf, proof, 0, root, &err) == TIMS_ERR_PROOF,
	     "verify: enormous inclusion sizes with an empty proof fail without overflow");
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	test_vectors();
	test_stored_index();
	test_append_layout();
	test_exhaustive();
	test_reads_are_logarithmic();
	test_errors();
	return t_done();
}
