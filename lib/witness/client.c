/*
 * client.c — asking a witness for a cosignature (c2sp.org/tlog-witness),
 * for posts and the centre: one add-checkpoint call over HTTPS (TIMS's own
 * client, lib/sync/client.c, as the sync: TLS 1.2 or later, the witness's
 * certificate checked against its CA file, or the system's trust without
 * one, and the URL's host; the whole request, name resolution included,
 * within its time limit), and the whole exchange with the retry from the
 * witness's size on 409.
 *
 * The client trusts nothing it is sent: the answer is bounded, a 409 size
 * must be text/x.tlog.size holding one canonical number, cosignature lines
 * must be note signature lines, and with the witness's key the lines from
 * other keys are dropped and the remaining ones must verify over the
 * checkpoint. Only https is spoken; redirects are not followed. A caller
 * that must not wait on a stalled witness gives a time limit and a cancel
 * callback (tims_witness_ask).
 */
#include <sodium.h>

#include "tims/httpresp.h"
#include "tims/sync.h"
#include "tims/util.h"
#include "tims/witness.h"

#define ANSWER_MAX 65536
#define SIG_PREFIX "\xe2\x80\x94 " /* "— " */
#define SIG_PREFIX_LEN 4
#define LINE_BLOB_MAX 5004 /* key hash + the longest signature a note takes */
#define MAX_TRIES 3

/* A-Z a-z 0-9 + / in any locale. */
static int b64_digit(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* Keep the lines of `lines` that are from wkey (all if wkey is NULL),
 * checking each is a well-formed signature line. */
static tims_rc filter_lines(const char *lines, size_t len,
			    const struct tims_verifier *wkey,
			    struct tims_buf *out, struct tims_err *err)
{
	const char *p = lines, *end = lines + len;
	size_t kept = 0;

	if (len == 0)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "witness answer: no cosignature line");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *sp;
		uint8_t *blob;
		size_t n = 0;
		int keep;

		if (!nl || (size_t)(nl - p) < SIG_PREFIX_LEN + 3 ||
		    memcmp(p, SIG_PREFIX, SIG_PREFIX_LEN) != 0)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "witness answer: a line is not a "
					    "note signature line");
		sp = memchr(p + SIG_PREFIX_LEN, ' ', (size_t)(nl - p) - SIG_PREFIX_LEN);
		if (!sp || sp == p + SIG_PREFIX_LEN)
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "witness answer: a signature line "
					    "has no key name");
		/* libsodium 1.0.18 takes some bytes >= 0x80 for base64
		 * digits: check the alphabet first. */
		for (const char *c = sp + 1; c < nl; c++)
			if (!b64_digit(*c) && *c != '=')
				return tims_err_set(err, TIMS_ERR_INVALID,
						    "witness answer: a signature "
						    "is not base64");
		blob = malloc(LINE_BLOB_MAX);
		if (!blob)
			return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		if (sodium_base642bin(blob, LINE_BLOB_MAX, sp + 1,
				      (size_t)(nl - sp - 1), NULL, &n, NULL,
				      sodium_base64_VARIANT_ORIGINAL) != 0 || n < 5) {
			free(blob);
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "witness answer: a signature is not "
					    "base64");
		}
		keep = !wkey ||
		       ((size_t)(sp - p - SIG_PREFIX_LEN) == strlen(wkey->name) &&
			!memcmp(p + SIG_PREFIX_LEN, wkey->name, strlen(wkey->name)) &&
			((uint32_t)blob[0] << 24 | (uint32_t)blob[1] << 16 |
			 (uint32_t)blob[2] << 8 | blob[3]) == wkey->keyhash);
		free(blob);
		if (keep) {
			if (tims_buf_add(out, p, (size_t)(nl - p) + 1))
				return tims_err_set(err, TIMS_ERR_TOOBIG,
						    "witness answer: too large");
			kept++;
		}
		p = nl + 1;
	}
	if (!kept)
		return tims_err_set(err, TIMS_ERR_SIGNATURE,
				    "witness answer: no cosignature by %s",
				    wkey ? wkey->name : "any key");
	return TIMS_OK;
}

