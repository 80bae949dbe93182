/*
 * tree.c — appends, tree heads and proofs computed from stored hashes only.
 *
 * Every hash the RFC 9162 algorithms need is the hash of a range of leaves
 * [lo, hi) whose start is aligned to a power of two at least as large as the
 * range. Such a range is a run of complete subtrees, one per 1 bit of
 * hi - lo from the highest down, each of which is one stored hash; its RFC
 * hash is those hashes folded from the right. A prover first plans the
 * ranges it needs, reads every stored hash in one batch through the reader
 * (O(log n) of them: at most one range of a proof is incomplete), then folds.
 */
#include <sodium.h>

#include "tims/tlog.h"

/* A proof or root is at most 64 ranges; at most one range is incomplete. */
#define PLAN_MAX_INDEXES (2 * TIMS_TLOG_MAX_PROOF + 2)

struct plan {
	uint64_t idx[PLAN_MAX_INDEXES];
	size_t nidx;
	struct {
		size_t start, count;
	} el[TIMS_TLOG_MAX_PROOF + 1];
	size_t nel;
};

static unsigned floor_log2(uint64_t n)
{
	return 63u - (unsigned)__builtin_clzll(n);
}

/* Largest power of two strictly below n (n >= 2): the RFC's split point. */
static uint64_t split_point(uint64_t n)
{
	return UINT64_C(1) << floor_log2(n - 1);
}

static tims_rc plan_range(struct plan *p, uint64_t lo, uint64_t hi,
			  struct tims_err *err)
{
	uint64_t pos = lo, n = hi - lo;

	if (p->nel >= TIMS_TLOG_MAX_PROOF + 1)
		return tims_err_set(err, TIMS_ERR_STATE,
				    "tlog: proof plan has too many hashes");
	p->el[p->nel].start = p->nidx;
	for (int level = 63; level >= 0; level--) {
		uint64_t bit = UINT64_C(1) << level;

		if (!(n & bit))
			continue;
		if (p->nidx >= PLAN_MAX_INDEXES)
			return tims_err_set(err, TIMS_ERR_STATE,
					    "tlog: proof plan has too many reads");
		p->idx[p->nidx++] = tims_tlog_stored_index((unsigned)level,
							   pos >> level);
		pos += bit;
	}
	p->el[p->nel].count = p->nidx - p->el[p->nel].start;
	p->nel++;
	return TIMS_OK;
}

static tims_rc read_plan(const struct plan *p,
			 const struct tims_tlog_reader *r, tims_hash *hashes,
			 struct tims_err *err)
{
	tims_rc rc;

	if (!p->nidx)
		return TIMS_OK;
	if (!r || !r->read)
		return tims_err_set(err, TIMS_ERR_USAGE, "tlog: no reader");
	rc = r->read(r->ctx, p->idx, p->nidx, hashes);
	if (rc)
		return tims_err_set(err, rc,
				    "tlog: reading %zu stored hashes: %s",
				    p->nidx, tims_strerror(rc));
	return TIMS_OK;
}

/* The RFC hash of plan element e: its subtree hashes folded from the right. */
static void fold_element(const struct plan *p, size_t e, tims_hash *hashes,
			 tims_hash out)
{
	size_t start = p->el[e].start, count = p->el[e].count;
	tims_hash h;

	memcpy(h, hashes[start + count - 1], TIMS_HASH_BYTES);
	for (size_t i = count - 1; i-- > 0;)
		tims_tlog_node_hash(hashes[start + i], h, h);
	memcpy(out, h, TIMS_HASH_BYTES);
}

static tims_rc check_size(uint64_t size, const char *what,
			  struct tims_err *err)
{
	if (size > TIMS_TLOG_MAX_LEAVES)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: %" PRIu64 " is larger than the %" PRIu64
				    " leaves a log can hold", what, size,
				    (uint64_t)TIMS_TLOG_MAX_LEAVES);
	return TIMS_OK;
}

tims_rc tims_tlog_append_hashes(uint64_t n, const tims_hash leaf,
				const struct tims_tlog_reader *r,
				tims_hash out[TIMS_TLOG_MAX_APPEND],
				size_t *count, struct tims_err *err)
{
	uint64_t idx[TIMS_TLOG_MAX_APPEND];
	tims_hash left[TIMS_TLOG_MAX_APPEND];
	unsigned tail, l;
	tims_rc rc;

	if (n >= TIMS_TLOG_MAX_LEAVES)
		return tims_err_set(err, TIMS_ERR_TOOBIG,
				    "tlog: leaf %" PRIu64 " is past the largest "
				    "log", n);
	tail = (unsigned)__builtin_ctzll(~n); /* trailing 1 bits of n */
	for (l = 0; l < tail; l++)
		idx[l] = tims_tlog_stored_index(l, (n >> l) - 1);
	if (tail) {
		if (!r || !r->read)
			return tims_err_set(err, TIMS_ERR_USAGE,
					    "tlog: no reader");
		rc = r->read(r->ctx, idx, tail, left);
		if (rc)
			return tims_err_set(err, rc,
					    "tlog: reading %u stored hashes "
					    "to append leaf %" PRIu64 ": %s",
					    tail, n, tims_strerror(rc));
	}
	memcpy(out[0], leaf, TIMS_HASH_BYTES);
	for (l = 0; l < tail; l++)
		tims_tlog_node_hash(left[l], out[l], out[l + 1]);
	*count = tail + 1;
	return TIMS_OK;
}

