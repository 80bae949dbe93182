/*
 * verify.c — inclusion and consistency proof verification, RFC 9162
 * sections 2.1.3.2 and 2.1.4.2, step by step.
 *
 * Everything here comes from an untrusted party (a post, a mirror, a
 * witness): sizes, hashes and proofs. The expected proof length is checked
 * first so that a short, long or padded proof gets a precise message; the
 * RFC algorithm then runs unchanged (its own "sn == 0" checks would catch
 * the same). Hashes are compared with crypto_verify_32.
 */
#include <sodium.h>

#include "tims/tlog.h"

/* Bits of x (the position of its highest 1 bit plus one; 0 for 0). */
static unsigned bit_len(uint64_t x)
{
	return x ? 64u - (unsigned)__builtin_clzll(x) : 0;
}

/*
 * The length of an inclusion proof for `index` in a tree of `size` leaves:
 * the levels where the paths to index and to size-1 differ ("inner"), plus
 * one for every left sibling above them on the right border.
 */
static uint64_t inclusion_len(uint64_t index, uint64_t size)
{
	unsigned inner = bit_len(index ^ (size - 1));

	if (inner >= 64)
		return inner;
	return inner + (uint64_t)__builtin_popcountll(index >> inner);
}

static void hex8(const tims_hash h, char out[17])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < 8; i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 15];
	}
	out[16] = '\0';
}

tims_rc tims_tlog_verify_inclusion(uint64_t index, uint64_t size,
				   const tims_hash leaf, const void *proofv,
				   size_t len, const tims_hash root,
				   struct tims_err *err)
{
	const uint8_t *proof = proofv; /* len hashes, back to back */
	uint64_t fn, sn, want;
	tims_hash r;

	if (index >= size)
		return tims_err_set(err, TIMS_ERR_PROOF,
				    "inclusion: index %" PRIu64 " is not below "
				    "the tree size %" PRIu64, index, size);
	want = inclusion_len(index, size);
	if (len != want)
		return tims_err_set(err, TIMS_ERR_PROOF,
				    "inclusion: proof has %zu hashes, expected "
				    "%" PRIu64 " for index %" PRIu64 " in size %"
				    PRIu64, len, want, index, size);
	fn = index;
	sn = size - 1;
	memcpy(r, leaf, TIMS_HASH_BYTES);
	for (size_t i = 0; i < len; i++) {
		if (sn == 0)
			return tims_err_set(err, TIMS_ERR_PROOF,
					    "inclusion: proof hash %zu is past "
					    "the root", i);
		if ((fn & 1) || fn == sn) {
			tims_tlog_node_hash(proof + TIMS_HASH_BYTES * i, r, r);
			if (!(fn & 1))
				while (fn && !(fn & 1)) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			tims_tlog_node_hash(r, proof + TIMS_HASH_BYTES * i, r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return tims_err_set(err, TIMS_ERR_PROOF,
				    "inclusion: proof too short");
	if (crypto_verify_32(r, root) != 0) {
		char got[17], exp[17];

		hex8(r, got);
		hex8(root, exp);
		return tims_err_set(err, TIMS_ERR_PROOF,
				    "inclusion: proof leads to root %s..., not "
				    "the given root %s...", got, exp);
	}
	return TIMS_OK;
}

tims_rc tims_tlog_verify_consistency(uint64_t size1, uint64_t size2,
				     const tims_hash root1,
				     const tims_hash root2,
				     const void *proofv, size_t len,
				     struct tims_err *err)
{
	const uint8_t *proof = proofv; /* len hashes, back to back */
	uint64_t fn, sn, want;
	unsigned shift;
	const uint8_t *seed;
	size_t start;
	tims_hash fr, sr;

	if (size1 > size2)
		return tims_err_set(err, TIMS_ERR_PROOF,
				    "consistency: size1 %" PRIu64 " is larger "
				    "than size2 %" PRIu64, size1, size2);
	if (size1 == size2) {
		if (len)
			return tims_err_set(err, TIMS_ERR_PROOF,
					    "consistency: equal sizes need an "
					    "empty proof, got %zu hashes", len);
		if (crypto_verify_32(root1, root2) != 0)
			return tims_err_set(err, TIMS_ERR_PROOF,
					    "consistency: equal sizes %" PRIu64
					    " with different roots", size1);
		return TIMS_OK;
	}
	if (size1 == 0) {
		if (len)
			return tims_err_set(err, TIMS_ERR_PROOF,
					    "consistency: from the empty tree "
					    "needs an empty proof, got %zu "
					    "hashes", len);
		return TIMS_OK;
	}
	/* Expected length: the inclusion path of leaf size1-1 in size2,
	 * without the levels inside the complete subtree ending at size1,
	 * plus that subtree's hash unless size1 is a power of two. */
	shift = (unsigned)__builtin_ctzll(size1);
	want = inclusion_len(size1 - 1, size2) - shift +
	       ((size1 >> shift) == 1 ? 0 : 1);
	if (len != want)
		return tims_err_set(err, TIMS_ERR_PROOF,
				    "consistency: proof has %zu hashes, "
				    "expected %" PRIu64 " from size %" PRIu64
				    " to %" PRIu64, len, want, size1, size2);
	/* RFC 9162 2.1.4.2, steps 1-7. Step 2 prepends root1 when size1 is
	 * a power of two; here it is a seed pointer, not a copy. */
	if (len == 0)
		return tims_err_set(err, TIMS_ERR_PROOF,
				    "consistency: empty proof");
	if ((size1 & (size1 - 1)) == 0) {
		seed = root1;
		start = 0;
	} else {
		seed = proof;
		start = 1;
	}
	fn = size1 - 1;
	sn = size2 - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	memcpy(fr, seed, TIMS_HASH_BYTES);
	memcpy(sr, seed, TIMS_HASH_BYTES);
	for (size_t i = start; i < len; i++) {
		if (sn == 0)
			return tims_err_set(err, TIMS_ERR_PROOF,
					    "consistency: proof hash %zu is "
					    "past the root", i);
		if ((fn & 1) || fn == sn) {
			tims_tlog_node_hash(proof + TIMS_HASH_BYTES * i, fr, fr);
			tims_tlog_node_hash(proof + TIMS_HASH_BYTES * i, sr, sr);
			if (!(fn & 1))
				while (fn && !(fn & 1)) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			tims_tlog_node_hash(sr, proof + TIMS_HASH_BYTES * i, sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return tims_err_set(err, TIMS_ERR_PROOF,
				    "consistency: proof too short");
	if (crypto_verify_32(fr, root1) != 0)
		return tims_err_set(err, TIMS_ERR_PROOF,
				    "consistency: proof does not lead to root1 "
				    "(size %" PRIu64 ")", size1);
	if (crypto_verify_32(sr, root2) != 0)
		return tims_err_set(err, TIMS_ERR_PROOF,
				    "consistency: proof does not lead to root2 "
				    "(size %" PRIu64 ")", size2);
	return TIMS_OK;
}
