/*
 * batch.c — the sync batch (tims/sync.h): building, the JSON wire format
 * and its strict parser, and the check of a batch against a tree.
 *
 * The parser treats every byte as hostile: a bounded body, a fixed set of
 * fields of fixed types, hex and base64 of exact lengths, at most
 * TIMS_SYNC_MAX_BATCH positions, a checkpoint note that parses. It checks
 * no signature: tims_sync_batch_verify does, once the receiver has the
 * tree the batch claims to extend.
 */
#include <jansson.h>
#include <sodium.h>

#include "tims/audit.h"
#include "tims/util.h"
#include "internal.h"

void tims_sync_batch_init(struct tims_sync_batch *b)
{
	memset(b, 0, sizeof(*b));
}

void tims_sync_batch_init_leaf(struct tims_sync_batch *b, enum tims_sync_leaf leaf)
{
	memset(b, 0, sizeof(*b));
	b->leaf = leaf;
}

void tims_sync_batch_release(struct tims_sync_batch *b)
{
	enum tims_sync_leaf leaf = b->leaf;

	for (size_t i = 0; i < b->n; i++)
		free((void *)b->items[i].salt);
	free(b->items);
	free(b->note);
	for (size_t i = 0; i < b->nho; i++)
		free(b->ho[i]);
	memset(b, 0, sizeof(*b));
	b->leaf = leaf;
}

/* The largest payload one position of this kind may carry. */
static size_t leaf_max_body(enum tims_sync_leaf leaf)
{
	return leaf == TIMS_SYNC_AUDIT ? TIMS_AUDIT_MAX_BYTES : TIMS_RECORD_MAX_BYTES;
}

static const char *leaf_noun(enum tims_sync_leaf leaf)
{
	return leaf == TIMS_SYNC_AUDIT ? "event" : "record";
}

int tims_sync_leaf_origin(enum tims_sync_leaf leaf, const char *key_name, char *out,
			  size_t cap)
{
	int n = snprintf(out, cap, "%s%s", key_name, leaf == TIMS_SYNC_AUDIT ? "/audit" : "");

	return n < 0 || (size_t)n >= cap || (size_t)n > TIMS_NOTE_MAX_NAME ? -1 : 0;
}

tims_rc tims_sync_leaf_check(enum tims_sync_leaf leaf, const struct tims_post_raw *r,
			     struct tims_err *err)
{
	if (leaf == TIMS_SYNC_AUDIT)
		return tims_audit_leaf_check(r->index, r->entry, r->salt, r->body,
					     r->body_len, NULL, err);
	return tims_post_raw_check(r, NULL, err);
}

static tims_rc parse_cp(struct tims_sync_batch *b, struct tims_err *err)
{
	struct tims_note *n = malloc(sizeof(*n));
	struct tims_err e;
	tims_rc rc;

	if (!n)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	rc = tims_note_parse(b->note, b->note_len, n, &e);
	if (!rc)
		rc = tims_checkpoint_parse(n->text, n->textlen, &b->cp, &e);
	free(n);
	if (rc)
		return tims_err_set(err, rc, "checkpoint: %s", e.msg);
	return TIMS_OK;
}

tims_rc tims_sync_batch_start(struct tims_sync_batch *b, uint64_t from,
			      const char *note, size_t note_len,
			      struct tims_err *err)
{
	char *copy;

	if (note_len > TIMS_NOTE_MAX_BYTES)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "checkpoint: too large");
	/* copied before the release: note may be b's own note */
	if (!(copy = malloc(note_len + 1)))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	memcpy(copy, note, note_len);
	copy[note_len] = '\0';
	tims_sync_batch_release(b);
	b->from = from;
	b->note = copy;
	b->note_len = note_len;
	return parse_cp(b, err);
}

tims_rc tims_sync_batch_add_handover(struct tims_sync_batch *b, const char *note,
				     size_t len, struct tims_err *err)
{
	char *copy;

	if (b->nho == TIMS_MLOG_MAX_HANDOVERS)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "handovers: more than %d",
				    TIMS_MLOG_MAX_HANDOVERS);
	if (len > TIMS_NOTE_MAX_BYTES)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "handovers[%zu]: too large", b->nho);
	if (!(copy = malloc(len + 1)))
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	memcpy(copy, note, len);
	copy[len] = '\0';
	b->ho[b->nho++] = copy;
	return TIMS_OK;
}

