/*
 * fuzz_tlog.c — inclusion and consistency proof verification with random
 * sizes, indexes and proofs.
 *
 * Input: 1 byte selector, 8+8 bytes of sizes/indexes, then hashes. Two
 * modes: (a) arbitrary sizes up to 2^64 and an arbitrary proof — the
 * verifiers must not crash or read past the proof; (b) a real tree of up to
 * 100 leaves, a real proof, and the fuzzer's bytes XORed into it — the
 * verifier must accept the real proof and reject every different one.
 */
#include "tims/tlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void real_tree(uint8_t sel, uint64_t a, uint64_t b, const uint8_t *rest,
		      size_t nrest)
{
	static struct tims_tlog_mem m;
	static tims_hash roots[101];
	struct tims_tlog_reader r;
	tims_hash proof[TIMS_TLOG_MAX_PROOF], bad[TIMS_TLOG_MAX_PROOF];
	size_t len, badlen;
	int differs = 0;

	memset(proof, 0, sizeof(proof));
	if (!m.size) {
		tims_tlog_mem_init(&m, 100);
		tims_tlog_mem_reader(&m, &r);
		tims_tlog_empty_root(roots[0]);
		for (uint8_t i = 0; i < 100; i++) {
			tims_hash lh;

			tims_tlog_leaf_hash(&i, 1, lh);
			if (tims_tlog_mem_append(&m, lh, NULL) ||
			    tims_tlog_tree_hash(i + 1u, &r, roots[i + 1], NULL))
				abort();
		}
	}
	tims_tlog_mem_reader(&m, &r);
	b = b % 100 + 1;
	a = a % (b + 1);
	if (sel & 2) {
		if (tims_tlog_prove_consistency(a, b, &r, proof, &len, NULL) ||
		    tims_tlog_verify_consistency(a, b, roots[a], roots[b], proof, len, NULL))
			abort();
	} else {
		if (a == b)
			a = 0;
		if (tims_tlog_prove_inclusion(a, b, &r, proof, &len, NULL) ||
		    tims_tlog_verify_inclusion(a, b, m.hashes[tims_tlog_stored_index(0, a)],
					       proof, len, roots[b], NULL))
			abort();
	}
	/* The fuzzer's change: XOR bytes in, and maybe change the length. */
	memcpy(bad, proof, sizeof(proof));
	badlen = (sel & 4) && nrest ? rest[0] % (TIMS_TLOG_MAX_PROOF + 1) : len;
	for (size_t i = 0; i < nrest && i < badlen * TIMS_HASH_BYTES; i++)
		bad[i / TIMS_HASH_BYTES][i % TIMS_HASH_BYTES] ^= rest[i];
	if (badlen != len)
		differs = 1;
	else
		differs = memcmp(bad, proof, len * TIMS_HASH_BYTES) != 0;
	if (!differs)
		return;
	if (sel & 2) {
		if (tims_tlog_verify_consistency(a, b, roots[a], roots[b], bad, badlen, NULL) == TIMS_OK)
			abort();
	} else if (tims_tlog_verify_inclusion(a, b, m.hashes[tims_tlog_stored_index(0, a)],
					      bad, badlen, roots[b], NULL) == TIMS_OK) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tims_hash proof[TIMS_TLOG_MAX_PROOF + 2], x, y;
	size_t len;
	uint64_t a, b;

	if (size < 17)
		return 0;
	a = get64(data + 1);
	b = get64(data + 9);
	if (data[0] & 1) {
		real_tree(data[0], a, b, data + 17, size - 17);
		return 0;
	}
	len = (size - 17) / TIMS_HASH_BYTES;
	if (len > TIMS_TLOG_MAX_PROOF + 2)
		len = TIMS_TLOG_MAX_PROOF + 2;
	memcpy(proof, data + 17, len * TIMS_HASH_BYTES);
	memset(x, data[0], sizeof(x));
	memset(y, data[0] ^ 0x5a, sizeof(y));
	/* Arbitrary sizes: only safety is checked, and that nothing verifies
	 * against a root that no proof hash or leaf could produce by luck. */
	(void)tims_tlog_verify_inclusion(a, b, x, proof, len, y, NULL);
	(void)tims_tlog_verify_consistency(a, b, x, y, proof, len, NULL);
	(void)tims_tlog_verify_consistency(a, b, x, x, proof, len, NULL);
	{
		unsigned level;
		uint64_t k;

		if (tims_tlog_split_stored_index(a, &level, &k) == 0 &&
		    tims_tlog_stored_index(level, k) != a)
			abort();
	}
	return 0;
}
