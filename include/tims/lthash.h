/*
 * lthash.h — a homomorphic multiset hash (LtHash16: Bellare and Micciancio's
 * LtHash with the parameters of Lewi, Kim, Maykov and Weis, "Securing Update
 * Propagation with Homomorphic Hashing", Facebook 2019).
 *
 * The hash of a multiset is the sum, lane by lane mod 2^16, of the hashes of
 * its elements; each element is expanded to 1024 lanes of 16 bits (2048
 * bytes) by an extendable output: BLAKE2b-256 of the element (personalised)
 * as the key of an XChaCha20 stream. Adding an element adds its vector,
 * removing one subtracts it, in any order: a list of 100 M entries keeps its
 * hash up to date in O(1) per change. The digest binds the lanes and the
 * number of elements (docs/bundles.md, "Content digest").
 *
 * Security (the paper, section 5): finding two different multisets of fewer
 * than 2^16 copies of any element with the same sum is as hard as a short
 * integer solution in dimension 1024 mod 2^16 (at least 200 bits with the
 * element hash as a random oracle). A plain XOR of element hashes would fall
 * to linear algebra (Wagner/Gaussian elimination over GF(2): any target in a
 * few hundred chosen elements); a single sum mod 2^256 to the generalised
 * birthday attack.
 */
#ifndef TIMS_LTHASH_H
#define TIMS_LTHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIMS_LTHASH_LANES 1024
#define TIMS_LTHASH_BYTES 2048        /* the lanes, 16-bit little-endian */

struct tims_lthash {
	uint64_t count;                  /* elements added minus removed */
	uint16_t lane[TIMS_LTHASH_LANES];
};

/* The empty multiset. */
void tims_lthash_init(struct tims_lthash *h);
/* Add or remove one element (its bytes, as given). */
void tims_lthash_add(struct tims_lthash *h, const void *el, size_t n);
void tims_lthash_sub(struct tims_lthash *h, const void *el, size_t n);
/* The 32-byte digest: BLAKE2b-256 of a version line, the count and the lanes. */
void tims_lthash_digest(const struct tims_lthash *h, uint8_t out[32]);
/* The lanes as stored (little-endian) and back. */
void tims_lthash_save(const struct tims_lthash *h, uint8_t out[TIMS_LTHASH_BYTES]);
void tims_lthash_load(struct tims_lthash *h, const uint8_t in[TIMS_LTHASH_BYTES],
		      uint64_t count);
bool tims_lthash_equal(const struct tims_lthash *a, const struct tims_lthash *b);

#endif