tims_rc tims_sync_batch_add_handovers(struct tims_sync_batch *b,
				      const struct tims_mlog *log, struct tims_err *err)
{
	tims_rc rc = TIMS_OK;

	for (size_t i = 0; !rc && i < tims_mlog_handover_count(log); i++) {
		const char *note;
		uint64_t size;

		tims_mlog_handover_get(log, i, &note, &size);
		rc = tims_sync_batch_add_handover(b, note, strlen(note), err);
	}
	return rc;
}

static int same_key(const struct tims_verifier *a, const struct tims_verifier *b)
{
	return a->alg == b->alg && a->keyhash == b->keyhash && !strcmp(a->name, b->name) &&
	       !memcmp(a->pub, b->pub, TIMS_PUBKEY_BYTES);
}

tims_rc tims_sync_batch_key(const struct tims_sync_batch *b, const struct tims_mlog *log,
			    struct tims_verifier *key, struct tims_err *err)
{
	size_t held = tims_mlog_handover_count(log);
	struct tims_verifier cur = *tims_mlog_key(log);

	/* the key in force at the checkpoint's size as the receiver holds the
	 * chain, then moved along the hand-overs the batch brings */
	*key = *tims_mlog_key_at(log, b->cp.size);
	for (size_t i = 0; i < b->nho; i++) {
		struct tims_verifier old, next;
		struct tims_checkpoint cp;
		struct tims_err e;
		int known = 0;
		tims_rc rc;

		for (size_t k = 0; k < held && !known; k++) {
			const char *note;
			uint64_t size;

			tims_mlog_handover_get(log, k, &note, &size);
			known = !strcmp(note, b->ho[i]);
		}
		if (known)
			continue;
		if ((rc = tims_mlog_handover_parse(b->ho[i], strlen(b->ho[i]), &cp, &old, &next,
						   &e)))
			return tims_err_set(err, rc == TIMS_ERR_NOTFOUND ? TIMS_ERR_INVALID : rc,
					    "handovers[%zu]: %s", i,
					    rc == TIMS_ERR_NOTFOUND ? "no hand-over line" : e.msg);
		if (same_key(&old, &cur)) {
			/* forward, from the key in force: a checkpoint past the
			 * hand-over is the new key's */
			cur = next;
			if (b->cp.size > cp.size && same_key(key, &old))
				*key = next;
		} else if (!held && i == 0 && same_key(&next, &cur)) {
			/* the key held names its predecessor (read backwards): a
			 * checkpoint up to the hand-over is the old key's */
			if (b->cp.size <= cp.size && same_key(key, &next))
				*key = old;
		} else {
			return tims_err_set(err, TIMS_ERR_SIGNATURE,
					    "handovers[%zu]: a hand-over from %s+%08" PRIx32
					    ", a key this log does not hold (held: %s+%08" PRIx32 ")",
					    i, old.name, old.keyhash, cur.name, cur.keyhash);
		}
	}
	return TIMS_OK;
}

tims_rc tims_sync_batch_add(struct tims_sync_batch *b,
			    const struct tims_post_raw *r,
			    struct tims_err *err)
{
	struct tims_post_raw *it;
	uint8_t *mem = NULL;

