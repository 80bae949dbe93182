/*
 * mem.c — an in-memory stored-hash sequence with a ceiling on its leaves.
 *
 * Used by `tims tlog` over an entries file, by tests, and to rebuild a
 * mirror's tree in memory before committing it. It holds exactly the stored
 * hashes a database backend would, at the same indexes, so code tested on it
 * behaves the same on SQLite.
 */
#include "tims/tlog.h"

void tims_tlog_mem_init(struct tims_tlog_mem *m, uint64_t max_leaves)
{
	m->hashes = NULL;
	m->nhashes = 0;
	m->alloc = 0;
	m->size = 0;
	m->max_leaves = max_leaves < TIMS_TLOG_MAX_LEAVES ? max_leaves
							  : TIMS_TLOG_MAX_LEAVES;
}

void tims_tlog_mem_release(struct tims_tlog_mem *m)
{
	free(m->hashes);
	m->hashes = NULL;
	m->nhashes = 0;
	m->alloc = 0;
	m->size = 0;
}

static tims_rc mem_read(void *ctx, const uint64_t *indexes, size_t n,
			tims_hash *out)
{
	const struct tims_tlog_mem *m = ctx;

	for (size_t i = 0; i < n; i++) {
		if (indexes[i] >= m->nhashes)
			return TIMS_ERR_NOTFOUND;
		memcpy(out[i], m->hashes[indexes[i]], TIMS_HASH_BYTES);
	}
	return TIMS_OK;
}

void tims_tlog_mem_reader(struct tims_tlog_mem *m, struct tims_tlog_reader *r)
{
	r->ctx = m;
	r->read = mem_read;
}

tims_rc tims_tlog_mem_append(struct tims_tlog_mem *m, const tims_hash leaf,
			     struct tims_err *err)
{
	tims_hash add[TIMS_TLOG_MAX_APPEND];
	struct tims_tlog_reader r;
	size_t count;
	tims_rc rc;

	if (m->size >= m->max_leaves)
		return tims_err_set(err, TIMS_ERR_TOOBIG,
				    "tlog: more than %" PRIu64 " leaves",
				    m->max_leaves);
	tims_tlog_mem_reader(m, &r);
	rc = tims_tlog_append_hashes(m->size, leaf, &r, add, &count, err);
	if (rc)
		return rc;
	if (m->nhashes + count > m->alloc) {
		uint64_t n = m->alloc ? m->alloc * 2 : 64;
		tims_hash *p;

		while (n < m->nhashes + count)
			n *= 2;
		if (n > SIZE_MAX / sizeof(tims_hash))
			return tims_err_set(err, TIMS_ERR_NOMEM,
					    "tlog: out of memory");
		p = realloc(m->hashes, (size_t)n * sizeof(tims_hash));
		if (!p)
			return tims_err_set(err, TIMS_ERR_NOMEM,
					    "tlog: out of memory for %" PRIu64
					    " hashes", n);
		m->hashes = p;
		m->alloc = n;
	}
	memcpy(m->hashes + m->nhashes, add, count * sizeof(tims_hash));
	m->nhashes += count;
	m->size++;
	return TIMS_OK;
}
