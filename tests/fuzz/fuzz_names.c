/*
 * fuzz_names.c — libFuzzer target for the name normaliser and the scorer.
 *
 * Input: arbitrary bytes, split at the first NUL into two names. Each is
 * parsed (any script, any shape, hostile bytes); when both parse they are
 * compared with reasons. Checks: no crash or sanitizer report, scores in
 * [0, 1], every spelling and skeleton A-Z only, every group known to the
 * table, a name in no abjad script scores 1 against itself (whatever readings its tokens got:
 * Greek, the Arabic article, the Arabic key, an article dropped after ABD).
 */
#include <assert.h>

#include "tims/names.h"
#include "tims/screen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_name(const struct tims_name *n)
{
	for (unsigned i = 0; i < n->ntok; i++) {
		assert(n->tok[i].nvar >= 1 && n->tok[i].nvar <= TIMS_NAME_MAX_VARIANTS);
		assert(n->tok[i].var[0][0] != '\0');
		for (unsigned v = 0; v < n->tok[i].nvar; v++) {
			for (const char *p = n->tok[i].var[v]; *p; p++)
				assert(*p >= 'A' && *p <= 'Z');
			for (const char *p = n->tok[i].skel[v]; *p; p++)
				assert(*p >= 'A' && *p <= 'Z');
			for (const char *p = n->tok[i].vskel[v]; *p; p++)
				assert(*p >= 'A' && *p <= 'Z');
		}
		assert(n->tok[i].ngroup <= TIMS_NAME_MAX_GROUPS);
		for (unsigned g = 0; g < n->tok[i].ngroup; g++)
			assert(tims_name_group_label(n->tok[i].group[g], NULL) != NULL);
	}
	/* a token in Arabic script without a group has its consonants only,
	 * which score below 1 against themselves (0.97, 0.70) */
	for (unsigned i = 0; i < n->ntok; i++)
		if (n->tok[i].flags & TIMS_TOK_ABJAD)
			return;
	assert(tims_screen_name_score(n, n) > 0.999);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tims_name a, b;
	struct tims_match m;
	const uint8_t *nul = memchr(data, 0, size);
	size_t la = nul ? (size_t)(nul - data) : size;
	int ra, rb = -1;

	ra = tims_name_parse((const char *)data, la, "a", &a, NULL);
	if (ra == TIMS_OK)
		check_name(&a);
	if (nul) {
		rb = tims_name_parse((const char *)nul + 1, size - la - 1, "b", &b, NULL);
		if (rb == TIMS_OK)
			check_name(&b);
	}
	if (ra == TIMS_OK && rb == TIMS_OK) {
		double ab, ba;

		tims_screen_compare(&a, NULL, &b, NULL, true, &m);
		assert(m.score >= 0.0 && m.score <= 1.0);
		ab = tims_screen_name_score(&a, &b);
		ba = tims_screen_name_score(&b, &a);
		assert(ab >= 0.0 && ab <= 1.0 && ba >= 0.0 && ba <= 1.0);
	}
	return 0;
}
