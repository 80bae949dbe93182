/*
 * chip.c — the chip's outcome at the booth (tims/booth.h): the server runs
 * passive authentication (lib/epass) over the files the booth's reader
 * read, against the post's own anchors, and reduces the result to an
 * outcome and coded reasons the consoles translate ("chip.reason.CODE").
 *
 * The booth is not trusted for any of it: it sends bytes, the post decides.
 * No files: not read. Files that do not verify, for whatever reason
 * (including a post with no anchors): failed, never authenticated.
 *
 * Passive authentication proves the files are the issuer's, not that the
 * chip is: a copy of them on another chip passes it. When the SOD lists
 * DG15 the chip has a key of its own, and it is authenticated only if it
 * signed a challenge this post issued (active authentication, Doc 9303
 * Part 11, 6.1); the SOD decides whether DG15 is there, not the booth, so
 * a clone that withholds DG15 or the answer fails (aa_missing).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "tims/booth.h"
#include "tims/epass_chip.h"
#include "tims/mrz.h"
#include "tims/util.h"

/* A failed check of lib/epass, by name, as a reason code. */
static const struct {
	const char *check, *code;
} check_codes[] = {
	{ "sod_format", "sod_unreadable" },
	{ "sod_signature", "signature" },
	{ "csca_chain", "signer_untrusted" },
	{ "validity", "signer_validity" },
	{ "revocation", "revocation" },
	{ "data_group_hashes", "data_group_altered" },
	{ "mrz", "mrz_mismatch" },
	{ "issuing_state", "issuing_state" },
};

static void add_reason(struct tims_booth_chip *c, const char *code)
{
	for (unsigned i = 0; i < c->nreasons; i++)
		if (!strcmp(c->reasons[i], code))
			return;
	if (c->nreasons < TIMS_BOOTH_CHIP_REASONS)
		c->reasons[c->nreasons++] = code;
}

static void fail(struct tims_booth_chip *c, const char *code, const char *detail)
{
	c->outcome = TIMS_CHIP_FAILED;
	add_reason(c, code);
	if (!c->detail[0] && detail)
		snprintf(c->detail, sizeof(c->detail), "%s", detail);
}

/* DG1's MRZ against fields typed by hand: number, birth date, issuer. */
static void compare_typed(const char *dg1_mrz, const struct tims_person *typed,
			  struct tims_booth_chip *c)
{
	struct tims_mrz_options opt;
	struct tims_mrz *m = malloc(sizeof(*m));
	char text[TIMS_EPASS_MRZ_MAX + 4];
	size_t n = strlen(dg1_mrz), line = n == 90 ? 30 : n / 2, k = 0;

	if (!m) {
		fail(c, "mrz_mismatch", "out of memory comparing DG1 with the typed document");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i && i % line == 0)
			text[k++] = '\n';
		text[k++] = dg1_mrz[i];
	}
	text[k] = '\0';
	tims_mrz_options_init(&opt, time(NULL));
	(void)tims_mrz_parse(&opt, text, k, m);
	if (strcmp(m->document_number, typed->doc_number) ||
	    (typed->birth_date[0] && strcmp(m->birth_date.iso, typed->birth_date)) ||
	    (typed->issuer[0] && strcmp(m->issuing_state, typed->issuer)))
		fail(c, "mrz_mismatch",
		     "DG1's document number, birth date or issuer differs from the typed ones: "
		     "document possibly altered");
	free(m);
}

/* The file of data group dg among those sent, or NULL. */
static const struct tims_epass_file *sent_dg(const struct tims_epass_input *files, unsigned dg)
{
	unsigned num;
	struct tims_err e;

	for (size_t i = 0; i < files->ndgs; i++)
		if (tims_epass_dg_number(files->dgs[i].p, files->dgs[i].n, &num, &e) == TIMS_OK &&
		    num == dg)
			return &files->dgs[i];
	return NULL;
}

/*
 * After passive authentication passed (so the SOD is the issuer's, and
 * DG15 and DG14, if sent, are the ones it signs): active authentication
 * when the SOD lists DG15. Fails closed: what cannot be checked fails.
 */
static void active_auth(const struct tims_epass_input *files, const struct tims_booth_aa *aa,
			struct tims_booth_chip *c)
{
	struct tims_epass_lds *l = malloc(sizeof(*l));
	const struct tims_epass_file *dg15, *dg14;
	bool listed = false;
	struct tims_err e;
	tims_rc rc;

