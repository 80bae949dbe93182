/*
 * intern.c — interned strings for the screening index: each key (a
 * skeleton, a group, a deletion) is stored once and known by a 32-bit id,
 * found through an open-addressing table of ids. Only index.c uses it.
 */
#include "screen_int.h"

static uint64_t fnv64(const void *d, size_t n)
{
	const uint8_t *p = d;
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

tims_rc screen_grow(void *pp, size_t *cap, size_t need, size_t elsize)
{
	void **p = pp;
	size_t n = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return TIMS_OK;
	while (n < need) {
		if (n > SIZE_MAX / 2 / elsize)
			return TIMS_ERR_NOMEM;
		n *= 2;
	}
	q = realloc(*p, n * elsize);
	if (!q)
		return TIMS_ERR_NOMEM;
	*p = q;
	*cap = n;
	return TIMS_OK;
}

static tims_rc strtab_rehash(struct strtab *t, size_t nslots)
{
	uint32_t *s = calloc(nslots, sizeof(*s));

	if (!s)
		return TIMS_ERR_NOMEM;
	for (size_t id = 0; id < t->n; id++) {
		const char *k = t->arena + t->off[id];
		size_t i = fnv64(k, strlen(k)) & (nslots - 1);

		while (s[i])
			i = (i + 1) & (nslots - 1);
		s[i] = (uint32_t)id + 1;
	}
	free(t->slots);
	t->slots = s;
	t->nslots = nslots;
	return TIMS_OK;
}

/* The id of key (adding it when `add`); UINT32_MAX when absent or on error. */
uint32_t tims__strtab_get(struct strtab *t, const char *k, bool add)
{
	size_t len = strlen(k), i;

	if (t->nslots) {
		i = fnv64(k, len) & (t->nslots - 1);
		for (; t->slots[i]; i = (i + 1) & (t->nslots - 1))
			if (!strcmp(t->arena + t->off[t->slots[i] - 1], k))
				return t->slots[i] - 1;
	}
	if (!add)
		return UINT32_MAX;
	if ((t->n + 1) * 2 > t->nslots &&
	    strtab_rehash(t, t->nslots ? t->nslots * 2 : 1024))
		return UINT32_MAX;
	if (screen_grow(&t->off, &t->cap, t->n + 1, sizeof(*t->off)) ||
	    screen_grow(&t->arena, &t->acap, t->alen + len + 1, 1))
		return UINT32_MAX;
	memcpy(t->arena + t->alen, k, len + 1);
	t->off[t->n] = (uint32_t)t->alen;
	t->alen += len + 1;
	i = fnv64(k, len) & (t->nslots - 1);
	while (t->slots[i])
		i = (i + 1) & (t->nslots - 1);
	t->slots[i] = (uint32_t)t->n + 1;
	return (uint32_t)t->n++;
}

void tims__strtab_free(struct strtab *t)
{
	free(t->slots);
	free(t->off);
	free(t->arena);
}
