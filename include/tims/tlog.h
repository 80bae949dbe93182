/*
 * tlog.h — append-only Merkle tree logs (RFC 6962 / RFC 9162 hashing).
 *
 * A log of n records is a Merkle tree over their leaf hashes:
 *   leaf hash  = SHA-256(0x00 || entry)
 *   node hash  = SHA-256(0x01 || left || right)
 *   empty tree = SHA-256("")
 * split at the largest power of two smaller than n (RFC 6962 section 2.1).
 *
 * Storage model. A log never recomputes old subtrees: when leaf n is appended
 * it stores the leaf hash and the hashes of every complete subtree that leaf
 * completes. Each stored hash has a fixed place in one linear sequence (the
 * "stored index") given by tims_tlog_stored_index(level, k): the hash of the
 * complete subtree covering leaves [k*2^level, (k+1)*2^level). Appending leaf
 * n stores the hashes at consecutive stored indexes starting at
 * tims_tlog_stored_index(0, n). A backend keeps them in any table keyed by
 * that number (SQLite: INTEGER PRIMARY KEY) and answers batch reads through
 * struct tims_tlog_reader. Tiles (docs/formats.md) are slices of the same
 * sequence grouped by level (docs/tlog.md derives the numbering and maps it
 * to C2SP tlog-tiles).
 *
 * All proofs are at most TIMS_TLOG_MAX_PROOF hashes. Nothing here allocates
 * except the in-memory store. Every function that takes a tree size refuses
 * sizes above TIMS_TLOG_MAX_LEAVES (verifiers accept any uint64 and simply
 * find the proof wrong).
 */
#ifndef TIMS_TLOG_H
#define TIMS_TLOG_H

#include <stddef.h>
#include <stdint.h>

#include "tims/err.h"

#define TIMS_HASH_BYTES 32
#define TIMS_TLOG_MAX_PROOF 64  /* a tree of 2^63 leaves needs 63 */
#define TIMS_TLOG_MAX_APPEND 64 /* stored hashes added by one append */
#define TIMS_TLOG_MAX_LEAVES (UINT64_C(1) << 62) /* largest tree handled */

typedef uint8_t tims_hash[TIMS_HASH_BYTES];

/* Reads stored hashes: out[i] = stored hash at indexes[i], for i < n. */
struct tims_tlog_reader {
	void *ctx;
	tims_rc (*read)(void *ctx, const uint64_t *indexes, size_t n,
			tims_hash *out);
};

void tims_tlog_leaf_hash(const void *entry, size_t len, tims_hash out);
void tims_tlog_node_hash(const tims_hash left, const tims_hash right,
			 tims_hash out);
void tims_tlog_empty_root(tims_hash out);

/*
 * The place of hash (level, k) in the stored sequence:
 *   S((k+1)*2^level - 1) + level,  where S(m) = 2m - popcount(m)
 * (level 0 is a leaf). UINT64_MAX for a subtree that ends past leaf 2^63.
 */
uint64_t tims_tlog_stored_index(unsigned level, uint64_t k);

/* The inverse: which (level, k) lives at stored index `index`. 0, or -1 for
 * an index past a tree of TIMS_TLOG_MAX_LEAVES leaves. */
int tims_tlog_split_stored_index(uint64_t index, unsigned *level,
				 uint64_t *k);

/*
 * The hashes to store when appending leaf number n (0-based) whose leaf hash
 * is `leaf`: out[0] = leaf, then the complete subtrees it closes, lowest
 * first. *count is set (1..TIMS_TLOG_MAX_APPEND). They belong at stored
 * indexes tims_tlog_stored_index(0, n) .. + *count - 1. Earlier hashes are
 * read through r.
 */
TIMS_MUST_USE tims_rc tims_tlog_append_hashes(uint64_t n, const tims_hash leaf,
				const struct tims_tlog_reader *r,
				tims_hash out[TIMS_TLOG_MAX_APPEND],
				size_t *count, struct tims_err *err);

/* Root hash of the first `size` leaves. */
tims_rc tims_tlog_tree_hash(uint64_t size, const struct tims_tlog_reader *r,
			    tims_hash root, struct tims_err *err);

