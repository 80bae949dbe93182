/*
 * index.c — the in-memory screening index of a post: a million wanted
 * persons and ten million documents in well under a gigabyte, a traveller
 * screened in well under a millisecond.
 *
 * Compact by construction:
 *  - tokens are interned: the struct for "IVAN" exists once, name entries
 *    hold 4-byte token ids and a part byte;
 *  - keys (phonetic skeletons, equivalence groups, joined skeletons of two
 *    adjacent tokens) are interned strings; postings are one CSR array of
 *    4-byte entry ids, built by sorting (key, entry) pairs once at finish;
 *  - identifiers are a sorted array of 64-bit fingerprints with a 4-byte row
 *    id and a 2-byte list each, searched by bisection.
 * A query reads, per token, the sorted union of its keys' postings (a run)
 * and merges the runs, both a block of 4 096 entry ids at a time through a
 * bitmap accumulator (linear in the postings, whatever the number of keys
 * or runs); the most common token is read as runs too when it is not much
 * longer than the others, else searched (galloping) for each entry they
 * give. Entries that two tokens reach (one for a one-token query) are ranked
 * by the IDF weight of what they share, plus the same year of birth, and the
 * best MAX_SCORED are scored with the full scorer, the token similarities
 * kept for the query (a memo: candidates share tokens). A token that no such
 * entry shares is perhaps mistyped: its deletion keys stand in for it in a
 * second merge, where only the entries of that run count.
 */
#include <math.h>
#include <pthread.h>
#include <sodium.h>

#include "screen_int.h"
#include "tims/screen.h"
#include "tims/util.h"

#define MAX_LISTS 65536
#define MAX_SCORED 64    /* candidates scored per query: the best by key weight */
#define MAX_QKEYS 256
#define DEL_MIN 3        /* skeletons this long get deletion keys (typos) */
#define DEL_MAX 12
#define DEL_WALK_MAX 4096 /* deletion keys with more postings say nothing */
#define CLIP_WALK_MAX 16384 /* a clipped given name's prefix: at most so many */
#define TYPO_CONFIRMED 2  /* a token two entries confirm skips the typo pass */


struct tims_screen_index {
	bool finished;
	/* persons */
	struct tims_subject *subj;
	uint32_t *prow;
	uint16_t *plist;
	size_t npersons, cap_persons;
	/* tokens */
	struct tims_name_token *tok;
	size_t ntok, cap_tok;
	uint32_t *tok_slots;
	size_t tok_nslots;
	/* name entries */
	uint32_t *ent_person, *ent_off;
	uint8_t *ent_ntok, *ent_nstrong;
	/* The year of birth of each entry's person (0: unknown), packed: the
	 * candidate walk reads it for thousands of entries a query, in id
	 * order, where the person records would cost a cache miss each. */
	uint16_t *ent_year;
	size_t nent, cap_ent;
	uint32_t *ent_tok;
	uint8_t *ent_part;
	size_t nent_tok, cap_ent_tok;
	/* keys and postings */
	struct strtab keys;
	uint64_t *pairs; /* key << 32 | entry, until finish */
	size_t npairs, cap_pairs;
	uint32_t *post_off, *post;
	size_t npost;
	/* identifiers: keyed fingerprints (ident_fp). The top id_bits bits of
	 * a fingerprint pick a bucket, the next 32 are kept (id_rem, sorted
	 * within each bucket); id_off[b]..id_off[b + 1] is bucket b. */
	uint8_t id_key[TIMS_SCREEN_IDENT_KEY_BYTES];
	unsigned id_bits;
	uint32_t *id_off, *id_rem;
	size_t nids, cap_ids;
	bool id_stream;     /* build: fingerprints come sorted, appended in place */
	uint64_t id_last;
	uint64_t *build_fp; /* build, in any order: sorted at finish */
	size_t nbuild, cap_build;
	/* after finish: fingerprint -> entries added minus removed */
	uint64_t *ov_key;
	int32_t *ov_cnt;
	size_t ov_n, ov_slots;
	int64_t ov_net;
	uint64_t stamp;     /* the caller's: which state of its store this is */
	/* thresholds per list */
	float *threshold;
	/* query scratch, guarded by lock */
	pthread_mutex_t lock;
	uint32_t *qbuf;   /* runs of entry ids of the current query */
	size_t qbuf_cap;
	struct cand *cands;
	struct tims__sim_memo *memo; /* token similarities of the current query */
	struct blk *blk;             /* the merge's accumulator (merge_blocks) */
};

/* The merge of many runs: entry ids in blocks of BLK, each entry's bits
 * and runs gathered in place (zero between uses), used[] marks the taken. */
#define BLK_BITS 12
#define BLK (1u << BLK_BITS) /* used[] is 64 words: one bit each in a summary */
struct blk {
	uint64_t runs[BLK]; /* which runs hold the entry (merge_blocks: 64 at most) */
	uint16_t bits[BLK];
	uint64_t used[BLK / 64];
};

struct cand {
	float w;
	uint32_t e;
};