	if (b->n >= TIMS_SYNC_MAX_BATCH)
		return tims_err_set(err, TIMS_ERR_TOOBIG,
				    "batch: more than %d positions", TIMS_SYNC_MAX_BATCH);
	if (r->index != b->from + b->n)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "batch: position %" PRIu64 " out of order", r->index);
	if (r->body_len > leaf_max_body(b->leaf))
		return tims_err_set(err, TIMS_ERR_TOOBIG, "%s %" PRIu64 ": too large",
				    leaf_noun(b->leaf), r->index);
	if (b->n == b->items_cap) {
		size_t cap = b->items_cap ? b->items_cap * 2 : 64;
		struct tims_post_raw *p = realloc(b->items, cap * sizeof(*p));

		if (!p)
			return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		b->items = p;
		b->items_cap = cap;
	}
	if (r->body) {
		if (!(mem = malloc(TIMS_RECORD_SALT_BYTES + r->body_len + 1)))
			return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		memcpy(mem, r->salt, TIMS_RECORD_SALT_BYTES);
		memcpy(mem + TIMS_RECORD_SALT_BYTES, r->body, r->body_len);
	}
	it = &b->items[b->n++];
	*it = *r;
	it->salt = mem;
	it->body = mem ? mem + TIMS_RECORD_SALT_BYTES : NULL;
	it->body_len = mem ? r->body_len : 0;
	return TIMS_OK;
}

tims_rc sync_collect(void *ctx, const struct tims_post_raw *r)
{
	struct sync_collect *c = ctx;

	return tims_sync_batch_add(c->b, r, c->err);
}

tims_rc tims_sync_batch_from_post(struct tims_sync_batch *b, struct tims_post *p,
				  uint64_t from, uint64_t count,
				  const char *note, size_t note_len,
				  struct tims_err *err)
{
	struct sync_collect c = { b, err };
	struct tims_tlog_reader r;
	tims_rc rc;

	if ((rc = tims_sync_batch_start(b, from, note, note_len, err)) ||
	    (rc = tims_sync_batch_add_handovers(b, tims_post_mlog(p), err)) ||
	    (rc = tims_post_export(p, from, count, sync_collect, &c, err)))
		return rc;
	tims_post_reader(p, &r);
	return tims_sync_batch_prove(b, &r, err);
}

static tims_rc prove_cb(void *ctx, const struct tims_tlog_reader *r, struct tims_err *err)
{
	return tims_sync_batch_prove(ctx, r, err);
}

tims_rc tims_sync_batch_from_audit(struct tims_sync_batch *b, struct tims_audit *a,
				   uint64_t from, uint64_t count,
				   const char *note, size_t note_len,
				   struct tims_err *err)
{
	struct sync_collect c = { b, err };
	tims_rc rc;

	b->leaf = TIMS_SYNC_AUDIT;
	if ((rc = tims_sync_batch_start(b, from, note, note_len, err)) ||
	    (rc = tims_sync_batch_add_handovers(b, tims_audit_mlog(a), err)) ||
	    (rc = tims_audit_raw(a, from, count, sync_collect, &c, err)))
		return rc;
	if (b->n != count)
		return tims_err_set(err, TIMS_ERR_INVALID, "audit: %" PRIu64 " events from %"
				    PRIu64 " asked, %zu held", count, from, b->n);
	return tims_audit_with_tree(a, prove_cb, b, err);
}

tims_rc tims_sync_batch_prove(struct tims_sync_batch *b,
			      const struct tims_tlog_reader *r,
			      struct tims_err *err)
{
	uint64_t end = b->from + b->n;

	if (end > b->cp.size)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "batch: ends at %" PRIu64 ", past its checkpoint of size %" PRIu64,
				    end, b->cp.size);
	return tims_tlog_prove_consistency(end, b->cp.size, r, b->proof,
					   &b->proof_len, err);
}

static json_t *b64(const uint8_t *data, size_t len)
{
	size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(cap);
	json_t *j;

	if (!s)
		return NULL;
	sodium_bin2base64(s, cap, data, len, sodium_base64_VARIANT_ORIGINAL);
	j = json_string(s);
	free(s);
	return j;
}

static json_t *hex(const uint8_t *data, size_t len)
{
	struct tims_buf h = TIMS_BUF_INIT(256);
	json_t *j = NULL;

	if (!tims_buf_addhex(&h, data, len))
		j = json_string(tims_buf_str(&h));
	tims_buf_release(&h);
	return j;
}

static int dump_cb(const char *s, size_t n, void *ud)
{
	return tims_buf_add(ud, s, n) ? -1 : 0;
}

tims_rc tims_sync_batch_encode(const struct tims_sync_batch *b,
			       struct tims_buf *out, struct tims_err *err)
{
	json_t *o = json_object(), *proof = json_array(), *items = json_array();
	tims_rc rc = TIMS_OK;

