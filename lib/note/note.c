/*
 * note.c — signing, parsing and verifying C2SP signed notes.
 *
 *   TEXT (UTF-8, ends in "\n", may contain blank lines)
 *   "\n"
 *   "— NAME BASE64(keyhash[4] || signature)\n"   one or more
 *
 * The text ends at the last blank line. The parser is strict and bounded:
 * at most TIMS_NOTE_MAX_BYTES, at most TIMS_NOTE_MAX_SIGS signature lines,
 * each signature at most NOTE_MAX_SIG_BYTES; anything else is refused with
 * the line number and the reason, before any signature is checked.
 *
 * Verification (c2sp.org/signed-note): a line is from a known key when both
 * its name and its key hash match a verifier; other lines are ignored.
 * Every line from a known key must verify (a repeated line is checked again,
 * so a bad duplicate cannot hide behind a good one); at least one known key
 * must have signed.
 */
#include <sodium.h>

#include "internal.h"

static tims_rc sign_one(const char *text, size_t len,
			const struct tims_signer *s, struct tims_buf *out,
			struct tims_err *err)
{
	uint8_t blob[4 + TIMS_SIG_BYTES];
	tims_rc rc;

	if ((rc = tims_note_check_name(s->name, strlen(s->name), "signer", err)))
		return rc;
	if (s->alg == TIMS_KEY_COSIGNATURE_V1) {
		uint64_t now = (uint64_t)time(NULL);

		return tims_cosign(s, text, len, now, out, err);
	}
	if (s->alg != TIMS_KEY_ED25519 || !s->sign)
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "signer %s: unsupported algorithm 0x%02x",
				    s->name, s->alg);
	note_put_be32(blob, s->keyhash);
	if ((rc = s->sign(s->ctx, text, len, blob + 4))) {
		char why[TIMS_ERR_MSG_BYTES];

		tims_signer_why(s, why, sizeof(why));
		return tims_err_set(err, rc, "signer %s: signing failed: %s",
				    s->name, why[0] ? why : tims_strerror(rc));
	}
	if (tims_buf_addstr(out, NOTE_SIG_PREFIX) ||
	    tims_buf_addstr(out, s->name) || tims_buf_addch(out, ' ') ||
	    note_b64_add(out, blob, sizeof(blob)) || tims_buf_addch(out, '\n'))
		return tims_err_set(err, TIMS_ERR_TOOBIG,
				    "note: signed note too large");
	return TIMS_OK;
}

tims_rc tims_note_sign(const char *text, size_t len,
		       const struct tims_signer *signers, size_t nsigners,
		       struct tims_buf *out, struct tims_err *err)
{
	size_t start = out->len;
	tims_rc rc;

	if (sodium_init() < 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium init failed");
	if ((rc = note_check_text(text, len, "note text", err)))
		return rc;
	if (nsigners == 0 || nsigners > TIMS_NOTE_MAX_SIGS)
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "note: %zu signers, 1 to %d allowed",
				    nsigners, TIMS_NOTE_MAX_SIGS);
	if (tims_buf_add(out, text, len) || tims_buf_addch(out, '\n')) {
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "note: too large");
		goto fail;
	}
	for (size_t i = 0; i < nsigners; i++)
		if ((rc = sign_one(text, len, &signers[i], out, err)))
			goto fail;
	if (out->len - start > TIMS_NOTE_MAX_BYTES) {
		rc = tims_err_set(err, TIMS_ERR_TOOBIG,
				  "note: signed note of %zu bytes, at most %d",
				  out->len - start, TIMS_NOTE_MAX_BYTES);
		goto fail;
	}
	return TIMS_OK;
fail:
	tims_buf_setlen(out, start);
	return rc;
}

/* The start of the last "\n\n" in s, or -1. */
static long last_blank(const char *s, size_t len)
{
	for (size_t i = len - 1; i-- > 0;)
		if (s[i] == '\n' && s[i + 1] == '\n')
			return (long)i;
	return -1;
}