/* The cosignature lines (from wkey) must verify over the note's checkpoint. */
static tims_rc check_cosigs(const char *note, size_t note_len,
			    const char *lines, size_t len,
			    const struct tims_verifier *wkey, struct tims_err *err)
{
	struct tims_buf all = TIMS_BUF_INIT(2 * ANSWER_MAX + TIMS_NOTE_MAX_BYTES);
	struct tims_note *n = malloc(sizeof(*n));
	struct tims_err verr = { 0, "" };
	tims_rc rc;

	if (!n)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	if ((rc = tims_buf_add(&all, note, note_len)) ||
	    (rc = tims_buf_add(&all, lines, len)))
		rc = tims_err_set(err, rc, "witness answer: too large");
	else if ((rc = tims_note_verify(all.buf, all.len, wkey, 1, n, &verr)))
		rc = tims_err_set(err, TIMS_ERR_SIGNATURE,
				  "witness answer: %s", verr.msg);
	free(n);
	tims_buf_release(&all);
	return rc;
}

/* The "message" of a JSON error answer, else the body's first line. */
static void reason_of(const struct tims_buf *b, char *out, size_t n)
{
	json_t *j = json_loadb(b->buf ? b->buf : "", b->len, 0, NULL);
	const char *m = j ? json_string_value(json_object_get(j, "message")) : NULL;
	size_t k = 0;

	if (m) {
		snprintf(out, n, "%s", m);
	} else {
		const char *s = tims_buf_str(b);

		while (k + 1 < n && s[k] && s[k] != '\n' && isprint((unsigned char)s[k])) {
			out[k] = s[k];
			k++;
		}
		out[k] = '\0';
	}
	json_decref(j);
}

/* "SIZE\n", canonical, within the witness's range. */
static int parse_size_body(const struct tims_buf *b, uint64_t *size)
{
	char num[24];

	if (b->len < 2 || b->len > sizeof(num) || b->buf[b->len - 1] != '\n' ||
	    (b->len > 2 && b->buf[0] == '0'))
		return -1;
	memcpy(num, b->buf, b->len - 1);
	num[b->len - 1] = '\0';
	return tims_parse_u64(num, TIMS_WITNESS_MAX_SIZE, size, "size", NULL) ? -1 : 0;
}

static tims_rc add_checkpoint(const struct tims_witness_call *call,
			      const char *url, const char *ca_file,
			      uint64_t old_size, const void *proof,
			      size_t proof_len, const char *note,
			      size_t note_len,
			      const struct tims_verifier *wkey,
			      struct tims_buf *cosigs,
			      uint64_t *witness_size,
			      struct tims_err *err)
{
	struct tims_buf req = TIMS_BUF_INIT(TIMS_WITNESS_MAX_BODY);
	struct tims_buf resp = TIMS_BUF_INIT(ANSWER_MAX);
	char reason[300], ctype[TIMS_HTTPRESP_CTYPE_MAX] = "";
	struct tims_sync_peer peer = { url, ca_file, NULL, NULL, 30, NULL };
	struct tims_sync_opts opts = { 0, NULL, NULL, ctype };
	struct tims_err e;
	long status = 0;
	tims_rc rc;