static uint64_t fnv64(const void *d, size_t n, uint64_t h)
{
	const uint8_t *p = d;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	/* splitmix64 finaliser: spread FNV's weak high bits */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

#define FNV_BASIS 14695981039346656037ull

/* Buckets for n identifiers: about eight a bucket, at least 256. */
static unsigned id_bits_for(size_t n)
{
	unsigned b = 8;

	while (b < 28 && ((size_t)1 << (b + 3)) < n)
		b++;
	return b;
}

/* --- lifecycle ----------------------------------------------------------- */

tims_rc tims_screen_index_new(struct tims_screen_index **out)
{
	struct tims_screen_index *ix = calloc(1, sizeof(*ix));

	*out = NULL;
	if (!ix)
		return TIMS_ERR_NOMEM;
	ix->threshold = malloc(MAX_LISTS * sizeof(float));
	if (!ix->threshold) {
		free(ix);
		return TIMS_ERR_NOMEM;
	}
	for (size_t i = 0; i < MAX_LISTS; i++)
		ix->threshold[i] = (float)TIMS_SCREEN_THRESHOLD;
	pthread_mutex_init(&ix->lock, NULL);
	*out = ix;
	return TIMS_OK;
}

void tims_screen_index_free(struct tims_screen_index *ix)
{
	if (!ix)
		return;
	free(ix->subj);
	free(ix->prow);
	free(ix->plist);
	free(ix->tok);
	free(ix->tok_slots);
	free(ix->ent_person);
	free(ix->ent_off);
	free(ix->ent_ntok);
	free(ix->ent_nstrong);
	free(ix->ent_year);
	free(ix->ent_tok);
	free(ix->ent_part);
	tims__strtab_free(&ix->keys);
	free(ix->pairs);
	free(ix->post_off);
	free(ix->post);
	free(ix->id_off);
	free(ix->id_rem);
	free(ix->build_fp);
	free(ix->ov_key);
	free(ix->ov_cnt);
	free(ix->threshold);
	free(ix->qbuf);
	free(ix->cands);
	free(ix->memo);
	free(ix->blk);
	pthread_mutex_destroy(&ix->lock);
	free(ix);
}

tims_rc tims_screen_index_reserve(struct tims_screen_index *ix, size_t persons,
				  size_t names, size_t idents)
{
	size_t c;

	if (ix->finished)
		return TIMS_ERR_STATE;
	c = ix->cap_persons;
	if (screen_grow(&ix->subj, &c, persons, sizeof(*ix->subj)))
		return TIMS_ERR_NOMEM;
	c = ix->cap_persons;
	if (screen_grow(&ix->prow, &c, persons, sizeof(*ix->prow)))
		return TIMS_ERR_NOMEM;
	c = ix->cap_persons;
	if (screen_grow(&ix->plist, &c, persons, sizeof(*ix->plist)))
		return TIMS_ERR_NOMEM;
	ix->cap_persons = c;
	if (screen_grow(&ix->pairs, &ix->cap_pairs, names * 6, sizeof(*ix->pairs)))
		return TIMS_ERR_NOMEM;
	if (idents && !ix->nids && !ix->nbuild && !ix->id_off) {
		/* fingerprints are expected in order (tims_wl_load_index reads
		 * them so): kept in their final, compact form from the start */
		ix->id_bits = id_bits_for(idents);
		ix->id_off = calloc(((size_t)1 << ix->id_bits) + 1, sizeof(*ix->id_off));
		if (!ix->id_off ||
		    screen_grow(&ix->id_rem, &ix->cap_ids, idents, sizeof(*ix->id_rem)))
			return TIMS_ERR_NOMEM;
		ix->id_stream = true;
	}
	return TIMS_OK;
}

tims_rc tims_screen_index_set_threshold(struct tims_screen_index *ix,
					uint16_t list, double threshold)
{
	if (!(threshold >= 0.0 && threshold <= 1.0))
		return TIMS_ERR_USAGE;
	ix->threshold[list] = (float)threshold;
	return TIMS_OK;
}

/* --- adding -------------------------------------------------------------- */

tims_rc tims_screen_index_add_person(struct tims_screen_index *ix, uint16_t list,
				     uint32_t rowid, const struct tims_subject *s,
				     uint32_t *idx)
{
	size_t c;

	if (ix->finished)
		return TIMS_ERR_STATE;
	if (ix->npersons >= UINT32_MAX - 1)
		return TIMS_ERR_TOOBIG;
	if (ix->npersons + 1 > ix->cap_persons) {
		c = ix->cap_persons;
		if (screen_grow(&ix->subj, &c, ix->npersons + 1, sizeof(*ix->subj)))
			return TIMS_ERR_NOMEM;
		c = ix->cap_persons;
		if (screen_grow(&ix->prow, &c, ix->npersons + 1, sizeof(*ix->prow)))
			return TIMS_ERR_NOMEM;
		c = ix->cap_persons;
		if (screen_grow(&ix->plist, &c, ix->npersons + 1, sizeof(*ix->plist)))
			return TIMS_ERR_NOMEM;
		ix->cap_persons = c;
	}
	if (s)
		ix->subj[ix->npersons] = *s;
	else
		memset(&ix->subj[ix->npersons], 0, sizeof(*s));
	ix->prow[ix->npersons] = rowid;
	ix->plist[ix->npersons] = list;
	*idx = (uint32_t)ix->npersons++;
	return TIMS_OK;
}

/* The interned copy of a token (part cleared: it belongs to the entry). */
static uint32_t intern_token(struct tims_screen_index *ix,
			     const struct tims_name_token *t)
{
	struct tims_name_token k = *t;
	size_t i;

	k.part = 0;
	if ((ix->ntok + 1) * 2 > ix->tok_nslots) {
		size_t ns = ix->tok_nslots ? ix->tok_nslots * 2 : 4096;
		uint32_t *s = calloc(ns, sizeof(*s));

		if (!s)
			return UINT32_MAX;
		for (size_t id = 0; id < ix->ntok; id++) {
			i = fnv64(&ix->tok[id], sizeof(k), FNV_BASIS) & (ns - 1);
			while (s[i])
				i = (i + 1) & (ns - 1);
			s[i] = (uint32_t)id + 1;
		}
		free(ix->tok_slots);
		ix->tok_slots = s;
		ix->tok_nslots = ns;
	}
	i = fnv64(&k, sizeof(k), FNV_BASIS) & (ix->tok_nslots - 1);
	for (; ix->tok_slots[i]; i = (i + 1) & (ix->tok_nslots - 1))
		if (!memcmp(&ix->tok[ix->tok_slots[i] - 1], &k, sizeof(k)))
			return ix->tok_slots[i] - 1;
	if (screen_grow(&ix->tok, &ix->cap_tok, ix->ntok + 1, sizeof(*ix->tok)))
		return UINT32_MAX;
	ix->tok[ix->ntok] = k;
	ix->tok_slots[i] = (uint32_t)ix->ntok + 1;
	return (uint32_t)ix->ntok++;
}

static bool strong(const struct tims_name_token *t)
{
	return !(t->flags & (TIMS_TOK_WEAK | TIMS_TOK_INITIAL));
}

/* "X" + the spelling with each run of one letter written once. */
static void undoubled_key(const char *var, char *out, size_t cap)
{
	size_t o = 0;

	if (cap < 2)
		return;
	out[o++] = 'X';
	for (const char *p = var; *p && o + 1 < cap; p++)
		if (p == var || *p != p[-1])
			out[o++] = *p;
	out[o] = '\0';
}

/*
 * Particles written apart or onto the name (VAN DER BERG, VANDERBERG; DE LA
 * CRUZ, DELACRUZ): the strong token i with the particles just before it (at
 * most two) keyed as one skeleton, "S" + the particles' + its own, which is
 * the key of the same name written as one token. Returns how many keys.
 */
static size_t particle_keys(const struct tims_name *nm, unsigned i,
			    char keys[][2 * TIMS_TOKEN_MAX + 4], size_t max)
{
	char pre[2 * TIMS_TOKEN_MAX + 4];
	size_t n = 0, len = 0;
	unsigned j = i;

	while (j > 0 && i - j < 2 && (nm->tok[j - 1].flags & TIMS_TOK_WEAK) &&
	       !(nm->tok[j - 1].flags & TIMS_TOK_INITIAL) && nm->tok[j - 1].skel[0][0] &&
	       nm->tok[j - 1].part == nm->tok[i].part)
		j--;
	if (j == i)
		return 0;
	pre[0] = '\0';
	for (unsigned k = j; k < i; k++) {
		size_t l = strlen(nm->tok[k].skel[0]);

		if (len + l >= sizeof(pre))
			return 0;
		memcpy(pre + len, nm->tok[k].skel[0], l + 1);
		len += l;
	}
	for (unsigned v = 0; v < nm->tok[i].nvar && n < max; v++) {
		size_t l = strlen(nm->tok[i].skel[v]);
		bool dup = false;

		if (!l || 1 + len + l + 1 > sizeof(keys[0]))
			continue;
		keys[n][0] = 'S';
		memcpy(keys[n] + 1, pre, len);
		memcpy(keys[n] + 1 + len, nm->tok[i].skel[v], l + 1);
		for (size_t k = 0; k < n; k++)
			dup = dup || !strcmp(keys[k], keys[n]);
		n += !dup;
	}
	return n;
}

/*
 * The keys of one token: its skeletons and groups; with `next`, the joined
 * skeletons of the pair (ABDUL + RAHMAN -> BDRHMN). Returns how many.
 */
static size_t token_keys(const struct tims_name_token *t,
			 const struct tims_name_token *next,
			 char keys[][2 * TIMS_TOKEN_MAX + 4], size_t max)
{
	size_t n = 0;

	if (!next) {
		for (unsigned v = 0; v < t->nvar && n < max; v++) {
			bool dup = false;

			if (!t->skel[v][0] && !t->var[v][0])
				continue;
			/* A one-consonant skeleton (ANNA, EN, ANH: "N") would pull
			 * in a tenth of the list: such tokens key on the spelling,
			 * its doubled letters written once (ANNA and ANA one key,
			 * as the scorer takes a doubled letter for a slip). */
			if (t->skel[v][0] && (t->skel[v][1] || t->scheme[v] == TIMS_SCHEME_ABJAD))
				snprintf(keys[n], sizeof(keys[0]), "S%s", t->skel[v]);
			else
				undoubled_key(t->var[v], keys[n], sizeof(keys[0]));
			for (size_t k = 0; k < n; k++)
				dup = dup || !strcmp(keys[k], keys[n]);
			n += !dup;
		}
		/* The Arabic article written attached (ALSHAMI, ELMASRI, AL-
		 * dropped by the hyphen rule): an abjad spelling's skeleton has
		 * no article (الشامي: SM), so the Latin one keys on its rest too. */
		for (unsigned v = 0; v < t->nvar && n < max; v++) {
			const char *s = t->var[v];
			char skel[TIMS_TOKEN_MAX + 1];
			bool dup = false;

			if (t->scheme[v] == TIMS_SCHEME_ABJAD || strlen(s) < 5 ||
			    !((s[0] == 'A' || s[0] == 'E') && s[1] == 'L'))
				continue;
			tims_name_skeleton(s + 2, false, skel, sizeof(skel));
			if (strlen(skel) < 2)
				continue;
			snprintf(keys[n], sizeof(keys[0]), "S%s", skel);
			for (size_t k = 0; k < n; k++)
				dup = dup || !strcmp(keys[k], keys[n]);
			n += !dup;
		}
		for (unsigned g = 0; g < t->ngroup && n < max; g++)
			snprintf(keys[n++], sizeof(keys[0]), "G%u", t->group[g]);
		return n;
	}
	for (unsigned v = 0; v < t->nvar && n < max; v++) {
		unsigned w = v < next->nvar ? v : 0;
		bool dup = false;

		if (!t->skel[v][0] || !next->skel[w][0])
			continue;
		snprintf(keys[n], sizeof(keys[0]), "S%s%s", t->skel[v], next->skel[w]);
		for (size_t k = 0; k < n; k++)
			dup = dup || !strcmp(keys[k], keys[n]);
		n += !dup;
	}
	return n;
}

/*
 * Typos: a consonant typed wrong, dropped, added or swapped changes the
 * skeleton, so the skeletons with one class deleted are keys too
 * (symmetric deletion, distance 1). The index holds "D" + each deletion;
 * a query looks up its full skeleton against them ("D" + full), its
 * deletions against full skeletons ("S" + deletion) and against deletions
 * ("D" + deletion). Only skeletons of DEL_MIN..DEL_MAX classes: shorter ones
 * would match half the list.
 */
static size_t deletion_keys(const struct tims_name_token *t, bool query,
			    char keys[][2 * TIMS_TOKEN_MAX + 4], size_t max)
{
	size_t n = 0;

	for (unsigned v = 0; v < t->nvar; v++) {
		const char *sk = t->skel[v];
		size_t len = strlen(sk);
		bool seen = false;

		for (unsigned w = 0; w < v; w++)
			seen = seen || !strcmp(t->skel[w], sk);
		if (seen || len < DEL_MIN || len > DEL_MAX)
			continue;
		if (query && n < max)
			snprintf(keys[n++], sizeof(keys[0]), "D%s", sk);
		for (size_t i = 0; i < len && n + 2 <= max; i++) {
			char d[DEL_MAX + 1];

			if (i > 0 && sk[i] == sk[i - 1])
				continue; /* the same deletion as the previous one */
			memcpy(d, sk, i);
			memcpy(d + i, sk + i + 1, len - i);
			snprintf(keys[n++], sizeof(keys[0]), "D%s", d);
			if (query)
				snprintf(keys[n++], sizeof(keys[0]), "S%s", d);
		}
	}
	return n;
}

/*
 * Short forms by clipping (REGGIE, MAL for REGINALD, MALCOLM; the scorer's
 * clipped_given): a listed given name of five letters or more is keyed on
 * "P" + its first three letters, and a query's given name that the
 * equivalence table does not know looks up "P" + the first three letters
 * of each stem it may clip a name to, in the typo pass (an entry must share
 * it and another token). Arabic names of the table are not clipped.
 */
static size_t clip_keys(const struct tims_name *n, unsigned i, bool query,
			char keys[][2 * TIMS_TOKEN_MAX + 4], size_t max)
{
	const struct tims_name_token *t = &n->tok[i];
	char st[8][TIMS_TOKEN_MAX + 1];
	size_t k = 0, ns;

	if ((t->flags & (TIMS_TOK_ABJAD | TIMS_TOK_INITIAL | TIMS_TOK_WEAK)) ||
	    !tims__given_like(n, i))
		return 0;
	for (unsigned g = 0; g < t->ngroup; g++)
		if (tims__equiv_arabic(t->group[g]))
			return 0;
	if (!query) {
		if (strlen(t->var[0]) < 5 || max == 0)
			return 0;
		snprintf(keys[0], sizeof(keys[0]), "P%.3s", t->var[0]);
		return 1;
	}
	if (t->ngroup)
		return 0;
	ns = tims__clip_stems(t->var[0], st, 8);
	for (size_t s = 0; s < ns && k < max; s++) {
		bool dup = false;

		snprintf(keys[k], sizeof(keys[0]), "P%.3s", st[s]);
		for (size_t j = 0; j < k; j++)
			dup = dup || !strcmp(keys[j], keys[k]);
		k += !dup;
	}
	return k;
}

static tims_rc add_pair(struct tims_screen_index *ix, const char *key, uint32_t ent)
{
	uint32_t id = tims__strtab_get(&ix->keys, key, true);

	if (id == UINT32_MAX)
		return TIMS_ERR_NOMEM;
	if (screen_grow(&ix->pairs, &ix->cap_pairs, ix->npairs + 1, sizeof(*ix->pairs)))
		return TIMS_ERR_NOMEM;
	ix->pairs[ix->npairs++] = (uint64_t)id << 32 | ent;
	return TIMS_OK;
}

tims_rc tims_screen_index_add_name(struct tims_screen_index *ix, uint32_t person,
				   const struct tims_name *n)
{
	char keys[8][2 * TIMS_TOKEN_MAX + 4], dkeys[40][2 * TIMS_TOKEN_MAX + 4];
	uint32_t ent = (uint32_t)ix->nent;
	size_t c;
	unsigned nstrong = 0;

	if (ix->finished)
		return TIMS_ERR_STATE;
	if (person >= ix->npersons || n->ntok == 0)
		return TIMS_ERR_USAGE;
	if (ix->nent + 1 > ix->cap_ent) {
		c = ix->cap_ent;
		if (screen_grow(&ix->ent_person, &c, ix->nent + 1, sizeof(uint32_t)))
			return TIMS_ERR_NOMEM;
		c = ix->cap_ent;
		if (screen_grow(&ix->ent_off, &c, ix->nent + 1, sizeof(uint32_t)))
			return TIMS_ERR_NOMEM;
		c = ix->cap_ent;
		if (screen_grow(&ix->ent_ntok, &c, ix->nent + 1, 1))
			return TIMS_ERR_NOMEM;
		c = ix->cap_ent;
		if (screen_grow(&ix->ent_nstrong, &c, ix->nent + 1, 1))
			return TIMS_ERR_NOMEM;
		c = ix->cap_ent;
		if (screen_grow(&ix->ent_year, &c, ix->nent + 1, sizeof(uint16_t)))
			return TIMS_ERR_NOMEM;
		ix->cap_ent = c;
	}
	if (ix->nent_tok + n->ntok > ix->cap_ent_tok) {
		c = ix->cap_ent_tok;
		if (screen_grow(&ix->ent_tok, &c, ix->nent_tok + n->ntok, sizeof(uint32_t)))
			return TIMS_ERR_NOMEM;
		c = ix->cap_ent_tok;
		if (screen_grow(&ix->ent_part, &c, ix->nent_tok + n->ntok, 1))
			return TIMS_ERR_NOMEM;
		ix->cap_ent_tok = c;
	}
	for (unsigned i = 0; i < n->ntok; i++) {
		uint32_t id = intern_token(ix, &n->tok[i]);

		if (id == UINT32_MAX)
			return TIMS_ERR_NOMEM;
		ix->ent_tok[ix->nent_tok + i] = id;
		ix->ent_part[ix->nent_tok + i] = n->tok[i].part;
		if (!strong(&n->tok[i]))
			continue;
		nstrong++;
		for (size_t k = 0, nk = token_keys(&n->tok[i], NULL, keys, 8); k < nk; k++)
			if (add_pair(ix, keys[k], ent))
				return TIMS_ERR_NOMEM;
		for (size_t k = 0, nk = deletion_keys(&n->tok[i], false, dkeys, 40); k < nk; k++)
			if (add_pair(ix, dkeys[k], ent))
				return TIMS_ERR_NOMEM;
		for (size_t k = 0, nk = clip_keys(n, i, false, keys, 8); k < nk; k++)
			if (add_pair(ix, keys[k], ent))
				return TIMS_ERR_NOMEM;
		if (i + 1 < n->ntok && strong(&n->tok[i + 1]))
			for (size_t k = 0, nk = token_keys(&n->tok[i], &n->tok[i + 1], keys, 8);
			     k < nk; k++)
				if (add_pair(ix, keys[k], ent))
					return TIMS_ERR_NOMEM;
		for (size_t k = 0, nk = particle_keys(n, i, keys, 8); k < nk; k++)
			if (add_pair(ix, keys[k], ent))
				return TIMS_ERR_NOMEM;
	}
	ix->ent_person[ent] = person;
	ix->ent_year[ent] = ix->subj[person].dob.year;
	ix->ent_off[ent] = (uint32_t)ix->nent_tok;
	ix->ent_ntok[ent] = n->ntok;
	ix->ent_nstrong[ent] = (uint8_t)nstrong;
	ix->nent_tok += n->ntok;
	ix->nent++;
	return TIMS_OK;
}

/* --- identifiers ----------------------------------------------------------- */

uint64_t tims_screen_ident_fp(const uint8_t key[TIMS_SCREEN_IDENT_KEY_BYTES],
			      enum tims_ident_kind kind, const char *norm)
{
	uint8_t in[1 + TIMS_IDENT_MAX], out[crypto_shorthash_BYTES];
	size_t n = strnlen(norm, TIMS_IDENT_MAX);
	uint64_t fp = 0;

	in[0] = (uint8_t)kind;
	memcpy(in + 1, norm, n);
	crypto_shorthash(out, in, n + 1, key);
	for (int i = 0; i < 8; i++)
		fp = fp << 8 | out[i];
	return fp ? fp : 1; /* 0 is no fingerprint */
}

void tims_screen_index_set_ident_key(struct tims_screen_index *ix,
				     const uint8_t key[TIMS_SCREEN_IDENT_KEY_BYTES])
{
	memcpy(ix->id_key, key, sizeof(ix->id_key));
}

uint64_t tims_screen_index_ident_fp(const struct tims_screen_index *ix,
				    enum tims_ident_kind kind, const char *norm)
{
	return tims_screen_ident_fp(ix->id_key, kind, norm);
}

static inline size_t id_bucket(const struct tims_screen_index *ix, uint64_t fp)
{
	return (size_t)(fp >> (64 - ix->id_bits));
}

static inline uint32_t id_remainder(const struct tims_screen_index *ix, uint64_t fp)
{
	return (uint32_t)(fp >> (32 - ix->id_bits));
}

/* A streamed build given a fingerprint out of order: back to 64-bit values
 * (the bits the index keeps), sorted at finish. */
static tims_rc ids_unstream(struct tims_screen_index *ix)
{
	size_t k = 0, nb = (size_t)1 << ix->id_bits;

	if (screen_grow(&ix->build_fp, &ix->cap_build, ix->nids + 1, sizeof(*ix->build_fp)))
		return TIMS_ERR_NOMEM;
	for (size_t b = 0; b < nb; b++)
		for (uint32_t c = 0; c < ix->id_off[b + 1]; c++, k++)
			ix->build_fp[k] = (uint64_t)b << (64 - ix->id_bits) |
					  (uint64_t)ix->id_rem[k] << (32 - ix->id_bits);
	ix->nbuild = ix->nids;
	ix->nids = ix->cap_ids = 0;
	free(ix->id_rem);
	free(ix->id_off);
	ix->id_rem = ix->id_off = NULL;
	ix->id_stream = false;
	return TIMS_OK;
}

/* The overlay's slot for fp (a free one when absent). */
static size_t ov_slot(const struct tims_screen_index *ix, uint64_t fp)
{
	size_t m = ix->ov_slots - 1, i = (size_t)(fp ^ fp >> 29) & m;

	while (ix->ov_key[i] && ix->ov_key[i] != fp)
		i = (i + 1) & m;
	return i;
}

/* Room in the overlay for `more` fingerprints not in it yet. */
static tims_rc ov_grow(struct tims_screen_index *ix, size_t more)
{
	size_t i, ns = ix->ov_slots ? ix->ov_slots : 1024, os = ix->ov_slots;
	uint64_t *k, *ok = ix->ov_key;
	int32_t *c, *oc = ix->ov_cnt;

	if ((ix->ov_n + more + 1) * 2 > ix->ov_slots) {
		while ((ix->ov_n + more + 1) * 2 > ns)
			ns *= 2;
		k = calloc(ns, sizeof(*k));
		c = calloc(ns, sizeof(*c));
		if (!k || !c) {
			free(k);
			free(c);
			return TIMS_ERR_NOMEM;
		}
		ix->ov_key = k;
		ix->ov_cnt = c;
		ix->ov_slots = ns;
		for (size_t j = 0; j < os; j++)
			if (ok[j]) {
				i = ov_slot(ix, ok[j]);
				ix->ov_key[i] = ok[j];
				ix->ov_cnt[i] = oc[j];
			}
		free(ok);
		free(oc);
	}
	return TIMS_OK;
}

static tims_rc ov_change(struct tims_screen_index *ix, uint64_t fp, int32_t d)
{
	size_t i;

	if (ov_grow(ix, 1))
		return TIMS_ERR_NOMEM;
	i = ov_slot(ix, fp);
	if (!ix->ov_key[i]) {
		ix->ov_key[i] = fp;
		ix->ov_n++;
	}
	ix->ov_cnt[i] += d;
	ix->ov_net += d;
	return TIMS_OK;
}

tims_rc tims_screen_index_add_ident_fp(struct tims_screen_index *ix, uint64_t fp)
{
	if (!fp)
		return TIMS_ERR_USAGE;
	if (ix->finished)
		return ov_change(ix, fp, 1);
	if (ix->id_stream && fp < ix->id_last && ids_unstream(ix))
		return TIMS_ERR_NOMEM;
	if (ix->id_stream) {
		if (ix->nids >= UINT32_MAX - 1)
			return TIMS_ERR_TOOBIG;
		if (screen_grow(&ix->id_rem, &ix->cap_ids, ix->nids + 1, sizeof(*ix->id_rem)))
			return TIMS_ERR_NOMEM;
		ix->id_rem[ix->nids++] = id_remainder(ix, fp);
		ix->id_off[id_bucket(ix, fp) + 1]++; /* counts until finish */
		ix->id_last = fp;
		return TIMS_OK;
	}
	if (screen_grow(&ix->build_fp, &ix->cap_build, ix->nbuild + 1, sizeof(*ix->build_fp)))
		return TIMS_ERR_NOMEM;
	ix->build_fp[ix->nbuild++] = fp;
	return TIMS_OK;
}

tims_rc tims_screen_index_add_ident(struct tims_screen_index *ix,
				    enum tims_ident_kind kind, const char *norm)
{
	return tims_screen_index_add_ident_fp(ix, tims_screen_index_ident_fp(ix, kind, norm));
}

void tims_screen_index_set_stamp(struct tims_screen_index *ix, uint64_t stamp)
{
	ix->stamp = stamp;
}

uint64_t tims_screen_index_stamp(const struct tims_screen_index *ix)
{
	return ix->stamp;
}

tims_rc tims_screen_index_ident_reserve(struct tims_screen_index *ix, size_t n)
{
	if (!ix->finished)
		return TIMS_ERR_STATE;
	return ov_grow(ix, n);
}

tims_rc tims_screen_index_remove_ident_fp(struct tims_screen_index *ix, uint64_t fp)
{
	if (!ix->finished)
		return TIMS_ERR_STATE;
	if (!fp)
		return TIMS_ERR_USAGE;
	return ov_change(ix, fp, -1);
}

tims_rc tims_screen_index_remove_ident(struct tims_screen_index *ix,
				       enum tims_ident_kind kind, const char *norm)
{
	return tims_screen_index_remove_ident_fp(ix, tims_screen_index_ident_fp(ix, kind, norm));
}

static void radix64(uint64_t *a, uint64_t *tmp, size_t n, unsigned passes);

/* The compact form: bucket offsets and 32-bit remainders. */
static tims_rc ids_finish(struct tims_screen_index *ix)
{
	size_t nb;

	if (!ix->id_stream) {
		if (ix->nbuild > UINT32_MAX - 1)
			return TIMS_ERR_TOOBIG;
		if (ix->nbuild > 1) {
			uint64_t *tmp = malloc(ix->nbuild * sizeof(*tmp));

			if (!tmp)
				return TIMS_ERR_NOMEM;
			radix64(ix->build_fp, tmp, ix->nbuild, 4);
			free(tmp);
		}
		ix->id_bits = id_bits_for(ix->nbuild);
		ix->id_off = calloc(((size_t)1 << ix->id_bits) + 1, sizeof(*ix->id_off));
		ix->id_rem = malloc((ix->nbuild + 1) * sizeof(*ix->id_rem));
		if (!ix->id_off || !ix->id_rem)
			return TIMS_ERR_NOMEM;
		for (size_t i = 0; i < ix->nbuild; i++) {
			ix->id_rem[i] = id_remainder(ix, ix->build_fp[i]);
			ix->id_off[id_bucket(ix, ix->build_fp[i]) + 1]++;
		}
		ix->nids = ix->nbuild;
		free(ix->build_fp);
		ix->build_fp = NULL;
		ix->nbuild = ix->cap_build = 0;
	} else if (ix->nids < ix->cap_ids) {
		uint32_t *r = realloc(ix->id_rem, (ix->nids + 1) * sizeof(*r));

		if (r)
			ix->id_rem = r;
	}
	nb = (size_t)1 << ix->id_bits;
	for (size_t b = 0; b < nb; b++)
		ix->id_off[b + 1] += ix->id_off[b];
	ix->id_stream = false;
	return TIMS_OK;
}

tims_rc tims_screen_index_lookup(const struct tims_screen_index *ix,
				 enum tims_ident_kind kind, const char *norm, size_t *count)
{
	return tims_screen_index_lookup_fp(ix, tims_screen_index_ident_fp(ix, kind, norm), count);
}

tims_rc tims_screen_index_lookup_fp(const struct tims_screen_index *ix, uint64_t fp,
				    size_t *count)
{
	size_t lo, hi, b, n = 0;
	uint32_t r;
	int64_t c;

	*count = 0;
	if (!ix->finished)
		return TIMS_ERR_STATE;
	b = id_bucket(ix, fp);
	r = id_remainder(ix, fp);
	lo = ix->id_off[b];
	hi = ix->id_off[b + 1];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix->id_rem[mid] < r)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ix->id_off[b + 1] && ix->id_rem[lo] == r; lo++)
		n++;
	c = (int64_t)n;
	if (ix->ov_n) {
		size_t i = ov_slot(ix, fp);

		if (ix->ov_key[i])
			c += ix->ov_cnt[i];
	}
	/* The kept bits of other numbers may count here too: never fewer
	 * than the entries that hold fp, perhaps more (confirmed by the
	 * caller against the store). */
	*count = c > 0 ? (size_t)c : 0;
	return TIMS_OK;
}