	if (!o || !proof || !items)
		goto nomem;
	for (size_t i = 0; i < b->proof_len; i++)
		if (json_array_append_new(proof, hex(b->proof[i], TIMS_HASH_BYTES)))
			goto nomem;
	for (size_t i = 0; i < b->n; i++) {
		const struct tims_post_raw *r = &b->items[i];
		json_t *it = json_object();

		if (!it || json_array_append_new(items, it) ||
		    json_object_set_new(it, "e", b64(r->entry, TIMS_RECORD_ENTRY_BYTES)))
			goto nomem;
		if (r->body &&
		    (json_object_set_new(it, "s", b64(r->salt, TIMS_RECORD_SALT_BYTES)) ||
		     json_object_set_new(it, "r", b64(r->body, r->body_len))))
			goto nomem;
	}
	if (json_object_set_new(o, "from", json_integer((json_int_t)b->from)) ||
	    json_object_set_new(o, "checkpoint", json_stringn(b->note, b->note_len)) ||
	    json_object_set_new(o, "proof", proof) ||
	    json_object_set_new(o, "entries", items)) {
		proof = items = NULL;
		goto nomem;
	}
	if (b->nho) {
		json_t *ho = json_array();

		if (!ho || json_object_set_new(o, "handovers", ho))
			goto nomem_o;
		for (size_t i = 0; i < b->nho; i++)
			if (json_array_append_new(ho, json_string(b->ho[i])))
				goto nomem_o;
	}
	if (json_dump_callback(o, dump_cb, out, JSON_COMPACT) != 0)
		rc = tims_err_set(err, TIMS_ERR_TOOBIG, "batch: too large to send");
	json_decref(o);
	return rc;
nomem:
	json_decref(o);
	json_decref(proof);
	json_decref(items);
	return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
nomem_o:
	json_decref(o);
	return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
}

/* Base64 of exactly `len` bytes from a JSON string. */
static tims_rc unb64(const json_t *j, uint8_t *out, size_t len, size_t max,
		     size_t *got, const char *what, size_t i, struct tims_err *err)
{
	const char *s = json_string_value(j);
	size_t slen = json_string_length(j), n = 0;

	if (!s)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "entries[%zu].%s: not a string", i, what);
	for (size_t k = 0; k < slen; k++) {
		char c = s[k];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '='))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "entries[%zu].%s: not base64", i, what);
	}
	if (slen > sodium_base64_ENCODED_LEN(max, sodium_base64_VARIANT_ORIGINAL) ||
	    sodium_base642bin(out, max, s, slen, NULL, &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "entries[%zu].%s: not base64 of at most %zu bytes",
				    i, what, max);
	if (len && n != len)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "entries[%zu].%s: %zu bytes, want %zu", i, what, n, len);
	if (got)
		*got = n;
	return TIMS_OK;
}

static tims_rc decode_item(struct tims_sync_batch *b, const json_t *it, size_t i,
			   uint8_t *body, struct tims_err *err)
{
	struct tims_post_raw r;
	const json_t *e, *s, *rec;
	const char *key;
	json_t *v;
	tims_rc rc;

	if (!json_is_object(it))
		return tims_err_set(err, TIMS_ERR_INVALID, "entries[%zu]: not an object", i);
	json_object_foreach((json_t *)it, key, v)
		if (strcmp(key, "e") && strcmp(key, "s") && strcmp(key, "r"))
			return tims_err_set(err, TIMS_ERR_INVALID,
					    "entries[%zu]: unknown field", i);
	e = json_object_get(it, "e");
	s = json_object_get(it, "s");
	rec = json_object_get(it, "r");
	memset(&r, 0, sizeof(r));
	r.index = b->from + i;
	if (!e)
		return tims_err_set(err, TIMS_ERR_INVALID, "entries[%zu].e: required", i);
	if ((rc = unb64(e, r.entry, TIMS_RECORD_ENTRY_BYTES, TIMS_RECORD_ENTRY_BYTES,
			NULL, "e", i, err)))
		return rc;
	if (!s != !rec)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "entries[%zu]: \"s\" and \"r\" go together", i);
	if (s) {
		uint8_t salt[TIMS_RECORD_SALT_BYTES];

		if ((rc = unb64(s, salt, sizeof(salt), sizeof(salt), NULL, "s", i, err)) ||
		    (rc = unb64(rec, body, 0, leaf_max_body(b->leaf), &r.body_len, "r", i, err)))
			return rc;
		if (r.body_len == 0)
			return tims_err_set(err, TIMS_ERR_INVALID, "entries[%zu].r: empty", i);
		r.salt = salt;
		r.body = body;
		return tims_sync_batch_add(b, &r, err); /* copies salt and body */
	}
	return tims_sync_batch_add(b, &r, err);
}

