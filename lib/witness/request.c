/*
 * request.c — the body of a tlog-witness add-checkpoint request: a strict,
 * bounded parser (what the witness reads from the network) and its inverse
 * (what the client sends). No state, no I/O: this is the fuzzed surface.
 *
 * The parser accepts exactly one spelling of each request, so that what
 * parses formats back to the same bytes: "old N" with N canonical decimal,
 * each proof hash as padded standard base64 of 32 bytes (44 characters,
 * zero pad bits), one empty line, then a signed note whose text is a
 * checkpoint. Anything else is refused with the line and the reason.
 */
#include <sodium.h>

#include "tims/witness.h"

#define OLD_PREFIX "old "
#define B64_HASH_CHARS 44 /* base64 of 32 bytes, padded */

/* The line starting at p (within end): its length without "\n", or -1 if
 * it does not end in "\n". */
static ptrdiff_t line_len(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl - p : -1;
}

/* Canonical decimal of 1..20 digits, at most TIMS_WITNESS_MAX_SIZE. */
static tims_rc parse_size(const char *s, size_t n, uint64_t *out,
			  const char *what, struct tims_err *err)
{
	uint64_t v = 0;

	if (n == 0)
		return tims_err_set(err, TIMS_ERR_INVALID, "%s: empty size", what);
	if (n > 1 && s[0] == '0')
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "%s: leading zero in the size", what);
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: the size is not a decimal "
					    "number", what);
		if (v > (TIMS_WITNESS_MAX_SIZE - (uint64_t)(s[i] - '0')) / 10)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "%s: size larger than %" PRIu64, what,
					    TIMS_WITNESS_MAX_SIZE);
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return TIMS_OK;
}

/* A-Z a-z 0-9 + / in any locale. */
static int b64_digit(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* Exactly 44 characters of padded base64 decoding to 32 bytes. The
 * alphabet is checked here because libsodium 1.0.18 takes some bytes
 * >= 0x80 for base64 digits (fuzz_witness found "\x91" decoding). */
static int decode_hash(const char *s, size_t n, uint8_t out[TIMS_HASH_BYTES])
{
	const char *b64_end = NULL;
	size_t got = 0;

	if (n != B64_HASH_CHARS || s[n - 1] != '=')
		return -1;
	for (size_t i = 0; i + 1 < n; i++)
		if (!b64_digit(s[i]))
			return -1;
	if (sodium_base642bin(out, TIMS_HASH_BYTES, s, n, NULL, &got, &b64_end,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	return got == TIMS_HASH_BYTES && b64_end == s + n ? 0 : -1;
}

tims_rc tims_witness_parse_request(const char *body, size_t len,
				   struct tims_witness_req *out,
				   struct tims_err *err)
{
	const char *p = body, *end = body + len;
	ptrdiff_t n;
	size_t line = 1;
	tims_rc rc;

	memset(out, 0, sizeof(*out));
	if (sodium_init() < 0)
		return tims_err_set(err, TIMS_ERR_CRYPTO, "libsodium init failed");
	if (len > TIMS_WITNESS_MAX_BODY)
		return tims_err_set(err, TIMS_ERR_TOOBIG,
				    "request: %zu bytes, at most %d", len,
				    TIMS_WITNESS_MAX_BODY);
	if (len == 0)
		return tims_err_set(err, TIMS_ERR_INVALID, "request: empty body");

	/* Line 1: the old size. */
	n = line_len(p, end);
	if (n < 0)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "request line 1 (old size): no newline");
	if ((size_t)n < strlen(OLD_PREFIX) ||
	    memcmp(p, OLD_PREFIX, strlen(OLD_PREFIX)) != 0)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "request line 1 (old size): must be "
				    "'old SIZE'");
	if ((rc = parse_size(p + strlen(OLD_PREFIX),
			     (size_t)n - strlen(OLD_PREFIX), &out->old_size,
			     "request line 1 (old size)", err)))
		return rc;
	p += n + 1;
	line++;

	/* Proof lines up to the empty line. */
	for (;;) {
		if (p >= end)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "request line %zu: missing the empty "
					    "line before the checkpoint", line);
		n = line_len(p, end);
		if (n < 0)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "request line %zu: no newline", line);
		if (n == 0)
			break;
		if (out->proof_len == TIMS_WITNESS_MAX_PROOF)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "request line %zu: more than %d "
					    "consistency proof lines", line,
					    TIMS_WITNESS_MAX_PROOF);
		if (decode_hash(p, (size_t)n, out->proof[out->proof_len]))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "request line %zu (proof hash %zu): "
					    "not base64 of a 32-byte hash", line,
					    out->proof_len + 1);
		out->proof_len++;
		p += n + 1;
		line++;
	}
	p++; /* the empty line */
	line++;

	/* The checkpoint note: the rest of the body, exactly. */
	out->note = p;
	out->note_len = (size_t)(end - p);
	if (out->note_len == 0)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "request line %zu: missing the checkpoint",
				    line);
	if ((rc = tims_note_parse(out->note, out->note_len, &out->parsed, err)))
		return rc;
	if ((rc = tims_checkpoint_parse(out->parsed.text, out->parsed.textlen,
					&out->cp, err)))
		return rc;
	if (out->cp.size > TIMS_WITNESS_MAX_SIZE)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "checkpoint line 2 (size): larger than %"
				    PRIu64, TIMS_WITNESS_MAX_SIZE);
	return TIMS_OK;
}

tims_rc tims_witness_format_request(uint64_t old_size, const void *proof,
				    size_t proof_len, const char *note,
				    size_t note_len, struct tims_buf *out,
				    struct tims_err *err)
{
	const uint8_t *h = proof;
	char b64[B64_HASH_CHARS + 1];
	size_t start = out->len;
	tims_rc rc;

	if (proof_len > TIMS_WITNESS_MAX_PROOF)
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "request: proof of %zu hashes, at most %d",
				    proof_len, TIMS_WITNESS_MAX_PROOF);
	if (old_size > TIMS_WITNESS_MAX_SIZE)
		return tims_err_set(err, TIMS_ERR_USAGE,
				    "request: old size larger than %" PRIu64,
				    TIMS_WITNESS_MAX_SIZE);
	if ((rc = tims_buf_addf(out, OLD_PREFIX "%" PRIu64 "\n", old_size)))
		goto fail;
	for (size_t i = 0; i < proof_len; i++) {
		sodium_bin2base64(b64, sizeof(b64), h + i * TIMS_HASH_BYTES,
				  TIMS_HASH_BYTES,
				  sodium_base64_VARIANT_ORIGINAL);
		if ((rc = tims_buf_add(out, b64, B64_HASH_CHARS)) ||
		    (rc = tims_buf_addch(out, '\n')))
			goto fail;
	}
	if ((rc = tims_buf_addch(out, '\n')) ||
	    (rc = tims_buf_add(out, note, note_len)))
		goto fail;
	if (out->len - start > TIMS_WITNESS_MAX_BODY) {
		rc = TIMS_ERR_TOOBIG;
		goto fail;
	}
	return TIMS_OK;
fail:
	tims_buf_setlen(out, start);
	return tims_err_set(err, rc, "request: %s",
			    rc == TIMS_ERR_TOOBIG ? "larger than the witness takes"
						  : tims_strerror(rc));
}