/* --- finish: sort postings and identifiers -------------------------------- */

/* LSD radix sort of n 64-bit keys, 16 bits a pass; tmp holds n. */
static void radix64(uint64_t *a, uint64_t *tmp, size_t n, unsigned passes)
{
	static size_t cnt[65536];

	for (unsigned p = 0; p < passes; p++) {
		unsigned sh = 16 * p;
		size_t sum = 0;

		memset(cnt, 0, sizeof(cnt));
		for (size_t i = 0; i < n; i++)
			cnt[(a[i] >> sh) & 0xffff]++;
		for (size_t i = 0; i < 65536; i++) {
			size_t c = cnt[i];

			cnt[i] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			tmp[cnt[(a[i] >> sh) & 0xffff]++] = a[i];
		memcpy(a, tmp, n * sizeof(*a));
	}
}

tims_rc tims_screen_index_finish(struct tims_screen_index *ix)
{
	size_t nkeys = ix->keys.n, w = 0;
	uint64_t *tmp;

	if (ix->finished)
		return TIMS_ERR_STATE;
	/* postings: sort (key, entry), drop duplicates, CSR */
	if (ix->npairs) {
		tmp = malloc(ix->npairs * sizeof(*tmp));
		if (!tmp)
			return TIMS_ERR_NOMEM;
		radix64(ix->pairs, tmp, ix->npairs, 4);
		free(tmp);
	}
	ix->post_off = calloc(nkeys + 1, sizeof(*ix->post_off));
	ix->post = malloc((ix->npairs ? ix->npairs : 1) * sizeof(*ix->post));
	if (!ix->post_off || !ix->post)
		return TIMS_ERR_NOMEM;
	for (size_t i = 0; i < ix->npairs; i++) {
		if (i && ix->pairs[i] == ix->pairs[i - 1])
			continue;
		ix->post_off[(ix->pairs[i] >> 32) + 1]++;
		ix->post[w++] = (uint32_t)ix->pairs[i];
	}
	for (size_t k = 0; k < nkeys; k++)
		ix->post_off[k + 1] += ix->post_off[k];
	ix->npost = w;
	free(ix->pairs);
	ix->pairs = NULL;
	ix->cap_pairs = ix->npairs = 0;
	if (w) {
		uint32_t *p = realloc(ix->post, w * sizeof(*p));

		if (p)
			ix->post = p;
	}
	if (ids_finish(ix))
		return TIMS_ERR_NOMEM;
	/* query scratch */
	ix->cands = malloc((ix->nent + 1) * sizeof(*ix->cands));
	ix->memo = calloc(1, sizeof(*ix->memo));
	ix->blk = calloc(1, sizeof(*ix->blk));
	if (!ix->cands || !ix->memo || !ix->blk)
		return TIMS_ERR_NOMEM;
	free(ix->tok_slots);
	ix->tok_slots = NULL;
	ix->tok_nslots = 0;
	ix->finished = true;
	return TIMS_OK;
}

void tims_screen_index_stats(const struct tims_screen_index *ix,
			     struct tims_screen_index_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->persons = ix->npersons;
	st->names = ix->nent;
	st->tokens = ix->ntok;
	st->keys = ix->keys.n;
	st->postings = ix->npost;
	st->idents = (size_t)((int64_t)ix->nids + ix->ov_net);
	st->ident_bytes = ix->nids * 4 + (ix->id_off ? (((size_t)1 << ix->id_bits) + 1) * 4 : 0) +
			  ix->ov_slots * 12;
	st->bytes = ix->npersons * (sizeof(struct tims_subject) + 6) +
		    ix->ntok * sizeof(struct tims_name_token) +
		    ix->nent * 12 + ix->nent_tok * 5 +
		    ix->keys.alen + ix->keys.n * 12 + ix->npost * 4 +
		    (ix->keys.n + 1) * 4 + ix->nent * 10 + st->ident_bytes;
}

/* --- queries ------------------------------------------------------------- */

static inline unsigned popcount16(uint16_t m)
{
	unsigned x = m;

	x = x - ((x >> 1) & 0x5555u);
	x = (x & 0x3333u) + ((x >> 2) & 0x3333u);
	x = (x + (x >> 4)) & 0x0f0fu;
	return (x + (x >> 8)) & 0x1fu;
}

static void entry_name(const struct tims_screen_index *ix, uint32_t e,
		       struct tims_name *out, uint32_t *ids)
{
	out->ntok = ix->ent_ntok[e];
	out->mrz_form = false;
	out->mixed_script = false;
	for (unsigned i = 0; i < out->ntok; i++) {
		ids[i] = ix->ent_tok[ix->ent_off[e] + i];
		out->tok[i] = ix->tok[ids[i]];
		out->tok[i].part = ix->ent_part[ix->ent_off[e] + i];
	}
}

static int cmp_hit(const void *x, const void *y)
{
	const struct tims_screen_hit *a = x, *b = y;

	if (a->m.score != b->m.score)
		return a->m.score < b->m.score ? 1 : -1;
	return (a->person > b->person) - (a->person < b->person);
}

/* Move the k heaviest candidates to the front (quickselect). */
static void top_k(struct cand *c, size_t n, size_t k)
{
	size_t lo = 0, hi = n;

	while (hi - lo > 1 && k > lo && k < hi) {
		float pivot = c[lo + (hi - lo) / 2].w;
		size_t i = lo, j = hi - 1;

		while (i <= j) {
			while (c[i].w > pivot)
				i++;
			while (c[j].w < pivot)
				j--;
			if (i <= j) {
				struct cand t = c[i];

				c[i] = c[j];
				c[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j + 1)
			hi = j + 1;
		else if (k >= i)
			lo = i;
		else
			break;
	}
}


/* A sorted run of entry ids in the query scratch, for one query token (or a
 * joined pair): the union of the postings of its keys. */
struct run {
	uint32_t off, len;
	uint16_t bits;
	float w;       /* log N / len: rarer tokens weigh more */
};

struct qstate {
	struct tims_screen_index *ix;
	uint32_t *buf;
	size_t len, cap;
	/* a token, its particles, a joined pair each; typo runs */
	struct run run[3 * TIMS_NAME_MAX_TOKENS + 4];
	unsigned nrun;
	bool oom;
};

/* Append the union of postings ranges [lo[i], hi[i]) as a run. */
static bool add_run(struct qstate *q, const uint32_t *lo, const uint32_t *hi,
		    unsigned n, uint16_t bits)
{
	uint32_t h[MAX_QKEYS];
	size_t need = 0, start = q->len;
	const uint32_t *post = q->ix->post;

	if (n == 0 || q->nrun >= TIMS_ARRAY_SIZE(q->run))
		return false;
	for (unsigned i = 0; i < n; i++) {
		need += hi[i] - lo[i];
		h[i] = lo[i];
	}
	if (screen_grow(&q->buf, &q->cap, q->len + need, sizeof(*q->buf))) {
		q->oom = true;
		return false;
	}
	if (n == 1) { /* one key: its postings are the run */
		memcpy(q->buf + q->len, post + lo[0], (size_t)(hi[0] - lo[0]) * sizeof(*post));
		q->len += hi[0] - lo[0];
	} else {
		/* The union of the keys' postings, a block of entry ids at a
		 * time: each posting marks its entry in the accumulator's bitmap
		 * (zero between uses), then the block's entries are read back in
		 * order. Linear in the postings, whatever the number of keys (a
		 * head-by-head merge costs keys x entries). */
		struct blk *bk = q->ix->blk;
		uint32_t *d = q->buf + q->len;
		size_t w = 0;

		for (;;) {
			uint32_t mn = UINT32_MAX;
			uint64_t base, top, sum = 0;

			for (unsigned i = 0; i < n; i++)
				if (h[i] < hi[i] && post[h[i]] < mn)
					mn = post[h[i]];
			if (mn == UINT32_MAX)
				break;
			base = mn & ~(uint64_t)(BLK - 1);
			top = base + BLK;
			for (unsigned i = 0; i < n; i++)
				for (; h[i] < hi[i] && post[h[i]] < top; h[i]++) {
					uint32_t o = (uint32_t)(post[h[i]] - base);

					bk->used[o >> 6] |= 1ull << (o & 63);
					sum |= 1ull << (o >> 6);
				}
			for (; sum; sum &= sum - 1) {
				unsigned wd = (unsigned)__builtin_ctzll(sum);

				for (uint64_t u = bk->used[wd]; u; u &= u - 1)
					d[w++] = (uint32_t)(base + wd * 64 + (unsigned)__builtin_ctzll(u));
				bk->used[wd] = 0;
			}
		}
		q->len += w;
	}
	q->run[q->nrun++] = (struct run){ (uint32_t)start, (uint32_t)(q->len - start), bits,
		(float)log((double)(q->ix->nent + 1) / (double)(q->len - start + 1)) };
	return true;
}

/* The most common token's postings, searched (galloping) rather than read. */
struct gallop {
	uint32_t lo[MAX_QKEYS], hi[MAX_QKEYS], pos[MAX_QKEYS];
	unsigned n;
	uint16_t bits;
	float w;
};

/* Is e at or after *at in [*at, end)? Moves *at to the first entry >= e
 * (callers ask in increasing order): a few steps, then galloping. */
static inline bool seek(const uint32_t **at, const uint32_t *end, uint32_t e)
{
	const uint32_t *p = *at;
	size_t step = 1, lo, hi;

	for (unsigned k = 0; k < 4; k++, p++) {
		if (p >= end || *p >= e) {
			*at = p;
			return p < end && *p == e;
		}
	}
	lo = (size_t)(p - *at);
	p = *at;
	/* p[lo - 1] < e: double until p[lo + step - 1] >= e or the end */
	while (p + lo + step <= end && p[lo + step - 1] < e) {
		lo += step;
		step *= 2;
	}
	hi = p + lo + step <= end ? lo + step - 1 : (size_t)(end - p);
	while (lo < hi) { /* first index in [lo, hi) with p[i] >= e, else hi */
		size_t mid = lo + (hi - lo) / 2;

		if (p[mid] < e)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = p + lo;
	return p + lo < end && p[lo] == e;
}

/* Is e in post[pos..hi)? Advances pos (callers ask in increasing order). */
static bool gallop_has(const uint32_t *post, uint32_t *pos, uint32_t hi, uint32_t e)
{
	const uint32_t *p = post + *pos;
	bool found = seek(&p, post + hi, e);

	*pos = (uint32_t)(p - post);
	return found;
}

/*
 * Merge runs r[0..n) (and search g, if any, for each entry they give), and
 * add to cands every entry that `level` tokens share. With `must` >= 0,
 * only entries in run `must` count (the typo pass). Returns the new count;
 * conf[i] counts the entries that token i reached together with another.
 */
static size_t merge_runs(struct qstate *q, const unsigned *r, unsigned n, int must,
			 struct gallop *g, unsigned level, const struct tims_subject *s,
			 size_t nc, unsigned *conf)
{
	struct tims_screen_index *ix = q->ix;
	uint32_t h[2 * TIMS_NAME_MAX_TOKENS + 2];
	/* each run's next entry (UINT32_MAX past its end: never an entry id),
	 * where it is and ends, its bits and weight, in local arrays: the merge
	 * is most of a query's time */
	uint32_t cur[2 * TIMS_NAME_MAX_TOKENS + 2];
	const uint32_t *at[2 * TIMS_NAME_MAX_TOKENS + 2], *end[2 * TIMS_NAME_MAX_TOKENS + 2];
	uint16_t rbits[2 * TIMS_NAME_MAX_TOKENS + 2];
	float rw[2 * TIMS_NAME_MAX_TOKENS + 2];
	int mi = -1;

	for (unsigned i = 0; i < n; i++) {
		const struct run *x = &q->run[r[i]];

		h[i] = 0;
		at[i] = q->buf + x->off;
		end[i] = at[i] + x->len;
		cur[i] = x->len ? *at[i] : UINT32_MAX;
		rbits[i] = x->bits;
		rw[i] = x->w;
	}
	if (g)
		for (unsigned i = 0; i < g->n; i++)
			g->pos[i] = g->lo[i];
	for (unsigned i = 0; i < n; i++)
		if ((int)r[i] == must)
			mi = (int)i;
	for (;;) {
		uint32_t min = UINT32_MAX;
		uint16_t bits = 0;
		float w = 0;
		bool in_must = must < 0;

		if (n == 1) { /* one run (and the galloped token): no merge */
			const struct run *x = &q->run[r[0]];

			if (h[0] >= x->len)
				break;
			min = q->buf[x->off + h[0]++];
			w = x->w * (float)popcount16(x->bits);
			bits = x->bits;
			in_must = true;
		} else if (mi >= 0) {
			/* Only the entries of run `must` count: they lead, and the
			 * others are searched for each (in the same order, so the
			 * weight is summed as the merge below sums it). */
			if (at[mi] >= end[mi])
				break;
			min = *at[mi]++;
			for (unsigned i = 0; i < n; i++) {
				if ((int)i != mi && !seek(&at[i], end[i], min))
					continue;
				w += rw[i] * (float)popcount16((uint16_t)(rbits[i] & ~bits));
				bits |= rbits[i];
			}
			in_must = true;
		} else {
			for (unsigned i = 0; i < n; i++)
				min = cur[i] < min ? cur[i] : min;
			if (min == UINT32_MAX)
				break;
			/* every run at min steps on; without branches, as which
			 * runs hold an entry is not to be predicted (a run that
			 * does not adds 0, which leaves w as it was) */
			for (unsigned i = 0; i < n; i++) {
				bool eq = cur[i] == min;
				const uint32_t *nx = at[i] + eq;
				uint16_t rb = eq ? rbits[i] : 0;

				at[i] = nx;
				cur[i] = eq ? (nx < end[i] ? *nx : UINT32_MAX) : cur[i];
				w += eq ? rw[i] * (float)popcount16((uint16_t)(rb & ~bits)) : 0.0f;
				bits |= rb;
			}
		}
		if (!in_must)
			continue;
		/* the entry's year is a cache miss (entries far apart): asked
		 * for now, read after the galloping search below */
		__builtin_prefetch(&ix->ent_year[min]);
		if (g && (g->bits & ~bits)) {
			bool found = false;

			for (unsigned i = 0; i < g->n && !found; i++)
				found = gallop_has(ix->post, &g->pos[i], g->hi[i], min);
			if (found) {
				w += g->w;
				bits |= g->bits;
			}
		}
		if (popcount16(bits) < level)
			continue;
		if (popcount16(bits) >= 2)
			for (unsigned m = bits; m; m &= m - 1)
				conf[__builtin_ctz(m)]++;
		if (s && s->dob.year) { /* among equal names, the same year first */
			unsigned y = ix->ent_year[min];

			if (y && abs((int)y - (int)s->dob.year) <= 1)
				w += 4.0f;
		}
		ix->cands[nc++] = (struct cand){ w, min };
	}
	return nc;
}

/*
 * merge_runs for two runs or more, or one and g: the same candidates in the
 * same order with the same weights (each entry's runs summed in run order,
 * the galloped token's last, the year's bonus after), at a cost that does
 * not grow with the number of runs. The runs are read a block of entry ids
 * at a time into an accumulator; with `g_in` the galloped token's postings
 * are read as runs after the others (cheaper than searching when they are
 * not much longer). With `must`, the bits of a run no other run (nor g)
 * has, only its entries count (the typo pass: merge_runs with that run as
 * `must`).
 */
static size_t merge_blocks(struct qstate *q, const unsigned *r, unsigned n,
			   struct gallop *g, bool g_in, uint16_t must, unsigned level,
			   const struct tims_subject *s, size_t nc, unsigned *conf)
{
	struct tims_screen_index *ix = q->ix;
	struct blk *bk = ix->blk;
	const uint32_t *at[64], *end[64];
	uint16_t rbits[64];
	float rw[64];
	unsigned m = 0;

	if (g && g_in && n + g->n > 64)
		g_in = false;
	for (unsigned i = 0; i < n && i < 64; i++) {
		const struct run *x = &q->run[r[i]];

		at[m] = q->buf + x->off;
		end[m] = at[m] + x->len;
		rbits[m] = x->bits;
		rw[m++] = x->w;
	}
	if (g && g_in) {
		for (unsigned k = 0; k < g->n; k++) {
			at[m] = ix->post + g->lo[k];
			end[m] = ix->post + g->hi[k];
			rbits[m] = g->bits;
			rw[m++] = g->w;
		}
		g = NULL;
	}
	if (g)
		for (unsigned i = 0; i < g->n; i++)
			g->pos[i] = g->lo[i];
	for (;;) {
		uint32_t lo = UINT32_MAX;
		uint64_t base, top, sum;
		size_t first;

		for (unsigned i = 0; i < m; i++)
			if (at[i] < end[i] && *at[i] < lo)
				lo = *at[i];
		if (lo == UINT32_MAX)
			break;
		base = lo & ~(uint64_t)(BLK - 1);
		top = base + BLK;
		sum = 0;
		first = nc;
		for (unsigned i = 0; i < m; i++) {
			const uint32_t *p = at[i], *e = end[i];
			uint16_t rb = rbits[i];
			uint64_t rm = 1ull << i;

			for (; p < e && *p < top; p++) {
				uint32_t o = (uint32_t)(*p - base);

				bk->bits[o] |= rb;
				bk->runs[o] |= rm;
				bk->used[o >> 6] |= 1ull << (o & 63);
				sum |= 1ull << (o >> 6);
			}
			at[i] = p;
		}
		for (; sum; sum &= sum - 1) { /* the words of used[] with a bit */
			unsigned wd = (unsigned)__builtin_ctzll(sum);

			for (uint64_t u = bk->used[wd]; u; u &= u - 1) {
				unsigned o = wd * 64 + (unsigned)__builtin_ctzll(u);
				uint32_t min = (uint32_t)(base + o);
				uint16_t bits = bk->bits[o], acc = 0;
				uint64_t rs = bk->runs[o];
				bool gfound = false;
				float w = 0;

				bk->bits[o] = 0;
				bk->runs[o] = 0;
				if (must && !(bits & must))
					continue;
				if (g && (g->bits & ~bits)) {
					for (unsigned i = 0; i < g->n && !gfound; i++)
						gfound = gallop_has(ix->post, &g->pos[i], g->hi[i], min);
					if (gfound)
						bits |= g->bits;
				}
				if (popcount16(bits) < level)
					continue;
				/* the weight, summed as merge_runs sums it: the runs in
				 * their order, then the galloped token */
				for (; rs; rs &= rs - 1) {
					unsigned i = (unsigned)__builtin_ctzll(rs);

					w += rw[i] * (float)popcount16((uint16_t)(rbits[i] & ~acc));
					acc |= rbits[i];
				}
				if (gfound)
					w += g->w;
				if (popcount16(bits) >= 2)
					for (unsigned b = bits; b; b &= b - 1)
						conf[__builtin_ctz(b)]++;
				/* the year is read below, for the whole block: a cache
				 * miss each, overlapped */
				if (s && s->dob.year)
					__builtin_prefetch(&ix->ent_year[min]);
				ix->cands[nc++] = (struct cand){ w, min };
			}
			bk->used[wd] = 0;
		}
		/* among equal names, the same year first (added last, as merge_runs
		 * adds it) */
		for (size_t k = first; s && s->dob.year && k < nc; k++) {
			unsigned y = ix->ent_year[ix->cands[k].e];

			if (y && abs((int)y - (int)s->dob.year) <= 1)
				ix->cands[k].w += 4.0f;
		}
	}
	return nc;
}

static size_t add_qkey(struct tims_screen_index *ix, const char *key,
		       uint32_t *lo, uint32_t *hi, size_t n, size_t max)
{
	uint32_t id = tims__strtab_get(&ix->keys, key, false);

	if (id == UINT32_MAX || n >= max || ix->post_off[id] == ix->post_off[id + 1])
		return n;
	lo[n] = ix->post_off[id];
	hi[n] = ix->post_off[id + 1];
	return n + 1;
}

tims_rc tims_screen_index_search(struct tims_screen_index *ix,
				 const struct tims_name *q, const struct tims_subject *s,
				 bool explain, struct tims_screen_hit *hits, size_t max,
				 size_t *nhits, size_t *candidates)
{
	char keys[8][2 * TIMS_TOKEN_MAX + 4];
	static _Thread_local char dkeys[80][2 * TIMS_TOKEN_MAX + 4];
	uint32_t lo[MAX_QKEYS], hi[MAX_QKEYS];
	unsigned tokrun[TIMS_NAME_MAX_TOKENS], all[3 * TIMS_NAME_MAX_TOKENS + 4] = { 0 }, nall = 0;
	unsigned qstrong = 0, level, bigtok = UINT_MAX;
	size_t nh = 0, nc = 0, scored = 0;
	static _Thread_local struct gallop gl;
	unsigned conf[TIMS_NAME_MAX_TOKENS] = { 0 };
	struct tims_name *cand = malloc(sizeof(*cand));
	uint32_t ids[TIMS_NAME_MAX_TOKENS];
	struct qstate st;
	struct tims_match m;

	*nhits = 0;
	if (candidates)
		*candidates = 0;
	if (!ix->finished || !cand) {
		free(cand);
		return ix->finished ? TIMS_ERR_NOMEM : TIMS_ERR_STATE;
	}
	pthread_mutex_lock(&ix->lock);
	memset(&st, 0, sizeof(st));
	st.ix = ix;
	st.buf = ix->qbuf;
	st.cap = ix->qbuf_cap;
	/* Per strong token, its keys' postings ranges. The most common token
	 * (of two or more) is searched in place; the others and the joined
	 * pairs become runs that are merged. An entry must share two tokens
	 * (a one-token query: one). */
	{
		size_t df[TIMS_NAME_MAX_TOKENS] = { 0 }, start[TIMS_NAME_MAX_TOKENS + 1];
		size_t n = 0;
		unsigned big = UINT_MAX;

		for (unsigned i = 0; i < q->ntok; i++) {
			start[i] = n;
			tokrun[i] = UINT_MAX;
			if (!strong(&q->tok[i]))
				continue;
			qstrong++;
			for (size_t k = 0, nk = token_keys(&q->tok[i], NULL, keys, 8); k < nk; k++) {
				size_t before = n;

				n = add_qkey(ix, keys[k], lo, hi, n, MAX_QKEYS);
				if (n > before)
					df[i] += hi[n - 1] - lo[n - 1];
			}
		}
		start[q->ntok] = n;
		for (unsigned i = 0; qstrong >= 2 && i < q->ntok; i++)
			if (df[i] && (big == UINT_MAX || df[i] > df[big]))
				big = i;
		gl.n = 0;
		if (big != UINT_MAX) {
			for (size_t k = start[big]; k < start[big + 1]; k++) {
				gl.lo[gl.n] = lo[k];
				gl.hi[gl.n++] = hi[k];
			}
			gl.bits = (uint16_t)(1u << big);
			gl.w = (float)log((double)(ix->nent + 1) / (double)(df[big] + 1));
			bigtok = big;
		}
		for (unsigned i = 0; i < q->ntok; i++) {
			uint16_t bit = (uint16_t)(1u << i);
			size_t m2 = 0;
			uint32_t jlo[8], jhi[8];

			if (i != big && start[i + 1] > start[i] &&
			    add_run(&st, lo + start[i], hi + start[i],
				    (unsigned)(start[i + 1] - start[i]), bit)) {
				tokrun[i] = st.nrun - 1;
				all[nall++] = st.nrun - 1;
			}
			if (!strong(&q->tok[i]))
				continue;
			/* the token with its particles, as one written token */
			for (size_t k = 0, nk = particle_keys(q, i, keys, 8); k < nk; k++)
				m2 = add_qkey(ix, keys[k], jlo, jhi, m2, 8);
			if (m2 && add_run(&st, jlo, jhi, (unsigned)m2, bit))
				all[nall++] = st.nrun - 1;
			m2 = 0;
			if (i + 1 >= q->ntok || !strong(&q->tok[i + 1]))
				continue;
			for (size_t k = 0, nk = token_keys(&q->tok[i], &q->tok[i + 1], keys, 8);
			     k < nk; k++)
				m2 = add_qkey(ix, keys[k], jlo, jhi, m2, 8);
			if (m2 && add_run(&st, jlo, jhi, (unsigned)m2, (uint16_t)(bit | bit << 1)))
				all[nall++] = st.nrun - 1;
		}
	}
	level = qstrong < 2 ? qstrong : 2;
	if (nall >= 2 || (nall && gl.n)) {
		size_t runs = 0, big = 0;

		for (unsigned i = 0; i < nall; i++)
			runs += st.run[all[i]].len;
		for (unsigned i = 0; i < gl.n; i++)
			big += gl.hi[i] - gl.lo[i];
		nc = merge_blocks(&st, all, nall, gl.n ? &gl : NULL, big <= 4 * runs, 0, level,
				  s, 0, conf);
	} else {
		nc = merge_runs(&st, all, nall, -1, gl.n ? &gl : NULL, level, s, 0, conf);
	}
	/* Typos: a token that no entry shares together with another token is
	 * perhaps mistyped; its deletion keys (the short ones) stand in for it,
	 * and an entry must share them and another token. */
	for (unsigned i = 0; qstrong >= 2 && i < q->ntok && !st.oom; i++) {
		unsigned r[2 * TIMS_NAME_MAX_TOKENS + 2], nr = 0;
		size_t n = 0;

		/* A token many entries confirm is spelled as they are; one that few
		 * confirm (a namesake with an alias, say) may still be misspelled
		 * for the others: they are looked for too. */
		if (!strong(&q->tok[i]) || conf[i] >= TYPO_CONFIRMED)
			continue;
		for (size_t k = 0, nk = deletion_keys(&q->tok[i], true, dkeys, 80); k < nk; k++) {
			size_t before = n;

			n = add_qkey(ix, dkeys[k], lo, hi, n, MAX_QKEYS);
			if (n > before && hi[n - 1] - lo[n - 1] > DEL_WALK_MAX)
				n = before; /* too common to say anything */
		}
		for (size_t k = 0, nk = clip_keys(q, i, true, keys, 8); k < nk; k++) {
			size_t before = n;

			n = add_qkey(ix, keys[k], lo, hi, n, MAX_QKEYS);
			if (n > before && hi[n - 1] - lo[n - 1] > CLIP_WALK_MAX)
				n = before;
		}
		if (!n || !add_run(&st, lo, hi, (unsigned)n, (uint16_t)(1u << i)))
			continue;
		r[nr++] = st.nrun - 1;
		for (unsigned j = 0; j < q->ntok; j++)
			if (j != i && tokrun[j] != UINT_MAX)
				r[nr++] = tokrun[j];
		if (nr >= 2 || (gl.n && bigtok != i)) {
			/* the typo run's bit is i, which no other run here has (nor
			 * the galloped token, another) */
			size_t runs = 0, big = 0;

			for (unsigned k = 0; k < nr; k++)
				runs += st.run[r[k]].len;
			for (unsigned k = 0; gl.n && bigtok != i && k < gl.n; k++)
				big += gl.hi[k] - gl.lo[k];
			nc = merge_blocks(&st, r, nr, gl.n && bigtok != i ? &gl : NULL,
					  big <= 4 * runs, (uint16_t)(1u << i), 2, s, nc, conf);
		} else {
			nc = merge_runs(&st, r, nr, (int)r[0], gl.n && bigtok != i ? &gl : NULL,
					2, s, nc, conf);
		}
	}
	ix->qbuf = st.buf;
	ix->qbuf_cap = st.cap;
	if (++ix->memo->gen >= 1u << 24) { /* the keys' gen field would wrap */
		memset(ix->memo, 0, sizeof(*ix->memo));
		ix->memo->gen = 1;
	}
	if (nc > MAX_SCORED) {
		top_k(ix->cands, nc, MAX_SCORED);
		nc = MAX_SCORED;
	}
	for (size_t t = 0; t < nc; t++) {
		uint32_t e = ix->cands[t].e, p = ix->ent_person[e];
		size_t h;

		scored++;
		entry_name(ix, e, cand, ids);
		tims__screen_compare_memo(q, s, cand, ids, &ix->subj[p], false, ix->memo, &m);
		if (m.score < ix->threshold[ix->plist[p]])
			continue;
		for (h = 0; h < nh && hits[h].person != p; h++)
			;
		if (h < nh) {
			if (hits[h].m.score >= m.score)
				continue;
		} else if (nh < max) {
			h = nh++;
		} else {
			continue;
		}
		hits[h].person = p;
		hits[h].rowid = ix->prow[p];
		hits[h].list = ix->plist[p];
		if (explain)
			tims__screen_compare_memo(q, s, cand, ids, &ix->subj[p], true, ix->memo,
						  &hits[h].m);
		else
			hits[h].m = m;
	}
	pthread_mutex_unlock(&ix->lock);
	free(cand);
	if (st.oom) /* runs were left out: a partial search is not "no hit" */
		return TIMS_ERR_NOMEM;
	qsort(hits, nh, sizeof(*hits), cmp_hit);
	if (candidates)
		*candidates = scored;
	*nhits = nh;
	return TIMS_OK;
}

size_t tims_screen_index_query(struct tims_screen_index *ix,
			       const struct tims_name *q, const struct tims_subject *s,
			       bool explain, struct tims_screen_hit *hits, size_t max,
			       size_t *candidates)
{
	size_t n = 0;

	return tims_screen_index_search(ix, q, s, explain, hits, max, &n, candidates) ? 0 : n;
}