	if (!l) {
		c->active_auth = "failed";
		fail(c, "unverified", "out of memory");
		return;
	}
	if (tims_epass_sod_lds(files->sod.p, files->sod.n, l, &e) != TIMS_OK) {
		free(l);
		c->active_auth = "failed";
		fail(c, "sod_unreadable", e.msg);
		return;
	}
	for (unsigned i = 0; i < l->ngroups; i++)
		listed |= l->groups[i].number == 15;
	free(l);
	dg15 = sent_dg(files, 15);
	if (!listed && !dg15) {
		c->active_auth = "not_offered";
		return;
	}
	c->active_auth = "failed";
	if (!dg15) {
		fail(c, "aa_missing", "the SOD lists DG15 (the chip's own key) but DG15 was not "
				      "sent: active authentication not done, chip possibly cloned");
		return;
	}
	if (!aa || !aa->challenge || !aa->response || !aa->response_len ||
	    aa->status == TIMS_AA_NONE) {
		fail(c, "aa_missing", "the chip has DG15 but no answer to this post's challenge "
				      "was sent: active authentication not done, chip possibly cloned");
		return;
	}
	switch (aa->status) {
	case TIMS_AA_FRESH:
		break;
	case TIMS_AA_EXPIRED:
		fail(c, "aa_expired", "active authentication: the challenge had expired "
				      "(ask the post for a new one)");
		return;
	case TIMS_AA_SPENT:
		fail(c, "aa_reused", "active authentication: the challenge was already used by "
				     "a check (a replayed answer?)");
		return;
	default:
		fail(c, "aa_challenge", "active authentication: the challenge was not issued by "
					"this post to this session");
		return;
	}
	dg14 = sent_dg(files, 14);
	rc = tims_epass_aa_verify(dg15->p, dg15->n, dg14 ? dg14->p : NULL, dg14 ? dg14->n : 0,
				  aa->challenge, aa->response, aa->response_len, &e);
	if (rc == TIMS_OK) {
		c->active_auth = "verified";
		return;
	}
	fail(c, rc == TIMS_ERR_SIGNATURE ? "aa_signature" : "aa_unverifiable", e.msg);
}

void tims_booth_chip_verify(const struct tims_epass_trust *trust,
			    const struct tims_epass_input *files, const char *printed_mrz,
			    const struct tims_person *typed, time_t at,
			    const struct tims_booth_aa *aa, struct tims_booth_chip *out)
{
	struct tims_epass_input in;
	struct tims_epass_result *r;
	bool dg1 = false;

	memset(out, 0, sizeof(*out));
	out->outcome = TIMS_CHIP_NOT_READ;
	out->active_auth = "not_checked";
	if (!files)
		return;
	if (!trust) {
		fail(out, "no_trust", "this post holds no CSCA (DIR/epassport/csca): no chip "
				      "can be authenticated here");
		return;
	}
	for (size_t i = 0; i < files->ndgs; i++)
		dg1 |= files->dgs[i].n && files->dgs[i].p[0] == 0x61;
	if (!dg1) {
		fail(out, "dg1_missing", "DG1 (the chip's MRZ) was not sent");
		return;
	}
	if (!(r = malloc(sizeof(*r)))) {
		fail(out, "unverified", "out of memory");
		return;
	}
	in = *files;
	in.printed_mrz = printed_mrz;
	in.at = at;
	if (tims_epass_verify(trust, &in, r) != TIMS_OK)
		r->valid = false; /* the result says why; the return only repeats it */
	snprintf(out->issuing_state, sizeof(out->issuing_state), "%s", r->issuing_state);
	snprintf(out->signer, sizeof(out->signer), "%s", r->signer);
	for (unsigned i = 0; i < r->nchecks; i++) {
		const struct tims_epass_check *ck = &r->checks[i];

		if (ck->ok || !strncmp(ck->detail, "no verified DG1", 15))
			continue; /* a consequence, said by the reason of its cause */
		for (size_t k = 0; k < TIMS_ARRAY_SIZE(check_codes); k++)
			if (!strcmp(ck->name, check_codes[k].check))
				add_reason(out, check_codes[k].code);
	}
	if (!r->valid) {
		out->outcome = TIMS_CHIP_FAILED;
		if (!out->nreasons)
			add_reason(out, "unverified");
		if (r->nerrors)
			snprintf(out->detail, sizeof(out->detail), "%.15s: %.180s",
				 r->errors[0].field, r->errors[0].message);
		else
			snprintf(out->detail, sizeof(out->detail), "passive authentication failed");
	} else {
		out->outcome = TIMS_CHIP_AUTHENTICATED;
		if (!printed_mrz && typed)
			compare_typed(r->dg1_mrz, typed, out);
		active_auth(files, aa, out);
	}
	free(r);
}