tims_rc tims_sync_batch_decode(const char *json, size_t len,
			       struct tims_sync_batch *b, struct tims_err *err)
{
	json_error_t je;
	json_t *o, *from, *cp, *proof, *items, *v;
	uint8_t *body = NULL;
	const char *key;
	tims_rc rc;

	tims_sync_batch_release(b);
	if (len > TIMS_SYNC_MAX_BODY)
		return tims_err_set(err, TIMS_ERR_TOOBIG, "batch: more than %u bytes",
				    TIMS_SYNC_MAX_BODY);
	o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!o)
		return tims_err_set(err, TIMS_ERR_INVALID, "batch: not JSON (%s)", je.text);
	rc = TIMS_ERR_INVALID;
	if (!json_is_object(o)) {
		tims_err_set(err, rc, "batch: not an object");
		goto out;
	}
	json_object_foreach(o, key, v)
		if (strcmp(key, "from") && strcmp(key, "checkpoint") &&
		    strcmp(key, "proof") && strcmp(key, "entries") &&
		    strcmp(key, "handovers")) {
			tims_err_set(err, rc, "batch: unknown field");
			goto out;
		}
	from = json_object_get(o, "from");
	cp = json_object_get(o, "checkpoint");
	proof = json_object_get(o, "proof");
	items = json_object_get(o, "entries");
	if (!json_is_integer(from) || json_integer_value(from) < 0) {
		tims_err_set(err, rc, "from: want a non-negative integer");
		goto out;
	}
	if (!json_is_string(cp)) {
		tims_err_set(err, rc, "checkpoint: want a signed note");
		goto out;
	}
	if (!json_is_array(proof) || json_array_size(proof) > TIMS_TLOG_MAX_PROOF) {
		tims_err_set(err, rc, "proof: want an array of at most %d hashes",
			     TIMS_TLOG_MAX_PROOF);
		goto out;
	}
	if (!json_is_array(items) || json_array_size(items) > TIMS_SYNC_MAX_BATCH) {
		tims_err_set(err, rc, "entries: want an array of at most %d positions",
			     TIMS_SYNC_MAX_BATCH);
		goto out;
	}
	if ((rc = tims_sync_batch_start(b, (uint64_t)json_integer_value(from),
					json_string_value(cp), json_string_length(cp), err)))
		goto out;
	rc = TIMS_ERR_INVALID;
	for (size_t i = 0; i < json_array_size(proof); i++) {
		const char *h = json_string_value(json_array_get(proof, i));
		struct tims_err e;

		if (!h || tims_hex_decode(h, b->proof[i], TIMS_HASH_BYTES, "proof", &e)) {
			tims_err_set(err, rc, "proof[%zu]: want 64 hex digits", i);
			goto out;
		}
	}
	b->proof_len = json_array_size(proof);
	if (!(body = malloc(leaf_max_body(b->leaf)))) {
		rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < json_array_size(items); i++)
		if ((rc = decode_item(b, json_array_get(items, i), i, body, err)))
			goto out;
	if ((v = json_object_get(o, "handovers"))) {
		rc = TIMS_ERR_INVALID;
		if (!json_is_array(v) || json_array_size(v) == 0 ||
		    json_array_size(v) > TIMS_MLOG_MAX_HANDOVERS) {
			tims_err_set(err, rc, "handovers: want an array of 1 to %d notes",
				     TIMS_MLOG_MAX_HANDOVERS);
			goto out;
		}
		for (size_t i = 0; i < json_array_size(v); i++) {
			json_t *h = json_array_get(v, i);
			struct tims_checkpoint hcp;
			struct tims_note *hn;
			struct tims_err e;

			if (!json_is_string(h) || json_string_length(h) > TIMS_NOTE_MAX_BYTES ||
			    strlen(json_string_value(h)) != json_string_length(h)) {
				tims_err_set(err, rc, "handovers[%zu]: want a signed note", i);
				goto out;
			}
			if (!(hn = malloc(sizeof(*hn)))) {
				rc = tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
				goto out;
			}
			if (tims_note_parse(json_string_value(h), json_string_length(h), hn, &e) ||
			    tims_checkpoint_parse(hn->text, hn->textlen, &hcp, &e)) {
				free(hn);
				tims_err_set(err, rc, "handovers[%zu]: %s", i, e.msg);
				goto out;
			}
			free(hn);
			if ((rc = tims_sync_batch_add_handover(b, json_string_value(h),
								json_string_length(h), err)))
				goto out;
		}
	}
	if (b->from > TIMS_TLOG_MAX_LEAVES || b->cp.size < b->from + b->n) {
		rc = tims_err_set(err, TIMS_ERR_INVALID,
				  "checkpoint: size %" PRIu64 " does not cover the batch (ends at %" PRIu64 ")",
				  b->cp.size, b->from + b->n);
		goto out;
	}
	rc = TIMS_OK;