tims_rc tims_note_parse(const char *note, size_t len, struct tims_note *out,
			struct tims_err *err)
{
	size_t pos, line;
	long split;
	tims_rc rc;

	memset(out, 0, sizeof(*out));
	if ((rc = note_check_text(note, len, "note", err)))
		return rc;
	split = last_blank(note, len);
	if (split < 0)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "note: no blank line between the text and "
				    "the signatures");
	out->text = note;
	out->textlen = (size_t)split + 1;
	pos = (size_t)split + 2;
	line = 1;
	for (size_t i = 0; i < pos; i++)
		line += note[i] == '\n';
	if (pos >= len)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "note: no signature lines after the blank "
				    "line");
	while (pos < len) {
		const char *l = note + pos, *nl = memchr(l, '\n', len - pos);
		const char *name, *sp, *b64;
		struct tims_note_sig *sig;
		uint8_t blob[4 + NOTE_MAX_SIG_BYTES];
		char what[48];
		size_t n;

		/* note_check_text guarantees the final "\n" */
		if ((size_t)(nl - l) < NOTE_SIG_PREFIX_LEN ||
		    memcmp(l, NOTE_SIG_PREFIX, NOTE_SIG_PREFIX_LEN) != 0)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "note: line %zu: a signature line "
					    "must start with an em dash and a "
					    "space", line);
		if (out->nsigs == TIMS_NOTE_MAX_SIGS)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "note: line %zu: more than %d "
					    "signature lines", line,
					    TIMS_NOTE_MAX_SIGS);
		name = l + NOTE_SIG_PREFIX_LEN;
		sp = memchr(name, ' ', (size_t)(nl - name));
		if (!sp)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "note: line %zu: expected \"— NAME "
					    "SIGNATURE\"", line);
		snprintf(what, sizeof(what), "note: line %zu", line);
		if ((rc = tims_note_check_name(name, (size_t)(sp - name), what,
					       err)))
			return rc;
		b64 = sp + 1;
		if (note_b64_decode(b64, (size_t)(nl - b64), blob, sizeof(blob),
				    &n) || n < 5)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "note: line %zu: signature is not "
					    "base64 of a key hash and at most %d "
					    "signature bytes", line,
					    NOTE_MAX_SIG_BYTES);
		sig = &out->sigs[out->nsigs++];
		memcpy(sig->name, name, (size_t)(sp - name));
		sig->name[sp - name] = '\0';
		sig->keyhash = note_get_be32(blob);
		sig->siglen = n - 4;
		memcpy(sig->sig, blob + 4,
		       sig->siglen < sizeof(sig->sig) ? sig->siglen
						      : sizeof(sig->sig));
		pos = (size_t)(nl - note) + 1;
		line++;
	}
	return TIMS_OK;
}

/* Index of the verifier for (name, hash), -1 if none. */
static int find_verifier(const struct tims_verifier *v, size_t nv,
			 const struct tims_note_sig *s)
{
	for (size_t i = 0; i < nv; i++)
		if (v[i].keyhash == s->keyhash && !strcmp(v[i].name, s->name))
			return (int)i;
	return -1;
}