/* Inclusion proof for leaf `index` in the tree of `size` leaves (RFC 9162
 * 2.1.3.1 PATH, lowest sibling first). TIMS_ERR_INVALID if index >= size. */
tims_rc tims_tlog_prove_inclusion(uint64_t index, uint64_t size,
				  const struct tims_tlog_reader *r,
				  tims_hash proof[TIMS_TLOG_MAX_PROOF],
				  size_t *len, struct tims_err *err);

/*
 * In the two verifiers, `proof` is `len` consecutive hashes (a tims_hash
 * array). It is a const void * because C17 does not convert a tims_hash *
 * to a const tims_hash * implicitly (-Wpedantic errs), so a plain
 * `tims_hash proof[TIMS_TLOG_MAX_PROOF]` can be passed as it is.
 */

/* RFC 9162 2.1.3.2: TIMS_OK, or TIMS_ERR_PROOF with the reason (index not
 * below size, wrong proof length, root mismatch). */
TIMS_MUST_USE tims_rc tims_tlog_verify_inclusion(uint64_t index, uint64_t size,
				   const tims_hash leaf, const void *proof,
				   size_t len, const tims_hash root,
				   struct tims_err *err);

/* Consistency proof between trees of size1 <= size2 leaves (RFC 9162
 * 2.1.4.1 PROOF); empty when size1 is 0 or equal to size2. */
tims_rc tims_tlog_prove_consistency(uint64_t size1, uint64_t size2,
				    const struct tims_tlog_reader *r,
				    tims_hash proof[TIMS_TLOG_MAX_PROOF],
				    size_t *len, struct tims_err *err);

/* RFC 9162 2.1.4.2: TIMS_OK, or TIMS_ERR_PROOF with the reason. Also:
 * size1 > size2 fails; size1 == size2 needs an empty proof and equal roots;
 * size1 == 0 needs an empty proof (the empty tree precedes every tree). */
TIMS_MUST_USE tims_rc tims_tlog_verify_consistency(uint64_t size1, uint64_t size2,
				     const tims_hash root1,
				     const tims_hash root2,
				     const void *proof, size_t len,
				     struct tims_err *err);

/*
 * An in-memory stored-hash sequence, for tools and tests (`tims tlog root`)
 * and for verifying a mirror before it is committed. Grows with a ceiling.
 */
struct tims_tlog_mem {
	tims_hash *hashes;
	uint64_t nhashes;   /* stored hashes held */
	uint64_t alloc;
	uint64_t size;      /* leaves appended */
	uint64_t max_leaves;
};

/* max_leaves is the ceiling (TIMS_ERR_TOOBIG past it); m->hashes[i] is the
 * stored hash at index i. */
void tims_tlog_mem_init(struct tims_tlog_mem *m, uint64_t max_leaves);
void tims_tlog_mem_release(struct tims_tlog_mem *m);
TIMS_MUST_USE tims_rc tims_tlog_mem_append(struct tims_tlog_mem *m, const tims_hash leaf,
			     struct tims_err *err);
/* A reader over m, valid while m lives. */
void tims_tlog_mem_reader(struct tims_tlog_mem *m, struct tims_tlog_reader *r);

/*
 * Salted leaf entries (docs/formats.md §2): a 42-byte entry that commits to a
 * payload holding personal data, so that the payload and its salt can later
 * be erased (retention) while the entry, and so the log, stays verifiable:
 *   version (1) | kind (1) | time_ms (8, big-endian) | SHA-256(salt || payload)
 * The log's leaf hash is the RFC 6962 leaf hash of the entry.
 */
#define TIMS_TLOG_SALT_BYTES 32
#define TIMS_TLOG_ENTRY_BYTES 42

void tims_tlog_salted_entry(uint8_t version, uint8_t kind, int64_t time_ms,
			    const uint8_t salt[TIMS_TLOG_SALT_BYTES],
			    const void *payload, size_t len,
			    uint8_t entry[TIMS_TLOG_ENTRY_BYTES]);
/* The time_ms field of an entry (the caller checks version and kind). */
int64_t tims_tlog_entry_time(const uint8_t entry[TIMS_TLOG_ENTRY_BYTES]);

#endif