	*witness_size = 0;
	if ((rc = tims_witness_format_request(old_size, proof, proof_len, note,
					      note_len, &req, err)))
		return rc;
	if (call && call->timeout_ms > 0)
		opts.timeout_ms = call->timeout_ms;
	if (call && call->cancel) {
		opts.cancel = call->cancel;
		opts.cancel_ctx = call->cancel_ctx;
	}
	tims_err_clear(&e);
	if ((rc = tims_sync_http_opts(&peer, &opts, "POST", "/add-checkpoint", req.buf, req.len,
				 "text/plain; charset=utf-8", ANSWER_MAX, &resp, &status, &e))) {
		/* not reached, refused, timed out, abandoned, not who it must
		 * be (nothing was sent to it then): all "not answered" */
		rc = tims_err_set(err, rc == TIMS_ERR_USAGE ? TIMS_ERR_USAGE : TIMS_ERR_NET,
				  "witness %s", tims_err_msg(&e)); /* it names the URL */
		goto out;
	}
	reason_of(&resp, reason, sizeof(reason));
	switch (status) {
	case 200:
		if (!(rc = filter_lines(resp.buf, resp.len, wkey, cosigs, err)) &&
		    wkey)
			rc = check_cosigs(note, note_len, resp.buf, resp.len, wkey, err);
		break;
	case 409:
		if (!strncmp(ctype, TIMS_WITNESS_SIZE_TYPE,
				      strlen(TIMS_WITNESS_SIZE_TYPE))) {
			if (parse_size_body(&resp, witness_size))
				rc = tims_err_set(err, TIMS_ERR_NET, "witness %s: 409 "
						  "with a malformed size", url);
			else
				rc = tims_err_set(err, TIMS_ERR_STATE, "witness %s: "
						  "it has cosigned size %" PRIu64
						  ", not %" PRIu64, url,
						  *witness_size, old_size);
		} else {
			rc = tims_err_set(err, TIMS_ERR_TAMPER, "witness %s: conflict: %s",
					  url, reason);
		}
		break;
	case 422:
		rc = tims_err_set(err, TIMS_ERR_PROOF, "witness %s: %s", url, reason);
		break;
	case 404:
		rc = tims_err_set(err, TIMS_ERR_NOTFOUND, "witness %s: %s", url, reason);
		break;
	case 403:
		rc = tims_err_set(err, TIMS_ERR_SIGNATURE, "witness %s: %s", url, reason);
		break;
	case 400:
		rc = tims_err_set(err, TIMS_ERR_INVALID, "witness %s: %s", url, reason);
		break;
	default:
		rc = tims_err_set(err, TIMS_ERR_NET, "witness %s: HTTP %ld: %s", url,
				  status, reason);
	}
out:
	tims_buf_release(&req);
	tims_buf_release(&resp);
	return rc;
}

tims_rc tims_witness_add_checkpoint(const char *url, const char *ca_file,
				    uint64_t old_size, const void *proof,
				    size_t proof_len, const char *note,
				    size_t note_len,
				    const struct tims_verifier *wkey,
				    struct tims_buf *cosigs,
				    uint64_t *witness_size,
				    struct tims_err *err)
{
	return add_checkpoint(NULL, url, ca_file, old_size, proof, proof_len, note,
			      note_len, wkey, cosigs, witness_size, err);
}

tims_rc tims_witness_request_cosignature(const char *url, const char *ca_file,
					 const struct tims_tlog_reader *r,
					 const char *note, size_t note_len,
					 uint64_t old_size,
					 const struct tims_verifier *wkey,
					 struct tims_buf *cosigs,
					 uint64_t *witness_size,
					 struct tims_err *err)
{
	return tims_witness_ask(NULL, url, ca_file, r, note, note_len, old_size, wkey,
				cosigs, witness_size, err);
}

tims_rc tims_witness_ask(const struct tims_witness_call *call, const char *url,
			 const char *ca_file, const struct tims_tlog_reader *r,
			 const char *note, size_t note_len, uint64_t old_size,
			 const struct tims_verifier *wkey, struct tims_buf *cosigs,
			 uint64_t *witness_size, struct tims_err *err)
{
	struct tims_note *n = malloc(sizeof(*n));
	struct tims_checkpoint cp;
	tims_hash proof[TIMS_TLOG_MAX_PROOF];
	size_t len;
	tims_rc rc;

	*witness_size = 0;
	if (!n)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	rc = tims_note_parse(note, note_len, n, err);
	if (!rc)
		rc = tims_checkpoint_parse(n->text, n->textlen, &cp, err);
	free(n);
	if (rc)
		return rc;
	if (old_size > cp.size)
		old_size = 0; /* what we believed is impossible: ask afresh */
	for (int i = 0; i < MAX_TRIES; i++) {
		if ((rc = tims_tlog_prove_consistency(old_size, cp.size, r, proof,
						      &len, err)))
			return rc;
		rc = add_checkpoint(call, url, ca_file, old_size, proof, len, note,
				    note_len, wkey, cosigs, witness_size, err);
		if (rc != TIMS_ERR_STATE)
			return rc;
		if (*witness_size > cp.size)
			return tims_err_set(err, TIMS_ERR_TAMPER,
					    "witness %s has cosigned size %" PRIu64
					    " of %s, larger than this checkpoint's %"
					    PRIu64 ": the log was rolled back, or a "
					    "fork of it was witnessed", url,
					    *witness_size, cp.origin, cp.size);
		old_size = *witness_size;
	}
	return rc;
}