static tims_rc check_one(const struct tims_note *n,
			 const struct tims_verifier *v,
			 const struct tims_note_sig *s, size_t line,
			 uint64_t *t, struct tims_err *err)
{
	char hdr[NOTE_COSIG_HEADER_MAX];
	size_t hlen;
	uint8_t *msg;
	int bad;

	if (v->alg == TIMS_KEY_ED25519) {
		if (s->siglen != TIMS_SIG_BYTES)
			goto badlen;
		if (crypto_sign_verify_detached(s->sig,
						(const unsigned char *)n->text,
						n->textlen, v->pub) != 0)
			goto bad;
		return TIMS_OK;
	}
	if (v->alg != TIMS_KEY_COSIGNATURE_V1)
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "verifier %s: unknown algorithm 0x%02x",
				    v->name, v->alg);
	if (s->siglen != 8 + TIMS_SIG_BYTES)
		goto badlen;
	*t = note_get_be64(s->sig);
	if (*t > INT64_MAX)
		return tims_err_set(err, TIMS_ERR_SIGNATURE,
				    "note: line %zu: cosignature by %s+%08" PRIx32
				    " has a timestamp past 2^63-1", line,
				    v->name, v->keyhash);
	hlen = note_cosig_header(*t, hdr);
	msg = malloc(hlen + n->textlen);
	if (!msg)
		return tims_err_set(err, TIMS_ERR_NOMEM, "note: out of memory");
	memcpy(msg, hdr, hlen);
	memcpy(msg + hlen, n->text, n->textlen);
	bad = crypto_sign_verify_detached(s->sig + 8, msg, hlen + n->textlen,
					  v->pub) != 0;
	free(msg);
	if (bad)
		goto bad;
	return TIMS_OK;
badlen:
	return tims_err_set(err, TIMS_ERR_SIGNATURE,
			    "note: line %zu: signature by %s+%08" PRIx32 " has "
			    "%zu bytes, expected %d", line, v->name, v->keyhash,
			    s->siglen, v->alg == TIMS_KEY_ED25519 ?
			    TIMS_SIG_BYTES : 8 + TIMS_SIG_BYTES);
bad:
	return tims_err_set(err, TIMS_ERR_SIGNATURE,
			    "note: line %zu: signature by %s+%08" PRIx32
			    " does not verify", line, v->name, v->keyhash);
}

tims_rc tims_note_verify(const char *note, size_t len,
			 const struct tims_verifier *verifiers, size_t nv,
			 struct tims_note *out, struct tims_err *err)
{
	size_t first_sig_line;
	tims_rc rc;

	if (sodium_init() < 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium init failed");
	if (nv > TIMS_NOTE_MAX_SIGS)
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "note: %zu verifiers, at most %d", nv,
				    TIMS_NOTE_MAX_SIGS);
	/* Two different keys under one name and hash: which one is meant? */
	for (size_t i = 0; i < nv; i++)
		for (size_t j = i + 1; j < nv; j++)
			if (verifiers[i].keyhash == verifiers[j].keyhash &&
			    !strcmp(verifiers[i].name, verifiers[j].name) &&
			    (verifiers[i].alg != verifiers[j].alg ||
			     memcmp(verifiers[i].pub, verifiers[j].pub,
				    TIMS_PUBKEY_BYTES)))
				return tims_err_set(err, TIMS_ERR_USAGE,
						    "note: ambiguous key %s+%08"
						    PRIx32, verifiers[i].name,
						    verifiers[i].keyhash);
	if ((rc = tims_note_parse(note, len, out, err)))
		return rc;
	first_sig_line = 2;
	for (size_t i = 0; i < out->textlen; i++)
		first_sig_line += note[i] == '\n';
	for (size_t i = 0; i < out->nsigs; i++) {
		int k = find_verifier(verifiers, nv, &out->sigs[i]);
		uint64_t t = 0;

		if (k < 0)
			continue; /* unknown key: ignored, as the spec says */
		rc = check_one(out, &verifiers[k], &out->sigs[i],
			       first_sig_line + i, &t, err);
		if (rc) {
			out->verified_mask = 0;
			return rc;
		}
		out->verified_mask |= UINT64_C(1) << k;
		if (verifiers[k].alg == TIMS_KEY_COSIGNATURE_V1 &&
		    t > out->cosigned_time[k])
			out->cosigned_time[k] = t;
	}
	if (!out->verified_mask)
		return tims_err_set(err, TIMS_ERR_SIGNATURE,
				    "note: no signature by a known key (%zu "
				    "signature line%s, first by %s+%08" PRIx32
				    ")", out->nsigs, out->nsigs == 1 ? "" : "s",
				    out->sigs[0].name, out->sigs[0].keyhash);
	return TIMS_OK;
}