out:
	free(body);
	json_decref(o);
	if (rc)
		tims_sync_batch_release(b);
	return rc;
}

tims_rc tims_sync_batch_check_signer(const struct tims_sync_batch *b,
				     const struct tims_verifier *key,
				     struct tims_err *err)
{
	char origin[TIMS_NOTE_MAX_NAME + 1];
	struct tims_note *n = malloc(sizeof(*n));
	tims_rc rc;

	if (!n)
		return tims_err_set(err, TIMS_ERR_NOMEM, "out of memory");
	rc = tims_note_verify(b->note, b->note_len, key, 1, n, err);
	if (!rc && !(n->verified_mask & 1))
		rc = tims_err_set(err, TIMS_ERR_SIGNATURE,
				  "checkpoint: not signed by %s's key", key->name);
	free(n);
	if (rc)
		return rc;
	if (tims_sync_leaf_origin(b->leaf, key->name, origin, sizeof(origin)))
		return tims_err_set(err, TIMS_ERR_INVALID, "checkpoint: origin too long");
	if (strcmp(b->cp.origin, origin) != 0)
		return tims_err_set(err, TIMS_ERR_INVALID,
				    "checkpoint: origin \"%s\" is not \"%s\"",
				    b->cp.origin, origin);
	return TIMS_OK;
}

tims_rc tims_sync_batch_verify(const struct tims_sync_batch *b,
			       const struct tims_verifier *key,
			       const struct tims_tlog_reader *tree,
			       struct tims_err *err)
{
	uint64_t end = b->from + b->n;
	struct tims_err e;
	tims_hash root;
	tims_rc rc;

	if ((rc = tims_sync_batch_check_signer(b, key, err)))
		return rc;
	if ((rc = tims_tlog_tree_hash(end, tree, root, err)))
		return rc;
	if (tims_tlog_verify_consistency(end, b->cp.size, root, b->cp.root,
					 b->proof, b->proof_len, &e))
		return tims_err_set(err, TIMS_ERR_PROOF,
				    "the %" PRIu64 " positions held and sent are not the "
				    "first %" PRIu64 " of the signed tree of size %" PRIu64
				    " (%s)", end, end, b->cp.size, e.msg);
	return TIMS_OK;
}

tims_rc tims_sync_batch_reply(const struct tims_sync_batch *b,
			      struct tims_http_resp *resp, struct tims_err *err)
{
	tims_buf_reset(&resp->body);
	resp->body.max = TIMS_SYNC_MAX_BODY;
	resp->status = 200;
	resp->type = "application/json";
	return tims_sync_batch_encode(b, &resp->body, err);
}
