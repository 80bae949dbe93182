/*
 * checkpoint.c — C2SP tlog-checkpoint bodies and tlog-cosignature/v1.
 *
 * A checkpoint body is at least three lines: the origin (non-empty, no
 * leading or trailing space), the tree size in decimal without leading
 * zeros, the root hash in standard base64 (exactly 32 bytes); then optional
 * non-empty extension lines. The parser names the line and the reason for
 * anything else.
 *
 * A cosignature/v1 is an Ed25519 signature over
 *   "cosignature/v1\ntime " T "\n" || checkpoint body
 * carried in a note signature line as keyhash[4] || T (u64 big-endian) ||
 * signature[64], by a key whose hash is computed with algorithm byte 0x04.
 */
#include <sodium.h>

#include "internal.h"
#include "tims/util.h"

static tims_rc check_origin(const char *s, size_t len, const char *what,
			    struct tims_err *err)
{
	if (len == 0)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: empty origin",
				    what);
	if (len > TIMS_NOTE_MAX_NAME)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: origin of %zu bytes, at most %d", what,
				    len, TIMS_NOTE_MAX_NAME);
	if (s[0] == ' ' || s[len - 1] == ' ')
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: origin has a leading or trailing "
				    "space", what);
	if (memchr(s, '\n', len))
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: origin contains a newline", what);
	return note_check_utf8(s, len, what, err);
}

tims_rc tims_checkpoint_format(const struct tims_checkpoint *c,
			       struct tims_buf *out)
{
	size_t start = out->len;
	tims_rc rc;

	if (check_origin(c->origin, strnlen(c->origin, sizeof(c->origin)),
			 "checkpoint", NULL))
		return TIMS_ERR_INVALID;
	if ((rc = tims_buf_addf(out, "%s\n%" PRIu64 "\n", c->origin,
				c->size)) ||
	    (rc = note_b64_add(out, c->root, TIMS_HASH_BYTES)) ||
	    (rc = tims_buf_addch(out, '\n')))
		tims_buf_setlen(out, start);
	return rc;
}

tims_rc tims_checkpoint_parse(const char *text, size_t len,
			      struct tims_checkpoint *out,
			      struct tims_err *err)
{
	const char *line[3], *end[3], *p = text;
	size_t rootlen = 0, lineno;
	char num[24];
	tims_rc rc;

	memset(out, 0, sizeof(*out));
	if ((rc = note_check_text(text, len, "checkpoint", err)))
		return rc;
	for (int i = 0; i < 3; i++) {
		const char *nl;

		if (p >= text + len)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "checkpoint: %d line%s, expected at "
					    "least 3 (origin, size, root)", i,
					    i == 1 ? "" : "s");
		nl = memchr(p, '\n', (size_t)(text + len - p));
		line[i] = p;
		end[i] = nl;
		p = nl + 1;
	}
	if ((rc = check_origin(line[0], (size_t)(end[0] - line[0]),
			       "checkpoint line 1 (origin)", err)))
		return rc;
	memcpy(out->origin, line[0], (size_t)(end[0] - line[0]));

	/* Size: decimal, no sign, no leading zero (except "0" itself). */
	{
		size_t n = (size_t)(end[1] - line[1]);

		if (n == 0)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "checkpoint line 2 (size): empty");
		if (n > 1 && line[1][0] == '0')
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "checkpoint line 2 (size): leading "
					    "zero");
		if (n >= sizeof(num))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "checkpoint line 2 (size): too long");
		memcpy(num, line[1], n);
		num[n] = '\0';
		if ((rc = tims_parse_u64(num, UINT64_MAX, &out->size,
					 "checkpoint line 2 (size)", err)))
			return rc;
	}
	/* Root: base64 of exactly 32 bytes (44 characters with padding). */
	{
		uint8_t root[TIMS_HASH_BYTES + 3];
		size_t n = (size_t)(end[2] - line[2]);

		if (note_b64_decode(line[2], n, root, sizeof(root), &rootlen) ||
		    rootlen != TIMS_HASH_BYTES)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "checkpoint line 3 (root): not "
					    "base64 of a 32-byte hash");
		memcpy(out->root, root, TIMS_HASH_BYTES);
	}
	/* Extension lines: opaque, but none may be empty. */
	for (lineno = 4; p < text + len; lineno++) {
		const char *nl = memchr(p, '\n', (size_t)(text + len - p));

		if (nl == p)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "checkpoint line %zu: empty "
					    "extension line", lineno);
		p = nl + 1;
	}
	return TIMS_OK;
}

tims_rc tims_cosign(const struct tims_signer *witness, const char *body,
		    size_t len, uint64_t t, struct tims_buf *sigline,
		    struct tims_err *err)
{
	struct tims_checkpoint cp;
	char hdr[NOTE_COSIG_HEADER_MAX];
	uint8_t blob[4 + 8 + TIMS_SIG_BYTES];
	size_t hlen, start = sigline->len;
	uint8_t *msg;
	tims_rc rc;

	if (witness->alg != TIMS_KEY_COSIGNATURE_V1 || !witness->sign)
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "cosign: %s is not a cosigner key "
				    "(algorithm 0x%02x, want 0x04)",
				    witness->name, witness->alg);
	if (t > INT64_MAX)
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "cosign: time %" PRIu64 " past 2^63-1", t);
	/* A witness vouches for checkpoints only, never for arbitrary text. */
	if ((rc = tims_checkpoint_parse(body, len, &cp, err)))
		return rc;
	hlen = note_cosig_header(t, hdr);
	msg = malloc(hlen + len);
	if (!msg)
		return tims_err_set(err, TIMS_ERR_NOMEM, "cosign: out of memory");
	memcpy(msg, hdr, hlen);
	memcpy(msg + hlen, body, len);
	note_put_be32(blob, witness->keyhash);
	note_put_be64(blob + 4, t);
	rc = witness->sign(witness->ctx, msg, hlen + len, blob + 12);
	free(msg);
	if (rc) {
		char why[TIMS_ERR_MSG_BYTES];

		tims_signer_why(witness, why, sizeof(why));
		return tims_err_set(err, rc, "cosign: signing failed: %s",
				    why[0] ? why : tims_strerror(rc));
	}
	if (tims_buf_addstr(sigline, NOTE_SIG_PREFIX) ||
	    tims_buf_addstr(sigline, witness->name) ||
	    tims_buf_addch(sigline, ' ') ||
	    note_b64_add(sigline, blob, sizeof(blob)) ||
	    tims_buf_addch(sigline, '\n')) {
		tims_buf_setlen(sigline, start);
		return tims_err_set(err, TIMS_ERR_TOOBIG,
				    "cosign: signature line too large");
	}
	return TIMS_OK;
}