tims_rc tims_tlog_tree_hash(uint64_t size, const struct tims_tlog_reader *r,
			    tims_hash root, struct tims_err *err)
{
	struct plan p = { .nidx = 0, .nel = 0 };
	tims_hash hashes[PLAN_MAX_INDEXES];
	tims_rc rc;

	if ((rc = check_size(size, "tree size", err)))
		return rc;
	if (size == 0) {
		tims_tlog_empty_root(root);
		return TIMS_OK;
	}
	if ((rc = plan_range(&p, 0, size, err)) ||
	    (rc = read_plan(&p, r, hashes, err)))
		return rc;
	fold_element(&p, 0, hashes, root);
	return TIMS_OK;
}

tims_rc tims_tlog_prove_inclusion(uint64_t index, uint64_t size,
				  const struct tims_tlog_reader *r,
				  tims_hash proof[TIMS_TLOG_MAX_PROOF],
				  size_t *len, struct tims_err *err)
{
	struct plan p = { .nidx = 0, .nel = 0 };
	tims_hash hashes[PLAN_MAX_INDEXES];
	uint64_t lo = 0, hi = size;
	tims_rc rc;

	*len = 0;
	if ((rc = check_size(size, "tree size", err)))
		return rc;
	if (index >= size)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "index: %" PRIu64 " is not below the tree "
				    "size %" PRIu64, index, size);
	/* RFC 9162 2.1.3.1 PATH, top down; the proof lists it bottom up. */
	while (hi - lo > 1) {
		uint64_t k = split_point(hi - lo);

		if (index - lo < k) {
			rc = plan_range(&p, lo + k, hi, err);
			hi = lo + k;
		} else {
			rc = plan_range(&p, lo, lo + k, err);
			lo += k;
		}
		if (rc)
			return rc;
	}
	if ((rc = read_plan(&p, r, hashes, err)))
		return rc;
	for (size_t e = 0; e < p.nel; e++)
		fold_element(&p, e, hashes, proof[p.nel - 1 - e]);
	*len = p.nel;
	return TIMS_OK;
}

tims_rc tims_tlog_prove_consistency(uint64_t size1, uint64_t size2,
				    const struct tims_tlog_reader *r,
				    tims_hash proof[TIMS_TLOG_MAX_PROOF],
				    size_t *len, struct tims_err *err)
{
	struct plan p = { .nidx = 0, .nel = 0 };
	tims_hash hashes[PLAN_MAX_INDEXES];
	uint64_t lo = 0, hi = size2;
	int whole = 1, node = 0; /* the RFC's b; node: ends on [lo, hi) */
	size_t out = 0;
	tims_rc rc;

	*len = 0;
	if ((rc = check_size(size2, "size2", err)))
		return rc;
	if (size1 > size2)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "size1: %" PRIu64 " is larger than size2 %"
				    PRIu64, size1, size2);
	if (size1 == 0 || size1 == size2)
		return TIMS_OK; /* the empty proof */
	/* RFC 9162 2.1.4.1 SUBPROOF(size1, D[0:size2], true), top down. */
	for (;;) {
		uint64_t k;

		if (hi == size1) {
			node = !whole;
			break;
		}
		k = split_point(hi - lo);
		if (size1 - lo <= k) {
			rc = plan_range(&p, lo + k, hi, err);
			hi = lo + k;
		} else {
			rc = plan_range(&p, lo, lo + k, err);
			lo += k;
			whole = 0;
		}
		if (rc)
			return rc;
	}
	if (node && (rc = plan_range(&p, lo, hi, err)))
		return rc;
	if ((rc = read_plan(&p, r, hashes, err)))
		return rc;
	/* The subtree hash comes first, then the siblings bottom up. */
	if (node)
		fold_element(&p, p.nel - 1, hashes, proof[out++]);
	for (size_t e = p.nel - (size_t)node; e-- > 0;)
		fold_element(&p, e, hashes, proof[out++]);
	*len = out;
	return TIMS_OK;
}
