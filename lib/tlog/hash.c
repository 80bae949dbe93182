/*
 * hash.c — RFC 6962 / RFC 9162 hashing and the stored-index numbering.
 *
 * The hashes are the RFC's: a leaf is SHA-256(0x00 || entry), an interior
 * node SHA-256(0x01 || left || right), the empty tree SHA-256(""). The
 * prefix byte is fed to the incremental SHA-256 so that an entry is never
 * copied.
 *
 * Stored-index numbering (docs/tlog.md derives it): when leaf m is appended,
 * the log stores its leaf hash and then the hash of every complete subtree
 * that m closes, one per trailing 1 bit of m, all at consecutive indexes.
 * Before leaf m, appending leaves 0..m-1 has stored sum_j floor(m / 2^j)
 * hashes (each leaf i stores 1 + trailing_ones(i) of them), so the leaf hash
 * of m sits at S(m) = sum_{j>=0} floor(m / 2^j) = 2m - popcount(m). The
 * subtree (level L, index k) covers leaves [k*2^L, (k+1)*2^L) and is closed
 * by its last leaf m = (k+1)*2^L - 1, whose L trailing ones put it L places
 * after that leaf hash: stored_index(L, k) = S((k+1)*2^L - 1) + L.
 */
#include <sodium.h>

#include "tims/tlog.h"

void tims_tlog_leaf_hash(const void *entry, size_t len, tims_hash out)
{
	static const unsigned char prefix = 0x00;
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &prefix, 1);
	if (len)
		crypto_hash_sha256_update(&st, entry, len);
	crypto_hash_sha256_final(&st, out);
}

void tims_tlog_node_hash(const tims_hash left, const tims_hash right,
			 tims_hash out)
{
	static const unsigned char prefix = 0x01;
	crypto_hash_sha256_state st;

	/* out may alias left or right: final() writes only at the end. */
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &prefix, 1);
	crypto_hash_sha256_update(&st, left, TIMS_HASH_BYTES);
	crypto_hash_sha256_update(&st, right, TIMS_HASH_BYTES);
	crypto_hash_sha256_final(&st, out);
}

void tims_tlog_empty_root(tims_hash out)
{
	crypto_hash_sha256(out, (const unsigned char *)"", 0);
}

/* S(m): hashes stored by appending leaves 0 .. m-1, = 2m - popcount(m). */
static uint64_t stored_before(uint64_t m)
{
	return 2 * m - (uint64_t)__builtin_popcountll(m);
}

uint64_t tims_tlog_stored_index(unsigned level, uint64_t k)
{
	uint64_t last;

	/* Defined for subtrees ending below leaf 2^63 (docs/tlog.md). */
	if (level > 62 || k >= (UINT64_C(1) << (63 - level)))
		return UINT64_MAX;
	last = ((k + 1) << level) - 1;
	return stored_before(last) + level;
}

int tims_tlog_split_stored_index(uint64_t index, unsigned *level,
				 uint64_t *k)
{
	uint64_t lo = 0, hi, m;
	unsigned tail;

	if (index >= stored_before(UINT64_C(1) << 62))
		return -1;
	/* The leaf m whose append stored `index`: largest m, S(m) <= index. */
	hi = UINT64_C(1) << 62;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (stored_before(mid) <= index)
			lo = mid;
		else
			hi = mid;
	}
	m = lo;
	*level = (unsigned)(index - stored_before(m));
	tail = (unsigned)__builtin_ctzll(~m); /* trailing ones of m */
	if (*level > tail)
		return -1; /* cannot happen: S(m+1) = S(m) + 1 + tail */
	*k = m >> *level;
	return 0;
}
